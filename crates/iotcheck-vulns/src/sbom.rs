//! Components from a CycloneDX JSON SBOM (any spec version 1.2–1.6):
//! `components[]` and their nested `components`, with name, version, PURL
//! and CPE. The name used for matching is the identity the CPE or PURL
//! names when the identity table knows it, else the component's name.

use iotcheck_model::ComponentIdentity;
use serde::Deserialize;

use crate::cpe::Cpe;
use crate::import::purl_name;

/// Largest SBOM read.
pub const MAX_SBOM_BYTES: usize = 64 << 20;
/// Most components taken from one SBOM.
pub const MAX_COMPONENTS: usize = 100_000;

/// One component to match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomComponent {
    /// Name to match (canonical when known).
    pub name: String,
    pub version: String,
    /// The name as the SBOM wrote it.
    pub declared: String,
}

#[derive(Deserialize)]
struct Bom {
    #[serde(default, rename = "bomFormat")]
    bom_format: Option<String>,
    #[serde(default)]
    components: Vec<BomComponent>,
}

#[derive(Deserialize)]
struct BomComponent {
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    purl: Option<String>,
    #[serde(default)]
    cpe: Option<String>,
    #[serde(default)]
    components: Vec<BomComponent>,
}

/// An SBOM that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SbomError(pub String);

/// The versioned components of a CycloneDX JSON file, read at most
/// [`MAX_SBOM_BYTES`] (a larger file is refused before it is read whole).
pub fn read(path: &std::path::Path) -> Result<Vec<SbomComponent>, SbomError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| SbomError(e.to_string()))?;
    let mut text = String::new();
    file.take(MAX_SBOM_BYTES as u64 + 1)
        .read_to_string(&mut text)
        .map_err(|e| SbomError(e.to_string()))?;
    components(&text)
}

/// The versioned components of a CycloneDX JSON document.
pub fn components(text: &str) -> Result<Vec<SbomComponent>, SbomError> {
    if text.len() > MAX_SBOM_BYTES {
        return Err(SbomError(format!("larger than {MAX_SBOM_BYTES} bytes")));
    }
    let bom: Bom = serde_json::from_str(text)
        .map_err(|e| SbomError(format!("not a CycloneDX JSON SBOM: {e}")))?;
    if bom.bom_format.as_deref() != Some("CycloneDX") {
        return Err(SbomError(
            "not a CycloneDX JSON SBOM: bomFormat is not \"CycloneDX\"".into(),
        ));
    }
    let mut out = Vec::new();
    let mut stack: Vec<&BomComponent> = bom.components.iter().rev().collect();
    while let Some(c) = stack.pop() {
        if out.len() >= MAX_COMPONENTS {
            break;
        }
        stack.extend(c.components.iter().rev());
        let Some(version) = c.version.as_deref().filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        let by_cpe = c.cpe.as_deref().and_then(Cpe::parse).and_then(|cpe| {
            ComponentIdentity::by_cpe(&cpe.vendor, &cpe.product).map(|id| id.name.clone())
        });
        let by_purl = c
            .purl
            .as_deref()
            .and_then(purl_name)
            .and_then(|n| ComponentIdentity::lookup(&n).map(|id| id.name.clone()));
        let name = by_cpe
            .or(by_purl)
            .or_else(|| ComponentIdentity::lookup(&c.name).map(|id| id.name.clone()))
            .unwrap_or_else(|| c.name.clone());
        out.push(SbomComponent {
            name,
            version: version.to_string(),
            declared: c.name.clone(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn nested_components_cpe_and_purl() {
        let text = r#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[
            {"type":"application","name":"Dropbear SSH","version":"2014.65","cpe":"cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2014.65:*:*:*:*:*:*:*"},
            {"type":"library","name":"libcrypto.so.1.1","version":"1.1.1n","purl":"pkg:generic/openssl@1.1.1n",
             "components":[{"name":"zlib","version":"1.2.8"},{"name":"noversion"}]}]}"#;
        let cs = components(text).unwrap();
        let names: Vec<(&str, &str)> = cs
            .iter()
            .map(|c| (c.name.as_str(), c.version.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("dropbear", "2014.65"),
                ("openssl", "1.1.1n"),
                ("zlib", "1.2.8")
            ]
        );
        assert!(components(r#"{"bomFormat":"SPDX"}"#).is_err());
        assert!(components("[").is_err());
    }
}
