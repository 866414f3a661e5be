//! YAFFS2, the NAND flash filesystem, as a raw image of its chunks (what
//! `mkyaffs2image` writes and a NAND dump holds), in both byte orders.
//!
//! Our own parser: no crate reads YAFFS2. Followed: the YAFFS2 source
//! (`yaffs_guts.h` for `struct yaffs_obj_hdr` and the reserved object ids,
//! `yaffs_packedtags2.h`/`.c` for the tags in the spare area and their
//! extra-header-info flags) and the layout the `unyaffs` tool reads.
//!
//! Layout: the image is a sequence of chunks, each a data page (512 to
//! 16384 bytes) followed by its spare (OOB) bytes. The spare carries packed
//! tags2 (at offset 0, or 2 after a bad-block marker): sequence number (one
//! per erase block; the larger is newer), object id, chunk id, byte count,
//! then optional ECC. Chunk id 0 (or the `EXTRA_HEADER_INFO` flag) marks
//! an object header: type (file, symlink, directory, hard link, special),
//! parent object id, a 256-byte NUL-terminated name, mode, uid/gid, times,
//! file size, the hard link's equivalent object and the symlink's 160-byte
//! alias. Chunk id `n > 0` is the `n`-th page of a file's data.
//!
//! There is no magic number: the geometry (page and spare size, tags
//! offset, byte order) is found by trying the usual combinations, and an
//! image counts only when its first chunk is a plausible object header and
//! the second chunk's tags agree (see [`validate`]). Inside a larger blob
//! (a NAND dump) the walk tries every multiple of 528 bytes, where an erase
//! block of any usual geometry can start (`unpack::sweep_yaffs2`).
//!
//! Bounds: the chunk tables are bounded by the image's size; the newest
//! copy of a chunk wins (larger sequence number, then later in the image);
//! objects in the unlinked and deleted pseudo directories are skipped;
//! paths are built from parent ids with a depth and cycle guard and every
//! name goes through [`confined`]; files are rebuilt from their data chunks
//! up to their declared size, each through [`Unpacker::refuse_file`];
//! symlinks and hard links are recorded, never followed.

use std::collections::HashMap;

use crate::confine::mode::{S_IFBLK, S_IFCHR, S_IFIFO, S_IFMT, S_IFSOCK};
use crate::confine::{confined, encode_dev};
use crate::image::EntryKind;
use crate::unpack::Unpacker;

/// (page, spare) sizes tried, most common first.
const GEOMETRIES: [(usize, usize); 6] = [
    (2048, 64),
    (4096, 128),
    (512, 16),
    (1024, 32),
    (8192, 256),
    (16384, 512),
];
/// Where the tags sit in the spare: at its start, or after a 2-byte
/// bad-block marker.
const TAG_OFFSETS: [usize; 2] = [0, 2];
const TAGS_LEN: usize = 16;
/// `struct yaffs_obj_hdr` fits the smallest page.
const HEADER_LEN: usize = 512;
const NAME_AT: usize = 10;
const NAME_LEN: usize = 256;
const MODE_AT: usize = 268;
const SIZE_LOW_AT: usize = 292;
const EQUIV_AT: usize = 296;
const ALIAS_AT: usize = 300;
const ALIAS_LEN: usize = 160;
const RDEV_AT: usize = 460;
const SIZE_HIGH_AT: usize = 496;

const OBJ_ROOT: u32 = 1;
const OBJ_LOST_FOUND: u32 = 2;
const OBJ_UNLINKED: u32 = 3;
const OBJ_DELETED: u32 = 4;
/// Ids above this are not object ids (`YAFFS_MAX_OBJECT_ID` is 2^18 in the
/// source; the tags keep 28 bits).
const MAX_OBJ_ID: u32 = 0x0fff_ffff;
const LOWEST_SEQ: u32 = 0x1000;
const HIGHEST_SEQ: u32 = 0xefff_ff00;
const EXTRA_HEADER_INFO: u32 = 0x8000_0000;
/// Directories deeper than this are refused (a parent chain this long is a
/// loop or an attack).
const MAX_DEPTH: usize = 256;
/// Paths longer than Linux's `PATH_MAX` are refused (and keep the memory
/// of the path table bounded).
const MAX_PATH: usize = 4096;
/// Chunks with an impossible byte count noted one by one; the rest counted.
const MAX_BAD_NOTES: usize = 8;

const T_FILE: u32 = 1;
const T_SYMLINK: u32 = 2;
const T_DIR: u32 = 3;
const T_HARDLINK: u32 = 4;
const T_SPECIAL: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endian {
    Little,
    Big,
}

/// How the chunks of one image are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Geometry {
    page: usize,
    spare: usize,
    tags_at: usize,
    endian: Endian,
}

impl Geometry {
    fn chunk(&self) -> usize {
        self.page + self.spare
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tags {
    seq: u32,
    obj: u32,
    chunk: u32,
    bytes: u32,
}

impl Tags {
    fn is_header(&self) -> bool {
        self.chunk == 0 || self.chunk & EXTRA_HEADER_INFO != 0
    }
}

fn word(d: &[u8], at: usize, e: Endian) -> Option<u32> {
    let w = d.get(at..at.checked_add(4)?)?;
    let w = [w[0], w[1], w[2], w[3]];
    Some(match e {
        Endian::Little => u32::from_le_bytes(w),
        Endian::Big => u32::from_be_bytes(w),
    })
}

/// The tags of chunk `i`; `None` when the chunk is not all there.
fn tags(data: &[u8], g: &Geometry, i: usize) -> Option<Tags> {
    let at = i.checked_mul(g.chunk())?.checked_add(g.page + g.tags_at)?;
    let w = |k: usize| word(data, at + 4 * k, g.endian);
    // The whole chunk must be present, not just its tags.
    data.get(..i.checked_add(1)?.checked_mul(g.chunk())?)?;
    Some(Tags {
        seq: w(0)?,
        obj: w(1)?,
        chunk: w(2)?,
        bytes: w(3)?,
    })
}

/// Whether the tags belong to a written chunk (not erased, not garbage).
fn used(t: &Tags) -> bool {
    (LOWEST_SEQ..=HIGHEST_SEQ).contains(&t.seq) && (t.obj & MAX_OBJ_ID) != 0
}

/// An object header's fields the walk uses.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Header {
    kind: u32,
    parent: u32,
    name: Vec<u8>,
    mode: u32,
    size: u64,
    equiv: u32,
    alias: Vec<u8>,
    rdev: u32,
}

/// The NUL-terminated string in `field`, or `None` when it has no NUL.
fn cstr(field: &[u8]) -> Option<Vec<u8>> {
    let end = field.iter().position(|&b| b == 0)?;
    Some(field.get(..end)?.to_vec())
}

/// Parses the object header in `page`; `Err` says what is wrong with it.
fn header(page: &[u8], e: Endian) -> Result<Header, String> {
    let h = page.get(..HEADER_LEN).ok_or("object header truncated")?;
    let w = |at| word(h, at, e).unwrap_or(0);
    let kind = w(0);
    if !(T_FILE..=T_SPECIAL).contains(&kind) {
        return Err(format!("unknown object type {kind}"));
    }
    let parent = w(4);
    if parent == 0 || parent > MAX_OBJ_ID {
        return Err(format!("parent object id {parent:#x} is not an object id"));
    }
    let name = cstr(h.get(NAME_AT..NAME_AT + NAME_LEN).unwrap_or_default())
        .ok_or("name is not NUL-terminated within 256 bytes")?;
    // Only a symlink's alias is written (the rest keep the 0xff fill).
    let alias = if kind == T_SYMLINK {
        cstr(h.get(ALIAS_AT..ALIAS_AT + ALIAS_LEN).unwrap_or_default())
            .ok_or("symlink alias is not NUL-terminated within 160 bytes")?
    } else {
        Vec::new()
    };
    let low = u64::from(w(SIZE_LOW_AT));
    let high = w(SIZE_HIGH_AT);
    let size = if high == 0xffff_ffff {
        low
    } else {
        low | (u64::from(high) << 32)
    };
    Ok(Header {
        kind,
        parent,
        name,
        mode: w(MODE_AT),
        size,
        equiv: w(EQUIV_AT),
        alias,
        rdev: w(RDEV_AT),
    })
}

/// Finds the geometry under which `data` starts with a YAFFS2 image: the
/// first chunk's tags are those of an object header whose fields are sane
/// (known type, NUL-terminated name, plain parent id), and the second
/// chunk's tags are those of a written chunk too.
fn geometry(data: &[u8]) -> Result<Geometry, String> {
    // Why the geometry that came closest failed (the deepest stage wins).
    let mut why = (
        0,
        String::from("shorter than two chunks of the smallest geometry"),
    );
    let mut fail = |stage: u8, msg: String| {
        if stage > why.0 {
            why = (stage, msg);
        }
    };
    for (page, spare) in GEOMETRIES {
        for tags_at in TAG_OFFSETS {
            if tags_at + TAGS_LEN > spare {
                continue;
            }
            for endian in [Endian::Little, Endian::Big] {
                let g = Geometry {
                    page,
                    spare,
                    tags_at,
                    endian,
                };
                let (Some(t0), Some(t1)) = (tags(data, &g, 0), tags(data, &g, 1)) else {
                    continue;
                };
                if !used(&t0) || !t0.is_header() {
                    fail(
                        1,
                        "the first chunk's tags are not an object header's under any geometry"
                            .into(),
                    );
                    continue;
                }
                let obj = t0.obj & MAX_OBJ_ID;
                let checked = header(data, endian).and_then(|h| {
                    if obj == OBJ_UNLINKED || obj == OBJ_DELETED {
                        Err(format!("object id {obj} is a pseudo directory's"))
                    } else if obj != OBJ_ROOT && h.name.is_empty() {
                        Err(format!("object {obj} has an empty name"))
                    } else if obj != OBJ_ROOT && h.parent == obj {
                        Err(format!("object {obj} is its own parent"))
                    } else {
                        Ok(())
                    }
                });
                if let Err(e) = checked {
                    fail(2, format!("first chunk ({page}+{spare} bytes): {e}"));
                    continue;
                }
                // Chunks 0 and 1 share an erase block: one sequence number.
                if !used(&t1) || t1.seq != t0.seq || (!t1.is_header() && t1.bytes as usize > page) {
                    fail(
                        3,
                        format!(
                            "second chunk ({page}+{spare} bytes): its tags are not those of a \
                             written chunk of the first chunk's erase block"
                        ),
                    );
                    continue;
                }
                return Ok(g);
            }
        }
    }
    Err(format!("not a YAFFS2 image: {}", why.1))
}

/// The dry-run check (see [`geometry`]).
pub(crate) fn validate(data: &[u8]) -> Result<(), String> {
    geometry(data).map(|_| ())
}

/// An object's path in the filesystem and its depth, once placed.
type Placed = Option<(String, usize)>;

/// The newest copy of a chunk: sequence number, then position.
type Newest = (u32, usize);

/// Reads the YAFFS2 image at the start of `data` into `u`'s image under
/// `layer`. Returns the bytes it covers, or `None` when it could not be read
/// (a note says why).
pub(crate) fn read(u: &mut Unpacker<'_>, data: &[u8], layer: &[String]) -> Option<u64> {
    let g = match geometry(data) {
        Ok(g) => g,
        Err(why) => {
            u.note(layer, why);
            return None;
        }
    };
    u.filesystem(layer);
    let chunks = data.len() / g.chunk();
    if !data.len().is_multiple_of(g.chunk()) {
        u.note(
            layer,
            format!(
                "image ends {} bytes into a chunk ({} page + {} spare bytes); that chunk is \
                 not read",
                data.len() % g.chunk(),
                g.page,
                g.spare
            ),
        );
    }
    let fs_budget = (data.len() as u64).saturating_mul(u.limits().max_expansion_ratio);
    let mut fs_read = 0u64;

    // Newest header chunk per object, newest data chunk per (object, chunk).
    let mut headers: HashMap<u32, Newest> = HashMap::new();
    let mut pages: HashMap<(u32, u32), (Newest, u32)> = HashMap::new();
    let mut bad = 0usize;
    for i in 0..chunks {
        let Some(t) = tags(data, &g, i) else { break };
        if !used(&t) {
            continue;
        }
        let obj = t.obj & MAX_OBJ_ID;
        let key = (t.seq, i);
        if t.is_header() {
            let e = headers.entry(obj).or_insert(key);
            if key > *e {
                *e = key;
            }
        } else if t.bytes as usize > g.page {
            bad += 1;
            if bad <= MAX_BAD_NOTES {
                u.note(
                    layer,
                    format!(
                        "chunk {i} (object {obj}, chunk {}): claims {} bytes, more than its \
                         {}-byte page; ignored",
                        t.chunk, t.bytes, g.page
                    ),
                );
            }
        } else {
            let e = pages.entry((obj, t.chunk)).or_insert((key, t.bytes));
            if key > e.0 {
                *e = (key, t.bytes);
            }
        }
    }

    if bad > MAX_BAD_NOTES {
        u.note(
            layer,
            format!("{bad} chunks in all claim more bytes than a page; ignored"),
        );
    }

    // Parse every object's newest header.
    let mut objects: HashMap<u32, Header> = HashMap::new();
    let mut ids: Vec<u32> = headers.keys().copied().collect();
    ids.sort_unstable();
    for &obj in &ids {
        let Some(&(_, i)) = headers.get(&obj) else {
            continue;
        };
        let start = i * g.chunk();
        let page = data.get(start..start + g.page).unwrap_or_default();
        match header(page, g.endian) {
            Ok(h) => {
                objects.insert(obj, h);
            }
            Err(why) => u.note(layer, format!("object {obj} (chunk {i}): {why}; skipped")),
        }
    }

    // Paths from parent ids, memoised; `None` for objects not placed.
    let mut paths: HashMap<u32, Placed> = HashMap::new();
    paths.insert(OBJ_ROOT, Some((String::new(), 0)));
    let mut entries: Vec<(String, u32)> = Vec::new();
    for &obj in &ids {
        if obj == OBJ_ROOT || !objects.contains_key(&obj) {
            continue;
        }
        if entries.len() >= u.limits().max_files {
            // push_entry notes the limit.
            break;
        }
        if let Some(p) = path_of(u, layer, &objects, &mut paths, obj) {
            entries.push((p, obj));
        }
    }
    entries.sort();

    let mut root = layer.to_vec();
    root.push("/".into());
    if !u.push_entry(root, EntryKind::Dir) {
        return Some((chunks * g.chunk()) as u64);
    }
    for (inner, obj) in entries {
        let Some(h) = objects.get(&obj) else {
            continue;
        };
        let kind = match h.kind {
            T_DIR => EntryKind::Dir,
            T_FILE => {
                let size = h.size;
                if let Some(why) =
                    u.refuse_file(&inner, size, Some((fs_read, fs_budget, "filesystem")))
                {
                    u.note(layer, why);
                    EntryKind::FileSkipped { size }
                } else {
                    let bytes = file_data(data, &g, &pages, obj, size);
                    fs_read += size;
                    u.spend(size);
                    EntryKind::File(bytes)
                }
            }
            T_SYMLINK => EntryKind::Symlink {
                target: String::from_utf8_lossy(&h.alias).into_owned(),
            },
            T_HARDLINK => match paths.get(&h.equiv) {
                Some(Some((target, _))) => EntryKind::Hardlink {
                    target: target.clone(),
                },
                _ => {
                    u.note(
                        layer,
                        format!(
                            "{inner}: hard link to object {}, which has no path; skipped",
                            h.equiv
                        ),
                    );
                    continue;
                }
            },
            _ => {
                let device = if h.rdev <= 0xffff {
                    encode_dev(h.rdev >> 8, h.rdev & 0xff)
                } else {
                    h.rdev
                };
                match h.mode & S_IFMT {
                    S_IFCHR => EntryKind::CharDevice { device },
                    S_IFBLK => EntryKind::BlockDevice { device },
                    S_IFIFO => EntryKind::Fifo,
                    S_IFSOCK => EntryKind::Socket,
                    other => {
                        u.note(
                            layer,
                            format!("{inner}: special object with file type {other:o}; skipped"),
                        );
                        continue;
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
    Some((chunks * g.chunk()) as u64)
}

/// The path of object `obj` inside the filesystem, or `None` (with a note)
/// when it is deleted, its name is not a plain file name, its parent chain
/// loops, runs too deep or reaches an object with no header.
fn path_of(
    u: &mut Unpacker<'_>,
    layer: &[String],
    objects: &HashMap<u32, Header>,
    paths: &mut HashMap<u32, Placed>,
    obj: u32,
) -> Option<String> {
    // Walk up to an object whose path is known.
    let mut chain = vec![obj];
    let mut at = obj;
    let base = loop {
        if let Some(p) = paths.get(&at) {
            // `at` is already on the chain's top: drop it.
            chain.pop();
            break p.clone();
        }
        let Some(h) = objects.get(&at) else {
            let why = match at {
                OBJ_UNLINKED | OBJ_DELETED => None,
                OBJ_LOST_FOUND => {
                    // The kernel makes lost+found itself.
                    paths.insert(OBJ_LOST_FOUND, Some(("/lost+found".into(), 1)));
                    continue;
                }
                _ => Some(format!("its parent object {at} has no header")),
            };
            if let Some(why) = why {
                u.note(layer, format!("object {obj}: {why}; skipped"));
            }
            break None;
        };
        if chain.len() > MAX_DEPTH {
            u.note(
                layer,
                format!("object {obj}: nested more than {MAX_DEPTH} directories deep; skipped"),
            );
            break None;
        }
        let parent = h.parent;
        if chain.contains(&parent) {
            u.note(
                layer,
                format!("object {obj}: its parent chain loops back to object {parent}; skipped"),
            );
            break None;
        }
        if parent != OBJ_ROOT
            && parent != OBJ_LOST_FOUND
            && parent != OBJ_UNLINKED
            && parent != OBJ_DELETED
            && objects.get(&parent).is_some_and(|p| p.kind != T_DIR)
        {
            u.note(
                layer,
                format!("object {obj}: its parent object {parent} is not a directory; skipped"),
            );
            break None;
        }
        chain.push(parent);
        at = parent;
    };
    // Resolve downwards: chain holds obj .. (child of the base).
    let mut path = base;
    for &o in chain.iter().rev() {
        path = path.and_then(|(dir, depth)| {
            let h = objects.get(&o)?;
            if depth >= MAX_DEPTH {
                u.note(
                    layer,
                    format!("object {o}: nested more than {MAX_DEPTH} directories deep; skipped"),
                );
                return None;
            }
            let name = String::from_utf8_lossy(&h.name);
            let inner = if name.is_empty() || name == "." || name == ".." || name.contains('/') {
                None
            } else {
                confined(&format!("{dir}/{name}"))
            };
            let Some(inner) = inner else {
                u.note(
                    layer,
                    format!("object {o}: name {name:?} is not a plain file name; skipped"),
                );
                return None;
            };
            if inner.len() > MAX_PATH {
                u.note(
                    layer,
                    format!("object {o}: its path is longer than {MAX_PATH} bytes; skipped"),
                );
                return None;
            }
            Some((inner, depth + 1))
        });
        paths.insert(o, path.clone());
    }
    path.map(|(p, _)| p)
}

/// The first `size` bytes of object `obj` from its data chunks (missing
/// chunks are holes: zeros). `size` has passed [`Unpacker::refuse_file`].
fn file_data(
    data: &[u8],
    g: &Geometry,
    pages: &HashMap<(u32, u32), (Newest, u32)>,
    obj: u32,
    size: u64,
) -> Vec<u8> {
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    let mut out = vec![0u8; size];
    for (n, dst) in out.chunks_mut(g.page).enumerate() {
        let Ok(id) = u32::try_from(n + 1) else { break };
        let Some(&((_, i), bytes)) = pages.get(&(obj, id)) else {
            continue;
        };
        let start = i * g.chunk();
        let take = (bytes as usize).min(dst.len());
        if let (Some(src), Some(dst)) = (data.get(start..start + take), dst.get_mut(..take)) {
            dst.copy_from_slice(src);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn geometry_defects_are_named() {
        assert!(validate(b"short").unwrap_err().contains("two chunks"));
        let mut d = vec![0xffu8; 2 * 2112];
        assert!(validate(&d).unwrap_err().contains("not an object header"));
        // Tags of a header, then a header of unknown type.
        d[2048..2064].copy_from_slice(&[0, 0x10, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0]);
        d[..4].copy_from_slice(&9u32.to_le_bytes());
        assert!(validate(&d).unwrap_err().contains("unknown object type 9"));
        // A file (type 1) with an empty name, then one that is its own parent.
        d[..4].copy_from_slice(&1u32.to_le_bytes());
        assert!(
            validate(&d)
                .unwrap_err()
                .contains("parent object id 0xffffffff")
        );
        d[4..8].copy_from_slice(&1u32.to_le_bytes());
        assert!(validate(&d).unwrap_err().contains("not NUL-terminated"));
        d[10..266].fill(0);
        assert!(
            validate(&d)
                .unwrap_err()
                .contains("object 257 has an empty name")
        );
        d[10] = b'x';
        d[4..8].copy_from_slice(&257u32.to_le_bytes());
        assert!(validate(&d).unwrap_err().contains("its own parent"));
        // A sane header whose second chunk is erased.
        d[4..8].copy_from_slice(&1u32.to_le_bytes());
        assert!(
            validate(&d)
                .unwrap_err()
                .contains("second chunk (2048+64 bytes)")
        );
        // ... or belongs to another erase block.
        d[2112 + 2048..2112 + 2064]
            .copy_from_slice(&[0, 0x20, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0]);
        assert!(validate(&d).unwrap_err().contains("erase block"));
        d[2112 + 2049] = 0x10;
        assert_eq!(validate(&d), Ok(()));
    }
}
