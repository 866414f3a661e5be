//! Fetching over real HTTP(S) on loopback: lighttpd with a CA made at test
//! time (see web_lab.rs), security.txt discovery (RFC 9116 §3), redirects,
//! bounds, and what the check makes of where the file came from.

use std::time::{Duration, Instant};

use iotcheck_docs::check_security_txt_with_options;
use iotcheck_docs::fetch::{FetchError, FetchOptions, fetch};
use iotcheck_docs::securitytxt::{self, Keyring, LocateError, Options, Signature, codes, locate};
use iotcheck_model::{Evidence, Outcome};

use crate::date;
use crate::web_lab::{Lighttpd, Pki, Raw, Silent, free_port};

const TODAY: &str = "2026-12-01";

fn opts(pki: &Pki) -> FetchOptions {
    FetchOptions {
        extra_root_ca: Some(pki.ca()),
        timeout: Duration::from_secs(10),
        ..FetchOptions::default()
    }
}

/// A valid unsigned security.txt whose Canonical is `canonical`.
fn file(canonical: &str) -> Vec<u8> {
    format!(
        "Contact: mailto:psirt@vendor.example\nExpires: 2027-05-01T00:00:00Z\nCanonical: {canonical}\n"
    )
    .into_bytes()
}

fn signed_fixture() -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/securitytxt/acme-signed.txt"),
    )
    .unwrap()
}

fn check_found(found: &securitytxt::Found, keys: Option<Keyring>) -> iotcheck_model::CheckResult {
    let o = Options {
        provenance: Some(found.provenance.clone()),
        keys,
        ..Options::default()
    };
    check_security_txt_with_options(&found.body, &found.provenance.url, date(TODAY), &o)
        .pop()
        .unwrap()
}

fn fetch_note(r: &iotcheck_model::CheckResult) -> &str {
    r.evidence
        .iter()
        .rev()
        .find_map(|e| match e {
            Evidence::Input { message, .. } if message.starts_with("fetched ") => {
                Some(message.as_str())
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no fetch evidence: {:?}", r.evidence))
}

#[test]
fn found_at_the_well_known_location_of_an_origin() {
    let pki = Pki::new();
    // The Canonical names the URL the file is served at, port included.
    let port = free_port();
    let url = format!("https://127.0.0.1:{port}/.well-known/security.txt");
    let server = Lighttpd::start_on(
        port,
        Some(&pki),
        &[
            (".well-known/security.txt", &file(&url)),
            ("security.txt", b"Contact: mailto:legacy@vendor.example\n"),
        ],
        &[],
    );
    for origin in [server.url(""), server.url("/")] {
        let found = locate(&origin, &opts(&pki)).unwrap();
        let p = &found.provenance;
        let h = p.http.as_ref().unwrap();
        assert_eq!(p.url, url);
        assert_eq!(h.status, 200);
        assert_eq!(h.content_type.as_deref(), Some("text/plain; charset=utf-8"));
        assert_eq!(h.requested, origin);
        assert!(h.tried.is_empty() && h.redirects.is_empty());
        assert!(p.is_https());
        let r = check_found(&found, None);
        assert_eq!(r.outcome, Outcome::Pass, "{}", r.summary);
        assert_eq!(
            fetch_note(&r),
            format!("fetched {url}: HTTP 200 (text/plain; charset=utf-8); asked for {origin}")
        );
    }
}

#[test]
fn falls_back_to_the_legacy_location() {
    let pki = Pki::new();
    let server = Lighttpd::start(
        Some(&pki),
        &[("security.txt", &file("https://vendor.example/security.txt"))],
        &[],
    );
    let found = locate(&server.url("/"), &opts(&pki)).unwrap();
    assert_eq!(found.provenance.url, server.url("/security.txt"));
    let h = found.provenance.http.as_ref().unwrap();
    assert_eq!(h.tried.len(), 1);
    assert_eq!(h.tried[0].url, server.url("/.well-known/security.txt"));
    assert_eq!(h.tried[0].outcome, "HTTP 404");
    let r = check_found(&found, None);
    assert!(
        fetch_note(&r).ends_with(&format!(
            "; tried first: {}: HTTP 404",
            server.url("/.well-known/security.txt")
        )),
        "{}",
        fetch_note(&r)
    );
    // Fetched from a URL its Canonical does not list: noted (§2.5.2).
    let o = Options {
        provenance: Some(found.provenance.clone()),
        ..Options::default()
    };
    let a = securitytxt::analyze_with(&found.body, date(TODAY), &o).unwrap();
    assert_eq!(
        a.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(),
        [codes::CANONICAL_MISMATCH]
    );
}

#[test]
fn not_found_at_either_location_is_a_clear_error() {
    let pki = Pki::new();
    let server = Lighttpd::start(Some(&pki), &[("index.html", b"<p>hi</p>")], &[]);
    let err = locate(&server.url("/"), &opts(&pki)).unwrap_err();
    let LocateError::NotFound { tried, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(tried.len(), 2);
    assert_eq!(
        err.to_string(),
        format!(
            "no security.txt at {}: {} answered HTTP 404; {} answered HTTP 404",
            server.url("/"),
            server.url("/.well-known/security.txt"),
            server.url("/security.txt")
        )
    );
    // A full URL is fetched alone.
    let err = locate(&server.url("/docs/security.txt"), &opts(&pki)).unwrap_err();
    assert!(matches!(&err, LocateError::NotFound { tried, .. } if tried.len() == 1));
}

/// Served over plain HTTP only: HTTPS is tried first and fails, the file
/// is read over HTTP, and the check fails (RFC 9116 §3) saying so.
#[test]
fn http_only_site_is_a_failing_finding() {
    let server = Lighttpd::start(
        None,
        &[(
            ".well-known/security.txt",
            &file("https://vendor.example/.well-known/security.txt"),
        )],
        &[],
    );
    let given = server.url("/");
    assert!(given.starts_with("http://"));
    let found = locate(&given, &FetchOptions::default()).unwrap();
    assert_eq!(
        found.provenance.url,
        server.url("/.well-known/security.txt")
    );
    assert!(!found.provenance.is_https());
    let h = found.provenance.http.as_ref().unwrap();
    assert_eq!(h.tried.len(), 1, "{:?}", h.tried);
    assert!(h.tried[0].url.starts_with("https://127.0.0.1:"));

    let o = Options {
        provenance: Some(found.provenance.clone()),
        ..Options::default()
    };
    let a = securitytxt::analyze_with(&found.body, date(TODAY), &o).unwrap();
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == codes::FETCHED_WITHOUT_HTTPS)
        .unwrap();
    assert!(
        d.message.starts_with(&format!(
            "read over plain HTTP from {}; HTTPS was tried first ({}",
            server.url("/.well-known/security.txt"),
            server
                .url_on("127.0.0.1", "/.well-known/security.txt")
                .replace("http:", "https:")
        )),
        "{}",
        d.message
    );
    let r = check_found(&found, None);
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(r.summary, "not fetched over HTTPS");
}

#[test]
fn redirect_chain_is_followed_and_reported() {
    let pki = Pki::new();
    let server = Lighttpd::start(
        Some(&pki),
        &[(
            "final/security.txt",
            &file("https://vendor.example/.well-known/security.txt"),
        )],
        &[
            ("^/\\.well-known/security\\.txt$", "/hop1"),
            ("^/hop1$", "/hop2"),
            ("^/hop2$", "/final/security.txt"),
        ],
    );
    let found = locate(&server.url("/"), &opts(&pki)).unwrap();
    let h = found.provenance.http.as_ref().unwrap();
    let hops: Vec<(String, u16, String, bool)> = h
        .redirects
        .iter()
        .map(|r| (r.from.clone(), r.status, r.to.clone(), r.cross_origin))
        .collect();
    assert_eq!(
        hops,
        [
            (
                server.url("/.well-known/security.txt"),
                301,
                server.url("/hop1"),
                false
            ),
            (server.url("/hop1"), 301, server.url("/hop2"), false),
            (
                server.url("/hop2"),
                301,
                server.url("/final/security.txt"),
                false
            ),
        ]
    );
    assert_eq!(found.provenance.url, server.url("/final/security.txt"));
    let r = check_found(&found, None);
    assert!(
        fetch_note(&r).contains("; 3 redirects: "),
        "{}",
        fetch_note(&r)
    );
}

/// A redirect to another host is followed and marked cross-origin (RFC 9116
/// §3 asks researchers to triage such redirects).
#[test]
fn cross_origin_redirect_is_noted() {
    let pki = Pki::new();
    // The same server under another host name: another origin, and a
    // certificate that is valid for both.
    let port = free_port();
    let target = format!("https://localhost:{port}/moved/security.txt");
    let server = Lighttpd::start_on(
        port,
        Some(&pki),
        &[("moved/security.txt", &file("https://vendor.example/"))],
        &[("^/\\.well-known/security\\.txt$", target.as_str())],
    );
    let found = locate(&server.url("/"), &opts(&pki)).unwrap();
    let h = found.provenance.http.as_ref().unwrap();
    assert_eq!(h.redirects.len(), 1);
    assert!(h.redirects[0].cross_origin);
    assert_eq!(found.provenance.url, target);
    let r = check_found(&found, None);
    assert!(
        fetch_note(&r).contains("(301, cross-origin)"),
        "{}",
        fetch_note(&r)
    );
}

#[test]
fn redirect_from_https_to_http_fails_the_check() {
    let pki = Pki::new();
    let plain = Lighttpd::start(
        None,
        &[(
            "security.txt",
            &file("https://vendor.example/.well-known/security.txt"),
        )],
        &[],
    );
    let target = plain.url("/security.txt");
    let tls = Lighttpd::start(
        Some(&pki),
        &[],
        &[("^/\\.well-known/security\\.txt$", target.as_str())],
    );
    let found = locate(&tls.url("/"), &opts(&pki)).unwrap();
    assert_eq!(found.provenance.url, target);
    let h = found.provenance.http.as_ref().unwrap();
    assert!(h.redirects[0].cross_origin);
    let r = check_found(&found, None);
    assert_eq!(r.outcome, Outcome::Fail);
    let Evidence::Input { message, .. } = &r.evidence[0] else {
        panic!("{:?}", r.evidence)
    };
    assert_eq!(
        message,
        &format!(
            "read over plain HTTP after a redirect from {} to {target}; RFC 9116 §3 requires security.txt to be accessed over HTTPS",
            tls.url("/.well-known/security.txt")
        )
    );
}

#[test]
fn too_many_redirects_is_an_error() {
    let pki = Pki::new();
    let server = Lighttpd::start(Some(&pki), &[], &[("^/loop(x*)$", "/loop$1x")]);
    let err = fetch(&server.url("/loop"), &opts(&pki)).unwrap_err();
    let FetchError::TooManyRedirects { max, chain, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*max, 5);
    assert_eq!(chain.len(), 7, "{chain:?}");
    assert!(err.to_string().starts_with(&format!(
        "could not fetch {}: more than 5 redirects",
        server.url("/loop")
    )));
}

#[test]
fn oversize_bodies_are_refused() {
    let pki = Pki::new();
    let big = vec![b'#'; 2048];
    let server = Lighttpd::start(Some(&pki), &[("big.txt", &big)], &[]);
    let small = FetchOptions {
        max_bytes: 2047,
        ..opts(&pki)
    };
    let err = fetch(&server.url("/big.txt"), &small).unwrap_err();
    assert_eq!(
        err,
        FetchError::TooLarge {
            url: server.url("/big.txt"),
            max_bytes: 2047,
            declared: Some(2048),
        }
    );
    // Exactly at the limit is fine.
    let exact = FetchOptions {
        max_bytes: 2048,
        ..opts(&pki)
    };
    assert_eq!(fetch(&server.url("/big.txt"), &exact).unwrap().body, big);

    // No Content-Length: reading stops one byte past the limit.
    let mut response =
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n".to_vec();
    response.extend(vec![b'x'; 100_000]);
    let raw = Raw::start(response);
    let err = fetch(
        &format!("http://127.0.0.1:{}/security.txt", raw.port),
        &FetchOptions {
            max_bytes: 1000,
            ..FetchOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            FetchError::TooLarge {
                max_bytes: 1000,
                declared: None,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_server_that_never_answers_times_out() {
    let silent = Silent::start();
    let o = FetchOptions {
        timeout: Duration::from_millis(800),
        ..FetchOptions::default()
    };
    let started = Instant::now();
    let url = format!("https://127.0.0.1:{}/", silent.port);
    let err = locate(&url, &o).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        err.to_string(),
        format!(
            "could not fetch https://127.0.0.1:{}/.well-known/security.txt: no complete answer within 800ms",
            silent.port
        )
    );
}

#[test]
fn untrusted_certificate_names_the_host() {
    let pki = Pki::new();
    let server = Lighttpd::start(Some(&pki), &[("security.txt", b"x")], &[]);
    // Without the test CA: only the built-in roots, which did not issue it.
    let err = fetch(&server.url("/security.txt"), &FetchOptions::default()).unwrap_err();
    let FetchError::Certificate { host, reason, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(host, "127.0.0.1");
    assert_eq!(reason, "issued by an unknown authority");
    // Another CA does not help either.
    let other = Pki::new();
    assert!(matches!(
        fetch(&server.url("/security.txt"), &opts(&other)),
        Err(FetchError::Certificate { .. })
    ));
    // A CA file that holds no certificate is refused up front.
    let not_pem = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(not_pem.path(), "hello").unwrap();
    let err = fetch(
        &server.url("/security.txt"),
        &FetchOptions {
            extra_root_ca: Some(not_pem.path().to_path_buf()),
            ..FetchOptions::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, FetchError::CaFile { .. }), "{err:?}");
}

#[test]
fn nobody_listening_is_connection_refused() {
    let port = free_port();
    let url = format!("https://127.0.0.1:{port}/");
    let err = locate(&url, &FetchOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "could not fetch https://127.0.0.1:{port}/.well-known/security.txt: connection refused"
        )
    );
}

/// The signed fixture served at a loopback URL: its Canonical names
/// acme.example, so the fetched URL is not listed (a warning), and the
/// signature still verifies with Acme's key.
#[test]
fn canonical_mismatch_against_the_fetched_url_and_signature_verified() {
    let pki = Pki::new();
    let server = Lighttpd::start(
        Some(&pki),
        &[(".well-known/security.txt", &signed_fixture())],
        &[],
    );
    let found = locate(&server.url(""), &opts(&pki)).unwrap();
    let keys = Keyring::from_bytes(
        &std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/securitytxt/acme.pub.asc"),
        )
        .unwrap(),
    )
    .unwrap();
    let o = Options {
        provenance: Some(found.provenance.clone()),
        keys: Some(keys.clone()),
        ..Options::default()
    };
    let a = securitytxt::analyze_with(&found.body, date(TODAY), &o).unwrap();
    assert!(matches!(a.document.signed, Signature::Verified { .. }));
    let [d] = a.diagnostics.as_slice() else {
        panic!("{:#?}", a.diagnostics)
    };
    assert_eq!(d.code, codes::CANONICAL_MISMATCH);
    assert_eq!(
        d.message,
        format!(
            "fetched from {} but no Canonical field lists it (https://acme.example/.well-known/security.txt); RFC 9116 §2.5.2 says to treat such a file with caution",
            server.url("/.well-known/security.txt")
        )
    );
    let r = check_found(&found, Some(keys));
    assert_eq!(r.outcome, Outcome::Pass);
    assert!(r.summary.contains("signature verified"), "{}", r.summary);
    assert!(
        r.summary
            .ends_with("other findings: canonical-mismatch line 10"),
        "{}",
        r.summary
    );
}

/// RFC 9116 §3 asks for `text/plain; charset=utf-8`: lighttpd serving the
/// same file as `.txt` raises nothing, as `.html` a warning that still
/// reads the file (the check keeps its verdict).
#[test]
fn content_type_is_checked_when_fetched() {
    let pki = Pki::new();
    let body = file("https://vendor.example/.well-known/security.txt");
    let server = Lighttpd::start(
        Some(&pki),
        &[
            ("security.txt", &body),
            ("security.html", &body),
            ("security", &body),
        ],
        &[],
    );
    let diags = |path: &str| {
        let got = fetch(&server.url(path), &opts(&pki)).unwrap();
        let o = Options {
            provenance: Some(got.provenance()),
            ..Options::default()
        };
        securitytxt::analyze_with(&got.body, date(TODAY), &o)
            .unwrap()
            .diagnostics
            .into_iter()
            .filter(|d| d.code == codes::CONTENT_TYPE)
            .map(|d| (d.severity, d.message))
            .collect::<Vec<_>>()
    };
    assert!(diags("/security.txt").is_empty());
    let html = diags("/security.html");
    assert_eq!(html.len(), 1, "{html:?}");
    assert_eq!(html[0].0, securitytxt::Severity::Warning);
    assert!(html[0].1.contains("\"text/html\""), "{}", html[0].1);
    // lighttpd's default for an unknown extension.
    let bare = diags("/security");
    assert_eq!(bare.len(), 1, "{bare:?}");
}
