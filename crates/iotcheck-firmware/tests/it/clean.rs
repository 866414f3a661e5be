//! A clean image built here with Debian's mksquashfs: locked accounts, no
//! keys, no credentials, an https-only update source, an opkg status file
//! naming its packages, a console login, an updater that verifies a
//! signature and that cron runs → every check passes.

use std::process::Command;

use iotcheck_firmware::checks;
use iotcheck_model::Outcome;

use crate::*;

pub fn mksquashfs(root: &std::path::Path, comp: &str) -> Vec<u8> {
    let out = root.parent().unwrap().join(format!("clean-{comp}.sqfs"));
    let status = Command::new("mksquashfs")
        .arg(root)
        .arg(&out)
        .args([
            "-comp",
            comp,
            "-all-root",
            "-noappend",
            "-no-xattrs",
            "-quiet",
            "-no-progress",
        ])
        .status()
        .expect("mksquashfs (Debian squashfs-tools) must be installed for this test");
    assert!(status.success());
    std::fs::read(out).unwrap()
}

pub fn clean_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    write(
        &root,
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n",
    );
    write(
        &root,
        "etc/shadow",
        "root:!:20000:0:99999:7:::\nnobody:*:20000:0:99999:7:::\n",
    );
    write(
        &root,
        "etc/config/system",
        "config system\n\toption hostname 'cam'\n\toption password_file '/etc/pw'\n",
    );
    write(
        &root,
        "etc/opkg/distfeeds.conf",
        "src/gz base https://downloads.example/packages/base\n",
    );
    write(
        &root,
        "usr/sbin/fw-update",
        "#!/bin/sh\nwget -O /tmp/fw.bin https://update.example/latest.bin\n\
         wget -O /tmp/fw.sig https://update.example/latest.sig\n\
         usign -V -m /tmp/fw.bin -x /tmp/fw.sig -P /etc/fw-keys || exit 1\n\
         mtd -r write /tmp/fw.bin firmware\n",
    );
    // boots (init is BusyBox), a login on the serial console, cron runs
    // the updater
    std::fs::create_dir_all(root.join("sbin")).unwrap();
    std::fs::copy("/usr/bin/busybox", root.join("sbin/init"))
        .expect("busybox (Debian package busybox) must be installed for this test");
    write(
        &root,
        "etc/inittab",
        "::sysinit:/etc/init.d/rcS\nttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n",
    );
    write(&root, "etc/init.d/rcS", "#!/bin/sh\nmount -a\ncrond\n");
    write(
        &root,
        "etc/crontabs/root",
        "0 4 * * * /usr/sbin/fw-update\n",
    );
    write(
        &root,
        "usr/lib/opkg/status",
        "Package: busybox\nVersion: 1.36.1-1\nStatus: install user installed\nArchitecture: mips_24kc\n\n",
    );
    write(
        &root,
        "etc/ssl/certs/ca.pem",
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    );
    dir
}

#[test]
fn clean_image_passes_every_check() {
    let dir = clean_tree();
    for comp in ["gzip", "xz"] {
        let bytes = mksquashfs(&dir.path().join("root"), comp);
        let img = unpack_ok(&bytes, "clean.sqfs");
        assert!(img.notes.is_empty(), "{:?}", img.notes);
        assert_eq!(
            img.find("/etc/shadow").unwrap().path,
            vec!["squashfs@0x0", "/etc/shadow"]
        );
        let results = checks(&img);
        // Every check but fw.universal-default-password, which compares images.
        assert_eq!(
            results.len(),
            iotcheck_firmware::CHECKS.len() - 1,
            "{results:#?}"
        );
        for r in &results {
            assert_outcome(r, Outcome::Pass);
        }
        let update = files(result(&results, "fw.update-channel-authenticated"));
        assert_eq!(update.len(), 3);
        let inventory = files(result(&results, "fw.component-inventory"));
        // the status file, and the host's busybox copied in as /sbin/init
        assert_eq!(inventory.len(), 2, "{inventory:#?}");
        assert!(inventory.contains(&(
            vec!["squashfs@0x0".to_string(), "/usr/lib/opkg/status".into()],
            0,
            "Package: busybox Version: 1.36.1-1".to_string()
        )));
        let auto = files(result(&results, "fw.update-automatic"));
        assert_eq!(
            auto,
            vec![(
                vec!["squashfs@0x0".to_string(), "/etc/crontabs/root".into()],
                0,
                "0 4 * * * /usr/sbin/fw-update".to_string()
            )]
        );
    }
}

#[test]
fn squashfs_embedded_in_a_raw_blob_is_found_by_scanning() {
    let dir = clean_tree();
    let sq = mksquashfs(&dir.path().join("root"), "gzip");
    let mut blob = vec![0x5au8; 0x1000];
    blob.extend(&sq);
    blob.extend([0u8; 100]);
    let img = unpack_ok(&blob, "raw.bin");
    assert_eq!(img.filesystems, vec![vec!["squashfs@0x1000".to_string()]]);
    assert!(img.has_root_filesystem());
}

#[test]
fn no_update_source_means_no_update_result() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    write(&root, "etc/hostname", "x\n");
    let img = unpack_ok(&mksquashfs(&root, "gzip"), "bare.sqfs");
    let results = checks(&img);
    let ids: Vec<&str> = results.iter().map(|r| r.check.as_str()).collect();
    assert_eq!(
        ids,
        [
            "fw.weak-account-password",
            "fw.private-key",
            "fw.hardcoded-credential",
            "fw.component-inventory"
        ]
    );
}
