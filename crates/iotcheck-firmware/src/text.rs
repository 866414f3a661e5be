//! Helpers for reading device files as text.

/// Whether `bytes` look like text (no NUL in the first 8 KiB): binaries are
/// not parsed as configuration.
pub(crate) fn is_text(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_none()
}

/// Lines with the byte offset of their first byte, without line endings.
pub(crate) fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        if pos >= bytes.len() {
            return None;
        }
        let start = pos;
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        pos = end + 1;
        let mut line = &bytes[start..end];
        if let [head @ .., b'\r'] = line {
            line = head;
        }
        Some((start, line))
    })
}

/// A printable excerpt of at most `max` characters.
pub(crate) fn excerpt(line: &[u8], max: usize) -> String {
    let s = String::from_utf8_lossy(line);
    let mut out: String = s
        .chars()
        .map(|c| if c.is_control() { '·' } else { c })
        .take(max)
        .collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_carry_offsets() {
        let v: Vec<_> = lines(b"a\r\nbc\n\nd").collect();
        assert_eq!(v, vec![(0, &b"a"[..]), (3, b"bc"), (6, b""), (7, b"d")]);
    }
}
