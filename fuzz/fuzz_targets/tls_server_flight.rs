//! The server's first TLS flight, read record by record, and the
//! certificate it carries. The answer must not depend on how the bytes
//! were split across reads, and nothing may panic.
#![no_main]

use iotcheck_probe::TlsOptions;
use iotcheck_probe::tls::{cert, hello::Answer, hello::FlightReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let whole = {
        let mut r = FlightReader::default();
        r.feed(data).unwrap_or_else(|| r.end())
    };
    let split = data.first().map_or(0, |&b| usize::from(b)).min(data.len());
    let parts = {
        let mut r = FlightReader::default();
        r.feed(&data[..split])
            .or_else(|| r.feed(&data[split..]))
            .unwrap_or_else(|| r.end())
    };
    assert_eq!(whole, parts);
    if let Answer::Hello(h) = whole {
        assert!(h.certificates.len() <= 8);
        for der in &h.certificates {
            let _ = cert::analyze(der, "cam.example", 1_700_000_000, &TlsOptions::default());
        }
    }
    let _ = cert::analyze(data, "127.0.0.1", 0, &TlsOptions::default());
});
