//! Exports that exist only in builds with the `test-hooks` feature, so that the test suites
//! can prove properties of the C boundary. They are left out of the generated headers.

use super::{arg_str, ffi_boundary};
use crate::error::{ErrorCode, Result};
use std::ffi::c_char;

/// Panics inside the panic guard; returns DAEMONAUTH_RESULT_INTERNAL instead of unwinding.
/// cbindgen:ignore
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_test_panic() -> ErrorCode {
    ffi_boundary! { deliberate_panic() }
}

/// Checks a string argument the way every export does: NULL and non-UTF-8 are errors.
/// cbindgen:ignore
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_test_string_argument(text: *const c_char) -> ErrorCode {
    // SAFETY: the test passes NULL or a NUL-terminated string that outlives the call.
    ffi_boundary! { unsafe { arg_str(text, "text") }.map(drop) }
}

fn deliberate_panic() -> Result<()> {
    panic!("deliberate panic from the test hook")
}
