//! Broadcom TRX images: a header written the way OpenWrt's `trx` tool
//! writes it (CRC-32 without the final inversion, computed here with
//! Python's zlib), around a loader, a kernel compressed with `xz
//! --format=lzma` and a root filesystem made with mksquashfs.

use std::process::{Command, Stdio};

use iotcheck_firmware::{Limits, checks, inventory, unpack};
use iotcheck_model::Outcome;

use crate::clean::mksquashfs;
use crate::*;

/// `xz --format=lzma` over a stand-in kernel: code-like noise around the
/// banner init/version.c writes.
fn lzma_kernel() -> Vec<u8> {
    use std::io::Write;
    let mut plain: Vec<u8> = (0..60_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    plain.extend(
        b"Linux version 4.14.95 (builder@buildhost) (gcc version 7.3.0 (OpenWrt GCC 7.3.0)) #0 Mon Jan 28 2019\n",
    );
    plain.extend(vec![0u8; 3000]);
    let mut child = Command::new("xz")
        .args(["--format=lzma", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("xz (Debian package xz-utils) must be installed for this test");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&plain));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success());
    out.stdout
}

/// A TRX v1 of `parts` (each aligned to 4 bytes after the 28-byte header).
fn trx(dir: &std::path::Path, parts: &[&[u8]]) -> Vec<u8> {
    let mut args = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let f = dir.join(format!("part{i}"));
        std::fs::write(&f, p).unwrap();
        args.push(f);
    }
    let out = dir.join("image.trx");
    let script = r#"
import struct, sys, zlib
parts = [open(p, 'rb').read() for p in sys.argv[2:]]
body = b''
offsets = []
pos = 28
for p in parts:
    pad = (-pos) % 4
    body += b'\0' * pad
    pos += pad
    offsets.append(pos)
    body += p
    pos += len(p)
offsets += [0] * (3 - len(offsets))
length = 28 + len(body)
rest = struct.pack('<I3I', 1 << 16, *offsets) + body
crc = zlib.crc32(rest) ^ 0xffffffff
open(sys.argv[1], 'wb').write(b'HDR0' + struct.pack('<II', length, crc) + rest)
"#;
    let status = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&out)
        .args(&args)
        .status()
        .expect("python3 must be installed for this test");
    assert!(status.success());
    std::fs::read(out).unwrap()
}

fn rootfs(dir: &std::path::Path) -> Vec<u8> {
    let root = dir.join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/passwd"), "root:x:0:0::/root:/bin/ash\n").unwrap();
    // md5-crypt of "admin" (openssl passwd -1 -salt trx admin).
    let hash = Command::new("openssl")
        .args(["passwd", "-1", "-salt", "trx", "admin"])
        .output()
        .unwrap();
    std::fs::write(
        root.join("etc/shadow"),
        format!(
            "root:{}:19000:0:99999:7:::\n",
            String::from_utf8_lossy(&hash.stdout).trim()
        ),
    )
    .unwrap();
    mksquashfs(&root, "xz")
}

#[test]
fn a_trx_image_is_read_partition_by_partition() {
    let dir = tempfile::tempdir().unwrap();
    let loader = b"\x00\x00\x00\x10 lzma-loader stand-in ".repeat(20);
    let kernel = lzma_kernel();
    let fs = rootfs(dir.path());
    let image = trx(dir.path(), &[&loader, &kernel, &fs]);
    let img = unpack_ok(&image, "router.trx");
    assert!(img.notes.is_empty(), "{:?}", img.notes);
    let loader_entry = img.find("(loader)").unwrap();
    assert_eq!(loader_entry.path, ["trx@0x0", "(loader)"]);
    let shadow = img.find("/etc/shadow").unwrap();
    assert_eq!(shadow.path.len(), 3);
    assert_eq!(shadow.path[0], "trx@0x0");
    assert!(
        shadow.path[1].starts_with("squashfs@0x"),
        "{:?}",
        shadow.path
    );
    let results = checks(&img);
    assert_outcome(result(&results, "fw.weak-account-password"), Outcome::Fail);
    let linux: Vec<(String, String)> = inventory(&img)
        .into_iter()
        .filter(|c| c.name == "linux")
        .map(|c| (c.version, c.evidence[0].locator()))
        .collect();
    assert_eq!(linux.len(), 1, "{linux:?}");
    assert_eq!(linux[0].0, "4.14.95");
    assert!(
        linux[0].1.starts_with("router.trx ▸ trx@0x0 ▸ lzma@0x"),
        "{linux:?}"
    );

    // Inside a flash dump, after a boot loader: found by the scan.
    let mut dump = vec![0xffu8; 0x4_0000];
    dump[..16].copy_from_slice(b"CFE1CFE1 bootldr");
    dump.extend(&image);
    let img = unpack_ok(&dump, "flash.bin");
    assert_eq!(img.filesystems.len(), 1);
    assert_eq!(img.filesystems[0][0], "trx@0x40000");
}

#[test]
fn a_damaged_trx_is_read_with_a_note_and_not_taken_from_a_scan() {
    let dir = tempfile::tempdir().unwrap();
    let fs = rootfs(dir.path());
    let mut image = trx(dir.path(), &[b"loader".as_slice(), &fs]);
    let last = image.len() - 1;
    image[last] ^= 0x01;
    let img = unpack(&image, "bad.trx", &Limits::default()).unwrap();
    let notes: Vec<String> = img.notes.iter().map(ToString::to_string).collect();
    assert!(
        notes.iter().any(|n| n.contains("TRX CRC does not match")),
        "{notes:?}"
    );
    assert!(img.find("/etc/shadow").is_some());
    // Read on its magic alone, and said so; what it holds was proven.
    let confidence = |path: &str| {
        img.layers
            .iter()
            .find(|l| l.path.join(" ▸ ") == path)
            .map(|l| l.confidence.as_str())
    };
    assert_eq!(
        confidence("trx@0x0"),
        Some("magic-only"),
        "{:?}",
        img.layers
    );
    assert!(
        img.layers
            .iter()
            .any(|l| l.format == "squashfs filesystem"
                && l.confidence.as_str() == "structure-proven"),
        "{:?}",
        img.layers
    );
    // Scanned at an offset, a header whose CRC fails is not trusted: the
    // squashfs inside is still found on its own.
    let mut dump = vec![0u8; 0x1000];
    dump.extend(&image);
    let img = unpack_ok(&dump, "dump.bin");
    assert!(
        img.filesystems.iter().all(|f| !f[0].starts_with("trx")),
        "{:?}",
        img.filesystems
    );
    assert!(img.find("/etc/shadow").is_some());
}

/// The other classic OpenWrt layout: a kernel uImage (mkimage, legacy
/// LZMA) with the squashfs root filesystem after it, on an erase-block
/// boundary. The uImage at offset 0 covers only the kernel; what follows
/// must still be found.
#[test]
fn kernel_uimage_then_rootfs_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let kernel = dir.path().join("vmlinux.lzma");
    std::fs::write(&kernel, lzma_kernel()).unwrap();
    let uimage = dir.path().join("kernel.uimage");
    run_tool(
        "mkimage",
        &[
            "-A",
            "mips",
            "-O",
            "linux",
            "-T",
            "kernel",
            "-C",
            "lzma",
            "-a",
            "0x80060000",
            "-e",
            "0x80060000",
            "-n",
            "MIPS OpenWrt Linux-4.14.95",
            "-d",
            kernel.to_str().unwrap(),
            uimage.to_str().unwrap(),
        ],
        "u-boot-tools",
    );
    let mut image = std::fs::read(&uimage).unwrap();
    let at = image.len().div_ceil(0x1_0000) * 0x1_0000;
    image.resize(at, 0xff);
    image.extend(rootfs(dir.path()));
    let img = unpack_ok(&image, "sysupgrade.bin");
    assert_eq!(
        img.filesystems,
        vec![vec![format!("squashfs@{at:#x}")]],
        "{:?}",
        img.notes
    );
    assert!(img.find("/etc/shadow").is_some());
    assert!(
        inventory(&img)
            .iter()
            .any(|c| c.name == "linux" && c.version == "4.14.95")
    );
}
