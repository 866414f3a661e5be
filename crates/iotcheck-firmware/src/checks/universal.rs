//! `fw.universal-default-password`: the same account with the same password
//! hash in two or more images (ETSI EN 303 645 provision 5.1-1: passwords in
//! the factory state must be unique per device or set by the user; UK PSTI
//! Schedule 1 §1).
//!
//! A crypt(3) hash carries its own salt, so two units whose hashes are
//! byte-identical were provisioned with one password *and* one salt: the
//! password is not per unit, whatever it is and however strong. This holds
//! for every scheme, bcrypt and yescrypt included, since nothing is
//! cracked: the hashes are only compared (as SHA-256 digests, so the hash
//! itself never leaves the image's own results).
//!
//! Decided only when two or more images had account files: dumps of
//! several units (the strong case), or several releases of one product.
//! One image alone cannot show that a hash is shared.

use std::collections::BTreeMap;

use iotcheck_model::{CheckResult, Outcome};
use sha2::{Digest, Sha256};

use super::{MAX_EVIDENCE, UNIVERSAL_DEFAULT, file_evidence, id};
use crate::Image;
use crate::checks::accounts;

/// One account's password hash in one image, kept for comparing images.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountHash {
    pub user: String,
    /// SHA-256 (hex) of the crypt string: compared, never shown.
    pub digest: String,
    /// The file's nested path and the byte offset of its line.
    pub path: Vec<String>,
    pub offset: u64,
    /// The line with the hash masked.
    pub excerpt: String,
}

/// Every account with a password hash (not empty, not locked) in the
/// image's passwd and shadow files.
pub fn account_hashes(image: &Image) -> Vec<AccountHash> {
    let mut out = Vec::new();
    for (path, bytes) in image.files() {
        let in_shadow = match path.last().and_then(|p| p.rsplit('/').next()) {
            Some("shadow") => true,
            Some("passwd") => false,
            _ => continue,
        };
        for a in accounts::hashed_accounts(path, bytes, in_shadow) {
            out.push(AccountHash {
                user: a.user.to_string(),
                digest: hex(&Sha256::digest(a.hash.as_bytes())),
                path: path.to_vec(),
                offset: a.offset as u64,
                excerpt: a.masked,
            });
        }
    }
    out
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Decides the check over several images (`(image name, its hashes)`);
/// `None` when fewer than two images had any account hash.
pub fn universal_default_password(images: &[(String, Vec<AccountHash>)]) -> Option<CheckResult> {
    let with_accounts: Vec<&(String, Vec<AccountHash>)> =
        images.iter().filter(|(_, h)| !h.is_empty()).collect();
    if with_accounts.len() < 2 {
        return None;
    }
    // (user, digest) → the images (and lines) it appears in.
    let mut seen: BTreeMap<(&str, &str), Vec<(&str, &AccountHash)>> = BTreeMap::new();
    for (image, hashes) in &with_accounts {
        for h in hashes {
            let at = seen.entry((&h.user, &h.digest)).or_default();
            if !at.iter().any(|(i, _)| i == image) {
                at.push((image, h));
            }
        }
    }
    let shared: Vec<(&str, &Vec<(&str, &AccountHash)>)> = seen
        .iter()
        .filter(|(_, at)| at.len() >= 2)
        .map(|((user, _), at)| (*user, at))
        .collect();
    let inputs = with_accounts
        .iter()
        .map(|(i, _)| i.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if shared.is_empty() {
        return Some(
            CheckResult::new(
                id(UNIVERSAL_DEFAULT),
                Outcome::Pass,
                format!(
                    "no account has the same password hash in two of the {} images",
                    with_accounts.len()
                ),
            )
            .with_input(inputs),
        );
    }
    let whats: Vec<String> = shared
        .iter()
        .map(|(user, at)| format!("{user} has one password hash in {} images", at.len()))
        .collect();
    let mut r = CheckResult::new(
        id(UNIVERSAL_DEFAULT),
        Outcome::Fail,
        format!(
            "the same password on every unit (identical hash and salt): {}",
            whats.join("; ")
        ),
    )
    .with_input(inputs);
    for (image, h) in shared
        .iter()
        .flat_map(|(_, at)| at.iter())
        .take(MAX_EVIDENCE)
    {
        r = r.with_evidence(file_evidence(
            image,
            &h.path,
            h.offset as usize,
            h.excerpt.clone(),
        ));
    }
    Some(r)
}
