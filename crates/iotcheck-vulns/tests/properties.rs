//! Properties of the parts that read untrusted records: the version order
//! is a total order, ranges agree with their bounds, and no reader panics
//! on arbitrary input.

#![allow(clippy::unwrap_used)]

use std::cmp::Ordering;

use iotcheck_vulns::cpe::Cpe;
use iotcheck_vulns::import::parse_document;
use iotcheck_vulns::prose::ranges;
use iotcheck_vulns::range::Range;
use iotcheck_vulns::version::{Version, upstream_part};
use proptest::prelude::*;

/// Versions shaped like the ones firmware ships.
fn version() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(0u32..3000, 1..5),
        prop::option::of(prop_oneof![
            Just("a".to_string()),
            Just("k".to_string()),
            Just("zd".to_string()),
            Just("p15".to_string()),
            Just("-rc1".to_string()),
            Just("-beta2".to_string()),
            Just("-stable".to_string()),
            Just("b1".to_string()),
        ]),
    )
        .prop_map(|(nums, suffix)| {
            let mut s = nums
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(".");
            if let Some(x) = suffix {
                s.push_str(&x);
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn order_is_total(a in version(), b in version(), c in version()) {
        let (a, b, c) = (Version::parse(&a).unwrap(), Version::parse(&b).unwrap(), Version::parse(&c).unwrap());
        prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
        if a <= b && b <= c {
            prop_assert!(a <= c);
        }
        if a == b && b == c {
            prop_assert_eq!(a.cmp(&c), Ordering::Equal);
        }
    }

    #[test]
    fn numeric_components_order_numerically(x in prop::collection::vec(0u64..100_000, 1..6), y in prop::collection::vec(0u64..100_000, 1..6)) {
        let pad = |v: &Vec<u64>| { let mut v = v.clone(); v.resize(6, 0); v };
        let s = |v: &Vec<u64>| v.iter().map(u64::to_string).collect::<Vec<_>>().join(".");
        let (a, b) = (Version::parse(&s(&x)).unwrap(), Version::parse(&s(&y)).unwrap());
        prop_assert_eq!(a.cmp(&b), pad(&x).cmp(&pad(&y)));
    }

    /// The tokenise-once path matching uses agrees with the plain one.
    #[test]
    fn prepared_comparison_agrees(v in version(), t in version(), lo_incl: bool, junk in "[ -~]{0,12}") {
        let x = Version::parse(&v).unwrap();
        let p = x.prepared();
        prop_assert_eq!(p.compare_text(&t), iotcheck_vulns::version::compare_text(&x, &t));
        prop_assert_eq!(p.compare_text(&junk), iotcheck_vulns::version::compare_text(&x, &junk));
        for (exact, start, end) in [
            (Some(t.as_str()), None, None),
            (None, Some((t.as_str(), lo_incl)), None),
            (None, None, Some((t.as_str(), lo_incl))),
            (None, Some((junk.as_str(), true)), Some((t.as_str(), lo_incl))),
        ] {
            prop_assert_eq!(
                iotcheck_vulns::range::contains_prepared(&p, exact, start, end),
                iotcheck_vulns::range::contains(&x, exact, start, end)
            );
        }
    }

    #[test]
    fn range_agrees_with_its_bounds(lo in version(), hi in version(), v in version(), lo_incl: bool, hi_incl: bool) {
        let (l, h, x) = (Version::parse(&lo).unwrap(), Version::parse(&hi).unwrap(), Version::parse(&v).unwrap());
        match Range::between(Some((&lo, lo_incl)), Some((&hi, hi_incl))) {
            None => prop_assert!(l > h, "only impossible ranges are refused"),
            Some(r) => {
                let expected = (if lo_incl { x >= l } else { x > l }) && (if hi_incl { x <= h } else { x < h });
                prop_assert_eq!(r.contains(&x), expected);
            }
        }
    }

    #[test]
    fn distro_revisions_do_not_change_the_upstream_order(v in version(), rev in 1u32..50) {
        let decorated = format!("{v}-{rev}");
        let up = upstream_part(&decorated);
        if v.contains('.') && !v.contains('-') {
            prop_assert_eq!(up, v);
        }
    }

    #[test]
    fn readers_never_panic(s in "\\PC{0,400}") {
        let _ = Version::parse(&s);
        let _ = Version::parse_distro(&s);
        let _ = Cpe::parse(&s);
        let _ = ranges(&s, None);
        let _ = ranges(&s, Some("openssl"));
        let _ = parse_document(&s);
    }

    #[test]
    fn documents_with_hostile_values_never_panic(
        id in "\\PC{0,40}",
        version in "\\PC{0,40}",
        less in "\\PC{0,40}",
        date in "\\PC{0,30}",
        desc in "\\PC{0,200}",
    ) {
        let doc = serde_json::json!({
            "cveMetadata": {"cveId": id, "datePublished": date},
            "containers": {"cna": {
                "affected": [{"vendor": "x", "product": "busybox", "versions": [{"version": version, "lessThan": less, "status": "affected"}]}],
                "descriptions": [{"lang": "en", "value": desc}],
            }}
        });
        let _ = parse_document(&doc.to_string());
    }
}
