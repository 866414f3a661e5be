//! The server certificate: validity period, key size, signature algorithm,
//! self-signature, names; and a fingerprint to find one certificate shared
//! by several units (a key every unit ships with is no secret).
//!
//! Parsing is `x509-parser`'s; the rules are the CA/Browser Forum Baseline
//! Requirements §6.1.5 (RSA ≥ 2048 bits, EC ≥ P-256 in practice; P-224 is
//! the floor here) and §7.1.3.2 (no MD5 or SHA-1 signatures).

use std::net::IpAddr;

use sha2::{Digest, Sha256};
use x509_parser::prelude::*;
use x509_parser::public_key::PublicKey;

use crate::TlsOptions;

/// What the checks need to know about one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub self_signed: bool,
    pub not_before: i64,
    pub not_after: i64,
    /// `RSA 1024`, `EC 256`, …
    pub key: String,
    /// Hex SHA-256 of the DER.
    pub sha256: String,
    /// Why the certificate is invalid (empty when it is sound).
    pub problems: Vec<String>,
    /// Things worth knowing that do not fail the check (self-signed, name).
    pub remarks: Vec<String>,
}

const WEAK_SIGNATURES: &[(&str, &str)] = &[
    ("1.2.840.113549.1.1.2", "MD2"),
    ("1.2.840.113549.1.1.3", "MD4"),
    ("1.2.840.113549.1.1.4", "MD5"),
    ("1.2.840.113549.1.1.5", "SHA-1"),
    ("1.2.840.10045.4.1", "SHA-1"),
    ("1.2.840.10040.4.3", "SHA-1"),
];

/// Reads a DER certificate as presented by `host` and judges it at `now`
/// (Unix seconds).
pub fn analyze(der: &[u8], host: &str, now: i64, opts: &TlsOptions) -> Result<CertInfo, String> {
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| format!("unreadable certificate: {e}"))?;
    let mut problems = Vec::new();
    let mut remarks = Vec::new();
    let not_before = cert.validity().not_before.timestamp();
    let not_after = cert.validity().not_after.timestamp();
    if now > not_after {
        problems.push(format!(
            "expired on {}",
            cert.validity()
                .not_after
                .to_rfc2822()
                .unwrap_or_else(|_| not_after.to_string())
        ));
    }
    if now < not_before {
        problems.push(format!(
            "not valid before {}",
            cert.validity()
                .not_before
                .to_rfc2822()
                .unwrap_or_else(|_| not_before.to_string())
        ));
    }
    let key = match cert.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) => {
            let bits = rsa.key_size();
            if bits < opts.min_rsa_bits as usize {
                problems.push(format!(
                    "RSA key of {bits} bits (minimum {})",
                    opts.min_rsa_bits
                ));
            }
            format!("RSA {bits}")
        }
        Ok(PublicKey::EC(ec)) => {
            let bits = ec.key_size();
            if bits < opts.min_ec_bits as usize {
                problems.push(format!(
                    "EC key of {bits} bits (minimum {})",
                    opts.min_ec_bits
                ));
            }
            format!("EC {bits}")
        }
        Ok(PublicKey::DSA(_)) => {
            problems.push("DSA key (deprecated, FIPS 186-5)".into());
            "DSA".into()
        }
        Ok(_) => "other".into(),
        Err(_) => "unreadable".into(),
    };
    let sig_oid = cert.signature_algorithm.algorithm.to_id_string();
    if let Some((_, name)) = WEAK_SIGNATURES.iter().find(|(oid, _)| *oid == sig_oid) {
        problems.push(format!("signed with {name}"));
    }
    let subject = cert.subject().to_string();
    let issuer = cert.issuer().to_string();
    let self_signed = cert.subject().as_raw() == cert.issuer().as_raw();
    if self_signed {
        remarks.push("self-signed".into());
    }
    if !matches_host(&cert, host) {
        remarks.push(format!("does not name {host}"));
    }
    Ok(CertInfo {
        subject,
        issuer,
        self_signed,
        not_before,
        not_after,
        key,
        sha256: hex(&Sha256::digest(der)),
        problems,
        remarks,
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// RFC 6125 §6.4: DNS names (one leading wildcard label) and IP addresses
/// in subjectAltName; the subject CN only when there is no SAN.
fn matches_host(cert: &X509Certificate<'_>, host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ip: Option<IpAddr> = host.parse().ok();
    let dns_ok = |name: &str| {
        let name = name.to_ascii_lowercase();
        let host = host.to_ascii_lowercase();
        if let Some(rest) = name.strip_prefix("*.") {
            host.split_once('.').is_some_and(|(_, h)| h == rest)
        } else {
            name == host
        }
    };
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        return san.value.general_names.iter().any(|g| match g {
            GeneralName::DNSName(n) => ip.is_none() && dns_ok(n),
            GeneralName::IPAddress(b) => match (ip, b.len()) {
                (Some(IpAddr::V4(v4)), 4) => v4.octets() == **b,
                (Some(IpAddr::V6(v6)), 16) => v6.octets() == **b,
                _ => false,
            },
            _ => false,
        });
    }
    ip.is_none()
        && cert
            .subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok())
            .any(dns_ok)
}
