//! The host-authentication C API (`daemonauth_hostauth_*`, header `daemonauth/hostauth.h`):
//! converts and checks arguments, then calls the safe code of [`crate::hostauth`].

mod session;
