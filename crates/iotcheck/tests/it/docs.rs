use crate::{example, iotcheck, root};

fn vul1(args: &[&str]) -> (serde_json::Value, i32) {
    let out = iotcheck()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let r = v["standards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "vulnerability-management")
        .unwrap()["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "VUL-1")
        .unwrap()
        .clone();
    (r, out.status.code().unwrap())
}

#[test]
fn security_txt_of_the_example_meets_vul1() {
    let f = example().join("docs/security.txt");
    let (r, _) = vul1(&[
        "docs",
        "security-txt",
        f.to_str().unwrap(),
        "--as-of",
        "2026-11-25",
    ]);
    assert_eq!(r["verdict"], "meets", "{r}");
    let evidence = &r["checks"][0]["results"][0]["evidence"];
    assert!(
        evidence
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "text" && e["quote"].as_str().unwrap().starts_with("Expires:")),
        "{evidence}"
    );
    // Expired a year later: the same file fails, and so does the run.
    let (r, code) = vul1(&[
        "docs",
        "security-txt",
        f.to_str().unwrap(),
        "--as-of",
        "2027-11-25",
    ]);
    assert_eq!(r["verdict"], "fails");
    assert_eq!(code, 1);
}

#[test]
fn real_expired_security_txt_fails_with_its_line() {
    let f = root().join("../shared/data/securitytxt/real-world/divd.nl.security.txt");
    assert!(
        f.is_file(),
        "this test reads {} (shared/data), which is absent",
        f.display()
    );
    let (r, _) = vul1(&[
        "docs",
        "security-txt",
        f.to_str().unwrap(),
        "--as-of",
        "2026-11-25",
    ]);
    assert_eq!(r["verdict"], "fails");
    assert!(
        r["reason"]
            .as_str()
            .unwrap()
            .contains("Expires 2026-01-01 has passed"),
        "{r}"
    );
    let ev = &r["checks"][0]["results"][0]["evidence"][0];
    assert_eq!(ev["kind"], "text");
    assert!(
        ev["quote"]
            .as_str()
            .unwrap()
            .starts_with("Expires: 2026-01-01"),
        "{ev}"
    );
}
