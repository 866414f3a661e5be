use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The decision for a requirement, a standard or the whole product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The evidence shows the requirement is met.
    Meets,
    /// The evidence shows the requirement is not met.
    Fails,
    /// The evidence is not enough to decide; the reason names what would settle it.
    Inconclusive,
    /// The requirement does not apply to this product (e.g. no password-based login exists).
    NotApplicable,
}

impl Verdict {
    /// How bad a verdict is when several are combined: the worst decides.
    /// `not_applicable` ranks lowest so it never hides another verdict.
    pub fn severity(self) -> u8 {
        match self {
            Verdict::NotApplicable => 0,
            Verdict::Meets => 1,
            Verdict::Inconclusive => 2,
            Verdict::Fails => 3,
        }
    }

    /// The worst of several verdicts; `not_applicable` when there are none.
    pub fn worst(verdicts: impl IntoIterator<Item = Verdict>) -> Verdict {
        verdicts
            .into_iter()
            .max_by_key(|v| v.severity())
            .unwrap_or(Verdict::NotApplicable)
    }

    /// The word used in every report format.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Meets => "meets",
            Verdict::Fails => "fails",
            Verdict::Inconclusive => "inconclusive",
            Verdict::NotApplicable => "not_applicable",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_prefers_fails_then_inconclusive() {
        use Verdict::*;
        assert_eq!(
            Verdict::worst([Meets, Inconclusive, NotApplicable]),
            Inconclusive
        );
        assert_eq!(Verdict::worst([Meets, Fails, Inconclusive]), Fails);
        assert_eq!(Verdict::worst([NotApplicable, Meets]), Meets);
        assert_eq!(Verdict::worst([]), NotApplicable);
    }

    #[test]
    fn words_match_serde() {
        for v in [
            Verdict::Meets,
            Verdict::Fails,
            Verdict::Inconclusive,
            Verdict::NotApplicable,
        ] {
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(json, format!("\"{}\"", v.as_str()));
        }
    }
}
