//! The update-mechanism checks on trees laid out like OpenWrt, a vendor
//! BusyBox image with a cron-driven updater, RAUC + hawkBit, SWUpdate and
//! Mender systems (configuration written in each project's documented
//! syntax for a fictional vendor), a tree with no updater, IoTGoat's real
//! overlay and the example image. Trees are packed with mksquashfs.

use iotcheck_firmware::checks;
use iotcheck_model::{CheckResult, Outcome};

use crate::services::{TestTree, find, offset_of, sq};
use crate::*;

const CLIENT: &str = "fw.update-client";
const SIGNATURE: &str = "fw.update-signature-verification";
const AUTOMATIC: &str = "fw.update-automatic";

/// A self-signed CA certificate (made with `openssl req -x509 -newkey ec`,
/// no private key kept) standing for a vendor's update signing CA.
const CA_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBvTCCAWOgAwIBAgIUChNDH/CNmYsLjJGgz+neOW1a73wwCgYIKoZIzj0EAwIw
NDEVMBMGA1UECgwMQWNtZSBEZXZpY2VzMRswGQYDVQQDDBJBY21lIEh1YiB1cGRh
dGUgQ0EwHhcNMjYxMTI2MDAxMDMzWhcNMzYxMTIzMDAxMDMzWjA0MRUwEwYDVQQK
DAxBY21lIERldmljZXMxGzAZBgNVBAMMEkFjbWUgSHViIHVwZGF0ZSBDQTBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABPG5L8diijU/OTzgGc2XZuu1tbAWwkKmRpwB
Eye6dX8w9bVxBJlop4PInArFWURUdFBsyYdhgdB8OLxGEwdzdYujUzBRMB0GA1Ud
DgQWBBRnfsnxFEs1v24mqAD0xzwonon2bDAfBgNVHSMEGDAWgBRnfsnxFEs1v24m
qAD0xzwonon2bDAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQDX
DbiAfay/Z2uQ29DYI5HwFEX/akqEBdxDn70x/XbRiwIgDPomVDvkQFl4V4xMfgj4
UjEmZ55qR/6gd794skaXGVo=
-----END CERTIFICATE-----
";

fn run(t: &TestTree) -> Vec<CheckResult> {
    checks(&t.squashfs())
}

fn inners(r: &CheckResult) -> Vec<String> {
    files(r)
        .into_iter()
        .map(|(p, _, _)| p.last().cloned().unwrap())
        .collect()
}

fn busybox_init(t: &TestTree) {
    t.bootable()
        .file("etc/inittab", "::sysinit:/etc/init.d/rcS\n")
        .exec(
            "etc/init.d/rcS",
            "#!/bin/sh\nmount -a\ncrond -c /etc/crontabs\n",
        );
}

/// OpenWrt 18.06 base-files/files/etc/opkg.conf and a signed build's
/// distfeeds.conf; the key file is OpenWrt's 18.06 usign release key in
/// its published format.
fn openwrt_tree() -> TestTree {
    let t = TestTree::new();
    busybox_init(&t);
    t.exec(
        "sbin/sysupgrade",
        "#!/bin/sh\n. /lib/functions.sh\n. /lib/functions/system.sh\n\n\
         export MTD_CONFIG_ARGS=\nexport INTERACTIVE=0\n",
    )
    .exec(
        "lib/upgrade/common.sh",
        "#!/bin/sh\nRAM_ROOT=/tmp/root\n\ndefault_do_upgrade() {\n\tsync\n\
         \tget_image \"$1\" \"$2\" | mtd $MTD_ARGS write - \"${PART_NAME:-image}\"\n}\n",
    )
    .program("bin/opkg", "/bin/true")
    .file(
        "etc/opkg.conf",
        "dest root /\ndest ram /tmp\nlists_dir ext /var/opkg-lists\n\
         option overlay_root /overlay\noption check_signature\n",
    )
    .file(
        "etc/opkg/distfeeds.conf",
        "src/gz openwrt_core https://downloads.openwrt.org/releases/18.06.2/targets/x86/generic/packages\n",
    )
    .file(
        "etc/opkg/keys/1035ac73cc4e59e3",
        "untrusted comment: Public usign key for 18.06 release builds\n\
         RWQQNaxzzE5Z41cVmEh2rilAPKLsyfPKm+S4BJWA1Yv+LP1hKebmGtXi\n",
    );
    t
}

#[test]
fn openwrt_signed_feeds_without_scheduler() {
    let t = openwrt_tree();
    let results = run(&t);

    let client = result(&results, CLIENT);
    assert_outcome(client, Outcome::Pass);
    assert_eq!(
        client.summary,
        "update clients found: OpenWrt sysupgrade (/sbin/sysupgrade, /lib/upgrade/common.sh); \
         opkg (/bin/opkg)"
    );
    assert_eq!(
        inners(client),
        [
            "/sbin/sysupgrade",
            "/lib/upgrade/common.sh",
            "/bin/opkg",
            "/etc/opkg.conf"
        ]
    );

    let sig = result(&results, SIGNATURE);
    assert_outcome(sig, Outcome::Pass);
    let ev = files(sig);
    let conf = std::fs::read_to_string(t.root().join("etc/opkg.conf")).unwrap();
    assert_eq!(
        ev[0],
        (
            sq("/etc/opkg.conf"),
            offset_of(&conf, "option check_signature"),
            "option check_signature".into()
        )
    );
    assert_eq!(
        ev[1],
        (
            sq("/etc/opkg/keys/1035ac73cc4e59e3"),
            0,
            "untrusted comment: Public usign key for 18.06 release builds".into()
        )
    );
    assert!(
        sig.summary
            .ends_with("(no verification evidence either way for: OpenWrt sysupgrade)"),
        "{}",
        sig.summary
    );

    // Stock OpenWrt updates only when a person runs sysupgrade or opkg.
    let auto = result(&results, AUTOMATIC);
    assert_outcome(auto, Outcome::Fail);
    assert!(
        auto.summary
            .starts_with("no update client is started at boot, by cron or by a timer"),
        "{}",
        auto.summary
    );

    // A cron job running `opkg upgrade` makes it automatic.
    t.file(
        "etc/crontabs/root",
        "# m h dom mon dow command\n30 4 * * 0 opkg update && opkg upgrade $(opkg list-upgradable | cut -d' ' -f1)\n",
    );
    let auto = result(&run(&t), AUTOMATIC).clone();
    assert_outcome(&auto, Outcome::Pass);
    assert_eq!(
        files(&auto),
        vec![(
            sq("/etc/crontabs/root"),
            26,
            "30 4 * * 0 opkg update && opkg upgrade $(opkg list-upgradable | cut -d' ' -f1)".into()
        )]
    );
    assert_eq!(
        auto.summary,
        "updates run unattended: cron (/etc/crontabs/root) runs opkg"
    );
}

#[test]
fn openwrt_opkg_without_check_signature_is_unverified() {
    let t = openwrt_tree();
    t.file(
        "etc/opkg.conf",
        "dest root /\nlists_dir ext /var/opkg-lists\n",
    );
    let sig = result(&run(&t), SIGNATURE).clone();
    assert_outcome(&sig, Outcome::Fail);
    assert_eq!(
        sig.summary,
        "an update path installs without verifying a signature: opkg (opkg.conf without check_signature)"
    );
    t.file("etc/opkg.conf", "dest root /\noption check_signature 0\n");
    let sig = result(&run(&t), SIGNATURE).clone();
    assert_outcome(&sig, Outcome::Fail);
    assert!(
        sig.summary.contains("check_signature switched off"),
        "{}",
        sig.summary
    );
    assert_eq!(files(&sig)[0].2, "option check_signature 0");
}

/// OpenWrt's sysupgrade checks an image signature when one is appended,
/// but flashes an unsigned image unless the target requires signatures.
/// (The shell below is written here in the shape of base-files'
/// lib/upgrade/fwtool.sh and a target's platform.sh.)
#[test]
fn openwrt_sysupgrade_signature_required_or_not() {
    let t = openwrt_tree();
    t.file(
        "lib/upgrade/fwtool.sh",
        ". /lib/upgrade/common.sh\n\nfwtool_check_signature() {\n\
         \t[ $# -gt 1 ] && return 1\n\
         \tif ! fwtool -q -s /tmp/sysupgrade.ucert \"$1\"; then\n\
         \t\t[ \"$REQUIRE_IMAGE_SIGNATURE\" = 1 ] && return 1\n\t\treturn 0\n\tfi\n\
         \tfwtool -q -T -s /dev/null \"$1\" | ucert -V -m - -c /tmp/sysupgrade.ucert -P /etc/opkg/keys\n}\n",
    );
    let sig = result(&run(&t), SIGNATURE).clone();
    assert_outcome(&sig, Outcome::Fail);
    assert_eq!(
        sig.summary,
        "an update path installs without verifying a signature: OpenWrt sysupgrade \
         (unsigned images accepted: REQUIRE_IMAGE_SIGNATURE is not set)"
    );
    assert_eq!(inners(&sig)[0], "/lib/upgrade/fwtool.sh");

    t.file(
        "lib/upgrade/platform.sh",
        "REQUIRE_IMAGE_METADATA=1\nREQUIRE_IMAGE_SIGNATURE=1\n\nplatform_check_image() {\n\treturn 0\n}\n",
    );
    let sig = result(&run(&t), SIGNATURE).clone();
    assert_outcome(&sig, Outcome::Pass);
    assert!(
        inners(&sig).contains(&"/lib/upgrade/platform.sh".to_string()),
        "{:?}",
        inners(&sig)
    );
    assert!(
        !sig.summary.contains("no verification evidence either way"),
        "{}",
        sig.summary
    );
}

const VENDOR_SCRIPT: &str = "#!/bin/sh\n# acme-fwupdate: nightly firmware update for the Acme Hub\n\
URL=http://update.acme.example/hub/latest.bin\n\
logger -t fwupdate \"checking $URL\"\n\
curl -fsS \"$URL\" | mtd -r write - firmware\n";

#[test]
fn unsigned_vendor_script_from_cron() {
    let t = TestTree::new();
    busybox_init(&t);
    t.exec("usr/sbin/acme-fwupdate", VENDOR_SCRIPT).file(
        "etc/crontabs/root",
        "# m h dom mon dow command\n0 4 * * * /usr/sbin/acme-fwupdate >/dev/null 2>&1\n",
    );
    let results = run(&t);

    let client = result(&results, CLIENT);
    assert_outcome(client, Outcome::Pass);
    assert_eq!(
        client.summary,
        "update clients found: vendor update script (/usr/sbin/acme-fwupdate)"
    );

    let sig = result(&results, SIGNATURE);
    assert_outcome(sig, Outcome::Fail);
    assert_eq!(
        files(sig),
        vec![(
            sq("/usr/sbin/acme-fwupdate"),
            offset_of(VENDOR_SCRIPT, "curl"),
            "curl -fsS \"$URL\" | mtd -r write - firmware".into()
        )]
    );
    assert!(
        sig.summary
            .contains("downloads and writes flash with no verification call"),
        "{}",
        sig.summary
    );

    let auto = result(&results, AUTOMATIC);
    assert_outcome(auto, Outcome::Pass);
    assert_eq!(
        files(auto),
        vec![(
            sq("/etc/crontabs/root"),
            26,
            "0 4 * * * /usr/sbin/acme-fwupdate >/dev/null 2>&1".into()
        )]
    );

    // The same script with a signature check passes.
    t.exec(
        "usr/sbin/acme-fwupdate",
        "#!/bin/sh\ncurl -fsS -o /tmp/fw.bin https://update.acme.example/hub/latest.bin\n\
         curl -fsS -o /tmp/fw.sig https://update.acme.example/hub/latest.sig\n\
         openssl dgst -sha256 -verify /etc/acme/update.pem -signature /tmp/fw.sig /tmp/fw.bin || exit 1\n\
         mtd -r write /tmp/fw.bin firmware\n",
    );
    let sig = result(&run(&t), SIGNATURE).clone();
    assert_outcome(&sig, Outcome::Pass);
    assert_eq!(
        files(&sig)[0].2,
        "openssl dgst -sha256 -verify /etc/acme/update.pem -signature /tmp/fw.sig /tmp/fw.bin || exit 1"
    );
}

#[test]
fn rauc_with_hawkbit_service() {
    let t = TestTree::new();
    t.bootable()
        .link("lib/systemd/systemd", "../../bin/busybox")
        .program("usr/bin/rauc", "/bin/true")
        .program("usr/bin/rauc-hawkbit-updater", "/bin/true")
        .file(
            "etc/rauc/system.conf",
            "[system]\ncompatible=Acme Hub\nbootloader=uboot\nbundle-formats=-plain\n\n\
             [keyring]\npath=/etc/rauc/ca.cert.pem\n\n\
             [slot.rootfs.0]\ndevice=/dev/mmcblk0p2\ntype=ext4\nbootname=A\n\n\
             [slot.rootfs.1]\ndevice=/dev/mmcblk0p3\ntype=ext4\nbootname=B\n",
        )
        .file("etc/rauc/ca.cert.pem", CA_PEM)
        .file(
            "etc/rauc-hawkbit-updater/config.conf",
            "[client]\nhawkbit_server            = hawkbit.acme.example\nssl                       = true\n\
             ssl_verify                = true\ntenant_id                 = DEFAULT\n\
             target_name               = hub-0042\nauth_token                = ${HAWKBIT_TOKEN}\n\
             bundle_download_location  = /tmp/bundle.raucb\n\n[device]\nproduct = Acme Hub\n",
        )
        .file(
            "lib/systemd/system/rauc-hawkbit-updater.service",
            "[Unit]\nDescription=HawkBit client for Rauc\nAfter=network-online.target rauc.service\n\n\
             [Service]\nUser=rauc-hawkbit\nExecStart=/usr/bin/rauc-hawkbit-updater -s -c /etc/rauc-hawkbit-updater/config.conf\n\n\
             [Install]\nWantedBy=multi-user.target\n",
        )
        .link(
            "etc/systemd/system/multi-user.target.wants/rauc-hawkbit-updater.service",
            "/lib/systemd/system/rauc-hawkbit-updater.service",
        );
    let results = run(&t);
    let client = result(&results, CLIENT);
    assert_outcome(client, Outcome::Pass);
    assert_eq!(
        client.summary,
        "update clients found: RAUC (/usr/bin/rauc, /etc/rauc/system.conf); \
         hawkBit (rauc-hawkbit-updater) (/usr/bin/rauc-hawkbit-updater, /etc/rauc-hawkbit-updater/config.conf)"
    );

    let sig = result(&results, SIGNATURE);
    assert_outcome(sig, Outcome::Pass);
    let ev = files(sig);
    assert_eq!(ev[0].0, sq("/etc/rauc/system.conf"));
    assert_eq!(ev[0].2, "[keyring]");
    assert_eq!(ev[1].0, sq("/etc/rauc/ca.cert.pem"));

    let auto = result(&results, AUTOMATIC);
    assert_outcome(auto, Outcome::Pass);
    assert_eq!(
        auto.summary,
        "updates run unattended: systemd rauc-hawkbit-updater.service at boot runs hawkBit (rauc-hawkbit-updater)"
    );
    assert_eq!(
        files(auto)[0].2,
        "ExecStart=/usr/bin/rauc-hawkbit-updater -s -c /etc/rauc-hawkbit-updater/config.conf"
    );
}

#[test]
fn swupdate_suricatta_with_public_key() {
    let t = TestTree::new();
    busybox_init(&t);
    t.program("usr/bin/swupdate", "/bin/true")
        .file(
            "etc/swupdate.cfg",
            "globals :\n{\n\tverbose = true;\n\tloglevel = 5;\n\
             \tpublic-key-file = \"/etc/swupdate/public.pem\";\n};\n\n\
             suricatta :\n{\n\ttenant = \"default\";\n\tid = \"hub-0042\";\n\
             \turl = \"https://hawkbit.acme.example\";\n\tpolldelay = 3600;\n};\n",
        )
        .exec(
            "etc/init.d/S80swupdate",
            "#!/bin/sh\ncase \"$1\" in\n  start)\n\tswupdate -f /etc/swupdate.cfg -u \"-t default -i hub-0042\" &\n\t;;\n\
             \x20 stop)\n\tkillall swupdate\n\t;;\nesac\n",
        );
    let results = run(&t);
    let client = result(&results, CLIENT);
    assert_outcome(client, Outcome::Pass);
    assert_eq!(
        client.summary,
        "update clients found: SWUpdate (/usr/bin/swupdate, /etc/swupdate.cfg); \
         hawkBit (SWUpdate suricatta) (/etc/swupdate.cfg)"
    );
    let sig = result(&results, SIGNATURE);
    assert_outcome(sig, Outcome::Pass);
    assert_eq!(
        files(sig)[0].2,
        "public-key-file = \"/etc/swupdate/public.pem\";"
    );
    let auto = result(&results, AUTOMATIC);
    assert_outcome(auto, Outcome::Pass);
    assert_eq!(
        auto.summary,
        "updates run unattended: at boot from /etc/init.d/S80swupdate runs hawkBit (SWUpdate suricatta)"
    );
}

#[test]
fn mender_daemon_without_verify_key() {
    let t = TestTree::new();
    t.bootable()
        .link("lib/systemd/systemd", "../../bin/busybox")
        .program("usr/bin/mender", "/bin/true")
        .file(
            "etc/mender/mender.conf",
            "{\n  \"ServerURL\": \"https://hosted.mender.io\",\n  \"TenantToken\": \"\",\n\
             \x20 \"UpdatePollIntervalSeconds\": 1800,\n  \"InventoryPollIntervalSeconds\": 28800,\n\
             \x20 \"RetryPollIntervalSeconds\": 300\n}\n",
        )
        .file(
            "lib/systemd/system/mender-client.service",
            "[Unit]\nDescription=Mender OTA update service\nAfter=systemd-resolved.service\n\n\
             [Service]\nType=idle\nUser=root\nGroup=root\nExecStartPre=/bin/mkdir -p -m 0700 /data/mender\n\
             ExecStart=/usr/bin/mender daemon\nRestart=on-abort\n\n[Install]\nWantedBy=multi-user.target\n",
        )
        .link(
            "etc/systemd/system/multi-user.target.wants/mender-client.service",
            "/lib/systemd/system/mender-client.service",
        );
    let results = run(&t);
    assert_outcome(result(&results, CLIENT), Outcome::Pass);
    let sig = result(&results, SIGNATURE);
    assert_outcome(sig, Outcome::Fail);
    assert_eq!(
        sig.summary,
        "an update path installs without verifying a signature: Mender (no ArtifactVerifyKey)"
    );
    let auto = result(&results, AUTOMATIC);
    assert_outcome(auto, Outcome::Pass);
    assert_eq!(files(auto)[0].2, "ExecStart=/usr/bin/mender daemon");

    // With a verify key the same client passes.
    t.file(
        "etc/mender/mender.conf",
        "{\n  \"ServerURL\": \"https://hosted.mender.io\",\n  \"ArtifactVerifyKey\": \"/etc/mender/artifact-verify-key.pem\"\n}\n",
    );
    assert_outcome(result(&run(&t), SIGNATURE), Outcome::Pass);
}

#[test]
fn bootable_tree_without_updater_fails_update_client() {
    let t = TestTree::new();
    busybox_init(&t);
    t.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
    let results = run(&t);
    let client = result(&results, CLIENT);
    assert_outcome(client, Outcome::Fail);
    assert!(client.evidence.is_empty());
    assert!(find(&results, SIGNATURE).is_none());
    assert!(find(&results, AUTOMATIC).is_none());

    // The same files without an init program (an overlay) decide nothing.
    t.remove("sbin/init").remove("bin/busybox").remove("bin/sh");
    let results = run(&t);
    assert!(find(&results, CLIENT).is_none(), "{results:#?}");
}

#[test]
fn iotgoat_overlay_says_nothing_about_updates() {
    // The overlay holds IoTGoat's configuration files, not the OpenWrt
    // programs under them: no init, no sysupgrade, no opkg. None of the
    // update checks can be decided from it.
    let root = shared("firmware/iotgoat-rootfs-overlay/rootfs");
    let dir = tempfile::tempdir().unwrap();
    let img = crate::services::squashfs_of(&root, &dir.path().join("iotgoat.sqfs"));
    let results = checks(&img);
    for c in [
        CLIENT,
        SIGNATURE,
        AUTOMATIC,
        "fw.update-channel-authenticated",
    ] {
        assert!(find(&results, c).is_none(), "{c}: {results:#?}");
    }
}

#[test]
fn example_image_update_path() {
    let img = unpack_ok(&example_bytes(), EXAMPLE);
    let results = checks(&img);
    let client = result(&results, CLIENT);
    assert_outcome(client, Outcome::Pass);
    assert_eq!(
        client.summary,
        "update clients found: vendor update script (/usr/sbin/acme-update)"
    );
    let sig = result(&results, SIGNATURE);
    assert_outcome(sig, Outcome::Fail);
    // the evidence is the download line; the commented-out openssl line
    // does not count as verification
    assert_eq!(files(sig)[0].0, path("/usr/sbin/acme-update"));
    assert!(
        files(sig)[0].2.starts_with("wget -q -U"),
        "{:?}",
        files(sig)
    );
    let auto = result(&results, AUTOMATIC);
    assert_outcome(auto, Outcome::Pass);
    assert_eq!(
        files(auto),
        vec![(
            path("/etc/crontabs/root"),
            26,
            "17 3 * * * /usr/sbin/acme-update >/dev/null 2>&1".into()
        )]
    );
}
