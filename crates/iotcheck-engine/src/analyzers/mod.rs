//! The analyzers this build runs, behind one interface.
//!
//! Analyzer crates (traffic, firmware, probe, docs, vulns) know nothing of
//! the engine: each adapter here feeds one of them an input and maps what it
//! returns to check results. The claims checks are decided here directly
//! from device.toml.

pub(crate) mod claims;
mod documents;
mod firmware;
mod probe;
mod security_txt;
mod traffic;
pub(crate) mod vulns;

use std::collections::BTreeSet;

use iotcheck_model::{
    CheckId, CheckResult, Component, Date, FirmwareSummary, InputKind, Outcome, ServiceRow,
    TrafficSummary,
};
use iotcheck_standards::{Analyzer as AnalyzerName, Catalog};

use crate::{Assessment, LoadedInput, Progress};

/// What an analyzer returns for one input.
#[derive(Debug, Default)]
pub(crate) struct Output {
    pub results: Vec<CheckResult>,
    pub traffic: Vec<TrafficSummary>,
    /// Software components identified (firmware inventory).
    pub components: Vec<Component>,
    /// Services the live probe found.
    pub services: Vec<ServiceRow>,
    /// How each firmware image was unpacked.
    pub firmware: Vec<FirmwareSummary>,
    /// Each firmware image's account password hashes (as digests), for
    /// the check that compares images.
    pub account_hashes: Vec<(String, Vec<iotcheck_firmware::AccountHash>)>,
    /// The input's SHA-256, from an analyzer that reads its input whole
    /// ([`Analyzer::fingerprints`]).
    pub fingerprint: Option<Result<String, String>>,
}

/// Check ids from an analyzer crate's list of constants.
pub(crate) fn check_ids(ids: &[&str]) -> Vec<CheckId> {
    ids.iter().filter_map(|c| CheckId::new(*c).ok()).collect()
}

/// An `error` result for each check, naming the input, with the reason as
/// its evidence: what every adapter returns when its input cannot be used.
pub(crate) fn error_results(
    checks: impl IntoIterator<Item = CheckId>,
    input: &str,
    summary: &str,
    reason: &str,
) -> Vec<CheckResult> {
    checks
        .into_iter()
        .map(|c| {
            CheckResult::new(c, Outcome::Error, summary)
                .with_input(input.to_string())
                .with_evidence(iotcheck_model::Evidence::Input {
                    input: input.to_string(),
                    message: reason.to_string(),
                })
        })
        .collect()
}

/// Reads the input and decides with `decide`, or answers `error` for every
/// check when the file cannot be read.
pub(crate) fn read_and(
    input: &LoadedInput,
    checks: Vec<CheckId>,
    decide: impl FnOnce(&[u8]) -> Vec<CheckResult>,
) -> Output {
    let Some(path) = &input.path else {
        return Output::default();
    };
    // The loader has already refused files over their kind's size cap.
    let results = match std::fs::read(path) {
        Ok(bytes) => decide(&bytes),
        Err(e) => error_results(
            checks,
            &input.location,
            &format!("cannot read {}: {e}", input.location),
            &e.to_string(),
        ),
    };
    Output {
        results,
        ..Output::default()
    }
}

/// One analyzer: which input kind it reads, which checks it decides, and how.
pub(crate) trait Analyzer: Sync {
    fn name(&self) -> AnalyzerName;
    fn input_kind(&self) -> InputKind;
    /// The checks it decides (a subset of its catalog checks: the others
    /// stay "not implemented yet").
    fn checks(&self) -> Vec<CheckId>;
    /// Whether `analyze` reads its input once from start to end and
    /// returns its SHA-256 in [`Output::fingerprint`], so the input is not
    /// read a second time to fingerprint it.
    fn fingerprints(&self) -> bool {
        false
    }
    /// Runs every check of this analyzer on one input. A check that cannot
    /// be completed returns an `error` result; it does not fail the run.
    fn analyze(&self, input: &LoadedInput, assessment: &Assessment, today: Date) -> Output;
}

/// The analyzers of this build. Each analyzer issue adds its adapter here.
fn registry() -> Vec<Box<dyn Analyzer>> {
    vec![
        Box::new(traffic::Traffic),
        Box::new(firmware::Firmware),
        Box::new(security_txt::SecurityTxt),
        Box::new(documents::PrivacyPolicy),
        Box::new(documents::DisclosurePolicy),
        Box::new(probe::Probe),
    ]
}

/// Checks some part of this build can decide.
pub(crate) fn implemented(catalog: &Catalog) -> BTreeSet<CheckId> {
    let mut ids: BTreeSet<CheckId> = registry().iter().flat_map(|a| a.checks()).collect();
    ids.extend(vulns::checks());
    ids.extend(
        catalog
            .checks
            .values()
            .filter(|c| c.analyzer == AnalyzerName::Claims)
            .map(|c| c.id.clone()),
    );
    ids
}

/// One unit of work.
enum Job<'a> {
    /// One analyzer on input `i`.
    Analyze(usize, &'a dyn Analyzer, &'a LoadedInput),
    /// The SHA-256 of input `i`.
    Hash(usize, &'a std::path::Path),
}

enum Done {
    Analyzed(usize, Output),
    Hashed(usize, Result<String, String>),
}

/// Runs every analyzer on every input of its kind and fingerprints every
/// file input, on a pool of as many workers as the machine has cores: the
/// work (and the memory each analyzer may hold, see its `Limits`) is
/// bounded by the core count, not by the number of inputs. An input whose
/// analyzer reads it whole is fingerprinted by that analyzer in the same
/// pass; any other input's fingerprint is queued right after its analysis.
/// Returns the merged output and the
/// fingerprint of each input (by index), in a deterministic order.
pub(crate) fn run_all(
    inputs: &[LoadedInput],
    assessment: &Assessment,
    today: Date,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> (Output, Vec<Option<Result<String, String>>>) {
    let analyzers = registry();
    let mut jobs: Vec<Job<'_>> = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let mut fingerprinted = false;
        for a in analyzers.iter().filter(|a| a.input_kind() == input.kind) {
            jobs.push(Job::Analyze(i, a.as_ref(), input));
            fingerprinted |= a.fingerprints();
        }
        if let Some(path) = &input.path
            && !fingerprinted
        {
            jobs.push(Job::Hash(i, path));
        }
    }
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(jobs.len())
        .max(1);
    let queue = std::sync::Mutex::new(
        jobs.into_iter()
            .enumerate()
            .collect::<std::collections::VecDeque<_>>(),
    );
    let done = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().map_or(None, |mut q| q.pop_front());
                    let Some((n, job)) = next else { break };
                    let out = match job {
                        Job::Hash(i, path) => Done::Hashed(i, crate::input::sha256_of(path)),
                        Job::Analyze(i, a, input) => {
                            Done::Analyzed(i, analyze_one(a, input, assessment, today, progress))
                        }
                    };
                    if let Ok(mut d) = done.lock() {
                        d.push((n, out));
                    }
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_default();
    done.sort_by_key(|(n, _)| *n);
    let mut all = Output::default();
    let mut hashes = vec![None; inputs.len()];
    for (_, d) in done {
        match d {
            Done::Analyzed(i, out) => {
                if let Some(h) = out.fingerprint {
                    hashes[i] = Some(h);
                }
                all.results.extend(out.results);
                all.traffic.extend(out.traffic);
                all.components.extend(out.components);
                all.services.extend(out.services);
                all.firmware.extend(out.firmware);
                all.account_hashes.extend(out.account_hashes);
            }
            Done::Hashed(i, h) => hashes[i] = Some(h),
        }
    }
    // An analyzer that fingerprints its input but crashed (its output is
    // the error results `analyze_one` makes) left no digest: take it here.
    for (i, input) in inputs.iter().enumerate() {
        if let (None, Some(path)) = (&hashes[i], &input.path) {
            hashes[i] = Some(crate::input::sha256_of(path));
        }
    }
    (all, hashes)
}

/// One analyzer on one input. An analyzer panic is a bug, but it must not
/// lose the other results: every check of that analyzer on that input
/// becomes an error naming the input.
fn analyze_one(
    a: &dyn Analyzer,
    input: &LoadedInput,
    assessment: &Assessment,
    today: Date,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Output {
    progress(Progress::Analyzing {
        analyzer: a.name().as_str(),
        input: &input.location,
    });
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        a.analyze(input, assessment, today)
    }))
    .unwrap_or_else(|_| {
        let results = a
            .checks()
            .into_iter()
            .map(|c| {
                CheckResult::new(
                    c,
                    Outcome::Error,
                    format!(
                        "the {} analyzer crashed on {}",
                        a.name().as_str(),
                        input.location
                    ),
                )
                .with_input(input.location.clone())
            })
            .collect();
        Output {
            results,
            ..Output::default()
        }
    });
    progress(Progress::Done {
        analyzer: a.name().as_str(),
        input: &input.location,
    });
    out
}
