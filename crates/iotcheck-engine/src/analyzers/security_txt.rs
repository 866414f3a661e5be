//! Adapter for `iotcheck-docs`: a security.txt in, `docs.security-txt-valid` out.

use iotcheck_docs::{SECURITY_TXT_VALID, check_security_txt_with_options};
use iotcheck_model::{CheckId, Date, InputKind};
use iotcheck_standards::Analyzer as AnalyzerName;

use super::{Analyzer, Output, read_and};
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
        read_and(input, self.checks(), |bytes| {
            check_security_txt_with_options(bytes, &input.location, today, &assessment.security_txt)
        })
    }
}
