//! The CycloneDX SBOM validates against the official CycloneDX 1.5 JSON
//! schema, as the PyPI package cyclonedx-python-lib (Apache-2.0) ships it:
//! `scripts/install-test-deps.sh` installs it outside the repository.

use std::path::{Path, PathBuf};

use iotcheck_firmware::inventory;
use iotcheck_firmware::sbom::{SbomImage, cyclonedx_json};
use jsonschema::{Retrieve, Uri};
use serde_json::Value;

use crate::*;

/// `bom-1.5.SNAPSHOT.schema.json` and the two schemas it references, from
/// cyclonedx-python-lib (`IOTCHECK_CYCLONEDX_SCHEMAS` names another directory).
fn schema_dir() -> PathBuf {
    std::env::var_os("IOTCHECK_CYCLONEDX_SCHEMAS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(&std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/iotcheck-test-deps/cyclonedx-python-lib/cyclonedx/schema/_res")
        })
}

/// Serves the schemas `bom-1.5.schema.json` refers to from the directory;
/// anything else is refused (tests never use the network).
struct Local;

impl Retrieve for Local {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.as_str().rsplit('/').next().unwrap_or("");
        match name {
            "spdx.SNAPSHOT.schema.json" | "jsf-0.82.SNAPSHOT.schema.json" => {
                let text = std::fs::read_to_string(schema_dir().join(name))?;
                Ok(serde_json::from_str(&text)?)
            }
            _ => Err(format!("no local copy of {uri}").into()),
        }
    }
}

pub fn cyclonedx_validator() -> jsonschema::Validator {
    let p = schema_dir().join("bom-1.5.SNAPSHOT.schema.json");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| {
        panic!(
            "the CycloneDX 1.5 schema is missing at {}: {e} (run scripts/install-test-deps.sh)",
            p.display()
        )
    });
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .with_retriever(Local)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
}

#[test]
fn example_sbom_validates_against_cyclonedx_1_5() {
    let img = unpack_ok(&example_bytes(), EXAMPLE);
    let components = inventory(&img);
    let json = cyclonedx_json(
        &[SbomImage {
            name: EXAMPLE.into(),
            sha256: Some("ab".repeat(32)),
        }],
        &components,
        "0.1.0",
    )
    .unwrap();
    let doc: Value = serde_json::from_str(&json).unwrap();
    let v = cyclonedx_validator();
    assert_valid(&v, &doc);

    assert_eq!(doc["bomFormat"], "CycloneDX");
    assert_eq!(doc["specVersion"], "1.5");
    let subject = &doc["metadata"]["component"];
    assert_eq!(subject["type"], "firmware");
    assert_eq!(subject["name"], EXAMPLE);
    assert_eq!(subject["hashes"][0]["alg"], "SHA-256");
    assert_eq!(subject["hashes"][0]["content"], "ab".repeat(32));
    let bb = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "busybox")
        .unwrap();
    assert_eq!(bb["version"], "1.35.0");
    assert_eq!(bb["cpe"], "cpe:2.3:a:busybox:busybox:1.35.0:*:*:*:*:*:*:*");
    assert_eq!(bb["purl"], "pkg:generic/busybox@1.35.0");
    assert_eq!(
        bb["evidence"]["occurrences"][0]["location"],
        format!("{EXAMPLE} ▸ uImage@0x0 ▸ squashfs@0x40 ▸ /bin/busybox")
    );
    let method = &bb["evidence"]["identity"]["methods"][0];
    assert_eq!(method["technique"], "binary-analysis");
    assert!(
        method["value"]
            .as_str()
            .unwrap()
            .contains("BusyBox v1.35.0")
    );
    assert_eq!(doc["dependencies"][0]["ref"], format!("image:{EXAMPLE}"));
    assert!(
        doc["dependencies"][0]["dependsOn"]
            .as_array()
            .unwrap()
            .contains(&Value::from("busybox@1.35.0"))
    );

    // Same input, same bytes (no timestamp; serial derived from content).
    let again = cyclonedx_json(
        &[SbomImage {
            name: EXAMPLE.into(),
            sha256: Some("ab".repeat(32)),
        }],
        &components,
        "0.1.0",
    )
    .unwrap();
    assert_eq!(json, again);

    // The schema check can fail.
    let mut bad = doc.clone();
    bad["components"][0]["type"] = "gadget".into();
    assert!(!v.is_valid(&bad));
}

#[test]
fn several_images_and_empty_inventories_validate() {
    let v = cyclonedx_validator();
    let dir = "firmware/cve-bin-tool-condensed/condensed-downloads";
    let mut images = Vec::new();
    let mut components = Vec::new();
    for f in [
        "dropbear_2014.65-1+deb8u2_amd64.deb.tar.gz",
        "libopenssl1.1_1.1.1n-1_x86_64.ipk.tar.gz",
    ] {
        let img = unpack_ok(&read_shared(&format!("{dir}/{f}")), f);
        components.extend(inventory(&img));
        images.push(SbomImage {
            name: f.into(),
            sha256: None,
        });
    }
    let doc: Value =
        serde_json::from_str(&cyclonedx_json(&images, &components, "0.1.0").unwrap()).unwrap();
    assert_valid(&v, &doc);
    assert_eq!(doc["metadata"]["component"]["type"], "device");
    assert_eq!(
        doc["metadata"]["component"]["components"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let names: Vec<&str> = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dropbear", "openssl"]);

    let empty = cyclonedx_json(&images[..1], &[], "0.1.0").unwrap();
    assert_valid(&v, &serde_json::from_str(&empty).unwrap());
}
