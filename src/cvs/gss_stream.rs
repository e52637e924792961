//! GSS-API protection of the CVS protocol stream after `Gssapi-encrypt` (confidentiality)
//! or `Gssapi-authenticate` (integrity only), in both directions: each packet is a 2-byte
//! big-endian length N and N bytes of `gss_wrap(P)`, where P is a 2-byte big-endian length
//! L, L bytes of data, and possibly padding.
//!
//! [`relay`] is the server front end's middle: it passes the CVS protocol between the client
//! and a `cvs server` process, checks the client's `Root` request, and protects the stream
//! once the client asks for it.

use std::os::fd::{AsRawFd, OwnedFd};
use std::time::Duration;

use zeroize::Zeroizing;

use super::root::Method;
use super::server::{ServerOptions, Session};
use crate::error::{Error, ErrorCode, Result};
use crate::gss::SecurityContext;
use crate::io::{Channel, wait_readable};
use crate::{log_debug, log_info};

/// The most data bytes cvs puts in one packet (its `BUFFER_DATA_SIZE`).
/// cbindgen:ignore
pub const MAX_PACKET_DATA: usize = 4096;

/// The requests a client sends before it may ask for protection (cvs 1.12.13's
/// `start_server`); they carry no file data, so a protection request cannot hide among them.
/// Only these may come before `Root`.
const HANDSHAKE: [&str; 7] =
    ["Root", "Valid-responses", "valid-requests", "UseUnchanged", "Global_option", "Set", "Case"];

/// The request line that turns on encryption.
pub const GSSAPI_ENCRYPT: &str = "Gssapi-encrypt";
/// The request line that turns on integrity protection.
pub const GSSAPI_AUTHENTICATE: &str = "Gssapi-authenticate";

/// One packet carrying `data` (at most [`MAX_PACKET_DATA`] bytes), encrypted when `encrypt`.
pub fn seal(context: &SecurityContext, encrypt: bool, data: &[u8]) -> Result<Vec<u8>> {
    if data.len() > MAX_PACKET_DATA {
        return Err(Error::new(ErrorCode::TooLarge, format!("{} bytes do not fit one packet", data.len())));
    }
    let mut plain = Zeroizing::new(Vec::with_capacity(data.len() + 2));
    plain.extend_from_slice(&(data.len() as u16).to_be_bytes());
    plain.extend_from_slice(data);
    let (wrapped, encrypted) = context.wrap(encrypt, &plain)?;
    if encrypt && !encrypted {
        return Err(Error::new(ErrorCode::Gss, "the mechanism did not encrypt the packet"));
    }
    let len = u16::try_from(wrapped.len())
        .map_err(|_| Error::new(ErrorCode::TooLarge, "a wrapped packet exceeds 65535 bytes"))?;
    let mut packet = Vec::with_capacity(wrapped.len() + 2);
    packet.extend_from_slice(&len.to_be_bytes());
    packet.extend_from_slice(&wrapped);
    Ok(packet)
}

/// The data of a packet's wrapped part (without its 2-byte length). With `encrypt`, a packet
/// that was not encrypted is refused.
pub fn open(context: &SecurityContext, encrypt: bool, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let (plain, encrypted) = context.unwrap(wrapped)?;
    if encrypt && !encrypted {
        return Err(Error::new(ErrorCode::Protocol, "an unencrypted packet on an encrypted stream"));
    }
    let len = match plain.get(..2) {
        Some(header) => usize::from(u16::from_be_bytes([header[0], header[1]])),
        None => return Err(Error::new(ErrorCode::Protocol, "a packet shorter than its length field")),
    };
    let data = plain
        .get(2..2 + len)
        .ok_or_else(|| Error::new(ErrorCode::Protocol, "a packet shorter than its announced length"))?;
    Ok(Zeroizing::new(data.to_vec()))
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
    let mut relay =
        Relay { session, options, mode: Mode::Handshake, root_seen: false, client, server_in: Some(server_in), idle };
    relay.run(&server_out)
}

impl Relay<'_> {
    fn run(&mut self, server_out: &OwnedFd) -> Result<()> {
        let server = Channel::new(server_out.as_raw_fd(), server_out.as_raw_fd(), self.idle)?;
        let mut pending = Zeroizing::new(Vec::new());
        let mut buf = Zeroizing::new(vec![0u8; MAX_PACKET_DATA]);
        let mut client_open = true;
        loop {
            let client_fd = if client_open { self.client.read_fd() } else { -1 };
            let [server_ready, client_ready] = wait_readable([server.read_fd(), client_fd], self.idle)
                .map_err(|err| err.context("the session was idle too long"))?;
            if server_ready {
                let n = server.read_some(&mut buf, server.deadline())?;
                if n == 0 {
                    return Ok(());
                }
                self.to_client(&buf[..n])?;
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

    fn to_client(&self, data: &[u8]) -> Result<()> {
        match self.mode {
            Mode::Wrapped { encrypt } => {
                let packet = seal(self.context()?, encrypt, data)?;
                self.client.write_all(&packet, self.client.deadline())
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
                    self.to_server(&data)?;
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
            return Ok(());
        } else if !HANDSHAKE.contains(&request) {
            self.mode = Mode::Plain;
        }
        self.to_server(line)
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
