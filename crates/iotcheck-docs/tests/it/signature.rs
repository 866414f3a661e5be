//! OpenPGP signatures checked against keys the user gives (RFC 9116 §2.3):
//! files signed here with GnuPG (tests/fixtures/securitytxt, see its
//! README.md), the real signed files of shared/data, and files signed at
//! run time with gpg.

use std::path::{Path, PathBuf};
use std::process::Command;

use iotcheck_docs::check_security_txt_with_options;
use iotcheck_docs::fetch::Provenance;
use iotcheck_docs::securitytxt::{
    self, BadSignature, KeyError, Keyring, Options, Severity, Signature, analyze_with, codes,
};
use iotcheck_model::{Evidence, Outcome};

use crate::{date, read};

const ACME_PRIMARY: &str = "A9728C8A7EC70E705C3ECF1416380832E436EEFD";
const ACME_SIGNING_SUBKEY: &str = "2DBDE9FE2CA25C28C301B979FD767B571809B289";
const GLOBEX: &str = "48EBB331C42C2055FD036C209A51577EF8BF9655";
/// Before the fixtures' Expires (2027-05-01), less than a year before it.
const TODAY: &str = "2026-12-01";

fn fixture(name: &str) -> Vec<u8> {
    let p = fixtures().join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/securitytxt")
}

fn keys(name: &str) -> Keyring {
    Keyring::from_bytes(&fixture(name)).unwrap()
}

fn with_keys(bytes: &[u8], keys: Option<Keyring>) -> securitytxt::Analysis {
    let opts = Options {
        keys,
        ..Options::default()
    };
    analyze_with(bytes, date(TODAY), &opts).unwrap()
}

fn check(bytes: &[u8], keys: Option<Keyring>) -> iotcheck_model::CheckResult {
    let opts = Options {
        keys,
        ..Options::default()
    };
    check_security_txt_with_options(bytes, "security.txt", date(TODAY), &opts)
        .pop()
        .unwrap()
}

fn codes_of(a: &securitytxt::Analysis) -> Vec<&'static str> {
    a.diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn key_files_armored_binary_and_several_keys() {
    let armored = keys("acme.pub.asc");
    let binary = keys("acme.pub.gpg");
    assert_eq!(armored, binary);
    let [acme] = armored.keys().try_into().unwrap();
    assert_eq!(acme.fingerprint, ACME_PRIMARY);
    assert_eq!(
        acme.user_id.as_deref(),
        Some("Acme PSIRT <psirt@acme.example>")
    );
    assert_eq!(acme.subkeys, [ACME_SIGNING_SUBKEY]);

    let mut both: Vec<String> = keys("both.pub.asc")
        .keys()
        .into_iter()
        .map(|k| k.fingerprint)
        .collect();
    both.sort();
    assert_eq!(both, [GLOBEX, ACME_PRIMARY]);

    // Two armor blocks one after the other, as `cat a.asc b.asc` makes.
    let mut two = fixture("acme.pub.asc");
    two.extend(fixture("globex.pub.asc"));
    assert_eq!(Keyring::from_bytes(&two).unwrap().keys().len(), 2);
}

#[test]
fn unusable_key_files_say_why() {
    assert_eq!(Keyring::from_bytes(b"  \n"), Err(KeyError::NoKeys));
    // A signed message is OpenPGP, but not a key.
    assert!(matches!(
        Keyring::from_bytes(&fixture("acme-signed.txt")),
        Err(KeyError::NotAKey { .. })
    ));
    let big = vec![b'a'; securitytxt::MAX_KEY_FILE_BYTES + 1];
    assert!(matches!(
        Keyring::from_bytes(&big),
        Err(KeyError::TooLarge { .. })
    ));
}

/// Signed by Acme's signing subkey; verified with the certificate that
/// holds it, armored or binary, alone or among other keys.
#[test]
fn acme_signature_verifies_with_its_key() {
    for key in ["acme.pub.asc", "acme.pub.gpg", "both.pub.asc"] {
        let a = with_keys(&fixture("acme-signed.txt"), Some(keys(key)));
        assert_eq!(codes_of(&a), Vec::<&str>::new(), "{key}");
        let Signature::Verified { by, packet, .. } = &a.document.signed else {
            panic!("{key}: {:?}", a.document.signed)
        };
        assert_eq!(by.fingerprint, ACME_SIGNING_SUBKEY);
        assert_eq!(by.primary.fingerprint, ACME_PRIMARY);
        // The hand decoder agrees with the key that verified.
        let p = packet.as_ref().unwrap();
        assert_eq!(p.issuer_fingerprint.as_deref(), Some(ACME_SIGNING_SUBKEY));
        assert_eq!(p.issuer_key_id.as_deref(), Some(&ACME_SIGNING_SUBKEY[24..]));
        assert_eq!(p.hash_algorithm.unwrap().name(), Some("SHA512"));
    }
    let r = check(&fixture("acme-signed.txt"), Some(keys("acme.pub.asc")));
    assert_eq!(r.outcome, Outcome::Pass, "{}", r.summary);
    assert_eq!(
        r.summary,
        format!(
            "2 Contact fields and Expires 2027-05-01 (signature verified with subkey \
             {ACME_SIGNING_SUBKEY} of key {ACME_PRIMARY} (Acme PSIRT <psirt@acme.example>))"
        )
    );
}

/// Without a key the same file passes unchanged, "key not verified".
#[test]
fn without_a_key_a_signature_is_reported_not_judged() {
    let a = with_keys(&fixture("acme-signed.txt"), None);
    assert!(matches!(
        a.document.signed,
        Signature::SignedNotVerified { .. }
    ));
    let r = check(&fixture("acme-signed.txt"), None);
    assert_eq!(r.outcome, Outcome::Pass);
    assert_eq!(
        r.summary,
        "2 Contact fields and Expires 2027-05-01 (signed by key FD767B571809B289, key not verified)"
    );
}

/// One byte of the first Contact changed after signing: with the key, the
/// check fails and the evidence names the key and the signed lines.
#[test]
fn tampered_file_fails_with_the_key() {
    let bytes = fixture("acme-tampered.txt");
    let a = with_keys(&bytes, Some(keys("acme.pub.asc")));
    assert_eq!(codes_of(&a), [codes::SIGNATURE_INVALID]);
    let d = &a.diagnostics[0];
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.line, Some(13));
    assert_eq!(
        securitytxt::text_at(&a.text, d.span.unwrap()),
        Some("-----BEGIN PGP SIGNATURE-----")
    );
    assert!(
        d.message.contains(&format!(
            "the signature over lines 4–12 (dated 2026-11-25, SHA512) names key {ACME_SIGNING_SUBKEY}, one of the keys given, and does not verify with it (the digest of the signed text is not the one that was signed): the signed text or the signature was changed after signing"
        )),
        "{}",
        d.message
    );
    assert!(matches!(
        &a.document.signed,
        Signature::Bad { problem: BadSignature::Altered { fingerprint, .. }, .. } if fingerprint == ACME_SIGNING_SUBKEY
    ));
    // The fields are still read: the altered Contact is what the file says.
    assert_eq!(a.document.fields[0].value, "mailto:psirt@acne.example");

    let r = check(&bytes, Some(keys("acme.pub.asc")));
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(
        r.summary,
        format!("signature does not verify with key {ACME_SIGNING_SUBKEY}")
    );
    let [Evidence::Input { input, message }] = r.evidence.as_slice() else {
        panic!("{:?}", r.evidence)
    };
    assert_eq!(input, "security.txt");
    assert_eq!(message, &d.message);

    // Without a key nothing shows: the armor is intact.
    let r = check(&bytes, None);
    assert_eq!(r.outcome, Outcome::Pass);
}

/// The same text signed by Globex: with Acme's key it fails (another key
/// signed it); with Globex's key it verifies; with both, too.
#[test]
fn file_signed_by_another_key() {
    let bytes = fixture("acme-signed-by-globex.txt");
    let a = with_keys(&bytes, Some(keys("acme.pub.asc")));
    assert_eq!(codes_of(&a), [codes::SIGNATURE_UNKNOWN_KEY]);
    assert!(
        a.diagnostics[0].message.contains(&format!(
            "the signature over lines 4–12 (dated 2026-11-25, SHA256) comes from key {GLOBEX}, which is not one of the keys given ({ACME_PRIMARY})"
        )),
        "{}",
        a.diagnostics[0].message
    );
    let r = check(&bytes, Some(keys("acme.pub.asc")));
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(
        r.summary,
        format!("signed by key {GLOBEX}, not one of the keys given")
    );

    for key in ["globex.pub.asc", "both.pub.asc"] {
        let a = with_keys(&bytes, Some(keys(key)));
        let Signature::Verified { by, .. } = &a.document.signed else {
            panic!("{key}: {:?}", a.document.signed)
        };
        assert_eq!(
            (by.fingerprint.as_str(), by.primary.fingerprint.as_str()),
            (GLOBEX, GLOBEX)
        );
    }
}

/// A key given for an unsigned file: a warning, not a failure (RFC 9116
/// makes the signature optional).
#[test]
fn unsigned_file_with_a_key_is_a_warning() {
    let bytes = read("eikendev-sectxt/valid_unsigned/rfc_unsigned.stxt");
    let opts = Options {
        keys: Some(keys("acme.pub.asc")),
        ..Options::default()
    };
    let a = analyze_with(&bytes, date("2023-12-01"), &opts).unwrap();
    assert_eq!(codes_of(&a), [codes::SIGNATURE_MISSING]);
    assert_eq!(a.diagnostics[0].severity, Severity::Warning);
    let r = check_security_txt_with_options(&bytes, "rfc", date("2023-12-01"), &opts);
    assert_eq!(r[0].outcome, Outcome::Pass);
    assert!(
        r[0].summary
            .ends_with("(unsigned); other findings: signature-missing")
    );
}

/// The real signed files: the vendors' keys are not available here, so a
/// key of our own is "not one of the keys given"; never a crash, never
/// "altered". rpgp reads every signature packet, and agrees with the hand
/// decoder on the issuer.
#[test]
fn real_signed_files_against_a_foreign_key() {
    let cases = [
        ("eikendev-sectxt/valid_signed/opera_com.stxt", "2024-03-01"),
        ("eikendev-sectxt/valid_signed/redhat.stxt", "2025-02-15"),
        ("eikendev-sectxt/valid_signed/rfc_signed.stxt", "2023-12-01"),
        (
            "eikendev-sectxt/valid_signed/securitytxt_org.stxt",
            "2024-02-14",
        ),
        ("real-world/grapheneos.org.security.txt", "2026-11-25"),
    ];
    for (rel, today) in cases {
        let bytes = read(rel);
        let opts = Options {
            keys: Some(keys("acme.pub.asc")),
            ..Options::default()
        };
        let a = analyze_with(&bytes, date(today), &opts).unwrap();
        let unknown: Vec<_> = a
            .diagnostics
            .iter()
            .filter(|d| d.code.starts_with("signature-"))
            .map(|d| d.code)
            .collect();
        let want: &[&str] = if rel.ends_with("rfc_signed.stxt") {
            &["signature-hash-mismatch", "signature-unknown-key"]
        } else {
            &["signature-unknown-key"]
        };
        assert_eq!(unknown, want, "{rel}: {:#?}", a.diagnostics);
        let Signature::Bad {
            problem: BadSignature::UnknownKey { issuer, given },
            packet,
            ..
        } = &a.document.signed
        else {
            panic!("{rel}: {:?}", a.document.signed)
        };
        let p = packet.as_ref().unwrap();
        let hand = p.issuer_fingerprint.clone().or(p.issuer_key_id.clone());
        assert_eq!(issuer, &hand, "{rel}");
        assert_eq!(given, &[ACME_PRIMARY.to_string()]);
        let r = check_security_txt_with_options(&bytes, rel, date(today), &opts);
        assert_eq!(r[0].outcome, Outcome::Fail, "{rel}");
    }
}

/// The signed text rebuilt from the framed lines is the one rpgp's own
/// cleartext parser hashes: two independent framings agree on every real
/// signed file and every fixture.
#[test]
fn signed_text_agrees_with_rpgp_cleartext_framing() {
    use pgp::composed::CleartextSignedMessage;
    let mut files: Vec<(String, Vec<u8>)> = [
        "eikendev-sectxt/valid_signed/opera_com.stxt",
        "eikendev-sectxt/valid_signed/redhat.stxt",
        "eikendev-sectxt/valid_signed/rfc_signed.stxt",
        "eikendev-sectxt/valid_signed/securitytxt_org.stxt",
        "real-world/grapheneos.org.security.txt",
    ]
    .iter()
    .map(|r| (r.to_string(), read(r)))
    .collect();
    for f in [
        "acme-signed.txt",
        "acme-tampered.txt",
        "acme-signed-by-globex.txt",
    ] {
        files.push((f.to_string(), fixture(f)));
    }
    for (name, bytes) in files {
        let text = String::from_utf8(bytes).unwrap();
        let (msg, _) = CleartextSignedMessage::from_string(&text)
            .unwrap_or_else(|e| panic!("{name}: rpgp: {e}"));
        let doc = securitytxt::parse(&text);
        assert_eq!(
            doc.signed_text(),
            Some(msg.signed_text().as_str()),
            "{name}"
        );
    }
}

/// Signed at run time with GnuPG (installed by scripts/install-test-deps.sh):
/// CRLF line endings, trailing blanks and a dash-escaped line verify, and
/// changing any single field line afterwards is caught.
#[test]
fn gpg_signed_at_test_time_verifies_and_every_field_edit_is_caught() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| gpg(home.path(), args);
    run(&[
        "--quick-gen-key",
        "Test Vendor <psirt@vendor.example>",
        "ed25519",
        "sign",
        "never",
    ]);
    let public = run(&["--armor", "--export", "psirt@vendor.example"]);
    let body = "Contact: mailto:psirt@vendor.example  \r\n\
                Contact: https://vendor.example/report\t\r\n\
                Expires: 2027-05-01T00:00:00Z\r\n\
                Canonical: https://vendor.example/.well-known/security.txt\r\n";
    let input = home.path().join("body.txt");
    std::fs::write(&input, body).unwrap();
    let signed = run(&["--clearsign", "--output", "-", input.to_str().unwrap()]);
    let keys = Keyring::from_bytes(&public).unwrap();

    let a = with_keys(&signed, Some(keys.clone()));
    assert!(
        matches!(a.document.signed, Signature::Verified { .. }),
        "{:?} {:#?}",
        a.document.signed,
        a.diagnostics
    );

    let text = String::from_utf8(signed).unwrap();
    for (i, line) in text.lines().enumerate() {
        if !line.contains(": ") || line.starts_with("Hash:") {
            continue;
        }
        // Change the last character of the value.
        let mut changed: Vec<String> = text.lines().map(str::to_string).collect();
        let mut l = changed[i].clone();
        let last = l.pop().unwrap();
        l.push(if last == 'X' { 'Y' } else { 'X' });
        changed[i] = l;
        let edited = changed.join("\n");
        let a = with_keys(edited.as_bytes(), Some(keys.clone()));
        assert!(
            matches!(
                a.document.signed,
                Signature::Bad {
                    problem: BadSignature::Altered { .. },
                    ..
                }
            ),
            "line {}: {:?}",
            i + 1,
            a.document.signed
        );
    }
    // Line endings are not part of what is signed (RFC 9580 §7.2).
    let lf = text.replace("\r\n", "\n");
    let a = with_keys(lf.as_bytes(), Some(keys));
    assert!(matches!(a.document.signed, Signature::Verified { .. }));
}

/// Fetched over plain HTTP: a failing finding (§3), whatever the signature.
#[test]
fn provenance_over_http_fails_the_check() {
    let bytes = fixture("acme-signed.txt");
    let opts = Options {
        provenance: Some(Provenance::url_only(
            "http://acme.example/.well-known/security.txt",
        )),
        keys: Some(keys("acme.pub.asc")),
        ..Options::default()
    };
    let r = check_security_txt_with_options(&bytes, "security.txt", date(TODAY), &opts);
    assert_eq!(r[0].outcome, Outcome::Fail);
    assert_eq!(r[0].summary, "not fetched over HTTPS");
    let a = analyze_with(&bytes, date(TODAY), &opts).unwrap();
    assert_eq!(
        codes_of(&a),
        [codes::FETCHED_WITHOUT_HTTPS, codes::CANONICAL_MISMATCH]
    );
}

/// Runs gpg in the keyring `home`, unattended, and returns its output; a
/// missing gpg or a failing command fails the test, naming the package.
fn gpg(home: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("gpg")
        .env("GNUPGHOME", home)
        .args([
            "--batch",
            "--quiet",
            "--yes",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
        ])
        .args(args)
        .output()
        .expect("gpg is missing: run scripts/install-test-deps.sh (Debian package gnupg)");
    assert!(
        out.status.success(),
        "gpg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A signature that verifies with a key that has since been revoked fails
/// the check (`signature-key-not-valid`); a key that expired after it
/// signed still vouches for what it signed (RFC 9580: validity at signing
/// time). Keys made, signed with and revoked by gpg at test time.
#[test]
fn revoked_key_fails_expired_later_key_still_verifies() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| gpg(home.path(), args);
    let body = home.path().join("body.txt");
    std::fs::write(
        &body,
        "Contact: mailto:psirt@vendor.example\nExpires: 2027-05-01T00:00:00Z\n",
    )
    .unwrap();

    // Revoked: gpg writes a revocation certificate for every key it makes
    // (openpgp-revocs.d/FPR.rev, its armor line guarded by a leading ':').
    run(&[
        "--quick-gen-key",
        "Revoked Vendor <r@vendor.example>",
        "ed25519",
        "sign",
        "never",
    ]);
    let signed = run(&[
        "--clearsign",
        "--local-user",
        "r@vendor.example",
        "--output",
        "-",
        body.to_str().unwrap(),
    ]);
    let before = Keyring::from_bytes(&run(&["--armor", "--export", "r@vendor.example"])).unwrap();
    assert!(matches!(
        with_keys(&signed, Some(before)).document.signed,
        Signature::Verified { .. }
    ));
    let rev_dir = home.path().join("openpgp-revocs.d");
    let rev_file = std::fs::read_dir(&rev_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let cert = std::fs::read_to_string(&rev_file)
        .unwrap()
        .replace(":-----BEGIN", "-----BEGIN");
    let unguarded = home.path().join("revoke.asc");
    std::fs::write(&unguarded, cert).unwrap();
    run(&["--import", unguarded.to_str().unwrap()]);
    let after = Keyring::from_bytes(&run(&["--armor", "--export", "r@vendor.example"])).unwrap();
    let a = with_keys(&signed, Some(after));
    assert!(
        matches!(
            &a.document.signed,
            Signature::Bad { problem: BadSignature::KeyNotValid { reason, .. }, .. } if reason.contains("revoked")
        ),
        "{:?}",
        a.document.signed
    );
    assert!(
        codes_of(&a).contains(&codes::SIGNATURE_KEY_NOT_VALID),
        "{:?}",
        a.diagnostics
    );
    let r = check(
        &signed,
        Some(Keyring::from_bytes(&run(&["--armor", "--export", "r@vendor.example"])).unwrap()),
    );
    assert_eq!(r.outcome, iotcheck_model::Outcome::Fail, "{}", r.summary);
    assert!(r.summary.contains("revoked"), "{}", r.summary);

    // Made in 2020 with a one-day lifetime, signed while it was valid.
    run(&[
        "--faked-system-time",
        "20200101T000000",
        "--quick-gen-key",
        "Old Vendor <o@vendor.example>",
        "ed25519",
        "sign",
        "1d",
    ]);
    let old_signed = run(&[
        "--faked-system-time",
        "20200101T010000",
        "--clearsign",
        "--local-user",
        "o@vendor.example",
        "--output",
        "-",
        body.to_str().unwrap(),
    ]);
    let old = Keyring::from_bytes(&run(&["--armor", "--export", "o@vendor.example"])).unwrap();
    assert!(matches!(
        with_keys(&old_signed, Some(old)).document.signed,
        Signature::Verified { .. }
    ));
}

/// The fingerprints gpg lists for `uid`: the primary key's first, then its
/// subkeys' in the order they were added.
fn gpg_fingerprints(home: &Path, uid: &str) -> Vec<String> {
    let out = gpg(home, &["--with-colons", "--list-keys", uid]);
    String::from_utf8(out)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("fpr:"))
        .filter_map(|l| l.split(':').nth(9).map(str::to_string))
        .collect()
}

/// A signature made after the key had expired fails the check
/// (`signature-key-not-valid`, naming the day it expired), for a primary
/// key and for a signing subkey. gpg refuses to sign with a key it sees as
/// expired, so each key is made in 2020 without an expiry, signs at a
/// faked 2020-01-03, and is then given a one-day lifetime by a newer
/// self-signature dated 2020-01-01 01:00: the published key expires
/// 2020-01-02 01:00, a day before the signature, as a key used after its
/// expiry looks to anyone who checks it.
#[test]
fn signature_made_after_the_key_expired_fails() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| gpg(home.path(), args);
    let body = home.path().join("body.txt");
    std::fs::write(
        &body,
        "Contact: mailto:psirt@vendor.example\nExpires: 2027-05-01T00:00:00Z\n",
    )
    .unwrap();
    let made = "20200101T000000";
    let expiry_set = "20200101T010000";
    let signed_at = "20200103T000000";

    // Primary key.
    run(&[
        "--faked-system-time",
        made,
        "--quick-gen-key",
        "Lapsed Vendor <l@vendor.example>",
        "ed25519",
        "sign",
        "never",
    ]);
    let fpr = gpg_fingerprints(home.path(), "l@vendor.example").remove(0);
    let signed = run(&[
        "--faked-system-time",
        signed_at,
        "--clearsign",
        "--local-user",
        "l@vendor.example",
        "--output",
        "-",
        body.to_str().unwrap(),
    ]);
    let export =
        || Keyring::from_bytes(&run(&["--armor", "--export", "l@vendor.example"])).unwrap();
    // Before the expiry is set, the same signature verifies: only the
    // expiry decides what follows.
    assert!(matches!(
        with_keys(&signed, Some(export())).document.signed,
        Signature::Verified { .. }
    ));
    run(&[
        "--faked-system-time",
        expiry_set,
        "--quick-set-expire",
        &fpr,
        "1d",
    ]);
    let a = with_keys(&signed, Some(export()));
    assert!(
        matches!(
            &a.document.signed,
            Signature::Bad { problem: BadSignature::KeyNotValid { fingerprint, reason }, .. }
                if *fingerprint == fpr && reason == "its primary key expired on 2020-01-02"
        ),
        "{:?}",
        a.document.signed
    );
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == codes::SIGNATURE_KEY_NOT_VALID)
        .unwrap_or_else(|| panic!("{:#?}", a.diagnostics));
    assert!(d.message.contains("expired on 2020-01-02"), "{}", d.message);
    let r = check(&signed, Some(export()));
    assert_eq!(r.outcome, Outcome::Fail, "{}", r.summary);
    assert!(
        r.summary.contains("its primary key expired on 2020-01-02"),
        "{}",
        r.summary
    );

    // Signing subkey of a primary key that never expires.
    run(&[
        "--faked-system-time",
        made,
        "--quick-gen-key",
        "Sub Vendor <s@vendor.example>",
        "ed25519",
        "cert",
        "never",
    ]);
    let primary = gpg_fingerprints(home.path(), "s@vendor.example").remove(0);
    run(&[
        "--faked-system-time",
        made,
        "--quick-add-key",
        &primary,
        "ed25519",
        "sign",
        "never",
    ]);
    let sub = gpg_fingerprints(home.path(), "s@vendor.example").remove(1);
    let forced = format!("{sub}!");
    let signed = run(&[
        "--faked-system-time",
        signed_at,
        "--clearsign",
        "--local-user",
        &forced,
        "--output",
        "-",
        body.to_str().unwrap(),
    ]);
    let export =
        || Keyring::from_bytes(&run(&["--armor", "--export", "s@vendor.example"])).unwrap();
    assert!(matches!(
        with_keys(&signed, Some(export())).document.signed,
        Signature::Verified { .. }
    ));
    run(&[
        "--faked-system-time",
        expiry_set,
        "--quick-set-expire",
        &primary,
        "1d",
        &sub,
    ]);
    let a = with_keys(&signed, Some(export()));
    assert!(
        matches!(
            &a.document.signed,
            Signature::Bad { problem: BadSignature::KeyNotValid { fingerprint, reason }, .. }
                if *fingerprint == sub && reason == "the subkey expired on 2020-01-02"
        ),
        "{:?}",
        a.document.signed
    );
    assert!(
        codes_of(&a).contains(&codes::SIGNATURE_KEY_NOT_VALID),
        "{:?}",
        a.diagnostics
    );
    let r = check(&signed, Some(export()));
    assert_eq!(r.outcome, Outcome::Fail, "{}", r.summary);
    assert!(
        r.summary.contains("the subkey expired on 2020-01-02"),
        "{}",
        r.summary
    );
}
