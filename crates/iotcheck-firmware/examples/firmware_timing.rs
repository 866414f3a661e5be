//! Where the time of `iotcheck firmware` goes, for bench/firmware.sh:
//! unpacking, the component inventory, and the other checks, each timed
//! alone on one image (best of three runs).
//!
//! ```text
//! cargo run --release -p iotcheck-firmware --example firmware_timing -- IMAGE
//! ```
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use iotcheck_firmware::{Limits, checks_with_inventory, inventory, unpack};

fn best<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut out = None;
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        out = Some(v);
    }
    (best, out.unwrap())
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: firmware_timing IMAGE");
    let bytes = std::fs::read(&path).unwrap();
    let (t_unpack, image) = best(|| unpack(&bytes, &path, &Limits::default()).unwrap());
    let scanned: usize = image.files().map(|(_, b)| b.len()).sum();
    let (t_inventory, components) = best(|| inventory(&image));
    let (t_checks, results) = best(|| checks_with_inventory(&image, &[], &components));
    println!(
        "| {} | {} files, {:.1} MiB | {:.0} ms | {:.0} ms ({:.0} MiB/s) | {:.0} ms | {} components, {} results |",
        std::path::Path::new(&path)
            .file_name()
            .unwrap()
            .to_string_lossy(),
        image.entries.len(),
        scanned as f64 / f64::from(1 << 20),
        t_unpack.as_secs_f64() * 1e3,
        t_inventory.as_secs_f64() * 1e3,
        scanned as f64 / f64::from(1 << 20) / t_inventory.as_secs_f64(),
        t_checks.as_secs_f64() * 1e3,
        components.len(),
        results.len(),
    );
}
