//! The per-product range index: every range of one product key that can
//! count for a match, packed into one blob (table `product_index`).
//!
//! Why a blob beside the `affected` table: matching a thousand-component
//! SBOM reads hundreds of thousands of ranges, and stepping SQLite through
//! that many rows costs more than the whole match budget. One blob per
//! product is one B-tree lookup and a contiguous read; its entries are
//! decoded in place (no allocation for a range the version is outside of).
//! The blob is derived data: it is rebuilt, inside the import transaction,
//! for every product an import touched, from that product's `affected`
//! rows, keeping per CVE only the ranges of the most trustworthy kind
//! (structured over free text over prose; see [`crate::matching`]).
//!
//! The blob also carries, once per record, what a match reports from the
//! record (source, date, rating, summary), so matching never goes back to
//! the `vuln` table for a record whose ranges it read.
//!
//! The format is private to this crate (written and read by the same
//! build; the schema version guards it), so it is hand-written rather than
//! a serde format: a serde decoder would allocate every string of every
//! range. A blob is `varint len(ranges) | ranges | records`; both parts are
//! sorted by record row, so one forward cursor finds each range's record.
//! A range is `varint vuln | flags | str exact start end | str id fixed stated`
//! (the flags hold the bounds' inclusiveness and the confidence, so a range
//! the version is outside of is read no further than its bounds);
//! a record is `varint vuln | flags | score f64? | str source published cvss_version severity vector summary`;
//! `str` is a varint of length + 1 (0 for NULL) and the UTF-8 bytes.
//! Reading is bounds-checked: a damaged blob is an error, never a panic.

use crate::range::Confidence;

/// Flag bits of an entry.
const START_INCL: u8 = 1;
const END_INCL: u8 = 2;
const HAS_SCORE: u8 = 4;
/// Confidence in flag bits 3–4 (`Confidence` as 0 low, 1 medium, 2 high).
const CONFIDENCE_SHIFT: u8 = 3;

fn confidence_code(c: &str) -> u8 {
    match Confidence::parse(c) {
        Some(Confidence::High) => 2,
        Some(Confidence::Medium) => 1,
        _ => 0,
    }
}

fn confidence_of(code: u8) -> &'static str {
    match code {
        2 => "high",
        1 => "medium",
        _ => "low",
    }
}

/// One `affected` row, as the index stores it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry<'a> {
    pub vuln: i64,
    pub id: &'a str,
    pub confidence: &'a str,
    pub exact: Option<&'a str>,
    pub start: Option<(&'a str, bool)>,
    pub end: Option<(&'a str, bool)>,
    /// Read only for a range that contains the version.
    pub fixed: Option<&'a str>,
    pub stated: Option<&'a str>,
}

/// What a match reports from the record a range belongs to.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct RecordFields<'a> {
    pub vuln: i64,
    pub source: Option<&'a str>,
    pub published: Option<&'a str>,
    pub cvss_version: Option<&'a str>,
    pub cvss_score: Option<f64>,
    pub severity: Option<&'a str>,
    pub vector: Option<&'a str>,
    pub summary: Option<&'a str>,
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn put_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => put_varint(out, 0),
        Some(s) => {
            put_varint(out, s.len() as u64 + 1);
            out.extend_from_slice(s.as_bytes());
        }
    }
}

/// One product's blob from its ranges and their records, both sorted by
/// record row (records not referenced by a range are left out).
pub(crate) fn encode(entries: &[&Entry<'_>], records: &[RecordFields<'_>]) -> Vec<u8> {
    let mut ranges = Vec::new();
    for e in entries {
        put_varint(&mut ranges, u64::try_from(e.vuln).unwrap_or(0));
        let mut flags = 0;
        if e.start.is_some_and(|s| s.1) {
            flags |= START_INCL;
        }
        if e.end.is_some_and(|s| s.1) {
            flags |= END_INCL;
        }
        flags |= confidence_code(e.confidence) << CONFIDENCE_SHIFT;
        ranges.push(flags);
        for s in [
            e.exact,
            e.start.map(|s| s.0),
            e.end.map(|s| s.0),
            Some(e.id),
            e.fixed,
            e.stated,
        ] {
            put_str(&mut ranges, s);
        }
    }
    let mut out = Vec::with_capacity(ranges.len() + 16);
    put_varint(&mut out, ranges.len() as u64);
    out.extend_from_slice(&ranges);
    let mut wanted = entries.iter().map(|e| e.vuln).peekable();
    for r in records {
        while wanted.next_if(|v| *v < r.vuln).is_some() {}
        if wanted.peek() != Some(&r.vuln) {
            continue;
        }
        put_varint(&mut out, u64::try_from(r.vuln).unwrap_or(0));
        out.push(if r.cvss_score.is_some() { HAS_SCORE } else { 0 });
        if let Some(score) = r.cvss_score {
            out.extend_from_slice(&score.to_le_bytes());
        }
        for s in [
            r.source,
            r.published,
            r.cvss_version,
            r.severity,
            r.vector,
            r.summary,
        ] {
            put_str(&mut out, s);
        }
    }
    out
}

/// The blob is not what this build wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Damaged;

/// A bounds-checked cursor over bytes.
struct Cursor<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn done(&self) -> bool {
        self.at >= self.data.len()
    }

    fn byte(&mut self) -> Result<u8, Damaged> {
        let b = *self.data.get(self.at).ok_or(Damaged)?;
        self.at += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, Damaged> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Damaged)
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8], Damaged> {
        let end = self.at.checked_add(n).ok_or(Damaged)?;
        let s = self.data.get(self.at..end).ok_or(Damaged)?;
        self.at = end;
        Ok(s)
    }

    fn len(&mut self) -> Result<Option<usize>, Damaged> {
        match self.varint()? {
            0 => Ok(None),
            n => usize::try_from(n - 1).map(Some).map_err(|_| Damaged),
        }
    }

    fn str(&mut self) -> Result<Option<&'a str>, Damaged> {
        match self.len()? {
            None => Ok(None),
            Some(n) => std::str::from_utf8(self.bytes(n)?)
                .map(Some)
                .map_err(|_| Damaged),
        }
    }

    fn skip_str(&mut self) -> Result<(), Damaged> {
        match self.len()? {
            None => Ok(()),
            Some(n) => self.bytes(n).map(|_| ()),
        }
    }

    fn row(&mut self) -> Result<i64, Damaged> {
        i64::try_from(self.varint()?).map_err(|_| Damaged)
    }
}

/// A reader over one product's blob.
pub(crate) struct Reader<'a> {
    ranges: Cursor<'a>,
    records: Cursor<'a>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(blob: &'a [u8]) -> Result<Reader<'a>, Damaged> {
        let mut c = Cursor { data: blob, at: 0 };
        let n = usize::try_from(c.varint()?).map_err(|_| Damaged)?;
        let ranges = c.bytes(n)?;
        let records = blob.get(c.at..).ok_or(Damaged)?;
        Ok(Reader {
            ranges: Cursor {
                data: ranges,
                at: 0,
            },
            records: Cursor {
                data: records,
                at: 0,
            },
        })
    }

    /// The next range's bounds (`id`, `fixed` and `stated` are left
    /// empty), or `None` at the end. Call [`Reader::rest`] or
    /// [`Reader::skip_rest`] before the next.
    pub(crate) fn head(&mut self) -> Result<Option<Entry<'a>>, Damaged> {
        let c = &mut self.ranges;
        if c.done() {
            return Ok(None);
        }
        let vuln = c.row()?;
        let flags = c.byte()?;
        let exact = c.str()?;
        let start = c.str()?.map(|s| (s, flags & START_INCL != 0));
        let end = c.str()?.map(|s| (s, flags & END_INCL != 0));
        Ok(Some(Entry {
            vuln,
            id: "",
            confidence: confidence_of(flags >> CONFIDENCE_SHIFT & 3),
            exact,
            start,
            end,
            fixed: None,
            stated: None,
        }))
    }

    /// Completes `e` with its CVE id, fixed version and stated range.
    pub(crate) fn rest(&mut self, e: &mut Entry<'a>) -> Result<(), Damaged> {
        e.id = self.ranges.str()?.ok_or(Damaged)?;
        e.fixed = self.ranges.str()?;
        e.stated = self.ranges.str()?;
        Ok(())
    }

    /// Skips the fields after the range.
    pub(crate) fn skip_rest(&mut self) -> Result<(), Damaged> {
        self.ranges.skip_str()?;
        self.ranges.skip_str()?;
        self.ranges.skip_str()
    }

    /// The record of row `vuln`. Rows must be asked for in ascending
    /// order (the order of the ranges); `None` when the blob has none.
    pub(crate) fn record(&mut self, vuln: i64) -> Result<Option<RecordFields<'a>>, Damaged> {
        let c = &mut self.records;
        while !c.done() {
            let start = c.at;
            let row = c.row()?;
            if row > vuln {
                c.at = start;
                return Ok(None);
            }
            let flags = c.byte()?;
            if row < vuln {
                if flags & HAS_SCORE != 0 {
                    c.bytes(8)?;
                }
                for _ in 0..6 {
                    c.skip_str()?;
                }
                continue;
            }
            let cvss_score = if flags & HAS_SCORE != 0 {
                let b: [u8; 8] = c.bytes(8)?.try_into().map_err(|_| Damaged)?;
                Some(f64::from_le_bytes(b))
            } else {
                None
            };
            let r = RecordFields {
                vuln,
                source: c.str()?,
                published: c.str()?,
                cvss_version: c.str()?,
                cvss_score,
                severity: c.str()?,
                vector: c.str()?,
                summary: c.str()?,
            };
            // Several ranges of one record: the next may ask again.
            c.at = start;
            return Ok(Some(r));
        }
        Ok(None)
    }
}

/// Walks a whole blob as matching does (every range read in full and its
/// record looked up); the number of ranges, or `Damaged`. For the fuzz
/// target: a damaged database file must not panic a reader.
pub(crate) fn walk(blob: &[u8]) -> Result<usize, Damaged> {
    let mut r = Reader::new(blob)?;
    let mut n = 0;
    while let Some(mut e) = r.head()? {
        r.rest(&mut e)?;
        r.record(e.vuln)?;
        n += 1;
    }
    Ok(n)
}

/// The rows of one product that can count for a match: per CVE id, only
/// those of the best confidence any of its rows has.
pub(crate) fn keep_best<'r, 'a>(rows: &'r [Entry<'a>]) -> Vec<&'r Entry<'a>> {
    let mut best: std::collections::HashMap<&str, Confidence> = Default::default();
    let conf = |e: &Entry<'_>| Confidence::parse(e.confidence).unwrap_or(Confidence::Low);
    for e in rows {
        let c = conf(e);
        best.entry(e.id)
            .and_modify(|b| *b = (*b).max(c))
            .or_insert(c);
    }
    rows.iter()
        .filter(|e| best.get(e.id).is_none_or(|b| *b == conf(e)))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    type Row = (i64, [Option<String>; 7], (bool, bool));

    fn entry(r: &Row) -> Entry<'_> {
        let (vuln, s, flags) = r;
        Entry {
            vuln: *vuln,
            id: s[0].as_deref().unwrap_or("CVE-1"),
            confidence: ["low", "medium", "high"][s[1].as_deref().map_or(2, str::len) % 3],
            exact: s[2].as_deref(),
            start: s[3].as_deref().map(|x| (x, flags.0)),
            end: s[4].as_deref().map(|x| (x, flags.1)),
            fixed: s[5].as_deref(),
            stated: s[6].as_deref(),
        }
    }

    proptest! {
        #[test]
        fn round_trip(
            mut rows in proptest::collection::vec(
                (0i64..50, proptest::array::uniform7(proptest::option::of(".{0,30}")), any::<(bool, bool)>()),
                0..20),
            texts in proptest::collection::vec(
                (proptest::array::uniform6(proptest::option::of(".{0,30}")), proptest::option::of(0.0f64..10.0)), 50),
        ) {
            rows.sort_by_key(|r| r.0);
            let entries: Vec<Entry<'_>> = rows.iter().map(entry).collect();
            let records: Vec<RecordFields<'_>> = texts.iter().enumerate().map(|(i, (t, score))| RecordFields {
                vuln: i as i64,
                source: t[0].as_deref(),
                published: t[1].as_deref(),
                cvss_version: t[2].as_deref(),
                cvss_score: *score,
                severity: t[3].as_deref(),
                vector: t[4].as_deref(),
                summary: t[5].as_deref(),
            }).collect();
            let blob = encode(&entries.iter().collect::<Vec<_>>(), &records);
            let mut r = Reader::new(&blob).unwrap();
            for (i, want) in entries.iter().enumerate() {
                let mut got = r.head().unwrap().unwrap();
                if i % 2 == 0 {
                    r.rest(&mut got).unwrap();
                    prop_assert_eq!(&got, want);
                    let rec = r.record(got.vuln).unwrap().unwrap();
                    prop_assert_eq!(&rec, &records[usize::try_from(got.vuln).unwrap()]);
                } else {
                    prop_assert_eq!(got.confidence, want.confidence);
                    prop_assert_eq!(got.start, want.start);
                    prop_assert_eq!(got.end, want.end);
                    r.skip_rest().unwrap();
                }
            }
            prop_assert!(r.head().unwrap().is_none());
            // Records no range refers to are not stored.
            prop_assert!(r.record(1000).unwrap().is_none());
        }

        #[test]
        fn damaged_blobs_are_errors_not_panics(blob in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Ok(mut r) = Reader::new(&blob) {
                for _ in 0..100 {
                    match r.head() {
                        Ok(Some(mut e)) => {
                            if r.rest(&mut e).is_err() || r.record(e.vuln).is_err() {
                                break;
                            }
                        }
                        _ => break,
                    }
                }
            }
        }
    }

    #[test]
    fn only_the_best_kind_of_range_counts() {
        let mk = |id: &'static str, c: &'static str| Entry {
            vuln: 1,
            id,
            confidence: c,
            exact: None,
            start: None,
            end: Some(("2.0", false)),
            fixed: None,
            stated: None,
        };
        let rows = [
            mk("A", "low"),
            mk("A", "high"),
            mk("B", "medium"),
            mk("B", "low"),
        ];
        let kept: Vec<_> = keep_best(&rows)
            .into_iter()
            .map(|e| (e.id, e.confidence))
            .collect();
        assert_eq!(kept, [("A", "high"), ("B", "medium")]);
    }
}
