//! `iotcheck docs security-txt FILE|URL`: a security.txt alone, read from a
//! file or fetched from a site (RFC 9116 §3), its signature optionally
//! verified with the vendor's key.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use iotcheck_docs::fetch::FetchOptions;
use iotcheck_docs::securitytxt::{Keyring, Limits, MAX_KEY_FILE_BYTES, locate};
use iotcheck_engine::{Assessment, Date, InputSpec, Options};
use iotcheck_model::InputKind;
use iotcheck_standards::Catalog;

use super::{OutputArgs, finish, usage};

#[derive(Args, Debug)]
pub(crate) struct SecurityTxtArgs {
    /// The security.txt: a file, or an http:// or https:// URL. For a bare origin
    /// (https://vendor.example) /.well-known/security.txt is fetched, else /security.txt;
    /// for an http:// URL HTTPS is tried first.
    #[arg(value_name = "FILE|URL")]
    source: String,
    /// Verify the OpenPGP signature with the public key(s) in FILE: ASCII-armored or binary,
    /// as `gpg --export [--armor]` writes them; one or several keys, with their subkeys.
    #[arg(long = "key", value_name = "FILE")]
    key: Option<PathBuf>,
    /// When fetching over HTTPS, also trust the CA certificates in FILE (PEM), e.g. a private
    /// CA. The built-in roots (Mozilla's) stay trusted; certificates are always verified.
    #[arg(long = "ca", value_name = "FILE")]
    ca: Option<PathBuf>,
    /// When fetching, give up after SECS seconds, redirects and body included [default: 15].
    #[arg(long = "timeout", value_name = "SECS")]
    timeout: Option<u64>,
    /// Decide expiry as of this date (YYYY-MM-DD) instead of today.
    #[arg(long = "as-of", value_name = "DATE")]
    as_of: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

pub(crate) const AFTER_HELP: &str = "Examples:\n  \
iotcheck docs security-txt security.txt\n  \
iotcheck docs security-txt security.txt --as-of 2026-01-01 --format json\n  \
iotcheck docs security-txt https://vendor.example\n  \
iotcheck docs security-txt https://vendor.example --key vendor-psirt.asc\n  \
iotcheck docs security-txt https://camera.lan/.well-known/security.txt --ca private-ca.pem --timeout 5\n\n\
With --key, a signature that does not verify with the key(s) given fails the check: the text was changed \
after signing, or another key signed it. Without --key a signed file is reported as \"signed, key not \
verified\" and judged as if unsigned (RFC 9116 makes the signature optional).\n\
A URL is the only thing that makes iotcheck use the network. The report names where the file was found, \
with the HTTP status and any redirects; a file found only over plain HTTP fails (RFC 9116 §3: HTTPS is \
required), and the Canonical field is checked against the URL it was fetched from. If the site cannot be \
reached, iotcheck says why (\"could not fetch https://…: connection refused\") and exits 3.\n\n\
Exit codes: 0 meets, 1 fails, 2 inconclusive, 3 usage or input error (including a file that could not \
be fetched), 4 internal error.";

pub(crate) fn is_url(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

pub(crate) fn run(args: SecurityTxtArgs, catalog: &Catalog) -> anyhow::Result<u8> {
    let mut assessment = Assessment::default();
    assessment.product.model = "unnamed device".into();
    let as_of = args
        .as_of
        .as_deref()
        .map(str::parse::<Date>)
        .transpose()
        .map_err(|e| usage(format!("--as-of: {e}")))?;
    if let Some(path) = &args.key {
        assessment.security_txt.keys = Some(read_keys(path)?);
    }
    // Holds the fetched bytes for the engine, which reads inputs from files.
    let mut _fetched_file = None;
    if is_url(&args.source) {
        let opts = FetchOptions {
            timeout: Duration::from_secs(args.timeout.unwrap_or(15).max(1)),
            extra_root_ca: args.ca.clone(),
            // Nothing larger is read as a security.txt: refuse it while fetching.
            max_bytes: Limits::default().max_bytes as u64,
            ..FetchOptions::default()
        };
        let found = locate(&args.source, &opts).map_err(|e| usage(e.to_string()))?;
        let mut file = tempfile::NamedTempFile::new()?;
        file.write_all(&found.body)?;
        file.flush()?;
        assessment.inputs.push(InputSpec {
            kind: InputKind::SecurityTxt,
            location: found.provenance.url.clone(),
            path: Some(file.path().to_path_buf()),
            problem: None,
        });
        assessment.security_txt.provenance = Some(found.provenance);
        _fetched_file = Some(file);
    } else {
        if args.ca.is_some() || args.timeout.is_some() {
            return Err(usage(format!(
                "--ca and --timeout apply when fetching a URL; {:?} is a file (give an http:// or https:// URL to fetch)",
                args.source
            )));
        }
        assessment.inputs.push(InputSpec::file(
            InputKind::SecurityTxt,
            PathBuf::from(&args.source),
        ));
    }
    finish(
        &assessment,
        catalog,
        &Options {
            as_of,
            regimes: Vec::new(),
        },
        &args.output,
        true,
    )
}

fn read_keys(path: &std::path::Path) -> anyhow::Result<Keyring> {
    let shown = path.display();
    let len = std::fs::metadata(path)
        .map_err(|e| usage(format!("--key {shown}: {e}")))?
        .len();
    if len > MAX_KEY_FILE_BYTES as u64 {
        return Err(usage(format!(
            "--key {shown}: {len} bytes, more than the {MAX_KEY_FILE_BYTES}-byte limit for a key file"
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| usage(format!("--key {shown}: {e}")))?;
    Keyring::from_bytes(&bytes).map_err(|e| usage(format!("--key {shown}: {e}")))
}
