//! The OpenPGP cleartext signature framework (RFC 4880 §7, RFC 9580 §7)
//! around a signed security.txt (RFC 9116 §2.3), parsed by hand.
//!
//! ```text
//! -----BEGIN PGP SIGNED MESSAGE-----
//! Hash: SHA256                     zero or more Hash armor headers
//!                                  one empty line
//! Contact: mailto:…                the signed text, lines starting with '-' dash-escaped as "- -…"
//! -----BEGIN PGP SIGNATURE-----
//! Version: …                       optional armor headers, then an empty line
//! iQIz…                            base64 of the signature packet(s)
//! =BfcH                            optional CRC-24 checksum
//! -----END PGP SIGNATURE-----
//! ```
//!
//! Why by hand: the framing decides which lines are signed, with their
//! positions in the original text, and evidence needs those spans; the
//! `pgp` crate (rpgp) does not report positions. rpgp reads the decoded
//! signature packets and verifies them (`verify.rs`), over the text rebuilt
//! from exactly the body lines framed here, so what is verified is what the
//! fields are read from. The hand-written packet decoder (`packet.rs`)
//! still gives the issuer and algorithms for the report, also when rpgp
//! cannot read the packet.

use super::lines::{Line, LineView};
use super::packet::{self, SignaturePacket};
use super::verify::SignedMaterial;
use super::{Diags, Severity, Signature, codes};

pub(crate) const BEGIN_SIGNED: &str = "-----BEGIN PGP SIGNED MESSAGE-----";
pub(crate) const BEGIN_SIGNATURE: &str = "-----BEGIN PGP SIGNATURE-----";
pub(crate) const END_SIGNATURE: &str = "-----END PGP SIGNATURE-----";

/// The lines that carry the document (signed text, dash-unescaped, or the
/// whole file when unsigned) and what is known of the signature.
#[derive(Debug)]
pub(crate) struct Framing<'a> {
    pub body: Vec<LineView<'a>>,
    pub signature: Signature,
    /// What verification needs, when the armor is well-formed.
    pub material: Option<SignedMaterial>,
}

fn is_marker(line: &Line<'_>, marker: &str) -> bool {
    !line.view.too_long && line.view.trimmed_end() == marker
}

fn is_blank(line: &Line<'_>) -> bool {
    !line.view.too_long && line.view.trimmed_end().is_empty()
}

/// Separates the signed text from the armor. Lines outside the signed
/// message are not part of the document: they are reported, not parsed.
pub(crate) fn frame<'a>(lines: &[Line<'a>], diags: &mut Diags) -> Framing<'a> {
    let Some(begin) = lines.iter().position(|l| is_marker(l, BEGIN_SIGNED)) else {
        return unsigned(lines, diags);
    };
    outside(&lines[..begin], diags);

    let malformed = |diags: &mut Diags, line: &Line<'_>, reason: String| {
        diags.push(
            codes::SIGNATURE_MALFORMED,
            Severity::Error,
            Some(line.view.number),
            Some(line.view.full_span()),
            reason.clone(),
        );
        Signature::Malformed(reason)
    };

    // Armor headers of the signed message: only `Hash` is defined.
    let mut hashes = Vec::new();
    let mut i = begin + 1;
    let mut problem = None;
    while let Some(line) = lines.get(i) {
        if is_blank(line) {
            i += 1;
            break;
        }
        match line.view.text.strip_prefix("Hash:") {
            Some(v) if !line.view.too_long => {
                hashes.extend(
                    v.split(',')
                        .map(|h| h.trim().to_string())
                        .filter(|h| !h.is_empty()),
                );
                i += 1;
            }
            _ => {
                problem = Some(malformed(
                    diags,
                    line,
                    format!(
                        "line {}: expected a blank line after the signed-message header (RFC 4880 §7)",
                        line.view.number
                    ),
                ));
                break;
            }
        }
    }

    let sig_start = lines
        .iter()
        .skip(i)
        .position(|l| is_marker(l, BEGIN_SIGNATURE))
        .map(|p| p + i);
    let body_end = sig_start.unwrap_or(lines.len());
    let mut body = Vec::new();
    for line in lines.get(i..body_end).unwrap_or(&[]) {
        let text = line.view.text;
        if text.starts_with("- ") {
            body.push(line.view.skip_ascii(2));
        } else {
            if text.starts_with('-') && !line.view.too_long {
                diags.push(
                    codes::DASH_NOT_ESCAPED,
                    Severity::Warning,
                    Some(line.view.number),
                    Some(line.view.full_span()),
                    "signed line starts with '-' but is not dash-escaped as \"- -…\" (RFC 4880 §7.1)",
                );
            }
            body.push(line.view);
        }
    }

    let Some(sig_start) = sig_start else {
        let header = lines.get(begin).copied();
        let reason = format!(
            "truncated: no {BEGIN_SIGNATURE} line after the signed text that starts at line {}",
            header.map_or(0, |l| l.view.number)
        );
        let signature = match header {
            Some(l) => malformed(diags, &l, reason),
            None => Signature::Malformed(reason),
        };
        return Framing {
            body,
            signature,
            material: None,
        };
    };

    let block = signature_block(lines, sig_start);
    let mut material = None;
    let signature = match block {
        Ok(Block { packet, end, data }) => {
            outside(lines.get(end + 1..).unwrap_or(&[]), diags);
            match problem {
                Some(p) => p,
                None => {
                    check_hash_header(&hashes, packet.as_ref(), &lines[begin], diags);
                    let first = lines.get(i).map_or(0, |l| l.view.number);
                    let sig_line = &lines[sig_start];
                    let m = SignedMaterial::new(
                        &body,
                        &data,
                        first,
                        (sig_line.view.number, sig_line.view.full_span()),
                    );
                    if let Err(why) = &m.signatures {
                        diags.push(
                            codes::SIGNATURE_UNVERIFIABLE,
                            Severity::Warning,
                            Some(sig_line.view.number),
                            Some(sig_line.view.full_span()),
                            format!(
                                "a verifier cannot read the signature ({why}); it cannot be checked against any key"
                            ),
                        );
                    }
                    material = Some(m);
                    Signature::SignedNotVerified {
                        armor_hashes: hashes,
                        packet,
                    }
                }
            }
        }
        Err((at, reason)) => {
            let line = lines.get(at).or(lines.get(sig_start)).copied();
            match line {
                Some(l) => malformed(diags, &l, reason),
                None => Signature::Malformed(reason),
            }
        }
    };
    Framing {
        body,
        signature,
        material,
    }
}

/// No signed-message header: the whole file is the document, except a
/// stray signature block, which is malformed armor and not fields.
fn unsigned<'a>(lines: &[Line<'a>], diags: &mut Diags) -> Framing<'a> {
    let Some(start) = lines.iter().position(|l| is_marker(l, BEGIN_SIGNATURE)) else {
        return Framing {
            body: lines.iter().map(|l| l.view).collect(),
            signature: Signature::Unsigned,
            material: None,
        };
    };
    let end = lines
        .iter()
        .skip(start)
        .position(|l| is_marker(l, END_SIGNATURE))
        .map_or(lines.len(), |p| p + start + 1);
    let reason = format!(
        "line {}: signature block without a {BEGIN_SIGNED} header",
        lines.get(start).map_or(0, |l| l.view.number)
    );
    if let Some(l) = lines.get(start) {
        diags.push(
            codes::SIGNATURE_MALFORMED,
            Severity::Error,
            Some(l.view.number),
            Some(l.view.full_span()),
            reason.clone(),
        );
    }
    let body = lines
        .iter()
        .enumerate()
        .filter(|(n, _)| *n < start || *n >= end)
        .map(|(_, l)| l.view)
        .collect();
    Framing {
        body,
        signature: Signature::Malformed(reason),
        material: None,
    }
}

/// Reports non-blank lines before or after the signed message: they are
/// not covered by the signature, so they are not read as fields.
fn outside(lines: &[Line<'_>], diags: &mut Diags) {
    let mut stray = lines.iter().filter(|l| !is_blank(l));
    if let Some(first) = stray.next() {
        let more = stray.count();
        diags.push(
            codes::CONTENT_OUTSIDE_SIGNATURE,
            Severity::Warning,
            Some(first.view.number),
            Some(first.view.full_span()),
            format!(
                "line {}{}: text outside the signed message is not covered by the signature and was ignored",
                first.view.number,
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ),
        );
    }
}

fn check_hash_header(
    hashes: &[String],
    packet: Option<&SignaturePacket>,
    header: &Line<'_>,
    diags: &mut Diags,
) {
    let Some(alg) = packet.and_then(|p| p.hash_algorithm) else {
        return;
    };
    let Some(name) = alg.name() else {
        return;
    };
    if !hashes.is_empty() && !hashes.iter().any(|h| h.eq_ignore_ascii_case(name)) {
        diags.push(
            codes::SIGNATURE_HASH_MISMATCH,
            Severity::Warning,
            Some(header.view.number),
            Some(header.view.full_span()),
            format!(
                "the Hash armor header names {} but the signature uses {name}; verifiers reject this",
                hashes.join(", ")
            ),
        );
    }
}

/// A well-formed signature block.
#[derive(Debug)]
struct Block {
    /// The first packet, decoded by hand.
    packet: Option<SignaturePacket>,
    /// Index of the END line.
    end: usize,
    /// The decoded armor: every packet.
    data: Vec<u8>,
}

/// Parses the signature block starting at `start` (the BEGIN line), or
/// returns the index of the offending line and why.
fn signature_block(lines: &[Line<'_>], start: usize) -> Result<Block, (usize, String)> {
    let mut i = start + 1;
    // Armor headers (`Version: …`, `Comment: …`), then one blank line.
    while let Some(l) = lines.get(i) {
        if l.view.too_long || !is_armor_header(l.view.text) {
            break;
        }
        i += 1;
    }
    if lines.get(i).is_some_and(is_blank) {
        i += 1;
    }
    let mut b64 = String::new();
    let mut checksum = None;
    let end = loop {
        let Some(l) = lines.get(i) else {
            return Err((
                start,
                format!(
                    "truncated: no {END_SIGNATURE} line after the signature block that starts at line {}",
                    lines.get(start).map_or(0, |l| l.view.number)
                ),
            ));
        };
        let n = l.view.number;
        if l.view.too_long {
            return Err((i, format!("line {n}: armor line too long")));
        }
        let t = l.view.text.trim();
        if t == END_SIGNATURE {
            break i;
        }
        if checksum.is_some() {
            return Err((
                i,
                format!("line {n}: expected {END_SIGNATURE} after the checksum"),
            ));
        }
        if let Some(c) = t.strip_prefix('=').filter(|c| c.len() == 4) {
            checksum = Some((i, c.to_string()));
        } else if t.bytes().all(is_base64) {
            b64.push_str(t);
        } else {
            return Err((
                i,
                format!("line {n}: not base64 inside the signature armor"),
            ));
        }
        i += 1;
    };
    let data = decode_base64(&b64).ok_or((start, "signature armor is not valid base64".into()))?;
    if let Some((at, c)) = checksum {
        let want = decode_base64(&c)
            .filter(|v| v.len() == 3)
            .ok_or((at, "armor checksum is not valid base64".to_string()))?;
        let got = crc24(&data).to_be_bytes();
        if got.get(1..) != Some(&want[..]) {
            return Err((
                at,
                "armor checksum does not match the signature data (CRC-24, RFC 4880 §6.1)".into(),
            ));
        }
    }
    match packet::parse_signature(&data) {
        Ok(p) => Ok(Block {
            packet: Some(p),
            end,
            data,
        }),
        Err(e) => Err((start, format!("signature packet: {e}"))),
    }
}

fn is_armor_header(text: &str) -> bool {
    text.split_once(": ").is_some_and(|(k, _)| {
        k.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')
}

fn b64_value(b: u8) -> Option<u32> {
    Some(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

/// Standard base64 with optional `=` padding only at the end.
pub(crate) fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let data = s.trim_end_matches('=');
    if s.len() - data.len() > 2 || data.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 2);
    let mut acc = 0u32;
    let mut bits = 0;
    for b in data.bytes() {
        acc = (acc << 6) | b64_value(b)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// CRC-24 of RFC 4880 §6.1.
pub(crate) fn crc24(data: &[u8]) -> u32 {
    let mut crc: u32 = 0x00B7_04CE;
    for &b in data {
        crc ^= u32::from(b) << 16;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x0100_0000 != 0 {
                crc ^= 0x0186_4CFB;
            }
        }
    }
    crc & 0x00FF_FFFF
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn base64_round_trips_known_vectors() {
        assert_eq!(decode_base64("").unwrap(), b"");
        assert_eq!(decode_base64("Zg==").unwrap(), b"f");
        assert_eq!(decode_base64("Zm8=").unwrap(), b"fo");
        assert_eq!(decode_base64("Zm9vYmFy").unwrap(), b"foobar");
        assert!(decode_base64("Z").is_none());
        assert!(decode_base64("Zm9v=Zm").is_none());
    }

    #[test]
    fn crc24_of_known_input() {
        // The RFC 4880 initial value is the CRC of the empty message.
        assert_eq!(crc24(b""), 0x00B7_04CE);
    }
}
