//! Truncated, corrupted and adversarial captures: partial results and a
//! clear error, never a panic or unbounded growth.

use iotcheck_model::Outcome;
use iotcheck_traffic::{DeviceSpec, Limits, analyze_reader, checks};

fn example_bytes() -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/acme-cam/captures/setup.pcapng"),
    )
    .unwrap()
}

#[test]
fn truncated_capture_keeps_what_was_read() {
    let bytes = example_bytes();
    let cut = &bytes[..bytes.len() * 2 / 3];
    let a = analyze_reader(
        cut,
        "cut.pcapng",
        &DeviceSpec::default(),
        &Limits::default(),
    )
    .unwrap();
    assert!(
        a.stopped
            .as_deref()
            .is_some_and(|s| s.contains("truncated") || s.contains("incomplete")),
        "{:?}",
        a.stopped
    );
    assert!(a.frames > 100);
    let r = checks(&a);
    // What was found stands; nothing passes on a partial read.
    assert!(
        r.iter()
            .all(|x| x.outcome == Outcome::Fail || x.outcome == Outcome::Error),
        "{r:?}"
    );
}

#[test]
fn block_claiming_a_huge_length_stops_cleanly() {
    let mut bytes = example_bytes();
    // Find the first Enhanced Packet Block (type 6) and make it claim 3 GiB.
    let mut off = 0;
    while off + 8 <= bytes.len() {
        let t = u32::from_le_bytes(bytes[off..off + 4].try_into().unwrap());
        let len = u32::from_le_bytes(bytes[off + 4..off + 8].try_into().unwrap()) as usize;
        if t == 6 {
            bytes[off + 4..off + 8].copy_from_slice(&0xC000_0000u32.to_le_bytes());
            break;
        }
        off += len;
    }
    let res = analyze_reader(
        &bytes[..],
        "huge.pcapng",
        &DeviceSpec::default(),
        &Limits::default(),
    );
    match res {
        Ok(a) => assert!(a.stopped.is_some()),
        Err(e) => assert!(e.to_string().contains("huge.pcapng"), "{e}"),
    }
}

#[test]
fn garbage_is_a_clear_error() {
    let e = analyze_reader(
        &b"this is not a capture at all, just text"[..],
        "x.pcap",
        &DeviceSpec::default(),
        &Limits::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("x.pcap"), "{e}");
}

#[test]
fn flow_table_is_bounded() {
    let a = analyze_reader(
        &example_bytes()[..],
        "s.pcapng",
        &DeviceSpec::default(),
        &Limits {
            max_flows: 3,
            ..Limits::default()
        },
    )
    .unwrap();
    assert!(
        a.limits_hit
            .iter()
            .any(|l| l.contains("beyond the first 3")),
        "{:?}",
        a.limits_hit
    );
}
