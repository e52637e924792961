//! A host-auth session on both sides: the channel, then negotiation as ROOT's seed describes
//! it — the client proposes its first method; on a refusal the daemon answers with the methods
//! it still accepts (from its access file for this client host and user); the client takes the
//! first of its own untried methods in that list; until success or no overlap — and reuse.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use zeroize::Zeroizing;

use super::channel::SecureChannel;
use super::daemonrc::Daemonrc;
use super::gssauth::{AcceptorConfig, Initiator};
use super::keys::{Pin, StaticKey};
use super::methods::{self, Checks, IMPLEMENTED, PasswordCheck, Peer, Progress, Running, Success};
use super::model::{Established, HostAuth, Method, detail, parse_flag};
use super::pattern::{HostId, ServerKind};
use super::reuse::{self, Secrets};
use super::rootrc::RootRc;
use super::source::{MAX_FILE_BYTES, ProcessEnv, read_capped};
use super::wire::{Grant, MAX_NAME, MAX_ROUNDS, MAX_SECRET, Message, Refusal, ReusePurpose};
use super::{srp, ssh};
use crate::error::{Error, ErrorCode, Result};
use crate::gss::Cred;
use crate::io::{Channel, DEFAULT_TIMEOUT};
use crate::responder::{PASSWORD, Question, Responder, USERNAME, json};
use crate::{log_info, log_warn};

/// The default wait before a failure is answered (as the CVS server's).
pub(crate) const DEFAULT_FAIL_DELAY: Duration = Duration::from_secs(2);

/// The GSS-API service krb5 and globus authenticate to unless told otherwise (ROOT's).
pub(crate) const DEFAULT_GSS_SERVICE: &str = "host";

/// The default time a whole session (channel, negotiation, reuse) may take.
pub(crate) const DEFAULT_EXCHANGE_TIMEOUT: Duration = Duration::from_secs(120);

/// The code a server kind has in the Hello.
fn kind_code(kind: ServerKind) -> u8 {
    match kind {
        ServerKind::Sockd => 0,
        ServerKind::Rootd => 1,
        ServerKind::Proofd => 2,
    }
}

/// The daemon's settings. Immutable once built; shared by every session.
pub(crate) struct ServerConfig {
    /// What this daemon is: selects the access file's `:srv` rules; a client asking for another
    /// kind is refused.
    pub(crate) kind: ServerKind,
    /// The access file; None: `$ROOTDAEMONRC`, `~/.rootdaemonrc`, the system file.
    pub(crate) access_file: Option<PathBuf>,
    pub(crate) passwords: PasswordCheck,
    pub(crate) anonymous: bool,
    /// The GSS-API acceptor of krb5 and globus.
    pub(crate) gss: AcceptorConfig,
    /// The SRP verifier file; None: no srp.
    pub(crate) srp_file: Option<PathBuf>,
    /// Where users' authorized SSH keys are (`%h` home, `%u` user).
    pub(crate) authorized_keys: String,
    /// The reuse secret file; None: no reuse tokens.
    pub(crate) secret_file: Option<PathBuf>,
    /// The revocation file; None: next to the secret file.
    pub(crate) revocation_file: Option<PathBuf>,
    pub(crate) key: Arc<StaticKey>,
    pub(crate) timeout: Duration,
    pub(crate) exchange_timeout: Duration,
    pub(crate) max_validity: Duration,
    /// How long the daemon waits before answering a failed method or reuse proof, so that
    /// guessing passwords costs time.
    pub(crate) fail_delay: Duration,
}

impl ServerConfig {
    /// The defaults around `key`: a rootd, system access files, PAM service `rootd`, no
    /// anonymous logins, no reuse.
    pub(crate) fn new(key: Arc<StaticKey>) -> ServerConfig {
        ServerConfig {
            kind: ServerKind::Rootd,
            access_file: None,
            passwords: PasswordCheck::Pam("rootd".into()),
            anonymous: false,
            gss: AcceptorConfig::default(),
            srp_file: None,
            authorized_keys: ssh::DEFAULT_AUTHORIZED_KEYS.into(),
            secret_file: None,
            revocation_file: None,
            key,
            timeout: DEFAULT_TIMEOUT,
            exchange_timeout: DEFAULT_EXCHANGE_TIMEOUT,
            max_validity: reuse::DEFAULT_MAX_VALIDITY,
            fail_delay: DEFAULT_FAIL_DELAY,
        }
    }

    fn access(&self) -> Result<Daemonrc> {
        let rc = match &self.access_file {
            Some(path) => {
                let (data, _) = read_capped(path, MAX_FILE_BYTES).map_err(|why| {
                    Error::new(ErrorCode::Config, format!("the access file {}: {why}", path.display()))
                })?;
                Daemonrc::parse(path, &data)
            }
            None => Daemonrc::load(&ProcessEnv),
        };
        for diagnostic in rc.diagnostics() {
            log_warn!("{diagnostic}");
        }
        Ok(rc)
    }

    fn revocations(&self) -> Option<PathBuf> {
        let secret = self.secret_file.as_ref()?;
        Some(self.revocation_file.clone().unwrap_or_else(|| reuse::default_revocation_file(secret)))
    }
}

/// An authenticated session as the daemon sees it.
#[derive(Debug)]
pub(crate) struct ServerSession {
    pub(crate) method: Method,
    /// The user the client asked to be.
    pub(crate) user: Vec<u8>,
    /// Who it is now (the user, or `anonymous`).
    pub(crate) login: Vec<u8>,
    pub(crate) client_host: Vec<u8>,
    /// The client's GSS-API principal (krb5, globus).
    pub(crate) principal: Option<Vec<u8>>,
    /// The credentials the client delegated (krb5, globus with `dg:yes`): the daemon may
    /// authenticate onward as the client with them ([`ClientConfig::gss_cred`]).
    pub(crate) delegated: Option<Arc<Cred>>,
    /// Whether the client logged in with a reuse token.
    pub(crate) reused: bool,
    /// Whether the client only revoked its token (the session is then over).
    pub(crate) revoked: bool,
    /// When the token issued in this session expires (Unix seconds; 0: none issued).
    pub(crate) token_expires: u64,
}

/// Negotiation state of the daemon.
struct Daemon<'a> {
    config: &'a ServerConfig,
    chan: SecureChannel,
    rc: Daemonrc,
    peer: Peer,
    kind: ServerKind,
    tried: Vec<Method>,
    user: Option<Vec<u8>>,
    reuse_tried: bool,
}

/// The daemon side of one session over `read_fd`/`write_fd`.
pub(crate) fn accept(config: &ServerConfig, read_fd: i32, write_fd: i32) -> Result<ServerSession> {
    let io = Channel::new(read_fd, write_fd, config.timeout)?.bounded(config.exchange_timeout);
    let rc = config.access()?;
    let (chan, code) = SecureChannel::server(io, &config.key)?;
    // The access file's `:srv` rules are chosen by what this daemon is, never by what the
    // client says it wants: a client must not pick the rule that suits it.
    let kind = config.kind;
    if code != kind_code(kind) {
        let wanted = [ServerKind::Sockd, ServerKind::Rootd, ServerKind::Proofd]
            .into_iter()
            .find(|k| kind_code(*k) == code)
            .map_or_else(|| format!("an unknown server kind {code}"), |k| format!("a {} daemon", k.name()));
        return Err(Error::new(
            ErrorCode::AccessDenied,
            format!("the client asked for {wanted}; this daemon is a {}", kind.name()),
        ));
    }
    let peer = Peer::of(read_fd);
    let mut daemon = Daemon { config, chan, rc, peer, kind, tried: Vec::new(), user: None, reuse_tried: false };
    daemon.run()
}

impl Daemon<'_> {
    /// The methods still accepted from this client for `user`.
    fn remaining(&self, user: &[u8]) -> Vec<Method> {
        let host = HostId { name: &self.peer.host, addr: self.peer.addr };
        let decision = self.rc.accepted(&host, user, self.kind, &IMPLEMENTED);
        decision.methods.into_iter().filter(|m| !self.tried.contains(m)).collect()
    }

    fn check_binding(&self, binding: &[u8; 32]) -> Result<()> {
        if binding != self.chan.handshake_hash() {
            return Err(Error::new(
                ErrorCode::AuthFailed,
                "the client's method is bound to another channel: relayed by a man in the middle",
            ));
        }
        Ok(())
    }

    fn same_user(&mut self, user: &[u8]) -> Result<()> {
        match &self.user {
            Some(known) if known != user => {
                Err(Error::new(ErrorCode::Protocol, "the client changed the user during negotiation"))
            }
            _ => {
                self.user = Some(user.to_vec());
                Ok(())
            }
        }
    }

    fn session(&self, method: Method, user: Vec<u8>, login: Vec<u8>) -> ServerSession {
        ServerSession {
            method,
            user,
            login,
            client_host: self.peer.host.clone(),
            principal: None,
            delegated: None,
            reused: false,
            revoked: false,
            token_expires: 0,
        }
    }

    fn refuse(&mut self, why: Refusal, remaining: Vec<Method>) -> Result<()> {
        self.chan.send(&Message::Refused { why, remaining }.encode())
    }

    fn run(&mut self) -> Result<ServerSession> {
        // Each method is tried at most once and reuse once: the loop is bounded.
        for _ in 0..=Method::ALL.len() + 1 {
            let message = Message::decode(&self.chan.recv()?)?;
            let outcome = match message {
                Message::Try { method, user, binding, validity, first } => {
                    self.check_binding(&binding)?;
                    self.same_user(&user)?;
                    self.attempt(method, user, validity, first)?
                }
                Message::Reuse { purpose, ticket, binding } => {
                    self.check_binding(&binding)?;
                    self.reuse(purpose, &ticket)?
                }
                Message::GiveUp => return Err(self.no_more("the client has no other method in common")),
                other => return Err(Error::new(ErrorCode::Protocol, format!("unexpected message {other:?}"))),
            };
            if let Some(session) = outcome {
                log_info!(
                    "host-auth: {} {}{} by {}{} from {}",
                    if session.revoked { "revoked a token of" } else { "authenticated" },
                    String::from_utf8_lossy(&session.user),
                    if session.revoked {
                        "".into()
                    } else {
                        format!(" as {}", String::from_utf8_lossy(&session.login))
                    },
                    session.method.short_name(),
                    session
                        .principal
                        .as_ref()
                        .map_or_else(String::new, |p| format!(" (principal {})", String::from_utf8_lossy(p))),
                    String::from_utf8_lossy(&session.client_host)
                );
                return Ok(session);
            }
            if self.user.as_ref().is_some_and(|user| self.remaining(user).is_empty()) {
                return Err(self.no_more("no accepted method is left"));
            }
        }
        Err(Error::new(ErrorCode::Protocol, "the client kept negotiating after every method was tried"))
    }

    /// The end of a negotiation without success: AuthFailed when a method ran and failed,
    /// AccessDenied when none was accepted.
    fn no_more(&self, why: &str) -> Error {
        let host = String::from_utf8_lossy(&self.peer.host);
        if self.tried.is_empty() {
            Error::new(ErrorCode::AccessDenied, format!("{why}: no method accepted from {host}"))
        } else {
            Error::new(ErrorCode::AuthFailed, format!("{why}: authentication from {host} failed"))
        }
    }

    fn attempt(
        &mut self,
        method: Method,
        user: Vec<u8>,
        validity: u32,
        first: Zeroizing<Vec<u8>>,
    ) -> Result<Option<ServerSession>> {
        let remaining = self.remaining(&user);
        if !remaining.contains(&method) {
            log_info!("host-auth: {} not accepted for this client; offering {remaining:?}", method.short_name());
            self.refuse(Refusal::NotAccepted, remaining)?;
            return Ok(None);
        }
        self.tried.push(method);
        let cfg = self.config;
        match self.run_method(method, &user, first)? {
            Ok(Success { login, last, principal, delegated }) => {
                let mut session = self.session(method, user, login);
                session.principal = principal;
                session.delegated = delegated;
                let secrets = match &cfg.secret_file {
                    Some(path) if validity > 0 && method != Method::UidGid => Some(Secrets::load(path)?),
                    _ => None,
                };
                let (ticket, token_secret, expires) = match secrets {
                    Some(secrets) => {
                        let validity = Duration::from_secs(u64::from(validity)).min(cfg.max_validity);
                        reuse::issue(&secrets, method, &session.login, &session.client_host, validity)?
                    }
                    None => (Vec::new(), Zeroizing::new(Vec::new()), 0),
                };
                session.token_expires = expires;
                let login = session.login.clone();
                self.chan
                    .send(&Message::Accepted(Grant { method, login, ticket, token_secret, expires, last }).encode())?;
                Ok(Some(session))
            }
            Err((why, reason)) => {
                log_warn!("host-auth: {reason}");
                if why == Refusal::Failed {
                    std::thread::sleep(cfg.fail_delay);
                }
                let remaining = self.remaining(&user);
                self.refuse(why, remaining)?;
                Ok(None)
            }
        }
    }

    /// Runs `method`'s messages from the client's first one: its success or refusal.
    fn run_method(
        &mut self,
        method: Method,
        user: &[u8],
        first: Zeroizing<Vec<u8>>,
    ) -> Result<std::result::Result<Success, methods::Refused>> {
        let cfg = self.config;
        let checks = Checks {
            passwords: &cfg.passwords,
            anonymous: cfg.anonymous,
            gss: &cfg.gss,
            srp: cfg.srp_file.as_deref(),
            key: &cfg.key,
            authorized_keys: &cfg.authorized_keys,
        };
        let binding = *self.chan.handshake_hash();
        let mut running = match Running::start(method, user, &self.peer, &checks, &binding) {
            Ok(running) => running,
            Err(refused) => return Ok(Err(refused)),
        };
        let mut message = first;
        for _ in 0..MAX_ROUNDS {
            match running.step(&message) {
                Ok(Progress::Continue(data)) => {
                    self.chan.send(&Message::Step { data: Zeroizing::new(data) }.encode())?;
                    message = match Message::decode(&self.chan.recv()?)? {
                        Message::Step { data } => data,
                        Message::Abort => {
                            return Ok(Err(methods::failed(format!(
                                "{}: the client abandoned the method",
                                method.short_name()
                            ))));
                        }
                        other => {
                            return Err(Error::new(ErrorCode::Protocol, format!("unexpected message {other:?}")));
                        }
                    };
                }
                Ok(Progress::Done(success)) => return Ok(Ok(success)),
                Err(refused) => return Ok(Err(refused)),
            }
        }
        Err(Error::new(
            ErrorCode::Protocol,
            format!("{} did not finish within {} messages", method.short_name(), MAX_ROUNDS),
        ))
    }

    fn reuse(&mut self, purpose: ReusePurpose, ticket: &[u8]) -> Result<Option<ServerSession>> {
        if std::mem::replace(&mut self.reuse_tried, true) {
            return Err(Error::new(ErrorCode::Protocol, "a second reuse attempt in one session"));
        }
        let checked = match (&self.config.secret_file, self.config.revocations()) {
            (Some(secret_file), Some(revocations)) => {
                reuse::check(&Secrets::load(secret_file)?, &revocations, ticket, &self.peer.host)
            }
            _ => Err("this daemon issues no reuse tokens".to_owned()),
        };
        let checked = match checked {
            Ok(checked) if self.remaining(&checked.ticket.user).contains(&checked.ticket.method) => checked,
            Ok(_) => return self.token_refused("the token's method is no longer accepted for this client".into()),
            Err(reason) => return self.token_refused(reason),
        };
        self.same_user(&checked.ticket.user)?;
        let nonce = reuse::random32()?;
        self.chan.send(&Message::Challenge { nonce }.encode())?;
        let Message::Proof { mac } = Message::decode(&self.chan.recv()?)? else {
            return Err(Error::new(ErrorCode::Protocol, "expected the proof of a reuse token"));
        };
        if !checked.verify(self.chan.handshake_hash(), &nonce, &mac) {
            std::thread::sleep(self.config.fail_delay);
            return self.token_refused("a wrong reuse proof (tampered ticket, replayed or relayed)".into());
        }
        let ticket_user = checked.ticket.user.clone();
        let mut session = self.session(checked.ticket.method, ticket_user.clone(), ticket_user.clone());
        session.reused = true;
        if purpose == ReusePurpose::Revoke {
            if let Some(path) = self.config.revocations() {
                reuse::revoke(&path, &checked.ticket)?;
            }
            session.revoked = true;
        }
        session.token_expires = checked.ticket.expires;
        self.chan
            .send(&Message::Accepted(Grant::plain(session.method, ticket_user, checked.ticket.expires)).encode())?;
        Ok(Some(session))
    }

    fn token_refused(&mut self, reason: String) -> Result<Option<ServerSession>> {
        log_warn!("host-auth: reuse refused: {reason}");
        // The token, not its method, is refused: the client may authenticate afresh.
        self.refuse(Refusal::TokenInvalid, Vec::new())?;
        Ok(None)
    }
}

/// The client's settings. Immutable once built.
pub(crate) struct ClientConfig {
    pub(crate) pin: Pin,
    pub(crate) responder: Option<Responder>,
    /// The GSS-API service of krb5 and globus: the target is `<service>@<host>`.
    pub(crate) gss_service: String,
    /// The GSS-API credentials of krb5 and globus: those a client delegated to this daemon,
    /// to authenticate onward as that client; None: the ticket cache or the responder.
    pub(crate) gss_cred: Option<Arc<Cred>>,
    /// The ssh-agent's socket for ssh (default `SSH_AUTH_SOCK`); None: no agent.
    pub(crate) ssh_agent: Option<PathBuf>,
    pub(crate) timeout: Duration,
    pub(crate) exchange_timeout: Duration,
}

/// What the client got.
#[derive(Debug)]
pub(crate) struct ClientSession {
    pub(crate) method: Method,
    pub(crate) login: Vec<u8>,
    pub(crate) reused: bool,
    /// Whether the daemon's key matched a pin (else it was taken on trust).
    pub(crate) daemon_key_verified: bool,
    pub(crate) daemon_key: [u8; 32],
}

/// The user `details` name (`us:`), else `user`.
fn user_for<'a>(details: &'a [u8], user: &'a [u8]) -> &'a [u8] {
    detail(details, "us").filter(|u| !u.is_empty()).unwrap_or(user)
}

/// The yes/no setting `key` of `details` (`pt`, `ru`), else `default` (the `.rootrc` key).
fn flag(details: &[u8], key: &str, default: bool) -> bool {
    detail(details, key).and_then(parse_flag).unwrap_or(default)
}

/// The client side: authenticates to `host` with the methods of `entry` (updating its
/// counters and established list) over `read_fd`/`write_fd`.
pub(crate) fn authenticate(
    config: &ClientConfig,
    rootrc: &RootRc,
    entry: &mut HostAuth,
    server: ServerKind,
    read_fd: i32,
    write_fd: i32,
) -> Result<ClientSession> {
    let key = entry.key().clone();
    let expected = config.pin.expected(&key.host)?;
    let io = Channel::new(read_fd, write_fd, config.timeout)?.bounded(config.exchange_timeout);
    let mut chan = SecureChannel::client(io, kind_code(server), expected)?;
    let daemon_key_verified = expected.is_some();
    let binding = *chan.handshake_hash();
    let now = SystemTime::now();
    // The client's methods in order; one with a reusable token goes first (reusing costs the
    // daemon a MAC and the user no password).
    let mut own: Vec<Method> = entry.methods().iter().map(|m| m.method).collect();
    if let Some(at) = own.iter().position(|m| entry.reusable(*m, now).is_some_and(|e| !e.token.is_empty())) {
        let reusable = own.remove(at);
        own.insert(0, reusable);
    }
    let mut offered: Option<Vec<Method>> = None;
    let mut tried: Vec<Method> = Vec::new();
    // What happened to each method, for the final error.
    let mut notes: Vec<String> = Vec::new();
    let mut any_failed = false;
    // The user name given at the login prompt, if one was shown.
    let mut prompted: Option<Vec<u8>> = None;
    loop {
        let Some(method) =
            own.iter().copied().find(|m| !tried.contains(m) && offered.as_ref().is_none_or(|list| list.contains(m)))
        else {
            chan.send(&Message::GiveUp.encode())?;
            let offered = offered.unwrap_or_default();
            let mut message = if any_failed {
                format!("authentication to {} failed", String::from_utf8_lossy(&key.host))
            } else if offered.is_empty() {
                "the daemon accepts no method from this host and user".to_owned()
            } else {
                format!("no method in common: the daemon still accepts {offered:?}")
            };
            if !notes.is_empty() {
                message = format!("{message} ({})", notes.join("; "));
            }
            let code = if any_failed { ErrorCode::AuthFailed } else { ErrorCode::AccessDenied };
            return Err(Error::new(code, message));
        };
        tried.push(method);
        let details = entry.details_of(method).unwrap_or_default().to_vec();
        if let Some(established) = entry.reusable(method, now).filter(|e| !e.token.is_empty()) {
            let token = established.token.clone();
            match reuse_token(&mut chan, ReusePurpose::Login, &token, &binding)? {
                Reply::Accepted(Grant { method, login, .. }) => {
                    entry.count_success(method);
                    return Ok(ClientSession {
                        method,
                        login,
                        reused: true,
                        daemon_key_verified,
                        daemon_key: *chan.daemon_key(),
                    });
                }
                Reply::Refused(why, _) => {
                    // The token is refused, not the method: authenticate afresh with it.
                    log_info!("host-auth: reuse token refused ({why:?}); authenticating afresh");
                    entry.deactivate(Some(method));
                }
            }
        }
        let mut user = methods::local_user(method, user_for(&details, &key.user)).to_vec();
        // `pt` (else `<Meth>.LoginPrompt`): the user name is asked for, once per session.
        if flag(&details, "pt", rootrc.login_prompt(method)) {
            if prompted.is_none() {
                prompted = Some(login_name(config, &key.host, &user)?);
            }
            user.clone_from(prompted.as_ref().expect("set above"));
        }
        if user.len() > MAX_NAME {
            return Err(Error::new(ErrorCode::InvalidArgument, "the user name is longer than 255 bytes"));
        }
        // `ru` (else `<Meth>.ReUse`): whether to ask the daemon for a reuse token.
        let wants_reuse = flag(&details, "ru", rootrc.reuse(method)) && method != Method::UidGid;
        let validity =
            if wants_reuse { u32::try_from(rootrc.validity(method).as_secs()).unwrap_or(u32::MAX) } else { 0 };
        // The method's first message. An ssh or GSS-API method that cannot start on this side
        // (no key, a wrong passphrase; no ticket and no password for one, an unknown service)
        // fails here, unseen by the daemon.
        let (mut running, first): (Option<Box<dyn ClientMethod>>, _) = match method {
            Method::UsrPwd => (None, password(config, method, &key.host, &user)?),
            Method::Srp => {
                let password = password(config, method, &key.host, &user)?;
                (Some(Box::new(srp::Client::new(&user, password, &binding))), Zeroizing::new(Vec::new()))
            }
            Method::Ssh | Method::Krb5 | Method::Globus => {
                match start_method(config, method, &details, &key.host, &user, &binding) {
                    Ok((running, first)) => (Some(running), Zeroizing::new(first)),
                    Err(err) => {
                        entry.count_failure(method);
                        log_info!("host-auth: {} cannot start: {err}", method.short_name());
                        notes.push(format!("{}: {}", method.short_name(), err.message()));
                        any_failed = true;
                        continue;
                    }
                }
            }
            _ => (None, Zeroizing::new(Vec::new())),
        };
        chan.send(&Message::Try { method, user: user.clone(), binding, validity, first }.encode())?;
        let (answer, failure) = method_reply(&mut chan, &mut running)?;
        match answer {
            Reply::Accepted(Grant { method, login, ticket, token_secret, expires, last }) => {
                if let Some(running) = running.as_mut() {
                    // Mutual: the daemon's last message proves it holds the service's key or
                    // the user's verifier.
                    running.finish(&last).map_err(|err| {
                        Error::new(
                            ErrorCode::AuthFailed,
                            format!("{}: the daemon did not prove its identity: {err}", method.short_name()),
                        )
                    })?;
                } else if !last.is_empty() {
                    return Err(Error::new(ErrorCode::Protocol, "a method message after a single-message method"));
                }
                entry.count_success(method);
                if !ticket.is_empty() {
                    entry.add_established(Established {
                        method,
                        login: login.clone(),
                        details: details.clone(),
                        expires: UNIX_EPOCH + Duration::from_secs(expires),
                        token: Zeroizing::new([token_secret.as_slice(), &ticket].concat()),
                        active: true,
                    });
                }
                return Ok(ClientSession {
                    method,
                    login,
                    reused: false,
                    daemon_key_verified,
                    daemon_key: *chan.daemon_key(),
                });
            }
            Reply::Refused(why, remaining) => {
                entry.count_failure(method);
                log_info!("host-auth: {} refused ({why:?}); the daemon offers {remaining:?}", method.short_name());
                let what = match (why, &failure) {
                    (_, Some(err)) => err.message().to_owned(),
                    (Refusal::NotAccepted, None) => "not accepted by the daemon".into(),
                    (Refusal::Failed, None) => "failed".into(),
                    (Refusal::TokenInvalid, None) => "token refused".into(),
                    (Refusal::Unavailable, None) if method == Method::UidGid => {
                        "refused over TCP, it needs a Unix-domain socket".into()
                    }
                    (Refusal::Unavailable, None) => "not available at this daemon".into(),
                };
                notes.push(format!("{}: {what}", method.short_name()));
                any_failed |= why == Refusal::Failed;
                offered = Some(remaining);
            }
        }
    }
}

/// Starts the client's side of ssh, krb5 or globus: the running method and its first message.
fn start_method(
    config: &ClientConfig,
    method: Method,
    details: &[u8],
    host: &[u8],
    user: &[u8],
    binding: &[u8; 32],
) -> Result<(Box<dyn ClientMethod>, Vec<u8>)> {
    let responder = config.responder.as_ref();
    if method == Method::Ssh {
        let (client, first) =
            ssh::Client::start(details, config.ssh_agent.as_deref(), responder, config.timeout, user, binding)?;
        return Ok((Box::new(client), first));
    }
    let cred = config.gss_cred.as_ref();
    let (initiator, first) = Initiator::start(method, details, &config.gss_service, host, cred, responder, binding)?;
    Ok((Box::new(initiator), first))
}

/// The client's side of a method of several messages (srp, krb5, globus, ssh).
pub(crate) trait ClientMethod {
    /// The answer to the daemon's next message.
    fn next(&mut self, message: &[u8]) -> Result<Vec<u8>>;
    /// Checks the daemon's last message (its proof) once it accepted.
    fn finish(&mut self, last: &[u8]) -> Result<()>;
}

impl ClientMethod for Initiator {
    fn next(&mut self, message: &[u8]) -> Result<Vec<u8>> {
        Initiator::next(self, message)
    }
    fn finish(&mut self, last: &[u8]) -> Result<()> {
        Initiator::finish(self, last)
    }
}

impl ClientMethod for ssh::Client {
    fn next(&mut self, message: &[u8]) -> Result<Vec<u8>> {
        ssh::Client::next(self, message)
    }
    fn finish(&mut self, last: &[u8]) -> Result<()> {
        ssh::Client::finish(self, last)
    }
}

impl ClientMethod for srp::Client {
    fn next(&mut self, message: &[u8]) -> Result<Vec<u8>> {
        srp::Client::next(self, message)
    }
    fn finish(&mut self, last: &[u8]) -> Result<()> {
        srp::Client::finish(self, last)
    }
}

/// The daemon's answer to a `Try`, with the method's messages in between answered by
/// `running` (a single-message method has none). When the client's side of the method fails,
/// it abandons the method (`Abort`) and returns its error with the daemon's refusal.
fn method_reply(
    chan: &mut SecureChannel,
    running: &mut Option<Box<dyn ClientMethod>>,
) -> Result<(Reply, Option<Error>)> {
    let mut failure = None;
    for _ in 0..MAX_ROUNDS {
        let data = match Message::decode(&chan.recv()?)? {
            Message::Step { data } if failure.is_none() => data,
            other => return Ok((reply_to(other)?, failure)),
        };
        let running = running
            .as_mut()
            .ok_or_else(|| Error::new(ErrorCode::Protocol, "a method message for a single-message method"))?;
        match running.next(&data) {
            Ok(token) => chan.send(&Message::Step { data: Zeroizing::new(token) }.encode())?,
            Err(err) => {
                chan.send(&Message::Abort.encode())?;
                failure = Some(err);
            }
        }
    }
    Err(Error::new(ErrorCode::Protocol, format!("the method did not finish within {} messages", MAX_ROUNDS)))
}

/// The client's explicit cleanup of a token: proves it on a fresh channel and has the daemon
/// revoke it.
pub(crate) fn revoke(
    config: &ClientConfig,
    host: &[u8],
    server: ServerKind,
    established: &Established,
    read_fd: i32,
    write_fd: i32,
) -> Result<()> {
    let expected = config.pin.expected(host)?;
    let io = Channel::new(read_fd, write_fd, config.timeout)?.bounded(config.exchange_timeout);
    let mut chan = SecureChannel::client(io, kind_code(server), expected)?;
    let binding = *chan.handshake_hash();
    match reuse_token(&mut chan, ReusePurpose::Revoke, &established.token, &binding)? {
        Reply::Accepted(_) => Ok(()),
        Reply::Refused(why, _) => {
            Err(Error::new(ErrorCode::AuthFailed, format!("the daemon refused to revoke the token ({why:?})")))
        }
    }
}

/// A daemon's answer to an attempt.
enum Reply {
    Accepted(Grant),
    Refused(Refusal, Vec<Method>),
}

fn reply(chan: &mut SecureChannel) -> Result<Reply> {
    reply_to(Message::decode(&chan.recv()?)?)
}

fn reply_to(message: Message) -> Result<Reply> {
    match message {
        Message::Accepted(grant) => Ok(Reply::Accepted(grant)),
        Message::Refused { why, remaining } => Ok(Reply::Refused(why, remaining)),
        other => Err(Error::new(ErrorCode::Protocol, format!("unexpected message {other:?}"))),
    }
}

/// Proves a token on this channel. The client keeps a token as its 32-byte secret followed by
/// its ticket.
fn reuse_token(chan: &mut SecureChannel, purpose: ReusePurpose, token: &[u8], binding: &[u8; 32]) -> Result<Reply> {
    if token.len() <= 32 {
        return Err(Error::new(ErrorCode::InvalidArgument, "not a host-auth reuse token"));
    }
    let (secret, ticket) = token.split_at(32);
    chan.send(&Message::Reuse { purpose, ticket: ticket.to_vec(), binding: *binding }.encode())?;
    match Message::decode(&chan.recv()?)? {
        Message::Challenge { nonce } => {
            let mac = reuse::proof(secret, binding, &nonce);
            chan.send(&Message::Proof { mac }.encode())?;
            reply(chan)
        }
        Message::Refused { why, remaining } => Ok(Reply::Refused(why, remaining)),
        other => Err(Error::new(ErrorCode::Protocol, format!("unexpected message {other:?}"))),
    }
}

/// Asks the responder for the user name to log in as at `host` (ROOT's login prompt,
/// `Name (host:user):`); no responder, no answer or an empty one keeps `default` (as ROOT in
/// batch mode).
fn login_name(config: &ClientConfig, host: &[u8], default: &[u8]) -> Result<Vec<u8>> {
    let Some(responder) = config.responder.as_ref() else { return Ok(default.to_vec()) };
    let (host, shown) = (String::from_utf8_lossy(host), String::from_utf8_lossy(default));
    let challenge = json::object(&[("service", "hostauth"), ("user", &shown), ("host", &host)]);
    let question = Question::new(USERNAME, challenge, format!("Name ({host}:{shown})")).optional();
    let answers = responder.ask(&[question])?;
    Ok(answers
        .get(USERNAME)
        .filter(|name| !name.is_empty())
        .map_or_else(|| default.to_vec(), |name| name.as_bytes().to_vec()))
}

/// Asks the responder for the password of `user` at `host` for `method` (usrpwd, srp).
fn password(config: &ClientConfig, method: Method, host: &[u8], user: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let name = method.short_name();
    let responder = config.responder.as_ref().ok_or_else(|| {
        Error::new(ErrorCode::Unanswered, format!("{name} needs a password and no responder was given"))
    })?;
    let (host, user) = (String::from_utf8_lossy(host), String::from_utf8_lossy(user));
    let challenge = json::object(&[("service", "hostauth"), ("method", name), ("user", &user), ("host", &host)]);
    let answers = responder.ask(&[Question::new(PASSWORD, challenge, format!("Password for {user}@{host}"))])?;
    let password = answers.get(PASSWORD).expect("ask() returns every required answer").as_bytes();
    if password.len() > MAX_SECRET {
        return Err(Error::new(ErrorCode::InvalidArgument, format!("the password is longer than {MAX_SECRET} bytes")));
    }
    Ok(Zeroizing::new(password.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::super::model::Key;
    use super::super::reuse::tests::{key_line, secret_file};
    use super::super::wire::Writer;
    use super::*;
    use crate::sysauth::sys;
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::net::UnixStream;
    use std::path::Path;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const PASSWORD_OK: &str = "right password";

    /// A daemon configuration: `access` as its access file, a password file with `alice` (the
    /// password above), a reuse secret file; all in a fresh directory named `name`.
    fn server_config(name: &str, access: &str) -> ServerConfig {
        let secret = secret_file(name, &key_line(1, 9));
        let dir = secret.parent().unwrap().to_path_buf();
        std::fs::write(dir.join("access"), access).unwrap();
        let hash = sys::crypt(PASSWORD_OK.as_bytes(), b"$6$saltsalt$").unwrap().unwrap();
        let me = sys::current_user().unwrap();
        std::fs::write(dir.join("passwd"), format!("alice:{}\n{me}:{}\n", hash.as_str(), hash.as_str())).unwrap();
        std::fs::set_permissions(dir.join("passwd"), std::fs::Permissions::from_mode(0o600)).unwrap();
        let mut config = ServerConfig::new(Arc::new(StaticKey::generate().unwrap()));
        config.access_file = Some(dir.join("access"));
        config.passwords = PasswordCheck::File(dir.join("passwd"));
        config.secret_file = Some(secret);
        let verifiers = dir.join("srp");
        srp::set_verifier(&verifiers, b"alice", PASSWORD_OK.as_bytes(), srp::DEFAULT_BITS).unwrap();
        config.srp_file = Some(verifiers);
        config.timeout = Duration::from_secs(5);
        config.fail_delay = Duration::from_millis(1);
        config
    }

    /// A client configuration pinned to `config`'s key whose responder answers `password` and
    /// counts how often it was asked.
    fn client_config(config: &ServerConfig, password: &'static str, asked: Arc<AtomicUsize>) -> ClientConfig {
        let responder = Responder::new(move |_: &[Question], answers: &mut crate::responder::Answers| {
            asked.fetch_add(1, Ordering::SeqCst);
            answers.set(PASSWORD, Zeroizing::new(password.to_owned()));
            Ok(())
        });
        ClientConfig {
            pin: Pin::Key(config.key.public),
            responder: Some(responder),
            gss_service: DEFAULT_GSS_SERVICE.into(),
            gss_cred: None,
            ssh_agent: None,
            timeout: Duration::from_secs(5),
            exchange_timeout: DEFAULT_EXCHANGE_TIMEOUT,
        }
    }

    /// [`server_config`] and a [`client_config`] of it with the right password, and the count
    /// of the client's password questions.
    fn counted(name: &str, access: &str) -> (ServerConfig, ClientConfig, Arc<AtomicUsize>) {
        let server = server_config(name, access);
        let asked = Arc::new(AtomicUsize::new(0));
        let client = client_config(&server, PASSWORD_OK, asked.clone());
        (server, client, asked)
    }

    /// An entry for `user` at localhost with `methods` (details `ru:1 us:<user>`).
    fn entry(user: &str, methods: &[Method]) -> HostAuth {
        let key = Key { host: b"localhost".to_vec(), user: user.as_bytes().to_vec(), server: Some(ServerKind::Rootd) };
        let mut entry = HostAuth::new(key, Arc::new(RootRc::default()));
        for method in methods {
            entry.add_method(*method, format!("pt:no ru:1 us:{user}").as_bytes());
        }
        entry
    }

    type Outcome = (Result<ClientSession>, Result<ServerSession>);

    /// Runs a session over `client_fd`/`server_fd`.
    fn run(server: &ServerConfig, client: &ClientConfig, entry: &mut HostAuth, fds: (i32, i32)) -> Outcome {
        run_with(server, client, &RootRc::default(), ServerKind::Rootd, entry, fds)
    }

    /// Runs a session over `client_fd`/`server_fd`, the client with `rootrc` asking for a daemon
    /// of kind `kind`.
    fn run_with(
        server: &ServerConfig,
        client: &ClientConfig,
        rootrc: &RootRc,
        kind: ServerKind,
        entry: &mut HostAuth,
        fds: (i32, i32),
    ) -> Outcome {
        std::thread::scope(|s| {
            let daemon = s.spawn(|| accept(server, fds.1, fds.1));
            let outcome = authenticate(client, rootrc, entry, kind, fds.0, fds.0);
            (outcome, daemon.join().unwrap())
        })
    }

    /// [`run_with`] over a Unix socket pair.
    fn unix_with(
        server: &ServerConfig,
        client: &ClientConfig,
        rootrc: &RootRc,
        kind: ServerKind,
        entry: &mut HostAuth,
    ) -> Outcome {
        let (a, b) = UnixStream::pair().unwrap();
        run_with(server, client, rootrc, kind, entry, (a.as_raw_fd(), b.as_raw_fd()))
    }

    /// A `.rootrc` of `text`.
    fn rootrc(text: &str) -> RootRc {
        let mut rc = RootRc::default();
        rc.parse_into(Path::new("test.rootrc"), text.as_bytes());
        assert!(rc.diagnostics().is_empty(), "{:?}", rc.diagnostics());
        rc
    }

    /// An entry for `user` at localhost with usrpwd and exactly these `details`.
    fn usrpwd_entry(user: &str, details: &str) -> HostAuth {
        let mut entry = entry(user, &[]);
        entry.add_method(Method::UsrPwd, details.as_bytes());
        entry
    }

    #[test]
    fn the_access_file_rules_are_those_of_the_daemons_own_kind() {
        // A rootd refuses alice; a proofd would accept her. Asking the rootd for a proofd must
        // not pick the proofd rule.
        let mut server = server_config("kind", "localhost:rootd none\nlocalhost:proofd usrpwd\n");
        let client = client_config(&server, PASSWORD_OK, Arc::default());
        let none = RootRc::default();
        let (c, s) = unix_with(&server, &client, &none, ServerKind::Proofd, &mut entry("alice", &[Method::UsrPwd]));
        assert!(c.is_err());
        let err = s.unwrap_err();
        assert_eq!(err.code(), ErrorCode::AccessDenied, "{err}");
        assert!(err.to_string().contains("asked for a proofd daemon; this daemon is a rootd"), "{err}");
        let (c, s) = unix_with(&server, &client, &none, ServerKind::Rootd, &mut entry("alice", &[Method::UsrPwd]));
        assert_eq!(c.unwrap_err().code(), ErrorCode::AccessDenied);
        assert_eq!(s.unwrap_err().code(), ErrorCode::AccessDenied);
        server.kind = ServerKind::Proofd;
        let (c, s) = unix_with(&server, &client, &none, ServerKind::Proofd, &mut entry("alice", &[Method::UsrPwd]));
        assert_eq!((c.unwrap().login, s.unwrap().login), (b"alice".to_vec(), b"alice".to_vec()));
    }

    #[test]
    fn without_ru_in_the_details_the_rootrc_reuse_key_decides() {
        let server = server_config("reuse-key", "default usrpwd\n");
        let client = client_config(&server, PASSWORD_OK, Arc::default());
        // Default `UsrPwd.ReUse` is yes: a token is issued.
        let mut alice = usrpwd_entry("alice", "pt:no us:alice");
        let (c, s) = unix_with(&server, &client, &RootRc::default(), ServerKind::Rootd, &mut alice);
        c.unwrap();
        assert!(s.unwrap().token_expires > 0);
        assert_eq!(alice.established().len(), 1);
        // `UsrPwd.ReUse: no`: none.
        let mut alice = usrpwd_entry("alice", "pt:no us:alice");
        let (c, s) = unix_with(&server, &client, &rootrc("UsrPwd.ReUse: no\n"), ServerKind::Rootd, &mut alice);
        c.unwrap();
        assert_eq!(s.unwrap().token_expires, 0);
        assert!(alice.established().is_empty());
        // `ru:` in the details wins over the key.
        let mut alice = usrpwd_entry("alice", "pt:no ru:yes us:alice");
        let (c, s) = unix_with(&server, &client, &rootrc("UsrPwd.ReUse: no\n"), ServerKind::Rootd, &mut alice);
        c.unwrap();
        assert!(s.unwrap().token_expires > 0);
    }

    /// A client configuration whose responder answers the user name `name` (counting the
    /// questions for it) and the right password.
    fn prompting_client(config: &ServerConfig, name: &'static str, prompts: Arc<AtomicUsize>) -> ClientConfig {
        let responder = Responder::new(move |questions: &[Question], answers: &mut crate::responder::Answers| {
            for question in questions {
                if question.name == USERNAME {
                    prompts.fetch_add(1, Ordering::SeqCst);
                    answers.set(USERNAME, Zeroizing::new(name.to_owned()));
                } else {
                    answers.set(PASSWORD, Zeroizing::new(PASSWORD_OK.to_owned()));
                }
            }
            Ok(())
        });
        ClientConfig { responder: Some(responder), ..client_config(config, PASSWORD_OK, Arc::default()) }
    }

    #[test]
    fn the_login_prompt_asks_the_responder_for_the_user_name() {
        let server = server_config("prompt", "default usrpwd\n");
        let prompts = Arc::new(AtomicUsize::new(0));
        let client = prompting_client(&server, "alice", prompts.clone());
        let prompt_on = rootrc("UsrPwd.LoginPrompt: yes\n");
        // `pt` absent: `UsrPwd.LoginPrompt` decides; the name given replaces `us:`.
        let mut entry = usrpwd_entry("nobody", "ru:no us:nobody");
        let (c, s) = unix_with(&server, &client, &prompt_on, ServerKind::Rootd, &mut entry);
        assert_eq!((c.unwrap().login, s.unwrap().user), (b"alice".to_vec(), b"alice".to_vec()));
        assert_eq!(prompts.load(Ordering::SeqCst), 1);
        // `pt:yes` in the details prompts without the key.
        let mut entry = usrpwd_entry("nobody", "pt:yes ru:no us:nobody");
        let (c, _) = unix_with(&server, &client, &RootRc::default(), ServerKind::Rootd, &mut entry);
        assert_eq!(c.unwrap().login, b"alice".to_vec());
        assert_eq!(prompts.load(Ordering::SeqCst), 2);
        // `pt:no` in the details wins over the key: no prompt, the user of the details.
        let mut entry = usrpwd_entry("alice", "pt:no ru:no us:alice");
        let (c, _) = unix_with(&server, &client, &prompt_on, ServerKind::Rootd, &mut entry);
        c.unwrap();
        assert_eq!(prompts.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn an_empty_name_at_the_prompt_keeps_the_default_user() {
        let server = server_config("prompt-empty", "default usrpwd\n");
        let prompts = Arc::new(AtomicUsize::new(0));
        let client = prompting_client(&server, "", prompts.clone());
        let mut entry = usrpwd_entry("alice", "pt:yes ru:no us:alice");
        let (c, _) = unix_with(&server, &client, &RootRc::default(), ServerKind::Rootd, &mut entry);
        assert_eq!(c.unwrap().login, b"alice".to_vec());
        assert_eq!(prompts.load(Ordering::SeqCst), 1);
    }

    fn over_unix(server: &ServerConfig, client: &ClientConfig, entry: &mut HostAuth) -> Outcome {
        let (a, b) = UnixStream::pair().unwrap();
        run(server, client, entry, (a.as_raw_fd(), b.as_raw_fd()))
    }

    fn over_tcp(server: &ServerConfig, client: &ClientConfig, entry: &mut HostAuth) -> Outcome {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let a = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (b, _) = listener.accept().unwrap();
        run(server, client, entry, (a.as_raw_fd(), b.as_raw_fd()))
    }

    fn counters(entry: &HostAuth, method: Method) -> (u32, u32) {
        let m = entry.methods().iter().find(|m| m.method == method).unwrap();
        (m.successes, m.failures)
    }

    #[test]
    fn the_client_falls_back_to_the_first_of_its_methods_the_daemon_offers() {
        let server = server_config("offer", "default usrpwd\n");
        let client = client_config(&server, PASSWORD_OK, Arc::default());
        // srp first: the daemon does not accept it and offers usrpwd, which the client has
        // after uidgid.
        let mut alice = entry("alice", &[Method::Srp, Method::UidGid, Method::UsrPwd]);
        let (client_side, server_side) = over_unix(&server, &client, &mut alice);
        let (client_side, server_side) = (client_side.unwrap(), server_side.unwrap());
        assert_eq!((client_side.method, client_side.login.as_slice()), (Method::UsrPwd, &b"alice"[..]));
        assert!(client_side.daemon_key_verified && !client_side.reused);
        assert_eq!((server_side.method, server_side.user.as_slice()), (Method::UsrPwd, &b"alice"[..]));
        assert_eq!(counters(&alice, Method::Srp), (0, 1));
        assert_eq!(counters(&alice, Method::UidGid), (0, 0), "not offered, never tried");
        assert_eq!(counters(&alice, Method::UsrPwd), (1, 0));
    }

    #[test]
    fn none_and_a_denied_user_end_without_overlap() {
        let server = server_config("none", "default none\n");
        let client = client_config(&server, PASSWORD_OK, Arc::default());
        let (c, s) = over_unix(&server, &client, &mut entry("alice", &[Method::UsrPwd]));
        let err = c.unwrap_err();
        assert_eq!(err.code(), ErrorCode::AccessDenied);
        assert!(err.message().contains("accepts no method"), "{err}");
        assert_eq!(s.unwrap_err().code(), ErrorCode::AccessDenied);

        let server = server_config("deny", "default usrpwd:-alice uidgid\n");
        let client = client_config(&server, PASSWORD_OK, Arc::default());
        let (c, _) = over_unix(&server, &client, &mut entry("alice", &[Method::UsrPwd]));
        let err = c.unwrap_err();
        assert!(err.message().contains("UidGid"), "{err}");
        let (c, _) = over_unix(&server, &client, &mut entry("bob", &[Method::UsrPwd]));
        assert_eq!(c.unwrap_err().code(), ErrorCode::AuthFailed, "bob is allowed usrpwd but has no password entry");
    }

    #[test]
    fn a_wrong_password_fails_and_the_next_method_is_tried() {
        let me = sys::current_user().unwrap();
        let server = server_config("fallback", "default usrpwd uidgid\n");
        let asked = Arc::new(AtomicUsize::new(0));
        let client = client_config(&server, "wrong", asked.clone());
        let mut mine = entry(&me, &[Method::UsrPwd, Method::UidGid]);
        let (c, s) = over_unix(&server, &client, &mut mine);
        assert_eq!(c.unwrap().method, Method::UidGid);
        assert_eq!(s.unwrap().login, me.as_bytes());
        assert_eq!((counters(&mine, Method::UsrPwd), counters(&mine, Method::UidGid)), ((0, 1), (1, 0)));
        assert_eq!(asked.load(Ordering::SeqCst), 1);

        auth_failed(over_unix(&server, &client, &mut entry("alice", &[Method::UsrPwd])), "usrpwd: failed");
    }

    /// Both sides failed with AUTH_FAILED, the client's error saying `what`.
    fn auth_failed((c, s): Outcome, what: &str) {
        let err = c.unwrap_err();
        assert_eq!(err.code(), ErrorCode::AuthFailed);
        assert!(err.message().contains(what), "{err}");
        assert_eq!(s.unwrap_err().code(), ErrorCode::AuthFailed);
    }

    #[test]
    fn uidgid_works_over_a_unix_socket_and_is_refused_over_tcp() {
        let me = sys::current_user().unwrap();
        let server = server_config("uidgid", "default uidgid\n");
        let client = client_config(&server, PASSWORD_OK, Arc::default());
        let (c, _) = over_unix(&server, &client, &mut entry(&me, &[Method::UidGid]));
        assert_eq!(c.unwrap().login, me.as_bytes());
        let (c, s) = over_tcp(&server, &client, &mut entry(&me, &[Method::UidGid]));
        let err = c.unwrap_err();
        assert_eq!(err.code(), ErrorCode::AccessDenied);
        assert!(err.message().contains("uidgid: refused over TCP, it needs a Unix-domain socket"), "{err}");
        assert_eq!(s.unwrap_err().code(), ErrorCode::AuthFailed);
        let other = if me == "root" { "nobody" } else { "root" };
        let (c, _) = over_unix(&server, &client, &mut entry(other, &[Method::UidGid]));
        assert!(c.is_err(), "another user's name is refused");
    }

    #[test]
    fn a_token_is_reused_without_the_password_then_revoked() {
        let (server, client, asked) = counted("reuse", "default usrpwd\n");
        let mut alice = entry("alice", &[Method::UsrPwd]);
        let (c, s) = over_unix(&server, &client, &mut alice);
        assert!(!c.unwrap().reused && s.unwrap().token_expires > 0);
        assert_eq!(alice.established().len(), 1);
        let (c, s) = over_unix(&server, &client, &mut alice);
        assert!(c.unwrap().reused && s.unwrap().reused);
        assert_eq!(asked.load(Ordering::SeqCst), 1, "the second session asked no password");

        let established = alice.established()[0].clone();
        let (a, b) = UnixStream::pair().unwrap();
        let revoked = std::thread::scope(|s| {
            let daemon = s.spawn(|| accept(&server, b.as_raw_fd(), b.as_raw_fd()));
            revoke(&client, b"localhost", ServerKind::Rootd, &established, a.as_raw_fd(), a.as_raw_fd()).unwrap();
            daemon.join().unwrap().unwrap()
        });
        assert!(revoked.revoked);
        let (c, _) = over_unix(&server, &client, &mut alice);
        assert!(!c.unwrap().reused, "a revoked token is refused; the password is asked again");
        assert_eq!(asked.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn expired_and_tampered_tokens_fall_back_to_the_password() {
        let mut server = server_config("expired", "default usrpwd\n");
        server.max_validity = Duration::ZERO;
        let asked = Arc::new(AtomicUsize::new(0));
        let client = client_config(&server, PASSWORD_OK, asked.clone());
        let mut alice = entry("alice", &[Method::UsrPwd]);
        over_unix(&server, &client, &mut alice).0.unwrap();
        // Still valid on the client's clock for a moment: the daemon enforces the expiry.
        let mut token = alice.established()[0].clone();
        token.expires = SystemTime::now() + Duration::from_secs(60);
        let mut stale = entry("alice", &[Method::UsrPwd]);
        stale.add_established(token);
        let (c, _) = over_unix(&server, &client, &mut stale);
        assert!(!c.unwrap().reused);

        let server = server_config("tampered", "default usrpwd\n");
        let client = client_config(&server, PASSWORD_OK, asked.clone());
        let mut alice = entry("alice", &[Method::UsrPwd]);
        over_unix(&server, &client, &mut alice).0.unwrap();
        let mut token = alice.established()[0].clone();
        let last = token.token.len() - 20;
        token.token[last] ^= 1; // the expiry inside the ticket
        let mut tampered = entry("alice", &[Method::UsrPwd]);
        tampered.add_established(token);
        let before = asked.load(Ordering::SeqCst);
        let (c, s) = over_unix(&server, &client, &mut tampered);
        assert!(!c.unwrap().reused && !s.unwrap().reused);
        assert_eq!(asked.load(Ordering::SeqCst), before + 1);
    }

    /// A hand-driven client: the channel, then `script` with it.
    fn raw_client<R>(
        server: &ServerConfig,
        script: impl FnOnce(&mut SecureChannel) -> R,
    ) -> (R, Result<ServerSession>) {
        let (a, b) = UnixStream::pair().unwrap();
        std::thread::scope(|s| {
            let daemon = s.spawn(|| accept(server, b.as_raw_fd(), b.as_raw_fd()));
            let io = Channel::new(a.as_raw_fd(), a.as_raw_fd(), Duration::from_secs(5)).unwrap();
            let mut chan = SecureChannel::client(io, 1, Some(server.key.public)).unwrap();
            let result = script(&mut chan);
            drop(a);
            (result, daemon.join().unwrap())
        })
    }

    #[test]
    fn a_replayed_proof_is_refused() {
        let server = server_config("replay", "default usrpwd\n");
        let client = client_config(&server, PASSWORD_OK, Arc::default());
        let mut alice = entry("alice", &[Method::UsrPwd]);
        over_unix(&server, &client, &mut alice).0.unwrap();
        let token = alice.established()[0].token.clone();
        let (secret, ticket) = token.split_at(32);
        // Session 1: an honest proof, recorded.
        let (recorded, s) = raw_client(&server, |chan| {
            let binding = *chan.handshake_hash();
            chan.send(&Message::Reuse { purpose: ReusePurpose::Login, ticket: ticket.to_vec(), binding }.encode())
                .unwrap();
            let Message::Challenge { nonce } = Message::decode(&chan.recv().unwrap()).unwrap() else { panic!() };
            let mac = reuse::proof(secret, &binding, &nonce);
            chan.send(&Message::Proof { mac }.encode()).unwrap();
            assert!(matches!(Message::decode(&chan.recv().unwrap()).unwrap(), Message::Accepted(_)));
            mac
        });
        assert!(s.unwrap().reused);
        // Session 2: the recorded proof replayed.
        let (answer, s) = raw_client(&server, |chan| {
            let binding = *chan.handshake_hash();
            chan.send(&Message::Reuse { purpose: ReusePurpose::Login, ticket: ticket.to_vec(), binding }.encode())
                .unwrap();
            Message::decode(&chan.recv().unwrap()).unwrap();
            chan.send(&Message::Proof { mac: recorded }.encode()).unwrap();
            Message::decode(&chan.recv().unwrap()).unwrap()
        });
        assert_eq!(answer, Message::Refused { why: Refusal::TokenInvalid, remaining: vec![] });
        assert!(s.is_err(), "{s:?}");
    }

    #[test]
    fn method_messages_out_of_turn_are_refused() {
        let server = server_config("out-of-turn", "default usrpwd\n");
        // A Step before any Try.
        let ((), s) = raw_client(&server, |chan| {
            chan.send(&Message::Step { data: Zeroizing::new(b"token".to_vec()) }.encode()).unwrap();
            assert!(chan.recv().is_err(), "the daemon closes the connection");
        });
        let err = s.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Protocol);
        assert!(err.message().contains("unexpected message Step (5 bytes)"), "{err}");
        // An Abort when no method is running.
        let ((), s) = raw_client(&server, |chan| chan.send(&Message::Abort.encode()).unwrap());
        assert_eq!(s.unwrap_err().code(), ErrorCode::Protocol);
        // A password over the cap is a failed attempt, not an allocation.
        let (answer, s) = raw_client(&server, |chan| {
            let binding = *chan.handshake_hash();
            let first = Zeroizing::new(vec![b'x'; MAX_SECRET + 1]);
            let user = b"alice".to_vec();
            chan.send(&Message::Try { method: Method::UsrPwd, user, binding, validity: 0, first }.encode()).unwrap();
            Message::decode(&chan.recv().unwrap()).unwrap()
        });
        assert_eq!(answer, Message::Refused { why: Refusal::Failed, remaining: vec![] });
        assert_eq!(s.unwrap_err().code(), ErrorCode::AuthFailed);
    }

    #[test]
    fn srp_right_wrong_unknown_fallback_reuse_and_relayed() {
        let (server, client, asked) = counted("srp", "default srp usrpwd\n");
        // Right: a reuse token (ru:1), then reused without a password.
        let mut alice = entry("alice", &[Method::Srp]);
        let (c, s) = over_tcp(&server, &client, &mut alice);
        assert_eq!((c.unwrap().method, s.unwrap().method), (Method::Srp, Method::Srp));
        let (c, _) = over_tcp(&server, &client, &mut alice);
        assert!(c.unwrap().reused);
        assert_eq!(asked.load(Ordering::SeqCst), 1);
        // Wrong password: srp fails, usrpwd (the same wrong password) too.
        let wrong = client_config(&server, "wrong", Arc::default());
        auth_failed(
            over_tcp(&server, &wrong, &mut entry("alice", &[Method::Srp, Method::UsrPwd])),
            "srp: failed; usrpwd: failed",
        );
        // An unknown user fails the same way, after the same messages.
        auth_failed(over_tcp(&server, &client, &mut entry("carol", &[Method::Srp])), "srp: failed");
        // Falling from srp to the next method: the daemon has no verifier file.
        let mut no_file = server_config("srp-none", "default srp usrpwd\n");
        no_file.srp_file = None;
        let mut alice = entry("alice", &[Method::Srp, Method::UsrPwd]);
        let (c, _) = over_tcp(&no_file, &client_config(&no_file, PASSWORD_OK, Arc::default()), &mut alice);
        assert_eq!(c.unwrap().method, Method::UsrPwd);
        assert_eq!((counters(&alice, Method::Srp), counters(&alice, Method::UsrPwd)), ((0, 1), (1, 0)));
        // Relayed verbatim, or re-bound by the man in the middle: the SRP proof names the
        // client's channel.
        let (c, s) = relay(&server, Pin::None, Method::Srp, false);
        assert!(c.is_err() && s.unwrap_err().message().contains("another channel"));
        let (c, s) = relay(&server, Pin::None, Method::Srp, true);
        assert_eq!(c.unwrap_err().code(), ErrorCode::AuthFailed);
        assert_eq!(s.unwrap_err().code(), ErrorCode::AuthFailed);
    }

    #[test]
    fn an_srp_daemon_that_cannot_prove_the_verifier_is_refused() {
        // A daemon that accepts without the verifier: its last message is no proof.
        let server = server_config("srp-fake-daemon", "default srp\n");
        let err = raw_daemon(&server, &[Method::Srp], |chan| {
            chan.recv().unwrap();
            let challenge = Writer::new().u32(2048).bytes(&[1; 32]).bytes(&[2; 256]).finish();
            chan.send(&Message::Step { data: challenge }.encode()).unwrap();
            chan.recv().unwrap();
            let grant = Grant { last: vec![0; 64], ..Grant::plain(Method::Srp, b"alice".to_vec(), 0) };
            chan.send(&Message::Accepted(grant).encode()).unwrap();
        })
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::AuthFailed);
        assert!(err.message().contains("does not hold the verifier"), "{err}");
        // A daemon offering a 1024-bit group: the client abandons srp.
        let err = raw_daemon(&server, &[Method::Srp], |chan| {
            chan.recv().unwrap();
            let challenge = Writer::new().u32(1024).bytes(&[1; 32]).bytes(&[2; 128]).finish();
            chan.send(&Message::Step { data: challenge }.encode()).unwrap();
            assert_eq!(Message::decode(&chan.recv().unwrap()).unwrap(), Message::Abort);
            chan.send(&Message::Refused { why: Refusal::Failed, remaining: vec![] }.encode()).unwrap();
        })
        .unwrap_err();
        assert!(err.message().contains("srp: an SRP group of 1024 bits"), "{err}");
    }

    /// A client of `server` whose responder answers the right password and `passphrase`.
    fn passphrase_client(server: &ServerConfig, passphrase: &'static str) -> ClientConfig {
        let responder = Responder::new(move |_: &[Question], answers: &mut crate::responder::Answers| {
            answers.set(PASSWORD, Zeroizing::new(PASSWORD_OK.to_owned()));
            answers.set(crate::responder::PASSPHRASE, Zeroizing::new(passphrase.to_owned()));
            Ok(())
        });
        ClientConfig { responder: Some(responder), ..client_config(server, PASSWORD_OK, Arc::default()) }
    }

    #[test]
    fn ssh_keys_from_files_and_the_agent_against_authorized_keys() {
        use super::super::ssh::tests::{TestAgent, keygen};
        let me = sys::current_user().unwrap();
        let mut server = server_config("ssh", "default ssh usrpwd\n");
        let dir = server.secret_file.as_deref().and_then(Path::parent).unwrap().to_path_buf();
        let (ed, ed_pub) = keygen(&dir, "ed", "ed25519", "");
        let (ec, ec_pub) = keygen(&dir, "ec", "ecdsa", "pp");
        let (rsa, rsa_pub) = keygen(&dir, "rsa", "rsa", "");
        let (stranger, _) = keygen(&dir, "stranger", "ed25519", "");
        let (fenced, fenced_pub) = keygen(&dir, "fenced", "ed25519", "");
        let (commanded, commanded_pub) = keygen(&dir, "commanded", "ed25519", "");
        let keys = format!(
            "# keys\n{ed_pub}\nrestrict {ec_pub}\nfrom=\"localhost,127.0.0.1\" {rsa_pub}\n\
             from=\"10.*\" {fenced_pub}\ncommand=\"ls\" {commanded_pub}\n"
        );
        std::fs::write(dir.join(format!("{me}.keys")), keys).unwrap();
        server.authorized_keys = format!("{}/%u.keys", dir.display());
        let details = |extra: &str| format!("pt:no ru:0 us:{me} {extra}");
        let with = |method_details: String| {
            let mut entry = entry(&me, &[]);
            entry.add_method(Method::Ssh, method_details.as_bytes());
            entry.add_method(Method::UsrPwd, format!("pt:no ru:0 us:{me}").as_bytes());
            entry
        };
        let client = passphrase_client(&server, "pp");
        // A key file; a reuse token after it, then reused.
        let mut mine = with(format!("pt:no ru:1 us:{me} kf:{}", ed.display()));
        let (c, s) = over_tcp(&server, &client, &mut mine);
        assert_eq!((c.unwrap().method, s.unwrap().login), (Method::Ssh, me.clone().into_bytes()));
        assert!(over_tcp(&server, &client, &mut mine).0.unwrap().reused);
        // A key file with a passphrase (through the responder); a wrong passphrase fails ssh on
        // the client's side and usrpwd follows.
        let mut mine = with(details(&format!("kf:{}", ec.display())));
        assert_eq!(over_tcp(&server, &client, &mut mine).0.unwrap().method, Method::Ssh);
        let wrong = passphrase_client(&server, "not it");
        let mut mine = with(details(&format!("kf:{}", ec.display())));
        assert_eq!(over_tcp(&server, &wrong, &mut mine).0.unwrap().method, Method::UsrPwd);
        assert_eq!(counters(&mine, Method::Ssh), (0, 1));
        // The agent: an unlisted key and the RSA key (rsa-sha2-512): the daemon picks the listed
        // one, whose from= matches this client.
        let agent = TestAgent::start(&dir, &[&stranger, &rsa]);
        let agent_client = ClientConfig { ssh_agent: Some(agent.socket.clone()), ..passphrase_client(&server, "pp") };
        let (c, s) = over_tcp(&server, &agent_client, &mut with(details("")));
        assert_eq!((c.unwrap().method, s.unwrap().method), (Method::Ssh, Method::Ssh));
        drop(agent);
        // Keys the daemon does not accept: not listed, from= elsewhere, command= (which it
        // cannot honour): ssh fails, usrpwd follows.
        for key in [&stranger, &fenced, &commanded] {
            let mut mine = with(details(&format!("kf:{}", key.display())));
            let (c, _) = over_tcp(&server, &client, &mut mine);
            assert_eq!(c.unwrap().method, Method::UsrPwd, "{}", key.display());
            assert_eq!(counters(&mine, Method::Ssh), (0, 1));
        }
        // Another user's keys are not mine.
        let other = if me == "root" { "nobody" } else { "root" };
        let mut theirs = entry(other, &[]);
        theirs.add_method(Method::Ssh, format!("pt:no ru:0 us:{other} kf:{}", ed.display()).as_bytes());
        auth_failed(over_tcp(&server, &client, &mut theirs), "ssh: failed");
        // Relayed verbatim, or re-bound: the signature names the client's channel.
        let mut unpinned = passphrase_client(&server, "pp");
        unpinned.pin = Pin::None;
        let mut mine = entry(&me, &[]);
        mine.add_method(Method::Ssh, details(&format!("kf:{}", ed.display())).as_bytes());
        let (c, s) = relay_with(&server, &unpinned, &mut mine, false);
        assert!(c.is_err() && s.unwrap_err().message().contains("another channel"));
        let (c, s) = relay_with(&server, &unpinned, &mut mine, true);
        assert_eq!(c.unwrap_err().code(), ErrorCode::AuthFailed);
        assert_eq!(s.unwrap_err().code(), ErrorCode::AuthFailed);
    }

    /// A hand-driven daemon: the channel, then `script` with it; the client's outcome.
    fn raw_daemon(
        server: &ServerConfig,
        methods: &[Method],
        script: impl FnOnce(&mut SecureChannel) + Send,
    ) -> Result<ClientSession> {
        let (a, b) = UnixStream::pair().unwrap();
        let client = client_config(server, PASSWORD_OK, Arc::default());
        std::thread::scope(|s| {
            s.spawn(|| {
                let io = Channel::new(b.as_raw_fd(), b.as_raw_fd(), Duration::from_secs(5)).unwrap();
                let (mut chan, _) = SecureChannel::server(io, &server.key).unwrap();
                script(&mut chan);
            });
            let fd = a.as_raw_fd();
            authenticate(&client, &RootRc::default(), &mut entry("alice", methods), ServerKind::Rootd, fd, fd)
        })
    }

    #[test]
    fn a_daemon_that_sends_method_messages_to_a_single_message_method_is_refused() {
        let server = server_config("daemon-step", "default usrpwd\n");
        let step = Message::Step { data: Zeroizing::new(b"more?".to_vec()) };
        let err = raw_daemon(&server, &[Method::UsrPwd], |chan| {
            chan.recv().unwrap();
            chan.send(&step.encode()).unwrap();
        })
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Protocol);
        assert!(err.message().contains("single-message method"), "{err}");
        let err = raw_daemon(&server, &[Method::UsrPwd], |chan| {
            chan.recv().unwrap();
            let accepted = Message::Accepted(Grant {
                last: b"proof".to_vec(),
                ..Grant::plain(Method::UsrPwd, b"alice".to_vec(), 0)
            });
            chan.send(&accepted.encode()).unwrap();
        })
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Protocol, "{err}");
    }

    /// A man in the middle with its own key who relays every session message: verbatim, or
    /// with `Try`'s binding rewritten to its channel with the daemon when `rebind`.
    fn relay(server: &ServerConfig, pin: Pin, method: Method, rebind: bool) -> Outcome {
        let mut client = client_config(server, PASSWORD_OK, Arc::default());
        client.pin = pin;
        relay_with(server, &client, &mut entry("alice", &[method]), rebind)
    }

    /// [`relay`] for `client` and `entry`.
    fn relay_with(server: &ServerConfig, client: &ClientConfig, entry: &mut HostAuth, rebind: bool) -> Outcome {
        let mitm_key = StaticKey::generate().unwrap();
        let (client_end, mitm_front) = UnixStream::pair().unwrap();
        let (mitm_back, server_end) = UnixStream::pair().unwrap();
        let timeout = Duration::from_secs(5);
        std::thread::scope(|s| {
            let daemon = s.spawn(move || {
                let outcome = accept(server, server_end.as_raw_fd(), server_end.as_raw_fd());
                drop(server_end); // the man in the middle sees the daemon hang up at once
                outcome
            });
            s.spawn(move || {
                let front = Channel::new(mitm_front.as_raw_fd(), mitm_front.as_raw_fd(), timeout).unwrap();
                let back = Channel::new(mitm_back.as_raw_fd(), mitm_back.as_raw_fd(), timeout).unwrap();
                let Ok((mut front, kind)) = SecureChannel::server(front, &mitm_key) else { return };
                let mut back = SecureChannel::client(back, kind, None).unwrap();
                while let Ok(mut message) = front.recv() {
                    if let (true, Ok(Message::Try { method, user, validity, first, .. })) =
                        (rebind, Message::decode(&message))
                    {
                        let binding = *back.handshake_hash();
                        message = Message::Try { method, user, binding, validity, first }.encode();
                    }
                    if back.send(&message).is_err() {
                        break;
                    }
                    match back.recv() {
                        Ok(answer) => front.send(&answer).unwrap(),
                        Err(_) => break,
                    }
                }
            });
            let fd = client_end.as_raw_fd();
            let outcome = authenticate(client, &RootRc::default(), entry, ServerKind::Rootd, fd, fd);
            drop(client_end);
            (outcome, daemon.join().unwrap())
        })
    }

    #[test]
    fn a_relayed_session_is_refused() {
        let server = server_config("relay", "default usrpwd\n");
        let (c, s) = relay(&server, Pin::Key(server.key.public), Method::UsrPwd, false);
        assert_eq!(c.unwrap_err().code(), ErrorCode::KeyMismatch, "a pinned client sees the other key");
        assert!(s.is_err());
        let (c, s) = relay(&server, Pin::None, Method::UsrPwd, false);
        assert!(c.is_err());
        let err = s.unwrap_err();
        assert!(err.message().contains("another channel"), "{err}");
    }

    #[test]
    fn known_hosts_files_pin_per_host() {
        let server = server_config("known", "default usrpwd\n");
        let dir = server.secret_file.as_deref().and_then(Path::parent).unwrap().to_path_buf();
        let known = dir.join("known_hosts");
        std::fs::write(&known, format!("localhost {}\n", super::super::keys::hex(&[1; 32]))).unwrap();
        let mut client = client_config(&server, PASSWORD_OK, Arc::default());
        client.pin = Pin::KnownHosts(known.clone());
        let (c, _) = over_unix(&server, &client, &mut entry("alice", &[Method::UsrPwd]));
        assert_eq!(c.unwrap_err().code(), ErrorCode::KeyMismatch);
        std::fs::write(&known, format!("localhost {}\n", super::super::keys::hex(&server.key.public))).unwrap();
        let (c, _) = over_unix(&server, &client, &mut entry("alice", &[Method::UsrPwd]));
        assert!(c.unwrap().daemon_key_verified);
    }

    /// Runs `body` in a throwaway realm, as the test `name` of this module.
    fn in_realm(name: &str, body: impl FnOnce()) {
        crate::realm_support::in_realm(&format!("hostauth::negotiate::tests::{name}"), body);
    }

    /// Runs a kadmin.local query in the test realm.
    fn kadmin(query: &str) {
        let realm = std::env::var("DAEMONAUTH_TEST_REALM").unwrap();
        let status = std::process::Command::new("kadmin.local")
            .args(["-r", &realm, "-q", query])
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "kadmin.local -q {query:?}");
    }

    /// An entry for `user` with `method` and exactly these `details`, then usrpwd.
    fn strong_entry(user: &str, method: Method, details: &str) -> HostAuth {
        let mut entry = entry(user, &[]);
        entry.add_method(method, details.as_bytes());
        entry.add_method(Method::UsrPwd, format!("pt:no ru:0 us:{user}").as_bytes());
        entry
    }

    const REALM_ACCESS: &str = "default krb5 globus usrpwd\n";
    const ME_PASSWORD: &str = "me-Passw0rd";

    /// A principal named as the user running the tests (the local-name rules need a local
    /// user to exist), with the password above; its name.
    fn my_principal() -> String {
        let me = sys::current_user().unwrap();
        kadmin(&format!("addprinc -pw {ME_PASSWORD} {me}"));
        me
    }

    /// [`my_principal`] with its (forwardable) ticket in the cache; its name.
    fn my_ticket() -> String {
        let me = my_principal();
        let mut kinit = std::process::Command::new("kinit")
            .arg(&me)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::io::Write::write_all(kinit.stdin.as_mut().unwrap(), ME_PASSWORD.as_bytes()).unwrap();
        assert!(kinit.wait().unwrap().success());
        me
    }

    #[test]
    fn delegated_credentials_let_a_daemon_authenticate_onward_as_the_client() {
        in_realm("delegated_credentials_let_a_daemon_authenticate_onward_as_the_client", || {
            let me = my_ticket();
            let (master, worker) = (server_config("master", REALM_ACCESS), server_config("worker", REALM_ACCESS));
            let client = client_config(&master, PASSWORD_OK, Arc::default());
            // Without dg:yes nothing is delegated.
            let mut plain = strong_entry(&me, Method::Krb5, &format!("pt:no ru:0 us:{me}"));
            assert!(over_tcp(&master, &client, &mut plain).1.unwrap().delegated.is_none());
            for method in [Method::Krb5, Method::Globus] {
                let mut mine = strong_entry(&me, method, &format!("pt:no ru:0 us:{me} dg:yes"));
                let (c, s) = over_tcp(&master, &client, &mut mine);
                assert_eq!(c.unwrap().method, method);
                let delegated = s.unwrap().delegated.expect("the client delegated");
                // The master, with no ticket of its own, authenticates to the worker as
                // the client: the worker sees the client's principal.
                let status = std::process::Command::new("kdestroy").status().unwrap();
                assert!(status.success());
                let mut onward = client_config(&worker, "no password", Arc::default());
                onward.gss_cred = Some(delegated);
                let mut entry = strong_entry(&me, Method::Krb5, &format!("pt:no ru:0 us:{me}"));
                let (c, s) = over_tcp(&worker, &onward, &mut entry);
                assert_eq!(c.unwrap().method, Method::Krb5);
                assert_eq!(s.unwrap().principal, Some(format!("{me}@DAEMONAUTH.TEST").into_bytes()));
                // Without the delegated credentials the master has nothing to offer.
                let mut entry = strong_entry(&me, Method::Krb5, &format!("pt:no ru:0 us:{me}"));
                let nothing = client_config(&worker, "no password", Arc::default());
                auth_failed(over_tcp(&worker, &nothing, &mut entry), "krb5: ");
                my_ticket();
            }
        });
    }

    #[test]
    fn krb5_and_globus_authenticate_with_the_ticket_cache_and_map_the_principal() {
        in_realm("krb5_and_globus_authenticate_with_the_ticket_cache_and_map_the_principal", || {
            // The cache holds a ticket of the local user's principal.
            let me = my_ticket();
            let (server, client, asked) = counted("krb5-cache", REALM_ACCESS);
            let principal = Some(format!("{me}@DAEMONAUTH.TEST").into_bytes());
            // krb5 with the ticket; a reuse token after it (ru:1), then reused.
            let mut mine = strong_entry(&me, Method::Krb5, &format!("pt:no ru:1 us:{me}"));
            let (c, s) = over_tcp(&server, &client, &mut mine);
            let (c, s) = (c.unwrap(), s.unwrap());
            assert_eq!((c.method, c.login.as_slice(), c.reused), (Method::Krb5, me.as_bytes(), false));
            assert_eq!((s.principal.clone(), s.token_expires > 0), (principal.clone(), true));
            let (c, s) = over_tcp(&server, &client, &mut mine);
            assert!(c.unwrap().reused && s.unwrap().reused);
            assert_eq!(counters(&mine, Method::Krb5), (2, 0));
            // ROOT's Krb5.Login form: `us:` is the principal; the local user its first part.
            let details = format!("pt:no ru:0 us:{me}@DAEMONAUTH.TEST");
            let mut login = strong_entry("nobody", Method::Krb5, &details);
            let (c, s) = over_tcp(&server, &client, &mut login);
            assert_eq!((c.unwrap().login, s.unwrap().principal), (me.clone().into_bytes(), principal.clone()));
            // globus: SPNEGO by default, or the mechanism the details name.
            for details in ["ru:1", "ru:0 mech:spnego", "ru:0 mech:1.2.840.113554.1.2.2"] {
                let mut any = strong_entry(&me, Method::Globus, &format!("pt:no us:{me} {details}"));
                let (c, s) = over_tcp(&server, &client, &mut any);
                assert_eq!(c.unwrap().method, Method::Globus, "{details}");
                assert_eq!(s.unwrap().principal, principal, "{details}");
            }
            // Reuse after globus.
            let mut any = strong_entry(&me, Method::Globus, &format!("pt:no ru:1 us:{me}"));
            over_tcp(&server, &client, &mut any).0.unwrap();
            let (c, _) = over_tcp(&server, &client, &mut any);
            assert!(c.unwrap().reused);
            assert_eq!(asked.load(Ordering::SeqCst), 0, "the ticket cache needs no password");
            // The principal may not log in as another user (krb5_kuserok): krb5 and globus
            // fail, then usrpwd (bob has no password entry).
            let mut bob = strong_entry("bob", Method::Krb5, "pt:no ru:0 us:bob");
            bob.add_method(Method::Globus, b"pt:no ru:0 us:bob");
            auth_failed(over_tcp(&server, &client, &mut bob), "krb5: failed; usrpwd: failed; globus: failed");
        });
    }

    #[test]
    fn krb5_gets_a_ticket_through_the_responder_and_falls_back_when_it_cannot() {
        in_realm("krb5_gets_a_ticket_through_the_responder_and_falls_back_when_it_cannot", || {
            // The cache holds alice's ticket only: the principal below has none.
            let me = my_principal();
            let server = server_config("krb5-responder", REALM_ACCESS);
            let asked = Arc::new(AtomicUsize::new(0));
            let client = client_config(&server, ME_PASSWORD, asked.clone());
            let details = format!("pt:no ru:0 us:{me} pp:{me}");
            let mut mine = strong_entry(&me, Method::Krb5, &details);
            let (c, s) = over_tcp(&server, &client, &mut mine);
            assert_eq!(c.unwrap().method, Method::Krb5);
            assert_eq!(s.unwrap().principal, Some(format!("{me}@DAEMONAUTH.TEST").into_bytes()));
            assert_eq!(asked.load(Ordering::SeqCst), 1);
            // A wrong password: krb5 fails on the client's side, usrpwd is next.
            let client = client_config(&server, PASSWORD_OK, asked.clone());
            let mut mine = strong_entry(&me, Method::Krb5, &details);
            let (c, s) = over_tcp(&server, &client, &mut mine);
            assert_eq!(c.unwrap().method, Method::UsrPwd);
            assert_eq!(s.unwrap().method, Method::UsrPwd);
            assert_eq!((counters(&mine, Method::Krb5), counters(&mine, Method::UsrPwd)), ((0, 1), (1, 0)));
            // A service the KDC does not know: the client cannot start krb5.
            let mut nosuch = client_config(&server, PASSWORD_OK, Arc::default());
            nosuch.gss_service = "nosuch".into();
            let mut alice = strong_entry("alice", Method::Krb5, "pt:no ru:0 us:alice");
            let (c, _) = over_tcp(&server, &nosuch, &mut alice);
            let c = c.unwrap();
            assert_eq!(c.method, Method::UsrPwd);
            assert_eq!(counters(&alice, Method::Krb5), (0, 1));
            // A service the daemon does not accept as: the daemon refuses the context.
            let mut host_only = server_config("krb5-wrong-service", REALM_ACCESS);
            host_only.gss.service = Some("host@localhost".into());
            let mut cvs = client_config(&host_only, ME_PASSWORD, Arc::default());
            cvs.gss_service = "cvs".into();
            let mut mine = strong_entry(&me, Method::Krb5, &details);
            auth_failed(over_tcp(&host_only, &cvs, &mut mine), "krb5: failed");
            // The same client to the right service.
            let right = client_config(&host_only, ME_PASSWORD, Arc::default());
            let mut mine = strong_entry(&me, Method::Krb5, &details);
            assert_eq!(over_tcp(&host_only, &right, &mut mine).0.unwrap().method, Method::Krb5);
        });
    }

    #[test]
    fn a_relayed_gss_context_is_refused() {
        in_realm("a_relayed_gss_context_is_refused", || {
            let server = server_config("krb5-relay", "default krb5 globus\n");
            for method in [Method::Krb5, Method::Globus] {
                // Relayed verbatim: the binding in Try names the client's channel.
                let (c, s) = relay(&server, Pin::None, method, false);
                assert!(c.is_err());
                assert!(s.unwrap_err().message().contains("another channel"));
                // Rebound by the man in the middle: the GSS channel bindings still name the
                // client's channel, and the daemon's context fails.
                let (c, s) = relay(&server, Pin::None, method, true);
                assert_eq!(c.unwrap_err().code(), ErrorCode::AuthFailed, "{method:?}");
                assert_eq!(s.unwrap_err().code(), ErrorCode::AuthFailed, "{method:?}");
            }
        });
    }
}
