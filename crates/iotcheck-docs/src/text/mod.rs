//! Document text extraction (interim: plain text and Markdown paragraphs
//! only; HTML and PDF arrive with the extraction module proper).

use std::ops::Range;

/// The document formats iotcheck reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Markdown,
    Text,
    Pdf,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Markdown => "markdown",
            Format::Text => "text",
            Format::Pdf => "pdf",
        }
    }
}

/// Guesses the format from content, then the file name.
pub fn sniff(bytes: &[u8], name: &str) -> Format {
    let lower = name.to_ascii_lowercase();
    if bytes.starts_with(b"%PDF-") {
        Format::Pdf
    } else if lower.ends_with(".md") || lower.ends_with(".markdown") {
        Format::Markdown
    } else if lower.ends_with(".html") || lower.ends_with(".htm") {
        Format::Html
    } else {
        Format::Text
    }
}

/// Bounds on extraction.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_input_bytes: usize,
    pub max_text_bytes: usize,
    pub pdf_timeout: std::time::Duration,
    pub pdf_max_memory: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 32 << 20,
            max_text_bytes: 8 << 20,
            pdf_timeout: std::time::Duration::from_secs(20),
            pdf_max_memory: 1 << 30,
        }
    }
}

/// What a block of text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Heading(u8),
    Paragraph,
    ListItem,
    TableCell,
}

/// One block: a byte range of [`Document::text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: BlockKind,
    pub span: Range<usize>,
}

/// Extracted, normalised text.
#[derive(Debug, Clone)]
pub struct Document {
    pub text: String,
    pub blocks: Vec<Block>,
    pub title: Option<String>,
    pub format: Format,
    pub notes: Vec<String>,
}

/// Why no text could be extracted.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    #[error("{size} bytes is more than the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("not text: {0}")]
    NotText(String),
    #[error("PDF: {0}")]
    Pdf(String),
}

/// Extracts text (interim: every format is read as text, Markdown headings
/// recognised by `#`).
pub fn extract(bytes: &[u8], format: Format, limits: &Limits) -> Result<Document, TextError> {
    if bytes.len() > limits.max_input_bytes {
        return Err(TextError::TooLarge {
            size: bytes.len(),
            limit: limits.max_input_bytes,
        });
    }
    let s = std::str::from_utf8(bytes).map_err(|e| TextError::NotText(e.to_string()))?;
    let mut doc = Document {
        text: String::new(),
        blocks: Vec::new(),
        title: None,
        format,
        notes: Vec::new(),
    };
    for para in s.split("\n\n") {
        let joined: Vec<&str> = para.split_whitespace().collect();
        if joined.is_empty() {
            continue;
        }
        let mut line = joined.join(" ");
        let mut kind = BlockKind::Paragraph;
        if format == Format::Markdown {
            let hashes = line.chars().take_while(|&c| c == '#').count();
            if hashes > 0 && hashes <= 6 {
                kind = BlockKind::Heading(hashes as u8);
                line = line[hashes..].trim().to_string();
            }
            line = line.replace("**", "");
        }
        if line.is_empty() {
            continue;
        }
        if !doc.text.is_empty() {
            doc.text.push_str("\n\n");
        }
        let start = doc.text.len();
        doc.text.push_str(&line);
        doc.blocks.push(Block {
            kind,
            span: start..doc.text.len(),
        });
    }
    Ok(doc)
}
