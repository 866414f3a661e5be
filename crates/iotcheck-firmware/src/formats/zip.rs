//! zip archives (PKWARE APPNOTE.TXT), read in memory with the `zip` crate
//! (deflate and stored members only: no AES, bzip2, lzma or zstd).
//!
//! A zip is read from its central directory, at its end; inside a firmware
//! blob the zip's end is not the blob's. So the scan starts at a local
//! header (`PK\3\4`) and [`find_end`] looks forward for the first
//! end-of-central-directory record whose directory offset and size agree
//! with a zip starting there (`cd_offset + cd_size` lands on the record, or
//! the zip64 record for zip64 archives); the crate then sees exactly that
//! window, from the local header to the end of the archive comment.
//!
//! Every member name goes through [`crate::confine::confined`]; symlinks
//! (a unix mode in the external attributes) are recorded with their target,
//! never followed; encrypted members and unsupported methods are notes.
//! The declared size is checked with [`Unpacker::refuse_file`] and the read
//! is bounded anyway (the declared size can lie): at most the allowance
//! plus one byte is decoded, and more than the allowance is a bomb.

use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::confine::confined;
use crate::image::EntryKind;
use crate::unpack::Unpacker;

pub(crate) const MAGIC: [u8; 4] = *b"PK\x03\x04";
const EOCD: [u8; 4] = *b"PK\x05\x06";
const EOCD_LEN: usize = 22;
const ZIP64_LOCATOR: [u8; 4] = *b"PK\x06\x07";
const ZIP64_EOCD: [u8; 4] = *b"PK\x06\x06";
const LOCAL_LEN: usize = 30;
/// Bytes a symlink target may have (`PATH_MAX`).
const MAX_LINK: u64 = 4096;

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn le64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The dry-run check: a local file header whose name fits and whose
/// version and method are ones a zip tool writes. The end of the archive is
/// only looked for when it is read (that search runs over the rest of the
/// blob and must not run for every `PK\3\4` a scan meets).
pub(crate) fn validate(data: &[u8]) -> Result<(), String> {
    let h = data.get(..LOCAL_LEN).ok_or("truncated zip local header")?;
    if h.get(..4) != Some(&MAGIC[..]) {
        return Err("not a zip local header".into());
    }
    let version = le16(h, 4).unwrap_or(u16::MAX);
    let method = le16(h, 8).unwrap_or(u16::MAX);
    let name_len = usize::from(le16(h, 26).unwrap_or(0));
    // APPNOTE 4.4.3: versions up to 6.3; 4.4.5: methods 0–20, 93–99.
    if version & 0xff > 63 {
        return Err(format!(
            "zip version {} is not one APPNOTE defines",
            version & 0xff
        ));
    }
    if !(method <= 20 || (93..=99).contains(&method)) {
        return Err(format!(
            "zip compression method {method} is not one APPNOTE defines"
        ));
    }
    if name_len == 0 || data.len() < LOCAL_LEN + name_len {
        return Err("zip member name missing or beyond the data".into());
    }
    Ok(())
}

/// The end of the zip starting at `data[0]`: the offset just past the
/// first end-of-central-directory record (and its comment) that agrees
/// with a zip starting there.
pub(crate) fn find_end(data: &[u8]) -> Option<usize> {
    for p in memchr::memmem::find_iter(data, &EOCD) {
        let Some(rec) = data.get(p..p + EOCD_LEN) else {
            break;
        };
        let (Some(entries), Some(cd_size), Some(cd_offset), Some(comment)) =
            (le16(rec, 10), le32(rec, 12), le32(rec, 16), le16(rec, 20))
        else {
            continue;
        };
        let end = p + EOCD_LEN + usize::from(comment);
        if end > data.len() {
            continue;
        }
        let zip64 = entries == u16::MAX || cd_size == u32::MAX || cd_offset == u32::MAX;
        let agrees = if zip64 {
            zip64_agrees(data, p)
        } else {
            u64::from(cd_offset) + u64::from(cd_size) == p as u64
        };
        if agrees {
            return Some(end);
        }
    }
    None
}

/// Whether the zip64 locator before the record at `eocd` points at a zip64
/// record whose central directory ends on it.
fn zip64_agrees(data: &[u8], eocd: usize) -> bool {
    let Some(loc) = eocd.checked_sub(20).and_then(|at| data.get(at..eocd)) else {
        return false;
    };
    if loc.get(..4) != Some(&ZIP64_LOCATOR[..]) {
        return false;
    }
    let Some(rec_at) = le64(loc, 8).and_then(|v| usize::try_from(v).ok()) else {
        return false;
    };
    let Some(rec) = data.get(rec_at..rec_at.saturating_add(56)) else {
        return false;
    };
    rec.get(..4) == Some(&ZIP64_EOCD[..])
        && match (le64(rec, 40), le64(rec, 48)) {
            (Some(size), Some(offset)) => offset.checked_add(size) == Some(rec_at as u64),
            _ => false,
        }
}

/// Reads the zip at the start of `data` into `u` under `layer`. Returns
/// the bytes it covers, or `None` when it cannot be read (a note says why).
pub(crate) fn read(u: &mut Unpacker<'_>, data: &[u8], layer: &[String]) -> Option<u64> {
    let Some(end) = find_end(data) else {
        u.note(
            layer,
            "no end-of-central-directory record agrees with a zip starting here",
        );
        return None;
    };
    let window = data.get(..end)?;
    // The crate is not expected to panic; the guard keeps one hostile
    // archive from taking the whole assessment down if it ever does.
    match catch_unwind(AssertUnwindSafe(|| walk(u, window, layer))) {
        Ok(()) => Some(end as u64),
        Err(_) => {
            u.note(layer, "zip reader gave up on this archive (internal panic)");
            None
        }
    }
}

fn walk(u: &mut Unpacker<'_>, window: &[u8], layer: &[String]) {
    let mut archive = match ::zip::ZipArchive::new(Cursor::new(window)) {
        Ok(a) => a,
        Err(e) => {
            u.note(layer, format!("zip central directory cannot be read: {e}"));
            return;
        }
    };
    u.filesystem(layer);
    let budget = (window.len() as u64).saturating_mul(u.limits().max_expansion_ratio);
    let mut read_total = 0u64;
    for i in 0..archive.len() {
        let Ok(meta) = archive.by_index_data(i) else {
            continue;
        };
        let raw_name = String::from_utf8_lossy(meta.name_raw()).into_owned();
        let (is_dir, is_symlink, encrypted, size) = (
            meta.is_dir(),
            meta.is_symlink(),
            meta.encrypted(),
            meta.size(),
        );
        let Some(inner) = confined(&raw_name) else {
            u.note(
                layer,
                format!("member {raw_name:?} leaves the archive root; skipped"),
            );
            continue;
        };
        let kind = if is_dir {
            EntryKind::Dir
        } else if encrypted {
            u.note(layer, format!("{inner}: encrypted; contents not read"));
            EntryKind::FileSkipped { size }
        } else if is_symlink {
            match member(&mut archive, i, MAX_LINK) {
                Ok(Bytes::Read(b, _)) => EntryKind::Symlink {
                    target: String::from_utf8_lossy(&b).into_owned(),
                },
                Ok(Bytes::OverLimit) => {
                    u.note(
                        layer,
                        format!("{inner}: symlink target longer than {MAX_LINK} bytes"),
                    );
                    continue;
                }
                Err(why) => {
                    u.note(layer, format!("{inner}: symlink cannot be read: {why}"));
                    continue;
                }
            }
        } else if let Some(why) = u.refuse_file(&inner, size, Some((read_total, budget, "archive")))
        {
            u.note(layer, why);
            EntryKind::FileSkipped { size }
        } else {
            let allowance = u
                .limits()
                .max_single_file
                .min(u.remaining())
                .min(budget.saturating_sub(read_total));
            match member(&mut archive, i, allowance) {
                Ok(Bytes::Read(bytes, err)) => {
                    let got = bytes.len() as u64;
                    if let Some(e) = err {
                        u.note(layer, format!("{inner}: read {got} of {size} bytes: {e}"));
                    } else if got != size {
                        u.note(
                            layer,
                            format!("{inner}: declares {size} bytes but holds {got}"),
                        );
                    }
                    read_total = read_total.saturating_add(got);
                    u.spend(got);
                    EntryKind::File(bytes)
                }
                Ok(Bytes::OverLimit) => {
                    u.note(
                        layer,
                        format!(
                            "{inner}: declares {size} bytes but expands past {allowance} (the \
                             file, total or {}x expansion limit); treated as a decompression \
                             bomb and dropped",
                            u.limits().max_expansion_ratio
                        ),
                    );
                    EntryKind::FileSkipped { size }
                }
                Err(why) => {
                    u.note(layer, format!("{inner}: cannot be read: {why}"));
                    EntryKind::FileSkipped { size }
                }
            }
        };
        let mut path = layer.to_vec();
        path.push(inner);
        if !u.push_entry(path, kind) {
            break;
        }
    }
}

enum Bytes {
    /// What was decoded, and the error that ended the read early (a CRC
    /// mismatch, a corrupt stream), if any.
    Read(Vec<u8>, Option<String>),
    /// More than the allowance came out.
    OverLimit,
}

/// Decodes member `i`, never more than `limit + 1` bytes.
fn member(
    archive: &mut ::zip::ZipArchive<Cursor<&[u8]>>,
    i: usize,
    limit: u64,
) -> Result<Bytes, String> {
    let file = archive.by_index(i).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    let res = file.take(limit.saturating_add(1)).read_to_end(&mut bytes);
    if bytes.len() as u64 > limit {
        return Ok(Bytes::OverLimit);
    }
    Ok(Bytes::Read(bytes, res.err().map(|e| e.to_string())))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn eocd(cd_offset: u32, cd_size: u32, comment: &[u8]) -> Vec<u8> {
        let mut r = EOCD.to_vec();
        r.extend([0u8; 6]);
        r.extend(1u16.to_le_bytes());
        r.extend(cd_size.to_le_bytes());
        r.extend(cd_offset.to_le_bytes());
        r.extend((comment.len() as u16).to_le_bytes());
        r.extend(comment);
        r
    }

    #[test]
    fn the_end_is_the_first_record_that_agrees() {
        let mut data = vec![0u8; 100];
        // A record that does not agree (an inner zip's), then one that does.
        data.extend(eocd(10, 10, b""));
        let at = data.len() as u32;
        data.extend(eocd(at - 40, 40, b"hi"));
        data.extend(b"trailing firmware bytes");
        assert_eq!(find_end(&data), Some(at as usize + 24));
        // A comment running past the data is no end.
        let mut cut = data[..at as usize].to_vec();
        cut.extend(eocd(at - 40, 40, b"long comment"));
        cut.truncate(cut.len() - 3);
        assert_eq!(find_end(&cut), None);
    }

    #[test]
    fn local_headers_are_checked() {
        assert!(validate(b"PK\x03\x04").is_err());
        let mut h = MAGIC.to_vec();
        h.extend([20, 0, 0, 0, 8, 0]);
        h.extend([0u8; 16]);
        h.extend(1u16.to_le_bytes());
        h.extend(0u16.to_le_bytes());
        h.push(b'a');
        assert_eq!(validate(&h), Ok(()));
        h[8] = 50; // method 50
        assert!(validate(&h).unwrap_err().contains("method 50"));
    }
}
