//! Logging core: a level filter and one sink, chosen at load time from the environment and
//! replaceable at run time by the host daemon's own logger.
//!
//! Environment, read once when the library is loaded:
//! - `DAEMONAUTH_LOG`: `stderr` (default), `syslog` or `off`.
//! - `DAEMONAUTH_LOG_LEVEL`: `error`, `warn` (default), `info`, `debug` or `trace`.
//!
//! In distcc (a program defining distcc's logger, `rs_log0`) the default sink is distcc's
//! logger instead, and the default level `debug`: distcc's own `--log-level` filters.
//!
//! Unknown values fall back to the defaults: loading the library never fails because of them.
//! Nothing logged by the library ever contains a secret.
//!
//! Nothing is ever written to a descriptor that may be a peer's socket: inetd, xinetd and
//! systemd (`StandardError=socket`) hand a daemon its connection as descriptors 0, 1 and 2.
//! The `stderr` sink therefore checks descriptor 2 at every message (one `fstat`) and, when it
//! is a socket, delivers the message to syslog instead. Checking at each message rather than
//! once at load covers a daemon that puts a socket on descriptor 2 after loading the library.

use std::ffi::{CStr, CString, c_char, c_void};
use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};

use parking_lot::RwLock;

use crate::c_enum::{CEnum, c_enum};
use crate::ffi::Userdata;
use crate::io::Channel;

/// The time one line to standard error may take.
const STDERR_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// Severity of a log message; a message is delivered when its level is at most the
/// configured level.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Something failed.
    Error = 1,
    /// Something is suspicious or was refused.
    Warn = 2,
    /// Normal, infrequent events (a peer authenticated).
    Info = 3,
    /// Detail for debugging (every recorded error, protocol steps).
    Debug = 4,
    /// Very detailed tracing (token sizes, state changes).
    Trace = 5,
}

c_enum!(LogLevel, "log level (1 to 5)", [Error, Warn, Info, Debug, Trace]);

impl LogLevel {
    fn from_name(name: &str) -> Option<LogLevel> {
        match name.to_ascii_lowercase().as_str() {
            "error" => Some(LogLevel::Error),
            "warn" | "warning" => Some(LogLevel::Warn),
            "info" => Some(LogLevel::Info),
            "debug" => Some(LogLevel::Debug),
            "trace" => Some(LogLevel::Trace),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warning",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }

    fn syslog_priority(self) -> libc::c_int {
        match self {
            LogLevel::Error => libc::LOG_ERR,
            LogLevel::Warn => libc::LOG_WARNING,
            LogLevel::Info => libc::LOG_INFO,
            LogLevel::Debug | LogLevel::Trace => libc::LOG_DEBUG,
        }
    }
}

/// A host-supplied log function: receives the caller's `userdata`, the level and a
/// NUL-terminated UTF-8 message that is valid only during the call.
pub type LogCallback = Option<unsafe extern "C" fn(userdata: *mut c_void, level: LogLevel, message: *const c_char)>;

type LogFunction = unsafe extern "C" fn(*mut c_void, LogLevel, *const c_char);

/// Where messages go.
#[derive(Clone, Copy)]
pub(crate) enum Sink {
    Stderr,
    Syslog,
    Off,
    Callback { callback: LogFunction, userdata: Userdata },
}

static LEVEL: AtomicU8 = AtomicU8::new(LogLevel::Warn as u8);
static SINK: RwLock<Sink> = RwLock::new(Sink::Stderr);
static DEFAULT_SINK: RwLock<Sink> = RwLock::new(Sink::Stderr);

/// Chooses the default sink and level from the environment when the library is loaded.
/// Reads two variables and stores two values: it cannot fail or block.
// SAFETY: runs while the library is loaded (before main, or inside a dlopen); it touches only
// the C library's environment and this module's own statics, which need no other
// initialisation.
#[ctor::ctor(unsafe)]
fn configure_from_environment() {
    let host_sink = crate::distcc::abi::host_log_sink();
    // SAFETY: the value is compared at once. Only a thread of a running program that calls
    // setenv while another dlopens the library could change it meanwhile, which std's reader
    // could not prevent either (its lock covers Rust's set_var only).
    let sink = match (unsafe { load_time_variable(c"DAEMONAUTH_LOG") }, host_sink) {
        (Some(b"syslog"), _) => Sink::Syslog,
        (Some(b"off" | b"none"), _) => Sink::Off,
        (Some(b"stderr"), _) | (_, None) => Sink::Stderr,
        (_, Some(host_sink)) => host_sink,
    };
    *DEFAULT_SINK.write() = sink;
    *SINK.write() = sink;
    // SAFETY: as above.
    let level = unsafe { load_time_variable(c"DAEMONAUTH_LOG_LEVEL") }.and_then(|name| std::str::from_utf8(name).ok());
    match level.and_then(LogLevel::from_name) {
        Some(level) => set_level(level),
        None if matches!(sink, Sink::Callback { .. }) => set_level(LogLevel::Debug),
        None => {}
    }
}

/// An environment variable's bytes, read with the C library's `getenv` while the library
/// loads (std's reader would copy them and fault in its own code pages for two short values).
///
/// # Safety
/// The bytes are the environment's own: the caller must be done with them before anything
/// can change the environment (`setenv`, `putenv`).
unsafe fn load_time_variable(name: &CStr) -> Option<&'static [u8]> {
    // SAFETY: a NUL-terminated name; the value, if any, is a NUL-terminated string that stays
    // as it is for as long as the caller promises to use it.
    unsafe {
        let value = libc::getenv(name.as_ptr());
        (!value.is_null()).then(|| CStr::from_ptr(value).to_bytes())
    }
}

/// Sets the most detailed level that is delivered.
pub fn set_level(level: LogLevel) {
    LEVEL.store(level as u8, Ordering::Relaxed);
}

/// The most detailed level that is delivered.
pub fn level() -> LogLevel {
    LogLevel::from_number(i64::from(LEVEL.load(Ordering::Relaxed))).unwrap_or(LogLevel::Warn)
}

/// Replaces the sink.
pub(crate) fn set_sink(sink: Sink) {
    *SINK.write() = sink;
}

/// Goes back to the sink chosen at load time.
pub(crate) fn restore_default_sink() {
    set_sink(*DEFAULT_SINK.read());
}

/// Whether a message at `level` would be delivered.
pub fn enabled(level: LogLevel) -> bool {
    level as u8 <= LEVEL.load(Ordering::Relaxed)
}

/// Delivers one message. Use the `log_*!` macros rather than calling this directly.
pub fn write(level: LogLevel, args: fmt::Arguments<'_>) {
    if !enabled(level) {
        return;
    }
    // Copy the sink out so that a callback may itself change the sink without deadlocking.
    let sink = *SINK.read();
    let message = fmt::format(args);
    match sink {
        Sink::Off => {}
        Sink::Stderr if stderr_is_socket() => to_syslog(level, message),
        Sink::Stderr => {
            let line = format!("daemonauth[{}]: {}: {message}\n", std::process::id(), level.name());
            // A standard error nobody reads costs at most a second; one whose reader is gone
            // loses the line, and never raises SIGPIPE.
            if let Ok(stderr) = Channel::new(libc::STDERR_FILENO, libc::STDERR_FILENO, STDERR_TIMEOUT) {
                let _ = stderr.write_all(line.as_bytes(), stderr.deadline());
            }
        }
        Sink::Syslog => to_syslog(level, message),
        Sink::Callback { callback, userdata } => {
            let text = c_message(message);
            // SAFETY: the host registered this function and userdata for exactly this call
            // signature; the message is NUL-terminated and outlives the call.
            unsafe { callback(userdata.get(), level, text.as_ptr()) };
        }
    }
}

/// Whether descriptor 2 is a socket, and so may be a peer's connection.
fn stderr_is_socket() -> bool {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat writes a whole `stat` into the buffer when it returns 0, and only then is
    // the buffer read.
    unsafe {
        libc::fstat(libc::STDERR_FILENO, stat.as_mut_ptr()) == 0
            && stat.assume_init().st_mode & libc::S_IFMT == libc::S_IFSOCK
    }
}

fn to_syslog(level: LogLevel, message: String) {
    let text = c_message(message);
    // SAFETY: both strings are NUL-terminated and live across the call; the format string
    // takes exactly one string argument.
    unsafe { libc::syslog(level.syslog_priority(), c"%s".as_ptr(), text.as_ptr()) };
}

/// The message as a C string, with any interior NUL shown as `\0`.
fn c_message(message: String) -> CString {
    CString::new(message).unwrap_or_else(|err| {
        let text = String::from_utf8_lossy(&err.into_vec()).replace('\0', "\\0");
        CString::new(text).expect("interior NULs were replaced")
    })
}

/// Logs at `level`; the arguments are evaluated and formatted only when the level is enabled
/// (a peer name, for example, costs a GSS call).
#[macro_export]
#[doc(hidden)]
macro_rules! log_at {
    ($level:expr, $($arg:tt)*) => {
        if $crate::log::enabled($level) {
            $crate::log::write($level, format_args!($($arg)*))
        }
    };
}

/// Logs at error level.
#[macro_export]
macro_rules! log_error { ($($arg:tt)*) => { $crate::log_at!($crate::log::LogLevel::Error, $($arg)*) } }
/// Logs at warning level.
#[macro_export]
macro_rules! log_warn { ($($arg:tt)*) => { $crate::log_at!($crate::log::LogLevel::Warn, $($arg)*) } }
/// Logs at info level.
#[macro_export]
macro_rules! log_info { ($($arg:tt)*) => { $crate::log_at!($crate::log::LogLevel::Info, $($arg)*) } }
/// Logs at debug level.
#[macro_export]
macro_rules! log_debug { ($($arg:tt)*) => { $crate::log_at!($crate::log::LogLevel::Debug, $($arg)*) } }
/// Logs at trace level.
#[macro_export]
macro_rules! log_trace { ($($arg:tt)*) => { $crate::log_at!($crate::log::LogLevel::Trace, $($arg)*) } }

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_of_a_disabled_level_are_not_evaluated() {
        set_level(LogLevel::Warn);
        let mut evaluated = 0;
        crate::log_debug!("{}", {
            evaluated += 1;
            evaluated
        });
        assert_eq!(evaluated, 0);
        crate::log_warn!("{}", {
            evaluated += 1;
            "a warning from the log test"
        });
        assert_eq!(evaluated, 1);
    }

    #[test]
    fn level_names_parse() {
        assert_eq!(LogLevel::from_name("DEBUG"), Some(LogLevel::Debug));
        assert_eq!(LogLevel::from_name("warning"), Some(LogLevel::Warn));
        assert_eq!(LogLevel::from_name("loud"), None);
    }

    #[test]
    fn interior_nul_is_made_visible() {
        assert_eq!(c_message("a\0b".into()).as_bytes(), b"a\\0b");
    }
}
