//! The probe over IPv6: real daemons listening on `::1` only (mosquitto
//! with anonymous access, `openssl s_server` accepting TLS 1.0 with a
//! certificate naming `::1`), probed as `::1` and as `[::1]`. A default
//! credential and a TLS finding must be found, and the certificate's SAN IP
//! entry must match the IPv6 address (no "does not name" problem).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use iotcheck_model::Outcome;
use iotcheck_probe::{ProbeOptions, Protocol, probe};

struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn need(tool: &str, package: &str) {
    assert!(
        Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success()),
        "{tool} is missing: install the Debian package {package} (scripts/install-test-deps.sh)"
    );
}

fn free_v6_port() -> u16 {
    let l = std::net::TcpListener::bind("[::1]:0")
        .expect("no IPv6 loopback (::1) on this machine: IPv6 must be enabled on lo");
    l.local_addr().unwrap().port()
}

fn spawn(cmd: &mut Command) -> Daemon {
    Daemon(
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

fn wait_open(port: u16) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("::1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "nothing listens on [::1]:{port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// mosquitto (anonymous) and an `openssl s_server` (TLS 1.0 only) on `::1`.
pub(crate) struct V6Device {
    _daemons: Vec<Daemon>,
    _dir: tempfile::TempDir,
    pub mqtt: u16,
    pub tls: u16,
}

impl V6Device {
    pub fn up() -> V6Device {
        need("mosquitto", "mosquitto");
        need("openssl", "openssl");
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (mqtt, tls) = (free_v6_port(), free_v6_port());
        std::fs::write(
            d.join("mosquitto.conf"),
            format!("user root\npersistence false\nlistener {mqtt} ::1\nallow_anonymous true\n"),
        )
        .unwrap();
        cert(d);
        let daemons = vec![
            spawn(
                Command::new("mosquitto")
                    .arg("-c")
                    .arg(d.join("mosquitto.conf")),
            ),
            spawn(
                Command::new("openssl")
                    .args(["s_server", "-quiet", "-www", "-tls1", "-accept"])
                    .arg(format!("[::1]:{tls}"))
                    .args(["-cipher", "AES128-SHA:@SECLEVEL=0", "-cert"])
                    .arg(d.join("cert.pem"))
                    .arg("-key")
                    .arg(d.join("key.pem")),
            ),
        ];
        wait_open(mqtt);
        wait_open(tls);
        V6Device {
            _daemons: daemons,
            _dir: dir,
            mqtt,
            tls,
        }
    }
}

/// A self-signed certificate naming `::1` in its SAN.
fn cert(d: &Path) {
    let ok = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-sha256",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=v6cam",
            "-addext",
            "subjectAltName=IP:::1",
        ])
        .arg("-keyout")
        .arg(d.join("key.pem"))
        .arg("-out")
        .arg(d.join("cert.pem"))
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success(), "openssl req failed");
}

#[test]
fn a_default_credential_and_weak_tls_are_found_over_ipv6() {
    let dev = V6Device::up();
    let opts = ProbeOptions {
        ports: iotcheck_probe::Ports {
            tcp: vec![dev.mqtt, dev.tls],
            udp: vec![],
        },
        ..ProbeOptions::default()
    };
    for name in ["::1", "[::1]"] {
        let report = probe(&[name.to_string()], &opts).unwrap();
        let find = |id: &str| {
            report
                .results
                .iter()
                .find(|r| r.check.as_str() == id)
                .unwrap_or_else(|| panic!("{id} missing: {:#?}", report.results))
        };
        let protos: Vec<(u16, Protocol, String)> = report
            .services
            .iter()
            .map(|s| (s.port, s.protocol, s.addr.to_string()))
            .collect();
        let mut want = vec![
            (dev.mqtt, Protocol::Mqtt, "::1".to_string()),
            (dev.tls, Protocol::Tls, "::1".to_string()),
        ];
        want.sort();
        assert_eq!(protos, want, "{name}");
        let c = find("probe.default-credential");
        assert_eq!(c.outcome, Outcome::Fail, "{name}: {}", c.summary);
        assert!(
            c.summary.contains(&format!(
                "mqtt on port {} accepts anonymous access",
                dev.mqtt
            )),
            "{name}: {}",
            c.summary
        );
        let v = find("probe.tls-version");
        assert_eq!(v.outcome, Outcome::Fail, "{name}: {}", v.summary);
        assert!(
            v.summary
                .contains(&format!("port {} accepts TLS 1.0", dev.tls)),
            "{name}: {}",
            v.summary
        );
        // Self-signed fails it, but the SAN IP entry names ::1.
        let cert = find("probe.certificate-invalid");
        assert_eq!(cert.outcome, Outcome::Fail, "{name}: {}", cert.summary);
        assert!(cert.summary.contains("self-signed"), "{}", cert.summary);
        assert!(!cert.summary.contains("does not name"), "{}", cert.summary);
    }
}
