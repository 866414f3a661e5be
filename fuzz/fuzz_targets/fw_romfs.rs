//! The romfs reader alone ([`iotcheck_firmware::unpack_as`]): arbitrary bytes
//! never panic, stay within the limits, and every result the checks decide
//! names a catalogued check.
#![no_main]

use iotcheck_firmware::{CHECKS, EntryKind, Limits, checks, unpack_as};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_total_bytes: 16 << 20,
        max_single_file: 4 << 20,
        max_files: 2_000,
        ..Limits::default()
    };
    let Some(result) = unpack_as(data, "fuzz.bin", "romfs", &limits) else {
        panic!("romfs is not a format name");
    };
    if let Ok(image) = result {
        assert!(image.entries.len() <= limits.max_files);
        let total: usize = image
            .entries
            .iter()
            .map(|e| match &e.kind {
                EntryKind::File(b) => b.len(),
                _ => 0,
            })
            .sum();
        assert!(total as u64 <= limits.max_total_bytes);
        for r in checks(&image) {
            assert!(CHECKS.contains(&r.check.as_str()));
        }
    }
});
