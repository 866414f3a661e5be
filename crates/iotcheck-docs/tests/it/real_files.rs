//! Real published security.txt files (shared/data/securitytxt, see its
//! MANIFEST.md): findings, outcomes and spans.

use iotcheck_docs::check_security_txt;
use iotcheck_docs::securitytxt::{FieldKind, Severity, Signature, text_at};
use iotcheck_model::{Evidence, Outcome};

use crate::{data_dir, date, found, problems, read, run};

/// The 100 files eikendev/sectxt generated as valid, with odd casing,
/// blanks, mixed line endings, non-ASCII comments and folded extension
/// fields. All expire 2030-04-12; judged a year before, none may have an
/// error or a warning.
#[test]
fn generated_valid_files_pass_without_errors_or_warnings() {
    let dir = data_dir().join("eikendev-sectxt/gen_unsigned");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".stxt"))
        .collect();
    names.sort();
    assert_eq!(
        names.len(),
        100,
        "expected the 100 generated files in {dir:?}"
    );
    for name in names {
        let bytes = read(&format!("eikendev-sectxt/gen_unsigned/{name}"));
        let a = run(&bytes, "2029-06-01");
        assert_eq!(problems(&a), vec![], "{name}: {:#?}", a.diagnostics);
        assert!(a.required.met(), "{name}");
        let r = check_security_txt(&bytes, &name, date("2029-06-01"));
        assert_eq!(r[0].outcome, Outcome::Pass, "{name}: {}", r[0].summary);
        for f in &a.document.fields {
            assert!(
                f.kind() != FieldKind::Extension || f.name.bytes().all(|b| b != b' '),
                "{name}: {f:?}"
            );
        }
    }
}

/// Each real valid file, judged a month before its own Expires: it passes
/// and has exactly these findings.
#[test]
fn real_valid_files_pass_before_their_expiry_with_known_findings() {
    type Case = (
        &'static str,
        &'static str,
        &'static [(&'static str, Option<usize>)],
    );
    let cases: &[Case] = &[
        (
            "eikendev-sectxt/valid_signed/opera_com.stxt",
            "2024-03-01",
            &[("signed-without-canonical", None)],
        ),
        (
            "eikendev-sectxt/valid_signed/redhat.stxt",
            "2025-02-15",
            &[
                ("signed-without-canonical", None),
                ("unknown-field", Some(25)),
                ("unknown-field", Some(26)),
            ],
        ),
        (
            // The signature block is the one of securitytxt_org.stxt (same
            // key, same creation time, SHA512) under a `Hash: SHA256` header.
            "eikendev-sectxt/valid_signed/rfc_signed.stxt",
            "2023-12-01",
            &[("signature-hash-mismatch", Some(1))],
        ),
        (
            "eikendev-sectxt/valid_signed/securitytxt_org.stxt",
            "2024-02-14",
            &[],
        ),
        (
            "eikendev-sectxt/valid_unsigned/github_com.stxt",
            "2023-03-10",
            &[],
        ),
        (
            "eikendev-sectxt/valid_unsigned/rfc_unsigned.stxt",
            "2023-12-01",
            &[],
        ),
        (
            "eikendev-sectxt/valid_unsigned/wordpress_org.stxt",
            "2024-12-01",
            &[],
        ),
        (
            "eikendev-sectxt/valid_unsigned/www_gov_uk.stxt",
            "2023-05-07",
            &[
                ("unknown-field", Some(10)),
                ("expires-space-separator", Some(11)),
            ],
        ),
        (
            "real-world/grapheneos.org.security.txt",
            "2026-11-25",
            &[("key-in-field", Some(6))],
        ),
    ];
    for (rel, today, want) in cases {
        let bytes = read(rel);
        let a = run(&bytes, today);
        assert_eq!(found(&a), want.to_vec(), "{rel}: {:#?}", a.diagnostics);
        assert!(
            a.diagnostics.iter().all(|d| d.severity != Severity::Error),
            "{rel}"
        );
        let r = check_security_txt(&bytes, rel, date(today));
        assert_eq!(r[0].outcome, Outcome::Pass, "{rel}: {}", r[0].summary);
    }
}

/// The same valid files judged on 2026-11-25: every one but GrapheneOS's
/// has expired, and the result says which date passed.
#[test]
fn stale_real_files_fail_with_their_expiry_date() {
    let cases = [
        (
            "eikendev-sectxt/valid_signed/opera_com.stxt",
            15,
            "2024-04-01",
        ),
        ("eikendev-sectxt/valid_signed/redhat.stxt", 28, "2025-03-15"),
        (
            "eikendev-sectxt/valid_signed/rfc_signed.stxt",
            19,
            "2023-12-31",
        ),
        (
            "eikendev-sectxt/valid_signed/securitytxt_org.stxt",
            5,
            "2024-03-14",
        ),
        (
            "eikendev-sectxt/valid_unsigned/github_com.stxt",
            7,
            "2023-04-10",
        ),
        (
            "eikendev-sectxt/valid_unsigned/rfc_unsigned.stxt",
            13,
            "2023-12-31",
        ),
        (
            "eikendev-sectxt/valid_unsigned/wordpress_org.stxt",
            2,
            "2024-12-31",
        ),
        (
            "eikendev-sectxt/valid_unsigned/www_gov_uk.stxt",
            11,
            "2023-06-07",
        ),
    ];
    for (rel, line, expired) in cases {
        let bytes = read(rel);
        let a = run(&bytes, "2026-11-25");
        let errors: Vec<_> = a
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| (d.code, d.line))
            .collect();
        assert_eq!(errors, vec![("expires-in-past", Some(line))], "{rel}");
        let r = check_security_txt(&bytes, rel, date("2026-11-25"));
        assert_eq!(r[0].outcome, Outcome::Fail);
        assert_eq!(r[0].summary, format!("Expires {expired} has passed"));
    }
}

#[test]
fn divd_expired_expires_is_reported_on_its_line() {
    let rel = "real-world/divd.nl.security.txt";
    let bytes = read(rel);
    let a = run(&bytes, "2026-11-25");
    assert_eq!(found(&a), vec![("expires-in-past", Some(5))]);
    let d = &a.diagnostics[0];
    assert_eq!(
        text_at(&a.text, d.span.unwrap()),
        Some("2026-01-01T00:01:00.000Z")
    );

    let r = check_security_txt(&bytes, "docs/security.txt", date("2026-11-25"));
    assert_eq!(r[0].check.as_str(), "docs.security-txt-valid");
    assert_eq!(r[0].outcome, Outcome::Fail);
    assert_eq!(r[0].summary, "Expires 2026-01-01 has passed");
    assert_eq!(r[0].input.as_deref(), Some("docs/security.txt"));
    let [
        Evidence::Text {
            document,
            span,
            quote,
        },
    ] = r[0].evidence.as_slice()
    else {
        panic!("{:?}", r[0].evidence)
    };
    assert_eq!(document, "docs/security.txt");
    assert_eq!(quote, "Expires: 2026-01-01T00:01:00.000Z");
    assert_eq!(text_at(&a.text, *span), Some(quote.as_str()));

    // The day it expires is still current; the day after is not.
    let on_the_day = check_security_txt(&bytes, rel, date("2026-01-01"));
    assert_eq!(on_the_day[0].outcome, Outcome::Pass);
    let after = check_security_txt(&bytes, rel, date("2026-01-02"));
    assert_eq!(after[0].outcome, Outcome::Fail);
}

#[test]
fn isoc_belgium_has_no_expires() {
    let bytes = read("real-world/isoc.be-istrust.org.security.txt");
    let a = run(&bytes, "2026-11-25");
    assert_eq!(found(&a), vec![("missing-expires", None)]);
    let r = check_security_txt(&bytes, "isoc", date("2026-11-25"));
    assert_eq!(r[0].outcome, Outcome::Fail);
    assert_eq!(r[0].summary, "no Expires field");
    assert!(
        matches!(&r[0].evidence[..], [Evidence::Input { message, .. }] if message == "no Expires field in 2 lines")
    );
}

/// CovidShield writes `Security policy:`, a name with a space: kept as an
/// (unknown) field and flagged, not mistaken for Policy.
#[test]
fn covidshield_non_standard_field_is_unknown() {
    let bytes = read("real-world/covidshield.app.security.txt");
    let a = run(&bytes, "2026-11-25");
    assert_eq!(
        found(&a),
        vec![
            ("missing-expires", None),
            ("invalid-field-name", Some(4)),
            ("unknown-field", Some(4)),
        ]
    );
    let unknown = a
        .diagnostics
        .iter()
        .find(|d| d.code == "unknown-field")
        .unwrap();
    assert_eq!(unknown.severity, Severity::Info);
    assert_eq!(
        text_at(&a.text, unknown.span.unwrap()),
        Some("Security policy")
    );
    assert_eq!(a.document.fields_of(FieldKind::Policy).count(), 0);
    assert_eq!(a.document.fields_of(FieldKind::Contact).count(), 1);
}

/// Signed files: the signed body is parsed, the armor is not, the spans
/// point into the original text, and the issuer key id is read from the
/// signature packet. Opera and Red Hat print their key in comments, which
/// confirms the decoded ids.
#[test]
fn signed_files_parse_the_body_with_spans_into_the_original_text() {
    let cases = [
        (
            "eikendev-sectxt/valid_signed/opera_com.stxt",
            12,
            "4A1BB804224DE5A4",
            Some("62CD131BB064942708ACFE624A1BB804224DE5A4"),
        ),
        (
            "eikendev-sectxt/valid_signed/redhat.stxt",
            9,
            "DCE3823597F5EAC4",
            None,
        ),
        (
            "eikendev-sectxt/valid_signed/rfc_signed.stxt",
            6,
            "B7ACAF980A48DAA7",
            Some("AC3F6904768283545A5283ABB7ACAF980A48DAA7"),
        ),
        (
            "eikendev-sectxt/valid_signed/securitytxt_org.stxt",
            6,
            "B7ACAF980A48DAA7",
            Some("AC3F6904768283545A5283ABB7ACAF980A48DAA7"),
        ),
        (
            "real-world/grapheneos.org.security.txt",
            5,
            "F9E712E59AF5F22A",
            Some("65EEFE022108E2B708CBFCF7F9E712E59AF5F22A"),
        ),
    ];
    for (rel, n_fields, key_id, fingerprint) in cases {
        let bytes = read(rel);
        let a = run(&bytes, "2020-01-01");
        let text = &a.text;
        let Signature::SignedNotVerified {
            armor_hashes,
            packet: Some(packet),
        } = &a.document.signed
        else {
            panic!("{rel}: {:?}", a.document.signed)
        };
        assert_eq!(armor_hashes.len(), 1, "{rel}");
        assert_eq!(packet.issuer_key_id.as_deref(), Some(key_id), "{rel}");
        assert_eq!(packet.issuer_fingerprint.as_deref(), fingerprint, "{rel}");
        assert_eq!(packet.signature_type, Some(0x01), "{rel}: canonical text");
        assert_eq!(a.document.signed.key_id(), Some(key_id));

        let sig_line = text
            .lines()
            .position(|l| l.trim_end() == "-----BEGIN PGP SIGNATURE-----")
            .unwrap()
            + 1;
        let fields = &a.document.fields;
        assert_eq!(fields.len(), n_fields, "{rel}: {fields:#?}");
        for f in fields {
            assert!(f.line > 3 && f.line < sig_line, "{rel}: {f:?}");
            assert!(!["hash", "version"].contains(&f.name.to_ascii_lowercase().as_str()));
            let quoted = text_at(text, f.span).unwrap();
            assert_eq!(quoted, format!("{}: {}", f.name, f.value), "{rel}");
            assert_eq!(text.lines().nth(f.line - 1).unwrap().trim_end(), quoted);
            assert_eq!(text_at(text, f.value_span), Some(f.value.as_str()));
        }
    }
}

/// Evidence of a passing result quotes every Contact and the Expires line,
/// with spans into the decoded text.
#[test]
fn passing_evidence_quotes_contacts_and_expires() {
    let rel = "eikendev-sectxt/valid_signed/opera_com.stxt";
    let bytes = read(rel);
    let text = String::from_utf8(bytes.clone()).unwrap();
    let r = check_security_txt(&bytes, rel, date("2024-03-01"));
    assert_eq!(
        r[0].summary,
        "3 Contact fields and Expires 2024-04-01 (signed by key 4A1BB804224DE5A4, key not verified)"
    );
    let quotes: Vec<&str> = r[0]
        .evidence
        .iter()
        .map(|e| match e {
            Evidence::Text { span, quote, .. } => {
                assert_eq!(text_at(&text, *span), Some(quote.as_str()));
                quote.as_str()
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        quotes,
        [
            "Contact: https://security.opera.com",
            "Contact: https://bugcrowd.com/opera",
            "Contact: mailto:security@opera.com",
            "Expires: 2024-04-01T00:00:00.000Z",
        ]
    );
}

/// Mixed LF/CRLF in the generated files is noted, not an error.
#[test]
fn mixed_line_endings_are_info() {
    let bytes = read("eikendev-sectxt/gen_unsigned/gen_unsigned_0001.stxt");
    let a = run(&bytes, "2029-06-01");
    let mixed: Vec<_> = a
        .diagnostics
        .iter()
        .filter(|d| d.code == "mixed-line-endings")
        .collect();
    assert_eq!(mixed.len(), 1);
    assert_eq!(mixed[0].severity, Severity::Info);
    assert_eq!(mixed[0].line, Some(2));
}

/// Folded extension values in the generated files (RFC 5322 §2.2.3) are
/// unfolded into the field, not reported as broken lines.
#[test]
fn folded_extension_fields_are_unfolded() {
    let bytes = read("eikendev-sectxt/gen_unsigned/gen_unsigned_0007.stxt");
    let a = run(&bytes, "2029-06-01");
    let f = a.document.fields.iter().find(|f| f.name == "!9").unwrap();
    assert_eq!((f.line, f.end_line), (11, 14));
    assert_eq!(f.value, "FVF\tf? #\t \t>\t^  O>.|Qd");
    let spanned: String = text_at(&a.text, f.value_span)
        .unwrap()
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n'))
        .collect();
    assert_eq!(spanned, f.value);
}
