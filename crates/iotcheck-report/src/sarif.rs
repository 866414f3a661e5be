//! SARIF 2.1.0 (OASIS), for code-scanning dashboards such as GitHub's.
//!
//! One rule per check the report names; one result per failing or errored
//! check result, and one per contradicted vendor claim. Every result has a
//! physical location (the input it came from) and a stable fingerprint that
//! depends on what was found and where, not on the run, so dashboards track
//! a finding across runs.

use std::collections::{BTreeMap, BTreeSet};

use iotcheck_model::{CheckResult, Evidence, InputStatus, Outcome, Report};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const CONTRADICTION_RULE: &str = "iotcheck.claim-contradicted";

/// Percent-encodes what a URI reference may not hold literally.
fn uri(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:@!$&'()*+,;=".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn fingerprint(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn location(result: &CheckResult, e: Option<&Evidence>) -> Value {
    let artifact = match e {
        Some(Evidence::Packet { capture, .. }) => capture.clone(),
        Some(Evidence::File { image, .. }) => image.clone(),
        Some(Evidence::Text { document, .. }) => document.clone(),
        Some(Evidence::Input { input, .. }) => input.clone(),
        _ => result.input.clone().unwrap_or_else(|| "device.toml".into()),
    };
    let mut physical = json!({ "artifactLocation": { "uri": uri(&artifact) } });
    if let Some(Evidence::Text { span, .. }) = e {
        physical["region"] =
            json!({ "charOffset": span.start, "charLength": span.end.saturating_sub(span.start) });
    }
    let mut loc = json!({ "physicalLocation": physical });
    if let Some(e) = e {
        loc["message"] = json!({ "text": e.locator() });
    }
    loc
}

pub(crate) fn render(r: &Report) -> Vec<u8> {
    // Rules: every check the report names, in a stable order.
    let mut titles: BTreeMap<String, String> = BTreeMap::new();
    let mut requirements_of: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut standard_of: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for st in &r.standards {
        for req in &st.requirements {
            for c in &req.checks {
                titles.insert(c.id.to_string(), c.title.clone());
                requirements_of
                    .entry(c.id.to_string())
                    .or_default()
                    .insert(req.id.clone());
                standard_of
                    .entry(c.id.to_string())
                    .or_default()
                    .insert(st.id.clone());
            }
        }
    }
    let mut rules: Vec<Value> = titles
        .iter()
        .map(|(id, title)| {
            json!({
                "id": id,
                "name": id.replace(['.', '-'], "_"),
                "shortDescription": { "text": title },
                "defaultConfiguration": { "level": "error" },
                "properties": {
                    "requirements": requirements_of.get(id).map(|s| s.iter().collect::<Vec<_>>()).unwrap_or_default(),
                    "tags": standard_of.get(id).map(|s| s.iter().collect::<Vec<_>>()).unwrap_or_default(),
                }
            })
        })
        .collect();
    rules.push(json!({
        "id": CONTRADICTION_RULE,
        "name": "claim_contradicted",
        "shortDescription": { "text": "A vendor claim is contradicted by the evidence" },
        "defaultConfiguration": { "level": "error" }
    }));
    let rule_index: BTreeMap<&str, usize> = rules
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r["id"].as_str().map(|id| (id, i)))
        .collect();

    let mut results = Vec::new();
    let mut seen = BTreeSet::new();
    for st in &r.standards {
        for req in &st.requirements {
            for c in &req.checks {
                for res in c
                    .results
                    .iter()
                    .filter(|x| matches!(x.outcome, Outcome::Fail | Outcome::Error))
                {
                    let locators: Vec<String> =
                        res.evidence.iter().map(Evidence::locator).collect();
                    let input = res.input.as_deref().unwrap_or("");
                    let mut parts = vec![c.id.as_str(), input, res.outcome.as_str()];
                    parts.extend(locators.iter().map(String::as_str));
                    let fp = fingerprint(&parts);
                    if !seen.insert(fp.clone()) {
                        continue;
                    }
                    let mut locations: Vec<Value> = res
                        .evidence
                        .iter()
                        .take(10)
                        .map(|e| location(res, Some(e)))
                        .collect();
                    if locations.is_empty() {
                        locations.push(location(res, None));
                    }
                    results.push(json!({
                        "ruleId": c.id.as_str(),
                        "ruleIndex": rule_index.get(c.id.as_str()),
                        "kind": "fail",
                        "level": if res.outcome == Outcome::Fail { "error" } else { "warning" },
                        "message": { "text": format!("{} ({}: {})", res.summary, st.title, requirements_of.get(c.id.as_str()).map(|s| s.iter().cloned().collect::<Vec<_>>().join(", ")).unwrap_or_default()) },
                        "locations": locations,
                        "partialFingerprints": { "iotcheckFinding/v1": fp },
                        "properties": { "outcome": res.outcome.as_str() }
                    }));
                }
            }
        }
    }
    for c in &r.contradictions {
        let mut parts = vec![CONTRADICTION_RULE, c.claim.as_str(), c.check.as_str()];
        let locators: Vec<String> = c.evidence.iter().map(Evidence::locator).collect();
        parts.extend(locators.iter().map(String::as_str));
        let stub = CheckResult::new(c.check.clone(), Outcome::Fail, "").with_input("device.toml");
        let mut locations: Vec<Value> = c
            .evidence
            .iter()
            .take(10)
            .map(|e| location(&stub, Some(e)))
            .collect();
        locations.insert(0, location(&stub, None));
        results.push(json!({
            "ruleId": CONTRADICTION_RULE,
            "ruleIndex": rule_index.get(CONTRADICTION_RULE),
            "kind": "fail",
            "level": "error",
            "message": { "text": format!("{} ({})", c.summary, c.requirement) },
            "locations": locations,
            "partialFingerprints": { "iotcheckFinding/v1": fingerprint(&parts) }
        }));
    }

    let notifications: Vec<Value> = r
        .inputs
        .iter()
        .filter(|i| i.status == InputStatus::Error)
        .map(|i| {
            json!({
                "level": "error",
                "message": { "text": format!("{} {}: {}", i.kind.noun(), i.location, i.message.as_deref().unwrap_or("could not be used")) },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri(&i.location) } } }]
            })
        })
        .collect();

    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "iotcheck",
                "version": r.tool.version,
                "semanticVersion": r.tool.version,
                "informationUri": "https://github.com/iotcheck/iotcheck",
                "rules": rules
            }},
            "invocations": [{ "executionSuccessful": notifications.is_empty(), "toolExecutionNotifications": notifications }],
            "results": results,
            "properties": {
                "product": r.product,
                "assessedOn": r.assessed_on,
                "overall": r.overall,
                "standards": r.standards.iter().map(|s| json!({ "id": s.id, "verdict": s.verdict })).collect::<Vec<_>>()
            }
        }]
    });
    let mut out = serde_json::to_vec_pretty(&log).unwrap_or_else(|_| b"{}".to_vec());
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_encoded() {
        assert_eq!(
            uri("captures/set up#1.pcapng"),
            "captures/set%20up%231.pcapng"
        );
        assert_eq!(uri("docs/é.html"), "docs/%C3%A9.html");
    }

    #[test]
    fn fingerprints_are_stable_and_separated() {
        assert_eq!(fingerprint(&["a", "bc"]), fingerprint(&["a", "bc"]));
        assert_ne!(fingerprint(&["ab", "c"]), fingerprint(&["a", "bc"]));
    }
}
