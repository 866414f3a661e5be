//! Arcadyan's obfuscated LZMA images (routers built on Arcadyan's SDK and
//! sold under other brands): an LZMA-alone stream whose header is hidden by
//! swapping two 32-byte blocks and scrambling one of them. No crate reads
//! it, so the few lines here are our own, following the layout binwalk 3
//! documents in its Arcadyan extractor:
//!
//! ```text
//! 0x00  4 bytes   kept as they are
//! 0x04  32 bytes  block A  } swapped: block B comes first, then every
//! 0x24  68 bytes  kept     } byte of it nibble-swapped and every pair of
//! 0x68  32 bytes  block B  } bytes exchanged; it starts 00 d5 08 00,
//! 0x88  ...       the rest of the stream, as it is
//! ```
//!
//! After that the LZMA-alone stream starts 4 bytes in (`5d 00 00 80 00`…).
//! The dry run proves the structure: the magic of block B, an LZMA-alone
//! header after de-obfuscation, and the first 4 KiB of the stream decoding.

use crate::formats::compress::{self, Codec, DecompressError, looks_like_lzma_alone};
use crate::unpack::{Unpacker, stream};

/// Block B's first bytes, 0x68 bytes into the image.
pub(crate) const MAGIC: [u8; 4] = [0x00, 0xd5, 0x08, 0x00];
pub(crate) const MAGIC_OFFSET: usize = 0x68;
const BLOCK: usize = 32;
const A: usize = 4;
const B: usize = MAGIC_OFFSET;
/// Where the LZMA-alone stream starts once de-obfuscated.
const LZMA_AT: usize = 4;
/// LZMA-alone header: properties, dictionary size, uncompressed size.
const LZMA_HEADER: usize = 13;

/// The image with its header restored; `None` when `data` is too short to
/// hold both blocks and an LZMA header.
fn deobfuscate(data: &[u8]) -> Option<Vec<u8>> {
    if data.len() < B + BLOCK + LZMA_HEADER {
        return None;
    }
    let mut out = data.to_vec();
    out[A..A + BLOCK].copy_from_slice(&data[B..B + BLOCK]);
    out[B..B + BLOCK].copy_from_slice(&data[A..A + BLOCK]);
    for pair in out[A..A + BLOCK].chunks_exact_mut(2) {
        let (x, y) = (pair[0].rotate_left(4), pair[1].rotate_left(4));
        pair[0] = y;
        pair[1] = x;
    }
    Some(out)
}

/// The dry run: magic, a restored LZMA-alone header, and a stream whose
/// first 4 KiB decode.
pub(crate) fn validate(data: &[u8]) -> Result<(), String> {
    if data.get(B..B + MAGIC.len()) != Some(&MAGIC[..]) {
        return Err("no Arcadyan block magic at 0x68".into());
    }
    // Enough of the stream to decode 4 KiB of output from.
    let head = data.get(..data.len().min(64 << 10)).unwrap_or(data);
    let restored = deobfuscate(head).ok_or_else(|| format!("{} bytes: too short", data.len()))?;
    let lzma = &restored[LZMA_AT..];
    if !looks_like_lzma_alone(lzma) {
        return Err("de-obfuscated header is not an LZMA-alone header".into());
    }
    match compress::decompress(Codec::Lzma, lzma, 4096) {
        Ok(_) | Err(DecompressError::OverLimit { .. }) => Ok(()),
        Err(DecompressError::Corrupt(why)) => {
            Err(format!("de-obfuscated LZMA stream does not decode: {why}"))
        }
    }
}

/// Restores the header and unpacks the LZMA stream under `layer`.
pub(crate) fn read(u: &mut Unpacker<'_>, data: &[u8], layer: &[String], depth: usize) -> u64 {
    if let Err(why) = validate(data) {
        u.note(layer, why);
        return 0;
    }
    let Some(restored) = deobfuscate(data) else {
        return 0;
    };
    stream(
        u,
        Codec::Lzma,
        &restored[LZMA_AT..],
        LZMA_AT,
        layer,
        depth + 1,
    );
    data.len() as u64
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Obfuscating is the same swap run backwards: build an image from a
    /// real LZMA-alone stream and check the restore gives it back.
    fn obfuscate(plain: &[u8]) -> Vec<u8> {
        let mut out = plain.to_vec();
        let mut a = plain[A..A + BLOCK].to_vec();
        for pair in a.chunks_exact_mut(2) {
            let (x, y) = (pair[0], pair[1]);
            pair[0] = y.rotate_left(4);
            pair[1] = x.rotate_left(4);
        }
        out[B..B + BLOCK].copy_from_slice(&a);
        out[A..A + BLOCK].copy_from_slice(&plain[B..B + BLOCK]);
        out
    }

    fn lzma_alone(payload: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let opts = liblzma::stream::LzmaOptions::new_preset(6).unwrap();
        let enc = liblzma::stream::Stream::new_lzma_encoder(&opts).unwrap();
        let mut w = liblzma::write::XzEncoder::new_stream(Vec::new(), enc);
        w.write_all(payload).unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn restores_an_obfuscated_stream() {
        let payload: Vec<u8> = (0..20_000u32)
            .flat_map(|i| (i % 977).to_le_bytes())
            .collect();
        let mut plain = b"\x30\x05\x11\x20".to_vec();
        plain.extend(lzma_alone(&payload));
        let image = obfuscate(&plain);
        assert_eq!(image[B..B + 4], MAGIC);
        assert_eq!(deobfuscate(&image).unwrap(), plain);
        validate(&image).unwrap();
        let mut broken = image.clone();
        broken[B + 1] ^= 0x40;
        assert!(validate(&broken).is_err());
        assert!(validate(&image[..B + 8]).is_err());
    }
}
