//! Hand-written fixtures, one defect each, named for the defect.

use iotcheck_docs::securitytxt::{
    FieldKind, Limits, Severity, Signature, analyze, parse, parse_with_limits, text_at,
};
use iotcheck_docs::{check_security_txt, check_security_txt_with};
use iotcheck_model::{CheckResult, Evidence, Outcome};

use crate::{armor, date, found, problems, run, signature_packet, signed};

const TODAY: &str = "2026-11-25";
const CONTACT: &str = "Contact: mailto:security@example.com\n";
const EXPIRES: &str = "Expires: 2026-12-31T23:59:59Z\n";

fn check(bytes: &[u8]) -> CheckResult {
    let mut r = check_security_txt(bytes, "security.txt", date(TODAY));
    assert_eq!(r.len(), 1);
    r.remove(0)
}

/// Outcome, summary and evidence as one text, for snapshots.
fn render(r: &CheckResult) -> String {
    let mut s = format!("{} | {}\n", r.outcome, r.summary);
    for e in &r.evidence {
        s.push_str(&format!(
            "  {} | {}\n",
            e.locator(),
            e.detail().unwrap_or_default().escape_debug()
        ));
    }
    s
}

// ── Expires ─────────────────────────────────────────────────────────────

#[test]
fn two_expires_fields_fail() {
    let doc = format!("{CONTACT}{EXPIRES}Expires: 2027-01-31T00:00:00Z\n");
    let a = run(doc.as_bytes(), TODAY);
    assert_eq!(problems(&a), vec![("multiple-expires", Some(3))]);
    let r = check(doc.as_bytes());
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(r.summary, "Expires appears 2 times (lines 2, 3)");
    assert_eq!(r.evidence.len(), 2);
    insta::assert_snapshot!("two_expires", render(&r));
}

#[test]
fn bad_expires_dates_fail_with_the_position() {
    for (value, position) in [
        ("31/12/2026", 2),
        ("2026-12-31", 10),
        ("2026-12-31T23:59", 16),
        ("2026-02-30T00:00:00Z", 5),
        ("2026-12-31T23:59:59", 19),
    ] {
        let doc = format!("{CONTACT}Expires: {value}\n");
        let a = run(doc.as_bytes(), TODAY);
        assert_eq!(problems(&a), vec![("invalid-expires", Some(2))], "{value}");
        assert!(
            a.diagnostics[0]
                .message
                .contains(&format!("at character {position}")),
            "{value}: {}",
            a.diagnostics[0].message
        );
        let r = check(doc.as_bytes());
        assert_eq!(r.outcome, Outcome::Fail);
        assert_eq!(
            r.summary,
            format!("Expires {value:?} is not an RFC 3339 date-time")
        );
    }
}

#[test]
fn expires_on_the_assessment_day_is_current_in_utc() {
    // 23:30 at UTC-1 is already the next day in UTC.
    let doc = format!("{CONTACT}Expires: 2026-11-25T23:30:00-01:00\n");
    let r = check_security_txt(doc.as_bytes(), "s", date("2026-11-26"));
    assert_eq!(r[0].outcome, Outcome::Pass);
    // 00:30 at UTC+1 is still the previous day in UTC.
    let doc = format!("{CONTACT}Expires: 2026-11-26T00:30:00+01:00\n");
    let r = check_security_txt(doc.as_bytes(), "s", date("2026-11-26"));
    assert_eq!(r[0].outcome, Outcome::Fail);
    assert_eq!(r[0].summary, "Expires 2026-11-25 has passed");
}

#[test]
fn expires_more_than_a_year_ahead_is_a_warning_only() {
    let doc = format!("{CONTACT}Expires: 2027-11-26T00:00:00Z\n");
    let a = run(doc.as_bytes(), TODAY);
    assert_eq!(problems(&a), vec![("expires-too-far", Some(2))]);
    let r = check(doc.as_bytes());
    assert_eq!(r.outcome, Outcome::Pass);
    // Exactly a year ahead is fine.
    let doc = format!("{CONTACT}Expires: 2027-11-25T23:59:59Z\n");
    assert_eq!(problems(&run(doc.as_bytes(), TODAY)), vec![]);
}

#[test]
fn missing_everything_fails_with_both_reasons() {
    let r = check(b"");
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(r.summary, "no Contact field; no Expires field");
    let r = check(b"# only a comment\n");
    assert_eq!(r.summary, "no Contact field; no Expires field");
}

// ── Contact and URIs ────────────────────────────────────────────────────

#[test]
fn http_contact_is_an_insecure_scheme_warning_and_still_passes() {
    let doc = format!("Contact: http://example.com/security\n{EXPIRES}");
    let a = run(doc.as_bytes(), TODAY);
    assert_eq!(problems(&a), vec![("insecure-uri-scheme", Some(1))]);
    assert_eq!(a.diagnostics[0].severity, Severity::Warning);
    let r = check(doc.as_bytes());
    assert_eq!(r.outcome, Outcome::Pass);
    insta::assert_snapshot!("http_contact", render(&r));
}

#[test]
fn bare_email_contact_is_not_a_uri() {
    let doc = format!("Contact: security@example.com\n{EXPIRES}");
    let a = run(doc.as_bytes(), TODAY);
    assert_eq!(problems(&a), vec![("invalid-uri", Some(1))]);
    assert!(a.diagnostics[0].message.contains("mailto:"));
    let r = check(doc.as_bytes());
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(
        r.summary,
        "no valid Contact (1 Contact field without a URI)"
    );
    insta::assert_snapshot!("bare_email_contact", render(&r));
}

#[test]
fn empty_contact_value_is_reported() {
    let doc = format!("Contact:\n{EXPIRES}");
    let a = run(doc.as_bytes(), TODAY);
    assert_eq!(problems(&a), vec![("empty-value", Some(1))]);
    assert_eq!(check(doc.as_bytes()).outcome, Outcome::Fail);
}

#[test]
fn uri_problems_in_other_fields_do_not_decide_the_outcome() {
    let doc = format!(
        "{CONTACT}{EXPIRES}Policy: https://example.com/a policy\nEncryption: ldap://keys.example.com\nCanonical: http://example.com/.well-known/security.txt\n"
    );
    let a = run(doc.as_bytes(), TODAY);
    assert_eq!(
        found(&a),
        vec![
            ("invalid-uri", Some(3)),
            ("uncommon-uri-scheme", Some(4)),
            ("insecure-uri-scheme", Some(5)),
        ]
    );
    let r = check(doc.as_bytes());
    assert_eq!(r.outcome, Outcome::Pass);
    assert!(
        r.summary
            .ends_with("other findings: invalid-uri line 3, insecure-uri-scheme line 5"),
        "{}",
        r.summary
    );
}

#[test]
fn canonical_is_compared_with_where_the_file_came_from() {
    let doc =
        format!("{CONTACT}{EXPIRES}Canonical: https://example.com/.well-known/security.txt\n");
    let today = date(TODAY);
    let same = analyze(
        doc.as_bytes(),
        today,
        Some("https://EXAMPLE.com/.well-known/security.txt"),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(found(&same), vec![]);
    let elsewhere = analyze(
        doc.as_bytes(),
        today,
        Some("https://mirror.example.net/security.txt"),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(found(&elsewhere), vec![("canonical-mismatch", Some(3))]);
    let r = check_security_txt_with(
        doc.as_bytes(),
        "s",
        today,
        Some("https://mirror.example.net/security.txt"),
        &Limits::default(),
    );
    assert_eq!(r[0].outcome, Outcome::Pass);
}

// ── Other fields ────────────────────────────────────────────────────────

#[test]
fn preferred_languages_twice_and_bad_tags() {
    let doc =
        format!("{CONTACT}{EXPIRES}Preferred-Languages: en, fr_FR\nPreferred-Languages: de\n");
    let a = run(doc.as_bytes(), TODAY);
    assert_eq!(
        problems(&a),
        vec![
            ("invalid-language-tag", Some(3)),
            ("field-not-allowed-twice", Some(4)),
        ]
    );
}

#[test]
fn british_acknowledgements_is_unknown_with_a_hint() {
    let doc = format!("{CONTACT}{EXPIRES}Acknowledgements: https://example.com/thanks\n");
    let a = run(doc.as_bytes(), TODAY);
    assert_eq!(found(&a), vec![("unknown-field", Some(3))]);
    assert!(
        a.diagnostics[0]
            .message
            .contains("spells it Acknowledgments")
    );
    assert_eq!(a.document.fields_of(FieldKind::Acknowledgments).count(), 0);
}

#[test]
fn text_that_is_not_a_field_is_an_invalid_line() {
    let doc = format!("{CONTACT}Please write to us\n{EXPIRES}");
    let a = run(doc.as_bytes(), TODAY);
    assert_eq!(problems(&a), vec![("invalid-line", Some(2))]);
    assert_eq!(
        text_at(&a.text, a.diagnostics[0].span.unwrap()),
        Some("Please write to us")
    );
}

#[test]
fn only_extension_fields_fold_onto_the_next_line() {
    let doc = format!("X-Note: first part\n  second part\n{CONTACT}\tcontinued\n{EXPIRES}");
    let a = run(doc.as_bytes(), TODAY);
    assert_eq!(problems(&a), vec![("invalid-line", Some(4))]);
    let note = &a.document.fields[0];
    assert_eq!(note.value, "first part  second part");
    assert_eq!((note.line, note.end_line), (1, 2));
}

// ── Line endings, encoding, byte-order mark ─────────────────────────────

#[test]
fn crlf_lf_mixed_and_bare_cr() {
    let crlf = format!("{CONTACT}{EXPIRES}").replace('\n', "\r\n");
    assert_eq!(found(&run(crlf.as_bytes(), TODAY)), vec![]);
    assert_eq!(check(crlf.as_bytes()).outcome, Outcome::Pass);

    let mixed = format!("{}{EXPIRES}", CONTACT.replace('\n', "\r\n"));
    assert_eq!(
        found(&run(mixed.as_bytes(), TODAY)),
        vec![("mixed-line-endings", Some(2))]
    );

    let cr = format!("{CONTACT}{EXPIRES}").replace('\n', "\r");
    let a = run(cr.as_bytes(), TODAY);
    assert_eq!(found(&a), vec![("bad-line-ending", Some(1))]);
    assert_eq!(a.document.fields.len(), 2);
    assert_eq!(check(cr.as_bytes()).outcome, Outcome::Pass);
}

#[test]
fn invalid_utf8_fails_with_the_byte_offset() {
    let doc = format!("# S\u{e9}curit\u{e9}\n{CONTACT}{EXPIRES}");
    // Latin-1 encoding of the same text: é is one byte 0xE9.
    let latin1: Vec<u8> = doc.chars().map(|c| c as u32 as u8).collect();
    let a = run(&latin1, TODAY);
    assert_eq!(a.invalid_utf8_at, Some(3));
    assert_eq!(found(&a), vec![("not-utf8", Some(1))]);
    assert!(
        a.diagnostics[0]
            .message
            .contains("byte 0xe9 at byte offset 3")
    );
    assert_eq!(
        text_at(&a.text, a.diagnostics[0].span.unwrap()),
        Some("\u{fffd}")
    );
    let r = check(&latin1);
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(r.summary, "not UTF-8 (invalid byte at offset 3)");
    insta::assert_snapshot!("invalid_utf8", render(&r));
}

#[test]
fn utf16_is_text_in_the_wrong_encoding() {
    let doc = format!("{CONTACT}{EXPIRES}");
    let mut bytes = vec![0xff, 0xfe];
    bytes.extend(doc.encode_utf16().flat_map(u16::to_le_bytes));
    let a = run(&bytes, TODAY);
    assert_eq!(a.invalid_utf8_at, Some(0));
    assert!(
        a.diagnostics
            .iter()
            .any(|d| d.code == "not-utf8" && d.message.contains("UTF-16"))
    );
    assert_eq!(check(&bytes).outcome, Outcome::Fail);
}

#[test]
fn binary_and_oversized_input_is_an_error() {
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
    let r = check(png);
    assert_eq!(r.outcome, Outcome::Error);
    insta::assert_snapshot!("binary", render(&r));

    let huge = vec![b'#'; (1 << 20) + 1];
    let r = check(&huge);
    assert_eq!(r.outcome, Outcome::Error);
    assert_eq!(
        r.summary,
        "security.txt not read: 1048577 bytes, more than the 1048576-byte limit for a security.txt"
    );
}

#[test]
fn byte_order_mark_is_tolerated_with_a_warning() {
    let doc = format!("\u{feff}{CONTACT}{EXPIRES}");
    let a = run(doc.as_bytes(), TODAY);
    assert_eq!(found(&a), vec![("byte-order-mark", Some(1))]);
    assert_eq!(
        a.diagnostics[0].span.unwrap(),
        iotcheck_model::Span { start: 0, end: 1 }
    );
    let contact = &a.document.fields[0];
    assert_eq!(contact.name, "Contact");
    assert_eq!(contact.span.start, 1);
    assert_eq!(text_at(&a.text, contact.span), Some(CONTACT.trim_end()));
    let r = check(doc.as_bytes());
    assert_eq!(r.outcome, Outcome::Pass);
}

// ── Limits ──────────────────────────────────────────────────────────────

#[test]
fn huge_line_is_reported_and_skipped() {
    let long = format!("Contact: https://example.com/{}\n", "a".repeat(10_000));
    let doc = format!("{long}{CONTACT}{EXPIRES}");
    let a = run(doc.as_bytes(), TODAY);
    assert_eq!(found(&a), vec![("line-too-long", Some(1))]);
    assert_eq!(a.document.fields_of(FieldKind::Contact).count(), 1);
    assert_eq!(check(doc.as_bytes()).outcome, Outcome::Pass);
}

#[test]
fn line_and_byte_limits_stop_reading() {
    let many = format!("{CONTACT}{EXPIRES}{}", "# note\n".repeat(20_000));
    let a = run(many.as_bytes(), TODAY);
    assert_eq!(found(&a), vec![("too-many-lines", Some(10_001))]);
    assert_eq!(a.document.line_count, 10_000);

    let limits = Limits {
        max_bytes: CONTACT.len() + "Expires:".len(),
        ..Limits::default()
    };
    let doc = parse_with_limits(&format!("{CONTACT}{EXPIRES}"), &limits);
    assert_eq!(doc.diagnostics[0].code, "too-large");
    assert_eq!(doc.fields.len(), 2);
    assert_eq!(doc.fields[1].value, "");

    let limits = Limits {
        max_diagnostics: 3,
        ..Limits::default()
    };
    let noisy = "not a field\n".repeat(10);
    let doc = parse_with_limits(&noisy, &limits);
    assert_eq!(doc.diagnostics.len(), 4);
    assert_eq!(doc.diagnostics[3].code, "too-many-diagnostics");
}

// ── OpenPGP cleartext signatures ────────────────────────────────────────

#[test]
fn dash_escaped_signed_body_maps_spans_to_the_original() {
    let body = format!("# S\u{e9}curit\u{e9} \u{2713}\n- {CONTACT}- -X-Dashed: yes\n{EXPIRES}");
    let doc = signed(&body);
    let a = run(doc.as_bytes(), TODAY);
    assert_eq!(
        found(&a),
        vec![
            ("signed-without-canonical", None),
            ("unknown-field", Some(6))
        ]
    );
    let Signature::SignedNotVerified {
        armor_hashes,
        packet: Some(p),
    } = &a.document.signed
    else {
        panic!("{:?}", a.document.signed)
    };
    assert_eq!(armor_hashes, &["SHA512"]);
    assert_eq!(p.issuer_key_id.as_deref(), Some("123456789ABCDEF0"));
    assert_eq!(p.created, Some(0x6500_0000));

    let names: Vec<_> = a
        .document
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.line))
        .collect();
    assert_eq!(names, [("Contact", 5), ("-X-Dashed", 6), ("Expires", 7)]);
    let contact = &a.document.fields[0];
    // Line 5 starts after 4 lines; the escape "- " is two characters.
    let line_start: usize = doc
        .split_inclusive('\n')
        .take(4)
        .map(|l| l.chars().count())
        .sum();
    assert_eq!(contact.span.start, line_start + 2);
    assert_eq!(text_at(&doc, contact.span), Some(CONTACT.trim_end()));
    assert_eq!(
        text_at(&doc, a.document.fields[1].span),
        Some("-X-Dashed: yes")
    );
    let r = check(doc.as_bytes());
    assert_eq!(r.outcome, Outcome::Pass);
    assert!(
        r.summary
            .contains("signed by key 123456789ABCDEF0, key not verified")
    );
}

#[test]
fn unescaped_dash_line_is_flagged() {
    let doc = signed(&format!(
        "{CONTACT}-Policy: https://example.com/p\n{EXPIRES}"
    ));
    let a = run(doc.as_bytes(), TODAY);
    assert_eq!(problems(&a), vec![("dash-not-escaped", Some(5))]);
    assert!(matches!(
        a.document.signed,
        Signature::SignedNotVerified { .. }
    ));
}

#[test]
fn truncated_signature_armor_is_malformed_but_fields_are_read() {
    let full = signed(&format!("{CONTACT}{EXPIRES}"));
    let cut = &full[..full.find("=").unwrap()];
    let a = run(cut.as_bytes(), TODAY);
    assert_eq!(problems(&a), vec![("signature-malformed", Some(6))]);
    let Signature::Malformed(reason) = &a.document.signed else {
        panic!("{:?}", a.document.signed)
    };
    assert!(reason.contains("truncated"), "{reason}");
    assert_eq!(a.document.fields.len(), 2);
    let r = check(cut.as_bytes());
    assert_eq!(r.outcome, Outcome::Pass);
    insta::assert_snapshot!("truncated_signature", render(&r));

    // No signature block at all after the signed text.
    let no_block = &full[..full.find("-----BEGIN PGP SIGNATURE").unwrap()];
    let a = run(no_block.as_bytes(), TODAY);
    assert_eq!(problems(&a), vec![("signature-malformed", Some(1))]);
    assert_eq!(a.document.fields.len(), 2);
}

#[test]
fn damaged_armor_is_malformed() {
    let good = signed(&format!("{CONTACT}{EXPIRES}"));
    let checksum_line = good
        .lines()
        .find(|l| l.starts_with('='))
        .unwrap()
        .to_string();
    let cases = [
        ("checksum", good.replace(&checksum_line, "=AAAA")),
        ("base64", {
            let data = good
                .lines()
                .skip_while(|l| !l.starts_with("-----BEGIN PGP SIGNATURE"))
                .nth(2)
                .unwrap();
            good.replacen(data, &format!("!!{}", &data[2..]), 1)
        }),
        ("header", good.replace("Hash: SHA512\n\n", "Hash: SHA512\n")),
        ("packet", {
            let bogus = armor(&[0xc6, 1, 0]);
            let start = good.find("-----BEGIN PGP SIGNATURE").unwrap();
            format!("{}{bogus}", &good[..start])
        }),
    ];
    for (what, doc) in cases {
        let a = run(doc.as_bytes(), TODAY);
        assert!(
            matches!(a.document.signed, Signature::Malformed(_)),
            "{what}: {:?}",
            a.document.signed
        );
        assert!(
            a.diagnostics
                .iter()
                .any(|d| d.code == "signature-malformed"),
            "{what}"
        );
        assert_eq!(
            a.document.fields_of(FieldKind::Contact).count(),
            1,
            "{what}"
        );
    }
}

#[test]
fn content_outside_the_signature_is_ignored() {
    let doc = format!(
        "Contact: mailto:attacker@example.net\n{}# trailing\n",
        signed(&format!("{CONTACT}{EXPIRES}"))
    );
    let a = run(doc.as_bytes(), TODAY);
    let outside: Vec<_> = a
        .diagnostics
        .iter()
        .filter(|d| d.code == "content-outside-signature")
        .map(|d| d.line)
        .collect();
    assert_eq!(outside, vec![Some(1), Some(12)]);
    let contacts: Vec<_> = a
        .document
        .fields_of(FieldKind::Contact)
        .map(|f| f.value.as_str())
        .collect();
    assert_eq!(contacts, ["mailto:security@example.com"]);
}

#[test]
fn stray_signature_block_in_an_unsigned_file() {
    let armor_only = armor(&signature_packet());
    let doc = format!("{CONTACT}{EXPIRES}{armor_only}");
    let a = run(doc.as_bytes(), TODAY);
    assert_eq!(problems(&a), vec![("signature-malformed", Some(3))]);
    assert_eq!(a.document.fields.len(), 2);
}

/// Found by the fuzzer: an extension field before a stray signature block
/// was "continued" by an indented line after the block, and its value span
/// swallowed the armor.
#[test]
fn folding_does_not_reach_across_a_removed_signature_block() {
    let doc = format!(
        "X-Note: one\n{}  two\n{CONTACT}{EXPIRES}",
        armor(&signature_packet())
    );
    let a = run(doc.as_bytes(), TODAY);
    let note = &a.document.fields[0];
    assert_eq!((note.value.as_str(), note.end_line), ("one", 1));
    assert_eq!(
        problems(&a),
        vec![("signature-malformed", Some(2)), ("invalid-line", Some(7))]
    );
}

#[test]
fn parse_alone_reports_form_not_content() {
    let doc = parse("Contact: not a uri\nHello\n");
    let codes: Vec<_> = doc.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["invalid-line"]);
    let content = iotcheck_docs::securitytxt::validate(&doc, date(TODAY), None);
    let codes: Vec<_> = content.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["missing-expires", "invalid-uri"]);
}

#[test]
fn evidence_spans_match_quotes_for_non_ascii_text() {
    let doc = format!("# \u{1F512} S\u{e9}curit\u{e9}\n{CONTACT}Expires: 2020-01-01T00:00:00Z\n");
    let r = check(doc.as_bytes());
    let [Evidence::Text { span, quote, .. }] = r.evidence.as_slice() else {
        panic!("{:?}", r.evidence)
    };
    assert_eq!(
        span.start,
        "# \u{1F512} S\u{e9}curit\u{e9}\n".chars().count() + CONTACT.len()
    );
    assert_eq!(text_at(&doc, *span), Some(quote.as_str()));
}
