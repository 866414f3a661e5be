//! UBI images and UBIFS volumes built here with the real tools (mkfs.ubifs
//! and ubinize from mtd-utils, mksquashfs from squashfs-tools): the tree
//! read back for every UBIFS compressor, volumes unpacked by what they
//! hold, the weak-password check through the layers, an image embedded in
//! a blob, hostile variants patched from real output, and mutations.

use std::path::{Path, PathBuf};

use iotcheck_firmware::{EntryKind, Image, Limits, checks, unpack, unpack_as};
use iotcheck_model::Outcome;
use proptest::prelude::*;

use crate::*;

/// `openssl passwd -1 -salt iotcheck admin`: "admin" is on the built-in list.
const ADMIN_MD5: &str = "$1$iotcheck$r48jWbYuSIcWq665idbh0.";
const UBIFS_MAGIC: [u8; 4] = [0x31, 0x18, 0x10, 0x06];
const PEB: usize = 128 << 10;

/// Several 4 KiB blocks, each compressing differently.
fn big_text() -> Vec<u8> {
    (0..1500u32)
        .map(|i| format!("line {i:04} {}\n", i.wrapping_mul(2_654_435_761) % 99_991))
        .collect::<String>()
        .into_bytes()
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        write(&root, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n");
        write(
            &root,
            "etc/shadow",
            format!("root:{ADMIN_MD5}:19000:0:99999:7:::\n").as_bytes(),
        );
        write(&root, "etc/big.txt", big_text());
        write(&root, "bin/busybox", b"\x7fELF BusyBox v1.36.1\x00");
        write(&root, "usr/share/deep/er/file.txt", b"nested\n");
        std::os::unix::fs::symlink("busybox", root.join("bin/sh")).unwrap();
        let extra = dir.path().join("extra");
        write(&extra, "release.txt", b"extra volume\n");
        Fixture { dir }
    }

    fn out(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn ubifs(&self, compr: &str) -> Vec<u8> {
        self.ubifs_with(compr, &[], &format!("{compr}.ubifs"))
    }

    /// `mkfs.ubifs` of the tree with `compr` and `extra` options, into `name`.
    fn ubifs_with(&self, compr: &str, extra: &[&str], name: &str) -> Vec<u8> {
        let out = self.out(name);
        let root = self.out("root");
        let mut args = vec![
            "-r",
            root.to_str().unwrap(),
            "-m",
            "2048",
            "-e",
            "126976",
            "-c",
            "64",
            "-x",
            compr,
        ];
        args.extend(extra);
        args.extend(["-o", out.to_str().unwrap()]);
        run_tool("mkfs.ubifs", &args, "mtd-utils");
        std::fs::read(out).unwrap()
    }

    /// A UBI image with a dynamic `rootfs` volume (UBIFS, `compr`) and a
    /// static `extra` volume (squashfs).
    fn ubi(&self, compr: &str) -> Vec<u8> {
        self.ubifs(compr);
        let sq = self.out("extra.sqfs");
        run_tool(
            "mksquashfs",
            &[
                self.out("extra").to_str().unwrap(),
                sq.to_str().unwrap(),
                "-noappend",
                "-quiet",
            ],
            "squashfs-tools",
        );
        let cfg = self.out("ubinize.cfg");
        std::fs::write(
            &cfg,
            format!(
                "[rootfs]\nmode=ubi\nimage={}\nvol_id=0\nvol_type=dynamic\nvol_name=rootfs\n\
                 [extra]\nmode=ubi\nimage={}\nvol_id=1\nvol_type=static\nvol_name=extra\n",
                self.out(&format!("{compr}.ubifs")).display(),
                sq.display()
            ),
        )
        .unwrap();
        let out = self.out(&format!("{compr}.ubi"));
        run_tool(
            "ubinize",
            &[
                "-o",
                out.to_str().unwrap(),
                "-m",
                "2048",
                "-p",
                "128KiB",
                cfg.to_str().unwrap(),
            ],
            "mtd-utils",
        );
        std::fs::read(out).unwrap()
    }
}

fn notes(img: &Image) -> String {
    img.notes.iter().map(|n| format!("{n}\n")).collect()
}

fn rootfs_layers(at: usize) -> Vec<String> {
    vec![
        format!("ubi@{at:#x}"),
        "/volumes/rootfs".into(),
        "ubifs@0x0".into(),
    ]
}

fn expect_tree(img: &Image, layers: &[String]) {
    let mut want = layers.to_vec();
    want.push("/etc/shadow".into());
    assert_eq!(
        img.find("/etc/shadow")
            .unwrap_or_else(|| panic!("{}", notes(img)))
            .path,
        want
    );
    assert!(img.has_root_filesystem());
    assert_eq!(
        img.find("/etc/passwd").unwrap().bytes(),
        Some(&b"root:x:0:0:root:/root:/bin/sh\n"[..])
    );
    assert_eq!(
        img.find("/etc/big.txt").unwrap().bytes(),
        Some(&big_text()[..])
    );
    assert_eq!(
        img.find("/usr/share/deep/er/file.txt").unwrap().bytes(),
        Some(&b"nested\n"[..])
    );
    assert_eq!(
        img.find("/bin/sh").unwrap().kind,
        EntryKind::Symlink {
            target: "busybox".into()
        }
    );
    assert_eq!(img.find("/usr/share/deep").unwrap().kind, EntryKind::Dir);
    let results = checks(img);
    let weak = result(&results, "fw.weak-account-password");
    assert_outcome(weak, Outcome::Fail);
    assert_eq!(files(weak)[0].0, want);
}

#[test]
fn ubifs_every_compressor_reads_back_the_tree() {
    let f = Fixture::new();
    for (compr, id) in [("lzo", 1u16), ("zlib", 2), ("zstd", 3), ("none", 0)] {
        let bytes = f.ubifs(compr);
        // The data nodes really use the compressor the test is named for.
        let used: std::collections::BTreeSet<u16> = nodes_of(&bytes, 1)
            .into_iter()
            .map(|i| u16::from_le_bytes([bytes[i + 44], bytes[i + 45]]))
            .collect();
        assert!(used.contains(&id), "{compr}: {used:?}");
        let img = unpack_ok(&bytes, "fs.ubifs");
        assert!(img.notes.is_empty(), "{compr}: {}", notes(&img));
        expect_tree(&img, &["ubifs@0x0".to_string()]);
    }
}

#[test]
fn ubi_volumes_are_unpacked_by_what_they_hold() {
    let f = Fixture::new();
    for compr in ["lzo", "zstd"] {
        let bytes = f.ubi(compr);
        let img = unpack_ok(&bytes, "fs.ubi");
        assert!(img.notes.is_empty(), "{compr}: {}", notes(&img));
        expect_tree(&img, &rootfs_layers(0));
        let extra = img.find("/release.txt").unwrap();
        assert_eq!(
            extra.path,
            ["ubi@0x0", "/volumes/extra", "squashfs@0x0", "/release.txt"]
        );
        assert_eq!(extra.bytes(), Some(&b"extra volume\n"[..]));
    }
}

#[test]
fn ubi_volume_holding_no_container_is_kept_as_a_file() {
    let f = Fixture::new();
    let raw = f.out("raw.bin");
    std::fs::write(&raw, b"calibration data, no container here\n").unwrap();
    let cfg = f.out("raw.cfg");
    std::fs::write(
        &cfg,
        format!(
            "[cal]\nmode=ubi\nimage={}\nvol_id=3\nvol_type=static\nvol_name=cal\n",
            raw.display()
        ),
    )
    .unwrap();
    let out = f.out("raw.ubi");
    run_tool(
        "ubinize",
        &[
            "-o",
            out.to_str().unwrap(),
            "-m",
            "2048",
            "-p",
            "128KiB",
            cfg.to_str().unwrap(),
        ],
        "mtd-utils",
    );
    let img = unpack_ok(&std::fs::read(out).unwrap(), "raw.ubi");
    let e = img.find("/volumes/cal").unwrap();
    assert_eq!(e.path, ["ubi@0x0", "/volumes/cal"]);
    assert_eq!(
        e.bytes(),
        Some(&b"calibration data, no container here\n"[..])
    );
}

#[test]
fn ubi_embedded_in_a_blob_is_found_by_scanning() {
    let f = Fixture::new();
    let mut blob = vec![0x5au8; 0x3000];
    blob.extend(f.ubi("lzo"));
    blob.extend([0u8; 100]);
    let img = unpack_ok(&blob, "dump.bin");
    expect_tree(&img, &rootfs_layers(0x3000));
    // The 100 bytes after the image are not a truncated PEB of it.
    assert!(!notes(&img).contains("truncated"), "{}", notes(&img));
}

/// Recomputes the CRC of the 64-byte UBI header at `at` (kernel style).
fn fix_ubi_crc(b: &mut [u8], at: usize) {
    let c = !crc32fast::hash(&b[at..at + 60]);
    b[at + 60..at + 64].copy_from_slice(&c.to_be_bytes());
}

#[test]
fn ubi_bad_ec_crc_and_huge_lnum_are_notes() {
    let f = Fixture::new();
    let good = f.ubi("lzo");
    // The PEBs: 0,1 layout volume; then the rootfs LEBs.
    let mut bytes = good.clone();
    // A bad EC header CRC on the last rootfs PEB that carries nodes.
    let last = (0..bytes.len() / PEB)
        .rev()
        .find(|p| bytes[p * PEB + 4096..p * PEB + 4100] == UBIFS_MAGIC)
        .unwrap();
    bytes[last * PEB + 8] ^= 1;
    // A VID header claiming LEB 0x7fffffff, its CRC fixed so only the
    // number is wrong.
    let vid = 3 * PEB + 2048;
    bytes[vid + 12..vid + 16].copy_from_slice(&0x7fff_ffffu32.to_be_bytes());
    fix_ubi_crc(&mut bytes, vid);
    let img = unpack_ok(&bytes, "bad.ubi");
    let n = notes(&img);
    assert!(n.contains("1 PEB(s) fail their EC header CRC check"), "{n}");
    assert!(n.contains("claims LEB 2147483647 of volume 0"), "{n}");
    // The rest is kept: the superblock LEB and the shadow file survive.
    assert!(img.find("/etc/shadow").is_some(), "{n}");
    assert!(img.find("/release.txt").is_some(), "{n}");
}

#[test]
fn ubi_truncated_keeps_what_is_there() {
    let f = Fixture::new();
    let good = f.ubi("lzo");
    // The last PEB (the static squashfs volume) loses its end.
    let cut = &good[..good.len() - 1000];
    let img = unpack_ok(cut, "cut.ubi");
    let n = notes(&img);
    assert!(n.contains("it is truncated"), "{n}");
    assert!(img.find("/release.txt").is_none(), "{n}");
    expect_tree(&img, &rootfs_layers(0));
}

/// Recomputes the CRC of the UBIFS node at `at` (kernel style).
fn fix_ubifs_crc(b: &mut [u8], at: usize) {
    let len = u32::from_le_bytes(b[at + 16..at + 20].try_into().unwrap()) as usize;
    let c = !crc32fast::hash(&b[at + 8..at + len]);
    b[at + 4..at + 8].copy_from_slice(&c.to_le_bytes());
}

/// Offsets of the UBIFS nodes of `node_type` in an image.
fn nodes_of(b: &[u8], node_type: u8) -> Vec<usize> {
    (0..b.len() - 24)
        .step_by(8)
        .filter(|&i| b[i..i + 4] == UBIFS_MAGIC && b[i + 20] == node_type)
        .collect()
}

/// The directory entry node named `name`: (offset, parent, inode).
fn find_dent(b: &[u8], name: &[u8]) -> (usize, u32, u64) {
    nodes_of(b, 2)
        .into_iter()
        .find(|&i| {
            let nlen = u16::from_le_bytes([b[i + 50], b[i + 51]]) as usize;
            &b[i + 56..i + 56 + nlen] == name
        })
        .map(|i| {
            (
                i,
                u32::from_le_bytes(b[i + 24..i + 28].try_into().unwrap()),
                u64::from_le_bytes(b[i + 40..i + 48].try_into().unwrap()),
            )
        })
        .unwrap_or_else(|| panic!("no dent {name:?}"))
}

#[test]
fn ubifs_data_node_claiming_a_huge_size_is_a_note() {
    let f = Fixture::new();
    let mut bytes = f.ubifs("none");
    let at = bytes.windows(10).position(|w| w == b"root:x:0:0").unwrap() - 48;
    assert_eq!(bytes[at..at + 4], UBIFS_MAGIC);
    bytes[at + 40..at + 44].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    fix_ubifs_crc(&mut bytes, at);
    let img = unpack_ok(&bytes, "huge.ubifs");
    let n = notes(&img);
    assert!(
        n.contains("/etc/passwd: data node at") && n.contains("more than a 4096-byte block"),
        "{n}"
    );
    assert_eq!(
        img.find("/etc/big.txt").unwrap().bytes(),
        Some(&big_text()[..])
    );
}

#[test]
fn ubifs_dent_cycle_is_not_followed_and_bad_crcs_are_counted() {
    let f = Fixture::new();
    let mut bytes = f.ubifs("lzo");
    // /usr/share/deep now names /usr: a cycle, newer than the original.
    let (d, _, _) = find_dent(&bytes, b"deep");
    let (_, _, usr) = find_dent(&bytes, b"usr");
    bytes[d + 40..d + 48].copy_from_slice(&usr.to_le_bytes());
    bytes[d + 8..d + 16].copy_from_slice(&u64::MAX.to_le_bytes()[..]);
    fix_ubifs_crc(&mut bytes, d);
    // And a node whose CRC fails.
    let (s, _, _) = find_dent(&bytes, b"sh");
    bytes[s + 56] ^= 0xff;
    let img = unpack_ok(&bytes, "cycle.ubifs");
    let n = notes(&img);
    assert!(
        n.contains("/usr/share/deep: directory inode") && n.contains("(a cycle)"),
        "{n}"
    );
    assert!(n.contains("1 node(s) fail their CRC check"), "{n}");
    assert!(img.find("/bin/sh").is_none());
    assert!(img.find("/etc/shadow").is_some());
    assert_eq!(
        img.find("/etc/big.txt").unwrap().bytes(),
        Some(&big_text()[..])
    );
}

#[test]
fn ubifs_deletion_entry_hides_the_file() {
    let f = Fixture::new();
    let mut bytes = f.ubifs("lzo");
    // A copy of passwd's entry, newer and pointing at inode 0: unlinked.
    let (d, _, _) = find_dent(&bytes, b"passwd");
    let len = u32::from_le_bytes(bytes[d + 16..d + 20].try_into().unwrap()) as usize;
    let mut node = bytes[d..d + len].to_vec();
    node[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
    node[40..48].copy_from_slice(&0u64.to_le_bytes());
    fix_ubifs_crc(&mut node, 0);
    bytes.extend(node);
    let img = unpack_ok(&bytes, "unlinked.ubifs");
    assert!(img.find("/etc/passwd").is_none());
    assert!(img.find("/etc/shadow").is_some());
}

#[test]
fn parsers_alone_on_real_images() {
    let f = Fixture::new();
    let ubi = f.ubi("zlib");
    assert_eq!(iotcheck_firmware::identify(&ubi[..4096]), Some("UBI image"));
    assert_eq!(
        iotcheck_firmware::identify(&f.ubifs("zlib")[..4096]),
        Some("UBIFS filesystem")
    );
    let img = unpack_as(&ubi, "x.ubi", "ubi", &Limits::default())
        .unwrap()
        .unwrap();
    expect_tree(&img, &rootfs_layers(0));
    let ubifs = f.ubifs("zlib");
    let img = unpack_as(&ubifs, "x.ubifs", "ubifs", &Limits::default())
        .unwrap()
        .unwrap();
    expect_tree(&img, &["ubifs@0x0".to_string()]);
    // Tight limits: volumes over the budget are notes, nothing panics.
    let tight = Limits {
        max_expansion_ratio: 0,
        ..Limits::default()
    };
    let img = unpack(&ubi, "x.ubi", &tight).unwrap();
    assert!(
        notes(&img).contains("over the unpack limit"),
        "{}",
        notes(&img)
    );
    assert!(img.find("/etc/shadow").is_none());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn ubi_with_flipped_bytes_never_panics(
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        headers in any::<bool>(),
    ) {
        static IMAGE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        let good = IMAGE.get_or_init(|| Fixture::new().ubi("lzo"));
        let mut bytes = good.clone();
        for (i, v) in flips {
            // Aim half the cases at the headers and first nodes.
            let at = if headers {
                let peb = i.index(bytes.len() / PEB);
                peb * PEB + i.index(8192)
            } else {
                i.index(bytes.len())
            };
            bytes[at] ^= v | 1;
        }
        let limits = Limits { max_total_bytes: 64 << 20, ..Limits::default() };
        if let Ok(img) = unpack(&bytes, "p.ubi", &limits) {
            prop_assert!(img.entries.len() <= limits.max_files);
            let total: u64 = img.files().map(|(_, b)| b.len() as u64).sum();
            prop_assert!(total <= limits.max_total_bytes);
            let _ = checks(&img);
        }
    }
}

/// The fuzzing seeds (tests/fixtures/make-ubi-seeds.sh) read back: the
/// squeezed UBIFS seed still holds the tree, so the fuzzer starts from
/// real nodes.
#[test]
fn fuzz_seeds_read_back() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds");
    let ubi = std::fs::read(seeds.join("fw_ubi/squashfs-volume.ubi")).unwrap();
    let img = unpack_ok(&ubi, "seed.ubi");
    assert_eq!(
        img.find("/etc/shadow").unwrap().path,
        ["ubi@0x0", "/volumes/rootfs", "squashfs@0x0", "/etc/shadow"]
    );
    let ubifs = std::fs::read(seeds.join("fw_ubifs/lzo-squeezed.ubifs")).unwrap();
    let img = unpack_ok(&ubifs, "seed.ubifs");
    assert!(img.notes.is_empty(), "{}", notes(&img));
    assert_eq!(
        img.find("/bin/sh").unwrap().kind,
        EntryKind::Symlink {
            target: "busybox".into()
        }
    );
    assert!(
        img.find("/etc/shadow")
            .unwrap()
            .bytes()
            .unwrap()
            .starts_with(b"root:$1$")
    );
}

#[test]
fn ubifs_forged_node_headers_stop_the_scan_quickly() {
    let f = Fixture::new();
    let good = f.ubifs("none");
    // The real superblock, then 4 MiB of node headers, one every 24 bytes,
    // each claiming 64 KiB and failing its CRC.
    let mut bytes = good[..4096].to_vec();
    let mut forged = [0u8; 24];
    forged[..4].copy_from_slice(&UBIFS_MAGIC);
    forged[16..20].copy_from_slice(&((64u32 << 10) - 8).to_le_bytes());
    while bytes.len() < 4 << 20 {
        bytes.extend(forged);
    }
    let started = std::time::Instant::now();
    let img = unpack_as(&bytes, "forged.ubifs", "ubifs", &Limits::default()).unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let n = img.map(|i| notes(&i)).unwrap_or_default();
    assert!(n.contains("the scan stopped"), "{n}");
}

/// A second copy of the LEB holding passwd's data (as wear levelling
/// leaves one), its data node edited and its CRCs fixed: the copy with the
/// higher sequence number wins, whichever PEB comes first.
#[test]
fn ubi_newest_copy_of_a_leb_wins() {
    let f = Fixture::new();
    let good = f.ubi("none");
    let at = good.windows(10).position(|w| w == b"root:x:0:0").unwrap();
    let peb = at / PEB * PEB;
    let sqnum = |b: &[u8], p: usize| {
        u64::from_be_bytes(b[p + 2048 + 40..p + 2048 + 48].try_into().unwrap())
    };
    for newer in [true, false] {
        let mut copy = good[peb..peb + PEB].to_vec();
        let node = at - peb - 48;
        copy[node + 48..node + 52].copy_from_slice(b"toor");
        fix_ubifs_crc(&mut copy, node);
        // ubinize writes sequence number 0 everywhere: number them.
        let (original, s) = if newer { (5u64, 10u64) } else { (10, 5) };
        copy[2048 + 40..2048 + 48].copy_from_slice(&s.to_be_bytes());
        fix_ubi_crc(&mut copy, 2048);
        let mut bytes = good.clone();
        bytes[peb + 2048 + 40..peb + 2048 + 48].copy_from_slice(&original.to_be_bytes());
        fix_ubi_crc(&mut bytes, peb + 2048);
        bytes.extend(&copy);
        assert_eq!(sqnum(&bytes, peb), original);
        let img = unpack_ok(&bytes, "copies.ubi");
        let passwd = img.find("/etc/passwd").unwrap().bytes().unwrap();
        let want: &[u8] = if newer { b"toor:x:0:0" } else { b"root:x:0:0" };
        assert!(
            passwd.starts_with(want),
            "{}",
            String::from_utf8_lossy(passwd)
        );
        expect_tree_without_passwd(&img);
    }
}

fn expect_tree_without_passwd(img: &Image) {
    assert!(img.find("/etc/shadow").is_some(), "{}", notes(img));
    assert_eq!(
        img.find("/etc/big.txt").unwrap().bytes(),
        Some(&big_text()[..])
    );
}

/// fscrypt: `mkfs.ubifs --key` encrypts from the root down. Entry names
/// are ciphertext, so nothing may be listed under the root (no invented
/// file names), and the note must say the tree cannot be inspected; the
/// same tree unencrypted reads back whole.
#[test]
fn ubifs_encrypted_with_fscrypt_is_cannot_be_inspected_not_garbage() {
    let f = Fixture::new();
    let key = f.out("key.bin");
    std::fs::write(&key, (0u8..64).collect::<Vec<u8>>()).unwrap();
    let bytes = f.ubifs_with(
        "lzo",
        &[
            "--key",
            key.to_str().unwrap(),
            "--key-descriptor",
            "0123456789abcdef",
            "--cipher",
            "AES-256-XTS",
        ],
        "enc.ubifs",
    );
    let img = unpack_ok(&bytes, "enc.ubifs");
    let listed: Vec<String> = img.entries.iter().map(|e| e.path[1..].join("/")).collect();
    assert_eq!(listed, vec!["/".to_string()], "{listed:?}");
    assert!(
        notes(&img).contains("/: encrypted directory (fscrypt)")
            && notes(&img).contains("cannot be inspected"),
        "{}",
        notes(&img)
    );
    assert!(!img.has_root_filesystem());
    // The plain image of the same tree, as a control.
    expect_tree(
        &unpack_ok(&f.ubifs("lzo"), "plain.ubifs"),
        &["ubifs@0x0".to_string()],
    );
}
