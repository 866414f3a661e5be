//! Integration tests for iotcheck-docs: the real security.txt files under
//! `../shared/data/securitytxt` (never copied into the repo), hand-written
//! defect fixtures, properties, and the diagnostic-code contract.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Tests start their own servers on loopback and talk to them directly
// (clippy.toml keeps these calls to the probe's scope module elsewhere).
#![allow(clippy::disallowed_methods)]

mod codes;
mod defects;
mod fetch;
mod privacy;
mod props;
mod real_files;
mod signature;
mod text;
mod vendor_policies;
pub mod web_lab;

use std::path::{Path, PathBuf};

use iotcheck_docs::securitytxt::{Analysis, Limits, Severity, analyze};
use iotcheck_model::Date;

/// `../shared/data/securitytxt`, or a panic saying how to get it: these
/// tests must fail, not pass vacuously, when the data is missing.
pub fn data_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/securitytxt");
    assert!(
        dir.join("eikendev-sectxt").is_dir() && dir.join("real-world").is_dir(),
        "shared test data missing: expected {} (see shared/data/MANIFEST.md); \
         these tests read real security.txt files from there and cannot run without them",
        dir.display()
    );
    dir
}

pub fn read(rel: &str) -> Vec<u8> {
    let path = data_dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

pub fn date(s: &str) -> Date {
    s.parse().unwrap()
}

pub fn run(bytes: &[u8], today: &str) -> Analysis {
    analyze(bytes, date(today), None, &Limits::default()).unwrap()
}

/// `(code, line)` of every diagnostic, in order.
pub fn found(a: &Analysis) -> Vec<(&'static str, Option<usize>)> {
    a.diagnostics.iter().map(|d| (d.code, d.line)).collect()
}

/// `(code, line)` of the errors and warnings.
pub fn problems(a: &Analysis) -> Vec<(&'static str, Option<usize>)> {
    a.diagnostics
        .iter()
        .filter(|d| d.severity <= Severity::Warning)
        .map(|d| (d.code, d.line))
        .collect()
}

// ── A signed-document builder: the armor is encoded here, independently
// of the decoder under test. ───────────────────────────────────────────

pub fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn crc24(data: &[u8]) -> u32 {
    let mut crc = 0xB704CEu32;
    for &b in data {
        crc ^= u32::from(b) << 16;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x100_0000 != 0 {
                crc ^= 0x186_4CFB;
            }
        }
    }
    crc & 0xFF_FFFF
}

/// A v4 EdDSA/SHA512 signature packet with a creation time and an issuer
/// key id (the signature values are filler: nothing verifies them).
pub fn signature_packet() -> Vec<u8> {
    let mut body = vec![
        4, 0x01, 22, 10, 0, 6, 5, 2, 0x65, 0x00, 0x00, 0x00, 0, 10, 9, 16,
    ];
    body.extend([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]);
    body.extend([0xaa, 0xbb, 0, 8, 0x55, 0, 8, 0x66]);
    let mut p = vec![0xc2, body.len() as u8];
    p.extend(body);
    p
}

pub fn armor(packet: &[u8]) -> String {
    let b64 = base64(packet);
    let mut s = String::from("-----BEGIN PGP SIGNATURE-----\n\n");
    for line in b64.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(line).unwrap());
        s.push('\n');
    }
    let crc = crc24(packet).to_be_bytes();
    s.push_str(&format!(
        "={}\n-----END PGP SIGNATURE-----\n",
        base64(&crc[1..])
    ));
    s
}

pub fn signed(body: &str) -> String {
    format!(
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n{body}{}",
        armor(&signature_packet())
    )
}
