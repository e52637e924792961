//! The C API of the limits (`daemonauth_limiter_*`): converts and checks arguments, then
//! calls [`super::Limiter`].

#![allow(non_camel_case_types)] // C names for the C API

use std::ffi::{c_char, c_int};
use std::sync::Arc;
use std::time::Duration;

use super::{DEFAULT_FAILURE_WINDOW, DEFAULT_MAX_CHILDREN, DEFAULT_MAX_FAILURES, Limiter, Policy};
use crate::error::{ErrorCode, Result};
use crate::ffi::handles::daemonauth_limiter;
use crate::ffi::{arg_opt_str, clear_out, ffi_boundary, free_handle, give_handle, handle_mut, handle_ref, take_handle};

/// Limits being built. One thread at a time. `daemonauth_limiter_builder_build` consumes it;
/// free it with `daemonauth_limiter_builder_free` only if it was never built.
pub struct daemonauth_limiter_builder(Policy);

/// Starts building a limiter, with the defaults: at most 32 children; 5 failed attempts
/// within 60 s from one address, or for one user, refuse further attempts from that address
/// or for that user until the 60 s (counted from the first of them) have passed. Stores the
/// builder in `*builder_out`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_limiter_builder_new(builder_out: *mut *mut daemonauth_limiter_builder) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { give_handle(builder_out, daemonauth_limiter_builder(Policy::default()), "builder_out") }
    }
}

/// Runs `change` on the limits inside a builder.
///
/// # Safety
/// `builder` is NULL or a live builder from this library, not used elsewhere during the call.
unsafe fn change(builder: *mut daemonauth_limiter_builder, change: impl FnOnce(&mut Policy)) -> Result<()> {
    // SAFETY: forwarded contract.
    change(&mut unsafe { handle_mut(builder, "builder") }?.0);
    Ok(())
}

/// A count from C, where 0 means `default`.
fn or_default<T: TryFrom<u32>>(count: u32, default: T) -> T {
    if count == 0 { default } else { T::try_from(count).unwrap_or(default) }
}

/// Sets how many children may serve clients at once (see `daemonauth_limiter_admit_child`);
/// 0 restores the default (32).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_limiter_builder_set_max_children(
    builder: *mut daemonauth_limiter_builder,
    max_children: u32,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |policy| policy.max_children = or_default(max_children, DEFAULT_MAX_CHILDREN)) }
    }
}

/// Sets how many failed attempts within the failure window throttle an address or a user;
/// 0 restores the default (5).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_limiter_builder_set_max_failures(
    builder: *mut daemonauth_limiter_builder,
    max_failures: u32,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |policy| policy.max_failures = or_default(max_failures, DEFAULT_MAX_FAILURES)) }
    }
}

/// Sets the window failures are counted in, in milliseconds, from the first failure in it;
/// 0 restores the default (60 000).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_limiter_builder_set_failure_window_ms(
    builder: *mut daemonauth_limiter_builder,
    window_ms: u32,
) -> ErrorCode {
    ffi_boundary! {
        let window =
            if window_ms == 0 { DEFAULT_FAILURE_WINDOW } else { Duration::from_millis(u64::from(window_ms)) };
        // SAFETY: NULL or a live builder, used by one thread at a time.
        unsafe { change(builder, |policy| policy.failure_window = window) }
    }
}

/// Turns the builder into a limiter in `*limiter_out` (free it with
/// `daemonauth_limiter_free`). The builder is consumed, whether this succeeds or not: do not
/// use or free it afterwards. Build it before forking: the failure counts live in memory that
/// the children forked afterwards share.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_limiter_builder_build(
    builder: *mut daemonauth_limiter_builder,
    limiter_out: *mut *mut daemonauth_limiter,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer.
        let cleared = unsafe { clear_out(limiter_out, "limiter_out") };
        // SAFETY: NULL or a builder from this library that the caller gives up.
        let builder = unsafe { take_handle(builder, "builder") }?;
        cleared?;
        let limiter = Limiter::new(builder.0)?;
        // SAFETY: checked non-NULL above; the caller passes a writable pointer.
        unsafe { give_handle(limiter_out, daemonauth_limiter(Arc::new(limiter)), "limiter_out") }
    }
}

/// Frees a builder that was never built. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_limiter_builder_free(builder: *mut daemonauth_limiter_builder) {
    // SAFETY: NULL or a builder from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(builder) } }
}

/// Before forking for a new connection: DAEMONAUTH_RESULT_OK when fewer than `max_children`
/// children added with `daemonauth_limiter_add_child` still run, else
/// DAEMONAUTH_RESULT_ACCESS_DENIED (refuse the connection). Children that exited are
/// forgotten; they are reaped with `waitpid(pid, WNOHANG)` unless the program reaps them
/// itself or ignores SIGCHLD, which works too.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_limiter_admit_child(limiter: *const daemonauth_limiter) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live limiter from this library.
        unsafe { handle_ref(limiter, "limiter") }?.0.admit_child()
    }
}

/// After forking: counts the child `pid` until it exits.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_limiter_add_child(limiter: *const daemonauth_limiter, pid: c_int) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live limiter from this library.
        unsafe { handle_ref(limiter, "limiter") }?.0.add_child(pid)
    }
}

/// The limiter and the two optional strings of a check or a failure.
///
/// # Safety
/// `limiter` is NULL or a live limiter; `address` and `user` are NULL or NUL-terminated
/// strings, all valid for `'a`.
unsafe fn subjects<'a>(
    limiter: *const daemonauth_limiter,
    address: *const c_char,
    user: *const c_char,
) -> Result<(&'a Limiter, Option<&'a str>, Option<&'a str>)> {
    // SAFETY: forwarded contract.
    let (limiter, address, user) =
        unsafe { (handle_ref(limiter, "limiter")?, arg_opt_str(address, "address")?, arg_opt_str(user, "user")?) };
    Ok((&limiter.0, address, user))
}

/// DAEMONAUTH_RESULT_OK unless the client `address` (any text naming it, e.g. from
/// `inet_ntop`; NULL: not checked) or `user` (NULL: not checked) has had `max_failures`
/// failed attempts in the current window: then DAEMONAUTH_RESULT_ACCESS_DENIED, and the
/// attempt should be refused without checking it.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_limiter_check(
    limiter: *const daemonauth_limiter,
    address: *const c_char,
    user: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live limiter; NULL or NUL-terminated strings.
        let (limiter, address, user) = unsafe { subjects(limiter, address, user) }?;
        limiter.check(address, user)
    }
}

/// Records a failed attempt from `address` and for `user` (either may be NULL), in this
/// process or any child forked after the limiter was built.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_limiter_record_failure(
    limiter: *const daemonauth_limiter,
    address: *const c_char,
    user: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live limiter; NULL or NUL-terminated strings.
        let (limiter, address, user) = unsafe { subjects(limiter, address, user) }?;
        limiter.record_failure(address, user)
    }
}

/// Frees the caller's reference to a limiter; whatever took its own (a CVS server
/// configuration) keeps working. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_limiter_free(limiter: *mut daemonauth_limiter) {
    // SAFETY: NULL or a limiter from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(limiter) } }
}
