//! TLS and DTLS handshakes through tls-parser: the ClientHello (SNI) and
//! the ServerHello (negotiated version, with `supported_versions` for 1.3,
//! and cipher suite).

use tls_parser::{
    TlsExtension, TlsMessage, TlsMessageHandshake, TlsRecordType, parse_dtls_plaintext_record,
    parse_tls_extensions, parse_tls_message_handshake, parse_tls_raw_record,
};

use super::{Class, Identified, TlsFacts, View};

/// Whether bytes start like a TLS record (content type 20–23, version 3.x)
/// or an SSLv2 ClientHello.
pub(crate) fn looks_like_tls(b: &[u8]) -> bool {
    if b.len() >= 5 && (0x14..=0x17).contains(&b[0]) && b[1] == 3 && b[2] <= 4 {
        let len = u16::from_be_bytes([b[3], b[4]]) as usize;
        return len > 0 && len <= 16_384 + 2_048;
    }
    looks_like_sslv2_hello(b)
}

fn looks_like_sslv2_hello(b: &[u8]) -> bool {
    // 2-byte header with the high bit set, message type 1 (ClientHello), version 0x0002 or 3.x.
    b.len() >= 5 && b[0] & 0x80 != 0 && b[2] == 1 && (b[3] == 0 && b[4] == 2 || b[3] == 3)
}

/// Handshake messages of one direction: records of type handshake,
/// concatenated (a message may span records), then parsed one by one.
fn handshakes(
    data: &[u8],
    mut frame_of: impl FnMut(usize) -> u64,
    mut each: impl FnMut(&TlsMessageHandshake<'_>, u64),
) {
    let mut rest = data;
    let mut buf = Vec::new();
    let mut first_frame = None;
    while !rest.is_empty() {
        let offset = data.len() - rest.len();
        let Ok((after, record)) = parse_tls_raw_record(rest) else {
            break;
        };
        if record.hdr.record_type == TlsRecordType::Handshake {
            first_frame.get_or_insert_with(|| frame_of(offset));
            buf.extend_from_slice(record.data);
        } else if record.hdr.record_type == TlsRecordType::ChangeCipherSpec
            || record.hdr.record_type == TlsRecordType::ApplicationData
        {
            break;
        }
        rest = after;
    }
    let frame = first_frame.unwrap_or(0);
    let mut hs: &[u8] = &buf;
    while !hs.is_empty() {
        match parse_tls_message_handshake(hs) {
            Ok((after, TlsMessage::Handshake(m))) => {
                each(&m, frame);
                hs = after;
            }
            _ => break,
        }
    }
}

fn sni_of(ext: Option<&[u8]>) -> Option<String> {
    let (_, exts) = parse_tls_extensions(ext?).ok()?;
    exts.iter().find_map(|e| match e {
        TlsExtension::SNI(names) => names
            .first()
            .map(|(_, n)| String::from_utf8_lossy(n).into_owned()),
        _ => None,
    })
}

fn selected_version(ext: Option<&[u8]>) -> Option<u16> {
    let (_, exts) = parse_tls_extensions(ext?).ok()?;
    exts.iter().find_map(|e| match e {
        TlsExtension::SupportedVersions(v) if v.len() == 1 => Some(v[0].0),
        _ => None,
    })
}

/// Reads a leaf certificate with x509-parser.
fn certificate(der: &[u8], chain_len: usize, frame: u64) -> Option<super::CertFacts> {
    use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let subject = cert.subject().to_string();
    let issuer = cert.issuer().to_string();
    let mut names: Vec<String> = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|g| match g {
                    GeneralName::DNSName(n) => Some(n.to_ascii_lowercase()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        names = cert
            .subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok())
            .map(str::to_ascii_lowercase)
            .collect();
    }
    let rsa_bits = match cert.public_key().parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(k)) => k.key_size(),
        _ => 0,
    };
    Some(super::CertFacts {
        frame,
        chain_len,
        self_signed: subject == issuer && chain_len == 1,
        subject,
        issuer,
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        names,
        rsa_bits,
    })
}

/// Host names of public DNS-over-HTTPS resolvers (the well-known ones
/// browsers and operating systems ship), and the `doh.`/`dns.` prefixes
/// most others use.
fn is_doh_resolver(sni: &str) -> bool {
    const KNOWN: [&str; 9] = [
        "dns.google",
        "cloudflare-dns.com",
        "mozilla.cloudflare-dns.com",
        "dns.quad9.net",
        "dns.nextdns.io",
        "doh.opendns.com",
        "dns.adguard-dns.com",
        "doh.cleanbrowsing.org",
        "dns.controld.com",
    ];
    let s = sni.trim_end_matches('.').to_ascii_lowercase();
    KNOWN
        .iter()
        .any(|k| s == *k || s.ends_with(&format!(".{k}")))
        || s.starts_with("doh.")
}

/// Whether a certificate name covers a host name (RFC 6125: a wildcard
/// stands for exactly one left-most label).
pub(crate) fn name_matches(pattern: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(rest) => host
            .split_once('.')
            .is_some_and(|(first, tail)| !first.is_empty() && tail == rest),
        None => host == pattern,
    }
}

pub(crate) fn version_name(v: u16) -> String {
    match v {
        0x0002 => "SSL 2.0".into(),
        0x0300 => "SSL 3.0".into(),
        0x0301 => "TLS 1.0".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        0xfeff => "DTLS 1.0".into(),
        0xfefd => "DTLS 1.2".into(),
        0xfefc => "DTLS 1.3".into(),
        v => format!("0x{v:04x}"),
    }
}

/// Whether a negotiated version is older than (D)TLS 1.2.
pub(crate) fn is_old(v: u16) -> bool {
    match v {
        0xfe00..=0xfeff => v > 0xfefd, // DTLS counts down: 1.0 = 0xfeff
        _ => v < 0x0303,
    }
}

fn describe(f: &TlsFacts) -> String {
    let mut parts = Vec::new();
    if let Some(v) = f.version {
        parts.push(version_name(v));
    }
    if let Some(c) = f.cipher {
        parts.push(
            tls_parser::TlsCipherSuite::from_id(c)
                .map_or_else(|| format!("suite 0x{c:04x}"), |s| s.name.to_string()),
        );
    }
    if let Some(s) = &f.sni {
        parts.push(format!("SNI {s}"));
    }
    parts.join(", ")
}

pub(crate) fn tcp(v: &View<'_>) -> Option<Identified> {
    if !(looks_like_tls(v.c2s) || looks_like_tls(v.s2c)) {
        return None;
    }
    let mut facts = TlsFacts::default();
    if looks_like_sslv2_hello(v.c2s) && !looks_like_tls(v.s2c) {
        // An SSLv2 exchange: the server answers in SSLv2 too.
        facts.client_hello_frame = Some(v.c2s_frame(0));
        if v.s2c.len() >= 3 && v.s2c[0] & 0x80 != 0 && v.s2c[2] == 4 {
            facts.version = Some(0x0002);
            facts.server_hello_frame = Some(v.s2c_frame(0));
        }
    }
    handshakes(
        v.c2s,
        |o| v.c2s_frame(o),
        |m, frame| {
            if let TlsMessageHandshake::ClientHello(ch) = m {
                facts.client_hello_frame = Some(frame);
                facts.sni = sni_of(ch.ext);
            }
        },
    );
    handshakes(
        v.s2c,
        |o| v.s2c_frame(o),
        |m, frame| match m {
            TlsMessageHandshake::ServerHello(sh) => {
                facts.server_hello_frame = Some(frame);
                facts.version = Some(selected_version(sh.ext).unwrap_or(sh.version.0));
                facts.cipher = Some(sh.cipher.0);
            }
            TlsMessageHandshake::Certificate(c) if facts.certificate.is_none() => {
                facts.certificate = c
                    .cert_chain
                    .first()
                    .and_then(|leaf| certificate(leaf.data, c.cert_chain.len(), frame));
            }
            _ => {}
        },
    );
    let mut id = Identified::new("tls", Class::Encrypted);
    if let Some(ver) = facts.version {
        id.protocol = version_name(ver).to_lowercase().replace(' ', "");
    }
    let mut d = describe(&facts);
    if v.server_port() == 853 {
        // RFC 7858: DNS over TLS has its own port; say so, it is still TLS.
        d = format!("DNS over TLS; {d}");
    } else if facts.sni.as_deref().is_some_and(is_doh_resolver) {
        // RFC 8484 shares port 443 with the web; public resolvers' names tell it apart.
        d = format!("DNS over HTTPS (public resolver); {d}");
    }
    id.detail = (!d.is_empty()).then_some(d);
    id.tls = Some(facts);
    Some(id)
}

pub(crate) fn dtls(v: &View<'_>) -> Option<Identified> {
    let is_dtls =
        |b: &[u8]| b.len() >= 13 && (0x14..=0x17).contains(&b[0]) && b[1] == 0xfe && b[2] >= 0xfc;
    if !(is_dtls(v.c2s) || is_dtls(v.s2c)) {
        return None;
    }
    let mut facts = TlsFacts {
        dtls: true,
        ..TlsFacts::default()
    };
    // Every datagram may hold several records; the ServerHello carries the version.
    for (dir, stream) in v.flow.streams.iter().enumerate() {
        for i in 0..stream.datagrams.len() {
            let Some(mut d) = stream.datagram(i) else {
                continue;
            };
            let frame = stream
                .frame_at(stream.datagrams[i].0)
                .unwrap_or(v.flow.first_frame);
            while let Ok((rest, rec)) = parse_dtls_plaintext_record(d) {
                for m in &rec.messages {
                    if let tls_parser::DTLSMessage::Handshake(h) = m {
                        match &h.body {
                            tls_parser::DTLSMessageHandshakeBody::ServerHello(sh) if dir == 1 => {
                                facts.server_hello_frame.get_or_insert(frame);
                                facts.version.get_or_insert(
                                    selected_version(sh.ext).unwrap_or(sh.version.0),
                                );
                                facts.cipher.get_or_insert(sh.cipher.0);
                            }
                            tls_parser::DTLSMessageHandshakeBody::ClientHello(ch) if dir == 0 => {
                                facts.client_hello_frame.get_or_insert(frame);
                                if facts.sni.is_none() {
                                    facts.sni = sni_of(ch.ext);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                if rest.len() == d.len() {
                    break;
                }
                d = rest;
            }
        }
    }
    let mut id = Identified::new("dtls", Class::Encrypted);
    let d = describe(&facts);
    id.detail = (!d.is_empty()).then_some(d);
    id.tls = Some(facts);
    Some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_ordering() {
        assert!(
            is_old(0x0301)
                && is_old(0x0300)
                && is_old(0x0002)
                && !is_old(0x0303)
                && !is_old(0x0304)
        );
        assert!(is_old(0xfeff) && !is_old(0xfefd) && !is_old(0xfefc));
    }

    #[test]
    fn doh_resolvers() {
        assert!(
            is_doh_resolver("dns.google")
                && is_doh_resolver("mozilla.cloudflare-dns.com.")
                && is_doh_resolver("doh.example.net")
        );
        assert!(!is_doh_resolver("cloud.acme.example") && !is_doh_resolver("google.com"));
    }

    #[test]
    fn wildcards_cover_one_label() {
        assert!(name_matches("*.acme.example", "cloud.acme.example"));
        assert!(!name_matches("*.acme.example", "a.b.acme.example"));
        assert!(!name_matches("*.acme.example", "acme.example"));
        assert!(name_matches("Cloud.Acme.Example.", "cloud.acme.example"));
        assert!(!name_matches("cloud.acme.example", "update.acme.example"));
    }

    #[test]
    fn record_shapes() {
        assert!(looks_like_tls(&[0x16, 3, 1, 0, 0x50]));
        assert!(!looks_like_tls(b"GET / HTTP/1.1"));
        assert!(!looks_like_tls(&[0x16, 3, 1, 0xff, 0xff]));
    }
}
