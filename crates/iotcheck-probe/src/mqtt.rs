//! MQTT 3.1.1 CONNECT (OASIS MQTT 3.1.1 §3.1): anonymous first, then the
//! list; a CONNACK with return code 0 is access (§3.2.2.3). Written by
//! hand: a CONNECT is a few dozen bytes, and a client library would open
//! its own sockets outside the scope module.

use std::sync::Arc;

use crate::audit::{self, Attempt};
use crate::parse::mqtt_connack;
use crate::scope::{IoExt, Net};
use crate::transcript::Transcript;
use crate::{Credential, ProbeOptions, Protocol, Service, Shared, tls};

fn push_str(v: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    let n = b.len().min(0xffff);
    v.extend_from_slice(&u16::try_from(n).unwrap_or(0).to_be_bytes());
    v.extend_from_slice(&b[..n]);
}

/// A CONNECT packet, clean session, keep-alive 30 s.
pub(crate) fn connect_packet(client_id: &str, login: Option<(&str, &str)>) -> Vec<u8> {
    let mut var = Vec::new();
    push_str(&mut var, "MQTT");
    var.push(4); // protocol level 3.1.1
    let mut flags = 0x02u8;
    if login.is_some() {
        flags |= 0xc0;
    }
    var.push(flags);
    var.extend_from_slice(&30u16.to_be_bytes());
    push_str(&mut var, client_id);
    if let Some((u, p)) = login {
        push_str(&mut var, u);
        push_str(&mut var, p);
    }
    let mut pkt = vec![0x10];
    // Remaining length, variable-byte integer (§2.2.3).
    let mut len = var.len();
    loop {
        let mut byte = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            byte |= 0x80;
        }
        pkt.push(byte);
        if len == 0 {
            break;
        }
    }
    pkt.extend_from_slice(&var);
    pkt
}

/// The CONNACK return code for one CONNECT, or an error text.
async fn connack(net: &Net, s: &Service, pkt: &[u8]) -> Result<u8, String> {
    let mut buf = Vec::new();
    let wait = net.io();
    if s.protocol == Protocol::Mqtts {
        let mut c = tls::client(net, s).await.map_err(|e| e.to_string())?;
        c.send_within(pkt, wait).await.map_err(|e| e.to_string())?;
        c.read_until(&mut buf, 64, wait, |b| b.len() >= 4).await;
    } else {
        let t = crate::scope::Target {
            name: s.host.clone(),
            addr: s.addr,
        };
        let mut c = net.connect(&t, s.port).await.map_err(|e| e.to_string())?;
        c.send_within(pkt, wait).await.map_err(|e| e.to_string())?;
        c.read_until(&mut buf, 64, wait, |b| b.len() >= 4).await;
    }
    mqtt_connack(&buf).ok_or_else(|| {
        if buf.is_empty() {
            "closed without CONNACK".to_string()
        } else {
            "not a CONNACK".to_string()
        }
    })
}

fn rc_text(rc: u8) -> &'static str {
    match rc {
        0 => "connection accepted",
        1 => "unacceptable protocol version",
        2 => "identifier rejected",
        3 => "server unavailable",
        4 => "bad user name or password",
        5 => "not authorized",
        _ => "unknown return code",
    }
}

async fn try_login(net: Arc<Net>, s: Service, c: Option<Credential>, show: bool) -> Attempt {
    let mut tr = Transcript::new(show);
    let pkt = match &c {
        None => {
            tr.sent("CONNECT client-id=iotcheck-probe (no user name, no password)");
            connect_packet("iotcheck-probe", None)
        }
        Some(c) => {
            tr.sent_secret(
                &format!(
                    "CONNECT client-id=iotcheck-probe username={} password=",
                    c.user
                ),
                &c.password,
                "",
            );
            connect_packet("iotcheck-probe", Some((&c.user, c.password.expose())))
        }
    };
    match connack(&net, &s, &pkt).await {
        Ok(rc) => {
            tr.received_note(&format!("CONNACK return code {rc} ({})", rc_text(rc)));
            match rc {
                0 => Attempt::Accepted(
                    if c.is_none() { "anonymous" } else { "password" },
                    tr.into_lines(),
                    None,
                ),
                3 => Attempt::Failed("server unavailable".into()),
                _ => Attempt::Rejected,
            }
        }
        Err(e) => Attempt::Failed(e),
    }
}

pub(crate) async fn audit(net: &Arc<Net>, opts: &ProbeOptions, shared: &Shared, s: &Service) {
    let show = opts.show_secrets;
    // Anonymous access first: an attempt with the empty-named credential.
    let mut creds = vec![Credential::new("", "")];
    creds.extend(crate::creds::for_service(&opts.audit.credentials, s, &[]));
    let s2 = s.clone();
    audit::run(net, opts, shared, s, creds, false, 1, move |net, c| {
        let c = (!c.user.is_empty()).then_some(c);
        try_login(net, s2.clone(), c, show)
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_bytes() {
        let p = connect_packet("a", None);
        assert_eq!(
            p,
            [
                0x10, 13, 0, 4, b'M', b'Q', b'T', b'T', 4, 2, 0, 30, 0, 1, b'a'
            ]
        );
        let p = connect_packet("a", Some(("u", "p")));
        assert_eq!(p[9], 0xc2);
        assert_eq!(usize::from(p[1]), p.len() - 2);
    }
}
