//! Adapters for the vendor's policies (`iotcheck-docs`): a privacy policy
//! decides the privacy-practice checks, a disclosure policy
//! `docs.disclosure-policy`.

use iotcheck_docs::disclosure::{DISCLOSURE_POLICY, check_disclosure_policy};
use iotcheck_docs::privacy::{
    POLICY_HTTPS, PRIVACY_CHECKS, check_policy_https, check_privacy_policy,
};
use iotcheck_docs::text::Limits;
use iotcheck_model::{CheckId, Date, InputKind};
use iotcheck_standards::Analyzer as AnalyzerName;

use super::{Analyzer, Output, check_ids, read_and};
use crate::{Assessment, LoadedInput};

pub(crate) struct PrivacyPolicy;
pub(crate) struct DisclosurePolicy;

impl Analyzer for PrivacyPolicy {
    fn name(&self) -> AnalyzerName {
        AnalyzerName::Docs
    }

    fn input_kind(&self) -> InputKind {
        InputKind::PrivacyPolicy
    }

    fn checks(&self) -> Vec<CheckId> {
        let mut ids = check_ids(&PRIVACY_CHECKS);
        ids.extend(check_ids(&[POLICY_HTTPS]));
        ids
    }

    fn analyze(&self, input: &LoadedInput, assessment: &Assessment, _today: Date) -> Output {
        let mut out = read_and(input, check_ids(&PRIVACY_CHECKS), |bytes| {
            check_privacy_policy(bytes, &input.location, &limits(assessment))
        });
        // Only a policy iotcheck fetched itself says how it is served.
        if let Some(p) = assessment.policy_provenance.get(&input.location) {
            out.results.push(check_policy_https(p));
        }
        out
    }
}

impl Analyzer for DisclosurePolicy {
    fn name(&self) -> AnalyzerName {
        AnalyzerName::Docs
    }

    fn input_kind(&self) -> InputKind {
        InputKind::DisclosurePolicy
    }

    fn checks(&self) -> Vec<CheckId> {
        check_ids(&[DISCLOSURE_POLICY])
    }

    fn analyze(&self, input: &LoadedInput, assessment: &Assessment, _today: Date) -> Output {
        read_and(input, self.checks(), |bytes| {
            check_disclosure_policy(bytes, &input.location, &limits(assessment))
        })
    }
}

fn limits(assessment: &Assessment) -> Limits {
    Limits {
        pdf_helper: assessment.pdf_helper.clone(),
        ..Limits::default()
    }
}
