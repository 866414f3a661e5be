//! Matching components against the database.
//!
//! For each component: its name goes through the identity table to the
//! product key records were filed under; every affected range of that key
//! is evaluated against the version. Per CVE, only the ranges of the most
//! trustworthy kind the database holds for that product are believed
//! (structured ranges over free-text version fields over description
//! prose), so a description read loosely never overrides a record's own
//! ranges. The CVE's rating comes from NVD when imported, else from the
//! CVE record, else OSV.

use std::collections::BTreeMap;

use iotcheck_model::Date;

use crate::db::{Candidate, Database, DbError};
use crate::import::KevEntry;
use crate::range::Confidence;
use crate::record::{Cvss, Severity, Source, product_key};
use crate::version::Version;

/// One vulnerability affecting one component version.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub cve: String,
    /// Canonical component name and the version matched.
    pub component: String,
    pub version: String,
    /// Sources whose ranges put the version inside (`cve`, `nvd`, `osv`).
    pub sources: Vec<String>,
    /// The range as stated, e.g. `>= 1.1.1, < 1.1.1n` or `dnsmasq before 2.78`.
    pub affected: String,
    /// First fixed version, when known.
    pub fixed: Option<String>,
    pub cvss: Option<Cvss>,
    pub severity: Option<Severity>,
    pub kev: Option<KevEntry>,
    /// `YYYY-MM-DD`.
    pub published: Option<String>,
    /// Days from publication (taken as the day the fix was available,
    /// when a fixed version is known) to `today`.
    pub fix_age_days: Option<i64>,
    pub confidence: Confidence,
    pub summary: String,
}

/// A name and version that cannot be matched.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error("{0:?} is not a version iotcheck can compare")]
    BadVersion(String),
    #[error("{0:?} is not a component name")]
    BadName(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Preference of a source for the rating.
fn rating_rank(s: Source) -> u8 {
    match s {
        Source::Nvd => 0,
        Source::Cve5 => 1,
        Source::Osv => 2,
    }
}

/// The vulnerabilities affecting `name` at `version`, most severe first.
pub fn match_component(
    db: &Database,
    name: &str,
    version: &str,
    today: Date,
) -> Result<Vec<Match>, MatchError> {
    let v = Version::parse_distro(version).ok_or_else(|| MatchError::BadVersion(version.into()))?;
    let key = product_key(None, name).ok_or_else(|| MatchError::BadName(name.into()))?;
    let component = key.clone();
    let (hits, best) = db.hits(&key, &v)?;
    let mut by_cve: BTreeMap<&str, Vec<&Candidate>> = BTreeMap::new();
    for c in &hits {
        // Only the most trustworthy kind of range a CVE has for this product counts.
        if best.get(&c.id).is_none_or(|b| *b == c.confidence) {
            by_cve.entry(c.id.as_str()).or_default().push(c);
        }
    }
    let mut out = Vec::new();
    for (cve, hits) in by_cve {
        let mut sources: Vec<String> = hits.iter().map(|c| c.source.as_str().to_string()).collect();
        sources.sort();
        sources.dedup();
        // Rating: NVD's when one of the hits is NVD's, else the best source
        // of any record of this CVE (a source whose ranges disagree still rates it).
        let own = hits
            .iter()
            .filter(|c| c.cvss.is_some() || c.severity.is_some())
            .min_by_key(|c| rating_rank(c.source))
            .map(|c| (c.source, c.cvss.clone(), c.severity, c.vuln));
        let rated = match own {
            Some(r) if r.0 == Source::Nvd => Some(r),
            _ => db
                .ratings(cve)?
                .into_iter()
                .filter(|r| r.1.is_some() || r.2.is_some())
                .min_by_key(|r| rating_rank(r.0))
                .or(own),
        };
        let (summary, vector) = db.details(rated.as_ref().map_or(hits[0].vuln, |r| r.3))?;
        let cvss = rated.as_ref().and_then(|r| r.1.clone()).map(|mut c| {
            c.vector = vector.unwrap_or_default();
            c
        });
        let severity = rated.as_ref().and_then(|r| r.2);
        let fixed = hits
            .iter()
            .filter_map(|c| c.range.fixed.as_deref())
            .filter_map(Version::parse)
            .min()
            .map(|f| f.to_string());
        let published = hits.iter().filter_map(|c| c.published.clone()).min();
        let fix_age_days = match (&published, hits.iter().any(|c| c.range.has_fix())) {
            (Some(p), true) => p
                .parse::<Date>()
                .ok()
                .map(|d| today.unix_days() - d.unix_days()),
            _ => None,
        };
        out.push(Match {
            cve: cve.to_string(),
            component: component.clone(),
            version: v.to_string(),
            sources,
            affected: hits[0].stated.clone(),
            fixed,
            cvss,
            severity,
            kev: db.kev(cve)?,
            published,
            fix_age_days,
            confidence: hits[0].confidence,
            summary,
        });
    }
    out.sort_by(|a, b| {
        b.kev
            .is_some()
            .cmp(&a.kev.is_some())
            .then(b.severity.cmp(&a.severity))
            .then_with(|| {
                b.cvss
                    .as_ref()
                    .map(|c| c.score)
                    .partial_cmp(&a.cvss.as_ref().map(|c| c.score))
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .then_with(|| a.cve.cmp(&b.cve))
    });
    Ok(out)
}
