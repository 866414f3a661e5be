//! Adapter for `iotcheck-vulns`: the inventory the firmware analyzer found,
//! matched against the vulnerability database given as an input.
//!
//! Runs after the per-input analyzers (it needs their components). Per
//! firmware image: the components found in it, its `vulns.*` results.
//! Without a database only `vulns.end-of-life` is decided (it needs none);
//! the other two stay "not run", naming the database as the missing input.

use iotcheck_model::{CheckId, CheckResult, Component, Date, Evidence, InputKind};
use iotcheck_vulns::{CHECKS, Database, Options};

use crate::LoadedInput;

/// The checks this adapter decides.
pub(crate) fn checks() -> Vec<CheckId> {
    super::check_ids(&CHECKS)
}

fn image_of(c: &Component) -> Option<&str> {
    c.evidence.iter().find_map(|e| match e {
        Evidence::File { image, .. } => Some(image.as_str()),
        _ => None,
    })
}

/// The `vulns.*` results for every firmware input.
pub(crate) fn results(
    inputs: &[LoadedInput],
    components: &[Component],
    today: Date,
) -> Vec<CheckResult> {
    let firmware: Vec<&LoadedInput> = inputs
        .iter()
        .filter(|i| i.kind == InputKind::Firmware)
        .collect();
    if firmware.is_empty() {
        return Vec::new();
    }
    let db_input = inputs.iter().find(|i| i.kind == InputKind::VulnerabilityDb);
    let db = match db_input.and_then(|i| i.path.as_ref().map(|p| (i, p))) {
        None => None,
        Some((input, path)) => match Database::open(path) {
            Ok(db) => Some(db),
            Err(e) => {
                // The database is unusable: its checks are errors; end of life still runs.
                let mut out = super::error_results(
                    super::check_ids(&["vulns.known-exploited", "vulns.unpatched-high"]),
                    &input.location,
                    &format!("vulnerability database: {e}"),
                    &e.to_string(),
                );
                for fw in &firmware {
                    let mine = of_image(components, &fw.location);
                    out.extend(
                        iotcheck_vulns::checks(
                            &mine,
                            None,
                            today,
                            &Options::default(),
                            &fw.location,
                        )
                        .into_iter()
                        .filter(|r| r.check.as_str() == "vulns.end-of-life"),
                    );
                }
                return out;
            }
        },
    };
    let mut out = Vec::new();
    for fw in &firmware {
        let mine = of_image(components, &fw.location);
        let mut rs =
            iotcheck_vulns::checks(&mine, db.as_ref(), today, &Options::default(), &fw.location);
        if db.is_none() {
            // Without a database the other two checks did not run: leave them out.
            rs.retain(|r| r.check.as_str() == "vulns.end-of-life");
        }
        out.extend(rs);
    }
    out
}

fn of_image(components: &[Component], image: &str) -> Vec<Component> {
    components
        .iter()
        .filter(|c| image_of(c) == Some(image))
        .cloned()
        .collect()
}
