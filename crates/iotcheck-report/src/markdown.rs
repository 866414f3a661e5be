//! Markdown, for pull requests, tickets and CI summaries.

use std::fmt::Write;

use iotcheck_model::{Outcome, Report, Verdict};

use crate::escape::markdown as m;

fn badge(v: Verdict) -> &'static str {
    match v {
        Verdict::Meets => "✅ meets",
        Verdict::Fails => "❌ fails",
        Verdict::Inconclusive => "⚠️ inconclusive",
        Verdict::NotApplicable => "➖ not applicable",
    }
}

pub(crate) fn render(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# iotcheck report: {}\n", m(&crate::product_line(r)));
    let _ = writeln!(
        s,
        "Assessed on {} with iotcheck {} (report schema {}).\n",
        r.assessed_on,
        m(&r.tool.version),
        r.schema_version
    );
    let _ = writeln!(s, "**Overall: {}**\n", badge(r.overall));
    let _ = writeln!(s, "| standard | verdict |\n|---|---|");
    for st in &r.standards {
        let _ = writeln!(s, "| {} | {} |", m(&st.title), badge(st.verdict));
    }

    let _ = writeln!(s, "\n## Inputs\n\n| kind | input | status |\n|---|---|---|");
    for i in &r.inputs {
        let status = format!("{:?}", i.status).to_lowercase();
        let _ = writeln!(
            s,
            "| {} | {} | {status}: {} |",
            i.kind.as_str(),
            m(&i.location),
            m(i.message.as_deref().unwrap_or(""))
        );
    }

    if !r.informational.is_empty() {
        let _ = writeln!(s, "\n## Also found (informational)\n");
        for res in &r.informational {
            let _ = writeln!(
                s,
                "- `{}` **{}**: {}",
                res.check,
                res.outcome.as_str(),
                m(&res.summary)
            );
            for e in res.evidence.iter().take(5) {
                let _ = writeln!(s, "  - {}", m(&e.locator()));
            }
        }
    }

    if !r.components.is_empty() {
        let _ = writeln!(
            s,
            "\n## Components found in the firmware\n\n| component | version | CPE | where |\n|---|---|---|---|"
        );
        for c in &r.components {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} |",
                m(&c.name),
                m(&c.version),
                m(c.cpe.as_deref().unwrap_or("")),
                m(&c.evidence.first().map(|e| e.locator()).unwrap_or_default())
            );
        }
    }

    for f in &r.firmware {
        let _ = writeln!(
            s,
            "\n## Firmware {} ({} entries)\n\n| layer | format | bytes | confidence |\n|---|---|---|---|",
            m(&f.image),
            f.entries
        );
        for l in &f.layers {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} |",
                m(&l.path),
                m(&l.format),
                l.bytes.map(|b| b.to_string()).unwrap_or_default(),
                m(&l.confidence)
            );
        }
        for g in f.regions.iter().filter(|g| g.kind == "high-entropy") {
            let _ = writeln!(
                s,
                "\nNot inspected: `{:#x}`–`{:#x}` ({} bytes, {:.2} bits/byte: encrypted or compressed).",
                g.start,
                g.start.saturating_add(g.length),
                g.length,
                g.entropy
            );
        }
    }

    if !r.services.is_empty() {
        let _ = writeln!(
            s,
            "\n## Services found on the device\n\n| host | address | port | protocol | TLS | banner |\n|---|---|---|---|---|---|"
        );
        for v in &r.services {
            let _ = writeln!(
                s,
                "| {} | {} | {}/{} | {} | {} | {} |",
                m(&v.host),
                m(&v.address),
                v.port,
                m(&v.transport),
                m(&v.protocol),
                if v.tls { "yes" } else { "no" },
                m(v.banner.as_deref().unwrap_or(""))
            );
        }
    }

    if !r.contradictions.is_empty() {
        let _ = writeln!(s, "\n## Vendor claims contradicted by the evidence\n");
        for c in &r.contradictions {
            let _ = writeln!(
                s,
                "- **{}** ({}): {}",
                m(&c.claim),
                c.requirement,
                m(&c.summary)
            );
            for e in c.evidence.iter().take(5) {
                let _ = writeln!(s, "  - {}", m(&e.locator()));
            }
        }
    }

    for st in &r.standards {
        let _ = writeln!(s, "\n## {} — {}\n", m(&st.title), badge(st.verdict));
        let _ = writeln!(s, "| requirement | verdict | reason |\n|---|---|---|");
        for req in &st.requirements {
            let _ = writeln!(
                s,
                "| **{}** {} | {} | {} |",
                req.id,
                m(&req.title),
                badge(req.verdict),
                m(&req.reason)
            );
        }
        let failing: Vec<_> = st
            .requirements
            .iter()
            .flat_map(|req| req.checks.iter().map(move |c| (req, c)))
            .filter(|(_, c)| c.outcome == Some(Outcome::Fail))
            .collect();
        if !failing.is_empty() {
            let _ = writeln!(s, "\nEvidence:\n");
            for (req, c) in failing {
                for result in c.results.iter().filter(|x| x.outcome == Outcome::Fail) {
                    let _ = writeln!(s, "- {} `{}`: {}", req.id, c.id, m(&result.summary));
                    for e in result.evidence.iter().take(5) {
                        let detail = e
                            .detail()
                            .map(|d| format!(" — {}", m(&d)))
                            .unwrap_or_default();
                        let _ = writeln!(s, "  - {}{detail}", m(&e.locator()));
                    }
                }
            }
        }
    }

    for t in &r.traffic {
        let share = crate::encrypted_share(t);
        let _ = writeln!(
            s,
            "\n## Traffic: {}\n\nDevice {}{}; {share}.\n",
            m(&t.capture),
            m(&t.device_ips.join(", ")),
            if t.device_inferred { " (inferred)" } else { "" }
        );
        let _ = writeln!(
            s,
            "| protocol | class | peer | first frame | bytes |\n|---|---|---|---|---|"
        );
        for f in &t.flows {
            let name = f
                .peer_name
                .as_deref()
                .map(|n| format!(" ({})", m(n)))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "| {} | {} | {}:{}{name} | {} | {} |",
                m(&f.protocol),
                f.class,
                m(&f.peer),
                f.peer_port,
                f.first_frame,
                f.bytes
            );
        }
        for n in &t.notes {
            let _ = writeln!(s, "\nNote: {}", m(n));
        }
    }

    for regime in &r.regimes {
        let _ = writeln!(s, "\n## {}\n\n{}\n", m(&regime.short), m(&regime.title));
        let _ = writeln!(
            s,
            "| provision | paraphrase | verdict | requirements |\n|---|---|---|---|"
        );
        for p in &regime.provisions {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} |",
                m(&p.id),
                m(&p.title),
                badge(p.verdict),
                p.requirements.join(", ")
            );
        }
    }
    s
}
