//! Terminal text: the five verdicts first, then per requirement the reason,
//! and for failures the evidence a person can check.

use std::fmt::Write;

use iotcheck_model::{CheckEntry, Evidence, InputStatus, Outcome, Report, Verdict};

use crate::escape::terminal as t;

const MAX_EVIDENCE: usize = 5;
/// Layers listed per firmware image (the JSON report has them all).
const MAX_LAYERS: usize = 20;

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    fn verdict(&self, v: Verdict) -> String {
        let word = v.as_str().replace('_', " ");
        let padded = format!("{word:<14}");
        match v {
            Verdict::Meets => self.paint("32", &padded),
            Verdict::Fails => self.paint("1;31", &padded),
            Verdict::Inconclusive => self.paint("33", &padded),
            Verdict::NotApplicable => self.dim(&padded),
        }
    }
}

pub(crate) fn render(r: &Report, color: bool) -> String {
    let st = Style { color };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}",
        st.bold(&format!(
            "iotcheck {} — {}",
            r.tool.version,
            t(&crate::product_line(r))
        ))
    );
    let _ = writeln!(s, "{}", st.dim(&format!("assessed on {}", r.assessed_on)));
    let _ = writeln!(s, "\nInputs");
    if r.inputs.is_empty() {
        let _ = writeln!(s, "  (none)");
    }
    for i in &r.inputs {
        let mark = match i.status {
            InputStatus::Loaded => st.paint("32", "ok   "),
            InputStatus::Error => st.paint("1;31", "ERROR"),
        };
        let size = i.bytes.map(|b| format!(", {b} bytes")).unwrap_or_default();
        let _ = writeln!(
            s,
            "  {mark} {:<18} {}  {}{size}",
            i.kind.as_str(),
            t(&i.location),
            st.dim(&t(i.message.as_deref().unwrap_or("")))
        );
    }

    let _ = writeln!(
        s,
        "\n{} {}",
        st.bold("Overall:"),
        st.verdict(r.overall).trim_end()
    );
    for std in &r.standards {
        let _ = writeln!(s, "\n{} {}", st.verdict(std.verdict), st.bold(&std.title));
        for req in &std.requirements {
            let _ = writeln!(
                s,
                "  {} {:<6} {}",
                st.verdict(req.verdict),
                req.id,
                req.title
            );
            if req.verdict != Verdict::Fails {
                let _ = writeln!(s, "  {:<14} {:<6} {}", "", "", st.dim(&t(&req.reason)));
            } else {
                for entry in req
                    .checks
                    .iter()
                    .filter(|c| c.outcome == Some(Outcome::Fail))
                {
                    write_evidence(&mut s, &st, entry);
                }
            }
        }
    }

    if !r.informational.is_empty() {
        let _ = writeln!(s, "\n{}", st.bold("Also found (informational)"));
        for res in &r.informational {
            let mark = match res.outcome {
                Outcome::Pass => st.paint("32", "✓"),
                Outcome::Fail => st.paint("1;31", "✗"),
                _ => st.paint("33", "?"),
            };
            let _ = writeln!(s, "  {mark} {}: {}", res.check, t(&res.summary));
            for e in res.evidence.iter().take(MAX_EVIDENCE) {
                let _ = writeln!(s, "      {}", st.dim(&t(&e.locator())));
                if let Some(d) = e.detail() {
                    let _ = writeln!(s, "        {}", t(&d));
                }
            }
        }
    }

    if !r.components.is_empty() {
        let _ = writeln!(
            s,
            "\n{} ({})",
            st.bold("Components found in the firmware"),
            r.components.len()
        );
        let width = r
            .components
            .iter()
            .map(|c| c.name.chars().count())
            .max()
            .unwrap_or(0)
            .min(24);
        for c in &r.components {
            let at = c.evidence.first().map(|e| e.locator()).unwrap_or_default();
            let _ = writeln!(
                s,
                "  {:<width$}  {:<12} {}",
                t(&c.name),
                t(&c.version),
                st.dim(&t(&at))
            );
        }
    }

    for f in &r.firmware {
        let _ = writeln!(
            s,
            "\n{} {} ({} entries)",
            st.bold("Firmware"),
            t(&f.image),
            f.entries
        );
        let width = f
            .layers
            .iter()
            .take(MAX_LAYERS)
            .map(|l| l.path.chars().count())
            .max()
            .unwrap_or(0);
        for l in f.layers.iter().take(MAX_LAYERS) {
            let _ = writeln!(
                s,
                "  {:<width$}  {:<30} {}",
                t(&l.path),
                t(&l.format),
                if l.confidence == "structure-proven" {
                    st.dim("structure proven")
                } else {
                    "magic number only: structure not proven".to_string()
                }
            );
        }
        if f.layers.len() > MAX_LAYERS {
            let _ = writeln!(s, "  … and {} more layers", f.layers.len() - MAX_LAYERS);
        }
        for g in f.regions.iter().filter(|g| g.kind == "high-entropy") {
            let _ = writeln!(
                s,
                "  not inspected: {:#x}–{:#x} ({} bytes, {:.2} bits/byte: encrypted or compressed in a way iotcheck cannot read)",
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
            "\n{} ({})",
            st.bold("Services found on the device"),
            r.services.len()
        );
        for v in &r.services {
            let row = format!(
                "  {:<22} {:>5}/{:<3} {:<8} {:<3} {}",
                t(&v.host),
                v.port,
                t(&v.transport),
                t(&v.protocol),
                if v.tls { "TLS" } else { "" },
                v.banner
                    .as_deref()
                    .map(|b| st.dim(&t(b)))
                    .unwrap_or_default()
            );
            let _ = writeln!(s, "{}", row.trim_end());
        }
    }

    if !r.contradictions.is_empty() {
        let _ = writeln!(
            s,
            "\n{}",
            st.bold("Vendor claims contradicted by the evidence")
        );
        for c in &r.contradictions {
            let _ = writeln!(
                s,
                "  {} {} ({})",
                st.paint("1;31", "!"),
                t(&c.summary),
                c.requirement
            );
            for e in c.evidence.iter().take(MAX_EVIDENCE) {
                let _ = writeln!(s, "      {}", t(&e.locator()));
            }
        }
    }

    for tr in &r.traffic {
        let share = crate::encrypted_share(tr);
        let _ = writeln!(
            s,
            "\n{} {} — device {}{}: {} flows, {share}",
            st.bold("Traffic"),
            t(&tr.capture),
            t(&tr.device_ips.join(", ")),
            if tr.device_inferred {
                " (inferred)"
            } else {
                ""
            },
            tr.flows.len()
        );
        for f in tr
            .flows
            .iter()
            .filter(|f| f.class != "infrastructure" && f.class != "no-payload")
            .take(40)
        {
            let mark = match f.class.as_str() {
                "encrypted" => st.paint("32", "enc  "),
                "cleartext" => st.paint("1;31", "CLEAR"),
                _ => st.paint("33", "?    "),
            };
            let name = f
                .peer_name
                .as_deref()
                .map(|n| format!(" ({})", t(n)))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "  {mark} {:<12} {}:{}{name}  frame {}, {} bytes",
                t(&f.protocol),
                t(&f.peer),
                f.peer_port,
                f.first_frame,
                f.bytes
            );
        }
        let infra = tr
            .flows
            .iter()
            .filter(|f| f.class == "infrastructure")
            .count();
        if infra > 0 {
            let _ = writeln!(s, "  {}", st.dim(&format!("+ {infra} infrastructure/discovery flows (DNS, DHCP, NTP, mDNS, SSDP…): informational")));
        }
        for n in &tr.notes {
            let _ = writeln!(s, "  {}", st.dim(&format!("note: {}", t(n))));
        }
    }

    for regime in &r.regimes {
        let counts = [
            Verdict::Fails,
            Verdict::Inconclusive,
            Verdict::Meets,
            Verdict::NotApplicable,
        ]
        .iter()
        .map(|v| {
            (
                v,
                regime.provisions.iter().filter(|p| p.verdict == *v).count(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .map(|(v, n)| format!("{n} {}", v.as_str().replace('_', " ")))
        .collect::<Vec<_>>()
        .join(", ");
        if regime.id == r.regimes[0].id {
            let _ = writeln!(
                s,
                "\nOther regimes (provisions mapped to the requirements above)"
            );
        }
        let _ = writeln!(
            s,
            "  {:<18} {} provisions: {counts}",
            regime.short,
            regime.provisions.len()
        );
    }
    s
}

fn write_evidence(s: &mut String, st: &Style, entry: &CheckEntry) {
    for result in entry.results.iter().filter(|r| r.outcome == Outcome::Fail) {
        let _ = writeln!(
            s,
            "  {:<14} {:<6} {} {}",
            "",
            "",
            st.paint("31", "✗"),
            t(&format!("{}: {}", entry.id, result.summary))
        );
        for e in result.evidence.iter().take(MAX_EVIDENCE) {
            let _ = writeln!(s, "  {:<14} {:<6}     {}", "", "", t(&e.locator()));
            if let Some(detail) = e.detail().filter(|_| !matches!(e, Evidence::Claim { .. })) {
                for line in detail.lines().take(6) {
                    let _ = writeln!(s, "  {:<14} {:<6}       {}", "", "", st.dim(&t(line)));
                }
            }
        }
        if result.evidence.len() > MAX_EVIDENCE {
            let _ = writeln!(
                s,
                "  {:<14} {:<6}     … {} more (see --format json)",
                "",
                "",
                result.evidence.len() - MAX_EVIDENCE
            );
        }
    }
}
