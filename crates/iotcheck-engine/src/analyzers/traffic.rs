//! Adapter for `iotcheck-traffic`: a capture in, `comms.*` results out.

use iotcheck_model::{CheckId, CheckResult, Evidence, InputKind, Outcome};
use iotcheck_standards::Analyzer as AnalyzerName;
use iotcheck_traffic::{CHECKS, DeviceSpec, Limits, analyze_path, checks};

use super::{Analyzer, Output};
use crate::{Assessment, LoadedInput};

pub(crate) struct Traffic;

impl Analyzer for Traffic {
    fn name(&self) -> AnalyzerName {
        AnalyzerName::Traffic
    }

    fn input_kind(&self) -> InputKind {
        InputKind::Capture
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
        let device = DeviceSpec {
            macs: assessment
                .device
                .mac
                .iter()
                .filter_map(|m| DeviceSpec::parse_mac(m))
                .collect(),
            ips: assessment.device.ip.clone(),
        };
        let Some(path) = &input.path else {
            return Output::default();
        };
        match analyze_path(path, &input.location, &device, &Limits::default()) {
            Ok(analysis) => Output {
                results: checks(&analysis),
                traffic: vec![analysis.summary()],
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
                            format!("capture could not be analysed: {e}"),
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
