//! Properties on generated captures: any payloads, any ports, any bytes.

use etherparse::PacketBuilder;
use iotcheck_model::Evidence;
use iotcheck_traffic::{DeviceSpec, Limits, analyze_reader, checks};
use proptest::prelude::*;

/// A classic pcap (Ethernet) from frames.
fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65_535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
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
