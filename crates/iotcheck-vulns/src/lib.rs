//! Known vulnerabilities in shipped components, decided offline.
//!
//! - [`db`]: a local SQLite database (why SQLite: see the module) filled by
//!   `iotcheck vulns db import` from files the user supplies: CVE JSON 5
//!   records (single files or the cvelistV5 tree), NVD API 2.0 JSON, OSV
//!   JSON and the CISA Known Exploited Vulnerabilities catalog
//!   ([`import`] recognises each by shape). Malformed and hostile records
//!   are skipped and counted; they never abort an import.
//! - Versions come in every shape real records have: structured ranges
//!   (`lessThan`, `versionEndExcluding`, OSV events), CPE configurations
//!   ([`cpe`]), and prose ("before 2.78", "1.1.1 through 1.1.1m", "Fixed in
//!   OpenSSL 1.0.2zd (Affected 1.0.2-1.0.2zc)", [`prose`]); each match
//!   carries the confidence of the form it came from ([`range::Confidence`]).
//! - [`version`] orders embedded-world versions (`1.0.2zd`, `4.2.8p15`,
//!   `2019.78`, `5.2.0-stable`, distribution revisions cut off).
//! - [`matching`] maps a component through the identity table of
//!   `iotcheck-model` (name ↔ CPE vendor/product ↔ PURL) and returns every
//!   matching CVE with CVSS, KEV flag, fixed version, publication date and
//!   the days since the fix was available.
//! - [`checks`] decides `vulns.known-exploited`, `vulns.unpatched-high`
//!   (window [`checks::DEFAULT_WINDOW_DAYS`]) and `vulns.end-of-life`
//!   ([`eol`], a table of upstream end dates with sources).
//!
//! What it does not do: fetch feeds itself in tests (the `update` command
//! is the only networked part and is never used by tests); judge vendor
//! backports (a distribution's `1.1.1n-0+deb11u5` carries fixes its
//! upstream version does not show: matches on distribution packages are
//! upstream-version matches).
//!
//! CVE 5 version statuses are read whole ([`status`]): `unaffected` and
//! `unknown` entries, `changes` inside a range, wildcard lines (`5.10.*`)
//! and `defaultStatus: affected`, whose affected ranges are the gaps
//! between the versions listed, the way the Linux kernel CNA writes.
//!
//! ```
//! use iotcheck_vulns::version::Version;
//! let v = |s| Version::parse(s).unwrap();
//! assert!(v("1.0.2k") < v("1.0.2zd"));
//! assert!(v("4.2.8p9") < v("4.2.8p15"));
//! ```

pub mod checks;
pub mod cpe;
pub mod db;
pub mod eol;
pub mod import;
mod index;
pub mod matching;
pub mod prose;
pub mod range;
pub mod record;
pub mod sbom;
pub mod status;
pub mod version;

pub use checks::{CHECKS, Options, checks};

/// Reads a range-index blob as matching does; `None` when it is damaged.
/// For the fuzz target only: the format is private to the database.
#[doc(hidden)]
pub fn fuzz_range_index(blob: &[u8]) -> Option<usize> {
    index::walk(blob).ok()
}
pub use db::{Database, DbError, ImportSummary, Status, default_path};
pub use matching::{Match, MatchError, match_component, match_components};
