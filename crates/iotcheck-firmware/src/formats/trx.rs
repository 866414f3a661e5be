//! Broadcom TRX images (the container of Linksys, ASUS, Netgear and
//! OpenWrt firmware for Broadcom and some MediaTek routers), read by a
//! parser of our own: the format is one 28- or 32-byte header and no crate
//! reads it.
//!
//! Layout (Broadcom `trxhdr.h`, OpenWrt `firmware-utils/src/trx.c`), all
//! little-endian: magic `HDR0`; `len`, the length of the image including
//! the header; `crc32` over the bytes from `flag_version` to `len`,
//! computed with the CRC-32 polynomial seeded `0xffffffff` and without the
//! final inversion; `flag_version` (version in the high 16 bits: 1 with
//! three partition offsets, 2 with four); then the offsets of the
//! partitions from the start of the header (loader, kernel, root
//! filesystem, and in v2 a binary header), 0 for absent ones.
//!
//! The dry-run check proves the header (magic, version, length within the
//! data, offsets inside the image and increasing) and the CRC; a TRX at the
//! start of an image whose CRC is wrong is still read, with a note, so the
//! rest is not lost to one flipped byte. Each partition is unpacked as what
//! it contains (a kernel in legacy LZMA, which has no magic number, is
//! recognised by its properties header); one that holds no known container
//! (a loader, a raw kernel) is kept as one entry, for the component
//! inventory.

use crate::formats::compress::{Codec, looks_like_lzma_alone};
use crate::unpack::{Unpacker, at, stream};

pub(crate) const MAGIC: [u8; 4] = *b"HDR0";
const HEADER_V1: usize = 28;
const HEADER_V2: usize = 32;

/// A header that holds together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) len: u32,
    pub(crate) version: u16,
    /// Partition offsets from the start of the header, absent ones dropped.
    pub(crate) offsets: Vec<u32>,
    pub(crate) crc_ok: bool,
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    let w = b.get(at..at + 4)?;
    Some(u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
}

/// The CRC `trx.c` computes: CRC-32 without the final inversion.
fn trx_crc(data: &[u8]) -> u32 {
    !crc32fast::hash(data)
}

/// Parses and proves the header at the start of `data`.
pub(crate) fn parse(data: &[u8]) -> Result<Header, String> {
    if data.len() < HEADER_V1 {
        return Err(format!(
            "truncated TRX header: {HEADER_V1} bytes needed, {} left",
            data.len()
        ));
    }
    if data[..4] != MAGIC {
        return Err("not a TRX header (no HDR0 magic)".into());
    }
    let len = le32(data, 4).unwrap_or(0);
    let crc = le32(data, 8).unwrap_or(0);
    let flag_version = le32(data, 12).unwrap_or(0);
    let version = (flag_version >> 16) as u16;
    let (header_len, count) = match version {
        1 => (HEADER_V1, 3),
        2 => (HEADER_V2, 4),
        v => return Err(format!("TRX version {v} is not 1 or 2")),
    };
    if (len as usize) < header_len {
        return Err(format!(
            "TRX length {len} is shorter than its own {header_len}-byte header"
        ));
    }
    if len as usize > data.len() {
        return Err(format!(
            "TRX header claims {len} bytes, only {} left in the image",
            data.len()
        ));
    }
    let mut offsets = Vec::new();
    for i in 0..count {
        let off = le32(data, 16 + 4 * i).unwrap_or(0);
        if off == 0 {
            continue;
        }
        if (off as usize) < header_len || off >= len {
            return Err(format!(
                "TRX partition {i} at {off:#x} lies outside the image (header {header_len} \
                 bytes, length {len:#x})"
            ));
        }
        if offsets.last().is_some_and(|last| off <= *last) {
            return Err(format!(
                "TRX partition {i} at {off:#x} does not follow the one before"
            ));
        }
        offsets.push(off);
    }
    if offsets.is_empty() {
        return Err("TRX header names no partition".into());
    }
    let crc_ok = trx_crc(&data[12..len as usize]) == crc;
    Ok(Header {
        len,
        version,
        offsets,
        crc_ok,
    })
}

/// The dry-run check for the scan: the header and its CRC.
pub(crate) fn validate(data: &[u8]) -> Result<(), String> {
    let h = parse(data)?;
    if h.crc_ok {
        Ok(())
    } else {
        Err("TRX CRC does not match its data".into())
    }
}

/// Unpacks the TRX at the start of `data` under `layer`; returns the bytes
/// it covers.
pub(crate) fn read(u: &mut Unpacker<'_>, data: &[u8], layer: &[String], depth: usize) -> u64 {
    let h = match parse(data) {
        Ok(h) => h,
        Err(why) => {
            u.note(layer, why);
            return 0;
        }
    };
    if !h.crc_ok {
        u.note(
            layer,
            "TRX CRC does not match its data (damaged or altered image); read anyway",
        );
    }
    let len = h.len as usize;
    for (i, &start) in h.offsets.iter().enumerate() {
        let start = start as usize;
        let end = h.offsets.get(i + 1).map_or(len, |n| *n as usize);
        let part = &data[start..end];
        // Kernels in TRX images are usually legacy LZMA, which has no
        // magic number of its own.
        if at(u, part, start, layer, depth + 1).is_some() {
            continue;
        }
        if looks_like_lzma_alone(part) {
            stream(u, Codec::Lzma, part, start, layer, depth + 1);
        } else {
            let name = match (h.version, i, h.offsets.len()) {
                (_, 0, n) if n >= 3 => "(loader)".to_string(),
                _ => format!("(partition {i})"),
            };
            if !u.keep_whole(layer, &name, part) {
                break;
            }
        }
    }
    h.len.into()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn header(len: u32, version: u16, offsets: &[u32]) -> Vec<u8> {
        let mut h = MAGIC.to_vec();
        h.extend(len.to_le_bytes());
        h.extend(0u32.to_le_bytes());
        h.extend((u32::from(version) << 16).to_le_bytes());
        for o in offsets {
            h.extend(o.to_le_bytes());
        }
        h
    }

    #[test]
    fn header_defects_are_named() {
        assert!(parse(b"HDR0").unwrap_err().contains("truncated"));
        let mut img = header(64, 1, &[28, 40, 0]);
        img.resize(64, 0);
        let h = parse(&img).unwrap();
        assert_eq!(h.offsets, vec![28, 40]);
        assert!(!h.crc_ok);
        assert!(validate(&img).unwrap_err().contains("CRC"));
        let crc = trx_crc(&img[12..64]);
        img[8..12].copy_from_slice(&crc.to_le_bytes());
        assert!(validate(&img).is_ok());

        let mut big = header(1 << 20, 1, &[28, 0, 0]);
        big.resize(64, 0);
        assert!(parse(&big).unwrap_err().contains("claims 1048576 bytes"));
        let mut back = header(64, 1, &[40, 28, 0]);
        back.resize(64, 0);
        assert!(parse(&back).unwrap_err().contains("does not follow"));
        let mut out = header(64, 1, &[28, 64, 0]);
        out.resize(64, 0);
        assert!(parse(&out).unwrap_err().contains("outside the image"));
        let mut v3 = header(64, 3, &[28, 0, 0]);
        v3.resize(64, 0);
        assert!(parse(&v3).unwrap_err().contains("version 3"));
    }
}
