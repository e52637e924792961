//! Exports every other module relies on: error codes and messages, version, logging.

use std::ffi::{c_char, c_int, c_void};

use super::{Userdata, ffi_boundary, with_last_error};
use crate::c_enum::CEnum;
use crate::error::ErrorCode;
use crate::log::{self, LogCallback, LogLevel, Sink};
use crate::{dynlib, gss, responder, sysauth};

/// Returns a fixed English description of an error code; unknown numbers get
/// "unknown daemonauth error code". The string is static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_strerror(code: c_int) -> *const c_char {
    ffi_boundary! {
        match ErrorCode::from_number(i64::from(code)) {
            Some(code) => code.c_description().as_ptr(),
            None => c"unknown daemonauth error code".as_ptr(),
        }
    }
}

/// Returns a sentence describing the most recent failed call made by the calling thread,
/// or "" if none has failed yet. A successful call does not clear it.
///
/// The string belongs to the library and stays valid until the next daemonauth call on the
/// same thread; copy it if you need to keep it. Never free it.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_last_error() -> *const c_char {
    ffi_boundary! { with_last_error(|text| text.as_ptr()) }
}

const VERSION: &std::ffi::CStr =
    match std::ffi::CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(version) => version,
        Err(_) => panic!("the package version contains a NUL"),
    };

/// Returns the library's version as "MAJOR.MINOR.PATCH". The string is static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_version() -> *const c_char {
    ffi_boundary! { VERSION.as_ptr() }
}

/// Opens now every system library the library otherwise opens at its first use (MIT's
/// GSS-API and krb5 libraries and, where installed, libpam and libcrypt), then opens nothing
/// more for the life of the process.
///
/// By default a program pays for those libraries only when it first needs them, and opens
/// them in whatever state it is in then: after a chroot(2), the loader would read them (and
/// `ld.so.cache`) from the new root. A daemon that confines itself (chroot, a mount namespace,
/// a seccomp or Landlock policy that forbids opening files) calls this first.
///
/// Returns DAEMONAUTH_RESULT_CONFIG when the GSS-API or krb5 library cannot be opened (the
/// last error names it). A missing libpam or libcrypt is not a failure here; a later system
/// password check reports it. Calling it again changes nothing.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_load_libraries() -> ErrorCode {
    ffi_boundary! {
        dynlib::load_all_and_seal(
            &[gss::sys::load_library, responder::krb5::load_library],
            &[sysauth::pam::load_library, sysauth::sys::load_crypt],
        )
    }
}

/// Sends the library's log messages to `callback` instead of the default sink; `userdata` is
/// passed back on every call. The callback may be called from any thread that uses the library,
/// must not block for long, and must not keep the message pointer after returning.
/// A NULL `callback` restores the default sink chosen at load time from `DAEMONAUTH_LOG`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_set_log_callback(callback: LogCallback, userdata: *mut c_void) {
    ffi_boundary! {
        match callback {
            Some(callback) => log::set_sink(Sink::Callback { callback, userdata: Userdata::new(userdata) }),
            None => log::restore_default_sink(),
        }
    }
}

/// Sets the most detailed level of message that is delivered (DAEMONAUTH_LOG_LEVEL_ERROR
/// through DAEMONAUTH_LOG_LEVEL_TRACE). The default comes from `DAEMONAUTH_LOG_LEVEL`, else
/// warnings. Returns DAEMONAUTH_RESULT_INVALID_ARGUMENT for a number that is not a level.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_set_log_level(level: c_int) -> ErrorCode {
    ffi_boundary! {
        log::set_level(LogLevel::from_c(level)?);
        Ok(())
    }
}

/// Returns the most detailed level of message currently delivered.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_get_log_level() -> LogLevel {
    ffi_boundary! { on_panic: LogLevel::Warn; log::level() }
}
