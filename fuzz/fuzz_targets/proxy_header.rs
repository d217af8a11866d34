//! Trusted-proxy identity header values (`u<value>` / `g<value>` lines) through
//! `parse_user_header` and `parse_group_header`. Invariants: a name is the
//! value trimmed, never converted, clean and comma-free; a level is <= 999;
//! repetition is always refused.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| organizr_auth_fuzz::proxy_header(data));
