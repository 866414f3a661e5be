use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Evidence;

/// A stable check identifier: a lowercase area, a dot, and a kebab-case name,
/// e.g. `comms.cleartext-app-data` or `fw.hardcoded-credential`.
///
/// Check ids are part of the report contract: scripts and SARIF fingerprints
/// key on them, so they never change once published.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schemars(with = "String")]
pub struct CheckId(String);

/// Why a string is not a valid [`CheckId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid check id {id:?}: {reason} (expected `area.kebab-name`, lowercase ASCII)")]
pub struct CheckIdError {
    pub id: String,
    pub reason: &'static str,
}

impl CheckId {
    pub fn new(id: impl Into<String>) -> Result<Self, CheckIdError> {
        let id = id.into();
        let err = |reason| CheckIdError {
            id: id.clone(),
            reason,
        };
        if id.len() > 64 {
            return Err(err("longer than 64 characters"));
        }
        let Some((area, name)) = id.split_once('.') else {
            return Err(err("no `.` between area and name"));
        };
        let is_word = |w: &str| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        };
        if !is_word(area) || !area.as_bytes()[0].is_ascii_lowercase() {
            return Err(err(
                "area must be lowercase letters and digits, starting with a letter",
            ));
        }
        if !name.split('-').all(is_word) {
            return Err(err(
                "name must be kebab-case words of lowercase letters and digits",
            ));
        }
        Ok(CheckId(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the dot (`comms`, `fw`, `docs`, …).
    pub fn area(&self) -> &str {
        self.0.split_once('.').map_or("", |(a, _)| a)
    }
}

impl TryFrom<String> for CheckId {
    type Error = CheckIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        CheckId::new(s)
    }
}

impl From<CheckId> for String {
    fn from(id: CheckId) -> String {
        id.0
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a check found. A device failing a check is data, not an error:
/// `error` is reserved for a check that could not be carried out (its input
/// was unreadable, a parser gave up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    NotApplicable,
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::NotApplicable => "not_applicable",
            Outcome::Error => "error",
        }
    }

    /// The outcome that stands for several results of one check:
    /// any fail, else any error, else any pass, else not applicable.
    pub fn combine(outcomes: impl IntoIterator<Item = Outcome>) -> Option<Outcome> {
        let rank = |o: &Outcome| match o {
            Outcome::NotApplicable => 0,
            Outcome::Pass => 1,
            Outcome::Error => 2,
            Outcome::Fail => 3,
        };
        outcomes.into_iter().max_by_key(rank)
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One result of one check on one input, with the evidence behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckResult {
    pub check: CheckId,
    pub outcome: Outcome,
    /// One sentence a person can read: what was found.
    pub summary: String,
    /// The input this result came from (its location as listed in `inputs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

impl CheckResult {
    pub fn new(check: CheckId, outcome: Outcome, summary: impl Into<String>) -> Self {
        CheckResult {
            check,
            outcome,
            summary: summary.into(),
            input: None,
            evidence: Vec::new(),
        }
    }

    pub fn with_input(mut self, input: impl Into<String>) -> Self {
        self.input = Some(input.into());
        self
    }

    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        self.evidence.push(evidence);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_area_and_kebab_name() {
        for ok in [
            "comms.cleartext-app-data",
            "fw.hardcoded-credential",
            "docs.retention-period",
            "vulns.kev2",
        ] {
            assert!(CheckId::new(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_malformed_ids() {
        for bad in [
            "",
            "comms",
            ".x",
            "Comms.x",
            "comms.Clear",
            "comms.a--b",
            "comms.-a",
            "comms.a-",
            "comms.a.b",
            "1x.a",
            "comms.a b",
        ] {
            assert!(CheckId::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn deserialization_validates() {
        assert!(serde_json::from_str::<CheckId>("\"comms.x\"").is_ok());
        assert!(serde_json::from_str::<CheckId>("\"comms x\"").is_err());
    }

    #[test]
    fn combine_ranks_fail_over_error_over_pass() {
        use Outcome::*;
        assert_eq!(Outcome::combine([Pass, Error]), Some(Error));
        assert_eq!(Outcome::combine([Pass, Fail, Error]), Some(Fail));
        assert_eq!(Outcome::combine([NotApplicable, Pass]), Some(Pass));
        assert_eq!(Outcome::combine([]), None);
    }

    proptest! {
        #[test]
        fn valid_ids_round_trip(s in "[a-z][a-z0-9]{0,6}\\.[a-z0-9]{1,6}(-[a-z0-9]{1,6}){0,4}") {
            let id = CheckId::new(s.clone()).unwrap();
            prop_assert_eq!(id.as_str(), s.as_str());
            let json = serde_json::to_string(&id).unwrap();
            prop_assert_eq!(serde_json::from_str::<CheckId>(&json).unwrap(), id);
        }

        #[test]
        fn arbitrary_strings_never_panic(s in "\\PC{0,80}") {
            let _ = CheckId::new(s);
        }
    }
}
