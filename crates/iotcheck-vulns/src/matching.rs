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

use iotcheck_model::Date;

use crate::db::{Database, DbError};
use crate::import::KevEntry;
use crate::index::{self, Damaged, Entry, RecordFields};
use crate::range::{Confidence, contains_prepared};
use crate::record::{Cvss, Severity, Source, product_key};
use crate::version::Version;

/// One vulnerability affecting one component version.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub cve: String,
    /// Canonical component name and the version matched (shared by all the
    /// matches of one component).
    pub component: std::sync::Arc<str>,
    pub version: std::sync::Arc<str>,
    /// Sources whose ranges put the version inside (`cve`, `nvd`, `osv`).
    pub sources: Vec<&'static str>,
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
    let mut rows = match_rows(db, name, version, today)?;
    fill_details(db, rows.iter_mut().collect())?;
    Ok(rows.into_iter().map(|(m, _)| m).collect())
}

/// Matches many components (an SBOM); answer `i` is that of
/// [`match_component`] for `wanted[i]`, one answer per component whatever
/// happens. Large lists are shared among the cores, each worker on its own
/// read-only connection to the same file; the few summaries the product
/// index does not carry (a rating taken from another source's record) are
/// read in one pass in row order at the end.
pub fn match_components(
    db: &Database,
    wanted: &[(String, String)],
    today: Date,
) -> Vec<Result<Vec<Match>, MatchError>> {
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(wanted.len() / 32)
        .max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = |db: &Database| -> Vec<(usize, Result<Vec<Match>, MatchError>)> {
        let mut done: Vec<(usize, Result<Vec<Pending>, MatchError>)> = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some((name, version)) = wanted.get(i) else {
                break;
            };
            done.push((i, match_rows(db, name, version, today)));
        }
        let pending = done
            .iter_mut()
            .filter_map(|(_, r)| r.as_mut().ok())
            .flat_map(|rows| rows.iter_mut())
            .collect();
        if let Err(e) = fill_details(db, pending) {
            let message = e.to_string();
            return done
                .into_iter()
                .map(|(i, _)| {
                    let e = DbError::Sqlite {
                        path: db.path().display().to_string(),
                        message: message.clone(),
                    };
                    (i, Err(MatchError::Db(e)))
                })
                .collect();
        }
        done.into_iter()
            .map(|(i, r)| (i, r.map(|rows| rows.into_iter().map(|(m, _)| m).collect())))
            .collect()
    };
    let mut all: Vec<(usize, Result<Vec<Match>, MatchError>)> = std::thread::scope(|scope| {
        let others: Vec<_> = (1..workers)
            .map(|_| {
                let work = &work;
                let path = db.path();
                scope.spawn(move || {
                    // A worker that cannot open its own connection leaves its
                    // share to the others.
                    match Database::open(path).and_then(|d| d.snapshot().map(|()| d)) {
                        Ok(own) => work(&own),
                        Err(_) => Vec::new(),
                    }
                })
            })
            .collect();
        let mut all = work(db);
        for h in others {
            if let Ok(part) = h.join() {
                all.extend(part);
            }
        }
        all
    });
    let mut answers: Vec<Option<Result<Vec<Match>, MatchError>>> =
        std::iter::repeat_with(|| None).take(wanted.len()).collect();
    for (i, r) in all.drain(..) {
        if let Some(slot) = answers.get_mut(i) {
            *slot = Some(r);
        }
    }
    // A worker that died took its components with it: say so for each.
    answers
        .into_iter()
        .map(|a| {
            a.unwrap_or_else(|| {
                Err(MatchError::Db(DbError::Sqlite {
                    path: db.path().display().to_string(),
                    message: "a matching thread stopped before answering".into(),
                }))
            })
        })
        .collect()
}

/// A match, and the row to read its summary from when the index had none.
type Pending = (Match, Option<i64>);

/// A range that contains the version, borrowed from the product's blob.
struct Hit<'a> {
    /// Position in the blob.
    order: usize,
    range: Entry<'a>,
    rec: RecordFields<'a>,
    source: Source,
    severity: Option<Severity>,
    confidence: Confidence,
}

impl Hit<'_> {
    fn cvss(&self) -> Option<Cvss> {
        Some(Cvss {
            version: self.rec.cvss_version?.to_string(),
            score: self.rec.cvss_score?,
            vector: self.rec.vector.unwrap_or_default().to_string(),
        })
    }
}

impl Entry<'_> {
    /// Whether versions above the range are unaffected (a fix exists).
    fn has_fix(&self) -> bool {
        self.fixed.is_some() || self.end.is_some() || self.exact.is_some()
    }
}

/// The ranges of a product's index blob that contain `v`; nothing but
/// these is copied or fully decoded.
fn hits<'a>(blob: &'a [u8], v: &Version) -> Result<Vec<Hit<'a>>, Damaged> {
    let mut r = index::Reader::new(blob)?;
    let mut out = Vec::new();
    let v = v.prepared();
    while let Some(mut range) = r.head()? {
        if !contains_prepared(&v, range.exact, range.start, range.end) {
            r.skip_rest()?;
            continue;
        }
        r.rest(&mut range)?;
        let rec = r.record(range.vuln)?.unwrap_or_default();
        out.push(Hit {
            order: out.len(),
            source: Source::parse(rec.source.unwrap_or("")).unwrap_or(Source::Cve5),
            severity: rec.severity.and_then(Severity::from_word),
            confidence: Confidence::parse(range.confidence).unwrap_or(Confidence::Low),
            range,
            rec,
        });
    }
    Ok(out)
}

/// The matches of one component; a match whose rating comes from a record
/// outside the product's index carries that record's row, to read its
/// summary and CVSS vector from (see [`fill_details`]).
fn match_rows(
    db: &Database,
    name: &str,
    version: &str,
    today: Date,
) -> Result<Vec<Pending>, MatchError> {
    let v = Version::parse_distro(version).ok_or_else(|| MatchError::BadVersion(version.into()))?;
    let key = product_key(None, name).ok_or_else(|| MatchError::BadName(name.into()))?;
    let component = key.clone();
    db.with_product_ranges(&key, |blob| {
        let hits = hits(blob, &v).map_err(|_| db.damaged(&key))?;
        product_matches(db, hits, &component, &v, today)
    })?
    .unwrap_or_else(|| Ok(Vec::new()))
}

/// Groups the hits of one component by CVE into matches.
fn product_matches(
    db: &Database,
    mut hits: Vec<Hit<'_>>,
    component: &str,
    v: &Version,
    today: Date,
) -> Result<Vec<Pending>, MatchError> {
    // Only the most trustworthy kind of range a CVE has for this product
    // is in the index, so every range that contains the version counts.
    let component: std::sync::Arc<str> = component.into();
    let version: std::sync::Arc<str> = v.to_string().into();
    // Grouped by CVE; within one, the ranges keep their row order.
    hits.sort_unstable_by(|a, b| (a.range.id, a.order).cmp(&(b.range.id, b.order)));
    let by_cve = hits.chunk_by(|a, b| a.range.id == b.range.id);
    let mut out = Vec::new();
    for hits in by_cve {
        let Some(first) = hits.first() else { continue };
        let cve = first.range.id;
        let mut sources: Vec<&'static str> = hits.iter().map(|c| c.source.as_str()).collect();
        sources.sort_unstable();
        sources.dedup();
        // Rating: NVD's when one of the hits is NVD's, else the best source
        // of any record of this CVE (a source whose ranges disagree still rates it).
        let own = hits
            .iter()
            .filter(|c| c.rec.cvss_score.is_some() || c.severity.is_some())
            .min_by_key(|c| rating_rank(c.source))
            .map(|c| (c.source, c.cvss(), c.severity, c.range.vuln));
        let rated = match own {
            Some(r) if r.0 == Source::Nvd => Some(r),
            _ => db
                .ratings(cve)?
                .into_iter()
                .filter(|r| r.1.is_some() || r.2.is_some())
                .min_by_key(|r| rating_rank(r.0))
                .or(own),
        };
        // Summary and vector come from the rating's record: from the index
        // when that record is one of the hits, else read afterwards.
        let detail_row = rated.as_ref().map_or(first.range.vuln, |r| r.3);
        let from_hit = hits.iter().find(|c| c.range.vuln == detail_row);
        let (cvss, summary, detail) = match from_hit {
            Some(c) => (
                rated.as_ref().and_then(|_| c.cvss()),
                c.rec.summary.unwrap_or_default().to_string(),
                None,
            ),
            None => (
                rated.as_ref().and_then(|r| r.1.clone()),
                String::new(),
                Some(detail_row),
            ),
        };
        let severity = rated.as_ref().and_then(|r| r.2);
        // The lowest fixed version, compared without allocating.
        let fixed = hits
            .iter()
            .filter_map(|c| c.range.fixed)
            .filter_map(crate::version::valid)
            .min_by(|a, b| crate::version::compare_valid(a, b))
            .map(str::to_string);
        let published = hits
            .iter()
            .filter_map(|c| c.rec.published)
            .min()
            .map(str::to_string);
        let fix_age_days = match (&published, hits.iter().any(|c| c.range.has_fix())) {
            (Some(p), true) => p
                .parse::<Date>()
                .ok()
                .map(|d| today.unix_days() - d.unix_days()),
            _ => None,
        };
        let m = Match {
            cve: cve.to_string(),
            component: component.clone(),
            version: version.clone(),
            sources,
            affected: first.range.stated.unwrap_or_default().to_string(),
            fixed,
            cvss,
            severity,
            kev: db.kev(cve)?,
            published,
            fix_age_days,
            confidence: first.confidence,
            summary,
        };
        out.push((m, detail));
    }
    // Sorted through indices: a match is a few hundred bytes to move.
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by(|&i, &j| match (out.get(i), out.get(j)) {
        (Some((a, _)), Some((b, _))) => most_severe_first(a, b),
        _ => std::cmp::Ordering::Equal,
    });
    let mut slots: Vec<Option<Pending>> = out.into_iter().map(Some).collect();
    let out = order
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect();
    Ok(out)
}

/// Known exploited first, then by severity and score, then by id.
fn most_severe_first(a: &Match, b: &Match) -> std::cmp::Ordering {
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
}

/// Reads the summary and CVSS vector of the matches that carry a row, in
/// row order.
fn fill_details(db: &Database, mut rows: Vec<&mut Pending>) -> Result<(), DbError> {
    rows.retain(|r| r.1.is_some());
    rows.sort_unstable_by_key(|r| r.1);
    let mut last: Option<(Option<i64>, String, Option<String>)> = None;
    for r in rows {
        let (summary, vector) = match &last {
            Some((row, s, v)) if *row == r.1 => (s, v),
            _ => {
                let (s, v) = db.details(r.1.unwrap_or_default())?;
                let l = last.insert((r.1, s, v));
                (&l.1, &l.2)
            }
        };
        r.0.summary.clone_from(summary);
        if let Some(c) = &mut r.0.cvss {
            c.vector = vector.clone().unwrap_or_default();
        }
    }
    Ok(())
}
