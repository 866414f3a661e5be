//! U-Boot verified boot: the signatures a FIT image carries and the public
//! keys a U-Boot control device tree holds (`/signature/key-NAME`, written
//! by `mkimage -K`), and RSA verification of one with the other.
//!
//! Our own code, written from U-Boot's `doc/usage/fit/signature.rst` and
//! `boot/image-fit-sig.c` (what a signature covers) and libfdt's
//! `fdt_find_regions` (which bytes of the tree a configuration signature
//! hashes). No crate implements FIT signatures; the RSA arithmetic is the
//! `rsa` crate's (PKCS#1 v1.5 and PSS verification: public keys only, no
//! secret is ever handled).
//!
//! - An **image** signature (`/images/kernel-1/signature-1`) covers the
//!   image's data (inline `data`, or the external bytes `data-offset` /
//!   `data-position` point at).
//! - A **configuration** signature (`/configurations/conf-1/signature-1`)
//!   covers the tree itself: the nodes its `hashed-nodes` lists, without
//!   their `data`, `data-size`, `data-position` and `data-offset`
//!   properties (the images are covered through their `hash-*` nodes),
//!   then `hashed-strings` bytes of the strings block.
//! - A key is `rsa,modulus` (big-endian 32-bit cells, most significant
//!   first), `rsa,exponent` (64-bit) and `required` (`conf` or `image`: the
//!   boot loader refuses what this key does not verify).

use std::collections::{HashMap, HashSet};

use rsa::traits::SignatureScheme;
use sha2::Digest;

use crate::formats::fit::{self, Tree};
use crate::image::{BootKey, BootSignature};

/// Properties a configuration signature leaves out (U-Boot's `exc_prop`).
const EXCLUDED: [&[u8]; 4] = [b"data", b"data-size", b"data-position", b"data-offset"];
/// `hashed-nodes` entries U-Boot accepts (`IMAGE_MAX_HASHED_NODES`).
const MAX_HASHED_NODES: usize = 100;
/// Node paths longer than this are refused (U-Boot's buffer is 200 bytes).
const MAX_PATH: usize = 200;
/// The largest RSA key verified (U-Boot supports up to 4096 bits).
const MAX_RSA_BITS: usize = 8192;
/// Signature nodes judged per FIT, and keys read per control tree: real
/// ones have a handful; each costs a walk of the tree.
const MAX_SIGNATURES: usize = 32;

/// A node's path in the tree (`/configurations/conf-1`).
pub(crate) fn path(tree: &Tree<'_>, mut i: usize) -> String {
    let mut parts = Vec::new();
    for _ in 0..fit::MAX_DEPTH {
        let Some(n) = tree.nodes.get(i) else { break };
        let Some(parent) = n.parent else { break };
        parts.push(String::from_utf8_lossy(n.name).into_owned());
        i = parent;
    }
    parts.reverse();
    format!("/{}", parts.join("/"))
}

/// The node at `path` (`/images/kernel-1`), through `index` (children by
/// parent and name).
fn resolve(index: &HashMap<(usize, &[u8]), usize>, path: &str) -> Option<usize> {
    path.split('/')
        .filter(|c| !c.is_empty())
        .try_fold(0usize, |at, name| {
            index.get(&(at, name.as_bytes())).copied()
        })
}

/// The bytes `fdt_find_regions` selects for `include` (node paths) minus
/// the `EXCLUDED` properties, as (start, end) offsets in the blob. Paths
/// are resolved to nodes once, so the walk is linear in the tokens.
fn regions(
    tree: &Tree<'_>,
    index: &HashMap<(usize, &[u8]), usize>,
    include: &[String],
) -> Result<Vec<(usize, usize)>, String> {
    if include.iter().any(|p| p.len() >= MAX_PATH) {
        return Err(format!(
            "a hashed node path is longer than {MAX_PATH} bytes"
        ));
    }
    let wanted: HashSet<usize> = include.iter().filter_map(|p| resolve(index, p)).collect();
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut start: Option<usize> = None;
    let mut want = 0u8;
    let mut stack: Vec<u8> = Vec::new();
    let mut last_end = 0;
    for t in &tree.tokens {
        let mut stop_at = t.end;
        let include_token = match t.tag {
            fit::PROP => {
                stop_at = t.start;
                want >= 2 && !t.prop.is_some_and(|p| EXCLUDED.contains(&p))
            }
            fit::NOP => {
                stop_at = t.start;
                want >= 2
            }
            fit::BEGIN_NODE => {
                stack.push(want);
                if want == 1 {
                    stop_at = t.start;
                }
                if t.node.is_some_and(|i| wanted.contains(&i)) {
                    want = 2;
                } else if want > 0 {
                    want -= 1;
                } else {
                    stop_at = t.start;
                }
                want > 0
            }
            fit::END_NODE => {
                let inc = want > 0;
                want = stack.pop().ok_or("unbalanced end of node")?;
                inc
            }
            _ => true,
        };
        if include_token && start.is_none() {
            // Merge with the previous region when they touch.
            start = match out.last() {
                Some(&(s, e)) if e == t.start => {
                    out.pop();
                    Some(s)
                }
                _ => Some(t.start),
            };
        }
        if !include_token && let Some(s) = start.take() {
            out.push((s, stop_at));
        }
        last_end = t.end;
    }
    if let Some(s) = start {
        out.push((s, last_end));
    }
    Ok(out
        .into_iter()
        .map(|(s, e)| (tree.off_struct + s, tree.off_struct + e))
        .collect())
}

/// A running digest of one of the hash algorithms U-Boot signs with.
enum Hasher {
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    fn new(algo: &str) -> Option<Hasher> {
        Some(match algo.split(',').next()? {
            "sha1" => Hasher::Sha1(sha1::Sha1::new()),
            "sha256" => Hasher::Sha256(sha2::Sha256::new()),
            "sha384" => Hasher::Sha384(sha2::Sha384::new()),
            "sha512" => Hasher::Sha512(sha2::Sha512::new()),
            _ => return None,
        })
    }

    fn update(&mut self, b: &[u8]) {
        match self {
            Hasher::Sha1(h) => h.update(b),
            Hasher::Sha256(h) => h.update(b),
            Hasher::Sha384(h) => h.update(b),
            Hasher::Sha512(h) => h.update(b),
        }
    }

    fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// The signature nodes of the FIT `tree` (in `blob`, under `layer`).
/// `image_data(i)` gives image node `i`'s data, for image signatures.
pub(crate) fn signatures<'d>(
    tree: &Tree<'_>,
    blob: &[u8],
    layer: &[String],
    image_data: impl Fn(usize) -> Option<&'d [u8]>,
) -> Vec<BootSignature> {
    let mut out = Vec::new();
    let index: HashMap<(usize, &[u8]), usize> = tree
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(i, n)| Some(((n.parent?, n.name), i)))
        .collect();
    let signature_nodes = tree
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.name.starts_with(b"signature"))
        .take(MAX_SIGNATURES);
    for (i, n) in signature_nodes {
        let Some(owner) = n.parent else { continue };
        let owner_path = path(tree, owner);
        let algo = n.string("algo").unwrap_or_default();
        let digest = match Hasher::new(&algo) {
            None => Err(format!("hash algorithm of {algo:?} not supported")),
            Some(mut h) => {
                if owner_path.starts_with("/images/") {
                    match image_data(owner) {
                        Some(d) => {
                            h.update(d);
                            Ok(h.finish())
                        }
                        None => Err("the image's data is not present".to_string()),
                    }
                } else if owner_path.starts_with("/configurations/") {
                    config_digest(tree, &index, blob, n, h)
                } else {
                    Err(format!("a signature node under {owner_path}"))
                }
            }
        };
        let value = n.prop("value");
        out.push(BootSignature {
            layer: layer.to_vec(),
            node: path(tree, i),
            algo,
            key_hint: n.string("key-name-hint"),
            padding: n.string("padding").unwrap_or_else(|| "pkcs-1.5".into()),
            offset: value.map_or(0, |v| v.at as u64),
            value: value.map(|v| v.value.to_vec()).unwrap_or_default(),
            digest,
        });
    }
    out
}

/// The digest a configuration signature covers: the regions of its
/// `hashed-nodes`, then its `hashed-strings` bytes of the strings block.
fn config_digest(
    tree: &Tree<'_>,
    index: &HashMap<(usize, &[u8]), usize>,
    blob: &[u8],
    sig: &fit::Node<'_>,
    mut h: Hasher,
) -> Result<Vec<u8>, String> {
    let listed = sig
        .prop("hashed-nodes")
        .ok_or("no hashed-nodes property (the configuration was never signed)")?
        .value;
    if listed.last() != Some(&0) {
        return Err("hashed-nodes is not NUL-terminated".into());
    }
    let include: Vec<String> = listed
        .split(|&b| b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    if include.len() > MAX_HASHED_NODES {
        return Err(format!("more than {MAX_HASHED_NODES} hashed nodes"));
    }
    for (s, e) in regions(tree, index, &include)? {
        h.update(
            blob.get(s..e)
                .ok_or("a hashed region lies outside the tree")?,
        );
    }
    if let Some(strings) = sig.prop("hashed-strings") {
        let size = strings
            .value
            .get(4..8)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_be_bytes)
            .ok_or("hashed-strings is not two cells")? as usize;
        let s = tree.off_strings;
        h.update(
            s.checked_add(size)
                .and_then(|e| blob.get(s..e))
                .ok_or("hashed-strings runs past the strings block")?,
        );
    }
    Ok(h.finish())
}

/// Whether `tree` is a U-Boot control device tree with verified-boot keys.
pub(crate) fn has_keys(tree: &Tree<'_>) -> bool {
    signature_node(tree).is_some_and(|s| tree.children(s).next().is_some())
}

fn signature_node(tree: &Tree<'_>) -> Option<usize> {
    tree.children(0)
        .find(|&i| tree.nodes.get(i).is_some_and(|n| n.name == b"signature"))
}

/// The keys under `/signature`.
pub(crate) fn keys(tree: &Tree<'_>, layer: &[String]) -> Vec<BootKey> {
    let Some(sig) = signature_node(tree) else {
        return Vec::new();
    };
    tree.children(sig)
        .take(MAX_SIGNATURES)
        .filter_map(|i| {
            let n = tree.nodes.get(i)?;
            let name = String::from_utf8_lossy(n.name);
            let name = name.strip_prefix("key-").unwrap_or(&name).to_string();
            let exponent = n.prop("rsa,exponent").map_or(65537, |p| {
                p.value
                    .get(..8)
                    .and_then(|b| b.try_into().ok())
                    .map_or(0, u64::from_be_bytes)
            });
            Some(BootKey {
                layer: layer.to_vec(),
                node: path(tree, i),
                name,
                algo: n.string("algo").unwrap_or_default(),
                required: n.string("required"),
                offset: (tree.off_struct
                    + tree
                        .tokens
                        .iter()
                        .find(|t| t.tag == fit::BEGIN_NODE && t.node == Some(i))
                        .map_or(0, |t| t.start)) as u64,
                modulus: n
                    .prop("rsa,modulus")
                    .map(|p| p.value.to_vec())
                    .unwrap_or_default(),
                exponent,
            })
        })
        .collect()
}

/// Verifies `sig` with `key`: `Ok` when the signature is valid.
pub fn verify(sig: &BootSignature, key: &BootKey) -> Result<(), String> {
    let digest = sig.digest.as_ref().map_err(Clone::clone)?;
    let (hash, crypto) = sig.algo.split_once(',').unwrap_or((&sig.algo, ""));
    if !crypto.starts_with("rsa") {
        return Err(format!(
            "{crypto:?} signatures are not verified by iotcheck"
        ));
    }
    if sig.padding != "pkcs-1.5" && sig.padding != "pss" {
        return Err(format!(
            "{:?} padding is not verified by iotcheck",
            sig.padding
        ));
    }
    if key.modulus.is_empty() || key.modulus.len() * 8 > MAX_RSA_BITS {
        return Err(format!(
            "key {} has no usable rsa,modulus ({} bytes)",
            key.name,
            key.modulus.len()
        ));
    }
    let n = rsa::BigUint::from_bytes_be(&key.modulus);
    let e = rsa::BigUint::from(key.exponent);
    let public = rsa::RsaPublicKey::new(n, e).map_err(|e| format!("key {}: {e}", key.name))?;
    let bad = || "the signature does not verify with this key".to_string();
    if sig.padding == "pss" {
        // U-Boot signs PSS through OpenSSL, whose salt length is the
        // digest's or the largest that fits: both are tried.
        let em_len = key.modulus.len();
        let h_len = digest.len();
        let salts = [h_len, em_len.saturating_sub(h_len + 2)];
        let ok = salts.iter().any(|&salt| {
            let scheme = match hash {
                "sha1" => rsa::Pss::new_with_salt::<sha1::Sha1>(salt),
                "sha256" => rsa::Pss::new_with_salt::<sha2::Sha256>(salt),
                "sha384" => rsa::Pss::new_with_salt::<sha2::Sha384>(salt),
                "sha512" => rsa::Pss::new_with_salt::<sha2::Sha512>(salt),
                _ => return false,
            };
            scheme.verify(&public, digest, &sig.value).is_ok()
        });
        return if ok { Ok(()) } else { Err(bad()) };
    }
    let scheme = match hash {
        "sha1" => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
        "sha256" => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
        "sha384" => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
        "sha512" => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
        other => return Err(format!("hash {other:?} not supported")),
    };
    scheme
        .verify(&public, digest, &sig.value)
        .map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn unknown_algorithms_are_reasons_not_panics() {
        assert!(Hasher::new("md5,rsa2048").is_none());
        assert!(Hasher::new("").is_none());
        let sig = BootSignature {
            layer: vec![],
            node: "/images/k/signature-1".into(),
            algo: "sha256,ecdsa256".into(),
            key_hint: None,
            padding: "pkcs-1.5".into(),
            offset: 0,
            value: vec![1, 2, 3],
            digest: Ok(vec![0; 32]),
        };
        let key = BootKey {
            layer: vec![],
            node: "/signature/key-dev".into(),
            name: "dev".into(),
            algo: "sha256,rsa2048".into(),
            required: None,
            offset: 0,
            modulus: vec![0xff; 256],
            exponent: 65537,
        };
        assert!(verify(&sig, &key).unwrap_err().contains("ecdsa"));
        let rsa_sig = BootSignature {
            algo: "sha256,rsa2048".into(),
            ..sig
        };
        assert!(verify(&rsa_sig, &key).is_err());
        let no_key = BootKey {
            modulus: vec![],
            ..key
        };
        assert!(verify(&rsa_sig, &no_key).unwrap_err().contains("modulus"));
    }
}
