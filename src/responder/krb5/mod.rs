//! Kerberos initial credentials through the responder: a safe wrapper over the few libkrb5
//! calls in [`sys`], and the bridge that routes krb5's responder questions (`password`, `otp`,
//! `pkinit`, unchanged: same names, same challenges) and its prompter's password prompts to a
//! [`Responder`].

mod sys;

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::fmt::Display;
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};

use zeroize::Zeroizing;

use super::{Answers, PASSWORD, Question, Responder, USERNAME, json};
use crate::error::{Error, ErrorCode, Result};
use crate::ffi::guard_or;
use crate::log_debug;

/// Obtains a ticket-granting ticket for `principal` into the credential cache named `ccache`
/// (`None`: the default cache), asking `responder` for whatever krb5 needs.
///
/// With `principal` `None` the responder is first asked `username` and `password` in one
/// step (challenge `{"service":"krb5","realm":"<default realm>"}`).
///
/// Errors: [`ErrorCode::AuthFailed`] for a wrong password or unknown principal,
/// [`ErrorCode::Unanswered`] when no responder answered, [`ErrorCode::Krb5`] for other krb5
/// failures (KDC unreachable, bad cache name); messages carry krb5's own text.
pub fn get_init_creds(principal: Option<&str>, ccache: Option<&str>, responder: &Responder) -> Result<()> {
    let context = Context::new()?;
    let login: Answers;
    let (name, password) = match principal {
        Some(name) => (name, None),
        None => {
            login = ask_login(&context, responder)?;
            let name = login.get(USERNAME).expect("ask() returns every required answer");
            let password = login.get(PASSWORD).expect("ask() returns every required answer");
            (name, Some(secret_c_string(password, PASSWORD)?))
        }
    };
    let client = context.parse_name(name)?;
    let cache = match ccache {
        Some(cache) => context.resolve_ccache(cache)?,
        None => context.default_ccache()?,
    };
    let options = context.init_creds_options()?;
    // SAFETY: context, options and cache are live handles of this context.
    let code = unsafe { (context.api.krb5_get_init_creds_opt_set_out_ccache)(context.raw, options.raw, cache.raw) };
    context.check(code, "choosing the credential cache")?;

    let mut bridge = Bridge { context: &context, responder, principal: name, failure: None };
    let data = ptr::from_mut(&mut bridge).cast::<c_void>();
    // SAFETY: live handles; `data` points at `bridge`, which outlives every use krb5 makes of
    // it (only during krb5_get_init_creds_password below, on this thread).
    let code =
        unsafe { (context.api.krb5_get_init_creds_opt_set_responder)(context.raw, options.raw, Some(respond), data) };
    context.check(code, "installing the responder")?;
    // SAFETY: Creds is integers and nullable pointers, for which all-zero is the empty value.
    let mut creds: sys::Creds = unsafe { std::mem::zeroed() };
    let password_ptr = password.as_ref().map_or(ptr::null(), |p| p.as_ptr().cast::<c_char>());
    // SAFETY: live handles; `password_ptr` is NULL or a NUL-terminated string that outlives
    // the call; `data` is valid for the callbacks as explained above.
    let code = unsafe {
        (context.api.krb5_get_init_creds_password)(
            context.raw,
            &mut creds,
            client.raw,
            password_ptr,
            Some(prompter),
            data,
            0,
            ptr::null(),
            options.raw,
        )
    };
    // SAFETY: `creds` is either zeroed or filled by krb5; freeing the contents of either is valid.
    unsafe { (context.api.krb5_free_cred_contents)(context.raw, &mut creds) };
    match bridge.failure.take() {
        Some(failure) => Err(failure),
        None => context.check(code, format_args!("getting initial credentials for {name}")),
    }
}

/// Asks for the user name and password in one step.
/// Opens MIT's krb5 library now (`daemonauth_load_libraries`).
pub(crate) fn load_library() -> Result<()> {
    sys::KRB5.get().map(drop)
}

fn ask_login(context: &Context, responder: &Responder) -> Result<Answers> {
    let realm = context.default_realm()?;
    let challenge = json::object(&[("service", "krb5"), ("realm", &realm)]);
    responder.ask(&[
        Question::new(USERNAME, &*challenge, format!("Kerberos user name ({realm})")),
        Question::new(PASSWORD, challenge, "Kerberos password"),
    ])
}

/// `value` with a terminating NUL, in memory that is zeroized when dropped.
fn secret_c_string(value: &str, name: &str) -> Result<Zeroizing<Vec<u8>>> {
    if value.contains('\0') {
        return Err(Error::new(ErrorCode::InvalidArgument, format!("the answer to `{name}` contains a NUL")));
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(value.len() + 1));
    bytes.extend_from_slice(value.as_bytes());
    bytes.push(0);
    Ok(bytes)
}

/// What krb5's callbacks reach through their `data` pointer.
struct Bridge<'a> {
    context: &'a Context,
    responder: &'a Responder,
    principal: &'a str,
    /// Why a callback told krb5 to stop; reported instead of krb5's own code.
    failure: Option<Error>,
}

impl Bridge<'_> {
    /// Runs one callback's work inside the panic guard; a failure is kept for the caller of
    /// krb5 and turned into a krb5 error code that stops krb5.
    fn run(&mut self, work: impl FnOnce(&Bridge<'_>) -> Result<()>) -> sys::krb5_error_code {
        let panicked = Err(Error::new(ErrorCode::Internal, "the krb5 responder bridge panicked"));
        match guard_or("krb5 responder bridge", panicked, || work(self)) {
            Ok(()) => 0,
            Err(err) => {
                self.failure = Some(err);
                sys::LIBOS_PWDINTR
            }
        }
    }

    fn prompt_for(&self, question: &str) -> String {
        match question {
            "otp" => format!("One-time password for {}", self.principal),
            "pkinit" => format!("PIN for {}", self.principal),
            _ => format!("Password for {}", self.principal),
        }
    }

    /// Hands krb5's questions to the responder as they are and gives krb5 the answers.
    fn answer_krb5(&self, rctx: *mut sys::ResponderContext) -> Result<()> {
        let (api, context) = (self.context.api, self.context.raw);
        // SAFETY: krb5 passes a responder context valid for this callback; the list it returns
        // is NULL-terminated and lives as long as the context.
        let list = unsafe { (api.krb5_responder_list_questions)(context, rctx) };
        let mut questions = Vec::new();
        // SAFETY: as above; every entry before the NULL is a NUL-terminated string.
        for name in unsafe { c_string_list(list) } {
            // SAFETY: as above; the challenge is NULL or a NUL-terminated string.
            let challenge = unsafe { (api.krb5_responder_get_challenge)(context, rctx, name.as_ptr()) };
            // SAFETY: checked for NULL; krb5 keeps it alive during the callback.
            let challenge = unsafe { opt_c_str(challenge) }.unwrap_or_default();
            let name = name.to_string_lossy();
            questions.push(Question::new(&name, challenge, self.prompt_for(&name)).optional());
        }
        let names = questions.iter().map(|q| q.name.as_str()).collect::<Vec<_>>().join(", ");
        log_debug!("krb5 asks through its responder for {}: {names}", self.principal);
        let answers = self.responder.ask(&questions)?;
        if answers.is_empty() {
            return Err(Error::new(ErrorCode::Unanswered, format!("no responder answered krb5's questions ({names})")));
        }
        for (name, value) in answers.iter() {
            let c_name = CString::new(name).expect("question names come from C strings");
            let value = secret_c_string(value, name)?;
            // SAFETY: valid responder context; both strings are NUL-terminated; krb5 copies
            // the answer.
            let code =
                unsafe { (api.krb5_responder_set_answer)(context, rctx, c_name.as_ptr(), value.as_ptr().cast()) };
            self.context.check(code, format_args!("giving krb5 the answer to `{name}`"))?;
        }
        Ok(())
    }

    /// Answers krb5's password prompts (the prompter fallback) with the responder's
    /// `password`; refuses prompts of any other kind.
    fn answer_prompts(&self, prompts: &mut [sys::Prompt], types: &[i32]) -> Result<()> {
        let Some(first) = prompts.first() else { return Ok(()) };
        for (index, prompt) in prompts.iter().enumerate() {
            let password = types.get(index).map_or(prompt.hidden != 0, |t| *t == sys::PROMPT_TYPE_PASSWORD);
            if !password {
                // SAFETY: krb5's prompt text is NULL or a NUL-terminated string.
                let text = unsafe { opt_c_str(prompt.prompt) }.unwrap_or_default();
                return Err(Error::new(
                    ErrorCode::Unsupported,
                    format!("krb5 asked \"{text}\", which daemonauth does not route to a responder"),
                ));
            }
        }
        // SAFETY: as above.
        let text = unsafe { opt_c_str(first.prompt) }.unwrap_or_else(|| self.prompt_for(PASSWORD));
        log_debug!("krb5 prompts for the password of {}; asking the responder", self.principal);
        let answers = self.responder.ask(&[Question::new(PASSWORD, "", text)])?;
        let password = answers.get(PASSWORD).expect("ask() returns every required answer").as_bytes();
        for prompt in prompts {
            // SAFETY: krb5 allocates every reply, with `length` bytes of room at `data`.
            let reply = unsafe { &mut *prompt.reply };
            if password.len() > reply.length as usize {
                return Err(Error::new(ErrorCode::TooLarge, "the password is longer than krb5 accepts"));
            }
            // SAFETY: the reply buffer has room for `password.len()` bytes (checked above) and
            // does not overlap the answer.
            unsafe { ptr::copy_nonoverlapping(password.as_ptr(), reply.data.cast::<u8>(), password.len()) };
            reply.length = password.len() as u32;
        }
        Ok(())
    }
}

/// krb5's responder callback.
unsafe extern "C" fn respond(
    _context: *mut sys::Context,
    data: *mut c_void,
    rctx: *mut sys::ResponderContext,
) -> sys::krb5_error_code {
    // SAFETY: `data` is the Bridge that get_init_creds registered, alive and not otherwise
    // used while krb5 runs the callback on the same thread.
    let bridge = unsafe { &mut *data.cast::<Bridge<'_>>() };
    bridge.run(|bridge| bridge.answer_krb5(rctx))
}

/// krb5's prompter callback.
unsafe extern "C" fn prompter(
    context: *mut sys::Context,
    data: *mut c_void,
    _name: *const c_char,
    _banner: *const c_char,
    num_prompts: c_int,
    prompts: *mut sys::Prompt,
) -> sys::krb5_error_code {
    // SAFETY: as in `respond`.
    let bridge = unsafe { &mut *data.cast::<Bridge<'_>>() };
    let count = usize::try_from(num_prompts).unwrap_or(0);
    let prompts: &mut [sys::Prompt] = if count == 0 || prompts.is_null() {
        &mut []
    } else {
        // SAFETY: krb5 passes `num_prompts` prompts, ours to fill during the call.
        unsafe { std::slice::from_raw_parts_mut(prompts, count) }
    };
    // SAFETY: during a prompter call krb5 returns NULL or one type per prompt.
    let types = unsafe { (bridge.context.api.krb5_get_prompt_types)(context) };
    let types: &[i32] = if types.is_null() || prompts.is_empty() {
        &[]
    } else {
        // SAFETY: as above: `prompts.len()` entries.
        unsafe { std::slice::from_raw_parts(types, prompts.len()) }
    };
    bridge.run(|bridge| bridge.answer_prompts(prompts, types))
}

/// The strings of a NULL-terminated array (none for a NULL array).
///
/// # Safety
/// `list` is NULL or a NULL-terminated array of NUL-terminated strings that outlive `'a`.
unsafe fn c_string_list<'a>(list: *const *const c_char) -> Vec<&'a CStr> {
    let mut strings = Vec::new();
    if list.is_null() {
        return strings;
    }
    // SAFETY: the caller guarantees termination; every entry read is before the NULL.
    unsafe {
        let mut cursor = list;
        while !(*cursor).is_null() {
            strings.push(CStr::from_ptr(*cursor));
            cursor = cursor.add(1);
        }
    }
    strings
}

/// A C string as text, `None` for NULL.
///
/// # Safety
/// `text` is NULL or a NUL-terminated string valid during the call.
unsafe fn opt_c_str(text: *const c_char) -> Option<String> {
    // SAFETY: non-NULL per the check, NUL-terminated per the caller.
    (!text.is_null()).then(|| unsafe { CStr::from_ptr(text) }.to_string_lossy().into_owned())
}

/// An initialised krb5 context, freed on drop.
struct Context {
    raw: *mut sys::Context,
    /// The krb5 library's functions (loaded when the first context was made).
    api: &'static sys::Krb5,
}

/// A handle of a [`Context`], released with its krb5 free function on drop.
struct Handle<'c, T> {
    context: &'c Context,
    raw: *mut T,
    release: Release<T>,
}

/// Frees a handle of the given context.
///
/// # Safety
/// The handle was made by the context and nothing uses it afterwards.
type Release<T> = unsafe fn(&Context, *mut T);

impl<T> Drop for Handle<'_, T> {
    fn drop(&mut self) {
        // SAFETY: `raw` was made by this context, is released exactly once, here.
        unsafe { (self.release)(self.context, self.raw) };
    }
}

/// A credential cache in this process's memory (`MEMORY:` type) with a name of its own,
/// destroyed with everything in it on drop.
pub struct MemoryCache {
    name: String,
}

impl MemoryCache {
    /// A new, empty cache name, unique in this process.
    pub fn unique() -> MemoryCache {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let number = NEXT.fetch_add(1, Ordering::Relaxed);
        MemoryCache { name: format!("MEMORY:daemonauth-{}-{number}", std::process::id()) }
    }

    /// The cache's full name (`MEMORY:...`), for krb5 and GSS-API credential stores.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for MemoryCache {
    fn drop(&mut self) {
        let Ok(context) = Context::new() else { return };
        let Ok(name) = c_arg(&self.name, "ccache") else { return };
        // SAFETY: live context, NUL-terminated name, valid out-pointer; the handle is destroyed
        // (which also frees it) when it is dropped right away.
        let cache = context.make("removing a memory credential cache", destroy_ccache, |out| unsafe {
            (context.api.krb5_cc_resolve)(context.raw, name.as_ptr(), out)
        });
        drop(cache);
    }
}

/// krb5_cc_destroy as a [`Release`]: removes the cache and frees the handle (its status is of
/// no use on drop).
unsafe fn destroy_ccache(context: &Context, cache: *mut sys::Ccache) {
    // SAFETY: forwarded from Handle::drop.
    unsafe { (context.api.krb5_cc_destroy)(context.raw, cache) };
}

/// krb5_cc_close as a [`Release`] (its status is of no use on drop).
unsafe fn close_ccache(context: &Context, cache: *mut sys::Ccache) {
    // SAFETY: forwarded from Handle::drop.
    unsafe { (context.api.krb5_cc_close)(context.raw, cache) };
}

/// krb5_free_principal as a [`Release`].
unsafe fn free_principal(context: &Context, principal: *mut sys::Principal) {
    // SAFETY: forwarded from Handle::drop.
    unsafe { (context.api.krb5_free_principal)(context.raw, principal) };
}

/// krb5_get_init_creds_opt_free as a [`Release`].
unsafe fn free_init_creds_options(context: &Context, options: *mut sys::InitCredsOpt) {
    // SAFETY: forwarded from Handle::drop.
    unsafe { (context.api.krb5_get_init_creds_opt_free)(context.raw, options) };
}

impl Context {
    fn new() -> Result<Context> {
        let api = sys::KRB5.get()?;
        let mut raw = ptr::null_mut();
        // SAFETY: `raw` is a valid out-pointer.
        let code = unsafe { (api.krb5_init_context)(&mut raw) };
        if code != 0 {
            return Err(Error::new(
                ErrorCode::Krb5,
                format!("cannot initialise krb5 (error {code}): check KRB5_CONFIG"),
            ));
        }
        Ok(Context { raw, api })
    }

    /// `Ok` for code 0, else the error with krb5's message: wrong password and unknown
    /// principal are [`ErrorCode::AuthFailed`], everything else [`ErrorCode::Krb5`].
    fn check(&self, code: sys::krb5_error_code, what: impl Display) -> Result<()> {
        if code == 0 {
            return Ok(());
        }
        let kind = match code {
            sys::KDC_ERR_C_PRINCIPAL_UNKNOWN | sys::KDC_ERR_PREAUTH_FAILED | sys::KRB_AP_ERR_BAD_INTEGRITY => {
                ErrorCode::AuthFailed
            }
            _ => ErrorCode::Krb5,
        };
        // SAFETY: live context; the message is freed right after it is copied.
        let message = unsafe {
            let text = (self.api.krb5_get_error_message)(self.raw, code);
            let message = opt_c_str(text).unwrap_or_else(|| format!("krb5 error {code}"));
            (self.api.krb5_free_error_message)(self.raw, text);
            message
        };
        Err(Error::new(kind, format!("{what}: {message}")))
    }

    /// Runs a krb5 constructor and wraps what it made.
    fn make<T>(
        &self,
        what: impl Display,
        release: Release<T>,
        create: impl FnOnce(*mut *mut T) -> sys::krb5_error_code,
    ) -> Result<Handle<'_, T>> {
        let mut raw = ptr::null_mut();
        self.check(create(&mut raw), what)?;
        Ok(Handle { context: self, raw, release })
    }

    fn parse_name(&self, name: &str) -> Result<Handle<'_, sys::Principal>> {
        let c_name = c_arg(name, "principal")?;
        // SAFETY: live context, NUL-terminated name, valid out-pointer.
        self.make(format_args!("parsing the principal {name}"), free_principal, |out| unsafe {
            (self.api.krb5_parse_name)(self.raw, c_name.as_ptr(), out)
        })
    }

    fn resolve_ccache(&self, name: &str) -> Result<Handle<'_, sys::Ccache>> {
        let c_name = c_arg(name, "ccache")?;
        // SAFETY: live context, NUL-terminated name, valid out-pointer.
        self.make(format_args!("opening the credential cache {name}"), close_ccache, |out| unsafe {
            (self.api.krb5_cc_resolve)(self.raw, c_name.as_ptr(), out)
        })
    }

    fn default_ccache(&self) -> Result<Handle<'_, sys::Ccache>> {
        // SAFETY: live context, valid out-pointer.
        self.make("opening the default credential cache", close_ccache, |out| unsafe {
            (self.api.krb5_cc_default)(self.raw, out)
        })
    }

    fn init_creds_options(&self) -> Result<Handle<'_, sys::InitCredsOpt>> {
        // SAFETY: live context, valid out-pointer.
        self.make("allocating krb5 options", free_init_creds_options, |out| unsafe {
            (self.api.krb5_get_init_creds_opt_alloc)(self.raw, out)
        })
    }

    fn default_realm(&self) -> Result<String> {
        let mut realm = ptr::null_mut();
        // SAFETY: live context, valid out-pointer.
        self.check(unsafe { (self.api.krb5_get_default_realm)(self.raw, &mut realm) }, "finding the default realm")?;
        // SAFETY: krb5 returned a NUL-terminated string, freed right after it is copied.
        unsafe {
            let text = opt_c_str(realm).unwrap_or_default();
            (self.api.krb5_free_default_realm)(self.raw, realm);
            Ok(text)
        }
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: made by krb5_init_context, freed once; every Handle borrowed it and is gone.
        unsafe { (self.api.krb5_free_context)(self.raw) };
    }
}

/// A string argument for krb5, refusing interior NULs.
fn c_arg(text: &str, name: &str) -> Result<CString> {
    CString::new(text).map_err(|_| Error::new(ErrorCode::InvalidArgument, format!("the {name} name contains a NUL")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn every_declared_function_is_in_mit_s_library() {
        sys::KRB5.get().expect("libkrb5.so.3 has every function KRB5 declares");
    }

    /// Runs `test` with a bridge whose responder answers `password` with `password` and
    /// records the questions it saw.
    fn with_bridge(password: &'static str, test: impl FnOnce(&Bridge<'_>)) -> Vec<Question> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let responder = Responder::new(move |questions: &[Question], answers: &mut Answers| {
            log.lock().unwrap().extend_from_slice(questions);
            answers.set(PASSWORD, Zeroizing::new(password.to_owned()));
            Ok(())
        });
        let context = Context::new().expect("a krb5 context");
        test(&Bridge { context: &context, responder: &responder, principal: "alice@TEST", failure: None });
        seen.lock().unwrap().clone()
    }

    fn prompt(text: &CStr, hidden: bool, reply: *mut sys::Data) -> sys::Prompt {
        sys::Prompt { prompt: text.as_ptr().cast_mut(), hidden: c_int::from(hidden), reply }
    }

    #[test]
    fn password_prompts_are_answered_with_the_password_question() {
        let mut buffer = [0u8; 16];
        let mut reply = sys::Data { magic: 0, length: 16, data: buffer.as_mut_ptr().cast() };
        let seen = with_bridge("pw", |bridge| {
            let mut prompts = [prompt(c"Password for alice@TEST", true, &raw mut reply)];
            bridge.answer_prompts(&mut prompts, &[sys::PROMPT_TYPE_PASSWORD]).unwrap();
        });
        assert_eq!(reply.length, 2);
        assert_eq!(&buffer[..2], b"pw");
        assert_eq!(seen, vec![Question::new(PASSWORD, "", "Password for alice@TEST")]);
    }

    #[test]
    fn an_untyped_hidden_prompt_counts_as_a_password() {
        let mut buffer = [0u8; 4];
        let mut reply = sys::Data { magic: 0, length: 4, data: buffer.as_mut_ptr().cast() };
        with_bridge("pw", |bridge| {
            bridge.answer_prompts(&mut [prompt(c"PIN", true, &raw mut reply)], &[]).unwrap();
        });
        assert_eq!(&buffer[..2], b"pw");
    }

    #[test]
    fn a_password_longer_than_krb5_accepts_is_refused() {
        let mut buffer = [0u8; 2];
        let mut reply = sys::Data { magic: 0, length: 2, data: buffer.as_mut_ptr().cast() };
        with_bridge("longer", |bridge| {
            let err = bridge.answer_prompts(&mut [prompt(c"Password", true, &raw mut reply)], &[]).unwrap_err();
            assert_eq!(err.code(), ErrorCode::TooLarge);
        });
        assert_eq!(buffer, [0, 0]);
    }

    #[test]
    fn other_prompts_are_refused_by_their_text() {
        let mut reply = sys::Data { magic: 0, length: 0, data: ptr::null_mut() };
        let seen = with_bridge("pw", |bridge| {
            let mut prompts = [prompt(c"Enter new password", true, &raw mut reply)];
            let err = bridge.answer_prompts(&mut prompts, &[2]).unwrap_err();
            assert_eq!(err.code(), ErrorCode::Unsupported);
            assert!(err.message().contains("\"Enter new password\""), "{err}");
            let visible = bridge.answer_prompts(&mut [prompt(c"Name", false, &raw mut reply)], &[]);
            assert_eq!(visible.unwrap_err().code(), ErrorCode::Unsupported);
        });
        assert!(seen.is_empty());
    }

    #[test]
    fn secret_c_strings_refuse_nul() {
        assert_eq!(secret_c_string("a\0b", PASSWORD).unwrap_err().code(), ErrorCode::InvalidArgument);
        assert_eq!(secret_c_string("ab", PASSWORD).unwrap().as_slice(), b"ab\0");
    }
}
