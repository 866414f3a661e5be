//! HTML form logins: the web console of most devices is a page with a
//! `<form>` holding a password input, not an HTTP authentication challenge.
//!
//! The audit reads the front page (`/`, following same-host redirects,
//! `<meta http-equiv="refresh">`, frames and a script's `location = "…"`
//! literal, at most [`MAX_HOPS`]), finds the form with
//! one password input (HTML §4.10.5.1.6; two or more is a set-up or change
//! form, left alone), and submits the list through it: user and password in
//! the form's own fields, every hidden field (CSRF tokens), checked boxes,
//! selects and the named submit button carried over, with the cookies the
//! page set. Each login fetches the page again, so one-time tokens stay
//! fresh. Actions on another host, port or scheme are never followed.
//!
//! Whether a login worked is decided the way a person would, against a
//! deliberately wrong login made first (the calibration): success is a
//! redirect to a page that is not the login page and shows no password
//! field, a new session cookie with the password field gone, or the failure
//! text the wrong login got ("invalid", "incorrect", …) gone along with the
//! password field. A sign the wrong login also showed decides nothing, so a
//! page that welcomes everyone is no finding. A success is confirmed by
//! logging in again and by a wrong login right after still failing.
//!
//! HTTP/1.1 here is hand-written (as in the Basic/Digest audit) over the scoped
//! sockets: bounded head and body, `Content-Length`, chunked (RFC 9112
//! §7.1) or close-delimited. Relative references are resolved by the small
//! RFC 3986 §5.2 resolver below rather than the `url` crate: only
//! same-origin paths are wanted, and that crate would bring IDNA tables for
//! host names we refuse anyway.

use std::sync::Arc;

use ego_tree::iter::Edge;
use iotcheck_model::Secret;
use scraper::{ElementRef, Html, Node, Selector};

use crate::audit::{self, Attempt, lockout_sign};
use crate::discover::host_header;
use crate::identify::contains_ci;
use crate::parse::{HttpHead, http_head, printable};
use crate::scope::{IoExt, Net, NetError, Target};
use crate::transcript::Transcript;
use crate::{AuditRun, Credential, ProbeOptions, Protocol, Service, Shared, tls, with};

/// Largest response head read.
const MAX_HEAD: usize = 16 * 1024;
/// Largest response body kept (a login page is a few KiB; the rest is cut).
pub const MAX_BODY: usize = 256 * 1024;
/// Redirects and refreshes followed to reach the login page.
pub const MAX_HOPS: usize = 3;
/// Cookies kept from one exchange, and the longest cookie kept.
const MAX_COOKIES: usize = 32;
const MAX_COOKIE: usize = 4096;
/// Fields submitted from one form.
const MAX_FIELDS: usize = 64;
/// Longest path (with query) requested.
const MAX_PATH: usize = 2048;

/// Words a login page uses to say a login failed, lowercased; matched in
/// the page's visible text.
const FAILURE_WORDS: &[&str] = &[
    "invalid",
    "incorrect",
    "wrong",
    "failed",
    "failure",
    "denied",
    "error",
    "unauthorized",
    "unauthorised",
    "not match",
    "unknown user",
    "try again",
    "falsch",
    "ungültig",
    "incorrecto",
    "erroné",
    "错误",
    "失败",
];

// ── HTTP ─────────────────────────────────────────────────────────────────

/// One response, its body decoded from chunks and cut at [`MAX_BODY`].
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub head: HttpHead,
    pub body: Vec<u8>,
    pub status_line: String,
}

/// A chunked body (RFC 9112 §7.1): the data so far and whether the last
/// chunk arrived. Trailers are ignored.
pub fn dechunk(mut b: &[u8], max: usize) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    loop {
        let Ok(httparse::Status::Complete((skip, size))) = httparse::parse_chunk_size(b) else {
            return (out, false);
        };
        let Some(rest) = b.get(skip..) else {
            return (out, false);
        };
        if size == 0 {
            return (out, true);
        }
        let Ok(size) = usize::try_from(size) else {
            return (out, false);
        };
        let room = max.saturating_sub(out.len());
        match rest.get(..size) {
            Some(data) => out.extend_from_slice(&data[..size.min(room)]),
            None => {
                out.extend_from_slice(&rest[..rest.len().min(room)]);
                return (out, false);
            }
        }
        if out.len() >= max {
            return (out, true);
        }
        b = rest.get(size..).unwrap_or(&[]);
        b = b.strip_prefix(b"\r\n").unwrap_or(b);
    }
}

/// Whether `buf` holds a whole response (head and body as framed).
fn complete(buf: &[u8]) -> bool {
    let Some(head) = http_head(buf) else {
        return false;
    };
    let body = buf.get(head.body_offset..).unwrap_or(&[]);
    if (100..200).contains(&head.status) || head.status == 204 || head.status == 304 {
        return true;
    }
    if head
        .header("transfer-encoding")
        .is_some_and(|v| contains_ci(v.as_bytes(), b"chunked"))
    {
        return dechunk(body, MAX_BODY).1;
    }
    match head
        .header("content-length")
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        Some(n) => body.len() >= n.min(MAX_BODY),
        None => false,
    }
}

/// A request to the service: `method path`, extra header lines, a body.
pub(crate) async fn fetch(
    net: &Net,
    s: &Service,
    method: &str,
    path: &str,
    extra: &str,
    body: &[u8],
) -> Result<Response, NetError> {
    let t = Target {
        name: s.host.clone(),
        addr: s.addr,
    };
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: iotcheck-probe\r\nAccept: text/html,*/*\r\n{extra}",
        host_header(&t, s.port)
    );
    if method == "POST" {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("Connection: close\r\n\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    let mut buf = Vec::new();
    let max = MAX_HEAD + MAX_BODY + 64 * 1024;
    if s.protocol == Protocol::Https {
        let mut c = tls::client(net, s).await?;
        c.send_within(&bytes, net.io()).await?;
        c.read_until(&mut buf, max, net.io(), complete).await;
    } else {
        let mut c = net.connect(&t, s.port).await?;
        c.send_within(&bytes, net.io()).await?;
        c.read_until(&mut buf, max, net.io(), complete).await;
    }
    let head = http_head(&buf).ok_or(NetError::Io("no HTTP response".into()))?;
    let raw = buf.get(head.body_offset..).unwrap_or(&[]);
    let body = if head
        .header("transfer-encoding")
        .is_some_and(|v| contains_ci(v.as_bytes(), b"chunked"))
    {
        dechunk(raw, MAX_BODY).0
    } else {
        raw.get(..raw.len().min(MAX_BODY)).unwrap_or(&[]).to_vec()
    };
    let status_line = printable(buf.split(|&b| b == b'\n').next().unwrap_or(&[]), 120)
        .trim()
        .to_string();
    Ok(Response {
        head,
        body,
        status_line,
    })
}

/// Cookies as `name=value`, in the order set, a later one replacing an
/// earlier one of the same name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Jar(Vec<(String, String)>);

impl Jar {
    /// Takes the `Set-Cookie` headers of `head` (RFC 6265 §5.2: the part
    /// before the first `;`); returns the names set.
    pub fn take(&mut self, head: &HttpHead) -> Vec<String> {
        let mut names = Vec::new();
        for v in head.headers_named("set-cookie") {
            let pair = v.split(';').next().unwrap_or("").trim();
            let Some((n, val)) = pair.split_once('=') else {
                continue;
            };
            let n = n.trim();
            if n.is_empty() || pair.len() > MAX_COOKIE || n.contains(|c: char| c.is_control()) {
                continue;
            }
            self.0.retain(|(k, _)| k != n);
            if self.0.len() < MAX_COOKIES {
                self.0.push((n.to_string(), val.trim().to_string()));
                names.push(n.to_string());
            }
        }
        names
    }

    /// The `Cookie:` header line, or nothing.
    pub fn header(&self) -> String {
        if self.0.is_empty() {
            return String::new();
        }
        let v: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("Cookie: {}\r\n", v.join("; "))
    }
}

// ── URLs (RFC 3986 §5.2, same origin only) ───────────────────────────────

/// Why a reference is not followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offsite {
    OtherOrigin,
    NotHttp,
    Malformed,
}

impl std::fmt::Display for Offsite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Offsite::OtherOrigin => "it points to another host, port or scheme",
            Offsite::NotHttp => "it is not an HTTP address",
            Offsite::Malformed => "it is malformed or too long",
        })
    }
}

/// RFC 3986 §5.2.4: removes `.` and `..` segments.
fn remove_dots(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segs: Vec<&str> = path.split('/').collect();
    let last = segs.len().saturating_sub(1);
    for (i, seg) in segs.iter().enumerate() {
        match *seg {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

/// Whether `authority` (host and optional port) is the service's.
fn same_authority(authority: &str, s: &Service, default_port: u16) -> bool {
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        match rest.split_once(']') {
            Some((h, p)) => (h, p.strip_prefix(':')),
            None => return false,
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None | Some("") => default_port,
        Some(p) => match p.parse::<u16>() {
            Ok(p) => p,
            Err(_) => return false,
        },
    };
    let name = s.host.trim_start_matches('[').trim_end_matches(']');
    port == s.port
        && (host.eq_ignore_ascii_case(name)
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip == s.addr))
}

/// Resolves `reference` against the page at `base` (a path with query) on
/// service `s`: the origin-relative path and query to request.
pub fn resolve(base: &str, reference: &str, s: &Service) -> Result<String, Offsite> {
    let r = reference.trim();
    let r = r.split('#').next().unwrap_or("");
    if r.len() > MAX_PATH || r.contains(|c: char| c.is_control()) {
        return Err(Offsite::Malformed);
    }
    let scheme = if s.protocol == Protocol::Https {
        "https"
    } else {
        "http"
    };
    let default_port = if scheme == "https" { 443 } else { 80 };
    let (base_path, _) = base.split_once('?').unwrap_or((base, ""));
    let resolved = if let Some(rest) = r.strip_prefix("//") {
        let (auth, path) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
        if !same_authority(auth, s, default_port) {
            return Err(Offsite::OtherOrigin);
        }
        path.to_string()
    } else if let Some((sch, rest)) = r.split_once(':').filter(|(sch, _)| {
        !sch.is_empty()
            && sch
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
            && sch.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
    }) {
        if !sch.eq_ignore_ascii_case("http") && !sch.eq_ignore_ascii_case("https") {
            return Err(Offsite::NotHttp);
        }
        let Some(rest) = rest.strip_prefix("//") else {
            return Err(Offsite::Malformed);
        };
        let def = if sch.eq_ignore_ascii_case("https") {
            443
        } else {
            80
        };
        let (auth, path) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
        if !sch.eq_ignore_ascii_case(scheme) || !same_authority(auth, s, def) {
            return Err(Offsite::OtherOrigin);
        }
        path.to_string()
    } else if r.is_empty() {
        base.to_string()
    } else if r.starts_with('?') {
        format!("{base_path}{r}")
    } else if r.starts_with('/') {
        r.to_string()
    } else {
        let dir = base_path.rsplit_once('/').map_or("", |(d, _)| d);
        format!("{dir}/{r}")
    };
    let (path, query) = match resolved.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (resolved.as_str(), None),
    };
    let mut out = remove_dots(path);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    let out = out.replace(' ', "%20");
    if out.len() > MAX_PATH || out.bytes().any(|b| b < 0x21 || b == 0x7f) {
        return Err(Offsite::Malformed);
    }
    Ok(out)
}

/// `application/x-www-form-urlencoded` (URL Standard §5.2): letters,
/// digits and `*-._` as they are, space as `+`, the rest percent-encoded.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

// ── HTML ─────────────────────────────────────────────────────────────────

/// A login form as the page describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// The `action` attribute as written (empty: the page itself).
    pub action: String,
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The user name input, if the form has one.
    pub user_field: Option<String>,
    pub password_field: String,
    /// Every other field submitted, in order, with its value.
    pub fields: Vec<(String, String)>,
}

/// What a page shows, read once (the parsed document is not `Send`).
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub title: Option<String>,
    pub form: Option<Form>,
    /// A form with a password input exists (a login form or not).
    pub password_field: bool,
    /// The visible text, lowercased (scripts and styles left out), bounded.
    pub text: String,
    /// `<meta http-equiv="refresh" content="N; url=…">` target.
    pub refresh: Option<String>,
    /// Why a password form was not used, if one was skipped.
    pub skipped: Option<&'static str>,
}

fn sel(s: &str) -> Option<Selector> {
    Selector::parse(s).ok()
}

fn attr<'a>(e: &ElementRef<'a>, name: &str) -> Option<&'a str> {
    e.value().attr(name)
}

/// The user name input among the text-like inputs before the password:
/// one named like a user name, else the last one.
fn pick_user(candidates: &[String]) -> Option<String> {
    const HINTS: &[&str] = &["user", "login", "name", "account", "email", "uid", "usr"];
    candidates
        .iter()
        .rev()
        .find(|n| HINTS.iter().any(|h| n.to_ascii_lowercase().contains(h)))
        .or_else(|| candidates.last())
        .cloned()
}

fn read_form(form: &ElementRef<'_>) -> Result<Form, &'static str> {
    let Some(controls) = sel("input, select, button") else {
        return Err("unreadable");
    };
    let enctype = attr(form, "enctype").unwrap_or("").to_ascii_lowercase();
    if enctype.contains("multipart") || enctype.contains("text/plain") {
        return Err("the form is not URL-encoded");
    }
    let mut password: Option<String> = None;
    let mut passwords = 0;
    let mut before: Vec<String> = Vec::new();
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut submit_taken = false;
    for c in form.select(&controls) {
        let tag = c.value().name();
        let Some(name) = attr(&c, "name").filter(|n| !n.is_empty()) else {
            if tag == "input"
                && attr(&c, "type").is_some_and(|t| t.eq_ignore_ascii_case("password"))
            {
                passwords += 1;
            }
            continue;
        };
        let name = name.to_string();
        let value = attr(&c, "value").unwrap_or("").to_string();
        let kind = if tag == "input" {
            attr(&c, "type").unwrap_or("text").to_ascii_lowercase()
        } else {
            tag.to_string()
        };
        if c.value().attr("disabled").is_some() {
            continue;
        }
        match kind.as_str() {
            "password" => {
                passwords += 1;
                if password.is_none() {
                    password = Some(name);
                }
            }
            "text" | "email" | "tel" | "" if password.is_none() => before.push(name),
            "text" | "email" | "tel" | "number" | "hidden" | "" => fields.push((name, value)),
            "checkbox" | "radio" if c.value().attr("checked").is_some() => {
                fields.push((name, if value.is_empty() { "on".into() } else { value }));
            }
            // The first named submit button, as a click would send it (a
            // `<button>` submits unless its type says otherwise).
            "submit" | "image" | "button"
                if !submit_taken
                    && (kind != "button"
                        || attr(&c, "type").is_none_or(|t| t.eq_ignore_ascii_case("submit"))) =>
            {
                submit_taken = true;
                fields.push((name, value));
            }
            "select" => {
                let chosen = sel("option[selected]")
                    .and_then(|s| c.select(&s).next())
                    .or_else(|| sel("option").and_then(|s| c.select(&s).next()));
                if let Some(o) = chosen {
                    let v = attr(&o, "value")
                        .map(str::to_string)
                        .unwrap_or_else(|| o.text().collect::<String>().trim().to_string());
                    fields.push((name, v));
                }
            }
            _ => {}
        }
        if fields.len() > MAX_FIELDS {
            return Err("the form has too many fields");
        }
    }
    if passwords != 1 {
        return Err("the form has more than one password field (a set-up or change form)");
    }
    let password_field = password.ok_or("the password field has no name")?;
    let user_field = pick_user(&before);
    // Text inputs before the password that are not the user name go as they are.
    for n in before {
        if Some(&n) != user_field.as_ref() {
            fields.push((n, String::new()));
        }
    }
    Ok(Form {
        action: attr(form, "action").unwrap_or("").to_string(),
        method: if attr(form, "method").is_some_and(|m| m.eq_ignore_ascii_case("post")) {
            "POST"
        } else {
            "GET"
        },
        user_field,
        password_field,
        fields,
    })
}

/// Longest visible text kept from a page.
pub const MAX_TEXT: usize = 64 * 1024;

/// Most markup (`<`) a page is read to. html5ever's tree building is
/// quadratic in the nesting depth (each end tag searches the stack of open
/// elements), so 40 000 nested `<div>`s take minutes; a login page has a
/// few hundred tags. The rest of a longer page is not read.
pub const MAX_TAGS: usize = 3000;

/// `body` cut before its [`MAX_TAGS`]+1-th `<`.
fn within_tag_cap(body: &[u8]) -> &[u8] {
    let cut = body
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'<')
        .nth(MAX_TAGS)
        .map_or(body.len(), |(i, _)| i);
    body.get(..cut).unwrap_or(body)
}

/// Reads what the audit needs from an HTML page.
pub fn read_page(body: &[u8]) -> Page {
    let src = String::from_utf8_lossy(within_tag_cap(body));
    let doc = Html::parse_document(&src);
    let mut page = Page::default();
    if let Some(t) = sel("title").and_then(|s| doc.select(&s).next()) {
        let t: String = t.text().collect();
        let t = printable(t.trim().as_bytes(), 120);
        if !t.is_empty() {
            page.title = Some(t);
        }
    }
    if let Some(s) = sel("input") {
        page.password_field = doc
            .select(&s)
            .any(|i| attr(&i, "type").is_some_and(|t| t.eq_ignore_ascii_case("password")));
    }
    if let Some(s) = sel("form") {
        for f in doc.select(&s) {
            let has_pw = sel("input").is_some_and(|i| {
                f.select(&i)
                    .any(|i| attr(&i, "type").is_some_and(|t| t.eq_ignore_ascii_case("password")))
            });
            if !has_pw {
                continue;
            }
            match read_form(&f) {
                Ok(form) => {
                    page.form = Some(form);
                    break;
                }
                Err(why) => page.skipped = Some(why),
            }
        }
    }
    if let Some(s) = sel("meta") {
        for m in doc.select(&s) {
            if attr(&m, "http-equiv").is_some_and(|v| v.eq_ignore_ascii_case("refresh"))
                && let Some(c) = attr(&m, "content")
                && let Some(i) = c.to_ascii_lowercase().find("url=")
            {
                let u = c.get(i + 4..).unwrap_or("").trim();
                let u = u.trim_matches(|c| c == '\'' || c == '"');
                if !u.is_empty() {
                    page.refresh = Some(u.to_string());
                    break;
                }
            }
        }
    }
    // Consoles that reach their login page through a frame, or a script
    // that sets `location` to a string literal, as many device index pages
    // do (no script is run: only that literal is read).
    if page.refresh.is_none() {
        page.refresh = sel("frame[src], iframe[src]")
            .and_then(|s| {
                doc.select(&s)
                    .find_map(|f| attr(&f, "src").map(str::to_string))
            })
            .filter(|u| !u.trim().is_empty());
    }
    if page.refresh.is_none()
        && let Some(s) = sel("script")
    {
        page.refresh = doc
            .select(&s)
            .find_map(|sc| js_location(&sc.text().collect::<String>()));
    }
    // One walk with a count of open script/style elements: asking each
    // text node for its ancestors would be quadratic in a deeply nested page.
    let mut text = String::new();
    let mut hidden = 0usize;
    for edge in doc.root_element().traverse() {
        match edge {
            Edge::Open(n) => match n.value() {
                Node::Element(e) if matches!(e.name(), "script" | "style" | "noscript") => {
                    hidden += 1;
                }
                Node::Text(t) if hidden == 0 => {
                    text.push_str(t);
                    text.push(' ');
                    if text.len() > MAX_TEXT {
                        break;
                    }
                }
                _ => {}
            },
            Edge::Close(n) => {
                if let Node::Element(e) = n.value()
                    && matches!(e.name(), "script" | "style" | "noscript")
                {
                    hidden = hidden.saturating_sub(1);
                }
            }
        }
    }
    if text.len() > MAX_TEXT {
        let mut cut = MAX_TEXT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    page.text = text.to_lowercase();
    page
}

/// The string literal a script assigns to `location` (`location =`,
/// `location.href =`, `location.replace(…)`, `location.assign(…)`, with any
/// `window.`, `top.`, `self.` or `document.` before it).
fn js_location(script: &str) -> Option<String> {
    let mut rest = script;
    while let Some(i) = rest.find("location") {
        let after = rest.get(i + "location".len()..).unwrap_or("");
        rest = after;
        let a = after.trim_start();
        let a = a.strip_prefix(".href").map_or(a, str::trim_start);
        let value = if let Some(v) = a.strip_prefix('=') {
            if v.starts_with('=') {
                continue;
            }
            v
        } else if let Some(v) = a
            .strip_prefix(".replace(")
            .or_else(|| a.strip_prefix(".assign("))
        {
            v
        } else {
            continue;
        };
        let v = value.trim_start();
        let Some(q) = v.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        let body = v.get(1..).unwrap_or("");
        if let Some(end) = body.find(q).filter(|&e| e > 0 && e <= MAX_PATH) {
            return body.get(..end).map(str::to_string);
        }
    }
    None
}

/// The failure word a page's text shows, if any.
fn failure_word(text: &str) -> Option<&'static str> {
    FAILURE_WORDS.iter().copied().find(|w| text.contains(w))
}

// ── The audit ────────────────────────────────────────────────────────────

/// What one login through the form led to.
#[derive(Debug, Clone, Default)]
pub(crate) struct Observed {
    pub status: u16,
    /// Where a redirect pointed (same origin), path only.
    pub location: Option<String>,
    /// The redirect led away from the login page to a page with no
    /// password field.
    pub away: bool,
    /// Cookie names the answer (and its redirect) set.
    pub cookies: Vec<String>,
    /// The page finally shown has a password field.
    pub password_field: bool,
    pub failure: Option<&'static str>,
    /// Bytes of the page finally shown.
    pub size: usize,
    pub lockout: Option<String>,
}

/// Why `c` is a successful login, judged against the wrong login `b`; `None`
/// when nothing a person would accept sets it apart.
pub(crate) fn judge(b: &Observed, c: &Observed) -> Option<String> {
    if c.status >= 400 || c.lockout.is_some() {
        return None;
    }
    if c.away && !b.away {
        return Some(format!(
            "redirected to {} with no password field there, where a wrong password was not",
            c.location.as_deref().unwrap_or("another page")
        ));
    }
    let new_cookie = c.cookies.iter().find(|n| !b.cookies.contains(n));
    if let Some(n) = new_cookie
        && !c.password_field
        && b.password_field
    {
        return Some(format!(
            "a new session cookie ({n}) and no password field, where a wrong password got the form again"
        ));
    }
    if let Some(w) = b.failure
        && c.failure.is_none()
        && !c.password_field
        && c.size >= 32
    {
        return Some(format!(
            "no failure message and no password field, where a wrong password got {w:?}"
        ));
    }
    None
}

/// What a login led to, in a few words, for the evidence.
fn describe(o: &Observed) -> String {
    let mut d = format!("HTTP {}", o.status);
    if let Some(l) = &o.location {
        d.push_str(&format!(", redirect to {}", printable(l.as_bytes(), 80)));
    }
    d.push_str(if o.password_field {
        ", the password field again"
    } else {
        ", no password field"
    });
    if let Some(w) = o.failure {
        d.push_str(&format!(", {w:?}"));
    }
    d
}

/// Whether the wrong login `b` looks like a failure at all: the form
/// again, or failure text. A wrong login answered like a welcome leaves
/// nothing to tell a success by.
fn calibrated(b: &Observed) -> bool {
    b.password_field || b.failure.is_some()
}

/// Where the login form lives: the page path and its description.
#[derive(Debug, Clone)]
struct LoginPage {
    path: String,
    /// Visible text of the login page (lockout words already there are no sign).
    text: String,
}

/// Follows `/` to the login page: redirects and refreshes on the same origin.
async fn find_login_page(net: &Net, s: &Service) -> Result<Option<(LoginPage, Page)>, String> {
    let mut path = "/".to_string();
    let mut jar = Jar::default();
    for _ in 0..=MAX_HOPS {
        let r = fetch(net, s, "GET", &path, &jar.header(), b"")
            .await
            .map_err(|e| e.to_string())?;
        jar.take(&r.head);
        let next = if (300..400).contains(&r.head.status) {
            r.head.header("location").map(str::to_string)
        } else if r.head.status == 200 {
            let page = read_page(&r.body);
            if page.form.is_some() {
                return Ok(Some((
                    LoginPage {
                        path,
                        text: page.text.clone(),
                    },
                    page,
                )));
            }
            if let Some(why) = page.skipped {
                return Err(format!("the password form at {path} was not used: {why}"));
            }
            page.refresh
        } else {
            None
        };
        let Some(next) = next else {
            return Ok(None);
        };
        path = resolve(&path, &next, s)
            .map_err(|e| format!("{path} leads to {next:?}, not followed: {e}"))?;
    }
    Ok(None)
}

/// One login through the form at `page`: fetch the page (fresh tokens and
/// cookies), submit, follow one same-origin redirect.
async fn submit(
    net: &Net,
    s: &Service,
    page: &LoginPage,
    user: &str,
    password: &Secret,
    tr: &mut Transcript,
) -> Result<Observed, String> {
    let mut jar = Jar::default();
    tr.sent(&format!("GET {}", page.path));
    let r = fetch(net, s, "GET", &page.path, "", b"")
        .await
        .map_err(|e| e.to_string())?;
    jar.take(&r.head);
    let fresh = read_page(&r.body);
    let Some(form) = fresh.form else {
        let sign = lockout_sign(fresh.text.as_bytes())
            .filter(|w| !contains_ci(page.text.as_bytes(), w.as_bytes()));
        return match sign {
            Some(w) => Ok(Observed {
                status: r.head.status,
                lockout: Some(w),
                ..Observed::default()
            }),
            None => Err(format!(
                "the login form at {} is gone ({})",
                page.path, r.status_line
            )),
        };
    };
    let action = resolve(&page.path, &form.action, s)
        .map_err(|e| format!("the form's action {:?} is not followed: {e}", form.action))?;
    let mut pairs: Vec<String> = Vec::new();
    let mut shown: Vec<String> = Vec::new();
    if let Some(u) = &form.user_field {
        pairs.push(format!("{}={}", urlencode(u), urlencode(user)));
        shown.push(format!("{}={}", urlencode(u), urlencode(user)));
    }
    let pw_at = shown.len();
    pairs.push(format!(
        "{}={}",
        urlencode(&form.password_field),
        urlencode(password.expose())
    ));
    shown.push(format!("{}=", urlencode(&form.password_field)));
    for (n, v) in &form.fields {
        pairs.push(format!("{}={}", urlencode(n), urlencode(v)));
        shown.push(format!("{}=(from the form)", urlencode(n)));
    }
    let body = pairs.join("&");
    let (method, target, payload) = if form.method == "POST" {
        ("POST", action.clone(), body.into_bytes())
    } else {
        let sep = if action.contains('?') { '&' } else { '?' };
        let (p, _) = action.split_once('?').unwrap_or((&action, ""));
        let base = if action.contains('?') {
            action.clone()
        } else {
            p.to_string()
        };
        ("GET", format!("{base}{sep}{body}"), Vec::new())
    };
    if target.len() > MAX_PATH * 2 {
        return Err("the login request would be too long".into());
    }
    tr.sent(&format!("{method} {action}"));
    let before = shown
        .get(..pw_at + 1)
        .map(|v| v.join("&"))
        .unwrap_or_default();
    let after = shown
        .get(pw_at + 1..)
        .map(|v| v.join("&"))
        .unwrap_or_default();
    tr.sent_secret(
        &before,
        password,
        &if after.is_empty() {
            String::new()
        } else {
            format!("&{after}")
        },
    );
    let r = fetch(net, s, method, &target, &jar.header(), &payload)
        .await
        .map_err(|e| e.to_string())?;
    tr.received(r.status_line.as_bytes());
    let mut obs = Observed {
        status: r.head.status,
        cookies: jar.take(&r.head),
        ..Observed::default()
    };
    for n in &obs.cookies {
        tr.received_note(&format!("Set-Cookie: {n}=…"));
    }
    let mut shown_page = r.body;
    let mut shown_status = r.head.status;
    if (300..400).contains(&r.head.status)
        && let Some(loc) = r.head.header("location")
    {
        tr.received_note(&format!("Location: {}", printable(loc.as_bytes(), 160)));
        if let Ok(next) = resolve(&action, loc, s) {
            let (next_path, _) = next.split_once('?').unwrap_or((&next, ""));
            let (login_path, _) = page.path.split_once('?').unwrap_or((&page.path, ""));
            obs.location = Some(next_path.to_string());
            tr.sent(&format!("GET {next}"));
            let r2 = fetch(net, s, "GET", &next, &jar.header(), b"")
                .await
                .map_err(|e| e.to_string())?;
            tr.received(r2.status_line.as_bytes());
            obs.cookies.extend(jar.take(&r2.head));
            shown_status = r2.head.status;
            shown_page = r2.body;
            let p = read_page(&shown_page);
            obs.away = next_path != login_path && !p.password_field && shown_status < 400;
        }
    }
    let p = read_page(&shown_page);
    obs.password_field = p.password_field;
    obs.failure = failure_word(&p.text);
    obs.size = shown_page.len();
    if matches!(shown_status, 429 | 503) {
        obs.lockout = Some(format!("HTTP {shown_status}"));
    } else if let Some(w) =
        lockout_sign(p.text.as_bytes()).filter(|w| !contains_ci(page.text.as_bytes(), w.as_bytes()))
    {
        obs.lockout = Some(w);
    }
    tr.received_note(&format!(
        "{}{}",
        if obs.password_field {
            "the page shows a password field"
        } else {
            "no password field on the page"
        },
        obs.failure
            .map(|w| format!(", says {w:?}"))
            .unwrap_or_default()
    ));
    Ok(obs)
}

/// A random-looking name no device ships (for the wrong login).
fn wrong_credential() -> Credential {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32).rotate_left(7))
        .unwrap_or(0x5eed);
    Credential::new(
        format!("iotcheck-{n:08x}"),
        format!("wrong-{:08x}", n.rotate_left(13)),
    )
}

async fn try_login(
    net: Arc<Net>,
    s: Service,
    page: Arc<LoginPage>,
    base: Arc<Observed>,
    c: Credential,
    user_less: bool,
    show: bool,
) -> Attempt {
    let mut tr = Transcript::new(show);
    let obs = match submit(&net, &s, &page, &c.user, &c.password, &mut tr).await {
        Ok(o) => o,
        Err(e) => return Attempt::Failed(e),
    };
    if let Some(sign) = obs.lockout.clone() {
        return Attempt::Lockout(sign);
    }
    let Some(why) = judge(&base, &obs) else {
        return Attempt::Rejected;
    };
    // Confirm: the same login again, and a wrong one right after, before
    // calling it a finding.
    let mut check = Transcript::new(show);
    let again = submit(&net, &s, &page, &c.user, &c.password, &mut check).await;
    let wrong = wrong_credential();
    let after = submit(&net, &s, &page, &wrong.user, &wrong.password, &mut check).await;
    match (again, after) {
        (Ok(a), Ok(w)) if judge(&base, &a).is_some() && judge(&base, &w).is_none() => {
            tr.received_note(&format!(
                "a deliberately wrong login first got: {}",
                describe(&base)
            ));
            tr.received_note(&format!("evidence: {why}"));
            tr.received_note(
                "confirmed: the same login again succeeded; a wrong password right after did not",
            );
            let cred = if user_less {
                Credential::new("(no user field)", c.password.expose())
            } else {
                c
            };
            Attempt::Accepted("form", tr.into_lines(), Some(cred))
        }
        _ => Attempt::Rejected,
    }
}

/// Audits the form login of an HTTP(S) service without an authentication
/// challenge on `/`.
pub(crate) async fn audit(net: &Arc<Net>, opts: &ProbeOptions, shared: &Shared, s: &Service) {
    let note = |why: String| {
        with(shared, |f| {
            f.audits.push(AuditRun {
                service: s.clone(),
                attempts: 0,
                stopped: None,
                note: Some(why),
            });
        });
    };
    let (page, first) = match find_login_page(net, s).await {
        Ok(Some(p)) => p,
        Ok(None) => return,
        Err(why) => return note(why),
    };
    let Some(form) = first.form.as_ref() else {
        return;
    };
    let user_less = form.user_field.is_none();
    let title = first.title.clone().unwrap_or_default();
    let mut creds = crate::creds::for_service(&opts.audit.credentials, s, &[&title]);
    if user_less {
        // Only the password is asked: each distinct password once.
        let mut seen: Vec<String> = Vec::new();
        creds.retain(|c| {
            let fresh = !seen.iter().any(|p| p == c.password.expose());
            if fresh {
                seen.push(c.password.expose().to_string());
            }
            fresh
        });
    }
    // Calibration: a login no device accepts.
    let wrong = wrong_credential();
    let mut tr = Transcript::new(opts.show_secrets);
    let base = match submit(net, s, &page, &wrong.user, &wrong.password, &mut tr).await {
        Ok(b) => b,
        Err(why) => {
            return note(format!(
                "the form login at {} could not be tried: {why}",
                page.path
            ));
        }
    };
    if let Some(sign) = &base.lockout {
        with(shared, |f| {
            f.audits.push(AuditRun {
                service: s.clone(),
                attempts: 1,
                stopped: Some(format!(
                    "stopped: lockout sign {sign:?} after one wrong login"
                )),
                note: None,
            });
        });
        return;
    }
    if base.status >= 400 && !base.password_field {
        // Refused outright (a token or cookie the device wanted and did not
        // get): every login would look the same, so none is tried.
        return note(format!(
            "the form login at {} answered a login with HTTP {}: not tried",
            page.path, base.status
        ));
    }
    if !calibrated(&base) {
        return note(format!(
            "the form login at {} answers a wrong password with no sign of failure (no form again, no failure text, no redirect back): a success could not be told apart, so none was tried",
            page.path
        ));
    }
    let (page, base) = (Arc::new(page), Arc::new(base));
    let show = opts.show_secrets;
    let s2 = s.clone();
    audit::run(net, opts, shared, s, creds, false, 1, move |net, c| {
        try_login(
            net,
            s2.clone(),
            page.clone(),
            base.clone(),
            c,
            user_less,
            show,
        )
    })
    .await;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::Transport;

    fn svc(proto: Protocol, port: u16) -> Service {
        Service {
            host: "127.0.0.1".into(),
            addr: "127.0.0.1".parse().unwrap(),
            port,
            transport: Transport::Tcp,
            protocol: proto,
            banner: None,
        }
    }

    #[test]
    fn resolves_same_origin_only() {
        let s = svc(Protocol::Http, 8080);
        let r = |b: &str, x: &str| resolve(b, x, &s);
        assert_eq!(r("/cgi-bin/login.cgi", "").unwrap(), "/cgi-bin/login.cgi");
        assert_eq!(
            r("/cgi-bin/login.cgi", "auth.cgi").unwrap(),
            "/cgi-bin/auth.cgi"
        );
        assert_eq!(r("/a/b/c", "../d?x=1#f").unwrap(), "/a/d?x=1");
        assert_eq!(r("/a/b?q", "?z").unwrap(), "/a/b?z");
        assert_eq!(r("/", "/../../etc").unwrap(), "/etc");
        assert_eq!(r("/", "http://127.0.0.1:8080/x").unwrap(), "/x");
        assert_eq!(r("/", "//127.0.0.1:8080").unwrap(), "/");
        assert_eq!(r("/", "http://evil.example/x"), Err(Offsite::OtherOrigin));
        assert_eq!(r("/", "http://127.0.0.1/x"), Err(Offsite::OtherOrigin));
        assert_eq!(
            r("/", "https://127.0.0.1:8080/x"),
            Err(Offsite::OtherOrigin)
        );
        assert_eq!(r("/", "//127.0.0.2:8080/x"), Err(Offsite::OtherOrigin));
        assert_eq!(r("/", "javascript:login()"), Err(Offsite::NotHttp));
        assert_eq!(r("/", "a\nb"), Err(Offsite::Malformed));
        let s = svc(Protocol::Https, 443);
        assert_eq!(resolve("/", "https://127.0.0.1/x", &s).unwrap(), "/x");
    }

    #[test]
    fn reads_login_forms() {
        let html = br#"<html><head><title>IPCam Web Login</title></head><body>
            <script>var msg = "invalid";</script>
            <form action="login.cgi" method="post">
              <input type="hidden" name="csrf" value="t0k">
              <input type="text" name="lang_hint" value="en">
              <input type="text" name="username">
              <input type="password" name="password">
              <input type="checkbox" name="remember" checked>
              <select name="lang"><option value="de">de</option><option value="en" selected>en</option></select>
              <input type="submit" name="login" value="Log in">
              <input type="submit" name="cancel" value="Cancel">
            </form></body></html>"#;
        let p = read_page(html);
        assert_eq!(p.title.as_deref(), Some("IPCam Web Login"));
        assert!(p.password_field);
        assert_eq!(failure_word(&p.text), None, "script text is not visible");
        let f = p.form.unwrap();
        assert_eq!(f.method, "POST");
        assert_eq!(f.action, "login.cgi");
        assert_eq!(f.user_field.as_deref(), Some("username"));
        assert_eq!(f.password_field, "password");
        let names: Vec<&str> = f.fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["csrf", "remember", "lang", "login", "lang_hint"]);
        assert_eq!(f.fields[2].1, "en");
        // A change-password form is not a login form.
        let p =
            read_page(br#"<form><input type=password name=a><input type=password name=b></form>"#);
        assert!(p.form.is_none() && p.skipped.is_some() && p.password_field);
        let p = read_page(br#"<meta http-equiv="Refresh" content="0; URL='/login.htm'">"#);
        assert_eq!(p.refresh.as_deref(), Some("/login.htm"));
        let p = read_page(br#"<frameset><frame src="top.htm"><frame src=main.htm></frameset>"#);
        assert_eq!(p.refresh.as_deref(), Some("top.htm"));
        for (js, want) in [
            (
                "if (a == location) {} window.location.href = '/doc/page/login.asp';",
                Some("/doc/page/login.asp"),
            ),
            ("top.location.replace(\"login.html\")", Some("login.html")),
            ("var l = location; location = x;", None),
            ("location.href=''", None),
        ] {
            let p = read_page(format!("<script>{js}</script>").as_bytes());
            assert_eq!(p.refresh.as_deref(), want, "{js}");
        }
    }

    #[test]
    fn hostile_pages_stay_bounded() {
        // Deep nesting, long text, a form with hundreds of fields.
        let deep = "<div>x".repeat(40_000);
        let t = std::time::Instant::now();
        let p = read_page(deep.as_bytes());
        assert!(
            t.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            t.elapsed()
        );
        assert_eq!(p.text.len(), 2 * MAX_TAGS);
        let long = format!("<p>{}</p>", "é".repeat(100_000));
        assert!(read_page(long.as_bytes()).text.len() <= MAX_TEXT);
        let many = format!(
            "<form>{}<input type=password name=p></form>",
            "<input type=hidden name=h value=v>".repeat(500)
        );
        let p = read_page(many.as_bytes());
        assert!(p.form.is_none() && p.skipped.is_some() && p.password_field);
        let p = read_page(&[0xff, 0xfe, b'<', 0, b'>']);
        assert!(p.form.is_none());
    }

    #[test]
    fn chunks_and_encoding() {
        assert_eq!(
            dechunk(b"4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n", 100),
            (b"Wikipedia".to_vec(), true)
        );
        assert_eq!(dechunk(b"4\r\nWi", 100), (b"Wi".to_vec(), false));
        assert!(!dechunk(b"ffffffffffffffffff\r\n", 100).1);
        assert_eq!(dechunk(b"10\r\n0123456789abcdef\r\n0\r\n", 4).0, b"0123");
        assert_eq!(urlencode("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
    }

    proptest::proptest! {
        #[test]
        fn resolving_is_same_origin_and_stable(r in "[a-z/.?#:@%0-9-]{0,40}") {
            let s = svc(Protocol::Http, 80);
            if let Ok(p) = resolve("/cgi-bin/login.cgi", &r, &s) {
                proptest::prop_assert!(p.starts_with('/'));
                proptest::prop_assert_eq!(resolve(&p, "", &s), Ok(p.clone()));
            }
        }

        #[test]
        fn pages_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
            let p = read_page(&bytes);
            proptest::prop_assert!(p.text.len() <= MAX_TEXT);
            let _ = dechunk(&bytes, 512);
        }
    }

    fn obs(f: impl FnOnce(&mut Observed)) -> Observed {
        let mut o = Observed {
            status: 200,
            password_field: true,
            size: 500,
            ..Observed::default()
        };
        f(&mut o);
        o
    }

    #[test]
    fn judged_against_the_wrong_login() {
        let wrong = obs(|o| o.failure = Some("invalid"));
        // A redirect away to a page without a password field.
        let ok = obs(|o| {
            o.status = 302;
            o.away = true;
            o.password_field = false;
            o.location = Some("/main.cgi".into());
        });
        assert!(judge(&wrong, &ok).unwrap().contains("/main.cgi"));
        // The form again with the failure text: rejected.
        assert_eq!(judge(&wrong, &wrong), None);
        // A new cookie with the password field gone.
        let ok = obs(|o| {
            o.cookies = vec!["SID".into()];
            o.password_field = false;
        });
        assert!(judge(&wrong, &ok).unwrap().contains("SID"));
        // A page that welcomes everyone: the wrong login looked the same.
        let welcome = obs(|o| {
            o.password_field = false;
            o.cookies = vec!["sid".into()];
        });
        assert_eq!(judge(&welcome, &welcome), None);
        assert!(!calibrated(&welcome));
        assert!(calibrated(&wrong));
        // An error status is never a success.
        let e = obs(|o| {
            o.status = 500;
            o.password_field = false;
        });
        assert_eq!(judge(&wrong, &e), None);
        // Failure text gone, but the page is the form again: rejected.
        let again = obs(|o| o.failure = None);
        assert_eq!(judge(&wrong, &again), None);
    }
}
