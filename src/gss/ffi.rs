//! The GSS-API core's C API (`daemonauth_gss_*`, `daemonauth_token_*`): converts and checks

#![allow(non_camel_case_types)] // C names for the C API
//! arguments, then calls the safe code in [`crate::gss`].

use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, ErrorCode, Result};
use crate::ffi::buffer::{daemonauth_buffer, give_buffer, give_string};
use crate::ffi::{
    Userdata, arg_bytes, arg_opt_str, arg_str, check_out, free_handle, give_handle, give_value, guard, guard_result,
    handle_mut, handle_ref,
};
use crate::framing::Framing;
use crate::gss::{self, Cred, Name, NameType, Options, SecurityContext, TokenEvent, Usage};
use crate::io::Channel;
use crate::responder::ffi::ResponderHandle;

/// GSS_C_DELEG_FLAG: delegate the initiator's credentials to the acceptor.
pub const DAEMONAUTH_GSS_FLAG_DELEG: u32 = 1;
/// GSS_C_MUTUAL_FLAG: the acceptor proves its identity too.
pub const DAEMONAUTH_GSS_FLAG_MUTUAL: u32 = 2;
/// GSS_C_REPLAY_FLAG: replayed messages are detected.
pub const DAEMONAUTH_GSS_FLAG_REPLAY: u32 = 4;
/// GSS_C_SEQUENCE_FLAG: out-of-sequence messages are detected.
pub const DAEMONAUTH_GSS_FLAG_SEQUENCE: u32 = 8;
/// GSS_C_CONF_FLAG: confidentiality (encryption) is available.
pub const DAEMONAUTH_GSS_FLAG_CONF: u32 = 16;
/// GSS_C_INTEG_FLAG: integrity protection is available.
pub const DAEMONAUTH_GSS_FLAG_INTEG: u32 = 32;
/// GSS_C_ANON_FLAG: the initiator stays anonymous.
pub const DAEMONAUTH_GSS_FLAG_ANON: u32 = 64;

/// gss-sample token flags (for `daemonauth_token_send` and `daemonauth_token_recv`).
pub const DAEMONAUTH_SAMPLE_TOKEN_NOOP: u8 = 0x01;
/// A context-establishment token.
pub const DAEMONAUTH_SAMPLE_TOKEN_CONTEXT: u8 = 0x02;
/// A data message.
pub const DAEMONAUTH_SAMPLE_TOKEN_DATA: u8 = 0x04;
/// A MIC over a data message.
pub const DAEMONAUTH_SAMPLE_TOKEN_MIC: u8 = 0x08;
/// The client announces that context tokens follow.
pub const DAEMONAUTH_SAMPLE_TOKEN_CONTEXT_NEXT: u8 = 0x10;
/// The data message is wrapped.
pub const DAEMONAUTH_SAMPLE_TOKEN_WRAPPED: u8 = 0x20;
/// The data message is encrypted.
pub const DAEMONAUTH_SAMPLE_TOKEN_ENCRYPTED: u8 = 0x40;
/// The client asks for a MIC in reply.
pub const DAEMONAUTH_SAMPLE_TOKEN_SEND_MIC: u8 = 0x80;

/// A GSS-API name. Free with `daemonauth_gss_name_free`.
pub struct daemonauth_gss_name(Name);
/// GSS-API credentials. Free with `daemonauth_gss_cred_free`.
pub struct daemonauth_gss_cred(Cred);
/// An established or imported security context. Free with `daemonauth_gss_ctx_free`.
pub struct daemonauth_gss_ctx(pub(crate) SecurityContext);
/// Settings for context establishment and token I/O. Free with `daemonauth_gss_options_free`.
pub struct daemonauth_gss_options(Options);

/// How a name's text is read by `daemonauth_gss_name_import`.
#[repr(C)]
#[derive(Clone, Copy)]
pub enum GssNameType {
    /// `service@host` (GSS_C_NT_HOSTBASED_SERVICE).
    HostBasedService = 1,
    /// A user name (GSS_C_NT_USER_NAME).
    UserName = 2,
    /// A Kerberos principal, `primary/instance@REALM` (GSS_KRB5_NT_PRINCIPAL_NAME).
    Krb5Principal = 3,
}

/// What credentials are for.
#[repr(C)]
#[derive(Clone, Copy)]
pub enum GssUsage {
    /// Initiating contexts (clients).
    Initiate = 1,
    /// Accepting contexts (servers).
    Accept = 2,
    /// Both.
    Both = 3,
}

fn parse_name_type(number: c_int) -> Result<NameType> {
    match number {
        1 => Ok(NameType::HostBasedService),
        2 => Ok(NameType::UserName),
        3 => Ok(NameType::Krb5Principal),
        _ => Err(Error::new(ErrorCode::InvalidArgument, format!("{number} is not a name type"))),
    }
}

fn parse_usage(number: c_int) -> Result<Usage> {
    match number {
        1 => Ok(Usage::Initiate),
        2 => Ok(Usage::Accept),
        3 => Ok(Usage::Both),
        _ => Err(Error::new(ErrorCode::InvalidArgument, format!("{number} is not a credential usage"))),
    }
}

/// Imports `text` as a name of type `name_type` (a `daemonauth_gss_name_type` value) and
/// stores it in `*name_out`; free it with `daemonauth_gss_name_free`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_name_import(
    text: *const c_char,
    name_type: c_int,
    name_out: *mut *mut daemonauth_gss_name,
) -> ErrorCode {
    guard_result("daemonauth_gss_name_import", || {
        check_out(name_out, "name_out")?;
        // SAFETY: the caller passes NULL or a NUL-terminated string.
        let text = unsafe { arg_str(text, "text") }?;
        let name = Name::import(text, parse_name_type(name_type)?)?;
        // SAFETY: checked non-NULL above; the caller passes a writable pointer.
        unsafe { give_handle(name_out, daemonauth_gss_name(name), "name_out") }
    })
}

/// Stores the printable form of `name` in `*text_out`; free it with `daemonauth_string_free`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_name_display(
    name: *const daemonauth_gss_name,
    text_out: *mut *mut c_char,
) -> ErrorCode {
    guard_result("daemonauth_gss_name_display", || {
        // SAFETY: NULL or a live name from this library.
        let name = unsafe { handle_ref(name, "name") }?;
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { give_string(text_out, name.0.display()?.0, "text_out") }
    })
}

/// Stores the canonical (mechanism) form of `name` for `mech` ("krb5", "spnego", an OID;
/// NULL means krb5) in `*name_out`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_name_canonicalize(
    name: *const daemonauth_gss_name,
    mech: *const c_char,
    name_out: *mut *mut daemonauth_gss_name,
) -> ErrorCode {
    guard_result("daemonauth_gss_name_canonicalize", || {
        check_out(name_out, "name_out")?;
        // SAFETY: NULL or a live name; NULL or a NUL-terminated string.
        let (name, mech) = unsafe { (handle_ref(name, "name")?, arg_opt_str(mech, "mech")?) };
        let mech = gss::mech_from_text(mech)?.unwrap_or_else(gss::oids::krb5);
        let canonical = name.0.canonicalize(&mech)?;
        // SAFETY: checked non-NULL above.
        unsafe { give_handle(name_out, daemonauth_gss_name(canonical), "name_out") }
    })
}

/// Frees a name. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_name_free(name: *mut daemonauth_gss_name) {
    // SAFETY: NULL or a name from this library that the caller gives up.
    guard("daemonauth_gss_name_free", || unsafe { free_handle(name) })
}

/// Acquires credentials. `name` NULL means the default identity; `usage` is a
/// `daemonauth_gss_usage`; `mech` is NULL (default), "krb5", "spnego" or an OID. `keytab` and
/// `ccache` (each may be NULL) select a key table (for acceptors, and for initiators as a
/// client keytab) and a credential cache instead of the process defaults.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_cred_acquire(
    name: *const daemonauth_gss_name,
    usage: c_int,
    mech: *const c_char,
    keytab: *const c_char,
    ccache: *const c_char,
    cred_out: *mut *mut daemonauth_gss_cred,
) -> ErrorCode {
    guard_result("daemonauth_gss_cred_acquire", || {
        check_out(cred_out, "cred_out")?;
        let usage = parse_usage(usage)?;
        // SAFETY: NULL or a live name; NULL or NUL-terminated strings.
        let (name, mech, keytab, ccache) = unsafe {
            (
                name.as_ref().map(|n| &n.0),
                arg_opt_str(mech, "mech")?,
                arg_opt_str(keytab, "keytab")?,
                arg_opt_str(ccache, "ccache")?,
            )
        };
        let mut store = Vec::new();
        if let Some(keytab) = keytab {
            store.push((if usage == Usage::Initiate { "client_keytab" } else { "keytab" }, keytab));
        }
        if let Some(ccache) = ccache {
            store.push(("ccache", ccache));
        }
        let cred = Cred::acquire(name, usage, gss::mech_from_text(mech)?.as_ref(), &store)?;
        // SAFETY: checked non-NULL above.
        unsafe { give_handle(cred_out, daemonauth_gss_cred(cred), "cred_out") }
    })
}

/// Acquires initiator credentials for `name` by getting a Kerberos ticket with `password`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_cred_acquire_with_password(
    name: *const daemonauth_gss_name,
    password: *const c_char,
    mech: *const c_char,
    cred_out: *mut *mut daemonauth_gss_cred,
) -> ErrorCode {
    guard_result("daemonauth_gss_cred_acquire_with_password", || {
        check_out(cred_out, "cred_out")?;
        // SAFETY: NULL or a live name; NULL or NUL-terminated strings.
        let (name, password, mech) =
            unsafe { (handle_ref(name, "name")?, arg_str(password, "password")?, arg_opt_str(mech, "mech")?) };
        let cred = Cred::acquire_with_password(&name.0, password.as_bytes(), gss::mech_from_text(mech)?.as_ref())?;
        // SAFETY: checked non-NULL above.
        unsafe { give_handle(cred_out, daemonauth_gss_cred(cred), "cred_out") }
    })
}

/// Acquires initiator credentials for `user` (NULL: the default principal): the tickets
/// already in the credential cache if there are any; otherwise, when `responder` is not
/// NULL, a ticket obtained with a `password` question (and a `username` question when `user`
/// is NULL) asked from it, in one step. `mech` is NULL (default), "krb5", "spnego" or an OID.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_cred_acquire_initiator(
    user: *const c_char,
    mech: *const c_char,
    responder: *const ResponderHandle,
    cred_out: *mut *mut daemonauth_gss_cred,
) -> ErrorCode {
    guard_result("daemonauth_gss_cred_acquire_initiator", || {
        check_out(cred_out, "cred_out")?;
        // SAFETY: NULL or NUL-terminated strings; NULL or a live responder from this library.
        let (user, mech, responder) = unsafe {
            (arg_opt_str(user, "user")?, arg_opt_str(mech, "mech")?, responder.as_ref().map(|r| &r.responder))
        };
        let cred = gss::acquire_initiator(user, gss::mech_from_text(mech)?.as_ref(), responder)?;
        // SAFETY: checked non-NULL above.
        unsafe { give_handle(cred_out, daemonauth_gss_cred(cred), "cred_out") }
    })
}

/// Frees credentials. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_cred_free(cred: *mut daemonauth_gss_cred) {
    // SAFETY: NULL or credentials from this library that the caller gives up.
    guard("daemonauth_gss_cred_free", || unsafe { free_handle(cred) })
}

/// Creates options with the defaults: 4-byte big-endian framing, 30 s per token, 60 s for
/// the whole context establishment, tokens of at most 256 KiB, flags MUTUAL|REPLAY requested and required, the default mechanism.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_new(options_out: *mut *mut daemonauth_gss_options) -> ErrorCode {
    guard_result("daemonauth_gss_options_new", || {
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { give_handle(options_out, daemonauth_gss_options(Options::default()), "options_out") }
    })
}

/// Frees options. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_free(options: *mut daemonauth_gss_options) {
    // SAFETY: NULL or options from this library that the caller gives up.
    guard("daemonauth_gss_options_free", || unsafe { free_handle(options) })
}

/// Runs `change` on the options behind a C pointer.
fn with_options(
    export: &str,
    options: *mut daemonauth_gss_options,
    change: impl FnOnce(&mut Options) -> Result<()>,
) -> ErrorCode {
    guard_result(export, || {
        // SAFETY: NULL or live options from this library, not used elsewhere during the call.
        let options = unsafe { handle_mut(options, "options") }?;
        change(&mut options.0)
    })
}

/// Sets the token framing (a `daemonauth_framing` value).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_set_framing(
    options: *mut daemonauth_gss_options,
    framing: c_int,
) -> ErrorCode {
    with_options("daemonauth_gss_options_set_framing", options, |options| {
        options.framing = Framing::from_number(i64::from(framing))
            .ok_or_else(|| Error::new(ErrorCode::InvalidArgument, format!("{framing} is not a framing")))?;
        Ok(())
    })
}

/// Sets how long one token read or write may take, in milliseconds (at least 1).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_set_timeout_ms(
    options: *mut daemonauth_gss_options,
    timeout_ms: u32,
) -> ErrorCode {
    with_options("daemonauth_gss_options_set_timeout_ms", options, |options| {
        options.timeout = positive_ms(timeout_ms)?;
        Ok(())
    })
}

fn positive_ms(timeout_ms: u32) -> Result<Duration> {
    if timeout_ms == 0 {
        return Err(Error::new(ErrorCode::InvalidArgument, "the timeout must be at least 1 ms"));
    }
    Ok(Duration::from_millis(u64::from(timeout_ms)))
}

/// Sets how long a whole context establishment (`daemonauth_gss_initiate`,
/// `daemonauth_gss_accept*`) may take, in milliseconds (at least 1; default 60 000), however
/// many tokens it needs: a peer that trickles tokens is cut off with DAEMONAUTH_RESULT_TIMEOUT
/// when it runs out.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_set_exchange_timeout_ms(
    options: *mut daemonauth_gss_options,
    timeout_ms: u32,
) -> ErrorCode {
    with_options("daemonauth_gss_options_set_exchange_timeout_ms", options, |options| {
        options.exchange_timeout = positive_ms(timeout_ms)?;
        Ok(())
    })
}

/// Sets the largest token a peer may announce, in bytes (at least 1); longer announcements
/// fail with DAEMONAUTH_RESULT_TOO_LARGE before anything is allocated for them.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_set_max_token_len(
    options: *mut daemonauth_gss_options,
    max_len: usize,
) -> ErrorCode {
    with_options("daemonauth_gss_options_set_max_token_len", options, |options| {
        if max_len == 0 {
            return Err(Error::new(ErrorCode::InvalidArgument, "the token limit must be at least 1 byte"));
        }
        options.max_token_len = max_len;
        Ok(())
    })
}

/// Sets the flags an initiator requests (DAEMONAUTH_GSS_FLAG_*). The required flags become
/// the same minus DELEG; change them afterwards with `daemonauth_gss_options_set_required_flags`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_set_flags(options: *mut daemonauth_gss_options, flags: u32) -> ErrorCode {
    with_options("daemonauth_gss_options_set_flags", options, |options| {
        options.flags = flags;
        options.required_flags = flags & !gss::flags::DELEG;
        Ok(())
    })
}

/// Sets the flags an established context must have, on either side; a context without
/// them fails with DAEMONAUTH_RESULT_GSS.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_set_required_flags(
    options: *mut daemonauth_gss_options,
    flags: u32,
) -> ErrorCode {
    with_options("daemonauth_gss_options_set_required_flags", options, |options| {
        options.required_flags = flags;
        Ok(())
    })
}

/// Sets the initiator's mechanism: NULL or "default", "krb5", "spnego", or an OID in dotted
/// (`1.2.840.113554.1.2.2`) or braced (`{ 1 2 840 113554 1 2 2 }`) form.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_set_mech(
    options: *mut daemonauth_gss_options,
    mech: *const c_char,
) -> ErrorCode {
    with_options("daemonauth_gss_options_set_mech", options, |options| {
        // SAFETY: NULL or a NUL-terminated string.
        options.mech = gss::mech_from_text(unsafe { arg_opt_str(mech, "mech") }?)?;
        Ok(())
    })
}

/// Sets the flags byte put on context tokens with DAEMONAUTH_FRAMING_GSS_SAMPLE
/// (DAEMONAUTH_SAMPLE_TOKEN_CONTEXT for MIT's samples, 0 for their v1 protocol).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_set_context_token_flags(
    options: *mut daemonauth_gss_options,
    flags: u8,
) -> ErrorCode {
    with_options("daemonauth_gss_options_set_context_token_flags", options, |options| {
        options.context_token_flags = flags;
        Ok(())
    })
}

/// A C function told about every context token and step of an establishment: `event` is a
/// `daemonauth_gss_token_event`; `token` and `len` hold the token for RECEIVED and SENT
/// (NULL and 0 otherwise) and are valid only during the call.
pub type TokenObserverCallback =
    Option<unsafe extern "C" fn(userdata: *mut c_void, event: TokenEvent, token: *const u8, len: usize)>;

/// Calls `callback(userdata, event, token, len)` for every context token sent or received
/// and every finished step during `daemonauth_gss_initiate` / `daemonauth_gss_accept*` with
/// these options. NULL `callback` removes the observer.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_set_token_observer(
    options: *mut daemonauth_gss_options,
    callback: TokenObserverCallback,
    userdata: *mut c_void,
) -> ErrorCode {
    with_options("daemonauth_gss_options_set_token_observer", options, |options| {
        options.observer = callback.map(|callback| {
            let userdata = Userdata::new(userdata);
            let observer: gss::TokenObserver = Arc::new(move |event, token: &[u8]| {
                let data = if token.is_empty() { std::ptr::null() } else { token.as_ptr() };
                // SAFETY: the host registered this callback for this signature; the token
                // outlives the call.
                unsafe { callback(userdata.get(), event, data, token.len()) }
            });
            observer
        });
        Ok(())
    })
}

fn options_or_default(options: *const daemonauth_gss_options, default: &Options) -> &Options {
    // SAFETY: NULL or live options from this library, per every caller's contract.
    unsafe { options.as_ref() }.map_or(default, |options| &options.0)
}

/// Establishes a context as the initiator towards `target` over `read_fd`/`write_fd` (may
/// be the same socket). `options` NULL means the defaults; `cred` NULL means the default
/// credentials (the ticket cache). The descriptors stay open and owned by the caller.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_initiate(
    options: *const daemonauth_gss_options,
    cred: *const daemonauth_gss_cred,
    target: *const daemonauth_gss_name,
    read_fd: c_int,
    write_fd: c_int,
    ctx_out: *mut *mut daemonauth_gss_ctx,
) -> ErrorCode {
    establish("daemonauth_gss_initiate", options, cred, read_fd, write_fd, ctx_out, |channel, options, cred| {
        // SAFETY: NULL or a live name from this library.
        let target = unsafe { handle_ref(target, "target") }?;
        gss::initiate(channel, options, cred, &target.0)
    })
}

/// Establishes a context as the acceptor over `read_fd`/`write_fd`. `options` NULL means the
/// defaults; `cred` NULL means the default acceptor credentials (the default keytab).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_accept(
    options: *const daemonauth_gss_options,
    cred: *const daemonauth_gss_cred,
    read_fd: c_int,
    write_fd: c_int,
    ctx_out: *mut *mut daemonauth_gss_ctx,
) -> ErrorCode {
    establish("daemonauth_gss_accept", options, cred, read_fd, write_fd, ctx_out, gss::accept)
}

/// Like `daemonauth_gss_accept`, for a server that has already read the initiator's first
/// context token itself (`len` bytes at `first_token`), for example to tell protocol
/// versions apart by their first token.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_accept_after(
    options: *const daemonauth_gss_options,
    cred: *const daemonauth_gss_cred,
    first_token: *const u8,
    len: usize,
    read_fd: c_int,
    write_fd: c_int,
    ctx_out: *mut *mut daemonauth_gss_ctx,
) -> ErrorCode {
    establish("daemonauth_gss_accept_after", options, cred, read_fd, write_fd, ctx_out, |channel, options, cred| {
        // SAFETY: NULL (with len 0) or `len` readable bytes.
        let first = unsafe { arg_bytes(first_token, len, "first_token") }?;
        gss::accept_after(channel, options, cred, Some(first.to_vec()))
    })
}

/// Runs one context establishment for the export named `export`: checks `ctx_out` before
/// any work, applies the options (or the defaults), and hands the context to C.
fn establish(
    export: &str,
    options: *const daemonauth_gss_options,
    cred: *const daemonauth_gss_cred,
    read_fd: c_int,
    write_fd: c_int,
    ctx_out: *mut *mut daemonauth_gss_ctx,
    run: impl FnOnce(&Channel, &Options, Option<&Cred>) -> Result<SecurityContext>,
) -> ErrorCode {
    guard_result(export, || {
        check_out(ctx_out, "ctx_out")?;
        let default = Options::default();
        let options = options_or_default(options, &default);
        // SAFETY: NULL or live credentials from this library.
        let cred = unsafe { cred.as_ref() }.map(|c| &c.0);
        let context = run(&options.channel(read_fd, write_fd)?, options, cred)?;
        // SAFETY: checked non-NULL above.
        unsafe { give_handle(ctx_out, daemonauth_gss_ctx(context), "ctx_out") }
    })
}

/// Deletes a security context and frees it. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_free(ctx: *mut daemonauth_gss_ctx) {
    // SAFETY: NULL or a context from this library that the caller gives up.
    guard("daemonauth_gss_ctx_free", || unsafe { free_handle(ctx) })
}

/// Runs `read` on the context behind a C pointer.
fn with_ctx(
    export: &str,
    ctx: *const daemonauth_gss_ctx,
    read: impl FnOnce(&SecurityContext) -> Result<()>,
) -> ErrorCode {
    guard_result(export, || {
        // SAFETY: NULL or a live context from this library.
        let ctx = unsafe { handle_ref(ctx, "ctx") }?;
        read(&ctx.0)
    })
}

/// Stores the other side's name (the client's for an acceptor, the service's for an
/// initiator) in `*name_out`; free it with `daemonauth_string_free`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_peer_name(
    ctx: *const daemonauth_gss_ctx,
    name_out: *mut *mut c_char,
) -> ErrorCode {
    with_ctx("daemonauth_gss_ctx_peer_name", ctx, |ctx| {
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { give_string(name_out, ctx.peer_name()?, "name_out") }
    })
}

/// Stores the initiator's name in `*name_out` and, when `name_type_out` is not NULL, the
/// dotted OID of its name type in `*name_type_out`; free both with `daemonauth_string_free`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_source_name(
    ctx: *const daemonauth_gss_ctx,
    name_out: *mut *mut c_char,
    name_type_out: *mut *mut c_char,
) -> ErrorCode {
    with_ctx("daemonauth_gss_ctx_source_name", ctx, |ctx| {
        check_out(name_out, "name_out")?;
        let (name, name_type) = ctx.source_name()?;
        if !name_type_out.is_null() {
            let name_type = name_type.map_or_else(String::new, |oid| oid.to_dotted());
            // SAFETY: non-NULL; the caller passes a writable pointer.
            unsafe { give_string(name_type_out, name_type, "name_type_out") }?;
        }
        // SAFETY: checked non-NULL above.
        unsafe { give_string(name_out, name, "name_out") }
    })
}

/// Stores the acceptor's (service's) name in `*name_out`; free it with
/// `daemonauth_string_free`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_target_name(
    ctx: *const daemonauth_gss_ctx,
    name_out: *mut *mut c_char,
) -> ErrorCode {
    with_ctx("daemonauth_gss_ctx_target_name", ctx, |ctx| {
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { give_string(name_out, ctx.target_name()?, "name_out") }
    })
}

/// Stores whether this side initiated the context in `*initiator_out`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_is_initiator(
    ctx: *const daemonauth_gss_ctx,
    initiator_out: *mut bool,
) -> ErrorCode {
    with_ctx("daemonauth_gss_ctx_is_initiator", ctx, |ctx| {
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { give_value(initiator_out, ctx.info()?.locally_initiated, "initiator_out") }
    })
}

/// Stores the local user the initiator's name maps to (krb5 aname-to-localname rules) in
/// `*user_out`; free it with `daemonauth_string_free`. DAEMONAUTH_RESULT_GSS if none.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_local_user(
    ctx: *const daemonauth_gss_ctx,
    user_out: *mut *mut c_char,
) -> ErrorCode {
    with_ctx("daemonauth_gss_ctx_local_user", ctx, |ctx| {
        let info = ctx.info()?;
        let user = info.source.local_name(info.mech.as_ref())?;
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { give_string(user_out, user, "user_out") }
    })
}

/// Stores the context's granted flags (DAEMONAUTH_GSS_FLAG_*) in `*flags_out`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_flags(ctx: *const daemonauth_gss_ctx, flags_out: *mut u32) -> ErrorCode {
    with_ctx("daemonauth_gss_ctx_flags", ctx, |ctx| {
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { give_value(flags_out, ctx.info()?.flags, "flags_out") }
    })
}

/// Stores the context's mechanism as a dotted OID in `*oid_out`; free it with
/// `daemonauth_string_free`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_mech(ctx: *const daemonauth_gss_ctx, oid_out: *mut *mut c_char) -> ErrorCode {
    with_ctx("daemonauth_gss_ctx_mech", ctx, |ctx| {
        let mech = ctx.info()?.mech.ok_or_else(|| Error::new(ErrorCode::Gss, "the context has no mechanism"))?;
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { give_string(oid_out, mech.to_dotted(), "oid_out") }
    })
}

/// Stores the seconds the context remains valid in `*seconds_out`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_lifetime(ctx: *const daemonauth_gss_ctx, seconds_out: *mut u32) -> ErrorCode {
    with_ctx("daemonauth_gss_ctx_lifetime", ctx, |ctx| {
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { give_value(seconds_out, ctx.info()?.lifetime_secs, "seconds_out") }
    })
}

/// Writes `value` through an optional out-pointer.
///
/// # Safety
/// `out` is NULL or valid for writing one `T`.
unsafe fn store_optional<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: non-NULL and writable per the contract.
        unsafe { out.write(value) };
    }
}

/// Protects `len` bytes at `message`; encrypts them if `encrypt`. Stores the token in
/// `*token_out` and, when `encrypted_out` is not NULL, whether encryption was applied.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_wrap(
    ctx: *const daemonauth_gss_ctx,
    message: *const u8,
    len: usize,
    encrypt: bool,
    token_out: *mut *mut daemonauth_buffer,
    encrypted_out: *mut bool,
) -> ErrorCode {
    with_ctx("daemonauth_gss_wrap", ctx, |ctx| {
        check_out(token_out, "token_out")?;
        // SAFETY: NULL (with len 0) or `len` readable bytes.
        let message = unsafe { arg_bytes(message, len, "message") }?;
        let (token, encrypted) = ctx.wrap(encrypt, message)?;
        // SAFETY: the caller passes writable pointers (encrypted_out may be NULL).
        unsafe {
            store_optional(encrypted_out, encrypted);
            give_buffer(token_out, token, "token_out")
        }
    })
}

/// Verifies and opens a wrapped token of `len` bytes. Stores the message in `*message_out`
/// and, when `encrypted_out` is not NULL, whether it had been encrypted. A tampered,
/// replayed or foreign token fails with DAEMONAUTH_RESULT_GSS.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_unwrap(
    ctx: *const daemonauth_gss_ctx,
    token: *const u8,
    len: usize,
    message_out: *mut *mut daemonauth_buffer,
    encrypted_out: *mut bool,
) -> ErrorCode {
    with_ctx("daemonauth_gss_unwrap", ctx, |ctx| {
        check_out(message_out, "message_out")?;
        // SAFETY: NULL (with len 0) or `len` readable bytes.
        let token = unsafe { arg_bytes(token, len, "token") }?;
        let (message, encrypted) = ctx.unwrap(token)?;
        // SAFETY: the caller passes writable pointers (encrypted_out may be NULL).
        unsafe {
            store_optional(encrypted_out, encrypted);
            give_buffer(message_out, message, "message_out")
        }
    })
}

/// Computes a MIC over `len` bytes at `message` and stores it in `*mic_out`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_get_mic(
    ctx: *const daemonauth_gss_ctx,
    message: *const u8,
    len: usize,
    mic_out: *mut *mut daemonauth_buffer,
) -> ErrorCode {
    with_ctx("daemonauth_gss_get_mic", ctx, |ctx| {
        check_out(mic_out, "mic_out")?;
        // SAFETY: NULL (with len 0) or `len` readable bytes.
        let message = unsafe { arg_bytes(message, len, "message") }?;
        let mic = ctx.get_mic(message)?;
        // SAFETY: checked non-NULL above.
        unsafe { give_buffer(mic_out, mic, "mic_out") }
    })
}

/// Verifies a MIC over a message; DAEMONAUTH_RESULT_GSS if it does not match.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_verify_mic(
    ctx: *const daemonauth_gss_ctx,
    message: *const u8,
    message_len: usize,
    mic: *const u8,
    mic_len: usize,
) -> ErrorCode {
    with_ctx("daemonauth_gss_verify_mic", ctx, |ctx| {
        // SAFETY: NULL (with length 0) or readable bytes of the given lengths.
        let (message, mic) = unsafe { (arg_bytes(message, message_len, "message")?, arg_bytes(mic, mic_len, "mic")?) };
        ctx.verify_mic(message, mic)
    })
}

/// Exports the context into `*token_out` for another process (for example a forked child,
/// which imports it with `daemonauth_gss_ctx_import`). The token holds session keys: keep
/// it private. Afterwards this context can no longer be used, but must still be freed.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_export(
    ctx: *mut daemonauth_gss_ctx,
    token_out: *mut *mut daemonauth_buffer,
) -> ErrorCode {
    guard_result("daemonauth_gss_ctx_export", || {
        check_out(token_out, "token_out")?;
        // SAFETY: NULL or a live context from this library, not used elsewhere meanwhile.
        let ctx = unsafe { handle_mut(ctx, "ctx") }?;
        let token = ctx.0.export()?;
        // SAFETY: checked non-NULL above.
        unsafe { give_buffer(token_out, token, "token_out") }
    })
}

/// Imports a context exported by `daemonauth_gss_ctx_export` (in this or another process).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_import(
    token: *const u8,
    len: usize,
    ctx_out: *mut *mut daemonauth_gss_ctx,
) -> ErrorCode {
    guard_result("daemonauth_gss_ctx_import", || {
        check_out(ctx_out, "ctx_out")?;
        // SAFETY: NULL (with len 0) or `len` readable bytes.
        let token = unsafe { arg_bytes(token, len, "token") }?;
        let context = SecurityContext::import(token)?;
        // SAFETY: checked non-NULL above.
        unsafe { give_handle(ctx_out, daemonauth_gss_ctx(context), "ctx_out") }
    })
}

/// Sends one token on `fd` in the options' framing (header and body in one write), within
/// the options' timeout. `flags` must be 0 except with DAEMONAUTH_FRAMING_GSS_SAMPLE.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_token_send(
    options: *const daemonauth_gss_options,
    fd: c_int,
    flags: u8,
    data: *const u8,
    len: usize,
) -> ErrorCode {
    guard_result("daemonauth_token_send", || {
        let default = Options::default();
        let options = options_or_default(options, &default);
        // SAFETY: NULL (with len 0) or `len` readable bytes.
        let data = unsafe { arg_bytes(data, len, "data") }?;
        options.framing.write(&options.channel(fd, fd)?, flags, data)
    })
}

/// Receives one token from `fd` in the options' framing, within the options' timeout and
/// token-length limit. Stores its flags (0 for framings without) in `*flags_out` when not
/// NULL, and its body in `*data_out`. A peer that closes first yields
/// DAEMONAUTH_RESULT_PEER_CLOSED.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_token_recv(
    options: *const daemonauth_gss_options,
    fd: c_int,
    flags_out: *mut u8,
    data_out: *mut *mut daemonauth_buffer,
) -> ErrorCode {
    guard_result("daemonauth_token_recv", || {
        check_out(data_out, "data_out")?;
        let default = Options::default();
        let options = options_or_default(options, &default);
        let token = options.read_token(&options.channel(fd, fd)?)?;
        // SAFETY: the caller passes writable pointers (flags_out may be NULL).
        unsafe {
            store_optional(flags_out, token.flags);
            give_buffer(data_out, token.body, "data_out")
        }
    })
}
