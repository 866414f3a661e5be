//! The `comms.*` checks, decided for the device's flows of one capture.
//! Each failing result carries one packet evidence per offending flow: the
//! capture, the frame(s), the flow, the protocol and a short excerpt with
//! secrets masked.

use iotcheck_model::{CheckId, CheckResult, Evidence, Flow as EvFlow, Outcome};

use crate::Analysis;
use crate::dissect::{Class, Finding, Identified};
use crate::flow::Flow;

/// The checks this analyzer decides.
pub const CHECKS: [&str; 6] = [
    "comms.cleartext-app-data",
    "comms.credentials-in-clear",
    "comms.tls-version",
    "comms.weak-cipher-suite",
    "comms.certificate-invalid",
    "comms.firmware-download-in-clear",
];

const MAX_EVIDENCE: usize = 25;

fn id(s: &str) -> CheckId {
    // The ids above are valid by construction (a test checks it).
    CheckId::new(s).unwrap_or_else(|e| panic!("{e}"))
}

fn ev_flow(f: &Flow, device_initiated: bool) -> EvFlow {
    let (a, b) = if device_initiated {
        (f.initiator, f.responder)
    } else {
        (f.responder, f.initiator)
    };
    // Written from the initiator's side, whoever the device is.
    let (src, dst) = if device_initiated { (a, b) } else { (b, a) };
    EvFlow {
        transport: f.transport.as_str().into(),
        src: src.0.to_string(),
        src_port: src.1,
        dst: dst.0.to_string(),
        dst_port: dst.1,
    }
}

fn packet(
    a: &Analysis,
    f: &Flow,
    dev_init: bool,
    id: &Identified,
    frames: Vec<u64>,
    excerpt: Option<String>,
) -> Evidence {
    Evidence::Packet {
        capture: a.capture.clone(),
        frames,
        flow: Some(ev_flow(f, dev_init)),
        protocol: Some(id.protocol.clone()),
        excerpt,
    }
}

fn peer(f: &Flow, dev_init: bool) -> String {
    let p = if dev_init { f.responder } else { f.initiator };
    match p.0 {
        std::net::IpAddr::V6(v6) => format!("[{v6}]:{}", p.1),
        v4 => format!("{v4}:{}", p.1),
    }
}

fn list(items: &[String]) -> String {
    let shown: Vec<&str> = items.iter().take(4).map(String::as_str).collect();
    let more = items.len().saturating_sub(4);
    if more > 0 {
        format!("{} and {more} more", shown.join("; "))
    } else {
        shown.join("; ")
    }
}

/// Decides every check of [`CHECKS`] for one analysed capture.
pub fn checks(a: &Analysis) -> Vec<CheckResult> {
    let flows = &a.device_flows;
    let app: Vec<_> = flows
        .iter()
        .filter(|(_, i, _)| {
            matches!(
                i.class,
                Class::Encrypted | Class::Cleartext | Class::Unknown
            )
        })
        .collect();
    let clear: Vec<_> = flows
        .iter()
        .filter(|(_, i, _)| i.class == Class::Cleartext)
        .collect();
    let encrypted = flows
        .iter()
        .filter(|(_, i, _)| i.class == Class::Encrypted)
        .count();
    let unknown = flows
        .iter()
        .filter(|(_, i, _)| i.class == Class::Unknown)
        .count();
    let device = if a.device.ips.is_empty() {
        "the device".to_string()
    } else {
        a.device
            .ips
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = Vec::new();
    let result = |check: &str, outcome, summary: String| {
        CheckResult::new(id(check), outcome, summary).with_input(a.capture.clone())
    };

    // comms.cleartext-app-data
    if !clear.is_empty() {
        let names: Vec<String> = clear
            .iter()
            .map(|(f, i, d)| {
                format!(
                    "{} with {} (frame {})",
                    i.protocol,
                    peer(f, *d),
                    i.excerpt.as_ref().map_or(f.first_frame, |e| e.frame)
                )
            })
            .collect();
        let mut r = result(
            "comms.cleartext-app-data",
            Outcome::Fail,
            format!(
                "{} flow{} of {device} carry application data in clear: {}",
                clear.len(),
                if clear.len() == 1 { "" } else { "s" },
                list(&names)
            ),
        );
        for (f, i, d) in clear.iter().take(MAX_EVIDENCE) {
            let (frames, excerpt) = match &i.excerpt {
                Some(e) => (vec![e.frame], Some(e.excerpt.clone())),
                None => (
                    vec![
                        f.streams[0]
                            .first_payload_frame
                            .or(f.streams[1].first_payload_frame)
                            .unwrap_or(f.first_frame),
                    ],
                    i.detail.clone(),
                ),
            };
            r = r.with_evidence(packet(a, f, *d, i, frames, excerpt));
        }
        out.push(r);
    } else if unknown > 0 {
        out.push(result(
            "comms.cleartext-app-data",
            Outcome::Error,
            format!("{unknown} flow(s) of {device} carry payload that could not be identified as encrypted or cleartext ({encrypted} encrypted flows)"),
        ));
    } else if encrypted > 0 {
        out.push(result(
            "comms.cleartext-app-data",
            Outcome::Pass,
            format!("all {encrypted} application flows of {device} are encrypted"),
        ));
    } else {
        out.push(result(
            "comms.cleartext-app-data",
            Outcome::NotApplicable,
            format!("the capture holds no application data of {device}, only infrastructure and discovery traffic"),
        ));
    }

    // comms.credentials-in-clear
    let creds: Vec<(&Flow, &Identified, bool, &Finding)> = flows
        .iter()
        .flat_map(|(f, i, d)| i.credentials.iter().map(move |c| (f, i, *d, c)))
        .collect();
    if !creds.is_empty() {
        let names: Vec<String> = creds
            .iter()
            .map(|(f, _, d, c)| format!("{} to {} (frame {})", c.what, peer(f, *d), c.frame))
            .collect();
        let mut r = result(
            "comms.credentials-in-clear",
            Outcome::Fail,
            format!("credentials sent in clear: {}", list(&names)),
        );
        for (f, i, d, c) in creds.iter().take(MAX_EVIDENCE) {
            r = r.with_evidence(packet(a, f, *d, i, vec![c.frame], Some(c.excerpt.clone())));
        }
        out.push(r);
    } else if !app.is_empty() {
        out.push(result(
            "comms.credentials-in-clear",
            Outcome::Pass,
            format!(
                "no credentials seen in clear in {} application flows ({} cleartext)",
                app.len(),
                clear.len()
            ),
        ));
    }

    // comms.tls-version and comms.weak-cipher-suite
    let sessions: Vec<_> = flows
        .iter()
        .filter_map(|(f, i, d)| i.tls.as_ref().map(|t| (f, i, *d, t)))
        .collect();
    let versioned: Vec<_> = sessions
        .iter()
        .filter(|(_, _, _, t)| t.version.is_some())
        .collect();
    let old: Vec<_> = versioned
        .iter()
        .filter(|(_, _, _, t)| t.version.is_some_and(crate::dissect::tls_is_old))
        .collect();
    if !old.is_empty() {
        let names: Vec<String> = old
            .iter()
            .map(|(f, _, d, t)| {
                format!(
                    "{} with {} (frame {})",
                    crate::dissect::tls_version_name(t.version.unwrap_or(0)),
                    peer(f, *d),
                    t.server_hello_frame.unwrap_or(f.first_frame)
                )
            })
            .collect();
        let mut r = result(
            "comms.tls-version",
            Outcome::Fail,
            format!(
                "{} session{} negotiated a protocol older than TLS 1.2: {}",
                old.len(),
                if old.len() == 1 { "" } else { "s" },
                list(&names)
            ),
        );
        for (f, i, d, t) in old.iter().take(MAX_EVIDENCE) {
            r = r.with_evidence(packet(
                a,
                f,
                *d,
                i,
                t.server_hello_frame.into_iter().collect(),
                i.detail.clone(),
            ));
        }
        out.push(r);
    } else if !versioned.is_empty() {
        out.push(result(
            "comms.tls-version",
            Outcome::Pass,
            format!(
                "all {} TLS/DTLS sessions with a visible handshake negotiated 1.2 or newer",
                versioned.len()
            ),
        ));
    }
    let weak: Vec<_> = versioned
        .iter()
        .filter(|(_, _, _, t)| t.cipher.is_some_and(|c| weak_suite(c).is_some()))
        .collect();
    if !weak.is_empty() {
        let names: Vec<String> = weak
            .iter()
            .map(|(f, _, d, t)| {
                format!(
                    "{} with {}",
                    t.cipher.and_then(weak_suite).unwrap_or_default(),
                    peer(f, *d)
                )
            })
            .collect();
        let mut r = result(
            "comms.weak-cipher-suite",
            Outcome::Fail,
            format!("weak cipher suites negotiated: {}", list(&names)),
        );
        for (f, i, d, t) in weak.iter().take(MAX_EVIDENCE) {
            r = r.with_evidence(packet(
                a,
                f,
                *d,
                i,
                t.server_hello_frame.into_iter().collect(),
                i.detail.clone(),
            ));
        }
        out.push(r);
    } else if versioned.iter().any(|(_, _, _, t)| t.cipher.is_some()) {
        out.push(result(
            "comms.weak-cipher-suite",
            Outcome::Pass,
            format!("no weak cipher suite among {} sessions", versioned.len()),
        ));
    }

    // comms.certificate-invalid: the certificates the handshakes show (TLS ≤ 1.2).
    let certs: Vec<_> = flows
        .iter()
        .filter_map(|(f, i, d)| {
            i.tls
                .as_ref()
                .and_then(|t| t.certificate.as_ref().map(|c| (f, i, *d, t, c)))
        })
        .collect();
    let bad: Vec<_> = certs
        .iter()
        .filter_map(|(f, i, d, t, c)| {
            let problems = certificate_problems(c, t.sni.as_deref(), f.first_ts);
            (!problems.is_empty()).then_some((*f, *i, *d, *c, problems))
        })
        .collect();
    if !bad.is_empty() {
        let names: Vec<String> = bad
            .iter()
            .map(|(f, _, d, c, p)| {
                format!(
                    "{} from {} (frame {}): {}",
                    c.subject,
                    peer(f, *d),
                    c.frame,
                    p.join(", ")
                )
            })
            .collect();
        let mut r = result(
            "comms.certificate-invalid",
            Outcome::Fail,
            format!(
                "{} server certificate{} would not be trusted: {}",
                bad.len(),
                if bad.len() == 1 { "" } else { "s" },
                list(&names)
            ),
        );
        for (f, i, d, c, p) in bad.iter().take(MAX_EVIDENCE) {
            r = r.with_evidence(packet(
                a,
                f,
                *d,
                i,
                vec![c.frame],
                Some(format!(
                    "subject {}; issuer {}; valid {}..{}; names {}; {}",
                    c.subject,
                    c.issuer,
                    day(c.not_before),
                    day(c.not_after),
                    c.names.join(" "),
                    p.join(", ")
                )),
            ));
        }
        out.push(r);
    } else if !certs.is_empty() {
        out.push(result(
            "comms.certificate-invalid",
            Outcome::Pass,
            format!(
                "{} server certificate(s) seen, none expired, self-signed or mismatched",
                certs.len()
            ),
        ));
    }

    // comms.firmware-download-in-clear: decided only when a download is seen.
    let downloads: Vec<(&Flow, &Identified, bool, &Finding)> = flows
        .iter()
        .flat_map(|(f, i, d)| i.downloads.iter().map(move |c| (f, i, *d, c)))
        .collect();
    if !downloads.is_empty() {
        let names: Vec<String> = downloads
            .iter()
            .map(|(f, _, d, c)| format!("{} from {} (frame {})", c.what, peer(f, *d), c.frame))
            .collect();
        let mut r = result(
            "comms.firmware-download-in-clear",
            Outcome::Fail,
            format!(
                "firmware or update downloaded without encryption: {}",
                list(&names)
            ),
        );
        for (f, i, d, c) in downloads.iter().take(MAX_EVIDENCE) {
            r = r.with_evidence(packet(a, f, *d, i, vec![c.frame], Some(c.excerpt.clone())));
        }
        out.push(r);
    }

    // A capture read only in part cannot pass anything: what was not read
    // could contradict it. Failures stand.
    if let Some(why) = &a.stopped {
        for r in out.iter_mut().filter(|r| r.outcome != Outcome::Fail) {
            r.outcome = Outcome::Error;
            r.summary = format!(
                "capture read only in part ({why}); in the part read: {}",
                r.summary
            );
        }
    }
    out
}

/// What is wrong with a certificate at the time of the flow.
pub(crate) fn certificate_problems(
    c: &crate::dissect::CertFacts,
    sni: Option<&str>,
    ts: u32,
) -> Vec<String> {
    let mut p = Vec::new();
    let now = i64::from(ts);
    if ts > 0 && now > c.not_after {
        p.push(format!("expired on {}", day(c.not_after)));
    }
    if ts > 0 && now < c.not_before {
        p.push(format!("not valid before {}", day(c.not_before)));
    }
    if c.self_signed {
        p.push("self-signed".into());
    }
    if let Some(host) = sni
        && !c.names.is_empty()
        && !c
            .names
            .iter()
            .any(|n| crate::dissect::name_matches(n, host))
    {
        p.push(format!("does not name {host}"));
    }
    if c.rsa_bits > 0 && c.rsa_bits < 2048 {
        p.push(format!("{}-bit RSA key", c.rsa_bits));
    }
    p
}

/// `YYYY-MM-DD` of a Unix time.
fn day(t: i64) -> String {
    iotcheck_model::Date::from_unix_days(t.div_euclid(86_400)).to_string()
}

/// Why a suite is weak (NULL, anonymous, export, RC4, RC2, DES, 3DES).
pub(crate) fn weak_suite(id: u16) -> Option<String> {
    use tls_parser::{TlsCipherAu, TlsCipherEnc, TlsCipherKx};
    let s = tls_parser::TlsCipherSuite::from_id(id)?;
    let why = match s.enc {
        TlsCipherEnc::Null => Some("NULL encryption"),
        TlsCipherEnc::Rc4 => Some("RC4"),
        TlsCipherEnc::Rc2 => Some("RC2"),
        TlsCipherEnc::Des => Some("DES"),
        TlsCipherEnc::TripleDes => Some("3DES"),
        _ => None,
    }
    .or_else(|| s.name.contains("EXPORT").then_some("export-grade"))
    .or_else(|| {
        (s.au == TlsCipherAu::Null && s.kx != TlsCipherKx::Tls13 && s.kx != TlsCipherKx::Psk)
            .then_some("anonymous (no authentication)")
    });
    why.map(|w| format!("{} ({w})", s.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ids_are_valid() {
        for c in CHECKS {
            assert!(CheckId::new(c).is_ok(), "{c}");
        }
    }

    #[test]
    fn weak_suites() {
        assert!(weak_suite(0x0005).is_some_and(|s| s.contains("RC4"))); // TLS_RSA_WITH_RC4_128_SHA
        assert!(weak_suite(0x000a).is_some_and(|s| s.contains("3DES"))); // TLS_RSA_WITH_3DES_EDE_CBC_SHA
        assert!(weak_suite(0x0018).is_some()); // TLS_DH_anon_WITH_RC4_128_MD5
        assert!(weak_suite(0x0034).is_some_and(|s| s.contains("anonymous"))); // TLS_DH_anon_WITH_AES_128_CBC_SHA
        assert!(weak_suite(0xc02f).is_none()); // ECDHE_RSA_AES_128_GCM
        assert!(weak_suite(0x1301).is_none()); // TLS_AES_128_GCM_SHA256
    }
}
