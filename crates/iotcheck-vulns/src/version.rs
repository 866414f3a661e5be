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

/// A parsed version: the validated text; comparisons tokenize it on the
/// fly without allocating (matching compares hundreds of thousands of
/// stored bounds against one version).
#[derive(Debug, Clone)]
pub struct Version {
    text: String,
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
        compare_valid(&self.text, &other.text)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// The sort key of one token at one place. Declaration order is the order
/// across kinds: pre-release < nothing or 0 < letters < a positive number.
#[derive(Debug, Clone, Copy)]
enum Key<'a> {
    /// Rank: dev/snapshot -1, alpha 0, beta 1, pre 2, rc 3.
    Pre(i8),
    /// Nothing at this place, or a run of zeros.
    Zero,
    /// A letter release or patch level (`k`, `zd`, `p`), compared by
    /// length, then case-insensitively.
    Letters(&'a str),
    /// Digits without leading zeros, compared by length then bytes (a
    /// number of any size).
    Num(&'a str),
}

impl Key<'_> {
    fn rank(&self) -> u8 {
        match self {
            Key::Pre(_) => 0,
            Key::Zero => 1,
            Key::Letters(_) => 2,
            Key::Num(_) => 3,
        }
    }

    fn cmp(&self, other: &Key<'_>) -> Ordering {
        match (self, other) {
            (Key::Pre(a), Key::Pre(b)) => a.cmp(b),
            (Key::Letters(a), Key::Letters(b)) => a.len().cmp(&b.len()).then_with(|| {
                a.bytes()
                    .map(|c| c.to_ascii_lowercase())
                    .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
            }),
            (Key::Num(a), Key::Num(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// The tokens of a valid version text, as keys.
struct Keys<'a> {
    s: &'a str,
    i: usize,
    after_separator: bool,
}

impl<'a> Keys<'a> {
    fn new(s: &'a str) -> Self {
        Keys {
            s,
            i: 0,
            after_separator: false,
        }
    }
}

impl<'a> Iterator for Keys<'a> {
    type Item = Key<'a>;

    fn next(&mut self) -> Option<Key<'a>> {
        let bytes = self.s.as_bytes();
        while self.i < bytes.len() {
            let b = bytes[self.i];
            if b.is_ascii_digit() {
                let start = self.i;
                while self.i < bytes.len() && bytes[self.i].is_ascii_digit() {
                    self.i += 1;
                }
                self.after_separator = false;
                let digits = self.s[start..self.i].trim_start_matches('0');
                return Some(if digits.is_empty() {
                    Key::Zero
                } else {
                    Key::Num(digits)
                });
            } else if b.is_ascii_alphabetic() {
                let start = self.i;
                while self.i < bytes.len() && bytes[self.i].is_ascii_alphabetic() {
                    self.i += 1;
                }
                let word = &self.s[start..self.i];
                // `2.0b1`, `3.8.0a4`: a lone a/b followed by digits is a
                // pre-release (Python style); `1.0.2b` is OpenSSL's letter release.
                let digit_follows = bytes.get(self.i).is_some_and(u8::is_ascii_digit);
                let lone_pre = self.after_separator || digit_follows;
                self.after_separator = false;
                let is = |w: &str| word.eq_ignore_ascii_case(w);
                if is("stable") || is("release") || is("final") || is("ga") {
                    continue;
                }
                return Some(if is("alpha") || (is("a") && lone_pre) {
                    Key::Pre(0)
                } else if is("beta") || (is("b") && lone_pre) {
                    Key::Pre(1)
                } else if is("pre") {
                    Key::Pre(2)
                } else if is("rc") || is("cr") {
                    Key::Pre(3)
                } else if is("dev") || is("snapshot") || is("git") {
                    Key::Pre(-1)
                } else {
                    Key::Letters(word)
                });
            } else {
                self.i += 1;
                self.after_separator = true;
            }
        }
        None
    }
}

/// Compares two valid version texts: lexicographic over the keys, the
/// shorter padded with "nothing" (so `1.0` = `1.0.0`), hence a total order.
pub(crate) fn compare_valid(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (Keys::new(a), Keys::new(b));
    loop {
        match (x.next(), y.next()) {
            (None, None) => return Ordering::Equal,
            (p, q) => {
                let ord = p.unwrap_or(Key::Zero).cmp(&q.unwrap_or(Key::Zero));
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

/// The version text of `s` when it is a version (see [`Version::parse`]).
pub(crate) fn valid(s: &str) -> Option<&str> {
    let s = s.trim();
    let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
    let ok = !s.is_empty()
        && s.len() <= MAX_LEN
        && s.as_bytes()[0].is_ascii_digit()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+' | b'~'));
    ok.then_some(s)
}

/// A version tokenised once, for comparing against many stored bounds
/// (matching compares one component's version with every range of its
/// product).
#[derive(Debug, Clone)]
pub struct Prepared<'a> {
    keys: Vec<Key<'a>>,
}

impl Version {
    /// This version tokenised, see [`Prepared`].
    pub fn prepared(&self) -> Prepared<'_> {
        Prepared {
            keys: Keys::new(&self.text).collect(),
        }
    }
}

impl Prepared<'_> {
    /// Like [`compare_text`], without tokenising this version again.
    pub fn compare_text(&self, text: &str) -> Option<Ordering> {
        let t = valid(text)?;
        let mut mine = self.keys.iter().copied();
        let mut theirs = Keys::new(t);
        loop {
            match (mine.next(), theirs.next()) {
                (None, None) => return Some(Ordering::Equal),
                (p, q) => {
                    let ord = p.unwrap_or(Key::Zero).cmp(&q.unwrap_or(Key::Zero));
                    if ord != Ordering::Equal {
                        return Some(ord);
                    }
                }
            }
        }
    }
}

/// Compares a version with a version text (a stored bound) without
/// allocating; `None` when the text is not a version.
pub fn compare_text(v: &Version, text: &str) -> Option<Ordering> {
    valid(text).map(|t| compare_valid(&v.text, t))
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
        valid(s).map(|t| Version {
            text: t.to_string(),
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
        let mut mine = Keys::new(&self.text);
        Keys::new(&line.text).all(|l| mine.next().is_some_and(|m| m.cmp(&l) == Ordering::Equal))
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
