//! Version strings as embedded software writes them, and their order.
//!
//! Written here rather than taken from `semver`/`versions`/`version-compare`:
//! none of them orders the versions firmware actually ships. OpenSSL's letter
//! releases (`1.0.2` < `1.0.2k` < `1.0.2z` < `1.0.2za` < `1.0.2zd`), NTP's
//! patch levels (`4.2.8` < `4.2.8p9` < `4.2.8p15`), Dropbear's year-based
//! `2019.78`, release tags (`5.2.0-stable` = `5.2.0`) and pre-releases
//! (`1.0.0-rc1` < `1.0.0`) need one rule set, and distribution revisions
//! (`1:2.80-16.3`, `1.2.8.dfsg-2ubuntu4`, `2014.65-1+deb8u2`) must be cut
//! off before comparing (CRATES.md notes that `versions` and
//! `version-compare` even disagree on `5.4.1-1`).
//!
//! The rules:
//! - a version is a list of tokens: runs of digits (compared as numbers, of
//!   any length) and runs of letters (lower-cased); `.`, `-`, `_`, `+`, `~`
//!   only separate;
//! - letter runs that name a pre-release (`alpha`, `a` after a separator,
//!   `beta`, `b` after a separator, `pre`, `rc`, `dev`, `snapshot`) sort
//!   before the release, and so does a lone `a`/`b` followed by digits
//!   (`2.0b1`); `stable`, `release`, `final`, `ga` are no-ops;
//!   any other letter run (a letter release, `p` patch level) sorts after
//!   the release and after shorter letter runs (`z` < `za`);
//! - a missing token equals `0` and sorts before a number (`1.0` =
//!   `1.0.0` < `1.0.1`); at one place the order is pre-release < nothing
//!   or 0 < letters < 1 < 2 …, one scale, so the order is total (a fuzz
//!   target checks it).

use std::cmp::Ordering;

/// The longest version string accepted; longer input is not a version.
pub const MAX_LEN: usize = 64;

/// One token of a version.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// Digits, leading zeros dropped (so they compare as numbers of any size).
    Num(String),
    /// A pre-release marker with its rank (alpha 0, beta 1, pre 2, rc 3, dev/snapshot -1).
    Pre(i8),
    /// A letter release or patch level (`k`, `zd`, `p`).
    Letters(String),
}

/// A parsed version.
#[derive(Debug, Clone)]
pub struct Version {
    text: String,
    tokens: Vec<Token>,
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Version {}
impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_tokens(&self.tokens, &other.tokens)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Words that stand for "no version" in records.
pub fn is_placeholder(s: &str) -> bool {
    let t = s.trim().to_ascii_lowercase();
    matches!(
        t.as_str(),
        "" | "*" | "-" | "n/a" | "na" | "unspecified" | "unknown" | "all" | "any" | "0" | "none"
    )
}

impl Version {
    /// Parses an upstream version (`1.0.2k`, `v2.80`, `4.2.8p15`). `None`
    /// when it is not a version: empty, too long, no digit first, or
    /// characters no version uses.
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.trim();
        let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
        if s.is_empty() || s.len() > MAX_LEN || !s.as_bytes()[0].is_ascii_digit() {
            return None;
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+' | b'~'))
        {
            return None;
        }
        let mut tokens = Vec::new();
        let bytes = s.as_bytes();
        let mut i = 0;
        let mut after_separator = false;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii_digit() {
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                let digits = s[start..i].trim_start_matches('0');
                tokens.push(Token::Num(digits.to_string()));
                after_separator = false;
            } else if b.is_ascii_alphabetic() {
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                    i += 1;
                }
                let word = s[start..i].to_ascii_lowercase();
                // `2.0b1`, `3.8.0a4`: a lone a/b followed by digits is a
                // pre-release (Python style); `1.0.2b` is OpenSSL's letter release.
                let digit_follows = bytes.get(i).is_some_and(u8::is_ascii_digit);
                match word.as_str() {
                    "stable" | "release" | "final" | "ga" => {}
                    "alpha" => tokens.push(Token::Pre(0)),
                    "a" if after_separator || digit_follows => tokens.push(Token::Pre(0)),
                    "beta" => tokens.push(Token::Pre(1)),
                    "b" if after_separator || digit_follows => tokens.push(Token::Pre(1)),
                    "pre" => tokens.push(Token::Pre(2)),
                    "rc" | "cr" => tokens.push(Token::Pre(3)),
                    "dev" | "snapshot" | "git" => tokens.push(Token::Pre(-1)),
                    _ => tokens.push(Token::Letters(word)),
                }
                after_separator = false;
            } else {
                i += 1;
                after_separator = true;
            }
        }
        Some(Version {
            text: s.to_string(),
            tokens,
        })
    }

    /// Parses a version as a package manager or distribution writes it,
    /// cutting the epoch (`1:`), the distribution revision (`-16.3`,
    /// `-1+deb8u2`, `-2ubuntu4`, `.fc29`, `-lp151.2.3`) and repack markers
    /// (`.dfsg`, `+dfsg`, `~bpo`) first.
    pub fn parse_distro(s: &str) -> Option<Version> {
        Version::parse(&upstream_part(s))
    }

    /// The text as given (after a leading `v`).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `self` starts with the release line `line` (`1.1.1n` is in
    /// line `1.1.1` and `1.1`; `1.10` is not in `1.1`).
    pub fn in_line(&self, line: &Version) -> bool {
        line.tokens.len() <= self.tokens.len()
            && line.tokens.iter().zip(&self.tokens).all(|(a, b)| a == b)
    }
}

/// Cuts distribution decorations off a version string.
pub fn upstream_part(s: &str) -> String {
    let mut s = s.trim();
    // Epoch.
    if let Some((epoch, rest)) = s.split_once(':')
        && !epoch.is_empty()
        && epoch.bytes().all(|b| b.is_ascii_digit())
    {
        s = rest;
    }
    // Repack and backport markers end the upstream part.
    let lower = s.to_ascii_lowercase();
    let mut end = s.len();
    for marker in [
        "+dfsg", ".dfsg", "~dfsg", "+ds", "~bpo", "+deb", "+really", ".fc", ".el", "-lp",
    ] {
        if let Some(at) = lower.find(marker) {
            end = end.min(at);
        }
    }
    let mut s = &s[..end];
    // A trailing `-<revision>`: a Debian/opkg/RPM release number.
    if let Some((up, rev)) = s.rsplit_once('-')
        && up.contains('.')
        && rev.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && rev
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'~'))
        && (rev.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            || ["ubuntu", "deb", "build", "el", "fc", "mdv", "openwrt"]
                .iter()
                .any(|m| rev.contains(m)))
    {
        s = up;
    }
    s.to_string()
}

fn compare_tokens(a: &[Token], b: &[Token]) -> Ordering {
    // Compared as if both were padded with "nothing" tokens: lexicographic
    // order over one key per position, hence a total order.
    let n = a.len().max(b.len());
    for i in 0..n {
        let ord = key(a.get(i)).cmp(&key(b.get(i)));
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// The sort key of a token (or of nothing at that place). One scale for
/// all: pre-releases < nothing = 0 < letter releases < 1 < 2 < …, so
/// `1.0rc1` < `1.0` = `1.0.0` < `1.0.2k`-style letters < `1.0.1`.
fn key(t: Option<&Token>) -> (u8, i8, usize, &str) {
    match t {
        Some(Token::Pre(r)) => (0, *r, 0, ""),
        None => (1, 0, 0, ""),
        Some(Token::Num(d)) if d.is_empty() => (1, 0, 0, ""),
        Some(Token::Letters(w)) => (2, 0, w.len(), w.as_str()),
        Some(Token::Num(d)) => (3, 0, d.len(), d.as_str()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn embedded_world_orders() {
        let ascending = [
            "1.0.1",
            "1.0.2-beta1",
            "1.0.2",
            "1.0.2a",
            "1.0.2k",
            "1.0.2z",
            "1.0.2za",
            "1.0.2zc",
            "1.0.2zd",
            "1.1.0",
            "1.1.1",
            "1.1.1m",
            "1.1.1n",
            "3.0.0",
            "3.0.10",
        ];
        for w in ascending.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        }
        for w in ["4.2.8", "4.2.8p9", "4.2.8p15", "4.2.9"].windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        }
        assert!(v("2014.65") < v("2016.74"));
        assert!(v("2019.78") > v("2016.74"));
        assert!(v("2022.83") > v("2020.81"));
        assert!(v("2.80") > v("2.78"));
        assert!(v("2.9") < v("2.78"));
        assert!(v("1.35.0") > v("1.34.0"));
        assert!(v("1.28.2") < v("1.34.0"));
        assert_eq!(v("5.2.0-stable"), v("5.2.0"));
        assert_eq!(v("1.0"), v("1.0.0"));
        assert!(v("1.0.0-rc1") < v("1.0.0"));
        assert!(v("1.0.0-rc1") < v("1.0.0-rc2"));
        assert!(v("1.0.0-alpha") < v("1.0.0-beta"));
        assert!(v("2.0b1") < v("2.0"));
        assert_eq!(v("v2.80"), v("2.80"));
        assert!(v("99999999999999999999999.1") > v("9.1"));
        // Found by fuzzing: a transitivity break between letters and `.0`.
        assert!(v("1.0.2k") > v("1.0.2.0"));
        assert_eq!(v("1.0.2.0"), v("1.0.2"));
        assert!(v("1.0.2k") < v("1.0.2.1"));
    }

    #[test]
    fn distro_decorations_are_cut() {
        for (given, upstream) in [
            ("2.80-16.3", "2.80"),
            ("2014.65-1+deb8u2", "2014.65"),
            ("1.2.8.dfsg-2ubuntu4", "1.2.8"),
            ("1:2.80-1", "2.80"),
            ("1.28.2-1.fc29", "1.28.2"),
            ("1.4.49-lp151.2.3", "1.4.49"),
            ("1.4.10-3+deb9u4", "1.4.10"),
            ("5.2.0-stable", "5.2.0-stable"),
            ("1.0.0-rc1", "1.0.0-rc1"),
            ("1.1.1n", "1.1.1n"),
        ] {
            assert_eq!(upstream_part(given), upstream, "{given}");
        }
    }

    #[test]
    fn not_versions() {
        for s in ["", "n/a", "abc", "1.0 beta", "1.0;rm", &"1".repeat(100)] {
            assert!(Version::parse(s).is_none(), "{s:?}");
        }
        assert!(is_placeholder("unspecified"));
        assert!(is_placeholder(" * "));
    }

    #[test]
    fn release_lines() {
        assert!(v("1.1.1n").in_line(&v("1.1.1")));
        assert!(v("1.1.1n").in_line(&v("1.1")));
        assert!(!v("1.10.0").in_line(&v("1.1")));
        assert!(!v("1.0.2").in_line(&v("1.1")));
    }
}
