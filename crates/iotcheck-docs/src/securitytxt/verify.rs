//! OpenPGP verification of a clear-signed security.txt (RFC 9116 §2.3,
//! RFC 9580 §7) against keys the user gives, with the `pgp` crate (rpgp).
//!
//! What is verified is exactly what is read: the signed text is rebuilt
//! from the body lines `armor.rs` framed (dash escapes removed, trailing
//! blanks trimmed, lines joined with CRLF, no final line break, RFC 9580
//! §7.2), the same lines the fields are parsed from. rpgp parses the
//! signature packets, the keys, and does the cryptography; its own
//! cleartext framing is not used, so a file that two framings would read
//! differently cannot verify one text and report the fields of another.
//!
//! A signature that verifies still fails when the key that made it was
//! revoked (a key revocation signature on the primary key, or a subkey
//! revocation on the subkey, each verified with the primary key; RFC 9580
//! §5.2.1.19–20), or had expired when the signature was made (the key
//! expiration time of its newest self-signature or subkey binding, RFC 9580
//! §5.2.3.13). Not done: no web of trust: the keys given are trusted
//! because the user gave them.

use std::fmt;
use std::sync::Arc;

use iotcheck_model::Span;

use pgp::composed::{PublicOrSecret, SignedPublicKey};
use pgp::packet::{Packet, PacketParser, PacketTrait, Signature as PgpSignature};
use pgp::types::KeyDetails;

/// Largest key file read, in bytes: a certificate with many third-party
/// signatures can be large, a keyring of a few vendors is far below this.
pub const MAX_KEY_FILE_BYTES: usize = 16 << 20;

/// Public keys to verify signatures with: each a primary key and its
/// subkeys, as `gpg --export [--armor]` writes them, possibly several in one
/// file. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Keyring {
    keys: Arc<Vec<SignedPublicKey>>,
}

impl PartialEq for Keyring {
    fn eq(&self, other: &Self) -> bool {
        self.keys == other.keys
    }
}

impl Eq for Keyring {}

/// Why a key file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("{len} bytes, more than the {max}-byte limit for a key file")]
    TooLarge { len: usize, max: usize },
    #[error("not an OpenPGP public key (armored or binary): {reason}")]
    NotAKey { reason: String },
    #[error("it holds a secret key; give the public key only (e.g. `gpg --export --armor KEYID`)")]
    SecretKey,
    #[error("no OpenPGP public key in it")]
    NoKeys,
    #[error("key {fingerprint}: its self-signatures do not verify ({reason})")]
    BrokenKey { fingerprint: String, reason: String },
}

impl Keyring {
    /// Reads one or more OpenPGP public keys (transferable public keys,
    /// RFC 9580 §10.1), ASCII-armored (one or several armor blocks) or
    /// binary. Each primary key's user id bindings must verify; subkeys
    /// whose binding signature does not verify are dropped, so a signature
    /// by one of them is reported as made by an unknown key.
    pub fn from_bytes(bytes: &[u8]) -> Result<Keyring, KeyError> {
        if bytes.len() > MAX_KEY_FILE_BYTES {
            return Err(KeyError::TooLarge {
                len: bytes.len(),
                max: MAX_KEY_FILE_BYTES,
            });
        }
        let mut keys = Vec::new();
        let start = bytes
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(bytes.len());
        let rest = bytes.get(start..).unwrap_or(&[]);
        if rest.is_empty() {
            return Err(KeyError::NoKeys);
        }
        if rest.starts_with(b"-----BEGIN ") {
            let text = std::str::from_utf8(rest).map_err(|e| KeyError::NotAKey {
                reason: format!("armored text that is not UTF-8 ({e})"),
            })?;
            for block in armor_blocks(text) {
                read_keys(block.as_bytes(), &mut keys)?;
            }
        } else {
            read_keys(rest, &mut keys)?;
        }
        if keys.is_empty() {
            return Err(KeyError::NoKeys);
        }
        Ok(Keyring {
            keys: Arc::new(keys),
        })
    }

    /// The primary keys, in file order.
    pub fn keys(&self) -> Vec<KeyInfo> {
        self.keys.iter().map(KeyInfo::of).collect()
    }

    /// The primary keys' fingerprints, for a message.
    fn fingerprints(&self) -> Vec<String> {
        self.keys
            .iter()
            .map(|k| fingerprint_hex(&k.primary_key.fingerprint()))
            .collect()
    }
}

/// One primary key of a [`Keyring`], as a person would recognise it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// Upper-case hex fingerprint of the primary key.
    pub fingerprint: String,
    /// The first user id, e.g. `Acme PSIRT <psirt@acme.example>`.
    pub user_id: Option<String>,
    /// Fingerprints of the subkeys whose binding verified.
    pub subkeys: Vec<String>,
}

impl KeyInfo {
    fn of(k: &SignedPublicKey) -> KeyInfo {
        KeyInfo {
            fingerprint: fingerprint_hex(&k.primary_key.fingerprint()),
            user_id: k
                .details
                .users
                .first()
                .map(|u| String::from_utf8_lossy(u.id.id()).into_owned()),
            subkeys: k
                .public_subkeys
                .iter()
                .map(|s| fingerprint_hex(&s.key.fingerprint()))
                .collect(),
        }
    }
}

impl fmt::Display for KeyInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.user_id {
            Some(u) => write!(f, "{} ({u})", self.fingerprint),
            None => f.write_str(&self.fingerprint),
        }
    }
}

/// The armor blocks of a text, each from its `-----BEGIN` line to the end
/// of its `-----END` line (text between blocks is ignored, as gpg does).
fn armor_blocks(text: &str) -> Vec<&str> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(begin) = rest.find("-----BEGIN ") {
        let from = rest.get(begin..).unwrap_or("");
        let end = from
            .find("-----END ")
            .and_then(|e| from.get(e..).and_then(|s| s.find('\n')).map(|n| e + n + 1))
            .unwrap_or(from.len());
        blocks.push(from.get(..end).unwrap_or(from));
        rest = from.get(end..).unwrap_or("");
    }
    blocks
}

fn read_keys(bytes: &[u8], out: &mut Vec<SignedPublicKey>) -> Result<(), KeyError> {
    let not_a_key = |e: pgp::errors::Error| KeyError::NotAKey {
        reason: e.to_string(),
    };
    let (iter, _headers) = PublicOrSecret::from_reader_many(bytes).map_err(not_a_key)?;
    for item in iter {
        let mut key = match item.map_err(not_a_key)? {
            PublicOrSecret::Public(k) => k,
            PublicOrSecret::Secret(_) => return Err(KeyError::SecretKey),
        };
        key.details
            .verify_bindings(&key.primary_key)
            .map_err(|e| KeyError::BrokenKey {
                fingerprint: fingerprint_hex(&key.primary_key.fingerprint()),
                reason: e.to_string(),
            })?;
        let primary = key.primary_key.clone();
        key.public_subkeys
            .retain(|s| s.verify_bindings(&primary).is_ok());
        out.push(key);
    }
    Ok(())
}

fn fingerprint_hex(fp: &pgp::types::Fingerprint) -> String {
    format!("{fp:X}")
}

fn key_id_hex(id: &pgp::types::KeyId) -> String {
    id.as_ref().iter().map(|b| format!("{b:02X}")).collect()
}

/// What a clear-signed document offers for verification: the text as it
/// was hashed and the signature packets as rpgp reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignedMaterial {
    /// The signed text, canonical: CRLF between lines, no final break.
    pub text: String,
    /// First and last signed line (1-based; equal when one line, and
    /// `first > last` when nothing is signed).
    pub lines: (usize, usize),
    /// The signature packets, or why rpgp could not read them.
    pub signatures: Result<Vec<PgpSignature>, String>,
    /// The `-----BEGIN PGP SIGNATURE-----` line: number and span, where
    /// signature findings point.
    pub signature_line: (usize, Span),
}

impl SignedMaterial {
    pub(crate) fn new(
        body: &[super::lines::LineView<'_>],
        data: &[u8],
        first: usize,
        signature_line: (usize, Span),
    ) -> Self {
        let text = body
            .iter()
            .map(|l| l.text.trim_end_matches([' ', '\t']))
            .collect::<Vec<_>>()
            .join("\r\n");
        let last = body.last().map_or(first.saturating_sub(1), |l| l.number);
        SignedMaterial {
            text,
            lines: (first, last),
            signatures: parse_signatures(data),
            signature_line,
        }
    }

    /// "lines 4–12" (or "line 4", or "no lines").
    pub(crate) fn lines_phrase(&self) -> String {
        match self.lines {
            (a, b) if a > b => "no lines".into(),
            (a, b) if a == b => format!("line {a}"),
            (a, b) => format!("lines {a}–{b}"),
        }
    }
}

/// Every packet of the decoded armor must be a signature (RFC 9580 §7:
/// the armor holds one or more signature packets).
fn parse_signatures(data: &[u8]) -> Result<Vec<PgpSignature>, String> {
    let mut sigs = Vec::new();
    for p in PacketParser::new(data) {
        match p {
            Ok(Packet::Signature(s)) => sigs.push(s),
            Ok(other) => return Err(format!("a {:?} packet is not a signature", other.tag())),
            Err(e) => return Err(e.to_string()),
        }
    }
    if sigs.is_empty() {
        return Err("no signature packet".into());
    }
    if let Some(s) = sigs.iter().find(|s| s.config().is_none()) {
        return Err(format!(
            "signature version {:?} is not one a verifier supports",
            s.version()
        ));
    }
    Ok(sigs)
}

/// The key a good signature was made with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedBy {
    /// The key (primary or subkey) that made the signature.
    pub fingerprint: String,
    /// The primary key it belongs to, with its user id.
    pub primary: KeyInfo,
}

/// Why a signature that could be checked against the keys given failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadSignature {
    /// The signature names one of the keys given, and does not verify with
    /// it: the signed text (or the signature) changed after signing.
    Altered {
        /// The key of the keys given the signature names.
        fingerprint: String,
        /// What the verifier said.
        reason: String,
    },
    /// The signature verifies with a key given, but that key (or the
    /// primary key it belongs to) is revoked, or had expired when the
    /// signature was made.
    KeyNotValid {
        /// The key that made the signature.
        fingerprint: String,
        /// Why, in words ("revoked", "expired on 2024-01-01 …").
        reason: String,
    },
    /// The signature was made by a key that is not among the keys given.
    UnknownKey {
        /// The issuer as the signature names it (fingerprint, else key id).
        issuer: Option<String>,
        /// Fingerprints of the primary keys given.
        given: Vec<String>,
    },
}

/// The outcome of checking a signed document against a [`Keyring`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verification {
    Good(SignedBy),
    Bad(BadSignature),
    /// The signature packets could not be read or use what rpgp does not
    /// support: nothing can be said either way.
    Unverifiable(String),
}

/// Checks every signature of `m` against every key of `keys` it names (or
/// every key, for a signature that names none). One good signature is
/// enough; otherwise a signature naming a given key that fails is
/// [`BadSignature::Altered`], and signatures naming only other keys are
/// [`BadSignature::UnknownKey`].
pub(crate) fn verify(m: &SignedMaterial, keys: &Keyring) -> Verification {
    let sigs = match &m.signatures {
        Ok(s) => s,
        Err(e) => return Verification::Unverifiable(e.clone()),
    };
    let mut altered = None;
    let mut unsupported = None;
    for sig in sigs {
        let fps = sig.issuer_fingerprint();
        let ids = sig.issuer_key_id();
        let names = |k: &dyn KeyDetails| {
            (fps.is_empty() && ids.is_empty())
                || fps.iter().any(|&f| *f == k.fingerprint())
                || ids.iter().any(|&i| *i == k.legacy_key_id())
        };
        for key in keys.keys.iter() {
            let primary = &key.primary_key;
            let candidates = std::iter::once((primary as &dyn KeyDetails, Candidate::Primary))
                .chain(
                    key.public_subkeys
                        .iter()
                        .enumerate()
                        .map(|(i, s)| (&s.key as &dyn KeyDetails, Candidate::Subkey(i))),
                );
            for (details, which) in candidates {
                if !names(details) {
                    continue;
                }
                let result = match which {
                    Candidate::Primary => sig.verify(primary, m.text.as_bytes()),
                    Candidate::Subkey(i) => match key.public_subkeys.get(i) {
                        Some(s) => sig.verify(&s.key, m.text.as_bytes()),
                        None => continue,
                    },
                };
                let fingerprint = fingerprint_hex(&details.fingerprint());
                match result {
                    Ok(()) => {
                        if let Some(reason) = not_valid(key, which, sig) {
                            return Verification::Bad(BadSignature::KeyNotValid {
                                fingerprint,
                                reason,
                            });
                        }
                        return Verification::Good(SignedBy {
                            fingerprint,
                            primary: KeyInfo::of(key),
                        });
                    }
                    Err(
                        e @ (pgp::errors::Error::Unsupported { .. }
                        | pgp::errors::Error::Unimplemented { .. }),
                    ) => {
                        unsupported.get_or_insert(e.to_string());
                    }
                    Err(e) => {
                        altered.get_or_insert(BadSignature::Altered {
                            fingerprint,
                            reason: failure_reason(&e),
                        });
                    }
                }
            }
        }
    }
    if let Some(bad) = altered {
        return Verification::Bad(bad);
    }
    if let Some(why) = unsupported {
        return Verification::Unverifiable(why);
    }
    let issuer = sigs.first().and_then(|s| {
        s.issuer_fingerprint()
            .first()
            .map(|f| fingerprint_hex(f))
            .or_else(|| s.issuer_key_id().first().map(|i| key_id_hex(i)))
    });
    Verification::Bad(BadSignature::UnknownKey {
        issuer,
        given: keys.fingerprints(),
    })
}

/// Why the key that made `sig` cannot vouch for it, if it cannot: a
/// verified revocation of the primary key or of the signing subkey, or an
/// expiry before the signature's creation time.
fn not_valid(key: &SignedPublicKey, which: Candidate, sig: &PgpSignature) -> Option<String> {
    use pgp::packet::SignatureType;
    use pgp::types::KeyDetails as _;
    let primary = &key.primary_key;
    if key
        .details
        .revocation_signatures
        .iter()
        .any(|r| r.typ() == Some(SignatureType::KeyRevocation) && r.verify_key(primary).is_ok())
    {
        return Some("its primary key is revoked".into());
    }
    let signed_at = sig.created().map(|t| u64::from(t.as_secs()));
    // The newest self-signature stating an expiry decides it.
    let expiry = |created: u32, sigs: &mut dyn Iterator<Item = &PgpSignature>| {
        sigs.filter_map(|s| Some((s.created()?.as_secs(), s.key_expiration_time()?)))
            .max_by_key(|(at, _)| *at)
            .map(|(_, d)| u64::from(created) + u64::from(d.as_secs()))
    };
    let expired = |until: Option<u64>| match (until, signed_at) {
        (Some(u), Some(at)) if at > u => Some(u),
        _ => None,
    };
    let self_sigs = key
        .details
        .users
        .iter()
        .flat_map(|u| u.signatures.iter())
        .filter(|s| {
            s.issuer_fingerprint()
                .iter()
                .any(|f| **f == primary.fingerprint())
                || s.issuer_key_id()
                    .iter()
                    .any(|i| **i == primary.legacy_key_id())
        })
        .chain(key.details.direct_signatures.iter());
    // A key expiration time of zero means "never".
    let until = expiry(primary.created_at().as_secs(), &mut self_sigs.clone())
        .filter(|u| *u > u64::from(primary.created_at().as_secs()));
    if let Some(u) = expired(until) {
        return Some(format!("its primary key expired on {}", day(u)));
    }
    if let Candidate::Subkey(i) = which {
        let sub = key.public_subkeys.get(i)?;
        if sub.signatures.iter().any(|r| {
            r.typ() == Some(SignatureType::SubkeyRevocation)
                && r.verify_subkey_binding(primary, &sub.key).is_ok()
        }) {
            return Some("the subkey is revoked".into());
        }
        let bindings = sub
            .signatures
            .iter()
            .filter(|b| b.typ() == Some(SignatureType::SubkeyBinding));
        let created = sub.key.created_at().as_secs();
        let until = expiry(created, &mut bindings.into_iter()).filter(|u| *u > u64::from(created));
        if let Some(u) = expired(until) {
            return Some(format!("the subkey expired on {}", day(u)));
        }
    }
    None
}

/// A Unix time as its UTC day.
fn day(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX);
    iotcheck_model::Date::from_unix_days(days).to_string()
}

/// rpgp's reason in words: its check of the digest's first two octets
/// (RFC 9580 §5.2.4) reports an assertion with raw bytes.
fn failure_reason(e: &pgp::errors::Error) -> String {
    let text = e.to_string();
    if text.contains("invalid signed hash value") {
        return "the digest of the signed text is not the one that was signed".into();
    }
    text.lines().next().unwrap_or("").trim().to_string()
}

#[derive(Debug, Clone, Copy)]
enum Candidate {
    Primary,
    Subkey(usize),
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn armor_blocks_are_split() {
        let t = "junk\n-----BEGIN A-----\nx\n-----END A-----\nmid\n-----BEGIN B-----\ny\n-----END B-----";
        assert_eq!(
            armor_blocks(t),
            [
                "-----BEGIN A-----\nx\n-----END A-----\n",
                "-----BEGIN B-----\ny\n-----END B-----"
            ]
        );
    }

    #[test]
    fn garbage_is_not_a_key() {
        assert!(matches!(
            Keyring::from_bytes(b"hello"),
            Err(KeyError::NotAKey { .. } | KeyError::NoKeys)
        ));
        assert_eq!(Keyring::from_bytes(b""), Err(KeyError::NoKeys));
    }
}
