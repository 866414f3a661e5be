//! `fw.component-inventory`: whether named, versioned components could be
//! identified in the image (the basis of an SBOM and of vulnerability
//! matching). Passes with one evidence item per component (where its version
//! string is); fails when a root filesystem was inspected and nothing could
//! be named; says nothing when no filesystem could be read (the caller's
//! error path: an image iotcheck cannot open proves nothing).

use iotcheck_model::{CheckResult, Component, Outcome};

use super::{COMPONENT_INVENTORY, MAX_EVIDENCE, id};

/// The result for `components` found in `image_name`; `None` when there is
/// nothing to decide (no components and no root filesystem).
pub(crate) fn check(
    image_name: &str,
    components: &[Component],
    root_filesystem: bool,
) -> Option<CheckResult> {
    if components.is_empty() {
        return root_filesystem.then(|| {
            CheckResult::new(
                id(COMPONENT_INVENTORY),
                Outcome::Fail,
                "the root filesystem was inspected but no named, versioned component \
                 (BusyBox, OpenSSL, Dropbear, the kernel, package metadata, …) could be identified",
            )
            .with_input(image_name)
        });
    }
    let names: Vec<String> = components
        .iter()
        .map(|c| format!("{} {}", c.name, c.version))
        .collect();
    let shown = names.iter().take(8).cloned().collect::<Vec<_>>().join(", ");
    let more = names.len().saturating_sub(8);
    let n = components.len();
    let plural = if n == 1 { "" } else { "s" };
    let summary = if more > 0 {
        format!("{n} component{plural} identified: {shown} and {more} more")
    } else {
        format!("{n} component{plural} identified: {shown}")
    };
    let mut r =
        CheckResult::new(id(COMPONENT_INVENTORY), Outcome::Pass, summary).with_input(image_name);
    for c in components.iter().take(MAX_EVIDENCE) {
        if let Some(e) = c.evidence.first() {
            r = r.with_evidence(e.clone());
        }
    }
    Some(r)
}
