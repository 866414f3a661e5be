//! Transcripts of exchanges with a device, the evidence of live findings.
//!
//! Everything the device sent is escaped to printable text and cut to a
//! bounded number of lines and characters (a device may send megabytes);
//! passwords iotcheck sent are masked with [`MASK`]
//! unless the user asked to see them.

use iotcheck_model::{Direction, Secret, TranscriptLine};

/// What a masked secret is shown as (the same as `iotcheck_model::Secret` prints).
const MASK: &str = "********";

use crate::parse::printable;

/// Most lines one transcript keeps.
pub(crate) const MAX_LINES: usize = 40;
/// Most characters of one line.
pub(crate) const MAX_LINE_CHARS: usize = 200;

#[derive(Debug, Clone, Default)]
pub(crate) struct Transcript {
    lines: Vec<TranscriptLine>,
    show_secrets: bool,
    dropped: usize,
    /// Secrets sent so far: masked in what the device sends back too (a
    /// device that echoes a password must not leak it into a report).
    secrets: Vec<String>,
}

impl Transcript {
    pub fn new(show_secrets: bool) -> Self {
        Transcript {
            show_secrets,
            ..Transcript::default()
        }
    }

    fn push(&mut self, direction: Direction, mut text: String) {
        if direction == Direction::Received && !self.show_secrets {
            for s in &self.secrets {
                text = text.replace(s.as_str(), MASK);
            }
        }
        if self.lines.len() >= MAX_LINES {
            self.dropped += 1;
            return;
        }
        self.lines.push(TranscriptLine { direction, text });
    }

    /// A line iotcheck sent, shown as is.
    pub fn sent(&mut self, text: &str) {
        self.push(Direction::Sent, printable(text.as_bytes(), MAX_LINE_CHARS));
    }

    /// A line iotcheck sent that carries a secret: `before`, the secret
    /// (masked unless shown), `after`.
    pub fn sent_secret(&mut self, before: &str, secret: &Secret, after: &str) {
        if !secret.expose().is_empty() && !self.secrets.iter().any(|x| x == secret.expose()) {
            self.secrets.push(secret.expose().to_string());
        }
        let shown = if self.show_secrets {
            secret.expose().to_string()
        } else {
            secret.to_string()
        };
        let line = format!("{before}{shown}{after}");
        self.push(Direction::Sent, printable(line.as_bytes(), MAX_LINE_CHARS));
    }

    /// Bytes the device sent, one transcript line per text line.
    pub fn received(&mut self, bytes: &[u8]) {
        let mut any = false;
        for line in bytes.split(|&b| b == b'\n') {
            let line = printable(line, MAX_LINE_CHARS);
            let line = line.trim();
            if !line.is_empty() {
                self.push(Direction::Received, line.to_string());
                any = true;
            }
        }
        if !any && !bytes.is_empty() {
            self.push(
                Direction::Received,
                printable(bytes, MAX_LINE_CHARS).trim().to_string(),
            );
        }
    }

    /// A note about the exchange (what was received in binary protocols).
    pub fn received_note(&mut self, text: &str) {
        self.push(
            Direction::Received,
            printable(text.as_bytes(), MAX_LINE_CHARS),
        );
    }

    pub fn into_lines(mut self) -> Vec<TranscriptLine> {
        if self.dropped > 0 {
            self.lines.push(TranscriptLine {
                direction: Direction::Received,
                text: format!("[{} more lines not kept]", self.dropped),
            });
        }
        self.lines
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn masks_unless_shown_and_bounds_lines() {
        let mut t = Transcript::new(false);
        t.sent_secret("PASS ", &Secret::new("xc3511"), "");
        t.received(&b"x\n".repeat(1000));
        let lines = t.into_lines();
        assert_eq!(lines[0].text, "PASS ********");
        assert_eq!(lines.len(), MAX_LINES + 1);
        let mut t = Transcript::new(false);
        t.sent_secret("", &Secret::new("vizxv"), "");
        t.received(b"echo: vizxv\r\n");
        assert_eq!(t.into_lines()[1].text, "echo: ********");
        let mut t = Transcript::new(true);
        t.sent_secret("PASS ", &Secret::new("xc3511"), "");
        assert_eq!(t.into_lines()[0].text, "PASS xc3511");
    }
}
