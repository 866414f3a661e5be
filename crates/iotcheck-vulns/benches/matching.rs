//! Matching benchmark: every component of a CycloneDX SBOM against a
//! database, in-process (no output formatting), phase by phase.
//!
//! ```sh
//! bench/vulns.sh                     # builds the corpus and database, then runs this
//! IOTCHECK_BENCH_DB=/tmp/iotcheck-bench-vulns/vulns.sqlite \
//! IOTCHECK_BENCH_SBOM=/tmp/nvd-synth/bom-1000.cdx.json \
//!   cargo bench -p iotcheck-vulns --bench matching
//! ```
//!
//! Without the two variables it says so and exits non-zero: the corpus is
//! generated (≈ 850 MB), never shipped.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::time::Instant;

use iotcheck_model::Date;
use iotcheck_vulns::{Database, match_components};

fn main() {
    let (Ok(db), Ok(sbom)) = (
        std::env::var("IOTCHECK_BENCH_DB"),
        std::env::var("IOTCHECK_BENCH_SBOM"),
    ) else {
        eprintln!("set IOTCHECK_BENCH_DB and IOTCHECK_BENCH_SBOM (bench/vulns.sh makes both)");
        std::process::exit(2);
    };
    let today: Date = "2026-11-26".parse().unwrap();
    let wanted: Vec<(String, String)> = iotcheck_vulns::sbom::read(sbom.as_ref())
        .unwrap()
        .into_iter()
        .map(|c| (c.name, c.version))
        .collect();
    let runs = 10;
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let db = Database::open(db.as_ref()).unwrap();
        let out = match_components(&db, &wanted, today);
        found = out
            .iter()
            .map(|r| r.as_ref().map_or(0, Vec::len))
            .sum::<usize>();
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{} components, {found} matches: median {:.1} ms, min {:.1} ms, max {:.1} ms over {runs} runs (open + match, no output)",
        wanted.len(),
        times[runs / 2],
        times[0],
        times[runs - 1]
    );
}
