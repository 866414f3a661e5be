//! Confinement by construction: every path an archive or filesystem names
//! goes through [`confined`] before it becomes an [`crate::Entry`] path.
//!
//! Nothing is ever written to disk, but the paths are still reported and
//! matched (`/etc/shadow`), so a member named `../../etc/shadow` or
//! `/etc/shadow` inside a nested archive must not pass for the image's own
//! file. Absolute paths are re-rooted at the container's root; a `..`
//! component is refused (the caller skips the member with a note).

/// The member's path inside its container, always starting with `/`, or
/// `None` when it names a parent directory (`..`). `.` and empty components
/// are dropped; a NUL ends the name (C strings in headers).
pub(crate) fn confined(raw: &str) -> Option<String> {
    let raw = raw.split('\0').next().unwrap_or("");
    let mut out = String::with_capacity(raw.len() + 1);
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            name => {
                out.push('/');
                out.push_str(name);
            }
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    Some(out)
}

/// The Linux `dev_t` encoding squashfs uses (`new_encode_dev`), so device
/// numbers read from tar and cpio headers compare with squashfs ones.
pub(crate) fn encode_dev(major: u32, minor: u32) -> u32 {
    (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & !0xff) << 12)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_rerooted_and_parents_refused() {
        assert_eq!(confined("./usr/bin/x").as_deref(), Some("/usr/bin/x"));
        assert_eq!(confined("/etc//shadow").as_deref(), Some("/etc/shadow"));
        assert_eq!(confined(".").as_deref(), Some("/"));
        assert_eq!(confined("a/../../etc/shadow"), None);
        assert_eq!(confined(".."), None);
        assert_eq!(confined("etc/x\0junk").as_deref(), Some("/etc/x"));
    }

    #[test]
    fn device_numbers_encode_like_linux() {
        assert_eq!(encode_dev(1, 3), 0x103);
        assert_eq!(encode_dev(4, 0x1234), 0x34 | (4 << 8) | (0x1200 << 12));
    }
}

/// The file-type bits of a Unix mode (`stat(2)`, `<sys/stat.h>`), as every
/// filesystem and archive format stores them.
pub(crate) mod mode {
    pub(crate) const S_IFMT: u32 = 0o170_000;
    pub(crate) const S_IFSOCK: u32 = 0o140_000;
    pub(crate) const S_IFLNK: u32 = 0o120_000;
    pub(crate) const S_IFREG: u32 = 0o100_000;
    pub(crate) const S_IFBLK: u32 = 0o060_000;
    pub(crate) const S_IFDIR: u32 = 0o040_000;
    pub(crate) const S_IFCHR: u32 = 0o020_000;
    pub(crate) const S_IFIFO: u32 = 0o010_000;
}
