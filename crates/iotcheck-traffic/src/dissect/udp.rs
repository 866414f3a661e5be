//! UDP protocols: infrastructure and discovery (DNS, mDNS, LLMNR, NetBIOS,
//! DHCP, DHCPv6, NTP, SSDP, STUN), QUIC, and cleartext application
//! protocols (CoAP, TFTP, SNMP v1/v2c, syslog).

use super::{Class, Finding, Identified, View, printable};
use crate::dissect::http::{firmware_magic, update_like};

fn first<'a>(v: &View<'a>) -> (&'a [u8], u64) {
    if let Some(d) = v.flow.streams[0].datagram(0) {
        (d, v.c2s_frame(0))
    } else {
        (v.flow.streams[1].datagram(0).unwrap_or(&[]), v.s2c_frame(0))
    }
}

fn infra(name: &str, detail: &str) -> Option<Identified> {
    let mut id = Identified::new(name, Class::Infrastructure);
    id.detail = Some(detail.into());
    Some(id)
}

/// A DNS header that holds together: at least one question, counts that fit.
fn dns_shaped(d: &[u8]) -> bool {
    if d.len() < 12 {
        return false;
    }
    let count = |i: usize| u16::from_be_bytes([d[i], d[i + 1]]);
    let opcode = (d[2] >> 3) & 0x0f;
    opcode <= 5 && count(4) + count(6) + count(8) + count(10) > 0 && count(4) < 64
}

pub(crate) fn identify(v: &View<'_>) -> Option<Identified> {
    let (d, frame) = first(v);
    let ports = |p: &[u16]| v.either_port(p);
    if ports(&[5353]) && dns_shaped(d) {
        return infra("mdns", "multicast DNS (local discovery)");
    }
    if ports(&[5355]) && dns_shaped(d) {
        return infra("llmnr", "LLMNR (local name resolution)");
    }
    if ports(&[137, 138]) {
        return infra("netbios", "NetBIOS name/datagram service");
    }
    if ports(&[53]) && dns_shaped(d) {
        return infra("dns", "DNS");
    }
    if ports(&[67, 68]) && d.len() >= 240 && d[236..240] == [0x63, 0x82, 0x53, 0x63] {
        return infra("dhcp", "DHCP");
    }
    if ports(&[546, 547]) {
        return infra("dhcpv6", "DHCPv6");
    }
    if ports(&[123]) && d.len() >= 48 && (1..=4).contains(&((d[0] >> 3) & 7)) {
        return infra("ntp", "NTP");
    }
    if d.starts_with(b"M-SEARCH * HTTP/1.1")
        || d.starts_with(b"NOTIFY * HTTP/1.1")
        || (ports(&[1900]) && d.starts_with(b"HTTP/1.1"))
    {
        return infra("ssdp", "SSDP (UPnP discovery)");
    }
    if is_stun(d) {
        let mut id = Identified::new("stun", Class::Infrastructure);
        id.detail = Some("STUN/TURN (NAT traversal)".into());
        for (dir, s) in v.flow.streams.iter().enumerate() {
            for i in 0..s.datagrams.len() {
                if let Some(x) = s.datagram(i).filter(|x| is_stun(x))
                    && let Some(f) =
                        stun_credential(x, s.frame_at(s.datagrams[i].0).unwrap_or(frame))
                    && dir == 0
                {
                    id.credentials.push(f);
                    break;
                }
            }
        }
        return Some(id);
    }
    // QUIC long header: form and fixed bits set, a known version.
    if d.len() >= 6 && d[0] & 0xc0 == 0xc0 {
        let version = u32::from_be_bytes([d[1], d[2], d[3], d[4]]);
        if version == 1
            || version == 0x6b33_43cf
            || (version & 0xffff_ff00) == 0xff00_0000
            || version == 0x5130_3530
        {
            let mut id = Identified::new("quic", Class::Encrypted);
            id.detail = Some(format!("QUIC version 0x{version:08x}"));
            return Some(id);
        }
    }
    // CoAP: version 1, token length ≤ 8, a known code class, on its port.
    if ports(&[5683])
        && d.len() >= 4
        && d[0] >> 6 == 1
        && d[0] & 0x0f <= 8
        && matches!(d[1] >> 5, 0 | 2 | 4 | 5)
    {
        let mut id = Identified::new("coap", Class::Cleartext);
        let path: Vec<u8> = d
            .iter()
            .skip(4 + usize::from(d[0] & 0x0f))
            .copied()
            .filter(|b| b.is_ascii_graphic())
            .take(60)
            .collect();
        id.detail = Some(format!("CoAP {}", printable(&path, 60)));
        id.excerpt = Some(Finding {
            frame,
            what: "CoAP message".into(),
            excerpt: printable(&path, 80),
        });
        return Some(id);
    }
    if let Some(id) = tftp(v, d, frame) {
        return Some(id);
    }
    if let Some(id) = snmp(d, frame) {
        return Some(id);
    }
    if ports(&[514]) && d.first() == Some(&b'<') {
        let mut id = Identified::new("syslog", Class::Cleartext);
        id.excerpt = Some(Finding {
            frame,
            what: "syslog message".into(),
            excerpt: printable(d, 100),
        });
        return Some(id);
    }
    None
}

fn tftp(v: &View<'_>, d: &[u8], frame: u64) -> Option<Identified> {
    // A read or write request: opcode, file name, NUL, mode, NUL.
    let request = d.len() >= 4 && d[0] == 0 && (d[1] == 1 || d[1] == 2) && {
        let rest = &d[2..];
        let mut parts = rest.split(|&b| b == 0);
        let name = parts.next().unwrap_or(&[]);
        let mode = parts.next().unwrap_or(&[]).to_ascii_lowercase();
        !name.is_empty()
            && name.iter().all(|b| b.is_ascii_graphic())
            && (mode == b"octet" || mode == b"netascii" || mode == b"mail")
    };
    // A data transfer on the server's new port: DATA block 1 one way, ACKs the other.
    let data_block_one = |s: &crate::flow::Stream| {
        s.datagram(0)
            .is_some_and(|x| x.len() >= 4 && x[..4] == [0, 3, 0, 1])
    };
    let transfer = data_block_one(&v.flow.streams[0]) || data_block_one(&v.flow.streams[1]);
    if !request && !transfer {
        return None;
    }
    let mut id = Identified::new("tftp", Class::Cleartext);
    if request {
        let name =
            String::from_utf8_lossy(d[2..].split(|&b| b == 0).next().unwrap_or(&[])).into_owned();
        let op = if d[1] == 1 { "read" } else { "write" };
        id.detail = Some(format!("TFTP {op} request for {name:?}"));
        id.excerpt = Some(Finding {
            frame,
            what: "TFTP request".into(),
            excerpt: format!("{op} {name}"),
        });
        if d[1] == 1 && update_like(&name) {
            id.downloads.push(Finding {
                frame,
                what: "update-like file fetched over TFTP".into(),
                excerpt: format!("RRQ {name}"),
            });
        }
    } else {
        id.detail = Some("TFTP data transfer".into());
        for s in &v.flow.streams {
            if let Some(x) = s
                .datagram(0)
                .filter(|x| x.len() > 4 && x[..4] == [0, 3, 0, 1])
                && let Some(m) = firmware_magic(&x[4..])
            {
                let f = s.frame_at(0).unwrap_or(frame);
                id.downloads.push(Finding {
                    frame: f,
                    what: format!("{m} transferred over TFTP"),
                    excerpt: format!("DATA block 1 starts with a {m} header"),
                });
            }
        }
    }
    Some(id)
}

/// SNMP: a BER SEQUENCE, an INTEGER version, then (v1/v2c) an OCTET STRING
/// community.
fn snmp(d: &[u8], frame: u64) -> Option<Identified> {
    if d.len() < 8 || d[0] != 0x30 {
        return None;
    }
    let mut i = 1;
    let len_byte = *d.get(i)?;
    i += 1;
    if len_byte & 0x80 != 0 {
        i += usize::from(len_byte & 0x7f);
    }
    if d.get(i)? != &0x02 || d.get(i + 1)? != &0x01 {
        return None;
    }
    let version = *d.get(i + 2)?;
    i += 3;
    match version {
        0 | 1 => {
            if d.get(i)? != &0x04 {
                return None;
            }
            let n = usize::from(*d.get(i + 1)?);
            let community = d.get(i + 2..i + 2 + n)?;
            if !community.iter().all(|b| b.is_ascii_graphic()) {
                return None;
            }
            let v = if version == 0 { "v1" } else { "v2c" };
            let mut id = Identified::new("snmp", Class::Cleartext);
            id.detail = Some(format!("SNMP{v}"));
            id.excerpt = Some(Finding {
                frame,
                what: format!("SNMP{v} message"),
                excerpt: format!("SNMP{v} community ********"),
            });
            id.credentials.push(Finding {
                frame,
                what: format!("SNMP{v} community string ({} characters)", community.len()),
                excerpt: format!("SNMP{v} community ********"),
            });
            Some(id)
        }
        3 => {
            let mut id = Identified::new("snmpv3", Class::Unknown);
            id.detail = Some("SNMPv3 (USM; privacy not determined)".into());
            Some(id)
        }
        _ => None,
    }
}

pub(crate) fn is_stun(d: &[u8]) -> bool {
    d.len() >= 20 && d[0] & 0xc0 == 0 && d[4..8] == [0x21, 0x12, 0xa4, 0x42]
}

/// A STUN/TURN request that carries a USERNAME with MESSAGE-INTEGRITY: a
/// long-term credential (RFC 8489 §9.2), whose HMAC can be attacked offline.
pub(crate) fn stun_credential(m: &[u8], frame: u64) -> Option<Finding> {
    let len = usize::from(u16::from_be_bytes([m[2], m[3]]));
    let body = m.get(20..20 + len.min(m.len().saturating_sub(20)))?;
    let mut i = 0;
    let mut username = None;
    let mut integrity = false;
    while i + 4 <= body.len() {
        let t = u16::from_be_bytes([body[i], body[i + 1]]);
        let l = usize::from(u16::from_be_bytes([body[i + 2], body[i + 3]]));
        let value = body.get(i + 4..i + 4 + l)?;
        match t {
            0x0006 => username = Some(String::from_utf8_lossy(value).into_owned()),
            0x0008 | 0x001c => integrity = true,
            _ => {}
        }
        i += 4 + l.div_ceil(4) * 4;
    }
    let user = username?;
    integrity.then(|| Finding {
        frame,
        what: "STUN/TURN long-term credential (user name in clear, HMAC over the password)".into(),
        excerpt: format!(
            "USERNAME {:?}, MESSAGE-INTEGRITY ********",
            printable(user.as_bytes(), 40)
        ),
    })
}

/// STUN/TURN over TCP: messages back to back in the stream.
pub(crate) fn tcp(v: &View<'_>) -> Option<Identified> {
    if !is_stun(v.c2s) {
        return None;
    }
    let mut id = Identified::new("stun", Class::Infrastructure);
    id.detail = Some("STUN/TURN over TCP".into());
    let mut rest = v.c2s;
    while is_stun(rest) {
        let offset = v.c2s.len() - rest.len();
        let len = 20 + usize::from(u16::from_be_bytes([rest[2], rest[3]]));
        if let Some(f) = stun_credential(&rest[..len.min(rest.len())], v.c2s_frame(offset)) {
            id.credentials.push(f);
            break;
        }
        let Some(next) = rest.get(len..) else { break };
        rest = next;
    }
    Some(id)
}
