//! Payloads no dissector recognised, judged on their raw bytes: Shannon
//! entropy (normalised to what the sample size allows) and the share of
//! printable bytes, after the method of the Mon(IoT)r study (Ren et al.,
//! IMC 2019): high entropy reads as encrypted, mostly printable text as
//! cleartext, the rest stays unknown.

use super::{Class, Finding, Identified, View, printable};

/// Shannon entropy of the byte distribution, in bits per byte.
pub(crate) fn shannon_bits(data: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &b in data {
        counts[b as usize] += 1;
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

/// Entropy of the byte distribution divided by the most the sample could
/// have (log2 of min(n, 256)), in 0..=1.
pub(crate) fn normalised_entropy(data: &[u8]) -> f64 {
    if data.len() < 2 {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in data {
        counts[b as usize] += 1;
    }
    let n = data.len() as f64;
    let h: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum();
    let max = (data.len().min(256) as f64).log2();
    if max > 0.0 { h / max } else { 0.0 }
}

pub(crate) fn printable_ratio(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let p = data
        .iter()
        .filter(|&&b| (0x20..=0x7e).contains(&b) || matches!(b, b'\r' | b'\n' | b'\t'))
        .count();
    p as f64 / data.len() as f64
}

/// Thresholds: at least this many bytes before judging at all.
const MIN_BYTES: usize = 32;
const ENCRYPTED_ENTROPY: f64 = 0.9;
const TEXT_PRINTABLE: f64 = 0.9;

pub(crate) fn judge(v: &View<'_>) -> Identified {
    let transport = v.flow.transport.as_str();
    let (bytes, frame): (&[u8], u64) = if v.c2s.len() >= v.s2c.len() {
        (v.c2s, v.c2s_frame(0))
    } else {
        (v.s2c, v.s2c_frame(0))
    };
    let sample = &bytes[..bytes.len().min(4096)];
    if sample.len() < MIN_BYTES {
        let mut id = Identified::new(transport, Class::Unknown);
        id.detail = Some(format!(
            "{} payload bytes: too few to judge",
            v.c2s.len() + v.s2c.len()
        ));
        return id;
    }
    let entropy = normalised_entropy(sample);
    let text = printable_ratio(sample);
    let (class, what) = if text >= TEXT_PRINTABLE {
        (Class::Cleartext, "printable text")
    } else if entropy >= ENCRYPTED_ENTROPY {
        (Class::Encrypted, "high-entropy bytes")
    } else {
        (Class::Unknown, "binary, not high entropy")
    };
    let mut id = Identified::new(transport, class);
    id.detail = Some(format!(
        "unidentified payload: {what} (entropy {entropy:.2}, printable {text:.2})"
    ));
    if class == Class::Cleartext {
        id.excerpt = Some(Finding {
            frame,
            what: "unidentified text".into(),
            excerpt: printable(sample, 120),
        });
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_bounds() {
        assert_eq!(normalised_entropy(&[7; 100]), 0.0);
        let all: Vec<u8> = (0..=255).collect();
        assert!((normalised_entropy(&all) - 1.0).abs() < 1e-9);
        assert!(normalised_entropy(b"GET / HTTP/1.1\r\nHost: example\r\n\r\n") < 0.9);
    }
}
