//! GSS-API core: names, credentials, context establishment over any supported token
//! framing, message protection, and context export/import.
//!
//! The raw C calls live in [`sys`]; this module holds the protocol logic: the initiator and
//! acceptor loops, the checks of requested against granted flags, and a context type that
//! refuses use after export.

mod ffi;
mod status;
pub mod sys;

use std::time::Duration;

use crate::error::{Error, ErrorCode, Result};
use crate::framing::{DEFAULT_MAX_TOKEN_LEN, Framing, Token};
use crate::io::{Channel, DEFAULT_TIMEOUT};
use zeroize::Zeroizing;

use crate::responder::krb5::{self, MemoryCache};
use crate::responder::{Answers, PASSWORD, Question, Responder};
use crate::{log_debug, log_info};
pub use sys::{Cred, Name, NameType, Oid, Usage, oids};

/// GSS-API context flags (the values of `GSS_C_*_FLAG`).
/// cbindgen:ignore
pub mod flags {
    pub const DELEG: u32 = super::ffi::DAEMONAUTH_GSS_FLAG_DELEG;
    pub const MUTUAL: u32 = super::ffi::DAEMONAUTH_GSS_FLAG_MUTUAL;
    pub const REPLAY: u32 = super::ffi::DAEMONAUTH_GSS_FLAG_REPLAY;
    pub const SEQUENCE: u32 = super::ffi::DAEMONAUTH_GSS_FLAG_SEQUENCE;
    pub const CONF: u32 = super::ffi::DAEMONAUTH_GSS_FLAG_CONF;
    pub const INTEG: u32 = super::ffi::DAEMONAUTH_GSS_FLAG_INTEG;
    pub const ANON: u32 = super::ffi::DAEMONAUTH_GSS_FLAG_ANON;
    pub const PROT_READY: u32 = super::ffi::DAEMONAUTH_GSS_FLAG_PROT_READY;
    pub const TRANS: u32 = super::ffi::DAEMONAUTH_GSS_FLAG_TRANS;
    pub const DELEG_POLICY: u32 = super::ffi::DAEMONAUTH_GSS_FLAG_DELEG_POLICY;

    /// The names of the flags set in `bits`, e.g. "MUTUAL|REPLAY".
    pub fn names(bits: u32) -> String {
        const NAMES: [(u32, &str); 10] = [
            (DELEG, "DELEG"),
            (MUTUAL, "MUTUAL"),
            (REPLAY, "REPLAY"),
            (SEQUENCE, "SEQUENCE"),
            (CONF, "CONF"),
            (INTEG, "INTEG"),
            (ANON, "ANON"),
            (PROT_READY, "PROT_READY"),
            (TRANS, "TRANS"),
            (DELEG_POLICY, "DELEG_POLICY"),
        ];
        let set: Vec<&str> = NAMES.iter().filter(|(bit, _)| bits & bit != 0).map(|(_, name)| *name).collect();
        if set.is_empty() { "none".to_owned() } else { set.join("|") }
    }
}

/// The gss-sample token flag that marks context-establishment tokens.
/// cbindgen:ignore
pub const SAMPLE_TOKEN_CONTEXT: u8 = ffi::DAEMONAUTH_SAMPLE_TOKEN_CONTEXT;

/// The default time a whole context establishment may take: 60 s.
/// cbindgen:ignore
pub const DEFAULT_EXCHANGE_TIMEOUT: Duration = Duration::from_secs(60);

/// The most tokens one side reads while establishing a context; a peer that keeps asking
/// for more is refused.
const MAX_ROUNDS: usize = 16;

/// What happens during context establishment, as told to a token observer.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenEvent {
    /// A context token arrived from the peer (the token is passed).
    Received = 1,
    /// A context token is being sent to the peer (the token is passed).
    Sent = 2,
    /// A step finished and the peer's next token is awaited (no token).
    ContinueNeeded = 3,
    /// A step finished and the context is established on this side (no token).
    Complete = 4,
}

/// Sees every context token and step of an establishment, for tracing and for programs that
/// print them (MIT's samples do in verbose mode). Never handed secrets: context tokens are
/// public protocol messages.
pub type TokenObserver = std::sync::Arc<dyn Fn(TokenEvent, &[u8]) + Send + Sync>;

/// The flags an initiator requests unless told otherwise: mutual authentication, replay and
/// sequence detection (so that replayed and out-of-sequence messages are refused), integrity
/// and confidentiality.
/// cbindgen:ignore
pub const DEFAULT_FLAGS: u32 = flags::MUTUAL | flags::REPLAY | flags::SEQUENCE | flags::CONF | flags::INTEG;

/// The flags a context must have unless told otherwise, on both sides.
/// cbindgen:ignore
pub const DEFAULT_REQUIRED_FLAGS: u32 = flags::MUTUAL | flags::REPLAY | flags::SEQUENCE;

/// How a context is established.
#[derive(Clone)]
pub struct Options {
    /// How tokens are delimited on the stream.
    pub framing: Framing,
    /// The largest token a peer may announce.
    pub max_token_len: usize,
    /// The time each token read or write may take.
    pub timeout: Duration,
    /// The time the whole context establishment may take, however many tokens it needs.
    pub exchange_timeout: Duration,
    /// Flags the initiator requests.
    pub flags: u32,
    /// Flags the context must end up with (checked on both sides).
    pub required_flags: u32,
    /// The initiator's mechanism; None for the default.
    pub mech: Option<Oid>,
    /// Flags put on outgoing context tokens (gss-sample framing only).
    pub context_token_flags: u8,
    /// Told about every context token and step, if set.
    pub observer: Option<TokenObserver>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            framing: Framing::U32Be,
            max_token_len: DEFAULT_MAX_TOKEN_LEN,
            timeout: DEFAULT_TIMEOUT,
            exchange_timeout: DEFAULT_EXCHANGE_TIMEOUT,
            flags: DEFAULT_FLAGS,
            required_flags: DEFAULT_REQUIRED_FLAGS,
            mech: None,
            context_token_flags: 0,
            observer: None,
        }
    }
}

impl Options {
    /// A channel over the given descriptors with these options' timeout.
    pub fn channel(&self, read_fd: i32, write_fd: i32) -> Result<Channel> {
        Channel::new(read_fd, write_fd, self.timeout)
    }

    /// Reads a token in this framing with this length cap.
    pub fn read_token(&self, channel: &Channel) -> Result<Token> {
        self.framing.read(channel, self.max_token_len)
    }

    fn observe(&self, event: TokenEvent, token: &[u8]) {
        if let Some(observer) = &self.observer {
            observer(event, token);
        }
    }

    /// Sends the acceptor's error token, if GSS made one, so that the initiator can report
    /// the acceptor's reason; returns the acceptor's error (a failure to send is only logged).
    fn send_error_token(&self, channel: &Channel, refused: sys::RefusedStep) -> Error {
        if !refused.token.is_empty()
            && let Err(err) = self.send_context_token(channel, &refused.token)
        {
            log_debug!("gss: the error token did not reach the initiator: {err}");
        }
        refused.error
    }

    fn send_context_token(&self, channel: &Channel, token: &[u8]) -> Result<()> {
        self.send_context_token_and(channel, token, &[])
    }

    /// Sends a context token (if not empty) and `trailer` after it in one write, so that a
    /// peer waiting for both never waits on a delayed ACK between them.
    fn send_context_token_and(&self, channel: &Channel, token: &[u8], trailer: &[u8]) -> Result<()> {
        let mut bytes = Vec::new();
        if !token.is_empty() {
            log_debug!("gss: sending a context token of {} bytes", token.len());
            self.observe(TokenEvent::Sent, token);
            bytes = self.framing.encode(self.context_token_flags, token)?;
        }
        bytes.extend_from_slice(trailer);
        if bytes.is_empty() {
            return Ok(());
        }
        channel.write_all(&bytes, channel.deadline()).map_err(|err| err.context("sending a token"))
    }

    fn observe_step(&self, complete: bool) {
        self.observe(if complete { TokenEvent::Complete } else { TokenEvent::ContinueNeeded }, &[]);
    }

    fn read_context_token(&self, channel: &Channel) -> Result<Vec<u8>> {
        let token = self.read_token(channel)?;
        if self.framing == Framing::GssSample && token.flags != 0 && token.flags & SAMPLE_TOKEN_CONTEXT == 0 {
            return Err(Error::new(
                ErrorCode::Protocol,
                format!("expected a context token, got one with flags {:#04x}", token.flags),
            ));
        }
        self.observe(TokenEvent::Received, &token.body);
        Ok(token.body)
    }
}

/// An established (or imported) security context.
pub struct SecurityContext {
    context: sys::Context,
}

impl SecurityContext {
    /// Wraps an existing context.
    fn new(context: sys::Context) -> SecurityContext {
        SecurityContext { context }
    }

    fn live(&self) -> Result<&sys::Context> {
        if self.context.is_present() {
            Ok(&self.context)
        } else {
            Err(Error::new(ErrorCode::InvalidArgument, "the security context was exported and can no longer be used"))
        }
    }

    /// Names, flags, mechanism and lifetime.
    pub fn info(&self) -> Result<sys::ContextInfo> {
        self.live()?.inquire()
    }

    /// The name of the other side: the initiator's name for an acceptor, the target for an
    /// initiator.
    pub fn peer_name(&self) -> Result<String> {
        let info = self.info()?;
        let name = if info.locally_initiated { info.target } else { Some(info.source) };
        let name = name.ok_or_else(|| Error::new(ErrorCode::Gss, "the context has no peer name"))?;
        Ok(name.display()?.0)
    }

    /// The initiator's name and the OID of its name type.
    pub fn source_name(&self) -> Result<(String, Option<Oid>)> {
        self.info()?.source.display()
    }

    /// The acceptor's name.
    pub fn target_name(&self) -> Result<String> {
        let target = self.info()?.target.ok_or_else(|| Error::new(ErrorCode::Gss, "the context has no target name"))?;
        Ok(target.display()?.0)
    }

    /// Protects `message`, encrypting it when `encrypt`; also says whether it was encrypted.
    pub fn wrap(&self, encrypt: bool, message: &[u8]) -> Result<(Vec<u8>, bool)> {
        self.live()?.wrap(encrypt, message)
    }

    /// Checks and opens a wrapped token; also says whether it had been encrypted.
    pub fn unwrap(&self, token: &[u8]) -> Result<(zeroize::Zeroizing<Vec<u8>>, bool)> {
        self.live()?.unwrap(token)
    }

    /// A message integrity code over `message`.
    pub fn get_mic(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.live()?.get_mic(message)
    }

    /// Checks a message integrity code.
    pub fn verify_mic(&self, message: &[u8], mic: &[u8]) -> Result<()> {
        self.live()?.verify_mic(message, mic)
    }

    /// Gives up the raw GSS-API handle to a C caller who keeps it (and deletes it).
    pub fn into_raw(self) -> libgssapi_sys::gss_ctx_id_t {
        self.context.into_raw()
    }

    /// Serialises the context for another process (for example a forked child); this
    /// context can no longer be used afterwards.
    pub fn export(&mut self) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        self.live()?;
        self.context.export()
    }

    /// Rebuilds an exported context.
    pub fn import(token: &[u8]) -> Result<SecurityContext> {
        sys::Context::import(token).map(SecurityContext::new)
    }
}

/// Establishes a context as the initiator towards `target`, over `channel`.
pub fn initiate(channel: &Channel, options: &Options, cred: Option<&Cred>, target: &Name) -> Result<SecurityContext> {
    initiate_reading(channel, options, cred, target, |channel| options.read_context_token(channel))
}

/// [`initiate`] with the acceptor's tokens read by `read_token`, for protocols whose peers
/// may answer something other than a token (CVS gserver servers send a text error).
pub fn initiate_reading(
    channel: &Channel,
    options: &Options,
    cred: Option<&Cred>,
    target: &Name,
    mut read_token: impl FnMut(&Channel) -> Result<Vec<u8>>,
) -> Result<SecurityContext> {
    let channel = &channel.bounded(options.exchange_timeout);
    let mut context = sys::Context::new();
    let mut input: Option<Vec<u8>> = None;
    for _ in 0..MAX_ROUNDS {
        let step = context.init_step(cred, target, options.mech.as_ref(), options.flags, None, input.as_deref())?;
        options.send_context_token(channel, &step.output)?;
        options.observe_step(step.complete);
        if step.complete {
            return finish(context, step.flags, options.required_flags);
        }
        input = Some(read_token(channel)?);
    }
    Err(too_many_rounds())
}

/// Establishes a context as the acceptor, over `channel`.
pub fn accept(channel: &Channel, options: &Options, cred: Option<&Cred>) -> Result<SecurityContext> {
    accept_after(channel, options, cred, None)
}

/// Establishes a context as the acceptor when the application has already read the
/// initiator's first token (`first`), as a server must that tells protocol versions apart by
/// their first token.
pub fn accept_after(
    channel: &Channel,
    options: &Options,
    cred: Option<&Cred>,
    first: Option<Vec<u8>>,
) -> Result<SecurityContext> {
    accept_answering(channel, options, cred, first, |_| (Vec::new(), ())).map(|(context, ())| context)
}

/// [`accept_after`] for a protocol whose server answers the established context at once
/// (distcc's `y`/`n`): `answer` sees the context and returns the bytes that leave in the same
/// write as the last context token, and a value handed back with the context. A context that
/// lacks the required flags gets its last token but no answer.
pub fn accept_answering<T>(
    channel: &Channel,
    options: &Options,
    cred: Option<&Cred>,
    first: Option<Vec<u8>>,
    answer: impl FnOnce(&SecurityContext) -> (Vec<u8>, T),
) -> Result<(SecurityContext, T)> {
    let channel = &channel.bounded(options.exchange_timeout);
    let mut context = sys::Context::new();
    let mut first = first;
    for _ in 0..MAX_ROUNDS {
        let input = match first.take() {
            Some(token) => token,
            None => options.read_context_token(channel)?,
        };
        let step =
            context.accept_step(cred, None, &input).map_err(|refused| options.send_error_token(channel, refused))?;
        if !step.complete {
            options.send_context_token(channel, &step.output)?;
            options.observe_step(false);
            continue;
        }
        let context = match finish(context, step.flags, options.required_flags) {
            Ok(context) => context,
            Err(err) => {
                options.send_context_token(channel, &step.output)?;
                return Err(err);
            }
        };
        let (trailer, value) = answer(&context);
        options.send_context_token_and(channel, &step.output, &trailer)?;
        options.observe_step(true);
        log_info!("gss: accepted {}", context.peer_name().unwrap_or_else(|_| "an unnamed peer".into()));
        return Ok((context, value));
    }
    Err(too_many_rounds())
}

/// The established context, unless it lacks a required flag. `granted` are the flags the
/// last establishment step returned: asking the context again (gss_inquire_context) would
/// also build both names, and MIT's krb5 opens a fresh krb5 context to release each of them.
fn finish(context: sys::Context, granted: u32, required: u32) -> Result<SecurityContext> {
    let context = SecurityContext::new(context);
    let missing = required & !granted;
    if missing != 0 {
        return Err(Error::new(
            ErrorCode::Gss,
            format!("the context lacks required flags {} (granted: {})", flags::names(missing), flags::names(granted)),
        ));
    }
    Ok(context)
}

fn too_many_rounds() -> Error {
    Error::new(ErrorCode::Protocol, format!("context establishment did not finish within {MAX_ROUNDS} tokens"))
}

/// Initiator credentials for `user` (None: the default principal): the tickets already in
/// the credential cache if there are any; otherwise, when a responder is given, a new ticket
/// obtained through Kerberos's responder ([`krb5::get_init_creds`]: password, OTP or PKINIT
/// questions, and the user name when `user` is None), kept in a memory cache of its own.
pub fn acquire_initiator(user: Option<&str>, mech: Option<&Oid>, responder: Option<&Responder>) -> Result<Cred> {
    let name = user.map(|user| Name::import(user, NameType::UserName)).transpose()?;
    let existing = Cred::acquire(name.as_ref(), Usage::Initiate, mech, &[]);
    let (Err(no_ticket), Some(responder)) = (&existing, responder) else {
        return existing;
    };
    log_debug!("gss: no usable ticket ({no_ticket}); asking the responder");
    acquire_new_ticket(user, mech, responder)
}

/// Initiator credentials for `user` from a new ticket obtained with `password` (never the
/// tickets already cached): [`acquire_initiator`]'s path with a responder that knows only the
/// password.
pub fn acquire_with_password(user: &str, password: Zeroizing<String>, mech: Option<&Oid>) -> Result<Cred> {
    let responder = Responder::new(move |questions: &[Question], answers: &mut Answers| {
        if questions.iter().any(|question| question.name == PASSWORD) {
            answers.set(PASSWORD, password.clone());
        }
        Ok(())
    });
    acquire_new_ticket(Some(user), mech, &responder)
}

fn acquire_new_ticket(user: Option<&str>, mech: Option<&Oid>, responder: &Responder) -> Result<Cred> {
    let cache = MemoryCache::unique();
    krb5::get_init_creds(user, Some(cache.name()), responder)?;
    Cred::acquire_from_memory_cache(mech, cache)
}

/// Resolves a mechanism given by name (`krb5`, `spnego`) or OID; None or "" is the default.
pub fn mech_from_text(text: Option<&str>) -> Result<Option<Oid>> {
    match text.map(str::trim) {
        None | Some("") | Some("default") => Ok(None),
        Some(name) if name.eq_ignore_ascii_case("krb5") || name.eq_ignore_ascii_case("kerberos_v5") => {
            Ok(Some(oids::krb5()))
        }
        Some(name) if name.eq_ignore_ascii_case("spnego") => Ok(Some(oids::spnego())),
        Some(oid) => Oid::parse(oid).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_constants_match_the_gss_values() {
        assert_eq!(flags::DELEG, libgssapi_sys::GSS_C_DELEG_FLAG);
        assert_eq!(flags::MUTUAL, libgssapi_sys::GSS_C_MUTUAL_FLAG);
        assert_eq!(flags::REPLAY, libgssapi_sys::GSS_C_REPLAY_FLAG);
        assert_eq!(flags::SEQUENCE, libgssapi_sys::GSS_C_SEQUENCE_FLAG);
        assert_eq!(flags::CONF, libgssapi_sys::GSS_C_CONF_FLAG);
        assert_eq!(flags::INTEG, libgssapi_sys::GSS_C_INTEG_FLAG);
        assert_eq!(flags::ANON, libgssapi_sys::GSS_C_ANON_FLAG);
        assert_eq!(flags::PROT_READY, libgssapi_sys::GSS_C_PROT_READY_FLAG);
        assert_eq!(flags::TRANS, libgssapi_sys::GSS_C_TRANS_FLAG);
        assert_eq!(flags::DELEG_POLICY, libgssapi_sys::GSS_C_DELEG_POLICY_FLAG);
    }

    #[test]
    fn a_trickling_initiator_is_cut_at_the_exchange_deadline() {
        use std::io::Write;
        use std::os::fd::AsRawFd;
        use std::os::unix::net::UnixStream;
        use std::time::Instant;

        // One valid-looking token header and body, a byte every 50 ms: each byte comes well
        // within the 30 s token timeout, but the whole exchange gets 500 ms.
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        let trickler = std::thread::spawn(move || {
            for byte in [0u8, 0, 1, 0].into_iter().chain([0x60; 256]) {
                if theirs.write_all(&[byte]).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let options = Options { exchange_timeout: Duration::from_millis(500), ..Options::default() };
        let channel = options.channel(ours.as_raw_fd(), ours.as_raw_fd()).unwrap();
        let started = Instant::now();
        let err = accept(&channel, &options, None).err().expect("a trickle never authenticates");
        assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
        assert!(err.message().contains("exchange"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        drop(ours);
        trickler.join().unwrap();
    }

    #[test]
    fn flag_names_read_well() {
        assert_eq!(flags::names(flags::MUTUAL | flags::REPLAY), "MUTUAL|REPLAY");
        assert_eq!(flags::names(0), "none");
    }

    #[test]
    fn mechanisms_resolve_by_name_and_oid() {
        assert_eq!(mech_from_text(None).unwrap(), None);
        assert_eq!(mech_from_text(Some("krb5")).unwrap(), Some(oids::krb5()));
        assert_eq!(mech_from_text(Some("SPNEGO")).unwrap(), Some(oids::spnego()));
        assert_eq!(mech_from_text(Some("1.3.6.1.5.5.2")).unwrap(), Some(oids::spnego()));
        assert_eq!(mech_from_text(Some("nonsense")).unwrap_err().code(), ErrorCode::InvalidArgument);
    }
}
