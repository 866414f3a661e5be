//! The analyzers this build runs, behind one interface.
//!
//! Analyzer crates (traffic, firmware, probe, docs, vulns) know nothing of
//! the engine: each adapter here feeds one of them an input and maps what it
//! returns to check results. The claims checks are decided here directly
//! from device.toml.

pub(crate) mod claims;
mod security_txt;
mod traffic;

use std::collections::BTreeSet;

use iotcheck_model::{CheckId, CheckResult, Date, InputKind, Outcome, TrafficSummary};
use iotcheck_standards::{Analyzer as AnalyzerName, Catalog};

use crate::{Assessment, LoadedInput, Progress};

/// What an analyzer returns for one input.
#[derive(Debug, Default)]
pub(crate) struct Output {
    pub results: Vec<CheckResult>,
    pub traffic: Vec<TrafficSummary>,
}

/// One analyzer: which input kind it reads, which checks it decides, and how.
pub(crate) trait Analyzer: Sync {
    fn name(&self) -> AnalyzerName;
    fn input_kind(&self) -> InputKind;
    /// The checks it decides (a subset of its catalog checks: the others
    /// stay "not implemented yet").
    fn checks(&self) -> Vec<CheckId>;
    /// Runs every check of this analyzer on one input. A check that cannot
    /// be completed returns an `error` result; it does not fail the run.
    fn analyze(&self, input: &LoadedInput, assessment: &Assessment, today: Date) -> Output;
}

/// The analyzers of this build. Each analyzer issue adds its adapter here.
fn registry() -> Vec<Box<dyn Analyzer>> {
    vec![
        Box::new(traffic::Traffic),
        Box::new(security_txt::SecurityTxt),
    ]
}

/// Checks some part of this build can decide.
pub(crate) fn implemented(catalog: &Catalog) -> BTreeSet<CheckId> {
    let mut ids: BTreeSet<CheckId> = registry().iter().flat_map(|a| a.checks()).collect();
    ids.extend(
        catalog
            .checks
            .values()
            .filter(|c| c.analyzer == AnalyzerName::Claims)
            .map(|c| c.id.clone()),
    );
    ids
}

/// Runs every analyzer on every input of its kind, in parallel (one thread
/// per pair, bounded by the number of inputs).
pub(crate) fn run_all(
    inputs: &[LoadedInput],
    assessment: &Assessment,
    today: Date,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Output {
    let analyzers = registry();
    let pairs: Vec<(&dyn Analyzer, &LoadedInput)> = analyzers
        .iter()
        .flat_map(|a| {
            inputs
                .iter()
                .filter(|i| i.kind == a.input_kind())
                .map(move |i| (a.as_ref(), i))
        })
        .collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = pairs
            .iter()
            .map(|(a, input)| {
                scope.spawn(move || {
                    progress(Progress::Analyzing {
                        analyzer: a.name().as_str(),
                        input: &input.location,
                    });
                    let results = a.analyze(input, assessment, today);
                    progress(Progress::Done {
                        analyzer: a.name().as_str(),
                        input: &input.location,
                    });
                    results
                })
            })
            .collect();
        let mut all = Output::default();
        for (h, (a, input)) in handles.into_iter().zip(&pairs) {
            let out = h.join().unwrap_or_else(|_| {
                // An analyzer panic is a bug, but it must not lose the
                // other results: every check of that analyzer on that
                // input becomes an error naming the input.
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
                    traffic: Vec::new(),
                }
            });
            all.results.extend(out.results);
            all.traffic.extend(out.traffic);
        }
        all
    })
}
