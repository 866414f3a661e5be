//! The unpacking walk: recognise a container at an offset, unpack it within
//! the budget, recurse into what came out, and turn every failure into a
//! [`Note`] on its layer.

use crate::formats::compress::{self, Codec, DecompressError};
use crate::formats::{
    arcadyan, cpio, cramfs, ext, fit, jffs2, matter_ota, romfs, squashfs, squashfs_v3, tar, trx,
    ubi, ubifs, uimage, yaffs2, zip,
};
use crate::image::{Confidence, Entry, EntryKind, Image, ImageHeader, Layer, Note};
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
    started: std::time::Instant,
    timed_out: bool,
    /// Containers found at the top level: start, bytes covered (0 when
    /// unknown), layer name — for the entropy map.
    top: Vec<(u64, u64, String)>,
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

    /// Whether the time limit has passed; notes it once, on `layer`.
    pub(crate) fn out_of_time(&mut self, layer: &[String]) -> bool {
        if self.timed_out {
            return true;
        }
        if self.started.elapsed() < self.limits.max_duration {
            return false;
        }
        self.timed_out = true;
        let secs = self.limits.max_duration.as_secs_f64();
        self.note(
            layer,
            format!("time limit of {secs} s reached; this and later containers were not unpacked"),
        );
        true
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

    /// Records the name a container header gives its payload (`offset`:
    /// where the name sits in the container, for the evidence).
    pub(crate) fn header(&mut self, layer: &[String], name: String, offset: u64) {
        self.image.headers.push(ImageHeader {
            path: layer.to_vec(),
            name,
            offset,
        });
    }

    /// Keeps `bytes` whole as the file `name` under `layer`: a payload no
    /// container describes (a raw kernel, a loader), which the component
    /// inventory still reads. Over the total budget it is left out, as any
    /// file is; `false` only when the walk must stop (entry or time limit).
    pub(crate) fn keep_whole(&mut self, layer: &[String], name: &str, bytes: &[u8]) -> bool {
        if bytes.len() as u64 > self.remaining() {
            return true;
        }
        self.spend(bytes.len() as u64);
        let mut path = layer.to_vec();
        path.push(name.to_string());
        self.push_entry(path, EntryKind::File(bytes.to_vec()))
    }

    /// Records what U-Boot verified boot needs: FIT signatures and keys.
    pub(crate) fn boot(
        &mut self,
        signatures: Vec<crate::image::BootSignature>,
        keys: Vec<crate::image::BootKey>,
    ) {
        self.image.boot_signatures.extend(signatures);
        self.image.boot_keys.extend(keys);
    }

    pub(crate) fn filesystem(&mut self, layer: &[String]) {
        self.image.filesystems.push(layer.to_vec());
    }

    /// Records an entry; `false` once [`Limits::max_files`] is reached.
    pub(crate) fn push_entry(&mut self, path: Vec<String>, kind: EntryKind) -> bool {
        if self.out_of_time(&path[..path.len().saturating_sub(1)]) {
            return false;
        }
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

pub(crate) fn layer(prefix: &[String], what: &str, offset: usize) -> Vec<String> {
    let mut l = prefix.to_vec();
    l.push(format!("{what}@{offset:#x}"));
    l
}

/// Unpacks `bytes` (see [`crate::unpack`]).
pub(crate) fn run(bytes: &[u8], name: &str, limits: &Limits) -> Result<Image, FirmwareError> {
    let mut u = start(bytes, name, limits)?;
    let found = match at(&mut u, bytes, 0, &[], 0) {
        // A container at the start that ends before the image does (a
        // kernel uImage with the root filesystem after it, a boot loader's
        // device tree before a FIT): the rest is scanned too.
        Some(covered) => {
            let end = usize::try_from(covered).unwrap_or(usize::MAX);
            if end > 0 && end < bytes.len() {
                scan_from(&mut u, bytes, &[], 0, end);
            }
            true
        }
        None => scan(&mut u, bytes, &[], 0),
    };
    u.image.regions = crate::entropy::map(bytes, &u.top);
    if !found {
        return Err(FirmwareError::Unrecognised {
            name: name.into(),
            len: bytes.len() as u64,
            high_entropy_percent: (crate::entropy::high_entropy_share(&u.image.regions) * 100.0)
                .round() as u8,
        });
    }
    for note in crate::entropy::notes(&u.image) {
        u.note(&[], note);
    }
    Ok(u.image)
}

/// Unpacks `bytes` as the container format named `format` (a
/// [`Format::name`]), without sniffing or scanning: one parser alone, for
/// its fuzz target. `None` when no format has that name.
pub(crate) fn run_as(
    bytes: &[u8],
    name: &str,
    format: &str,
    limits: &Limits,
) -> Option<Result<Image, FirmwareError>> {
    let format = FORMATS.iter().find(|f| f.name == format)?;
    Some(start(bytes, name, limits).map(|mut u| {
        let l = layer(&[], format.name, 0);
        (format.read)(&mut u, bytes, &l, 0);
        u.image
    }))
}

fn start<'l>(bytes: &[u8], name: &str, limits: &'l Limits) -> Result<Unpacker<'l>, FirmwareError> {
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
    Ok(Unpacker {
        limits,
        image: Image {
            name: name.into(),
            ..Image::default()
        },
        spent: 0,
        files_full: false,
        started: std::time::Instant::now(),
        timed_out: false,
        top: Vec::new(),
    })
}

/// A container format the walk recognises: one row per format, so adding a
/// format is one entry in [`FORMATS`] and one module under `formats/`.
pub(crate) struct Format {
    /// The layer name (`squashfs@0x40`).
    pub(crate) name: &'static str,
    /// What the format is, for a person (`cramfs filesystem`).
    pub(crate) describe: &'static str,
    /// Magic numbers looked for when a blob is scanned, each with its
    /// offset from the container's first byte (tar's `ustar` is 257 bytes in).
    pub(crate) magics: &'static [(&'static [u8], usize)],
    /// The dry-run check before anything is trusted: whether `data` starts
    /// with this format's header and the header's own fields hold together
    /// (checksums, sizes against the bytes present, counts against the
    /// limits). `Err` says why not, for the note of a blob that claimed to be
    /// this format.
    pub(crate) validate: fn(&[u8], &Limits) -> Result<(), String>,
    /// Unpacks the container at `data[0]` under `layer`; returns the bytes
    /// it covers (0 when unknown or when the read failed after a note).
    pub(crate) read: fn(&mut Unpacker<'_>, &[u8], &[String], usize) -> u64,
    /// Whether the magic number alone (at offset 0) is enough to take a
    /// blob as this format, so that a header that does not validate is read
    /// and its note says what is wrong with it. False for formats whose
    /// magic is short ASCII that plain text may contain (cpio, tar).
    pub(crate) strong_magic: bool,
}

/// Every container format, in the order they are tried at one offset.
pub(crate) static FORMATS: &[Format] = &[
    Format {
        name: "uImage",
        describe: "U-Boot legacy uImage",
        magics: &[(&uimage::MAGIC, 0)],
        validate: |d, _| uimage::parse(d).map(|_| ()).map_err(|e| e.to_string()),
        read: uimage_payload,
        strong_magic: true,
    },
    Format {
        name: "trx",
        describe: "TRX firmware container",
        magics: &[(&trx::MAGIC, 0)],
        validate: |d, _| trx::validate(d),
        read: trx::read,
        strong_magic: true,
    },
    Format {
        name: "squashfs",
        describe: "squashfs filesystem",
        magics: &[
            (&squashfs::MAGIC, 0),
            (&squashfs_v3::MAGIC_BE, 0),
            (&squashfs_v3::MAGIC_LZMA_LE, 0),
            (&squashfs_v3::MAGIC_LZMA_BE, 0),
        ],
        validate: |d, l| squashfs::validate(d, l.max_files),
        read: |u, d, l, _| squashfs::read_any(u, d, l).unwrap_or(0),
        strong_magic: true,
    },
    Format {
        name: "jffs2",
        describe: "JFFS2 filesystem",
        magics: &[
            (&jffs2::MAGICS[0], 0),
            (&jffs2::MAGICS[1], 0),
            (&jffs2::MAGICS[2], 0),
            (&jffs2::MAGICS[3], 0),
            (&jffs2::MAGICS[4], 0),
            (&jffs2::MAGICS[5], 0),
        ],
        validate: |d, _| jffs2::validate(d),
        read: |u, d, l, _| jffs2::read(u, d, l).unwrap_or(0),
        // Two magic bytes: only a node header whose CRC holds counts.
        strong_magic: false,
    },
    Format {
        name: "ubi",
        describe: "UBI image",
        magics: &[(&ubi::EC_MAGIC, 0)],
        validate: |d, _| ubi::validate(d),
        read: ubi::read,
        // Four ASCII bytes: only an EC header whose CRC holds counts.
        strong_magic: false,
    },
    Format {
        name: "ubifs",
        describe: "UBIFS filesystem",
        magics: &[(&ubifs::MAGIC, 0)],
        validate: |d, _| ubifs::validate(d),
        read: |u, d, l, _| ubifs::read(u, d, l).unwrap_or(0),
        // Only a superblock node whose CRC holds counts.
        strong_magic: false,
    },
    Format {
        name: "cramfs",
        describe: "cramfs filesystem",
        magics: &[
            (&cramfs::MAGIC_LE, 0),
            (&cramfs::MAGIC_BE, 0),
            (&cramfs::MAGIC_LE, cramfs::PAD),
            (&cramfs::MAGIC_BE, cramfs::PAD),
        ],
        validate: |d, l| cramfs::superblock(d, l.max_files).map(|_| ()),
        read: |u, d, l, _| cramfs::read(u, d, l).unwrap_or(0),
        strong_magic: true,
    },
    Format {
        name: "romfs",
        describe: "romfs filesystem",
        magics: &[(&romfs::MAGIC, 0)],
        validate: |d, _| romfs::superblock(d, false).map(|_| ()),
        read: |u, d, l, _| romfs::read(u, d, l).unwrap_or(0),
        strong_magic: true,
    },
    Format {
        name: "ext",
        describe: "ext2/3/4 filesystem",
        magics: &[(&ext::MAGIC, ext::MAGIC_OFFSET)],
        validate: |d, _| ext::superblock(d).map(|_| ()),
        read: |u, d, l, _| ext::read(u, d, l).unwrap_or(0),
        strong_magic: false,
    },
    Format {
        name: "yaffs2",
        describe: "YAFFS2 filesystem",
        // No magic number: only a blob or a member that starts with an
        // object header whose geometry checks out is read, never a scan hit.
        magics: &[],
        validate: |d, _| yaffs2::validate(d),
        read: |u, d, l, _| yaffs2::read(u, d, l).unwrap_or(0),
        strong_magic: false,
    },
    Format {
        name: "tar",
        describe: "tar archive",
        magics: &[(&tar::MAGIC, tar::MAGIC_OFFSET)],
        validate: |d, _| {
            if tar::sniff(d) {
                Ok(())
            } else {
                Err("not a ustar header with a valid checksum".into())
            }
        },
        read: |u, d, l, _| tar::read(u, d, l).unwrap_or(0),
        strong_magic: false,
    },
    Format {
        name: "cpio",
        describe: "cpio archive",
        magics: &[(&cpio::NEWC, 0), (&cpio::NEWC_CRC, 0), (&cpio::ODC, 0)],
        validate: |d, _| {
            if cpio::sniff(d) {
                Ok(())
            } else {
                Err("not a cpio header whose fields parse".into())
            }
        },
        read: |u, d, l, _| cpio::read(u, d, l).unwrap_or(0),
        strong_magic: false,
    },
    Format {
        name: "fit",
        describe: "U-Boot FIT image",
        magics: &[(&fit::MAGIC, 0)],
        validate: |d, _| fit::validate(d),
        read: fit::read,
        // A device tree without /images is not a FIT: validation decides.
        strong_magic: false,
    },
    Format {
        name: "zip",
        describe: "zip archive",
        magics: &[(&zip::MAGIC, 0)],
        validate: |d, _| zip::validate(d),
        read: |u, d, l, _| zip::read(u, d, l).unwrap_or(0),
        strong_magic: true,
    },
    Format {
        name: "u-boot-keys",
        describe: "U-Boot control device tree with verified-boot keys",
        magics: &[(&fit::MAGIC, 0)],
        validate: |d, _| fit::validate_keys(d),
        read: fit::read_keys,
        // Any device tree has the magic: only one with /signature keys counts.
        strong_magic: false,
    },
    Format {
        name: "matter-ota",
        describe: "Matter OTA software image",
        magics: &[(&matter_ota::MAGIC, 0)],
        validate: |d, _| matter_ota::parse(d).map(|_| ()),
        read: matter_ota::read,
        strong_magic: true,
    },
    Format {
        name: "arcadyan",
        describe: "Arcadyan obfuscated LZMA image",
        magics: &[(&arcadyan::MAGIC, arcadyan::MAGIC_OFFSET)],
        validate: |d, _| arcadyan::validate(d),
        read: arcadyan::read,
        // Four bytes 0x68 in, and a stream that must decode: the dry run
        // decides.
        strong_magic: false,
    },
];

/// One automaton over every format's magic numbers, for [`scan`].
static MAGICS: std::sync::LazyLock<(aho_corasick::AhoCorasick, Vec<(usize, usize)>)> =
    std::sync::LazyLock::new(|| {
        let mut patterns = Vec::new();
        let mut which = Vec::new();
        for (f, format) in FORMATS.iter().enumerate() {
            for (magic, offset) in format.magics {
                patterns.push(*magic);
                which.push((f, *offset));
            }
        }
        // The patterns are a handful of short byte strings: building the
        // automaton cannot fail.
        let ac = aho_corasick::AhoCorasick::new(patterns)
            .unwrap_or_else(|e| panic!("format magic automaton: {e}"));
        (ac, which)
    });

/// Unpacks whatever starts at `data[0]` (`data` starts at `offset` in its
/// parent). `None` when no known container starts there, else the bytes it
/// was seen to cover (0 when unknown, e.g. for a stream or a failed parse).
pub(crate) fn at(
    u: &mut Unpacker<'_>,
    data: &[u8],
    offset: usize,
    prefix: &[String],
    depth: usize,
) -> Option<u64> {
    // The first format whose dry run passes, or whose magic alone suffices
    // (then the dry run's verdict is its confidence): each format's dry
    // run is made once.
    let chosen = FORMATS.iter().find_map(|f| {
        let proven = (f.validate)(data, u.limits).is_ok();
        (proven || sniffs_magic(f, data)).then_some((f, proven))
    });
    if let Some((format, proven)) = chosen {
        let l = layer(prefix, format.name, offset);
        if u.out_of_time(&l) {
            return Some(0);
        }
        if depth >= u.limits.max_depth {
            u.note(&l, "nesting depth limit reached; not unpacked");
            return Some(0);
        }
        let confidence = if proven {
            Confidence::Proven
        } else {
            Confidence::MagicOnly
        };
        let first = u.image.entries.len();
        // Recorded before what it holds, so layers are in the order found;
        // what it covers is known once it is read.
        let this = u.image.layers.len();
        u.image.layers.push(Layer {
            path: l.clone(),
            format: format.describe,
            covered: 0,
            confidence,
        });
        let covered = (format.read)(u, data, &l, depth);
        if let Some(layer) = u.image.layers.get_mut(this) {
            layer.covered = covered;
        }
        if prefix.is_empty() {
            u.top.push((offset as u64, covered, l.join("")));
        }
        members(u, first, l.len() + 1, depth);
        Some(covered)
    } else if let Some(codec) = Codec::sniff(data) {
        if prefix.is_empty() {
            u.top
                .push((offset as u64, 0, format!("{}@{offset:#x}", codec.name())));
        }
        stream(u, codec, data, offset, prefix, depth);
        Some(0)
    } else {
        None
    }
}

/// Unpacks the members of a filesystem or archive that are containers
/// themselves (an `.ipk` or a `.tar.gz` in `/usr/lib`, an update image in
/// `/lib/firmware`, a squashfs inside a tar): each member among
/// `entries[first..]` that lies directly in the container (`path_len`
/// elements) and starts with a known container or stream becomes the
/// prefix of its own layers, one level deeper.
fn members(u: &mut Unpacker<'_>, first: usize, path_len: usize, depth: usize) {
    let candidates: Vec<usize> = (first..u.image.entries.len())
        .filter(|&i| {
            let e = &u.image.entries[i];
            e.path.len() == path_len
                && e.bytes().is_some_and(|b| {
                    Codec::sniff(b).is_some()
                        || FORMATS
                            .iter()
                            .any(|f| sniffs_magic(f, b) || (f.validate)(b, u.limits).is_ok())
                })
        })
        .collect();
    for i in candidates {
        // The member keeps its own bytes (the checks read it as a file
        // too); its copy lives only while it is unpacked.
        let (path, bytes) = {
            let e = &u.image.entries[i];
            (
                e.path.clone(),
                e.bytes().map(<[u8]>::to_vec).unwrap_or_default(),
            )
        };
        if u.out_of_time(&path) {
            return;
        }
        at(u, &bytes, 0, &path, depth + 1);
    }
}

/// Whether `data` carries `format`'s magic at offset 0 and that is enough
/// ([`Format::strong_magic`]).
fn sniffs_magic(format: &Format, data: &[u8]) -> bool {
    format.strong_magic
        && format
            .magics
            .iter()
            .any(|(m, off)| *off == 0 && data.starts_with(m))
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
    // ih_name sits 32 bytes into the 64-byte header.
    u.header(l, header.name.clone(), 32);
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
                u.keep_whole(l, "(payload)", payload);
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

pub(crate) fn stream(
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
    u.image.layers.push(Layer {
        path: l.clone(),
        format: codec.describe(),
        covered: 0,
        confidence: if out.truncated.is_some() {
            Confidence::MagicOnly
        } else {
            Confidence::Proven
        },
    });
    if let Some(why) = &out.truncated {
        u.note(
            &l,
            format!("stream ends early after {} bytes: {why}", out.bytes.len()),
        );
    }
    if !blob(u, &out.bytes, &l, depth + 1) && !scan(u, &out.bytes, &l, depth + 1) {
        // A plain compressed file: keep it as one entry.
        // A gzip header's stored name is the vendor's word: only its last
        // component is kept, so a name like `../../x` names nothing outside.
        let name = out
            .name
            .as_deref()
            .and_then(|n| n.rsplit(['/', '\\']).next())
            .filter(|n| !matches!(*n, "" | "." | ".."))
            .map_or_else(|| "(data)".to_string(), |n| n.replace('\0', ""));
        let mut path = l.clone();
        path.push(name);
        u.push_entry(path, EntryKind::File(out.bytes));
    }
}

/// Looks for containers at offsets inside a blob no header describes: one
/// pass of the magic automaton; a hit is unpacked only when its format's
/// dry-run check passes, and what a container covers is skipped (magic
/// numbers inside it are its own).
fn scan(u: &mut Unpacker<'_>, data: &[u8], prefix: &[String], depth: usize) -> bool {
    scan_from(u, data, prefix, depth, 1)
}

/// [`scan`] from offset `from` on (what lies before is already read).
fn scan_from(
    u: &mut Unpacker<'_>,
    data: &[u8],
    prefix: &[String],
    depth: usize,
    from: usize,
) -> bool {
    let (ac, which) = &*MAGICS;
    let mut found = false;
    let mut tried = 0usize;
    // Nothing before `next` is looked at again.
    let mut next = from.max(1);
    // What the containers found cover, in order.
    let mut claimed: Vec<(usize, usize)> = vec![(0, next)];
    for hit in ac.find_overlapping_iter(data) {
        if tried >= MAX_SCAN_HITS {
            break;
        }
        let (f, magic_offset) = which[hit.pattern().as_usize()];
        let Some(start) = hit.start().checked_sub(magic_offset) else {
            continue;
        };
        if start < next {
            continue;
        }
        let format = &FORMATS[f];
        let candidate = &data[start..];
        if (format.validate)(candidate, u.limits).is_err() {
            continue;
        }
        tried += 1;
        if let Some(covered) = at(u, candidate, start, prefix, depth) {
            found = true;
            next = start.saturating_add(usize::try_from(covered).unwrap_or(usize::MAX).max(1));
            claimed.push((start, next));
        }
    }
    found | sweep_yaffs2(u, data, prefix, depth, &claimed)
}

/// YAFFS2 has no magic number, so the magic scan cannot find it inside a
/// NAND dump. A partition starts on an erase-block boundary, and with the
/// spare bytes kept in the dump every chunk size YAFFS2 uses (512+16,
/// 1024+32, 2048+64, 4096+128, …) is a multiple of 528 bytes: so every
/// multiple of 528 outside what the scan already read is tried, first by a
/// four-byte test (an object type, 1 to 5, in either byte order), then by
/// the format's dry run. The scan's hit limit bounds the tries that pass
/// the first test.
fn sweep_yaffs2(
    u: &mut Unpacker<'_>,
    data: &[u8],
    prefix: &[String],
    depth: usize,
    claimed: &[(usize, usize)],
) -> bool {
    const STEP: usize = 528;
    let plausible = |w: &[u8]| matches!(w, [1..=5, 0, 0, 0, ..] | [0, 0, 0, 1..=5, ..]);
    let mut found = false;
    let mut tried = 0usize;
    let mut start = STEP;
    let mut claimed = claimed.iter().peekable();
    while start < data.len() && tried < MAX_SCAN_HITS {
        // Skip what a container found by the magic scan covers.
        while let Some(&&(from, to)) = claimed.peek() {
            if to <= start {
                claimed.next();
            } else if from <= start {
                start = to.div_ceil(STEP) * STEP;
            } else {
                break;
            }
        }
        let Some(candidate) = data.get(start..) else {
            break;
        };
        if plausible(candidate) && yaffs2::validate(candidate).is_ok() {
            tried += 1;
            if let Some(covered) = at(u, candidate, start, prefix, depth) {
                found = true;
                let len = usize::try_from(covered).unwrap_or(usize::MAX).max(1);
                start = start.saturating_add(len).div_ceil(STEP) * STEP;
                continue;
            }
        }
        start += STEP;
    }
    found
}
