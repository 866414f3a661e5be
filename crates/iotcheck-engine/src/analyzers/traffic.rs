//! Adapter for `iotcheck-traffic`: a capture in, `comms.*` results out.

use iotcheck_model::{CheckId, InputKind};
use iotcheck_standards::Analyzer as AnalyzerName;
use iotcheck_traffic::{CHECKS, DeviceSpec, Limits, analyze_path, checks};

use super::{Analyzer, Output, check_ids, error_results};
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
        check_ids(&CHECKS)
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
                results: error_results(
                    self.checks(),
                    &input.location,
                    &format!("capture could not be analysed: {e}"),
                    &e.to_string(),
                ),
                ..Output::default()
            },
        }
    }
}
