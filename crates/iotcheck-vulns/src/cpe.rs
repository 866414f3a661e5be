//! CPE 2.3 formatted strings (`cpe:2.3:a:openssl:openssl:1.0.2k:*:*:*:*:*:*:*`).
//!
//! Written here: the `cpe` crate reads only the 2.2 URI form (CRATES.md).
//! Fields are split on unescaped `:`; `\` escapes are removed from the
//! values. Only the fields matching needs are kept.

/// The fields of a CPE 2.3 name that matching uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpe {
    /// `a` (application), `o` (operating system) or `h` (hardware).
    pub part: String,
    pub vendor: String,
    pub product: String,
    pub version: String,
    pub update: String,
}

impl Cpe {
    /// Parses a formatted string; `None` when it is not one.
    pub fn parse(s: &str) -> Option<Cpe> {
        if s.len() > 512 {
            return None;
        }
        let rest = s.strip_prefix("cpe:2.3:")?;
        let mut fields = Vec::with_capacity(11);
        let mut cur = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        cur.push(n);
                    }
                }
                ':' => fields.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
        }
        fields.push(cur);
        if fields.len() < 4 {
            return None;
        }
        let get = |i: usize| fields.get(i).cloned().unwrap_or_else(|| "*".into());
        let part = get(0);
        if !matches!(part.as_str(), "a" | "o" | "h") || fields[1].is_empty() || fields[2].is_empty()
        {
            return None;
        }
        Some(Cpe {
            part,
            vendor: get(1),
            product: get(2),
            version: get(3),
            update: get(4),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn formatted_strings() {
        let c = Cpe::parse("cpe:2.3:a:openssl:openssl:1.0.2:k:*:*:*:*:*:*").unwrap();
        assert_eq!(
            (
                c.vendor.as_str(),
                c.product.as_str(),
                c.version.as_str(),
                c.update.as_str()
            ),
            ("openssl", "openssl", "1.0.2", "k")
        );
        let c = Cpe::parse(r"cpe:2.3:a:vendor\:x:prod:1.0:*:*:*:*:*:*:*").unwrap();
        assert_eq!(c.vendor, "vendor:x");
        assert!(Cpe::parse("cpe:/a:openssl:openssl:1.0.2").is_none());
        assert!(Cpe::parse("cpe:2.3:x:a:b:1").is_none());
        assert!(Cpe::parse("cpe:2.3:a::b").is_none());
    }
}
