use crate::{STANDARD_IDS, iotcheck, root};

#[test]
fn list_json_has_the_five_standards() {
    let out = iotcheck()
        .args(["standards", "list", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v["standards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, STANDARD_IDS);
    assert_eq!(v["regimes"].as_array().unwrap().len(), 4);
}

#[test]
fn show_finds_each_kind_of_id() {
    for (id, probe) in [
        ("strong-passwords", "PWD-1"),
        ("PWD-3", "fw.private-key"),
        ("fw.private-key", "analyzer: firmware"),
        ("support_until", "claims.support-period"),
        ("etsi-en-303-645", "5.1-1"),
    ] {
        let out = iotcheck().args(["standards", "show", id]).output().unwrap();
        assert!(out.status.success(), "{id}");
        assert!(String::from_utf8_lossy(&out.stdout).contains(probe), "{id}");
    }
    let out = iotcheck()
        .args(["standards", "show", "PWD-99"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}

/// docs/CHECKS.md is generated from the catalog; this fails when it is stale.
#[test]
fn checks_md_is_current() {
    let out = iotcheck()
        .args(["standards", "checks-md"])
        .output()
        .unwrap();
    let committed = std::fs::read_to_string(root().join("docs/CHECKS.md")).unwrap();
    assert!(
        committed == String::from_utf8(out.stdout).unwrap(),
        "docs/CHECKS.md is stale: run `cargo run -p iotcheck -- standards checks-md > docs/CHECKS.md`"
    );
}

#[test]
fn schema_command_prints_the_published_schema() {
    let out = iotcheck().arg("schema").output().unwrap();
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/report.schema.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        printed, committed,
        "docs/report.schema.json is stale: run `cargo run -p iotcheck -- schema > docs/report.schema.json`"
    );
}
