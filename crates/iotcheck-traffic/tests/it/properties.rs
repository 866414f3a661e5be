//! Properties on generated captures: any payloads, any ports, any bytes.

use etherparse::PacketBuilder;
use iotcheck_model::Evidence;
use iotcheck_traffic::{DeviceSpec, Limits, analyze_reader, checks};
use proptest::prelude::*;

/// A classic pcap (Ethernet) from frames.
fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    pcap_of(1, frames)
}

/// A classic pcap of a link type from frames.
fn pcap_of(linktype: u32, frames: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65_535u32.to_le_bytes());
    out.extend_from_slice(&linktype.to_le_bytes());
    for (i, f) in frames.iter().enumerate() {
        out.extend_from_slice(&(i as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(f);
    }
    out
}

fn tcp(
    src: [u8; 4],
    dst: [u8; 4],
    sport: u16,
    dport: u16,
    seq: u32,
    syn: bool,
    payload: &[u8],
) -> Vec<u8> {
    let b = PacketBuilder::ethernet2([2, 0, 0, 0, 0, src[3]], [2, 0, 0, 0, 0, dst[3]])
        .ipv4(src, dst, 64);
    let b = if syn {
        b.tcp(sport, dport, seq, 65_535).syn()
    } else {
        b.tcp(sport, dport, seq, 65_535).ack(1)
    };
    let mut v = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut v, payload).unwrap();
    v
}

fn udp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ethernet2([2, 0, 0, 0, 0, src[3]], [2, 0, 0, 0, 0, dst[3]])
        .ipv4(src, dst, 64)
        .udp(sport, dport);
    let mut v = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut v, payload).unwrap();
    v
}

const DEV: [u8; 4] = [192, 168, 1, 10];
const PEER: [u8; 4] = [203, 0, 113, 5];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any payloads on any ports: one flow, no panic, and every frame an
    /// evidence names exists in the capture.
    #[test]
    fn any_tcp_payloads(sport in 1024u16.., dport in 1u16.., c2s in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..600), 1..6), s2c in proptest::collection::vec(any::<u8>(), 0..900)) {
        let mut frames = vec![tcp(DEV, PEER, sport, dport, 100, true, &[])];
        let mut seq = 101u32;
        for p in &c2s {
            frames.push(tcp(DEV, PEER, sport, dport, seq, false, p));
            seq = seq.wrapping_add(p.len() as u32);
        }
        frames.push(tcp(PEER, DEV, dport, sport, 5000, false, &s2c));
        let a = analyze_reader(&pcap(&frames)[..], "p.pcap", &DeviceSpec { macs: vec![], ips: vec![DEV.into()] }, &Limits::default()).unwrap();
        prop_assert_eq!(a.frames, frames.len() as u64);
        prop_assert_eq!(a.flows.len(), 1);
        prop_assert!(a.flows[0].device_initiated);
        for r in checks(&a) {
            for e in &r.evidence {
                if let Evidence::Packet { frames: fs, .. } = e {
                    for f in fs {
                        prop_assert!(*f >= 1 && *f <= a.frames, "evidence names frame {f} of {}", a.frames);
                    }
                }
            }
        }
    }

    #[test]
    fn any_udp_payloads(sport in 1u16.., dport in 1u16.., d in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..700), 1..10)) {
        let frames: Vec<Vec<u8>> = d.iter().enumerate().map(|(i, p)| if i % 2 == 0 { udp(DEV, PEER, sport, dport, p) } else { udp(PEER, DEV, dport, sport, p) }).collect();
        let a = analyze_reader(&pcap(&frames)[..], "u.pcap", &DeviceSpec::default(), &Limits::default()).unwrap();
        let _ = checks(&a);
        let _ = a.summary();
    }

    /// Random damage to a real capture: partial results or a clear error, never a panic.
    #[test]
    fn damaged_real_capture(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..40), cut in any::<prop::sample::Index>()) {
        let mut bytes = std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme-cam/captures/setup.pcapng")).unwrap();
        for (i, b) in &flips {
            let at = i.index(bytes.len());
            bytes[at] = *b;
        }
        let len = cut.index(bytes.len()) + 1;
        if let Ok(a) = analyze_reader(&bytes[..len], "d.pcapng", &DeviceSpec::default(), &Limits::default()) {
            let _ = checks(&a);
            let _ = a.summary();
        }
    }
}

/// IPv4 fragments of one UDP datagram, in any order: reassembled into one flow.
fn fragments(payload: &[u8], chunk: usize, order: &[usize]) -> Vec<Vec<u8>> {
    use etherparse::{EtherType, Ethernet2Header, IpFragOffset, IpNumber, Ipv4Header, UdpHeader};
    let udp = UdpHeader::with_ipv4_checksum(
        40000,
        5683,
        &Ipv4Header::new(0, 64, IpNumber::UDP, DEV, PEER).unwrap(),
        payload,
    )
    .unwrap();
    let mut datagram = udp.to_bytes().to_vec();
    datagram.extend_from_slice(payload);
    let pieces: Vec<&[u8]> = datagram.chunks(chunk).collect();
    order
        .iter()
        .map(|&i| {
            let mut ip =
                Ipv4Header::new(pieces[i].len() as u16, 64, IpNumber::UDP, DEV, PEER).unwrap();
            ip.identification = 4242;
            ip.more_fragments = i + 1 < pieces.len();
            ip.fragment_offset = IpFragOffset::try_new((i * chunk / 8) as u16).unwrap();
            ip.header_checksum = ip.calc_header_checksum();
            let mut f = Vec::new();
            Ethernet2Header {
                source: [2, 0, 0, 0, 0, 10],
                destination: [2, 0, 0, 0, 0, 5],
                ether_type: EtherType::IPV4,
            }
            .write(&mut f)
            .unwrap();
            ip.write(&mut f).unwrap();
            f.extend_from_slice(pieces[i]);
            f
        })
        .collect()
}

#[test]
fn ipv4_fragments_are_reassembled() {
    // A CoAP request (version 1, CON, GET) whose options run past one fragment.
    let mut coap = vec![0x40, 0x01, 0x12, 0x34];
    coap.extend(std::iter::repeat_n(b'a', 3000));
    for order in [vec![0, 1, 2, 3, 4, 5], vec![5, 3, 1, 0, 2, 4]] {
        let frames = fragments(&coap, 512, &order);
        let a = analyze_reader(
            &pcap(&frames)[..],
            "frag.pcap",
            &DeviceSpec {
                macs: vec![],
                ips: vec![DEV.into()],
            },
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(a.flows.len(), 1, "order {order:?}: {:?}", a.flows);
        assert_eq!(a.flows[0].protocol, "coap");
        assert_eq!(
            a.flows[0].first_frame,
            frames.len() as u64,
            "the flow starts at the fragment that completed it"
        );
    }
}

#[test]
fn endless_unfinished_fragments_stay_bounded() {
    let coap = vec![0x40u8; 2000];
    // Only first fragments, each of another packet: nothing completes.
    let mut frames = Vec::new();
    for id in 0..3000u16 {
        let mut f = fragments(&coap, 1000, &[0]).remove(0);
        // Ethernet (14) + identification at IPv4 offset 4.
        f[18..20].copy_from_slice(&id.to_be_bytes());
        frames.push(f);
    }
    let a = analyze_reader(
        &pcap(&frames)[..],
        "frag.pcap",
        &DeviceSpec::default(),
        &Limits::default(),
    )
    .unwrap();
    assert!(a.flows.is_empty());
    assert_eq!(a.frames, 3000);
}

/// An unprotected 802.11 data frame behind radiotap, as a monitor-mode
/// capture of an open network shows it.
#[test]
fn wifi_radiotap_data_frames_are_read_protected_ones_skipped() {
    let ip_udp = {
        let b = PacketBuilder::ipv4(DEV, PEER, 64).udp(40000, 5683);
        let coap = [0x40, 0x01, 0x12, 0x34, 0xb4, b't', b'e', b'm', b'p'];
        let mut v = Vec::new();
        b.write(&mut v, &coap).unwrap();
        v
    };
    let frame = |protected: bool| {
        let mut f = vec![0, 0, 8, 0, 0, 0, 0, 0]; // radiotap: version 0, length 8, no fields
        f.extend_from_slice(&[0x08, 0x01 | if protected { 0x40 } else { 0 }]); // data, ToDS
        f.extend_from_slice(&[0, 0]); // duration
        f.extend_from_slice(&[2, 0, 0, 0, 0, 1]); // addr1: BSSID
        f.extend_from_slice(&[2, 0, 0, 0, 0, 10]); // addr2: source (the device)
        f.extend_from_slice(&[2, 0, 0, 0, 0, 5]); // addr3: destination
        f.extend_from_slice(&[0, 0]); // sequence control
        f.extend_from_slice(&[0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00]); // LLC/SNAP, IPv4
        f.extend_from_slice(&ip_udp);
        f
    };
    let device = DeviceSpec {
        macs: vec![[2, 0, 0, 0, 0, 10]],
        ips: vec![],
    };
    let a = analyze_reader(
        &pcap_of(127, &[frame(false)])[..],
        "wifi.pcap",
        &device,
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(a.flows.len(), 1);
    assert_eq!(a.flows[0].protocol, "coap");
    assert_eq!(
        a.device.ips,
        vec![std::net::IpAddr::from(DEV)],
        "the device's IP is learnt from its MAC"
    );
    let a = analyze_reader(
        &pcap_of(127, &[frame(true)])[..],
        "wifi.pcap",
        &device,
        &Limits::default(),
    )
    .unwrap();
    assert!(
        a.flows.is_empty(),
        "a protected frame carries nothing readable"
    );
}
