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

/// A squashfs firmware image around real binaries (the cve-bin-tool
/// packages in ../shared/data, unpacked at test time, never committed),
/// built with Debian's mksquashfs.
fn firmware_with_real_packages(dir: &std::path::Path) -> PathBuf {
    let pkgs = root().join("../shared/data/firmware/cve-bin-tool-condensed/condensed-downloads");
    assert!(
        pkgs.is_dir(),
        "shared data missing: {} (see ../shared/data/MANIFEST.md)",
        pkgs.display()
    );
    let rootfs = dir.join("rootfs");
    std::fs::create_dir_all(rootfs.join("etc")).unwrap();
    std::fs::write(rootfs.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
    for p in [
        "busybox-1.28.2-1.fc29.x86_64.rpm.tar.gz",
        "dropbear_2014.65-1+deb8u2_amd64.deb.tar.gz",
        "libopenssl1.1_1.1.1n-1_x86_64.ipk.tar.gz",
        "dnsmasq_2.80-16.3_x86_64.ipk.tar.gz",
    ] {
        let ok = std::process::Command::new("tar")
            .arg("xzf")
            .arg(pkgs.join(p))
            .arg("-C")
            .arg(&rootfs)
            .status()
            .unwrap()
            .success();
        assert!(ok, "tar xzf {p}");
    }
    let image = dir.join("fw.squashfs");
    let out = std::process::Command::new("mksquashfs")
        .arg(&rootfs)
        .arg(&image)
        .args(["-comp", "gzip", "-noappend", "-all-root", "-quiet"])
        .output()
        .expect("mksquashfs (squashfs-tools, installed by scripts/install-test-deps.sh)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    image
}

fn requirement<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["standards"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["requirements"].as_array().unwrap())
        .find(|r| r["id"] == id)
        .unwrap()
}

fn assess_json(image: &std::path::Path, db: &std::path::Path) -> serde_json::Value {
    let out = iotcheck()
        .args([
            "assess",
            "--format",
            "json",
            "--as-of",
            "2026-11-25",
            "--firmware",
        ])
        .arg(image)
        .arg("--vulns-db")
        .arg(db)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    crate::assert_contract(&report);
    report
}

#[test]
fn assess_decides_vulnerability_management_from_real_components() {
    let dir = tempfile::tempdir().unwrap();
    let image = firmware_with_real_packages(dir.path());
    let (_db_dir, db) = imported_db();
    let report = assess_json(&image, &db);

    let comps: Vec<(String, String)> = report["components"]
        .as_array()
        .expect("a component inventory")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for want in [
        ("busybox", "1.28.2"),
        ("dropbear", "2014.65"),
        ("openssl", "1.1.1n"),
        ("dnsmasq", "2.80"),
    ] {
        assert!(
            comps.iter().any(|(n, v)| n == want.0 && v == want.1),
            "{want:?} not in {comps:?}"
        );
    }
    assert_eq!(requirement(&report, "VUL-4")["verdict"], "meets");
    // OpenSSL 1.1.1 reached its end of life on 2023-09-11.
    let eol = requirement(&report, "VUL-5");
    assert_eq!(eol["verdict"], "fails", "{eol:#}");
    assert!(
        eol["reason"].as_str().unwrap().contains("openssl 1.1.1n"),
        "{eol:#}"
    );
    // The KEV catalog (fixture) lists none of these: decided, not skipped.
    assert_eq!(requirement(&report, "VUL-2")["verdict"], "meets");
    // busybox 1.28.2 and dropbear 2014.65 are affected, but these records carry no
    // rating: VUL-3 cannot pass, and says which CVEs it could not rate.
    let high = requirement(&report, "VUL-3");
    assert_eq!(high["verdict"], "inconclusive", "{high:#}");
    let text = high.to_string();
    assert!(
        text.contains("CVE-2021-42386") && text.contains("CVE-2016-7406"),
        "{text}"
    );
    assert!(
        !text.contains("CVE-2017-14491"),
        "dnsmasq 2.80 has the fix (2.78)"
    );
    assert!(
        !text.contains("CVE-2022-0778"),
        "OpenSSL 1.1.1n has the fix"
    );
    // The evidence locates the component in the image and names the record.
    let results = &high["checks"][0]["results"][0]["evidence"];
    assert!(
        results
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "file"
                && e["path"]
                    .as_array()
                    .unwrap()
                    .last()
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .ends_with("busybox")),
        "{results:#}"
    );
    assert!(
        results
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "advisory"
                && e["id"] == "CVE-2021-42386"
                && e["fixed"] == "1.34.0"
                && e["confidence"] == "high"),
        "{results:#}"
    );
}

#[test]
fn assess_fails_known_exploited_and_unpatched_high_with_rated_records() {
    // The same real binaries against the NVD-format and KEV-format fixtures
    // (fictional ids CVE-2999-*: busybox 1.20.0–1.30.0, CVSS 9.8, in KEV).
    let dir = tempfile::tempdir().unwrap();
    let image = firmware_with_real_packages(dir.path());
    let db = dir.path().join("v.sqlite");
    run(
        iotcheck()
            .args(["vulns", "db", "import", "--db"])
            .arg(&db)
            .arg(root().join("crates/iotcheck-vulns/tests/fixtures/nvd-synthetic.json"))
            .arg(root().join("crates/iotcheck-vulns/tests/fixtures/osv-synthetic.json"))
            .arg(kev_fixture()),
        0,
    );
    let report = assess_json(&image, &db);
    for id in ["VUL-2", "VUL-3"] {
        let r = requirement(&report, id);
        assert_eq!(r["verdict"], "fails", "{r:#}");
        assert!(r.to_string().contains("CVE-2999-0001"), "{r:#}");
    }
    assert_eq!(report["overall"], "fails");
}

/// `vulns db update` against a mirror: lighttpd on loopback serves the NVD
/// and KEV fixtures (the query string NVD pages carry is ignored by a
/// static server); the downloaded feeds are imported. An unreachable
/// mirror is a clear error naming the URL.
#[test]
fn update_from_a_mirror() {
    use crate::docs_fetch::web_lab::{Lighttpd, free_port};
    let nvd = std::fs::read(root().join("crates/iotcheck-vulns/tests/fixtures/nvd-synthetic.json"))
        .unwrap();
    let kev = std::fs::read(kev_fixture()).unwrap();
    let server = Lighttpd::start(None, &[("rest/cves", &nvd), ("kev.json", &kev)], &[]);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vulns.sqlite");
    let (out, err) = run(
        iotcheck()
            .args(["vulns", "db", "update", "--db"])
            .arg(&db)
            .args(["--nvd-url", &server.url("/rest/cves")])
            .args(["--kev-url", &server.url("/kev.json")]),
        0,
    );
    assert!(
        err.contains(&format!(
            "downloading {}?startIndex=0&resultsPerPage=2000",
            server.url("/rest/cves")
        )),
        "{err}"
    );
    assert!(out.contains("2 KEV entries"), "{out}");
    assert!(
        dir.path()
            .join("feeds/known_exploited_vulnerabilities.json")
            .is_file()
    );
    let (status, _) = run(
        iotcheck()
            .args(["vulns", "db", "status", "--format", "json", "--db"])
            .arg(&db),
        0,
    );
    let v: serde_json::Value = serde_json::from_str(&status).unwrap();
    let nvd_records = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "nvd")
        .map(|s| s["records"].as_u64().unwrap());
    assert_eq!(nvd_records, Some(2), "{v}");
    assert_eq!(v["kev"]["entries"], 2, "{v}");

    // Nothing listens on this loopback port.
    let closed = format!("http://127.0.0.1:{}/kev.json", free_port());
    let (_, err) = run(
        iotcheck()
            .args(["vulns", "db", "update", "--kev-only", "-q", "--db"])
            .arg(&db)
            .args(["--kev-url", &closed]),
        3,
    );
    assert!(err.contains(&closed), "{err}");
}
