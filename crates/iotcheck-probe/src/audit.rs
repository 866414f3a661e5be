//! The default-credential audit loop shared by every protocol: walks the
//! list in order with a few logins in flight per service, stops at the
//! first accepted credential (one is proof enough, and every extra login
//! risks a lockout), at [`crate::Audit::max_attempts`], at the budget, or
//! when the service shows lockout signs: a lockout message, or it stops
//! accepting connections.

use std::future::Future;
use std::sync::Arc;

use iotcheck_model::TranscriptLine;

use crate::identify::contains_ci;
use crate::scope::Net;
use crate::{AuditRun, CredFinding, Credential, ProbeOptions, Service, Shared, with};

/// How one login went.
#[derive(Debug)]
pub(crate) enum Attempt {
    /// Accepted: method, transcript, and the credential when it is not
    /// the one the attempt started with (batched logins).
    Accepted(&'static str, Vec<TranscriptLine>, Option<Credential>),
    Rejected,
    /// The service will not let us log in with this method at all
    /// (e.g. SSH without password authentication): stop, it is no finding.
    NotOffered(String),
    /// A lockout sign, quoted.
    Lockout(String),
    /// The connection failed (refused, reset, timed out).
    Failed(String),
}

/// Phrases services use when they lock an account or ban a client.
const LOCKOUT: &[&[u8]] = &[
    b"locked",
    b"too many",
    b"blocked",
    b"try again later",
    b"temporarily disabled",
    b"banned",
    b"max connections",
];

/// The lockout phrase in `reply`, if any.
pub(crate) fn lockout_sign(reply: &[u8]) -> Option<String> {
    LOCKOUT
        .iter()
        .find(|p| contains_ci(reply, p))
        .map(|p| String::from_utf8_lossy(p).into_owned())
}

/// Consecutive failed connections after which a service counts as
/// refusing us (a ban, or the device falling over).
const MAX_CONSECUTIVE_FAILURES: usize = 3;

/// Runs `try_one` over the credential list for service `s`.
///
/// The first credential runs alone: it is the anonymous login where the
/// protocol has one, and it tells whether the service offers password
/// logins at all before several connections are opened. With
/// `past_anonymous`, an accepted anonymous login does not end the audit
/// (an FTP server may also have a default account). `batch` is how many
/// logins one call of `try_one` makes (several on one connection), for the
/// attempt count.
#[allow(clippy::too_many_arguments)] // one audit's whole setting, used by every protocol
pub(crate) async fn run<F, Fut>(
    net: &Arc<Net>,
    opts: &ProbeOptions,
    shared: &Shared,
    s: &Service,
    creds: Vec<Credential>,
    past_anonymous: bool,
    batch: usize,
    try_one: F,
) where
    F: Fn(Arc<Net>, Credential) -> Fut,
    Fut: Future<Output = Attempt> + Send + 'static,
{
    let mut attempts = 0usize;
    let mut stopped: Option<String> = None;
    let mut failures = 0usize;
    let mut note: Option<String> = None;
    let list: Vec<Credential> = creds.into_iter().take(opts.audit.max_attempts).collect();
    let mut queue = list.into_iter();
    let mut tasks = tokio::task::JoinSet::new();
    let mut done = false;
    loop {
        let width = if attempts == 0 {
            1
        } else {
            opts.audit.per_service.max(1)
        };
        while !done && tasks.len() < width {
            let Some(c) = queue.next() else { break };
            if net.spent() {
                stopped = Some("the time budget was spent".into());
                done = true;
                break;
            }
            let fut = try_one(net.clone(), c.clone());
            tasks.spawn(async move { (c, fut.await) });
        }
        let Some(next) = tasks.join_next().await else {
            break;
        };
        let Ok((cred, outcome)) = next else { continue };
        attempts += if matches!(outcome, Attempt::Rejected) {
            batch.max(1)
        } else {
            1
        };
        match outcome {
            Attempt::Accepted(method, transcript, actual) => {
                failures = 0;
                let cred = actual.unwrap_or(cred);
                let anonymous = method == "anonymous";
                if !done {
                    with(shared, |f| {
                        f.creds.push(CredFinding {
                            service: s.clone(),
                            method,
                            user: cred.user.clone(),
                            password: cred.password.clone(),
                            transcript,
                        });
                    });
                }
                if !(anonymous && past_anonymous) {
                    done = true;
                }
            }
            Attempt::Rejected => failures = 0,
            Attempt::NotOffered(why) => {
                note = Some(why);
                done = true;
            }
            Attempt::Lockout(sign) => {
                stopped = Some(format!("stopped: lockout sign {sign:?}"));
                done = true;
            }
            Attempt::Failed(e) => {
                failures += 1;
                if failures >= MAX_CONSECUTIVE_FAILURES && !done {
                    stopped = Some(format!(
                        "stopped: {failures} logins in a row failed to connect ({e}); possible ban or lockout"
                    ));
                    done = true;
                }
            }
        }
        if done {
            tasks.abort_all();
        }
    }
    with(shared, |f| {
        f.audits.push(AuditRun {
            service: s.clone(),
            attempts,
            stopped,
            note,
        });
    });
}
