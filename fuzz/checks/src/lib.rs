//! The property every fuzz target checks, one module per target: the fuzz
//! target `fuzz/fuzz_targets/X.rs` calls `organizr_auth_fuzz_checks::X::X`, in
//! `src/X.rs` here (`proxy_list` and `proxy_header` share `src/proxy.rs`).
//!
//! This crate is a member of the root workspace, so `cargo test --workspace`
//! replays every committed input of `fuzz/corpus/<target>/` (the minimised
//! corpus and every crash input found, `crash-*`) through the same functions
//! on the stable toolchain (`tests/replay.rs`), and the bugs fuzzing found are
//! pinned in `tests/regressions.rs`. The cargo-fuzz project in `fuzz/`
//! depends on it, so the fuzzers and the tests cannot drift apart.
//!
//! Inputs are plain bytes decoded by hand rather than with `arbitrary`: text
//! inputs make the seeds readable real requests and tokens.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use organizr_auth_core::{Claims, Secret, TokenValidator};

pub mod credentials;
pub mod differential;
pub mod php_config;
pub mod proxy;
pub mod token_validate;

/// The key and uuid of the real Organizr tokens in
/// `tests/data/organizr-tokens.json`, so that corpora can carry real tokens.
pub const KEY: &str = "vectors-organizr-hash-7Qm2";
pub const UUID: &str = "0b7e4c1a-5d2f-4e8b-9a6c-3f1d2e7b8c90";
/// A 20-character API key, as Organizr generates them.
pub const API_KEY: &str = "Fz9Qm2Lk8Xw4Rt6Yp1Hs";
/// Trusted proxies of the `credentials` configurations.
pub const TRUSTED: &str = "10.0.0.0/8, fd00::/8, @";
/// The fixed clock of `validate_at` in `token_validate`: an hour after the
/// real tokens were issued (they expire in 2036).
pub const FIXED_NOW: u64 = 1_795_473_093;
/// Our default leeway, in seconds.
pub const LEEWAY: f64 = 30.0;

pub fn secret() -> Secret {
    Secret::new(KEY).unwrap()
}

pub fn validator() -> &'static TokenValidator {
    static V: OnceLock<TokenValidator> = OnceLock::new();
    V.get_or_init(|| TokenValidator::new(&secret()))
}

pub fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// HS256 over `signing_input`, base64url: written here rather than taken from
/// `mint`, so that it is an independent implementation.
pub fn mac_b64(signing_input: &[u8]) -> String {
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(signing_input);
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// A well-signed token around any header and payload bytes.
pub fn sign(header: &[u8], payload: &[u8]) -> String {
    let mut token = URL_SAFE_NO_PAD.encode(header);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(payload, &mut token);
    let signature = mac_b64(token.as_bytes());
    token.push('.');
    token.push_str(&signature);
    assert_eq!(
        token,
        organizr_auth_core::mint::sign_raw(header, payload, &secret())
    );
    token
}

/// Non-empty, no control characters: what core promises for every text it
/// hands out.
pub fn assert_clean(what: &str, s: &str) {
    assert!(!s.is_empty(), "{what} is empty");
    assert!(
        !s.chars().any(char::is_control),
        "{what} has control characters: {s:?}"
    );
}

/// Visible text, as core's `text` module defines it: clean, and no format
/// character (general category Cf) and no whitespace but the ASCII space. The
/// Cf list here is Unicode 16.0's, written out independently of core's table.
pub fn assert_visible(what: &str, s: &str) {
    assert_clean(what, s);
    let format = |c: char| {
        matches!(
            c,
            '\u{AD}'
                | '\u{600}'..='\u{605}'
                | '\u{61C}'
                | '\u{6DD}'
                | '\u{70F}'
                | '\u{890}'..='\u{891}'
                | '\u{8E2}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{110BD}'
                | '\u{110CD}'
                | '\u{13430}'..='\u{1343F}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0001}'
                | '\u{E0020}'..='\u{E007F}'
        )
    };
    assert!(
        !s.chars()
            .any(|c| format(c) || (c.is_whitespace() && c != ' ')),
        "{what} has invisible characters: {s:?}"
    );
}

pub fn assert_clean_claims(c: &Claims) {
    // Names and e-mail addresses identify users: visible text (issue 15
    // finding 7). A group's name only needs to be clean.
    assert_visible("username", &c.username);
    assert!(c.group_id.get() <= 999);
    if let Some(group) = &c.group {
        assert_clean("group", group);
    }
    if let Some(email) = &c.email {
        assert_visible("email", email);
    }
    assert!(c.expires_at.is_finite());
}
