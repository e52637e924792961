//! The CVS C API (`cvs_auth_*`, header `daemonauth/cvs_auth.h`): converts and checks
//! arguments, then calls the safe code in [`crate::cvs`]. Cut so that cvs's `scramble.c`,
//! `login.c`, `client.c`, `gssapi-client.c` and `server.c` can call it one for one.

#![allow(non_camel_case_types)] // C names for the C API

use std::ffi::{CString, c_char, c_int};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use zeroize::Zeroizing;

use super::request::RequestKind;
use super::root::CvsRoot;
use super::server::{ServerOptions, Session, SystemPasswords};
use super::sys::Regex;
use super::{client, gss_stream, passfile, relay, scramble, server};
use crate::error::{Error, ErrorCode, Result};
use crate::ffi::buffer::{daemonauth_buffer, give_buffer, give_secret_string, give_string};
use crate::ffi::handles::{daemonauth_gss_ctx, daemonauth_responder};
use crate::ffi::{
    arg_bytes, arg_c_bytes, arg_opt_str, arg_str, check_out, free_handle, give_handle, guard, guard_result, handle_mut,
    handle_ref,
};
use crate::gss;
use crate::io::{Channel, DEFAULT_TIMEOUT};
use crate::limits::ffi::daemonauth_limiter;

/// The server's policy. Made by `cvs_auth_server_config_new`, changed with
/// `cvs_auth_server_config_set`, freed with `cvs_auth_server_config_free`.
pub struct cvs_auth_server_config(ServerOptions);

/// An authenticated client, from `cvs_auth_server_authenticate`; free with
/// `cvs_auth_session_free`.
pub struct cvs_auth_session {
    session: Session,
    cvs_user: CString,
    system_user: CString,
    repository: CString,
}

fn timeout(timeout_ms: c_int) -> Duration {
    if timeout_ms > 0 { Duration::from_millis(timeout_ms as u64) } else { DEFAULT_TIMEOUT }
}

fn c_text(text: &str) -> Result<CString> {
    CString::new(text).map_err(|_| Error::new(ErrorCode::Internal, "a result string contains a NUL byte"))
}

/// Parses a CVSROOT argument.
///
/// # Safety
/// As for `arg_str`.
unsafe fn arg_root(cvsroot: *const c_char) -> Result<CvsRoot> {
    // SAFETY: forwarded contract.
    CvsRoot::parse(unsafe { arg_str(cvsroot, "cvsroot") }?)
}

/// Stores `*password` scrambled with method `A` in `*scrambled_out` (free with
/// `daemonauth_string_free`, which wipes it), as cvs's `scramble()`. The password is bytes,
/// in any encoding (UTF-8, Latin-1, ...); the result is exactly the bytes cvs 1.12.13 writes
/// to `~/.cvspass` for it.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_scramble(password: *const c_char, scrambled_out: *mut *mut c_char) -> ErrorCode {
    guard_result("cvs_auth_scramble", || {
        // SAFETY: NULL or a NUL-terminated string.
        let password = unsafe { arg_c_bytes(password, "password") }?;
        // SAFETY: NULL or a writable pointer.
        unsafe { give_secret_string(scrambled_out, &scramble::scramble(password), "scrambled_out") }
    })
}

/// Stores the password a scrambled string stands for in `*password_out` (free with
/// `daemonauth_string_free`, which wipes it): the bytes, in whatever encoding they were
/// scrambled. An unknown scrambling method (a first character other than `A`) is
/// DAEMONAUTH_RESULT_PROTOCOL, where cvs exits.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_descramble(scrambled: *const c_char, password_out: *mut *mut c_char) -> ErrorCode {
    guard_result("cvs_auth_descramble", || {
        // SAFETY: NULL or a NUL-terminated string.
        let scrambled = unsafe { arg_c_bytes(scrambled, "scrambled") }?;
        let password = scramble::descramble(scrambled)?;
        // SAFETY: NULL or a writable pointer.
        unsafe { give_secret_string(password_out, &password, "password_out") }
    })
}

/// Stores the canonical form of a `:pserver:` or `:gserver:` CVSROOT in `*canonical_out`
/// (`:pserver:USER@host:PORT/DIR`, host lower-cased, port 2401 by default, the caller's login
/// name for a missing user, no password), as cvs's `normalize_cvsroot()`.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_root_canonical(cvsroot: *const c_char, canonical_out: *mut *mut c_char) -> ErrorCode {
    guard_result("cvs_auth_root_canonical", || {
        // SAFETY: NULL or a NUL-terminated string.
        let root = unsafe { arg_root(cvsroot) }?;
        let canonical = root.canonical(&client::user_of(&root)?);
        // SAFETY: NULL or a writable pointer.
        unsafe { give_string(canonical_out, canonical, "canonical_out") }
    })
}

/// The pass file argument: NULL means `$CVS_PASSFILE` or `~/.cvspass`.
///
/// # Safety
/// As for `arg_opt_str`.
unsafe fn arg_passfile(passfile: *const c_char) -> Result<std::path::PathBuf> {
    // SAFETY: forwarded contract.
    match unsafe { arg_opt_str(passfile, "passfile") }? {
        Some(path) => Ok(Path::new(path).to_owned()),
        None => passfile::default_path(),
    }
}

/// Looks up the scrambled password (`A...`) stored for `cvsroot` in the pass file `passfile`
/// (NULL: `$CVS_PASSFILE`, else `~/.cvspass`) and stores it in `*scrambled_out` (free with
/// `daemonauth_string_free`): the entry's bytes exactly as the file holds them, whatever
/// their encoding. DAEMONAUTH_RESULT_NOT_FOUND when there is no entry.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_passfile_lookup(
    passfile: *const c_char,
    cvsroot: *const c_char,
    scrambled_out: *mut *mut c_char,
) -> ErrorCode {
    guard_result("cvs_auth_passfile_lookup", || {
        check_out(scrambled_out, "scrambled_out")?;
        // SAFETY: NULL or NUL-terminated strings.
        let (path, root) = unsafe { (arg_passfile(passfile)?, arg_root(cvsroot)?) };
        let found = passfile::lookup(&path, &root, &client::user_of(&root)?)?
            .ok_or_else(|| Error::new(ErrorCode::NotFound, format!("no entry for the root in {}", path.display())))?;
        // SAFETY: checked non-NULL above.
        unsafe { give_secret_string(scrambled_out, &found, "scrambled_out") }
    })
}

/// Stores `scrambled` (an `A...` string, see `cvs_auth_scramble`) for `cvsroot` in the pass
/// file (NULL: the default), replacing any entry for the same root; the file is rewritten
/// atomically with mode 0600, in the `/1 ` format of cvs 1.12.13, the new entry at the end as
/// cvs puts it. Every byte of the other entries stays as it was (a last line without its LF
/// gets one). `scrambled` is bytes: any but CR and LF.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_passfile_store(
    passfile: *const c_char,
    cvsroot: *const c_char,
    scrambled: *const c_char,
) -> ErrorCode {
    guard_result("cvs_auth_passfile_store", || {
        // SAFETY: NULL or NUL-terminated strings.
        let (path, root, scrambled) =
            unsafe { (arg_passfile(passfile)?, arg_root(cvsroot)?, arg_c_bytes(scrambled, "scrambled")?) };
        passfile::store(&path, &root, &client::user_of(&root)?, scrambled)
    })
}

/// Removes the entries for `cvsroot` from the pass file (NULL: the default), atomically;
/// every byte of the other entries stays as it was.
/// DAEMONAUTH_RESULT_NOT_FOUND when there was none (cvs says "Entry not found.").
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_passfile_remove(passfile: *const c_char, cvsroot: *const c_char) -> ErrorCode {
    guard_result("cvs_auth_passfile_remove", || {
        // SAFETY: NULL or NUL-terminated strings.
        let (path, root) = unsafe { (arg_passfile(passfile)?, arg_root(cvsroot)?) };
        if passfile::remove(&path, &root, &client::user_of(&root)?)? {
            Ok(())
        } else {
            Err(Error::new(ErrorCode::NotFound, "Entry not found."))
        }
    })
}

/// Stores the server's messages (one a line) through `messages_out` if it is not NULL.
///
/// # Safety
/// `messages_out` is NULL or valid for writing one pointer.
unsafe fn give_messages(messages_out: *mut *mut c_char, messages: &[String]) {
    if !messages_out.is_null() {
        // SAFETY: non-NULL and writable per the contract; a NUL in a message is impossible
        // (lines are read up to LF and NUL is refused), so this cannot fail.
        let _ = unsafe { give_string(messages_out, messages.join("\n"), "messages_out") };
    }
}

/// Authenticates to a pserver over `read_fd`/`write_fd` (not closed) for `cvsroot`
/// (`:pserver:...`): `verify_only` non-zero sends a VERIFICATION request (`cvs login`),
/// otherwise an AUTH request after which the CVS protocol follows. The password is
/// `password` (bytes, in any encoding) if not NULL, else the one in the CVSROOT, else the pass file's entry
/// (`passfile`, NULL: the default), else asked from `responder` (NULL: none) as a `password`
/// question. Each step may take `timeout_ms` (<= 0: 30 s). The server's `E` lines and `error`
/// text are stored, one a line, in `*messages_out` when it is not NULL (also on failure; free
/// with `daemonauth_string_free`). `I HATE YOU` and `error` are DAEMONAUTH_RESULT_AUTH_FAILED;
/// more than 64 `E` lines are DAEMONAUTH_RESULT_TOO_LARGE.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_client_authenticate(
    read_fd: c_int,
    write_fd: c_int,
    cvsroot: *const c_char,
    verify_only: c_int,
    password: *const c_char,
    passfile: *const c_char,
    responder: *const daemonauth_responder,
    timeout_ms: c_int,
    messages_out: *mut *mut c_char,
) -> ErrorCode {
    guard_result("cvs_auth_client_authenticate", || {
        let mut messages = Vec::new();
        let result = (|| {
            // SAFETY: NULL or NUL-terminated strings; NULL or a live responder.
            let (root, password, path, responder) = unsafe {
                (
                    arg_root(cvsroot)?,
                    (!password.is_null()).then(|| arg_c_bytes(password, "password")).transpose()?,
                    arg_opt_str(passfile, "passfile")?,
                    responder.as_ref().map(|r| &r.responder),
                )
            };
            let scrambled = client::password_for(&root, password, path.map(Path::new), responder)?;
            let channel = Channel::new(read_fd, write_fd, timeout(timeout_ms))?;
            let kind = if verify_only != 0 { RequestKind::Verification } else { RequestKind::Auth };
            client::authenticate(&channel, &root, kind, &scrambled, &mut messages)
        })();
        // SAFETY: NULL or writable, per the documented contract.
        unsafe { give_messages(messages_out, &messages) };
        result
    })
}

/// Authenticates to a gserver (`:gserver:` CVSROOT) with GSS-API: the service `cvs@HOST`,
/// flags MUTUAL|REPLAY, tokens framed as a 2-byte big-endian length. The credentials are the
/// tickets in the credential cache (for the CVSROOT's user if it names one); when there are
/// none and `responder` is not NULL, a ticket is obtained with a `password` question (and a
/// `username` one when the CVSROOT names no user) asked from it. On success stores the security context in `*ctx_out` (for `cvs_auth_packet_seal`
/// and `cvs_auth_packet_open`; free with `daemonauth_gss_ctx_free`). Messages as for
/// `cvs_auth_client_authenticate`.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_client_gserver(
    read_fd: c_int,
    write_fd: c_int,
    cvsroot: *const c_char,
    responder: *const daemonauth_responder,
    timeout_ms: c_int,
    ctx_out: *mut *mut daemonauth_gss_ctx,
    messages_out: *mut *mut c_char,
) -> ErrorCode {
    guard_result("cvs_auth_client_gserver", || {
        check_out(ctx_out, "ctx_out")?;
        let mut messages = Vec::new();
        let result = (|| {
            // SAFETY: NULL or a NUL-terminated string; NULL or a live responder.
            let (root, responder) = unsafe { (arg_root(cvsroot)?, responder.as_ref().map(|r| &r.responder)) };
            let cred = gss::acquire_initiator(root.user.as_deref(), Some(&gss::oids::krb5()), responder)?;
            let channel = Channel::new(read_fd, write_fd, timeout(timeout_ms))?;
            client::gserver_authenticate(&channel, &root, Some(&cred), &mut messages)
        })();
        // SAFETY: NULL or writable, per the documented contract.
        unsafe { give_messages(messages_out, &messages) };
        // SAFETY: checked non-NULL above.
        unsafe { give_handle(ctx_out, daemonauth_gss_ctx(result?), "ctx_out") }
    })
}

/// Runs a packet operation on `len` bytes at `bytes` with the context `ctx`; the result goes
/// to `*out` as a buffer.
fn packet_op(
    export: &str,
    ctx: *const daemonauth_gss_ctx,
    bytes: *const u8,
    len: usize,
    out: *mut *mut daemonauth_buffer,
    op: impl FnOnce(&gss::SecurityContext, &[u8]) -> Result<Zeroizing<Vec<u8>>>,
) -> ErrorCode {
    guard_result(export, || {
        check_out(out, "out")?;
        // SAFETY: NULL or a live context; NULL or `len` readable bytes.
        let (ctx, bytes) = unsafe { (handle_ref(ctx, "ctx")?, arg_bytes(bytes, len, "bytes")?) };
        let result = op(&ctx.0, bytes)?;
        // SAFETY: checked non-NULL above.
        unsafe { give_buffer(out, result, "out") }
    })
}

/// Protects `len` bytes of `data` (at most 4096) as one `Gssapi-encrypt` (`encrypt`
/// non-zero) or `Gssapi-authenticate` packet: the 2-byte length and the wrapped bytes, ready
/// to send, in `*packet_out` (free with `daemonauth_buffer_free`).
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_packet_seal(
    ctx: *const daemonauth_gss_ctx,
    encrypt: c_int,
    data: *const u8,
    len: usize,
    packet_out: *mut *mut daemonauth_buffer,
) -> ErrorCode {
    packet_op("cvs_auth_packet_seal", ctx, data, len, packet_out, |ctx, data| {
        gss_stream::seal(ctx, encrypt != 0, data).map(Zeroizing::new)
    })
}

/// Opens the wrapped part of a packet (`len` bytes after its 2-byte length) and stores its
/// data in `*data_out`. With `encrypt` non-zero, a packet that was not encrypted is refused.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_packet_open(
    ctx: *const daemonauth_gss_ctx,
    encrypt: c_int,
    wrapped: *const u8,
    len: usize,
    data_out: *mut *mut daemonauth_buffer,
) -> ErrorCode {
    packet_op("cvs_auth_packet_open", ctx, wrapped, len, data_out, |ctx, wrapped| {
        gss_stream::open(ctx, encrypt != 0, wrapped)
    })
}

/// Seals a CVS server's response stream for a `Gssapi-encrypt`/`Gssapi-authenticate` client;
/// made by `cvs_auth_response_sealer_new`, freed with `cvs_auth_response_sealer_free`.
pub struct cvs_auth_response_sealer(gss_stream::ResponseSealer);

/// Creates a response sealer for a protected stream (`encrypt` non-zero: `Gssapi-encrypt`,
/// else `Gssapi-authenticate`) that starts at a response boundary, as it does right after the
/// client's protection request. Free with `cvs_auth_response_sealer_free`.
///
/// Why: cvs 1.12.13's client (Debian's `cvs`) hangs when a packet carries more data than its
/// reader asked for (a `size_t` wrap in `packetizing_buffer_input`). It asks for 1 byte at a
/// time while reading a response line and for up to 4096 bytes of a file body, so a server
/// that seals its responses with `cvs_auth_packet_seal` in arbitrary chunks stalls the client.
/// The sealer follows the responses (`Created`, `Updated`, `Merged`, `Patched`, `Rcs-diff`,
/// `Template`, `Mbinary`, … and the length line before each file body) and sizes the packets
/// to those reads: one packet per line byte, file bodies in 4096-byte packets.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_response_sealer_new(
    encrypt: c_int,
    sealer_out: *mut *mut cvs_auth_response_sealer,
) -> ErrorCode {
    guard_result("cvs_auth_response_sealer_new", || {
        let sealer = cvs_auth_response_sealer(gss_stream::ResponseSealer::new(encrypt != 0));
        // SAFETY: NULL or a writable pointer.
        unsafe { give_handle(sealer_out, sealer, "sealer_out") }
    })
}

/// Feeds the next `len` bytes of the server's responses (any split: a line or a file body may
/// continue in the next call) and stores the packets to send, sealed with `ctx`, in
/// `*wire_out` (free with `daemonauth_buffer_free`): many packets in one buffer, to be sent
/// with one write. The buffer is empty while the data ends inside a file-body packet; the
/// rest follows with the next call.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_response_sealer_seal(
    sealer: *mut cvs_auth_response_sealer,
    ctx: *const daemonauth_gss_ctx,
    data: *const u8,
    len: usize,
    wire_out: *mut *mut daemonauth_buffer,
) -> ErrorCode {
    guard_result("cvs_auth_response_sealer_seal", || {
        check_out(wire_out, "wire_out")?;
        // SAFETY: NULL or a live sealer not used elsewhere during the call; NULL or a live
        // context; NULL or `len` readable bytes.
        let (sealer, ctx, data) =
            unsafe { (handle_mut(sealer, "sealer")?, handle_ref(ctx, "ctx")?, arg_bytes(data, len, "data")?) };
        let wire = sealer.0.seal(&ctx.0, data)?;
        // SAFETY: checked non-NULL above.
        unsafe { give_buffer(wire_out, wire, "wire_out") }
    })
}

/// Frees a response sealer. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_response_sealer_free(sealer: *mut cvs_auth_response_sealer) {
    // SAFETY: NULL or a sealer from this library that the caller gives up.
    guard("cvs_auth_response_sealer_free", || unsafe { free_handle(sealer) })
}

/// Creates a server policy with the defaults: no repository allowed, 30 s for the request,
/// lines of at most 4096 bytes, 2 s pause after a wrong password, empty hashes refused,
/// system passwords through the PAM service `cvs`, the default keytab.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_config_new(config_out: *mut *mut cvs_auth_server_config) -> ErrorCode {
    guard_result("cvs_auth_server_config_new", || {
        // SAFETY: NULL or a writable pointer.
        unsafe { give_handle(config_out, cvs_auth_server_config(ServerOptions::default()), "config_out") }
    })
}

/// Frees a server policy. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_config_free(config: *mut cvs_auth_server_config) {
    // SAFETY: NULL or a policy from this library that the caller gives up.
    guard("cvs_auth_server_config_free", || unsafe { free_handle(config) })
}

fn parse_bool(key: &str, value: &str) -> Result<bool> {
    match value {
        "yes" | "true" | "1" | "on" => Ok(true),
        "no" | "false" | "0" | "off" => Ok(false),
        _ => Err(Error::new(ErrorCode::InvalidArgument, format!("{key}: {value:?} is not yes or no"))),
    }
}

fn parse_ms(key: &str, value: &str) -> Result<Duration> {
    value.parse::<u64>().map(Duration::from_millis).map_err(|_| {
        Error::new(ErrorCode::InvalidArgument, format!("{key}: {value:?} is not a number of milliseconds"))
    })
}

fn set_option(options: &mut ServerOptions, key: &str, value: &str) -> Result<()> {
    match key {
        "allow_root" => options.roots.push(value.to_owned()),
        "allow_root_regexp" => options.root_patterns.push(Regex::new(value)?),
        "timeout_ms" => options.timeout = parse_ms(key, value)?.max(Duration::from_millis(1)),
        "fail_delay_ms" => options.fail_delay = parse_ms(key, value)?,
        "idle_ms" => options.idle = parse_ms(key, value)?.max(Duration::from_millis(1)),
        "max_line" => {
            options.max_line = value.parse::<usize>().ok().filter(|max| *max > 0).ok_or_else(|| {
                Error::new(ErrorCode::InvalidArgument, format!("max_line: {value:?} is not a positive number"))
            })?;
        }
        "allow_empty_password" => options.allow_empty_password = parse_bool(key, value)?,
        "system_passwords" => {
            options.system_passwords = match value {
                "pam" => SystemPasswords::Pam,
                "crypt" => SystemPasswords::Crypt,
                "off" => SystemPasswords::Off,
                _ => {
                    return Err(Error::new(
                        ErrorCode::InvalidArgument,
                        format!("system_passwords: {value:?} is not pam, crypt or off"),
                    ));
                }
            }
        }
        "pam_service" => options.pam_service = value.to_owned(),
        "keytab" => options.keytab = Some(value.to_owned()),
        _ => return Err(Error::new(ErrorCode::InvalidArgument, format!("unknown server option {key:?}"))),
    }
    Ok(())
}

/// Sets one policy option (strings, as in a configuration file):
/// `allow_root` (a repository, exactly; repeatable), `allow_root_regexp` (a POSIX extended
/// regular expression; repeatable), `timeout_ms` (the whole request), `idle_ms` (how long
/// a relayed session may stay stuck, see `cvs_auth_session_relay`; default 600000, 10
/// minutes), `fail_delay_ms`,
/// `max_line`, `allow_empty_password` (yes/no: an empty hash in CVSROOT/passwd lets any
/// password in, as cvs does; default no), `system_passwords` (`pam`, `crypt` or `off`),
/// `pam_service` (default `cvs`; PAM gets the client's numeric address as `PAM_RHOST` when
/// the read descriptor is an IP socket), `keytab` (for gserver).
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_config_set(
    config: *mut cvs_auth_server_config,
    key: *const c_char,
    value: *const c_char,
) -> ErrorCode {
    guard_result("cvs_auth_server_config_set", || {
        // SAFETY: NULL or a live policy, not used elsewhere during the call; NULL or strings.
        let (config, key, value) =
            unsafe { (handle_mut(config, "config")?, arg_str(key, "key")?, arg_str(value, "value")?) };
        set_option(&mut config.0, key, value)
    })
}

/// Makes `config` throttle failed passwords with `limiter` (NULL: no throttle, the default):
/// a pserver request from a client address or for a user that has had the limiter's
/// `max_failures` failed passwords within its window is answered `I HATE YOU` (after the
/// fail delay) without its password being checked; every wrong password or unknown user is
/// counted. The client address is the peer of `read_fd`. `config` keeps its own reference:
/// the limiter may be freed before it.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_config_set_limiter(
    config: *mut cvs_auth_server_config,
    limiter: *const daemonauth_limiter,
) -> ErrorCode {
    guard_result("cvs_auth_server_config_set_limiter", || {
        // SAFETY: NULL or a live policy, not used elsewhere during the call; NULL or a live
        // limiter from this library.
        let (config, limiter) = unsafe { (handle_mut(config, "config")?, limiter.as_ref()) };
        config.0.limiter = limiter.map(|limiter| Arc::clone(&limiter.0));
        Ok(())
    })
}

/// Reads a request from `read_fd` and authenticates it under `config`: a pserver AUTH or
/// VERIFICATION request (allowed repository, CVSROOT/passwd, then system passwords when the
/// repository's SystemAuth allows) or a gserver request (GSS-API, principal mapped to a local
/// user by the krb5 rules and checked with its user-ok rules). Root is refused. Every refusal
/// is answered on `write_fd` as cvs answers it, except that any failure cvs has no refusal of
/// its own for (a malformed request, an unreadable file, a keytab or GSS-API error) is answered
/// with the fixed `error 0 authentication failed` and its details go to the log only. On
/// success nothing has been answered yet: for AUTH and gserver call
/// `cvs_auth_session_switch_user`, then `cvs_auth_session_accept`; for VERIFICATION only
/// `cvs_auth_session_accept`. The session goes to `*session_out`.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_authenticate(
    config: *const cvs_auth_server_config,
    read_fd: c_int,
    write_fd: c_int,
    session_out: *mut *mut cvs_auth_session,
) -> ErrorCode {
    guard_result("cvs_auth_server_authenticate", || {
        check_out(session_out, "session_out")?;
        // SAFETY: NULL or a live policy.
        let config = unsafe { handle_ref(config, "config") }?;
        let session = server::authenticate(&config.0.channel(read_fd, write_fd)?, &config.0)?;
        let handle = cvs_auth_session {
            cvs_user: c_text(&session.cvs_user)?,
            system_user: c_text(&session.system_user.name)?,
            repository: c_text(&session.repository)?,
            session,
        };
        // SAFETY: checked non-NULL above.
        unsafe { give_handle(session_out, handle, "session_out") }
    })
}

/// Borrows a session handle.
fn with_session(
    export: &str,
    session: *const cvs_auth_session,
    body: impl FnOnce(&cvs_auth_session) -> Result<()>,
) -> ErrorCode {
    guard_result(export, || {
        // SAFETY: NULL or a live session from this library.
        body(unsafe { handle_ref(session, "session") }?)
    })
}

/// Switches the process to the session's system user (initgroups, setgid, setuid; root is
/// refused) and sets `CVS_USER`, `LOGNAME`, `USER` and `HOME`. Call it in the process that
/// serves this one client, before it starts any thread. If any step of the switch fails (or
/// root privileges could be regained afterwards) the process aborts with SIGABRT after logging
/// the step: it never returns still root or half switched.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_session_switch_user(session: *const cvs_auth_session) -> ErrorCode {
    with_session("cvs_auth_session_switch_user", session, |session| session.session.switch_user())
}

/// Sends `I LOVE YOU` on `write_fd`.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_session_accept(session: *const cvs_auth_session, write_fd: c_int) -> ErrorCode {
    with_session("cvs_auth_session_accept", session, |session| {
        session.session.accept(&Channel::new(write_fd, write_fd, DEFAULT_TIMEOUT)?)
    })
}

/// Refuses after all (for example when the switch failed): sends `error 0 <text>`.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_session_refuse(
    session: *const cvs_auth_session,
    write_fd: c_int,
    text: *const c_char,
) -> ErrorCode {
    with_session("cvs_auth_session_refuse", session, |session| {
        // SAFETY: NULL or a NUL-terminated string.
        let text = unsafe { arg_str(text, "text") }?;
        session.session.refuse(&Channel::new(write_fd, write_fd, DEFAULT_TIMEOUT)?, text)
    })
}

/// The name the client authenticated as (the CVS user; for gserver the mapped local user).
/// Valid until the session is freed; NULL for a NULL session.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_session_cvs_user(session: *const cvs_auth_session) -> *const c_char {
    // SAFETY: NULL or a live session.
    guard("cvs_auth_session_cvs_user", || unsafe { session.as_ref() }.map_or(std::ptr::null(), |s| s.cvs_user.as_ptr()))
}

/// The system user the session runs as. Valid until the session is freed.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_session_system_user(session: *const cvs_auth_session) -> *const c_char {
    // SAFETY: NULL or a live session.
    guard("cvs_auth_session_system_user", || {
        unsafe { session.as_ref() }.map_or(std::ptr::null(), |s| s.system_user.as_ptr())
    })
}

/// The authenticated repository ("" for gserver, whose `Root` request names it later).
/// Valid until the session is freed.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_session_repository(session: *const cvs_auth_session) -> *const c_char {
    // SAFETY: NULL or a live session.
    guard("cvs_auth_session_repository", || {
        unsafe { session.as_ref() }.map_or(std::ptr::null(), |s| s.repository.as_ptr())
    })
}

/// The request the session came from: 1 AUTH, 2 VERIFICATION, 3 GSSAPI (gserver); 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_session_kind(session: *const cvs_auth_session) -> c_int {
    // SAFETY: NULL or a live session.
    crate::ffi::guard_or("cvs_auth_session_kind", 0, || {
        unsafe { session.as_ref() }.map_or(0, |s| s.session.kind as c_int)
    })
}

/// How the client authenticated: 1 pserver (a password), 2 gserver (GSS-API); 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_session_method(session: *const cvs_auth_session) -> c_int {
    // SAFETY: NULL or a live session.
    crate::ffi::guard_or("cvs_auth_session_method", 0, || {
        unsafe { session.as_ref() }.map_or(0, |s| s.session.method as c_int)
    })
}

/// Relays the CVS protocol between the client (`client_read`/`client_write`, left open) and a
/// `cvs server` process: `server_in` is its standard input and `server_out` its output; the
/// library takes both and closes them. The client's `Root` must be the authenticated
/// repository (pserver) or one `config` allows (gserver); `Gssapi-encrypt` and
/// `Gssapi-authenticate` turn on protection with the session's context. Returns when the
/// server's output ends. `idle_ms` (<= 0: the config's `idle_ms`, by default 10 minutes)
/// bounds a silence of both sides and every write: a client that stops reading (or a server
/// that stops taking input) ends the relay with DAEMONAUTH_RESULT_TIMEOUT.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_session_relay(
    config: *const cvs_auth_server_config,
    session: *const cvs_auth_session,
    client_read: c_int,
    client_write: c_int,
    server_in: c_int,
    server_out: c_int,
    idle_ms: c_int,
) -> ErrorCode {
    guard_result("cvs_auth_session_relay", || {
        if server_in < 0 || server_out < 0 || server_in == server_out {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                "server_in and server_out must be two open descriptors",
            ));
        }
        // SAFETY: the caller hands over two distinct open descriptors, as documented.
        let (server_in, server_out) = unsafe { (OwnedFd::from_raw_fd(server_in), OwnedFd::from_raw_fd(server_out)) };
        // SAFETY: NULL or live handles from this library.
        let (config, session) = unsafe { (handle_ref(config, "config")?, handle_ref(session, "session")?) };
        let idle = if idle_ms > 0 { Duration::from_millis(idle_ms as u64) } else { config.0.idle };
        relay::relay(&session.session, &config.0, client_read, client_write, server_in, server_out, idle)
    })
}

/// Frees a session (and its GSS-API context). NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_session_free(session: *mut cvs_auth_session) {
    // SAFETY: NULL or a session from this library that the caller gives up.
    guard("cvs_auth_session_free", || unsafe { free_handle(session) })
}
