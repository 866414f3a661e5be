//! tar and cpio archives made with GNU tar, GNU cpio and Python's tarfile
//! (`tests/fixtures/make-archives.sh`): members, links, devices, confinement,
//! limits, and hostile mutations.

use iotcheck_firmware::{EntryKind, Image, Limits, checks, inventory, unpack};
use proptest::prelude::*;

use crate::*;

fn fixture(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

fn kind<'a>(img: &'a Image, inner: &str) -> &'a EntryKind {
    &img.find(inner)
        .unwrap_or_else(|| panic!("{inner} not in {:#?}", img.entries))
        .kind
}

fn names(img: &Image) -> Vec<(String, String)> {
    inventory(img)
        .into_iter()
        .map(|c| (c.name, c.version))
        .collect()
}

fn expect_rootfs(img: &Image, layers: &[&str]) {
    let mut want: Vec<String> = layers.iter().map(|s| s.to_string()).collect();
    want.push("/etc/passwd".into());
    assert_eq!(img.find("/etc/passwd").unwrap().path, want);
    assert!(img.has_root_filesystem(), "{:#?}", img.entries);
    assert_eq!(
        kind(img, "/bin/sh"),
        &EntryKind::Symlink {
            target: "busybox".into()
        }
    );
    assert_eq!(
        names(img),
        vec![
            ("busybox".to_string(), "1.36.1".to_string()),
            ("dropbear".into(), "2022.82".into())
        ]
    );
    let ids: Vec<String> = checks(img).iter().map(|r| r.check.to_string()).collect();
    assert!(ids.iter().any(|c| c == "fw.component-inventory"), "{ids:?}");
}

#[test]
fn gnu_tar_members_links_and_long_names() {
    let img = unpack_ok(&fixture("rootfs-gnu.tar"), "rootfs-gnu.tar");
    assert!(img.notes.is_empty(), "{:?}", img.notes);
    assert_eq!(img.filesystems, vec![vec!["tar@0x0".to_string()]]);
    expect_rootfs(&img, &["tar@0x0"]);
    assert_eq!(
        kind(&img, "/bin/busybox.hard"),
        &EntryKind::Hardlink {
            target: "./bin/busybox".into()
        }
    );
    assert!(img.entries.iter().any(|e| {
        e.inner_path()
            .ends_with("/and-another-level-of-nesting-to-pass-100-bytes/file.txt")
    }));
}

#[test]
fn ustar_and_gzipped_pax_archives() {
    let img = unpack_ok(&fixture("rootfs-ustar.tar"), "rootfs-ustar.tar");
    assert!(img.notes.is_empty(), "{:?}", img.notes);
    expect_rootfs(&img, &["tar@0x0"]);
    let img = unpack_ok(&fixture("rootfs-pax.tar.gz"), "rootfs-pax.tar.gz");
    assert!(img.notes.is_empty(), "{:?}", img.notes);
    expect_rootfs(&img, &["gzip@0x0", "tar@0x0"]);
    let long = img
        .entries
        .iter()
        .find(|e| e.inner_path().ends_with("/file.txt"))
        .unwrap();
    assert!(long.inner_path().len() > 100, "pax path applied: {long:?}");
    assert_eq!(long.bytes(), Some(&b"x\n"[..]));
}

#[test]
fn newc_initramfs_gzipped_and_odc() {
    let img = unpack_ok(&fixture("initramfs-newc.cpio.gz"), "initramfs.cpio.gz");
    assert!(img.notes.is_empty(), "{:?}", img.notes);
    expect_rootfs(&img, &["gzip@0x0", "cpio@0x0"]);
    let img = unpack_ok(&fixture("initramfs-odc.cpio"), "initramfs-odc.cpio");
    assert!(img.notes.is_empty(), "{:?}", img.notes);
    expect_rootfs(&img, &["cpio@0x0"]);
}

#[test]
fn cpio_inside_a_blob_is_found_by_scanning() {
    let mut blob = vec![0xa5u8; 0x200];
    blob.extend(fixture("initramfs-odc.cpio"));
    blob.extend([0xffu8; 64]);
    let img = unpack_ok(&blob, "kernel-with-initramfs.bin");
    assert_eq!(img.filesystems, vec![vec!["cpio@0x200".to_string()]]);
    assert!(img.find("/etc/shadow").is_some());
}

#[test]
fn tar_inside_a_blob_is_found_by_scanning() {
    let mut blob = vec![0x11u8; 0x400];
    blob.extend(fixture("rootfs-ustar.tar"));
    let img = unpack_ok(&blob, "blob.bin");
    assert_eq!(img.filesystems, vec![vec!["tar@0x400".to_string()]]);
}

/// zip-slip, absolute names, links pointing out, device nodes: recorded or
/// refused, never followed, and never passed off as the image's own files.
#[test]
fn hostile_members_are_confined() {
    let img = unpack_ok(&fixture("hostile-members.tar"), "hostile.tar");
    let all: Vec<&str> = img.entries.iter().map(|e| e.inner_path()).collect();
    assert!(!all.iter().any(|p| p.contains("..")), "{all:?}");
    assert!(!all.contains(&"/escape.txt"), "{all:?}");
    assert!(
        img.notes.iter().any(|n| n
            .message
            .contains("\"../../escape.txt\" leaves the archive root")),
        "{:?}",
        img.notes
    );
    assert_eq!(
        img.find("/etc/absolute.txt").unwrap().bytes(),
        Some(&b"re-rooted\n"[..])
    );
    assert_eq!(
        kind(&img, "/etc/link-out"),
        &EntryKind::Symlink {
            target: "../../../../etc/shadow".into()
        }
    );
    assert!(matches!(
        kind(&img, "/etc/hard-out"),
        EntryKind::Hardlink { .. }
    ));
    assert_eq!(
        kind(&img, "/dev/null"),
        &EntryKind::CharDevice { device: 0x103 }
    );
    assert_eq!(
        kind(&img, "/dev/sda"),
        &EntryKind::BlockDevice { device: 0x103 }
    );
    assert_eq!(kind(&img, "/run/fifo"), &EntryKind::Fifo);
}

#[test]
fn limits_end_a_branch_with_a_note() {
    let tar = fixture("rootfs-gnu.tar");
    let few = Limits {
        max_files: 3,
        ..Limits::default()
    };
    let img = unpack(&tar, "t.tar", &few).unwrap();
    assert_eq!(img.entries.len(), 3);
    assert!(
        img.notes
            .iter()
            .any(|n| n.message.contains("entry limit of 3"))
    );

    let small = Limits {
        max_single_file: 40,
        ..Limits::default()
    };
    let img = unpack(&tar, "t.tar", &small).unwrap();
    assert_eq!(
        kind(&img, "/bin/busybox"),
        &EntryKind::FileSkipped { size: 51 }
    );
    assert!(
        img.notes
            .iter()
            .any(|n| n.message.contains("single-file limit"))
    );

    let shallow = Limits {
        max_depth: 1,
        ..Limits::default()
    };
    let img = unpack(&fixture("initramfs-newc.cpio.gz"), "i.cpio.gz", &shallow).unwrap();
    assert!(img.entries.is_empty());
    assert!(
        img.notes.iter().any(|n| n.message.contains("depth limit")),
        "{:?}",
        img.notes
    );
}

#[test]
fn truncated_archives_keep_what_is_there() {
    let tar = fixture("rootfs-gnu.tar");
    for cut in (0..tar.len()).step_by(97) {
        let img = unpack(&tar[..cut], "cut.tar", &Limits::default());
        if let Ok(img) = img {
            assert!(!img.notes.is_empty() || !img.entries.is_empty());
        }
    }
    let cpio = fixture("initramfs-odc.cpio");
    for cut in 1..cpio.len() {
        let _ = unpack(&cpio[..cut], "cut.cpio", &Limits::default());
    }
    let img = unpack_ok(&cpio[..700], "cut.cpio");
    assert!(
        img.notes
            .iter()
            .any(|n| n.message.contains("cpio archive ends early")),
        "{:?}",
        img.notes
    );
}

fn bounded(img: &Image, limits: &Limits) {
    assert!(img.entries.len() <= limits.max_files);
    let total: u64 = img
        .entries
        .iter()
        .map(|e| e.bytes().map_or(0, |b| b.len() as u64))
        .sum();
    assert!(total <= limits.max_total_bytes);
    for e in &img.entries {
        assert!(!e.inner_path().split('/').any(|c| c == ".."), "{e:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Flipped bytes in real tar and cpio archives: never a panic, never
    /// more entries or bytes than the limits, never a `..` path.
    #[test]
    fn mutated_archives_stay_bounded(
        which in 0usize..3,
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..16),
    ) {
        let mut data = match which {
            0 => fixture("rootfs-gnu.tar"),
            1 => fixture("initramfs-odc.cpio"),
            _ => fixture("hostile-members.tar"),
        };
        for (at, b) in flips {
            let i = at % data.len();
            data[i] = b;
        }
        let limits = Limits { max_files: 50, max_total_bytes: 1 << 20, ..Limits::default() };
        if let Ok(img) = unpack(&data, "m", &limits) {
            bounded(&img, &limits);
            let _ = inventory(&img);
            let _ = checks(&img);
        }
    }

    /// Any bytes after a tar header that passes the sniff.
    #[test]
    fn arbitrary_tails_after_a_valid_header(tail in prop::collection::vec(any::<u8>(), 0..4096)) {
        let mut data = fixture("rootfs-ustar.tar")[..512].to_vec();
        data.extend(tail);
        let limits = Limits { max_files: 50, max_total_bytes: 1 << 20, ..Limits::default() };
        if let Ok(img) = unpack(&data, "t", &limits) {
            bounded(&img, &limits);
        }
    }
}

/// `tool -c` over `input` (the Debian zstd, lz4 and bzip2 programs).
fn compress_with(tool: &str, input: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = std::process::Command::new(tool)
        .arg("-c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("{tool} must be installed for this test (Debian package {tool}): {e}")
        });
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "{tool} -c");
    out.stdout
}

#[test]
fn zstd_lz4_and_bzip2_streams_unpack_and_their_bombs_stop() {
    let tar = fixture("rootfs-ustar.tar");
    for (tool, layer) in [("zstd", "zstd"), ("lz4", "lz4"), ("bzip2", "bzip2")] {
        let bytes = compress_with(tool, &tar);
        let img = unpack_ok(&bytes, &format!("rootfs.tar.{tool}"));
        assert!(img.notes.is_empty(), "{tool}: {:?}", img.notes);
        expect_rootfs(&img, &[&format!("{layer}@0x0"), "tar@0x0"]);

        // 64 MiB of zeros: far past 100x its compressed size.
        let bomb = compress_with(tool, &vec![0u8; 64 << 20]);
        let img = unpack(&bomb, "bomb", &Limits::default()).unwrap();
        assert!(img.entries.is_empty(), "{tool}");
        let notes: Vec<String> = img.notes.iter().map(ToString::to_string).collect();
        assert!(
            notes
                .iter()
                .any(|n| n.contains("treated as a decompression bomb")),
            "{tool}: {notes:?}"
        );
    }
}
