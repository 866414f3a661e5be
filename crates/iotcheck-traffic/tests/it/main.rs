//! The traffic analyzer on real captures: the example bundle's recorded
//! capture (made here with real programs), and public captures from
//! ../shared/data (read from there; these tests fail loudly when it is absent).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod example;
mod fixtures;
mod properties;
mod protocols;
mod robustness;
mod sentinel;

use std::path::{Path, PathBuf};

use iotcheck_model::{CheckResult, Outcome};
use iotcheck_traffic::{Analysis, DeviceSpec, Limits, analyze_path, checks};

pub fn shared(rel: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(
        root.join("MANIFEST.md").is_file(),
        "these tests read public captures from {} (shared/data), which is absent",
        root.display()
    );
    root.join(rel)
}

pub fn analyze(path: &Path, device: &DeviceSpec) -> Analysis {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    analyze_path(path, &name, device, &Limits::default()).unwrap_or_else(|e| panic!("{e}"))
}

pub fn result<'a>(results: &'a [CheckResult], check: &str) -> Option<&'a CheckResult> {
    results.iter().find(|r| r.check.as_str() == check)
}

pub fn outcome(results: &[CheckResult], check: &str) -> Option<Outcome> {
    result(results, check).map(|r| r.outcome)
}

pub fn run(rel: &str) -> (Analysis, Vec<CheckResult>) {
    let a = analyze(&shared(rel), &DeviceSpec::default());
    let r = checks(&a);
    (a, r)
}
