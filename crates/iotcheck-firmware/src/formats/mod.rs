//! One file per format: the container headers iotcheck parses itself
//! (`uimage`), the compression streams (`compress`) and the filesystems
//! (`squashfs`).

pub(crate) mod compress;
pub(crate) mod squashfs;
pub(crate) mod uimage;
