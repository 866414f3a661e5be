//! Digest logins (RFC 7616) against small std servers on loopback: an HTTP
//! server and an RTSP camera stream, each accepting only admin/12345 (a
//! default in the built-in list) and checking the Digest response itself.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use iotcheck_probe::{Ports, ProbeOptions, Protocol, probe};
use md5::{Digest, Md5};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn md5(s: &str) -> String {
    hex(&Md5::digest(s.as_bytes()))
}

fn param<'a>(h: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=\"");
    let i = h.find(&key)? + key.len();
    h[i..].split('"').next()
}

/// One request per connection: 401 with a Digest challenge unless the
/// Authorization header carries the right response for admin/12345.
fn handle(s: TcpStream, proto: &'static str) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut r = BufReader::new(&s);
    let mut first = String::new();
    if r.read_line(&mut first).is_err() {
        return;
    }
    let method = first.split(' ').next().unwrap_or("").to_string();
    let mut auth = String::new();
    let mut cseq = String::from("1");
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("authorization:") {
            auth = line.trim_end().to_string();
        }
        if lower.starts_with("cseq:") {
            cseq = line[5..].trim().to_string();
        }
    }
    let ok = param(&auth, "username") == Some("admin")
        && param(&auth, "uri")
            .zip(param(&auth, "response"))
            .is_some_and(|(uri, resp)| {
                let ha1 = md5("admin:IPCam:12345");
                let ha2 = md5(&format!("{method}:{uri}"));
                resp == md5(&format!("{ha1}:f00dcafe:{ha2}"))
            });
    let mut w = &s;
    let _ = if ok {
        write!(
            w,
            "{proto} 200 OK\r\nCSeq: {cseq}\r\nContent-Length: 0\r\n\r\n"
        )
    } else {
        write!(
            w,
            "{proto} 401 Unauthorized\r\nCSeq: {cseq}\r\nWWW-Authenticate: Digest realm=\"IPCam\", nonce=\"f00dcafe\"\r\nContent-Length: 0\r\n\r\n"
        )
    };
}

fn serve(proto: &'static str) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        let start = Instant::now();
        for s in l.incoming().flatten() {
            if start.elapsed() > Duration::from_secs(30) {
                break;
            }
            thread::spawn(move || handle(s, proto));
        }
    });
    port
}

#[test]
fn digest_defaults_are_found_over_http_and_rtsp() {
    let (http, rtsp) = (serve("HTTP/1.1"), serve("RTSP/1.0"));
    let opts = ProbeOptions {
        ports: Ports {
            tcp: vec![http, rtsp],
            udp: vec![],
        },
        show_secrets: true,
        ..ProbeOptions::default()
    };
    let report = probe(&["127.0.0.1".to_string()], &opts).unwrap();
    let proto = |p: u16| {
        report
            .services
            .iter()
            .find(|s| s.port == p)
            .map(|s| s.protocol)
    };
    assert_eq!(proto(http), Some(Protocol::Http));
    assert_eq!(proto(rtsp), Some(Protocol::Rtsp));
    let creds = report
        .results
        .iter()
        .find(|r| r.check.as_str() == "probe.default-credential")
        .unwrap();
    for p in [("http", http), ("rtsp", rtsp)] {
        let want = format!("{} on port {} accepts admin/12345", p.0, p.1);
        assert!(
            creds.summary.contains(&want),
            "{want} not in {}",
            creds.summary
        );
    }
}
