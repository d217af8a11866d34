//! Hostile tokens (SPEC §6) against `TokenValidator::validate`, `validate_at`
//! at a fixed time, `Claims::from_json`, and a re-signed copy of the input (the
//! fuzzer cannot forge the MAC, so re-signing is how it reaches the claims).
//! Invariants: see `fuzz/checks/src/token_validate.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| organizr_auth_fuzz_checks::token_validate::token_validate(data));
