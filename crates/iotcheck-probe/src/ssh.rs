//! SSH logins through russh: password (RFC 4252 §8) and, where the server
//! offers it instead, keyboard-interactive (RFC 4256) answering every
//! prompt with the password. The server's host key is accepted unseen: we
//! audit the device, we do not trust it with anything.

use std::sync::Arc;
use std::time::Duration;

use russh::client::{self, AuthResult, KeyboardInteractiveAuthResponse};
use russh::{MethodKind, MethodSet};

use crate::audit::{self, Attempt};
use crate::scope::{Net, Target};
use crate::transcript::Transcript;
use crate::{Credential, ProbeOptions, Service, Shared};

#[derive(Debug)]
struct AnyHostKey;

impl client::Handler for AnyHostKey {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        _key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

fn config(net: &Net) -> Arc<client::Config> {
    Arc::new(client::Config {
        inactivity_timeout: Some(net.limits().io_timeout * 2),
        ..client::Config::default()
    })
}

fn offers(m: &MethodSet, k: MethodKind) -> bool {
    m.contains(&k)
}

/// Logins tried on one SSH connection (dropbear allows 10, OpenSSH 6):
/// fewer connections, so fewer trip a per-address limit such as dropbear's
/// five unauthenticated connections.
const PER_CONNECTION: usize = 5;

/// SSH logins in flight at once per service, whatever `--per-service` says:
/// SSH servers limit unauthenticated connections per address.
const MAX_IN_FLIGHT: usize = 2;

async fn try_batch(net: Arc<Net>, s: Service, creds: Vec<Credential>, show: bool) -> Attempt {
    let limit = net.bounded(net.limits().io_timeout * 3);
    match tokio::time::timeout(limit, login(&net, &s, &creds, show)).await {
        Ok(a) => a,
        Err(_) => Attempt::Failed(format!("no answer within {} ms", limit.as_millis())),
    }
}

async fn login(net: &Net, s: &Service, creds: &[Credential], show: bool) -> Attempt {
    let t = Target {
        name: s.host.clone(),
        addr: s.addr,
    };
    let conn = match net.connect(&t, s.port).await {
        Ok(c) => c,
        Err(e) => return Attempt::Failed(e.to_string()),
    };
    let mut h = match client::connect_stream(config(net), conn, AnyHostKey).await {
        Ok(h) => h,
        Err(e) => return Attempt::Failed(format!("SSH handshake: {e}")),
    };
    let mut outcome = Attempt::Rejected;
    let mut keyboard = false;
    for c in creds {
        let mut tr = Transcript::new(show);
        if let Some(b) = &s.banner {
            tr.received(b.as_bytes());
        }
        let attempt = if keyboard {
            keyboard_interactive(&mut h, c, tr).await
        } else {
            tr.sent_secret(
                &format!("userauth password user={} password=", c.user),
                &c.password,
                "",
            );
            match h
                .authenticate_password(c.user.clone(), c.password.expose())
                .await
            {
                Ok(AuthResult::Success) => {
                    tr.received_note("USERAUTH_SUCCESS");
                    Attempt::Accepted("password", tr.into_lines(), None)
                }
                Ok(AuthResult::Failure {
                    remaining_methods, ..
                }) => {
                    tr.received_note("USERAUTH_FAILURE");
                    if offers(&remaining_methods, MethodKind::Password) {
                        Attempt::Rejected
                    } else if offers(&remaining_methods, MethodKind::KeyboardInteractive) {
                        keyboard = true;
                        keyboard_interactive(&mut h, c, tr).await
                    } else {
                        Attempt::NotOffered(
                            "the SSH server offers no password or keyboard-interactive login"
                                .into(),
                        )
                    }
                }
                Err(e) => Attempt::Failed(e.to_string()),
            }
        };
        match attempt {
            Attempt::Rejected => {}
            Attempt::Accepted(m, t, _) => {
                outcome = Attempt::Accepted(m, t, Some(c.clone()));
                break;
            }
            other => {
                outcome = other;
                break;
            }
        }
    }
    let _ = tokio::time::timeout(
        Duration::from_millis(200),
        h.disconnect(russh::Disconnect::ByApplication, "", "en"),
    )
    .await;
    outcome
}

async fn keyboard_interactive(
    h: &mut client::Handle<AnyHostKey>,
    c: &Credential,
    mut tr: Transcript,
) -> Attempt {
    tr.sent(&format!("userauth keyboard-interactive user={}", c.user));
    let mut resp = match h
        .authenticate_keyboard_interactive_start(c.user.clone(), None)
        .await
    {
        Ok(r) => r,
        Err(e) => return Attempt::Failed(e.to_string()),
    };
    for _ in 0..4 {
        match resp {
            KeyboardInteractiveAuthResponse::Success => {
                tr.received_note("USERAUTH_SUCCESS");
                return Attempt::Accepted("keyboard-interactive", tr.into_lines(), None);
            }
            KeyboardInteractiveAuthResponse::Failure { .. } => {
                tr.received_note("USERAUTH_FAILURE");
                return Attempt::Rejected;
            }
            KeyboardInteractiveAuthResponse::InfoRequest { prompts, .. } => {
                for p in &prompts {
                    tr.received_note(&p.prompt);
                    tr.sent_secret("", &c.password, "");
                }
                let answers = prompts
                    .iter()
                    .map(|_| c.password.expose().to_string())
                    .collect();
                resp = match h.authenticate_keyboard_interactive_respond(answers).await {
                    Ok(r) => r,
                    Err(e) => return Attempt::Failed(e.to_string()),
                };
            }
        }
    }
    Attempt::Rejected
}

pub(crate) async fn audit(net: &Arc<Net>, opts: &ProbeOptions, shared: &Shared, s: &Service) {
    let show = opts.show_secrets;
    let s2 = s.clone();
    let mut opts = opts.clone();
    opts.audit.per_service = opts.audit.per_service.min(MAX_IN_FLIGHT);
    let list: Vec<Credential> = crate::creds::for_service(&opts.audit.credentials, s, &[])
        .into_iter()
        .take(opts.audit.max_attempts)
        .collect();
    let list = Arc::new(list);
    let starts: Vec<Credential> = list.iter().step_by(PER_CONNECTION).cloned().collect();
    audit::run(
        net,
        &opts,
        shared,
        s,
        starts,
        false,
        PER_CONNECTION,
        move |net, first| {
            let list = list.clone();
            let start = list.iter().position(|c| *c == first).unwrap_or(0);
            let group: Vec<Credential> = list
                .iter()
                .skip(start)
                .take(PER_CONNECTION)
                .cloned()
                .collect();
            try_batch(net, s2.clone(), group, show)
        },
    )
    .await;
}
