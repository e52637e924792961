//! The library's error type and the stable, numbered error codes every C export returns.

use std::fmt;

use crate::c_enum::c_enum;

/// The outcome of a daemonauth call.
///
/// The numbers are part of the ABI: a code keeps its number forever and a retired number is
/// never given to another meaning. `daemonauth_strerror()` names a code;
/// `daemonauth_last_error()` says in words what went wrong in the most recent failed call on
/// the calling thread.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 1,
    /// An argument was out of range, not valid UTF-8, or otherwise unusable.
    InvalidArgument = 2,
    /// The library hit an internal bug; the call was abandoned safely (nothing unwound into C).
    Internal = 3,
    /// A read or write on a file descriptor failed.
    Io = 4,
    /// The peer did not answer within the configured time.
    Timeout = 5,
    /// The peer closed the connection before the exchange was complete.
    PeerClosed = 6,
    /// The peer sent bytes that do not follow the protocol.
    Protocol = 7,
    /// The peer announced a token, line or message longer than the configured limit.
    TooLarge = 8,
    /// A GSS-API call failed; the last error holds its major and minor status text.
    Gss = 9,
    /// The peer authenticated but is not allowed in (list, access file, root, policy).
    AccessDenied = 10,
    /// Authentication failed: wrong password, bad proof, unknown user.
    AuthFailed = 11,
    /// A question needed to authenticate was left unanswered by every responder.
    Unanswered = 12,
    /// A caller-supplied buffer is too small for the result.
    BufferTooSmall = 13,
    /// A named thing (file, entry, user, question) does not exist.
    NotFound = 14,
    /// A configuration or data file is malformed.
    Config = 15,
    /// A file holding secrets has unsafe ownership or permissions.
    InsecureFile = 16,
    /// An interactive question was asked with no terminal to ask it on.
    NoTerminal = 17,
    /// A Kerberos library call failed.
    Krb5 = 18,
    /// The requested feature, method or mechanism is not supported.
    Unsupported = 19,
    /// Memory for a peer's message could not be allocated.
    OutOfMemory = 20,
    /// No credentials to use: no ticket cache (run kinit), or no key for the name in the
    /// keytab.
    NoCredentials = 21,
    /// The credentials (ticket) or the context have expired.
    CredentialsExpired = 22,
    /// The KDC does not know the principal (often a wrong service or host name).
    UnknownPrincipal = 23,
    /// A ticket arrived that the service's keytab cannot decrypt (a stale key version, a
    /// principal missing from the keytab, a wrong key).
    KeyMismatch = 24,
    /// The peers' clocks differ by more than Kerberos allows.
    ClockSkew = 25,
    /// The requested GSS-API mechanism is not available.
    MechUnavailable = 26,
    /// No KDC could be reached for the realm (or the realm is unknown).
    KdcUnreachable = 27,
    /// A message or authenticator was replayed or arrived out of sequence.
    Replay = 28,
}

c_enum!(
    ErrorCode,
    "daemonauth result code",
    [
        Ok,
        NullArgument,
        InvalidArgument,
        Internal,
        Io,
        Timeout,
        PeerClosed,
        Protocol,
        TooLarge,
        Gss,
        AccessDenied,
        AuthFailed,
        Unanswered,
        BufferTooSmall,
        NotFound,
        Config,
        InsecureFile,
        NoTerminal,
        Krb5,
        Unsupported,
        OutOfMemory,
        NoCredentials,
        CredentialsExpired,
        UnknownPrincipal,
        KeyMismatch,
        ClockSkew,
        MechUnavailable,
        KdcUnreachable,
        Replay,
    ]
);

impl ErrorCode {
    /// A short, fixed description of the code (what `daemonauth_strerror()` returns).
    pub fn description(self) -> &'static str {
        self.c_description().to_str().expect("descriptions are ASCII")
    }

    /// [`ErrorCode::description`] as a C string.
    pub fn c_description(self) -> &'static std::ffi::CStr {
        match self {
            ErrorCode::Ok => c"success",
            ErrorCode::NullArgument => c"a required argument was NULL",
            ErrorCode::InvalidArgument => c"invalid argument",
            ErrorCode::Internal => c"internal error in daemonauth",
            ErrorCode::Io => c"input/output error",
            ErrorCode::Timeout => c"timed out waiting for the peer",
            ErrorCode::PeerClosed => c"the peer closed the connection",
            ErrorCode::Protocol => c"protocol violation by the peer",
            ErrorCode::TooLarge => c"message exceeds the configured size limit",
            ErrorCode::Gss => c"GSS-API failure",
            ErrorCode::AccessDenied => c"access denied",
            ErrorCode::AuthFailed => c"authentication failed",
            ErrorCode::Unanswered => c"a required question was not answered",
            ErrorCode::BufferTooSmall => c"buffer too small",
            ErrorCode::NotFound => c"not found",
            ErrorCode::Config => c"malformed configuration",
            ErrorCode::InsecureFile => c"file has unsafe ownership or permissions",
            ErrorCode::NoTerminal => c"no terminal to ask on",
            ErrorCode::Krb5 => c"Kerberos failure",
            ErrorCode::Unsupported => c"not supported",
            ErrorCode::OutOfMemory => c"out of memory",
            ErrorCode::NoCredentials => c"no credentials (no ticket cache, or no key for the name in the keytab)",
            ErrorCode::CredentialsExpired => c"credentials expired",
            ErrorCode::UnknownPrincipal => c"no such principal in the KDC's database",
            ErrorCode::KeyMismatch => c"the service's key does not match the ticket (keytab)",
            ErrorCode::ClockSkew => c"clock skew too great",
            ErrorCode::MechUnavailable => c"GSS-API mechanism unavailable",
            ErrorCode::KdcUnreachable => c"cannot reach a KDC for the realm",
            ErrorCode::Replay => c"replayed or out-of-sequence message",
        }
    }
}

/// An error: a stable code plus a sentence for a human.
///
/// The message never contains a secret (password, key, token body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
}

impl Error {
    /// An error with `code` and a human-readable `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error { code, message: message.into() }
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The sentence for a human.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error with `context` put in front of its message ("context: message").
    pub fn context(self, context: impl fmt::Display) -> Error {
        Error { code: self.code, message: format!("{context}: {}", self.message) }
    }

    /// An I/O error from the operating system, described by `what` was being done.
    pub fn io(what: impl fmt::Display, err: &std::io::Error) -> Error {
        Error::new(ErrorCode::Io, format!("{what}: {err}"))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// The result type of the library's safe Rust API.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::c_enum::CEnum;

    #[test]
    fn numbers_are_dense_and_stable() {
        for (index, code) in ErrorCode::ALL.iter().copied().enumerate() {
            assert_eq!(code as usize, index, "{code:?} moved");
            assert_eq!(ErrorCode::from_number(index as i64), Some(code));
        }
        assert_eq!(ErrorCode::from_number(-1), None);
        assert_eq!(ErrorCode::from_number(ErrorCode::ALL.len() as i64), None);
    }

    #[test]
    fn descriptions_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for &code in ErrorCode::ALL {
            assert!(seen.insert(code.description()), "{code:?} repeats a description");
        }
    }

    #[test]
    fn context_keeps_the_code() {
        let err = Error::new(ErrorCode::Timeout, "no reply").context("reading token");
        assert_eq!(err.code(), ErrorCode::Timeout);
        assert_eq!(err.to_string(), "reading token: no reply");
    }
}
