//! `probe.ssh-weak-algorithms` against real SSH servers on loopback: an
//! OpenSSH sshd configured with weak algorithms added back (as old device
//! firmware ships them), the same sshd with only strong ones, and dropbear
//! (which always offers diffie-hellman-group14-sha1).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use iotcheck_model::{CheckResult, Evidence, Outcome};
use iotcheck_probe::{ProbeOptions, probe};

struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tool(name: &str, package: &str) -> String {
    let out = Command::new("sh")
        .args([
            "-c",
            &format!("command -v {name} || command -v /usr/sbin/{name}"),
        ])
        .output()
        .unwrap();
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        !path.is_empty(),
        "{name} is missing: install the Debian package {package} (scripts/install-test-deps.sh)"
    );
    path
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn wait_open(port: u16, log: &Path) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the SSH server did not start: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn keygen(dir: &Path, name: &str, args: &[&str]) -> String {
    let path = dir.join(name);
    let ok = Command::new(tool("ssh-keygen", "openssh-client"))
        .args(["-q", "-N", ""])
        .args(args)
        .arg("-f")
        .arg(&path)
        .status()
        .unwrap();
    assert!(ok.success(), "ssh-keygen {args:?} failed");
    path.display().to_string()
}

/// An OpenSSH sshd on 127.0.0.1 with `extra` configuration lines.
fn sshd(dir: &Path, extra: &str) -> (Daemon, u16) {
    let sshd = tool("sshd", "openssh-server");
    // sshd's privilege-separation directory (made at boot by the package).
    let _ = std::fs::create_dir_all("/run/sshd");
    let port = free_port();
    let conf = dir.join("sshd.conf");
    std::fs::write(
        &conf,
        format!(
            "ListenAddress 127.0.0.1:{port}\nPidFile {}/sshd.pid\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n{extra}",
            dir.display()
        ),
    )
    .unwrap();
    let log = dir.join("sshd.log");
    let child = Command::new(sshd)
        .args(["-D", "-e", "-f"])
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let d = Daemon(child);
    wait_open(port, &log);
    (d, port)
}

fn ssh_result(port: u16) -> CheckResult {
    let opts = ProbeOptions {
        ports: iotcheck_probe::Ports {
            tcp: vec![port],
            udp: vec![],
        },
        audit: iotcheck_probe::Audit {
            enabled: false,
            ..iotcheck_probe::Audit::default()
        },
        ..ProbeOptions::default()
    };
    let report = probe(&["127.0.0.1".to_string()], &opts).unwrap();
    report
        .results
        .into_iter()
        .find(|r| r.check.as_str() == "probe.ssh-weak-algorithms")
        .expect("no probe.ssh-weak-algorithms result")
}

fn evidence_text(r: &CheckResult) -> String {
    r.evidence
        .iter()
        .filter_map(|e| match e {
            Evidence::Transcript { exchange, .. } => Some(
                exchange
                    .iter()
                    .map(|l| l.text.clone())
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn weak_openssh_algorithms_are_found_with_the_offered_lists_as_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let rsa = keygen(dir.path(), "rsa1024", &["-t", "rsa", "-b", "1024"]);
    let dsa = keygen(dir.path(), "dsa", &["-t", "dsa"]);
    let (_d, port) = sshd(
        dir.path(),
        &format!(
            "HostKey {rsa}\nHostKey {dsa}\nHostKeyAlgorithms +ssh-dss,ssh-rsa\n\
             KexAlgorithms +diffie-hellman-group1-sha1,diffie-hellman-group-exchange-sha1\n\
             Ciphers +3des-cbc,aes128-cbc\nMACs +hmac-md5,hmac-md5-96,hmac-sha1-96\n"
        ),
    );
    let r = ssh_result(port);
    assert_eq!(r.outcome, Outcome::Fail, "{}", r.summary);
    for weak in [
        "key exchange diffie-hellman-group1-sha1",
        "key exchange diffie-hellman-group-exchange-sha1",
        "host key ssh-dss",
        "host key ssh-rsa",
        "cipher 3des-cbc",
        "cipher aes128-cbc",
        "MAC hmac-md5 ",
        "MAC hmac-md5-96",
        "MAC hmac-sha1-96",
        // Read through a key exchange cut at the host key check.
        "host key RSA 1024 bits",
    ] {
        assert!(r.summary.contains(weak), "{weak} not in {}", r.summary);
    }
    // Strong algorithms offered beside them are not findings.
    for strong in ["curve25519-sha256 (", "aes128-ctr (", "hmac-sha2-256 ("] {
        assert!(!r.summary.contains(strong), "{strong} in {}", r.summary);
    }
    // The evidence shows the server's own lists.
    let ev = evidence_text(&r);
    assert!(ev.contains("SSH-2.0-OpenSSH_"), "{ev}");
    assert!(
        ev.contains("KEXINIT kex: ") && ev.contains("diffie-hellman-group1-sha1"),
        "{ev}"
    );
}

#[test]
fn a_strict_openssh_offers_nothing_weak() {
    let dir = tempfile::tempdir().unwrap();
    let key = keygen(dir.path(), "ed25519", &["-t", "ed25519"]);
    let (_d, port) = sshd(
        dir.path(),
        &format!(
            "HostKey {key}\nHostKeyAlgorithms ssh-ed25519\n\
             KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org\n\
             Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-ctr\n\
             MACs hmac-sha2-256-etm@openssh.com,hmac-sha2-256\n"
        ),
    );
    let r = ssh_result(port);
    assert_eq!(r.outcome, Outcome::Pass, "{}", r.summary);
    assert!(
        r.summary
            .contains("2 key exchange, 1 host key, 3 cipher and 2 MAC algorithms"),
        "{}",
        r.summary
    );
    let ev = evidence_text(&r);
    assert!(ev.contains("KEXINIT kex: curve25519-sha256,"), "{ev}");
}

#[test]
fn dropbear_offers_group14_sha1() {
    let dropbear = tool("dropbear", "dropbear-bin");
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("hk");
    let ok = Command::new(tool("dropbearkey", "dropbear-bin"))
        .args(["-t", "ed25519", "-f"])
        .arg(&key)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success());
    let port = free_port();
    let log = dir.path().join("dropbear.log");
    let child = Command::new(dropbear)
        .args(["-F", "-E", "-s", "-p"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-r")
        .arg(&key)
        .arg("-P")
        .arg(dir.path().join("pid"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let _d = Daemon(child);
    wait_open(port, &log);
    let r = ssh_result(port);
    assert_eq!(r.outcome, Outcome::Fail, "{}", r.summary);
    assert!(
        r.summary
            .contains("key exchange diffie-hellman-group14-sha1"),
        "{}",
        r.summary
    );
    assert!(!r.summary.contains("cipher"), "{}", r.summary);
}

/// Serves `behaviour` on 127.0.0.1 for each connection (a scripted server:
/// no Debian package speaks SSH protocol 1 any more).
fn scripted(behaviour: fn(std::net::TcpStream)) -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let start = Instant::now();
        for s in l.incoming() {
            if start.elapsed() > Duration::from_secs(20) {
                break;
            }
            if let Ok(s) = s {
                std::thread::spawn(move || behaviour(s));
            }
        }
    });
    port
}

fn ssh1_only(mut s: std::net::TcpStream) {
    use std::io::{Read, Write};
    let _ = s.write_all(b"SSH-1.5-OldCam_1.2\r\n");
    let mut sink = [0u8; 256];
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = s.read(&mut sink);
}

fn stalls_after_banner(mut s: std::net::TcpStream) {
    use std::io::Write;
    let _ = s.write_all(b"SSH-2.0-Stall\r\n");
    std::thread::sleep(Duration::from_secs(15));
}

fn oversized_packet(mut s: std::net::TcpStream) {
    use std::io::Write;
    // A packet length far beyond RFC 4253's 35000 bytes, then noise.
    let _ = s.write_all(b"SSH-2.0-Liar\r\n\xff\xff\xff\xf0\x04\x14");
    let _ = s.write_all(&[0x41; 4096]);
    std::thread::sleep(Duration::from_secs(5));
}

#[test]
fn protocol_1_is_a_finding() {
    let r = ssh_result(scripted(ssh1_only));
    assert_eq!(r.outcome, Outcome::Fail, "{}", r.summary);
    assert!(
        r.summary
            .contains("protocol SSH-1.5-OldCam_1.2 (SSH protocol 1,"),
        "{}",
        r.summary
    );
}

#[test]
fn a_stalled_or_lying_server_is_an_error_not_a_pass() {
    let start = Instant::now();
    let r = ssh_result(scripted(stalls_after_banner));
    assert_eq!(r.outcome, Outcome::Error, "{}", r.summary);
    assert!(r.summary.contains("no KEXINIT in time"), "{}", r.summary);
    // One read timeout (4 s by default), not the server's 15 s.
    assert!(
        start.elapsed() < Duration::from_secs(12),
        "{:?}",
        start.elapsed()
    );

    let r = ssh_result(scripted(oversized_packet));
    assert_eq!(r.outcome, Outcome::Error, "{}", r.summary);
    assert!(
        r.summary
            .contains("packet length 4294967280 is outside 5..=35000"),
        "{}",
        r.summary
    );
}
