//! Small parsers for what devices answer: FTP replies, Telnet option
//! negotiation, HTTP response heads and authentication challenges, MQTT
//! CONNACK, and printable escaping for evidence.
//!
//! Every function here reads hostile bytes: none panics, none allocates
//! more than a fixed cap or its input's length, and each is a `cargo fuzz`
//! target (`fuzz/fuzz_targets/probe_responses.rs`) and a property test.
//!
//! Why hand-written: these are line- or byte-level formats of a few rules
//! each. `suppaftp` does not expose its reply reader apart from its client
//! (which opens its own sockets, outside the scope module), `libmudtelnet`
//! is an event machine for MUD clients where we need only "refuse every
//! option and strip negotiation", and MQTT clients parse CONNACK only
//! inside their own connection loop. HTTP heads do use `httparse`.

/// Escapes bytes to one line of printable text: printable ASCII and valid
/// UTF-8 stay, anything else becomes `\xNN`; cut at `max_chars` with `…`.
pub fn printable(bytes: &[u8], max_chars: usize) -> String {
    let mut out = String::new();
    let text = String::from_utf8_lossy(bytes);
    for (chars, c) in text.chars().enumerate() {
        if chars >= max_chars {
            out.push('…');
            break;
        }
        match c {
            '\r' | '\n' => {}
            '\t' => out.push(' '),
            '\u{fffd}' => out.push_str("\\x??"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c) & 0xff)),
            c => out.push(c),
        }
    }
    out
}

// ── FTP (RFC 959 §4.2) ─────────────────────────────────────────────────────

/// A complete FTP reply at the start of `buf`: its code and the bytes it
/// took. `None` while incomplete (or if `buf` is not a reply).
pub fn ftp_reply(buf: &[u8]) -> Option<(u16, usize)> {
    let code_of = |line: &[u8]| -> Option<u16> {
        if line.len() >= 3 && line[..3].iter().all(u8::is_ascii_digit) {
            let c = u16::from(line[0] - b'0') * 100
                + u16::from(line[1] - b'0') * 10
                + u16::from(line[2] - b'0');
            Some(c)
        } else {
            None
        }
    };
    let mut pos = 0usize;
    let mut first: Option<u16> = None;
    while let Some(nl) = buf.get(pos..)?.iter().position(|&b| b == b'\n') {
        let line = &buf[pos..pos + nl];
        let next = pos + nl + 1;
        match first {
            None => {
                let code = code_of(line)?;
                if line.get(3) == Some(&b'-') {
                    first = Some(code);
                } else {
                    return Some((code, next));
                }
            }
            Some(code) => {
                if code_of(line) == Some(code) && line.get(3) != Some(&b'-') {
                    return Some((code, next));
                }
            }
        }
        pos = next;
    }
    None
}

// ── Telnet (RFC 854, RFC 855) ──────────────────────────────────────────────

pub const IAC: u8 = 255;
const DONT: u8 = 254;
const DO: u8 = 253;
const WONT: u8 = 252;
const WILL: u8 = 251;
const SB: u8 = 250;
const SE: u8 = 240;
const OPT_ECHO: u8 = 1;
const OPT_SGA: u8 = 3;

/// Strips Telnet negotiation from a byte stream and answers it: the server
/// may echo and suppress go-ahead (as every login needs); every other
/// option is refused, each answered once so a hostile server cannot make us
/// loop. Sub-negotiations are skipped without being kept.
#[derive(Debug, Clone, Default)]
pub struct TelnetFilter {
    state: TelnetState,
    answered: [u64; 4],
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum TelnetState {
    #[default]
    Data,
    Iac,
    Opt(u8),
    Sub,
    SubIac,
    Cr,
}

impl TelnetFilter {
    /// Feeds received bytes: application data goes to `data`, negotiation
    /// answers to `reply`. Both grow by at most `input.len()` (resp. 3× that).
    pub fn feed(&mut self, input: &[u8], data: &mut Vec<u8>, reply: &mut Vec<u8>) {
        for &b in input {
            self.state = match (self.state, b) {
                (TelnetState::Data | TelnetState::Cr, IAC) => TelnetState::Iac,
                (TelnetState::Cr, 0) => TelnetState::Data,
                (TelnetState::Data | TelnetState::Cr, b'\r') => {
                    data.push(b'\r');
                    TelnetState::Cr
                }
                (TelnetState::Data | TelnetState::Cr, b) => {
                    data.push(b);
                    TelnetState::Data
                }
                (TelnetState::Iac, IAC) => {
                    data.push(IAC);
                    TelnetState::Data
                }
                (TelnetState::Iac, WILL | WONT | DO | DONT) => TelnetState::Opt(b),
                (TelnetState::Iac, SB) => TelnetState::Sub,
                (TelnetState::Iac, _) => TelnetState::Data,
                (TelnetState::Opt(cmd), opt) => {
                    self.answer(cmd, opt, reply);
                    TelnetState::Data
                }
                (TelnetState::Sub, IAC) => TelnetState::SubIac,
                (TelnetState::Sub, _) => TelnetState::Sub,
                (TelnetState::SubIac, SE) => TelnetState::Data,
                (TelnetState::SubIac, _) => TelnetState::Sub,
            };
        }
    }

    fn answer(&mut self, cmd: u8, opt: u8, reply: &mut Vec<u8>) {
        let (word, bit) = (usize::from(opt / 64), opt % 64);
        if self.answered[word] & (1 << bit) != 0 {
            return;
        }
        self.answered[word] |= 1 << bit;
        let ans = match cmd {
            WILL if opt == OPT_ECHO || opt == OPT_SGA => DO,
            WILL => DONT,
            DO if opt == OPT_SGA => WILL,
            DO => WONT,
            // WONT / DONT need no answer when we agree (RFC 854).
            _ => return,
        };
        reply.extend_from_slice(&[IAC, ans, opt]);
    }
}

// ── HTTP (RFC 9110 §11) ────────────────────────────────────────────────────

/// Most header lines kept from one response.
pub const MAX_HTTP_HEADERS: usize = 64;

/// A parsed response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpHead {
    /// `HTTP` or `RTSP`.
    pub protocol: &'static str,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Where the body starts in the buffer.
    pub body_offset: usize,
}

impl HttpHead {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses an HTTP/1.x or RTSP/1.0 response head; `None` while incomplete
/// or when it is not one.
pub fn http_head(buf: &[u8]) -> Option<HttpHead> {
    // httparse reads only `HTTP/`; RTSP/1.0 has the same grammar (RFC 2326 §7).
    let (protocol, owned);
    let input: &[u8] = if buf.starts_with(b"RTSP/1.0 ") {
        protocol = "RTSP";
        owned = [b"HTTP/1.0 ".as_slice(), &buf[9..]].concat();
        &owned
    } else {
        protocol = "HTTP";
        buf
    };
    let mut headers = [httparse::EMPTY_HEADER; MAX_HTTP_HEADERS];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(input) {
        Ok(httparse::Status::Complete(n)) => Some(HttpHead {
            protocol,
            status: resp.code?,
            headers: resp
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_string(),
                        String::from_utf8_lossy(h.value).into_owned(),
                    )
                })
                .collect(),
            body_offset: n,
        }),
        _ => None,
    }
}

/// Whether `buf` starts like an HTTP or RTSP response (even if incomplete).
pub fn looks_like_http(buf: &[u8]) -> bool {
    buf.starts_with(b"HTTP/1.") || buf.starts_with(b"HTTP/2") || buf.starts_with(b"RTSP/1.0")
}

/// One authentication challenge (`Basic realm="x"`, `Digest realm=…, nonce=…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// Lowercased scheme: `basic`, `digest`, …
    pub scheme: String,
    pub params: Vec<(String, String)>,
}

impl Challenge {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Most challenges and parameters read from one header.
const MAX_CHALLENGES: usize = 8;
const MAX_PARAMS: usize = 16;

/// Parses a `WWW-Authenticate` value (RFC 9110 §11.6.1): challenges
/// separated by commas, each a scheme and `name=value` or `name="value"`
/// parameters.
pub fn challenges(value: &str) -> Vec<Challenge> {
    let mut out: Vec<Challenge> = Vec::new();
    let b = value.as_bytes();
    let mut i = 0usize;
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && (b[*i] == b' ' || b[*i] == b'\t' || b[*i] == b',') {
            *i += 1;
        }
    };
    let token = |i: &mut usize| -> String {
        let start = *i;
        while *i < b.len() && !matches!(b[*i], b' ' | b'\t' | b',' | b'=' | b'"') {
            *i += 1;
        }
        String::from_utf8_lossy(&b[start..*i]).into_owned()
    };
    while i < b.len() && out.len() < MAX_CHALLENGES {
        skip_ws(&mut i);
        let name = token(&mut i);
        if name.is_empty() {
            // A stray `=` or `"`: skip it.
            i += 1;
            continue;
        }
        if i < b.len() && b[i] == b'=' {
            // A parameter of the current challenge.
            i += 1;
            let val = if i < b.len() && b[i] == b'"' {
                i += 1;
                let mut v = Vec::new();
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                    }
                    v.push(b[i]);
                    i += 1;
                }
                i += 1;
                String::from_utf8_lossy(&v).into_owned()
            } else {
                token(&mut i)
            };
            // token68 (`Basic abc==`) ends in `=`: keep it as a value-less param.
            if let Some(c) = out.last_mut()
                && c.params.len() < MAX_PARAMS
            {
                c.params.push((name.to_ascii_lowercase(), val));
            }
        } else {
            out.push(Challenge {
                scheme: name.to_ascii_lowercase(),
                params: Vec::new(),
            });
        }
    }
    out
}

// ── MQTT 3.1.1 (OASIS, §3.2) ───────────────────────────────────────────────

/// The return code of a CONNACK at the start of `buf` (0 = accepted,
/// 4 = bad user name or password, 5 = not authorised), or `None`.
pub fn mqtt_connack(buf: &[u8]) -> Option<u8> {
    match buf {
        [0x20, 0x02, _flags, rc, ..] => Some(*rc),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ftp_multiline() {
        assert_eq!(ftp_reply(b"220 ok\r\n"), Some((220, 8)));
        assert_eq!(ftp_reply(b"220-a\r\n b\r\n220 c\r\nX"), Some((220, 18)));
        assert_eq!(ftp_reply(b"220-a\r\n"), None);
        assert_eq!(ftp_reply(b"hello\r\n"), None);
    }

    #[test]
    fn telnet_refuses_and_strips() {
        let mut f = TelnetFilter::default();
        let (mut d, mut r) = (Vec::new(), Vec::new());
        f.feed(
            &[
                IAC, DO, 24, IAC, WILL, 1, b'l', IAC, SB, 24, 1, IAC, SE, b'o', b'\r', 0, IAC, IAC,
            ],
            &mut d,
            &mut r,
        );
        assert_eq!(d, b"lo\r\xff");
        assert_eq!(r, [IAC, WONT, 24, IAC, DO, 1]);
        // Asked again: no second answer.
        f.feed(&[IAC, DO, 24], &mut d, &mut r);
        assert_eq!(r.len(), 6);
    }

    #[test]
    fn auth_challenges() {
        let c = challenges(
            r#"Digest realm="cam, \"x\"", nonce="abc", qop="auth,auth-int", Basic realm="r""#,
        );
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].scheme, "digest");
        assert_eq!(c[0].param("realm"), Some("cam, \"x\""));
        assert_eq!(c[0].param("qop"), Some("auth,auth-int"));
        assert_eq!(c[1].scheme, "basic");
    }

    #[test]
    fn rtsp_head() {
        let h = http_head(
            b"RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Basic realm=\"x\"\r\n\r\n",
        )
        .unwrap();
        assert_eq!((h.protocol, h.status), ("RTSP", 401));
        assert!(h.header("www-authenticate").is_some());
    }

    proptest! {
        #[test]
        fn parsers_never_panic_and_stay_bounded(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let p = printable(&bytes, 100);
            prop_assert!(p.chars().count() <= 101 * 4 + 1);
            if let Some((_, n)) = ftp_reply(&bytes) { prop_assert!(n <= bytes.len()); }
            let mut f = TelnetFilter::default();
            let (mut d, mut r) = (Vec::new(), Vec::new());
            f.feed(&bytes, &mut d, &mut r);
            prop_assert!(d.len() <= bytes.len());
            prop_assert!(r.len() <= 3 * 256);
            if let Some(h) = http_head(&bytes) { prop_assert!(h.headers.len() <= MAX_HTTP_HEADERS); }
            let c = challenges(&String::from_utf8_lossy(&bytes));
            prop_assert!(c.len() <= MAX_CHALLENGES);
            let _ = mqtt_connack(&bytes);
        }
    }
}
