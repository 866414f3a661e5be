//! A capture from an untrusted source through the whole traffic analyzer:
//! reader, link/IP/transport decoding, reassembly, every dissector, the
//! checks and the summary. Property: evidence only names frames that exist.
#![no_main]

use iotcheck_model::Evidence;
use iotcheck_traffic::{DeviceSpec, Limits, analyze_reader, checks};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_flows: 256, max_buffered_bytes: 1 << 20, ..Limits::default() };
    let Ok(a) = analyze_reader(data, "fuzz.pcap", &DeviceSpec::default(), &limits) else { return };
    for r in checks(&a) {
        for e in &r.evidence {
            if let Evidence::Packet { frames, .. } = e {
                assert!(frames.iter().all(|f| *f >= 1 && *f <= a.frames));
            }
        }
    }
    let _ = a.summary();
});
