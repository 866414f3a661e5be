//! Servers that behave badly, written with std on 127.0.0.1: the probe must
//! finish within its budget (plus a small grace), never panic, and report
//! what it could.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use iotcheck_probe::{Limits, ProbeOptions, Protocol, probe};

/// How long any server thread keeps a connection, so no thread outlives the test by much.
const SERVER_LIFE: Duration = Duration::from_secs(20);

fn serve(behaviour: fn(TcpStream)) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        let start = Instant::now();
        for s in l.incoming() {
            if start.elapsed() > SERVER_LIFE {
                break;
            }
            if let Ok(s) = s {
                thread::spawn(move || behaviour(s));
            }
        }
    });
    port
}

fn tarpit(s: TcpStream) {
    // Accepts, reads nothing, says nothing, keeps the connection open.
    thread::sleep(SERVER_LIFE);
    drop(s);
}

fn early_close(s: TcpStream) {
    drop(s);
}

fn endless_banner(mut s: TcpStream) {
    let start = Instant::now();
    let line = [b'A'; 1024];
    while start.elapsed() < SERVER_LIFE {
        if s.write_all(&line).is_err() {
            break;
        }
    }
}

fn garbage(mut s: TcpStream) {
    // Telnet negotiation without end, interleaved with binary noise and
    // half a TLS record header.
    let start = Instant::now();
    let mut x: u32 = 0x1234_5678;
    let mut buf = [0u8; 512];
    while start.elapsed() < SERVER_LIFE {
        for b in buf.iter_mut() {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *b = x as u8;
        }
        buf[..6].copy_from_slice(&[255, 253, 24, 255, 251, 1]);
        buf[6..9].copy_from_slice(&[0x16, 3, 1]);
        if s.write_all(&buf).is_err() {
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

fn slow_drip(mut s: TcpStream) {
    // A login prompt one byte a second, then nothing.
    for b in b"login: " {
        if s.write_all(&[*b]).is_err() {
            return;
        }
        thread::sleep(Duration::from_secs(1));
    }
    let mut sink = [0u8; 64];
    let _ = s.set_read_timeout(Some(SERVER_LIFE));
    while let Ok(n) = s.read(&mut sink) {
        if n == 0 {
            break;
        }
    }
}

#[test]
fn misbehaving_servers_do_not_hold_the_probe_past_its_budget() {
    let ports = vec![
        serve(tarpit),
        serve(early_close),
        serve(endless_banner),
        serve(garbage),
        serve(slow_drip),
    ];
    let budget = Duration::from_secs(6);
    let opts = ProbeOptions {
        limits: Limits {
            budget,
            io_timeout: Duration::from_millis(800),
            connect_timeout: Duration::from_millis(500),
            banner_wait: Duration::from_millis(300),
            ..Limits::default()
        },
        ports: iotcheck_probe::Ports {
            tcp: ports.clone(),
            udp: vec![],
        },
        ..ProbeOptions::default()
    };
    let start = Instant::now();
    let report = probe(&["127.0.0.1".to_string()], &opts).unwrap();
    let took = start.elapsed();
    assert!(took < budget + Duration::from_secs(2), "took {took:?}");
    // Every port accepted connections, so each is reported as a service.
    for p in &ports {
        assert!(
            report.services.iter().any(|s| s.port == *p),
            "port {p}: {:?}",
            report.services
        );
    }
    let endless = report.services.iter().find(|s| s.port == ports[2]).unwrap();
    assert_eq!(endless.protocol, Protocol::Unknown);
    assert!(
        endless
            .banner
            .as_ref()
            .is_some_and(|b| b.chars().count() <= 121)
    );
    // The results are whole: one per check, none a panic.
    assert_eq!(report.results.len(), iotcheck_probe::CHECKS.len());
}

#[test]
fn a_closed_port_is_no_service_and_out_of_scope_hosts_are_refused() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    let opts = ProbeOptions {
        ports: iotcheck_probe::Ports {
            tcp: vec![port],
            udp: vec![],
        },
        ..ProbeOptions::default()
    };
    let report = probe(&["127.0.0.1".to_string()], &opts).unwrap();
    assert!(report.services.is_empty());
    assert!(probe(&["127.0.0.0/8".to_string()], &opts).is_err());
}

#[test]
fn a_budget_cut_turns_passes_into_errors() {
    // Ten tarpits and a budget too short to wait them out.
    let ports: Vec<u16> = (0..10).map(|_| serve(tarpit)).collect();
    let opts = ProbeOptions {
        limits: Limits {
            budget: Duration::from_millis(1500),
            banner_wait: Duration::from_millis(1000),
            io_timeout: Duration::from_secs(3),
            ..Limits::default()
        },
        ports: iotcheck_probe::Ports {
            tcp: ports,
            udp: vec![],
        },
        ..ProbeOptions::default()
    };
    let start = Instant::now();
    let report = probe(&["127.0.0.1".to_string()], &opts).unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
    assert!(
        report.notes.iter().any(|n| n.contains("time budget")),
        "{:?}",
        report.notes
    );
    for r in &report.results {
        assert_eq!(
            r.outcome,
            iotcheck_model::Outcome::Error,
            "{}: {}",
            r.check,
            r.summary
        );
        assert!(r.summary.contains("incomplete"), "{}", r.summary);
    }
}

/// Reads one HTTP request (head and a `Content-Length` body) from `s`.
pub(crate) fn read_request(s: &mut TcpStream) -> Option<String> {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&buf).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| {
                    let (n, v) = l.split_once(':')?;
                    n.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return Some(text);
            }
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
    }
}

static SLOW_FAILURES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// HTTP Basic whose every failed login is answered 250 ms later than the
/// last one (a linear throttle): the probe must stop on its own.
fn throttled_basic(mut s: TcpStream) {
    let Some(req) = read_request(&mut s) else {
        return;
    };
    if req.to_ascii_lowercase().contains("\r\nauthorization:") {
        let n = SLOW_FAILURES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        thread::sleep(Duration::from_millis(250 * n));
    }
    let _ = s.write_all(
        b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"slow\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
}

#[test]
fn a_service_whose_answers_keep_slowing_is_left_alone() {
    let port = serve(throttled_basic);
    let budget = Duration::from_secs(60);
    let opts = ProbeOptions {
        limits: Limits {
            budget,
            io_timeout: Duration::from_secs(6),
            ..Limits::default()
        },
        ports: iotcheck_probe::Ports {
            tcp: vec![port],
            udp: vec![],
        },
        tls: iotcheck_probe::TlsOptions {
            enabled: false,
            ..Default::default()
        },
        ..ProbeOptions::default()
    };
    let start = Instant::now();
    let report = probe(&["127.0.0.1".to_string()], &opts).unwrap();
    let took = start.elapsed();
    let failures = SLOW_FAILURES.load(std::sync::atomic::Ordering::SeqCst);
    let r = report
        .results
        .iter()
        .find(|r| r.check.as_str() == "probe.default-credential")
        .unwrap();
    assert_eq!(r.outcome, iotcheck_model::Outcome::Error, "{}", r.summary);
    assert!(
        r.summary.contains("replies slowed from") && r.summary.contains("possible lockout"),
        "{}",
        r.summary
    );
    eprintln!("{} ({failures} failed logins, {took:?})", r.summary);
    // Stopped early: a few of the ~150 credentials, well inside the budget.
    assert!(failures < 25, "{failures} logins tried: {}", r.summary);
    assert!(took < Duration::from_secs(25), "took {took:?}");
}

static WELCOME_POSTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A login form whose every submission is answered 200 "Welcome" with a
/// fresh cookie: no login through it proves anything.
fn always_welcome(mut s: TcpStream) {
    let Some(req) = read_request(&mut s) else {
        return;
    };
    let body = if req.starts_with("POST ") {
        let n = WELCOME_POSTS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        format!(
            "HTTP/1.1 200 OK\r\nSet-Cookie: sid={n:08x}; Path=/\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html><title>Router</title><body><h1>Welcome!</h1><p>Status: connected</p></body></html>"
        )
    } else {
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html><head><title>Router</title></head><body><form method=post action=/login><input name=user><input type=password name=pass><input type=submit></form></body></html>".to_string()
    };
    let _ = s.write_all(body.as_bytes());
}

#[test]
fn a_form_that_welcomes_everyone_is_no_finding() {
    let port = serve(always_welcome);
    let opts = ProbeOptions {
        ports: iotcheck_probe::Ports {
            tcp: vec![port],
            udp: vec![],
        },
        tls: iotcheck_probe::TlsOptions {
            enabled: false,
            ..Default::default()
        },
        ..ProbeOptions::default()
    };
    let report = probe(&["127.0.0.1".to_string()], &opts).unwrap();
    let r = report
        .results
        .iter()
        .find(|r| r.check.as_str() == "probe.default-credential")
        .unwrap();
    assert_ne!(r.outcome, iotcheck_model::Outcome::Fail, "{}", r.summary);
    assert!(
        r.summary.contains("could not be told apart"),
        "{}",
        r.summary
    );
    // Only the calibration login was sent: nothing to judge the list by.
    assert_eq!(WELCOME_POSTS.load(std::sync::atomic::Ordering::SeqCst), 1);
}
