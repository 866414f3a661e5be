//! The plain data types of an iotcheck assessment.
//!
//! Everything an analyzer produces and everything a report shows is one of
//! these types: a [`Product`], the [`InputRef`]s that were given, the
//! [`CheckResult`]s analyzers return with their [`Evidence`], and the
//! [`Report`] the verdict engine builds from them.
//!
//! This crate does no I/O and makes no decisions: analyzers fill in
//! [`CheckResult`]s, `iotcheck-standards` turns them into verdicts, and
//! `iotcheck-report` writes them out. The JSON shape of [`Report`] is a public
//! contract: its schema is generated from these types
//! ([`report_schema`]) and published as `docs/report.schema.json`; a change to
//! it bumps [`SCHEMA_VERSION`].
//!
//! ```
//! use iotcheck_model::{CheckId, CheckResult, Evidence, Outcome};
//!
//! let id = CheckId::new("comms.cleartext-app-data").unwrap();
//! let result = CheckResult::new(id, Outcome::Fail, "HTTP request sent in clear")
//!     .with_evidence(Evidence::packet("setup.pcapng", vec![12, 14]));
//! assert_eq!(result.outcome, Outcome::Fail);
//! ```

mod check;
mod component;
mod date;
mod evidence;
mod input;
mod product;
mod report;
mod secret;
mod verdict;

pub use check::{CheckId, CheckIdError, CheckResult, Outcome};
pub use component::{Component, ComponentIdentity};
pub use date::{Date, DateError};
pub use evidence::{Direction, Evidence, Flow, Span, TranscriptLine};
pub use input::{InputKind, InputRef, InputStatus};
pub use product::Product;
pub use report::{
    CheckEntry, Contradiction, FirmwareLayer, FirmwareRegion, FirmwareSummary, FlowRow,
    ProvisionVerdict, RegimeView, Report, RequirementVerdict, ServiceRow, StandardVerdict, Tool,
    TrafficSummary, report_schema,
};
pub use secret::Secret;
pub use verdict::Verdict;

/// Version of the JSON report schema. Bump the minor version for additions,
/// the major version for anything a reader of the previous version would
/// misread.
pub const SCHEMA_VERSION: &str = "1.5.0";
