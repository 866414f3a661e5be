//! `iotcheck vulns …`: the local vulnerability database and matching.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use iotcheck_engine::Date;
use iotcheck_vulns::db::ImportProgress;
use iotcheck_vulns::{Database, Match, default_path, match_components};
use serde_json::json;

use crate::{exit, usage};

#[derive(Subcommand, Debug)]
pub(crate) enum VulnsCommand {
    /// Manage the local vulnerability database (import, status, update).
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Which known vulnerabilities affect a component version, or every component of an SBOM.
    #[command(
        after_help = "Examples:\n  iotcheck vulns match dnsmasq 2.77\n  iotcheck vulns match openssl 1.0.2g --format json\n  \
iotcheck vulns match --sbom firmware.cdx.json\n\n\
Names go through iotcheck's component identity table (busybox, openssl, dropbear, dnsmasq, …; aliases such as \
dropbear_ssh, libcurl, linux_kernel work too). Versions may carry distribution revisions (2.80-16.3, 1:2.80-1).\n\
Exit codes: 0 no known vulnerability, 1 vulnerabilities found, 3 usage or input error (no database, bad version)."
    )]
    Match(MatchArgs),
}

#[derive(Subcommand, Debug)]
pub(crate) enum DbCommand {
    /// Import vulnerability data files or directory trees.
    #[command(
        after_help = "Formats, recognised by content: CVE JSON 5 records (one per file, arrays, or the cvelistV5 \
tree), NVD API 2.0 responses and feed files, OSV records (single or arrays), the CISA Known Exploited \
Vulnerabilities catalog (known_exploited_vulnerabilities.json). Files may be gzip-compressed (*.json.gz). \
Directories are walked for *.json and *.json.gz (symlinks inside are not followed).\n\n\
Malformed records are skipped and counted; a file that cannot be read is reported and the others imported. \
An import lands whole or not at all; importing a record again replaces it.\n\n\
Examples:\n  iotcheck vulns db import cvelistV5/cves known_exploited_vulnerabilities.json\n  \
IOTCHECK_DATA_DIR=/tmp/db iotcheck vulns db import nvdcve-2.0-2024.json.gz\n\n\
Exit codes: 0 all files imported, 3 some files could not be read (the rest were imported) or usage error."
    )]
    Import {
        /// Files and directories to import.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        db: DbArg,
        /// No progress on stderr.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Counts per source, the newest record and the import log.
    Status {
        #[command(flatten)]
        db: DbArg,
        #[arg(long, value_enum, default_value_t = OutFormat::Text)]
        format: OutFormat,
    },
    /// Download the official feeds (NVD API 2.0 and CISA KEV) with curl and import them. Needs the network.
    #[command(
        after_help = "Downloads into <data dir>/feeds/ with the system's curl, then imports. NVD limits clients \
without an API key to 5 requests in 30 seconds; a full download is about 150 pages (≈ 15 minutes). \
Pass --nvd-api-key (or NVD_API_KEY) to go faster, or --kev-only for the KEV catalog alone. \
Offline, it stops with the reason curl gave; import files by hand with `iotcheck vulns db import` instead, \
or point --nvd-url and --kev-url at a mirror inside the offline network."
    )]
    Update {
        #[command(flatten)]
        db: DbArg,
        /// Only the CISA KEV catalog.
        #[arg(long)]
        kev_only: bool,
        /// NVD API key (also read from NVD_API_KEY).
        #[arg(long, env = "NVD_API_KEY", hide_env_values = true)]
        nvd_api_key: Option<String>,
        /// Where the NVD CVE API 2.0 answers: a mirror inside an offline network. Pages are
        /// asked for with `?startIndex=N&resultsPerPage=2000` appended.
        #[arg(long, value_name = "URL", default_value = NVD_URL)]
        nvd_url: String,
        /// Where the CISA KEV catalog (JSON) is: a mirror inside an offline network.
        #[arg(long, value_name = "URL", default_value = KEV_URL)]
        kev_url: String,
        /// No progress on stderr.
        #[arg(short, long)]
        quiet: bool,
    },
}

#[derive(Args, Debug)]
pub(crate) struct DbArg {
    /// The database file. Default: $IOTCHECK_DATA_DIR/vulns.sqlite, else $XDG_DATA_HOME/iotcheck/vulns.sqlite, else ~/.local/share/iotcheck/vulns.sqlite.
    #[arg(long = "db", value_name = "PATH")]
    db: Option<PathBuf>,
}

impl DbArg {
    pub(crate) fn path(&self) -> anyhow::Result<PathBuf> {
        self.db.clone().or_else(default_path).ok_or_else(|| {
            usage("no database location: give --db PATH or set IOTCHECK_DATA_DIR (HOME is not set either)")
        })
    }
}

#[derive(Args, Debug)]
pub(crate) struct MatchArgs {
    /// Component name (e.g. busybox, openssl, dnsmasq).
    #[arg(
        value_name = "NAME",
        required_unless_present = "sbom",
        requires = "version"
    )]
    name: Option<String>,
    /// Component version (e.g. 1.28.2, 1.0.2k, 2.80-16.3).
    #[arg(value_name = "VERSION")]
    version: Option<String>,
    /// Match every versioned component of a CycloneDX JSON SBOM instead.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["name", "version"])]
    sbom: Option<PathBuf>,
    #[command(flatten)]
    db: DbArg,
    #[arg(long, value_enum, default_value_t = OutFormat::Text)]
    format: OutFormat,
    /// Compute fix ages as of this date (YYYY-MM-DD) instead of today.
    #[arg(long = "as-of", value_name = "DATE")]
    as_of: Option<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum OutFormat {
    Text,
    Json,
}

pub(crate) fn run(cmd: VulnsCommand) -> anyhow::Result<u8> {
    match cmd {
        VulnsCommand::Db {
            command: DbCommand::Import { paths, db, quiet },
        } => import(&db.path()?, &paths, quiet),
        VulnsCommand::Db {
            command: DbCommand::Status { db, format },
        } => status(&db.path()?, format),
        VulnsCommand::Db {
            command:
                DbCommand::Update {
                    db,
                    kev_only,
                    nvd_api_key,
                    nvd_url,
                    kev_url,
                    quiet,
                },
        } => update(
            &db.path()?,
            &Feeds {
                nvd: &nvd_url,
                kev: &kev_url,
                kev_only,
                key: nvd_api_key.as_deref(),
            },
            quiet,
        ),
        VulnsCommand::Match(args) => match_cmd(&args),
    }
}

fn import(path: &Path, paths: &[PathBuf], quiet: bool) -> anyhow::Result<u8> {
    let show = !quiet && std::io::stderr().is_terminal();
    let mut db = Database::create(path).map_err(|e| usage(e.to_string()))?;
    let started = std::time::Instant::now();
    let progress = move |p: ImportProgress<'_>| {
        if show {
            let ImportProgress::File { path, done, total } = p;
            eprint!("\r  importing {done}/{total} {:<60.60}", path);
        }
    };
    let s = db
        .import(paths, &progress)
        .map_err(|e| usage(e.to_string()))?;
    if show {
        eprintln!();
    }
    let records: usize = s.records.values().sum();
    let per: Vec<String> = s.records.iter().map(|(k, v)| format!("{v} {k}")).collect();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}: imported {records} record{} ({}) with {} affected ranges, {} KEV entr{}, from {} file{} in {:.1} s",
        path.display(),
        if records == 1 { "" } else { "s" },
        if per.is_empty() {
            "none".to_string()
        } else {
            per.join(", ")
        },
        s.affected_ranges,
        s.kev,
        if s.kev == 1 { "y" } else { "ies" },
        s.files,
        if s.files == 1 { "" } else { "s" },
        started.elapsed().as_secs_f64()
    )?;
    if s.dropped_ranges > 0 {
        writeln!(
            out,
            "skipped {} affected range{} that were impossible (start above end), unbounded or not versions",
            s.dropped_ranges,
            if s.dropped_ranges == 1 { "" } else { "s" }
        )?;
    }
    if s.skipped > 0 {
        writeln!(
            out,
            "skipped {} malformed record{}:",
            s.skipped,
            if s.skipped == 1 { "" } else { "s" }
        )?;
        for e in &s.skipped_examples {
            writeln!(out, "  {e}")?;
        }
        if s.skipped > s.skipped_examples.len() {
            writeln!(out, "  … {} more", s.skipped - s.skipped_examples.len())?;
        }
    }
    for e in &s.file_errors {
        eprintln!("iotcheck: error: {}: {}", e.path, e.message);
    }
    Ok(if s.file_errors.is_empty() {
        exit::MEETS
    } else {
        exit::USAGE_OR_INPUT
    })
}

fn status(path: &Path, format: OutFormat) -> anyhow::Result<u8> {
    let db = Database::open(path).map_err(|e| usage(e.to_string()))?;
    let st = db.status().map_err(|e| usage(e.to_string()))?;
    let text = match format {
        OutFormat::Json => {
            let v = json!({
                "path": st.path,
                "bytes": st.bytes,
                "sources": st.sources.iter().map(|s| json!({
                    "source": s.source,
                    "records": s.records,
                    "affected_ranges": s.affected_ranges,
                    "newest_published": s.newest_published,
                    "newest_modified": s.newest_modified,
                })).collect::<Vec<_>>(),
                "kev": { "entries": st.kev, "newest_added": st.kev_newest },
                "recent_imports": st.imports.iter().map(|(at, p, f, n)| json!({"date": at, "path": p, "format": f, "records": n})).collect::<Vec<_>>(),
            });
            serde_json::to_string_pretty(&v)? + "\n"
        }
        OutFormat::Text => {
            let mut s = format!("{} ({:.1} MB)\n", st.path, st.bytes as f64 / 1e6);
            if st.sources.is_empty() && st.kev == 0 {
                s.push_str("  empty: import files with `iotcheck vulns db import PATH…`\n");
            }
            for src in &st.sources {
                s.push_str(&format!(
                    "  {:<4} {:>8} records {:>9} ranges  newest published {}  modified {}\n",
                    src.source,
                    src.records,
                    src.affected_ranges,
                    src.newest_published.as_deref().unwrap_or("-"),
                    src.newest_modified.as_deref().unwrap_or("-")
                ));
            }
            s.push_str(&format!(
                "  kev  {:>8} entries  newest added {}\n",
                st.kev,
                st.kev_newest.as_deref().unwrap_or("-")
            ));
            if !st.imports.is_empty() {
                s.push_str("recent imports:\n");
                for (at, p, f, n) in &st.imports {
                    s.push_str(&format!("  {at} {f:<4} {n:>7}  {p}\n"));
                }
            }
            s
        }
    };
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(exit::MEETS)
}

/// One match as `vulns match --format json` writes it. Serialized
/// straight from borrowed fields (no intermediate `Value` tree: a large
/// SBOM writes tens of megabytes). Keys in alphabetical order, the order
/// the output has always had.
#[derive(serde::Serialize)]
struct MatchOut<'a> {
    affected: &'a str,
    confidence: &'static str,
    cve: &'a str,
    cvss: Option<CvssOut<'a>>,
    fix_age_days: Option<i64>,
    fixed: Option<&'a str>,
    kev: Option<KevOut<'a>>,
    known_exploited: bool,
    published: Option<&'a str>,
    severity: Option<&'static str>,
    sources: &'a [&'static str],
    summary: &'a str,
}

#[derive(serde::Serialize)]
struct CvssOut<'a> {
    score: f64,
    vector: &'a str,
    version: &'a str,
}

#[derive(serde::Serialize)]
struct KevOut<'a> {
    date_added: &'a Option<String>,
    due_date: &'a Option<String>,
    ransomware: bool,
}

#[derive(serde::Serialize)]
struct ComponentOut<'a> {
    declared_name: &'a str,
    name: &'a str,
    version: &'a str,
    vulnerabilities: Vec<MatchOut<'a>>,
}

fn match_out(m: &Match) -> MatchOut<'_> {
    MatchOut {
        affected: &m.affected,
        confidence: m.confidence.as_str(),
        cve: &m.cve,
        cvss: m.cvss.as_ref().map(|c| CvssOut {
            score: c.score,
            vector: &c.vector,
            version: &c.version,
        }),
        fix_age_days: m.fix_age_days,
        fixed: m.fixed.as_deref(),
        kev: m.kev.as_ref().map(|k| KevOut {
            date_added: &k.date_added,
            due_date: &k.due_date,
            ransomware: k.ransomware,
        }),
        known_exploited: m.kev.is_some(),
        published: m.published.as_deref(),
        severity: m.severity.map(|s| s.as_str()),
        sources: &m.sources,
        summary: &m.summary,
    }
}

fn match_cmd(args: &MatchArgs) -> anyhow::Result<u8> {
    let today = match &args.as_of {
        Some(d) => d
            .parse::<Date>()
            .map_err(|e| usage(format!("--as-of: {e}")))?,
        None => Date::today(),
    };
    let path = args.db.path()?;
    let db = Database::open(&path).map_err(|e| usage(e.to_string()))?;
    db.snapshot().map_err(|e| usage(e.to_string()))?;
    let wanted: Vec<(String, String, String)> = match (&args.sbom, &args.name, &args.version) {
        (Some(sbom), _, _) => iotcheck_vulns::sbom::read(sbom)
            .map_err(|e| usage(format!("{}: {e}", sbom.display())))?
            .into_iter()
            .map(|c| (c.name, c.version, c.declared))
            .collect(),
        (None, Some(n), Some(v)) => vec![(n.clone(), v.clone(), n.clone())],
        _ => return Err(usage("give NAME VERSION or --sbom FILE")),
    };
    // Written component by component: an old kernel can match thousands of
    // records, and a thousand-component SBOM must not be held in memory twice.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let result = write_matches(&mut out, &db, &wanted, today, args, &path);
    let flushed = result.and_then(|found| out.flush().map(|()| found).map_err(Into::into));
    match flushed {
        Ok(found) => Ok(if found > 0 { exit::FAILS } else { exit::MEETS }),
        Err(e) => match e.downcast_ref::<std::io::Error>() {
            Some(io) if io.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit::MEETS),
            _ => Err(e),
        },
    }
}

fn write_matches(
    out: &mut impl Write,
    db: &Database,
    wanted: &[(String, String, String)],
    today: Date,
    args: &MatchArgs,
    path: &Path,
) -> anyhow::Result<usize> {
    let mut found = 0usize;
    let mut errors = Vec::new();
    let json = matches!(args.format, OutFormat::Json);
    if json {
        write!(
            out,
            "{{\n  \"database\": {},\n  \"as_of\": \"{today}\",\n  \"components\": [",
            serde_json::to_string(&path.display().to_string())?
        )?;
    }
    let mut first = true;
    // Matched a chunk at a time (on every core, see `match_components`) and
    // written before the next: an old kernel can match thousands of records.
    let chunks = wanted.chunks(256).flat_map(|chunk| {
        let pairs: Vec<(String, String)> = chunk
            .iter()
            .map(|(n, v, _)| (n.clone(), v.clone()))
            .collect();
        chunk.iter().zip(match_components(db, &pairs, today))
    });
    for ((name, version, declared), matched) in chunks {
        let ms = match matched {
            Ok(ms) => ms,
            Err(iotcheck_vulns::MatchError::Db(e)) => return Err(usage(e.to_string())),
            Err(e) => {
                if args.sbom.is_none() {
                    return Err(usage(e.to_string()));
                }
                errors.push(format!("{declared} {version}: {e}"));
                continue;
            }
        };
        found += ms.len();
        if json {
            let v = ComponentOut {
                declared_name: declared,
                name,
                version,
                vulnerabilities: ms.iter().map(match_out).collect(),
            };
            write!(out, "{}\n    ", if first { "" } else { "," })?;
            serde_json::to_writer(&mut *out, &v)?;
            first = false;
            continue;
        }
        if ms.is_empty() {
            writeln!(
                out,
                "{name} {version}: no known vulnerability in {}",
                path.display()
            )?;
            continue;
        }
        writeln!(
            out,
            "{name} {version}: {} known vulnerabilit{}",
            ms.len(),
            if ms.len() == 1 { "y" } else { "ies" }
        )?;
        for m in &ms {
            let rating = match (&m.cvss, m.severity) {
                (Some(c), Some(sev)) => format!("{:.1} {}", c.score, sev.as_str()),
                (None, Some(sev)) => sev.as_str().to_string(),
                _ => "unrated".to_string(),
            };
            writeln!(
                out,
                "  {:<16} {:<13} {}{}  affected {}{}  published {}  {} confidence",
                m.cve,
                rating,
                if m.kev.is_some() { "KEV  " } else { "" },
                m.sources.join("+"),
                m.affected,
                m.fixed
                    .as_deref()
                    .map(|f| format!(", fixed in {f}"))
                    .unwrap_or_default(),
                m.published.as_deref().unwrap_or("-"),
                m.confidence.as_str(),
            )?;
            if !m.summary.is_empty() {
                writeln!(out, "      {}", m.summary)?;
            }
        }
    }
    if json {
        writeln!(
            out,
            "\n  ],\n  \"not_compared\": {}\n}}",
            serde_json::to_string(&errors)?
        )?;
    } else {
        for e in &errors {
            writeln!(out, "not compared: {e}")?;
        }
    }
    Ok(found)
}

const KEV_URL: &str =
    "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";
const NVD_URL: &str = "https://services.nvd.nist.gov/rest/json/cves/2.0";
const NVD_PAGE: usize = 2000;

/// Fetches one URL to a file with the system's curl; the error names the
/// URL and curl's reason.
fn curl(url: &str, to: &Path, header: Option<&str>) -> anyhow::Result<()> {
    let mut cmd = std::process::Command::new("curl");
    cmd.args([
        "--fail",
        "--silent",
        "--show-error",
        "--location",
        "--max-time",
        "300",
        "--output",
    ])
    .arg(to)
    .arg(url);
    if let Some(h) = header {
        cmd.args(["--header", h]);
    }
    let out = cmd.output().map_err(|e| {
        usage(format!("cannot run curl to download {url}: {e} (install curl, or import files by hand with `iotcheck vulns db import`)"))
    })?;
    if !out.status.success() {
        return Err(usage(format!(
            "cannot download {url}: {} (offline? import files by hand with `iotcheck vulns db import`)",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// What `vulns db update` downloads.
struct Feeds<'a> {
    nvd: &'a str,
    kev: &'a str,
    kev_only: bool,
    key: Option<&'a str>,
}

fn update(path: &Path, feeds_from: &Feeds<'_>, quiet: bool) -> anyhow::Result<u8> {
    let Feeds {
        nvd: nvd_url,
        kev: kev_url,
        kev_only,
        key,
    } = *feeds_from;
    let feeds = path
        .parent()
        .map_or_else(|| PathBuf::from("feeds"), |d| d.join("feeds"));
    std::fs::create_dir_all(&feeds)
        .map_err(|e| usage(format!("{}: cannot create: {e}", feeds.display())))?;
    let say = |m: String| {
        if !quiet {
            eprintln!("{m}");
        }
    };
    let mut files = Vec::new();
    let kev = feeds.join("known_exploited_vulnerabilities.json");
    say(format!("downloading {kev_url}"));
    curl(kev_url, &kev, None)?;
    files.push(kev);
    if !kev_only {
        let header = key.map(|k| format!("apiKey: {k}"));
        // Without a key NVD allows 5 requests per 30 s; with one, 50.
        let pause = std::time::Duration::from_secs(if key.is_some() { 1 } else { 6 });
        let mut start = 0usize;
        loop {
            let page = feeds.join(format!("nvd-{start:07}.json"));
            let sep = if nvd_url.contains('?') { '&' } else { '?' };
            let url = format!("{nvd_url}{sep}startIndex={start}&resultsPerPage={NVD_PAGE}");
            say(format!("downloading {url}"));
            curl(&url, &page, header.as_deref())?;
            let total = std::fs::read_to_string(&page)
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .and_then(|v| v.get("totalResults").and_then(serde_json::Value::as_u64))
                .ok_or_else(|| usage(format!("{}: not an NVD API 2.0 response", page.display())))?;
            files.push(page);
            start += NVD_PAGE;
            if start as u64 >= total {
                break;
            }
            std::thread::sleep(pause);
        }
    }
    import(path, &files, quiet)
}
