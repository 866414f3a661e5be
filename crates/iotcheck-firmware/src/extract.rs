//! `--extract DIR`: the unpacked tree written to disk for a person to look
//! at, confined to `DIR` whatever the image says.
//!
//! The image is already in memory and bounded by [`crate::Limits`]; this
//! only writes it out. Rules:
//! - Every path element (layer names such as `squashfs@0x40`, names a gzip
//!   header stores, path components) is made safe by [`safe_component`]:
//!   no `/`, `\`, NUL, `.` or `..` survives, so no path leaves its parent.
//! - Regular files are created with `create_new` (never through an existing
//!   file or link), mode 0644: no set-uid bit, no executable bit.
//! - Directories are created before any link exists, and links are made
//!   last, so nothing is ever written through a link the image made.
//! - Symbolic links are re-rooted: an absolute target (`/bin/busybox`) or a
//!   relative one that climbs (`../../../etc`) is rewritten to a relative
//!   target that stays inside its own filesystem's directory.
//! - Hard links become copies of their target when the target was read in
//!   the same layer; otherwise they are listed, not made.
//! - Device nodes, FIFOs, sockets and files whose contents were not read
//!   are never created: they are listed in `iotcheck-manifest.tsv` at the
//!   top of the tree, with every entry and what was done with it.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::image::{EntryKind, Image};

/// The manifest file written at the top of each extracted image.
pub const MANIFEST: &str = "iotcheck-manifest.tsv";

/// What [`extract`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    /// The directory the image's tree is in (`DIR/<image name>`).
    pub root: PathBuf,
    pub files: usize,
    pub dirs: usize,
    pub symlinks: usize,
    /// Entries listed in the manifest only (devices, FIFOs, sockets, files
    /// not read, duplicates, links that could not be made).
    pub listed_only: usize,
    pub bytes: u64,
}

/// Why the tree could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("{}: already exists; remove it or choose another --extract directory", .0.display())]
    Exists(PathBuf),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> ExtractError + '_ {
    move |source| ExtractError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One path element made safe to join: separators and NUL become `_`, and
/// `.`, `..` and the empty name gain a leading `_`.
pub fn safe_component(raw: &str) -> String {
    let s: String = raw
        .chars()
        .map(|c| match c {
            '/' | '\\' | '\0' => '_',
            c => c,
        })
        .collect();
    match s.as_str() {
        "" | "." | ".." => format!("_{s}"),
        _ => s,
    }
}

/// The relative path of an entry below the image's directory: layers, then
/// the inner path's components.
fn relative(path: &[String]) -> PathBuf {
    let (inner, layers) = path
        .split_last()
        .map_or(("", &[][..]), |(l, r)| (l.as_str(), r));
    let mut full = PathBuf::new();
    for l in layers {
        full.push(safe_component(l));
    }
    for c in inner.split('/').filter(|c| !c.is_empty()) {
        full.push(safe_component(c));
    }
    full
}

/// A symlink target rewritten to stay inside its filesystem: `link` is the
/// link's inner path (`/bin/sh`), `target` what the image says. Returns the
/// relative target to create.
pub fn reroot_link(link: &str, target: &str) -> String {
    // Where the link lives, as components below the filesystem root.
    let mut base: Vec<&str> = link.split('/').filter(|c| !c.is_empty()).collect();
    base.pop();
    let depth = base.len();
    let mut resolved: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        base.clone()
    };
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                // Clamped at the filesystem root, as chroot would.
                resolved.pop();
            }
            c => resolved.push(c),
        }
    }
    let mut out: Vec<String> = vec!["..".to_string(); depth];
    out.extend(resolved.iter().map(|c| safe_component(c)));
    if out.is_empty() {
        ".".into()
    } else {
        out.join("/")
    }
}

fn tsv_field(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

/// Writes `image`'s tree under `dir/<image name>` (see the module doc).
/// `dir` is created when absent; the image's own directory must not exist.
pub fn extract(image: &Image, dir: &Path) -> Result<Extracted, ExtractError> {
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let name = Path::new(&image.name)
        .file_name()
        .map_or_else(|| image.name.clone(), |n| n.to_string_lossy().into_owned());
    let root = dir.join(safe_component(&name));
    match fs::create_dir(&root) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            return Err(ExtractError::Exists(root));
        }
        Err(e) => return Err(io_err(&root)(e)),
    }
    let mut out = Extracted {
        root: root.clone(),
        ..Extracted::default()
    };
    let mut manifest = String::from("path\tkind\taction\n");
    let mut line = |path: &[String], kind: &str, action: &str| {
        let _ = writeln!(
            manifest,
            "{}\t{kind}\t{}",
            tsv_field(&path.join(" ▸ ")),
            tsv_field(action)
        );
    };
    // Files read, by layer and inner path, for hard links.
    let mut by_path: HashMap<(&[String], &str), &[u8]> = HashMap::new();
    let mut links = Vec::new();
    for entry in &image.entries {
        let target = root.join(relative(&entry.path));
        match &entry.kind {
            EntryKind::Dir => match fs::create_dir_all(&target) {
                Ok(()) => {
                    out.dirs += 1;
                    line(&entry.path, "dir", "created");
                }
                Err(e) => {
                    out.listed_only += 1;
                    line(&entry.path, "dir", &format!("not created: {e}"));
                }
            },
            EntryKind::File(bytes) => {
                by_path.insert(
                    (
                        &entry.path[..entry.path.len().saturating_sub(1)],
                        entry.inner_path(),
                    ),
                    bytes,
                );
                match write_file(&target, bytes) {
                    Ok(()) => {
                        out.files += 1;
                        out.bytes += bytes.len() as u64;
                        line(
                            &entry.path,
                            "file",
                            &format!("written, {} bytes", bytes.len()),
                        );
                    }
                    Err(e) => {
                        out.listed_only += 1;
                        line(&entry.path, "file", &format!("not written: {e}"));
                    }
                }
            }
            EntryKind::Symlink { .. } | EntryKind::Hardlink { .. } => {
                links.push((entry, target));
            }
            EntryKind::FileSkipped { size } => {
                out.listed_only += 1;
                line(
                    &entry.path,
                    "file",
                    &format!("not written: {size} bytes, contents not read (a limit)"),
                );
            }
            EntryKind::CharDevice { device } => {
                out.listed_only += 1;
                line(
                    &entry.path,
                    "char-device",
                    &format!("listed only ({device:#x})"),
                );
            }
            EntryKind::BlockDevice { device } => {
                out.listed_only += 1;
                line(
                    &entry.path,
                    "block-device",
                    &format!("listed only ({device:#x})"),
                );
            }
            EntryKind::Fifo => {
                out.listed_only += 1;
                line(&entry.path, "fifo", "listed only");
            }
            EntryKind::Socket => {
                out.listed_only += 1;
                line(&entry.path, "socket", "listed only");
            }
        }
    }
    // Hard links (copies) before any symbolic link exists, then symbolic
    // links last: nothing is written after them.
    links.sort_by_key(|(e, _)| matches!(e.kind, EntryKind::Symlink { .. }));
    for (entry, target) in links {
        let layers = &entry.path[..entry.path.len().saturating_sub(1)];
        match &entry.kind {
            EntryKind::Symlink { target: to } => {
                let rerooted = reroot_link(entry.inner_path(), to);
                // The link must sit where its path says: a parent reached
                // through another link would shift where `..` leads.
                let made = match target.parent() {
                    Some(parent) if parent.starts_with(&root) => {
                        no_link_below(&root, parent).and_then(|()| fs::create_dir_all(parent))
                    }
                    _ => Ok(()),
                }
                .and_then(|()| std::os::unix::fs::symlink(&rerooted, &target));
                match made {
                    Ok(()) => {
                        out.symlinks += 1;
                        line(
                            &entry.path,
                            "symlink",
                            &format!("-> {rerooted} (image: {to})"),
                        );
                    }
                    Err(e) => {
                        out.listed_only += 1;
                        line(&entry.path, "symlink", &format!("not made ({to}): {e}"));
                    }
                }
            }
            EntryKind::Hardlink { target: to } => {
                let key = crate::confine::confined(to).unwrap_or_default();
                match by_path.get(&(layers, key.as_str())) {
                    Some(bytes) => match write_file(&target, bytes) {
                        Ok(()) => {
                            out.files += 1;
                            out.bytes += bytes.len() as u64;
                            line(&entry.path, "hardlink", &format!("copy of {key}"));
                        }
                        Err(e) => {
                            out.listed_only += 1;
                            line(&entry.path, "hardlink", &format!("not written: {e}"));
                        }
                    },
                    None => {
                        out.listed_only += 1;
                        line(
                            &entry.path,
                            "hardlink",
                            &format!("listed only: target {to:?} was not read in this layer"),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    let manifest_path = root.join(MANIFEST);
    write_file(&manifest_path, manifest.as_bytes()).map_err(io_err(&manifest_path))?;
    Ok(out)
}

/// `Err` when a component of `path` below `root` is a symbolic link.
fn no_link_below(root: &Path, path: &Path) -> io::Result<()> {
    let Ok(rest) = path.strip_prefix(root) else {
        return Ok(());
    };
    let mut at = root.to_path_buf();
    for c in rest.components() {
        at.push(c);
        match fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(io::Error::other(format!(
                    "its directory {} is a link in the image",
                    at.strip_prefix(root).unwrap_or(&at).display()
                )));
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    // `create_new` refuses an existing file or link; O_NOFOLLOW also
    // refuses a link made between the check and the open.
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    f.write_all(bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn components_cannot_climb() {
        assert_eq!(safe_component(".."), "_..");
        assert_eq!(safe_component("."), "_.");
        assert_eq!(safe_component(""), "_");
        assert_eq!(safe_component("../../etc"), ".._.._etc");
        assert_eq!(safe_component("a\0b\\c"), "a_b_c");
        assert_eq!(safe_component("squashfs@0x40"), "squashfs@0x40");
    }

    #[test]
    fn links_are_rerooted_inside_their_filesystem() {
        assert_eq!(reroot_link("/bin/sh", "busybox"), "../bin/busybox");
        assert_eq!(reroot_link("/bin/sh", "/bin/busybox"), "../bin/busybox");
        assert_eq!(
            reroot_link("/etc/passwd", "../../../../etc/shadow"),
            "../etc/shadow"
        );
        assert_eq!(reroot_link("/x", "/"), ".");
        assert_eq!(reroot_link("/a/b/c", "../../.."), "../..");
        assert_eq!(reroot_link("/lnk", ".."), ".");
    }
}
