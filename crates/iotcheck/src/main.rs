//! The iotcheck command line: argument parsing, progress and exit codes.
//! Everything else happens in `iotcheck-engine` and the crates below it.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a CLI prints

mod docs_cmd;
mod firmware_cmd;
mod probe_cmd;
mod security_txt_cmd;
mod standards_cmd;
mod vulns_cmd;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use iotcheck_engine::{Assessment, Date, InputSpec, Options, Progress, read_password_list, run};
use iotcheck_model::{InputKind, Verdict};
use iotcheck_report::{Format, RenderOptions, render};
use iotcheck_standards::Catalog;

/// Exit codes, so CI pipelines can gate on the verdict.
mod exit {
    pub const MEETS: u8 = 0;
    pub const FAILS: u8 = 1;
    pub const INCONCLUSIVE: u8 = 2;
    pub const USAGE_OR_INPUT: u8 = 3;
    pub const INTERNAL: u8 = 4;
}

#[derive(Parser, Debug)]
#[command(
    name = "iotcheck",
    version,
    about = "Does a connected device meet the minimum security standards? One command, with the evidence.",
    long_about = "iotcheck gathers evidence from packet captures, firmware images, the live device and the vendor's \
documents, and decides the five minimum security standards for connected devices (encrypted communications, \
security updates, strong passwords, vulnerability management, privacy practices), each verdict backed by evidence \
a person can verify.",
    after_help = "Exit codes: 0 meets, 1 fails, 2 inconclusive, 3 usage or input error, 4 internal error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Assess a device from a bundle directory and/or inputs given as flags.
    #[command(
        after_help = "Examples:\n  iotcheck assess examples/acme-cam\n  iotcheck assess examples/acme-cam --format html -o report.html\n  \
iotcheck assess --capture setup.pcapng --policy privacy.html --claims claims.toml --format json\n\n\
Exit codes: 0 meets, 1 fails, 2 inconclusive, 3 usage or input error (the report is still written when only some inputs \
were unusable), 4 internal error."
    )]
    Assess(Box<AssessArgs>),
    /// Analyse packet captures alone: the encrypted-communications checks and the device's flows.
    #[command(
        after_help = "Examples:\n  iotcheck traffic setup.pcapng --device 02:00:5e:10:00:0a\n  iotcheck traffic a.pcapng b.pcap.gz --device 192.0.2.10 --format json\n\n\
Without --device, the most active local host is taken to be the device, and the report says so.\n\
Exit codes: 0 meets, 1 fails, 2 inconclusive, 3 usage or input error, 4 internal error."
    )]
    Traffic(Box<TrafficArgs>),
    /// Analyse firmware images alone: accounts, keys, hard-coded credentials, update channel,
    /// and the inventory of named, versioned components (optionally as a CycloneDX SBOM).
    #[command(
        after_help = "Examples:\n  iotcheck firmware fw.bin\n  iotcheck firmware fw.bin --passwords mirai.txt --format json\n  \
iotcheck firmware fw.bin --sbom fw.cdx.json\n\n\
Images are unpacked in memory, never to disk unless --extract DIR is given. Containers are found at any \
offset: uImage, squashfs 4 (every compressor), tar, cpio (newc/odc), and gzip, xz, lzma, zstd, lz4 and bzip2 \
streams. Every branch is bounded by the --max-* limits; a bomb ends its branch with a note and the rest is \
still read. Bytes in no known format are mapped by entropy, so an encrypted image reads \"cannot be \
inspected\". Exit codes: 0 meets, 1 fails, 2 inconclusive, 3 usage or input error, 4 internal error."
    )]
    Firmware {
        /// Firmware images.
        #[arg(required = true, value_name = "IMAGE")]
        images: Vec<PathBuf>,
        /// Extra default passwords to try (one a line: `user:password`, `user password` or a password).
        #[arg(long = "passwords", value_name = "FILE")]
        passwords: Option<PathBuf>,
        /// Also write the components found as a CycloneDX 1.5 JSON SBOM to FILE.
        #[arg(long = "sbom", value_name = "FILE")]
        sbom: Option<PathBuf>,
        /// Vulnerability database to match the components against (default: the one
        /// `iotcheck vulns db import` writes, when it exists).
        #[arg(long = "vulns-db", value_name = "PATH")]
        vulns_db: Option<PathBuf>,
        #[command(flatten)]
        unpack: firmware_cmd::UnpackArgs,
        #[command(flatten)]
        output: OutputArgs,
        /// No progress on stderr.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Probe live devices alone: services, default credentials, TLS configuration.
    Probe(Box<probe_cmd::ProbeArgs>),
    /// Analyse the vendor's documents alone.
    Docs {
        #[command(subcommand)]
        command: DocsCommand,
    },
    /// List and show the standards, requirements, checks and regime mappings.
    Standards {
        #[command(subcommand)]
        command: standards_cmd::StandardsCommand,
    },
    /// Known vulnerabilities: the offline database and matching components against it.
    Vulns {
        #[command(subcommand)]
        command: vulns_cmd::VulnsCommand,
    },
    /// Print the JSON Schema of the report (docs/report.schema.json).
    Schema,
    /// Internal: extract a PDF's text (request on stdin, answer on stdout) under a memory limit.
    #[command(name = "__pdf-text", hide = true)]
    PdfText,
}

#[derive(Args, Debug)]
struct AssessArgs {
    /// A bundle directory with a device.toml (see docs/BUNDLE.md).
    bundle: Option<PathBuf>,
    /// Packet capture (pcap or pcapng, optionally gzip-compressed). Repeatable.
    #[arg(long = "capture", value_name = "FILE")]
    captures: Vec<PathBuf>,
    /// Firmware image. Repeatable.
    #[arg(long = "firmware", value_name = "FILE")]
    firmware: Vec<PathBuf>,
    /// The vendor's privacy policy (HTML, Markdown, text or PDF).
    #[arg(long = "policy", value_name = "FILE")]
    policy: Option<PathBuf>,
    /// The vendor's security.txt (RFC 9116).
    #[arg(long = "security-txt", value_name = "FILE")]
    security_txt: Option<PathBuf>,
    /// The vendor's vulnerability disclosure policy.
    #[arg(long = "disclosure-policy", value_name = "FILE")]
    disclosure_policy: Option<PathBuf>,
    /// A TOML file with [product], [claims] and [device] tables, as in device.toml.
    #[arg(long = "claims", value_name = "FILE")]
    claims: Option<PathBuf>,
    /// A live device to probe: an IP address or host name. Only hosts named here are ever contacted. Repeatable.
    #[arg(long = "host", value_name = "HOST")]
    hosts: Vec<String>,
    /// Extra default passwords to try against password hashes in firmware: one a line,
    /// `user:password`, `user password` or a bare password (e.g. the Mirai list).
    #[arg(long = "passwords", value_name = "FILE")]
    passwords: Option<PathBuf>,
    /// Vulnerability database to match the firmware's components against (see `iotcheck vulns db`).
    /// Default: the one `iotcheck vulns db import` writes ($IOTCHECK_DATA_DIR/vulns.sqlite, else
    /// $XDG_DATA_HOME/iotcheck/vulns.sqlite, else ~/.local/share/iotcheck/vulns.sqlite), when it exists.
    #[arg(long = "vulns-db", value_name = "PATH")]
    vulns_db: Option<PathBuf>,
    #[command(flatten)]
    unpack: firmware_cmd::UnpackArgs,
    /// Map verdicts onto only these regimes (default: all). Repeatable.
    #[arg(long = "standard", value_name = "REGIME", value_parser = regime_ids())]
    standards: Vec<String>,
    #[command(flatten)]
    output: OutputArgs,
    /// Decide date-dependent checks (support period, expiry dates) as of this date, YYYY-MM-DD.
    #[arg(long = "as-of", value_name = "DATE")]
    as_of: Option<String>,
    /// No progress on stderr.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Subcommand, Debug)]
enum DocsCommand {
    /// Validate a security.txt (RFC 9116) from a file or a site: Contact, Expires, every field,
    /// the signature (verified with --key), and for a URL where and how it was served.
    #[command(after_help = security_txt_cmd::AFTER_HELP)]
    SecurityTxt(Box<security_txt_cmd::SecurityTxtArgs>),
    /// Read a privacy policy (HTML, Markdown, text or PDF): practices stated, with the quoted sentences.
    #[command(
        after_help = "Decides the privacy-practices standard from the policy alone: marketing disclosed and an\n\
opt-out, data and account deletion, retention periods, change notification, third-party sharing,\n\
a privacy contact and readability. Each check quotes the sentences it rests on; a practice not\n\
found fails with \"not stated in the policy\" and quotes the closest sentences considered.\n\n\
A URL is the only thing that makes iotcheck use the network: the policy is fetched once (redirects\n\
followed, at most 16 MiB) and docs.policy-https says whether it came over HTTPS all the way.\n\n\
Examples:\n  iotcheck docs privacy-policy privacy.html\n  iotcheck docs privacy-policy policy.pdf --format json\n  \
iotcheck docs privacy-policy https://vendor.example/privacy\n\n\
Exit codes: 0 meets, 1 fails, 2 inconclusive, 3 usage or input error, 4 internal error."
    )]
    PrivacyPolicy {
        /// The policy: a file (.html, .md, .txt or .pdf; the format is told from the content
        /// first) or an http:// or https:// URL, fetched once; how it is served decides
        /// docs.policy-https.
        #[arg(value_name = "FILE|URL")]
        file: String,
        #[command(flatten)]
        fetch: FetchArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Read a vulnerability-disclosure policy: reporting contact, acknowledgement time, safe harbour, bounty.
    #[command(
        after_help = "Passes when the policy names a way to report vulnerabilities and says when reports are\n\
acknowledged (ETSI EN 303 645 5.2-1, UK PSTI); safe harbour, status updates and a bug bounty are\n\
reported too.\n\nExamples:\n  iotcheck docs disclosure-policy vdp.md\n  iotcheck docs disclosure-policy vdp.html --format json\n\n\
Exit codes: 0 meets, 1 fails, 2 inconclusive, 3 usage or input error, 4 internal error."
    )]
    DisclosurePolicy {
        /// The policy: a file (.html, .md, .txt or .pdf) or an http:// or https:// URL.
        #[arg(value_name = "FILE|URL")]
        file: String,
        #[command(flatten)]
        fetch: FetchArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Detect privacy practices in policy segments read as `id<TAB>text` lines on standard input.
    #[command(
        after_help = "Writes one JSON object per input line: {\"id\": \"…\", \"practices\": [...]}, with the practices\n\
detected in that segment, named marketing, opt-out, data-deletion, account-deletion, retention,\n\
change-notification, third-party-sharing, privacy-contact. Meant for measuring accuracy on any\n\
labelled set (docs/ACCURACY.md).\n\nExample:\n  printf 'a1\\tWe keep recordings for 30 days.\\n' | iotcheck docs classify"
    )]
    Classify(docs_cmd::ClassifyArgs),
}

#[derive(Args, Debug)]
struct TrafficArgs {
    /// Captures: pcap or pcapng, optionally gzip-compressed.
    #[arg(required = true, value_name = "FILE")]
    captures: Vec<PathBuf>,
    /// The device under test: a MAC (aa:bb:cc:dd:ee:ff) or an IP address. Repeatable.
    #[arg(long = "device", value_name = "MAC|IP")]
    device: Vec<String>,
    #[command(flatten)]
    output: OutputArgs,
    /// No progress on stderr.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct OutputArgs {
    /// Report format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Colour in text output: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Text,
    Json,
    Sarif,
    Md,
    Html,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Md => Format::Markdown,
            FormatArg::Html => Format::Html,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

fn regime_ids() -> clap::builder::PossibleValuesParser {
    let ids: Vec<String> = Catalog::builtin()
        .map(|c| c.regimes.iter().map(|r| r.id.clone()).collect())
        .unwrap_or_default();
    clap::builder::PossibleValuesParser::new(ids.into_iter().map(clap::builder::PossibleValue::new))
}

/// An error the user can act on (bad flag, bad bundle): exit code 3.
#[derive(Debug)]
struct UsageError(String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn main() -> ExitCode {
    // The PDF text helper (see `finish`): nothing else runs in it, not even
    // argument parsing, so its stdout carries only the answer.
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == "__pdf-text")
    {
        return iotcheck_docs::text::pdf_child_main();
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE_OR_INPUT
            } else {
                exit::MEETS
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("iotcheck: error: {e:#}");
            ExitCode::from(if e.downcast_ref::<UsageError>().is_some() {
                exit::USAGE_OR_INPUT
            } else {
                exit::INTERNAL
            })
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<u8> {
    let catalog =
        Catalog::builtin().context("the built-in catalog is invalid (a bug in this build)")?;
    match cli.command {
        Command::Assess(args) => assess(*args, &catalog),
        Command::Traffic(args) => traffic(*args, &catalog),
        Command::Probe(args) => probe_cmd::run(*args, &catalog),
        Command::Firmware {
            images,
            passwords,
            sbom,
            vulns_db,
            unpack,
            output,
            quiet,
        } => {
            let mut assessment = Assessment {
                firmware: unpack.options(),
                ..Assessment::default()
            };
            assessment.product.model = "unnamed device".into();
            assessment.inputs.extend(
                images
                    .into_iter()
                    .map(|p| InputSpec::file(InputKind::Firmware, p)),
            );
            if let Some(p) = &passwords {
                assessment.extra_passwords =
                    read_password_list(p).map_err(|e| usage(e.to_string()))?;
            }
            add_vulns_db(&mut assessment, vulns_db);
            let code = match sbom {
                None => finish(&assessment, &catalog, &Options::default(), &output, quiet),
                Some(sbom) => firmware_with_sbom(&assessment, &catalog, &output, quiet, &sbom),
            };
            firmware_cmd::say_where_kept(&assessment, quiet);
            code
        }
        Command::Docs {
            command: DocsCommand::SecurityTxt(args),
        } => security_txt_cmd::run(*args, &catalog),
        Command::Docs {
            command: DocsCommand::Classify(args),
        } => docs_cmd::classify(args),
        Command::Docs {
            command:
                DocsCommand::PrivacyPolicy {
                    file,
                    fetch,
                    output,
                },
        } => one_document(InputKind::PrivacyPolicy, &file, &fetch, &output, &catalog),
        Command::Docs {
            command:
                DocsCommand::DisclosurePolicy {
                    file,
                    fetch,
                    output,
                },
        } => one_document(
            InputKind::DisclosurePolicy,
            &file,
            &fetch,
            &output,
            &catalog,
        ),
        Command::Standards { command } => standards_cmd::run(command, &catalog),
        Command::Vulns { command } => vulns_cmd::run(command),
        Command::PdfText => Ok(match iotcheck_docs::text::pdf_child_main() {
            c if c == ExitCode::SUCCESS => exit::MEETS,
            _ => exit::INTERNAL,
        }),
        Command::Schema => {
            let mut out = serde_json::to_string_pretty(&iotcheck_model::report_schema())?;
            out.push('\n');
            std::io::stdout().write_all(out.as_bytes())?;
            Ok(exit::MEETS)
        }
    }
}

/// `iotcheck firmware --sbom FILE`: the report as `finish` writes it, then
/// the components of every image that could be read as a CycloneDX 1.5 SBOM.
fn firmware_with_sbom(
    assessment: &Assessment,
    catalog: &Catalog,
    output: &OutputArgs,
    quiet: bool,
    sbom: &std::path::Path,
) -> anyhow::Result<u8> {
    let show_progress = !quiet && std::io::stderr().is_terminal();
    let progress = move |p: Progress<'_>| {
        if !show_progress {
            return;
        }
        match p {
            Progress::Loading { input } => eprintln!("  reading   {input}"),
            Progress::Analyzing { analyzer, input } => eprintln!("  {analyzer:<9} {input} …"),
            Progress::Done { analyzer, input } => eprintln!("  {analyzer:<9} {input} done"),
        }
    };
    let outcome = run(assessment, catalog, &Options::default(), &progress);
    write_report(&outcome.report, output)?;
    let images: Vec<iotcheck_firmware::sbom::SbomImage> = outcome
        .report
        .inputs
        .iter()
        .filter(|i| i.kind == InputKind::Firmware && i.sha256.is_some())
        .map(|i| iotcheck_firmware::sbom::SbomImage {
            name: i.location.clone(),
            sha256: i.sha256.clone(),
        })
        .collect();
    if images.is_empty() {
        return Err(usage(format!(
            "--sbom {}: no firmware image could be read, so there is nothing to describe",
            sbom.display()
        )));
    }
    let json = iotcheck_firmware::sbom::cyclonedx_json(
        &images,
        &outcome.report.components,
        env!("CARGO_PKG_VERSION"),
    )
    .context("cannot write the SBOM (a bug in this build)")?;
    std::fs::write(sbom, json)
        .with_context(|| format!("cannot write the SBOM to {}", sbom.display()))
        .map_err(|e| usage(format!("{e:#}")))?;
    for err in &outcome.input_errors {
        eprintln!("iotcheck: error: {err}");
    }
    if !outcome.input_errors.is_empty() {
        return Ok(exit::USAGE_OR_INPUT);
    }
    Ok(match outcome.report.overall {
        Verdict::Meets | Verdict::NotApplicable => exit::MEETS,
        Verdict::Fails => exit::FAILS,
        Verdict::Inconclusive => exit::INCONCLUSIVE,
    })
}

/// How `docs privacy-policy URL` / `docs disclosure-policy URL` fetch.
#[derive(Debug, clap::Args)]
struct FetchArgs {
    /// When fetching over HTTPS, also trust the CA certificates in FILE (PEM), e.g. a
    /// private test CA. The system's roots are always trusted.
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,
    /// When fetching, give up after SECS seconds, redirects and body included [default: 15].
    #[arg(long, value_name = "SECS")]
    timeout: Option<u64>,
}

/// Most bytes a fetched policy may have (the text extractor's own cap is
/// larger; no real policy comes near this).
const MAX_POLICY_BYTES: u64 = 16 << 20;

/// `docs privacy-policy` / `docs disclosure-policy`: one document assessed
/// alone, read from a file or fetched from a URL.
fn one_document(
    kind: InputKind,
    source: &str,
    fetch: &FetchArgs,
    output: &OutputArgs,
    catalog: &Catalog,
) -> anyhow::Result<u8> {
    let mut assessment = Assessment::default();
    assessment.product.model = "unnamed device".into();
    // Holds the fetched bytes for the engine, which reads inputs from files.
    let mut _fetched_file = None;
    if security_txt_cmd::is_url(source) {
        let opts = iotcheck_docs::fetch::FetchOptions {
            timeout: std::time::Duration::from_secs(fetch.timeout.unwrap_or(15).max(1)),
            extra_root_ca: fetch.ca.clone(),
            max_bytes: MAX_POLICY_BYTES,
            ..Default::default()
        };
        let got = iotcheck_docs::fetch::fetch(source, &opts).map_err(|e| usage(e.to_string()))?;
        if !(200..300).contains(&got.status) {
            return Err(usage(format!(
                "{}: HTTP {} (no policy to read)",
                got.final_url, got.status
            )));
        }
        let mut file = tempfile::NamedTempFile::new()?;
        std::io::Write::write_all(&mut file, &got.body)?;
        let location = got.final_url.clone();
        assessment.inputs.push(InputSpec {
            kind,
            location: location.clone(),
            path: Some(file.path().to_path_buf()),
            problem: None,
        });
        assessment
            .policy_provenance
            .insert(location, got.provenance());
        _fetched_file = Some(file);
    } else {
        if fetch.ca.is_some() || fetch.timeout.is_some() {
            return Err(usage(format!(
                "--ca and --timeout apply when fetching a URL; {source:?} is a file (give an http:// or https:// URL to fetch)"
            )));
        }
        assessment
            .inputs
            .push(InputSpec::file(kind, PathBuf::from(source)));
    }
    finish(&assessment, catalog, &Options::default(), output, true)
}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

fn assess(args: AssessArgs, catalog: &Catalog) -> anyhow::Result<u8> {
    let mut assessment = match (&args.bundle, &args.claims) {
        (Some(dir), None) => {
            Assessment::from_bundle(dir, catalog).map_err(|e| usage(e.to_string()))?
        }
        (None, Some(file)) => {
            Assessment::from_claims_file(file, catalog).map_err(|e| usage(e.to_string()))?
        }
        (None, None) => Assessment::default(),
        (Some(_), Some(_)) => {
            return Err(usage(
                "give either a bundle (its device.toml holds the claims) or --claims, not both",
            ));
        }
    };
    let files = [
        (InputKind::Capture, args.captures.clone()),
        (InputKind::Firmware, args.firmware.clone()),
        (
            InputKind::PrivacyPolicy,
            args.policy.iter().cloned().collect(),
        ),
        (
            InputKind::SecurityTxt,
            args.security_txt.iter().cloned().collect(),
        ),
        (
            InputKind::DisclosurePolicy,
            args.disclosure_policy.iter().cloned().collect(),
        ),
    ];
    for (kind, paths) in files {
        assessment
            .inputs
            .extend(paths.into_iter().map(|p| InputSpec::file(kind, p)));
    }
    assessment
        .inputs
        .extend(args.hosts.iter().map(InputSpec::host));
    add_vulns_db(&mut assessment, args.vulns_db.clone());
    assessment.firmware = args.unpack.options();
    if assessment.inputs.is_empty() && assessment.claims.0.is_empty() {
        return Err(usage(
            "nothing to assess: give a bundle directory or at least one input (--capture, --firmware, --policy, --security-txt, --disclosure-policy, --host, --claims); see `iotcheck assess --help`",
        ));
    }
    if assessment.product.vendor.is_empty() && assessment.product.model.is_empty() {
        assessment.product.model = "unnamed device".into();
    }
    let as_of = args
        .as_of
        .as_deref()
        .map(str::parse::<Date>)
        .transpose()
        .map_err(|e| usage(format!("--as-of: {e}")))?;
    let options = Options {
        as_of,
        regimes: args.standards.clone(),
    };

    let code = finish(&assessment, catalog, &options, &args.output, args.quiet);
    firmware_cmd::say_where_kept(&assessment, args.quiet);
    code
}

/// Adds the vulnerability database as an input: the one given, else the
/// default one when it exists and there is firmware to match.
fn add_vulns_db(assessment: &mut Assessment, given: Option<PathBuf>) {
    let has_firmware = assessment
        .inputs
        .iter()
        .any(|i| i.kind == InputKind::Firmware);
    let db =
        given.or_else(|| iotcheck_vulns::default_path().filter(|p| has_firmware && p.is_file()));
    if let Some(db) = db {
        assessment
            .inputs
            .push(InputSpec::file(InputKind::VulnerabilityDb, db));
    }
}

fn traffic(args: TrafficArgs, catalog: &Catalog) -> anyhow::Result<u8> {
    let mut assessment = Assessment::default();
    assessment.product.model = "unnamed device".into();
    for d in &args.device {
        if let Ok(ip) = d.parse() {
            assessment.device.ip.push(ip);
        } else if iotcheck_traffic_mac(d) {
            assessment
                .device
                .mac
                .push(d.to_ascii_lowercase().replace('-', ":"));
        } else {
            return Err(usage(format!(
                "--device {d:?}: expected a MAC address (aa:bb:cc:dd:ee:ff) or an IP address"
            )));
        }
    }
    assessment.inputs.extend(
        args.captures
            .iter()
            .map(|p| InputSpec::file(InputKind::Capture, p)),
    );
    finish(
        &assessment,
        catalog,
        &Options::default(),
        &args.output,
        args.quiet,
    )
}

fn iotcheck_traffic_mac(s: &str) -> bool {
    let parts: Vec<&str> = s.split([':', '-']).collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Runs an assessment, writes its report and turns the outcome into an exit code.
fn finish(
    assessment: &Assessment,
    catalog: &Catalog,
    options: &Options,
    output: &OutputArgs,
    quiet: bool,
) -> anyhow::Result<u8> {
    let show_progress = !quiet && std::io::stderr().is_terminal();
    let progress = move |p: Progress<'_>| {
        if !show_progress {
            return;
        }
        match p {
            Progress::Loading { input } => eprintln!("  reading   {input}"),
            Progress::Analyzing { analyzer, input } => eprintln!("  {analyzer:<9} {input} …"),
            Progress::Done { analyzer, input } => eprintln!("  {analyzer:<9} {input} done"),
        }
    };
    // PDF text is extracted by this same executable, in a child process
    // under a memory limit and a timeout (`iotcheck __pdf-text`).
    let mut assessment = assessment.clone();
    if assessment.pdf_helper.is_none()
        && let Ok(exe) = std::env::current_exe()
    {
        assessment.pdf_helper = Some(iotcheck_docs::text::PdfHelper::new(exe, ["__pdf-text"]));
    }
    let outcome = run(&assessment, catalog, options, &progress);

    write_report(&outcome.report, output)?;
    for err in &outcome.input_errors {
        eprintln!("iotcheck: error: {err}");
    }
    if !outcome.input_errors.is_empty() {
        eprintln!(
            "iotcheck: {} input(s) could not be used; their checks are `error` and the affected requirements inconclusive",
            outcome.input_errors.len()
        );
        return Ok(exit::USAGE_OR_INPUT);
    }
    Ok(match outcome.report.overall {
        Verdict::Meets | Verdict::NotApplicable => exit::MEETS,
        Verdict::Fails => exit::FAILS,
        Verdict::Inconclusive => exit::INCONCLUSIVE,
    })
}

fn write_report(report: &iotcheck_model::Report, out: &OutputArgs) -> anyhow::Result<()> {
    let to_terminal = out.output.is_none() && std::io::stdout().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = match out.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => to_terminal && !no_color,
    };
    let bytes = render(report, out.format.into(), &RenderOptions { color });
    match &out.output {
        Some(path) => std::fs::write(path, bytes)
            .with_context(|| format!("cannot write report to {}", path.display()))
            .map_err(|e| usage(format!("{e:#}")))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            if let Err(e) = stdout.write_all(&bytes).and_then(|()| stdout.flush())
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(e.into());
            }
        }
    }
    Ok(())
}
