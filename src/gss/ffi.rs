//! The GSS-API core's C API (`daemonauth_gss_*`): converts and checks arguments, then calls
//! the safe code in [`crate::gss`].

#![allow(non_camel_case_types)] // C names for the C API

use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::c_enum::{CEnum, c_enum};
use crate::error::{Error, ErrorCode, Result};
use crate::ffi::buffer::{daemonauth_buffer, give_buffer, give_string};
use crate::ffi::handles::{daemonauth_gss_ctx, daemonauth_responder};
use crate::ffi::{
    Userdata, arg_bytes, arg_opt_str, arg_str, clear_out, ffi_boundary, free_handle, give_handle, give_value,
    handle_mut, handle_ref, take_handle, timeout_or,
};
use crate::framing::{DEFAULT_MAX_TOKEN_LEN, Framing};
use crate::gss::{self, Cred, DEFAULT_EXCHANGE_TIMEOUT, Name, NameType, Options, SecurityContext, TokenEvent, Usage};
use crate::io::{Channel, DEFAULT_TIMEOUT};

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
/// GSS_C_PROT_READY_FLAG: messages can be protected before establishment completes.
pub const DAEMONAUTH_GSS_FLAG_PROT_READY: u32 = 128;
/// GSS_C_TRANS_FLAG: the context can be exported (`daemonauth_gss_ctx_export`).
pub const DAEMONAUTH_GSS_FLAG_TRANS: u32 = 256;
/// GSS_C_DELEG_POLICY_FLAG: delegate only where the KDC's policy allows it.
pub const DAEMONAUTH_GSS_FLAG_DELEG_POLICY: u32 = 32768;

/// gss-sample token flags (for `daemonauth_gss_token_send` and `daemonauth_gss_token_recv`).
#[allow(dead_code)] // for C only: the header declares it; Rust code does not need it
pub const DAEMONAUTH_SAMPLE_TOKEN_NOOP: u8 = 0x01;
/// A context-establishment token.
pub const DAEMONAUTH_SAMPLE_TOKEN_CONTEXT: u8 = 0x02;
/// A data message.
#[allow(dead_code)] // for C only: the header declares it; Rust code does not need it
pub const DAEMONAUTH_SAMPLE_TOKEN_DATA: u8 = 0x04;
/// A MIC over a data message.
#[allow(dead_code)] // for C only: the header declares it; Rust code does not need it
pub const DAEMONAUTH_SAMPLE_TOKEN_MIC: u8 = 0x08;
/// The client announces that context tokens follow.
#[allow(dead_code)] // for C only: the header declares it; Rust code does not need it
pub const DAEMONAUTH_SAMPLE_TOKEN_CONTEXT_NEXT: u8 = 0x10;
/// The data message is wrapped.
#[allow(dead_code)] // for C only: the header declares it; Rust code does not need it
pub const DAEMONAUTH_SAMPLE_TOKEN_WRAPPED: u8 = 0x20;
/// The data message is encrypted.
#[allow(dead_code)] // for C only: the header declares it; Rust code does not need it
pub const DAEMONAUTH_SAMPLE_TOKEN_ENCRYPTED: u8 = 0x40;
/// The client asks for a MIC in reply.
#[allow(dead_code)] // for C only: the header declares it; Rust code does not need it
pub const DAEMONAUTH_SAMPLE_TOKEN_SEND_MIC: u8 = 0x80;

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

c_enum!(GssNameType, "name type", [HostBasedService, UserName, Krb5Principal]);
c_enum!(GssUsage, "credential usage", [Initiate, Accept, Both]);

impl From<GssNameType> for NameType {
    fn from(name_type: GssNameType) -> NameType {
        match name_type {
            GssNameType::HostBasedService => NameType::HostBasedService,
            GssNameType::UserName => NameType::UserName,
            GssNameType::Krb5Principal => NameType::Krb5Principal,
        }
    }
}

impl From<GssUsage> for Usage {
    fn from(usage: GssUsage) -> Usage {
        match usage {
            GssUsage::Initiate => Usage::Initiate,
            GssUsage::Accept => Usage::Accept,
            GssUsage::Both => Usage::Both,
        }
    }
}

/// A GSS-API name. Shared: immutable, usable by any number of threads at once. Free with
/// `daemonauth_gss_name_free`.
pub struct daemonauth_gss_name(Name);
/// GSS-API credentials. Shared: immutable, usable by any number of threads at once (a daemon
/// may accept on many threads with one acceptor credential). Free with
/// `daemonauth_gss_cred_free`.
pub struct daemonauth_gss_cred(Cred);
/// Settings for context establishment and token I/O, made by
/// `daemonauth_gss_options_builder_build`. Shared: immutable, usable by any number of threads
/// at once. Free with `daemonauth_gss_options_free`.
pub struct daemonauth_gss_options(Options);
/// Options being built. One thread at a time. `daemonauth_gss_options_builder_build` consumes
/// it; free it with `daemonauth_gss_options_builder_free` only if it was never built.
pub struct daemonauth_gss_options_builder(Options);

/// Imports `text` as a name of type `name_type` (a `daemonauth_gss_name_type`) and stores it
/// in `*name_out`; free it with `daemonauth_gss_name_free`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_name_import(
    text: *const c_char,
    name_type: c_int,
    name_out: *mut *mut daemonauth_gss_name,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(name_out, "name_out") }?;
        // SAFETY: the caller passes NULL or a NUL-terminated string.
        let text = unsafe { arg_str(text, "text") }?;
        let name = Name::import(text, GssNameType::from_c(name_type)?.into())?;
        // SAFETY: checked non-NULL above; the caller passes a writable pointer.
        unsafe { give_handle(name_out, daemonauth_gss_name(name), "name_out") }
    }
}

/// Stores the printable form of `name` in `*text_out`; free it with `daemonauth_string_free`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_name_display(
    name: *const daemonauth_gss_name,
    text_out: *mut *mut c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(text_out, "text_out") }?;
        // SAFETY: NULL or a live name from this library.
        let name = unsafe { handle_ref(name, "name") }?;
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { give_string(text_out, name.0.display()?.0, "text_out") }
    }
}

/// Stores the canonical (mechanism) form of `name` for `mech` ("krb5", "spnego", an OID;
/// NULL means krb5) in `*name_out`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_name_canonicalize(
    name: *const daemonauth_gss_name,
    mech: *const c_char,
    name_out: *mut *mut daemonauth_gss_name,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(name_out, "name_out") }?;
        // SAFETY: NULL or a live name; NULL or a NUL-terminated string.
        let (name, mech) = unsafe { (handle_ref(name, "name")?, arg_opt_str(mech, "mech")?) };
        let mech = gss::mech_from_text(mech)?.unwrap_or_else(gss::oids::krb5);
        let canonical = name.0.canonicalize(&mech)?;
        // SAFETY: checked non-NULL above.
        unsafe { give_handle(name_out, daemonauth_gss_name(canonical), "name_out") }
    }
}

/// Frees a name. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_name_free(name: *mut daemonauth_gss_name) {
    // SAFETY: NULL or a name from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(name) } }
}

/// Acquires credentials. `name` NULL means the default identity; `usage` is a
/// `daemonauth_gss_usage`; `mech` is NULL (default), "krb5", "spnego" or an OID. `keytab` and
/// `ccache` (each may be NULL) select a key table (for acceptors, and for initiators as a
/// client keytab) and a credential cache instead of the process defaults.
///
/// Fails with DAEMONAUTH_RESULT_NO_CREDENTIALS (no ticket cache), DAEMONAUTH_RESULT_KEY_MISMATCH
/// (no key for the name in the keytab), DAEMONAUTH_RESULT_CREDENTIALS_EXPIRED, or
/// DAEMONAUTH_RESULT_GSS.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_cred_acquire(
    name: *const daemonauth_gss_name,
    usage: c_int,
    mech: *const c_char,
    keytab: *const c_char,
    ccache: *const c_char,
    cred_out: *mut *mut daemonauth_gss_cred,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(cred_out, "cred_out") }?;
        let usage = Usage::from(GssUsage::from_c(usage)?);
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
    }
}

/// Acquires initiator credentials for `name` by getting a new Kerberos ticket with `password`
/// (the tickets already cached are not used); the ticket lives in a memory cache that is
/// removed when the credentials are freed. The same path as
/// `daemonauth_gss_cred_acquire_initiator` with a responder that knows only the password.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_cred_acquire_with_password(
    name: *const daemonauth_gss_name,
    password: *const c_char,
    mech: *const c_char,
    cred_out: *mut *mut daemonauth_gss_cred,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(cred_out, "cred_out") }?;
        // SAFETY: NULL or a live name; NULL or NUL-terminated strings.
        let (name, password, mech) =
            unsafe { (handle_ref(name, "name")?, arg_str(password, "password")?, arg_opt_str(mech, "mech")?) };
        let (user, _) = name.0.display()?;
        let mech = gss::mech_from_text(mech)?;
        let cred = gss::acquire_with_password(&user, Zeroizing::new(password.to_owned()), mech.as_ref())?;
        // SAFETY: checked non-NULL above.
        unsafe { give_handle(cred_out, daemonauth_gss_cred(cred), "cred_out") }
    }
}

/// Acquires initiator credentials for `user` (NULL: the default principal): the tickets
/// already in the credential cache if there are any; otherwise, when `responder` is not
/// NULL, a new ticket obtained through Kerberos's responder (`password`, `otp` or `pkinit`
/// questions, and `username` when `user` is NULL; see `daemonauth_responder_krb5_get_init_creds`),
/// kept in a memory cache that is removed when the credentials are freed. `mech` is NULL
/// (default), "krb5", "spnego" or an OID.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_cred_acquire_initiator(
    user: *const c_char,
    mech: *const c_char,
    responder: *const daemonauth_responder,
    cred_out: *mut *mut daemonauth_gss_cred,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(cred_out, "cred_out") }?;
        // SAFETY: NULL or NUL-terminated strings; NULL or a live responder from this library.
        let (user, mech, responder) = unsafe {
            (arg_opt_str(user, "user")?, arg_opt_str(mech, "mech")?, responder.as_ref().map(|r| &r.responder))
        };
        let cred = gss::acquire_initiator(user, gss::mech_from_text(mech)?.as_ref(), responder)?;
        // SAFETY: checked non-NULL above.
        unsafe { give_handle(cred_out, daemonauth_gss_cred(cred), "cred_out") }
    }
}

/// Frees credentials. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_cred_free(cred: *mut daemonauth_gss_cred) {
    // SAFETY: NULL or credentials from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(cred) } }
}

/// Starts building options, with the defaults: DAEMONAUTH_FRAMING_U32_BE, 30 s per token
/// read or write, 60 s for the whole context establishment, tokens of at most 256 KiB, the default mechanism, flags
/// MUTUAL|REPLAY|SEQUENCE|CONF|INTEG requested and MUTUAL|REPLAY|SEQUENCE required (so that
/// replayed and out-of-sequence messages are refused).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_builder_new(
    builder_out: *mut *mut daemonauth_gss_options_builder,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { give_handle(builder_out, daemonauth_gss_options_builder(Options::default()), "builder_out") }
    }
}

/// Turns the builder into options in `*options_out`. The builder is consumed, whether this
/// succeeds or not: do not use or free it afterwards.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_builder_build(
    builder: *mut daemonauth_gss_options_builder,
    options_out: *mut *mut daemonauth_gss_options,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a builder from this library that the caller gives up.
        let builder = unsafe { take_handle(builder, "builder") }?;
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { give_handle(options_out, daemonauth_gss_options(builder.0), "options_out") }
    }
}

/// Frees a builder that was never built. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_builder_free(builder: *mut daemonauth_gss_options_builder) {
    // SAFETY: NULL or a builder from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(builder) } }
}

/// Frees options. NULL is a no-op. No call may be using them any more.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_free(options: *mut daemonauth_gss_options) {
    // SAFETY: NULL or options from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(options) } }
}

/// Runs `change` on the options inside a builder.
///
/// # Safety
/// `builder` is NULL or a live builder from this library, not used elsewhere during the call.
unsafe fn change(builder: *mut daemonauth_gss_options_builder, change: impl FnOnce(&mut Options)) -> Result<()> {
    // SAFETY: forwarded contract.
    change(&mut unsafe { handle_mut(builder, "builder") }?.0);
    Ok(())
}

/// Sets the token framing (a `daemonauth_framing`).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_builder_set_framing(
    builder: *mut daemonauth_gss_options_builder,
    framing: c_int,
) -> ErrorCode {
    ffi_boundary! {
        let framing = Framing::from_c(framing)?;
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |options| options.framing = framing) }
    }
}

/// Sets how long one token read or write may take, in milliseconds; 0 restores the default
/// (30 000).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_builder_set_timeout_ms(
    builder: *mut daemonauth_gss_options_builder,
    timeout_ms: u32,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |options| options.timeout = timeout_or(timeout_ms, DEFAULT_TIMEOUT)) }
    }
}

/// Sets how long a whole context establishment (`daemonauth_gss_initiate`,
/// `daemonauth_gss_accept*`) may take, in milliseconds, however many tokens it needs: a peer
/// that trickles tokens is cut off with DAEMONAUTH_RESULT_TIMEOUT when it runs out. 0 restores
/// the default (60 000).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_builder_set_exchange_timeout_ms(
    builder: *mut daemonauth_gss_options_builder,
    timeout_ms: u32,
) -> ErrorCode {
    ffi_boundary! {
        let timeout = timeout_or(timeout_ms, DEFAULT_EXCHANGE_TIMEOUT);
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |options| options.exchange_timeout = timeout) }
    }
}

/// Sets the largest token a peer may announce, in bytes; longer announcements fail with
/// DAEMONAUTH_RESULT_TOO_LARGE before anything is allocated for them. 0 restores the default
/// (262 144).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_builder_set_max_token_len(
    builder: *mut daemonauth_gss_options_builder,
    max_len: usize,
) -> ErrorCode {
    ffi_boundary! {
        let max_len = if max_len == 0 { DEFAULT_MAX_TOKEN_LEN } else { max_len };
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |options| options.max_token_len = max_len) }
    }
}

/// Sets the flags an initiator requests (DAEMONAUTH_GSS_FLAG_*). The required flags become
/// the same minus DELEG, CONF and INTEG (which a mechanism may decline); change them afterwards
/// with `daemonauth_gss_options_builder_set_required_flags`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_builder_set_flags(
    builder: *mut daemonauth_gss_options_builder,
    flags: u32,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe {
            change(builder, |options| {
                options.flags = flags;
                options.required_flags = flags & !(gss::flags::DELEG | gss::flags::CONF | gss::flags::INTEG);
            })
        }
    }
}

/// Sets the flags an established context must have, on either side; a context without
/// them fails with DAEMONAUTH_RESULT_GSS.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_builder_set_required_flags(
    builder: *mut daemonauth_gss_options_builder,
    flags: u32,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |options| options.required_flags = flags) }
    }
}

/// Sets the initiator's mechanism: NULL or "default", "krb5", "spnego", or an OID in dotted
/// (`1.2.840.113554.1.2.2`) or braced (`{ 1 2 840 113554 1 2 2 }`) form.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_builder_set_mech(
    builder: *mut daemonauth_gss_options_builder,
    mech: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let mech = gss::mech_from_text(unsafe { arg_opt_str(mech, "mech") }?)?;
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |options| options.mech = mech) }
    }
}

/// Sets the flags byte put on context tokens with DAEMONAUTH_FRAMING_GSS_SAMPLE
/// (DAEMONAUTH_SAMPLE_TOKEN_CONTEXT for MIT's samples, 0 for their v1 protocol).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_builder_set_context_token_flags(
    builder: *mut daemonauth_gss_options_builder,
    flags: u8,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |options| options.context_token_flags = flags) }
    }
}

/// A C function told about every context token and step of an establishment: `event` is a
/// `daemonauth_gss_token_event`; `token` and `len` hold the token for RECEIVED and SENT
/// (NULL and 0 otherwise) and are valid only during the call. It is called on the thread
/// running the establishment (so from several threads at once when the options are shared),
/// and must return normally: no unwinding (C++ exceptions) and no `longjmp` out of it.
pub type TokenObserverCallback =
    Option<unsafe extern "C" fn(userdata: *mut c_void, event: TokenEvent, token: *const u8, len: usize)>;

/// Calls `callback(userdata, event, token, len)` for every context token sent or received
/// and every finished step during `daemonauth_gss_initiate` / `daemonauth_gss_accept*` with
/// these options. NULL `callback` removes the observer. `userdata` must stay valid as long as
/// the options.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_options_builder_set_token_observer(
    builder: *mut daemonauth_gss_options_builder,
    callback: TokenObserverCallback,
    userdata: *mut c_void,
) -> ErrorCode {
    ffi_boundary! {
        let observer = callback.map(|callback| {
            let userdata = Userdata::new(userdata);
            let observer: gss::TokenObserver = Arc::new(move |event, token: &[u8]| {
                let data = if token.is_empty() { std::ptr::null() } else { token.as_ptr() };
                // SAFETY: the host registered this callback for this signature; the token
                // outlives the call.
                unsafe { callback(userdata.get(), event, data, token.len()) }
            });
            observer
        });
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |options| options.observer = observer) }
    }
}

/// The options behind a C pointer, or the defaults for NULL.
///
/// # Safety
/// `options` is NULL or live options from this library.
unsafe fn options_or_default(options: *const daemonauth_gss_options, default: &Options) -> &Options {
    // SAFETY: forwarded contract.
    unsafe { options.as_ref() }.map_or(default, |options| &options.0)
}

/// Establishes a context as the initiator towards `target` over `read_fd`/`write_fd` (may
/// be the same socket). `options` NULL means the defaults; `cred` NULL means the default
/// credentials (the ticket cache). The descriptors stay open and owned by the caller.
/// Options and credentials may be shared with other threads doing the same at once.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_initiate(
    options: *const daemonauth_gss_options,
    cred: *const daemonauth_gss_cred,
    target: *const daemonauth_gss_name,
    read_fd: c_int,
    write_fd: c_int,
    ctx_out: *mut *mut daemonauth_gss_ctx,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live name from this library.
        let target = unsafe { handle_ref(target, "target") }?;
        // SAFETY: NULL or live options and credentials; NULL or a writable out-pointer.
        unsafe {
            establish(options, cred, read_fd, write_fd, ctx_out, |channel, options, cred| {
                gss::initiate(channel, options, cred, &target.0)
            })
        }
    }
}

/// Establishes a context as the acceptor over `read_fd`/`write_fd`. `options` NULL means the
/// defaults; `cred` NULL means the default acceptor credentials (the default keytab).
/// Options and credentials may be shared with other threads accepting at once.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_accept(
    options: *const daemonauth_gss_options,
    cred: *const daemonauth_gss_cred,
    read_fd: c_int,
    write_fd: c_int,
    ctx_out: *mut *mut daemonauth_gss_ctx,
) -> ErrorCode {
    // SAFETY: NULL or live options and credentials; NULL or a writable out-pointer.
    ffi_boundary! { unsafe { establish(options, cred, read_fd, write_fd, ctx_out, gss::accept) } }
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
    ffi_boundary! {
        // SAFETY: NULL (with len 0) or `len` readable bytes.
        let first = unsafe { arg_bytes(first_token, len, "first_token") }?.to_vec();
        // SAFETY: NULL or live options and credentials; NULL or a writable out-pointer.
        unsafe {
            establish(options, cred, read_fd, write_fd, ctx_out, |channel, options, cred| {
                gss::accept_after(channel, options, cred, Some(first))
            })
        }
    }
}

/// Runs one context establishment: checks `ctx_out` before any work, applies the options (or
/// the defaults), and hands the context to C.
///
/// # Safety
/// `options` and `cred` are NULL or live objects from this library; `ctx_out` is NULL or
/// writable.
unsafe fn establish(
    options: *const daemonauth_gss_options,
    cred: *const daemonauth_gss_cred,
    read_fd: c_int,
    write_fd: c_int,
    ctx_out: *mut *mut daemonauth_gss_ctx,
    run: impl FnOnce(&Channel, &Options, Option<&Cred>) -> Result<SecurityContext>,
) -> Result<()> {
    // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
    unsafe { clear_out(ctx_out, "ctx_out") }?;
    let default = Options::default();
    // SAFETY: forwarded contract.
    let (options, cred) = unsafe { (options_or_default(options, &default), cred.as_ref().map(|c| &c.0)) };
    let context = run(&options.channel(read_fd, write_fd)?, options, cred)?;
    // SAFETY: checked non-NULL above; writable per the contract.
    unsafe { give_handle(ctx_out, daemonauth_gss_ctx(context), "ctx_out") }
}

/// Deletes a security context and frees it. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_free(ctx: *mut daemonauth_gss_ctx) {
    // SAFETY: NULL or a context from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(ctx) } }
}

/// The context behind a C pointer.
///
/// # Safety
/// `ctx` is NULL or a live context from this library, not used mutably elsewhere meanwhile.
unsafe fn context<'a>(ctx: *const daemonauth_gss_ctx) -> Result<&'a SecurityContext> {
    // SAFETY: forwarded contract.
    Ok(&unsafe { handle_ref(ctx, "ctx") }?.0)
}

/// The context behind a C pointer, for a call that changes its state.
///
/// # Safety
/// `ctx` is NULL or a live context from this library, not used elsewhere meanwhile.
unsafe fn context_mut<'a>(ctx: *mut daemonauth_gss_ctx) -> Result<&'a mut SecurityContext> {
    // SAFETY: forwarded contract.
    Ok(&mut unsafe { handle_mut(ctx, "ctx") }?.0)
}

/// Stores the other side's name (the client's for an acceptor, the service's for an
/// initiator) in `*name_out`; free it with `daemonauth_string_free`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_peer_name(
    ctx: *const daemonauth_gss_ctx,
    name_out: *mut *mut c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(name_out, "name_out") }?;
        // SAFETY: NULL or a live context; NULL or a writable pointer.
        unsafe { give_string(name_out, context(ctx)?.peer_name()?, "name_out") }
    }
}

/// Stores the initiator's name in `*name_out` and, when `name_type_out` is not NULL, the
/// dotted OID of its name type in `*name_type_out`; free both with `daemonauth_string_free`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_source_name(
    ctx: *const daemonauth_gss_ctx,
    name_out: *mut *mut c_char,
    name_type_out: *mut *mut c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(name_out, "name_out") }?;
        // SAFETY: NULL or a live context.
        let (name, name_type) = unsafe { context(ctx) }?.source_name()?;
        if !name_type_out.is_null() {
            let name_type = name_type.map_or_else(String::new, |oid| oid.to_dotted());
            // SAFETY: non-NULL; the caller passes a writable pointer.
            unsafe { give_string(name_type_out, name_type, "name_type_out") }?;
        }
        // SAFETY: checked non-NULL above.
        unsafe { give_string(name_out, name, "name_out") }
    }
}

/// Stores the acceptor's (service's) name in `*name_out`; free it with
/// `daemonauth_string_free`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_target_name(
    ctx: *const daemonauth_gss_ctx,
    name_out: *mut *mut c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(name_out, "name_out") }?;
        // SAFETY: NULL or a live context; NULL or a writable pointer.
        unsafe { give_string(name_out, context(ctx)?.target_name()?, "name_out") }
    }
}

/// Stores whether this side initiated the context in `*initiator_out`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_is_initiator(
    ctx: *const daemonauth_gss_ctx,
    initiator_out: *mut bool,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live context; NULL or a writable pointer.
        unsafe { give_value(initiator_out, context(ctx)?.info()?.locally_initiated, "initiator_out") }
    }
}

/// Stores the local user the initiator's name maps to (krb5 aname-to-localname rules) in
/// `*user_out`; free it with `daemonauth_string_free`. DAEMONAUTH_RESULT_GSS if none.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_local_user(
    ctx: *const daemonauth_gss_ctx,
    user_out: *mut *mut c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(user_out, "user_out") }?;
        // SAFETY: NULL or a live context.
        let info = unsafe { context(ctx) }?.info()?;
        let user = info.source.local_name(info.mech.as_ref())?;
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { give_string(user_out, user, "user_out") }
    }
}

/// Stores the context's granted flags (DAEMONAUTH_GSS_FLAG_*) in `*flags_out`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_flags(ctx: *const daemonauth_gss_ctx, flags_out: *mut u32) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live context; NULL or a writable pointer.
        unsafe { give_value(flags_out, context(ctx)?.info()?.flags, "flags_out") }
    }
}

/// Stores the context's mechanism as a dotted OID in `*oid_out`; free it with
/// `daemonauth_string_free`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_mech(ctx: *const daemonauth_gss_ctx, oid_out: *mut *mut c_char) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(oid_out, "oid_out") }?;
        // SAFETY: NULL or a live context.
        let mech = unsafe { context(ctx) }?.info()?.mech;
        let mech = mech.ok_or_else(|| Error::new(ErrorCode::Gss, "the context has no mechanism"))?;
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { give_string(oid_out, mech.to_dotted(), "oid_out") }
    }
}

/// Stores the seconds the context remains valid in `*seconds_out`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_lifetime(ctx: *const daemonauth_gss_ctx, seconds_out: *mut u32) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live context; NULL or a writable pointer.
        unsafe { give_value(seconds_out, context(ctx)?.info()?.lifetime_secs, "seconds_out") }
    }
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
/// Advances the context's sequence number: one thread at a time.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_wrap(
    ctx: *mut daemonauth_gss_ctx,
    message: *const u8,
    len: usize,
    encrypt: bool,
    token_out: *mut *mut daemonauth_buffer,
    encrypted_out: *mut bool,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(token_out, "token_out") }?;
        // SAFETY: NULL or a live context used by this thread only; NULL (with len 0) or `len`
        // readable bytes.
        let (ctx, message) = unsafe { (context_mut(ctx)?, arg_bytes(message, len, "message")?) };
        let (token, encrypted) = ctx.wrap(encrypt, message)?;
        // SAFETY: the caller passes writable pointers (encrypted_out may be NULL).
        unsafe {
            store_optional(encrypted_out, encrypted);
            give_buffer(token_out, token, "token_out")
        }
    }
}

/// Verifies and opens a wrapped token of `len` bytes. Stores the message in `*message_out`
/// and, when `encrypted_out` is not NULL, whether it had been encrypted. A tampered or
/// foreign token fails with DAEMONAUTH_RESULT_GSS, a replayed or out-of-sequence one with
/// DAEMONAUTH_RESULT_REPLAY. Advances the context's sequence state: one thread at a time.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_unwrap(
    ctx: *mut daemonauth_gss_ctx,
    token: *const u8,
    len: usize,
    message_out: *mut *mut daemonauth_buffer,
    encrypted_out: *mut bool,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(message_out, "message_out") }?;
        // SAFETY: NULL or a live context used by this thread only; NULL (with len 0) or `len`
        // readable bytes.
        let (ctx, token) = unsafe { (context_mut(ctx)?, arg_bytes(token, len, "token")?) };
        let (message, encrypted) = ctx.unwrap(token)?;
        // SAFETY: the caller passes writable pointers (encrypted_out may be NULL).
        unsafe {
            store_optional(encrypted_out, encrypted);
            give_buffer(message_out, message, "message_out")
        }
    }
}

/// Computes a MIC over `len` bytes at `message` and stores it in `*mic_out`. Advances the
/// context's sequence number: one thread at a time.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_get_mic(
    ctx: *mut daemonauth_gss_ctx,
    message: *const u8,
    len: usize,
    mic_out: *mut *mut daemonauth_buffer,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(mic_out, "mic_out") }?;
        // SAFETY: NULL or a live context used by this thread only; NULL (with len 0) or `len`
        // readable bytes.
        let (ctx, message) = unsafe { (context_mut(ctx)?, arg_bytes(message, len, "message")?) };
        let mic = ctx.get_mic(message)?;
        // SAFETY: checked non-NULL above.
        unsafe { give_buffer(mic_out, mic, "mic_out") }
    }
}

/// Verifies a MIC over a message: DAEMONAUTH_RESULT_GSS if it does not match,
/// DAEMONAUTH_RESULT_REPLAY if it was seen before or out of sequence. Advances the context's
/// sequence state: one thread at a time.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_verify_mic(
    ctx: *mut daemonauth_gss_ctx,
    message: *const u8,
    message_len: usize,
    mic: *const u8,
    mic_len: usize,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live context used by this thread only; NULL (with length 0) or
        // readable bytes of the given lengths.
        let (ctx, message, mic) = unsafe {
            (context_mut(ctx)?, arg_bytes(message, message_len, "message")?, arg_bytes(mic, mic_len, "mic")?)
        };
        ctx.verify_mic(message, mic)
    }
}

/// Exports the context into `*token_out` for another process (for example a forked child,
/// which imports it with `daemonauth_gss_ctx_import`). The token holds session keys: keep
/// it private. Afterwards this context can no longer be used, but must still be freed.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_export(
    ctx: *mut daemonauth_gss_ctx,
    token_out: *mut *mut daemonauth_buffer,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(token_out, "token_out") }?;
        // SAFETY: NULL or a live context from this library, not used elsewhere meanwhile.
        let token = unsafe { context_mut(ctx) }?.export()?;
        // SAFETY: checked non-NULL above.
        unsafe { give_buffer(token_out, token, "token_out") }
    }
}

/// Imports a context exported by `daemonauth_gss_ctx_export` (in this or another process).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_ctx_import(
    token: *const u8,
    len: usize,
    ctx_out: *mut *mut daemonauth_gss_ctx,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(ctx_out, "ctx_out") }?;
        // SAFETY: NULL (with len 0) or `len` readable bytes.
        let token = unsafe { arg_bytes(token, len, "token") }?;
        let context = SecurityContext::import(token)?;
        // SAFETY: checked non-NULL above.
        unsafe { give_handle(ctx_out, daemonauth_gss_ctx(context), "ctx_out") }
    }
}

/// Sends one token on `write_fd` in the options' framing (header and body in one write),
/// within the options' timeout. `flags` must be 0 except with DAEMONAUTH_FRAMING_GSS_SAMPLE.
/// `options` NULL means the defaults.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_token_send(
    options: *const daemonauth_gss_options,
    write_fd: c_int,
    flags: u8,
    data: *const u8,
    len: usize,
) -> ErrorCode {
    ffi_boundary! {
        let default = Options::default();
        // SAFETY: NULL or live options; NULL (with len 0) or `len` readable bytes.
        let (options, data) = unsafe { (options_or_default(options, &default), arg_bytes(data, len, "data")?) };
        options.framing.write(&options.channel(write_fd, write_fd)?, flags, data)
    }
}

/// Receives one token from `read_fd` in the options' framing, within the options' timeout and
/// token-length limit. Stores its flags (0 for framings without) in `*flags_out` when not
/// NULL, and its body in `*data_out`. A peer that closes first yields
/// DAEMONAUTH_RESULT_PEER_CLOSED. `options` NULL means the defaults.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_gss_token_recv(
    options: *const daemonauth_gss_options,
    read_fd: c_int,
    flags_out: *mut u8,
    data_out: *mut *mut daemonauth_buffer,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer; it is NULL until success.
        unsafe { clear_out(data_out, "data_out") }?;
        let default = Options::default();
        // SAFETY: NULL or live options.
        let options = unsafe { options_or_default(options, &default) };
        let token = options.read_token(&options.channel(read_fd, read_fd)?)?;
        // SAFETY: the caller passes writable pointers (flags_out may be NULL).
        unsafe {
            store_optional(flags_out, token.flags);
            give_buffer(data_out, token.body, "data_out")
        }
    }
}
