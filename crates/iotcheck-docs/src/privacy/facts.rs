//! What the checks need from the sentences that state a practice: the
//! retention periods, the way users hear of changes, the policy's date.

use std::sync::OnceLock;

use regex::Regex;

/// How long the policy says data is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RetentionKind {
    /// Nothing about retention.
    None,
    /// Retention is mentioned but no period or bound is stated.
    Unspecified,
    /// Kept indefinitely or permanently.
    Indefinite,
    /// Only "as long as necessary" (or required by law): no period.
    Necessary,
    /// At least one concrete period ("30 days", "2 years").
    Period,
}

/// Retention as stated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    pub kind: RetentionKind,
    /// Each distinct period stated ("30 days"), with the sentence it is in.
    pub periods: Vec<(String, usize)>,
    /// The sentence that decided the kind when it is not `Period`.
    pub sentence: Option<usize>,
}

/// How the policy says users are told of changes to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeNotice {
    /// The policy says nothing about changes.
    None,
    /// Changes are only posted (a new date, a notice on the site).
    Posting { sentence: usize },
    /// Users are told themselves, but the policy does not say how.
    Notify { sentence: usize },
    /// Users are told personally: e-mail, in-app or on-device notice, at log-in.
    Personal { sentence: usize, means: String },
}

fn re(cell: &'static OnceLock<Regex>, src: &str) -> &'static Regex {
    cell.get_or_init(|| {
        // Constant patterns, covered by the tests below.
        #[allow(clippy::expect_used)]
        // ASCII `\b` keeps the fast DFA on text with non-ASCII characters.
        regex::RegexBuilder::new(&src.replace("\\b", "(?-u:\\b)"))
            .case_insensitive(true)
            .build()
            .expect("constant regex")
    })
}

const NUMBER: &str = r"\d{1,4}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|eighteen|twenty|twenty[- ]four|thirty|thirty[- ]six|forty[- ]eight|sixty|ninety|a hundred|hundred|a|an";

fn period_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(
        &R,
        &format!(
            r"\b({NUMBER})(?:[ -]?\(\d{{1,4}}\))?[ -](?:(?:full|calendar|business|working) )?(hours?|days?|weeks?|months?|years?)\b"
        ),
    )
}

/// Each distinct period ("30 days") in a retention sentence. "a year" and
/// "an hour" count; "within 30 days of your request" (a response time, not
/// a retention period) does not.
fn periods_in(sentence: &str) -> Vec<String> {
    static RESPONSE: OnceLock<Regex> = OnceLock::new();
    let response = re(
        &RESPONSE,
        r"\b(respond|reply|answer|process|fulfil+|acknowledge|complete)\w*\b[^.]{0,60}$",
    );
    let mut out = Vec::new();
    for m in period_re().captures_iter(sentence) {
        let (Some(whole), Some(n), Some(unit)) = (m.get(0), m.get(1), m.get(2)) else {
            continue;
        };
        if response.is_match(&sentence[..whole.start()]) {
            continue;
        }
        // "children under 13 years of age" is an age, not a period.
        let after = sentence[whole.end()..].trim_start().to_ascii_lowercase();
        if after.starts_with("of age") || after.starts_with("old") || after.starts_with("of older")
        {
            continue;
        }
        let n = n.as_str().to_ascii_lowercase();
        // "a" alone only with a singular unit ("a year", not "a days").
        if (n == "a" || n == "an") && unit.as_str().ends_with('s') {
            continue;
        }
        let p = format!("{n} {}", unit.as_str().to_ascii_lowercase());
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// Reads the retention kind and periods from the sentences of the
/// segments that state retention.
pub(super) fn retention<'a>(sentences: impl Iterator<Item = (usize, &'a str)>) -> Retention {
    static NECESSARY: OnceLock<Regex> = OnceLock::new();
    static INDEFINITE: OnceLock<Regex> = OnceLock::new();
    static TOPIC: OnceLock<Regex> = OnceLock::new();
    let necessary = re(
        &NECESSARY,
        r"\b(as long as|for (the|as) (long|period of time) as|no longer than)\b[^.]{0,80}\b(necessary|needed|required|reasonabl\w*|appropriate|permitted|relevant)\b|\b(as (necessary|needed|required|appropriate))\b|\bfor (a|the) (reasonable|limited) (period|time)\b",
    );
    let indefinite = re(
        &INDEFINITE,
        r"\b(indefinite\w*|permanent\w*|forever|for an unlimited (period|time))\b",
    );
    // A period counts only in a sentence that is about keeping or deleting.
    let topic = re(
        &TOPIC,
        r"\b(retain\w*|retention|keep\w*|kept|stor\w*|hold\w*|held|maintain\w*|preserv\w*|sav(e|ed|es)|archiv\w*|delet\w*|eras\w*|purg\w*|destroy\w*|anonymi[sz]\w*|de-?identif\w*|aggregat\w*|expir\w*|remain\w*|log(s|ged)?)\b",
    );
    let mut out = Retention {
        kind: RetentionKind::None,
        periods: Vec::new(),
        sentence: None,
    };
    for (i, s) in sentences {
        let on_topic = topic.is_match(s);
        if on_topic {
            for p in periods_in(s) {
                if !out.periods.iter().any(|(q, _)| *q == p) {
                    out.periods.push((p, i));
                }
            }
        }
        let kind = if indefinite.is_match(s) {
            RetentionKind::Indefinite
        } else if necessary.is_match(s) {
            RetentionKind::Necessary
        } else if on_topic {
            RetentionKind::Unspecified
        } else {
            RetentionKind::None
        };
        // The most informative kind wins; its first sentence is kept.
        if kind > out.kind {
            out.kind = kind;
            out.sentence = Some(i);
        }
    }
    if !out.periods.is_empty() {
        out.kind = RetentionKind::Period;
    }
    out
}

/// Reads how users hear of changes from the sentences of the segments
/// about policy changes: personal notice beats a bare promise to notify,
/// which beats posting.
pub(super) fn change_notice<'a>(sentences: impl Iterator<Item = (usize, &'a str)>) -> ChangeNotice {
    static NOTIFY: OnceLock<Regex> = OnceLock::new();
    static MEANS: OnceLock<Regex> = OnceLock::new();
    static POSTING: OnceLock<Regex> = OnceLock::new();
    static NOT_NOTIFY: OnceLock<Regex> = OnceLock::new();
    let notify = re(
        &NOTIFY,
        r"\b(notify|notifies|notified|notifying|notification|inform(s|ed|ing)? (you|users|our users|customers)|tell (you|users)|contact (you|users)|alert (you|users)|let (you|users) know|send (you|users)|e-?mail (you|users)|provide (you )?(with )?(a |an )?(notice|notification)|(seek|ask for|obtain|request) your consent)\b",
    );
    let means = re(
        &MEANS,
        r"\b(e-?mail(ed)?|electronic mail|in[- ]app|app notification|push notification|(text|sms) message|sms|by (post|mail|letter)|when you (next )?(log|sign) ?in|upon log-?in|on (your|the) device|device (notification|notice)|through (the|our) (app|service|services|products?|devices?)|via (the|our) (app|services?|products?)|(account|in-product) (notice|notification|message)|directly|personally|direct (communication|message|notice|notification)s?|pop[- ]up)\b",
    );
    let posting = re(
        &POSTING,
        r"\b(post\w*|publish\w*|updat\w* the (\S+ )?(date|revision)|(last|revision|effective) (updated )?date|display\w*|on (this|our) (page|website|site|web ?site)|check (this|back)|(review|visit|consult|refer to|read)\w* (this|the|our) (page|website|site|web ?site|policy|notice|statement)|updating (the|this|its|our) \S+ (\S+ )?(date|version))\b",
    );
    let not_notify = re(
        &NOT_NOTIFY,
        r"\b(not|no|without)\b[^.]{0,30}\b(notify|notice|notification|inform)\w*\b",
    );
    static CHANGES: OnceLock<Regex> = OnceLock::new();
    let changes = re(
        &CHANGES,
        r"\b(chang\w*|updat\w*|modif\w*|amend\w*|revis\w*)\b[^.]{0,80}\b(post\w*|publish\w*|display\w*|on (this|our) (page|website|site))\b|\b(post\w*|publish\w*)\b[^.]{0,80}\b(chang\w*|updat\w*|revis\w*|amend\w*)",
    );
    let mut best = ChangeNotice::None;
    let mut best_rank = 0;
    // A sentence that says changes are posted says more than a bare
    // "Last updated" line.
    let rank = |c: &ChangeNotice, s: &str| match c {
        ChangeNotice::None => 0,
        ChangeNotice::Posting { .. } if changes.is_match(s) => 2,
        ChangeNotice::Posting { .. } => 1,
        ChangeNotice::Notify { .. } => 3,
        ChangeNotice::Personal { .. } => 4,
    };
    static ABOUT_CHANGE: OnceLock<Regex> = OnceLock::new();
    let about_change = re(
        &ABOUT_CHANGE,
        r"\b(chang\w*|updat\w*|modif\w*|amend\w*|revis\w*|new version|it|them|such)\b",
    );
    // A promise to notify counts when it is about the changes: its own
    // sentence or the one before speaks of them.
    let mut prev_about_change = false;
    for (i, s) in sentences {
        let here_about_change = about_change.is_match(s);
        let on_topic = here_about_change || prev_about_change;
        prev_about_change = here_about_change;
        let this = if on_topic && notify.is_match(s) && !not_notify.is_match(s) {
            match means.find(s) {
                Some(m) => ChangeNotice::Personal {
                    sentence: i,
                    means: m.as_str().to_ascii_lowercase(),
                },
                // "we may notify you by updating the effective date".
                None if posting.is_match(s) => ChangeNotice::Posting { sentence: i },
                None => ChangeNotice::Notify { sentence: i },
            }
        } else if posting.is_match(s) {
            ChangeNotice::Posting { sentence: i }
        } else {
            continue;
        };
        let r = rank(&this, s);
        if r > best_rank {
            best = this;
            best_rank = r;
        }
    }
    best
}

/// The policy's own date or version: the first "Last updated: …",
/// "Effective date …", "Version …" line or sentence.
pub(super) fn policy_date<'a>(
    sentences: impl Iterator<Item = (usize, &'a str)>,
) -> Option<(String, usize)> {
    static DATE: OnceLock<Regex> = OnceLock::new();
    let date = re(
        &DATE,
        r"\b(?:last (?:updated|revised|modified|amended|changed)|(?:date )?(?:updated|revised|effective)(?: date| as of| on| from)?|effective|version(?: date)?|date of (?:last )?(?:revision|update)|valid from)\b\s*[:\-–—]?\s*(?:on\s+)?((?:(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})|(?:\d{1,2}(?:st|nd|rd|th)?\s+(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?,?\s+\d{4})|(?:(?:january|february|march|april|may|june|july|august|september|october|november|december)\s+\d{4})|\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|v?\d+(?:\.\d+)+)",
    );
    // A date beats a version number ("Version 3.2 · Last updated: 15
    // September 2026" is dated 15 September 2026); the first of each wins.
    let mut version = None;
    for (i, s) in sentences {
        for c in date.captures_iter(s) {
            let Some(m) = c.get(1) else { continue };
            let v = m.as_str();
            // Dates have a space, a dash or a slash, or are d.m.yyyy.
            let dotted_date = {
                let parts: Vec<&str> = v.split('.').collect();
                parts.len() == 3
                    && parts[0].len() <= 2
                    && parts[1].len() <= 2
                    && parts[2].len() >= 2
            };
            let is_version = !v.contains([' ', '-', '/']) && !dotted_date;
            if !is_version {
                return Some((v.to_string(), i));
            }
            if version.is_none() {
                version = Some((format!("version {}", v.trim_start_matches('v')), i));
            }
        }
    }
    version
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ret(sentences: &[&str]) -> Retention {
        retention(sentences.iter().copied().enumerate())
    }

    #[test]
    fn retention_periods() {
        let r = ret(&["Video clips are stored for 30 days and account logs for two (2) years."]);
        assert_eq!(r.kind, RetentionKind::Period);
        let p: Vec<&str> = r.periods.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(p, ["30 days", "two years"]);
        let r = ret(&["We retain personal data for as long as necessary to provide the services."]);
        assert_eq!(r.kind, RetentionKind::Necessary);
        let r = ret(&[
            "We will respond to your request within 30 days.",
            "We retain data as long as needed.",
        ]);
        assert_eq!(r.kind, RetentionKind::Necessary, "{r:?}");
        let r = ret(&["Backups are kept indefinitely."]);
        assert_eq!(r.kind, RetentionKind::Indefinite);
        let r = ret(&["We do not keep data about children under 13 years of age."]);
        assert!(r.periods.is_empty(), "{r:?}");
        let r = ret(&["Cookies expire after a year."]);
        assert_eq!(r.periods[0].0, "a year");
    }

    fn notice(sentences: &[&str]) -> ChangeNotice {
        change_notice(sentences.iter().copied().enumerate())
    }

    #[test]
    fn change_notices() {
        assert!(matches!(
            notice(&[
                "We may update this policy.",
                "If changes are material we will notify you by email."
            ]),
            ChangeNotice::Personal { sentence: 1, .. }
        ));
        assert!(matches!(
            notice(&["Changes will be posted on this page with a new effective date."]),
            ChangeNotice::Posting { sentence: 0 }
        ));
        assert!(matches!(
            notice(&["We will notify you of material changes to this policy."]),
            ChangeNotice::Notify { sentence: 0 }
        ));
        assert!(matches!(
            notice(&["We may change this policy without notice; please check this page."]),
            ChangeNotice::Posting { sentence: 0 }
        ));
        assert!(matches!(
            notice(&[
                "Last updated: 15 September 2026",
                "Any changes will be posted on this page."
            ]),
            ChangeNotice::Posting { sentence: 1 }
        ));
    }

    #[test]
    fn dates() {
        let d = |s: &str| policy_date(std::iter::once((0, s))).map(|(d, _)| d);
        assert_eq!(
            d("Last updated: March 3, 2025").as_deref(),
            Some("March 3, 2025")
        );
        assert_eq!(
            d("Effective date: 1 January 2024.").as_deref(),
            Some("1 January 2024")
        );
        assert_eq!(
            d("Version 2.1 of this policy").as_deref(),
            Some("version 2.1")
        );
        assert_eq!(
            d("Version 3.2 · Effective date: 1 October 2026 · Last updated: 15 September 2026")
                .as_deref(),
            Some("1 October 2026")
        );
        assert_eq!(d("Updated 2024-05-01").as_deref(), Some("2024-05-01"));
        assert_eq!(d("Last revised 12.10.2024").as_deref(), Some("12.10.2024"));
        assert_eq!(d("Version 1.2.3").as_deref(), Some("version 1.2.3"));
        assert_eq!(d("We update our apps often."), None);
    }
}
