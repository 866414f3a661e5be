//! Reading a bundle: `device.toml` and the inputs it names.
//!
//! `device.toml` is read into raw types that mirror the file (unknown keys
//! rejected) and converted once into an [`Assessment`]; every error names the
//! file, the line and the key. Input paths are confined to the bundle: no
//! absolute paths, no `..`, no symlink that leads outside it.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use iotcheck_model::{InputKind, Product};
use iotcheck_standards::{Catalog, Claims};
use serde::Deserialize;
use toml::Spanned;

/// Everything an assessment needs: what the product is, what it claims,
/// how to recognise it, and its inputs.
#[derive(Debug, Clone, Default)]
pub struct Assessment {
    pub product: Product,
    pub claims: Claims,
    /// Where the claims came from (`device.toml`), for the report.
    pub claims_source: String,
    pub device: DeviceId,
    pub inputs: Vec<InputSpec>,
    /// Extra default passwords to try against password hashes found in
    /// firmware (e.g. a botnet's list), on top of the built-in generic ones.
    pub extra_passwords: Vec<String>,
    /// How to probe the live hosts among the inputs (ports, credential
    /// list, bounds); the defaults unless `iotcheck probe` flags say otherwise.
    pub probe: iotcheck_probe::ProbeOptions,
    /// The process that extracts PDF text under a memory limit and a
    /// timeout (the CLI names itself); `None` extracts in this process,
    /// with per-stream caps but no hard memory bound.
    pub pdf_helper: Option<iotcheck_docs::text::PdfHelper>,
    /// How to check the security.txt inputs: keys to verify signatures
    /// with, and where a fetched file came from (`iotcheck docs
    /// security-txt URL` sets it for its one input). Default: neither.
    pub security_txt: iotcheck_docs::securitytxt::Options,
    /// Where fetched privacy policies came from, by input location (`iotcheck
    /// docs privacy-policy URL` sets it): decides `docs.policy-https`.
    pub policy_provenance: std::collections::BTreeMap<String, iotcheck_docs::fetch::Provenance>,
    /// How to unpack firmware images: the limits, and where to keep the
    /// unpacked trees (`iotcheck firmware --extract DIR`).
    pub firmware: FirmwareOptions,
}

/// How firmware images are unpacked.
#[derive(Debug, Clone, Default)]
pub struct FirmwareOptions {
    pub limits: iotcheck_firmware::Limits,
    /// Write each unpacked tree under this directory (see
    /// [`iotcheck_firmware::extract`]); `None` keeps everything in memory.
    pub extract: Option<PathBuf>,
}

/// The unit under test as seen on the network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceId {
    pub mac: Vec<String>,
    pub ip: Vec<std::net::IpAddr>,
}

/// One input to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputSpec {
    pub kind: InputKind,
    /// How the report names it: a bundle-relative path, a path as given, or a host.
    pub location: String,
    /// The file to read; `None` for hosts, and for inputs that could not be
    /// resolved (then `problem` says why).
    pub path: Option<PathBuf>,
    /// Why the input cannot be used, found while resolving it.
    pub problem: Option<String>,
}

impl InputSpec {
    pub fn file(kind: InputKind, path: impl Into<PathBuf>) -> InputSpec {
        let path = path.into();
        InputSpec {
            kind,
            location: path.display().to_string(),
            path: Some(path),
            problem: None,
        }
    }

    pub fn host(host: impl Into<String>) -> InputSpec {
        InputSpec {
            kind: InputKind::Host,
            location: host.into(),
            path: None,
            problem: None,
        }
    }
}

/// A bundle or claims file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("{path}: no such bundle directory")]
    NoBundle { path: String },
    #[error("{path}: not a bundle: it has no device.toml (see docs/BUNDLE.md)")]
    NoDeviceToml { path: String },
    #[error("{path}: cannot read: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("{file}:{line}:{column}: {message}")]
    Invalid {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
}

const MAX_DEVICE_TOML: u64 = 1 << 20;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeviceToml {
    product: Option<Spanned<Product>>,
    #[serde(default)]
    claims: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    #[serde(default)]
    device: RawDevice,
    inputs: Option<RawInputs>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDevice {
    mac: Option<Spanned<toml::Value>>,
    ip: Option<Spanned<toml::Value>>,
}

/// A key that takes one string or a list of strings.
fn one_or_many(
    src: &Source<'_>,
    key: &str,
    value: Option<Spanned<toml::Value>>,
) -> Result<Vec<Spanned<String>>, BundleError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let span = value.span();
    let wrong = || {
        src.error(
            span.clone(),
            format!("{key}: expected a string or a list of strings"),
        )
    };
    match value.into_inner() {
        toml::Value::String(s) => Ok(vec![Spanned::new(span.clone(), s)]),
        toml::Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                toml::Value::String(s) => Ok(Spanned::new(span.clone(), s)),
                _ => Err(wrong()),
            })
            .collect(),
        _ => Err(wrong()),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawInputs {
    #[serde(default)]
    captures: Vec<Spanned<String>>,
    #[serde(default)]
    firmware: Vec<Spanned<String>>,
    privacy_policy: Option<Spanned<String>>,
    security_txt: Option<Spanned<String>>,
    disclosure_policy: Option<Spanned<String>>,
    host: Option<Spanned<toml::Value>>,
}

/// Line and column (1-based) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

struct Source<'a> {
    file: String,
    text: &'a str,
}

impl Source<'_> {
    fn error(&self, span: std::ops::Range<usize>, message: impl Into<String>) -> BundleError {
        let (line, column) = line_col(self.text, span.start);
        BundleError::Invalid {
            file: self.file.clone(),
            line,
            column,
            message: message.into(),
        }
    }
}

fn read_toml(path: &Path) -> Result<String, BundleError> {
    let unreadable = |reason: String| BundleError::Unreadable {
        path: path.display().to_string(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| unreadable(e.to_string()))?;
    if !meta.is_file() {
        return Err(unreadable("not a regular file".into()));
    }
    if meta.len() > MAX_DEVICE_TOML {
        return Err(unreadable(format!(
            "{} bytes; a device.toml is at most {MAX_DEVICE_TOML}",
            meta.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| unreadable(e.to_string()))?;
    String::from_utf8(bytes)
        .map_err(|e| unreadable(format!("not UTF-8 (byte {})", e.utf8_error().valid_up_to())))
}

fn parse_raw(src: &Source<'_>) -> Result<RawDeviceToml, BundleError> {
    toml::from_str::<RawDeviceToml>(src.text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        src.error(span, e.message().trim().to_string())
    })
}

/// An input path or glob from `[inputs]`, checked for shape but not resolved.
struct Pattern {
    kind: InputKind,
    text: Spanned<String>,
    glob: bool,
}

/// Everything in device.toml that can be checked without the filesystem;
/// the returned assessment holds the hosts, the patterns the files.
fn parse_device_toml(
    src: &Source<'_>,
    catalog: &Catalog,
) -> Result<(Assessment, Vec<Pattern>), BundleError> {
    let raw = parse_raw(src)?;
    let Some(product) = raw.product else {
        return Err(src.error(
            0..0,
            "missing [product] table (vendor and model are required)",
        ));
    };
    let mut a = Assessment::from_parts(src, catalog, product, raw.claims, raw.device)?;
    a.claims_source = "device.toml".into();
    let Some(inputs) = raw.inputs else {
        return Err(src.error(
            0..0,
            "missing [inputs] table: a bundle must name at least one input",
        ));
    };
    let mut patterns = Vec::new();
    let mut add = |kind, text: Spanned<String>, glob| -> Result<(), BundleError> {
        let p = text.get_ref();
        let rel = Path::new(p);
        if p.is_empty()
            || p.contains('\0')
            || rel.is_absolute()
            || rel
                .components()
                .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(src.error(
                text.span(),
                format!(
                    "inputs: {p:?} must be a path inside the bundle (no absolute path, no `..`)"
                ),
            ));
        }
        if glob && let Err(e) = glob::Pattern::new(p) {
            return Err(src.error(text.span(), format!("inputs: bad pattern {p:?}: {}", e.msg)));
        }
        patterns.push(Pattern { kind, text, glob });
        Ok(())
    };
    for p in inputs.captures {
        add(InputKind::Capture, p, true)?;
    }
    for p in inputs.firmware {
        add(InputKind::Firmware, p, true)?;
    }
    for (kind, p) in [
        (InputKind::PrivacyPolicy, inputs.privacy_policy),
        (InputKind::SecurityTxt, inputs.security_txt),
        (InputKind::DisclosurePolicy, inputs.disclosure_policy),
    ] {
        if let Some(p) = p {
            add(kind, p, false)?;
        }
    }
    for h in one_or_many(src, "inputs.host", inputs.host)? {
        if !is_host(h.get_ref()) {
            return Err(src.error(
                h.span(),
                format!(
                    "inputs.host: {:?} is not an IP address or host name",
                    h.get_ref()
                ),
            ));
        }
        a.inputs.push(InputSpec::host(h.into_inner()));
    }
    if patterns.is_empty() && a.inputs.is_empty() {
        return Err(src.error(0..0, "[inputs] names no input"));
    }
    Ok((a, patterns))
}

impl Assessment {
    /// Reads `BUNDLE/device.toml` and resolves its inputs inside the bundle.
    pub fn from_bundle(dir: &Path, catalog: &Catalog) -> Result<Assessment, BundleError> {
        let shown = dir.display().to_string();
        if !dir.is_dir() {
            return Err(BundleError::NoBundle { path: shown });
        }
        let toml_path = dir.join("device.toml");
        if !toml_path.exists() {
            return Err(BundleError::NoDeviceToml { path: shown });
        }
        let text = read_toml(&toml_path)?;
        let src = Source {
            file: toml_path.display().to_string(),
            text: &text,
        };
        let (mut a, patterns) = parse_device_toml(&src, catalog)?;
        let root = dir.canonicalize().map_err(|e| BundleError::Unreadable {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let mut files = Vec::new();
        for p in &patterns {
            files.extend(resolve_in_bundle(&src, &root, p)?);
        }
        // Files first, in the order device.toml names them; hosts last.
        files.append(&mut a.inputs);
        a.inputs = files;
        Ok(a)
    }

    /// Validates the text of a device.toml without touching the filesystem:
    /// everything except whether the named inputs exist. Errors carry
    /// `file` as the file name.
    pub fn check_device_toml(file: &str, text: &str, catalog: &Catalog) -> Result<(), BundleError> {
        parse_device_toml(
            &Source {
                file: file.to_string(),
                text,
            },
            catalog,
        )
        .map(|_| ())
    }

    /// Reads a claims file given with `--claims`: the `[product]`, `[claims]`
    /// and `[device]` tables of device.toml (no `[inputs]`).
    pub fn from_claims_file(path: &Path, catalog: &Catalog) -> Result<Assessment, BundleError> {
        let text = read_toml(path)?;
        let src = Source {
            file: path.display().to_string(),
            text: &text,
        };
        let raw = parse_raw(&src)?;
        if raw.inputs.is_some() {
            return Err(src.error(
                0..0,
                "[inputs] belongs in a bundle's device.toml; with --claims, give inputs as flags",
            ));
        }
        let mut a = Assessment::from_parts(
            &src,
            catalog,
            raw.product
                .unwrap_or_else(|| Spanned::new(0..0, Product::default())),
            raw.claims,
            raw.device,
        )?;
        a.claims_source = path.display().to_string();
        Ok(a)
    }

    fn from_parts(
        src: &Source<'_>,
        catalog: &Catalog,
        product: Spanned<Product>,
        raw_claims: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
        device: RawDevice,
    ) -> Result<Assessment, BundleError> {
        let span = product.span();
        let product = product.into_inner();
        if span != (0..0) && (product.vendor.trim().is_empty() || product.model.trim().is_empty()) {
            return Err(src.error(span, "product.vendor and product.model must not be empty"));
        }
        let mut claims = Claims::default();
        for (key, value) in raw_claims {
            let parsed =
                Claims::parse_value(catalog, key.get_ref(), value.get_ref()).map_err(|e| {
                    src.error(
                        if e.message.starts_with("unknown") {
                            key.span()
                        } else {
                            value.span()
                        },
                        format!("[claims] {e}"),
                    )
                })?;
            claims.0.insert(key.into_inner(), parsed);
        }
        let mut id = DeviceId::default();
        for mac in one_or_many(src, "device.mac", device.mac)? {
            let m = normalize_mac(mac.get_ref()).ok_or_else(|| {
                src.error(
                    mac.span(),
                    format!(
                        "device.mac: {:?} is not a MAC address like 00:11:22:33:44:55",
                        mac.get_ref()
                    ),
                )
            })?;
            id.mac.push(m);
        }
        for ip in one_or_many(src, "device.ip", device.ip)? {
            let addr = ip.get_ref().parse().map_err(|_| {
                src.error(
                    ip.span(),
                    format!("device.ip: {:?} is not an IP address", ip.get_ref()),
                )
            })?;
            id.ip.push(addr);
        }
        Ok(Assessment {
            product,
            claims,
            claims_source: String::new(),
            device: id,
            inputs: Vec::new(),
            extra_passwords: Vec::new(),
            probe: iotcheck_probe::ProbeOptions::default(),
            pdf_helper: None,
            security_txt: iotcheck_docs::securitytxt::Options::default(),
            policy_provenance: Default::default(),
            firmware: FirmwareOptions::default(),
        })
    }
}

/// Resolves a checked pattern to files inside `root`. One that matches
/// nothing, or a file that is missing or leads outside the bundle, becomes
/// an input with a problem so the rest of the assessment goes on.
fn resolve_in_bundle(
    src: &Source<'_>,
    root: &Path,
    pattern: &Pattern,
) -> Result<Vec<InputSpec>, BundleError> {
    let (kind, p) = (pattern.kind, pattern.text.get_ref());
    let rel = Path::new(p);
    let missing = |problem: &str| InputSpec {
        kind,
        location: p.clone(),
        path: None,
        problem: Some(problem.into()),
    };
    let mut paths = Vec::new();
    if pattern.glob {
        let Some(root_str) = root.to_str() else {
            return Err(src.error(
                pattern.text.span(),
                "inputs: the bundle's path is not valid UTF-8",
            ));
        };
        // The bundle's own path is literal: `[` or `*` in a directory name
        // must not become part of the pattern.
        let full = format!("{}/{p}", glob::Pattern::escape(root_str));
        let matches = glob::glob(&full).map_err(|e| {
            src.error(
                pattern.text.span(),
                format!("inputs: bad pattern {p:?}: {}", e.msg),
            )
        })?;
        paths.extend(matches.filter_map(Result::ok));
        if paths.is_empty() {
            return Ok(vec![missing("no file matches this pattern")]);
        }
        paths.sort();
    } else {
        paths.push(root.join(rel));
    }
    let mut out = Vec::new();
    for path in paths {
        let location = path
            .strip_prefix(root)
            .map_or_else(|_| p.clone(), |r| r.display().to_string());
        let problem = |why: String| InputSpec {
            kind,
            location: location.clone(),
            path: None,
            problem: Some(why),
        };
        out.push(match path.canonicalize() {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                problem("no such file in the bundle".into())
            }
            Err(e) => problem(e.to_string()),
            Ok(real) if !real.starts_with(root) => {
                problem("refused: it leads outside the bundle (symlink)".into())
            }
            Ok(real) => InputSpec {
                kind,
                location: location.clone(),
                path: Some(real),
                problem: None,
            },
        });
    }
    Ok(out)
}

/// `aa:bb:cc:dd:ee:ff`, lowercase, from `:`/`-` separated or bare hex.
fn normalize_mac(s: &str) -> Option<String> {
    let hex: String = s
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .collect();
    if hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let lower = hex.to_ascii_lowercase();
    Some(
        lower
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(":"),
    )
}

/// An IP address or an RFC 1123 host name. Nothing is resolved here.
pub(crate) fn is_host(s: &str) -> bool {
    if s.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    // An IPv6 literal as URLs write it: `[::1]`.
    if let Some(inner) = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        return inner.parse::<std::net::Ipv6Addr>().is_ok();
    }
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Reads a credential list: one entry a line, `user:password`,
/// `user password` or a bare password; blank lines and `#` comments are
/// skipped. Returns the distinct passwords, in order.
pub fn read_password_list(path: &Path) -> Result<Vec<String>, BundleError> {
    const MAX_BYTES: u64 = 16 << 20;
    let unreadable = |reason: String| BundleError::Unreadable {
        path: path.display().to_string(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| unreadable(e.to_string()))?;
    if !meta.is_file() || meta.len() > MAX_BYTES {
        return Err(unreadable(format!(
            "expected a text file of at most {MAX_BYTES} bytes"
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| unreadable(e.to_string()))?;
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let password = match line
            .split_once(':')
            .or_else(|| line.split_once(char::is_whitespace))
        {
            Some((_, p)) => p.trim(),
            None => line,
        };
        if seen.insert(password.to_string()) {
            out.push(password.to_string());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn bundle(toml: &str, files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("device.toml"), toml).unwrap();
        for f in files {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b"x").unwrap();
        }
        dir
    }

    const GOOD: &str = r#"
[product]
vendor = "Acme"
model = "Cam 2"

[claims]
support_until = 2029-12-31
all_traffic_encrypted = true

[device]
mac = "00-11-22-AA-BB-CC"
ip = "192.0.2.10"

[inputs]
captures = ["captures/*.pcapng"]
security_txt = "docs/security.txt"
host = "127.0.0.1"
"#;

    #[test]
    fn reads_a_good_bundle() {
        let dir = bundle(
            GOOD,
            &[
                "captures/b.pcapng",
                "captures/a.pcapng",
                "docs/security.txt",
            ],
        );
        let c = Catalog::builtin().unwrap();
        let a = Assessment::from_bundle(dir.path(), &c).unwrap();
        assert_eq!(a.product.vendor, "Acme");
        assert_eq!(a.claims.0.len(), 2);
        assert_eq!(a.device.mac, vec!["00:11:22:aa:bb:cc"]);
        let locs: Vec<&str> = a.inputs.iter().map(|i| i.location.as_str()).collect();
        assert_eq!(
            locs,
            [
                "captures/a.pcapng",
                "captures/b.pcapng",
                "docs/security.txt",
                "127.0.0.1"
            ]
        );
        assert!(a.inputs.iter().all(|i| i.problem.is_none()));
    }

    fn error_of(toml: &str) -> String {
        let dir = bundle(toml, &["captures/a.pcapng", "docs/security.txt"]);
        Assessment::from_bundle(dir.path(), &Catalog::builtin().unwrap())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let msg =
            error_of(&GOOD.replace("model = \"Cam 2\"", "model = \"Cam 2\"\ncolour = \"red\""));
        assert!(
            msg.contains("device.toml:5:") && msg.contains("colour"),
            "{msg}"
        );
    }

    #[test]
    fn unknown_claim_names_its_line() {
        let msg = error_of(&GOOD.replace("all_traffic_encrypted", "encrypted_everything"));
        assert!(
            msg.contains("device.toml:8:")
                && msg.contains("encrypted_everything")
                && msg.contains("unknown claim"),
            "{msg}"
        );
    }

    #[test]
    fn bad_claim_value_names_its_line() {
        let msg = error_of(&GOOD.replace("support_until = 2029-12-31", "support_until = \"soon\""));
        assert!(
            msg.contains("device.toml:7:") && msg.contains("support_until"),
            "{msg}"
        );
    }

    #[test]
    fn bad_mac_and_ip() {
        assert!(error_of(&GOOD.replace("00-11-22-AA-BB-CC", "00:11")).contains("device.mac"));
        assert!(error_of(&GOOD.replace("192.0.2.10", "192.0.2.300")).contains("device.ip"));
    }

    #[test]
    fn paths_must_stay_inside() {
        for bad in ["../outside.txt", "/etc/passwd", "docs/../../x"] {
            let msg = error_of(&GOOD.replace("docs/security.txt", bad));
            assert!(msg.contains("inside the bundle"), "{bad}: {msg}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlink_out_of_the_bundle_is_refused() {
        let dir = bundle(GOOD, &["captures/a.pcapng"]);
        std::fs::create_dir_all(dir.path().join("docs")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", dir.path().join("docs/security.txt")).unwrap();
        let a = Assessment::from_bundle(dir.path(), &Catalog::builtin().unwrap()).unwrap();
        let sec = a
            .inputs
            .iter()
            .find(|i| i.kind == InputKind::SecurityTxt)
            .unwrap();
        assert!(
            sec.problem
                .as_deref()
                .unwrap()
                .contains("outside the bundle")
        );
        assert!(sec.path.is_none());
    }

    #[test]
    fn bundle_path_with_glob_characters_is_literal() {
        let outer = tempfile::tempdir().unwrap();
        let dir = outer.path().join("cam [v2] *");
        std::fs::create_dir_all(dir.join("captures")).unwrap();
        std::fs::create_dir_all(dir.join("docs")).unwrap();
        std::fs::write(dir.join("device.toml"), GOOD).unwrap();
        std::fs::write(dir.join("captures/a.pcapng"), b"x").unwrap();
        std::fs::write(dir.join("docs/security.txt"), b"x").unwrap();
        let a = Assessment::from_bundle(&dir, &Catalog::builtin().unwrap()).unwrap();
        assert_eq!(a.inputs[0].location, "captures/a.pcapng");
        assert!(a.inputs[0].problem.is_none());
    }

    #[test]
    fn missing_files_become_input_problems() {
        let dir = bundle(GOOD, &[]);
        let a = Assessment::from_bundle(dir.path(), &Catalog::builtin().unwrap()).unwrap();
        assert_eq!(
            a.inputs[0].problem.as_deref(),
            Some("no file matches this pattern")
        );
        assert_eq!(
            a.inputs[1].problem.as_deref(),
            Some("no such file in the bundle")
        );
    }

    #[test]
    fn missing_bundle_and_device_toml() {
        let c = Catalog::builtin().unwrap();
        let err = Assessment::from_bundle(Path::new("/nonexistent/bundle"), &c).unwrap_err();
        assert!(matches!(err, BundleError::NoBundle { .. }));
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            Assessment::from_bundle(dir.path(), &c).unwrap_err(),
            BundleError::NoDeviceToml { .. }
        ));
    }

    #[test]
    fn syntax_error_has_a_line() {
        let msg = error_of("[product]\nvendor = \"Acme\"\nmodel = \n");
        assert!(msg.contains("device.toml:3:"), "{msg}");
    }

    #[test]
    fn password_lists_in_every_shape() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("list.txt");
        std::fs::write(
            &p,
            "# comment\nroot xc3511\nadmin:admin\n\nbare\nroot vizxv\nguest:admin\n",
        )
        .unwrap();
        assert_eq!(
            read_password_list(&p).unwrap(),
            ["xc3511", "admin", "bare", "vizxv"]
        );
    }

    #[test]
    fn hosts() {
        for ok in [
            "127.0.0.1",
            "::1",
            "[::1]",
            "[2001:db8::1]",
            "cam.local",
            "device-1.lab",
        ] {
            assert!(is_host(ok), "{ok}");
        }
        for bad in [
            "",
            "10.0.0.0/8",
            "a..b",
            "-x.lab",
            "x y",
            "http://x",
            "[127.0.0.1]",
            "[::1",
            "[::1]:22",
        ] {
            assert!(!is_host(bad), "{bad}");
        }
    }

    #[test]
    fn claims_file_rejects_inputs() {
        let dir = bundle(GOOD, &[]);
        let err = Assessment::from_claims_file(
            &dir.path().join("device.toml"),
            &Catalog::builtin().unwrap(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("[inputs] belongs"), "{err}");
    }
}
