//! The registry of host-auth entries and their established authentications, from C.
//!
//! An entry handle names its entry by key (host, user, server kind) and keeps the registry alive,
//! so it never dangles: once another thread removes the entry, calls through the handle fail
//! with DAEMONAUTH_RESULT_NOT_FOUND (and work again if an entry with that key is added back).

#![allow(non_camel_case_types)] // C names for the C API

use std::ffi::{CString, c_char, c_int};
use std::sync::Arc;

use crate::c_enum::{CEnum, c_enum};
use crate::error::{Error, ErrorCode, Result};
use crate::ffi::buffer::give_string;
use crate::ffi::{arg_c_bytes, check_out, ffi_boundary, free_handle, give_handle, give_value, handle_ref};
use crate::hostauth::model::{HostAuth, Key, Method};
use crate::hostauth::pattern::ServerKind;
use crate::hostauth::source::ProcessEnv;
use crate::hostauth::store::{EstablishedInfo, Store, epoch_seconds};

/// A host-authentication method and its code (ROOT's `TAuthenticate::ESecurity`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostauthMethod {
    /// 0, user and password (`usrpwd`).
    Usrpwd = 0,
    /// 1, SRP (`srp`).
    Srp = 1,
    /// 2, Kerberos 5 (`krb5`).
    Krb5 = 2,
    /// 3, GSS-API; ROOT's Globus GSI (`globus`).
    Gss = 3,
    /// 4, SSH (`ssh`).
    Ssh = 4,
    /// 5, uid and gid of a Unix-domain socket peer (`uidgid`).
    Uidgid = 5,
}

/// The kind of daemon an entry is for (ROOT's `kSOCKD`, `kROOTD`, `kPROOFD`), or any.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostauthServer {
    /// Any kind: the entry applies to every daemon of the host.
    Any = -1,
    /// 0, a program's own server (`sockd`).
    Sockd = 0,
    /// 1, rootd.
    Rootd = 1,
    /// 2, proofd.
    Proofd = 2,
}

c_enum!(HostauthMethod, "host-auth method", [Usrpwd, Srp, Krb5, Gss, Ssh, Uidgid]);
c_enum!(HostauthServer, "host-auth server kind", [Any, Sockd, Rootd, Proofd]);

impl From<HostauthMethod> for Method {
    fn from(method: HostauthMethod) -> Method {
        Method::from_code(method.number()).expect("the codes of both enums are the same")
    }
}

impl From<Method> for HostauthMethod {
    fn from(method: Method) -> HostauthMethod {
        HostauthMethod::from_number(i64::from(method.code())).expect("the codes of both enums are the same")
    }
}

pub(super) fn server_kind(server: c_int) -> Result<Option<ServerKind>> {
    Ok(match HostauthServer::from_c(server)? {
        HostauthServer::Any => None,
        HostauthServer::Sockd => Some(ServerKind::Sockd),
        HostauthServer::Rootd => Some(ServerKind::Rootd),
        HostauthServer::Proofd => Some(ServerKind::Proofd),
    })
}

fn method(method: c_int) -> Result<Method> {
    HostauthMethod::from_c(method).map(Method::from)
}

/// The host-auth entries of a program (ROOT's `TAuthenticate::GetAuthInfo()` list), with the
/// rc files they are read from. Shared: any number of threads may use it at once; every
/// operation on it or on its entries is atomic. Free with `daemonauth_hostauth_registry_free`;
/// entry handles keep it alive.
pub struct daemonauth_hostauth_registry(pub(crate) Arc<Store>);

/// A handle on one entry of a registry: the methods to try, in order, to authenticate as one
/// user to one host and server kind (ROOT's `THostAuth`). Shared: any number of threads may
/// use it at once. It names the entry by key and keeps the registry alive: when the entry is
/// removed, calls through the handle fail with DAEMONAUTH_RESULT_NOT_FOUND. Free with
/// `daemonauth_hostauth_entry_free`.
pub struct daemonauth_hostauth_entry {
    pub(crate) store: Arc<Store>,
    pub(crate) key: Key,
}

/// A copy of one established authentication (ROOT's `TAuthDetails` / `TSecContext`), taken by
/// `daemonauth_hostauth_entry_established_at`: method, login, details, expiry, active flag, and
/// whether the library holds a reuse token for it. The token itself never leaves the library.
/// Shared: immutable. Free with `daemonauth_hostauth_established_free`.
pub struct daemonauth_hostauth_established {
    info: EstablishedInfo,
    login: CString,
    details: CString,
}

/// The key from the C arguments: `host` and `user` are bytes, `server` a
/// `daemonauth_hostauth_server`.
///
/// # Safety
/// `host` and `user` are NULL or NUL-terminated strings.
unsafe fn key(host: *const c_char, user: *const c_char, server: c_int) -> Result<Key> {
    // SAFETY: forwarded contract.
    let (host, user) = unsafe { (arg_c_bytes(host, "host")?, arg_c_bytes(user, "user")?) };
    if host.is_empty() || user.is_empty() {
        return Err(Error::new(ErrorCode::InvalidArgument, "`host` and `user` must not be empty"));
    }
    Ok(Key { host: host.to_vec(), user: user.to_vec(), server: server_kind(server)? })
}

/// Gives the caller a handle on the entry `key` of `store`.
///
/// # Safety
/// `entry_out` is NULL or writable.
unsafe fn give_entry(entry_out: *mut *mut daemonauth_hostauth_entry, store: &Arc<Store>, key: Key) -> Result<()> {
    let entry = daemonauth_hostauth_entry { store: Arc::clone(store), key };
    // SAFETY: forwarded contract.
    unsafe { give_handle(entry_out, entry, "entry_out") }
}

/// Makes an empty registry in `*registry_out`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_registry_new(registry_out: *mut *mut daemonauth_hostauth_registry) -> ErrorCode {
    ffi_boundary! {
        let registry = daemonauth_hostauth_registry(Arc::default());
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { give_handle(registry_out, registry, "registry_out") }
    }
}

/// Frees the caller's reference to a registry. NULL is a no-op. Entry handles still held keep
/// working.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_registry_free(registry: *mut daemonauth_hostauth_registry) {
    // SAFETY: NULL or a registry from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(registry) } }
}

/// Stores in `*entry_out` a handle on the entry for `host` and `user` (bytes, not empty) and
/// `server` (a `daemonauth_hostauth_server`; DAEMONAUTH_HOSTAUTH_SERVER_ANY is a key of its
/// own, not a wildcard). DAEMONAUTH_RESULT_NOT_FOUND if there is none.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_registry_get(
    registry: *const daemonauth_hostauth_registry,
    host: *const c_char,
    user: *const c_char,
    server: c_int,
    entry_out: *mut *mut daemonauth_hostauth_entry,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or writable, per the caller's contract; NULL until the call succeeds.
        unsafe { give_value(entry_out, std::ptr::null_mut(), "entry_out") }?;
        // SAFETY: NULL or a live registry; NULL or NUL-terminated strings.
        let (registry, key) = unsafe { (handle_ref(registry, "registry")?, key(host, user, server)?) };
        if !registry.0.contains(&key) {
            return Err(Error::new(ErrorCode::NotFound, "no host-auth entry has this host, user and server"));
        }
        // SAFETY: checked non-NULL above.
        unsafe { give_entry(entry_out, &registry.0, key) }
    }
}

/// Like `daemonauth_hostauth_registry_get`, but adds an entry without methods when there is
/// none.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_registry_add(
    registry: *const daemonauth_hostauth_registry,
    host: *const c_char,
    user: *const c_char,
    server: c_int,
    entry_out: *mut *mut daemonauth_hostauth_entry,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or writable, per the caller's contract; NULL until the call succeeds.
        unsafe { give_value(entry_out, std::ptr::null_mut(), "entry_out") }?;
        // SAFETY: NULL or a live registry; NULL or NUL-terminated strings.
        let (registry, key) = unsafe { (handle_ref(registry, "registry")?, key(host, user, server)?) };
        registry.0.add(&key, &ProcessEnv);
        // SAFETY: checked non-NULL above.
        unsafe { give_entry(entry_out, &registry.0, key) }
    }
}

/// ROOT's `TAuthenticate::ReadAuthRc(host, user)`: reads the client's rc files (`.rootrc`
/// family, then `$ROOTAUTHRC`, `~/.rootauthrc` or the system `system.rootauthrc`; re-read only
/// when one changed) and merges what they give for `host`, `user` and `server` into the
/// registry: the entry's methods become the file's, first and in its order, with the file's
/// details; methods the entry had besides keep their place after them; counters and established
/// authentications are kept. Without a matching line the methods come from `.rootrc`'s
/// `Rootd.Authentication` / `Proofd.Authentication`. Stores a handle on the entry in
/// `*entry_out`.
///
/// Malformed lines are skipped, never guessed at; what was wrong with them, with file and line,
/// is in `daemonauth_hostauth_registry_diagnostics` until the next read. They do not make this
/// function fail.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_registry_read(
    registry: *const daemonauth_hostauth_registry,
    host: *const c_char,
    user: *const c_char,
    server: c_int,
    entry_out: *mut *mut daemonauth_hostauth_entry,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or writable, per the caller's contract; NULL until the call succeeds.
        unsafe { give_value(entry_out, std::ptr::null_mut(), "entry_out") }?;
        // SAFETY: NULL or a live registry; NULL or NUL-terminated strings.
        let (registry, key) = unsafe { (handle_ref(registry, "registry")?, key(host, user, server)?) };
        registry.0.read(&key, &ProcessEnv);
        // SAFETY: checked non-NULL above.
        unsafe { give_entry(entry_out, &registry.0, key) }
    }
}

/// Stores in `*text_out` the problems found in the rc files by the last
/// `daemonauth_hostauth_registry_read`, one per line: `<file>:<line>: <what is wrong>` (just
/// `<file>: ...` for the file as a whole), each line ending in `\n`; "" when there were none.
/// Free it with `daemonauth_string_free`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_registry_diagnostics(
    registry: *const daemonauth_hostauth_registry,
    text_out: *mut *mut c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or writable, per the caller's contract; NULL until the call succeeds.
        unsafe { give_value(text_out, std::ptr::null_mut(), "text_out") }?;
        // SAFETY: NULL or a live registry.
        let registry = unsafe { handle_ref(registry, "registry") }?;
        // SAFETY: checked non-NULL above.
        unsafe { give_string(text_out, registry.0.diagnostics_text(), "text_out") }
    }
}

/// Removes the entry for `host`, `user` and `server` (a `daemonauth_hostauth_server`);
/// DAEMONAUTH_RESULT_NOT_FOUND if there is none. Handles on it then fail with
/// DAEMONAUTH_RESULT_NOT_FOUND.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_registry_remove(
    registry: *const daemonauth_hostauth_registry,
    host: *const c_char,
    user: *const c_char,
    server: c_int,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live registry; NULL or NUL-terminated strings.
        let (registry, key) = unsafe { (handle_ref(registry, "registry")?, key(host, user, server)?) };
        registry.0.remove(&key)
    }
}

/// Stores in `*text_out` every entry's `daemonauth_hostauth_entry_print` block followed by its
/// `daemonauth_hostauth_entry_print_established` block, in the order the entries were added.
/// Free it with `daemonauth_string_free`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_registry_print(
    registry: *const daemonauth_hostauth_registry,
    text_out: *mut *mut c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or writable, per the caller's contract; NULL until the call succeeds.
        unsafe { give_value(text_out, std::ptr::null_mut(), "text_out") }?;
        // SAFETY: NULL or a live registry.
        let registry = unsafe { handle_ref(registry, "registry") }?;
        // SAFETY: checked non-NULL above.
        unsafe { give_string(text_out, registry.0.registry().print_all(), "text_out") }
    }
}

/// Frees an entry handle (not the entry, which stays in its registry). NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_entry_free(entry: *mut daemonauth_hostauth_entry) {
    // SAFETY: NULL or an entry handle from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(entry) } }
}

/// Borrows an entry handle and converts a method argument.
///
/// # Safety
/// `entry` is NULL or a live entry handle.
unsafe fn entry_and_method<'a>(
    entry: *const daemonauth_hostauth_entry,
    code: c_int,
) -> Result<(&'a daemonauth_hostauth_entry, Method)> {
    // SAFETY: forwarded contract.
    Ok((unsafe { handle_ref(entry, "entry") }?, method(code)?))
}

/// Borrows optional details: NULL and "" both mean "none".
///
/// # Safety
/// `details` is NULL or a NUL-terminated string.
unsafe fn opt_details<'a>(details: *const c_char) -> Result<&'a [u8]> {
    if details.is_null() {
        Ok(&[])
    } else {
        // SAFETY: forwarded contract.
        unsafe { arg_c_bytes(details, "details") }
    }
}

/// Adds `method` (a `daemonauth_hostauth_method`) at the end of the entry's list with
/// `details` (bytes, e.g. "pt:no ru:1 us:ganis"; NULL or "" for the defaults of the `.rootrc`
/// files, ROOT's `GetDefaultDetails`). If the method is already in the list, only its details
/// change.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_entry_add_method(
    entry: *const daemonauth_hostauth_entry,
    method: c_int,
    details: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live entry handle; NULL or a NUL-terminated string.
        let ((entry, method), details) = unsafe { (entry_and_method(entry, method)?, opt_details(details)?) };
        entry.store.with(&entry.key, |ha| ha.add_method(method, details))
    }
}

/// Removes `method` (a `daemonauth_hostauth_method`) from the entry's list;
/// DAEMONAUTH_RESULT_NOT_FOUND if it is not there.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_entry_remove_method(
    entry: *const daemonauth_hostauth_entry,
    method: c_int,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live entry handle.
        let (entry, method) = unsafe { entry_and_method(entry, method) }?;
        entry.store.with_method(&entry.key, method, |ha| ha.remove_method(method))
    }
}

/// Sets the details of `method` (a `daemonauth_hostauth_method`) to `details` (bytes; NULL or
/// "" for the `.rootrc` defaults), adding the method at the end if it is not in the list.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_entry_set_details(
    entry: *const daemonauth_hostauth_entry,
    method: c_int,
    details: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live entry handle; NULL or a NUL-terminated string.
        let ((entry, method), details) = unsafe { (entry_and_method(entry, method)?, opt_details(details)?) };
        entry.store.with(&entry.key, |ha| ha.set_details(method, details))
    }
}

/// Moves `method` (a `daemonauth_hostauth_method`) to the front of the list. With `details`
/// NULL the method must be in the list (else DAEMONAUTH_RESULT_NOT_FOUND) and keeps its
/// details (ROOT's `SetFirst(method)`); with `details` not NULL it is added if absent and its
/// details set (ROOT's `AddFirst` / `SetFirst(method, details)`; "" means the `.rootrc`
/// defaults).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_entry_set_first(
    entry: *const daemonauth_hostauth_entry,
    method: c_int,
    details: *const c_char,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live entry handle.
        let (entry, method) = unsafe { entry_and_method(entry, method) }?;
        if details.is_null() {
            return entry.store.with_method(&entry.key, method, |ha| ha.set_first(method));
        }
        // SAFETY: a NUL-terminated string, per the caller's contract.
        let details = unsafe { arg_c_bytes(details, "details") }?;
        entry.store.with(&entry.key, |ha| ha.add_first(method, details))
    }
}

/// Moves `method` (a `daemonauth_hostauth_method`) to the end of the list;
/// DAEMONAUTH_RESULT_NOT_FOUND if it is not there.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_entry_set_last(
    entry: *const daemonauth_hostauth_entry,
    method: c_int,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live entry handle.
        let (entry, method) = unsafe { entry_and_method(entry, method) }?;
        entry.store.with_method(&entry.key, method, |ha| ha.set_last(method))
    }
}

/// Puts the `count` methods of `methods` (each a `daemonauth_hostauth_method`) first, in that
/// order, adding absent ones with the `.rootrc` defaults; the other methods follow in their
/// previous order (ROOT's `ReOrder`). A code outside the enum is
/// DAEMONAUTH_RESULT_INVALID_ARGUMENT and changes nothing. `methods` may be NULL when `count`
/// is 0.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_entry_reorder(
    entry: *const daemonauth_hostauth_entry,
    methods: *const c_int,
    count: usize,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live entry handle.
        let entry = unsafe { handle_ref(entry, "entry") }?;
        let codes: &[c_int] = if count == 0 {
            &[]
        } else if methods.is_null() {
            return Err(Error::new(ErrorCode::NullArgument, "argument `methods` is NULL"));
        } else {
            // SAFETY: non-NULL and, per the caller's contract, `count` readable ints.
            unsafe { std::slice::from_raw_parts(methods, count) }
        };
        let order = codes.iter().map(|c| method(*c)).collect::<Result<Vec<_>>>()?;
        entry.store.with(&entry.key, |ha| ha.reorder(&order))
    }
}

/// Stores the number of methods in the entry's list in `*count_out`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_entry_count(
    entry: *const daemonauth_hostauth_entry,
    count_out: *mut usize,
) -> ErrorCode {
    ffi_boundary! {
        check_out(count_out, "count_out")?;
        // SAFETY: NULL or a live entry handle.
        let entry = unsafe { handle_ref(entry, "entry") }?;
        let count = entry.store.with(&entry.key, |ha| ha.count())?;
        // SAFETY: checked non-NULL above.
        unsafe { give_value(count_out, count, "count_out") }
    }
}

/// Stores the method at position `index` (0 = first) in `*method_out` and, when `details_out`
/// is not NULL, its details in `*details_out` (free with `daemonauth_string_free`).
/// DAEMONAUTH_RESULT_NOT_FOUND when `index` is not below the count.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_entry_method_at(
    entry: *const daemonauth_hostauth_entry,
    index: usize,
    method_out: *mut HostauthMethod,
    details_out: *mut *mut c_char,
) -> ErrorCode {
    ffi_boundary! {
        check_out(method_out, "method_out")?;
        // SAFETY: NULL or a live entry handle.
        let entry = unsafe { handle_ref(entry, "entry") }?;
        if !details_out.is_null() {
            // SAFETY: non-NULL, and writable per the caller's contract; NULL until the call succeeds.
            unsafe { details_out.write(std::ptr::null_mut()) };
        }
        let (method, details) = entry.store.method_at(&entry.key, index)?;
        if !details_out.is_null() {
            // SAFETY: non-NULL, and writable per the caller's contract.
            unsafe { give_string(details_out, details, "details_out") }?;
        }
        // SAFETY: checked non-NULL above.
        unsafe { give_value(method_out, method.into(), "method_out") }
    }
}

/// Stores how often `method` (a `daemonauth_hostauth_method`) succeeded and failed for this
/// entry in `*successes_out` and `*failures_out`; DAEMONAUTH_RESULT_NOT_FOUND if the method is
/// not in the list. Counters follow their method when the list is reordered and survive
/// `daemonauth_hostauth_registry_read`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_entry_counters(
    entry: *const daemonauth_hostauth_entry,
    method: c_int,
    successes_out: *mut u32,
    failures_out: *mut u32,
) -> ErrorCode {
    ffi_boundary! {
        check_out(successes_out, "successes_out")?;
        check_out(failures_out, "failures_out")?;
        // SAFETY: NULL or a live entry handle.
        let (entry, method) = unsafe { entry_and_method(entry, method) }?;
        let (successes, failures) = entry.store.counters(&entry.key, method)?;
        // SAFETY: both checked non-NULL above.
        unsafe { give_value(successes_out, successes, "successes_out").and(give_value(failures_out, failures, "failures_out")) }
    }
}

/// Counts one success (`succeeded` true) or failure of `method` (a `daemonauth_hostauth_method`)
/// for this entry; DAEMONAUTH_RESULT_NOT_FOUND if the method is not in the list. (The session
/// functions count by themselves; this is for programs that authenticate by other means.)
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_entry_count_attempt(
    entry: *const daemonauth_hostauth_entry,
    method: c_int,
    succeeded: bool,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live entry handle.
        let (entry, method) = unsafe { entry_and_method(entry, method) }?;
        entry.store.with_method(&entry.key, method, |ha| {
            if succeeded { ha.count_success(method) } else { ha.count_failure(method) }
        })
    }
}

/// Stores the text `make` builds from the entry in `*text_out` (NULL until it succeeds).
///
/// # Safety
/// `entry` is NULL or a live entry handle; `text_out` is NULL or writable.
unsafe fn give_entry_text(
    entry: *const daemonauth_hostauth_entry,
    text_out: *mut *mut c_char,
    make: impl FnOnce(&HostAuth) -> Vec<u8>,
) -> Result<()> {
    // SAFETY: forwarded contract.
    unsafe { give_value(text_out, std::ptr::null_mut(), "text_out") }?;
    // SAFETY: forwarded contract.
    let entry = unsafe { handle_ref(entry, "entry") }?;
    let text = entry.store.with(&entry.key, |ha| make(ha))?;
    // SAFETY: checked non-NULL above.
    unsafe { give_string(text_out, text, "text_out") }
}

/// Stores the entry's methods in `*text_out` (free with `daemonauth_string_free`), as ROOT's
/// `THostAuth::Print` shows them, each line ending in `\n`:
///
/// ```text
/// +------------------------------------------------------------------+
/// + Host:pcepsft43.cern.ch - User:ganis - # of available methods:2
/// + Method: 4   Details:pt:no ru:1 us:ganis
/// + Method: 1   Details:pt:no ru:1 us:ganis
/// +------------------------------------------------------------------+
/// ```
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_entry_print(
    entry: *const daemonauth_hostauth_entry,
    text_out: *mut *mut c_char,
) -> ErrorCode {
    // SAFETY: NULL or a live entry handle; NULL or a writable pointer.
    ffi_boundary! { unsafe { give_entry_text(entry, text_out, HostAuth::print) } }
}

/// Records an authentication established by other means than this library's sessions (ROOT's
/// `THostAuth::AddEstablished`): `method` (a `daemonauth_hostauth_method`), `login` and
/// `details` (bytes), expiring `expires` seconds after the epoch, active or not. It has no
/// reuse token.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_entry_add_established(
    entry: *const daemonauth_hostauth_entry,
    method: c_int,
    login: *const c_char,
    details: *const c_char,
    expires: u64,
    active: bool,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live entry handle; NULL or NUL-terminated strings.
        let ((entry, method), login, details) =
            unsafe { (entry_and_method(entry, method)?, arg_c_bytes(login, "login")?, opt_details(details)?) };
        entry.store.add_established(&entry.key, method, login, details, epoch_seconds(expires), active)
    }
}

/// Stores the number of established authentications of the entry in `*count_out`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_entry_established_count(
    entry: *const daemonauth_hostauth_entry,
    count_out: *mut usize,
) -> ErrorCode {
    ffi_boundary! {
        check_out(count_out, "count_out")?;
        // SAFETY: NULL or a live entry handle.
        let entry = unsafe { handle_ref(entry, "entry") }?;
        let count = entry.store.with(&entry.key, |ha| ha.established().len())?;
        // SAFETY: checked non-NULL above.
        unsafe { give_value(count_out, count, "count_out") }
    }
}

/// Stores in `*established_out` a copy of the established authentication at position `index`
/// (oldest first); DAEMONAUTH_RESULT_NOT_FOUND when `index` is not below the count. Free it
/// with `daemonauth_hostauth_established_free`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_entry_established_at(
    entry: *const daemonauth_hostauth_entry,
    index: usize,
    established_out: *mut *mut daemonauth_hostauth_established,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or writable, per the caller's contract; NULL until the call succeeds.
        unsafe { give_value(established_out, std::ptr::null_mut(), "established_out") }?;
        // SAFETY: NULL or a live entry handle.
        let entry = unsafe { handle_ref(entry, "entry") }?;
        let info = entry.store.established_at(&entry.key, index)?;
        let text = |bytes: &[u8]| {
            CString::new(bytes).map_err(|_| Error::new(ErrorCode::Internal, "a login or details contain a NUL byte"))
        };
        let established = daemonauth_hostauth_established { login: text(&info.login)?, details: text(&info.details)?, info };
        // SAFETY: checked non-NULL above.
        unsafe { give_handle(established_out, established, "established_out") }
    }
}

/// Stores the entry's established authentications in `*text_out` (free with
/// `daemonauth_string_free`), as ROOT's `THostAuth::PrintEstablished` shows them; reuse tokens
/// are never shown:
///
/// ```text
/// +------------------------------------------------------------------+
/// + Host:pcepsft43.cern.ch - Number of Established Authentications: 1
/// + Method:1 Login:ganis Active:1 Expires:1700000000
/// +   Details:pt:0 ru:1 us:ganis
/// +------------------------------------------------------------------+
/// ```
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_entry_print_established(
    entry: *const daemonauth_hostauth_entry,
    text_out: *mut *mut c_char,
) -> ErrorCode {
    // SAFETY: NULL or a live entry handle; NULL or a writable pointer.
    ffi_boundary! { unsafe { give_entry_text(entry, text_out, HostAuth::print_established) } }
}

/// Marks every established authentication of `method` (a `daemonauth_hostauth_method`) in the
/// entry inactive, so that it is no longer reused.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_entry_deactivate(
    entry: *const daemonauth_hostauth_entry,
    method: c_int,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live entry handle.
        let (entry, method) = unsafe { entry_and_method(entry, method) }?;
        entry.store.with(&entry.key, |ha| ha.deactivate(Some(method)))
    }
}

/// Drops the entry's established authentications that are inactive or expired now, with their
/// reuse tokens (wiped); stores how many in `*removed_out` (which may be NULL).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_entry_cleanup(
    entry: *const daemonauth_hostauth_entry,
    removed_out: *mut usize,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live entry handle.
        let entry = unsafe { handle_ref(entry, "entry") }?;
        let removed = entry.store.cleanup(&entry.key)?;
        if !removed_out.is_null() {
            // SAFETY: non-NULL, and writable per the caller's contract.
            unsafe { give_value(removed_out, removed, "removed_out") }?;
        }
        Ok(())
    }
}

/// Frees a copy of an established authentication. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_established_free(established: *mut daemonauth_hostauth_established) {
    // SAFETY: NULL or a copy from this library that the caller gives up.
    ffi_boundary! { unsafe { free_handle(established) } }
}

/// Stores the method of the established authentication in `*method_out`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_established_method(
    established: *const daemonauth_hostauth_established,
    method_out: *mut HostauthMethod,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live copy; NULL or a writable pointer.
        unsafe { give_value(method_out, handle_ref(established, "established")?.info.method.into(), "method_out") }
    }
}

/// Returns the login of the established authentication, owned by `established`; NULL (with a
/// last error) if `established` is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_established_login(
    established: *const daemonauth_hostauth_established,
) -> *const c_char {
    // SAFETY: NULL or a live copy.
    ffi_boundary! { unsafe { handle_ref(established, "established") }.map(|e| e.login.as_ptr()) }
}

/// Returns the details of the established authentication, owned by `established`; NULL (with
/// a last error) if `established` is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_established_details(
    established: *const daemonauth_hostauth_established,
) -> *const c_char {
    // SAFETY: NULL or a live copy.
    ffi_boundary! { unsafe { handle_ref(established, "established") }.map(|e| e.details.as_ptr()) }
}

/// Stores when the established authentication expires, in seconds since the epoch, in
/// `*expires_out`.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_established_expires(
    established: *const daemonauth_hostauth_established,
    expires_out: *mut u64,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live copy; NULL or a writable pointer.
        unsafe { give_value(expires_out, handle_ref(established, "established")?.info.expires, "expires_out") }
    }
}

/// Stores in `*active_out` whether the established authentication was active when copied (an
/// active one may still have expired since: compare `daemonauth_hostauth_established_expires`
/// with the time).
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_established_is_active(
    established: *const daemonauth_hostauth_established,
    active_out: *mut bool,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live copy; NULL or a writable pointer.
        unsafe { give_value(active_out, handle_ref(established, "established")?.info.active, "active_out") }
    }
}

/// Stores in `*has_token_out` whether the library holds a reuse token for the established
/// authentication. The token itself is never given out: only the session functions use it.
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_hostauth_established_has_token(
    established: *const daemonauth_hostauth_established,
    has_token_out: *mut bool,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live copy; NULL or a writable pointer.
        unsafe { give_value(has_token_out, handle_ref(established, "established")?.info.has_token, "has_token_out") }
    }
}
