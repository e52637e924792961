//! distcc's GSS-API mutual authentication (distcc 3.4 `--auth`, `,auth` hosts), byte for byte.
//!
//! Right after the TCP connection, before the client's `DIST` request, the client sends `*`
//! and waits for `*`; both sides exchange GSS-API context tokens framed `TLEN%08x` (flags
//! MUTUAL|REPLAY|SEQUENCE, default mechanism); the server checks the flags, checks the
//! client's principal against its black- or whitelist and sends one byte, `y` or `n`.
//! Nothing is wrapped afterwards: the distcc protocol continues in clear.
//!
//! [`client`] and [`server`] hold the protocol in safe Rust, [`lists`] the access lists.
//! [`abi`] exports distcc's own C names (the drop-in for distcc's `auth_*.c`), [`ffi`] the
//! `daemonauth_distcc_*` API for other programs.
//!
//! Faults of distcc's implementation fixed here, without changing the wire: announced token
//! lengths are capped, the reverse lookup of the server works for IPv6 (`getnameinfo`), the
//! handshake and notification timeouts are configurable, the global context handles never
//! keep a stale context after a failure, a client name that cannot be displayed is denied
//! rather than dereferenced, and realm-qualified list entries can be enabled.

/// distcc's own names, declared by the hand-written `distcc_auth.h`, not the generated header.
/// cbindgen:ignore
pub mod abi;
pub mod client;
mod ffi;
pub mod lists;
pub mod server;

use std::time::Duration;

use crate::error::{Error, ErrorCode, Result};
use crate::framing::{DEFAULT_MAX_TOKEN_LEN, Framing};
use crate::gss::{self, flags};
use crate::io::DEFAULT_TIMEOUT;
use crate::{log_info, log_warn};

/// The handshake byte both sides send first.
/// cbindgen:ignore
pub const HANDSHAKE: u8 = b'*';
/// The server's notification: access granted.
/// cbindgen:ignore
pub const ACCESS: u8 = b'y';
/// The server's notification: access denied (black- or whitelist).
/// cbindgen:ignore
pub const NO_ACCESS: u8 = b'n';

/// The GSS-API flags distcc requests and requires on both sides.
/// cbindgen:ignore
pub const REQUIRED_FLAGS: u32 = flags::MUTUAL | flags::REPLAY | flags::SEQUENCE;

/// The exit codes of distcc 3.4 (`enum dcc_exitcode` in its `exitcode.h`) that the
/// authentication returns; `int`-returning drop-in functions return them.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DistccExit {
    /// Success.
    Ok = 0,
    /// The peer's address or host name could not be found (EXIT_CONNECT_FAILED).
    ConnectFailed = 103,
    /// Memory ran out (EXIT_OUT_OF_MEMORY).
    OutOfMemory = 105,
    /// A read or write failed or the peer closed the connection (EXIT_IO_ERROR).
    IoError = 107,
    /// The peer broke the protocol: no `TLEN`, a bad or oversized length (EXIT_PROTOCOL_ERROR).
    ProtocolError = 109,
    /// The server said `n`: blacklisted or not whitelisted (EXIT_ACCESS_DENIED).
    AccessDenied = 113,
    /// The peer did not answer in time, e.g. a server without `--auth` (EXIT_TIMEOUT).
    Timeout = 118,
    /// Any other authentication failure (EXIT_GSSAPI_FAILED).
    GssapiFailed = 119,
}

/// The distcc exit code for a library result.
pub fn exit_code(code: ErrorCode) -> DistccExit {
    match code {
        ErrorCode::Ok => DistccExit::Ok,
        ErrorCode::NotFound => DistccExit::ConnectFailed,
        ErrorCode::OutOfMemory => DistccExit::OutOfMemory,
        ErrorCode::Io | ErrorCode::PeerClosed => DistccExit::IoError,
        ErrorCode::Protocol | ErrorCode::TooLarge => DistccExit::ProtocolError,
        ErrorCode::AccessDenied => DistccExit::AccessDenied,
        ErrorCode::Timeout => DistccExit::Timeout,
        _ => DistccExit::GssapiFailed,
    }
}

/// The environment variable with the time (ms) a client waits for the server's handshake.
/// cbindgen:ignore
pub const HANDSHAKE_TIMEOUT_ENV: &str = "DAEMONAUTH_DISTCC_HANDSHAKE_TIMEOUT_MS";
/// The environment variable with the time (ms) a client waits for the server's `y`/`n` (and a
/// server may take to send it).
/// cbindgen:ignore
pub const NOTIFY_TIMEOUT_ENV: &str = "DAEMONAUTH_DISTCC_NOTIFY_TIMEOUT_MS";
/// The environment variable with the time (ms) each other read or write may take.
/// cbindgen:ignore
pub const IO_TIMEOUT_ENV: &str = "DAEMONAUTH_DISTCC_IO_TIMEOUT_MS";
/// The environment variable with the time (ms) a server's whole exchange with one client may
/// take, from its first byte to the `y`/`n`.
/// cbindgen:ignore
pub const EXCHANGE_TIMEOUT_ENV: &str = "DAEMONAUTH_DISTCC_EXCHANGE_TIMEOUT_MS";
/// The environment variable that enables realm-qualified list entries (`1`).
/// cbindgen:ignore
pub const LIST_REALMS_ENV: &str = "DAEMONAUTH_DISTCC_LIST_REALMS";

/// How long each phase of the exchange may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// The client's wait for the server's `*` (distcc: 1 s).
    pub handshake: Duration,
    /// The client's wait for the server's `y`/`n` (distcc: 1 s).
    pub notify: Duration,
    /// Every other read or write: tokens, the server's wait for the client's `*`.
    pub io: Duration,
    /// A server's whole exchange with one client (default 60 s): a client trickling tokens
    /// gets no more.
    pub exchange: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            handshake: Duration::from_secs(1),
            notify: Duration::from_secs(1),
            io: DEFAULT_TIMEOUT,
            exchange: gss::DEFAULT_EXCHANGE_TIMEOUT,
        }
    }
}

impl Timeouts {
    /// The defaults, overridden by the `DAEMONAUTH_DISTCC_*_TIMEOUT_MS` environment variables
    /// (a positive number of milliseconds; anything else is ignored with a warning).
    pub fn from_env() -> Timeouts {
        let defaults = Timeouts::default();
        Timeouts {
            handshake: env_millis(HANDSHAKE_TIMEOUT_ENV, defaults.handshake),
            notify: env_millis(NOTIFY_TIMEOUT_ENV, defaults.notify),
            io: env_millis(IO_TIMEOUT_ENV, defaults.io),
            exchange: env_millis(EXCHANGE_TIMEOUT_ENV, defaults.exchange),
        }
    }

    /// The context-establishment options of distcc with these timeouts.
    fn gss_options(&self) -> gss::Options {
        gss::Options {
            framing: Framing::DistccTlen,
            max_token_len: DEFAULT_MAX_TOKEN_LEN,
            timeout: self.io,
            exchange_timeout: self.exchange,
            flags: REQUIRED_FLAGS,
            required_flags: REQUIRED_FLAGS,
            ..gss::Options::default()
        }
    }
}

fn env_millis(name: &str, default: Duration) -> Duration {
    let Ok(text) = std::env::var(name) else { return default };
    match text.trim().parse::<u64>() {
        Ok(millis) if millis > 0 => Duration::from_millis(millis),
        _ => {
            log_warn!("distcc: ignoring {name}={text:?} (not a positive number of milliseconds)");
            default
        }
    }
}

/// Whether the environment enables realm-qualified list entries.
pub fn list_realms_from_env() -> bool {
    std::env::var(LIST_REALMS_ENV).is_ok_and(|value| value.trim() == "1")
}

/// distcc's `dcc_gssapi_compare_flags`: every one of MUTUAL, REPLAY and SEQUENCE that
/// `requested` holds must be in `granted`.
pub fn compare_flags(requested: u32, granted: u32) -> Result<()> {
    let missing = requested & REQUIRED_FLAGS & !granted;
    if missing != 0 {
        return Err(Error::new(
            ErrorCode::Gss,
            format!("requested security services {} were not granted", flags::names(missing)),
        ));
    }
    log_info!("distcc: requested security services granted: {}", flags::names(requested & REQUIRED_FLAGS));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_distccs() {
        assert_eq!(exit_code(ErrorCode::Ok) as i32, 0);
        assert_eq!(exit_code(ErrorCode::Timeout) as i32, 118);
        assert_eq!(exit_code(ErrorCode::AccessDenied) as i32, 113);
        assert_eq!(exit_code(ErrorCode::PeerClosed) as i32, 107);
        assert_eq!(exit_code(ErrorCode::TooLarge) as i32, 109);
        assert_eq!(exit_code(ErrorCode::NotFound) as i32, 103);
        assert_eq!(exit_code(ErrorCode::Gss) as i32, 119);
        assert_eq!(exit_code(ErrorCode::AuthFailed) as i32, 119);
    }

    #[test]
    fn flags_compare_like_distcc() {
        assert!(compare_flags(REQUIRED_FLAGS, REQUIRED_FLAGS | flags::CONF).is_ok());
        assert!(compare_flags(flags::MUTUAL, flags::MUTUAL).is_ok());
        assert!(compare_flags(flags::CONF, 0).is_ok(), "only the three services are checked");
        assert_eq!(compare_flags(REQUIRED_FLAGS, flags::MUTUAL | flags::REPLAY).unwrap_err().code(), ErrorCode::Gss);
    }

    #[test]
    fn timeouts_default_to_distccs_and_read_the_environment() {
        assert_eq!(Timeouts::default().handshake, Duration::from_secs(1));
        assert_eq!(env_millis("DAEMONAUTH_TEST_UNSET_VARIABLE", Duration::from_secs(1)), Duration::from_secs(1));
        assert_eq!(env_millis("PATH", Duration::from_secs(2)), Duration::from_secs(2), "garbage is ignored");
    }
}
