//! `fw.weak-account-password`: local accounts that log in with no password
//! or with a generic default one (ETSI EN 303 645 provision 5.1-1, UK PSTI
//! Schedule 1 §1).
//!
//! `/etc/passwd` (`name:password:uid:gid:gecos:home:shell`, passwd(5)) and
//! `/etc/shadow` (`name:password:…`, shadow(5)) are read line by line. An
//! empty password field lets anyone log in; `*`, `!`-prefixed and `x` (in
//! shadow) mean locked. crypt(3) hashes in the DES, MD5 (`$1$`), SHA-256
//! (`$5$`) and SHA-512 (`$6$`) formats are tried against the built-in list
//! plus the caller's. bcrypt (`$2a$`, `$2b$`, `$2y$`, through `pwhash`) and
//! yescrypt (`$y$`, Debian's default since 11, through RustCrypto's
//! `yescrypt`) are deliberately slow, so they get the built-in generic list
//! only, for at most [`MAX_SLOW_HASHES`] distinct hashes, and only at costs
//! a device could use (a hostile image could ask for gigabytes per try);
//! the pass summary says when a slow hash was tried with the short list.

use std::collections::HashMap;

use iotcheck_model::{CheckResult, Secret};

use super::{Finding, WEAK_PASSWORD, result};
use crate::text::{excerpt, lines};

/// Generic default passwords: vendor-neutral, well known, and on every
/// default-credential list. Callers add their own with `extra_passwords`.
pub const DEFAULT_PASSWORDS: [&str; 20] = [
    "", "admin", "root", "password", "1234", "12345", "123456", "12345678", "default", "toor",
    "pass", "user", "guest", "support", "service", "system", "changeme", "admin123", "111111",
    "0000",
];

/// Hashes verified per call: each costs up to a few thousand hash rounds
/// per candidate, so an image with thousands of accounts must not stall.
const MAX_HASHES: usize = 64;
/// SHA-crypt `rounds=` above this are not tried (a hostile image could ask
/// for 999,999,999).
const MAX_ROUNDS: u32 = 50_000;

/// Distinct bcrypt/yescrypt hashes tried per call (each try costs tens of
/// milliseconds by design).
pub const MAX_SLOW_HASHES: usize = 4;
/// Highest bcrypt cost tried (2^12 rounds, ~250 ms per try).
const MAX_BCRYPT_COST: u32 = 12;
/// Most memory one yescrypt try may use (128·N·r·p bytes): 64 MiB, four
/// times Debian's default.
const MAX_YESCRYPT_BYTES: u64 = 64 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Des,
    Md5,
    Sha256,
    Sha512,
    Bcrypt,
    Yescrypt,
}

impl Scheme {
    fn name(self) -> &'static str {
        match self {
            Scheme::Des => "DES crypt",
            Scheme::Md5 => "md5-crypt",
            Scheme::Sha256 => "sha256-crypt",
            Scheme::Sha512 => "sha512-crypt",
            Scheme::Bcrypt => "bcrypt",
            Scheme::Yescrypt => "yescrypt",
        }
    }

    /// Deliberately slow: tried with the generic list only.
    fn slow(self) -> bool {
        matches!(self, Scheme::Bcrypt | Scheme::Yescrypt)
    }

    fn of(hash: &str) -> Option<Scheme> {
        let des_char = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '/';
        if let Some(rest) = hash.strip_prefix("$1$") {
            (!rest.is_empty()).then_some(Scheme::Md5)
        } else if let Some(rest) = hash.strip_prefix("$5$") {
            rounds_ok(rest).then_some(Scheme::Sha256)
        } else if let Some(rest) = hash.strip_prefix("$6$") {
            rounds_ok(rest).then_some(Scheme::Sha512)
        } else if let Some(rest) = ["$2a$", "$2b$", "$2y$"]
            .iter()
            .find_map(|p| hash.strip_prefix(p))
        {
            let cost = rest.get(..2).and_then(|c| c.parse::<u32>().ok());
            cost.is_some_and(|c| (4..=MAX_BCRYPT_COST).contains(&c) && rest.get(2..3) == Some("$"))
                .then_some(Scheme::Bcrypt)
        } else if let Some(rest) = hash.strip_prefix("$y$") {
            let params = rest.split('$').next()?.parse::<yescrypt::Params>().ok()?;
            let bytes = 128u64
                .saturating_mul(params.n())
                .saturating_mul(u64::from(params.r()))
                .saturating_mul(u64::from(params.p()));
            (bytes <= MAX_YESCRYPT_BYTES && params.p() == 1).then_some(Scheme::Yescrypt)
        } else if hash.len() == 13 && hash.chars().all(des_char) {
            Some(Scheme::Des)
        } else {
            None
        }
    }

    fn verify(self, pass: &str, hash: &str) -> bool {
        match self {
            Scheme::Des => pwhash::unix_crypt::verify(pass, hash),
            Scheme::Md5 => pwhash::md5_crypt::verify(pass, hash),
            Scheme::Sha256 => pwhash::sha256_crypt::verify(pass, hash),
            Scheme::Sha512 => pwhash::sha512_crypt::verify(pass, hash),
            Scheme::Bcrypt => pwhash::bcrypt::verify(pass, hash),
            Scheme::Yescrypt => {
                use yescrypt::PasswordVerifier;
                yescrypt::Yescrypt::default()
                    .verify_password(pass.as_bytes(), hash)
                    .is_ok()
            }
        }
    }
}

fn rounds_ok(rest: &str) -> bool {
    match rest.strip_prefix("rounds=") {
        None => true,
        Some(r) => r
            .split('$')
            .next()
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| n <= MAX_ROUNDS),
    }
}

/// What a password field allows.
#[derive(Debug, PartialEq, Eq)]
enum Field<'a> {
    Empty,
    Locked,
    /// Look in shadow (`x` in passwd).
    Shadowed,
    Hash(&'a str),
}

fn field(pw: &str, in_shadow: bool) -> Field<'_> {
    if pw.is_empty() {
        Field::Empty
    } else if pw.starts_with('!') || pw.starts_with('*') {
        Field::Locked
    } else if pw == "x" {
        if in_shadow {
            Field::Locked
        } else {
            Field::Shadowed
        }
    } else {
        Field::Hash(pw)
    }
}

/// One account line.
struct Account<'a> {
    path: &'a [String],
    offset: usize,
    user: &'a str,
    pw: &'a str,
    line: &'a str,
    in_shadow: bool,
}

fn parse<'a>(path: &'a [String], bytes: &'a [u8], in_shadow: bool) -> Vec<Account<'a>> {
    let mut out = Vec::new();
    for (offset, line) in lines(bytes) {
        let Ok(line) = std::str::from_utf8(line) else {
            continue;
        };
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(3, ':');
        let (Some(user), Some(pw)) = (parts.next(), parts.next()) else {
            continue;
        };
        if user.is_empty() || user.starts_with(['+', '-']) {
            continue; // NIS compat entries carry no local password
        }
        out.push(Account {
            path,
            offset,
            user,
            pw,
            line,
            in_shadow,
        });
    }
    out
}

/// The line with its password field masked (kept: the scheme prefix).
fn masked(a: &Account<'_>) -> String {
    let shown = match Scheme::of(a.pw) {
        Some(Scheme::Md5) => "$1$********",
        Some(Scheme::Sha256) => "$5$********",
        Some(Scheme::Sha512) => "$6$********",
        _ if a.pw.is_empty() => "",
        _ => "********",
    };
    let rest = a
        .line
        .get(a.user.len() + 1 + a.pw.len()..)
        .unwrap_or_default();
    excerpt(format!("{}:{shown}{rest}", a.user).as_bytes(), 120)
}

/// An account whose password field is a hash (not empty, not locked, not
/// deferred to shadow), for comparing images.
pub(crate) struct Hashed<'a> {
    pub(crate) user: &'a str,
    pub(crate) hash: &'a str,
    pub(crate) offset: usize,
    pub(crate) masked: String,
}

/// The hashed accounts of one passwd or shadow file.
pub(crate) fn hashed_accounts<'a>(
    path: &'a [String],
    bytes: &'a [u8],
    in_shadow: bool,
) -> Vec<Hashed<'a>> {
    parse(path, bytes, in_shadow)
        .into_iter()
        .filter_map(|a| match field(a.pw, a.in_shadow) {
            Field::Hash(hash) => Some(Hashed {
                user: a.user,
                hash,
                offset: a.offset,
                masked: masked(&a),
            }),
            _ => None,
        })
        .collect()
}

/// Decides the check for passwd/shadow files given directly (each with its
/// nested path; the kind is taken from the last path element's file name,
/// `passwd` or `shadow`). `None` when no such file is given.
///
/// Files belong together when their paths share everything but the last
/// element (the same filesystem).
pub fn check_accounts(
    image: &str,
    files: &[(Vec<String>, &[u8])],
    extra_passwords: &[String],
) -> Option<CheckResult> {
    let kind = |p: &[String]| -> Option<bool> {
        let name = p.last()?.rsplit('/').next()?;
        match name {
            "passwd" => Some(false),
            "shadow" => Some(true),
            _ => None,
        }
    };
    let mut accounts = Vec::new();
    for (path, bytes) in files {
        if let Some(in_shadow) = kind(path) {
            accounts.extend(parse(path, bytes, in_shadow));
        }
    }
    if !files.iter().any(|(p, _)| kind(p).is_some()) {
        return None;
    }
    let mut candidates: Vec<&str> = DEFAULT_PASSWORDS.to_vec();
    for p in extra_passwords {
        if !candidates.contains(&p.as_str()) {
            candidates.push(p);
        }
    }
    let mut findings = Vec::new();
    let mut cracked: HashMap<&str, Option<&str>> = HashMap::new();
    let mut slow_tried = 0usize;
    let mut slow_skipped = 0usize;
    for a in &accounts {
        let what = match field(a.pw, a.in_shadow) {
            Field::Locked => continue,
            // Judged on its shadow line; with no shadow entry nobody can log in.
            Field::Shadowed => continue,
            // passwd(5): an empty field means no password, whatever shadow says.
            Field::Empty => format!("{} has no password (login needs none)", a.user),
            Field::Hash(hash) => {
                let Some(scheme) = Scheme::of(hash) else {
                    continue;
                };
                let found = match cracked.get(hash) {
                    Some(found) => *found,
                    None if cracked.len() >= MAX_HASHES => continue,
                    None if scheme.slow() && slow_tried >= MAX_SLOW_HASHES => {
                        slow_skipped += 1;
                        continue;
                    }
                    None => {
                        let list: &[&str] = if scheme.slow() {
                            slow_tried += 1;
                            &DEFAULT_PASSWORDS
                        } else {
                            &candidates
                        };
                        let found = list.iter().copied().find(|c| scheme.verify(c, hash));
                        cracked.insert(hash, found);
                        found
                    }
                };
                let Some(found) = found else {
                    continue;
                };
                let secret = Secret::new(found);
                if found.is_empty() {
                    format!("{} has an empty password ({})", a.user, scheme.name())
                } else {
                    format!(
                        "{} has the default password {secret} ({})",
                        a.user,
                        scheme.name()
                    )
                }
            }
        };
        findings.push(Finding {
            path: a.path.to_vec(),
            offset: a.offset,
            excerpt: masked(a),
            what,
        });
    }
    let mut pass = "every account is locked or has a password not on the default lists".to_string();
    if slow_tried > 0 {
        pass.push_str(&format!(
            " ({slow_tried} bcrypt/yescrypt hash{} tried with the {} generic passwords only",
            if slow_tried == 1 { "" } else { "es" },
            DEFAULT_PASSWORDS.len()
        ));
        if slow_skipped > 0 {
            pass.push_str(&format!("; {slow_skipped} more not tried"));
        }
        pass.push(')');
    }
    Some(result(
        WEAK_PASSWORD,
        image,
        findings,
        "accounts log in with no or a default password",
        &pass,
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn fields_and_schemes() {
        assert_eq!(field("", false), Field::Empty);
        assert_eq!(field("x", false), Field::Shadowed);
        assert_eq!(field("x", true), Field::Locked);
        assert_eq!(field("!$1$a$b", true), Field::Locked);
        assert_eq!(Scheme::of("AcDpUbdyJRxVI"), Some(Scheme::Des));
        assert_eq!(Scheme::of("$6$rounds=999999999$salt$h"), None);
        assert_eq!(Scheme::of("$2y$10$abc"), Some(Scheme::Bcrypt));
        assert_eq!(Scheme::of("$2y$31$abc"), None);
        assert_eq!(Scheme::of("$y$j9T$salt$hash"), Some(Scheme::Yescrypt));
        // N = 2^18, r = 32: 1 GiB a try.
        assert_eq!(Scheme::of("$y$jFT$salt$hash"), None);
        assert_eq!(Scheme::of("$y$garbage"), None);
    }

    proptest::proptest! {
        /// A shadow field is the image's to write: reading its scheme and
        /// parameters (yescrypt's are encoded) never panics, and nothing
        /// costlier than the bounds is accepted.
        #[test]
        fn hostile_hash_fields_are_read_safely(rest in "[ -~]{0,40}", pick in 0usize..5) {
            let prefix = ["$y$", "$2b$", "$5$rounds=", "$6$", "$1$"][pick];
            let hash = format!("{prefix}{rest}");
            if let Some(scheme) = Scheme::of(&hash) {
                if scheme == Scheme::Yescrypt {
                    let p = hash[3..].split('$').next().unwrap().parse::<yescrypt::Params>().unwrap();
                    proptest::prop_assert!(128 * p.n() * u64::from(p.r()) <= MAX_YESCRYPT_BYTES);
                }
                // Verifying a made-up hash is a wrong password, not a crash
                // (bounded: only schemes within their cost limits get here).
                if !scheme.slow() {
                    let _ = scheme.verify("admin", &hash);
                }
            }
        }
    }

    #[test]
    #[allow(deprecated)] // md5-crypt is what the device used; it is only verified here
    fn empty_passwd_field_fails_and_never_shows_the_password() {
        let hash = pwhash::md5_crypt::hash_with("$1$saltsalt$", "toor").unwrap();
        let shadow = format!("root:{hash}:1:0:99999:7:::\nguest::1:0:::::\nbin:*:1::::::\n");
        let files = vec![(vec!["/etc/shadow".to_string()], shadow.as_bytes())];
        let r = check_accounts("fw.bin", &files, &[]).unwrap();
        assert_eq!(r.outcome, iotcheck_model::Outcome::Fail);
        assert!(r.summary.contains("root has the default password ********"));
        assert!(r.summary.contains("guest has no password"));
        let json = format!("{r:?}");
        assert!(
            !json.contains("toor") && !json.contains(&hash[4..]),
            "{json}"
        );
    }
}
