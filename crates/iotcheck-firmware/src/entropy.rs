//! The image's map: which byte ranges a known container covers, and what
//! the rest looks like by Shannon entropy, so that an encrypted or
//! unknown-compressed image reads "cannot be inspected" instead of
//! "nothing found".
//!
//! In the uncovered bytes, runs of one repeated byte (at least 256 long)
//! are padding (erased flash `0xff`, zero fill), found to the byte; the
//! rest is cut into 4 KiB blocks aligned in the image and each block is
//! classed by its entropy in bits per byte: at least [`HIGH_ENTROPY`] is
//! encrypted or compressed data iotcheck cannot read, anything else plain
//! data (code, tables, text). Neighbouring pieces of one class merge into
//! one [`Region`].
//!
//! The threshold: compressed and encrypted data both estimate above 7.9
//! bits per byte on 4 KiB blocks (the estimate of uniform bytes on 4096
//! samples is about 7.95); machine code, tables and text sit below 7. The
//! threshold lies between, at 7.5 (binwalk's entropy plot reads the same
//! curve, with its rising edge at 0.95 of 8 bits).

use crate::image::{Image, Region, RegionKind};

/// Bits per byte from which a block counts as encrypted or compressed.
pub const HIGH_ENTROPY: f64 = 7.5;
/// Bytes per entropy block.
pub const BLOCK: usize = 4096;
/// An unknown high-entropy region at least this large (or covering a tenth
/// of the image) becomes a note: the checks did not see inside it.
const NOTE_THRESHOLD: u64 = 64 * 1024;

/// Shannon entropy of `data` in bits per byte (0 for no data).
pub fn shannon(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in data {
        counts[usize::from(b)] += 1;
    }
    let n = data.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// A run of one repeated byte at least this long is padding.
const MIN_PADDING: usize = 256;

fn class(block: &[u8]) -> (RegionKind, f64) {
    let e = shannon(block);
    // A short block cannot reach 7.5 bits even when random: its estimate
    // tops out at log2(len). Scale the threshold to what the block can show.
    let threshold = HIGH_ENTROPY.min(0.9 * (block.len() as f64).log2());
    let kind = if e >= threshold {
        RegionKind::HighEntropy
    } else {
        RegionKind::Data
    };
    (kind, e)
}

/// Cuts `data[from..to]` into padding runs and the pieces between them.
fn padding_runs(data: &[u8], from: usize, to: usize) -> Vec<(usize, usize, bool)> {
    let mut out = Vec::new();
    let mut piece = from;
    let mut i = from;
    while i < to {
        let b = data[i];
        let run_end = data[i..to]
            .iter()
            .position(|&c| c != b)
            .map_or(to, |n| i + n);
        if run_end - i >= MIN_PADDING {
            if piece < i {
                out.push((piece, i, false));
            }
            out.push((i, run_end, true));
            piece = run_end;
        }
        i = run_end;
    }
    if piece < to {
        out.push((piece, to, false));
    }
    out
}

fn push(out: &mut Vec<Region>, start: u64, len: u64, kind: RegionKind, e: f64) {
    match out.last_mut() {
        Some(last) if last.kind == kind && last.start + last.len == start => {
            // Length-weighted mean.
            let total = last.len + len;
            last.entropy = (last.entropy * last.len as f64 + e * len as f64) / total as f64;
            last.len = total;
        }
        _ => out.push(Region {
            start,
            len,
            kind,
            entropy: e,
        }),
    }
}

/// Classes `data[from..to]`: padding runs exactly, the rest in blocks
/// aligned to [`BLOCK`] in the image (so a boundary between ciphertext and
/// code on a block boundary stays sharp).
fn unknown(out: &mut Vec<Region>, data: &[u8], from: usize, to: usize) {
    for (a, b, pad) in padding_runs(data, from, to) {
        if pad {
            push(out, a as u64, (b - a) as u64, RegionKind::Padding, 0.0);
            continue;
        }
        let mut at = a;
        while at < b {
            let end = ((at / BLOCK + 1) * BLOCK).min(b);
            let (kind, e) = class(&data[at..end]);
            push(out, at as u64, (end - at) as u64, kind, e);
            at = end;
        }
    }
}

/// The map of `len` bytes of `data` given the containers found at the top
/// level (`(start, covered, name)`, covered 0 meaning "to the next
/// container or the end": a compression stream does not say where it ends).
pub(crate) fn map(data: &[u8], containers: &[(u64, u64, String)]) -> Vec<Region> {
    let len = data.len() as u64;
    let mut spans: Vec<(u64, u64, String)> = containers.to_vec();
    spans.sort_by_key(|s| s.0);
    // Resolve open-ended spans and overlaps into [start, end).
    let mut covered: Vec<(u64, u64, String)> = Vec::new();
    for (i, (start, n, name)) in spans.iter().enumerate() {
        let next = spans.get(i + 1).map_or(len, |s| s.0);
        let end = if *n == 0 {
            next
        } else {
            start.saturating_add(*n).min(len)
        };
        let start = covered.last().map_or(*start, |c| c.1.max(*start));
        if end > start {
            covered.push((start, end, name.clone()));
        }
    }
    let mut out: Vec<Region> = Vec::new();
    let mut pos = 0u64;
    for (start, end, name) in covered {
        if start > pos {
            unknown(&mut out, data, pos as usize, start as usize);
        }
        // A container's bytes are read, not estimated: no entropy pass.
        out.push(Region {
            start,
            len: end - start,
            kind: RegionKind::Container(name),
            entropy: 0.0,
        });
        pos = end;
    }
    if pos < len {
        unknown(&mut out, data, pos as usize, len as usize);
    }
    out
}

/// The share of the image's bytes in unknown high-entropy regions.
pub(crate) fn high_entropy_share(regions: &[Region]) -> f64 {
    let total: u64 = regions.iter().map(|r| r.len).sum();
    if total == 0 {
        return 0.0;
    }
    let high: u64 = regions
        .iter()
        .filter(|r| r.kind == RegionKind::HighEntropy)
        .map(|r| r.len)
        .sum();
    high as f64 / total as f64
}

/// Notes for the unknown high-entropy regions large enough to matter.
pub(crate) fn notes(image: &Image) -> Vec<String> {
    let total: u64 = image.regions.iter().map(|r| r.len).sum();
    image
        .regions
        .iter()
        .filter(|r| {
            r.kind == RegionKind::HighEntropy
                && (r.len >= NOTE_THRESHOLD || r.len.saturating_mul(10) >= total)
        })
        .map(|r| {
            format!(
                "bytes {:#x}..{:#x} ({} KiB, {:.2} bits/byte) are high-entropy data in no \
                 known format: encrypted, or compressed in a way iotcheck cannot read; \
                 not inspected",
                r.start,
                r.start + r.len,
                r.len.div_ceil(1024),
                r.entropy
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn entropy_of_known_distributions() {
        assert_eq!(shannon(&[]), 0.0);
        assert_eq!(shannon(&[7; 100]), 0.0);
        let all: Vec<u8> = (0..=255).collect();
        assert!((shannon(&all) - 8.0).abs() < 1e-9);
        assert!((shannon(b"abababab") - 1.0).abs() < 1e-9);
    }

    #[test]
    fn regions_merge_and_cover_the_image() {
        // 8 KiB of 0xff, 8 KiB of a container, 8 KiB of "random" bytes
        // (xorshift), 4 KiB of text.
        let mut data = vec![0xffu8; 8192];
        data.extend(vec![1u8; 8192]);
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..8192 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            data.push(x as u8);
        }
        data.extend(b"the quick brown fox ".repeat(205).into_iter().take(4096));
        let regions = map(&data, &[(8192, 8192, "squashfs".into())]);
        let kinds: Vec<(u64, u64, RegionKind)> = regions
            .iter()
            .map(|r| (r.start, r.len, r.kind.clone()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (0, 8192, RegionKind::Padding),
                (8192, 8192, RegionKind::Container("squashfs".into())),
                (16384, 8192, RegionKind::HighEntropy),
                (24576, 4096, RegionKind::Data),
            ]
        );
        assert!((high_entropy_share(&regions) - 8192.0 / 28672.0).abs() < 1e-9);
    }

    #[test]
    fn an_open_ended_stream_runs_to_the_next_container() {
        let data = vec![0u8; 10_000];
        let regions = map(
            &data,
            &[(100, 0, "gzip".into()), (5000, 100, "squashfs".into())],
        );
        assert_eq!(regions[1].start, 100);
        assert_eq!(regions[1].len, 4900);
        assert_eq!(regions[2].start, 5000);
        assert_eq!(regions.iter().map(|r| r.len).sum::<u64>(), 10_000);
    }

    proptest::proptest! {
        #[test]
        fn regions_tile_the_image(
            data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..20_000),
            spans in proptest::collection::vec((0u64..25_000, 0u64..5_000), 0..6),
        ) {
            let containers: Vec<(u64, u64, String)> = spans
                .into_iter()
                .filter(|(s, _)| *s < data.len() as u64)
                .map(|(s, n)| (s, n, "x".to_string()))
                .collect();
            let regions = map(&data, &containers);
            let mut pos = 0;
            for r in &regions {
                proptest::prop_assert_eq!(r.start, pos);
                proptest::prop_assert!(r.len > 0);
                proptest::prop_assert!((0.0..=8.0).contains(&r.entropy));
                pos += r.len;
            }
            proptest::prop_assert_eq!(pos, data.len() as u64);
        }
    }
}
