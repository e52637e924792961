//! The non-interactive responder: answers from a file or an inherited descriptor, for daemons
//! and scripts.
//!
//! Format: one answer per line, `name=value`. The name is trimmed of surrounding blanks; the
//! value is everything after the first `=` up to the end of the line, verbatim (a trailing
//! `\r` is dropped). Blank lines and lines whose first non-blank character is `#` are ignored.
//! A later line for the same name replaces an earlier one. For krb5's `otp` and `pkinit`
//! questions the value is krb5's JSON answer.
//!
//! A regular file must belong to the user the process runs as and give no access to group or
//! others (like `.netrc`); otherwise the read fails with [`ErrorCode::InsecureFile`].

use std::fs::{File, Metadata};
use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::Duration;

use zeroize::Zeroizing;

use super::{Answers, Question, Respond};
use crate::error::{Error, ErrorCode, Result};
use crate::io::Channel;

/// The largest answer file read.
const MAX_FILE: usize = 64 * 1024;

/// The time reading a whole answer file or descriptor may take: 10 s (a pipe whose writer
/// never closes fails with a timeout instead of blocking the caller).
/// cbindgen:ignore
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the answers come from.
pub(super) enum AnswerFile {
    /// A file read again at every step.
    Path(PathBuf),
    /// Answers read once, when the responder was made.
    Loaded(Answers),
}

impl Respond for AnswerFile {
    fn respond(&self, questions: &[Question], answers: &mut Answers) -> Result<()> {
        let reread;
        let known = match self {
            AnswerFile::Loaded(known) => known,
            AnswerFile::Path(path) => {
                let what = path.display().to_string();
                let file = File::open(path).map_err(|err| Error::io(format!("opening {what}"), &err))?;
                reread = load(file, &what, READ_TIMEOUT)?;
                &reread
            }
        };
        for question in questions {
            if let Some(value) = known.get(&question.name) {
                answers.set(&question.name, Zeroizing::new(value.to_owned()));
            }
        }
        Ok(())
    }
}

/// Checks `file` like `.netrc` and reads its answers, all of it within `timeout`; `what`
/// names it in errors.
pub(super) fn load(file: File, what: &str, timeout: Duration) -> Result<Answers> {
    let metadata = file.metadata().map_err(|err| Error::io(format!("examining {what}"), &err))?;
    check_permissions(&metadata, what)?;
    let channel = Channel::new(file.as_raw_fd(), file.as_raw_fd(), timeout)?;
    let deadline = channel.deadline();
    // Room for the whole file up front, so that reading never leaves a partial copy behind.
    let mut bytes = Zeroizing::new(vec![0u8; MAX_FILE + 1]);
    let mut len = 0;
    while len < bytes.len() {
        match channel.read_some(&mut bytes[len..], deadline).map_err(|err| err.context(format!("reading {what}")))? {
            0 => break,
            n => len += n,
        }
    }
    if len > MAX_FILE {
        return Err(Error::new(ErrorCode::TooLarge, format!("{what} is larger than {MAX_FILE} bytes")));
    }
    let text = std::str::from_utf8(&bytes[..len])
        .map_err(|_| Error::new(ErrorCode::Config, format!("{what} is not valid UTF-8")))?;
    parse(text).map_err(|err| err.context(what))
}

/// Reads a file holding secrets, of at most `max` bytes, into a buffer that is wiped when
/// dropped (room for the whole file is taken first, so reading leaves no partial copy behind).
pub(crate) fn read_secret_capped(file: File, what: &str, max: usize) -> Result<Zeroizing<Vec<u8>>> {
    let mut data = Zeroizing::new(Vec::with_capacity(max.min(1 << 20) + 1));
    file.take(max as u64 + 1).read_to_end(&mut data).map_err(|err| Error::io(format!("reading {what}"), &err))?;
    if data.len() > max {
        return Err(Error::new(ErrorCode::TooLarge, format!("{what} is larger than {max} bytes")));
    }
    Ok(data)
}

/// Refuses a regular file that is not the user's own or that group or others may use.
/// Pipes and sockets have nothing on disk to protect and pass.
pub(crate) fn check_permissions(metadata: &Metadata, what: &str) -> Result<()> {
    if !metadata.is_file() {
        return Ok(());
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    if metadata.uid() != euid {
        return Err(Error::new(
            ErrorCode::InsecureFile,
            format!("{what} belongs to uid {}, not to uid {euid} who reads it", metadata.uid()),
        ));
    }
    let mode = metadata.mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(Error::new(
            ErrorCode::InsecureFile,
            format!("{what} has mode {mode:04o}: group and others must have no access (chmod 600)"),
        ));
    }
    Ok(())
}

/// Parses the answer format. Errors name the line, never its contents.
pub(crate) fn parse(text: &str) -> Result<Answers> {
    let mut answers = Answers::default();
    for (index, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let malformed = |why: &str| Error::new(ErrorCode::Config, format!("line {}: {why}", index + 1));
        let (name, value) = line.split_once('=').ok_or_else(|| malformed("expected name=value"))?;
        let name = name.trim();
        if name.is_empty() {
            return Err(malformed("the name before `=` is empty"));
        }
        answers.set(name, Zeroizing::new(value.to_owned()));
    }
    Ok(answers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    use crate::responder::{PASSWORD, Responder, USERNAME};

    #[test]
    fn the_format_keeps_values_verbatim() {
        let answers = parse("# for tests\n\n  username = alice\r\npassword= a b=c \n  # done\n").unwrap();
        assert_eq!(answers.get(USERNAME), Some(" alice"));
        assert_eq!(answers.get(PASSWORD), Some(" a b=c "));
        assert_eq!(answers.iter().count(), 2);
    }

    #[test]
    fn a_later_line_wins() {
        assert_eq!(parse("password=a\npassword=b\n").unwrap().get(PASSWORD), Some("b"));
    }

    #[test]
    fn malformed_lines_are_named_but_not_shown() {
        let err = parse("password=ok\nhunter2\n").unwrap_err();
        assert_eq!(err.code(), ErrorCode::Config);
        assert!(err.message().contains("line 2") && !err.message().contains("hunter2"), "{err}");
        assert_eq!(parse("=x\n").unwrap_err().code(), ErrorCode::Config);
    }

    fn answer_file(name: &str, mode: u32) -> PathBuf {
        let path = std::env::temp_dir().join(format!("daemonauth-{}-{name}", std::process::id()));
        let mut file = File::create(&path).unwrap();
        file.write_all(b"password=s3cret\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn a_private_file_answers_only_what_is_asked() {
        let path = answer_file("private", 0o600);
        let questions = [Question::new(PASSWORD, "", "Password"), Question::new(USERNAME, "", "User").optional()];
        let answers = Responder::file(&path).ask(&questions).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(answers.get(PASSWORD), Some("s3cret"));
        assert!(!answers.contains(USERNAME));
    }

    #[test]
    fn a_file_others_can_read_is_refused() {
        for (name, mode) in [("world", 0o604), ("group", 0o620)] {
            let path = answer_file(name, mode);
            let err = Responder::file(&path).ask(&[Question::new(PASSWORD, "", "")]).unwrap_err();
            std::fs::remove_file(&path).unwrap();
            assert_eq!(err.code(), ErrorCode::InsecureFile, "{err}");
            assert!(err.message().contains(&format!("{mode:04o}")), "{err}");
        }
    }

    #[test]
    fn a_pipe_whose_writer_never_closes_times_out() {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors pipe(2) returns.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: both descriptors are new and owned by nobody else.
        let (reader, mut writer) = unsafe {
            use std::os::fd::FromRawFd;
            (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1]))
        };
        writer.write_all(b"password=s3cret\n").unwrap();
        let started = std::time::Instant::now();
        let Err(err) = load(reader, "the pipe", Duration::from_millis(300)) else { panic!("the writer never closed") };
        assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        drop(writer);
    }

    #[test]
    fn a_missing_file_is_an_io_error() {
        let err = Responder::file("/nonexistent/answers").ask(&[Question::new(PASSWORD, "", "")]).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Io);
    }
}
