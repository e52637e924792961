//! Libraries opened on first use instead of at load time, so that a program pays for a library
//! only when it first needs it (`docs/performance.md`, load cost): MIT's GSS-API and Kerberos
//! libraries (with the five libraries they bring) are opened at the first GSS-API or Kerberos
//! call, libpam (with libaudit and libcap-ng) and libcrypt when a daemon first checks a system
//! password. A CVS pserver or a host-auth usrpwd daemon never loads Kerberos at all.
//!
//! A library is opened by its soname with `dlopen` and never closed, and each symbol is
//! resolved once; a missing library or symbol is a `Config` error naming it, and the next use
//! tries again (a descriptor shortage at the first call does not disable Kerberos for good). A
//! library the program has already loaded (a daemon that calls GSS-API itself) is the same
//! instance: `dlopen` of a loaded soname returns it, so handles pass freely between the two.
//!
//! Opening a library at first use means opening it in whatever state the process is in then:
//! after a `chroot`, the loader would read `ld.so.cache` and the library from the new root. A
//! daemon that confines itself first calls `daemonauth_load_libraries` ([`load_all_and_seal`]),
//! which opens every library now and seals: nothing is opened after it.

use std::ffi::{CStr, c_void};
use std::sync::atomic::{AtomicBool, Ordering};

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
    /// Opens `soname` (for example `libpam.so.0`). Its own calls into other libraries are bound
    /// as the loader binds them at start: lazily, unless it was linked for immediate binding
    /// (`RTLD_NOW` would resolve the Kerberos libraries' ~1 100 lazy slots up front, +150 us).
    /// The functions a module declares are all resolved at once, in [`library_functions!`].
    pub(crate) fn open(soname: &'static CStr) -> Result<Library> {
        Library::open_unless(SEALED.load(Ordering::Acquire), soname)
    }

    /// [`Library::open`], refused when `sealed`.
    fn open_unless(sealed: bool, soname: &'static CStr) -> Result<Library> {
        if sealed {
            return Err(Error::new(
                ErrorCode::Config,
                format!(
                    "{} was not available when daemonauth_load_libraries ran, and no library is opened after it",
                    soname.to_string_lossy()
                ),
            ));
        }
        // SAFETY: a NUL-terminated name; dlopen has no other precondition.
        let handle = unsafe { libc::dlopen(soname.as_ptr(), libc::RTLD_LAZY | libc::RTLD_LOCAL) };
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
                format!("{} has no {}: {}", self.soname.to_string_lossy(), symbol.to_string_lossy(), last_dl_error()),
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

/// Set once every library has been opened by [`load_all_and_seal`].
static SEALED: AtomicBool = AtomicBool::new(false);

/// Opens one table's library (its `get`, the functions dropped).
pub(crate) type Loader = fn() -> Result<()>;

/// Opens every library the crate opens on first use, then seals: from then on nothing is
/// opened, and a library that could not be opened now stays unavailable. Returns the first
/// failure of a `required` loader; the `optional` ones are for optional packages (PAM,
/// crypt), whose absence their first use reports. The seal holds either way.
pub(crate) fn load_all_and_seal(required: &[Loader], optional: &[Loader]) -> Result<()> {
    let outcome = required.iter().map(|load| load()).fold(Ok(()), Result::and);
    for load in optional {
        // Reported at first use (sealed: "was not available when ... ran").
        let _ = load();
    }
    SEALED.store(true, Ordering::Release);
    outcome
}

/// A set of functions resolved from a library at most once per process: `load` runs at a
/// call of `get` until it succeeds, and its functions are kept. A failure is not kept (the next
/// call tries again), and no call waits while another loads (`load` runs outside any lock, so a
/// thread that forks while another loads leaves its child nothing to wait for); two threads
/// that load at once both open the library, which `dlopen` counts, and one result is kept.
pub(crate) struct Lazy<T: 'static> {
    cell: std::sync::OnceLock<T>,
    load: fn() -> Result<T>,
}

impl<T: 'static> Lazy<T> {
    pub(crate) const fn new(load: fn() -> Result<T>) -> Lazy<T> {
        Lazy { cell: std::sync::OnceLock::new(), load }
    }

    /// The functions, loading them if no call has yet.
    pub(crate) fn get(&'static self) -> Result<&'static T> {
        if let Some(loaded) = self.cell.get() {
            return Ok(loaded);
        }
        let loaded = (self.load)()?;
        Ok(self.cell.get_or_init(|| loaded))
    }
}

/// Declares `$table`, the functions of the library `$soname` a module calls: a struct with one
/// field per function, named after it and typed as its C declaration, and a [`Lazy`] static that
/// opens the library and resolves every function at the first `$table.get()`.
///
/// With `declared in $decls`, each type is also checked at compile time against the
/// declaration of the same name in the module `$decls` (a `-sys` crate's), without linking
/// the library: the check is a constant that names each declaration and is never used.
macro_rules! library_functions {
    (
        $(#[$meta:meta])*
        $vis:vis static $table:ident: $name:ident = $soname:literal, declared in $decls:path {
            $(fn $function:ident($($argument:ident: $type:ty),* $(,)?) $(-> $ret:ty)?;)*
        }
    ) => {
        $crate::dynlib::library_functions! {
            $(#[$meta])*
            $vis static $table: $name = $soname {
                $(fn $function($($argument: $type),*) $(-> $ret)?;)*
            }
        }
        const _: () = {
            use $decls as declarations;
            $(let _: unsafe extern "C" fn($($type),*) $(-> $ret)? = declarations::$function;)*
        };
    };
    (
        $(#[$meta:meta])*
        $vis:vis static $table:ident: $name:ident = $soname:literal {
            $(fn $function:ident($($argument:ident: $type:ty),* $(,)?) $(-> $ret:ty)?;)*
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $(pub $function: unsafe extern "C" fn($($argument: $type),*) $(-> $ret)?,)*
        }

        $vis static $table: $crate::dynlib::Lazy<$name> = $crate::dynlib::Lazy::new(|| {
            let library = $crate::dynlib::Library::open($soname)?;
            // SAFETY: each field's type is the C declaration of the function it is named after.
            unsafe {
                Ok($name {
                    $($function: library.symbol($crate::dynlib::symbol_name!($function))?,)*
                })
            }
        });
    };
}

pub(crate) use library_functions;

/// The NUL-terminated name of a C function, from its identifier.
macro_rules! symbol_name {
    ($function:ident) => {
        const {
            match std::ffi::CStr::from_bytes_with_nul(concat!(stringify!($function), "\0").as_bytes()) {
                Ok(name) => name,
                Err(_) => panic!("an identifier holds no NUL byte"),
            }
        }
    };
}

pub(crate) use symbol_name;

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
    fn a_failed_load_is_tried_again_at_the_next_use() {
        static ATTEMPTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        static MISSING: Lazy<Library> = Lazy::new(|| {
            ATTEMPTS.fetch_add(1, Ordering::Relaxed);
            Library::open(c"libdaemonauth-no-such-library.so.9")
        });
        let first = MISSING.get().err().expect("fails");
        let second = MISSING.get().err().expect("fails again");
        assert_eq!(first, second);
        assert_eq!(ATTEMPTS.load(Ordering::Relaxed), 2, "the failure was not kept");
    }

    #[test]
    fn nothing_is_opened_once_sealed() {
        let error = Library::open_unless(true, c"libc.so.6").err().expect("sealed");
        assert_eq!(error.code(), ErrorCode::Config);
        assert!(error.message().contains("libc.so.6 was not available when daemonauth_load_libraries ran"));
        assert!(Library::open_unless(false, c"libc.so.6").is_ok());
    }

    library_functions! {
        /// Two functions of the C library, as a module declares the functions it calls.
        static STRING_FUNCTIONS: StringFunctions = c"libc.so.6" {
            fn strlen(text: *const std::ffi::c_char) -> usize;
            fn strnlen(text: *const std::ffi::c_char, most: usize) -> usize;
        }
    }

    #[test]
    fn declared_functions_are_resolved_by_their_names_at_first_use() {
        let functions = STRING_FUNCTIONS.get().expect("libc has both");
        // SAFETY: NUL-terminated strings.
        unsafe {
            assert_eq!((functions.strlen)(c"four".as_ptr()), 4);
            assert_eq!((functions.strnlen)(c"four".as_ptr(), 2), 2);
        }
        assert!(std::ptr::eq(functions, STRING_FUNCTIONS.get().expect("kept")), "resolved once");
    }

    library_functions! {
        /// A function libc lacks: the whole table fails, naming it.
        #[expect(dead_code, reason = "never called: resolving the table fails")]
        static WITH_A_MISSING_FUNCTION: WithAMissingFunction = c"libc.so.6" {
            fn strlen(text: *const std::ffi::c_char) -> usize;
            fn daemonauth_no_such_function(text: *const std::ffi::c_char) -> usize;
        }
    }

    #[test]
    fn a_table_with_a_missing_function_is_an_error_naming_it() {
        let error = WITH_A_MISSING_FUNCTION.get().err().expect("libc has no such function");
        assert_eq!(error.code(), ErrorCode::Config);
        assert!(error.message().contains("libc.so.6 has no daemonauth_no_such_function"), "{}", error.message());
    }
}
