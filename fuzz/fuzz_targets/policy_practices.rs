//! Privacy- and disclosure-policy analysis reads untrusted documents: it
//! must never panic, every sentence and finding must lie inside the
//! extracted text, and every quote must be the text its span names.
#![no_main]

use iotcheck_docs::disclosure::check_disclosure_policy;
use iotcheck_docs::privacy::{PRIVACY_CHECKS, analyze, check_privacy_document, classify_segment};
use iotcheck_docs::text::{self, Format, Limits};
use iotcheck_model::Evidence;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let format = [Format::Text, Format::Markdown, Format::Html, Format::Pdf][usize::from(selector % 4)];
    let limits = Limits {
        max_input_bytes: 1 << 20,
        max_text_bytes: 1 << 20,
        ..Limits::default()
    };
    let _ = classify_segment(&String::from_utf8_lossy(body));
    let _ = check_disclosure_policy(body, "fuzz.txt", &limits);
    let Ok(doc) = text::extract(body, format, &limits) else {
        return;
    };
    let a = analyze(&doc);
    for r in &a.sentences {
        assert!(doc.text.get(r.clone()).is_some(), "sentence {r:?} not in text");
    }
    for f in &a.findings {
        assert!(f.sentence < a.sentences.len() && f.segment < a.segments.len(), "{f:?}");
    }
    let results = check_privacy_document(&doc, "fuzz.txt");
    assert_eq!(results.len(), PRIVACY_CHECKS.len());
    let chars: Vec<char> = doc.text.chars().collect();
    for r in &results {
        for e in &r.evidence {
            if let Evidence::Text { span, quote, .. } = e {
                assert!(span.start <= span.end && span.end <= chars.len(), "{span:?}");
                let spanned: String = chars[span.start..span.end].iter().collect();
                let q = quote.strip_suffix('…').unwrap_or(quote);
                assert!(spanned.starts_with(q), "quote {quote:?} is not the text at {span:?}");
            }
        }
    }
});
