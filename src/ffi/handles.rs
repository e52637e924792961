//! Opaque handle types that more than one module's C API uses, defined once here: the GSS
//! security context (made by the GSS and CVS APIs, used by both) and the responder (made by the
//! responder API, used by the GSS, CVS and host-authentication APIs) and the limiter (made by
//! the limits API, used by the CVS API).

#![allow(non_camel_case_types)] // C names for the C API

use std::sync::Arc;

use crate::gss::SecurityContext;
use crate::limits::Limiter;
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

/// Limits for a server that forks per connection: a cap on children serving clients at once
/// and a throttle on failed authentications per client address and per user. Made by
/// `daemonauth_limiter_builder_build`, released with `daemonauth_limiter_free`. Shared: its
/// limits never change once built, and any number of threads, and the processes forked after
/// it was built, may use it at once (its counts are kept under locks, the failure counts in
/// memory the forked children share).
pub struct daemonauth_limiter(pub(crate) Arc<Limiter>);

// What the documentation promises: a limiter may be used by many threads at once.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<daemonauth_limiter>();
};
