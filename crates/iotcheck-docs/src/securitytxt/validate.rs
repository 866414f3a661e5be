//! The field rules of RFC 9116 §2.5, judged as of a date.

use iotcheck_model::Date;

use crate::fetch::Provenance;

use super::datetime::{DateTime, one_year_after};
use super::uri;
use super::{Diagnostic, Diags, Field, FieldKind, SecurityTxt, Severity, codes};

/// How the Expires field came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpiresStatus {
    Missing,
    /// Indices into [`SecurityTxt::fields`] of every Expires field.
    Multiple(Vec<usize>),
    /// Empty or not an RFC 3339 date-time.
    Invalid(usize),
    /// Its UTC date is before the assessment date.
    Expired {
        field: usize,
        utc_date: Date,
    },
    Valid {
        field: usize,
        utc_date: Date,
    },
}

/// The two fields RFC 9116 requires, which decide `docs.security-txt-valid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Required {
    /// Contact fields whose value is a URI (indices into the fields).
    pub valid_contacts: Vec<usize>,
    /// Contact fields that are empty or not a URI.
    pub invalid_contacts: Vec<usize>,
    pub expires: ExpiresStatus,
}

impl Required {
    /// At least one valid Contact and exactly one valid, unexpired Expires.
    pub fn met(&self) -> bool {
        !self.valid_contacts.is_empty() && matches!(self.expires, ExpiresStatus::Valid { .. })
    }
}

/// Judges the fields of `doc` as of `today` (a file whose Expires falls on
/// `today`, in UTC, is still current). `fetched_from` is the URI the file
/// came from, if known, for the Canonical check.
///
/// Returns only the content diagnostics; `doc.diagnostics` holds the form
/// diagnostics from parsing. [`super::analyze`] merges both.
pub fn validate(doc: &SecurityTxt, today: Date, fetched_from: Option<&str>) -> Vec<Diagnostic> {
    assess(doc, today, fetched_from.map(Provenance::url_only).as_ref()).0
}

pub(crate) fn assess(
    doc: &SecurityTxt,
    today: Date,
    provenance: Option<&Provenance>,
) -> (Vec<Diagnostic>, Required) {
    let budget = doc
        .limits()
        .max_diagnostics
        .saturating_sub(doc.diagnostics.len());
    let mut d = Diags::new(budget);
    let mut valid_contacts = Vec::new();
    let mut invalid_contacts = Vec::new();
    let mut expires: Vec<(usize, Option<DateTime>)> = Vec::new();
    let mut languages_seen = None;

    for (i, f) in doc.fields.iter().enumerate() {
        let kind = f.kind();
        if kind == FieldKind::Extension {
            unknown(f, &mut d);
            continue;
        }
        if f.value.is_empty() {
            d.push(
                codes::EMPTY_VALUE,
                Severity::Error,
                Some(f.line),
                Some(f.span),
                format!("{} has no value", kind.as_str()),
            );
            match kind {
                FieldKind::Contact => invalid_contacts.push(i),
                FieldKind::Expires => expires.push((i, None)),
                _ => {}
            }
            continue;
        }
        match kind {
            FieldKind::Expires => expires.push((i, expires_value(f, &mut d))),
            FieldKind::PreferredLanguages => {
                if let Some(first) = languages_seen {
                    d.push(
                        codes::FIELD_NOT_ALLOWED_TWICE,
                        Severity::Error,
                        Some(f.line),
                        Some(f.span),
                        format!(
                            "Preferred-Languages appears again (first on line {first}); RFC 9116 §2.5.8 allows it at most once"
                        ),
                    );
                } else {
                    languages_seen = Some(f.line);
                }
                languages(f, &mut d);
            }
            _ => {
                let ok = uri_value(f, kind, &mut d);
                if kind == FieldKind::Contact {
                    if ok {
                        valid_contacts.push(i);
                    } else {
                        invalid_contacts.push(i);
                    }
                }
            }
        }
    }

    if valid_contacts.is_empty() && invalid_contacts.is_empty() {
        d.push(
            codes::MISSING_CONTACT,
            Severity::Error,
            None,
            None,
            "no Contact field; RFC 9116 §2.5.3 requires at least one",
        );
    }

    let status = match expires.as_slice() {
        [] => {
            d.push(
                codes::MISSING_EXPIRES,
                Severity::Error,
                None,
                None,
                "no Expires field; RFC 9116 §2.5.5 requires exactly one",
            );
            ExpiresStatus::Missing
        }
        [(i, None)] => ExpiresStatus::Invalid(*i),
        [(i, Some(dt))] => expiry(*i, &doc.fields[*i], dt, today, &mut d),
        many => {
            let lines: Vec<String> = many
                .iter()
                .map(|(i, _)| doc.fields[*i].line.to_string())
                .collect();
            for (i, dt) in many.iter().skip(1) {
                let f = &doc.fields[*i];
                d.push(
                    codes::MULTIPLE_EXPIRES,
                    Severity::Error,
                    Some(f.line),
                    Some(f.span),
                    format!(
                        "Expires appears {} times (lines {}); RFC 9116 §2.5.5 allows exactly one",
                        many.len(),
                        lines.join(", ")
                    ),
                );
                if let Some(dt) = dt {
                    expiry(*i, f, dt, today, &mut d);
                }
            }
            if let Some((i, Some(dt))) = many.first() {
                expiry(*i, &doc.fields[*i], dt, today, &mut d);
            }
            ExpiresStatus::Multiple(many.iter().map(|(i, _)| *i).collect())
        }
    };

    if let Some(p) = provenance {
        transport(p, &mut d);
        content_type(p, &mut d);
    }
    canonical(doc, provenance.map(|p| p.url.as_str()), &mut d);

    (
        d.finish(),
        Required {
            valid_contacts,
            invalid_contacts,
            expires: status,
        },
    )
}

fn unknown(f: &Field, d: &mut Diags) {
    let hint = if f.name.eq_ignore_ascii_case("Acknowledgements") {
        "; RFC 9116 spells it Acknowledgments, so readers will not find this one"
    } else if f.name.eq_ignore_ascii_case("Signature") {
        "; the Signature field of early drafts was dropped: sign the file inline (§2.3)"
    } else {
        ""
    };
    d.push(
        codes::UNKNOWN_FIELD,
        Severity::Info,
        Some(f.line),
        Some(f.name_span),
        format!(
            "field {:?} is not defined by RFC 9116 or the IANA registry (extension fields are allowed, §2.4){hint}",
            f.name
        ),
    );
}

fn expires_value(f: &Field, d: &mut Diags) -> Option<DateTime> {
    match DateTime::parse(&f.value) {
        Ok(dt) => {
            if dt.space_separated {
                d.push(
                    codes::EXPIRES_SPACE_SEPARATOR,
                    Severity::Warning,
                    Some(f.line),
                    Some(f.value_span),
                    "Expires separates date and time with a space; RFC 9116 §4 takes date-time from RFC 3339 §5.6, which uses 'T', so strict readers reject it",
                );
            }
            Some(dt)
        }
        Err(e) => {
            d.push(
                codes::INVALID_EXPIRES,
                Severity::Error,
                Some(f.line),
                Some(f.value_span),
                format!(
                    "Expires {:?} is {e} (expected e.g. 2026-12-31T23:59:59Z, RFC 9116 §2.5.5)",
                    f.value
                ),
            );
            None
        }
    }
}

/// Judges one parsed Expires field (`field` is its index) against `today`.
fn expiry(field: usize, f: &Field, dt: &DateTime, today: Date, d: &mut Diags) -> ExpiresStatus {
    let utc_date = dt.utc_date();
    if utc_date < today {
        d.push(
            codes::EXPIRES_IN_PAST,
            Severity::Error,
            Some(f.line),
            Some(f.value_span),
            format!(
                "Expires {utc_date} has passed (assessed as of {today}); researchers should treat the file as stale (RFC 9116 §2.5.5, §5.3)"
            ),
        );
        return ExpiresStatus::Expired { field, utc_date };
    }
    let limit = one_year_after(today);
    if utc_date > limit {
        d.push(
            codes::EXPIRES_TOO_FAR,
            Severity::Warning,
            Some(f.line),
            Some(f.value_span),
            format!(
                "Expires {utc_date} is more than a year after {today}; RFC 9116 §2.5.5 recommends less than a year, to keep the file fresh"
            ),
        );
    }
    ExpiresStatus::Valid { field, utc_date }
}

fn is_language_tag(t: &str) -> bool {
    let mut parts = t.split('-');
    let first = parts.next().unwrap_or("");
    let alpha = |s: &str| s.bytes().all(|b| b.is_ascii_alphabetic());
    let first_ok = ((2..=8).contains(&first.len()) && alpha(first))
        || first.eq_ignore_ascii_case("x")
        || first.eq_ignore_ascii_case("i");
    first_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn languages(f: &Field, d: &mut Diags) {
    let bad: Vec<&str> = f
        .value
        .split(',')
        .map(|t| t.trim_matches([' ', '\t']))
        .filter(|t| !is_language_tag(t))
        .collect();
    if !bad.is_empty() {
        d.push(
            codes::INVALID_LANGUAGE_TAG,
            Severity::Warning,
            Some(f.line),
            Some(f.value_span),
            format!(
                "Preferred-Languages has {} that {} not an RFC 5646 language tag: {:?} (expected e.g. \"en, fr-CA\", RFC 9116 §2.5.8)",
                if bad.len() == 1 { "an entry" } else { "entries" },
                if bad.len() == 1 { "is" } else { "are" },
                bad
            ),
        );
    }
}

/// Checks a URI-valued field; returns whether the value is a URI.
fn uri_value(f: &Field, kind: FieldKind, d: &mut Diags) -> bool {
    let u = match uri::check(&f.value) {
        Ok(u) => u,
        Err(p) => {
            d.push(
                codes::INVALID_URI,
                Severity::Error,
                Some(f.line),
                Some(f.value_span),
                format!("{}: {}", kind.as_str(), p.describe()),
            );
            return false;
        }
    };
    let section = match kind {
        FieldKind::Acknowledgments => "§2.5.1",
        FieldKind::Canonical => "§2.5.2",
        FieldKind::Contact => "§2.5.3",
        FieldKind::Encryption => "§2.5.4",
        FieldKind::Hiring => "§2.5.6",
        FieldKind::Policy => "§2.5.7",
        _ => "§2.5",
    };
    let scheme = u.scheme.as_str();
    if scheme == "http" {
        d.push(
            codes::INSECURE_URI_SCHEME,
            Severity::Warning,
            Some(f.line),
            Some(f.value_span),
            format!(
                "{} uses http:; RFC 9116 {section} requires web URIs to begin with https://",
                kind.as_str()
            ),
        );
        return true;
    }
    let usual: &[&str] = match kind {
        FieldKind::Contact => &["https", "mailto", "tel"],
        FieldKind::Encryption => &["https", "openpgp4fpr", "dns"],
        FieldKind::Canonical | FieldKind::Csaf => &["https"],
        _ => return true,
    };
    if kind == FieldKind::Encryption && scheme == "data" {
        d.push(
            codes::KEY_IN_FIELD,
            Severity::Warning,
            Some(f.line),
            Some(f.value_span),
            "Encryption embeds the key in a data: URI; RFC 9116 §2.5.4 says keys MUST NOT appear in this field, give a URI where the key can be retrieved",
        );
    } else if !usual.contains(&scheme) {
        d.push(
            codes::UNCOMMON_URI_SCHEME,
            Severity::Info,
            Some(f.line),
            Some(f.value_span),
            format!(
                "{} uses the {scheme}: scheme; RFC 9116 {section} expects {}",
                kind.as_str(),
                usual
                    .iter()
                    .map(|s| format!("{s}:"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    true
}

/// §3: "the file MUST be accessed via HTTPS": a file read from an `http:`
/// URL (directly or at the end of redirects) could have been changed on
/// the way, and so cannot be relied on.
fn transport(p: &Provenance, d: &mut Diags) {
    if p.is_https() {
        return;
    }
    let how = match &p.http {
        Some(h) if !h.redirects.is_empty() => format!(
            "after a redirect from {} to {}",
            h.redirects.first().map_or("", |r| r.from.as_str()),
            p.url
        ),
        Some(h) if h.tried.iter().any(|a| a.url.starts_with("https:")) => format!(
            "from {}; HTTPS was tried first ({})",
            p.url,
            h.tried
                .iter()
                .filter(|a| a.url.starts_with("https:"))
                .map(|a| format!("{}: {}", a.url, a.outcome))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        _ => format!("from {}", p.url),
    };
    d.push(
        codes::FETCHED_WITHOUT_HTTPS,
        Severity::Error,
        None,
        None,
        format!(
            "read over plain HTTP {how}; RFC 9116 §3 requires security.txt to be accessed over HTTPS"
        ),
    );
}

/// §3: "The file MUST have a Content-Type of \"text/plain\" with the
/// default charset parameter set to \"utf-8\"." A wrong media type is a
/// warning (the text was still read as a security.txt, but a client that
/// trusts the header may not); a missing charset is a note.
fn content_type(p: &Provenance, d: &mut Diags) {
    let Some(h) = &p.http else { return };
    let sent = h.content_type.as_deref().unwrap_or("").trim();
    let mut parts = sent.split(';');
    let media = parts.next().unwrap_or("").trim();
    let charset = parts.find_map(|param| {
        let (k, v) = param.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_string())
    });
    if !media.eq_ignore_ascii_case("text/plain") {
        let shown = if sent.is_empty() {
            "no Content-Type".to_string()
        } else {
            format!("Content-Type {sent:?}")
        };
        d.push(
            codes::CONTENT_TYPE,
            Severity::Warning,
            None,
            None,
            format!("served with {shown}; RFC 9116 §3 requires \"text/plain; charset=utf-8\""),
        );
        return;
    }
    match charset {
        Some(c) if c.eq_ignore_ascii_case("utf-8") => {}
        Some(c) => d.push(
            codes::CONTENT_TYPE,
            Severity::Warning,
            None,
            None,
            format!("served as text/plain with charset {c:?}; RFC 9116 §3 requires charset=utf-8"),
        ),
        None => d.push(
            codes::CONTENT_TYPE,
            Severity::Info,
            None,
            None,
            "served as text/plain without a charset; RFC 9116 §3 asks for charset=utf-8"
                .to_string(),
        ),
    }
}

fn canonical(doc: &SecurityTxt, fetched_from: Option<&str>, d: &mut Diags) {
    let canon: Vec<&Field> = doc.fields_of(FieldKind::Canonical).collect();
    if canon.is_empty() {
        if doc.signed.is_signed() {
            d.push(
                codes::SIGNED_WITHOUT_CANONICAL,
                Severity::Info,
                None,
                None,
                "signed without a Canonical field; RFC 9116 §2.3 recommends one so a signed copy cannot be replayed elsewhere",
            );
        }
        return;
    }
    let Some(from) = fetched_from else {
        return;
    };
    let want = uri::normalize(from);
    if canon.iter().any(|f| uri::normalize(&f.value) == want) {
        return;
    }
    let first = canon[0];
    d.push(
        codes::CANONICAL_MISMATCH,
        Severity::Warning,
        Some(first.line),
        Some(first.value_span),
        format!(
            "fetched from {from} but no Canonical field lists it ({}); RFC 9116 §2.5.2 says to treat such a file with caution",
            canon
                .iter()
                .map(|f| f.value.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        for ok in ["en", "fr-CA", "zh-Hant-TW", "x-klingon", "de-1996"] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in ["", "e", "en_US", "english!", "en--us", "123"] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }
}
