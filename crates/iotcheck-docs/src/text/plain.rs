//! Plain text: decoded (see `decode`), split into paragraphs at blank lines,
//! the lines of a paragraph joined with a space. Two guesses on top:
//!
//! - a line starting with a bullet (`-`, `*`, `•`, `·`, `–`, `○`, `▪`
//!   followed by a space) starts a list item; following lines without a
//!   bullet continue it;
//! - a paragraph of one short line (at most 80 characters) that has a
//!   letter, does not end like a sentence (`.`, `,`, `;`, `!`, `?`) and is
//!   followed by a longer paragraph is a heading (level 2: plain text does
//!   not say which level).
//!
//! The PDF path reuses this on each page's text, with line-end hyphens
//! undone (`ex-` + `plains` → `explains`, but `Wi-` + `Fi` → `Wi-Fi`).

use super::builder::Builder;
use super::{BlockKind, Document, Format, Limits, TextError, decode};

pub(crate) fn extract(bytes: &[u8], limits: &Limits) -> Result<Document, TextError> {
    let decoded = decode::decode(bytes, None)?;
    let mut b = Builder::new(limits.max_text_bytes);
    if let Some(note) = decoded.note {
        b.note(note);
    }
    paragraphs_into(&mut b, &decoded.text, false);
    Ok(b.finish(Format::Text, None))
}

/// Longest line that may be taken for a heading, in characters.
const HEADING_MAX_CHARS: usize = 80;

/// Adds the paragraphs (and guessed headings and list items) of `text`.
pub(crate) fn paragraphs_into(b: &mut Builder, text: &str, dehyphenate: bool) {
    let paras = split_paragraphs(text);
    for (i, lines) in paras.iter().enumerate() {
        if is_heading(lines, paras.get(i + 1).map(Vec::as_slice)) {
            b.begin(BlockKind::Heading(2));
            b.push(BlockKind::Heading(2), lines[0]);
            b.end();
            continue;
        }
        b.begin(BlockKind::Paragraph);
        let mut prev: Option<&str> = None;
        for &line in lines {
            if let Some(item) = strip_bullet(line) {
                b.begin(BlockKind::ListItem);
                b.push(BlockKind::ListItem, item);
                prev = Some(item);
                continue;
            }
            match prev {
                // A line ending in a hyphen after a letter continues the
                // word on the next line: no space, and no hyphen either
                // when both sides are lowercase.
                Some(p) if dehyphenate && ends_in_word_hyphen(p) => {
                    if hyphen_joins(p, line) {
                        b.unhyphenate();
                    }
                    b.push(BlockKind::Paragraph, line);
                }
                Some(_) => {
                    b.space();
                    b.push(BlockKind::Paragraph, line);
                }
                None => b.push(BlockKind::Paragraph, line),
            }
            prev = Some(line);
        }
        b.end();
    }
}

fn ends_in_word_hyphen(line: &str) -> bool {
    line.strip_suffix('-')
        .and_then(|h| h.chars().next_back())
        .is_some_and(char::is_alphabetic)
}

/// Whether `prev` ends in a hyphen that only broke a word across lines: a
/// lowercase letter before it and a lowercase letter starting `next`.
fn hyphen_joins(prev: &str, next: &str) -> bool {
    let Some(head) = prev.strip_suffix('-') else {
        return false;
    };
    head.chars().next_back().is_some_and(char::is_lowercase)
        && next
            .trim_start()
            .chars()
            .next()
            .is_some_and(char::is_lowercase)
}

/// Paragraphs as lists of trimmed, non-empty lines.
fn split_paragraphs(text: &str) -> Vec<Vec<&str>> {
    let mut paras = Vec::new();
    let mut cur = Vec::new();
    for line in text.split(['\n', '\r', '\u{c}']) {
        let line = line.trim();
        if line.is_empty() {
            if !cur.is_empty() {
                paras.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(line);
        }
    }
    if !cur.is_empty() {
        paras.push(cur);
    }
    paras
}

fn strip_bullet(line: &str) -> Option<&str> {
    let mut chars = line.chars();
    let first = chars.next()?;
    if !matches!(first, '-' | '*' | '•' | '·' | '–' | '○' | '▪' | '◦') {
        return None;
    }
    let rest = chars.as_str();
    rest.starts_with([' ', '\t'])
        .then(|| rest.trim_start())
        .filter(|r| !r.is_empty())
}

fn is_heading(lines: &[&str], next: Option<&[&str]>) -> bool {
    let ([line], Some(next)) = (lines, next) else {
        return false;
    };
    let chars = line.chars().count();
    let next_chars: usize = next.iter().map(|l| l.chars().count()).sum();
    chars <= HEADING_MAX_CHARS
        && line.chars().any(char::is_alphabetic)
        && !line.ends_with(['.', ',', ';', '!', '?'])
        && strip_bullet(line).is_none()
        && next_chars > chars
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn run(text: &str, dehyphenate: bool) -> Document {
        let mut b = Builder::new(1 << 20);
        paragraphs_into(&mut b, text, dehyphenate);
        b.finish(Format::Text, None)
    }

    #[test]
    fn headings_lists_and_hyphens() {
        let d = run(
            "Data we keep\n\nWe keep your data for a year, then we ex-\nplain it to\nWi-\nFi routers.\n\n- one\n  more\n* two\n",
            true,
        );
        let texts: Vec<_> = d.blocks.iter().map(|b| (b.kind, d.block_text(b))).collect();
        assert_eq!(
            texts,
            vec![
                (BlockKind::Heading(2), "Data we keep"),
                (
                    BlockKind::Paragraph,
                    "We keep your data for a year, then we explain it to Wi-Fi routers."
                ),
                (BlockKind::ListItem, "one more"),
                (BlockKind::ListItem, "two"),
            ]
        );
    }
}
