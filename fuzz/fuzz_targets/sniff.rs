//! Input recognition reads the first bytes of untrusted files.
#![no_main]

use iotcheck_engine::Sniffed;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let head = &data[..data.len().min(4096)];
    let s = Sniffed::from_head(head);
    // Recognition depends on the bytes alone, and is stable.
    assert_eq!(s, Sniffed::from_head(head));
    if head.is_empty() {
        assert_eq!(s, Sniffed::Empty);
    }
});
