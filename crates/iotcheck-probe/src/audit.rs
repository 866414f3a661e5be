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

/// Rejected logins in a row whose times are compared.
const SLOW_WINDOW: usize = 3;
/// Each of them took at least this much longer than the one before (in
/// percent)...
const SLOW_STEP_PERCENT: u32 = 110;
/// ...and at least this much more (growth smaller than this is jitter)...
const SLOW_STEP_MIN: Duration = Duration::from_millis(100);
/// ...the last at least this many times the fastest rejection...
const SLOW_RATIO: u32 = 2;
/// ...and at least this long (a 5 ms answer taking 12 ms is no throttle).
const SLOW_FLOOR: Duration = Duration::from_millis(1000);

/// What [`Slowdown`] makes of a rejected login's time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pace {
    Steady,
    /// Growing while several logins were in flight: a device that serves
    /// one request at a time looks the same, so go on one at a time.
    Serial,
    /// Growing with one login at a time: the note to stop with.
    Lockout(String),
}

/// Watches how long each rejected login takes on one service. Devices that
/// throttle logins answer each wrong password later than the last until
/// they lock the account; stopping while the delay keeps growing spares
/// the device's owner that lockout. Growing means [`SLOW_WINDOW`]
/// rejections in a row each at least [`SLOW_STEP_PERCENT`] % and
/// [`SLOW_STEP_MIN`] slower than the one before, the last at least
/// [`SLOW_RATIO`] times the fastest rejection and over [`SLOW_FLOOR`]. A fixed delay
/// after every failure (lighttpd waits a second before each 401) does not
/// grow, and is no sign. Times measured with several logins in flight are
/// only a suspicion: a device serving one request at a time answers the
/// later ones of a batch later too. So the first suspicion turns the rest
/// of the list to one login at a time, where the same rule decides.
#[derive(Debug, Default)]
pub(crate) struct Slowdown {
    /// Fastest rejection seen.
    fastest: Option<Duration>,
    /// The last rejections that count, oldest first.
    window: std::collections::VecDeque<Duration>,
    /// One login at a time from now on.
    serial: bool,
}

impl Slowdown {
    /// Whether the next login must run alone.
    pub fn one_at_a_time(&self) -> bool {
        self.serial
    }

    fn growing(&self) -> bool {
        let w: Vec<Duration> = self.window.iter().copied().collect();
        let (Some(fastest), Some(last)) = (self.fastest, w.last()) else {
            return false;
        };
        w.len() >= SLOW_WINDOW
            && w.windows(2).all(|p| match p {
                [a, b] => {
                    *b >= a.saturating_mul(SLOW_STEP_PERCENT) / 100
                        && *b >= a.saturating_add(SLOW_STEP_MIN)
                }
                _ => false,
            })
            && *last >= fastest.saturating_mul(SLOW_RATIO)
            && *last >= SLOW_FLOOR
    }

    /// A login was rejected after `took`; `alone` when no other login of
    /// this service overlapped it; `failures` logins rejected so far.
    pub fn rejected(&mut self, took: Duration, alone: bool, failures: usize) -> Pace {
        self.fastest = Some(self.fastest.map_or(took, |f| f.min(took)));
        if self.serial && !alone {
            // Logins started before the switch, still finishing.
            return Pace::Steady;
        }
        self.window.push_back(took);
        while self.window.len() > SLOW_WINDOW {
            self.window.pop_front();
        }
        if !self.growing() {
            return Pace::Steady;
        }
        if alone {
            let from = self.fastest.unwrap_or(took);
            return Pace::Lockout(format!(
                "stopped: replies slowed from {} ms to {} ms after {failures} failures; possible lockout",
                from.as_millis(),
                took.as_millis()
            ));
        }
        self.serial = true;
        self.window.clear();
        Pace::Serial
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
                if let Pace::Lockout(why) = pace.rejected(took, alone, attempts)
                    && !done
                {
                    stopped = Some(why);
                    done = true;
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

    fn feed(p: &mut Slowdown, times: &[u64], alone: bool) -> Vec<Pace> {
        times
            .iter()
            .enumerate()
            .map(|(i, &t)| p.rejected(ms(t), alone, i + 1))
            .collect()
    }

    #[test]
    fn growing_delays_alone_stop_the_audit() {
        let mut p = Slowdown::default();
        let paces = feed(&mut p, &[40, 300, 600, 1200], true);
        assert_eq!(paces[..3], [Pace::Steady, Pace::Steady, Pace::Steady]);
        assert_eq!(
            paces[3],
            Pace::Lockout(
                "stopped: replies slowed from 40 ms to 1200 ms after 4 failures; possible lockout"
                    .into()
            )
        );
    }

    #[test]
    fn a_linear_throttle_is_caught_once_over_the_floor() {
        let times: Vec<u64> = (0..12).map(|n| n * 250).collect();
        let paces = feed(&mut Slowdown::default(), &times, true);
        let first = paces.iter().position(|p| matches!(p, Pace::Lockout(_)));
        assert_eq!(first, Some(4), "{paces:?}"); // at 1000 ms
    }

    #[test]
    fn a_fixed_delay_or_jitter_is_no_lockout() {
        // lighttpd: the first 401 at once, every later one after a second.
        let mut p = Slowdown::default();
        let paces = feed(&mut p, &[0, 1001, 1001, 1002, 1000, 1003, 1001], true);
        assert!(paces.iter().all(|x| *x == Pace::Steady), "{paces:?}");
        // Slow growth under the floor, or a spike that recovers.
        let paces = feed(
            &mut Slowdown::default(),
            &[10, 100, 300, 700, 40, 1500, 60],
            true,
        );
        assert!(paces.iter().all(|x| *x == Pace::Steady), "{paces:?}");
    }

    #[test]
    fn growth_under_parallel_logins_goes_one_at_a_time() {
        // A device serving one request at a time: a batch of four finishes
        // at T, 2T, 3T, 4T; alone each takes T.
        let mut p = Slowdown::default();
        p.rejected(ms(400), true, 1);
        let paces = feed(&mut p, &[400, 800, 1200], false);
        assert_eq!(paces[2], Pace::Serial);
        assert!(p.one_at_a_time());
        // The batch still finishing does not count.
        assert_eq!(p.rejected(ms(1600), false, 5), Pace::Steady);
        let paces = feed(&mut p, &[410, 400, 420, 405], true);
        assert!(paces.iter().all(|x| *x == Pace::Steady), "{paces:?}");
        // A throttling device keeps growing alone as well.
        let mut p = Slowdown::default();
        p.rejected(ms(10), true, 1);
        assert_eq!(feed(&mut p, &[300, 600, 1200], false)[2], Pace::Serial);
        let paces = feed(&mut p, &[1500, 2400, 4000], true);
        assert!(matches!(paces[2], Pace::Lockout(_)), "{paces:?}");
    }
}
