//! ext2, ext3 and ext4 (Linux `Documentation/filesystems/ext4/`), read with
//! `ext4-view` through its [`Ext4Read`] trait over the filesystem's bytes.
//!
//! The superblock (1024 bytes in; magic `0xEF53` at offset 1080) is checked
//! here first, before `ext4-view` sees anything: block size (1 KiB to
//! 64 KiB), blocks and inodes per group against what one bitmap block can
//! describe, the first data block, and the block group descriptor table
//! against the bytes present (its length follows from the block count, and
//! `ext4-view` allocates it whole). A filesystem whose block count times
//! block size runs past the image is read as far as the bytes go, with a
//! note; reads beyond them fail per file, each with a note.
//!
//! `ext4-view` wants a `'static` reader, so the filesystem's window is
//! copied once (at most the image's size, which the total limit bounds).
//! The walk is iterative (a stack of directories, at most
//! [`MAX_DEPTH`] deep: a directory entry pointing back at an ancestor makes
//! a loop the path-based API cannot see, so depth ends it with a note);
//! files are read through `File::read_bytes` in bounded chunks after
//! [`Unpacker::refuse_file`]. Every call into the crate runs under
//! `catch_unwind`.
//!
//! What it does not do: `ext4-view` 1.0 does not expose a device node's
//! `i_rdev`, so device nodes are recorded with device number 0; it refuses
//! filesystems without the `filetype` feature, with `meta_bg`, inline data
//! or encryption (a note names the reason).

use std::panic::{AssertUnwindSafe, catch_unwind};

use ext4_view::{Ext4, Ext4Read, FileType};

use crate::confine::confined;
use crate::image::EntryKind;
use crate::unpack::Unpacker;

pub(crate) const MAGIC: [u8; 2] = 0xef53u16.to_le_bytes();
/// Where the magic lies from the filesystem's first byte.
pub(crate) const MAGIC_OFFSET: usize = SUPER_AT + 0x38;
const SUPER_AT: usize = 1024;
const SUPER_LEN: usize = 1024;
/// Directory levels walked; deeper is taken for a directory loop.
pub(crate) const MAX_DEPTH: usize = 128;
const INCOMPAT_64BIT: u32 = 0x80;
/// Bytes read from a file per call.
const CHUNK: usize = 64 << 10;

/// The superblock fields iotcheck validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Superblock {
    pub(crate) block_size: u64,
    pub(crate) blocks: u64,
    pub(crate) groups: u64,
}

impl Superblock {
    /// Bytes the filesystem declares.
    pub(crate) fn bytes(&self) -> u64 {
        self.blocks.saturating_mul(self.block_size)
    }
}

fn le32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
}
fn le16(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .map_or(0, |w| u16::from_le_bytes([w[0], w[1]]))
}

/// Reads and validates the superblock of the ext filesystem at `data[0]`.
pub(crate) fn superblock(data: &[u8]) -> Result<Superblock, String> {
    let Some(s) = data.get(SUPER_AT..SUPER_AT + SUPER_LEN) else {
        return Err(format!(
            "truncated superblock: {} bytes needed, {} left",
            SUPER_AT + SUPER_LEN,
            data.len()
        ));
    };
    if s[0x38..0x3a] != MAGIC {
        return Err("not an ext2/3/4 superblock (no 0xEF53 at offset 1080)".into());
    }
    let log = le32(s, 0x18);
    if log > 6 {
        return Err(format!(
            "invalid block size 2^(10+{log}) (1 KiB to 64 KiB allowed)"
        ));
    }
    let block_size = 1024u64 << log;
    let incompat = le32(s, 0x60);
    let hi = if incompat & INCOMPAT_64BIT != 0 {
        u64::from(le32(s, 0x150))
    } else {
        0
    };
    let blocks = (hi << 32) | u64::from(le32(s, 0x4));
    let first_data = u64::from(le32(s, 0x14));
    if first_data != u64::from(block_size == 1024) {
        return Err(format!(
            "first data block {first_data} does not match the block size {block_size}"
        ));
    }
    let per_group = u64::from(le32(s, 0x20));
    let inodes_per_group = u64::from(le32(s, 0x28));
    let bits = block_size * 8;
    if per_group == 0 || per_group > bits {
        return Err(format!(
            "{per_group} blocks per group (1 to {bits} for {block_size}-byte blocks)"
        ));
    }
    if inodes_per_group == 0 || inodes_per_group > bits {
        return Err(format!(
            "{inodes_per_group} inodes per group (1 to {bits} for {block_size}-byte blocks)"
        ));
    }
    if blocks <= first_data {
        return Err(format!("block count {blocks} leaves no data blocks"));
    }
    let rev = le32(s, 0x4c);
    if rev > 1 {
        return Err(format!("unknown revision level {rev}"));
    }
    let inode_size = if rev == 0 {
        128
    } else {
        u64::from(le16(s, 0x58))
    };
    if inode_size < 128 || !inode_size.is_power_of_two() || inode_size > block_size {
        return Err(format!("invalid inode size {inode_size}"));
    }
    let groups = (blocks - first_data).div_ceil(per_group);
    let desc_size = if incompat & INCOMPAT_64BIT != 0 {
        u64::from(le16(s, 0xfe)).max(64)
    } else {
        32
    };
    // The descriptor table starts in the block after the superblock's.
    let table_end = (first_data + 1)
        .saturating_mul(block_size)
        .saturating_add(groups.saturating_mul(desc_size));
    if table_end > data.len() as u64 {
        return Err(format!(
            "{groups} block groups need a descriptor table ending at {table_end:#x}, \
             past the {} bytes present (block count {blocks} too large or image truncated)",
            data.len()
        ));
    }
    Ok(Superblock {
        block_size,
        blocks,
        groups,
    })
}

/// The filesystem's bytes as `ext4-view` reads them; a read beyond them
/// names the truncation.
struct Window {
    bytes: Vec<u8>,
    declared: u64,
}

#[derive(Debug)]
struct Truncated {
    at: u64,
    len: usize,
    present: usize,
    declared: u64,
}

impl std::fmt::Display for Truncated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} bytes at {:#x} are past the {} bytes present (the filesystem declares {})",
            self.len, self.at, self.present, self.declared
        )
    }
}

impl std::error::Error for Truncated {}

impl Ext4Read for Window {
    fn read(
        &mut self,
        start: u64,
        dst: &mut [u8],
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>> {
        let src = usize::try_from(start)
            .ok()
            .and_then(|s| self.bytes.get(s..s.checked_add(dst.len())?));
        match src {
            Some(src) => {
                dst.copy_from_slice(src);
                Ok(())
            }
            None => Err(Box::new(Truncated {
                at: start,
                len: dst.len(),
                present: self.bytes.len(),
                declared: self.declared,
            })),
        }
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Reads the ext filesystem at the start of `data` into `u`'s image under
/// `layer`. Returns the bytes it covers, or `None` when it could not be
/// read (a note says why).
pub(crate) fn read(u: &mut Unpacker<'_>, data: &[u8], layer: &[String]) -> Option<u64> {
    let sb = match superblock(data) {
        Ok(sb) => sb,
        Err(why) => {
            u.note(layer, why);
            return None;
        }
    };
    let declared = sb.bytes();
    let present = if declared > data.len() as u64 {
        u.note(
            layer,
            format!(
                "truncated: the superblock declares {} blocks of {} bytes ({declared} bytes), \
                 only {} are present; reading what is there",
                sb.blocks,
                sb.block_size,
                data.len()
            ),
        );
        data
    } else {
        // Checked against `data.len()` just above.
        &data[..declared as usize]
    };
    let window = Window {
        bytes: present.to_vec(),
        declared,
    };
    let fs = match catch_unwind(AssertUnwindSafe(|| Ext4::load(Box::new(window)))) {
        Ok(Ok(fs)) => fs,
        Ok(Err(e)) => {
            u.note(layer, format!("ext filesystem could not be read: {e}"));
            return None;
        }
        Err(_) => {
            u.note(layer, "ext reader gave up on this image (internal panic)");
            return None;
        }
    };
    u.filesystem(layer);
    let budget = (present.len() as u64).saturating_mul(u.limits().max_expansion_ratio);
    let walked = catch_unwind(AssertUnwindSafe(|| walk(u, &fs, layer, budget)));
    if walked.is_err() {
        u.note(
            layer,
            "ext reader panicked during the walk; the entries read before are kept",
        );
    }
    Some(present.len() as u64)
}

fn walk(u: &mut Unpacker<'_>, fs: &Ext4, layer: &[String], budget: u64) {
    let mut fs_read = 0u64;
    let mut root = layer.to_vec();
    root.push("/".into());
    if !u.push_entry(root, EntryKind::Dir) {
        return;
    }
    // Directories still to list: (path, depth).
    let mut dirs = vec![(String::from("/"), 0usize)];
    while let Some((dir, depth)) = dirs.pop() {
        let entries = match fs.read_dir(dir.as_str()) {
            Ok(e) => e,
            Err(e) => {
                u.note(layer, format!("directory {dir}: {e}"));
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    u.note(layer, format!("directory {dir}: {e}; the rest is not read"));
                    break;
                }
            };
            let name = lossy(entry.file_name().as_ref());
            if name == "." || name == ".." {
                continue;
            }
            let raw = lossy(entry.path().as_ref());
            let Some(inner) = confined(&raw).filter(|_| !name.contains('/')) else {
                u.note(
                    layer,
                    format!("entry {raw:?} leaves the filesystem root; skipped"),
                );
                continue;
            };
            let Ok(ft) = entry.file_type() else {
                continue;
            };
            let kind = if ft.is_dir() {
                if depth + 1 >= MAX_DEPTH {
                    u.note(
                        layer,
                        format!(
                            "{inner}: more than {MAX_DEPTH} directory levels (a directory loop?); \
                             not descended"
                        ),
                    );
                } else {
                    dirs.push((inner.clone(), depth + 1));
                }
                EntryKind::Dir
            } else if ft.is_regular_file() {
                file(u, fs, layer, &inner, &mut fs_read, budget)
            } else if ft.is_symlink() {
                match fs.read_link(inner.as_str()) {
                    Ok(t) => EntryKind::Symlink {
                        target: lossy(t.as_ref()),
                    },
                    Err(e) => {
                        u.note(layer, format!("{inner}: symlink cannot be read: {e}"));
                        continue;
                    }
                }
            } else {
                match ft {
                    FileType::CharacterDevice => EntryKind::CharDevice { device: 0 },
                    FileType::BlockDevice => EntryKind::BlockDevice { device: 0 },
                    FileType::Fifo => EntryKind::Fifo,
                    _ => EntryKind::Socket,
                }
            };
            let mut path = layer.to_vec();
            path.push(inner);
            if !u.push_entry(path, kind) {
                return;
            }
        }
    }
}

/// One regular file, read in chunks after the limits allowed its size.
fn file(
    u: &mut Unpacker<'_>,
    fs: &Ext4,
    layer: &[String],
    inner: &str,
    fs_read: &mut u64,
    budget: u64,
) -> EntryKind {
    let mut f = match fs.open(inner) {
        Ok(f) => f,
        Err(e) => {
            u.note(layer, format!("{inner}: cannot be opened: {e}"));
            return EntryKind::FileSkipped { size: 0 };
        }
    };
    let size = f.metadata().len();
    if let Some(why) = u.refuse_file(inner, size, Some((*fs_read, budget, "filesystem"))) {
        u.note(layer, why);
        return EntryKind::FileSkipped { size };
    }
    // `size` passed the single-file limit, so it fits in memory.
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(CHUNK));
    let mut chunk = vec![0u8; CHUNK];
    while (bytes.len() as u64) < size {
        match f.read_bytes(&mut chunk) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            Err(e) => {
                u.note(
                    layer,
                    format!("{inner}: read stopped after {} bytes: {e}", bytes.len()),
                );
                return EntryKind::FileSkipped { size };
            }
        }
    }
    bytes.truncate(usize::try_from(size).unwrap_or(usize::MAX));
    *fs_read += bytes.len() as u64;
    u.spend(bytes.len() as u64);
    EntryKind::File(bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn superblock_defects_are_named() {
        assert!(
            superblock(&[0u8; 1500])
                .unwrap_err()
                .contains("truncated superblock")
        );
        let mut d = vec![0u8; 4096];
        assert!(superblock(&d).unwrap_err().contains("no 0xEF53"));
        d[MAGIC_OFFSET..MAGIC_OFFSET + 2].copy_from_slice(&MAGIC);
        d[SUPER_AT + 0x18] = 9;
        assert!(superblock(&d).unwrap_err().contains("block size"));
        d[SUPER_AT + 0x18] = 2; // 4 KiB
        d[SUPER_AT + 4..SUPER_AT + 8].copy_from_slice(&u32::MAX.to_le_bytes());
        d[SUPER_AT + 0x20..SUPER_AT + 0x24].copy_from_slice(&32768u32.to_le_bytes());
        d[SUPER_AT + 0x28..SUPER_AT + 0x2c].copy_from_slice(&8192u32.to_le_bytes());
        assert!(superblock(&d).unwrap_err().contains("descriptor table"));
    }
}
