//! Exports that exist only in builds with the `test-hooks` feature, so that the test suites
//! can prove properties of the C boundary. They are left out of the generated headers.

use super::{arg_str, guard_result};
use crate::error::ErrorCode;
use std::ffi::c_char;

/// Panics inside the panic guard; returns DAEMONAUTH_RESULT_INTERNAL instead of unwinding.
/// cbindgen:ignore
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_test_panic() -> ErrorCode {
    guard_result("daemonauth_test_panic", || panic!("deliberate panic from the test hook"))
}

/// Checks a string argument the way every export does: NULL and non-UTF-8 are errors.
/// cbindgen:ignore
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_test_string_argument(text: *const c_char) -> ErrorCode {
    // SAFETY: the test passes NULL or a NUL-terminated string that outlives the call.
    guard_result("daemonauth_test_string_argument", || unsafe { arg_str(text, "text") }.map(drop))
}
