//! The verdict engine: check results → requirement → standard → overall.
//!
//! Rules (also in docs/CHECKS.md):
//! - a failing check fails its requirement, whatever else is known;
//! - a check that could not be completed (`error`) leaves it inconclusive;
//! - `decide = "any"`: one passing check meets it; `decide = "all"`: every
//!   check must pass or not apply;
//! - a `fail_only` check can fail its requirement, but its pass never
//!   meets it (it sees only part of what the requirement asks);
//! - a requirement no check could run on is inconclusive, and the reason
//!   names the input that would settle it or says no analyzer implements
//!   its checks yet; it never meets by default;
//! - a standard takes its worst requirement, the product its worst standard
//!   (`not_applicable` never hides another verdict).

use std::collections::{BTreeMap, BTreeSet};

use iotcheck_model::{
    CheckEntry, CheckId, CheckResult, Contradiction, InputKind, Outcome, ProvisionVerdict,
    RegimeView, RequirementVerdict, StandardVerdict, Verdict,
};

use crate::{Analyzer, Catalog, ClaimValue, Claims, Decide, Requirement};

/// What the verdict engine needs to know besides the results.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Input kinds given to the assessment (whether or not they could be read).
    pub given: BTreeSet<InputKind>,
    /// Checks that an analyzer in this build implements.
    pub implemented: BTreeSet<CheckId>,
}

/// Verdicts for every requirement, standard and regime provision.
#[derive(Debug, Clone)]
pub struct Decision {
    pub overall: Verdict,
    pub standards: Vec<StandardVerdict>,
    pub regimes: Vec<RegimeView>,
}

/// Decides every requirement of the catalog from the results.
pub fn decide(catalog: &Catalog, results: &[CheckResult], ctx: &Context) -> Decision {
    let mut by_check: BTreeMap<&CheckId, Vec<&CheckResult>> = BTreeMap::new();
    for r in results {
        by_check.entry(&r.check).or_default().push(r);
    }

    let standards: Vec<StandardVerdict> = catalog
        .standards
        .iter()
        .map(|s| {
            let requirements: Vec<RequirementVerdict> = s
                .requirements
                .iter()
                .map(|r| decide_requirement(catalog, r, &by_check, ctx))
                .collect();
            StandardVerdict {
                id: s.id.clone(),
                title: s.title.clone(),
                verdict: Verdict::worst(requirements.iter().map(|r| r.verdict)),
                requirements,
            }
        })
        .collect();

    let requirement_verdict: BTreeMap<&str, Verdict> = standards
        .iter()
        .flat_map(|s| s.requirements.iter().map(|r| (r.id.as_str(), r.verdict)))
        .collect();
    let regimes = catalog
        .regimes
        .iter()
        .map(|regime| RegimeView {
            id: regime.id.clone(),
            title: regime.title.clone(),
            short: regime.short.clone(),
            provisions: regime
                .provisions
                .iter()
                .map(|p| ProvisionVerdict {
                    id: p.id.clone(),
                    title: p.title.clone(),
                    verdict: Verdict::worst(
                        p.requirements
                            .iter()
                            .filter_map(|r| requirement_verdict.get(r.as_str()).copied()),
                    ),
                    requirements: p.requirements.clone(),
                })
                .collect(),
        })
        .collect();

    Decision {
        overall: Verdict::worst(standards.iter().map(|s| s.verdict)),
        standards,
        regimes,
    }
}

fn decide_requirement(
    catalog: &Catalog,
    req: &Requirement,
    by_check: &BTreeMap<&CheckId, Vec<&CheckResult>>,
    ctx: &Context,
) -> RequirementVerdict {
    let entries: Vec<CheckEntry> = req
        .checks
        .iter()
        .map(|id| {
            let results: Vec<CheckResult> = by_check
                .get(id)
                .map(|v| v.iter().map(|r| (*r).clone()).collect())
                .unwrap_or_default();
            let outcome = Outcome::combine(results.iter().map(|r| r.outcome));
            let not_run = outcome.is_none().then(|| not_run_reason(catalog, id, ctx));
            CheckEntry {
                id: id.clone(),
                title: catalog
                    .checks
                    .get(id)
                    .map(|c| c.title.clone())
                    .unwrap_or_default(),
                outcome,
                not_run,
                results,
            }
        })
        .collect();

    let with = |o: Outcome| entries.iter().filter(move |e| e.outcome == Some(o));
    // A fail_only check that did not fail or error takes no part in meeting
    // the requirement (nor in making it not applicable).
    let deciding: Vec<&CheckEntry> = entries
        .iter()
        .filter(|e| {
            !req.fail_only.contains(&e.id)
                || matches!(e.outcome, Some(Outcome::Fail | Outcome::Error))
        })
        .collect();
    let (verdict, reason) = if let Some(first) = with(Outcome::Fail).next() {
        (Verdict::Fails, summarize(first, Outcome::Fail))
    } else if let Some(first) = with(Outcome::Error).next() {
        (
            Verdict::Inconclusive,
            format!(
                "could not be completed: {}",
                summarize(first, Outcome::Error)
            ),
        )
    } else {
        let ran: Vec<&CheckEntry> = deciding
            .iter()
            .copied()
            .filter(|e| e.outcome.is_some())
            .collect();
        let missing: Vec<&CheckEntry> = deciding
            .iter()
            .copied()
            .filter(|e| e.outcome.is_none())
            .collect();
        let passed = deciding
            .iter()
            .copied()
            .find(|e| e.outcome == Some(Outcome::Pass));
        match (req.decide, passed) {
            (Decide::Any, Some(p)) => (Verdict::Meets, summarize(p, Outcome::Pass)),
            (Decide::All, Some(p)) if missing.is_empty() => {
                (Verdict::Meets, summarize(p, Outcome::Pass))
            }
            _ if !ran.is_empty() && missing.is_empty() => (
                Verdict::NotApplicable,
                summarize(ran[0], Outcome::NotApplicable),
            ),
            (Decide::Any, None) if !ran.is_empty() => (
                Verdict::NotApplicable,
                summarize(ran[0], Outcome::NotApplicable),
            ),
            _ => (
                Verdict::Inconclusive,
                missing_reason(catalog, &missing, ctx),
            ),
        }
    };
    // A requirement met only on the vendor's word says so, and names the
    // evidence that did not run and could still contradict it.
    let is_claim = |e: &CheckEntry| {
        catalog
            .checks
            .get(&e.id)
            .is_some_and(|c| c.analyzer == Analyzer::Claims)
    };
    let reason = if verdict == Verdict::Meets
        && deciding
            .iter()
            .filter(|e| e.outcome == Some(Outcome::Pass))
            .all(|e| is_claim(e))
    {
        let unverified: Vec<&str> = entries
            .iter()
            .filter(|e| e.outcome.is_none() && !is_claim(e))
            .map(|e| e.id.as_str())
            .collect();
        if unverified.is_empty() {
            format!("{reason} (vendor declaration)")
        } else {
            format!(
                "{reason} (vendor declaration, not verified: {} did not run)",
                unverified.join(", ")
            )
        }
    } else {
        reason
    };

    RequirementVerdict {
        id: req.id.clone(),
        title: req.title.clone(),
        verdict,
        reason,
        checks: entries,
        provisions: catalog.provisions_of(&req.id),
    }
}

fn summarize(entry: &CheckEntry, outcome: Outcome) -> String {
    let matching: Vec<&CheckResult> = entry
        .results
        .iter()
        .filter(|r| r.outcome == outcome)
        .collect();
    let first = matching.first().map_or("", |r| r.summary.as_str());
    let more = match matching.len() {
        0 | 1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    format!("{}: {first}{more}", entry.id)
}

fn not_run_reason(catalog: &Catalog, id: &CheckId, ctx: &Context) -> String {
    let Some(spec) = catalog.checks.get(id) else {
        return "unknown check".into();
    };
    if !ctx.implemented.contains(id) {
        return format!(
            "no {} analyzer in this build implements it yet",
            spec.analyzer.as_str()
        );
    }
    if let Some(claim) = catalog.claims.iter().find(|c| c.check.as_ref() == Some(id)) {
        return format!(
            "the vendor declared no `{}` claim (device.toml [claims] or --claims)",
            claim.key
        );
    }
    let missing: Vec<String> = spec
        .inputs
        .iter()
        .filter(|k| !ctx.given.contains(k))
        .map(|k| format!("{} ({})", k.noun(), k.flag()))
        .collect();
    if let (true, Some(when)) = (missing.is_empty(), &spec.decided_with) {
        format!("decided only with {when}")
    } else if missing.is_empty() {
        format!(
            "the {} analyzer found nothing in its input that this check decides on",
            spec.analyzer.as_str()
        )
    } else {
        format!("needs a {}", missing.join(" and a "))
    }
}

/// One sentence naming what would settle an undecided requirement.
fn missing_reason(catalog: &Catalog, missing: &[&CheckEntry], ctx: &Context) -> String {
    let mut needs: Vec<String> = Vec::new();
    let mut unimplemented: Vec<String> = Vec::new();
    let mut other: Vec<String> = Vec::new();
    for e in missing {
        let Some(spec) = catalog.checks.get(&e.id) else {
            continue;
        };
        if !ctx.implemented.contains(&e.id) {
            unimplemented.push(e.id.to_string());
            continue;
        }
        let kinds: Vec<InputKind> = spec
            .inputs
            .iter()
            .copied()
            .filter(|k| !ctx.given.contains(k))
            .collect();
        if kinds.is_empty() || spec.inputs.contains(&InputKind::Claims) {
            other.push(format!(
                "{}: {}",
                e.id,
                e.not_run.as_deref().unwrap_or("no result")
            ));
        } else {
            let phrase = kinds
                .iter()
                .map(|k| format!("a {} ({})", k.noun(), k.flag()))
                .collect::<Vec<_>>()
                .join(" with ");
            if !needs.contains(&phrase) {
                needs.push(phrase);
            }
        }
    }
    let mut parts = Vec::new();
    if !needs.is_empty() {
        parts.push(format!(
            "no input to decide it: give {}",
            needs.join(" or ")
        ));
    }
    if !unimplemented.is_empty() {
        parts.push(format!(
            "not implemented yet in this build: {}",
            unimplemented.join(", ")
        ));
    }
    parts.extend(other);
    if parts.is_empty() {
        "no check could be run".into()
    } else {
        parts.join("; ")
    }
}

/// Vendor claims that failing check results contradict.
pub fn contradictions(
    catalog: &Catalog,
    claims: &Claims,
    results: &[CheckResult],
) -> Vec<Contradiction> {
    const MAX_EVIDENCE: usize = 10;
    let mut out = Vec::new();
    for spec in &catalog.claims {
        if claims.get(&spec.key) != Some(&ClaimValue::Bool(true)) {
            continue;
        }
        for check in &spec.contradicted_by {
            let failing: Vec<&CheckResult> = results
                .iter()
                .filter(|r| &r.check == check && r.outcome == Outcome::Fail)
                .collect();
            let Some(first) = failing.first() else {
                continue;
            };
            let title = catalog.checks.get(check).map_or("", |c| c.title.as_str());
            let more = if failing.len() > 1 {
                format!(" (and {} more)", failing.len() - 1)
            } else {
                String::new()
            };
            out.push(Contradiction {
                claim: spec.key.clone(),
                value: true.into(),
                requirement: spec.requirement.clone(),
                check: check.clone(),
                summary: format!(
                    "claims {} = true, but {}: {}{more}",
                    spec.key,
                    title.to_lowercase(),
                    first.summary
                ),
                evidence: failing
                    .iter()
                    .flat_map(|r| r.evidence.iter().cloned())
                    .take(MAX_EVIDENCE)
                    .collect(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use iotcheck_model::Evidence;

    fn id(s: &str) -> CheckId {
        CheckId::new(s).unwrap()
    }

    fn ctx(given: &[InputKind], implemented: &[&str]) -> Context {
        Context {
            given: given.iter().copied().collect(),
            implemented: implemented.iter().map(|s| id(s)).collect(),
        }
    }

    fn requirement<'a>(d: &'a Decision, rid: &str) -> &'a RequirementVerdict {
        d.standards
            .iter()
            .flat_map(|s| &s.requirements)
            .find(|r| r.id == rid)
            .unwrap()
    }

    #[test]
    fn nothing_given_is_inconclusive_never_meets() {
        let c = Catalog::builtin().unwrap();
        let all: Vec<String> = c.checks.keys().map(|k| k.to_string()).collect();
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let d = decide(&c, &[], &ctx(&[], &all));
        assert_eq!(d.overall, Verdict::Inconclusive);
        for s in &d.standards {
            assert_eq!(s.verdict, Verdict::Inconclusive, "{}", s.id);
        }
        let enc1 = requirement(&d, "ENC-1");
        assert!(
            enc1.reason.contains("packet capture (--capture)")
                && enc1.reason.contains("live host (--host)"),
            "{}",
            enc1.reason
        );
    }

    #[test]
    fn unimplemented_checks_are_named() {
        let c = Catalog::builtin().unwrap();
        let d = decide(&c, &[], &ctx(&[InputKind::Capture], &[]));
        let enc1 = requirement(&d, "ENC-1");
        assert_eq!(enc1.verdict, Verdict::Inconclusive);
        assert!(
            enc1.reason.contains("not implemented yet")
                && enc1.reason.contains("comms.cleartext-app-data"),
            "{}",
            enc1.reason
        );
    }

    #[test]
    fn one_failure_fails_requirement_standard_and_overall() {
        let c = Catalog::builtin().unwrap();
        let results = vec![
            CheckResult::new(
                id("comms.cleartext-app-data"),
                Outcome::Fail,
                "HTTP in clear",
            ),
            CheckResult::new(
                id("probe.cleartext-service"),
                Outcome::Pass,
                "no cleartext service",
            ),
        ];
        let d = decide(
            &c,
            &results,
            &ctx(
                &[InputKind::Capture, InputKind::Host],
                &["comms.cleartext-app-data", "probe.cleartext-service"],
            ),
        );
        let enc1 = requirement(&d, "ENC-1");
        assert_eq!(enc1.verdict, Verdict::Fails);
        assert_eq!(enc1.reason, "comms.cleartext-app-data: HTTP in clear");
        assert_eq!(d.standards[0].verdict, Verdict::Fails);
        assert_eq!(d.overall, Verdict::Fails);
        let etsi = d
            .regimes
            .iter()
            .find(|r| r.id == "etsi-en-303-645")
            .unwrap();
        assert!(
            etsi.provisions
                .iter()
                .any(|p| p.requirements.contains(&"ENC-1".to_string())
                    && p.verdict == Verdict::Fails)
        );
    }

    #[test]
    fn any_meets_on_one_pass_all_needs_every_check() {
        let c = Catalog::builtin().unwrap();
        let results = vec![
            CheckResult::new(
                id("comms.cleartext-app-data"),
                Outcome::Pass,
                "all flows encrypted",
            ),
            CheckResult::new(id("fw.private-key"), Outcome::Pass, "no private key"),
        ];
        let d = decide(
            &c,
            &results,
            &ctx(
                &[InputKind::Capture, InputKind::Firmware],
                &["comms.cleartext-app-data", "fw.private-key"],
            ),
        );
        assert_eq!(requirement(&d, "ENC-1").verdict, Verdict::Meets);
        let pwd3 = requirement(&d, "PWD-3");
        assert_eq!(
            pwd3.verdict,
            Verdict::Inconclusive,
            "decide=all with a check not run"
        );
        assert!(
            pwd3.reason.contains("fw.hardcoded-credential"),
            "{}",
            pwd3.reason
        );
    }

    #[test]
    fn fail_only_check_fails_enc1_but_its_pass_never_meets_it() {
        let c = Catalog::builtin().unwrap();
        let implemented = &[
            "comms.cleartext-app-data",
            "probe.cleartext-service",
            "fw.boot-cleartext-service",
        ];
        let boot =
            |o: Outcome| CheckResult::new(id("fw.boot-cleartext-service"), o, "boot services");
        // firmware alone, passing: what it starts says nothing of traffic
        let d = decide(
            &c,
            &[boot(Outcome::Pass)],
            &ctx(&[InputKind::Firmware], implemented),
        );
        let enc1 = requirement(&d, "ENC-1");
        assert_eq!(enc1.verdict, Verdict::Inconclusive);
        assert!(
            enc1.reason.contains("packet capture (--capture)"),
            "{}",
            enc1.reason
        );
        // firmware alone, failing: telnetd at boot fails ENC-1
        let d = decide(
            &c,
            &[boot(Outcome::Fail)],
            &ctx(&[InputKind::Firmware], implemented),
        );
        let enc1 = requirement(&d, "ENC-1");
        assert_eq!(enc1.verdict, Verdict::Fails);
        assert_eq!(enc1.reason, "fw.boot-cleartext-service: boot services");
        // a capture that passes still fails when the firmware starts telnetd
        let capture = CheckResult::new(
            id("comms.cleartext-app-data"),
            Outcome::Pass,
            "all flows encrypted",
        );
        let given = &[InputKind::Firmware, InputKind::Capture];
        let d = decide(
            &c,
            &[capture.clone(), boot(Outcome::Fail)],
            &ctx(given, implemented),
        );
        assert_eq!(requirement(&d, "ENC-1").verdict, Verdict::Fails);
        // and both passing meet it on the capture's word
        let d = decide(
            &c,
            &[capture, boot(Outcome::Pass)],
            &ctx(given, implemented),
        );
        let enc1 = requirement(&d, "ENC-1");
        assert_eq!(enc1.verdict, Verdict::Meets);
        assert!(
            enc1.reason.starts_with("comms.cleartext-app-data:"),
            "{}",
            enc1.reason
        );
    }

    #[test]
    fn claim_only_meets_says_it_is_unverified() {
        let c = Catalog::builtin().unwrap();
        let claim = CheckResult::new(
            id("claims.automatic-updates-default"),
            Outcome::Pass,
            "vendor declares it",
        );
        let d = decide(
            &c,
            &[claim],
            &ctx(&[InputKind::Claims], &["claims.automatic-updates-default"]),
        );
        let upd4 = requirement(&d, "UPD-4");
        assert_eq!(upd4.verdict, Verdict::Meets);
        assert!(
            upd4.reason
                .ends_with("(vendor declaration, not verified: fw.update-automatic did not run)"),
            "{}",
            upd4.reason
        );
        let fw = CheckResult::new(
            id("fw.update-automatic"),
            Outcome::Fail,
            "update only by hand",
        );
        let claim = CheckResult::new(
            id("claims.automatic-updates-default"),
            Outcome::Pass,
            "vendor declares it",
        );
        let d = decide(
            &c,
            &[claim, fw],
            &ctx(
                &[InputKind::Claims, InputKind::Firmware],
                &["claims.automatic-updates-default", "fw.update-automatic"],
            ),
        );
        assert_eq!(
            requirement(&d, "UPD-4").verdict,
            Verdict::Fails,
            "evidence beats the claim"
        );
    }

    #[test]
    fn error_makes_inconclusive_unless_something_failed() {
        let c = Catalog::builtin().unwrap();
        let k = &["comms.cleartext-app-data", "probe.cleartext-service"];
        let err = CheckResult::new(
            id("comms.cleartext-app-data"),
            Outcome::Error,
            "capture truncated",
        );
        let pass = CheckResult::new(id("probe.cleartext-service"), Outcome::Pass, "ok");
        let d = decide(
            &c,
            &[err.clone(), pass],
            &ctx(&[InputKind::Capture, InputKind::Host], k),
        );
        assert_eq!(requirement(&d, "ENC-1").verdict, Verdict::Inconclusive);
        let fail = CheckResult::new(id("probe.cleartext-service"), Outcome::Fail, "telnet open");
        let d = decide(
            &c,
            &[err, fail],
            &ctx(&[InputKind::Capture, InputKind::Host], k),
        );
        assert_eq!(requirement(&d, "ENC-1").verdict, Verdict::Fails);
    }

    #[test]
    fn not_applicable_only_when_every_result_says_so() {
        let c = Catalog::builtin().unwrap();
        let na = CheckResult::new(
            id("probe.default-credential"),
            Outcome::NotApplicable,
            "no login service",
        );
        let d = decide(
            &c,
            &[na],
            &ctx(&[InputKind::Host], &["probe.default-credential"]),
        );
        assert_eq!(requirement(&d, "PWD-2").verdict, Verdict::NotApplicable);
    }

    #[test]
    fn claim_contradicted_by_failing_check() {
        let c = Catalog::builtin().unwrap();
        let mut claims = Claims::default();
        claims
            .0
            .insert("all_traffic_encrypted".into(), ClaimValue::Bool(true));
        claims
            .0
            .insert("updates_signed".into(), ClaimValue::Bool(false));
        let results = vec![
            CheckResult::new(
                id("comms.cleartext-app-data"),
                Outcome::Fail,
                "MQTT in clear",
            )
            .with_evidence(Evidence::packet("a.pcapng", vec![211])),
            CheckResult::new(
                id("fw.update-signature-verification"),
                Outcome::Fail,
                "no verification",
            ),
        ];
        let found = contradictions(&c, &claims, &results);
        assert_eq!(found.len(), 1, "a claim of false is not contradicted");
        assert_eq!(found[0].claim, "all_traffic_encrypted");
        assert_eq!(found[0].requirement, "ENC-1");
        assert_eq!(found[0].evidence.len(), 1);
        assert!(found[0].summary.contains("MQTT in clear"));
    }
}
