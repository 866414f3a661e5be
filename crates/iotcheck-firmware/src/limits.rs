/// Bounds on what [`crate::unpack`] may produce from one image.
///
/// Every decompressor and every file read is bounded by these numbers, so a
/// decompression bomb, a sparse-file bomb or a superblock that claims
/// millions of inodes ends its branch with a [`crate::Note`] instead of
/// exhausting memory. The defaults fit an ordinary consumer-device image
/// (a few MiB to a few hundred MiB) on a 2-core CI runner.
///
/// `iotcheck firmware --help` lists the flags that override them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes produced by all decompression and file reads together.
    pub max_total_bytes: u64,
    /// Output of one decompression stream (or one filesystem's files) may be
    /// at most this many times its compressed input.
    pub max_expansion_ratio: u64,
    /// Nested containers followed (`uImage` ▸ `xz` ▸ `squashfs` is depth 3).
    pub max_depth: usize,
    /// Entries (files, links, directories, devices) kept in the image.
    pub max_files: usize,
    /// Bytes read from one file inside a filesystem; larger files are listed
    /// without their contents.
    pub max_single_file: u64,
    /// Wall-clock time the whole unpack may take; past it no further
    /// container is opened and no further entry is kept (a note says so),
    /// and the checks run on what was read.
    pub max_duration: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_total_bytes: 512 << 20,
            max_expansion_ratio: 100,
            max_depth: 8,
            max_files: 100_000,
            max_single_file: 64 << 20,
            max_duration: std::time::Duration::from_secs(120),
        }
    }
}
