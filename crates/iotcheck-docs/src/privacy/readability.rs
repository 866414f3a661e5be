//! Readability and language of a policy's text.
//!
//! Flesch–Kincaid grade level (Kincaid et al., 1975):
//! `0.39 × words/sentences + 11.8 × syllables/words − 15.59`, with
//! syllables counted by the usual English heuristic (groups of vowels,
//! a silent final "e", at least one per word), which is what readability
//! tools do; reading time at 238 words a minute, the average silent
//! reading rate for non-fiction in English (Brysbaert, 2019).
//!
//! Language: the share of each language's most frequent function words
//! among the first words of the text. Written here: a policy needs only
//! "is this English, and if not, roughly what", and the detectors on
//! crates.io carry models far larger than that question.

/// Words per minute of silent reading (Brysbaert 2019, non-fiction).
pub const WORDS_PER_MINUTE: f64 = 238.0;

/// Readability of the running text (headings excluded).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Readability {
    pub words: usize,
    pub sentences: usize,
    pub syllables: usize,
    /// Flesch–Kincaid grade level; `None` without words.
    pub grade: Option<f64>,
    /// Minutes to read at [`WORDS_PER_MINUTE`].
    pub reading_minutes: f64,
}

pub(super) fn measure<'a>(blocks: impl Iterator<Item = &'a str>, sentences: usize) -> Readability {
    let (mut words, mut syllables) = (0usize, 0usize);
    for block in blocks {
        for w in block.split(|c: char| !c.is_alphabetic() && c != '\'') {
            let w = w.trim_matches('\'');
            if w.is_empty() {
                continue;
            }
            words += 1;
            syllables += syllables_in(w);
        }
    }
    let grade = (words > 0 && sentences > 0).then(|| {
        0.39 * (words as f64 / sentences as f64) + 11.8 * (syllables as f64 / words as f64) - 15.59
    });
    Readability {
        words,
        sentences,
        syllables,
        grade,
        reading_minutes: words as f64 / WORDS_PER_MINUTE,
    }
}

/// English syllables by vowel groups: "privacy" 3, "the" 1, "cookies" 2.
fn syllables_in(word: &str) -> usize {
    let lower: Vec<char> = word.chars().map(|c| c.to_ascii_lowercase()).collect();
    let vowel = |c: char| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
    let mut groups: usize = 0;
    let mut prev = false;
    for &c in &lower {
        let v = vowel(c);
        if v && !prev {
            groups += 1;
        }
        prev = v;
    }
    let n = lower.len();
    // Silent final "e" ("share", "store"), but not "-le" ("table").
    let le_ending = n > 2 && lower[n - 2] == 'l' && !vowel(lower[n - 3]);
    if n > 2 && lower[n - 1] == 'e' && !vowel(lower[n - 2]) && !le_ending {
        groups = groups.saturating_sub(1);
    }
    // "-es"/"-ed" endings rarely add a syllable ("shares", "stored").
    if n > 3 && (lower.ends_with(&['e', 'd']) || lower.ends_with(&['e', 's'])) {
        let before = lower[n - 3];
        if !vowel(before) && !matches!(before, 't' | 'd' | 's' | 'x' | 'z' | 'c' | 'g') {
            groups = groups.saturating_sub(1);
        }
    }
    groups.max(1)
}

const FUNCTION_WORDS: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "the", "and", "of", "to", "you", "your", "we", "is", "in", "for", "that", "with",
            "our", "or", "this", "are", "by", "not",
        ],
    ),
    (
        "de",
        &[
            "der", "die", "und", "das", "sie", "ihre", "wir", "ist", "zu", "von", "mit", "den",
            "nicht", "auf", "für", "werden", "oder", "ein",
        ],
    ),
    (
        "fr",
        &[
            "le", "la", "les", "et", "de", "des", "vous", "vos", "nous", "est", "pour", "que",
            "une", "dans", "sur", "avec", "pas", "du",
        ],
    ),
    (
        "es",
        &[
            "el", "la", "los", "las", "y", "de", "que", "usted", "sus", "nosotros", "es", "para",
            "con", "una", "por", "del", "no", "su",
        ],
    ),
    (
        "it",
        &[
            "il", "la", "le", "e", "di", "che", "per", "con", "una", "sono", "non", "gli", "della",
            "dei", "nostro", "vostri", "suoi", "del",
        ],
    ),
    (
        "nl",
        &[
            "de", "het", "en", "van", "een", "wij", "uw", "u", "is", "te", "dat", "voor", "met",
            "op", "niet", "zijn", "worden", "ons",
        ],
    ),
    (
        "pt",
        &[
            "o", "os", "as", "e", "de", "que", "você", "seus", "nós", "para", "com", "uma", "por",
            "do", "da", "não", "seu", "dos",
        ],
    ),
];

/// The most likely language of `text` among a few common ones, from the
/// first 2,000 words; `None` when fewer than 20 words or no language's
/// function words reach 10 % of them.
pub(super) fn language(text: &str) -> Option<&'static str> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .take(2000)
        .map(str::to_lowercase)
        .collect();
    if words.len() < 20 {
        return None;
    }
    let (lang, hits) = FUNCTION_WORDS
        .iter()
        .map(|(lang, list)| {
            (
                *lang,
                words.iter().filter(|w| list.contains(&w.as_str())).count(),
            )
        })
        .max_by_key(|&(_, n)| n)?;
    (hits * 10 >= words.len()).then_some(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllable_heuristic() {
        for (w, n) in [
            ("privacy", 3),
            ("the", 1),
            ("share", 1),
            ("table", 2),
            ("stored", 1),
            ("shared", 1),
            ("processes", 3),
            ("data", 2),
            ("a", 1),
        ] {
            assert_eq!(syllables_in(w), n, "{w}");
        }
    }

    #[test]
    fn grade_of_plain_and_dense_text() {
        let plain = measure(
            std::iter::once("We keep your data. We do not sell it. You can ask us to delete it."),
            3,
        );
        let dense = measure(
            std::iter::once(
                "Notwithstanding the foregoing, information processed pursuant to legitimate organisational interests may additionally be disclosed to affiliated entities.",
            ),
            1,
        );
        assert!(plain.grade.unwrap_or(99.0) < 4.0, "{plain:?}");
        assert!(dense.grade.unwrap_or(0.0) > 16.0, "{dense:?}");
        assert_eq!(plain.words, 16);
    }

    #[test]
    fn languages() {
        let en = "We collect the data that you give us when you set up your camera, and we use it to provide the service to you. This policy explains what we do with it and what choices you have.";
        let de = "Wir verarbeiten die Daten, die Sie uns geben, wenn Sie die Kamera einrichten, und wir nutzen sie, um den Dienst für Sie zu erbringen. Diese Erklärung sagt, was wir mit den Daten tun und welche Rechte Sie haben.";
        assert_eq!(language(en), Some("en"));
        assert_eq!(language(de), Some("de"));
        assert_eq!(language("1234 5678"), None);
    }
}
