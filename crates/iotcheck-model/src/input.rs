use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The kinds of material iotcheck assesses.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// A packet capture (pcap or pcapng) of the device's traffic.
    Capture,
    /// A firmware image.
    Firmware,
    /// A live device on the network, probed directly.
    Host,
    /// The vendor's privacy policy.
    PrivacyPolicy,
    /// The vendor's security.txt (RFC 9116).
    SecurityTxt,
    /// The vendor's vulnerability disclosure policy.
    DisclosurePolicy,
    /// The vendor's declarations in `device.toml`.
    Claims,
    /// A local vulnerability database (for matching shipped components).
    VulnerabilityDb,
}

impl InputKind {
    pub const ALL: [InputKind; 8] = [
        InputKind::Capture,
        InputKind::Firmware,
        InputKind::Host,
        InputKind::PrivacyPolicy,
        InputKind::SecurityTxt,
        InputKind::DisclosurePolicy,
        InputKind::Claims,
        InputKind::VulnerabilityDb,
    ];

    /// The word used in data files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Capture => "capture",
            InputKind::Firmware => "firmware",
            InputKind::Host => "host",
            InputKind::PrivacyPolicy => "privacy_policy",
            InputKind::SecurityTxt => "security_txt",
            InputKind::DisclosurePolicy => "disclosure_policy",
            InputKind::Claims => "claims",
            InputKind::VulnerabilityDb => "vulnerability_db",
        }
    }

    /// A phrase for sentences such as "no packet capture was given".
    pub fn noun(self) -> &'static str {
        match self {
            InputKind::Capture => "packet capture",
            InputKind::Firmware => "firmware image",
            InputKind::Host => "live host",
            InputKind::PrivacyPolicy => "privacy policy",
            InputKind::SecurityTxt => "security.txt",
            InputKind::DisclosurePolicy => "disclosure policy",
            InputKind::Claims => "vendor claim",
            InputKind::VulnerabilityDb => "vulnerability database",
        }
    }

    /// How a user supplies it: the `assess` flag, or the command that sets it up.
    pub fn flag(self) -> &'static str {
        match self {
            InputKind::Capture => "--capture",
            InputKind::Firmware => "--firmware",
            InputKind::Host => "--host",
            InputKind::PrivacyPolicy => "--policy",
            InputKind::SecurityTxt => "--security-txt",
            InputKind::DisclosurePolicy => "--disclosure-policy",
            InputKind::Claims => "--claims",
            InputKind::VulnerabilityDb => "iotcheck vulns db import",
        }
    }

    pub fn parse(s: &str) -> Option<InputKind> {
        InputKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for InputKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether an input could be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InputStatus {
    /// Read and recognised as its kind.
    Loaded,
    /// Could not be read or is not what its kind says; `message` tells why.
    Error,
}

/// One input of an assessment, as the report lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InputRef {
    pub kind: InputKind,
    /// A path relative to the bundle (or as given on the command line), or a host name.
    pub location: String,
    pub status: InputStatus,
    /// What was recognised (`pcapng capture`, `HTML document`) or what went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// SHA-256 of the file, so a reviewer can tell the exact input apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}
