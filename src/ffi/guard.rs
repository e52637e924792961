//! The panic guard every export runs in: a panic becomes an error return, never an unwind
//! into C and never an abort of the host.
//!
//! Exports use it through [`ffi_boundary!`], which names the export
//! itself and converts the body's value into the C return value with [`BoundaryReturn`].

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::last_error::record_error;
use crate::error::{Error, ErrorCode, Result};

/// Sends panic messages to the library's log instead of Rust's default hook, which writes them
/// to descriptor 2 unconditionally: in a daemon started by inetd that is the client's
/// connection, and the log never writes to a descriptor 2 that is a socket. Installed at the
/// first export called (not at load, so that a Rust program using the crate as a library keeps
/// its own hook), it applies to this library's copy of the Rust runtime only.
fn route_panic_messages_to_the_log() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let place = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
            crate::log_error!("internal error (panic{place}): {}", panic_text(info.payload()));
        }));
    });
}

/// Runs `body`, returning `on_panic` if it panicked; for exports whose C return type has no
/// natural error value of its own (for example ABIs fixed by another project).
pub(crate) fn guard_or<R>(export: &str, on_panic: R, body: impl FnOnce() -> R) -> R {
    route_panic_messages_to_the_log();
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            record_panic(export, payload.as_ref());
            on_panic
        }
    }
}

/// A value an export's body produces, and what it becomes at the C boundary.
pub(crate) trait BoundaryReturn {
    /// The C return type.
    type C;
    /// The C value for this outcome; an error is recorded as the thread's last error.
    fn into_c(self, export: &str) -> Self::C;
    /// The C value when the body panicked.
    fn on_panic() -> Self::C;
}

/// A fallible export with nothing to return: its result code.
impl BoundaryReturn for Result<()> {
    type C = ErrorCode;
    fn into_c(self, export: &str) -> ErrorCode {
        match self {
            Ok(()) => ErrorCode::Ok,
            Err(err) => record_error(export, &err),
        }
    }
    fn on_panic() -> ErrorCode {
        ErrorCode::Internal
    }
}

/// A fallible export returning a pointer: NULL on failure.
impl<T> BoundaryReturn for Result<*mut T> {
    type C = *mut T;
    fn into_c(self, export: &str) -> *mut T {
        self.unwrap_or_else(|err| {
            record_error(export, &err);
            std::ptr::null_mut()
        })
    }
    fn on_panic() -> *mut T {
        std::ptr::null_mut()
    }
}

/// A fallible export returning a borrowed pointer: NULL on failure.
impl<T> BoundaryReturn for Result<*const T> {
    type C = *const T;
    fn into_c(self, export: &str) -> *const T {
        self.unwrap_or_else(|err| {
            record_error(export, &err);
            std::ptr::null()
        })
    }
    fn on_panic() -> *const T {
        std::ptr::null()
    }
}

/// An export that cannot fail and returns nothing (`_free` functions, setters of globals).
impl BoundaryReturn for () {
    type C = ();
    fn into_c(self, _export: &str) {}
    fn on_panic() {}
}

/// An export that cannot fail and returns a borrowed pointer (static strings).
impl<T> BoundaryReturn for *const T {
    type C = *const T;
    fn into_c(self, _export: &str) -> *const T {
        self
    }
    fn on_panic() -> *const T {
        std::ptr::null()
    }
}

/// Runs an export's body: a panic becomes `R::on_panic()`, anything else `R::into_c`.
pub(crate) fn boundary<R: BoundaryReturn>(export: &str, body: impl FnOnce() -> R) -> R::C {
    route_panic_messages_to_the_log();
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value.into_c(export),
        Err(payload) => {
            record_panic(export, payload.as_ref());
            R::on_panic()
        }
    }
}

/// The export's own name from the type name of an item declared inside it
/// (`crate::module::export::here` → `export`); a plain name is returned as it is. Computed only
/// when a failure is recorded, not on every call.
pub(crate) fn export_name(inner_item: &str) -> &str {
    let outer = inner_item.rsplit_once("::").map_or(inner_item, |(outer, _)| outer);
    outer.rsplit_once("::").map_or(outer, |(_, name)| name)
}

/// The body of every C export: runs `$body` inside the panic guard, records a failure as the
/// thread's last error under the export's own name, and converts the body's value into the C
/// return value (see [`BoundaryReturn`]). With `on_panic: VALUE;` first, the body returns the
/// C value itself and `VALUE` is returned if it panics (for ABIs another project fixed).
///
/// It wraps the body rather than the signature because cbindgen reads the signature from the
/// source and cannot see through a macro.
macro_rules! ffi_boundary {
    (on_panic: $on_panic:expr; $($body:tt)*) => {{
        fn here() {}
        $crate::ffi::guard_or(
            ::std::any::type_name_of_val(&here),
            $on_panic,
            move || { $($body)* },
        )
    }};
    ($($body:tt)*) => {{
        fn here() {}
        $crate::ffi::boundary(::std::any::type_name_of_val(&here), move || { $($body)* })
    }};
}

pub(crate) use ffi_boundary;

fn record_panic(export: &str, payload: &(dyn Any + Send)) {
    let what = panic_text(payload);
    record_error(export, &Error::new(ErrorCode::Internal, format!("internal error: {what}")));
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
