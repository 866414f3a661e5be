//! Real web servers on loopback for the fetch tests: lighttpd (Debian
//! package, installed by scripts/install-test-deps.sh) serving files over
//! HTTPS with a certificate made at test time by openssl (a CA and a leaf
//! for 127.0.0.1 and localhost), or over plain HTTP; and a TCP listener
//! that accepts and never answers. Ports are picked free (bound to port 0
//! first), so tests run in parallel. Nothing here leaves 127.0.0.1.
//!
//! Shared by the iotcheck-docs tests and the CLI tests (included there with
//! `#[path]`), so it uses std and tempfile only.

#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A CA and a leaf certificate for 127.0.0.1 and localhost.
#[derive(Debug)]
pub struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    #[allow(clippy::new_without_default)] // makes keys and runs openssl: not a default
    pub fn new() -> Pki {
        need("openssl");
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        openssl(
            d,
            &[
                &["req", "-x509"][..],
                &ec[..],
                &[
                    "-keyout",
                    "ca.key",
                    "-out",
                    "ca.pem",
                    "-days",
                    "2",
                    "-subj",
                    "/CN=iotcheck test CA",
                    "-addext",
                    "basicConstraints=critical,CA:TRUE",
                    "-addext",
                    "keyUsage=critical,keyCertSign,cRLSign",
                ][..],
            ]
            .concat(),
        );
        openssl(
            d,
            &[
                &["req"][..],
                &ec[..],
                &[
                    "-keyout",
                    "leaf.key",
                    "-out",
                    "leaf.csr",
                    "-subj",
                    "/CN=localhost",
                ][..],
            ]
            .concat(),
        );
        std::fs::write(
            d.join("leaf.ext"),
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n\
             extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )
        .unwrap();
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "leaf.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "leaf.pem",
                "-days",
                "2",
                "-extfile",
                "leaf.ext",
            ],
        );
        Pki { dir }
    }

    /// The CA certificate (PEM), what `--ca` is given.
    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    fn leaf(&self) -> (PathBuf, PathBuf) {
        (
            self.dir.path().join("leaf.pem"),
            self.dir.path().join("leaf.key"),
        )
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn need(program: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success());
    let found = found
        || Path::new("/usr/sbin").join(program).is_file()
        || Path::new("/sbin").join(program).is_file();
    assert!(
        found,
        "{program} is missing: run scripts/install-test-deps.sh (Debian packages lighttpd, openssl)"
    );
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One lighttpd serving `files` (paths relative to the document root) on
/// one port of 127.0.0.1, over HTTPS when given a [`Pki`].
#[derive(Debug)]
pub struct Lighttpd {
    pub port: u16,
    https: bool,
    child: Child,
    dir: tempfile::TempDir,
}

impl Lighttpd {
    /// `redirects`: (path regex, target) pairs for `url.redirect`, answered
    /// with 301.
    pub fn start(
        pki: Option<&Pki>,
        files: &[(&str, &[u8])],
        redirects: &[(&str, &str)],
    ) -> Lighttpd {
        Lighttpd::start_on(free_port(), pki, files, redirects)
    }

    /// [`Lighttpd::start`] on a port picked beforehand (with
    /// [`free_port`]), for files that must name their own URL.
    pub fn start_on(
        port: u16,
        pki: Option<&Pki>,
        files: &[(&str, &[u8])],
        redirects: &[(&str, &str)],
    ) -> Lighttpd {
        need("lighttpd");
        let dir = tempfile::tempdir().unwrap();
        let www = dir.path().join("www");
        for (path, content) in files {
            let p = www.join(path.trim_start_matches('/'));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, content).unwrap();
        }
        std::fs::create_dir_all(&www).unwrap();
        let mut conf = format!(
            "server.document-root = \"{www}\"\n\
             server.bind = \"127.0.0.1\"\n\
             server.port = {port}\n\
             server.errorlog = \"{dir}/error.log\"\n\
             server.modules = (\"mod_redirect\"{ssl_mod})\n\
             mimetype.assign = (\".txt\" => \"text/plain; charset=utf-8\", \".html\" => \"text/html\")\n\
             url.redirect-code = 301\n",
            www = www.display(),
            dir = dir.path().display(),
            ssl_mod = if pki.is_some() {
                ", \"mod_openssl\""
            } else {
                ""
            },
        );
        if let Some(pki) = pki {
            let (cert, key) = pki.leaf();
            conf.push_str(&format!(
                "ssl.engine = \"enable\"\nssl.pemfile = \"{}\"\nssl.privkey = \"{}\"\n",
                cert.display(),
                key.display()
            ));
        }
        if !redirects.is_empty() {
            let rules: Vec<String> = redirects
                .iter()
                .map(|(from, to)| format!("\"{from}\" => \"{to}\""))
                .collect();
            conf.push_str(&format!("url.redirect = ({})\n", rules.join(", ")));
        }
        let conf_path = dir.path().join("lighttpd.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new("lighttpd")
            .args(["-D", "-f"])
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut server = Lighttpd {
            port,
            https: pki.is_some(),
            child,
            dir,
        };
        server.wait_ready();
        server
    }

    fn wait_ready(&mut self) {
        let addr: SocketAddr = ([127, 0, 0, 1], self.port).into();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log =
                    std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default();
                panic!("lighttpd exited ({status}) on port {}: {log}", self.port);
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("lighttpd did not listen on port {} within 10 s", self.port);
    }

    /// `https://127.0.0.1:PORT{path}` (or `http:` for a plain server).
    pub fn url(&self, path: &str) -> String {
        self.url_on("127.0.0.1", path)
    }

    /// The same with another host name (`localhost`: another origin).
    pub fn url_on(&self, host: &str, path: &str) -> String {
        format!(
            "{}://{host}:{}{path}",
            if self.https { "https" } else { "http" },
            self.port
        )
    }
}

impl Drop for Lighttpd {
    fn drop(&mut self) {
        // Only the daemon this test started, by its own handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP listener on 127.0.0.1 that accepts connections and never sends a
/// byte: a server that hangs. Connections are held until it is dropped.
#[derive(Debug)]
pub struct Silent {
    pub port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Silent {
    pub fn start() -> Silent {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            // Bounded: at most 60 s, whatever the test does.
            let deadline = Instant::now() + Duration::from_secs(60);
            while !flag.load(std::sync::atomic::Ordering::Relaxed) && Instant::now() < deadline {
                if let Ok((s, _)) = listener.accept() {
                    held.push(s);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        Silent {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Silent {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A one-shot HTTP/1.1 server on 127.0.0.1 that answers every request with
/// `response` verbatim (for bodies without a Content-Length), then closes.
#[derive(Debug)]
pub struct Raw {
    pub port: u16,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Raw {
    pub fn start(response: Vec<u8>) -> Raw {
        use std::io::{Read, Write};
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let thread = std::thread::spawn(move || {
            if let Ok((mut s, _)) = listener.accept() {
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let _ = s.write_all(&response);
            }
        });
        Raw {
            port,
            thread: Some(thread),
        }
    }
}

impl Drop for Raw {
    fn drop(&mut self) {
        // Unblock a listener still waiting for its one connection.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
