//! Link, network and transport headers of one frame, through etherparse
//! (lax slicing, so frames cut by a snap length still yield their headers).

use std::net::IpAddr;

use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, LinkSlice, TransportSlice};
use pcap_parser::Linktype;

/// What iotcheck needs of a frame.
#[derive(Debug)]
pub(crate) struct Packet<'a> {
    pub src_mac: Option<[u8; 6]>,
    pub dst_mac: Option<[u8; 6]>,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub l4: L4<'a>,
}

#[derive(Debug)]
pub(crate) enum L4<'a> {
    Tcp {
        sport: u16,
        dport: u16,
        seq: u32,
        syn: bool,
        ack: bool,
        payload: &'a [u8],
    },
    Udp {
        sport: u16,
        dport: u16,
        payload: &'a [u8],
    },
    /// ICMP, IGMP, fragments and other IP payloads: counted, not followed.
    Other,
}

/// Why a frame yields no IP packet (counted in the summary).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Skip {
    NotIp,
    UnsupportedLinktype,
    Malformed,
}

pub(crate) fn decode(linktype: Linktype, data: &[u8]) -> Result<Packet<'_>, Skip> {
    let sliced = match linktype {
        Linktype::ETHERNET => LaxSlicedPacket::from_ethernet(data).map_err(|_| Skip::Malformed)?,
        Linktype::RAW | Linktype::IPV4 | Linktype::IPV6 => {
            LaxSlicedPacket::from_ip(data).map_err(|_| Skip::Malformed)?
        }
        Linktype::LINUX_SLL => {
            // 16-byte header; protocol (EtherType) in its last two bytes.
            let hdr = data.get(..16).ok_or(Skip::Malformed)?;
            LaxSlicedPacket::from_ether_type(
                EtherType(u16::from_be_bytes([hdr[14], hdr[15]])),
                &data[16..],
            )
        }
        Linktype::LINUX_SLL2 => {
            // 20-byte header; protocol (EtherType) first.
            let hdr = data.get(..20).ok_or(Skip::Malformed)?;
            LaxSlicedPacket::from_ether_type(
                EtherType(u16::from_be_bytes([hdr[0], hdr[1]])),
                &data[20..],
            )
        }
        Linktype::NULL | Linktype::LOOP => {
            // BSD loopback: a 4-byte address family, in either byte order.
            let hdr = data.get(..4).ok_or(Skip::Malformed)?;
            let family = u32::from_le_bytes([hdr[0], hdr[1], hdr[2], hdr[3]])
                .min(u32::from_be_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]));
            let ether_type = match family {
                2 => EtherType::IPV4,
                10 | 24 | 28 | 30 => EtherType::IPV6,
                _ => return Err(Skip::NotIp),
            };
            LaxSlicedPacket::from_ether_type(ether_type, &data[4..])
        }
        _ => return Err(Skip::UnsupportedLinktype),
    };
    let (src_mac, dst_mac) = match &sliced.link {
        Some(LinkSlice::Ethernet2(e)) => (Some(e.source()), Some(e.destination())),
        _ => (None, None),
    };
    let (src, dst, fragmented) = match &sliced.net {
        Some(LaxNetSlice::Ipv4(v4)) => {
            let h = v4.header();
            (
                IpAddr::V4(h.source_addr()),
                IpAddr::V4(h.destination_addr()),
                v4.payload().fragmented,
            )
        }
        Some(LaxNetSlice::Ipv6(v6)) => {
            let h = v6.header();
            (
                IpAddr::V6(h.source_addr()),
                IpAddr::V6(h.destination_addr()),
                v6.payload().fragmented,
            )
        }
        _ => return Err(Skip::NotIp),
    };
    let l4 = match (&sliced.transport, fragmented) {
        (Some(TransportSlice::Tcp(t)), false) => L4::Tcp {
            sport: t.source_port(),
            dport: t.destination_port(),
            seq: t.sequence_number(),
            syn: t.syn(),
            ack: t.ack(),
            payload: t.payload(),
        },
        (Some(TransportSlice::Udp(u)), false) => L4::Udp {
            sport: u.source_port(),
            dport: u.destination_port(),
            payload: u.payload(),
        },
        _ => L4::Other,
    };
    Ok(Packet {
        src_mac,
        dst_mac,
        src,
        dst,
        l4,
    })
}
