//! System libraries opened on first use instead of at load time: libpam (which brings libaudit
//! and libcap-ng) and libcrypt are needed only by daemons that check system passwords, so a
//! program that never does pays nothing for them when it starts (`docs/performance.md`).
//!
//! A library is opened by its soname with `dlopen` once per process, never closed, and each
//! symbol is resolved once; a missing library or symbol is a `Config` error naming it.

use std::ffi::{CStr, c_void};

use crate::error::{Error, ErrorCode, Result};

/// An opened shared object. It is never closed, so symbols taken from it stay valid for the
/// life of the process.
pub(crate) struct Library {
    handle: *mut c_void,
    soname: &'static CStr,
}

// SAFETY: a dlopen handle may be used from any thread (dlsym is thread-safe) and the library is
// never closed.
unsafe impl Send for Library {}
// SAFETY: as above; the handle is only read.
unsafe impl Sync for Library {}

impl Library {
    /// Opens `soname` (for example `libpam.so.0`), binding its symbols now.
    pub(crate) fn open(soname: &'static CStr) -> Result<Library> {
        // SAFETY: a NUL-terminated name; dlopen has no other precondition.
        let handle = unsafe { libc::dlopen(soname.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if handle.is_null() {
            return Err(Error::new(
                ErrorCode::Config,
                format!("cannot load {}: {}", soname.to_string_lossy(), last_dl_error()),
            ));
        }
        Ok(Library { handle, soname })
    }

    /// The address of `symbol` as a value of type `T`.
    ///
    /// # Safety
    /// `T` must be a function pointer type matching the symbol's C declaration.
    pub(crate) unsafe fn symbol<T: Copy>(&self, symbol: &CStr) -> Result<T> {
        assert_eq!(std::mem::size_of::<T>(), std::mem::size_of::<*mut c_void>(), "T is a function pointer");
        // SAFETY: a live handle and a NUL-terminated name.
        let address = unsafe { libc::dlsym(self.handle, symbol.as_ptr()) };
        if address.is_null() {
            return Err(Error::new(
                ErrorCode::Config,
                format!("{} has no {}", self.soname.to_string_lossy(), symbol.to_string_lossy()),
            ));
        }
        // SAFETY: a non-NULL function address, reinterpreted as the pointer type the caller
        // promised matches it (same size, checked above).
        Ok(unsafe { std::mem::transmute_copy::<*mut c_void, T>(&address) })
    }
}

/// What `dlerror` says about the last failure in this thread.
fn last_dl_error() -> String {
    // SAFETY: dlerror returns NULL or a NUL-terminated message valid until the next dl call in
    // this thread; it is copied at once.
    let message = unsafe { libc::dlerror() };
    if message.is_null() {
        return "unknown error".to_owned();
    }
    // SAFETY: non-NULL and NUL-terminated, as above.
    unsafe { CStr::from_ptr(message) }.to_string_lossy().into_owned()
}

/// A set of functions resolved from a library once per process: `load` runs at the first call
/// of `get`, and its outcome (functions or error) is kept.
pub(crate) struct Lazy<T: 'static> {
    cell: std::sync::OnceLock<Result<T>>,
    load: fn() -> Result<T>,
}

impl<T: 'static> Lazy<T> {
    pub(crate) const fn new(load: fn() -> Result<T>) -> Lazy<T> {
        Lazy { cell: std::sync::OnceLock::new(), load }
    }

    /// The functions, loading them at the first call.
    pub(crate) fn get(&'static self) -> Result<&'static T> {
        self.cell.get_or_init(self.load).as_ref().map_err(Error::clone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type StrlenFn = unsafe extern "C" fn(*const std::ffi::c_char) -> usize;

    #[test]
    fn a_symbol_is_resolved_and_callable() {
        let library = Library::open(c"libc.so.6").expect("libc opens");
        // SAFETY: strlen's declaration.
        let strlen: StrlenFn = unsafe { library.symbol(c"strlen") }.expect("libc has strlen");
        // SAFETY: a NUL-terminated string.
        assert_eq!(unsafe { strlen(c"four".as_ptr()) }, 4);
    }

    #[test]
    fn a_missing_library_or_symbol_is_a_config_error_naming_it() {
        let Err(error) = Library::open(c"libdaemonauth-no-such-library.so.9") else { panic!("no such library") };
        assert_eq!(error.code(), ErrorCode::Config);
        assert!(error.message().contains("libdaemonauth-no-such-library.so.9"), "{}", error.message());

        let library = Library::open(c"libc.so.6").expect("libc opens");
        // SAFETY: never called.
        let error = unsafe { library.symbol::<StrlenFn>(c"no_such_function_here") }.expect_err("no such symbol");
        assert_eq!(error.code(), ErrorCode::Config);
        assert!(error.message().contains("libc.so.6 has no no_such_function_here"), "{}", error.message());
    }

    #[test]
    fn a_failed_load_is_remembered_and_reported_at_every_use() {
        static MISSING: Lazy<Library> = Lazy::new(|| Library::open(c"libdaemonauth-no-such-library.so.9"));
        let first = MISSING.get().err().expect("fails");
        let second = MISSING.get().err().expect("fails again");
        assert_eq!(first, second);
    }
}
