//! SquashFS 4 with every compressor Debian's mksquashfs writes: the same
//! tree must come out of each, byte for byte, through iotcheck's bounded
//! block decoders (gzip, lzma, lzo, xz, lz4, zstd).

use std::process::Command;

use iotcheck_firmware::{EntryKind, checks};
use iotcheck_model::Outcome;

use crate::clean::clean_tree;
use crate::*;

/// A file larger than one 4 KiB block and not all zeros, so data blocks,
/// a fragment and the block list are all exercised.
fn big_file() -> Vec<u8> {
    (0..20_000u32)
        .flat_map(|i| format!("line {i} of a log the device keeps\n").into_bytes())
        .collect()
}

#[test]
fn every_mksquashfs_compressor_reads_back_the_same_tree() {
    let dir = clean_tree();
    let root = dir.path().join("root");
    std::fs::write(root.join("var.log"), big_file()).unwrap();
    std::os::unix::fs::symlink("/tmp/log", root.join("log")).unwrap();
    let mut seen = Vec::new();
    for comp in ["gzip", "lzma", "lzo", "xz", "lz4", "zstd"] {
        let out = root.parent().unwrap().join(format!("{comp}.sqfs"));
        let status = Command::new("mksquashfs")
            .arg(&root)
            .arg(&out)
            .args(["-comp", comp, "-b", "4096", "-all-root", "-noappend"])
            .args(["-no-xattrs", "-quiet", "-no-progress"])
            .status()
            .expect("mksquashfs (Debian squashfs-tools) must be installed for this test");
        assert!(status.success(), "mksquashfs -comp {comp}");
        let bytes = std::fs::read(&out).unwrap();
        // The compressor id in the superblock is the one asked for.
        let id = u16::from_le_bytes([bytes[20], bytes[21]]);
        let want = ["gzip", "lzma", "lzo", "xz", "lz4", "zstd"]
            .iter()
            .position(|c| *c == comp)
            .unwrap() as u16
            + 1;
        assert_eq!(id, want, "{comp}");
        let img = unpack_ok(&bytes, &format!("{comp}.sqfs"));
        assert!(img.notes.is_empty(), "{comp}: {:?}", img.notes);
        let log = img.find("/var.log").unwrap();
        assert_eq!(log.kind, EntryKind::File(big_file()), "{comp}");
        assert_eq!(
            img.find("/log").unwrap().kind,
            EntryKind::Symlink {
                target: "/tmp/log".into()
            },
            "{comp}"
        );
        let results = checks(&img);
        assert_outcome(result(&results, "fw.weak-account-password"), Outcome::Pass);
        let mut entries: Vec<(Vec<String>, EntryKind)> = img
            .entries
            .iter()
            .map(|e| (e.path[1..].to_vec(), e.kind.clone()))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        seen.push((comp, entries));
    }
    let (first, want) = &seen[0];
    for (comp, got) in &seen[1..] {
        assert_eq!(got, want, "{comp} differs from {first}");
    }
}
