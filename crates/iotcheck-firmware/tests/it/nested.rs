//! Containers inside filesystems: an OpenWrt package (`.ipk`: a tar.gz of
//! `data.tar.gz` and `control.tar.gz`, made here with GNU tar and gzip) in
//! a squashfs is unpacked down to its files, and a finding inside it names
//! every layer on the way.

use std::process::Command;

use iotcheck_firmware::{Limits, checks, unpack};
use iotcheck_model::Outcome;

use crate::clean::{clean_tree, mksquashfs};
use crate::*;

fn run(cmd: &mut Command) {
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (GNU tar and gzip must be installed)"));
    assert!(status.success(), "{cmd:?}");
}

/// An .ipk whose data.tar.gz ships /etc/shadow with `admin`'s md5-crypt
/// hash of "admin" (made with `openssl passwd -1 -salt acme admin`).
fn ipk(work: &std::path::Path) -> Vec<u8> {
    let data = work.join("data");
    std::fs::create_dir_all(data.join("etc")).unwrap();
    let hash = Command::new("openssl")
        .args(["passwd", "-1", "-salt", "acme", "admin"])
        .output()
        .expect("openssl (Debian package openssl) must be installed for this test");
    let hash = String::from_utf8(hash.stdout).unwrap();
    std::fs::write(
        data.join("etc/shadow"),
        format!("admin:{}:19000:0:99999:7:::\n", hash.trim()),
    )
    .unwrap();
    std::fs::write(data.join("etc/passwd"), "admin:x:0:0::/root:/bin/sh\n").unwrap();
    let control = work.join("control");
    std::fs::create_dir_all(&control).unwrap();
    std::fs::write(
        control.join("control"),
        "Package: acme-extras\nVersion: 2.1.0\nArchitecture: mips_24kc\n",
    )
    .unwrap();
    let pkg = work.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("debian-binary"), "2.0\n").unwrap();
    run(Command::new("tar")
        .args(["--owner=0", "--group=0", "-czf"])
        .arg(pkg.join("data.tar.gz"))
        .arg("-C")
        .arg(&data)
        .arg("."));
    run(Command::new("tar")
        .args(["--owner=0", "--group=0", "-czf"])
        .arg(pkg.join("control.tar.gz"))
        .arg("-C")
        .arg(&control)
        .arg("."));
    let out = work.join("acme-extras_2.1.0_mips_24kc.ipk");
    run(Command::new("tar")
        .args(["--owner=0", "--group=0", "-czf"])
        .arg(&out)
        .arg("-C")
        .arg(&pkg)
        .args(["./debian-binary", "./data.tar.gz", "./control.tar.gz"]));
    std::fs::read(out).unwrap()
}

#[test]
fn an_ipk_in_a_squashfs_is_unpacked_to_its_files() {
    let tree = clean_tree();
    let root = tree.path().join("root");
    let pkg = ipk(tree.path());
    std::fs::create_dir_all(root.join("usr/lib/pkgs")).unwrap();
    std::fs::write(root.join("usr/lib/pkgs/acme-extras.ipk"), &pkg).unwrap();
    let img = unpack_ok(&mksquashfs(&root, "xz"), "fw.sqfs");
    assert!(img.notes.is_empty(), "{:?}", img.notes);
    let nested: Vec<&str> = img
        .entries
        .iter()
        .filter(|e| e.inner_path() == "/etc/shadow")
        .map(|e| e.path.len())
        .map(|n| if n == 2 { "rootfs" } else { "package" })
        .collect();
    assert_eq!(nested, ["rootfs", "package"]);
    let results = checks(&img);
    let weak = result(&results, "fw.weak-account-password");
    assert_outcome(weak, Outcome::Fail);
    let found = files(weak);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].0,
        [
            "squashfs@0x0",
            "/usr/lib/pkgs/acme-extras.ipk",
            "gzip@0x0",
            "tar@0x0",
            "/data.tar.gz",
            "gzip@0x0",
            "tar@0x0",
            "/etc/shadow"
        ]
    );
    // The package file itself is still there as a file.
    assert_eq!(
        img.find("/usr/lib/pkgs/acme-extras.ipk").unwrap().bytes(),
        Some(&pkg[..])
    );
}

#[test]
fn nesting_stops_at_the_depth_limit_with_a_note() {
    let tree = clean_tree();
    let root = tree.path().join("root");
    std::fs::write(root.join("extras.ipk"), ipk(tree.path())).unwrap();
    let sq = mksquashfs(&root, "gzip");
    let limits = Limits {
        max_depth: 3,
        ..Limits::default()
    };
    let img = unpack(&sq, "fw.sqfs", &limits).unwrap();
    // squashfs (0) ▸ ipk gzip (1) ▸ tar (2) ▸ data.tar.gz gzip: depth 3.
    assert!(img.find("/data.tar.gz").is_some());
    assert_eq!(
        img.entries
            .iter()
            .filter(|e| e.inner_path() == "/etc/shadow")
            .count(),
        1
    );
    let notes: Vec<String> = img.notes.iter().map(ToString::to_string).collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("/data.tar.gz ▸ gzip@0x0: nesting depth limit reached")),
        "{notes:?}"
    );
}
