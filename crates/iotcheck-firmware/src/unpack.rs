//! The unpacking walk: recognise a container at an offset, unpack it within
//! the budget, recurse into what came out, and turn every failure into a
//! [`Note`] on its layer.

use crate::formats::compress::{self, Codec, DecompressError};
use crate::formats::{cpio, squashfs, tar, uimage};
use crate::image::{Entry, EntryKind, Image, ImageHeader, Note};
use crate::{FirmwareError, Limits};

/// Notes kept per image; more would only repeat themselves.
const MAX_NOTES: usize = 200;
/// Candidate offsets tried per scanned blob: each costs a parse, so a blob
/// full of magic numbers must not turn the scan quadratic.
const MAX_SCAN_HITS: usize = 64;

pub(crate) struct Unpacker<'l> {
    limits: &'l Limits,
    image: Image,
    spent: u64,
    files_full: bool,
}

impl<'l> Unpacker<'l> {
    pub(crate) fn limits(&self) -> &'l Limits {
        self.limits
    }

    /// Bytes that may still be produced.
    pub(crate) fn remaining(&self) -> u64 {
        self.limits.max_total_bytes.saturating_sub(self.spent)
    }

    /// Why a file of `size` bytes inside a container may not be read, if
    /// it may not: over the single-file limit, over what the whole unpack
    /// may still produce, or (when `expansion` gives the bytes the container
    /// has already produced, its budget and what the container is) beyond
    /// the container's expansion ratio. One rule for every container format.
    pub(crate) fn refuse_file(
        &self,
        inner: &str,
        size: u64,
        expansion: Option<(u64, u64, &str)>,
    ) -> Option<String> {
        if size > self.limits.max_single_file {
            Some(format!(
                "{inner}: {size} bytes, more than the single-file limit"
            ))
        } else if size > self.remaining() {
            Some(format!(
                "{inner}: {size} bytes, over the total unpack limit"
            ))
        } else if let Some((read, budget, container)) = expansion
            && read.saturating_add(size) > budget
        {
            Some(format!(
                "{inner}: {size} bytes would exceed {}x the {container}'s size",
                self.limits.max_expansion_ratio
            ))
        } else {
            None
        }
    }

    pub(crate) fn spend(&mut self, n: u64) {
        self.spent = self.spent.saturating_add(n);
    }

    pub(crate) fn note(&mut self, path: &[String], message: impl Into<String>) {
        if self.image.notes.len() < MAX_NOTES {
            self.image.notes.push(Note {
                path: path.to_vec(),
                message: message.into(),
            });
        } else if self.image.notes.len() == MAX_NOTES {
            self.image.notes.push(Note {
                path: Vec::new(),
                message: format!("more than {MAX_NOTES} notes; the rest were dropped"),
            });
        }
    }

    pub(crate) fn filesystem(&mut self, layer: &[String]) {
        self.image.filesystems.push(layer.to_vec());
    }

    /// Records an entry; `false` once [`Limits::max_files`] is reached.
    pub(crate) fn push_entry(&mut self, path: Vec<String>, kind: EntryKind) -> bool {
        if self.image.entries.len() >= self.limits.max_files {
            if !self.files_full {
                self.files_full = true;
                let max = self.limits.max_files;
                self.note(
                    &path[..path.len().saturating_sub(1)],
                    format!("entry limit of {max} reached; further entries were not read"),
                );
            }
            return false;
        }
        self.image.entries.push(Entry { path, kind });
        true
    }
}

fn layer(prefix: &[String], what: &str, offset: usize) -> Vec<String> {
    let mut l = prefix.to_vec();
    l.push(format!("{what}@{offset:#x}"));
    l
}

/// Unpacks `bytes` (see [`crate::unpack`]).
pub(crate) fn run(bytes: &[u8], name: &str, limits: &Limits) -> Result<Image, FirmwareError> {
    if bytes.is_empty() {
        return Err(FirmwareError::Empty { name: name.into() });
    }
    if bytes.len() as u64 > limits.max_total_bytes {
        return Err(FirmwareError::TooLarge {
            name: name.into(),
            len: bytes.len() as u64,
            limit: limits.max_total_bytes,
        });
    }
    let mut u = Unpacker {
        limits,
        image: Image {
            name: name.into(),
            ..Image::default()
        },
        spent: 0,
        files_full: false,
    };
    let found = blob(&mut u, bytes, &[], 0) || scan(&mut u, bytes, &[], 0);
    if !found {
        return Err(FirmwareError::Unrecognised {
            name: name.into(),
            len: bytes.len() as u64,
        });
    }
    Ok(u.image)
}

/// Unpacks whatever starts at `data[0]` (`data` starts at `offset` in its
/// parent). `None` when no known container starts there, else the bytes it
/// was seen to cover (0 when unknown, e.g. for a stream or a failed parse).
fn at(
    u: &mut Unpacker<'_>,
    data: &[u8],
    offset: usize,
    prefix: &[String],
    depth: usize,
) -> Option<u64> {
    if data.starts_with(&uimage::MAGIC) {
        let l = layer(prefix, "uImage", offset);
        if depth >= u.limits.max_depth {
            u.note(&l, "nesting depth limit reached; not unpacked");
            return Some(0);
        }
        Some(uimage_payload(u, data, &l, depth))
    } else if data.starts_with(&squashfs::MAGIC) {
        let l = layer(prefix, "squashfs", offset);
        if depth >= u.limits.max_depth {
            u.note(&l, "nesting depth limit reached; not unpacked");
            return Some(0);
        }
        Some(squashfs::read(u, data, &l).unwrap_or(0))
    } else if tar::sniff(data) {
        let l = layer(prefix, "tar", offset);
        if depth >= u.limits.max_depth {
            u.note(&l, "nesting depth limit reached; not unpacked");
            return Some(0);
        }
        Some(tar::read(u, data, &l).unwrap_or(0))
    } else if cpio::sniff(data) {
        let l = layer(prefix, "cpio", offset);
        if depth >= u.limits.max_depth {
            u.note(&l, "nesting depth limit reached; not unpacked");
            return Some(0);
        }
        Some(cpio::read(u, data, &l).unwrap_or(0))
    } else if let Some(codec) = Codec::sniff(data) {
        stream(u, codec, data, offset, prefix, depth);
        Some(0)
    } else {
        None
    }
}

/// Like [`at`] for a whole blob (offset 0 in `prefix`).
fn blob(u: &mut Unpacker<'_>, data: &[u8], prefix: &[String], depth: usize) -> bool {
    at(u, data, 0, prefix, depth).is_some()
}

/// Returns the bytes the image covers (header and payload present).
fn uimage_payload(u: &mut Unpacker<'_>, data: &[u8], l: &[String], depth: usize) -> u64 {
    let header = match uimage::parse(data) {
        Ok(h) => h,
        Err(e) => {
            u.note(l, e.to_string());
            return 0;
        }
    };
    u.image.headers.push(ImageHeader {
        path: l.to_vec(),
        name: header.name.clone(),
    });
    let rest = &data[uimage::HEADER_LEN..];
    let declared = header.data_size as usize;
    let payload = if declared > rest.len() {
        u.note(
            l,
            format!(
                "header claims {declared} bytes of data, only {} follow; reading what is there",
                rest.len()
            ),
        );
        rest
    } else {
        &rest[..declared]
    };
    match header.compression {
        uimage::Compression::NONE => {
            if at(u, payload, uimage::HEADER_LEN, l, depth + 1).is_none() {
                u.note(
                    l,
                    format!(
                        "payload of {:?} (image type {}) is not a container iotcheck reads",
                        header.name, header.image_type
                    ),
                );
                // Kept as one entry: an uncompressed kernel still names its
                // version (the component inventory reads it).
                if payload.len() as u64 <= u.remaining() {
                    u.spend(payload.len() as u64);
                    let mut path = l.to_vec();
                    path.push("(payload)".into());
                    u.push_entry(path, EntryKind::File(payload.to_vec()));
                }
            }
        }
        uimage::Compression::GZIP => {
            stream(u, Codec::Gzip, payload, uimage::HEADER_LEN, l, depth + 1);
        }
        uimage::Compression::LZMA => {
            let codec = Codec::sniff(payload).unwrap_or(Codec::Lzma);
            stream(u, codec, payload, uimage::HEADER_LEN, l, depth + 1);
        }
        other => {
            if let Some(codec) = Codec::sniff(payload) {
                stream(u, codec, payload, uimage::HEADER_LEN, l, depth + 1);
            } else {
                u.note(
                    l,
                    format!("payload compression {} is not supported", other.name()),
                );
            }
        }
    }
    (uimage::HEADER_LEN + payload.len()) as u64
}

fn stream(
    u: &mut Unpacker<'_>,
    codec: Codec,
    data: &[u8],
    offset: usize,
    prefix: &[String],
    depth: usize,
) {
    let l = layer(prefix, codec.name(), offset);
    if depth >= u.limits.max_depth {
        u.note(&l, "nesting depth limit reached; not unpacked");
        return;
    }
    let ratio_cap = (data.len() as u64).saturating_mul(u.limits.max_expansion_ratio);
    let limit = u.remaining().min(ratio_cap);
    let out = match compress::decompress(codec, data, limit) {
        Ok(out) => out,
        Err(DecompressError::OverLimit { limit }) => {
            u.note(
                &l,
                format!(
                    "stream expands past {limit} bytes ({}x its {} compressed bytes, or the \
                     total unpack limit); treated as a decompression bomb and dropped",
                    u.limits.max_expansion_ratio,
                    data.len()
                ),
            );
            return;
        }
        Err(DecompressError::Corrupt(why)) => {
            u.note(
                &l,
                format!("{} stream cannot be decoded: {why}", codec.name()),
            );
            return;
        }
    };
    u.spend(out.bytes.len() as u64);
    if let Some(why) = &out.truncated {
        u.note(
            &l,
            format!("stream ends early after {} bytes: {why}", out.bytes.len()),
        );
    }
    if !blob(u, &out.bytes, &l, depth + 1) && !scan(u, &out.bytes, &l, depth + 1) {
        // A plain compressed file: keep it as one entry.
        let name = out.name.unwrap_or_else(|| "(data)".into());
        let mut path = l.clone();
        path.push(name);
        u.push_entry(path, EntryKind::File(out.bytes));
    }
}

/// Looks for containers at offsets inside a blob no header describes.
fn scan(u: &mut Unpacker<'_>, data: &[u8], prefix: &[String], depth: usize) -> bool {
    let mut found = false;
    let mut pos = 1usize;
    let mut tried = 0usize;
    while pos < data.len() && tried < MAX_SCAN_HITS {
        let rest = &data[pos..];
        let sq = memchr::memmem::find(rest, &squashfs::MAGIC);
        let ui = memchr::memmem::find(rest, &uimage::MAGIC);
        let cp = memchr::memmem::find(rest, &cpio::NEWC[..5]);
        // The ustar magic sits 257 bytes into its header.
        let ta = memchr::memmem::find(rest, &tar::MAGIC)
            .and_then(|i| (pos + i).checked_sub(tar::MAGIC_OFFSET))
            .filter(|s| *s >= pos)
            .map(|s| s - pos);
        let Some(hit) = [sq, ui, cp, ta].into_iter().flatten().min() else {
            break;
        };
        let start = pos + hit;
        let candidate = &data[start..];
        let plausible = if candidate.starts_with(&squashfs::MAGIC) {
            squashfs::superblock(candidate, u.limits.max_files).is_ok()
        } else if candidate.starts_with(&uimage::MAGIC) {
            uimage::parse(candidate).is_ok()
        } else if tar::sniff(candidate) {
            true
        } else {
            cpio::sniff(candidate)
        };
        let mut covered = 0;
        if plausible {
            tried += 1;
            if let Some(n) = at(u, candidate, start, prefix, depth) {
                found = true;
                covered = n;
            }
        }
        // Skip what a container covered: magic numbers inside it are its own.
        pos = start.saturating_add(usize::try_from(covered).unwrap_or(usize::MAX).max(1));
    }
    found
}
