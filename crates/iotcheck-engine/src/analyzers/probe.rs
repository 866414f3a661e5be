//! Adapter for `iotcheck-probe`: the live hosts in, `probe.*` results out.
//!
//! The first host input probes every host of the assessment in one run, so
//! that a certificate shared by several units is seen; the other host
//! inputs then return nothing of their own. Only hosts the user named (in
//! device.toml or with `--host`) are ever contacted.

use iotcheck_model::{CheckId, InputKind, ServiceRow};
use iotcheck_probe::{CHECKS, probe};
use iotcheck_standards::Analyzer as AnalyzerName;

use super::{Analyzer, Output, check_ids, error_results};
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
        check_ids(CHECKS)
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
                services: report.services.iter().map(row).collect(),
                results: report.results,
                ..Output::default()
            },
            Err(e) => Output {
                results: error_results(
                    self.checks(),
                    &input.location,
                    &format!("the live probe could not run: {e}"),
                    &e.to_string(),
                ),
                ..Output::default()
            },
        }
    }
}

/// The report's row for one service the probe found.
fn row(s: &iotcheck_probe::Service) -> ServiceRow {
    ServiceRow {
        host: s.host.clone(),
        address: s.addr.to_string(),
        port: s.port,
        transport: match s.transport {
            iotcheck_probe::Transport::Tcp => "tcp",
            iotcheck_probe::Transport::Udp => "udp",
        }
        .to_string(),
        protocol: s.protocol.name().to_string(),
        banner: s.banner.clone(),
        tls: s.protocol.is_tls(),
    }
}
