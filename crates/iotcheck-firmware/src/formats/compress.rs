//! Compression streams: gzip (RFC 1952, `flate2`), xz and legacy LZMA
//! (`liblzma`). Every stream is read through a `take` of its output limit,
//! so a bomb stops at the limit instead of growing a buffer.

use std::io::Read;

pub(crate) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
pub(crate) const XZ_MAGIC: [u8; 6] = [0xfd, b'7', b'z', b'X', b'Z', 0];

/// Memory the LZMA decoders may use for their dictionary and state.
const LZMA_MEMLIMIT: u64 = 128 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Codec {
    Gzip,
    Xz,
    Lzma,
}

impl Codec {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Codec::Gzip => "gzip",
            Codec::Xz => "xz",
            Codec::Lzma => "lzma",
        }
    }

    pub(crate) fn sniff(data: &[u8]) -> Option<Codec> {
        if data.starts_with(&GZIP_MAGIC) {
            Some(Codec::Gzip)
        } else if data.starts_with(&XZ_MAGIC) {
            Some(Codec::Xz)
        } else {
            None
        }
    }
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
