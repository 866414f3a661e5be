//! One file per format: the container headers iotcheck parses itself
//! (`uimage`), the compression streams (`compress`), the archives (`tar`,
//! `cpio`) and the filesystems (`squashfs`, `cramfs`, `romfs`, `ext`).

pub(crate) mod compress;
pub(crate) mod cpio;
pub(crate) mod cramfs;
pub(crate) mod ext;
pub(crate) mod romfs;
pub(crate) mod squashfs;
pub(crate) mod tar;
pub(crate) mod uimage;
