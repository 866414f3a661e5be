//! Extraction throughput for bench/doc_text.sh: reads FILEs into memory,
//! extracts each of them ROUNDS times (format sniffed), prints documents/s
//! and MB/s. `--helper PROGRAM` runs PDFs through that helper process.
//!
//!     cargo run --release -p iotcheck-docs --example text_throughput -- 20 FILE...
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use iotcheck_docs::text::{Limits, PdfHelper, extract, sniff};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut limits = Limits::default();
    if args.first().map(String::as_str) == Some("--helper") {
        limits.pdf_helper = Some(PdfHelper::new(args[1].clone(), Vec::<String>::new()));
        args.drain(..2);
    }
    let rounds: usize = args
        .first()
        .expect("usage: [--helper P] ROUNDS FILE...")
        .parse()
        .unwrap();
    let docs: Vec<(String, Vec<u8>)> = args[1..]
        .iter()
        .map(|p| (p.clone(), std::fs::read(p).unwrap()))
        .collect();
    let bytes: usize = docs.iter().map(|(_, b)| b.len()).sum();
    let (mut blocks, mut text) = (0usize, 0usize);
    let started = Instant::now();
    for _ in 0..rounds {
        for (name, b) in &docs {
            let doc = extract(b, sniff(b, name), &limits).unwrap_or_else(|e| panic!("{name}: {e}"));
            blocks += doc.blocks.len();
            text += doc.text.len();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let n = docs.len() * rounds;
    println!(
        "{n} documents ({:.2} MB in, {:.2} MB text out, {} blocks) in {secs:.3} s: {:.1} documents/s, {:.2} MB/s",
        (bytes * rounds) as f64 / 1e6,
        text as f64 / 1e6,
        blocks,
        n as f64 / secs,
        (bytes * rounds) as f64 / 1e6 / secs
    );
}
