//! HTTP authentication (RFC 9110 §11): a page that answers 401 with a
//! Basic (RFC 7617) or Digest (RFC 7616) challenge is tried with the list;
//! any answer past 401 is access. HTTPS goes through the same code over
//! [`crate::tls::client`], and so does RTSP (RFC 2326 §D: the same
//! challenges on DESCRIBE), the usual camera stream login.

use std::sync::Arc;

use base64::Engine as _;
use md5::{Digest as _, Md5};
use sha2::Sha256;

use crate::audit::{self, Attempt, lockout_sign};
use crate::discover::{host_header, http_get};
use crate::parse::{Challenge, HttpHead, challenges, http_head};
use crate::scope::{IoExt, Net, NetError, Target};
use crate::transcript::Transcript;
use crate::{Credential, ProbeOptions, Protocol, Service, Shared, tls};

const MAX_HEAD: usize = 16 * 1024;

/// Sends one request and reads the response head.
async fn request(net: &Net, s: &Service, req: &str) -> Result<(HttpHead, Vec<u8>), NetError> {
    let mut buf = Vec::new();
    let done = |b: &[u8]| b.windows(4).any(|w| w == b"\r\n\r\n");
    if s.protocol == Protocol::Https {
        let mut c = tls::client(net, s).await?;
        c.send_within(req.as_bytes(), net.io()).await?;
        c.read_until(&mut buf, MAX_HEAD, net.io(), done).await;
    } else {
        let t = Target {
            name: s.host.clone(),
            addr: s.addr,
        };
        let mut c = net.connect(&t, s.port).await?;
        c.send_within(req.as_bytes(), net.io()).await?;
        c.read_until(&mut buf, MAX_HEAD, net.io(), done).await;
    }
    let head = http_head(&buf).ok_or(NetError::Io("no HTTP response".into()))?;
    Ok((head, buf))
}

/// The request line and URI for the service: `GET /` or `DESCRIBE rtsp://host/`.
fn target_of(s: &Service, host: &str) -> (&'static str, String) {
    if s.protocol == Protocol::Rtsp {
        ("DESCRIBE", format!("rtsp://{host}/"))
    } else {
        ("GET", "/".to_string())
    }
}

/// A request carrying `extra` header lines.
fn make_request(s: &Service, host: &str, extra: &str) -> String {
    if s.protocol == Protocol::Rtsp {
        let (_, uri) = target_of(s, host);
        format!(
            "DESCRIBE {uri} RTSP/1.0\r\nCSeq: 2\r\nUser-Agent: iotcheck-probe\r\nAccept: application/sdp\r\n{extra}\r\n"
        )
    } else {
        http_get(host, "/", extra)
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The Digest `response` (RFC 7616 §3.4.1), MD5 or SHA-256.
pub(crate) fn digest_response(
    ch: &Challenge,
    user: &str,
    pass: &str,
    method: &str,
    uri: &str,
    cnonce: &str,
) -> Option<String> {
    let realm = ch.param("realm").unwrap_or("");
    let nonce = ch.param("nonce")?;
    let alg = ch.param("algorithm").unwrap_or("MD5").to_ascii_uppercase();
    let h = |s: String| -> Option<String> {
        match alg.as_str() {
            "MD5" => Some(hex(&Md5::digest(s.as_bytes()))),
            "SHA-256" => Some(hex(&Sha256::digest(s.as_bytes()))),
            _ => None,
        }
    };
    let ha1 = h(format!("{user}:{realm}:{pass}"))?;
    let ha2 = h(format!("{method}:{uri}"))?;
    let qop_auth = ch
        .param("qop")
        .is_some_and(|q| q.split(',').any(|x| x.trim() == "auth"));
    if qop_auth {
        h(format!("{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}"))
    } else {
        h(format!("{ha1}:{nonce}:{ha2}"))
    }
}

fn challenge_of(head: &HttpHead, scheme: &str) -> Option<Challenge> {
    head.headers_named("www-authenticate")
        .flat_map(challenges)
        .find(|c| c.scheme == scheme)
}

async fn try_login(
    net: Arc<Net>,
    s: Service,
    scheme: &'static str,
    c: Credential,
    show: bool,
) -> Attempt {
    let t = Target {
        name: s.host.clone(),
        addr: s.addr,
    };
    let host = host_header(&t, s.port);
    let (method, uri) = target_of(&s, &host);
    let mut tr = Transcript::new(show);
    let auth = if scheme == "basic" {
        let token = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            c.user,
            c.password.expose()
        ));
        tr.sent(&format!("{method} {uri}"));
        tr.sent_secret(
            &format!("Authorization: Basic base64({}:", c.user),
            &c.password,
            ")",
        );
        format!("Authorization: Basic {token}\r\n")
    } else {
        // A fresh nonce for each attempt.
        let (head, _) = match request(&net, &s, &make_request(&s, &host, "")).await {
            Ok(r) => r,
            Err(e) => return Attempt::Failed(e.to_string()),
        };
        let Some(ch) = challenge_of(&head, "digest") else {
            return Attempt::Failed("no Digest challenge".into());
        };
        let cnonce = "0a4f113b";
        let Some(resp) = digest_response(&ch, &c.user, c.password.expose(), method, &uri, cnonce)
        else {
            return Attempt::NotOffered("Digest algorithm not supported".into());
        };
        let mut h = format!(
            "Authorization: Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", response=\"{resp}\"",
            c.user,
            ch.param("realm").unwrap_or(""),
            ch.param("nonce").unwrap_or("")
        );
        if let Some(a) = ch.param("algorithm") {
            h.push_str(&format!(", algorithm={a}"));
        }
        if ch.param("qop").is_some() {
            h.push_str(&format!(", qop=auth, nc=00000001, cnonce=\"{cnonce}\""));
        }
        if let Some(o) = ch.param("opaque") {
            h.push_str(&format!(", opaque=\"{o}\""));
        }
        tr.sent(&format!("{method} {uri}"));
        tr.sent_secret(
            &format!("Authorization: Digest username=\"{}\" (password ", c.user),
            &c.password,
            ")",
        );
        format!("{h}\r\n")
    };
    match request(&net, &s, &make_request(&s, &host, &auth)).await {
        Ok((head, buf)) => {
            let status_line = buf.split(|&b| b == b'\n').next().unwrap_or(&[]);
            tr.received(status_line);
            let body = &buf[head.body_offset.min(buf.len())..];
            match head.status {
                429 | 503 => Attempt::Lockout(format!("HTTP {}", head.status)),
                // 401: the credential was refused. 407 is a proxy's.
                401 | 407 => lockout_sign(body).map_or(Attempt::Rejected, Attempt::Lockout),
                // Past authentication: the page itself may still be missing
                // (404) or forbidden to this user (403), but the login worked.
                _ => match lockout_sign(body) {
                    Some(sign) if head.status >= 400 => Attempt::Lockout(sign),
                    _ => Attempt::Accepted(scheme, tr.into_lines(), None),
                },
            }
        }
        Err(e) => Attempt::Failed(e.to_string()),
    }
}

pub(crate) async fn audit(net: &Arc<Net>, opts: &ProbeOptions, shared: &Shared, s: &Service) {
    let t = Target {
        name: s.host.clone(),
        addr: s.addr,
    };
    let Ok((head, _)) = request(net, s, &make_request(s, &host_header(&t, s.port), "")).await
    else {
        return;
    };
    if head.status != 401 {
        // No HTTP authentication on the front page: a login form, if any.
        if s.protocol != Protocol::Rtsp {
            crate::form::audit(net, opts, shared, s).await;
        }
        return;
    }
    let scheme: &'static str = if challenge_of(&head, "digest").is_some() {
        "digest"
    } else if challenge_of(&head, "basic").is_some() {
        "basic"
    } else {
        return;
    };
    let show = opts.show_secrets;
    let s2 = s.clone();
    let realm = challenge_of(&head, scheme)
        .and_then(|c| c.param("realm").map(str::to_string))
        .unwrap_or_default();
    audit::run(
        net,
        opts,
        shared,
        s,
        crate::creds::for_service(&opts.audit.credentials, s, &[&realm]),
        false,
        1,
        move |net, c| try_login(net, s2.clone(), scheme, c, show),
    )
    .await;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rfc2617_digest_example() {
        // RFC 2617 §3.5: Mufasa / Circle Of Life.
        let ch = challenges(
            r#"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#,
        );
        let r = digest_response(
            &ch[0],
            "Mufasa",
            "Circle Of Life",
            "GET",
            "/dir/index.html",
            "0a4f113b",
        )
        .unwrap();
        assert_eq!(r, "6629fae49393a05397450978507c4ef1");
    }
}
