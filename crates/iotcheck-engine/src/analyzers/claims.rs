//! The claims checks: vendor declarations from device.toml turned into
//! results, with the claim itself as evidence.

use iotcheck_model::{CheckResult, Evidence, Outcome};
use iotcheck_standards::{Catalog, ClaimValue, Claims};

use iotcheck_model::Date;

pub(crate) fn results(catalog: &Catalog, claims: &Claims, today: Date) -> Vec<CheckResult> {
    let mut out = Vec::new();
    for spec in &catalog.claims {
        let (Some(check), Some(value)) = (&spec.check, claims.get(&spec.key)) else {
            continue;
        };
        let (outcome, summary) = match (spec.key.as_str(), value) {
            ("support_until", ClaimValue::Date(d)) => match d.parse::<Date>() {
                Ok(until) if until >= today => (
                    Outcome::Pass,
                    format!("vendor declares security updates until {until}"),
                ),
                Ok(until) => (
                    Outcome::Fail,
                    format!("the declared support period ended on {until} (assessed on {today})"),
                ),
                Err(e) => (Outcome::Error, e.to_string()),
            },
            ("privacy_policy_url", ClaimValue::Uri(u)) => {
                if u.get(..8)
                    .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
                {
                    (Outcome::Pass, format!("privacy policy published at {u}"))
                } else {
                    (
                        Outcome::Fail,
                        format!(
                            "privacy policy URL {u} is not HTTPS: it can be read or altered in transit"
                        ),
                    )
                }
            }
            (_, ClaimValue::Bool(true)) => (
                Outcome::Pass,
                format!(
                    "vendor declares: {}",
                    spec.description.trim_end_matches('.')
                ),
            ),
            (_, ClaimValue::Bool(false)) => (
                Outcome::Fail,
                format!(
                    "vendor declares this is not the case: {}",
                    spec.description.trim_end_matches('.')
                ),
            ),
            (_, other) => (
                Outcome::Error,
                format!("claim {} has an unexpected value {other}", spec.key),
            ),
        };
        out.push(
            CheckResult::new(check.clone(), outcome, summary)
                .with_input("device.toml")
                .with_evidence(Evidence::Claim {
                    key: spec.key.clone(),
                    value: value.to_json(),
                }),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn claims(pairs: &[(&str, ClaimValue)]) -> Claims {
        Claims(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn support_period_against_the_date() {
        let c = Catalog::builtin().unwrap();
        let today: Date = "2026-11-25".parse().unwrap();
        let r = results(
            &c,
            &claims(&[("support_until", ClaimValue::Date("2026-11-25".into()))]),
            today,
        );
        assert_eq!(r[0].outcome, Outcome::Pass);
        let r = results(
            &c,
            &claims(&[("support_until", ClaimValue::Date("2026-11-24".into()))]),
            today,
        );
        assert_eq!(r[0].outcome, Outcome::Fail);
        assert!(r[0].summary.contains("ended on 2026-11-24"));
    }

    #[test]
    fn http_policy_url_fails() {
        let c = Catalog::builtin().unwrap();
        let today: Date = "2026-11-25".parse().unwrap();
        let r = results(
            &c,
            &claims(&[(
                "privacy_policy_url",
                ClaimValue::Uri("http://acme.example/privacy".into()),
            )]),
            today,
        );
        assert_eq!(
            (r[0].check.as_str(), r[0].outcome),
            ("claims.privacy-policy-https", Outcome::Fail)
        );
        let r = results(
            &c,
            &claims(&[(
                "privacy_policy_url",
                ClaimValue::Uri("HTTPS://acme.example/privacy".into()),
            )]),
            today,
        );
        assert_eq!(r[0].outcome, Outcome::Pass);
    }

    #[test]
    fn claims_without_a_check_give_no_result() {
        let c = Catalog::builtin().unwrap();
        let r = results(
            &c,
            &claims(&[("all_traffic_encrypted", ClaimValue::Bool(true))]),
            "2026-01-01".parse().unwrap(),
        );
        assert!(r.is_empty());
    }
}
