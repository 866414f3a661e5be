//! PDF: text per page from pdf-extract (which reads the document with
//! lopdf), the Info dictionary's /Title from lopdf; each page's text then
//! goes through the plain-text paragraph rules with line-end hyphens undone.
//! A page without text gets a note (a scanned image, most likely: there is
//! no OCR here).
//!
//! **Why a child process.** pdf-extract and lopdf are not built for hostile
//! input: pdf-extract panics on malformed documents by design (`unwrap`,
//! `expect("MediaBox")`), lopdf inflates streams with no size limit (a
//! "Flate bomb" of a few kilobytes asks for gigabytes), nothing bounds the
//! parser's own allocations (a content stream of a million tiny operators
//! costs ~30 times its size in `Object`s), a deep structure can overflow the
//! stack (an abort, which `catch_unwind` cannot catch), and a slow parse
//! cannot be stopped from outside a thread. A process is the unit the
//! operating system can bound and kill. So when [`Limits::pdf_helper`]
//! names a helper, the parent writes the PDF to the helper's stdin and
//! reads the pages from its stdout; the helper ([`pdf_child_main`]) first
//! lowers its own address-space limit (RLIMIT_AS, through the `rlimit`
//! crate's safe `setrlimit`, so no `unsafe` and no `pre_exec`), then
//! extracts; the parent kills it at [`Limits::pdf_timeout`] and turns a
//! crash or an allocation failure into a [`TextError::Pdf`] naming it.
//!
//! **Without a helper** (the default, for library users with no executable
//! to spare) the extraction runs on a worker thread inside `catch_unwind`,
//! and the caller waits at most `pdf_timeout`. Weaker, and said plainly: a
//! timed-out thread keeps running until it finishes (it cannot be killed),
//! and memory is bounded only by the stream check below, not by the OS.
//!
//! **In both modes**, before lopdf sees the file, every `stream … endstream`
//! body that inflates (zlib, or raw deflate as lopdf's fallback, nested
//! zlib layers followed since lopdf applies a whole filter array) is
//! inflated into a counter, never into memory: one stream may not exceed a
//! quarter of `pdf_max_memory`, all of them together not `pdf_max_memory`.
//! A bomb is refused in well under a second with a message saying so.
//! Streams behind another filter first (`[/ASCII85Decode /FlateDecode]`) or
//! LZW are not pre-checked; in helper mode RLIMIT_AS still bounds them.
//!
//! Encrypted PDFs are opened with the empty user password (owner-password
//! only "protection" is common for policies); one that needs a real
//! password is refused with a message saying so.
//!
//! The request and answer between parent and helper are length-prefixed
//! frames (see [`Frame`]): the parent checks every length before using it.

use std::io::{Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use encoding_rs::{UTF_16BE, UTF_16LE};
use flate2::read::{DeflateDecoder, ZlibDecoder};
use lopdf::Object;

use super::builder::{Builder, clean_line};
use super::plain::paragraphs_into;
use super::{Document, Format, Limits, PdfHelper, TextError, human_bytes};

const MAGIC: &[u8; 20] = b"IOTCHECK-PDF-TEXT/1\n";

/// Longest title kept, in bytes.
const MAX_TITLE: usize = 1024;

/// Pages read at most. pdf-extract walks the page tree again for every
/// page it is asked for, so the cost grows with the square of the page
/// count; no policy comes near this.
const MAX_PAGES: usize = 2000;

/// What came out of the PDF, before normalisation.
#[derive(Debug, Default)]
struct RawPdf {
    title: Option<String>,
    pages: Vec<Page>,
    notes: Vec<String>,
}

#[derive(Debug)]
enum Page {
    Text(String),
    Failed(String),
}

pub(crate) fn extract(bytes: &[u8], limits: &Limits) -> Result<Document, TextError> {
    let raw = match &limits.pdf_helper {
        Some(helper) => run_helper(helper, bytes, limits)?,
        None => run_in_process(bytes, limits)?,
    };
    Ok(build(raw, limits))
}

/// Normalises the pages into a document.
fn build(raw: RawPdf, limits: &Limits) -> Document {
    let mut b = Builder::new(limits.max_text_bytes);
    let mut empty: Vec<usize> = Vec::new();
    for (i, page) in raw.pages.iter().enumerate() {
        let n = i + 1;
        match page {
            Page::Text(t) if t.trim().is_empty() => empty.push(n),
            Page::Text(t) => paragraphs_into(&mut b, &without_page_numbers(t), true),
            Page::Failed(why) => b.note(format!("page {n}: could not be read ({why})")),
        }
    }
    for (first, last) in runs(&empty) {
        if first == last {
            b.note(format!("page {first}: no text (scanned image?)"));
        } else {
            b.note(format!("pages {first}–{last}: no text (scanned images?)"));
        }
    }
    if raw.pages.is_empty() {
        b.note("the PDF has no pages");
    }
    for note in raw.notes {
        b.note(note);
    }
    b.finish(Format::Pdf, raw.title)
}

/// `text` without lines that are only a running page number: `7`, `-7-`,
/// `- 7 -`, `Page 7`, `Page 7 of 12`.
fn without_page_numbers(text: &str) -> String {
    let is_number = |line: &str| {
        let l = line.trim();
        let l = l
            .strip_prefix("Page ")
            .or_else(|| l.strip_prefix("page "))
            .unwrap_or(l);
        let l = l.trim_matches(|c: char| c == '-' || c == '–' || c.is_whitespace());
        let (n, of) = match l.split_once(" of ") {
            Some((n, of)) => (n.trim(), Some(of.trim())),
            None => (l, None),
        };
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit());
        digits(n) && of.is_none_or(digits)
    };
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if !is_number(line) {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// Consecutive runs in an ascending list: [1,2,3,5] → (1,3), (5,5).
fn runs(ns: &[usize]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for &n in ns {
        match out.last_mut() {
            Some((_, last)) if *last + 1 == n => *last = n,
            _ => out.push((n, n)),
        }
    }
    out
}

// ── The extraction itself (helper process or worker thread) ────────────

/// Reads the pages' text, stopping once `max_text` bytes are collected.
/// Panics inside pdf-extract are caught per page.
fn extract_pages(bytes: &[u8], max_text: usize, max_memory: u64) -> Result<RawPdf, String> {
    check_streams(bytes, max_memory / 4, max_memory)?;
    let loaded = catch_unwind(|| lopdf::Document::load_mem(bytes));
    let mut doc = match loaded {
        Ok(Ok(doc)) => doc,
        Ok(Err(e)) => return Err(format!("not a readable PDF ({e})")),
        Err(p) => {
            return Err(format!(
                "not a readable PDF (the parser failed: {})",
                panic_message(p.as_ref())
            ));
        }
    };
    if doc.is_encrypted() {
        let ok = matches!(
            catch_unwind(AssertUnwindSafe(|| doc.decrypt(""))),
            Ok(Ok(()))
        );
        if !ok {
            return Err("it is encrypted and needs a password".to_owned());
        }
    }
    let title = catch_unwind(AssertUnwindSafe(|| info_title(&doc)))
        .ok()
        .flatten();
    let numbers: Vec<u32> = match catch_unwind(AssertUnwindSafe(|| doc.get_pages())) {
        Ok(pages) => pages.into_keys().collect(),
        Err(p) => {
            return Err(format!(
                "its page tree could not be read ({})",
                panic_message(p.as_ref())
            ));
        }
    };
    let mut raw = RawPdf {
        title,
        ..RawPdf::default()
    };
    if numbers.len() > MAX_PAGES {
        raw.notes.push(format!(
            "read only the first {MAX_PAGES} of {} pages",
            numbers.len()
        ));
    }
    let mut total = 0usize;
    for (i, &number) in numbers.iter().take(MAX_PAGES).enumerate() {
        if total > max_text {
            raw.notes.push(format!(
                "stopped after page {i} of {}: the text limit was reached",
                numbers.len()
            ));
            break;
        }
        let page = catch_unwind(AssertUnwindSafe(|| {
            let mut s = String::new();
            let r = {
                let mut out = pdf_extract::PlainTextOutput::new(&mut s);
                pdf_extract::output_doc_page(&doc, &mut out, number)
            };
            r.map(|()| s)
        }));
        raw.pages.push(match page {
            Ok(Ok(s)) => {
                total += s.len();
                Page::Text(s)
            }
            Ok(Err(e)) => Page::Failed(e.to_string()),
            Err(p) => Page::Failed(format!(
                "the extractor failed: {}",
                panic_message(p.as_ref())
            )),
        });
    }
    Ok(raw)
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    let msg = p
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_owned());
    clean_line(&msg, 200).unwrap_or_else(|| "panic".to_owned())
}

/// The Info dictionary's /Title, decoded (UTF-16 with a BOM, UTF-8 with a
/// BOM, else PDFDocEncoding read as Latin-1).
fn info_title(doc: &lopdf::Document) -> Option<String> {
    let deref = |o: &'_ Object| -> Option<Object> {
        match o {
            Object::Reference(id) => doc.get_object(*id).ok().cloned(),
            other => Some(other.clone()),
        }
    };
    let info = deref(doc.trailer.get(b"Info").ok()?)?;
    let title = deref(info.as_dict().ok()?.get(b"Title").ok()?)?;
    let bytes = title.as_str().ok()?;
    let text = if let Some(rest) = bytes.strip_prefix(&[0xfe, 0xff]) {
        UTF_16BE.decode_without_bom_handling(rest).0.into_owned()
    } else if let Some(rest) = bytes.strip_prefix(&[0xff, 0xfe]) {
        UTF_16LE.decode_without_bom_handling(rest).0.into_owned()
    } else if let Some(rest) = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        bytes.iter().map(|&b| char::from(b)).collect()
    };
    clean_line(&text, MAX_TITLE)
}

/// Refuses a PDF one of whose streams inflates beyond `per_stream` bytes,
/// or all of whose streams together inflate beyond `total`. The inflated
/// bytes are counted and discarded, 64 KiB at a time.
fn check_streams(bytes: &[u8], per_stream: u64, total: u64) -> Result<(), String> {
    let finder = memchr::memmem::Finder::new(b"stream");
    let end_finder = memchr::memmem::Finder::new(b"endstream");
    let mut buf = vec![0u8; 64 << 10];
    let mut sum = 0u64;
    let mut pos = 0;
    while let Some(off) = finder.find(&bytes[pos..]) {
        let at = pos + off;
        pos = at + 6;
        if at >= 3 && &bytes[at - 3..at] == b"end" {
            continue;
        }
        let mut body = at + 6;
        if bytes.get(body) == Some(&b'\r') {
            body += 1;
        }
        if bytes.get(body) == Some(&b'\n') {
            body += 1;
        }
        let end = end_finder
            .find(&bytes[body..])
            .map_or(bytes.len(), |e| body + e);
        let data = &bytes[body..end];
        pos = end;
        let n = stream_size(data, per_stream, &mut buf);
        if n > per_stream {
            return Err(format!(
                "the stream at byte {at} inflates to more than {} (a decompression bomb?)",
                human_bytes(per_stream)
            ));
        }
        sum += n;
        if sum > total {
            return Err(format!(
                "its streams inflate to more than {} in all (a decompression bomb?)",
                human_bytes(total)
            ));
        }
    }
    Ok(())
}

/// Most nested zlib layers followed; a stream with more is refused.
const MAX_LAYERS: usize = 8;

/// How many bytes a stream body inflates to (at most `cap + 1` counted),
/// following nested zlib layers, since lopdf applies a whole filter array
/// such as `[/FlateDecode /FlateDecode]`; `u64::MAX` for more than
/// [`MAX_LAYERS`] layers.
fn stream_size(data: &[u8], cap: u64, buf: &mut [u8]) -> u64 {
    let layered = |depth: usize| -> Box<dyn Read + '_> {
        let mut r: Box<dyn Read + '_> = Box::new(ZlibDecoder::new(data));
        for _ in 1..depth {
            r = Box::new(ZlibDecoder::new(r));
        }
        r
    };
    let one = inflated_size(layered(1), cap, buf);
    if one == 0 && data.len() > 2 {
        return inflated_size(DeflateDecoder::new(&data[2..]), cap, buf);
    }
    let mut largest = one;
    let mut depth = 1;
    while starts_zlib(layered(depth)) {
        depth += 1;
        if depth > MAX_LAYERS {
            return u64::MAX;
        }
        largest = largest.max(inflated_size(layered(depth), cap, buf));
    }
    largest
}

/// Whether what `r` yields begins with a zlib header (RFC 1950: method 8,
/// header checksum divisible by 31).
fn starts_zlib(mut r: impl Read) -> bool {
    let mut head = [0u8; 2];
    r.read_exact(&mut head).is_ok()
        && head[0] & 0x0f == 8
        && (u16::from(head[0]) << 8 | u16::from(head[1])).is_multiple_of(31)
}

/// How many bytes `r` yields before an error or the end, counting at most
/// `cap + 1`.
fn inflated_size(mut r: impl Read, cap: u64, buf: &mut [u8]) -> u64 {
    let mut n = 0u64;
    while n <= cap {
        match r.read(buf) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k as u64,
        }
    }
    n
}

// ── In process ──────────────────────────────────────────────────────────

fn run_in_process(bytes: &[u8], limits: &Limits) -> Result<RawPdf, TextError> {
    let data = bytes.to_vec();
    let (max_text, max_memory) = (limits.max_text_bytes, limits.pdf_max_memory);
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("iotcheck-pdf-text".to_owned())
        .stack_size(64 << 20)
        .spawn(move || {
            let r =
                catch_unwind(|| extract_pages(&data, max_text, max_memory)).unwrap_or_else(|p| {
                    Err(format!("the parser failed: {}", panic_message(p.as_ref())))
                });
            // The receiver is gone after a timeout: nobody to tell.
            let _ = tx.send(r);
        })
        .map_err(|e| TextError::Pdf(format!("cannot start the extraction thread: {e}")))?;
    match rx.recv_timeout(limits.pdf_timeout) {
        Ok(r) => r.map_err(TextError::Pdf),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(TextError::Timeout),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(TextError::Pdf(
            "the extraction thread stopped without an answer".to_owned(),
        )),
    }
}

// ── Helper process: the parent side ────────────────────────────────────

/// Stderr kept from a failed helper, for the error message.
const STDERR_KEEP: usize = 4096;

fn run_helper(helper: &PdfHelper, bytes: &[u8], limits: &Limits) -> Result<RawPdf, TextError> {
    let started = Instant::now();
    let mut child = Command::new(&helper.program)
        .args(&helper.args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            TextError::Pdf(format!(
                "cannot start the PDF helper {}: {e}",
                helper.program.display()
            ))
        })?;
    let (Some(mut stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(TextError::Pdf("the PDF helper has no pipes".to_owned()));
    };
    let mut header = Vec::with_capacity(MAGIC.len() + 24);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&limits.pdf_max_memory.to_le_bytes());
    header.extend_from_slice(&(limits.max_text_bytes as u64).to_le_bytes());
    header.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    // Room for the text, the title, notes and five bytes per page frame.
    let out_cap = limits.max_text_bytes.saturating_add(16 << 20);
    let overflow = AtomicBool::new(false);

    let (status, out, err) = std::thread::scope(|s| {
        s.spawn(move || {
            // A helper that exits early closes the pipe: its answer says why.
            let _ = stdin
                .write_all(&header)
                .and_then(|()| stdin.write_all(bytes));
        });
        let out = s.spawn(|| read_capped(stdout, out_cap, &overflow));
        let err = s.spawn(|| read_capped(stderr, STDERR_KEEP, &AtomicBool::new(false)));
        let status = wait_or_kill(&mut child, started, limits.pdf_timeout, &overflow);
        (
            status,
            out.join().unwrap_or_default(),
            err.join().unwrap_or_default(),
        )
    });
    let status = status?;
    if overflow.load(Ordering::Relaxed) {
        return Err(TextError::Pdf(format!(
            "the PDF helper answered with more than {}",
            human_bytes(out_cap as u64)
        )));
    }
    let stderr = String::from_utf8_lossy(&err);
    if !status.success() {
        if stderr.contains("memory allocation of") {
            return Err(TextError::Pdf(format!(
                "it needs more than the memory limit of {} (a decompression bomb or an oversized structure?)",
                human_bytes(limits.pdf_max_memory)
            )));
        }
        let detail = clean_line(&stderr, 300)
            .map(|s| format!(": {s}"))
            .unwrap_or_default();
        return Err(TextError::Pdf(format!(
            "the PDF helper failed ({status}){detail}"
        )));
    }
    parse_answer(&out)
        .map_err(|e| TextError::Pdf(format!("the PDF helper's answer is malformed: {e}")))?
}

/// Reads at most `cap` bytes, then discards the rest (so the writer never
/// blocks) and raises `overflow`.
fn read_capped(r: impl Read, cap: usize, overflow: &AtomicBool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut r = r;
    let _ = r.by_ref().take(cap as u64).read_to_end(&mut out);
    let mut sink = [0u8; 8192];
    loop {
        match r.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(_) => overflow.store(true, Ordering::Relaxed),
        }
    }
    out
}

fn wait_or_kill(
    child: &mut std::process::Child,
    started: Instant,
    timeout: Duration,
    overflow: &AtomicBool,
) -> Result<std::process::ExitStatus, TextError> {
    let mut nap = Duration::from_millis(1);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) => {}
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(TextError::Pdf(format!("lost the PDF helper: {e}")));
            }
        }
        if overflow.load(Ordering::Relaxed) {
            let _ = child.kill();
            return child
                .wait()
                .map_err(|e| TextError::Pdf(format!("lost the PDF helper: {e}")));
        }
        if started.elapsed() >= timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(TextError::Timeout);
        }
        std::thread::sleep(nap.min(timeout.saturating_sub(started.elapsed())));
        nap = (nap * 2).min(Duration::from_millis(20));
    }
}

/// One frame of the helper's answer: a tag byte, a little-endian `u32`
/// length, that many bytes of UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    Title = b'T' as isize,
    PageText = b'P' as isize,
    PageFailed = b'F' as isize,
    Note = b'N' as isize,
    Error = b'E' as isize,
    End = b'.' as isize,
}

impl Frame {
    fn from_tag(tag: u8) -> Option<Frame> {
        Some(match tag {
            b'T' => Frame::Title,
            b'P' => Frame::PageText,
            b'F' => Frame::PageFailed,
            b'N' => Frame::Note,
            b'E' => Frame::Error,
            b'.' => Frame::End,
            _ => return None,
        })
    }
}

/// The helper's answer: the pages, or the error it reported.
fn parse_answer(mut data: &[u8]) -> Result<Result<RawPdf, TextError>, String> {
    data = data
        .strip_prefix(MAGIC.as_slice())
        .ok_or("it does not start with the protocol header")?;
    let mut raw = RawPdf::default();
    loop {
        let (&tag, rest) = data.split_first().ok_or("it ends before its end mark")?;
        let frame = Frame::from_tag(tag).ok_or_else(|| format!("unknown frame tag {tag:#04x}"))?;
        let len_bytes: [u8; 4] = rest
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .ok_or("a frame length is cut off")?;
        let len = u32::from_le_bytes(len_bytes) as usize;
        let payload = rest
            .get(4..4 + len)
            .ok_or("a frame is longer than the answer")?;
        data = &rest[4 + len..];
        let text = String::from_utf8_lossy(payload).into_owned();
        match frame {
            Frame::Title => raw.title = clean_line(&text, MAX_TITLE),
            Frame::PageText => raw.pages.push(Page::Text(text)),
            Frame::PageFailed => raw.pages.push(Page::Failed(text)),
            Frame::Note => raw.notes.push(text),
            Frame::Error => return Ok(Err(TextError::Pdf(text))),
            Frame::End => return Ok(Ok(raw)),
        }
    }
}

// ── Helper process: the child side ──────────────────────────────────────

/// The PDF helper's whole life: reads a request on stdin (limits and the
/// PDF), lowers its own address-space limit, extracts, answers on stdout,
/// and returns the exit code. Meant to be all that a process does (it
/// silences the panic hook): the iotcheck CLI runs it as a hidden
/// subcommand, this crate's `iotcheck-pdf-text` binary runs nothing else.
pub fn pdf_child_main() -> ExitCode {
    // Panics are caught and reported in the answer; the default hook would
    // only add noise on stderr.
    std::panic::set_hook(Box::new(|_| {}));
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let answer = serve(&mut std::io::stdin().lock());
    let code = match &answer {
        Ok(_) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(2),
    };
    let written = write_answer(&mut stdout, answer).and_then(|()| stdout.flush());
    if written.is_err() {
        return ExitCode::from(3);
    }
    code
}

/// Reads the request and extracts; `Err` only for a request that is not
/// one (the extraction's own failures are answers).
fn serve(stdin: &mut impl Read) -> Result<Result<RawPdf, String>, String> {
    let mut header = [0u8; 44];
    stdin
        .read_exact(&mut header)
        .map_err(|e| format!("no request on stdin: {e}"))?;
    if &header[..20] != MAGIC {
        return Err("stdin is not a PDF text request (run by iotcheck, not by hand)".to_owned());
    }
    let word = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&header[20 + 8 * i..28 + 8 * i]);
        u64::from_le_bytes(w)
    };
    let (max_memory, max_text, len) = (word(0), word(1), word(2));
    if let Err(e) = rlimit::setrlimit(rlimit::Resource::AS, max_memory, max_memory) {
        return Ok(Err(format!(
            "the helper could not set its memory limit: {e}"
        )));
    }
    if len > max_memory / 2 {
        return Ok(Err(format!(
            "the PDF is {len} bytes, too large for the memory limit"
        )));
    }
    let mut pdf = Vec::new();
    stdin
        .take(len)
        .read_to_end(&mut pdf)
        .map_err(|e| format!("cannot read the PDF from stdin: {e}"))?;
    if pdf.len() as u64 != len {
        return Err(format!("stdin ended after {} of {len} bytes", pdf.len()));
    }
    let max_text = usize::try_from(max_text).unwrap_or(usize::MAX);
    Ok(catch_unwind(|| extract_pages(&pdf, max_text, max_memory))
        .unwrap_or_else(|p| Err(format!("the parser failed: {}", panic_message(p.as_ref())))))
}

fn write_answer(
    out: &mut impl Write,
    answer: Result<Result<RawPdf, String>, String>,
) -> std::io::Result<()> {
    let frame = |out: &mut dyn Write, f: Frame, s: &str| -> std::io::Result<()> {
        let bytes = s.as_bytes();
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX) as usize;
        out.write_all(&[f as u8])?;
        out.write_all(&(len as u32).to_le_bytes())?;
        out.write_all(&bytes[..len])
    };
    out.write_all(MAGIC)?;
    match answer {
        Ok(Ok(raw)) => {
            if let Some(t) = &raw.title {
                frame(out, Frame::Title, t)?;
            }
            for page in &raw.pages {
                match page {
                    Page::Text(t) => frame(out, Frame::PageText, t)?,
                    Page::Failed(why) => frame(out, Frame::PageFailed, why)?,
                }
            }
            for note in &raw.notes {
                frame(out, Frame::Note, note)?;
            }
        }
        Ok(Err(e)) | Err(e) => frame(out, Frame::Error, &e)?,
    }
    frame(out, Frame::End, "")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn answer_round_trip_and_malformed_answers() {
        let raw = RawPdf {
            title: Some("T".into()),
            pages: vec![Page::Text("a".into()), Page::Failed("why".into())],
            notes: vec!["n".into()],
        };
        let mut out = Vec::new();
        write_answer(&mut out, Ok(Ok(raw))).unwrap();
        let back = parse_answer(&out).unwrap().unwrap();
        assert_eq!(back.title.as_deref(), Some("T"));
        assert_eq!(back.pages.len(), 2);
        assert_eq!(back.notes, vec!["n".to_owned()]);
        for cut in 0..out.len() {
            assert!(parse_answer(&out[..cut]).is_err(), "cut at {cut}");
        }
        let mut out = Vec::new();
        write_answer(&mut out, Ok(Err("bad".into()))).unwrap();
        assert!(matches!(parse_answer(&out), Ok(Err(TextError::Pdf(m))) if m == "bad"));
    }

    #[test]
    fn page_runs() {
        assert_eq!(runs(&[1, 2, 3, 5]), vec![(1, 3), (5, 5)]);
    }
}
