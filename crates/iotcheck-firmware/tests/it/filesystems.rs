//! cramfs (both byte orders), romfs and ext2/3/4 images built here with the
//! real tools (`mkfs.cramfs`, `genromfs`, `mke2fs -d`) from one small root
//! tree holding BusyBox, an account with a default password and a symlink;
//! the device-node fixtures committed in `tests/fixtures/`
//! (`make-filesystems.sh`, made as root); the real binwalk samples; hostile
//! variants made by patching real tool output (each patch documented); and
//! random mutations.

use std::path::{Path, PathBuf};
use std::process::Command;

use iotcheck_firmware::{EntryKind, Image, Limits, checks, inventory, unpack, unpack_as};
use iotcheck_model::Outcome;
use proptest::prelude::*;

use crate::*;

/// `openssl passwd -1 -salt iotcheck admin`: md5-crypt of a password on the
/// built-in list.
const ADMIN_HASH: &str = "$1$iotcheck$r48jWbYuSIcWq665idbh0.";
const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\n";

/// A root tree: `/etc/passwd`, `/etc/shadow` (root's password is `admin`),
/// `/bin/busybox` (Debian's, unless `small`), `/bin/sh -> busybox`, a
/// nested file and an empty directory.
fn rootfs(small: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    write(&root, "etc/passwd", PASSWD);
    write(
        &root,
        "etc/shadow",
        format!("root:{ADMIN_HASH}:19000:0:99999:7:::\n"),
    );
    write(&root, "usr/share/doc/deep/readme.txt", "nested\n");
    std::fs::create_dir_all(root.join("var/empty")).unwrap();
    std::fs::create_dir_all(root.join("bin")).unwrap();
    if small {
        write(&root, "bin/busybox", "\x7fELF stand-in\n");
    } else {
        std::fs::copy(busybox(), root.join("bin/busybox")).unwrap();
    }
    std::os::unix::fs::symlink("busybox", root.join("bin/sh")).unwrap();
    dir
}

/// This machine's BusyBox binary (Debian `busybox` or `busybox-static`).
fn busybox() -> &'static str {
    ["/usr/bin/busybox", "/bin/busybox"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect(
            "busybox (Debian package busybox or busybox-static) must be installed for this test",
        )
}

/// The version BusyBox prints in its banner (`BusyBox v1.35.0 (Debian …)`).
fn busybox_version() -> String {
    let out = Command::new(busybox()).output().unwrap();
    let banner = String::from_utf8_lossy(&out.stdout).into_owned();
    banner
        .strip_prefix("BusyBox v")
        .and_then(|r| r.split([' ', '-']).next())
        .unwrap_or_else(|| panic!("unexpected BusyBox banner {banner:?}"))
        .to_string()
}

/// Runs a tool, failing with the Debian package to install when missing.
fn run(cmd: &mut Command, package: &str) {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!(
            "{:?} could not run ({e}); install the Debian package {package} \
             (scripts/install-test-deps.sh)",
            cmd.get_program()
        )
    });
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn out_path(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

fn mkcramfs(dir: &tempfile::TempDir, big: bool) -> Vec<u8> {
    let out = out_path(dir, if big { "be.cramfs" } else { "le.cramfs" });
    let mut cmd = Command::new("mkfs.cramfs");
    if big {
        cmd.args(["-N", "big"]);
    }
    run(
        cmd.arg(dir.path().join("root")).arg(&out),
        "util-linux-extra (mkfs.cramfs)",
    );
    std::fs::read(out).unwrap()
}

fn genromfs(dir: &tempfile::TempDir) -> Vec<u8> {
    let out = out_path(dir, "rootfs.romfs");
    run(
        Command::new("genromfs")
            .arg("-f")
            .arg(&out)
            .arg("-d")
            .arg(dir.path().join("root"))
            .args(["-V", "iotcheck"]),
        "genromfs",
    );
    std::fs::read(out).unwrap()
}

fn mke2fs(dir: &tempfile::TempDir, fstype: &str, size: &str) -> Vec<u8> {
    let out = out_path(dir, &format!("rootfs.{fstype}"));
    // mke2fs leaves a new file short when its last blocks are unused: the
    // file is made first, at the size the filesystem declares.
    let bytes: u64 = match size.split_at(size.len() - 1) {
        (n, "k") => n.parse::<u64>().unwrap() << 10,
        (n, "M") => n.parse::<u64>().unwrap() << 20,
        _ => panic!("size {size}"),
    };
    std::fs::File::create(&out).unwrap().set_len(bytes).unwrap();
    run(
        Command::new("mke2fs")
            .args(["-q", "-F", "-t", fstype, "-E", "root_owner=0:0", "-d"])
            .arg(dir.path().join("root"))
            .arg(&out)
            .arg(size),
        "e2fsprogs (mke2fs)",
    );
    std::fs::read(out).unwrap()
}

fn kind<'a>(img: &'a Image, inner: &str) -> &'a EntryKind {
    &img.find(inner)
        .unwrap_or_else(|| panic!("{inner} not in {:#?}", paths(img)))
        .kind
}

fn paths(img: &Image) -> Vec<String> {
    img.entries.iter().map(|e| e.path.join(" ▸ ")).collect()
}

fn notes(img: &Image) -> String {
    img.notes.iter().map(|n| format!("{n}\n")).collect()
}

/// The tree of [`rootfs`] came out whole under `layer`, and the checks see
/// the weak password through it.
fn expect_tree(img: &Image, layer: &str, small: bool) {
    assert_eq!(img.filesystems, vec![vec![layer.to_string()]]);
    assert_eq!(
        img.find("/etc/passwd").unwrap().path,
        vec![layer.to_string(), "/etc/passwd".into()]
    );
    assert_eq!(
        img.find("/etc/passwd").unwrap().bytes(),
        Some(PASSWD.as_bytes())
    );
    assert_eq!(
        kind(img, "/usr/share/doc/deep/readme.txt"),
        &EntryKind::File(b"nested\n".to_vec())
    );
    for d in ["/", "/etc", "/bin", "/usr/share/doc/deep", "/var/empty"] {
        assert_eq!(kind(img, d), &EntryKind::Dir, "{d}");
    }
    assert_eq!(
        kind(img, "/bin/sh"),
        &EntryKind::Symlink {
            target: "busybox".into()
        }
    );
    assert!(img.has_root_filesystem());
    if !small {
        let real = std::fs::read(busybox()).unwrap();
        assert!(
            img.find("/bin/busybox").unwrap().bytes() == Some(&real[..]),
            "busybox differs"
        );
        let bb = inventory(img)
            .into_iter()
            .find(|c| c.name == "busybox")
            .expect("busybox in the inventory");
        assert_eq!(bb.version, busybox_version());
    }
    let results = checks(img);
    let weak = result(&results, "fw.weak-account-password");
    assert_outcome(weak, Outcome::Fail);
    assert!(
        weak.summary.contains("root has the default password"),
        "{}",
        weak.summary
    );
    let ev = files(weak);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].0, vec![layer.to_string(), "/etc/shadow".into()]);
}

#[test]
fn cramfs_both_byte_orders_read_like_the_tree() {
    let dir = rootfs(false);
    for big in [false, true] {
        let img = unpack_ok(&mkcramfs(&dir, big), "rootfs.cramfs");
        assert!(img.notes.is_empty(), "big={big}: {}", notes(&img));
        expect_tree(&img, "cramfs@0x0", false);
    }
}

#[test]
fn romfs_reads_like_the_tree() {
    let dir = rootfs(false);
    let img = unpack_ok(&genromfs(&dir), "rootfs.romfs");
    assert!(img.notes.is_empty(), "{}", notes(&img));
    expect_tree(&img, "romfs@0x0", false);
}

#[test]
fn ext2_ext3_ext4_read_like_the_tree() {
    let dir = rootfs(false);
    for t in ["ext2", "ext3", "ext4"] {
        let img = unpack_ok(&mke2fs(&dir, t, "8M"), "rootfs.img");
        assert!(img.notes.is_empty(), "{t}: {}", notes(&img));
        expect_tree(&img, "ext@0x0", false);
        assert_eq!(kind(&img, "/lost+found"), &EntryKind::Dir);
    }
}

#[test]
fn filesystems_embedded_in_a_blob_are_found_by_scanning() {
    let dir = rootfs(true);
    for (fs, name) in [
        (mkcramfs(&dir, false), "cramfs"),
        (mkcramfs(&dir, true), "cramfs"),
        (genromfs(&dir), "romfs"),
        (mke2fs(&dir, "ext4", "1M"), "ext"),
    ] {
        let mut blob = vec![0x5au8; 0x1000];
        blob.extend(&fs);
        blob.extend([0u8; 100]);
        let img = unpack_ok(&blob, "raw.bin");
        let layer = format!("{name}@0x1000");
        assert_eq!(
            img.filesystems,
            vec![vec![layer.clone()]],
            "{}",
            notes(&img)
        );
        expect_tree(&img, &layer, true);
    }
}

fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

#[test]
fn device_nodes_fifos_and_hardlinks_are_recorded() {
    // make-filesystems.sh: dev/null c 1 3, dev/sda b 8 0, run/fifo, and in
    // romfs a hard link (genromfs keeps those).
    for (file, layer) in [
        ("devices-le.cramfs", "cramfs@0x0"),
        ("devices-be.cramfs", "cramfs@0x0"),
        ("devices.romfs", "romfs@0x0"),
        ("devices.ext2", "ext@0x0"),
    ] {
        let img = unpack_ok(&fixture(file), file);
        assert!(img.notes.is_empty(), "{file}: {}", notes(&img));
        assert_eq!(img.filesystems, vec![vec![layer.to_string()]]);
        // ext4-view does not expose i_rdev (see formats/ext.rs).
        let (null, sda) = if layer == "ext@0x0" {
            (0, 0)
        } else {
            (0x103, 0x800)
        };
        assert_eq!(
            kind(&img, "/dev/null"),
            &EntryKind::CharDevice { device: null },
            "{file}"
        );
        assert_eq!(
            kind(&img, "/dev/sda"),
            &EntryKind::BlockDevice { device: sda },
            "{file}"
        );
        assert_eq!(kind(&img, "/run/fifo"), &EntryKind::Fifo, "{file}");
        let file = EntryKind::File(PASSWD.as_bytes().to_vec());
        if layer == "romfs@0x0" {
            // genromfs stores the data once, on the name it meets first.
            assert_eq!(kind(&img, "/etc/passwd.hard"), &file);
            assert_eq!(
                kind(&img, "/etc/passwd"),
                &EntryKind::Hardlink {
                    target: "/etc/passwd.hard".into()
                }
            );
        } else {
            assert_eq!(kind(&img, "/etc/passwd"), &file, "{layer}");
            assert_eq!(kind(&img, "/etc/passwd.hard"), &file, "{layer}");
        }
    }
}

#[test]
fn binwalk_samples_unpack() {
    // `fsck.cramfs -v --extract` and a romfs header walk list one file,
    // lsb-release (104 bytes, Ubuntu 22.04), in the root of each.
    for (rel, layer) in [
        ("firmware/binwalk-test-inputs/cramfs.bin", "cramfs@0x0"),
        ("firmware/binwalk-test-inputs/romfs.bin", "romfs@0x0"),
    ] {
        let img = unpack_ok(&read_shared(rel), rel);
        assert!(img.notes.is_empty(), "{rel}: {}", notes(&img));
        assert_eq!(img.filesystems, vec![vec![layer.to_string()]]);
        let names: Vec<(&str, bool)> = img
            .entries
            .iter()
            .map(|e| (e.inner_path(), e.kind == EntryKind::Dir))
            .collect();
        assert_eq!(names, vec![("/", true), ("/lsb-release", false)], "{rel}");
        let lsb = img.find("/lsb-release").unwrap().bytes().unwrap();
        assert_eq!(lsb.len(), 104);
        assert!(lsb.starts_with(b"DISTRIB_ID=Ubuntu\n"));
    }
}

// ---- hostile variants of real tool output ----

/// Offset of the first occurrence of `needle`.
fn find(hay: &[u8], needle: &[u8]) -> usize {
    memchr::memmem::find(hay, needle)
        .unwrap_or_else(|| panic!("{:?} not found", String::from_utf8_lossy(needle)))
}

/// Recomputes a cramfs superblock CRC (little-endian image) after a patch,
/// so the patch itself is what the reader meets.
fn fix_cramfs_crc(img: &mut [u8]) {
    img[32..36].fill(0);
    let mut crc = flate2::Crc::new();
    crc.update(img);
    let sum = crc.sum();
    img[32..36].copy_from_slice(&sum.to_le_bytes());
}

/// Recomputes the checksum of the romfs file header at `at` (header and
/// padded name: the big-endian words sum to zero).
fn fix_romfs_header(img: &mut [u8], at: usize) {
    img[at + 12..at + 16].fill(0);
    let name_end = at + 16 + img[at + 16..].iter().position(|&b| b == 0).unwrap() + 1;
    let end = name_end.div_ceil(16) * 16;
    let sum = img[at..end].chunks(4).fold(0u32, |a, w| {
        a.wrapping_add(u32::from_be_bytes(w.try_into().unwrap()))
    });
    img[at + 12..at + 16].copy_from_slice(&0u32.wrapping_sub(sum).to_be_bytes());
}

fn small_images() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let dir = rootfs(true);
    (
        mkcramfs(&dir, false),
        genromfs(&dir),
        mke2fs(&dir, "ext2", "256k"),
    )
}

#[test]
fn truncated_superblocks_are_notes() {
    let (cramfs, romfs, ext) = small_images();
    for (bytes, format, cut, why) in [
        (&cramfs, "cramfs", 40, "truncated superblock"),
        (&cramfs, "cramfs", cramfs.len() / 2, "only"),
        (&romfs, "romfs", 20, "truncated superblock"),
        (&ext, "ext", 1500, "truncated superblock"),
    ] {
        let img = unpack_as(&bytes[..cut], "cut.bin", format, &Limits::default())
            .unwrap()
            .unwrap();
        assert!(img.entries.is_empty(), "{format}");
        assert!(
            notes(&img).contains(why),
            "{format} cut at {cut}: {}",
            notes(&img)
        );
    }
}

#[test]
fn truncated_romfs_and_ext_keep_what_is_present() {
    let (_, romfs, ext) = small_images();
    // romfs cut just after /etc/passwd's data: the superblock's size
    // (bytes 8..12) now runs past the end; the files before the cut are read.
    let cut = (find(&romfs, PASSWD.as_bytes()) + PASSWD.len()).max(512);
    assert!(cut < romfs.len());
    let img = unpack_ok(&romfs[..cut], "cut.romfs");
    assert!(
        notes(&img).contains("reading what is there"),
        "{}",
        notes(&img)
    );
    assert_eq!(
        kind(&img, "/etc/passwd"),
        &EntryKind::File(PASSWD.as_bytes().to_vec())
    );

    // ext2 cut to 3/4 of its blocks: the metadata at the start is there.
    let img = unpack_ok(&ext[..ext.len() * 3 / 4], "cut.ext2");
    assert!(
        notes(&img).contains("truncated: the superblock declares"),
        "{}",
        notes(&img)
    );
    assert_eq!(kind(&img, "/etc"), &EntryKind::Dir);
}

#[test]
fn cramfs_directory_loop_is_a_note() {
    let (mut cramfs, _, _) = small_images();
    // Patch: the inode of "usr" (12 bytes before its name) gets the offset
    // of the root's first child (76, stored / 4, bits 6.. of word 2), so
    // listing /usr lists the root again.
    let name = find(&cramfs, b"usr\0");
    let w2 = name - 4;
    let word = u32::from_le_bytes(cramfs[w2..w2 + 4].try_into().unwrap());
    let patched = (word & 0x3f) | ((76 / 4) << 6);
    cramfs[w2..w2 + 4].copy_from_slice(&patched.to_le_bytes());
    fix_cramfs_crc(&mut cramfs);
    let img = unpack_ok(&cramfs, "loop.cramfs");
    assert!(notes(&img).contains("directory loop"), "{}", notes(&img));
    // The rest is kept.
    assert_eq!(
        kind(&img, "/etc/passwd"),
        &EntryKind::File(PASSWD.as_bytes().to_vec())
    );
    assert!(img.entries.len() < 20, "{:#?}", paths(&img));
}

#[test]
fn romfs_header_loop_is_a_note() {
    let (_, mut romfs, _) = small_images();
    // Patch: the `next` field of /etc/shadow's header points back at the
    // first header of /etc's list (the `spec` of /etc's own header; type
    // bits kept), so /etc's list cycles.
    let etc = find(&romfs, b"etc\0") - 16;
    let first = u32::from_be_bytes(romfs[etc + 4..etc + 8].try_into().unwrap());
    let shadow = find(&romfs, b"shadow\0") - 16;
    let next = u32::from_be_bytes(romfs[shadow..shadow + 4].try_into().unwrap());
    let patched = first | (next & 0xf);
    romfs[shadow..shadow + 4].copy_from_slice(&patched.to_be_bytes());
    fix_romfs_header(&mut romfs, shadow);
    let img = unpack_ok(&romfs, "loop.romfs");
    assert!(notes(&img).contains("header loop"), "{}", notes(&img));
    assert!(!notes(&img).contains("checksum"), "{}", notes(&img));
    assert_eq!(
        kind(&img, "/usr/share/doc/deep/readme.txt"),
        &EntryKind::File(b"nested\n".to_vec())
    );
}

#[test]
fn cramfs_block_inflating_past_its_size_is_a_bomb() {
    let (mut cramfs, _, _) = small_images();
    // Patch: /etc/passwd's one compressed block (between the end of its
    // one-pointer block table and that pointer) is overwritten with a zlib
    // stream of 8000 zeros, shorter than the block and inflating past 4096.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut z, &[0u8; 8000]).unwrap();
    let bomb = z.finish().unwrap();
    let name = find(&cramfs, b"passwd\0");
    let w2 = u32::from_le_bytes(cramfs[name - 4..name].try_into().unwrap());
    let table = (w2 >> 6) as usize * 4;
    let end = u32::from_le_bytes(cramfs[table..table + 4].try_into().unwrap()) as usize;
    let start = table + 4;
    assert!(
        bomb.len() <= end - start,
        "bomb {} vs block {}",
        bomb.len(),
        end - start
    );
    cramfs[start..start + bomb.len()].copy_from_slice(&bomb);
    fix_cramfs_crc(&mut cramfs);
    let img = unpack_ok(&cramfs, "bomb.cramfs");
    assert!(
        notes(&img)
            .contains("inflate past the 4096-byte block size; treated as a decompression bomb"),
        "{}",
        notes(&img)
    );
    assert_eq!(
        kind(&img, "/etc/passwd"),
        &EntryKind::FileSkipped { size: 30 }
    );
    assert_eq!(
        kind(&img, "/usr/share/doc/deep/readme.txt"),
        &EntryKind::File(b"nested\n".to_vec())
    );
    assert!(img.find("/etc/shadow").unwrap().bytes().is_some());
}

#[test]
fn size_fields_beyond_the_data_are_notes() {
    let (cramfs, mut romfs, _) = small_images();
    // romfs: /etc/passwd's size (header bytes 8..12) set to 0x7fff_fff0.
    let passwd = find(&romfs, b"passwd\0") - 16;
    romfs[passwd + 8..passwd + 12].copy_from_slice(&0x7fff_fff0u32.to_be_bytes());
    fix_romfs_header(&mut romfs, passwd);
    let img = unpack_ok(&romfs, "size.romfs");
    assert!(
        notes(&img).contains("/etc/passwd: 2147483632 bytes"),
        "{}",
        notes(&img)
    );
    assert!(matches!(
        kind(&img, "/etc/passwd"),
        EntryKind::FileSkipped { .. }
    ));
    assert!(img.find("/etc/shadow").unwrap().bytes().is_some());

    // cramfs: the superblock's size (bytes 4..8) doubled past the data.
    let mut big = cramfs.clone();
    big[4..8].copy_from_slice(&((cramfs.len() * 2) as u32).to_le_bytes());
    let img = unpack_ok(&big, "size.cramfs");
    assert!(notes(&img).contains("superblock claims"), "{}", notes(&img));
    assert!(img.entries.is_empty());

    // cramfs: readme.txt's inode size (word 1, low 24 bits) set to 16 MiB - 1:
    // its block table now needs 4096 pointers that overlap other data.
    let mut cramfs = cramfs;
    let name = find(&cramfs, b"readme.txt\0");
    let w1 = name - 8;
    let word = u32::from_le_bytes(cramfs[w1..w1 + 4].try_into().unwrap());
    cramfs[w1..w1 + 4].copy_from_slice(&((word & 0xff00_0000) | 0xff_ffff).to_le_bytes());
    fix_cramfs_crc(&mut cramfs);
    let img = unpack_ok(&cramfs, "size.cramfs");
    assert!(
        notes(&img).contains("/usr/share/doc/deep/readme.txt: "),
        "{}",
        notes(&img)
    );
    assert!(img.find("/etc/shadow").unwrap().bytes().is_some());
}

#[test]
fn member_names_leaving_the_root_are_skipped() {
    let (mut cramfs, mut romfs, mut ext) = small_images();
    // Patch: the name "passwd" becomes "../pwd" in each image (same length).
    let at = find(&romfs, b"passwd\0");
    romfs[at..at + 6].copy_from_slice(b"../pwd");
    fix_romfs_header(&mut romfs, at - 16);
    let at = find(&cramfs, b"passwd\0");
    cramfs[at..at + 6].copy_from_slice(b"../pwd");
    fix_cramfs_crc(&mut cramfs);
    // ext2 (no metadata checksums): the directory entry's name in /etc.
    let at = find(&ext, b"passwd");
    ext[at..at + 6].copy_from_slice(b"../pwd");
    for (bytes, name) in [(&cramfs, "cramfs"), (&romfs, "romfs"), (&ext, "ext")] {
        let img = unpack_ok(bytes, name);
        // ext4-view refuses the name (and with it the rest of /etc).
        let why = if name == "ext" {
            "path separator"
        } else {
            "\"../pwd\" is not a plain file name"
        };
        assert!(notes(&img).contains(why), "{name}: {}", notes(&img));
        assert!(img.find("/etc/passwd").is_none(), "{name}");
        assert!(
            !paths(&img).iter().any(|p| p.contains("pwd")),
            "{name}: {:#?}",
            paths(&img)
        );
        assert!(
            img.find("/usr/share/doc/deep/readme.txt").is_some(),
            "{name}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn mutated_filesystems_never_panic(
        which in 0usize..3,
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12),
        header_flip in any::<bool>(),
    ) {
        let (cramfs, romfs, ext) = &*SMALL;
        let (mut bytes, format) = match which {
            0 => (cramfs.clone(), "cramfs"),
            1 => (romfs.clone(), "romfs"),
            _ => (ext.clone(), "ext"),
        };
        for (i, v) in flips {
            // Aim half the flips at the superblock and the first tables.
            let at = if header_flip { i.index(bytes.len().min(8192)) } else { i.index(bytes.len()) };
            bytes[at] ^= v | 1;
        }
        let limits = Limits { max_total_bytes: 16 << 20, max_files: 500, ..Limits::default() };
        for img in [
            unpack_as(&bytes, "p.bin", format, &limits).unwrap().ok(),
            unpack(&bytes, "p.bin", &limits).ok(),
        ].into_iter().flatten() {
            prop_assert!(img.entries.len() <= limits.max_files);
            let total: u64 = img.files().map(|(_, b)| b.len() as u64).sum();
            prop_assert!(total <= limits.max_total_bytes);
            let _ = checks(&img);
        }
    }
}

static SMALL: std::sync::LazyLock<(Vec<u8>, Vec<u8>, Vec<u8>)> =
    std::sync::LazyLock::new(small_images);
