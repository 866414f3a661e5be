//! The squashfs reader alone (`unpack_as`) on squashfs 2.x/3.x input:
//! seeded with real mksquashfs 3.2-r2 and 2.2-r2 images (both byte orders,
//! zlib, the sqlzma-style LZMA variant, LZMA-alone and raw LZMA under the
//! standard magic, a large directory), so the
//! mutations land in 2.x/3.x superblocks, bitfield inodes and directory
//! listings. It never panics and stays within its limits
//! (`iotcheck_firmware::fuzz_invariants`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    iotcheck_firmware::fuzz_invariants(data, Some("squashfs"));
});
