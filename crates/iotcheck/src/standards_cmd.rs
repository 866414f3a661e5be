//! `iotcheck standards …`: the catalog, for people and for scripts.

use std::fmt::Write as _;
use std::io::Write;

use clap::{Subcommand, ValueEnum};
use iotcheck_model::CheckId;
use iotcheck_standards::{Catalog, Decide, render_checks_md};
use serde_json::json;

use crate::{exit, usage};

#[derive(Subcommand, Debug)]
pub(crate) enum StandardsCommand {
    /// The five minimum standards with their requirements, and the other regimes.
    List {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// One standard, requirement, check, claim or regime, by id
    /// (e.g. `strong-passwords`, `PWD-1`, `fw.private-key`, `support_until`, `etsi-en-303-645`).
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Print docs/CHECKS.md, generated from the catalog.
    ChecksMd,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum ListFormat {
    Text,
    Json,
}

pub(crate) fn run(cmd: StandardsCommand, c: &Catalog) -> anyhow::Result<u8> {
    let out = match cmd {
        StandardsCommand::List {
            format: ListFormat::Text,
        } => list_text(c),
        StandardsCommand::List {
            format: ListFormat::Json,
        } => pretty(&list_json(c))?,
        StandardsCommand::Show { id, format } => {
            let (text, value) = show(c, &id).ok_or_else(|| usage(format!("no standard, requirement, check, claim or regime has the id {id:?}; see `iotcheck standards list`")))?;
            match format {
                ListFormat::Text => text,
                ListFormat::Json => pretty(&value)?,
            }
        }
        StandardsCommand::ChecksMd => render_checks_md(c),
    };
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(exit::MEETS)
}

fn pretty(v: &serde_json::Value) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(v)? + "\n")
}

fn decide_word(d: Decide) -> &'static str {
    match d {
        Decide::Any => "any",
        Decide::All => "all",
    }
}

fn list_text(c: &Catalog) -> String {
    let mut s = format!("{}\n", c.title);
    for st in &c.standards {
        let _ = writeln!(s, "\n{} ({})", st.title, st.id);
        for r in &st.requirements {
            let _ = writeln!(s, "  {:<6} {}", r.id, r.title);
        }
    }
    let _ = writeln!(s, "\nOther regimes (iotcheck standards show ID):");
    for r in &c.regimes {
        let _ = writeln!(
            s,
            "  {:<18} {} ({} provisions)",
            r.id,
            r.short,
            r.provisions.len()
        );
    }
    s
}

fn list_json(c: &Catalog) -> serde_json::Value {
    json!({
        "title": c.title,
        "standards": c.standards.iter().map(|st| json!({
            "id": st.id, "code": st.code, "title": st.title, "description": st.description,
            "requirements": st.requirements.iter().map(|r| json!({
                "id": r.id, "title": r.title, "decide": decide_word(r.decide),
                "checks": r.checks.iter().map(CheckId::as_str).collect::<Vec<_>>(),
                "provisions": c.provisions_of(&r.id),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "regimes": c.regimes.iter().map(|r| json!({"id": r.id, "short": r.short, "title": r.title, "url": r.url, "provisions": r.provisions.len()})).collect::<Vec<_>>(),
    })
}

fn show(c: &Catalog, id: &str) -> Option<(String, serde_json::Value)> {
    if let Some(st) = c.standard(id) {
        let v = list_json(c)["standards"]
            .as_array()?
            .iter()
            .find(|s| s["id"] == id)?
            .clone();
        let mut s = format!("{} ({})\n{}\n", st.title, st.id, st.description);
        for r in &st.requirements {
            let _ = writeln!(
                s,
                "  {:<6} {} [{}: {}]",
                r.id,
                r.title,
                decide_word(r.decide),
                r.checks
                    .iter()
                    .map(CheckId::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        return Some((s, v));
    }
    if let Some((st, r)) = c.requirement(id) {
        let mut s = format!(
            "{} {}\nstandard: {}\ndecided by: {} of\n",
            r.id,
            r.title,
            st.title,
            decide_word(r.decide)
        );
        for ch in &r.checks {
            let title = c.check(ch).map_or("", |x| x.title.as_str());
            let _ = writeln!(s, "  {ch:<36} {title}");
        }
        let provisions = c.provisions_of(&r.id);
        if !provisions.is_empty() {
            let _ = writeln!(s, "provisions: {}", provisions.join(", "));
        }
        let v = json!({"id": r.id, "title": r.title, "standard": st.id, "decide": decide_word(r.decide), "checks": r.checks.iter().map(CheckId::as_str).collect::<Vec<_>>(), "provisions": provisions});
        return Some((s, v));
    }
    if let Some(spec) = CheckId::new(id).ok().and_then(|cid| c.check(&cid).cloned()) {
        let inputs: Vec<&str> = spec.inputs.iter().map(|k| k.as_str()).collect();
        let required_by: Vec<&str> = c
            .standards
            .iter()
            .flat_map(|s| &s.requirements)
            .filter(|r| r.checks.contains(&spec.id))
            .map(|r| r.id.as_str())
            .collect();
        let s = format!(
            "{} {}\nanalyzer: {}\ninputs: {}\nrequirements: {}\n{}\n",
            spec.id,
            spec.title,
            spec.analyzer.as_str(),
            inputs.join(" + "),
            required_by.join(", "),
            spec.description
        );
        let v = json!({"id": spec.id, "title": spec.title, "analyzer": spec.analyzer.as_str(), "inputs": inputs, "requirements": required_by, "description": spec.description});
        return Some((s, v));
    }
    if let Some(cl) = c.claim(id) {
        let contra: Vec<&str> = cl.contradicted_by.iter().map(CheckId::as_str).collect();
        let s = format!(
            "claim {} ({})\n{}\nrequirement: {}\ncheck: {}\ncontradicted by: {}\n",
            cl.key,
            cl.ty.as_str(),
            cl.description,
            cl.requirement,
            cl.check.as_ref().map_or("—", CheckId::as_str),
            if contra.is_empty() {
                "—".to_string()
            } else {
                contra.join(", ")
            }
        );
        let v = json!({"key": cl.key, "type": cl.ty.as_str(), "description": cl.description, "requirement": cl.requirement, "check": cl.check.as_ref().map(CheckId::as_str), "contradicted_by": contra});
        return Some((s, v));
    }
    if let Some(r) = c.regime(id) {
        let mut s = format!("{} ({})\n{}\n{}\n", r.short, r.id, r.title, r.url);
        for p in &r.provisions {
            let _ = writeln!(
                s,
                "  {:<16} {} → {}",
                p.id,
                p.title,
                p.requirements.join(", ")
            );
        }
        let v = json!({"id": r.id, "short": r.short, "title": r.title, "url": r.url, "provisions": r.provisions.iter().map(|p| json!({"id": p.id, "title": p.title, "requirements": p.requirements})).collect::<Vec<_>>()});
        return Some((s, v));
    }
    None
}
