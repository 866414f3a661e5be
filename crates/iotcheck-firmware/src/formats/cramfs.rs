//! cramfs, the compressed ROM filesystem, in both byte orders (Linux
//! `fs/cramfs/inode.c`, `fs/cramfs/README`,
//! `include/uapi/linux/cramfs_fs.h`; util-linux `disk-utils/cramfsck.c`
//! and `cramfs_common.c` for the big-endian layout `mkfs.cramfs -N big`
//! writes).
//!
//! Our own reader rather than the `cramfs` 0.1 crate, which was evaluated
//! and is unfit for hostile input: it reads little-endian images only (its
//! structures are `#[br(little)]`), inflates a block with `read_to_end`
//! (no bound: a block can inflate without limit), allocates the
//! superblock's declared size for the CRC, computes block lengths with
//! unchecked `u32` subtraction, and slices with `copy_from_slice` and
//! `[..len]` on lengths read from the image (panics on mismatch).
//!
//! Layout: a 76-byte superblock (magic `0x28cd3d45`, size, flags, the
//! `Compressed ROMFS` signature, `fsid` {crc, edition, blocks, files}, a
//! name and the root inode), optionally after 512 bytes of padding. An
//! inode is three 32-bit words: mode:16 uid:16, size:24 gid:8,
//! namelen:6 offset:26 (bit fields laid out low-first on little-endian
//! images, high-first on big-endian ones); the name (`namelen * 4` bytes,
//! NUL-padded) follows. A directory's offset points at its children's
//! inodes (`size` bytes of them); a file's or symlink's at a table of
//! 32-bit block pointers, each the end of a zlib-compressed block of at
//! most 4096 bytes of output (or, with the block-pointer extension, an
//! uncompressed or directly addressed block); a device's `size` is its
//! `dev_t`.
//!
//! Bounds: the superblock is checked first (size against the bytes
//! present, the CRC when `FSID_VERSION_2` says there is one, the file count
//! against [`crate::Limits::max_files`], the root inode); each block is
//! inflated into a 4096-byte window and a block that would produce more is
//! refused as a bomb; every file goes through [`Unpacker::refuse_file`]; an
//! inode offset reached twice (a directory loop) ends that directory with a
//! note.

use std::collections::HashSet;

use flate2::{Decompress, FlushDecompress, Status};

use crate::confine::confined;
use crate::confine::mode::{
    S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK,
};
use crate::image::EntryKind;
use crate::unpack::Unpacker;

/// The magic as it appears in a little-endian image, and in a big-endian one.
pub(crate) const MAGIC_LE: [u8; 4] = 0x28cd_3d45u32.to_le_bytes();
pub(crate) const MAGIC_BE: [u8; 4] = 0x28cd_3d45u32.to_be_bytes();
/// Bytes of (boot-loader) padding some images carry before the superblock.
pub(crate) const PAD: usize = 512;
const SUPER_LEN: usize = 76;
const INODE_LEN: usize = 12;
const PAGE: usize = 4096;
/// Old (pre-`FSID_VERSION_2`) images do not record their size; the kernel
/// assumes 256 MiB.
const OLD_SIZE: u64 = 1 << 28;

const FLAG_FSID_VERSION_2: u32 = 0x1;
const FLAG_HOLES: u32 = 0x100;
const FLAG_WRONG_SIGNATURE: u32 = 0x200;
const FLAG_SHIFTED_ROOT_OFFSET: u32 = 0x400;
const FLAG_EXT_BLOCK_POINTERS: u32 = 0x800;
const SUPPORTED_FLAGS: u32 =
    0xff | FLAG_HOLES | FLAG_WRONG_SIGNATURE | FLAG_SHIFTED_ROOT_OFFSET | FLAG_EXT_BLOCK_POINTERS;
const BLK_UNCOMPRESSED: u32 = 1 << 31;
const BLK_DIRECT: u32 = 1 << 30;
const BLK_FLAGS: u32 = BLK_UNCOMPRESSED | BLK_DIRECT;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endian {
    Little,
    Big,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Inode {
    mode: u32,
    size: u32,
    namelen: usize,
    /// Byte offset (the stored value times 4).
    offset: usize,
}

/// The superblock fields the walk needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Superblock {
    pub(crate) endian: Endian,
    /// Bytes the filesystem covers from `data[0]` (padding included).
    pub(crate) size: u64,
    pub(crate) flags: u32,
    pub(crate) files: u32,
    root: Inode,
}

fn word(d: &[u8], at: usize, e: Endian) -> Option<u32> {
    let w = d.get(at..at.checked_add(4)?)?;
    let w = [w[0], w[1], w[2], w[3]];
    Some(match e {
        Endian::Little => u32::from_le_bytes(w),
        Endian::Big => u32::from_be_bytes(w),
    })
}

fn inode(d: &[u8], at: usize, e: Endian) -> Option<Inode> {
    let (a, b, c) = (word(d, at, e)?, word(d, at + 4, e)?, word(d, at + 8, e)?);
    Some(match e {
        Endian::Little => Inode {
            mode: a & 0xffff,
            size: b & 0xff_ffff,
            namelen: (c & 0x3f) as usize * 4,
            offset: (c >> 6) as usize * 4,
        },
        Endian::Big => Inode {
            mode: a >> 16,
            size: b >> 8,
            namelen: (c >> 26) as usize * 4,
            offset: (c & 0x03ff_ffff) as usize * 4,
        },
    })
}

/// Reads and validates the superblock of the cramfs starting at `data[0]`
/// (the superblock itself at 0, or at 512 after padding).
pub(crate) fn superblock(data: &[u8], max_files: usize) -> Result<Superblock, String> {
    let (start, endian) = [0, PAD]
        .into_iter()
        .find_map(|s| match data.get(s..s + 4) {
            Some(m) if m == MAGIC_LE => Some((s, Endian::Little)),
            Some(m) if m == MAGIC_BE => Some((s, Endian::Big)),
            _ => None,
        })
        .ok_or("not a cramfs superblock (no magic at 0 or 512)")?;
    let Some(sb) = data.get(start..start + SUPER_LEN) else {
        return Err(format!(
            "truncated superblock: {SUPER_LEN} bytes needed at {start:#x}, {} left",
            data.len().saturating_sub(start)
        ));
    };
    let w = |at| word(sb, at, endian).unwrap_or(0);
    let flags = w(8);
    if flags & !SUPPORTED_FLAGS != 0 {
        return Err(format!("unsupported feature flags {flags:#x}"));
    }
    let root = inode(sb, 64, endian).ok_or("truncated root inode")?;
    if root.mode & S_IFMT != S_IFDIR {
        return Err(format!(
            "root inode is not a directory (mode {:o})",
            root.mode
        ));
    }
    if flags & FLAG_SHIFTED_ROOT_OFFSET == 0 && root.offset != 0 && root.offset != start + SUPER_LEN
    {
        return Err(format!(
            "bad root offset {:#x} (expected {:#x})",
            root.offset,
            start + SUPER_LEN
        ));
    }
    let files = w(44);
    let size = if flags & FLAG_FSID_VERSION_2 != 0 {
        let size = u64::from(w(4));
        if size > data.len() as u64 {
            return Err(format!(
                "superblock claims {size} bytes, only {} left in the image",
                data.len()
            ));
        }
        if size < (start + SUPER_LEN) as u64 {
            return Err(format!(
                "superblock declares {size} bytes, less than itself"
            ));
        }
        if files == 0 {
            return Err("zero file count".into());
        }
        if files as usize > max_files {
            return Err(format!(
                "superblock claims {files} files, more than the limit of {max_files}"
            ));
        }
        // Checked against `data.len()` above.
        let whole = &data[..size as usize];
        let mut crc = flate2::Crc::new();
        let crc_at = start + 32;
        crc.update(&whole[..crc_at]);
        crc.update(&[0; 4]);
        crc.update(whole.get(crc_at + 4..).unwrap_or_default());
        let stored = w(32);
        if crc.sum() != stored {
            return Err(format!(
                "CRC mismatch: stored {stored:#010x}, computed {:#010x}",
                crc.sum()
            ));
        }
        size
    } else {
        (data.len() as u64).min(OLD_SIZE)
    };
    Ok(Superblock {
        endian,
        size,
        flags,
        files,
        root,
    })
}

/// Why one file's data could not be read.
fn file_data(win: &[u8], sb: &Superblock, ino: &Inode, out: &mut Vec<u8>) -> Result<(), String> {
    let size = ino.size as usize;
    if size == 0 {
        return Ok(());
    }
    let blocks = size.div_ceil(PAGE);
    let e = sb.endian;
    let ext = sb.flags & FLAG_EXT_BLOCK_POINTERS != 0;
    let table_end = ino
        .offset
        .checked_add(blocks * 4)
        .filter(|&end| end <= win.len())
        .ok_or_else(|| {
            format!(
                "block table at {:#x} ({blocks} pointers) runs past the filesystem's {} bytes",
                ino.offset,
                win.len()
            )
        })?;
    let ptr = |i: usize| word(win, ino.offset + i * 4, e).unwrap_or(0);
    let mut page = Decompress::new(true);
    let mut buf = vec![0u8; PAGE + 1];
    for i in 0..blocks {
        let want = (size - i * PAGE).min(PAGE);
        let raw = ptr(i);
        if raw & BLK_FLAGS != 0 && !ext {
            return Err(format!(
                "block {i}: pointer {raw:#x} uses extension flags the superblock does not set"
            ));
        }
        let uncompressed = ext && raw & BLK_UNCOMPRESSED != 0;
        let direct = ext && raw & BLK_DIRECT != 0;
        let p = (if ext { raw & !BLK_FLAGS } else { raw }) as usize;
        let (start, len) = if direct {
            let start = p << 2;
            if uncompressed {
                (start, want)
            } else {
                let len = win
                    .get(start..start + 2)
                    .map(|b| match e {
                        Endian::Little => u16::from_le_bytes([b[0], b[1]]),
                        Endian::Big => u16::from_be_bytes([b[0], b[1]]),
                    })
                    .ok_or_else(|| {
                        format!("block {i}: direct block at {start:#x} is not in the image")
                    })?;
                (start + 2, usize::from(len))
            }
        } else {
            let mut start = if i == 0 {
                table_end
            } else {
                ptr(i - 1) as usize
            };
            if ext && start as u32 & BLK_DIRECT != 0 {
                let prev = start as u32;
                start = ((prev & !BLK_FLAGS) as usize) << 2;
                if prev & BLK_UNCOMPRESSED != 0 {
                    start += PAGE;
                } else {
                    let len = win
                        .get(start..start + 2)
                        .map(|b| match e {
                            Endian::Little => u16::from_le_bytes([b[0], b[1]]),
                            Endian::Big => u16::from_be_bytes([b[0], b[1]]),
                        })
                        .ok_or_else(|| {
                            format!("block {i}: previous direct block not in the image")
                        })?;
                    start += 2 + usize::from(len);
                }
            }
            let start = start & !(BLK_FLAGS as usize);
            let len = p.checked_sub(start).ok_or_else(|| {
                format!("block {i}: pointer {p:#x} lies before the block's start {start:#x}")
            })?;
            (start, len)
        };
        if len > 2 * PAGE || (uncompressed && len > PAGE) {
            return Err(format!(
                "block {i}: {len} bytes, more than a block may hold"
            ));
        }
        let src = start
            .checked_add(len)
            .and_then(|end| win.get(start..end))
            .ok_or_else(|| {
                format!(
                    "block {i}: {len} bytes at {start:#x} run past the filesystem's {} bytes",
                    win.len()
                )
            })?;
        if len == 0 {
            // A hole (FLAG_HOLES): zeros.
            out.resize(out.len() + want, 0);
        } else if uncompressed {
            out.extend_from_slice(src.get(..want).ok_or_else(|| {
                format!("block {i}: uncompressed block holds {len} bytes, {want} needed")
            })?);
        } else {
            page.reset(true);
            let status = page
                .decompress(src, &mut buf, FlushDecompress::Finish)
                .map_err(|err| format!("block {i} at {start:#x}: zlib error: {err}"))?;
            let got = page.total_out() as usize;
            if got > PAGE {
                return Err(format!(
                    "block {i} at {start:#x}: {len} compressed bytes inflate past the \
                     {PAGE}-byte block size; treated as a decompression bomb"
                ));
            }
            if status != Status::StreamEnd {
                return Err(format!("block {i} at {start:#x}: zlib stream does not end"));
            }
            if got != want {
                return Err(format!(
                    "block {i} at {start:#x}: inflates to {got} bytes, {want} expected"
                ));
            }
            out.extend_from_slice(&buf[..got]);
        }
    }
    Ok(())
}

/// Reads the cramfs at the start of `data` into `u`'s image under `layer`.
/// Returns the bytes it covers, or `None` when it could not be read (a note
/// says why).
pub(crate) fn read(u: &mut Unpacker<'_>, data: &[u8], layer: &[String]) -> Option<u64> {
    let sb = match superblock(data, u.limits().max_files) {
        Ok(sb) => sb,
        Err(why) => {
            u.note(layer, why);
            return None;
        }
    };
    // `size` is at most `data.len()` (checked, or capped for old images).
    let win = &data[..sb.size as usize];
    u.filesystem(layer);
    let fs_budget = (win.len() as u64).saturating_mul(u.limits().max_expansion_ratio);
    let mut fs_read = 0u64;
    let e = sb.endian;

    let mut visited: HashSet<usize> = HashSet::new();
    // Directories still to list: (children offset, bytes of children, path).
    let mut dirs = vec![(sb.root.offset, sb.root.size as usize, String::new())];
    let mut root = layer.to_vec();
    root.push("/".into());
    if !u.push_entry(root, EntryKind::Dir) {
        return Some(sb.size);
    }
    'dirs: while let Some((start, len, dir)) = dirs.pop() {
        let shown = if dir.is_empty() { "/" } else { &dir };
        let end = start.saturating_add(len);
        if len > 0 && (start == 0 || end > win.len()) {
            u.note(
                layer,
                format!(
                    "directory {shown:?}: {len} bytes of entries at {start:#x} are not in the \
                     filesystem's {} bytes",
                    win.len()
                ),
            );
            continue;
        }
        let mut at = start;
        while at < end {
            if !visited.insert(at) {
                u.note(
                    layer,
                    format!(
                        "directory loop: the inode at {at:#x} is reached a second time \
                         (listing {shown:?}); the rest of this directory is not read"
                    ),
                );
                break;
            }
            let Some(ino) = inode(win, at, e) else {
                u.note(layer, format!("inode at {at:#x} is truncated"));
                break;
            };
            let name_at = at + INODE_LEN;
            let Some(raw) = win
                .get(name_at..name_at + ino.namelen)
                .filter(|_| ino.namelen > 0)
            else {
                u.note(
                    layer,
                    format!(
                        "inode at {at:#x}: name of {} bytes is not in the image",
                        ino.namelen
                    ),
                );
                break;
            };
            at = name_at + ino.namelen;
            let raw = raw.split(|&b| b == 0).next().unwrap_or_default();
            let name = String::from_utf8_lossy(raw);
            let inner = if name.is_empty() || name == "." || name == ".." || name.contains('/') {
                None
            } else {
                confined(&format!("{dir}/{name}"))
            };
            let Some(inner) = inner else {
                u.note(
                    layer,
                    format!(
                        "inode at {:#x}: name {name:?} is not a plain file name; skipped",
                        name_at - INODE_LEN
                    ),
                );
                continue;
            };
            let size = u64::from(ino.size);
            let kind = match ino.mode & S_IFMT {
                S_IFDIR => {
                    dirs.push((ino.offset, ino.size as usize, inner.clone()));
                    EntryKind::Dir
                }
                S_IFREG => {
                    if let Some(why) =
                        u.refuse_file(&inner, size, Some((fs_read, fs_budget, "filesystem")))
                    {
                        u.note(layer, why);
                        EntryKind::FileSkipped { size }
                    } else {
                        let mut bytes = Vec::new();
                        match file_data(win, &sb, &ino, &mut bytes) {
                            Ok(()) => {
                                fs_read += size;
                                u.spend(size);
                                EntryKind::File(bytes)
                            }
                            Err(why) => {
                                u.note(layer, format!("{inner}: {why}"));
                                EntryKind::FileSkipped { size }
                            }
                        }
                    }
                }
                S_IFLNK => {
                    let mut target = Vec::new();
                    if size > PAGE as u64 {
                        u.note(
                            layer,
                            format!("{inner}: symlink target of {size} bytes; skipped"),
                        );
                        continue;
                    }
                    match file_data(win, &sb, &ino, &mut target) {
                        Ok(()) => EntryKind::Symlink {
                            target: String::from_utf8_lossy(&target).into_owned(),
                        },
                        Err(why) => {
                            u.note(layer, format!("{inner}: symlink: {why}"));
                            continue;
                        }
                    }
                }
                S_IFCHR => EntryKind::CharDevice { device: ino.size },
                S_IFBLK => EntryKind::BlockDevice { device: ino.size },
                S_IFIFO => EntryKind::Fifo,
                S_IFSOCK => EntryKind::Socket,
                other => {
                    u.note(
                        layer,
                        format!("{inner}: unknown file type {other:o}; skipped"),
                    );
                    continue;
                }
            };
            let mut path = layer.to_vec();
            path.push(inner);
            if !u.push_entry(path, kind) {
                break 'dirs;
            }
        }
    }
    if sb.flags & FLAG_FSID_VERSION_2 != 0 && visited.len() + 1 != sb.files as usize {
        u.note(
            layer,
            format!(
                "superblock counts {} files, {} inodes were reached",
                sb.files,
                visited.len() + 1
            ),
        );
    }
    Some(sb.size)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn superblock_defects_are_named() {
        assert!(
            superblock(&MAGIC_LE, 10)
                .unwrap_err()
                .contains("truncated superblock")
        );
        assert!(
            superblock(b"nothing here", 10)
                .unwrap_err()
                .contains("no magic")
        );
        let mut sb = [0u8; 76];
        sb[..4].copy_from_slice(&MAGIC_BE);
        sb[8..12].copy_from_slice(&1u32.to_be_bytes());
        // root: a directory (mode 040755 in the top half, big-endian)
        sb[64..68].copy_from_slice(&(0o40_755u32 << 16).to_be_bytes());
        sb[4..8].copy_from_slice(&4096u32.to_be_bytes());
        assert!(
            superblock(&sb, 10)
                .unwrap_err()
                .contains("claims 4096 bytes, only 76")
        );
    }
}
