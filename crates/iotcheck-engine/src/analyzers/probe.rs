//! Adapter for `iotcheck-probe`: the live hosts in, `probe.*` results out.
//!
//! The first host input probes every host of the assessment in one run, so
//! that a certificate shared by several units is seen; the other host
//! inputs then return nothing of their own. Only hosts the user named (in
//! device.toml or with `--host`) are ever contacted.

use iotcheck_model::{CheckId, CheckResult, Evidence, InputKind, Outcome};
use iotcheck_probe::{CHECKS, probe};
use iotcheck_standards::Analyzer as AnalyzerName;

use super::{Analyzer, Output};
use crate::{Assessment, LoadedInput};

pub(crate) struct Probe;

impl Analyzer for Probe {
    fn name(&self) -> AnalyzerName {
        AnalyzerName::Probe
    }

    fn input_kind(&self) -> InputKind {
        InputKind::Host
    }

    fn checks(&self) -> Vec<CheckId> {
        CHECKS
            .iter()
            .filter_map(|c| CheckId::new(*c).ok())
            .collect()
    }

    fn analyze(
        &self,
        input: &LoadedInput,
        assessment: &Assessment,
        _today: iotcheck_model::Date,
    ) -> Output {
        let hosts: Vec<String> = assessment
            .inputs
            .iter()
            .filter(|i| i.kind == InputKind::Host && i.problem.is_none())
            .map(|i| i.location.clone())
            .collect();
        if hosts.first() != Some(&input.location) {
            return Output::default();
        }
        match probe(&hosts, &assessment.probe) {
            Ok(report) => Output {
                results: report.results,
                ..Output::default()
            },
            Err(e) => Output {
                results: self
                    .checks()
                    .into_iter()
                    .map(|c| {
                        CheckResult::new(
                            c,
                            Outcome::Error,
                            format!("the live probe could not run: {e}"),
                        )
                        .with_input(input.location.clone())
                        .with_evidence(Evidence::Input {
                            input: input.location.clone(),
                            message: e.to_string(),
                        })
                    })
                    .collect(),
                ..Output::default()
            },
        }
    }
}
