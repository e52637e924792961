//! The server front end's middle: passes the CVS protocol between the client and a
//! `cvs server` process, checks the client's `Root` request, and protects the stream with the
//! packet codec of [`super::gss_stream`] once the client asks for it.

use std::os::fd::{AsRawFd, OwnedFd};
use std::time::Duration;

use zeroize::Zeroizing;

use super::gss_stream::{MAX_PACKET_DATA, ResponseSealer, open};
use super::root::Method;
use super::server::{ServerOptions, Session};
use crate::error::{Error, ErrorCode, Result};
use crate::gss::SecurityContext;
use crate::io::{Channel, wait_readable};
use crate::{log_debug, log_info};

/// The requests a client sends before it may ask for protection (cvs 1.12.13's
/// `start_server`); they carry no file data, so a protection request cannot hide among them.
/// Only these may come before `Root`.
const HANDSHAKE: [&str; 7] =
    ["Root", "Valid-responses", "valid-requests", "UseUnchanged", "Global_option", "Set", "Case"];

/// Requests that may come between `Root` and the protection request: cvs 1.12.13 sends
/// `Command-prep` (answered by `ok`) before `Gssapi-authenticate`. No file data either.
const AFTER_ROOT: [&str; 1] = ["Command-prep"];

/// The request that compresses the rest of the stream (`cvs -z`).
const GZIP_STREAM: &str = "Gzip-stream";

/// How much server output the relay reads (and protects) at once.
const RESPONSE_READ: usize = 64 * 1024;

/// The request line that turns on encryption.
pub const GSSAPI_ENCRYPT: &str = "Gssapi-encrypt";
/// The request line that turns on integrity protection.
pub const GSSAPI_AUTHENTICATE: &str = "Gssapi-authenticate";

/// `data` as a zlib stream (RFC 1950) of one stored deflate block (RFC 1951), for a client
/// that inflates its input. `data` is at most 65535 bytes.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let len = data.len() as u16;
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    let mut out = vec![0x78, 0x01, 0x01];
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

/// Protection of the stream, once asked for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Still reading the handshake requests ([`HANDSHAKE`]).
    Handshake,
    Plain,
    Wrapped {
        encrypt: bool,
    },
}

struct Relay<'a> {
    session: &'a Session,
    options: &'a ServerOptions,
    mode: Mode,
    root_seen: bool,
    /// The server's responses into packets, once protection is on.
    sealer: Option<ResponseSealer>,
    /// The start of the client's first protected request, until it is known not to be
    /// [`GZIP_STREAM`].
    first_request: Option<Zeroizing<Vec<u8>>>,
    client: Channel,
    server_in: Option<OwnedFd>,
    idle: Duration,
}

/// Relays the CVS protocol between the client (`client_read`/`client_write`, not closed) and
/// a `cvs server` (`server_in` is its standard input, `server_out` its output; both are
/// consumed and closed). The client's `Root` must be the authenticated repository (pserver)
/// or an allowed one (gserver); a `Gssapi-encrypt` or `Gssapi-authenticate` request right
/// after the handshake turns on protection with the session's GSS-API context. Returns when
/// the server's output ends; `idle` bounds the wait for either side.
pub fn relay(
    session: &Session,
    options: &ServerOptions,
    client_read: i32,
    client_write: i32,
    server_in: OwnedFd,
    server_out: OwnedFd,
    idle: Duration,
) -> Result<()> {
    let client = Channel::new(client_read, client_write, idle)?;
    let mut relay = Relay {
        session,
        options,
        mode: Mode::Handshake,
        root_seen: false,
        sealer: None,
        first_request: None,
        client,
        server_in: Some(server_in),
        idle,
    };
    relay.run(&server_out)
}

impl Relay<'_> {
    fn run(&mut self, server_out: &OwnedFd) -> Result<()> {
        let server = Channel::new(server_out.as_raw_fd(), server_out.as_raw_fd(), self.idle)?;
        let mut pending = Zeroizing::new(Vec::new());
        let mut buf = Zeroizing::new(vec![0u8; MAX_PACKET_DATA]);
        let mut responses = Zeroizing::new(vec![0u8; RESPONSE_READ]);
        let mut client_open = true;
        loop {
            let client_fd = if client_open { self.client.read_fd() } else { -1 };
            let [server_ready, client_ready] = wait_readable([server.read_fd(), client_fd], self.idle)
                .map_err(|err| err.context("the session was idle too long"))?;
            if server_ready {
                let n = server.read_some(&mut responses, server.deadline())?;
                if n == 0 {
                    return Ok(());
                }
                self.send_to_client(&responses[..n])?;
            }
            if client_ready {
                let n = self.client.read_some(&mut buf, self.client.deadline())?;
                if n == 0 {
                    client_open = false;
                    self.server_in = None; // the end of input for cvs server
                    continue;
                }
                pending.extend_from_slice(&buf[..n]);
                self.client_bytes(&mut pending)?;
            }
        }
    }

    /// Sends server output to the client: as it is, or (protected) as the packets the
    /// client's reader accepts, all in one write.
    fn send_to_client(&mut self, data: &[u8]) -> Result<()> {
        let context = self.session.context.as_ref();
        match (&mut self.sealer, context) {
            (Some(sealer), Some(context)) => {
                let wire = sealer.seal(context, data)?;
                if wire.is_empty() {
                    return Ok(());
                }
                self.client.write_all(&wire, self.client.deadline())
            }
            _ => self.client.write_all(data, self.client.deadline()),
        }
    }

    fn to_server(&self, data: &[u8]) -> Result<()> {
        let Some(fd) = &self.server_in else { return Ok(()) };
        let channel = Channel::new(fd.as_raw_fd(), fd.as_raw_fd(), self.idle)?;
        channel.write_all(data, channel.deadline())
    }

    fn context(&self) -> Result<&SecurityContext> {
        self.session
            .context
            .as_ref()
            .ok_or_else(|| Error::new(ErrorCode::Protocol, "GSS-API protection needs a gserver session"))
    }

    /// Handles what the client sent so far; leaves an incomplete line or packet in `pending`.
    fn client_bytes(&mut self, pending: &mut Zeroizing<Vec<u8>>) -> Result<()> {
        loop {
            match self.mode {
                Mode::Plain => {
                    self.to_server(pending)?;
                    pending.clear();
                    return Ok(());
                }
                Mode::Handshake => {
                    let Some(end) = pending.iter().position(|&b| b == b'\n') else {
                        if pending.len() > super::request::MAX_LINE * 16 {
                            return Err(Error::new(ErrorCode::TooLarge, "a handshake request line is too long"));
                        }
                        return Ok(());
                    };
                    let line: Zeroizing<Vec<u8>> = Zeroizing::new(pending.drain(..=end).collect());
                    self.handshake_line(&line)?;
                }
                Mode::Wrapped { encrypt } => {
                    let Some(header) = pending.get(..2) else { return Ok(()) };
                    let len = usize::from(u16::from_be_bytes([header[0], header[1]]));
                    if pending.len() < 2 + len {
                        return Ok(());
                    }
                    let data = open(self.context()?, encrypt, &pending[2..2 + len])?;
                    pending.drain(..2 + len);
                    self.protected_request_bytes(&data)?;
                }
            }
        }
    }

    fn handshake_line(&mut self, line: &[u8]) -> Result<()> {
        let text = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
        let request = text.split(' ').next().unwrap_or("");
        log_debug!("cvs: handshake request {request:?}");
        if let Some(repository) = text.strip_prefix("Root ") {
            self.check_root(repository)?;
        } else if !self.root_seen && !HANDSHAKE.contains(&request) {
            // Everything else (protection, `init`, commands) needs the checked repository
            // first: cvs itself refuses a second Root, so the first one is the one that counts.
            return Err(self.refuse(&format!("{request} before Root"), format!("{request} sent before Root")));
        } else if text == GSSAPI_ENCRYPT || text == GSSAPI_AUTHENTICATE {
            self.context()?;
            let encrypt = text == GSSAPI_ENCRYPT;
            log_info!(
                "cvs: {} protection on for {}",
                if encrypt { "encryption" } else { "integrity" },
                self.session.cvs_user
            );
            self.mode = Mode::Wrapped { encrypt };
            self.sealer = Some(ResponseSealer::new(encrypt));
            self.first_request = Some(Zeroizing::new(Vec::new()));
            return Ok(());
        } else if !HANDSHAKE.contains(&request) && !AFTER_ROOT.contains(&request) {
            self.mode = Mode::Plain;
        }
        self.to_server(line)
    }

    /// Passes protected request bytes to the server, after checking that the first protected
    /// request does not turn on stream compression (`cvs -z` sends `Gzip-stream` right after
    /// `Gssapi-encrypt`): the client would then read the compressed stream through its own
    /// reads, whose sizes the relay cannot see, so such a session is refused.
    fn protected_request_bytes(&mut self, data: &[u8]) -> Result<()> {
        let Some(first) = &mut self.first_request else { return self.to_server(data) };
        first.extend_from_slice(data);
        let decided = first.contains(&b'\n') || first.len() > GZIP_STREAM.len();
        if !decided {
            return Ok(());
        }
        let first = self.first_request.take().unwrap_or_default();
        if first.starts_with(GZIP_STREAM.as_bytes()) {
            // The client now inflates what it reads: the refusal goes as a zlib stream.
            let text = "error  compression (-z) is not available on a protected (-x, -a) stream; run cvs without -z\n";
            self.send_to_client(&zlib_stored(text.as_bytes()))?;
            return Err(Error::new(
                ErrorCode::Protocol,
                format!("{}: asked for Gzip-stream on a protected stream", self.session.cvs_user),
            ));
        }
        self.to_server(&first)
    }

    fn check_root(&mut self, repository: &str) -> Result<()> {
        let allowed = match self.session.method {
            Method::Pserver => repository == self.session.repository,
            Method::Gserver => self.options.root_allowed(repository),
        };
        if self.root_seen || !allowed {
            return Err(self.refuse(
                &format!("Root {repository} not allowed"),
                format!("asked for the repository {repository:?}"),
            ));
        }
        self.root_seen = true;
        Ok(())
    }

    /// Tells the client `error  <text>` (a CVS protocol error) and returns the error to log.
    fn refuse(&self, text: &str, why: String) -> Error {
        let reply = format!("error  {text}\n");
        let _ = self.client.write_all(reply.as_bytes(), self.client.deadline());
        Error::new(ErrorCode::AccessDenied, format!("{}: {why}", self.session.cvs_user))
    }
}

#[cfg(test)]
mod tests {
    use super::zlib_stored;

    #[test]
    fn a_stored_zlib_stream() {
        // Adler-32 of "Wikipedia" is 0x11E60398 (the usual worked example).
        let out = zlib_stored(b"Wikipedia");
        assert_eq!(&out[..7], &[0x78, 0x01, 0x01, 9, 0, 0xf6, 0xff]);
        assert_eq!(&out[7..16], b"Wikipedia");
        assert_eq!(&out[16..], &[0x11, 0xe6, 0x03, 0x98]);
    }
}
