//! ROOT-style host authentication, part 1: the model and its files (issue 12).
//!
//! - [`model`]: methods, host-auth entries, established authentications, the registry;
//! - [`authrc`]: the client's `.rootauthrc` files;
//! - [`rootrc`]: the authentication keys of `.rootrc`;
//! - [`daemonrc`]: the daemon's `.rootdaemonrc` access files;
//! - [`pattern`] and [`source`]: host patterns, and reading the files;
//! - the session protocol (`docs/hostauth-protocol.md`): [`frame`], [`channel`] and [`keys`],
//!   [`wire`], [`negotiate`], [`methods`], [`reuse`].
//!
//! Formats, lookup order and what differs from ROOT: `docs/hostauth.md`.

// Used by the C API added in issue 12 part ffi; nothing outside this module calls it yet.
#![allow(dead_code)]

pub(crate) mod authrc;
pub(crate) mod channel;
pub(crate) mod daemonrc;
pub(crate) mod ffi;
pub(crate) mod frame;
pub(crate) mod keys;
pub(crate) mod methods;
pub(crate) mod model;
pub(crate) mod negotiate;
pub(crate) mod pattern;
pub(crate) mod reuse;
pub(crate) mod rootrc;
pub(crate) mod source;
pub(crate) mod wire;
