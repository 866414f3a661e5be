//! Properties: unpacking never panics on arbitrary bytes, nor on the example
//! image with random byte flips, and stays within its limits.

use iotcheck_firmware::{EntryKind, Limits, checks, unpack};
use proptest::prelude::*;

use crate::*;

fn within_limits(bytes: &[u8], limits: &Limits) {
    if let Ok(img) = unpack(bytes, "p.bin", limits) {
        assert!(img.entries.len() <= limits.max_files);
        let total: u64 = img
            .entries
            .iter()
            .map(|e| match &e.kind {
                EntryKind::File(b) => b.len() as u64,
                _ => 0,
            })
            .sum();
        assert!(total <= limits.max_total_bytes);
        let _ = checks(&img);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn arbitrary_bytes_never_panic(
        prefix in prop::sample::select(vec![
            &b""[..], &[0x27, 0x05, 0x19, 0x56][..], b"hsqs", &[0x1f, 0x8b, 8][..],
            &[0xfd, b'7', b'z', b'X', b'Z', 0][..],
        ]),
        body in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut bytes = prefix.to_vec();
        bytes.extend(body);
        within_limits(&bytes, &Limits::default());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn example_with_flipped_bytes_never_panics(
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        header_flip in any::<bool>(),
    ) {
        let mut bytes = example_bytes();
        for (i, v) in flips {
            // Aim half the flips at the headers and tables, where they bite.
            let at = if header_flip { i.index(4096) } else { i.index(bytes.len()) };
            bytes[at] ^= v | 1;
        }
        let limits = Limits { max_total_bytes: 64 << 20, ..Limits::default() };
        within_limits(&bytes, &limits);
    }
}
