//! Loading and validating the catalog data files.
//!
//! Files are read into raw types that mirror the TOML (unknown keys
//! rejected), then converted once into validated types; every error names the
//! file and, where TOML gives one, the line.

use std::collections::{BTreeMap, BTreeSet};

use iotcheck_model::{CheckId, InputKind};
use serde::Deserialize;

/// The five minimum standards, in report order. The report contract promises
/// exactly these ids.
pub const STANDARD_IDS: [&str; 5] = [
    "encrypted-communications",
    "security-updates",
    "strong-passwords",
    "vulnerability-management",
    "privacy-practices",
];

const CHECKS: (&str, &str) = ("checks.toml", include_str!("../catalogs/checks.toml"));
const MINIMUM: (&str, &str) = ("minimum.toml", include_str!("../catalogs/minimum.toml"));
const CLAIMS: (&str, &str) = ("claims.toml", include_str!("../catalogs/claims.toml"));
const REGIMES: [(&str, &str); 4] = [
    (
        "etsi-en-303-645.toml",
        include_str!("../catalogs/etsi-en-303-645.toml"),
    ),
    ("uk-psti.toml", include_str!("../catalogs/uk-psti.toml")),
    (
        "nist-ir-8425.toml",
        include_str!("../catalogs/nist-ir-8425.toml"),
    ),
    ("eu-cra.toml", include_str!("../catalogs/eu-cra.toml")),
];

/// A catalog file that does not parse or does not hold together.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog {file}: {message}")]
    Parse { file: String, message: String },
    #[error("catalog {file}: {message}")]
    Invalid { file: String, message: String },
}

/// Which analyzer runs a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Analyzer {
    Traffic,
    Firmware,
    Probe,
    Docs,
    Vulns,
    Claims,
}

impl Analyzer {
    pub fn as_str(self) -> &'static str {
        match self {
            Analyzer::Traffic => "traffic",
            Analyzer::Firmware => "firmware",
            Analyzer::Probe => "probe",
            Analyzer::Docs => "docs",
            Analyzer::Vulns => "vulns",
            Analyzer::Claims => "claims",
        }
    }
}

/// One check as the catalog describes it.
#[derive(Debug, Clone)]
pub struct CheckSpec {
    pub id: CheckId,
    pub title: String,
    pub analyzer: Analyzer,
    pub inputs: Vec<InputKind>,
    pub description: String,
    /// Reported, but decides no requirement of the minimum standards (it
    /// informs a reader; a regime may still map it).
    pub informational: bool,
    /// When the check can be decided at all, if not whenever its inputs
    /// are given (e.g. "two or more firmware images"): the reason a
    /// requirement gives when the check did not run.
    pub decided_with: Option<String>,
}

/// How a requirement combines its checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decide {
    /// One passing check is enough (evidence from any source).
    Any,
    /// Every check must pass.
    All,
}

#[derive(Debug, Clone)]
pub struct Requirement {
    pub id: String,
    pub title: String,
    pub decide: Decide,
    pub checks: Vec<CheckId>,
    /// Checks (also in `checks`) that can fail the requirement but whose
    /// pass does not meet it: they see only part of what it asks.
    pub fail_only: Vec<CheckId>,
}

#[derive(Debug, Clone)]
pub struct Standard {
    pub id: String,
    pub code: String,
    pub title: String,
    pub description: String,
    pub requirements: Vec<Requirement>,
}

/// The value type a claim takes in device.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimType {
    Bool,
    /// A TOML local date, `2029-12-31`.
    Date,
    /// An absolute URI (`https://…`, `mailto:…`).
    Uri,
}

impl ClaimType {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimType::Bool => "bool",
            ClaimType::Date => "date",
            ClaimType::Uri => "uri",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ClaimSpec {
    pub key: String,
    pub ty: ClaimType,
    pub requirement: String,
    /// The claims check that turns this claim into a result, if any.
    pub check: Option<CheckId>,
    pub contradicted_by: Vec<CheckId>,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct Provision {
    pub id: String,
    pub title: String,
    pub requirements: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Regime {
    pub id: String,
    pub title: String,
    pub short: String,
    pub url: String,
    pub provisions: Vec<Provision>,
}

/// All catalogs, validated.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub title: String,
    pub source: String,
    pub checks: BTreeMap<CheckId, CheckSpec>,
    pub standards: Vec<Standard>,
    pub claims: Vec<ClaimSpec>,
    pub regimes: Vec<Regime>,
}

// ── raw shapes of the files ────────────────────────────────────────────────

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChecks {
    check: Vec<RawCheck>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    id: String,
    title: String,
    analyzer: Analyzer,
    inputs: Vec<String>,
    description: String,
    #[serde(default)]
    informational: bool,
    #[serde(default)]
    decided_with: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMinimum {
    catalog: RawCatalogHeader,
    standard: Vec<RawStandard>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogHeader {
    id: String,
    title: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStandard {
    id: String,
    code: String,
    title: String,
    description: String,
    requirement: Vec<RawRequirement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    id: String,
    title: String,
    decide: Decide,
    checks: Vec<String>,
    #[serde(default)]
    fail_only: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClaims {
    claim: Vec<RawClaim>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClaim {
    key: String,
    #[serde(rename = "type")]
    ty: ClaimType,
    requirement: String,
    check: Option<String>,
    contradicted_by: Vec<String>,
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegimeFile {
    regime: RawRegime,
    provision: Vec<RawProvision>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegime {
    id: String,
    title: String,
    short: String,
    url: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvision {
    id: String,
    title: String,
    requirements: Vec<String>,
}

fn parse<T: serde::de::DeserializeOwned>((file, text): (&str, &str)) -> Result<T, CatalogError> {
    toml::from_str(text).map_err(|e| CatalogError::Parse {
        file: file.to_string(),
        message: e.to_string(),
    })
}

impl Catalog {
    /// The catalogs shipped inside iotcheck.
    pub fn builtin() -> Result<Catalog, CatalogError> {
        let regimes = REGIMES
            .iter()
            .map(|&f| Ok((f.0, parse::<RawRegimeFile>(f)?)))
            .collect::<Result<Vec<_>, CatalogError>>()?;
        Catalog::from_raw(parse(CHECKS)?, parse(MINIMUM)?, parse(CLAIMS)?, regimes)
    }

    fn from_raw(
        checks: RawChecks,
        minimum: RawMinimum,
        claims: RawClaims,
        regimes: Vec<(&str, RawRegimeFile)>,
    ) -> Result<Catalog, CatalogError> {
        let invalid = |file: &str, message: String| CatalogError::Invalid {
            file: file.to_string(),
            message,
        };

        // checks.toml
        let mut check_map = BTreeMap::new();
        for raw in checks.check {
            let id = CheckId::new(raw.id).map_err(|e| invalid(CHECKS.0, e.to_string()))?;
            let mut inputs = Vec::new();
            for name in &raw.inputs {
                let kind = InputKind::parse(name).ok_or_else(|| {
                    invalid(CHECKS.0, format!("check {id}: unknown input kind {name:?}"))
                })?;
                inputs.push(kind);
            }
            if inputs.is_empty() {
                return Err(invalid(CHECKS.0, format!("check {id}: no inputs")));
            }
            let spec = CheckSpec {
                id: id.clone(),
                title: raw.title,
                analyzer: raw.analyzer,
                inputs,
                description: raw.description,
                informational: raw.informational,
                decided_with: raw.decided_with,
            };
            if check_map.insert(id.clone(), spec).is_some() {
                return Err(invalid(CHECKS.0, format!("check id {id} is listed twice")));
            }
        }
        let known_check = |file: &str, what: &str, id: &str| -> Result<CheckId, CatalogError> {
            let id = CheckId::new(id).map_err(|e| invalid(file, format!("{what}: {e}")))?;
            if check_map.contains_key(&id) {
                Ok(id)
            } else {
                Err(invalid(
                    file,
                    format!("{what} names check {id}, which checks.toml does not define"),
                ))
            }
        };

        // minimum.toml
        if minimum.catalog.id != "minimum" {
            return Err(invalid(
                MINIMUM.0,
                format!(
                    "catalog id is {:?}, expected \"minimum\"",
                    minimum.catalog.id
                ),
            ));
        }
        let ids: Vec<&str> = minimum.standard.iter().map(|s| s.id.as_str()).collect();
        if ids != STANDARD_IDS {
            return Err(invalid(
                MINIMUM.0,
                format!(
                    "standards are {ids:?}; the report contract requires exactly {STANDARD_IDS:?} in that order"
                ),
            ));
        }
        let mut requirement_ids = BTreeSet::new();
        let mut used_checks = BTreeSet::new();
        let mut standards = Vec::new();
        for raw in minimum.standard {
            let mut requirements = Vec::new();
            for req in raw.requirement {
                if !req.id.starts_with(&format!("{}-", raw.code)) {
                    return Err(invalid(
                        MINIMUM.0,
                        format!(
                            "requirement {} of {} does not start with {}-",
                            req.id, raw.id, raw.code
                        ),
                    ));
                }
                if !requirement_ids.insert(req.id.clone()) {
                    return Err(invalid(
                        MINIMUM.0,
                        format!("requirement id {} is listed twice", req.id),
                    ));
                }
                if req.checks.is_empty() {
                    return Err(invalid(
                        MINIMUM.0,
                        format!("requirement {} names no check", req.id),
                    ));
                }
                let checks = req
                    .checks
                    .iter()
                    .map(|c| known_check(MINIMUM.0, &format!("requirement {}", req.id), c))
                    .collect::<Result<Vec<_>, _>>()?;
                used_checks.extend(checks.iter().cloned());
                let mut fail_only = Vec::new();
                for c in &req.fail_only {
                    let id = known_check(MINIMUM.0, &format!("requirement {}", req.id), c)?;
                    if !checks.contains(&id) {
                        return Err(invalid(
                            MINIMUM.0,
                            format!(
                                "requirement {}: fail_only names {id}, which is not among its checks",
                                req.id
                            ),
                        ));
                    }
                    fail_only.push(id);
                }
                if checks.iter().all(|c| fail_only.contains(c)) {
                    return Err(invalid(
                        MINIMUM.0,
                        format!(
                            "requirement {}: every check is fail_only, so it could never be met",
                            req.id
                        ),
                    ));
                }
                requirements.push(Requirement {
                    id: req.id,
                    title: req.title,
                    decide: req.decide,
                    checks,
                    fail_only,
                });
            }
            if requirements.is_empty() {
                return Err(invalid(
                    MINIMUM.0,
                    format!("standard {} has no requirement", raw.id),
                ));
            }
            standards.push(Standard {
                id: raw.id,
                code: raw.code,
                title: raw.title,
                description: raw.description,
                requirements,
            });
        }
        if let Some(used) = check_map
            .values()
            .find(|c| c.informational && used_checks.contains(&c.id))
        {
            return Err(invalid(
                CHECKS.0,
                format!(
                    "check {} is informational but decides a requirement in minimum.toml",
                    used.id
                ),
            ));
        }
        if let Some(unused) = check_map
            .values()
            .filter(|c| !c.informational)
            .map(|c| &c.id)
            .find(|id| !used_checks.contains(*id))
        {
            return Err(invalid(
                CHECKS.0,
                format!("check {unused} decides no requirement in minimum.toml"),
            ));
        }

        // claims.toml
        let mut claim_keys = BTreeSet::new();
        let mut claim_specs = Vec::new();
        for raw in claims.claim {
            let what = format!("claim {}", raw.key);
            if !claim_keys.insert(raw.key.clone()) {
                return Err(invalid(CLAIMS.0, format!("{what} is listed twice")));
            }
            if !requirement_ids.contains(&raw.requirement) {
                return Err(invalid(
                    CLAIMS.0,
                    format!(
                        "{what} speaks to requirement {}, which minimum.toml does not define",
                        raw.requirement
                    ),
                ));
            }
            let check = raw
                .check
                .as_deref()
                .map(|c| known_check(CLAIMS.0, &what, c))
                .transpose()?;
            if let Some(c) = &check
                && check_map[c].analyzer != Analyzer::Claims
            {
                return Err(invalid(
                    CLAIMS.0,
                    format!("{what}: check {c} is not a claims check"),
                ));
            }
            let contradicted_by = raw
                .contradicted_by
                .iter()
                .map(|c| known_check(CLAIMS.0, &what, c))
                .collect::<Result<Vec<_>, _>>()?;
            claim_specs.push(ClaimSpec {
                key: raw.key,
                ty: raw.ty,
                requirement: raw.requirement,
                check,
                contradicted_by,
                description: raw.description,
            });
        }
        for spec in check_map
            .values()
            .filter(|c| c.analyzer == Analyzer::Claims)
        {
            if !claim_specs
                .iter()
                .any(|c| c.check.as_ref() == Some(&spec.id))
            {
                return Err(invalid(
                    CHECKS.0,
                    format!("claims check {} is fed by no claim in claims.toml", spec.id),
                ));
            }
        }

        // regimes
        let mut regime_list = Vec::new();
        for (file, raw) in regimes {
            let stem = file.trim_end_matches(".toml");
            if raw.regime.id != stem {
                return Err(invalid(
                    file,
                    format!("regime id {:?} differs from the file name", raw.regime.id),
                ));
            }
            let mut seen = BTreeSet::new();
            let mut provisions = Vec::new();
            for p in raw.provision {
                if !seen.insert(p.id.clone()) {
                    return Err(invalid(file, format!("provision {} is listed twice", p.id)));
                }
                if p.requirements.is_empty() {
                    return Err(invalid(
                        file,
                        format!("provision {} maps to no requirement", p.id),
                    ));
                }
                if let Some(r) = p
                    .requirements
                    .iter()
                    .find(|r| !requirement_ids.contains(*r))
                {
                    return Err(invalid(
                        file,
                        format!(
                            "provision {} maps to requirement {r}, which minimum.toml does not define",
                            p.id
                        ),
                    ));
                }
                provisions.push(Provision {
                    id: p.id,
                    title: p.title,
                    requirements: p.requirements,
                });
            }
            regime_list.push(Regime {
                id: raw.regime.id,
                title: raw.regime.title,
                short: raw.regime.short,
                url: raw.regime.url,
                provisions,
            });
        }

        Ok(Catalog {
            title: minimum.catalog.title,
            source: minimum.catalog.source,
            checks: check_map,
            standards,
            claims: claim_specs,
            regimes: regime_list,
        })
    }

    pub fn check(&self, id: &CheckId) -> Option<&CheckSpec> {
        self.checks.get(id)
    }

    pub fn standard(&self, id: &str) -> Option<&Standard> {
        self.standards.iter().find(|s| s.id == id)
    }

    pub fn requirement(&self, id: &str) -> Option<(&Standard, &Requirement)> {
        self.standards
            .iter()
            .find_map(|s| s.requirements.iter().find(|r| r.id == id).map(|r| (s, r)))
    }

    pub fn regime(&self, id: &str) -> Option<&Regime> {
        self.regimes.iter().find(|r| r.id == id)
    }

    pub fn claim(&self, key: &str) -> Option<&ClaimSpec> {
        self.claims.iter().find(|c| c.key == key)
    }

    /// `regime:provision` for every provision mapped to a requirement.
    pub fn provisions_of(&self, requirement: &str) -> Vec<String> {
        self.regimes
            .iter()
            .flat_map(|r| {
                r.provisions
                    .iter()
                    .filter(|p| p.requirements.iter().any(|q| q == requirement))
                    .map(move |p| format!("{}:{}", r.id, p.id))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn builtin_catalog_is_valid() {
        let c = Catalog::builtin().unwrap();
        assert_eq!(c.standards.len(), 5);
        assert_eq!(c.regimes.len(), 4);
    }

    /// Check ids are a public contract: a rename shows up here in review.
    #[test]
    fn check_ids_are_stable() {
        let c = Catalog::builtin().unwrap();
        let ids: Vec<String> = c.checks.keys().map(|k| k.to_string()).collect();
        insta::assert_snapshot!(ids.join("\n"));
    }

    #[test]
    fn requirement_ids_are_stable() {
        let c = Catalog::builtin().unwrap();
        let ids: Vec<String> = c
            .standards
            .iter()
            .flat_map(|s| s.requirements.iter().map(|r| format!("{} {}", s.id, r.id)))
            .collect();
        insta::assert_snapshot!(ids.join("\n"));
    }

    fn with_minimum(edit: impl Fn(&str) -> String) -> Result<Catalog, CatalogError> {
        let minimum = edit(MINIMUM.1);
        Catalog::from_raw(
            parse(CHECKS)?,
            parse(("minimum.toml", &minimum))?,
            parse(CLAIMS)?,
            vec![],
        )
    }

    #[test]
    fn unknown_check_in_requirement_is_rejected() {
        let err = with_minimum(|m| m.replace("\"fw.update-client\"", "\"fw.no-such-check\""))
            .unwrap_err();
        assert!(err.to_string().contains("fw.no-such-check"), "{err}");
    }

    #[test]
    fn fail_only_must_name_a_check_of_its_requirement() {
        let err = with_minimum(|m| {
            m.replace(
                "fail_only = [\"fw.boot-cleartext-service\"]",
                "fail_only = [\"fw.private-key\"]",
            )
        })
        .unwrap_err();
        assert!(err.to_string().contains("not among its checks"), "{err}");
        let err = with_minimum(|m| {
            m.replace(
                "fail_only = [\"fw.boot-cleartext-service\"]",
                "fail_only = [\"comms.cleartext-app-data\", \"probe.cleartext-service\", \"fw.boot-cleartext-service\"]",
            )
        })
        .unwrap_err();
        assert!(err.to_string().contains("could never be met"), "{err}");
    }

    #[test]
    fn duplicate_requirement_is_rejected() {
        let err = with_minimum(|m| m.replace("id = \"ENC-2\"", "id = \"ENC-1\"")).unwrap_err();
        assert!(err.to_string().contains("ENC-1 is listed twice"), "{err}");
    }

    #[test]
    fn unknown_key_names_the_line() {
        let err =
            with_minimum(|m| m.replacen("decide = \"any\"", "decide = \"any\"\nweight = 2", 1))
                .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("minimum.toml") && msg.contains("line") && msg.contains("weight"),
            "{msg}"
        );
    }

    #[test]
    fn renamed_standard_breaks_the_contract() {
        let err = with_minimum(|m| m.replace("id = \"privacy-practices\"", "id = \"privacy\""))
            .unwrap_err();
        assert!(err.to_string().contains("report contract"), "{err}");
    }
}
