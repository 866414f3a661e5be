//! The entropy map: an image encrypted with `openssl enc` reads "cannot be
//! inspected", and an encrypted region appended to a readable image is a
//! note on what was not seen, not silence.

use std::process::Command;

use iotcheck_firmware::{FirmwareError, Limits, RegionKind, unpack};

use crate::clean::{clean_tree, mksquashfs};
use crate::*;

fn openssl_encrypt(dir: &std::path::Path, plain: &[u8]) -> Vec<u8> {
    let input = dir.join("plain.bin");
    let output = dir.join("enc.bin");
    std::fs::write(&input, plain).unwrap();
    let status = Command::new("openssl")
        .args([
            "enc",
            "-aes-256-cbc",
            "-pbkdf2",
            "-pass",
            "pass:vendor-key",
            "-in",
        ])
        .arg(&input)
        .arg("-out")
        .arg(&output)
        .status()
        .expect("openssl (Debian package openssl) must be installed for this test");
    assert!(status.success());
    std::fs::read(output).unwrap()
}

#[test]
fn an_encrypted_image_cannot_be_inspected() {
    let dir = clean_tree();
    // A squashfs padded with a larger, less compressible file so the
    // ciphertext spans many entropy blocks.
    let root = dir.path().join("root");
    let text: Vec<u8> = (0..40_000u32)
        .flat_map(|i| format!("{i}\n").into_bytes())
        .collect();
    std::fs::write(root.join("numbers"), text).unwrap();
    let sq = mksquashfs(&root, "gzip");
    let enc = openssl_encrypt(dir.path(), &sq);
    let err = unpack(&enc, "encrypted.bin", &Limits::default()).unwrap_err();
    let FirmwareError::Unrecognised {
        high_entropy_percent,
        ..
    } = err
    else {
        panic!("{err}")
    };
    assert!(high_entropy_percent >= 95, "{high_entropy_percent}");
    let msg = err.to_string();
    assert!(msg.contains("cannot be inspected"), "{msg}");
    assert!(msg.contains("encrypted"), "{msg}");
}

#[test]
fn plain_unknown_data_is_not_called_encrypted() {
    let text: Vec<u8> = b"no container here, only words and words again\n".repeat(2000);
    let err = unpack(&text, "words.bin", &Limits::default()).unwrap_err();
    let msg = err.to_string();
    assert!(!msg.contains("cannot be inspected"), "{msg}");
    assert!(msg.contains("looked for uImage, "), "{msg}");
}

#[test]
fn an_encrypted_region_after_a_filesystem_is_a_note() {
    let dir = clean_tree();
    let sq = mksquashfs(&dir.path().join("root"), "xz");
    let secret: Vec<u8> = (0..300_000u32)
        .flat_map(|i| format!("{i:08}").into_bytes())
        .collect();
    let enc = openssl_encrypt(dir.path(), &secret);
    // squashfs, 0xff padding to a 64 KiB boundary, then the ciphertext.
    let mut blob = sq.clone();
    blob.resize(sq.len().next_multiple_of(64 * 1024), 0xff);
    let enc_start = blob.len() as u64;
    blob.extend(&enc);
    let img = unpack_ok(&blob, "fw.bin");
    assert!(img.has_root_filesystem());
    let kinds: Vec<&RegionKind> = img.regions.iter().map(|r| &r.kind).collect();
    assert_eq!(
        kinds,
        vec![
            &RegionKind::Container("squashfs@0x0".into()),
            &RegionKind::Padding,
            &RegionKind::HighEntropy
        ],
        "{:#?}",
        img.regions
    );
    let high = &img.regions[2];
    assert_eq!(high.start, enc_start);
    assert_eq!(high.start + high.len, blob.len() as u64);
    assert!(high.entropy > 7.9, "{}", high.entropy);
    let notes: Vec<String> = img.notes.iter().map(ToString::to_string).collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].starts_with(&format!("bytes {enc_start:#x}..")),
        "{notes:?}"
    );
    assert!(notes[0].contains("not inspected"), "{notes:?}");
}
