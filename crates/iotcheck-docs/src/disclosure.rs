//! Vulnerability-disclosure policies: a reporting contact, when reporters
//! hear back, safe harbour, status updates, a bug bounty.
//!
//! `docs.disclosure-policy` passes when the policy names a way to report
//! (an address, form or platform) **and** says when a report is
//! acknowledged: the two things ETSI EN 303 645 provision 5.2-1 and the UK
//! PSTI regulations ask to be published. Safe harbour, status updates and a
//! bounty are reported but do not decide. The rules are data
//! (`data/disclosure.toml`), in the format of the privacy-practice rules.

use iotcheck_model::{CheckId, CheckResult, Evidence, Outcome};

use crate::privacy::checks::text_evidence;
use crate::privacy::rules::Rules;
use crate::privacy::scan;
use crate::text::{self, Document};

/// The check a disclosure policy decides.
pub const DISCLOSURE_POLICY: &str = "docs.disclosure-policy";

/// What a disclosure policy can state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Item {
    ReportingContact,
    SafeHarbour,
    AcknowledgementTimescale,
    StatusUpdates,
    BugBounty,
}

impl Item {
    pub const ALL: [Item; 5] = [
        Item::ReportingContact,
        Item::SafeHarbour,
        Item::AcknowledgementTimescale,
        Item::StatusUpdates,
        Item::BugBounty,
    ];

    /// The stable name.
    pub fn name(self) -> &'static str {
        match self {
            Item::ReportingContact => "reporting-contact",
            Item::SafeHarbour => "safe-harbour",
            Item::AcknowledgementTimescale => "acknowledgement-timescale",
            Item::StatusUpdates => "status-updates",
            Item::BugBounty => "bug-bounty",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Item::ReportingContact => "a way to report vulnerabilities",
            Item::SafeHarbour => "safe harbour for researchers",
            Item::AcknowledgementTimescale => "when reports are acknowledged",
            Item::StatusUpdates => "status updates to reporters",
            Item::BugBounty => "a bug bounty",
        }
    }
}

fn rules() -> &'static Rules {
    Rules::disclosure(&Item::ALL.map(Item::name))
}

/// Whether the document as a whole is about security reports: its title or
/// first heading says so, or at least a fifth of its paragraphs do. In such
/// a document "We will acknowledge your report within 3 days" needs no
/// vulnerability word of its own; in a privacy policy it would.
fn about_vulnerabilities(doc: &Document) -> bool {
    static TOPIC: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let Some(re) = TOPIC
        .get_or_init(|| {
            regex::RegexBuilder::new(
                r"(?-u:\b)(vulnerabilit\w*|security (issues?|flaws?|bugs?|research\w*|reports?|advisor\w*)|psirt|bug bount\w*|(responsible|coordinated|vulnerability) disclosure)(?-u:\b)",
            )
            .case_insensitive(true)
            .build()
            .ok()
        })
        .as_ref()
    else {
        return false;
    };
    let text = &doc.text;
    let first_heading = doc
        .blocks
        .iter()
        .find(|b| matches!(b.kind, crate::text::BlockKind::Heading(_)))
        .and_then(|b| text.get(b.span.clone()));
    if doc.title.as_deref().is_some_and(|t| re.is_match(t))
        || first_heading.is_some_and(|h| re.is_match(h))
    {
        return true;
    }
    let paragraphs: Vec<&str> = doc
        .blocks
        .iter()
        .filter(|b| !matches!(b.kind, crate::text::BlockKind::Heading(_)))
        .filter_map(|b| text.get(b.span.clone()))
        .collect();
    let on_topic = paragraphs.iter().filter(|p| re.is_match(p)).count();
    !paragraphs.is_empty() && on_topic * 5 >= paragraphs.len()
}

/// Where each item is stated: (item, byte range of the first sentence).
pub fn analyze(doc: &Document) -> Vec<(Item, std::ops::Range<usize>)> {
    let topic = if about_vulnerabilities(doc) {
        "security vulnerability reports"
    } else {
        ""
    };
    let s = scan(doc, rules(), topic);
    let mut out: Vec<(Item, std::ops::Range<usize>)> = Vec::new();
    for (label, _, _, sentence) in s.hits {
        let item = Item::ALL[label % Item::ALL.len()];
        if !out.iter().any(|(i, _)| *i == item)
            && let Some(r) = s.sentences.get(sentence)
        {
            out.push((item, r.clone()));
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out
}

/// Reads and decides one disclosure policy from its bytes.
pub fn check_disclosure_policy(
    bytes: &[u8],
    location: &str,
    limits: &text::Limits,
) -> Vec<CheckResult> {
    #[allow(clippy::expect_used)]
    let id = CheckId::new(DISCLOSURE_POLICY).expect("constant check id");
    let format = text::sniff(bytes, location);
    let doc = match text::extract(bytes, format, limits) {
        Ok(d) => d,
        Err(e) => {
            return vec![
                CheckResult::new(
                    id,
                    Outcome::Error,
                    format!("disclosure policy not read: {e}"),
                )
                .with_input(location)
                .with_evidence(Evidence::Input {
                    input: location.to_string(),
                    message: format!("{} text could not be extracted: {e}", format.name()),
                }),
            ];
        }
    };
    vec![check_disclosure_document(&doc, location, id)]
}

fn check_disclosure_document(doc: &Document, location: &str, id: CheckId) -> CheckResult {
    let found = analyze(doc);
    let has = |i: Item| found.iter().any(|(x, _)| *x == i);
    let quote = |r: &std::ops::Range<usize>| text_evidence(&doc.text, r.clone(), location);
    let stated: Vec<&str> = found.iter().map(|(i, _)| i.what()).collect();
    let missing: Vec<&str> = [Item::ReportingContact, Item::AcknowledgementTimescale]
        .into_iter()
        .filter(|i| !has(*i))
        .map(Item::what)
        .collect();
    let also = if stated.is_empty() {
        "nothing a disclosure policy states was found".to_string()
    } else {
        format!("states {}", stated.join(", "))
    };
    let (outcome, summary) = if missing.is_empty() {
        (Outcome::Pass, also)
    } else {
        (
            Outcome::Fail,
            format!(
                "not stated in the policy: {} ({also})",
                missing.join(" and ")
            ),
        )
    };
    let mut r = CheckResult::new(id, outcome, summary).with_input(location);
    r.evidence = found.iter().map(|(_, range)| quote(range)).collect();
    if r.evidence.is_empty() {
        r.evidence.push(Evidence::Input {
            input: location.to_string(),
            message: format!(
                "{} blocks of {} text read",
                doc.blocks.len(),
                doc.format.name()
            ),
        });
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{Format, Limits};

    fn run(t: &str) -> CheckResult {
        let doc = text::extract(t.as_bytes(), Format::Text, &Limits::default())
            .unwrap_or_else(|e| panic!("{e}"));
        #[allow(clippy::unwrap_used)]
        check_disclosure_document(&doc, "vdp.txt", CheckId::new(DISCLOSURE_POLICY).unwrap())
    }

    #[test]
    fn contact_and_timescale_pass() {
        let r = run(
            "Report security vulnerabilities in Acme products to psirt@acme.example.\n\n\
                     We will acknowledge your report within 3 business days and keep you informed of our progress.\n\n\
                     We will not take legal action against researchers acting in good faith.",
        );
        assert_eq!(r.outcome, Outcome::Pass, "{}", r.summary);
        assert!(r.summary.contains("safe harbour"), "{}", r.summary);
        assert!(r.summary.contains("status updates"), "{}", r.summary);
    }

    #[test]
    fn contact_alone_fails_naming_the_timescale() {
        let r = run("If you find a vulnerability, e-mail security@acme.example.");
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(
            r.summary.contains("when reports are acknowledged"),
            "{}",
            r.summary
        );
    }
}
