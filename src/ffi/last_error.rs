//! The thread-local "last error": the sentence behind the most recent failed call on a thread.

use std::cell::RefCell;
use std::ffi::{CStr, CString};

use super::guard::export_name;
use crate::error::{Error, ErrorCode};
use crate::log_debug;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Remembers `err` as this thread's last error (prefixed with the export's name, see
/// [`export_name`]), logs it at debug level, and returns its code.
pub(crate) fn record_error(export: &str, err: &Error) -> ErrorCode {
    let text = format!("{}: {}", export_name(export), err.message()).replace('\0', "\\0");
    log_debug!("{text}");
    let text = CString::new(text).expect("interior NULs were replaced");
    LAST_ERROR.with(|slot| *slot.borrow_mut() = text);
    err.code()
}

/// Calls `read` with this thread's last error message ("" when nothing has failed yet).
pub(crate) fn with_last_error<R>(read: impl FnOnce(&CStr) -> R) -> R {
    LAST_ERROR.with(|slot| read(&slot.borrow()))
}
