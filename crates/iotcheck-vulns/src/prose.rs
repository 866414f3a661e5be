//! Affected versions stated in prose: "dnsmasq before 2.78", "OpenSSL
//! 1.0.2 before 1.0.2k", "Dropbear SSH through 2016.73", "1.1.1 through
//! 1.1.1m", "Fixed in OpenSSL 1.0.2zd (Affected 1.0.2-1.0.2zc)".
//!
//! Each phrase found becomes a [`Range`]; the product is the caller's
//! (a structured entry's own product) or else the known component named
//! nearest before the phrase in the same sentence (names and aliases from
//! the identity table in `iotcheck-model`). A phrase with no product is
//! dropped: a version without a product cannot be matched. Matches from
//! prose are marked low confidence by the importers.

use std::sync::OnceLock;

use iotcheck_model::ComponentIdentity;
use regex::Regex;

use crate::range::Range;

/// A range read from text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProseRange {
    /// Canonical component name (identity table), when one was named.
    pub product: Option<String>,
    pub range: Range,
    /// The phrase it was read from.
    pub stated: String,
}

/// Longest text read (a description is a paragraph; anything longer is cut).
const MAX_TEXT: usize = 8 * 1024;

const VER: &str = r"v?(\d+(?:\.\d+)*(?:[a-z]{1,3}\d*)?(?:-(?:rc|beta|alpha|pre)\.?\d*)?)";

struct Patterns {
    fixed_range: Regex,
    fixed_list: Regex,
    line_before: Regex,
    between: Regex,
    before: Regex,
    through: Regex,
    and_earlier: Regex,
    product: Regex,
    list_item: Regex,
}

fn patterns() -> Option<&'static Patterns> {
    static P: OnceLock<Option<Patterns>> = OnceLock::new();
    P.get_or_init(|| {
        let r = |s: String| Regex::new(&format!("(?i){s}")).ok();
        // Names, aliases and CPE products, longest first so "dropbear ssh"
        // wins over "dropbear".
        let mut names: Vec<String> = ComponentIdentity::all()
            .iter()
            .flat_map(|c| {
                std::iter::once(c.name.clone())
                    .chain(c.aliases.iter().cloned())
                    .chain(std::iter::once(c.cpe_product().to_string()))
            })
            .map(|n| regex::escape(&n).replace(['_', '-'], "[-_ ]").replace(r"\ ", "[-_ ]"))
            .collect();
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        names.dedup();
        Some(Patterns {
            fixed_range: r(format!(
                r"fixed in (?:[a-z][\w.-]* )*?{VER}\s*\(affected {VER}\s*-\s*{VER}\)"
            ))?,
            fixed_list: r(format!(
                r"fixed in (?:[a-z][\w.-]* )*?{VER}\s*\(affected ((?:[\w.-]+\s*,\s*)*[\w.-]+)\)"
            ))?,
            line_before: r(format!(r"\b{VER}(?:\.x)? (?:before|prior to) (?:version )?{VER}"))?,
            between: r(format!(
                r"\b(?:from )?{VER} (?:through|until|up to and including|up to|to) (?:version )?{VER}"
            ))?,
            before: r(format!(
                r"(?:\bbefore|\bprior to|\bearlier than|\bolder than|\blower than|<) ?(?:versions? |v)?{VER}"
            ))?,
            through: r(format!(
                r"(?:\bthrough|\bup to and including|\bup to|<=) ?(?:versions? )?{VER}"
            ))?,
            and_earlier: r(format!(
                r"\b{VER},? (?:and|or) (?:earlier|prior|older|below|lower|before)\b"
            ))?,
            product: r(format!(r"\b(?:{})\b", names.join("|")))?,
            list_item: r(format!(r"^\s*{VER}\s*$"))?,
        })
    })
    .as_ref()
}

/// Ranges stated in `text`. `product` is the entry's own product (then
/// every phrase belongs to it); otherwise products are found by name.
pub fn ranges(text: &str, product: Option<&str>) -> Vec<ProseRange> {
    let Some(p) = patterns() else {
        return Vec::new();
    };
    let mut end = text.len().min(MAX_TEXT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let text = &text[..end];
    let mut taken: Vec<(usize, usize)> = Vec::new();
    let mut out = Vec::new();
    let free =
        |taken: &[(usize, usize)], s: usize, e: usize| taken.iter().all(|&(a, b)| e <= a || s >= b);
    let push = |out: &mut Vec<ProseRange>, at: usize, stated: &str, range: Option<Range>| {
        let Some(range) = range else { return };
        let product = product
            .map(str::to_string)
            .or_else(|| product_before(p, text, at));
        if product.is_some() {
            out.push(ProseRange {
                product,
                range,
                stated: stated.to_string(),
            });
        }
    };

    for c in p.fixed_range.captures_iter(text) {
        let (Some(m), Some(f), Some(a), Some(b)) = (c.get(0), c.get(1), c.get(2), c.get(3)) else {
            continue;
        };
        let mut range = Range::between(Some((a.as_str(), true)), Some((b.as_str(), true)));
        if let Some(r) = &mut range {
            r.fixed = Some(f.as_str().to_string());
        }
        push(&mut out, m.start(), m.as_str(), range);
        taken.push((m.start(), m.end()));
    }
    for c in p.fixed_list.captures_iter(text) {
        let (Some(m), Some(f), Some(list)) = (c.get(0), c.get(1), c.get(2)) else {
            continue;
        };
        if !free(&taken, m.start(), m.end()) {
            continue;
        }
        for item in list.as_str().split(',') {
            if p.list_item.is_match(item) {
                let mut range = Range::exact(item.trim());
                if let Some(r) = &mut range {
                    r.fixed = Some(f.as_str().to_string());
                }
                push(&mut out, m.start(), m.as_str(), range);
            }
        }
        taken.push((m.start(), m.end()));
    }
    let two: [(&Regex, bool); 2] = [(&p.line_before, false), (&p.between, true)];
    for (re, end_incl) in two {
        for c in re.captures_iter(text) {
            let (Some(m), Some(a), Some(b)) = (c.get(0), c.get(1), c.get(2)) else {
                continue;
            };
            if !free(&taken, m.start(), m.end()) {
                continue;
            }
            let range = Range::between(Some((a.as_str(), true)), Some((b.as_str(), end_incl)));
            push(&mut out, m.start(), m.as_str(), range);
            taken.push((m.start(), m.end()));
        }
    }
    let one: [(&Regex, bool); 3] = [
        (&p.before, false),
        (&p.through, true),
        (&p.and_earlier, true),
    ];
    for (re, end_incl) in one {
        for c in re.captures_iter(text) {
            let (Some(m), Some(a)) = (c.get(0), c.get(1)) else {
                continue;
            };
            if !free(&taken, m.start(), m.end()) {
                continue;
            }
            let range = Range::between(None, Some((a.as_str(), end_incl)));
            push(&mut out, m.start(), m.as_str(), range);
            taken.push((m.start(), m.end()));
        }
    }
    out
}

/// The known component named last before `at`, in the same sentence.
fn product_before(p: &Patterns, text: &str, at: usize) -> Option<String> {
    let head = &text[..at];
    let sentence_start = head
        .rfind(". ")
        .map_or(0, |i| i + 2)
        .max(head.rfind('\n').map_or(0, |i| i + 1));
    let sentence = &head[sentence_start..];
    p.product
        .find_iter(sentence)
        .last()
        .and_then(|m| ComponentIdentity::lookup(&m.as_str().replace(['-', ' '], "_")))
        .map(|id| id.name.clone())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::version::Version;

    fn has(rs: &[ProseRange], product: &str, v: &str) -> bool {
        let v = Version::parse(v).unwrap();
        rs.iter()
            .any(|r| r.product.as_deref() == Some(product) && r.range.contains(&v))
    }

    #[test]
    fn before_with_product_named() {
        let rs = ranges(
            "Heap-based buffer overflow in dnsmasq before 2.78 allows remote attackers to cause a denial of service.",
            None,
        );
        assert_eq!(rs.len(), 1, "{rs:?}");
        assert!(has(&rs, "dnsmasq", "2.77"));
        assert!(!has(&rs, "dnsmasq", "2.78"));
        assert!(!has(&rs, "dnsmasq", "2.80"));
        assert_eq!(rs[0].range.fixed.as_deref(), Some("2.78"));
    }

    #[test]
    fn two_word_product_names() {
        let rs = ranges(
            "Format string vulnerability in Dropbear SSH before 2016.74 allows remote attackers to execute arbitrary code.",
            None,
        );
        assert!(has(&rs, "dropbear", "2014.65"));
        assert!(!has(&rs, "dropbear", "2019.78"));
    }

    #[test]
    fn openssl_fixed_in_forms() {
        let rs = ranges(
            "Fixed in OpenSSL 1.1.1n (Affected 1.1.1-1.1.1m)",
            Some("openssl"),
        );
        assert!(has(&rs, "openssl", "1.1.1"));
        assert!(has(&rs, "openssl", "1.1.1m"));
        assert!(!has(&rs, "openssl", "1.1.1n"));
        assert!(!has(&rs, "openssl", "1.0.2g"));
        assert_eq!(rs[0].range.fixed.as_deref(), Some("1.1.1n"));
        let rs = ranges(
            "Fixed in OpenSSL 3.0.2 (Affected 3.0.0,3.0.1)",
            Some("openssl"),
        );
        assert_eq!(rs.len(), 2, "{rs:?}");
        assert!(has(&rs, "openssl", "3.0.1"));
        assert!(!has(&rs, "openssl", "3.0.2"));
    }

    #[test]
    fn several_lines_in_one_sentence() {
        let rs = ranges(
            "OpenSSL 1.0.2 before 1.0.2k and 1.1.0 before 1.1.0d allows remote attackers to crash.",
            None,
        );
        assert!(has(&rs, "openssl", "1.0.2j"));
        assert!(has(&rs, "openssl", "1.1.0c"));
        assert!(!has(&rs, "openssl", "1.0.2k"));
        assert!(!has(&rs, "openssl", "1.1.0d"));
        assert!(!has(&rs, "openssl", "1.0.1u"), "below the 1.0.2 line");
    }

    #[test]
    fn through_and_earlier() {
        let rs = ranges("BusyBox through 1.35.0 allows remote attackers.", None);
        assert!(has(&rs, "busybox", "1.35.0"));
        assert!(!has(&rs, "busybox", "1.36.0"));
        let rs = ranges("lighttpd 1.4.50 and earlier is affected.", None);
        assert!(has(&rs, "lighttpd", "1.4.49"));
        assert!(!has(&rs, "lighttpd", "1.4.51"));
        let rs = ranges("The Linux kernel 4.4 through 4.9.1 mishandles it.", None);
        assert!(has(&rs, "linux", "4.9"));
        assert!(!has(&rs, "linux", "4.3"));
    }

    #[test]
    fn no_product_no_range() {
        assert!(ranges("A flaw in some daemon before 2.0 allows things.", None).is_empty());
        // A product from an earlier sentence does not carry over.
        assert!(
            ranges(
                "dnsmasq is popular. Some other thing before 2.0 breaks.",
                None
            )
            .is_empty()
        );
    }
}
