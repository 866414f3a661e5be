//! UDP services on loopback, answered by small std servers: an SNMP agent
//! that answers only the community `public`, an SSDP responder and a CoAP
//! server. Discovery finds each by its reply; the SNMP audit finds the
//! community.

use std::net::UdpSocket;
use std::thread;
use std::time::{Duration, Instant};

use iotcheck_probe::{Limits, Ports, ProbeOptions, Protocol, probe};

fn serve(answer: fn(&[u8]) -> Option<Vec<u8>>) -> u16 {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = s.local_addr().unwrap().port();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    thread::spawn(move || {
        let start = Instant::now();
        let mut buf = [0u8; 2048];
        while start.elapsed() < Duration::from_secs(20) {
            if let Ok((n, peer)) = s.recv_from(&mut buf)
                && let Some(reply) = answer(&buf[..n])
            {
                let _ = s.send_to(&reply, peer);
            }
        }
    });
    port
}

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![tag, u8::try_from(body.len()).unwrap()];
    v.extend_from_slice(body);
    v
}

/// Answers a GetRequest for community `public` only, echoing its request id.
fn snmp(req: &[u8]) -> Option<Vec<u8>> {
    let community = b"public";
    if req.first() != Some(&0x30) {
        return None;
    }
    let pos = req.windows(community.len()).position(|w| w == community)?;
    // Request id: the first INTEGER inside the PDU after the community.
    let pdu = &req[pos + community.len()..];
    let id = &pdu[4..4 + usize::from(pdu[3])];
    let oid = tlv(0x06, &[0x2b, 6, 1, 2, 1, 1, 1, 0]);
    let vb = tlv(0x30, &[oid, tlv(0x04, b"Linux ipcam 4.9")].concat());
    let pdu = tlv(
        0xa2,
        &[
            tlv(0x02, id),
            tlv(0x02, &[0]),
            tlv(0x02, &[0]),
            tlv(0x30, &vb),
        ]
        .concat(),
    );
    Some(tlv(
        0x30,
        &[tlv(0x02, &[1]), tlv(0x04, community), pdu].concat(),
    ))
}

fn ssdp(req: &[u8]) -> Option<Vec<u8>> {
    req.starts_with(b"M-SEARCH").then(|| {
        b"HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\nSERVER: Linux/4.9 UPnP/1.0 ipcam/1.0\r\n\r\n".to_vec()
    })
}

fn coap(req: &[u8]) -> Option<Vec<u8>> {
    // ACK 2.05 Content with the request's message id.
    (req.len() >= 4 && req[0] >> 6 == 1).then(|| {
        let mut r = vec![0x60, 0x45, req[2], req[3], 0xff];
        r.extend_from_slice(b"</sensors>");
        r
    })
}

#[test]
fn udp_services_are_identified_and_snmp_communities_audited() {
    let (snmp_p, ssdp_p, coap_p) = (serve(snmp), serve(ssdp), serve(coap));
    let opts = ProbeOptions {
        ports: Ports {
            tcp: vec![],
            udp: vec![snmp_p, ssdp_p, coap_p],
        },
        limits: Limits {
            budget: Duration::from_secs(20),
            ..Limits::default()
        },
        ..ProbeOptions::default()
    };
    let report = probe(&["127.0.0.1".to_string()], &opts).unwrap();
    let found = |p: u16| {
        report
            .services
            .iter()
            .find(|s| s.port == p)
            .map(|s| s.protocol)
    };
    assert_eq!(found(snmp_p), Some(Protocol::Snmp), "{:?}", report.services);
    assert_eq!(found(ssdp_p), Some(Protocol::Ssdp), "{:?}", report.services);
    assert_eq!(found(coap_p), Some(Protocol::Coap), "{:?}", report.services);
    let ssdp_banner = report
        .services
        .iter()
        .find(|s| s.port == ssdp_p)
        .and_then(|s| s.banner.clone());
    assert_eq!(ssdp_banner.as_deref(), Some("Linux/4.9 UPnP/1.0 ipcam/1.0"));
    let creds = report
        .results
        .iter()
        .find(|r| r.check.as_str() == "probe.default-credential")
        .unwrap();
    assert_eq!(
        creds.outcome,
        iotcheck_model::Outcome::Fail,
        "{}",
        creds.summary
    );
    assert!(
        creds
            .summary
            .contains(&format!("snmp on port {snmp_p} accepts community ********")),
        "{}",
        creds.summary
    );
    let clear = report
        .results
        .iter()
        .find(|r| r.check.as_str() == "probe.cleartext-service")
        .unwrap();
    assert!(
        clear.summary.contains("coap") && clear.summary.contains("snmp"),
        "{}",
        clear.summary
    );
}
