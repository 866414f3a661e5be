//! U-Boot legacy image header (`include/image.h`, `struct legacy_img_hdr`):
//! 64 bytes, big-endian, magic `0x27051956`, then the payload.

/// `IH_MAGIC`.
pub(crate) const MAGIC: [u8; 4] = [0x27, 0x05, 0x19, 0x56];
pub(crate) const HEADER_LEN: usize = 64;

/// The `ih_comp` byte: an open enum, so values U-Boot does not list are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Compression(pub u8);

impl Compression {
    pub(crate) const NONE: Compression = Compression(0);
    pub(crate) const GZIP: Compression = Compression(1);
    pub(crate) const BZIP2: Compression = Compression(2);
    pub(crate) const LZMA: Compression = Compression(3);
    pub(crate) const LZO: Compression = Compression(4);
    pub(crate) const LZ4: Compression = Compression(5);
    pub(crate) const ZSTD: Compression = Compression(6);

    pub(crate) fn name(self) -> String {
        match self {
            Self::NONE => "none".into(),
            Self::GZIP => "gzip".into(),
            Self::BZIP2 => "bzip2".into(),
            Self::LZMA => "lzma".into(),
            Self::LZO => "lzo".into(),
            Self::LZ4 => "lz4".into(),
            Self::ZSTD => "zstd".into(),
            Compression(other) => format!("unknown ({other})"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) data_size: u32,
    pub(crate) image_type: u8,
    pub(crate) compression: Compression,
    pub(crate) name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UImageError {
    TruncatedHeader { len: usize },
    BadMagic,
}

impl std::fmt::Display for UImageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UImageError::TruncatedHeader { len } => {
                write!(f, "uImage header needs {HEADER_LEN} bytes, only {len} left")
            }
            UImageError::BadMagic => f.write_str("not a uImage (bad magic)"),
        }
    }
}

fn be32(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u32::from_be_bytes(w)
}

/// Parses the header at the start of `data`. The data size is returned as
/// declared: the caller checks it against what is left.
pub(crate) fn parse(data: &[u8]) -> Result<Header, UImageError> {
    let Some(h) = data.get(..HEADER_LEN) else {
        return Err(UImageError::TruncatedHeader { len: data.len() });
    };
    if h[..4] != MAGIC {
        return Err(UImageError::BadMagic);
    }
    let name_bytes = &h[32..64];
    let end = memchr::memchr(0, name_bytes).unwrap_or(name_bytes.len());
    Ok(Header {
        data_size: be32(h, 12),
        image_type: h[30],
        compression: Compression(h[31]),
        name: String::from_utf8_lossy(&name_bytes[..end]).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn short_and_foreign_headers_are_errors() {
        assert_eq!(parse(&MAGIC), Err(UImageError::TruncatedHeader { len: 4 }));
        assert_eq!(parse(&[0u8; 64]), Err(UImageError::BadMagic));
        let mut h = [0u8; 64];
        h[..4].copy_from_slice(&MAGIC);
        h[12..16].copy_from_slice(&0x1234u32.to_be_bytes());
        h[31] = 9;
        h[32..36].copy_from_slice(b"cam\0");
        let p = parse(&h).unwrap();
        assert_eq!(p.data_size, 0x1234);
        assert_eq!(p.compression.name(), "unknown (9)");
        assert_eq!(p.name, "cam");
    }
}
