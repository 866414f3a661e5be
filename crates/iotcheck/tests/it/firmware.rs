use crate::{example, iotcheck, root};

fn pwd1(args: &[&str]) -> serde_json::Value {
    let out = iotcheck()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["standards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "strong-passwords")
        .unwrap()["requirements"][0]
        .clone()
}

#[test]
fn firmware_default_passwords_builtin_and_from_a_list() {
    let image = example().join("firmware/acme-cam2-1.4.2.bin");
    let r = pwd1(&["firmware", image.to_str().unwrap()]);
    assert_eq!(r["verdict"], "fails");
    let reason = r["reason"].as_str().unwrap();
    assert!(
        reason.contains("admin") && !reason.contains("root has"),
        "built-in list only: {reason}"
    );
    let mirai = root().join("../shared/data/credentials/seclists/mirai-botnet.txt");
    assert!(
        mirai.is_file(),
        "this test reads {} (shared/data), which is absent",
        mirai.display()
    );
    let r = pwd1(&[
        "firmware",
        image.to_str().unwrap(),
        "--passwords",
        mirai.to_str().unwrap(),
    ]);
    let reason = r["reason"].as_str().unwrap();
    assert!(
        reason.contains("root has the default password ********"),
        "{reason}"
    );
    let text = r.to_string();
    assert!(
        !text.contains("xc3511"),
        "the password never reaches the report"
    );
}

#[test]
fn bad_password_list_is_a_usage_error() {
    let image = example().join("firmware/acme-cam2-1.4.2.bin");
    let out = iotcheck()
        .args([
            "firmware",
            image.to_str().unwrap(),
            "--passwords",
            "/nonexistent/list.txt",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/list.txt"));
}
