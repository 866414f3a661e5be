//! Known answers on real CVE JSON 5 records from `../shared/data/cves`
//! (CVEProject/cvelistV5, see its MANIFEST.md), plus the format fixtures
//! written here (`tests/fixtures`, fictional ids). Tests that need the
//! shared data fail with a message when it is absent; they never pass
//! silently.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use iotcheck_model::{Component, Date, Evidence, Outcome};
use iotcheck_vulns::range::Confidence;
use iotcheck_vulns::{Database, checks, match_component};

fn shared_cves() -> PathBuf {
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cves/cvelistV5-trimmed");
    assert!(
        p.is_dir(),
        "shared data missing: {} (the real CVE records these tests read; see ../shared/data/MANIFEST.md)",
        p.display()
    );
    p
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn today() -> Date {
    "2026-11-25".parse().unwrap()
}

/// The CVE ids matched for a component version.
fn cves(db: &Database, name: &str, version: &str) -> Vec<String> {
    match_component(db, name, version, today())
        .unwrap()
        .into_iter()
        .map(|m| m.cve)
        .collect()
}

fn db_with(paths: &[PathBuf]) -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vulns.sqlite");
    let mut db = Database::create(&path).unwrap();
    let summary = db.import(paths, &|_| {}).unwrap();
    assert!(summary.file_errors.is_empty(), "{:?}", summary.file_errors);
    drop(db);
    (dir, Database::open(&path).unwrap())
}

/// (component, version, CVE, affected?)
const TABLE: &[(&str, &str, &str, bool)] = &[
    // dnsmasq: versions only in prose ("dnsmasq before 2.78").
    ("dnsmasq", "2.80", "CVE-2017-14491", false),
    ("dnsmasq", "2.78", "CVE-2017-14491", false),
    ("dnsmasq", "2.77", "CVE-2017-14491", true),
    ("dnsmasq", "2.45", "CVE-2017-14491", true),
    ("dnsmasq", "2.77-1+deb9u1", "CVE-2017-14491", true),
    // dropbear: prose, product spelled "Dropbear SSH".
    ("dropbear", "2014.65", "CVE-2016-7406", true),
    ("dropbear_ssh", "2016.73", "CVE-2016-7406", true),
    ("dropbear", "2016.74", "CVE-2016-7406", false),
    ("dropbear", "2019.78", "CVE-2016-7406", false),
    // busybox: structured lessThan.
    ("busybox", "1.28.2", "CVE-2021-42386", true),
    ("busybox", "1.33.1", "CVE-2021-42386", true),
    ("busybox", "1.34.0", "CVE-2021-42386", false),
    ("busybox", "1.35.0", "CVE-2021-42386", false),
    // OpenSSL: free-text version fields with letter releases.
    ("openssl", "1.1.1n", "CVE-2022-0778", false),
    ("openssl", "1.1.1m", "CVE-2022-0778", true),
    ("openssl", "1.1.1", "CVE-2022-0778", true),
    ("openssl", "1.0.2g", "CVE-2022-0778", true),
    ("openssl", "1.0.2zc", "CVE-2022-0778", true),
    ("openssl", "1.0.2zd", "CVE-2022-0778", false),
    ("openssl", "3.0.1", "CVE-2022-0778", true),
    ("openssl", "3.0.2", "CVE-2022-0778", false),
    ("libssl", "1.0.1u", "CVE-2022-0778", false),
    ("openssl", "1.1.0l", "CVE-2022-0778", false),
];

#[test]
fn known_answer_table() {
    let (_dir, db) = db_with(&[shared_cves()]);
    let mut wrong = Vec::new();
    for &(name, version, cve, expected) in TABLE {
        let ms = match_component(&db, name, version, today()).unwrap();
        let got = ms.iter().any(|m| m.cve == cve);
        if got != expected {
            wrong.push(format!(
                "{name} {version} {cve}: expected affected={expected}, got {got}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn matches_carry_fix_rating_and_confidence() {
    let (_dir, db) = db_with(&[shared_cves()]);
    let ms = match_component(&db, "openssl", "1.0.2g", today()).unwrap();
    let m = ms.iter().find(|m| m.cve == "CVE-2022-0778").unwrap();
    assert_eq!(m.fixed.as_deref(), Some("1.0.2zd"));
    assert_eq!(
        m.severity.map(|s| s.as_str()),
        Some("high"),
        "OpenSSL's own rating"
    );
    assert_eq!(m.confidence, Confidence::Medium);
    assert_eq!(m.published.as_deref(), Some("2022-03-15"));
    // 2022-03-15 → 2026-11-25
    assert_eq!(m.fix_age_days, Some(1716));

    let ms = match_component(&db, "busybox", "1.28.2", today()).unwrap();
    let m = ms.iter().find(|m| m.cve == "CVE-2021-42386").unwrap();
    assert_eq!(m.confidence, Confidence::High);
    assert_eq!(m.fixed.as_deref(), Some("1.34.0"));

    let ms = match_component(&db, "dnsmasq", "2.77", today()).unwrap();
    let m = ms.iter().find(|m| m.cve == "CVE-2017-14491").unwrap();
    assert_eq!(m.confidence, Confidence::Low);
    assert_eq!(m.fixed.as_deref(), Some("2.78"));
}

#[test]
fn status_counts_sources() {
    let (_dir, db) = db_with(&[shared_cves(), fixture("nvd-synthetic.json")]);
    let st = db.status().unwrap();
    let cve = st.sources.iter().find(|s| s.source == "cve").unwrap();
    assert_eq!(cve.records, 4);
    assert_eq!(cve.newest_published.as_deref(), Some("2022-03-15"));
    let nvd = st.sources.iter().find(|s| s.source == "nvd").unwrap();
    assert_eq!(
        nvd.records, 2,
        "the rejected and the malformed record are not stored"
    );
    assert_eq!(st.kev, 0);
}

#[test]
fn nvd_osv_and_kev_formats() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.sqlite");
    let mut db = Database::create(&path).unwrap();
    let s = db
        .import(
            &[
                fixture("nvd-synthetic.json"),
                fixture("osv-synthetic.json"),
                fixture("kev-synthetic.json"),
            ],
            &|_| {},
        )
        .unwrap();
    assert_eq!(s.records.get("nvd"), Some(&2));
    assert_eq!(
        s.records.get("osv"),
        Some(&3),
        "withdrawn record dropped; GIT-only kept without ranges"
    );
    assert_eq!(s.kev, 2);
    assert_eq!(
        s.skipped, 2,
        "the malformed NVD record and the bad KEV id: {:?}",
        s.skipped_examples
    );
    drop(db);
    let db = Database::open(&path).unwrap();

    // NVD: CPE range, primary rating preferred over secondary, hardware CPE ignored.
    let ms = match_component(&db, "busybox", "1.28.2", today()).unwrap();
    let m = ms.iter().find(|m| m.cve == "CVE-2999-0001").unwrap();
    assert_eq!(m.cvss.as_ref().unwrap().score, 9.8);
    assert!(m.kev.is_some());
    assert!(cves(&db, "busybox", "1.30.0").is_empty());
    assert!(cves(&db, "busybox", "1.19.9").is_empty());
    // NVD exact CPEs, including version + update field (1.0.2 + k).
    assert!(cves(&db, "dnsmasq", "2.80").contains(&"CVE-2999-0002".to_string()));
    assert!(cves(&db, "dnsmasq", "2.81").is_empty());
    assert!(cves(&db, "openssl", "1.0.2k").contains(&"CVE-2999-0002".to_string()));

    // OSV: CVE alias as id, vector scored here (9.1, critical), KEV ransomware flag.
    let ms = match_component(&db, "dropbear", "2014.65", today()).unwrap();
    let m = ms.iter().find(|m| m.cve == "CVE-2999-0010").unwrap();
    assert_eq!(m.cvss.as_ref().unwrap().score, 9.1);
    assert!(m.kev.as_ref().unwrap().ransomware);
    // OSV with Debian revisions and last_affected; word severity.
    let ms = match_component(&db, "lighttpd", "1.4.49", today()).unwrap();
    let m = ms.iter().find(|m| m.cve == "OSV-2999-11").unwrap();
    assert_eq!(m.severity.map(|s| s.as_str()), Some("medium"));
    assert!(cves(&db, "lighttpd", "1.4.51").is_empty());
    // GIT ranges and withdrawn records match nothing.
    assert!(cves(&db, "curl", "7.66.0").is_empty());
}

#[test]
fn reimport_replaces_instead_of_duplicating() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.sqlite");
    let mut db = Database::create(&path).unwrap();
    db.import(&[shared_cves()], &|_| {}).unwrap();
    db.import(&[shared_cves()], &|_| {}).unwrap();
    let st = db.status().unwrap();
    assert_eq!(st.sources[0].records, 4);
    let ms = match_component(&db, "openssl", "1.0.2g", today()).unwrap();
    assert_eq!(ms.iter().filter(|m| m.cve == "CVE-2022-0778").count(), 1);
}

/// The range index is rebuilt for every product an import touches: a
/// corrected record that names another product leaves nothing behind on
/// the first, and a corrected range is matched as corrected.
#[test]
fn reimport_moves_a_record_between_products() {
    let dir = tempfile::tempdir().unwrap();
    let osv = |product: &str, fixed: &str| {
        format!(
            r#"{{"id": "OSV-2999-90", "modified": "2024-01-01T00:00:00Z", "summary": "Fictional",
               "affected": [{{"package": {{"name": "{product}"}},
               "ranges": [{{"type": "ECOSYSTEM", "events": [{{"introduced": "0"}}, {{"fixed": "{fixed}"}}]}}]}}]}}"#
        )
    };
    let file = dir.path().join("osv.json");
    let path = dir.path().join("v.sqlite");
    let mut db = Database::create(&path).unwrap();
    std::fs::write(&file, osv("dnsmasq", "2.90")).unwrap();
    db.import(std::slice::from_ref(&file), &|_| {}).unwrap();
    assert_eq!(cves(&db, "dnsmasq", "2.80"), ["OSV-2999-90"]);
    std::fs::write(&file, osv("hostapd", "2.10")).unwrap();
    db.import(std::slice::from_ref(&file), &|_| {}).unwrap();
    assert!(cves(&db, "dnsmasq", "2.80").is_empty());
    assert_eq!(cves(&db, "hostapd", "2.9"), ["OSV-2999-90"]);
    assert!(cves(&db, "hostapd", "2.10").is_empty());
    // Read back through a fresh read-only handle, as `vulns match` does.
    drop(db);
    let db = Database::open(&path).unwrap();
    assert_eq!(cves(&db, "hostapd", "2.9"), ["OSV-2999-90"]);
}

/// CVE 5 statuses read whole: the kernel CNA's "fixed releases listed
/// unaffected, default affected" shape, git ranges ignored, `changes`.
#[test]
fn cve5_default_status_and_changes() {
    let (_dir, db) = db_with(&[fixture("cve5-statuses.json")]);
    for (name, version, affected) in [
        ("linux_kernel", "4.4.300", false),
        ("linux_kernel", "4.6", true),
        ("linux_kernel", "5.10.199", true),
        ("linux_kernel", "5.10.200", false),
        ("linux_kernel", "5.15.100", true),
        ("linux_kernel", "6.1.59", true),
        ("linux_kernel", "6.1.70", false),
        ("linux_kernel", "6.5.1", true),
        ("linux_kernel", "6.6.1", false),
        ("dnsmasq", "2.65", true),
        ("dnsmasq", "2.75", false),
        ("dnsmasq", "2.85", true),
        ("dnsmasq", "2.90", false),
    ] {
        let found = cves(&db, name, version);
        assert_eq!(
            found.contains(&"CVE-2999-0500".to_string()),
            affected,
            "{name} {version}: {found:?}"
        );
    }
    let ms = match_component(&db, "linux_kernel", "5.10.150", today()).unwrap();
    assert_eq!(ms[0].fixed.as_deref(), Some("5.10.200"));
    assert_eq!(ms[0].confidence.as_str(), "high");
}

fn component(name: &str, version: &str) -> Component {
    Component::identified(
        name,
        version,
        vec![Evidence::File {
            image: "fw.bin".into(),
            path: vec!["squashfs@0x40".into(), format!("/usr/bin/{name}")],
            offset: Some(0x100),
            excerpt: Some(format!("{name} {version}")),
        }],
    )
}

#[test]
fn checks_decide_from_an_inventory() {
    let (_dir, db) = db_with(&[shared_cves(), fixture("kev-synthetic.json")]);
    let inv = vec![
        component("openssl", "1.0.2g"),
        component("dnsmasq", "2.80"),
        component("busybox", "1.35.0"),
    ];
    let rs = checks(&inv, Some(&db), today(), &Default::default(), "fw.bin");
    let get = |id: &str| rs.iter().find(|r| r.check.as_str() == id).unwrap();
    let high = get("vulns.unpatched-high");
    assert_eq!(high.outcome, Outcome::Fail, "{}", high.summary);
    assert!(high.summary.contains("CVE-2022-0778"));
    assert!(
        high.evidence
            .iter()
            .any(|e| matches!(e, Evidence::File { .. })),
        "the component's place in the image"
    );
    assert!(
        high.evidence
            .iter()
            .any(|e| matches!(e, Evidence::Advisory { id, .. } if id == "CVE-2022-0778"))
    );
    assert_eq!(get("vulns.known-exploited").outcome, Outcome::Pass);
    let eol = get("vulns.end-of-life");
    assert_eq!(eol.outcome, Outcome::Fail);
    assert!(eol.summary.contains("openssl 1.0.2g"), "{}", eol.summary);

    // A window longer than the fix's age: not yet "left unpatched".
    let opts = iotcheck_vulns::Options { window_days: 5000 };
    let rs = checks(&inv, Some(&db), today(), &opts, "fw.bin");
    assert_eq!(
        rs.iter()
            .find(|r| r.check.as_str() == "vulns.unpatched-high")
            .unwrap()
            .outcome,
        Outcome::Pass
    );
}

#[test]
fn unrated_old_vulnerabilities_are_inconclusive_not_passed() {
    let (_dir, db) = db_with(&[shared_cves()]);
    let rs = checks(
        &[component("busybox", "1.28.2")],
        Some(&db),
        today(),
        &Default::default(),
        "fw.bin",
    );
    let high = rs
        .iter()
        .find(|r| r.check.as_str() == "vulns.unpatched-high")
        .unwrap();
    assert_eq!(high.outcome, Outcome::Error, "{}", high.summary);
    assert!(high.summary.contains("CVE-2021-42386"));
    let kev = rs
        .iter()
        .find(|r| r.check.as_str() == "vulns.known-exploited")
        .unwrap();
    assert_eq!(
        kev.outcome,
        Outcome::Error,
        "no KEV catalog imported: {}",
        kev.summary
    );
}

#[test]
fn known_exploited_fails_with_the_catalog_entry() {
    let (_dir, db) = db_with(&[fixture("nvd-synthetic.json"), fixture("kev-synthetic.json")]);
    let rs = checks(
        &[component("busybox", "1.28.2")],
        Some(&db),
        today(),
        &Default::default(),
        "fw.bin",
    );
    let kev = rs
        .iter()
        .find(|r| r.check.as_str() == "vulns.known-exploited")
        .unwrap();
    assert_eq!(kev.outcome, Outcome::Fail);
    assert!(kev.evidence.iter().any(|e| matches!(
        e,
        Evidence::Advisory {
            known_exploited: true,
            ..
        }
    )));
}

#[test]
fn empty_inventory_is_never_a_pass() {
    let (_dir, db) = db_with(&[shared_cves()]);
    let rs = checks(&[], Some(&db), today(), &Default::default(), "fw.bin");
    assert_eq!(rs.len(), 3, "every vulns check answers");
    for r in rs {
        assert_eq!(r.outcome, Outcome::Error, "{}", r.check);
    }
}

#[test]
fn hostile_records_are_skipped_or_bounded_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "A".repeat(5 << 20);
    let many: Vec<serde_json::Value> = (0..20_000)
        .map(|i| serde_json::json!({"version": format!("1.{i}"), "status": "affected"}))
        .collect();
    let mut deep = String::new();
    for _ in 0..200 {
        deep.push('[');
    }
    for _ in 0..200 {
        deep.push(']');
    }
    let doc = format!(
        "[{}, {}, {}, {}, {}]",
        serde_json::json!({"cveMetadata": {"cveId": "CVE-2999-0100", "datePublished": "not a date"},
            "containers": {"cna": {"affected": [{"vendor": "busybox", "product": "busybox",
                "versions": [{"version": "3.0", "lessThan": "2.0", "status": "affected"},
                             {"version": "1.0", "lessThan": "1.5", "status": "affected"}]}],
                "descriptions": [{"lang": "en", "value": huge}]}}}),
        serde_json::json!({"cveMetadata": {"cveId": "CVE-2999-0101"},
            "containers": {"cna": {"affected": [{"vendor": "zlib", "product": "zlib", "versions": many}]}}}),
        serde_json::json!({"cveMetadata": {"cveId": "not-an-id"}, "containers": {}}),
        serde_json::json!({"cveMetadata": {"cveId": 12}}),
        deep,
    );
    let path = dir.path().join("hostile.json");
    std::fs::write(&path, doc).unwrap();
    let mut db = Database::create(&dir.path().join("v.sqlite")).unwrap();
    let s = db.import(&[path], &|_| {}).unwrap();
    assert!(s.file_errors.is_empty(), "{:?}", s.file_errors);
    assert_eq!(s.records.get("cve"), Some(&2));
    assert_eq!(s.skipped, 3, "{:?}", s.skipped_examples);
    // The impossible range and the 10,000 versions beyond the cap.
    assert_eq!(s.dropped_ranges, 1 + 10_000);
    assert_eq!(s.affected_ranges, 1 + 10_000);
    let st = db.status().unwrap();
    assert_eq!(
        st.sources[0].newest_published, None,
        "a bad date is not stored"
    );
    let ms = match_component(&db, "busybox", "1.2", today()).unwrap();
    assert_eq!(ms.len(), 1);
    assert!(ms[0].summary.len() <= 400, "summaries are bounded");
    assert!(cves(&db, "busybox", "2.5").is_empty());
}
