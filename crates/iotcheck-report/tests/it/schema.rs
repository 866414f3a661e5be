use iotcheck_report::{Format, RenderOptions, render};

use crate::{sample_report, workspace_root};

/// docs/report.schema.json is the published contract; it must be what the
/// types generate (regenerate with `iotcheck schema > docs/report.schema.json`).
#[test]
fn published_schema_is_current() {
    let path = workspace_root().join("docs/report.schema.json");
    let published: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("docs/report.schema.json"))
            .unwrap();
    assert_eq!(
        published,
        iotcheck_model::report_schema(),
        "docs/report.schema.json is stale: run `cargo run -p iotcheck -- schema > docs/report.schema.json`"
    );
}

#[test]
fn json_report_validates_against_published_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("docs/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let instance: serde_json::Value = serde_json::from_slice(&render(
        &sample_report(),
        Format::Json,
        &RenderOptions::default(),
    ))
    .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // And the schema does reject a report that breaks the contract.
    let mut bad = instance.clone();
    bad["standards"][0]["verdict"] = "passes".into();
    assert!(
        !validator.is_valid(&bad),
        "a verdict word outside the contract must not validate"
    );
    let mut bad = instance;
    bad.as_object_mut().unwrap().remove("overall");
    assert!(!validator.is_valid(&bad));
}
