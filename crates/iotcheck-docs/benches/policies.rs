//! Privacy-policy analysis throughput: policies per second on one thread.
//!
//! Reads the real vendor policies under `../shared/data/policies` (never
//! copied into the repository) and the example bundle's documents, and for
//! each reports the time of text extraction alone (the floor: reading the
//! document) and of extraction plus every practice check.
//!
//! Run: `cargo bench -p iotcheck-docs --bench policies` (bench/docs.sh
//! runs it pinned to one core next to pandoc).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use iotcheck_docs::privacy::check_privacy_document;
use iotcheck_docs::text::{Limits, extract, sniff};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shared = root.join("../shared/data/policies/opentermsarchive");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&shared)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e}: this benchmark reads the shared policies (see shared/data/MANIFEST.md)",
                shared.display()
            )
        })
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    files.push(root.join("examples/acme-cam/docs/privacy.html"));
    let docs: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(p).unwrap(),
            )
        })
        .collect();
    let limits = Limits::default();
    let rounds = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20u32);
    // Warm up: compile the rules once, as a long-running process would.
    for (name, b) in &docs {
        let d = extract(b, sniff(b, name), &limits).unwrap();
        let _ = check_privacy_document(&d, name);
    }
    println!(
        "{:<48} {:>9} {:>12} {:>12}",
        "document", "KiB", "extract ms", "analyse ms"
    );
    let (mut total_extract, mut total_all, mut bytes) = (0.0f64, 0.0f64, 0usize);
    for (name, b) in &docs {
        let t = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(extract(b, sniff(b, name), &limits).unwrap());
        }
        let e = t.elapsed().as_secs_f64() / f64::from(rounds);
        let t = Instant::now();
        for _ in 0..rounds {
            let d = extract(b, sniff(b, name), &limits).unwrap();
            std::hint::black_box(check_privacy_document(&d, name));
        }
        let a = t.elapsed().as_secs_f64() / f64::from(rounds);
        println!(
            "{name:<48} {:>9.1} {:>12.2} {:>12.2}",
            b.len() as f64 / 1024.0,
            e * 1e3,
            a * 1e3
        );
        total_extract += e;
        total_all += a;
        bytes += b.len();
    }
    let n = docs.len() as f64;
    println!(
        "\n{} documents, {:.0} KiB: extraction alone {:.0} documents/s; extraction + all checks {:.0} documents/s ({:.1} MiB/s)",
        docs.len(),
        bytes as f64 / 1024.0,
        n / total_extract,
        n / total_all,
        bytes as f64 / (1 << 20) as f64 / total_all
    );
}
