//! `iotcheck probe`: the live-device checks alone, with the probe's bounds
//! and lists as flags. Builds an assessment of host inputs and hands it to
//! the engine like every other subcommand.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use iotcheck_engine::{Assessment, InputSpec, Options};
use iotcheck_probe::{ProbeOptions, parse_credentials};
use iotcheck_standards::Catalog;

use crate::{OutputArgs, finish, usage};

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  iotcheck probe 192.0.2.10\n  iotcheck probe cam.lan --ports 22,23,80,443,1883,8883 --format json\n  \
iotcheck probe 192.0.2.10 192.0.2.11 --credentials vendor.txt --show-secrets\n\n\
Only the hosts named are contacted: each host name is resolved once, and ranges (CIDR, a-b), wildcards, broadcast and \
multicast addresses are refused. Logins use the default-credential list only (never a brute force), at most \
--max-attempts per service, and a service is left alone at the first lockout sign: a lockout or ban message, \
connections refused in a row, or answers to wrong passwords that keep slowing down. HTML login forms are judged \
against a deliberately wrong login sent first.\n\
Exit codes: 0 meets, 1 fails, 2 inconclusive, 3 usage or input error, 4 internal error."
)]
pub(crate) struct ProbeArgs {
    /// Hosts to probe: IPv4 or IPv6 addresses (`::1` or `[::1]`) or host names (no ranges).
    #[arg(required = true, value_name = "HOST")]
    hosts: Vec<String>,
    /// TCP ports to scan: a list of ports and ranges, e.g. `22,23,80,8000-8100` (default: common IoT ports).
    #[arg(long, value_name = "LIST")]
    ports: Option<String>,
    /// UDP ports to probe (SNMP, SSDP, mDNS, CoAP answers are recognised); `none` for no UDP.
    #[arg(long = "udp-ports", value_name = "LIST")]
    udp_ports: Option<String>,
    /// Replace the built-in default-credential list: one `user:password` (or `user password`) a line;
    /// entries after a `[product KEY, KEY…]` line are tried only on services whose banner, SSH version,
    /// Server header, realm or page title names a KEY (`[generic]` ends the section).
    #[arg(long, value_name = "FILE")]
    credentials: Option<PathBuf>,
    /// Most logins tried per service (the list is cut there).
    #[arg(long = "max-attempts", value_name = "N", default_value_t = 200)]
    max_attempts: usize,
    /// Logins in flight at once per service.
    #[arg(long = "per-service", value_name = "N", default_value_t = 4)]
    per_service: usize,
    /// Connections open at once, over all hosts.
    #[arg(long, value_name = "N", default_value_t = 32)]
    concurrency: usize,
    /// New connections per second, over all hosts.
    #[arg(long, value_name = "N", default_value_t = 200)]
    rate: u32,
    /// Time allowed for a TCP connect, in milliseconds.
    #[arg(long = "connect-timeout", value_name = "MS", default_value_t = 1500)]
    connect_timeout: u64,
    /// Time allowed for any one read or write, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 4000)]
    timeout: u64,
    /// Stop the whole probe after this many seconds and report what was found.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    budget: u64,
    /// Do not try any credential (discovery and TLS only).
    #[arg(long = "no-credentials")]
    no_credentials: bool,
    /// Do not test TLS configuration.
    #[arg(long = "no-tls")]
    no_tls: bool,
    /// Do not read the algorithms SSH services offer (one connection each, no login).
    #[arg(long = "no-ssh-algorithms")]
    no_ssh_algorithms: bool,
    /// Show passwords in transcripts instead of masking them.
    #[arg(long = "show-secrets")]
    show_secrets: bool,
    #[command(flatten)]
    output: OutputArgs,
    /// No progress on stderr.
    #[arg(short, long)]
    quiet: bool,
}

/// `22,23,8000-8002` → ports; `none` → empty.
fn port_list(flag: &str, s: &str) -> anyhow::Result<Vec<u16>> {
    if s.trim() == "none" {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let parse = |p: &str| {
            p.parse::<u16>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| usage(format!("{flag}: {p:?} is not a port (1-65535)")))
        };
        if let Some((a, b)) = part.split_once('-') {
            let (a, b) = (parse(a)?, parse(b)?);
            if a > b {
                return Err(usage(format!("{flag}: range {part:?} runs backwards")));
            }
            out.extend(a..=b);
        } else {
            out.push(parse(part)?);
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

pub(crate) fn run(args: ProbeArgs, catalog: &Catalog) -> anyhow::Result<u8> {
    let mut opts = ProbeOptions::default();
    if let Some(p) = &args.ports {
        opts.ports.tcp = port_list("--ports", p)?;
    }
    if let Some(p) = &args.udp_ports {
        opts.ports.udp = port_list("--udp-ports", p)?;
    }
    if let Some(path) = &args.credentials {
        let text = std::fs::read_to_string(path)
            .map_err(|e| usage(format!("--credentials {}: {e}", path.display())))?;
        opts.audit.credentials = parse_credentials(&text)
            .map_err(|e| usage(format!("--credentials {}: {e}", path.display())))?;
    }
    if args.max_attempts == 0 || args.per_service == 0 || args.concurrency == 0 || args.rate == 0 {
        return Err(usage(
            "--max-attempts, --per-service, --concurrency and --rate must be at least 1",
        ));
    }
    opts.audit.enabled = !args.no_credentials;
    opts.audit.max_attempts = args.max_attempts;
    opts.audit.per_service = args.per_service;
    opts.tls.enabled = !args.no_tls;
    opts.ssh.enabled = !args.no_ssh_algorithms;
    opts.limits.concurrency = args.concurrency;
    opts.limits.rate = args.rate;
    opts.limits.connect_timeout = Duration::from_millis(args.connect_timeout.max(1));
    opts.limits.io_timeout = Duration::from_millis(args.timeout.max(1));
    opts.limits.budget = Duration::from_secs(args.budget.max(1));
    opts.show_secrets = args.show_secrets;
    // Refuse out-of-scope names before anything is contacted.
    iotcheck_probe::Scope::resolve(&args.hosts).map_err(|e| usage(e.to_string()))?;

    let mut assessment = Assessment::default();
    assessment.product.model = "unnamed device".into();
    assessment.probe = opts;
    assessment
        .inputs
        .extend(args.hosts.iter().map(InputSpec::host));
    finish(
        &assessment,
        catalog,
        &Options::default(),
        &args.output,
        args.quiet,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn port_lists() {
        assert_eq!(port_list("x", "23,21-22, 23").unwrap(), vec![21, 22, 23]);
        assert!(port_list("x", "0").is_err());
        assert!(port_list("x", "9-3").is_err());
        assert!(port_list("x", "none").unwrap().is_empty());
    }
}
