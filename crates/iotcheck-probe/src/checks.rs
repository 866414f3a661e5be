//! From findings to `probe.*` check results, one result per check and host,
//! every failing one carrying transcripts as evidence.

use std::collections::BTreeMap;

use iotcheck_model::{CheckId, CheckResult, Direction, Evidence, Outcome, TranscriptLine};

use crate::scope::Scope;
use crate::tls::hello::{TLS12, version_name};
use crate::tls::{suite_name, weakness};
use crate::{Findings, ProbeOptions, ProbeReport, Service};

fn result(
    id: &str,
    outcome: Outcome,
    summary: String,
    host: &str,
    evidence: Vec<Evidence>,
) -> Option<CheckResult> {
    let mut r =
        CheckResult::new(CheckId::new(id).ok()?, outcome, summary).with_input(host.to_string());
    for e in evidence {
        r = r.with_evidence(e);
    }
    Some(r)
}

fn transcript(s: &Service, exchange: Vec<TranscriptLine>) -> Evidence {
    Evidence::Transcript {
        host: s.host.clone(),
        port: s.port,
        service: format!(
            "{}/{}",
            s.protocol.name(),
            match s.transport {
                crate::Transport::Tcp => "tcp",
                crate::Transport::Udp => "udp",
            }
        ),
        exchange,
    }
}

fn received(text: String) -> TranscriptLine {
    TranscriptLine {
        direction: Direction::Received,
        text,
    }
}

fn list(items: &[String]) -> String {
    items.join(", ")
}

/// `probe.ssh-weak-algorithms` for one host: fails on any weak algorithm
/// an SSH service offers (see [`crate::ssh_kex`] for the list and sources),
/// with the offered lists as evidence.
fn ssh_algorithms(f: &Findings, host: &str) -> Option<CheckResult> {
    const ID: &str = "probe.ssh-weak-algorithms";
    let ssh: Vec<_> = f.ssh.iter().filter(|r| r.service.host == host).collect();
    if ssh.is_empty() {
        return result(
            ID,
            Outcome::NotApplicable,
            format!("no SSH service found on {host}"),
            host,
            Vec::new(),
        );
    }
    let weak: Vec<_> = ssh.iter().filter(|r| !r.weak.is_empty()).collect();
    if !weak.is_empty() {
        let mut desc = Vec::new();
        let mut ev = Vec::new();
        for r in &weak {
            let mut names: Vec<String> = Vec::new();
            let mut ex = r.transcript.clone();
            for w in &r.weak {
                names.push(format!("{} {} ({})", w.family.name(), w.name, w.why));
                ex.push(received(format!(
                    "weak {}: {} ({})",
                    w.family.name(),
                    w.name,
                    w.why
                )));
            }
            desc.push(format!(
                "port {} offers {}",
                r.service.port,
                names.join(", ")
            ));
            ev.push(transcript(&r.service, ex));
        }
        return result(
            ID,
            Outcome::Fail,
            format!("{host}: {}", desc.join("; ")),
            host,
            ev,
        );
    }
    let failed: Vec<String> = ssh
        .iter()
        .filter_map(|r| {
            r.error
                .as_ref()
                .map(|e| format!("port {}: {e}", r.service.port))
        })
        .collect();
    if !failed.is_empty() {
        return result(
            ID,
            Outcome::Error,
            format!(
                "the SSH algorithms of {host} could not all be read: {}",
                list(&failed)
            ),
            host,
            Vec::new(),
        );
    }
    // The lists themselves are in the evidence; the summary counts them.
    let desc: Vec<String> = ssh
        .iter()
        .map(|r| {
            let k = r.kexinit.clone().unwrap_or_default();
            // `kex-strict-*` and `ext-info-*` are markers, not algorithms.
            let kex = k
                .kex
                .iter()
                .filter(|n| !n.starts_with("kex-strict-") && !n.starts_with("ext-info-"))
                .count();
            format!(
                "port {} ({}): {kex} key exchange, {} host key, {} cipher and {} MAC algorithms",
                r.service.port,
                r.version.as_deref().unwrap_or("?"),
                k.host_key.len(),
                k.ciphers_s2c.len(),
                k.macs_s2c.len()
            )
        })
        .collect();
    result(
        ID,
        Outcome::Pass,
        format!(
            "SSH services on {host} offer no weak key exchange, host key, cipher or MAC: {}",
            desc.join("; ")
        ),
        host,
        ssh.iter()
            .map(|r| transcript(&r.service, r.transcript.clone()))
            .collect(),
    )
}

/// Builds the results. When the budget ran out (`complete` false), a pass
/// or not-applicable cannot be trusted (a stage may have been cut before it
/// found anything): those become errors that say so, while failures found
/// stand.
pub(crate) fn report(
    f: Findings,
    scope: &Scope,
    opts: &ProbeOptions,
    complete: bool,
) -> ProbeReport {
    let mut results = Vec::new();
    let mut notes = f.notes.clone();
    // Certificates by fingerprint, to find one shared by several hosts.
    let mut by_cert: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for t in &f.tls {
        if let Some(c) = &t.cert {
            let hosts = by_cert.entry(c.sha256.as_str()).or_default();
            if !hosts.contains(&t.service.host.as_str()) {
                hosts.push(t.service.host.as_str());
                hosts.sort_unstable();
            }
        }
    }
    for target in scope.targets() {
        let host = target.name.as_str();
        let services: Vec<&Service> = f.services.iter().filter(|s| s.host == host).collect();

        // probe.cleartext-service
        let clear: Vec<&Service> = services
            .iter()
            .copied()
            .filter(|s| s.protocol.is_cleartext())
            .collect();
        let r = if clear.is_empty() {
            result(
                "probe.cleartext-service",
                Outcome::Pass,
                format!(
                    "{} service(s) found on {host}, none cleartext ({} TCP and {} UDP ports examined)",
                    services.len(),
                    opts.ports.tcp.len(),
                    opts.ports.udp.len()
                ),
                host,
                services
                    .iter()
                    .map(|s| {
                        let mut ex = vec![received(format!("{} answered", s.protocol.name()))];
                        if let Some(b) = &s.banner {
                            ex.push(received(b.clone()));
                        }
                        transcript(s, ex)
                    })
                    .collect(),
            )
        } else {
            let names: Vec<String> = clear
                .iter()
                .map(|s| format!("{} on port {}", s.protocol.name(), s.port))
                .collect();
            let ev = clear
                .iter()
                .map(|s| {
                    let mut ex = vec![received(format!(
                        "{} answered on {}/{}",
                        s.protocol.name(),
                        match s.transport {
                            crate::Transport::Tcp => "tcp",
                            crate::Transport::Udp => "udp",
                        },
                        s.port
                    ))];
                    if let Some(b) = &s.banner {
                        ex.push(received(b.clone()));
                    }
                    transcript(s, ex)
                })
                .collect();
            result(
                "probe.cleartext-service",
                Outcome::Fail,
                format!("{host} offers cleartext services: {}", list(&names)),
                host,
                ev,
            )
        };
        results.extend(r);

        // probe.default-credential
        let creds: Vec<_> = f.creds.iter().filter(|c| c.service.host == host).collect();
        let audits: Vec<_> = f.audits.iter().filter(|a| a.service.host == host).collect();
        let r = if !creds.is_empty() {
            let names: Vec<String> = creds
                .iter()
                .map(|c| {
                    let who = match c.method {
                        "anonymous" => "anonymous access".to_string(),
                        "community" => format!(
                            "community {}",
                            if opts.show_secrets {
                                c.password.expose().to_string()
                            } else {
                                c.password.to_string()
                            }
                        ),
                        _ => format!(
                            "{}/{}",
                            c.user,
                            if opts.show_secrets {
                                c.password.expose().to_string()
                            } else {
                                c.password.to_string()
                            }
                        ),
                    };
                    format!(
                        "{} on port {} accepts {who}{}",
                        c.service.protocol.name(),
                        c.service.port,
                        if c.method == "form" {
                            " through its login form"
                        } else {
                            ""
                        }
                    )
                })
                .collect();
            let ev = creds
                .iter()
                .map(|c| transcript(&c.service, c.transcript.clone()))
                .collect();
            result(
                "probe.default-credential",
                Outcome::Fail,
                format!("{host}: {}", list(&names)),
                host,
                ev,
            )
        } else {
            let incomplete: Vec<String> = audits
                .iter()
                .filter_map(|a| {
                    a.stopped.as_ref().map(|w| {
                        format!(
                            "{} on port {}: {w}",
                            a.service.protocol.name(),
                            a.service.port
                        )
                    })
                })
                .collect();
            let tried: usize = audits.iter().map(|a| a.attempts).sum();
            let tested = audits
                .iter()
                .filter(|a| a.attempts > 0 && a.note.is_none())
                .count();
            if !incomplete.is_empty() {
                result(
                    "probe.default-credential",
                    Outcome::Error,
                    format!(
                        "default-credential audit of {host} incomplete: {}",
                        list(&incomplete)
                    ),
                    host,
                    Vec::new(),
                )
            } else if tested > 0 {
                result(
                    "probe.default-credential",
                    Outcome::Pass,
                    format!(
                        "{tested} login service(s) on {host} rejected every default credential tried ({tried} attempts)"
                    ),
                    host,
                    Vec::new(),
                )
            } else {
                result(
                    "probe.default-credential",
                    Outcome::NotApplicable,
                    format!("no password login found on {host}"),
                    host,
                    Vec::new(),
                )
            }
        };
        let audit_notes: Vec<String> = audits
            .iter()
            .filter_map(|a| {
                a.note.as_ref().map(|n| {
                    format!(
                        "{} on port {}: {n}",
                        a.service.protocol.name(),
                        a.service.port
                    )
                })
            })
            .collect();
        // Why a service was not tried belongs with the verdict it explains.
        results.extend(r.map(|mut r| {
            if !audit_notes.is_empty() && r.outcome != Outcome::Fail {
                r.summary = format!("{} ({})", r.summary, audit_notes.join("; "));
            }
            r
        }));
        notes.extend(audit_notes.iter().map(|n| format!("{host}: {n}")));

        results.extend(ssh_algorithms(&f, host));

        // TLS checks.
        let tls: Vec<_> = f.tls.iter().filter(|t| t.service.host == host).collect();
        if tls.is_empty() {
            for id in [
                "probe.tls-version",
                "probe.weak-cipher-suite",
                "probe.certificate-invalid",
            ] {
                results.extend(result(
                    id,
                    Outcome::NotApplicable,
                    format!("no TLS service found on {host}"),
                    host,
                    Vec::new(),
                ));
            }
            continue;
        }
        // probe.tls-version
        let old: Vec<_> = tls
            .iter()
            .filter(|t| t.accepted.iter().any(|&v| v < TLS12))
            .collect();
        let r = if old.is_empty() {
            let untested: Vec<_> = tls.iter().filter(|t| t.accepted.is_empty()).collect();
            if untested.len() == tls.len() {
                result(
                    "probe.tls-version",
                    Outcome::Error,
                    format!(
                        "no TLS version could be negotiated on {host}: {}",
                        list(
                            &tls.iter()
                                .flat_map(|t| t.errors.clone())
                                .collect::<Vec<_>>()
                        )
                    ),
                    host,
                    Vec::new(),
                )
            } else {
                let desc: Vec<String> = tls
                    .iter()
                    .map(|t| {
                        format!(
                            "port {}: {}",
                            t.service.port,
                            t.accepted
                                .iter()
                                .map(|&v| version_name(v))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })
                    .collect();
                result(
                    "probe.tls-version",
                    Outcome::Pass,
                    format!(
                        "TLS services on {host} accept only TLS 1.2 or later ({})",
                        list(&desc)
                    ),
                    host,
                    Vec::new(),
                )
            }
        } else {
            let desc: Vec<String> = old
                .iter()
                .map(|t| {
                    format!(
                        "port {} accepts {}",
                        t.service.port,
                        t.accepted
                            .iter()
                            .filter(|&&v| v < TLS12)
                            .map(|&v| version_name(v))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
                .collect();
            let ev = old
                .iter()
                .map(|t| transcript(&t.service, t.transcript.clone()))
                .collect();
            result(
                "probe.tls-version",
                Outcome::Fail,
                format!("{host}: {}", list(&desc)),
                host,
                ev,
            )
        };
        results.extend(r);

        // probe.weak-cipher-suite
        let weak: Vec<_> = tls.iter().filter(|t| !t.weak_suites.is_empty()).collect();
        let r = if weak.is_empty() {
            result(
                "probe.weak-cipher-suite",
                Outcome::Pass,
                format!(
                    "no TLS service on {host} accepted a NULL, anonymous, export, RC4, DES or 3DES suite"
                ),
                host,
                Vec::new(),
            )
        } else {
            let mut desc = Vec::new();
            let mut ev = Vec::new();
            for t in &weak {
                let mut suites: Vec<String> = Vec::new();
                let mut ex = Vec::new();
                for &(v, c) in &t.weak_suites {
                    let line = format!(
                        "{} {} ({})",
                        version_name(v),
                        suite_name(c),
                        weakness(c).unwrap_or("weak")
                    );
                    if !suites.contains(&suite_name(c)) {
                        suites.push(suite_name(c));
                    }
                    ex.push(received(format!("ServerHello accepted {line}")));
                }
                desc.push(format!("port {}: {}", t.service.port, suites.join(", ")));
                ev.push(transcript(&t.service, ex));
            }
            result(
                "probe.weak-cipher-suite",
                Outcome::Fail,
                format!("{host} accepts weak suites: {}", desc.join("; ")),
                host,
                ev,
            )
        };
        results.extend(r);

        // probe.certificate-invalid
        let mut bad = Vec::new();
        let mut ev = Vec::new();
        let mut good = Vec::new();
        for t in &tls {
            let Some(c) = &t.cert else { continue };
            let mut problems = c.problems.clone();
            if let Some(hosts) = by_cert.get(c.sha256.as_str())
                && hosts.len() > 1
            {
                problems.push(format!(
                    "the same certificate is presented by {}",
                    hosts.join(", ")
                ));
            }
            let mut ex = vec![
                received(format!("subject: {}", c.subject)),
                received(format!("issuer: {}", c.issuer)),
                received(format!("key: {}", c.key)),
                received(format!("sha256: {}", c.sha256)),
            ];
            if !c.remarks.is_empty() {
                ex.push(received(format!("remarks: {}", c.remarks.join(", "))));
            }
            if problems.is_empty() {
                good.push(format!(
                    "port {} ({}{})",
                    t.service.port,
                    c.key,
                    if c.remarks.is_empty() {
                        String::new()
                    } else {
                        format!("; {}", c.remarks.join(", "))
                    }
                ));
            } else {
                bad.push(format!("port {}: {}", t.service.port, problems.join("; ")));
                ex.insert(0, received(format!("problems: {}", problems.join("; "))));
                ev.push(transcript(&t.service, ex));
            }
        }
        let r = if !bad.is_empty() {
            result(
                "probe.certificate-invalid",
                Outcome::Fail,
                format!("{host}: {}", bad.join("; ")),
                host,
                ev,
            )
        } else if good.is_empty() {
            result(
                "probe.certificate-invalid",
                Outcome::Error,
                format!("no certificate could be read from the TLS services of {host}"),
                host,
                Vec::new(),
            )
        } else {
            result(
                "probe.certificate-invalid",
                Outcome::Pass,
                format!(
                    "certificates on {host} are in date, not self-signed, name {host}, with sound keys and signatures: {}",
                    list(&good)
                ),
                host,
                Vec::new(),
            )
        };
        results.extend(r);
        for t in &tls {
            for e in &t.errors {
                notes.push(format!("{host}:{} TLS: {e}", t.service.port));
            }
        }
    }
    if !complete {
        for r in &mut results {
            if matches!(r.outcome, Outcome::Pass | Outcome::NotApplicable) {
                r.outcome = Outcome::Error;
                r.summary = format!(
                    "incomplete: the time budget ({} s) ran out first; so far: {}",
                    opts.limits.budget.as_secs(),
                    r.summary
                );
            }
        }
    }
    ProbeReport {
        services: f.services,
        results,
        notes,
    }
}
