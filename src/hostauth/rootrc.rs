//! The authentication keys of ROOT's `.rootrc` family and the default details and methods they
//! give (`TAuthenticate::GetDefaultDetails`, the `Rootd.Authentication` fallback).
//!
//! Files, lowest priority first (a later file overrides a key of an earlier one, as `TEnv` does):
//! `$ROOTSYS/etc/system.rootrc` (when `$ROOTSYS` is set), `<etc>/system.rootrc`, then
//! `$HOME/.rootrc`, where `<etc>` is `$ROOTETCDIR` or `/etc/root` (the seed's order).
//! Only the keys below are read; every other key belongs to other parts of ROOT and is ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::model::{Method, parse_flag};
use super::pattern::ServerKind;
use super::source::{Diagnostic, Env, FileStamp, MAX_FILE_BYTES, logical_lines, read_rc, words};

/// The directory of the system files: `$ROOTETCDIR`, else `/etc/root` (as ROOT's daemons did).
pub(crate) fn etc_dir(env: &dyn Env) -> PathBuf {
    env.var("ROOTETCDIR").filter(|d| !d.is_empty()).map_or_else(|| PathBuf::from("/etc/root"), PathBuf::from)
}

/// The authentication settings of the `.rootrc` files.
#[derive(Clone, Debug, Default)]
pub(crate) struct RootRc {
    values: BTreeMap<String, Vec<u8>>,
    diagnostics: Vec<Diagnostic>,
    stamps: Vec<FileStamp>,
}

enum Kind {
    Text,
    Flag,
    Hours,
    Methods,
}

fn kind_of(key: &str) -> Option<Kind> {
    match key {
        "Rootd.Authentication" | "Proofd.Authentication" => return Some(Kind::Methods),
        "UsrPwd.Crypt" => return Some(Kind::Flag),
        _ => {}
    }
    let (method, setting) = key.split_once('.')?;
    Method::ALL.iter().find(|m| m.rootrc_name() == method)?;
    match setting {
        "Login" => Some(Kind::Text),
        "LoginPrompt" | "ReUse" => Some(Kind::Flag),
        "Valid" => Some(Kind::Hours),
        _ => None,
    }
}

/// Parses `hh[:mm]` into a duration.
fn parse_hours(value: &[u8]) -> Option<Duration> {
    let text = std::str::from_utf8(value).ok()?;
    let (h, m) = text.split_once(':').unwrap_or((text, "0"));
    let digits = |s: &str| !s.is_empty() && s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || !digits(m) {
        return None;
    }
    let (h, m): (u64, u64) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60).then(|| Duration::from_secs(h * 3600 + m * 60))
}

fn parse_methods(value: &[u8]) -> Option<Vec<Method>> {
    let list: Option<Vec<Method>> = words(value).into_iter().map(Method::parse).collect();
    list.filter(|l| !l.is_empty())
}

impl RootRc {
    /// Reads `$ROOTSYS/etc/system.rootrc`, `<etc>/system.rootrc` and `$HOME/.rootrc`; missing
    /// files are not an error.
    pub(crate) fn load(env: &dyn Env) -> RootRc {
        let system = etc_dir(env).join("system.rootrc");
        let rootsys = env.var("ROOTSYS").filter(|d| !d.is_empty()).map(|d| PathBuf::from(d).join("etc/system.rootrc"));
        let mut files: Vec<PathBuf> = rootsys.into_iter().filter(|f| *f != system).collect();
        files.push(system);
        files.extend(env.home().map(|h| h.join(".rootrc")));
        RootRc::load_files(&files)
    }

    /// Reads these files, lowest priority first.
    pub(crate) fn load_files(files: &[PathBuf]) -> RootRc {
        let mut rc = RootRc::default();
        for path in files {
            match read_rc(path, MAX_FILE_BYTES, &mut rc.stamps) {
                Ok(data) => rc.parse_into(path, &data),
                Err(diagnostic) if path.exists() => rc.diagnostics.push(diagnostic),
                Err(_) => {}
            }
        }
        rc
    }

    /// Parses one file's bytes on top of the settings so far.
    pub(crate) fn parse_into(&mut self, file: &Path, data: &[u8]) {
        for (line, text) in logical_lines(data) {
            let ws = words(&text);
            let name = ws[0].strip_suffix(b":").unwrap_or(ws[0]);
            let Some(key) = std::str::from_utf8(name).ok() else { continue };
            let Some(kind) = kind_of(key) else { continue };
            let value = text[ws[0].len()..].trim_ascii().to_vec();
            let ok = match kind {
                Kind::Text => !value.contains(&0),
                Kind::Flag => parse_flag(&value).is_some(),
                Kind::Hours => parse_hours(&value).is_some(),
                Kind::Methods => parse_methods(&value).is_some(),
            };
            if ok {
                self.values.insert(key.to_string(), value);
            } else {
                let message = format!("bad value for {key}: '{}'", String::from_utf8_lossy(&value));
                self.diagnostics.push(Diagnostic { file: file.to_path_buf(), line, message });
            }
        }
    }

    /// The raw value of a key.
    pub(crate) fn get(&self, key: &str) -> Option<&[u8]> {
        self.values.get(key).map(|v| &v[..])
    }

    fn get_or<'a>(&'a self, method: Method, setting: &str, default: &'a [u8]) -> &'a [u8] {
        self.get(&format!("{}.{setting}", method.rootrc_name())).unwrap_or(default)
    }

    /// The problems found, each naming file and line.
    pub(crate) fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Whether any file read (or missing) has changed since.
    pub(crate) fn is_stale(&self) -> bool {
        self.stamps.iter().any(FileStamp::is_stale)
    }

    /// The details a method gets when nothing else gives them, exactly as
    /// `TAuthenticate::GetDefaultDetails(method, prompt, user)` built them: an empty or `*` user
    /// is replaced by `<Meth>.Login`.
    pub(crate) fn default_details(&self, method: Method, prompt: bool, user: &[u8]) -> Vec<u8> {
        let pt = self.get_or(method, "LoginPrompt", if prompt { b"yes" } else { b"no" });
        let user = if user.is_empty() || user.starts_with(b"*") { self.get_or(method, "Login", b"") } else { user };
        let mut out = b"pt:".to_vec();
        out.extend_from_slice(pt);
        let reuse_default: &[u8] = match method {
            Method::Srp | Method::Krb5 => b"0",
            _ => b"1",
        };
        if method != Method::UidGid {
            out.extend_from_slice(b" ru:");
            out.extend_from_slice(self.get_or(method, "ReUse", reuse_default));
        }
        if method == Method::UsrPwd {
            out.extend_from_slice(b" cp:");
            out.extend_from_slice(self.get("UsrPwd.Crypt").unwrap_or(b"1"));
        }
        if method == Method::Globus {
            out.push(b' ');
            out.extend_from_slice(self.get_or(method, "Login", b""));
        } else {
            out.extend_from_slice(b" us:");
            out.extend_from_slice(user);
        }
        out
    }

    /// The methods to try when no rc entry matches: `Rootd.Authentication` or
    /// `Proofd.Authentication`, default `0` (usrpwd); usrpwd alone for `sockd` or an unknown kind.
    pub(crate) fn default_methods(&self, server: Option<ServerKind>) -> Vec<Method> {
        let key = match server {
            Some(ServerKind::Rootd) => "Rootd.Authentication",
            Some(ServerKind::Proofd) => "Proofd.Authentication",
            _ => return vec![Method::UsrPwd],
        };
        self.get(key).and_then(parse_methods).unwrap_or_else(|| vec![Method::UsrPwd])
    }

    /// How long an authentication by `method` stays reusable: `<Meth>.Valid` (`hh:mm`), default 24:00.
    pub(crate) fn validity(&self, method: Method) -> Duration {
        parse_hours(self.get_or(method, "Valid", b"24:00")).unwrap_or(Duration::from_secs(24 * 3600))
    }

    /// Whether to prompt for the login (`<Meth>.LoginPrompt`, default no).
    pub(crate) fn login_prompt(&self, method: Method) -> bool {
        parse_flag(self.get_or(method, "LoginPrompt", b"0")).unwrap_or(false)
    }

    /// Whether a success may be reused (`<Meth>.ReUse`; default yes, no for SRP and Kerberos).
    pub(crate) fn reuse(&self, method: Method) -> bool {
        parse_flag(self.get_or(method, "ReUse", b"")).unwrap_or(!matches!(method, Method::Srp | Method::Krb5))
    }
}

#[cfg(test)]
mod tests {
    use super::super::source::test_support::home_and_etc;
    use super::*;

    fn rc(text: &str) -> RootRc {
        let mut rc = RootRc::default();
        rc.parse_into(Path::new("test.rootrc"), text.as_bytes());
        rc
    }

    const SEED_KEYS: &str = "# seed examples\n\
        Rootd.Authentication:    4\nProofd.Authentication   ssh 0\n\
        UsrPwd.Login: qwerty\nKrb5.Login:    qwerty@THIS.DOM.AIN\n\
        Globus.Login:   cd:~/.globus cf:usercert.pem \\\n   kf:userkey.pem ad:certificates\n\
        UsrPwd.LoginPrompt:   0\nKrb5.LoginPrompt:     1\nGlobus.LoginPrompt:   no\nSSH.LoginPrompt:      yes\n\
        UsrPwd.ReUse:  yes\nSRP.ReUse:     1\nKrb5.ReUse:    0\nUsrPwd.Crypt   1\nSSH.Valid: 2:30\n\
        Unix.*.Root.DynamicPath: .:/usr/lib\n";

    #[test]
    fn default_details_as_root_builds_them() {
        let (none, seed) = (RootRc::default(), rc(SEED_KEYS));
        assert!(seed.diagnostics().is_empty(), "{:?}", seed.diagnostics());
        let rows: [(&RootRc, Method, &str, &str); 11] = [
            (&none, Method::UsrPwd, "ganis", "pt:no ru:1 cp:1 us:ganis"),
            (&none, Method::Srp, "ganis", "pt:no ru:0 us:ganis"),
            (&none, Method::Krb5, "ganis", "pt:no ru:0 us:ganis"),
            (&none, Method::Globus, "ganis", "pt:no ru:1 "),
            (&none, Method::Ssh, "*", "pt:no ru:1 us:"),
            (&none, Method::UidGid, "ganis", "pt:no us:ganis"),
            (&seed, Method::UsrPwd, "*", "pt:0 ru:yes cp:1 us:qwerty"),
            (&seed, Method::UsrPwd, "ganis", "pt:0 ru:yes cp:1 us:ganis"),
            (&seed, Method::Krb5, "", "pt:1 ru:0 us:qwerty@THIS.DOM.AIN"),
            (&seed, Method::Globus, "x", "pt:no ru:1 cd:~/.globus cf:usercert.pem kf:userkey.pem ad:certificates"),
            (&seed, Method::Ssh, "x", "pt:yes ru:1 us:x"),
        ];
        for (rc, method, user, expected) in rows {
            let got = String::from_utf8(rc.default_details(method, false, user.as_bytes())).unwrap();
            assert_eq!(got, expected, "{method:?} {user}");
        }
        assert_eq!(String::from_utf8(none.default_details(Method::Ssh, true, b"u")).unwrap(), "pt:yes ru:1 us:u");
    }

    #[test]
    fn other_settings_and_their_defaults() {
        let (none, seed) = (RootRc::default(), rc(SEED_KEYS));
        assert_eq!(none.default_methods(Some(ServerKind::Rootd)), [Method::UsrPwd]);
        assert_eq!(none.validity(Method::Ssh), Duration::from_secs(86400));
        assert!(none.reuse(Method::UsrPwd) && !none.reuse(Method::Krb5) && !none.login_prompt(Method::Ssh));
        assert_eq!(seed.default_methods(Some(ServerKind::Rootd)), [Method::Ssh]);
        assert_eq!(seed.default_methods(Some(ServerKind::Proofd)), [Method::Ssh, Method::UsrPwd]);
        assert_eq!(seed.default_methods(Some(ServerKind::Sockd)), [Method::UsrPwd]);
        assert_eq!(seed.validity(Method::Ssh), Duration::from_secs(9000));
        assert!(seed.login_prompt(Method::Ssh) && seed.reuse(Method::Srp));
    }

    #[test]
    fn bad_values_are_reported_with_their_line() {
        let rc = rc("SSH.ReUse: maybe\nRootd.Authentication: kerberos\nSRP.Valid: 1:75\nKrb5.Valid: x\n\
                     UsrPwd.Crypt: 1\nRootd.Authentication:\nSSH.Login: a\0b\n");
        let lines: Vec<usize> = rc.diagnostics().iter().map(|d| d.line).collect();
        assert_eq!(lines, [1, 2, 3, 4, 6, 7]);
        assert!(rc.get("SSH.Login").is_none());
        assert_eq!(rc.diagnostics()[0].to_string(), "test.rootrc:1: bad value for SSH.ReUse: 'maybe'");
        assert!(rc.get("SSH.ReUse").is_none() && rc.get("UsrPwd.Crypt").is_some());
    }

    #[test]
    fn home_file_overrides_system_file() {
        let (dir, etc, env) = home_and_etc("rootrc");
        std::fs::write(etc.join("system.rootrc"), "SSH.Login: sys\nSRP.Login: sys\n").unwrap();
        std::fs::write(dir.join(".rootrc"), "SSH.Login: home\n").unwrap();
        let rc = RootRc::load(&env);
        assert_eq!(rc.get("SSH.Login"), Some(&b"home"[..]));
        assert_eq!(rc.get("SRP.Login"), Some(&b"sys"[..]));
        assert!(!rc.is_stale());
        std::fs::write(dir.join(".rootrc"), "SSH.Login: changed\n").unwrap();
        assert!(rc.is_stale());
    }

    #[test]
    fn rootsys_file_has_the_lowest_priority() {
        let (dir, etc, env) = home_and_etc("rootrc-rootsys");
        let rootsys = dir.join("root");
        std::fs::create_dir_all(rootsys.join("etc")).unwrap();
        std::fs::write(
            rootsys.join("etc/system.rootrc"),
            "SSH.Login: rootsys\nSRP.Login: rootsys\nKrb5.Login: rootsys\n",
        )
        .unwrap();
        std::fs::write(etc.join("system.rootrc"), "SSH.Login: sys\nSRP.Login: sys\n").unwrap();
        std::fs::write(dir.join(".rootrc"), "SSH.Login: home\n").unwrap();
        let rc = RootRc::load(&env.with("ROOTSYS", rootsys.as_os_str()));
        assert_eq!(rc.get("SSH.Login"), Some(&b"home"[..]));
        assert_eq!(rc.get("SRP.Login"), Some(&b"sys"[..]));
        assert_eq!(rc.get("Krb5.Login"), Some(&b"rootsys"[..]));
    }
}
