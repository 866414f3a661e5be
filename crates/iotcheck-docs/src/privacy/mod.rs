//! Privacy-policy analysis: which practices a policy states, with the
//! sentences that state them.
//!
//! The document's text (see [`crate::text`]) is cut into **segments** (its
//! paragraphs and list items, each knowing the heading above it) and
//! **sentences** (Unicode sentence boundaries, UAX #29, which keep "e.g."
//! and "Inc." inside a sentence). Rules kept as data in
//! `data/practices.toml` find eight [`Practice`]s per segment; small
//! extractors then read what the check needs from the matching sentences:
//! the retention periods stated ("30 days", "2 years"), how users are told
//! of changes (personal notice or posting only), the policy's date, and
//! readability (Flesch–Kincaid grade, words, reading time).
//!
//! Why rules and not a trained model: the labelled corpus that exists
//! (OPP-115) may only be used for research, so a model trained on it could
//! not ship; rules written from the way policies phrase each practice are
//! offline, deterministic, fast and can be read and argued with. Their
//! precision and recall on OPP-115 are measured, per practice, in
//! docs/ACCURACY.md.
//!
//! The rules read English. A policy in another language is reported as
//! such and its practice checks answer `error`, never "not stated".

pub(crate) mod checks;
mod facts;
mod readability;
pub(crate) mod rules;

use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

use crate::text::{BlockKind, Document};
pub use checks::{
    POLICY_HTTPS, PRIVACY_CHECKS, check_policy_https, check_privacy_document, check_privacy_policy,
};
pub use facts::{ChangeNotice, Retention, RetentionKind};
pub use readability::Readability;
use rules::Rules;

/// A practice a privacy policy can state. The names are the stable ones
/// `iotcheck docs classify` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Practice {
    /// Personal data used or shared for marketing or advertising.
    Marketing,
    /// A way to opt out of marketing (or a statement that it is opt-in).
    OptOut,
    /// Personal data can be deleted on the user's request.
    DataDeletion,
    /// The account can be deleted.
    AccountDeletion,
    /// How long data is kept.
    Retention,
    /// How users are told of changes to the policy.
    ChangeNotification,
    /// With whom data is shared or to whom it is sold.
    ThirdPartySharing,
    /// A contact for privacy questions and requests.
    PrivacyContact,
}

impl Practice {
    /// Every practice, in report order.
    pub const ALL: [Practice; 8] = [
        Practice::Marketing,
        Practice::OptOut,
        Practice::DataDeletion,
        Practice::AccountDeletion,
        Practice::Retention,
        Practice::ChangeNotification,
        Practice::ThirdPartySharing,
        Practice::PrivacyContact,
    ];

    /// The stable name.
    pub fn name(self) -> &'static str {
        match self {
            Practice::Marketing => "marketing",
            Practice::OptOut => "opt-out",
            Practice::DataDeletion => "data-deletion",
            Practice::AccountDeletion => "account-deletion",
            Practice::Retention => "retention",
            Practice::ChangeNotification => "change-notification",
            Practice::ThirdPartySharing => "third-party-sharing",
            Practice::PrivacyContact => "privacy-contact",
        }
    }

    /// The practice with this stable name.
    pub fn from_name(name: &str) -> Option<Practice> {
        Practice::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// A paragraph or list item of the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Byte range in the document's text.
    pub span: Range<usize>,
    /// The nearest heading above it, as a byte range in the text.
    pub heading: Option<Range<usize>>,
    /// Its sentences: indexes into [`PolicyAnalysis::sentences`].
    pub sentences: Range<usize>,
}

/// One place a practice is stated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub practice: Practice,
    /// The rule that found it (an id from `data/practices.toml`).
    pub rule: String,
    /// Index into [`PolicyAnalysis::segments`].
    pub segment: usize,
    /// Index into [`PolicyAnalysis::sentences`].
    pub sentence: usize,
}

/// Everything found in one policy.
#[derive(Debug, Clone)]
pub struct PolicyAnalysis {
    pub segments: Vec<Segment>,
    /// Byte ranges of every sentence in the document's text.
    pub sentences: Vec<Range<usize>>,
    /// Findings in document order (one per practice and segment: the first
    /// sentence that states it).
    pub findings: Vec<Finding>,
    pub retention: Retention,
    pub change_notice: ChangeNotice,
    pub readability: Readability,
    /// ISO 639-1 code of the language the text is most likely in, when
    /// there is enough text to tell.
    pub language: Option<&'static str>,
    /// The policy's own date or version ("Last updated: 1 March 2025"),
    /// with the sentence it is in.
    pub date: Option<(String, usize)>,
}

impl PolicyAnalysis {
    /// Findings of one practice, in document order.
    pub fn of(&self, practice: Practice) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.practice == practice)
    }

    /// Sentences that came closest to stating `practice` without a rule
    /// matching, best first: what a reader should look at before
    /// accepting "not stated".
    pub fn closest(&self, doc: &Document, practice: Practice, n: usize) -> Vec<usize> {
        let all: Vec<&str> = self
            .sentences
            .iter()
            .map(|r| doc.text.get(r.clone()).unwrap_or(""))
            .collect();
        let label = Practice::ALL
            .iter()
            .position(|p| *p == practice)
            .unwrap_or(0);
        Rules::get().near_misses(label, &all, n)
    }
}

/// The practices stated in one segment of text (the `docs classify`
/// interface: a paragraph in, practice names out).
pub fn classify_segment(text: &str) -> Vec<Practice> {
    let sentences = split_sentences(text, 0..text.len());
    let strs: Vec<&str> = sentences
        .iter()
        .map(|r| text.get(r.clone()).unwrap_or(""))
        .collect();
    let rules = Rules::get();
    let mut out: Vec<Practice> = rules
        .apply(&strs, None)
        .into_iter()
        .map(|h| rules.practice(h.rule))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A document cut into segments and sentences, with every rule label
/// found: what the privacy and the disclosure analyses share.
#[derive(Debug, Clone)]
pub(crate) struct Scan {
    pub segments: Vec<Segment>,
    pub sentences: Vec<Range<usize>>,
    /// (label, rule id, segment, sentence): one per label and segment, the
    /// label's first sentence there.
    pub hits: Vec<(usize, String, usize, usize)>,
}

/// `topic` is added to every segment's context (the heading above it):
/// what the whole document is known to be about.
pub(crate) fn scan(doc: &Document, rules: &Rules, topic: &str) -> Scan {
    let text = doc.text.as_str();
    let mut segments = Vec::new();
    let mut sentences = Vec::new();
    let mut out = Vec::new();
    let mut heading: Option<Range<usize>> = None;
    for block in &doc.blocks {
        if text.get(block.span.clone()).is_none() {
            continue;
        }
        if let BlockKind::Heading(_) = block.kind {
            heading = Some(block.span.clone());
            // Headings are sentences too (the date is often one), but they
            // are not segments: a title states no practice.
            sentences.push(block.span.clone());
            continue;
        }
        let first = sentences.len();
        sentences.extend(split_sentences(text, block.span.clone()));
        let seg_index = segments.len();
        segments.push(Segment {
            span: block.span.clone(),
            heading: heading.clone(),
            sentences: first..sentences.len(),
        });
        let strs: Vec<&str> = sentences[first..]
            .iter()
            .map(|r| text.get(r.clone()).unwrap_or(""))
            .collect();
        let context = match (heading.as_ref().and_then(|h| text.get(h.clone())), topic) {
            (Some(h), "") => Some(h.to_string()),
            (Some(h), t) => Some(format!("{h}\n{t}")),
            (None, "") => None,
            (None, t) => Some(t.to_string()),
        };
        let mut hits = rules.apply(&strs, context.as_deref());
        // One finding per label and segment: its earliest sentence.
        hits.sort_by_key(|h| (rules.rules[h.rule].label, h.sentence));
        let mut seen = Vec::new();
        for h in hits {
            let label = rules.rules[h.rule].label;
            if seen.contains(&label) {
                continue;
            }
            seen.push(label);
            out.push((
                label,
                rules.rules[h.rule].id.clone(),
                seg_index,
                first + h.sentence,
            ));
        }
    }
    Scan {
        segments,
        sentences,
        hits: out,
    }
}

/// Analyses an extracted policy.
pub fn analyze(doc: &Document) -> PolicyAnalysis {
    let text = doc.text.as_str();
    let rules = Rules::get();
    let Scan {
        segments,
        sentences,
        hits,
    } = scan(doc, rules, "");
    let mut findings: Vec<Finding> = hits
        .into_iter()
        .map(|(label, rule, segment, sentence)| Finding {
            practice: Practice::ALL[label % Practice::ALL.len()],
            rule,
            segment,
            sentence,
        })
        .collect();
    findings.sort_by_key(|f| (f.sentence, f.practice));
    let sentence_text = |i: usize| text.get(sentences[i].clone()).unwrap_or("");
    let retention = facts::retention(
        findings
            .iter()
            .filter(|f| f.practice == Practice::Retention)
            .flat_map(|f| segments[f.segment].sentences.clone())
            .map(|i| (i, sentence_text(i))),
    );
    let change_notice = facts::change_notice(
        findings
            .iter()
            .filter(|f| f.practice == Practice::ChangeNotification)
            .flat_map(|f| segments[f.segment].sentences.clone())
            .map(|i| (i, sentence_text(i))),
    );
    let date = facts::policy_date(
        sentences
            .iter()
            .enumerate()
            .map(|(i, r)| (i, text.get(r.clone()).unwrap_or(""))),
    );
    let readability = readability::measure(
        doc.blocks
            .iter()
            .filter(|b| !matches!(b.kind, BlockKind::Heading(_)))
            .map(|b| text.get(b.span.clone()).unwrap_or("")),
        segments.iter().map(|s| s.sentences.len()).sum(),
    );
    let language = readability::language(text);
    PolicyAnalysis {
        segments,
        sentences,
        findings,
        retention,
        change_notice,
        readability,
        language,
        date,
    }
}

/// Sentences of `text[range]`, as trimmed byte ranges of `text`.
fn split_sentences(text: &str, range: Range<usize>) -> Vec<Range<usize>> {
    let Some(block) = text.get(range.clone()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (off, s) in block.split_sentence_bound_indices() {
        let lead = s.len() - s.trim_start().len();
        let trimmed = s.trim();
        if trimmed.is_empty() {
            continue;
        }
        let start = range.start + off + lead;
        out.push(start..start + trimmed.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(text: &str, p: Practice) -> bool {
        classify_segment(text).contains(&p)
    }

    #[test]
    fn names_round_trip() {
        for p in Practice::ALL {
            assert_eq!(Practice::from_name(p.name()), Some(p));
        }
    }

    #[test]
    fn typical_sentences() {
        assert!(has(
            "We keep your camera recordings for 30 days, after which they are deleted.",
            Practice::Retention
        ));
        assert!(has(
            "You can unsubscribe from our newsletter at any time using the link in every e-mail.",
            Practice::OptOut
        ));
        assert!(has(
            "You may delete your Acme account from the app under Settings > Account.",
            Practice::AccountDeletion
        ));
        assert!(has(
            "If we make material changes to this Privacy Policy, we will notify you by e-mail.",
            Practice::ChangeNotification
        ));
        assert!(has(
            "We share device data with service providers who host our cloud.",
            Practice::ThirdPartySharing
        ));
        assert!(has(
            "Questions about this policy can be sent to privacy@acme.example.",
            Practice::PrivacyContact
        ));
        assert!(!has(
            "Our cameras record in 4K and have night vision.",
            Practice::Retention
        ));
        assert!(!has(
            "We may terminate your account if you violate these terms.",
            Practice::AccountDeletion
        ));
    }

    #[test]
    fn sentences_keep_abbreviations() {
        let t = "We use data, e.g. logs, to fix faults. We keep it briefly.";
        let s = split_sentences(t, 0..t.len());
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!(&t[s[1].clone()], "We keep it briefly.");
    }
}
