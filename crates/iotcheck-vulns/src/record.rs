//! One vulnerability record, as every importer reduces it.

use iotcheck_model::ComponentIdentity;

use crate::range::{Confidence, Range};

/// Where a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// CVE JSON 5 (CVEProject/cvelistV5).
    Cve5,
    /// NVD API 2.0 JSON.
    Nvd,
    /// OSV JSON.
    Osv,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Cve5 => "cve",
            Source::Nvd => "nvd",
            Source::Osv => "osv",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        match s {
            "cve" => Some(Source::Cve5),
            "nvd" => Some(Source::Nvd),
            "osv" => Some(Source::Osv),
            _ => None,
        }
    }
}

/// Qualitative severity (CVSS v3/v4 bands).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::None => "none",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// From a base score (CVSS v3/v4 bands).
    pub fn from_score(score: f64) -> Severity {
        if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score > 0.0 {
            Severity::Low
        } else {
            Severity::None
        }
    }

    /// From a word (`HIGH`, `Important`, `moderate`…).
    pub fn from_word(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "critical" => Some(Severity::Critical),
            "high" | "important" => Some(Severity::High),
            "medium" | "moderate" => Some(Severity::Medium),
            "low" => Some(Severity::Low),
            "none" => Some(Severity::None),
            _ => None,
        }
    }
}

/// A CVSS rating.
#[derive(Debug, Clone, PartialEq)]
pub struct Cvss {
    /// `3.1`, `4.0`, …
    pub version: String,
    pub score: f64,
    pub vector: String,
}

/// One product's affected range in a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Affected {
    /// Matching key: the canonical component name from the identity table,
    /// else the product's own name lower-cased.
    pub product: String,
    pub range: Range,
    pub confidence: Confidence,
    /// The range as the record stated it.
    pub stated: String,
}

/// A vulnerability record reduced to what matching needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// CVE id when the record has one (OSV records keep their own id when
    /// no CVE alias exists).
    pub id: String,
    pub source: Source,
    /// `YYYY-MM-DD`.
    pub published: Option<String>,
    pub modified: Option<String>,
    /// First sentence-ish of the description, bounded.
    pub summary: String,
    pub cvss: Option<Cvss>,
    pub severity: Option<Severity>,
    pub affected: Vec<Affected>,
    /// Ranges the record stated that were not kept: impossible (start above
    /// end), without any bound, not versions, or beyond the per-record cap.
    pub dropped: usize,
}

/// The longest summary kept.
pub const MAX_SUMMARY: usize = 300;

/// Bounded summary: whitespace collapsed, cut at a char boundary.
pub fn summary(text: &str) -> String {
    let mut s: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.len() > MAX_SUMMARY {
        let mut end = MAX_SUMMARY;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

/// The matching key of a vendor/product pair as records write it.
pub fn product_key(vendor: Option<&str>, product: &str) -> Option<String> {
    let product = product.trim();
    if crate::version::is_placeholder(product) || product.len() > 100 {
        return None;
    }
    if let Some(v) = vendor
        && let Some(id) = ComponentIdentity::by_cpe(v, product)
    {
        return Some(id.name.clone());
    }
    if let Some(id) = ComponentIdentity::lookup(product) {
        return Some(id.name.clone());
    }
    Some(
        product
            .chars()
            .map(|c| match c {
                '-' | ' ' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect(),
    )
}

/// `YYYY-MM-DD` from an RFC 3339-ish timestamp, when it starts with a valid date.
pub fn date_part(s: &str) -> Option<String> {
    let d = s.get(..10)?;
    d.parse::<iotcheck_model::Date>()
        .ok()
        .map(|d| d.to_string())
}

/// Whether `s` looks like a CVE id.
pub fn is_cve_id(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() <= 20
        && s.starts_with("CVE-")
        && b.len() >= 13
        && b[4..8].iter().all(u8::is_ascii_digit)
        && b[8] == b'-'
        && b[9..].iter().all(u8::is_ascii_digit)
}
