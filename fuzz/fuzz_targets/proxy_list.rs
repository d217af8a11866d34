//! Navidrome-style trusted-proxy lists through `TrustedProxies::parse`.
//! Invariants: errors name the bad entry; `Display` round-trips; the sorted
//! range lookup agrees with a naive scan of `networks()` on every edge.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| organizr_auth_fuzz_checks::proxy::proxy_list(data));
