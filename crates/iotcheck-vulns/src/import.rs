//! Reading vulnerability data files: CVE JSON 5 records (CVEProject's
//! cvelistV5, one per file or arrays of them), NVD API 2.0 responses and
//! feed files, OSV records (single or arrays) and the CISA Known Exploited
//! Vulnerabilities catalog. The format is recognised by the document's
//! shape, not its file name.
//!
//! A document is read whole (bounded by [`MAX_FILE_BYTES`]) and split into
//! its records without building a tree of the whole file (records are
//! borrowed raw slices); each record is then parsed on its own, so a
//! malformed or hostile record (wrong types, bad dates, impossible ranges,
//! nesting deeper than serde_json's limit of 128) is skipped and counted,
//! never aborting the import.

use std::str::FromStr;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::prose;
use crate::range::{Confidence, Range};
use crate::record::{
    Affected, Cvss, Record, Severity, Source, date_part, is_cve_id, product_key, summary,
};
use crate::status;
use crate::version::{is_placeholder, upstream_part};

/// Largest file read (NVD's yearly feeds are a few hundred MB).
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// A KEV catalog entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KevEntry {
    pub cve: String,
    pub vendor: String,
    pub product: String,
    pub name: String,
    /// `YYYY-MM-DD`.
    pub date_added: Option<String>,
    pub due_date: Option<String>,
    pub ransomware: bool,
}

/// What a document held.
#[derive(Debug, Default)]
pub struct Parsed {
    /// `cve`, `nvd`, `osv`, `kev` (or several for mixed arrays).
    pub format: &'static str,
    pub records: Vec<Record>,
    pub kev: Vec<KevEntry>,
    /// Records skipped, with why (`record 12: …`).
    pub skipped: Vec<String>,
}

/// A document that could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FormatError(pub String);

#[derive(Deserialize)]
struct Top<'a> {
    #[serde(borrow, default)]
    vulnerabilities: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default, rename = "cveMetadata")]
    cve_metadata: Option<&'a RawValue>,
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    affected: Option<&'a RawValue>,
    #[serde(borrow, default)]
    modified: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "catalogVersion")]
    catalog_version: Option<&'a RawValue>,
}

/// Parses one document.
pub fn parse_document(text: &str) -> Result<Parsed, FormatError> {
    let first = text.trim_start().as_bytes().first().copied();
    let mut out = Parsed::default();
    match first {
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(text)
                .map_err(|e| FormatError(format!("not a JSON array of records: {e}")))?;
            for (i, raw) in items.iter().enumerate() {
                match serde_json::from_str::<Top<'_>>(raw.get()) {
                    Ok(top) if top.cve_metadata.is_some() => {
                        out.format = "cve";
                        add(&mut out, i, parse_cve5(raw.get()));
                    }
                    Ok(top)
                        if top.id.is_some()
                            && (top.affected.is_some() || top.modified.is_some()) =>
                    {
                        out.format = "osv";
                        add(&mut out, i, parse_osv(raw.get()));
                    }
                    Ok(_) => out
                        .skipped
                        .push(format!("record {i}: not a CVE JSON 5 or OSV record")),
                    Err(e) => out.skipped.push(format!("record {i}: {e}")),
                }
            }
            Ok(out)
        }
        Some(b'{') => {
            let top: Top<'_> = serde_json::from_str(text)
                .map_err(|e| FormatError(format!("not a JSON document iotcheck reads: {e}")))?;
            if let Some(items) = top.vulnerabilities {
                let kev = top.catalog_version.is_some()
                    || items.first().is_some_and(|r| r.get().contains("\"cveID\""));
                if kev {
                    out.format = "kev";
                    for (i, raw) in items.iter().enumerate() {
                        match parse_kev(raw.get()) {
                            Ok(Some(k)) => out.kev.push(k),
                            Ok(None) => out.skipped.push(format!("record {i}: no valid cveID")),
                            Err(e) => out.skipped.push(format!("record {i}: {e}")),
                        }
                    }
                } else {
                    out.format = "nvd";
                    for (i, raw) in items.iter().enumerate() {
                        add(&mut out, i, parse_nvd(raw.get()));
                    }
                }
                Ok(out)
            } else if top.cve_metadata.is_some() {
                out.format = "cve";
                add(&mut out, 0, parse_cve5(text));
                Ok(out)
            } else if top.id.is_some() && (top.affected.is_some() || top.modified.is_some()) {
                out.format = "osv";
                add(&mut out, 0, parse_osv(text));
                Ok(out)
            } else {
                Err(FormatError(
                    "not a CVE JSON 5 record, NVD API 2.0 response, OSV record or KEV catalog"
                        .into(),
                ))
            }
        }
        _ => Err(FormatError("not JSON".into())),
    }
}

fn add(out: &mut Parsed, i: usize, r: Result<Option<Record>, String>) {
    match r {
        Ok(Some(rec)) => out.records.push(rec),
        Ok(None) => {}
        Err(e) => out.skipped.push(format!("record {i}: {e}")),
    }
}

// ── CVE JSON 5 ─────────────────────────────────────────────────────────────

#[derive(Deserialize)]
struct Cve5 {
    #[serde(rename = "cveMetadata")]
    meta: Cve5Meta,
    #[serde(default)]
    containers: Cve5Containers,
}

#[derive(Deserialize)]
struct Cve5Meta {
    #[serde(rename = "cveId")]
    id: String,
    #[serde(default)]
    state: Option<String>,
    #[serde(default, rename = "datePublished")]
    published: Option<String>,
    #[serde(default, rename = "dateUpdated")]
    updated: Option<String>,
}

#[derive(Deserialize, Default)]
struct Cve5Containers {
    #[serde(default)]
    cna: Option<Cve5Container>,
    #[serde(default)]
    adp: Vec<Cve5Container>,
}

#[derive(Deserialize, Default)]
struct Cve5Container {
    #[serde(default)]
    affected: Vec<Cve5Affected>,
    #[serde(default)]
    descriptions: Vec<Description>,
    #[serde(default)]
    metrics: Vec<Cve5Metric>,
}

#[derive(Deserialize)]
struct Cve5Affected {
    #[serde(default)]
    vendor: Option<String>,
    #[serde(default)]
    product: Option<String>,
    #[serde(default, rename = "packageName")]
    package_name: Option<String>,
    #[serde(default)]
    versions: Vec<Cve5Version>,
    #[serde(default)]
    cpes: Vec<String>,
    #[serde(default, rename = "defaultStatus")]
    default_status: Option<String>,
}

#[derive(Deserialize)]
struct Cve5Version {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default, rename = "lessThan")]
    less_than: Option<String>,
    #[serde(default, rename = "lessThanOrEqual")]
    less_than_or_equal: Option<String>,
    #[serde(default, rename = "versionType")]
    version_type: Option<String>,
    #[serde(default)]
    changes: Vec<Cve5Change>,
}

#[derive(Deserialize)]
struct Cve5Change {
    #[serde(default)]
    at: String,
    #[serde(default)]
    status: String,
}

#[derive(Deserialize)]
struct Description {
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    value: String,
}

#[derive(Deserialize)]
struct Cve5Metric {
    #[serde(default, rename = "cvssV4_0")]
    v40: Option<CvssData>,
    #[serde(default, rename = "cvssV3_1")]
    v31: Option<CvssData>,
    #[serde(default, rename = "cvssV3_0")]
    v30: Option<CvssData>,
    #[serde(default)]
    other: Option<Cve5Other>,
}

#[derive(Deserialize)]
struct Cve5Other {
    #[serde(default)]
    content: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct CvssData {
    #[serde(default)]
    version: Option<String>,
    #[serde(rename = "baseScore")]
    base_score: f64,
    #[serde(default, rename = "vectorString")]
    vector: Option<String>,
}

fn english(descs: &[Description]) -> Option<&str> {
    descs
        .iter()
        .find(|d| d.lang.as_deref().is_some_and(|l| l.starts_with("en")))
        .or_else(|| descs.first())
        .map(|d| d.value.as_str())
}

fn cvss_of(d: &CvssData, default_version: &str) -> Option<Cvss> {
    (d.base_score.is_finite() && (0.0..=10.0).contains(&d.base_score)).then(|| Cvss {
        version: d
            .version
            .clone()
            .unwrap_or_else(|| default_version.to_string()),
        score: d.base_score,
        vector: d.vector.clone().unwrap_or_default(),
    })
}

/// The preferred rating among several: v3.1, then v3.0, then v4.0 (v3 is
/// what most records and most readers still use).
fn pick_cvss(candidates: impl IntoIterator<Item = (u8, Cvss)>) -> Option<Cvss> {
    candidates
        .into_iter()
        .min_by_key(|(rank, _)| *rank)
        .map(|(_, c)| c)
}

fn parse_cve5(text: &str) -> Result<Option<Record>, String> {
    let rec: Cve5 = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if rec.meta.state.as_deref() == Some("REJECTED") {
        return Ok(None);
    }
    if !is_cve_id(&rec.meta.id) {
        return Err(format!("{:?} is not a CVE id", truncate(&rec.meta.id)));
    }
    let containers: Vec<&Cve5Container> = rec
        .containers
        .cna
        .iter()
        .chain(rec.containers.adp.iter())
        .collect();
    let description = rec
        .containers
        .cna
        .as_ref()
        .and_then(|c| english(&c.descriptions))
        .unwrap_or("");

    let mut cvss = Vec::new();
    let mut severity_word = None;
    for m in containers.iter().flat_map(|c| &c.metrics) {
        if let Some(c) = m.v31.as_ref().and_then(|d| cvss_of(d, "3.1")) {
            cvss.push((0, c));
        }
        if let Some(c) = m.v30.as_ref().and_then(|d| cvss_of(d, "3.0")) {
            cvss.push((1, c));
        }
        if let Some(c) = m.v40.as_ref().and_then(|d| cvss_of(d, "4.0")) {
            cvss.push((2, c));
        }
        if let Some(content) = m.other.as_ref().and_then(|o| o.content.as_ref()) {
            let word = content
                .get("value")
                .and_then(|v| v.as_str())
                .or_else(|| content.get("text").and_then(|v| v.as_str()))
                .or_else(|| content.as_str());
            if let Some(s) = word.and_then(Severity::from_word) {
                severity_word = Some(s);
            }
        }
    }
    let cvss = pick_cvss(cvss);
    let severity = cvss
        .as_ref()
        .map(|c| Severity::from_score(c.score))
        .or(severity_word);

    let mut affected = Vec::new();
    let mut dropped = 0usize;
    let mut unnamed = false;
    for c in &containers {
        for a in &c.affected {
            let product = a
                .product
                .as_deref()
                .or(a.package_name.as_deref())
                .unwrap_or("");
            let key = product_key(a.vendor.as_deref(), product).or_else(|| {
                a.cpes.iter().find_map(|c| {
                    let cpe = crate::cpe::Cpe::parse(c)?;
                    product_key(Some(&cpe.vendor), &cpe.product)
                })
            });
            let Some(key) = key else {
                unnamed = true;
                continue;
            };
            let before = affected.len();
            let entries: Vec<status::VersionEntry<'_>> = a
                .versions
                .iter()
                .map(|v| status::VersionEntry {
                    version: v.version.as_deref(),
                    status: v.status.as_deref(),
                    less_than: v.less_than.as_deref(),
                    less_than_or_equal: v.less_than_or_equal.as_deref(),
                    changes: v
                        .changes
                        .iter()
                        .map(|c| (c.at.as_str(), c.status.as_str()))
                        .collect(),
                    version_type: v.version_type.as_deref(),
                })
                .collect();
            let found = status::affected_ranges(&entries, a.default_status.as_deref());
            dropped += found.dropped;
            for (range, stated) in found.ranges {
                affected.push(Affected {
                    product: key.clone(),
                    range,
                    confidence: Confidence::High,
                    stated: truncate(&stated),
                });
            }
            for text in found.free_text {
                for r in prose::ranges(text, Some(&key)) {
                    affected.push(Affected {
                        product: key.clone(),
                        range: r.range,
                        confidence: Confidence::Medium,
                        stated: truncate(&r.stated),
                    });
                }
            }
            if affected.len() == before {
                // A named product whose versions say nothing: the description may.
                for r in prose::ranges(description, None)
                    .into_iter()
                    .filter(|r| r.product.as_deref() == Some(key.as_str()))
                {
                    affected.push(Affected {
                        product: key.clone(),
                        range: r.range,
                        confidence: Confidence::Low,
                        stated: truncate(&r.stated),
                    });
                }
            }
        }
    }
    if affected.is_empty() && (unnamed || containers.iter().all(|c| c.affected.is_empty())) {
        for r in prose::ranges(description, None) {
            if let Some(product) = r.product {
                affected.push(Affected {
                    product,
                    range: r.range,
                    confidence: Confidence::Low,
                    stated: truncate(&r.stated),
                });
            }
        }
    }
    Ok(Some(Record {
        id: rec.meta.id,
        source: Source::Cve5,
        published: rec.meta.published.as_deref().and_then(date_part),
        modified: rec.meta.updated.as_deref().and_then(date_part),
        summary: summary(description),
        cvss,
        severity,
        dropped: dropped + affected.len().saturating_sub(MAX_RANGES),
        affected: cap(affected),
    }))
}

/// Most ranges kept from one record (a record listing millions of versions
/// is hostile, not informative).
pub const MAX_RANGES: usize = 10_000;

fn cap(mut v: Vec<Affected>) -> Vec<Affected> {
    v.truncate(MAX_RANGES);
    v
}

fn truncate(s: &str) -> String {
    let mut end = s.len().min(200);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

// ── NVD API 2.0 ────────────────────────────────────────────────────────────

#[derive(Deserialize)]
struct NvdItem {
    cve: NvdCve,
}

#[derive(Deserialize)]
struct NvdCve {
    id: String,
    #[serde(default)]
    published: Option<String>,
    #[serde(default, rename = "lastModified")]
    last_modified: Option<String>,
    #[serde(default, rename = "vulnStatus")]
    status: Option<String>,
    #[serde(default)]
    descriptions: Vec<Description>,
    #[serde(default)]
    metrics: NvdMetrics,
    #[serde(default)]
    configurations: Vec<NvdConfig>,
}

#[derive(Deserialize, Default)]
struct NvdMetrics {
    #[serde(default, rename = "cvssMetricV40")]
    v40: Vec<NvdMetric>,
    #[serde(default, rename = "cvssMetricV31")]
    v31: Vec<NvdMetric>,
    #[serde(default, rename = "cvssMetricV30")]
    v30: Vec<NvdMetric>,
}

#[derive(Deserialize)]
struct NvdMetric {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(rename = "cvssData")]
    data: CvssData,
}

#[derive(Deserialize)]
struct NvdConfig {
    #[serde(default)]
    nodes: Vec<NvdNode>,
}

#[derive(Deserialize)]
struct NvdNode {
    #[serde(default, rename = "cpeMatch")]
    cpe_match: Vec<NvdCpeMatch>,
}

#[derive(Deserialize)]
struct NvdCpeMatch {
    #[serde(default)]
    vulnerable: bool,
    criteria: String,
    #[serde(default, rename = "versionStartIncluding")]
    start_incl: Option<String>,
    #[serde(default, rename = "versionStartExcluding")]
    start_excl: Option<String>,
    #[serde(default, rename = "versionEndIncluding")]
    end_incl: Option<String>,
    #[serde(default, rename = "versionEndExcluding")]
    end_excl: Option<String>,
}

fn parse_nvd(text: &str) -> Result<Option<Record>, String> {
    let item: NvdItem = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let cve = item.cve;
    if cve.status.as_deref() == Some("Rejected") {
        return Ok(None);
    }
    if !is_cve_id(&cve.id) {
        return Err(format!("{:?} is not a CVE id", truncate(&cve.id)));
    }
    // NVD's own (Primary) rating first, then any.
    let rank = |m: &NvdMetric, base: u8| base * 2 + u8::from(m.kind.as_deref() != Some("Primary"));
    let cvss = pick_cvss(
        cve.metrics
            .v31
            .iter()
            .filter_map(|m| cvss_of(&m.data, "3.1").map(|c| (rank(m, 0), c)))
            .chain(
                cve.metrics
                    .v30
                    .iter()
                    .filter_map(|m| cvss_of(&m.data, "3.0").map(|c| (rank(m, 1), c))),
            )
            .chain(
                cve.metrics
                    .v40
                    .iter()
                    .filter_map(|m| cvss_of(&m.data, "4.0").map(|c| (rank(m, 2), c))),
            ),
    );
    let mut affected = Vec::new();
    let mut dropped = 0usize;
    for m in cve
        .configurations
        .iter()
        .flat_map(|c| &c.nodes)
        .flat_map(|n| &n.cpe_match)
        .filter(|m| m.vulnerable)
    {
        let Some(cpe) = crate::cpe::Cpe::parse(&m.criteria) else {
            continue;
        };
        if cpe.part == "h" {
            continue;
        }
        let Some(key) = product_key(Some(&cpe.vendor), &cpe.product) else {
            continue;
        };
        let range = if !is_placeholder(&cpe.version) {
            // `1.0.2` + update `k` is how old CPEs spell `1.0.2k`.
            let v = if cpe.update.len() <= 3
                && !is_placeholder(&cpe.update)
                && cpe.update.bytes().all(|b| b.is_ascii_lowercase())
            {
                format!("{}{}", cpe.version, cpe.update)
            } else {
                cpe.version.clone()
            };
            Range::exact(&v)
        } else {
            let start = m
                .start_incl
                .as_deref()
                .map(|s| (s, true))
                .or(m.start_excl.as_deref().map(|s| (s, false)));
            let end = m
                .end_excl
                .as_deref()
                .map(|s| (s, false))
                .or(m.end_incl.as_deref().map(|s| (s, true)));
            Range::between(start, end)
        };
        dropped += usize::from(range.is_none());
        if let Some(range) = range {
            let stated = range.describe();
            affected.push(Affected {
                product: key,
                range,
                confidence: Confidence::High,
                stated,
            });
        }
    }
    let description = english(&cve.descriptions).unwrap_or("");
    Ok(Some(Record {
        id: cve.id,
        source: Source::Nvd,
        published: cve.published.as_deref().and_then(date_part),
        modified: cve.last_modified.as_deref().and_then(date_part),
        summary: summary(description),
        severity: cvss.as_ref().map(|c| Severity::from_score(c.score)),
        cvss,
        dropped: dropped + affected.len().saturating_sub(MAX_RANGES),
        affected: cap(affected),
    }))
}

// ── OSV ────────────────────────────────────────────────────────────────────

#[derive(Deserialize)]
struct Osv {
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    modified: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    severity: Vec<OsvSeverity>,
    #[serde(default)]
    affected: Vec<OsvAffected>,
    #[serde(default)]
    database_specific: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct OsvSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Deserialize)]
struct OsvAffected {
    #[serde(default)]
    package: Option<OsvPackage>,
    #[serde(default)]
    ranges: Vec<OsvRange>,
    #[serde(default)]
    versions: Vec<String>,
}

#[derive(Deserialize)]
struct OsvPackage {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    purl: Option<String>,
}

#[derive(Deserialize)]
struct OsvRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    events: Vec<OsvEvent>,
}

#[derive(Deserialize)]
struct OsvEvent {
    #[serde(default)]
    introduced: Option<String>,
    #[serde(default)]
    fixed: Option<String>,
    #[serde(default)]
    last_affected: Option<String>,
}

/// Base score of a CVSS vector string (v3.x or v4.0).
fn score_vector(vector: &str) -> Option<Cvss> {
    if vector.len() > 200 {
        return None;
    }
    if vector.starts_with("CVSS:3") {
        let base = cvss::v3::Base::from_str(vector).ok()?;
        Some(Cvss {
            version: vector.get(5..8).unwrap_or("3").to_string(),
            score: base.score().value(),
            vector: vector.to_string(),
        })
    } else if vector.starts_with("CVSS:4") {
        let v = cvss::v4::Vector::from_str(vector).ok()?;
        Some(Cvss {
            version: "4.0".into(),
            score: v.score().value(),
            vector: vector.to_string(),
        })
    } else {
        None
    }
}

fn parse_osv(text: &str) -> Result<Option<Record>, String> {
    let osv: Osv = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if osv.withdrawn.is_some() {
        return Ok(None);
    }
    let id = osv
        .aliases
        .iter()
        .find(|a| is_cve_id(a))
        .cloned()
        .unwrap_or_else(|| truncate(&osv.id));
    let cvss = pick_cvss(osv.severity.iter().filter_map(|s| {
        let rank = match s.kind.as_str() {
            "CVSS_V3" => 0,
            "CVSS_V4" => 2,
            _ => return None,
        };
        score_vector(&s.score).map(|c| (rank, c))
    }));
    let severity = cvss
        .as_ref()
        .map(|c| Severity::from_score(c.score))
        .or_else(|| {
            osv.database_specific
                .as_ref()
                .and_then(|d| d.get("severity"))
                .and_then(|s| s.as_str())
                .and_then(Severity::from_word)
        });
    let mut affected = Vec::new();
    let mut dropped = 0usize;
    for a in &osv.affected {
        let Some(pkg) = &a.package else { continue };
        let name = pkg
            .purl
            .as_deref()
            .and_then(purl_name)
            .or(pkg.name.as_deref().map(str::to_string));
        let Some(key) = name.as_deref().and_then(|n| product_key(None, n)) else {
            continue;
        };
        for r in a.ranges.iter().filter(|r| r.kind != "GIT") {
            let mut start: Option<String> = None;
            for e in &r.events {
                if let Some(i) = &e.introduced {
                    start = Some(upstream_part(i));
                } else if let Some(end) = e
                    .fixed
                    .as_ref()
                    .map(|f| (f, false))
                    .or(e.last_affected.as_ref().map(|l| (l, true)))
                {
                    let end_v = upstream_part(end.0);
                    let range = Range::between(
                        start.as_deref().map(|s| (s, true)),
                        Some((end_v.as_str(), end.1)),
                    );
                    dropped += usize::from(range.is_none());
                    if let Some(range) = range {
                        affected.push(Affected {
                            product: key.clone(),
                            stated: range.describe(),
                            range,
                            confidence: Confidence::High,
                        });
                    }
                    start = None;
                }
            }
            // Introduced with no fix yet: affected from there on.
            if let Some(s) = start
                && let Some(range) = Range::between(Some((s.as_str(), true)), None)
            {
                affected.push(Affected {
                    product: key.clone(),
                    stated: range.describe(),
                    range,
                    confidence: Confidence::High,
                });
            }
        }
        if a.ranges.is_empty() {
            for v in a.versions.iter().take(1000) {
                if let Some(range) = Range::exact(&upstream_part(v)) {
                    affected.push(Affected {
                        product: key.clone(),
                        stated: range.describe(),
                        range,
                        confidence: Confidence::High,
                    });
                }
            }
        }
    }
    let text = osv
        .summary
        .as_deref()
        .filter(|s| !s.is_empty())
        .or(osv.details.as_deref())
        .unwrap_or("");
    Ok(Some(Record {
        id,
        source: Source::Osv,
        published: osv.published.as_deref().and_then(date_part),
        modified: osv.modified.as_deref().and_then(date_part),
        summary: summary(text),
        cvss,
        severity,
        dropped: dropped + affected.len().saturating_sub(MAX_RANGES),
        affected: cap(affected),
    }))
}

/// The package name of a package URL (`pkg:generic/busybox@1.0` → `busybox`).
pub fn purl_name(purl: &str) -> Option<String> {
    let rest = purl.strip_prefix("pkg:")?;
    let rest = rest.split(['?', '#']).next()?;
    let rest = rest.split('@').next()?;
    let name = rest.rsplit('/').next()?;
    (!name.is_empty()).then(|| name.to_string())
}

// ── KEV ────────────────────────────────────────────────────────────────────

#[derive(Deserialize)]
struct KevRaw {
    #[serde(rename = "cveID")]
    cve: String,
    #[serde(default, rename = "vendorProject")]
    vendor: String,
    #[serde(default)]
    product: String,
    #[serde(default, rename = "vulnerabilityName")]
    name: String,
    #[serde(default, rename = "dateAdded")]
    date_added: Option<String>,
    #[serde(default, rename = "dueDate")]
    due_date: Option<String>,
    #[serde(default, rename = "knownRansomwareCampaignUse")]
    ransomware: Option<String>,
}

fn parse_kev(text: &str) -> Result<Option<KevEntry>, String> {
    let k: KevRaw = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if !is_cve_id(&k.cve) {
        return Ok(None);
    }
    Ok(Some(KevEntry {
        cve: k.cve,
        vendor: truncate(&k.vendor),
        product: truncate(&k.product),
        name: truncate(&k.name),
        date_added: k.date_added.as_deref().and_then(date_part),
        due_date: k.due_date.as_deref().and_then(date_part),
        ransomware: k.ransomware.as_deref() == Some("Known"),
    }))
}
