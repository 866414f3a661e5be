//! Vendor claims: the `[claims]` table of device.toml, checked against the
//! fixed vocabulary in `claims.toml`.

use std::collections::BTreeMap;

use crate::{Catalog, ClaimType};

/// A claim value of the type its key requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimValue {
    Bool(bool),
    /// `YYYY-MM-DD`.
    Date(String),
    Uri(String),
}

impl ClaimValue {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            ClaimValue::Bool(b) => (*b).into(),
            ClaimValue::Date(s) | ClaimValue::Uri(s) => s.clone().into(),
        }
    }
}

impl std::fmt::Display for ClaimValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClaimValue::Bool(b) => write!(f, "{b}"),
            ClaimValue::Date(s) | ClaimValue::Uri(s) => f.write_str(s),
        }
    }
}

/// A claim that is not in the vocabulary or has the wrong type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("claim `{key}`: {message}")]
pub struct ClaimError {
    pub key: String,
    pub message: String,
}

/// Validated vendor claims, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims(pub BTreeMap<String, ClaimValue>);

impl Claims {
    /// Checks one `key = value` from device.toml against the vocabulary.
    pub fn parse_value(
        catalog: &Catalog,
        key: &str,
        value: &toml::Value,
    ) -> Result<ClaimValue, ClaimError> {
        let err = |message: String| ClaimError {
            key: key.to_string(),
            message,
        };
        let Some(spec) = catalog.claim(key) else {
            let known: Vec<&str> = catalog.claims.iter().map(|c| c.key.as_str()).collect();
            return Err(err(format!(
                "unknown claim; known claims are {}",
                known.join(", ")
            )));
        };
        let wrong = || {
            err(format!(
                "expected a {} ({}), found {}",
                spec.ty.as_str(),
                spec.description,
                value.type_str()
            ))
        };
        match (spec.ty, value) {
            (ClaimType::Bool, toml::Value::Boolean(b)) => Ok(ClaimValue::Bool(*b)),
            (ClaimType::Date, toml::Value::Datetime(dt)) => match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => Ok(ClaimValue::Date(d.to_string())),
                _ => Err(err(format!(
                    "expected a date without time, like 2029-12-31, found {dt}"
                ))),
            },
            (ClaimType::Date, toml::Value::String(s)) => {
                let looks_like_date =
                    s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit() || b == b'-');
                Err(err(if looks_like_date {
                    format!(
                        "expected a TOML date, found a string: write it without quotes, {key} = {s}"
                    )
                } else {
                    format!("expected a TOML date like 2029-12-31, found the string {s:?}")
                }))
            }
            (ClaimType::Uri, toml::Value::String(s)) => {
                if is_absolute_uri(s) {
                    Ok(ClaimValue::Uri(s.clone()))
                } else {
                    Err(err(format!(
                        "{s:?} is not an absolute URI (https://…, mailto:…)"
                    )))
                }
            }
            _ => Err(wrong()),
        }
    }

    pub fn get(&self, key: &str) -> Option<&ClaimValue> {
        self.0.get(key)
    }
}

/// RFC 3986 absolute URI, loosely: a scheme, a colon, and no white space.
pub(crate) fn is_absolute_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut bytes = scheme.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        && !rest.is_empty()
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn value(s: &str) -> toml::Value {
        let t: toml::Table = toml::from_str(&format!("v = {s}")).unwrap();
        t["v"].clone()
    }

    #[test]
    fn typed_values() {
        let c = Catalog::builtin().unwrap();
        assert_eq!(
            Claims::parse_value(&c, "updates_signed", &value("true")).unwrap(),
            ClaimValue::Bool(true)
        );
        assert_eq!(
            Claims::parse_value(&c, "support_until", &value("2029-12-31")).unwrap(),
            ClaimValue::Date("2029-12-31".into())
        );
        assert!(
            Claims::parse_value(&c, "support_until", &value("\"2029-12-31\""))
                .unwrap_err()
                .message
                .contains("without quotes")
        );
        assert!(Claims::parse_value(&c, "support_until", &value("2029-12-31T10:00:00Z")).is_err());
        assert!(
            Claims::parse_value(&c, "updates_signed", &value("\"yes\""))
                .unwrap_err()
                .message
                .contains("expected a bool")
        );
        assert!(
            Claims::parse_value(&c, "privacy_policy_url", &value("\"acme.example/privacy\""))
                .is_err()
        );
        assert!(
            Claims::parse_value(
                &c,
                "privacy_policy_url",
                &value("\"http://acme.example/p\"")
            )
            .is_ok()
        );
        assert!(
            Claims::parse_value(&c, "encrypted", &value("true"))
                .unwrap_err()
                .message
                .contains("unknown claim")
        );
    }

    #[test]
    fn uri_shapes() {
        assert!(is_absolute_uri("mailto:security@acme.example"));
        assert!(is_absolute_uri("https://acme.example/security"));
        for bad in [
            "",
            ":x",
            "1http://x",
            "https:",
            "https://a b",
            "acme.example",
        ] {
            assert!(!is_absolute_uri(bad), "{bad}");
        }
    }
}
