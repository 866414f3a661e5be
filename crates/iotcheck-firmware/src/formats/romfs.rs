//! romfs, the kernel's tiny read-only filesystem (Linux
//! `Documentation/filesystems/romfs.rst`, `fs/romfs/super.c`,
//! `include/uapi/linux/romfs_fs.h`), as `genromfs` writes it.
//!
//! Our own parser: no crate reads romfs, and the format is a linked list of
//! 16-byte-aligned big-endian headers, small enough to read directly from
//! the input without copying anything but file contents.
//!
//! Layout: the superblock is `-rom1fs-`, the full size, a checksum (the
//! big-endian 32-bit words of the first 512 bytes sum to zero) and the
//! volume name; then file headers, each `next` (offset of the next header
//! in the same directory; its low 4 bits are the executable bit and the
//! type), `spec.info`, `size`, `checksum` (of the header and its name) and
//! a NUL-terminated name padded to 16 bytes, followed by the data.
//!
//! Hostile images: every header offset is visited at most once (a `next` or
//! directory pointer leading back to a visited header is a loop: the
//! directory stops with a note), sizes are checked against the bytes
//! present, names holding `/` or naming a parent are skipped with a note,
//! and a superblock claiming more bytes than the image holds is read as far
//! as the bytes go, with a note.

use std::collections::{HashMap, HashSet};

use crate::confine::{confined, encode_dev};
use crate::image::EntryKind;
use crate::unpack::Unpacker;

pub(crate) const MAGIC: [u8; 8] = *b"-rom1fs-";
/// Headers (and the data after a name) are aligned to 16 bytes.
const ALIGN: usize = 16;
const HEADER_LEN: usize = 16;
/// The superblock checksum covers the first 512 bytes (or the whole
/// filesystem when smaller).
const CHECKSUM_SPAN: usize = 512;
/// Longest name read (Linux `PATH_MAX`); a name with no NUL before this is
/// corrupt.
const MAX_NAME: usize = 4096;

/// The superblock fields the walk needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Superblock {
    /// Bytes the filesystem declares (`full size`).
    pub(crate) size: u64,
    /// Offset of the first file header (the root directory's `.`).
    pub(crate) first: usize,
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    let w = d.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
}

fn align(n: usize) -> Option<usize> {
    Some(n.checked_add(ALIGN - 1)? & !(ALIGN - 1))
}

/// romfs checksum: the big-endian words of `bytes` sum to zero (a short
/// tail counts as zero-padded).
fn checksum_ok(bytes: &[u8]) -> bool {
    let sum = bytes.chunks(4).fold(0u32, |acc, c| {
        let mut w = [0u8; 4];
        w[..c.len()].copy_from_slice(c);
        acc.wrapping_add(u32::from_be_bytes(w))
    });
    sum == 0
}

/// The NUL-terminated name at `at`, and where the data after it starts.
fn name_at(d: &[u8], at: usize) -> Result<(&[u8], usize), String> {
    let tail = d.get(at..).unwrap_or_default();
    let tail = &tail[..tail.len().min(MAX_NAME)];
    let len = memchr::memchr(0, tail)
        .ok_or_else(|| format!("name at {at:#x} has no terminating NUL within the image"))?;
    let end = at
        .checked_add(len + 1)
        .and_then(align)
        .ok_or_else(|| format!("name at {at:#x} overflows"))?;
    Ok((&tail[..len], end))
}

/// Reads and validates the superblock at the start of `data`. With
/// `truncated_ok`, a declared size beyond `data` is accepted (the caller
/// notes it and reads what is there); otherwise it is the reason to refuse.
pub(crate) fn superblock(data: &[u8], truncated_ok: bool) -> Result<Superblock, String> {
    if data.len() < 32 {
        return Err(format!(
            "truncated superblock: 32 bytes needed, {} left",
            data.len()
        ));
    }
    if !data.starts_with(&MAGIC) {
        return Err("not a romfs superblock (no -rom1fs- magic)".into());
    }
    let size = u64::from(be32(data, 8).unwrap_or(0));
    let (_, first) = name_at(data, HEADER_LEN)?;
    if size < first as u64 {
        return Err(format!(
            "superblock declares {size} bytes, less than its own header ({first} bytes)"
        ));
    }
    if size > data.len() as u64 && !truncated_ok {
        return Err(format!(
            "superblock claims {size} bytes, only {} left in the image",
            data.len()
        ));
    }
    let span = usize::try_from(size)
        .unwrap_or(usize::MAX)
        .min(CHECKSUM_SPAN);
    let Some(head) = data.get(..span) else {
        return Err(format!(
            "truncated: the checksum covers {span} bytes, only {} left",
            data.len()
        ));
    };
    if !checksum_ok(head) {
        return Err(format!("bad superblock checksum (first {span} bytes)"));
    }
    Ok(Superblock { size, first })
}

/// One file header, borrowed from the image.
struct Header<'a> {
    next: usize,
    kind: u8,
    spec: u32,
    size: u32,
    name: &'a [u8],
    data: usize,
    checksum_ok: bool,
}

fn header(win: &[u8], at: usize) -> Result<Header<'_>, String> {
    if !at.is_multiple_of(ALIGN) {
        return Err(format!("header offset {at:#x} is not 16-byte aligned"));
    }
    let (Some(next), Some(spec), Some(size)) =
        (be32(win, at), be32(win, at + 4), be32(win, at + 8))
    else {
        return Err(format!(
            "header at {at:#x} lies beyond the filesystem's {} bytes",
            win.len()
        ));
    };
    let (name, data) = name_at(win, at + HEADER_LEN)?;
    let checksum_ok = win.get(at..data).is_some_and(checksum_ok);
    Ok(Header {
        next: next as usize & !(ALIGN - 1),
        kind: (next & 7) as u8,
        spec,
        size,
        name,
        data,
        checksum_ok,
    })
}

/// An entry before hard links are resolved to paths.
enum Pending {
    Kind(EntryKind),
    HardlinkTo(usize),
}

/// Reads the romfs at the start of `data` into `u`'s image under `layer`.
/// Returns the bytes it covers, or `None` when it could not be read (a note
/// says why).
pub(crate) fn read(u: &mut Unpacker<'_>, data: &[u8], layer: &[String]) -> Option<u64> {
    let sb = match superblock(data, true) {
        Ok(sb) => sb,
        Err(why) => {
            u.note(layer, why);
            return None;
        }
    };
    let win = if sb.size > data.len() as u64 {
        u.note(
            layer,
            format!(
                "superblock claims {} bytes, only {} left in the image; reading what is there",
                sb.size,
                data.len()
            ),
        );
        data
    } else {
        // Checked against `data.len()` just above.
        &data[..sb.size as usize]
    };
    u.filesystem(layer);
    let fs_budget = (win.len() as u64).saturating_mul(u.limits().max_expansion_ratio);
    let mut fs_read = 0u64;
    let max_files = u.limits().max_files;

    let mut visited: HashSet<usize> = HashSet::new();
    let mut path_of: HashMap<usize, String> = HashMap::new();
    let mut pending: Vec<(String, Pending)> = vec![("/".into(), Pending::Kind(EntryKind::Dir))];
    let mut bad_checksums = 0usize;
    // Directories still to list: (first header, directory path).
    let mut dirs = vec![(sb.first, String::new())];
    'dirs: while let Some((mut at, dir)) = dirs.pop() {
        while at != 0 {
            if pending.len() > max_files || u.out_of_time(layer) {
                break 'dirs;
            }
            if !visited.insert(at) {
                u.note(
                    layer,
                    format!(
                        "header loop: the header at {at:#x} is reached a second time \
                         (listing {:?}); the rest of this directory is not read",
                        if dir.is_empty() { "/" } else { &dir }
                    ),
                );
                break;
            }
            let h = match header(win, at) {
                Ok(h) => h,
                Err(why) => {
                    u.note(layer, why);
                    break;
                }
            };
            if !h.checksum_ok {
                bad_checksums += 1;
            }
            let here = at;
            at = h.next;
            if h.name == b"." || h.name == b".." {
                continue;
            }
            let name = String::from_utf8_lossy(h.name);
            let inner = if name.is_empty() || name.contains('/') {
                None
            } else {
                confined(&format!("{dir}/{name}"))
            };
            let Some(inner) = inner else {
                u.note(
                    layer,
                    format!("header at {here:#x}: name {name:?} is not a plain file name; skipped"),
                );
                continue;
            };
            path_of.insert(here, inner.clone());
            let size = u64::from(h.size);
            let contents = || {
                h.data
                    .checked_add(h.size as usize)
                    .and_then(|end| win.get(h.data..end))
            };
            let kind = match h.kind {
                0 => Pending::HardlinkTo(h.spec as usize),
                1 => {
                    dirs.push((h.spec as usize & !(ALIGN - 1), inner.clone()));
                    Pending::Kind(EntryKind::Dir)
                }
                2 => {
                    if let Some(why) =
                        u.refuse_file(&inner, size, Some((fs_read, fs_budget, "filesystem")))
                    {
                        u.note(layer, why);
                        Pending::Kind(EntryKind::FileSkipped { size })
                    } else if let Some(bytes) = contents() {
                        fs_read += size;
                        u.spend(size);
                        Pending::Kind(EntryKind::File(bytes.to_vec()))
                    } else {
                        u.note(
                            layer,
                            format!(
                                "{inner}: {size} bytes at {:#x} run past the filesystem's {} bytes",
                                h.data,
                                win.len()
                            ),
                        );
                        Pending::Kind(EntryKind::FileSkipped { size })
                    }
                }
                3 => match contents() {
                    Some(t) if t.len() <= MAX_NAME => Pending::Kind(EntryKind::Symlink {
                        target: String::from_utf8_lossy(t).into_owned(),
                    }),
                    _ => {
                        u.note(
                            layer,
                            format!("{inner}: symlink target of {size} bytes is not in the image"),
                        );
                        continue;
                    }
                },
                4 => Pending::Kind(EntryKind::BlockDevice {
                    device: encode_dev(h.spec >> 16, h.spec & 0xffff),
                }),
                5 => Pending::Kind(EntryKind::CharDevice {
                    device: encode_dev(h.spec >> 16, h.spec & 0xffff),
                }),
                6 => Pending::Kind(EntryKind::Socket),
                _ => Pending::Kind(EntryKind::Fifo),
            };
            pending.push((inner, kind));
        }
    }
    if bad_checksums > 0 {
        u.note(
            layer,
            format!("{bad_checksums} file header(s) with a bad checksum (read anyway)"),
        );
    }
    for (inner, kind) in pending {
        let kind = match kind {
            Pending::Kind(k) => k,
            Pending::HardlinkTo(to) => EntryKind::Hardlink {
                target: path_of
                    .get(&(to & !(ALIGN - 1)))
                    .cloned()
                    .unwrap_or_else(|| format!("(header at {to:#x}, not in any directory)")),
            },
        };
        let mut path = layer.to_vec();
        path.push(inner);
        if !u.push_entry(path, kind) {
            break;
        }
    }
    Some(win.len() as u64)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn superblock_defects_are_named() {
        assert!(
            superblock(b"-rom1fs-", false)
                .unwrap_err()
                .contains("truncated")
        );
        let mut sb = [0u8; 64];
        sb[..8].copy_from_slice(&MAGIC);
        sb[8..12].copy_from_slice(&1000u32.to_be_bytes());
        assert!(superblock(&sb, false).unwrap_err().contains("only 64 left"));
        sb[8..12].copy_from_slice(&64u32.to_be_bytes());
        assert!(superblock(&sb, false).unwrap_err().contains("checksum"));
        let sum = (0..16).fold(0u32, |a, i| a.wrapping_add(be32(&sb, i * 4).unwrap()));
        sb[12..16].copy_from_slice(&0u32.wrapping_sub(sum).to_be_bytes());
        assert_eq!(
            superblock(&sb, false),
            Ok(Superblock {
                size: 64,
                first: 32
            })
        );
    }
}
