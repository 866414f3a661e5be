//! Report writers: one module per format, each a pure function
//! `&Report -> bytes` so output is reproducible and testable.
//!
//! Every string in a report may come from the device or its vendor (banners,
//! file names, policy sentences, product names), so each writer escapes for
//! its own format: HTML entities, Markdown punctuation, JSON by serde, and
//! terminal control characters in text.
//!
//! ```
//! use iotcheck_report::{render, Format, RenderOptions};
//! # let report: iotcheck_model::Report = serde_json::from_value(serde_json::json!({
//! #   "schema_version": "1.0.0", "tool": {"name": "iotcheck", "version": "0"},
//! #   "assessed_on": "2026-11-25", "product": {"vendor": "Acme", "model": "Cam 2"},
//! #   "inputs": [], "overall": "inconclusive", "standards": [], "contradictions": [], "regimes": []
//! # })).unwrap();
//! let html = render(&report, Format::Html, &RenderOptions::default());
//! assert!(String::from_utf8(html).unwrap().starts_with("<!DOCTYPE html>"));
//! ```

mod escape;
mod html;
mod markdown;
mod sarif;
mod text;

use iotcheck_model::Report;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For a terminal: verdicts first, then reasons and evidence.
    Text,
    /// The versioned report contract (`docs/report.schema.json`).
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// For pull requests and tickets.
    Markdown,
    /// One self-contained page for a reviewer.
    Html,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Markdown,
        Format::Html,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Markdown => "md",
            Format::Html => "html",
        }
    }
}

/// Options that change presentation, never content.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// ANSI colour in text output (the CLI sets it only on a terminal
    /// without `NO_COLOR`).
    pub color: bool,
}

/// Writes the report in a format.
pub fn render(report: &Report, format: Format, options: &RenderOptions) -> Vec<u8> {
    match format {
        Format::Text => text::render(report, options.color).into_bytes(),
        Format::Json => json(report),
        Format::Sarif => sarif::render(report),
        Format::Markdown => markdown::render(report).into_bytes(),
        Format::Html => html::render(report).into_bytes(),
    }
}

fn json(report: &Report) -> Vec<u8> {
    // Serializing plain data with string keys cannot fail; an empty object
    // would still be valid JSON if it somehow did.
    let mut out = serde_json::to_vec_pretty(report).unwrap_or_else(|_| b"{}".to_vec());
    out.push(b'\n');
    out
}

/// "12.5% of application bytes encrypted", for every format.
pub(crate) fn encrypted_share(t: &iotcheck_model::TrafficSummary) -> String {
    t.encrypted_share
        .map_or("no application traffic".to_string(), |x| {
            format!("{:.1}% of application bytes encrypted", x * 100.0)
        })
}

/// "Acme Devices Cam 2 (hw B, firmware 1.4.2)".
pub(crate) fn product_line(report: &Report) -> String {
    let p = &report.product;
    let mut s = format!("{} {}", p.vendor, p.model).trim().to_string();
    if s.is_empty() {
        s = "Unnamed product".into();
    }
    let mut extra = Vec::new();
    if let Some(hw) = &p.hardware_revision {
        extra.push(format!("hardware {hw}"));
    }
    if let Some(fw) = &p.firmware_version {
        extra.push(format!("firmware {fw}"));
    }
    if let Some(c) = &p.category {
        extra.push(c.clone());
    }
    if !extra.is_empty() {
        s.push_str(&format!(" ({})", extra.join(", ")));
    }
    s
}
