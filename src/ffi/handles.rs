//! Opaque handle types that more than one module's C API uses, defined once here: the GSS
//! security context (made by the GSS and CVS APIs, used by both) and the responder (made by the
//! responder API, used by the GSS, CVS and host-authentication APIs).

#![allow(non_camel_case_types)] // C names for the C API

use crate::gss::SecurityContext;
use crate::responder::Responder;

/// An established or imported GSS-API security context. One thread at a time: wrap, unwrap
/// and MIC calls change its sequence state (different contexts may be used on different
/// threads at once). Free with `daemonauth_gss_ctx_free`.
pub struct daemonauth_gss_ctx(pub(crate) SecurityContext);

/// A responder: answers the questions of authentication flows. Made by one of the
/// `daemonauth_responder_new_*` functions, released with `daemonauth_responder_free`.
/// Shared: any number of threads may run flows with it at once.
pub struct daemonauth_responder {
    pub(crate) responder: Responder,
}
