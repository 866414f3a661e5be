//! Properties: no panics on any input, every span inside the text and
//! quoting what it claims, and render → parse round trips.

use iotcheck_docs::check_security_txt;
use iotcheck_docs::securitytxt::{Diagnostic, Limits, SecurityTxt, analyze, codes, parse, text_at};
use iotcheck_model::{Evidence, Outcome};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::{date, problems, signed};

/// Every span lies inside `text` (character offsets, so on character
/// boundaries by construction), names and values quote themselves, and
/// diagnostic spans are in range too.
fn spans_hold(text: &str, doc: &SecurityTxt, diags: &[Diagnostic]) -> Result<(), TestCaseError> {
    let n = text.chars().count();
    for f in &doc.fields {
        for s in [f.span, f.name_span, f.value_span] {
            prop_assert!(
                s.start <= s.end && s.end <= n,
                "{s:?} outside {n} chars: {f:?}"
            );
        }
        prop_assert_eq!(f.span.start, f.name_span.start);
        prop_assert_eq!(f.span.end, f.value_span.end);
        prop_assert_eq!(text_at(text, f.name_span), Some(f.name.as_str()));
        // A folded extension value spans the line breaks unfolding removed,
        // and in a signed text the dash escapes of the continuation lines
        // (a continuation starts with a blank, so "- " there is an escape).
        let spanned = text_at(text, f.value_span).unwrap_or_default();
        let value: String = spanned
            .split(['\r', '\n'])
            .filter(|seg| !seg.is_empty())
            .enumerate()
            .map(|(i, seg)| {
                if i > 0 {
                    seg.strip_prefix("- ").unwrap_or(seg)
                } else {
                    seg
                }
            })
            .collect();
        prop_assert_eq!(&value, &f.value);
        prop_assert!(f.line >= 1 && f.line <= f.end_line);
    }
    for d in diags {
        prop_assert!(codes::ALL.contains(&d.code), "unlisted code {}", d.code);
        if let Some(s) = d.span {
            prop_assert!(
                s.start <= s.end && s.end <= n,
                "{s:?} outside {n} chars: {d:?}"
            );
            prop_assert!(text_at(text, s).is_some());
        }
    }
    Ok(())
}

/// Tokens that steer the parser into its corners, mixed with noise.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Contact: ".to_string()),
        Just("Expires: ".to_string()),
        Just("Preferred-Languages: ".to_string()),
        Just("-----BEGIN PGP SIGNED MESSAGE-----".to_string()),
        Just("-----BEGIN PGP SIGNATURE-----".to_string()),
        Just("-----END PGP SIGNATURE-----".to_string()),
        Just("Hash: SHA256".to_string()),
        Just("- ".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\r".to_string()),
        Just("\u{feff}".to_string()),
        Just(":".to_string()),
        Just(" ".to_string()),
        Just("\t".to_string()),
        Just("#".to_string()),
        Just("=".to_string()),
        "[A-Za-z0-9+/=]{0,70}",
        "\\PC{0,10}",
        ".{0,5}",
        "https://[a-z.]{1,10}/",
        "mailto:[a-z]{1,5}@x\\.y",
        "20[0-9]{2}-[01][0-9]-[0-3][0-9][Tt ][0-2][0-9]:[0-5][0-9]:[0-6][0-9](\\.[0-9]{1,3})?([Zz]|[+-][0-2][0-9]:[0-5][0-9])",
    ]
}

fn tokens() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..60).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn parse_never_panics_and_spans_hold(text in "\\PC*") {
        let doc = parse(&text);
        let content = iotcheck_docs::securitytxt::validate(&doc, date("2026-11-25"), Some("https://x/"));
        spans_hold(&text, &doc, &doc.diagnostics)?;
        spans_hold(&text, &doc, &content)?;
    }

    #[test]
    fn structured_noise_keeps_spans_in_the_text(text in tokens()) {
        let doc = parse(&text);
        spans_hold(&text, &doc, &doc.diagnostics)?;
        let content = iotcheck_docs::securitytxt::validate(&doc, date("2026-11-25"), None);
        spans_hold(&text, &doc, &content)?;
    }

    #[test]
    fn signed_noise_keeps_spans_in_the_text(body in tokens()) {
        let text = signed(&body);
        let doc = parse(&text);
        spans_hold(&text, &doc, &doc.diagnostics)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400), text in tokens(), cut in any::<prop::sample::Index>()) {
        for input in [bytes.clone(), {
            // Valid-looking text with a byte flipped to something invalid.
            let mut v = text.clone().into_bytes();
            if !v.is_empty() {
                let i = cut.index(v.len());
                v[i] = bytes.first().copied().unwrap_or(0xff) | 0x80;
            }
            v
        }] {
            let decoded = String::from_utf8_lossy(&input).into_owned();
            if let Ok(a) = analyze(&input, date("2026-11-25"), None, &Limits::default()) {
                prop_assert_eq!(&a.text, &decoded);
                spans_hold(&a.text, &a.document, &a.diagnostics)?;
            }
            let r = check_security_txt(&input, "s", date("2026-11-25"));
            prop_assert_eq!(r.len(), 1);
            for e in &r[0].evidence {
                if let Evidence::Text { span, quote, .. } = e {
                    prop_assert_eq!(text_at(&decoded, *span), Some(quote.as_str()));
                }
            }
        }
    }
}

// ── Round trip ──────────────────────────────────────────────────────────

/// A valid document as a list of lines: `Some((name, value))` for a field,
/// `None` for a comment or blank line.
#[derive(Debug, Clone)]
struct Generated {
    fields: Vec<(String, String)>,
    comments: Vec<String>,
    /// Per-line bits: case flips, blanks, endings, comments, dash escapes.
    seed: u64,
    signed: bool,
}

fn contact() -> impl Strategy<Value = String> {
    prop_oneof![
        "mailto:[a-z]{1,8}@[a-z]{1,8}\\.(com|org)",
        "https://[a-z]{1,8}\\.example(/[a-z0-9._~-]{0,8}){0,3}",
        "tel:\\+[0-9]{6,12}",
    ]
}

fn optional_field() -> impl Strategy<Value = (String, String)> {
    let https =
        "https://[a-z]{1,8}\\.example(/([a-z0-9._~-]|%[0-9A-F]{2}){0,8}){0,3}(\\?[a-z]=[0-9])?";
    prop_oneof![
        https.prop_map(|v| ("Acknowledgments".to_string(), v)),
        https.prop_map(|v| ("Policy".to_string(), v)),
        https.prop_map(|v| ("Hiring".to_string(), v)),
        https.prop_map(|v| ("Canonical".to_string(), v)),
        https.prop_map(|v| ("CSAF".to_string(), v)),
        https.prop_map(|v| ("Encryption".to_string(), v)),
        "openpgp4fpr:[0-9a-f]{40}".prop_map(|v| ("Encryption".to_string(), v)),
        // Extension fields: any printable name, unstructured value.
        ("X-[A-Za-z0-9!-9;-~]{1,8}", "([!-~]([ -~]{0,15}[!-~])?)?").prop_map(|(n, v)| (n, v)),
    ]
}

fn generated() -> impl Strategy<Value = Generated> {
    (
        prop::collection::vec(contact(), 1..4),
        "2030-0[1-4]-(0[1-9]|1[0-9]|2[0-8])[Tt][01][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,3})?([Zz]|[+-]0[0-9]:[03]0)",
        prop::collection::vec(optional_field(), 0..6),
        prop::option::of("[a-z]{2}(-[A-Z]{2})?(, ?[a-z]{2}){0,2}"),
        prop::collection::vec("\\PC{0,12}", 8),
        any::<u64>(),
        any::<bool>(),
    )
        .prop_flat_map(|(contacts, expires, others, langs, comments, seed, signed)| {
            let mut fields: Vec<(String, String)> = contacts
                .into_iter()
                .map(|c| ("Contact".to_string(), c))
                .collect();
            fields.push(("Expires".to_string(), expires));
            fields.extend(others);
            if let Some(l) = langs {
                fields.push(("Preferred-Languages".to_string(), l));
            }
            (Just(fields).prop_shuffle(), Just(comments), Just(seed), Just(signed))
        })
        .prop_map(|(fields, comments, seed, signed)| Generated {
            fields,
            comments,
            seed,
            signed,
        })
}

/// Writes the document, varying name case, blanks, line endings, comments
/// and (when signed) dash escapes from the seed. Returns the text and the
/// fields as written.
fn render(g: &Generated) -> (String, Vec<(String, String)>) {
    let mut bits = g.seed;
    let mut next = |n: u32| {
        let v = bits & ((1 << n) - 1);
        bits = bits.rotate_right(n) ^ 0x9E37_79B9_7F4A_7C15;
        v
    };
    let mut body = String::new();
    let mut written = Vec::new();
    for (i, (name, value)) in g.fields.iter().enumerate() {
        let eol = if next(1) == 1 { "\r\n" } else { "\n" };
        if next(2) == 0 {
            body.push_str(&format!("#{}{eol}", g.comments[i % g.comments.len()]));
        }
        if next(3) == 0 {
            body.push_str(&format!("{}{eol}", [" ", "\t", ""][next(1) as usize]));
        }
        let name: String = name
            .chars()
            .map(|c| {
                if next(1) == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        let after_colon = [" ", "  ", " \t", "\t"][next(2) as usize];
        let trailing = ["", " ", "\t ", ""][next(2) as usize];
        let escape = if g.signed && next(1) == 1 { "- " } else { "" };
        // An empty extension value must not swallow the next line as a
        // folded continuation: blank lines never fold, so that is safe.
        body.push_str(&format!(
            "{escape}{name}:{after_colon}{value}{trailing}{eol}"
        ));
        written.push((name, value.clone()));
    }
    let text = if g.signed { signed(&body) } else { body };
    (text, written)
}

proptest! {
    #[test]
    fn rendered_valid_documents_round_trip(g in generated()) {
        let (text, written) = render(&g);
        let doc = parse(&text);
        let got: Vec<(String, String)> =
            doc.fields.iter().map(|f| (f.name.clone(), f.value.clone())).collect();
        prop_assert_eq!(&got, &written, "{}", text);
        spans_hold(&text, &doc, &doc.diagnostics)?;

        let a = analyze(text.as_bytes(), date("2029-06-01"), None, &Limits::default()).unwrap();
        prop_assert_eq!(problems(&a), vec![], "{}", text);
        let r = check_security_txt(text.as_bytes(), "s", date("2029-06-01"));
        prop_assert_eq!(r[0].outcome, Outcome::Pass, "{}", r[0].summary);
    }
}
