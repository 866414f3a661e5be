//! Document text extraction: the vendor's privacy policy or disclosure
//! policy, as HTML, Markdown, plain text or PDF, turned into one normalised
//! text with typed blocks (headings, paragraphs, list items, table cells)
//! whose byte spans the analyzers quote as evidence.
//!
//! [`sniff`] guesses the format, [`extract`] reads it:
//!
//! - **Text**: UTF-8 (BOM or not), UTF-16 with a BOM, else
//!   Windows-1252 with a note; paragraphs are runs of non-blank lines.
//! - **Markdown**: pulldown-cmark events; links keep their text (a `mailto:`
//!   address always survives), images are dropped, HTML blocks go through
//!   the HTML path.
//! - **HTML**: html5ever (through scraper); page chrome (navigation, cookie
//!   banners, page header and footer, forms, hidden elements, scripts) is
//!   dropped; when the page has a `<main>` (or articles), only that is read.
//! - **PDF**: pdf-extract and lopdf, preferably in a helper process with a
//!   memory limit and a wall-clock timeout (see [`PdfHelper`]).
//!
//! Every path is bounded by [`Limits`]: input size (checked before any
//! parsing), extracted text size (truncated at a character boundary, with a
//! note), HTML nesting depth, PDF time and memory. Nothing here panics on
//! input or touches the network.
//!
//! What it deliberately does not do: OCR (a page without text is reported
//! in [`Document::notes`]), layout analysis of multi-column PDFs beyond what
//! pdf-extract gives, CSS (only inline `display:none` is honoured), or
//! fetching anything.
//!
//! ```
//! use iotcheck_docs::text::{extract, sniff, BlockKind, Format, Limits};
//!
//! let page = b"<!doctype html><title>Acme privacy</title>\
//!     <nav><a href=/>Home</a></nav>\
//!     <main><h1>Privacy</h1><p>Write to <a href='mailto:privacy@acme.example'>us</a>.</p></main>";
//! assert_eq!(sniff(page, "privacy"), Format::Html);
//! let doc = extract(page, Format::Html, &Limits::default()).unwrap();
//! assert_eq!(doc.text, "Privacy\n\nWrite to us (privacy@acme.example).");
//! assert_eq!(doc.blocks[0].kind, BlockKind::Heading(1));
//! assert_eq!(doc.title.as_deref(), Some("Acme privacy"));
//! ```

mod builder;
mod decode;
mod html;
mod markdown;
mod pdf;
mod plain;

use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

pub use pdf::pdf_child_main;

/// The formats [`extract`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Markdown,
    Text,
    Pdf,
}

impl Format {
    /// The lowercase name: "html", "markdown", "text", "pdf".
    pub fn name(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Markdown => "markdown",
            Format::Text => "text",
            Format::Pdf => "pdf",
        }
    }
}

/// How much of the input [`sniff`] looks at.
const SNIFF_BYTES: usize = 1024;

/// Guesses a document's format from its content first, then from the file
/// name's extension; the default is [`Format::Text`].
///
/// Content signals, in order: `%PDF-` in the first KiB (readers accept
/// leading junk); the text starting (after a BOM, whitespace and comments)
/// with `<!doctype html` or `<html`; then the text starting with a typical
/// HTML tag (`<head`, `<body`, `<meta`, `<div`, `<p>`, …). That last, weaker
/// signal does not overrule a `.md`/`.markdown` name, since Markdown may
/// begin with raw HTML. Extensions: `.md`/`.markdown`, `.txt`, `.htm`/
/// `.html`/`.xhtml`, `.pdf` (case-insensitive).
pub fn sniff(bytes: &[u8], name: &str) -> Format {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    if memchr::memmem::find(head, b"%PDF-").is_some() {
        return Format::Pdf;
    }
    let by_name = format_from_name(name);
    let start = decode::sniff_head(head);
    let start = skip_comments(start.trim_start());
    let lower: String = start
        .chars()
        .take(32)
        .collect::<String>()
        .to_ascii_lowercase();
    if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
        return Format::Html;
    }
    const TAGS: &[&str] = &[
        "<head", "<body", "<meta", "<title", "<div", "<p>", "<p ", "<link", "<script", "<style",
        "<table", "<h1", "<h2", "<section", "<article", "<main", "<header", "<nav",
    ];
    if by_name != Some(Format::Markdown) && TAGS.iter().any(|t| lower.starts_with(t)) {
        return Format::Html;
    }
    by_name.unwrap_or(Format::Text)
}

fn format_from_name(name: &str) -> Option<Format> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    match ext.as_str() {
        "md" | "markdown" => Some(Format::Markdown),
        "txt" | "text" => Some(Format::Text),
        "htm" | "html" | "xhtml" => Some(Format::Html),
        "pdf" => Some(Format::Pdf),
        _ => None,
    }
}

/// `s` after any leading `<!-- … -->` comments and the whitespace around them.
fn skip_comments(mut s: &str) -> &str {
    while let Some(rest) = s.strip_prefix("<!--") {
        match rest.find("-->") {
            Some(end) => s = rest[end + 3..].trim_start(),
            None => return "",
        }
    }
    s
}

/// Bounds on one extraction. Overridable; the defaults suit a policy page
/// or a policy PDF of a few hundred pages.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Larger inputs are refused with [`TextError::TooLarge`] before any
    /// parsing. Default 32 MiB.
    pub max_input_bytes: usize,
    /// Extracted text beyond this is cut at a character boundary, with a
    /// note. Default 8 MiB.
    pub max_text_bytes: usize,
    /// Wall-clock time a PDF extraction may take. Default 20 s.
    pub pdf_timeout: Duration,
    /// Address space the PDF helper process may use (RLIMIT_AS); in process
    /// (no helper) it sizes the decompression caps instead. Default 1 GiB.
    pub pdf_max_memory: u64,
    /// The program that extracts PDF text in a child process. `None` (the
    /// default) extracts in this process, on a worker thread, inside
    /// `catch_unwind`, with decompression caps but no hard memory bound and
    /// no way to stop a runaway parse: see the `pdf` module.
    pub pdf_helper: Option<PdfHelper>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 32 << 20,
            max_text_bytes: 8 << 20,
            pdf_timeout: Duration::from_secs(20),
            pdf_max_memory: 1 << 30,
            pdf_helper: None,
        }
    }
}

/// A program that runs [`pdf_child_main`]: `program args…`, reading the
/// request on stdin and answering on stdout. The iotcheck CLI is one
/// (`iotcheck __pdf-text`); this crate's `iotcheck-pdf-text` binary is
/// another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfHelper {
    pub program: PathBuf,
    pub args: Vec<String>,
}

impl PdfHelper {
    pub fn new(
        program: impl Into<PathBuf>,
        args: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        PdfHelper {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
        }
    }
}

/// What a block of text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// A heading of level 1 to 6.
    Heading(u8),
    Paragraph,
    ListItem,
    TableCell,
}

/// One block: its kind and where its text lies in [`Document::text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: BlockKind,
    /// Byte range into [`Document::text`], on character boundaries, with no
    /// surrounding whitespace, never empty.
    pub span: Range<usize>,
}

/// The text of a document, in reading order.
#[derive(Debug, Clone)]
pub struct Document {
    /// The blocks' text joined by "\n\n"; whitespace inside a block is
    /// collapsed to single spaces and control characters are dropped.
    pub text: String,
    /// In reading order, non-overlapping, ascending.
    pub blocks: Vec<Block>,
    /// HTML `<title>`, else the first level-1 heading; PDF Info /Title.
    pub title: Option<String>,
    pub format: Format,
    /// What was dropped or could not be read, in plain words.
    pub notes: Vec<String>,
}

impl Document {
    /// The text of `block` (empty if the block is not from this document).
    pub fn block_text(&self, block: &Block) -> &str {
        self.text.get(block.span.clone()).unwrap_or_default()
    }
}

/// Why a document could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    #[error("the document is {len} bytes, more than the limit of {max} bytes")]
    TooLarge { len: usize, max: usize },
    #[error("not a text document: {0}")]
    NotText(String),
    #[error("the PDF could not be read: {0}")]
    Pdf(String),
    #[error("PDF text extraction did not finish within the time limit")]
    Timeout,
}

/// Extracts the text of `bytes`, read as `format`.
pub fn extract(bytes: &[u8], format: Format, limits: &Limits) -> Result<Document, TextError> {
    if bytes.len() > limits.max_input_bytes {
        return Err(TextError::TooLarge {
            len: bytes.len(),
            max: limits.max_input_bytes,
        });
    }
    match format {
        Format::Text => plain::extract(bytes, limits),
        Format::Markdown => markdown::extract(bytes, limits),
        Format::Html => html::extract(bytes, limits),
        Format::Pdf => pdf::extract(bytes, limits),
    }
}

/// "8 MiB", "1 GiB", "1000 bytes": limits in notes and errors.
fn human_bytes(n: u64) -> String {
    if n >= 1 << 30 && n.is_multiple_of(1 << 30) {
        format!("{} GiB", n >> 30)
    } else if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}
