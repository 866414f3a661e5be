//! JFFS2, the journalling flash filesystem of NOR-flash devices, read from
//! a byte slice.
//!
//! Our own parser: the `jffs2` crate wraps GPL C and needs cmake (see
//! CRATES.md). Written from Linux `include/uapi/linux/jffs2.h` (node
//! layouts, node types, compressor ids) and `fs/jffs2/` (`scan.c` for the
//! walk over the medium, `nodelist.c`/`readinode.c` for which node wins,
//! `compr_rtime.c`, `compr_zlib.c`, `compr_lzo.c` for the payloads).
//!
//! How it reads, like the kernel's scan: nodes start on 4-byte boundaries;
//! erased space (`0xFFFF`) is skipped, so are cleanmarkers, padding,
//! summary (sumtool), xattr and unknown compatible nodes. Every node's
//! header CRC is checked (with the "accurate" bit set, as the kernel does,
//! so nodes marked obsolete still parse and are then skipped), and so are
//! the node CRC and the name or data CRC of directory entries and inodes;
//! a node that fails is skipped and counted in one note. Both byte orders
//! are read (magic `0x1985`, little- or big-endian).
//!
//! The tree is rebuilt from directory entries: for each (parent, name) the
//! newest version wins, and inode 0 means unlinked. Paths start at inode 1;
//! a directory reached twice (a cycle) or nested past [`MAX_DEPTH`] is a
//! note. File contents are rebuilt from the inode's data nodes applied in
//! version order (newer data overwrites older), cut at the newest `isize`;
//! a fragment past `isize`, larger than [`MAX_FRAGMENT`] or that does not
//! decode is a note. Compressors: none, zero, rtime, zlib, lzo (the pure
//! `lzo` crate); rubin, dynrubin and lzma fragments are notes.
//!
//! CRCs are the kernel's `crc32(0, …)`: CRC-32 (IEEE) with a zero seed and
//! no final inversion, i.e. `!crc32fast(!0)`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use crate::confine::mode::{
    S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK,
};
use crate::confine::{confined, encode_dev};
use crate::image::EntryKind;
use crate::unpack::Unpacker;

/// The first four bytes of a cleanmarker, a directory entry and an inode
/// node, little-endian then big-endian: what the scan looks for.
pub(crate) const MAGICS: [[u8; 4]; 6] = [
    [0x85, 0x19, 0x03, 0x20],
    [0x85, 0x19, 0x01, 0xe0],
    [0x85, 0x19, 0x02, 0xe0],
    [0x19, 0x85, 0x20, 0x03],
    [0x19, 0x85, 0xe0, 0x01],
    [0x19, 0x85, 0xe0, 0x02],
];

const MAGIC: u16 = 0x1985;
const EMPTY: u16 = 0xffff;
const NODE_ACCURATE: u16 = 0x2000;
const FEATURE_MASK: u16 = 0xc000;
const FEATURE_INCOMPAT: u16 = 0xc000;
const FEATURE_ROCOMPAT: u16 = 0x8000;
const NODETYPE_DIRENT: u16 = 0xe001;
const NODETYPE_INODE: u16 = 0xe002;
const NODETYPE_CLEANMARKER: u16 = 0x2003;
const NODETYPE_PADDING: u16 = 0x2004;
const NODETYPE_SUMMARY: u16 = 0x2006;
const NODETYPE_XATTR: u16 = 0xe008;
const NODETYPE_XREF: u16 = 0xe009;

const HEADER_LEN: usize = 12;
const DIRENT_LEN: usize = 40;
const INODE_LEN: usize = 68;

/// Directory nesting followed from the root; deeper entries are a note.
pub(crate) const MAX_DEPTH: usize = 64;
/// Bytes one data node may decode to. The kernel writes at most a page
/// (4 KiB; 64 KiB on some architectures); more is a hostile claim.
pub(crate) const MAX_FRAGMENT: u32 = 1 << 20;
/// Inode and directory-entry nodes kept; past this the scan stops.
const MAX_NODES: usize = 1 << 20;
/// Non-erased bytes without a valid node after which the filesystem is
/// taken to have ended (what follows is another partition's data).
const MAX_GARBAGE: usize = 64 << 10;
/// Bytes a symlink target may have (`PATH_MAX`).
const MAX_LINK: u32 = 4096;

/// The kernel's `crc32(0, data, len)`.
pub(crate) fn crc(data: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new_with_initial(!0);
    h.update(data);
    !h.finalize()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Little,
    Big,
}

impl Order {
    fn u16(self, b: &[u8], at: usize) -> Option<u16> {
        let w: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(match self {
            Order::Little => u16::from_le_bytes(w),
            Order::Big => u16::from_be_bytes(w),
        })
    }

    fn u32(self, b: &[u8], at: usize) -> Option<u32> {
        let w: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(match self {
            Order::Little => u32::from_le_bytes(w),
            Order::Big => u32::from_be_bytes(w),
        })
    }

    fn put16(self, v: u16) -> [u8; 2] {
        match self {
            Order::Little => v.to_le_bytes(),
            Order::Big => v.to_be_bytes(),
        }
    }

    /// The byte order whose magic `data` starts with.
    fn sniff(data: &[u8]) -> Option<Order> {
        match data.get(..2)? {
            [0x85, 0x19] => Some(Order::Little),
            [0x19, 0x85] => Some(Order::Big),
            _ => None,
        }
    }
}

/// A node header that passed its CRC.
#[derive(Debug, Clone, Copy)]
struct NodeHeader {
    nodetype: u16,
    totlen: usize,
}

#[derive(Debug, PartialEq, Eq)]
enum HeaderError {
    Short,
    NotMagic,
    BadCrc,
    BadLength(u32),
}

/// The node header at `data[at..]`, its CRC taken (like the kernel's) with
/// the accurate bit set, so obsoleted nodes still parse.
fn header(order: Order, data: &[u8], at: usize) -> Result<NodeHeader, HeaderError> {
    let h = at
        .checked_add(HEADER_LEN)
        .and_then(|end| data.get(at..end))
        .ok_or(HeaderError::Short)?;
    let magic = order.u16(h, 0).ok_or(HeaderError::Short)?;
    if magic != MAGIC {
        return Err(HeaderError::NotMagic);
    }
    let nodetype = order.u16(h, 2).ok_or(HeaderError::Short)?;
    let totlen = order.u32(h, 4).ok_or(HeaderError::Short)?;
    let stored = order.u32(h, 8).ok_or(HeaderError::Short)?;
    let mut first = [0u8; 8];
    first.copy_from_slice(h.get(..8).ok_or(HeaderError::Short)?);
    first[2..4].copy_from_slice(&order.put16(nodetype | NODE_ACCURATE));
    if crc(&first) != stored {
        return Err(HeaderError::BadCrc);
    }
    let len = usize::try_from(totlen).map_err(|_| HeaderError::BadLength(totlen))?;
    if len < HEADER_LEN {
        return Err(HeaderError::BadLength(totlen));
    }
    Ok(NodeHeader {
        nodetype,
        totlen: len,
    })
}

/// The dry-run check: a node header whose CRC holds and whose length fits.
pub(crate) fn validate(data: &[u8]) -> Result<(), String> {
    let order = Order::sniff(data).ok_or("no JFFS2 magic (0x1985)")?;
    match header(order, data, 0) {
        Ok(h) if h.totlen <= data.len() => Ok(()),
        Ok(h) => Err(format!(
            "first node claims {} bytes, only {} left",
            h.totlen,
            data.len()
        )),
        Err(HeaderError::BadCrc) => Err("first node header fails its CRC".into()),
        Err(e) => Err(format!("not a JFFS2 node header ({e:?})")),
    }
}

/// A directory entry node, borrowed.
#[derive(Debug, Clone, Copy)]
struct Dirent<'a> {
    pino: u32,
    version: u32,
    ino: u32,
    dtype: u8,
    name: &'a [u8],
}

/// An inode node (metadata and one data fragment), borrowed.
#[derive(Debug, Clone, Copy)]
struct InodeNode<'a> {
    /// Offset of the node in the filesystem, for notes.
    at: usize,
    ino: u32,
    version: u32,
    mode: u32,
    isize: u32,
    offset: u32,
    dsize: u32,
    compr: u8,
    data: &'a [u8],
}

fn dirent<'a>(order: Order, node: &'a [u8]) -> Result<Dirent<'a>, &'static str> {
    let f = |at| order.u32(node, at).ok_or("truncated directory entry");
    if crc(node.get(..32).ok_or("truncated directory entry")?) != f(32)? {
        return Err("node CRC");
    }
    let nsize = usize::from(*node.get(28).ok_or("truncated directory entry")?);
    let name = node
        .get(DIRENT_LEN..DIRENT_LEN + nsize)
        .ok_or("name beyond the node")?;
    if crc(name) != f(36)? {
        return Err("name CRC");
    }
    Ok(Dirent {
        pino: f(12)?,
        version: f(16)?,
        ino: f(20)?,
        dtype: *node.get(29).ok_or("truncated directory entry")?,
        name,
    })
}

fn inode(order: Order, node: &[u8], at: usize) -> Result<InodeNode<'_>, &'static str> {
    let f = |off| order.u32(node, off).ok_or("truncated inode");
    if crc(node.get(..60).ok_or("truncated inode")?) != f(64)? {
        return Err("node CRC");
    }
    let csize = usize::try_from(f(48)?).map_err(|_| "data beyond the node")?;
    let data = INODE_LEN
        .checked_add(csize)
        .and_then(|end| node.get(INODE_LEN..end))
        .ok_or("data beyond the node")?;
    if crc(data) != f(60)? {
        return Err("data CRC");
    }
    Ok(InodeNode {
        at,
        ino: f(12)?,
        version: f(16)?,
        mode: f(20)?,
        isize: f(28)?,
        offset: f(44)?,
        dsize: f(52)?,
        compr: *node.get(56).ok_or("truncated inode")?,
        data,
    })
}

/// Everything the scan kept.
#[derive(Debug, Default)]
struct Scan<'a> {
    dirents: Vec<Dirent<'a>>,
    inodes: Vec<InodeNode<'a>>,
    /// Offset after the last valid node.
    end: usize,
}

fn align4(n: usize) -> usize {
    n.saturating_add(3) & !3
}

/// Walks the medium node by node, as `fs/jffs2/scan.c` does.
fn scan<'a>(u: &mut Unpacker<'_>, order: Order, data: &'a [u8], layer: &[String]) -> Scan<'a> {
    let mut s = Scan::default();
    let mut pos = 0usize;
    let mut garbage = 0usize;
    let mut bad: BTreeMap<&'static str, (usize, usize)> = BTreeMap::new();
    let mut count_bad = |what: &'static str, at: usize| {
        bad.entry(what).or_insert((0, at)).0 += 1;
    };
    while pos.saturating_add(HEADER_LEN) <= data.len() {
        if garbage > MAX_GARBAGE {
            u.note(
                layer,
                format!(
                    "no JFFS2 node in the {} KiB after {:#x}; the filesystem is taken to end there",
                    MAX_GARBAGE >> 10,
                    s.end
                ),
            );
            break;
        }
        if s.dirents.len() + s.inodes.len() >= MAX_NODES {
            u.note(
                layer,
                format!("more than {MAX_NODES} nodes; the scan stopped at {pos:#x}"),
            );
            break;
        }
        if order.u16(data, pos) == Some(EMPTY) {
            pos += 4;
            continue;
        }
        let h = match header(order, data, pos) {
            Ok(h) => h,
            Err(e) => {
                match e {
                    HeaderError::BadCrc => count_bad("header CRC", pos),
                    HeaderError::BadLength(_) => count_bad("node length", pos),
                    HeaderError::Short | HeaderError::NotMagic => {}
                }
                garbage += 4;
                pos += 4;
                continue;
            }
        };
        let Some(node) = pos.checked_add(h.totlen).and_then(|end| data.get(pos..end)) else {
            u.note(
                layer,
                format!(
                    "node at {pos:#x} claims {} bytes, only {} left; the filesystem is truncated",
                    h.totlen,
                    data.len() - pos
                ),
            );
            garbage += 4;
            pos += 4;
            continue;
        };
        let next = align4(pos + h.totlen);
        if h.nodetype & NODE_ACCURATE == 0 {
            // Obsoleted in place (NOR flash): dirty space, skipped whole.
        } else {
            match h.nodetype {
                NODETYPE_DIRENT => match dirent(order, node) {
                    Ok(d) => s.dirents.push(d),
                    Err(why) => count_bad(why, pos),
                },
                NODETYPE_INODE => match inode(order, node, pos) {
                    Ok(i) => s.inodes.push(i),
                    Err(why) => count_bad(why, pos),
                },
                NODETYPE_CLEANMARKER | NODETYPE_PADDING | NODETYPE_SUMMARY | NODETYPE_XATTR
                | NODETYPE_XREF => {}
                other if other & FEATURE_MASK == FEATURE_INCOMPAT => u.note(
                    layer,
                    format!(
                        "node at {pos:#x} has unknown incompatible type {other:#06x} (the kernel \
                         would refuse to mount); skipped"
                    ),
                ),
                other if other & FEATURE_MASK == FEATURE_ROCOMPAT => u.note(
                    layer,
                    format!("node at {pos:#x} has unknown read-only type {other:#06x}; skipped"),
                ),
                _ => {}
            }
        }
        garbage = 0;
        s.end = next.min(data.len());
        pos = next;
    }
    for (what, (n, first)) in bad {
        u.note(
            layer,
            format!("{n} node(s) fail their {what} check (first at {first:#x}); skipped"),
        );
    }
    s
}

/// The newest inode node of each inode number, and all of its nodes in
/// version order (older first, so newer data lands last).
struct Inodes<'s, 'a> {
    by_ino: HashMap<u32, Vec<&'s InodeNode<'a>>>,
}

impl<'s, 'a> Inodes<'s, 'a> {
    fn new(nodes: &'s [InodeNode<'a>]) -> Self {
        let mut by_ino: HashMap<u32, Vec<&'s InodeNode<'a>>> = HashMap::new();
        for n in nodes {
            by_ino.entry(n.ino).or_default().push(n);
        }
        for v in by_ino.values_mut() {
            // Stable: nodes of equal version keep their medium order.
            v.sort_by_key(|n| n.version);
        }
        Inodes { by_ino }
    }

    fn nodes(&self, ino: u32) -> &[&'s InodeNode<'a>] {
        self.by_ino.get(&ino).map_or(&[], Vec::as_slice)
    }

    fn latest(&self, ino: u32) -> Option<&'s InodeNode<'a>> {
        self.nodes(ino).last().copied()
    }
}

/// Decodes one fragment into at most `dsize` bytes.
fn decompress(compr: u8, src: &[u8], dsize: usize) -> Result<Vec<u8>, String> {
    match compr {
        0 => Ok(src.get(..dsize).unwrap_or(src).to_vec()),
        1 => Ok(vec![0; dsize]),
        2 => rtime(src, dsize),
        6 => {
            // compr_zlib.c: a zlib header without a preset dictionary is
            // skipped and the rest inflated raw (no Adler-32 check).
            let zlib_header = src.len() >= 2
                && src[0] & 0x8f == 0x08
                && (u16::from(src[0]) << 8 | u16::from(src[1])) % 31 == 0
                && src[1] & 0x20 == 0;
            let mut out = Vec::with_capacity(dsize);
            let res = if zlib_header {
                flate2::read::DeflateDecoder::new(&src[2..])
                    .take(dsize as u64)
                    .read_to_end(&mut out)
            } else {
                flate2::read::ZlibDecoder::new(src)
                    .take(dsize as u64)
                    .read_to_end(&mut out)
            };
            match res {
                Ok(_) => Ok(out),
                Err(e) => Err(format!("zlib data cannot be decoded: {e}")),
            }
        }
        7 => {
            let mut out = vec![0; dsize];
            match lzo::decompress_into(src, &mut out) {
                Ok(n) => {
                    out.truncate(n);
                    Ok(out)
                }
                Err(e) => Err(format!("lzo data cannot be decoded: {e:?}")),
            }
        }
        3 => Err("rubinmips compression is not supported".into()),
        4 => Err("copy compression is not supported".into()),
        5 => Err("dynrubin compression is not supported".into()),
        8 => Err("lzma compression is not supported".into()),
        other => Err(format!("unknown compression type {other}")),
    }
}

/// `fs/jffs2/compr_rtime.c`: each byte is followed by a repeat count that
/// copies from just after that byte's previous occurrence.
fn rtime(src: &[u8], dsize: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(dsize);
    let mut positions = [0usize; 256];
    let mut pairs = src.chunks_exact(2);
    while out.len() < dsize {
        let Some(&[value, repeat]) = pairs.next() else {
            return Err(format!("rtime data ends after {} bytes", out.len()));
        };
        out.push(value);
        let back = positions[usize::from(value)];
        positions[usize::from(value)] = out.len();
        // `back` is always behind the end: the copy may overlap itself.
        for from in back..back + usize::from(repeat) {
            if out.len() >= dsize {
                break;
            }
            let Some(&b) = out.get(from) else {
                return Err("rtime back-reference beyond the output".into());
            };
            out.push(b);
        }
    }
    Ok(out)
}

/// Rebuilds `limit` bytes of an inode from its data nodes, newer data over
/// older; notes (on `layer`, naming `inner`) fragments it cannot use.
fn rebuild(
    u: &mut Unpacker<'_>,
    nodes: &[&InodeNode<'_>],
    size: u32,
    layer: &[String],
    inner: &str,
) -> Vec<u8> {
    let mut buf = vec![0u8; size as usize];
    for n in nodes {
        if n.dsize == 0 {
            continue;
        }
        let end = u64::from(n.offset) + u64::from(n.dsize);
        if n.offset >= size || end > u64::from(size) {
            // A truncated file keeps older fragments past its new end; the
            // kernel drops them. Only a claim past the newest size *at
            // this node's own version* is a defect.
            if end > u64::from(n.isize) {
                u.note(
                    layer,
                    format!(
                        "{inner}: fragment at {:#x} claims bytes {}..{end}, past the file size {}; \
                         cut",
                        n.at, n.offset, n.isize
                    ),
                );
            }
            if n.offset >= size {
                continue;
            }
        }
        if n.dsize > MAX_FRAGMENT {
            u.note(
                layer,
                format!(
                    "{inner}: fragment at {:#x} claims {} bytes, more than {MAX_FRAGMENT}; skipped",
                    n.at, n.dsize
                ),
            );
            continue;
        }
        match decompress(n.compr, n.data, n.dsize as usize) {
            Ok(bytes) => {
                if bytes.len() < n.dsize as usize {
                    u.note(
                        layer,
                        format!(
                            "{inner}: fragment at {:#x} decodes to {} of {} bytes",
                            n.at,
                            bytes.len(),
                            n.dsize
                        ),
                    );
                }
                let start = n.offset as usize;
                let room = buf.len().saturating_sub(start);
                let take = bytes.len().min(room);
                if let (Some(dst), Some(src)) =
                    (buf.get_mut(start..start + take), bytes.get(..take))
                {
                    dst.copy_from_slice(src);
                }
            }
            Err(why) => u.note(layer, format!("{inner}: fragment at {:#x}: {why}", n.at)),
        }
    }
    buf
}

fn dtype_kind(dtype: u8) -> Option<u32> {
    match dtype {
        1 => Some(S_IFIFO),
        2 => Some(S_IFCHR),
        4 => Some(S_IFDIR),
        6 => Some(S_IFBLK),
        8 => Some(S_IFREG),
        10 => Some(S_IFLNK),
        12 => Some(S_IFSOCK),
        _ => None,
    }
}

/// Reads the JFFS2 filesystem at the start of `data` into `u` under
/// `layer`. Returns the bytes it covers (to the end of the last valid
/// node), or `None` when it holds no file (a note says why).
pub(crate) fn read(u: &mut Unpacker<'_>, data: &[u8], layer: &[String]) -> Option<u64> {
    let Some(order) = Order::sniff(data) else {
        u.note(layer, "no JFFS2 magic (0x1985) at the start");
        return None;
    };
    let s = scan(u, order, data, layer);
    if s.dirents.is_empty() && s.inodes.is_empty() {
        u.note(layer, "no valid inode or directory entry node");
        return None;
    }
    u.filesystem(layer);
    // (parent, name) → newest entry; inode 0 (unlink) wins like any other.
    let mut newest: HashMap<(u32, &[u8]), Dirent<'_>> = HashMap::new();
    for d in &s.dirents {
        match newest.get(&(d.pino, d.name)) {
            Some(old) if old.version > d.version => {}
            _ => {
                newest.insert((d.pino, d.name), *d);
            }
        }
    }
    let mut children: HashMap<u32, Vec<Dirent<'_>>> = HashMap::new();
    for d in newest.into_values().filter(|d| d.ino != 0) {
        children.entry(d.pino).or_default().push(d);
    }
    for v in children.values_mut() {
        v.sort_by(|a, b| a.name.cmp(b.name));
    }
    let inodes = Inodes::new(&s.inodes);
    let covered = s.end as u64;
    let budget = covered.saturating_mul(u.limits().max_expansion_ratio);
    let mut w = Walk {
        order,
        layer,
        inodes: &inodes,
        children: &children,
        budget,
        read: 0,
        seen_dirs: HashSet::from([1]),
        first_path: HashMap::new(),
    };
    let mut root = layer.to_vec();
    root.push("/".into());
    if u.push_entry(root, EntryKind::Dir) {
        w.dir(u, 1, "", 0);
    }
    let reached: HashSet<u32> = w.first_path.keys().copied().chain(w.seen_dirs).collect();
    let orphans = inodes
        .by_ino
        .keys()
        .filter(|ino| **ino != 1 && !reached.contains(ino))
        .count();
    if orphans > 0 {
        u.note(
            layer,
            format!(
                "{orphans} inode(s) with data are not reachable from the root (deleted or orphaned)"
            ),
        );
    }
    Some(covered)
}

/// The walk of the directory tree from inode 1.
struct Walk<'w, 's, 'a> {
    order: Order,
    layer: &'w [String],
    inodes: &'w Inodes<'s, 'a>,
    children: &'w HashMap<u32, Vec<Dirent<'a>>>,
    /// Bytes the filesystem may expand to, and what it has so far.
    budget: u64,
    read: u64,
    seen_dirs: HashSet<u32>,
    /// The first path of each non-directory inode (later ones are links).
    first_path: HashMap<u32, String>,
}

impl Walk<'_, '_, '_> {
    /// Records the children of directory `ino` (at `path`); `false` once
    /// the entry or time limit is reached.
    fn dir(&mut self, u: &mut Unpacker<'_>, ino: u32, path: &str, depth: usize) -> bool {
        let Some(kids) = self.children.get(&ino) else {
            return true;
        };
        for d in kids {
            let name = String::from_utf8_lossy(d.name);
            if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
                u.note(
                    self.layer,
                    format!("directory entry {name:?} in {path}/ is not a file name; skipped"),
                );
                continue;
            }
            let Some(inner) = confined(&format!("{path}/{name}")) else {
                continue;
            };
            let mode = self
                .inodes
                .latest(d.ino)
                .map(|n| n.mode & S_IFMT)
                .or_else(|| dtype_kind(d.dtype));
            if mode == Some(S_IFDIR) {
                if depth + 1 >= MAX_DEPTH {
                    u.note(
                        self.layer,
                        format!("{inner}: nested more than {MAX_DEPTH} directories deep; not read"),
                    );
                    continue;
                }
                if !self.seen_dirs.insert(d.ino) {
                    u.note(
                        self.layer,
                        format!(
                            "{inner}: directory inode {} is reached a second time (a cycle); \
                             not followed",
                            d.ino
                        ),
                    );
                    continue;
                }
                if !self.push(u, &inner, EntryKind::Dir) || !self.dir(u, d.ino, &inner, depth + 1) {
                    return false;
                }
                continue;
            }
            let kind = match self.first_path.get(&d.ino) {
                Some(first) => EntryKind::Hardlink {
                    target: first.clone(),
                },
                None => {
                    self.first_path.insert(d.ino, inner.clone());
                    self.leaf(u, d, mode, &inner)
                }
            };
            if !self.push(u, &inner, kind) {
                return false;
            }
        }
        true
    }

    fn push(&self, u: &mut Unpacker<'_>, inner: &str, kind: EntryKind) -> bool {
        let mut p = self.layer.to_vec();
        p.push(inner.to_string());
        u.push_entry(p, kind)
    }

    fn leaf(
        &mut self,
        u: &mut Unpacker<'_>,
        d: &Dirent<'_>,
        mode: Option<u32>,
        inner: &str,
    ) -> EntryKind {
        let nodes = self.inodes.nodes(d.ino);
        let Some(latest) = nodes.last() else {
            u.note(
                self.layer,
                format!(
                    "{inner}: inode {} has no inode node; recorded as empty",
                    d.ino
                ),
            );
            return EntryKind::FileSkipped { size: 0 };
        };
        match mode {
            Some(S_IFLNK) => {
                let size = latest.isize.min(MAX_LINK);
                let target = rebuild(u, nodes, size, self.layer, inner);
                EntryKind::Symlink {
                    target: String::from_utf8_lossy(&target).into_owned(),
                }
            }
            Some(S_IFCHR | S_IFBLK) => {
                // The device number is the inode's data: 2 bytes for the
                // old 8:8 encoding, 4 for the kernel's new encoding.
                let raw = decompress(latest.compr, latest.data, latest.dsize.min(4) as usize)
                    .unwrap_or_default();
                let device = match raw.len() {
                    2 => {
                        let old = self.order.u16(&raw, 0).unwrap_or(0);
                        encode_dev(u32::from(old >> 8), u32::from(old & 0xff))
                    }
                    4 => self.order.u32(&raw, 0).unwrap_or(0),
                    n => {
                        u.note(
                            self.layer,
                            format!("{inner}: device node holds {n} bytes, not 2 or 4"),
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
                            latest.mode
                        ),
                    );
                }
                let size = u64::from(latest.isize);
                if let Some(why) =
                    u.refuse_file(inner, size, Some((self.read, self.budget, "filesystem")))
                {
                    u.note(self.layer, why);
                    return EntryKind::FileSkipped { size };
                }
                let bytes = rebuild(u, nodes, latest.isize, self.layer, inner);
                self.read = self.read.saturating_add(size);
                u.spend(size);
                EntryKind::File(bytes)
            }
        }
    }
}
