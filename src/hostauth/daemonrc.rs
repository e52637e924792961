//! The daemon's access file (ROOT's `RpdCheckAuthAllow`): which methods, in order of preference,
//! the daemon accepts from a client host, and for which users.
//!
//! File: `$ROOTDAEMONRC`, else `$HOME/.rootdaemonrc` for a daemon not running as root, else
//! `<etc>/system.rootdaemonrc` (the first that exists). A file chosen that cannot be read (or
//! is too large), and a `$ROOTDAEMONRC` that names no file, refuse every method.
//!
//! ```text
//! <host>[:rootd|:proofd|:sockd]  <m1>[:u1:u2...] <m2>[:-u3...] ...   (`\` continues the line)
//! <host>                         none
//! ```
//!
//! The last line whose host pattern matches applies; a `default` (or `*`) line only when no other
//! line matches; no matching line at all gives the built-in default ([`BUILT_IN_DEFAULT`]).

use std::path::{Path, PathBuf};

use super::model::Method;
use super::pattern::{HostId, HostPattern, ServerKind, split_server};
use super::rootrc::etc_dir;
use super::source::{Diagnostic, Env, MAX_FILE_BYTES, logical_lines, read_rc, words};

/// What a daemon accepts when its file has no line for the client: ROOT's `RpdDefaultAuthAllow`
/// order (usrpwd, ssh, then the strong methods), limited to the methods the daemon has. Never uidgid.
pub(crate) const BUILT_IN_DEFAULT: [Method; 5] =
    [Method::UsrPwd, Method::Ssh, Method::Srp, Method::Krb5, Method::Globus];

/// One accepted method and the users it is limited to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Accepted {
    pub(crate) method: Method,
    /// If not empty, only these users (`m:u1:u2`).
    pub(crate) allow: Vec<Vec<u8>>,
    /// Never these users (`m:-u`).
    pub(crate) deny: Vec<Vec<u8>>,
}

impl Accepted {
    /// Whether `user` may use this method: not denied, and allowed if there is an allow list.
    /// Names are compared exactly (ROOT compared uids with `strstr`, so uid 1 matched 10, 100, ...).
    pub(crate) fn admits(&self, user: &[u8]) -> bool {
        !self.deny.iter().any(|u| u == user) && (self.allow.is_empty() || self.allow.iter().any(|u| u == user))
    }
}

#[derive(Clone, Debug)]
struct Rule {
    line: usize,
    pattern: HostPattern,
    server: Option<ServerKind>,
    /// Empty for `none`.
    methods: Vec<Accepted>,
}

/// The answer to "what does the daemon accept from this client": methods in order of preference,
/// and the line that decided (`None`: the built-in default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Decision {
    pub(crate) methods: Vec<Method>,
    pub(crate) line: Option<usize>,
}

/// A parsed daemon access file.
#[derive(Clone, Debug, Default)]
pub(crate) struct Daemonrc {
    file: Option<PathBuf>,
    rules: Vec<Rule>,
    diagnostics: Vec<Diagnostic>,
    /// The file chosen could not be read: nothing is accepted.
    unreadable: bool,
}

fn candidates(env: &dyn Env) -> Vec<PathBuf> {
    if let Some(file) = env.var("ROOTDAEMONRC").filter(|v| !v.is_empty()) {
        return vec![PathBuf::from(file)];
    }
    let mut files = Vec::new();
    if !env.superuser() {
        files.extend(env.home().map(|h| h.join(".rootdaemonrc")));
    }
    files.push(etc_dir(env).join("system.rootdaemonrc"));
    files
}

/// Parses one method word `m[:u1:u2...][:-u3...]`.
fn parse_accepted(word: &[u8]) -> Result<Accepted, String> {
    let mut parts = word.split(|b| *b == b':');
    let name = parts.next().unwrap_or_default();
    let method = Method::parse(name).ok_or_else(|| format!("unknown method '{}'", String::from_utf8_lossy(name)))?;
    let mut accepted = Accepted { method, allow: Vec::new(), deny: Vec::new() };
    for user in parts {
        match user {
            [] | [b'-'] => return Err(format!("empty user name in '{}'", String::from_utf8_lossy(word))),
            [b'-', name @ ..] => accepted.deny.push(name.to_vec()),
            name => accepted.allow.push(name.to_vec()),
        }
    }
    Ok(accepted)
}

fn parse_rule(line: usize, ws: &[&[u8]]) -> Result<Rule, String> {
    let (host, server) = split_server(ws[0])?;
    let pattern = HostPattern::parse(host)?;
    let mut methods: Vec<Accepted> = Vec::new();
    match &ws[1..] {
        [] => return Err("no methods for this host (write 'none' to refuse every method)".into()),
        [b"none"] => {}
        words => {
            for word in words {
                if *word == b"none" {
                    return Err("'none' must be the only word after the host".into());
                }
                let accepted = parse_accepted(word)?;
                match methods.iter_mut().find(|a| a.method == accepted.method) {
                    Some(existing) => {
                        existing.allow.extend(accepted.allow);
                        existing.deny.extend(accepted.deny);
                    }
                    None => methods.push(accepted),
                }
            }
        }
    }
    Ok(Rule { line, pattern, server, methods })
}

impl Daemonrc {
    /// Reads the file that applies: the first candidate that exists. None at all is not an
    /// error (the built-in default applies); but a file that exists and cannot be read, or a
    /// `$ROOTDAEMONRC` naming none, refuses every method with a diagnostic: the rules the
    /// administrator wrote must not silently give way to the next file or the permissive default.
    pub(crate) fn load(env: &dyn Env) -> Daemonrc {
        let files = candidates(env);
        let mut rc = Daemonrc::default();
        // An error other than "no such file" (permissions, a symlink loop) counts as existing.
        match files.iter().find(|path| !matches!(path.try_exists(), Ok(false))) {
            // The daemon reads its access file at every session: no stamps to keep.
            Some(path) => {
                match read_rc(path, MAX_FILE_BYTES, &mut Vec::new()) {
                    Ok(data) => rc.parse_into(path, &data),
                    Err(diagnostic) => rc.refuse_all(diagnostic.file, &diagnostic.message),
                }
                rc.file = Some(path.clone());
            }
            None if env.var("ROOTDAEMONRC").is_some_and(|v| !v.is_empty()) => {
                rc.refuse_all(files[0].clone(), "$ROOTDAEMONRC names this file but it does not exist");
            }
            None => {}
        }
        rc
    }

    fn refuse_all(&mut self, file: PathBuf, why: &str) {
        let message = format!("{why}; every method is refused");
        self.diagnostics.push(Diagnostic { file, line: 0, message });
        self.unreadable = true;
    }

    /// Parses `data` as if read from `path`.
    pub(crate) fn parse(path: &Path, data: &[u8]) -> Daemonrc {
        let mut rc = Daemonrc { file: Some(path.to_path_buf()), ..Daemonrc::default() };
        rc.parse_into(path, data);
        rc
    }

    fn parse_into(&mut self, path: &Path, data: &[u8]) {
        for (line, text) in logical_lines(data) {
            match parse_rule(line, &words(&text)) {
                Ok(rule) => self.rules.push(rule),
                Err(message) => self.diagnostics.push(Diagnostic { file: path.to_path_buf(), line, message }),
            }
        }
    }

    #[cfg(test)]
    /// The file read, if any.
    pub(crate) fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The problems found, each naming file and line; each named line was skipped.
    pub(crate) fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The methods this daemon (`server`, having the methods `have`) accepts from `user` at `host`,
    /// in order of preference.
    pub(crate) fn accepted(&self, host: &HostId<'_>, user: &[u8], server: ServerKind, have: &[Method]) -> Decision {
        if self.unreadable {
            return Decision { methods: Vec::new(), line: None };
        }
        let mut found = None;
        let mut default = None;
        for rule in self.rules.iter().filter(|r| r.server.is_none_or(|s| s == server)) {
            if rule.pattern.is_default() {
                default = Some(rule);
            } else if rule.pattern.matches(host) {
                found = Some(rule);
            }
        }
        match found.or(default) {
            Some(rule) => Decision {
                methods: rule
                    .methods
                    .iter()
                    .filter(|a| have.contains(&a.method) && a.admits(user))
                    .map(|a| a.method)
                    .collect(),
                line: Some(rule.line),
            },
            None => {
                Decision { methods: BUILT_IN_DEFAULT.into_iter().filter(|m| have.contains(m)).collect(), line: None }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::source::test_support::{MapEnv, home_and_etc};
    use super::*;

    /// The example and active lines of ROOT's etc/system.rootdaemonrc (rootdaemonrc.in).
    const ROOT_EXAMPLES: &str = "\
default              none
default              ssh 0 uidgid
137.138.             4 0
pceple19.cern.ch     4 1 3 2 5 0
lxplus*.cern.ch      4 1 globus 0:qwerty:uytre 5
pcep*.cern.ch:rootd  4 1 5:qwerty
127.0.0.1            4 0 3 1 2 5
default usrpwd ssh
";

    fn at<'a>(name: &'a str, addr: &str) -> HostId<'a> {
        HostId { name: name.as_bytes(), addr: Some(addr.parse().unwrap()) }
    }

    fn codes(d: &Decision) -> Vec<u8> {
        d.methods.iter().map(|m| m.code()).collect()
    }

    #[test]
    fn roots_examples() {
        let rc = Daemonrc::parse(Path::new("/t/daemonrc"), ROOT_EXAMPLES.as_bytes());
        assert!(rc.diagnostics().is_empty(), "{:?}", rc.diagnostics());
        let all = Method::ALL;
        let q = |host: &HostId<'_>, user: &str, server| rc.accepted(host, user.as_bytes(), server, &all);
        let d = q(&at("pcfoo.cern.ch", "137.138.1.2"), "u", ServerKind::Rootd);
        assert_eq!((codes(&d), d.line), (vec![4, 0], Some(3)));
        let pceple19 = at("pceple19.cern.ch", "137.138.99.1");
        assert_eq!(codes(&q(&pceple19, "qwerty", ServerKind::Rootd)), [4, 1, 5]);
        assert_eq!(codes(&q(&pceple19, "other", ServerKind::Rootd)), [4, 1]);
        assert_eq!(codes(&q(&pceple19, "other", ServerKind::Proofd)), [4, 1, 3, 2, 5, 0]);
        let lxplus = at("lxplus01.cern.ch", "10.0.0.1");
        assert_eq!(codes(&q(&lxplus, "qwerty", ServerKind::Rootd)), [4, 1, 3, 0, 5]);
        assert_eq!(codes(&q(&lxplus, "uytre", ServerKind::Rootd)), [4, 1, 3, 0, 5]);
        assert_eq!(codes(&q(&lxplus, "qwert", ServerKind::Rootd)), [4, 1, 3, 5]);
        assert_eq!(codes(&q(&at("localhost", "127.0.0.1"), "u", ServerKind::Sockd)), [4, 0, 3, 1, 2, 5]);
        let d = q(&at("elsewhere.org", "192.0.2.1"), "u", ServerKind::Rootd);
        assert_eq!((codes(&d), d.line), (vec![0, 4], Some(8)));
        // Methods the daemon does not have are not offered.
        let have = [Method::UsrPwd, Method::UidGid];
        assert_eq!(codes(&rc.accepted(&at("localhost", "127.0.0.1"), b"u", ServerKind::Rootd, &have)), [0, 5]);
    }

    #[test]
    fn built_in_default_and_none() {
        let empty = Daemonrc::default();
        let d = empty.accepted(&HostId::name(b"h"), b"u", ServerKind::Rootd, &Method::ALL);
        assert_eq!((codes(&d), d.line), (vec![0, 4, 1, 2, 3], None));
        let d = empty.accepted(&HostId::name(b"h"), b"u", ServerKind::Rootd, &[Method::UidGid, Method::UsrPwd]);
        assert_eq!(codes(&d), [0]);
        let rc = Daemonrc::parse(Path::new("f"), b"default 0 5\nbad.example none\n");
        assert_eq!(
            codes(&rc.accepted(&HostId::name(b"bad.example"), b"u", ServerKind::Rootd, &Method::ALL)),
            [] as [u8; 0]
        );
        assert_eq!(codes(&rc.accepted(&HostId::name(b"ok.example"), b"u", ServerKind::Rootd, &Method::ALL)), [0, 5]);
    }

    #[test]
    fn user_lists_match_exactly() {
        let rc = Daemonrc::parse(Path::new("f"), b"h 0:-bob 5:alice:carol 0:-dave\n");
        let q = |u: &str| codes(&rc.accepted(&HostId::name(b"h"), u.as_bytes(), ServerKind::Rootd, &Method::ALL));
        assert_eq!(q("bob"), [] as [u8; 0]);
        assert_eq!(q("dave"), [] as [u8; 0]);
        assert_eq!(q("alice"), [0, 5]);
        assert_eq!(q("carol"), [0, 5]);
        assert_eq!(q("alice2"), [0]);
        assert_eq!(q("ali"), [0]);
        assert_eq!(q("bo"), [0]);
    }

    #[test]
    fn continuation_lines() {
        let rc = Daemonrc::parse(Path::new("f"), b"lxplus*.cern.ch 4 \\\n   0 \\\n 5:alice\n");
        assert!(rc.diagnostics().is_empty());
        let q = rc.accepted(&HostId::name(b"lxplus1.cern.ch"), b"alice", ServerKind::Rootd, &Method::ALL);
        assert_eq!((codes(&q), q.line), (vec![4, 0, 5], Some(1)));
    }

    #[test]
    fn malformed_lines_are_skipped_with_file_and_line() {
        let rc = Daemonrc::parse(
            Path::new("/t/daemonrc"),
            b"h\nh 9\nh none 0\nh 0:\nh 0:-\nh:xrootd 0\nh/x 0\nh 0::bob\nh kerberos\nok 0\n",
        );
        let lines: Vec<usize> = rc.diagnostics().iter().map(|d| d.line).collect();
        assert_eq!(lines, (1..=9).collect::<Vec<_>>());
        assert_eq!(rc.diagnostics()[1].to_string(), "/t/daemonrc:2: unknown method '9'");
        assert_eq!(rc.rules.len(), 1);
    }

    #[test]
    fn file_choice() {
        let (dir, etc, env) = home_and_etc("daemonrc");
        std::fs::write(etc.join("system.rootdaemonrc"), "default 0\n").unwrap();
        let rc = Daemonrc::load(&env);
        assert_eq!(rc.file(), Some(&*etc.join("system.rootdaemonrc")));
        std::fs::write(dir.join(".rootdaemonrc"), "default 5\n").unwrap();
        assert_eq!(Daemonrc::load(&env).file(), Some(&*dir.join(".rootdaemonrc")));
        // As root only the system file counts.
        let root_env = MapEnv::default().with("HOME", dir.as_os_str()).with("ROOTETCDIR", etc.as_os_str()).superuser();
        assert_eq!(Daemonrc::load(&root_env).file(), Some(&*etc.join("system.rootdaemonrc")));
        // $ROOTDAEMONRC is the only file when set; naming no file refuses everything.
        let nothing = |rc: &Daemonrc| rc.accepted(&HostId::name(b"h"), b"u", ServerKind::Rootd, &Method::ALL).methods;
        let rc = Daemonrc::load(&env.with("ROOTDAEMONRC", dir.join("missing").as_os_str()));
        assert_eq!(rc.file(), None);
        assert!(rc.diagnostics()[0].message.contains("$ROOTDAEMONRC"));
        assert_eq!(nothing(&rc), []);
        // Oversized: a diagnostic, everything refused (not the permissive built-in default).
        let big = dir.join("big");
        std::fs::write(&big, vec![b'#'; MAX_FILE_BYTES as usize + 1]).unwrap();
        let rc = Daemonrc::load(&MapEnv::default().with("ROOTDAEMONRC", big.as_os_str()));
        assert!(rc.diagnostics()[0].message.contains("limit"), "{:?}", rc.diagnostics());
        assert!(rc.diagnostics()[0].message.contains("every method is refused"));
        assert_eq!(nothing(&rc), []);
    }

    #[test]
    fn an_existing_file_that_cannot_be_read_refuses_everything() {
        let (dir, etc, env) = home_and_etc("daemonrc-unreadable");
        std::fs::write(etc.join("system.rootdaemonrc"), "default 0 5\n").unwrap();
        // A home file that cannot be opened, even by root: a symbolic link to itself.
        std::os::unix::fs::symlink(dir.join(".rootdaemonrc"), dir.join(".rootdaemonrc")).unwrap();
        let rc = Daemonrc::load(&env);
        assert_eq!(rc.file(), Some(&*dir.join(".rootdaemonrc")), "not the next file");
        assert_eq!(rc.diagnostics().len(), 1);
        assert_eq!(rc.diagnostics()[0].file, dir.join(".rootdaemonrc"));
        assert!(rc.diagnostics()[0].message.contains("every method is refused"), "{:?}", rc.diagnostics());
        assert_eq!(rc.accepted(&HostId::name(b"h"), b"u", ServerKind::Rootd, &Method::ALL).methods, []);
    }
}
