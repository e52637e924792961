//! Ownership of opaque handles handed to C: `_new` boxes, `_free` unboxes, and everything in
//! between borrows, with NULL reported as an error rather than dereferenced.

use crate::error::{Error, ErrorCode, Result};

/// Moves `value` to the heap and gives C the owning pointer.
fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Drops a handle made by [`into_handle`]; NULL is a no-op.
///
/// # Safety
/// `handle` is NULL or came from [`into_handle`] for the same `T` and has not been freed.
pub(crate) unsafe fn free_handle<T>(handle: *mut T) {
    if !handle.is_null() {
        // SAFETY: per the contract, `handle` is a live Box<T> allocation owned by the caller,
        // who gives it up by calling this function.
        drop(unsafe { Box::from_raw(handle) });
    }
}

/// Takes back ownership of a handle (for functions that consume their argument).
///
/// # Safety
/// `handle` is NULL or a live handle from [`into_handle`] that the caller gives up.
pub(crate) unsafe fn take_handle<T>(handle: *mut T, name: &str) -> Result<T> {
    if handle.is_null() {
        return Err(null_handle(name));
    }
    // SAFETY: per the contract, `handle` is a live Box<T> allocation given up by the caller.
    Ok(*unsafe { Box::from_raw(handle) })
}

/// Borrows a handle.
///
/// # Safety
/// `handle` is NULL or a live handle from [`into_handle`] not used mutably elsewhere for `'a`.
pub(crate) unsafe fn handle_ref<'a, T>(handle: *const T, name: &str) -> Result<&'a T> {
    // SAFETY: per the contract, a non-NULL handle is a live, properly aligned T.
    unsafe { handle.as_ref() }.ok_or_else(|| null_handle(name))
}

/// Borrows a handle mutably.
///
/// # Safety
/// `handle` is NULL or a live handle from [`into_handle`] not used elsewhere for `'a`.
pub(crate) unsafe fn handle_mut<'a, T>(handle: *mut T, name: &str) -> Result<&'a mut T> {
    // SAFETY: per the contract, a non-NULL handle is a live, properly aligned, unaliased T.
    unsafe { handle.as_mut() }.ok_or_else(|| null_handle(name))
}

/// Runs `change` on the object behind a mutable handle: a builder's typed setters.
///
/// # Safety
/// `handle` is NULL or a live handle from [`into_handle`] not used elsewhere during the call.
pub(crate) unsafe fn change_handle<T>(handle: *mut T, name: &str, change: impl FnOnce(&mut T)) -> Result<()> {
    // SAFETY: forwarded contract.
    change(unsafe { handle_mut(handle, name) }?);
    Ok(())
}

fn null_handle(name: &str) -> Error {
    Error::new(ErrorCode::NullArgument, format!("argument `{name}` is NULL"))
}

/// Fails unless an out-pointer argument is usable; call before doing any work.
pub(crate) fn check_out<T>(out: *mut T, name: &str) -> Result<()> {
    if out.is_null() {
        return Err(Error::new(ErrorCode::NullArgument, format!("argument `{name}` is NULL")));
    }
    Ok(())
}

/// Checks an out-parameter for a pointer and sets it to NULL, so that it is NULL whenever the
/// function fails afterwards; call before doing any work.
///
/// # Safety
/// `out` is NULL or valid for writing one pointer.
pub(crate) unsafe fn clear_out<T>(out: *mut *mut T, name: &str) -> Result<()> {
    // SAFETY: forwarded contract.
    unsafe { give_value(out, std::ptr::null_mut(), name) }
}

/// Stores a plain value through an out-pointer (checked non-NULL first).
///
/// # Safety
/// `out` is NULL or valid for writing one `T`.
pub(crate) unsafe fn give_value<T>(out: *mut T, value: T, name: &str) -> Result<()> {
    check_out(out, name)?;
    // SAFETY: non-NULL and writable per the contract; `write` does not read the old value.
    unsafe { out.write(value) };
    Ok(())
}

/// Stores a new handle for `value` through `out` (checked with [`check_out`]; if NULL, the
/// value is dropped and an error returned).
///
/// # Safety
/// `out` is NULL or valid for writing one pointer.
pub(crate) unsafe fn give_handle<T>(out: *mut *mut T, value: T, name: &str) -> Result<()> {
    check_out(out, name)?;
    // SAFETY: forwarded contract.
    unsafe { give_value(out, into_handle(value), name) }
}
