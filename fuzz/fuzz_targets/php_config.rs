//! Organizr's `config.php` through the hand-written PHP-subset parser.
//! Invariants: no panic, no stack overflow (nested arrays), error positions
//! inside the text, secrets redacted from `Debug`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| organizr_auth_fuzz::php_config(data));
