//! U-Boot verified boot, built here with the real tools: RSA keys from
//! `openssl genpkey`, a control device tree from `dtc`, and a FIT signed by
//! `mkimage -f … -k KEYDIR -K CONTROL.dtb -r` (image and configuration
//! signatures, the public key written into the control tree as required).
//! iotcheck must verify what mkimage signed, find each tampering, and let
//! the verified boot decide `fw.update-signature-verification`.

use std::path::Path;

use iotcheck_firmware::{checks, verified_boot};
use iotcheck_model::Outcome;

use crate::*;

const ITS: &str = r#"/dts-v1/;
/ {
	description = "signed test image";
	#address-cells = <1>;
	images {
		kernel-1 { description = "ARM Linux-5.15.167"; data = /incbin/("vmlinux");
			type = "kernel"; arch = "arm"; os = "linux"; compression = "none";
			load = <0x80008000>; entry = <0x80008000>;
			hash-1 { algo = "sha256"; };
			signature-1 { algo = "sha256,rsa2048"; key-name-hint = "KEY"; };
		};
		ramdisk-1 { description = "rootfs"; data = /incbin/("ramdisk.cpio.gz");
			type = "ramdisk"; arch = "arm"; os = "linux"; compression = "gzip";
			hash-1 { algo = "sha256"; };
		};
		fdt-1 { description = "board"; data = /incbin/("board.dtb");
			type = "flat_dt"; arch = "arm"; compression = "none";
			hash-1 { algo = "sha256"; };
		};
	};
	configurations { default = "conf-1";
		conf-1 { kernel = "kernel-1"; ramdisk = "ramdisk-1"; fdt = "fdt-1";
			signature-1 { algo = "sha256,rsa2048"; key-name-hint = "KEY";
				sign-images = "kernel", "ramdisk", "fdt"; };
		};
	};
};
"#;

/// Builds, in `dir`, a control device tree holding the public half of
/// `key` (required for configurations) and a FIT signed with `signer`.
/// Returns (control tree, FIT).
fn build(dir: &Path, key: &str, signer: &str) -> (Vec<u8>, Vec<u8>) {
    build_with(dir, key, signer, ITS)
}

/// [`build`] from another image source.
fn build_with(dir: &Path, key: &str, signer: &str, its_text: &str) -> (Vec<u8>, Vec<u8>) {
    let keys = dir.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    for name in [key, signer] {
        let pem = keys.join(format!("{name}.key"));
        if pem.exists() {
            continue;
        }
        run_tool(
            "openssl",
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
                pem.to_str().unwrap(),
            ],
            "openssl",
        );
        run_tool(
            "openssl",
            &[
                "req",
                "-batch",
                "-new",
                "-x509",
                "-subj",
                "/CN=iotcheck test",
                "-key",
                pem.to_str().unwrap(),
                "-out",
                keys.join(format!("{name}.crt")).to_str().unwrap(),
            ],
            "openssl",
        );
    }
    let root = dir.join("root");
    write(&root, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n");
    write(&root, "sbin/init", b"\x7fELF init\n");
    let cpio = dir.join("ramdisk.cpio.gz");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "cd {} && find . | sort | cpio -o -H newc --quiet | gzip -n > {}",
            root.display(),
            cpio.display()
        ))
        .status()
        .expect("sh");
    assert!(status.success(), "cpio (Debian cpio) and gzip are needed");
    std::fs::write(dir.join("vmlinux"), b"Linux version 5.15.167 (test) #1\n").unwrap();
    std::fs::write(
        dir.join("board.dts"),
        "/dts-v1/;\n/ { model = \"board\"; };\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("ctl.dts"),
        "/dts-v1/;\n/ { model = \"u-boot\"; };\n",
    )
    .unwrap();
    for (src, out) in [("board.dts", "board.dtb"), ("ctl.dts", "ctl.dtb")] {
        run_tool(
            "dtc",
            &[
                "-I",
                "dts",
                "-O",
                "dtb",
                "-o",
                dir.join(out).to_str().unwrap(),
                dir.join(src).to_str().unwrap(),
            ],
            "device-tree-compiler",
        );
    }
    // The control tree gets `key`'s public half; the FIT is signed with
    // `signer` (the same key, or another one).
    let its = dir.join("image.its");
    let itb = dir.join("image.itb");
    let ctl = dir.join("ctl.dtb");
    let sign = |hint: &str, control: &[&str]| {
        std::fs::write(&its, its_text.replace("KEY", hint)).unwrap();
        let mut args = vec!["-f", its.to_str().unwrap(), "-k", keys.to_str().unwrap()];
        args.extend(control);
        args.push(itb.to_str().unwrap());
        run_tool("mkimage", &args, "u-boot-tools");
    };
    sign(key, &["-K", ctl.to_str().unwrap(), "-r"]);
    if signer != key {
        // Signed again, by the other key, without touching the control tree.
        sign(signer, &[]);
    }
    (std::fs::read(ctl).unwrap(), std::fs::read(itb).unwrap())
}

/// A flash dump: the control tree, erased flash to 64 KiB, the FIT.
fn flash(ctl: &[u8], fit: &[u8]) -> Vec<u8> {
    let mut d = ctl.to_vec();
    d.resize(0x1_0000, 0xff);
    d.extend(fit);
    d
}

fn outcomes(img: &iotcheck_firmware::Image) -> Vec<(String, Result<(), String>)> {
    verified_boot(img)
        .into_iter()
        .map(|j| (j.signature.node.clone(), j.result))
        .collect()
}

#[test]
fn mkimage_signatures_verify_with_the_key_the_control_tree_requires() {
    let dir = tempfile::tempdir().unwrap();
    let (ctl, fit) = build(dir.path(), "dev", "dev");
    let img = unpack_ok(&flash(&ctl, &fit), "flash.bin");
    assert_eq!(img.boot_keys.len(), 1, "{:?}", img.notes);
    let key = &img.boot_keys[0];
    assert_eq!(
        (
            key.name.as_str(),
            key.required.as_deref(),
            key.modulus.len()
        ),
        ("dev", Some("conf"), 256)
    );
    assert_eq!(key.layer, vec!["u-boot-keys@0x0"]);
    assert_eq!(
        outcomes(&img),
        vec![
            ("/images/kernel-1/signature-1".to_string(), Ok(())),
            ("/configurations/conf-1/signature-1".to_string(), Ok(())),
        ]
    );
    // The rootfs in the FIT's ramdisk is read, and verified boot decides
    // the update-signature check (no update client says otherwise).
    assert!(img.find("/etc/passwd").is_some());
    let results = checks(&img);
    let r = result(&results, "fw.update-signature-verification");
    assert_outcome(r, Outcome::Pass);
    assert!(r.summary.contains("U-Boot verified boot"), "{}", r.summary);
    assert!(r.summary.contains("\"dev\""), "{}", r.summary);
}

#[test]
fn tampering_breaks_exactly_the_signatures_that_cover_it() {
    let dir = tempfile::tempdir().unwrap();
    let (ctl, fit) = build(dir.path(), "dev", "dev");
    // The kernel's bytes: covered by the image signature; the configuration
    // signature covers the kernel's hash node, not its data.
    let at = fit
        .windows(14)
        .position(|w| w == b"Linux version ")
        .unwrap();
    let mut kernel = fit.clone();
    kernel[at] ^= 0x20;
    let img = unpack_ok(&flash(&ctl, &kernel), "kernel.bin");
    let o = outcomes(&img);
    assert!(
        o[0].1
            .as_ref()
            .is_err_and(|e| e.contains("does not verify")),
        "{o:?}"
    );
    assert_eq!(o[1].1, Ok(()), "{o:?}");
    // The configuration's own properties: `kernel = "kernel-1"` pointed
    // elsewhere (same length, so the tree still parses).
    let at = fit.windows(9).rposition(|w| w == b"kernel-1\0").unwrap();
    let mut conf = fit.clone();
    conf[at + 7] = b'2';
    let img = unpack_ok(&flash(&ctl, &conf), "conf.bin");
    let o = outcomes(&img);
    assert!(
        o[1].1
            .as_ref()
            .is_err_and(|e| e.contains("does not verify")),
        "{o:?}"
    );
    // Nothing verified with the required key: verified boot decides nothing.
    assert!(
        checks(&img)
            .iter()
            .all(|r| r.check.as_str() != "fw.update-signature-verification"),
        "{:?}",
        checks(&img)
    );
}

#[test]
fn a_fit_signed_with_another_key_is_not_verified() {
    let dir = tempfile::tempdir().unwrap();
    let (ctl, fit) = build(dir.path(), "dev", "other");
    let img = unpack_ok(&flash(&ctl, &fit), "other.bin");
    let o = outcomes(&img);
    assert_eq!(o.len(), 2);
    for (node, r) in &o {
        assert!(
            r.as_ref()
                .is_err_and(|e| e.contains("no U-Boot public key named \"other\"")),
            "{node}: {r:?}"
        );
    }
    // Without the control tree, a signed FIT is still read; nothing verifies.
    let img = unpack_ok(&fit, "fit-only.itb");
    assert!(img.boot_keys.is_empty());
    assert!(outcomes(&img).iter().all(|(_, r)| r.is_err()));
}

/// `padding = "pss"`: mkimage signs RSA-PSS through OpenSSL; both
/// signatures verify, and a changed kernel byte still breaks the image's.
#[test]
fn pss_signatures_verify_too() {
    let dir = tempfile::tempdir().unwrap();
    let its = ITS.replace(
        "key-name-hint = \"KEY\";",
        "key-name-hint = \"KEY\"; padding = \"pss\";",
    );
    let (ctl, fit) = build_with(dir.path(), "dev", "dev", &its);
    let img = unpack_ok(&flash(&ctl, &fit), "pss.bin");
    assert!(img.boot_signatures.iter().all(|s| s.padding == "pss"));
    assert_eq!(
        outcomes(&img)
            .into_iter()
            .map(|(_, r)| r)
            .collect::<Vec<_>>(),
        vec![Ok(()), Ok(())]
    );
    let at = fit
        .windows(14)
        .position(|w| w == b"Linux version ")
        .unwrap();
    let mut kernel = fit.clone();
    kernel[at] ^= 0x20;
    let img = unpack_ok(&flash(&ctl, &kernel), "pss-kernel.bin");
    assert!(outcomes(&img)[0].1.is_err());
}

/// Every byte of a signed FIT and of its control tree flipped in turn:
/// signatures and keys are read from hostile trees without a panic and
/// within the limits (the fuzz targets' invariants).
#[test]
fn flipped_bytes_of_signed_trees_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (ctl, fit) = build(dir.path(), "dev", "dev");
    for (format, bytes) in [("fit", &fit), ("u-boot-keys", &ctl)] {
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x5a;
            iotcheck_firmware::fuzz_invariants(&b, Some(format));
        }
    }
    // A flash dump with a flipped byte in either part, through the checks.
    for i in (0..ctl.len() + fit.len()).step_by(97) {
        let mut d = [ctl.as_slice(), fit.as_slice()].concat();
        d[i] ^= 0x01;
        if let Ok(img) = iotcheck_firmware::unpack(&d, "flipped.bin", &Default::default()) {
            let _ = verified_boot(&img);
            let _ = checks(&img);
        }
    }
}
