//! Raw system calls shared by the daemons (CVS, host auth): the user and shadow databases, crypt(3)
//! (libxcrypt, opened on first use: every glibc hash format), the switch to a system user, and POSIX extended
//! regular expressions (as Debian's `--allow-root-regexp` uses).

use std::ffi::{CStr, CString, c_char, c_int, c_void};

use zeroize::Zeroizing;

use crate::dynlib::library_functions;
use crate::error::{Error, ErrorCode, Result};
use crate::log_error;

library_functions! {
    /// libxcrypt's `crypt_rn` (declared in <crypt.h>), resolved when crypt(3) is first used.
    static CRYPT: Crypt = c"libcrypt.so.1" {
        fn crypt_rn(phrase: *const c_char, setting: *const c_char, data: *mut c_void, size: c_int) -> *mut c_char;
    }
}

/// Opens libcrypt now (`daemonauth_load_libraries`).
pub(crate) fn load_crypt() -> Result<()> {
    CRYPT.get().map(drop)
}

/// libxcrypt's `sizeof(struct crypt_data)`.
const CRYPT_DATA_SIZE: usize = 32768;

fn c_string(text: &str, what: &str) -> Result<CString> {
    CString::new(text).map_err(|_| Error::new(ErrorCode::InvalidArgument, format!("{what} contains a NUL byte")))
}

/// An entry of the user database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passwd {
    pub name: String,
    pub uid: libc::uid_t,
    pub gid: libc::gid_t,
    pub home: String,
    /// The password field (`x` when the hash is in the shadow file).
    pub hash: Zeroizing<String>,
}

/// Reads a NUL-terminated string the C library returned.
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string valid for the duration of the call.
unsafe fn text(ptr: *const c_char) -> String {
    if ptr.is_null() {
        String::new()
    } else {
        // SAFETY: non-NULL and NUL-terminated per the contract.
        unsafe { CStr::from_ptr(ptr) }.to_string_lossy().into_owned()
    }
}

/// Calls a reentrant `get*_r` lookup with a growing buffer. `call(buf, len, result)` returns
/// the function's error number and sets `result` to non-NULL when found.
fn lookup_r<T>(mut call: impl FnMut(*mut c_char, usize, *mut *mut T) -> c_int) -> Result<Option<(*mut T, Vec<u8>)>> {
    let mut buf = vec![0u8; 4096];
    loop {
        let mut result: *mut T = std::ptr::null_mut();
        let err = call(buf.as_mut_ptr().cast(), buf.len(), &mut result);
        match err {
            0 if result.is_null() => return Ok(None),
            0 => return Ok(Some((result, buf))),
            libc::ERANGE if buf.len() < 1 << 20 => buf.resize(buf.len() * 4, 0),
            libc::ENOENT | libc::ESRCH | libc::EBADF | libc::EPERM => return Ok(None),
            err => {
                return Err(Error::io("looking up a user", &std::io::Error::from_raw_os_error(err)));
            }
        }
    }
}

fn passwd_from(entry: &libc::passwd) -> Passwd {
    // SAFETY: the fields point into the lookup's buffer, alive for this call.
    unsafe {
        Passwd {
            name: text(entry.pw_name),
            uid: entry.pw_uid,
            gid: entry.pw_gid,
            home: text(entry.pw_dir),
            hash: Zeroizing::new(text(entry.pw_passwd)),
        }
    }
}

/// The user database entry for `name`, if there is one.
pub fn user_by_name(name: &str) -> Result<Option<Passwd>> {
    let name = c_string(name, "a user name")?;
    // SAFETY: an all-zero passwd is a valid out-value for getpwnam_r.
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let found = lookup_r(|buf, len, result| {
        // SAFETY: valid name, entry, buffer of `len` bytes and result pointer.
        unsafe { libc::getpwnam_r(name.as_ptr(), &mut entry, buf, len, result) }
    })?;
    Ok(found.map(|(ptr, buf)| {
        // SAFETY: getpwnam_r set `ptr` to `entry`, whose strings live in `buf`, alive here.
        let passwd = passwd_from(unsafe { &*ptr });
        drop(Zeroizing::new(buf));
        passwd
    }))
}

/// The login name of the calling process's real user.
pub fn current_user() -> Result<String> {
    // SAFETY: an all-zero passwd is a valid out-value for getpwuid_r.
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    let found = lookup_r(|buf, len, result| {
        // SAFETY: valid entry, buffer of `len` bytes and result pointer.
        unsafe { libc::getpwuid_r(uid, &mut entry, buf, len, result) }
    })?;
    // SAFETY: as in user_by_name.
    found
        .map(|(ptr, _buf)| passwd_from(unsafe { &*ptr }).name)
        .ok_or_else(|| Error::new(ErrorCode::NotFound, format!("user id {uid} has no user name")))
}

/// The shadow password hash of `name`, if the shadow database has the user.
pub fn shadow_hash(name: &str) -> Result<Option<Zeroizing<String>>> {
    let name = c_string(name, "a user name")?;
    // SAFETY: an all-zero spwd is a valid out-value for getspnam_r.
    let mut entry: libc::spwd = unsafe { std::mem::zeroed() };
    let found = lookup_r(|buf, len, result| {
        // SAFETY: valid name, entry, buffer of `len` bytes and result pointer.
        unsafe { libc::getspnam_r(name.as_ptr(), &mut entry, buf, len, result) }
    })?;
    Ok(found.map(|(ptr, buf)| {
        // SAFETY: getspnam_r set `ptr` to `entry`, whose strings live in `buf`, alive here.
        let hash = Zeroizing::new(unsafe { text((*ptr).sp_pwdp) });
        drop(Zeroizing::new(buf));
        hash
    }))
}

/// crypt(3) of `password` with the setting (salt and method) of `hash`; None when the
/// setting is not a hash crypt understands (a disabled `*` or `!` entry, for example).
pub fn crypt(password: &[u8], hash: &[u8]) -> Result<Option<Zeroizing<String>>> {
    if password.contains(&0) {
        return Err(Error::new(ErrorCode::InvalidArgument, "a password contains a NUL byte"));
    }
    let mut phrase = Zeroizing::new(Vec::with_capacity(password.len() + 1));
    phrase.extend_from_slice(password);
    phrase.push(0);
    let setting = CString::new(hash)
        .map_err(|_| Error::new(ErrorCode::InvalidArgument, "a password hash contains a NUL byte"))?;
    let crypt_rn = CRYPT.get()?.crypt_rn;
    let mut data = Zeroizing::new(vec![0u8; CRYPT_DATA_SIZE]);
    // SAFETY: valid strings and a work area of the size passed.
    let out = unsafe {
        crypt_rn(phrase.as_ptr().cast(), setting.as_ptr(), data.as_mut_ptr().cast(), CRYPT_DATA_SIZE as c_int)
    };
    if out.is_null() {
        return Ok(None);
    }
    // SAFETY: crypt_rn returned a NUL-terminated string inside `data`, alive here.
    let result = Zeroizing::new(unsafe { text(out) });
    Ok((!result.starts_with('*')).then_some(result))
}

/// Becomes `user`: supplementary groups, group and user ids (real, effective and saved), then
/// checks that root privileges cannot be regained. An error before the switch begins (a user
/// name with a NUL byte) is returned; once it has begun, a failing step aborts the process
/// (SIGABRT, after logging which step failed): a process half switched, or still root because a
/// step failed, must never go on to serve a client, whatever its caller does with an error.
pub fn switch_to(user: &Passwd) -> Result<()> {
    let name = c_string(&user.name, "a user name")?;
    // SAFETY (of every call below): plain system calls with valid arguments.
    let steps: [(&str, &dyn Fn() -> bool); 4] = [
        ("initgroups", &|| unsafe { libc::initgroups(name.as_ptr(), user.gid) } == 0),
        ("setgid", &|| unsafe { libc::setgid(user.gid) } == 0),
        ("setuid", &|| unsafe { libc::setuid(user.uid) } == 0),
        ("the check that root cannot be regained", &|| {
            user.uid == 0 || (unsafe { libc::setuid(0) } != 0 && unsafe { libc::geteuid() } != 0)
        }),
    ];
    for (step, succeeds) in steps {
        if simulated_failure(step) || !succeeds() {
            let why = std::io::Error::last_os_error();
            log_error!("cvs: {step} failed switching to {} ({why}); aborting rather than going on", user.name);
            std::process::abort();
        }
    }
    Ok(())
}

/// In the unit tests, `DAEMONAUTH_TEST_SWITCH_FAIL` names a step of [`switch_to`] that fails.
#[cfg(test)]
fn simulated_failure(step: &str) -> bool {
    std::env::var("DAEMONAUTH_TEST_SWITCH_FAIL").is_ok_and(|failing| step.starts_with(&failing))
}

#[cfg(not(test))]
fn simulated_failure(_step: &str) -> bool {
    false
}

/// A compiled POSIX extended regular expression, matched against whole strings.
pub struct Regex(Box<libc::regex_t>);

// SAFETY: a compiled regex_t is only read by regexec, which is thread-safe.
unsafe impl Send for Regex {}
// SAFETY: as above.
unsafe impl Sync for Regex {}

impl Regex {
    /// Compiles `pattern` (POSIX ERE, as `--allow-root-regexp`).
    pub fn new(pattern: &str) -> Result<Regex> {
        let c_pattern = c_string(pattern, "a regular expression")?;
        // SAFETY: an all-zero regex_t is valid storage for regcomp.
        let mut regex: Box<libc::regex_t> = Box::new(unsafe { std::mem::zeroed() });
        // SAFETY: valid storage and pattern.
        let err = unsafe { libc::regcomp(&mut *regex, c_pattern.as_ptr(), libc::REG_EXTENDED | libc::REG_NOSUB) };
        if err != 0 {
            return Err(Error::new(
                ErrorCode::Config,
                format!("invalid regular expression {pattern:?} (regcomp error {err})"),
            ));
        }
        Ok(Regex(regex))
    }

    /// Whether `text` matches (as regexec: anchors are the pattern's business).
    pub fn is_match(&self, text: &str) -> bool {
        let Ok(text) = CString::new(text) else { return false };
        // SAFETY: a compiled regex and a NUL-terminated string; no match array (REG_NOSUB).
        unsafe { libc::regexec(&*self.0, text.as_ptr(), 0, std::ptr::null_mut(), 0) == 0 }
    }
}

impl Drop for Regex {
    fn drop(&mut self) {
        // SAFETY: compiled by regcomp and freed once.
        unsafe { libc::regfree(&mut *self.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crypt_checks_every_format() {
        for setting in ["$y$j9T$abcdefghijklmnopqrstu.", "$6$saltsalt$", "$5$saltsalt$", "$1$saltsalt$", "ab"] {
            let hash = crypt(b"secret", setting.as_bytes()).unwrap().expect(setting);
            assert_eq!(crypt(b"secret", hash.as_bytes()).unwrap().as_deref(), Some(&*hash), "{setting}");
            assert_ne!(crypt(b"Secret", hash.as_bytes()).unwrap().as_deref(), Some(&*hash), "{setting}");
        }
        assert_eq!(crypt(b"secret", b"*").unwrap(), None);
        assert_eq!(crypt(b"secret", b"!").unwrap(), None);
    }

    #[test]
    fn users_are_found() {
        assert_eq!(user_by_name("root").unwrap().unwrap().uid, 0);
        assert_eq!(user_by_name("no-such-user-daemonauth").unwrap(), None);
        assert!(!current_user().unwrap().is_empty());
    }

    /// Runs this test binary's `a_failed_switch_aborts` as a child that switches to `nobody`,
    /// with `fail` (if any) as the step that fails.
    fn switch_in_child(fail: Option<&str>) -> std::process::ExitStatus {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap());
        child
            .args(["--exact", "sysauth::sys::tests::a_failed_switch_aborts", "--test-threads=1", "--nocapture"])
            .env("DAEMONAUTH_TEST_SWITCH_CHILD", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        match fail {
            Some(step) => child.env("DAEMONAUTH_TEST_SWITCH_FAIL", step),
            None => child.env_remove("DAEMONAUTH_TEST_SWITCH_FAIL"),
        };
        child.status().unwrap()
    }

    #[test]
    fn a_failed_switch_aborts() {
        use std::os::unix::process::ExitStatusExt;
        let nobody = user_by_name("nobody").unwrap().expect("the user nobody");
        if std::env::var_os("DAEMONAUTH_TEST_SWITCH_CHILD").is_some() {
            let _ = switch_to(&nobody);
            // SAFETY: geteuid cannot fail.
            std::process::exit(if unsafe { libc::geteuid() } == nobody.uid { 0 } else { 3 });
        }
        for step in ["initgroups", "setgid", "setuid", "the check"] {
            assert_eq!(switch_in_child(Some(step)).signal(), Some(libc::SIGABRT), "{step}");
        }
        // SAFETY: geteuid cannot fail.
        if unsafe { libc::geteuid() } == 0 {
            assert!(switch_in_child(None).success(), "a switch that works goes on as nobody");
        } else {
            // Not root: the real initgroups fails, and that aborts too.
            assert_eq!(switch_in_child(None).signal(), Some(libc::SIGABRT));
        }
    }

    #[test]
    fn regular_expressions_are_extended() {
        let regex = Regex::new("^/srv/cvs/[a-z]+$").unwrap();
        assert!(regex.is_match("/srv/cvs/proj"));
        assert!(!regex.is_match("/srv/cvs/proj/../x"));
        assert_eq!(Regex::new("(").err().map(|e| e.code()), Some(ErrorCode::Config));
    }
}
