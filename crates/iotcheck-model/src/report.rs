use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{CheckId, CheckResult, Component, Evidence, InputRef, Outcome, Product, Verdict};

/// The whole answer of an assessment. Its JSON form is a versioned contract
/// (`docs/report.schema.json`); every subcommand that decides anything emits it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// [`crate::SCHEMA_VERSION`] of the writer.
    pub schema_version: String,
    pub tool: Tool,
    /// The date the assessment was made (`YYYY-MM-DD`); date-dependent checks
    /// (support period, security.txt expiry) were decided against it.
    pub assessed_on: String,
    pub product: Product,
    pub inputs: Vec<InputRef>,
    /// Meets only when every standard meets (or does not apply).
    pub overall: Verdict,
    /// The five minimum standards, always all five, in a fixed order.
    pub standards: Vec<StandardVerdict>,
    /// Vendor claims that the evidence contradicts.
    pub contradictions: Vec<Contradiction>,
    /// The same verdicts seen through other regimes' provisions.
    pub regimes: Vec<RegimeView>,
    /// Per capture: the device's flows as the traffic analyzer saw them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub traffic: Vec<TrafficSummary>,
    /// Software components identified in the firmware (the inventory the
    /// vulnerability checks matched), in the order found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
    /// Network services the live probe found on the hosts named, in host,
    /// transport and port order (schema 1.4.0).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ServiceRow>,
    /// Per firmware image: the containers and streams it was unpacked
    /// through, how sure each identification is, and what of its top level
    /// could not be read (schema 1.5.0).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub firmware: Vec<FirmwareSummary>,
    /// Results of informational checks: reported with their evidence, but
    /// deciding no requirement (e.g. `docs.privacy-contact`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub informational: Vec<CheckResult>,
}

/// What one capture shows of the device's network use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrafficSummary {
    /// The capture, as listed in `inputs`.
    pub capture: String,
    pub frames: u64,
    /// MAC and IP addresses taken to be the device.
    pub device_macs: Vec<String>,
    pub device_ips: Vec<String>,
    /// True when iotcheck chose the device (the most active local host)
    /// because none was named.
    pub device_inferred: bool,
    /// Share of the device's application bytes (encrypted + cleartext +
    /// unknown flows) that were encrypted; `null` without application traffic.
    pub encrypted_share: Option<f64>,
    pub flows: Vec<FlowRow>,
    /// Bounds reached or reading stopped early: the flows cover what was read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One flow of the device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowRow {
    pub transport: String,
    pub device: String,
    pub device_port: u16,
    pub peer: String,
    pub peer_port: u16,
    /// A name of the peer seen in the capture (DNS answer, TLS SNI, HTTP Host).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_name: Option<String>,
    pub device_initiated: bool,
    /// Identified by content: `tls1.3`, `http`, `mqtt`, `dns`, …
    pub protocol: String,
    /// `encrypted`, `cleartext`, `infrastructure`, `unknown` or `no-payload`.
    pub class: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub first_frame: u64,
    pub frames: u64,
    pub bytes: u64,
}

/// One network service the live probe found, identified by what it
/// answered (not by its port number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceRow {
    /// The host as the user named it (as listed in `inputs`).
    pub host: String,
    /// The address it resolved to and was probed at.
    pub address: String,
    pub port: u16,
    /// `tcp` or `udp`.
    pub transport: String,
    /// What the service was identified as: `ssh`, `telnet`, `http`, `https`,
    /// `mqtt`, `mqtts`, `tls`, `snmp`, …, or `unknown`.
    pub protocol: String,
    /// The first printable line it sent (banner, server header), escaped;
    /// device-controlled text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner: Option<String>,
    /// Whether the service speaks TLS.
    pub tls: bool,
}

/// How one firmware image was unpacked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FirmwareSummary {
    /// The image, as listed in `inputs`.
    pub image: String,
    /// Files, directories, links and devices found.
    pub entries: u64,
    /// Every container and stream unpacked, in the order found.
    pub layers: Vec<FirmwareLayer>,
    /// The image's top level, start to end: what each byte range is.
    pub regions: Vec<FirmwareRegion>,
}

/// One container or stream inside a firmware image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FirmwareLayer {
    /// The layer path, as evidence names it (`uImage@0x0 ▸ squashfs@0x40`).
    pub path: String,
    /// What it is (`squashfs filesystem`, `xz-compressed data`).
    pub format: String,
    /// Bytes it covers in its parent, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// `structure-proven`: a dry-run parse proved the header and structure
    /// (sizes, offsets, checksums; a stream decoded to its end) before it
    /// was trusted; `magic-only`: the magic number matched but the dry run
    /// did not pass (or the stream ended early), and it was read anyway for
    /// what it holds, with a note saying what is wrong.
    pub confidence: String,
}

/// A byte range of a firmware image's top level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FirmwareRegion {
    pub start: u64,
    pub length: u64,
    /// `container` (read: see `layer`), `high-entropy` (no known format,
    /// encrypted or compressed: cannot be inspected), `padding` (one byte
    /// value repeated) or `data` (no known format, lower entropy).
    pub kind: String,
    /// The container's layer path, for `container` regions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Shannon entropy in bits per byte (0 for containers and padding).
    pub entropy: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// One of the five minimum standards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StandardVerdict {
    /// `encrypted-communications`, `security-updates`, `strong-passwords`,
    /// `vulnerability-management` or `privacy-practices`.
    pub id: String,
    pub title: String,
    /// The worst of its requirements' verdicts.
    pub verdict: Verdict,
    pub requirements: Vec<RequirementVerdict>,
}

/// One requirement of a standard and how it was decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequirementVerdict {
    /// e.g. `ENC-1`.
    pub id: String,
    pub title: String,
    pub verdict: Verdict,
    /// Why: the failing check, or the input that would settle it.
    pub reason: String,
    pub checks: Vec<CheckEntry>,
    /// Provisions of other regimes this requirement speaks to, as `regime:provision`.
    pub provisions: Vec<String>,
}

/// One check of a requirement: its combined outcome and every result behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckEntry {
    pub id: CheckId,
    pub title: String,
    /// The combined outcome of its results; `null` when the check did not run.
    pub outcome: Option<Outcome>,
    /// Why the check did not run (no input of its kind, no analyzer yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_run: Option<String>,
    pub results: Vec<CheckResult>,
}

/// A vendor claim that a check result contradicts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contradiction {
    /// The claim key in `device.toml`.
    pub claim: String,
    pub value: serde_json::Value,
    pub requirement: String,
    pub check: CheckId,
    pub summary: String,
    pub evidence: Vec<Evidence>,
}

/// Verdicts mapped onto one regime's provisions (ETSI EN 303 645, UK PSTI, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegimeView {
    pub id: String,
    pub title: String,
    pub short: String,
    pub provisions: Vec<ProvisionVerdict>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvisionVerdict {
    pub id: String,
    /// A paraphrase, not the regime's text.
    pub title: String,
    /// The worst verdict of the requirements mapped to it.
    pub verdict: Verdict,
    pub requirements: Vec<String>,
}

/// The JSON Schema of [`Report`], as published in `docs/report.schema.json`.
pub fn report_schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Report)).unwrap_or_default();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "$id".into(),
            format!(
                "https://iotcheck.dev/schema/report-{}.json",
                crate::SCHEMA_VERSION
            )
            .into(),
        );
        obj.insert("title".into(), "iotcheck report".into());
    }
    schema
}
