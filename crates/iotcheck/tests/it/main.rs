//! The iotcheck command line, end to end, as a user runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Tests start their own servers on loopback and talk to them directly
// (clippy.toml keeps these calls to the probe's scope module elsewhere).
#![allow(clippy::disallowed_methods)]

mod assess;
mod bad_input;
mod browser;
mod docs;
mod docs_fetch;
mod firmware;
mod policies;
mod probe;
mod standards;
mod vulns;

use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub fn example() -> PathBuf {
    root().join("examples/acme-cam")
}

pub fn iotcheck() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("iotcheck").unwrap();
    // Never the user's own vulnerability database: tests give theirs with --db/--vulns-db.
    cmd.env_remove("NO_COLOR")
        .env_remove("XDG_DATA_HOME")
        .env(
            "IOTCHECK_DATA_DIR",
            std::env::temp_dir().join("iotcheck-tests-no-data-dir"),
        )
        .current_dir(root());
    cmd
}

pub const STANDARD_IDS: [&str; 5] = [
    "encrypted-communications",
    "security-updates",
    "strong-passwords",
    "vulnerability-management",
    "privacy-practices",
];
pub const VERDICTS: [&str; 4] = ["meets", "fails", "inconclusive", "not_applicable"];

/// Checks the JSON contract scripts rely on, and the published schema.
pub fn assert_contract(report: &serde_json::Value) {
    let ids: Vec<&str> = report["standards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, STANDARD_IDS);
    for s in report["standards"].as_array().unwrap() {
        assert!(VERDICTS.contains(&s["verdict"].as_str().unwrap()));
        for r in s["requirements"].as_array().unwrap() {
            assert!(VERDICTS.contains(&r["verdict"].as_str().unwrap()));
            assert!(r["id"].is_string() && r["reason"].is_string() && r["checks"].is_array());
        }
    }
    assert!(VERDICTS.contains(&report["overall"].as_str().unwrap()));
    assert_eq!(report["schema_version"], iotcheck_model_schema_version());
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

fn iotcheck_model_schema_version() -> &'static str {
    iotcheck_model::SCHEMA_VERSION
}

/// Writes a bundle into a temp dir.
pub fn bundle(device_toml: &str, files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("device.toml"), device_toml).unwrap();
    for (name, content) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    dir
}
