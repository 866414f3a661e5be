//! `fw.boot-cleartext-service` on trees laid out like real systems
//! (BusyBox init, Debian sysvinit with runlevel links, OpenWrt procd,
//! systemd with socket activation), packed into images with mksquashfs or
//! GNU tar, and on IoTGoat's real `rc.local` from ../shared/data.

use std::path::{Path, PathBuf};
use std::process::Command;

use iotcheck_firmware::{Image, checks};
use iotcheck_model::{CheckResult, Outcome};

use crate::*;

const CHECK: &str = "fw.boot-cleartext-service";

/// A root filesystem tree in a temporary directory, packed with real tools.
pub struct TestTree {
    dir: tempfile::TempDir,
}

impl TestTree {
    pub fn new() -> Self {
        let t = TestTree {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(t.root().join("etc")).unwrap();
        t
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn path(&self, rel: &str) -> PathBuf {
        let p = self.root().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        p
    }

    pub fn file(&self, rel: &str, text: &str) -> &Self {
        std::fs::write(self.path(rel), text).unwrap();
        self
    }

    /// An executable script.
    pub fn exec(&self, rel: &str, text: &str) -> &Self {
        use std::os::unix::fs::PermissionsExt;
        let p = self.path(rel);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        self
    }

    pub fn link(&self, rel: &str, target: &str) -> &Self {
        std::os::unix::fs::symlink(target, self.path(rel)).unwrap();
        self
    }

    /// A copy of a host program (only its presence matters to the rules).
    pub fn program(&self, rel: &str, host: &str) -> &Self {
        std::fs::copy(host, self.path(rel)).unwrap_or_else(|e| panic!("cannot copy {host}: {e}"));
        self
    }

    /// `/bin/busybox` (the host's) with `/sbin/init` linked to it: a root
    /// filesystem that can boot.
    pub fn bootable(&self) -> &Self {
        self.program("bin/busybox", &host_busybox())
            .link("sbin/init", "../bin/busybox")
            .link("bin/sh", "busybox")
    }

    pub fn remove(&self, rel: &str) -> &Self {
        std::fs::remove_file(self.root().join(rel)).unwrap();
        self
    }

    pub fn squashfs(&self) -> Image {
        let out = self.dir.path().join("image.sqfs");
        squashfs_of(&self.root(), &out)
    }

    pub fn tar(&self) -> Image {
        let out = self.dir.path().join("image.tar");
        let status = Command::new("tar")
            .arg("-C")
            .arg(self.root())
            .args(["--owner=0", "--group=0", "-cf"])
            .arg(&out)
            .arg(".")
            .status()
            .expect("GNU tar (Debian package tar) must be installed for this test");
        assert!(status.success());
        unpack_ok(&std::fs::read(out).unwrap(), "image.tar")
    }
}

fn host_busybox() -> String {
    for p in ["/bin/busybox", "/usr/bin/busybox"] {
        if Path::new(p).exists() {
            return p.into();
        }
    }
    panic!("busybox (Debian package busybox) must be installed for this test");
}

/// `mksquashfs root out` (xz), unpacked.
pub fn squashfs_of(root: &Path, out: &Path) -> Image {
    let status = Command::new("mksquashfs")
        .arg(root)
        .arg(out)
        .args([
            "-comp",
            "xz",
            "-all-root",
            "-noappend",
            "-no-xattrs",
            "-quiet",
            "-no-progress",
        ])
        .status()
        .expect("mksquashfs (Debian squashfs-tools) must be installed for this test");
    assert!(status.success());
    let img = unpack_ok(&std::fs::read(out).unwrap(), "image.sqfs");
    assert!(img.notes.is_empty(), "{:?}", img.notes);
    img
}

pub fn sq(inner: &str) -> Vec<String> {
    vec!["squashfs@0x0".into(), inner.into()]
}

/// The check's result, if any.
pub fn find<'a>(results: &'a [CheckResult], check: &str) -> Option<&'a CheckResult> {
    results.iter().find(|r| r.check.as_str() == check)
}

/// Byte offset of `line` in `text` (it must be there).
pub fn offset_of(text: &str, line: &str) -> u64 {
    text.find(line)
        .unwrap_or_else(|| panic!("{line:?} not in {text:?}")) as u64
}

#[test]
fn iotgoat_rc_local_starts_telnetd() {
    let root = shared("firmware/iotgoat-rootfs-overlay/rootfs");
    let dir = tempfile::tempdir().unwrap();
    let img = squashfs_of(&root, &dir.path().join("iotgoat.sqfs"));
    let results = checks(&img);
    let r = result(&results, CHECK);
    assert_outcome(r, Outcome::Fail);
    let rc = String::from_utf8(read_shared(
        "firmware/iotgoat-rootfs-overlay/rootfs/etc/rc.local",
    ))
    .unwrap();
    assert_eq!(
        files(r),
        vec![(
            sq("/etc/rc.local"),
            offset_of(&rc, "telnetd -p 65534 &"),
            "telnetd -p 65534 &".to_string()
        )]
    );
    assert_eq!(
        r.summary,
        "cleartext or login-free services started at boot: Telnet server started from /etc/rc.local"
    );
    // IoTGoat's own backdoor (/usr/bin/shellback) is a binary the overlay
    // does not hold: its name says nothing, so it is not reported.
    assert!(!r.summary.contains("shellback"));
}

fn busybox_tree() -> TestTree {
    let t = TestTree::new();
    t.bootable()
        .file(
            "etc/inittab",
            "# BusyBox init\n::sysinit:/etc/init.d/rcS\n::askfirst:-/bin/sh\n\
             ::ctrlaltdel:/sbin/reboot\n::shutdown:/bin/umount -a -r\n",
        )
        .exec(
            "etc/init.d/rcS",
            "#!/bin/sh\nfor i in /etc/init.d/S??* ; do\n\t[ -x \"$i\" ] && $i start\ndone\n",
        )
        .exec(
            "etc/init.d/S50telnet",
            "#!/bin/sh\ncase \"$1\" in\n  start)\n\techo \"Starting telnetd\"\n\
             \ttelnetd -l /bin/login \\\n\t\t-p 23\n\t;;\n  stop)\n\tkillall telnetd\n\t;;\nesac\n",
        )
        .exec(
            "etc/init.d/S60inetd",
            "#!/bin/sh\n[ \"$1\" = start ] && inetd /etc/inetd.conf\n",
        )
        .file(
            "etc/inetd.conf",
            "# service socktype proto wait user server args\n\
             #telnet stream tcp nowait root /usr/sbin/telnetd telnetd -i\n\
             tftp dgram udp nowait root /usr/sbin/tftpd tftpd -c /srv/tftp\n",
        );
    t
}

#[test]
fn busybox_init_tree_fails_with_every_service_it_starts() {
    let t = busybox_tree();
    let img = t.squashfs();
    let results = checks(&img);
    let r = result(&results, CHECK);
    assert_outcome(r, Outcome::Fail);
    let ev = files(r);
    let inittab = std::fs::read_to_string(t.root().join("etc/inittab")).unwrap();
    let s50 = std::fs::read_to_string(t.root().join("etc/init.d/S50telnet")).unwrap();
    let inetd = std::fs::read_to_string(t.root().join("etc/inetd.conf")).unwrap();
    assert!(
        ev.contains(&(
            sq("/etc/inittab"),
            offset_of(&inittab, "::askfirst"),
            "::askfirst:-/bin/sh".into()
        )),
        "{ev:#?}"
    );
    // the continued line, joined, at the offset of its first part
    assert!(
        ev.contains(&(
            sq("/etc/init.d/S50telnet"),
            offset_of(&s50, "\ttelnetd"),
            "telnetd -l /bin/login -p 23".into()
        )),
        "{ev:#?}"
    );
    assert!(
        ev.contains(&(
            sq("/etc/inetd.conf"),
            offset_of(&inetd, "tftp dgram"),
            "tftp dgram udp nowait root /usr/sbin/tftpd tftpd -c /srv/tftp".into()
        )),
        "{ev:#?}"
    );
    // the commented telnet line, the killall and the echo are not starts
    assert_eq!(ev.len(), 3, "{ev:#?}");
    assert!(
        r.summary
            .contains("/bin/sh on the console without login (inittab askfirst)"),
        "{}",
        r.summary
    );
}

#[test]
fn inetd_entries_count_only_when_inetd_runs() {
    let t = busybox_tree();
    t.remove("etc/init.d/S60inetd");
    let results = checks(&t.squashfs());
    let ev = files(result(&results, CHECK));
    assert!(ev.iter().all(|e| e.0 != sq("/etc/inetd.conf")), "{ev:#?}");
}

const VSFTPD_INIT: &str = "#!/bin/sh\n### BEGIN INIT INFO\n# Provides:          vsftpd\n\
# Default-Start:     2 3 4 5\n### END INIT INFO\n\nDAEMON=/usr/sbin/vsftpd\nNAME=vsftpd\n\n\
case \"$1\" in\n\tstart)\n\t\tstart-stop-daemon --start --background -m --oknodo \
--pidfile /var/run/vsftpd/vsftpd.pid --exec ${DAEMON}\n\t\t;;\n\tstop)\n\t\t\
start-stop-daemon --stop --pidfile /var/run/vsftpd/vsftpd.pid --exec ${DAEMON}\n\t\t;;\nesac\n";

const TELNETD_INIT: &str = "#!/bin/sh\nDAEMON=/usr/sbin/in.telnetd\n\
start-stop-daemon --start --exec $DAEMON -- -debug\n";

fn debian_tree() -> TestTree {
    let t = TestTree::new();
    t.bootable()
        .file(
            "etc/inittab",
            "id:2:initdefault:\nsi::sysinit:/etc/init.d/rcS\nl2:2:wait:/etc/init.d/rc 2\n\
             1:2345:respawn:/sbin/getty 38400 tty1\nT0:23:respawn:/sbin/getty -L ttyS0 9600 vt100\n",
        )
        .exec("etc/init.d/rcS", "#!/bin/sh\nexec /etc/init.d/rc S\n")
        .exec(
            "etc/init.d/rc",
            "#!/bin/sh\nfor s in /etc/rc$1.d/S*; do\n  $s start\ndone\n",
        )
        .exec("etc/init.d/vsftpd", VSFTPD_INIT)
        .exec("etc/init.d/telnetd", TELNETD_INIT)
        .exec(
            "etc/init.d/ssh",
            "#!/bin/sh\nstart-stop-daemon --start --quiet --oknodo --exec /usr/sbin/sshd\n",
        )
        .link("etc/rc2.d/S01ssh", "../init.d/ssh")
        .link("etc/rc2.d/K01telnetd", "../init.d/telnetd")
        .file(
            "etc/ssh/sshd_config",
            "Include /etc/ssh/sshd_config.d/*.conf\n#PermitRootLogin prohibit-password\n\
             PermitRootLogin yes\nPermitEmptyPasswords no\nKbdInteractiveAuthentication no\n",
        );
    t
}

#[test]
fn debian_runlevel_links_decide_which_scripts_start() {
    let t = debian_tree();
    // vsftpd is installed but not linked: only ssh starts. Root password
    // login over SSH is reported, not failed.
    let results = checks(&t.squashfs());
    let r = result(&results, CHECK);
    assert_outcome(r, Outcome::Pass);
    let conf = std::fs::read_to_string(t.root().join("etc/ssh/sshd_config")).unwrap();
    assert_eq!(
        files(r),
        vec![(
            sq("/etc/ssh/sshd_config"),
            offset_of(&conf, "PermitRootLogin yes"),
            "PermitRootLogin yes".to_string()
        )]
    );
    assert!(
        r.summary.contains(
            "reported, not failed: SSH root login with a password in /etc/ssh/sshd_config"
        ),
        "{}",
        r.summary
    );

    // Enabling vsftpd (an S link, as update-rc.d makes) fails it, with the
    // start line and ${DAEMON} resolved; the stop line is not a start.
    t.link("etc/rc2.d/S01vsftpd", "../init.d/vsftpd");
    let results = checks(&t.squashfs());
    let r = result(&results, CHECK);
    assert_outcome(r, Outcome::Fail);
    let ev = files(r);
    assert_eq!(ev[0].0, sq("/etc/init.d/vsftpd"));
    assert_eq!(
        ev[0].1,
        offset_of(VSFTPD_INIT, "\t\tstart-stop-daemon --start")
    );
    assert!(
        ev[0].2.starts_with("start-stop-daemon --start"),
        "{}",
        ev[0].2
    );
    assert_eq!(ev.len(), 2, "{ev:#?}"); // + the sshd note
    assert!(
        r.summary
            .contains("FTP server started from /etc/init.d/vsftpd")
    );
    assert!(!r.summary.contains("telnet"), "{}", r.summary);

    // PermitEmptyPasswords yes fails on its own.
    t.remove("etc/rc2.d/S01vsftpd").file(
        "etc/ssh/sshd_config",
        "PermitEmptyPasswords yes\nPasswordAuthentication yes\n",
    );
    let results = checks(&t.squashfs());
    let r = result(&results, CHECK);
    assert_outcome(r, Outcome::Fail);
    assert_eq!(
        files(r),
        vec![(
            sq("/etc/ssh/sshd_config"),
            0,
            "PermitEmptyPasswords yes".to_string()
        )]
    );
}

/// OpenWrt 18.06 package/network/services/telnetd/files/telnet.init.
const OPENWRT_TELNET: &str = "#!/bin/sh /etc/rc.common\n# Copyright (C) 2006-2011 OpenWrt.org\n\n\
START=50\n\nUSE_PROCD=1\nPROG=/usr/sbin/telnetd\n\nhas_root_pwd() {\n\
\tlocal pwd=$([ -f \"$1\" ] && cat \"$1\")\n\tpwd=\"${pwd#*root:}\"\n\tpwd=\"${pwd%%:*}\"\n\n\
\ttest -n \"${pwd#[\\!x]}\"\n}\n\nstart_service() {\n\
\tif ( ! has_ssh_pubkey && \\\n\t     ! has_root_pwd /etc/passwd && ! has_root_pwd /etc/shadow ) || \\\n\
\t   ( ! /etc/init.d/dropbear enabled 2> /dev/null && ! /etc/init.d/sshd enabled 2> /dev/null );\n\
\tthen\n\t\tprocd_open_instance\n\t\tprocd_set_param command \"$PROG\" -F -l /bin/login.sh\n\
\t\tprocd_close_instance\n\tfi\n}\n";

const OPENWRT_DROPBEAR: &str = "#!/bin/sh /etc/rc.common\nSTART=19\nSTOP=50\n\nUSE_PROCD=1\n\
PROG=/usr/sbin/dropbear\nNAME=dropbear\n\ndropbear_instance()\n{\n\tprocd_open_instance\n\
\tprocd_set_param command \"$PROG\" -F -P \"$pid_file\"\n\tprocd_close_instance\n}\n";

fn openwrt_tree() -> TestTree {
    let t = TestTree::new();
    t.bootable()
        .file(
            "etc/inittab",
            "::sysinit:/etc/init.d/rcS S boot\n::shutdown:/etc/init.d/rcS K shutdown\n\
             ::askconsole:/usr/libexec/login.sh\n",
        )
        .exec(
            "etc/init.d/rcS",
            "#!/bin/sh\n# Copyright (C) 2006 OpenWrt.org\n\nrun_scripts() {\n\
             \tfor i in /etc/rc.d/$1*; do\n\t\t[ -x $i ] && $i $2 2>&1\n\tdone | $LOGGER\n}\n",
        )
        .exec("etc/init.d/telnet", OPENWRT_TELNET)
        .exec("etc/init.d/dropbear", OPENWRT_DROPBEAR)
        .link("etc/rc.d/S50telnet", "../init.d/telnet")
        .link("etc/rc.d/S19dropbear", "../init.d/dropbear")
        .file(
            "etc/config/dropbear",
            // OpenWrt's package/network/services/dropbear/files/dropbear.config
            &String::from_utf8(read_shared(
                "firmware/iotgoat-rootfs-overlay/openwrt-build-metadata/package/network/services/dropbear/files/dropbear.config",
            ))
            .unwrap(),
        );
    t
}

#[test]
fn openwrt_procd_telnet_fails_and_root_password_ssh_is_reported() {
    let t = openwrt_tree();
    let results = checks(&t.squashfs());
    let r = result(&results, CHECK);
    assert_outcome(r, Outcome::Fail);
    let ev = files(r);
    assert_eq!(
        ev[0],
        (
            sq("/etc/init.d/telnet"),
            offset_of(OPENWRT_TELNET, "\t\tprocd_set_param command"),
            "procd_set_param command \"$PROG\" -F -l /bin/login.sh".into()
        )
    );
    // the dropbear note comes after the failure
    assert_eq!(ev[1].0, sq("/etc/config/dropbear"));
    assert_eq!(ev[1].2, "option RootPasswordAuth 'on'");
    assert_eq!(ev.len(), 2, "{ev:#?}");
    assert!(
        r.summary.starts_with(
            "cleartext or login-free services started at boot: Telnet server started from /etc/init.d/telnet"
        ),
        "{}",
        r.summary
    );

    // `/etc/init.d/telnet disable` removes the link: a pass that still
    // names the root password login.
    t.remove("etc/rc.d/S50telnet");
    let results = checks(&t.squashfs());
    let r = result(&results, CHECK);
    assert_outcome(r, Outcome::Pass);
    assert_eq!(files(r).len(), 1);
    assert!(r.summary.contains("Dropbear"), "{}", r.summary);
}

fn systemd_tree() -> TestTree {
    let t = TestTree::new();
    t.bootable()
        .link("lib/systemd/systemd", "../../bin/busybox")
        .file(
            "lib/systemd/system/telnet.socket",
            "[Unit]\nDescription=Telnet Server Activation Socket\n\n[Socket]\nListenStream=23\n\
             Accept=true\n\n[Install]\nWantedBy=sockets.target\n",
        )
        .file(
            "lib/systemd/system/telnet@.service",
            "[Unit]\nDescription=Telnet Server\n\n[Service]\n\
             ExecStart=-/usr/sbin/in.telnetd\nStandardInput=socket\n",
        )
        .file(
            "lib/systemd/system/sshd.service",
            "[Unit]\nDescription=OpenSSH server\n\n[Service]\nExecStart=/usr/sbin/sshd -D $SSHD_OPTS\n\n\
             [Install]\nWantedBy=multi-user.target\n",
        )
        .file(
            "lib/systemd/system/serial-getty@.service",
            "[Service]\nExecStart=-/sbin/agetty -o '-p -- \\\\u' --keep-baud 115200,57600,38400,9600 - $TERM\n",
        )
        .link(
            "etc/systemd/system/multi-user.target.wants/sshd.service",
            "/lib/systemd/system/sshd.service",
        )
        .link(
            "etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service",
            "/lib/systemd/system/serial-getty@.service",
        );
    t
}

#[test]
fn systemd_socket_activated_telnet_fails_only_when_enabled() {
    let t = systemd_tree();
    for img in [t.squashfs(), t.tar()] {
        let r = result(&checks(&img), CHECK).clone();
        assert_outcome(&r, Outcome::Pass);
        assert!(r.evidence.is_empty());
    }
    t.link(
        "etc/systemd/system/sockets.target.wants/telnet.socket",
        "/lib/systemd/system/telnet.socket",
    );
    let results = checks(&t.squashfs());
    let r = result(&results, CHECK);
    assert_outcome(r, Outcome::Fail);
    let unit =
        std::fs::read_to_string(t.root().join("lib/systemd/system/telnet@.service")).unwrap();
    assert_eq!(
        files(r),
        vec![(
            sq("/lib/systemd/system/telnet@.service"),
            offset_of(&unit, "ExecStart"),
            "ExecStart=-/usr/sbin/in.telnetd".into()
        )]
    );
    assert!(
        r.summary.contains("(systemd telnet.socket)"),
        "{}",
        r.summary
    );

    // tar gives the same answer, with the tar layer in the path
    let img = t.tar();
    let r = result(&checks(&img), CHECK).clone();
    assert_outcome(&r, Outcome::Fail);
    assert_eq!(
        files(&r)[0].0.last().map(String::as_str),
        Some("/lib/systemd/system/telnet@.service")
    );

    // an autologin override on the serial console fails too
    t.file(
        "etc/systemd/system/serial-getty@.service",
        "[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --keep-baud 115200 %I $TERM\n",
    );
    let r = result(&checks(&t.squashfs()), CHECK).clone();
    assert!(
        r.summary.contains("agetty logs in automatically"),
        "{}",
        r.summary
    );
}

#[test]
fn clean_trees_pass() {
    let t = TestTree::new();
    t.bootable()
        .file(
            "etc/inittab",
            "::sysinit:/etc/init.d/rcS\nttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n\
             ::shutdown:/bin/umount -a -r\n",
        )
        .exec(
            "etc/init.d/rcS",
            "#!/bin/sh\n# telnetd -l /bin/sh\nkillall telnetd 2>/dev/null\n\
             start-stop-daemon -K -q -x /usr/sbin/telnetd\n\
             echo 'telnetd disabled in production'\ndropbear -s -g -p 22\n",
        )
        .file("etc/rc.local", "# nothing\nexit 0\n");
    let results = checks(&t.squashfs());
    let r = result(&results, CHECK);
    assert_outcome(r, Outcome::Pass);
    assert!(r.evidence.is_empty());
    assert!(
        r.summary
            .starts_with("no Telnet, FTP, TFTP, r-service or login-free shell"),
        "{}",
        r.summary
    );
}

#[test]
fn no_init_configuration_no_result() {
    let t = TestTree::new();
    t.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
        .exec("usr/bin/start-telnet", "#!/bin/sh\ntelnetd -l /bin/sh\n");
    let results = checks(&t.squashfs());
    assert!(find(&results, CHECK).is_none(), "{results:#?}");
}

#[test]
fn example_image_starts_a_root_shell_on_telnet() {
    let img = unpack_ok(&example_bytes(), EXAMPLE);
    let results = checks(&img);
    let r = result(&results, CHECK);
    assert_outcome(r, Outcome::Fail);
    let ev = files(r);
    assert_eq!(ev.len(), 1, "{ev:#?}");
    assert_eq!(ev[0].0, path("/etc/init.d/rcS"));
    assert_eq!(ev[0].2, "telnetd -l /bin/sh -p 2323");
    let rcs = String::from_utf8(
        img.find("/etc/init.d/rcS")
            .unwrap()
            .bytes()
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert_eq!(ev[0].1, offset_of(&rcs, "telnetd -l"));
    assert_eq!(
        r.summary,
        "cleartext or login-free services started at boot: Telnet server giving /bin/sh without login started from /etc/init.d/rcS"
    );
}
