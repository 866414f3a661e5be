//! Hostile inputs: each defect ends its branch with a note; nothing panics
//! and nothing grows past the limits.

use std::io::Write;

use iotcheck_firmware::{FirmwareError, Limits, checks, unpack};

use crate::*;

fn notes(img: &iotcheck_firmware::Image) -> String {
    img.notes.iter().map(|n| format!("{n}\n")).collect()
}

#[test]
fn truncated_squashfs_is_a_note() {
    let bytes = example_bytes();
    let sq = &bytes[64..];
    for cut in [10, 95, 200, sq.len() / 2] {
        let img = unpack(&sq[..cut], "cut.sqfs", &Limits::default()).unwrap();
        let n = notes(&img);
        assert!(n.starts_with("squashfs@0x0: "), "{n}");
        assert!(
            n.contains("truncated superblock") || n.contains("only"),
            "{cut}: {n}"
        );
        assert!(img.entries.is_empty());
        assert!(checks(&img).is_empty(), "no filesystem, no verdict");
    }
}

#[test]
fn uimage_claiming_more_than_the_file_holds_is_a_note() {
    let bytes = example_bytes();
    let img = unpack(&bytes[..300_000], "short.bin", &Limits::default()).unwrap();
    let n = notes(&img);
    assert!(n.contains("uImage@0x0: header claims"), "{n}");
    assert!(n.contains("squashfs@0x40: superblock claims"), "{n}");
    assert!(checks(&img).is_empty());
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn gzip_bomb_stops_at_the_expansion_limit() {
    // 16 MiB of zeros compress ~1000:1, past the 100:1 default ratio.
    let bomb = gzip(&vec![0u8; 16 << 20]);
    assert!(bomb.len() < 64 * 1024);
    let img = unpack(&bomb, "bomb.gz", &Limits::default()).unwrap();
    assert!(img.entries.is_empty());
    assert!(
        notes(&img).contains("gzip@0x0: stream expands past"),
        "{}",
        notes(&img)
    );

    // The same bomb as a uImage payload (ih_comp = gzip).
    let mut ui = vec![0u8; 64];
    ui[..4].copy_from_slice(&[0x27, 0x05, 0x19, 0x56]);
    ui[12..16].copy_from_slice(&(bomb.len() as u32).to_be_bytes());
    ui[31] = 1;
    ui.extend(&bomb);
    let img = unpack(&ui, "bomb.bin", &Limits::default()).unwrap();
    assert!(
        notes(&img).contains("uImage@0x0 ▸ gzip@0x40: stream expands past"),
        "{}",
        notes(&img)
    );
}

#[test]
fn total_limit_bounds_even_an_honest_stream() {
    let text: String = (0..30_000).map(|i| format!("line {i}\n")).collect();
    let data = gzip(text.as_bytes());
    assert!(data.len() < 100_000 && text.len() > 100_000);
    let tight = Limits {
        max_total_bytes: 100_000,
        ..Limits::default()
    };
    let img = unpack(&data, "big.gz", &tight).unwrap();
    assert!(img.entries.is_empty());
    assert!(notes(&img).contains("stream expands past 100000 bytes"));
}

#[test]
fn limits_on_files_and_depth_are_notes() {
    let bytes = example_bytes();
    let few = Limits {
        max_files: 10,
        ..Limits::default()
    };
    let img = unpack(&bytes, EXAMPLE, &few).unwrap();
    // The superblock's inode count is checked before anything is read.
    assert!(img.entries.is_empty());
    assert!(
        notes(&img).contains("inodes, more than the limit of 10"),
        "{}",
        notes(&img)
    );

    let shallow = Limits {
        max_depth: 1,
        ..Limits::default()
    };
    let img = unpack(&bytes, EXAMPLE, &shallow).unwrap();
    assert!(
        notes(&img).contains("squashfs@0x40: nesting depth limit"),
        "{}",
        notes(&img)
    );

    let small_files = Limits {
        max_single_file: 4096,
        ..Limits::default()
    };
    let img = unpack(&bytes, EXAMPLE, &small_files).unwrap();
    assert!(notes(&img).contains("/bin/busybox: "), "{}", notes(&img));
    assert!(matches!(
        img.find("/bin/busybox").unwrap().kind,
        iotcheck_firmware::EntryKind::FileSkipped { .. }
    ));
}

#[test]
fn errors_say_what_was_wrong() {
    assert_eq!(
        unpack(b"", "e", &Limits::default()),
        Err(FirmwareError::Empty { name: "e".into() })
    );
    assert!(matches!(
        unpack(b"plain text, no container", "t", &Limits::default()),
        Err(FirmwareError::Unrecognised { len: 24, .. })
    ));
    let tiny = Limits {
        max_total_bytes: 10,
        ..Limits::default()
    };
    assert!(matches!(
        unpack(&[0u8; 11], "big", &tiny),
        Err(FirmwareError::TooLarge {
            len: 11,
            limit: 10,
            ..
        })
    ));
}
