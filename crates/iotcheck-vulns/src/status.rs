//! CVE JSON 5 version statuses turned into affected ranges.
//!
//! A CVE 5 `affected` entry lists `versions`, each a single version or a
//! range (`version` up to `lessThan` / `lessThanOrEqual`, where `*` means
//! no end and `5.10.*` means every `5.10.x`) with a `status` (`affected`,
//! `unaffected`, `unknown`) and optional `changes` (from version `at`
//! upward inside the range, the status becomes another); `defaultStatus`
//! is the status of every version no entry covers. This follows the
//! algorithm the CVE Record Format 5.1 schema gives in the description of
//! `versions`. The Linux kernel CNA writes its records this way: the
//! versions that carry the fix are listed `unaffected` and
//! `defaultStatus` is `affected`, so the affected ranges are the gaps.
//!
//! [`affected_ranges`] returns, for one entry, the explicit affected spans
//! and, when the default is `affected`, every gap between the spans the
//! entry covers. Each becomes an ordinary [`Range`].

use std::cmp::Ordering;

use crate::range::Range;
use crate::version::{Version, is_placeholder};

/// One element of a CVE 5 `versions` list.
#[derive(Debug, Clone, Default)]
pub struct VersionEntry<'a> {
    pub version: Option<&'a str>,
    pub status: Option<&'a str>,
    pub less_than: Option<&'a str>,
    pub less_than_or_equal: Option<&'a str>,
    /// `(at, status)` pairs.
    pub changes: Vec<(&'a str, &'a str)>,
    /// `versionType`: `git` entries name commits, not versions, and are
    /// left out.
    pub version_type: Option<&'a str>,
}

/// The affected ranges of one `affected` entry: each with the text it was
/// read from, the entries that were not versions (counted), and the
/// single affected versions written in free text (for the prose reader).
#[derive(Debug, Default)]
pub struct Statuses<'a> {
    pub ranges: Vec<(Range, String)>,
    pub dropped: usize,
    pub free_text: Vec<&'a str>,
}

/// A lower bound: `None` is no bound; `(v, true)` includes `v`.
type Lower = Option<(Version, bool)>;
/// An upper bound: `None` is no bound; `(v, true)` includes `v`.
type Upper = Option<(Version, bool)>;

#[derive(Debug, Clone)]
struct Span {
    lo: Lower,
    hi: Upper,
    affected: bool,
}

fn cmp_lower(a: &Lower, b: &Lower) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        // At the same version an inclusive lower bound starts first.
        (Some((x, xi)), Some((y, yi))) => x.cmp(y).then(yi.cmp(xi)),
    }
}

fn cmp_upper(a: &Upper, b: &Upper) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        // At the same version an inclusive upper bound reaches further.
        (Some((x, xi)), Some((y, yi))) => x.cmp(y).then(xi.cmp(yi)),
    }
}

/// Whether versions lie after `reach` (covered so far) and before `next`.
fn gap_between(reach: &Upper, next: &Lower) -> bool {
    match (reach, next) {
        (None, _) => false,
        (Some(_), None) => false,
        (Some((a, a_incl)), Some((b, b_incl))) => match a.cmp(b) {
            Ordering::Less => true,
            // `a` itself is the gap when neither side covers it.
            Ordering::Equal => !a_incl && !b_incl,
            Ordering::Greater => false,
        },
    }
}

/// The next release line after a wildcard prefix: `5.10` → `5.11`.
fn next_line(prefix: &str) -> Option<Version> {
    let (head, last) = match prefix.rsplit_once('.') {
        Some((h, l)) => (Some(h), l),
        None => (None, prefix),
    };
    let n: u64 = last.parse().ok()?;
    let next = n.checked_add(1)?;
    Version::parse(&match head {
        Some(h) => format!("{h}.{next}"),
        None => next.to_string(),
    })
}

/// An upper bound as written: `*` or a placeholder is no bound, `5.10.*`
/// is everything below `5.11`. `Err` when it is not a version.
fn upper(text: &str, inclusive: bool) -> Result<Upper, ()> {
    let t = text.trim();
    if is_placeholder(t) {
        return Ok(None);
    }
    if let Some(prefix) = t.strip_suffix(".*").or_else(|| t.strip_suffix(".x")) {
        return next_line(prefix).map(|v| Some((v, false))).ok_or(());
    }
    Version::parse(t).map(|v| Some((v, inclusive))).ok_or(())
}

/// A lower bound as written: `0` or a placeholder is no bound.
fn lower(text: Option<&str>) -> Result<Lower, ()> {
    match text.map(str::trim) {
        None => Ok(None),
        Some(t) if is_placeholder(t) => Ok(None),
        Some(t) => Version::parse(t).map(|v| Some((v, true))).ok_or(()),
    }
}

/// Explicit spans of one entry, split by its `changes`.
fn spans(e: &VersionEntry<'_>) -> Result<Vec<Span>, ()> {
    let affected = |s: Option<&str>| s == Some("affected");
    let end = match (e.less_than, e.less_than_or_equal) {
        (Some(l), _) => Some((l, false)),
        (None, Some(l)) => Some((l, true)),
        (None, None) => None,
    };
    let Some((limit, incl)) = end else {
        // A single version (a wildcard one is its whole line).
        let v = e.version.ok_or(())?.trim();
        if let Some(prefix) = v.strip_suffix(".*") {
            let lo = Version::parse(prefix).ok_or(())?;
            let hi = next_line(prefix).ok_or(())?;
            return Ok(vec![Span {
                lo: Some((lo, true)),
                hi: Some((hi, false)),
                affected: affected(e.status),
            }]);
        }
        let v = Version::parse(v).ok_or(())?;
        return Ok(vec![Span {
            lo: Some((v.clone(), true)),
            hi: Some((v, true)),
            affected: affected(e.status),
        }]);
    };
    let lo = lower(e.version)?;
    let hi = upper(limit, incl)?;
    let mut changes: Vec<(Version, bool)> = e
        .changes
        .iter()
        .filter_map(|(at, status)| Version::parse(at.trim()).map(|v| (v, affected(Some(status)))))
        .collect();
    changes.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    let mut from = lo;
    let mut status = affected(e.status);
    for (at, next) in changes {
        // A change outside the range does not apply.
        if from.as_ref().is_some_and(|(f, _)| at <= *f) {
            status = next;
            continue;
        }
        if hi.as_ref().is_some_and(|(h, _)| at > *h) {
            break;
        }
        out.push(Span {
            lo: from,
            hi: Some((at.clone(), false)),
            affected: status,
        });
        from = Some((at, true));
        status = next;
    }
    out.push(Span {
        lo: from,
        hi,
        affected: status,
    });
    Ok(out)
}

fn to_range(s: &Span) -> Option<Range> {
    match (&s.lo, &s.hi) {
        (Some((a, true)), Some((b, true))) if a == b => Range::exact(a.as_str()),
        (lo, hi) => Range::between(
            lo.as_ref().map(|(v, i)| (v.as_str(), *i)),
            hi.as_ref().map(|(v, i)| (v.as_str(), *i)),
        ),
    }
}

/// The affected ranges of one CVE 5 `affected` entry.
pub fn affected_ranges<'a>(
    versions: &[VersionEntry<'a>],
    default_status: Option<&str>,
) -> Statuses<'a> {
    let mut out = Statuses::default();
    let mut covered: Vec<Span> = Vec::new();
    for e in versions {
        if e.version_type
            .is_some_and(|t| t.eq_ignore_ascii_case("git"))
        {
            out.dropped += 1;
            continue;
        }
        match spans(e) {
            Ok(ss) => covered.extend(ss),
            Err(()) => {
                let single = e.less_than.is_none() && e.less_than_or_equal.is_none();
                match e.version {
                    // Free text ("Fixed in 1.1.1n (Affected 1.1.1-1.1.1m)") for the prose reader.
                    Some(v) if single && e.status == Some("affected") && !is_placeholder(v) => {
                        out.free_text.push(v);
                    }
                    Some(v) if single && is_placeholder(v) => {}
                    _ => out.dropped += 1,
                }
            }
        }
    }
    for s in covered.iter().filter(|s| s.affected) {
        match to_range(s) {
            Some(r) => {
                let stated = r.describe();
                out.ranges.push((r, stated));
            }
            None => out.dropped += 1,
        }
    }
    if default_status == Some("affected") {
        let mut all = covered;
        all.sort_by(|a, b| cmp_lower(&a.lo, &b.lo));
        let mut gaps = Vec::new();
        let mut reach: Option<Upper> = None; // None: nothing covered yet
        for s in &all {
            match &reach {
                None => {
                    if s.lo.is_some() {
                        gaps.push(Span {
                            lo: None,
                            hi: s.lo.as_ref().map(|(v, i)| (v.clone(), !i)),
                            affected: true,
                        });
                    }
                    reach = Some(s.hi.clone());
                }
                Some(r) => {
                    if gap_between(r, &s.lo) {
                        gaps.push(Span {
                            lo: r.as_ref().map(|(v, i)| (v.clone(), !i)),
                            hi: s.lo.as_ref().map(|(v, i)| (v.clone(), !i)),
                            affected: true,
                        });
                    }
                    if cmp_upper(&s.hi, r) == Ordering::Greater {
                        reach = Some(s.hi.clone());
                    }
                }
            }
        }
        match reach {
            // Nothing listed at all: every version is affected, which names
            // no version to compare against; the description may say more.
            None => {}
            Some(None) => {}
            Some(Some((v, i))) => gaps.push(Span {
                lo: Some((v, !i)),
                hi: None,
                affected: true,
            }),
        }
        for g in &gaps {
            if let Some(r) = to_range(g) {
                let stated = format!(
                    "{} (not listed as unaffected; default status affected)",
                    r.describe()
                );
                out.ranges.push((r, stated));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn entry<'a>(
        version: &'a str,
        status: &'a str,
        lt: Option<&'a str>,
        lte: Option<&'a str>,
    ) -> VersionEntry<'a> {
        VersionEntry {
            version: Some(version),
            status: Some(status),
            less_than: lt,
            less_than_or_equal: lte,
            changes: Vec::new(),
            version_type: None,
        }
    }

    fn affected(s: &Statuses<'_>, version: &str) -> bool {
        s.ranges.iter().any(|(r, _)| r.contains(&v(version)))
    }

    /// The shape the Linux kernel CNA writes: the first affected release,
    /// the releases and stable lines that carry the fix listed unaffected,
    /// default affected.
    #[test]
    fn kernel_style_default_affected() {
        let vs = [
            entry("4.6", "affected", None, None),
            entry("0", "unaffected", Some("4.6"), None),
            entry("5.10.200", "unaffected", None, Some("5.10.*")),
            entry("6.1.60", "unaffected", None, Some("6.1.*")),
            entry("6.6", "unaffected", None, Some("*")),
        ];
        let s = affected_ranges(&vs, Some("affected"));
        for (version, want) in [
            ("4.5", false),
            ("4.6", true),
            ("5.4.100", true),
            ("5.10.199", true),
            ("5.10.200", false),
            ("5.10.250", false),
            ("5.15.10", true),
            ("6.1.59", true),
            ("6.1.60", false),
            ("6.2", true),
            ("6.5.9", true),
            ("6.6", false),
            ("6.12.1", false),
        ] {
            assert_eq!(affected(&s, version), want, "{version}");
        }
        // The fixed version of each affected line is its gap's end.
        let fixes: Vec<_> = s
            .ranges
            .iter()
            .filter_map(|(r, _)| r.fixed.clone())
            .collect();
        assert!(fixes.contains(&"5.10.200".to_string()), "{fixes:?}");
        assert!(fixes.contains(&"6.1.60".to_string()), "{fixes:?}");
    }

    #[test]
    fn default_unaffected_keeps_only_explicit_ranges() {
        let vs = [entry("1.0", "affected", Some("1.2.3"), None)];
        let s = affected_ranges(&vs, Some("unaffected"));
        assert!(affected(&s, "1.1"));
        assert!(!affected(&s, "1.2.3"));
        assert!(!affected(&s, "0.9"));
        assert_eq!(s.ranges.len(), 1);
    }

    #[test]
    fn fixed_version_listed_unaffected_with_default_affected() {
        // "Everything before 2.78 is affected."
        let vs = [entry("2.78", "unaffected", Some("*"), None)];
        let s = affected_ranges(&vs, Some("affected"));
        assert!(affected(&s, "2.77"));
        assert!(!affected(&s, "2.78"));
        assert!(!affected(&s, "2.90"));
        assert_eq!(s.ranges[0].0.fixed.as_deref(), Some("2.78"));
    }

    #[test]
    fn changes_split_a_range() {
        let mut e = entry("1.0", "affected", Some("2.0"), None);
        e.changes = vec![("1.5", "unaffected"), ("1.8", "affected")];
        let s = affected_ranges(&[e], None);
        for (version, want) in [
            ("1.0", true),
            ("1.4", true),
            ("1.5", false),
            ("1.7", false),
            ("1.8", true),
            ("1.9", true),
            ("2.0", false),
        ] {
            assert_eq!(affected(&s, version), want, "{version}");
        }
    }

    #[test]
    fn unknown_and_bad_entries() {
        let vs = [
            entry("3.0", "unknown", Some("4.0"), None),
            entry("not a version", "affected", Some("2.0"), None),
            entry("Fixed in 2.1 (Affected 2.0)", "affected", None, None),
        ];
        let s = affected_ranges(&vs, Some("affected"));
        // Unknown is covered: not affected, and no gap inside it.
        assert!(!affected(&s, "3.5"));
        assert!(affected(&s, "2.5"));
        assert!(affected(&s, "4.0"));
        assert_eq!(s.dropped, 1);
        assert_eq!(s.free_text, ["Fixed in 2.1 (Affected 2.0)"]);
    }

    #[test]
    fn git_commits_are_not_versions() {
        let mut e = entry("1da177e4c3f4", "affected", Some("8e1f3bd53df1"), None);
        e.version_type = Some("git");
        let s = affected_ranges(&[e], Some("affected"));
        assert!(s.ranges.is_empty());
        assert_eq!(s.dropped, 1);
    }

    #[test]
    fn nothing_listed_names_no_range() {
        let s = affected_ranges(&[], Some("affected"));
        assert!(s.ranges.is_empty());
    }

    #[test]
    fn wildcards() {
        assert_eq!(next_line("5.10"), Some(v("5.11")));
        assert_eq!(next_line("6"), Some(v("7")));
        assert!(next_line("5.x1").is_none());
        let s = affected_ranges(&[entry("5.10.*", "affected", None, None)], None);
        assert!(affected(&s, "5.10.3"));
        assert!(!affected(&s, "5.11"));
    }
}
