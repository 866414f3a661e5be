//! Analyzers for the vendor's documents. Today: security.txt.
//!
//! [`check_security_txt`] decides `docs.security-txt-valid` (standard 4,
//! vulnerability management: a published point of contact) from a
//! security.txt file's bytes, following RFC 9116:
//!
//! - **pass** when the file has at least one Contact whose value is a URI
//!   and exactly one Expires that is an RFC 3339 date-time not before the
//!   assessment date (in UTC); the evidence quotes those lines;
//! - **fail** otherwise, and when the bytes are not UTF-8; the summary names
//!   each reason (`no Contact field`, `Expires 2024-05-01 has passed`, …)
//!   and the evidence quotes the deciding lines, or names the input when
//!   the reason is a missing field;
//! - **error** only when the bytes cannot be read as text at all: larger
//!   than [`securitytxt::Limits::max_bytes`], or binary (a NUL byte in
//!   input that is not UTF-16).
//!
//! Two more findings fail the check, with [`check_security_txt_with_options`]:
//! a signature that does not verify with the keys the user gave
//! (`signature-invalid`: the text changed after signing;
//! `signature-unknown-key`: another key signed it), and a file read over
//! plain HTTP (`fetched-without-https`, RFC 9116 §3). Without keys a signed
//! file is reported as *signed, key not verified* and passes as it would
//! unsigned: RFC 9116 makes the signature optional.
//!
//! Other findings (an `http:` URI, an unknown field, a malformed signature,
//! an expiry more than a year away) do not change the outcome; a passing
//! summary lists the errors and warnings among them, and
//! [`securitytxt::analyze_with`] returns all of them as
//! [`securitytxt::Diagnostic`]s with stable codes, lines and character
//! spans.
//!
//! [`fetch`] gets a document from a URL (HTTPS with verified certificates,
//! bounded in time and size, redirects reported) for the command line; the
//! analyses themselves never touch the network: they read the bytes they
//! are given, with a [`fetch::Provenance`] saying where those came from.
//!
//! What this crate deliberately does not do (yet):
//!
//! - **judge keys beyond themselves**: the keys the user gives are trusted
//!   as given (no web of trust); a signature by one of them that is revoked,
//!   or had expired when it signed, fails (`signature-key-not-valid`).
//!
//! ```
//! use iotcheck_docs::check_security_txt;
//! use iotcheck_model::{Date, Evidence, Outcome};
//!
//! let file = "# Report vulnerabilities to our PSIRT\r\n\
//!             Contact: mailto:psirt@example.com\r\n\
//!             Expires: 2026-12-31T23:59:59Z\r\n";
//! let today: Date = "2026-06-01".parse().unwrap();
//! let results = check_security_txt(file.as_bytes(), "docs/security.txt", today);
//! assert_eq!(results[0].outcome, Outcome::Pass);
//! let Evidence::Text { span, quote, .. } = &results[0].evidence[0] else { panic!() };
//! assert_eq!(quote, "Contact: mailto:psirt@example.com");
//! assert_eq!((span.start, span.end), (39, 72));
//!
//! let later: Date = "2027-01-15".parse().unwrap();
//! let results = check_security_txt(file.as_bytes(), "docs/security.txt", later);
//! assert_eq!(results[0].outcome, Outcome::Fail);
//! assert_eq!(results[0].summary, "Expires 2026-12-31 has passed");
//! ```
//!
//! The integration tests run every real file under
//! `../shared/data/securitytxt` (GitHub, Red Hat, Opera, GrapheneOS, DIVD, …).

pub mod disclosure;
pub mod fetch;
pub mod privacy;
pub mod securitytxt;
pub mod text;

use iotcheck_model::{CheckId, CheckResult, Date, Evidence, Outcome};

use securitytxt::{Analysis, ExpiresStatus, Field, Limits, Severity};

/// The check this crate decides from a security.txt.
pub const SECURITY_TXT_VALID: &str = "docs.security-txt-valid";

/// Most evidence items quoted for one kind of line (e.g. many Contacts).
const MAX_QUOTES: usize = 10;

/// Runs the security.txt checks on a document's bytes. `location` is how
/// the report names the input (e.g. "docs/security.txt"); `today` decides
/// expiry. Returns one result for `docs.security-txt-valid`.
pub fn check_security_txt(bytes: &[u8], location: &str, today: Date) -> Vec<CheckResult> {
    check_security_txt_with(bytes, location, today, None, &Limits::default())
}

/// [`check_security_txt`] with the URI the file was fetched from (for the
/// Canonical field) and explicit limits.
pub fn check_security_txt_with(
    bytes: &[u8],
    location: &str,
    today: Date,
    fetched_from: Option<&str>,
    limits: &Limits,
) -> Vec<CheckResult> {
    let opts = securitytxt::Options {
        provenance: fetched_from.map(fetch::Provenance::url_only),
        keys: None,
        limits: limits.clone(),
    };
    check_security_txt_with_options(bytes, location, today, &opts)
}

/// [`check_security_txt`] with everything known besides the bytes: where
/// they were fetched from and how (evidence; the Canonical and HTTPS
/// checks), and the keys to verify the signature with. A signature that
/// does not verify with the keys given, and a file read over plain HTTP,
/// fail the check (see [`securitytxt::codes::FAILING`]).
pub fn check_security_txt_with_options(
    bytes: &[u8],
    location: &str,
    today: Date,
    opts: &securitytxt::Options,
) -> Vec<CheckResult> {
    let id = CheckId::new(SECURITY_TXT_VALID).expect("the check id constant is valid");
    let result = match securitytxt::analyze_with(bytes, today, opts) {
        Err(e) => CheckResult::new(id, Outcome::Error, format!("security.txt not read: {e}"))
            .with_input(location)
            .with_evidence(Evidence::Input {
                input: location.to_string(),
                message: e.to_string(),
            }),
        Ok(a) => decide(&a, id, location),
    };
    // How the file was fetched is evidence for every outcome.
    let result = match opts.provenance.as_ref().filter(|p| p.http.is_some()) {
        Some(p) => result.with_evidence(Evidence::Input {
            input: location.to_string(),
            message: p.describe(),
        }),
        None => result,
    };
    vec![result]
}

fn decide(a: &Analysis, id: CheckId, location: &str) -> CheckResult {
    let doc = &a.document;
    let quote = |f: &Field| Evidence::Text {
        document: location.to_string(),
        span: f.span,
        quote: securitytxt::text_at(&a.text, f.span)
            .map_or_else(|| format!("{}: {}", f.name, f.value), str::to_string),
    };
    let whole_input = |message: String| Evidence::Input {
        input: location.to_string(),
        message,
    };
    let req = &a.required;

    let failing: Vec<&securitytxt::Diagnostic> = a
        .diagnostics
        .iter()
        .filter(|d| securitytxt::codes::FAILING.contains(&d.code))
        .collect();
    if let (ExpiresStatus::Valid { field, utc_date }, true, None, true) = (
        &req.expires,
        req.met(),
        a.invalid_utf8_at,
        failing.is_empty(),
    ) {
        let (field, utc_date) = (*field, *utc_date);
        let n = req.valid_contacts.len();
        let mut summary = format!(
            "{n} Contact field{} and Expires {utc_date} ({})",
            if n == 1 { "" } else { "s" },
            doc.signed.describe()
        );
        let others: Vec<String> = a
            .diagnostics
            .iter()
            .filter(|d| d.severity <= Severity::Warning)
            .map(|d| match d.line {
                Some(l) => format!("{} line {l}", d.code),
                None => d.code.to_string(),
            })
            .collect();
        if !others.is_empty() {
            let shown = others
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            let more = others.len().saturating_sub(5);
            summary.push_str(&format!("; other findings: {shown}"));
            if more > 0 {
                summary.push_str(&format!(" and {more} more"));
            }
        }
        let mut result = CheckResult::new(id, Outcome::Pass, summary).with_input(location);
        for &i in req.valid_contacts.iter().take(MAX_QUOTES) {
            result = result.with_evidence(quote(&doc.fields[i]));
        }
        return result.with_evidence(quote(&doc.fields[field]));
    }

    let mut reasons = Vec::new();
    let mut evidence = Vec::new();
    if let Some(offset) = a.invalid_utf8_at {
        reasons.push(format!("not UTF-8 (invalid byte at offset {offset})"));
        let message = a
            .diagnostics
            .iter()
            .find(|d| d.code == securitytxt::codes::NOT_UTF8)
            .map_or_else(|| reasons[0].clone(), |d| d.message.clone());
        evidence.push(whole_input(message));
    }
    if req.valid_contacts.is_empty() {
        if req.invalid_contacts.is_empty() {
            reasons.push("no Contact field".to_string());
            evidence.push(whole_input(format!(
                "no Contact field in {} lines",
                doc.line_count
            )));
        } else {
            let n = req.invalid_contacts.len();
            reasons.push(format!(
                "no valid Contact ({n} Contact field{} without a URI)",
                if n == 1 { "" } else { "s" }
            ));
            for &i in req.invalid_contacts.iter().take(MAX_QUOTES) {
                evidence.push(quote(&doc.fields[i]));
            }
        }
    }
    match &req.expires {
        ExpiresStatus::Missing => {
            reasons.push("no Expires field".to_string());
            evidence.push(whole_input(format!(
                "no Expires field in {} lines",
                doc.line_count
            )));
        }
        ExpiresStatus::Multiple(all) => {
            let lines: Vec<String> = all
                .iter()
                .map(|&i| doc.fields[i].line.to_string())
                .collect();
            reasons.push(format!(
                "Expires appears {} times (lines {})",
                all.len(),
                lines.join(", ")
            ));
            for &i in all.iter().take(MAX_QUOTES) {
                evidence.push(quote(&doc.fields[i]));
            }
        }
        ExpiresStatus::Invalid(i) => {
            let f = &doc.fields[*i];
            reasons.push(if f.value.is_empty() {
                "Expires has no value".to_string()
            } else {
                format!("Expires {:?} is not an RFC 3339 date-time", f.value)
            });
            evidence.push(quote(f));
        }
        ExpiresStatus::Expired { field, utc_date } => {
            reasons.push(format!("Expires {utc_date} has passed"));
            evidence.push(quote(&doc.fields[*field]));
        }
        ExpiresStatus::Valid { .. } => {}
    }
    for d in failing {
        reasons.push(match d.code {
            securitytxt::codes::FETCHED_WITHOUT_HTTPS => "not fetched over HTTPS".to_string(),
            _ => doc.signed.describe(),
        });
        evidence.push(whole_input(d.message.clone()));
    }
    let mut result = CheckResult::new(id, Outcome::Fail, reasons.join("; ")).with_input(location);
    result.evidence = evidence;
    result
}
