//! The C API for programs other than distcc (`daemonauth_distcc_*`): the same protocol as the
//! drop-in functions, with the settings passed by typed setters and arguments instead of read
//! from distcc's globals. Converts and checks arguments, then calls [`super::client`] and
//! [`super::server`].
//!
//! Settings: a value set through the API wins; a setting left at its default (or set to 0)
//! falls back to the drop-in's environment variable (`DISTCCD_PRINCIPAL`, `DISTCC_PRINCIPAL`,
//! `DAEMONAUTH_DISTCC_*_TIMEOUT_MS`), and without one to the built-in default.

#![allow(non_camel_case_types)] // C names for the C API

use std::ffi::{OsStr, c_char, c_int};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::time::Duration;

use super::lists::{List, ListMode};
use super::server::{self, Server};
use super::{DistccExit, Timeouts, client, exit_code};
use crate::c_enum::{CEnum, c_enum};
use crate::error::{Error, ErrorCode, Result};
use crate::ffi::buffer::give_string;
use crate::ffi::{
    arg_c_bytes, arg_opt_str, change_handle, clear_out, ffi_boundary, free_handle, give_handle, handle_ref, take_handle,
};

/// List flag: an entry containing `@` matches the whole principal (realm included) instead
/// of never matching, as in distcc.
pub const DAEMONAUTH_DISTCC_LIST_REALM_ENTRIES: u32 = 1;

/// Which access list a server applies.
#[repr(C)]
#[derive(Clone, Copy)]
pub enum DistccListMode {
    /// No list: every authenticated client is admitted.
    None = 0,
    /// Everyone except the principals listed (distccd `--blacklist`).
    Blacklist = 1,
    /// Only the principals listed (distccd `--whitelist`).
    Whitelist = 2,
}

c_enum!(DistccListMode, "distcc list mode", [None, Blacklist, Whitelist]);

/// A list file, its mode and whether realm-qualified entries match.
type ListSetting = (PathBuf, ListMode, bool);

/// A distcc authentication server: acceptor credentials, access list and timeouts, made by
/// `daemonauth_distcc_server_builder_build`. Shared: immutable, usable by any number of
/// threads at once (each authenticating its own connection). Free with
/// `daemonauth_distcc_server_free`.
pub struct daemonauth_distcc_server(Server);

// What the documentation promises: a server may be used by many threads at once.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<Server>();
};

/// A server being built. One thread at a time. `daemonauth_distcc_server_builder_build`
/// consumes it; free it with `daemonauth_distcc_server_builder_free` only if it was never
/// built.
pub struct daemonauth_distcc_server_builder {
    principal: Option<String>,
    list: Option<ListSetting>,
    /// Set by the API; None falls back to the environment, then the default.
    timeout: Option<Duration>,
    exchange_timeout: Option<Duration>,
}

/// The list setting for a path (NULL: none), a `daemonauth_distcc_list_mode` number and
/// flags: a path exactly when there is a list.
fn list_setting(path: Option<&[u8]>, mode: c_int, flags: u32) -> Result<Option<ListSetting>> {
    if flags & !DAEMONAUTH_DISTCC_LIST_REALM_ENTRIES != 0 {
        return Err(Error::new(ErrorCode::InvalidArgument, format!("unknown list flags {flags:#x}")));
    }
    let realms = flags & DAEMONAUTH_DISTCC_LIST_REALM_ENTRIES != 0;
    let mode = match DistccListMode::from_c(mode)? {
        DistccListMode::None => None,
        DistccListMode::Blacklist => Some(ListMode::Blacklist),
        DistccListMode::Whitelist => Some(ListMode::Whitelist),
    };
    match (path, mode) {
        (Some(path), Some(mode)) => Ok(Some((PathBuf::from(OsStr::from_bytes(path)), mode, realms))),
        (None, None) => Ok(None),
        (None, Some(_)) => Err(Error::new(ErrorCode::NullArgument, "a list mode needs a list file")),
        (Some(_), None) => Err(Error::new(ErrorCode::InvalidArgument, "a list file needs a list mode")),
    }
}

/// A list path argument: NULL or the bytes of a path.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string valid during the call.
unsafe fn arg_opt_path<'a>(path: *const c_char) -> Result<Option<&'a [u8]>> {
    // SAFETY: forwarded contract.
    if path.is_null() { Ok(None) } else { unsafe { arg_c_bytes(path, "list_path") }.map(Some) }
}

/// A timeout in milliseconds from C: None for 0 (the default).
fn timeout_setting(timeout_ms: u32) -> Option<Duration> {
    (timeout_ms != 0).then(|| Duration::from_millis(u64::from(timeout_ms)))
}

/// Starts building a server with the defaults: the principal of `$DISTCCD_PRINCIPAL` (when
/// that is unset too, any key of the keytab is accepted), no access list, and the timeouts of
/// the `DAEMONAUTH_DISTCC_*_TIMEOUT_MS` environment variables, else 30 s per token read or
/// write and 60 s for the whole exchange with one client. Stores the builder in
/// `*builder_out`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_distcc_server_builder_new(
    builder_out: *mut *mut daemonauth_distcc_server_builder,
) -> ErrorCode {
    ffi_boundary! {
        let builder = daemonauth_distcc_server_builder { principal: None, list: None, timeout: None, exchange_timeout: None };
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { give_handle(builder_out, builder, "builder_out") }
    }
}

/// Sets the server's principal, as distccd's `DISTCCD_PRINCIPAL` (with `@`: a host-based
/// service such as `distccd@build1.example.com`, else a user name); NULL restores the default
/// (`$DISTCCD_PRINCIPAL` when the server is built).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_distcc_server_builder_set_principal(
    builder: *mut daemonauth_distcc_server_builder,
    principal: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a NUL-terminated string.
        let principal = unsafe { arg_opt_str(principal, "principal") }?.map(str::to_owned);
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |builder| builder.principal = principal) }
    }
}

/// Sets the access list: `list_path` (bytes, read when the server is built) as a
/// `list_mode` (a `daemonauth_distcc_list_mode`) black- or whitelist, `list_flags` 0 or
/// DAEMONAUTH_DISTCC_LIST_REALM_ENTRIES; NULL with DAEMONAUTH_DISTCC_LIST_MODE_NONE for no
/// list (the default). A mode without a path is DAEMONAUTH_RESULT_NULL_ARGUMENT, a path
/// without a mode, an unknown mode or flag DAEMONAUTH_RESULT_INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_distcc_server_builder_set_list(
    builder: *mut daemonauth_distcc_server_builder,
    list_path: *const c_char,
    list_mode: c_int,
    list_flags: u32,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a NUL-terminated string.
        let list = list_setting(unsafe { arg_opt_path(list_path) }?, list_mode, list_flags)?;
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |builder| builder.list = list) }
    }
}

/// Sets how long one read or write of the exchange (the client's handshake, each token) may
/// take, in milliseconds; 0 restores the default: `$DAEMONAUTH_DISTCC_IO_TIMEOUT_MS`, else
/// 30 000. The `y`/`n` notification keeps its own time (`$DAEMONAUTH_DISTCC_NOTIFY_TIMEOUT_MS`,
/// else 1 000, as distccd).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_distcc_server_builder_set_timeout_ms(
    builder: *mut daemonauth_distcc_server_builder,
    timeout_ms: u32,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |builder| builder.timeout = timeout_setting(timeout_ms)) }
    }
}

/// Sets how long the whole exchange with one client may take, from its first byte to the
/// `y`/`n`, in milliseconds: a client that trickles tokens is cut off with
/// DAEMONAUTH_RESULT_TIMEOUT when it runs out. 0 restores the default:
/// `$DAEMONAUTH_DISTCC_EXCHANGE_TIMEOUT_MS`, else 60 000.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_distcc_server_builder_set_exchange_timeout_ms(
    builder: *mut daemonauth_distcc_server_builder,
    timeout_ms: u32,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |builder| builder.exchange_timeout = timeout_setting(timeout_ms)) }
    }
}

/// Turns the builder into a server in `*server_out`: acquires the acceptor credentials for
/// the principal (none set and `$DISTCCD_PRINCIPAL` unset: the keytab's default acceptor
/// credentials) and reads the list file. The builder is consumed, whether this succeeds or
/// not: do not use or free it afterwards.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_distcc_server_builder_build(
    builder: *mut daemonauth_distcc_server_builder,
    server_out: *mut *mut daemonauth_distcc_server,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer.
        let cleared = unsafe { clear_out(server_out, "server_out") };
        // SAFETY: NULL or a builder from this library that the caller gives up.
        let builder = unsafe { take_handle(builder, "builder") }?;
        cleared?;
        let list = builder.list.map(|(path, mode, realms)| List::load(&path, mode, realms)).transpose()?;
        let principal = builder.principal.or_else(|| std::env::var(server::PRINCIPAL_ENV).ok());
        let cred = principal.as_deref().map(server::acquire_credentials).transpose()?;
        let from_env = Timeouts::from_env();
        let timeouts = Timeouts {
            io: builder.timeout.unwrap_or(from_env.io),
            exchange: builder.exchange_timeout.unwrap_or(from_env.exchange),
            ..from_env
        };
        // SAFETY: checked non-NULL above; the caller passes a writable pointer.
        unsafe { give_handle(server_out, daemonauth_distcc_server(Server { cred, list, timeouts }), "server_out") }
    }
}

/// Frees a builder that was never built. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_distcc_server_builder_free(builder: *mut daemonauth_distcc_server_builder) {
    // SAFETY: NULL or a builder from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(builder) } }
}

/// Authenticates the client on a connection (reads `read_fd`, writes `write_fd`: the same
/// socket, or 0 and 1 under inetd); the library neither closes them nor leaves their flags
/// changed. On success `*principal_out` is the client's principal (free it with
/// `daemonauth_string_free`), or NULL when the name cannot be displayed; on failure it is
/// NULL. A client refused by the list is told `n` and the result is
/// DAEMONAUTH_RESULT_ACCESS_DENIED. Any number of threads may authenticate their own
/// connections with one server at once.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_distcc_server_check_client(
    server: *const daemonauth_distcc_server,
    read_fd: c_int,
    write_fd: c_int,
    principal_out: *mut *mut c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { clear_out(principal_out, "principal_out") }?;
        // SAFETY: NULL or a live server from this library.
        let server = unsafe { handle_ref(server, "server") }?;
        match server.0.check_client(read_fd, write_fd)?.principal {
            // SAFETY: checked non-NULL above.
            Some(name) => unsafe { give_string(principal_out, name, "principal_out") },
            None => Ok(()),
        }
    }
}

/// Frees a server. NULL is a no-op. No call may be using it any more.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_distcc_server_free(server: *mut daemonauth_distcc_server) {
    // SAFETY: NULL or a server from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(server) } }
}

/// Authenticates to a distccd on a connection (writes `write_fd`, reads `read_fd`), as
/// distcc's client does for a `,auth` host. `service_host` is the name in the server's
/// principal (a host spec's `,auth=NAME`); NULL looks up the peer's host name. `service` is
/// the service part (distcc's `DISTCC_PRINCIPAL`, giving `SERVICE@HOST`); NULL reads
/// `$DISTCC_PRINCIPAL`, and when that is unset too the principal is `host/HOST`.
/// `timeout_ms` bounds each token read or write; 0 means the default,
/// `$DAEMONAUTH_DISTCC_IO_TIMEOUT_MS`, else 30 000. The waits for the server's handshake and
/// for its `y`/`n` keep distcc's 1 s (`$DAEMONAUTH_DISTCC_HANDSHAKE_TIMEOUT_MS`,
/// `$DAEMONAUTH_DISTCC_NOTIFY_TIMEOUT_MS`). Results: DAEMONAUTH_RESULT_TIMEOUT for a server
/// without authentication, DAEMONAUTH_RESULT_ACCESS_DENIED when the server says `n`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_distcc_client_authenticate(
    read_fd: c_int,
    write_fd: c_int,
    service_host: *const c_char,
    service: *const c_char,
    timeout_ms: u32,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or NUL-terminated strings.
        let (host, service) = unsafe { (arg_opt_str(service_host, "service_host")?, arg_opt_str(service, "service")?) };
        let service = service.map(str::to_owned).or_else(|| std::env::var(client::PRINCIPAL_ENV).ok());
        let from_env = Timeouts::from_env();
        let timeouts = Timeouts { io: timeout_setting(timeout_ms).unwrap_or(from_env.io), ..from_env };
        client::authenticate(read_fd, write_fd, host, service.as_deref(), &timeouts).map(drop)
    }
}

/// The distcc exit code distcc would return for `result` (a `daemonauth_result`; a number
/// that is none is DAEMONAUTH_DISTCC_EXIT_GSSAPI_FAILED).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_distcc_exit_code(result: c_int) -> DistccExit {
    ffi_boundary! {
        on_panic: DistccExit::GssapiFailed;
        exit_code(ErrorCode::from_number(result.into()).unwrap_or(ErrorCode::InvalidArgument))
    }
}

/// Sets the list the drop-in functions (`dcc_gssapi_obtain_list`, `dcc_gssapi_check_client`)
/// use in a program that does not define distccd's `opt_blacklist_enabled`,
/// `opt_whitelist_enabled` and `arg_list_file`: a file, mode and flags as for
/// `daemonauth_distcc_server_builder_set_list`, or NULL and DAEMONAUTH_DISTCC_LIST_MODE_NONE
/// for none. The setting is process-wide.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_distcc_set_list(list_path: *const c_char, list_mode: c_int, list_flags: u32) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a NUL-terminated string.
        let setting = list_setting(unsafe { arg_opt_path(list_path) }?, list_mode, list_flags)?;
        super::abi::set_fallback_list(setting);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_arguments_are_checked() {
        let path = Some(&b"x"[..]);
        assert_eq!(list_setting(None, 0, 0).unwrap(), None);
        assert_eq!(list_setting(path, 1, 1).unwrap(), Some((PathBuf::from("x"), ListMode::Blacklist, true)));
        assert_eq!(list_setting(path, 2, 0).unwrap(), Some((PathBuf::from("x"), ListMode::Whitelist, false)));
        assert_eq!(list_setting(path, 3, 0).unwrap_err().code(), ErrorCode::InvalidArgument);
        assert_eq!(list_setting(path, 1, 2).unwrap_err().code(), ErrorCode::InvalidArgument);
        assert_eq!(list_setting(None, 1, 0).unwrap_err().code(), ErrorCode::NullArgument);
        assert_eq!(list_setting(path, 0, 0).unwrap_err().code(), ErrorCode::InvalidArgument);
    }

    #[test]
    fn exit_codes_for_results() {
        assert_eq!(daemonauth_distcc_exit_code(ErrorCode::Timeout as c_int), DistccExit::Timeout);
        assert_eq!(daemonauth_distcc_exit_code(ErrorCode::AccessDenied as c_int), DistccExit::AccessDenied);
        assert_eq!(daemonauth_distcc_exit_code(0), DistccExit::Ok);
        assert_eq!(daemonauth_distcc_exit_code(-5), DistccExit::GssapiFailed);
    }
}
