//! The C API of the limits (`daemonauth_limiter_*`): converts and checks arguments, then
//! calls [`super::Limiter`].

#![allow(non_camel_case_types)] // C names for the C API

use std::ffi::{c_char, c_int};
use std::sync::Arc;
use std::time::Duration;

use super::{Limiter, Policy};
use crate::error::{Error, ErrorCode, Result};
use crate::ffi::{
    arg_opt_str, arg_str, check_out, free_handle, give_handle, guard, guard_result, handle_mut, handle_ref,
};

/// Limits for a server that forks per connection: a cap on children serving clients at once
/// and a throttle on failed authentications per client address and per user, shared with
/// every child forked after it was made. Thread-safe. Free with `daemonauth_limiter_free`.
pub struct daemonauth_limiter(pub(crate) Arc<Limiter>);

/// Creates a limiter with the defaults: at most 32 children; 5 failed attempts within 60 s
/// from one address, or for one user, refuse further attempts from that address or for that
/// user until the 60 s (counted from the first of them) have passed. Create it before
/// forking: the failure counts live in memory the children share.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_limiter_new(limiter_out: *mut *mut daemonauth_limiter) -> ErrorCode {
    guard_result("daemonauth_limiter_new", || {
        check_out(limiter_out, "limiter_out")?;
        let limiter = Limiter::new(Policy::default())?;
        // SAFETY: checked non-NULL; the caller passes a writable pointer.
        unsafe { give_handle(limiter_out, daemonauth_limiter(Arc::new(limiter)), "limiter_out") }
    })
}

/// Frees a limiter (a server policy that uses it keeps its own reference). NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_limiter_free(limiter: *mut daemonauth_limiter) {
    // SAFETY: NULL or a limiter from this library that the caller gives up.
    guard("daemonauth_limiter_free", || unsafe { free_handle(limiter) })
}

fn positive(key: &str, value: &str) -> Result<u64> {
    value
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::new(ErrorCode::InvalidArgument, format!("{key}: {value:?} is not a positive number")))
}

fn set_limit(policy: &mut Policy, key: &str, value: &str) -> Result<()> {
    match key {
        "max_children" => policy.max_children = usize::try_from(positive(key, value)?).unwrap_or(usize::MAX),
        "max_failures" => policy.max_failures = u32::try_from(positive(key, value)?).unwrap_or(u32::MAX),
        "failure_window_ms" => policy.failure_window = Duration::from_millis(positive(key, value)?),
        _ => return Err(Error::new(ErrorCode::InvalidArgument, format!("unknown limiter option {key:?}"))),
    }
    Ok(())
}

/// Sets one limit (strings, as in a configuration file; each a positive number):
/// `max_children` (default 32), `max_failures` (default 5), `failure_window_ms` (default
/// 60000). Set them before the limiter is shared (`cvs_auth_server_config_set_limiter`) or
/// used: a limiter in use cannot be changed (DAEMONAUTH_RESULT_INVALID_ARGUMENT).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_limiter_set(
    limiter: *mut daemonauth_limiter,
    key: *const c_char,
    value: *const c_char,
) -> ErrorCode {
    guard_result("daemonauth_limiter_set", || {
        // SAFETY: NULL or a live limiter, not used elsewhere during the call; NULL or strings.
        let (limiter, key, value) =
            unsafe { (handle_mut(limiter, "limiter")?, arg_str(key, "key")?, arg_str(value, "value")?) };
        let limiter = Arc::get_mut(&mut limiter.0)
            .ok_or_else(|| Error::new(ErrorCode::InvalidArgument, "the limiter is already shared"))?;
        set_limit(&mut limiter.policy, key, value)
    })
}

/// Before forking for a new connection: DAEMONAUTH_RESULT_OK when fewer than `max_children`
/// children added with `daemonauth_limiter_add_child` still run, else
/// DAEMONAUTH_RESULT_ACCESS_DENIED (refuse the connection). Children that exited are
/// forgotten; they are reaped with `waitpid(pid, WNOHANG)` unless the program reaps them
/// itself or ignores SIGCHLD, which works too.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_limiter_admit_child(limiter: *const daemonauth_limiter) -> ErrorCode {
    guard_result("daemonauth_limiter_admit_child", || {
        // SAFETY: NULL or a live limiter from this library.
        unsafe { handle_ref(limiter, "limiter") }?.0.admit_child()
    })
}

/// After forking: counts the child `pid` until it exits.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_limiter_add_child(limiter: *const daemonauth_limiter, pid: c_int) -> ErrorCode {
    guard_result("daemonauth_limiter_add_child", || {
        // SAFETY: NULL or a live limiter from this library.
        unsafe { handle_ref(limiter, "limiter") }?.0.add_child(pid)
    })
}

/// Runs `body` with a limiter and two optional strings.
fn with_subjects(
    export: &str,
    limiter: *const daemonauth_limiter,
    address: *const c_char,
    user: *const c_char,
    body: impl FnOnce(&Limiter, Option<&str>, Option<&str>) -> Result<()>,
) -> ErrorCode {
    guard_result(export, || {
        // SAFETY: NULL or a live limiter; NULL or NUL-terminated strings.
        let (limiter, address, user) =
            unsafe { (handle_ref(limiter, "limiter")?, arg_opt_str(address, "address")?, arg_opt_str(user, "user")?) };
        body(&limiter.0, address, user)
    })
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
    with_subjects("daemonauth_limiter_check", limiter, address, user, |limiter, address, user| {
        limiter.check(address, user)
    })
}

/// Records a failed attempt from `address` and for `user` (either may be NULL), in this
/// process or any child forked after the limiter was made.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_limiter_record_failure(
    limiter: *const daemonauth_limiter,
    address: *const c_char,
    user: *const c_char,
) -> ErrorCode {
    with_subjects("daemonauth_limiter_record_failure", limiter, address, user, |limiter, address, user| {
        limiter.record_failure(address, user)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_set_by_name() {
        let mut policy = Policy::default();
        set_limit(&mut policy, "max_children", "3").unwrap();
        set_limit(&mut policy, "max_failures", "2").unwrap();
        set_limit(&mut policy, "failure_window_ms", "1500").unwrap();
        assert_eq!(policy, Policy { max_children: 3, max_failures: 2, failure_window: Duration::from_millis(1500) });
        assert_eq!(set_limit(&mut policy, "max_children", "0").unwrap_err().code(), ErrorCode::InvalidArgument);
        assert_eq!(set_limit(&mut policy, "nonsense", "1").unwrap_err().code(), ErrorCode::InvalidArgument);
    }
}
