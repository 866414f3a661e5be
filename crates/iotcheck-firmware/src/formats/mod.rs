//! One file per format: the container headers iotcheck parses itself
//! (`uimage`, `fit`, `trx`, `matter_ota`, `arcadyan`), the compression streams (`compress`), the
//! archives (`tar`, `cpio`, `zip`) and the filesystems (`squashfs`,
//! `jffs2`, `cramfs`, `romfs`, `ext`, `ubifs`, `yaffs2`) and the UBI volume
//! layer (`ubi`).

pub(crate) mod arcadyan;
pub(crate) mod compress;
pub(crate) mod cpio;
pub(crate) mod cramfs;
pub(crate) mod ext;
pub(crate) mod fit;
pub(crate) mod fit_sig;
pub(crate) mod jffs2;
pub(crate) mod matter_ota;
pub(crate) mod romfs;
pub(crate) mod squashfs;
pub(crate) mod squashfs_v3;
pub(crate) mod tar;
pub(crate) mod trx;
pub(crate) mod ubi;
pub(crate) mod ubifs;
pub(crate) mod uimage;
pub(crate) mod yaffs2;
pub(crate) mod zip;
