//! `fw.boot-cleartext-service`: services the image starts at boot that
//! carry logins or data in clear, or give a shell without a login
//! (ETSI EN 303 645 5.5-1 and 5.6-1, minimum standard ENC-1).
//!
//! Fails when a boot source (see [`super::boot`]: inittab, rc scripts,
//! enabled init scripts including OpenWrt procd ones, enabled systemd
//! services and sockets, inetd/xinetd entries) starts
//! - a Telnet server (`telnetd`, `in.telnetd`, `utelnetd`),
//! - an FTP server (`ftpd`, `vsftpd`, `pure-ftpd`, `proftpd`, `bftpd`,
//!   `uftpd`, BusyBox `ftpd` under `tcpsvd`),
//! - a TFTP server (`tftpd`, `in.tftpd`, `atftpd`),
//! - the BSD r-services (`rlogind`, `rshd`, `rexecd`),
//! - a shell on a network port (`nc -l … -e /bin/sh`, `socat
//!   TCP-LISTEN:… EXEC:/bin/sh`),
//! - a console or serial line that gives a shell without a login: an
//!   inittab entry whose process is a shell (`::askfirst:-/bin/sh`,
//!   `ttyS0::respawn:/bin/sh`), `getty -n -l /bin/sh`, `agetty
//!   --autologin root`, `login -f root`,
//! - Dropbear with `-B` (blank passwords accepted);
//!
//! or when `sshd_config` says `PermitEmptyPasswords yes`.
//!
//! Root password login over SSH (`PermitRootLogin yes` with password
//! authentication on, OpenWrt's `/etc/config/dropbear` `RootPasswordAuth
//! 'on'`, the OpenWrt default) is reported as evidence but does not fail
//! the check: the session is encrypted and needs the root password, so it
//! is neither a cleartext service nor a login-free one. Whether that
//! password is empty, a default or guessable is what
//! `fw.weak-account-password` decides (minimum standard PWD-1); failing
//! here as well would count one weakness twice and fail ENC-1, which is
//! about encryption. An SSH server that accepts *empty* passwords does fail:
//! it gives a session with no secret at all.
//!
//! Passes only when a root filesystem was read and it holds init
//! configuration (inittab, init scripts, systemd units or `rc.local`);
//! otherwise there is nothing to judge and no result. A pass covers what
//! the image starts, not what a running device might start later, and says
//! nothing of traffic: ENC-1 lists this check so that a failure fails the
//! requirement, never so that a pass meets it.

use iotcheck_model::{CheckResult, Outcome};

use super::boot::{Start, Startup, Tree, Via, is_shell, logical_lines};
use super::{BOOT_CLEARTEXT_SERVICE, Finding, MAX_EVIDENCE, file_evidence, id};
use crate::text::excerpt;

const TELNET: [&str; 3] = ["telnetd", "in.telnetd", "utelnetd"];
const FTP: [&str; 8] = [
    "ftpd",
    "in.ftpd",
    "vsftpd",
    "pure-ftpd",
    "proftpd",
    "bftpd",
    "wu-ftpd",
    "uftpd",
];
const TFTP: [&str; 5] = ["tftpd", "in.tftpd", "atftpd", "in.tftpd-hpa", "tftpd-hpa"];
const RSERVICES: [&str; 6] = [
    "rlogind",
    "in.rlogind",
    "rshd",
    "in.rshd",
    "rexecd",
    "in.rexecd",
];
const GETTYS: [&str; 5] = ["getty", "agetty", "mingetty", "mgetty", "uugetty"];

/// What a started command exposes, if anything.
fn exposure(start: &Start<'_>) -> Option<String> {
    let c = &start.command;
    let name = c.name();
    let args = &c.args;
    let has = |flag: &str| args.iter().any(|a| a == flag);
    let value_of = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    if TELNET.contains(&name) {
        let shell = value_of("-l").filter(|p| is_shell(p));
        return Some(match shell {
            Some(sh) => format!("Telnet server giving {sh} without login"),
            None => "Telnet server".into(),
        });
    }
    if FTP.contains(&name) || name.starts_with("pure-ftpd") {
        return Some("FTP server".into());
    }
    if TFTP.contains(&name) {
        return Some("TFTP server".into());
    }
    if RSERVICES.contains(&name) {
        return Some(format!("{name} (BSD r-service)"));
    }
    if matches!(name, "nc" | "netcat" | "ncat" | "nc.traditional") {
        let short = |a: &String| a.starts_with('-') && !a.starts_with("--");
        let listens = args
            .iter()
            .any(|a| a == "--listen" || (short(a) && a.contains('l')));
        let shell = args
            .iter()
            .position(|a| matches!(a.as_str(), "-e" | "-c" | "--exec" | "--sh-exec"))
            .and_then(|i| args.get(i + 1))
            .filter(|p| is_shell(p.split_whitespace().next().unwrap_or_default()));
        if listens && let Some(sh) = shell {
            return Some(format!("{sh} on a listening network port ({name})"));
        }
        return None;
    }
    if name == "socat" {
        let upper: Vec<String> = args.iter().map(|a| a.to_ascii_uppercase()).collect();
        let listens = upper.iter().any(|a| a.contains("-LISTEN:"));
        let shell = upper.iter().any(|a| {
            (a.starts_with("EXEC:") || a.starts_with("SYSTEM:"))
                && a.split([':', ',', ' '])
                    .nth(1)
                    .is_some_and(|p| is_shell(&p.to_ascii_lowercase()))
        });
        return (listens && shell).then(|| "shell on a listening network port (socat)".into());
    }
    if GETTYS.contains(&name) {
        if let Some(login) = value_of("-l").filter(|p| is_shell(p)) {
            return Some(format!(
                "{name} runs {login} instead of login (no password)"
            ));
        }
        if has("--autologin") || has("-a") || args.iter().any(|a| a.starts_with("--autologin=")) {
            return Some(format!("{name} logs in automatically (no password)"));
        }
        return None;
    }
    if name == "login" && has("-f") {
        return Some("login -f: logged in without a password".into());
    }
    if name == "dropbear" && args.iter().any(|a| a == "-B") {
        return Some("Dropbear accepts blank passwords (-B)".into());
    }
    if let Via::Inittab { id, action } = &start.via
        && is_shell(&c.program)
        && !args.iter().any(|a| !a.starts_with('-'))
    {
        let tty = if id.is_empty() { "the console" } else { id };
        return Some(format!(
            "{} on {tty} without login (inittab {action})",
            c.program.trim_start_matches('-')
        ));
    }
    None
}

/// sshd_config and Dropbear settings: `(finding, fails)`.
fn ssh_settings(tree: &Tree<'_>) -> Vec<(Finding, bool)> {
    let mut out = Vec::new();
    let mut configs: Vec<&str> = vec!["/etc/ssh/sshd_config"];
    configs.extend(tree.children("/etc/ssh/sshd_config.d"));
    // sshd takes the first value of a keyword; `Match` blocks are conditional.
    let mut root_login: Option<(Finding, bool)> = None;
    let mut password_auth: Option<bool> = None;
    let mut empty: Option<Finding> = None;
    let mut seen_empty = false;
    for conf in configs {
        let Some((path, bytes)) = tree.text(conf) else {
            continue;
        };
        for (offset, line) in logical_lines(bytes) {
            let t = line.trim();
            if t.starts_with('#') || t.is_empty() {
                continue;
            }
            let mut kv = t.splitn(2, |c: char| c.is_whitespace() || c == '=');
            let key = kv.next().unwrap_or_default().to_ascii_lowercase();
            let value = kv
                .next()
                .unwrap_or_default()
                .trim_start_matches(|c: char| c.is_whitespace() || c == '=')
                .trim()
                .to_ascii_lowercase();
            let finding = |what: &str| Finding {
                path: path.to_vec(),
                offset,
                excerpt: excerpt(t.as_bytes(), 160),
                what: format!("{what} in {conf}"),
            };
            match key.as_str() {
                "match" => break,
                "permitemptypasswords" if !seen_empty => {
                    seen_empty = true;
                    if value == "yes" {
                        empty = Some(finding("SSH accepts empty passwords"));
                    }
                }
                "permitrootlogin" if root_login.is_none() => {
                    root_login = Some((finding("SSH root login with a password"), value == "yes"));
                }
                "passwordauthentication" if password_auth.is_none() => {
                    password_auth = Some(value != "no");
                }
                _ => {}
            }
        }
    }
    if let Some(f) = empty {
        out.push((f, true));
    }
    // PasswordAuthentication defaults to yes (sshd_config(5)).
    if let Some((f, true)) = root_login
        && password_auth.unwrap_or(true)
    {
        out.push((f, false));
    }
    // OpenWrt UCI: /etc/config/dropbear, `option RootPasswordAuth 'on'`.
    if let Some((path, bytes)) = tree.text("/etc/config/dropbear") {
        for (offset, line) in logical_lines(bytes) {
            let t = line.trim();
            let words: Vec<&str> = t.split_whitespace().collect();
            if let ["option", key, value] = words.as_slice()
                && key.eq_ignore_ascii_case("RootPasswordAuth")
                && matches!(
                    value
                        .trim_matches(['\'', '"'])
                        .to_ascii_lowercase()
                        .as_str(),
                    "on" | "1" | "yes" | "true"
                )
            {
                out.push((
                    Finding {
                        path: path.to_vec(),
                        offset,
                        excerpt: excerpt(t.as_bytes(), 160),
                        what: "SSH (Dropbear) root login with a password in /etc/config/dropbear"
                            .into(),
                    },
                    false,
                ));
            }
        }
    }
    out
}

pub(crate) fn check(image: &str, tree: &Tree<'_>, startup: &Startup<'_>) -> Option<CheckResult> {
    let mut fails: Vec<Finding> = Vec::new();
    let mut seen: std::collections::HashSet<(&[String], usize)> = Default::default();
    for s in &startup.starts {
        if s.when != super::boot::When::Boot {
            continue;
        }
        let Some(what) = exposure(s) else { continue };
        let via = match &s.via {
            Via::Systemd { unit } => format!(" (systemd {unit})"),
            Via::Inetd => " (inetd)".into(),
            _ => String::new(),
        };
        if !seen.insert((s.file, s.offset)) {
            continue;
        }
        let f = Finding {
            path: s.file.to_vec(),
            offset: s.offset,
            excerpt: excerpt(s.line.trim().as_bytes(), 160),
            what: format!("{what} started from {}{via}", s.inner()),
        };
        fails.push(f);
    }
    let mut notes = Vec::new();
    for (f, failing) in ssh_settings(tree) {
        if failing {
            fails.push(f);
        } else {
            notes.push(f);
        }
    }
    if fails.is_empty() && !startup.init_present {
        return None;
    }
    let note_text = if notes.is_empty() {
        String::new()
    } else {
        let whats: Vec<&str> = notes.iter().map(|n| n.what.as_str()).collect();
        format!(
            " (reported, not failed: {}; its password is judged by fw.weak-account-password)",
            whats.join("; ")
        )
    };
    let mut r = if fails.is_empty() {
        CheckResult::new(
            id(BOOT_CLEARTEXT_SERVICE),
            Outcome::Pass,
            format!(
                "no Telnet, FTP, TFTP, r-service or login-free shell is started at boot \
                 ({} boot commands read){note_text}",
                startup
                    .starts
                    .iter()
                    .filter(|s| s.when == super::boot::When::Boot)
                    .count()
            ),
        )
    } else {
        let whats: Vec<&str> = fails.iter().map(|f| f.what.as_str()).collect();
        let shown = whats.iter().take(4).copied().collect::<Vec<_>>().join("; ");
        let more = match whats.len().saturating_sub(4) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        CheckResult::new(
            id(BOOT_CLEARTEXT_SERVICE),
            Outcome::Fail,
            format!("cleartext or login-free services started at boot: {shown}{more}{note_text}"),
        )
    }
    .with_input(image);
    for f in fails.into_iter().chain(notes).take(MAX_EVIDENCE) {
        r = r.with_evidence(file_evidence(image, &f.path, f.offset, f.excerpt));
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::super::boot::{Command, When, commands};
    use super::*;

    fn what(line: &str, via: Via) -> Option<String> {
        let file = vec!["x".to_string()];
        let c: Vec<Command> = commands(line, &Default::default());
        c.into_iter()
            .filter_map(|command| {
                exposure(&Start {
                    file: &file,
                    offset: 0,
                    line: line.into(),
                    command,
                    when: When::Boot,
                    via: via.clone(),
                })
            })
            .next()
    }

    #[test]
    fn a_script_of_many_starts_is_bounded() {
        use crate::image::{Entry, EntryKind, Image};
        let script = "telnetd -p 23 & telnetd -p 24\n".repeat(50_000);
        let img = Image {
            entries: vec![
                Entry {
                    path: vec!["/etc".into()],
                    kind: EntryKind::Dir,
                },
                Entry {
                    path: vec!["/etc/rc.local".into()],
                    kind: EntryKind::File(script.into_bytes()),
                },
            ],
            ..Image::default()
        };
        let tree = Tree::new(&img);
        let startup = super::super::boot::startup(&tree);
        assert_eq!(startup.starts.len(), 20_000);
        let r = check("x", &tree, &startup).unwrap();
        assert_eq!(r.outcome, Outcome::Fail);
        assert_eq!(r.evidence.len(), MAX_EVIDENCE);
        assert!(r.summary.ends_with("and 9996 more"), "{}", r.summary);
    }

    #[test]
    fn exposures() {
        let s = || Via::Script;
        let tab = |id: &str| Via::Inittab {
            id: id.into(),
            action: "respawn".into(),
        };
        assert_eq!(
            what("telnetd -p 65534 &", s()).as_deref(),
            Some("Telnet server")
        );
        assert_eq!(
            what("telnetd -l /bin/sh -p 2323", s()).as_deref(),
            Some("Telnet server giving /bin/sh without login")
        );
        assert_eq!(what("killall telnetd", s()), None);
        assert_eq!(what("echo telnetd", s()), None);
        assert_eq!(
            what("tcpsvd -vE 0 21 ftpd -w /", s()).as_deref(),
            Some("FTP server")
        );
        assert_eq!(
            what("/usr/sbin/pure-ftpd-mysql -B", s()).as_deref(),
            Some("FTP server")
        );
        assert!(what("nc -l -p 4444 -e /bin/sh", s()).is_some());
        assert!(what("nc -lp 4444 -e /bin/ash", s()).is_some());
        assert_eq!(what("nc -z host 80", s()), None);
        assert_eq!(what("nc host 80 -e /bin/sh", s()), None);
        assert!(what("socat TCP-LISTEN:4444,fork EXEC:/bin/sh", s()).is_some());
        assert!(what("getty -n -l /bin/sh ttyS0 115200", s()).is_some());
        assert_eq!(
            what("/sbin/getty -L ttyS0 115200 vt100", tab("ttyS0")),
            None
        );
        assert!(what("agetty --autologin root ttyS0", s()).is_some());
        assert_eq!(
            what("-/bin/sh", tab("")).as_deref(),
            Some("/bin/sh on the console without login (inittab respawn)")
        );
        assert!(what("/bin/sh", tab("ttyS0")).is_some());
        assert_eq!(what("/bin/sh /etc/init.d/rcS", tab("")), None);
        assert_eq!(what("/bin/sh", s()), None);
        assert!(what("dropbear -B -p 22", s()).is_some());
        assert_eq!(what("dropbear -p 22", s()), None);
    }
}
