//! Adapter for `iotcheck-firmware`: an image in, `fw.*` results and the
//! component inventory out.

use iotcheck_firmware::{CHECKS, checks_with_inventory, inventory, unpack};
use iotcheck_model::{CheckId, CheckResult, Date, Evidence, InputKind};
use iotcheck_standards::Analyzer as AnalyzerName;

use super::{Analyzer, Output, check_ids, error_results};
use crate::{Assessment, LoadedInput};

pub(crate) struct Firmware;

impl Firmware {
    fn errors(&self, input: &LoadedInput, message: &str) -> Output {
        Output {
            results: self.error_results(input, message, &[]),
            ..Output::default()
        }
    }

    /// `error` results for every check not in `decided`.
    fn error_results(
        &self,
        input: &LoadedInput,
        message: &str,
        decided: &[CheckResult],
    ) -> Vec<CheckResult> {
        error_results(
            self.checks()
                .into_iter()
                .filter(|c| !decided.iter().any(|r| &r.check == c)),
            &input.location,
            &format!("firmware image could not be analysed: {message}"),
            message,
        )
    }
}

impl Analyzer for Firmware {
    fn name(&self) -> AnalyzerName {
        AnalyzerName::Firmware
    }

    fn input_kind(&self) -> InputKind {
        InputKind::Firmware
    }

    fn checks(&self) -> Vec<CheckId> {
        check_ids(&CHECKS)
    }

    fn analyze(&self, input: &LoadedInput, assessment: &Assessment, _today: Date) -> Output {
        let Some(path) = &input.path else {
            return Output::default();
        };
        let limits = assessment.firmware.limits;
        // The image is unpacked in memory: refuse one larger than the total budget up front.
        if input.bytes > limits.max_total_bytes {
            return self.errors(
                input,
                &format!(
                    "{} bytes is more than the {} bytes an image may have",
                    input.bytes, limits.max_total_bytes
                ),
            );
        }
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => return self.errors(input, &e.to_string()),
        };
        match unpack(&bytes, &input.location, &limits) {
            Ok(image) => {
                let kept = assessment
                    .firmware
                    .extract
                    .as_deref()
                    .map(|dir| iotcheck_firmware::extract::extract(&image, dir));
                let components = inventory(&image);
                let mut results =
                    checks_with_inventory(&image, &assessment.extra_passwords, &components);
                // Nothing (or only the inventory) to judge: say why, so the
                // other requirements read "could not be completed".
                let notes = image
                    .notes
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                let why = if notes.is_empty() {
                    "no root filesystem (with /etc) was found in the image".to_string()
                } else {
                    notes.clone()
                };
                if results.is_empty() {
                    // What was unpacked (and what could not be) still shows.
                    return Output {
                        firmware: vec![summary(&input.location, &image)],
                        ..self.errors(input, &why)
                    };
                }
                if !image.has_root_filesystem() {
                    // A bare archive of binaries: components named, nothing else decidable.
                    let missing = self.error_results(input, &why, &results);
                    results.extend(missing);
                }
                // Notes about regions that could not be unpacked travel with every result.
                if !notes.is_empty() {
                    for r in &mut results {
                        r.evidence.push(Evidence::Input {
                            input: input.location.clone(),
                            message: format!("parts not inspected: {notes}"),
                        });
                    }
                }
                // A tree that could not be kept is said on every result: the
                // user asked for it and will look for it.
                if let Some(Err(e)) = kept {
                    for r in &mut results {
                        r.evidence.push(Evidence::Input {
                            input: input.location.clone(),
                            message: format!("unpacked tree not kept: {e}"),
                        });
                    }
                }
                Output {
                    results,
                    components,
                    firmware: vec![summary(&input.location, &image)],
                    account_hashes: vec![(
                        input.location.clone(),
                        iotcheck_firmware::account_hashes(&image),
                    )],
                    ..Output::default()
                }
            }
            Err(e) => self.errors(input, &e.to_string()),
        }
    }
}

/// How `image` was unpacked, for the report.
fn summary(location: &str, image: &iotcheck_firmware::Image) -> iotcheck_model::FirmwareSummary {
    use iotcheck_firmware::RegionKind;
    iotcheck_model::FirmwareSummary {
        image: location.to_string(),
        entries: image.entries.len() as u64,
        layers: image
            .layers
            .iter()
            .map(|l| iotcheck_model::FirmwareLayer {
                path: l.path.join(" ▸ "),
                format: l.format.to_string(),
                bytes: (l.covered > 0).then_some(l.covered),
                confidence: l.confidence.as_str().to_string(),
            })
            .collect(),
        regions: image
            .regions
            .iter()
            .map(|r| {
                let (kind, layer) = match &r.kind {
                    RegionKind::Container(name) => ("container", Some(name.clone())),
                    RegionKind::HighEntropy => ("high-entropy", None),
                    RegionKind::Padding => ("padding", None),
                    RegionKind::Data => ("data", None),
                };
                iotcheck_model::FirmwareRegion {
                    start: r.start,
                    length: r.len,
                    kind: kind.to_string(),
                    layer,
                    // Two decimals: a reading for a person, stable in snapshots.
                    entropy: (r.entropy * 100.0).round() / 100.0,
                }
            })
            .collect(),
    }
}
