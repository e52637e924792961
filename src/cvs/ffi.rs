//! The CVS C API (`cvs_auth_*`, header `daemonauth/cvs_auth.h`): converts and checks
//! arguments, then calls the safe code in [`crate::cvs`]. Cut so that cvs's `scramble.c`,
//! `login.c`, `client.c`, `gssapi-client.c` and `server.c` can call it one for one.

#![allow(non_camel_case_types)] // C names for the C API

use std::ffi::{CString, c_char, c_int};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::sync::Arc;

use zeroize::Zeroizing;

use super::request::{MAX_LINE, RequestKind};
use super::root::{CvsRoot, Method};
use super::server::{
    DEFAULT_FAIL_DELAY, DEFAULT_IDLE, DEFAULT_REQUEST_TIMEOUT, ServerOptions, Session, SystemPasswords,
};
use super::{client, gss_stream, passfile, relay, scramble, server};
use crate::c_enum::{CEnum, c_enum};
use crate::error::{Error, ErrorCode, Result};
use crate::ffi::buffer::{daemonauth_buffer, give_buffer, give_secret_string, give_string};
use crate::ffi::handles::{daemonauth_gss_ctx, daemonauth_limiter, daemonauth_responder};
use crate::ffi::{
    arg_bytes, arg_c_bytes, arg_opt_str, arg_str, clear_out, ffi_boundary, free_handle, give_handle, handle_mut,
    handle_ref, take_handle, timeout_or,
};
use crate::gss;
use crate::io::{Channel, DEFAULT_TIMEOUT};
use crate::sysauth::sys::Regex;

/// The request a session came from, as `cvs_auth_session_kind` returns it.
#[repr(C)]
#[derive(Clone, Copy)]
pub enum CvsRequestKind {
    /// No session (a NULL argument).
    None = 0,
    /// `BEGIN AUTH REQUEST` (pserver): the CVS protocol follows.
    Auth = 1,
    /// `BEGIN VERIFICATION REQUEST` (`cvs login`): the password is checked, nothing follows.
    Verification = 2,
    /// `BEGIN GSSAPI REQUEST` (gserver).
    Gssapi = 3,
}

/// How a client authenticated, as `cvs_auth_session_method` returns it.
#[repr(C)]
#[derive(Clone, Copy)]
pub enum CvsMethod {
    /// No session (a NULL argument).
    None = 0,
    /// `:pserver:`, a user name and a password.
    Pserver = 1,
    /// `:gserver:`, GSS-API (Kerberos).
    Gserver = 2,
}

/// How the server checks the passwords of users missing from `CVSROOT/passwd` when the
/// repository's `SystemAuth` is on (`cvs_auth_server_config_builder_set_system_passwords`).
#[repr(C)]
#[derive(Clone, Copy)]
pub enum CvsSystemPasswords {
    /// Through PAM (the default), with the service set by
    /// `cvs_auth_server_config_builder_set_pam_service`.
    Pam = 1,
    /// `getpwnam`/`getspnam` and crypt(3).
    Crypt = 2,
    /// Never: only `CVSROOT/passwd` users get in.
    Off = 3,
}

c_enum!(CvsSystemPasswords, "system password check (1 PAM, 2 crypt, 3 off)", [Pam, Crypt, Off]);

impl From<RequestKind> for CvsRequestKind {
    fn from(kind: RequestKind) -> CvsRequestKind {
        match kind {
            RequestKind::Auth => CvsRequestKind::Auth,
            RequestKind::Verification => CvsRequestKind::Verification,
            RequestKind::Gssapi => CvsRequestKind::Gssapi,
        }
    }
}

impl From<Method> for CvsMethod {
    fn from(method: Method) -> CvsMethod {
        match method {
            Method::Pserver => CvsMethod::Pserver,
            Method::Gserver => CvsMethod::Gserver,
        }
    }
}

impl From<CvsSystemPasswords> for SystemPasswords {
    fn from(mode: CvsSystemPasswords) -> SystemPasswords {
        match mode {
            CvsSystemPasswords::Pam => SystemPasswords::Pam,
            CvsSystemPasswords::Crypt => SystemPasswords::Crypt,
            CvsSystemPasswords::Off => SystemPasswords::Off,
        }
    }
}

/// The server's policy, made by `cvs_auth_server_config_builder_build`. Shared: immutable,
/// usable by any number of threads at once, and by every child forked after it was built.
/// Free with `cvs_auth_server_config_free` once no call uses it any more.
pub struct cvs_auth_server_config(ServerOptions);

// "Shared" above is a promise to C; the compiler holds the policy to it.
const _: () = {
    fn shared<T: Send + Sync>() {}
    let _ = shared::<cvs_auth_server_config>;
};

/// A server policy being built. One thread at a time. `cvs_auth_server_config_builder_build`
/// consumes it; free it with `cvs_auth_server_config_builder_free` only if it was never built.
pub struct cvs_auth_server_config_builder(ServerOptions);

/// An authenticated client, from `cvs_auth_server_authenticate`. One thread at a time:
/// `cvs_auth_session_relay` advances the sequence state of its GSS-API context (different
/// sessions may be used on different threads at once). Free with `cvs_auth_session_free`.
pub struct cvs_auth_session {
    session: Session,
    cvs_user: CString,
    system_user: CString,
    repository: CString,
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
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let password = unsafe { arg_c_bytes(password, "password") }?;
        // SAFETY: NULL or a writable pointer.
        unsafe { give_secret_string(scrambled_out, &scramble::scramble(password), "scrambled_out") }
    }
}

/// Stores the password a scrambled string stands for in `*password_out` (free with
/// `daemonauth_string_free`, which wipes it): the bytes, in whatever encoding they were
/// scrambled. An unknown scrambling method (a first character other than `A`) is
/// DAEMONAUTH_RESULT_PROTOCOL, where cvs exits.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_descramble(scrambled: *const c_char, password_out: *mut *mut c_char) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let scrambled = unsafe { arg_c_bytes(scrambled, "scrambled") }?;
        let password = scramble::descramble(scrambled)?;
        // SAFETY: NULL or a writable pointer.
        unsafe { give_secret_string(password_out, &password, "password_out") }
    }
}

/// Stores the canonical form of a `:pserver:` or `:gserver:` CVSROOT in `*canonical_out`
/// (`:pserver:USER@host:PORT/DIR`, host lower-cased, port 2401 by default, the caller's login
/// name for a missing user, no password), as cvs's `normalize_cvsroot()`.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_root_canonical(cvsroot: *const c_char, canonical_out: *mut *mut c_char) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let root = unsafe { arg_root(cvsroot) }?;
        let canonical = root.canonical(&client::user_of(&root)?);
        // SAFETY: NULL or a writable pointer.
        unsafe { give_string(canonical_out, canonical, "canonical_out") }
    }
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
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(scrambled_out, "scrambled_out") }?;
        // SAFETY: NULL or NUL-terminated strings.
        let (path, root) = unsafe { (arg_passfile(passfile)?, arg_root(cvsroot)?) };
        let found = passfile::lookup(&path, &root, &client::user_of(&root)?)?
            .ok_or_else(|| Error::new(ErrorCode::NotFound, format!("no entry for the root in {}", path.display())))?;
        // SAFETY: checked non-NULL above.
        unsafe { give_secret_string(scrambled_out, &found, "scrambled_out") }
    }
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
    ffi_boundary! {
        // SAFETY: NULL or NUL-terminated strings.
        let (path, root, scrambled) =
            unsafe { (arg_passfile(passfile)?, arg_root(cvsroot)?, arg_c_bytes(scrambled, "scrambled")?) };
        passfile::store(&path, &root, &client::user_of(&root)?, scrambled)
    }
}

/// Removes the entries for `cvsroot` from the pass file (NULL: the default), atomically;
/// every byte of the other entries stays as it was.
/// DAEMONAUTH_RESULT_NOT_FOUND when there was none (cvs says "Entry not found.").
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_passfile_remove(passfile: *const c_char, cvsroot: *const c_char) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or NUL-terminated strings.
        let (path, root) = unsafe { (arg_passfile(passfile)?, arg_root(cvsroot)?) };
        if passfile::remove(&path, &root, &client::user_of(&root)?)? {
            Ok(())
        } else {
            Err(Error::new(ErrorCode::NotFound, "Entry not found."))
        }
    }
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
/// (`:pserver:...`): `verify_only` true sends a VERIFICATION request (`cvs login`), false an
/// AUTH request after which the CVS protocol follows. The password is `password` (bytes, in
/// any encoding) if not NULL, else the one in the CVSROOT, else the pass file's entry
/// (`passfile`, NULL: the default), else asked from `responder` (NULL: none) as a `password`
/// question. Each read or write may take `timeout_ms` milliseconds (0: the default, 30 000).
/// The server's `E` lines and `error` text are stored, one a line, in `*messages_out` when it
/// is not NULL (also on failure; free with `daemonauth_string_free`). `I HATE YOU` and
/// `error` are DAEMONAUTH_RESULT_AUTH_FAILED; more than 64 `E` lines are
/// DAEMONAUTH_RESULT_TOO_LARGE.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_client_authenticate(
    read_fd: c_int,
    write_fd: c_int,
    cvsroot: *const c_char,
    verify_only: bool,
    password: *const c_char,
    passfile: *const c_char,
    responder: *const daemonauth_responder,
    timeout_ms: u32,
    messages_out: *mut *mut c_char,
) -> ErrorCode {
    ffi_boundary! {
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
            let channel = Channel::new(read_fd, write_fd, timeout_or(timeout_ms, DEFAULT_TIMEOUT))?;
            let kind = if verify_only { RequestKind::Verification } else { RequestKind::Auth };
            client::authenticate(&channel, &root, kind, &scrambled, &mut messages)
        })();
        // SAFETY: NULL or writable, per the documented contract.
        unsafe { give_messages(messages_out, &messages) };
        result
    }
}

/// Authenticates to a gserver (`:gserver:` CVSROOT) with GSS-API: the service `cvs@HOST`,
/// flags MUTUAL|REPLAY, tokens framed as a 2-byte big-endian length. The credentials are the
/// tickets in the credential cache (for the CVSROOT's user if it names one); when there are
/// none and `responder` is not NULL, a ticket is obtained with a `password` question (and a
/// `username` one when the CVSROOT names no user) asked from it. Each read or write may take
/// `timeout_ms` milliseconds (0: the default, 30 000). On success stores the security context
/// in `*ctx_out` (for `cvs_auth_packet_seal` and `cvs_auth_packet_open`; free with
/// `daemonauth_gss_ctx_free`). Messages as for `cvs_auth_client_authenticate`.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_client_gserver(
    read_fd: c_int,
    write_fd: c_int,
    cvsroot: *const c_char,
    responder: *const daemonauth_responder,
    timeout_ms: u32,
    ctx_out: *mut *mut daemonauth_gss_ctx,
    messages_out: *mut *mut c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(ctx_out, "ctx_out") }?;
        let mut messages = Vec::new();
        let result = (|| {
            // SAFETY: NULL or a NUL-terminated string; NULL or a live responder.
            let (root, responder) = unsafe { (arg_root(cvsroot)?, responder.as_ref().map(|r| &r.responder)) };
            let cred = gss::acquire_initiator(root.user.as_deref(), Some(&gss::oids::krb5()), responder)?;
            let channel = Channel::new(read_fd, write_fd, timeout_or(timeout_ms, DEFAULT_TIMEOUT))?;
            client::gserver_authenticate(&channel, &root, Some(&cred), &mut messages)
        })();
        // SAFETY: NULL or writable, per the documented contract.
        unsafe { give_messages(messages_out, &messages) };
        // SAFETY: checked non-NULL above.
        unsafe { give_handle(ctx_out, daemonauth_gss_ctx(result?), "ctx_out") }
    }
}

/// Runs a packet operation on `len` bytes at `bytes` with the context `ctx`; the result goes
/// to `*out` as a buffer.
///
/// # Safety
/// `ctx` is NULL or a live context not used elsewhere during the call; `bytes` is NULL or
/// `len` readable bytes; `out` is NULL or writable.
unsafe fn packet_op(
    ctx: *mut daemonauth_gss_ctx,
    bytes: *const u8,
    len: usize,
    out: *mut *mut daemonauth_buffer,
    op: impl FnOnce(&gss::SecurityContext, &[u8]) -> Result<Zeroizing<Vec<u8>>>,
) -> Result<()> {
    // SAFETY: forwarded contract: `out` is NULL or writable.
    unsafe { clear_out(out, "out") }?;
    // SAFETY: forwarded contract.
    let (ctx, bytes) = unsafe { (handle_mut(ctx, "ctx")?, arg_bytes(bytes, len, "bytes")?) };
    let result = op(&ctx.0, bytes)?;
    // SAFETY: checked non-NULL above.
    unsafe { give_buffer(out, result, "out") }
}

/// Protects `len` bytes of `data` (at most 4096) as one `Gssapi-encrypt` (`encrypt` true) or
/// `Gssapi-authenticate` packet: the 2-byte length and the wrapped bytes, ready to send, in
/// `*packet_out` (free with `daemonauth_buffer_free`). Advances `ctx`'s sequence state.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_packet_seal(
    ctx: *mut daemonauth_gss_ctx,
    encrypt: bool,
    data: *const u8,
    len: usize,
    packet_out: *mut *mut daemonauth_buffer,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live context used by one thread at a time; NULL or `len` bytes;
        // NULL or a writable pointer.
        unsafe {
            packet_op(ctx, data, len, packet_out, |ctx, data| {
                gss_stream::seal(ctx, encrypt, data).map(Zeroizing::new)
            })
        }
    }
}

/// Opens the wrapped part of a packet (`len` bytes after its 2-byte length) and stores its
/// data in `*data_out`. With `encrypt` true, a packet that was not encrypted is refused.
/// Advances `ctx`'s sequence state.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_packet_open(
    ctx: *mut daemonauth_gss_ctx,
    encrypt: bool,
    wrapped: *const u8,
    len: usize,
    data_out: *mut *mut daemonauth_buffer,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live context used by one thread at a time; NULL or `len` bytes;
        // NULL or a writable pointer.
        unsafe {
            packet_op(ctx, wrapped, len, data_out, |ctx, wrapped| gss_stream::open(ctx, encrypt, wrapped))
        }
    }
}

/// Seals a CVS server's response stream for a `Gssapi-encrypt`/`Gssapi-authenticate` client;
/// made by `cvs_auth_response_sealer_new`, freed with `cvs_auth_response_sealer_free`. One
/// thread at a time: it follows the stream it is fed.
pub struct cvs_auth_response_sealer(gss_stream::ResponseSealer);

/// Creates a response sealer for a protected stream (`encrypt` true: `Gssapi-encrypt`,
/// false `Gssapi-authenticate`) that starts at a response boundary, as it does right after the
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
    encrypt: bool,
    sealer_out: *mut *mut cvs_auth_response_sealer,
) -> ErrorCode {
    ffi_boundary! {
        let sealer = cvs_auth_response_sealer(gss_stream::ResponseSealer::new(encrypt));
        // SAFETY: NULL or a writable pointer.
        unsafe { give_handle(sealer_out, sealer, "sealer_out") }
    }
}

/// Feeds the next `len` bytes of the server's responses (any split: a line or a file body may
/// continue in the next call) and stores the packets to send, sealed with `ctx`, in
/// `*wire_out` (free with `daemonauth_buffer_free`): many packets in one buffer, to be sent
/// with one write. The buffer is empty while the data ends inside a file-body packet; the
/// rest follows with the next call. Advances `ctx`'s sequence state.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_response_sealer_seal(
    sealer: *mut cvs_auth_response_sealer,
    ctx: *mut daemonauth_gss_ctx,
    data: *const u8,
    len: usize,
    wire_out: *mut *mut daemonauth_buffer,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(wire_out, "wire_out") }?;
        // SAFETY: NULL or a live sealer and a live context, each used by one thread at a time;
        // NULL or `len` readable bytes.
        let (sealer, ctx, data) =
            unsafe { (handle_mut(sealer, "sealer")?, handle_mut(ctx, "ctx")?, arg_bytes(data, len, "data")?) };
        let wire = sealer.0.seal(&ctx.0, data)?;
        // SAFETY: checked non-NULL above.
        unsafe { give_buffer(wire_out, wire, "wire_out") }
    }
}

/// Frees a response sealer. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_response_sealer_free(sealer: *mut cvs_auth_response_sealer) {
    // SAFETY: NULL or a sealer from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(sealer) } }
}

/// The longest request line `cvs_auth_server_config_builder_set_max_line` accepts.
pub const CVS_AUTH_MAX_LINE_LIMIT: usize = 65536;

/// Starts building a server policy, with the defaults: no repository allowed, 30 000 ms for
/// the whole request, 600 000 ms (10 minutes) for a stuck relayed session, a 2 000 ms pause
/// after a wrong password, request lines of at most 4096 bytes, empty hashes in
/// `CVSROOT/passwd` refused, system passwords checked through the PAM service `cvs`, the
/// process's default keytab, no failure throttle. Store the builder in `*builder_out`.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_config_builder_new(
    builder_out: *mut *mut cvs_auth_server_config_builder,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a writable pointer.
        unsafe { give_handle(builder_out, cvs_auth_server_config_builder(ServerOptions::default()), "builder_out") }
    }
}

/// Turns the builder into an immutable policy in `*config_out` (free it with
/// `cvs_auth_server_config_free`). The builder is consumed, whether this succeeds or not: do
/// not use or free it afterwards.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_config_builder_build(
    builder: *mut cvs_auth_server_config_builder,
    config_out: *mut *mut cvs_auth_server_config,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a builder from this library that the caller gives up.
        let builder = unsafe { take_handle(builder, "builder") }?;
        // SAFETY: NULL or a writable pointer.
        unsafe { give_handle(config_out, cvs_auth_server_config(builder.0), "config_out") }
    }
}

/// Frees a builder that was never built. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_config_builder_free(builder: *mut cvs_auth_server_config_builder) {
    // SAFETY: NULL or a builder from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(builder) } }
}

/// Frees a server policy. NULL is a no-op. No call may be using it any more.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_config_free(config: *mut cvs_auth_server_config) {
    // SAFETY: NULL or a policy from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(config) } }
}

/// Runs `change` on the policy inside a builder.
///
/// # Safety
/// `builder` is NULL or a live builder from this library, not used elsewhere during the call.
unsafe fn change(builder: *mut cvs_auth_server_config_builder, change: impl FnOnce(&mut ServerOptions)) -> Result<()> {
    // SAFETY: forwarded contract.
    change(&mut unsafe { handle_mut(builder, "builder") }?.0);
    Ok(())
}

fn invalid(text: String) -> Error {
    Error::new(ErrorCode::InvalidArgument, text)
}

/// Allows clients the repository `repository` (an absolute path without `..`, compared
/// exactly; cvs's `--allow-root`). May be called many times: each call adds one.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_config_builder_add_allowed_root(
    builder: *mut cvs_auth_server_config_builder,
    repository: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let repository = unsafe { arg_str(repository, "repository") }?;
        if !repository.starts_with('/') || repository.split('/').any(|part| part == "..") {
            return Err(invalid(format!("{repository:?} is not an absolute path without \"..\"")));
        }
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |options| options.roots.push(repository.to_owned())) }
    }
}

/// Allows clients every repository that matches `regexp`, a POSIX extended regular
/// expression (cvs's `--allow-root-regexp`; anchor it with `^…$` to match whole paths).
/// May be called many times: each call adds one. A regular expression that does not compile
/// is DAEMONAUTH_RESULT_INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_config_builder_add_allowed_root_regexp(
    builder: *mut cvs_auth_server_config_builder,
    regexp: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let regexp = unsafe { arg_str(regexp, "regexp") }?;
        let regexp = Regex::new(regexp).map_err(|err| invalid(err.message().to_owned()))?;
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |options| options.root_patterns.push(regexp)) }
    }
}

/// Sets how long the whole request may take (every line, and every GSS-API token for
/// gserver), in milliseconds; 0 restores the default (30 000).
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_config_builder_set_timeout_ms(
    builder: *mut cvs_auth_server_config_builder,
    timeout_ms: u32,
) -> ErrorCode {
    ffi_boundary! {
        let timeout = timeout_or(timeout_ms, DEFAULT_REQUEST_TIMEOUT);
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |options| options.timeout = timeout) }
    }
}

/// Sets how long a relayed session (`cvs_auth_session_relay`) may stay stuck: both sides
/// silent, or one side not taking what the other sent, in milliseconds; 0 restores the
/// default (600 000, 10 minutes).
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_config_builder_set_idle_timeout_ms(
    builder: *mut cvs_auth_server_config_builder,
    timeout_ms: u32,
) -> ErrorCode {
    ffi_boundary! {
        let idle = timeout_or(timeout_ms, DEFAULT_IDLE);
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |options| options.idle = idle) }
    }
}

/// Sets the pause before a wrong password (or an unknown user) is refused, in milliseconds;
/// 0 restores the default (2 000). The pause cannot be turned off.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_config_builder_set_fail_delay_ms(
    builder: *mut cvs_auth_server_config_builder,
    delay_ms: u32,
) -> ErrorCode {
    ffi_boundary! {
        let delay = timeout_or(delay_ms, DEFAULT_FAIL_DELAY);
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |options| options.fail_delay = delay) }
    }
}

/// Sets the longest request line, in bytes without the LF; a longer line is refused.
/// 0 restores the default (4096, the most cvs 1.12.13 reads); more than
/// CVS_AUTH_MAX_LINE_LIMIT is DAEMONAUTH_RESULT_INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_config_builder_set_max_line(
    builder: *mut cvs_auth_server_config_builder,
    max_len: usize,
) -> ErrorCode {
    ffi_boundary! {
        if max_len > CVS_AUTH_MAX_LINE_LIMIT {
            return Err(invalid(format!("max_len {max_len} is more than {CVS_AUTH_MAX_LINE_LIMIT}")));
        }
        let max_len = if max_len == 0 { MAX_LINE } else { max_len };
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |options| options.max_line = max_len) }
    }
}

/// Sets whether an empty hash in `CVSROOT/passwd` lets any password in, as cvs does
/// (default false: such a user is refused).
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_config_builder_set_allow_empty_password(
    builder: *mut cvs_auth_server_config_builder,
    allow: bool,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |options| options.allow_empty_password = allow) }
    }
}

/// Sets how the passwords of users missing from `CVSROOT/passwd` are checked when the
/// repository's `SystemAuth` is on: `mode` is a `cvs_auth_system_passwords` (default
/// CVS_AUTH_SYSTEM_PASSWORDS_PAM); any other number is DAEMONAUTH_RESULT_INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_config_builder_set_system_passwords(
    builder: *mut cvs_auth_server_config_builder,
    mode: c_int,
) -> ErrorCode {
    ffi_boundary! {
        let mode = SystemPasswords::from(CvsSystemPasswords::from_c(mode)?);
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |options| options.system_passwords = mode) }
    }
}

/// Sets the PAM service system passwords are checked with (default `cvs`): a name from
/// `/etc/pam.d`, not empty and without `/`. PAM gets the client's numeric address as
/// `PAM_RHOST` when the read descriptor is an IP socket.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_config_builder_set_pam_service(
    builder: *mut cvs_auth_server_config_builder,
    service: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let service = unsafe { arg_str(service, "service") }?;
        if service.is_empty() || service.contains('/') {
            return Err(invalid(format!("{service:?} is not a PAM service name (empty, or contains '/')")));
        }
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |options| options.pam_service = service.to_owned()) }
    }
}

/// Sets the key table gserver requests are accepted with (`FILE:/path` or a path); NULL
/// restores the default, the process's (`KRB5_KTNAME`, else the system keytab). An empty
/// name is DAEMONAUTH_RESULT_INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_config_builder_set_keytab(
    builder: *mut cvs_auth_server_config_builder,
    keytab: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let keytab = unsafe { arg_opt_str(keytab, "keytab") }?;
        if keytab == Some("") {
            return Err(invalid("the keytab name is empty".to_owned()));
        }
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |options| options.keytab = keytab.map(str::to_owned)) }
    }
}

/// Makes the policy throttle failed passwords with `limiter` (NULL: no throttle, the
/// default): a pserver request from a client address or for a user that has had the
/// limiter's `max_failures` failed passwords within its window is answered `I HATE YOU`
/// (after the fail delay) without its password being checked; every wrong password or
/// unknown user is counted. The client address is the peer of `read_fd`. The builder (and
/// the policy built from it) keeps its own reference: the limiter may be freed before it.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_config_builder_set_limiter(
    builder: *mut cvs_auth_server_config_builder,
    limiter: *const daemonauth_limiter,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live limiter from this library.
        let limiter = unsafe { limiter.as_ref() }.map(|limiter| Arc::clone(&limiter.0));
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |options| options.limiter = limiter) }
    }
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
/// `cvs_auth_session_accept`. The session goes to `*session_out`. Any number of threads (or
/// forked children) may call this with one `config` at once.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_server_authenticate(
    config: *const cvs_auth_server_config,
    read_fd: c_int,
    write_fd: c_int,
    session_out: *mut *mut cvs_auth_session,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(session_out, "session_out") }?;
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
    }
}

/// Switches the process to the session's system user (initgroups, setgid, setuid; root is
/// refused) and sets `CVS_USER`, `LOGNAME`, `USER` and `HOME`. Call it in the process that
/// serves this one client, before it starts any thread. If any step of the switch fails (or
/// root privileges could be regained afterwards) the process aborts with SIGABRT after logging
/// the step: it never returns still root or half switched.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_session_switch_user(session: *const cvs_auth_session) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live session from this library.
        unsafe { handle_ref(session, "session") }?.session.switch_user()
    }
}

/// Sends `I LOVE YOU` on `write_fd`.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_session_accept(session: *const cvs_auth_session, write_fd: c_int) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live session from this library.
        let session = unsafe { handle_ref(session, "session") }?;
        session.session.accept(&Channel::new(write_fd, write_fd, DEFAULT_TIMEOUT)?)
    }
}

/// Refuses after all (for example when the switch failed): sends `error 0 <text>`.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_session_refuse(
    session: *const cvs_auth_session,
    write_fd: c_int,
    text: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live session from this library; NULL or a NUL-terminated string.
        let (session, text) = unsafe { (handle_ref(session, "session")?, arg_str(text, "text")?) };
        session.session.refuse(&Channel::new(write_fd, write_fd, DEFAULT_TIMEOUT)?, text)
    }
}

/// The name the client authenticated as (the CVS user; for gserver the mapped local user).
/// Valid until the session is freed; NULL for a NULL session.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_session_cvs_user(session: *const cvs_auth_session) -> *const c_char {
    // SAFETY: NULL or a live session.
    ffi_boundary! { unsafe { session.as_ref() }.map_or(std::ptr::null(), |s| s.cvs_user.as_ptr()) }
}

/// The system user the session runs as. Valid until the session is freed; NULL for a NULL
/// session.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_session_system_user(session: *const cvs_auth_session) -> *const c_char {
    // SAFETY: NULL or a live session.
    ffi_boundary! { unsafe { session.as_ref() }.map_or(std::ptr::null(), |s| s.system_user.as_ptr()) }
}

/// The authenticated repository ("" for gserver, whose `Root` request names it later).
/// Valid until the session is freed; NULL for a NULL session.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_session_repository(session: *const cvs_auth_session) -> *const c_char {
    // SAFETY: NULL or a live session.
    ffi_boundary! { unsafe { session.as_ref() }.map_or(std::ptr::null(), |s| s.repository.as_ptr()) }
}

/// The request the session came from: CVS_AUTH_REQUEST_KIND_AUTH, _VERIFICATION or _GSSAPI
/// (gserver); CVS_AUTH_REQUEST_KIND_NONE for a NULL session.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_session_kind(session: *const cvs_auth_session) -> CvsRequestKind {
    ffi_boundary! {
        on_panic: CvsRequestKind::None;
        // SAFETY: NULL or a live session.
        unsafe { session.as_ref() }.map_or(CvsRequestKind::None, |s| s.session.kind.into())
    }
}

/// How the client authenticated: CVS_AUTH_METHOD_PSERVER (a password) or
/// CVS_AUTH_METHOD_GSERVER (GSS-API); CVS_AUTH_METHOD_NONE for a NULL session.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_session_method(session: *const cvs_auth_session) -> CvsMethod {
    ffi_boundary! {
        on_panic: CvsMethod::None;
        // SAFETY: NULL or a live session.
        unsafe { session.as_ref() }.map_or(CvsMethod::None, |s| s.session.method.into())
    }
}

/// Relays the CVS protocol between the client (`client_read_fd`/`client_write_fd`, left open)
/// and a `cvs server` process: `server_write_fd` is its standard input (the library writes
/// the client's requests there) and `server_read_fd` its output (the library reads the
/// responses there); the library takes both and closes them. The client's `Root` must be the
/// authenticated repository (pserver) or one `config` allows (gserver); `Gssapi-encrypt` and
/// `Gssapi-authenticate` turn on protection with the session's context. Returns when the
/// server's output ends. `idle_timeout_ms` (0: the config's idle timeout, by default 600 000,
/// 10 minutes) bounds a silence of both sides and every write: a client that stops reading (or
/// a server that stops taking input) ends the relay with DAEMONAUTH_RESULT_TIMEOUT.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_session_relay(
    config: *const cvs_auth_server_config,
    session: *mut cvs_auth_session,
    client_read_fd: c_int,
    client_write_fd: c_int,
    server_read_fd: c_int,
    server_write_fd: c_int,
    idle_timeout_ms: u32,
) -> ErrorCode {
    ffi_boundary! {
        if server_read_fd < 0 || server_write_fd < 0 || server_read_fd == server_write_fd {
            return Err(invalid("server_read_fd and server_write_fd must be two open descriptors".to_owned()));
        }
        // SAFETY: the caller hands over two distinct open descriptors, as documented.
        let (server_in, server_out) =
            unsafe { (OwnedFd::from_raw_fd(server_write_fd), OwnedFd::from_raw_fd(server_read_fd)) };
        // SAFETY: NULL or live handles from this library; the session used by one thread at a
        // time.
        let (config, session) = unsafe { (handle_ref(config, "config")?, handle_mut(session, "session")?) };
        let idle = timeout_or(idle_timeout_ms, config.0.idle);
        relay::relay(&session.session, &config.0, client_read_fd, client_write_fd, server_in, server_out, idle)
    }
}

/// Frees a session (and its GSS-API context). NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn cvs_auth_session_free(session: *mut cvs_auth_session) {
    // SAFETY: NULL or a session from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(session) } }
}
