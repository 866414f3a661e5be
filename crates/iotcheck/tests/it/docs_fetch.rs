//! `iotcheck docs security-txt URL` and `--key`, end to end: real lighttpd
//! on loopback with a CA made at test time (the web lab of the
//! iotcheck-docs tests), the signed fixtures of iotcheck-docs.

use std::path::PathBuf;

use crate::{assert_contract, iotcheck, root};

#[path = "../../../iotcheck-docs/tests/it/web_lab.rs"]
pub(crate) mod web_lab;

use web_lab::{Lighttpd, Pki, Silent, free_port};

fn fixture(name: &str) -> PathBuf {
    root()
        .join("crates/iotcheck-docs/tests/fixtures/securitytxt")
        .join(name)
}

fn file(canonical: &str) -> Vec<u8> {
    format!(
        "Contact: mailto:psirt@vendor.example\nExpires: 2027-05-01T00:00:00Z\nCanonical: {canonical}\n"
    )
    .into_bytes()
}

struct Run {
    code: i32,
    report: Option<serde_json::Value>,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = iotcheck()
        .args(["docs", "security-txt"])
        .args(args)
        .args(["--as-of", "2026-12-01", "--format", "json"])
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap(),
        report: serde_json::from_slice(&out.stdout).ok(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// VUL-1 and the one result of docs.security-txt-valid.
fn vul1(report: &serde_json::Value) -> (&serde_json::Value, &serde_json::Value) {
    let r = report["standards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "vulnerability-management")
        .unwrap()["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "VUL-1")
        .unwrap();
    (r, &r["checks"][0]["results"][0])
}

fn messages(result: &serde_json::Value) -> Vec<String> {
    result["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["message"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn origin_url_is_fetched_from_the_well_known_location() {
    let pki = Pki::new();
    let port = free_port();
    let url = format!("https://127.0.0.1:{port}/.well-known/security.txt");
    let _server = Lighttpd::start_on(
        port,
        Some(&pki),
        &[(".well-known/security.txt", &file(&url))],
        &[],
    );
    let origin = format!("https://127.0.0.1:{port}");
    let ca = pki.ca();
    let r = run(&[&origin, "--ca", ca.to_str().unwrap()]);
    // VUL-1 meets; the run as a whole is inconclusive (no other inputs).
    assert_eq!(r.code, 2, "{}", r.stderr);
    let report = r.report.unwrap();
    assert_contract(&report);
    assert_eq!(report["inputs"][0]["location"], url.as_str());
    assert_eq!(report["inputs"][0]["kind"], "security_txt");
    let (req, result) = vul1(&report);
    assert_eq!(req["verdict"], "meets", "{req}");
    assert_eq!(
        messages(result),
        [format!(
            "fetched {url}: HTTP 200 (text/plain; charset=utf-8); asked for {origin}"
        )]
    );
}

#[test]
fn signed_file_verified_with_key_and_tampered_one_fails() {
    let pki = Pki::new();
    let signed = std::fs::read(fixture("acme-signed.txt")).unwrap();
    let tampered = std::fs::read(fixture("acme-tampered.txt")).unwrap();
    let server = Lighttpd::start(
        Some(&pki),
        &[
            (".well-known/security.txt", &signed),
            ("tampered/security.txt", &tampered),
        ],
        &[],
    );
    let ca = pki.ca();
    let key = fixture("acme.pub.asc");
    let args = |url: &str| {
        run(&[
            url,
            "--ca",
            ca.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ])
    };
    let good = args(&server.url("/"));
    assert_eq!(good.code, 2, "{}", good.stderr);
    let report = good.report.unwrap();
    let (req, result) = vul1(&report);
    assert_eq!(req["verdict"], "meets");
    let summary = result["summary"].as_str().unwrap();
    assert!(
        summary.contains("signature verified with subkey 2DBDE9FE2CA25C28C301B979FD767B571809B289"),
        "{summary}"
    );
    // Served from 127.0.0.1, while its Canonical names acme.example.
    assert!(
        summary.ends_with("other findings: canonical-mismatch line 10"),
        "{summary}"
    );

    let bad = args(&server.url("/tampered/security.txt"));
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    let report = bad.report.unwrap();
    let (req, result) = vul1(&report);
    assert_eq!(req["verdict"], "fails");
    assert_eq!(
        result["summary"],
        "signature does not verify with key 2DBDE9FE2CA25C28C301B979FD767B571809B289"
    );
    let m = messages(result);
    assert!(
        m[0].contains("the signed text or the signature was changed after signing"),
        "{m:?}"
    );
    assert!(m[1].starts_with("fetched https://127.0.0.1:"), "{m:?}");

    // The same tampered file without --key: nothing to tell it apart.
    let no_key = run(&[
        &server.url("/tampered/security.txt"),
        "--ca",
        ca.to_str().unwrap(),
    ]);
    assert_eq!(no_key.code, 2, "{}", no_key.stderr);
    assert_eq!(vul1(no_key.report.as_ref().unwrap()).0["verdict"], "meets");
}

#[test]
fn key_on_a_local_file_and_bad_key_files() {
    let key = fixture("globex.pub.asc");
    let r = run(&[
        fixture("acme-signed.txt").to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1);
    let report = r.report.unwrap();
    let (_, result) = vul1(&report);
    assert_eq!(
        result["summary"],
        "signed by key 2DBDE9FE2CA25C28C301B979FD767B571809B289, not one of the keys given"
    );

    let not_a_key = fixture("README.md");
    let r = run(&[
        fixture("acme-signed.txt").to_str().unwrap(),
        "--key",
        not_a_key.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 3);
    assert!(r.report.is_none());
    assert!(
        r.stderr.starts_with(&format!(
            "iotcheck: error: --key {}: not an OpenPGP public key",
            not_a_key.display()
        )),
        "{}",
        r.stderr
    );
    let r = run(&[
        fixture("acme-signed.txt").to_str().unwrap(),
        "--ca",
        "ca.pem",
    ]);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr
            .contains("--ca and --timeout apply when fetching a URL"),
        "{}",
        r.stderr
    );
}

#[test]
fn unreachable_site_says_so_and_exits_3() {
    let port = free_port();
    let r = run(&[&format!("https://127.0.0.1:{port}/")]);
    assert_eq!(r.code, 3);
    assert!(r.report.is_none());
    assert_eq!(
        r.stderr,
        format!(
            "iotcheck: error: could not fetch https://127.0.0.1:{port}/.well-known/security.txt: connection refused\n"
        )
    );
}

#[test]
fn silent_server_times_out() {
    let silent = Silent::start();
    let started = std::time::Instant::now();
    let r = run(&[
        &format!("https://127.0.0.1:{}/security.txt", silent.port),
        "--timeout",
        "1",
    ]);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(r.code, 3);
    assert_eq!(
        r.stderr,
        format!(
            "iotcheck: error: could not fetch https://127.0.0.1:{}/security.txt: no complete answer within 1s\n",
            silent.port
        )
    );
}

#[test]
fn untrusted_certificate_and_missing_file_exit_3() {
    let pki = Pki::new();
    let server = Lighttpd::start(Some(&pki), &[("index.html", b"<p>hi</p>")], &[]);
    let r = run(&[&server.url("/")]);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr.contains(
            "the TLS certificate of 127.0.0.1 is not trusted (issued by an unknown authority)"
        ),
        "{}",
        r.stderr
    );
    let ca = pki.ca();
    let r = run(&[&server.url("/"), "--ca", ca.to_str().unwrap()]);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr.starts_with(&format!(
            "iotcheck: error: no security.txt at {}: {} answered HTTP 404; {} answered HTTP 404",
            server.url("/"),
            server.url("/.well-known/security.txt"),
            server.url("/security.txt")
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn plain_http_only_fails_vul1() {
    let server = Lighttpd::start(
        None,
        &[("security.txt", &file("https://vendor.example/security.txt"))],
        &[],
    );
    let r = run(&[&server.url("/")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = r.report.unwrap();
    let (req, result) = vul1(&report);
    assert_eq!(req["verdict"], "fails");
    assert_eq!(result["summary"], "not fetched over HTTPS");
    let m = messages(result);
    assert!(
        m[0].starts_with(&format!(
            "read over plain HTTP from {}; HTTPS was tried first",
            server.url("/security.txt")
        )),
        "{m:?}"
    );
    assert_eq!(report["inputs"][0]["location"], server.url("/security.txt"));
}

#[test]
fn help_documents_the_flags_with_examples() {
    let out = iotcheck()
        .args(["docs", "security-txt", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for want in [
        "<FILE|URL>",
        "--key <FILE>",
        "--ca <FILE>",
        "--timeout <SECS>",
        "iotcheck docs security-txt https://vendor.example --key vendor-psirt.asc",
        "could not fetch https://…: connection refused",
    ] {
        assert!(help.contains(want), "{want} missing from:\n{help}");
    }
}

/// Larger than a security.txt may be (1 MiB): refused while fetching.
#[test]
fn oversize_file_is_refused_while_fetching() {
    let pki = Pki::new();
    let big = vec![b'#'; (1 << 20) + 1];
    let server = Lighttpd::start(Some(&pki), &[("security.txt", &big)], &[]);
    let ca = pki.ca();
    let r = run(&[&server.url("/security.txt"), "--ca", ca.to_str().unwrap()]);
    assert_eq!(r.code, 3);
    assert_eq!(
        r.stderr,
        format!(
            "iotcheck: error: could not fetch {}: the body is larger than the 1048576-byte limit (Content-Length 1048577)\n",
            server.url("/security.txt")
        )
    );
}

/// PRV-1 and its `docs.policy-https` result, from `docs privacy-policy URL`.
fn policy_run(args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = iotcheck()
        .args(["docs", "privacy-policy"])
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("no report ({e}): {stderr}"));
    (out.status.code().unwrap(), report, stderr)
}

fn prv1(report: &serde_json::Value) -> (String, Vec<(String, String)>) {
    let r = report["standards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "privacy-practices")
        .unwrap()["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "PRV-1")
        .unwrap();
    let results = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == "docs.policy-https")
        .flat_map(|c| c["results"].as_array().unwrap().iter())
        .map(|x| {
            (
                x["outcome"].as_str().unwrap().to_string(),
                x["summary"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (r["verdict"].as_str().unwrap().to_string(), results)
}

/// A policy fetched over HTTPS meets PRV-1 with the fetch as evidence; the
/// same policy over plain HTTP, or reached through an HTTP redirect, fails
/// it; the practices are read from the fetched text either way.
#[test]
fn privacy_policy_url_decides_policy_https() {
    let policy = std::fs::read(root().join("examples/acme-cam/docs/privacy.html")).unwrap();
    let pki = Pki::new();
    let tls = Lighttpd::start(Some(&pki), &[("privacy.html", &policy)], &[]);
    let plain = Lighttpd::start(
        None,
        &[("privacy.html", &policy)],
        &[("^/old$", &tls.url("/privacy.html"))],
    );
    let ca = pki.ca();
    let ca = ca.to_str().unwrap();

    let (_, report, stderr) = policy_run(&[&tls.url("/privacy.html"), "--ca", ca]);
    assert_contract(&report);
    assert_eq!(
        report["inputs"][0]["location"],
        tls.url("/privacy.html").as_str()
    );
    let (verdict, results) = prv1(&report);
    assert_eq!(verdict, "meets", "{results:?} {stderr}");
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].0, "pass");
    // The practices were read from what was fetched.
    let retention = report["standards"][4]["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "PRV-6")
        .unwrap();
    assert_ne!(retention["verdict"], "inconclusive", "{retention}");

    let (code, report, _) = policy_run(&[&plain.url("/privacy.html")]);
    assert_eq!(code, 1);
    let (verdict, results) = prv1(&report);
    assert_eq!(verdict, "fails");
    assert!(
        results[0].1.contains("served over plain HTTP"),
        "{results:?}"
    );

    // http:// first, then a redirect to the HTTPS copy.
    let (_, report, _) = policy_run(&[&plain.url("/old"), "--ca", ca]);
    let (verdict, results) = prv1(&report);
    assert_eq!(verdict, "fails");
    assert!(
        results[0].1.contains("reached through plain HTTP"),
        "{results:?}"
    );

    // A file says nothing about how the policy is served.
    let file = root().join("examples/acme-cam/docs/privacy.html");
    let (_, report, _) = policy_run(&[file.to_str().unwrap()]);
    let (verdict, results) = prv1(&report);
    assert!(results.is_empty());
    assert_eq!(verdict, "inconclusive");

    // Errors name the URL.
    let out = iotcheck()
        .args([
            "docs",
            "privacy-policy",
            &tls.url("/missing.html"),
            "--ca",
            ca,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("HTTP 404"));
}
