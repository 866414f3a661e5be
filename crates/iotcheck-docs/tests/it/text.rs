//! Document text extraction: hand-made fixtures per format
//! (tests/fixtures/text, see its PROVENANCE.md), the real Open Terms
//! Archive policies under shared/data (never copied into the repo),
//! hostile PDFs through both the helper process and the in-process path,
//! bounds, and properties on arbitrary bytes.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use iotcheck_docs::text::{
    BlockKind, Document, Format, Limits, PdfHelper, TextError, extract, sniff,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/text")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The block invariants every document must keep, whatever the input.
fn check(doc: &Document) -> Result<(), String> {
    let mut prev_end = 0;
    for (i, b) in doc.blocks.iter().enumerate() {
        let s = &b.span;
        let Some(text) = doc.text.get(s.clone()) else {
            return Err(format!(
                "block {i} {s:?} is not on char boundaries inside {} bytes",
                doc.text.len()
            ));
        };
        if text.is_empty() || text.trim() != text {
            return Err(format!("block {i} is empty or untrimmed: {text:?}"));
        }
        if text.contains("  ") || text.contains(['\n', '\t', '\r']) {
            return Err(format!("block {i} has uncollapsed whitespace: {text:?}"));
        }
        if s.start < prev_end || (i > 0 && doc.text.get(prev_end..s.start) != Some("\n\n")) {
            return Err(format!(
                "block {i} {s:?} does not follow the previous one with a blank line"
            ));
        }
        if let BlockKind::Heading(l) = b.kind
            && !(1..=6).contains(&l)
        {
            return Err(format!("heading level {l}"));
        }
        prev_end = s.end;
    }
    if doc.text.len() != prev_end {
        return Err(format!(
            "text has {} bytes after the last block",
            doc.text.len() - prev_end
        ));
    }
    Ok(())
}

fn valid(doc: &Document) {
    if let Err(e) = check(doc) {
        panic!("{e}\n{doc:#?}");
    }
}

fn blocks(doc: &Document) -> Vec<(BlockKind, &str)> {
    doc.blocks
        .iter()
        .map(|b| (b.kind, doc.block_text(b)))
        .collect()
}

fn has(doc: &Document, kind: BlockKind, text: &str) -> bool {
    blocks(doc).contains(&(kind, text))
}

fn assert_block(doc: &Document, kind: BlockKind, text: &str) {
    assert!(
        has(doc, kind, text),
        "no {kind:?} block {text:?} in {:#?}",
        blocks(doc)
    );
}

fn absent(doc: &Document, needles: &[&str]) {
    for n in needles {
        assert!(
            !doc.text.contains(n),
            "{n:?} should have been dropped: {}",
            doc.text
        );
    }
}

fn helper() -> PdfHelper {
    PdfHelper::new(
        env!("CARGO_BIN_EXE_iotcheck-pdf-text"),
        Vec::<String>::new(),
    )
}

fn with_helper() -> Limits {
    Limits {
        pdf_helper: Some(helper()),
        ..Limits::default()
    }
}

// ── sniff ───────────────────────────────────────────────────────────────

#[test]
fn sniff_uses_content_then_extension() {
    assert_eq!(
        sniff(&fixture("acme-privacy.pdf"), "policy.txt"),
        Format::Pdf
    );
    assert_eq!(sniff(&fixture("acme-privacy.html"), "x.md"), Format::Html);
    assert_eq!(sniff(&fixture("acme-vdp-cp1252.html"), "vdp"), Format::Html);
    assert_eq!(
        sniff(&fixture("acme-privacy.md"), "acme-privacy.md"),
        Format::Markdown
    );
    assert_eq!(sniff(&fixture("acme-privacy.txt"), "notice"), Format::Text);
    assert_eq!(sniff(b"  <!-- x --> <DIV>hi</DIV>", "page"), Format::Html);
    assert_eq!(
        sniff(b"<div align=center>logo</div>\n# Title", "README.MD"),
        Format::Markdown
    );
    assert_eq!(sniff(b"\xff\xfe<\0h\0t\0m\0l\0>\0", "x"), Format::Html);
    assert_eq!(sniff(b"plain words", "page.HTM"), Format::Html);
    assert_eq!(sniff(b"plain words", "x.markdown"), Format::Markdown);
    assert_eq!(sniff(b"", "noext"), Format::Text);
    assert_eq!(
        [Format::Html, Format::Markdown, Format::Text, Format::Pdf].map(Format::name),
        ["html", "markdown", "text", "pdf"]
    );
}

// ── HTML ────────────────────────────────────────────────────────────────

#[test]
fn html_policy_page_keeps_the_policy_and_drops_the_chrome() {
    let doc = extract(
        &fixture("acme-privacy.html"),
        Format::Html,
        &Limits::default(),
    )
    .unwrap();
    valid(&doc);
    assert_eq!(doc.format, Format::Html);
    assert_eq!(doc.title.as_deref(), Some("Privacy Policy | Acme Home"));
    let b = blocks(&doc);
    assert_eq!(b[0], (BlockKind::Heading(1), "Acme Home Privacy Policy"));
    // The article's own header is content, entities decoded.
    assert_eq!(
        b[1],
        (
            BlockKind::Paragraph,
            "Last updated: 1 March 2026 · Version 4.2"
        )
    );
    assert_block(&doc, BlockKind::Heading(2), "2. Data we collect");
    assert_block(
        &doc,
        BlockKind::Paragraph,
        "Acme Home Ltd. (“Acme”, “we”) makes the Acme Cam 2, the Acme Plug and the Acme Home app. \
         This policy explains what personal data our devices, apps and cloud services collect, why, \
         and the choices you have.",
    );
    assert_block(
        &doc,
        BlockKind::ListItem,
        "Device data: serial number, firmware version and Wi-Fi network name (never your Wi-Fi password).",
    );
    // A nested list: the outer item's own text, then the inner item.
    assert_block(
        &doc,
        BlockKind::ListItem,
        "Usage data: which app features you use and when.",
    );
    assert_block(
        &doc,
        BlockKind::ListItem,
        "Crash reports, only if you opt in.",
    );
    // Link text kept, URL dropped.
    assert_block(
        &doc,
        BlockKind::ListItem,
        "Video clips, only when cloud recording is on.",
    );
    for cell in [
        "Data",
        "Retention period",
        "Video clips",
        "14 days, then deleted automatically",
    ] {
        assert_block(&doc, BlockKind::TableCell, cell);
    }
    assert_block(&doc, BlockKind::Paragraph, "Retention periods");
    // The policy's own cookie section is not a cookie banner.
    assert_block(&doc, BlockKind::Heading(2), "4. Cookies");
    // A mailto link whose text hides the address gets it added.
    assert!(
        doc.text
            .contains("or by writing to us (privacy@acme.example)."),
        "{}",
        doc.text
    );
    assert!(doc.text.contains("reached at dpo@acme.example."));
    assert!(!doc.text.contains("dpo@acme.example (dpo@acme.example)"));
    // Two <br>s start a new block; dt/dd are blocks.
    assert_block(
        &doc,
        BlockKind::Paragraph,
        "Residents of California have additional rights under the CCPA.",
    );
    assert_block(&doc, BlockKind::Paragraph, "Supervisory authority");
    assert_block(
        &doc,
        BlockKind::Paragraph,
        "You may complain to the Information Commissioner’s Office.",
    );
    // The article's footer is the article's, kept.
    assert_block(&doc, BlockKind::Paragraph, "Policy reference ACME-PP-4.2");
    absent(
        &doc,
        &[
            "STYLE TEXT",
            "SCRIPT TEXT",
            "dataLayer",
            "ONETRUST",
            "CUSTOM COOKIE DIALOG",
            "Your cookie choices",
            "Accept all",
            "Skip to main content",
            "Smart plugs",
            "Search acme.example",
            "Legal",
            "HIDDEN NEWSLETTER",
            "ARIA HIDDEN",
            "MODAL TEXT",
            "FOOTER",
            "NOSCRIPT",
            "TEMPLATE TEXT",
            "JSON-LD",
            "Acme Home logo",
            "https://",
        ],
    );
    assert!(
        doc.notes
            .iter()
            .any(|n| n == "read only the page's <main> content"),
        "{:?}",
        doc.notes
    );
    // The hidden newsletter box and the aria-hidden aside; the modal inside
    // <main> (chrome outside <main> is never walked, so never counted).
    assert!(
        doc.notes
            .iter()
            .any(|n| n.starts_with("dropped 2 hidden elements")),
        "{:?}",
        doc.notes
    );
    assert!(
        doc.notes
            .iter()
            .any(|n| n.starts_with("dropped 1 cookie banner or dialog")),
        "{:?}",
        doc.notes
    );
}

#[test]
fn html_legacy_encoding_and_class_based_chrome_without_main() {
    let doc = extract(
        &fixture("acme-vdp-cp1252.html"),
        Format::Html,
        &Limits::default(),
    )
    .unwrap();
    valid(&doc);
    assert_eq!(
        doc.title.as_deref(),
        Some("Acme Home – Vulnerability Disclosure Policy")
    );
    assert_eq!(
        blocks(&doc)[0],
        (BlockKind::Heading(1), "Vulnerability Disclosure Policy")
    );
    assert_block(
        &doc,
        BlockKind::Paragraph,
        "Acme Home welcomes reports from security researchers. If you believe you’ve found a \
         vulnerability in an Acme product, please tell us – we’ll respond within 5 working days.",
    );
    assert!(
        doc.text
            .contains("Email our PSIRT (security@acme.example) or use the form")
    );
    assert_block(
        &doc,
        BlockKind::ListItem,
        "Acme Cam 2 (all firmware versions)",
    );
    assert_block(&doc, BlockKind::ListItem, "Acme Plug");
    assert_block(&doc, BlockKind::ListItem, "The Acme Home app");
    assert!(doc.text.contains("Café-grade support"));
    absent(
        &doc,
        &[
            "BANNER ROLE",
            "TOP MENU",
            "CAMEL NAV",
            "COOKIEBOT",
            "GDPR NOTICE",
            "DISPLAY NONE",
            "FOOTER ELEMENT",
        ],
    );
    // Declared windows-1252 and read as such: no note needed.
    assert!(
        !doc.notes.iter().any(|n| n.contains("UTF-8")),
        "{:?}",
        doc.notes
    );
    assert!(
        doc.notes
            .iter()
            .any(|n| n.starts_with("dropped 2 navigation blocks")),
        "{:?}",
        doc.notes
    );
}

#[test]
fn html_undeclared_legacy_bytes_fall_back_to_windows_1252_with_a_note() {
    let doc = extract(
        b"<p>Caf\xe9 \x93quoted\x94</p>",
        Format::Html,
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(doc.text, "Café “quoted”");
    assert!(
        doc.notes.iter().any(|n| n.contains("Windows-1252")),
        "{:?}",
        doc.notes
    );
}

#[test]
fn html_where_chrome_rules_leave_nothing_is_read_again_leniently() {
    let page =
        b"<body><div class='navbar'><p>Our privacy policy: we keep nothing.</p></div></body>";
    let doc = extract(page, Format::Html, &Limits::default()).unwrap();
    assert_eq!(doc.text, "Our privacy policy: we keep nothing.");
    assert!(
        doc.notes.iter().any(|n| n.contains("left no text")),
        "{:?}",
        doc.notes
    );
}

#[test]
fn html_articles_are_taken_when_there_is_no_main() {
    let page =
        b"<div class=nav-x>Menu</div><article><h1>A</h1><article><p>inner</p></article></article>\
                 <p>between</p><article><p>B</p></article>";
    let doc = extract(page, Format::Html, &Limits::default()).unwrap();
    assert_eq!(doc.text, "A\n\ninner\n\nB");
    assert!(
        doc.notes
            .contains(&"read only the page's 2 <article> elements".to_owned())
    );
}

/// 100,000 nested elements: no stack overflow, no quadratic parse.
#[test]
fn html_deep_nesting_is_bounded() {
    for open in [
        "<div>",
        "<span>",
        "<b>",
        "<a href=x>",
        "<table><tr><td>",
        "<ul><li>",
        "<blockquote>",
    ] {
        let mut page = String::from("<!doctype html><body>");
        for _ in 0..100_000 {
            page.push_str(open);
        }
        page.push_str("deep text");
        let started = Instant::now();
        let doc = extract(page.as_bytes(), Format::Html, &Limits::default()).unwrap();
        let took = started.elapsed();
        valid(&doc);
        assert!(doc.text.contains("deep text"), "{open}: {:?}", doc.text);
        // A debug build takes a few seconds per tag here, more on a loaded
        // two-core machine; a quadratic walk of 100,000 levels would take
        // hours. The bound only has to tell those apart.
        assert!(took < Duration::from_secs(60), "{open}: {took:?}");
    }
}

#[test]
fn html_many_siblings_deep_down_stay_linear() {
    // 200 levels (under the depth cap, so all parsed as elements), then
    // 50,000 sibling blocks: each start tag makes html5ever scan the open
    // elements, so this is 200 × 50,000, not quadratic in the input.
    let mut page = "<div>".repeat(200);
    for _ in 0..50_000 {
        page.push_str("<div>x</div>");
    }
    let started = Instant::now();
    let doc = extract(page.as_bytes(), Format::Html, &Limits::default()).unwrap();
    assert_eq!(doc.blocks.len(), 50_000);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    // Past the cap the tags go, the text stays (one block).
    let page = format!(
        "{}{}",
        "<div>".repeat(10_000),
        "<div>x</div>".repeat(50_000)
    );
    let doc = extract(page.as_bytes(), Format::Html, &Limits::default()).unwrap();
    valid(&doc);
    assert_eq!(doc.text.matches('x').count(), 50_000);
    assert!(
        doc.notes[0].starts_with("HTML nested deeper than 256 elements: "),
        "{:?}",
        doc.notes
    );
}

// ── Markdown ────────────────────────────────────────────────────────────

#[test]
fn markdown_blocks_links_tables_and_embedded_html() {
    let doc = extract(
        &fixture("acme-privacy.md"),
        Format::Markdown,
        &Limits::default(),
    )
    .unwrap();
    valid(&doc);
    assert_eq!(doc.title.as_deref(), Some("Acme Home Privacy Policy"));
    let b = blocks(&doc);
    assert_eq!(b[0], (BlockKind::Heading(1), "Acme Home Privacy Policy"));
    assert_eq!(
        b[1],
        (
            BlockKind::Paragraph,
            "Last updated 1 March 2026. This policy covers the Acme Cam 2, the Acme Plug and the Acme Home app."
        )
    );
    assert_block(&doc, BlockKind::Heading(2), "1. Data we collect");
    assert_block(
        &doc,
        BlockKind::ListItem,
        "Account data: name, email address",
    );
    assert_block(
        &doc,
        BlockKind::ListItem,
        "Device data: serial number, firmware version",
    );
    assert_block(
        &doc,
        BlockKind::ListItem,
        "Wi-Fi network name (never the password)",
    );
    assert_block(&doc, BlockKind::ListItem, "First we ask.");
    assert_block(&doc, BlockKind::TableCell, "Retention period");
    assert_block(
        &doc,
        BlockKind::TableCell,
        "14 days then deleted automatically",
    );
    assert_block(
        &doc,
        BlockKind::Paragraph,
        "Email privacy@acme.example or our DPO (dpo@acme.example), or use the form at \
         https://acme.example/privacy/request. https://acme.example/empty-link",
    );
    assert_block(
        &doc,
        BlockKind::Paragraph,
        "Residents of California: see the CCPA notice at acme.example/ccpa.",
    );
    assert_block(
        &doc,
        BlockKind::Paragraph,
        "You can delete your account in the app at any time.",
    );
    assert_block(&doc, BlockKind::Heading(3), "Changes");
    assert_block(&doc, BlockKind::Paragraph, "By email and in the app.");
    absent(
        &doc,
        &[
            "EMBEDDED COOKIE",
            "on a shelf",
            "cam2.jpg",
            "](",
            "<br>",
            "**",
        ],
    );
}

fn ota_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/policies/opentermsarchive");
    assert!(
        dir.is_dir(),
        "shared test data missing: expected {} (see shared/data/MANIFEST.md); these tests read \
         real vendor policies (Open Terms Archive) from there and cannot run without them",
        dir.display()
    );
    dir
}

/// The real vendor policies: structure, not text (no snapshots).
#[test]
fn real_open_terms_archive_policies() {
    let dir = ota_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "expected at least 10 policies in {}, found {}",
        dir.display(),
        files.len()
    );
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(sniff(&bytes, &name), Format::Markdown, "{name}");
        let doc = extract(&bytes, Format::Markdown, &Limits::default()).unwrap();
        if let Err(e) = check(&doc) {
            panic!("{name}: {e}");
        }
        // Long documents have many blocks; short ones (a one-page
        // disclosure policy, terms written as a few long paragraphs) at
        // least one per 2 KB.
        let min_blocks = if bytes.len() > 20_000 {
            20
        } else {
            (bytes.len() / 2000).max(3)
        };
        assert!(
            doc.blocks.len() >= min_blocks,
            "{name}: {} blocks",
            doc.blocks.len()
        );
        assert!(
            doc.blocks
                .iter()
                .any(|b| matches!(b.kind, BlockKind::Heading(_))),
            "{name}: no heading"
        );
        for b in &doc.blocks {
            let t = doc.block_text(b);
            assert!(
                !t.contains("](http") && !t.contains("](mailto"),
                "{name}: link markup left: {t}"
            );
            assert!(!t.contains("<br>"), "{name}: inline HTML left: {t}");
        }
        // Every address a mailto link points at survives as text.
        let src = String::from_utf8_lossy(&bytes);
        for (i, _) in src.match_indices("(mailto:") {
            let raw: String = src[i + 8..]
                .chars()
                .take_while(|c| !matches!(c, ')' | '?' | ' '))
                .collect();
            let addr = raw.replace("%20", "").replace("%40", "@");
            assert!(doc.text.contains(&addr), "{name}: {addr} lost");
        }
        // Tables come out as cells.
        if src
            .lines()
            .any(|l| l.trim_start().starts_with("| ---") || l.trim_start().starts_with("|---"))
        {
            assert!(
                doc.blocks.iter().any(|b| b.kind == BlockKind::TableCell),
                "{name}: table lost"
            );
        }
        assert!(
            doc.notes.iter().all(|n| !n.contains("truncated")),
            "{name}: {:?}",
            doc.notes
        );
    }
}

// ── Plain text ──────────────────────────────────────────────────────────

#[test]
fn text_paragraphs_headings_and_list_items() {
    let doc = extract(
        &fixture("acme-privacy.txt"),
        Format::Text,
        &Limits::default(),
    )
    .unwrap();
    valid(&doc);
    assert_eq!(doc.title, None);
    assert_eq!(
        blocks(&doc),
        vec![
            (BlockKind::Heading(2), "ACME HOME PRIVACY NOTICE"),
            (
                BlockKind::Paragraph,
                "Acme Home Ltd. makes the Acme Cam 2 and the Acme Plug. This notice explains what \
                 personal data we collect and why."
            ),
            (BlockKind::Heading(2), "What we collect"),
            (BlockKind::ListItem, "your email address and name,"),
            (
                BlockKind::ListItem,
                "the device serial number and firmware version,"
            ),
            (
                BlockKind::ListItem,
                "video clips, only when cloud recording is on."
            ),
            (
                BlockKind::Paragraph,
                "Retention: account data is deleted within 30 days after you close your account; \
                 video clips after 14 days."
            ),
            (BlockKind::Paragraph, "Contact: privacy@acme.example"),
        ]
    );
    assert!(doc.notes.is_empty(), "{:?}", doc.notes);
    // The same text as UTF-16 (LE and BE, with BOMs) reads the same.
    for name in ["acme-privacy-utf16.txt", "acme-privacy-utf16be.txt"] {
        let other = extract(&fixture(name), Format::Text, &Limits::default()).unwrap();
        assert_eq!(other.text, doc.text, "{name}");
        assert_eq!(other.blocks, doc.blocks, "{name}");
    }
}

#[test]
fn text_in_windows_1252_is_read_with_a_note() {
    let doc = extract(
        &fixture("acme-notice-cp1252.txt"),
        Format::Text,
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(
        doc.text,
        "Café Acme – “privacy” notice.\n\nData is kept 30 days."
    );
    assert_eq!(
        doc.notes,
        vec!["not valid UTF-8 (first bad byte at offset 3): read as Windows-1252"]
    );
}

#[test]
fn binary_is_not_text() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    for format in [Format::Text, Format::Markdown, Format::Html] {
        let err = extract(png, format, &Limits::default()).unwrap_err();
        assert!(
            matches!(&err, TextError::NotText(m) if m.contains("NUL byte at offset 8")),
            "{err}"
        );
    }
}

// ── Bounds ──────────────────────────────────────────────────────────────

#[test]
fn input_over_the_limit_is_refused_before_parsing() {
    let limits = Limits {
        max_input_bytes: 100,
        ..Limits::default()
    };
    let big = vec![b'a'; 101];
    for format in [Format::Text, Format::Markdown, Format::Html, Format::Pdf] {
        let err = extract(&big, format, &limits).unwrap_err();
        assert!(
            matches!(err, TextError::TooLarge { len: 101, max: 100 }),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "the document is 101 bytes, more than the limit of 100 bytes"
        );
    }
    assert!(extract(&big[..100], Format::Text, &limits).is_ok());
}

#[test]
fn extracted_text_is_cut_at_the_limit_with_a_note() {
    let limits = Limits {
        max_text_bytes: 1000,
        ..Limits::default()
    };
    for (name, format) in [
        ("acme-privacy.html", Format::Html),
        ("acme-privacy.md", Format::Markdown),
        ("acme-privacy.txt", Format::Text),
    ] {
        let small = Limits {
            max_text_bytes: 200,
            ..limits.clone()
        };
        let doc = extract(&fixture(name), format, &small).unwrap();
        valid(&doc);
        assert!(
            doc.text.len() <= 200 && doc.text.len() > 150,
            "{name}: {}",
            doc.text.len()
        );
        assert!(
            doc.notes
                .iter()
                .any(|n| n == "text truncated at 200 bytes (the limit of extracted text)"),
            "{name}: {:?}",
            doc.notes
        );
    }
    // Multi-byte characters are never split.
    let doc = extract(
        "ééééé".as_bytes(),
        Format::Text,
        &Limits {
            max_text_bytes: 5,
            ..limits
        },
    )
    .unwrap();
    assert_eq!(doc.text, "éé");
}

// ── PDF ─────────────────────────────────────────────────────────────────

fn check_policy_pdf(doc: &Document) {
    valid(doc);
    assert_eq!(doc.format, Format::Pdf);
    assert_eq!(
        doc.title.as_deref(),
        Some("Acme Home Privacy Policy (PDF edition)")
    );
    assert_block(doc, BlockKind::Heading(2), "1. Who we are");
    assert_block(doc, BlockKind::Heading(2), "4. Contact");
    let who = blocks(doc)
        .into_iter()
        .find(|(_, t)| t.starts_with("Acme Home Ltd. makes"))
        .expect("first paragraph");
    assert_eq!(who.0, BlockKind::Paragraph);
    // Line-end hyphens undone; a compound's hyphen kept.
    assert!(
        who.1.contains("This notice explains what personal data"),
        "{}",
        who.1
    );
    assert!(doc.text.contains("your Wi-Fi network name"), "{}", doc.text);
    assert!(
        doc.text
            .contains("Write to privacy@acme.example or to our data protection officer")
    );
    // Page 2's running page number is not text.
    absent(doc, &["-2-"]);
    assert!(
        doc.text
            .contains("delete it within 30 days after you close the account.")
    );
}

#[test]
fn pdf_policy_in_process() {
    let doc = extract(
        &fixture("acme-privacy.pdf"),
        Format::Pdf,
        &Limits::default(),
    )
    .unwrap();
    check_policy_pdf(&doc);
    assert!(doc.notes.is_empty(), "{:?}", doc.notes);
}

#[test]
fn pdf_policy_through_the_helper_process_reads_the_same() {
    let bytes = fixture("acme-privacy.pdf");
    let doc = extract(&bytes, Format::Pdf, &with_helper()).unwrap();
    check_policy_pdf(&doc);
    let local = extract(&bytes, Format::Pdf, &Limits::default()).unwrap();
    assert_eq!(doc.text, local.text);
    assert_eq!(doc.blocks, local.blocks);
}

#[test]
fn pdf_page_without_text_gets_a_note() {
    for limits in [Limits::default(), with_helper()] {
        let doc = extract(&fixture("acme-privacy-scanned.pdf"), Format::Pdf, &limits).unwrap();
        valid(&doc);
        assert!(doc.text.contains("1. Who we are"));
        assert_eq!(doc.notes, vec!["page 3: no text (scanned image?)"]);
    }
}

#[test]
fn pdf_with_only_an_owner_password_is_read() {
    let doc = extract(
        &fixture("encrypted-owner-only.pdf"),
        Format::Pdf,
        &Limits::default(),
    )
    .unwrap();
    valid(&doc);
    assert!(
        doc.text.contains("Write to privacy@acme.example"),
        "{}",
        doc.text
    );
}

/// Each hostile PDF: a clean error (or partial text), within the time
/// limit, in both modes; never a panic in the caller.
#[test]
fn hostile_pdfs_give_clean_errors_in_both_modes() {
    let cases: &[(&str, &str)] = &[
        (
            "hostile-encrypted-user-password.pdf",
            "encrypted and needs a password",
        ),
        ("hostile-flate-bomb-1gib-double.pdf", "decompression bomb"),
        ("hostile-flate-bomb-64mib.pdf", "decompression bomb"),
        ("hostile-truncated.pdf", "not a readable PDF"),
    ];
    let small = Limits {
        pdf_max_memory: 64 << 20,
        ..Limits::default()
    };
    for (name, expect) in cases {
        for limits in [
            small.clone(),
            Limits {
                pdf_helper: Some(helper()),
                ..small.clone()
            },
        ] {
            let started = Instant::now();
            let r = extract(&fixture(name), Format::Pdf, &limits);
            let took = started.elapsed();
            assert!(took < limits.pdf_timeout, "{name}: {took:?}");
            match r {
                Err(TextError::Pdf(m)) => assert!(m.contains(expect), "{name}: {m}"),
                Ok(doc) => panic!("{name}: expected an error, got {doc:#?}"),
                Err(e) => panic!("{name}: {e}"),
            }
        }
    }
    // The garbage xref: lopdf may rebuild it or refuse; either is fine
    // as long as it is clean and what it reads is valid.
    for limits in [Limits::default(), with_helper()] {
        match extract(&fixture("hostile-garbage-xref.pdf"), Format::Pdf, &limits) {
            Ok(doc) => valid(&doc),
            Err(TextError::Pdf(m)) => assert!(m.contains("not a readable PDF"), "{m}"),
            Err(e) => panic!("{e}"),
        }
    }
}

/// The 1 GiB bomb with the default limits: refused by the stream check.
#[test]
fn flate_bomb_with_default_limits_is_refused_quickly() {
    let started = Instant::now();
    let err = extract(
        &fixture("hostile-flate-bomb-1gib-double.pdf"),
        Format::Pdf,
        &Limits::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the PDF could not be read: the stream at byte 7837 inflates to more than 256 MiB (a decompression bomb?)"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

/// A content stream of 2 million tiny operators passes the stream check
/// but needs far more memory to parse: the helper's RLIMIT_AS stops it.
#[test]
fn helper_memory_limit_stops_an_operator_flood() {
    let limits = Limits {
        pdf_max_memory: 256 << 20,
        pdf_helper: Some(helper()),
        ..Limits::default()
    };
    let started = Instant::now();
    let err = extract(&fixture("hostile-operator-flood.pdf"), Format::Pdf, &limits).unwrap_err();
    assert!(started.elapsed() < limits.pdf_timeout);
    assert!(
        matches!(&err, TextError::Pdf(m) if m.contains("more than the memory limit of 256 MiB")),
        "{err}"
    );
}

#[test]
fn helper_that_hangs_is_killed_at_the_timeout() {
    let limits = Limits {
        pdf_timeout: Duration::from_millis(300),
        pdf_helper: Some(PdfHelper::new("/bin/sleep", ["30"])),
        ..Limits::default()
    };
    let started = Instant::now();
    let err = extract(&fixture("acme-privacy.pdf"), Format::Pdf, &limits).unwrap_err();
    assert!(matches!(err, TextError::Timeout), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn helper_failures_are_named() {
    let missing = Limits {
        pdf_helper: Some(PdfHelper::new("/nonexistent/iotcheck", ["__pdf-text"])),
        ..Limits::default()
    };
    let err = extract(&fixture("acme-privacy.pdf"), Format::Pdf, &missing).unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot start the PDF helper /nonexistent/iotcheck"),
        "{err}"
    );
    // A program that is not the helper: its answer is refused.
    let wrong = Limits {
        pdf_helper: Some(PdfHelper::new("/bin/echo", ["hello"])),
        ..Limits::default()
    };
    let err = extract(&fixture("acme-privacy.pdf"), Format::Pdf, &wrong).unwrap_err();
    assert!(err.to_string().contains("answer is malformed"), "{err}");
}

#[test]
fn in_process_timeout() {
    // No time at all: the caller gets Timeout without waiting (the worker
    // thread finishes the small document on its own).
    let limits = Limits {
        pdf_timeout: Duration::ZERO,
        ..Limits::default()
    };
    let started = Instant::now();
    let err = extract(&fixture("acme-privacy.pdf"), Format::Pdf, &limits).unwrap_err();
    assert!(matches!(err, TextError::Timeout), "{err}");
    assert_eq!(
        err.to_string(),
        "PDF text extraction did not finish within the time limit"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
}

// ── Properties ──────────────────────────────────────────────────────────

fn small_limits() -> Limits {
    Limits {
        max_input_bytes: 1 << 16,
        max_text_bytes: 1 << 12,
        pdf_timeout: Duration::from_secs(10),
        pdf_max_memory: 64 << 20,
        pdf_helper: None,
    }
}

fn holds(bytes: &[u8], format: Format) -> Result<(), TestCaseError> {
    let _ = sniff(bytes, "x");
    if let Ok(doc) = extract(bytes, format, &small_limits()) {
        prop_assert_eq!(doc.format, format);
        check(&doc).map_err(TestCaseError::fail)?;
        prop_assert!(doc.text.len() <= small_limits().max_text_bytes);
    }
    Ok(())
}

/// Markup-ish strings: tags, entities, markdown punctuation, whitespace.
fn markup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<div>".to_owned()),
        Just("</div>".to_owned()),
        Just("<p>".to_owned()),
        Just("<li>".to_owned()),
        Just("<br>".to_owned()),
        Just("<td>".to_owned()),
        Just("<h2>".to_owned()),
        Just("<nav>".to_owned()),
        Just("<main>".to_owned()),
        Just("<a href='mailto:a@b.c'>".to_owned()),
        Just("</a>".to_owned()),
        Just("<script>".to_owned()),
        Just("&amp;".to_owned()),
        Just("\n\n".to_owned()),
        Just("- ".to_owned()),
        Just("# ".to_owned()),
        Just("| a | b |\n|---|---|\n".to_owned()),
        Just("[x](mailto:y@z)".to_owned()),
        Just("![i](j)".to_owned()),
        Just("ex-\nplain".to_owned()),
        "[a-zé€ .,-]{0,12}",
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn any_bytes_extract_cleanly_as_text_markdown_html(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for format in [Format::Text, Format::Markdown, Format::Html] {
            holds(&bytes, format)?;
        }
    }

    #[test]
    fn any_markup_extracts_cleanly(s in markup()) {
        for format in [Format::Text, Format::Markdown, Format::Html] {
            holds(s.as_bytes(), format)?;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Arbitrary bytes and damaged real PDFs, in process: an error or a
    /// valid document, never a panic.
    #[test]
    fn any_bytes_and_damaged_pdfs_extract_cleanly(
        bytes in proptest::collection::vec(any::<u8>(), 0..1024),
        cut in 0usize..20_000,
        flips in proptest::collection::vec((0usize..20_000, any::<u8>()), 0..8),
    ) {
        let mut pdf = b"%PDF-1.4\n".to_vec();
        pdf.extend(&bytes);
        holds(&pdf, Format::Pdf)?;
        let mut real = fixture("acme-privacy.pdf");
        for (at, b) in flips {
            let n = real.len();
            real[at % n] = b;
        }
        real.truncate(cut.max(8));
        holds(&real, Format::Pdf)?;
    }
}
