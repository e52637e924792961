//! CVS pserver and gserver authentication, client and server (cvs 1.12.13 compatible).
//!
//! - [`scramble`]: the `A` password scrambling;
//! - [`root`] and [`passfile`]: CVSROOT strings and `~/.cvspass`;
//! - [`request`]: the request and reply lines on the wire;
//! - [`client`]: authenticating to a server;
//! - [`server`], with [`passwd`], [`pam`] and [`sys`]: checking a client's request;
//! - [`gss_stream`]: the `Gssapi-encrypt` / `Gssapi-authenticate` packet codec, with
//!   [`response_packets`]: the packet sizes cvs 1.12.13's client reads without hanging;
//! - [`relay`]: the server front end's middle, between the client and `cvs server`.
//!
//! The C API (`cvs_auth_*`) is in [`ffi`].

pub mod client;
pub(crate) mod ffi;
pub mod gss_stream;
pub mod passfile;
pub mod passwd;
pub mod relay;
pub mod request;
pub mod response_packets;
pub mod root;
pub mod scramble;
pub mod server;
