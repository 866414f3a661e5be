//! Protocol identification by content, not port, one file per protocol
//! family. Each dissector looks at the first bytes of each direction of a
//! flow and, when it recognises its protocol, says what it found: the
//! class (encrypted, cleartext application data, infrastructure, unknown),
//! and facts that checks need (TLS version and suite, credentials and
//! downloads in clear), each tied to a frame.

mod entropy;
mod http;
mod mqtt;
mod text;
mod tls;
mod udp;

use crate::flow::{Flow, Transport};

pub(crate) use entropy::judge as judge_unknown;
pub(crate) use tls::{is_old as tls_is_old, name_matches, version_name as tls_version_name};

/// How a flow's content is classed. Infrastructure and local discovery
/// (DHCP, DNS, NTP, mDNS, SSDP, STUN, …) are informational: a device needs
/// them to join a network, and they carry no user data or credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Encrypted,
    Cleartext,
    Infrastructure,
    Unknown,
    NoPayload,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Encrypted => "encrypted",
            Class::Cleartext => "cleartext",
            Class::Infrastructure => "infrastructure",
            Class::Unknown => "unknown",
            Class::NoPayload => "no-payload",
        }
    }
}

/// TLS/DTLS handshake facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TlsFacts {
    /// Negotiated version (ServerHello, with supported_versions for 1.3).
    pub version: Option<u16>,
    pub cipher: Option<u16>,
    pub sni: Option<String>,
    pub server_hello_frame: Option<u64>,
    pub client_hello_frame: Option<u64>,
    pub dtls: bool,
    /// The server's certificate, when the handshake shows it (TLS ≤ 1.2).
    pub certificate: Option<CertFacts>,
}

/// What the server's leaf certificate says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CertFacts {
    pub frame: u64,
    pub chain_len: usize,
    pub subject: String,
    pub issuer: String,
    pub not_before: i64,
    pub not_after: i64,
    /// Subject equals issuer and no other certificate came with it.
    pub self_signed: bool,
    /// DNS names (SAN, else CN).
    pub names: Vec<String>,
    /// RSA modulus bits; 0 for other key types.
    pub rsa_bits: usize,
}

/// Something found in clear, with the frame that carries it. `excerpt` has
/// secrets masked already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub frame: u64,
    pub what: String,
    pub excerpt: String,
}

/// What the dissectors made of a flow.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Identified {
    pub protocol: String,
    pub class: Class,
    pub detail: Option<String>,
    pub tls: Option<TlsFacts>,
    pub credentials: Vec<Finding>,
    pub downloads: Vec<Finding>,
    /// The first application bytes in clear, for evidence.
    pub excerpt: Option<Finding>,
    /// The server name the client asked for in clear (HTTP Host).
    pub host: Option<String>,
}

impl Identified {
    pub(crate) fn new(protocol: &str, class: Class) -> Identified {
        Identified {
            protocol: protocol.into(),
            class,
            detail: None,
            tls: None,
            credentials: vec![],
            downloads: vec![],
            excerpt: None,
            host: None,
        }
    }
}

/// The two directions' first bytes and the frames they came from.
pub(crate) struct View<'a> {
    pub flow: &'a Flow,
    pub c2s: &'a [u8],
    pub s2c: &'a [u8],
}

impl View<'_> {
    pub fn c2s_frame(&self, offset: usize) -> u64 {
        self.flow.streams[0]
            .frame_at(offset)
            .unwrap_or(self.flow.first_frame)
    }
    pub fn s2c_frame(&self, offset: usize) -> u64 {
        self.flow.streams[1]
            .frame_at(offset)
            .unwrap_or(self.flow.first_frame)
    }
    pub fn server_port(&self) -> u16 {
        self.flow.responder.1
    }
    pub fn client_port(&self) -> u16 {
        self.flow.initiator.1
    }
    pub fn either_port(&self, ports: &[u16]) -> bool {
        ports.contains(&self.server_port()) || ports.contains(&self.client_port())
    }
}

/// Identifies a flow from its content.
pub(crate) fn identify(flow: &Flow) -> Identified {
    let v = View {
        flow,
        c2s: &flow.streams[0].data,
        s2c: &flow.streams[1].data,
    };
    if v.c2s.is_empty() && v.s2c.is_empty() {
        return Identified::new(
            if flow.transport == Transport::Tcp {
                "tcp"
            } else {
                "udp"
            },
            Class::NoPayload,
        );
    }
    let found = match flow.transport {
        Transport::Tcp => tls::tcp(&v)
            .or_else(|| text::ssh(&v))
            .or_else(|| http::tcp(&v))
            .or_else(|| mqtt::tcp(&v))
            .or_else(|| udp::tcp(&v))
            .or_else(|| text::tcp(&v)),
        Transport::Udp => udp::identify(&v).or_else(|| tls::dtls(&v)),
    };
    found.unwrap_or_else(|| judge_unknown(&v))
}

/// A printable excerpt of at most `max` characters: control bytes shown as
/// `.`, line breaks as ` ⏎ `.
pub(crate) fn printable(bytes: &[u8], max: usize) -> String {
    let mut s = String::new();
    for &b in bytes.iter().take(max) {
        match b {
            b'\r' => {}
            b'\n' => s.push_str(" ⏎ "),
            0x20..=0x7e => s.push(b as char),
            _ => s.push('.'),
        }
    }
    s.trim_end().to_string()
}
