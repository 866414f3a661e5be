//! Affected version ranges as records state them, and whether a version
//! falls inside one.

use serde::{Deserialize, Serialize};

use crate::version::{Prepared, Version, compare_text, is_placeholder};

/// How far a match can be trusted, from how the record stated its versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Versions read from the record's description.
    Low,
    /// Versions read from a free-text version field of a structured entry
    /// (`Fixed in OpenSSL 1.1.1n (Affected 1.1.1-1.1.1m)`).
    Medium,
    /// Structured ranges (`lessThan`, CPE configuration bounds, OSV events).
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Confidence> {
        match s {
            "low" => Some(Confidence::Low),
            "medium" => Some(Confidence::Medium),
            "high" => Some(Confidence::High),
            _ => None,
        }
    }
}

/// One affected range. Either `exact`, or at least one bound.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Range {
    /// A single affected version.
    pub exact: Option<String>,
    /// Lower bound and whether it is included.
    pub start: Option<(String, bool)>,
    /// Upper bound and whether it is included.
    pub end: Option<(String, bool)>,
    /// The first version with the fix, when the record says (or when the
    /// upper bound is exclusive, which states it).
    pub fixed: Option<String>,
}

impl Range {
    /// `[start, end)`-style constructor; placeholders (`0`, `*`, `n/a`)
    /// mean no bound. `None` when no bound remains or a bound is not a
    /// version.
    pub fn between(start: Option<(&str, bool)>, end: Option<(&str, bool)>) -> Option<Range> {
        let bound = |b: Option<(&str, bool)>| -> Result<Option<(String, bool)>, ()> {
            match b {
                Some((s, incl)) if !is_placeholder(s) => Version::parse(s)
                    .map(|v| Some((v.as_str().to_string(), incl)))
                    .ok_or(()),
                _ => Ok(None),
            }
        };
        let start = bound(start).ok()?;
        let end = bound(end).ok()?;
        if start.is_none() && end.is_none() {
            return None;
        }
        // An impossible range (start above end) is dropped, not matched.
        if let (Some((s, _)), Some((e, _))) = (&start, &end)
            && Version::parse(s)? > Version::parse(e)?
        {
            return None;
        }
        let fixed = match &end {
            Some((e, false)) => Some(e.clone()),
            _ => None,
        };
        Some(Range {
            exact: None,
            start,
            end,
            fixed,
        })
    }

    /// A single version.
    pub fn exact(v: &str) -> Option<Range> {
        if is_placeholder(v) {
            return None;
        }
        Version::parse(v).map(|v| Range {
            exact: Some(v.as_str().to_string()),
            ..Range::default()
        })
    }

    /// Whether `v` is inside.
    pub fn contains(&self, v: &Version) -> bool {
        contains(
            v,
            self.exact.as_deref(),
            self.start.as_ref().map(|(s, i)| (s.as_str(), *i)),
            self.end.as_ref().map(|(e, i)| (e.as_str(), *i)),
        )
    }

    /// Whether versions above the range are unaffected (a fix exists).
    pub fn has_fix(&self) -> bool {
        self.fixed.is_some() || self.end.is_some() || self.exact.is_some()
    }

    /// The range in one line: `>= 1.1.1, < 1.1.1n`, `= 2.4.0`, `<= 2.77`.
    pub fn describe(&self) -> String {
        if let Some(x) = &self.exact {
            return format!("= {x}");
        }
        let mut parts = Vec::new();
        if let Some((s, incl)) = &self.start {
            parts.push(format!("{} {s}", if *incl { ">=" } else { ">" }));
        }
        if let Some((e, incl)) = &self.end {
            parts.push(format!("{} {e}", if *incl { "<=" } else { "<" }));
        }
        parts.join(", ")
    }
}

/// Whether `v` is inside the range given by borrowed bounds (as stored):
/// an exact version, or at least one bound. A bound that is not a version
/// matches nothing.
pub fn contains(
    v: &Version,
    exact: Option<&str>,
    start: Option<(&str, bool)>,
    end: Option<(&str, bool)>,
) -> bool {
    contains_by(|t| compare_text(v, t), exact, start, end)
}

/// [`contains`] for a version tokenised once ([`Version::prepared`]).
pub fn contains_prepared(
    v: &Prepared<'_>,
    exact: Option<&str>,
    start: Option<(&str, bool)>,
    end: Option<(&str, bool)>,
) -> bool {
    contains_by(|t| v.compare_text(t), exact, start, end)
}

/// The range test, given how the version compares with a bound's text.
fn contains_by(
    cmp: impl Fn(&str) -> Option<std::cmp::Ordering>,
    exact: Option<&str>,
    start: Option<(&str, bool)>,
    end: Option<(&str, bool)>,
) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    if let Some(x) = exact {
        return cmp(x) == Some(Equal);
    }
    if start.is_none() && end.is_none() {
        return false;
    }
    let lower_ok = match start.map(|(s, incl)| (cmp(s), incl)) {
        None => true,
        Some((Some(Greater), _)) => true,
        Some((Some(Equal), incl)) => incl,
        Some(_) => false,
    };
    // The upper bound is not compared when the lower one already excludes.
    if !lower_ok {
        return false;
    }
    match end.map(|(e, incl)| (cmp(e), incl)) {
        None => true,
        Some((Some(Less), _)) => true,
        Some((Some(Equal), incl)) => incl,
        Some(_) => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn bounds() {
        let r = Range::between(Some(("1.1.1", true)), Some(("1.1.1n", false))).unwrap();
        assert!(r.contains(&v("1.1.1")));
        assert!(r.contains(&v("1.1.1m")));
        assert!(!r.contains(&v("1.1.1n")));
        assert!(!r.contains(&v("1.0.2g")));
        assert_eq!(r.fixed.as_deref(), Some("1.1.1n"));
        assert_eq!(r.describe(), ">= 1.1.1, < 1.1.1n");
        let r = Range::between(Some(("unspecified", true)), Some(("1.34.0", false))).unwrap();
        assert!(r.contains(&v("1.28.2")));
        assert!(!r.contains(&v("1.34.0")));
        let r = Range::between(None, Some(("2.77", true))).unwrap();
        assert!(r.contains(&v("2.77")));
        assert!(!r.contains(&v("2.78")));
        assert!(r.fixed.is_none());
    }

    #[test]
    fn empty_impossible_and_bad_ranges_are_none() {
        assert!(Range::between(None, None).is_none());
        assert!(Range::between(Some(("n/a", true)), Some(("*", true))).is_none());
        assert!(Range::between(Some(("3.0", true)), Some(("2.0", false))).is_none());
        assert!(Range::between(None, Some(("not a version", false))).is_none());
        assert!(Range::exact("n/a").is_none());
        assert!(Range::exact("2.4.0").unwrap().contains(&v("2.4")));
    }
}
