//! The `fw.*` checks, one file each. Every check decides `fail` with one
//! [`Evidence::File`] per finding (nested path, byte offset of the line,
//! excerpt with secrets masked), `pass` only when a root filesystem was
//! unpacked and nothing was found, and nothing at all when no filesystem
//! could be read: an image iotcheck cannot open proves nothing.

pub(crate) mod accounts;
pub(crate) mod boot;
pub(crate) mod credentials;
pub(crate) mod inventory;
pub(crate) mod keys;
pub(crate) mod services;
pub(crate) mod universal;
pub(crate) mod update;

use iotcheck_model::{CheckId, CheckResult, Component, Evidence, Outcome};

use crate::Image;

/// The checks this analyzer decides (`fw.universal-default-password`
/// across images, by [`universal::universal_default_password`]).
pub const CHECKS: [&str; 10] = [
    "fw.weak-account-password",
    "fw.private-key",
    "fw.hardcoded-credential",
    "fw.update-channel-authenticated",
    "fw.component-inventory",
    "fw.boot-cleartext-service",
    "fw.update-client",
    "fw.update-signature-verification",
    "fw.update-automatic",
    "fw.universal-default-password",
];

pub(crate) const WEAK_PASSWORD: &str = CHECKS[0];
pub(crate) const PRIVATE_KEY: &str = CHECKS[1];
pub(crate) const HARDCODED_CREDENTIAL: &str = CHECKS[2];
pub(crate) const UPDATE_CHANNEL: &str = CHECKS[3];
pub(crate) const COMPONENT_INVENTORY: &str = CHECKS[4];
pub(crate) const BOOT_CLEARTEXT_SERVICE: &str = CHECKS[5];
pub(crate) const UPDATE_CLIENT: &str = CHECKS[6];
pub(crate) const UPDATE_SIGNATURE: &str = CHECKS[7];
pub(crate) const UPDATE_AUTOMATIC: &str = CHECKS[8];
pub(crate) const UNIVERSAL_DEFAULT: &str = CHECKS[9];

/// Programs whose presence makes a root filesystem a whole one (it can
/// boot), not an overlay or a configuration partition.
const INIT_PROGRAMS: [&str; 8] = [
    "/sbin/init",
    "/init",
    "/etc/preinit",
    "/sbin/procd",
    "/lib/systemd/systemd",
    "/usr/lib/systemd/systemd",
    "/bin/busybox",
    "/linuxrc",
];

/// Evidence items kept per result; the summary counts them all.
pub(crate) const MAX_EVIDENCE: usize = 25;

pub(crate) fn id(s: &str) -> CheckId {
    // The ids above are valid by construction (a test checks it).
    CheckId::new(s).unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn file_evidence(
    image: &str,
    path: &[String],
    offset: usize,
    excerpt: String,
) -> Evidence {
    Evidence::File {
        image: image.into(),
        path: path.to_vec(),
        offset: Some(offset as u64),
        excerpt: Some(excerpt),
    }
}

/// One FIT signature judged with the keys the image itself ships: the key
/// that verified it, or why none did.
#[derive(Debug, Clone)]
pub struct BootJudgement<'i> {
    pub signature: &'i crate::BootSignature,
    /// The key it was checked with (the one that verified it, or the last
    /// one tried); `None` when the image holds no key of that name.
    pub key: Option<&'i crate::BootKey>,
    pub result: Result<(), String>,
}

/// Every FIT signature of `image` checked against the U-Boot keys found in
/// the same image (matched by `key-name-hint`, or every key without one).
pub fn verified_boot(image: &Image) -> Vec<BootJudgement<'_>> {
    image
        .boot_signatures
        .iter()
        .map(|sig| {
            let candidates: Vec<&crate::BootKey> = image
                .boot_keys
                .iter()
                .filter(|k| sig.key_hint.as_ref().is_none_or(|h| *h == k.name))
                .collect();
            let mut last = None;
            for k in &candidates {
                match crate::formats::fit_sig::verify(sig, k) {
                    Ok(()) => {
                        return BootJudgement {
                            signature: sig,
                            key: Some(k),
                            result: Ok(()),
                        };
                    }
                    Err(e) => last = Some((*k, e)),
                }
            }
            match last {
                Some((k, e)) => BootJudgement {
                    signature: sig,
                    key: Some(k),
                    result: Err(e),
                },
                None => BootJudgement {
                    signature: sig,
                    key: None,
                    result: Err(format!(
                        "no U-Boot public key{} in the image to verify it with",
                        sig.key_hint
                            .as_deref()
                            .map(|h| format!(" named {h:?}"))
                            .unwrap_or_default()
                    )),
                },
            }
        })
        .collect()
}

/// One finding of a check: where, and the one-line summary part for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) path: Vec<String>,
    pub(crate) offset: usize,
    pub(crate) excerpt: String,
    pub(crate) what: String,
}

/// A failing result from findings, or a passing one with `pass_summary`.
pub(crate) fn result(
    check: &str,
    image: &str,
    findings: Vec<Finding>,
    fail_lead: &str,
    pass_summary: &str,
) -> CheckResult {
    if findings.is_empty() {
        return CheckResult::new(id(check), Outcome::Pass, pass_summary).with_input(image);
    }
    let whats: Vec<&str> = findings.iter().map(|f| f.what.as_str()).collect();
    let shown = whats.iter().take(4).copied().collect::<Vec<_>>().join("; ");
    let more = whats.len().saturating_sub(4);
    let summary = if more > 0 {
        format!("{fail_lead}: {shown} and {more} more")
    } else {
        format!("{fail_lead}: {shown}")
    };
    let mut r = CheckResult::new(id(check), Outcome::Fail, summary).with_input(image);
    for f in findings.into_iter().take(MAX_EVIDENCE) {
        r = r.with_evidence(file_evidence(image, &f.path, f.offset, f.excerpt));
    }
    r
}

/// All checks with the built-in password list only.
pub fn checks(image: &Image) -> Vec<CheckResult> {
    checks_with(image, &[])
}

/// All checks, trying `extra_passwords` (e.g. a default-credential list the
/// caller trusts) against account hashes as well as the built-in list.
pub fn checks_with(image: &Image, extra_passwords: &[String]) -> Vec<CheckResult> {
    checks_with_inventory(image, extra_passwords, &crate::inventory(image))
}

/// Like [`checks_with`], for a caller that has already taken the
/// [`crate::inventory`] (so the image is scanned once).
///
/// Without a root filesystem only `fw.component-inventory` can be decided,
/// and only when components were found (a bare archive of binaries); the
/// other checks then return nothing.
pub fn checks_with_inventory(
    image: &Image,
    extra_passwords: &[String],
    components: &[Component],
) -> Vec<CheckResult> {
    let root = image.has_root_filesystem();
    let inventory = inventory::check(&image.name, components, root);
    if !root {
        return inventory.into_iter().collect();
    }
    let files: Vec<(&[String], &[u8])> = image.files().collect();
    let account_files: Vec<(Vec<String>, &[u8])> = files
        .iter()
        .filter(|(p, _)| {
            matches!(
                p.last().map(String::as_str),
                Some("/etc/passwd" | "/etc/shadow")
            )
        })
        .map(|(p, b)| (p.to_vec(), *b))
        .collect();
    let mut out = Vec::new();
    out.push(
        accounts::check_accounts(&image.name, &account_files, extra_passwords).unwrap_or_else(
            || {
                CheckResult::new(
                    id(WEAK_PASSWORD),
                    Outcome::Pass,
                    "no /etc/passwd or /etc/shadow in the image: no local accounts to log in to",
                )
                .with_input(&image.name)
            },
        ),
    );
    out.push(keys::check(&image.name, &files));
    out.push(credentials::check(&image.name, &files));
    out.extend(update::check_channel(&image.name, &files));
    out.extend(inventory);

    let tree = boot::Tree::new(image);
    let startup = boot::startup(&tree);
    out.extend(services::check(&image.name, &tree, &startup));
    let coverage = update::Coverage {
        fully_inspected: image.notes.is_empty(),
        complete_root: INIT_PROGRAMS.iter().any(|p| tree.exists(p)),
        init_present: startup.init_present,
    };
    let updates = update::scan(&tree, &startup);
    out.extend(update::check_client(&image.name, &updates, coverage));
    let boot = verified_boot(image);
    out.extend(update::check_signature(&image.name, &updates, &boot));
    out.extend(update::check_automatic(&image.name, &updates, coverage));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_valid_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in CHECKS {
            assert!(CheckId::new(c).is_ok(), "{c}");
            assert!(seen.insert(c), "{c} twice");
        }
    }
}
