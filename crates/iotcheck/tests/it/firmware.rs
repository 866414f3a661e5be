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

/// Serves the two schemas CycloneDX 1.5 refers to from the copies in
/// iotcheck-firmware's tests (see PROVENANCE.md there); nothing is fetched.
struct LocalSchemas;

impl jsonschema::Retrieve for LocalSchemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<serde_json::Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.as_str().rsplit('/').next().unwrap_or("");
        let p = cyclonedx_schemas().join(name);
        Ok(serde_json::from_str(&std::fs::read_to_string(p)?)?)
    }
}

/// The CycloneDX 1.5 JSON schema files as the PyPI package
/// cyclonedx-python-lib ships them (`bom-1.5.SNAPSHOT.schema.json` and the
/// two it references), installed by `scripts/install-test-deps.sh`;
/// `IOTCHECK_CYCLONEDX_SCHEMAS` names another directory.
fn cyclonedx_schemas() -> std::path::PathBuf {
    std::env::var_os("IOTCHECK_CYCLONEDX_SCHEMAS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/iotcheck-test-deps/cyclonedx-python-lib/cyclonedx/schema/_res")
        })
}

#[test]
fn firmware_json_lists_components_and_sbom_validates() {
    let image = example().join("firmware/acme-cam2-1.4.2.bin");
    let dir = tempfile::tempdir().unwrap();
    let sbom = dir.path().join("acme.cdx.json");
    let out = iotcheck()
        .args([
            "firmware",
            image.to_str().unwrap(),
            "--format",
            "json",
            "--sbom",
        ])
        .arg(&sbom)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    crate::assert_contract(&report);
    let bb = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "busybox")
        .expect("busybox in the report's components");
    assert_eq!(bb["version"], "1.35.0");
    assert_eq!(bb["evidence"][0]["path"][2], "/bin/busybox");

    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(cyclonedx_schemas().join("bom-1.5.SNAPSHOT.schema.json"))
            .unwrap_or_else(|e| {
                panic!(
                    "CycloneDX schema missing in {} ({e}): run scripts/install-test-deps.sh",
                    cyclonedx_schemas().display()
                )
            }),
    )
    .unwrap();
    let validator = jsonschema::options()
        .with_retriever(LocalSchemas)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sbom).unwrap()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let inputs = report["inputs"].as_array().unwrap();
    assert_eq!(
        doc["metadata"]["component"]["hashes"][0]["content"],
        inputs[0]["sha256"]
    );
    assert!(
        doc["components"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "busybox" && c["purl"] == "pkg:generic/busybox@1.35.0")
    );
}

#[test]
fn a_bare_package_archive_names_its_component() {
    let pkg = root().join(
        "../shared/data/firmware/cve-bin-tool-condensed/condensed-downloads/dnsmasq_2.80-16.3_x86_64.ipk.tar.gz",
    );
    assert!(
        pkg.is_file(),
        "this test reads {} (shared/data), which is absent",
        pkg.display()
    );
    let out = iotcheck()
        .args(["firmware", pkg.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let comps: Vec<(String, String)> = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(comps, vec![("dnsmasq".to_string(), "2.80".to_string())]);
    let vul4 = report["standards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "vulnerability-management")
        .unwrap()["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["checks"][0]["id"] == "fw.component-inventory")
        .unwrap()
        .clone();
    assert_eq!(vul4["verdict"], "meets", "{vul4:#}");
}

#[test]
fn sbom_path_that_cannot_be_written_is_a_usage_error() {
    let image = example().join("firmware/acme-cam2-1.4.2.bin");
    let out = iotcheck()
        .args([
            "firmware",
            image.to_str().unwrap(),
            "--format",
            "json",
            "--sbom",
            "/nonexistent/dir/x.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/dir/x.json"));
}

#[test]
fn extract_keeps_the_tree_and_limit_flags_apply() {
    let image = example().join("firmware/acme-cam2-1.4.2.bin");
    let dir = tempfile::tempdir().unwrap();
    let out = iotcheck()
        .args(["firmware", image.to_str().unwrap(), "--format", "json"])
        .arg("--extract")
        .arg(dir.path())
        .args(["--max-file-size", "64K"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let kept = dir.path().join("acme-cam2-1.4.2.bin");
    assert!(
        stderr.contains(&format!("kept in {}", kept.display())),
        "{stderr}"
    );
    let fs = kept.join("uImage@0x0/squashfs@0x40");
    assert!(fs.join("etc/shadow").is_file());
    // BusyBox is over the 64 KiB single-file limit: listed, not written.
    assert!(!fs.join("bin/busybox").exists());
    let manifest = std::fs::read_to_string(kept.join("iotcheck-manifest.tsv")).unwrap();
    assert!(
        manifest.contains("squashfs@0x40 ▸ /bin/busybox\tfile\tnot written: "),
        "{manifest}"
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("/bin/busybox: 1284688 bytes, more than the single-file limit"),
        "{report}"
    );

    // The same directory again: the tree is not merged into the old one,
    // and the report says so.
    let again = iotcheck()
        .args(["firmware", image.to_str().unwrap(), "--format", "json"])
        .arg("--extract")
        .arg(dir.path())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&again.stdout);
    assert!(
        report.contains("unpacked tree not kept") && report.contains("already exists"),
        "{report}"
    );

    let bad = iotcheck()
        .args([
            "firmware",
            image.to_str().unwrap(),
            "--max-unpacked",
            "lots",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(3), "usage errors exit 3");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a size"));
}

#[test]
fn two_images_with_one_hash_fail_the_universal_default_check() {
    let image = example().join("firmware/acme-cam2-1.4.2.bin");
    let dir = tempfile::tempdir().unwrap();
    // A second unit's dump: the same image, as a vendor's factory writes it.
    let other = dir.path().join("unit-2.bin");
    std::fs::copy(&image, &other).unwrap();
    let out = iotcheck()
        .args(["firmware", image.to_str().unwrap(), other.to_str().unwrap()])
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let pwd1 = v["standards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "strong-passwords")
        .unwrap()["requirements"][0]
        .clone();
    let check = pwd1["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "fw.universal-default-password")
        .unwrap()
        .clone();
    assert_eq!(check["outcome"], "fail", "{check:#}");
    let r = &check["results"][0];
    let summary = r["summary"].as_str().unwrap();
    assert!(
        summary.contains("admin has one password hash in 2 images"),
        "{summary}"
    );
    let images: Vec<&str> = r["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["image"].as_str().unwrap())
        .collect();
    assert!(
        images.iter().any(|i| i.ends_with("unit-2.bin")),
        "{images:?}"
    );
    assert!(
        images.iter().any(|i| i.ends_with("acme-cam2-1.4.2.bin")),
        "{images:?}"
    );
    // Only masked hashes reach the report.
    let text = r.to_string();
    assert_eq!(
        text.matches("$1$").count(),
        text.matches("$1$********").count(),
        "{text}"
    );
}
