//! Host-auth sessions from C: daemon and client configurations (built, then shared), the
//! daemon's accept, the client's authenticate and revoke, the session's getters, and the
//! daemon key files (`docs/hostauth-protocol.md`).

#![allow(non_camel_case_types)] // C names for the C API

use std::ffi::{CString, c_char, c_int};
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;

use super::registry::{HostauthMethod, daemonauth_hostauth_registry, server_kind};
use crate::c_enum::{CEnum, c_enum};
use crate::error::{Error, ErrorCode, Result};
use crate::ffi::buffer::give_string;
use crate::ffi::handles::daemonauth_responder;
use crate::ffi::{
    arg_c_bytes, arg_opt_str, arg_str, change_handle, clear_out, ffi_boundary, free_handle, give_handle, give_value,
    handle_ref, take_handle, timeout_or,
};
use crate::gss::Cred;
use crate::hostauth::authrc::AuthrcCache;
use crate::hostauth::gssauth::AcceptorConfig;
use crate::hostauth::keys::{Pin, StaticKey, hex, unhex};
use crate::hostauth::methods::PasswordCheck;
use crate::hostauth::model::{HostAuth, Key};
use crate::hostauth::negotiate::{
    self, ClientConfig, ClientSession, DEFAULT_EXCHANGE_TIMEOUT, DEFAULT_FAIL_DELAY, DEFAULT_GSS_SERVICE, ServerConfig,
};
use crate::hostauth::pattern::{HostId, ServerKind};
use crate::hostauth::reuse::DEFAULT_MAX_VALIDITY;
use crate::hostauth::source::{Env, ProcessEnv};
use crate::hostauth::store::Store;
use crate::hostauth::{srp, ssh};
use crate::io::DEFAULT_TIMEOUT;
use crate::responder::{PASSWORD, Question, json};

/// How a daemon checks usrpwd passwords.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostauthPasswordCheck {
    /// PAM; the argument is the service name (NULL: `rootd`).
    Pam = 1,
    /// crypt(3) against the user and shadow databases (the daemon must be able to read them).
    SystemCrypt = 2,
    /// A file of `user:crypt-hash` lines; the argument is its path.
    File = 3,
}

c_enum!(HostauthPasswordCheck, "password check", [Pam, SystemCrypt, File]);

/// A daemon configuration being built. One thread at a time.
/// `daemonauth_hostauth_server_config_builder_build` consumes it; free it with
/// `daemonauth_hostauth_server_config_builder_free` only if it was never built.
pub struct daemonauth_hostauth_server_config_builder {
    key_file: Option<PathBuf>,
    config: ServerConfig,
}

/// A daemon configuration. Shared: immutable, usable by any number of threads at once (each
/// accepting its own connection). Free with `daemonauth_hostauth_server_config_free`.
pub struct daemonauth_hostauth_server_config(Arc<ServerConfig>);

/// A client configuration being built. One thread at a time.
pub struct daemonauth_hostauth_client_config_builder(ClientBuilder);

struct ClientBuilder {
    config: ClientConfig,
    authrc_file: Option<PathBuf>,
    registry: Option<Arc<Store>>,
}

/// A client configuration. Shared: usable by any number of threads at once. Besides its
/// settings it keeps, safely shared, the host-auth entries of the connections made with it:
/// their method lists from the rc files, success and failure counters, and the established
/// authentications (reuse tokens) that later connections to the same host and user reuse.
/// They live in a registry of its own, or in the caller's
/// (`daemonauth_hostauth_client_config_builder_set_registry`), where the caller can read them.
/// Free with `daemonauth_hostauth_client_config_free`.
pub struct daemonauth_hostauth_client_config(pub(super) ClientState);

pub(super) struct ClientState {
    config: ClientConfig,
    env: RcEnv,
    files: Mutex<AuthrcCache>,
    pub(super) entries: Arc<Store>,
}

/// The process environment, with `$ROOTAUTHRC` replaced when the builder named a file.
struct RcEnv(Option<PathBuf>);

impl Env for RcEnv {
    fn var(&self, name: &str) -> Option<std::ffi::OsString> {
        match (&self.0, name) {
            (Some(path), "ROOTAUTHRC") => Some(path.clone().into_os_string()),
            _ => ProcessEnv.var(name),
        }
    }

    fn superuser(&self) -> bool {
        ProcessEnv.superuser()
    }
}

/// An authenticated session (either side). One thread at a time. Free with
/// `daemonauth_hostauth_session_free`.
pub struct daemonauth_hostauth_session {
    method: HostauthMethod,
    user: CString,
    login: CString,
    client_host: CString,
    /// The client's GSS-API principal (daemon side, krb5 and globus), else "".
    principal: CString,
    /// The credentials the client delegated (daemon side, krb5 and globus with `dg:yes`).
    delegated: Option<Arc<Cred>>,
    reused: bool,
    revoked: bool,
    daemon_key_verified: bool,
    /// The daemon's public key in hex.
    daemon_key: CString,
    token_expires: u64,
}

/// The server kind of a connection: a `daemonauth_hostauth_server` other than ANY (a
/// connection is to one daemon).
pub(super) fn one_server_kind(server: c_int) -> Result<ServerKind> {
    server_kind(server)?.ok_or_else(|| {
        Error::new(ErrorCode::InvalidArgument, "server_kind: a connection is to one kind of daemon, not ANY")
    })
}

fn c_text(bytes: &[u8]) -> Result<CString> {
    CString::new(bytes).map_err(|_| Error::new(ErrorCode::Internal, "a result string contains a NUL byte"))
}

/// Writes a new daemon key file at `path` (created with mode 0600; an existing file is not
/// overwritten: DAEMONAUTH_RESULT_IO). The key's public half, which clients pin, is printed by
/// `daemonauth_hostauth_key_public`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_key_generate(path: *const c_char) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let path = unsafe { arg_str(path, "path") }?;
        let key = StaticKey::generate()?;
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|err| Error::io(format!("creating the key file {path}"), &err))?;
        file.write_all(key.file_text().as_bytes()).map_err(|err| Error::io(format!("writing {path}"), &err))
    }
}

/// Stores the public key of the daemon key file at `path` (64 hexadecimal digits, the form a
/// known-hosts line and `daemonauth_hostauth_client_config_builder_set_pinned_key` take) in
/// `*hex_out`; free it with `daemonauth_string_free`. The file must be private to the caller
/// (DAEMONAUTH_RESULT_INSECURE_FILE otherwise).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_key_public(path: *const c_char, hex_out: *mut *mut c_char) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { clear_out(hex_out, "hex_out") }?;
        // SAFETY: NULL or a NUL-terminated string.
        let path = unsafe { arg_str(path, "path") }?;
        let key = StaticKey::load(path.as_ref())?;
        // SAFETY: checked non-NULL above.
        unsafe { give_string(hex_out, hex(&key.public), "hex_out") }
    }
}

/// Starts building a daemon configuration, with the defaults: a rootd, the standard access files
/// (`$ROOTDAEMONRC`, `~/.rootdaemonrc`, the system file), passwords checked through the PAM
/// service `rootd`, no anonymous logins, no reuse tokens, 30 s per message, 120 s per session,
/// 2 s before a failure is answered, tokens valid at most 24 h. A key file must be set.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_server_config_builder_new(
    builder_out: *mut *mut daemonauth_hostauth_server_config_builder,
) -> ErrorCode {
    ffi_boundary! {
        // A throwaway key until `_build` reads the key file (a ServerConfig always has one).
        let placeholder = Arc::new(StaticKey::generate()?);
        let builder = daemonauth_hostauth_server_config_builder { key_file: None, config: ServerConfig::new(placeholder) };
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { give_handle(builder_out, builder, "builder_out") }
    }
}

/// Optional path argument.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
unsafe fn opt_path(path: *const c_char, name: &str) -> Result<Option<PathBuf>> {
    // SAFETY: forwarded contract.
    Ok(unsafe { arg_opt_str(path, name) }?.map(PathBuf::from))
}

/// Sets the daemon's key file (required; see `daemonauth_hostauth_key_generate`). It is read
/// by `daemonauth_hostauth_server_config_builder_build`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_server_config_builder_set_key_file(
    builder: *mut daemonauth_hostauth_server_config_builder,
    path: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let path = unsafe { arg_str(path, "path") }?;
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.key_file = Some(path.into())) }
    }
}

/// Sets the daemon access file (`.rootdaemonrc` format), read at every accept; NULL restores
/// the standard lookup (`$ROOTDAEMONRC`, `~/.rootdaemonrc`, the system file, else the built-in
/// default).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_server_config_builder_set_access_file(
    builder: *mut daemonauth_hostauth_server_config_builder,
    path: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let path = unsafe { opt_path(path, "path") }?;
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.config.access_file = path) }
    }
}

/// Sets what this daemon is: `server_kind` is a `daemonauth_hostauth_server` other than ANY
/// (DAEMONAUTH_RESULT_INVALID_ARGUMENT); the default is ROOTD. It selects the access file's
/// `:rootd`/`:proofd`/`:sockd` rules, and a client that asks for another kind of daemon is
/// refused with DAEMONAUTH_RESULT_ACCESS_DENIED.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_server_config_builder_set_server_kind(
    builder: *mut daemonauth_hostauth_server_config_builder,
    server_kind: c_int,
) -> ErrorCode {
    ffi_boundary! {
        let kind = one_server_kind(server_kind)?;
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.config.kind = kind) }
    }
}

/// Sets how usrpwd passwords are checked: `mode` is a `daemonauth_hostauth_password_check`;
/// `argument` is the PAM service (NULL: `rootd`) or the password file's path (required), and
/// is ignored for SYSTEM_CRYPT.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_server_config_builder_set_password_check(
    builder: *mut daemonauth_hostauth_server_config_builder,
    mode: c_int,
    argument: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let argument = unsafe { arg_opt_str(argument, "argument") }?;
        let check = match HostauthPasswordCheck::from_c(mode)? {
            HostauthPasswordCheck::Pam => PasswordCheck::Pam(argument.unwrap_or("rootd").to_owned()),
            HostauthPasswordCheck::SystemCrypt => PasswordCheck::SystemCrypt,
            HostauthPasswordCheck::File => PasswordCheck::File(
                argument.ok_or_else(|| Error::new(ErrorCode::NullArgument, "argument: the password file is required"))?.into(),
            ),
        };
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.config.passwords = check) }
    }
}

/// Enables or disables ROOT's anonymous usrpwd mode (off by default): user `anonymous` with any
/// password that contains `@` (an e-mail address) logs in as `anonymous`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_server_config_builder_set_anonymous(
    builder: *mut daemonauth_hostauth_server_config_builder,
    enabled: bool,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.config.anonymous = enabled) }
    }
}

/// Sets the reuse secret file shared by a farm of daemons (`<key id> <hex secret>` lines,
/// private to the daemon's user); NULL (the default) issues no reuse tokens. It is read at
/// every session, so a new key takes effect without a restart.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_server_config_builder_set_secret_file(
    builder: *mut daemonauth_hostauth_server_config_builder,
    path: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let path = unsafe { opt_path(path, "path") }?;
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.config.secret_file = path) }
    }
}

/// Sets the GSS-API acceptor of methods 2 krb5 and 3 globus: `service` is the host-based
/// service name it accepts as (`host@this.host.name`; NULL: any key of the keytab) and `keytab`
/// the keytab (NULL: the default, `KRB5_KTNAME`). Both NULL is the default. The credentials are
/// acquired at every session; a daemon that has none refuses these methods as unavailable
/// (logged) and negotiation goes on. The client's principal may log in as the user it asks for
/// under the mechanism's rules (Kerberos: the user's `~/.k5login`, else
/// `krb5_aname_to_localname`); `daemonauth_hostauth_session_principal` tells which it was.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_server_config_builder_set_gss_acceptor(
    builder: *mut daemonauth_hostauth_server_config_builder,
    service: *const c_char,
    keytab: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or NUL-terminated strings.
        let (service, keytab) = unsafe { (arg_opt_str(service, "service")?, opt_path(keytab, "keytab")?) };
        let gss = AcceptorConfig { service: service.map(str::to_owned), keytab };
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.config.gss = gss) }
    }
}

/// Sets the SRP verifier file of method 1 srp (`user:bits:salt:verifier` lines written by
/// `daemonauth_hostauth_srp_set_verifier`, private to the daemon's user), read at every
/// session; NULL (the default): this daemon refuses srp as unavailable.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_server_config_builder_set_srp_file(
    builder: *mut daemonauth_hostauth_server_config_builder,
    path: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let path = unsafe { opt_path(path, "path") }?;
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.config.srp_file = path) }
    }
}

/// Adds or changes `user`'s SRP verifier in the verifier file at `path` (created with mode 0600
/// when absent; else it must be private, and is replaced whole by a rename). The new password is
/// asked of `responder` (question `password`, challenge
/// `{"service":"hostauth","method":"srp","purpose":"set verifier","user":…}`); the verifier uses
/// the RFC 5054 group of `bits` bits: 2048, 3072 or 4096 (0: 2048). Fails with
/// DAEMONAUTH_RESULT_INVALID_ARGUMENT (another size, an empty password, a user name with `:`),
/// DAEMONAUTH_RESULT_UNANSWERED, DAEMONAUTH_RESULT_INSECURE_FILE, DAEMONAUTH_RESULT_CONFIG (a
/// malformed file), DAEMONAUTH_RESULT_IO.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_srp_set_verifier(
    path: *const c_char,
    user: *const c_char,
    bits: u32,
    responder: *const daemonauth_responder,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or NUL-terminated strings; NULL or a live responder from this library.
        let (path, user, responder) = unsafe {
            (arg_str(path, "path")?, arg_c_bytes(user, "user")?, handle_ref(responder, "responder")?)
        };
        let shown = String::from_utf8_lossy(user);
        let challenge =
            json::object(&[("service", "hostauth"), ("method", "srp"), ("purpose", "set verifier"), ("user", &shown)]);
        let question = Question::new(PASSWORD, challenge, format!("New SRP password for {shown}"));
        let answers = responder.responder.ask(&[question])?;
        let password = answers.get(PASSWORD).expect("ask() returns every required answer");
        let bits = if bits == 0 { srp::DEFAULT_BITS } else { bits };
        srp::set_verifier(std::path::Path::new(path), user, password.as_bytes(), bits)
    }
}

/// Sets where method 4 ssh finds a user's authorized keys: a path in which `%h` is the user's
/// home directory, `%u` the user name and `%%` a percent sign (sshd's AuthorizedKeysFile); NULL
/// restores the default, `%h/.ssh/authorized_keys`. The file and its directory must belong to
/// the user (or root) and be writable by no one else. Options: `from="..."` is honoured; the
/// session restrictions (`restrict`, `no-pty`, `no-port-forwarding`, ...) hold since this daemon
/// opens nothing; a key with any other option (`command=`, `principals=`, `expiry-time=`, ...)
/// is not accepted.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_server_config_builder_set_authorized_keys(
    builder: *mut daemonauth_hostauth_server_config_builder,
    pattern: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let pattern = unsafe { arg_opt_str(pattern, "pattern") }?.unwrap_or(ssh::DEFAULT_AUTHORIZED_KEYS).to_owned();
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.config.authorized_keys = pattern) }
    }
}

/// Sets the file that records revoked reuse tokens; NULL (the default) means the secret file's
/// path with `.revoked` appended. Daemons sharing a secret file should share this file too.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_server_config_builder_set_revocation_file(
    builder: *mut daemonauth_hostauth_server_config_builder,
    path: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let path = unsafe { opt_path(path, "path") }?;
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.config.revocation_file = path) }
    }
}

/// Sets how long one message read or write may take, in milliseconds; 0 restores the default
/// (30 000).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_server_config_builder_set_timeout_ms(
    builder: *mut daemonauth_hostauth_server_config_builder,
    timeout_ms: u32,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.config.timeout = timeout_or(timeout_ms, DEFAULT_TIMEOUT)) }
    }
}

/// Sets how long a whole session (channel, negotiation, reuse) may take, in milliseconds; 0
/// restores the default (120 000).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_server_config_builder_set_exchange_timeout_ms(
    builder: *mut daemonauth_hostauth_server_config_builder,
    timeout_ms: u32,
) -> ErrorCode {
    ffi_boundary! {
        let timeout = timeout_or(timeout_ms, DEFAULT_EXCHANGE_TIMEOUT);
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.config.exchange_timeout = timeout) }
    }
}

/// Sets the longest validity of a reuse token, in seconds (a client asks for its `.Valid`
/// setting and gets at most this); 0 restores the default (86 400).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_server_config_builder_set_max_validity_s(
    builder: *mut daemonauth_hostauth_server_config_builder,
    seconds: u32,
) -> ErrorCode {
    ffi_boundary! {
        let validity = if seconds == 0 { DEFAULT_MAX_VALIDITY } else { Duration::from_secs(u64::from(seconds)) };
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.config.max_validity = validity) }
    }
}

/// Sets how long the daemon waits before answering a failed method (a wrong password, a wrong
/// uid) or a wrong reuse proof, in milliseconds; 0 restores the default (2 000).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_server_config_builder_set_fail_delay_ms(
    builder: *mut daemonauth_hostauth_server_config_builder,
    delay_ms: u32,
) -> ErrorCode {
    ffi_boundary! {
        let delay = timeout_or(delay_ms, DEFAULT_FAIL_DELAY);
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.config.fail_delay = delay) }
    }
}

/// Reads the key file and turns the builder into a configuration in `*config_out`. The builder
/// is consumed, whether this succeeds or not. Fails with DAEMONAUTH_RESULT_INVALID_ARGUMENT
/// without a key file, DAEMONAUTH_RESULT_INSECURE_FILE when group or others can read it.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_server_config_builder_build(
    builder: *mut daemonauth_hostauth_server_config_builder,
    config_out: *mut *mut daemonauth_hostauth_server_config,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a builder from this library that the caller gives up.
        let mut builder = unsafe { take_handle(builder, "builder") }?;
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { clear_out(config_out, "config_out") }?;
        let path = builder
            .key_file
            .ok_or_else(|| Error::new(ErrorCode::InvalidArgument, "no key file was set"))?;
        builder.config.key = Arc::new(StaticKey::load(&path)?);
        let config = daemonauth_hostauth_server_config(Arc::new(builder.config));
        // SAFETY: checked non-NULL above.
        unsafe { give_handle(config_out, config, "config_out") }
    }
}

/// Frees a daemon builder that was never built. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_server_config_builder_free(
    builder: *mut daemonauth_hostauth_server_config_builder,
) {
    // SAFETY: NULL or a builder from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(builder) } }
}

/// Frees a daemon configuration. NULL is a no-op. No call may be using it any more.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_server_config_free(config: *mut daemonauth_hostauth_server_config) {
    // SAFETY: NULL or a configuration from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(config) } }
}

/// Runs the daemon's side of one session on `read_fd`/`write_fd` (the same number for a
/// socket): the encrypted channel, negotiation against the access file for the client's host
/// and user, the method (or a reuse token). On success the session goes to `*session_out`; a
/// client that only revoked its token also succeeds, with
/// `daemonauth_hostauth_session_revoked` true: serve it nothing. Fails with
/// DAEMONAUTH_RESULT_ACCESS_DENIED (no method accepted), DAEMONAUTH_RESULT_AUTH_FAILED (every
/// accepted method failed, or a relayed session), DAEMONAUTH_RESULT_TIMEOUT,
/// DAEMONAUTH_RESULT_PROTOCOL, DAEMONAUTH_RESULT_UNSUPPORTED (another protocol version).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_server_accept(
    config: *const daemonauth_hostauth_server_config,
    read_fd: c_int,
    write_fd: c_int,
    session_out: *mut *mut daemonauth_hostauth_session,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { clear_out(session_out, "session_out") }?;
        // SAFETY: NULL or a live configuration.
        let config = unsafe { handle_ref(config, "config") }?;
        let session = negotiate::accept(&config.0, read_fd, write_fd)?;
        let handle = daemonauth_hostauth_session {
            method: session.method.into(),
            user: c_text(&session.user)?,
            login: c_text(&session.login)?,
            client_host: c_text(&session.client_host)?,
            principal: c_text(session.principal.as_deref().unwrap_or_default())?,
            delegated: session.delegated,
            reused: session.reused,
            revoked: session.revoked,
            daemon_key_verified: true,
            daemon_key: c_text(hex(&config.0.key.public).as_bytes())?,
            token_expires: session.token_expires,
        };
        // SAFETY: checked non-NULL above.
        unsafe { give_handle(session_out, handle, "session_out") }
    }
}

/// Starts building a client configuration, with the defaults: the standard rc files
/// (`$ROOTAUTHRC`, `~/.rootauthrc`, the system file, and `.rootrc`), no pinned daemon key (any
/// key is taken and the session says so), no responder (usrpwd cannot be used), GSS-API
/// service `host`, the ssh-agent of `$SSH_AUTH_SOCK`, 30 s per message, 120 s per session.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_client_config_builder_new(
    builder_out: *mut *mut daemonauth_hostauth_client_config_builder,
) -> ErrorCode {
    ffi_boundary! {
        let config = ClientConfig {
            pin: Pin::None,
            responder: None,
            gss_service: DEFAULT_GSS_SERVICE.into(),
            gss_cred: None,
            ssh_agent: std::env::var_os("SSH_AUTH_SOCK").filter(|s| !s.is_empty()).map(PathBuf::from),
            timeout: DEFAULT_TIMEOUT,
            exchange_timeout: DEFAULT_EXCHANGE_TIMEOUT,
        };
        let builder = daemonauth_hostauth_client_config_builder(ClientBuilder { config, authrc_file: None, registry: None });
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { give_handle(builder_out, builder, "builder_out") }
    }
}

/// Sets the client's rc file in place of `$ROOTAUTHRC` (NULL: the standard lookup).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_client_config_builder_set_authrc_file(
    builder: *mut daemonauth_hostauth_client_config_builder,
    path: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let path = unsafe { opt_path(path, "path") }?;
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.0.authrc_file = path) }
    }
}

/// Pins the daemon's public key (64 hexadecimal digits): any other key fails the session with
/// DAEMONAUTH_RESULT_KEY_MISMATCH. Replaces a known-hosts file.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_client_config_builder_set_pinned_key(
    builder: *mut daemonauth_hostauth_client_config_builder,
    hex_key: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let text = unsafe { arg_c_bytes(hex_key, "hex_key") }?;
        let key = unhex::<32>(text)
            .ok_or_else(|| Error::new(ErrorCode::InvalidArgument, "hex_key: not 64 hexadecimal digits"))?;
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.0.config.pin = Pin::Key(key)) }
    }
}

/// Sets a known-hosts file (`<host> <64 hex digits>` lines, `#` comments), read at every
/// connection: a host it lists must present that key (DAEMONAUTH_RESULT_KEY_MISMATCH
/// otherwise); a host it does not list is taken on trust. Replaces a pinned key; NULL removes
/// the pin.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_client_config_builder_set_known_hosts_file(
    builder: *mut daemonauth_hostauth_client_config_builder,
    path: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let pin = unsafe { opt_path(path, "path") }?.map_or(Pin::None, Pin::KnownHosts);
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.0.config.pin = pin) }
    }
}

/// Sets the responder asked for passwords (question `password`, challenge
/// `{"service":"hostauth","method":"usrpwd","user":…,"host":…}`); the configuration takes its
/// own reference. NULL removes it.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_client_config_builder_set_responder(
    builder: *mut daemonauth_hostauth_client_config_builder,
    responder: *const daemonauth_responder,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live responder from this library.
        let responder = unsafe { responder.as_ref() }.map(|r| r.responder.clone());
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.0.config.responder = responder) }
    }
}

/// Sets the GSS-API service that methods 2 krb5 and 3 globus authenticate to: the target is
/// `<service>@<host>` (a host-based service name). NULL restores the default, `host` (ROOT's).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_client_config_builder_set_gss_service(
    builder: *mut daemonauth_hostauth_client_config_builder,
    service: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let service = unsafe { arg_opt_str(service, "service") }?.unwrap_or(DEFAULT_GSS_SERVICE).to_owned();
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.0.config.gss_service = service) }
    }
}

/// Makes krb5 and globus authenticate with the credentials a client delegated to this daemon in
/// `session` (a daemon-side session whose client had `dg:yes`;
/// `daemonauth_hostauth_session_delegated`), so that a daemon acting as a PROOF-style master
/// authenticates onward to its workers as that client; the configuration keeps its own
/// reference to them, and the session may be freed. NULL restores the default (the ticket
/// cache, else a ticket through the responder). Fails with DAEMONAUTH_RESULT_NOT_FOUND when the
/// session holds no delegated credentials.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_client_config_builder_set_delegated_credentials(
    builder: *mut daemonauth_hostauth_client_config_builder,
    session_handle: *const daemonauth_hostauth_session,
) -> ErrorCode {
    ffi_boundary! {
        let cred = if session_handle.is_null() {
            None
        } else {
            // SAFETY: a live session (checked non-NULL).
            let session = unsafe { session(session_handle) }?;
            Some(session.delegated.clone().ok_or_else(|| {
                Error::new(ErrorCode::NotFound, "the session holds no delegated credentials (the client had no dg:yes)")
            })?)
        };
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.0.config.gss_cred = cred) }
    }
}

/// Sets the ssh-agent socket that method 4 ssh asks for keys and signatures when the method's
/// details name no key file (`kf:`); NULL: no agent. The default is `$SSH_AUTH_SOCK` when the
/// builder was made.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_client_config_builder_set_ssh_agent(
    builder: *mut daemonauth_hostauth_client_config_builder,
    path: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a NUL-terminated string.
        let path = unsafe { opt_path(path, "path") }?;
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.0.config.ssh_agent = path) }
    }
}

/// Sets how long one message read or write may take, in milliseconds; 0 restores the default
/// (30 000).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_client_config_builder_set_timeout_ms(
    builder: *mut daemonauth_hostauth_client_config_builder,
    timeout_ms: u32,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.0.config.timeout = timeout_or(timeout_ms, DEFAULT_TIMEOUT)) }
    }
}

/// Sets how long a whole session may take, in milliseconds; 0 restores the default (120 000).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_client_config_builder_set_exchange_timeout_ms(
    builder: *mut daemonauth_hostauth_client_config_builder,
    timeout_ms: u32,
) -> ErrorCode {
    ffi_boundary! {
        let timeout = timeout_or(timeout_ms, DEFAULT_EXCHANGE_TIMEOUT);
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.0.config.exchange_timeout = timeout) }
    }
}

/// Keeps the host-auth entries of this configuration's connections in `registry` instead of
/// a registry of the configuration's own; the configuration takes its own reference. Each
/// session reads the rc files' entry for its host, user and server kind into it and, once
/// over, adds the successes and failures it counted and the authentication it established
/// (whether it holds a reuse token, its expiry; never the token itself), so that the caller
/// sees them through `daemonauth_hostauth_registry_get` and the entry functions. Sessions
/// running at once on one entry each add their own changes. Configurations that share a
/// registry share their established authentications. NULL restores a registry of the
/// configuration's own.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_client_config_builder_set_registry(
    builder: *mut daemonauth_hostauth_client_config_builder,
    registry: *const daemonauth_hostauth_registry,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live registry from this library.
        let store = unsafe { registry.as_ref() }.map(|r| Arc::clone(&r.0));
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change_handle(builder, "builder", |b| b.0.registry = store) }
    }
}

/// Turns the builder into a configuration in `*config_out`. The builder is consumed, whether
/// this succeeds or not.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_client_config_builder_build(
    builder: *mut daemonauth_hostauth_client_config_builder,
    config_out: *mut *mut daemonauth_hostauth_client_config,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a builder from this library that the caller gives up.
        let builder = unsafe { take_handle(builder, "builder") }?.0;
        let state = ClientState {
            config: builder.config,
            env: RcEnv(builder.authrc_file),
            files: Mutex::new(AuthrcCache::default()),
            entries: builder.registry.unwrap_or_default(),
        };
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { give_handle(config_out, daemonauth_hostauth_client_config(state), "config_out") }
    }
}

/// Frees a client builder that was never built. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_client_config_builder_free(
    builder: *mut daemonauth_hostauth_client_config_builder,
) {
    // SAFETY: NULL or a builder from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(builder) } }
}

/// Frees a client configuration and the entries it keeps. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_client_config_free(config: *mut daemonauth_hostauth_client_config) {
    // SAFETY: NULL or a configuration from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(config) } }
}

/// The entry key for a connection, its methods merged from the rc files (re-read when changed).
fn entry_key(state: &ClientState, host: &[u8], user: &[u8], server: ServerKind) -> Key {
    let (rootrc, authrc) = state.files.lock().get(&state.env);
    for diagnostic in rootrc.diagnostics().iter().chain(authrc.diagnostics()) {
        crate::log_warn!("{diagnostic}");
    }
    authrc.read_into(state.entries.registry(), &HostId::name(host), user, Some(server), &rootrc)
}

/// Authenticates as `user` to the daemon on `host` (the name the rc files and the known-hosts
/// file know it by) of kind `server_kind` (a `daemonauth_hostauth_server` other than ANY:
/// DAEMONAUTH_RESULT_INVALID_ARGUMENT) over
/// `read_fd`/`write_fd`: the channel (checking the daemon's key against the pin), then the
/// methods of the rc files' entry for (host, user, kind) in order, as negotiated with the
/// daemon; an unexpired reuse token from an earlier session of this configuration is proven
/// first. Updates the entry's counters and keeps a new token. On success the session goes to
/// `*session_out`. Fails with DAEMONAUTH_RESULT_ACCESS_DENIED (no method in common),
/// DAEMONAUTH_RESULT_KEY_MISMATCH (not the pinned daemon key), DAEMONAUTH_RESULT_UNANSWERED (no
/// password), DAEMONAUTH_RESULT_TIMEOUT, DAEMONAUTH_RESULT_PROTOCOL.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_client_authenticate(
    config: *const daemonauth_hostauth_client_config,
    read_fd: c_int,
    write_fd: c_int,
    host: *const c_char,
    user: *const c_char,
    server_kind: c_int,
    session_out: *mut *mut daemonauth_hostauth_session,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { clear_out(session_out, "session_out") }?;
        // SAFETY: NULL or a live configuration; NULL or NUL-terminated strings.
        let (state, host, user) =
            unsafe { (&handle_ref(config, "config")?.0, arg_c_bytes(host, "host")?, arg_c_bytes(user, "user")?) };
        let server = one_server_kind(server_kind)?;
        let key = entry_key(state, host, user, server);
        let entries = state.entries.registry();
        let before = entries.get(&key).ok_or_else(|| Error::new(ErrorCode::NotFound, "the entry was removed"))?;
        let mut entry = before.clone();
        let (rootrc, _) = state.files.lock().get(&state.env);
        let outcome = negotiate::authenticate(&state.config, &rootrc, &mut entry, server, read_fd, write_fd);
        // Other sessions on this entry may have run meanwhile: merge, do not overwrite.
        entries.with(&key, |kept| kept.apply_session(&before, &entry));
        let session = outcome?;
        let handle = daemonauth_hostauth_session {
            method: session.method.into(),
            user: c_text(user)?,
            login: c_text(&session.login)?,
            client_host: c_text(b"")?,
            principal: c_text(b"")?,
            delegated: None,
            reused: session.reused,
            revoked: false,
            daemon_key_verified: session.daemon_key_verified,
            daemon_key: c_text(hex(&session.daemon_key).as_bytes())?,
            token_expires: token_expiry(&before, &entry, &session),
        };
        // SAFETY: checked non-NULL above.
        unsafe { give_handle(session_out, handle, "session_out") }
    }
}

/// When the token a client session was given (a fresh authentication) or proved (a reuse)
/// expires, in seconds since the epoch; 0 when there is none. `after` is the session's copy of
/// its entry, `before` the copy it started from: a token given was appended, a token proved is
/// the newest active one of the method.
fn token_expiry(before: &HostAuth, after: &HostAuth, session: &ClientSession) -> u64 {
    let token = if session.reused {
        after.established().iter().rev().find(|e| e.method == session.method && e.active && !e.token.is_empty())
    } else {
        after.established().get(before.established().len())
    };
    token.and_then(|e| e.expires.duration_since(SystemTime::UNIX_EPOCH).ok()).map_or(0, |d| d.as_secs())
}

/// Revokes the reuse tokens this configuration holds for (`host`, `user`, `server_kind`) at the
/// daemon on `read_fd`/`write_fd` (explicit cleanup; one connection per token, so this revokes
/// the newest one and forgets it), then forgets expired ones. `server_kind` is a
/// `daemonauth_hostauth_server` other than ANY (DAEMONAUTH_RESULT_INVALID_ARGUMENT). Fails with
/// DAEMONAUTH_RESULT_NOT_FOUND when there is no token to revoke.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_client_revoke(
    config: *const daemonauth_hostauth_client_config,
    read_fd: c_int,
    write_fd: c_int,
    host: *const c_char,
    user: *const c_char,
    server_kind: c_int,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live configuration; NULL or NUL-terminated strings.
        let (state, host, user) =
            unsafe { (&handle_ref(config, "config")?.0, arg_c_bytes(host, "host")?, arg_c_bytes(user, "user")?) };
        let server = one_server_kind(server_kind)?;
        let key = Key { host: host.to_vec(), user: user.to_vec(), server: Some(server) };
        let now = SystemTime::now();
        let newest = state
            .entries
            .registry()
            .with(&key, |entry| {
                entry.cleanup(now);
                entry.established().iter().rev().find(|e| !e.token.is_empty()).cloned()
            })
            .flatten()
            .ok_or_else(|| Error::new(ErrorCode::NotFound, "no reuse token is held for this host and user"))?;
        negotiate::revoke(&state.config, host, server, &newest, read_fd, write_fd)?;
        state.entries.registry().with(&key, |entry| {
            entry.deactivate_token(&newest.token);
            entry.cleanup(now);
        });
        Ok(())
    }
}

/// Frees a session. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_session_free(session: *mut daemonauth_hostauth_session) {
    // SAFETY: NULL or a session from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(session) } }
}

/// Borrows a session.
///
/// # Safety
/// `session` is NULL or a live session.
unsafe fn session<'a>(session: *const daemonauth_hostauth_session) -> Result<&'a daemonauth_hostauth_session> {
    // SAFETY: forwarded contract.
    unsafe { handle_ref(session, "session") }
}

/// Stores one field of a session through an out-pointer.
///
/// # Safety
/// `session_handle` is NULL or a live session; `out` is NULL or writable.
unsafe fn give_field<T>(
    session_handle: *const daemonauth_hostauth_session,
    out: *mut T,
    name: &str,
    field: impl FnOnce(&daemonauth_hostauth_session) -> T,
) -> Result<()> {
    // SAFETY: forwarded contract.
    unsafe { give_value(out, field(session(session_handle)?), name) }
}

/// A string field of a session, valid until the session is freed.
///
/// # Safety
/// `session_handle` is NULL or a live session.
unsafe fn text_field(
    session_handle: *const daemonauth_hostauth_session,
    field: impl FnOnce(&daemonauth_hostauth_session) -> &CString,
) -> Result<*const c_char> {
    // SAFETY: forwarded contract.
    Ok(field(unsafe { session(session_handle) }?).as_ptr())
}

/// Stores the method that authenticated the session in `*method_out`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_session_method(
    session_handle: *const daemonauth_hostauth_session,
    method_out: *mut HostauthMethod,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live session; NULL or a writable pointer.
        unsafe { give_field(session_handle, method_out, "method_out", |s| s.method) }
    }
}

/// The user the client asked to be. Valid until the session is freed; NULL for a NULL session.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_session_user(
    session_handle: *const daemonauth_hostauth_session,
) -> *const c_char {
    // SAFETY: NULL or a live session.
    ffi_boundary! { unsafe { text_field(session_handle, |s| &s.user) } }
}

/// Who the client is now: the user, or `anonymous` in anonymous mode. Valid until the session
/// is freed; NULL for a NULL session.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_session_login(
    session_handle: *const daemonauth_hostauth_session,
) -> *const c_char {
    // SAFETY: NULL or a live session.
    ffi_boundary! { unsafe { text_field(session_handle, |s| &s.login) } }
}

/// On the daemon's side, the client's host as the daemon knows it (its reverse-resolved name
/// when that name resolves back to its address, else its address; `localhost` over a Unix
/// socket); "" on the client's side.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_session_client_host(
    session_handle: *const daemonauth_hostauth_session,
) -> *const c_char {
    // SAFETY: NULL or a live session.
    ffi_boundary! { unsafe { text_field(session_handle, |s| &s.client_host) } }
}

/// On the daemon's side, the client's GSS-API principal when krb5 or globus authenticated the
/// session (`alice@EXAMPLE.ORG`), else ""; "" on the client's side. Valid until the session is
/// freed; NULL for a NULL session.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_session_principal(
    session_handle: *const daemonauth_hostauth_session,
) -> *const c_char {
    // SAFETY: NULL or a live session.
    ffi_boundary! { unsafe { text_field(session_handle, |s| &s.principal) } }
}

/// Stores in `*delegated_out` whether the client delegated its GSS-API credentials in this
/// session (daemon side; krb5 and globus with the client's `dg:yes`); false on the client's
/// side. See `daemonauth_hostauth_client_config_builder_set_delegated_credentials`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_session_delegated(
    session_handle: *const daemonauth_hostauth_session,
    delegated_out: *mut bool,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live session; NULL or a writable pointer.
        unsafe { give_field(session_handle, delegated_out, "delegated_out", |s| s.delegated.is_some()) }
    }
}

/// Stores in `*reused_out` whether the session was authenticated by a reuse token.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_session_reused(
    session_handle: *const daemonauth_hostauth_session,
    reused_out: *mut bool,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live session; NULL or a writable pointer.
        unsafe { give_field(session_handle, reused_out, "reused_out", |s| s.reused) }
    }
}

/// Stores in `*revoked_out` whether the client only revoked its reuse token (daemon side): the
/// connection is then to be closed without serving anything.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_session_revoked(
    session_handle: *const daemonauth_hostauth_session,
    revoked_out: *mut bool,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live session; NULL or a writable pointer.
        unsafe { give_field(session_handle, revoked_out, "revoked_out", |s| s.revoked) }
    }
}

/// Stores in `*verified_out` whether the daemon's key matched a pin (client side; always true
/// on the daemon's side). False means the daemon's identity was taken on trust: a man in the
/// middle could have read a usrpwd password.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_session_daemon_key_verified(
    session_handle: *const daemonauth_hostauth_session,
    verified_out: *mut bool,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live session; NULL or a writable pointer.
        unsafe { give_field(session_handle, verified_out, "verified_out", |s| s.daemon_key_verified) }
    }
}

/// The daemon's public key, 64 hexadecimal digits (the form of a known-hosts line and of
/// `daemonauth_hostauth_client_config_builder_set_pinned_key`): on the client's side the key
/// the daemon proved it holds in this session, so that a client whose session was not verified
/// can ask its user and record `<host> <key>` in its known-hosts file (trust on first use); on
/// the daemon's side its own key. Valid until the session is freed; NULL for a NULL session.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_session_daemon_key(
    session_handle: *const daemonauth_hostauth_session,
) -> *const c_char {
    // SAFETY: NULL or a live session.
    ffi_boundary! { unsafe { text_field(session_handle, |s| &s.daemon_key) } }
}

/// Stores in `*expires_out` when the reuse token issued or used in this session expires, in
/// seconds since the epoch (on the client's side: the token the daemon gave it, or the one it
/// proved); 0 when there is none.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_session_token_expires(
    session_handle: *const daemonauth_hostauth_session,
    expires_out: *mut u64,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live session; NULL or a writable pointer.
        unsafe { give_field(session_handle, expires_out, "expires_out", |s| s.token_expires) }
    }
}
