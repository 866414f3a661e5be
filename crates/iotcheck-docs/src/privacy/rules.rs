//! The practice rules of `data/practices.toml`, compiled once.
//!
//! Rules are data so that a reviewer can read (and argue with) what the
//! detector looks for without reading Rust; this module only compiles them
//! and applies them to the sentences of one segment.

use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use super::Practice;

const RULES_TOML: &str = include_str!("../../data/practices.toml");
const DISCLOSURE_TOML: &str = include_str!("../../data/disclosure.toml");

/// Compiled regexes may not grow beyond this (the rules are ours, but a
/// bound keeps a careless edit from blowing up start-up).
const REGEX_SIZE_LIMIT: usize = 4 << 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    terms: std::collections::BTreeMap<String, String>,
    practice: Vec<PracticeDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PracticeDef {
    name: String,
    rule: Vec<RuleDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: String,
    #[serde(default)]
    scope: Scope,
    all: Vec<String>,
    #[serde(default)]
    not: Vec<String>,
}

#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Scope {
    #[default]
    Sentence,
    Segment,
}

/// One compiled rule.
#[derive(Debug)]
pub(crate) struct Rule {
    pub id: String,
    /// Index of the practice in the name list the rules were parsed for.
    pub label: usize,
    scope: Scope,
    all: Vec<Regex>,
    not: Vec<Regex>,
}

/// All rules, grouped by practice in [`Practice::ALL`] order.
#[derive(Debug)]
pub(crate) struct Rules {
    pub rules: Vec<Rule>,
}

/// A rule's verdict on one segment: the sentence it matched (index into
/// the segment's sentences) or, for a near miss, how many of its `all`
/// patterns some sentence matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub rule: usize,
    pub sentence: usize,
}

impl Rules {
    /// The privacy-practice rules shipped in `data/practices.toml`,
    /// labelled by index into [`Practice::ALL`].
    pub fn get() -> &'static Rules {
        static RULES: OnceLock<Rules> = OnceLock::new();
        RULES.get_or_init(|| {
            // The file is part of the binary and tested: a broken rule is a
            // build defect, not an input error.
            #[allow(clippy::expect_used)]
            Rules::parse(RULES_TOML, &Practice::ALL.map(Practice::name))
                .expect("data/practices.toml is valid")
        })
    }

    /// The disclosure-policy rules shipped in `data/disclosure.toml`,
    /// labelled by index into `names`.
    pub fn disclosure(names: &[&str]) -> &'static Rules {
        static RULES: OnceLock<Rules> = OnceLock::new();
        RULES.get_or_init(|| {
            #[allow(clippy::expect_used)]
            Rules::parse(DISCLOSURE_TOML, names).expect("data/disclosure.toml is valid")
        })
    }

    /// The practice a rule finds.
    pub fn practice(&self, rule: usize) -> Practice {
        Practice::ALL[self.rules[rule].label % Practice::ALL.len()]
    }

    pub(crate) fn parse(src: &str, names: &[&str]) -> Result<Rules, String> {
        let file: File = toml::from_str(src).map_err(|e| e.to_string())?;
        let expand = |p: &str| -> Result<String, String> {
            let mut out = String::with_capacity(p.len());
            let mut rest = p;
            while let Some(open) = rest.find('{') {
                let close_rel = rest[open..].find('}');
                let name = close_rel.map(|c| &rest[open + 1..open + c]);
                match name {
                    Some(n)
                        if !n.is_empty()
                            && n.chars().all(|c| c.is_ascii_lowercase() || c == '_') =>
                    {
                        let term = file
                            .terms
                            .get(n)
                            .ok_or_else(|| format!("unknown term {{{n}}} in {p:?}"))?;
                        out.push_str(&rest[..open]);
                        out.push_str("(?:");
                        out.push_str(term);
                        out.push(')');
                        rest = &rest[open + n.len() + 2..];
                    }
                    _ => {
                        // A regex repetition such as {0,60}: keep it.
                        out.push_str(&rest[..=open]);
                        rest = &rest[open + 1..];
                    }
                }
            }
            out.push_str(rest);
            Ok(out)
        };
        let compile = |p: &str| -> Result<Regex, String> {
            // ASCII word boundaries and word characters: the rules are
            // English; a Unicode `\b` keeps the regex engine off its fast
            // DFA whenever the text holds a non-ASCII character (curly
            // quotes, accents), several times slower, and a Unicode `\w`
            // doubles the time to compile the rules at start-up.
            let src = expand(p)?
                .replace("\\b", "(?-u:\\b)")
                .replace("\\w", "(?-u:\\w)");
            RegexBuilder::new(&src)
                .case_insensitive(true)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|e| format!("{p:?}: {e}"))
        };
        let mut rules = Vec::new();
        for (label, want) in names.iter().enumerate() {
            let def = file
                .practice
                .iter()
                .find(|p| p.name == *want)
                .ok_or_else(|| format!("no rules for practice {want}"))?;
            for r in &def.rule {
                if r.all.is_empty() {
                    return Err(format!("rule {} has no `all` pattern", r.id));
                }
                rules.push(Rule {
                    id: r.id.clone(),
                    label,
                    scope: r.scope,
                    all: r.all.iter().map(|p| compile(p)).collect::<Result<_, _>>()?,
                    not: r.not.iter().map(|p| compile(p)).collect::<Result<_, _>>()?,
                });
            }
        }
        if let Some(p) = file
            .practice
            .iter()
            .find(|p| !names.contains(&p.name.as_str()))
        {
            return Err(format!("unknown practice {}", p.name));
        }
        Ok(Rules { rules })
    }

    /// Applies every rule to one segment's sentences; `context` is the
    /// heading above the segment, which segment-scope rules may use for
    /// their patterns after the first ("How to report a vulnerability" over
    /// "Send your report to security@…"). Returns the first matching
    /// sentence of each rule that matched.
    pub fn apply(&self, sentences: &[&str], context: Option<&str>) -> Vec<Hit> {
        let mut hits = Vec::new();
        for (ri, rule) in self.rules.iter().enumerate() {
            if let Some(sentence) = rule.first_match(sentences, context) {
                hits.push(Hit { rule: ri, sentence });
            }
        }
        hits
    }

    /// For a practice that was not found: the sentences that came closest
    /// (matched the most `all` patterns of one of its rules, at least one),
    /// best first, at most `n`.
    pub fn near_misses(&self, label: usize, sentences: &[&str], n: usize) -> Vec<usize> {
        let mut scored: Vec<(f32, usize)> = Vec::new();
        for (si, s) in sentences.iter().enumerate() {
            let mut best = 0.0f32;
            for rule in self.rules.iter().filter(|r| r.label == label) {
                let matched = rule.all.iter().filter(|re| re.is_match(s)).count();
                if matched > 0 {
                    best = best.max(matched as f32 / rule.all.len() as f32);
                }
            }
            if best > 0.0 {
                scored.push((best, si));
            }
        }
        // Highest score first; among equals, document order.
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().take(n).map(|(_, i)| i).collect()
    }
}

impl Rule {
    fn first_match(&self, sentences: &[&str], context: Option<&str>) -> Option<usize> {
        let excluded = |s: &str| self.not.iter().any(|re| re.is_match(s));
        match self.scope {
            Scope::Sentence => sentences
                .iter()
                .position(|s| self.all.iter().all(|re| re.is_match(s)) && !excluded(s)),
            Scope::Segment => {
                let (first, rest) = self.all.split_first()?;
                if !rest.iter().all(|re| {
                    sentences.iter().any(|s| re.is_match(s))
                        || context.is_some_and(|c| re.is_match(c))
                }) {
                    return None;
                }
                sentences
                    .iter()
                    .position(|s| first.is_match(s) && !excluded(s))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_rules_compile_and_cover_every_practice() {
        let names = Practice::ALL.map(Practice::name);
        let rules = Rules::parse(RULES_TOML, &names).unwrap_or_else(|e| panic!("{e}"));
        for (i, p) in names.iter().enumerate() {
            assert!(rules.rules.iter().any(|r| r.label == i), "{p}");
        }
    }

    #[test]
    fn unknown_terms_and_practices_are_refused() {
        let bad = RULES_TOML.replacen("all = ['{marketing}']", "all = ['{nope}']", 1);
        let names = Practice::ALL.map(Practice::name);
        assert!(Rules::parse(&bad, &names).unwrap_err().contains("nope"));
        let bad = RULES_TOML.replacen("name = \"marketing\"", "name = \"marketting\"", 1);
        assert!(
            Rules::parse(&bad, &names)
                .unwrap_err()
                .contains("marketing")
        );
    }

    #[test]
    fn repetition_braces_are_not_terms() {
        let src = RULES_TOML;
        let rules =
            Rules::parse(src, &Practice::ALL.map(Practice::name)).unwrap_or_else(|e| panic!("{e}"));
        let acct = rules
            .rules
            .iter()
            .find(|r| r.id == "delete-account")
            .unwrap_or_else(|| panic!("rule"));
        assert!(
            acct.first_match(&["You may delete your Acme account at any time."], None)
                .is_some()
        );
    }
}
