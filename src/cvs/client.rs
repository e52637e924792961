//! The client side: sends a pserver (or verification) request or runs the gserver GSS-API
//! exchange, then reads the server's answer lines as cvs 1.12.13's client does — `E` lines
//! and `error` text are handed to the caller, `I HATE YOU` is a clear error.

use std::path::Path;

use zeroize::Zeroizing;

use super::request::{self, I_HATE_YOU, I_LOVE_YOU, MAX_LINE, RequestKind};
use super::root::CvsRoot;
use super::{passfile, scramble};
use crate::error::{Error, ErrorCode, Result};
use crate::framing::Framing;
use crate::gss::{self, Cred, Name, NameType, SecurityContext, flags};
use crate::io::Channel;
use crate::responder::{PASSWORD, Question, Responder, json};
use crate::sysauth::sys;

/// The scrambled password to send for `root`: the caller's `password`, else the one in the
/// CVSROOT itself, else the pass file's entry (`passfile`, or cvs's default file), else one
/// asked from the `responder`.
pub fn password_for(
    root: &CvsRoot,
    password: Option<&[u8]>,
    passfile_path: Option<&Path>,
    responder: Option<&Responder>,
) -> Result<Zeroizing<Vec<u8>>> {
    if let Some(password) = password.or(root.password.as_ref().map(|password| password.as_bytes())) {
        return Ok(scramble::scramble(password));
    }
    let path = match passfile_path {
        Some(path) => path.to_owned(),
        None => passfile::default_path()?,
    };
    let user = user_of(root)?;
    if let Some(stored) = passfile::lookup(&path, root, &user)? {
        return Ok(stored);
    }
    let responder = responder.ok_or_else(|| {
        Error::new(
            ErrorCode::NotFound,
            format!("no password for {} in {} (use `cvs login`)", root.canonical(&user), path.display()),
        )
    })?;
    let challenge =
        json::object(&[("service", "cvs"), ("user", &user), ("host", &root.host), ("repository", &root.directory)]);
    let answers =
        responder.ask(&[Question::new(PASSWORD, challenge, format!("CVS password for {}", root.canonical(&user)))])?;
    Ok(scramble::scramble(answers.get(PASSWORD).expect("ask() returns every required answer").as_bytes()))
}

/// The user a CVSROOT names, or the caller's login name.
pub fn user_of(root: &CvsRoot) -> Result<String> {
    root.user.clone().map_or_else(sys::current_user, Ok)
}

/// Sends a pserver request (`kind` Auth or Verification) for `root` with `scrambled`, and
/// reads the answer. `messages` receives the server's `E` lines and `error` text.
pub fn authenticate(
    channel: &Channel,
    root: &CvsRoot,
    kind: RequestKind,
    scrambled: &[u8],
    messages: &mut Vec<String>,
) -> Result<()> {
    if kind == RequestKind::Gssapi {
        return Err(Error::new(ErrorCode::InvalidArgument, "use gserver_authenticate for GSS-API"));
    }
    if scrambled.contains(&b'\n') || scrambled.first() != Some(&b'A') {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            "the scrambled password must be one line starting with `A`",
        ));
    }
    let user = user_of(root)?;
    let end = if kind == RequestKind::Auth { request::END_AUTH } else { request::END_VERIFICATION };
    let head = format!("{}\n{}\n{user}\n", kind.begin(), root.directory);
    let tail = format!("\n{end}\n");
    // Room for all of it at once: growing would leave an unwiped copy of the password behind.
    let mut bytes = Zeroizing::new(Vec::with_capacity(head.len() + scrambled.len() + tail.len()));
    bytes.extend_from_slice(head.as_bytes());
    bytes.extend_from_slice(scrambled);
    bytes.extend_from_slice(tail.as_bytes());
    channel.write_all(&bytes, channel.deadline()).map_err(|err| err.context("sending the request"))?;
    read_answer(channel, root, &user, messages)
}

/// The most `E` lines a server's answer may hold: a real server sends a few at most, and
/// with the line limit this bounds the memory a hostile server can make the client use.
/// cbindgen:ignore
pub const MAX_MESSAGES: usize = 64;

/// Reads answer lines until `I LOVE YOU` (Ok), `I HATE YOU` or `error` (AuthFailed), or a
/// line of anything else (Protocol; the line is kept in `messages`). More than
/// [`MAX_MESSAGES`] `E` lines are TooLarge.
fn read_answer(channel: &Channel, root: &CvsRoot, user: &str, messages: &mut Vec<String>) -> Result<()> {
    let deadline = channel.deadline();
    loop {
        let line = request::read_line(channel, deadline, MAX_LINE, "the server's answer")?;
        if messages.len() >= MAX_MESSAGES && line.starts_with(b"E ") {
            return Err(Error::new(
                ErrorCode::TooLarge,
                format!("server {} sent more than {MAX_MESSAGES} message lines", root.host),
            ));
        }
        let line = String::from_utf8_lossy(&line).into_owned();
        if line == I_LOVE_YOU {
            return Ok(());
        }
        if line == I_HATE_YOU {
            return Err(Error::new(
                ErrorCode::AuthFailed,
                format!(
                    "authorization failed: server {} rejected access to {} for user {user}",
                    root.host, root.directory
                ),
            ));
        }
        if let Some(text) = line.strip_prefix("E ") {
            messages.push(text.to_owned());
        } else if let Some(rest) = line.strip_prefix("error ") {
            // The code (only 0 is defined; unknown codes mean the same) and the text.
            let text = rest.split_once(' ').map_or("", |(_, text)| text).to_owned();
            messages.push(text.clone());
            return Err(Error::new(ErrorCode::AuthFailed, format!("server {} refused: {text}", root.host)));
        } else {
            // cvs's server reports some failures as plain text (its stderr on the socket).
            messages.push(line.clone());
            return Err(Error::new(
                ErrorCode::Protocol,
                format!("unrecognized auth response from {}: {line}", root.host),
            ));
        }
    }
}

/// cvs's limit on a gserver reply token: a longer "length" is the start of a text error.
const MAX_GSERVER_TOKEN: usize = 1024;

/// Reads the server's context token (2-byte big-endian length), or its text error.
fn read_gserver_token(channel: &Channel, root: &CvsRoot, messages: &mut Vec<String>) -> Result<Vec<u8>> {
    let deadline = channel.deadline();
    let mut header = [0u8; 2];
    channel.read_exact(&mut header, deadline).map_err(|err| err.context("reading the server's GSS-API token"))?;
    let len = usize::from(u16::from_be_bytes(header));
    if len > MAX_GSERVER_TOKEN {
        let rest = request::read_line(channel, deadline, MAX_LINE, "the server's error").unwrap_or_default();
        let text = String::from_utf8_lossy(&[&header[..], &rest[..]].concat()).into_owned();
        messages.push(text.clone());
        return Err(Error::new(
            ErrorCode::AuthFailed,
            format!("server {} refused GSS-API authentication: {text}", root.host),
        ));
    }
    let mut token = vec![0u8; len];
    channel.read_rest(&mut token, deadline).map_err(|err| err.context("reading the server's GSS-API token"))?;
    Ok(token)
}

/// Authenticates with GSS-API (`:gserver:`) to the service `cvs@HOST`, with `cred` (None:
/// the default ticket), and reads the answer; returns the context for stream protection.
pub fn gserver_authenticate(
    channel: &Channel,
    root: &CvsRoot,
    cred: Option<&Cred>,
    messages: &mut Vec<String>,
) -> Result<SecurityContext> {
    request::send_line(channel, request::BEGIN_GSSAPI)?;
    let target = Name::import(&format!("cvs@{}", root.host), NameType::HostBasedService)?;
    let options = gss::Options {
        framing: Framing::U16Be,
        timeout: channel.timeout(),
        flags: flags::MUTUAL | flags::REPLAY,
        required_flags: flags::MUTUAL,
        ..gss::Options::default()
    };
    let context =
        gss::initiate_reading(channel, &options, cred, &target, |channel| read_gserver_token(channel, root, messages))?;
    read_answer(channel, root, &user_of(root).unwrap_or_default(), messages)?;
    Ok(context)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::responder::{Answers, Respond};

    struct Fixed;

    impl Respond for Fixed {
        fn respond(&self, questions: &[Question], answers: &mut Answers) -> Result<()> {
            assert!(questions[0].challenge.contains("\"repository\":\"/r\""));
            answers.set(PASSWORD, Zeroizing::new("asked".to_owned()));
            Ok(())
        }
    }

    #[test]
    fn endless_message_lines_are_refused() {
        use std::io::Write;
        use std::os::fd::AsRawFd;
        let (client_end, mut server_end) = std::os::unix::net::UnixStream::pair().unwrap();
        let server = std::thread::spawn(move || {
            let mut sent = 0usize;
            while server_end.write_all(b"E more and more\n").is_ok() {
                sent += 1;
            }
            sent
        });
        let channel =
            Channel::new(client_end.as_raw_fd(), client_end.as_raw_fd(), std::time::Duration::from_secs(20)).unwrap();
        let root = CvsRoot::parse(":pserver:alice@h:/r").unwrap();
        let mut messages = Vec::new();
        let err = authenticate(&channel, &root, RequestKind::Auth, b"A", &mut messages).unwrap_err();
        assert_eq!(err.code(), ErrorCode::TooLarge, "{}", err.message());
        assert_eq!(err.message(), format!("server h sent more than {MAX_MESSAGES} message lines"));
        assert_eq!(messages.len(), MAX_MESSAGES);
        drop((channel, client_end));
        assert!(server.join().unwrap() > MAX_MESSAGES);
    }

    #[test]
    fn passwords_come_from_the_caller_the_root_the_pass_file_then_the_responder() {
        let dir = std::env::temp_dir().join(format!("daemonauth-client-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cvspass");
        let responder = Responder::new(Fixed);
        let root = CvsRoot::parse(":pserver:alice@h:/r").unwrap();
        let with_password = CvsRoot::parse(":pserver:alice:inroot@h:/r").unwrap();
        let given = password_for(&with_password, Some(b"given"), Some(&path), Some(&responder)).unwrap();
        assert_eq!(&given[..], &scramble::scramble(b"given")[..]);
        assert_eq!(
            &password_for(&with_password, None, Some(&path), None).unwrap()[..],
            &scramble::scramble(b"inroot")[..]
        );
        assert_eq!(password_for(&root, None, Some(&path), None).unwrap_err().code(), ErrorCode::NotFound);
        assert_eq!(
            &password_for(&root, None, Some(&path), Some(&responder)).unwrap()[..],
            &scramble::scramble(b"asked")[..]
        );
        passfile::store(&path, &root, "alice", b"Astored").unwrap();
        assert_eq!(&password_for(&root, None, Some(&path), Some(&responder)).unwrap()[..], b"Astored");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
