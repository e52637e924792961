//! The C API of host authentication (`daemonauth_hostauth_*`, `include/daemonauth/hostauth.h`):
//! converts and checks arguments, then calls the safe code of [`crate::hostauth`].

mod registry;
mod session;
#[cfg(feature = "test-hooks")]
mod test_hooks;
