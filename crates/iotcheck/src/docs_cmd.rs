//! `iotcheck docs classify` and `iotcheck docs privacy-policy`.

use std::io::{BufRead, Write};

use clap::Args;
use iotcheck_docs::privacy::{Practice, classify_segment};

use crate::exit;

/// Arguments of `docs classify`.
#[derive(Args, Debug)]
pub struct ClassifyArgs {}

/// Reads `id<TAB>text` lines on standard input; writes one JSON object per
/// line: `{"id": …, "practices": [...]}`. A line without a TAB is an error
/// naming the line; blank lines are skipped.
pub fn classify(_args: ClassifyArgs) -> anyhow::Result<u8> {
    let stdin = std::io::stdin().lock();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut buf = Vec::new();
    let mut reader = std::io::BufReader::new(stdin);
    let mut line_no = 0usize;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        line_no += 1;
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        let Some((id, text)) = line.split_once('\t') else {
            return Err(crate::usage(format!(
                "standard input line {line_no}: no TAB between id and text (expected `id<TAB>text`)"
            )));
        };
        let practices: Vec<&str> = classify_segment(text)
            .into_iter()
            .map(Practice::name)
            .collect();
        serde_json::to_writer(
            &mut out,
            &serde_json::json!({"id": id, "practices": practices}),
        )?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(exit::MEETS)
}
