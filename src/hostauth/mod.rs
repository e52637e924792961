//! ROOT-style host authentication, part 1: the model and its files (issue 12).
//!
//! - [`model`]: methods, host-auth entries, established authentications, the registry;
//! - [`authrc`]: the client's `.rootauthrc` files;
//! - [`rootrc`]: the authentication keys of `.rootrc`;
//! - [`daemonrc`]: the daemon's `.rootdaemonrc` access files;
//! - [`pattern`] and [`source`]: host patterns, and reading the files.
//!
//! Formats, lookup order and what differs from ROOT: `docs/hostauth.md`.

// Used by the C API added in issue 12 part ffi; nothing outside this module calls it yet.
#![allow(dead_code)]

pub(crate) mod authrc;
pub(crate) mod daemonrc;
pub(crate) mod model;
pub(crate) mod pattern;
pub(crate) mod rootrc;
pub(crate) mod source;
