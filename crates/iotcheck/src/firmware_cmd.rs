//! The firmware unpacking flags `iotcheck firmware` and `iotcheck assess`
//! share: the limits of [`iotcheck_firmware::Limits`], overridable one by
//! one, and `--extract DIR`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use iotcheck_engine::{Assessment, FirmwareOptions};
use iotcheck_firmware::Limits;
use iotcheck_model::InputKind;

/// Limits on unpacking one image, and where to keep the tree.
#[derive(Args, Debug, Clone, Default)]
pub struct UnpackArgs {
    /// Keep each unpacked tree under DIR/<image name>: files written 0644, links re-rooted
    /// inside their filesystem, device nodes and FIFOs listed in iotcheck-manifest.tsv and
    /// never created. Without it nothing is written to disk.
    #[arg(long = "extract", value_name = "DIR")]
    pub extract: Option<PathBuf>,
    /// Most bytes all decompression and file reads of one image may produce (suffix K, M, G)
    /// [default: 512M].
    #[arg(long = "max-unpacked", value_name = "SIZE", value_parser = parse_size)]
    pub max_unpacked: Option<u64>,
    /// Most a stream or filesystem may expand, as a multiple of its compressed size;
    /// past it the branch is dropped as a decompression bomb [default: 100].
    #[arg(long = "max-ratio", value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_ratio: Option<u64>,
    /// Deepest nesting of containers followed (uImage ▸ xz ▸ squashfs is 3; an .ipk inside it adds 4 more) [default: 8].
    #[arg(long = "max-depth", value_name = "N")]
    pub max_depth: Option<usize>,
    /// Most entries (files, links, directories, devices) kept per image [default: 100000].
    #[arg(long = "max-files", value_name = "N")]
    pub max_files: Option<usize>,
    /// Largest single file whose contents are read (suffix K, M, G) [default: 64M].
    #[arg(long = "max-file-size", value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,
    /// Wall-clock seconds one image may take to unpack; the checks then run on what was
    /// read [default: 120].
    #[arg(long = "unpack-timeout", value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub unpack_timeout: Option<u64>,
}

/// `4096`, `64K`, `512M`, `2G` (binary multiples).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (digits, shift) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 10),
        Some((i, 'm' | 'M')) => (&t[..i], 20),
        Some((i, 'g' | 'G')) => (&t[..i], 30),
        _ => (t, 0),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{s:?} is not a size (a number, optionally with K, M or G)"))?;
    n.checked_mul(1u64 << shift)
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("{s:?} is zero or too large"))
}

impl UnpackArgs {
    /// The options these flags give, over the defaults.
    pub fn options(&self) -> FirmwareOptions {
        let d = Limits::default();
        FirmwareOptions {
            limits: Limits {
                max_total_bytes: self.max_unpacked.unwrap_or(d.max_total_bytes),
                max_expansion_ratio: self.max_ratio.unwrap_or(d.max_expansion_ratio),
                max_depth: self.max_depth.unwrap_or(d.max_depth),
                max_files: self.max_files.unwrap_or(d.max_files),
                max_single_file: self.max_file_size.unwrap_or(d.max_single_file),
                max_duration: self
                    .unpack_timeout
                    .map_or(d.max_duration, Duration::from_secs),
            },
            extract: self.extract.clone(),
        }
    }
}

/// After the run: where each kept tree is, on stderr.
pub fn say_where_kept(assessment: &Assessment, quiet: bool) {
    let Some(dir) = &assessment.firmware.extract else {
        return;
    };
    if quiet {
        return;
    }
    for input in assessment
        .inputs
        .iter()
        .filter(|i| i.kind == InputKind::Firmware)
    {
        let Some(path) = &input.path else { continue };
        let name = path.file_name().map_or_else(
            || input.location.clone(),
            |n| n.to_string_lossy().into_owned(),
        );
        let root = dir.join(iotcheck_firmware::extract::safe_component(&name));
        if root.join(iotcheck_firmware::extract::MANIFEST).is_file() {
            eprintln!(
                "iotcheck: unpacked tree of {} kept in {} (see {})",
                input.location,
                root.display(),
                Path::new(iotcheck_firmware::extract::MANIFEST).display()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("64K"), Ok(64 << 10));
        assert_eq!(parse_size("512m"), Ok(512 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12X").is_err());
        assert!(parse_size("99999999999G").is_err());
    }
}
