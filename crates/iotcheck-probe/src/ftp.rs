//! FTP logins (RFC 959 §4.1.1 USER/PASS), anonymous first (RFC 1635).

use std::sync::Arc;

use crate::audit::{self, Attempt, lockout_sign};
use crate::parse::ftp_reply;
use crate::scope::{IoExt, Net, Target};
use crate::transcript::Transcript;
use crate::{Credential, ProbeOptions, Service, Shared};

const MAX_REPLY: usize = 8 * 1024;

async fn reply(conn: &mut crate::scope::Conn, net: &Net, buf: &mut Vec<u8>) -> Option<u16> {
    buf.clear();
    conn.read_until(buf, MAX_REPLY, net.io(), |b| ftp_reply(b).is_some())
        .await;
    ftp_reply(buf).map(|(c, _)| c)
}

async fn try_login(net: Arc<Net>, s: Service, c: Credential, show: bool) -> Attempt {
    let t = Target {
        name: s.host.clone(),
        addr: s.addr,
    };
    let mut conn = match net.connect(&t, s.port).await {
        Ok(c) => c,
        Err(e) => return Attempt::Failed(e.to_string()),
    };
    let mut tr = Transcript::new(show);
    let mut buf = Vec::new();
    match reply(&mut conn, &net, &mut buf).await {
        Some(220) => tr.received(&buf),
        Some(_) => {
            return lockout_sign(&buf)
                .map_or(Attempt::Failed("no 220 greeting".into()), Attempt::Lockout);
        }
        None => return Attempt::Failed("no greeting".into()),
    }
    tr.sent(&format!("USER {}", c.user));
    if conn
        .send_within(format!("USER {}\r\n", c.user).as_bytes(), net.io())
        .await
        .is_err()
    {
        return Attempt::Failed("closed".into());
    }
    let code = reply(&mut conn, &net, &mut buf).await;
    tr.received(&buf);
    match code {
        Some(230) => {
            let method = if c.user == "anonymous" {
                "anonymous"
            } else {
                "password"
            };
            return Attempt::Accepted(method, tr.into_lines(), None);
        }
        Some(331 | 332) => {}
        _ => {
            return lockout_sign(&buf).map_or(Attempt::Rejected, Attempt::Lockout);
        }
    }
    tr.sent_secret("PASS ", &c.password, "");
    if conn
        .send_within(
            format!("PASS {}\r\n", c.password.expose()).as_bytes(),
            net.io(),
        )
        .await
        .is_err()
    {
        return Attempt::Failed("closed".into());
    }
    let code = reply(&mut conn, &net, &mut buf).await;
    tr.received(&buf);
    let _ = conn.send_within(b"QUIT\r\n", net.io()).await;
    match code {
        Some(230) => Attempt::Accepted(
            if c.user == "anonymous" {
                "anonymous"
            } else {
                "password"
            },
            tr.into_lines(),
            None,
        ),
        Some(_) => lockout_sign(&buf).map_or(Attempt::Rejected, Attempt::Lockout),
        None => Attempt::Failed("no answer to PASS".into()),
    }
}

pub(crate) async fn audit(net: &Arc<Net>, opts: &ProbeOptions, shared: &Shared, s: &Service) {
    let mut creds = vec![Credential::new("anonymous", "iotcheck@example.com")];
    creds.extend(crate::creds::for_service(&opts.audit.credentials, s, &[]));
    let show = opts.show_secrets;
    let s2 = s.clone();
    audit::run(net, opts, shared, s, creds, true, 1, move |net, c| {
        try_login(net, s2.clone(), c, show)
    })
    .await;
}
