//! The component inventory on real data: cve-bin-tool's condensed packages
//! (product and version in each file name are the ground truth), the
//! IoTGoat overlay, the example image, and images built here with `tar` and
//! `cpio`. Also the accuracy table of docs/ACCURACY.md:
//!
//! ```text
//! cargo test -p iotcheck-firmware --test it inventory::accuracy -- --nocapture
//! ```

use std::collections::BTreeSet;

use iotcheck_firmware::{checks, inventory};
use iotcheck_model::{Evidence, Outcome};

use crate::*;

const CVE_BIN_TOOL: &str = "firmware/cve-bin-tool-condensed/condensed-downloads";

/// (component, version) a package file name states: `name_version_arch.ipk`
/// / `.deb` (Debian/OpenWrt) or `name-version-release.arch.rpm` (RPM).
fn ground_truth(file: &str) -> (String, String) {
    let stem = file.trim_end_matches(".tar.gz");
    let (pkg, version) = if stem.ends_with(".rpm") {
        // name-version-release.arch.rpm: the version is the second field
        // from the right of the dash-separated name-version-release.
        let nvr = stem.trim_end_matches(".rpm");
        let nvr = nvr.rsplit_once('.').map_or(nvr, |(a, _)| a);
        let mut parts = nvr.rsplitn(3, '-');
        let _release = parts.next();
        let version = parts.next().unwrap_or("");
        let name = parts.next().unwrap_or("");
        (name.to_string(), version.to_string())
    } else {
        let mut parts = stem.split('_');
        let name = parts.next().unwrap_or("");
        let version = parts.next().unwrap_or("");
        (
            name.to_string(),
            iotcheck_firmware::inventory::upstream_version(version),
        )
    };
    // Package names that differ from the product (stated in MANIFEST.md).
    let product = match pkg.as_str() {
        "libopenssl1.1" => "openssl",
        "avahi-dbus-daemon" => "avahi",
        "zlib1g" => "zlib",
        other => other,
    };
    let name = iotcheck_model::ComponentIdentity::lookup(product)
        .map_or_else(|| product.to_string(), |id| id.name.clone());
    (name, version)
}

fn packages() -> Vec<(String, Vec<u8>)> {
    let dir = shared(CVE_BIN_TOOL);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert_eq!(
        out.len(),
        11,
        "expected the 11 packages of MANIFEST.md in {}",
        dir.display()
    );
    out
}

#[test]
fn ground_truth_reads_the_file_names() {
    assert_eq!(
        ground_truth("busybox-1.28.2-1.fc29.x86_64.rpm.tar.gz"),
        ("busybox".into(), "1.28.2".into())
    );
    assert_eq!(
        ground_truth("dropbear_2014.65-1+deb8u2_amd64.deb.tar.gz"),
        ("dropbear".into(), "2014.65".into())
    );
    assert_eq!(
        ground_truth("zlib1g_1.2.8.dfsg-2ubuntu4_amd64.deb.tar.gz"),
        ("zlib".into(), "1.2.8".into())
    );
    assert_eq!(
        ground_truth("lighttpd-1.4.49-lp151.2.3.x86_64.rpm.tar.gz"),
        ("lighttpd".into(), "1.4.49".into())
    );
}

/// Precision and recall of (name, version) over the cve-bin-tool packages;
/// prints the table recorded in docs/ACCURACY.md.
#[test]
fn accuracy() {
    let mut tp = 0usize;
    let mut reported = 0usize;
    let mut truth_n = 0usize;
    println!("| package | expected | identified | result |");
    println!("|---|---|---|---|");
    for (file, bytes) in packages() {
        let truth = ground_truth(&file);
        let img = unpack_ok(&bytes, &file);
        let found: BTreeSet<(String, String)> = inventory(&img)
            .into_iter()
            .map(|c| (c.name, c.version))
            .collect();
        truth_n += 1;
        reported += found.len();
        let hit = found.contains(&truth);
        tp += usize::from(hit);
        let shown = found
            .iter()
            .map(|(n, v)| format!("{n} {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let result = match (hit, found.len()) {
            (true, 1) => "✔",
            (true, _) => "✔ + extra",
            (false, 0) => "✘ missed",
            (false, _) => "✘ wrong",
        };
        println!(
            "| `{file}` | {} {} | {shown} | {result} |",
            truth.0, truth.1
        );
    }
    let precision = tp as f64 / reported.max(1) as f64;
    let recall = tp as f64 / truth_n as f64;
    println!("\nprecision {tp}/{reported} = {precision:.3}, recall {tp}/{truth_n} = {recall:.3}");
    assert!(recall >= 1.0 - 1e-9, "recall {recall}");
    assert!(precision >= 1.0 - 1e-9, "precision {precision}");
}

#[test]
fn each_package_names_its_component_with_file_evidence() {
    for (file, bytes) in packages() {
        let truth = ground_truth(&file);
        let img = unpack_ok(&bytes, &file);
        let comps = inventory(&img);
        let c = comps
            .iter()
            .find(|c| (c.name.as_str(), c.version.as_str()) == (truth.0.as_str(), truth.1.as_str()))
            .unwrap_or_else(|| panic!("{file}: {truth:?} not in {comps:#?}"));
        assert!(c.cpe.is_some() && c.purl.is_some(), "{c:?}");
        assert!(!c.evidence.is_empty() && c.evidence.len() <= 5);
        for e in &c.evidence {
            let Evidence::File {
                image,
                path,
                offset,
                excerpt,
            } = e
            else {
                panic!("{e:?}")
            };
            assert_eq!(image, &file);
            assert_eq!(path[0], "gzip@0x0");
            assert_eq!(path[1], "tar@0x0");
            assert!(path[2].starts_with('/'), "{path:?}");
            let excerpt = excerpt.as_deref().unwrap();
            assert!(excerpt.contains(&truth.1), "{excerpt}");
            assert!(excerpt.chars().count() <= 120);
            // The offset points at the match in that file: the excerpt's
            // first bytes, or (for a version stored beside its format
            // string) the version itself.
            let entry = img.entries.iter().find(|en| &en.path == path).unwrap();
            let at = usize::try_from(offset.unwrap()).unwrap();
            let there = String::from_utf8_lossy(&entry.bytes().unwrap()[at..]).into_owned();
            let first: String = excerpt.chars().take(6).collect();
            assert!(
                there.starts_with(&first) || there.starts_with(&truth.1),
                "{file}: {path:?} @ {at:#x} starts with neither {first:?} nor {:?}",
                truth.1
            );
        }
    }
}

#[test]
fn busybox_is_found_in_its_binary_path() {
    let file = "busybox-1.28.2-1.fc29.x86_64.rpm.tar.gz";
    let img = unpack_ok(&read_shared(&format!("{CVE_BIN_TOOL}/{file}")), file);
    let c = inventory(&img);
    assert_eq!(c.len(), 1, "{c:#?}");
    assert_eq!(
        (c[0].name.as_str(), c[0].version.as_str()),
        ("busybox", "1.28.2")
    );
    assert_eq!(
        c[0].cpe.as_deref(),
        Some("cpe:2.3:a:busybox:busybox:1.28.2:*:*:*:*:*:*:*")
    );
    let Evidence::File { path, excerpt, .. } = &c[0].evidence[0] else {
        panic!()
    };
    assert_eq!(
        path,
        &vec![
            "gzip@0x0".to_string(),
            "tar@0x0".into(),
            "/sbin/busybox".into()
        ]
    );
    assert!(excerpt.as_deref().unwrap().starts_with("BusyBox v1.28.2 ("));
    // A bare package (no /etc) is no root filesystem: only the inventory
    // check is decided, and it passes.
    let r = checks(&img);
    assert_eq!(r.len(), 1, "{r:#?}");
    assert_eq!(r[0].check.as_str(), "fw.component-inventory");
    assert_outcome(&r[0], Outcome::Pass);
}

/// IoTGoat's overlay holds configuration only (no binaries, no opkg
/// status), and its build metadata pins no versions in files: nothing may
/// be claimed from it.
#[test]
fn iotgoat_overlay_yields_no_false_components() {
    let root = shared("firmware/iotgoat-rootfs-overlay/rootfs");
    let out = std::process::Command::new("tar")
        .args(["-c", "-C"])
        .arg(&root)
        .arg(".")
        .output()
        .expect("tar runs");
    assert!(out.status.success());
    let img = unpack_ok(&out.stdout, "iotgoat-overlay.tar");
    assert!(img.find("/etc/shadow").is_some(), "{:?}", img.entries);
    assert!(inventory(&img).is_empty(), "{:#?}", inventory(&img));
    let r = checks(&img);
    let inv = result(&r, "fw.component-inventory");
    assert_outcome(inv, Outcome::Fail);
}

#[test]
fn example_image_lists_debian_busybox() {
    let img = unpack_ok(&example_bytes(), EXAMPLE);
    let c = inventory(&img);
    let bb = c
        .iter()
        .find(|c| c.name == "busybox")
        .unwrap_or_else(|| panic!("{c:#?}"));
    assert_eq!(bb.version, "1.35.0");
    let Evidence::File { path, .. } = &bb.evidence[0] else {
        panic!()
    };
    assert_eq!(path, &crate::path("/bin/busybox"));
}

mod props {
    use iotcheck_firmware::inventory::{
        MAX_VERSION_LEN, parse_packages, plausible_version, scan_bytes,
    };
    use proptest::prelude::*;

    fn banners() -> impl Strategy<Value = (&'static [u8], &'static str)> {
        prop::sample::select(vec![
            (
                &b"BusyBox v1.31.1 (2020-01-01 00:00:00 UTC) multi-call"[..],
                "1.31.1",
            ),
            (b"OpenSSL 1.0.2u  20 Dec 2019", "1.0.2u"),
            (b"SSH-2.0-dropbear_2020.81", "2020.81"),
            (b"\0mosquitto version %s\x002.0.15\0", "2.0.15"),
            (b" inflate 1.2.11 Copyright 1995-2017 Mark Adler ", "1.2.11"),
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Arbitrary bytes: no panic; every version found is plausible, its
        /// offset inside the input and its excerpt short.
        #[test]
        fn extraction_is_bounded(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
            for m in scan_bytes("/usr/sbin/mosquitto", &bytes) {
                prop_assert!(plausible_version(&m.version));
                prop_assert!(m.version.len() <= MAX_VERSION_LEN);
                prop_assert!(m.offset < bytes.len());
                prop_assert!(m.excerpt.chars().count() <= 120);
            }
            let _ = parse_packages(&bytes);
        }

        /// A banner in the upstream format is found wherever it sits in
        /// surrounding binary noise (separated by NULs, as in `.rodata`).
        #[test]
        fn banners_are_found_in_noise(
            (banner, version) in banners(),
            before in prop::collection::vec(any::<u8>(), 0..2048),
            after in prop::collection::vec(any::<u8>(), 0..2048),
        ) {
            let mut bytes = before;
            bytes.push(0);
            bytes.extend_from_slice(banner);
            bytes.push(0);
            bytes.extend(after);
            let found = scan_bytes("/usr/sbin/mosquitto", &bytes);
            prop_assert!(found.iter().any(|m| m.version == version), "{found:?}");
        }

        /// Versions of arbitrary text never pass the plausibility check
        /// unless they look like versions.
        #[test]
        fn plausibility_is_a_charset_and_length_rule(v in ".{0,40}") {
            let ok = plausible_version(&v);
            let expect = !v.is_empty()
                && v.len() <= MAX_VERSION_LEN
                && v.as_bytes()[0].is_ascii_digit()
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b".-_+~".contains(&b));
            prop_assert_eq!(ok, expect);
        }
    }
}

/// A second, held-out measure: the binaries of Debian packages installed on
/// this machine (none of them seen while writing the signatures), with
/// dpkg's version as ground truth. Host-dependent, so not run by default:
///
/// ```text
/// cargo test -p iotcheck-firmware --test it inventory::debian_host_binaries -- --ignored --nocapture
/// ```
#[test]
#[ignore = "reads the packages installed on this machine (Debian 12 with the ones listed)"]
fn debian_host_binaries() {
    const PACKAGES: [(&str, &str); 17] = [
        ("busybox-static", "busybox"),
        ("dnsmasq-base", "dnsmasq"),
        ("dropbear-bin", "dropbear"),
        ("lighttpd", "lighttpd"),
        ("curl", "curl"),
        ("libcurl4", "curl"),
        ("mosquitto", "mosquitto"),
        ("libssl3", "openssl"),
        ("zlib1g", "zlib"),
        ("openssh-client", "openssh"),
        ("libc6", "glibc"),
        ("avahi-daemon", "avahi"),
        ("libpcap0.8", "libpcap"),
        ("libexpat1", "expat"),
        ("libpng16-16", "libpng"),
        ("u-boot-tools", "u-boot"),
        ("libpcre3", "pcre"),
    ];
    let dpkg = |args: &[&str]| {
        let out = std::process::Command::new("dpkg-query")
            .args(args)
            .output()
            .expect("dpkg-query (Debian) is needed for this measurement");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let (mut tp, mut reported, mut truth_n) = (0usize, 0usize, 0usize);
    println!("| Debian package | expected | identified | result |");
    println!("|---|---|---|---|");
    for (pkg, component) in PACKAGES {
        let version = dpkg(&["-W", "-f", "${Version}", pkg]);
        assert!(
            !version.is_empty(),
            "{pkg} is not installed on this machine"
        );
        let want = (
            component.to_string(),
            iotcheck_firmware::inventory::upstream_version(&version),
        );
        let list = dpkg(&["-L", pkg]);
        let files: Vec<&str> = list
            .lines()
            .filter(|f| std::path::Path::new(f).is_file() && !f.starts_with("/usr/share/"))
            .collect();
        let out = std::process::Command::new("tar")
            .args(["-c", "--no-recursion", "-P", "-f", "-"])
            .args(&files)
            .output()
            .unwrap();
        assert!(out.status.success());
        let img = unpack_ok(&out.stdout, pkg);
        let found: BTreeSet<(String, String)> = inventory(&img)
            .into_iter()
            .map(|c| (c.name, c.version))
            .collect();
        truth_n += 1;
        reported += found.len();
        let hit = found.contains(&want);
        tp += usize::from(hit);
        let shown = found
            .iter()
            .map(|(n, v)| format!("{n} {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let result = match (hit, found.len()) {
            (true, 1) => "✔",
            (true, _) => "✔ + extra",
            (false, 0) => "✘ missed",
            (false, _) => "✘ wrong",
        };
        println!(
            "| `{pkg}` {version} | {} {} | {shown} | {result} |",
            want.0, want.1
        );
    }
    println!(
        "\nprecision {tp}/{reported} = {:.3}, recall {tp}/{truth_n} = {:.3}",
        tp as f64 / reported.max(1) as f64,
        tp as f64 / truth_n as f64
    );
}

/// A kernel uImage made with mkimage (u-boot-tools; fixtures made by
/// tests/fixtures/make-archives.sh): the version from the header name and
/// from the kernel's `linux_banner` inside the payload, for a
/// gzip-compressed and an uncompressed payload.
#[test]
fn kernel_uimage_names_linux_from_header_and_banner() {
    for comp in ["gzip", "none"] {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/fixtures/kernel-uimage-{comp}.bin"));
        let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let img = unpack_ok(&bytes, "uImage");
        let c = inventory(&img);
        assert_eq!(c.len(), 1, "{comp}: {c:#?}");
        assert_eq!(
            (c[0].name.as_str(), c[0].version.as_str()),
            ("linux", "5.15.167")
        );
        assert!(
            c[0].cpe
                .as_deref()
                .unwrap()
                .contains(":linux:linux_kernel:5.15.167:"),
            "{:?}",
            c[0].cpe
        );
        let paths: Vec<Vec<String>> = c[0]
            .evidence
            .iter()
            .map(|e| match e {
                Evidence::File { path, .. } => path.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            paths[0],
            vec!["uImage@0x0".to_string()],
            "{comp}: header first"
        );
        assert_eq!(paths.len(), 2, "{comp}: {paths:?}");
        assert!(
            paths[1].last().unwrap().starts_with('('),
            "{comp}: {paths:?}"
        );
    }
}
