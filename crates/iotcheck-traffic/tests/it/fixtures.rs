//! Small captures recorded from real programs (Debian 12 packages) in two
//! network namespaces by tests/fixtures/record.sh: one scenario per file,
//! the device 192.0.2.10 (MAC 02:00:5e:20:00:0a) talking to a server at
//! 192.0.2.1. The frame numbers asserted here are tshark's, listed per
//! capture in tests/fixtures/PROVENANCE.md.

use std::net::IpAddr;
use std::path::PathBuf;

use iotcheck_model::{CheckResult, Evidence, Outcome};
use iotcheck_traffic::{Analysis, DeviceSpec, checks};

use crate::{analyze, outcome, result};

const DEVICE_MAC: &str = "02:00:5e:20:00:0a";
const DEVICE_IP: &str = "192.0.2.10";

/// Every secret record.sh used. None may appear in what iotcheck reports.
const SECRETS: [&str; 6] = [
    "Tn3t-pw-41c7",                 // telnet login password
    "Ftp-pw-9d2e",                  // FTP PASS
    "Form-pw-5b18",                 // HTTP form field password=
    "Basic-pw-73a0",                // HTTP Basic password
    "YWRtaW46QmFzaWMtcHctNzNhMA==", // base64("admin:Basic-pw-73a0"), as sent
    "Mqtt-pw-2f6c",                 // MQTT password (sent inside TLS)
];

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/{name}.pcapng"))
}

fn by_mac() -> DeviceSpec {
    DeviceSpec {
        macs: vec![DeviceSpec::parse_mac(DEVICE_MAC).unwrap()],
        ips: vec![],
    }
}

fn by_ip() -> DeviceSpec {
    DeviceSpec {
        macs: vec![],
        ips: vec![DEVICE_IP.parse().unwrap()],
    }
}

/// Analyses one fixture and checks what holds for all of them: the whole
/// capture read, the device as named, and no secret anywhere in the
/// results, the flows or the report summary.
fn load(name: &str, device: &DeviceSpec, frames: u64) -> (Analysis, Vec<CheckResult>) {
    let a = analyze(&fixture(name), device);
    assert_eq!(a.frames, frames, "{name}: frame count");
    assert_eq!(a.stopped, None, "{name}");
    assert!(a.limits_hit.is_empty(), "{name}: {:?}", a.limits_hit);
    assert!(!a.device.inferred, "{name}");
    assert_eq!(
        a.device.ips,
        vec![DEVICE_IP.parse::<IpAddr>().unwrap()],
        "{name}"
    );
    let r = checks(&a);
    let shown = format!("{r:#?}\n{:#?}\n{:#?}", a.flows, a.summary());
    for s in SECRETS {
        assert!(
            !shown.contains(s),
            "{name}: secret {s:?} leaked into the results: {shown}"
        );
    }
    (a, r)
}

fn check<'a>(r: &'a [CheckResult], name: &str) -> &'a CheckResult {
    result(r, name).unwrap_or_else(|| panic!("no {name} result in {r:#?}"))
}

/// The frames of each evidence, in order.
fn frames_of(r: &CheckResult) -> Vec<u64> {
    r.evidence
        .iter()
        .flat_map(|e| match e {
            Evidence::Packet { frames, .. } => frames.clone(),
            _ => vec![],
        })
        .collect()
}

/// (protocol, excerpt) of each evidence, in order.
fn excerpts(r: &CheckResult) -> Vec<(String, String)> {
    r.evidence
        .iter()
        .filter_map(|e| match e {
            Evidence::Packet {
                protocol, excerpt, ..
            } => Some((
                protocol.clone().unwrap_or_default(),
                excerpt.clone().unwrap_or_default(),
            )),
            _ => None,
        })
        .collect()
}

/// (protocol, class, peer port, first frame) of each flow of the device.
fn flows(a: &Analysis) -> Vec<(&str, &str, u16, u64)> {
    a.flows
        .iter()
        .map(|f| (f.protocol.as_str(), f.class, f.peer.1, f.first_frame))
        .collect()
}

/// Frame 8 of every TLS fixture is the ServerHello (record.sh flushes ARP
/// first, so each capture starts ARP, ARP, SYN, SYN/ACK, ACK, ClientHello).
const SERVER_HELLO: u64 = 8;

#[test]
fn tls10_with_an_anonymous_suite_fails_version_and_suite_at_the_server_hello() {
    let (a, r) = load("tls10-weak-suite", &by_mac(), 20);
    assert_eq!(flows(&a), vec![("tls1.0", "encrypted", 443, 3)]);
    assert_eq!(
        a.flows[0].detail.as_deref(),
        Some("TLS 1.0, TLS_DH_anon_WITH_AES_128_CBC_SHA, SNI tls10.iotfx.example")
    );

    let version = check(&r, "comms.tls-version");
    assert_eq!(version.outcome, Outcome::Fail, "{version:#?}");
    assert_eq!(frames_of(version), vec![SERVER_HELLO]);
    assert!(
        version
            .summary
            .contains("TLS 1.0 with 192.0.2.1:443 (frame 8)"),
        "{}",
        version.summary
    );

    let suite = check(&r, "comms.weak-cipher-suite");
    assert_eq!(suite.outcome, Outcome::Fail, "{suite:#?}");
    assert_eq!(frames_of(suite), vec![SERVER_HELLO]);
    assert!(
        suite
            .summary
            .contains("TLS_DH_anon_WITH_AES_128_CBC_SHA (anonymous (no authentication))"),
        "{}",
        suite.summary
    );

    assert_eq!(outcome(&r, "comms.cleartext-app-data"), Some(Outcome::Pass));
    assert_eq!(
        outcome(&r, "comms.credentials-in-clear"),
        Some(Outcome::Pass)
    );
    assert_eq!(outcome(&r, "comms.firmware-download-in-clear"), None);
}

#[test]
fn tls10_with_3des_fails_version_and_suite_at_the_server_hello() {
    let (a, r) = load("tls10-3des", &by_ip(), 18);
    assert_eq!(flows(&a), vec![("tls1.0", "encrypted", 443, 3)]);
    assert!(
        a.flows[0]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("TLS_RSA_WITH_3DES_EDE_CBC_SHA")),
        "{:?}",
        a.flows[0].detail
    );

    let version = check(&r, "comms.tls-version");
    assert_eq!(version.outcome, Outcome::Fail, "{version:#?}");
    assert_eq!(frames_of(version), vec![SERVER_HELLO]);

    let suite = check(&r, "comms.weak-cipher-suite");
    assert_eq!(suite.outcome, Outcome::Fail, "{suite:#?}");
    assert_eq!(frames_of(suite), vec![SERVER_HELLO]);
    assert!(
        suite
            .summary
            .contains("TLS_RSA_WITH_3DES_EDE_CBC_SHA (3DES)"),
        "{}",
        suite.summary
    );

    assert_eq!(outcome(&r, "comms.cleartext-app-data"), Some(Outcome::Pass));
    assert_eq!(
        outcome(&r, "comms.credentials-in-clear"),
        Some(Outcome::Pass)
    );
}

#[test]
fn tls12_ecdhe_aes_gcm_passes() {
    let (a, r) = load("tls12-good", &by_mac(), 20);
    assert_eq!(flows(&a), vec![("tls1.2", "encrypted", 443, 3)]);
    assert_eq!(
        a.flows[0].detail.as_deref(),
        Some("TLS 1.2, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, SNI tls12.iotfx.example")
    );
    for c in [
        "comms.tls-version",
        "comms.weak-cipher-suite",
        "comms.cleartext-app-data",
        "comms.credentials-in-clear",
    ] {
        let res = check(&r, c);
        assert_eq!(res.outcome, Outcome::Pass, "{res:#?}");
        assert!(res.evidence.is_empty(), "{res:#?}");
    }
    assert_eq!(outcome(&r, "comms.firmware-download-in-clear"), None);
}

#[test]
fn tls13_passes() {
    let (a, r) = load("tls13", &by_ip(), 25);
    assert_eq!(flows(&a), vec![("tls1.3", "encrypted", 443, 3)]);
    assert_eq!(
        a.flows[0].detail.as_deref(),
        Some("TLS 1.3, TLS_AES_256_GCM_SHA384, SNI tls13.iotfx.example"),
        "the version comes from supported_versions, not the legacy 0x0303"
    );
    for c in [
        "comms.tls-version",
        "comms.weak-cipher-suite",
        "comms.cleartext-app-data",
        "comms.credentials-in-clear",
    ] {
        assert_eq!(outcome(&r, c), Some(Outcome::Pass), "{c}: {r:#?}");
    }
}

#[test]
fn mqtt_with_a_password_over_tls_is_encrypted_and_shows_no_credential() {
    let (a, r) = load("mqtt-tls-password", &by_mac(), 22);
    assert_eq!(flows(&a), vec![("tls1.3", "encrypted", 8883, 3)]);
    assert_eq!(outcome(&r, "comms.cleartext-app-data"), Some(Outcome::Pass));
    let creds = check(&r, "comms.credentials-in-clear");
    assert_eq!(creds.outcome, Outcome::Pass, "{creds:#?}");
    assert!(creds.evidence.is_empty());
    assert_eq!(outcome(&r, "comms.tls-version"), Some(Outcome::Pass));
    assert_eq!(outcome(&r, "comms.weak-cipher-suite"), Some(Outcome::Pass));
}

#[test]
fn anonymous_mqtt_in_clear_is_cleartext_without_a_credential() {
    let (a, r) = load("mqtt-plain-anonymous", &by_ip(), 15);
    assert_eq!(flows(&a), vec![("mqtt", "cleartext", 1883, 3)]);

    let clear = check(&r, "comms.cleartext-app-data");
    assert_eq!(clear.outcome, Outcome::Fail, "{clear:#?}");
    assert_eq!(frames_of(clear), vec![6], "the CONNECT");
    assert_eq!(
        excerpts(clear),
        vec![(
            "mqtt".to_string(),
            "MQTT 3.1.1 CONNECT, client id \"iotfx-sensor-01\"".to_string()
        )]
    );

    let creds = check(&r, "comms.credentials-in-clear");
    assert_eq!(creds.outcome, Outcome::Pass, "{creds:#?}");
    assert!(creds.evidence.is_empty());
    assert_eq!(outcome(&r, "comms.tls-version"), None);
    assert_eq!(outcome(&r, "comms.weak-cipher-suite"), None);
}

#[test]
fn telnet_login_is_cleartext_with_credentials() {
    let (a, r) = load("telnet-login", &by_mac(), 36);
    assert_eq!(flows(&a), vec![("telnet", "cleartext", 23, 3)]);

    let clear = check(&r, "comms.cleartext-app-data");
    assert_eq!(clear.outcome, Outcome::Fail, "{clear:#?}");
    assert_eq!(
        frames_of(clear),
        vec![6],
        "the server's first bytes (option negotiation)"
    );

    let creds = check(&r, "comms.credentials-in-clear");
    assert_eq!(creds.outcome, Outcome::Fail, "{creds:#?}");
    assert_eq!(creds.evidence.len(), 1, "{creds:#?}");
    assert!(creds.summary.contains("Telnet login"), "{}", creds.summary);
}

#[test]
fn telnet_login_credentials_point_at_the_password_prompt() {
    let (_, r) = load("telnet-login", &by_mac(), 36);
    let creds = check(&r, "comms.credentials-in-clear");
    assert_eq!(creds.outcome, Outcome::Fail, "{creds:#?}");
    // Frame 10 is "iotfx-cam login: ", 20 is "Password: " (the prompt the
    // analyzer prefers), 16 and 22 the typed user name and password.
    assert_eq!(frames_of(creds), vec![20], "{creds:#?}");
    let (protocol, excerpt) = &excerpts(creds)[0];
    assert_eq!(protocol, "telnet");
    assert!(excerpt.starts_with("Password:"), "{excerpt}");
    assert!(!excerpt.contains("Welcome"), "{excerpt}");
}

#[test]
fn ftp_login_and_download_are_cleartext_with_the_pass_command() {
    let (a, r) = load("ftp-login", &by_ip(), 37);
    assert_eq!(
        flows(&a),
        vec![
            ("ftp", "cleartext", 21, 3),
            // The passive data connection: identified by its printable content.
            ("tcp", "cleartext", 60001, 17),
        ]
    );

    let clear = check(&r, "comms.cleartext-app-data");
    assert_eq!(clear.outcome, Outcome::Fail, "{clear:#?}");
    assert_eq!(
        frames_of(clear),
        vec![6, 26],
        "the 220 banner, the file's bytes"
    );
    let shown = excerpts(clear);
    assert!(shown[0].1.starts_with("220 iotfx test FTP server ready."));
    assert!(shown[1].1.starts_with("# iotfx test camera configuration"));

    let creds = check(&r, "comms.credentials-in-clear");
    assert_eq!(creds.outcome, Outcome::Fail, "{creds:#?}");
    assert_eq!(frames_of(creds), vec![11], "PASS");
    assert_eq!(
        excerpts(creds),
        vec![("ftp".to_string(), "PASS********".to_string())]
    );
    assert!(creds.summary.contains("FTP password"), "{}", creds.summary);
    assert_eq!(outcome(&r, "comms.firmware-download-in-clear"), None);
}

#[test]
fn tftp_firmware_fetch_fails_at_the_request_and_the_first_data_block() {
    let (a, r) = load("tftp-firmware", &by_mac(), 11);
    assert_eq!(
        flows(&a),
        vec![
            ("tftp", "cleartext", 69, 3),
            ("tftp", "cleartext", 42423, 4)
        ]
    );
    assert!(
        !a.flows[1].device_initiated,
        "the server answers from a new port"
    );

    let dl = check(&r, "comms.firmware-download-in-clear");
    assert_eq!(dl.outcome, Outcome::Fail, "{dl:#?}");
    assert_eq!(frames_of(dl), vec![3, 4], "RRQ, DATA block 1");
    assert_eq!(
        excerpts(dl),
        vec![
            ("tftp".to_string(), "RRQ fw-update.bin".to_string()),
            (
                "tftp".to_string(),
                "DATA block 1 starts with a U-Boot uImage header".to_string()
            ),
        ]
    );

    let clear = check(&r, "comms.cleartext-app-data");
    assert_eq!(clear.outcome, Outcome::Fail, "{clear:#?}");
    assert_eq!(frames_of(clear), vec![3, 4]);
    assert_eq!(
        outcome(&r, "comms.credentials-in-clear"),
        Some(Outcome::Pass)
    );
}

#[test]
fn http_form_password_and_basic_auth_are_credentials_in_clear() {
    let (a, r) = load("http-form-login", &by_ip(), 22);
    assert_eq!(
        flows(&a),
        vec![("http", "cleartext", 80, 3), ("http", "cleartext", 80, 13)]
    );

    let creds = check(&r, "comms.credentials-in-clear");
    assert_eq!(creds.outcome, Outcome::Fail, "{creds:#?}");
    assert_eq!(
        frames_of(creds),
        vec![6, 16],
        "the POST with the form, the GET with Authorization"
    );
    assert_eq!(
        excerpts(creds),
        vec![
            (
                "http".to_string(),
                "POST /cgi/login.cgi ⏎ … password ********".to_string()
            ),
            (
                "http".to_string(),
                "GET /private/status.json ⏎ Authorization: Basic <admin:********>".to_string()
            ),
        ]
    );
    assert!(
        creds
            .summary
            .contains("password field \"password\" in an HTTP request body"),
        "{}",
        creds.summary
    );
    assert!(
        creds
            .summary
            .contains("HTTP Basic credentials for user \"admin\""),
        "{}",
        creds.summary
    );

    let clear = check(&r, "comms.cleartext-app-data");
    assert_eq!(clear.outcome, Outcome::Fail, "{clear:#?}");
    assert_eq!(frames_of(clear), vec![6, 16]);
    assert_eq!(outcome(&r, "comms.firmware-download-in-clear"), None);
}
