//! UBIFS, the filesystem on top of UBI volumes, read from the bytes of one
//! volume (its LEBs in order).
//!
//! Our own parser: no usable crate reads UBIFS. Written from Linux
//! `fs/ubifs/ubifs-media.h` (common header, superblock, inode, directory
//! entry and data nodes, key layout, compressor ids) and `fs/ubifs/key.h`.
//!
//! How it reads: by scanning nodes, not by walking the index B-tree. Every
//! 8-byte aligned position of the volume that starts with the node magic
//! (`0x06101831`, little-endian) is a candidate; erased space (`0xFF`) and
//! padding nodes are skipped, and every node's CRC is checked (a node that
//! fails is counted in one note). For each key the node with the highest
//! sequence number wins: inode nodes (size, mode, link count, symlink
//! target or device number), directory entries (keyed by parent and name;
//! an entry with inode 0 is a deletion) and data nodes (one 4 KiB block
//! each: none, LZO via the pure `lzo` crate, raw deflate via `flate2`,
//! zstd). Paths are rebuilt from the entries from inode 1, with a cycle
//! and a depth guard; files from their blocks, cut at the inode's size and
//! bounded by the unpack limits.
//!
//! The limit of scanning: nodes that the index no longer references but
//! that garbage collection has not yet erased are seen too, so a deleted
//! file can come back when its deletion entry was itself erased; the
//! newest-entry rule handles the common case (the deletion entry is still
//! on the medium), and an inode whose newest node has no link left is not
//! listed.
//!
//! Encryption (fscrypt, `UBIFS_CRYPT_FL` on the inode): an encrypted
//! directory's entry names are ciphertext, so its entries are not listed
//! (that would invent files) and a note says they cannot be inspected; an
//! encrypted file or symlink is listed without contents. Extended
//! attributes (xattr entries and inodes) are skipped.
//!
//! CRCs are the kernel's `crc32(UBIFS_CRC32_INIT = 0xFFFFFFFF, …)` over
//! the node from byte 8, without a final inversion.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use crate::confine::mode::{
    S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK,
};
use crate::confine::{confined, encode_dev};
use crate::formats::compress::{self, Codec};
use crate::image::EntryKind;
use crate::unpack::Unpacker;

/// The node magic, as it sits in the first four bytes of every node.
pub(crate) const MAGIC: [u8; 4] = [0x31, 0x18, 0x10, 0x06];
const CH_LEN: usize = 24;
const INO_NODE: u8 = 0;
const DATA_NODE: u8 = 1;
const DENT_NODE: u8 = 2;
const SB_NODE: u8 = 6;
const INO_NODE_LEN: usize = 160;
const DENT_NODE_LEN: usize = 56;
const DATA_NODE_LEN: usize = 48;
const SB_NODE_LEN: usize = 4096;
/// The bytes one data node decodes to (`UBIFS_BLOCK_SIZE`).
pub(crate) const BLOCK: u32 = 4096;
/// The largest node (`UBIFS_MAX_NODE_SZ` is about 4 KiB plus an inode's
/// data); a longer claim is hostile.
const MAX_NODE: usize = 64 << 10;
const ROOT_INO: u64 = 1;
/// `UBIFS_CRYPT_FL`: the inode is encrypted with fscrypt (a directory's
/// entry names, a file's data, a symlink's target).
const CRYPT_FL: u32 = 0x40;
/// Directory nesting followed from the root; deeper entries are a note.
pub(crate) const MAX_DEPTH: usize = 64;
/// Nodes kept; past this the scan stops.
const MAX_NODES: usize = 1 << 21;
/// Bytes hashed for nodes whose CRC then fails, as a multiple of the
/// volume's size: every 8-byte step may claim a 64 KiB node, so without a
/// cap a volume of forged headers costs 8,000 times its size in CRC work.
const MAX_WASTED_RATIO: usize = 4;
const MAX_NAME: usize = 255;

fn crc(data: &[u8]) -> u32 {
    !crc32fast::hash(data)
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn le64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// A node whose common header and CRC hold.
#[derive(Debug, Clone, Copy)]
struct Node<'a> {
    at: usize,
    sqnum: u64,
    node_type: u8,
    bytes: &'a [u8],
}

#[derive(Debug, PartialEq, Eq)]
enum NodeError {
    NotMagic,
    Short,
    BadLength(u32),
    BadCrc,
}

fn node(data: &[u8], at: usize) -> Result<Node<'_>, NodeError> {
    let h = at
        .checked_add(CH_LEN)
        .and_then(|end| data.get(at..end))
        .ok_or(NodeError::Short)?;
    if h.get(..4) != Some(&MAGIC[..]) {
        return Err(NodeError::NotMagic);
    }
    let len = le32(h, 16).ok_or(NodeError::Short)?;
    let n = len as usize;
    if !(CH_LEN..=MAX_NODE).contains(&n) {
        return Err(NodeError::BadLength(len));
    }
    let bytes = at
        .checked_add(n)
        .and_then(|end| data.get(at..end))
        .ok_or(NodeError::Short)?;
    let stored = le32(h, 4).ok_or(NodeError::Short)?;
    if crc(bytes.get(8..).ok_or(NodeError::Short)?) != stored {
        return Err(NodeError::BadCrc);
    }
    Ok(Node {
        at,
        sqnum: le64(h, 8).ok_or(NodeError::Short)?,
        node_type: *h.get(20).ok_or(NodeError::Short)?,
        bytes,
    })
}

/// The dry-run check: a superblock node whose CRC holds.
pub(crate) fn validate(data: &[u8]) -> Result<(), String> {
    match node(data, 0) {
        // The kernel's `ubifs_check_node`: a superblock is exactly 4 KiB.
        Ok(n) if n.node_type == SB_NODE && n.bytes.len() == SB_NODE_LEN => Ok(()),
        Ok(n) if n.node_type == SB_NODE => Err(format!(
            "superblock node is {} bytes, not {SB_NODE_LEN}",
            n.bytes.len()
        )),
        Ok(n) => Err(format!(
            "first node is of type {}, not a superblock",
            n.node_type
        )),
        Err(NodeError::BadCrc) => Err("superblock node fails its CRC".into()),
        Err(e) => Err(format!("not a UBIFS superblock node ({e:?})")),
    }
}

#[derive(Debug, Clone, Copy)]
struct Inode<'a> {
    sqnum: u64,
    size: u64,
    nlink: u32,
    mode: u32,
    /// `UBIFS_*_FL` flags (`UBIFS_CRYPT_FL`: fscrypt-encrypted).
    flags: u32,
    data: &'a [u8],
}

#[derive(Debug, Clone, Copy)]
struct Dent<'a> {
    sqnum: u64,
    inum: u64,
    dtype: u8,
    name: &'a [u8],
}

#[derive(Debug, Clone, Copy)]
struct Data<'a> {
    at: usize,
    sqnum: u64,
    size: u32,
    compr: u16,
    data: &'a [u8],
}

/// Everything the scan kept: the newest node of each key.
#[derive(Debug, Default)]
struct Scan<'a> {
    inodes: HashMap<u64, Inode<'a>>,
    dents: HashMap<(u64, &'a [u8]), Dent<'a>>,
    data: HashMap<u64, BTreeMap<u32, Data<'a>>>,
    leb_size: Option<u32>,
    end: usize,
}

fn parse_inode(b: &[u8], sqnum: u64) -> Option<(u64, Inode<'_>)> {
    let ino = u64::from(le32(b, 24)?);
    let data_len = le32(b, 112)? as usize;
    let data = b.get(INO_NODE_LEN..INO_NODE_LEN.checked_add(data_len)?)?;
    Some((
        ino,
        Inode {
            sqnum,
            size: le64(b, 48)?,
            nlink: le32(b, 92)?,
            mode: le32(b, 104)?,
            flags: le32(b, 108)?,
            data,
        },
    ))
}

fn parse_dent(b: &[u8], sqnum: u64) -> Option<(u64, Dent<'_>)> {
    let parent = u64::from(le32(b, 24)?);
    let nlen = usize::from(le16(b, 50)?);
    let name = b.get(DENT_NODE_LEN..DENT_NODE_LEN.checked_add(nlen)?)?;
    Some((
        parent,
        Dent {
            sqnum,
            inum: le64(b, 40)?,
            dtype: *b.get(49)?,
            name,
        },
    ))
}

fn parse_data<'a>(b: &'a [u8], n: &Node<'_>) -> Option<(u64, u32, Data<'a>)> {
    let ino = u64::from(le32(b, 24)?);
    let block = le32(b, 28)? & 0x1fff_ffff;
    Some((
        ino,
        block,
        Data {
            at: n.at,
            sqnum: n.sqnum,
            size: le32(b, 40)?,
            compr: le16(b, 44)?,
            data: b.get(DATA_NODE_LEN..)?,
        },
    ))
}

fn scan<'a>(u: &mut Unpacker<'_>, data: &'a [u8], layer: &[String]) -> Scan<'a> {
    let mut s = Scan::default();
    let mut bad: BTreeMap<&'static str, (usize, usize)> = BTreeMap::new();
    let mut pos = 0usize;
    let mut kept = 0usize;
    let mut wasted = 0usize;
    let max_wasted = data.len().saturating_mul(MAX_WASTED_RATIO);
    while pos.saturating_add(CH_LEN) <= data.len() {
        if wasted > max_wasted {
            u.note(
                layer,
                format!(
                    "more than {MAX_WASTED_RATIO}x the volume's size spent on nodes whose CRC \
                     fails; the scan stopped at {pos:#x}"
                ),
            );
            break;
        }
        if kept >= MAX_NODES {
            u.note(
                layer,
                format!("more than {MAX_NODES} nodes; the scan stopped at {pos:#x}"),
            );
            break;
        }
        if data.get(pos..pos + 4) != Some(&MAGIC[..]) {
            pos += 8;
            continue;
        }
        let n = match node(data, pos) {
            Ok(n) => n,
            Err(e) => {
                let what = match e {
                    NodeError::BadCrc => {
                        wasted = wasted
                            .saturating_add(le32(data, pos + 16).map_or(CH_LEN, |l| l as usize));
                        "CRC"
                    }
                    NodeError::BadLength(_) => "length",
                    NodeError::Short => "truncation",
                    NodeError::NotMagic => "magic",
                };
                bad.entry(what).or_insert((0, pos)).0 += 1;
                pos += 8;
                continue;
            }
        };
        let b = n.bytes;
        let fixed = match n.node_type {
            INO_NODE => INO_NODE_LEN,
            DENT_NODE => DENT_NODE_LEN,
            DATA_NODE => DATA_NODE_LEN,
            _ => CH_LEN,
        };
        // A node shorter than its type's fixed part is not one of those
        // (mkfs.ubifs writes a 64-byte type-0 node after the superblock).
        let malformed = b.len() >= fixed
            && match n.node_type {
                SB_NODE => {
                    s.leb_size = le32(b, 36);
                    false
                }
                INO_NODE => match parse_inode(b, n.sqnum) {
                    Some((ino, i)) => {
                        kept += 1;
                        match s.inodes.get(&ino) {
                            Some(old) if old.sqnum > i.sqnum => {}
                            _ => {
                                s.inodes.insert(ino, i);
                            }
                        }
                        false
                    }
                    None => true,
                },
                DENT_NODE => match parse_dent(b, n.sqnum) {
                    Some((parent, d)) => {
                        kept += 1;
                        match s.dents.get(&(parent, d.name)) {
                            Some(old) if old.sqnum > d.sqnum => {}
                            _ => {
                                s.dents.insert((parent, d.name), d);
                            }
                        }
                        false
                    }
                    None => true,
                },
                DATA_NODE => match parse_data(b, &n) {
                    Some((ino, block, d)) => {
                        kept += 1;
                        let blocks = s.data.entry(ino).or_default();
                        match blocks.get(&block) {
                            Some(old) if old.sqnum > d.sqnum => {}
                            _ => {
                                blocks.insert(block, d);
                            }
                        }
                        false
                    }
                    None => true,
                },
                // Padding, index, master, log, orphan and other nodes carry
                // no file content.
                _ => false,
            };
        if malformed {
            bad.entry("layout").or_insert((0, pos)).0 += 1;
        }
        s.end = pos + b.len();
        pos = pos.saturating_add(b.len().saturating_add(7) & !7);
    }
    for (what, (n, first)) in bad {
        u.note(
            layer,
            format!("{n} node(s) fail their {what} check (first at {first:#x}); skipped"),
        );
    }
    s
}

/// Decodes one data block into at most `size` bytes.
fn decompress(compr: u16, src: &[u8], size: usize) -> Result<Vec<u8>, String> {
    match compr {
        0 => Ok(src.get(..size).unwrap_or(src).to_vec()),
        1 => {
            let mut out = vec![0; size];
            match lzo::decompress_into(src, &mut out) {
                Ok(n) => {
                    out.truncate(n);
                    Ok(out)
                }
                Err(e) => Err(format!("lzo data cannot be decoded: {e:?}")),
            }
        }
        2 => {
            // The kernel's crypto "deflate": raw deflate, no zlib header.
            let mut out = Vec::with_capacity(size);
            flate2::read::DeflateDecoder::new(src)
                .take(size as u64)
                .read_to_end(&mut out)
                .map_err(|e| format!("zlib data cannot be decoded: {e}"))?;
            Ok(out)
        }
        3 => match compress::decompress(Codec::Zstd, src, size as u64) {
            Ok(out) => Ok(out.bytes),
            Err(e) => Err(format!("zstd data cannot be decoded: {e:?}")),
        },
        other => Err(format!("unknown compression type {other}")),
    }
}

fn dtype_kind(dtype: u8) -> Option<u32> {
    match dtype {
        0 => Some(S_IFREG),
        1 => Some(S_IFDIR),
        2 => Some(S_IFLNK),
        3 => Some(S_IFBLK),
        4 => Some(S_IFCHR),
        5 => Some(S_IFIFO),
        6 => Some(S_IFSOCK),
        _ => None,
    }
}

/// Reads the UBIFS volume at the start of `data` into `u` under `layer`.
/// Returns the bytes it covers (to the end of the last valid node), or
/// `None` when it holds no file (a note says why).
pub(crate) fn read(u: &mut Unpacker<'_>, data: &[u8], layer: &[String]) -> Option<u64> {
    if let Err(why) = validate(data) {
        u.note(layer, why);
        return None;
    }
    let s = scan(u, data, layer);
    if s.inodes.is_empty() && s.dents.is_empty() {
        u.note(layer, "no valid inode or directory entry node");
        return None;
    }
    if s.leb_size.is_none_or(|l| l == 0 || l % 8 != 0) {
        u.note(layer, "superblock gives no usable LEB size");
    }
    u.filesystem(layer);
    let mut children: HashMap<u64, Vec<(&[u8], Dent<'_>)>> = HashMap::new();
    for ((parent, name), d) in &s.dents {
        if d.inum != 0 {
            children.entry(*parent).or_default().push((name, *d));
        }
    }
    for v in children.values_mut() {
        v.sort_by(|a, b| a.0.cmp(b.0));
    }
    let covered = s.end as u64;
    let budget = covered.saturating_mul(u.limits().max_expansion_ratio);
    let mut w = Walk {
        layer,
        scan: &s,
        children: &children,
        budget,
        read: 0,
        seen_dirs: HashSet::from([ROOT_INO]),
        first_path: HashMap::new(),
    };
    let mut root = layer.to_vec();
    root.push("/".into());
    if u.push_entry(root, EntryKind::Dir) {
        w.dir(u, ROOT_INO, "", 0);
    }
    Some(covered)
}

struct Walk<'w, 'a> {
    layer: &'w [String],
    scan: &'w Scan<'a>,
    children: &'w HashMap<u64, Vec<(&'a [u8], Dent<'a>)>>,
    budget: u64,
    read: u64,
    seen_dirs: HashSet<u64>,
    first_path: HashMap<u64, String>,
}

impl Walk<'_, '_> {
    fn encrypted(&self, ino: u64) -> bool {
        self.scan
            .inodes
            .get(&ino)
            .is_some_and(|i| i.flags & CRYPT_FL != 0)
    }

    fn push(&self, u: &mut Unpacker<'_>, inner: &str, kind: EntryKind) -> bool {
        let mut p = self.layer.to_vec();
        p.push(inner.to_string());
        u.push_entry(p, kind)
    }

    /// Records the children of directory `ino` (at `path`); `false` once
    /// the entry or time limit is reached.
    fn dir(&mut self, u: &mut Unpacker<'_>, ino: u64, path: &str, depth: usize) -> bool {
        let Some(kids) = self.children.get(&ino) else {
            return true;
        };
        if self.encrypted(ino) {
            // The names are ciphertext: listing them would invent files.
            u.note(
                self.layer,
                format!(
                    "{path}/: encrypted directory (fscrypt): its {} entries (names and \
                     contents) cannot be inspected without the key",
                    kids.len()
                ),
            );
            return true;
        }
        for (raw, d) in kids {
            let name = String::from_utf8_lossy(raw);
            if name.is_empty()
                || raw.len() > MAX_NAME
                || name == "."
                || name == ".."
                || name.contains(['/', '\0'])
            {
                u.note(
                    self.layer,
                    format!("directory entry {name:?} in {path}/ is not a file name; skipped"),
                );
                continue;
            }
            let Some(inner) = confined(&format!("{path}/{name}")) else {
                continue;
            };
            let inode = self.scan.inodes.get(&d.inum);
            if inode.is_some_and(|i| i.nlink == 0) {
                // Deleted; its entry is a leftover the scan still sees.
                continue;
            }
            let mode = inode
                .map(|i| i.mode & S_IFMT)
                .or_else(|| dtype_kind(d.dtype));
            if mode == Some(S_IFDIR) {
                if depth + 1 >= MAX_DEPTH {
                    u.note(
                        self.layer,
                        format!("{inner}: nested more than {MAX_DEPTH} directories deep; not read"),
                    );
                    continue;
                }
                if !self.seen_dirs.insert(d.inum) {
                    u.note(
                        self.layer,
                        format!(
                            "{inner}: directory inode {} is reached a second time (a cycle); \
                             not followed",
                            d.inum
                        ),
                    );
                    continue;
                }
                if !self.push(u, &inner, EntryKind::Dir) || !self.dir(u, d.inum, &inner, depth + 1)
                {
                    return false;
                }
                continue;
            }
            let kind = match self.first_path.get(&d.inum) {
                Some(first) => EntryKind::Hardlink {
                    target: first.clone(),
                },
                None => {
                    self.first_path.insert(d.inum, inner.clone());
                    self.leaf(u, d.inum, inode, mode, &inner)
                }
            };
            if !self.push(u, &inner, kind) {
                return false;
            }
        }
        true
    }

    fn leaf(
        &mut self,
        u: &mut Unpacker<'_>,
        ino: u64,
        inode: Option<&Inode<'_>>,
        mode: Option<u32>,
        inner: &str,
    ) -> EntryKind {
        let Some(inode) = inode else {
            u.note(
                self.layer,
                format!("{inner}: inode {ino} has no inode node; recorded as empty"),
            );
            return EntryKind::FileSkipped { size: 0 };
        };
        if inode.flags & CRYPT_FL != 0 && mode.is_none_or(|m| m == S_IFREG || m == S_IFLNK) {
            u.note(
                self.layer,
                format!("{inner}: encrypted (fscrypt): its contents cannot be inspected"),
            );
            return EntryKind::FileSkipped { size: inode.size };
        }
        match mode {
            Some(S_IFLNK) => EntryKind::Symlink {
                target: String::from_utf8_lossy(inode.data).into_owned(),
            },
            Some(S_IFCHR | S_IFBLK) => {
                // `union ubifs_dev_desc`: the kernel's new encoding in 4
                // bytes, or a 64-bit huge encoding (major high, minor low).
                let device = match inode.data.len() {
                    4 => le32(inode.data, 0).unwrap_or(0),
                    8 => {
                        let v = le64(inode.data, 0).unwrap_or(0);
                        encode_dev((v >> 32) as u32, v as u32)
                    }
                    n => {
                        u.note(
                            self.layer,
                            format!("{inner}: device node holds {n} bytes, not 4 or 8"),
                        );
                        0
                    }
                };
                if mode == Some(S_IFCHR) {
                    EntryKind::CharDevice { device }
                } else {
                    EntryKind::BlockDevice { device }
                }
            }
            Some(S_IFIFO) => EntryKind::Fifo,
            Some(S_IFSOCK) => EntryKind::Socket,
            _ => {
                if mode != Some(S_IFREG) {
                    u.note(
                        self.layer,
                        format!(
                            "{inner}: unknown file mode {:#o}; read as a file",
                            inode.mode
                        ),
                    );
                }
                let size = inode.size;
                if let Some(why) =
                    u.refuse_file(inner, size, Some((self.read, self.budget, "filesystem")))
                {
                    u.note(self.layer, why);
                    return EntryKind::FileSkipped { size };
                }
                let bytes = self.rebuild(u, ino, size, inner);
                self.read = self.read.saturating_add(size);
                u.spend(size);
                EntryKind::File(bytes)
            }
        }
    }

    /// The file's bytes from its blocks; holes read as zeros.
    fn rebuild(&self, u: &mut Unpacker<'_>, ino: u64, size: u64, inner: &str) -> Vec<u8> {
        // `refuse_file` bounded `size` by the limits, so it fits memory.
        let len = usize::try_from(size).unwrap_or(0);
        let mut buf = vec![0u8; len];
        let Some(blocks) = self.scan.data.get(&ino) else {
            return buf;
        };
        for (block, d) in blocks {
            let start = u64::from(*block) * u64::from(BLOCK);
            if start >= size {
                // Left over from before a truncation.
                continue;
            }
            if d.size > BLOCK {
                u.note(
                    self.layer,
                    format!(
                        "{inner}: data node at {:#x} claims {} bytes, more than a {BLOCK}-byte \
                         block; skipped",
                        d.at, d.size
                    ),
                );
                continue;
            }
            match decompress(d.compr, d.data, d.size as usize) {
                Ok(bytes) => {
                    if bytes.len() < d.size as usize {
                        u.note(
                            self.layer,
                            format!(
                                "{inner}: data node at {:#x} decodes to {} of {} bytes",
                                d.at,
                                bytes.len(),
                                d.size
                            ),
                        );
                    }
                    let start = start as usize;
                    let take = bytes.len().min(len - start);
                    if let (Some(dst), Some(src)) =
                        (buf.get_mut(start..start + take), bytes.get(..take))
                    {
                        dst.copy_from_slice(src);
                    }
                }
                Err(why) => u.note(
                    self.layer,
                    format!("{inner}: data node at {:#x}: {why}", d.at),
                ),
            }
        }
        buf
    }
}
