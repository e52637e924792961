//! The server side (distcc's `dcc_gssapi_check_client`): handshake, context acceptance, the
//! black-/whitelist and the access notification.

use std::os::fd::RawFd;

use super::lists::List;
use super::{ACCESS, HANDSHAKE, NO_ACCESS, Timeouts};
use crate::error::{Error, ErrorCode, Result};
use crate::gss::{self, Cred, Name, NameType, SecurityContext, Usage};
use crate::io::Channel;
use crate::{log_info, log_warn};

/// The environment variable naming the server's principal (distcc's `DISTCCD_PRINCIPAL`).
pub const PRINCIPAL_ENV: &str = "DISTCCD_PRINCIPAL";

/// Acceptor credentials for `principal`: a host-based service (`distccd@build1.example.com`)
/// when it contains `@`, else a user name (`distccd/build1.example.com`), as distccd reads
/// `DISTCCD_PRINCIPAL`.
pub fn acquire_credentials(principal: &str) -> Result<Cred> {
    let kind = if principal.contains('@') { NameType::HostBasedService } else { NameType::UserName };
    let name = Name::import(principal, kind)?;
    let cred = Cred::acquire(Some(&name), Usage::Accept, None, &[])?;
    log_info!("distcc: credentials acquired for {principal}");
    Ok(cred)
}

/// A client that authenticated and was let in.
pub struct Accepted {
    /// The established context.
    pub context: SecurityContext,
    /// The client's principal, None when it cannot be displayed.
    pub principal: Option<String>,
}

/// A distcc authentication server: credentials (None: the default acceptor credentials) and
/// an optional access list.
pub struct Server {
    /// The acceptor credentials.
    pub cred: Option<Cred>,
    /// The black- or whitelist, if any.
    pub list: Option<List>,
    /// The timeouts of the exchange.
    pub timeouts: Timeouts,
}

impl Server {
    /// Authenticates the client on a connection: reads from `read_fd`, writes to `write_fd`.
    pub fn check_client(&self, read_fd: RawFd, write_fd: RawFd) -> Result<Accepted> {
        check_client(read_fd, write_fd, self.cred.as_ref(), self.list.as_ref(), &self.timeouts)
    }
}

/// Authenticates a client: waits for its `*` and answers it, accepts its context (which must
/// offer MUTUAL, REPLAY and SEQUENCE; if not, the connection gets no notification, as with
/// distccd), then tells it `y` or `n` according to `list`. A denied client is an
/// `AccessDenied` error. The whole exchange ends within `timeouts.exchange`.
pub fn check_client(
    read_fd: RawFd,
    write_fd: RawFd,
    cred: Option<&Cred>,
    list: Option<&List>,
    timeouts: &Timeouts,
) -> Result<Accepted> {
    let channel = Channel::new(read_fd, write_fd, timeouts.io)?.bounded(timeouts.exchange);
    let first =
        channel.read_byte(channel.deadline()).map_err(|err| err.context("waiting for the client's handshake"))?;
    if first != HANDSHAKE {
        return Err(Error::new(
            ErrorCode::AuthFailed,
            format!("no client handshake (got byte {first:#04x}): did the client require authentication?"),
        ));
    }
    channel.write_all(&[HANDSHAKE], channel.deadline())?;
    // The last context token and the `y`/`n` leave in one write: the client reads both at
    // once, where two writes cost it a delayed ACK (about 40 ms) on every connection.
    let (context, (principal, allowed)) =
        gss::accept_answering(&channel, &timeouts.gss_options(), cred, None, |context| {
            let principal = match context.source_name() {
                Ok((name, _)) => Some(name),
                Err(err) => {
                    log_warn!("distcc: the client's name cannot be displayed: {err}");
                    None
                }
            };
            let allowed = list.is_none_or(|list| list.allows(principal.as_deref()));
            (vec![if allowed { ACCESS } else { NO_ACCESS }], (principal, allowed))
        })?;
    let shown = principal.as_deref().unwrap_or("an unnamed client");
    if let Some(list) = list {
        log_info!("distcc: {shown} {} by the {}list", if allowed { "admitted" } else { "refused" }, list.mode().word());
    }
    if !allowed {
        return Err(Error::new(ErrorCode::AccessDenied, format!("access denied to {shown}")));
    }
    Ok(Accepted { context, principal })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;
    use std::time::Duration;

    fn against_client(client_bytes: &'static [u8]) -> (Error, Vec<u8>) {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        theirs.write_all(client_bytes).unwrap();
        theirs.shutdown(std::net::Shutdown::Write).unwrap();
        let timeouts = Timeouts { io: Duration::from_millis(500), ..Timeouts::default() };
        let fd = ours.as_raw_fd();
        let err = check_client(fd, fd, None, None, &timeouts).err().expect("no client can authenticate here");
        drop(ours);
        let mut reply = Vec::new();
        let _ = theirs.read_to_end(&mut reply); // a reset after unread bytes ends it too
        (err, reply)
    }

    #[test]
    fn a_trickling_client_is_cut_at_the_exchange_deadline() {
        // The handshake, then a valid-looking token a byte every 50 ms: each byte is well
        // within the 30 s token timeout, the whole exchange gets 500 ms.
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        let trickler = std::thread::spawn(move || {
            for byte in b"*TLEN00000100".iter().copied().chain([0x60; 256]) {
                if theirs.write_all(&[byte]).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let timeouts = Timeouts { exchange: Duration::from_millis(500), ..Timeouts::default() };
        let started = std::time::Instant::now();
        let fd = ours.as_raw_fd();
        let err = check_client(fd, fd, None, None, &timeouts).err().expect("a trickle never authenticates");
        assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        drop(ours);
        trickler.join().unwrap();
    }

    #[test]
    fn a_client_without_auth_is_refused_at_once() {
        let (err, reply) = against_client(b"DIST00000001");
        assert_eq!(err.code(), ErrorCode::AuthFailed);
        assert!(reply.is_empty());
    }

    #[test]
    fn broken_tokens_are_refused() {
        assert_eq!(against_client(b"*GARBAGE00001").0.code(), ErrorCode::Protocol);
        assert_eq!(against_client(b"*TLENffffffff").0.code(), ErrorCode::Protocol);
        assert_eq!(against_client(b"*TLEN7fffffff").0.code(), ErrorCode::TooLarge);
        let (err, reply) = against_client(b"*TLEN00000064abc");
        assert_eq!(err.code(), ErrorCode::PeerClosed);
        assert_eq!(reply, b"*");
        assert_eq!(against_client(b"").0.code(), ErrorCode::PeerClosed);
    }
}
