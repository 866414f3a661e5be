use iotcheck_report::{Format, RenderOptions, render};

use crate::sample_report;

/// The SARIF 2.1.0 schema (OASIS) as shipped inside the serde-sarif crate
/// that cargo fetched to build this test (a dev-dependency): found in cargo's
/// registry sources at the version Cargo.lock pins, so no copy lives in this
/// repository.
fn sarif_schema() -> serde_json::Value {
    let lock =
        std::fs::read_to_string(crate::workspace_root().join("Cargo.lock")).expect("Cargo.lock");
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"serde-sarif\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
        .map(|v| v.trim_end_matches('"').to_string())
        .expect("serde-sarif in Cargo.lock");
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    let registries =
        std::fs::read_dir(cargo_home.join("registry/src")).expect("cargo registry sources");
    let schema = registries
        .filter_map(Result::ok)
        .map(|d| {
            d.path()
                .join(format!("serde-sarif-{version}/src/schema.json"))
        })
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "serde-sarif-{version}/src/schema.json not found under {}",
                cargo_home.display()
            )
        });
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&schema).unwrap()).unwrap();
    assert_eq!(
        v["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    v
}

fn sarif() -> serde_json::Value {
    serde_json::from_slice(&render(
        &sample_report(),
        Format::Sarif,
        &RenderOptions::default(),
    ))
    .unwrap()
}

#[test]
fn validates_against_sarif_2_1_0_schema() {
    let mut schema = sarif_schema();
    // The published 2.1.0 schema carries a known typo in its `language`
    // patterns (`…{2}]?$`, an unbalanced `]`) that a strict regex engine
    // rejects; use the corrected pattern for those keywords only.
    fn fix(v: &mut serde_json::Value, fixed: &mut usize) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if k == "pattern" && x == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" {
                        *x = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".into();
                        *fixed += 1;
                    } else {
                        fix(x, fixed);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| fix(x, fixed)),
            _ => {}
        }
    }
    let mut fixed = 0;
    fix(&mut schema, &mut fixed);
    assert!(fixed > 0, "the known typo is gone: drop this workaround");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let instance = sarif();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The typed model of serde-sarif reads it too.
    let _: serde_sarif::sarif::Sarif = serde_json::from_value(instance.clone()).unwrap();

    let mut bad = instance;
    bad["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(
        !validator.is_valid(&bad),
        "the schema check must be able to fail"
    );
}

#[test]
fn every_result_has_a_location_rule_and_fingerprint() {
    let s = sarif();
    let run = &s["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert!(
        results.len() >= 4,
        "fails, the error and the contradiction are results"
    );
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        assert!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string());
        assert!(
            r["partialFingerprints"]["iotcheckFinding/v1"]
                .as_str()
                .unwrap()
                .len()
                == 32
        );
    }
    let fps: std::collections::BTreeSet<_> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["iotcheckFinding/v1"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        fps.len(),
        results.len(),
        "fingerprints are unique per finding"
    );
    // Stable across runs: same input, same bytes.
    assert_eq!(
        render(&sample_report(), Format::Sarif, &RenderOptions::default()),
        render(&sample_report(), Format::Sarif, &RenderOptions::default())
    );
}

#[test]
fn text_evidence_becomes_a_region() {
    let s = sarif();
    let results = s["runs"][0]["results"].as_array().unwrap();
    let with_region = results
        .iter()
        .flat_map(|r| r["locations"].as_array().unwrap())
        .filter(|l| l["physicalLocation"]["region"]["charOffset"].is_u64())
        .count();
    assert_eq!(
        with_region, 1,
        "the failing change-notification quote carries its character span"
    );
    assert!(
        results
            .iter()
            .any(|r| r["level"] == "warning" && r["ruleId"] == "docs.security-txt-valid")
    );
}
