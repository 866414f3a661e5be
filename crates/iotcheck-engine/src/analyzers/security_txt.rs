//! Adapter for `iotcheck-docs`: a security.txt in, `docs.security-txt-valid` out.

use iotcheck_docs::{SECURITY_TXT_VALID, check_security_txt_with_options};
use iotcheck_model::{CheckId, Date, InputKind};
use iotcheck_standards::Analyzer as AnalyzerName;

use super::{Analyzer, Output, error_results};
use crate::{Assessment, LoadedInput};

pub(crate) struct SecurityTxt;

impl Analyzer for SecurityTxt {
    fn name(&self) -> AnalyzerName {
        AnalyzerName::Docs
    }

    fn input_kind(&self) -> InputKind {
        InputKind::SecurityTxt
    }

    fn checks(&self) -> Vec<CheckId> {
        CheckId::new(SECURITY_TXT_VALID).into_iter().collect()
    }

    fn analyze(&self, input: &LoadedInput, assessment: &Assessment, today: Date) -> Output {
        let Some(path) = &input.path else {
            return Output::default();
        };
        // The loader has already refused files over the security.txt size cap.
        let results = match std::fs::read(path) {
            Ok(bytes) => check_security_txt_with_options(
                &bytes,
                &input.location,
                today,
                &assessment.security_txt,
            ),
            Err(e) => error_results(
                self.checks(),
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
}
