//! Exports that exist only in builds with the `test-hooks` feature, for the C tests of reuse
//! tokens against a daemon: a client's token taken out and put back (so that a test presents
//! a token the client would have dropped: expired by the daemon's clock, revoked, or altered),
//! and a reuse proof recorded on one channel and replayed on another. They are left out of the
//! generated headers; tokens never leave the library in a production build.

use std::ffi::{c_char, c_int};
use std::time::{Duration, SystemTime};

use zeroize::Zeroizing;

use super::session::{daemonauth_hostauth_client_config, one_server_kind};
use crate::error::{Error, ErrorCode, Result};
use crate::ffi::buffer::{daemonauth_buffer, give_buffer};
use crate::ffi::{arg_bytes, arg_c_bytes, clear_out, ffi_boundary, handle_ref};
use crate::hostauth::channel::SecureChannel;
use crate::hostauth::model::{Established, Key};
use crate::hostauth::reuse::{self, Ticket};
use crate::hostauth::store::Store;
use crate::hostauth::wire::{Message, ReusePurpose};
use crate::io::{Channel, DEFAULT_TIMEOUT};

/// The entries of `config` and the key of (`host`, `user`, `server_kind`).
///
/// # Safety
/// `config` is NULL or a live configuration; `host` and `user` NULL or NUL-terminated.
unsafe fn entry_of<'a>(
    config: *const daemonauth_hostauth_client_config,
    host: *const c_char,
    user: *const c_char,
    server_kind: c_int,
) -> Result<(&'a Store, Key)> {
    // SAFETY: forwarded contract.
    let (state, host, user) =
        unsafe { (&handle_ref(config, "config")?.0, arg_c_bytes(host, "host")?, arg_c_bytes(user, "user")?) };
    let key = Key { host: host.to_vec(), user: user.to_vec(), server: Some(one_server_kind(server_kind)?) };
    Ok((&state.entries, key))
}

/// The Hello's code of a rootd (`docs/hostauth-protocol.md` §2).
const ROOTD: u8 = 1;

fn no_token() -> Error {
    Error::new(ErrorCode::NotFound, "no reuse token is held for this host and user")
}

/// Stores in `*token_out` the newest reuse token `config` holds for `host`, `user` and
/// `server_kind`, as the client keeps it: the 32-byte token secret, then the ticket.
/// cbindgen:ignore
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_test_hostauth_token_take(
    config: *const daemonauth_hostauth_client_config,
    host: *const c_char,
    user: *const c_char,
    server_kind: c_int,
    token_out: *mut *mut daemonauth_buffer,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { clear_out(token_out, "token_out") }?;
        // SAFETY: NULL or a live configuration; NULL or NUL-terminated strings.
        let (store, key) = unsafe { entry_of(config, host, user, server_kind) }?;
        let newest = |entry: &mut crate::hostauth::model::HostAuth| {
            entry.established().iter().rev().find(|e| !e.token.is_empty()).map(|e| e.token.clone())
        };
        let token = store.registry().with(&key, newest).flatten().ok_or_else(no_token)?;
        // SAFETY: checked non-NULL above.
        unsafe { give_buffer(token_out, token, "token_out") }
    }
}

/// Gives `config` a reuse token for `host`, `user` and `server_kind` (bytes as
/// `daemonauth_test_hostauth_token_take` stored them, altered or not) as its newest active
/// authentication, valid for a day by the client's clock whatever the daemon says.
/// cbindgen:ignore
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_test_hostauth_token_put(
    config: *const daemonauth_hostauth_client_config,
    host: *const c_char,
    user: *const c_char,
    server_kind: c_int,
    token: *const u8,
    len: usize,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: NULL or a live configuration; NULL or NUL-terminated strings; `token` NULL or
        // readable for `len` bytes.
        let ((store, key), token) = unsafe { (entry_of(config, host, user, server_kind)?, arg_bytes(token, len, "token")?) };
        let ticket = token.get(32..).and_then(Ticket::decode).ok_or_else(|| {
            Error::new(ErrorCode::InvalidArgument, "token: not a token secret followed by a ticket")
        })?;
        let established = Established {
            method: ticket.method,
            login: ticket.user,
            details: Vec::new(),
            expires: SystemTime::now() + Duration::from_secs(24 * 3600),
            token: Zeroizing::new(token.to_vec()),
            active: true,
        };
        store.registry().with(&key, |entry| entry.add_established(established)).ok_or_else(no_token)
    }
}

/// Proves `token` (as `daemonauth_test_hostauth_token_take` stored it) to the rootd on `fd`
/// over a new channel whose daemon key is not checked: sends `Reuse`, then for the daemon's
/// challenge `proof` (32 bytes) or, when `proof` is NULL, the right proof; stores the proof
/// sent in `*proof_out`. DAEMONAUTH_RESULT_OK when the daemon accepts it,
/// DAEMONAUTH_RESULT_AUTH_FAILED when it refuses the token.
/// cbindgen:ignore
#[unsafe(no_mangle)]
pub extern "C" fn daemonauth_test_hostauth_token_prove(
    fd: c_int,
    token: *const u8,
    len: usize,
    proof: *const u8,
    proof_out: *mut *mut daemonauth_buffer,
) -> ErrorCode {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a writable pointer.
        unsafe { clear_out(proof_out, "proof_out") }?;
        // SAFETY: `token` NULL or readable for `len` bytes; `proof` NULL or readable for 32.
        let (token, replayed) =
            unsafe { (arg_bytes(token, len, "token")?, if proof.is_null() { None } else { Some(arg_bytes(proof, 32, "proof")?) }) };
        let (secret, ticket) = token.split_at_checked(32).ok_or_else(|| Error::new(ErrorCode::InvalidArgument, "token: too short"))?;
        let io = Channel::new(fd, fd, DEFAULT_TIMEOUT)?;
        let mut chan = SecureChannel::client(io, ROOTD, None)?;
        let binding = *chan.handshake_hash();
        chan.send(&Message::Reuse { purpose: ReusePurpose::Login, ticket: ticket.to_vec(), binding }.encode())?;
        let Message::Challenge { nonce } = Message::decode(&chan.recv()?)? else {
            return Err(Error::new(ErrorCode::AuthFailed, "the daemon refused the ticket before any proof"));
        };
        let mac = match replayed {
            Some(recorded) => recorded.try_into().expect("32 bytes"),
            None => reuse::proof(secret, &binding, &nonce),
        };
        chan.send(&Message::Proof { mac }.encode())?;
        match Message::decode(&chan.recv()?)? {
            Message::Accepted { .. } => {
                // SAFETY: checked non-NULL above.
                unsafe { give_buffer(proof_out, mac.to_vec(), "proof_out") }
            }
            _ => Err(Error::new(ErrorCode::AuthFailed, "the daemon refused the reuse proof")),
        }
    }
}
