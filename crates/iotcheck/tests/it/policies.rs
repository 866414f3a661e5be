//! `iotcheck docs classify`, `docs privacy-policy` and `docs
//! disclosure-policy` on the example bundle's documents (written for the
//! fictional vendor), and the privacy standard in `assess`.

use serde_json::Value;

use crate::iotcheck;

/// Every result of `check` in a JSON report (requirements and the
/// informational section).
fn results<'a>(report: &'a Value, check: &str) -> Vec<&'a Value> {
    let mut out = Vec::new();
    for s in report["standards"].as_array().unwrap() {
        for r in s["requirements"].as_array().unwrap() {
            for c in r["checks"].as_array().unwrap() {
                for x in c["results"].as_array().into_iter().flatten() {
                    if x["check"] == check {
                        out.push(x);
                    }
                }
            }
        }
    }
    for x in report["informational"].as_array().into_iter().flatten() {
        if x["check"] == check {
            out.push(x);
        }
    }
    out
}

fn json_of(args: &[&str]) -> (Value, i32) {
    let out = iotcheck()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (v, out.status.code().unwrap())
}

#[test]
fn classify_reads_tsv_and_writes_json_lines() {
    let out = iotcheck()
        .args(["docs", "classify"])
        .write_stdin(
            "s1\tVideo clips are kept for 30 days and then deleted.\n\
             \n\
             s2\tYou can unsubscribe from marketing e-mails at any time.\r\n\
             s3\tOur cameras have night vision.\n",
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["id"], "s1");
    assert_eq!(lines[0]["practices"], serde_json::json!(["retention"]));
    assert_eq!(
        lines[1]["practices"],
        serde_json::json!(["marketing", "opt-out"])
    );
    assert_eq!(lines[2]["practices"], serde_json::json!([]));
}

#[test]
fn classify_names_a_line_without_a_tab() {
    let out = iotcheck()
        .args(["docs", "classify"])
        .write_stdin("a\tfine\nno tab here\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2") && err.contains("TAB"), "{err}");
}

#[test]
fn example_privacy_policy_findings() {
    let (r, code) = json_of(&[
        "docs",
        "privacy-policy",
        "examples/acme-cam/docs/privacy.html",
    ]);
    let one = |check: &str| {
        let v = results(&r, check);
        assert_eq!(v.len(), 1, "{check}: {v:?}");
        (
            v[0]["outcome"].as_str().unwrap().to_string(),
            v[0]["summary"].as_str().unwrap().to_string(),
            v[0]["evidence"].clone(),
        )
    };
    let (o, s, ev) = one("docs.retention-period");
    assert_eq!(o, "pass", "{s}");
    assert!(s.contains("30 days"), "{s}");
    assert!(
        ev[0]["quote"]
            .as_str()
            .unwrap()
            .contains("kept for 30 days"),
        "{ev}"
    );
    for check in [
        "docs.marketing-disclosed",
        "docs.marketing-opt-out",
        "docs.data-deletion",
        "docs.account-deletion",
        "docs.third-party-sharing",
        "docs.privacy-contact",
    ] {
        let (o, s, ev) = one(check);
        assert_eq!(o, "pass", "{check}: {s}");
        assert_eq!(ev[0]["kind"], "text", "{check}: {ev}");
    }
    // The example only posts changes on its page: users are not told.
    let (o, s, ev) = one("docs.change-notification");
    assert_eq!(o, "fail", "{s}");
    assert!(s.contains("only posted"), "{s}");
    assert!(
        ev[0]["quote"]
            .as_str()
            .unwrap()
            .contains("posted on this page"),
        "{ev}"
    );
    assert_eq!(code, 1, "PRV fails, so the command exits 1");
    let prv = r["standards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "privacy-practices")
        .unwrap();
    assert_eq!(prv["verdict"], "fails");
}

#[test]
fn example_disclosure_policy_meets_vul_1() {
    let (r, _) = json_of(&[
        "docs",
        "disclosure-policy",
        "examples/acme-cam/docs/disclosure.md",
    ]);
    let v = results(&r, "docs.disclosure-policy");
    assert_eq!(v[0]["outcome"], "pass", "{}", v[0]["summary"]);
    let vul = r["standards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "vulnerability-management")
        .unwrap();
    let vul1 = vul["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == "VUL-1")
        .unwrap();
    assert_eq!(vul1["verdict"], "meets");
}

#[test]
fn unreadable_policy_is_an_input_error_not_a_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("policy.html");
    std::fs::write(&p, b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0binary").unwrap();
    let (r, _) = json_of(&["docs", "privacy-policy", p.to_str().unwrap()]);
    let prv = r["standards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "privacy-practices")
        .unwrap();
    assert_ne!(prv["verdict"], "meets");
    assert_ne!(
        prv["verdict"], "fails",
        "a binary is not a policy that fails: {prv}"
    );
}

/// The CLI extracts PDF text in a child process of itself (`__pdf-text`):
/// a real PDF (made with groff, see the fixtures' PROVENANCE.md) is read,
/// a decompression bomb ends as an error naming the stream, not a verdict.
#[test]
fn pdf_policies_through_the_helper_process() {
    let fixtures = "crates/iotcheck-docs/tests/fixtures/text";
    let (r, _) = json_of(&[
        "docs",
        "privacy-policy",
        &format!("{fixtures}/acme-privacy.pdf"),
    ]);
    let ret = results(&r, "docs.retention-period");
    assert_eq!(ret[0]["outcome"], "pass", "{}", ret[0]["summary"]);
    assert!(ret[0]["summary"].as_str().unwrap().contains("30 days"));

    let started = std::time::Instant::now();
    let (r, _) = json_of(&[
        "docs",
        "privacy-policy",
        &format!("{fixtures}/hostile-flate-bomb-1gib-double.pdf"),
    ]);
    let ret = results(&r, "docs.retention-period");
    assert_eq!(ret[0]["outcome"], "error", "{}", ret[0]["summary"]);
    assert!(
        ret[0]["summary"]
            .as_str()
            .unwrap()
            .contains("decompression bomb"),
        "{}",
        ret[0]["summary"]
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}
