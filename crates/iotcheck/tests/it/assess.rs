use crate::{assert_contract, example, iotcheck};

fn json_of(args: &[&str]) -> (serde_json::Value, i32) {
    let out = iotcheck()
        .args(args)
        .args(["--format", "json", "--as-of", "2026-11-25"])
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (v, out.status.code().unwrap())
}

#[test]
fn example_bundle_gives_five_verdicts() {
    let ex = example();
    let (report, code) = json_of(&["assess", ex.to_str().unwrap()]);
    assert_contract(&report);
    let expected = match report["overall"].as_str().unwrap() {
        "meets" | "not_applicable" => 0,
        "fails" => 1,
        _ => 2,
    };
    assert_eq!(code, expected, "exit code follows the overall verdict");
    assert_eq!(report["product"]["vendor"], "Acme Devices");
    // Every input of the example is real and loads.
    for i in report["inputs"].as_array().unwrap() {
        assert_eq!(i["status"], "loaded", "{i}");
    }
    let kinds: Vec<&str> = report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    for k in [
        "capture",
        "firmware",
        "privacy_policy",
        "security_txt",
        "claims",
    ] {
        assert!(kinds.contains(&k), "example lacks a {k} input");
    }
}

#[test]
fn claims_decide_their_requirements_in_the_example() {
    let ex = example();
    let (report, _) = json_of(&["assess", ex.to_str().unwrap()]);
    let req = |id: &str| {
        report["standards"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["requirements"].as_array().unwrap())
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    // support_until = 2029-12-31 in the example, assessed as of 2026-11-25.
    assert_eq!(req("UPD-5")["verdict"], "meets");
    assert_eq!(
        req("PRV-1")["verdict"],
        "meets",
        "privacy_policy_url is https"
    );
    // Nothing decides a requirement whose analyzer does not exist: never meets by default.
    for r in report["standards"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["requirements"].as_array().unwrap())
    {
        if r["verdict"] == "meets" {
            assert!(
                r["checks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c["outcome"] == "pass"),
                "{} meets without a passing check",
                r["id"]
            );
        }
    }
}

#[test]
fn support_period_in_the_past_fails_with_exit_1() {
    let ex = example();
    let out = iotcheck()
        .args([
            "assess",
            ex.to_str().unwrap(),
            "--format",
            "json",
            "--as-of",
            "2030-01-01",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let upd = v["standards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "security-updates")
        .unwrap();
    assert_eq!(upd["verdict"], "fails");
    assert_eq!(v["overall"], "fails");
}

#[test]
fn flag_form_matches_bundle_form() {
    let ex = example();
    let d = |p: &str| ex.join(p).to_str().unwrap().to_string();
    let captures: Vec<String> = std::fs::read_dir(ex.join("captures"))
        .unwrap()
        .map(|e| e.unwrap().path().to_str().unwrap().to_string())
        .collect();
    let mut args = vec!["assess".to_string(), "--claims".into(), d("device.toml")];
    // device.toml holds [inputs], which --claims refuses: write the claims alone.
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(ex.join("device.toml")).unwrap();
    let claims_only = text.split("[inputs]").next().unwrap();
    std::fs::write(tmp.path().join("claims.toml"), claims_only).unwrap();
    args[2] = tmp.path().join("claims.toml").to_str().unwrap().into();
    for c in &captures {
        args.extend(["--capture".into(), c.clone()]);
    }
    args.extend([
        "--policy".into(),
        d("docs/privacy.html"),
        "--security-txt".into(),
        d("docs/security.txt"),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (flags, _) = json_of(&args);
    assert_contract(&flags);
    let (bundle, _) = json_of(&["assess", ex.to_str().unwrap()]);
    // Same claims, same captures and documents: the same verdicts for the
    // standards that do not depend on the firmware.
    for id in ["encrypted-communications", "privacy-practices"] {
        let v = |r: &serde_json::Value| {
            r["standards"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["id"] == id)
                .unwrap()["verdict"]
                .clone()
        };
        assert_eq!(v(&flags), v(&bundle), "{id}");
    }
}

#[test]
fn every_format_writes_to_a_file() {
    let ex = example();
    let dir = tempfile::tempdir().unwrap();
    for (fmt, probe) in [
        ("text", "Encrypted communications"),
        ("json", "\"schema_version\""),
        ("sarif", "\"2.1.0\""),
        ("md", "# iotcheck report"),
        ("html", "<!DOCTYPE html>"),
    ] {
        let path = dir.path().join(format!("report.{fmt}"));
        let out = iotcheck()
            .args([
                "assess",
                ex.to_str().unwrap(),
                "--format",
                fmt,
                "-o",
                path.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(out.stdout.is_empty(), "{fmt}: nothing on stdout with -o");
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(written.contains(probe), "{fmt}");
        assert!(!written.contains('\u{1b}'), "{fmt}: no colour in a file");
    }
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let ex = example();
    let piped = iotcheck()
        .args(["assess", ex.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&piped.stdout).contains('\u{1b}'),
        "piped output is plain"
    );
    let forced = iotcheck()
        .args(["assess", ex.to_str().unwrap(), "--color", "always"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&forced.stdout).contains('\u{1b}'));
    assert!(
        piped.stderr.is_empty(),
        "no progress when stderr is not a terminal: {}",
        String::from_utf8_lossy(&piped.stderr)
    );
}

#[test]
fn regime_view_can_be_narrowed() {
    let ex = example();
    let (v, _) = json_of(&["assess", ex.to_str().unwrap(), "--standard", "uk-psti"]);
    let ids: Vec<&str> = v["regimes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["uk-psti"]);
    let out = iotcheck()
        .args(["assess", ex.to_str().unwrap(), "--standard", "iso-9001"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}

/// What a newcomer sees for the example, pinned: a change to the text or
/// the JSON of a real assessment shows up in review.
#[test]
fn example_output_snapshots() {
    let ex = example();
    for (format, name) in [("text", "example_text"), ("json", "example_json")] {
        let out = iotcheck()
            .args([
                "assess",
                ex.to_str().unwrap(),
                "--format",
                format,
                "--as-of",
                "2026-11-25",
            ])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        insta::with_settings!({ filters => vec![(r#""version": "[0-9][^"]*""#, r#""version": "[version]""#), (r"iotcheck [0-9]+\.[0-9]+\.[0-9]+[^ ]*", "iotcheck [version]")] }, {
            insta::assert_snapshot!(name, text);
        });
    }
}

/// Many inputs run on a pool the size of the machine, in a stable order.
#[test]
fn many_captures_keep_their_order() {
    let cap = example().join("captures/setup.pcapng");
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["traffic".to_string()];
    for i in 0..24 {
        let p = dir.path().join(format!("c{i:02}.pcapng"));
        std::fs::copy(&cap, &p).unwrap();
        args.push(p.to_str().unwrap().to_string());
    }
    args.extend([
        "--device".into(),
        "02:00:5e:10:00:0a".into(),
        "--format".into(),
        "json".into(),
    ]);
    let out = iotcheck().args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<String> = v["traffic"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            t["capture"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    let expected: Vec<String> = (0..24).map(|i| format!("c{i:02}.pcapng")).collect();
    assert_eq!(names, expected);
    let hashes: std::collections::BTreeSet<&str> = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["sha256"].as_str().unwrap())
        .collect();
    assert_eq!(hashes.len(), 1, "the same bytes, the same fingerprint");
}

/// The same file given twice is two inputs, each with its fingerprint.
#[test]
fn repeated_input_gets_every_fingerprint() {
    let cap = example().join("captures/setup.pcapng");
    let out = iotcheck()
        .args([
            "traffic",
            cap.to_str().unwrap(),
            cap.to_str().unwrap(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let inputs = v["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 2);
    assert!(
        inputs
            .iter()
            .all(|i| i["sha256"].as_str().is_some_and(|h| h.len() == 64)),
        "{inputs:?}"
    );
}

/// A capture is fingerprinted in the same pass that analyses it: the
/// digest must be coreutils' `sha256sum` of the whole file, for a plain
/// capture, a gzip-compressed one, and one whose analysis stops early on
/// damaged bytes (the rest of the file is still read into the digest).
#[test]
fn capture_fingerprint_is_sha256_of_the_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let plain = std::fs::read(example().join("captures/setup.pcapng")).unwrap();
    let mut damaged = plain.clone();
    // A block whose declared length runs past the end, then 3 MiB more:
    // reading stops at the block, the digest covers everything.
    damaged.extend_from_slice(&[0x06, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f]);
    damaged.extend((0..3 << 20).map(|i: u32| (i % 253) as u8));
    let gz = std::process::Command::new("gzip")
        .args([
            "-c",
            example().join("captures/setup.pcapng").to_str().unwrap(),
        ])
        .output()
        .expect("gzip is missing")
        .stdout;
    for (name, bytes) in [
        ("plain.pcapng", &plain),
        ("damaged.pcapng", &damaged),
        ("zipped.pcapng.gz", &gz),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = iotcheck()
            .args(["traffic", path.to_str().unwrap(), "--format", "json"])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let sum = std::process::Command::new("sha256sum")
            .arg(&path)
            .output()
            .expect("sha256sum (coreutils) is missing");
        let want = String::from_utf8(sum.stdout).unwrap();
        let want = want.split_whitespace().next().unwrap();
        assert_eq!(v["inputs"][0]["sha256"].as_str(), Some(want), "{name}");
    }
}
