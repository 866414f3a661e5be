//! The server certificate: validity period, key size, signature algorithm,
//! self-signature, names; and a fingerprint to find one certificate shared
//! by several units (a key every unit ships with is no secret).
//!
//! Parsing is `x509-parser`'s; the rules are the CA/Browser Forum Baseline
//! Requirements §6.1.5 (RSA ≥ 2048 bits, EC ≥ P-256 in practice; P-224 is
//! the floor here) and §7.1.3.2 (no MD5 or SHA-1 signatures).
//!
//! Trust, as far as it can be decided without the device's clients' trust
//! store (the same wording as iotcheck-traffic's `comms.certificate-invalid`):
//! - self-signed fails: the certificate names no issuer other than itself
//!   (issuer equal to subject, and no authority key identifier pointing at
//!   another key). No client can tell such a certificate from an attacker's.
//! - a name mismatch fails: the host as the user named it must be in the
//!   certificate, per RFC 6125 §6.4: a DNS name against the SAN DNS entries
//!   (one wildcard, as the whole leftmost label, §6.4.3), or the subject CN
//!   only when there is no SAN DNS entry (§6.4.4); an IP address against SAN
//!   IP entries only (§6.4.4: never the CN).
//! - a certificate issued by a CA we do not know is *not* failed: whether
//!   the device's clients trust that CA cannot be decided from here. The
//!   issuer is shown so a reader can judge.

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
    /// Things worth knowing that do not fail the check (the issuer, which no
    /// trust store was consulted about).
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
    let self_signed = is_self_signed(&cert);
    if self_signed {
        problems.push("self-signed".into());
    } else {
        remarks.push(format!(
            "issued by {issuer} (not checked against a trust store)"
        ));
    }
    if !matches_host(&cert, host) {
        problems.push(format!("does not name {host}"));
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

/// Issuer equal to subject, and no authority key identifier naming a key
/// other than the certificate's own (RFC 5280 §4.2.1.1: a certificate
/// whose issuer reuses its subject's name but whose AKI differs from its
/// SKI was issued by another key).
fn is_self_signed(cert: &X509Certificate<'_>) -> bool {
    if cert.subject().as_raw() != cert.issuer().as_raw() {
        return false;
    }
    let mut aki = None;
    let mut ski = None;
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(a) => aki = a.key_identifier.as_ref(),
            ParsedExtension::SubjectKeyIdentifier(k) => ski = Some(k),
            _ => {}
        }
    }
    match (aki, ski) {
        (Some(a), Some(s)) => a.0 == s.0,
        _ => true,
    }
}

/// RFC 6125 §6.4.3: `pattern` (a SAN DNS entry or CN) matches `host`. A
/// wildcard is allowed only as the whole leftmost label, stands for exactly
/// one non-empty label, and needs at least two labels after it (`*.com`
/// matches nothing). Case and a trailing dot are ignored.
pub fn dns_name_matches(pattern: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || pattern.is_empty() {
        return false;
    }
    match pattern.strip_prefix("*.") {
        Some(rest) => {
            rest.contains('.')
                && !rest.contains('*')
                && host
                    .split_once('.')
                    .is_some_and(|(first, tail)| !first.is_empty() && tail == rest)
        }
        None => !pattern.contains('*') && host == pattern,
    }
}

/// Whether the certificate names `host` (a DNS name or an IP literal, IPv6
/// possibly in brackets), per RFC 6125 §6.4.
fn matches_host(cert: &X509Certificate<'_>, host: &str) -> bool {
    let host = crate::scope::unbracket(host);
    let ip: Option<IpAddr> = host.parse().ok();
    let mut san_dns = false;
    let mut found = false;
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for g in &san.value.general_names {
            match g {
                GeneralName::DNSName(n) => {
                    san_dns = true;
                    found |= ip.is_none() && dns_name_matches(n, host);
                }
                GeneralName::IPAddress(b) => {
                    found |= match (ip, b.len()) {
                        (Some(IpAddr::V4(v4)), 4) => v4.octets() == **b,
                        (Some(IpAddr::V6(v6)), 16) => v6.octets() == **b,
                        _ => false,
                    };
                }
                _ => {}
            }
        }
    }
    found
        || (ip.is_none()
            && !san_dns
            && cert
                .subject()
                .iter_common_name()
                .filter_map(|cn| cn.as_str().ok())
                .any(|cn| dns_name_matches(cn, host)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::dns_name_matches as m;

    #[test]
    fn wildcards_follow_rfc_6125() {
        assert!(m("cam.example.com", "CAM.example.com."));
        assert!(m("*.example.com", "cam.example.com"));
        assert!(!m("*.example.com", "example.com"));
        assert!(!m("*.example.com", "a.cam.example.com"));
        assert!(!m("*.com", "example.com"));
        assert!(!m("c*.example.com", "cam.example.com"));
        assert!(!m("*.*.example.com", "a.b.example.com"));
        assert!(!m("", ""));
    }
}
