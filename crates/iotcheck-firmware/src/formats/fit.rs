//! U-Boot FIT images (Flattened Image Tree, U-Boot `doc/usage/fit/`): a
//! device tree blob whose `/images/*` nodes carry the kernel, ramdisk and
//! device trees, each with its `data` inline or, with `mkimage -E`, after
//! the blob (`data-offset` from the 4-byte-aligned end of the tree, or
//! `data-position` from its start, and `data-size`).
//!
//! The blob is walked by our own reader of the structure block (Devicetree
//! Specification v0.4, chapter 5 "Flattened Devicetree (DTB) Format"), not
//! the `fdt` crate: `fdt` 0.1.5 slices its input with header offsets it has
//! not checked and `expect`s a NUL in the strings block, so a hostile blob
//! panics it. Here every offset and length is checked against the blob
//! (and the header's sizes against its `totalsize`) before it is sliced,
//! nesting is capped at [`MAX_DEPTH`] and tokens at [`MAX_TOKENS`].
//!
//! A device tree without `/images` is not a FIT (a `.dtb` in a filesystem
//! or a kernel's appended tree is left alone).

use crate::formats::compress::Codec;
use crate::formats::fit_sig;
use crate::unpack::{Unpacker, at, stream};

pub(crate) const MAGIC: [u8; 4] = [0xd0, 0x0d, 0xfe, 0xed];
const HEADER_LEN: usize = 40;
pub(crate) const BEGIN_NODE: u32 = 1;
pub(crate) const END_NODE: u32 = 2;
pub(crate) const PROP: u32 = 3;
pub(crate) const NOP: u32 = 4;
pub(crate) const END: u32 = 9;
/// Node nesting a FIT needs is 3 (`/images/kernel/hash`); a device tree
/// rarely passes 10.
pub(crate) const MAX_DEPTH: usize = 32;
/// Tokens walked in one structure block.
pub(crate) const MAX_TOKENS: usize = 1 << 20;

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn align4(n: usize) -> usize {
    n.saturating_add(3) & !3
}

/// A property, borrowed, with where its value starts in the blob.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Prop<'a> {
    pub(crate) name: &'a [u8],
    pub(crate) value: &'a [u8],
    pub(crate) at: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    pub(crate) name: &'a [u8],
    pub(crate) parent: Option<usize>,
    pub(crate) props: Vec<Prop<'a>>,
}

impl<'a> Node<'a> {
    pub(crate) fn prop(&self, name: &str) -> Option<Prop<'a>> {
        self.props
            .iter()
            .find(|p| p.name == name.as_bytes())
            .copied()
    }

    /// A string property (NUL-terminated, the first string of a list).
    pub(crate) fn string(&self, name: &str) -> Option<String> {
        let v = self.prop(name)?.value;
        let end = memchr::memchr(0, v).unwrap_or(v.len());
        Some(String::from_utf8_lossy(v.get(..end)?).into_owned())
    }

    pub(crate) fn u32(&self, name: &str) -> Option<u32> {
        be32(self.prop(name)?.value, 0)
    }
}

/// The parsed tree: the blob's `totalsize` and its nodes, parents first.
#[derive(Debug)]
pub(crate) struct Tree<'a> {
    pub(crate) totalsize: usize,
    pub(crate) nodes: Vec<Node<'a>>,
    /// Where the structure and strings blocks start in the blob.
    pub(crate) off_struct: usize,
    pub(crate) off_strings: usize,
    /// Every token of the structure block, in order (what a signature over
    /// a configuration hashes is a selection of them: see `fit_sig`).
    pub(crate) tokens: Vec<Token<'a>>,
}

/// One token of the structure block: its tag, where it starts and ends
/// (offsets in the structure block), the node it opens or belongs to, and
/// a property's name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token<'a> {
    pub(crate) tag: u32,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) node: Option<usize>,
    pub(crate) prop: Option<&'a [u8]>,
}

impl Tree<'_> {
    /// Indices of the children of node `parent` named `name` (or all).
    pub(crate) fn children(&self, parent: usize) -> impl Iterator<Item = usize> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .filter(move |(_, n)| n.parent == Some(parent))
            .map(|(i, _)| i)
    }

    fn images(&self) -> Option<usize> {
        self.children(0)
            .find(|&i| self.nodes.get(i).is_some_and(|n| n.name == b"images"))
    }
}

/// A NUL-terminated string at `b[at..]`.
fn cstr(b: &[u8], at: usize) -> Option<&[u8]> {
    let rest = b.get(at..)?;
    let end = memchr::memchr(0, rest)?;
    rest.get(..end)
}

/// Parses the device tree at the start of `data`.
pub(crate) fn parse(data: &[u8]) -> Result<Tree<'_>, String> {
    let h = data.get(..HEADER_LEN).ok_or_else(|| {
        format!(
            "truncated device tree header: {HEADER_LEN} bytes needed, {} left",
            data.len()
        )
    })?;
    if h.get(..4) != Some(&MAGIC[..]) {
        return Err("not a device tree (bad magic)".into());
    }
    let field = |at| be32(h, at).map_or(0, |v| v as usize);
    let totalsize = field(4);
    let (off_struct, off_strings) = (field(8), field(12));
    let (version, last_comp) = (field(20), field(24));
    let size_strings = field(32);
    if totalsize < HEADER_LEN || totalsize > data.len() {
        return Err(format!(
            "device tree claims {totalsize} bytes, {} left",
            data.len()
        ));
    }
    if version < 16 || last_comp > 17 {
        return Err(format!(
            "device tree version {version} (compatible with {last_comp}) is not supported"
        ));
    }
    // size_dt_struct exists from version 17 on.
    let size_struct = if version >= 17 {
        field(36)
    } else {
        totalsize.saturating_sub(off_struct)
    };
    let blob = data.get(..totalsize).unwrap_or(data);
    let block = |off: usize, len: usize, what: &str| {
        off.checked_add(len)
            .and_then(|end| blob.get(off..end))
            .ok_or_else(|| {
                format!("{what} block {off:#x}+{len:#x} lies beyond totalsize {totalsize:#x}")
            })
    };
    let structs = block(off_struct, size_struct, "structure")?;
    let strings = block(off_strings, size_strings, "strings")?;
    let mut nodes: Vec<Node<'_>> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut tokens: Vec<Token<'_>> = Vec::new();
    let mut pos = 0usize;
    for _ in 0..MAX_TOKENS {
        let token = be32(structs, pos)
            .ok_or_else(|| format!("structure block ends at {pos:#x} without FDT_END"))?;
        let start = pos;
        let owner = stack.last().copied();
        pos += 4;
        let mut prop_name = None;
        match token {
            BEGIN_NODE => {
                let name = cstr(structs, pos)
                    .ok_or_else(|| format!("node name at {pos:#x} has no end"))?;
                pos = align4(pos + name.len() + 1);
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("nodes nested more than {MAX_DEPTH} deep"));
                }
                if stack.is_empty() && !nodes.is_empty() {
                    return Err("a second root node".into());
                }
                nodes.push(Node {
                    name,
                    parent: stack.last().copied(),
                    props: Vec::new(),
                });
                stack.push(nodes.len() - 1);
            }
            END_NODE => {
                stack
                    .pop()
                    .ok_or_else(|| format!("FDT_END_NODE at {:#x} closes no node", pos - 4))?;
            }
            PROP => {
                let (len, nameoff) = match (be32(structs, pos), be32(structs, pos + 4)) {
                    (Some(l), Some(n)) => (l as usize, n as usize),
                    _ => return Err(format!("property at {pos:#x} is truncated")),
                };
                pos += 8;
                let value = pos
                    .checked_add(len)
                    .and_then(|end| structs.get(pos..end))
                    .ok_or_else(|| {
                        format!(
                            "property at {pos:#x} claims {len} bytes beyond the structure block"
                        )
                    })?;
                let name = cstr(strings, nameoff)
                    .ok_or_else(|| format!("property name offset {nameoff:#x} has no string"))?;
                let owner = stack
                    .last()
                    .and_then(|&i| nodes.get_mut(i))
                    .ok_or_else(|| format!("property at {pos:#x} outside any node"))?;
                owner.props.push(Prop {
                    name,
                    value,
                    at: off_struct + pos,
                });
                prop_name = Some(name);
                pos = align4(pos + len);
            }
            NOP => {}
            END => {
                if !stack.is_empty() || nodes.is_empty() {
                    return Err("FDT_END before the root node closed".into());
                }
                tokens.push(Token {
                    tag: END,
                    start,
                    end: pos,
                    node: None,
                    prop: None,
                });
                return Ok(Tree {
                    totalsize,
                    nodes,
                    off_struct,
                    off_strings,
                    tokens,
                });
            }
            other => return Err(format!("unknown token {other:#x} at {:#x}", pos - 4)),
        }
        tokens.push(Token {
            tag: token,
            start,
            end: pos,
            node: if token == BEGIN_NODE {
                nodes.len().checked_sub(1)
            } else {
                owner
            },
            prop: prop_name,
        });
    }
    Err(format!("more than {MAX_TOKENS} tokens"))
}

/// The dry-run check: a device tree that parses and has `/images` with at
/// least one image.
pub(crate) fn validate(data: &[u8]) -> Result<(), String> {
    let tree = parse(data)?;
    let images = tree
        .images()
        .ok_or("a device tree without /images: not a FIT")?;
    if tree.children(images).next().is_none() {
        return Err("FIT /images holds no image".into());
    }
    Ok(())
}

/// Unpacks the FIT at the start of `data` under `layer`. Returns the bytes
/// it covers (the tree and any external data).
pub(crate) fn read(u: &mut Unpacker<'_>, data: &[u8], layer: &[String], depth: usize) -> u64 {
    let tree = match parse(data) {
        Ok(t) => t,
        Err(why) => {
            u.note(layer, why);
            return 0;
        }
    };
    let Some(images) = tree.images() else {
        u.note(layer, "a device tree without /images: not a FIT");
        return 0;
    };
    let external_base = align4(tree.totalsize);
    let mut covered = tree.totalsize;
    let kids: Vec<usize> = tree.children(images).collect();
    // Each image's data, for the signatures over it.
    let mut datas: Vec<(usize, &[u8])> = Vec::new();
    for i in kids {
        let Some(node) = tree.nodes.get(i) else {
            continue;
        };
        let name = String::from_utf8_lossy(node.name).into_owned();
        let what = format!("/images/{name}");
        let description = node.prop("description");
        u.header(
            layer,
            node.string("description").unwrap_or_else(|| name.clone()),
            description.map_or(0, |p| p.at as u64),
        );
        let kind = node.string("type").unwrap_or_default();
        let compression = node.string("compression").unwrap_or_else(|| "none".into());
        let (payload, offset) = if let Some(p) = node.prop("data") {
            (p.value, p.at)
        } else {
            let size = node.u32("data-size");
            let start = match (node.u32("data-position"), node.u32("data-offset")) {
                (Some(pos), _) => Some(pos as usize),
                (None, Some(off)) => external_base.checked_add(off as usize),
                (None, None) => None,
            };
            let (Some(start), Some(size)) = (start, size) else {
                u.note(
                    layer,
                    format!("{what}: no data, data-offset or data-position with data-size"),
                );
                continue;
            };
            let end = start.saturating_add(size as usize);
            let Some(there) = data
                .get(start..end.min(data.len()))
                .filter(|t| !t.is_empty())
            else {
                u.note(
                    layer,
                    format!(
                        "{what}: external data at {start:#x} starts beyond the blob ({} bytes)",
                        data.len()
                    ),
                );
                continue;
            };
            if end > data.len() {
                u.note(
                    layer,
                    format!(
                        "{what}: data-size {size} at {start:#x} reaches beyond the blob ({} bytes); \
                         reading what is there",
                        data.len()
                    ),
                );
            }
            covered = covered.max(start + there.len());
            (there, start)
        };
        datas.push((i, payload));
        unpack_image(u, payload, offset, layer, depth, &compression, &what, &kind);
    }
    let blob = data.get(..tree.totalsize).unwrap_or(data);
    let sigs = fit_sig::signatures(&tree, blob, layer, |i| {
        datas.iter().find(|(n, _)| *n == i).map(|(_, d)| *d)
    });
    u.boot(sigs, Vec::new());
    covered as u64
}

/// The dry run of a U-Boot control device tree holding verified-boot keys
/// (`/signature/key-*`; `mkimage -K` writes them).
pub(crate) fn validate_keys(data: &[u8]) -> Result<(), String> {
    let tree = parse(data)?;
    if fit_sig::has_keys(&tree) {
        Ok(())
    } else {
        Err("a device tree without /signature keys".into())
    }
}

/// Records the keys of the control device tree at the start of `data`.
pub(crate) fn read_keys(u: &mut Unpacker<'_>, data: &[u8], layer: &[String], _: usize) -> u64 {
    match parse(data) {
        Ok(tree) => {
            let keys = fit_sig::keys(&tree, layer);
            u.boot(Vec::new(), keys);
            tree.totalsize as u64
        }
        Err(why) => {
            u.note(layer, why);
            0
        }
    }
}

/// Unpacks one image's data by its `compression`; a payload that holds no
/// container (a plain kernel, a device tree) is kept as one entry, as the
/// component inventory reads kernels' version strings.
#[allow(clippy::too_many_arguments)]
fn unpack_image(
    u: &mut Unpacker<'_>,
    payload: &[u8],
    offset: usize,
    layer: &[String],
    depth: usize,
    compression: &str,
    what: &str,
    kind: &str,
) {
    let codec = match compression {
        "none" => None,
        "gzip" => Some(Codec::Gzip),
        "lzma" => Some(Codec::sniff(payload).unwrap_or(Codec::Lzma)),
        other => match Codec::sniff(payload) {
            Some(c) => Some(c),
            None => {
                u.note(
                    layer,
                    format!("{what}: compression {other:?} is not supported"),
                );
                return;
            }
        },
    };
    match codec {
        Some(c) => stream(u, c, payload, offset, layer, depth + 1),
        None => {
            if at(u, payload, offset, layer, depth + 1).is_none() {
                if !matches!(
                    kind,
                    "kernel" | "flat_dt" | "ramdisk" | "firmware" | "standalone"
                ) {
                    u.note(layer, format!("{what}: image type {kind:?} kept as data"));
                }
                u.keep_whole(layer, what, payload);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A minimal tree: root { images { k { data = "abc"; }; }; }.
    fn fit() -> Vec<u8> {
        let strings = b"data\0";
        let mut s = Vec::new();
        let tok = |s: &mut Vec<u8>, t: u32| s.extend(t.to_be_bytes());
        tok(&mut s, BEGIN_NODE);
        s.extend([0u8; 4]);
        tok(&mut s, BEGIN_NODE);
        s.extend(b"images\0\0");
        tok(&mut s, BEGIN_NODE);
        s.extend(b"k\0\0\0");
        tok(&mut s, PROP);
        s.extend(3u32.to_be_bytes());
        s.extend(0u32.to_be_bytes());
        s.extend(b"abc\0");
        for _ in 0..3 {
            tok(&mut s, END_NODE);
        }
        tok(&mut s, END);
        let off_struct = HEADER_LEN as u32;
        let off_strings = off_struct + s.len() as u32;
        let total = off_strings + strings.len() as u32;
        let mut h = MAGIC.to_vec();
        for v in [
            total,
            off_struct,
            off_strings,
            0,
            17,
            16,
            0,
            strings.len() as u32,
            s.len() as u32,
        ] {
            h.extend(v.to_be_bytes());
        }
        h.extend(s);
        h.extend(strings);
        h
    }

    #[test]
    fn a_minimal_fit_parses_and_its_defects_are_named() {
        let f = fit();
        assert_eq!(validate(&f), Ok(()));
        let t = parse(&f).unwrap();
        let k = &t.nodes[2];
        assert_eq!(k.prop("data").unwrap().value, b"abc");
        assert_eq!(&f[k.prop("data").unwrap().at..][..3], b"abc");
        // Property length past the structure block.
        let mut bad = f.clone();
        let at = bad.windows(3).position(|w| w == b"abc").unwrap() - 8;
        bad[at..at + 4].copy_from_slice(&0xffff_fff0u32.to_be_bytes());
        assert!(
            validate(&bad)
                .unwrap_err()
                .contains("beyond the structure block")
        );
        // Strings block past totalsize.
        let mut bad = f.clone();
        bad[32..36].copy_from_slice(&1000u32.to_be_bytes());
        assert!(validate(&bad).unwrap_err().contains("strings block"));
        // No /images: a plain device tree.
        let mut plain = f.clone();
        let at = plain.windows(6).position(|w| w == b"images").unwrap();
        plain[at] = b'x';
        assert!(validate(&plain).unwrap_err().contains("not a FIT"));
        assert!(validate(&f[..30]).unwrap_err().contains("truncated"));
    }
}
