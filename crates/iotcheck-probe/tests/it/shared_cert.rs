//! One certificate on two hosts (two loopback addresses, two real `openssl
//! s_server` processes): `probe.certificate-invalid` fails for both.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use iotcheck_probe::{ProbeOptions, probe};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn openssl() -> &'static str {
    assert!(
        Command::new("openssl")
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "openssl is missing: run scripts/install-test-deps.sh"
    );
    "openssl"
}

#[test]
fn a_certificate_shared_by_two_hosts_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
    let ok = Command::new(openssl())
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-sha256", "-nodes", "-days", "30", "-subj",
            "/CN=unit",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success());
    // A free port on both addresses.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut servers = Vec::new();
    for host in ["127.0.0.1", "127.0.0.2"] {
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-accept"])
            .arg(format!("{host}:{port}"))
            .arg("-cert")
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        servers.push(Server(child));
    }
    let start = Instant::now();
    while ["127.0.0.1", "127.0.0.2"]
        .iter()
        .any(|h| std::net::TcpStream::connect((*h, port)).is_err())
    {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "s_server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let opts = ProbeOptions {
        ports: iotcheck_probe::Ports {
            tcp: vec![port],
            udp: vec![],
        },
        ..ProbeOptions::default()
    };
    let report = probe(&["127.0.0.1".into(), "127.0.0.2".into()], &opts).unwrap();
    let certs: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.check.as_str() == "probe.certificate-invalid")
        .collect();
    assert_eq!(certs.len(), 2, "{:#?}", report.results);
    for r in certs {
        assert_eq!(r.outcome, iotcheck_model::Outcome::Fail, "{}", r.summary);
        assert!(r.summary.contains("127.0.0.1, 127.0.0.2"), "{}", r.summary);
    }
    drop(servers);
}
