//! Loading an input: checking it is a regular file of bounded size,
//! recognising its type from its first bytes, and hashing it.

use std::io::Read;
use std::path::PathBuf;

use iotcheck_model::{InputKind, InputRef, InputStatus};
use sha2::{Digest, Sha256};

use crate::InputSpec;

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Pcap,
    PcapNg,
    /// A gzip stream whose first bytes are a pcap or pcapng capture.
    GzipCapture,
    Gzip,
    Xz,
    Zip,
    UImage,
    SquashFs,
    Trx,
    Elf,
    Pdf,
    /// An SQLite 3 database (the vulnerability database).
    Sqlite,
    Html,
    Text,
    /// Another container or compression stream the firmware unpacker
    /// reads (`cramfs filesystem`, `zstd-compressed data`, …).
    Container(&'static str),
    Binary,
    Empty,
}

impl Sniffed {
    pub fn describe(self) -> &'static str {
        match self {
            Sniffed::Pcap => "pcap capture",
            Sniffed::PcapNg => "pcapng capture",
            Sniffed::GzipCapture => "gzip-compressed capture",
            Sniffed::Gzip => "gzip-compressed data",
            Sniffed::Xz => "xz-compressed data",
            Sniffed::Zip => "zip archive",
            Sniffed::UImage => "U-Boot legacy uImage",
            Sniffed::SquashFs => "squashfs filesystem",
            Sniffed::Trx => "TRX firmware container",
            Sniffed::Elf => "ELF executable",
            Sniffed::Pdf => "PDF document",
            Sniffed::Sqlite => "SQLite database",
            Sniffed::Html => "HTML document",
            Sniffed::Text => "text document",
            Sniffed::Container(what) => what,
            Sniffed::Binary => "unrecognised binary data",
            Sniffed::Empty => "empty file",
        }
    }

    /// Inflates at most the first 8 bytes of a gzip stream (from the head
    /// alone, so a bomb cannot cost more) and looks for a capture magic.
    fn gzip_holds_capture(head: &[u8]) -> bool {
        use std::io::Read;
        let mut inner = [0u8; 8];
        let mut decoder = flate2::read::GzDecoder::new(head);
        let mut filled = 0;
        while filled < inner.len() {
            match decoder.read(&mut inner[filled..]) {
                Ok(0) | Err(_) => break,
                Ok(n) => filled += n,
            }
        }
        filled >= 4
            && matches!(
                Sniffed::from_head(&inner[..filled]),
                Sniffed::Pcap | Sniffed::PcapNg
            )
    }

    /// Recognises a file from its first bytes (up to 4 KiB).
    pub fn from_head(head: &[u8]) -> Sniffed {
        const PCAP_MAGICS: [[u8; 4]; 4] = [
            [0xa1, 0xb2, 0xc3, 0xd4],
            [0xd4, 0xc3, 0xb2, 0xa1],
            [0xa1, 0xb2, 0x3c, 0x4d],
            [0x4d, 0x3c, 0xb2, 0xa1],
        ];
        if head.is_empty() {
            return Sniffed::Empty;
        }
        let starts = |m: &[u8]| head.starts_with(m);
        if PCAP_MAGICS.iter().any(|m| starts(m)) {
            return Sniffed::Pcap;
        }
        let checks: [(&[u8], Sniffed); 11] = [
            (&[0x0a, 0x0d, 0x0d, 0x0a], Sniffed::PcapNg),
            (&[0x1f, 0x8b], Sniffed::Gzip),
            (&[0xfd, b'7', b'z', b'X', b'Z', 0x00], Sniffed::Xz),
            (b"PK\x03\x04", Sniffed::Zip),
            (&[0x27, 0x05, 0x19, 0x56], Sniffed::UImage),
            (b"hsqs", Sniffed::SquashFs),
            (b"sqsh", Sniffed::SquashFs),
            (b"HDR0", Sniffed::Trx),
            (b"\x7fELF", Sniffed::Elf),
            (b"%PDF-", Sniffed::Pdf),
            (b"SQLite format 3\0", Sniffed::Sqlite),
        ];
        if let Some((_, s)) = checks.iter().find(|(m, _)| starts(m)) {
            if *s == Sniffed::Gzip && Sniffed::gzip_holds_capture(head) {
                return Sniffed::GzipCapture;
            }
            return *s;
        }
        let text = match std::str::from_utf8(head) {
            Ok(t) => Some(t),
            // A multi-byte character cut by the 4 KiB window is still text.
            Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok(),
            Err(_) => None,
        };
        match text {
            Some(t) if !t.chars().any(|c| c.is_control() && !c.is_whitespace()) => {
                let start = t.trim_start_matches('\u{feff}').trim_start();
                let lower: String = start
                    .chars()
                    .take(512)
                    .collect::<String>()
                    .to_ascii_lowercase();
                if lower.starts_with("<!doctype html")
                    || lower.starts_with("<html")
                    || lower.contains("<html")
                    || lower.contains("<body")
                {
                    Sniffed::Html
                } else {
                    Sniffed::Text
                }
            }
            _ => iotcheck_firmware::identify(head).map_or(Sniffed::Binary, Sniffed::Container),
        }
    }
}

/// An input that was read and recognised.
#[derive(Debug, Clone)]
pub struct LoadedInput {
    pub kind: InputKind,
    pub location: String,
    /// `None` for hosts.
    pub path: Option<PathBuf>,
    pub sniffed: Option<Sniffed>,
    pub bytes: u64,
    pub sha256: Option<String>,
}

impl LoadedInput {
    pub fn to_ref(&self) -> InputRef {
        InputRef {
            kind: self.kind,
            location: self.location.clone(),
            status: InputStatus::Loaded,
            message: Some(match self.sniffed {
                Some(s) => s.describe().to_string(),
                None => {
                    "host (not contacted: probing is only done by the probe analyzer)".to_string()
                }
            }),
            bytes: self.path.is_some().then_some(self.bytes),
            sha256: self.sha256.clone(),
        }
    }
}

/// Largest document iotcheck reads (policies, security.txt).
const MAX_DOCUMENT: u64 = 32 << 20;
const MAX_SECURITY_TXT: u64 = 1 << 20;

/// Loads one input, or says in one sentence why it cannot be used.
pub(crate) fn load(spec: &InputSpec) -> Result<LoadedInput, String> {
    if let Some(problem) = &spec.problem {
        return Err(problem.clone());
    }
    let Some(path) = &spec.path else {
        if spec.kind == InputKind::Host {
            if !crate::bundle::is_host(&spec.location) {
                return Err("not an IP address or host name".into());
            }
            return Ok(LoadedInput {
                kind: spec.kind,
                location: spec.location.clone(),
                path: None,
                sniffed: None,
                bytes: 0,
                sha256: None,
            });
        }
        return Err("no file given".into());
    };
    // metadata() follows symlinks: what is checked is what will be opened.
    let meta = std::fs::metadata(path).map_err(|e| io_reason(&e))?;
    if !meta.is_file() {
        return Err(if meta.is_dir() {
            "is a directory, not a file".into()
        } else {
            "not a regular file (device, FIFO or socket)".into()
        });
    }
    let cap = match spec.kind {
        InputKind::SecurityTxt => Some(MAX_SECURITY_TXT),
        InputKind::PrivacyPolicy | InputKind::DisclosurePolicy => Some(MAX_DOCUMENT),
        _ => None,
    };
    if let Some(cap) = cap
        && meta.len() > cap
    {
        return Err(format!(
            "{} bytes is larger than the {} bytes a {} may have",
            meta.len(),
            cap,
            spec.kind.noun()
        ));
    }
    // Only the head is read here; the fingerprint is computed alongside the
    // analyzers (see `sha256_of`), so a large capture is not read twice in a row.
    let mut head = Vec::with_capacity(4096);
    std::fs::File::open(path)
        .and_then(|f| f.take(4096).read_to_end(&mut head))
        .map_err(|e| io_reason(&e))?;
    let sniffed = Sniffed::from_head(&head);
    check_kind(spec.kind, sniffed)?;
    Ok(LoadedInput {
        kind: spec.kind,
        location: spec.location.clone(),
        path: Some(path.clone()),
        sniffed: Some(sniffed),
        bytes: meta.len(),
        sha256: None,
    })
}

/// SHA-256 of a file, streamed with a fixed buffer.
pub(crate) fn sha256_of(path: &std::path::Path) -> Result<String, String> {
    let mut file = std::fs::File::open(path).map_err(|e| io_reason(&e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(|e| io_reason(&e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// A reader that passes every byte it reads to a SHA-256 running on a
/// thread of its own, so an analyzer that reads its input once from start
/// to end fingerprints it in the same pass: the file is read once, and on
/// two cores the digest costs no wall time beyond its own (SHA-256 is
/// sequential: about 0.8 s/GB here with the CPU's SHA instructions, the
/// floor for any command that fingerprints a whole capture).
///
/// Memory is bounded: chunks of [`Self::CHUNK`] bytes, at most
/// [`Self::QUEUE`] waiting, recycled once hashed.
pub(crate) struct HashingReader<R> {
    inner: R,
    chunk: Vec<u8>,
    to_hasher: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    recycled: std::sync::mpsc::Receiver<Vec<u8>>,
    hasher: Option<std::thread::JoinHandle<String>>,
}

impl<R: Read> HashingReader<R> {
    const CHUNK: usize = 256 << 10;
    const QUEUE: usize = 4;

    pub(crate) fn new(inner: R) -> Self {
        let (to_hasher, work) = std::sync::mpsc::sync_channel::<Vec<u8>>(Self::QUEUE);
        let (give_back, recycled) = std::sync::mpsc::sync_channel::<Vec<u8>>(Self::QUEUE + 2);
        let hasher = std::thread::spawn(move || {
            let mut hasher = Sha256::new();
            for mut chunk in work {
                hasher.update(&chunk);
                chunk.clear();
                // A full return queue only means the reader has enough.
                let _ = give_back.try_send(chunk);
            }
            hex(&hasher.finalize())
        });
        Self {
            inner,
            chunk: Vec::with_capacity(Self::CHUNK),
            to_hasher: Some(to_hasher),
            recycled,
            hasher: Some(hasher),
        }
    }

    fn pass_on(&mut self) {
        let fresh = self
            .recycled
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(Self::CHUNK));
        let full = std::mem::replace(&mut self.chunk, fresh);
        if let Some(tx) = &self.to_hasher {
            // The hasher only stops when this sender is dropped.
            let _ = tx.send(full);
        }
    }

    /// Reads whatever the analyzer left unread (a capture whose analysis
    /// stopped early is still fingerprinted whole) and returns the SHA-256
    /// of every byte of the stream.
    pub(crate) fn finish(mut self) -> Result<String, String> {
        std::io::copy(&mut self, &mut std::io::sink()).map_err(|e| io_reason(&e))?;
        self.pass_on();
        drop(self.to_hasher.take());
        self.hasher
            .take()
            .and_then(|h| h.join().ok())
            .ok_or_else(|| "the fingerprint thread stopped".to_string())
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut rest = buf.get(..n).unwrap_or_default();
        while !rest.is_empty() {
            let room = Self::CHUNK.saturating_sub(self.chunk.len()).max(1);
            let (now, later) = rest.split_at(room.min(rest.len()));
            self.chunk.extend_from_slice(now);
            if self.chunk.len() >= Self::CHUNK {
                self.pass_on();
            }
            rest = later;
        }
        Ok(n)
    }
}

impl<R> Drop for HashingReader<R> {
    fn drop(&mut self) {
        drop(self.to_hasher.take());
        if let Some(h) = self.hasher.take() {
            let _ = h.join();
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Whether a file of this type can be an input of this kind; the error says
/// what was expected and what was found.
pub fn check_kind(kind: InputKind, s: Sniffed) -> Result<(), String> {
    use Sniffed::*;
    let ok = match kind {
        InputKind::Capture => matches!(s, Pcap | PcapNg | GzipCapture),
        InputKind::Firmware => s != Empty,
        InputKind::PrivacyPolicy | InputKind::DisclosurePolicy => matches!(s, Html | Text | Pdf),
        InputKind::SecurityTxt => s == Text,
        InputKind::VulnerabilityDb => s == Sqlite,
        InputKind::Host | InputKind::Claims => true,
    };
    if ok {
        return Ok(());
    }
    let expected = match kind {
        InputKind::Capture => "a pcap or pcapng capture (optionally gzip-compressed)",
        InputKind::Firmware => "a non-empty firmware image",
        InputKind::PrivacyPolicy | InputKind::DisclosurePolicy => "an HTML, text or PDF document",
        InputKind::SecurityTxt => "a UTF-8 text file",
        InputKind::VulnerabilityDb => {
            "an iotcheck vulnerability database (`iotcheck vulns db import`)"
        }
        _ => "something else",
    };
    Err(format!("expected {expected}, found {}", s.describe()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn recognises_magics() {
        assert_eq!(
            Sniffed::from_head(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0]),
            Sniffed::Pcap
        );
        assert_eq!(
            Sniffed::from_head(&[0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0]),
            Sniffed::PcapNg
        );
        assert_eq!(Sniffed::from_head(b"<!DOCTYPE html><html>"), Sniffed::Html);
        assert_eq!(
            Sniffed::from_head(b"\xef\xbb\xbf  <html lang=en>"),
            Sniffed::Html
        );
        assert_eq!(Sniffed::from_head(b"Contact: mailto:a@b\n"), Sniffed::Text);
        assert_eq!(Sniffed::from_head(b"\x00\x01\x02garbage"), Sniffed::Binary);
        assert_eq!(
            Sniffed::from_head(b"-rom1fs-\0\0\x01\0").describe(),
            "romfs filesystem"
        );
        assert_eq!(
            Sniffed::from_head(&[0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x00]).describe(),
            "zstd-compressed data"
        );
        assert_eq!(Sniffed::from_head(b""), Sniffed::Empty);
    }

    #[test]
    fn gzip_is_a_capture_only_when_it_holds_one() {
        use std::io::Write;
        let gz = |data: &[u8]| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        };
        assert_eq!(
            Sniffed::from_head(&gz(&[0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c])),
            Sniffed::GzipCapture
        );
        assert_eq!(
            Sniffed::from_head(&gz(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0])),
            Sniffed::GzipCapture
        );
        assert_eq!(
            Sniffed::from_head(&gz(b"ustar tarball bytes")),
            Sniffed::Gzip
        );
        assert!(check_kind(InputKind::Capture, Sniffed::Gzip).is_err());
        // A truncated gzip header is data, not a capture, and no panic.
        assert_eq!(Sniffed::from_head(&[0x1f, 0x8b, 8]), Sniffed::Gzip);
    }

    fn spec_for(kind: InputKind, content: &[u8]) -> (tempfile::TempDir, InputSpec) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, content).unwrap();
        (dir, InputSpec::file(kind, p))
    }

    #[test]
    fn wrong_type_is_named() {
        let (_d, spec) = spec_for(InputKind::Capture, b"<html>not a capture</html>");
        assert_eq!(
            load(&spec).unwrap_err(),
            "expected a pcap or pcapng capture (optionally gzip-compressed), found HTML document"
        );
        let (_d, spec) = spec_for(InputKind::SecurityTxt, b"\x7fELF\x02\x01");
        assert!(load(&spec).unwrap_err().contains("found ELF executable"));
    }

    #[test]
    fn loads_and_hashes() {
        let (_d, spec) = spec_for(
            InputKind::SecurityTxt,
            b"Contact: mailto:security@acme.example\n",
        );
        let l = load(&spec).unwrap();
        assert_eq!(l.bytes, 38);
        // The same value sha256sum prints for these 38 bytes.
        assert_eq!(
            sha256_of(l.path.as_ref().unwrap()).unwrap(),
            "96e1265ac433a82444ef8c5d6fcfb216544588a3b2764a5367531d46400848fc"
        );
    }

    #[cfg(unix)]
    #[test]
    fn refuses_devices_and_directories() {
        let spec = InputSpec::file(InputKind::Firmware, "/dev/zero");
        assert!(load(&spec).unwrap_err().contains("not a regular file"));
        let spec = InputSpec::file(InputKind::Firmware, "/tmp");
        assert!(load(&spec).unwrap_err().contains("directory"));
    }

    /// Reads `data` through a `HashingReader` in reads of the given sizes
    /// (cycled), stopping after `stop_after` bytes, then finishes.
    fn hashed_in_pieces(data: &[u8], sizes: &[usize], stop_after: usize) -> String {
        let mut r = HashingReader::new(data);
        let mut got = 0;
        let mut i = 0;
        while got < stop_after {
            let want = sizes[i % sizes.len()].clamp(1, stop_after - got);
            let mut buf = vec![0u8; want];
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            got += n;
            i += 1;
        }
        r.finish().unwrap()
    }

    #[test]
    fn hashing_reader_digest_is_sha256_of_the_whole_stream() {
        // More than a few chunks, so recycling and the bounded queue run.
        let data: Vec<u8> = (0..5 * HashingReader::<&[u8]>::CHUNK + 12_345)
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        let want = hex(&Sha256::digest(&data));
        assert_eq!(hashed_in_pieces(&data, &[3 << 20], data.len()), want);
        assert_eq!(hashed_in_pieces(&data, &[1, 7, 65_536], data.len()), want);
        // An analysis that stops early still gets the whole file's digest.
        assert_eq!(hashed_in_pieces(&data, &[4096], 10_000), want);
        assert_eq!(hashed_in_pieces(&data, &[4096], 0), want);
        assert_eq!(
            hashed_in_pieces(&[], &[10], 0),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    proptest! {
        #[test]
        fn sniffing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = Sniffed::from_head(&bytes);
        }

        #[test]
        fn hashing_reader_agrees_with_sha256(
            data in proptest::collection::vec(any::<u8>(), 0..3000),
            sizes in proptest::collection::vec(1usize..700, 1..6),
            stop in 0usize..3000,
        ) {
            let want = hex(&Sha256::digest(&data));
            prop_assert_eq!(hashed_in_pieces(&data, &sizes, stop.min(data.len())), want);
        }
    }
}
