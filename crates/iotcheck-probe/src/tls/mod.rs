//! TLS configuration of one service: which protocol versions it accepts
//! (SSL 3.0 to TLS 1.3), which weak suites, and its certificate.
//!
//! Versions and suites are tested with hand-built ClientHellos ([`hello`]),
//! one short connection each, never finishing a handshake. The certificate
//! comes from the TLS ≤ 1.2 first flight (sent in clear); for a TLS 1.3-only
//! service rustls completes a handshake with a verifier that accepts
//! anything, only to read the chain. [`client`] is also how the credential
//! audits speak HTTPS and MQTTS.

pub mod cert;
pub mod hello;

use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use iotcheck_model::TranscriptLine;
use tls_parser::{TlsCipherAu, TlsCipherEnc, TlsCipherKx, TlsCipherSuite};

use crate::scope::{Conn, IoExt, Net, NetError, Target};
use crate::transcript::Transcript;
use crate::{ProbeOptions, Service};
use hello::{Answer, FlightReader, HelloSpec, SSL3, TLS10, TLS11, TLS12, TLS13, version_name};

/// What the TLS checks found on one service.
#[derive(Debug, Clone)]
pub struct TlsResult {
    pub service: Service,
    /// Versions that completed a ServerHello.
    pub accepted: Vec<u16>,
    /// Weak suites accepted, with the version they were offered under.
    pub weak_suites: Vec<(u16, u16)>,
    pub cert: Option<cert::CertInfo>,
    /// Why something could not be tested.
    pub errors: Vec<String>,
    /// The hellos and answers, as evidence.
    pub transcript: Vec<TranscriptLine>,
}

/// Why a suite is weak, per the `probe.weak-cipher-suite` check: no
/// encryption, no authentication, export grade, or a broken cipher
/// (RC4: RFC 7465; DES/3DES/IDEA/RC2: 64-bit blocks, Sweet32).
pub fn weakness(id: u16) -> Option<&'static str> {
    let s = TlsCipherSuite::from_id(id)?;
    if s.enc == TlsCipherEnc::Null {
        return Some("no encryption (NULL)");
    }
    if s.au == TlsCipherAu::Null && !matches!(s.kx, TlsCipherKx::Tls13 | TlsCipherKx::Psk) {
        return Some("anonymous key exchange (no authentication)");
    }
    if s.name.contains("EXPORT") {
        return Some("export-grade");
    }
    match s.enc {
        TlsCipherEnc::Rc4 => Some("RC4"),
        TlsCipherEnc::Des => Some("DES"),
        TlsCipherEnc::TripleDes => Some("3DES (64-bit block)"),
        TlsCipherEnc::Rc2 => Some("RC2"),
        TlsCipherEnc::Idea => Some("IDEA (64-bit block)"),
        _ if s.enc_size < 112 => Some("key shorter than 112 bits"),
        _ => None,
    }
}

/// The IANA name of a suite, or its number.
pub fn suite_name(id: u16) -> String {
    TlsCipherSuite::from_id(id).map_or_else(|| format!("{id:#06x}"), |s| s.name.to_string())
}

/// Every TLS ≤ 1.2 suite `tls-parser` knows, strongest listed first.
fn all_suites() -> Vec<u16> {
    let mut v: Vec<u16> = tls_parser::CIPHERS
        .values()
        .filter(|s| s.kx != TlsCipherKx::Tls13 && s.id.0 != 0x00ff && s.id.0 != 0x5600)
        .map(|s| s.id.0)
        .collect();
    v.sort_by_key(|&id| (weakness(id).is_some(), std::cmp::Reverse(id)));
    v
}

fn weak_suites() -> Vec<u16> {
    let mut v: Vec<u16> = all_suites()
        .into_iter()
        .filter(|&id| weakness(id).is_some())
        .collect();
    v.sort_unstable();
    v
}

fn server_name(host: &str) -> Option<String> {
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        None
    } else {
        Some(host.to_string())
    }
}

fn target(s: &Service) -> Target {
    Target {
        name: s.host.clone(),
        addr: s.addr,
    }
}

/// Sends one ClientHello and reads the answer.
async fn ask(net: &Net, s: &Service, spec: &HelloSpec) -> Result<Answer, NetError> {
    let mut conn = net.connect(&target(s), s.port).await?;
    let mut random = [0u8; 32];
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    for (i, b) in random.iter_mut().enumerate() {
        *b = (nanos >> ((i % 16) * 8)) as u8 ^ (i as u8).wrapping_mul(37);
    }
    conn.send_within(&hello::client_hello(spec, random), net.io())
        .await?;
    let mut reader = FlightReader::default();
    let mut buf = Vec::new();
    let end = std::time::Instant::now() + net.io();
    loop {
        buf.clear();
        let left = end.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Ok(reader.end());
        }
        match conn.read_some(&mut buf, 16 * 1024, left).await {
            Ok(_) => {
                if let Some(a) = reader.feed(&buf) {
                    return Ok(a);
                }
            }
            Err(_) => return Ok(reader.end()),
        }
    }
}

/// Runs every TLS test against one service.
pub async fn check(net: &Net, opts: &ProbeOptions, s: &Service) -> TlsResult {
    let mut t = Transcript::new(false);
    let mut r = TlsResult {
        service: s.clone(),
        accepted: Vec::new(),
        weak_suites: Vec::new(),
        cert: None,
        errors: Vec::new(),
        transcript: Vec::new(),
    };
    let name = server_name(&s.host);
    let all = all_suites();
    let mut first_flight_certs: Option<Vec<Vec<u8>>> = None;
    for v in [SSL3, TLS10, TLS11, TLS12, TLS13] {
        if net.spent() {
            r.errors
                .push("time budget spent before every version was tested".into());
            break;
        }
        let spec = HelloSpec {
            version: v,
            suites: if v == TLS13 {
                hello::TLS13_SUITES.to_vec()
            } else {
                all.clone()
            },
            server_name: name.clone(),
        };
        t.sent(&format!("ClientHello offering {} only", version_name(v)));
        match ask(net, s, &spec).await {
            Ok(Answer::Hello(h)) => {
                let got = if v == TLS13 && h.retry {
                    TLS13
                } else {
                    h.version
                };
                t.received_note(&format!(
                    "ServerHello {} {}",
                    version_name(got),
                    if v == TLS13 {
                        String::new()
                    } else {
                        suite_name(h.cipher)
                    }
                ));
                if got == v {
                    r.accepted.push(v);
                    if v <= TLS12 && !h.certificates.is_empty() {
                        first_flight_certs = Some(h.certificates);
                    }
                }
            }
            Ok(Answer::Alert { description, .. }) => {
                t.received_note(&format!("alert {description} (refused)"));
            }
            Ok(Answer::Nothing) => t.received_note("closed without answer (refused)"),
            Ok(Answer::NotTls) => t.received_note("answer is not TLS"),
            Err(e) => {
                t.received_note(&format!("{e}"));
                r.errors.push(format!("{}: {e}", version_name(v)));
            }
        }
    }
    // Weak suites, under each accepted version up to 1.2.
    for &v in r.accepted.clone().iter().filter(|&&v| v <= TLS12) {
        let mut offer = weak_suites();
        for _ in 0..24 {
            if offer.is_empty() || net.spent() {
                break;
            }
            let spec = HelloSpec {
                version: v,
                suites: offer.clone(),
                server_name: name.clone(),
            };
            match ask(net, s, &spec).await {
                Ok(Answer::Hello(h)) if h.version == v && offer.contains(&h.cipher) => {
                    t.sent(&format!(
                        "ClientHello {} offering only weak suites",
                        version_name(v)
                    ));
                    t.received_note(&format!("ServerHello chose {}", suite_name(h.cipher)));
                    r.weak_suites.push((v, h.cipher));
                    offer.retain(|&c| c != h.cipher);
                }
                _ => break,
            }
        }
    }
    // The certificate.
    let der = match first_flight_certs {
        Some(c) => c.into_iter().next(),
        None if r.accepted.contains(&TLS13) => match fetch_chain(net, s).await {
            Ok(c) => c.into_iter().next(),
            Err(e) => {
                r.errors.push(format!("certificate: {e}"));
                None
            }
        },
        None => None,
    };
    if let Some(der) = der {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        match cert::analyze(&der, &s.host, now, &opts.tls) {
            Ok(c) => r.cert = Some(c),
            Err(e) => r.errors.push(e),
        }
    }
    r.transcript = t.into_lines();
    r
}

// ── rustls, for HTTPS/MQTTS audits and TLS 1.3 certificates ───────────────

/// Accepts every certificate: we test the device's configuration, and a
/// self-signed device certificate must not stop the audit. Nothing this
/// client sends is trusted to the connection beyond the audit itself.
#[derive(Debug)]
struct AcceptAll(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAll {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }
    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn config() -> Option<Arc<rustls::ClientConfig>> {
    static CONFIG: OnceLock<Option<Arc<rustls::ClientConfig>>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let cfg = rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .ok()?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAll(provider)))
                .with_no_client_auth();
            Some(Arc::new(cfg))
        })
        .clone()
}

/// A TLS stream over a scoped connection.
pub type TlsStream = tokio_rustls::client::TlsStream<Conn>;

/// Opens a TLS 1.2/1.3 session to the service (certificate not verified).
pub async fn client(net: &Net, s: &Service) -> Result<TlsStream, NetError> {
    let cfg = config().ok_or_else(|| NetError::Io("TLS client unavailable".into()))?;
    let conn = net.connect(&target(s), s.port).await?;
    let name = match server_name(&s.host) {
        Some(n) => {
            rustls::pki_types::ServerName::try_from(n).map_err(|e| NetError::Io(e.to_string()))?
        }
        None => rustls::pki_types::ServerName::IpAddress(s.addr.into()),
    };
    let connector = tokio_rustls::TlsConnector::from(cfg);
    let t = net.io();
    match tokio::time::timeout(t, connector.connect(name, conn)).await {
        Err(_) => Err(NetError::Timeout { ms: t.as_millis() }),
        Ok(Err(e)) => Err(NetError::Io(format!("TLS handshake: {e}"))),
        Ok(Ok(s)) => Ok(s),
    }
}

async fn fetch_chain(net: &Net, s: &Service) -> Result<Vec<Vec<u8>>, NetError> {
    let tls = client(net, s).await?;
    let chain = tls
        .get_ref()
        .1
        .peer_certificates()
        .map(|c| c.iter().map(|d| d.as_ref().to_vec()).collect())
        .unwrap_or_default();
    Ok(chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_suites_are_the_catalog_ones() {
        assert_eq!(weakness(0x000a), Some("3DES (64-bit block)")); // RSA_WITH_3DES_EDE_CBC_SHA
        assert_eq!(weakness(0x0005), Some("RC4")); // RSA_WITH_RC4_128_SHA
        assert_eq!(weakness(0x0002), Some("no encryption (NULL)"));
        assert_eq!(
            weakness(0x0018),
            Some("anonymous key exchange (no authentication)")
        );
        assert_eq!(weakness(0x0003), Some("export-grade"));
        assert_eq!(weakness(0xc02f), None); // ECDHE_RSA_WITH_AES_128_GCM_SHA256
        assert_eq!(weakness(0x002f), None); // RSA_WITH_AES_128_CBC_SHA
        let all = all_suites();
        assert!(all.len() > 100);
        assert!(weakness(all[0]).is_none());
    }
}
