//! Software components found in a firmware image, and the table of their
//! identities (name ↔ CPE vendor/product ↔ package URL) that the inventory,
//! the SBOM writer and the vulnerability matcher share.

use std::sync::OnceLock;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Evidence;

/// A named, versioned piece of software identified in a firmware image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// Canonical name from the identity table (`busybox`, `openssl`,
    /// `dropbear`, …), or the name as found when the table has none.
    pub name: String,
    /// The version as the component states it (`1.0.2k`, `2019.78`).
    pub version: String,
    /// CPE 2.3 formatted string, when the identity table knows the product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpe: Option<String>,
    /// Package URL, when the identity table knows the product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Where it was identified: file evidence with the version string as excerpt.
    pub evidence: Vec<Evidence>,
}

impl Component {
    /// A component with CPE and PURL filled in from the identity table
    /// (when `name` or one of its aliases is in it; the name is then
    /// replaced by the canonical one).
    pub fn identified(name: &str, version: &str, evidence: Vec<Evidence>) -> Self {
        let version = version.trim().to_string();
        match ComponentIdentity::lookup(name) {
            Some(id) => Component {
                name: id.name.clone(),
                cpe: Some(id.cpe23(&version)),
                purl: Some(format!("{}@{}", id.purl, purl_escape(&version))),
                version,
                evidence,
            },
            None => Component {
                name: name.trim().to_string(),
                version,
                cpe: None,
                purl: None,
                evidence,
            },
        }
    }
}

/// One row of the component identity table (`data/components.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentIdentity {
    /// Canonical name.
    pub name: String,
    /// CPE `vendor:product`.
    pub cpe: String,
    /// Package URL without version (`pkg:generic/busybox`).
    pub purl: String,
    /// Other names it goes by.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// CPE part: `a` (application, the default) or `o` (operating system,
    /// as NVD files the Linux kernel).
    #[serde(default)]
    pub part: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    component: Vec<ComponentIdentity>,
}

/// The table as shipped; a test proves it parses.
const TABLE: &str = include_str!("../data/components.toml");

/// Lower case, with `-`, `_` and spaces treated alike.
fn key(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| match c {
            '-' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Escapes a version for a PURL / CPE field: anything outside a safe set
/// is percent-encoded (PURL) so a hostile version string cannot inject
/// qualifiers.
fn purl_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~' | b'+') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl ComponentIdentity {
    /// Every identity, in table order.
    pub fn all() -> &'static [ComponentIdentity] {
        static ALL: OnceLock<Vec<ComponentIdentity>> = OnceLock::new();
        ALL.get_or_init(|| {
            toml::from_str::<Table>(TABLE)
                .map(|t| t.component)
                .unwrap_or_default()
        })
    }

    /// The identity `name` (canonical, alias, or CPE product) refers to.
    pub fn lookup(name: &str) -> Option<&'static ComponentIdentity> {
        let k = key(name);
        Self::all().iter().find(|id| {
            key(&id.name) == k
                || id.aliases.iter().any(|a| key(a) == k)
                || id.cpe.split(':').nth(1).is_some_and(|p| key(p) == k)
        })
    }

    /// The identity whose CPE is `vendor:product` (case-insensitive).
    pub fn by_cpe(vendor: &str, product: &str) -> Option<&'static ComponentIdentity> {
        let want = format!("{}:{}", key(vendor), key(product));
        Self::all().iter().find(|id| key(&id.cpe) == want)
    }

    /// CPE vendor.
    pub fn cpe_vendor(&self) -> &str {
        self.cpe.split(':').next().unwrap_or("")
    }

    /// CPE product.
    pub fn cpe_product(&self) -> &str {
        self.cpe.split(':').nth(1).unwrap_or("")
    }

    /// The CPE 2.3 formatted string of this product at `version`.
    pub fn cpe23(&self, version: &str) -> String {
        let v: String = version
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '~') {
                    c.to_string()
                } else {
                    format!("\\{c}")
                }
            })
            .collect();
        format!(
            "cpe:2.3:{}:{}:{}:{}:*:*:*:*:*:*:*",
            if self.part.as_deref() == Some("o") {
                "o"
            } else {
                "a"
            },
            self.cpe_vendor(),
            self.cpe_product(),
            if v.is_empty() { "*".to_string() } else { v }
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn table_parses_and_names_are_unique() {
        toml::from_str::<Table>(TABLE).unwrap();
        let all = ComponentIdentity::all();
        assert!(all.len() >= 30);
        let mut keys: Vec<String> = all
            .iter()
            .flat_map(|c| std::iter::once(key(&c.name)).chain(c.aliases.iter().map(|a| key(a))))
            .collect();
        let n = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(n, keys.len(), "a name or alias is listed twice");
        for c in all {
            assert_eq!(c.cpe.split(':').count(), 2, "{}", c.name);
            assert!(c.purl.starts_with("pkg:"), "{}", c.name);
        }
    }

    #[test]
    fn aliases_and_cpe_products_resolve() {
        assert_eq!(
            ComponentIdentity::lookup("Dropbear_SSH").unwrap().name,
            "dropbear"
        );
        assert_eq!(ComponentIdentity::lookup("libcurl").unwrap().name, "curl");
        assert_eq!(
            ComponentIdentity::lookup("linux_kernel").unwrap().name,
            "linux"
        );
        assert_eq!(
            ComponentIdentity::by_cpe("Thekelleys", "DNSMASQ")
                .unwrap()
                .name,
            "dnsmasq"
        );
        assert!(ComponentIdentity::lookup("no-such-thing").is_none());
        assert_eq!(
            ComponentIdentity::lookup("linux").unwrap().cpe23("4.14.0"),
            "cpe:2.3:o:linux:linux_kernel:4.14.0:*:*:*:*:*:*:*"
        );
    }

    #[test]
    fn identified_fills_cpe_and_purl_and_escapes_the_version() {
        let c = Component::identified("libssl", "1.0.2k", vec![]);
        assert_eq!(c.name, "openssl");
        assert_eq!(
            c.cpe.as_deref(),
            Some("cpe:2.3:a:openssl:openssl:1.0.2k:*:*:*:*:*:*:*")
        );
        assert_eq!(c.purl.as_deref(), Some("pkg:generic/openssl@1.0.2k"));
        let hostile = Component::identified("busybox", "1.0?x=1#y", vec![]);
        assert_eq!(
            hostile.purl.as_deref(),
            Some("pkg:generic/busybox@1.0%3Fx%3D1%23y")
        );
        assert_eq!(
            hostile.cpe.as_deref(),
            Some("cpe:2.3:a:busybox:busybox:1.0\\?x\\=1\\#y:*:*:*:*:*:*:*")
        );
    }
}
