//! YAFFS2: the real binwalk sample (`yaffs2.bin`, 2048+64-byte chunks, made
//! by `mkyaffs2image`) compared with what Debian's `unyaffs` extracts from
//! it; a big-endian copy; hostile variants made by patching the sample
//! (no Debian tool writes YAFFS2 images; each patch is documented and named
//! for its defect); and random mutations.

use std::collections::BTreeMap;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;
use std::process::Command;

use iotcheck_firmware::{EntryKind, Image, Limits, unpack, unpack_as};
use proptest::prelude::*;

use crate::*;

const SAMPLE: &str = "firmware/binwalk-test-inputs/yaffs2.bin";
const PAGE: usize = 2048;
const CHUNK: usize = 2048 + 64;
const LAYER: &str = "yaffs2@0x0";

/// What a tree holds: path -> file bytes, `dir`, or `-> target`.
#[derive(Debug, PartialEq, Eq)]
enum Node {
    File(Vec<u8>),
    Dir,
    Link(String),
    CharDevice(u64),
}

/// The tree `unyaffs` extracts from `bytes` (run at test time).
fn unyaffs_tree(bytes: &[u8]) -> BTreeMap<String, Node> {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("image.yaffs2");
    std::fs::write(&img, bytes).unwrap();
    let out_dir = dir.path().join("out");
    let out = Command::new("unyaffs")
        .arg(&img)
        .arg(&out_dir)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "unyaffs could not run ({e}); install the Debian package unyaffs \
                 (scripts/install-test-deps.sh)"
            )
        });
    assert!(
        out.status.success(),
        "unyaffs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut tree = BTreeMap::new();
    walk(&out_dir, &out_dir, &mut tree);
    assert!(!tree.is_empty(), "unyaffs extracted nothing");
    tree
}

fn walk(root: &Path, dir: &Path, tree: &mut BTreeMap<String, Node>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let rel = format!("/{}", p.strip_prefix(root).unwrap().display());
        let meta = std::fs::symlink_metadata(&p).unwrap();
        if meta.file_type().is_char_device() {
            tree.insert(rel, Node::CharDevice(meta.rdev()));
        } else if meta.file_type().is_symlink() {
            let t = std::fs::read_link(&p).unwrap();
            tree.insert(rel, Node::Link(t.display().to_string()));
        } else if meta.is_dir() {
            tree.insert(rel, Node::Dir);
            walk(root, &p, tree);
        } else {
            tree.insert(rel, Node::File(std::fs::read(&p).unwrap()));
        }
    }
}

/// The tree iotcheck read under the YAFFS2 layer (the root itself left
/// out); a hard link reads as its target's file, as on disk.
fn our_tree(img: &Image) -> BTreeMap<String, Node> {
    let file = |inner: &str| {
        img.entries
            .iter()
            .find(|e| e.path.len() == 2 && e.path[0] == LAYER && e.inner_path() == inner)
            .and_then(|e| e.bytes())
            .map(<[u8]>::to_vec)
    };
    img.entries
        .iter()
        .filter(|e| e.path.len() == 2 && e.path[0] == LAYER && e.inner_path() != "/")
        .map(|e| {
            let node = match &e.kind {
                EntryKind::File(b) => Node::File(b.clone()),
                EntryKind::Dir => Node::Dir,
                EntryKind::Symlink { target } => Node::Link(target.clone()),
                EntryKind::Hardlink { target } => Node::File(
                    file(target).unwrap_or_else(|| panic!("hard link to {target}: no file")),
                ),
                EntryKind::CharDevice { device } => Node::CharDevice(u64::from(*device)),
                other => panic!("{}: unexpected kind {other:?}", e.inner_path()),
            };
            (e.inner_path().to_string(), node)
        })
        .collect()
}

fn notes(img: &Image) -> String {
    img.notes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn sample() -> Vec<u8> {
    read_shared(SAMPLE)
}

/// Chunk `i`'s tags word `k` (0 sequence, 1 object id, 2 chunk id, 3 bytes).
fn set_tag(bytes: &mut [u8], i: usize, k: usize, v: u32) {
    let at = i * CHUNK + PAGE + 4 * k;
    bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Chunk `i`'s object header word at byte `at` (0 type, 4 parent id).
fn set_header_word(bytes: &mut [u8], i: usize, at: usize, v: u32) {
    let at = i * CHUNK + at;
    bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Chunk `i`'s object header name (NUL-padded to 256 bytes).
fn set_name(bytes: &mut [u8], i: usize, name: &[u8]) {
    let at = i * CHUNK + 10;
    bytes[at..at + 256].fill(0);
    bytes[at..at + name.len()].copy_from_slice(name);
}

fn read_as_yaffs2(bytes: &[u8]) -> Image {
    unpack_as(bytes, "y.bin", "yaffs2", &Limits::default())
        .unwrap()
        .unwrap()
}

#[test]
fn sample_tree_matches_unyaffs() {
    let bytes = sample();
    let img = unpack_ok(&bytes, "yaffs2.bin");
    assert_eq!(img.filesystems, vec![vec![LAYER.to_string()]]);
    let ours = our_tree(&img);
    let theirs = unyaffs_tree(&bytes);
    assert_eq!(ours.len(), 13);
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>()
    );
    assert_eq!(ours, theirs);
    assert!(img.notes.is_empty(), "{}", notes(&img));
    // The sample is the YAFFS2 source itself.
    let Some(Node::File(guts)) = ours.get("/yaffs_guts.h") else {
        panic!("no /yaffs_guts.h")
    };
    assert_eq!(guts.len(), 27266);
    assert!(String::from_utf8_lossy(guts).contains("struct yaffs_obj_hdr"));
}

#[test]
fn every_object_type_matches_unyaffs() {
    // The sample's objects turned into the other types (no Debian tool
    // writes YAFFS2; unyaffs reads the patched image as the reference):
    // 265 (chunk 40) a directory holding 266 (chunk 42, parent 265); 267
    // (chunk 44) a symlink to `yaffs_guts.h`; 268 (chunk 52) a hard link to
    // 257; 269 (chunk 56) a character device 1:3. Their old data chunks
    // stay in the image and must be ignored.
    let mut bytes = sample();
    set_header_word(&mut bytes, 40, 0, 3);
    set_header_word(&mut bytes, 42, 4, 265);
    set_header_word(&mut bytes, 44, 0, 2);
    let alias = 44 * CHUNK + 300;
    bytes[alias..alias + 160].fill(0);
    bytes[alias..alias + 12].copy_from_slice(b"yaffs_guts.h");
    set_header_word(&mut bytes, 52, 0, 4);
    set_header_word(&mut bytes, 52, 296, 257);
    set_header_word(&mut bytes, 56, 0, 5);
    set_header_word(&mut bytes, 56, 268, 0o20_644);
    set_header_word(&mut bytes, 56, 460, 0x103);
    let img = read_as_yaffs2(&bytes);
    assert!(img.notes.is_empty(), "{}", notes(&img));
    let ours = our_tree(&img);
    assert_eq!(ours.get("/yaffs_hweight.h"), Some(&Node::Dir));
    assert!(ours.contains_key("/yaffs_hweight.h/yaffs_ecc.h"));
    assert_eq!(
        ours.get("/mkyaffsimage.c"),
        Some(&Node::Link("yaffs_guts.h".into()))
    );
    assert_eq!(
        img.find("/yaffs_packedtags2.c").unwrap().kind,
        EntryKind::Hardlink {
            target: "/yutilsenv.h".into()
        }
    );
    assert_eq!(ours.get("/yportenv.h"), Some(&Node::CharDevice(0x103)));
    assert_eq!(ours, unyaffs_tree(&bytes));
}

#[test]
fn big_endian_copy_reads_the_same_tree() {
    // The sample with every 32-bit field of the tags and of the object
    // headers byte-swapped (what a big-endian mkyaffs2image writes).
    let le = sample();
    let mut be = le.clone();
    let swap = |b: &mut [u8], at: usize| b[at..at + 4].reverse();
    for i in 0..le.len() / CHUNK {
        let tags = i * CHUNK + PAGE;
        if le[tags..tags + 16].iter().all(|&b| b == 0xff) {
            continue;
        }
        for k in 0..4 {
            swap(&mut be, tags + 4 * k);
        }
        let chunk_id = u32::from_le_bytes(le[tags + 8..tags + 12].try_into().unwrap());
        if chunk_id == 0 {
            let h = i * CHUNK;
            for at in [0, 4, 268, 272, 276, 280, 284, 288, 292, 296, 460, 496] {
                swap(&mut be, h + at);
            }
        }
    }
    assert_ne!(be, le);
    let img = read_as_yaffs2(&be);
    assert!(img.notes.is_empty(), "{}", notes(&img));
    assert_eq!(our_tree(&img), unyaffs_tree(&le));
}

/// The sample re-laid in smaller pages: each header in a page of its own,
/// each 2048-byte data chunk split into `2048 / page` chunks (chunk ids
/// renumbered), the tags `tags_at` bytes into a `spare`-byte spare area
/// (after a 0xff bad-block marker when 2), the rest 0xff.
fn relaid(page: usize, spare: usize, tags_at: usize) -> Vec<u8> {
    let le = sample();
    let per = PAGE / page;
    let mut out = Vec::new();
    let mut put = |data: &[u8], seq: u32, obj: u32, id: u32, n: u32| {
        let mut c = vec![0xffu8; page + spare];
        c[..data.len()].copy_from_slice(data);
        let t = page + tags_at;
        for (k, v) in [seq, obj, id, n].into_iter().enumerate() {
            c[t + 4 * k..t + 4 * k + 4].copy_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&c);
    };
    for i in 0..le.len() / CHUNK {
        let c = &le[i * CHUNK..(i + 1) * CHUNK];
        let w =
            |k: usize| u32::from_le_bytes(c[PAGE + 4 * k..PAGE + 4 * k + 4].try_into().unwrap());
        let (seq, obj, id, n) = (w(0), w(1), w(2), w(3));
        if seq == u32::MAX {
            continue;
        }
        if id == 0 {
            put(&c[..page], seq, obj, 0, n);
            continue;
        }
        let data = &c[..n as usize];
        for (j, part) in data.chunks(page).enumerate() {
            let new_id = (id - 1) * per as u32 + j as u32 + 1;
            put(part, seq, obj, new_id, part.len() as u32);
        }
    }
    out
}

#[test]
fn other_page_sizes_and_a_bad_block_marker_are_detected() {
    let theirs = unyaffs_tree(&sample());
    for (page, spare, tags_at) in [(512, 16, 0), (1024, 32, 2), (2048, 64, 2)] {
        let bytes = relaid(page, spare, tags_at);
        let img = read_as_yaffs2(&bytes);
        assert!(img.notes.is_empty(), "{page}+{spare}: {}", notes(&img));
        assert_eq!(our_tree(&img), theirs, "{page}+{spare} tags at {tags_at}");
    }
}

#[test]
fn android_style_extra_header_tags_are_read() {
    // The header chunks' tags rewritten as the kernel's packed tags2 with
    // extra header info: chunk id = EXTRA_HEADER_INFO | parent id, the
    // object type in the object id's top nibble, the file size as the byte
    // count.
    let mut bytes = sample();
    for i in 0..bytes.len() / CHUNK {
        let t = i * CHUNK + PAGE;
        let w = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
        if w(&bytes, t) == u32::MAX || w(&bytes, t + 8) != 0 {
            continue;
        }
        let h = i * CHUNK;
        let (kind, parent, size) = (w(&bytes, h), w(&bytes, h + 4), w(&bytes, h + 292));
        let obj = w(&bytes, t + 4);
        set_tag(&mut bytes, i, 1, obj | (kind << 28));
        set_tag(&mut bytes, i, 2, 0x8000_0000 | parent);
        set_tag(&mut bytes, i, 3, size);
    }
    let img = read_as_yaffs2(&bytes);
    assert!(img.notes.is_empty(), "{}", notes(&img));
    assert_eq!(our_tree(&img), unyaffs_tree(&sample()));
}

#[test]
fn newest_sequence_number_wins() {
    // An erased chunk (60) becomes a newer copy (sequence 0x1001) of the
    // header of object 257 (chunk 0, `yutilsenv.h`) with a new name: the
    // rename a live filesystem writes.
    let mut bytes = sample();
    let (src, dst) = (0, 60 * CHUNK);
    let copy = bytes[src..src + CHUNK].to_vec();
    bytes[dst..dst + CHUNK].copy_from_slice(&copy);
    set_tag(&mut bytes, 60, 0, 0x1001);
    set_name(&mut bytes, 60, b"renamed.h");
    let img = read_as_yaffs2(&bytes);
    let tree = our_tree(&img);
    assert!(!tree.contains_key("/yutilsenv.h"));
    let theirs = unyaffs_tree(&sample());
    assert_eq!(tree.get("/renamed.h"), theirs.get("/yutilsenv.h"));
    assert_eq!(tree.len(), 13);
}

#[test]
fn truncated_image_keeps_the_chunks_present() {
    // Cut half-way through chunk 10 (file object 261, `mkyaffs2image.c`).
    let bytes = sample();
    let cut = &bytes[..10 * CHUNK + 1000];
    let img = read_as_yaffs2(cut);
    let n = notes(&img);
    assert!(n.contains("image ends 1000 bytes into a chunk"), "{n}");
    let tree = our_tree(&img);
    let theirs = unyaffs_tree(&bytes);
    for kept in ["/yutilsenv.h", "/yaffs_list.h", "/yaffs_packedtags2.h"] {
        assert_eq!(tree.get(kept), theirs.get(kept), "{kept}");
    }
    // Only the header of 261 is present: its data are holes, not garbage.
    let Some(Node::File(b)) = tree.get("/mkyaffs2image.c") else {
        panic!("{tree:?}")
    };
    assert_eq!(b.len(), 15107);
    assert!(b.iter().all(|&x| x == 0));
}

#[test]
fn chunk_claiming_a_huge_byte_count_is_ignored() {
    // Chunk 4 (the second data page of object 258, `yaffs_list.h`) claims
    // 0xffffffff bytes: that page is dropped (a hole), the rest is kept.
    let mut bytes = sample();
    set_tag(&mut bytes, 4, 3, u32::MAX);
    let img = read_as_yaffs2(&bytes);
    let n = notes(&img);
    assert!(
        n.contains("chunk 4 (object 258, chunk 2): claims 4294967295 bytes"),
        "{n}"
    );
    let tree = our_tree(&img);
    assert_eq!(tree.len(), 13);
    let theirs = unyaffs_tree(&sample());
    assert_eq!(tree.get("/yaffs_guts.h"), theirs.get("/yaffs_guts.h"));
    let (Some(Node::File(ours)), Some(Node::File(real))) =
        (tree.get("/yaffs_list.h"), theirs.get("/yaffs_list.h"))
    else {
        panic!("{tree:?}")
    };
    assert_eq!(ours.len(), real.len());
    assert_eq!(ours[..PAGE], real[..PAGE]);
    assert!(ours[PAGE..].iter().all(|&b| b == 0));
}

#[test]
fn parent_loop_is_refused() {
    // Objects 258 (chunk 2) and 259 (chunk 5) become directories, each the
    // other's parent.
    let mut bytes = sample();
    set_header_word(&mut bytes, 2, 0, 3);
    set_header_word(&mut bytes, 2, 4, 259);
    set_header_word(&mut bytes, 5, 0, 3);
    set_header_word(&mut bytes, 5, 4, 258);
    let img = read_as_yaffs2(&bytes);
    let n = notes(&img);
    assert!(n.contains("parent chain loops back"), "{n}");
    let tree = our_tree(&img);
    assert!(!tree.contains_key("/yaffs_list.h"));
    assert!(!tree.contains_key("/yaffs_packedtags2.h"));
    assert_eq!(tree.len(), 11);
}

#[test]
fn deep_directory_chain_is_cut_at_256() {
    // 300 copies of the sample's first chunk, each turned into a directory
    // `d` (object 1000 + k) inside the previous one: a tree 300 deep.
    let one = sample()[..CHUNK].to_vec();
    let mut bytes = Vec::new();
    for k in 0..300u32 {
        let i = k as usize;
        bytes.extend_from_slice(&one);
        set_header_word(&mut bytes, i, 0, 3);
        set_header_word(&mut bytes, i, 4, if k == 0 { 1 } else { 999 + k });
        set_name(&mut bytes, i, b"d");
        set_tag(&mut bytes, i, 1, 1000 + k);
    }
    let img = read_as_yaffs2(&bytes);
    let n = notes(&img);
    assert!(
        n.contains("object 1256: nested more than 256 directories deep"),
        "{n}"
    );
    let dirs = our_tree(&img);
    assert_eq!(dirs.len(), 256);
    assert!(dirs.values().all(|d| *d == Node::Dir));
    assert!(dirs.contains_key(&"/d".repeat(256)));
}

#[test]
fn names_leaving_their_directory_are_refused() {
    // Object 260 (chunk 7) is named `..`, 261 (chunk 9) `../../etc/passwd`;
    // 262 (chunk 18) is moved to the deleted pseudo directory (id 4).
    let mut bytes = sample();
    set_name(&mut bytes, 7, b"..");
    set_name(&mut bytes, 9, b"../../etc/passwd");
    set_header_word(&mut bytes, 18, 4, 4);
    let img = read_as_yaffs2(&bytes);
    let n = notes(&img);
    assert!(n.contains("name \"..\" is not a plain file name"), "{n}");
    assert!(
        n.contains("name \"../../etc/passwd\" is not a plain file name"),
        "{n}"
    );
    let tree = our_tree(&img);
    assert_eq!(tree.len(), 10, "{tree:?}");
    assert!(tree.keys().all(|k| !k.contains("..") && k != "/etc/passwd"));
    assert!(!tree.contains_key("/yaffs_hweight.c"));
}

#[test]
fn file_limit_skips_the_file_with_a_note() {
    let limits = Limits {
        max_single_file: 10_000,
        ..Limits::default()
    };
    let img = unpack(&sample(), "y.bin", &limits).unwrap();
    let e = img.find("/yaffs_guts.h").unwrap();
    assert_eq!(e.kind, EntryKind::FileSkipped { size: 27266 });
    assert!(notes(&img).contains("more than the single-file limit"));
}

#[test]
fn not_yaffs2_is_refused_with_a_reason() {
    // The sample shifted by one byte: no geometry holds.
    let bytes = sample();
    let img = read_as_yaffs2(&bytes[1..]);
    assert!(img.entries.is_empty());
    assert!(
        notes(&img).contains("not a YAFFS2 image"),
        "{}",
        notes(&img)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn mutated_sample_never_panics(
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        in_tags in any::<bool>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = sample();
        let chunks = bytes.len() / CHUNK;
        for (i, v) in flips {
            // Half the time aim at the tags and headers, where flips bite.
            let at = if in_tags {
                let c = i.index(chunks);
                if v & 1 == 0 { c * CHUNK + PAGE + i.index(16) } else { c * CHUNK + i.index(512) }
            } else {
                i.index(bytes.len())
            };
            bytes[at] ^= v | 1;
        }
        bytes.truncate(cut.index(bytes.len()) + 1);
        let limits = Limits::default();
        if let Some(Ok(img)) = unpack_as(&bytes, "y.bin", "yaffs2", &limits) {
            assert!(img.entries.len() <= limits.max_files);
            let total: u64 = img.entries.iter().filter_map(|e| e.bytes()).map(|b| b.len() as u64).sum();
            assert!(total <= limits.max_expansion_ratio * bytes.len() as u64);
            for e in &img.entries {
                assert!(!e.inner_path().contains(".."), "{:?}", e.path);
            }
        }
        let _ = unpack(&bytes, "y.bin", &limits);
    }
}

#[test]
fn fuzz_seed_matches_unyaffs() {
    // fuzz/seeds/fw_yaffs2/tiny-2k.yaffs2, laid out by
    // tests/fixtures/make-yaffs2-seed.py and checked there with unyaffs: a
    // directory, a file inside it and a symlink.
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/fw_yaffs2/tiny-2k.yaffs2");
    let bytes = std::fs::read(&p).unwrap();
    let img = unpack_ok(&bytes, "tiny-2k.yaffs2");
    assert!(img.notes.is_empty(), "{}", notes(&img));
    let ours = our_tree(&img);
    assert_eq!(ours.len(), 3);
    assert_eq!(ours.get("/sh"), Some(&Node::Link("busybox".into())));
    assert_eq!(ours, unyaffs_tree(&bytes));
}

/// Inside a NAND dump, after a boot loader and a kernel, on an erase-block
/// boundary: no magic number to scan for, found by the sweep over 528-byte
/// steps, and read exactly as at the start of a blob. Random bytes and
/// erased flash around it yield nothing else.
#[test]
fn sample_inside_a_nand_dump_is_found_at_its_offset() {
    let sample = read_shared(SAMPLE);
    let alone = unpack_ok(&sample, "yaffs2.bin");
    let block = 64 * CHUNK;
    // "Boot loader": pseudo-random bytes; then erased flash; then YAFFS2.
    let mut dump: Vec<u8> = (0..block as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    dump.extend(std::iter::repeat_n(0xffu8, 2 * block));
    let at = dump.len();
    dump.extend(&sample);
    dump.extend(std::iter::repeat_n(0xffu8, block));
    let img = unpack_ok(&dump, "nand.bin");
    let layer = format!("yaffs2@{at:#x}");
    assert_eq!(
        img.filesystems,
        vec![vec![layer.clone()]],
        "{:?}",
        img.notes
    );
    let tree = |img: &Image, layer: &str| -> Vec<(String, EntryKind)> {
        img.entries
            .iter()
            .filter(|e| e.path[0] == layer)
            .map(|e| (e.path[1..].join("/"), e.kind.clone()))
            .collect()
    };
    assert_eq!(tree(&img, &layer), tree(&alone, LAYER));
    assert!(!tree(&img, &layer).is_empty());
}
