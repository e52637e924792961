//! Byte buffers and strings the library hands to C: owned by the caller once returned,
//! released with `daemonauth_buffer_free` / `daemonauth_string_free`, and wiped on release
//! because they may hold secrets (exported contexts, decrypted messages).

#![allow(non_camel_case_types)] // C names for the C API

use std::ffi::{CString, c_char};

use zeroize::Zeroizing;

use super::{check_out, ffi_boundary, free_handle, give_handle};
use crate::error::{Error, ErrorCode, Result};

/// Bytes returned by the library. Read them with `daemonauth_buffer_data` and
/// `daemonauth_buffer_len`; release them with `daemonauth_buffer_free`.
pub struct daemonauth_buffer {
    bytes: Zeroizing<Vec<u8>>,
}

/// Stores a new buffer holding `bytes` through `out`.
///
/// # Safety
/// `out` is NULL or valid for writing one pointer.
pub(crate) unsafe fn give_buffer(
    out: *mut *mut daemonauth_buffer,
    bytes: impl Into<Zeroizing<Vec<u8>>>,
    name: &str,
) -> Result<()> {
    // SAFETY: forwarded contract.
    unsafe { give_handle(out, daemonauth_buffer { bytes: bytes.into() }, name) }
}

/// Stores `text` (any bytes but NUL) through `out` as a NUL-terminated string for
/// `daemonauth_string_free`.
///
/// # Safety
/// `out` is NULL or valid for writing one pointer.
pub(crate) unsafe fn give_string(out: *mut *mut c_char, text: impl Into<Vec<u8>>, name: &str) -> Result<()> {
    check_out(out, name)?;
    let text =
        CString::new(text).map_err(|_| Error::new(ErrorCode::Internal, "a result string contains a NUL byte"))?;
    // SAFETY: non-NULL and writable per the contract.
    unsafe { out.write(text.into_raw()) };
    Ok(())
}

/// As [`give_string`] for a secret: the bytes are copied once into storage that already has
/// room for the NUL, so no reallocation leaves an unwiped copy behind.
///
/// # Safety
/// As for [`give_string`].
pub(crate) unsafe fn give_secret_string(out: *mut *mut c_char, secret: &[u8], name: &str) -> Result<()> {
    if secret.contains(&0) {
        return Err(Error::new(ErrorCode::Internal, "a result string contains a NUL byte"));
    }
    let mut copy = Vec::with_capacity(secret.len() + 1);
    copy.extend_from_slice(secret);
    // SAFETY: forwarded contract.
    unsafe { give_string(out, copy, name) }
}

/// The bytes of a buffer (NULL for a NULL buffer; may be non-NULL for an empty one).
/// Valid until the buffer is freed.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_buffer_data(buffer: *const daemonauth_buffer) -> *const u8 {
    ffi_boundary! {
        // SAFETY: NULL or a live buffer from this library, per the documented contract.
        match unsafe { buffer.as_ref() } {
            Some(buffer) => buffer.bytes.as_ptr(),
            None => std::ptr::null(),
        }
    }
}

/// The number of bytes in a buffer (0 for NULL).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_buffer_len(buffer: *const daemonauth_buffer) -> usize {
    ffi_boundary! {
        on_panic: 0;
        // SAFETY: NULL or a live buffer from this library, per the documented contract.
        unsafe { buffer.as_ref() }.map_or(0, |b| b.bytes.len())
    }
}

/// Wipes and frees a buffer returned by the library. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_buffer_free(buffer: *mut daemonauth_buffer) {
    // SAFETY: NULL or a buffer from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(buffer) } }
}

/// Wipes and frees a string returned by the library. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_string_free(text: *mut c_char) {
    ffi_boundary! {
        if !text.is_null() {
            // SAFETY: `text` came from CString::into_raw in this library and is given up.
            let text = unsafe { CString::from_raw(text) };
            drop(Zeroizing::new(text.into_bytes_with_nul()));
        }
    }
}
