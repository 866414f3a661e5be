//! Firmware images for iotcheck: unpack in memory, then decide the `fw.*`
//! checks with evidence a person can verify (the nested path of the file,
//! the byte offset of the line, an excerpt with secrets masked).
//!
//! What it does:
//! - [`unpack`] reads a U-Boot legacy uImage (64-byte header, payload
//!   uncompressed, gzip, xz, legacy LZMA, zstd, lz4 or bzip2), Broadcom
//!   TRX, Matter OTA images (TLV header read, payload checked against its
//!   digest; own parser), Arcadyan obfuscated LZMA (header restored; own
//!   code), bare gzip, xz, zstd, LZ4-frame and bzip2 streams, SquashFS 4.x
//!   (every compressor: gzip, lzma, lzo, xz, lz4, zstd, via `backhand` with
//!   iotcheck's bounded block decoders; file data decoded on two threads,
//!   entries in the same order as one), SquashFS 2.x and 3.x (both byte
//!   orders; zlib, and the vendor LZMA variants that Debian's unsquashfs
//!   and binwalk 2 cannot extract: sqlzma's `shsq`/`qshs`, and LZMA under
//!   the standard magic — LZMA-alone, a 5-byte properties header, or raw
//!   headerless LZMA whose lc/lp/pb are found by trying 75 sets on the first
//!   metadata block; own parser), cramfs (both byte orders), romfs,
//!   ext2/3/4 (via `ext4-view`), JFFS2 (both byte orders; zlib, rtime,
//!   lzo; own parser), UBI images and raw UBI partition dumps (each
//!   volume rebuilt from its erase blocks and unpacked by what it holds,
//!   or kept as `/volumes/<name>`; own parser), UBIFS (none, LZO, zlib,
//!   zstd; read by scanning its nodes, not its index; own parser), YAFFS2
//!   (raw NAND chunks with their spare area, the page/spare geometry
//!   detected, both byte orders; own parser; it has no magic number, so
//!   inside a dump it is looked for on every 528-byte boundary), tar (ustar/GNU/pax, also `.tar.gz`), cpio
//!   (`newc`/`odc`, e.g. an initramfs), zip (stored/deflate) and U-Boot
//!   FIT images (each `/images` node's data, inline or external, by its
//!   compression), and scans a blob no header describes for any of them
//!   at any offset. Trees are walked into memory: regular
//!   files (bounded), symlinks and hardlinks as recorded targets (never
//!   followed), directories, device nodes (recorded, never created); member
//!   names leaving the root are refused. Members that are containers
//!   themselves (an `.ipk`, a `.tar.gz`, an update image inside the rootfs)
//!   are unpacked in turn, one layer deeper. Nothing is written to disk
//!   unless [`extract::extract`] is asked to; [`entropy`] maps the bytes no
//!   container explains.
//! - Every stream and file is bounded by [`Limits`]; a bomb, a truncated
//!   superblock or a header claiming more than the file holds ends that
//!   branch with a [`Note`] and the rest is kept.
//! - [`checks`] / [`checks_with`] decide [`CHECKS`]: weak or empty account
//!   passwords (crypt hashes tried against a built-in list and the caller's),
//!   private keys, hard-coded credentials under `/etc`, update URLs over
//!   `http`/`ftp`/`tftp`, whether a component inventory can be
//!   established, cleartext or login-free services started at boot
//!   (inittab, rc and init scripts, OpenWrt procd, systemd units and
//!   sockets, inetd; sshd/Dropbear settings), and the update mechanism:
//!   which clients exist, whether they verify signatures and whether cron,
//!   a timer or a boot daemon runs them (rules in `data/update.toml`); and
//!   U-Boot verified boot: FIT image and configuration signatures checked
//!   (RSA, PKCS#1 v1.5 or PSS) against the keys of a U-Boot control device
//!   tree in the same image ([`verified_boot`]).
//! - [`inventory`] names the software in the image (version strings in
//!   binaries, package-manager metadata, uImage names) with CPE and PURL;
//!   [`sbom`] writes it as a CycloneDX 1.5 SBOM.
//!
//! What it does not do yet: SquashFS 1.x, big-endian SquashFS 4, the
//! SquashFS 3 LZMA variants with per-block headers or offsets (DD-WRT's
//! 4-byte header, sasquatch's offsets 1-10) or another magic (`hsqt`), UBIFS extended attributes
//! (skipped; fscrypt-encrypted directories and files are noted as not
//! inspectable), YAFFS1, YAFFS2 without its
//! spare area or with its tags scattered by an MTD OOB layout, binary cpio,
//! JFFS2 rubin/lzma fragments, zip bzip2/lzma/zstd/AES members, FIT
//! signatures other than RSA (ECDSA: Debian's mkimage cannot make one to test
//! with), device numbers of ext device nodes (recorded as 0); it does
//! not verify update signatures cryptographically (it reads whether the
//! update path does), or try bcrypt/yescrypt hashes against more than the
//! 20 generic passwords (they are slow by design; see `checks::accounts`).
//!
//! ```
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/acme-cam/firmware/acme-cam2-1.4.2.bin");
//! let bytes = std::fs::read(path).unwrap();
//! let image = iotcheck_firmware::unpack(&bytes, "acme-cam2-1.4.2.bin", &Default::default()).unwrap();
//! assert!(image.find("/etc/shadow").is_some());
//! for r in iotcheck_firmware::checks(&image) {
//!     let want = if matches!(
//!         r.check.as_str(),
//!         // it names BusyBox 1.35.0 and the vendor's packages; cron runs
//!         // its updater (which verifies nothing: that check fails)
//!         "fw.component-inventory" | "fw.update-client" | "fw.update-automatic"
//!     ) {
//!         iotcheck_model::Outcome::Pass
//!     } else {
//!         iotcheck_model::Outcome::Fail
//!     };
//!     assert_eq!(r.outcome, want, "{}", r.check);
//! }
//! let busybox = iotcheck_firmware::inventory(&image)
//!     .into_iter()
//!     .find(|c| c.name == "busybox")
//!     .unwrap();
//! assert_eq!(busybox.version, "1.35.0");
//! ```

mod checks;
mod confine;
pub mod entropy;
mod error;
pub mod extract;
mod formats;
mod image;
pub mod inventory;
mod limits;
pub mod sbom;
mod text;
mod unpack;

pub use checks::accounts::{DEFAULT_PASSWORDS, check_accounts};
pub use checks::universal::{AccountHash, account_hashes, universal_default_password};
pub use checks::{
    BootJudgement, CHECKS, checks, checks_with, checks_with_inventory, verified_boot,
};
pub use error::FirmwareError;
pub use image::{
    BootKey, BootSignature, Confidence, Entry, EntryKind, Image, ImageHeader, Layer, Note, Region,
    RegionKind,
};
pub use inventory::inventory;
pub use limits::Limits;

/// Unpacks a firmware image in memory.
///
/// Never panics and never exceeds `limits`. `Err` only when nothing could
/// be read at all (empty, larger than the unpack limit, or no known format
/// anywhere); problems inside the image are [`Image::notes`].
pub fn unpack(bytes: &[u8], name: &str, limits: &Limits) -> Result<Image, FirmwareError> {
    unpack::run(bytes, name, limits)
}

/// The container formats [`unpack`] recognises, by layer name.
pub fn formats() -> impl Iterator<Item = &'static str> {
    unpack::FORMATS.iter().map(|f| f.name)
}

/// What a file's first bytes (up to 4 KiB) say it is, among the containers
/// [`unpack`] reads and the compression streams: a description such as
/// `cramfs filesystem`, from a magic number at its offset (a sniff, not the
/// dry-run validation unpacking does).
pub fn identify(head: &[u8]) -> Option<&'static str> {
    unpack::FORMATS
        .iter()
        .find(|f| {
            f.magics
                .iter()
                .any(|(m, off)| head.get(*off..).is_some_and(|h| h.starts_with(m)))
        })
        .map(|f| f.describe)
        .or_else(|| formats::compress::Codec::sniff(head).map(formats::compress::Codec::describe))
}

/// Unpacks `bytes` as the container format `format` (one of [`formats`])
/// without sniffing or scanning: one parser alone, for its fuzz target.
/// `None` when `format` is not a known name.
#[doc(hidden)]
pub fn unpack_as(
    bytes: &[u8],
    name: &str,
    format: &str,
    limits: &Limits,
) -> Option<Result<Image, FirmwareError>> {
    unpack::run_as(bytes, name, format, limits)
}

/// The invariants every fuzz target of this crate asserts, on `data`
/// unpacked whole (`format` `None`) or by one parser alone: no panic,
/// entries and bytes within the limits, and every result naming a
/// catalogued check. Panics when one does not hold (that is the finding).
#[doc(hidden)]
pub fn fuzz_invariants(data: &[u8], format: Option<&str>) {
    let limits = Limits {
        max_total_bytes: 16 << 20,
        max_single_file: 4 << 20,
        max_files: 2_000,
        max_duration: std::time::Duration::from_secs(10),
        ..Limits::default()
    };
    let image = match format {
        None => unpack(data, "fuzz.bin", &limits),
        Some(f) => match unpack_as(data, "fuzz.bin", f, &limits) {
            Some(r) => r,
            None => panic!("no format named {f:?}"),
        },
    };
    let Ok(image) = image else { return };
    assert!(image.entries.len() <= limits.max_files);
    let total: u64 = image.files().map(|(_, b)| b.len() as u64).sum();
    assert!(total <= limits.max_total_bytes);
    for r in checks(&image) {
        assert!(CHECKS.contains(&r.check.as_str()), "{}", r.check);
    }
}
