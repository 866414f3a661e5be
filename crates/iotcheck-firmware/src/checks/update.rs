//! The update-mechanism checks (minimum standard UPD-1..4; ETSI EN 303 645
//! 5.3-1, 5.3-2, 5.3-4A/B, 5.3-7, 5.3-9, 5.3-10; NIST IR 8425 "software
//! update"). Clients, verification evidence and unattended starts are
//! described as data in `data/update.toml` (one rule each, with examples a
//! unit test runs); what starts at boot or on a schedule comes from
//! [`super::boot`].
//!
//! - `fw.update-client`: passes when a `client` rule fires (OpenWrt
//!   sysupgrade, opkg, RAUC, SWUpdate, Mender, hawkBit clients, U-Boot A/B
//!   boot counting, apt, apk, vendor update scripts that download and write
//!   flash). Fails only when the image was fully inspected (no
//!   [`crate::Note`]), its root filesystem is a complete one (an init
//!   program is present, so it is not an overlay or a configuration
//!   partition) and no rule fires. Otherwise no result.
//! - `fw.update-signature-verification`: fails when an `unverified` rule
//!   fires (a vendor script that downloads and flashes without any
//!   verification call, `sysupgrade -F` in a script, OpenWrt's image
//!   signature check without `REQUIRE_IMAGE_SIGNATURE=1`, opkg without
//!   `check_signature` or with it off, Mender without `ArtifactVerifyKey`,
//!   apt `trusted=yes`, `apk --allow-untrusted`). Passes when a `verified`
//!   rule fires (usign keys with `check_signature`, sysupgrade with
//!   `REQUIRE_IMAGE_SIGNATURE=1`, a RAUC keyring, an
//!   SWUpdate public key, a Mender verify key, a script calling `openssl
//!   dgst -verify`/`usign -V`/`gpgv`/`signify -V`…) and none of the other
//!   kind; clients found with no evidence either way are named in the
//!   summary. No verification evidence at all → no result: absence of a key
//!   proves nothing about a binary that may verify by itself.
//! - `fw.update-automatic`: passes when an `automatic` rule matches a
//!   command the image starts at boot or from cron or a systemd timer
//!   (`mender daemon`, `rauc-hawkbit-updater`, `swupdate -u`, `opkg
//!   upgrade`, `unattended-upgrade`…), or a boot or schedule line runs a
//!   vendor update script. Fails when a client exists, the image was fully
//!   inspected, its root filesystem is complete and holds init
//!   configuration, and nothing starts any client: updating is then left to
//!   a person (an OpenWrt image with sysupgrade and opkg but no cron job
//!   fails). A daemon that updates itself from its own code, with no
//!   separate updater, is not seen; the vendor's `automatic_updates_default`
//!   claim then stands against this result in the report. No client → no
//!   result.
//! - `fw.update-channel-authenticated`: update sources reached over a
//!   channel that authenticates nothing (`http://`, `ftp://`, `tftp://`) in
//!   update scripts and configuration (ETSI EN 303 645 5.3-7). A URL counts
//!   as an update source when its file's name, its line, its INI section or
//!   the URL itself mentions update, upgrade, firmware, OTA, sysupgrade or
//!   opkg. Only `https://` sources → pass; no update source at all → no
//!   result (the image says nothing).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use glob::{MatchOptions, Pattern};
use regex::Regex;
use serde::Deserialize;

use super::boot::{Start, Startup, Tree, Via, When};
use super::{MAX_EVIDENCE, UPDATE_AUTOMATIC, UPDATE_CLIENT, UPDATE_SIGNATURE};
use crate::image::EntryKind;
use iotcheck_model::{CheckResult, Outcome};

use super::{Finding, UPDATE_CHANNEL, file_evidence, id, result};
use crate::text::{excerpt, is_text, lines};

const KEYWORDS: [&str; 7] = [
    "update",
    "upgrade",
    "firmware",
    "fw",
    "ota",
    "sysupgrade",
    "opkg",
];

/// Whether any alphanumeric token of `s` is (or starts with) a keyword:
/// `acme-update`, `distfeeds` under `opkg`, `[update]`, `check_updates`.
fn mentions_update(s: &str) -> bool {
    s.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|t| {
            KEYWORDS.contains(&t)
                || ["update", "upgrade", "firmware", "sysupgrade"]
                    .iter()
                    .any(|k| t.starts_with(k))
        })
}

/// `(start, url, scheme)` of every URL on the line.
fn urls(line: &str) -> Vec<(usize, &str, String)> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    for sep in memchr::memmem::find_iter(bytes, b"://") {
        let start = bytes[..sep]
            .iter()
            .rposition(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-')))
            .map_or(0, |i| i + 1);
        let scheme = line[start..sep].to_ascii_lowercase();
        let end = line[sep..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | ')' | '`'))
            .map_or(line.len(), |i| sep + i);
        out.push((start, &line[start..end], scheme));
    }
    out
}

fn local(url: &str) -> bool {
    let host = url.split("://").nth(1).unwrap_or_default();
    host.starts_with("localhost") || host.starts_with("127.") || host.starts_with("[::1]")
}

/// The URL with any `user:password@` masked.
fn masked_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.into();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://********@{}", &rest[at + 1..]),
        None => url.into(),
    }
}

pub(crate) fn check_channel(image: &str, files: &[(&[String], &[u8])]) -> Option<CheckResult> {
    let mut insecure = Vec::new();
    let mut secure = Vec::new();
    for (path, bytes) in files {
        if !is_text(bytes) {
            continue;
        }
        let inner = path.last().map_or("", String::as_str);
        let file_related = mentions_update(inner);
        let mut section_related = false;
        for (offset, line) in lines(bytes) {
            let Ok(line) = std::str::from_utf8(line) else {
                continue;
            };
            let t = line.trim();
            if t.starts_with('[') && t.ends_with(']') {
                section_related = mentions_update(t);
                continue;
            }
            for (start, url, scheme) in urls(line) {
                if !(file_related || section_related || mentions_update(line)) || local(url) {
                    continue;
                }
                let ex = excerpt(
                    format!("{}{}", &line[..start], masked_url(url))
                        .trim()
                        .as_bytes(),
                    160,
                );
                match scheme.as_str() {
                    "http" | "ftp" | "tftp" => insecure.push(Finding {
                        path: path.to_vec(),
                        offset: offset + start,
                        excerpt: ex,
                        what: format!("{} in {inner}", masked_url(url)),
                    }),
                    "https" => secure.push((path.to_vec(), offset + start, ex)),
                    _ => {}
                }
            }
        }
    }
    if !insecure.is_empty() {
        return Some(result(
            UPDATE_CHANNEL,
            image,
            insecure,
            "updates fetched over an unauthenticated channel",
            "",
        ));
    }
    if secure.is_empty() {
        return None;
    }
    let mut r = CheckResult::new(
        id(UPDATE_CHANNEL),
        Outcome::Pass,
        format!("every update source found ({}) uses https://", secure.len()),
    )
    .with_input(image);
    for (path, offset, ex) in secure.into_iter().take(super::MAX_EVIDENCE) {
        r = r.with_evidence(file_evidence(image, &path, offset, ex));
    }
    Some(r)
}

// ── rules (data/update.toml) ────────────────────────────────────────────────

const RULES: &str = include_str!("../../data/update.toml");

/// Entries one condition may report.
const MAX_MATCHES: usize = 64;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    rule: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    client: String,
    role: Role,
    #[serde(default)]
    all: Vec<RawCond>,
    #[serde(default)]
    none: Vec<RawCond>,
    #[serde(default)]
    runs_itself: bool,
    #[serde(default)]
    programs: Vec<String>,
    args: Option<String>,
    #[serde(default)]
    example: Vec<Example>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCond {
    paths: Vec<String>,
    #[serde(default)]
    lines: Vec<String>,
    #[serde(default)]
    absent: Vec<String>,
}

/// A rule's example: a small tree or a command line, and whether it fires.
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Example {
    #[serde(default)]
    files: BTreeMap<String, String>,
    command: Option<String>,
    fires: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Role {
    Client,
    Verified,
    Unverified,
    Automatic,
}

#[derive(Debug)]
struct Cond {
    /// `(literal prefix, glob)`: the prefix narrows the walk.
    paths: Vec<(String, Pattern)>,
    lines: Vec<Regex>,
    absent: Vec<Regex>,
}

#[derive(Debug)]
struct Rule {
    id: String,
    client: String,
    role: Role,
    all: Vec<Cond>,
    none: Vec<Cond>,
    runs_itself: bool,
    programs: Vec<String>,
    args: Option<Regex>,
    /// Read by the unit test that runs every rule on its examples.
    #[cfg_attr(not(test), allow(dead_code))]
    examples: Vec<Example>,
}

/// Why the rule table is unusable (a bug in this build: a unit test loads it).
#[derive(Debug, thiserror::Error)]
#[error("data/update.toml: rule {rule}: {message}")]
struct RulesError {
    rule: String,
    message: String,
}

fn load() -> Result<Vec<Rule>, RulesError> {
    let raw: RawRules = toml::from_str(RULES).map_err(|e| RulesError {
        rule: "-".into(),
        message: e.to_string(),
    })?;
    let mut out = Vec::new();
    for r in raw.rule {
        let err = |message: String| RulesError {
            rule: r.id.clone(),
            message,
        };
        let regex = |p: &str| Regex::new(p).map_err(|e| err(e.to_string()));
        let cond = |c: &RawCond| -> Result<Cond, RulesError> {
            if c.paths.is_empty() {
                return Err(err("a condition without paths".into()));
            }
            Ok(Cond {
                paths: c
                    .paths
                    .iter()
                    .map(|p| {
                        let prefix = p
                            .find(['*', '?', '['])
                            .map_or(p.as_str(), |i| &p[..i])
                            .to_string();
                        Pattern::new(p)
                            .map(|g| (prefix, g))
                            .map_err(|e| err(e.to_string()))
                    })
                    .collect::<Result<_, _>>()?,
                lines: c.lines.iter().map(|p| regex(p)).collect::<Result<_, _>>()?,
                absent: c
                    .absent
                    .iter()
                    .map(|p| regex(p))
                    .collect::<Result<_, _>>()?,
            })
        };
        let automatic = r.role == Role::Automatic;
        if automatic != r.all.is_empty() || (automatic && r.programs.is_empty()) {
            return Err(err(
                "automatic rules name programs; the others hold [[rule.all]] conditions".into(),
            ));
        }
        if !r.example.iter().any(|e| e.fires) {
            return Err(err("no example on which it fires".into()));
        }
        out.push(Rule {
            all: r.all.iter().map(cond).collect::<Result<_, _>>()?,
            none: r.none.iter().map(cond).collect::<Result<_, _>>()?,
            args: r.args.as_deref().map(regex).transpose()?,
            id: r.id.clone(),
            client: r.client.clone(),
            role: r.role,
            runs_itself: r.runs_itself,
            programs: r.programs.clone(),
            examples: r.example,
        });
    }
    Ok(out)
}

fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| load().unwrap_or_default())
}

/// One entry meeting a condition.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Match {
    path: Vec<String>,
    inner: String,
    offset: usize,
    excerpt: String,
}

const GLOB: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

/// `(offset, line)` of lines that are not comments.
fn code_lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &str)> {
    lines(bytes).filter_map(|(o, l)| {
        let l = std::str::from_utf8(l).ok()?;
        let t = l.trim_start();
        (!t.starts_with('#') && !t.is_empty()).then_some((o, l))
    })
}

fn describe(kind: &EntryKind) -> String {
    match kind {
        EntryKind::File(b) if is_text(b) => code_lines(b).next().map_or_else(
            || "(empty)".into(),
            |(_, l)| excerpt(l.trim().as_bytes(), 160),
        ),
        EntryKind::File(b) if b.starts_with(b"\x7fELF") => {
            format!("(ELF executable, {} bytes)", b.len())
        }
        EntryKind::File(b) => format!("(binary file, {} bytes)", b.len()),
        EntryKind::FileSkipped { size } => format!("(file of {size} bytes, not read)"),
        EntryKind::Symlink { target } => format!("(symbolic link to {target})"),
        EntryKind::Hardlink { target } => format!("(hard link to {target})"),
        _ => "(present)".into(),
    }
}

fn cond_matches(cond: &Cond, tree: &Tree<'_>) -> Vec<Match> {
    let mut out: Vec<Match> = Vec::new();
    for (prefix, glob) in &cond.paths {
        let range = tree.kinds.range::<str, _>((
            std::ops::Bound::Included(prefix.as_str()),
            std::ops::Bound::Unbounded,
        ));
        for (inner, (path, kind)) in range {
            if !inner.starts_with(prefix.as_str()) || out.len() >= MAX_MATCHES {
                break;
            }
            if matches!(kind, EntryKind::Dir) || !glob.matches_with(inner, GLOB) {
                continue;
            }
            if out.iter().any(|m| m.inner == *inner) {
                continue;
            }
            let found = if cond.lines.is_empty() && cond.absent.is_empty() {
                Some((0, describe(kind)))
            } else {
                let EntryKind::File(bytes) = kind else {
                    continue;
                };
                if !is_text(bytes) {
                    continue;
                }
                line_match(cond, bytes)
            };
            if let Some((offset, excerpt)) = found {
                out.push(Match {
                    path: path.to_vec(),
                    inner: inner.to_string(),
                    offset,
                    excerpt,
                });
            }
        }
    }
    out
}

/// Whether a text file meets the condition's `lines` and `absent`: the
/// first `lines` regex's first matching line (or the first line).
fn line_match(cond: &Cond, bytes: &[u8]) -> Option<(usize, String)> {
    let mut first: Option<(usize, String)> = None;
    for (i, re) in cond.lines.iter().enumerate() {
        let (o, l) = code_lines(bytes).find(|(_, l)| re.is_match(l))?;
        if i == 0 {
            first = Some((o, excerpt(l.trim().as_bytes(), 160)));
        }
    }
    if cond
        .absent
        .iter()
        .any(|re| code_lines(bytes).any(|(_, l)| re.is_match(l)))
    {
        return None;
    }
    first.or_else(|| {
        Some(
            code_lines(bytes)
                .next()
                .map_or((0, "(empty)".into()), |(o, l)| {
                    (o, excerpt(l.trim().as_bytes(), 160))
                }),
        )
    })
}

/// One firing of a tree rule: the anchor entry first, then the other
/// conditions' evidence.
#[derive(Debug, Clone)]
struct Hit<'r> {
    rule: &'r Rule,
    evidence: Vec<Match>,
}

impl Hit<'_> {
    fn anchor(&self) -> &str {
        self.evidence.first().map_or("", |m| m.inner.as_str())
    }
}

fn fire<'r>(rule: &'r Rule, tree: &Tree<'_>) -> Vec<Hit<'r>> {
    if rule.role == Role::Automatic {
        return Vec::new();
    }
    let mut per_cond = Vec::new();
    for c in &rule.all {
        let m = cond_matches(c, tree);
        if m.is_empty() {
            return Vec::new();
        }
        per_cond.push(m);
    }
    if rule.none.iter().any(|c| !cond_matches(c, tree).is_empty()) {
        return Vec::new();
    }
    let mut it = per_cond.into_iter();
    let anchors = it.next().unwrap_or_default();
    let others: Vec<Match> = it.filter_map(|v| v.into_iter().next()).collect();
    anchors
        .into_iter()
        .map(|a| Hit {
            rule,
            evidence: std::iter::once(a).chain(others.iter().cloned()).collect(),
        })
        .collect()
}

fn automatic_match(rule: &Rule, start: &Start<'_>) -> bool {
    rule.role == Role::Automatic
        && rule.programs.iter().any(|p| p == start.command.name())
        && rule
            .args
            .as_ref()
            .is_none_or(|re| re.is_match(&start.command.args.join(" ")))
}

/// What the update rules found in one image.
#[derive(Debug)]
pub(crate) struct Updates<'r, 's, 'a> {
    hits: Vec<Hit<'r>>,
    automatic: Vec<(&'r Rule, &'s Start<'a>)>,
}

pub(crate) fn scan<'s, 'a>(tree: &Tree<'_>, startup: &'s Startup<'a>) -> Updates<'static, 's, 'a> {
    let hits: Vec<Hit<'static>> = rules().iter().flat_map(|r| fire(r, tree)).collect();
    let mut automatic = Vec::new();
    for s in &startup.starts {
        if let Some(rule) = rules().iter().find(|r| automatic_match(r, s)) {
            automatic.push((rule, s));
            continue;
        }
        // a vendor update script started by path or by name
        let own = hits.iter().find(|h| {
            h.rule.runs_itself
                && h.rule.role == Role::Client
                && (s.command.program == h.anchor()
                    || (!s.command.program.contains('/')
                        && super::boot::basename(h.anchor()) == s.command.program))
        });
        if let Some(h) = own {
            automatic.push((h.rule, s));
        }
    }
    Updates { hits, automatic }
}

fn evidence_of(image: &str, matches: &[&Match]) -> Vec<iotcheck_model::Evidence> {
    let mut seen: Vec<(&[String], usize)> = Vec::new();
    let mut out = Vec::new();
    for m in matches {
        if seen.contains(&(m.path.as_slice(), m.offset)) || out.len() >= MAX_EVIDENCE {
            continue;
        }
        seen.push((m.path.as_slice(), m.offset));
        out.push(file_evidence(image, &m.path, m.offset, m.excerpt.clone()));
    }
    out
}

/// `client (anchor, anchor); client (anchor)`, clients in the order found.
fn list(hits: &[&Hit<'_>]) -> String {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for h in hits {
        let i = match groups.iter().position(|(c, _)| *c == h.rule.client) {
            Some(i) => i,
            None => {
                groups.push((h.rule.client.as_str(), Vec::new()));
                groups.len() - 1
            }
        };
        if let Some((_, anchors)) = groups.get_mut(i)
            && !anchors.contains(&h.anchor())
        {
            anchors.push(h.anchor());
        }
    }
    let more = groups.len().saturating_sub(6);
    let mut s = groups
        .iter()
        .take(6)
        .map(|(c, a)| {
            let shown: Vec<&str> = a.iter().take(3).copied().collect();
            let extra = if a.len() > 3 { ", …" } else { "" };
            format!("{c} ({}{extra})", shown.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ");
    if more > 0 {
        s.push_str(&format!(" and {more} more"));
    }
    s
}

fn with_evidence(mut r: CheckResult, ev: Vec<iotcheck_model::Evidence>) -> CheckResult {
    for e in ev {
        r = r.with_evidence(e);
    }
    r
}

/// Facts about the image the fail decisions rest on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Coverage {
    /// No note: every region was unpacked, no limit was reached.
    pub(crate) fully_inspected: bool,
    /// An init program exists: a whole root filesystem, not an overlay.
    pub(crate) complete_root: bool,
    /// Init configuration exists (see [`Startup::init_present`]).
    pub(crate) init_present: bool,
}

pub(crate) fn check_client(
    image: &str,
    u: &Updates<'_, '_, '_>,
    cov: Coverage,
) -> Option<CheckResult> {
    let clients: Vec<&Hit<'_>> = u
        .hits
        .iter()
        .filter(|h| h.rule.role == Role::Client)
        .collect();
    if clients.is_empty() {
        if !(cov.fully_inspected && cov.complete_root) {
            return None;
        }
        return Some(
            CheckResult::new(
                id(UPDATE_CLIENT),
                Outcome::Fail,
                "no update client in a fully inspected root filesystem (no sysupgrade, opkg, \
                 RAUC, SWUpdate, Mender, hawkBit client, A/B boot counting, apt, apk or vendor \
                 script that downloads and writes flash)",
            )
            .with_input(image),
        );
    }
    let ev: Vec<&Match> = clients.iter().flat_map(|h| h.evidence.iter()).collect();
    Some(with_evidence(
        CheckResult::new(
            id(UPDATE_CLIENT),
            Outcome::Pass,
            format!("update clients found: {}", list(&clients)),
        )
        .with_input(image),
        evidence_of(image, &ev),
    ))
}

pub(crate) fn check_signature(
    image: &str,
    u: &Updates<'_, '_, '_>,
    boot: &[super::BootJudgement<'_>],
) -> Option<CheckResult> {
    let of =
        |role: Role| -> Vec<&Hit<'_>> { u.hits.iter().filter(|h| h.rule.role == role).collect() };
    let (verified, unverified, clients) =
        (of(Role::Verified), of(Role::Unverified), of(Role::Client));
    // U-Boot verified boot: a FIT signature that verifies with a key the
    // boot loader requires for that kind of node (`conf`: configurations,
    // `image`: images) means an image not signed with it does not boot.
    let enforced: Vec<&super::BootJudgement<'_>> = boot
        .iter()
        .filter(|j| {
            j.result.is_ok()
                && j.key.is_some_and(|k| match k.required.as_deref() {
                    Some("conf") => j.signature.node.starts_with("/configurations/"),
                    Some("image") => j.signature.node.starts_with("/images/"),
                    _ => false,
                })
        })
        .collect();
    let boot_text = enforced
        .first()
        .and_then(|j| {
            let k = j.key?;
            Some(format!(
                "U-Boot verified boot: {} ({}) verifies with the key {:?} the boot loader \
                 requires for every {}",
                j.signature.node,
                j.signature.algo,
                k.name,
                if k.required.as_deref() == Some("image") {
                    "image"
                } else {
                    "configuration"
                }
            ))
        })
        .unwrap_or_default();
    let boot_evidence = || -> Vec<iotcheck_model::Evidence> {
        enforced
            .iter()
            .take(2)
            .flat_map(|j| {
                let mut ev = vec![file_evidence(
                    image,
                    &j.signature.layer,
                    j.signature.offset as usize,
                    format!(
                        "{} algo = \"{}\"; key-name-hint = \"{}\" (signature verified)",
                        j.signature.node,
                        j.signature.algo,
                        j.signature.key_hint.as_deref().unwrap_or("")
                    ),
                )];
                if let Some(k) = j.key {
                    ev.push(file_evidence(
                        image,
                        &k.layer,
                        k.offset as usize,
                        format!(
                            "{} required = \"{}\"; {}-bit RSA",
                            k.node,
                            k.required.as_deref().unwrap_or(""),
                            k.modulus.len() * 8
                        ),
                    ));
                }
                ev
            })
            .collect()
    };
    if !unverified.is_empty() {
        let whats: Vec<String> = unverified
            .iter()
            .map(|h| format!("{} ({})", h.rule.client, why(h.rule)))
            .fold(Vec::new(), |mut v, s| {
                if !v.contains(&s) {
                    v.push(s);
                }
                v
            });
        let ev: Vec<&Match> = unverified.iter().flat_map(|h| h.evidence.iter()).collect();
        return Some(with_evidence(
            CheckResult::new(
                id(UPDATE_SIGNATURE),
                Outcome::Fail,
                format!(
                    "an update path installs without verifying a signature: {}",
                    whats.join("; ")
                ),
            )
            .with_input(image),
            evidence_of(image, &ev),
        ));
    }
    if verified.is_empty() {
        if enforced.is_empty() {
            return None;
        }
        return Some(with_evidence(
            CheckResult::new(id(UPDATE_SIGNATURE), Outcome::Pass, boot_text).with_input(image),
            boot_evidence(),
        ));
    }
    let judged: Vec<&str> = verified.iter().map(|h| h.rule.client.as_str()).collect();
    let mut unjudged: Vec<&str> = clients
        .iter()
        .map(|h| h.rule.client.as_str())
        .filter(|c| !judged.contains(c))
        .collect();
    unjudged.dedup();
    let rest = if unjudged.is_empty() {
        String::new()
    } else {
        format!(
            " (no verification evidence either way for: {})",
            unjudged.join(", ")
        )
    };
    let ev: Vec<&Match> = verified.iter().flat_map(|h| h.evidence.iter()).collect();
    let boot_part = if boot_text.is_empty() {
        String::new()
    } else {
        format!("; {boot_text}")
    };
    let mut evidence = evidence_of(image, &ev);
    evidence.extend(boot_evidence());
    Some(with_evidence(
        CheckResult::new(
            id(UPDATE_SIGNATURE),
            Outcome::Pass,
            format!(
                "updates are signature-checked: {}{rest}{boot_part}",
                list(&verified)
            ),
        )
        .with_input(image),
        evidence,
    ))
}

/// Why an `unverified` rule fires, in a few words.
fn why(rule: &Rule) -> &'static str {
    match rule.id.as_str() {
        "sysupgrade-forced" => "sysupgrade forced past its image checks",
        "sysupgrade-signature-optional" => {
            "unsigned images accepted: REQUIRE_IMAGE_SIGNATURE is not set"
        }
        "opkg-signature-check-off" => "check_signature switched off",
        "opkg-unsigned-feeds" => "opkg.conf without check_signature",
        "mender-no-verify-key" => "no ArtifactVerifyKey",
        "apt-unauthenticated" => "unauthenticated repositories allowed",
        "apk-untrusted" => "--allow-untrusted",
        "vendor-update-script-unverified" => "downloads and writes flash with no verification call",
        _ => "installs unverified",
    }
}

pub(crate) fn check_automatic(
    image: &str,
    u: &Updates<'_, '_, '_>,
    cov: Coverage,
) -> Option<CheckResult> {
    if !u.automatic.is_empty() {
        let mut parts: Vec<String> = Vec::new();
        let mut r =
            CheckResult::new(id(UPDATE_AUTOMATIC), Outcome::Pass, String::new()).with_input(image);
        let mut n = 0;
        for (rule, s) in &u.automatic {
            let how = match (&s.when, &s.via) {
                (_, Via::Timer { timer }) => format!("systemd timer {timer}"),
                (When::Schedule, _) => format!("cron ({})", s.inner()),
                (When::Boot, Via::Systemd { unit }) => format!("systemd {unit} at boot"),
                (When::Boot, _) => format!("at boot from {}", s.inner()),
            };
            let p = format!("{} runs {}", how, rule.client);
            if !parts.contains(&p) {
                parts.push(p);
            }
            if n < MAX_EVIDENCE {
                r = r.with_evidence(file_evidence(
                    image,
                    s.file,
                    s.offset,
                    excerpt(s.line.trim().as_bytes(), 160),
                ));
                n += 1;
            }
        }
        r.summary = format!("updates run unattended: {}", parts.join("; "));
        return Some(r);
    }
    let clients: Vec<&Hit<'_>> = u
        .hits
        .iter()
        .filter(|h| h.rule.role == Role::Client)
        .collect();
    if clients.is_empty() || !(cov.fully_inspected && cov.complete_root && cov.init_present) {
        return None;
    }
    let ev: Vec<&Match> = clients.iter().flat_map(|h| h.evidence.iter()).collect();
    Some(with_evidence(
        CheckResult::new(
            id(UPDATE_AUTOMATIC),
            Outcome::Fail,
            format!(
                "no update client is started at boot, by cron or by a timer; updating is left to a person: {}",
                list(&clients)
            ),
        )
        .with_input(image),
        evidence_of(image, &ev),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::{Entry, Image};

    fn tree_image(files: &BTreeMap<String, String>) -> Image {
        Image {
            entries: files
                .iter()
                .map(|(p, c)| Entry {
                    path: vec![p.clone()],
                    kind: EntryKind::File(c.as_bytes().to_vec()),
                })
                .collect(),
            ..Image::default()
        }
    }

    #[test]
    fn rules_load() {
        let rules = load().unwrap_or_else(|e| panic!("{e}"));
        assert!(rules.len() >= 30, "{}", rules.len());
        let mut ids = std::collections::BTreeSet::new();
        for r in &rules {
            assert!(ids.insert(r.id.as_str()), "{} twice", r.id);
        }
    }

    /// A test per rule: each fires on its firing examples and on none of
    /// its other examples.
    #[test]
    fn every_rule_on_its_examples() {
        let rules = load().unwrap_or_else(|e| panic!("{e}"));
        let file = vec!["/etc/crontabs/root".to_string()];
        for r in &rules {
            for ex in &r.examples {
                let fired = match &ex.command {
                    Some(cmd) => super::super::boot::commands(cmd, &BTreeMap::new())
                        .into_iter()
                        .any(|command| {
                            automatic_match(
                                r,
                                &Start {
                                    file: &file,
                                    offset: 0,
                                    line: cmd.clone(),
                                    command,
                                    when: When::Schedule,
                                    via: Via::Cron,
                                },
                            )
                        }),
                    None => {
                        let img = tree_image(&ex.files);
                        let tree = Tree::new(&img);
                        !fire(r, &tree).is_empty()
                    }
                };
                assert_eq!(fired, ex.fires, "rule {} on {:?}", r.id, ex);
            }
        }
    }

    #[test]
    fn url_extraction_and_masking() {
        let u = urls(r#"URL="http://update.acme.example/cam2/latest.bin""#);
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].1, "http://update.acme.example/cam2/latest.bin");
        assert_eq!(u[0].2, "http");
        assert_eq!(masked_url("ftp://u:p@h/x"), "ftp://********@h/x");
        assert!(mentions_update("/usr/sbin/acme-update"));
        assert!(mentions_update("/etc/opkg/distfeeds.conf"));
        assert!(!mentions_update("/etc/logrotate.conf"));
        assert!(!mentions_update("status_url = http://cloud/api"));
    }
}
