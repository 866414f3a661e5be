//! Diagnostic codes are an output contract: unique, kebab-case, and
//! snapshotted so a rename shows up in review.

use std::collections::BTreeSet;

use iotcheck_docs::securitytxt::codes::ALL;

#[test]
fn codes_are_unique_and_kebab_case() {
    let unique: BTreeSet<_> = ALL.iter().collect();
    assert_eq!(unique.len(), ALL.len(), "duplicate diagnostic code");
    for code in ALL {
        assert!(
            !code.is_empty()
                && code.split('-').all(|w| !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
            "{code} is not kebab-case"
        );
    }
}

#[test]
fn code_list_is_stable() {
    insta::assert_snapshot!(ALL.join("\n"));
}
