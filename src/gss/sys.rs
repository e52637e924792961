//! The only raw GSS-API calls in the library: owned, safe types over MIT's C API
//! (`libgssapi-sys`). Everything else in the crate uses these types and never a raw handle.
//!
//! The `libgssapi` wrapper crate cannot be used for this: its contexts hide the raw handle
//! that export/import and distcc's ABI need, its names and credentials cannot be handed to a
//! raw call, and its wrap/unwrap do not report the confidentiality state.

use std::ffi::{CString, c_char, c_int, c_void};
use std::ptr;

use libgssapi_sys as gss;
use zeroize::{Zeroize, Zeroizing};

use crate::dynlib::library_functions;
use crate::error::{Error, ErrorCode, Result};
use crate::responder::krb5::MemoryCache;

library_functions! {
    /// The functions of MIT's GSS-API library this module calls, resolved at the first call
    /// (a program that never uses GSS-API never loads the Kerberos libraries). Their types are
    /// checked against `libgssapi-sys`'s bindings, generated from MIT's headers (it would take
    /// Heimdal's only if `LIBGSSAPI_PREFIX` pointed at a Heimdal install). The crate's own link
    /// request for `libgssapi_krb5` is dropped by the linker (`--as-needed`: no symbol of it is
    /// referenced); c-tests/check-load-deps.sh fails if it ever is not.
    static GSSAPI: Gssapi = c"libgssapi_krb5.so.2", declared in libgssapi_sys {
        fn gss_accept_sec_context(
            minor: *mut gss::OM_uint32,
            context: *mut gss::gss_ctx_id_t,
            acceptor_cred: gss::gss_cred_id_t,
            input_token: gss::gss_buffer_t,
            bindings: gss::gss_channel_bindings_t,
            source: *mut gss::gss_name_t,
            mech: *mut gss::gss_OID,
            output_token: gss::gss_buffer_t,
            flags: *mut gss::OM_uint32,
            lifetime: *mut gss::OM_uint32,
            delegated: *mut gss::gss_cred_id_t,
        ) -> gss::OM_uint32;
        fn gss_acquire_cred(
            minor: *mut gss::OM_uint32,
            name: gss::gss_name_t,
            lifetime: gss::OM_uint32,
            mechs: gss::gss_OID_set,
            usage: gss::gss_cred_usage_t,
            cred: *mut gss::gss_cred_id_t,
            actual_mechs: *mut gss::gss_OID_set,
            actual_lifetime: *mut gss::OM_uint32,
        ) -> gss::OM_uint32;
        fn gss_acquire_cred_from(
            minor: *mut gss::OM_uint32,
            name: gss::gss_name_t,
            lifetime: gss::OM_uint32,
            mechs: gss::gss_OID_set,
            usage: gss::gss_cred_usage_t,
            store: gss::gss_const_key_value_set_t,
            cred: *mut gss::gss_cred_id_t,
            actual_mechs: *mut gss::gss_OID_set,
            actual_lifetime: *mut gss::OM_uint32,
        ) -> gss::OM_uint32;
        fn gss_canonicalize_name(
            minor: *mut gss::OM_uint32,
            name: gss::gss_name_t,
            mech: gss::gss_OID,
            canonical: *mut gss::gss_name_t,
        ) -> gss::OM_uint32;
        fn gss_delete_sec_context(
            minor: *mut gss::OM_uint32,
            context: *mut gss::gss_ctx_id_t,
            output_token: gss::gss_buffer_t,
        ) -> gss::OM_uint32;
        fn gss_display_name(
            minor: *mut gss::OM_uint32,
            name: gss::gss_name_t,
            text: gss::gss_buffer_t,
            kind: *mut gss::gss_OID,
        ) -> gss::OM_uint32;
        fn gss_display_status(
            minor: *mut gss::OM_uint32,
            code: gss::OM_uint32,
            kind: c_int,
            mech: gss::gss_OID,
            message_context: *mut gss::OM_uint32,
            text: gss::gss_buffer_t,
        ) -> gss::OM_uint32;
        fn gss_export_sec_context(
            minor: *mut gss::OM_uint32,
            context: *mut gss::gss_ctx_id_t,
            token: gss::gss_buffer_t,
        ) -> gss::OM_uint32;
        fn gss_get_mic(
            minor: *mut gss::OM_uint32,
            context: gss::gss_ctx_id_t,
            qop: gss::gss_qop_t,
            message: gss::gss_buffer_t,
            mic: gss::gss_buffer_t,
        ) -> gss::OM_uint32;
        fn gss_import_name(
            minor: *mut gss::OM_uint32,
            text: gss::gss_buffer_t,
            kind: gss::gss_OID,
            name: *mut gss::gss_name_t,
        ) -> gss::OM_uint32;
        fn gss_import_sec_context(
            minor: *mut gss::OM_uint32,
            token: gss::gss_buffer_t,
            context: *mut gss::gss_ctx_id_t,
        ) -> gss::OM_uint32;
        fn gss_init_sec_context(
            minor: *mut gss::OM_uint32,
            initiator_cred: gss::gss_cred_id_t,
            context: *mut gss::gss_ctx_id_t,
            target: gss::gss_name_t,
            mech: gss::gss_OID,
            flags: gss::OM_uint32,
            lifetime: gss::OM_uint32,
            bindings: gss::gss_channel_bindings_t,
            input_token: gss::gss_buffer_t,
            actual_mech: *mut gss::gss_OID,
            output_token: gss::gss_buffer_t,
            actual_flags: *mut gss::OM_uint32,
            actual_lifetime: *mut gss::OM_uint32,
        ) -> gss::OM_uint32;
        fn gss_inquire_context(
            minor: *mut gss::OM_uint32,
            context: gss::gss_ctx_id_t,
            source: *mut gss::gss_name_t,
            target: *mut gss::gss_name_t,
            lifetime: *mut gss::OM_uint32,
            mech: *mut gss::gss_OID,
            flags: *mut gss::OM_uint32,
            locally_initiated: *mut c_int,
            open: *mut c_int,
        ) -> gss::OM_uint32;
        fn gss_localname(
            minor: *mut gss::OM_uint32,
            name: gss::gss_name_t,
            mech: gss::gss_const_OID,
            local_name: gss::gss_buffer_t,
        ) -> gss::OM_uint32;
        fn gss_release_buffer(minor: *mut gss::OM_uint32, buffer: gss::gss_buffer_t) -> gss::OM_uint32;
        fn gss_release_cred(minor: *mut gss::OM_uint32, cred: *mut gss::gss_cred_id_t) -> gss::OM_uint32;
        fn gss_release_name(minor: *mut gss::OM_uint32, name: *mut gss::gss_name_t) -> gss::OM_uint32;
        fn gss_unwrap(
            minor: *mut gss::OM_uint32,
            context: gss::gss_ctx_id_t,
            token: gss::gss_buffer_t,
            message: gss::gss_buffer_t,
            confidential: *mut c_int,
            qop: *mut gss::gss_qop_t,
        ) -> gss::OM_uint32;
        fn gss_userok(name: gss::gss_name_t, user: *const c_char) -> c_int;
        fn gss_verify_mic(
            minor: *mut gss::OM_uint32,
            context: gss::gss_ctx_id_t,
            message: gss::gss_buffer_t,
            mic: gss::gss_buffer_t,
            qop: *mut gss::gss_qop_t,
        ) -> gss::OM_uint32;
        fn gss_wrap(
            minor: *mut gss::OM_uint32,
            context: gss::gss_ctx_id_t,
            encrypt: c_int,
            qop: gss::gss_qop_t,
            message: gss::gss_buffer_t,
            confidential: *mut c_int,
            token: gss::gss_buffer_t,
        ) -> gss::OM_uint32;
    }
}

/// Opens MIT's GSS-API library now (`daemonauth_load_libraries`).
pub(crate) fn load_library() -> Result<()> {
    GSSAPI.get().map(drop)
}

/// A GSS-API object identifier, held as its DER contents octets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Oid(Vec<u8>);

impl Oid {
    /// An OID from its DER contents octets.
    pub const fn from_der(der: Vec<u8>) -> Oid {
        Oid(der)
    }

    /// The DER contents octets.
    pub fn der(&self) -> &[u8] {
        &self.0
    }

    /// Parses dotted (`1.2.840.113554.1.2.2`) or MIT's braced (`{ 1 2 840 113554 1 2 2 }`) form.
    pub fn parse(text: &str) -> Result<Oid> {
        let invalid = || Error::new(ErrorCode::InvalidArgument, format!("{text:?} is not an OID"));
        let inner = text.trim();
        let inner = inner.strip_prefix('{').and_then(|t| t.strip_suffix('}')).unwrap_or(inner);
        let arcs = inner
            .split(|c: char| c == '.' || c.is_ascii_whitespace())
            .filter(|arc| !arc.is_empty())
            .map(|arc| arc.parse::<u64>().map_err(|_| invalid()))
            .collect::<Result<Vec<u64>>>()?;
        if arcs.len() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39) {
            return Err(invalid());
        }
        let first = arcs[0].checked_mul(40).and_then(|v| v.checked_add(arcs[1])).ok_or_else(invalid)?;
        let mut der = Vec::new();
        for arc in std::iter::once(first).chain(arcs[2..].iter().copied()) {
            let mut groups = vec![(arc & 0x7f) as u8];
            let mut rest = arc >> 7;
            while rest > 0 {
                groups.push((rest & 0x7f) as u8 | 0x80);
                rest >>= 7;
            }
            der.extend(groups.iter().rev());
        }
        Ok(Oid(der))
    }

    /// The dotted form, `1.2.840.113554.1.2.2`.
    pub fn to_dotted(&self) -> String {
        let mut arcs = Vec::new();
        let mut value: u64 = 0;
        for byte in &self.0 {
            value = (value << 7) | u64::from(byte & 0x7f);
            if byte & 0x80 == 0 {
                if arcs.is_empty() {
                    let first = (value / 40).min(2);
                    arcs.push(first);
                    arcs.push(value - first * 40);
                } else {
                    arcs.push(value);
                }
                value = 0;
            }
        }
        arcs.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
    }

    /// A descriptor pointing into this OID, valid while `self` lives and is not changed.
    fn desc(&self) -> gss::gss_OID_desc {
        gss::gss_OID_desc { length: self.0.len() as u32, elements: self.0.as_ptr() as *mut c_void }
    }

    /// Copies an OID the GSS library owns.
    ///
    /// # Safety
    /// `oid` is NULL or points to a valid OID descriptor.
    unsafe fn from_raw(oid: gss::gss_OID) -> Option<Oid> {
        // SAFETY: per the contract, a non-NULL `oid` is a valid descriptor.
        let desc = unsafe { oid.as_ref() }?;
        if desc.elements.is_null() {
            return None;
        }
        // SAFETY: a valid descriptor's `elements` holds `length` bytes.
        let der = unsafe { std::slice::from_raw_parts(desc.elements as *const u8, desc.length as usize) };
        Some(Oid(der.to_vec()))
    }
}

/// Well-known OIDs.
pub mod oids {
    use super::Oid;

    /// The Kerberos 5 mechanism, 1.2.840.113554.1.2.2.
    pub fn krb5() -> Oid {
        Oid::from_der(b"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02".to_vec())
    }
    /// SPNEGO, 1.3.6.1.5.5.2.
    pub fn spnego() -> Oid {
        Oid::from_der(b"\x2b\x06\x01\x05\x05\x02".to_vec())
    }
    /// GSS_C_NT_HOSTBASED_SERVICE, 1.2.840.113554.1.2.1.4.
    pub fn nt_hostbased_service() -> Oid {
        Oid::from_der(b"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04".to_vec())
    }
    /// GSS_C_NT_USER_NAME, 1.2.840.113554.1.2.1.1.
    pub fn nt_user_name() -> Oid {
        Oid::from_der(b"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x01".to_vec())
    }
    /// GSS_KRB5_NT_PRINCIPAL_NAME, 1.2.840.113554.1.2.2.1.
    pub fn nt_krb5_principal() -> Oid {
        Oid::from_der(b"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x01".to_vec())
    }
}

/// The readable text of a GSS status: major (routine) part, then the mechanism's minor part.
pub fn status_text(major: u32, minor: u32) -> String {
    let mut parts = display_status(major, gss::GSS_C_GSS_CODE as c_int);
    if minor != 0 {
        parts.extend(display_status(minor, gss::GSS_C_MECH_CODE as c_int));
    }
    parts.join("; ")
}

/// The lines `gss_display_status` gives for `code`, read as `kind` (`GSS_C_GSS_CODE` = 1 or
/// `GSS_C_MECH_CODE` = 2); a code it cannot describe reads "status 0x...".
pub fn display_status(code: u32, kind: c_int) -> Vec<String> {
    let api = match GSSAPI.get() {
        Ok(api) => api,
        Err(error) => return vec![format!("status {code:#x} ({})", error.message())],
    };
    let mut lines = Vec::new();
    let mut message_context: gss::OM_uint32 = 0;
    loop {
        let mut minor = 0;
        let mut text = Buffer::empty();
        // SAFETY: all pointers are to live locals; `text` is released by its Drop.
        let major = unsafe {
            (api.gss_display_status)(&mut minor, code, kind, ptr::null_mut(), &mut message_context, &mut text.0)
        };
        if major != gss::GSS_S_COMPLETE {
            lines.push(format!("status {code:#x}"));
            break;
        }
        lines.push(String::from_utf8_lossy(text.as_slice()).into_owned());
        if message_context == 0 || lines.len() > 8 {
            break;
        }
    }
    lines
}

/// Fails with a readable message when `major` is an error; `what` is formatted only then.
fn check(major: u32, minor: u32, what: impl std::fmt::Display) -> Result<()> {
    if major & 0xffff_0000 == 0 {
        return Ok(());
    }
    Err(Error::new(super::status::classify(major, minor), format!("{what} failed: {}", status_text(major, minor))))
}

/// Fails when a per-message call reports a replayed, stale, out-of-order or missing
/// message. GSS-API reports these as supplementary bits beside success; over a stream they
/// can only mean tampering, so the library refuses the message.
fn check_sequence(major: u32, what: &str) -> Result<()> {
    let problems = [
        (gss::_GSS_S_DUPLICATE_TOKEN, "a replayed message"),
        (gss::_GSS_S_OLD_TOKEN, "a message too old to check for replay"),
        (gss::_GSS_S_UNSEQ_TOKEN, "a message out of sequence"),
        (gss::_GSS_S_GAP_TOKEN, "a message after a missing one"),
    ];
    match problems.iter().find(|(bit, _)| major & bit != 0) {
        Some((_, problem)) => Err(Error::new(ErrorCode::Replay, format!("{what} refused {problem}"))),
        None => Ok(()),
    }
}

/// A buffer the GSS library allocated; wiped and released on drop, as it may hold a secret
/// (an unwrapped message, an exported context).
struct Buffer(gss::gss_buffer_desc);

impl Buffer {
    fn empty() -> Buffer {
        Buffer(gss::gss_buffer_desc { length: 0, value: ptr::null_mut() })
    }

    fn as_slice(&self) -> &[u8] {
        if self.0.value.is_null() || self.0.length == 0 {
            return &[];
        }
        // SAFETY: the GSS library filled `value` with `length` readable bytes it owns until
        // release, which only Drop does.
        unsafe { std::slice::from_raw_parts(self.0.value as *const u8, self.0.length) }
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        // An empty buffer needs no release; one with bytes was filled by the library, which is
        // then loaded: the lookup finds it.
        if self.0.value.is_null() {
            return;
        }
        let Ok(api) = GSSAPI.get() else { return };
        let mut minor = 0;
        // SAFETY: the buffer is empty or was allocated by the GSS library, which owns its
        // bytes until this release; nothing else refers to them.
        unsafe {
            wipe(&self.0);
            (api.gss_release_buffer)(&mut minor, &mut self.0)
        };
    }
}

/// Overwrites a buffer's bytes with zeros before it is released.
///
/// # Safety
/// `buffer` is empty or its `value` points to `length` writable bytes nothing else uses.
unsafe fn wipe(buffer: &gss::gss_buffer_desc) {
    if !buffer.value.is_null() && buffer.length > 0 {
        // SAFETY: per the contract.
        unsafe { std::slice::from_raw_parts_mut(buffer.value as *mut u8, buffer.length) }.zeroize();
    }
}

/// Wipes and releases a buffer a C caller holds (as `gss_release_buffer` does) and empties
/// it; NULL is a no-op.
///
/// # Safety
/// `buffer` is NULL or points to a writable descriptor that is empty or whose `value` was
/// allocated with `malloc` or by the GSS library.
pub unsafe fn release_raw_buffer(buffer: *mut gss::gss_buffer_desc) -> Result<()> {
    if buffer.is_null() {
        return Ok(());
    }
    let Ok(api) = GSSAPI.get() else {
        // No GSS library in the process: the caller allocated the bytes with malloc, and
        // releasing them is what gss_release_buffer does (MIT's frees them).
        // SAFETY: valid per the contract; `value` is NULL or malloc'd, freed once, here.
        unsafe {
            wipe(&*buffer);
            libc::free((*buffer).value);
            *buffer = gss::gss_buffer_desc { length: 0, value: ptr::null_mut() };
        }
        return Ok(());
    };
    let mut minor = 0;
    // SAFETY: non-NULL and valid per the contract; the library frees `value` and empties it.
    let major = unsafe {
        wipe(&*buffer);
        (api.gss_release_buffer)(&mut minor, buffer)
    };
    check(major, minor, "gss_release_buffer")
}

/// Releases a name a C caller holds (as `gss_release_name` does) and sets it to
/// GSS_C_NO_NAME; NULL is a no-op.
///
/// # Safety
/// `name` is NULL or points to a writable `gss_name_t` that is GSS_C_NO_NAME or a live name the
/// caller gives up.
pub unsafe fn release_raw_name(name: *mut gss::gss_name_t) -> Result<()> {
    if name.is_null() {
        return Ok(());
    }
    let api = GSSAPI.get()?;
    let mut minor = 0;
    // SAFETY: non-NULL and valid per the contract.
    let major = unsafe { (api.gss_release_name)(&mut minor, name) };
    check(major, minor, "gss_release_name")
}

/// A descriptor that lends `data` to a GSS call; the call only reads it.
fn input(data: &[u8]) -> gss::gss_buffer_desc {
    gss::gss_buffer_desc { length: data.len(), value: data.as_ptr() as *mut c_void }
}

/// Channel bindings that lend `application_data` to a GSS call and name no addresses
/// (RFC 5056: the application data identifies the outer channel, e.g. a handshake hash).
fn channel_bindings(application_data: &[u8]) -> gss::gss_channel_bindings_struct {
    gss::gss_channel_bindings_struct {
        initiator_addrtype: gss::GSS_C_AF_UNSPEC,
        initiator_address: input(&[]),
        acceptor_addrtype: gss::GSS_C_AF_UNSPEC,
        acceptor_address: input(&[]),
        application_data: input(application_data),
    }
}

/// How a name's text is to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameType {
    /// `service@host`.
    HostBasedService,
    /// A local user name or unqualified principal.
    UserName,
    /// A Kerberos principal, `primary/instance@REALM`.
    Krb5Principal,
}

impl NameType {
    fn oid(self) -> Oid {
        match self {
            NameType::HostBasedService => oids::nt_hostbased_service(),
            NameType::UserName => oids::nt_user_name(),
            NameType::Krb5Principal => oids::nt_krb5_principal(),
        }
    }
}

/// A GSS-API name.
pub struct Name(gss::gss_name_t);

// SAFETY: MIT's GSS names are plain heap objects with no thread affinity.
unsafe impl Send for Name {}
// SAFETY: every method that takes &self only reads the name.
unsafe impl Sync for Name {}

impl Name {
    /// Imports `text` as a name of type `kind`.
    pub fn import(text: &str, kind: NameType) -> Result<Name> {
        let oid = kind.oid();
        let mut oid_desc = oid.desc();
        let mut text_buf = input(text.as_bytes());
        let mut raw: gss::gss_name_t = ptr::null_mut();
        let api = GSSAPI.get()?;
        let mut minor = 0;
        // SAFETY: the buffers and OID descriptor point to live data the call only reads.
        let major = unsafe { (api.gss_import_name)(&mut minor, &mut text_buf, &mut oid_desc, &mut raw) };
        check(major, minor, format_args!("importing the name {text:?}"))?;
        Ok(Name(raw))
    }

    /// The printable form and the OID of its name type.
    pub fn display(&self) -> Result<(String, Option<Oid>)> {
        let mut text = Buffer::empty();
        let mut kind: gss::gss_OID = ptr::null_mut();
        let api = GSSAPI.get()?;
        let mut minor = 0;
        // SAFETY: `self.0` is a live name; the outputs are locals.
        let major = unsafe { (api.gss_display_name)(&mut minor, self.0, &mut text.0, &mut kind) };
        check(major, minor, "displaying a name")?;
        let printable = String::from_utf8(text.as_slice().to_vec())
            .map_err(|_| Error::new(ErrorCode::Gss, "a GSS name is not valid UTF-8"))?;
        // SAFETY: `kind` is NULL or a static OID owned by the library.
        Ok((printable, unsafe { Oid::from_raw(kind) }))
    }

    /// The mechanism name (canonical form) of this name for `mech`.
    pub fn canonicalize(&self, mech: &Oid) -> Result<Name> {
        let mut mech_desc = mech.desc();
        let mut out: gss::gss_name_t = ptr::null_mut();
        let api = GSSAPI.get()?;
        let mut minor = 0;
        // SAFETY: live name and OID; `out` receives a new name we own.
        let major = unsafe { (api.gss_canonicalize_name)(&mut minor, self.0, &mut mech_desc, &mut out) };
        check(major, minor, "canonicalizing a name")?;
        Ok(Name(out))
    }

    /// The local user this (authenticated) name maps to under the mechanism's rules.
    pub fn local_name(&self, mech: Option<&Oid>) -> Result<String> {
        let mut mech_desc = mech.map(Oid::desc);
        let mech_ptr = mech_desc.as_mut().map_or(ptr::null_mut(), |desc| desc as gss::gss_OID);
        let mut text = Buffer::empty();
        let api = GSSAPI.get()?;
        let mut minor = 0;
        // SAFETY: live name and optional OID; `text` receives a buffer we release.
        let major = unsafe { (api.gss_localname)(&mut minor, self.0, mech_ptr, &mut text.0) };
        check(major, minor, "mapping a name to a local user")?;
        String::from_utf8(text.as_slice().to_vec())
            .map_err(|_| Error::new(ErrorCode::Gss, "a local name is not valid UTF-8"))
    }

    /// Whether this (authenticated) name may log in as the local `user` under the
    /// mechanism's rules (krb5: `.k5login`, or the principal mapping to `user`). A user name
    /// with a NUL byte never may.
    pub fn user_ok(&self, user: &[u8]) -> bool {
        let (Ok(user), Ok(api)) = (CString::new(user), GSSAPI.get()) else { return false };
        // SAFETY: a live name and a NUL-terminated user name.
        unsafe { (api.gss_userok)(self.0, user.as_ptr()) != 0 }
    }
}

impl Drop for Name {
    fn drop(&mut self) {
        // GSS_C_NO_NAME needs no release; a name was made by the library, which is then
        // loaded: the lookup finds it.
        if self.0.is_null() {
            return;
        }
        let Ok(api) = GSSAPI.get() else { return };
        let mut minor = 0;
        // SAFETY: `self.0` is a name we own.
        unsafe { (api.gss_release_name)(&mut minor, &mut self.0) };
    }
}

/// What a credential is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    Initiate,
    Accept,
    Both,
}

impl Usage {
    fn raw(self) -> gss::gss_cred_usage_t {
        (match self {
            Usage::Initiate => gss::GSS_C_INITIATE,
            Usage::Accept => gss::GSS_C_ACCEPT,
            Usage::Both => gss::GSS_C_BOTH,
        }) as gss::gss_cred_usage_t
    }
}

/// A set holding one mechanism, lent to a call.
struct MechSet {
    oid: gss::gss_OID_desc,
}

impl MechSet {
    fn new(mech: &Oid) -> MechSet {
        MechSet { oid: mech.desc() }
    }

    fn set(&mut self) -> gss::gss_OID_set_desc {
        gss::gss_OID_set_desc { count: 1, elements: &mut self.oid }
    }
}

/// GSS-API credentials, with the memory credential cache they were acquired from when the
/// library obtained their ticket itself (destroyed after the credentials are released).
pub struct Cred(gss::gss_cred_id_t, Option<MemoryCache>);

// SAFETY: MIT's credential handles are usable from any thread (the library locks internally).
unsafe impl Send for Cred {}
// SAFETY: as above; methods taking &self do not mutate the handle.
unsafe impl Sync for Cred {}

impl Cred {
    /// Acquires credentials for `name` (NULL: the default) for `usage`, optionally for one
    /// mechanism and from a credential store (`keytab`, `client_keytab`, `ccache`, ...).
    pub fn acquire(name: Option<&Name>, usage: Usage, mech: Option<&Oid>, store: &[(&str, &str)]) -> Result<Cred> {
        let mut mechs = mech.map(MechSet::new);
        let mut set = mechs.as_mut().map(MechSet::set);
        let set_ptr = set.as_mut().map_or(ptr::null_mut(), |set| set as gss::gss_OID_set);
        let name_ptr = name.map_or(ptr::null_mut(), |name| name.0);
        let owned =
            store.iter().map(|(key, value)| Ok((cstring(key)?, cstring(value)?))).collect::<Result<Vec<_>>>()?;
        let mut elements: Vec<gss::gss_key_value_element_desc> = owned
            .iter()
            .map(|(key, value)| gss::gss_key_value_element_desc { key: key.as_ptr(), value: value.as_ptr() })
            .collect();
        let store_set = gss::gss_key_value_set_desc { count: elements.len() as u32, elements: elements.as_mut_ptr() };
        let mut raw: gss::gss_cred_id_t = ptr::null_mut();
        let api = GSSAPI.get()?;
        let mut minor = 0;
        // SAFETY: every pointer refers to a live local (name, mechanism set, store strings)
        // that outlives the call; `raw` receives a credential we own.
        let major = unsafe {
            if store.is_empty() {
                (api.gss_acquire_cred)(
                    &mut minor,
                    name_ptr,
                    gss::_GSS_C_INDEFINITE,
                    set_ptr,
                    usage.raw(),
                    &mut raw,
                    ptr::null_mut(),
                    ptr::null_mut(),
                )
            } else {
                (api.gss_acquire_cred_from)(
                    &mut minor,
                    name_ptr,
                    gss::_GSS_C_INDEFINITE,
                    set_ptr,
                    usage.raw(),
                    &store_set,
                    &mut raw,
                    ptr::null_mut(),
                    ptr::null_mut(),
                )
            }
        };
        check(major, minor, "acquiring credentials")?;
        Ok(Cred(raw, None))
    }

    /// Initiator credentials from the tickets in `cache`, which they keep alive.
    pub fn acquire_from_memory_cache(mech: Option<&Oid>, cache: MemoryCache) -> Result<Cred> {
        let mut cred = Cred::acquire(None, Usage::Initiate, mech, &[("ccache", cache.name())])?;
        cred.1 = Some(cache);
        Ok(cred)
    }
}

impl std::fmt::Debug for Cred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cred")
    }
}

impl Drop for Cred {
    fn drop(&mut self) {
        // GSS_C_NO_CREDENTIAL needs no release; a credential was made by the library, which is
        // then loaded: the lookup finds it.
        if self.0.is_null() {
            return;
        }
        let Ok(api) = GSSAPI.get() else { return };
        let mut minor = 0;
        // SAFETY: `self.0` is a credential we own.
        unsafe { (api.gss_release_cred)(&mut minor, &mut self.0) };
    }
}

fn cstring(text: &str) -> Result<CString> {
    CString::new(text).map_err(|_| Error::new(ErrorCode::InvalidArgument, format!("{text:?} contains a NUL byte")))
}

/// One step of context establishment.
pub struct Step {
    /// The token to send to the peer (may be empty).
    pub output: Vec<u8>,
    /// True when the context is established on this side.
    pub complete: bool,
    /// The flags the context offers so far.
    pub flags: u32,
    /// The initiator's delegated credentials, on the acceptor's side of a complete context
    /// when the initiator delegated (`GSS_C_DELEG_FLAG`).
    pub delegated: Option<Cred>,
}

/// What a context says about itself.
pub struct ContextInfo {
    pub source: Name,
    pub target: Option<Name>,
    pub lifetime_secs: u32,
    pub mech: Option<Oid>,
    pub flags: u32,
    pub locally_initiated: bool,
    pub open: bool,
}

/// A failed acceptor step: why, and the token the initiator should receive so that it can
/// report the acceptor's reason (empty when the mechanism made none).
pub struct RefusedStep {
    pub error: Error,
    pub token: Vec<u8>,
}

/// A GSS-API security context; deleted on drop.
pub struct Context(gss::gss_ctx_id_t);

// SAFETY: a context handle may move between threads; it is used by one thread at a time,
// which `&mut self` on every mutating method guarantees.
unsafe impl Send for Context {}

impl Context {
    /// A context not yet started.
    pub fn new() -> Context {
        Context(ptr::null_mut())
    }

    /// One initiator step: `input` is the peer's last token (None at the start); `bindings`
    /// the channel bindings' application data, if any (the acceptor must give the same).
    pub fn init_step(
        &mut self,
        cred: Option<&Cred>,
        target: &Name,
        mech: Option<&Oid>,
        flags: u32,
        bindings: Option<&[u8]>,
        input_token: Option<&[u8]>,
    ) -> Result<Step> {
        let mut bindings = bindings.map(channel_bindings);
        let bindings_ptr = bindings.as_mut().map_or(ptr::null_mut(), |b| b as gss::gss_channel_bindings_t);
        let mut mech_desc = mech.map(Oid::desc);
        let mech_ptr = mech_desc.as_mut().map_or(ptr::null_mut(), |desc| desc as gss::gss_OID);
        let mut input_buf = input(input_token.unwrap_or(&[]));
        let input_ptr = if input_token.is_some() { &mut input_buf as gss::gss_buffer_t } else { ptr::null_mut() };
        let mut output = Buffer::empty();
        let mut ret_flags = 0;
        let api = GSSAPI.get()?;
        let mut minor = 0;
        // SAFETY: all handles are live or NULL (defaults); buffers point to live locals;
        // `self.0` is updated in place by the library.
        let major = unsafe {
            (api.gss_init_sec_context)(
                &mut minor,
                cred.map_or(ptr::null_mut(), |c| c.0),
                &mut self.0,
                target.0,
                mech_ptr,
                flags,
                0,
                bindings_ptr,
                input_ptr,
                ptr::null_mut(),
                &mut output.0,
                &mut ret_flags,
                ptr::null_mut(),
            )
        };
        check(major, minor, "gss_init_sec_context")?;
        Ok(Step {
            output: output.as_slice().to_vec(),
            complete: major & gss::_GSS_S_CONTINUE_NEEDED == 0,
            flags: ret_flags,
            delegated: None,
        })
    }

    /// One acceptor step with the peer's token; `bindings` the channel bindings' application
    /// data, if any (an initiator that gave other bindings is refused). A failure carries the
    /// error token the mechanism produced for the initiator (a Kerberos KRB-ERROR), if any.
    pub fn accept_step(
        &mut self,
        cred: Option<&Cred>,
        bindings: Option<&[u8]>,
        input_token: &[u8],
    ) -> std::result::Result<Step, RefusedStep> {
        let mut bindings = bindings.map(channel_bindings);
        let bindings_ptr = bindings.as_mut().map_or(ptr::null_mut(), |b| b as gss::gss_channel_bindings_t);
        let mut input_buf = input(input_token);
        let mut output = Buffer::empty();
        let mut ret_flags = 0;
        let mut delegated: gss::gss_cred_id_t = ptr::null_mut();
        let api = GSSAPI.get().map_err(|error| RefusedStep { error, token: Vec::new() })?;
        let mut minor = 0;
        // SAFETY: as for init_step (the bindings, if any, point to a live local); `delegated`
        // receives a credential we own (wrapped at once below) or stays NULL.
        let major = unsafe {
            (api.gss_accept_sec_context)(
                &mut minor,
                &mut self.0,
                cred.map_or(ptr::null_mut(), |c| c.0),
                &mut input_buf,
                bindings_ptr,
                ptr::null_mut(),
                ptr::null_mut(),
                &mut output.0,
                &mut ret_flags,
                ptr::null_mut(),
                &mut delegated,
            )
        };
        let step = Step {
            output: output.as_slice().to_vec(),
            complete: major & gss::_GSS_S_CONTINUE_NEEDED == 0,
            flags: ret_flags,
            delegated: (!delegated.is_null()).then(|| Cred(delegated, None)),
        };
        match check(major, minor, "gss_accept_sec_context") {
            Ok(()) => Ok(step),
            Err(error) => Err(RefusedStep { error, token: step.output }),
        }
    }

    /// Protects `message`; asks for confidentiality when `encrypt`. Returns the token and
    /// whether confidentiality was applied.
    pub fn wrap(&self, encrypt: bool, message: &[u8]) -> Result<(Vec<u8>, bool)> {
        let mut input_buf = input(message);
        let mut output = Buffer::empty();
        let mut conf_state: c_int = 0;
        let api = GSSAPI.get()?;
        let mut minor = 0;
        // SAFETY: live context and buffers.
        let major = unsafe {
            (api.gss_wrap)(&mut minor, self.0, encrypt as c_int, 0, &mut input_buf, &mut conf_state, &mut output.0)
        };
        check(major, minor, "gss_wrap")?;
        Ok((output.as_slice().to_vec(), conf_state != 0))
    }

    /// Verifies and opens a wrapped token. Returns the message and whether it was encrypted.
    /// Replayed, stale, out-of-order messages and gaps are refused (see [`check_sequence`]).
    pub fn unwrap(&self, token: &[u8]) -> Result<(Zeroizing<Vec<u8>>, bool)> {
        let mut input_buf = input(token);
        let mut output = Buffer::empty();
        let mut conf_state: c_int = 0;
        let api = GSSAPI.get()?;
        let mut minor = 0;
        // SAFETY: live context and buffers; QOP output not requested.
        let major = unsafe {
            (api.gss_unwrap)(&mut minor, self.0, &mut input_buf, &mut output.0, &mut conf_state, ptr::null_mut())
        };
        check(major, minor, "gss_unwrap")?;
        check_sequence(major, "gss_unwrap")?;
        Ok((Zeroizing::new(output.as_slice().to_vec()), conf_state != 0))
    }

    /// A message integrity code over `message`.
    pub fn get_mic(&self, message: &[u8]) -> Result<Vec<u8>> {
        let mut input_buf = input(message);
        let mut output = Buffer::empty();
        let api = GSSAPI.get()?;
        let mut minor = 0;
        // SAFETY: live context and buffers.
        let major = unsafe { (api.gss_get_mic)(&mut minor, self.0, 0, &mut input_buf, &mut output.0) };
        check(major, minor, "gss_get_mic")?;
        Ok(output.as_slice().to_vec())
    }

    /// Checks a message integrity code.
    pub fn verify_mic(&self, message: &[u8], mic: &[u8]) -> Result<()> {
        let mut message_buf = input(message);
        let mut mic_buf = input(mic);
        let api = GSSAPI.get()?;
        let mut minor = 0;
        // SAFETY: live context and buffers; QOP output not requested.
        let major =
            unsafe { (api.gss_verify_mic)(&mut minor, self.0, &mut message_buf, &mut mic_buf, ptr::null_mut()) };
        check(major, minor, "gss_verify_mic")?;
        check_sequence(major, "gss_verify_mic")
    }

    /// Serialises the context for another process; this context becomes unusable.
    pub fn export(&mut self) -> Result<Zeroizing<Vec<u8>>> {
        let mut output = Buffer::empty();
        let api = GSSAPI.get()?;
        let mut minor = 0;
        // SAFETY: `self.0` is live; on success the library resets it to GSS_C_NO_CONTEXT.
        let major = unsafe { (api.gss_export_sec_context)(&mut minor, &mut self.0, &mut output.0) };
        check(major, minor, "gss_export_sec_context")?;
        Ok(Zeroizing::new(output.as_slice().to_vec()))
    }

    /// Rebuilds a context from [`Context::export`]'s bytes.
    pub fn import(token: &[u8]) -> Result<Context> {
        let mut input_buf = input(token);
        let mut raw: gss::gss_ctx_id_t = ptr::null_mut();
        let api = GSSAPI.get()?;
        let mut minor = 0;
        // SAFETY: live buffer; `raw` receives a context we own.
        let major = unsafe { (api.gss_import_sec_context)(&mut minor, &mut input_buf, &mut raw) };
        check(major, minor, "gss_import_sec_context")?;
        Ok(Context(raw))
    }

    /// Gives up ownership of the raw handle (GSS_C_NO_CONTEXT if there is none), for a C
    /// caller that keeps it in a `gss_ctx_id_t` (distcc's global context handles).
    pub fn into_raw(self) -> gss::gss_ctx_id_t {
        std::mem::ManuallyDrop::new(self).0
    }

    /// Takes ownership of a raw handle; the context is deleted when the result is dropped.
    ///
    /// # Safety
    /// `raw` is GSS_C_NO_CONTEXT or a live context handle that nothing else will use or delete
    /// afterwards.
    pub unsafe fn from_raw(raw: gss::gss_ctx_id_t) -> Context {
        Context(raw)
    }

    /// Whether there is a context (not yet started or exported contexts have none).
    pub fn is_present(&self) -> bool {
        !self.0.is_null()
    }

    /// Names, lifetime, mechanism and flags of the context.
    pub fn inquire(&self) -> Result<ContextInfo> {
        let mut source: gss::gss_name_t = ptr::null_mut();
        let mut target: gss::gss_name_t = ptr::null_mut();
        let mut lifetime = 0;
        let mut mech: gss::gss_OID = ptr::null_mut();
        let mut flags = 0;
        let mut local: c_int = 0;
        let mut open: c_int = 0;
        let api = GSSAPI.get()?;
        let mut minor = 0;
        // SAFETY: live context; the names returned are ours to release (wrapped at once).
        let major = unsafe {
            (api.gss_inquire_context)(
                &mut minor,
                self.0,
                &mut source,
                &mut target,
                &mut lifetime,
                &mut mech,
                &mut flags,
                &mut local,
                &mut open,
            )
        };
        let source = Name(source);
        let target = (!target.is_null()).then(|| Name(target));
        check(major, minor, "gss_inquire_context")?;
        Ok(ContextInfo {
            source,
            target,
            lifetime_secs: lifetime,
            // SAFETY: `mech` is NULL or a static OID owned by the library.
            mech: unsafe { Oid::from_raw(mech) },
            flags,
            locally_initiated: local != 0,
            open: open != 0,
        })
    }
}

impl Default for Context {
    fn default() -> Self {
        Context::new()
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        if self.0.is_null() {
            return;
        }
        // A context, ours or one a C caller handed over, was made by the GSS library, which
        // is then loaded in this process: the lookup finds it.
        let Ok(api) = GSSAPI.get() else { return };
        let mut minor = 0;
        // SAFETY: `self.0` is a context we own; no output token requested.
        unsafe { (api.gss_delete_sec_context)(&mut minor, &mut self.0, ptr::null_mut()) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declared_function_is_in_mit_s_library() {
        GSSAPI.get().expect("libgssapi_krb5.so.2 has every function GSSAPI declares");
    }

    #[test]
    fn oids_parse_in_both_notations() {
        assert_eq!(Oid::parse("1.2.840.113554.1.2.2").unwrap(), oids::krb5());
        assert_eq!(Oid::parse("{ 1 3 6 1 5 5 2 }").unwrap(), oids::spnego());
        assert_eq!(oids::krb5().to_dotted(), "1.2.840.113554.1.2.2");
        assert_eq!(oids::nt_hostbased_service().to_dotted(), "1.2.840.113554.1.2.1.4");
        for bad in ["", "1", "3.1", "1.40", "a.b", "1.2.99999999999999999999"] {
            assert!(Oid::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn status_text_is_readable() {
        let text = status_text(gss::_GSS_S_NO_CRED, 0);
        assert!(text.contains("credentials"), "{text}");
    }

    #[test]
    fn host_based_names_import_and_display() {
        let name = Name::import("host@localhost", NameType::HostBasedService).unwrap();
        let (text, kind) = name.display().unwrap();
        assert_eq!(text, "host@localhost");
        assert_eq!(kind, Some(oids::nt_hostbased_service()));
    }
}
