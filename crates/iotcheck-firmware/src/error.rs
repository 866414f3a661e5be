/// Why an image could not be unpacked at all.
///
/// A branch that fails inside an image (a truncated superblock, a bomb) is
/// not an error: it becomes a [`crate::Note`] and the rest is kept.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum FirmwareError {
    #[error("{name}: the image is empty")]
    Empty { name: String },
    #[error("{name}: {len} bytes is more than the {limit}-byte limit on unpacked data")]
    TooLarge { name: String, len: u64, limit: u64 },
    #[error("{name}: no known container or filesystem in {len} bytes{}", unrecognised_why(*high_entropy_percent))]
    Unrecognised {
        name: String,
        len: u64,
        /// The share of the image's bytes (percent) in 4 KiB blocks of
        /// entropy at or above [`crate::entropy::HIGH_ENTROPY`].
        high_entropy_percent: u8,
    },
}

fn unrecognised_why(high_entropy_percent: u8) -> String {
    let formats = crate::formats().collect::<Vec<_>>().join(", ");
    if high_entropy_percent >= 50 {
        format!(
            "; {high_entropy_percent}% of it is high-entropy data (encrypted, or compressed in a way iotcheck \
             cannot read): the image cannot be inspected, which is not the same as nothing \
             found (looked for {formats} and gzip, xz, lzma, zstd, lz4, bzip2 streams)"
        )
    } else {
        format!(" (looked for {formats} and gzip, xz, lzma, zstd, lz4, bzip2 streams)")
    }
}
