//! The reader of U-Boot control device trees (verified-boot keys) alone
//! (`unpack_as`, no sniffing or scanning) never panics on arbitrary bytes
//! and stays within its limits
//! (`iotcheck_firmware::fuzz_invariants`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    iotcheck_firmware::fuzz_invariants(data, Some("u-boot-keys"));
});
