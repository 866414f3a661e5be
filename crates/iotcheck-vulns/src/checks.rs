//! The `vulns.*` checks: known-exploited vulnerabilities, critical/high
//! vulnerabilities whose fix is older than a window, end-of-life release
//! lines. An empty inventory never passes: it cannot rule anything out.

use iotcheck_model::{CheckId, CheckResult, Component, Date, Evidence, Outcome};

use crate::db::{Database, DbError};
use crate::eol::end_of_life;
use crate::matching::{Match, match_components};
use crate::record::Severity;

/// The checks this crate decides.
pub const CHECKS: [&str; 3] = [
    "vulns.known-exploited",
    "vulns.unpatched-high",
    "vulns.end-of-life",
];

/// The default window after which an available fix counts as left
/// unapplied: 90 days, the disclosure deadline most coordinated-disclosure
/// policies (Google Project Zero, ZDI's 120 at most) and the ETSI EN 303 645
/// guidance on timely updates converge on; CISA's KEV due dates are shorter
/// still (2–3 weeks). Overridable.
pub const DEFAULT_WINDOW_DAYS: i64 = 90;

/// Most advisories listed as evidence per result.
const MAX_EVIDENCE: usize = 25;

/// Options of the checks.
#[derive(Debug, Clone)]
pub struct Options {
    pub window_days: i64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            window_days: DEFAULT_WINDOW_DAYS,
        }
    }
}

/// Every component's matches (components whose version cannot be
/// compared are listed as notes).
#[derive(Debug, Default)]
pub struct Matched {
    pub matches: Vec<(usize, Match)>,
    pub notes: Vec<String>,
}

/// Matches every component.
pub fn match_all(db: &Database, components: &[Component], today: Date) -> Result<Matched, DbError> {
    let mut out = Matched::default();
    db.snapshot()?;
    let wanted: Vec<(String, String)> = components
        .iter()
        .map(|c| (c.name.clone(), c.version.clone()))
        .collect();
    for (i, (c, found)) in components
        .iter()
        .zip(match_components(db, &wanted, today))
        .enumerate()
    {
        match found {
            Ok(ms) => out.matches.extend(ms.into_iter().map(|m| (i, m))),
            Err(crate::matching::MatchError::Db(e)) => return Err(e),
            Err(e) => out.notes.push(format!("{} {}: {e}", c.name, c.version)),
        }
    }
    Ok(out)
}

/// The id of one of [`CHECKS`] (constants, proven valid by a test).
fn id(s: &str) -> CheckId {
    CheckId::new(s).expect("constant check id")
}

/// The advisory evidence of a match.
pub fn advisory(m: &Match) -> Evidence {
    Evidence::Advisory {
        id: m.cve.clone(),
        component: m.component.to_string(),
        version: m.version.to_string(),
        sources: m.sources.iter().map(|s| s.to_string()).collect(),
        affected: m.affected.clone(),
        fixed: m.fixed.clone(),
        cvss: m.cvss.as_ref().map(|c| c.score),
        severity: m.severity.map(|s| s.as_str().to_string()),
        known_exploited: m.kev.is_some(),
        published: m.published.clone(),
        fix_age_days: m.fix_age_days,
        confidence: m.confidence.as_str().to_string(),
    }
}

/// The first place a component was found (its file evidence).
fn located(c: &Component) -> Option<Evidence> {
    c.evidence.first().cloned()
}

fn with_matches(
    mut r: CheckResult,
    components: &[Component],
    ms: &[&(usize, Match)],
) -> CheckResult {
    let mut seen = Vec::new();
    for (i, _) in ms {
        if !seen.contains(i) {
            seen.push(*i);
            if let Some(e) = components.get(*i).and_then(located) {
                r = r.with_evidence(e);
            }
        }
    }
    for (_, m) in ms.iter().take(MAX_EVIDENCE) {
        r = r.with_evidence(advisory(m));
    }
    r
}

fn list(ms: &[&(usize, Match)]) -> String {
    let mut names: Vec<String> = ms
        .iter()
        .take(5)
        .map(|(_, m)| format!("{} ({} {})", m.cve, m.component, m.version))
        .collect();
    if ms.len() > 5 {
        names.push(format!("{} more", ms.len() - 5));
    }
    names.join(", ")
}

/// Decides the three checks for `components` against `db` (when a
/// database was given). `input` names the firmware image for the report.
pub fn checks(
    components: &[Component],
    db: Option<&Database>,
    today: Date,
    opts: &Options,
    input: &str,
) -> Vec<CheckResult> {
    let res = |check: &str, outcome: Outcome, summary: String| {
        CheckResult::new(id(check), outcome, summary).with_input(input.to_string())
    };
    if components.is_empty() {
        let why = "no named, versioned component was identified in the firmware, so known vulnerabilities cannot be ruled out";
        return CHECKS
            .iter()
            .map(|c| res(c, Outcome::Error, why.to_string()))
            .collect();
    }
    let n = components.len();
    let plural = if n == 1 { "" } else { "s" };
    let mut out = Vec::new();

    // End of life needs no database.
    let eol: Vec<(usize, &crate::eol::EolLine)> = components
        .iter()
        .enumerate()
        .filter_map(|(i, c)| end_of_life(&c.name, &c.version, today).map(|l| (i, l)))
        .collect();
    if eol.is_empty() {
        out.push(res(
            "vulns.end-of-life",
            Outcome::Pass,
            format!(
                "no component of the {n} identified is on a release line whose end of life iotcheck knows ({} lines of {} products listed)",
                crate::eol::lines().len(),
                crate::eol::lines()
                    .iter()
                    .map(|l| l.component.as_str())
                    .collect::<std::collections::BTreeSet<_>>()
                    .len()
            ),
        ));
    } else {
        let names: Vec<String> = eol
            .iter()
            .map(|(i, l)| {
                format!(
                    "{} {} (line {} ended {})",
                    components[*i].name, components[*i].version, l.line, l.eol
                )
            })
            .collect();
        let mut r = res(
            "vulns.end-of-life",
            Outcome::Fail,
            format!(
                "end-of-life component{}: {}",
                if eol.len() == 1 { "" } else { "s" },
                names.join(", ")
            ),
        );
        for (i, l) in &eol {
            if let Some(e) = located(&components[*i]) {
                r = r.with_evidence(e);
            }
            r = r.with_evidence(Evidence::Input {
                input: "eol.toml".into(),
                message: format!("{} {} ended {}: {}", l.component, l.line, l.eol, l.source),
            });
        }
        out.push(r);
    }

    let Some(db) = db else {
        return out;
    };
    let matched = match match_all(db, components, today) {
        Ok(m) => m,
        Err(e) => {
            for c in ["vulns.known-exploited", "vulns.unpatched-high"] {
                out.push(res(
                    c,
                    Outcome::Error,
                    format!("vulnerability database: {e}"),
                ));
            }
            return out;
        }
    };
    let notes = if matched.notes.is_empty() {
        String::new()
    } else {
        format!(" (not compared: {})", matched.notes.join("; "))
    };

    // Known exploited.
    match db.has_kev() {
        Ok(false) => out.push(res(
            "vulns.known-exploited",
            Outcome::Error,
            "the vulnerability database holds no Known Exploited Vulnerabilities catalog: import CISA's known_exploited_vulnerabilities.json".into(),
        )),
        Err(e) => out.push(res("vulns.known-exploited", Outcome::Error, e.to_string())),
        Ok(true) => {
            let kev: Vec<&(usize, Match)> = matched.matches.iter().filter(|(_, m)| m.kev.is_some()).collect();
            if kev.is_empty() {
                out.push(res(
                    "vulns.known-exploited",
                    Outcome::Pass,
                    format!(
                        "no component of the {n} identified is affected by a vulnerability in the KEV catalog ({} matched in all){notes}",
                        matched.matches.len()
                    ),
                ));
            } else {
                out.push(with_matches(
                    res(
                        "vulns.known-exploited",
                        Outcome::Fail,
                        format!("known-exploited vulnerabilit{} shipped: {}", if kev.len() == 1 { "y" } else { "ies" }, list(&kev)),
                    ),
                    components,
                    &kev,
                ));
            }
        }
    }

    // Unpatched critical/high.
    let old = |m: &Match| m.fix_age_days.is_some_and(|d| d >= opts.window_days);
    let high: Vec<&(usize, Match)> = matched
        .matches
        .iter()
        .filter(|(_, m)| m.severity.is_some_and(|s| s >= Severity::High) && old(m))
        .collect();
    let unrated: Vec<&(usize, Match)> = matched
        .matches
        .iter()
        .filter(|(_, m)| m.severity.is_none() && old(m))
        .collect();
    if !high.is_empty() {
        out.push(with_matches(
            res(
                "vulns.unpatched-high",
                Outcome::Fail,
                format!(
                    "{} critical/high vulnerabilit{} with a fix available for more than {} days: {}",
                    high.len(),
                    if high.len() == 1 { "y" } else { "ies" },
                    opts.window_days,
                    list(&high)
                ),
            ),
            components,
            &high,
        ));
    } else if !unrated.is_empty() {
        out.push(with_matches(
            res(
                "vulns.unpatched-high",
                Outcome::Error,
                format!(
                    "{} vulnerabilit{} with a fix older than {} days carr{} no severity rating in the database (import NVD or OSV records to rate them): {}",
                    unrated.len(),
                    if unrated.len() == 1 { "y" } else { "ies" },
                    opts.window_days,
                    if unrated.len() == 1 { "ies" } else { "y" },
                    list(&unrated)
                ),
            ),
            components,
            &unrated,
        ));
    } else {
        let all: Vec<&(usize, Match)> = matched.matches.iter().collect();
        let mut r = res(
            "vulns.unpatched-high",
            Outcome::Pass,
            format!(
                "no critical or high vulnerability with a fix older than {} days in the {n} component{plural} identified ({} lower-rated or recent matched){notes}",
                opts.window_days,
                all.len()
            ),
        );
        for (_, m) in all.iter().take(MAX_EVIDENCE) {
            r = r.with_evidence(advisory(m));
        }
        out.push(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ids_are_valid() {
        for c in CHECKS {
            assert!(CheckId::new(c).is_ok(), "{c}");
        }
    }
}
