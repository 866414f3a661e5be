//! Matter OTA software images (Matter Core Specification, "OTA Software
//! Update File Format"; the file a Matter device downloads from its OTA
//! provider). No maintained crate reads the format outside whole Matter
//! stacks, so the parser is our own:
//!
//! ```text
//! u32 LE   file identifier 0x1BEEF11E
//! u64 LE   total size of the file
//! u32 LE   header size
//! header   a Matter TLV structure: VendorID [0], ProductID [1],
//!          SoftwareVersion [2], SoftwareVersionString [3], PayloadSize [4],
//!          Min/MaxApplicableSoftwareVersion [5, 6], ReleaseNotesURL [7],
//!          ImageDigestType [8] (IANA hash registry), ImageDigest [9]
//! payload  PayloadSize bytes, vendor-specific
//! ```
//!
//! The dry run proves the structure: sizes that add up to the total, a
//! header that is one well-formed TLV structure with the required fields.
//! Reading records the header, checks the payload against the image digest
//! and unpacks the payload. The digest is integrity only: a Matter OTA
//! image carries no signature of its own (its authenticity rests on the
//! provider and the transport), which the note says.

use sha2::Digest;

use crate::unpack::{Unpacker, at};

pub(crate) const MAGIC: [u8; 4] = 0x1BEE_F11E_u32.to_le_bytes();
const PREFIX: usize = 16;
/// Nesting allowed inside the header (it has none; a little slack).
const MAX_NESTING: usize = 4;
/// Elements read from one header before giving up.
const MAX_ELEMENTS: usize = 256;

/// What the header says.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) total_size: u64,
    pub(crate) header_size: u32,
    pub(crate) vendor_id: u64,
    pub(crate) product_id: u64,
    pub(crate) software_version: u64,
    pub(crate) version_string: String,
    pub(crate) payload_size: u64,
    pub(crate) release_notes_url: Option<String>,
    pub(crate) digest_type: u64,
    pub(crate) digest: Vec<u8>,
}

fn le(b: &[u8]) -> u64 {
    b.iter().rev().fold(0, |acc, &x| (acc << 8) | u64::from(x))
}

/// One TLV element's value, as far as the header needs it.
enum Value<'a> {
    Unsigned(u64),
    Text(&'a [u8]),
    Octets(&'a [u8]),
    Open,
    Close,
    Other,
}

/// Reads one element at `data[0]`: its context tag (if it has a one-byte
/// one), its value, and its length.
fn element(data: &[u8]) -> Result<(Option<u8>, Value<'_>, usize), String> {
    let control = *data.first().ok_or("header ends inside an element")?;
    let kind = control & 0x1f;
    let tag_len = match control >> 5 {
        0 => 0,
        1 => 1,
        2 | 4 => 2,
        3 | 5 => 4,
        6 => 6,
        _ => 8,
    };
    let tag = (tag_len == 1).then(|| data.get(1).copied()).flatten();
    let at = 1 + tag_len;
    let field = |n: usize| {
        data.get(at..at + n)
            .ok_or_else(|| "header ends inside an element".to_string())
    };
    let width = 1usize << (kind & 0x3);
    Ok(match kind {
        0x00..=0x03 => (tag, Value::Other, at + width),
        0x04..=0x07 => (tag, Value::Unsigned(le(field(width)?)), at + width),
        0x08 | 0x09 | 0x14 => (tag, Value::Other, at),
        0x0a => (tag, Value::Other, at + 4),
        0x0b => (tag, Value::Other, at + 8),
        0x0c..=0x13 => {
            let len = usize::try_from(le(field(width)?))
                .map_err(|_| "string length overflows".to_string())?;
            let start = at + width;
            let end = start.checked_add(len).ok_or("string length overflows")?;
            let bytes = data
                .get(start..end)
                .ok_or_else(|| format!("a {len}-byte string runs past the header"))?;
            let v = if kind < 0x10 {
                Value::Text(bytes)
            } else {
                Value::Octets(bytes)
            };
            (tag, v, end)
        }
        0x15..=0x17 => (tag, Value::Open, at),
        0x18 => (tag, Value::Close, at),
        k => return Err(format!("reserved TLV element type {k:#04x}")),
    })
}

/// Parses and proves the header at the start of `data`.
pub(crate) fn parse(data: &[u8]) -> Result<Header, String> {
    if data.get(..4) != Some(&MAGIC[..]) {
        return Err("no Matter OTA file identifier".into());
    }
    let prefix = data
        .get(..PREFIX)
        .ok_or_else(|| format!("truncated Matter OTA header: {} bytes", data.len()))?;
    let mut h = Header {
        total_size: le(&prefix[4..12]),
        header_size: le(&prefix[12..16]) as u32,
        ..Header::default()
    };
    let tlv = data
        .get(PREFIX..PREFIX + h.header_size as usize)
        .ok_or_else(|| {
            format!(
                "header size {} runs past the {} bytes present",
                h.header_size,
                data.len()
            )
        })?;
    let mut pos = 0;
    let mut depth = 0usize;
    let mut seen = [false; 10];
    for _ in 0..MAX_ELEMENTS {
        let (tag, value, len) = element(tlv.get(pos..).unwrap_or_default())?;
        pos += len;
        match value {
            Value::Open => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err("header nests too deep".into());
                }
                continue;
            }
            Value::Close => {
                depth = depth.checked_sub(1).ok_or("unbalanced end of container")?;
                if depth == 0 {
                    break;
                }
                continue;
            }
            _ if depth != 1 => continue,
            _ => {}
        }
        let Some(tag) = tag else { continue };
        if let Some(s) = seen.get_mut(usize::from(tag)) {
            *s = true;
        }
        match (tag, value) {
            (0, Value::Unsigned(v)) => h.vendor_id = v,
            (1, Value::Unsigned(v)) => h.product_id = v,
            (2, Value::Unsigned(v)) => h.software_version = v,
            (3, Value::Text(s)) => h.version_string = String::from_utf8_lossy(s).into_owned(),
            (4, Value::Unsigned(v)) => h.payload_size = v,
            (7, Value::Text(s)) => {
                h.release_notes_url = Some(String::from_utf8_lossy(s).into_owned());
            }
            (8, Value::Unsigned(v)) => h.digest_type = v,
            (9, Value::Octets(d)) => h.digest = d.to_vec(),
            _ => {}
        }
    }
    if depth != 0 {
        return Err("header structure is not closed".into());
    }
    for (tag, name) in [
        (0, "VendorID"),
        (1, "ProductID"),
        (2, "SoftwareVersion"),
        (3, "SoftwareVersionString"),
        (4, "PayloadSize"),
        (8, "ImageDigestType"),
        (9, "ImageDigest"),
    ] {
        if !seen[tag] {
            return Err(format!("header lacks its {name} field"));
        }
    }
    let sum = (PREFIX as u64)
        .checked_add(u64::from(h.header_size))
        .and_then(|s| s.checked_add(h.payload_size));
    if sum != Some(h.total_size) {
        return Err(format!(
            "sizes do not add up: {PREFIX} + header {} + payload {} != total {}",
            h.header_size, h.payload_size, h.total_size
        ));
    }
    Ok(h)
}

/// The payload's digest under the IANA named-information hash algorithm
/// `kind`, or `None` for an algorithm iotcheck does not compute.
fn digest(kind: u64, payload: &[u8]) -> Option<Vec<u8>> {
    let sha256 = || sha2::Sha256::digest(payload).to_vec();
    let truncated = |bits: usize| sha256().get(..bits / 8).map(<[u8]>::to_vec);
    match kind {
        1 => Some(sha256()),
        2 => truncated(128),
        3 => truncated(120),
        4 => truncated(96),
        5 => truncated(64),
        6 => truncated(32),
        7 => Some(sha2::Sha384::digest(payload).to_vec()),
        8 => Some(sha2::Sha512::digest(payload).to_vec()),
        _ => None,
    }
}

/// Records the header, checks the digest and unpacks the payload.
pub(crate) fn read(u: &mut Unpacker<'_>, data: &[u8], layer: &[String], depth: usize) -> u64 {
    let h = match parse(data) {
        Ok(h) => h,
        Err(why) => {
            u.note(layer, why);
            return 0;
        }
    };
    let start = PREFIX + h.header_size as usize;
    let end = usize::try_from(h.total_size).unwrap_or(usize::MAX);
    let payload = data.get(start..end);
    let integrity = match payload.map(|p| digest(h.digest_type, p)) {
        None => "payload not present whole",
        Some(Some(d)) if d == h.digest => "payload digest verified",
        Some(Some(_)) => "payload digest does NOT match",
        Some(None) => "payload digest of a type iotcheck does not compute",
    };
    // What the header says is recorded with the image (for the inventory
    // and the extracted tree); only problems become notes, since a note
    // marks a part that could not be inspected.
    u.header(
        layer,
        format!(
            "Matter OTA image: vendor {:#06x}, product {:#06x}, software version {} ({}); \
             {integrity}; no signature of its own (authenticity rests on the OTA provider \
             and the channel){}",
            h.vendor_id,
            h.product_id,
            h.version_string,
            h.software_version,
            h.release_notes_url
                .as_deref()
                .map(|u| format!("; release notes {u}"))
                .unwrap_or_default(),
        ),
        PREFIX as u64,
    );
    let Some(payload) = payload else {
        u.note(
            layer,
            format!(
                "payload of {} bytes declared, only {} present; not unpacked",
                h.payload_size,
                data.len().saturating_sub(start)
            ),
        );
        return data.len() as u64;
    };
    if integrity != "payload digest verified" {
        u.note(
            layer,
            format!(
                "{integrity} (digest type {}): damaged, altered or unverifiable image",
                h.digest_type
            ),
        );
    }
    if at(u, payload, start, layer, depth + 1).is_none() {
        u.keep_whole(layer, "(payload)", payload);
    }
    h.total_size
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Builds an image the way the Matter SDK's `ota_image_tool.py` lays it
    /// out: context-tagged fields in one anonymous structure.
    fn image(payload: &[u8], digest_type: u8, digest: &[u8]) -> Vec<u8> {
        let mut tlv = vec![0x15];
        tlv.extend([0x25, 0, 0xf1, 0xff]); // VendorID u16
        tlv.extend([0x25, 1, 0x01, 0x80]); // ProductID u16
        tlv.extend([0x26, 2, 2, 0, 0, 0]); // SoftwareVersion u32
        tlv.extend([0x2c, 3, 5]);
        tlv.extend(b"1.0.2");
        tlv.extend([0x27, 4]);
        tlv.extend((payload.len() as u64).to_le_bytes());
        tlv.extend([0x24, 8, digest_type]);
        tlv.extend([0x30, 9, digest.len() as u8]);
        tlv.extend(digest);
        tlv.push(0x18);
        let mut out = MAGIC.to_vec();
        out.extend(((PREFIX + tlv.len() + payload.len()) as u64).to_le_bytes());
        out.extend((tlv.len() as u32).to_le_bytes());
        out.extend(tlv);
        out.extend(payload);
        out
    }

    #[test]
    fn parses_a_header_and_refuses_broken_ones() {
        let payload = b"firmware bytes";
        let d = sha2::Sha256::digest(payload).to_vec();
        let img = image(payload, 1, &d);
        let h = parse(&img).unwrap();
        assert_eq!(
            (h.vendor_id, h.product_id, h.software_version),
            (0xfff1, 0x8001, 2)
        );
        assert_eq!(h.version_string, "1.0.2");
        assert_eq!(h.payload_size, payload.len() as u64);
        assert_eq!(digest(h.digest_type, payload), Some(h.digest));
        // Sizes that do not add up, a cut header, an unclosed structure.
        let mut bad = img.clone();
        bad[4] ^= 1;
        assert!(parse(&bad).unwrap_err().contains("do not add up"));
        assert!(parse(&img[..20]).is_err());
        for cut in 0..img.len() {
            let _ = parse(&img[..cut]);
        }
        let mut unclosed = img.clone();
        let close = PREFIX + le(&img[12..16]) as usize - 1;
        unclosed[close] = 0x14; // null instead of end-of-container
        assert!(parse(&unclosed).is_err());
    }
}
