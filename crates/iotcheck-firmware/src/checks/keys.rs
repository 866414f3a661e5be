//! `fw.private-key`: PEM private keys (RFC 7468 §10–11 `PRIVATE KEY`,
//! `ENCRYPTED PRIVATE KEY`, the legacy `RSA`/`EC`/`DSA PRIVATE KEY` labels)
//! and OpenSSH keys (`OPENSSH PRIVATE KEY`) in any file of the image: a key
//! shipped in firmware is the same on every unit (ETSI EN 303 645 5.4-2).
//! The excerpt is the BEGIN line only, never key material.

use iotcheck_model::CheckResult;

use super::{Finding, PRIVATE_KEY, result};
use crate::text::excerpt;

pub(crate) fn check(image: &str, files: &[(&[String], &[u8])]) -> CheckResult {
    let mut findings = Vec::new();
    for (path, bytes) in files {
        for at in memchr::memmem::find_iter(bytes, b"-----BEGIN ") {
            let rest = &bytes[at..];
            let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len()).min(100);
            let line = rest[..end].strip_suffix(b"\r").unwrap_or(&rest[..end]);
            let Some(label) = line
                .strip_prefix(b"-----BEGIN ")
                .and_then(|l| l.strip_suffix(b"-----"))
            else {
                continue;
            };
            if !label.ends_with(b"PRIVATE KEY") {
                continue;
            }
            let label = String::from_utf8_lossy(label);
            findings.push(Finding {
                path: path.to_vec(),
                offset: at,
                excerpt: excerpt(line, 100),
                what: format!("{label} in {}", path.last().map_or("", String::as_str)),
            });
        }
    }
    result(
        PRIVATE_KEY,
        image,
        findings,
        "private keys shipped in the image",
        "no PEM or OpenSSH private key in any file of the image",
    )
}
