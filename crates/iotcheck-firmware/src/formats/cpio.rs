//! cpio archives as the Linux initramfs uses them: the "new" ASCII format
//! (`newc`, magic `070701`, and its `crc` variant `070702`) and the old
//! portable ASCII format (`odc`, magic `070707`), per `cpio(5)` and the
//! kernel's `Documentation/driver-api/early-userspace/buffer-format.rst`.
//!
//! Our own parser rather than the `cpio` crate: that crate reads `newc`
//! only, through `Read`, so `odc` would need a second parser anyway; this
//! one borrows every member from the input (the declared `namesize` and
//! `filesize` are checked against what remains before anything is sliced,
//! so hostile sizes end the walk with an error instead of allocating).
//! Concatenated archives (an initramfs made of several) are followed after
//! each `TRAILER!!!`.
//!
//! What it does not do: the old *binary* cpio format, and hardlink groups
//! are not resolved (in `newc` only the last link carries the data; the
//! others are recorded as empty files).

use crate::confine::mode::{
    S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK,
};
use crate::confine::{confined, encode_dev};
use crate::image::EntryKind;
use crate::unpack::Unpacker;

pub(crate) const NEWC: [u8; 6] = *b"070701";
pub(crate) const NEWC_CRC: [u8; 6] = *b"070702";
pub(crate) const ODC: [u8; 6] = *b"070707";
const NEWC_HEADER: usize = 110;
const ODC_HEADER: usize = 76;
const TRAILER: &[u8] = b"TRAILER!!!";

/// One member, borrowed from the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member<'a> {
    /// Offset of the member's header in the archive.
    pub(crate) offset: usize,
    pub(crate) name: &'a [u8],
    pub(crate) mode: u32,
    pub(crate) rdev_major: u32,
    pub(crate) rdev_minor: u32,
    pub(crate) data: &'a [u8],
}

/// Why the walk stopped before a trailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CpioError {
    TruncatedHeader {
        offset: usize,
        need: usize,
        left: usize,
    },
    BadMagic {
        offset: usize,
    },
    BadField {
        offset: usize,
        field: &'static str,
    },
    NameBeyondArchive {
        offset: usize,
        namesize: u64,
        left: usize,
    },
    DataBeyondArchive {
        offset: usize,
        filesize: u64,
        left: usize,
    },
}

impl std::fmt::Display for CpioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CpioError::TruncatedHeader { offset, need, left } => write!(
                f,
                "header at {offset:#x} needs {need} bytes, only {left} left"
            ),
            CpioError::BadMagic { offset } => {
                write!(f, "no cpio magic at {offset:#x} (and no trailer before it)")
            }
            CpioError::BadField { offset, field } => {
                write!(f, "header at {offset:#x}: field {field} is not a number")
            }
            CpioError::NameBeyondArchive {
                offset,
                namesize,
                left,
            } => write!(
                f,
                "header at {offset:#x} claims a {namesize}-byte name, only {left} bytes left"
            ),
            CpioError::DataBeyondArchive {
                offset,
                filesize,
                left,
            } => write!(
                f,
                "header at {offset:#x} claims {filesize} bytes of data, only {left} bytes left"
            ),
        }
    }
}

/// Whether `data` starts with a cpio header whose fields parse.
pub(crate) fn sniff(data: &[u8]) -> bool {
    matches!(header(data, 0), Ok(Some(_)))
}

fn number(field: &[u8], radix: u32) -> Option<u64> {
    if field.is_empty() {
        return None;
    }
    let mut v = 0u64;
    for &b in field {
        let d = char::from(b).to_digit(radix)?;
        v = v.checked_mul(u64::from(radix))?.checked_add(u64::from(d))?;
    }
    Some(v)
}

struct Header {
    len: usize,
    mode: u32,
    rdev_major: u32,
    rdev_minor: u32,
    namesize: u64,
    filesize: u64,
    /// `newc` pads header+name and data to 4 bytes; `odc` does not pad.
    align: usize,
}

/// Parses the header at `data[at..]`; `Ok(None)` when no magic is there.
fn header(data: &[u8], at: usize) -> Result<Option<Header>, CpioError> {
    let rest = data.get(at..).unwrap_or(&[]);
    let magic = rest.get(..6);
    let newc = magic == Some(&NEWC[..]) || magic == Some(&NEWC_CRC[..]);
    let odc = magic == Some(&ODC[..]);
    if !newc && !odc {
        return Ok(None);
    }
    let need = if newc { NEWC_HEADER } else { ODC_HEADER };
    let Some(h) = rest.get(..need) else {
        return Err(CpioError::TruncatedHeader {
            offset: at,
            need,
            left: rest.len(),
        });
    };
    let field = |start: usize, len: usize, name: &'static str, radix: u32| {
        number(&h[start..start + len], radix).ok_or(CpioError::BadField {
            offset: at,
            field: name,
        })
    };
    let narrow = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    if newc {
        // magic ino mode uid gid nlink mtime filesize devmajor devminor
        // rdevmajor rdevminor namesize check: 8 hex digits each after the magic.
        let f = |i: usize, name| field(6 + 8 * i, 8, name, 16);
        Ok(Some(Header {
            len: need,
            mode: narrow(f(1, "mode")?),
            filesize: f(6, "filesize")?,
            rdev_major: narrow(f(9, "rdevmajor")?),
            rdev_minor: narrow(f(10, "rdevminor")?),
            namesize: f(11, "namesize")?,
            align: 4,
        }))
    } else {
        // magic dev(6) ino(6) mode(6) uid(6) gid(6) nlink(6) rdev(6)
        // mtime(11) namesize(6) filesize(11), octal.
        let rdev = field(42, 6, "rdev", 8)?;
        Ok(Some(Header {
            len: need,
            mode: narrow(field(18, 6, "mode", 8)?),
            rdev_major: narrow((rdev >> 8) & 0xff),
            rdev_minor: narrow(rdev & 0xff),
            namesize: field(59, 6, "namesize", 8)?,
            filesize: field(65, 11, "filesize", 8)?,
            align: 1,
        }))
    }
}

fn align(n: usize, to: usize) -> usize {
    n.div_ceil(to).saturating_mul(to)
}

/// Walks the members of the archive(s) at the start of `data`, calling
/// `each` for every member but trailers. Returns the bytes covered, or the
/// error that ended the walk together with the bytes covered so far.
pub(crate) fn walk<'a>(
    data: &'a [u8],
    mut each: impl FnMut(Member<'a>) -> bool,
) -> (usize, Option<CpioError>) {
    let mut pos = 0usize;
    let mut covered = 0usize;
    let mut after_trailer = false;
    loop {
        let h = match header(data, pos) {
            Ok(Some(h)) => h,
            // Whatever follows a trailer is not ours; an archive cut right
            // after a member is read as far as it goes.
            Ok(None) if after_trailer || (pos > 0 && pos >= data.len()) => {
                return (covered, None);
            }
            Ok(None) => return (covered, Some(CpioError::BadMagic { offset: pos })),
            Err(e) => return (covered, Some(e)),
        };
        let name_start = pos + h.len;
        let left = data.len() - name_start.min(data.len());
        let namesize = match usize::try_from(h.namesize) {
            Ok(n) if n <= left => n,
            _ => {
                return (
                    covered,
                    Some(CpioError::NameBeyondArchive {
                        offset: pos,
                        namesize: h.namesize,
                        left,
                    }),
                );
            }
        };
        let name_raw = &data[name_start..name_start + namesize];
        let name = name_raw.split(|b| *b == 0).next().unwrap_or(&[]);
        // The name's padding may run past the end of a cut archive.
        let data_start = (pos + align(h.len + namesize, h.align)).min(data.len());
        let left = data.len() - data_start.min(data.len());
        let filesize = match usize::try_from(h.filesize) {
            Ok(n) if n <= left => n,
            _ => {
                return (
                    covered,
                    Some(CpioError::DataBeyondArchive {
                        offset: pos,
                        filesize: h.filesize,
                        left,
                    }),
                );
            }
        };
        let body = &data[data_start..data_start + filesize];
        let next = data_start + align(filesize, h.align);
        if name == TRAILER {
            // An initramfs may hold several archives, padded with NULs.
            let end = next.min(data.len());
            let skip = data[end..].iter().take_while(|b| **b == 0).count();
            pos = end + skip;
            covered = pos;
            after_trailer = true;
            if pos >= data.len() {
                return (covered, None);
            }
            continue;
        }
        let member = Member {
            offset: pos,
            name,
            mode: h.mode,
            rdev_major: h.rdev_major,
            rdev_minor: h.rdev_minor,
            data: body,
        };
        if !each(member) {
            return (next.min(data.len()), None);
        }
        pos = next;
        covered = pos.min(data.len());
        after_trailer = false;
    }
}

/// Reads the archive at the start of `data` into `u` under `layer`.
/// Returns the bytes it covers, or `None` when no member could be read.
pub(crate) fn read(u: &mut Unpacker<'_>, data: &[u8], layer: &[String]) -> Option<u64> {
    u.filesystem(layer);
    let mut members = 0usize;
    let mut notes: Vec<String> = Vec::new();
    let (covered, err) = walk(data, |m| {
        members += 1;
        let raw = String::from_utf8_lossy(m.name).into_owned();
        let Some(inner) = confined(&raw) else {
            notes.push(format!("member {raw:?} leaves the archive root; skipped"));
            return true;
        };
        if inner == "/" {
            return true;
        }
        let kind = match m.mode & S_IFMT {
            S_IFDIR => EntryKind::Dir,
            S_IFLNK => EntryKind::Symlink {
                target: String::from_utf8_lossy(m.data).into_owned(),
            },
            S_IFCHR => EntryKind::CharDevice {
                device: encode_dev(m.rdev_major, m.rdev_minor),
            },
            S_IFBLK => EntryKind::BlockDevice {
                device: encode_dev(m.rdev_major, m.rdev_minor),
            },
            S_IFIFO => EntryKind::Fifo,
            S_IFSOCK => EntryKind::Socket,
            S_IFREG => {
                let size = m.data.len() as u64;
                if let Some(why) = u.refuse_file(&inner, size, None) {
                    notes.push(why);
                    EntryKind::FileSkipped { size }
                } else {
                    u.spend(size);
                    EntryKind::File(m.data.to_vec())
                }
            }
            other => {
                notes.push(format!(
                    "{inner}: unknown file type {other:#o} at {:#x}; skipped",
                    m.offset
                ));
                return true;
            }
        };
        let mut path = layer.to_vec();
        path.push(inner);
        u.push_entry(path, kind)
    });
    for n in notes {
        u.note(layer, n);
    }
    if let Some(e) = err {
        u.note(layer, format!("cpio archive ends early: {e}"));
    }
    if members == 0 {
        return None;
    }
    Some(covered as u64)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn newc(name: &str, mode: u32, data: &[u8]) -> Vec<u8> {
        let mut v = format!(
            "070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
            1,
            mode,
            0,
            0,
            1,
            0,
            data.len(),
            0,
            0,
            0,
            0,
            name.len() + 1,
            0
        )
        .into_bytes();
        v.extend_from_slice(name.as_bytes());
        v.push(0);
        while v.len() % 4 != 0 {
            v.push(0);
        }
        v.extend_from_slice(data);
        while v.len() % 4 != 0 {
            v.push(0);
        }
        v
    }

    #[test]
    fn newc_members_and_trailer_then_a_second_archive() {
        let mut a = newc("etc", S_IFDIR | 0o755, b"");
        a.extend(newc(
            "etc/passwd",
            S_IFREG | 0o644,
            b"root:x:0:0::/root:/bin/sh\n",
        ));
        a.extend(newc("TRAILER!!!", 0, b""));
        a.extend([0u8; 8]);
        a.extend(newc("init", S_IFLNK | 0o777, b"/bin/busybox"));
        a.extend(newc("TRAILER!!!", 0, b""));
        let mut seen = Vec::new();
        let (covered, err) = walk(&a, |m| {
            seen.push((String::from_utf8_lossy(m.name).into_owned(), m.data.len()));
            true
        });
        assert_eq!(err, None);
        assert_eq!(covered, a.len());
        assert_eq!(
            seen,
            vec![
                ("etc".into(), 0),
                ("etc/passwd".into(), 26),
                ("init".into(), 12)
            ]
        );
    }

    #[test]
    fn hostile_sizes_end_the_walk_with_a_reason() {
        let mut a = newc("x", S_IFREG, b"abcd");
        // filesize field: bytes 6+8*6 .. +8
        a[54..62].copy_from_slice(b"7fffffff");
        let (_, err) = walk(&a, |_| true);
        assert!(
            matches!(err, Some(CpioError::DataBeyondArchive { .. })),
            "{err:?}"
        );
        let mut b = newc("x", S_IFREG, b"abcd");
        b[94..102].copy_from_slice(b"ffffffff");
        let (_, err) = walk(&b, |_| true);
        assert!(
            matches!(err, Some(CpioError::NameBeyondArchive { .. })),
            "{err:?}"
        );
        let (_, err) = walk(b"070701zz", |_| true);
        assert!(
            matches!(err, Some(CpioError::TruncatedHeader { .. })),
            "{err:?}"
        );
    }

    #[test]
    fn name_padding_past_the_end_is_not_a_panic() {
        // 110-byte header + 3-byte name = 113; padding would need 116.
        let a = newc("ab", S_IFREG, b"");
        let cut = &a[..113];
        let (covered, err) = walk(cut, |_| true);
        assert!(covered <= cut.len());
        assert_eq!(err, None);
        let mut b = newc("ab", S_IFREG, b"xyz");
        b.truncate(113);
        let (_, err) = walk(&b, |_| true);
        assert!(
            matches!(err, Some(CpioError::DataBeyondArchive { .. })),
            "{err:?}"
        );
    }

    /// Every prefix of a well-formed archive: no panic, nothing outside it.
    #[test]
    fn every_truncation_is_safe() {
        let mut a = newc("etc", S_IFDIR | 0o755, b"");
        a.extend(newc(
            "etc/passwd",
            S_IFREG | 0o644,
            b"root:x:0:0::/root:/bin/sh\n",
        ));
        a.extend(newc("TRAILER!!!", 0, b""));
        for cut in 0..=a.len() {
            let (covered, _) = walk(&a[..cut], |m| {
                assert!(m.data.len() <= cut);
                true
            });
            assert!(covered <= cut);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// Any bytes after a magic: the walk ends, every member lies inside
        /// the input, and the covered length never exceeds it.
        #[test]
        fn walk_never_leaves_the_input(
            magic in prop::sample::select(vec![NEWC, NEWC_CRC, ODC]),
            tail in prop::collection::vec(any::<u8>(), 0..600),
        ) {
            let mut data = magic.to_vec();
            data.extend(tail);
            let (covered, _) = walk(&data, |m| {
                assert!(m.offset < data.len());
                true
            });
            prop_assert!(covered <= data.len());
        }

        /// Mutating a well-formed archive never panics and never reports a
        /// member outside it.
        #[test]
        fn mutated_archives_stay_inside(
            flips in prop::collection::vec((0usize..400, any::<u8>()), 1..8),
        ) {
            let mut a = newc("bin/busybox", S_IFREG | 0o755, b"BusyBox v1.36.1 (x)");
            a.extend(newc("dev/console", S_IFCHR | 0o600, b""));
            a.extend(newc("TRAILER!!!", 0, b""));
            for (at, b) in flips {
                let i = at % a.len();
                a[i] = b;
            }
            let (covered, _) = walk(&a, |m| {
                assert!(m.data.len() <= a.len());
                true
            });
            prop_assert!(covered <= a.len());
        }
    }
}
