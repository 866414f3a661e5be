//! The default-credential audit loop shared by every protocol: walks the
//! list in order with a few logins in flight per service, stops at the
//! first accepted credential (one is proof enough, and every extra login
//! risks a lockout), at [`crate::Audit::max_attempts`], at the budget, or
//! when the service shows lockout signs: a lockout message, it stops
//! accepting connections, or its answers to wrong passwords slow down
//! ([`Slowdown`]: the growing delays of login throttling, RFC 4252 §4's
//! advice for SSH and common in embedded logins, which end in a lockout).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

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

/// A rejected login counts as slow when it took at least this many times
/// the fastest one measured alone...
const SLOW_RATIO: u32 = 2;
/// ...and at least this long (a 5 ms answer taking 12 ms is noise).
const SLOW_FLOOR: Duration = Duration::from_millis(1000);
/// Slow rejections in a row that raise suspicion.
const SLOW_RUN: usize = 2;

/// What [`Slowdown`] makes of a rejected login's time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pace {
    Steady,
    /// Slow while several logins were in flight: a device that serves one
    /// request at a time looks the same, so measure the next one alone.
    Confirm,
    /// Slow alone too: the note to stop with.
    Lockout(String),
}

/// Watches how long each rejected login takes on one service. Devices that
/// throttle logins answer each wrong password later than the last until
/// they lock the account; stopping when the delay has clearly grown (at
/// least [`SLOW_RATIO`] times the fastest rejection measured alone, and
/// over [`SLOW_FLOOR`], [`SLOW_RUN`] times in a row) spares the device's
/// owner that lockout. Times measured with several logins in flight are
/// only a suspicion: a device that serves one request at a time also
/// answers later under parallel logins, so a suspicion is confirmed by one
/// login alone; when that one is fast, the rest of the list runs one at a
/// time and is judged by the same rule.
#[derive(Debug, Default)]
pub(crate) struct Slowdown {
    /// Fastest rejection measured alone.
    baseline: Option<Duration>,
    /// Slow rejections in a row (of those that count).
    run: usize,
    confirming: bool,
    /// The device slowed under parallel logins but not alone: one at a time.
    serial: bool,
}

impl Slowdown {
    /// Whether the next login must run alone.
    pub fn one_at_a_time(&self) -> bool {
        self.confirming || self.serial
    }

    /// A login was rejected after `took`; `alone` when no other login of
    /// this service overlapped it; `failures` logins rejected so far.
    pub fn rejected(&mut self, took: Duration, alone: bool, failures: usize) -> Pace {
        if alone {
            self.baseline = Some(self.baseline.map_or(took, |b| b.min(took)));
        }
        let Some(base) = self.baseline else {
            return Pace::Steady;
        };
        let slow = took >= SLOW_FLOOR && took >= base.saturating_mul(SLOW_RATIO);
        let lockout = || {
            Pace::Lockout(format!(
                "stopped: replies slowed from {} ms to {} ms after {failures} failures; possible lockout",
                base.as_millis(),
                took.as_millis()
            ))
        };
        if self.confirming {
            // Only the login run alone settles it; overlapping ones still
            // finishing are left out.
            if !alone {
                return Pace::Steady;
            }
            self.confirming = false;
            if slow {
                return lockout();
            }
            self.serial = true;
            self.run = 0;
            return Pace::Steady;
        }
        if !slow {
            self.run = 0;
            return Pace::Steady;
        }
        self.run += 1;
        if self.run < SLOW_RUN {
            return Pace::Steady;
        }
        if alone {
            lockout()
        } else {
            self.confirming = true;
            Pace::Confirm
        }
    }
}

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
    let mut keys: Vec<&str> = Vec::new();
    for k in list.iter().flat_map(|c| &c.products) {
        if !keys.contains(&k.as_str()) {
            keys.push(k);
        }
    }
    if !keys.is_empty() {
        let n = format!(
            "{} on port {}: vendor-specific credentials for {} tried first",
            s.protocol.name(),
            s.port,
            keys.join(", ")
        );
        with(shared, |f| f.notes.push(format!("{}: {n}", s.host)));
    }
    let mut queue = list.into_iter();
    let mut tasks = tokio::task::JoinSet::new();
    let mut done = false;
    let mut pace = Slowdown::default();
    loop {
        let width = if attempts == 0 || pace.one_at_a_time() {
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
            // With width 1 nothing else starts until this one ends.
            let alone = width == 1 && tasks.is_empty();
            let fut = try_one(net.clone(), c.clone());
            tasks.spawn(async move {
                let start = Instant::now();
                let outcome = fut.await;
                (c, outcome, start.elapsed(), alone)
            });
        }
        let Some(next) = tasks.join_next().await else {
            break;
        };
        let Ok((cred, outcome, took, alone)) = next else {
            continue;
        };
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
            Attempt::Rejected => {
                failures = 0;
                if let Pace::Lockout(why) = pace.rejected(took, alone, attempts) {
                    if !done {
                        stopped = Some(why);
                        done = true;
                    }
                }
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn growing_delays_alone_stop_the_audit() {
        let mut p = Slowdown::default();
        assert_eq!(p.rejected(ms(40), true, 1), Pace::Steady);
        assert_eq!(p.rejected(ms(900), true, 2), Pace::Steady); // under the floor
        assert_eq!(p.rejected(ms(1500), true, 3), Pace::Steady); // one slow
        match p.rejected(ms(3000), true, 4) {
            Pace::Lockout(n) => assert_eq!(
                n,
                "stopped: replies slowed from 40 ms to 3000 ms after 4 failures; possible lockout"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_slow_answer_that_recovers_is_no_lockout() {
        let mut p = Slowdown::default();
        p.rejected(ms(40), true, 1);
        assert_eq!(p.rejected(ms(1500), true, 2), Pace::Steady);
        assert_eq!(p.rejected(ms(50), true, 3), Pace::Steady);
        assert_eq!(p.rejected(ms(1500), true, 4), Pace::Steady);
    }

    #[test]
    fn slow_under_parallel_logins_is_confirmed_alone() {
        // A device serving one request at a time: slow in parallel, fast alone.
        let mut p = Slowdown::default();
        p.rejected(ms(400), true, 1);
        assert_eq!(p.rejected(ms(1600), false, 2), Pace::Steady);
        assert_eq!(p.rejected(ms(1600), false, 3), Pace::Confirm);
        assert!(p.one_at_a_time());
        // Overlapping logins still finishing do not decide.
        assert_eq!(p.rejected(ms(1700), false, 4), Pace::Steady);
        assert_eq!(p.rejected(ms(420), true, 5), Pace::Steady);
        assert!(p.one_at_a_time(), "the rest runs one at a time");
        // A throttling device: slow alone as well.
        let mut p = Slowdown::default();
        p.rejected(ms(10), true, 1);
        p.rejected(ms(1200), false, 2);
        assert_eq!(p.rejected(ms(1500), false, 3), Pace::Confirm);
        assert!(matches!(p.rejected(ms(2400), true, 4), Pace::Lockout(_)));
    }
}
