//! `fw.hardcoded-credential`: `password = value`-style assignments with a
//! literal value in configuration files under `/etc` (ETSI EN 303 645
//! 5.1-1 and 5.4-3: no hard-coded credentials). Covers `key=value`,
//! `key: value` (YAML, JSON) and OpenWrt UCI `option key 'value'`.
//! BusyBox `httpd.conf` protection lines (`/path:user:password`,
//! `networking/httpd.c`) count too. `passwd`/`shadow` belong to
//! `fw.weak-account-password`; variables, templates and placeholders are
//! not literals.

use iotcheck_model::{CheckResult, Secret};

use super::{Finding, HARDCODED_CREDENTIAL, result};
use crate::text::{excerpt, is_text, lines};

const SKIP_FILES: [&str; 4] = ["/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow"];

/// Key tokens that make a key a setting *about* passwords, not a password.
const NOT_A_SECRET: [&str; 20] = [
    "file", "path", "dir", "len", "length", "min", "max", "required", "prompt", "policy", "enable",
    "enabled", "type", "method", "change", "expire", "cmd", "command", "mode", "auth",
];

fn secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    let tokens: Vec<&str> = key
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    if tokens.iter().any(|t| NOT_A_SECRET.contains(t)) {
        return false;
    }
    key.contains("password")
        || key.contains("passwd")
        || key.contains("passphrase")
        || tokens.iter().any(|t| matches!(*t, "pass" | "pwd" | "psk"))
}

fn placeholder(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    v.is_empty()
        || v.starts_with(['$', '%', '<', '@', '{', '/'])
        || v.contains("{{")
        || v.chars().all(|c| c == v.chars().next().unwrap_or(' '))
        || matches!(
            lower.as_str(),
            "none"
                | "null"
                | "nil"
                | "undefined"
                | "placeholder"
                | "yes"
                | "no"
                | "true"
                | "false"
                | "on"
                | "off"
                | "0"
                | "1"
                | "your_password"
                | "yourpassword"
                | "password_here"
                | "changeme_in_production"
                | "secret_here"
                | "example"
        )
}

/// `(value start, user)` of a BusyBox httpd `/path:user:password` line
/// with a literal password.
fn httpd_auth(line: &str) -> Option<(usize, &str)> {
    if !line.starts_with('/') {
        return None;
    }
    let mut parts = line.splitn(3, ':');
    let (path, user, pass) = (parts.next()?, parts.next()?, parts.next()?);
    if user.is_empty() || pass.trim().is_empty() || placeholder(pass.trim()) {
        return None;
    }
    Some((path.len() + 1 + user.len() + 1, user))
}

/// `(value start, value)` of a password assignment on `line`.
fn assignment(line: &str) -> Option<(usize, &str)> {
    let trimmed = line.trim_start();
    if trimmed.starts_with(['#', ';']) || trimmed.starts_with("//") {
        return None;
    }
    let (key, value) = if let Some(rest) = trimmed.strip_prefix("option ") {
        // UCI: option key 'value'
        let rest = rest.trim_start();
        let split = rest.find(char::is_whitespace)?;
        (&rest[..split], rest[split..].trim_start())
    } else {
        let sep = trimmed.find(['=', ':'])?;
        let key = trimmed[..sep].trim();
        let key = key.strip_prefix("export ").unwrap_or(key);
        (
            key.trim_matches(['"', '\'']),
            trimmed[sep + 1..].trim_start(),
        )
    };
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        || !secret_key(key)
    {
        return None;
    }
    let value = value.trim_end().trim_end_matches([',', ';']);
    let unquoted = if value.len() >= 2
        && (value.starts_with('"') && value.ends_with('"')
            || value.starts_with('\'') && value.ends_with('\''))
    {
        &value[1..value.len() - 1]
    } else {
        value
    };
    if placeholder(unquoted) {
        return None;
    }
    // `value` is a subslice of `line`: its start is the distance between them.
    let start = (value.as_ptr() as usize).saturating_sub(line.as_ptr() as usize);
    Some((start.min(line.len()), unquoted))
}

pub(crate) fn check(image: &str, files: &[(&[String], &[u8])]) -> CheckResult {
    let mask = Secret::default().to_string();
    let mut findings = Vec::new();
    for (path, bytes) in files {
        let inner = path.last().map_or("", String::as_str);
        if !inner.starts_with("/etc/") || SKIP_FILES.contains(&inner) || !is_text(bytes) {
            continue;
        }
        let httpd = inner.ends_with("/httpd.conf");
        for (offset, line) in lines(bytes) {
            let Ok(line) = std::str::from_utf8(line) else {
                continue;
            };
            let httpd_line = if httpd { httpd_auth(line) } else { None };
            let (start, what) = if let Some((start, user)) = httpd_line {
                (start, format!("web login {user} in {inner}"))
            } else if let Some((start, _value)) = assignment(line) {
                let key = line[..start].trim().trim_end_matches(['=', ':']).trim();
                (start, format!("{key} in {inner}"))
            } else {
                continue;
            };
            let prefix = line.get(..start).unwrap_or_default();
            findings.push(Finding {
                path: path.to_vec(),
                offset,
                excerpt: excerpt(format!("{prefix}{mask}").as_bytes(), 120),
                what,
            });
        }
    }
    result(
        HARDCODED_CREDENTIAL,
        image,
        findings,
        "hard-coded credentials in configuration files",
        "no password assignment with a literal value in any file under /etc",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments() {
        fn f(l: &str) -> Option<(&str, &str)> {
            assignment(l).map(|(s, v)| (&l[..s], v))
        }
        assert_eq!(f("password = acme1234"), Some(("password = ", "acme1234")));
        assert_eq!(
            f("status_password = admin"),
            Some(("status_password = ", "admin"))
        );
        assert_eq!(f("\toption key 'x'"), None);
        assert_eq!(
            f("\toption password 'hunter2'"),
            Some(("\toption password ", "hunter2"))
        );
        assert_eq!(
            f("export MQTT_PASS=\"s3cr3t\""),
            Some(("export MQTT_PASS=", "s3cr3t"))
        );
        assert_eq!(f("password_file=/etc/x"), None);
        assert_eq!(f("password=$1"), None);
        assert_eq!(f("password="), None);
        assert_eq!(f("# password=abc"), None);
        assert_eq!(f("PasswordAuthentication no"), None);
        assert_eq!(f("pass = ********"), None);
        assert_eq!(httpd_auth("/cgi-bin:admin:admin"), Some((15, "admin")));
        assert_eq!(httpd_auth(".cgi:application/x-httpd-cgi"), None);
        assert_eq!(httpd_auth("/:admin:"), None);
    }
}
