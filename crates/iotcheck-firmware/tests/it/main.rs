//! Integration tests for iotcheck-firmware: the example image, a clean image
//! built here with mksquashfs, real samples from ../shared/data (read from
//! there, never copied; these tests fail loudly when it is absent),
//! adversarial inputs and properties.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adversarial;
mod archives;
mod clean;
mod containers;
mod entropy;
mod example;
mod extract;
mod filesystems;
mod inventory;
mod nested;
mod props;
mod sbom;
mod services;
mod shared;
mod squashfs;
mod squashfs3;
mod trx;
mod ubi;
mod universal;
mod update;
mod verified_boot;
mod yaffs2;

use std::path::{Path, PathBuf};

use iotcheck_firmware::{Image, Limits, unpack};
use iotcheck_model::{CheckResult, Evidence, Outcome};

pub const EXAMPLE: &str = "acme-cam2-1.4.2.bin";

pub fn example_bytes() -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/acme-cam/firmware")
        .join(EXAMPLE);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// `../shared/data/<rel>`, or a panic saying it is missing: these tests
/// must fail, not pass vacuously, without the shared data.
pub fn shared(rel: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    let p = root.join(rel);
    assert!(
        p.exists(),
        "shared test data missing: expected {} (see shared/data/MANIFEST.md); \
         these tests read real firmware samples from there and cannot run without them",
        p.display()
    );
    p
}

pub fn read_shared(rel: &str) -> Vec<u8> {
    let p = shared(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

pub fn unpack_ok(bytes: &[u8], name: &str) -> Image {
    unpack(bytes, name, &Limits::default()).unwrap_or_else(|e| panic!("{e}"))
}

pub fn result<'a>(results: &'a [CheckResult], check: &str) -> &'a CheckResult {
    results
        .iter()
        .find(|r| r.check.as_str() == check)
        .unwrap_or_else(|| panic!("no {check} result in {results:#?}"))
}

/// `(path, offset, excerpt)` of each file evidence.
pub fn files(r: &CheckResult) -> Vec<(Vec<String>, u64, String)> {
    r.evidence
        .iter()
        .map(|e| match e {
            Evidence::File {
                path,
                offset,
                excerpt,
                ..
            } => (path.clone(), offset.unwrap(), excerpt.clone().unwrap()),
            other => panic!("unexpected evidence {other:?}"),
        })
        .collect()
}

pub fn path(inner: &str) -> Vec<String> {
    vec!["uImage@0x0".into(), "squashfs@0x40".into(), inner.into()]
}

pub fn assert_outcome(r: &CheckResult, o: Outcome) {
    assert_eq!(
        r.outcome, o,
        "{}: {}\n{:#?}",
        r.check, r.summary, r.evidence
    );
}

/// Passwords of the Mirai default-credential list (`user password` lines).
pub fn mirai_passwords() -> Vec<String> {
    let text = String::from_utf8(read_shared("credentials/seclists/mirai-botnet.txt")).unwrap();
    let mut out: Vec<String> = text
        .lines()
        .filter_map(|l| l.split_once(char::is_whitespace))
        .map(|(_, p)| p.trim().to_string())
        .collect();
    out.sort();
    out.dedup();
    assert!(out.len() > 20, "the Mirai list looks wrong: {out:?}");
    out
}

/// Runs a fixture tool, failing (never skipping) with the Debian package to
/// install when it is missing.
pub fn run_tool(cmd: &str, args: &[&str], package: &str) {
    let out = std::process::Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{cmd} is needed to build this test's fixture: apt-get install {package} ({e})")
        });
    assert!(
        out.status.success(),
        "{cmd} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes `root/rel`, creating its directories.
pub fn write(root: &Path, rel: &str, data: impl AsRef<[u8]>) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}
