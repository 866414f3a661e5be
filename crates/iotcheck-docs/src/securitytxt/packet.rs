//! Just enough of an OpenPGP signature packet (RFC 4880 §5.2, RFC 9580
//! §5.2) to say who signed and with what: version, signature type,
//! algorithms, creation time, issuer key id and fingerprint. Nothing here
//! verifies anything.
//!
//! Every length read from the packet is checked against what remains
//! before it is used; a packet that claims more than it holds is an error
//! naming the field, never a panic or an allocation.

use std::fmt;

/// An OpenPGP hash algorithm id (RFC 9580 §9.5). Open: ids no RFC lists
/// are kept, not rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HashAlgorithm(pub u8);

impl HashAlgorithm {
    pub const MD5: HashAlgorithm = HashAlgorithm(1);
    pub const SHA1: HashAlgorithm = HashAlgorithm(2);
    pub const RIPEMD160: HashAlgorithm = HashAlgorithm(3);
    pub const SHA256: HashAlgorithm = HashAlgorithm(8);
    pub const SHA384: HashAlgorithm = HashAlgorithm(9);
    pub const SHA512: HashAlgorithm = HashAlgorithm(10);
    pub const SHA224: HashAlgorithm = HashAlgorithm(11);
    pub const SHA3_256: HashAlgorithm = HashAlgorithm(12);
    pub const SHA3_512: HashAlgorithm = HashAlgorithm(14);

    /// The name the `Hash:` armor header uses (`SHA256`), if the id is known.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Self::MD5 => "MD5",
            Self::SHA1 => "SHA1",
            Self::RIPEMD160 => "RIPEMD160",
            Self::SHA256 => "SHA256",
            Self::SHA384 => "SHA384",
            Self::SHA512 => "SHA512",
            Self::SHA224 => "SHA224",
            Self::SHA3_256 => "SHA3-256",
            Self::SHA3_512 => "SHA3-512",
            _ => return None,
        })
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "hash algorithm {}", self.0),
        }
    }
}

/// An OpenPGP public-key algorithm id (RFC 9580 §9.1). Open, like
/// [`HashAlgorithm`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKeyAlgorithm(pub u8);

impl PublicKeyAlgorithm {
    pub const RSA: PublicKeyAlgorithm = PublicKeyAlgorithm(1);
    pub const RSA_SIGN_ONLY: PublicKeyAlgorithm = PublicKeyAlgorithm(3);
    pub const DSA: PublicKeyAlgorithm = PublicKeyAlgorithm(17);
    pub const ECDSA: PublicKeyAlgorithm = PublicKeyAlgorithm(19);
    pub const EDDSA_LEGACY: PublicKeyAlgorithm = PublicKeyAlgorithm(22);
    pub const ED25519: PublicKeyAlgorithm = PublicKeyAlgorithm(27);
    pub const ED448: PublicKeyAlgorithm = PublicKeyAlgorithm(28);

    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Self::RSA => "RSA",
            Self::RSA_SIGN_ONLY => "RSA (sign only)",
            Self::DSA => "DSA",
            Self::ECDSA => "ECDSA",
            Self::EDDSA_LEGACY => "EdDSA (legacy)",
            Self::ED25519 => "Ed25519",
            Self::ED448 => "Ed448",
            _ => return None,
        })
    }
}

impl fmt::Display for PublicKeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "public-key algorithm {}", self.0),
        }
    }
}

/// What the first signature packet of the armor says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignaturePacket {
    /// 3, 4 or 6 (5 and others are recorded with nothing else decoded).
    pub version: u8,
    /// 0x01 for a canonical-text signature, which cleartext signatures are.
    pub signature_type: Option<u8>,
    pub public_key_algorithm: Option<PublicKeyAlgorithm>,
    pub hash_algorithm: Option<HashAlgorithm>,
    /// Issuer key id, 16 upper-case hex digits (subpacket 16, or derived
    /// from the issuer fingerprint).
    pub issuer_key_id: Option<String>,
    /// Issuer fingerprint, upper-case hex (subpacket 33).
    pub issuer_fingerprint: Option<String>,
    /// Signature creation time, seconds since the Unix epoch.
    pub created: Option<u32>,
}

/// Why the decoded armor is not a signature packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    #[error("no packet: the armor decodes to nothing")]
    Empty,
    #[error("first byte {0:#04x} is not an OpenPGP packet header")]
    NotAPacket(u8),
    #[error("packet tag {0} is not a signature (tag 2)")]
    NotASignature(u8),
    #[error("{field} claims {claimed} bytes at offset {offset} but {remaining} remain")]
    Truncated {
        field: &'static str,
        offset: usize,
        claimed: usize,
        remaining: usize,
    },
    #[error("partial body lengths are not allowed for a signature packet")]
    PartialLength,
}

/// A reader that never reads past the window it was given.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], PacketError> {
        let remaining = self.data.len().saturating_sub(self.pos);
        if n > remaining {
            return Err(PacketError::Truncated {
                field,
                offset: self.pos,
                claimed: n,
                remaining,
            });
        }
        let s = self.data.get(self.pos..self.pos + n).unwrap_or(&[]);
        self.pos += n;
        Ok(s)
    }

    fn u8(&mut self, field: &'static str) -> Result<u8, PacketError> {
        Ok(self.take(1, field)?.first().copied().unwrap_or(0))
    }

    fn be(&mut self, n: usize, field: &'static str) -> Result<usize, PacketError> {
        Ok(self
            .take(n, field)?
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b)))
    }

    fn rest(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Decodes the first packet of `data`, which must be a signature.
pub(crate) fn parse_signature(data: &[u8]) -> Result<SignaturePacket, PacketError> {
    let mut r = Reader { data, pos: 0 };
    let first = *data.first().ok_or(PacketError::Empty)?;
    r.pos = 1;
    if first & 0x80 == 0 {
        return Err(PacketError::NotAPacket(first));
    }
    let (tag, len) = if first & 0x40 != 0 {
        let tag = first & 0x3f;
        let l1 = r.u8("packet length")?;
        let len = match l1 {
            0..=191 => usize::from(l1),
            192..=223 => ((usize::from(l1) - 192) << 8) + r.be(1, "packet length")? + 192,
            255 => r.be(4, "packet length")?,
            _ => return Err(PacketError::PartialLength),
        };
        (tag, len)
    } else {
        let tag = (first >> 2) & 0x0f;
        let len = match first & 3 {
            0 => r.be(1, "packet length")?,
            1 => r.be(2, "packet length")?,
            2 => r.be(4, "packet length")?,
            _ => r.rest(),
        };
        (tag, len)
    };
    if tag != 2 {
        return Err(PacketError::NotASignature(tag));
    }
    let body = r.take(len, "signature packet")?;
    parse_body(body)
}

fn parse_body(body: &[u8]) -> Result<SignaturePacket, PacketError> {
    let mut r = Reader { data: body, pos: 0 };
    let version = r.u8("version")?;
    let mut sig = SignaturePacket {
        version,
        signature_type: None,
        public_key_algorithm: None,
        hash_algorithm: None,
        issuer_key_id: None,
        issuer_fingerprint: None,
        created: None,
    };
    match version {
        3 => {
            let _hashed_len = r.u8("v3 hashed length")?;
            sig.signature_type = Some(r.u8("signature type")?);
            sig.created = u32::try_from(r.be(4, "creation time")?).ok();
            sig.issuer_key_id = Some(hex(r.take(8, "issuer key id")?));
            sig.public_key_algorithm = Some(PublicKeyAlgorithm(r.u8("public-key algorithm")?));
            sig.hash_algorithm = Some(HashAlgorithm(r.u8("hash algorithm")?));
        }
        4 | 6 => {
            sig.signature_type = Some(r.u8("signature type")?);
            sig.public_key_algorithm = Some(PublicKeyAlgorithm(r.u8("public-key algorithm")?));
            sig.hash_algorithm = Some(HashAlgorithm(r.u8("hash algorithm")?));
            let width = if version == 4 { 2 } else { 4 };
            let hashed_len = r.be(width, "hashed subpacket length")?;
            subpackets(r.take(hashed_len, "hashed subpackets")?, &mut sig)?;
            let unhashed_len = r.be(width, "unhashed subpacket length")?;
            subpackets(r.take(unhashed_len, "unhashed subpackets")?, &mut sig)?;
        }
        _ => {}
    }
    if sig.issuer_key_id.is_none() {
        // RFC 9580 §5.5.4: a v4 key id is the low 64 bits of the
        // fingerprint, a v6 key id the high 64 bits.
        if let Some(fp) = &sig.issuer_fingerprint {
            sig.issuer_key_id = match fp.len() {
                40 => fp.get(24..).map(str::to_string),
                64 => fp.get(..16).map(str::to_string),
                _ => None,
            };
        }
    }
    Ok(sig)
}

fn subpackets(data: &[u8], sig: &mut SignaturePacket) -> Result<(), PacketError> {
    let mut r = Reader { data, pos: 0 };
    while r.rest() > 0 {
        let o1 = r.u8("subpacket length")?;
        let len = match o1 {
            0..=191 => usize::from(o1),
            192..=254 => ((usize::from(o1) - 192) << 8) + r.be(1, "subpacket length")? + 192,
            255 => r.be(4, "subpacket length")?,
        };
        let sp = r.take(len, "subpacket")?;
        let Some((&kind, value)) = sp.split_first() else {
            continue;
        };
        match (kind & 0x7f, value.len()) {
            (2, 4) => {
                sig.created = Some(value.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b)));
            }
            (16, 8) if sig.issuer_key_id.is_none() => sig.issuer_key_id = Some(hex(value)),
            (33, n) if n > 1 && sig.issuer_fingerprint.is_none() => {
                sig.issuer_fingerprint = value.get(1..).map(hex);
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A v4 signature packet built by hand: Ed25519/SHA256, creation time,
    /// issuer fingerprint in the hashed area, issuer key id unhashed.
    fn v4_packet() -> Vec<u8> {
        let fp: Vec<u8> = (1..=20).collect();
        let mut hashed = vec![5, 2, 0x60, 0, 0, 0];
        hashed.push(22);
        hashed.push(33);
        hashed.push(4);
        hashed.extend(&fp);
        let unhashed = [9u8, 16, 9, 10, 11, 12, 13, 14, 15, 16];
        let mut body = vec![4, 0x01, 22, 8];
        body.extend((hashed.len() as u16).to_be_bytes());
        body.extend(&hashed);
        body.extend((unhashed.len() as u16).to_be_bytes());
        body.extend(unhashed);
        body.extend([0xab, 0xcd]);
        let mut p = vec![0xc2, body.len() as u8];
        p.extend(body);
        p
    }

    #[test]
    fn decodes_v4_fields() {
        let sig = parse_signature(&v4_packet()).unwrap();
        assert_eq!(sig.version, 4);
        assert_eq!(sig.signature_type, Some(1));
        assert_eq!(sig.hash_algorithm, Some(HashAlgorithm::SHA256));
        assert_eq!(
            sig.public_key_algorithm,
            Some(PublicKeyAlgorithm::EDDSA_LEGACY)
        );
        assert_eq!(sig.created, Some(0x6000_0000));
        assert_eq!(sig.issuer_key_id.as_deref(), Some("090A0B0C0D0E0F10"));
        assert_eq!(
            sig.issuer_fingerprint.as_deref(),
            Some("0102030405060708090A0B0C0D0E0F1011121314")
        );
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let p = v4_packet();
        for n in 0..p.len() {
            assert!(parse_signature(&p[..n]).is_err(), "prefix {n}");
        }
    }

    #[test]
    fn rejects_other_packets() {
        assert_eq!(parse_signature(&[0x01]), Err(PacketError::NotAPacket(1)));
        assert_eq!(
            parse_signature(&[0xc6, 0]),
            Err(PacketError::NotASignature(6))
        );
    }
}
