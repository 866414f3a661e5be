//! SSH algorithm negotiation: which key exchange, host key, cipher and MAC
//! algorithms an SSH server offers, read from its `SSH_MSG_KEXINIT`, and
//! which of them are weak (`probe.ssh-weak-algorithms`).
//!
//! Own parser, on purpose: russh negotiates with the peer's lists but does
//! not hand them to the caller, and a handshake fails outright when the
//! server offers only what russh refuses, the very servers we must report.
//! So we read the version exchange (RFC 4253 §4.2) and the server's first
//! binary packet (§6), unencrypted, and parse the KEXINIT payload (§7.1):
//! byte 20, a 16-byte cookie, ten name-lists (RFC 4251 §5), a boolean and a
//! reserved word. We send our version line and nothing else: no key
//! exchange is started. Bounded: at most [`MAX_PRE_BANNER`] bytes before the
//! version line, one packet of at most [`MAX_PACKET`] bytes (the 35000 bytes
//! RFC 4253 §6.1 requires implementations to accept), at most
//! [`MAX_NAMES`] names per list.
//!
//! What is weak, and why (each a finding with the offered list as evidence):
//! - protocol 1 (`SSH-1.x`, including `1.99` which offers both): broken
//!   (CRC-32 integrity, CVE-2001-0361, CVE-2001-0144); RFC 4253 §5.
//! - key exchange: `diffie-hellman-group1-sha1` (the 1024-bit Oakley
//!   group 2, within Logjam's reach) and every SHA-1 exchange hash
//!   (`diffie-hellman-group14-sha1`, `diffie-hellman-group-exchange-sha1`,
//!   `rsa1024-sha1`, `gss-*-sha1-*`): RFC 9142 §4 lists group1 and gex-sha1
//!   as SHOULD NOT and rsa1024-sha1 as MUST NOT; group14-sha1 is MAY there
//!   only for transition, and the host key signs the SHA-1 exchange hash,
//!   which NIST SP 800-131A Rev. 2 disallows for signatures.
//! - ciphers: `none`, `des`, `3des-cbc` (64-bit block, Sweet32),
//!   `arcfour*` (RFC 8758: MUST NOT), `blowfish-cbc`, `cast128-cbc`,
//!   `idea-cbc`, and every CBC mode (Albrecht et al., "Plaintext Recovery
//!   Attacks Against SSH", 2009; RFC 4344 recommends CTR instead).
//! - MACs: `none`, `hmac-md5*` and every truncated `*-96`. `umac-64*`
//!   (a 64-bit tag, which ssh-audit warns about) is not a finding: no RFC
//!   or NIST text deprecates it and stock OpenSSH offers it, so flagging it
//!   would fail every default OpenSSH server.
//! - host keys: `ssh-dss` (1024-bit DSA, disallowed by FIPS 186-5; RFC 9142
//!   and OpenSSH 7.0 dropped it) and `ssh-rsa` (RSA with SHA-1 signatures,
//!   RFC 8332 §3, disabled by default since OpenSSH 8.8).
//!
//! - an RSA host key shorter than [`crate::TlsOptions::min_rsa_bits`]
//!   (2048; NIST SP 800-131A Rev. 2): when the server offers an RSA host key
//!   algorithm, one more connection runs a key exchange through russh
//!   asking for the RSA key only, reads the key russh hands to
//!   `check_server_key` and refuses it, so no login is ever attempted.
//!
//! What it does not do: decide which algorithm a client would end up
//! using: offering a weak algorithm is the finding, since a client that
//! still prefers it (old tools, downgrade) gets it.

use iotcheck_model::TranscriptLine;

use crate::Service;
use crate::parse::printable;
use crate::scope::{IoExt, Net, NetError, Target};
use crate::transcript::Transcript;

/// Most bytes the server may send before its version line.
pub const MAX_PRE_BANNER: usize = 8 * 1024;
/// Largest binary packet read (RFC 4253 §6.1).
pub const MAX_PACKET: usize = 35_000;
/// Most names kept per name-list.
pub const MAX_NAMES: usize = 128;
/// Longest name kept (RFC 4251 §6: names are at most 64 characters).
const MAX_NAME: usize = 64;

const SSH_MSG_KEXINIT: u8 = 20;

/// Our version line. A client name, no comments: some servers choose
/// compatibility modes by it.
const CLIENT_VERSION: &[u8] = b"SSH-2.0-iotcheck_probe\r\n";

/// The algorithm lists of a server's `SSH_MSG_KEXINIT` (RFC 4253 §7.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KexInit {
    pub kex: Vec<String>,
    pub host_key: Vec<String>,
    pub ciphers_c2s: Vec<String>,
    pub ciphers_s2c: Vec<String>,
    pub macs_c2s: Vec<String>,
    pub macs_s2c: Vec<String>,
    pub compression_c2s: Vec<String>,
    pub compression_s2c: Vec<String>,
}

/// Why a server's answer could not be read as SSH.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KexError {
    #[error("no SSH version line within {max} bytes")]
    NoVersionLine { max: usize },
    #[error("packet length {len} is outside 5..={max} (RFC 4253 §6.1)")]
    PacketLength { len: u64, max: usize },
    #[error("padding length {padding} leaves no payload in a {len}-byte packet")]
    Padding { padding: u8, len: usize },
    #[error("first packet is message {0}, not SSH_MSG_KEXINIT (20)")]
    NotKexInit(u8),
    #[error("KEXINIT ends at byte {at} inside its {what}")]
    Truncated { what: &'static str, at: usize },
}

/// The algorithm families a weak algorithm belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    Protocol,
    Kex,
    HostKey,
    Cipher,
    Mac,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Protocol => "protocol",
            Family::Kex => "key exchange",
            Family::HostKey => "host key",
            Family::Cipher => "cipher",
            Family::Mac => "MAC",
        }
    }
}

/// One weak algorithm a server offers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Weak {
    pub family: Family,
    pub name: String,
    pub why: &'static str,
}

/// Splits a server's first bytes at the end of its version line (RFC 4253
/// §4.2: lines before it that do not start with `SSH-` are allowed).
/// Returns the version line (without CR LF) and the offset after it, or
/// `None` when more bytes are needed.
pub fn version_line(buf: &[u8]) -> Result<Option<(String, usize)>, KexError> {
    let mut start = 0;
    while let Some(nl) = buf
        .get(start..)
        .and_then(|b| b.iter().position(|&c| c == b'\n'))
    {
        let end = start + nl;
        let line = buf.get(start..end).unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.starts_with(b"SSH-") {
            return Ok(Some((printable(line, 255), end + 1)));
        }
        start = end + 1;
    }
    if buf.len() >= MAX_PRE_BANNER {
        return Err(KexError::NoVersionLine {
            max: MAX_PRE_BANNER,
        });
    }
    Ok(None)
}

/// Whether a version line offers protocol 1 (`SSH-1.5`, or `SSH-1.99`
/// which offers 1 and 2).
pub fn offers_protocol_1(version: &str) -> bool {
    version.starts_with("SSH-1.")
}

/// Reads one unencrypted binary packet (RFC 4253 §6) from the start of
/// `buf`: `Ok(None)` when more bytes are needed, else the payload.
pub fn packet(buf: &[u8]) -> Result<Option<&[u8]>, KexError> {
    let Some(head) = buf.get(..5) else {
        return Ok(None);
    };
    let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
    let padding = head[4];
    let len_usize = usize::try_from(len).unwrap_or(usize::MAX);
    if !(5..=MAX_PACKET).contains(&len_usize) {
        return Err(KexError::PacketLength {
            len: u64::from(len),
            max: MAX_PACKET,
        });
    }
    let Some(body) = buf.get(5..4 + len_usize) else {
        return Ok(None);
    };
    let payload_len = body
        .len()
        .checked_sub(usize::from(padding))
        .filter(|&n| n > 0)
        .ok_or(KexError::Padding {
            padding,
            len: len_usize,
        })?;
    Ok(body.get(..payload_len))
}

/// Parses a `SSH_MSG_KEXINIT` payload (RFC 4253 §7.1).
pub fn parse_kexinit(payload: &[u8]) -> Result<KexInit, KexError> {
    let (&msg, _) = payload.split_first().ok_or(KexError::Truncated {
        what: "message number",
        at: 0,
    })?;
    if msg != SSH_MSG_KEXINIT {
        return Err(KexError::NotKexInit(msg));
    }
    let mut at = 17; // message number and cookie
    if payload.len() < at {
        return Err(KexError::Truncated {
            what: "cookie",
            at: payload.len(),
        });
    }
    const WHAT: [&str; 8] = [
        "kex_algorithms",
        "server_host_key_algorithms",
        "encryption_algorithms_client_to_server",
        "encryption_algorithms_server_to_client",
        "mac_algorithms_client_to_server",
        "mac_algorithms_server_to_client",
        "compression_algorithms_client_to_server",
        "compression_algorithms_server_to_client",
    ];
    let mut lists: Vec<Vec<String>> = Vec::with_capacity(WHAT.len());
    for what in WHAT {
        let (list, next) = name_list(payload, at, what)?;
        lists.push(list);
        at = next;
    }
    // Two language lists, the first-packet flag and the reserved word
    // follow; they carry nothing we judge, but a KEXINIT without them is cut.
    for what in ["languages_client_to_server", "languages_server_to_client"] {
        at = name_list(payload, at, what)?.1;
    }
    if payload.len() < at.saturating_add(5) {
        return Err(KexError::Truncated {
            what: "first_kex_packet_follows",
            at: payload.len(),
        });
    }
    let mut it = lists.into_iter();
    let mut next = || it.next().unwrap_or_default();
    Ok(KexInit {
        kex: next(),
        host_key: next(),
        ciphers_c2s: next(),
        ciphers_s2c: next(),
        macs_c2s: next(),
        macs_s2c: next(),
        compression_c2s: next(),
        compression_s2c: next(),
    })
}

/// One name-list at `at`: its names (at most [`MAX_NAMES`], each escaped
/// and cut to 64 characters) and the offset after it.
fn name_list(
    payload: &[u8],
    at: usize,
    what: &'static str,
) -> Result<(Vec<String>, usize), KexError> {
    let cut = KexError::Truncated {
        what,
        at: payload.len(),
    };
    let len = payload
        .get(at..at.saturating_add(4))
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_be_bytes)
        .ok_or_else(|| cut.clone())?;
    let start = at + 4;
    let end = usize::try_from(len)
        .ok()
        .and_then(|l| start.checked_add(l))
        .ok_or_else(|| cut.clone())?;
    let bytes = payload.get(start..end).ok_or(cut)?;
    let names = bytes
        .split(|&b| b == b',')
        .filter(|n| !n.is_empty())
        .take(MAX_NAMES)
        .map(|n| printable(n, MAX_NAME))
        .collect();
    Ok((names, end))
}

/// Why a key exchange method is weak, if it is.
pub fn weak_kex(name: &str) -> Option<&'static str> {
    match name {
        "diffie-hellman-group1-sha1" => {
            Some("1024-bit group with SHA-1, RFC 9142: SHOULD NOT, Logjam")
        }
        "diffie-hellman-group-exchange-sha1" => Some("SHA-1 exchange hash, RFC 9142: SHOULD NOT"),
        "diffie-hellman-group14-sha1" => {
            Some("SHA-1 exchange hash, RFC 9142: transition only, SP 800-131A")
        }
        "rsa1024-sha1" => Some("1024-bit RSA with SHA-1, RFC 9142: MUST NOT"),
        n if n.starts_with("gss-") && n.contains("sha1") => Some("SHA-1 exchange hash, RFC 9142"),
        _ => None,
    }
}

/// Why a cipher is weak, if it is.
pub fn weak_cipher(name: &str) -> Option<&'static str> {
    match name {
        "none" => Some("no encryption"),
        "des" | "des-cbc@ssh.com" => Some("DES, 56-bit key"),
        "3des-cbc" | "3des-ctr" => Some("3DES, 64-bit block, Sweet32"),
        n if n.starts_with("arcfour") => Some("RC4, RFC 8758: MUST NOT"),
        "blowfish-cbc" | "blowfish-ctr" | "cast128-cbc" | "cast128-ctr" | "idea-cbc"
        | "idea-ctr" => Some("64-bit block cipher"),
        n if n.contains("-cbc") => Some("CBC mode, plaintext recovery, RFC 4344"),
        _ => None,
    }
}

/// Why a MAC is weak, if it is.
pub fn weak_mac(name: &str) -> Option<&'static str> {
    if name == "none" {
        Some("no integrity")
    } else if name.starts_with("hmac-md5") {
        Some("MD5")
    } else if name.contains("-96") {
        Some("truncated to 96 bits")
    } else {
        None
    }
}

/// Why a host key algorithm is weak, if it is.
pub fn weak_host_key(name: &str) -> Option<&'static str> {
    match name {
        "ssh-dss" | "ssh-dss-cert-v01@openssh.com" | "x509v3-sign-dss" => {
            Some("1024-bit DSA, disallowed by FIPS 186-5")
        }
        "ssh-rsa" | "ssh-rsa-cert-v01@openssh.com" | "x509v3-sign-rsa" => {
            Some("RSA with SHA-1 signatures, RFC 8332")
        }
        _ => None,
    }
}

/// Every weak algorithm a KEXINIT offers, in either direction, once each.
pub fn weak_algorithms(k: &KexInit) -> Vec<Weak> {
    let mut out: Vec<Weak> = Vec::new();
    let mut add = |family: Family, names: &[String], judge: fn(&str) -> Option<&'static str>| {
        for n in names {
            if let Some(why) = judge(n)
                && !out.iter().any(|w| w.family == family && w.name == *n)
            {
                out.push(Weak {
                    family,
                    name: n.clone(),
                    why,
                });
            }
        }
    };
    add(Family::Kex, &k.kex, weak_kex);
    add(Family::HostKey, &k.host_key, weak_host_key);
    add(Family::Cipher, &k.ciphers_s2c, weak_cipher);
    add(Family::Cipher, &k.ciphers_c2s, weak_cipher);
    add(Family::Mac, &k.macs_s2c, weak_mac);
    add(Family::Mac, &k.macs_c2s, weak_mac);
    out
}

/// What the SSH algorithm check found on one service.
#[derive(Debug, Clone)]
pub struct SshResult {
    pub service: Service,
    /// The server's version line.
    pub version: Option<String>,
    pub kexinit: Option<KexInit>,
    pub weak: Vec<Weak>,
    /// Why the algorithms could not be read.
    pub error: Option<String>,
    pub transcript: Vec<TranscriptLine>,
}

/// Reads the server's version line and KEXINIT and judges them.
pub(crate) async fn check(net: &Net, s: &Service, min_rsa_bits: u32) -> SshResult {
    let mut t = Transcript::new(false);
    let mut r = SshResult {
        service: s.clone(),
        version: None,
        kexinit: None,
        weak: Vec::new(),
        error: None,
        transcript: Vec::new(),
    };
    match exchange(net, s, &mut t).await {
        Ok((version, kexinit)) => {
            if offers_protocol_1(&version) {
                r.weak.push(Weak {
                    family: Family::Protocol,
                    name: version.clone(),
                    why: "SSH protocol 1, broken integrity, CVE-2001-0361",
                });
            }
            if let Some(k) = &kexinit {
                r.weak.extend(weak_algorithms(k));
                if k.host_key.iter().any(|a| is_rsa(a)) {
                    match rsa_host_key_bits(net, s).await {
                        Ok(bits) => {
                            t.received_note(&format!("RSA host key: {bits} bits"));
                            if bits < min_rsa_bits {
                                r.weak.push(Weak {
                                    family: Family::HostKey,
                                    name: format!("RSA {bits} bits"),
                                    why: "below the RSA minimum, SP 800-131A: 2048 bits",
                                });
                            }
                        }
                        // The algorithm lists stand; only the size is unknown.
                        Err(e) => t.received_note(&format!("RSA host key not read: {e}")),
                    }
                }
            }
            r.version = Some(version);
            r.kexinit = kexinit;
        }
        Err(e) => {
            t.received_note(&e);
            r.error = Some(e);
        }
    }
    r.transcript = t.into_lines();
    r
}

fn is_rsa(alg: &str) -> bool {
    matches!(alg, "ssh-rsa" | "rsa-sha2-256" | "rsa-sha2-512")
}

/// Records the host key russh is shown, and refuses it.
#[derive(Debug)]
struct KeyGrab(std::sync::Arc<std::sync::Mutex<Option<u32>>>);

impl russh::client::Handler for KeyGrab {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let pk = match key {
            russh::keys::PublicKeyOrCertificate::PublicKey { key, .. } => Some(key),
            russh::keys::PublicKeyOrCertificate::Certificate(_) => None,
        };
        if let Some(rsa) = pk.and_then(|k| k.key_data().rsa())
            && let Ok(mut g) = self.0.lock()
        {
            *g = Some(rsa.key_size());
        }
        Ok(false)
    }
}

/// The size of the server's RSA host key: a key exchange offering only RSA
/// host key algorithms, cut at the host key check.
async fn rsa_host_key_bits(net: &Net, s: &Service) -> Result<u32, String> {
    use russh::keys::{Algorithm, HashAlg};
    const RSA: &[Algorithm] = &[
        Algorithm::Rsa {
            hash: Some(HashAlg::Sha512),
        },
        Algorithm::Rsa {
            hash: Some(HashAlg::Sha256),
        },
        Algorithm::Rsa { hash: None },
    ];
    let target = Target {
        name: s.host.clone(),
        addr: s.addr,
    };
    let conn = net
        .connect(&target, s.port)
        .await
        .map_err(|e| e.to_string())?;
    let config = std::sync::Arc::new(russh::client::Config {
        inactivity_timeout: Some(net.io()),
        preferred: russh::Preferred {
            key: std::borrow::Cow::Borrowed(RSA),
            ..russh::Preferred::default()
        },
        ..russh::client::Config::default()
    });
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let handshake = russh::client::connect_stream(config, conn, KeyGrab(seen.clone()));
    // Refusing the key ends the handshake with an error: expected.
    let _ = tokio::time::timeout(net.bounded(net.io() * 2), handshake).await;
    let bits = seen.lock().ok().and_then(|g| *g);
    bits.ok_or_else(|| "the key exchange did not reach the host key".to_string())
}

async fn exchange(
    net: &Net,
    s: &Service,
    t: &mut Transcript,
) -> Result<(String, Option<KexInit>), String> {
    let target = Target {
        name: s.host.clone(),
        addr: s.addr,
    };
    let mut conn = net
        .connect(&target, s.port)
        .await
        .map_err(|e| e.to_string())?;
    // Our version first: servers such as OpenSSH send their KEXINIT only
    // after the client's version line (RFC 4253 §4.2 lets both speak first).
    conn.send_within(CLIENT_VERSION, net.io())
        .await
        .map_err(|e| e.to_string())?;
    t.sent("SSH-2.0-iotcheck_probe");
    let mut buf = Vec::new();
    let max = MAX_PRE_BANNER + MAX_PACKET + 256;
    let mut version: Option<(String, usize)> = None;
    let end = std::time::Instant::now() + net.io();
    loop {
        if version.is_none() {
            version = version_line(&buf).map_err(|e| e.to_string())?;
            if let Some((v, _)) = &version {
                t.received_note(v);
                if !v.starts_with("SSH-2.0-") && !v.starts_with("SSH-1.99-") {
                    // Protocol 1 only: no KEXINIT follows ours.
                    return Ok((v.clone(), None));
                }
            }
        }
        if let Some((v, off)) = &version {
            match packet(buf.get(*off..).unwrap_or_default()) {
                Ok(Some(p)) => {
                    let k = parse_kexinit(p).map_err(|e| e.to_string())?;
                    t.received_note(&format!("KEXINIT kex: {}", k.kex.join(",")));
                    t.received_note(&format!("KEXINIT host key: {}", k.host_key.join(",")));
                    t.received_note(&format!("KEXINIT ciphers: {}", k.ciphers_s2c.join(",")));
                    t.received_note(&format!("KEXINIT MACs: {}", k.macs_s2c.join(",")));
                    return Ok((v.clone(), Some(k)));
                }
                Ok(None) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        let left = end.saturating_duration_since(std::time::Instant::now());
        let late = |version: &Option<(String, usize)>| {
            format!(
                "{} in time ({} ms)",
                match version {
                    None => "no SSH version line",
                    Some(_) => "no KEXINIT",
                },
                net.io().as_millis()
            )
        };
        if left.is_zero() || buf.len() >= max {
            return Err(late(&version));
        }
        match conn.read_some(&mut buf, max, left).await {
            Ok(_) => {}
            Err(NetError::Timeout { .. }) => return Err(late(&version)),
            Err(NetError::Closed) => {
                return Err(match version {
                    None => "closed before its SSH version line".to_string(),
                    Some(_) => "closed before its KEXINIT".to_string(),
                });
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn list(out: &mut Vec<u8>, s: &str) {
        out.extend((s.len() as u32).to_be_bytes());
        out.extend(s.as_bytes());
    }

    fn kexinit(lists: [&str; 10]) -> Vec<u8> {
        let mut p = vec![SSH_MSG_KEXINIT];
        p.extend([7u8; 16]);
        for l in lists {
            list(&mut p, l);
        }
        p.push(0);
        p.extend([0u8; 4]);
        p
    }

    fn framed(payload: &[u8]) -> Vec<u8> {
        let padding = 8 - (payload.len() + 5) % 8 + 4;
        let mut out = ((payload.len() + padding + 1) as u32)
            .to_be_bytes()
            .to_vec();
        out.push(padding as u8);
        out.extend(payload);
        out.extend(vec![0u8; padding]);
        out
    }

    #[test]
    fn reads_a_kexinit_and_names_the_weak_algorithms() {
        let p = kexinit([
            "curve25519-sha256,diffie-hellman-group1-sha1,diffie-hellman-group14-sha1",
            "ssh-ed25519,ssh-dss",
            "aes128-ctr,3des-cbc,arcfour256",
            "aes128-ctr,3des-cbc,arcfour256,aes256-cbc",
            "hmac-sha2-256,hmac-md5",
            "hmac-sha2-256,hmac-md5,hmac-sha1-96",
            "none",
            "none",
            "",
            "",
        ]);
        let buf = framed(&p);
        let k = parse_kexinit(packet(&buf).unwrap().unwrap()).unwrap();
        assert_eq!(k.host_key, ["ssh-ed25519", "ssh-dss"]);
        let w: Vec<String> = weak_algorithms(&k).into_iter().map(|w| w.name).collect();
        assert_eq!(
            w,
            [
                "diffie-hellman-group1-sha1",
                "diffie-hellman-group14-sha1",
                "ssh-dss",
                "3des-cbc",
                "arcfour256",
                "aes256-cbc",
                "hmac-md5",
                "hmac-sha1-96"
            ]
        );
    }

    #[test]
    fn a_modern_server_offers_nothing_weak() {
        let p = kexinit([
            "sntrup761x25519-sha512@openssh.com,curve25519-sha256,diffie-hellman-group14-sha256,kex-strict-s-v00@openssh.com",
            "rsa-sha2-512,rsa-sha2-256,ssh-ed25519",
            "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-ctr",
            "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-ctr",
            "hmac-sha2-256-etm@openssh.com,hmac-sha1,umac-128@openssh.com",
            "hmac-sha2-256-etm@openssh.com,hmac-sha1,umac-128@openssh.com",
            "none,zlib@openssh.com",
            "none",
            "",
            "",
        ]);
        let k = parse_kexinit(&p).unwrap();
        assert!(weak_algorithms(&k).is_empty(), "{:?}", weak_algorithms(&k));
    }

    #[test]
    fn version_lines_and_protocol_1() {
        assert_eq!(version_line(b"SSH-2.0-x").unwrap(), None);
        let (v, off) = version_line(b"hello\r\nSSH-1.99-OpenSSH_3.9\r\n\0\0")
            .unwrap()
            .unwrap();
        assert_eq!((v.as_str(), off), ("SSH-1.99-OpenSSH_3.9", 29));
        assert!(offers_protocol_1(&v));
        assert!(!offers_protocol_1("SSH-2.0-dropbear_2022.83"));
        assert!(matches!(
            version_line(&vec![b'x'; MAX_PRE_BANNER]),
            Err(KexError::NoVersionLine { .. })
        ));
    }

    #[test]
    fn hostile_packets_are_refused_not_trusted() {
        // A length beyond RFC 4253's 35000 bytes.
        assert!(matches!(
            packet(&[0xff, 0xff, 0xff, 0xff, 4, 0]),
            Err(KexError::PacketLength { .. })
        ));
        // Padding that eats the payload.
        assert!(matches!(
            packet(&[0, 0, 0, 8, 200, 20, 0, 0, 0, 0, 0, 0]),
            Err(KexError::Padding { .. })
        ));
        // Not yet complete.
        assert_eq!(packet(&[0, 0, 0, 40, 4, 20]).unwrap(), None);
        // Not a KEXINIT.
        assert_eq!(parse_kexinit(&[21]), Err(KexError::NotKexInit(21)));
        // A name-list longer than the payload.
        let mut p = vec![SSH_MSG_KEXINIT];
        p.extend([0u8; 16]);
        p.extend(u32::MAX.to_be_bytes());
        assert!(matches!(
            parse_kexinit(&p),
            Err(KexError::Truncated {
                what: "kex_algorithms",
                ..
            })
        ));
    }

    /// Version line and KEXINIT of a recorded server (tests/fixtures/ssh).
    fn recorded(bytes: &[u8]) -> (String, KexInit) {
        let (v, off) = version_line(bytes).unwrap().unwrap();
        let k = parse_kexinit(packet(&bytes[off..]).unwrap().unwrap()).unwrap();
        (v, k)
    }

    fn weak_names(k: &KexInit) -> Vec<String> {
        weak_algorithms(k).into_iter().map(|w| w.name).collect()
    }

    #[test]
    fn recorded_openssh_with_weak_algorithms_added() {
        let (v, k) = recorded(include_bytes!(
            "../tests/fixtures/ssh/openssh-9.2-weak-algorithms-added.bin"
        ));
        assert!(v.starts_with("SSH-2.0-OpenSSH_9.2p1"), "{v}");
        assert_eq!(
            weak_names(&k),
            [
                "diffie-hellman-group1-sha1",
                "diffie-hellman-group-exchange-sha1",
                "diffie-hellman-group14-sha1",
                "ssh-rsa",
                "ssh-dss",
                "3des-cbc",
                "aes128-cbc",
                "hmac-md5",
                "hmac-md5-96",
                "hmac-sha1-96",
            ]
        );
    }

    #[test]
    fn stock_openssh_macs_are_not_weak() {
        // OpenSSH 9.2's default MACs list.
        for m in [
            "umac-64-etm@openssh.com",
            "umac-128-etm@openssh.com",
            "hmac-sha2-256-etm@openssh.com",
            "hmac-sha1-etm@openssh.com",
            "umac-64@openssh.com",
            "hmac-sha1",
        ] {
            assert!(weak_mac(m).is_none(), "{m}");
        }
        assert!(weak_mac("hmac-sha1-96").is_some());
    }

    #[test]
    fn recorded_dropbear_offers_group14_sha1() {
        let (v, k) = recorded(include_bytes!("../tests/fixtures/ssh/dropbear-2022.83.bin"));
        assert_eq!(v, "SSH-2.0-dropbear_2022.83");
        assert_eq!(weak_names(&k), ["diffie-hellman-group14-sha1", "ssh-rsa"]);
    }

    #[test]
    fn recorded_strict_openssh_offers_nothing_weak() {
        let (_, k) = recorded(include_bytes!(
            "../tests/fixtures/ssh/openssh-9.2-strict.bin"
        ));
        assert_eq!(k.host_key, ["ssh-ed25519"]);
        assert!(weak_names(&k).is_empty());
    }

    #[test]
    fn a_recorded_kexinit_cut_anywhere_asks_for_more_or_fails_cleanly() {
        let bytes: &[u8] = include_bytes!("../tests/fixtures/ssh/dropbear-2022.83.bin");
        let (_, off) = version_line(bytes).unwrap().unwrap();
        let pkt = &bytes[off..];
        for cut in 0..pkt.len() {
            assert_eq!(packet(&pkt[..cut]).unwrap(), None, "cut at {cut}");
        }
        let payload = packet(pkt).unwrap().unwrap();
        for cut in 0..payload.len() {
            assert!(parse_kexinit(&payload[..cut]).is_err(), "cut at {cut}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_bytes(b in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let _ = version_line(&b);
            if let Ok(Some(p)) = packet(&b) {
                let _ = parse_kexinit(p);
            }
            let _ = parse_kexinit(&b);
        }
    }
}
