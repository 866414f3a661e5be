//! Live device checks: what a device exposes, whether it accepts default
//! credentials, and how its TLS is configured, the way a test lab probes it.
//!
//! [`probe`] takes the hosts the user named and [`ProbeOptions`], and returns
//! a [`ProbeReport`]: the services found and `probe.*` check results, each
//! failing one with a transcript as evidence (passwords masked unless
//! [`ProbeOptions::show_secrets`]). It runs its own tokio runtime, so callers
//! stay blocking.
//!
//! Stages, one module each:
//! - [`scope`]: the hosts named, resolved once; the only code that opens sockets,
//!   bounded by [`Limits`] (concurrency, rate, timeouts, global budget).
//! - `discover`: TCP connect scan of IoT ports and UDP probes (CoAP, SSDP,
//!   mDNS, SNMP); each service is identified by what it answers (`identify`),
//!   never by its port number alone.
//! - default-credential audits with the shipped list (`data/default-credentials.txt`):
//!   `telnet`, `ssh` (russh), `ftp`, `http` (Basic and Digest), [`form`]
//!   (HTML form logins, judged against a deliberately wrong login), `mqtt`
//!   (anonymous too), RTSP (Basic and Digest), `snmp` community strings. At most
//!   [`Audit::max_attempts`] tries per service, never a brute force. The list's
//!   vendor entries (`[product KEY…]` sections, see [`for_identity`]) are tried
//!   only on a service whose banner, SSH version string, `Server` header, realm
//!   or page title names the product, and before the generic ones there. A
//!   service that shows lockout signs is left alone: a lockout or ban message,
//!   connections refused in a row, or answers to wrong passwords that keep
//!   slowing down (`audit::Slowdown`: "replies slowed from X ms to Y ms after
//!   N failures; possible lockout").
//! - `tls`: protocol versions 1.0–1.3 and weak suites with hand-built
//!   ClientHellos (TLS libraries refuse to offer what we need to test), and
//!   the certificate (expiry, key size, signature, self-signed, the host
//!   name or address as given per RFC 6125, shared across hosts; a CA's
//!   trust is not judged, no trust store being the device's clients').
//! - [`ssh_kex`]: the algorithms each SSH service offers, from its
//!   `SSH_MSG_KEXINIT` (own bounded parser: russh does not expose the
//!   peer's lists); weak key exchange, host key, cipher and MAC algorithms
//!   and protocol 1 fail `probe.ssh-weak-algorithms`.
//!
//! Hosts are IPv4 or IPv6 literals (`::1`, or `[::1]` as in URLs) or host
//! names; [`ProbeReport::services`] is the services table reports show.
//!
//! What it deliberately does not do: scan ranges, guess passwords beyond the
//! list, exploit anything, or follow redirects to other hosts.
//!
//! ```no_run
//! use iotcheck_probe::{probe, ProbeOptions};
//! let report = probe(&["127.0.0.1".to_string()], &ProbeOptions::default()).unwrap();
//! for s in &report.services {
//!     println!("{}:{} {}", s.host, s.port, s.protocol.name());
//! }
//! ```

pub mod scope;

mod audit;
mod checks;
mod creds;
mod discover;
pub mod form;
mod ftp;
mod http;
pub mod identify;
mod mqtt;
pub mod parse;
pub mod snmp;
mod ssh;
pub mod ssh_kex;
mod telnet;
pub mod tls;
mod transcript;

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use iotcheck_model::{CheckResult, Secret};

pub use creds::{
    Credential, CredentialError, builtin_credentials, for_identity, parse_credentials,
};
pub use scope::{Scope, Target};

/// The checks this crate decides (catalog ids).
pub const CHECKS: &[&str] = &[
    "probe.cleartext-service",
    "probe.default-credential",
    "probe.tls-version",
    "probe.weak-cipher-suite",
    "probe.certificate-invalid",
    "probe.ssh-weak-algorithms",
];

/// TCP ports scanned by default: remote shells, file transfer, web
/// consoles, MQTT, RTSP cameras, UPnP and TR-069 management, vendor ports.
pub const DEFAULT_TCP_PORTS: &[u16] = &[
    21, 22, 23, 80, 81, 443, 554, 1883, 2222, 2323, 5000, 7547, 8000, 8080, 8081, 8443, 8554, 8883,
    8888, 9000, 49152,
];

/// UDP ports probed by default: SNMP, SSDP, mDNS, CoAP.
pub const DEFAULT_UDP_PORTS: &[u16] = &[161, 1900, 5353, 5683];

/// Bounds on how hard the probe touches the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Connections open at once, over all hosts.
    pub concurrency: usize,
    /// New connections (and UDP probes) per second, over all hosts.
    pub rate: u32,
    /// Time allowed for a TCP connect.
    pub connect_timeout: Duration,
    /// Time allowed for any one read or write.
    pub io_timeout: Duration,
    /// How long to wait for a server to speak first (banner) before sending a probe.
    pub banner_wait: Duration,
    /// The whole probe stops after this long and reports what it found.
    pub budget: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            concurrency: 32,
            rate: 200,
            connect_timeout: Duration::from_millis(1500),
            io_timeout: Duration::from_secs(4),
            banner_wait: Duration::from_millis(700),
            budget: Duration::from_secs(300),
        }
    }
}

/// Which ports to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ports {
    pub tcp: Vec<u16>,
    pub udp: Vec<u16>,
}

impl Default for Ports {
    fn default() -> Self {
        Ports {
            tcp: DEFAULT_TCP_PORTS.to_vec(),
            udp: DEFAULT_UDP_PORTS.to_vec(),
        }
    }
}

/// The default-credential audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    /// Whether to try credentials at all.
    pub enabled: bool,
    /// The list tried, in order (the built-in list unless replaced).
    pub credentials: Vec<Credential>,
    /// Most logins tried per service (the list is cut there).
    pub max_attempts: usize,
    /// Logins in flight at once per service.
    pub per_service: usize,
    /// SNMP community strings tried.
    pub communities: Vec<String>,
}

impl Default for Audit {
    fn default() -> Self {
        Audit {
            enabled: true,
            credentials: builtin_credentials(),
            max_attempts: 200,
            per_service: 4,
            communities: ["public", "private", "community", "admin", "default"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// Everything a probe run can be told.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProbeOptions {
    pub ports: Ports,
    pub audit: Audit,
    /// Check TLS configuration of every TLS service found.
    pub tls: TlsOptions,
    /// Check the algorithms every SSH service offers.
    pub ssh: SshOptions,
    pub limits: Limits,
    /// Show passwords in transcripts instead of masking them.
    pub show_secrets: bool,
}

/// TLS configuration checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    pub enabled: bool,
    /// RSA keys shorter than this many bits are weak.
    pub min_rsa_bits: u32,
    /// EC keys shorter than this many bits are weak.
    pub min_ec_bits: u32,
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions {
            enabled: true,
            min_rsa_bits: 2048,
            min_ec_bits: 224,
        }
    }
}

/// SSH algorithm checks (`probe.ssh-weak-algorithms`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshOptions {
    pub enabled: bool,
}

impl Default for SshOptions {
    fn default() -> Self {
        SshOptions { enabled: true }
    }
}

/// How a service was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Tcp,
    Udp,
}

/// A service identified by what it answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Ssh,
    Telnet,
    Ftp,
    Http,
    Https,
    Mqtt,
    Mqtts,
    Rtsp,
    /// TLS whose inner protocol was not identified.
    Tls,
    Snmp,
    Ssdp,
    Mdns,
    Coap,
    Smtp,
    /// Answered, but with nothing recognised.
    Unknown,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Ssh => "ssh",
            Protocol::Telnet => "telnet",
            Protocol::Ftp => "ftp",
            Protocol::Http => "http",
            Protocol::Https => "https",
            Protocol::Mqtt => "mqtt",
            Protocol::Mqtts => "mqtts",
            Protocol::Rtsp => "rtsp",
            Protocol::Tls => "tls",
            Protocol::Snmp => "snmp",
            Protocol::Ssdp => "ssdp",
            Protocol::Mdns => "mdns",
            Protocol::Coap => "coap",
            Protocol::Smtp => "smtp",
            Protocol::Unknown => "unknown",
        }
    }

    /// Carries application data, and credentials if any, in clear.
    pub fn is_cleartext(self) -> bool {
        matches!(
            self,
            Protocol::Telnet
                | Protocol::Ftp
                | Protocol::Http
                | Protocol::Mqtt
                | Protocol::Rtsp
                | Protocol::Snmp
                | Protocol::Coap
                | Protocol::Smtp
        )
    }

    pub fn is_tls(self) -> bool {
        matches!(self, Protocol::Https | Protocol::Mqtts | Protocol::Tls)
    }
}

/// One service found on a host.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Service {
    /// The host as the user named it.
    pub host: String,
    pub addr: IpAddr,
    pub port: u16,
    pub transport: Transport,
    pub protocol: Protocol,
    /// The first printable line the service sent (banner, server header), escaped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub banner: Option<String>,
}

/// What a probe run found.
#[derive(Debug, Clone, Default)]
pub struct ProbeReport {
    pub services: Vec<Service>,
    pub results: Vec<CheckResult>,
    /// Things the user should know: budget spent, lockouts, skipped services.
    pub notes: Vec<String>,
}

/// Why a probe could not run at all. A device failing a check is not an
/// error: it is a result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    #[error("no host to probe")]
    NoTargets,
    #[error("{target:?} refused: {reason}")]
    OutOfScope {
        target: String,
        reason: &'static str,
    },
    #[error("{target:?} could not be resolved: {message}")]
    Resolve { target: String, message: String },
    #[error("could not start the probe's runtime: {0}")]
    Runtime(String),
}

/// A default credential a service accepted.
#[derive(Debug, Clone)]
pub(crate) struct CredFinding {
    pub service: Service,
    /// `password`, `keyboard-interactive`, `anonymous`, `basic`, `digest`, `form`, `community`.
    pub method: &'static str,
    pub user: String,
    pub password: Secret,
    pub transcript: Vec<iotcheck_model::TranscriptLine>,
}

/// How the audit of one service went.
#[derive(Debug, Clone)]
pub(crate) struct AuditRun {
    pub service: Service,
    pub attempts: usize,
    /// Why it stopped before the end of the list, if it did.
    pub stopped: Option<String>,
    /// Why no login could be tried (e.g. SSH without password methods).
    pub note: Option<String>,
}

/// Everything the stages report, gathered as they go so that a budget
/// cut-off keeps what was already found.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub services: Vec<Service>,
    pub creds: Vec<CredFinding>,
    pub audits: Vec<AuditRun>,
    pub tls: Vec<tls::TlsResult>,
    pub ssh: Vec<ssh_kex::SshResult>,
    pub notes: Vec<String>,
}

pub(crate) type Shared = Arc<Mutex<Findings>>;

pub(crate) fn with<T>(shared: &Shared, f: impl FnOnce(&mut Findings) -> T) -> Option<T> {
    shared.lock().ok().map(|mut g| f(&mut g))
}

/// Probes the named hosts. Blocking: runs its own runtime.
pub fn probe(targets: &[String], opts: &ProbeOptions) -> Result<ProbeReport, ProbeError> {
    let scope = Scope::resolve(targets)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ProbeError::Runtime(e.to_string()))?;
    let report = rt.block_on(run(scope, opts));
    // Tasks cut off by the budget are dropped with the runtime, without waiting.
    rt.shutdown_background();
    Ok(report)
}

async fn run(scope: Scope, opts: &ProbeOptions) -> ProbeReport {
    let net = Arc::new(scope::Net::new(scope, opts.limits.clone()));
    let shared: Shared = Arc::default();
    let opts = Arc::new(opts.clone());
    let work = {
        let (net, shared, opts) = (net.clone(), shared.clone(), opts.clone());
        tokio::spawn(async move {
            discover::discover(&net, &opts, &shared).await;
            let services = with(&shared, |f| f.services.clone()).unwrap_or_default();
            let mut tasks = tokio::task::JoinSet::new();
            for s in services {
                if opts.audit.enabled {
                    let (net, shared, opts, s2) =
                        (net.clone(), shared.clone(), opts.clone(), s.clone());
                    tasks.spawn(async move { audit_service(&net, &opts, &shared, s2).await });
                }
                if opts.ssh.enabled && s.protocol == Protocol::Ssh {
                    let (net, shared, opts, s) =
                        (net.clone(), shared.clone(), opts.clone(), s.clone());
                    tasks.spawn(async move {
                        let r = ssh_kex::check(&net, &s, opts.tls.min_rsa_bits).await;
                        with(&shared, |f| f.ssh.push(r));
                    });
                }
                if opts.tls.enabled && s.protocol.is_tls() {
                    let (net, shared, opts) = (net.clone(), shared.clone(), opts.clone());
                    tasks.spawn(async move {
                        let r = tls::check(&net, &opts, &s).await;
                        with(&shared, |f| f.tls.push(r));
                    });
                }
            }
            while tasks.join_next().await.is_some() {}
        })
    };
    // The backstop: every read and connect is already bounded by the budget;
    // this also cuts a library (SSH, TLS) that would wait longer.
    let grace = Duration::from_millis(500);
    let abort = work.abort_handle();
    let finished = tokio::time::timeout(net.remaining() + grace, work)
        .await
        .is_ok();
    // Stages cut by the budget end quietly (their reads time out), so a
    // spent budget means incomplete even when every task returned.
    let complete = finished && !net.spent();
    if !complete {
        abort.abort();
        with(&shared, |f| {
            f.notes.push(format!(
                "the time budget ({} s) was spent: results cover what was reached before it ran out",
                opts.limits.budget.as_secs()
            ));
        });
    }
    let findings = match Arc::try_unwrap(shared) {
        Ok(m) => m.into_inner().unwrap_or_default(),
        Err(arc) => arc
            .lock()
            .map(|mut g| std::mem::take(&mut *g))
            .unwrap_or_default(),
    };
    checks::report(findings, net.scope(), &opts, complete)
}

async fn audit_service(net: &Arc<scope::Net>, opts: &ProbeOptions, shared: &Shared, s: Service) {
    match s.protocol {
        Protocol::Telnet => telnet::audit(net, opts, shared, &s).await,
        Protocol::Ssh => ssh::audit(net, opts, shared, &s).await,
        Protocol::Ftp => ftp::audit(net, opts, shared, &s).await,
        Protocol::Http | Protocol::Https | Protocol::Rtsp => {
            http::audit(net, opts, shared, &s).await
        }
        Protocol::Mqtt | Protocol::Mqtts => mqtt::audit(net, opts, shared, &s).await,
        Protocol::Snmp => snmp::audit(net, opts, shared, &s).await,
        _ => {}
    }
}
