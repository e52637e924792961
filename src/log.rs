//! Logging core: a level filter and one sink, chosen at load time from the environment and
//! replaceable at run time by the host daemon's own logger.
//!
//! Environment, read once when the library is loaded:
//! - `DAEMONAUTH_LOG`: `stderr` (default), `syslog` or `off`.
//! - `DAEMONAUTH_LOG_LEVEL`: `error`, `warn` (default), `info`, `debug` or `trace`.
//!
//! Unknown values fall back to the defaults: loading the library never fails because of them.
//! Nothing logged by the library ever contains a secret.

use std::ffi::{CString, c_char, c_void};
use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};

use parking_lot::RwLock;

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

impl LogLevel {
    /// The level with this number, if there is one.
    pub fn from_number(number: i64) -> Option<LogLevel> {
        [LogLevel::Error, LogLevel::Warn, LogLevel::Info, LogLevel::Debug, LogLevel::Trace]
            .into_iter()
            .find(|level| *level as i64 == number)
    }

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
// SAFETY: runs before main; it touches only std's environment reading and this module's own
// statics, which need no other initialisation.
#[ctor::ctor(unsafe)]
fn configure_from_environment() {
    let sink = std::env::var("DAEMONAUTH_LOG").ok();
    let sink = match sink.as_deref() {
        Some("syslog") => Sink::Syslog,
        Some("off") | Some("none") => Sink::Off,
        _ => Sink::Stderr,
    };
    *DEFAULT_SINK.write() = sink;
    *SINK.write() = sink;
    let level = std::env::var("DAEMONAUTH_LOG_LEVEL").ok();
    if let Some(level) = level.as_deref().and_then(LogLevel::from_name) {
        set_level(level);
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
        Sink::Stderr => {
            let line = format!("daemonauth[{}]: {}: {message}\n", std::process::id(), level.name());
            // A standard error nobody reads costs at most a second; one whose reader is gone
            // loses the line, and never raises SIGPIPE.
            if let Ok(stderr) = Channel::new(libc::STDERR_FILENO, libc::STDERR_FILENO, STDERR_TIMEOUT) {
                let _ = stderr.write_all(line.as_bytes(), stderr.deadline());
            }
        }
        Sink::Syslog => {
            let text = c_message(message);
            // SAFETY: both strings are NUL-terminated and live across the call; the format
            // string takes exactly one string argument.
            unsafe { libc::syslog(level.syslog_priority(), c"%s".as_ptr(), text.as_ptr()) };
        }
        Sink::Callback { callback, userdata } => {
            let text = c_message(message);
            // SAFETY: the host registered this function and userdata for exactly this call
            // signature; the message is NUL-terminated and outlives the call.
            unsafe { callback(userdata.get(), level, text.as_ptr()) };
        }
    }
}

/// The message as a C string, with any interior NUL shown as `\0`.
fn c_message(message: String) -> CString {
    CString::new(message).unwrap_or_else(|err| {
        let text = String::from_utf8_lossy(&err.into_vec()).replace('\0', "\\0");
        CString::new(text).expect("interior NULs were replaced")
    })
}

/// Logs at error level.
#[macro_export]
macro_rules! log_error { ($($arg:tt)*) => { $crate::log::write($crate::log::LogLevel::Error, format_args!($($arg)*)) } }
/// Logs at warning level.
#[macro_export]
macro_rules! log_warn { ($($arg:tt)*) => { $crate::log::write($crate::log::LogLevel::Warn, format_args!($($arg)*)) } }
/// Logs at info level.
#[macro_export]
macro_rules! log_info { ($($arg:tt)*) => { $crate::log::write($crate::log::LogLevel::Info, format_args!($($arg)*)) } }
/// Logs at debug level.
#[macro_export]
macro_rules! log_debug { ($($arg:tt)*) => { $crate::log::write($crate::log::LogLevel::Debug, format_args!($($arg)*)) } }
/// Logs at trace level.
#[macro_export]
macro_rules! log_trace { ($($arg:tt)*) => { $crate::log::write($crate::log::LogLevel::Trace, format_args!($($arg)*)) } }

#[cfg(test)]
mod tests {
    use super::*;

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
