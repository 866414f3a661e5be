//! HTTP/1.x (through httparse) and RTSP: requests and responses in clear,
//! credentials in Authorization headers and URLs, and downloads whose body
//! is a firmware image, archive or filesystem.

use super::{Class, Finding, Identified, View, printable};

const METHODS: [&str; 14] = [
    "GET ",
    "POST ",
    "PUT ",
    "HEAD ",
    "DELETE ",
    "OPTIONS ",
    "PATCH ",
    "CONNECT ",
    "TRACE ",
    "SUBSCRIBE ",
    "NOTIFY ",
    "M-SEARCH ",
    "UNSUBSCRIBE ",
    "PROPFIND ",
];
const RTSP_METHODS: [&str; 8] = [
    "DESCRIBE ",
    "SETUP ",
    "PLAY ",
    "PAUSE ",
    "TEARDOWN ",
    "ANNOUNCE ",
    "RECORD ",
    "GET_PARAMETER ",
];

/// Magic numbers of what a firmware update looks like on the wire.
pub(crate) const FIRMWARE_MAGICS: [(&[u8], &str); 14] = [
    (&[0x27, 0x05, 0x19, 0x56], "U-Boot uImage"),
    (&[0xd0, 0x0d, 0xfe, 0xed], "FIT/device-tree image"),
    (b"hsqs", "squashfs"),
    (b"sqsh", "squashfs"),
    (b"HDR0", "TRX firmware"),
    (b"UBI#", "UBI image"),
    (&[0x1f, 0x8b], "gzip"),
    (&[0xfd, b'7', b'z', b'X', b'Z', 0], "xz"),
    (b"BZh", "bzip2"),
    (&[0x5d, 0, 0, 0x80], "lzma"),
    (b"PK\x03\x04", "zip"),
    (b"\x7fELF", "ELF executable"),
    (b"070701", "cpio"),
    (&[0x45, 0x3d, 0xcd, 0x28], "cramfs"),
];

pub(crate) fn firmware_magic(body: &[u8]) -> Option<&'static str> {
    FIRMWARE_MAGICS
        .iter()
        .find(|(m, _)| body.starts_with(m))
        .map(|(_, n)| *n)
}

/// A path that names an update or image.
pub(crate) fn update_like(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    let file = p.split(['?', '#']).next().unwrap_or("");
    [
        ".bin",
        ".img",
        ".trx",
        ".chk",
        ".fw",
        ".ubi",
        ".squashfs",
        ".itb",
        ".swu",
        ".ipk",
        ".pkg",
        ".hex",
    ]
    .iter()
    .any(|e| file.ends_with(e))
        || ["firmware", "upgrade", "/update", "/ota", "/fw/"]
            .iter()
            .any(|k| file.contains(k))
}

fn starts_with_any(b: &[u8], list: &[&str]) -> bool {
    list.iter().any(|m| b.starts_with(m.as_bytes()))
}

/// Masks the secret of an Authorization value: `Basic user:********`.
fn mask_authorization(value: &str) -> (String, String) {
    let mut parts = value.splitn(2, ' ');
    let scheme = parts.next().unwrap_or("").to_string();
    let rest = parts.next().unwrap_or("").trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let user = base64_decode(rest)
            .and_then(|d| String::from_utf8(d).ok())
            .and_then(|s| s.split_once(':').map(|(u, _)| u.to_string()));
        match user {
            Some(u) => (
                format!("HTTP Basic credentials for user {u:?}"),
                format!(
                    "Authorization: Basic <{u}:{}>",
                    iotcheck_model::Secret::new("")
                ),
            ),
            None => (
                "HTTP Basic credentials".into(),
                format!("Authorization: Basic {}", iotcheck_model::Secret::new("")),
            ),
        }
    } else if scheme.eq_ignore_ascii_case("digest") {
        let user = rest
            .split(',')
            .find_map(|kv| kv.trim().strip_prefix("username="))
            .map(|u| u.trim_matches('"').to_string());
        (
            "HTTP Digest credentials (hash of the password; replayable and crackable offline)"
                .into(),
            format!(
                "Authorization: Digest username={:?}, response=********",
                user.unwrap_or_default()
            ),
        )
    } else {
        (
            format!("HTTP {scheme} authorization token"),
            format!("Authorization: {scheme} ********"),
        )
    }
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = T.iter().position(|&t| t == c)? as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}

/// Query parameters that carry a password.
fn password_in_url(path: &str) -> bool {
    let q = path
        .split_once('?')
        .map_or("", |(_, q)| q)
        .to_ascii_lowercase();
    q.split('&')
        .any(|kv| is_secret_param(kv.split('=').next().unwrap_or("")))
}

/// Query parameter names that carry a secret.
fn is_secret_param(name: &str) -> bool {
    const NAMES: [&str; 10] = [
        "password", "passwd", "pwd", "pass", "pw", "token", "apikey", "api_key", "key", "secret",
    ];
    NAMES.contains(&name.to_ascii_lowercase().as_str())
}

fn mask_url(path: &str) -> String {
    let Some((p, q)) = path.split_once('?') else {
        return path.to_string();
    };
    let masked: Vec<String> = q
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if is_secret_param(k) => {
                format!("{k}=********")
            }
            _ => kv.to_string(),
        })
        .collect();
    format!("{p}?{}", masked.join("&"))
}

/// A password-bearing field in a form, JSON or XML body: its name.
pub(crate) fn password_in_body(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(8192)]);
    let lower = text.to_ascii_lowercase();
    for key in ["password", "passwd", "passphrase", "pwd"] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(key).map(|i| i + from) {
            from = i + key.len();
            // The whole field name around the match: letters, digits, `_`, `-`, `:`.
            // The boundary character may be multi-byte: step over all of it.
            let start = lower[..i]
                .char_indices()
                .rev()
                .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == ':'))
                .map_or(0, |(p, c)| p + c.len_utf8());
            let end = lower[from..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .map_or(lower.len(), |p| p + from);
            let name = &text[start..end];
            let after = lower[end..].trim_start_matches([' ', '"', '\'']);
            let value = if let Some(v) = after.strip_prefix('=') {
                v.split('&').next().unwrap_or("")
            } else if let Some(v) = after.strip_prefix(':') {
                v.trim_start()
                    .trim_start_matches('"')
                    .split(['"', ',', '}'])
                    .next()
                    .unwrap_or("")
            } else if let Some(v) = after.strip_prefix('>') {
                v.split('<').next().unwrap_or("")
            } else {
                continue;
            };
            let before = lower[..start].trim_end();
            let is_key = before.is_empty()
                || before.ends_with(['&', '{', ',', '<', '"', '?', '\n'])
                || lower[..start].ends_with('<');
            if is_key && !value.trim().is_empty() && !name.is_empty() {
                return Some(name.to_string());
            }
        }
    }
    None
}

/// A path segment that looks like a secret: 20–128 characters of a token
/// alphabet with letters and digits mixed, random-looking for its alphabet
/// (entropy near the most that alphabet allows), and either right after a
/// segment that names a key (`/api/<key>/…`, `/token/<t>`) or long, not
/// plain hex and not a UUID (identifiers and content hashes are not secrets).
pub(crate) fn token_in_path(path: &str) -> Option<&str> {
    const KEYISH: [&str; 12] = [
        "api", "key", "keys", "apikey", "token", "tokens", "auth", "session", "sessions", "secret",
        "user", "users",
    ];
    let p = path.split(['?', '#']).next().unwrap_or("");
    let segs: Vec<&str> = p.split('/').collect();
    segs.iter().enumerate().find_map(|(i, seg)| {
        let n = seg.len();
        let tokenish = (20..=128).contains(&n)
            && seg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && seg.bytes().filter(u8::is_ascii_digit).count() >= 4
            && seg.bytes().filter(u8::is_ascii_alphabetic).count() >= 4;
        if !tokenish || is_uuid(seg) {
            return None;
        }
        let hex = seg.bytes().all(|b| b.is_ascii_hexdigit());
        let alphabet: f64 = if hex { 16.0 } else { 64.0 };
        let max = alphabet.min(n as f64).log2();
        let randomish = super::entropy::shannon_bits(seg.as_bytes()) / max >= 0.75;
        let after_key = i > 0 && KEYISH.contains(&segs[i - 1].to_ascii_lowercase().as_str());
        (randomish && (after_key || (n >= 32 && !hex))).then_some(*seg)
    })
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<usize> = s.split('-').map(str::len).collect();
    parts == [8, 4, 4, 4, 12] && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

fn mask_segment(path: &str, seg: &str) -> String {
    printable(path.replacen(seg, "********", 1).as_bytes(), 120)
}

struct Request {
    offset: usize,
    method: String,
    path: String,
    host: Option<String>,
}

pub(crate) fn tcp(v: &View<'_>) -> Option<Identified> {
    let is_rtsp = (starts_with_any(v.c2s, &RTSP_METHODS) || starts_with_any(v.c2s, &["OPTIONS "]))
        && first_line(v.c2s).ends_with("RTSP/1.0")
        || v.s2c.starts_with(b"RTSP/1.0");
    if is_rtsp {
        return Some(rtsp(v));
    }
    if !(starts_with_any(v.c2s, &METHODS) || v.s2c.starts_with(b"HTTP/1.")) {
        return None;
    }
    let mut id = Identified::new("http", Class::Cleartext);
    let mut requests: Vec<Request> = Vec::new();
    let mut rest = v.c2s;
    while requests.len() < 64 {
        let offset = v.c2s.len() - rest.len();
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        let Ok(httparse::Status::Complete(head_len)) = req.parse(rest) else {
            // A request cut by the stream limit still shows its first line.
            if requests.is_empty() && starts_with_any(rest, &METHODS) {
                let line = first_line(rest);
                let mut it = line.split(' ');
                requests.push(Request {
                    offset,
                    method: it.next().unwrap_or("").into(),
                    path: it.next().unwrap_or("").into(),
                    host: None,
                });
            }
            break;
        };
        let method = req.method.unwrap_or("").to_string();
        let path = req.path.unwrap_or("").to_string();
        let mut host = None;
        let mut body_len = 0usize;
        for h in req.headers.iter() {
            let value = String::from_utf8_lossy(h.value).into_owned();
            if h.name.eq_ignore_ascii_case("host") {
                host = Some(value);
            } else if h.name.eq_ignore_ascii_case("authorization")
                || h.name.eq_ignore_ascii_case("proxy-authorization")
            {
                let (what, excerpt) = mask_authorization(&value);
                id.credentials.push(Finding {
                    frame: v.c2s_frame(offset),
                    what,
                    excerpt: format!("{method} {} ⏎ {excerpt}", mask_url(&path)),
                });
            } else if h.name.eq_ignore_ascii_case("content-length") {
                body_len = value.trim().parse().unwrap_or(0);
            }
        }
        let body = rest
            .get(head_len..head_len.saturating_add(body_len).min(rest.len()))
            .unwrap_or(&[]);
        if let Some(field) = password_in_body(body) {
            id.credentials.push(Finding {
                frame: v.c2s_frame(offset),
                what: format!("password field {field:?} in an HTTP request body"),
                excerpt: format!("{method} {} ⏎ … {field} ********", mask_url(&path)),
            });
        }
        if let Some(seg) = token_in_path(&path) {
            id.credentials.push(Finding {
                frame: v.c2s_frame(offset),
                what: format!("token-like path segment ({} characters): an API key or session token in the URL", seg.len()),
                excerpt: format!("{method} {}", mask_segment(&path, seg)),
            });
        }
        if password_in_url(&path) {
            id.credentials.push(Finding {
                frame: v.c2s_frame(offset),
                what: "secret in a URL query parameter".into(),
                excerpt: format!("{method} {}", mask_url(&path)),
            });
        }
        if method == "CONNECT" {
            id.protocol = "http-connect".into();
        }
        requests.push(Request {
            offset,
            method,
            path,
            host,
        });
        let Some(next) = rest.get(head_len.saturating_add(body_len)..) else {
            break;
        };
        if next.is_empty() {
            break;
        }
        rest = next;
    }
    id.host = requests.iter().find_map(|r| r.host.clone());
    if let Some(first) = requests.first() {
        let host = first
            .host
            .as_deref()
            .map(|h| format!(" (Host: {h})"))
            .unwrap_or_default();
        id.detail = Some(format!(
            "{} {}{host}",
            first.method,
            printable(mask_url(&first.path).as_bytes(), 80)
        ));
        id.excerpt = Some(Finding {
            frame: v.c2s_frame(first.offset),
            what: "HTTP request".into(),
            excerpt: format!(
                "{} {}{host}",
                first.method,
                printable(mask_url(&first.path).as_bytes(), 100)
            ),
        });
    }
    // Responses, in order, paired with the requests.
    let mut rest = v.s2c;
    let mut i = 0;
    while i < 64 {
        let offset = v.s2c.len() - rest.len();
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut resp = httparse::Response::new(&mut headers);
        let Ok(httparse::Status::Complete(head_len)) = resp.parse(rest) else {
            break;
        };
        let mut body_len: Option<usize> = None;
        let mut chunked = false;
        let mut content_type = String::new();
        for h in resp.headers.iter() {
            if h.name.eq_ignore_ascii_case("content-length") {
                body_len = String::from_utf8_lossy(h.value).trim().parse().ok();
            } else if h.name.eq_ignore_ascii_case("transfer-encoding")
                && String::from_utf8_lossy(h.value)
                    .to_ascii_lowercase()
                    .contains("chunked")
            {
                chunked = true;
            } else if h.name.eq_ignore_ascii_case("content-type") {
                content_type = String::from_utf8_lossy(h.value).to_ascii_lowercase();
            }
        }
        let mut body = rest.get(head_len..).unwrap_or(&[]);
        let mut body_offset = offset + head_len;
        if chunked && let Some(nl) = body.windows(2).position(|w| w == b"\r\n") {
            body = &body[nl + 2..];
            body_offset += nl + 2;
        }
        let req = requests.get(i);
        let path = req.map_or("", |r| r.path.as_str());
        let magic = firmware_magic(body);
        let binary_type = content_type.contains("octet-stream")
            || content_type.contains("x-binary")
            || content_type.contains("firmware");
        let large = body_len.is_some_and(|n| n >= 64 * 1024);
        if resp.code.is_some_and(|c| c < 300)
            && (magic.is_some() || (update_like(path) && (binary_type || large)))
        {
            let what = match magic {
                Some(m) => format!("{m} downloaded over HTTP"),
                None => "update-like download over HTTP".into(),
            };
            let req_frame = req.map(|r| v.c2s_frame(r.offset));
            let size = body_len.map(|n| format!(", {n} bytes")).unwrap_or_default();
            id.downloads.push(Finding {
                frame: req_frame.unwrap_or_else(|| v.s2c_frame(body_offset)),
                what,
                excerpt: format!(
                    "GET {} → {} {}{size}, body in frame {}",
                    printable(mask_url(path).as_bytes(), 100),
                    resp.code.unwrap_or(0),
                    content_type,
                    v.s2c_frame(body_offset)
                ),
            });
        }
        i += 1;
        let Some(len) = body_len else { break };
        let Some(next) = rest.get(head_len.saturating_add(len)..) else {
            break;
        };
        if next.is_empty() {
            break;
        }
        rest = next;
    }
    Some(id)
}

fn first_line(b: &[u8]) -> String {
    let end = b
        .iter()
        .position(|&c| c == b'\r' || c == b'\n')
        .unwrap_or(b.len().min(200));
    String::from_utf8_lossy(&b[..end.min(200)]).into_owned()
}

fn rtsp(v: &View<'_>) -> Identified {
    let mut id = Identified::new("rtsp", Class::Cleartext);
    let line = first_line(v.c2s);
    id.detail = Some(printable(line.as_bytes(), 100));
    id.excerpt = Some(Finding {
        frame: v.c2s_frame(0),
        what: "RTSP request".into(),
        excerpt: printable(line.as_bytes(), 100),
    });
    let text = String::from_utf8_lossy(v.c2s);
    let mut offset = 0;
    for l in text.split("\r\n") {
        if let Some((name, value)) = l.split_once(':')
            && name.eq_ignore_ascii_case("authorization")
        {
            let (what, excerpt) = mask_authorization(value.trim());
            id.credentials.push(Finding {
                frame: v.c2s_frame(offset),
                what: what.replace("HTTP", "RTSP"),
                excerpt,
            });
        }
        offset += l.len() + 2;
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_masked_but_user_shown() {
        let (what, excerpt) = mask_authorization("Basic YWRtaW46YWRtaW4=");
        assert!(what.contains("\"admin\""));
        assert!(!excerpt.contains("YWRtaW46YWRtaW4") && !excerpt.contains(":admin>"));
    }

    #[test]
    fn url_secrets() {
        assert!(password_in_url("/cgi-bin/login?user=admin&pwd=1234"));
        assert_eq!(
            mask_url("/login?user=admin&pwd=1234"),
            "/login?user=admin&pwd=********"
        );
        assert!(!password_in_url("/status?x=1"));
    }

    #[test]
    fn body_passwords() {
        assert_eq!(
            password_in_body(b"user=admin&password=1234").as_deref(),
            Some("password")
        );
        assert_eq!(
            password_in_body(br#"{"username":"a","passwd":"x"}"#).as_deref(),
            Some("passwd")
        );
        assert_eq!(
            password_in_body(b"<Login><LoginPassword>abc</LoginPassword></Login>").as_deref(),
            Some("LoginPassword")
        );
        assert_eq!(
            password_in_body(b"<PasswordPolicy></PasswordPolicy>"),
            None,
            "empty value"
        );
        assert_eq!(
            password_in_body(b"forgot your password? click here"),
            None,
            "prose is not a field"
        );
        assert_eq!(password_in_body(br#"{"password":""}"#), None);
        // A multi-byte character right before the field name must not split
        // a character (this panicked once).
        assert_eq!(password_in_body("épassword=1".as_bytes()), None);
        assert_eq!(
            password_in_body("{\"é\":1,\"password\":\"x\"}".as_bytes()).as_deref(),
            Some("password")
        );
    }

    #[test]
    fn token_paths() {
        assert!(token_in_path("/api/3kTq9ZpL2vX8mN4rB7cY1wE6uH0sJ5aD/sensors").is_some());
        assert!(
            token_in_path("/api/1028d66426293e821ecfd9ef1a0731df/lights").is_some(),
            "hex key after /api/"
        );
        assert!(
            token_in_path("/commit/1028d66426293e821ecfd9ef1a0731df5d1a9c3e").is_none(),
            "a hash is not a secret"
        );
        assert!(
            token_in_path("/devices/550e8400-e29b-41d4-a716-446655440000/state").is_none(),
            "a UUID is an identifier"
        );
        assert!(
            token_in_path("/static/app.3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c.js").is_none(),
            "file names are not tokens"
        );
        assert!(token_in_path("/api/v1/status.json").is_none());
        assert!(token_in_path("/very-long-readable-path-without-digits-at-all").is_none());
    }

    proptest::proptest! {
        /// Bodies and URLs come from the device: any bytes, no panic.
        #[test]
        fn secrets_scanners_never_panic(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300), path in "\\PC{0,120}") {
            let _ = password_in_body(&body);
            let _ = password_in_body(format!("{path}password=y").as_bytes());
            let _ = token_in_path(&path);
            let _ = mask_url(&path);
            let _ = mask_authorization(&path);
        }
    }

    #[test]
    fn update_paths() {
        assert!(update_like("/fw/cam2-1.4.3.bin"));
        assert!(update_like("/download/firmware?model=x"));
        assert!(!update_like("/index.html"));
    }
}
