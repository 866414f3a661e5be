//! The shipped example image (examples/acme-cam: uImage around an xz
//! squashfs, made with mksquashfs and mkimage): every planted weakness is
//! found at its path, and nothing secret reaches the evidence.

use iotcheck_firmware::{CHECKS, EntryKind, checks, checks_with};
use iotcheck_model::Outcome;

use crate::*;

#[test]
fn example_unpacks_to_its_tree() {
    let img = unpack_ok(&example_bytes(), EXAMPLE);
    assert!(img.notes.is_empty(), "{:?}", img.notes);
    assert_eq!(
        img.filesystems,
        vec![vec!["uImage@0x0".to_string(), "squashfs@0x40".to_string()]]
    );
    assert!(img.has_root_filesystem());
    // Both layers identified by a dry run that proved their structure.
    let layers: Vec<_> = img
        .layers
        .iter()
        .map(|l| (l.path.join(" ▸ "), l.format, l.confidence.as_str()))
        .collect();
    assert_eq!(
        layers,
        vec![
            (
                "uImage@0x0".into(),
                "U-Boot legacy uImage",
                "structure-proven"
            ),
            (
                "uImage@0x0 ▸ squashfs@0x40".into(),
                "squashfs filesystem",
                "structure-proven"
            ),
        ]
    );
    let kind = |p: &str| &img.find(p).unwrap_or_else(|| panic!("{p} missing")).kind;
    assert_eq!(
        kind("/bin/sh"),
        &EntryKind::Symlink {
            target: "busybox".into()
        }
    );
    assert_eq!(
        kind("/var/tmp"),
        &EntryKind::Symlink {
            target: "/tmp".into()
        }
    );
    assert!(matches!(kind("/dev/console"), EntryKind::CharDevice { .. }));
    assert!(matches!(
        kind("/dev/mtdblock3"),
        EntryKind::BlockDevice { .. }
    ));
    let busybox = img.find("/bin/busybox").unwrap().bytes().unwrap();
    assert!(busybox.starts_with(b"\x7fELF"));
    assert_eq!(
        img.find("/etc/hostname").unwrap().bytes(),
        Some(&b"acme-cam2\n"[..])
    );
    assert_eq!(img.find("/etc/shadow").unwrap().path, path("/etc/shadow"));
}

#[test]
fn example_fails_every_check_with_evidence() {
    let img = unpack_ok(&example_bytes(), EXAMPLE);
    let results = checks(&img);
    // Every check but fw.universal-default-password, which compares images.
    assert_eq!(results.len(), CHECKS.len() - 1);
    for r in &results {
        // The image passes by what it has: it names its components, and
        // it has an updater that cron runs (one that verifies nothing:
        // fw.update-signature-verification fails).
        let want = if matches!(
            r.check.as_str(),
            "fw.component-inventory" | "fw.update-client" | "fw.update-automatic"
        ) {
            Outcome::Pass
        } else {
            Outcome::Fail
        };
        assert_outcome(r, want);
        assert_eq!(r.input.as_deref(), Some(EXAMPLE));
    }

    // admin / 1234 (DES) is on the built-in list; root / xc3511 is not.
    let weak = result(&results, "fw.weak-account-password");
    assert!(
        weak.summary
            .contains("admin has the default password ******** (DES crypt)")
    );
    assert!(!weak.summary.contains("root"), "{}", weak.summary);
    let ev = files(weak);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].0, path("/etc/shadow"));
    assert!(ev[0].2.starts_with("admin:********:20345:"), "{}", ev[0].2);

    let key = files(result(&results, "fw.private-key"));
    assert_eq!(
        key,
        vec![(
            path("/etc/ssl/private/device.key"),
            0,
            "-----BEGIN PRIVATE KEY-----".to_string()
        )]
    );

    let cred = files(result(&results, "fw.hardcoded-credential"));
    let cred: Vec<(&str, &str)> = cred
        .iter()
        .map(|(p, _, e)| (p.last().unwrap().as_str(), e.as_str()))
        .collect();
    assert_eq!(
        cred,
        vec![
            ("/etc/acme/cloud.conf", "password = ********"),
            ("/etc/acme/cloud.conf", "status_password = ********"),
            ("/etc/httpd.conf", "/cgi-bin:admin:********"),
            ("/etc/httpd.conf", "/:admin:********"),
        ]
    );

    let update = files(result(&results, "fw.update-channel-authenticated"));
    let mut update: Vec<(String, String)> = update
        .into_iter()
        .map(|(p, _, e)| (p.last().unwrap().clone(), e))
        .collect();
    update.sort();
    assert_eq!(
        update,
        vec![
            (
                "/etc/acme/cloud.conf".into(),
                "url = http://update.acme.example/cam2/latest.bin".into()
            ),
            (
                "/etc/opkg/distfeeds.conf".into(),
                "src/gz acme_base http://update.acme.example/cam2/packages/base".into()
            ),
            (
                "/usr/sbin/acme-update".into(),
                "URL=\"http://update.acme.example/cam2/latest.bin".into()
            ),
        ]
    );
}

#[test]
fn offsets_point_at_the_lines() {
    let img = unpack_ok(&example_bytes(), EXAMPLE);
    let results = checks(&img);
    // Inventory offsets point at version strings, not lines.
    for r in results
        .iter()
        .filter(|r| r.check.as_str() != "fw.component-inventory")
    {
        for (p, off, _) in files(r) {
            let bytes = img.find(p.last().unwrap()).unwrap().bytes().unwrap();
            let off = off as usize;
            assert!(off < bytes.len());
            assert!(
                off == 0 || bytes[off - 1] == b'\n' || r.check.as_str().starts_with("fw.update")
            );
        }
    }
}

#[test]
fn mirai_list_finds_root_too_and_never_leaks_passwords() {
    let img = unpack_ok(&example_bytes(), EXAMPLE);
    let results = checks_with(&img, &mirai_passwords());
    let weak = result(&results, "fw.weak-account-password");
    assert!(
        weak.summary
            .contains("root has the default password ******** (md5-crypt)")
    );
    assert!(weak.summary.contains("admin has the default password"));
    let ev = files(weak);
    assert_eq!(ev.len(), 2);
    assert!(
        ev[0].2.starts_with("root:$1$********:20345:"),
        "{}",
        ev[0].2
    );
    let all = format!("{results:?}");
    for secret in ["xc3511", "1234:", "acme1234", "Xm3r9Q2t", "MII"] {
        assert!(!all.contains(secret), "{secret} leaked");
    }
}

#[test]
fn check_ids_are_the_catalogued_set() {
    // A rename must show up in review: these are catalog ids.
    assert_eq!(
        CHECKS,
        [
            "fw.weak-account-password",
            "fw.private-key",
            "fw.hardcoded-credential",
            "fw.update-channel-authenticated",
            "fw.component-inventory",
            "fw.boot-cleartext-service",
            "fw.update-client",
            "fw.update-signature-verification",
            "fw.update-automatic",
            "fw.universal-default-password",
        ]
    );
}
