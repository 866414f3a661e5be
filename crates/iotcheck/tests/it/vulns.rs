//! `iotcheck vulns`: importing real CVE records (../shared/data/cves) and
//! the KEV-format fixture written here, status, matching by name and by SBOM.

use std::path::PathBuf;

use crate::{iotcheck, root};

/// Runs, checks the exit code, returns (stdout, stderr).
fn run(cmd: &mut assert_cmd::Command, code: i32) -> (String, String) {
    let out = cmd.assert().code(code).get_output().clone();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn shared_cves() -> PathBuf {
    let p = root().join("../shared/data/cves/cvelistV5-trimmed");
    assert!(
        p.is_dir(),
        "shared data missing: {} (see ../shared/data/MANIFEST.md)",
        p.display()
    );
    p
}

fn kev_fixture() -> PathBuf {
    root().join("crates/iotcheck-vulns/tests/fixtures/kev-synthetic.json")
}

/// A throw-away database filled through the command line.
pub fn imported_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vulns.sqlite");
    let (out, _) = run(
        iotcheck()
            .args(["vulns", "db", "import", "--db"])
            .arg(&db)
            .arg(shared_cves())
            .arg(kev_fixture()),
        0,
    );
    assert!(out.contains("imported 4 records (4 cve)"), "{out}");
    assert!(out.contains("2 KEV entries"), "{out}");
    assert!(out.contains("skipped 1 malformed record"), "{out}");
    (dir, db)
}

#[test]
fn status_reports_counts_and_newest() {
    let (_dir, db) = imported_db();
    let out = iotcheck()
        .args(["vulns", "db", "status", "--format", "json", "--db"])
        .arg(&db)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["sources"][0]["source"], "cve");
    assert_eq!(v["sources"][0]["records"], 4);
    assert_eq!(v["sources"][0]["newest_published"], "2022-03-15");
    assert_eq!(v["kev"]["entries"], 2);
}

#[test]
fn match_exit_codes_and_json() {
    let (_dir, db) = imported_db();
    let out = iotcheck()
        .args([
            "vulns",
            "match",
            "dropbear",
            "2014.65",
            "--format",
            "json",
            "--as-of",
            "2026-11-25",
            "--db",
        ])
        .arg(&db)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let m = &v["components"][0]["vulnerabilities"][0];
    assert_eq!(m["cve"], "CVE-2016-7406");
    assert_eq!(m["fixed"], "2016.74");
    assert_eq!(m["confidence"], "low");
    assert_eq!(m["known_exploited"], false);
    assert_eq!(m["published"], "2017-03-03");

    let (out, _) = run(
        iotcheck()
            .args(["vulns", "match", "dnsmasq", "2.80", "--db"])
            .arg(&db),
        0,
    );
    assert!(out.contains("no known vulnerability"), "{out}");
    // The database location from the environment.
    let (out, _) = run(
        iotcheck()
            .env("IOTCHECK_DATA_DIR", db.parent().unwrap())
            .args(["vulns", "match", "busybox", "1.28.2-1.fc29"]),
        1,
    );
    assert!(out.contains("CVE-2021-42386"), "{out}");
}

#[test]
fn match_an_sbom() {
    let (dir, db) = imported_db();
    let sbom = dir.path().join("bom.json");
    std::fs::write(
        &sbom,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[
            {"type":"library","name":"libcrypto.so.1.0.0","version":"1.0.2g","purl":"pkg:generic/openssl@1.0.2g"},
            {"type":"application","name":"dnsmasq","version":"2.80"},
            {"type":"application","name":"weird","version":"not a version!"}]}"#,
    )
    .unwrap();
    let out = iotcheck()
        .args(["vulns", "match", "--format", "json", "--sbom"])
        .arg(&sbom)
        .arg("--db")
        .arg(&db)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["components"][0]["name"], "openssl");
    assert_eq!(
        v["components"][0]["vulnerabilities"][0]["cve"],
        "CVE-2022-0778"
    );
    assert_eq!(v["components"][0]["vulnerabilities"][0]["severity"], "high");
    assert_eq!(
        v["components"][1]["vulnerabilities"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(v["not_compared"].as_array().unwrap().len(), 1);
}

#[test]
fn errors_name_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v.sqlite");
    let (_, err) = run(
        iotcheck()
            .args(["vulns", "match", "busybox", "1.0", "--db"])
            .arg(&db),
        3,
    );
    assert!(err.contains("no vulnerability database here"), "{err}");
    // A broken file among good ones: reported, the others imported.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"hello\": 1}").unwrap();
    let deep = dir.path().join("deep.json");
    std::fs::write(
        &deep,
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
    )
    .unwrap();
    let (out, err) = run(
        iotcheck()
            .args(["vulns", "db", "import", "--db"])
            .arg(&db)
            .arg(&bad)
            .arg(&deep)
            .arg(shared_cves()),
        3,
    );
    assert!(out.contains("imported 4 records"), "{out}");
    assert!(err.contains("bad.json: not a CVE JSON 5 record"), "{err}");
    // Nesting deeper than any record: that record is skipped and counted.
    assert!(out.contains("deep.json: record 0"), "{out}");
    let (_, err) = run(
        iotcheck()
            .args(["vulns", "match", "busybox", "1.0;rm -rf", "--db"])
            .arg(&db),
        3,
    );
    assert!(err.contains("is not a version"), "{err}");
}
