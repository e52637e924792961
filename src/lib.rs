//! daemonauth: the network authentication of classic Unix daemons — distcc's GSS-API
//! handshake, CVS pserver/gserver, ROOT-style host authentication, a GSS-API core and a
//! krb5-style responder — as a Rust library with a C ABI (`libdaemonauth.so`).
//!
//! The protocol modules are safe Rust working on file descriptors a daemon hands over; the
//! C world sees them only through the thin layer in [`ffi`].

// The C exports take raw pointers by design; each checks them (NULL is an error) and states
// its contract in its documentation, which is what callers from C read.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

mod c_enum;
pub mod cvs;
pub mod distcc;
pub(crate) mod dynlib;
pub mod error;
pub(crate) mod ffi;
pub mod framing;
#[cfg(feature = "fuzzing")]
pub mod fuzz;
pub(crate) mod glob;
pub mod gss;
pub mod hostauth;
pub mod io;
pub mod limits;
pub mod log;
pub mod net;
pub mod responder;
pub mod sysauth;

pub use error::{Error, ErrorCode, Result};

/// The throwaway Kerberos realm of the integration tests, for unit tests that need one.
#[cfg(test)]
#[path = "../tests/support/mod.rs"]
mod realm_support;
