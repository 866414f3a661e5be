//! MQTT 3.1, 3.1.1 and 5 over TCP: the CONNECT packet (protocol name,
//! client id, username and password flags).
//!
//! Hand-written: only CONNECT is needed, and it is a few length-prefixed
//! fields; every length is checked against what remains.

use super::{Class, Finding, Identified, View};

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn u8(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from(self.u8()?) << 8 | u16::from(self.u8()?))
    }
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn string(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()? as usize;
        self.take(n)
    }
    fn varint(&mut self) -> Option<usize> {
        let mut value = 0usize;
        for i in 0..4 {
            let b = self.u8()?;
            value |= usize::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }
}

struct Connect<'a> {
    protocol: &'a [u8],
    level: u8,
    client_id: &'a [u8],
    username: Option<&'a [u8]>,
    has_password: bool,
}

fn parse_connect(b: &[u8]) -> Option<Connect<'_>> {
    let mut r = Reader(b);
    if r.u8()? != 0x10 {
        return None;
    }
    let len = r.varint()?;
    let mut r = Reader(r.take(len.min(r.0.len()))?);
    let protocol = r.string()?;
    if protocol != b"MQTT" && protocol != b"MQIsdp" {
        return None;
    }
    let level = r.u8()?;
    let flags = r.u8()?;
    let _keepalive = r.u16()?;
    if level >= 5 {
        let props = r.varint()?;
        r.take(props)?;
    }
    let client_id = r.string()?;
    if flags & 0x04 != 0 {
        if level >= 5 {
            let props = r.varint()?;
            r.take(props)?;
        }
        r.string()?; // will topic
        r.string()?; // will payload
    }
    let username = if flags & 0x80 != 0 { r.string() } else { None };
    Some(Connect {
        protocol,
        level,
        client_id,
        username,
        has_password: flags & 0x40 != 0,
    })
}

pub(crate) fn tcp(v: &View<'_>) -> Option<Identified> {
    let c = parse_connect(v.c2s)?;
    let mut id = Identified::new("mqtt", Class::Cleartext);
    let version = match (c.protocol, c.level) {
        (b"MQIsdp", _) => "3.1",
        (_, 4) => "3.1.1",
        (_, 5) => "5",
        _ => "?",
    };
    let client = String::from_utf8_lossy(c.client_id);
    let user = c.username.map(|u| String::from_utf8_lossy(u).into_owned());
    id.detail = Some(format!(
        "MQTT {version} CONNECT, client id {client:?}{}",
        user.as_deref()
            .map(|u| format!(", user {u:?}"))
            .unwrap_or_default()
    ));
    let frame = v.c2s_frame(0);
    id.excerpt = Some(Finding {
        frame,
        what: "MQTT CONNECT".into(),
        excerpt: id.detail.clone().unwrap_or_default(),
    });
    if c.has_password || user.is_some() {
        let what = match (&user, c.has_password) {
            (Some(u), true) => format!("MQTT CONNECT with user {u:?} and a password"),
            (Some(u), false) => format!("MQTT CONNECT with user {u:?} (no password)"),
            (None, _) => "MQTT CONNECT with a password".into(),
        };
        let excerpt = format!(
            "CONNECT client={client:?} user={:?} password={}",
            user.unwrap_or_default(),
            if c.has_password { "********" } else { "(none)" }
        );
        id.credentials.push(Finding {
            frame,
            what,
            excerpt,
        });
    }
    Some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_with_password() {
        // MQTT 3.1.1 CONNECT, client "c", user "u", password "p".
        let pkt = [
            0x10, 19, 0, 4, b'M', b'Q', b'T', b'T', 4, 0xc2, 0, 60, 0, 1, b'c', 0, 1, b'u', 0, 1,
            b'p',
        ];
        let c = parse_connect(&pkt).unwrap();
        assert_eq!(c.username, Some(&b"u"[..]));
        assert!(c.has_password);
    }

    #[test]
    fn lying_lengths_do_not_panic() {
        assert!(parse_connect(&[0x10, 0xff, 0xff, 0xff, 0xff, 0x7f]).is_none());
        assert!(parse_connect(&[0x10, 10, 0, 200, b'M']).is_none());
    }
}
