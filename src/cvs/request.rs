//! The pserver authentication exchange on the wire: LF-terminated lines read one byte at a
//! time (so not a byte of the CVS protocol that follows is consumed), with a length cap and
//! one deadline for the whole request, and the server's reply lines.

use zeroize::Zeroizing;

use crate::error::{Error, ErrorCode, Result};
use crate::io::{Channel, Deadline};

/// The longest line cvs 1.12.13 reads during authentication (without the LF).
/// cbindgen:ignore
pub const MAX_LINE: usize = 4096;

/// The first line of each kind of request.
pub const BEGIN_AUTH: &str = "BEGIN AUTH REQUEST";
pub const END_AUTH: &str = "END AUTH REQUEST";
pub const BEGIN_VERIFICATION: &str = "BEGIN VERIFICATION REQUEST";
pub const END_VERIFICATION: &str = "END VERIFICATION REQUEST";
pub const BEGIN_GSSAPI: &str = "BEGIN GSSAPI REQUEST";
/// The server's answers.
pub const I_LOVE_YOU: &str = "I LOVE YOU";
pub const I_HATE_YOU: &str = "I HATE YOU";

/// What the client asks for.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    /// `BEGIN AUTH REQUEST`: authenticate, then speak the CVS protocol.
    Auth = 1,
    /// `BEGIN VERIFICATION REQUEST`: check the password only (`cvs login`), then close.
    Verification = 2,
    /// `BEGIN GSSAPI REQUEST`: GSS-API tokens follow.
    Gssapi = 3,
}

impl RequestKind {
    fn from_begin(line: &str) -> Option<RequestKind> {
        match line {
            BEGIN_AUTH => Some(RequestKind::Auth),
            BEGIN_VERIFICATION => Some(RequestKind::Verification),
            BEGIN_GSSAPI => Some(RequestKind::Gssapi),
            _ => None,
        }
    }

    /// The first line of this request.
    pub fn begin(self) -> &'static str {
        match self {
            RequestKind::Auth => BEGIN_AUTH,
            RequestKind::Verification => BEGIN_VERIFICATION,
            RequestKind::Gssapi => BEGIN_GSSAPI,
        }
    }

    fn end(self) -> &'static str {
        match self {
            RequestKind::Auth => END_AUTH,
            RequestKind::Verification => END_VERIFICATION,
            RequestKind::Gssapi => "",
        }
    }
}

/// A pserver request as read by the server. The password is still scrambled.
pub struct PasswordRequest {
    pub kind: RequestKind,
    pub repository: String,
    pub user: String,
    pub scrambled: Zeroizing<Vec<u8>>,
}

/// Reads one LF-terminated line of at most `max` bytes. CR, NUL and invalid UTF-8 are refused.
/// Nothing beyond the LF is consumed (a server hands the connection to `cvs server` after
/// the request); on a socket a line takes one peek and one read, not a read per byte.
pub fn read_line(channel: &Channel, deadline: Deadline, max: usize, what: &str) -> Result<Zeroizing<Vec<u8>>> {
    let mut line = Zeroizing::new(Vec::new());
    let mut chunk = Zeroizing::new([0u8; 256]);
    loop {
        let n = channel
            .read_through(b'\n', &mut chunk[..], deadline)
            .map_err(|err| err.context(format!("reading {what}")))?;
        if n == 0 {
            let closed = format!("the peer closed the connection after {} bytes", line.len());
            return Err(Error::new(ErrorCode::PeerClosed, closed).context(format!("reading {what}")));
        }
        for &byte in &chunk[..n] {
            match byte {
                b'\n' => return Ok(line),
                b'\r' => {
                    return Err(Error::new(
                        ErrorCode::Protocol,
                        format!("{what}: a carriage return (lines end in LF only)"),
                    ));
                }
                0 => return Err(Error::new(ErrorCode::Protocol, format!("{what}: a NUL byte"))),
                _ if line.len() >= max => {
                    return Err(Error::new(
                        ErrorCode::TooLarge,
                        format!("{what}: the line is longer than {max} bytes"),
                    ));
                }
                _ => push_wiping(&mut line, byte),
            }
        }
    }
}

/// Appends `byte`, growing the line into new storage so that the old storage is wiped (a
/// plain `push` could reallocate and leave a copy of a password behind).
fn push_wiping(line: &mut Zeroizing<Vec<u8>>, byte: u8) {
    if line.len() == line.capacity() {
        let mut grown = Zeroizing::new(Vec::with_capacity((line.capacity() * 2).max(64)));
        grown.extend_from_slice(line);
        *line = grown;
    }
    line.push(byte);
}

fn text_line(channel: &Channel, deadline: Deadline, max: usize, what: &str) -> Result<String> {
    let line = read_line(channel, deadline, max, what)?;
    String::from_utf8(line.to_vec()).map_err(|_| Error::new(ErrorCode::Protocol, format!("{what}: not valid UTF-8")))
}

/// Reads the first line and tells the request kind; an unknown first line is an error.
pub fn read_begin(channel: &Channel, deadline: Deadline, max: usize) -> Result<RequestKind> {
    let line = text_line(channel, deadline, max, "the request's first line")?;
    // The line itself is left out of the error, which is logged: a confused client may have
    // sent its password there.
    RequestKind::from_begin(&line)
        .ok_or_else(|| Error::new(ErrorCode::Protocol, format!("bad auth protocol start (a {}-byte line)", line.len())))
}

/// Reads the rest of a pserver request (`kind` is Auth or Verification).
pub fn read_password_request(
    channel: &Channel,
    deadline: Deadline,
    max: usize,
    kind: RequestKind,
) -> Result<PasswordRequest> {
    let repository = text_line(channel, deadline, max, "the repository")?;
    let user = text_line(channel, deadline, max, "the user name")?;
    let scrambled = read_line(channel, deadline, max, "the password")?;
    let end = text_line(channel, deadline, max, "the request's last line")?;
    if end != kind.end() {
        return Err(Error::new(ErrorCode::Protocol, format!("bad auth protocol end (a {}-byte line)", end.len())));
    }
    if user.is_empty() || user.contains(':') {
        return Err(Error::new(ErrorCode::Protocol, "the user name is empty or contains a colon"));
    }
    Ok(PasswordRequest { kind, repository, user, scrambled })
}

/// Sends one reply line (the LF is added).
pub fn send_line(channel: &Channel, line: &str) -> Result<()> {
    let mut bytes = Vec::with_capacity(line.len() + 1);
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b'\n');
    channel.write_all(&bytes, channel.deadline())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;
    use std::time::Duration;

    fn parse(bytes: &[u8]) -> Result<PasswordRequest> {
        let (a, b) = UnixStream::pair().unwrap();
        let ch = Channel::new(b.as_raw_fd(), b.as_raw_fd(), Duration::from_millis(300)).unwrap();
        Channel::new(a.as_raw_fd(), a.as_raw_fd(), Duration::from_secs(1))
            .unwrap()
            .write_all(bytes, ch.deadline())
            .unwrap();
        drop(a);
        let deadline = ch.deadline();
        let kind = read_begin(&ch, deadline, 64)?;
        read_password_request(&ch, deadline, 64, kind)
    }

    #[test]
    fn a_good_request_parses() {
        let request = parse(b"BEGIN AUTH REQUEST\n/repo\nalice\nAZdh d,\nEND AUTH REQUEST\n").unwrap();
        assert_eq!(
            (request.kind, request.repository.as_str(), request.user.as_str()),
            (RequestKind::Auth, "/repo", "alice")
        );
        assert_eq!(&request.scrambled[..], b"AZdh d,");
    }

    #[test]
    fn bad_requests_are_refused() {
        let cases: [(&[u8], ErrorCode); 7] = [
            (b"BEGIN AUTH REQUEST\r\n", ErrorCode::Protocol),
            (b"BEGIN AUTH REQUEST\n/repo\nal\0ice\n", ErrorCode::Protocol),
            (b"BEGIN AUTH REQUEST\n/repo\nalice\nA\nEND VERIFICATION REQUEST\n", ErrorCode::Protocol),
            (b"HELLO\n", ErrorCode::Protocol),
            (b"BEGIN AUTH REQUEST\n/repo\n", ErrorCode::PeerClosed),
            (
                b"BEGIN AUTH REQUEST\n/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
                ErrorCode::TooLarge,
            ),
            (b"BEGIN AUTH REQUEST\n/repo\na:b\nA\nEND AUTH REQUEST\n", ErrorCode::Protocol),
        ];
        for (bytes, code) in cases {
            assert_eq!(parse(bytes).err().map(|err| err.code()), Some(code), "{:?}", String::from_utf8_lossy(bytes));
        }
    }

    #[test]
    fn a_silent_client_times_out() {
        let (_a, b) = UnixStream::pair().unwrap();
        let ch = Channel::new(b.as_raw_fd(), b.as_raw_fd(), Duration::from_millis(100)).unwrap();
        assert_eq!(read_begin(&ch, ch.deadline(), 64).unwrap_err().code(), ErrorCode::Timeout);
    }
}
