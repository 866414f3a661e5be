//! Adapter for `iotcheck-traffic`: a capture in, `comms.*` results out.

use iotcheck_model::{CheckId, InputKind};
use iotcheck_standards::Analyzer as AnalyzerName;
use iotcheck_traffic::{CHECKS, DeviceSpec, Limits, analyze_stream, checks};

use super::{Analyzer, Output, check_ids, error_results};
use crate::input::HashingReader;
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

    fn fingerprints(&self) -> bool {
        true
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
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => {
                return Output {
                    results: error_results(
                        self.checks(),
                        &input.location,
                        &format!("cannot read {}: {e}", input.location),
                        &e.to_string(),
                    ),
                    fingerprint: Some(Err(e.to_string())),
                    ..Output::default()
                };
            }
        };
        // One pass: the capture is fingerprinted as it is analysed.
        let mut reader = HashingReader::new(file);
        let analysed = analyze_stream(&mut reader, &input.location, &device, &Limits::default());
        let fingerprint = Some(reader.finish());
        match analysed {
            Ok(analysis) => Output {
                results: checks(&analysis),
                traffic: vec![analysis.summary()],
                fingerprint,
                ..Output::default()
            },
            Err(e) => Output {
                results: error_results(
                    self.checks(),
                    &input.location,
                    &format!("capture could not be analysed: {e}"),
                    &e.to_string(),
                ),
                fingerprint,
                ..Output::default()
            },
        }
    }
}
