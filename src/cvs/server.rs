//! The server side: reads and checks a pserver, verification or gserver request and answers
//! it exactly as cvs 1.12.13 does — but with constant-time hash comparisons, empty hashes
//! refused unless allowed, no hash ever logged, and a delay after a failed password.
//!
//! [`authenticate`] sends every refusal itself and returns a [`Session`] on success without
//! answering yet: the caller switches to the system user ([`Session::switch_user`]) and then
//! sends `I LOVE YOU` ([`Session::accept`]), as cvs does in that order.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::passwd;
use super::request::{self, I_HATE_YOU, I_LOVE_YOU, MAX_LINE, RequestKind};
use super::root::Method;
use super::scramble;
use crate::error::{Error, ErrorCode, Result};
use crate::framing::Framing;
use crate::gss::{self, Cred, Usage, oids};
use crate::io::Channel;
use crate::limits::Limiter;
use crate::sysauth::sys::{self, Passwd, Regex};
use crate::sysauth::{HashCheck, check_hash, check_system_crypt, pam};
use crate::{log_info, log_warn, net};

/// The default idle limit of an authenticated session: 10 minutes.
/// cbindgen:ignore
pub const DEFAULT_IDLE: Duration = Duration::from_secs(600);

/// The default time the whole request may take: 30 seconds.
/// cbindgen:ignore
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The default pause before refusing a wrong password: 2 seconds.
/// cbindgen:ignore
pub const DEFAULT_FAIL_DELAY: Duration = Duration::from_secs(2);

/// How the passwords of users missing from `CVSROOT/passwd` are checked when the
/// repository's `SystemAuth` is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SystemPasswords {
    /// Through PAM (the default).
    Pam,
    /// `getpwnam`/`getspnam` and crypt(3).
    Crypt,
    /// Never: only `CVSROOT/passwd` users get in.
    Off,
}

/// The server's policy.
pub struct ServerOptions {
    /// Repositories clients may name, exactly (`--allow-root`).
    pub roots: Vec<String>,
    /// POSIX extended regular expressions a repository may match (`--allow-root-regexp`).
    pub root_patterns: Vec<Regex>,
    /// The time the whole request may take: build the channel given to [`authenticate`]
    /// with it ([`ServerOptions::channel`]).
    pub timeout: Duration,
    /// The longest request line.
    pub max_line: usize,
    /// How long an authenticated session may stay stuck: both sides silent, or one side not
    /// taking what the other sent ([`super::relay::relay`]).
    pub idle: Duration,
    /// The pause before refusing a wrong password.
    pub fail_delay: Duration,
    /// Whether an empty hash in `CVSROOT/passwd` lets any password in (cvs's behaviour).
    pub allow_empty_password: bool,
    pub system_passwords: SystemPasswords,
    /// The PAM service name.
    pub pam_service: String,
    /// The key table for gserver (None: the process default, `KRB5_KTNAME`).
    pub keytab: Option<String>,
    /// Throttles failed passwords per client address and per user, if set.
    pub limiter: Option<Arc<Limiter>>,
}

impl Default for ServerOptions {
    fn default() -> ServerOptions {
        ServerOptions {
            roots: Vec::new(),
            root_patterns: Vec::new(),
            timeout: DEFAULT_REQUEST_TIMEOUT,
            max_line: MAX_LINE,
            idle: DEFAULT_IDLE,
            fail_delay: DEFAULT_FAIL_DELAY,
            allow_empty_password: false,
            system_passwords: SystemPasswords::Pam,
            pam_service: "cvs".to_owned(),
            keytab: None,
            limiter: None,
        }
    }
}

impl ServerOptions {
    /// A channel over the client's descriptors with this policy's time limit.
    pub fn channel(&self, read_fd: i32, write_fd: i32) -> Result<Channel> {
        Channel::new(read_fd, write_fd, self.timeout)
    }

    /// Whether clients may use `repository`.
    pub fn root_allowed(&self, repository: &str) -> bool {
        if !repository.starts_with('/') || repository.split('/').any(|part| part == "..") {
            return false;
        }
        self.roots.iter().any(|root| root == repository) || self.root_patterns.iter().any(|re| re.is_match(repository))
    }
}

/// An authenticated client.
pub struct Session {
    pub method: Method,
    pub kind: RequestKind,
    /// The name the client authenticated as (the principal for gserver).
    pub cvs_user: String,
    /// The local account the session runs as.
    pub system_user: Passwd,
    /// The repository (pserver; empty for gserver, where the `Root` request names it).
    pub repository: String,
    /// The GSS-API context (gserver), for `Gssapi-encrypt` / `Gssapi-authenticate`.
    pub context: Option<gss::SecurityContext>,
}

impl Session {
    /// Becomes the system user (root is refused) and sets `CVS_USER`, `LOGNAME`, `USER`
    /// and `HOME`. Call before [`Session::accept`] for an Auth or gserver request. A failure
    /// during the switch aborts the process ([`sys::switch_to`]).
    pub fn switch_user(&self) -> Result<()> {
        refuse_root(&self.system_user)?;
        sys::switch_to(&self.system_user)?;
        // SAFETY (of the environment writes): the caller is about to serve one client in this
        // process and starts no threads of its own before it; documented on the C call.
        unsafe {
            std::env::set_var("CVS_USER", &self.cvs_user);
            std::env::set_var("LOGNAME", &self.system_user.name);
            std::env::set_var("USER", &self.system_user.name);
            std::env::set_var("HOME", &self.system_user.home);
        }
        Ok(())
    }

    /// Sends `I LOVE YOU`.
    pub fn accept(&self, channel: &Channel) -> Result<()> {
        request::send_line(channel, I_LOVE_YOU)
    }

    /// Refuses after all (the switch failed, for instance): sends `error 0 <text>`.
    pub fn refuse(&self, channel: &Channel, text: &str) -> Result<()> {
        request::send_line(channel, &format!("error 0 {}", one_line(text)))
    }
}

/// A refusal: the lines to send, the error to return, and whether to pause first.
struct Refused {
    reply: Vec<String>,
    error: Error,
    delay: bool,
}

/// The answer to a client whose request failed for a reason other than those cvs names
/// (a malformed request, an unreadable CVSROOT/passwd, a keytab or GSS-API failure): a fixed
/// text, as the client is not authenticated; the reason, with its paths, goes to the log only.
const GENERIC_REFUSAL: &str = "error 0 authentication failed";

impl From<Error> for Refused {
    fn from(error: Error) -> Refused {
        Refused { reply: vec![GENERIC_REFUSAL.to_owned()], error, delay: false }
    }
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r', '\0'], " ")
}

fn hate(user: &str, repository: &str, why: &str) -> Refused {
    Refused {
        reply: vec![I_HATE_YOU.to_owned()],
        error: Error::new(ErrorCode::AuthFailed, format!("login refused for {user} to {repository}: {why}")),
        delay: true,
    }
}

fn refuse_root(user: &Passwd) -> Result<()> {
    if user.uid == 0 {
        return Err(Error::new(ErrorCode::AccessDenied, ": root not allowed"));
    }
    Ok(())
}

/// Reads a request from `channel` and authenticates it under `options`. Every refusal is
/// answered on the channel before the error is returned.
pub fn authenticate(channel: &Channel, options: &ServerOptions) -> Result<Session> {
    match serve(channel, options) {
        Ok(session) => Ok(session),
        Err(refused) => {
            log_warn!("cvs: {}", refused.error.message());
            if refused.delay {
                std::thread::sleep(options.fail_delay);
            }
            let reply: String = refused.reply.iter().map(|line| format!("{line}\n")).collect();
            // The client may be gone already; the refusal is what matters to the caller.
            let _ = channel.write_all(reply.as_bytes(), channel.deadline());
            Err(refused.error)
        }
    }
}

fn serve(channel: &Channel, options: &ServerOptions) -> std::result::Result<Session, Refused> {
    // One deadline for the whole request, GSS-API tokens included: a client trickling bytes
    // or tokens gets no more time.
    let channel = &channel.bounded(options.timeout);
    let deadline = channel.deadline();
    let kind = request::read_begin(channel, deadline, options.max_line)?;
    if kind == RequestKind::Gssapi {
        return serve_gssapi(channel, options);
    }
    let request = request::read_password_request(channel, deadline, options.max_line, kind)?;
    let (user, repository) = (request.user.as_str(), request.repository.as_str());
    let password = scramble::descramble(&request.scrambled)?;
    if !options.root_allowed(repository) {
        return Err(Refused {
            reply: vec![format!("error 0 {}: no such repository", one_line(repository)), I_HATE_YOU.to_owned()],
            error: Error::new(
                ErrorCode::AccessDenied,
                format!("login refused for {user}: repository {repository:?} not allowed"),
            ),
            delay: false,
        });
    }
    // The client's address: for the limiter and for PAM (PAM_RHOST); none when the descriptor
    // is not an IP socket.
    let address = net::peer_address(channel.read_fd()).ok();
    if let Some(limiter) = &options.limiter {
        limiter.check(address.as_deref(), Some(user)).map_err(|err| Refused {
            reply: vec![I_HATE_YOU.to_owned()],
            error: err.context(format!("login refused for {user} to {repository}")),
            delay: true,
        })?;
    }
    let system_name =
        check_password(options, Path::new(repository), user, &password, address.as_deref()).inspect_err(|refused| {
            // A refusal after the pause is a failed password (or unknown user): count it.
            if let (true, Some(limiter)) = (refused.delay, &options.limiter) {
                if let Err(err) = limiter.record_failure(address.as_deref(), Some(user)) {
                    log_warn!("cvs: {err}");
                }
            }
        })?;
    let system_user = system_user(&system_name)?;
    log_info!(
        "cvs: {} accepted for {user} as {system_name} to {repository}",
        if kind == RequestKind::Auth { "login" } else { "verification" }
    );
    Ok(Session {
        method: Method::Pserver,
        kind,
        cvs_user: user.to_owned(),
        system_user,
        repository: repository.to_owned(),
        context: None,
    })
}

/// The system user `user` works as, after the checks of cvs's `check_password`.
fn check_password(
    options: &ServerOptions,
    repository: &Path,
    user: &str,
    password: &[u8],
    rhost: Option<&str>,
) -> std::result::Result<String, Refused> {
    let shown = repository.display().to_string();
    if let Some(entry) = passwd::find_entry(repository, user)? {
        return match check_hash(password, &entry.hash, options.allow_empty_password)? {
            HashCheck::Match => Ok(entry.system_user),
            HashCheck::Mismatch => Err(hate(user, &shown, "wrong password (CVSROOT/passwd)")),
            HashCheck::EmptyRefused => Err(hate(user, &shown, "empty password hash in CVSROOT/passwd (not allowed)")),
            HashCheck::Disabled => Err(hate(user, &shown, "account disabled in CVSROOT/passwd")),
        };
    }
    if options.system_passwords == SystemPasswords::Off || !passwd::system_auth(repository)? {
        return Err(Refused {
            reply: vec![format!("error 0 no such user {user} in CVSROOT/passwd")],
            error: Error::new(
                ErrorCode::AuthFailed,
                format!("login refused for {user} to {shown}: not in CVSROOT/passwd"),
            ),
            delay: true,
        });
    }
    match options.system_passwords {
        SystemPasswords::Pam => pam::authenticate(&options.pam_service, user, password, rhost)
            .map_err(|err| hate(user, &shown, &format!("system password: {}", err.message())))?,
        _ => check_system_crypt(user, password, options.allow_empty_password).map_err(|why| hate(user, &shown, why))?,
    }
    Ok(user.to_owned())
}

fn system_user(name: &str) -> std::result::Result<Passwd, Refused> {
    let user = sys::user_by_name(name)?.ok_or_else(|| Refused {
        reply: vec!["E Fatal error, aborting.".to_owned(), format!("error 0 {name}: no such system user")],
        error: Error::new(ErrorCode::NotFound, format!("no such system user {name}")),
        delay: false,
    })?;
    refuse_root(&user).map_err(|_| Refused {
        reply: vec!["error 0: root not allowed".to_owned()],
        error: Error::new(ErrorCode::AccessDenied, format!("login as {name} refused: root not allowed")),
        delay: false,
    })?;
    Ok(user)
}

fn serve_gssapi(channel: &Channel, options: &ServerOptions) -> std::result::Result<Session, Refused> {
    let store: Vec<(&str, &str)> = options.keytab.iter().map(|keytab| ("keytab", keytab.as_str())).collect();
    let cred = Cred::acquire(None, Usage::Accept, Some(&oids::krb5()), &store)?;
    let gss_options = gss::Options {
        framing: Framing::U16Be,
        max_token_len: usize::from(u16::MAX),
        timeout: channel.timeout(),
        // cvs 1.12.13 clients request MUTUAL|REPLAY only.
        required_flags: gss::flags::MUTUAL | gss::flags::REPLAY,
        ..gss::Options::default()
    };
    let context = gss::accept(channel, &gss_options, Some(&cred))
        .map_err(|err| Refused::from(err.context("GSSAPI authentication failed")))?;
    let source = context.info()?.source;
    let principal = source.display()?.0;
    let local = source.local_name(Some(&oids::krb5())).map_err(|err| Refused {
        reply: vec![format!("error 0 {principal}: no local user")],
        error: err.context(format!("mapping {principal} to a local user")),
        delay: false,
    })?;
    if !source.user_ok(local.as_bytes()) {
        return Err(Refused {
            reply: vec![format!("error 0 access denied for {principal}")],
            error: Error::new(ErrorCode::AccessDenied, format!("{principal} may not log in as {local}")),
            delay: false,
        });
    }
    let system_user = system_user(&local)?;
    log_info!("cvs: gserver login accepted for {principal} as {local}");
    Ok(Session {
        method: Method::Gserver,
        kind: RequestKind::Gssapi,
        cvs_user: local,
        system_user,
        repository: String::new(),
        context: Some(context),
    })
}
