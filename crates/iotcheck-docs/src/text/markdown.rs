//! Markdown (CommonMark with GitHub tables, strikethrough, task lists and
//! footnotes) through pulldown-cmark's event stream, which is linear in the
//! input and keeps no recursion on our side.
//!
//! Headings become `Heading(level)`, each list item and each table cell its
//! own block, everything else (paragraphs, quotes, code blocks) paragraphs.
//! Inline markup is dropped and its text kept. A link keeps its text; its
//! URL is kept only when the text is empty (and the URL absolute, not a
//! `#fragment` or a relative path), except that a `mailto:` address
//! always survives ("email [us](mailto:privacy@x.example)" reads "email us
//! (privacy@x.example)"): who to contact is what the analyzers look for.
//! Images, alt text included, are dropped. HTML blocks go through the HTML
//! path (chrome dropped); inline HTML tags are dropped, `<br>` is a space.
//!
//! One guess: a top-level paragraph that is entirely bold (or italic), of
//! at most 12 words and 120 characters, is a heading one level below the
//! last real heading (level 2 before any). Documents converted from
//! word processors mark their sections that way ("**6. RETENTION OF
//! PERSONAL INFORMATION.**"), and the analyzers look for sections.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::builder::{Builder, first_h1};
use super::{BlockKind, Document, Format, Limits, TextError, decode, html};

pub(crate) fn extract(bytes: &[u8], limits: &Limits) -> Result<Document, TextError> {
    let decoded = decode::decode(bytes, None)?;
    let mut b = Builder::new(limits.max_text_bytes);
    if let Some(note) = decoded.note {
        b.note(note);
    }
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let mut w = Walker {
        b: &mut b,
        kinds: Vec::new(),
        links: Vec::new(),
        image_depth: 0,
        html: None,
        html_chrome: 0,
        emphasised_para: None,
        emphasis_depth: 0,
        last_heading: 1,
    };
    for event in Parser::new_ext(&decoded.text, options) {
        w.event(event);
    }
    if w.html_chrome > 0 {
        let n = w.html_chrome;
        b.note(format!(
            "dropped {n} page-chrome element{} (navigation, banners, forms, scripts) in embedded HTML",
            if n == 1 { "" } else { "s" }
        ));
    }
    let mut doc = b.finish(Format::Markdown, None);
    doc.title = first_h1(&doc);
    Ok(doc)
}

#[derive(Debug)]
struct Walker<'b> {
    b: &'b mut Builder,
    /// The kind each open container gives to the text inside it.
    kinds: Vec<BlockKind>,
    /// Open links: destination and where their text starts.
    links: Vec<(String, usize)>,
    image_depth: usize,
    /// The raw HTML of the HTML block being read.
    html: Option<String>,
    html_chrome: usize,
    /// The top-level paragraph being read, while all its text so far is
    /// bold or italic: where it starts.
    emphasised_para: Option<usize>,
    /// Open emphasis and strong spans.
    emphasis_depth: usize,
    last_heading: u8,
}

impl Walker<'_> {
    fn kind(&self) -> BlockKind {
        self.kinds.last().copied().unwrap_or(BlockKind::Paragraph)
    }

    fn open(&mut self, kind: BlockKind) {
        self.kinds.push(kind);
        self.b.begin(kind);
    }

    fn close(&mut self) {
        self.b.end();
        self.kinds.pop();
    }

    fn text(&mut self, s: &str) {
        if self.emphasis_depth == 0 && !s.trim().is_empty() {
            self.emphasised_para = None;
        }
        if self.image_depth == 0 {
            let kind = self.kind();
            self.b.push(kind, s);
        }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(s) | Event::Code(s) | Event::InlineMath(s) | Event::DisplayMath(s) => {
                self.text(&s)
            }
            Event::Html(s) => match &mut self.html {
                Some(buf) => buf.push_str(&s),
                None => self.html = Some(s.into_string()),
            },
            Event::InlineHtml(s) => {
                let tag = s.trim_start_matches('<').trim_start_matches('/');
                if tag.len() >= 2 && tag[..2].eq_ignore_ascii_case("br") {
                    self.b.space();
                }
            }
            Event::SoftBreak | Event::HardBreak => self.b.space(),
            Event::Rule => self.b.end(),
            Event::FootnoteReference(_) | Event::TaskListMarker(_) => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Heading { level, .. } => {
                self.last_heading = heading_level(level);
                self.open(BlockKind::Heading(self.last_heading));
            }
            Tag::Paragraph if self.kinds.is_empty() => {
                self.emphasised_para = Some(self.b.mark());
                self.open(BlockKind::Paragraph);
            }
            Tag::Item => self.open(BlockKind::ListItem),
            Tag::TableCell => self.open(BlockKind::TableCell),
            Tag::Paragraph
            | Tag::BlockQuote(_)
            | Tag::CodeBlock(_)
            | Tag::List(_)
            | Tag::FootnoteDefinition(_)
            | Tag::Table(_)
            | Tag::TableHead
            | Tag::TableRow
            | Tag::HtmlBlock
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => {
                let kind = self.kind();
                self.open(kind);
            }
            Tag::Link { dest_url, .. } => {
                let mark = self.b.mark();
                self.links.push((dest_url.into_string(), mark));
            }
            Tag::Image { .. } => self.image_depth += 1,
            Tag::Emphasis | Tag::Strong => self.emphasis_depth += 1,
            Tag::Strikethrough | Tag::Superscript | Tag::Subscript => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Link => {
                if let Some((dest, mark)) = self.links.pop()
                    && self.image_depth == 0
                {
                    let kind = self.kind();
                    let shown = self.b.text_since(mark).to_owned();
                    if let Some(extra) = link_addition(&dest, &shown) {
                        self.b.push(kind, &extra);
                    }
                }
            }
            TagEnd::Image => self.image_depth = self.image_depth.saturating_sub(1),
            TagEnd::HtmlBlock => {
                if let Some(raw) = self.html.take() {
                    self.b.end();
                    let kind = self.kind();
                    self.html_chrome += html::fragment_into(self.b, &raw, kind);
                }
                self.close();
            }
            TagEnd::Emphasis | TagEnd::Strong => {
                self.emphasis_depth = self.emphasis_depth.saturating_sub(1)
            }
            TagEnd::Strikethrough | TagEnd::Superscript | TagEnd::Subscript => {}
            TagEnd::Paragraph => {
                self.close();
                if let Some(mark) = self.emphasised_para.take() {
                    let text = self.b.last_text();
                    if text.len() <= 120 && text.split_whitespace().count() <= 12 {
                        let level = (self.last_heading + 1).min(6);
                        self.b.retag_last(mark, BlockKind::Heading(level));
                    }
                }
            }
            _ => self.close(),
        }
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// What to add after a link whose text is `shown`: its `mailto:` address
/// when the text does not already show it, its URL when the text is empty.
pub(crate) fn link_addition(dest: &str, shown: &str) -> Option<String> {
    if let Some(addr) = mailto_address(dest) {
        if shown.to_lowercase().contains(&addr.to_lowercase()) {
            return None;
        }
        return Some(if shown.trim().is_empty() {
            addr
        } else {
            format!(" ({addr})")
        });
    }
    let dest = dest.trim();
    (shown.trim().is_empty() && dest.contains("://")).then(|| dest.to_owned())
}

/// The address of a `mailto:` URL, percent-decoded, without its query.
pub(crate) fn mailto_address(href: &str) -> Option<String> {
    let href = href.trim();
    let rest = href
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case("mailto:"))
        .map(|_| &href[7..])?;
    let addr = rest.split('?').next().unwrap_or_default();
    let addr = percent_decode(addr);
    let addr = addr.trim();
    (!addr.is_empty()).then(|| addr.to_owned())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links() {
        assert_eq!(link_addition("mailto:a@b.example", "a@b.example"), None);
        assert_eq!(
            link_addition("MAILTO:a%40b.example?subject=x", "us"),
            Some(" (a@b.example)".into())
        );
        assert_eq!(
            link_addition("mailto:a@b.example", ""),
            Some("a@b.example".into())
        );
        assert_eq!(link_addition("https://x.example/", "here"), None);
        assert_eq!(
            link_addition("https://x.example/", " "),
            Some("https://x.example/".into())
        );
    }
}
