//! Telnet logins (RFC 854): negotiation refused except echo and
//! suppress-go-ahead ([`crate::parse::TelnetFilter`]), then the login and
//! password prompts, and a shell prompt as the sign of success.
//!
//! Several credentials are tried on one connection while the device keeps
//! prompting again (`login` allows three), as a person at the console would.

use std::sync::Arc;
use std::time::Duration;

use crate::audit::{self, Attempt, lockout_sign};
use crate::identify::contains_ci;
use crate::parse::TelnetFilter;
use crate::scope::{Conn, IoExt, Net, Target};
use crate::transcript::Transcript;
use crate::{Credential, ProbeOptions, Service, Shared};

const MAX_SCREEN: usize = 16 * 1024;

/// Where the device is, judged from the end of what it printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Screen {
    Login,
    Password,
    Shell,
    Failed,
    Unknown,
}

/// Reads the last line the device printed: a user-name prompt, a password
/// prompt, a shell prompt (`#`, `$`, `>` at the end), or a rejection.
pub(crate) fn screen(text: &[u8]) -> Screen {
    let last = text
        .split(|&b| b == b'\n' || b == b'\r')
        .rev()
        .find(|l| !l.iter().all(u8::is_ascii_whitespace))
        .unwrap_or(&[]);
    let trimmed: Vec<u8> = last.trim_ascii().to_vec();
    let ends = |s: &[u8]| trimmed.to_ascii_lowercase().ends_with(s);
    if ends(b"password:") || ends(b"passwd:") || ends(b"password") {
        return Screen::Password;
    }
    if ends(b"login:")
        || ends(b"username:")
        || ends(b"user:")
        || ends(b"user name:")
        || ends(b"login")
    {
        return Screen::Login;
    }
    if contains_ci(last, b"incorrect")
        || contains_ci(last, b"failed")
        || contains_ci(last, b"denied")
        || contains_ci(last, b"invalid")
    {
        return Screen::Failed;
    }
    if matches!(trimmed.last(), Some(b'#' | b'$' | b'>' | b'%')) {
        return Screen::Shell;
    }
    Screen::Unknown
}

/// Reads until what arrived after `from` shows a prompt (or `wait` passes).
async fn read_screen(
    conn: &mut Conn,
    f: &mut TelnetFilter,
    text: &mut Vec<u8>,
    from: usize,
    wait: Duration,
) -> Screen {
    let end = std::time::Instant::now() + wait;
    loop {
        let s = screen(text.get(from..).unwrap_or_default());
        if s != Screen::Unknown && s != Screen::Failed {
            return s;
        }
        let left = end.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() || text.len() >= MAX_SCREEN {
            return s;
        }
        let mut raw = Vec::new();
        if conn.read_some(&mut raw, 4096, left).await.is_err() {
            return screen(text.get(from..).unwrap_or_default());
        }
        let mut reply = Vec::new();
        f.feed(&raw, text, &mut reply);
        if !reply.is_empty() && conn.send_within(&reply, left).await.is_err() {
            return screen(text.get(from..).unwrap_or_default());
        }
    }
}

/// Tries up to `batch` credentials on one connection.
async fn try_batch(
    net: Arc<Net>,
    s: Service,
    creds: Vec<Credential>,
    show: bool,
) -> Vec<(Credential, Attempt)> {
    let mut out = Vec::new();
    let t = Target {
        name: s.host.clone(),
        addr: s.addr,
    };
    let mut conn = match net.connect(&t, s.port).await {
        Ok(c) => c,
        Err(e) => return vec![(creds[0].clone(), Attempt::Failed(e.to_string()))],
    };
    let mut f = TelnetFilter::default();
    let mut text = Vec::new();
    let mut transcript = Transcript::new(show);
    let mut state = read_screen(&mut conn, &mut f, &mut text, 0, net.io()).await;
    // Where the part of the screen not yet in the transcript starts.
    let mut shown = 0usize;
    for c in creds {
        let mut mark = text.len();
        if state == Screen::Login {
            transcript.received(&text[shown..]);
            transcript.sent(&c.user);
            if conn
                .send_within(format!("{}\r\n", c.user).as_bytes(), net.io())
                .await
                .is_err()
            {
                out.push((c, Attempt::Failed("closed".into())));
                break;
            }
            state = read_screen(&mut conn, &mut f, &mut text, mark, net.io()).await;
            transcript.received(&text[mark..]);
            mark = text.len();
            if state == Screen::Shell {
                // No password asked at all.
                transcript.received_note("(shell without a password)");
                out.push((
                    c,
                    Attempt::Accepted("password", transcript.into_lines(), None),
                ));
                return out;
            }
        }
        if state != Screen::Password {
            if let Some(sign) = lockout_sign(&text) {
                out.push((c, Attempt::Lockout(sign)));
            } else {
                out.push((
                    c,
                    Attempt::Failed(format!("no login prompt (screen {state:?})")),
                ));
            }
            break;
        }
        transcript.sent_secret("", &c.password, "");
        if conn
            .send_within(format!("{}\r\n", c.password.expose()).as_bytes(), net.io())
            .await
            .is_err()
        {
            out.push((c, Attempt::Failed("closed".into())));
            break;
        }
        // A wrong password takes login(1) a few seconds to answer.
        state = read_screen(
            &mut conn,
            &mut f,
            &mut text,
            mark,
            net.io() + Duration::from_secs(1),
        )
        .await;
        transcript.received(&text[mark..]);
        shown = text.len();
        match state {
            Screen::Shell => {
                out.push((
                    c,
                    Attempt::Accepted("password", transcript.into_lines(), None),
                ));
                return out;
            }
            _ => {
                if let Some(sign) = lockout_sign(&text[mark..]) {
                    out.push((c, Attempt::Lockout(sign)));
                    break;
                }
                out.push((c, Attempt::Rejected));
                if state != Screen::Login {
                    break;
                }
                transcript = Transcript::new(show);
            }
        }
    }
    out
}

pub(crate) async fn audit(net: &Arc<Net>, opts: &ProbeOptions, shared: &Shared, s: &Service) {
    // Batches of three per connection, as login(1) allows.
    let creds: Vec<Credential> = crate::creds::for_service(&opts.audit.credentials, s, &[])
        .into_iter()
        .take(opts.audit.max_attempts)
        .collect();
    let batches: Vec<Credential> = creds;
    let show = opts.show_secrets;
    let s2 = s.clone();
    // The audit loop walks single credentials; group them here by giving
    // each task its credential plus the next two, run on one connection.
    let list = Arc::new(batches.clone());
    let index: Vec<Credential> = batches.iter().step_by(3).cloned().collect();
    audit::run(net, opts, shared, s, index, false, 3, move |net, first| {
        let list = list.clone();
        let s = s2.clone();
        async move {
            let start = list.iter().position(|c| *c == first).unwrap_or(0);
            let group: Vec<Credential> = list.iter().skip(start).take(3).cloned().collect();
            let results = try_batch(net, s, group, show).await;
            fold(results)
        }
    })
    .await;
}

/// One outcome for a batch: accepted (naming the accepted credential's
/// transcript) wins, then lockout, then failure, else rejected.
fn fold(results: Vec<(Credential, Attempt)>) -> Attempt {
    let mut worst = Attempt::Rejected;
    for (c, a) in results {
        match a {
            Attempt::Accepted(m, t, _) => return Attempt::Accepted(m, t, Some(c)),
            Attempt::Lockout(s) => worst = Attempt::Lockout(s),
            Attempt::Failed(e) if !matches!(worst, Attempt::Lockout(_)) => {
                worst = Attempt::Failed(e)
            }
            _ => {}
        }
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screens() {
        assert_eq!(screen(b"\r\nIPCam login: "), Screen::Login);
        assert_eq!(screen(b"Password: "), Screen::Password);
        assert_eq!(screen(b"BusyBox v1.35\r\n~ # "), Screen::Shell);
        assert_eq!(screen(b"\r\nLogin incorrect\r\n"), Screen::Failed);
        assert_eq!(screen(b"\r\nLogin incorrect\r\ncam login: "), Screen::Login);
        assert_eq!(screen(b""), Screen::Unknown);
    }
}
