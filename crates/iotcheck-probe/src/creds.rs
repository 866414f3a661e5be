//! The default-credential list: data shipped in `data/default-credentials.txt`
//! (sources and licences in its header), or a file the user gives.
//!
//! # Format
//!
//! One `user:password`, `user password` or `user<TAB>password` a line; `#`
//! starts a comment line; `user:` means an empty password. Lines before any
//! section header are *generic*: tried against every service. A header
//! `[product KEY, KEY…]` starts *vendor-specific* entries, tried only on a
//! service whose identity names one of the keys (see [`for_identity`]);
//! `[generic]` goes back to generic entries. A key matches as a whole word,
//! case-insensitively, in what the service shows of itself: its banner (SSH
//! version string, Telnet or FTP greeting), the HTTP `Server` header, the
//! authentication realm, the page title. Keys are letters, digits and
//! `-_./ `, at most 40 bytes.
//!
//! On a matching service the vendor entries come first (they are the likely
//! ones, and the attempt cap must not cut them off), then the generic ones.

use iotcheck_model::Secret;

/// One user name and password pair from a default list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub user: String,
    pub password: Secret,
    /// Product keys this entry is for; empty for a generic entry.
    pub products: Vec<String>,
}

impl Credential {
    /// A generic entry (tried on every service).
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Credential {
        Credential {
            user: user.into(),
            password: Secret::new(password.into()),
            products: Vec::new(),
        }
    }

    /// Whether the entry is for one of the products `identity` names.
    pub fn matches(&self, identity: &str) -> bool {
        self.products.iter().any(|k| names_word(identity, k))
    }
}

/// Longest product key.
const MAX_KEY: usize = 40;

/// Whether `key` occurs in `text` as a whole word (ASCII case-insensitive,
/// bounded by a non-alphanumeric character or the ends).
fn names_word(text: &str, key: &str) -> bool {
    let (t, k) = (text.as_bytes(), key.as_bytes());
    if k.is_empty() || k.len() > t.len() {
        return false;
    }
    (0..=t.len() - k.len()).any(|i| {
        t.get(i..i + k.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(k))
            && (i == 0 || t.get(i - 1).is_some_and(|b| !b.is_ascii_alphanumeric()))
            && t.get(i + k.len())
                .is_none_or(|b| !b.is_ascii_alphanumeric())
    })
}

/// The list to try on a service that shows itself as `identity` (banner,
/// headers, realm, title joined): the vendor entries whose product key it
/// names first, then every generic entry; a pair listed twice is tried once.
pub fn for_identity(all: &[Credential], identity: &str) -> Vec<Credential> {
    let mut out: Vec<Credential> = Vec::new();
    let vendor = all
        .iter()
        .filter(|c| !c.products.is_empty() && c.matches(identity));
    let generic = all.iter().filter(|c| c.products.is_empty());
    for c in vendor.chain(generic) {
        if !out
            .iter()
            .any(|o| o.user == c.user && o.password == c.password)
        {
            out.push(c.clone());
        }
    }
    out
}

/// The list for service `s`: its identity is its banner (SSH version
/// string, greeting, HTTP `Server` header) and `extra` (realm, page title).
pub(crate) fn for_service(
    all: &[Credential],
    s: &crate::Service,
    extra: &[&str],
) -> Vec<Credential> {
    let mut identity = s.banner.clone().unwrap_or_default();
    for e in extra {
        identity.push('\n');
        identity.push_str(e);
    }
    for_identity(all, &identity)
}

/// Reads a `[product KEY, KEY…]` header's keys.
fn product_keys(header: &str) -> Result<Vec<String>, &'static str> {
    let keys: Vec<String> = header
        .split(',')
        .map(|k| k.trim().to_ascii_lowercase())
        .collect();
    if keys.iter().any(String::is_empty) {
        return Err("empty product key");
    }
    if keys.iter().any(|k| {
        k.len() > MAX_KEY
            || !k
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_./ ".contains(&b))
    }) {
        return Err(
            "product key longer than 40 bytes or with characters other than letters, digits and -_./ and space",
        );
    }
    Ok(keys)
}

/// A line of a credential file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("credential list line {line}: {reason}")]
pub struct CredentialError {
    pub line: usize,
    pub reason: &'static str,
}

const BUILTIN: &str = include_str!("../data/default-credentials.txt");

/// Longest user name or password accepted from a list.
const MAX_FIELD: usize = 128;

/// The shipped list (Mirai and vendor Telnet defaults, see the data file).
pub fn builtin_credentials() -> Vec<Credential> {
    parse_credentials(BUILTIN).unwrap_or_default()
}

/// Reads a list in the format above (module doc). Duplicates are dropped,
/// order kept.
pub fn parse_credentials(text: &str) -> Result<Vec<Credential>, CredentialError> {
    let mut out: Vec<Credential> = Vec::new();
    let mut products: Vec<String> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let err = |reason| CredentialError {
            line: i + 1,
            reason,
        };
        let trimmed = line.trim();
        if let Some(inner) = trimmed.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            let inner = inner.trim();
            if inner.eq_ignore_ascii_case("generic") {
                products = Vec::new();
            } else if let Some(keys) = inner
                .strip_prefix("product ")
                .or_else(|| inner.strip_prefix("product\t"))
            {
                products = product_keys(keys).map_err(err)?;
            } else {
                return Err(err(
                    "a section header is `[product KEY, KEY…]` or `[generic]`",
                ));
            }
            continue;
        }
        let (user, password) = if let Some((u, p)) = line.split_once(':') {
            (u, p)
        } else if let Some((u, p)) = line.split_once(['\t', ' ']) {
            (u, p.trim_start())
        } else {
            return Err(err("expected `user:password` or `user password`"));
        };
        if user.is_empty() {
            return Err(err("empty user name"));
        }
        if user.len() > MAX_FIELD || password.len() > MAX_FIELD {
            return Err(err("field longer than 128 bytes"));
        }
        if user.contains(|c: char| c.is_control()) || password.contains(|c: char| c.is_control()) {
            return Err(err("control character in a field"));
        }
        let c = Credential {
            user: user.to_string(),
            password: Secret::new(password),
            products: products.clone(),
        };
        if !out.contains(&c) {
            out.push(c);
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn builtin_list_is_whole_and_starts_with_mirai() {
        let list = builtin_credentials();
        assert!(list.len() > 140, "{}", list.len());
        assert_eq!(list[0].user, "root");
        assert_eq!(list[0].password.expose(), "xc3511");
        assert!(
            list.iter()
                .any(|c| c.user == "admin" && c.password.expose() == "admin")
        );
    }

    #[test]
    fn product_sections_apply_only_to_their_product() {
        let text = "root:root\n[product hikvision, dnvrs-webs]\nadmin:12345\nroot:root\n[generic]\nguest:guest\n[product axis]\nroot:pass\n";
        let l = parse_credentials(text).unwrap();
        assert_eq!(l.len(), 5);
        assert_eq!(l[1].products, ["hikvision", "dnvrs-webs"]);
        assert!(l[3].products.is_empty());
        let pairs = |v: Vec<Credential>| -> Vec<String> {
            v.iter()
                .map(|c| format!("{}:{}", c.user, c.password.expose()))
                .collect()
        };
        // The Server header of a Hikvision NVR: its entries first, the pair
        // also listed generically tried once.
        assert_eq!(
            pairs(for_identity(&l, "DNVRS-Webs")),
            ["admin:12345", "root:root", "guest:guest"]
        );
        assert_eq!(
            pairs(for_identity(&l, "AXIS P1346 Network Camera")),
            ["root:pass", "root:root", "guest:guest"]
        );
        // Whole words only: neither "taxis" nor "hikvisionary" is a product named.
        assert_eq!(
            pairs(for_identity(&l, "taxis hikvisionary")),
            ["root:root", "guest:guest"]
        );
        assert_eq!(pairs(for_identity(&l, "")), ["root:root", "guest:guest"]);
        assert!(parse_credentials("[vendor x]\na:b\n").is_err());
        assert!(parse_credentials("[product a,,b]\na:b\n").is_err());
        assert!(parse_credentials("[product a<b]\na:b\n").is_err());
    }

    #[test]
    fn builtin_vendor_entries_are_keyed() {
        let list = builtin_credentials();
        let generic = list.iter().filter(|c| c.products.is_empty()).count();
        assert!(generic > 140, "{generic}");
        // Generic entries come first in the file.
        assert!(list.iter().take(generic).all(|c| c.products.is_empty()));
        let hik = for_identity(&list, "App-webs/");
        assert_eq!(
            (hik[0].user.as_str(), hik[0].password.expose()),
            ("admin", "12345")
        );
        let plain = for_identity(&list, "lighttpd/1.4.69");
        assert_eq!(plain.len(), generic);
    }

    #[test]
    fn formats() {
        let l = parse_credentials("# c\nroot:\nadmin admin\nu\tp w\nroot:\n").unwrap();
        assert_eq!(l.len(), 3);
        assert_eq!(l[2].password.expose(), "p w");
        assert!(parse_credentials("justone\n").is_err());
    }
}
