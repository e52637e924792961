//! The C API of the responder: responder objects, the context a callback answers through,
//! and Kerberos initial credentials.
//!
//! Question names (a string contract): `username` (not secret), `password`, `otp`, `pkinit`
//! (krb5's formats, passed on unchanged), `passphrase`. Challenges are printable UTF-8, JSON
//! where structured, naming the service and the host, user, realm or repository the answer
//! is for; krb5's own `password` question has the challenge "".

use std::cell::RefCell;
use std::ffi::{CString, OsStr, c_char, c_int, c_void};
use std::fs::File;
use std::os::fd::BorrowedFd;
use std::os::unix::ffi::OsStrExt;

use zeroize::Zeroizing;

use super::{Answers, Question, Respond, Responder};
use crate::error::{Error, ErrorCode, Result};
use crate::ffi::handles::daemonauth_responder;
use crate::ffi::{
    Userdata, arg_c_bytes, arg_opt_str, arg_str, clear_out, ffi_boundary, free_handle, give_handle, handle_ref,
};

/// The questions of one step, handed to a daemonauth_responder_callback. Valid only during
/// the callback and only on the thread the callback runs on; everything read from it stays
/// valid until the callback returns. The library owns it: never free it.
pub struct ResponderContext {
    names: Vec<CString>,
    challenges: Vec<CString>,
    /// Pointers into `names`, then NULL.
    list: Vec<*const c_char>,
    answers: RefCell<Answers>,
}

/// A caller's responder function: called once per step with all of the step's questions in
/// `rctx`. It answers the questions it can with daemonauth_responder_set_answer() and returns
/// 0; leaving a required question unanswered (and no later responder in a chain answering it)
/// ends the flow with DAEMONAUTH_RESULT_UNANSWERED. Returning non-zero aborts the flow at once
/// with DAEMONAUTH_RESULT_UNANSWERED (the user declined).
///
/// Threads: it is called on the thread that called the library function running the flow
/// (daemonauth_responder_krb5_get_init_creds, daemonauth_gss_cred_acquire_initiator, a CVS
/// login...), so with a responder shared by several threads it may run on several threads at
/// once. It must return normally: it must not unwind (C++ exceptions) through the library or
/// `longjmp` out of it.
pub type ResponderCallback = Option<unsafe extern "C" fn(userdata: *mut c_void, rctx: *mut ResponderContext) -> c_int>;

type CallbackFunction = unsafe extern "C" fn(*mut c_void, *mut ResponderContext) -> c_int;

struct Callback {
    function: CallbackFunction,
    userdata: Userdata,
}

impl Respond for Callback {
    fn respond(&self, questions: &[Question], answers: &mut Answers) -> Result<()> {
        let mut context = ResponderContext::new(questions)?;
        // SAFETY: the caller registered this function and userdata for this signature; the
        // context outlives the call.
        let status = unsafe { (self.function)(self.userdata.get(), &mut context) };
        if status != 0 {
            return Err(Error::new(
                ErrorCode::Unanswered,
                format!("the responder callback aborted (returned {status})"),
            ));
        }
        answers.merge(context.answers.into_inner());
        Ok(())
    }
}

impl ResponderContext {
    fn new(questions: &[Question]) -> Result<ResponderContext> {
        let c_text =
            |text: &str| CString::new(text).map_err(|_| Error::new(ErrorCode::Internal, "a question contains a NUL"));
        let names = questions.iter().map(|q| c_text(&q.name)).collect::<Result<Vec<_>>>()?;
        let challenges = questions.iter().map(|q| c_text(&q.challenge)).collect::<Result<Vec<_>>>()?;
        let list = names.iter().map(|name| name.as_ptr()).chain([std::ptr::null()]).collect();
        Ok(ResponderContext { names, challenges, list, answers: RefCell::default() })
    }

    fn index(&self, question: &str) -> Result<usize> {
        self.names
            .iter()
            .position(|name| name.as_bytes() == question.as_bytes())
            .ok_or_else(|| Error::new(ErrorCode::NotFound, format!("`{question}` is not one of this step's questions")))
    }
}

/// Returns the names of the step's questions as a NULL-terminated array, owned by `rctx`.
/// Returns NULL (with a last error) if `rctx` is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_responder_list_questions(rctx: *const ResponderContext) -> *const *const c_char {
    ffi_boundary! {
        // SAFETY: the caller passes the context it was given, valid during the callback.
        Ok(unsafe { handle_ref(rctx, "rctx") }?.list.as_ptr())
    }
}

/// Returns the challenge of `question`: printable UTF-8, JSON where structured, owned by
/// `rctx`. Returns NULL (with a last error) for a NULL argument or a question not asked in
/// this step.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_responder_get_challenge(
    rctx: *const ResponderContext,
    question: *const c_char,
) -> *const c_char {
    ffi_boundary! {
        // SAFETY: the caller passes its context and a NUL-terminated string.
        let (context, question) = unsafe { (handle_ref(rctx, "rctx")?, arg_str(question, "question")?) };
        Ok(context.challenges[context.index(question)?].as_ptr())
    }
}

/// Answers `question` with the UTF-8 string `answer` (copied; a second answer replaces the
/// first). The library zeroizes its copy once used and never logs it. Returns
/// DAEMONAUTH_RESULT_NOT_FOUND for a question not asked in this step and
/// DAEMONAUTH_RESULT_INVALID_ARGUMENT for an answer that is not valid UTF-8.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_responder_set_answer(
    rctx: *mut ResponderContext,
    question: *const c_char,
    answer: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes the context it was given and two NUL-terminated strings.
        let (context, question, answer) = unsafe {
            (handle_ref(rctx.cast_const(), "rctx")?, arg_str(question, "question")?, arg_str(answer, "answer")?)
        };
        context.index(question)?;
        context.answers.borrow_mut().set(question, Zeroizing::new(answer.to_owned()));
        Ok(())
    }
}

/// Hands a new responder to the caller through `responder_out`.
///
/// # Safety
/// `responder_out` is NULL or valid for writing one pointer.
unsafe fn deliver(responder_out: *mut *mut daemonauth_responder, responder: Responder) -> Result<()> {
    // SAFETY: forwarded contract.
    unsafe { give_handle(responder_out, daemonauth_responder { responder }, "responder_out") }
}

/// Makes a responder that calls `callback` with `userdata` once per step (see
/// daemonauth_responder_callback) and stores it in `*responder_out` (free it with
/// daemonauth_responder_free). `userdata` may be NULL; the library never dereferences it. It
/// must stay valid, and `callback` safe to call from every thread that runs a flow with the
/// responder, until the responder and every chain holding it are freed.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_responder_new_callback(
    callback: ResponderCallback,
    userdata: *mut c_void,
    responder_out: *mut *mut daemonauth_responder,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { clear_out(responder_out, "responder_out") }?;
        let function = callback.ok_or_else(|| Error::new(ErrorCode::NullArgument, "argument `callback` is NULL"))?;
        let responder = Responder::new(Callback { function, userdata: Userdata::new(userdata) });
        // SAFETY: checked non-NULL above; the caller passes a writable pointer.
        unsafe { deliver(responder_out, responder) }
    }
}

/// Makes a responder that asks on the controlling terminal (/dev/tty, never stdin) and stores
/// it in `*responder_out`: each question's prompt in turn, echo off for everything but
/// `username`, all questions of a step in one pass; an `otp` answer is the code typed, sent
/// as krb5's JSON. `pkinit` is left unanswered. A flow fails with
/// DAEMONAUTH_RESULT_NO_TERMINAL when there is no terminal. Shared like every responder,
/// but there is one terminal: flows on several threads asking through it at once may
/// interleave their prompts.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_responder_new_terminal(responder_out: *mut *mut daemonauth_responder) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { deliver(responder_out, Responder::terminal()) }
    }
}

/// Makes a responder that answers from the file at `path` (bytes, not necessarily UTF-8),
/// read again at every step, and stores it in `*responder_out`.
///
/// Format: one `name=value` line per answer. The name is trimmed; the value is everything
/// after the first `=` to the end of the line, verbatim. Blank lines and lines starting with
/// `#` are ignored; a later line for a name replaces an earlier one. For `otp` and `pkinit`
/// the value is krb5's JSON answer. Questions the file does not name stay unanswered.
///
/// Like `.netrc`, the file must belong to the user the process runs as and give group and
/// others no access, else the flow fails with DAEMONAUTH_RESULT_INSECURE_FILE; a malformed
/// file fails it with DAEMONAUTH_RESULT_CONFIG.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_responder_new_file(
    path: *const c_char,
    responder_out: *mut *mut daemonauth_responder,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { clear_out(responder_out, "responder_out") }?;
        // SAFETY: the caller passes a NUL-terminated string.
        let path = OsStr::from_bytes(unsafe { arg_c_bytes(path, "path") }?);
        // SAFETY: checked non-NULL above; the caller passes a writable pointer.
        unsafe { deliver(responder_out, Responder::file(path)) }
    }
}

/// Makes a responder that answers from what descriptor `read_fd` holds (a file, pipe or
/// socket, in the format of daemonauth_responder_new_file()) and stores it in
/// `*responder_out`. Reads `read_fd` to its end now, within 10 s (a fixed limit: a pipe
/// whose writer does not close by then fails with DAEMONAUTH_RESULT_TIMEOUT), checks a
/// regular file's ownership and permissions the same way, and leaves `read_fd` open for the
/// caller to close.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_responder_new_fd(
    read_fd: c_int,
    responder_out: *mut *mut daemonauth_responder,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { clear_out(responder_out, "responder_out") }?;
        if read_fd < 0 {
            return Err(Error::new(ErrorCode::InvalidArgument, format!("{read_fd} is not a file descriptor")));
        }
        // SAFETY: the caller promises `read_fd` is open for the duration of this call; it is
        // only duplicated here.
        let borrowed = unsafe { BorrowedFd::borrow_raw(read_fd) };
        let owned =
            borrowed.try_clone_to_owned().map_err(|err| Error::io(format!("duplicating fd {read_fd}"), &err))?;
        let responder = Responder::from_open_file(File::from(owned), &format!("fd {read_fd}"))?;
        // SAFETY: checked non-NULL above; the caller passes a writable pointer.
        unsafe { deliver(responder_out, responder) }
    }
}

/// Makes a responder that tries the `count` responders of `list` in order and stores it in
/// `*responder_out`: each sees the questions the earlier ones left unanswered; an error from
/// one (abort, no terminal, insecure file) ends the flow. The chain takes its own reference to
/// each member, so each may be freed independently of the chain.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_responder_new_chain(
    list: *const *const daemonauth_responder,
    count: usize,
    responder_out: *mut *mut daemonauth_responder,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { clear_out(responder_out, "responder_out") }?;
        if list.is_null() && count > 0 {
            return Err(Error::new(ErrorCode::NullArgument, "argument `list` is NULL"));
        }
        let handles: &[*const daemonauth_responder] = if count == 0 {
            &[]
        } else {
            // SAFETY: non-NULL and, per the caller's contract, `count` readable pointers.
            unsafe { std::slice::from_raw_parts(list, count) }
        };
        let responders = handles
            .iter()
            // SAFETY: each entry is NULL or a live responder, per the caller's contract.
            .map(|handle| unsafe { handle_ref(*handle, "list[i]") }.map(|h| h.responder.clone()))
            .collect::<Result<Vec<_>>>()?;
        // SAFETY: checked non-NULL above; the caller passes a writable pointer.
        unsafe { deliver(responder_out, Responder::chain(responders)) }
    }
}

/// Frees a responder made by a `daemonauth_responder_new_*` function. NULL is a no-op. Chains,
/// credentials and flows that hold their own reference keep working.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_responder_free(responder: *mut daemonauth_responder) {
    // SAFETY: the caller passes NULL or a responder from a constructor, freed only once.
    ffi_boundary! { unsafe { free_handle(responder) } }
}

/// Obtains a Kerberos ticket-granting ticket for `principal` into the credential cache
/// `ccache` (a krb5 cache name such as "FILE:/tmp/cc"; NULL = the default cache) through
/// libkrb5, asking `responder` for what krb5 needs: krb5's `password`, `otp` and `pkinit`
/// questions reach it unchanged (same names, same challenges), and krb5's password prompts
/// arrive as `password` questions with the challenge "". With `principal` NULL the responder
/// is first asked `username` and `password` in one step, with the challenge
/// `{"service":"krb5","realm":"<default realm>"}`. The responder is asked on the calling
/// thread.
///
/// Returns DAEMONAUTH_RESULT_AUTH_FAILED for a wrong password or unknown principal (krb5's
/// message in the last error), DAEMONAUTH_RESULT_UNANSWERED when no responder answered,
/// DAEMONAUTH_RESULT_KRB5 for other krb5 failures such as an unreachable KDC.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_responder_krb5_get_init_creds(
    principal: *const c_char,
    ccache: *const c_char,
    responder: *const daemonauth_responder,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or NUL-terminated strings and a live responder.
        let (principal, ccache, handle) = unsafe {
            (arg_opt_str(principal, "principal")?, arg_opt_str(ccache, "ccache")?, handle_ref(responder, "responder")?)
        };
        super::krb5::get_init_creds(principal, ccache, &handle.responder)
    }
}

/// Makes a responder that answers `password`, and `username` when the entry has a `login`,
/// from the netrc file at `path`, or when `path` is NULL from `~/.rootnetrc` then `~/.netrc`
/// (either may be missing), read again at every step: ROOT's clients kept their passwords
/// there. The entry is the one for the host named by the `host` field of the question's JSON
/// challenge (a `user` field skips entries with another login; `"method":"srp"` uses ROOT's
/// `secure` lines); questions without a `host` are left for the next responder of a chain.
/// Format and matching: docs/hostauth.md.
///
/// A file that does not belong to the user the process runs as, or that group or others may
/// access, fails the flow with DAEMONAUTH_RESULT_INSECURE_FILE (ftp refuses a `.netrc` others
/// can read); a malformed file, or a password that is not valid UTF-8, with
/// DAEMONAUTH_RESULT_CONFIG naming file and line. Fails here with DAEMONAUTH_RESULT_NOT_FOUND
/// when `path` is NULL and `$HOME` is not set.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_responder_new_netrc(
    path: *const c_char,
    responder_out: *mut *mut daemonauth_responder,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { clear_out(responder_out, "responder_out") }?;
        let path = if path.is_null() {
            None
        } else {
            // SAFETY: non-NULL, and a NUL-terminated string per the caller's contract.
            Some(std::path::PathBuf::from(OsStr::from_bytes(unsafe { arg_c_bytes(path, "path") }?)))
        };
        let responder = Responder::netrc(path)?;
        // SAFETY: checked non-NULL above; the caller passes a writable pointer.
        unsafe { deliver(responder_out, responder) }
    }
}
