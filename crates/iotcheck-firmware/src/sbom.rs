//! CycloneDX 1.5 JSON SBOM of a firmware component inventory, written with
//! the `cyclonedx-bom` crate (0.8: the official CycloneDX Rust model, spec
//! ≤ 1.5, which validates the document before it is written).
//!
//! What it writes:
//! - `metadata.component`: the firmware image (type `firmware`, its name and
//!   SHA-256); several images are listed under one `device` component;
//! - `metadata.tools`: iotcheck and its version;
//! - `components`: every identified component (type `application` or, for
//!   C libraries and `lib*`, `library`; the Linux kernel `operating-system`)
//!   with name, version, CPE 2.3 and PURL, and as `evidence`: one
//!   `occurrence` per place it was found (`image ▸ container@offset ▸
//!   /path`), and an `identity` for the version whose methods quote the
//!   matched version string with its byte offset;
//! - `dependencies`: each image depends on the components found in it.
//!
//! Identity `confidence` is required by the schema. It is a fixed value per
//! technique, not a measurement: 1.0 for package-manager metadata
//! (`manifest-analysis`), 0.8 for a version string in a binary
//! (`binary-analysis`), 0.6 for a file name (`filename`).
//!
//! The serial number is derived from the images' hashes and the component
//! list (a UUID-shaped SHA-256 prefix), and no timestamp is written, so the
//! same image always gives the same bytes.
//!
//! What it does not do: licences, suppliers, hashes of the components'
//! files, vulnerabilities (the VEX part belongs to `iotcheck-vulns`), XML.

use std::collections::BTreeMap;
use std::str::FromStr;

use cyclonedx_bom::external_models::normalized_string::NormalizedString;
use cyclonedx_bom::external_models::uri::Purl;
use cyclonedx_bom::models::bom::{Bom, SpecVersion, UrnUuid};
use cyclonedx_bom::models::component::{
    Classification, Component as CdxComponent, ComponentEvidence, Components, ConfidenceScore, Cpe,
    Identity, IdentityField, Method, Methods, Occurrence, Occurrences,
};
use cyclonedx_bom::models::dependency::{Dependencies, Dependency};
use cyclonedx_bom::models::hash::{Hash, HashAlgorithm, HashValue, Hashes};
use cyclonedx_bom::models::metadata::Metadata;
use cyclonedx_bom::models::tool::Tools;
use cyclonedx_bom::validation::Validate;
use iotcheck_model::{Component, Evidence};
use sha2::{Digest, Sha256};

/// One firmware image the SBOM describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomImage {
    /// The image as the report names it (the evidence's `image`).
    pub name: String,
    /// SHA-256 of the image file, lower-case hex.
    pub sha256: Option<String>,
}

/// Why no SBOM could be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SbomError {
    #[error("no image to describe")]
    NoImage,
    #[error("the SBOM does not validate against CycloneDX 1.5: {0}")]
    Invalid(String),
    #[error("the SBOM could not be serialised: {0}")]
    Write(String),
}

const TOOL_NAME: &str = "iotcheck";

fn location(e: &Evidence) -> Option<(String, String, Option<u64>, Option<String>)> {
    match e {
        Evidence::File {
            image,
            path,
            offset,
            excerpt,
        } => {
            let loc = std::iter::once(image.as_str())
                .chain(path.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(" ▸ ");
            Some((image.clone(), loc, *offset, excerpt.clone()))
        }
        _ => None,
    }
}

fn technique(excerpt: Option<&str>, offset: Option<u64>) -> (&'static str, f32) {
    match (excerpt, offset) {
        (Some(x), _) if x.starts_with("Package: ") => ("manifest-analysis", 1.0),
        (_, None) => ("filename", 0.6),
        _ => ("binary-analysis", 0.8),
    }
}

fn classification(c: &Component) -> Classification {
    match c.name.as_str() {
        "linux" => Classification::OperatingSystem,
        n if n.starts_with("lib")
            || matches!(
                n,
                "openssl"
                    | "zlib"
                    | "glibc"
                    | "musl"
                    | "uclibc"
                    | "mbedtls"
                    | "wolfssl"
                    | "expat"
                    | "pcre"
            ) =>
        {
            Classification::Library
        }
        _ => Classification::Application,
    }
}

fn image_ref(name: &str) -> String {
    format!("image:{name}")
}

/// The CycloneDX 1.5 JSON document for `components` found in `images`.
///
/// Components with the same name and version (e.g. found in two images)
/// become one entry with the evidence of both.
pub fn cyclonedx_json(
    images: &[SbomImage],
    components: &[Component],
    tool_version: &str,
) -> Result<String, SbomError> {
    if images.is_empty() {
        return Err(SbomError::NoImage);
    }
    // Merge by (name, version): bom-refs must be unique.
    let mut merged: BTreeMap<(String, String), Component> = BTreeMap::new();
    for c in components {
        let e = merged
            .entry((c.name.clone(), c.version.clone()))
            .or_insert_with(|| Component {
                evidence: Vec::new(),
                ..c.clone()
            });
        for ev in &c.evidence {
            if !e.evidence.contains(ev) {
                e.evidence.push(ev.clone());
            }
        }
    }

    let mut serial = Sha256::new();
    let mut depends: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut cdx = Vec::new();
    for ((name, version), c) in &merged {
        let bom_ref = format!("{name}@{version}");
        serial.update(bom_ref.as_bytes());
        serial.update([0]);
        let mut comp = CdxComponent::new(classification(c), name, version, Some(bom_ref.clone()));
        comp.cpe = c.cpe.as_deref().map(Cpe::new);
        comp.purl = c.purl.as_deref().and_then(|p| Purl::from_str(p).ok());
        let mut occurrences = Vec::new();
        let mut methods = Vec::new();
        for (image, loc, offset, excerpt) in c.evidence.iter().filter_map(location) {
            let refs = depends.entry(image_ref(&image)).or_default();
            if !refs.contains(&bom_ref) {
                refs.push(bom_ref.clone());
            }
            let (tech, confidence) = technique(excerpt.as_deref(), offset);
            let value = match (offset, &excerpt) {
                (Some(o), Some(x)) => Some(format!("{loc} @ {o:#x}: {x}")),
                (None, Some(x)) => Some(format!("{loc}: {x}")),
                (_, None) => Some(loc.clone()),
            };
            methods.push(Method {
                technique: tech.into(),
                confidence: ConfidenceScore::new(confidence),
                value,
            });
            occurrences.push(Occurrence::new(&loc));
        }
        if !occurrences.is_empty() {
            let best = methods
                .iter()
                .map(|m| m.confidence.get())
                .fold(0.0f32, f32::max);
            comp.evidence = Some(ComponentEvidence {
                licenses: None,
                copyright: None,
                occurrences: Some(Occurrences(occurrences)),
                callstack: None,
                identity: Some(Identity {
                    field: IdentityField::Version,
                    confidence: Some(ConfidenceScore::new(best)),
                    methods: Some(Methods(methods)),
                    tools: None,
                }),
            });
        }
        cdx.push(comp);
    }

    let firmware = |img: &SbomImage| {
        let mut f = CdxComponent::new(
            Classification::Firmware,
            &img.name,
            "",
            Some(image_ref(&img.name)),
        );
        f.version = None;
        if let Some(h) = &img.sha256 {
            f.hashes = Some(Hashes(vec![Hash {
                alg: HashAlgorithm::SHA_256,
                content: HashValue(h.clone()),
            }]));
        }
        f
    };
    for img in images {
        serial.update(img.name.as_bytes());
        serial.update([0]);
        serial.update(img.sha256.as_deref().unwrap_or("").as_bytes());
        serial.update([0]);
    }
    let subject = match images {
        [one] => firmware(one),
        many => {
            let mut d = CdxComponent::new(Classification::Device, "firmware images", "", None);
            d.version = None;
            d.bom_ref = Some("device".into());
            d.components = Some(Components(many.iter().map(firmware).collect()));
            d
        }
    };

    let mut tool = CdxComponent::new(Classification::Application, TOOL_NAME, tool_version, None);
    tool.description = Some(NormalizedString::new(
        "firmware component inventory from version strings and package metadata",
    ));
    let metadata = Metadata {
        timestamp: None,
        tools: Some(Tools::Object {
            services: None,
            components: Some(Components(vec![tool])),
        }),
        authors: None,
        component: Some(subject),
        manufacture: None,
        supplier: None,
        licenses: None,
        properties: None,
        lifecycles: None,
    };

    let dependencies = images
        .iter()
        .map(|img| Dependency {
            dependency_ref: image_ref(&img.name),
            dependencies: depends.remove(&image_ref(&img.name)).unwrap_or_default(),
        })
        .collect();

    let h = serial.finalize();
    let hex: String = h[..16].iter().map(|b| format!("{b:02x}")).collect();
    // UUID layout; version nibble 8 ("custom", RFC 9562) and the RFC variant.
    let uuid = format!(
        "urn:uuid:{}-{}-8{}-{:x}{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        0x8 | (u8::from_str_radix(&hex[16..17], 16).unwrap_or(0) & 0x3),
        &hex[17..20],
        &hex[20..32]
    );
    let bom = Bom {
        version: 1,
        serial_number: UrnUuid::new(uuid).ok(),
        metadata: Some(metadata),
        components: Some(Components(cdx)),
        services: None,
        external_references: None,
        dependencies: Some(Dependencies(dependencies)),
        compositions: None,
        properties: None,
        vulnerabilities: None,
        signature: None,
        annotations: None,
        formulation: None,
        spec_version: SpecVersion::V1_5,
    };
    let check = bom.validate_version(SpecVersion::V1_5);
    if !check.passed() {
        return Err(SbomError::Invalid(format!("{check:?}")));
    }
    let mut out = Vec::new();
    bom.output_as_json_v1_5(&mut out)
        .map_err(|e| SbomError::Write(e.to_string()))?;
    out.push(b'\n');
    String::from_utf8(out).map_err(|e| SbomError::Write(e.to_string()))
}
