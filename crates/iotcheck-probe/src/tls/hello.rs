//! Hand-built ClientHellos and a bounded reader for the server's first flight.
//!
//! TLS libraries (rustls included) refuse to offer SSL 3, TLS 1.0/1.1 or
//! weak suites, which is exactly what a configuration test must offer, so
//! the ClientHello is built here byte by byte (RFC 5246 §7.4.1.2, RFC 8446
//! §4.1.2). The server's reply is read record by record (RFC 8446 §5.1):
//! each record's declared length is checked against [`MAX_RECORD`] before
//! anything is read, handshake bytes are gathered up to [`MAX_FLIGHT`], and
//! the messages are decoded with `tls-parser`. No handshake is ever completed.

use tls_parser::{TlsMessage, TlsMessageHandshake, parse_tls_message_handshake};

/// Largest record accepted: 2^14 plus the 2048 bytes of expansion RFC 5246 allows.
pub const MAX_RECORD: usize = 16_384 + 2_048;
/// Most handshake bytes gathered from one flight (a long chain fits).
pub const MAX_FLIGHT: usize = 64 * 1024;

pub const SSL3: u16 = 0x0300;
pub const TLS10: u16 = 0x0301;
pub const TLS11: u16 = 0x0302;
pub const TLS12: u16 = 0x0303;
pub const TLS13: u16 = 0x0304;

/// `TLS 1.0` etc.
pub fn version_name(v: u16) -> String {
    match v {
        SSL3 => "SSL 3.0".into(),
        TLS10 => "TLS 1.0".into(),
        TLS11 => "TLS 1.1".into(),
        TLS12 => "TLS 1.2".into(),
        TLS13 => "TLS 1.3".into(),
        other => format!("version {other:#06x}"),
    }
}

/// The five TLS 1.3 suites (RFC 8446 §B.4).
pub const TLS13_SUITES: &[u16] = &[0x1301, 0x1302, 0x1303, 0x1304, 0x1305];

/// What one ClientHello offers.
#[derive(Debug, Clone)]
pub struct HelloSpec {
    /// `client_version` (TLS ≤ 1.2), or TLS 1.3 offered through `supported_versions`.
    pub version: u16,
    pub suites: Vec<u16>,
    /// Server name for SNI (host names only, RFC 6066 §3 forbids IP literals).
    pub server_name: Option<String>,
}

fn push_u16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_be_bytes());
}

fn push_ext(v: &mut Vec<u8>, kind: u16, data: &[u8]) {
    push_u16(v, kind);
    push_u16(v, u16::try_from(data.len()).unwrap_or(0));
    v.extend_from_slice(data);
}

/// A ClientHello record for `spec`.
pub fn client_hello(spec: &HelloSpec, random: [u8; 32]) -> Vec<u8> {
    let tls13 = spec.version >= TLS13;
    let mut body = Vec::with_capacity(512);
    push_u16(&mut body, if tls13 { TLS12 } else { spec.version });
    body.extend_from_slice(&random);
    if tls13 {
        // A legacy session id makes middlebox-compatible servers answer normally.
        body.push(32);
        body.extend_from_slice(&random);
    } else {
        body.push(0);
    }
    let mut suites = spec.suites.clone();
    suites.truncate(0x7fff);
    if !tls13 {
        suites.push(0x00ff); // TLS_EMPTY_RENEGOTIATION_INFO_SCSV
    }
    push_u16(&mut body, u16::try_from(suites.len() * 2).unwrap_or(0));
    for s in &suites {
        push_u16(&mut body, *s);
    }
    body.extend_from_slice(&[1, 0]); // null compression only
    let mut ext = Vec::new();
    if let Some(name) = &spec.server_name {
        let n = name.as_bytes();
        let mut d = Vec::new();
        push_u16(&mut d, u16::try_from(n.len() + 3).unwrap_or(0));
        d.push(0);
        push_u16(&mut d, u16::try_from(n.len()).unwrap_or(0));
        d.extend_from_slice(n);
        push_ext(&mut ext, 0x0000, &d);
    }
    if spec.version != SSL3 {
        // supported_groups: x25519, secp256r1, secp384r1, secp521r1, ffdhe2048.
        push_ext(
            &mut ext,
            0x000a,
            &[0, 10, 0, 0x1d, 0, 0x17, 0, 0x18, 0, 0x19, 1, 0],
        );
        push_ext(&mut ext, 0x000b, &[1, 0]); // ec_point_formats: uncompressed
        // signature_algorithms, modern first, SHA-1 last (old servers need it).
        let algs: [u16; 12] = [
            0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0603, 0x0806, 0x0601, 0x0807, 0x0201,
            0x0203,
        ];
        let mut d = Vec::new();
        push_u16(&mut d, 24);
        for a in algs {
            push_u16(&mut d, a);
        }
        push_ext(&mut ext, 0x000d, &d);
        push_ext(&mut ext, 0xff01, &[0]); // renegotiation_info
    }
    if tls13 {
        push_ext(&mut ext, 0x002b, &[2, 0x03, 0x04]); // supported_versions: 1.3 only
        push_ext(&mut ext, 0x002d, &[1, 1]); // psk_key_exchange_modes: psk_dhe_ke
        // key_share: an x25519 share (any 32 bytes: we never finish the handshake).
        let mut d = Vec::new();
        push_u16(&mut d, 36);
        push_u16(&mut d, 0x001d);
        push_u16(&mut d, 32);
        d.extend_from_slice(&random);
        push_ext(&mut ext, 0x0033, &d);
    }
    if !ext.is_empty() {
        push_u16(&mut body, u16::try_from(ext.len()).unwrap_or(0));
        body.extend_from_slice(&ext);
    }
    let mut hs = vec![1u8];
    let len = u32::try_from(body.len()).unwrap_or(0).to_be_bytes();
    hs.extend_from_slice(&len[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16];
    push_u16(&mut rec, if spec.version == SSL3 { SSL3 } else { TLS10 });
    push_u16(&mut rec, u16::try_from(hs.len()).unwrap_or(0));
    rec.extend_from_slice(&hs);
    rec
}

/// How the server answered a ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// It chose a version and a suite.
    Hello(ServerHello),
    /// It sent an alert (usually handshake_failure or protocol_version).
    Alert { level: u8, description: u8 },
    /// It closed or went silent without a decision.
    Nothing,
    /// It answered something that is not TLS.
    NotTls,
}

/// The parts of the first flight the checks need.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerHello {
    /// The negotiated version (`supported_versions` when present, RFC 8446 §4.2.1).
    pub version: u16,
    pub cipher: u16,
    /// A HelloRetryRequest: TLS 1.3 is spoken, with another group.
    pub retry: bool,
    /// DER certificates, leaf first (TLS ≤ 1.2 only: 1.3 encrypts them).
    pub certificates: Vec<Vec<u8>>,
}

/// SHA-256("HelloRetryRequest"), the random of a HelloRetryRequest (RFC 8446 §4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Incremental reader of the server's first flight.
#[derive(Debug, Default)]
pub struct FlightReader {
    /// Handshake-layer bytes gathered so far.
    handshake: Vec<u8>,
    /// Record-layer bytes not yet a whole record.
    pending: Vec<u8>,
    hello: Option<ServerHello>,
    outcome: Option<Answer>,
}

impl FlightReader {
    /// Feeds bytes from the socket. Returns the answer once it is decided
    /// (ServerHello plus certificates, or ServerHelloDone, or an alert).
    pub fn feed(&mut self, bytes: &[u8]) -> Option<Answer> {
        if self.outcome.is_some() {
            return self.outcome.clone();
        }
        self.pending.extend_from_slice(bytes);
        loop {
            if self.pending.len() < 5 {
                break;
            }
            let kind = self.pending[0];
            let major = self.pending[1];
            let len = usize::from(u16::from_be_bytes([self.pending[3], self.pending[4]]));
            if major != 3 || !(20..=24).contains(&kind) || len > MAX_RECORD {
                return self.decide(if self.hello.is_some() {
                    self.finish()
                } else {
                    Answer::NotTls
                });
            }
            if self.pending.len() < 5 + len {
                break;
            }
            let record: Vec<u8> = self.pending.drain(..5 + len).skip(5).collect();
            match kind {
                21 if record.len() >= 2 && self.hello.is_none() => {
                    return self.decide(Answer::Alert {
                        level: record[0],
                        description: record[1],
                    });
                }
                22 => {
                    let room = MAX_FLIGHT.saturating_sub(self.handshake.len());
                    self.handshake
                        .extend_from_slice(&record[..record.len().min(room)]);
                    if let Some(a) = self.parse_messages() {
                        return self.decide(a);
                    }
                    if room < record.len() {
                        // The flight is larger than we keep: decide on what we have.
                        return self.decide(self.finish());
                    }
                }
                // ChangeCipherSpec or encrypted records: TLS 1.3 past ServerHello.
                _ if self.hello.is_some() => return self.decide(self.finish()),
                _ => {}
            }
        }
        None
    }

    /// What the reader has when the peer closes or goes silent.
    pub fn end(&mut self) -> Answer {
        if let Some(a) = &self.outcome {
            return a.clone();
        }
        let a = self.finish();
        self.outcome = Some(a.clone());
        a
    }

    fn decide(&mut self, a: Answer) -> Option<Answer> {
        self.outcome = Some(a.clone());
        Some(a)
    }

    fn finish(&self) -> Answer {
        match &self.hello {
            Some(h) => Answer::Hello(h.clone()),
            None => Answer::Nothing,
        }
    }

    /// Decodes the complete handshake messages gathered; returns the answer
    /// once the flight says enough.
    fn parse_messages(&mut self) -> Option<Answer> {
        let mut rest: &[u8] = &self.handshake;
        while rest.len() >= 4 {
            let len = usize::from(rest[1]) << 16 | usize::from(rest[2]) << 8 | usize::from(rest[3]);
            if rest.len() < 4 + len {
                break;
            }
            let (msg, tail) = rest.split_at(4 + len);
            rest = tail;
            match rest_type(msg) {
                2 => {
                    let sh = server_hello(msg)?;
                    let done = sh.version >= TLS13 || sh.retry;
                    self.hello = Some(sh);
                    if done {
                        return Some(self.finish());
                    }
                }
                11 => {
                    if let (
                        Some(h),
                        Ok((_, TlsMessage::Handshake(TlsMessageHandshake::Certificate(c)))),
                    ) = (self.hello.as_mut(), parse_tls_message_handshake(msg))
                    {
                        h.certificates = c
                            .cert_chain
                            .iter()
                            .take(8)
                            .map(|c| c.data.to_vec())
                            .collect();
                    }
                }
                // ServerHelloDone: the flight is over.
                14 => return Some(self.finish()),
                _ => {}
            }
        }
        let used = self.handshake.len() - rest.len();
        if used > 0 && self.hello.is_some() {
            // Keep only what is not yet parsed (the hello is remembered).
            self.handshake.drain(..used);
        }
        None
    }
}

fn rest_type(msg: &[u8]) -> u8 {
    msg.first().copied().unwrap_or(0)
}

/// Reads a ServerHello handshake message (header included).
fn server_hello(msg: &[u8]) -> Option<ServerHello> {
    let b = msg.get(4..)?;
    let legacy = u16::from_be_bytes([*b.first()?, *b.get(1)?]);
    let random = b.get(2..34)?;
    let sid_len = usize::from(*b.get(34)?);
    let mut i = 35 + sid_len;
    let cipher = u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]);
    i += 3; // cipher + compression
    let mut version = legacy;
    if let (Some(&h), Some(&l)) = (b.get(i), b.get(i + 1)) {
        let ext_len = usize::from(u16::from_be_bytes([h, l]));
        let exts = b.get(i + 2..(i + 2 + ext_len).min(b.len()))?;
        let mut j = 0usize;
        while j + 4 <= exts.len() {
            let kind = u16::from_be_bytes([exts[j], exts[j + 1]]);
            let len = usize::from(u16::from_be_bytes([exts[j + 2], exts[j + 3]]));
            let data = exts.get(j + 4..j + 4 + len)?;
            if kind == 0x002b && data.len() == 2 {
                version = u16::from_be_bytes([data[0], data[1]]);
            }
            j += 4 + len;
        }
    }
    Some(ServerHello {
        version,
        cipher,
        retry: random == HRR_RANDOM,
        certificates: Vec::new(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use tls_parser::{TlsMessage, TlsMessageHandshake, parse_tls_plaintext};

    #[test]
    fn our_hellos_parse_as_client_hellos() {
        for v in [SSL3, TLS10, TLS11, TLS12, TLS13] {
            let spec = HelloSpec {
                version: v,
                suites: vec![0x000a, 0x0005, 0xc02f],
                server_name: Some("cam.example".into()),
            };
            let rec = client_hello(&spec, [7; 32]);
            let (rest, p) = parse_tls_plaintext(&rec).unwrap();
            assert!(rest.is_empty());
            let TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch)) = &p.msg[0] else {
                panic!("not a ClientHello");
            };
            assert_eq!(ch.version.0, v.min(TLS12));
            assert!(ch.ciphers.iter().any(|c| c.0 == 0x000a));
        }
    }

    #[test]
    fn reads_a_flight_split_anywhere() {
        // ServerHello(TLS 1.0, suite 0x000a) + Certificate(one 3-byte cert) + ServerHelloDone.
        let mut sh = vec![2, 0, 0, 38, 3, 1];
        sh.extend_from_slice(&[1; 32]);
        sh.extend_from_slice(&[0, 0x00, 0x0a, 0]);
        let cert = vec![11, 0, 0, 9, 0, 0, 6, 0, 0, 3, 0xaa, 0xbb, 0xcc];
        let done = vec![14, 0, 0, 0];
        let hs = [sh, cert, done].concat();
        let mut rec = vec![22, 3, 1, 0, u8::try_from(hs.len()).unwrap()];
        rec.extend_from_slice(&hs);
        for split in 0..rec.len() {
            let mut r = FlightReader::default();
            let a = r.feed(&rec[..split]);
            let a = a.or_else(|| r.feed(&rec[split..])).unwrap();
            let Answer::Hello(h) = a else { panic!("{a:?}") };
            assert_eq!((h.version, h.cipher), (TLS10, 0x000a));
            assert_eq!(h.certificates, vec![vec![0xaa, 0xbb, 0xcc]]);
        }
    }

    proptest::proptest! {
        #[test]
        fn any_flight_reads_the_same_split_anywhere(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..4096),
            split in 0usize..4096,
        ) {
            let whole = {
                let mut r = FlightReader::default();
                r.feed(&bytes).unwrap_or_else(|| r.end())
            };
            let at = split.min(bytes.len());
            let parts = {
                let mut r = FlightReader::default();
                r.feed(&bytes[..at]).or_else(|| r.feed(&bytes[at..])).unwrap_or_else(|| r.end())
            };
            proptest::prop_assert_eq!(&whole, &parts);
            if let Answer::Hello(h) = whole {
                proptest::prop_assert!(h.certificates.len() <= 8);
                for der in &h.certificates {
                    let _ = super::super::cert::analyze(der, "x", 0, &crate::TlsOptions::default());
                }
            }
        }
    }

    #[test]
    fn alerts_and_garbage() {
        let mut r = FlightReader::default();
        assert_eq!(
            r.feed(&[21, 3, 1, 0, 2, 2, 40]),
            Some(Answer::Alert {
                level: 2,
                description: 40
            })
        );
        let mut r = FlightReader::default();
        assert_eq!(
            r.feed(b"HTTP/1.1 400 Bad Request\r\n"),
            Some(Answer::NotTls)
        );
        let mut r = FlightReader::default();
        assert_eq!(r.feed(&[22, 3, 3, 0xff, 0xff]), Some(Answer::NotTls));
    }
}
