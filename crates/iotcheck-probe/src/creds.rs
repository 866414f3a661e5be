//! The default-credential list: data shipped in `data/default-credentials.txt`
//! (sources and licences in its header), or a file the user gives.

use iotcheck_model::Secret;

/// One user name and password pair from a default list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub user: String,
    pub password: Secret,
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

/// Reads a list: one `user:password`, `user password` or `user<TAB>password`
/// a line; `#` starts a comment line; `user:` means an empty password.
/// Duplicates are dropped, order kept.
pub fn parse_credentials(text: &str) -> Result<Vec<Credential>, CredentialError> {
    let mut out: Vec<Credential> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let err = |reason| CredentialError {
            line: i + 1,
            reason,
        };
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
    fn formats() {
        let l = parse_credentials("# c\nroot:\nadmin admin\nu\tp w\nroot:\n").unwrap();
        assert_eq!(l.len(), 3);
        assert_eq!(l[2].password.expose(), "p w");
        assert!(parse_credentials("justone\n").is_err());
    }
}
