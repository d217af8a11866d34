//! Organizr's `config.php` through the hand-written PHP-subset parser.
//! Invariants: no panic, no stack overflow (nested arrays), error positions
//! inside the text, secrets redacted from `Debug`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| organizr_auth_fuzz_checks::php_config::php_config(data));
