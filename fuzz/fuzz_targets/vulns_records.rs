//! Vulnerability records come from feeds anyone can write to (CNAs, OSV
//! contributors): reading a document, the prose range extractor, the CPE
//! parser and the version order must never panic, and the order must stay
//! a total order on whatever versions the input holds. The range index
//! of the database is read from the same bytes.
#![no_main]

use std::cmp::Ordering;

use iotcheck_vulns::cpe::Cpe;
use iotcheck_vulns::import::parse_document;
use iotcheck_vulns::prose::ranges;
use iotcheck_vulns::version::Version;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The per-product range index read back from a (damaged) database file.
    let _ = iotcheck_vulns::fuzz_range_index(data);
    let text = String::from_utf8_lossy(data);
    if let Ok(parsed) = parse_document(&text) {
        for r in &parsed.records {
            for a in &r.affected {
                // Every stored range must be evaluable.
                if let Some(v) = Version::parse("1.0.0") {
                    let _ = a.range.contains(&v);
                }
            }
        }
    }
    for r in ranges(&text, None) {
        assert!(r.range.exact.is_some() || r.range.start.is_some() || r.range.end.is_some());
    }
    let _ = Cpe::parse(&text);
    let versions: Vec<Version> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter_map(Version::parse)
        .take(16)
        .collect();
    for a in &versions {
        assert_eq!(a.cmp(a), Ordering::Equal);
        for b in &versions {
            assert_eq!(a.cmp(b), b.cmp(a).reverse(), "{a} vs {b}");
            for c in &versions {
                if a <= b && b <= c {
                    assert!(a <= c, "{a} <= {b} <= {c}");
                }
            }
        }
    }
});
