//! IoT Sentinel: 16 real smart-home devices' setup captures, labelled by
//! hand with tshark (tests/labels/, README there says how). The tables
//! printed here are those in docs/ACCURACY.md:
//!
//!   cargo test -p iotcheck-traffic --test it -- --nocapture sentinel

use std::collections::HashMap;

use iotcheck_model::Outcome;
use iotcheck_traffic::{DeviceSpec, checks};

use crate::{analyze, outcome, shared};

fn tsv(name: &str) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/labels")
            .join(name),
    )
    .unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split('\t')
        .map(str::to_string)
        .collect();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split('\t').map(str::to_string))
                .collect()
        })
        .collect()
}

/// Our outcome in the labels' words.
fn word(o: Option<Outcome>, absent: &str) -> String {
    match o {
        Some(Outcome::Fail) => "fail".into(),
        Some(Outcome::Pass) => "pass".into(),
        _ => absent.into(),
    }
}

#[derive(Default)]
struct Pr {
    tp: u32,
    fp: u32,
    fn_: u32,
}

impl Pr {
    fn add(&mut self, truth: bool, said: bool) {
        match (truth, said) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            _ => {}
        }
    }
    fn precision(&self) -> f64 {
        f64::from(self.tp) / f64::from((self.tp + self.fp).max(1))
    }
    fn recall(&self) -> f64 {
        f64::from(self.tp) / f64::from((self.tp + self.fn_).max(1))
    }
}

#[test]
fn sentinel_verdicts_and_flows_match_hand_labels() {
    let verdicts = tsv("iot-sentinel-verdicts.tsv");
    let flows = tsv("iot-sentinel-flows.tsv");
    let checks_cols = [
        ("comms.cleartext-app-data", "cleartext_app_data", "none"),
        ("comms.credentials-in-clear", "credentials_in_clear", "pass"),
        ("comms.tls-version", "tls_version", "none"),
        (
            "comms.firmware-download-in-clear",
            "firmware_download_in_clear",
            "pass",
        ),
    ];
    let mut agree: HashMap<&str, u32> = HashMap::new();
    let mut fail_pr: HashMap<&str, Pr> = HashMap::new();
    let mut disagreements = Vec::new();
    let mut flow_pr: HashMap<&str, Pr> = HashMap::new();
    let mut matched = 0;
    let mut labelled = 0;
    println!(
        "| capture | cleartext (label/iotcheck) | credentials | TLS < 1.2 | firmware in clear |\n|---|---|---|---|---|"
    );
    for v in &verdicts {
        let capture = &v["capture"];
        let mac = DeviceSpec::parse_mac(&v["device_mac"]).unwrap();
        let a = analyze(
            &shared(&format!("pcaps/iot-sentinel/{capture}")),
            &DeviceSpec {
                macs: vec![mac],
                ips: vec![],
            },
        );
        let r = checks(&a);
        let mut row = format!("| {} |", capture.split("__").next().unwrap());
        for (check, col, absent) in checks_cols {
            let ours = word(outcome(&r, check), absent);
            let truth = &v[col];
            row.push_str(&format!(
                " {truth}/{ours}{} |",
                if &ours == truth { "" } else { " ✗" }
            ));
            if &ours == truth {
                *agree.entry(check).or_default() += 1;
            } else {
                disagreements.push(format!("{capture} {check}: label {truth}, iotcheck {ours}"));
            }
            fail_pr
                .entry(check)
                .or_default()
                .add(truth == "fail", ours == "fail");
        }
        println!("{row}");
        // Flow by flow: the label's class against ours.
        for f in flows.iter().filter(|f| {
            &f["capture"] == capture && (f["transport"] == "tcp" || f["transport"] == "udp")
        }) {
            labelled += 1;
            let ours = a.flows.iter().find(|o| {
                o.transport == f["transport"]
                    && o.device.1.to_string() == f["device_port"]
                    && o.peer.0.to_string() == f["peer_ip"]
                    && o.peer.1.to_string() == f["peer_port"]
            });
            let Some(o) = ours else { continue };
            matched += 1;
            for (class, label_class) in [
                ("cleartext", "cleartext-app"),
                ("encrypted", "encrypted"),
                ("infrastructure", "infrastructure"),
            ] {
                flow_pr
                    .entry(class)
                    .or_default()
                    .add(f["class"] == label_class, o.class == class);
            }
        }
    }
    println!(
        "\n| check | captures agreeing | precision of `fail` | recall of `fail` |\n|---|---|---|---|"
    );
    for (check, _, _) in checks_cols {
        let pr = &fail_pr[check];
        println!(
            "| {check} | {}/{} | {:.2} | {:.2} |",
            agree.get(check).copied().unwrap_or(0),
            verdicts.len(),
            pr.precision(),
            pr.recall()
        );
    }
    println!("\nflows matched to labels: {matched}/{labelled}");
    println!("\n| flow class | precision | recall | labelled |\n|---|---|---|---|");
    for class in ["cleartext", "encrypted", "infrastructure"] {
        let pr = &flow_pr[class];
        println!(
            "| {class} | {:.3} | {:.3} | {} |",
            pr.precision(),
            pr.recall(),
            pr.tp + pr.fn_
        );
    }
    println!("\ndisagreements:\n{}", disagreements.join("\n"));

    // Floors: a regression below what was measured when this was written fails.
    assert_eq!(verdicts.len(), 16);
    assert!(
        matched * 100 >= labelled * 95,
        "flows of the labels not found: {matched}/{labelled}"
    );
    assert!(
        agree["comms.cleartext-app-data"] >= 15,
        "{disagreements:#?}"
    );
    assert!(agree["comms.tls-version"] >= 15, "{disagreements:#?}");
    assert!(
        agree["comms.firmware-download-in-clear"] >= 15,
        "{disagreements:#?}"
    );
    assert!(
        agree["comms.credentials-in-clear"] >= 14,
        "{disagreements:#?}"
    );
    assert!(
        fail_pr["comms.cleartext-app-data"].precision() >= 0.99,
        "a cleartext verdict no label supports"
    );
    assert!(flow_pr["cleartext"].precision() >= 0.9 && flow_pr["cleartext"].recall() >= 0.85);
    assert!(flow_pr["encrypted"].precision() >= 0.9 && flow_pr["encrypted"].recall() >= 0.9);
}
