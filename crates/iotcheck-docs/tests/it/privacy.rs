//! Privacy- and disclosure-policy analysis: properties on arbitrary text,
//! and the shipped example documents of the fictional vendor.

use iotcheck_docs::disclosure::check_disclosure_policy;
use iotcheck_docs::privacy::{
    PRIVACY_CHECKS, Practice, analyze, check_privacy_document, check_privacy_policy,
    classify_segment,
};
use iotcheck_docs::text::{self, Format, Limits};
use iotcheck_model::{Evidence, Outcome};
use proptest::prelude::*;

fn words() -> impl Strategy<Value = String> {
    // Sentences made of policy vocabulary, punctuation and noise, so the
    // rules actually fire.
    let vocab = prop::sample::select(vec![
        "we",
        "keep",
        "retain",
        "your",
        "data",
        "for",
        "30",
        "days",
        "delete",
        "account",
        "unsubscribe",
        "marketing",
        "notify",
        "you",
        "by",
        "email",
        "changes",
        "this",
        "policy",
        "share",
        "with",
        "third",
        "parties",
        "contact",
        "us",
        "at",
        "privacy@acme.example",
        ".",
        ",",
        "e.g.",
        "\n\n",
        "# Heading",
        "- item",
        "é",
        "漢字",
        "\u{200b}",
        "as long as necessary",
    ]);
    prop::collection::vec(vocab, 0..200).prop_map(|v| v.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn classify_never_panics_and_names_are_sorted(s in "\\PC{0,400}", t in words()) {
        for text in [s, t] {
            let p = classify_segment(&text);
            let mut sorted = p.clone();
            sorted.sort();
            sorted.dedup();
            prop_assert_eq!(p, sorted);
        }
    }

    #[test]
    fn findings_and_quotes_lie_inside_the_text(t in words(), md in any::<bool>()) {
        let format = if md { Format::Markdown } else { Format::Text };
        let doc = text::extract(t.as_bytes(), format, &Limits::default()).unwrap();
        let a = analyze(&doc);
        for r in &a.sentences {
            prop_assert!(doc.text.get(r.clone()).is_some());
        }
        for f in &a.findings {
            prop_assert!(f.sentence < a.sentences.len());
            prop_assert!(a.segments[f.segment].sentences.contains(&f.sentence));
        }
        let results = check_privacy_document(&doc, "p.txt");
        prop_assert_eq!(results.len(), PRIVACY_CHECKS.len());
        let chars: Vec<char> = doc.text.chars().collect();
        for r in &results {
            prop_assert!(!r.evidence.is_empty(), "{} has no evidence", r.check);
            for e in &r.evidence {
                if let Evidence::Text { span, quote, .. } = e {
                    prop_assert!(span.end <= chars.len());
                    let at: String = chars[span.start..span.end].iter().collect();
                    prop_assert!(at.starts_with(quote.trim_end_matches('…')));
                }
            }
        }
    }

    #[test]
    fn arbitrary_bytes_give_results_not_panics(b in prop::collection::vec(any::<u8>(), 0..2000)) {
        prop_assert_eq!(check_privacy_policy(&b, "x.bin", &Limits::default()).len(), PRIVACY_CHECKS.len());
        prop_assert_eq!(check_disclosure_policy(&b, "x.bin", &Limits::default()).len(), 1);
    }
}

fn example(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/acme-cam/docs")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn example_disclosure_policy_meets() {
    let r = check_disclosure_policy(
        &example("disclosure.md"),
        "docs/disclosure.md",
        &Limits::default(),
    );
    assert_eq!(r[0].outcome, Outcome::Pass, "{}", r[0].summary);
    assert!(r[0].summary.contains("safe harbour"), "{}", r[0].summary);
    // The policy declines a bounty: it must not be reported as offering one.
    assert!(!r[0].summary.contains("bug bounty"), "{}", r[0].summary);
}

#[test]
fn a_policy_without_practices_fails_with_closest_sentences() {
    let doc = text::extract(
        b"Acme cameras record video. Our cloud stores clips securely. We love our customers and our products.\n\n\
          The app shows a live view. Firmware updates arrive over the air. ".repeat(10).as_slice(),
        Format::Text,
        &Limits::default(),
    )
    .unwrap();
    let results = check_privacy_document(&doc, "p.txt");
    let retention = results
        .iter()
        .find(|r| r.check.as_str() == "docs.retention-period")
        .unwrap();
    assert_eq!(retention.outcome, Outcome::Fail);
    assert!(
        retention.summary.starts_with("not stated in the policy"),
        "{}",
        retention.summary
    );
    // "stores" came close: it is quoted for the reader to judge.
    assert!(
        retention
            .evidence
            .iter()
            .any(|e| matches!(e, Evidence::Text { quote, .. } if quote.contains("stores")))
    );
    assert!(analyze(&doc).of(Practice::Retention).next().is_none());
}
