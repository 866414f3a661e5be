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
    #[error(
        "{name}: no known container or filesystem in {len} bytes \
         (looked for uImage, gzip, xz, squashfs 4.x, cramfs, romfs, ext2/3/4, tar and cpio)"
    )]
    Unrecognised { name: String, len: u64 },
}
