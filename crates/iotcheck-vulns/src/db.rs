//! The local vulnerability database: one SQLite file.
//!
//! Why SQLite: matching asks "every affected range of product P", a lookup
//! an index answers without loading the whole corpus (≈ 300,000 NVD
//! records) into memory; imports are transactional (an interrupted import
//! leaves the previous database intact); the file is inspectable with the
//! `sqlite3` shell; and `rusqlite` with the bundled SQLite builds with
//! nothing but a C compiler. An embedded key-value index would need its
//! own versioning and inspection tools for no gain at this size.
//!
//! Layout (`SCHEMA_VERSION` in table `meta`): `vuln` (one row per record
//! and source, unique on `(source, id)`: re-importing replaces), `affected`
//! (ranges, clustered by product key: a `WITHOUT ROWID` table whose primary
//! key starts with the product, so one product's ranges are contiguous
//! pages; the record's id, date and rating are repeated in each range row
//! so matching never visits `vuln` except for the matches' summaries),
//! `product_index` (per product key, the ranges that can count for a
//! match packed into one blob, rebuilt by every import for the products it
//! touched: see [`crate::index`]; matching reads only this, and `vuln` for
//! the matches' summaries), `kev` (the CISA catalog, read into memory once
//! per process), `imports` (a log of what was imported when). Readers map
//! the file (`mmap_size`).

use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use crate::import::{KevEntry, MAX_FILE_BYTES, Parsed, parse_document};

use crate::index;
use crate::record::{Cvss, Record, Severity, Source};

const SCHEMA_VERSION: &str = "3";

/// The database file name inside the data directory.
pub const DB_FILE: &str = "vulns.sqlite";

/// Where the database lives unless `--db` says otherwise:
/// `$IOTCHECK_DATA_DIR/vulns.sqlite`, else `$XDG_DATA_HOME/iotcheck/…`,
/// else `~/.local/share/iotcheck/…`.
pub fn default_path() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("IOTCHECK_DATA_DIR")
        .or_else(|| env("XDG_DATA_HOME").map(|d| d.join("iotcheck")))
        .or_else(|| env("HOME").map(|h| h.join(".local/share/iotcheck")))
        .map(|d| d.join(DB_FILE))
}

/// Something the database could not do.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "{path}: no vulnerability database here (create one with `iotcheck vulns db import FILE…`)"
    )]
    Missing { path: String },
    #[error("{path}: {message}")]
    Sqlite { path: String, message: String },
    #[error(
        "{path}: database schema {found} is not the schema {SCHEMA_VERSION} this build reads; re-import into a new file"
    )]
    Schema { path: String, found: String },
}

/// An open database.
#[derive(Debug)]
pub struct Database {
    conn: Connection,
    path: PathBuf,
    kev: std::sync::OnceLock<std::collections::HashMap<String, KevEntry>>,
}

/// One file that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub path: String,
    pub message: String,
}

/// What an import did.
#[derive(Debug, Default, Clone)]
pub struct ImportSummary {
    pub files: usize,
    /// Records written, per format (`cve`, `nvd`, `osv`).
    pub records: std::collections::BTreeMap<String, usize>,
    pub affected_ranges: usize,
    /// Stated ranges not kept (impossible, unbounded, not versions, over the cap).
    pub dropped_ranges: usize,
    pub kev: usize,
    /// Records skipped (malformed, hostile), counted; the first few kept.
    pub skipped: usize,
    pub skipped_examples: Vec<String>,
    pub file_errors: Vec<FileError>,
}

/// Progress of an import, for a display.
#[derive(Debug, Clone)]
pub enum ImportProgress<'a> {
    File {
        path: &'a str,
        done: usize,
        total: usize,
    },
}

/// Counts per source and the newest record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Status {
    pub path: String,
    pub bytes: u64,
    pub sources: Vec<SourceStatus>,
    pub kev: usize,
    pub kev_newest: Option<String>,
    pub imports: Vec<(String, String, String, i64)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceStatus {
    pub source: String,
    pub records: usize,
    pub affected_ranges: usize,
    pub newest_published: Option<String>,
    pub newest_modified: Option<String>,
}

/// A stored rating of a record: its source, CVSS, severity and row.
pub type Rating = (Source, Option<Cvss>, Option<Severity>, i64);

fn sql_err(path: &Path) -> impl Fn(rusqlite::Error) -> DbError + '_ {
    move |e| DbError::Sqlite {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

impl Database {
    /// Opens the database at `path`, creating it (and its directory) when absent.
    pub fn create(path: &Path) -> Result<Database, DbError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| DbError::Sqlite {
                path: dir.display().to_string(),
                message: format!("cannot create the directory: {e}"),
            })?;
        }
        let conn = Connection::open(path).map_err(sql_err(path))?;
        let db = Database {
            conn,
            path: path.to_path_buf(),
            kev: std::sync::OnceLock::new(),
        };
        db.init()?;
        Ok(db)
    }

    /// Opens an existing database read-only.
    pub fn open(path: &Path) -> Result<Database, DbError> {
        if !path.is_file() {
            return Err(DbError::Missing {
                path: path.display().to_string(),
            });
        }
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(sql_err(path))?;
        // Map the file instead of reading pages through syscalls; a larger
        // page cache for the clustered range scans.
        conn.execute_batch("PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -65536;")
            .map_err(sql_err(path))?;
        let db = Database {
            conn,
            path: path.to_path_buf(),
            kev: std::sync::OnceLock::new(),
        };
        let found: Option<String> = db
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(sql_err(path))?;
        match found {
            Some(v) if v == SCHEMA_VERSION => Ok(db),
            Some(v) => Err(DbError::Schema {
                path: path.display().to_string(),
                found: v,
            }),
            None => Err(DbError::Schema {
                path: path.display().to_string(),
                found: "none".into(),
            }),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn init(&self) -> Result<(), DbError> {
        self.conn
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 CREATE TABLE IF NOT EXISTS vuln(
                    rowid INTEGER PRIMARY KEY,
                    source TEXT NOT NULL, id TEXT NOT NULL,
                    published TEXT, modified TEXT, summary TEXT NOT NULL,
                    cvss_version TEXT, cvss_score REAL, cvss_vector TEXT, severity TEXT,
                    UNIQUE(source, id));
                 CREATE TABLE IF NOT EXISTS affected(
                    product TEXT NOT NULL, vuln INTEGER NOT NULL, n INTEGER NOT NULL,
                    id TEXT NOT NULL, source TEXT NOT NULL, published TEXT,
                    cvss_version TEXT, cvss_score REAL, severity TEXT,
                    exact TEXT, start TEXT, start_incl INTEGER, end TEXT, end_incl INTEGER,
                    fixed TEXT, confidence TEXT NOT NULL, stated TEXT NOT NULL,
                    PRIMARY KEY (product, vuln, n)) WITHOUT ROWID;
                 CREATE INDEX IF NOT EXISTS affected_vuln ON affected(vuln);
                 CREATE TABLE IF NOT EXISTS product_index(product TEXT PRIMARY KEY, ranges BLOB NOT NULL);
                 CREATE TABLE IF NOT EXISTS kev(
                    cve TEXT PRIMARY KEY, vendor TEXT, product TEXT, name TEXT,
                    date_added TEXT, due_date TEXT, ransomware INTEGER NOT NULL);
                 CREATE TABLE IF NOT EXISTS imports(
                    at TEXT NOT NULL, path TEXT NOT NULL, format TEXT NOT NULL, records INTEGER NOT NULL);",
            )
            .map_err(sql_err(&self.path))?;
        let found: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(sql_err(&self.path))?;
        match found {
            None => {
                self.conn
                    .execute(
                        "INSERT INTO meta(key, value) VALUES ('schema', ?1)",
                        [SCHEMA_VERSION],
                    )
                    .map_err(sql_err(&self.path))?;
                Ok(())
            }
            Some(v) if v == SCHEMA_VERSION => Ok(()),
            Some(v) => Err(DbError::Schema {
                path: self.path.display().to_string(),
                found: v,
            }),
        }
    }

    /// Imports files and directory trees (every `*.json` and `*.json.gz`
    /// below a directory; symlinks are not followed). Files are parsed on
    /// as many threads as there are cores and written in one transaction:
    /// an import either lands whole or not at all. A file that cannot be
    /// read is reported in the summary; the others are imported.
    pub fn import(
        &mut self,
        paths: &[PathBuf],
        progress: &(dyn Fn(ImportProgress<'_>) + Sync),
    ) -> Result<ImportSummary, DbError> {
        let mut files = Vec::new();
        let mut summary = ImportSummary::default();
        for p in paths {
            collect_files(p, &mut files, &mut summary.file_errors, 0);
        }
        let total = files.len();
        let workers = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(total)
            .max(1);
        let next = std::sync::atomic::AtomicUsize::new(0);
        // Bounded: parsed files wait for the writer, so memory stays at a
        // few files' worth however many are given.
        let (tx, rx) =
            std::sync::mpsc::sync_channel::<(usize, Result<Parsed, String>)>(workers * 2);
        let path = self.path.clone();
        let today = iotcheck_model::Date::today().to_string();
        // A large page cache: ranges are inserted in file order into a table
        // clustered by product, so inserts land all over it.
        self.conn
            .execute_batch("PRAGMA cache_size = -524288; PRAGMA synchronous = NORMAL;")
            .map_err(sql_err(&path))?;
        let tx_conn = self.conn.transaction().map_err(sql_err(&path))?;
        let result: Result<(), DbError> = std::thread::scope(|scope| {
            for _ in 0..workers {
                let tx = tx.clone();
                let files = &files;
                let next = &next;
                scope.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(f) = files.get(i) else { break };
                        if tx.send((i, read_and_parse(f))).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            let mut w = Writer::new(&tx_conn, &path)?;
            let mut formats: std::collections::BTreeMap<&str, usize> = Default::default();
            for (n, (i, parsed)) in rx.into_iter().enumerate() {
                let done = n + 1;
                let shown = files[i].display().to_string();
                progress(ImportProgress::File {
                    path: &shown,
                    done,
                    total,
                });
                summary.files += 1;
                match parsed {
                    Ok(p) => {
                        summary.skipped += p.skipped.len();
                        for s in p.skipped.iter() {
                            if summary.skipped_examples.len() < 20 {
                                summary.skipped_examples.push(format!("{shown}: {s}"));
                            }
                        }
                        *formats.entry(p.format).or_insert(0) += p.records.len() + p.kev.len();
                        for r in &p.records {
                            summary.affected_ranges += r.affected.len();
                            summary.dropped_ranges += r.dropped;
                            *summary
                                .records
                                .entry(r.source.as_str().to_string())
                                .or_default() += 1;
                            w.record(r)?;
                        }
                        for k in &p.kev {
                            w.kev(k)?;
                        }
                        summary.kev += p.kev.len();
                    }
                    Err(message) => summary.file_errors.push(FileError {
                        path: shown,
                        message,
                    }),
                }
            }
            // One log line per format of this import, naming what was given.
            let given = paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" ");
            for (format, n) in formats {
                w.log(&today, &given, format, n)?;
            }
            reindex(&tx_conn, &path, &w.dirty)
        });
        result?;
        tx_conn.commit().map_err(sql_err(&path))?;
        summary.file_errors.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(summary)
    }

    /// Counts per source, KEV size and the import log.
    pub fn status(&self) -> Result<Status, DbError> {
        let e = sql_err(&self.path);
        let mut st = Status {
            path: self.path.display().to_string(),
            bytes: std::fs::metadata(&self.path).map_or(0, |m| m.len()),
            ..Status::default()
        };
        let mut q = self
            .conn
            .prepare(
                "SELECT source, COUNT(*), MAX(published), MAX(modified) FROM vuln GROUP BY source ORDER BY source",
            )
            .map_err(&e)?;
        let rows = q
            .query_map([], |r| {
                Ok(SourceStatus {
                    source: r.get(0)?,
                    records: r.get::<_, i64>(1)? as usize,
                    affected_ranges: 0,
                    newest_published: r.get(2)?,
                    newest_modified: r.get(3)?,
                })
            })
            .map_err(&e)?;
        for r in rows {
            st.sources.push(r.map_err(&e)?);
        }
        for s in &mut st.sources {
            s.affected_ranges = self
                .conn
                .query_row(
                    "SELECT COUNT(*) FROM affected WHERE source = ?1",
                    [&s.source],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(&e)? as usize;
        }
        st.kev = self
            .conn
            .query_row("SELECT COUNT(*) FROM kev", [], |r| r.get::<_, i64>(0))
            .map_err(&e)? as usize;
        st.kev_newest = self
            .conn
            .query_row("SELECT MAX(date_added) FROM kev", [], |r| r.get(0))
            .map_err(&e)?;
        let mut q = self
            .conn
            .prepare("SELECT at, path, format, records FROM imports ORDER BY rowid DESC LIMIT 10")
            .map_err(&e)?;
        let rows = q
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(&e)?;
        for r in rows {
            st.imports.push(r.map_err(&e)?);
        }
        Ok(st)
    }

    /// Whether a KEV catalog was imported.
    pub fn has_kev(&self) -> Result<bool, DbError> {
        self.conn
            .query_row("SELECT EXISTS(SELECT 1 FROM kev)", [], |r| r.get(0))
            .map_err(sql_err(&self.path))
    }

    /// The KEV entry of a CVE (the catalog is read once per process: it is
    /// small, and matching asks for every match).
    pub fn kev(&self, cve: &str) -> Result<Option<KevEntry>, DbError> {
        if let Some(all) = self.kev.get() {
            return Ok(all.get(cve).cloned());
        }
        let e = sql_err(&self.path);
        let mut q = self
            .conn
            .prepare("SELECT cve, vendor, product, name, date_added, due_date, ransomware FROM kev")
            .map_err(&e)?;
        let rows = q
            .query_map([], |r| {
                Ok(KevEntry {
                    cve: r.get(0)?,
                    vendor: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    product: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    name: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    date_added: r.get(4)?,
                    due_date: r.get(5)?,
                    ransomware: r.get::<_, i64>(6)? != 0,
                })
            })
            .map_err(&e)?;
        let mut all = std::collections::HashMap::new();
        for k in rows {
            let k = k.map_err(&e)?;
            all.insert(k.cve.clone(), k);
        }
        let all = self.kev.get_or_init(|| all);
        Ok(all.get(cve).cloned())
    }

    /// Holds one read snapshot until the database is dropped: every later
    /// query reuses it instead of taking the file lock again (a match run
    /// makes thousands of queries). An import running meanwhile waits for it.
    pub fn snapshot(&self) -> Result<(), DbError> {
        if self.conn.is_autocommit() {
            self.conn
                .execute_batch("BEGIN DEFERRED; SELECT 1 FROM meta LIMIT 1;")
                .map_err(sql_err(&self.path))?;
        }
        Ok(())
    }

    /// The summary and CVSS vector of a stored record (by its row).
    pub fn details(&self, vuln: i64) -> Result<(String, Option<String>), DbError> {
        let e = sql_err(&self.path);
        let mut q = self
            .conn
            .prepare_cached("SELECT summary, cvss_vector FROM vuln WHERE rowid = ?1")
            .map_err(&e)?;
        q.query_row([vuln], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(&e)
    }

    /// Calls `f` with the index blob of a product key (see
    /// [`crate::index`]): every range that can count for a match, with its
    /// record's summary and rating. `None` when no record names the
    /// product. The blob is read in place, not copied.
    pub(crate) fn with_product_ranges<T>(
        &self,
        product: &str,
        f: impl FnOnce(&[u8]) -> T,
    ) -> Result<Option<T>, DbError> {
        let e = sql_err(&self.path);
        let mut q = self
            .conn
            .prepare_cached("SELECT ranges FROM product_index WHERE product = ?1")
            .map_err(&e)?;
        let mut rows = q.query([product]).map_err(&e)?;
        match rows.next().map_err(&e)? {
            None => Ok(None),
            Some(row) => {
                let blob = row
                    .get_ref(0)
                    .and_then(|v| v.as_blob().map_err(Into::into))
                    .map_err(&e)?;
                Ok(Some(f(blob)))
            }
        }
    }

    /// The error for a damaged index blob.
    pub(crate) fn damaged(&self, product: &str) -> DbError {
        DbError::Sqlite {
            path: self.path.display().to_string(),
            message: format!(
                "the range index of {product:?} is damaged; re-import into a new file"
            ),
        }
    }

    /// The rating of a CVE from every stored source, best source first
    /// (for matches whose own rows carry none).
    pub fn ratings(&self, id: &str) -> Result<Vec<Rating>, DbError> {
        let e = sql_err(&self.path);
        let mut q = self
            .conn
            .prepare_cached(
                "SELECT source, cvss_version, cvss_score, severity, rowid FROM vuln WHERE id = ?1",
            )
            .map_err(&e)?;
        let rows = q
            .query_map([id], |r| {
                let cvss = match (r.get::<_, Option<String>>(1)?, r.get::<_, Option<f64>>(2)?) {
                    (Some(version), Some(score)) => Some(Cvss {
                        version,
                        score,
                        vector: String::new(),
                    }),
                    _ => None,
                };
                Ok((
                    Source::parse(&r.get::<_, String>(0)?).unwrap_or(Source::Cve5),
                    cvss,
                    r.get::<_, Option<String>>(3)?
                        .as_deref()
                        .and_then(Severity::from_word),
                    r.get::<_, i64>(4)?,
                ))
            })
            .map_err(&e)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(&e)
    }
}

/// Rebuilds the index blob of every product in `products` from its
/// `affected` rows and their records (inside the import's transaction).
fn reindex(
    conn: &Connection,
    path: &Path,
    products: &std::collections::BTreeSet<String>,
) -> Result<(), DbError> {
    let e = sql_err(path);
    let mut ranges = conn
        .prepare(
            "SELECT vuln, id, confidence, exact, start, end, fixed, stated, start_incl, end_incl
             FROM affected WHERE product = ?1 ORDER BY vuln, n",
        )
        .map_err(&e)?;
    let mut records = conn
        .prepare(
            "SELECT rowid, source, published, cvss_version, severity, cvss_vector, summary, cvss_score
             FROM vuln WHERE rowid IN (SELECT vuln FROM affected WHERE product = ?1) ORDER BY rowid",
        )
        .map_err(&e)?;
    let mut put = conn
        .prepare("INSERT OR REPLACE INTO product_index(product, ranges) VALUES (?1, ?2)")
        .map_err(&e)?;
    let mut drop_index = conn
        .prepare("DELETE FROM product_index WHERE product = ?1")
        .map_err(&e)?;
    type Owned<const N: usize> = (i64, [Option<String>; N], bool, bool, Option<f64>);
    for product in products {
        let rows: Vec<Owned<7>> = ranges
            .query_map([product], |r| {
                let t = |i: usize| r.get::<_, Option<String>>(i);
                let flag = |i: usize| r.get::<_, Option<i64>>(i).map(|v| v.unwrap_or(0) != 0);
                Ok((
                    r.get(0)?,
                    [t(1)?, t(2)?, t(3)?, t(4)?, t(5)?, t(6)?, t(7)?],
                    flag(8)?,
                    flag(9)?,
                    None,
                ))
            })
            .map_err(&e)?
            .collect::<Result<_, _>>()
            .map_err(&e)?;
        let recs: Vec<Owned<6>> = records
            .query_map([product], |r| {
                let t = |i: usize| r.get::<_, Option<String>>(i);
                Ok((
                    r.get(0)?,
                    [t(1)?, t(2)?, t(3)?, t(4)?, t(5)?, t(6)?],
                    false,
                    false,
                    r.get(7)?,
                ))
            })
            .map_err(&e)?
            .collect::<Result<_, _>>()
            .map_err(&e)?;
        let entries: Vec<index::Entry<'_>> = rows
            .iter()
            .map(|(vuln, s, start_incl, end_incl, _)| index::Entry {
                vuln: *vuln,
                id: s[0].as_deref().unwrap_or_default(),
                confidence: s[1].as_deref().unwrap_or("low"),
                exact: s[2].as_deref(),
                start: s[3].as_deref().map(|b| (b, *start_incl)),
                end: s[4].as_deref().map(|b| (b, *end_incl)),
                fixed: s[5].as_deref(),
                stated: s[6].as_deref(),
            })
            .collect();
        let fields: Vec<index::RecordFields<'_>> = recs
            .iter()
            .map(|(vuln, s, _, _, score)| index::RecordFields {
                vuln: *vuln,
                source: s[0].as_deref(),
                published: s[1].as_deref(),
                cvss_version: s[2].as_deref(),
                cvss_score: *score,
                severity: s[3].as_deref(),
                vector: s[4].as_deref(),
                summary: s[5].as_deref(),
            })
            .collect();
        let kept = index::keep_best(&entries);
        if kept.is_empty() {
            drop_index.execute([product]).map_err(&e)?;
        } else {
            put.execute(params![product, index::encode(&kept, &fields)])
                .map_err(&e)?;
        }
    }
    Ok(())
}

/// Prepared inserts inside the import transaction.
struct Writer<'c> {
    path: &'c Path,
    upsert: rusqlite::Statement<'c>,
    clear: rusqlite::Statement<'c>,
    range: rusqlite::Statement<'c>,
    kev: rusqlite::Statement<'c>,
    log: rusqlite::Statement<'c>,
    /// Products whose ranges this import added or removed: their index
    /// blobs are rebuilt before the commit.
    dirty: std::collections::BTreeSet<String>,
}

impl<'c> Writer<'c> {
    fn new(conn: &'c Connection, path: &'c Path) -> Result<Writer<'c>, DbError> {
        let e = sql_err(path);
        Ok(Writer {
            path,
            upsert: conn
                .prepare(
                    "INSERT INTO vuln(source, id, published, modified, summary, cvss_version, cvss_score, cvss_vector, severity)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT(source, id) DO UPDATE SET published = excluded.published,
                        modified = excluded.modified, summary = excluded.summary,
                        cvss_version = excluded.cvss_version, cvss_score = excluded.cvss_score,
                        cvss_vector = excluded.cvss_vector, severity = excluded.severity
                     RETURNING rowid",
                )
                .map_err(&e)?,
            clear: conn
                .prepare("DELETE FROM affected WHERE vuln = ?1 RETURNING product")
                .map_err(&e)?,
            dirty: std::collections::BTreeSet::new(),
            range: conn
                .prepare(
                    "INSERT OR REPLACE INTO affected(product, vuln, n, id, source, published, cvss_version, cvss_score, severity,
                        exact, start, start_incl, end, end_incl, fixed, confidence, stated)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                )
                .map_err(&e)?,
            kev: conn
                .prepare(
                    "INSERT OR REPLACE INTO kev(cve, vendor, product, name, date_added, due_date, ransomware)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(&e)?,
            log: conn
                .prepare("INSERT INTO imports(at, path, format, records) VALUES (?1, ?2, ?3, ?4)")
                .map_err(&e)?,
        })
    }

    fn record(&mut self, r: &Record) -> Result<(), DbError> {
        let e = sql_err(self.path);
        let rowid: i64 = self
            .upsert
            .query_row(
                params![
                    r.source.as_str(),
                    r.id,
                    r.published,
                    r.modified,
                    r.summary,
                    r.cvss.as_ref().map(|c| c.version.as_str()),
                    r.cvss.as_ref().map(|c| c.score),
                    r.cvss.as_ref().map(|c| c.vector.as_str()),
                    r.severity.map(Severity::as_str),
                ],
                |row| row.get(0),
            )
            .map_err(&e)?;
        let mut cleared = self.clear.query([rowid]).map_err(&e)?;
        while let Some(row) = cleared.next().map_err(&e)? {
            let product: String = row.get(0).map_err(&e)?;
            self.dirty.insert(product);
        }
        drop(cleared);
        for (n, a) in r.affected.iter().enumerate() {
            if !self.dirty.contains(&a.product) {
                self.dirty.insert(a.product.clone());
            }
            self.range
                .execute(params![
                    a.product,
                    rowid,
                    n as i64,
                    r.id,
                    r.source.as_str(),
                    r.published,
                    r.cvss.as_ref().map(|c| c.version.as_str()),
                    r.cvss.as_ref().map(|c| c.score),
                    r.severity.map(Severity::as_str),
                    a.range.exact,
                    a.range.start.as_ref().map(|s| s.0.as_str()),
                    a.range.start.as_ref().map(|s| s.1),
                    a.range.end.as_ref().map(|s| s.0.as_str()),
                    a.range.end.as_ref().map(|s| s.1),
                    a.range.fixed,
                    a.confidence.as_str(),
                    a.stated,
                ])
                .map_err(&e)?;
        }
        Ok(())
    }

    fn kev(&mut self, k: &KevEntry) -> Result<(), DbError> {
        self.kev
            .execute(params![
                k.cve,
                k.vendor,
                k.product,
                k.name,
                k.date_added,
                k.due_date,
                k.ransomware
            ])
            .map(|_| ())
            .map_err(sql_err(self.path))
    }

    fn log(&mut self, at: &str, path: &str, format: &str, n: usize) -> Result<(), DbError> {
        self.log
            .execute(params![at, path, format, n as i64])
            .map(|_| ())
            .map_err(sql_err(self.path))
    }
}

/// Deepest directory tree walked.
const MAX_DEPTH: usize = 16;

fn collect_files(p: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<FileError>, depth: usize) {
    let meta = match std::fs::symlink_metadata(p) {
        Ok(m) => m,
        Err(e) => {
            errors.push(FileError {
                path: p.display().to_string(),
                message: e.to_string(),
            });
            return;
        }
    };
    if meta.is_dir() {
        if depth >= MAX_DEPTH {
            errors.push(FileError {
                path: p.display().to_string(),
                message: format!(
                    "directory tree deeper than {MAX_DEPTH} levels: not walked further"
                ),
            });
            return;
        }
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(p) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => {
                errors.push(FileError {
                    path: p.display().to_string(),
                    message: e.to_string(),
                });
                return;
            }
        };
        entries.sort();
        for e in entries {
            let is_json = e
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".json") || n.ends_with(".json.gz"));
            let is_dir = std::fs::symlink_metadata(&e).is_ok_and(|m| m.is_dir());
            if is_dir || is_json {
                collect_files(&e, out, errors, depth + 1);
            }
        }
    } else if meta.is_file() || (depth == 0 && p.is_file()) {
        // A symlink given by name is followed; inside trees they are not.
        out.push(p.to_path_buf());
    } else if depth == 0 {
        errors.push(FileError {
            path: p.display().to_string(),
            message: "not a regular file or directory".into(),
        });
    }
}

fn read_and_parse(path: &Path) -> Result<Parsed, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    if len > MAX_FILE_BYTES {
        return Err(format!(
            "{len} bytes is more than the {MAX_FILE_BYTES} bytes a file may have"
        ));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    let gz = path.extension().is_some_and(|e| e == "gz");
    if gz {
        flate2::read::GzDecoder::new(file)
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("gzip: {e}"))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(format!("decompresses to more than {MAX_FILE_BYTES} bytes"));
        }
    } else {
        file.take(MAX_FILE_BYTES)
            .read_to_end(&mut bytes)
            .map_err(|e| e.to_string())?;
    }
    let text = std::str::from_utf8(&bytes).map_err(|e| format!("not UTF-8 text: {e}"))?;
    parse_document(text).map_err(|e| e.to_string())
}
