//! `fw.universal-default-password` across images: two units whose shadow
//! files carry the same hash (same salt) share one password; hashes made
//! per unit (another salt, even for the same password) do not.

use std::process::Command;

use iotcheck_firmware::{account_hashes, universal_default_password};
use iotcheck_model::Outcome;

use crate::clean::mksquashfs;
use crate::*;

/// A unit's image whose root password is hashed with `salt` (sha512-crypt
/// via `openssl passwd -6`), with a locked `nobody`.
fn unit(dir: &std::path::Path, name: &str, password: &str, salt: &str) -> iotcheck_firmware::Image {
    let root = dir.join(name);
    std::fs::create_dir_all(root.join("etc")).unwrap();
    let out = Command::new("openssl")
        .args(["passwd", "-6", "-salt", salt, password])
        .output()
        .expect("openssl (Debian package openssl) must be installed for this test");
    let hash = String::from_utf8(out.stdout).unwrap();
    std::fs::write(
        root.join("etc/shadow"),
        format!(
            "root:{}:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n",
            hash.trim()
        ),
    )
    .unwrap();
    std::fs::write(root.join("etc/passwd"), "root:x:0:0::/root:/bin/sh\n").unwrap();
    unpack_ok(&mksquashfs(&root, "gzip"), &format!("{name}.bin"))
}

#[test]
fn one_hash_on_two_units_is_a_universal_default() {
    let dir = tempfile::tempdir().unwrap();
    // A strong password: the per-image check cannot crack it, only the
    // comparison shows that both units share it.
    let a = unit(dir.path(), "unit-a", "k7#Vq9!pLr2", "factorysalt");
    let b = unit(dir.path(), "unit-b", "k7#Vq9!pLr2", "factorysalt");
    let hashes_a = account_hashes(&a);
    assert_eq!(hashes_a.len(), 1, "nobody is locked: {hashes_a:?}");
    assert!(
        !format!("{hashes_a:?}").contains("factorysalt$"),
        "hash never kept"
    );
    let r = universal_default_password(&[
        ("unit-a.bin".into(), hashes_a),
        ("unit-b.bin".into(), account_hashes(&b)),
    ])
    .unwrap();
    assert_outcome(&r, Outcome::Fail);
    assert!(
        r.summary.contains("root has one password hash in 2 images"),
        "{}",
        r.summary
    );
    let found = files(&r);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].0, ["squashfs@0x0", "/etc/shadow"]);
    assert!(
        found[0].2.starts_with("root:$6$********"),
        "{:?}",
        found[0].2
    );
    let weak = checks_of(&a);
    assert_outcome(result(&weak, "fw.weak-account-password"), Outcome::Pass);
}

#[test]
fn per_unit_hashes_pass_and_one_image_decides_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // The same password with a salt per unit: hashes differ.
    let a = unit(dir.path(), "unit-a", "k7#Vq9!pLr2", "unitA0001");
    let b = unit(dir.path(), "unit-b", "k7#Vq9!pLr2", "unitB0002");
    let both = [
        ("unit-a.bin".to_string(), account_hashes(&a)),
        ("unit-b.bin".to_string(), account_hashes(&b)),
    ];
    let r = universal_default_password(&both).unwrap();
    assert_outcome(&r, Outcome::Pass);
    assert!(universal_default_password(&both[..1]).is_none());
    // An image without accounts does not count as a second one.
    assert!(
        universal_default_password(&[both[0].clone(), ("empty.bin".into(), Vec::new())]).is_none()
    );
}

fn checks_of(img: &iotcheck_firmware::Image) -> Vec<iotcheck_model::CheckResult> {
    iotcheck_firmware::checks(img)
}

/// A hash made by `mkpasswd` (Debian package whois), the tool behind
/// Debian's own shadow entries.
fn mkpasswd(method: &str, password: &str) -> String {
    let out = Command::new("mkpasswd")
        .args(["-m", method, password])
        .output()
        .expect("mkpasswd (Debian package whois) must be installed for this test");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// yescrypt (Debian's default since 11) and bcrypt hashes are judged too:
/// default passwords are found, a strong one is not, and the pass summary
/// says the slow hashes were tried with the short list.
#[test]
fn yescrypt_and_bcrypt_defaults_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    let shadow = format!(
        "root:{}:19000:0:99999:7:::\nsupport:{}:19000:0:99999:7:::\nowner:{}:19000:0:99999:7:::\n",
        mkpasswd("yescrypt", "admin"),
        mkpasswd("bcrypt", "support"),
        mkpasswd("yescrypt", "k7#Vq9!pLr2"),
    );
    write(&root, "etc/shadow", &shadow);
    write(&root, "etc/passwd", "root:x:0:0::/root:/bin/sh\n");
    let image = unpack_ok(&mksquashfs(&root, "gzip"), "yescrypt.bin");
    let r = iotcheck_firmware::checks(&image)
        .into_iter()
        .find(|r| r.check.as_str() == "fw.weak-account-password")
        .unwrap();
    assert_outcome(&r, Outcome::Fail);
    assert!(
        r.summary
            .contains("root has the default password ******** (yescrypt)"),
        "{}",
        r.summary
    );
    assert!(
        r.summary
            .contains("support has the default password ******** (bcrypt)"),
        "{}",
        r.summary
    );
    assert!(!r.summary.contains("owner"), "{}", r.summary);

    // Only the strong one left: a pass that says how far it looked.
    write(
        &root,
        "etc/shadow",
        format!(
            "owner:{}:19000:0:99999:7:::\n",
            mkpasswd("yescrypt", "k7#Vq9!pLr2")
        ),
    );
    let image = unpack_ok(&mksquashfs(&root, "gzip"), "strong.bin");
    let r = iotcheck_firmware::checks(&image)
        .into_iter()
        .find(|r| r.check.as_str() == "fw.weak-account-password")
        .unwrap();
    assert_outcome(&r, Outcome::Pass);
    assert!(
        r.summary
            .contains("1 bcrypt/yescrypt hash tried with the 20 generic passwords only"),
        "{}",
        r.summary
    );
}
