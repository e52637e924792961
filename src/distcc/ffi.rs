//! The C API for programs other than distcc (`daemonauth_distcc_*`): the same protocol as the
//! drop-in functions, with the settings passed as arguments instead of read from distcc's
//! globals. Converts and checks arguments, then calls [`super::client`] and [`super::server`].

#![allow(non_camel_case_types)] // C names for the C API

use std::ffi::{c_char, c_int};
use std::path::PathBuf;

use super::lists::{List, ListMode};
use super::server::{self, Server};
use super::{Timeouts, client, exit_code};
use crate::c_enum::CEnum;
use crate::error::{Error, ErrorCode, Result};
use crate::ffi::buffer::give_string;
use crate::ffi::{arg_opt_str, check_out, free_handle, give_handle, guard, guard_or, guard_result, handle_ref};

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

/// A distcc authentication server: credentials and access list. Free with
/// `daemonauth_distcc_server_free`.
pub struct daemonauth_distcc_server(Server);

/// The list mode and realm option for a `daemonauth_distcc_list_mode` number and flags; None
/// for no list.
fn parse_list(mode: c_int, flags: u32) -> Result<Option<(ListMode, bool)>> {
    if flags & !DAEMONAUTH_DISTCC_LIST_REALM_ENTRIES != 0 {
        return Err(Error::new(ErrorCode::InvalidArgument, format!("unknown list flags {flags:#x}")));
    }
    let realms = flags & DAEMONAUTH_DISTCC_LIST_REALM_ENTRIES != 0;
    match mode {
        m if m == DistccListMode::None as c_int => Ok(None),
        m if m == DistccListMode::Blacklist as c_int => Ok(Some((ListMode::Blacklist, realms))),
        m if m == DistccListMode::Whitelist as c_int => Ok(Some((ListMode::Whitelist, realms))),
        _ => Err(Error::new(ErrorCode::InvalidArgument, format!("{mode} is not a list mode"))),
    }
}

/// The list path argument, required exactly when there is a list.
fn list_setting(path: Option<&str>, list: Option<(ListMode, bool)>) -> Result<Option<(PathBuf, ListMode, bool)>> {
    match (path, list) {
        (Some(path), Some((mode, realms))) => Ok(Some((PathBuf::from(path), mode, realms))),
        (None, None) => Ok(None),
        (None, Some(_)) => Err(Error::new(ErrorCode::NullArgument, "a list mode needs a list file")),
        (Some(_), None) => Err(Error::new(ErrorCode::InvalidArgument, "a list file needs a list mode")),
    }
}

/// Creates a server in `*server_out`. `principal` is the server's principal as distccd's
/// `DISTCCD_PRINCIPAL` (with `@`: a host-based service, else a user name); NULL reads
/// `$DISTCCD_PRINCIPAL`, and when that is unset too any key of the keytab is accepted.
/// `list_path` is a black- or whitelist file read now, or NULL with `list_mode` 0;
/// `list_flags` may hold `DAEMONAUTH_DISTCC_LIST_REALM_ENTRIES`. Timeouts come from the
/// `DAEMONAUTH_DISTCC_*_TIMEOUT_MS` environment variables.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_distcc_server_new(
    principal: *const c_char,
    list_path: *const c_char,
    list_mode: c_int,
    list_flags: u32,
    server_out: *mut *mut daemonauth_distcc_server,
) -> ErrorCode {
    guard_result("daemonauth_distcc_server_new", || {
        check_out(server_out, "server_out")?;
        // SAFETY: the caller passes NULL or NUL-terminated strings.
        let (principal, path) = unsafe { (arg_opt_str(principal, "principal")?, arg_opt_str(list_path, "list_path")?) };
        let list = match list_setting(path, parse_list(list_mode, list_flags)?)? {
            Some((path, mode, realms)) => Some(List::load(&path, mode, realms)?),
            None => None,
        };
        let principal = principal.map(str::to_owned).or_else(|| std::env::var(server::PRINCIPAL_ENV).ok());
        let cred = principal.as_deref().map(server::acquire_credentials).transpose()?;
        let server = Server { cred, list, timeouts: Timeouts::from_env() };
        // SAFETY: checked non-NULL above; the caller passes a writable pointer.
        unsafe { give_handle(server_out, daemonauth_distcc_server(server), "server_out") }
    })
}

/// Authenticates the client on a connection (read `fd_in`, write `fd_out`; the same socket
/// for both, or stdin/stdout under inetd). On success the client's principal is stored in
/// `*principal_out` when that is not NULL (free it with `daemonauth_string_free`; it is NULL
/// when the name cannot be displayed). A client refused by the list is told `n` and the
/// result is DAEMONAUTH_RESULT_ACCESS_DENIED.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_distcc_server_check_client(
    server: *const daemonauth_distcc_server,
    fd_in: c_int,
    fd_out: c_int,
    principal_out: *mut *mut c_char,
) -> ErrorCode {
    guard_result("daemonauth_distcc_server_check_client", || {
        // SAFETY: NULL or a live server from this library.
        let server = unsafe { handle_ref(server, "server") }?;
        let accepted = server.0.check_client(fd_in, fd_out)?;
        match (principal_out.is_null(), accepted.principal) {
            (true, _) => Ok(()),
            // SAFETY: non-NULL and writable per the documented contract.
            (false, Some(name)) => unsafe { give_string(principal_out, name, "principal_out") },
            (false, None) => {
                // SAFETY: as above.
                unsafe { principal_out.write(std::ptr::null_mut()) };
                Ok(())
            }
        }
    })
}

/// Frees a server; NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_distcc_server_free(server: *mut daemonauth_distcc_server) {
    // SAFETY: NULL or a server from this library that the caller gives up.
    guard("daemonauth_distcc_server_free", || unsafe { free_handle(server) })
}

/// Authenticates to a distccd on a connection (write `fd_out`, read `fd_in`), as distcc's
/// client does for a `,auth` host. `service_host` is the name in the server's principal
/// (a host spec's `,auth=NAME`); NULL looks up the peer's host name. `service` is the service
/// part (distcc's `DISTCC_PRINCIPAL`, giving `SERVICE@HOST`); NULL reads `$DISTCC_PRINCIPAL`,
/// and when that is unset too the principal is `host/HOST`. Results: DAEMONAUTH_RESULT_TIMEOUT
/// for a server without authentication, DAEMONAUTH_RESULT_ACCESS_DENIED when the server says
/// `n`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_distcc_client_authenticate(
    fd_in: c_int,
    fd_out: c_int,
    service_host: *const c_char,
    service: *const c_char,
) -> ErrorCode {
    guard_result("daemonauth_distcc_client_authenticate", || {
        // SAFETY: the caller passes NULL or NUL-terminated strings.
        let (host, service) = unsafe { (arg_opt_str(service_host, "service_host")?, arg_opt_str(service, "service")?) };
        let service = service.map(str::to_owned).or_else(|| std::env::var(client::PRINCIPAL_ENV).ok());
        client::authenticate(fd_in, fd_out, host, service.as_deref(), &Timeouts::from_env()).map(drop)
    })
}

/// The distcc exit code (a `daemonauth_distcc_exit` value) distcc would return for `result`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_distcc_exit_code(result: c_int) -> c_int {
    guard_or("daemonauth_distcc_exit_code", super::DistccExit::GssapiFailed as c_int, || {
        let code = ErrorCode::from_number(result.into()).unwrap_or(ErrorCode::InvalidArgument);
        exit_code(code) as c_int
    })
}

/// Sets the list the drop-in functions (`dcc_gssapi_obtain_list`, `dcc_gssapi_check_client`)
/// use in a program that does not define distccd's `opt_blacklist_enabled`,
/// `opt_whitelist_enabled` and `arg_list_file`: a file and mode as for
/// `daemonauth_distcc_server_new`, or NULL and 0 for none.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_distcc_set_list(list_path: *const c_char, list_mode: c_int, list_flags: u32) -> ErrorCode {
    guard_result("daemonauth_distcc_set_list", || {
        // SAFETY: the caller passes NULL or a NUL-terminated string.
        let path = unsafe { arg_opt_str(list_path, "list_path") }?;
        super::abi::set_fallback_list(list_setting(path, parse_list(list_mode, list_flags)?)?);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_arguments_are_checked() {
        assert_eq!(parse_list(0, 0).unwrap(), None);
        assert_eq!(parse_list(1, 1).unwrap(), Some((ListMode::Blacklist, true)));
        assert_eq!(parse_list(2, 0).unwrap(), Some((ListMode::Whitelist, false)));
        assert_eq!(parse_list(3, 0).unwrap_err().code(), ErrorCode::InvalidArgument);
        assert_eq!(parse_list(1, 2).unwrap_err().code(), ErrorCode::InvalidArgument);
        assert_eq!(list_setting(None, Some((ListMode::Blacklist, false))).unwrap_err().code(), ErrorCode::NullArgument);
        assert_eq!(list_setting(Some("x"), None).unwrap_err().code(), ErrorCode::InvalidArgument);
    }

    #[test]
    fn exit_codes_for_results() {
        assert_eq!(daemonauth_distcc_exit_code(ErrorCode::Timeout as c_int), 118);
        assert_eq!(daemonauth_distcc_exit_code(ErrorCode::AccessDenied as c_int), 113);
        assert_eq!(daemonauth_distcc_exit_code(0), 0);
        assert_eq!(daemonauth_distcc_exit_code(-5), 119);
    }
}
