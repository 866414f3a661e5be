//! The URI checks RFC 9116 asks of field values: RFC 3986 §3 syntax,
//! and `https://` for web URIs.
//!
//! This is a syntax check on the characters and the scheme/authority
//! shape, not a full RFC 3986 grammar: it is enough to tell a URI from a
//! bare e-mail address, a URL with spaces or an unencoded non-ASCII
//! character, which are the mistakes seen in published files.

/// A value that passed the syntax check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Uri<'a> {
    /// Lower-cased scheme, e.g. `https`, `mailto`.
    pub scheme: String,
    /// Everything after `scheme:`.
    pub rest: &'a str,
}

/// What is wrong with a value that should be a URI. Positions are byte
/// offsets into the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UriProblem {
    NoScheme { looks_like_email: bool },
    BadCharacter { at: usize, ch: char },
    BadPercentEscape { at: usize },
    NothingAfterScheme,
    NoHost,
}

impl UriProblem {
    pub fn describe(&self) -> String {
        match self {
            UriProblem::NoScheme {
                looks_like_email: true,
            } => "not a URI: an e-mail address needs the mailto: scheme (RFC 9116 §2.5.3)".into(),
            UriProblem::NoScheme { .. } => {
                "not a URI: no scheme such as https: or mailto: (RFC 3986 §3.1)".into()
            }
            UriProblem::BadCharacter { at, ch } => format!(
                "not a URI: character {ch:?} at byte {at} must be percent-encoded (RFC 3986 §2)"
            ),
            UriProblem::BadPercentEscape { at } => {
                format!("not a URI: '%' at byte {at} is not followed by two hex digits")
            }
            UriProblem::NothingAfterScheme => "not a URI: nothing after the scheme".into(),
            UriProblem::NoHost => "not a URI: web URI without a host".into(),
        }
    }
}

/// Checks `value` (already trimmed) against RFC 3986 syntax.
pub(crate) fn check(value: &str) -> Result<Uri<'_>, UriProblem> {
    let Some((scheme, rest)) = value.split_once(':') else {
        return Err(UriProblem::NoScheme {
            looks_like_email: value.contains('@'),
        });
    };
    let scheme_ok = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return Err(UriProblem::NoScheme {
            looks_like_email: value.contains('@'),
        });
    }
    let base = scheme.len() + 1;
    let rb = rest.as_bytes();
    let mut i = 0;
    while let Some(&b) = rb.get(i) {
        if b == b'%' {
            let hex = |j: usize| rb.get(j).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(i + 1) && hex(i + 2)) {
                return Err(UriProblem::BadPercentEscape { at: base + i });
            }
            i += 3;
            continue;
        }
        let allowed = b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&b);
        if !allowed {
            let ch = rest.get(i..).and_then(|s| s.chars().next()).unwrap_or('?');
            return Err(UriProblem::BadCharacter { at: base + i, ch });
        }
        i += 1;
    }
    if rest.is_empty() {
        return Err(UriProblem::NothingAfterScheme);
    }
    let scheme = scheme.to_ascii_lowercase();
    if matches!(scheme.as_str(), "https" | "http") {
        let host = rest
            .strip_prefix("//")
            .map(|r| r.split(['/', '?', '#']).next().unwrap_or(""))
            .map(|auth| auth.rsplit('@').next().unwrap_or(""))
            .unwrap_or("");
        let host = host.split(':').next().unwrap_or("");
        if host.is_empty() && !rest.starts_with("//[") {
            return Err(UriProblem::NoHost);
        }
    }
    Ok(Uri { scheme, rest })
}

/// `scheme://authority` lower-cased and the rest kept, for comparing a
/// Canonical value with the location a file was fetched from.
pub(crate) fn normalize(uri: &str) -> String {
    let uri = uri.trim();
    match uri.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let (auth, path) = rest.split_at(end);
            let path = if path.is_empty() { "/" } else { path };
            format!(
                "{}://{}{}",
                scheme.to_ascii_lowercase(),
                auth.to_ascii_lowercase(),
                path
            )
        }
        None => uri.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_field_values() {
        for ok in [
            "https://hackerone.com/ed?type=team&view_policy=true",
            "mailto:security@example.com",
            "tel:+1-201-555-0123",
            "openpgp4fpr:62cd131bb064942708acfe624a1bb804224de5a4",
            "dns:5d2d37ab76d47d36._openpgpkey.example.com?type=OPENPGPKEY",
            "https://[2001:db8::1]/security",
            "https://example.com/%C3%A9",
        ] {
            assert!(check(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn names_the_problem() {
        assert_eq!(
            check("security@example.com"),
            Err(UriProblem::NoScheme {
                looks_like_email: true
            })
        );
        assert_eq!(
            check("https://example.com/a b"),
            Err(UriProblem::BadCharacter { at: 21, ch: ' ' })
        );
        assert_eq!(
            check("mailto:sécurité@example.fr"),
            Err(UriProblem::BadCharacter { at: 8, ch: 'é' })
        );
        assert_eq!(
            check("https://x/%zz"),
            Err(UriProblem::BadPercentEscape { at: 10 })
        );
        assert_eq!(check("https:///path"), Err(UriProblem::NoHost));
        assert_eq!(check("mailto:"), Err(UriProblem::NothingAfterScheme));
    }

    #[test]
    fn normalize_lowercases_scheme_and_host_only() {
        assert_eq!(
            normalize("HTTPS://Example.COM/.well-known/Security.txt"),
            "https://example.com/.well-known/Security.txt"
        );
        assert_eq!(normalize("https://example.com"), "https://example.com/");
    }
}
