//! tar archives (POSIX ustar, GNU and pax, as `tar(5)` describes them),
//! read in memory from a byte slice with the `tar` crate: GNU long names and
//! pax `path`/`linkpath` records are applied by the crate, GNU sparse members
//! are read through its hole-filling reader (bounded below like any file).
//!
//! What it does: every member becomes an [`crate::Entry`] under a
//! `tar@0x…` layer, its name passed through [`crate::confine::confined`]
//! (`./` stripped, absolute names re-rooted, `..` refused); symlinks and
//! hardlinks are recorded with their targets and never followed; device
//! nodes, FIFOs are recorded, never created. File contents are bounded by
//! [`crate::Limits`] (single file, total, expansion for sparse members).
//!
//! What it does not do: extract anything to disk (the crate's `unpack` is
//! never called), read v7 archives without the `ustar` magic, or recurse into
//! archives found as members (a `data.tar.gz` inside a `.ipk` stays a file).

use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::confine::{confined, encode_dev};
use crate::image::EntryKind;
use crate::unpack::Unpacker;

/// Offset of the `ustar` magic in a header block.
pub(crate) const MAGIC_OFFSET: usize = 257;
pub(crate) const MAGIC: [u8; 5] = *b"ustar";
const BLOCK: usize = 512;

/// Whether `data` starts with a ustar/GNU header whose checksum is right
/// (the dry-run check before anything is read).
pub(crate) fn sniff(data: &[u8]) -> bool {
    let Some(h) = data.get(..BLOCK) else {
        return false;
    };
    if h[MAGIC_OFFSET..MAGIC_OFFSET + MAGIC.len()] != MAGIC {
        return false;
    }
    // chksum: octal, NUL/space terminated, over the header with the field
    // itself taken as eight spaces.
    let field = &h[148..156];
    let mut stored = 0u32;
    let mut digits = 0;
    for &b in field.iter().skip_while(|b| **b == b' ') {
        match b {
            b'0'..=b'7' => {
                stored = stored.saturating_mul(8).saturating_add(u32::from(b - b'0'));
                digits += 1;
            }
            b' ' | 0 => break,
            _ => return false,
        }
    }
    if digits == 0 {
        return false;
    }
    let sum: u32 = h
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(b)
            }
        })
        .sum();
    sum == stored
}

/// Reads the archive at the start of `data` into `u` under `layer`.
/// Returns the bytes it covers, or `None` when not even one member could be
/// read (a note says why).
pub(crate) fn read(u: &mut Unpacker<'_>, data: &[u8], layer: &[String]) -> Option<u64> {
    // The crate is not expected to panic; the guard keeps one hostile
    // archive from taking the whole assessment down if it ever does.
    match catch_unwind(AssertUnwindSafe(|| walk(u, data, layer))) {
        Ok(r) => r,
        Err(_) => {
            u.note(layer, "tar reader gave up on this archive (internal panic)");
            None
        }
    }
}

fn walk(u: &mut Unpacker<'_>, data: &[u8], layer: &[String]) -> Option<u64> {
    let mut archive = tar::Archive::new(data);
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => {
            u.note(layer, format!("tar archive cannot be read: {e}"));
            return None;
        }
    };
    let budget = (data.len() as u64).saturating_mul(u.limits().max_expansion_ratio);
    let mut read_total = 0u64;
    let mut covered = 0u64;
    let mut members = 0usize;
    let mut registered = false;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                u.note(
                    layer,
                    format!("tar archive ends in a damaged header after {members} members: {e}"),
                );
                break;
            }
        };
        if !registered {
            u.filesystem(layer);
            registered = true;
        }
        members += 1;
        let size = entry.size();
        let end = entry
            .raw_file_position()
            .saturating_add(size.div_ceil(BLOCK as u64).saturating_mul(BLOCK as u64));
        covered = covered.max(end.min(data.len() as u64));
        let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(inner) = confined(&raw_name) else {
            u.note(
                layer,
                format!("member {raw_name:?} leaves the archive root; skipped"),
            );
            continue;
        };
        let header = entry.header();
        let kind_byte = header.entry_type();
        let link = || {
            entry
                .link_name_bytes()
                .map(|l| String::from_utf8_lossy(&l).into_owned())
                .unwrap_or_default()
        };
        let device = || {
            let major = header.device_major().ok().flatten().unwrap_or(0);
            let minor = header.device_minor().ok().flatten().unwrap_or(0);
            encode_dev(major, minor)
        };
        let kind = if kind_byte.is_dir() {
            EntryKind::Dir
        } else if kind_byte.is_symlink() {
            EntryKind::Symlink { target: link() }
        } else if kind_byte.is_hard_link() {
            EntryKind::Hardlink { target: link() }
        } else if kind_byte.is_character_special() {
            EntryKind::CharDevice { device: device() }
        } else if kind_byte.is_block_special() {
            EntryKind::BlockDevice { device: device() }
        } else if kind_byte.is_fifo() {
            EntryKind::Fifo
        } else if kind_byte.is_file() || kind_byte.is_contiguous() || kind_byte.is_gnu_sparse() {
            let why_not = u.refuse_file(&inner, size, Some((read_total, budget, "archive")));
            match why_not {
                Some(why) => {
                    u.note(layer, why);
                    EntryKind::FileSkipped { size }
                }
                None => {
                    // Never more than the declared size, which was bounded above.
                    let mut bytes = Vec::new();
                    match (&mut entry).take(size).read_to_end(&mut bytes) {
                        Ok(_) => {}
                        Err(e) => u.note(
                            layer,
                            format!("{inner}: read {} of {size} bytes: {e}", bytes.len()),
                        ),
                    }
                    if (bytes.len() as u64) < size {
                        u.note(
                            layer,
                            format!(
                                "{inner}: archive ends after {} of {size} bytes",
                                bytes.len()
                            ),
                        );
                    }
                    read_total = read_total.saturating_add(bytes.len() as u64);
                    u.spend(bytes.len() as u64);
                    EntryKind::File(bytes)
                }
            }
        } else {
            // pax global headers, GNU volume labels and vendor types.
            continue;
        };
        let mut path = layer.to_vec();
        path.push(inner);
        if !u.push_entry(path, kind) {
            break;
        }
    }
    if members == 0 {
        if !registered {
            u.note(layer, "tar archive holds no members");
        }
        return None;
    }
    // Two zero blocks end the archive.
    Some(
        covered
            .saturating_add(2 * BLOCK as u64)
            .min(data.len() as u64),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_wants_magic_and_checksum() {
        let mut h = vec![0u8; 512];
        h[..4].copy_from_slice(b"a.tx");
        h[MAGIC_OFFSET..MAGIC_OFFSET + 6].copy_from_slice(b"ustar\0");
        assert!(!sniff(&h), "no checksum");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum::<u32>() + 8 * 32;
        let field = format!("{sum:06o}\0 ");
        h[148..156].copy_from_slice(field.as_bytes());
        assert!(sniff(&h));
        h[0] = b'b';
        assert!(!sniff(&h), "checksum no longer matches");
        assert!(!sniff(&h[..300]));
    }
}
