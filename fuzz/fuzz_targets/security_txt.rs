//! security.txt analysis reads untrusted documents: it must never panic,
//! and every span it reports must lie inside the decoded text and quote
//! what it claims (names, values, evidence). Signature verification runs
//! too (rpgp on hostile packets), with a fixed key: it must agree with the
//! parse on everything but the signature.
#![no_main]

use std::sync::OnceLock;

use iotcheck_docs::check_security_txt;
use iotcheck_docs::fetch::Provenance;
use iotcheck_docs::securitytxt::{Keyring, Limits, Options, analyze, analyze_with, codes, text_at};
use iotcheck_model::{Date, Evidence};
use libfuzzer_sys::fuzz_target;

fn keys() -> &'static Keyring {
    static KEYS: OnceLock<Keyring> = OnceLock::new();
    KEYS.get_or_init(|| {
        Keyring::from_bytes(include_bytes!(
            "../../crates/iotcheck-docs/tests/fixtures/securitytxt/acme.pub.asc"
        ))
        .expect("the fixture key reads")
    })
}

fuzz_target!(|data: &[u8]| {
    let today = Date {
        year: 2026,
        month: 11,
        day: 25,
    };
    let decoded = String::from_utf8_lossy(data);
    let fetched = Some("https://example.com/.well-known/security.txt");
    if let Ok(a) = analyze(data, today, fetched, &Limits::default()) {
        assert_eq!(a.text, decoded);
        let n = a.text.chars().count();
        for f in &a.document.fields {
            for s in [f.span, f.name_span, f.value_span] {
                assert!(s.start <= s.end && s.end <= n, "{s:?} outside {n}: {f:?}");
            }
            assert_eq!(text_at(&a.text, f.name_span), Some(f.name.as_str()));
            // Unfolding removes line breaks and the dash escapes after them.
            let spanned = text_at(&a.text, f.value_span).unwrap_or_default();
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
            assert_eq!(value, f.value);
        }
        for d in &a.diagnostics {
            assert!(codes::ALL.contains(&d.code), "{}", d.code);
            if let Some(s) = d.span {
                assert!(s.start <= s.end && s.end <= n, "{s:?} outside {n}: {d:?}");
            }
        }
    }
    let opts = Options {
        provenance: Some(Provenance::url_only(
            "http://example.com/.well-known/security.txt",
        )),
        keys: Some(keys().clone()),
        limits: Limits::default(),
    };
    if let (Ok(plain), Ok(verified)) = (
        analyze(data, today, None, &Limits::default()),
        analyze_with(data, today, &opts),
    ) {
        assert_eq!(plain.document.fields, verified.document.fields);
        assert_eq!(plain.required, verified.required);
        assert_eq!(
            plain.document.signed.is_signed(),
            verified.document.signed.is_signed()
        );
        assert_eq!(
            plain.document.signed_text(),
            verified.document.signed_text()
        );
        for d in &verified.diagnostics {
            assert!(codes::ALL.contains(&d.code), "{}", d.code);
        }
    }
    let results = check_security_txt(data, "fuzz", today);
    assert_eq!(results.len(), 1);
    for e in &results[0].evidence {
        if let Evidence::Text { span, quote, .. } = e {
            assert_eq!(text_at(&decoded, *span), Some(quote.as_str()));
        }
    }
});
