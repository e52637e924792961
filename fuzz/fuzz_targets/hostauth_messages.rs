#![no_main]
//! Fuzz target: `daemonauth::fuzz::hostauth_messages` (see src/fuzz.rs for what it feeds and checks).
libfuzzer_sys::fuzz_target!(|data: &[u8]| daemonauth::fuzz::hostauth_messages(data));
