//! Ours against jsonwebtoken 11 on well-signed tokens with arbitrary headers
//! and claims: whatever ours accepts, jsonwebtoken (configured alike) must
//! accept and read alike, unless the difference is a documented, deliberate
//! one (`known_difference` in `fuzz/checks/src/differential.rs`, fuzz/README.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| organizr_auth_fuzz_checks::differential::differential(data));
