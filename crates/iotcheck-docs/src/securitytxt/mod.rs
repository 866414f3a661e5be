//! security.txt (RFC 9116): parse, validate, and the evidence behind the
//! `docs.security-txt-valid` check.
//!
//! Three steps, each usable alone:
//!
//! 1. [`analyze`] turns bytes into text (RFC 9116 §3 requires UTF-8; a
//!    byte-order mark is tolerated with a warning; invalid bytes are a
//!    `not-utf8` error at their byte offset and the rest is read lossily so
//!    other findings still show). Input larger than [`Limits::max_bytes`]
//!    or binary input is [`Unreadable`].
//! 2. [`parse`] splits the text into lines, separates an OpenPGP cleartext
//!    signature (see `armor.rs`: the framing is parsed by hand, the packets
//!    by rpgp too) and reads `Name: value` fields. Its [`Diagnostic`]s are
//!    about form: line endings, malformed lines, armor.
//! 3. [`verify_signature`], when the user gives keys ([`Keyring`]), checks
//!    the signature over exactly the signed lines the fields came from
//!    (see `verify.rs`) and turns [`SecurityTxt::signed`] into
//!    [`Signature::Verified`] or [`Signature::Bad`].
//! 4. [`validate`] judges the fields against RFC 9116 §2.5 and a date:
//!    required Contact and Expires, URIs, expiry, languages, Canonical, and
//!    where the file was fetched from (§3: HTTPS). Its diagnostics are
//!    returned separately; [`analyze_with`] runs all steps and merges them.
//!
//! Every [`Span`] is a character span (Unicode scalar values, end
//! exclusive) into the text the parser was given, byte-order mark
//! included; signed fields point into the original text, past any dash
//! escape.
//!
//! Diagnostic codes are stable and listed in [`codes::ALL`].

mod armor;
mod datetime;
mod lines;
mod locate;
mod packet;
mod uri;
mod validate;
mod verify;

use iotcheck_model::{Date, Span};

use crate::fetch::Provenance;

pub use datetime::{DateTime, DateTimeError};
pub use locate::{Found, LOCATIONS, LocateError, locate};
pub use packet::{HashAlgorithm, PublicKeyAlgorithm, SignaturePacket};
pub use validate::{ExpiresStatus, Required, validate};
pub use verify::{BadSignature, KeyError, KeyInfo, Keyring, MAX_KEY_FILE_BYTES, SignedBy};

/// Bounds on the work one document can cause. Beyond each, a diagnostic
/// is reported and the excess is not read; nothing panics or grows
/// without bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest document read, in bytes (default 1 MiB). [`analyze`] refuses
    /// larger input as [`Unreadable::TooLarge`]; [`parse_with_limits`]
    /// reads only this prefix and reports `too-large`.
    pub max_bytes: usize,
    /// Lines read (default 10 000; published files have tens). Later lines
    /// are reported once (`too-many-lines`) and ignored.
    pub max_lines: usize,
    /// Longest line parsed, in bytes (default 8 KiB). A longer line is
    /// reported (`line-too-long`) and not parsed.
    pub max_line_bytes: usize,
    /// Diagnostics kept (default 500); the rest are counted in one
    /// `too-many-diagnostics` note.
    pub max_diagnostics: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 1 << 20,
            max_lines: 10_000,
            max_line_bytes: 8 << 10,
            max_diagnostics: 500,
        }
    }
}

/// A parsed security.txt: the fields of the document (the signed text when
/// signed), what is known of the signature, and the parse diagnostics.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityTxt {
    /// Fields in document order.
    pub fields: Vec<Field>,
    pub signed: Signature,
    /// Diagnostics about the form of the document (not its content: see
    /// [`validate`]), in line order.
    pub diagnostics: Vec<Diagnostic>,
    /// Lines read (up to [`Limits::max_lines`]).
    pub line_count: usize,
    /// The text starts with a byte-order mark (U+FEFF, char 0).
    pub has_bom: bool,
    limits: Limits,
    /// The signed text and signature packets, when the armor is well-formed.
    material: Option<verify::SignedMaterial>,
}

impl SecurityTxt {
    /// The fields of one kind, in document order.
    pub fn fields_of(&self, kind: FieldKind) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(move |f| f.kind() == kind)
    }

    /// The limits this document was parsed with.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The text a signature covers, as OpenPGP hashes it (RFC 9580 §7.2:
    /// dash escapes removed, trailing blanks trimmed, lines joined with
    /// CRLF, no final line break), when the armor is well-formed.
    pub fn signed_text(&self) -> Option<&str> {
        self.material.as_ref().map(|m| m.text.as_str())
    }
}

/// One `Name: value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The name as written (case preserved, surrounding blanks removed).
    pub name: String,
    /// The value, surrounding spaces and tabs removed.
    pub value: String,
    /// 1-based line number in the document.
    pub line: usize,
    /// The last line of the field: after `line` only when an extension
    /// field's value is folded onto following lines.
    pub end_line: usize,
    /// From the first character of the name to the last of the value.
    pub span: Span,
    pub name_span: Span,
    /// The value's characters; for a folded value the span also covers
    /// the line breaks that unfolding removed from [`Field::value`].
    pub value_span: Span,
}

impl Field {
    pub fn kind(&self) -> FieldKind {
        FieldKind::from_name(&self.name)
    }
}

/// The fields RFC 9116 §2.5 and the IANA "security.txt Fields" registry
/// define (CSAF is registered by CSAF 2.0 §7.1.8); names match
/// case-insensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    Acknowledgments,
    Canonical,
    Contact,
    Csaf,
    Encryption,
    Expires,
    Hiring,
    Policy,
    PreferredLanguages,
    /// Any other name: an extension field (RFC 9116 §2.4), allowed.
    Extension,
}

impl FieldKind {
    const KNOWN: [FieldKind; 9] = [
        FieldKind::Acknowledgments,
        FieldKind::Canonical,
        FieldKind::Contact,
        FieldKind::Csaf,
        FieldKind::Encryption,
        FieldKind::Expires,
        FieldKind::Hiring,
        FieldKind::Policy,
        FieldKind::PreferredLanguages,
    ];

    pub fn from_name(name: &str) -> FieldKind {
        FieldKind::KNOWN
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(name))
            .unwrap_or(FieldKind::Extension)
    }

    /// The registered spelling (`Preferred-Languages`); `""` for extensions.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Acknowledgments => "Acknowledgments",
            FieldKind::Canonical => "Canonical",
            FieldKind::Contact => "Contact",
            FieldKind::Csaf => "CSAF",
            FieldKind::Encryption => "Encryption",
            FieldKind::Expires => "Expires",
            FieldKind::Hiring => "Hiring",
            FieldKind::Policy => "Policy",
            FieldKind::PreferredLanguages => "Preferred-Languages",
            FieldKind::Extension => "",
        }
    }
}

/// What is known of an OpenPGP cleartext signature (RFC 9116 §2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    Unsigned,
    /// Well-formed armor; the signature was not checked against any key
    /// (none was given, or a verifier cannot read it: then a
    /// `signature-unverifiable` diagnostic says why).
    SignedNotVerified {
        /// Values of the `Hash:` armor headers, e.g. `["SHA256"]`.
        armor_hashes: Vec<String>,
        /// The decoded first signature packet (issuer key id, hash, time).
        packet: Option<SignaturePacket>,
    },
    /// The signature verifies with one of the keys the user gave.
    Verified {
        armor_hashes: Vec<String>,
        packet: Option<SignaturePacket>,
        by: SignedBy,
    },
    /// Keys were given and the signature does not verify with them: the
    /// text was altered, or another key signed it. Evidence of tampering.
    Bad {
        armor_hashes: Vec<String>,
        packet: Option<SignaturePacket>,
        problem: BadSignature,
    },
    /// The armor is broken; the reason names the line. Fields of the
    /// signed text are still parsed.
    Malformed(String),
}

impl Signature {
    /// The decoded signature packet, for a well-formed signature.
    pub fn packet(&self) -> Option<&SignaturePacket> {
        match self {
            Signature::SignedNotVerified { packet, .. }
            | Signature::Verified { packet, .. }
            | Signature::Bad { packet, .. } => packet.as_ref(),
            Signature::Unsigned | Signature::Malformed(_) => None,
        }
    }

    /// Signed with well-formed armor (verified or not).
    pub fn is_signed(&self) -> bool {
        matches!(
            self,
            Signature::SignedNotVerified { .. }
                | Signature::Verified { .. }
                | Signature::Bad { .. }
        )
    }

    /// The issuer key id, when the signature packet shows one.
    pub fn key_id(&self) -> Option<&str> {
        self.packet().and_then(|p| p.issuer_key_id.as_deref())
    }

    /// One phrase for a summary: "unsigned", "signed, key not verified", …
    pub fn describe(&self) -> String {
        match self {
            Signature::Unsigned => "unsigned".into(),
            Signature::SignedNotVerified { .. } => match self.key_id() {
                Some(id) => format!("signed by key {id}, key not verified"),
                None => "signed, key not verified".into(),
            },
            Signature::Verified { by, .. } => {
                if by.fingerprint == by.primary.fingerprint {
                    format!("signature verified with key {}", by.primary)
                } else {
                    format!(
                        "signature verified with subkey {} of key {}",
                        by.fingerprint, by.primary
                    )
                }
            }
            Signature::Bad { problem, .. } => match problem {
                BadSignature::Altered { fingerprint, .. } => {
                    format!("signature does not verify with key {fingerprint}")
                }
                BadSignature::KeyNotValid {
                    fingerprint,
                    reason,
                } => {
                    format!("signed by key {fingerprint}, but {reason}")
                }
                BadSignature::UnknownKey { issuer, .. } => match issuer {
                    Some(i) => format!("signed by key {i}, not one of the keys given"),
                    None => "signed by a key that is not one of the keys given".into(),
                },
            },
            Signature::Malformed(_) => "signature armor malformed".into(),
        }
    }
}

/// How much a diagnostic matters. Only the required fields decide the
/// check's outcome (see the crate docs); severity ranks the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding about a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable kebab-case code, one of [`codes::ALL`].
    pub code: &'static str,
    pub severity: Severity,
    /// 1-based line, when the finding has one.
    pub line: Option<usize>,
    /// Character span of what is quoted, when there is one.
    pub span: Option<Span>,
    /// One sentence for a person, citing the rule.
    pub message: String,
}

/// The diagnostic codes. They are part of the output contract: never
/// renamed once published.
pub mod codes {
    /// The bytes are not UTF-8 (RFC 9116 §3); the message gives the offset.
    pub const NOT_UTF8: &str = "not-utf8";
    /// A UTF-8 byte-order mark precedes the text.
    pub const BYTE_ORDER_MARK: &str = "byte-order-mark";
    /// Both LF and CRLF line endings appear (both are allowed, §2.2).
    pub const MIXED_LINE_ENDINGS: &str = "mixed-line-endings";
    /// A bare CR ends a line; §2.2 allows only CRLF or LF.
    pub const BAD_LINE_ENDING: &str = "bad-line-ending";
    /// The text exceeds [`super::Limits::max_bytes`].
    pub const TOO_LARGE: &str = "too-large";
    /// The text exceeds [`super::Limits::max_lines`].
    pub const TOO_MANY_LINES: &str = "too-many-lines";
    /// A line exceeds [`super::Limits::max_line_bytes`] and was not parsed.
    pub const LINE_TOO_LONG: &str = "line-too-long";
    /// More diagnostics than [`super::Limits::max_diagnostics`].
    pub const TOO_MANY_DIAGNOSTICS: &str = "too-many-diagnostics";
    /// A line that is neither a field, a comment nor blank (§4 grammar).
    pub const INVALID_LINE: &str = "invalid-line";
    /// A field name with spaces or characters RFC 5322 §3.6.8 excludes.
    pub const INVALID_FIELD_NAME: &str = "invalid-field-name";
    /// The OpenPGP armor is broken or truncated (RFC 4880 §6–7).
    pub const SIGNATURE_MALFORMED: &str = "signature-malformed";
    /// The `Hash:` armor header disagrees with the signature packet.
    pub const SIGNATURE_HASH_MISMATCH: &str = "signature-hash-mismatch";
    /// A signed line starting with '-' is not dash-escaped (RFC 4880 §7.1).
    pub const DASH_NOT_ESCAPED: &str = "dash-not-escaped";
    /// Text before or after the signed message; ignored.
    pub const CONTENT_OUTSIDE_SIGNATURE: &str = "content-outside-signature";
    /// No Contact field (§2.5.3: MUST be present).
    pub const MISSING_CONTACT: &str = "missing-contact";
    /// No Expires field (§2.5.5: MUST be present).
    pub const MISSING_EXPIRES: &str = "missing-expires";
    /// Expires appears more than once (§2.5.5: MUST NOT).
    pub const MULTIPLE_EXPIRES: &str = "multiple-expires";
    /// Expires is not an RFC 3339 date-time.
    pub const INVALID_EXPIRES: &str = "invalid-expires";
    /// Expires is before the assessment date (§2.5.5, §5.3: stale file).
    pub const EXPIRES_IN_PAST: &str = "expires-in-past";
    /// Expires is more than a year after the assessment date (§2.5.5:
    /// RECOMMENDED less than a year).
    pub const EXPIRES_TOO_FAR: &str = "expires-too-far";
    /// Expires separates date and time with a space, which RFC 3339 §5.6
    /// allows only as an application choice; strict parsers reject it.
    pub const EXPIRES_SPACE_SEPARATOR: &str = "expires-space-separator";
    /// A defined field with an empty value.
    pub const EMPTY_VALUE: &str = "empty-value";
    /// A value that must be a URI is not one (RFC 3986 §3).
    pub const INVALID_URI: &str = "invalid-uri";
    /// An `http:` URI where §2.5 requires `https://` for web URIs.
    pub const INSECURE_URI_SCHEME: &str = "insecure-uri-scheme";
    /// A scheme this field does not usually carry.
    pub const UNCOMMON_URI_SCHEME: &str = "uncommon-uri-scheme";
    /// Encryption embeds a key (a `data:` URI); §2.5.4: keys MUST NOT
    /// appear in this field.
    pub const KEY_IN_FIELD: &str = "key-in-field";
    /// A field name RFC 9116 and the IANA registry do not define (§2.4
    /// allows them).
    pub const UNKNOWN_FIELD: &str = "unknown-field";
    /// Preferred-Languages appears more than once (§2.5.8: at most once).
    pub const FIELD_NOT_ALLOWED_TWICE: &str = "field-not-allowed-twice";
    /// A Preferred-Languages entry that is not an RFC 5646 language tag.
    pub const INVALID_LANGUAGE_TAG: &str = "invalid-language-tag";
    /// The file was fetched from a URI no Canonical field lists (§2.5.2).
    pub const CANONICAL_MISMATCH: &str = "canonical-mismatch";
    /// Signed without a Canonical field (§2.3: RECOMMENDED together).
    pub const SIGNED_WITHOUT_CANONICAL: &str = "signed-without-canonical";
    /// The armor is well-formed but a verifier cannot read or check the
    /// signature (unknown packet version or algorithm); nothing can be
    /// said about it either way.
    pub const SIGNATURE_UNVERIFIABLE: &str = "signature-unverifiable";
    /// The signature names one of the keys the user gave and does not
    /// verify with it: the signed text changed after signing (§2.3).
    /// Fails the check.
    pub const SIGNATURE_INVALID: &str = "signature-invalid";
    /// The signature was made by a key that is not among the keys the user
    /// gave. Fails the check.
    pub const SIGNATURE_UNKNOWN_KEY: &str = "signature-unknown-key";
    /// The signature verifies with a key the user gave, but that key is
    /// revoked or had expired when it signed. Fails the check.
    pub const SIGNATURE_KEY_NOT_VALID: &str = "signature-key-not-valid";
    /// Keys were given to verify with, but the file is not signed.
    pub const SIGNATURE_MISSING: &str = "signature-missing";
    /// The file was fetched over plain HTTP (§3: MUST be accessed over
    /// HTTPS), including through a redirect to an `http:` URL. Fails the
    /// check.
    pub const FETCHED_WITHOUT_HTTPS: &str = "fetched-without-https";
    /// Fetched with a `Content-Type` other than `text/plain;
    /// charset=utf-8` (§3): a warning for another media type or charset,
    /// a note when the charset is missing.
    pub const CONTENT_TYPE: &str = "content-type";

    /// Every code, for documentation and for the uniqueness test.
    pub const ALL: &[&str] = &[
        NOT_UTF8,
        BYTE_ORDER_MARK,
        MIXED_LINE_ENDINGS,
        BAD_LINE_ENDING,
        TOO_LARGE,
        TOO_MANY_LINES,
        LINE_TOO_LONG,
        TOO_MANY_DIAGNOSTICS,
        INVALID_LINE,
        INVALID_FIELD_NAME,
        SIGNATURE_MALFORMED,
        SIGNATURE_HASH_MISMATCH,
        DASH_NOT_ESCAPED,
        CONTENT_OUTSIDE_SIGNATURE,
        MISSING_CONTACT,
        MISSING_EXPIRES,
        MULTIPLE_EXPIRES,
        INVALID_EXPIRES,
        EXPIRES_IN_PAST,
        EXPIRES_TOO_FAR,
        EXPIRES_SPACE_SEPARATOR,
        EMPTY_VALUE,
        INVALID_URI,
        INSECURE_URI_SCHEME,
        UNCOMMON_URI_SCHEME,
        KEY_IN_FIELD,
        UNKNOWN_FIELD,
        FIELD_NOT_ALLOWED_TWICE,
        INVALID_LANGUAGE_TAG,
        CANONICAL_MISMATCH,
        SIGNED_WITHOUT_CANONICAL,
        SIGNATURE_UNVERIFIABLE,
        SIGNATURE_INVALID,
        SIGNATURE_UNKNOWN_KEY,
        SIGNATURE_KEY_NOT_VALID,
        SIGNATURE_MISSING,
        FETCHED_WITHOUT_HTTPS,
        CONTENT_TYPE,
    ];

    /// The findings that fail `docs.security-txt-valid` besides the
    /// required fields: evidence that the file is not the vendor's as
    /// published (a signature that does not verify with the vendor's key)
    /// or could have been changed on the way (plain HTTP).
    pub const FAILING: &[&str] = &[
        SIGNATURE_INVALID,
        SIGNATURE_UNKNOWN_KEY,
        SIGNATURE_KEY_NOT_VALID,
        FETCHED_WITHOUT_HTTPS,
    ];
}

/// A bounded diagnostics sink.
#[derive(Debug)]
pub(crate) struct Diags {
    list: Vec<Diagnostic>,
    max: usize,
    dropped: usize,
}

impl Diags {
    pub(crate) fn new(max: usize) -> Self {
        Diags {
            list: Vec::new(),
            max,
            dropped: 0,
        }
    }

    pub(crate) fn push(
        &mut self,
        code: &'static str,
        severity: Severity,
        line: Option<usize>,
        span: Option<Span>,
        message: impl Into<String>,
    ) {
        if self.list.len() < self.max {
            self.list.push(Diagnostic {
                code,
                severity,
                line,
                span,
                message: message.into(),
            });
        } else {
            self.dropped += 1;
        }
    }

    /// The diagnostics in line order (document-level ones first).
    pub(crate) fn finish(mut self) -> Vec<Diagnostic> {
        self.list.sort_by_key(|d| d.line.unwrap_or(0));
        if self.dropped > 0 {
            self.list.push(Diagnostic {
                code: codes::TOO_MANY_DIAGNOSTICS,
                severity: Severity::Info,
                line: None,
                span: None,
                message: format!(
                    "{} more diagnostics not shown (limit {})",
                    self.dropped, self.max
                ),
            });
        }
        self.list
    }
}

/// [`parse_with_limits`] with [`Limits::default`].
pub fn parse(text: &str) -> SecurityTxt {
    parse_with_limits(text, &Limits::default())
}

/// Parses a document. Never panics; work is linear in
/// `min(text.len(), limits.max_bytes)` and memory bounded by the limits.
pub fn parse_with_limits(text: &str, limits: &Limits) -> SecurityTxt {
    let mut diags = Diags::new(limits.max_diagnostics);
    let text = if text.len() > limits.max_bytes {
        let mut cut = limits.max_bytes;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        diags.push(
            codes::TOO_LARGE,
            Severity::Error,
            None,
            None,
            format!(
                "document is {} bytes; only the first {} were read",
                text.len(),
                limits.max_bytes
            ),
        );
        text.get(..cut).unwrap_or("")
    } else {
        text
    };
    let has_bom = text.starts_with('\u{feff}');
    if has_bom {
        diags.push(
            codes::BYTE_ORDER_MARK,
            Severity::Warning,
            Some(1),
            Some(Span { start: 0, end: 1 }),
            "the file starts with a byte-order mark (U+FEFF); some parsers read it as part of the first field name",
        );
    }
    let split = lines::split(
        text,
        if has_bom { '\u{feff}'.len_utf8() } else { 0 },
        limits.max_lines,
        limits.max_line_bytes,
    );
    if let Some(n) = split.stopped_at {
        diags.push(
            codes::TOO_MANY_LINES,
            Severity::Error,
            Some(n),
            None,
            format!(
                "more than {} lines; line {n} and later were not read",
                limits.max_lines
            ),
        );
    }
    line_endings(&split.lines, &mut diags);
    for l in split.lines.iter().filter(|l| l.view.too_long) {
        diags.push(
            codes::LINE_TOO_LONG,
            Severity::Error,
            Some(l.view.number),
            Some(l.view.full_span()),
            format!(
                "line {} is {} bytes, longer than the {}-byte limit; not parsed",
                l.view.number,
                l.view.text.len(),
                limits.max_line_bytes
            ),
        );
    }
    let framing = armor::frame(&split.lines, &mut diags);
    let fields = parse_fields(&framing.body, &mut diags);
    SecurityTxt {
        fields,
        signed: framing.signature,
        diagnostics: diags.finish(),
        line_count: split.lines.len(),
        has_bom,
        limits: limits.clone(),
        material: framing.material,
    }
}

/// Checks the signature of `doc` against `keys` (RFC 9116 §2.3) and
/// records the outcome in [`SecurityTxt::signed`]: [`Signature::Verified`]
/// or [`Signature::Bad`]. Returns the diagnostics: `signature-invalid` or
/// `signature-unknown-key` (errors that fail the check),
/// `signature-unverifiable`, or `signature-missing` for an unsigned file.
/// A malformed signature stays [`Signature::Malformed`] (already reported).
pub fn verify_signature(doc: &mut SecurityTxt, keys: &Keyring) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let (armor_hashes, packet) = match &doc.signed {
        Signature::Unsigned => {
            out.push(Diagnostic {
                code: codes::SIGNATURE_MISSING,
                severity: Severity::Warning,
                line: None,
                span: None,
                message: format!(
                    "a key was given to verify with ({}), but the file is not signed: its origin cannot be verified (RFC 9116 §2.3)",
                    keys.keys()
                        .iter()
                        .map(|k| k.fingerprint.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
            return out;
        }
        Signature::Malformed(_) => return out,
        Signature::SignedNotVerified {
            armor_hashes,
            packet,
        }
        | Signature::Verified {
            armor_hashes,
            packet,
            ..
        }
        | Signature::Bad {
            armor_hashes,
            packet,
            ..
        } => (armor_hashes.clone(), packet.clone()),
    };
    let Some(material) = &doc.material else {
        return out;
    };
    let (line, span) = material.signature_line;
    let lines = material.lines_phrase();
    // "lines 4–12 (dated 2026-11-25, SHA512)"
    let mut about = Vec::new();
    if let Some(p) = &packet {
        if let Some(t) = p.created {
            about.push(format!(
                "dated {}",
                Date::from_unix_days(i64::from(t).div_euclid(86_400))
            ));
        }
        if let Some(h) = p.hash_algorithm {
            about.push(h.to_string());
        }
    }
    let lines = if about.is_empty() {
        lines
    } else {
        format!("{lines} ({})", about.join(", "))
    };
    match verify::verify(material, keys) {
        verify::Verification::Good(by) => {
            doc.signed = Signature::Verified {
                armor_hashes,
                packet,
                by,
            };
        }
        verify::Verification::Bad(problem) => {
            let (code, message) = match &problem {
                BadSignature::Altered {
                    fingerprint,
                    reason,
                } => (
                    codes::SIGNATURE_INVALID,
                    format!(
                        "the signature over {lines} names key {fingerprint}, one of the keys given, and does not verify with it ({reason}): the signed text or the signature was changed after signing"
                    ),
                ),
                BadSignature::KeyNotValid {
                    fingerprint,
                    reason,
                } => (
                    codes::SIGNATURE_KEY_NOT_VALID,
                    format!(
                        "the signature over {lines} verifies with key {fingerprint}, one of the keys given, but {reason}: a revoked or expired key vouches for nothing"
                    ),
                ),
                BadSignature::UnknownKey { issuer, given } => (
                    codes::SIGNATURE_UNKNOWN_KEY,
                    format!(
                        "the signature over {lines} comes from key {}, which is not one of the keys given ({}): someone other than the holder of those keys signed this file",
                        issuer.as_deref().unwrap_or("(not named)"),
                        given.join(", ")
                    ),
                ),
            };
            out.push(Diagnostic {
                code,
                severity: Severity::Error,
                line: Some(line),
                span: Some(span),
                message,
            });
            doc.signed = Signature::Bad {
                armor_hashes,
                packet,
                problem,
            };
        }
        verify::Verification::Unverifiable(why) => {
            doc.signed = Signature::SignedNotVerified {
                armor_hashes,
                packet,
            };
            // A packet rpgp cannot read was reported when parsing.
            if material.signatures.is_ok() {
                out.push(Diagnostic {
                    code: codes::SIGNATURE_UNVERIFIABLE,
                    severity: Severity::Warning,
                    line: Some(line),
                    span: Some(span),
                    message: format!(
                        "the signature over {lines} cannot be checked with the keys given: {why}"
                    ),
                });
            }
        }
    }
    out
}

fn line_endings(lines: &[lines::Line<'_>], diags: &mut Diags) {
    use lines::Ending;
    let count = |e: Ending| lines.iter().filter(|l| l.ending == e).count();
    let (lf, crlf, cr) = (count(Ending::Lf), count(Ending::CrLf), count(Ending::Cr));
    if let Some(first) = lines.iter().find(|l| l.ending == Ending::Cr) {
        diags.push(
            codes::BAD_LINE_ENDING,
            Severity::Warning,
            Some(first.view.number),
            Some(first.view.full_span()),
            format!(
                "line {} ends with a bare CR ({cr} line{} in all); RFC 9116 §2.2 allows only CRLF or LF",
                first.view.number,
                if cr == 1 { "" } else { "s" }
            ),
        );
    }
    if lf > 0 && crlf > 0 {
        let first_ending = lines.first().map(|l| l.ending);
        let differs = lines.iter().find(|l| {
            matches!(l.ending, Ending::Lf | Ending::CrLf) && Some(l.ending) != first_ending
        });
        diags.push(
            codes::MIXED_LINE_ENDINGS,
            Severity::Info,
            differs.map(|l| l.view.number),
            differs.map(|l| l.view.full_span()),
            format!("{lf} lines end with LF and {crlf} with CRLF; both are allowed, mixing them suggests the file was pieced together"),
        );
    }
}

const BLANK: [char; 2] = [' ', '\t'];

/// Reads the fields of the body lines. A line that starts with a blank
/// right after an extension field continues its value: extension values
/// are RFC 5322 `unstructured` (RFC 9116 §4), which may be folded
/// (RFC 5322 §2.2.3). The values of the defined fields cannot be folded.
fn parse_fields(body: &[lines::LineView<'_>], diags: &mut Diags) -> Vec<Field> {
    let mut fields: Vec<Field> = Vec::new();
    // The field the previous line belonged to, and that line.
    let mut open: Option<(usize, lines::LineView<'_>)> = None;
    for view in body {
        if view.too_long {
            // Reported by the caller; it also ends any folded value.
            open = None;
            continue;
        }
        // Body lines can have gaps (a stray signature block is cut out):
        // folding only joins adjacent lines.
        if open.is_some_and(|(_, prev)| prev.number + 1 != view.number) {
            open = None;
        }
        let t = view.trimmed_end();
        let continuation = t.starts_with(BLANK) && !t.trim_start_matches(BLANK).is_empty();
        if let (true, Some((at, prev))) = (continuation, open) {
            let Some(f) = fields.get_mut(at) else {
                break;
            };
            if f.kind() == FieldKind::Extension {
                unfold(f, &prev, view);
                open = Some((at, *view));
            } else {
                let lead = t.len() - t.trim_start_matches(BLANK).len();
                diags.push(
                    codes::INVALID_LINE,
                    Severity::Error,
                    Some(view.number),
                    Some(view.span(lead, t.len())),
                    format!(
                        "line {} starts with a blank after the {} field on line {}: only extension fields may continue on a following line (RFC 5322 §2.2.3)",
                        view.number, f.name, f.line
                    ),
                );
                open = None;
            }
            continue;
        }
        open = parse_line(view, diags).map(|f| {
            fields.push(f);
            (fields.len() - 1, *view)
        });
    }
    fields
}

/// Appends a folded continuation line to an extension field's value:
/// unfolding removes the line break and keeps the blanks around it.
fn unfold(f: &mut Field, prev: &lines::LineView<'_>, view: &lines::LineView<'_>) {
    let t = view.trimmed_end();
    if f.value.is_empty() {
        let lead = t.len() - t.trim_start_matches(BLANK).len();
        f.value = t.get(lead..).unwrap_or("").to_string();
        f.value_span.start = view.span(lead, lead).start;
    } else {
        f.value
            .push_str(prev.text.get(prev.trimmed_end().len()..).unwrap_or(""));
        f.value.push_str(t);
    }
    let end = view.span(t.len(), t.len()).end;
    f.value_span.end = end;
    f.span.end = end;
    f.end_line = view.number;
}

fn parse_line(view: &lines::LineView<'_>, diags: &mut Diags) -> Option<Field> {
    let t = view.trimmed_end();
    let lead = t.len() - t.trim_start_matches(BLANK).len();
    let rest = t.get(lead..).unwrap_or("");
    if rest.is_empty() || rest.starts_with('#') {
        return None;
    }
    let invalid_line = |diags: &mut Diags, why: &str| {
        diags.push(
            codes::INVALID_LINE,
            Severity::Error,
            Some(view.number),
            Some(view.span(lead, t.len())),
            format!(
                "line {} is not a field, a comment or blank: {why}",
                view.number
            ),
        );
    };
    let Some(colon) = t.find(':') else {
        invalid_line(diags, "no ':' after a field name");
        return None;
    };
    let raw_name = t.get(..colon).unwrap_or("");
    let name = raw_name.trim_matches(BLANK);
    if name.is_empty() {
        invalid_line(diags, "no field name before ':'");
        return None;
    }
    let name_start = lead;
    let name_end = name_start + name.len();
    if raw_name.len() != name.len() || !name.bytes().all(|b| (33..=126).contains(&b)) {
        diags.push(
            codes::INVALID_FIELD_NAME,
            Severity::Warning,
            Some(view.number),
            Some(view.span(name_start, name_end)),
            format!(
                "field name {name:?} has spaces or characters a field name cannot have (RFC 5322 §3.6.8: printable ASCII, no spaces)"
            ),
        );
    }
    let raw_value = t.get(colon + 1..).unwrap_or("");
    let value = raw_value.trim_start_matches(BLANK);
    let value_start = colon + 1 + (raw_value.len() - value.len());
    Some(Field {
        name: name.to_string(),
        value: value.to_string(),
        line: view.number,
        end_line: view.number,
        span: view.span(name_start, t.len()),
        name_span: view.span(name_start, name_end),
        value_span: view.span(value_start, t.len()),
    })
}

/// Why the bytes could not be read as a document at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    #[error("{len} bytes, more than the {max}-byte limit for a security.txt")]
    TooLarge { len: usize, max: usize },
    #[error("binary data, not text: NUL byte at offset {offset}")]
    Binary { offset: usize },
}

/// Everything known about one document: its decoded text (the text spans
/// point into), the parsed document, and all diagnostics (decoding, parse
/// and validation) in line order.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// The decoded text; lossy (U+FFFD for invalid bytes) when a
    /// `not-utf8` diagnostic is present.
    pub text: String,
    pub document: SecurityTxt,
    pub diagnostics: Vec<Diagnostic>,
    /// How the required Contact and Expires fields came out.
    pub required: Required,
    /// Byte offset of the first invalid UTF-8 sequence, if any.
    pub invalid_utf8_at: Option<usize>,
    /// The date expiry was judged against.
    pub today: Date,
}

/// What is known about a document besides its bytes.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Where the bytes came from, when from the web: its URL is the one
    /// the Canonical field must list (§2.5.2) and must be `https:` (§3).
    pub provenance: Option<Provenance>,
    /// Keys to verify the signature with (§2.3), as the user gave them.
    pub keys: Option<Keyring>,
    pub limits: Limits,
}

/// Decodes, parses and validates a document's bytes.
///
/// `fetched_from` is the URI the file was retrieved from, when known, for
/// the Canonical check (§2.5.2). [`analyze_with`] also verifies the
/// signature.
pub fn analyze(
    bytes: &[u8],
    today: Date,
    fetched_from: Option<&str>,
    limits: &Limits,
) -> Result<Analysis, Unreadable> {
    analyze_with(
        bytes,
        today,
        &Options {
            provenance: fetched_from.map(Provenance::url_only),
            keys: None,
            limits: limits.clone(),
        },
    )
}

/// Decodes, parses, verifies (when keys are given) and validates a
/// document's bytes.
pub fn analyze_with(bytes: &[u8], today: Date, opts: &Options) -> Result<Analysis, Unreadable> {
    let limits = &opts.limits;
    if bytes.len() > limits.max_bytes {
        return Err(Unreadable::TooLarge {
            len: bytes.len(),
            max: limits.max_bytes,
        });
    }
    let (text, invalid_at) = match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), None),
        Err(e) => {
            let utf16 = bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]);
            if !utf16 && let Some(offset) = bytes.iter().position(|&b| b == 0) {
                return Err(Unreadable::Binary { offset });
            }
            (
                String::from_utf8_lossy(bytes).into_owned(),
                Some((e.valid_up_to(), utf16)),
            )
        }
    };
    let mut document = parse_with_limits(&text, limits);
    let mut diagnostics = Vec::new();
    if let Some((offset, utf16)) = invalid_at {
        let valid = bytes.get(..offset).unwrap_or(&[]);
        // The valid prefix decodes identically in the lossy text.
        let prefix = std::str::from_utf8(valid).unwrap_or("");
        let char_at = prefix.chars().count();
        let line = 1 + line_breaks(prefix);
        let byte = bytes.get(offset).copied().unwrap_or(0);
        diagnostics.push(Diagnostic {
            code: codes::NOT_UTF8,
            severity: Severity::Error,
            line: Some(line),
            span: Some(Span {
                start: char_at,
                end: char_at + 1,
            }),
            message: if utf16 {
                "the file is UTF-16 (it starts with a UTF-16 byte-order mark); RFC 9116 §3 requires UTF-8".to_string()
            } else {
                format!(
                    "invalid UTF-8: byte {byte:#04x} at byte offset {offset} (line {line}); RFC 9116 §3 requires UTF-8"
                )
            },
        });
    }
    diagnostics.extend(document.diagnostics.iter().cloned());
    if let Some(keys) = &opts.keys {
        diagnostics.extend(verify_signature(&mut document, keys));
    }
    let (content, required) = validate::assess(&document, today, opts.provenance.as_ref());
    diagnostics.extend(content);
    diagnostics.sort_by_key(|d| d.line.unwrap_or(0));
    Ok(Analysis {
        text,
        document,
        diagnostics,
        required,
        invalid_utf8_at: invalid_at.map(|(o, _)| o),
        today,
    })
}

/// Line terminators in `s`, counted as [`lines`] splits (LF, CRLF, bare CR).
fn line_breaks(s: &str) -> usize {
    let b = s.as_bytes();
    b.iter()
        .enumerate()
        .filter(|&(i, &c)| c == b'\n' || (c == b'\r' && b.get(i + 1) != Some(&b'\n')))
        .count()
}

/// The characters of `text` inside `span`, or `None` if the span is out
/// of range. Evidence quotes are made with this.
pub fn text_at(text: &str, span: Span) -> Option<&str> {
    if span.start > span.end {
        return None;
    }
    let mut idx = text.char_indices().map(|(i, _)| i).chain([text.len()]);
    let start = idx.nth(span.start)?;
    let end = if span.end == span.start {
        start
    } else {
        idx.nth(span.end - span.start - 1)?
    };
    text.get(start..end)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn text_at_counts_chars() {
        let t = "aé😀b";
        assert_eq!(text_at(t, Span { start: 1, end: 3 }), Some("é😀"));
        assert_eq!(text_at(t, Span { start: 4, end: 4 }), Some(""));
        assert_eq!(text_at(t, Span { start: 0, end: 4 }), Some(t));
        assert_eq!(text_at(t, Span { start: 3, end: 5 }), None);
    }

    #[test]
    fn field_spans_skip_blanks() {
        let doc = parse("  Contact :\tmailto:a@b.c  \n");
        let f = &doc.fields[0];
        assert_eq!(
            (f.name.as_str(), f.value.as_str()),
            ("Contact", "mailto:a@b.c")
        );
        let text = "  Contact :\tmailto:a@b.c  \n";
        assert_eq!(text_at(text, f.name_span), Some("Contact"));
        assert_eq!(text_at(text, f.value_span), Some("mailto:a@b.c"));
        assert_eq!(text_at(text, f.span), Some("Contact :\tmailto:a@b.c"));
        assert_eq!(doc.diagnostics[0].code, codes::INVALID_FIELD_NAME);
    }
}
