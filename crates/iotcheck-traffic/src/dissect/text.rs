//! Line-based cleartext protocols over TCP: SSH banners, Telnet (option
//! negotiation and login prompts), FTP, SMTP, POP3 and IMAP, with the
//! credentials each carries in clear.

use super::{Class, Finding, Identified, View, printable};

pub(crate) fn ssh(v: &View<'_>) -> Option<Identified> {
    let banner = if v.s2c.starts_with(b"SSH-") {
        v.s2c
    } else if v.c2s.starts_with(b"SSH-") {
        v.c2s
    } else {
        return None;
    };
    let mut id = Identified::new("ssh", Class::Encrypted);
    let end = banner
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(banner.len().min(80));
    id.detail = Some(printable(&banner[..end], 80));
    Some(id)
}

/// Byte offset of an ASCII word, case-insensitively.
fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Printable bytes of a Telnet stream, skipping IAC commands and option
/// negotiation (IAC verb option, and subnegotiation up to IAC SE).
fn telnet_text(b: &[u8]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            0xff => {
                match b.get(i + 1) {
                    Some(0xfb..=0xfe) => i += 3,
                    Some(0xfa) => {
                        // Subnegotiation: skip to IAC SE.
                        i += 2;
                        while i + 1 < b.len() && !(b[i] == 0xff && b[i + 1] == 0xf0) {
                            i += 1;
                        }
                        i += 2;
                    }
                    _ => i += 2,
                }
            }
            0x20..=0x7e => {
                n += 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    n
}

/// Lines of a stream with their byte offsets.
fn lines(b: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut offset = 0;
    b.split(|&c| c == b'\n').map(move |l| {
        let o = offset;
        offset += l.len() + 1;
        (o, l.strip_suffix(b"\r").unwrap_or(l))
    })
}

fn upper_starts(line: &[u8], word: &str) -> bool {
    line.len() >= word.len() && line[..word.len()].eq_ignore_ascii_case(word.as_bytes())
}

fn credential_lines(v: &View<'_>, id: &mut Identified, commands: &[(&str, &str)]) {
    for (offset, line) in lines(v.c2s) {
        for (cmd, what) in commands {
            if upper_starts(line, cmd) {
                let shown: String = if *cmd == "USER " || *cmd == "EHLO " {
                    printable(line, 60)
                } else {
                    format!("{}********", printable(&line[..cmd.len()], 20))
                };
                id.credentials.push(Finding {
                    frame: v.c2s_frame(offset),
                    what: (*what).to_string(),
                    excerpt: shown,
                });
            }
        }
    }
    // Only the secret-bearing commands count as credentials; a bare USER is context.
    id.credentials
        .retain(|f| !f.excerpt.to_ascii_uppercase().starts_with("USER "));
}

pub(crate) fn tcp(v: &View<'_>) -> Option<Identified> {
    const IAC: u8 = 0xff;
    let telnet_negotiation =
        |b: &[u8]| b.len() >= 3 && b[0] == IAC && (0xfb..=0xfe).contains(&b[1]);
    // Positions are searched in the raw bytes: a lossy UTF-8 copy would turn
    // every IAC byte into a 3-byte U+FFFD and shift the offsets.
    let prompt = |word: &[u8]| find_ci(&v.s2c[..v.s2c.len().min(4096)], word);
    let has_prompt = prompt(b"login:").is_some()
        || prompt(b"password:").is_some()
        || prompt(b"username:").is_some();
    if telnet_negotiation(v.s2c)
        || telnet_negotiation(v.c2s)
        || (v.either_port(&[23, 2323]) && has_prompt)
    {
        let mut id = Identified::new("telnet", Class::Cleartext);
        let shown: Vec<u8> = v
            .s2c
            .iter()
            .copied()
            .filter(|&b| b != IAC && b < 0xf0)
            .collect();
        id.detail = Some(format!("Telnet session: {}", printable(&shown, 60)));
        id.excerpt = Some(Finding {
            frame: v.s2c_frame(0),
            what: "Telnet".into(),
            excerpt: printable(&shown, 100),
        });
        if has_prompt {
            let at = prompt(b"password:")
                .or_else(|| prompt(b"login:"))
                .or_else(|| prompt(b"username:"))
                .unwrap_or(0);
            // What the client typed, without its option negotiation.
            if telnet_text(v.c2s) > 0 {
                id.credentials.push(Finding {
                    frame: v.s2c_frame(at),
                    what: "Telnet login (user name and password typed in clear)".into(),
                    excerpt: {
                        let rest = &v.s2c[at.min(v.s2c.len())..];
                        let end = rest
                            .iter()
                            .position(|&b| b == b'\r' || b == b'\n')
                            .unwrap_or(rest.len());
                        format!("{} ********", printable(&rest[..end.min(40)], 40))
                    },
                });
            }
        }
        return Some(id);
    }
    if let Some(id) = redis(v).or_else(|| socks5(v)) {
        return Some(id);
    }
    let banner = |p: &[u8]| v.s2c.starts_with(p);
    let client = |p: &str| lines(v.c2s).any(|(_, l)| upper_starts(l, p));
    if banner(b"220")
        && (client("USER ")
            || client("PASS ")
            || client("AUTH ")
            || client("SYST")
            || v.either_port(&[21]))
        && !client("EHLO")
        && !client("HELO")
    {
        let mut id = Identified::new("ftp", Class::Cleartext);
        if client("AUTH TLS") || client("AUTH SSL") {
            id.protocol = "ftp-starttls".into();
            id.class = Class::Encrypted;
        }
        id.detail = Some(printable(&v.s2c[..v.s2c.len().min(80)], 80));
        id.excerpt = Some(Finding {
            frame: v.s2c_frame(0),
            what: "FTP banner".into(),
            excerpt: printable(v.s2c, 80),
        });
        credential_lines(v, &mut id, &[("PASS ", "FTP password")]);
        return Some(id);
    }
    if banner(b"220") && (client("EHLO") || client("HELO")) {
        let mut id = Identified::new("smtp", Class::Cleartext);
        if client("STARTTLS") {
            id.protocol = "smtp-starttls".into();
            id.class = Class::Encrypted;
        }
        id.excerpt = Some(Finding {
            frame: v.s2c_frame(0),
            what: "SMTP banner".into(),
            excerpt: printable(v.s2c, 80),
        });
        credential_lines(
            v,
            &mut id,
            &[("AUTH ", "SMTP AUTH (credentials follow base64-encoded)")],
        );
        return Some(id);
    }
    if banner(b"+OK") {
        let mut id = Identified::new("pop3", Class::Cleartext);
        if client("STLS") {
            id.protocol = "pop3-starttls".into();
            id.class = Class::Encrypted;
        }
        id.excerpt = Some(Finding {
            frame: v.s2c_frame(0),
            what: "POP3 banner".into(),
            excerpt: printable(v.s2c, 80),
        });
        credential_lines(
            v,
            &mut id,
            &[
                ("PASS ", "POP3 password"),
                ("APOP ", "POP3 APOP digest"),
                (
                    "AUTH ",
                    "POP3 SASL AUTH (credentials follow base64-encoded)",
                ),
            ],
        );
        return Some(id);
    }
    if banner(b"* OK") {
        let mut id = Identified::new("imap", Class::Cleartext);
        if lines(v.c2s).any(|(_, l)| {
            String::from_utf8_lossy(l)
                .to_ascii_uppercase()
                .contains(" STARTTLS")
        }) {
            id.protocol = "imap-starttls".into();
            id.class = Class::Encrypted;
        }
        id.excerpt = Some(Finding {
            frame: v.s2c_frame(0),
            what: "IMAP banner".into(),
            excerpt: printable(v.s2c, 80),
        });
        for (offset, l) in lines(v.c2s) {
            let up = String::from_utf8_lossy(l).to_ascii_uppercase();
            if matches!(up.split(' ').nth(1), Some("LOGIN" | "AUTHENTICATE")) {
                id.credentials.push(Finding {
                    frame: v.c2s_frame(offset),
                    what: "IMAP LOGIN".into(),
                    excerpt: "LOGIN ********".into(),
                });
            }
        }
        return Some(id);
    }
    None
}

/// Redis RESP: commands as arrays of bulk strings; `AUTH` carries the password.
fn redis(v: &View<'_>) -> Option<Identified> {
    let c = v.c2s;
    let resp = c.len() > 4
        && c[0] == b'*'
        && c[1].is_ascii_digit()
        && find_ci(&c[..c.len().min(64)], b"\r\n$").is_some();
    if !resp {
        return None;
    }
    let mut id = Identified::new("redis", Class::Cleartext);
    id.excerpt = Some(Finding {
        frame: v.c2s_frame(0),
        what: "Redis command".into(),
        excerpt: "RESP command array".into(),
    });
    if let Some(at) = find_ci(c, b"$4\r\nAUTH\r\n") {
        id.credentials.push(Finding {
            frame: v.c2s_frame(at),
            what: "Redis AUTH password".into(),
            excerpt: "AUTH ********".into(),
        });
    }
    Some(id)
}

/// SOCKS5 (RFC 1928) with username/password authentication (RFC 1929).
fn socks5(v: &View<'_>) -> Option<Identified> {
    let (c, s) = (v.c2s, v.s2c);
    let greeting =
        c.len() >= 3 && c[0] == 5 && usize::from(c[1]) >= 1 && c.len() >= 2 + usize::from(c[1]);
    if !greeting || s.len() < 2 || s[0] != 5 {
        return None;
    }
    // A tunnel: what it carries is judged elsewhere, so it is not cleartext by itself.
    let mut id = Identified::new("socks5", Class::Unknown);
    id.detail = Some("SOCKS5 proxy handshake".into());
    if s[1] == 2 {
        let auth = &c[2 + usize::from(c[1])..];
        if auth.first() == Some(&1) && auth.len() >= 3 {
            let ulen = usize::from(auth[1]);
            if let Some(user) = auth.get(2..2 + ulen) {
                id.credentials.push(Finding {
                    frame: v.c2s_frame(2 + usize::from(c[1])),
                    what: "SOCKS5 username/password authentication (RFC 1929)".into(),
                    excerpt: format!("user {:?}, password ********", printable(user, 40)),
                });
            }
        }
    }
    Some(id)
}
