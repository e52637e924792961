#![no_main]
//! Fuzz target: `daemonauth::fuzz::responder_sources` (see src/fuzz.rs for what it feeds and checks).
libfuzzer_sys::fuzz_target!(|data: &[u8]| daemonauth::fuzz::responder_sources(data));
