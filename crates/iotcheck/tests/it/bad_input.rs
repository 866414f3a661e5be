use crate::{assert_contract, bundle, iotcheck};

const DEVICE: &str = r#"[product]
vendor = "Acme Devices"
model = "Cam 2"

[claims]
support_until = 2029-12-31
privacy_policy_url = "https://acme.example/privacy"

[inputs]
captures = ["captures/*.pcapng"]
security_txt = "docs/security.txt"
"#;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn missing_bundle_exits_3_naming_it() {
    let out = iotcheck()
        .args(["assess", "/nonexistent/acme"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("/nonexistent/acme: no such bundle directory"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn directory_without_device_toml() {
    let dir = tempfile::tempdir().unwrap();
    let out = iotcheck()
        .args(["assess", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("has no device.toml"));
}

#[test]
fn unknown_key_names_file_line_and_key() {
    let b = bundle(
        &DEVICE.replace("model = \"Cam 2\"", "model = \"Cam 2\"\nfirmware = \"1.0\""),
        &[],
    );
    let out = iotcheck()
        .args(["assess", b.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains("device.toml:4:") && err.contains("firmware"),
        "{err}"
    );
    assert!(
        out.stdout.is_empty(),
        "no report from an invalid device.toml"
    );
}

#[test]
fn bad_claim_value_names_line() {
    let b = bundle(
        &DEVICE.replace("support_until = 2029-12-31", "support_until = \"forever\""),
        &[],
    );
    let out = iotcheck()
        .args(["assess", b.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("device.toml:6:")
            && stderr(&out).contains("support_until")
            && stderr(&out).contains("\"forever\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn malformed_toml_names_line() {
    let b = bundle("[product\nvendor = 1\n", &[]);
    let out = iotcheck()
        .args(["assess", b.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("device.toml:1:"), "{}", stderr(&out));
}

/// A broken input loses only its own checks: the report is still written,
/// the other inputs' results are in it, and the exit code says an input failed.
#[test]
fn wrong_type_input_keeps_the_rest_of_the_report() {
    let b = bundle(
        DEVICE,
        &[
            (
                "captures/setup.pcapng",
                b"<html><body>this is not a capture</body></html>",
            ),
            (
                "docs/security.txt",
                b"Contact: mailto:security@acme.example\nExpires: 2027-10-01T00:00:00Z\n",
            ),
        ],
    );
    let out = iotcheck()
        .args([
            "assess",
            b.path().to_str().unwrap(),
            "--format",
            "json",
            "--as-of",
            "2026-11-25",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains("packet capture captures/setup.pcapng: expected a pcap or pcapng capture"),
        "{err}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_contract(&report);
    let capture = report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "capture")
        .unwrap();
    assert_eq!(capture["status"], "error");
    let security_txt = report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "security_txt")
        .unwrap();
    assert_eq!(security_txt["status"], "loaded");
    let enc = report["standards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "encrypted-communications")
        .unwrap();
    let enc1 = &enc["requirements"][0];
    assert_eq!(enc1["verdict"], "inconclusive");
    assert!(
        enc1["reason"]
            .as_str()
            .unwrap()
            .contains("could not be completed"),
        "{}",
        enc1["reason"]
    );
    assert_eq!(enc1["checks"][0]["outcome"], "error");
    // The claims still decided their requirements.
    let upd = report["standards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "security-updates")
        .unwrap();
    assert_eq!(
        upd["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "UPD-5")
            .unwrap()["verdict"],
        "meets"
    );
}

#[test]
fn missing_input_file_is_an_input_error_not_a_crash() {
    let b = bundle(
        DEVICE,
        &[(
            "captures/a.pcapng",
            &[0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0],
        )],
    );
    let out = iotcheck()
        .args(["assess", b.path().to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("security.txt docs/security.txt: no such file in the bundle"),
        "{}",
        stderr(&out)
    );
    assert_contract(&serde_json::from_slice(&out.stdout).unwrap());
}

#[test]
fn path_escaping_the_bundle_is_refused() {
    let b = bundle(
        &DEVICE.replace("docs/security.txt", "../../etc/passwd"),
        &[],
    );
    let out = iotcheck()
        .args(["assess", b.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("must be a path inside the bundle"),
        "{}",
        stderr(&out)
    );
}

#[cfg(unix)]
#[test]
fn device_node_as_firmware_is_refused_without_hanging() {
    let out = iotcheck()
        .args(["assess", "--firmware", "/dev/zero", "--format", "json"])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn usage_errors_exit_3() {
    let out = iotcheck()
        .args(["assess", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let out = iotcheck().args(["assess"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("nothing to assess"));
    let out = iotcheck()
        .args(["assess", "--host", "127.0.0.1", "--as-of", "2026-02-30"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("--as-of"));
    let out = iotcheck().args(["--help"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn unwritable_output_exits_3() {
    let b = bundle(DEVICE, &[]);
    let out = iotcheck()
        .args([
            "assess",
            b.path().to_str().unwrap(),
            "-o",
            "/nonexistent/dir/report.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("cannot write report to /nonexistent/dir/report.json"),
        "{}",
        stderr(&out)
    );
}
