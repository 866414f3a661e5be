//! Splitting a document into lines, and mapping byte offsets inside a line
//! to the character offsets evidence uses.
//!
//! RFC 9116 §2.2 allows CRLF or LF; a lone CR is not a line ending there,
//! but old Mac editors produce it, so it ends a line here too and is
//! reported (`bad-line-ending`) rather than glued into one long field value.

use iotcheck_model::Span;

/// How a line ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    Lf,
    CrLf,
    /// A carriage return not followed by a line feed.
    Cr,
    /// The last line, without a terminator.
    None,
}

/// A view of (part of) one line: its text and where it sits in the document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineView<'a> {
    /// 1-based line number in the document.
    pub number: usize,
    /// The content, without the line terminator.
    pub text: &'a str,
    /// Character offset of `text` in the document.
    pub char_start: usize,
    /// Longer than [`super::Limits::max_line_bytes`]: reported and not parsed.
    pub too_long: bool,
}

impl<'a> LineView<'a> {
    /// The character span of `text[from..to]` (byte offsets into `text`,
    /// which must lie on character boundaries).
    pub fn span(&self, from: usize, to: usize) -> Span {
        let before = self.text.get(..from).map_or(0, |s| s.chars().count());
        let inside = self.text.get(from..to).map_or(0, |s| s.chars().count());
        Span {
            start: self.char_start + before,
            end: self.char_start + before + inside,
        }
    }

    /// The span of the whole content.
    pub fn full_span(&self) -> Span {
        self.span(0, self.text.len())
    }

    /// The content with trailing spaces and tabs removed (RFC 9116's `eol`
    /// rule counts them as part of the line ending).
    pub fn trimmed_end(&self) -> &'a str {
        self.text.trim_end_matches([' ', '\t'])
    }

    /// The same line without its first `n` bytes (which must be ASCII, as
    /// a dash escape `"- "` is).
    pub fn skip_ascii(&self, n: usize) -> LineView<'a> {
        LineView {
            number: self.number,
            text: self.text.get(n..).unwrap_or(""),
            char_start: self.char_start + n,
            too_long: self.too_long,
        }
    }
}

/// One line of the document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line<'a> {
    pub view: LineView<'a>,
    pub ending: Ending,
}

/// The result of splitting: the lines kept, and whether splitting stopped
/// at the line limit.
#[derive(Debug)]
pub(crate) struct Lines<'a> {
    pub lines: Vec<Line<'a>>,
    /// The number of the first line dropped by the line limit, if any.
    pub stopped_at: Option<usize>,
}

/// Splits `text` into lines. `content_start` skips a byte-order mark
/// (it stays in the text, so offsets still count it). Work and memory are
/// bounded by `max_lines`; scanning is linear in the text length.
pub(crate) fn split(
    text: &str,
    content_start: usize,
    max_lines: usize,
    max_line_bytes: usize,
) -> Lines<'_> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut pos = content_start.min(text.len());
    let mut char_pos = text.get(..pos).map_or(0, |s| s.chars().count());
    let mut number = 0usize;
    let mut stopped_at = None;
    while pos < bytes.len() {
        number += 1;
        if lines.len() >= max_lines {
            stopped_at = Some(number);
            break;
        }
        // CR and LF are ASCII, so a match is always on a char boundary.
        let rest = bytes.get(pos..).unwrap_or(&[]);
        let (len, ending, term_len) = match rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            None => (rest.len(), Ending::None, 0),
            Some(i) if rest.get(i) == Some(&b'\n') => (i, Ending::Lf, 1),
            Some(i) if rest.get(i + 1) == Some(&b'\n') => (i, Ending::CrLf, 2),
            Some(i) => (i, Ending::Cr, 1),
        };
        let content = text.get(pos..pos + len).unwrap_or("");
        let chars = content.chars().count();
        lines.push(Line {
            view: LineView {
                number,
                text: content,
                char_start: char_pos,
                too_long: len > max_line_bytes,
            },
            ending,
        });
        pos += len + term_len;
        char_pos += chars + term_len;
    }
    Lines { lines, stopped_at }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endings_and_char_offsets() {
        let text = "é: a\r\nb\rc\nd";
        let l = split(text, 0, 100, 100);
        let got: Vec<_> = l
            .lines
            .iter()
            .map(|l| (l.view.number, l.view.text, l.view.char_start, l.ending))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "é: a", 0, Ending::CrLf),
                (2, "b", 6, Ending::Cr),
                (3, "c", 8, Ending::Lf),
                (4, "d", 10, Ending::None),
            ]
        );
        assert_eq!(l.lines[0].view.span(3, 5), Span { start: 2, end: 4 });
    }

    #[test]
    fn line_limit_stops_splitting() {
        let l = split("a\nb\nc\n", 0, 2, 100);
        assert_eq!(l.lines.len(), 2);
        assert_eq!(l.stopped_at, Some(3));
    }
}
