//! `--extract DIR`: the tree written to disk stays inside DIR whatever the
//! image says (hostile tar members, links pointing out, device nodes, a
//! gzip header naming `../../`), and is what was unpacked.

use std::path::{Path, PathBuf};

use iotcheck_firmware::extract::{ExtractError, MANIFEST, extract};

use crate::clean::{clean_tree, mksquashfs};
use crate::*;

fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// Every path under `root`, links not followed.
fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if std::fs::symlink_metadata(&p).unwrap().is_dir() {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out
}

/// Nothing outside `outer` was created, and every link resolves inside
/// `root` (or dangles inside it).
fn assert_confined(outer: &Path, root: &Path) {
    let root = root.canonicalize().unwrap();
    for p in walk(outer) {
        let m = std::fs::symlink_metadata(&p).unwrap();
        assert!(
            m.is_dir() || m.is_file() || m.file_type().is_symlink(),
            "{} is a special file",
            p.display()
        );
        if m.file_type().is_symlink() {
            let target = std::fs::read_link(&p).unwrap();
            assert!(
                target.is_relative(),
                "{} -> {}",
                p.display(),
                target.display()
            );
            // Lexically resolve from the link's directory.
            let mut at = p.parent().unwrap().canonicalize().unwrap();
            for c in target.components() {
                match c {
                    std::path::Component::ParentDir => {
                        at.pop();
                    }
                    std::path::Component::Normal(n) => at.push(n),
                    _ => {}
                }
            }
            assert!(at.starts_with(&root), "{} -> {}", p.display(), at.display());
        }
    }
}

#[test]
fn hostile_tar_members_stay_inside() {
    let img = unpack_ok(&fixture("hostile-members.tar"), "hostile-members.tar");
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("x");
    let done = extract(&img, &dir).unwrap();
    assert_eq!(done.root, dir.join("hostile-members.tar"));
    let tar = done.root.join("tar@0x0");
    assert_eq!(
        std::fs::read(tar.join("etc/absolute.txt")).unwrap(),
        b"re-rooted\n"
    );
    // The `..` member was refused when unpacking: not on disk anywhere.
    assert!(!out.path().join("escape.txt").exists());
    assert!(walk(out.path()).iter().all(|p| !p.ends_with("escape.txt")));
    // The link that climbed is re-rooted to the tar's own /etc/shadow.
    assert_eq!(
        std::fs::read_link(tar.join("etc/link-out")).unwrap(),
        PathBuf::from("../etc/shadow")
    );
    // Devices and the FIFO are listed, never created.
    assert!(!tar.join("dev/null").exists());
    assert!(!tar.join("run/fifo").exists());
    let manifest = std::fs::read_to_string(done.root.join(MANIFEST)).unwrap();
    for want in [
        "tar@0x0 ▸ /dev/null\tchar-device\tlisted only",
        "tar@0x0 ▸ /dev/sda\tblock-device\tlisted only",
        "tar@0x0 ▸ /run/fifo\tfifo\tlisted only",
        "tar@0x0 ▸ /etc/hard-out\thardlink\tlisted only",
    ] {
        assert!(manifest.contains(want), "{want:?} not in\n{manifest}");
    }
    assert_confined(out.path(), &done.root);
    // The same image again into the same directory: refused, not merged.
    assert!(matches!(
        extract(&img, &dir),
        Err(ExtractError::Exists(p)) if p == done.root
    ));
}

#[test]
fn a_squashfs_tree_is_written_as_unpacked() {
    let tree = clean_tree();
    let root = tree.path().join("root");
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::write(root.join("bin/busybox"), b"\x7fELF busybox").unwrap();
    std::os::unix::fs::symlink("busybox", root.join("bin/sh")).unwrap();
    std::os::unix::fs::symlink("/bin/busybox", root.join("bin/ls")).unwrap();
    std::os::unix::fs::symlink("/", root.join("bin/root")).unwrap();
    std::os::unix::fs::symlink("../../../../../../tmp", root.join("tmp")).unwrap();
    let img = unpack_ok(&mksquashfs(&root, "xz"), "cam fw 1.0.bin");
    let out = tempfile::tempdir().unwrap();
    let done = extract(&img, out.path()).unwrap();
    let fs = done.root.join("squashfs@0x0");
    assert_eq!(
        std::fs::read(fs.join("etc/shadow")).unwrap(),
        img.find("/etc/shadow").unwrap().bytes().unwrap()
    );
    // Links resolve inside the filesystem, to the same files.
    assert_eq!(
        std::fs::read(fs.join("bin/sh")).unwrap(),
        b"\x7fELF busybox"
    );
    assert_eq!(
        std::fs::read(fs.join("bin/ls")).unwrap(),
        b"\x7fELF busybox"
    );
    assert_eq!(
        std::fs::read_link(fs.join("tmp")).unwrap(),
        PathBuf::from("tmp")
    );
    assert!(fs.join("bin/root/etc/shadow").is_file());
    let files = img.files().count();
    assert_eq!(done.files, files);
    assert_confined(out.path(), &done.root);
}

#[test]
fn a_gzip_header_name_cannot_climb() {
    // A gzip member whose FNAME field (RFC 1952 2.3.1) says `../../evil`,
    // written with Python's zlib (its gzip module would strip the path).
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("x.gz");
    let status = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import struct,sys,zlib\n\
             data=b'payload'\n\
             c=zlib.compressobj(9, zlib.DEFLATED, -15)\n\
             body=c.compress(data)+c.flush()\n\
             hdr=b'\\x1f\\x8b\\x08\\x08'+struct.pack('<I',0)+b'\\x00\\x03'+b'../../evil\\x00'\n\
             tail=struct.pack('<II',zlib.crc32(data),len(data))\n\
             open(sys.argv[1],'wb').write(hdr+body+tail)\n",
        )
        .arg(&gz)
        .status()
        .expect("python3 must be installed for this test");
    assert!(status.success());
    let img = unpack_ok(&std::fs::read(&gz).unwrap(), "x.gz");
    // Only the name's last component is kept when unpacking.
    assert_eq!(img.entries[0].path, vec!["gzip@0x0", "evil"]);
    let out = tempfile::tempdir().unwrap();
    let inner = out.path().join("a/b");
    let done = extract(&img, &inner).unwrap();
    assert_eq!(
        std::fs::read(done.root.join("gzip@0x0/evil")).unwrap(),
        b"payload"
    );
    assert_confined(out.path(), &done.root);
    assert!(!out.path().join("evil").exists());
}
