//! Encrypted communications from packet captures.
//!
//! Reads pcap and pcapng (optionally gzip-compressed) with pcap-parser's
//! block parsers over a fixed buffer, decodes link to transport headers with etherparse,
//! gathers bidirectional flows with just enough TCP reassembly to read
//! handshakes and first application bytes, identifies each flow's protocol
//! by content (TLS through tls-parser, HTTP through httparse, and a
//! dissector per protocol family under `dissect/`), and decides the
//! `comms.*` checks for the device under test.
//!
//! What it deliberately does not do: decrypt anything, follow whole
//! streams (only the first [`Limits::max_stream_bytes`] each way), or judge
//! traffic that is not the device's. Local discovery and network
//! infrastructure (DHCP, DNS, NTP, mDNS, SSDP, STUN, LLMNR, NetBIOS) are
//! reported but never fail a check: a device needs them to join a network,
//! and they carry neither user data nor credentials.
//!
//! ```no_run
//! use iotcheck_traffic::{analyze_path, checks, DeviceSpec, Limits};
//!
//! let analysis = analyze_path("examples/acme-cam/captures/setup.pcapng".as_ref(), "setup.pcapng", &DeviceSpec::default(), &Limits::default()).unwrap();
//! for result in checks(&analysis) {
//!     println!("{} {}: {}", result.check, result.outcome, result.summary);
//! }
//! ```

mod checks;
mod dissect;
mod flow;
mod packet;
mod reader;

use std::collections::HashMap;
use std::io::Read;
use std::net::IpAddr;
use std::path::Path;

pub use checks::{CHECKS, checks};

/// Bounds on the work and memory one capture may cost. Defaults are
/// conservative; every bound reached is reported, never silent.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Flows followed per capture; packets of further flows are counted only.
    pub max_flows: usize,
    /// Payload kept per flow direction (handshakes and first application bytes).
    pub max_stream_bytes: usize,
    /// Out-of-order TCP segments held per direction while waiting for a gap.
    pub max_pending_segments: usize,
    /// UDP datagrams kept per flow direction.
    pub max_datagrams: usize,
    /// Payload held across all flows; beyond it flows are counted, not read.
    pub max_buffered_bytes: usize,
    /// A frame claiming more than this stops reading with an error.
    pub max_frame_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_flows: 200_000,
            max_stream_bytes: 16 * 1024,
            max_pending_segments: 32,
            max_datagrams: 8,
            max_buffered_bytes: 512 << 20,
            max_frame_bytes: 256 * 1024,
        }
    }
}

/// The device under test, as the user named it.
#[derive(Debug, Clone, Default)]
pub struct DeviceSpec {
    pub macs: Vec<[u8; 6]>,
    pub ips: Vec<IpAddr>,
}

impl DeviceSpec {
    /// Parses `aa:bb:cc:dd:ee:ff` (or `-` separated).
    pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
        let hex: Vec<u8> = s
            .split([':', '-'])
            .filter_map(|p| u8::from_str_radix(p, 16).ok())
            .collect();
        (hex.len() == 6 && s.split([':', '-']).count() == 6)
            .then(|| [hex[0], hex[1], hex[2], hex[3], hex[4], hex[5]])
    }
}

/// A capture that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum TrafficError {
    #[error("{path}: cannot open: {source}")]
    Open {
        path: String,
        source: std::io::Error,
    },
    #[error("{capture}: {reason}")]
    Unreadable { capture: String, reason: String },
}

/// The device as identified in the capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceIdent {
    pub macs: Vec<[u8; 6]>,
    pub ips: Vec<IpAddr>,
    /// True when iotcheck chose the device itself (the most active local host).
    pub inferred: bool,
}

/// One flow of the device, as the report shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowSummary {
    pub transport: &'static str,
    pub device: (IpAddr, u16),
    pub peer: (IpAddr, u16),
    /// Whether the device opened the flow.
    pub device_initiated: bool,
    pub protocol: String,
    pub class: &'static str,
    pub detail: Option<String>,
    pub first_frame: u64,
    pub frames: u64,
    pub bytes: u64,
}

/// Everything learnt from one capture.
#[derive(Debug)]
pub struct Analysis {
    pub capture: String,
    pub frames: u64,
    pub ip_packets: u64,
    pub device: DeviceIdent,
    /// The device's flows, in order of first frame.
    pub flows: Vec<FlowSummary>,
    /// Reading stopped early for this reason; results cover what was read.
    pub stopped: Option<String>,
    /// Bounds that were reached (flows not followed, payload not kept).
    pub limits_hit: Vec<String>,
    pub(crate) device_flows: Vec<(flow::Flow, dissect::Identified, bool)>,
}

/// Reads a capture file (gzip-compressed or not).
pub fn analyze_path(
    path: &Path,
    name: &str,
    device: &DeviceSpec,
    limits: &Limits,
) -> Result<Analysis, TrafficError> {
    let file = std::fs::File::open(path).map_err(|source| TrafficError::Open {
        path: path.display().to_string(),
        source,
    })?;
    analyze_stream(file, name, device, limits)
}

/// Reads a capture, gzip-compressed or not, from a stream read once from
/// start to end and never rewound: the caller may watch every byte go by
/// (the engine fingerprints a capture this way while it is analysed,
/// instead of reading it a second time).
pub fn analyze_stream<R: Read>(
    reader: R,
    name: &str,
    device: &DeviceSpec,
    limits: &Limits,
) -> Result<Analysis, TrafficError> {
    use std::io::BufRead;
    // The gzip magic is peeked in the buffer; once it is drained, reads
    // larger than the buffer go straight to the stream (no extra copy).
    let mut buffered = std::io::BufReader::with_capacity(8192, reader);
    let head = buffered.fill_buf().map_err(|e| TrafficError::Unreadable {
        capture: name.to_string(),
        reason: format!("cannot read: {e}"),
    })?;
    if head.starts_with(&[0x1f, 0x8b]) {
        analyze_reader(
            flate2::read::MultiGzDecoder::new(buffered),
            name,
            device,
            limits,
        )
    } else {
        analyze_reader(buffered, name, device, limits)
    }
}

/// Reads a capture from any reader.
pub fn analyze_reader<R: Read>(
    reader: R,
    name: &str,
    device: &DeviceSpec,
    limits: &Limits,
) -> Result<Analysis, TrafficError> {
    let mut table = flow::FlowTable::default();
    let mut frames = 0u64;
    let mut ip_packets = 0u64;
    let mut skipped_linktype = 0u64;
    let mut defrag = packet::Defrag::default();
    let stop = reader::read_frames(reader, limits.max_frame_bytes, |frame| {
        frames = frame.number;
        let p = match packet::decode(frame.linktype, frame.data) {
            Ok(p) => p,
            Err(skip) => {
                skipped_linktype += u64::from(skip == packet::Skip::UnsupportedLinktype);
                return;
            }
        };
        ip_packets += 1;
        let (transport, sport, dport, seq, syn, ack, payload) = match p.l4 {
            packet::L4::Tcp {
                sport,
                dport,
                seq,
                syn,
                ack,
                payload,
            } => (flow::Transport::Tcp, sport, dport, seq, syn, ack, payload),
            packet::L4::Udp {
                sport,
                dport,
                payload,
            } => (flow::Transport::Udp, sport, dport, 0, false, false, payload),
            packet::L4::Fragment => {
                let Some(r) = defrag.add(frame.linktype, frame.data, frame.number) else {
                    return;
                };
                add_reassembled(
                    &mut table,
                    r,
                    frame.number,
                    frame.data.len(),
                    frame.ts,
                    limits,
                );
                return;
            }
            packet::L4::Other => return,
        };
        table.add(
            flow::Segment {
                transport,
                src: (p.src, sport),
                dst: (p.dst, dport),
                src_mac: p.src_mac,
                dst_mac: p.dst_mac,
                seq,
                syn,
                ack,
                payload,
                frame: frame.number,
                frame_len: frame.data.len(),
                ts: frame.ts,
            },
            limits,
        );
    });
    let stopped = match stop {
        reader::Stop::End => None,
        reader::Stop::Error(e) if frames == 0 => {
            return Err(TrafficError::Unreadable {
                capture: name.into(),
                reason: e,
            });
        }
        reader::Stop::Error(e) => Some(e),
    };
    let mut limits_hit = Vec::new();
    if table.untracked_packets > 0 {
        limits_hit.push(format!(
            "{} packets of flows beyond the first {} were counted, not analysed",
            table.untracked_packets, limits.max_flows
        ));
    }
    if table.unbuffered_bytes > 0 {
        limits_hit.push(format!(
            "{} payload bytes were not kept (buffer budget of {} bytes spent)",
            table.unbuffered_bytes, limits.max_buffered_bytes
        ));
    }
    if defrag.errors > 0 {
        limits_hit.push(format!(
            "{} IP fragments could not be reassembled (overlapping, oversized or malformed)",
            defrag.errors
        ));
    }
    if skipped_linktype > 0 {
        limits_hit.push(format!(
            "{skipped_linktype} frames of an unsupported link type were skipped"
        ));
    }
    let ident = identify_device(&table.flows, device);
    let mut device_flows = Vec::new();
    for f in table.flows {
        let side = device_side(&f, &ident);
        let Some(device_is_initiator) = side else {
            continue;
        };
        let id = dissect::identify(&f);
        device_flows.push((f, id, device_is_initiator));
    }
    device_flows.sort_by_key(|(f, _, _)| f.first_frame);
    let flows = device_flows
        .iter()
        .map(|(f, id, dev_init)| {
            let (device, peer) = if *dev_init {
                (f.initiator, f.responder)
            } else {
                (f.responder, f.initiator)
            };
            FlowSummary {
                transport: f.transport.as_str(),
                device,
                peer,
                device_initiated: *dev_init,
                protocol: id.protocol.clone(),
                class: id.class.as_str(),
                detail: id.detail.clone(),
                first_frame: f.first_frame,
                frames: f.streams[0].packets + f.streams[1].packets,
                bytes: f.total_frame_bytes(),
            }
        })
        .collect();
    Ok(Analysis {
        capture: name.into(),
        frames,
        ip_packets,
        device: ident,
        flows,
        stopped,
        limits_hit,
        device_flows,
    })
}

/// A reassembled IP packet's TCP or UDP segment into the flow table.
fn add_reassembled(
    table: &mut flow::FlowTable,
    r: packet::Reassembled,
    frame: u64,
    frame_len: usize,
    ts: u32,
    limits: &Limits,
) {
    let (transport, sport, dport, seq, syn, ack, payload) =
        if r.transport == etherparse::IpNumber::TCP {
            let Ok(t) = etherparse::TcpSlice::from_slice(&r.payload) else {
                return;
            };
            (
                flow::Transport::Tcp,
                t.source_port(),
                t.destination_port(),
                t.sequence_number(),
                t.syn(),
                t.ack(),
                t.payload(),
            )
        } else if r.transport == etherparse::IpNumber::UDP {
            let Ok(u) = etherparse::UdpSlice::from_slice_lax(&r.payload) else {
                return;
            };
            (
                flow::Transport::Udp,
                u.source_port(),
                u.destination_port(),
                0,
                false,
                false,
                u.payload(),
            )
        } else {
            return;
        };
    table.add(
        flow::Segment {
            transport,
            src: (r.src, sport),
            dst: (r.dst, dport),
            src_mac: r.src_mac,
            dst_mac: r.dst_mac,
            seq,
            syn,
            ack,
            payload,
            frame,
            frame_len,
            ts,
        },
        limits,
    );
}

fn is_local(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_link_local()
                || (v4.octets()[0] == 192 && v4.octets()[1] == 0 && v4.octets()[2] == 2)
        }
        IpAddr::V6(v6) => {
            (v6.segments()[0] & 0xfe00) == 0xfc00 || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

fn is_unicast(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !v4.is_multicast()
                && !v4.is_broadcast()
                && !v4.is_unspecified()
                && v4.octets()[3] != 255
        }
        IpAddr::V6(v6) => !v6.is_multicast() && !v6.is_unspecified(),
    }
}

/// The device: as named (MACs resolved to the IPs they used), or else the
/// local unicast address with the most flows.
fn identify_device(flows: &[flow::Flow], spec: &DeviceSpec) -> DeviceIdent {
    let mut ips: Vec<IpAddr> = spec.ips.clone();
    if !spec.macs.is_empty() {
        for f in flows {
            for (side, ep) in [(0, f.initiator), (1, f.responder)] {
                if f.macs[side].is_some_and(|m| spec.macs.contains(&m))
                    && is_unicast(&ep.0)
                    && !ips.contains(&ep.0)
                {
                    ips.push(ep.0);
                }
            }
        }
    }
    if !spec.macs.is_empty() || !spec.ips.is_empty() {
        return DeviceIdent {
            macs: spec.macs.clone(),
            ips,
            inferred: false,
        };
    }
    let mut counts: HashMap<IpAddr, usize> = HashMap::new();
    for f in flows {
        for ep in [f.initiator.0, f.responder.0] {
            if is_unicast(&ep) {
                *counts.entry(ep).or_default() += 1;
            }
        }
    }
    let best = counts
        .iter()
        .filter(|(ip, _)| is_local(ip))
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .or_else(|| counts.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))))
        .map(|(ip, _)| *ip);
    let macs = best
        .and_then(|ip| {
            flows.iter().find_map(|f| {
                if f.initiator.0 == ip {
                    f.macs[0]
                } else if f.responder.0 == ip {
                    f.macs[1]
                } else {
                    None
                }
            })
        })
        .into_iter()
        .collect();
    DeviceIdent {
        macs,
        ips: best.into_iter().collect(),
        inferred: true,
    }
}

/// Some(true) when the device opened the flow, Some(false) when it answered,
/// None when the flow is not the device's.
fn device_side(f: &flow::Flow, d: &DeviceIdent) -> Option<bool> {
    let is_dev = |side: usize, ep: flow::Endpoint| {
        d.ips.contains(&ep.0) || f.macs[side].is_some_and(|m| d.macs.contains(&m))
    };
    if is_dev(0, f.initiator) {
        Some(true)
    } else if is_dev(1, f.responder) {
        Some(false)
    } else {
        None
    }
}

/// `aa:bb:cc:dd:ee:ff`.
pub fn format_mac(m: &[u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

impl Analysis {
    /// The report's view of this capture: the device's flows with names.
    pub fn summary(&self) -> iotcheck_model::TrafficSummary {
        let names = peer_names(&self.device_flows);
        let mut app_bytes = 0u64;
        let mut enc_bytes = 0u64;
        let flows = self
            .device_flows
            .iter()
            .zip(&self.flows)
            .map(|((_, id, _), s)| {
                if matches!(
                    id.class,
                    dissect::Class::Encrypted | dissect::Class::Cleartext | dissect::Class::Unknown
                ) {
                    app_bytes += s.bytes;
                    if id.class == dissect::Class::Encrypted {
                        enc_bytes += s.bytes;
                    }
                }
                let own = id
                    .tls
                    .as_ref()
                    .and_then(|t| t.sni.clone())
                    .or_else(|| id.host.clone());
                iotcheck_model::FlowRow {
                    transport: s.transport.into(),
                    device: s.device.0.to_string(),
                    device_port: s.device.1,
                    peer: s.peer.0.to_string(),
                    peer_port: s.peer.1,
                    peer_name: own.or_else(|| names.get(&s.peer.0).cloned()),
                    device_initiated: s.device_initiated,
                    protocol: s.protocol.clone(),
                    class: s.class.into(),
                    detail: s.detail.clone(),
                    first_frame: s.first_frame,
                    frames: s.frames,
                    bytes: s.bytes,
                }
            })
            .collect();
        let mut notes = self.limits_hit.clone();
        if let Some(s) = &self.stopped {
            notes.insert(0, format!("reading stopped early: {s}"));
        }
        if self.device.inferred {
            notes.push("no device was named (--device or [device] in device.toml): the most active local host was taken to be the device".into());
        }
        iotcheck_model::TrafficSummary {
            capture: self.capture.clone(),
            frames: self.frames,
            device_macs: self.device.macs.iter().map(format_mac).collect(),
            device_ips: self.device.ips.iter().map(ToString::to_string).collect(),
            device_inferred: self.device.inferred,
            encrypted_share: (app_bytes > 0).then(|| enc_bytes as f64 / app_bytes as f64),
            flows,
            notes,
        }
    }
}

/// Names of addresses from DNS and mDNS answers seen in the device's flows.
fn peer_names(flows: &[(flow::Flow, dissect::Identified, bool)]) -> HashMap<IpAddr, String> {
    let mut names = HashMap::new();
    for (f, id, _) in flows {
        if id.protocol != "dns" && id.protocol != "mdns" {
            continue;
        }
        for s in &f.streams {
            for i in 0..s.datagrams.len() {
                let Some(d) = s.datagram(i) else { continue };
                let Ok(packet) = simple_dns::Packet::parse(d) else {
                    continue;
                };
                for rr in &packet.answers {
                    let ip = match &rr.rdata {
                        simple_dns::rdata::RData::A(a) => {
                            IpAddr::V4(std::net::Ipv4Addr::from(a.address))
                        }
                        simple_dns::rdata::RData::AAAA(a) => {
                            IpAddr::V6(std::net::Ipv6Addr::from(a.address))
                        }
                        _ => continue,
                    };
                    names.entry(ip).or_insert_with(|| rr.name.to_string());
                }
            }
        }
    }
    names
}
