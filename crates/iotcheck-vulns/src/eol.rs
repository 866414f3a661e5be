//! End-of-life release lines (`data/eol.toml`, with the source of each date).

use std::sync::OnceLock;

use iotcheck_model::Date;
use serde::Deserialize;

use crate::version::Version;

/// One release line and when its upstream stopped fixing it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EolLine {
    pub component: String,
    pub line: String,
    pub eol: String,
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    line: Vec<EolLine>,
}

const TABLE: &str = include_str!("../data/eol.toml");

/// Every line in the table.
pub fn lines() -> &'static [EolLine] {
    static L: OnceLock<Vec<EolLine>> = OnceLock::new();
    L.get_or_init(|| {
        toml::from_str::<Table>(TABLE)
            .map(|t| t.line)
            .unwrap_or_default()
    })
}

/// The line `version` of `component` belongs to, when that line reached its
/// end of life on or before `today`.
pub fn end_of_life(component: &str, version: &str, today: Date) -> Option<&'static EolLine> {
    let v = Version::parse_distro(version)?;
    lines()
        .iter()
        .filter(|l| l.component == component)
        .filter(|l| Version::parse(&l.line).is_some_and(|line| v.in_line(&line)))
        // The most specific line wins (1.1.1 over 1).
        .max_by_key(|l| l.line.len())
        .filter(|l| l.eol.parse::<Date>().is_ok_and(|d| d <= today))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn table_parses_with_valid_dates_and_known_components() {
        let t: Table = toml::from_str(TABLE).unwrap();
        for l in &t.line {
            l.eol.parse::<Date>().unwrap();
            assert!(Version::parse(&l.line).is_some(), "{}", l.line);
            assert!(
                iotcheck_model::ComponentIdentity::lookup(&l.component).is_some(),
                "{}",
                l.component
            );
            assert!(!l.source.is_empty());
        }
    }

    #[test]
    fn openssl_lines() {
        let day: Date = "2026-11-25".parse().unwrap();
        assert_eq!(end_of_life("openssl", "1.0.2g", day).unwrap().line, "1.0.2");
        assert_eq!(end_of_life("openssl", "1.1.1n", day).unwrap().line, "1.1.1");
        assert!(end_of_life("openssl", "3.5.0", day).is_none());
        let before: Date = "2023-01-01".parse().unwrap();
        assert!(end_of_life("openssl", "1.1.1n", before).is_none());
        assert!(end_of_life("busybox", "1.28.2", day).is_none());
    }
}
