//! System passwords through PAM: a hand-declared binding to libpam (opened on first use) with a conversation that
//! answers `PAM_PROMPT_ECHO_OFF` with the client's password and `PAM_PROMPT_ECHO_ON` with the
//! user name (as cvs does), `PAM_RHOST` set to the client's address, then `pam_authenticate`
//! and `pam_acct_mgmt`.

use std::ffi::{CString, c_char, c_int, c_void};

use zeroize::{Zeroize, Zeroizing};

use crate::dynlib::library_functions;
use crate::error::{Error, ErrorCode, Result};

#[repr(C)]
struct PamMessage {
    msg_style: c_int,
    msg: *const c_char,
}

#[repr(C)]
struct PamResponse {
    resp: *mut c_char,
    resp_retcode: c_int,
}

type ConvFn = unsafe extern "C" fn(c_int, *mut *const PamMessage, *mut *mut PamResponse, *mut c_void) -> c_int;

#[repr(C)]
struct PamConv {
    conv: ConvFn,
    appdata_ptr: *mut c_void,
}

#[repr(C)]
struct PamHandle {
    _opaque: [u8; 0],
}

library_functions! {
    /// The functions of libpam this module calls (declared in <security/pam_appl.h>),
    /// resolved when PAM is first used.
    static PAM: Pam = c"libpam.so.0" {
        fn pam_start(
            service: *const c_char,
            user: *const c_char,
            conversation: *const PamConv,
            handle: *mut *mut PamHandle,
        ) -> c_int;
        fn pam_set_item(handle: *mut PamHandle, item: c_int, value: *const c_void) -> c_int;
        fn pam_authenticate(handle: *mut PamHandle, flags: c_int) -> c_int;
        fn pam_acct_mgmt(handle: *mut PamHandle, flags: c_int) -> c_int;
        fn pam_end(handle: *mut PamHandle, status: c_int) -> c_int;
    }
}

/// Opens libpam now (`daemonauth_load_libraries`).
pub(crate) fn load_library() -> Result<()> {
    PAM.get().map(drop)
}

const PAM_SUCCESS: c_int = 0;
const PAM_BUF_ERR: c_int = 5;
const PAM_CONV_ERR: c_int = 19;
const PAM_PROMPT_ECHO_OFF: c_int = 1;
const PAM_PROMPT_ECHO_ON: c_int = 2;
const PAM_RHOST: c_int = 4;
const PAM_SILENT: c_int = 0x8000;
const PAM_DISALLOW_NULL_AUTHTOK: c_int = 1;

/// What the conversation answers with.
struct Credentials {
    user: CString,
    password: Zeroizing<Vec<u8>>,
}

/// The conversation: one malloc'd response per message, freed by PAM.
unsafe extern "C" fn conversation(
    count: c_int,
    messages: *mut *const PamMessage,
    responses: *mut *mut PamResponse,
    appdata: *mut c_void,
) -> c_int {
    if count <= 0 || messages.is_null() || responses.is_null() || appdata.is_null() {
        return PAM_CONV_ERR;
    }
    let count = count as usize;
    // SAFETY: appdata is the Credentials passed to pam_start, alive during pam_authenticate.
    let credentials = unsafe { &*(appdata as *const Credentials) };
    // SAFETY: calloc of `count` zeroed responses; PAM frees them.
    let replies = unsafe { libc::calloc(count, std::mem::size_of::<PamResponse>()) } as *mut PamResponse;
    if replies.is_null() {
        return PAM_BUF_ERR;
    }
    for index in 0..count {
        // SAFETY: Linux-PAM passes an array of `count` message pointers.
        let style = unsafe { (**messages.add(index)).msg_style };
        let answer: &[u8] = match style {
            PAM_PROMPT_ECHO_OFF => &credentials.password,
            PAM_PROMPT_ECHO_ON => credentials.user.as_bytes(),
            _ => continue,
        };
        // SAFETY: malloc of answer + NUL; filled below; owned by PAM afterwards.
        let copy = unsafe { libc::malloc(answer.len() + 1) } as *mut u8;
        if copy.is_null() {
            // SAFETY: `replies` holds `count` responses, each NULL or filled below.
            unsafe { free_replies(replies, count) };
            return PAM_BUF_ERR;
        }
        // SAFETY: `copy` has answer.len() + 1 bytes; `replies` has `count` entries.
        unsafe {
            std::ptr::copy_nonoverlapping(answer.as_ptr(), copy, answer.len());
            *copy.add(answer.len()) = 0;
            (*replies.add(index)).resp = copy.cast();
        }
    }
    // SAFETY: `responses` is PAM's out-pointer.
    unsafe { *responses = replies };
    PAM_SUCCESS
}

/// Wipes and frees the responses of a conversation that fails, and their array: on failure
/// PAM takes none of them.
///
/// # Safety
/// `replies` is a calloc'd array of `count` responses whose `resp` are NULL or malloc'd
/// NUL-terminated strings; nothing uses any of them afterwards.
unsafe fn free_replies(replies: *mut PamResponse, count: usize) {
    for index in 0..count {
        // SAFETY: per the contract.
        unsafe {
            let resp = (*replies.add(index)).resp;
            if !resp.is_null() {
                std::slice::from_raw_parts_mut(resp.cast::<u8>(), libc::strlen(resp)).zeroize();
                libc::free(resp.cast());
            }
        }
    }
    // SAFETY: per the contract.
    unsafe { libc::free(replies.cast()) };
}

/// Authenticates `user` with `password` through the PAM `service`, then checks the account.
/// `rhost` (the client's address), when known, is given to PAM as `PAM_RHOST`. Fails with
/// AuthFailed when PAM says no.
pub fn authenticate(service: &str, user: &str, password: &[u8], rhost: Option<&str>) -> Result<()> {
    let invalid = |what: &str| Error::new(ErrorCode::InvalidArgument, format!("{what} contains a NUL byte"));
    let service = CString::new(service).map_err(|_| invalid("the PAM service"))?;
    let rhost = rhost.map(CString::new).transpose().map_err(|_| invalid("the client's address"))?;
    let credentials = Credentials {
        user: CString::new(user).map_err(|_| invalid("the user name"))?,
        password: Zeroizing::new(password.to_vec()),
    };
    if credentials.password.contains(&0) {
        return Err(invalid("the password"));
    }
    let pam = PAM.get()?;
    let conv = PamConv { conv: conversation, appdata_ptr: &credentials as *const Credentials as *mut c_void };
    let mut handle: *mut PamHandle = std::ptr::null_mut();
    // SAFETY: valid strings and conversation (alive until pam_end below); `handle` is an out-value.
    let started = unsafe { (pam.pam_start)(service.as_ptr(), credentials.user.as_ptr(), &conv, &mut handle) };
    if started != PAM_SUCCESS || handle.is_null() {
        return Err(Error::new(ErrorCode::Config, format!("pam_start failed ({started})")));
    }
    // SAFETY: a live handle from pam_start, ended exactly once; PAM copies the item.
    let status = unsafe {
        let mut status = match &rhost {
            Some(rhost) => (pam.pam_set_item)(handle, PAM_RHOST, rhost.as_ptr().cast()),
            None => PAM_SUCCESS,
        };
        if status == PAM_SUCCESS {
            status = (pam.pam_authenticate)(handle, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
        }
        if status == PAM_SUCCESS {
            status = (pam.pam_acct_mgmt)(handle, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
        }
        (pam.pam_end)(handle, status);
        status
    };
    if status == PAM_SUCCESS {
        Ok(())
    } else {
        Err(Error::new(ErrorCode::AuthFailed, format!("PAM refused {user} (status {status})")))
    }
}
