//! SquashFS 2.x and 3.x: the fixtures in `tests/fixtures/squashfs3/` were
//! written by the real squashfs-tools 3.2-r2 mksquashfs (`make-squashfs3.sh`),
//! little- and big-endian, with zlib blocks and with the vendor LZMA blocks
//! that Debian's unsquashfs 4.5 and binwalk 2 cannot extract (sqlzma-style
//! under its own magic; LZMA-alone and headerless raw LZMA with vendor
//! lc/lp/pb under the standard magic), and by
//! mksquashfs 2.2-r2 (`make-squashfs2.sh`: 2.1 in both byte orders, 2.0).
//! Each must unpack to exactly the tree the scripts made (`tree.sh`);
//! Debian's `unsquashfs -ll` is the oracle for the zlib ones; damaged and
//! hostile copies give notes, never a panic.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use iotcheck_firmware::{EntryKind, Limits, fuzz_invariants, unpack_as};

use crate::*;

const FIXTURES: [&str; 17] = [
    "tree-le.sqsh3",
    "tree-be.sqsh3",
    "tree-lzma-le.sqsh3",
    "tree-lzma-be.sqsh3",
    "tree-lzalone-le.sqsh3",
    "tree-lzalone-be.sqsh3",
    "tree-lzraw122-le.sqsh3",
    "tree-lzraw122-be.sqsh3",
    "tree-lzraw000-le.sqsh3",
    "tree-lzraw000-be.sqsh3",
    "tree-le-raw.sqsh3",
    "tree-be-raw.sqsh3",
    "bigdir-le.sqsh3",
    "tree-2.1-le.sqsh2",
    "tree-2.1-be.sqsh2",
    "bigdir-2.1-be.sqsh2",
    "bigdir-2.0-le.sqsh2",
];

/// The LZMA images under the standard magic (`hsqs`/`sqsh`): LZMA-alone
/// blocks, and raw LZMA with lc=1 lp=2 pb=2 (end marker) and lc=0 lp=0
/// pb=0 (no end marker).
const STANDARD_MAGIC_LZMA: [&str; 6] = [
    "tree-lzalone-le.sqsh3",
    "tree-lzalone-be.sqsh3",
    "tree-lzraw122-le.sqsh3",
    "tree-lzraw122-be.sqsh3",
    "tree-lzraw000-le.sqsh3",
    "tree-lzraw000-be.sqsh3",
];

/// The images Debian's unsquashfs reads (all but the LZMA ones).
const ZLIB: [&str; 9] = [
    "tree-le.sqsh3",
    "tree-be.sqsh3",
    "tree-le-raw.sqsh3",
    "tree-be-raw.sqsh3",
    "bigdir-le.sqsh3",
    "tree-2.1-le.sqsh2",
    "tree-2.1-be.sqsh2",
    "bigdir-2.1-be.sqsh2",
    "bigdir-2.0-le.sqsh2",
];

fn v2(name: &str) -> bool {
    name.ends_with(".sqsh2")
}

fn big_endian(name: &str) -> bool {
    name.contains("-be")
}

/// Superblock field at `at`, `width` bytes, in the image's byte order.
fn field(name: &str, bytes: &[u8], at: usize, width: usize) -> u64 {
    let f = &bytes[at..at + width];
    let mut v = 0u64;
    for i in 0..width {
        let byte = if big_endian(name) {
            f[i]
        } else {
            f[width - 1 - i]
        };
        v = v << 8 | u64::from(byte);
    }
    v
}

/// Offsets worth damaging: the superblock and everything from the inode
/// table on (the metadata), every byte; the file data, every 61st.
fn damage_points(name: &str, bytes: &[u8]) -> Vec<usize> {
    let (inode_table, sb_len) = if v2(name) {
        (field(name, bytes, 20, 4) as usize, 63)
    } else {
        (field(name, bytes, 87, 8) as usize, 119)
    };
    (1..bytes.len())
        .filter(|&i| i < sb_len || i >= inode_table || i % 61 == 0)
        .collect()
}

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/squashfs3")
        .join(name)
}

fn fixture(name: &str) -> Vec<u8> {
    let p = fixture_path(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// The changelog `make-squashfs3.sh` writes: 600 numbered lines, over six
/// 4 KiB blocks, its tail in a fragment.
fn changelog() -> Vec<u8> {
    (0..600)
        .flat_map(|i| format!("line {i} of the changelog the vendor ships\n").into_bytes())
        .collect()
}

/// Linux `new_encode_dev`, as iotcheck records device numbers.
fn dev(major: u32, minor: u32) -> u32 {
    (minor & 0xff) | (major << 8)
}

/// The tree `make-squashfs3.sh` builds, entry by entry.
fn expected() -> BTreeMap<String, EntryKind> {
    let file = |s: &str| EntryKind::File(s.as_bytes().to_vec());
    BTreeMap::from([
        ("/".into(), EntryKind::Dir),
        ("/dev".into(), EntryKind::Dir),
        (
            "/dev/console".into(),
            EntryKind::CharDevice { device: dev(5, 1) },
        ),
        ("/dev/initctl".into(), EntryKind::Fifo),
        (
            "/dev/mtdblock2".into(),
            EntryKind::BlockDevice { device: dev(31, 2) },
        ),
        ("/etc".into(), EntryKind::Dir),
        ("/etc/hostname".into(), file("router\n")),
        ("/etc/hostname.hard".into(), file("router\n")),
        ("/etc/init.d".into(), EntryKind::Dir),
        (
            "/etc/init.d/rcS".into(),
            file("#!/bin/sh\nmount -t proc proc /proc\n/usr/sbin/httpd -h /www\n"),
        ),
        (
            "/etc/passwd".into(),
            file("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"),
        ),
        ("/usr".into(), EntryKind::Dir),
        ("/usr/share".into(), EntryKind::Dir),
        ("/usr/share/doc".into(), EntryKind::Dir),
        ("/usr/share/doc/router".into(), EntryKind::Dir),
        (
            "/usr/share/doc/router/changelog".into(),
            EntryKind::File(changelog()),
        ),
        ("/var".into(), EntryKind::Dir),
        ("/var/empty".into(), EntryKind::File(Vec::new())),
        (
            "/var/run".into(),
            EntryKind::Symlink {
                target: "/tmp/var".into(),
            },
        ),
    ])
}

/// `tree.sh`'s `make_bigdir`: 300 empty files in one directory, a large
/// directory (inode type 8, an index) in 2.1 and 3.x.
fn expected_bigdir() -> BTreeMap<String, EntryKind> {
    let mut t = BTreeMap::from([
        ("/".to_string(), EntryKind::Dir),
        ("/lib".into(), EntryKind::Dir),
        ("/lib/modules".into(), EntryKind::Dir),
    ]);
    for i in 0..300 {
        t.insert(
            format!("/lib/modules/kernel-module-number-{i:03}.ko"),
            EntryKind::File(Vec::new()),
        );
    }
    t
}

fn expected_for(name: &str) -> BTreeMap<String, EntryKind> {
    if name.starts_with("bigdir") {
        expected_bigdir()
    } else {
        expected()
    }
}

/// `inner path → kind` of everything unpacked, asserting no entry is listed
/// twice and every entry sits in the one squashfs layer at offset 0.
fn tree(img: &Image) -> BTreeMap<String, EntryKind> {
    let mut out = BTreeMap::new();
    for e in &img.entries {
        assert_eq!(e.path.len(), 2, "{:?}", e.path);
        assert_eq!(e.path[0], "squashfs@0x0", "{:?}", e.path);
        let old = out.insert(e.path[1].clone(), e.kind.clone());
        assert!(old.is_none(), "{} listed twice", e.path[1]);
    }
    out
}

#[test]
fn every_fixture_unpacks_to_the_exact_tree() {
    for name in FIXTURES {
        let bytes = fixture(name);
        assert!(bytes.len() < 100 << 10, "{name} is a small fixture");
        let img = unpack_ok(&bytes, name);
        assert!(img.notes.is_empty(), "{name}: {:?}", img.notes);
        assert_eq!(img.filesystems.len(), 1, "{name}");
        assert_eq!(
            img.has_root_filesystem(),
            !name.starts_with("bigdir"),
            "{name}"
        );
        assert_eq!(tree(&img), expected_for(name), "{name}");
        // The parser alone agrees with the walk.
        let alone = unpack_as(&bytes, name, "squashfs", &Limits::default())
            .unwrap()
            .unwrap();
        assert_eq!(tree(&alone), expected_for(name), "{name} through unpack_as");
    }
}

#[test]
fn both_byte_orders_and_both_compressors_are_really_exercised() {
    let magic = |n: &str| fixture(n)[..4].to_vec();
    assert_eq!(magic("tree-le.sqsh3"), b"hsqs");
    assert_eq!(magic("tree-be.sqsh3"), b"sqsh");
    assert_eq!(magic("tree-lzma-le.sqsh3"), b"shsq");
    assert_eq!(magic("tree-lzma-be.sqsh3"), b"qshs");
    for name in FIXTURES {
        let b = fixture(name);
        // Version 3.0, 2.1 or 2.0 at byte 28, in the image's byte order.
        let v = if big_endian(name) {
            [b[28], b[29], b[30], b[31]]
        } else {
            [b[29], b[28], b[31], b[30]]
        };
        let want = match name {
            "bigdir-2.0-le.sqsh2" => [0, 2, 0, 0],
            n if v2(n) => [0, 2, 0, 1],
            _ => [0, 3, 0, 0],
        };
        assert_eq!(v, want, "{name}");
    }
    // The LZMA images hold LZMA-alone streams (properties 0x5d, a 4 KiB
    // dictionary), the zlib ones none.
    let alone = [0x5d, 0, 0x10, 0, 0];
    let has = |n: &str| fixture(n).windows(5).any(|w| w == alone);
    assert!(has("tree-lzma-le.sqsh3") && has("tree-lzma-be.sqsh3"));
    assert!(has("tree-lzalone-le.sqsh3") && has("tree-lzalone-be.sqsh3"));
    assert!(!has("tree-le.sqsh3") && !has("tree-be.sqsh3"));
    for name in STANDARD_MAGIC_LZMA {
        let b = fixture(name);
        let want: &[u8] = if big_endian(name) { b"sqsh" } else { b"hsqs" };
        assert_eq!(&b[..4], want, "{name}");
        // The first inode-table block: compressed, not zlib; an LZMA-alone
        // header (0x5d, 4 KiB dictionary) or, raw, the range coder's zero.
        let at = field(name, &b, 87, 8) as usize;
        assert_eq!(field(name, &b, at, 2) & 0x8000, 0, "{name}");
        let body = &b[at + 2..];
        assert_ne!(body[0] & 0x0f, 8, "{name}: zlib");
        if name.contains("lzalone") {
            assert_eq!(body[0], 0x5d, "{name}");
        } else {
            assert_eq!(body[0], 0, "{name}");
            assert!(!has(name), "{name}: no LZMA-alone header");
        }
    }
}

/// One `unsquashfs -ll` line: `(path, type char, size or "maj,min", link target)`.
type Listed = (String, char, String, Option<String>);

/// Debian's `unsquashfs -ll` listing of `path`, or its complaint.
fn unsquashfs_ll(path: &std::path::Path) -> Result<Vec<Listed>, String> {
    let out = Command::new("unsquashfs")
        .arg("-ll")
        .arg(path)
        .output()
        .unwrap_or_else(|e| {
            panic!("unsquashfs (Debian package squashfs-tools) must be installed: {e}")
        });
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let text = String::from_utf8(out.stdout).unwrap();
    let mut rows = Vec::new();
    for line in text.lines().filter(|l| l.contains("squashfs-root")) {
        // drwxr-xr-x root/root  44 2023-11-14 22:13 squashfs-root/etc
        // crw-r--r-- root/root  5,  1 2023-11-14 22:13 squashfs-root/dev/console
        let kind = line.chars().next().unwrap();
        let (head, name) = line.split_once(" squashfs-root").unwrap();
        let fields: Vec<&str> = head.split_whitespace().collect();
        let size = fields[2..fields.len() - 2].concat();
        let (name, target) = match name.split_once(" -> ") {
            Some((n, t)) => (n, Some(t.to_string())),
            None => (name, None),
        };
        let name = if name.is_empty() { "/" } else { name };
        rows.push((name.to_string(), kind, size, target));
    }
    Ok(rows)
}

#[test]
fn debian_unsquashfs_lists_what_iotcheck_reads() {
    for name in ZLIB {
        let oracle = unsquashfs_ll(&fixture_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let img = unpack_ok(&fixture(name), name);
        let ours = tree(&img);
        let mut listed = Vec::new();
        for (path, kind, size, target) in oracle {
            let got = ours
                .get(&path)
                .unwrap_or_else(|| panic!("{name}: unsquashfs lists {path}, iotcheck does not"));
            match (kind, got) {
                ('d', EntryKind::Dir) | ('p', EntryKind::Fifo) => {}
                ('-', EntryKind::File(b)) => assert_eq!(size, b.len().to_string(), "{path}"),
                ('l', EntryKind::Symlink { target: t }) => {
                    assert_eq!(target.as_deref(), Some(t.as_str()), "{path}")
                }
                ('c', EntryKind::CharDevice { device })
                | ('b', EntryKind::BlockDevice { device }) => {
                    let (maj, min) = size.split_once(',').unwrap();
                    let want = dev(maj.parse().unwrap(), min.parse().unwrap());
                    assert_eq!(*device, want, "{path}");
                }
                other => panic!("{name}: {path}: unsquashfs and iotcheck disagree: {other:?}"),
            }
            listed.push(path);
        }
        listed.sort();
        let ours: Vec<String> = ours.into_keys().collect();
        assert_eq!(listed, ours, "{name}: the same entries");
    }
}

#[test]
fn debian_unsquashfs_cannot_read_the_lzma_variant_iotcheck_reads() {
    // The point of issue 4: iotcheck reads these where Debian's tools fail.
    for name in ["tree-lzma-le.sqsh3", "tree-lzma-be.sqsh3"] {
        let err = unsquashfs_ll(&fixture_path(name))
            .expect_err("Debian's unsquashfs 4.5 now reads sqlzma images: update this claim");
        assert!(err.contains("SQUASHFS superblock"), "{name}: {err}");
        assert_eq!(tree(&unpack_ok(&fixture(name), name)), expected());
    }
}

#[test]
fn debian_unsquashfs_cannot_read_the_standard_magic_lzma_iotcheck_reads() {
    // Issue 4's remaining vendor variants: the magic says squashfs, the
    // blocks are not zlib, and unsquashfs 4.5 gives up on the first one.
    for name in STANDARD_MAGIC_LZMA {
        let err = unsquashfs_ll(&fixture_path(name))
            .expect_err("Debian's unsquashfs now reads LZMA squashfs 3.x: update this claim");
        assert!(err.contains("uncompress failed"), "{name}: {err}");
        let img = unpack_ok(&fixture(name), name);
        assert!(img.notes.is_empty(), "{name}: {:?}", img.notes);
        assert_eq!(tree(&img), expected(), "{name}");
    }
}

/// `n` pseudo-random bytes (xorshift), the first one zero as in every raw
/// LZMA stream, so that every raw parameter set is really tried.
fn noise(n: usize, mut x: u64) -> Vec<u8> {
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if i == 0 { 0 } else { (x >> 24) as u8 }
        })
        .collect()
}

#[test]
fn undecodable_raw_lzma_blocks_are_named_with_what_was_tried_quickly() {
    for (k, name) in STANDARD_MAGIC_LZMA.iter().enumerate() {
        // Valid superblock and block lengths; every compressed byte of the
        // first inode-table block replaced by noise.
        let mut b = fixture(name);
        let at = field(name, &b, 87, 8) as usize;
        let len = (field(name, &b, at, 2) & 0x7fff) as usize;
        b[at + 2..at + 2 + len].copy_from_slice(&noise(len, 0x9e37_79b9 + k as u64));
        let started = std::time::Instant::now();
        let n = note_of(&b);
        let took = started.elapsed();
        assert!(
            n.contains(&format!("first metadata block at {at:#x}"))
                && n.contains("neither zlib nor LZMA")
                && n.contains("LZMA-alone")
                && n.contains("raw LZMA with 75 lc/lp/pb sets"),
            "{name}: {n}"
        );
        assert!(took.as_millis() < 1000, "{name}: {took:?}");
    }
    // Damage past the first block: the parameters are found, the damaged
    // block is named, the rest of the tree still comes out.
    for name in ["tree-lzraw122-le.sqsh3", "tree-lzraw000-be.sqsh3"] {
        let mut b = fixture(name);
        // The changelog's first data block starts right after the 119-byte
        // superblock (mksquashfs 3.2 writes file data first).
        let start = 119;
        b[start + 1..start + 40].copy_from_slice(&noise(39, 7)[..39]);
        let img = unpack_ok(&b, name);
        let t = tree(&img);
        assert_eq!(
            t.get("/etc/passwd"),
            expected().get("/etc/passwd"),
            "{name}"
        );
        assert!(
            img.notes.iter().any(|n| n
                .message
                .contains("changelog: cannot be read: raw LZMA block")),
            "{name}: {:?}",
            img.notes
        );
    }
}

#[test]
fn found_at_an_offset_inside_a_larger_blob() {
    for name in [
        "tree-be.sqsh3",
        "tree-lzma-le.sqsh3",
        "tree-lzraw122-be.sqsh3",
    ] {
        let mut blob = vec![0xffu8; 0x1000];
        blob.extend_from_slice(&fixture(name));
        blob.extend_from_slice(&[0u8; 512]);
        let img = unpack_ok(&blob, "flash.bin");
        let passwd = img
            .entries
            .iter()
            .find(|e| e.path == ["squashfs@0x1000", "/etc/passwd"])
            .unwrap_or_else(|| panic!("{name}: {:?} {:?}", img.entries, img.notes));
        assert!(matches!(&passwd.kind, EntryKind::File(b) if b.starts_with(b"root:x:0:0")));
    }
}

#[test]
fn every_truncation_gives_a_note_or_a_smaller_tree_never_a_panic() {
    for name in FIXTURES {
        let bytes = fixture(name);
        let full = expected_for(name).len();
        for len in damage_points(name, &bytes) {
            let cut = &bytes[..len];
            fuzz_invariants(cut, Some("squashfs"));
            let img = unpack_as(cut, name, "squashfs", &Limits::default())
                .unwrap()
                .unwrap();
            // mksquashfs ends the image at bytes_used (-nopad): every cut
            // loses something, and says so.
            assert!(
                !img.notes.is_empty(),
                "{name} cut at {len}: no note, {} of {full} entries",
                img.entries.len()
            );
        }
    }
}

#[test]
fn every_single_bit_flip_stays_within_the_limits() {
    for name in FIXTURES {
        let bytes = fixture(name);
        for at in damage_points(name, &bytes) {
            // One bit per byte, a different one from byte to byte.
            let mut b = bytes.clone();
            b[at] ^= 1 << (at % 8);
            fuzz_invariants(&b, Some("squashfs"));
        }
    }
}

/// The fixture with superblock field `at` (image byte order) set to `v`.
fn patched(name: &str, at: usize, v: u64, width: usize) -> Vec<u8> {
    let mut b = fixture(name);
    let be = big_endian(name);
    let field = &mut b[at..at + width];
    for (i, byte) in field.iter_mut().enumerate() {
        let shift = if be { 8 * (width - 1 - i) } else { 8 * i };
        *byte = (v >> shift) as u8;
    }
    b
}

fn note_of(bytes: &[u8]) -> String {
    let img = unpack_as(bytes, "hostile.sqsh3", "squashfs", &Limits::default())
        .unwrap()
        .unwrap();
    assert!(img.entries.is_empty(), "{:?}", img.entries);
    img.notes
        .iter()
        .map(|n| n.message.clone())
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn hostile_superblocks_are_refused_with_a_clear_note() {
    for name in ["tree-le.sqsh3", "tree-be.sqsh3"] {
        // inode count (offset 4) far over the entry limit
        let n = note_of(&patched(name, 4, 0xffff_fff0, 4));
        assert!(
            n.contains("4294967280 inodes, more than the limit"),
            "{name}: {n}"
        );
        // inode table start (offset 87) beyond the image
        let n = note_of(&patched(name, 87, 1 << 40, 8));
        assert!(
            n.contains("do not lie in order within bytes_used"),
            "{name}: {n}"
        );
        // directory table start (offset 95) beyond bytes_used
        let n = note_of(&patched(name, 95, 0x7fff_ffff, 8));
        assert!(
            n.contains("do not lie in order within bytes_used"),
            "{name}: {n}"
        );
        // bytes_used (offset 63) past the end of the data
        let n = note_of(&patched(name, 63, 1 << 30, 8));
        assert!(n.contains("only"), "{name}: {n}");
        // a fragment table beyond the image
        let n = note_of(&patched(name, 103, u64::MAX - 4, 8));
        assert!(n.contains("fragment table"), "{name}: {n}");
        // a block size that is not a power of two (offset 51)
        let n = note_of(&patched(name, 51, 5000, 4));
        assert!(n.contains("invalid block size 5000"), "{name}: {n}");
        // squashfs 1.x is named, not guessed at
        let n = note_of(&patched(name, 28, 1, 2));
        assert!(n.contains("1.0 is not supported"), "{name}: {n}");
    }
}

#[test]
fn a_directory_entry_pointing_back_at_the_root_is_walked_once() {
    for name in ["tree-le-raw.sqsh3", "tree-be-raw.sqsh3"] {
        let mut b = fixture(name);
        let root = field(name, &b, 43, 8);
        let dirs = field(name, &b, 95, 8) as usize;
        // Everything sits in the first metadata block of this tiny image, so
        // the entry's 13-bit inode offset alone decides its inode.
        assert_eq!(root >> 16, 0, "{name}");
        let name_at = dirs + b[dirs..].windows(3).position(|w| w == b"etc").unwrap();
        assert_eq!(b[name_at - 3], 2, "{name}: `etc` entry size byte");
        let off = (root & 0x1fff) as u16;
        let e = name_at - 5;
        let v = if big_endian(name) {
            (u16::from_be_bytes([b[e], b[e + 1]]) & 0x0007) | off << 3
        } else {
            (u16::from_le_bytes([b[e], b[e + 1]]) & !0x1fff) | off
        };
        let raw = if big_endian(name) {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        b[e..e + 2].copy_from_slice(&raw);
        let img = unpack_ok(&b, name);
        let notes: Vec<&str> = img.notes.iter().map(|n| n.message.as_str()).collect();
        assert_eq!(
            notes,
            ["/etc: directory listed twice (a loop); not walked again"],
            "{name}"
        );
        let t = tree(&img);
        assert_eq!(t.get("/etc"), Some(&EntryKind::Dir), "{name}");
        assert!(!t.contains_key("/etc/passwd"), "{name}");
        assert!(t.contains_key("/usr/share/doc/router/changelog"), "{name}");
    }
}

#[test]
fn hostile_2x_superblocks_are_refused_with_a_clear_note() {
    for name in ["tree-2.1-le.sqsh2", "tree-2.1-be.sqsh2"] {
        let n = note_of(&patched(name, 4, 0xffff_fff0, 4));
        assert!(n.contains("more than the limit"), "{name}: {n}");
        // inode table start (offset 20, 32-bit in 2.x) beyond the image
        let n = note_of(&patched(name, 20, 0xffff_0000, 4));
        assert!(n.contains("do not lie in order"), "{name}: {n}");
        // bytes_used (offset 8) past the end of the data
        let n = note_of(&patched(name, 8, 1 << 30, 4));
        assert!(n.contains("only"), "{name}: {n}");
        // fragment table (offset 59) beyond bytes_used
        let n = note_of(&patched(name, 59, 0xffff_fff0, 4));
        assert!(n.contains("fragment table"), "{name}: {n}");
        // 2.x allows no minor version past 1
        let n = note_of(&patched(name, 30, 7, 2));
        assert!(n.contains("2.7 is not"), "{name}: {n}");
    }
}

#[test]
fn a_metadata_block_inflating_past_8_kib_is_refused() {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&[0u8; 1 << 16]).unwrap();
    let bomb = z.finish().unwrap();
    for name in ["tree-le-raw.sqsh3", "tree-be-raw.sqsh3"] {
        let mut b = fixture(name);
        // The first inode-table block, stored uncompressed: its length is
        // larger than the bomb, so the bomb fits in its place.
        let at = field(name, &b, 87, 8) as usize;
        let stored = field(name, &b, at, 2);
        assert!(stored & 0x8000 != 0 && (stored & 0x7fff) as usize > bomb.len());
        let len = bomb.len() as u16;
        let head = if big_endian(name) {
            len.to_be_bytes()
        } else {
            len.to_le_bytes()
        };
        b[at..at + 2].copy_from_slice(&head);
        b[at + 2..at + 2 + bomb.len()].copy_from_slice(&bomb);
        let n = note_of(&b);
        assert!(
            n.contains("zlib block decodes past 8192 bytes"),
            "{name}: {n}"
        );
    }
}
