//! Runs an iotcheck assessment, for the CLI and (later) the server alike.
//!
//! An [`Assessment`] is built from a bundle directory ([`Assessment::from_bundle`],
//! which reads `device.toml`, see `docs/BUNDLE.md`) or piece by piece from
//! command-line inputs. [`run`] then loads every input (recognising its
//! type, hashing it), runs the analyzers over the inputs in parallel, sets
//! vendor claims against the results, asks the verdict engine of
//! `iotcheck-standards` for verdicts and returns a [`Report`] value that the
//! report writers turn into bytes.
//!
//! One broken input never loses the results of the others: its checks
//! become `error` results naming it, the affected requirements turn
//! inconclusive, and [`Outcome::input_errors`] lists it for the caller.
//!
//! ```no_run
//! use iotcheck_engine::{run, Assessment, Options};
//! use iotcheck_standards::Catalog;
//!
//! let catalog = Catalog::builtin().unwrap();
//! let assessment = Assessment::from_bundle("examples/acme-cam".as_ref(), &catalog).unwrap();
//! let outcome = run(&assessment, &catalog, &Options::default(), &|_| {});
//! println!("{}", outcome.report.overall);
//! ```

mod analyzers;
mod bundle;
mod input;

use std::collections::BTreeSet;

use iotcheck_model::{CheckId, CheckResult, InputKind, InputRef, InputStatus, Report, Tool};
use iotcheck_standards::{Catalog, Context, contradictions, decide};

pub use bundle::{
    Assessment, BundleError, DeviceId, FirmwareOptions, InputSpec, read_password_list,
};
pub use input::{LoadedInput, Sniffed, check_kind};
pub use iotcheck_model::{Date, DateError};

/// How to run an assessment.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Decide date-dependent checks as of this date instead of today.
    pub as_of: Option<Date>,
    /// Regimes to map the verdicts onto (ids such as `etsi-en-303-645`);
    /// empty means all.
    pub regimes: Vec<String>,
}

/// Something that happened during a run, for a progress display.
#[derive(Debug, Clone)]
pub enum Progress<'a> {
    Loading { input: &'a str },
    Analyzing { analyzer: &'a str, input: &'a str },
    Done { analyzer: &'a str, input: &'a str },
}

/// An input that could not be used, named for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub kind: InputKind,
    pub location: String,
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.kind.noun(),
            self.location,
            self.message
        )
    }
}

/// The report and whatever went wrong on the way.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub report: Report,
    pub input_errors: Vec<InputError>,
}

/// The checks this build can run: the claims checks plus every analyzer's.
pub fn implemented_checks(catalog: &Catalog) -> BTreeSet<CheckId> {
    analyzers::implemented(catalog)
}

/// Runs the assessment. Never fails as a whole: broken inputs become
/// `error` results and entries in [`Outcome::input_errors`].
pub fn run(
    assessment: &Assessment,
    catalog: &Catalog,
    options: &Options,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Outcome {
    let today = options.as_of.unwrap_or_else(Date::today);

    // Load inputs in order; each is recognised and hashed, or becomes an error.
    let mut inputs: Vec<InputRef> = Vec::new();
    let mut loaded: Vec<LoadedInput> = Vec::new();
    // Where each loaded input stands in `inputs`, to attach its fingerprint.
    let mut loaded_at: Vec<usize> = Vec::new();
    let mut input_errors = Vec::new();
    for spec in &assessment.inputs {
        progress(Progress::Loading {
            input: &spec.location,
        });
        match input::load(spec) {
            Ok(l) => {
                loaded_at.push(inputs.len());
                inputs.push(l.to_ref());
                loaded.push(l);
            }
            Err(message) => {
                inputs.push(InputRef {
                    kind: spec.kind,
                    location: spec.location.clone(),
                    status: InputStatus::Error,
                    message: Some(message.clone()),
                    bytes: None,
                    sha256: None,
                });
                input_errors.push(InputError {
                    kind: spec.kind,
                    location: spec.location.clone(),
                    message,
                });
            }
        }
    }
    if !assessment.claims.0.is_empty() {
        inputs.push(InputRef {
            kind: InputKind::Claims,
            location: assessment.claims_source.clone(),
            status: InputStatus::Loaded,
            message: Some(format!(
                "{} claim{}",
                assessment.claims.0.len(),
                if assessment.claims.0.len() == 1 {
                    ""
                } else {
                    "s"
                }
            )),
            bytes: None,
            sha256: None,
        });
    }

    let mut results: Vec<CheckResult> =
        analyzers::claims::results(catalog, &assessment.claims, today);
    let (analyzed, hashes) = analyzers::run_all(&loaded, assessment, today, progress);
    for (&at, h) in loaded_at.iter().zip(hashes) {
        if let Some(Ok(hex)) = h {
            inputs[at].sha256 = Some(hex);
        }
    }
    results.extend(analyzed.results);
    // One password hash on several units shows only across images.
    results.extend(iotcheck_firmware::universal_default_password(
        &analyzed.account_hashes,
    ));
    // Known vulnerabilities need the inventory the firmware analyzer found.
    results.extend(analyzers::vulns::results(
        &loaded,
        &analyzed.components,
        today,
    ));
    // A broken input's checks become errors, so its requirements read
    // "could not be completed" rather than "no input".
    for err in &input_errors {
        results.extend(analyzers::error_results(
            catalog
                .checks
                .values()
                .filter(|c| c.inputs.contains(&err.kind))
                .map(|c| c.id.clone()),
            &err.location,
            &format!(
                "{} {} could not be used: {}",
                err.kind.noun(),
                err.location,
                err.message
            ),
            &err.message,
        ));
    }

    let mut given: BTreeSet<InputKind> = assessment.inputs.iter().map(|i| i.kind).collect();
    if !assessment.claims.0.is_empty() {
        given.insert(InputKind::Claims);
    }
    let ctx = Context {
        given,
        implemented: implemented_checks(catalog),
    };
    let decision = decide(catalog, &results, &ctx);
    let contradictions = contradictions(catalog, &assessment.claims, &results);
    let regimes = decision
        .regimes
        .into_iter()
        .filter(|r| options.regimes.is_empty() || options.regimes.iter().any(|id| id == &r.id))
        .collect();

    let informational = results
        .iter()
        .filter(|r| {
            catalog
                .checks
                .get(&r.check)
                .is_some_and(|c| c.informational)
        })
        .cloned()
        .collect();
    let report = Report {
        schema_version: iotcheck_model::SCHEMA_VERSION.to_string(),
        tool: Tool {
            name: "iotcheck".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        assessed_on: today.to_string(),
        product: assessment.product.clone(),
        inputs,
        overall: decision.overall,
        standards: decision.standards,
        contradictions,
        regimes,
        traffic: analyzed.traffic,
        components: analyzed.components,
        services: analyzed.services,
        firmware: analyzed.firmware,
        informational,
    };
    Outcome {
        report,
        input_errors,
    }
}
