//! One self-contained HTML page (no script, no external resource) that a
//! retailer's reviewer reads: the five verdicts at the top, then each
//! standard with its requirements, their checks and evidence, and the
//! mapped provisions of the other regimes.

use std::fmt::Write;

use iotcheck_model::{CheckEntry, InputStatus, Outcome, Report, Verdict};

use crate::escape::html as h;

const STYLE: &str = r#"
:root{--meets:#1a7f37;--fails:#cf222e;--inconclusive:#9a6700;--na:#6e7781;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0}
*{box-sizing:border-box}body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:1.6em;margin:0 0 4px}h2{margin-top:2em;border-bottom:1px solid var(--line);padding-bottom:4px}.muted{color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));gap:12px;margin:20px 0}
.card{border:1px solid var(--line);border-top:6px solid var(--na);border-radius:8px;padding:12px}.card a{color:inherit;text-decoration:none}
.card.meets{border-top-color:var(--meets)}.card.fails{border-top-color:var(--fails)}.card.inconclusive{border-top-color:var(--inconclusive)}
.card .title{font-weight:600}.verdict{display:inline-block;font-weight:700;font-size:.8em;text-transform:uppercase;letter-spacing:.04em;padding:1px 8px;border-radius:10px;color:#fff;background:var(--na)}
.verdict.meets{background:var(--meets)}.verdict.fails{background:var(--fails)}.verdict.inconclusive{background:var(--inconclusive)}
.overall{font-size:1.2em;margin:8px 0}details{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:6px 10px}
summary{cursor:pointer}.reason{color:var(--muted);margin:4px 0 8px}table{border-collapse:collapse;width:100%;margin:8px 0}
td,th{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top;font-size:.92em}th{background:#f6f8fa}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.88em}pre{background:#f6f8fa;padding:6px;white-space:pre-wrap;word-break:break-all;margin:4px 0}
.outcome-fail{color:var(--fails);font-weight:600}.outcome-pass{color:var(--meets)}.outcome-error{color:var(--inconclusive);font-weight:600}
.claim{border-left:4px solid var(--fails);padding:4px 10px;margin:8px 0;background:#fff5f5}
@media print{details{page-break-inside:avoid}details:not([open])>*:not(summary){display:block}}
"#;

fn class(v: Verdict) -> &'static str {
    match v {
        Verdict::Meets => "meets",
        Verdict::Fails => "fails",
        Verdict::Inconclusive => "inconclusive",
        Verdict::NotApplicable => "na",
    }
}

fn pill(v: Verdict) -> String {
    format!(
        r#"<span class="verdict {}">{}</span>"#,
        class(v),
        v.as_str().replace('_', " ")
    )
}

pub(crate) fn render(r: &Report) -> String {
    let mut s = String::new();
    let product = h(&crate::product_line(r));
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"iotcheck {}\">\n<title>iotcheck report: {product}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        h(&r.tool.version)
    );
    let _ = writeln!(s, "<header><h1>{product}</h1>");
    let _ = writeln!(
        s,
        "<div class=\"muted\">Assessed on {} with iotcheck {} against the minimum security standards for connected devices.</div>",
        h(&r.assessed_on),
        h(&r.tool.version)
    );
    let _ = writeln!(
        s,
        "<div class=\"overall\" id=\"overall\" data-verdict=\"{}\">Overall: {}</div></header>",
        r.overall.as_str(),
        pill(r.overall)
    );

    let _ = writeln!(s, "<section class=\"cards\" id=\"standards\">");
    for st in &r.standards {
        let _ = writeln!(
            s,
            "<div class=\"card {c}\" data-standard=\"{id}\" data-verdict=\"{v}\"><a href=\"#{id}\"><div class=\"title\">{t}</div>{p}</a></div>",
            c = class(st.verdict),
            id = h(&st.id),
            v = st.verdict.as_str(),
            t = h(&st.title),
            p = pill(st.verdict)
        );
    }
    let _ = writeln!(s, "</section>");

    if !r.informational.is_empty() {
        let _ = writeln!(
            s,
            "<section id=\"informational\"><h2>Also found (informational)</h2><ul>"
        );
        for res in &r.informational {
            let _ = writeln!(
                s,
                "<li><code>{}</code> <strong>{}</strong>: {}<ul>",
                h(res.check.as_str()),
                h(res.outcome.as_str()),
                h(&res.summary)
            );
            for e in res.evidence.iter().take(10) {
                let _ = writeln!(s, "<li><code>{}</code></li>", h(&e.locator()));
            }
            let _ = writeln!(s, "</ul></li>");
        }
        let _ = writeln!(s, "</ul></section>");
    }

    if !r.components.is_empty() {
        let _ = writeln!(
            s,
            "<section id=\"components\"><h2>Components found in the firmware</h2><table><thead><tr><th>component</th><th>version</th><th>CPE</th><th>where</th></tr></thead><tbody>"
        );
        for c in &r.components {
            let _ = writeln!(
                s,
                "<tr data-component=\"{n}\"><td>{n}</td><td>{v}</td><td><code>{cpe}</code></td><td><code>{at}</code></td></tr>",
                n = h(&c.name),
                v = h(&c.version),
                cpe = h(c.cpe.as_deref().unwrap_or("")),
                at = h(&c.evidence.first().map(|e| e.locator()).unwrap_or_default())
            );
        }
        let _ = writeln!(s, "</tbody></table></section>");
    }

    for f in &r.firmware {
        let _ = writeln!(
            s,
            "<section class=\"firmware\"><h2>Firmware {} ({} entries)</h2><table><thead><tr><th>layer</th><th>format</th><th>bytes</th><th>confidence</th></tr></thead><tbody>",
            h(&f.image),
            f.entries
        );
        for l in &f.layers {
            let _ = writeln!(
                s,
                "<tr data-confidence=\"{c}\"><td><code>{p}</code></td><td>{fm}</td><td>{b}</td><td>{c}</td></tr>",
                p = h(&l.path),
                fm = h(&l.format),
                b = l.bytes.map(|b| b.to_string()).unwrap_or_default(),
                c = h(&l.confidence)
            );
        }
        let _ = writeln!(s, "</tbody></table>");
        for g in f.regions.iter().filter(|g| g.kind == "high-entropy") {
            let _ = writeln!(
                s,
                "<p class=\"not-inspected\">Not inspected: <code>{:#x}</code>–<code>{:#x}</code> ({} bytes, {:.2} bits/byte: encrypted or compressed).</p>",
                g.start,
                g.start.saturating_add(g.length),
                g.length,
                g.entropy
            );
        }
        let _ = writeln!(s, "</section>");
    }

    if !r.services.is_empty() {
        let _ = writeln!(
            s,
            "<section id=\"services\"><h2>Services found on the device</h2><table><thead><tr><th>host</th><th>address</th><th>port</th><th>protocol</th><th>TLS</th><th>banner</th></tr></thead><tbody>"
        );
        for v in &r.services {
            let _ = writeln!(
                s,
                "<tr data-service=\"{p}/{tr}\"><td>{host}</td><td><code>{addr}</code></td><td>{p}/{tr}</td><td>{proto}</td><td>{tls}</td><td><code>{banner}</code></td></tr>",
                host = h(&v.host),
                addr = h(&v.address),
                p = v.port,
                tr = h(&v.transport),
                proto = h(&v.protocol),
                tls = if v.tls { "yes" } else { "no" },
                banner = h(v.banner.as_deref().unwrap_or(""))
            );
        }
        let _ = writeln!(s, "</tbody></table></section>");
    }

    if !r.contradictions.is_empty() {
        let _ = writeln!(
            s,
            "<section id=\"contradictions\"><h2>Vendor claims contradicted by the evidence</h2>"
        );
        for c in &r.contradictions {
            let _ = writeln!(
                s,
                "<div class=\"claim\"><strong>{}</strong> ({}) — {}",
                h(&c.claim),
                h(&c.requirement),
                h(&c.summary)
            );
            let _ = writeln!(s, "<ul>");
            for e in c.evidence.iter().take(10) {
                let _ = writeln!(s, "<li><code>{}</code></li>", h(&e.locator()));
            }
            let _ = writeln!(s, "</ul></div>");
        }
        let _ = writeln!(s, "</section>");
    }

    for st in &r.standards {
        let _ = writeln!(
            s,
            "<section class=\"standard\" id=\"{}\"><h2>{} {}</h2>",
            h(&st.id),
            h(&st.title),
            pill(st.verdict)
        );
        for req in &st.requirements {
            let open = if req.verdict == Verdict::Fails {
                " open"
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "<details class=\"requirement\" data-requirement=\"{id}\"{open}><summary>{p} <strong>{id}</strong> {t}</summary>",
                id = h(&req.id),
                p = pill(req.verdict),
                t = h(&req.title)
            );
            let _ = writeln!(s, "<div class=\"reason\">{}</div>", h(&req.reason));
            let _ = writeln!(
                s,
                "<table><tr><th>check</th><th>outcome</th><th>results and evidence</th></tr>"
            );
            for c in &req.checks {
                write_check(&mut s, c);
            }
            let _ = writeln!(s, "</table>");
            if !req.provisions.is_empty() {
                let _ = writeln!(
                    s,
                    "<div class=\"muted\">Also speaks to: {}</div>",
                    req.provisions
                        .iter()
                        .map(|p| h(p))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let _ = writeln!(s, "</details>");
        }
        let _ = writeln!(s, "</section>");
    }

    let _ = writeln!(
        s,
        "<section id=\"inputs\"><h2>Inputs</h2><table><tr><th>kind</th><th>input</th><th>status</th><th>SHA-256</th></tr>"
    );
    for i in &r.inputs {
        let status = match i.status {
            InputStatus::Loaded => "loaded",
            InputStatus::Error => "error",
        };
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"{}\">{status}: {}</td><td><code>{}</code></td></tr>",
            i.kind.as_str(),
            h(&i.location),
            if status == "error" {
                "outcome-fail"
            } else {
                ""
            },
            h(i.message.as_deref().unwrap_or("")),
            h(i.sha256.as_deref().unwrap_or(""))
        );
    }
    let _ = writeln!(s, "</table></section>");

    for t in &r.traffic {
        let share = crate::encrypted_share(t);
        let _ = writeln!(
            s,
            "<section class=\"traffic\" data-capture=\"{c}\"><h2>Traffic: <code>{c}</code></h2><p class=\"muted\">Device {d}{inf}; {share}. Infrastructure and discovery flows are informational.</p>",
            c = h(&t.capture),
            d = h(&t.device_ips.join(", ")),
            inf = if t.device_inferred {
                " (inferred: the most active local host)"
            } else {
                ""
            },
        );
        let _ = writeln!(
            s,
            "<table><tr><th>protocol</th><th>class</th><th>peer</th><th>first frame</th><th>frames</th><th>bytes</th><th>detail</th></tr>"
        );
        for f in &t.flows {
            let cls = match f.class.as_str() {
                "cleartext" => "outcome-fail",
                "encrypted" => "outcome-pass",
                "unknown" => "outcome-error",
                _ => "muted",
            };
            let name = f
                .peer_name
                .as_deref()
                .map(|n| format!(" ({})", h(n)))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td class=\"{cls}\">{}</td><td><code>{}:{}</code>{name}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                h(&f.protocol),
                h(&f.class),
                h(&f.peer),
                f.peer_port,
                f.first_frame,
                f.frames,
                f.bytes,
                h(f.detail.as_deref().unwrap_or(""))
            );
        }
        let _ = writeln!(s, "</table>");
        for n in &t.notes {
            let _ = writeln!(s, "<p class=\"muted\">Note: {}</p>", h(n));
        }
        let _ = writeln!(s, "</section>");
    }

    if !r.regimes.is_empty() {
        let _ = writeln!(
            s,
            "<section id=\"regimes\"><h2>Other regimes</h2><p class=\"muted\">The same verdicts mapped onto each regime's provisions (titles are paraphrases). A provision takes the worst verdict of the requirements mapped to it.</p>"
        );
        for regime in &r.regimes {
            let _ = writeln!(
                s,
                "<details data-regime=\"{}\"><summary><strong>{}</strong> — {}</summary>",
                h(&regime.id),
                h(&regime.short),
                h(&regime.title)
            );
            let _ = writeln!(
                s,
                "<table><tr><th>provision</th><th>paraphrase</th><th>verdict</th><th>requirements</th></tr>"
            );
            for p in &regime.provisions {
                let _ = writeln!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    h(&p.id),
                    h(&p.title),
                    pill(p.verdict),
                    h(&p.requirements.join(", "))
                );
            }
            let _ = writeln!(s, "</table></details>");
        }
        let _ = writeln!(s, "</section>");
    }
    let _ = writeln!(
        s,
        "<footer class=\"muted\"><p>Report schema {}. Every verdict rests on the evidence shown; \"inconclusive\" names the input that would settle it.</p></footer>",
        h(&r.schema_version)
    );
    s.push_str("</body>\n</html>\n");
    s
}

fn write_check(s: &mut String, c: &CheckEntry) {
    let (outcome, cls) = match c.outcome {
        Some(o @ Outcome::Fail) => (o.as_str(), "outcome-fail"),
        Some(o @ Outcome::Pass) => (o.as_str(), "outcome-pass"),
        Some(o @ Outcome::Error) => (o.as_str(), "outcome-error"),
        Some(o @ Outcome::NotApplicable) => (o.as_str(), ""),
        None => ("not run", "muted"),
    };
    let _ = write!(
        s,
        "<tr><td><code>{}</code><br>{}</td><td class=\"{cls}\">{outcome}</td><td>",
        h(c.id.as_str()),
        h(&c.title)
    );
    if let Some(why) = &c.not_run {
        let _ = write!(s, "<span class=\"muted\">{}</span>", h(why));
    }
    for r in &c.results {
        let _ = write!(
            s,
            "<div><strong>{}</strong>: {}",
            r.outcome.as_str(),
            h(&r.summary)
        );
        for e in r.evidence.iter().take(20) {
            let _ = write!(s, "<div><code>{}</code>", h(&e.locator()));
            if let Some(d) = e.detail() {
                let _ = write!(s, "<pre>{}</pre>", h(&d));
            }
            let _ = write!(s, "</div>");
        }
        if r.evidence.len() > 20 {
            let _ = write!(
                s,
                "<div class=\"muted\">… {} more in the JSON report</div>",
                r.evidence.len() - 20
            );
        }
        let _ = write!(s, "</div>");
    }
    let _ = writeln!(s, "</td></tr>");
}
