//! The privacy-practices checks (standard 5), decided from one policy.
//!
//! Every check quotes the sentences it rests on. A practice the policy does
//! not state fails with "not stated in the policy" and quotes the sentences
//! that came closest, so a reader can see what was considered.

use std::ops::Range;

use iotcheck_model::{CheckId, CheckResult, Evidence, Outcome, Span};

use super::{ChangeNotice, PolicyAnalysis, Practice, RetentionKind, analyze};
use crate::text::{self, Document};

pub const POLICY_READABLE: &str = "docs.policy-readable";
pub const MARKETING_DISCLOSED: &str = "docs.marketing-disclosed";
pub const MARKETING_OPT_OUT: &str = "docs.marketing-opt-out";
pub const DATA_DELETION: &str = "docs.data-deletion";
pub const ACCOUNT_DELETION: &str = "docs.account-deletion";
pub const RETENTION_PERIOD: &str = "docs.retention-period";
pub const CHANGE_NOTIFICATION: &str = "docs.change-notification";
pub const THIRD_PARTY_SHARING: &str = "docs.third-party-sharing";
pub const PRIVACY_CONTACT: &str = "docs.privacy-contact";
/// Decided only for a policy iotcheck fetched itself (see [`check_policy_https`]).
pub const POLICY_HTTPS: &str = "docs.policy-https";

/// Every check a privacy policy decides.
pub const PRIVACY_CHECKS: [&str; 9] = [
    POLICY_READABLE,
    MARKETING_DISCLOSED,
    MARKETING_OPT_OUT,
    DATA_DELETION,
    ACCOUNT_DELETION,
    RETENTION_PERIOD,
    CHANGE_NOTIFICATION,
    THIRD_PARTY_SHARING,
    PRIVACY_CONTACT,
];

/// `docs.policy-https`: the policy, as fetched, came over HTTPS, and no
/// redirect on the way went through plain HTTP (where it could have been
/// read or changed). The fetch record is the evidence either way.
pub fn check_policy_https(provenance: &crate::fetch::Provenance) -> CheckResult {
    let location = provenance.url.as_str();
    let id = CheckId::new(POLICY_HTTPS).expect("the check id constant is valid");
    let plain_hop = provenance.http.as_ref().and_then(|h| {
        std::iter::once(h.requested.as_str())
            .chain(h.redirects.iter().map(|r| r.to.as_str()))
            .find(|u| {
                u.get(..7)
                    .is_some_and(|p| p.eq_ignore_ascii_case("http://"))
            })
    });
    let (outcome, summary) = if !provenance.is_https() {
        (
            Outcome::Fail,
            format!(
                "the privacy policy is served over plain HTTP at {location}: it can be read or altered in transit"
            ),
        )
    } else if let Some(hop) = plain_hop {
        (
            Outcome::Fail,
            format!(
                "the privacy policy is reached through plain HTTP ({hop}) before {location}: the redirect can be altered in transit"
            ),
        )
    } else {
        (
            Outcome::Pass,
            format!(
                "the privacy policy is served over HTTPS with a valid certificate at {location}"
            ),
        )
    };
    CheckResult::new(id, outcome, summary)
        .with_input(location)
        .with_evidence(Evidence::Input {
            input: location.to_string(),
            message: provenance.describe(),
        })
}

/// Highest Flesch–Kincaid grade a "plainly written" policy may have: 12,
/// what a reader finishing secondary school reads (plain-language guidance
/// for the public aims lower, at 8; policies average 13–14).
pub const MAX_GRADE: f64 = 12.0;
/// Longest reading time a policy may take, in minutes at 238 words a
/// minute: 30 minutes, three times the 10 minutes McDonald & Cranor (2008)
/// measured for the average policy of their day.
pub const MAX_READING_MINUTES: f64 = 30.0;
/// Fewer words than this and the extracted text is not a policy.
pub const MIN_WORDS: usize = 100;

/// Evidence sentences quoted per passing check.
const QUOTES: usize = 3;
/// Closest sentences quoted when a practice is not stated.
const CLOSEST: usize = 3;
/// A quote is cut after this many characters.
const MAX_QUOTE_CHARS: usize = 400;

/// Reads and decides one policy from its bytes; `location` names it in the
/// report and, by its extension, helps tell the format.
pub fn check_privacy_policy(
    bytes: &[u8],
    location: &str,
    limits: &text::Limits,
) -> Vec<CheckResult> {
    let format = text::sniff(bytes, location);
    match text::extract(bytes, format, limits) {
        Ok(doc) => check_privacy_document(&doc, location),
        Err(e) => PRIVACY_CHECKS
            .iter()
            .filter_map(|c| CheckId::new(*c).ok())
            .map(|id| {
                CheckResult::new(id, Outcome::Error, format!("privacy policy not read: {e}"))
                    .with_input(location)
                    .with_evidence(Evidence::Input {
                        input: location.to_string(),
                        message: format!("{} text could not be extracted: {e}", format.name()),
                    })
            })
            .collect(),
    }
}

/// Decides the checks from an extracted policy.
pub fn check_privacy_document(doc: &Document, location: &str) -> Vec<CheckResult> {
    let a = analyze(doc);
    let q = Quoter {
        doc,
        a: &a,
        location,
    };
    let mut out = vec![readable(&q)];
    // The practice rules read English; another language would read as
    // "not stated" everywhere, which would be false.
    if let Some(lang) = a.language.filter(|l| *l != "en") {
        for id in &PRIVACY_CHECKS[1..] {
            if let Ok(id) = CheckId::new(*id) {
                out.push(
                    CheckResult::new(
                        id,
                        Outcome::Error,
                        format!("the policy is in another language ({lang}); iotcheck's practice rules read English"),
                    )
                    .with_input(location)
                    .with_evidence(Evidence::Input {
                        input: location.to_string(),
                        message: format!("language detected: {lang}"),
                    }),
                );
            }
        }
        return out;
    }
    out.push(q.stated(
        MARKETING_DISCLOSED,
        Practice::Marketing,
        "marketing or advertising use",
    ));
    out.push(q.stated(
        MARKETING_OPT_OUT,
        Practice::OptOut,
        "a way to opt out of marketing",
    ));
    out.push(q.stated(
        DATA_DELETION,
        Practice::DataDeletion,
        "how to have personal data deleted",
    ));
    out.push(q.stated(
        ACCOUNT_DELETION,
        Practice::AccountDeletion,
        "how to delete the account",
    ));
    out.push(retention(&q));
    out.push(change_notification(&q));
    out.push(q.stated(
        THIRD_PARTY_SHARING,
        Practice::ThirdPartySharing,
        "with whom data is shared",
    ));
    out.push(q.stated(
        PRIVACY_CONTACT,
        Practice::PrivacyContact,
        "a contact for privacy requests",
    ));
    out
}

/// A passage of the extracted text as evidence: character span, quote cut
/// after [`MAX_QUOTE_CHARS`] with an ellipsis.
pub(crate) fn text_evidence(text: &str, range: Range<usize>, location: &str) -> Evidence {
    let s = text.get(range.clone()).unwrap_or("");
    let start = text.get(..range.start).map_or(0, |p| p.chars().count());
    let len = s.chars().count();
    let quote = if len > MAX_QUOTE_CHARS {
        let mut q: String = s.chars().take(MAX_QUOTE_CHARS).collect();
        q.push('…');
        q
    } else {
        s.to_string()
    };
    Evidence::Text {
        document: location.to_string(),
        span: Span {
            start,
            end: start + len,
        },
        quote,
    }
}

struct Quoter<'a> {
    doc: &'a Document,
    a: &'a PolicyAnalysis,
    location: &'a str,
}

impl Quoter<'_> {
    /// A sentence as text evidence: character span, quote cut at
    /// [`MAX_QUOTE_CHARS`].
    fn sentence(&self, i: usize) -> Evidence {
        let range = self.a.sentences.get(i).cloned().unwrap_or(0..0);
        self.range(range)
    }

    fn range(&self, range: Range<usize>) -> Evidence {
        text_evidence(&self.doc.text, range, self.location)
    }

    fn result(
        &self,
        id: &str,
        outcome: Outcome,
        summary: String,
        evidence: Vec<Evidence>,
    ) -> CheckResult {
        // The ids are constants of this module; `ids_are_valid` proves
        // they parse.
        #[allow(clippy::expect_used)]
        let id = CheckId::new(id).expect("constant check id");
        let mut r = CheckResult::new(id, outcome, summary).with_input(self.location);
        r.evidence = evidence;
        r
    }

    /// "Not stated": the closest sentences, or the whole input when none
    /// came near.
    fn not_stated(&self, practice: Practice, what: &str) -> (String, Vec<Evidence>) {
        let closest = self.a.closest(self.doc, practice, CLOSEST);
        let summary = format!("not stated in the policy: {what}");
        if closest.is_empty() {
            return (
                summary,
                vec![Evidence::Input {
                    input: self.location.to_string(),
                    message: format!(
                        "no sentence of {} considered comes close",
                        self.a.sentences.len()
                    ),
                }],
            );
        }
        (
            format!("{summary} ({} closest sentences quoted)", closest.len()),
            closest.into_iter().map(|i| self.sentence(i)).collect(),
        )
    }

    fn found(&self, practice: Practice) -> Vec<usize> {
        let mut v: Vec<usize> = self.a.of(practice).map(|f| f.sentence).collect();
        v.dedup();
        v
    }

    fn stated(&self, id: &str, practice: Practice, what: &str) -> CheckResult {
        let found = self.found(practice);
        if found.is_empty() {
            let (summary, ev) = self.not_stated(practice, what);
            return self.result(id, Outcome::Fail, summary, ev);
        }
        let n = found.len();
        let summary = format!(
            "stated in {n} place{}: {what}",
            if n == 1 { "" } else { "s" }
        );
        let ev = found
            .into_iter()
            .take(QUOTES)
            .map(|i| self.sentence(i))
            .collect();
        self.result(id, Outcome::Pass, summary, ev)
    }
}

fn readable(q: &Quoter<'_>) -> CheckResult {
    let r = &q.a.readability;
    let whole = |message: String| Evidence::Input {
        input: q.location.to_string(),
        message,
    };
    let dated =
        q.a.date
            .as_ref()
            .map(|(d, _)| format!("; dated {d}"))
            .unwrap_or_default();
    if r.words < MIN_WORDS {
        return q.result(
            POLICY_READABLE,
            Outcome::Error,
            format!(
                "only {} words of text could be read: is this the policy?",
                r.words
            ),
            vec![whole(format!(
                "{} text, {} words in {} blocks",
                q.doc.format.name(),
                r.words,
                q.doc.blocks.len()
            ))],
        );
    }
    let grade = r.grade.unwrap_or(f64::INFINITY);
    let facts = format!(
        "Flesch–Kincaid grade {grade:.1}, {} words, {:.0} minutes to read{dated}",
        r.words, r.reading_minutes
    );
    let mut reasons = Vec::new();
    if grade > MAX_GRADE {
        reasons.push(format!("grade {grade:.1} is above {MAX_GRADE:.0}"));
    }
    if r.reading_minutes > MAX_READING_MINUTES {
        reasons.push(format!(
            "{:.0} minutes to read is over {MAX_READING_MINUTES:.0}",
            r.reading_minutes
        ));
    }
    let mut ev = vec![whole(format!(
        "{} sentences, {} words, {} syllables; {} text",
        r.sentences,
        r.words,
        r.syllables,
        q.doc.format.name()
    ))];
    if let Some((_, i)) = &q.a.date {
        ev.push(q.sentence(*i));
    }
    if reasons.is_empty() {
        q.result(POLICY_READABLE, Outcome::Pass, facts, ev)
    } else {
        q.result(
            POLICY_READABLE,
            Outcome::Fail,
            format!("not plainly written: {} ({facts})", reasons.join("; ")),
            ev,
        )
    }
}

fn retention(q: &Quoter<'_>) -> CheckResult {
    let r = &q.a.retention;
    match r.kind {
        RetentionKind::Period => {
            let list: Vec<&str> = r.periods.iter().map(|(p, _)| p.as_str()).collect();
            let mut sentences: Vec<usize> = r.periods.iter().map(|(_, i)| *i).collect();
            sentences.dedup();
            q.result(
                RETENTION_PERIOD,
                Outcome::Pass,
                format!("retention periods stated: {}", list.join(", ")),
                sentences
                    .into_iter()
                    .take(QUOTES)
                    .map(|i| q.sentence(i))
                    .collect(),
            )
        }
        RetentionKind::None => {
            let (summary, ev) = q.not_stated(Practice::Retention, "how long data is kept");
            q.result(RETENTION_PERIOD, Outcome::Fail, summary, ev)
        }
        kind => {
            let summary = match kind {
                RetentionKind::Necessary => {
                    "no retention period stated: only \"as long as necessary\" or what the law requires"
                }
                RetentionKind::Indefinite => {
                    "no retention period stated: data may be kept indefinitely"
                }
                _ => "no retention period stated: retention is mentioned without a period",
            };
            let ev = r.sentence.map(|i| q.sentence(i)).into_iter().collect();
            q.result(RETENTION_PERIOD, Outcome::Fail, summary.to_string(), ev)
        }
    }
}

fn change_notification(q: &Quoter<'_>) -> CheckResult {
    match &q.a.change_notice {
        ChangeNotice::Personal { sentence, means } => q.result(
            CHANGE_NOTIFICATION,
            Outcome::Pass,
            format!("users are told of changes personally ({means})"),
            vec![q.sentence(*sentence)],
        ),
        ChangeNotice::Notify { sentence } => q.result(
            CHANGE_NOTIFICATION,
            Outcome::Pass,
            "the policy commits to notifying users of changes (the means is not stated)"
                .to_string(),
            vec![q.sentence(*sentence)],
        ),
        ChangeNotice::Posting { sentence } => q.result(
            CHANGE_NOTIFICATION,
            Outcome::Fail,
            "changes are only posted (a new date or a notice on the site): users are not told"
                .to_string(),
            vec![q.sentence(*sentence)],
        ),
        ChangeNotice::None => {
            let (summary, ev) = q.not_stated(
                Practice::ChangeNotification,
                "how users are told of changes",
            );
            q.result(CHANGE_NOTIFICATION, Outcome::Fail, summary, ev)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{Format, Limits};

    #[test]
    fn ids_are_valid() {
        for id in PRIVACY_CHECKS {
            assert!(CheckId::new(id).is_ok(), "{id}");
        }
    }

    fn run(text: &str) -> Vec<CheckResult> {
        let doc = crate::text::extract(text.as_bytes(), Format::Text, &Limits::default())
            .unwrap_or_else(|e| panic!("{e}"));
        check_privacy_document(&doc, "privacy.txt")
    }

    fn outcome(results: &[CheckResult], id: &str) -> (Outcome, String) {
        let r = results
            .iter()
            .find(|r| r.check.as_str() == id)
            .unwrap_or_else(|| panic!("{id} missing"));
        (r.outcome, r.summary.clone())
    }

    #[test]
    fn short_text_is_an_error_not_a_verdict() {
        let r = run("Privacy. We care.");
        assert_eq!(outcome(&r, POLICY_READABLE).0, Outcome::Error);
    }

    #[test]
    fn german_policy_is_not_judged_by_english_rules() {
        let de = "Wir verarbeiten die Daten, die Sie uns geben, wenn Sie die Kamera einrichten. "
            .repeat(20);
        let r = run(&de);
        let (o, s) = outcome(&r, RETENTION_PERIOD);
        assert_eq!(o, Outcome::Error);
        assert!(s.contains("(de)"), "{s}");
    }
}
