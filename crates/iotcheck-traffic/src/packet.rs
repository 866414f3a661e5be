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
    /// A fragment of an IP packet: see [`Defrag`].
    Fragment,
    /// ICMP, IGMP and other IP payloads: counted, not followed.
    Other,
}

/// Link types pcap-parser does not name (tcpdump.org/linktypes.html).
const IEEE802_11: Linktype = Linktype(105);
const IEEE802_11_RADIOTAP: Linktype = Linktype(127);

/// Why a frame yields no IP packet (counted in the summary).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Skip {
    NotIp,
    UnsupportedLinktype,
    Malformed,
}

pub(crate) fn decode(linktype: Linktype, data: &[u8]) -> Result<Packet<'_>, Skip> {
    let mut wifi_macs = None;
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
        IEEE802_11_RADIOTAP | IEEE802_11 => {
            let (ether_type, macs, payload) = wifi_data(linktype, data)?;
            wifi_macs = Some(macs);
            LaxSlicedPacket::from_ether_type(ether_type, payload)
        }
        _ => return Err(Skip::UnsupportedLinktype),
    };
    let (src_mac, dst_mac) = match (&sliced.link, wifi_macs) {
        (_, Some((sa, da))) => (Some(sa), Some(da)),
        (Some(LinkSlice::Ethernet2(e)), None) => (Some(e.source()), Some(e.destination())),
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
        _ if fragmented => L4::Fragment,
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

/// IPv4 and IPv6 reassembly through etherparse's defragmentation pool,
/// bounded: packets whose fragments stop arriving are dropped after
/// [`Defrag::MAX_AGE_FRAMES`] frames, and the pool is swept regularly, so
/// a capture of endless half-finished fragments cannot grow it without end
/// (each packet is at most 64 KiB by the IP length fields).
pub(crate) struct Defrag {
    pool: etherparse::defrag::IpDefragPool<u64, ()>,
    calls: u64,
    /// Fragments that could not be reassembled (overlaps, too big, malformed).
    pub errors: u64,
}

/// A reassembled transport segment, owning its bytes.
pub(crate) struct Reassembled {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_mac: Option<[u8; 6]>,
    pub dst_mac: Option<[u8; 6]>,
    pub transport: etherparse::IpNumber,
    pub payload: Vec<u8>,
}

impl Default for Defrag {
    fn default() -> Self {
        Defrag {
            pool: etherparse::defrag::IpDefragPool::new(),
            calls: 0,
            errors: 0,
        }
    }
}

impl Defrag {
    pub const MAX_AGE_FRAMES: u64 = 20_000;

    /// Feeds one fragment; returns the whole IP payload once complete.
    pub fn add(&mut self, linktype: Linktype, data: &[u8], frame: u64) -> Option<Reassembled> {
        use etherparse::{NetSlice, SlicedPacket};
        self.calls += 1;
        if self.calls.is_multiple_of(1024) {
            self.pool
                .retain(|&first| frame.saturating_sub(first) < Self::MAX_AGE_FRAMES);
        }
        let sliced = match linktype {
            Linktype::ETHERNET => SlicedPacket::from_ethernet(data).ok()?,
            Linktype::RAW | Linktype::IPV4 | Linktype::IPV6 => SlicedPacket::from_ip(data).ok()?,
            Linktype::LINUX_SLL => SlicedPacket::from_ether_type(
                EtherType(u16::from_be_bytes([*data.get(14)?, *data.get(15)?])),
                data.get(16..)?,
            )
            .ok()?,
            Linktype::LINUX_SLL2 => SlicedPacket::from_ether_type(
                EtherType(u16::from_be_bytes([*data.first()?, *data.get(1)?])),
                data.get(20..)?,
            )
            .ok()?,
            _ => return None,
        };
        let (src_mac, dst_mac) = match &sliced.link {
            Some(LinkSlice::Ethernet2(e)) => (Some(e.source()), Some(e.destination())),
            _ => (None, None),
        };
        let (src, dst) = match &sliced.net {
            Some(NetSlice::Ipv4(v4)) => (
                IpAddr::V4(v4.header().source_addr()),
                IpAddr::V4(v4.header().destination_addr()),
            ),
            Some(NetSlice::Ipv6(v6)) => (
                IpAddr::V6(v6.header().source_addr()),
                IpAddr::V6(v6.header().destination_addr()),
            ),
            _ => return None,
        };
        match self.pool.process_sliced_packet(&sliced, frame, ()) {
            Ok(Some(done)) => Some(Reassembled {
                src,
                dst,
                src_mac,
                dst_mac,
                transport: done.ip_number,
                payload: done.payload,
            }),
            Ok(None) => None,
            Err(_) => {
                self.errors += 1;
                None
            }
        }
    }
}

/// EtherType, (source, destination) MACs and payload of an 802.11 data frame.
type WifiData<'a> = (EtherType, ([u8; 6], [u8; 6]), &'a [u8]);

/// An unprotected 802.11 data frame (optionally behind a radiotap header):
/// its LLC/SNAP EtherType, (source, destination) MACs and payload. Protected
/// frames (WPA) carry nothing readable and are not IP to us.
///
/// Hand-written: only data-frame addressing and LLC/SNAP are needed, and no
/// maintained crate parses 802.11 data frames into that shape.
fn wifi_data(linktype: Linktype, data: &[u8]) -> Result<WifiData<'_>, Skip> {
    let frame = if linktype == IEEE802_11_RADIOTAP {
        let len = usize::from(u16::from_le_bytes([
            *data.get(2).ok_or(Skip::Malformed)?,
            *data.get(3).ok_or(Skip::Malformed)?,
        ]));
        data.get(len..).ok_or(Skip::Malformed)?
    } else {
        data
    };
    let fc0 = *frame.first().ok_or(Skip::Malformed)?;
    let fc1 = *frame.get(1).ok_or(Skip::Malformed)?;
    if (fc0 >> 2) & 0x3 != 2 || fc1 & 0x40 != 0 {
        // Not a data frame, or protected.
        return Err(Skip::NotIp);
    }
    let subtype = fc0 >> 4;
    if subtype & 0x4 != 0 {
        return Err(Skip::NotIp); // null / QoS-null: no payload
    }
    let (to_ds, from_ds) = (fc1 & 0x1 != 0, fc1 & 0x2 != 0);
    let mut hdr = 24 + if to_ds && from_ds { 6 } else { 0 };
    if subtype & 0x8 != 0 {
        hdr += 2; // QoS control
        if fc1 & 0x80 != 0 {
            hdr += 4; // HT control
        }
    }
    let mac = |off: usize| -> Result<[u8; 6], Skip> {
        frame
            .get(off..off + 6)
            .and_then(|m| m.try_into().ok())
            .ok_or(Skip::Malformed)
    };
    let (a1, a2, a3) = (mac(4)?, mac(10)?, mac(16)?);
    let (sa, da) = match (to_ds, from_ds) {
        (false, false) => (a2, a1),
        (true, false) => (a2, a3),
        (false, true) => (a3, a1),
        (true, true) => (mac(24)?, a3),
    };
    let llc = frame.get(hdr..hdr + 8).ok_or(Skip::Malformed)?;
    if llc[..6] != [0xaa, 0xaa, 0x03, 0, 0, 0] {
        return Err(Skip::NotIp);
    }
    Ok((
        EtherType(u16::from_be_bytes([llc[6], llc[7]])),
        (sa, da),
        &frame[hdr + 8..],
    ))
}
