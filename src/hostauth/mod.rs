//! ROOT-style host authentication: the model and its files (issue 12), the strong methods
//! (issue 13).
//!
//! - [`model`]: methods, host-auth entries, established authentications, the registry;
//! - [`store`]: the registry with its rc files, as the C API uses it;
//! - [`authrc`]: the client's `.rootauthrc` files;
//! - [`rootrc`]: the authentication keys of `.rootrc`;
//! - [`daemonrc`]: the daemon's `.rootdaemonrc` access files;
//! - [`pattern`] and [`source`]: host patterns, and reading the files;
//! - the session protocol (`docs/hostauth-protocol.md`): [`frame`], [`channel`] and [`keys`],
//!   [`wire`], [`negotiate`], [`methods`] with [`srp`], [`gssauth`] and [`ssh`], [`reuse`];
//! - [`ffi`]: the C API (`daemonauth_hostauth_*`, `include/daemonauth/hostauth.h`).
//!
//! Formats, lookup order and what differs from ROOT: `docs/hostauth.md`.

pub(crate) mod authrc;
pub(crate) mod channel;
pub(crate) mod daemonrc;
pub(crate) mod ffi;
pub(crate) mod frame;
pub(crate) mod gssauth;
pub(crate) mod keys;
pub(crate) mod methods;
pub(crate) mod model;
pub(crate) mod negotiate;
pub(crate) mod pattern;
pub(crate) mod reuse;
pub(crate) mod rootrc;
pub(crate) mod source;
pub(crate) mod srp;
pub(crate) mod ssh;
pub(crate) mod store;
pub(crate) mod wire;
