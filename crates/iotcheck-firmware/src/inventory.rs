//! The firmware component inventory: named, versioned software found in an
//! unpacked image, for the SBOM and the vulnerability matcher.
//!
//! What it does:
//! - runs the version signatures of `data/signatures.toml` (byte regexes
//!   built from the upstream source lines that put a version string into a
//!   binary: BusyBox's banner, OpenSSL's `OPENSSL_VERSION_TEXT`, Dropbear's
//!   `LOCAL_IDENT`, …) over every file that is not plain text, over entry
//!   paths (`libuClibc-0.9.33.2.so`) and over container header names (a
//!   uImage `ih_name` such as `MIPS OpenWrt Linux-4.14.95`);
//! - reads package-manager metadata when present: opkg
//!   (`/usr/lib/opkg/status`, `/usr/lib/opkg/info/*.control`), dpkg
//!   (`/var/lib/dpkg/status`) and apk (`/lib/apk/db/installed`);
//! - names each find through the shared identity table
//!   ([`iotcheck_model::Component::identified`]: CPE 2.3 and PURL), keeps
//!   the upstream version (a package's epoch and distribution revision are
//!   dropped for known components), rejects implausible versions, and merges
//!   finds by (name, version) with at most [`MAX_EVIDENCE`] evidence items
//!   each (image, nested path, byte offset, the matched text).
//!
//! What it does not do: guess versions from file names of programs, hashes
//! of known binaries, ELF symbol versions (`GLIBC_2.28` says what a program
//! needs, not what is shipped) or `.so` sonames; read RPM databases; or judge
//! whether a version is vulnerable (that is `iotcheck-vulns`' job).
//!
//! Every scan is bounded: files are already bounded by [`crate::Limits`],
//! a rule reports at most [`MAX_MATCHES_PER_FILE`] matches per file, a
//! `near` rule looks at most its `window` bytes either side of its anchor,
//! and at most [`MAX_COMPONENTS`] distinct components are kept.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use iotcheck_model::{Component, ComponentIdentity, Evidence};
use regex::bytes::{Regex, RegexSet};
use serde::Deserialize;

use crate::image::{EntryKind, Image};
use crate::text;

/// Evidence items kept per component.
pub const MAX_EVIDENCE: usize = 5;
/// Matches one rule may report from one file.
pub const MAX_MATCHES_PER_FILE: usize = 16;
/// Distinct (name, version) pairs kept per image: a hostile status file of
/// a million one-line stanzas must not become a million components.
pub const MAX_COMPONENTS: usize = 5_000;
/// Longest version accepted.
pub const MAX_VERSION_LEN: usize = 32;
/// Longest excerpt kept as evidence (characters).
const MAX_EXCERPT: usize = 120;

const SIGNATURES: &str = include_str!("../data/signatures.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    signature: Vec<RawSignature>,
    #[serde(default)]
    package: Vec<RawPackageRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignature {
    component: String,
    pattern: String,
    near: Option<String>,
    window: Option<usize>,
    #[serde(default)]
    target: Target,
    #[serde(default)]
    files: Vec<String>,
    #[serde(default)]
    examples: Vec<[String; 2]>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPackageRule {
    component: String,
    names: String,
}

/// What a signature is matched against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Target {
    #[default]
    Content,
    Path,
    Header,
}

/// A compiled version signature.
#[derive(Debug)]
struct Signature {
    component: String,
    regex: Regex,
    near: Option<(Regex, usize)>,
    target: Target,
    files: Vec<String>,
    /// Read by the unit test that runs every rule on its examples.
    #[cfg_attr(not(test), allow(dead_code))]
    examples: Vec<[String; 2]>,
}

#[derive(Debug)]
struct Rules {
    signatures: Vec<Signature>,
    /// The content signatures' `pattern`s, in the order of `content`.
    content_set: RegexSet,
    content: Vec<usize>,
    packages: Vec<(String, Regex)>,
}

/// Why the signature table is unusable (a bug in this build: a unit test
/// loads it).
#[derive(Debug, thiserror::Error)]
#[error("data/signatures.toml: {0}")]
struct RulesError(String);

fn compile(pattern: &str) -> Result<Regex, RulesError> {
    Regex::new(&format!("(?-u){pattern}")).map_err(|e| RulesError(e.to_string()))
}

fn load() -> Result<Rules, RulesError> {
    let raw: RawTable = toml::from_str(SIGNATURES).map_err(|e| RulesError(e.to_string()))?;
    let mut signatures = Vec::new();
    for s in raw.signature {
        let regex = compile(&s.pattern)?;
        let near = match &s.near {
            Some(n) => Some((compile(n)?, s.window.unwrap_or(256))),
            None => None,
        };
        let groups_ok = match &near {
            Some((n, _)) => n.captures_len() >= 2,
            None => regex.captures_len() >= 2,
        };
        if !groups_ok {
            return Err(RulesError(format!(
                "{}: {:?} has no version capture group",
                s.component, s.pattern
            )));
        }
        signatures.push(Signature {
            component: s.component,
            regex,
            near,
            target: s.target,
            files: s.files,
            examples: s.examples,
        });
    }
    let content: Vec<usize> = (0..signatures.len())
        .filter(|&i| signatures[i].target == Target::Content)
        .collect();
    let content_set = RegexSet::new(content.iter().map(|&i| {
        format!(
            "(?-u){}",
            signatures[i].regex.as_str().trim_start_matches("(?-u)")
        )
    }))
    .map_err(|e| RulesError(e.to_string()))?;
    let packages = raw
        .package
        .into_iter()
        .map(|p| Ok((p.component, compile(&format!(r"\A(?:{})\z", p.names))?)))
        .collect::<Result<_, RulesError>>()?;
    Ok(Rules {
        signatures,
        content_set,
        content,
        packages,
    })
}

fn rules() -> Option<&'static Rules> {
    static RULES: OnceLock<Option<Rules>> = OnceLock::new();
    RULES.get_or_init(|| load().ok()).as_ref()
}

/// Whether `v` is a plausible version: starts with a digit, at most
/// [`MAX_VERSION_LEN`] characters of `[0-9A-Za-z._+~-]`.
pub fn plausible_version(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= MAX_VERSION_LEN
        && v.as_bytes()[0].is_ascii_digit()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'~' | b'-'))
}

/// One version found by one rule, before naming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionMatch {
    /// The component the rule names (canonical or alias).
    pub component: String,
    pub version: String,
    /// Byte offset of the matched text in the scanned bytes.
    pub offset: usize,
    /// The matched text, printable, at most 120 characters.
    pub excerpt: String,
}

/// The version of one match: group 1, validated.
fn version_of(caps: &regex::bytes::Captures<'_>) -> Option<String> {
    let v = std::str::from_utf8(caps.get(1)?.as_bytes()).ok()?;
    plausible_version(v).then(|| v.to_string())
}

/// The matched bytes without the separators a pattern may start or end
/// with (any byte that is not printable ASCII), and their offset.
fn trimmed(bytes: &[u8], start: usize, end: usize) -> (usize, &[u8]) {
    let sep = |b: &u8| !(0x20..=0x7e).contains(b);
    let mut s = start;
    let mut e = end;
    while s < e && sep(&bytes[s]) {
        s += 1;
    }
    while e > s && sep(&bytes[e - 1]) {
        e -= 1;
    }
    (s, &bytes[s..e])
}

fn excerpt(b: &[u8]) -> String {
    text::excerpt(b, MAX_EXCERPT - 1)
}

fn run_signature(sig: &Signature, bytes: &[u8], out: &mut Vec<VersionMatch>) {
    match &sig.near {
        None => {
            for caps in sig.regex.captures_iter(bytes).take(MAX_MATCHES_PER_FILE) {
                let Some(version) = version_of(&caps) else {
                    continue;
                };
                let Some(m) = caps.get(0) else { continue };
                let (offset, text) = trimmed(bytes, m.start(), m.end());
                out.push(VersionMatch {
                    component: sig.component.clone(),
                    version,
                    offset,
                    excerpt: excerpt(text),
                });
            }
        }
        Some((near, window)) => {
            for anchor in sig.regex.find_iter(bytes).take(MAX_MATCHES_PER_FILE) {
                let lo = anchor.start().saturating_sub(*window);
                let hi = anchor.end().saturating_add(*window).min(bytes.len());
                let area = &bytes[lo..hi];
                // The version literal closest to the anchor wins.
                let best = near
                    .captures_iter(area)
                    .filter_map(|c| {
                        let g = c.get(1)?;
                        let at = lo + g.start();
                        let dist = if at >= anchor.end() {
                            at - anchor.end()
                        } else {
                            anchor.start().saturating_sub(lo + g.end())
                        };
                        Some((dist, at, version_of(&c)?, g.end() - g.start()))
                    })
                    .min_by_key(|(dist, ..)| *dist);
                let Some((_, at, version, len)) = best else {
                    continue;
                };
                let (_, anchor_text) = trimmed(bytes, anchor.start(), anchor.end());
                let mut text = excerpt(anchor_text);
                text.push_str(" … ");
                text.push_str(&excerpt(&bytes[at..at + len]));
                out.push(VersionMatch {
                    component: sig.component.clone(),
                    version,
                    offset: at,
                    excerpt: text.chars().take(MAX_EXCERPT).collect(),
                });
            }
        }
    }
}

fn file_name(inner: &str) -> &str {
    inner.rsplit('/').next().unwrap_or(inner)
}

fn hinted(sig: &Signature, inner: &str) -> bool {
    sig.files.is_empty() || {
        let name = file_name(inner);
        sig.files.iter().any(|h| name.starts_with(h.as_str()))
    }
}

/// Version strings in the contents of one file named `inner` (its path
/// inside its filesystem): every content signature, bounded as the module
/// doc says. Exposed for tests and tools; [`inventory`] is the usual entry.
pub fn scan_bytes(inner: &str, bytes: &[u8]) -> Vec<VersionMatch> {
    let Some(r) = rules() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for i in r.content_set.matches(bytes).iter() {
        let sig = &r.signatures[r.content[i]];
        if hinted(sig, inner) {
            run_signature(sig, bytes, &mut out);
        }
    }
    out
}

fn scan_target(target: Target, text: &str) -> Vec<VersionMatch> {
    let Some(r) = rules() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for sig in r.signatures.iter().filter(|s| s.target == target) {
        run_signature(sig, text.as_bytes(), &mut out);
    }
    out
}

/// Whether a file is scanned for version strings: ELF objects and anything
/// else that is not plain text (kernels, firmware blobs). Scripts, configs
/// and documentation mention versions of other things.
fn scannable(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF") || !text::is_text(bytes)
}

/// One installed package from package-manager metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    pub version: String,
    /// Byte offset of the stanza (its first line) in the file.
    pub offset: usize,
}

/// Packages in an opkg/dpkg status or control file (RFC 822-like stanzas:
/// `Package:`, `Version:`, `Status:`) or an apk `installed` database
/// (`P:`, `V:`). Packages whose dpkg/opkg status says they are not
/// installed are left out.
pub fn parse_packages(bytes: &[u8]) -> Vec<Package> {
    let mut out = Vec::new();
    let mut start = None;
    let mut name: Option<String> = None;
    let mut version: Option<String> = None;
    let mut installed = true;
    let mut flush = |start: &mut Option<usize>,
                     name: &mut Option<String>,
                     version: &mut Option<String>,
                     installed: &mut bool| {
        if let (Some(s), Some(n), Some(v)) = (start.take(), name.take(), version.take())
            && *installed
        {
            out.push(Package {
                name: n,
                version: v,
                offset: s,
            });
        }
        *start = None;
        *name = None;
        *version = None;
        *installed = true;
    };
    for (off, line) in text::lines(bytes) {
        if line.iter().all(u8::is_ascii_whitespace) {
            flush(&mut start, &mut name, &mut version, &mut installed);
            continue;
        }
        start.get_or_insert(off);
        let line = String::from_utf8_lossy(line);
        let (key, value) = match line.split_once(':') {
            Some((k, v)) if !k.starts_with([' ', '\t']) => (k.trim(), v.trim()),
            _ => continue,
        };
        match key {
            "Package" | "P" => name = Some(value.to_string()),
            "Version" | "V" => version = Some(value.to_string()),
            "Status" => {
                installed = !value.contains("not-installed")
                    && !value.contains("config-files")
                    && !value.contains("deinstall")
            }
            _ => {}
        }
    }
    flush(&mut start, &mut name, &mut version, &mut installed);
    out
}

fn is_package_db(inner: &str) -> bool {
    matches!(
        inner,
        "/usr/lib/opkg/status" | "/var/lib/dpkg/status" | "/lib/apk/db/installed"
    ) || (inner.starts_with("/usr/lib/opkg/info/") && inner.ends_with(".control"))
        || inner.starts_with("/var/lib/dpkg/status.d/")
}

/// The upstream version of a distribution package version: no epoch
/// (`1:`), no revision (`-4+deb12u1`, `-1`), no repack suffix (`.dfsg`,
/// `+ds`).
pub fn upstream_version(v: &str) -> String {
    let v = v.trim();
    let v = match v.split_once(':') {
        Some((epoch, rest)) if !epoch.is_empty() && epoch.bytes().all(|b| b.is_ascii_digit()) => {
            rest
        }
        _ => v,
    };
    let v = v.split('-').next().unwrap_or(v);
    let mut v = v.to_string();
    for suffix in [".dfsg", "+dfsg", "~dfsg", "+ds", ".ds", "+really"] {
        if let Some(i) = v.find(suffix) {
            v.truncate(i);
        }
    }
    v
}

/// The component a package is, and the version to record.
fn package_component(r: &Rules, p: &Package) -> Option<(String, String)> {
    let known = r
        .packages
        .iter()
        .find(|(_, re)| re.is_match(p.name.as_bytes()))
        .map(|(c, _)| c.clone())
        .or_else(|| ComponentIdentity::lookup(&p.name).map(|id| id.name.clone()));
    let (name, version) = match known {
        Some(c) => (c, upstream_version(&p.version)),
        // Unknown to the table: kept under its own name with the version as
        // the package states it (without an epoch).
        None => {
            let v = p.version.trim();
            let v = v
                .split_once(':')
                .filter(|(e, _)| e.bytes().all(|b| b.is_ascii_digit()))
                .map_or(v, |(_, rest)| rest);
            (p.name.clone(), v.to_string())
        }
    };
    let name_ok = !name.is_empty()
        && name.len() <= 100
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'-'));
    (name_ok && plausible_version(&version)).then_some((name, version))
}

/// Drops a version that another match of the same component in the same
/// file extends with a letter suffix: OpenSSH's `version.h` stores
/// `SSH_VERSION` ("OpenSSH_9.2", sent in the protocol banner) and
/// `SSH_RELEASE` = `SSH_VERSION SSH_PORTABLE` ("OpenSSH_9.2p1") as separate
/// strings, and the release is the version shipped.
fn collapse_prefixes(matches: Vec<VersionMatch>) -> Vec<VersionMatch> {
    let extended = |m: &VersionMatch| {
        matches.iter().any(|o| {
            o.component == m.component
                && o.version.len() > m.version.len()
                && o.version.starts_with(&m.version)
                && o.version.as_bytes()[m.version.len()].is_ascii_alphabetic()
        })
    };
    let keep: Vec<bool> = matches.iter().map(|m| !extended(m)).collect();
    matches
        .into_iter()
        .zip(keep)
        .filter_map(|(m, k)| k.then_some(m))
        .collect()
}

/// Components accumulated by (name, version).
#[derive(Default)]
struct Found {
    by_key: BTreeMap<(String, String), Component>,
}

impl Found {
    fn add(&mut self, component: &str, version: &str, evidence: Evidence) {
        let c = Component::identified(component, version, Vec::new());
        let key = (c.name.clone(), c.version.clone());
        if self.by_key.len() >= MAX_COMPONENTS && !self.by_key.contains_key(&key) {
            return;
        }
        let entry = self.by_key.entry(key).or_insert(c);
        if entry.evidence.len() < MAX_EVIDENCE && !entry.evidence.contains(&evidence) {
            entry.evidence.push(evidence);
        }
    }
}

fn evidence(image: &str, path: &[String], offset: Option<usize>, excerpt: String) -> Evidence {
    Evidence::File {
        image: image.into(),
        path: path.to_vec(),
        offset: offset.map(|o| o as u64),
        excerpt: Some(excerpt),
    }
}

/// The components identified in `image`, sorted by name and version.
///
/// Never panics; empty when nothing was identified (or, in a broken build,
/// when the signature table does not load — a unit test guards that).
pub fn inventory(image: &Image) -> Vec<Component> {
    let Some(r) = rules() else {
        return Vec::new();
    };
    let mut found = Found::default();
    for h in &image.headers {
        for m in scan_target(Target::Header, &h.name) {
            found.add(
                &m.component,
                &m.version,
                evidence(&image.name, &h.path, Some(h.offset as usize), m.excerpt),
            );
        }
    }
    for e in &image.entries {
        let inner = e.inner_path();
        if !matches!(e.kind, EntryKind::Dir) {
            for m in scan_target(Target::Path, inner) {
                found.add(
                    &m.component,
                    &m.version,
                    evidence(&image.name, &e.path, None, m.excerpt),
                );
            }
        }
        let Some(bytes) = e.bytes() else { continue };
        if is_package_db(inner) {
            for p in parse_packages(bytes) {
                if let Some((name, version)) = package_component(r, &p) {
                    let ex =
                        excerpt(format!("Package: {} Version: {}", p.name, p.version).as_bytes());
                    found.add(
                        &name,
                        &version,
                        evidence(&image.name, &e.path, Some(p.offset), ex),
                    );
                }
            }
            continue;
        }
        if !scannable(bytes) {
            continue;
        }
        for m in collapse_prefixes(scan_bytes(inner, bytes)) {
            found.add(
                &m.component,
                &m.version,
                evidence(&image.name, &e.path, Some(m.offset), m.excerpt),
            );
        }
    }
    found.by_key.into_values().collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn signature_table_loads_and_names_known_components() {
        let r = load().unwrap();
        assert!(r.signatures.len() >= 20);
        for s in &r.signatures {
            assert!(
                ComponentIdentity::lookup(&s.component).is_some(),
                "{} is not in the identity table",
                s.component
            );
            assert!(
                !s.examples.is_empty(),
                "{}: rule without an example",
                s.component
            );
        }
        for (c, _) in &r.packages {
            assert!(ComponentIdentity::lookup(c).is_some(), "{c}");
        }
    }

    /// A test per rule: each finds the version in each of its own examples.
    #[test]
    fn every_rule_finds_its_examples() {
        let r = load().unwrap();
        for s in &r.signatures {
            for [text, want] in &s.examples {
                let mut out = Vec::new();
                run_signature(s, text.as_bytes(), &mut out);
                assert!(
                    out.iter().any(|m| &m.version == want),
                    "{} rule {:?} on {text:?}: {out:?}",
                    s.component,
                    s.regex.as_str()
                );
                assert!(out.iter().all(|m| m.excerpt.chars().count() <= MAX_EXCERPT));
            }
        }
    }

    /// No rule claims another component's example for itself.
    #[test]
    fn no_rule_fires_on_another_components_examples() {
        let r = load().unwrap();
        for s in r.signatures.iter().filter(|s| s.target == Target::Content) {
            for other in r.signatures.iter().filter(|o| o.component != s.component) {
                for [text, _] in &other.examples {
                    let mut out = Vec::new();
                    run_signature(s, text.as_bytes(), &mut out);
                    assert!(
                        out.is_empty(),
                        "{} rule fires on {}'s example {text:?}: {out:?}",
                        s.component,
                        other.component
                    );
                }
            }
        }
    }

    #[test]
    fn lookalikes_are_not_versions() {
        // OpenSSH's compat table lists peers by prefix; prose has no date.
        assert!(scan_bytes("/usr/sbin/sshd", b"\0OpenSSH_3.0*,OpenSSH_3.1*\0").is_empty());
        assert!(scan_bytes("/x", b"\0requires OpenSSL 1.0.2 or later\0").is_empty());
        assert!(scan_bytes("/x", b"BusyBox v%s (%s)").is_empty());
        // libavahi-client carries "avahi 0.6" whatever its own version.
        assert!(scan_bytes("/usr/lib/libavahi-client.so.3", b"\0avahi 0.6\0").is_empty());
        // A version literal far from the format string is not taken.
        let mut far = b"mosquitto version %s\0".to_vec();
        far.extend(std::iter::repeat_n(b'x', 1000));
        far.extend(b"\x001.4.10\0");
        assert!(scan_bytes("/usr/sbin/mosquitto", &far).is_empty());
        // …and a near rule only runs on the files it names.
        assert!(scan_bytes("/usr/bin/other", b"mosquitto version %s\x001.4.10\0").is_empty());
        assert_eq!(
            scan_bytes("/usr/sbin/mosquitto", b"mosquitto version %s\x001.4.10\0")[0].version,
            "1.4.10"
        );
    }

    #[test]
    fn a_string_may_start_after_any_unprintable_byte() {
        // libpcre.so.3's rodata: a jump table, then pcre_version()'s literal.
        let m = scan_bytes(
            "/lib/libpcre.so.3.13.3",
            b"\xfc\x7f\xfe\xff8.39 2016-06-14\0\xbc",
        );
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!((m[0].version.as_str(), m[0].offset), ("8.39", 4));
        assert_eq!(m[0].excerpt, "8.39 2016-06-14");
        // …but not after a printable one.
        assert!(scan_bytes("/lib/libpcre.so.3", b"\0x8.39 2016-06-14\0").is_empty());
    }

    #[test]
    fn a_version_extended_in_the_same_file_is_dropped() {
        let bytes = b"\0OpenSSH_9.2\0SSH-2.0-%.100s\0OpenSSH_9.2p1\0";
        let all = scan_bytes("/usr/bin/ssh", bytes);
        assert_eq!(all.len(), 2);
        let kept: Vec<String> = collapse_prefixes(all)
            .into_iter()
            .map(|m| m.version)
            .collect();
        assert_eq!(kept, ["9.2p1"]);
        // Different components, or a numeric continuation, are kept.
        let two = scan_bytes("/x", b"\0OpenSSH_9.2\0nginx/9.2.1\0");
        assert_eq!(collapse_prefixes(two).len(), 2);
    }

    #[test]
    fn a_flood_of_packages_is_capped() {
        let mut status = Vec::new();
        for i in 0..(MAX_COMPONENTS + 50) {
            status.extend(format!("Package: p{i}\nVersion: 1.{i}\n\n").as_bytes());
        }
        let img = Image {
            name: "flood".into(),
            entries: vec![crate::Entry {
                path: vec!["tar@0x0".into(), "/usr/lib/opkg/status".into()],
                kind: EntryKind::File(status),
            }],
            ..Image::default()
        };
        assert_eq!(inventory(&img).len(), MAX_COMPONENTS);
    }

    #[test]
    fn versions_are_bounded_and_sane() {
        assert!(plausible_version("1.28.2"));
        assert!(plausible_version("2019.78"));
        assert!(!plausible_version("v1.2"));
        assert!(!plausible_version(""));
        assert!(!plausible_version(&"1".repeat(33)));
        assert!(!plausible_version("1.2;rm"));
    }

    #[test]
    fn package_versions_lose_epoch_and_revision() {
        assert_eq!(upstream_version("1:1.35.0-4+deb12u1"), "1.35.0");
        assert_eq!(upstream_version("1.2.8.dfsg-2ubuntu4"), "1.2.8");
        assert_eq!(upstream_version("2019.78-2"), "2019.78");
        assert_eq!(upstream_version("4.14.95-1-0b0b7e7d"), "4.14.95");
        assert_eq!(upstream_version("1.1.1n-1"), "1.1.1n");
    }

    #[test]
    fn status_files_parse_and_skip_removed_packages() {
        let status = b"Package: busybox\nVersion: 1.28.4-3\nStatus: install ok installed\nArchitecture: mips_24kc\n\n\
Package: old\nVersion: 1.0\nStatus: deinstall ok config-files\n\n\
Package: libopenssl1.1\nVersion: 1.1.1b-1\nDescription: x\n  continued: line\n";
        let p = parse_packages(status);
        let text = std::str::from_utf8(status).unwrap();
        assert_eq!(p[1].offset, text.find("Package: libopenssl1.1").unwrap());
        assert_eq!(
            p[1].offset,
            status.iter().position(|&b| b == b'\n').map_or(0, |_| 0) + {
                let s = std::str::from_utf8(status).unwrap();
                s.find("Package: libopenssl1.1").unwrap()
            }
        );
        let apk = b"C:Q1abc=\nP:musl\nV:1.2.4-r2\n\nP:busybox\nV:1.36.1-r5\n";
        let p = parse_packages(apk);
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].version, "1.36.1-r5");
    }
}
