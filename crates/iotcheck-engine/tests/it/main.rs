//! The engine on real public data from ../shared/data (see its MANIFEST.md).
//! These tests fail, loudly, when that folder is absent: they never pass
//! silently.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod recognition;

use std::path::PathBuf;

pub fn shared_data() -> PathBuf {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(
        p.join("MANIFEST.md").is_file(),
        "these tests read real public data from {} (the workplace's shared/data), which is absent here",
        p.display()
    );
    p
}
