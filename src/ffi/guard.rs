//! The panic guard every export runs in: a panic becomes an error return, never an unwind
//! into C and never an abort of the host.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::last_error::record_error;
use crate::error::{Error, ErrorCode, Result};

/// What an export returns when the code inside it panicked.
pub(crate) trait PanicValue {
    fn panic_value() -> Self;
}

impl PanicValue for ErrorCode {
    fn panic_value() -> Self {
        ErrorCode::Internal
    }
}

impl PanicValue for () {
    fn panic_value() -> Self {}
}

impl<T> PanicValue for *mut T {
    fn panic_value() -> Self {
        std::ptr::null_mut()
    }
}

impl<T> PanicValue for *const T {
    fn panic_value() -> Self {
        std::ptr::null()
    }
}

/// Runs `body`, turning a panic into `R::panic_value()` and a last error that says so.
/// `export` names the C function for the message.
pub(crate) fn guard<R: PanicValue>(export: &str, body: impl FnOnce() -> R) -> R {
    guard_or(export, R::panic_value(), body)
}

/// Runs `body`, returning `on_panic` if it panicked; for exports whose C return type has no
/// natural error value of its own (for example ABIs fixed by another project).
pub(crate) fn guard_or<R>(export: &str, on_panic: R, body: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            let what = panic_text(payload.as_ref());
            record_error(export, &Error::new(ErrorCode::Internal, format!("internal error: {what}")));
            on_panic
        }
    }
}

/// Runs `body` inside [`guard`] and turns its result into an error code, recording the error
/// as the thread's last error.
pub(crate) fn guard_result(export: &str, body: impl FnOnce() -> Result<()>) -> ErrorCode {
    guard(export, || match body() {
        Ok(()) => ErrorCode::Ok,
        Err(err) => record_error(export, &err),
    })
}

/// Runs `body` inside [`guard`] for an export that returns a value (a pointer, for example):
/// an error is recorded as the thread's last error and returns what a panic would (NULL).
pub(crate) fn guard_value<R: PanicValue>(export: &str, body: impl FnOnce() -> Result<R>) -> R {
    guard(export, || {
        body().unwrap_or_else(|err| {
            record_error(export, &err);
            R::panic_value()
        })
    })
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "panic".to_owned()
    }
}
