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
