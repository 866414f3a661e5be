//! SquashFS 4.x (Linux `Documentation/filesystems/squashfs.rst`), read with
//! `backhand` from a byte window that ends at the superblock's
//! `bytes_used`: the declared length is the only window the reader sees.
//!
//! The superblock is checked here first (version, block size, sizes and
//! table offsets against the window, inode count against
//! [`crate::Limits::max_files`]) so hostile values are reported with their
//! offset before `backhand` allocates anything.
//!
//! Blocks are decoded by [`BoundedBlocks`], not by backhand's own
//! decompressors: theirs grow the output until the stream ends, so one
//! hostile 8 KiB metadata block could inflate to megabytes; ours stop at the
//! block's size. It also decodes every compressor mksquashfs writes — gzip
//! (zlib), lzma, lzo, xz, lz4, zstd — with pure-Rust decoders (backhand's
//! own LZO support is GPL and stays off).

use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use backhand::compression::{CompressionAction, Compressor};
use backhand::kind::Kind;
use backhand::{BackhandError, FilesystemCompressor, FilesystemReader, InnerNode, SuperBlock};

use crate::formats::compress::{self, Codec, DecompressError};
use crate::formats::squashfs_v3;
use crate::image::EntryKind;
use crate::unpack::Unpacker;

/// The largest block squashfs 4 allows, so the most one block may decode to.
const MAX_BLOCK: usize = 1 << 20;
/// A metadata block decodes to at most 8 KiB.
const METADATA_BLOCK: usize = 8192;

/// Every squashfs 4 compressor, bounded: a block may decode to no more than
/// the room backhand reserved for it (the block size for data, 8 KiB for
/// metadata), and never more than 1 MiB.
struct BoundedBlocks;

static BOUNDED_BLOCKS: BoundedBlocks = BoundedBlocks;

impl CompressionAction for BoundedBlocks {
    type Error = BackhandError;
    type Compressor = Compressor;
    type FilesystemCompressor = FilesystemCompressor;
    type SuperBlock = SuperBlock;

    fn decompress(
        &self,
        bytes: &[u8],
        out: &mut Vec<u8>,
        compressor: Compressor,
    ) -> Result<(), BackhandError> {
        let room = out
            .capacity()
            .saturating_sub(out.len())
            .clamp(METADATA_BLOCK, MAX_BLOCK);
        let block =
            decode_block(bytes, room, compressor).map_err(BackhandError::CompressionInit)?;
        out.extend_from_slice(&block);
        Ok(())
    }

    fn compress(
        &self,
        _bytes: &[u8],
        _fc: FilesystemCompressor,
        _block_size: u32,
    ) -> Result<Vec<u8>, BackhandError> {
        Err(BackhandError::UnsupportedCompression(
            "iotcheck only reads squashfs".into(),
        ))
    }
}

/// One block decoded to at most `room` bytes.
fn decode_block(bytes: &[u8], room: usize, compressor: Compressor) -> Result<Vec<u8>, String> {
    let codec = match compressor {
        Compressor::Uncompressed => {
            return if bytes.len() <= room {
                Ok(bytes.to_vec())
            } else {
                Err(format!("block of {} bytes is over {room}", bytes.len()))
            };
        }
        Compressor::Lz4 => {
            let mut buf = vec![0u8; room];
            let n = lz4_flex::block::decompress_into(bytes, &mut buf)
                .map_err(|e| format!("lz4 block: {e}"))?;
            buf.truncate(n);
            return Ok(buf);
        }
        Compressor::Lzo => {
            let mut buf = vec![0u8; room];
            let n = lzo::decompress_into(bytes, &mut buf).map_err(|e| format!("lzo block: {e}"))?;
            buf.truncate(n);
            return Ok(buf);
        }
        Compressor::Gzip => Codec::Zlib,
        Compressor::Lzma => Codec::Lzma,
        Compressor::Xz => Codec::Xz,
        Compressor::Zstd => Codec::Zstd,
    };
    match compress::decompress(codec, bytes, room as u64) {
        Ok(out) => match out.truncated {
            None => Ok(out.bytes),
            Some(why) => Err(format!("{} block: {why}", codec.name())),
        },
        Err(DecompressError::OverLimit { limit }) => Err(format!(
            "{} block decodes past {limit} bytes, more than a block holds",
            codec.name()
        )),
        Err(DecompressError::Corrupt(why)) => Err(format!("{} block: {why}", codec.name())),
    }
}

pub(crate) const MAGIC: [u8; 4] = *b"hsqs";
const SUPERBLOCK_LEN: usize = 96;

/// The fields of a v4 superblock iotcheck validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Superblock {
    pub(crate) inode_count: u32,
    pub(crate) block_size: u32,
    pub(crate) compression: u16,
    pub(crate) version: (u16, u16),
    pub(crate) bytes_used: u64,
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
fn le32(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(w)
}
fn le64(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// Reads and validates the superblock at the start of `data`.
pub(crate) fn superblock(data: &[u8], max_inodes: usize) -> Result<Superblock, String> {
    let Some(h) = data.get(..SUPERBLOCK_LEN) else {
        return Err(format!(
            "truncated superblock: {SUPERBLOCK_LEN} bytes needed, {} left",
            data.len()
        ));
    };
    if h[..4] != MAGIC {
        return Err("not a little-endian squashfs superblock".into());
    }
    let sb = Superblock {
        inode_count: le32(h, 4),
        block_size: le32(h, 12),
        compression: le16(h, 20),
        version: (le16(h, 28), le16(h, 30)),
        bytes_used: le64(h, 40),
    };
    let block_log = le16(h, 22);
    if sb.version != (4, 0) {
        return Err(format!(
            "squashfs version {}.{} is not supported (4.0 only)",
            sb.version.0, sb.version.1
        ));
    }
    if !sb.block_size.is_power_of_two()
        || !(4096..=1 << 20).contains(&sb.block_size)
        || u32::from(block_log) != sb.block_size.trailing_zeros()
    {
        return Err(format!(
            "invalid block size {} (log {block_log})",
            sb.block_size
        ));
    }
    if sb.bytes_used > data.len() as u64 {
        return Err(format!(
            "superblock claims {} bytes, only {} left in the image",
            sb.bytes_used,
            data.len()
        ));
    }
    if sb.inode_count as usize > max_inodes {
        return Err(format!(
            "superblock claims {} inodes, more than the limit of {max_inodes}",
            sb.inode_count
        ));
    }
    // id, inode, directory and fragment table starts (xattr and export
    // tables may be absent: all ones).
    for (name, at) in [("id", 48), ("inode", 64), ("directory", 72)] {
        let start = le64(h, at);
        if start >= sb.bytes_used {
            return Err(format!(
                "{name} table at {start:#x} lies beyond bytes_used {:#x}",
                sb.bytes_used
            ));
        }
    }
    Ok(sb)
}

fn compressor_name(id: u16) -> String {
    match id {
        1 => "gzip".into(),
        2 => "lzma".into(),
        3 => "lzo".into(),
        4 => "xz".into(),
        5 => "lz4".into(),
        6 => "zstd".into(),
        other => format!("unknown ({other})"),
    }
}

/// The entry path inside the filesystem, or `None` for a name that would
/// leave the root (`..`) and must not be recorded as if it were inside.
fn confined(path: &Path) -> Option<String> {
    crate::confine::confined(&path.to_string_lossy())
}

/// The dry-run check for any squashfs iotcheck reads: 4.x little-endian
/// (this module), or 2.x and 3.x in either byte order, gzip or sqlzma's
/// LZMA ([`squashfs_v3`]). Other versions are named, not guessed at.
pub(crate) fn validate(data: &[u8], max_inodes: usize) -> Result<(), String> {
    match squashfs_v3::version(data) {
        Some((2 | 3, _)) => squashfs_v3::superblock(data, max_inodes).map(|_| ()),
        Some((4, _)) if data.starts_with(&MAGIC) => superblock(data, max_inodes).map(|_| ()),
        Some((4, _)) => Err("big-endian squashfs 4 is not supported".into()),
        Some((major, minor)) => Err(format!(
            "squashfs version {major}.{minor} is not supported (2.x, 3.x and 4.0 are)"
        )),
        None => Err("truncated squashfs superblock".into()),
    }
}

/// Reads any squashfs [`validate`] accepts: 2.x and 3.x through [`squashfs_v3`],
/// everything else here (where an unsupported version gets its note).
pub(crate) fn read_any(u: &mut Unpacker<'_>, data: &[u8], layer: &[String]) -> Option<u64> {
    match squashfs_v3::version(data) {
        Some((2 | 3, _)) => squashfs_v3::read(u, data, layer),
        Some((4, _)) | None if data.starts_with(&MAGIC) => read(u, data, layer),
        _ => {
            let why = validate(data, u.limits().max_files)
                .err()
                .unwrap_or_else(|| "unsupported squashfs".into());
            u.note(layer, why);
            None
        }
    }
}

/// Reads the squashfs at the start of `data` into `u`'s image under
/// `layer`. Returns the bytes it covers (`bytes_used`), or `None` when it
/// could not be read (a note says why).
pub(crate) fn read(u: &mut Unpacker<'_>, data: &[u8], layer: &[String]) -> Option<u64> {
    let sb = match superblock(data, u.limits().max_files) {
        Ok(sb) => sb,
        Err(why) => {
            u.note(layer, why);
            return None;
        }
    };
    if !(1..=6).contains(&sb.compression) {
        u.note(
            layer,
            format!(
                "squashfs compressor {} is not one squashfs 4 defines",
                compressor_name(sb.compression)
            ),
        );
        return None;
    }
    // `bytes_used` was checked against `data.len()` above.
    let window = &data[..sb.bytes_used as usize];
    // backhand validates too; the unwind guard is belt and braces so one
    // hostile filesystem can never take the whole assessment down.
    let fs = match catch_unwind(AssertUnwindSafe(|| {
        FilesystemReader::from_reader_with_offset_and_kind(
            Cursor::new(window),
            0,
            Kind::new_v4(&BOUNDED_BLOCKS),
        )
    })) {
        Ok(Ok(fs)) => fs,
        Ok(Err(e)) => {
            u.note(layer, format!("squashfs could not be read: {e}"));
            return None;
        }
        Err(_) => {
            u.note(
                layer,
                "squashfs reader gave up on this image (internal panic)",
            );
            return None;
        }
    };
    u.filesystem(layer);
    // Bytes this filesystem may expand to.
    let fs_budget = sb.bytes_used.saturating_mul(u.limits().max_expansion_ratio);
    let mut fs_read = 0u64;
    for node in fs.files() {
        let Some(inner) = confined(&node.fullpath) else {
            u.note(
                layer,
                format!(
                    "entry {:?} leaves the filesystem root; skipped",
                    node.fullpath
                ),
            );
            continue;
        };
        let kind = match &node.inner {
            InnerNode::Dir(_) => EntryKind::Dir,
            InnerNode::Symlink(s) => EntryKind::Symlink {
                target: s.link.to_string_lossy().into_owned(),
            },
            InnerNode::CharacterDevice(d) => EntryKind::CharDevice {
                device: d.device_number,
            },
            InnerNode::BlockDevice(d) => EntryKind::BlockDevice {
                device: d.device_number,
            },
            InnerNode::NamedPipe => EntryKind::Fifo,
            InnerNode::Socket => EntryKind::Socket,
            InnerNode::File(f) => {
                let size = f.file_len() as u64;
                let why_not = u.refuse_file(&inner, size, Some((fs_read, fs_budget, "filesystem")));
                match why_not {
                    Some(why) => {
                        u.note(layer, why);
                        EntryKind::FileSkipped { size }
                    }
                    None => {
                        let read = catch_unwind(AssertUnwindSafe(|| {
                            let mut bytes = Vec::new();
                            fs.file(f)
                                .reader_checked()
                                .map_err(|e| e.to_string())?
                                .take(size)
                                .read_to_end(&mut bytes)
                                .map_err(|e| e.to_string())?;
                            Ok::<_, String>(bytes)
                        }));
                        match read {
                            Ok(Ok(bytes)) => {
                                fs_read += bytes.len() as u64;
                                u.spend(bytes.len() as u64);
                                EntryKind::File(bytes)
                            }
                            Ok(Err(e)) => {
                                u.note(layer, format!("{inner}: cannot be read: {e}"));
                                EntryKind::FileSkipped { size }
                            }
                            Err(_) => {
                                u.note(layer, format!("{inner}: reader panicked; skipped"));
                                EntryKind::FileSkipped { size }
                            }
                        }
                    }
                }
            }
        };
        let mut path = layer.to_vec();
        path.push(inner);
        if !u.push_entry(path, kind) {
            break;
        }
    }
    Some(sb.bytes_used)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn paths_are_confined() {
        assert_eq!(
            confined(Path::new("/etc/shadow")).as_deref(),
            Some("/etc/shadow")
        );
        assert_eq!(confined(Path::new("/")).as_deref(), Some("/"));
        assert_eq!(confined(Path::new("/a/../../etc")), None);
    }

    #[test]
    fn a_block_may_not_decode_past_its_room() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&vec![0u8; 1 << 20]).unwrap();
        let bomb = z.finish().unwrap();
        assert!(bomb.len() < 2048);
        let err = decode_block(&bomb, METADATA_BLOCK, Compressor::Gzip).unwrap_err();
        assert!(err.contains("decodes past 8192 bytes"), "{err}");
        assert_eq!(
            decode_block(&bomb, MAX_BLOCK, Compressor::Gzip)
                .unwrap()
                .len(),
            MAX_BLOCK
        );
        let lz4 = lz4_flex::block::compress(&vec![7u8; 100_000]);
        assert!(decode_block(&lz4, METADATA_BLOCK, Compressor::Lz4).is_err());
        assert!(decode_block(&[1; 20], 16, Compressor::Uncompressed).is_err());
    }

    #[test]
    fn superblock_defects_are_named() {
        assert!(
            superblock(b"hsqs", 10)
                .unwrap_err()
                .contains("truncated superblock")
        );
        let mut sb = [0u8; 96];
        sb[..4].copy_from_slice(&MAGIC);
        sb[28] = 4;
        sb[12..16].copy_from_slice(&4096u32.to_le_bytes());
        sb[22] = 12;
        sb[40..48].copy_from_slice(&1_000_000u64.to_le_bytes());
        assert!(superblock(&sb, 10).unwrap_err().contains("only 96 left"));
    }
}
