//! SquashFS 4.x (Linux `Documentation/filesystems/squashfs.rst`), read with
//! `backhand` from a byte window that ends at the superblock's
//! `bytes_used`: the declared length is the only window the reader sees.
//!
//! The superblock is checked here first (version, block size, sizes and
//! table offsets against the window, inode count against
//! [`crate::Limits::max_files`]) so hostile values are reported with their
//! offset before `backhand` allocates anything.
//!
//! Blocks are decoded by [`BoundedBlocks`], not by backhand's own
//! decompressors: theirs grow the output until the stream ends, so one
//! hostile 8 KiB metadata block could inflate to megabytes; ours stop at the
//! block's size. It also decodes every compressor mksquashfs writes — gzip
//! (zlib), lzma, lzo, xz, lz4, zstd — with pure-Rust decoders (backhand's
//! own LZO support is GPL and stays off).
//!
//! File data is decoded on two threads ([`WORKERS`]) sharing one
//! `FilesystemReader` (it is `Sync`: its image reader sits behind a mutex
//! held only to copy a block's raw bytes; decompression runs outside it).
//! Entries are still recorded on the walk's thread, in `backhand`'s order,
//! and every limit is decided there as a single-threaded walk decides it
//! (see [`entries`]), so the image is the same with or without threads.

use std::collections::{HashMap, VecDeque};
use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};

use backhand::compression::{CompressionAction, Compressor};
use backhand::kind::Kind;
use backhand::{
    BackhandError, FilesystemCompressor, FilesystemReader, InnerNode, Node, SquashfsFileReader,
    SuperBlock,
};

use crate::formats::compress::{self, Codec, DecompressError};
use crate::formats::squashfs_v3;
use crate::image::EntryKind;
use crate::unpack::Unpacker;

/// The largest block squashfs 4 allows, so the most one block may decode to.
const MAX_BLOCK: usize = 1 << 20;
/// A metadata block decodes to at most 8 KiB.
const METADATA_BLOCK: usize = 8192;

/// Every squashfs 4 compressor, bounded: a block may decode to no more than
/// the room backhand reserved for it (the block size for data, 8 KiB for
/// metadata), and never more than 1 MiB.
struct BoundedBlocks;

static BOUNDED_BLOCKS: BoundedBlocks = BoundedBlocks;

impl CompressionAction for BoundedBlocks {
    type Error = BackhandError;
    type Compressor = Compressor;
    type FilesystemCompressor = FilesystemCompressor;
    type SuperBlock = SuperBlock;

    fn decompress(
        &self,
        bytes: &[u8],
        out: &mut Vec<u8>,
        compressor: Compressor,
    ) -> Result<(), BackhandError> {
        let room = out
            .capacity()
            .saturating_sub(out.len())
            .clamp(METADATA_BLOCK, MAX_BLOCK);
        let block =
            decode_block(bytes, room, compressor).map_err(BackhandError::CompressionInit)?;
        out.extend_from_slice(&block);
        Ok(())
    }

    fn compress(
        &self,
        _bytes: &[u8],
        _fc: FilesystemCompressor,
        _block_size: u32,
    ) -> Result<Vec<u8>, BackhandError> {
        Err(BackhandError::UnsupportedCompression(
            "iotcheck only reads squashfs".into(),
        ))
    }
}

/// One block decoded to at most `room` bytes.
fn decode_block(bytes: &[u8], room: usize, compressor: Compressor) -> Result<Vec<u8>, String> {
    let codec = match compressor {
        Compressor::Uncompressed => {
            return if bytes.len() <= room {
                Ok(bytes.to_vec())
            } else {
                Err(format!("block of {} bytes is over {room}", bytes.len()))
            };
        }
        Compressor::Lz4 => {
            let mut buf = vec![0u8; room];
            let n = lz4_flex::block::decompress_into(bytes, &mut buf)
                .map_err(|e| format!("lz4 block: {e}"))?;
            buf.truncate(n);
            return Ok(buf);
        }
        Compressor::Lzo => {
            let mut buf = vec![0u8; room];
            let n = lzo::decompress_into(bytes, &mut buf).map_err(|e| format!("lzo block: {e}"))?;
            buf.truncate(n);
            return Ok(buf);
        }
        Compressor::Gzip => Codec::Zlib,
        Compressor::Lzma => Codec::Lzma,
        Compressor::Xz => Codec::Xz,
        Compressor::Zstd => Codec::Zstd,
    };
    decode_whole(codec, bytes, room)
}

/// One squashfs block decoded whole with `codec`, into at most `room`
/// bytes: a stream that ends early or would grow past `room` is an error
/// (every squashfs version's blocks go through here).
pub(crate) fn decode_whole(codec: Codec, bytes: &[u8], room: usize) -> Result<Vec<u8>, String> {
    match compress::decompress(codec, bytes, room as u64) {
        Ok(out) => match out.truncated {
            None => Ok(out.bytes),
            Some(why) => Err(format!("{} block: {why}", codec.name())),
        },
        Err(DecompressError::OverLimit { limit }) => Err(format!(
            "{} block decodes past {limit} bytes, more than a block holds",
            codec.name()
        )),
        Err(DecompressError::Corrupt(why)) => Err(format!("{} block: {why}", codec.name())),
    }
}

pub(crate) const MAGIC: [u8; 4] = *b"hsqs";
const SUPERBLOCK_LEN: usize = 96;

/// The fields of a v4 superblock iotcheck validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Superblock {
    pub(crate) inode_count: u32,
    pub(crate) block_size: u32,
    pub(crate) compression: u16,
    pub(crate) version: (u16, u16),
    pub(crate) bytes_used: u64,
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
fn le32(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(w)
}
fn le64(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// The superblock checks every squashfs version shares: a power-of-two
/// block size of 4 KiB to 1 MiB that agrees with its log, a `bytes_used`
/// within the `len` bytes present, and an inode count within the limit.
pub(crate) fn check_sizes(
    block_size: u32,
    block_log: u16,
    bytes_used: u64,
    inode_count: u32,
    len: usize,
    max_inodes: usize,
) -> Result<(), String> {
    if !block_size.is_power_of_two()
        || !(4096..=1 << 20).contains(&block_size)
        || u32::from(block_log) != block_size.trailing_zeros()
    {
        return Err(format!("invalid block size {block_size} (log {block_log})"));
    }
    if bytes_used > len as u64 {
        return Err(format!(
            "superblock claims {bytes_used} bytes, only {len} left in the image"
        ));
    }
    if inode_count as usize > max_inodes {
        return Err(format!(
            "superblock claims {inode_count} inodes, more than the limit of {max_inodes}"
        ));
    }
    Ok(())
}

/// Reads and validates the superblock at the start of `data`.
pub(crate) fn superblock(data: &[u8], max_inodes: usize) -> Result<Superblock, String> {
    let Some(h) = data.get(..SUPERBLOCK_LEN) else {
        return Err(format!(
            "truncated superblock: {SUPERBLOCK_LEN} bytes needed, {} left",
            data.len()
        ));
    };
    if h[..4] != MAGIC {
        return Err("not a little-endian squashfs superblock".into());
    }
    let sb = Superblock {
        inode_count: le32(h, 4),
        block_size: le32(h, 12),
        compression: le16(h, 20),
        version: (le16(h, 28), le16(h, 30)),
        bytes_used: le64(h, 40),
    };
    let block_log = le16(h, 22);
    if sb.version != (4, 0) {
        return Err(format!(
            "squashfs version {}.{} is not supported (4.0 only)",
            sb.version.0, sb.version.1
        ));
    }
    check_sizes(
        sb.block_size,
        block_log,
        sb.bytes_used,
        sb.inode_count,
        data.len(),
        max_inodes,
    )?;
    // id, inode, directory and fragment table starts (xattr and export
    // tables may be absent: all ones).
    for (name, at) in [("id", 48), ("inode", 64), ("directory", 72)] {
        let start = le64(h, at);
        if start >= sb.bytes_used {
            return Err(format!(
                "{name} table at {start:#x} lies beyond bytes_used {:#x}",
                sb.bytes_used
            ));
        }
    }
    Ok(sb)
}

fn compressor_name(id: u16) -> String {
    match id {
        1 => "gzip".into(),
        2 => "lzma".into(),
        3 => "lzo".into(),
        4 => "xz".into(),
        5 => "lz4".into(),
        6 => "zstd".into(),
        other => format!("unknown ({other})"),
    }
}

/// The entry path inside the filesystem, or `None` for a name that would
/// leave the root (`..`) and must not be recorded as if it were inside.
fn confined(path: &Path) -> Option<String> {
    crate::confine::confined(&path.to_string_lossy())
}

/// The dry-run check for any squashfs iotcheck reads: 4.x little-endian
/// (this module), or 2.x and 3.x in either byte order, gzip or sqlzma's
/// LZMA ([`squashfs_v3`]). Other versions are named, not guessed at.
pub(crate) fn validate(data: &[u8], max_inodes: usize) -> Result<(), String> {
    match squashfs_v3::version(data) {
        Some((2 | 3, _)) => squashfs_v3::superblock(data, max_inodes).map(|_| ()),
        Some((4, _)) if data.starts_with(&MAGIC) => superblock(data, max_inodes).map(|_| ()),
        Some((4, _)) => Err("big-endian squashfs 4 is not supported".into()),
        Some((major, minor)) => Err(format!(
            "squashfs version {major}.{minor} is not supported (2.x, 3.x and 4.0 are)"
        )),
        None => Err("truncated squashfs superblock".into()),
    }
}

/// Reads any squashfs [`validate`] accepts: 2.x and 3.x through [`squashfs_v3`],
/// everything else here (where an unsupported version gets its note).
pub(crate) fn read_any(u: &mut Unpacker<'_>, data: &[u8], layer: &[String]) -> Option<u64> {
    match squashfs_v3::version(data) {
        Some((2 | 3, _)) => squashfs_v3::read(u, data, layer),
        Some((4, _)) | None if data.starts_with(&MAGIC) => read(u, data, layer),
        _ => {
            let why = validate(data, u.limits().max_files)
                .err()
                .unwrap_or_else(|| "unsupported squashfs".into());
            u.note(layer, why);
            None
        }
    }
}

/// Reads the squashfs at the start of `data` into `u`'s image under
/// `layer`. Returns the bytes it covers (`bytes_used`), or `None` when it
/// could not be read (a note says why).
pub(crate) fn read(u: &mut Unpacker<'_>, data: &[u8], layer: &[String]) -> Option<u64> {
    let sb = match superblock(data, u.limits().max_files) {
        Ok(sb) => sb,
        Err(why) => {
            u.note(layer, why);
            return None;
        }
    };
    if !(1..=6).contains(&sb.compression) {
        u.note(
            layer,
            format!(
                "squashfs compressor {} is not one squashfs 4 defines",
                compressor_name(sb.compression)
            ),
        );
        return None;
    }
    // `bytes_used` was checked against `data.len()` above.
    let window = &data[..sb.bytes_used as usize];
    // backhand validates too; the unwind guard is belt and braces so one
    // hostile filesystem can never take the whole assessment down.
    let fs = match catch_unwind(AssertUnwindSafe(|| {
        FilesystemReader::from_reader_with_offset_and_kind(
            Cursor::new(window),
            0,
            Kind::new_v4(&BOUNDED_BLOCKS),
        )
    })) {
        Ok(Ok(fs)) => fs,
        Ok(Err(e)) => {
            u.note(layer, format!("squashfs could not be read: {e}"));
            return None;
        }
        Err(_) => {
            u.note(
                layer,
                "squashfs reader gave up on this image (internal panic)",
            );
            return None;
        }
    };
    u.filesystem(layer);
    let nodes: Vec<&Node<SquashfsFileReader>> = fs.files().collect();
    entries(u, &fs, &nodes, layer, sb.bytes_used);
    Some(sb.bytes_used)
}

/// Threads that decode file data while the walk records entries in order:
/// squashfs time is nearly all block decompression (xz above all), and the
/// machines iotcheck is measured on have two cores.
const WORKERS: usize = 2;
/// Bytes of files sent ahead to the workers and not yet recorded, the
/// oldest one aside: with it, memory stays at about one file per worker
/// beyond the output.
const LOOKAHEAD_BYTES: u64 = 16 << 20;
/// Files sent ahead and not yet recorded: with thousands of tiny files
/// the byte bound alone would let the results waiting in order pile up.
const LOOKAHEAD_FILES: usize = 64;

#[cfg(test)]
thread_local! {
    /// Decoder threads for the reads made on this thread (tests compare 0,
    /// the walk decoding every file itself, with [`WORKERS`]).
    static TEST_WORKERS: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// Decoder threads for a filesystem: none for fewer than two files or on
/// one core, where threads would only add their start-up.
fn decoder_threads(nodes: &[&Node<SquashfsFileReader>]) -> usize {
    #[cfg(test)]
    if let Some(n) = TEST_WORKERS.with(std::cell::Cell::get) {
        return n;
    }
    let files = nodes
        .iter()
        .filter(|n| matches!(n.inner, InnerNode::File(_)))
        .take(2)
        .count();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if files < 2 || cores < 2 { 0 } else { WORKERS }
}

/// What reading one file's data gave.
enum FileData {
    Bytes(Vec<u8>),
    Failed(String),
    Panicked,
}

/// Reads one file's data (at most `size` bytes). Runs on the walk's thread
/// or on a decoder thread; the unwind guard is kept on each, so a panic in
/// `backhand` costs one file, never the assessment.
fn read_file(fs: &FilesystemReader<'_>, f: &SquashfsFileReader, size: u64) -> FileData {
    let read = catch_unwind(AssertUnwindSafe(|| {
        let mut bytes = Vec::new();
        fs.file(f)
            .reader_checked()
            .map_err(|e| e.to_string())?
            .take(size)
            .read_to_end(&mut bytes)
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(bytes)
    }));
    match read {
        Ok(Ok(bytes)) => FileData::Bytes(bytes),
        Ok(Err(e)) => FileData::Failed(e),
        Err(_) => FileData::Panicked,
    }
}

/// Records every node of the filesystem, in `backhand`'s order, reading
/// the files the limits admit.
///
/// Whether a file is read is decided here, on the walk's thread, in node
/// order, by [`Unpacker::refuse_file`] against the bytes actually read so
/// far: exactly as a single-threaded walk decides. The decoder threads
/// only work ahead: a file is sent to them when it would be admitted even
/// if every file in flight before it came back whole (reading gives at
/// most a file's size, and the rule only refuses more as more is read, so
/// a file sent ahead is always admitted when its turn comes). A file the
/// lookahead held back but that the rule admits after all (a file before it
/// failed to read) is read on this thread. Entries, notes and file
/// contents are therefore the same as with no threads at all.
fn entries(
    u: &mut Unpacker<'_>,
    fs: &FilesystemReader<'_>,
    nodes: &[&Node<SquashfsFileReader>],
    layer: &[String],
    bytes_used: u64,
) {
    // Bytes this filesystem may expand to.
    let fs_budget = bytes_used.saturating_mul(u.limits().max_expansion_ratio);
    let max_single = u.limits().max_single_file;
    let mut fs_read = 0u64;
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let mut ahead = Lookahead::start(s, fs, decoder_threads(nodes), &stop);
        for (at, node) in nodes.iter().enumerate() {
            if let Some(ahead) = ahead.as_mut() {
                let remaining = u.remaining();
                ahead.fill(nodes, at, |reserved, size| {
                    size <= max_single
                        && reserved.saturating_add(size) <= remaining
                        && fs_read.saturating_add(reserved).saturating_add(size) <= fs_budget
                });
            }
            let Some(inner) = confined(&node.fullpath) else {
                u.note(
                    layer,
                    format!(
                        "entry {:?} leaves the filesystem root; skipped",
                        node.fullpath
                    ),
                );
                continue;
            };
            let kind = match &node.inner {
                InnerNode::Dir(_) => EntryKind::Dir,
                InnerNode::Symlink(s) => EntryKind::Symlink {
                    target: s.link.to_string_lossy().into_owned(),
                },
                InnerNode::CharacterDevice(d) => EntryKind::CharDevice {
                    device: d.device_number,
                },
                InnerNode::BlockDevice(d) => EntryKind::BlockDevice {
                    device: d.device_number,
                },
                InnerNode::NamedPipe => EntryKind::Fifo,
                InnerNode::Socket => EntryKind::Socket,
                InnerNode::File(f) => {
                    let size = f.file_len() as u64;
                    let early = ahead.as_mut().and_then(|a| a.take(at));
                    match u.refuse_file(&inner, size, Some((fs_read, fs_budget, "filesystem"))) {
                        Some(why) => {
                            u.note(layer, why);
                            EntryKind::FileSkipped { size }
                        }
                        None => match early.unwrap_or_else(|| read_file(fs, f, size)) {
                            FileData::Bytes(bytes) => {
                                fs_read += bytes.len() as u64;
                                u.spend(bytes.len() as u64);
                                EntryKind::File(bytes)
                            }
                            FileData::Failed(e) => {
                                u.note(layer, format!("{inner}: cannot be read: {e}"));
                                EntryKind::FileSkipped { size }
                            }
                            FileData::Panicked => {
                                u.note(layer, format!("{inner}: reader panicked; skipped"));
                                EntryKind::FileSkipped { size }
                            }
                        },
                    }
                }
            };
            let mut path = layer.to_vec();
            path.push(inner);
            if !u.push_entry(path, kind) {
                break;
            }
        }
        // Files still queued (the entry or time limit stopped the walk)
        // are not decoded; the scope then waits for the files in hand.
        stop.store(true, Ordering::Relaxed);
    });
}

/// Files sent to one decoder thread together, in node order: each with its
/// node index, inode and size. Files whose tails share a fragment block go
/// in one job, so the block is decoded once (then cached by `backhand`)
/// instead of on both threads at the same time.
type Job<'a> = Vec<(usize, &'a SquashfsFileReader, u64)>;

/// `frag_index` of a file whose tail is not in a fragment block.
const NO_FRAGMENT: usize = 0xffff_ffff;

/// The files sent ahead to the decoder threads, and their results.
struct Lookahead<'a> {
    jobs: mpsc::Sender<Job<'a>>,
    done: mpsc::Receiver<(usize, FileData)>,
    /// Sent and not yet recorded, oldest first: node index and size.
    in_flight: VecDeque<(usize, u64)>,
    /// Results that arrived before their turn.
    ready: HashMap<usize, FileData>,
    /// The next node the lookahead considers.
    next: usize,
}

impl<'a> Lookahead<'a> {
    /// Starts `workers` decoder threads in `s`; `None` when none could be
    /// started (the walk then reads every file itself).
    fn start<'s>(
        s: &'s std::thread::Scope<'s, 'a>,
        fs: &'a FilesystemReader<'_>,
        workers: usize,
        stop: &'a AtomicBool,
    ) -> Option<Self> {
        let (jobs, queue) = mpsc::channel::<Job<'a>>();
        let (results, done) = mpsc::channel();
        let queue = Arc::new(Mutex::new(queue));
        let mut started = 0;
        for _ in 0..workers {
            let (queue, results) = (Arc::clone(&queue), results.clone());
            let spawned = std::thread::Builder::new()
                .name("squashfs-decode".into())
                .spawn_scoped(s, move || decode(fs, &queue, &results, stop));
            if spawned.is_ok() {
                started += 1;
            }
        }
        (started > 0).then(|| Lookahead {
            jobs,
            done,
            in_flight: VecDeque::new(),
            ready: HashMap::new(),
            next: 0,
        })
    }

    /// Sends the files from node `at` on that `admit(bytes in flight,
    /// size)` would admit, while the lookahead has room: the oldest file in
    /// flight may be of any size, the others together
    /// [`LOOKAHEAD_BYTES`] (or one file of any size).
    fn fill(
        &mut self,
        nodes: &[&'a Node<SquashfsFileReader>],
        at: usize,
        admit: impl Fn(u64, u64) -> bool,
    ) {
        self.next = self.next.max(at);
        let mut job: Job<'a> = Vec::new();
        let mut fragment = NO_FRAGMENT;
        while let Some(node) = nodes.get(self.next) {
            let InnerNode::File(f) = &node.inner else {
                self.next += 1;
                continue;
            };
            let size = f.file_len() as u64;
            let reserved: u64 = self.in_flight.iter().map(|&(_, n)| n).sum();
            let oldest = self.in_flight.front().map_or(0, |&(_, n)| n);
            let waiting = reserved - oldest;
            if self.in_flight.len() >= LOOKAHEAD_FILES
                || (waiting > 0 && waiting.saturating_add(size) > LOOKAHEAD_BYTES)
            {
                break;
            }
            if confined(&node.fullpath).is_some() && admit(reserved, size) {
                if f.frag_index() == NO_FRAGMENT || f.frag_index() != fragment {
                    self.send(std::mem::take(&mut job));
                }
                fragment = f.frag_index();
                job.push((self.next, f, size));
                self.in_flight.push_back((self.next, size));
            }
            self.next += 1;
        }
        self.send(job);
    }

    /// Queues `job` for the decoder threads. Should none be left, its files
    /// are read by the walk when their turn comes ([`Self::take`]).
    fn send(&self, job: Job<'a>) {
        if !job.is_empty() {
            let _gone = self.jobs.send(job);
        }
    }

    /// The data of node `at` when it was sent ahead, once decoded.
    fn take(&mut self, at: usize) -> Option<FileData> {
        if self.in_flight.front().map(|&(i, _)| i) != Some(at) {
            return None;
        }
        self.in_flight.pop_front();
        loop {
            if let Some(data) = self.ready.remove(&at) {
                return Some(data);
            }
            // Every job is answered (a panic becomes `Panicked`); an
            // error means no decoder is left, and the walk reads the file.
            let (i, data) = self.done.recv().ok()?;
            self.ready.insert(i, data);
        }
    }
}

/// A decoder thread: reads the files it is sent until the walk is done.
fn decode(
    fs: &FilesystemReader<'_>,
    queue: &Mutex<mpsc::Receiver<Job<'_>>>,
    results: &mpsc::Sender<(usize, FileData)>,
    stop: &AtomicBool,
) {
    loop {
        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = job else { return };
        for (at, f, size) in job {
            if stop.load(Ordering::Relaxed) || results.send((at, read_file(fs, f, size))).is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn paths_are_confined() {
        assert_eq!(
            confined(Path::new("/etc/shadow")).as_deref(),
            Some("/etc/shadow")
        );
        assert_eq!(confined(Path::new("/")).as_deref(), Some("/"));
        assert_eq!(confined(Path::new("/a/../../etc")), None);
    }

    #[test]
    fn a_block_may_not_decode_past_its_room() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&vec![0u8; 1 << 20]).unwrap();
        let bomb = z.finish().unwrap();
        assert!(bomb.len() < 2048);
        let err = decode_block(&bomb, METADATA_BLOCK, Compressor::Gzip).unwrap_err();
        assert!(err.contains("decodes past 8192 bytes"), "{err}");
        assert_eq!(
            decode_block(&bomb, MAX_BLOCK, Compressor::Gzip)
                .unwrap()
                .len(),
            MAX_BLOCK
        );
        let lz4 = lz4_flex::block::compress(&vec![7u8; 100_000]);
        assert!(decode_block(&lz4, METADATA_BLOCK, Compressor::Lz4).is_err());
        assert!(decode_block(&[1; 20], 16, Compressor::Uncompressed).is_err());
    }

    /// A real multi-file image (Debian's mksquashfs, xz, 4 KiB blocks): a
    /// large file first, so later small files finish on the
    /// other decoder before it, then files of every size, a symlink and a
    /// directory.
    fn many_files() -> (tempfile::TempDir, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("usr/lib")).unwrap();
        // xorshift over 16 letters: no two blocks alike, half the entropy
        // of random bytes, so every block is stored compressed and xz has
        // real work to do.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut noise = |n: usize| -> Vec<u8> {
            (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    b'a' + (x % 16) as u8
                })
                .collect()
        };
        std::fs::write(root.join("aaa.big"), noise(3 << 20)).unwrap();
        for i in 0..120usize {
            let mut body = format!("file {i}\n").repeat(i * 37).into_bytes();
            body.extend(noise(i * 50));
            std::fs::write(root.join(format!("usr/lib/f{i:03}")), body).unwrap();
        }
        std::fs::write(root.join("usr/zzz.mid"), noise(300_000)).unwrap();
        std::os::unix::fs::symlink("lib/f001", root.join("usr/link")).unwrap();
        let out = dir.path().join("many.sqfs");
        let status = std::process::Command::new("mksquashfs")
            .arg(&root)
            .arg(&out)
            .args(["-comp", "xz", "-b", "4096", "-all-root", "-noappend"])
            .args(["-no-xattrs", "-quiet", "-no-progress"])
            .status()
            .expect("mksquashfs (Debian squashfs-tools) must be installed for this test");
        assert!(status.success());
        let bytes = std::fs::read(&out).unwrap();
        (dir, bytes)
    }

    fn unpack_with(workers: usize, bytes: &[u8], limits: &crate::Limits) -> crate::Image {
        TEST_WORKERS.with(|w| w.set(Some(workers)));
        let img = crate::unpack(bytes, "many.sqfs", limits).unwrap();
        TEST_WORKERS.with(|w| w.set(None));
        img
    }

    /// Fails naming the first difference (the images hold megabytes, too
    /// much for `assert_eq!` to print).
    fn assert_same(one: &crate::Image, two: &crate::Image, what: &str) {
        if one == two {
            return;
        }
        let entry = one
            .entries
            .iter()
            .zip(&two.entries)
            .find(|(a, b)| a != b)
            .map(|(a, _)| a.path.clone());
        panic!(
            "{what}: {} entries and {} notes without threads, {} and {} with; \
             first differing entry {entry:?}; notes {:?} vs {:?}",
            one.entries.len(),
            one.notes.len(),
            two.entries.len(),
            two.notes.len(),
            one.notes,
            two.notes
        );
    }

    #[test]
    fn decoder_threads_give_the_single_threaded_image() {
        let (_dir, bytes) = many_files();
        let full = crate::Limits::default();
        let one = unpack_with(0, &bytes, &full);
        assert_eq!(one.entries.len(), 126, "{:?}", one.notes);
        assert!(one.notes.is_empty(), "{:?}", one.notes);
        assert_same(&one, &unpack_with(WORKERS, &bytes, &full), "default limits");
        // Limits that bite part-way: the total budget, the expansion
        // ratio, the single-file limit and the entry limit each refuse
        // or stop at the same file with threads as without.
        let squeezes = [
            crate::Limits {
                max_total_bytes: bytes.len() as u64 + (1 << 20),
                ..full
            },
            crate::Limits {
                max_expansion_ratio: 1,
                ..full
            },
            crate::Limits {
                max_single_file: 3000,
                ..full
            },
            crate::Limits {
                max_files: 40,
                ..full
            },
        ];
        for limits in &squeezes {
            let one = unpack_with(0, &bytes, limits);
            assert!(!one.notes.is_empty(), "{limits:?} refused nothing");
            let two = unpack_with(WORKERS, &bytes, limits);
            assert_same(&one, &two, &format!("{limits:?}"));
        }
    }

    #[test]
    fn superblock_defects_are_named() {
        assert!(
            superblock(b"hsqs", 10)
                .unwrap_err()
                .contains("truncated superblock")
        );
        let mut sb = [0u8; 96];
        sb[..4].copy_from_slice(&MAGIC);
        sb[28] = 4;
        sb[12..16].copy_from_slice(&4096u32.to_le_bytes());
        sb[22] = 12;
        sb[40..48].copy_from_slice(&1_000_000u64.to_le_bytes());
        assert!(superblock(&sb, 10).unwrap_err().contains("only 96 left"));
    }
}
