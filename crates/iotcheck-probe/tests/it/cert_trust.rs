//! `probe.certificate-invalid`'s trust rules on certificates made by the
//! real `openssl` at test time: self-signed versus issued by a CA (even one
//! whose name equals the subject's), and the host as the user named it
//! against SAN DNS entries (RFC 6125 wildcards), the CN (only without SAN
//! DNS entries) and SAN IP entries (IPv4 and IPv6, bare or bracketed).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use iotcheck_probe::TlsOptions;
use iotcheck_probe::tls::cert::{CertInfo, analyze};

fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("openssl is missing ({e}): install the Debian package openssl"));
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A self-signed certificate with `subject` and optional SAN; returns its DER.
fn self_signed(dir: &Path, name: &str, subject: &str, san: Option<&str>) -> Vec<u8> {
    let (key, pem, der) = files(dir, name);
    let mut args = vec![
        "req", "-x509", "-newkey", "rsa:2048", "-sha256", "-nodes", "-days", "30", "-subj",
        subject, "-keyout", &key, "-out", &pem,
    ];
    let ext;
    if let Some(s) = san {
        ext = format!("subjectAltName={s}");
        args.extend(["-addext", &ext]);
    }
    openssl(&args);
    openssl(&["x509", "-in", &pem, "-outform", "DER", "-out", &der]);
    std::fs::read(&der).unwrap()
}

/// A certificate with `subject` issued by the CA made as `ca`.
fn issued(dir: &Path, ca: &str, name: &str, subject: &str, san: &str) -> Vec<u8> {
    let (ca_key, ca_pem, _) = files(dir, ca);
    let (key, pem, der) = files(dir, name);
    let ext = format!("subjectAltName={san}");
    openssl(&[
        "req", "-x509", "-newkey", "rsa:2048", "-sha256", "-nodes", "-days", "30", "-subj",
        subject, "-addext", &ext, "-CA", &ca_pem, "-CAkey", &ca_key, "-keyout", &key, "-out", &pem,
    ]);
    openssl(&["x509", "-in", &pem, "-outform", "DER", "-out", &der]);
    std::fs::read(&der).unwrap()
}

fn files(dir: &Path, name: &str) -> (String, String, String) {
    let p = |ext: &str| -> String {
        let b: PathBuf = dir.join(format!("{name}.{ext}"));
        b.display().to_string()
    };
    (p("key"), p("pem"), p("der"))
}

fn judge(der: &[u8], host: &str) -> CertInfo {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    analyze(der, host, now, &TlsOptions::default()).unwrap()
}

fn names_host(c: &CertInfo) -> bool {
    !c.problems.iter().any(|p| p.starts_with("does not name"))
}

#[test]
fn self_signed_fails_and_a_ca_issued_certificate_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let own = self_signed(
        d,
        "own",
        "/CN=cam.example.test",
        Some("DNS:cam.example.test"),
    );
    let c = judge(&own, "cam.example.test");
    assert_eq!(c.problems, ["self-signed"]);

    self_signed(d, "ca", "/CN=Test CA", None);
    let leaf = issued(
        d,
        "ca",
        "leaf",
        "/CN=cam.example.test",
        "DNS:cam.example.test",
    );
    let c = judge(&leaf, "cam.example.test");
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    // Whether that CA is trusted is not ours to decide: said, not failed.
    assert!(
        c.remarks
            .iter()
            .any(|r| r.contains("issued by CN=Test CA") && r.contains("trust store")),
        "{:?}",
        c.remarks
    );

    // A CA with the same name as the leaf: issuer equals subject, but the
    // authority key identifier names the CA's key, not the leaf's.
    self_signed(d, "twin", "/CN=twin", None);
    let twin = issued(d, "twin", "twinleaf", "/CN=twin", "DNS:twin");
    let c = judge(&twin, "twin");
    assert!(!c.self_signed && c.problems.is_empty(), "{:?}", c.problems);
}

#[test]
fn names_are_matched_per_rfc_6125() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    self_signed(d, "ca", "/CN=Test CA", None);
    let wild = issued(
        d,
        "ca",
        "wild",
        "/CN=ignored.example.test",
        "DNS:*.example.test,IP:127.0.0.1",
    );
    assert!(names_host(&judge(&wild, "cam.example.test")));
    assert!(names_host(&judge(&wild, "CAM.Example.Test.")));
    assert!(names_host(&judge(&wild, "127.0.0.1")));
    for other in [
        "example.test",
        "a.cam.example.test",
        "ignored.example.test.other",
        "127.0.0.2",
        "::1",
    ] {
        let c = judge(&wild, other);
        assert!(
            c.problems.contains(&format!("does not name {other}")),
            "{other}: {:?}",
            c.problems
        );
    }
    // The CN counts only when there is no SAN DNS entry.
    let cn_too = issued(d, "ca", "cn", "/CN=cn.example.test", "DNS:san.example.test");
    assert!(!names_host(&judge(&cn_too, "cn.example.test")));
    let cn_only = self_signed(d, "cnonly", "/CN=cam.local", None);
    assert!(names_host(&judge(&cn_only, "cam.local")));
    // …and never for an address.
    let cn_ip = self_signed(d, "cnip", "/CN=127.0.0.1", None);
    assert!(!names_host(&judge(&cn_ip, "127.0.0.1")));

    let v6 = issued(d, "ca", "v6", "/CN=v6", "IP:::1");
    assert!(names_host(&judge(&v6, "::1")));
    assert!(names_host(&judge(&v6, "[::1]")));
    assert!(!names_host(&judge(&v6, "127.0.0.1")));
}
