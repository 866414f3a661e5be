//! Form logins against small web consoles written here on 127.0.0.1, one
//! per way a device tells a login worked: the probe must find the default
//! password through each, with the password masked in the evidence.

use std::io::Write;
use std::net::TcpListener;
use std::thread;
use std::time::{Duration, Instant};

use iotcheck_model::{Evidence, Outcome};
use iotcheck_probe::{ProbeOptions, ProbeReport, TlsOptions, probe};

fn serve(handler: fn(&str, &str) -> String) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        let start = Instant::now();
        for s in l.incoming() {
            if start.elapsed() > Duration::from_secs(60) {
                break;
            }
            if let Ok(mut s) = s {
                thread::spawn(move || {
                    if let Some(req) = crate::misbehave::read_request(&mut s) {
                        let line = req.lines().next().unwrap_or("").to_string();
                        let _ = s.write_all(handler(&line, &req).as_bytes());
                    }
                });
            }
        }
    });
    port
}

fn html(extra_headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n{extra_headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn run(port: u16) -> ProbeReport {
    let opts = ProbeOptions {
        ports: iotcheck_probe::Ports {
            tcp: vec![port],
            udp: vec![],
        },
        tls: TlsOptions {
            enabled: false,
            ..TlsOptions::default()
        },
        ..ProbeOptions::default()
    };
    probe(&["127.0.0.1".to_string()], &opts).unwrap()
}

/// The default-credential result: outcome, summary, transcript lines.
fn finding(report: &ProbeReport) -> (Outcome, String, Vec<String>) {
    let r = report
        .results
        .iter()
        .find(|r| r.check.as_str() == "probe.default-credential")
        .unwrap();
    let lines = r
        .evidence
        .iter()
        .flat_map(|e| match e {
            Evidence::Transcript { exchange, .. } => {
                exchange.iter().map(|l| l.text.clone()).collect::<Vec<_>>()
            }
            _ => Vec::new(),
        })
        .collect();
    (r.outcome, r.summary.clone(), lines)
}

/// A password-only form sent with GET; the right password gets a session
/// cookie and a page without the form.
fn pin_console(line: &str, _req: &str) -> String {
    let form = r#"<html><head><title>Smart Plug</title></head><body><form action="auth">
        <input type="hidden" name="t" value="42"><input type="password" name="pw">
        <button>Enter</button></form>%MSG%</body></html>"#;
    if line.starts_with("GET /auth?") {
        if line.contains("pw=1234&") && line.contains("t=42") {
            return html(
                "Set-Cookie: sid=c0ffee; HttpOnly\r\n",
                "<html><body><h1>Dashboard</h1><p>Power: on</p></body></html>",
            );
        }
        return html("", &form.replace("%MSG%", "<p>Wrong password</p>"));
    }
    html("", &form.replace("%MSG%", ""))
}

#[test]
fn a_password_only_get_form_is_found_by_its_session_cookie() {
    let port = serve(pin_console);
    let report = run(port);
    let (o, s, lines) = finding(&report);
    assert_eq!(o, Outcome::Fail, "{s}");
    assert!(
        s.contains(&format!("http on port {port} accepts (no user field)/"))
            && s.contains("through its login form"),
        "{s}"
    );
    assert!(!s.contains("1234"), "the password leaked: {s}");
    assert!(
        lines.iter().any(|l| l == "pw=********&t=(from the form)"),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("a new session cookie (sid)")),
        "{lines:?}"
    );
}

/// A POST form that answers on the same page: "Login failed" for a wrong
/// password, the settings page (no form) for the right one, no cookie.
fn text_console(line: &str, req: &str) -> String {
    let form = r#"<html><head><title>NetCam</title></head><body><form method="POST" action="/login.php">
        <input name="user"><input type="password" name="pass"></form></body></html>"#;
    if line.starts_with("POST /login.php") {
        let body = req.split("\r\n\r\n").nth(1).unwrap_or("");
        if body == "user=admin&pass=admin" {
            return html(
                "",
                "<html><body><h1>Camera settings</h1><p>Resolution 1080p</p></body></html>",
            );
        }
        return html(
            "",
            "<html><body><h1>Login failed</h1><a href=/>back</a></body></html>",
        );
    }
    html("", form)
}

#[test]
fn a_form_whose_failure_text_goes_away_is_found() {
    let port = serve(text_console);
    let report = run(port);
    let (o, s, lines) = finding(&report);
    assert_eq!(o, Outcome::Fail, "{s}");
    assert!(
        s.contains(&format!(
            "http on port {port} accepts admin/******** through its login form"
        )),
        "{s}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("no failure message and no password field")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("confirmed:")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l
            == "a deliberately wrong login first got: HTTP 200, no password field, \"failed\""),
        "{lines:?}"
    );
}
