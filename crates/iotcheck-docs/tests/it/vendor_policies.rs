//! Real vendor policies (../shared/data/policies, read from there, never
//! copied) against hand labels (tests/labels/*.tsv: which practices each
//! document states, the kind of retention and change notice, and the first
//! words of the sentences that state them).
//!
//! Document level: a practice counts as found when any segment states it.
//! The table is printed (`cargo test -p iotcheck-docs --test it vendor --
//! --nocapture`) and recorded in docs/ACCURACY.md; the assertions are
//! floors that catch a regression, set below what the rules reach today.
//! Labels marked BORDERLINE (the opposite call is defensible) are left out.

#![allow(clippy::print_stdout)] // the tables are the point: `--nocapture` shows them

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use iotcheck_docs::disclosure::{self, Item};
use iotcheck_docs::privacy::{ChangeNotice, Practice, RetentionKind, analyze};
use iotcheck_docs::text::{Document, Limits, extract, sniff};

fn shared_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/policies/opentermsarchive");
    assert!(
        d.is_dir(),
        "shared test data missing: expected {} (see shared/data/MANIFEST.md); \
         these tests read real vendor policies from there and cannot run without them",
        d.display()
    );
    d
}

#[derive(Debug)]
struct Label {
    file: String,
    name: String,
    present: bool,
    kind: String,
    locators: Vec<String>,
}

fn labels(file: &str) -> Vec<Label> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/labels");
    let main = std::fs::read_to_string(dir.join(file)).unwrap();
    let extra_name = file.replace(".tsv", "-extra.tsv");
    let extra = std::fs::read_to_string(dir.join(&extra_name)).unwrap_or_default();
    let mut out: Vec<Label> = Vec::new();
    for line in main.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 6 || f[5].starts_with("BORDERLINE") {
            continue;
        }
        out.push(Label {
            file: f[0].into(),
            name: f[1].into(),
            present: f[2] == "yes",
            kind: f[3].into(),
            locators: if f[4] == "-" {
                vec![]
            } else {
                vec![f[4].into()]
            },
        });
    }
    for line in extra.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if let Some(l) = out.iter_mut().find(|l| l.file == f[0] && l.name == f[1]) {
            l.locators.push(f[4].into());
        }
    }
    out
}

fn documents() -> BTreeMap<String, Document> {
    let dir = shared_dir();
    let mut docs = BTreeMap::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".md") {
            continue;
        }
        let b = std::fs::read(&p).unwrap();
        docs.insert(
            name.clone(),
            extract(&b, sniff(&b, &name), &Limits::default()).unwrap(),
        );
    }
    docs
}

/// Whitespace collapsed and typographic quotes made plain, so a locator
/// copied from the Markdown finds the extracted sentence.
fn norm(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(['’', '‘'], "'")
        .replace(['“', '”'], "\"")
        .replace('*', "")
}

#[derive(Default)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
    tn: usize,
    evidence_agrees: usize,
}

fn table(title: &str, rows: &BTreeMap<String, Counts>) -> (usize, usize) {
    println!("\n{title}\n| practice | TP | FP | FN | TN | evidence on a labelled sentence |");
    println!("|---|---:|---:|---:|---:|---:|");
    let (mut agree, mut total) = (0, 0);
    for (name, c) in rows {
        println!(
            "| {name} | {} | {} | {} | {} | {}/{} |",
            c.tp, c.fp, c.fn_, c.tn, c.evidence_agrees, c.tp
        );
        agree += c.tp + c.tn;
        total += c.tp + c.tn + c.fp + c.fn_;
    }
    println!("agreement {agree}/{total}");
    (agree, total)
}

#[test]
fn vendor_policy_practices_against_hand_labels() {
    let docs = documents();
    let mut rows: BTreeMap<String, Counts> = BTreeMap::new();
    let mut kinds_agree = (0, 0);
    for l in labels("vendor-practices.tsv") {
        let doc = docs
            .get(&l.file)
            .unwrap_or_else(|| panic!("{} labelled but not in shared data", l.file));
        let practice = Practice::from_name(&l.name).unwrap();
        let a = analyze(doc);
        let found: Vec<String> = a
            .of(practice)
            .map(|f| norm(doc.text.get(a.sentences[f.sentence].clone()).unwrap_or("")))
            .collect();
        let c = rows.entry(l.name.clone()).or_default();
        match (l.present, !found.is_empty()) {
            (true, true) => {
                c.tp += 1;
                // Findings are per segment: the labelled sentence may be any
                // sentence of a segment that states the practice.
                let segs: Vec<String> = a
                    .of(practice)
                    .map(|f| {
                        norm(
                            doc.text
                                .get(a.segments[f.segment].span.clone())
                                .unwrap_or(""),
                        )
                    })
                    .collect();
                if l.locators
                    .iter()
                    .any(|loc| segs.iter().any(|s| s.contains(&norm(loc))))
                {
                    c.evidence_agrees += 1;
                }
            }
            (false, true) => c.fp += 1,
            (true, false) => c.fn_ += 1,
            (false, false) => c.tn += 1,
        }
        // The kinds the checks decide on.
        let ours = match practice {
            Practice::Retention => Some(match a.retention.kind {
                RetentionKind::Period => "period",
                RetentionKind::Necessary => "necessary",
                RetentionKind::Indefinite => "indefinite",
                RetentionKind::Unspecified | RetentionKind::None => "none",
            }),
            Practice::ChangeNotification => Some(match a.change_notice {
                ChangeNotice::Personal { .. } | ChangeNotice::Notify { .. } => "personal",
                ChangeNotice::Posting { .. } => "posting",
                ChangeNotice::None => "none",
            }),
            _ => None,
        };
        if let Some(ours) = ours {
            let want = if l.present { l.kind.as_str() } else { "none" };
            kinds_agree.1 += 1;
            if ours == want {
                kinds_agree.0 += 1;
            } else {
                println!(
                    "kind differs: {} {}: labelled {want}, found {ours}",
                    l.file, l.name
                );
            }
        }
    }
    let (agree, total) = table("Vendor policies (document level, hand labels)", &rows);
    println!(
        "retention and change-notice kinds agree: {}/{}",
        kinds_agree.0, kinds_agree.1
    );
    assert!(total >= 70, "labels missing: {total}");
    assert!(
        agree * 100 >= total * 80,
        "document-level agreement fell to {agree}/{total}"
    );
    assert!(
        kinds_agree.0 * 100 >= kinds_agree.1 * 65,
        "kinds agree {kinds_agree:?}"
    );
}

#[test]
fn vendor_disclosure_items_against_hand_labels() {
    let docs = documents();
    let mut rows: BTreeMap<String, Counts> = BTreeMap::new();
    for l in labels("disclosure.tsv") {
        let doc = docs.get(&l.file).unwrap();
        let item = Item::ALL.into_iter().find(|i| i.name() == l.name).unwrap();
        let found = disclosure::analyze(doc).into_iter().any(|(i, _)| i == item);
        let c = rows.entry(l.name.clone()).or_default();
        match (l.present, found) {
            (true, true) => c.tp += 1,
            (false, true) => {
                println!("disclosure FP: {} {}", l.file, l.name);
                c.fp += 1
            }
            (true, false) => c.fn_ += 1,
            (false, false) => c.tn += 1,
        }
    }
    let (agree, total) = table("Disclosure items (document level, hand labels)", &rows);
    assert!(total >= 50, "labels missing: {total}");
    assert!(
        agree * 100 >= total * 85,
        "disclosure agreement fell to {agree}/{total}"
    );
}
