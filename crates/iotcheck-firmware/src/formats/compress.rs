//! Compression streams: gzip (RFC 1952) and zlib (RFC 1950, `flate2`), xz
//! and legacy LZMA (`liblzma`), zstd (`ruzstd`), LZ4 frames (`lz4_flex`)
//! and bzip2 (`bzip2` on the pure-Rust libbz2-rs-sys). Every stream is read
//! through a `take` of its output limit, so a bomb stops at the limit
//! instead of growing a buffer.

use std::io::Read;

pub(crate) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
pub(crate) const XZ_MAGIC: [u8; 6] = [0xfd, b'7', b'z', b'X', b'Z', 0];
pub(crate) const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
pub(crate) const LZ4_FRAME_MAGIC: [u8; 4] = [0x04, 0x22, 0x4d, 0x18];
/// `BZh`, then the block size digit, then the block magic (BCD pi).
const BZIP2_BLOCK_MAGIC: [u8; 6] = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];

/// Memory the LZMA decoders may use for their dictionary and state.
const LZMA_MEMLIMIT: u64 = 128 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Codec {
    Gzip,
    /// zlib (RFC 1950): squashfs "gzip" blocks; never sniffed on its own
    /// (two bytes are too weak a signature for a scan).
    Zlib,
    Xz,
    Lzma,
    Zstd,
    Lz4,
    Bzip2,
}

impl Codec {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Codec::Gzip => "gzip",
            Codec::Zlib => "zlib",
            Codec::Xz => "xz",
            Codec::Lzma => "lzma",
            Codec::Zstd => "zstd",
            Codec::Lz4 => "lz4",
            Codec::Bzip2 => "bzip2",
        }
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            Codec::Gzip => "gzip-compressed data",
            Codec::Zlib => "zlib-compressed data",
            Codec::Xz => "xz-compressed data",
            Codec::Lzma => "LZMA-compressed data",
            Codec::Zstd => "zstd-compressed data",
            Codec::Lz4 => "LZ4-compressed data",
            Codec::Bzip2 => "bzip2-compressed data",
        }
    }

    pub(crate) fn sniff(data: &[u8]) -> Option<Codec> {
        if data.starts_with(&GZIP_MAGIC) {
            Some(Codec::Gzip)
        } else if data.starts_with(&XZ_MAGIC) {
            Some(Codec::Xz)
        } else if data.starts_with(&ZSTD_MAGIC) {
            Some(Codec::Zstd)
        } else if data.starts_with(&LZ4_FRAME_MAGIC) {
            Some(Codec::Lz4)
        } else if data.starts_with(b"BZh")
            && data.get(3).is_some_and(|d| (b'1'..=b'9').contains(d))
            && data.get(4..10) == Some(&BZIP2_BLOCK_MAGIC[..])
        {
            Some(Codec::Bzip2)
        } else {
            None
        }
    }
}

/// Whether `data` starts like a legacy `.lzma` (LZMA-alone) stream: the
/// properties byte of the usual lc=3 lp=0 pb=2 (0x5d), a power-of-two
/// dictionary between 4 KiB and 128 MiB, and an unpacked size that is
/// unknown (all ones) or below 1 GiB. Too weak to scan for (binwalk's
/// experience with this signature), strong enough where a header says a
/// kernel is there.
pub(crate) fn looks_like_lzma_alone(data: &[u8]) -> bool {
    let Some(h) = data.get(..13) else {
        return false;
    };
    let dict = u32::from_le_bytes([h[1], h[2], h[3], h[4]]);
    let size = u64::from_le_bytes([h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12]]);
    h[0] == 0x5d
        && dict.is_power_of_two()
        && (1 << 12..=1 << 27).contains(&dict)
        && (size == u64::MAX || size < 1 << 30)
}

/// What came out of a stream.
#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) bytes: Vec<u8>,
    /// The file name stored in a gzip header, if any.
    pub(crate) name: Option<String>,
    /// Why the stream ended early, if it did (the bytes so far are kept).
    pub(crate) truncated: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DecompressError {
    /// The stream would produce more than `limit` bytes.
    OverLimit { limit: u64 },
    /// The decoder could not start or produced nothing.
    Corrupt(String),
}

pub(crate) fn decompress(codec: Codec, data: &[u8], limit: u64) -> Result<Output, DecompressError> {
    let mut name = None;
    let reader: Box<dyn Read + '_> = match codec {
        Codec::Gzip => {
            let d = flate2::read::GzDecoder::new(data);
            name = d
                .header()
                .and_then(|h| h.filename())
                .map(|n| String::from_utf8_lossy(n).into_owned());
            Box::new(d)
        }
        Codec::Zlib => Box::new(flate2::read::ZlibDecoder::new(data)),
        Codec::Zstd => Box::new(
            ruzstd::decoding::StreamingDecoder::new(data)
                .map_err(|e| DecompressError::Corrupt(e.to_string()))?,
        ),
        Codec::Lz4 => Box::new(lz4_flex::frame::FrameDecoder::new(data)),
        Codec::Bzip2 => Box::new(bzip2::read::BzDecoder::new(data)),
        Codec::Xz => {
            let s = liblzma::stream::Stream::new_stream_decoder(LZMA_MEMLIMIT, 0)
                .map_err(|e| DecompressError::Corrupt(e.to_string()))?;
            Box::new(liblzma::read::XzDecoder::new_stream(data, s))
        }
        Codec::Lzma => {
            let s = liblzma::stream::Stream::new_lzma_decoder(LZMA_MEMLIMIT)
                .map_err(|e| DecompressError::Corrupt(e.to_string()))?;
            Box::new(liblzma::read::XzDecoder::new_stream(data, s))
        }
    };
    let mut bytes = Vec::new();
    let res = reader.take(limit.saturating_add(1)).read_to_end(&mut bytes);
    if bytes.len() as u64 > limit {
        return Err(DecompressError::OverLimit { limit });
    }
    let truncated = match res {
        Ok(_) => None,
        Err(e) if bytes.is_empty() => return Err(DecompressError::Corrupt(e.to_string())),
        Err(e) => Some(e.to_string()),
    };
    Ok(Output {
        bytes,
        name,
        truncated,
    })
}
