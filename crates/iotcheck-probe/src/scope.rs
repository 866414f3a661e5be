//! The target scope and the only place in iotcheck that opens sockets.
//!
//! A [`Scope`] is parsed once from the names the user gave: IP literals are
//! taken as they are, host names are resolved **once** and pinned to the
//! address they resolved to. Ranges (`10.0.0.0/24`, `10.0.0.1-20`),
//! wildcards, unspecified, broadcast and multicast addresses are refused, so a
//! probe can never sweep a network. [`Net`] is then the one door to the
//! network: it connects only to a [`Target`] handed out by the scope (and
//! re-checks the address), and enforces the bounds of [`Limits`]: how many
//! connections at once, how many per second, a timeout on every connect and
//! read, and the global time budget. Nothing else in iotcheck calls
//! `TcpStream::connect` or binds a UDP socket: `clippy.toml` refuses those
//! calls (and `russh::client::connect`) everywhere but here, so a new
//! connection path cannot bypass the scope without an explicit `allow`.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore};

use crate::{Limits, ProbeError};

/// One host the user named, pinned to the address it resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The name as the user gave it (report and certificate name checks use it).
    pub name: String,
    /// The one address iotcheck talks to for this name.
    pub addr: IpAddr,
}

/// The validated set of hosts a probe may contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    targets: Vec<Target>,
}

impl Scope {
    /// Validates and resolves the names the user gave. Each host name is
    /// resolved once, here; later connections use the pinned address only.
    pub fn resolve(names: &[String]) -> Result<Scope, ProbeError> {
        if names.is_empty() {
            return Err(ProbeError::NoTargets);
        }
        let mut targets: Vec<Target> = Vec::new();
        for name in names {
            let t = resolve_one(name)?;
            if !targets.iter().any(|x| x.addr == t.addr) {
                targets.push(t);
            }
        }
        Ok(Scope { targets })
    }

    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// Whether `addr` is one of the pinned addresses.
    pub fn contains(&self, addr: IpAddr) -> bool {
        self.targets.iter().any(|t| t.addr == addr)
    }
}

fn resolve_one(name: &str) -> Result<Target, ProbeError> {
    let refuse = |reason: &'static str| ProbeError::OutOfScope {
        target: name.to_string(),
        reason,
    };
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(refuse("empty host name"));
    }
    if trimmed.contains('/') {
        return Err(refuse(
            "address ranges (CIDR) are refused: name each device explicitly",
        ));
    }
    if trimmed.contains('*') || trimmed.contains('?') {
        return Err(refuse("wildcards are refused: name each device explicitly"));
    }
    let bracketed = trimmed.starts_with('[') || trimmed.ends_with(']');
    let bare = unbracket(trimmed);
    if bracketed && !matches!(bare.parse::<IpAddr>(), Ok(IpAddr::V6(_))) {
        return Err(refuse(
            "brackets enclose an IPv6 address only, without a port: [2001:db8::1]; ports go in --ports",
        ));
    }
    let addr = if let Ok(ip) = bare.parse::<IpAddr>() {
        ip
    } else {
        if bare.contains(',') || (bare.contains('-') && looks_like_ip_range(bare)) {
            return Err(refuse(
                "address ranges are refused: name each device explicitly",
            ));
        }
        if !is_host_name(bare) {
            return Err(refuse("not an IP address or host name"));
        }
        let mut addrs = (bare, 0u16)
            .to_socket_addrs()
            .map_err(|e| ProbeError::Resolve {
                target: name.to_string(),
                message: e.to_string(),
            })?;
        let Some(first) = addrs.next() else {
            return Err(ProbeError::Resolve {
                target: name.to_string(),
                message: "no address".into(),
            });
        };
        first.ip()
    };
    if addr.is_unspecified() {
        return Err(refuse("the unspecified address reaches every interface"));
    }
    if addr.is_multicast() {
        return Err(refuse("multicast addresses reach many hosts"));
    }
    if let IpAddr::V4(v4) = addr
        && (v4.is_broadcast() || v4.octets()[3] == 255 && !v4.is_loopback())
    {
        return Err(refuse("broadcast addresses reach many hosts"));
    }
    Ok(Target {
        name: trimmed.to_string(),
        addr,
    })
}

/// An IPv6 literal as written in URLs, `[::1]`, without its brackets; any
/// other name as is (unbalanced brackets are kept, so they fail to parse).
pub fn unbracket(name: &str) -> &str {
    name.strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name)
}

/// `10.0.0.1-20` style ranges: digits, dots and a dash.
fn looks_like_ip_range(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        && s.contains('.')
}

/// RFC 1123 host name: labels of letters, digits and inner hyphens.
fn is_host_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.trim_end_matches('.').split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// Why a network operation did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    #[error("{addr} is outside the probe's scope")]
    OutOfScope { addr: IpAddr },
    #[error("the probe's time budget is spent")]
    BudgetSpent,
    #[error("timed out after {ms} ms")]
    Timeout { ms: u128 },
    #[error("connection refused")]
    Refused,
    #[error("connection closed")]
    Closed,
    #[error("{0}")]
    Io(String),
}

impl NetError {
    fn from_io(e: &std::io::Error) -> NetError {
        match e.kind() {
            std::io::ErrorKind::ConnectionRefused => NetError::Refused,
            std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::BrokenPipe
            | std::io::ErrorKind::UnexpectedEof => NetError::Closed,
            _ => NetError::Io(e.to_string()),
        }
    }
}

/// The door to the network: scope, concurrency, rate, timeouts, budget.
#[derive(Debug)]
pub struct Net {
    scope: Scope,
    limits: Limits,
    slots: Arc<Semaphore>,
    /// The earliest instant the next connection may start (rate limit).
    next_start: Mutex<Instant>,
    deadline: Instant,
}

impl Net {
    pub fn new(scope: Scope, limits: Limits) -> Net {
        let now = Instant::now();
        Net {
            slots: Arc::new(Semaphore::new(limits.concurrency.max(1))),
            next_start: Mutex::new(now),
            deadline: now + limits.budget,
            scope,
            limits,
        }
    }

    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Time left in the global budget.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    pub fn spent(&self) -> bool {
        self.remaining().is_zero()
    }

    /// The per-read timeout, cut to what is left of the budget.
    pub fn io(&self) -> Duration {
        self.bounded(self.limits.io_timeout)
    }

    /// `d`, cut to what is left of the budget.
    pub fn bounded(&self, d: Duration) -> Duration {
        d.min(self.remaining())
    }

    async fn admit(&self, addr: IpAddr) -> Result<OwnedSemaphorePermit, NetError> {
        if !self.scope.contains(addr) {
            return Err(NetError::OutOfScope { addr });
        }
        let permit = tokio::time::timeout(self.remaining(), self.slots.clone().acquire_owned())
            .await
            .map_err(|_| NetError::BudgetSpent)?
            .map_err(|_| NetError::BudgetSpent)?;
        // Rate limit: connections start at least 1/rate apart.
        let wait = {
            let mut next = self.next_start.lock().await;
            let now = Instant::now();
            let start = (*next).max(now);
            let gap = Duration::from_secs_f64(1.0 / f64::from(self.limits.rate.max(1)));
            *next = start + gap;
            start.saturating_duration_since(now)
        };
        if wait >= self.remaining() {
            return Err(NetError::BudgetSpent);
        }
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        Ok(permit)
    }

    /// Opens a TCP connection to `target:port`. The connection holds one
    /// concurrency slot until dropped.
    pub async fn connect(&self, target: &Target, port: u16) -> Result<Conn, NetError> {
        let permit = self.admit(target.addr).await?;
        let t = self.bounded(self.limits.connect_timeout);
        if t.is_zero() {
            return Err(NetError::BudgetSpent);
        }
        let addr = SocketAddr::new(target.addr, port);
        // The one connect in iotcheck (clippy.toml refuses it elsewhere):
        // `target` came from the scope and `admit` re-checked its address.
        #[allow(clippy::disallowed_methods)]
        let connecting = TcpStream::connect(addr);
        let stream = match tokio::time::timeout(t, connecting).await {
            Err(_) => {
                return Err(if self.spent() {
                    NetError::BudgetSpent
                } else {
                    NetError::Timeout { ms: t.as_millis() }
                });
            }
            Ok(Err(e)) => return Err(NetError::from_io(&e)),
            Ok(Ok(s)) => s,
        };
        let _ = stream.set_nodelay(true);
        Ok(Conn {
            stream,
            _permit: permit,
        })
    }

    /// Sends UDP datagrams to `target:port` (one per payload, from one
    /// socket) and returns the first reply from that same address (at most
    /// `max` bytes), or `None` on timeout.
    pub async fn udp_exchange(
        &self,
        target: &Target,
        port: u16,
        payloads: &[&[u8]],
        wait: Duration,
        max: usize,
    ) -> Result<Option<Vec<u8>>, NetError> {
        let _permit = self.admit(target.addr).await?;
        let local: SocketAddr = if target.addr.is_ipv4() {
            "0.0.0.0:0"
        } else {
            "[::]:0"
        }
        .parse()
        .map_err(|_| NetError::Io("bad local address".into()))?;
        // The one UDP socket in iotcheck (clippy.toml refuses it elsewhere);
        // it only ever sends to `target`, an address of the scope.
        #[allow(clippy::disallowed_methods)]
        let binding = UdpSocket::bind(local);
        let sock = binding.await.map_err(|e| NetError::from_io(&e))?;
        let peer = SocketAddr::new(target.addr, port);
        // `connect` makes the kernel drop datagrams from anyone else.
        sock.connect(peer)
            .await
            .map_err(|e| NetError::from_io(&e))?;
        for payload in payloads {
            sock.send(payload)
                .await
                .map_err(|e| NetError::from_io(&e))?;
        }
        let mut buf = vec![0u8; max.min(65_535)];
        match tokio::time::timeout(self.bounded(wait), sock.recv(&mut buf)).await {
            Err(_) => Ok(None),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => Ok(None),
            Ok(Err(e)) => Err(NetError::from_io(&e)),
            Ok(Ok(n)) => {
                buf.truncate(n);
                Ok(Some(buf))
            }
        }
    }
}

/// An open TCP connection inside the scope. It holds one concurrency slot
/// until dropped; reads and writes go through [`IoExt`], bounded.
#[derive(Debug)]
pub struct Conn {
    stream: TcpStream,
    _permit: OwnedSemaphorePermit,
}

/// A byte stream to a service: a [`Conn`], or TLS over one.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Bounded reads and writes for any [`Io`]: every call has a time limit and
/// a byte limit, so a tarpit or an endless banner costs at most that.
pub trait IoExt: Io {
    /// Writes all of `bytes` within `wait`.
    fn send_within(
        &mut self,
        bytes: &[u8],
        wait: Duration,
    ) -> impl std::future::Future<Output = Result<(), NetError>> + Send {
        async move {
            match tokio::time::timeout(wait, self.write_all(bytes)).await {
                Err(_) => Err(NetError::Timeout {
                    ms: wait.as_millis(),
                }),
                Ok(r) => r.map_err(|e| NetError::from_io(&e)),
            }
        }
    }

    /// Reads whatever arrives within `wait`, appending to `buf` without
    /// letting it grow past `max`. `Err(Closed)` when the peer closed.
    fn read_some(
        &mut self,
        buf: &mut Vec<u8>,
        max: usize,
        wait: Duration,
    ) -> impl std::future::Future<Output = Result<usize, NetError>> + Send {
        async move {
            let room = max.saturating_sub(buf.len());
            if room == 0 {
                return Ok(0);
            }
            let mut chunk = vec![0u8; room.min(16 * 1024)];
            match tokio::time::timeout(wait, self.read(&mut chunk)).await {
                Err(_) => Err(NetError::Timeout {
                    ms: wait.as_millis(),
                }),
                Ok(Err(e)) => Err(NetError::from_io(&e)),
                Ok(Ok(0)) => Err(NetError::Closed),
                Ok(Ok(n)) => {
                    buf.extend_from_slice(&chunk[..n]);
                    Ok(n)
                }
            }
        }
    }

    /// Reads until `done(buf)` holds, the peer closes, `max` bytes have
    /// arrived or `wait` has passed in total. What arrived is in `buf`; the
    /// return value says whether `done` was reached.
    fn read_until<F: Fn(&[u8]) -> bool + Send + Sync>(
        &mut self,
        buf: &mut Vec<u8>,
        max: usize,
        wait: Duration,
        done: F,
    ) -> impl std::future::Future<Output = bool> + Send {
        async move {
            let end = Instant::now() + wait;
            loop {
                if done(buf) {
                    return true;
                }
                let left = end.saturating_duration_since(Instant::now());
                if left.is_zero() || buf.len() >= max {
                    return false;
                }
                if self.read_some(buf, max, left).await.is_err() {
                    return done(buf);
                }
            }
        }
    }
}
impl<T: Io + ?Sized> IoExt for T {}

// A `Conn` is a plain byte stream for the SSH and TLS libraries, which run
// their protocol over it; the scope check and the slot are already held.
impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn refuses_ranges_wildcards_and_broadcasts() {
        for bad in [
            "10.0.0.0/24",
            "192.168.1.*",
            "10.0.0.1-20",
            "0.0.0.0",
            "::",
            "255.255.255.255",
            "224.0.0.251",
            "ff02::1",
            "",
            "a,b",
            "bad_name!",
            "192.168.1.255",
            "[::1",
            "::1]",
            "[::1]:22",
            "[127.0.0.1]",
            "[[::1]]",
            "fe80::/64",
        ] {
            assert!(Scope::resolve(&names(&[bad])).is_err(), "{bad}");
        }
    }

    #[test]
    fn pins_literals_and_localhost() {
        let s = Scope::resolve(&names(&["127.0.0.1", "[::1]", "localhost"])).unwrap();
        assert!(s.contains("127.0.0.1".parse().unwrap()));
        assert!(s.contains("::1".parse().unwrap()));
        assert_eq!(s.targets()[1].name, "[::1]");
        let s = Scope::resolve(&names(&["0:0::1", "::ffff:127.0.0.1"])).unwrap();
        assert!(s.contains("::1".parse().unwrap()));
        assert!(s.contains("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!s.contains("127.0.0.2".parse().unwrap()));
    }

    #[tokio::test]
    async fn never_connects_outside_the_scope() {
        let scope = Scope::resolve(&names(&["127.0.0.1"])).unwrap();
        let net = Net::new(scope, Limits::default());
        let outside = Target {
            name: "x".into(),
            addr: "127.0.0.2".parse().unwrap(),
        };
        assert!(matches!(
            net.connect(&outside, 9).await,
            Err(NetError::OutOfScope { .. })
        ));
    }
}
