//! `docs/CHECKS.md`, generated from the catalog so it cannot drift.

use std::fmt::Write;

use crate::{Catalog, Decide};

/// The Markdown reference of every standard, requirement, check, claim and
/// regime mapping.
pub fn render_checks_md(c: &Catalog) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# iotcheck checks and requirements\n");
    let _ = writeln!(
        s,
        "Generated from `crates/iotcheck-standards/catalogs/` by `iotcheck standards checks-md`; \
         a test fails when this file is stale. Do not edit by hand.\n"
    );
    let _ = writeln!(s, "Primary catalog: **{}** ({}).\n", c.title, c.source);
    let _ = writeln!(s, "## How verdicts are decided\n");
    let _ = writeln!(
        s,
        "- A failing check fails its requirement, whatever else is known.\n\
         - A check that could not be completed (`error`, e.g. an unreadable input) leaves the requirement `inconclusive`.\n\
         - `any`: one passing check meets the requirement (evidence from one source is enough). \
         `all`: every check must pass or not apply. A check marked *(can only fail)* fails the requirement when it fails, \
         but its pass does not meet it: it sees only part of what the requirement asks.\n\
         - A requirement that no check could run on is `inconclusive`; the reason names the input that would settle it, \
         or that no analyzer implements its checks yet. It never meets by default.\n\
         - A standard takes its worst requirement, the product its worst standard \
         (`fails` > `inconclusive` > `meets` > `not_applicable`).\n\
         - A vendor claim (device.toml `[claims]`) that a failing check contradicts is reported as a finding of its own.\n"
    );
    let _ = writeln!(s, "## Standards and requirements\n");
    for st in &c.standards {
        let _ = writeln!(s, "### {} (`{}`)\n\n{}\n", st.title, st.id, st.description);
        let _ = writeln!(
            s,
            "| requirement | decided by | checks | other regimes |\n|---|---|---|---|"
        );
        for r in &st.requirements {
            let checks = r
                .checks
                .iter()
                .map(|c| {
                    if r.fail_only.contains(c) {
                        format!("`{c}` *(can only fail)*")
                    } else {
                        format!("`{c}`")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            let provisions = c.provisions_of(&r.id).join(", ");
            let decide = match r.decide {
                Decide::Any => "any",
                Decide::All => "all",
            };
            let _ = writeln!(
                s,
                "| **{}** {} | {decide} | {checks} | {provisions} |",
                r.id, r.title
            );
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "## Checks\n");
    let _ = writeln!(
        s,
        "| check | analyzer | inputs | what it decides |\n|---|---|---|---|"
    );
    for spec in c.checks.values() {
        let inputs = spec
            .inputs
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(" + ");
        let note = if spec.informational {
            " *(informational: decides no requirement)*"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "| `{}` {} | {} | {inputs} | {}{note} |",
            spec.id,
            spec.title,
            spec.analyzer.as_str(),
            spec.description
        );
    }
    let _ = writeln!(s, "\n## Vendor claims (`device.toml` `[claims]`)\n");
    let _ = writeln!(
        s,
        "| key | type | requirement | check | contradicted by |\n|---|---|---|---|---|"
    );
    for cl in &c.claims {
        let check = cl
            .check
            .as_ref()
            .map_or("—".to_string(), |c| format!("`{c}`"));
        let contra = if cl.contradicted_by.is_empty() {
            "—".to_string()
        } else {
            cl.contradicted_by
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {check} | {contra} |",
            cl.key,
            cl.ty.as_str(),
            cl.requirement
        );
    }
    for regime in &c.regimes {
        let _ = writeln!(
            s,
            "\n## {} (`{}`)\n\n{} — <{}>. Titles are paraphrases, not the regime's text.\n",
            regime.short, regime.id, regime.title, regime.url
        );
        let _ = writeln!(
            s,
            "| provision | paraphrase | iotcheck requirements |\n|---|---|---|"
        );
        for p in &regime.provisions {
            let _ = writeln!(
                s,
                "| {} | {} | {} |",
                p.id,
                p.title,
                p.requirements.join(", ")
            );
        }
    }
    s
}
