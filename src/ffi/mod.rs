//! The C boundary shared by every module: the panic guard, argument checks, opaque-handle
//! ownership and the thread-local last error. Protocol modules never see a raw pointer; their
//! thin `ffi` files convert arguments with the helpers here and call safe Rust.

pub mod buffer;
pub mod core;
mod guard;
mod handle;
pub mod handles;
mod last_error;
#[cfg(feature = "test-hooks")]
mod test_hooks;
mod userdata;

pub(crate) use guard::{BoundaryReturn, boundary, export_name, ffi_boundary, guard_or};
pub(crate) use handle::{
    change_handle, check_out, clear_out, free_handle, give_handle, give_value, handle_mut, handle_ref, take_handle,
};
pub(crate) use last_error::{record_error, with_last_error};
pub use userdata::Userdata;

use std::ffi::{CStr, c_char};
use std::time::Duration;

use crate::error::{Error, ErrorCode, Result};

/// Borrows a C string argument as UTF-8.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays valid and unchanged for `'a`.
pub(crate) unsafe fn arg_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str> {
    if ptr.is_null() {
        return Err(Error::new(ErrorCode::NullArgument, format!("argument `{name}` is NULL")));
    }
    // SAFETY: non-NULL, and the caller guarantees NUL termination and lifetime.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str().map_err(|_| Error::new(ErrorCode::InvalidArgument, format!("argument `{name}` is not valid UTF-8")))
}

/// Borrows a C string argument as the bytes it holds (without the NUL), for what a person
/// typed or another program wrote: passwords, scrambled passwords.
///
/// # Safety
/// As for [`arg_str`].
pub(crate) unsafe fn arg_c_bytes<'a>(ptr: *const c_char, name: &str) -> Result<&'a [u8]> {
    if ptr.is_null() {
        return Err(Error::new(ErrorCode::NullArgument, format!("argument `{name}` is NULL")));
    }
    // SAFETY: non-NULL, and the caller guarantees NUL termination and lifetime.
    Ok(unsafe { CStr::from_ptr(ptr) }.to_bytes())
}

/// Borrows an optional C string argument: NULL means "not given".
///
/// # Safety
/// As for [`arg_str`].
pub(crate) unsafe fn arg_opt_str<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded contract.
        unsafe { arg_str(ptr, name) }.map(Some)
    }
}

/// Borrows a C byte buffer argument. A NULL pointer is accepted only with length 0.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes that stay valid and unchanged for `'a`.
pub(crate) unsafe fn arg_bytes<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8]> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(Error::new(ErrorCode::NullArgument, format!("argument `{name}` is NULL")))
        };
    }
    if len > isize::MAX as usize {
        return Err(Error::new(ErrorCode::InvalidArgument, format!("argument `{name}` is too long")));
    }
    // SAFETY: non-NULL, length within isize::MAX, readable per the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A timeout argument in milliseconds, where 0 means `default` (docs/api-conventions.md).
pub(crate) fn timeout_or(timeout_ms: u32, default: Duration) -> Duration {
    if timeout_ms == 0 { default } else { Duration::from_millis(u64::from(timeout_ms)) }
}
