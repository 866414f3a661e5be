//! Document text extraction reads untrusted policies: for any bytes, in
//! every format, `sniff` is stable and `extract` either refuses cleanly or
//! returns blocks that are trimmed, non-empty, ascending, separated by a
//! blank line and on character boundaries, within the text limit.
#![no_main]

use std::sync::Once;
use std::time::Duration;

use iotcheck_docs::text::{BlockKind, Format, Limits, extract, sniff};
use libfuzzer_sys::fuzz_target;

static QUIET: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    // pdf-extract panics on malformed PDFs by design and the PDF path
    // catches those panics; libfuzzer-sys's hook would abort on them even
    // so. A silent hook keeps them caught; a panic that escapes still
    // aborts (libfuzzer-sys checks for one after each input).
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let limits = Limits {
        max_input_bytes: 1 << 16,
        max_text_bytes: 1 << 12,
        pdf_timeout: Duration::from_secs(5),
        pdf_max_memory: 64 << 20,
        pdf_helper: None,
    };
    let sniffed = sniff(data, "fuzz");
    assert_eq!(sniffed, sniff(data, "fuzz"));
    for format in [Format::Html, Format::Markdown, Format::Text, Format::Pdf] {
        let Ok(doc) = extract(data, format, &limits) else {
            continue;
        };
        assert_eq!(doc.format, format);
        assert!(doc.text.len() <= limits.max_text_bytes);
        let mut prev_end = 0;
        for (i, b) in doc.blocks.iter().enumerate() {
            let text = doc.text.get(b.span.clone()).expect("span on char boundaries");
            assert!(!text.is_empty() && text.trim() == text, "{format:?} block {i}: {text:?}");
            assert!(!text.contains("  ") && !text.contains('\n'), "{format:?} block {i}: {text:?}");
            if i > 0 {
                assert_eq!(doc.text.get(prev_end..b.span.start), Some("\n\n"), "{format:?}");
            }
            if let BlockKind::Heading(l) = b.kind {
                assert!((1..=6).contains(&l));
            }
            prev_end = b.span.end;
        }
        assert_eq!(prev_end, doc.text.len(), "{format:?}: text after the last block");
    }
});
