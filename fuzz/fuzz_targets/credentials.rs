//! A whole request (peer, headers, query, policy; a line-based text format so
//! that seeds are real requests) through `Authenticator::resolve` and `process`.
//! Invariants: an untrusted peer's identity headers never survive `process`,
//! never give a `Source::Proxy` identity; `process` agrees with `resolve`;
//! every identity is backed by the credential it names.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| organizr_auth_fuzz_checks::credentials::credentials(data));
