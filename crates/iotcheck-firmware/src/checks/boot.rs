//! What an unpacked root filesystem starts at boot and runs on a schedule:
//! the commands `fw.boot-cleartext-service` and `fw.update-automatic`
//! decide on. Nothing is executed; files are read as text.
//!
//! Boot sources, each read with the syntax its program documents:
//! - `/etc/inittab`: `id:runlevels:action:process` (BusyBox
//!   `init/init.c` `parse_inittab`, sysvinit `inittab(5)`); every action but
//!   `shutdown`, `ctrlaltdel`, `restart` and `powerfail*`.
//! - `/etc/rc.local`, `/etc/rc.d/rc.local`, `rcS`/`rc` scripts, and init
//!   scripts under `/etc/init.d/`: when the tree has runlevel link
//!   directories (`/etc/rc.d/S50telnet` on OpenWrt, `/etc/rc2.d/S01vsftpd`
//!   on Debian), a script counts only when a start link names it (by name
//!   or link target) or a boot line runs `/etc/init.d/NAME start`; without
//!   link directories every script counts (BusyBox `rcS` runs them all).
//! - systemd units in `/lib`, `/usr/lib` and `/etc/systemd/system`
//!   (`systemd.unit(5)`, `systemd.service(5)`, `systemd.socket(5)`,
//!   `systemd.timer(5)`): an enabled unit (linked from a `*.wants/` or
//!   `*.requires/` directory; without any such directory, a unit with
//!   `WantedBy=`/`RequiredBy=`, which `systemctl preset-all` enables on
//!   first boot) contributes its `ExecStart=` lines; an enabled socket its
//!   service's (`NAME@.service` when `Accept=yes`, or `Service=`); an
//!   enabled timer its unit's, as a scheduled start.
//! - `/etc/inetd.conf` (`inetd.conf(5)`: `service socktype proto wait user
//!   server args`) and `/etc/xinetd.d/*` (`xinetd.conf(5)`: `server =`,
//!   enabled unless `disable = yes`), only when an inetd or xinetd is
//!   itself started.
//! - cron (scheduled): `/etc/crontabs/*` and `/var/spool/cron/crontabs/*`
//!   (`m h dom mon dow command`), `/etc/crontab` and `/etc/cron.d/*` (with
//!   a user field), `@reboot`/`@daily`-style lines, and scripts in
//!   `/etc/cron.{hourly,daily,weekly,monthly}/`.
//!
//! Shell is read line by line (own reader: no crate parses POSIX shell into
//! simple commands without running it): backslash continuations are joined,
//! comments dropped, quotes honoured, a line split into simple commands at
//! `;`, `&`, `|`, `&&`, `||`; `NAME=value` assignments in the same file are
//! substituted into `$NAME`/`${NAME}`. Wrappers are looked through (`exec`,
//! `nohup`, `busybox`, `env`, `start-stop-daemon --start --exec`,
//! `procd_set_param command`, `service_start`, `tcpsvd`/`udpsvd`, `tcpd`,
//! `sh -c`); `start-stop-daemon --stop` and `kill`-style commands start
//! nothing. Functions, conditions and loops are not evaluated: a command
//! anywhere in a boot script other than a stop is taken as started.

use std::collections::{BTreeMap, BTreeSet};

use crate::image::{EntryKind, Image};
use crate::text::{is_text, lines};

/// Longest logical line read (bytes): a hostile file of one endless line
/// is cut there.
const MAX_LINE: usize = 16 * 1024;
/// Commands kept per image.
const MAX_STARTS: usize = 20_000;
/// Nested `sh -c` levels followed.
const MAX_DEPTH: usize = 3;

/// A command as a program would run it: the program as written (after
/// wrappers) and its arguments, quotes removed, variables substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Command {
    pub(crate) program: String,
    pub(crate) args: Vec<String>,
}

impl Command {
    /// The program's file name (`/usr/sbin/telnetd` → `telnetd`).
    pub(crate) fn name(&self) -> &str {
        basename(&self.program)
    }
}

pub(crate) fn basename(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// When a command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    Boot,
    Schedule,
}

/// Where a start was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Via {
    /// An inittab entry: its id (the tty for BusyBox) and action.
    Inittab {
        id: String,
        action: String,
    },
    Script,
    Systemd {
        unit: String,
    },
    Inetd,
    Cron,
    Timer {
        timer: String,
    },
}

/// One command started at boot or on a schedule, with the line it was read
/// from.
#[derive(Debug, Clone)]
pub(crate) struct Start<'a> {
    pub(crate) file: &'a [String],
    /// Byte offset of the (first physical) line in the file.
    pub(crate) offset: usize,
    /// The logical line, continuations joined.
    pub(crate) line: String,
    pub(crate) command: Command,
    pub(crate) when: When,
    pub(crate) via: Via,
}

impl Start<'_> {
    pub(crate) fn inner(&self) -> &str {
        self.file.last().map_or("", String::as_str)
    }
}

/// Everything a tree starts, and whether it holds init configuration at all.
#[derive(Debug, Default)]
pub(crate) struct Startup<'a> {
    pub(crate) starts: Vec<Start<'a>>,
    /// `/etc/inittab`, `/etc/init.d/`, systemd units or `rc.local` exist:
    /// without them nothing can be said about what starts.
    pub(crate) init_present: bool,
}

/// The tree's files and entry kinds by inner path (first one wins when
/// several filesystems hold the same path).
#[derive(Debug)]
pub(crate) struct Tree<'a> {
    pub(crate) files: BTreeMap<&'a str, (&'a [String], &'a [u8])>,
    pub(crate) kinds: BTreeMap<&'a str, (&'a [String], &'a EntryKind)>,
}

impl<'a> Tree<'a> {
    pub(crate) fn new(image: &'a Image) -> Self {
        let mut files = BTreeMap::new();
        let mut kinds = BTreeMap::new();
        for e in &image.entries {
            let inner = e.inner_path();
            kinds.entry(inner).or_insert((e.path.as_slice(), &e.kind));
            if let Some(b) = e.bytes() {
                files.entry(inner).or_insert((e.path.as_slice(), b));
            }
        }
        Tree { files, kinds }
    }

    /// Inner paths directly under `dir` (no trailing slash), any kind.
    pub(crate) fn children(&self, dir: &str) -> impl Iterator<Item = &'a str> + '_ {
        let prefix = format!("{dir}/");
        self.kinds
            .range::<str, _>((
                std::ops::Bound::Included(prefix.as_str()),
                std::ops::Bound::Unbounded,
            ))
            .map(|(k, _)| *k)
            .take_while(move |k| k.starts_with(&prefix))
            .filter({
                let n = dir.len() + 1;
                move |k| k.get(n..).is_some_and(|rest| !rest.contains('/'))
            })
            .collect::<Vec<_>>()
            .into_iter()
    }

    pub(crate) fn exists(&self, p: &str) -> bool {
        self.kinds.contains_key(p)
    }

    pub(crate) fn text(&self, p: &str) -> Option<(&'a [String], &'a [u8])> {
        self.files.get(p).copied().filter(|(_, b)| is_text(b))
    }
}

// ── shell reading ─────────────────────────────────────────────────────────

/// Logical lines `(offset, text)`: continuations (`\` at the end) joined,
/// invalid UTF-8 replaced, each cut at [`MAX_LINE`].
pub(crate) fn logical_lines(bytes: &[u8]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    for (offset, raw) in lines(bytes) {
        let s = String::from_utf8_lossy(raw);
        let trailing = s.len() - s.trim_end_matches('\\').len();
        let continues = trailing % 2 == 1;
        let body = if continues { &s[..s.len() - 1] } else { &s[..] };
        let (start, mut text, body) = match cur.take() {
            // a continued line: one space where the break was
            Some((start, text)) => (start, text, body.trim_start()),
            None => (offset, String::new(), body),
        };
        if text.len() < MAX_LINE {
            let room = MAX_LINE - text.len();
            let mut cut = body.len().min(room);
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            text.push_str(&body[..cut]);
        }
        if continues {
            text.truncate(text.trim_end().len());
            if text.len() < MAX_LINE {
                text.push(' ');
            }
            cur = Some((start, text));
        } else {
            out.push((start, text));
        }
    }
    if let Some(c) = cur {
        out.push(c);
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    Op,
}

/// Shell words and command separators of one line; stops at a comment.
fn tokens(line: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let flush = |out: &mut Vec<Tok>, word: &mut String, in_word: &mut bool| {
        if *in_word {
            out.push(Tok::Word(std::mem::take(word)));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '#' if !in_word => break,
            ' ' | '\t' => flush(&mut out, &mut word, &mut in_word),
            ';' | '&' | '|' => {
                flush(&mut out, &mut word, &mut in_word);
                while chars.peek().is_some_and(|n| matches!(n, ';' | '&' | '|')) {
                    chars.next();
                }
                out.push(Tok::Op);
            }
            '(' | ')' if !in_word => {
                out.push(Tok::Op);
            }
            '\'' => {
                in_word = true;
                for n in chars.by_ref() {
                    if n == '\'' {
                        break;
                    }
                    word.push(n);
                }
            }
            '"' => {
                in_word = true;
                while let Some(n) = chars.next() {
                    match n {
                        '"' => break,
                        '\\' => {
                            if let Some(m) = chars.next() {
                                word.push(m);
                            }
                        }
                        _ => word.push(n),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            _ => {
                in_word = true;
                word.push(c);
            }
        }
    }
    flush(&mut out, &mut word, &mut in_word);
    out
}

/// `NAME=value` assignments of a script (first one wins), for `$NAME`.
pub(crate) fn assignments(lines: &[(usize, String)]) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    for (_, line) in lines {
        let mut words = tokens(line).into_iter();
        let mut first = words.next();
        if let Some(Tok::Word(w)) = &first
            && matches!(w.as_str(), "export" | "readonly" | "local")
        {
            first = words.next();
        }
        if let Some(Tok::Word(w)) = first
            && let Some((name, value)) = w.split_once('=')
            && is_name(name)
            && !value.contains('$')
        {
            vars.entry(name.to_string()).or_insert(value.to_string());
        }
    }
    vars
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// `$NAME` and `${NAME}` replaced by known values; unknown ones kept.
fn expand(word: &str, vars: &BTreeMap<String, String>) -> String {
    if !word.contains('$') || vars.is_empty() {
        return word.to_string();
    }
    let mut out = String::new();
    let mut rest = word;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, len) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match vars.get(name) {
            Some(v) if len > 0 => {
                out.push_str(v);
                rest = &after[len..];
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The simple commands of one logical line, variables substituted.
pub(crate) fn commands(line: &str, vars: &BTreeMap<String, String>) -> Vec<Command> {
    commands_at(line, vars, 0)
}

fn commands_at(line: &str, vars: &BTreeMap<String, String>, depth: usize) -> Vec<Command> {
    let mut out = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut toks = tokens(line);
    toks.push(Tok::Op);
    for t in toks {
        match t {
            Tok::Word(w) => words.push(expand(&w, vars)),
            Tok::Op => {
                if !words.is_empty() {
                    out.extend(resolve(&words, vars, depth));
                    words.clear();
                }
            }
        }
    }
    out
}

const KEYWORDS: [&str; 16] = [
    "if", "then", "else", "elif", "do", "while", "until", "!", "{", "}", "time", "exec", "nohup",
    "setsid", "command", "builtin",
];

const SHELLS: [&str; 8] = ["sh", "ash", "bash", "dash", "hush", "msh", "ksh", "zsh"];

pub(crate) fn is_shell(program: &str) -> bool {
    SHELLS.contains(&basename(program.trim_start_matches('-')))
}

/// The command a list of words runs, looking through wrappers; `None` when
/// it starts nothing (a stop, a `case` word, a bare keyword).
fn resolve(words: &[String], vars: &BTreeMap<String, String>, depth: usize) -> Vec<Command> {
    let mut w: &[String] = words;
    loop {
        let Some(first) = w.first() else {
            return Vec::new();
        };
        let f = first.as_str();
        let assignment = f.split_once('=').is_some_and(|(n, _)| is_name(n));
        // `start)` (a case pattern) or `*)`
        let pattern = f.ends_with(')') && !f.contains('(');
        if KEYWORDS.contains(&f) || assignment || pattern {
            w = &w[1..];
            continue;
        }
        if matches!(
            f,
            "case" | "for" | "function" | "fi" | "done" | "esac" | "in"
        ) {
            return Vec::new();
        }
        break;
    }
    let Some((program, args)) = w.split_first() else {
        return Vec::new();
    };
    let name = basename(program);
    let plain = |p: &String, a: &[String]| {
        vec![Command {
            program: p.clone(),
            args: a.to_vec(),
        }]
    };
    match name {
        "busybox" | "env" | "nice" | "chrt" | "tcpd" => {
            let rest: Vec<String> = args
                .iter()
                .skip_while(|a| a.starts_with('-') || a.contains('='))
                .cloned()
                .collect();
            if rest.is_empty() {
                return plain(program, args);
            }
            resolve(&rest, vars, depth)
        }
        "start-stop-daemon" => {
            let stops = args
                .iter()
                .any(|a| matches!(a.as_str(), "-K" | "--stop") || a.starts_with("-K"));
            if stops {
                return Vec::new();
            }
            let mut exec = None;
            let mut it = args.iter().enumerate();
            while let Some((i, a)) = it.next() {
                if let Some(v) = a
                    .strip_prefix("--exec=")
                    .or_else(|| a.strip_prefix("--startas="))
                {
                    exec = Some(v.to_string());
                } else if matches!(a.as_str(), "-x" | "--exec" | "-a" | "--startas") {
                    if let Some((_, v)) = it.next() {
                        exec = Some(v.clone());
                    }
                } else if a == "--" {
                    let rest = args.get(i + 1..).unwrap_or_default().to_vec();
                    return exec.map_or(Vec::new(), |e| {
                        vec![Command {
                            program: e,
                            args: rest,
                        }]
                    });
                }
            }
            exec.map_or(Vec::new(), |e| {
                vec![Command {
                    program: e,
                    args: Vec::new(),
                }]
            })
        }
        "procd_set_param" => match args.split_first() {
            Some((k, rest)) if k == "command" && !rest.is_empty() => resolve(rest, vars, depth),
            _ => Vec::new(),
        },
        "service_start" => {
            let rest: Vec<String> = args
                .iter()
                .skip_while(|a| a.starts_with('-'))
                .cloned()
                .collect();
            if rest.is_empty() {
                Vec::new()
            } else {
                resolve(&rest, vars, depth)
            }
        }
        "service_stop" | "kill" | "killall" | "pkill" | "killall5" => Vec::new(),
        "tcpsvd" | "udpsvd" => {
            // tcpsvd [-hEv] [-c N] [-C N[:MSG]] [-b N] [-u USER] [-l NAME] IP PORT PROG ARGS
            let mut positional = Vec::new();
            let mut i = 0;
            while let Some(a) = args.get(i) {
                if positional.len() < 2 && a.starts_with('-') && a.len() > 1 {
                    if matches!(a.as_str(), "-c" | "-C" | "-b" | "-u" | "-l") {
                        i += 1;
                    }
                } else {
                    positional.push(i);
                    if positional.len() == 3 {
                        return resolve(&args[i..], vars, depth);
                    }
                }
                i += 1;
            }
            plain(program, args)
        }
        _ if is_shell(program) && depth < MAX_DEPTH => match args.iter().position(|a| a == "-c") {
            Some(i) => match args.get(i + 1) {
                Some(script) => commands_at(script, vars, depth + 1),
                None => plain(program, args),
            },
            None => plain(program, args),
        },
        _ => plain(program, args),
    }
}

// ── boot sources ──────────────────────────────────────────────────────────

const SYSTEMD_DIRS: [&str; 3] = [
    "/etc/systemd/system",
    "/lib/systemd/system",
    "/usr/lib/systemd/system",
];

const RC_LOCAL: [&str; 3] = [
    "/etc/rc.local",
    "/etc/rc.d/rc.local",
    "/etc/init.d/rc.local",
];

/// Scripts run directly by init or from inittab.
const RC_MAIN: [&str; 6] = [
    "/etc/init.d/rcS",
    "/etc/init.d/rc",
    "/etc/rc.d/rcS",
    "/etc/rc.d/rc.sysinit",
    "/etc/rc.sysinit",
    "/etc/rcS",
];

/// Reads what the tree starts.
pub(crate) fn startup<'a>(tree: &Tree<'a>) -> Startup<'a> {
    let mut s = Startup::default();
    let init_scripts: Vec<&str> = tree.children("/etc/init.d").collect();
    let has_units = SYSTEMD_DIRS
        .iter()
        .any(|d| tree.children(d).next().is_some());
    s.init_present = tree.exists("/etc/inittab")
        || !init_scripts.is_empty()
        || has_units
        || RC_LOCAL.iter().any(|p| tree.exists(p));

    // inittab
    if let Some((path, bytes)) = tree.text("/etc/inittab") {
        for (offset, line) in logical_lines(bytes) {
            let t = line.trim_start();
            if t.starts_with('#') || t.is_empty() {
                continue;
            }
            let mut f = t.splitn(4, ':');
            let (Some(id), Some(_levels), Some(action), Some(process)) =
                (f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            if matches!(action, "shutdown" | "ctrlaltdel" | "restart" | "kbrequest")
                || action.starts_with("power")
            {
                continue;
            }
            // BusyBox: a leading '-' on the process asks for a login shell.
            for command in commands(process, &BTreeMap::new()) {
                push(
                    &mut s,
                    Start {
                        file: path,
                        offset,
                        line: line.clone(),
                        command,
                        when: When::Boot,
                        via: Via::Inittab {
                            id: id.to_string(),
                            action: action.to_string(),
                        },
                    },
                );
            }
        }
    }

    // scripts: rc.local, rcS, enabled init scripts; then scripts that boot
    // lines start by name.
    let link_dirs: Vec<String> = ["/etc/rc.d".to_string()]
        .into_iter()
        .chain((0..=6).map(|n| format!("/etc/rc{n}.d")))
        .chain(["/etc/rcS.d".to_string()])
        .filter(|d| tree.children(d).any(|c| basename(c).starts_with('S')))
        .collect();
    let mut queue: Vec<String> = RC_LOCAL
        .iter()
        .chain(RC_MAIN.iter())
        .map(|p| p.to_string())
        .collect();
    if link_dirs.is_empty() {
        queue.extend(init_scripts.iter().map(|p| p.to_string()));
    } else {
        for d in &link_dirs {
            for link in tree.children(d) {
                let name = basename(link);
                let Some(rest) = name.strip_prefix('S') else {
                    continue;
                };
                let by_target = match tree.kinds.get(link) {
                    Some((_, EntryKind::Symlink { target })) => Some(basename(target).to_string()),
                    _ => None,
                };
                let by_name = rest.trim_start_matches(|c: char| c.is_ascii_digit());
                if let Some(t) = by_target {
                    queue.push(format!("/etc/init.d/{t}"));
                }
                queue.push(format!("/etc/init.d/{by_name}"));
                // A start link that is itself a script (some vendors copy).
                queue.push(link.to_string());
            }
        }
    }
    let mut done: BTreeSet<String> = BTreeSet::new();
    // inittab may run any script by path.
    let from_inittab: Vec<String> = s
        .starts
        .iter()
        .filter_map(|st| runs_script(&st.command))
        .collect();
    queue.extend(from_inittab);
    while let Some(script) = queue.pop() {
        if done.len() > 4096 || !done.insert(script.clone()) {
            continue;
        }
        let Some((path, bytes)) = tree.text(&script) else {
            continue;
        };
        let lines = logical_lines(bytes);
        let vars = assignments(&lines);
        for (offset, line) in &lines {
            for command in commands(line, &vars) {
                if let Some(script) = runs_script(&command) {
                    queue.push(script);
                }
                push(
                    &mut s,
                    Start {
                        file: path,
                        offset: *offset,
                        line: line.clone(),
                        command,
                        when: When::Boot,
                        via: Via::Script,
                    },
                );
            }
        }
    }

    systemd(tree, &mut s);
    cron(tree, &mut s);
    inetd(tree, &mut s);
    s
}

/// The script a boot command runs by path (`/etc/init.d/telnet start`,
/// `/bin/sh /etc/init.d/rcS`, `/usr/sbin/acme-boot`): its commands run at
/// boot too. `None` for a stop or status call.
fn runs_script(c: &Command) -> Option<String> {
    if c.args.iter().any(|a| {
        matches!(
            a.as_str(),
            "stop" | "disable" | "status" | "disabled" | "enabled"
        )
    }) {
        return None;
    }
    let p = if is_shell(&c.program) {
        c.args.iter().find(|a| !a.starts_with('-'))?
    } else {
        &c.program
    };
    p.starts_with('/').then(|| p.clone())
}

fn push<'a>(s: &mut Startup<'a>, start: Start<'a>) {
    if s.starts.len() < MAX_STARTS {
        s.starts.push(start);
    }
}

/// `(section, key, value, offset, line)` of a unit file.
fn unit_entries(bytes: &[u8]) -> Vec<(String, String, String, usize, String)> {
    let mut out = Vec::new();
    let mut section = String::new();
    for (offset, line) in logical_lines(bytes) {
        let t = line.trim();
        if t.starts_with('#') || t.starts_with(';') || t.is_empty() {
            continue;
        }
        if t.starts_with('[') && t.ends_with(']') {
            section = t.to_string();
            continue;
        }
        if let Some((k, v)) = t.split_once('=') {
            out.push((
                section.clone(),
                k.trim().to_string(),
                v.trim().to_string(),
                offset,
                line.clone(),
            ));
        }
    }
    out
}

fn systemd<'a>(tree: &Tree<'a>, s: &mut Startup<'a>) {
    // unit name → (path, bytes), /etc first (it overrides /lib).
    let mut units: BTreeMap<&str, (&'a [String], &'a [u8])> = BTreeMap::new();
    let mut enabled: BTreeSet<String> = BTreeSet::new();
    let mut any_wants = false;
    for dir in SYSTEMD_DIRS {
        for child in tree.children(dir) {
            let name = basename(child);
            if name.ends_with(".wants") || name.ends_with(".requires") {
                any_wants = true;
                for link in tree.children(child) {
                    let n = basename(link);
                    enabled.insert(n.to_string());
                    // an instance (`serial-getty@ttyS0.service`) runs its template
                    if let Some((base, rest)) = n.split_once('@')
                        && let Some(ext) = rest.rsplit('.').next()
                    {
                        enabled.insert(format!("{base}@.{ext}"));
                    }
                }
            } else if let Some(f) = tree.text(child) {
                units.entry(name).or_insert(f);
            }
        }
    }
    if !any_wants {
        for (name, (_, bytes)) in &units {
            if unit_entries(bytes).iter().any(|(sec, k, _, _, _)| {
                sec == "[Install]" && matches!(k.as_str(), "WantedBy" | "RequiredBy")
            }) {
                enabled.insert(name.to_string());
            }
        }
    }
    let exec = |s: &mut Startup<'a>, unit: &str, when: When, via: Via| {
        let Some((path, bytes)) = units.get(unit) else {
            return;
        };
        for (sec, k, v, offset, line) in unit_entries(bytes) {
            if sec != "[Service]" || k != "ExecStart" {
                continue;
            }
            let v = v.trim_start_matches(['-', '@', ':', '+', '!']);
            for command in commands(v, &BTreeMap::new()) {
                push(
                    s,
                    Start {
                        file: path,
                        offset,
                        line: line.clone(),
                        command,
                        when,
                        via: via.clone(),
                    },
                );
            }
        }
    };
    for name in enabled.iter() {
        let stem = name.rsplit_once('.').map_or(name.as_str(), |(a, _)| a);
        if name.ends_with(".service") {
            exec(s, name, When::Boot, Via::Systemd { unit: name.clone() });
        } else if name.ends_with(".socket") || name.ends_with(".timer") {
            let Some((_, bytes)) = units.get(name.as_str()) else {
                continue;
            };
            let entries = unit_entries(bytes);
            let get = |key: &str| {
                entries
                    .iter()
                    .find(|(_, k, _, _, _)| k == key)
                    .map(|(_, _, v, _, _)| v.clone())
            };
            if name.ends_with(".socket") {
                let accept = get("Accept").is_some_and(|v| {
                    matches!(v.to_ascii_lowercase().as_str(), "yes" | "true" | "1" | "on")
                });
                let service = get("Service").unwrap_or_else(|| {
                    if accept {
                        format!("{stem}@.service")
                    } else {
                        format!("{stem}.service")
                    }
                });
                exec(s, &service, When::Boot, Via::Systemd { unit: name.clone() });
            } else {
                let unit = get("Unit").unwrap_or_else(|| format!("{stem}.service"));
                exec(
                    s,
                    &unit,
                    When::Schedule,
                    Via::Timer {
                        timer: name.clone(),
                    },
                );
            }
        }
    }
}

fn cron<'a>(tree: &Tree<'a>, s: &mut Startup<'a>) {
    let mut tabs: Vec<(&str, bool)> = Vec::new();
    for d in [
        "/etc/crontabs",
        "/var/spool/cron/crontabs",
        "/var/spool/cron",
    ] {
        tabs.extend(tree.children(d).map(|c| (c, false)));
    }
    tabs.push(("/etc/crontab", true));
    tabs.extend(tree.children("/etc/cron.d").map(|c| (c, true)));
    for (tab, user_field) in tabs {
        let Some((path, bytes)) = tree.text(tab) else {
            continue;
        };
        for (offset, line) in logical_lines(bytes) {
            let t = line.trim_start();
            if t.starts_with('#') || t.is_empty() {
                continue;
            }
            let first = t.split_whitespace().next().unwrap_or_default();
            if first
                .split_once('=')
                .is_some_and(|(n, _)| is_name(n.trim()))
            {
                continue; // SHELL=/bin/sh, MAILTO=…
            }
            let skip = if first.starts_with('@') { 1 } else { 5 } + usize::from(user_field);
            let Some(cmd) = nth_field_rest(t, skip) else {
                continue;
            };
            for command in commands(cmd, &BTreeMap::new()) {
                push(
                    s,
                    Start {
                        file: path,
                        offset,
                        line: line.clone(),
                        command,
                        when: When::Schedule,
                        via: Via::Cron,
                    },
                );
            }
        }
    }
    for d in [
        "/etc/cron.hourly",
        "/etc/cron.daily",
        "/etc/cron.weekly",
        "/etc/cron.monthly",
    ] {
        for script in tree.children(d) {
            let Some((path, bytes)) = tree.text(script) else {
                continue;
            };
            let lines = logical_lines(bytes);
            let vars = assignments(&lines);
            for (offset, line) in &lines {
                for command in commands(line, &vars) {
                    push(
                        s,
                        Start {
                            file: path,
                            offset: *offset,
                            line: line.clone(),
                            command,
                            when: When::Schedule,
                            via: Via::Cron,
                        },
                    );
                }
            }
        }
    }
}

/// The rest of `line` after `n` whitespace-separated fields.
fn nth_field_rest(line: &str, n: usize) -> Option<&str> {
    let mut rest = line.trim_start();
    for _ in 0..n {
        let end = rest.find(char::is_whitespace)?;
        rest = rest[end..].trim_start();
    }
    (!rest.is_empty()).then_some(rest)
}

fn inetd<'a>(tree: &Tree<'a>, s: &mut Startup<'a>) {
    let started = |names: &[&str]| {
        s.starts
            .iter()
            .any(|st| st.when == When::Boot && names.contains(&st.command.name()))
    };
    let inetd_runs = started(&["inetd", "openbsd-inetd", "inetutils-inetd"]);
    let xinetd_runs = started(&["xinetd"]);
    let mut found = Vec::new();
    if inetd_runs && let Some((path, bytes)) = tree.text("/etc/inetd.conf") {
        for (offset, line) in logical_lines(bytes) {
            let t = line.trim_start();
            if t.starts_with('#') || t.is_empty() {
                continue;
            }
            // service socktype proto wait user server argv0 args…
            let Some(server) = nth_field_rest(t, 5) else {
                continue;
            };
            let mut words: Vec<String> = tokens(server)
                .into_iter()
                .filter_map(|t| match t {
                    Tok::Word(w) => Some(w),
                    Tok::Op => None,
                })
                .collect();
            if words.len() > 1 {
                words.remove(1); // argv[0]
            }
            for command in resolve(&words, &BTreeMap::new(), 0) {
                found.push(Start {
                    file: path,
                    offset,
                    line: line.clone(),
                    command,
                    when: When::Boot,
                    via: Via::Inetd,
                });
            }
        }
    }
    if xinetd_runs {
        for conf in tree.children("/etc/xinetd.d") {
            let Some((path, bytes)) = tree.text(conf) else {
                continue;
            };
            let mut server: Option<(usize, String, String)> = None;
            let mut args: Vec<String> = Vec::new();
            let mut disabled = false;
            for (offset, line) in logical_lines(bytes) {
                let t = line.trim();
                if t.starts_with('#') {
                    continue;
                }
                if t == "}" {
                    if let Some((off, l, prog)) = server.take()
                        && !disabled
                    {
                        found.push(Start {
                            file: path,
                            offset: off,
                            line: l,
                            command: Command {
                                program: prog,
                                args: std::mem::take(&mut args),
                            },
                            when: When::Boot,
                            via: Via::Inetd,
                        });
                    }
                    disabled = false;
                    args.clear();
                    continue;
                }
                let Some((k, v)) = t.split_once('=') else {
                    continue;
                };
                let v = v.trim();
                match k.trim() {
                    "server" => server = Some((offset, line.clone(), v.to_string())),
                    "server_args" => args = v.split_whitespace().map(String::from).collect(),
                    "disable" => disabled = v.eq_ignore_ascii_case("yes"),
                    _ => {}
                }
            }
        }
    }
    for f in found {
        push(s, f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmds(line: &str) -> Vec<(String, Vec<String>)> {
        commands(line, &BTreeMap::new())
            .into_iter()
            .map(|c| (c.name().to_string(), c.args))
            .collect()
    }

    fn names(line: &str) -> Vec<String> {
        cmds(line).into_iter().map(|(n, _)| n).collect()
    }

    #[test]
    fn simple_commands_and_wrappers() {
        assert_eq!(names("telnetd -p 65534 &"), ["telnetd"]);
        assert_eq!(names("# telnetd -l /bin/sh"), Vec::<String>::new());
        assert_eq!(names("killall telnetd; echo done"), ["echo"]);
        assert_eq!(
            names("[ -x /usr/sbin/telnetd ] && /usr/sbin/telnetd -l /bin/login"),
            ["[", "telnetd"]
        );
        assert_eq!(names("start) busybox telnetd -F ;;"), ["telnetd"]);
        assert_eq!(
            names("start-stop-daemon -S -q -x /usr/sbin/vsftpd -- /etc/vsftpd.conf"),
            ["vsftpd"]
        );
        assert_eq!(
            names("start-stop-daemon --stop --exec /usr/sbin/telnetd"),
            Vec::<String>::new()
        );
        assert_eq!(
            names("procd_set_param command /usr/sbin/telnetd -F -l /bin/login.sh"),
            ["telnetd"]
        );
        assert_eq!(names("procd_set_param respawn"), Vec::<String>::new());
        assert_eq!(names("tcpsvd -vE 0.0.0.0 21 ftpd -w /srv"), ["ftpd"]);
        assert_eq!(names("udpsvd -c 5 -E 0 69 tftpd /srv"), ["tftpd"]);
        assert_eq!(names("/bin/sh -c 'telnetd -l /bin/sh'"), ["telnetd"]);
        assert_eq!(
            names("if true; then nohup utelnetd -d; fi"),
            ["true", "utelnetd"]
        );
        assert_eq!(
            cmds("telnetd -l \"/bin/sh\" -p 2323")[0].1,
            ["-l", "/bin/sh", "-p", "2323"]
        );
    }

    #[test]
    fn variables_and_continuations() {
        let text = b"#!/bin/sh\nPROG=/usr/sbin/telnetd\nstart() {\n  $PROG \\\n   -p 23\n}\n";
        let lines = logical_lines(text);
        assert_eq!(lines[3], (43, "  $PROG -p 23".to_string()));
        let vars = assignments(&lines);
        let c = commands(&lines[3].1, &vars);
        assert_eq!(c[0].program, "/usr/sbin/telnetd");
        assert_eq!(c[0].args, ["-p", "23"]);
        assert_eq!(expand("${X}y$Z", &vars), "${X}y$Z");
    }

    #[test]
    fn hostile_lines_are_bounded() {
        let long = "a\\\n".repeat(100_000);
        let lines = logical_lines(long.as_bytes());
        assert_eq!(lines.len(), 1);
        assert!(lines[0].1.len() <= MAX_LINE + 1);
        assert!(names("'unterminated").len() <= 1);
        assert!(names("\"x\\").len() <= 1);
        assert_eq!(nth_field_rest("1 2 3", 5), None);
    }
}
