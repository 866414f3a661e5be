//! Bytes to text: a BOM decides (UTF-8, UTF-16 LE/BE), then a declared
//! encoding (HTML `<meta charset>`), then UTF-8 if the bytes are valid
//! UTF-8, else Windows-1252 (the WHATWG superset of Latin-1), with a note.
//! encoding_rs does the decoding; the `<meta>` prescan is a few lines here
//! because encoding_rs leaves it to the caller and scraper takes a `&str`.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

use super::TextError;

/// Decoded text and, when the bytes were not clean UTF-8, what was assumed.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub(crate) text: String,
    pub(crate) note: Option<String>,
}

/// How many leading bytes the binary test and the `<meta>` prescan see.
const HEAD: usize = 8192;

/// Decodes `bytes`; `declared` is an encoding the document names itself
/// (ignored when a BOM is present, as browsers do).
pub(crate) fn decode(
    bytes: &[u8],
    declared: Option<&'static Encoding>,
) -> Result<Decoded, TextError> {
    if let Some((enc, bom)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom..]);
        let note = had_errors
            .then(|| format!("some bytes were not valid {} and were replaced", enc.name()));
        return Ok(Decoded {
            text: text.into_owned(),
            note,
        });
    }
    if let Some(at) = memchr::memchr(0, bytes) {
        return Err(TextError::NotText(format!(
            "binary data (a NUL byte at offset {at}, and no UTF-16 byte-order mark)"
        )));
    }
    let head = &bytes[..bytes.len().min(HEAD)];
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
        .count();
    if controls * 10 > head.len() {
        return Err(TextError::NotText(format!(
            "binary data ({controls} control bytes in the first {} bytes)",
            head.len()
        )));
    }
    // UTF-16 declared in a document without a BOM cannot be right (the
    // declaration itself was read as ASCII): HTML says to use UTF-8.
    let declared = declared.filter(|e| *e != UTF_16LE && *e != UTF_16BE && *e != UTF_8);
    if let Some(enc) = declared {
        let (text, had_errors) = enc.decode_without_bom_handling(bytes);
        let note = had_errors.then(|| {
            format!(
                "some bytes were not valid {} (as declared) and were replaced",
                enc.name()
            )
        });
        return Ok(Decoded {
            text: text.into_owned(),
            note,
        });
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(Decoded {
            text: s.to_owned(),
            note: None,
        }),
        Err(e) => {
            let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
            Ok(Decoded {
                text: text.into_owned(),
                note: Some(format!(
                    "not valid UTF-8 (first bad byte at offset {}): read as Windows-1252",
                    e.valid_up_to()
                )),
            })
        }
    }
}

/// The first bytes as text, for sniffing: UTF-16 with a BOM decoded, else
/// read as UTF-8 with replacement characters.
pub(crate) fn sniff_head(head: &[u8]) -> String {
    match Encoding::for_bom(head) {
        Some((enc, bom)) => enc.decode_without_bom_handling(&head[bom..]).0.into_owned(),
        None => String::from_utf8_lossy(head).into_owned(),
    }
}

/// The encoding an HTML document declares in its first 8 KiB:
/// `<meta charset="…">` or `<meta http-equiv="Content-Type"
/// content="text/html; charset=…">`. A simplified form of the HTML
/// standard's prescan (it does not skip over comments or other tags'
/// attributes), which is enough to choose between UTF-8 and a legacy
/// encoding: a wrong guess costs a note, not the document.
pub(crate) fn html_declared(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(HEAD)];
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&lower[from..], b"<meta") {
        let start = from + i;
        let end = memchr::memchr(b'>', &lower[start..]).map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(c) = memchr::memmem::find(tag, b"charset") {
            let rest = &tag[c + 7..];
            let rest = trim_ascii_start(rest);
            if let Some(rest) = rest.strip_prefix(b"=") {
                let rest = trim_ascii_start(rest);
                let rest = rest
                    .strip_prefix(b"\"")
                    .or_else(|| rest.strip_prefix(b"'"))
                    .unwrap_or(rest);
                let len = rest
                    .iter()
                    .position(|b| {
                        matches!(b, b'"' | b'\'' | b';' | b' ' | b'/' | b'>')
                            || b.is_ascii_whitespace()
                    })
                    .unwrap_or(rest.len());
                if let Some(enc) = Encoding::for_label(&rest[..len]) {
                    return Some(enc);
                }
            }
        }
        from = end;
    }
    None
}

fn trim_ascii_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &s[n..]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn boms_and_fallbacks() {
        assert_eq!(
            decode(b"\xef\xbb\xbfcaf\xc3\xa9", None).unwrap().text,
            "café"
        );
        let le = [0xff, 0xfe, b'h', 0, b'i', 0];
        assert_eq!(decode(&le, None).unwrap().text, "hi");
        let be = [0xfe, 0xff, 0, b'h', 0, b'i'];
        assert_eq!(decode(&be, None).unwrap().text, "hi");
        let d = decode(b"caf\xe9 \x93quoted\x94", None).unwrap();
        assert_eq!(d.text, "café \u{201c}quoted\u{201d}");
        assert!(d.note.unwrap().contains("Windows-1252"));
        assert!(decode(b"PK\x03\x04\x00\x00", None).is_err());
    }

    #[test]
    fn meta_charset() {
        assert_eq!(
            html_declared(b"<html><head><META charset='ISO-8859-1'>"),
            Some(WINDOWS_1252)
        );
        assert_eq!(
            html_declared(
                b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=shift_jis\">"
            ),
            Some(encoding_rs::SHIFT_JIS)
        );
        assert_eq!(html_declared(b"<meta name=viewport content=x>"), None);
    }
}
