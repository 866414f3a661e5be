//! Builds a [`Document`]'s text and blocks from a stream of text pieces, for
//! every format: the one place that decides the separator, whitespace
//! collapsing, the dropping of control characters and the text-size cap, so
//! the block invariants (trimmed, never empty, ascending, on character
//! boundaries) hold by construction.

use super::{Block, BlockKind, Document, Format, human_bytes};

/// Between two blocks.
const SEPARATOR: &str = "\n\n";

#[derive(Debug)]
pub(crate) struct Builder {
    text: String,
    blocks: Vec<Block>,
    pub(crate) notes: Vec<String>,
    max: usize,
    truncated: bool,
    open: Option<Open>,
}

#[derive(Debug)]
struct Open {
    kind: BlockKind,
    /// Where the block's first character is, once it has one.
    start: Option<usize>,
    pending_space: bool,
}

impl Builder {
    pub(crate) fn new(max_text_bytes: usize) -> Self {
        Builder {
            text: String::new(),
            blocks: Vec::new(),
            notes: Vec::new(),
            max: max_text_bytes,
            truncated: false,
            open: None,
        }
    }

    /// Ends the current block and opens one of `kind`.
    pub(crate) fn begin(&mut self, kind: BlockKind) {
        self.end();
        self.open = Some(Open {
            kind,
            start: None,
            pending_space: false,
        });
    }

    /// Ends the current block; an empty one leaves no trace.
    pub(crate) fn end(&mut self) {
        if let Some(Open {
            kind,
            start: Some(start),
            ..
        }) = self.open.take()
        {
            self.blocks.push(Block {
                kind,
                span: start..self.text.len(),
            });
        }
    }

    /// Adds text to the current block (opening one of `kind` if none is
    /// open): runs of whitespace become one space, none at either end.
    pub(crate) fn push(&mut self, kind: BlockKind, s: &str) {
        if self.truncated {
            return;
        }
        let open = self.open.get_or_insert(Open {
            kind,
            start: None,
            pending_space: false,
        });
        for c in s.chars() {
            if c.is_whitespace() {
                open.pending_space = open.start.is_some();
                continue;
            }
            if c.is_control() {
                continue;
            }
            let lead = match (open.start, open.pending_space) {
                (None, _) if self.text.is_empty() => "",
                (None, _) => SEPARATOR,
                (Some(_), true) => " ",
                (Some(_), false) => "",
            };
            if self.text.len() + lead.len() + c.len_utf8() > self.max {
                self.truncated = true;
                return;
            }
            self.text.push_str(lead);
            if open.start.is_none() {
                open.start = Some(self.text.len());
            }
            open.pending_space = false;
            self.text.push(c);
        }
    }

    /// A break between words (`<br>`, a soft line break).
    pub(crate) fn space(&mut self) {
        if let Some(open) = &mut self.open {
            open.pending_space = open.start.is_some();
        }
    }

    /// Takes back a hyphen that ends the current block's text (a word
    /// broken across lines), never its first character.
    pub(crate) fn unhyphenate(&mut self) {
        if let Some(Open {
            start: Some(start), ..
        }) = self.open
            && self.text.len() > start + 1
            && self.text.ends_with('-')
        {
            self.text.pop();
        }
    }

    /// Changes the kind of the last finished block, if it ends at or after
    /// `mark` (it is the block written since then).
    pub(crate) fn retag_last(&mut self, mark: usize, kind: BlockKind) {
        if self.open.is_none()
            && let Some(last) = self.blocks.last_mut()
            && last.span.end > mark
        {
            last.kind = kind;
        }
    }

    /// The text of the last finished block.
    pub(crate) fn last_text(&self) -> &str {
        self.blocks
            .last()
            .and_then(|b| self.text.get(b.span.clone()))
            .unwrap_or_default()
    }

    /// How many bytes of text so far: text added after a mark is
    /// `text_since(mark)`.
    pub(crate) fn mark(&self) -> usize {
        self.text.len()
    }

    pub(crate) fn text_since(&self, mark: usize) -> &str {
        self.text.get(mark..).unwrap_or_default()
    }

    /// Whether the current block has any text yet.
    pub(crate) fn block_is_empty(&self) -> bool {
        self.open.as_ref().is_none_or(|o| o.start.is_none())
    }

    pub(crate) fn block_count(&self) -> usize {
        self.blocks.len() + usize::from(!self.block_is_empty())
    }

    pub(crate) fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// The document, with a note if the text was cut.
    pub(crate) fn finish(mut self, format: Format, title: Option<String>) -> Document {
        self.end();
        if self.truncated {
            self.notes.push(format!(
                "text truncated at {} (the limit of extracted text)",
                human_bytes(self.max as u64)
            ));
        }
        Document {
            text: self.text,
            blocks: self.blocks,
            title,
            format,
            notes: self.notes,
        }
    }
}

/// `s` with whitespace collapsed and trimmed, cut to at most `max` bytes at
/// a character boundary; `None` when nothing is left.
pub(crate) fn clean_line(s: &str, max: usize) -> Option<String> {
    let mut out = String::new();
    for word in s.split_whitespace() {
        let word: String = word.chars().filter(|c| !c.is_control()).collect();
        if word.is_empty() {
            continue;
        }
        let need = word.len() + usize::from(!out.is_empty());
        if out.len() + need > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word);
    }
    (!out.is_empty()).then_some(out)
}

/// The first level-1 heading's text.
pub(crate) fn first_h1(doc: &Document) -> Option<String> {
    doc.blocks
        .iter()
        .find(|b| b.kind == BlockKind::Heading(1))
        .map(|b| doc.block_text(b).to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn collapses_whitespace_and_separates_blocks() {
        let mut b = Builder::new(1000);
        b.push(BlockKind::Paragraph, "  a \n\t b  ");
        b.begin(BlockKind::ListItem);
        b.push(BlockKind::Paragraph, "   ");
        b.begin(BlockKind::ListItem);
        b.push(BlockKind::Paragraph, "c\u{0}d");
        let d = b.finish(Format::Text, None);
        assert_eq!(d.text, "a b\n\ncd");
        assert_eq!(d.blocks.len(), 2);
        assert_eq!(d.block_text(&d.blocks[1]), "cd");
        assert_eq!(d.blocks[1].kind, BlockKind::ListItem);
    }

    #[test]
    fn truncates_at_a_char_boundary_with_a_note() {
        let mut b = Builder::new(5);
        b.push(BlockKind::Paragraph, "ab é€");
        let d = b.finish(Format::Text, None);
        assert_eq!(d.text, "ab é");
        assert_eq!(d.notes.len(), 1);
    }
}
