//! The client side (distcc's `dcc_gssapi_perform_requested_security`): handshake, context
//! initiation towards the server's principal, and the server's access notification.

use std::os::fd::RawFd;

use super::{ACCESS, HANDSHAKE, Timeouts};
use crate::error::{Error, ErrorCode, Result};
use crate::gss::{self, Name, NameType, SecurityContext};
use crate::io::Channel;
use crate::{log_info, net};

/// The environment variable naming the server's service (distcc's `DISTCC_PRINCIPAL`).
pub const PRINCIPAL_ENV: &str = "DISTCC_PRINCIPAL";

/// The name the client authenticates the server as: `SERVICE@HOST` as a host-based service
/// when a service is given (`DISTCC_PRINCIPAL`), else `host/HOST` as a user name.
pub fn target_name(service: Option<&str>, host: &str) -> (String, NameType) {
    match service {
        Some(service) => (format!("{service}@{host}"), NameType::HostBasedService),
        None => (format!("host/{host}"), NameType::UserName),
    }
}

/// Authenticates to a distccd over a connection: writes to `write_fd`, reads from `read_fd`.
///
/// `host` is the server's name for its principal (a host spec's `,auth=NAME`); None looks up
/// the name of `write_fd`'s peer. `service` is `DISTCC_PRINCIPAL`'s value. Returns the
/// established context; fails with `Timeout` when the server does not answer the handshake
/// (a server without `--auth`) and `AccessDenied` when it says `n`.
pub fn authenticate(
    read_fd: RawFd,
    write_fd: RawFd,
    host: Option<&str>,
    service: Option<&str>,
    timeouts: &Timeouts,
) -> Result<SecurityContext> {
    let host = match host {
        Some(host) => host.to_owned(),
        None => net::peer_host_name(write_fd)?,
    };
    let (text, kind) = target_name(service, &host);
    let target = Name::import(&text, kind)?;

    let handshake = Channel::new(read_fd, write_fd, timeouts.handshake)?;
    handshake.write_all(&[HANDSHAKE], handshake.deadline())?;
    let reply = handshake.read_byte(handshake.deadline()).map_err(|err| match err.code() {
        ErrorCode::Timeout => err.context("no handshake from the server (does it require authentication?)"),
        _ => err,
    })?;
    if reply != HANDSHAKE {
        return Err(Error::new(ErrorCode::AuthFailed, format!("no server handshake (got byte {reply:#04x})")));
    }

    let channel = Channel::new(read_fd, write_fd, timeouts.io)?;
    let context = gss::initiate(&channel, &timeouts.gss_options(), None, &target)?;
    log_info!("distcc: authenticated the server as {text}");

    let notify = Channel::new(read_fd, write_fd, timeouts.notify)?;
    let notification =
        notify.read_byte(notify.deadline()).map_err(|err| err.context("receiving the server's access notification"))?;
    if notification != ACCESS {
        return Err(Error::new(
            ErrorCode::AccessDenied,
            "access denied by the server: the principal may be blacklisted or not whitelisted",
        ));
    }
    Ok(context)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;
    use std::time::{Duration, Instant};

    #[test]
    fn target_names_follow_distcc() {
        assert_eq!(target_name(Some("distccd"), "build1"), ("distccd@build1".into(), NameType::HostBasedService));
        assert_eq!(target_name(None, "build1"), ("host/build1".into(), NameType::UserName));
    }

    fn run_against(server_bytes: &'static [u8], timeouts: Timeouts) -> Error {
        let (ours, theirs) = UnixStream::pair().unwrap();
        let peer = std::thread::spawn(move || {
            use std::io::{Read, Write};
            let mut theirs = theirs;
            let mut star = [0u8; 1];
            theirs.read_exact(&mut star).unwrap();
            theirs.write_all(server_bytes).unwrap();
            std::thread::sleep(Duration::from_millis(300));
        });
        let fd = ours.as_raw_fd();
        let err = authenticate(fd, fd, Some("localhost"), Some("distccd"), &timeouts)
            .err()
            .expect("no server to authenticate");
        peer.join().unwrap();
        err
    }

    #[test]
    fn a_server_without_auth_times_out_quickly() {
        let timeouts = Timeouts { handshake: Duration::from_millis(100), ..Timeouts::default() };
        let started = Instant::now();
        assert_eq!(run_against(b"", timeouts).code(), ErrorCode::Timeout);
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_wrong_handshake_byte_is_an_authentication_failure() {
        assert_eq!(run_against(b"D", Timeouts::default()).code(), ErrorCode::AuthFailed);
    }
}
