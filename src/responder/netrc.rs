//! The `.netrc` responder: answers `password` (and `username`) from `~/.rootnetrc` and
//! `~/.netrc`, where ROOT's clients found their passwords, for the host a question's challenge
//! names.
//!
//! Format (ftp's, as curl and ROOT read it): blank-separated words, any number per line;
//! `machine <host>` starts an entry, `default` starts the entry for every other host, and
//! `login <name>`, `password <password>` and `account <x>` (ignored) belong to the entry
//! before them; `macdef <name>` is followed by a macro that ends at the first empty line
//! (skipped); a word starting with `#` where a keyword is expected starts a comment that runs
//! to the end of the line (as Python's and GNU's readers allow). ROOT's `secure <host>` starts an entry used only for SRP. A `<host>` may hold
//! `*` wildcards (ROOT's). Words cannot be quoted, so a password cannot contain blanks. A word
//! that is none of these, or a keyword without its value, makes the file malformed
//! ([`ErrorCode::Config`] naming file and line, never the word).
//!
//! Which entry answers: the challenge's JSON fields `host` (required: questions without it are
//! left unanswered), `user` (when present, an entry whose `login` differs is skipped) and
//! `method` (`"srp"` selects `secure` entries, anything else `machine` and `default` ones). In
//! each file the first matching entry wins, then the file's `default`; `.rootnetrc` is read
//! before `.netrc`.
//!
//! Like ftp, a file that others could read is refused, and more strictly: the file must belong
//! to the user the process runs as and give group and others no access, whatever it holds,
//! else the flow fails with [`ErrorCode::InsecureFile`]. Files are read again at every step.
//!
//! Answers are UTF-8 strings: a password that is not valid UTF-8 fails the flow with
//! [`ErrorCode::Config`] rather than being altered.

use std::fs::File;
use std::path::PathBuf;

use zeroize::Zeroizing;

use super::file::{check_permissions, read_secret_capped};
use super::json::string_field;
use super::{Answers, PASSWORD, Question, Respond, USERNAME};
use crate::error::{Error, ErrorCode, Result};
use crate::glob::{Wildcards, glob};

/// The largest netrc file read.
const MAX_FILE: usize = 64 * 1024;

/// One entry of a netrc file.
pub(crate) struct Entry {
    /// `None` for `default`.
    machine: Option<Vec<u8>>,
    secure: bool,
    login: Option<Vec<u8>>,
    password: Option<Zeroizing<Vec<u8>>>,
    line: usize,
}

/// The entries of one file.
struct NetrcFile {
    what: String,
    entries: Vec<Entry>,
}

/// The files a netrc responder reads.
pub(super) struct Netrc {
    files: Vec<PathBuf>,
    /// Whether a missing file is an error (a path the caller named) or skipped (the defaults).
    required: bool,
}

impl Netrc {
    /// The responder for `path`, or for `$HOME/.rootnetrc` and `$HOME/.netrc` when `None`.
    pub(super) fn new(path: Option<PathBuf>) -> Result<Netrc> {
        match path {
            Some(path) => Ok(Netrc { files: vec![path], required: true }),
            None => {
                let home = std::env::var_os("HOME")
                    .filter(|h| !h.is_empty())
                    .ok_or_else(|| Error::new(ErrorCode::NotFound, "HOME is not set: no ~/.netrc to read"))?;
                let home = PathBuf::from(home);
                Ok(Netrc { files: vec![home.join(".rootnetrc"), home.join(".netrc")], required: false })
            }
        }
    }

    fn load(&self) -> Result<Vec<NetrcFile>> {
        let mut loaded = Vec::new();
        for path in &self.files {
            let what = path.display().to_string();
            let file = match File::open(path) {
                Ok(file) => file,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound && !self.required => continue,
                Err(err) => return Err(Error::io(format!("opening {what}"), &err)),
            };
            let metadata = file.metadata().map_err(|err| Error::io(format!("examining {what}"), &err))?;
            check_permissions(&metadata, &what)?;
            let data = read_secret_capped(file, &what, MAX_FILE)?;
            let entries = parse(&data).map_err(|err| err.context(&what))?;
            loaded.push(NetrcFile { what, entries });
        }
        Ok(loaded)
    }
}

/// The words of a netrc file with their line numbers.
struct Words<'a> {
    data: &'a [u8],
    at: usize,
    line: usize,
}

impl<'a> Words<'a> {
    fn next_word(&mut self) -> Option<(usize, &'a [u8])> {
        while let Some(&b) = self.data.get(self.at).filter(|b| b.is_ascii_whitespace()) {
            self.line += usize::from(b == b'\n');
            self.at += 1;
        }
        let start = self.at;
        while self.data.get(self.at).is_some_and(|b| !b.is_ascii_whitespace()) {
            self.at += 1;
        }
        (self.at > start).then(|| (self.line, &self.data[start..self.at]))
    }

    /// Skips the rest of the line (a comment).
    fn skip_line(&mut self) {
        let rest = &self.data[self.at..];
        self.at += rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
    }

    /// Skips a `macdef` body: the rest of the line and everything up to the first empty line.
    fn skip_macro(&mut self) {
        let rest = &self.data[self.at..];
        let end = rest.windows(2).position(|w| w == b"\n\n").map_or(rest.len(), |i| i + 2);
        self.line += rest[..end].iter().filter(|b| **b == b'\n').count();
        self.at += end;
    }
}

pub(crate) fn parse(data: &[u8]) -> Result<Vec<Entry>> {
    let mut words = Words { data, at: 0, line: 1 };
    let mut entries: Vec<Entry> = Vec::new();
    while let Some((line, word)) = words.next_word() {
        let malformed = |why: &str| Error::new(ErrorCode::Config, format!("line {line}: {why}"));
        let mut value = || {
            let keyword = String::from_utf8_lossy(word).into_owned();
            words.next_word().map(|(_, v)| v).ok_or_else(|| malformed(&format!("`{keyword}` without its value")))
        };
        match word {
            b"machine" | b"secure" => {
                let machine = Some(value()?.to_vec());
                entries.push(Entry { machine, secure: word == b"secure", login: None, password: None, line });
            }
            b"default" => entries.push(Entry { machine: None, secure: false, login: None, password: None, line }),
            b"login" | b"password" | b"account" => {
                let value = value()?;
                let entry = entries.last_mut().ok_or_else(|| malformed("a keyword before any `machine`"))?;
                match word {
                    b"login" => entry.login = Some(value.to_vec()),
                    b"password" => entry.password = Some(Zeroizing::new(value.to_vec())),
                    _ => {}
                }
            }
            b"macdef" => {
                value()?;
                words.skip_macro();
            }
            _ if word.starts_with(b"#") => words.skip_line(),
            _ => return Err(malformed("a word that is not a netrc keyword")),
        }
    }
    Ok(entries)
}

/// Whether `pattern` (`*` matches any run of bytes) matches `host`, ignoring ASCII case.
fn host_matches(pattern: &[u8], host: &[u8]) -> bool {
    glob(pattern, host, Wildcards::Star)
}

/// What a question asks the netrc files.
struct Wanted {
    host: String,
    user: Option<String>,
    srp: bool,
}

impl Wanted {
    fn of(question: &Question) -> Option<Wanted> {
        let field = |name| string_field(&question.challenge, name);
        Some(Wanted { host: field("host")?, user: field("user"), srp: field("method").as_deref() == Some("srp") })
    }

    fn accepts(&self, entry: &Entry) -> bool {
        let login_fits = match (&self.user, &entry.login) {
            (Some(user), Some(login)) => user.as_bytes() == &login[..],
            _ => true,
        };
        entry.secure == self.srp && login_fits
    }

    fn find<'a>(&self, files: &'a [NetrcFile]) -> Option<(&'a NetrcFile, &'a Entry)> {
        files.iter().find_map(|file| {
            let fitting = || file.entries.iter().filter(|e| self.accepts(e));
            let machine =
                fitting().find(|e| e.machine.as_deref().is_some_and(|m| host_matches(m, self.host.as_bytes())));
            machine.or_else(|| fitting().find(|e| e.machine.is_none())).map(|e| (file, e))
        })
    }
}

fn utf8(bytes: &[u8], file: &NetrcFile, entry: &Entry, what: &str) -> Result<Zeroizing<String>> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        Error::new(
            ErrorCode::Config,
            format!(
                "{}:{}: the {what} is not valid UTF-8, and responder answers are UTF-8 strings",
                file.what, entry.line
            ),
        )
    })?;
    Ok(Zeroizing::new(text.to_owned()))
}

impl Respond for Netrc {
    fn respond(&self, questions: &[Question], answers: &mut Answers) -> Result<()> {
        let asked: Vec<(&Question, Wanted)> = questions
            .iter()
            .filter(|q| q.name == PASSWORD || q.name == USERNAME)
            .filter_map(|q| Wanted::of(q).map(|w| (q, w)))
            .collect();
        if asked.is_empty() {
            return Ok(());
        }
        let files = self.load()?;
        for (question, wanted) in asked {
            let Some((file, entry)) = wanted.find(&files) else { continue };
            let value = if question.name == PASSWORD {
                entry.password.as_ref().map(|p| &p[..])
            } else {
                entry.login.as_deref()
            };
            if let Some(value) = value {
                answers.set(&question.name, utf8(value, file, entry, &question.name)?);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::responder::{Responder, json};
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    fn netrc(name: &str, text: &[u8], mode: u32) -> PathBuf {
        let path = std::env::temp_dir().join(format!("daemonauth-netrc-{}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    fn ask(path: &Path, fields: &[(&str, &str)]) -> Result<Answers> {
        let challenge = json::object(fields);
        let questions = [
            Question::new(USERNAME, &*challenge, "User").optional(),
            Question::new(PASSWORD, challenge, "Password").optional(),
        ];
        Responder::new(Netrc::new(Some(path.to_path_buf()))?).ask(&questions)
    }

    const ROOT_LINES: &[u8] = b"# ROOT's lines\nmachine pcepsft43.cern.ch login ganis password s3cret\n\
        secure pcepsft43.cern.ch login ganis password srp-pw\nmachine *.example.org login bob password b0b\n\
        macdef init\nascii\nmachine evil login x password y\n\ndefault login anon password anon@\n";

    #[test]
    fn the_host_user_and_method_of_the_challenge_pick_the_entry() {
        let path = netrc("pick", ROOT_LINES, 0o600);
        let a = ask(&path, &[("service", "hostauth"), ("host", "PCEPSFT43.cern.ch")]).unwrap();
        assert_eq!((a.get(USERNAME), a.get(PASSWORD)), (Some("ganis"), Some("s3cret")));
        let a = ask(&path, &[("host", "pcepsft43.cern.ch"), ("method", "srp")]).unwrap();
        assert_eq!(a.get(PASSWORD), Some("srp-pw"));
        let a = ask(&path, &[("host", "www.example.org")]).unwrap();
        assert_eq!(a.get(PASSWORD), Some("b0b"));
        let a = ask(&path, &[("host", "evil")]).unwrap();
        assert_eq!(a.get(PASSWORD), Some("anon@"), "macro bodies are not entries");
        let a = ask(&path, &[("host", "pcepsft43.cern.ch"), ("user", "anon")]).unwrap();
        assert_eq!(a.get(PASSWORD), Some("anon@"), "entries with another login are skipped");
        assert!(ask(&path, &[("host", "pcepsft43.cern.ch"), ("user", "other")]).unwrap().is_empty());
        assert!(ask(&path, &[("host", "x"), ("method", "srp")]).unwrap().is_empty());
        assert!(ask(&path, &[("service", "krb5")]).unwrap().is_empty());
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn files_others_can_read_are_refused() {
        for (name, mode) in [("group", 0o640), ("world", 0o604)] {
            let path = netrc(name, ROOT_LINES, mode);
            let err = ask(&path, &[("host", "pcepsft43.cern.ch")]).unwrap_err();
            std::fs::remove_file(&path).unwrap();
            assert_eq!(err.code(), ErrorCode::InsecureFile, "{err}");
        }
    }

    #[test]
    fn malformed_files_name_the_line_not_the_word() {
        for (text, line) in [(&b"machine a login b hunter2\n"[..], 1), (b"\npassword p\n", 2), (b"machine a\nlogin", 2)]
        {
            let path = netrc("malformed", text, 0o600);
            let err = ask(&path, &[("host", "a")]).unwrap_err();
            std::fs::remove_file(&path).unwrap();
            assert_eq!(err.code(), ErrorCode::Config, "{err}");
            assert!(err.message().contains(&format!("line {line}")) && !err.message().contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn a_password_that_is_not_utf8_is_refused_not_altered() {
        let path = netrc("latin1", b"machine h password caf\xe9\n", 0o600);
        let err = ask(&path, &[("host", "h")]).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(err.code(), ErrorCode::Config);
        assert!(err.message().contains(":1: the password is not valid UTF-8"), "{err}");
    }

    #[test]
    fn a_named_file_must_exist() {
        let err = ask(Path::new("/nonexistent/netrc"), &[("host", "h")]).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Io);
    }

    #[test]
    fn wildcards() {
        assert!(host_matches(b"*.cern.ch", b"lxplus.CERN.ch"));
        assert!(!host_matches(b"*.cern.ch", b"cern.ch"));
        assert!(host_matches(b"pc*43*", b"pcepsft43.cern.ch"));
        assert!(!host_matches(b"cern.ch", b"evilcern.ch"));
    }
}
