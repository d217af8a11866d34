//! Trusted-proxy identity header values (`u<value>` / `g<value>` lines) through
//! `Authenticator::resolve` from a trusted proxy. Invariants: a name is the
//! value trimmed, never converted, clean and comma-free; a level is <= 999;
//! repetition is always refused.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| organizr_auth_fuzz_checks::proxy::proxy_header(data));
