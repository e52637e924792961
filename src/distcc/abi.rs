//! The drop-in ABI: distcc 3.4's `auth.h` functions and data symbols under their exact C
//! names and types, so a distcc tree built without its `auth_*.c` links against the library
//! (declared in `include/daemonauth/distcc_auth.h`).
//!
//! State: the acceptor credentials and the access list live here, behind locks; the two
//! context handles distcc's other files use are exported as data (`distcc_ctx_handle`,
//! `distccd_ctx_handle`). distccd's options (`opt_blacklist_enabled`,
//! `opt_whitelist_enabled`, `arg_list_file`, from its `dopt.c`) are read through weak
//! references: in a program that does not define them they are absent and the settings of
//! `daemonauth_distcc_set_list` apply instead. distcc's logger, `rs_log0` of its `trace.c`, is
//! reached the same way: in distcc the library's messages go where distcc's go (see
//! [`host_log_sink`]).
//!
//! `send_token`/`recv_token` are exported because `auth.h` declares them, as thin wrappers
//! the library itself never calls (a program's own functions of those names interpose on
//! them harmlessly). distcc's `creds`, `list` and `list_count` are not exported: only the
//! auth files used them, and data symbols with such generic names would clash.

use std::ffi::OsStr;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::os::fd::RawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicPtr, Ordering};

use libgssapi_sys::{OM_uint32, gss_buffer_desc, gss_buffer_t, gss_ctx_id_struct, gss_ctx_id_t, gss_name_t};
use parking_lot::Mutex;

use super::lists::{List, ListMode};
use super::{DistccExit, Timeouts, client, compare_flags, exit_code, list_realms_from_env, server};
use crate::error::{Error, ErrorCode, Result};
use crate::ffi::{BoundaryReturn, Userdata, arg_bytes, export_name, ffi_boundary, record_error};
use crate::framing::{DEFAULT_MAX_TOKEN_LEN, Framing};
use crate::gss::sys;
use crate::io::Channel;
use crate::log::{LogLevel, Sink};
use crate::{log_info, log_warn};

/// The client's context after `dcc_gssapi_perform_requested_security` (distcc's remote.c
/// deletes it with `dcc_gssapi_delete_ctx`). Same layout as `gss_ctx_id_t`.
#[unsafe(no_mangle)]
pub static distcc_ctx_handle: AtomicPtr<gss_ctx_id_struct> = AtomicPtr::new(std::ptr::null_mut());

/// The server's context after `dcc_gssapi_check_client` (distcc's serve.c deletes it).
#[unsafe(no_mangle)]
pub static distccd_ctx_handle: AtomicPtr<gss_ctx_id_struct> = AtomicPtr::new(std::ptr::null_mut());

/// The credentials `dcc_gssapi_acquire_credentials` got (distcc's `creds`). Shared, so that an
/// authentication takes its own reference and holds no lock across network I/O: the
/// authentications of a threaded host run side by side, and a release while they run takes
/// effect when the last of them ends.
static CREDS: Mutex<Option<Arc<sys::Cred>>> = Mutex::new(None);
/// The list `dcc_gssapi_obtain_list` read (distcc's `list`/`list_count`).
static LIST: Mutex<Option<List>> = Mutex::new(None);
/// The list settings for programs without distccd's option globals.
static FALLBACK_LIST: Mutex<Option<(PathBuf, ListMode, bool)>> = Mutex::new(None);

/// distcc 3.4's `struct dcc_hostdef` (its `distcc.h`, built with GSS-API), for the two
/// members the authentication reads; the others only give the layout.
#[repr(C)]
pub struct DccHostdef {
    _mode: c_int,
    _user: *mut c_char,
    _hostname: *mut c_char,
    _port: c_int,
    _ssh_command: *mut c_char,
    _is_up: c_int,
    _n_slots: c_int,
    _hostdef_string: *mut c_char,
    _protover: c_int,
    _compr: c_int,
    _cpp_where: c_int,
    authenticate: c_int,
    auth_name: *mut c_char,
    _next: *mut DccHostdef,
}

/// Sets the list file, mode and realm-entry option the drop-in functions use in a program
/// that does not define distccd's option globals (see `daemonauth_distcc_set_list`).
pub(super) fn set_fallback_list(setting: Option<(PathBuf, ListMode, bool)>) {
    *FALLBACK_LIST.lock() = setting;
}

// Weak references to distccd's option globals: resolved to the program's variables when it
// defines them (the link of a program against the library exports them), NULL otherwise.
macro_rules! host_symbol_table {
    ($directive:literal) => {
        core::arch::global_asm!(
            ".pushsection .data.rel.ro.daemonauth_distcc_host_symbols,\"aw\"",
            ".balign 8",
            ".globl daemonauth_distcc_host_symbols",
            ".hidden daemonauth_distcc_host_symbols",
            "daemonauth_distcc_host_symbols:",
            ".weak opt_blacklist_enabled",
            ".weak opt_whitelist_enabled",
            ".weak arg_list_file",
            ".weak rs_log0",
            concat!($directive, " opt_blacklist_enabled"),
            concat!($directive, " opt_whitelist_enabled"),
            concat!($directive, " arg_list_file"),
            concat!($directive, " rs_log0"),
            ".popsection",
        );
    };
}
#[cfg(target_pointer_width = "64")]
host_symbol_table!(".quad");
#[cfg(target_pointer_width = "32")]
host_symbol_table!(".long");

unsafe extern "C" {
    /// The addresses of `opt_blacklist_enabled`, `opt_whitelist_enabled`, `arg_list_file` and
    /// `rs_log0` in the host program, each NULL when the program does not define it.
    static daemonauth_distcc_host_symbols: [*const c_void; 4];
}

/// distcc's `void rs_log0(int level, char const *fn, char const *fmt, ...)` (its trace.h).
type RsLog0 = unsafe extern "C" fn(level: c_int, function: *const c_char, format: *const c_char, ...);

/// distcc's logger, if the program is distcc.
fn host_logger() -> Option<RsLog0> {
    // SAFETY: a table of pointers the dynamic linker filled in before any code ran.
    let [_, _, _, rs_log0] = unsafe { daemonauth_distcc_host_symbols };
    // SAFETY: when the program defines `rs_log0`, it is distcc's function of that signature.
    (!rs_log0.is_null()).then(|| unsafe { std::mem::transmute::<*const c_void, RsLog0>(rs_log0) })
}

/// The level distcc logs a library message at: its `rs_loglevel`, which are syslog's levels.
fn distcc_level(level: LogLevel) -> c_int {
    match level {
        LogLevel::Error => libc::LOG_ERR,
        LogLevel::Warn => libc::LOG_WARNING,
        LogLevel::Info => libc::LOG_INFO,
        LogLevel::Debug | LogLevel::Trace => libc::LOG_DEBUG,
    }
}

/// Hands one library message to distcc's logger, under the function name `daemonauth`.
unsafe extern "C" fn log_to_distcc(_userdata: *mut c_void, level: LogLevel, message: *const c_char) {
    if let Some(rs_log0) = host_logger() {
        // SAFETY: distcc's rs_log0 with a format taking exactly the one NUL-terminated string
        // given; the message is valid during the call (the log sink's contract).
        unsafe { rs_log0(distcc_level(level), c"daemonauth".as_ptr(), c"%s".as_ptr(), message) };
    }
}

/// In distcc (a program defining `rs_log0`), the default log sink: distcc's own logger, so that
/// the library's messages reach distccd's `--log-file`, `--log-stderr` or syslog, filtered by its
/// `--log-level`. None elsewhere.
pub(crate) fn host_log_sink() -> Option<Sink> {
    host_logger().map(|_| Sink::Callback { callback: log_to_distcc, userdata: Userdata::new(std::ptr::null_mut()) })
}

/// distccd's list options, if the program is distccd: (blacklist enabled, whitelist enabled,
/// list file).
fn host_list_options() -> Option<(bool, bool, Option<PathBuf>)> {
    // SAFETY: a table of pointers the dynamic linker filled in before any code ran.
    let [black, white, file, _] = unsafe { daemonauth_distcc_host_symbols };
    if black.is_null() || white.is_null() {
        return None;
    }
    // SAFETY: distccd defines both as `int` and `arg_list_file` as `const char *`, which is
    // NULL or a NUL-terminated string (a command-line argument).
    unsafe {
        let file = (file as *const *const c_char)
            .as_ref()
            .and_then(|path| path.as_ref())
            .map(|path| PathBuf::from(OsStr::from_bytes(CStr::from_ptr(path).to_bytes())));
        Some((*(black as *const c_int) != 0, *(white as *const c_int) != 0, file))
    }
}

/// What the body of an `int`-returning drop-in function produces: 0, or for an error (logged
/// and kept as the thread's last error) distcc's exit code; a panic is EXIT_GSSAPI_FAILED.
struct ExitStatus {
    result: Result<()>,
    exit_code: fn(ErrorCode) -> DistccExit,
}

impl ExitStatus {
    /// The status of `result`, with the library's mapping of results to exit codes.
    fn of(result: Result<()>) -> ExitStatus {
        ExitStatus { result, exit_code }
    }
}

impl BoundaryReturn for ExitStatus {
    type C = c_int;
    fn into_c(self, export: &str) -> c_int {
        match self.result {
            Ok(()) => DistccExit::Ok as c_int,
            Err(err) => {
                log_warn!("{}: {err}", export_name(export));
                (self.exit_code)(record_error(export, &err)) as c_int
            }
        }
    }
    fn on_panic() -> c_int {
        DistccExit::GssapiFailed as c_int
    }
}

/// distccd's exit code for a server-side result: a client denied by the list is
/// EXIT_GSSAPI_FAILED, as distccd returns.
fn server_exit_code(code: ErrorCode) -> DistccExit {
    match exit_code(code) {
        DistccExit::AccessDenied => DistccExit::GssapiFailed,
        other => other,
    }
}

/// Deletes the context in `slot`, if any, leaving it empty.
fn clear_context(slot: &AtomicPtr<gss_ctx_id_struct>) {
    // SAFETY: the slot holds NULL or a context this library stored or distcc's code
    // established; swapping it out hands ownership to the Context, deleted on drop.
    drop(unsafe { sys::Context::from_raw(slot.swap(std::ptr::null_mut(), Ordering::AcqRel)) });
}

/// Acquires the server's credentials for `$DISTCCD_PRINCIPAL` (mandatory; containing `@` it is
/// a host-based service, else a user name). Returns 0 or a distcc exit code.
#[unsafe(no_mangle)]
pub extern "C" fn dcc_gssapi_acquire_credentials() -> c_int {
    ffi_boundary! { ExitStatus::of(acquire_credentials()) }
}

fn acquire_credentials() -> Result<()> {
    let principal = std::env::var(server::PRINCIPAL_ENV)
        .map_err(|_| Error::new(ErrorCode::Config, "no principal name specified (DISTCCD_PRINCIPAL)"))?;
    *CREDS.lock() = Some(Arc::new(server::acquire_credentials(&principal)?));
    Ok(())
}

/// Releases the credentials `dcc_gssapi_acquire_credentials` acquired.
#[unsafe(no_mangle)]
pub extern "C" fn dcc_gssapi_release_credentials() {
    ffi_boundary! { *CREDS.lock() = None }
}

/// Reads the list file (distccd's `arg_list_file`, else the `daemonauth_distcc_set_list`
/// file) as a blacklist (`mode` 1) or whitelist (0). Returns 0 or a distcc exit code.
#[unsafe(no_mangle)]
pub extern "C" fn dcc_gssapi_obtain_list(mode: c_int) -> c_int {
    ffi_boundary! { ExitStatus::of(obtain_list(if mode != 0 { ListMode::Blacklist } else { ListMode::Whitelist })) }
}

fn obtain_list(mode: ListMode) -> Result<()> {
    let (path, realms) = match host_list_options() {
        Some((_, _, Some(path))) => (path, list_realms_from_env()),
        Some((_, _, None)) => return Err(Error::new(ErrorCode::Config, "distccd names no list file")),
        None => match &*FALLBACK_LIST.lock() {
            Some((path, _, realms)) => (path.clone(), *realms),
            None => return Err(Error::new(ErrorCode::Config, "no list file set (daemonauth_distcc_set_list)")),
        },
    };
    let list = List::load(&path, mode, realms)?;
    log_info!("distcc: using {} as a {}list", path.display(), mode.word());
    *LIST.lock() = Some(list);
    Ok(())
}

/// Forgets the list `dcc_gssapi_obtain_list` read.
#[unsafe(no_mangle)]
pub extern "C" fn dcc_gssapi_free_list() {
    ffi_boundary! { *LIST.lock() = None }
}

/// The list in force for a connection: distccd's options decide when the program has them,
/// else whatever list was loaded. A list that is enabled (by distccd's options or
/// `daemonauth_distcc_set_list`) but was not loaded admits nobody.
fn list_in_force() -> Option<List> {
    let loaded = LIST.lock().clone();
    let (enabled, distccd) = match host_list_options() {
        Some((black, white, _)) => (black || white, true),
        None => (FALLBACK_LIST.lock().is_some(), false),
    };
    match loaded {
        Some(list) if enabled || !distccd => Some(list),
        None if enabled => {
            log_warn!("distcc: a list is enabled but none was loaded: nobody is admitted");
            Some(List::parse("", ListMode::Whitelist, false))
        }
        _ => None,
    }
}

/// Authenticates a client on a distccd connection (distcc's server side): reads from
/// `from_net_fd`, writes to `to_net_fd` (distcc's serve.c passes them swapped; on a socket
/// that is the same). On success the context is in `distccd_ctx_handle`; on any failure that
/// handle is empty. Returns 0 or a distcc exit code (a denied client: EXIT_GSSAPI_FAILED, as
/// distccd; it was told `n`).
#[unsafe(no_mangle)]
pub extern "C" fn dcc_gssapi_check_client(to_net_fd: c_int, from_net_fd: c_int) -> c_int {
    ffi_boundary! { ExitStatus { result: check_client(from_net_fd, to_net_fd), exit_code: server_exit_code } }
}

fn check_client(read_fd: RawFd, write_fd: RawFd) -> Result<()> {
    clear_context(&distccd_ctx_handle);
    let list = list_in_force();
    let creds = CREDS.lock().clone();
    let accepted = server::check_client(read_fd, write_fd, creds.as_deref(), list.as_ref(), &Timeouts::from_env())?;
    distccd_ctx_handle.store(accepted.context.into_raw(), Ordering::Release);
    Ok(())
}

/// Authenticates to the distccd on a connection (distcc's client side): writes to
/// `to_net_fd`, reads from `from_net_fd`. The server's principal is `$DISTCC_PRINCIPAL@NAME`
/// (or `host/NAME` without it), NAME being `host->auth_name` or else the reverse lookup of the
/// peer. On success the context is in `distcc_ctx_handle`; on any failure that handle is empty.
/// Returns 0 or a distcc exit code.
///
/// # Safety
/// `host` is NULL (an error) or points to a distcc 3.4 `struct dcc_hostdef` whose `auth_name`
/// is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dcc_gssapi_perform_requested_security(
    host: *const DccHostdef,
    to_net_fd: c_int,
    from_net_fd: c_int,
) -> c_int {
    // SAFETY: forwarded contract.
    ffi_boundary! { ExitStatus::of(unsafe { perform_requested_security(host, from_net_fd, to_net_fd) }) }
}

/// # Safety
/// As for [`dcc_gssapi_perform_requested_security`].
unsafe fn perform_requested_security(host: *const DccHostdef, read_fd: RawFd, write_fd: RawFd) -> Result<()> {
    clear_context(&distcc_ctx_handle);
    // SAFETY: NULL or a valid hostdef per the contract.
    let host =
        unsafe { host.as_ref() }.ok_or_else(|| Error::new(ErrorCode::NullArgument, "argument `host` is NULL"))?;
    if host.authenticate == 0 {
        log_info!("distcc: authenticating to a host without ,auth");
    }
    let auth_name = if host.auth_name.is_null() {
        None
    } else {
        // SAFETY: non-NULL, so a NUL-terminated string per the contract.
        let name = unsafe { CStr::from_ptr(host.auth_name) };
        Some(name.to_str().map_err(|_| Error::new(ErrorCode::InvalidArgument, "auth_name is not UTF-8"))?)
    };
    let service = std::env::var(client::PRINCIPAL_ENV).ok();
    let context = client::authenticate(read_fd, write_fd, auth_name, service.as_deref(), &Timeouts::from_env())?;
    distcc_ctx_handle.store(context.into_raw(), Ordering::Release);
    Ok(())
}

/// Logs the text of a GSS-API status code, `status_type` being GSS_C_GSS_CODE or
/// GSS_C_MECH_CODE.
#[unsafe(no_mangle)]
pub extern "C" fn dcc_gssapi_status_to_log(status_code: OM_uint32, status_type: c_int) {
    ffi_boundary! {
        let label = if status_type == libgssapi_sys::GSS_C_GSS_CODE as c_int { "GSSAPI" } else { "Mech" };
        for line in sys::display_status(status_code, status_type) {
            log_info!("{label}: {line}");
        }
    }
}

/// Releases the given token buffers and name (any may be NULL), as distcc's cleanup does.
///
/// # Safety
/// Each argument is NULL or points to a buffer/name the caller owns and gives up.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dcc_gssapi_cleanup(
    input_tok: *mut gss_buffer_desc,
    output_tok: *mut gss_buffer_desc,
    name: *mut gss_name_t,
) {
    ffi_boundary! {
        // SAFETY: forwarded contract.
        let results = unsafe {
            [sys::release_raw_buffer(input_tok), sys::release_raw_buffer(output_tok), sys::release_raw_name(name)]
        };
        for err in results.into_iter().filter_map(Result::err) {
            log_warn!("dcc_gssapi_cleanup: {err}");
        }
    }
}

/// Returns 0 when every one of MUTUAL, REPLAY and SEQUENCE in `req_flags` is in `ret_flags`,
/// else EXIT_GSSAPI_FAILED.
#[unsafe(no_mangle)]
pub extern "C" fn dcc_gssapi_compare_flags(req_flags: OM_uint32, ret_flags: OM_uint32) -> c_int {
    ffi_boundary! { ExitStatus::of(compare_flags(req_flags, ret_flags)) }
}

/// Deletes the context in `*ctx_handle` (if any) and sets it to GSS_C_NO_CONTEXT; NULL is a
/// no-op.
///
/// # Safety
/// `ctx_handle` is NULL or points to a `gss_ctx_id_t` holding GSS_C_NO_CONTEXT or a live
/// context the caller gives up.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dcc_gssapi_delete_ctx(ctx_handle: *mut gss_ctx_id_t) {
    ffi_boundary! {
        // SAFETY: NULL or a valid handle slot per the contract; it is emptied before the
        // context is deleted, so nothing can see a deleted handle.
        if let Some(slot) = unsafe { ctx_handle.as_mut() } {
            let raw = std::mem::replace(slot, std::ptr::null_mut());
            // SAFETY: the caller gives the context up; the Context deletes it on drop.
            drop(unsafe { sys::Context::from_raw(raw) });
        }
    }
}

fn token_channel(sd: RawFd) -> Result<Channel> {
    Channel::new(sd, sd, Timeouts::from_env().io)
}

/// Sends `token` on socket `sd` as `TLEN%08x` and the bytes. Returns 0 or a distcc exit code.
///
/// # Safety
/// `token` is NULL (an error) or points to a descriptor whose `value` holds `length` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn send_token(sd: c_int, token: gss_buffer_t) -> c_int {
    // SAFETY: forwarded contract.
    ffi_boundary! { ExitStatus::of(unsafe { send_token_on(sd, token) }) }
}

/// # Safety
/// As for [`send_token`].
unsafe fn send_token_on(sd: RawFd, token: gss_buffer_t) -> Result<()> {
    // SAFETY: NULL or a valid descriptor per the contract.
    let token =
        unsafe { token.as_ref() }.ok_or_else(|| Error::new(ErrorCode::NullArgument, "argument `token` is NULL"))?;
    // SAFETY: `value` holds `length` bytes per the contract.
    let body = unsafe { arg_bytes(token.value as *const u8, token.length, "token") }?;
    Framing::DistccTlen.write(&token_channel(sd)?, 0, body)
}

/// Receives a `TLEN` token from socket `sd` into `*token` (its `value` allocated with
/// `malloc`, for `gss_release_buffer`). Announced lengths above the library's cap are refused.
/// Returns 0 or a distcc exit code.
///
/// # Safety
/// `token` is NULL (an error) or points to a writable descriptor.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn recv_token(sd: c_int, token: gss_buffer_t) -> c_int {
    // SAFETY: forwarded contract.
    ffi_boundary! { ExitStatus::of(unsafe { recv_token_from(sd, token) }) }
}

/// # Safety
/// As for [`recv_token`].
unsafe fn recv_token_from(sd: RawFd, token: gss_buffer_t) -> Result<()> {
    // SAFETY: NULL or a valid, writable descriptor per the contract.
    let token =
        unsafe { token.as_mut() }.ok_or_else(|| Error::new(ErrorCode::NullArgument, "argument `token` is NULL"))?;
    let received = Framing::DistccTlen.read(&token_channel(sd)?, DEFAULT_MAX_TOKEN_LEN)?;
    let body = received.body;
    // SAFETY: malloc of a non-zero length (TLEN lengths are at least 1).
    let value = unsafe { libc::malloc(body.len()) } as *mut u8;
    if value.is_null() {
        return Err(Error::new(ErrorCode::OutOfMemory, format!("cannot allocate a {}-byte token", body.len())));
    }
    // SAFETY: `value` is a fresh allocation of `body.len()` bytes.
    unsafe { std::ptr::copy_nonoverlapping(body.as_ptr(), value, body.len()) };
    *token = gss_buffer_desc { length: body.len(), value: value.cast() };
    Ok(())
}
