//! `fw.update-channel-authenticated`: update sources reached over a channel
//! that authenticates nothing (`http://`, `ftp://`, `tftp://`) in update
//! scripts and configuration (ETSI EN 303 645 5.3-7, NIST IR 8425
//! "software update"). A URL counts as an update source when its file's
//! name, its line, its INI section or the URL itself mentions update,
//! upgrade, firmware, OTA, sysupgrade or opkg. Only `https://` sources →
//! pass; no update source at all → no result (the image says nothing).
//!
//! HTTPS is necessary, not sufficient: whether the image is signed is not
//! decided here yet.

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

pub(crate) fn check(image: &str, files: &[(&[String], &[u8])]) -> Option<CheckResult> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
