#![no_main]
//! Fuzz target: `daemonauth::fuzz::cvs_root` (see src/fuzz.rs for what it feeds and checks).
libfuzzer_sys::fuzz_target!(|data: &[u8]| daemonauth::fuzz::cvs_root(data));
