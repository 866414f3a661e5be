//! Discovery: a TCP connect scan of the configured ports and UDP probes
//! (SNMP, SSDP, mDNS, CoAP), each open port identified by its answer
//! ([`crate::identify`]). Everything goes through [`Net`], so the scope and
//! bounds hold.

use std::sync::Arc;
use std::time::Duration;

use crate::identify::{Probe, identify};
use crate::parse::{TelnetFilter, http_head, printable};
use crate::scope::{IoExt, Net, Target};
use crate::tls::hello::{self, HelloSpec};
use crate::{ProbeOptions, Protocol, Service, Shared, Transport, mqtt, snmp, tls, with};

/// Most bytes read from a banner or a probe reply.
const MAX_REPLY: usize = 8 * 1024;

pub(crate) async fn discover(net: &Arc<Net>, opts: &ProbeOptions, shared: &Shared) {
    let mut tasks = tokio::task::JoinSet::new();
    for t in net.scope().targets() {
        for &port in &opts.ports.tcp {
            tasks.spawn(scan_tcp_owned(net.clone(), t.clone(), port));
        }
        for &port in &opts.ports.udp {
            tasks.spawn(scan_udp_owned(net.clone(), t.clone(), port));
        }
    }
    while let Some(r) = tasks.join_next().await {
        if let Ok(Some(s)) = r {
            with(shared, |f| f.services.push(s));
        }
    }
    with(shared, |f| {
        f.services
            .sort_by(|a, b| (&a.host, a.transport, a.port).cmp(&(&b.host, b.transport, b.port)));
    });
}

async fn scan_tcp_owned(net: Arc<Net>, t: Target, port: u16) -> Option<Service> {
    scan_tcp(&net, &t, port).await
}

async fn scan_udp_owned(net: Arc<Net>, t: Target, port: u16) -> Option<Service> {
    scan_udp(&net, &t, port).await
}

fn service(
    t: &Target,
    port: u16,
    transport: Transport,
    protocol: Protocol,
    banner: Option<String>,
) -> Service {
    Service {
        host: t.name.clone(),
        addr: t.addr,
        port,
        transport,
        protocol,
        banner: banner.filter(|b| !b.is_empty()),
    }
}

/// The first printable line of a banner, Telnet negotiation removed.
fn first_line(bytes: &[u8]) -> String {
    let mut data = Vec::new();
    TelnetFilter::default().feed(bytes, &mut data, &mut Vec::new());
    data.split(|&b| b == b'\n')
        .map(|l| printable(l, 120))
        .map(|l| l.trim().to_string())
        .find(|l| !l.is_empty())
        .unwrap_or_default()
}

fn probe_order(port: u16) -> [Probe; 4] {
    match port {
        1883 | 1884 => [Probe::Mqtt, Probe::TlsHello, Probe::Http, Probe::Rtsp],
        554 | 8554 => [Probe::Rtsp, Probe::Http, Probe::TlsHello, Probe::Mqtt],
        443 | 8443 | 8883 | 993 | 995 | 5001 | 4443 => {
            [Probe::TlsHello, Probe::Http, Probe::Mqtt, Probe::Rtsp]
        }
        _ => [Probe::Http, Probe::TlsHello, Probe::Mqtt, Probe::Rtsp],
    }
}

pub(crate) fn http_get(host: &str, path: &str, extra: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: iotcheck-probe\r\nAccept: */*\r\n{extra}Connection: close\r\n\r\n"
    )
}

fn probe_bytes(p: Probe, t: &Target, port: u16) -> Vec<u8> {
    let host = host_header(t, port);
    match p {
        Probe::Banner => Vec::new(),
        Probe::TlsHello => hello::client_hello(
            &HelloSpec {
                version: hello::TLS12,
                suites: vec![
                    0xc02f, 0xc030, 0xc02b, 0xc02c, 0x009c, 0x002f, 0x0035, 0x000a, 0x0005,
                ],
                server_name: None,
            },
            [0x5a; 32],
        ),
        Probe::Http => http_get(&host, "/", "").into_bytes(),
        Probe::Mqtt => mqtt::connect_packet("iotcheck-probe", None),
        Probe::Rtsp => format!(
            "OPTIONS rtsp://{host}/ RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: iotcheck-probe\r\n\r\n"
        )
        .into_bytes(),
    }
}

/// `host:port` for a Host header or URL: an IPv6 literal (named bare or in
/// brackets) goes in brackets (RFC 3986 §3.2.2), a name as given.
pub(crate) fn host_header(t: &Target, port: u16) -> String {
    let bare = crate::scope::unbracket(&t.name);
    match bare.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => format!("[{v6}]:{port}"),
        _ => format!("{bare}:{port}"),
    }
}

/// A reply is complete enough to identify once it has a line, or a TLS or
/// MQTT header.
fn enough(b: &[u8]) -> bool {
    b.len() >= 5 && (b.contains(&b'\n') || b[0] == 0x16 || b[0] == 0x15 || b[0] == 0x20)
        || b.len() >= 4 && b[0] == 0x20
        || b.len() >= 3 && b[0] == crate::parse::IAC
}

async fn scan_tcp(net: &Net, t: &Target, port: u16) -> Option<Service> {
    let mut conn = net.connect(t, port).await.ok()?;
    let mut buf = Vec::new();
    conn.read_until(
        &mut buf,
        MAX_REPLY,
        net.bounded(net.limits().banner_wait),
        enough,
    )
    .await;
    if !buf.is_empty() {
        let proto = identify(Probe::Banner, &buf).unwrap_or(Protocol::Unknown);
        return Some(service(
            t,
            port,
            Transport::Tcp,
            proto,
            Some(first_line(&buf)),
        ));
    }
    let reply_wait = net.limits().io_timeout.min(Duration::from_secs(2));
    let mut first = Some(conn);
    for p in probe_order(port) {
        if net.spent() {
            break;
        }
        let mut c = match first.take() {
            Some(c) => c,
            None => match net.connect(t, port).await {
                Ok(c) => c,
                Err(_) => continue,
            },
        };
        if c.send_within(&probe_bytes(p, t, port), net.io())
            .await
            .is_err()
        {
            continue;
        }
        let mut buf = Vec::new();
        c.read_until(&mut buf, MAX_REPLY, net.bounded(reply_wait), |b| {
            enough(b) || b.windows(4).any(|w| w == b"\r\n\r\n")
        })
        .await;
        drop(c);
        match identify(p, &buf) {
            Some(Protocol::Tls) => {
                let s = service(t, port, Transport::Tcp, Protocol::Tls, None);
                return Some(inner_tls(net, s).await);
            }
            Some(proto @ (Protocol::Http | Protocol::Rtsp)) => {
                let banner = http_head(&buf)
                    .and_then(|h| h.header("server").map(|s| printable(s.as_bytes(), 120)))
                    .or_else(|| Some(first_line(&buf)));
                return Some(service(t, port, Transport::Tcp, proto, banner));
            }
            Some(proto) if proto != Protocol::Unknown => {
                return Some(service(
                    t,
                    port,
                    Transport::Tcp,
                    proto,
                    Some(first_line(&buf)),
                ));
            }
            _ => {}
        }
    }
    Some(service(t, port, Transport::Tcp, Protocol::Unknown, None))
}

/// What a TLS service carries: HTTP or MQTT inside, asked in that order
/// (MQTT first on its usual port).
async fn inner_tls(net: &Net, mut s: Service) -> Service {
    let order: [Probe; 2] = if s.port == 8883 {
        [Probe::Mqtt, Probe::Http]
    } else {
        [Probe::Http, Probe::Mqtt]
    };
    let t = Target {
        name: s.host.clone(),
        addr: s.addr,
    };
    let wait = net.limits().io_timeout.min(Duration::from_secs(2));
    for p in order {
        let Ok(mut c) = tls::client(net, &s).await else {
            return s;
        };
        if c.send_within(&probe_bytes(p, &t, s.port), net.io())
            .await
            .is_err()
        {
            continue;
        }
        let mut buf = Vec::new();
        c.read_until(&mut buf, MAX_REPLY, net.bounded(wait), |b| {
            enough(b) || b.windows(4).any(|w| w == b"\r\n\r\n")
        })
        .await;
        match identify(p, &buf) {
            Some(Protocol::Http) => {
                s.protocol = Protocol::Https;
                s.banner = http_head(&buf)
                    .and_then(|h| h.header("server").map(|v| printable(v.as_bytes(), 120)));
                return s;
            }
            Some(Protocol::Mqtt) => {
                s.protocol = Protocol::Mqtts;
                return s;
            }
            _ => {}
        }
    }
    s
}

/// Sends the SNMP, SSDP, mDNS and CoAP probes together (the port's usual
/// one first) and identifies the service by the reply's format.
async fn scan_udp(net: &Net, t: &Target, port: u16) -> Option<Service> {
    let snmp = snmp::get_request("public", 0x1234);
    let ssdp = b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n".to_vec();
    let mdns = mdns_query();
    let coap = coap_get_core();
    let mut payloads: Vec<&[u8]> = vec![&coap, &snmp, &ssdp, &mdns];
    let first = match port {
        161 => 1,
        1900 => 2,
        5353 => 3,
        _ => 0,
    };
    payloads.swap(0, first);
    let wait = net.limits().io_timeout.min(Duration::from_secs(2));
    let reply = net
        .udp_exchange(t, port, &payloads, wait, 4096)
        .await
        .ok()
        .flatten()?;
    let proto = identify_udp(&reply)?;
    let banner = match proto {
        Protocol::Ssdp => {
            http_head(&reply).and_then(|h| h.header("server").map(|v| printable(v.as_bytes(), 120)))
        }
        _ => None,
    };
    Some(service(t, port, Transport::Udp, proto, banner))
}

/// A UDP reply's protocol, by its format.
pub fn identify_udp(r: &[u8]) -> Option<Protocol> {
    if r.starts_with(b"HTTP/1.1") || r.starts_with(b"NOTIFY ") {
        return Some(Protocol::Ssdp);
    }
    if r.first() == Some(&0x30) && snmp::parse_response(r).is_some() {
        return Some(Protocol::Snmp);
    }
    // CoAP (RFC 7252 §3): version 1, an ACK or RST echoing our message id.
    if r.len() >= 4 && r[0] >> 6 == 1 && matches!((r[0] >> 4) & 3, 2 | 3) && r[2..4] == [0x12, 0x34]
    {
        return Some(Protocol::Coap);
    }
    // DNS (RFC 1035 §4.1.1): QR set, opcode 0, our id 0.
    if r.len() >= 12 && r[0] == 0 && r[1] == 0 && r[2] & 0x80 != 0 {
        return Some(Protocol::Mdns);
    }
    None
}

/// A unicast mDNS question for `_services._dns-sd._udp.local` PTR (RFC 6763 §9),
/// with the unicast-response bit set (RFC 6762 §5.4).
fn mdns_query() -> Vec<u8> {
    let mut q = vec![0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in ["_services", "_dns-sd", "_udp", "local"] {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 12, 0x80, 1]);
    q
}

/// CoAP CON GET /.well-known/core (RFC 6690 §4).
fn coap_get_core() -> Vec<u8> {
    let mut m = vec![0x40, 0x01, 0x12, 0x34, 0xbb];
    m.extend_from_slice(b".well-known");
    m.push(0x04);
    m.extend_from_slice(b"core");
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn udp_replies() {
        assert_eq!(
            identify_udp(b"HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\n\r\n"),
            Some(Protocol::Ssdp)
        );
        assert_eq!(
            identify_udp(&[0x60, 0x45, 0x12, 0x34, 0xff]),
            Some(Protocol::Coap)
        );
        assert_eq!(
            identify_udp(&[0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0]),
            Some(Protocol::Mdns)
        );
        assert_eq!(identify_udp(b"garbage"), None);
    }
}
