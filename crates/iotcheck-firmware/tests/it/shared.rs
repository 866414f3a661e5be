//! Real samples from ../shared/data: binwalk's squashfs and gzip test
//! inputs, and IoTGoat's etc/shadow (a backdoor user whose md5-crypt
//! password is on the Mirai list).

use iotcheck_firmware::{EntryKind, check_accounts};
use iotcheck_model::Outcome;

use crate::*;

#[test]
fn binwalk_squashfs_sample_unpacks() {
    let img = unpack_ok(
        &read_shared("firmware/binwalk-test-inputs/squashfs.bin"),
        "squashfs.bin",
    );
    assert!(img.notes.is_empty(), "{:?}", img.notes);
    assert_eq!(img.filesystems, vec![vec!["squashfs@0x0".to_string()]]);
    assert!(
        img.entries
            .iter()
            .any(|e| matches!(e.kind, EntryKind::File(ref b) if !b.is_empty())),
        "{:?}",
        img.entries
    );
}

#[test]
fn binwalk_gzip_sample_keeps_its_file_name() {
    let img = unpack_ok(
        &read_shared("firmware/binwalk-test-inputs/gzip.bin"),
        "gzip.bin",
    );
    let e = &img.entries[0];
    assert_eq!(e.path, vec!["gzip@0x0", "lsb-release"]);
    assert_eq!(e.bytes().unwrap().len(), 104);
    // A single file is not a root filesystem: no check may pass on it.
    assert!(iotcheck_firmware::checks(&img).is_empty());
}

#[test]
fn binwalk_samples_of_unsupported_formats_are_refused_not_misread() {
    for name in ["cramfs.bin", "romfs.bin", "matter_ota.bin", "arcadyan.bin"] {
        let bytes = read_shared(&format!("firmware/binwalk-test-inputs/{name}"));
        if let Ok(img) = iotcheck_firmware::unpack(&bytes, name, &Limits::default()) {
            assert!(!img.has_root_filesystem(), "{name}");
        }
    }
}

/// binwalk's Arcadyan sample: the header is restored and the LZMA stream
/// under it decodes whole (its LZMA header declares 2,813,252 bytes) to
/// one monolithic image; Debian's binwalk 2 finds nothing to extract here.
#[test]
fn binwalk_arcadyan_sample_is_deobfuscated_and_decoded() {
    let img = unpack_ok(
        &read_shared("firmware/binwalk-test-inputs/arcadyan.bin"),
        "arcadyan.bin",
    );
    assert!(img.notes.is_empty(), "{:?}", img.notes);
    let e = img
        .entries
        .iter()
        .find(|e| e.path.first().map(String::as_str) == Some("arcadyan@0x0"))
        .unwrap_or_else(|| panic!("{:?}", img.entries));
    assert_eq!(e.path[1], "lzma@0x4");
    assert_eq!(e.bytes().map(<[u8]>::len), Some(2_813_252));
}

/// binwalk's Matter OTA sample: header fields read, the payload checked
/// against the SHA-256 the header carries, and a changed payload byte
/// caught.
#[test]
fn binwalk_matter_ota_sample_header_and_digest() {
    let bytes = read_shared("firmware/binwalk-test-inputs/matter_ota.bin");
    let img = unpack_ok(&bytes, "matter_ota.bin");
    assert!(img.notes.is_empty(), "{:?}", img.notes);
    let h = &img.headers[0];
    assert_eq!(h.path, vec!["matter-ota@0x0"]);
    assert!(
        h.name.contains("vendor 0x1234, product 0x1234"),
        "{}",
        h.name
    );
    assert!(h.name.contains("software version 1.2.120.0"), "{}", h.name);
    assert!(h.name.contains("payload digest verified"), "{}", h.name);
    let payload = &img.entries[0];
    assert_eq!(payload.path, vec!["matter-ota@0x0", "(payload)"]);
    let mut altered = bytes.clone();
    *altered.last_mut().unwrap() ^= 1;
    let img = unpack_ok(&altered, "altered.bin");
    assert!(
        img.notes
            .iter()
            .any(|n| n.message.contains("does NOT match")),
        "{:?}",
        img.notes
    );
}

#[test]
fn iotgoat_backdoor_user_is_on_the_mirai_list() {
    let base = "firmware/iotgoat-rootfs-overlay/rootfs/etc";
    let shadow = read_shared(&format!("{base}/shadow"));
    let passwd = read_shared(&format!("{base}/passwd"));
    let files = vec![
        (vec!["/etc/passwd".to_string()], passwd.as_slice()),
        (vec!["/etc/shadow".to_string()], shadow.as_slice()),
    ];
    let without = check_accounts("iotgoat", &files, &[]).unwrap();
    assert!(
        !without.summary.contains("iotgoatuser"),
        "{}",
        without.summary
    );

    let r = check_accounts("iotgoat", &files, &mirai_passwords()).unwrap();
    assert_outcome(&r, Outcome::Fail);
    assert!(
        r.summary
            .contains("iotgoatuser has the default password ******** (md5-crypt)"),
        "{}",
        r.summary
    );
    let ev = files_of(&r);
    assert!(
        ev.iter()
            .any(|(p, e)| p == "/etc/shadow" && e.starts_with("iotgoatuser:$1$********:"))
    );
}

fn files_of(r: &iotcheck_model::CheckResult) -> Vec<(String, String)> {
    files(r)
        .into_iter()
        .map(|(p, _, e)| (p.last().unwrap().clone(), e))
        .collect()
}
