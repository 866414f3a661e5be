//! Input recognition measured on labelled real files: every file in
//! shared/data is labelled by what its folder says it is (MANIFEST.md), and
//! iotcheck must accept exactly the captures as captures, and the documents
//! as documents. The table printed here is the one in docs/ACCURACY.md.

use std::io::Read;
use std::path::Path;

use iotcheck_engine::{Sniffed, check_kind};
use iotcheck_model::InputKind;

use crate::shared_data;

/// What a file in shared/data is, from its place in the tree.
fn label(rel: &str) -> Option<InputKind> {
    let ext = rel.rsplit('.').next().unwrap_or("");
    if rel.starts_with("pcaps/") {
        return matches!(ext, "pcap" | "pcapng" | "cap" | "gz").then_some(InputKind::Capture);
    }
    if rel.starts_with("securitytxt/") && !rel.ends_with("README.md") {
        return Some(InputKind::SecurityTxt);
    }
    if rel.starts_with("policies/opentermsarchive/") && ext == "md" {
        return Some(InputKind::PrivacyPolicy);
    }
    if rel.starts_with("policy-clauses/opp115/sanitized_policies/") {
        return Some(InputKind::PrivacyPolicy);
    }
    None
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn head(p: &Path) -> Vec<u8> {
    let mut buf = Vec::new();
    std::fs::File::open(p)
        .unwrap()
        .take(4096)
        .read_to_end(&mut buf)
        .unwrap();
    buf
}

#[derive(Default, Debug)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
    tn: usize,
    misses: Vec<String>,
    false_alarms: Vec<String>,
}

#[test]
fn input_recognition_on_shared_data() {
    let root = shared_data();
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let kinds = [
        InputKind::Capture,
        InputKind::SecurityTxt,
        InputKind::PrivacyPolicy,
    ];
    let mut table: Vec<(InputKind, Counts)> =
        kinds.iter().map(|k| (*k, Counts::default())).collect();
    for f in &files {
        let rel = f
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let truth = label(&rel);
        let sniffed = Sniffed::from_head(&head(f));
        for (kind, c) in table.iter_mut() {
            let accepted = check_kind(*kind, sniffed).is_ok();
            match (truth == Some(*kind), accepted) {
                (true, true) => c.tp += 1,
                (true, false) => {
                    c.fn_ += 1;
                    c.misses.push(format!("{rel} ({})", sniffed.describe()));
                }
                (false, true) => {
                    c.fp += 1;
                    c.false_alarms.push(rel.clone());
                }
                (false, false) => c.tn += 1,
            }
        }
    }
    println!(
        "| accepted as | files of that kind | other files | precision | recall | false accepts |"
    );
    println!("|---|---|---|---|---|---|");
    for (kind, c) in &table {
        let precision = c.tp as f64 / (c.tp + c.fp).max(1) as f64;
        let recall = c.tp as f64 / (c.tp + c.fn_).max(1) as f64;
        println!(
            "| {} | {} | {} | {precision:.3} | {recall:.3} | {} |",
            kind.as_str(),
            c.tp + c.fn_,
            c.fp + c.tn,
            c.fp
        );
    }
    let capture = &table[0].1;
    assert!(
        capture.tp >= 90,
        "expected the ~100 real captures of shared/data, found {}",
        capture.tp
    );
    assert!(
        capture.misses.is_empty(),
        "real captures refused: {:?}",
        capture.misses
    );
    assert!(
        capture.false_alarms.is_empty(),
        "non-captures accepted as captures: {:?}",
        capture.false_alarms
    );
    let sectxt = &table[1].1;
    assert!(
        sectxt.misses.is_empty(),
        "real security.txt files refused: {:?}",
        sectxt.misses
    );
    let policy = &table[2].1;
    assert!(
        policy.misses.is_empty(),
        "real policies refused: {:?}",
        policy.misses
    );
}
