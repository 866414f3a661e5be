//! `iotcheck probe` against simulated devices built from real Debian daemons
//! (crates/iotcheck-probe/tests/lab/device.sh): an insecure one whose every
//! default credential and weak TLS setting must be found, and a hardened one
//! on which nothing may be found. Network rule: the daemons and the probe run
//! inside a network namespace each test creates, talking over its loopback;
//! where namespaces cannot be created, on 127.0.0.1 at per-test high ports.
//! Missing daemons fail the test with the install command, never skip it.

use std::path::PathBuf;
use std::process::Command;

use crate::root;

struct Device {
    name: String,
    dir: tempfile::TempDir,
    /// `ip netns exec NAME`, or empty on loopback.
    prefix: Vec<String>,
    ports: String,
    /// Added to the standard ports on loopback (0 in a namespace).
    base: u16,
}

fn script() -> PathBuf {
    root().join("crates/iotcheck-probe/tests/lab/device.sh")
}

impl Device {
    fn up(kind: &str, tag: &str, fallback_base: u16) -> Device {
        let name = format!("ioc-{tag}-{}", std::process::id());
        let dir = tempfile::tempdir().unwrap();
        let run = |base: u16| {
            Command::new("bash")
                .arg(script())
                .args(["up", kind, &name])
                .arg(dir.path())
                .arg(base.to_string())
                .output()
                .unwrap()
        };
        let mut base = 0;
        let mut out = run(0);
        if out.status.code() == Some(4) {
            // No network namespaces here: the same daemons on loopback ports.
            base = fallback_base;
            out = run(base);
        }
        assert!(
            out.status.success(),
            "the simulated {kind} device did not start (exit {:?}):\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut lines = stdout.lines();
        let prefix = lines
            .next()
            .unwrap_or("")
            .split_whitespace()
            .map(String::from)
            .collect();
        let ports = lines
            .next()
            .unwrap_or("")
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string();
        Device {
            name,
            dir,
            prefix,
            ports,
            base,
        }
    }

    /// `port N` as the report names the device's standard port N.
    fn port(&self, n: u16) -> String {
        format!("port {}", self.base + n)
    }

    /// Runs `iotcheck probe 127.0.0.1` on the device's network.
    fn probe(&self, extra: &[&str]) -> (Option<i32>, serde_json::Value, String) {
        let mut args = vec![
            "probe",
            "127.0.0.1",
            "--ports",
            &self.ports,
            "--udp-ports",
            "none",
        ];
        args.extend(["--per-service", "16", "--budget", "120", "--format", "json"]);
        args.extend(extra);
        self.run(&args)
    }

    /// Runs iotcheck with `args` on the device's network; parses its JSON report.
    fn run(&self, args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
        let bin = assert_cmd::cargo::cargo_bin("iotcheck");
        let mut cmd = match self.prefix.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(&bin);
                c
            }
            None => Command::new(&bin),
        };
        cmd.args(args);
        let out = cmd.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let v = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {text}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code(), v, text)
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .args(["down", &self.name])
            .arg(self.dir.path())
            .output();
    }
}

/// The first result of each `probe.*` check: (outcome, summary).
fn probe_results(
    report: &serde_json::Value,
) -> std::collections::BTreeMap<String, (String, String)> {
    let mut out = std::collections::BTreeMap::new();
    for s in report["standards"].as_array().unwrap() {
        for r in s["requirements"].as_array().unwrap() {
            for c in r["checks"].as_array().unwrap() {
                let id = c["id"].as_str().unwrap();
                if !id.starts_with("probe.") {
                    continue;
                }
                if let Some(res) = c["results"].as_array().and_then(|a| a.first()) {
                    out.entry(id.to_string()).or_insert((
                        res["outcome"].as_str().unwrap().to_string(),
                        res["summary"].as_str().unwrap().to_string(),
                    ));
                }
            }
        }
    }
    out
}

fn fallback_base(slot: u32) -> u16 {
    // 20000-48000, distinct per test and per process; +21..+8883 stays below 65535
    // (a base up to 59000 overflowed it).
    u16::try_from(20_000 + (slot * 7 + std::process::id() % 7) % 29 * 1_000).unwrap()
}

#[test]
fn probe_finds_every_default_credential_and_weak_tls_on_the_insecure_device() {
    let dev = Device::up("insecure", "ins", fallback_base(1));
    let (code, report, text) = dev.probe(&[]);
    crate::assert_contract(&report);
    assert_eq!(code, Some(1), "fails: {text}");
    // Credentials are masked unless asked for.
    for secret in [
        "xc3511",
        "vizxv",
        "admin/1234",
        "admin/password",
        "password=password",
    ] {
        assert!(!text.contains(secret), "{secret} leaked into the report");
    }
    let r = probe_results(&report);
    let (o, s) = &r["probe.cleartext-service"];
    assert_eq!(o, "fail");
    for svc in [
        format!("telnet on {}", dev.port(23)),
        format!("ftp on {}", dev.port(21)),
        format!("http on {}", dev.port(80)),
        format!("mqtt on {}", dev.port(1883)),
        format!("mqtt on {}", dev.port(1884)),
        format!("http on {}", dev.port(8080)),
    ] {
        assert!(s.contains(svc.as_str()), "{svc} not in {s}");
    }

    let (code, report, _) = dev.probe(&["--show-secrets"]);
    assert_eq!(code, Some(1));
    let r = probe_results(&report);
    let (o, s) = &r["probe.default-credential"];
    assert_eq!(o, "fail");
    for found in [
        format!("telnet on {} accepts root/xc3511", dev.port(23)),
        format!("ftp on {} accepts anonymous access", dev.port(21)),
        format!("ftp on {} accepts admin/admin", dev.port(21)),
        format!("mqtt on {} accepts anonymous access", dev.port(1883)),
        format!("mqtt on {} accepts admin/password", dev.port(1884)),
        format!("http on {} accepts admin/1234", dev.port(80)),
        format!("https on {} accepts admin/1234", dev.port(443)),
        // The CGI form login (CSRF token and session cookie) on the web console.
        format!(
            "http on {} accepts admin/admin through its login form",
            dev.port(8080)
        ),
    ] {
        assert!(s.contains(found.as_str()), "{found:?} not in {s}");
    }
    // dropbear accepts root/vizxv and admin/admin; either proves the point.
    assert!(
        s.contains(&format!("ssh on {} accepts root/vizxv", dev.port(22)))
            || s.contains(&format!("ssh on {} accepts admin/admin", dev.port(22))),
        "{s}"
    );
    let (o, s) = &r["probe.tls-version"];
    assert_eq!(o, "fail");
    assert!(
        s.contains(&format!("{} accepts TLS 1.0, TLS 1.1", dev.port(443)))
            && s.contains(&format!("{} accepts TLS 1.0", dev.port(8443))),
        "{s}"
    );
    let (o, s) = &r["probe.weak-cipher-suite"];
    assert_eq!(o, "fail");
    for suite in [
        "TLS_RSA_WITH_NULL_SHA",
        "TLS_RSA_WITH_NULL_MD5",
        "TLS_DH_anon_WITH_AES_128_CBC_SHA",
    ] {
        assert!(s.contains(suite), "{suite} not in {s}");
    }
    let (o, s) = &r["probe.certificate-invalid"];
    assert_eq!(o, "fail");
    assert!(
        s.contains("expired") && s.contains("1024 bits") && s.contains("SHA-1"),
        "{s}"
    );
    // Both certificates are self-signed; the one on 443 names only ipcam.local.
    assert!(
        s.contains(&format!("{}: self-signed", dev.port(8443)))
            && s.contains("self-signed; does not name 127.0.0.1"),
        "{s}"
    );
    let (o, s) = &r["probe.ssh-weak-algorithms"];
    assert_eq!(o, "fail");
    for weak in [
        format!(
            "{} offers key exchange diffie-hellman-group14-sha1",
            dev.port(22)
        ),
        format!(
            "{} offers key exchange diffie-hellman-group1-sha1",
            dev.port(2222)
        ),
        "cipher 3des-cbc".to_string(),
        "MAC hmac-md5 ".to_string(),
        "host key ssh-dss".to_string(),
        "host key RSA 1024 bits".to_string(),
    ] {
        assert!(s.contains(weak.as_str()), "{weak:?} not in {s}");
    }
    // The services table: every port, identified by what it answered.
    let services: Vec<(u64, String, bool)> = report["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            assert_eq!(v["address"], "127.0.0.1");
            (
                v["port"].as_u64().unwrap() - u64::from(dev.base),
                v["protocol"].as_str().unwrap().to_string(),
                v["tls"].as_bool().unwrap(),
            )
        })
        .collect();
    for want in [
        (21, "ftp", false),
        (22, "ssh", false),
        (23, "telnet", false),
        (80, "http", false),
        (443, "https", true),
        (1883, "mqtt", false),
        (2222, "ssh", false),
        (8443, "tls", true),
    ] {
        assert!(
            services.contains(&(want.0, want.1.to_string(), want.2)),
            "{want:?} not in {services:?}"
        );
    }

    // IPv6: the anonymous MQTT listener and the HTTPS port also listen on
    // ::1; named as a bracketed literal.
    let v6_ports = format!("{},{}", dev.base + 443, dev.base + 1883);
    let (code, report, text) = dev.run(&[
        "probe",
        "[::1]",
        "--ports",
        &v6_ports,
        "--udp-ports",
        "none",
        "--format",
        "json",
        "--show-secrets",
    ]);
    assert_eq!(code, Some(1), "{text}");
    let r = probe_results(&report);
    let (o, s) = &r["probe.default-credential"];
    assert_eq!(o, "fail", "{s}");
    assert!(
        s.contains(&format!(
            "mqtt on {} accepts anonymous access",
            dev.port(1883)
        )) && s.contains(&format!("https on {} accepts admin/1234", dev.port(443))),
        "{s}"
    );
    let (o, s) = &r["probe.tls-version"];
    assert_eq!(o, "fail", "{s}");
    assert!(
        s.contains(&format!("{} accepts TLS 1.0", dev.port(443))),
        "{s}"
    );
    assert!(
        report["services"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["address"] == "::1" && v["host"] == "[::1]"),
        "{text}"
    );

    // `assess` with the host decides the live parts of ENC and PWD, with
    // the probe's default ports (the device's are standard in a namespace).
    if dev.base == 0 {
        let (code, report, text) = dev.run(&["assess", "--host", "127.0.0.1", "--format", "json"]);
        assert_eq!(code, Some(1), "{text}");
        let req = |std: &str, id: &str| {
            report["standards"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["id"] == std)
                .unwrap()["requirements"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == id)
                .unwrap()["verdict"]
                .clone()
        };
        assert_eq!(req("encrypted-communications", "ENC-1"), "fails");
        assert_eq!(req("encrypted-communications", "ENC-2"), "fails");
        assert_eq!(req("strong-passwords", "PWD-2"), "fails");
    }
}

#[test]
fn probe_finds_nothing_on_the_hardened_device() {
    let dev = Device::up("hardened", "hrd", fallback_base(2));
    let (code, report, text) = dev.probe(&[]);
    crate::assert_contract(&report);
    let r = probe_results(&report);
    for id in [
        "probe.cleartext-service",
        "probe.default-credential",
        "probe.tls-version",
        "probe.weak-cipher-suite",
        "probe.certificate-invalid",
        "probe.ssh-weak-algorithms",
    ] {
        let (o, s) = &r[id];
        assert_eq!(o, "pass", "{id}: {s}");
    }
    // Issued by the test CA the device made, naming the address probed.
    assert!(
        r["probe.certificate-invalid"]
            .1
            .contains("issued by CN=iotcheck test CA"),
        "{}",
        r["probe.certificate-invalid"].1
    );
    assert!(
        r["probe.tls-version"].1.contains(&dev.port(443))
            && r["probe.tls-version"].1.contains(&dev.port(8443))
            && r["probe.tls-version"].1.contains(&dev.port(8883))
    );
    // MQTTS, HTTPS Basic and the HTTPS form login were tried (SSH offers
    // no password login) and rejected every credential.
    assert!(
        r["probe.default-credential"]
            .1
            .contains("3 login service(s) on 127.0.0.1 rejected every default credential"),
        "{}",
        r["probe.default-credential"].1
    );
    // Nothing fails; other standards lack their inputs.
    assert_eq!(code, Some(2), "{text}");
}

#[test]
fn vendor_credentials_are_tried_only_on_their_product() {
    let dev = Device::up("insecure", "vnd", fallback_base(3));
    // Port 80 answers with Basic realm "IPCam"; the form console on 8080 is
    // titled "IPCam Web Login" and accepts admin/admin, which here is only a
    // Hikvision entry: it must not be tried there.
    let list = dev.dir.path().join("vendor-creds.txt");
    std::fs::write(
        &list,
        "guest:guest\n[product ipcam]\nadmin:1234\n[product hikvision, app-webs]\nadmin:admin\n",
    )
    .unwrap();
    let ports = format!("{},{}", dev.base + 80, dev.base + 8080);
    let (code, report, text) = dev.run(&[
        "probe",
        "127.0.0.1",
        "--ports",
        &ports,
        "--udp-ports",
        "none",
        "--no-tls",
        "--show-secrets",
        "--credentials",
        list.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(1), "{text}");
    let r = probe_results(&report);
    let (o, s) = &r["probe.default-credential"];
    assert_eq!(o, "fail");
    assert!(
        s.contains(&format!("http on {} accepts admin/1234", dev.port(80))),
        "{s}"
    );
    assert!(!s.contains(&dev.port(8080)), "{s}");
}

#[test]
fn probe_refuses_ranges_before_contacting_anything() {
    for bad in [
        "10.0.0.0/24",
        "192.168.1.*",
        "10.0.0.1-20",
        "255.255.255.255",
    ] {
        let out = crate::iotcheck().args(["probe", bad]).output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("refused"),
            "{bad}"
        );
    }
}
