use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The product under assessment, as the vendor names it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub vendor: String,
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware_revision: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware_version: Option<String>,
    /// Free-form category such as `camera`, `plug`, `hub`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}
