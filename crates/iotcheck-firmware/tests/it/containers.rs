//! JFFS2, zip and FIT images built here with the real tools (mkfs.jffs2
//! and sumtool from mtd-utils, Info-ZIP's zip and Python's zipfile, mkimage
//! from u-boot-tools with dtc, mksquashfs): entries, links, devices, the
//! checks through each format, images embedded in blobs, hostile variants
//! named for their defect, and mutations.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use iotcheck_firmware::{EntryKind, Image, Limits, checks, unpack, unpack_as};
use iotcheck_model::Outcome;
use proptest::prelude::*;

use crate::*;

/// `openssl passwd -1 -salt iotcheck admin`: "admin" is on the built-in list.
const ADMIN_MD5: &str = "$1$iotcheck$r48jWbYuSIcWq665idbh0.";

/// A text of `n` lines varied enough that each 4 KiB page compresses
/// differently (several JFFS2 data nodes, real zlib/lzo/rtime work).
fn big_text() -> Vec<u8> {
    (0..900u32)
        .map(|i| format!("line {i:04} {}\n", i.wrapping_mul(2_654_435_761) % 99_991))
        .collect::<String>()
        .into_bytes()
}

/// The small root filesystem every fixture here holds.
struct Rootfs {
    dir: tempfile::TempDir,
}

impl Rootfs {
    fn new() -> Rootfs {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        write(&root, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n");
        write(
            &root,
            "etc/shadow",
            format!("root:{ADMIN_MD5}:19000:0:99999:7:::\n").as_bytes(),
        );
        write(&root, "etc/big.txt", big_text());
        write(
            &root,
            "bin/busybox",
            b"\x7fELF\x02\x01\x01\x00\x00BusyBox v1.36.1 (2023-11-14 22:13:20 UTC)\x00",
        );
        write(&root, "usr/share/deep/er/file.txt", b"nested\n");
        std::os::unix::fs::symlink("busybox", root.join("bin/sh")).unwrap();
        std::fs::hard_link(root.join("bin/busybox"), root.join("bin/busybox.hard")).unwrap();
        std::fs::write(
            dir.path().join("devtable"),
            "/dev d 755 0 0 - - - - -\n/dev/console c 600 0 0 5 1 0 0 -\n/dev/mtdblock0 b 640 0 0 31 0 0 0 -\n",
        )
        .unwrap();
        Rootfs { dir }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn out(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn kind<'a>(img: &'a Image, inner: &str) -> &'a EntryKind {
    &img.find(inner)
        .unwrap_or_else(|| panic!("{inner} not in {:#?}", img.entries))
        .kind
}

fn notes(img: &Image) -> String {
    img.notes.iter().map(|n| format!("{n}\n")).collect()
}

/// The tree every fixture must unpack to, under `layers`.
fn expect_rootfs(img: &Image, layers: &[&str]) {
    let mut want: Vec<String> = layers.iter().map(|s| s.to_string()).collect();
    want.push("/etc/shadow".into());
    assert_eq!(img.find("/etc/shadow").unwrap().path, want);
    assert!(img.has_root_filesystem(), "{:#?}", img.entries);
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
        kind(img, "/bin/sh"),
        &EntryKind::Symlink {
            target: "busybox".into()
        }
    );
    // The weak password is found through the format, with its nested path.
    let results = checks(img);
    let weak = result(&results, "fw.weak-account-password");
    assert_outcome(weak, Outcome::Fail);
    assert_eq!(files(weak)[0].0, want);
}

// ---------------------------------------------------------------- JFFS2

const DEVTABLE_CONSOLE: u32 = 0x501; // 5,1 in the kernel's new encoding

fn mkfs_jffs2(fs: &Rootfs, name: &str, opts: &[&str]) -> Vec<u8> {
    let out = fs.out(name);
    let root = fs.root();
    let devtable = fs.out("devtable");
    let mut args = vec![
        "-f",
        "-q",
        "-r",
        root.to_str().unwrap(),
        "-D",
        devtable.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend(opts);
    run_tool("mkfs.jffs2", &args, "mtd-utils");
    std::fs::read(out).unwrap()
}

/// The compressor ids of the inode nodes in a JFFS2 image (to show that a
/// fixture really exercises the decoder it is named for).
fn jffs2_compressors(img: &[u8], little: bool) -> BTreeSet<u8> {
    let inode: [u8; 4] = if little {
        [0x85, 0x19, 0x02, 0xe0]
    } else {
        [0x19, 0x85, 0xe0, 0x02]
    };
    (0..img.len().saturating_sub(68))
        .step_by(4)
        .filter(|&i| img[i..i + 4] == inode)
        .filter(|&i| {
            // dsize > 0: a node carrying data
            img[i + 52..i + 56] != [0; 4]
        })
        .map(|i| img[i + 56])
        .collect()
}

#[test]
fn jffs2_both_byte_orders_and_every_compressor() {
    let fs = Rootfs::new();
    let variants: [(&str, &[&str], u8); 4] = [
        ("zlib", &["-x", "rtime"], 6),
        ("rtime", &["-x", "zlib"], 2),
        ("lzo", &["-X", "lzo", "-x", "zlib", "-x", "rtime"], 7),
        ("none", &["-m", "none"], 0),
    ];
    for (order, little) in [("-l", true), ("-b", false)] {
        for (comp, opts, id) in variants {
            let mut all = vec![order];
            all.extend(opts);
            let bytes = mkfs_jffs2(&fs, &format!("{comp}{order}.jffs2"), &all);
            let used = jffs2_compressors(&bytes, little);
            assert!(used.contains(&id), "{comp}{order}: compressors {used:?}");
            let img = unpack_ok(&bytes, "fs.jffs2");
            assert!(img.notes.is_empty(), "{comp}{order}: {}", notes(&img));
            assert_eq!(img.filesystems, vec![vec!["jffs2@0x0".to_string()]]);
            expect_rootfs(&img, &["jffs2@0x0"]);
            assert_eq!(
                kind(&img, "/dev/console"),
                &EntryKind::CharDevice {
                    device: DEVTABLE_CONSOLE
                }
            );
            assert_eq!(
                kind(&img, "/dev/mtdblock0"),
                &EntryKind::BlockDevice { device: 31 << 8 }
            );
            assert_eq!(
                kind(&img, "/bin/busybox.hard"),
                &EntryKind::Hardlink {
                    target: "/bin/busybox".into()
                },
                "{comp}{order}"
            );
            assert_eq!(kind(&img, "/usr/share/deep"), &EntryKind::Dir);
        }
    }
}

#[test]
fn jffs2_erase_blocks_padding_and_summary_nodes() {
    let fs = Rootfs::new();
    for order in ["-l", "-b"] {
        let padded = mkfs_jffs2(&fs, "padded.jffs2", &[order, "-e", "0x2000", "-p"]);
        assert!(padded.len().is_multiple_of(0x2000));
        let img = unpack_ok(&padded, "padded.jffs2");
        assert!(img.notes.is_empty(), "{}", notes(&img));
        expect_rootfs(&img, &["jffs2@0x0"]);

        let input = fs.out("padded.jffs2");
        let output = fs.out("summed.jffs2");
        run_tool(
            "sumtool",
            &[
                "-e",
                "0x2000",
                if order == "-l" { "-l" } else { "-b" },
                "-p",
                "-i",
                input.to_str().unwrap(),
                "-o",
                output.to_str().unwrap(),
            ],
            "mtd-utils",
        );
        let summed = std::fs::read(output).unwrap();
        let summary: &[u8] = if order == "-l" {
            &[0x85, 0x19, 0x06, 0x20]
        } else {
            &[0x19, 0x85, 0x20, 0x06]
        };
        assert!(
            summed.windows(4).any(|w| w == summary),
            "sumtool wrote no summary node"
        );
        let img = unpack_ok(&summed, "summed.jffs2");
        assert!(img.notes.is_empty(), "{}", notes(&img));
        expect_rootfs(&img, &["jffs2@0x0"]);
    }
}

#[test]
fn jffs2_embedded_in_a_blob_is_found_by_scanning() {
    let fs = Rootfs::new();
    let jffs2 = mkfs_jffs2(&fs, "be.jffs2", &["-b"]);
    let mut blob: Vec<u8> = (0..0x3000u32).map(|i| (i * 7 % 251) as u8).collect();
    blob.extend(&jffs2);
    // What follows the filesystem (another partition) is not part of it.
    blob.extend((0..0x2_0000u32).map(|i| (i * 13 % 241) as u8 | 1));
    let img = unpack_ok(&blob, "flash.bin");
    assert_eq!(img.filesystems, vec![vec!["jffs2@0x3000".to_string()]]);
    expect_rootfs(&img, &["jffs2@0x3000"]);
}

/// A JFFS2 node built the way the kernel writes it (all CRCs right), for
/// the hostile variants below.
fn jcrc(b: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new_with_initial(!0);
    h.update(b);
    !h.finalize()
}

fn le_header(nodetype: u16, totlen: usize) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend(0x1985u16.to_le_bytes());
    h.extend(nodetype.to_le_bytes());
    h.extend((totlen as u32).to_le_bytes());
    let c = jcrc(&h);
    h.extend(c.to_le_bytes());
    h
}

fn pad4(v: &mut Vec<u8>) {
    while !v.len().is_multiple_of(4) {
        v.push(0xff);
    }
}

fn le_dirent(pino: u32, version: u32, ino: u32, dtype: u8, name: &[u8]) -> Vec<u8> {
    let mut n = le_header(0xe001, 40 + name.len());
    for v in [pino, version, ino, 0] {
        n.extend(v.to_le_bytes());
    }
    n.extend([name.len() as u8, dtype, 0, 0]);
    let c = jcrc(&n);
    n.extend(c.to_le_bytes());
    n.extend(jcrc(name).to_le_bytes());
    n.extend(name);
    pad4(&mut n);
    n
}

#[allow(clippy::too_many_arguments)]
fn le_inode(
    ino: u32,
    version: u32,
    mode: u32,
    isize: u32,
    offset: u32,
    dsize: u32,
    data: &[u8],
) -> Vec<u8> {
    let mut n = le_header(0xe002, 68 + data.len());
    n.extend(ino.to_le_bytes());
    n.extend(version.to_le_bytes());
    n.extend(mode.to_le_bytes());
    n.extend([0u8; 4]); // uid, gid
    n.extend(isize.to_le_bytes());
    n.extend([0u8; 12]); // atime, mtime, ctime
    n.extend(offset.to_le_bytes());
    n.extend((data.len() as u32).to_le_bytes());
    n.extend(dsize.to_le_bytes());
    n.extend([0u8, 0, 0, 0]); // compr none, usercompr, flags
    n.extend(jcrc(data).to_le_bytes());
    let c = jcrc(&n[..60]);
    n.extend(c.to_le_bytes());
    n.extend(data);
    pad4(&mut n);
    n
}

/// The directory entry node naming `name` in a little-endian image: its
/// offset, parent inode and inode.
fn find_dirent(img: &[u8], name: &[u8]) -> (usize, u32, u32) {
    let u32_at = |i: usize| u32::from_le_bytes(img[i..i + 4].try_into().unwrap());
    (0..img.len() - 40)
        .step_by(4)
        .find(|&i| {
            img[i..i + 4] == [0x85, 0x19, 0x01, 0xe0]
                && usize::from(img[i + 28]) == name.len()
                && img.get(i + 40..i + 40 + name.len()) == Some(name)
        })
        .map(|i| (i, u32_at(i + 12), u32_at(i + 20)))
        .unwrap_or_else(|| panic!("no dirent {name:?}"))
}

#[test]
fn jffs2_with_bad_crc_nodes_keeps_the_rest() {
    let fs = Rootfs::new();
    let mut bytes = mkfs_jffs2(&fs, "le.jffs2", &["-l", "-m", "none"]);
    // passwd's data, its dirent's name and big.txt's first header.
    let at = bytes.windows(10).position(|w| w == b"root:x:0:0").unwrap();
    bytes[at] ^= 0x20;
    let (d, _, _) = find_dirent(&bytes, b"busybox.hard");
    bytes[d + 40] ^= 1;
    let (d, _, _) = find_dirent(&bytes, b"sh");
    bytes[d + 9] ^= 0xff; // header CRC itself
    let img = unpack_ok(&bytes, "bad-crc.jffs2");
    let n = notes(&img);
    assert!(n.contains("1 node(s) fail their data CRC check"), "{n}");
    assert!(n.contains("1 node(s) fail their name CRC check"), "{n}");
    assert!(n.contains("1 node(s) fail their header CRC check"), "{n}");
    // passwd's only inode node is dropped (as the kernel's readinode.c
    // obsoletes a node whose data CRC fails): the name stays, empty.
    assert!(n.contains("/etc/passwd: inode"), "{n}");
    assert_eq!(
        kind(&img, "/etc/passwd"),
        &EntryKind::FileSkipped { size: 0 }
    );
    assert!(img.find("/bin/busybox.hard").is_none());
    assert!(img.find("/bin/sh").is_none());
    assert_eq!(
        img.find("/etc/big.txt").unwrap().bytes(),
        Some(&big_text()[..])
    );
}

#[test]
fn jffs2_directory_cycle_is_not_followed() {
    let fs = Rootfs::new();
    let mut bytes = mkfs_jffs2(&fs, "le.jffs2", &["-l"]);
    let (_, usr, share) = find_dirent(&bytes, b"share");
    let (_, _, deep) = find_dirent(&bytes, b"deep");
    // /usr/share/deep/loop → /usr (DT_DIR), and a second name for / itself.
    bytes.extend(le_dirent(deep, 100, usr, 4, b"loop"));
    bytes.extend(le_dirent(share, 101, 1, 4, b"root-again"));
    let img = unpack_ok(&bytes, "cycle.jffs2");
    let n = notes(&img);
    assert!(
        n.contains("/usr/share/deep/loop: directory inode") && n.contains("(a cycle)"),
        "{n}"
    );
    assert!(
        n.contains("/usr/share/root-again: directory inode 1"),
        "{n}"
    );
    expect_rootfs(&img, &["jffs2@0x0"]);
    assert!(img.find("/usr/share/deep/loop").is_none());
}

#[test]
fn jffs2_unlink_and_newer_versions_win() {
    let fs = Rootfs::new();
    let mut bytes = mkfs_jffs2(&fs, "le.jffs2", &["-l"]);
    let (_, _, passwd) = find_dirent(&bytes, b"passwd");
    let (_, bin, _) = find_dirent(&bytes, b"busybox.hard");
    // A newer version of passwd's data, and busybox.hard unlinked (ino 0).
    let new = b"root:x:0:0:new:/root:/bin/ash\n";
    bytes.extend(le_inode(
        passwd,
        50,
        0o100_644,
        new.len() as u32,
        0,
        new.len() as u32,
        new,
    ));
    bytes.extend(le_dirent(bin, 60, 0, 8, b"busybox.hard"));
    let img = unpack_ok(&bytes, "newer.jffs2");
    assert!(img.notes.is_empty(), "{}", notes(&img));
    assert_eq!(img.find("/etc/passwd").unwrap().bytes(), Some(&new[..]));
    assert!(img.find("/bin/busybox.hard").is_none());
}

#[test]
fn jffs2_fragment_past_isize_is_cut() {
    let fs = Rootfs::new();
    let mut bytes = mkfs_jffs2(&fs, "le.jffs2", &["-l"]);
    let (_, _, passwd) = find_dirent(&bytes, b"passwd");
    // Claims 100 bytes at offset 28 of a 30-byte file.
    bytes.extend(le_inode(passwd, 70, 0o100_644, 30, 28, 100, &[b'Z'; 100]));
    // And one far past it, with a huge dsize.
    bytes.extend(le_inode(
        passwd,
        71,
        0o100_644,
        30,
        0x7fff_0000,
        0x7fff_0000,
        b"xx",
    ));
    let img = unpack_ok(&bytes, "fragment-past-isize.jffs2");
    let n = notes(&img);
    assert!(n.contains("/etc/passwd: fragment at"), "{n}");
    assert!(n.contains("past the file size 30; cut"), "{n}");
    assert_eq!(
        img.find("/etc/passwd").unwrap().bytes(),
        Some(&b"root:x:0:0:root:/root:/bin/sZZ"[..])
    );
    expect_rootfs_but_passwd(&img);
}

fn expect_rootfs_but_passwd(img: &Image) {
    assert!(img.has_root_filesystem());
    assert_eq!(
        img.find("/etc/big.txt").unwrap().bytes(),
        Some(&big_text()[..])
    );
    let results = checks(img);
    assert_outcome(result(&results, "fw.weak-account-password"), Outcome::Fail);
}

#[test]
fn jffs2_huge_isize_is_refused_by_the_file_limit() {
    let fs = Rootfs::new();
    let mut bytes = mkfs_jffs2(&fs, "le.jffs2", &["-l"]);
    let (_, _, passwd) = find_dirent(&bytes, b"passwd");
    bytes.extend(le_inode(passwd, 80, 0o100_644, u32::MAX, 0, 0, b""));
    let img = unpack_ok(&bytes, "huge-isize.jffs2");
    assert!(
        notes(&img).contains("/etc/passwd: 4294967295 bytes, more than the single-file limit"),
        "{}",
        notes(&img)
    );
    assert_eq!(
        kind(&img, "/etc/passwd"),
        &EntryKind::FileSkipped {
            size: u64::from(u32::MAX)
        }
    );
    expect_rootfs_but_passwd(&img);
}

#[test]
fn jffs2_truncated_keeps_what_was_read() {
    let fs = Rootfs::new();
    let bytes = mkfs_jffs2(&fs, "le.jffs2", &["-l", "-m", "none"]);
    // Cut inside big.txt's data: everything before it is kept.
    let cut = bytes.windows(9).position(|w| w == b"line 0500").unwrap();
    let img = unpack_ok(&bytes[..cut], "truncated.jffs2");
    let n = notes(&img);
    assert!(n.contains("the filesystem is truncated"), "{n}");
    assert!(img.has_root_filesystem());
    assert!(img.find("/bin/sh").is_some());
    assert!(img.files().count() >= 2);
}

// ---------------------------------------------------------------- zip

/// `zip -r` (with `-y`: symlinks stored as links) of the rootfs.
fn zip_rootfs(fs: &Rootfs, name: &str, opts: &[&str]) -> Vec<u8> {
    let out = fs.out(name);
    let _ = std::fs::remove_file(&out);
    let mut args = vec!["-q", "-r", "-X"];
    args.extend(opts);
    args.extend([out.to_str().unwrap(), "."]);
    let status = Command::new("zip")
        .args(&args)
        .current_dir(fs.root())
        .status()
        .expect("zip is needed to build this test's fixture: apt-get install zip");
    assert!(status.success());
    std::fs::read(out).unwrap()
}

#[test]
fn zip_members_links_and_the_checks() {
    let fs = Rootfs::new();
    let bytes = zip_rootfs(&fs, "rootfs.zip", &["-y"]);
    let img = unpack_ok(&bytes, "rootfs.zip");
    assert!(img.notes.is_empty(), "{}", notes(&img));
    assert_eq!(img.filesystems, vec![vec!["zip@0x0".to_string()]]);
    expect_rootfs(&img, &["zip@0x0"]);
    assert_eq!(kind(&img, "/usr/share/deep"), &EntryKind::Dir);

    // Without -y the link is stored as the file it points at.
    let bytes = zip_rootfs(&fs, "followed.zip", &[]);
    let img = unpack_ok(&bytes, "followed.zip");
    assert!(img.notes.is_empty(), "{}", notes(&img));
    assert_eq!(
        img.find("/bin/sh").unwrap().bytes(),
        img.find("/bin/busybox").unwrap().bytes()
    );
}

#[test]
fn zip_embedded_in_a_blob_with_trailing_data_is_found() {
    let fs = Rootfs::new();
    let zip = zip_rootfs(&fs, "rootfs.zip", &["-y"]);
    let mut blob: Vec<u8> = (0..0x2345u32).map(|i| (i * 7 % 251) as u8).collect();
    blob.extend(&zip);
    // More than the 64 KiB a reader looking back from the end would scan
    // (plain text: high-entropy filler would rightly be noted as data
    // iotcheck cannot read).
    blob.extend(b"trailing partition data ".repeat(0x2000));
    let img = unpack_ok(&blob, "fw.bin");
    assert_eq!(img.filesystems, vec![vec!["zip@0x2345".to_string()]]);
    assert!(img.notes.is_empty(), "{}", notes(&img));
    expect_rootfs(&img, &["zip@0x2345"]);
}

#[test]
fn zip_encrypted_members_are_notes() {
    let fs = Rootfs::new();
    let bytes = zip_rootfs(&fs, "enc.zip", &["-y", "-P", "secret"]);
    let img = unpack_ok(&bytes, "enc.zip");
    let n = notes(&img);
    assert!(
        n.contains("zip@0x0: /etc/shadow: encrypted; contents not read"),
        "{n}"
    );
    assert!(matches!(kind(&img, "/etc/shadow"), EntryKind::FileSkipped { size } if *size > 0));
    assert!(img.has_root_filesystem());
}

/// Members no zip tool writes on purpose, made with Python's zipfile.
fn hostile_zip(fs: &Rootfs) -> Vec<u8> {
    let out = fs.out("hostile.zip");
    let script = r#"
import sys, zipfile
def member(z, name, data, mode=None):
    i = zipfile.ZipInfo(name, date_time=(2023, 11, 14, 22, 13, 20))
    i.compress_type = zipfile.ZIP_DEFLATED
    if mode is not None:
        i.create_system = 3
        i.external_attr = mode << 16
    z.writestr(i, data)
with zipfile.ZipFile(sys.argv[1], "w") as z:
    member(z, "etc/", b"", 0o40755)
    member(z, "../../etc/passwd", b"zip-slip:x:0:0::/:/bin/sh\n")
    member(z, "/etc/absolute.txt", b"re-rooted\n")
    member(z, "etc/link-out", b"../../../../etc/shadow", 0o120777)
    member(z, "etc/shadow", b"root:$1$iotcheck$r48jWbYuSIcWq665idbh0.:19000:0:99999:7:::\n")
    member(z, "bomb.bin", bytes(20 << 20))
    member(z, "liar.bin", bytes(4 << 20))
"#;
    run_tool("python3", &["-c", script, out.to_str().unwrap()], "python3");
    let mut bytes = std::fs::read(out).unwrap();
    // liar.bin: declared uncompressed size 100 in both headers.
    for (magic, field) in [(&b"PK\x03\x04"[..], 22), (&b"PK\x01\x02"[..], 24)] {
        let names_at = if magic[2] == 3 { 30 } else { 46 };
        let at = (0..bytes.len() - names_at - 8)
            .find(|&i| {
                &bytes[i..i + 4] == magic && &bytes[i + names_at..i + names_at + 8] == b"liar.bin"
            })
            .unwrap();
        bytes[at + field..at + field + 4].copy_from_slice(&100u32.to_le_bytes());
    }
    bytes
}

#[test]
fn zip_slip_symlink_escape_and_bombs_are_contained() {
    let fs = Rootfs::new();
    let bytes = hostile_zip(&fs);
    let img = unpack_ok(&bytes, "hostile.zip");
    let n = notes(&img);
    assert!(
        n.contains("member \"../../etc/passwd\" leaves the archive root; skipped"),
        "{n}"
    );
    assert!(img.find("/etc/passwd").is_none());
    assert_eq!(
        img.find("/etc/absolute.txt").unwrap().bytes(),
        Some(&b"re-rooted\n"[..])
    );
    // Recorded, never followed.
    assert_eq!(
        kind(&img, "/etc/link-out"),
        &EntryKind::Symlink {
            target: "../../../../etc/shadow".into()
        }
    );
    // The honest bomb is refused on its declared size; the liar is cut at
    // its declared size (the read is bounded whatever the header says).
    assert!(
        n.contains("/bomb.bin: 20971520 bytes would exceed 100x"),
        "{n}"
    );
    assert!(
        n.contains("/liar.bin: read 64 of 100 bytes: File is larger than its declared"),
        "{n}"
    );
    assert!(img.find("/liar.bin").unwrap().bytes().unwrap().len() <= 100);
    let results = checks(&img);
    let weak = result(&results, "fw.weak-account-password");
    assert_outcome(weak, Outcome::Fail);
    assert_eq!(files(weak)[0].0, vec!["zip@0x0", "/etc/shadow"]);
}

#[test]
fn zip_truncated_or_without_an_end_is_a_note() {
    let fs = Rootfs::new();
    let bytes = zip_rootfs(&fs, "rootfs.zip", &["-y"]);
    let img = unpack_ok(&bytes[..bytes.len() - 10], "cut.zip");
    assert!(
        notes(&img).contains("zip@0x0: no end-of-central-directory record agrees"),
        "{}",
        notes(&img)
    );
    assert!(img.entries.is_empty());
}

// ---------------------------------------------------------------- FIT

const KERNEL_NAME: &str = "ARM OpenWrt Linux-5.15.167";

/// A stand-in kernel: noise around init/version.c's `linux_banner`.
fn vmlinux() -> Vec<u8> {
    let mut k = vec![0u8, 1, 2, 3, 0xff, 0];
    k.extend(b"Linux version 5.15.167 (builder@buildhost) (arm-openwrt-linux-muslgnueabi-gcc (OpenWrt GCC 12.3.0 r24106) 12.3.0, GNU ld (GNU Binutils) 2.40.0) #0 SMP Mon Sep 23 12:34:46 2024\n\0");
    k.extend([0xffu8; 64]);
    k
}

fn gzip_n(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// `mkimage -f` of an .its bundling a gzip kernel, a ramdisk and a device
/// tree made with dtc; `external` adds `-E` (data after the tree).
struct Fit {
    bytes: Vec<u8>,
    dtb: Vec<u8>,
}

fn mkimage_fit(fs: &Rootfs, ramdisk: &str, external: bool) -> Fit {
    let d = fs.dir.path();
    std::fs::write(d.join("vmlinux.bin.gz"), gzip_n(&vmlinux())).unwrap();
    std::fs::write(
        d.join("board.dts"),
        "/dts-v1/;\n/ {\n\tmodel = \"Acme Cam 2\";\n\tcompatible = \"acme,cam2\";\n};\n",
    )
    .unwrap();
    let dts = d.join("board.dts");
    let dtb = d.join("board.dtb");
    run_tool(
        "dtc",
        &[
            "-I",
            "dts",
            "-O",
            "dtb",
            "-o",
            dtb.to_str().unwrap(),
            dts.to_str().unwrap(),
        ],
        "device-tree-compiler",
    );
    let (ramdisk_file, ramdisk_comp) = match ramdisk {
        "squashfs" => {
            let sq = crate::clean::mksquashfs(&fs.root(), "gzip");
            std::fs::write(d.join("ramdisk.bin"), sq).unwrap();
            ("ramdisk.bin", "none")
        }
        _ => {
            let list = Command::new("sh")
                .args(["-c", "find . | sort | cpio -o -H newc --quiet"])
                .current_dir(fs.root())
                .output()
                .expect("cpio is needed to build this test's fixture: apt-get install cpio");
            assert!(list.status.success());
            std::fs::write(d.join("ramdisk.bin"), gzip_n(&list.stdout)).unwrap();
            ("ramdisk.bin", "gzip")
        }
    };
    let its = format!(
        r#"/dts-v1/;
/ {{
	description = "iotcheck test FIT";
	#address-cells = <1>;
	images {{
		kernel-1 {{
			description = "{KERNEL_NAME}";
			data = /incbin/("vmlinux.bin.gz");
			type = "kernel";
			arch = "arm";
			os = "linux";
			compression = "gzip";
			load = <0x80008000>;
			entry = <0x80008000>;
			hash-1 {{ algo = "crc32"; }};
		}};
		ramdisk-1 {{
			description = "root filesystem";
			data = /incbin/("{ramdisk_file}");
			type = "ramdisk";
			arch = "arm";
			os = "linux";
			compression = "{ramdisk_comp}";
		}};
		fdt-1 {{
			description = "Acme Cam 2 device tree";
			data = /incbin/("board.dtb");
			type = "flat_dt";
			arch = "arm";
			compression = "none";
		}};
	}};
	configurations {{
		default = "conf-1";
		conf-1 {{ kernel = "kernel-1"; ramdisk = "ramdisk-1"; fdt = "fdt-1"; }};
	}};
}};
"#
    );
    std::fs::write(d.join("image.its"), its).unwrap();
    let out = d.join("image.itb");
    let its_path = d.join("image.its");
    let mut args = vec!["-f", its_path.to_str().unwrap()];
    if external {
        args.push("-E");
    }
    args.push(out.to_str().unwrap());
    let status = Command::new("mkimage")
        .args(&args)
        .current_dir(d)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("mkimage is needed to build this test's fixture: apt-get install u-boot-tools");
    assert!(status.success());
    Fit {
        bytes: std::fs::read(out).unwrap(),
        dtb: std::fs::read(dtb).unwrap(),
    }
}

/// The kernel, the device tree and the header names every FIT here holds.
fn expect_fit_images(img: &Image, fit: &Fit, base: usize) {
    let layer = format!("fit@{base:#x}");
    let kernel = img
        .entries
        .iter()
        .find(|e| e.path[e.path.len() - 2].starts_with("gzip@") && e.path.len() == 3)
        .unwrap_or_else(|| panic!("no kernel in {:#?}", img.entries));
    assert_eq!(kernel.path[0], layer);
    assert_eq!(kernel.bytes(), Some(&vmlinux()[..]));
    assert_eq!(
        img.find("/images/fdt-1").unwrap().bytes(),
        Some(&fit.dtb[..])
    );
    let names: Vec<&str> = img.headers.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(
        names,
        [KERNEL_NAME, "root filesystem", "Acme Cam 2 device tree"]
    );
    for h in &img.headers {
        assert_eq!(h.path, vec![layer.clone()]);
        // The offset is inside the FIT layer, like every evidence offset.
        let at = h.offset as usize;
        assert_eq!(&fit.bytes[at..at + h.name.len()], h.name.as_bytes());
    }
    let linux = iotcheck_firmware::inventory(img)
        .into_iter()
        .find(|c| c.name == "linux")
        .unwrap_or_else(|| panic!("no linux in {:?}", iotcheck_firmware::inventory(img)));
    assert_eq!(linux.version, "5.15.167");
}

#[test]
fn fit_with_kernel_squashfs_ramdisk_and_device_tree() {
    let fs = Rootfs::new();
    let fit = mkimage_fit(&fs, "squashfs", false);
    let img = unpack_ok(&fit.bytes, "image.itb");
    assert!(img.notes.is_empty(), "{}", notes(&img));
    assert_eq!(img.filesystems.len(), 1);
    let sq = img.filesystems[0].clone();
    assert_eq!(sq[0], "fit@0x0");
    assert!(sq[1].starts_with("squashfs@"));
    expect_rootfs(&img, &[&sq[0], &sq[1]]);
    expect_fit_images(&img, &fit, 0);
}

#[test]
fn fit_with_external_data_and_a_gzip_cpio_ramdisk() {
    let fs = Rootfs::new();
    let fit = mkimage_fit(&fs, "cpio", true);
    let img = unpack_ok(&fit.bytes, "external.itb");
    assert!(img.notes.is_empty(), "{}", notes(&img));
    let layers = img.filesystems[0].clone();
    assert_eq!(layers.len(), 3, "{layers:?}");
    assert!(layers[1].starts_with("gzip@") && layers[2] == "cpio@0x0");
    expect_rootfs(&img, &layers.iter().map(String::as_str).collect::<Vec<_>>());
    expect_fit_images(&img, &fit, 0);
}

#[test]
fn fit_embedded_in_a_blob_is_found_by_scanning() {
    let fs = Rootfs::new();
    let fit = mkimage_fit(&fs, "squashfs", true);
    let mut blob: Vec<u8> = (0..0x1000u32).map(|i| (i * 7 % 251) as u8).collect();
    let base = blob.len();
    blob.extend(&fit.bytes);
    blob.extend([0xffu8; 0x800]);
    let img = unpack_ok(&blob, "flash.bin");
    assert_eq!(img.filesystems[0][0], "fit@0x1000");
    expect_fit_images(&img, &fit, base);
    assert!(img.has_root_filesystem());
}

#[test]
fn fit_with_data_size_beyond_the_blob_keeps_the_rest() {
    let fs = Rootfs::new();
    let fit = mkimage_fit(&fs, "cpio", true);
    // Cut the device tree off and the end of the ramdisk.
    let cut = fit.bytes.len() - fit.dtb.len() - 64;
    let img = unpack_ok(&fit.bytes[..cut], "data-size-beyond-blob.itb");
    let n = notes(&img);
    assert!(
        n.contains("fit@0x0: /images/ramdisk-1: data-size")
            && n.contains("reaches beyond the blob"),
        "{n}"
    );
    assert!(n.contains("/images/fdt-1: external data at"), "{n}");
    assert!(n.contains("gzip@"), "the cut stream is a note too: {n}");
    assert!(img.find("/images/fdt-1").is_none());
    assert!(
        img.entries
            .iter()
            .any(|e| e.bytes() == Some(&vmlinux()[..]))
    );
}

#[test]
fn a_plain_device_tree_is_not_a_fit() {
    let fs = Rootfs::new();
    let fit = mkimage_fit(&fs, "squashfs", false);
    let err = unpack(&fit.dtb, "board.dtb", &Limits::default()).unwrap_err();
    assert!(
        matches!(err, iotcheck_firmware::FirmwareError::Unrecognised { .. }),
        "{err}"
    );
    // unpack_as says why.
    let img = unpack_as(&fit.dtb, "board.dtb", "fit", &Limits::default())
        .unwrap()
        .unwrap();
    assert!(
        notes(&img).contains("without /images: not a FIT"),
        "{}",
        notes(&img)
    );
}

#[test]
fn fuzz_seeds_unpack_to_a_root_filesystem() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds");
    for (format, file) in [
        ("jffs2", "fw_jffs2/le-zlib.jffs2"),
        ("jffs2", "fw_jffs2/be-lzo.jffs2"),
        ("zip", "fw_zip/rootfs.zip"),
        ("fit", "fw_fit/inline.itb"),
        ("fit", "fw_fit/external.itb"),
        ("squashfs", "fw_squashfs/gzip.sqfs"),
        ("squashfs", "fw_squashfs/lzo.sqfs"),
        ("squashfs", "fw_squashfs/zstd.sqfs"),
        ("trx", "fw_trx/router.trx"),
        ("tar", "fw_tar/rootfs.tar"),
        ("cpio", "fw_cpio/rootfs.cpio"),
    ] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let img = unpack_as(&bytes, file, format, &Limits::default())
            .unwrap()
            .unwrap();
        assert!(img.notes.is_empty(), "{file}: {}", notes(&img));
        assert!(img.has_root_filesystem(), "{file}");
        let results = checks(&img);
        assert_outcome(result(&results, "fw.weak-account-password"), Outcome::Fail);
    }
    // The kernel seed: a uImage whose LZMA payload names its version.
    let bytes = std::fs::read(dir.join("fw_uimage/kernel.uimage")).unwrap();
    let img = unpack_as(&bytes, "kernel.uimage", "uImage", &Limits::default())
        .unwrap()
        .unwrap();
    assert!(img.notes.is_empty(), "{}", notes(&img));
    let linux = iotcheck_firmware::inventory(&img);
    assert_eq!(linux.len(), 1, "{linux:?}");
    assert_eq!(
        (linux[0].name.as_str(), linux[0].version.as_str()),
        ("linux", "4.14.95")
    );
}

// ---------------------------------------------------------------- props

fn within_limits(img: &Image, limits: &Limits) {
    assert!(img.entries.len() <= limits.max_files);
    let total: u64 = img
        .entries
        .iter()
        .map(|e| match &e.kind {
            EntryKind::File(b) => b.len() as u64,
            _ => 0,
        })
        .sum();
    assert!(total <= limits.max_total_bytes);
    let _ = checks(img);
}

fn mutated(
    seed: &[u8],
    flips: &[(prop::sample::Index, u8)],
    cut: Option<prop::sample::Index>,
) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for (i, v) in flips {
        let at = i.index(bytes.len());
        bytes[at] ^= v | 1;
    }
    if let Some(c) = cut {
        bytes.truncate(c.index(bytes.len()).max(1));
    }
    bytes
}

static SEEDS: std::sync::LazyLock<Vec<(&'static str, Vec<u8>)>> = std::sync::LazyLock::new(|| {
    let fs = Rootfs::new();
    vec![
        ("jffs2", mkfs_jffs2(&fs, "z.jffs2", &["-l"])),
        (
            "jffs2",
            mkfs_jffs2(&fs, "o.jffs2", &["-b", "-X", "lzo", "-x", "zlib"]),
        ),
    ]
});

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn mutated_containers_never_panic(
        which in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let (format, seed) = &SEEDS[which.index(SEEDS.len())];
        let bytes = mutated(seed, &flips, cut);
        let limits = Limits { max_total_bytes: 16 << 20, max_files: 500, ..Limits::default() };
        if let Ok(img) = unpack(&bytes, "m.bin", &limits) {
            within_limits(&img, &limits);
        }
        if let Some(Ok(img)) = unpack_as(&bytes, "m.bin", format, &limits) {
            within_limits(&img, &limits);
        }
    }
}
