//! A Rust cdylib that does nothing but exist: what a Rust C-ABI library built with Rust's
//! defaults costs a program that links it (its standard library, libgcc_s for unwinding),
//! shown by scripts/bench beside libdaemonauth's load cost.

/// Returns a static string, through `catch_unwind` as every libdaemonauth export does.
#[unsafe(no_mangle)]
pub extern "C" fn rust_floor_version() -> *const std::ffi::c_char {
    std::panic::catch_unwind(|| c"0".as_ptr()).unwrap_or(std::ptr::null())
}
