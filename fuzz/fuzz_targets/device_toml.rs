//! device.toml from an untrusted bundle: parsing and validation must never
//! panic, and every error must name the file and a line inside it.
#![no_main]

use iotcheck_engine::{Assessment, BundleError};
use iotcheck_standards::Catalog;
use libfuzzer_sys::fuzz_target;

static CATALOG: std::sync::LazyLock<Catalog> = std::sync::LazyLock::new(|| Catalog::builtin().expect("built-in catalog"));

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let catalog = &*CATALOG;
    if let Err(BundleError::Invalid { file, line, .. }) = Assessment::check_device_toml("device.toml", text, catalog) {
        assert_eq!(file, "device.toml");
        assert!(line >= 1 && line <= text.matches('\n').count() + 1, "line {line} outside the file");
    }
});
