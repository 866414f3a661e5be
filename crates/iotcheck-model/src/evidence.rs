use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What lets a person verify a check result without trusting iotcheck.
///
/// Every string here may come from the device or its vendor: writers escape
/// them for their format. Secrets are masked by the analyzer that found them
/// (see [`crate::Secret`]) before they become evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Evidence {
    /// Packets in a capture.
    Packet {
        /// The capture file, as listed in the report's inputs.
        capture: String,
        /// 1-based frame numbers, as Wireshark numbers them.
        frames: Vec<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        flow: Option<Flow>,
        /// Application protocol identified, e.g. `http`, `mqtt`, `tls`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        protocol: Option<String>,
        /// A short printable excerpt of the payload, secrets masked.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        excerpt: Option<String>,
    },
    /// A file inside a firmware image.
    File {
        /// The image, as listed in the report's inputs.
        image: String,
        /// Nesting from the image down to the file, e.g.
        /// `["squashfs@0x40000", "/etc/shadow"]`.
        path: Vec<String>,
        /// Byte offset of the finding inside that file.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        offset: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        excerpt: Option<String>,
    },
    /// A passage of a document.
    Text {
        /// The document, as listed in the report's inputs.
        document: String,
        /// Character span (Unicode scalar values, end exclusive) in the
        /// document's extracted text.
        span: Span,
        quote: String,
    },
    /// An exchange with a live service.
    Transcript {
        host: String,
        port: u16,
        service: String,
        exchange: Vec<TranscriptLine>,
    },
    /// A published vulnerability record that a shipped component matched.
    Advisory {
        /// CVE id (or the record's own id when it has none).
        id: String,
        /// Canonical component name and the version shipped.
        component: String,
        version: String,
        /// Databases whose ranges put the version inside (`cve`, `nvd`, `osv`).
        sources: Vec<String>,
        /// The affected range as the record states it.
        affected: String,
        /// First fixed version, when the record says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fixed: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cvss: Option<f64>,
        /// `critical`, `high`, `medium`, `low`, `none`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        severity: Option<String>,
        /// In CISA's Known Exploited Vulnerabilities catalog.
        known_exploited: bool,
        /// `YYYY-MM-DD`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        published: Option<String>,
        /// Days the fix has been available (from publication) as of the assessment.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fix_age_days: Option<i64>,
        /// `high` (structured ranges), `medium` (free-text version field), `low` (description prose).
        confidence: String,
    },
    /// A vendor claim from `device.toml`.
    Claim {
        key: String,
        value: serde_json::Value,
    },
    /// A whole input: used when the input itself is the evidence, e.g. it
    /// could not be read.
    Input { input: String, message: String },
}

impl Evidence {
    /// Packet evidence with just capture and frames; fill the rest as known.
    pub fn packet(capture: impl Into<String>, frames: Vec<u64>) -> Self {
        Evidence::Packet {
            capture: capture.into(),
            frames,
            flow: None,
            protocol: None,
            excerpt: None,
        }
    }

    /// How the evidence is located, in one line of plain text
    /// (`setup.pcapng frames 12, 14`, `fw.bin ▸ squashfs@0x40 ▸ /etc/shadow @ 0x1c`).
    pub fn locator(&self) -> String {
        match self {
            Evidence::Packet {
                capture,
                frames,
                flow,
                ..
            } => {
                let mut s = capture.clone();
                if !frames.is_empty() {
                    let list: Vec<String> = frames.iter().take(8).map(u64::to_string).collect();
                    let more = if frames.len() > 8 {
                        format!(" (+{} more)", frames.len() - 8)
                    } else {
                        String::new()
                    };
                    s.push_str(&format!(
                        " frame{} {}{more}",
                        if frames.len() == 1 { "" } else { "s" },
                        list.join(", ")
                    ));
                }
                if let Some(flow) = flow {
                    s.push_str(&format!(" [{flow}]"));
                }
                s
            }
            Evidence::File {
                image,
                path,
                offset,
                ..
            } => {
                let mut s = std::iter::once(image.as_str())
                    .chain(path.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" ▸ ");
                if let Some(off) = offset {
                    s.push_str(&format!(" @ {off:#x}"));
                }
                s
            }
            Evidence::Text { document, span, .. } => {
                format!("{document} chars {}–{}", span.start, span.end)
            }
            Evidence::Transcript {
                host,
                port,
                service,
                ..
            } => format!("{service} on {host}:{port}"),
            Evidence::Advisory {
                id,
                component,
                version,
                ..
            } => format!("{id} ({component} {version})"),
            Evidence::Claim { key, value } => format!("claim {key} = {value}"),
            Evidence::Input { input, .. } => input.clone(),
        }
    }

    /// The excerpt, quote, exchange or message that shows the finding itself.
    pub fn detail(&self) -> Option<String> {
        match self {
            Evidence::Packet { excerpt, .. } | Evidence::File { excerpt, .. } => excerpt.clone(),
            Evidence::Text { quote, .. } => Some(quote.clone()),
            Evidence::Transcript { exchange, .. } => Some(
                exchange
                    .iter()
                    .map(|l| format!("{} {}", l.direction.arrow(), l.text))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            Evidence::Advisory {
                affected,
                fixed,
                cvss,
                severity,
                known_exploited,
                published,
                confidence,
                sources,
                ..
            } => {
                let mut parts = vec![format!("affected {affected}")];
                if let Some(f) = fixed {
                    parts.push(format!("fixed in {f}"));
                }
                match (cvss, severity) {
                    (Some(c), Some(s)) => parts.push(format!("CVSS {c:.1} {s}")),
                    (None, Some(s)) => parts.push(format!("severity {s}")),
                    (Some(c), None) => parts.push(format!("CVSS {c:.1}")),
                    (None, None) => parts.push("severity not rated".into()),
                }
                if *known_exploited {
                    parts.push("known exploited (CISA KEV)".into());
                }
                if let Some(p) = published {
                    parts.push(format!("published {p}"));
                }
                parts.push(format!("{} ({confidence} confidence)", sources.join("+")));
                Some(parts.join("; "))
            }
            Evidence::Claim { .. } => None,
            Evidence::Input { message, .. } => Some(message.clone()),
        }
    }
}

/// A bidirectional flow, written from the initiator's side.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// `tcp` or `udp` (or another IP protocol name).
    pub transport: String,
    pub src: String,
    pub src_port: u16,
    pub dst: String,
    pub dst_port: u16,
}

impl std::fmt::Display for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ip = |a: &str| {
            if a.contains(':') {
                format!("[{a}]")
            } else {
                a.to_string()
            }
        };
        write!(
            f,
            "{} {}:{} → {}:{}",
            self.transport,
            ip(&self.src),
            self.src_port,
            ip(&self.dst),
            self.dst_port
        )
    }
}

/// A character span, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// One line of a transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TranscriptLine {
    pub direction: Direction,
    /// The text, with secrets already masked unless the user asked to see them.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From iotcheck to the device.
    Sent,
    /// From the device to iotcheck.
    Received,
}

impl Direction {
    pub fn arrow(self) -> &'static str {
        match self {
            Direction::Sent => ">",
            Direction::Received => "<",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locators_read_like_the_design() {
        let e = Evidence::File {
            image: "fw.bin".into(),
            path: vec!["squashfs@0x40000".into(), "/etc/shadow".into()],
            offset: Some(0x1c),
            excerpt: None,
        };
        assert_eq!(
            e.locator(),
            "fw.bin ▸ squashfs@0x40000 ▸ /etc/shadow @ 0x1c"
        );
        let p = Evidence::Packet {
            capture: "a.pcapng".into(),
            frames: vec![3],
            flow: Some(Flow {
                transport: "tcp".into(),
                src: "::1".into(),
                src_port: 5,
                dst: "10.0.0.1".into(),
                dst_port: 80,
            }),
            protocol: None,
            excerpt: None,
        };
        assert_eq!(p.locator(), "a.pcapng frame 3 [tcp [::1]:5 → 10.0.0.1:80]");
    }

    #[test]
    fn evidence_is_tagged_by_kind() {
        let e = Evidence::Claim {
            key: "support_until".into(),
            value: serde_json::json!("2029-12-31"),
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["kind"], "claim");
        assert_eq!(serde_json::from_value::<Evidence>(v).unwrap(), e);
    }
}
