//! Unpacking and checking arbitrary bytes (every format, sniffed and
//! scanned) never panics, stays within its limits, and every result it
//! decides names a catalogued check (`iotcheck_firmware::fuzz_invariants`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    iotcheck_firmware::fuzz_invariants(data, None);
});
