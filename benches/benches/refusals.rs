//! Question 2: does refusing a token ever cost more than accepting one?
//!
//! `token/refusals` times [`TokenValidator::validate`] on, in one run:
//! - `valid`: the realistic Organizr token (the baseline);
//! - `garbage`: 431 bytes of junk without dots (refused at the split);
//! - `garbage_segments`: three base64url segments of the token's lengths that
//!   decode to junk (refused at the header);
//! - `bad_signature`: the real token with one signature character changed
//!   (refused after the HMAC);
//! - `expired`: a real, well-signed Organizr token past its `exp` (refused
//!   last, after everything else was checked);
//! - `oversized_4097` and `oversized_1mib`: tokens just over the 4096-byte cap
//!   and of 1 MiB (refused by the size cap before anything is decoded: both
//!   must cost the same);
//! - `jsonwebtoken_oversized_1mib`: the same 1 MiB token given to
//!   `jsonwebtoken::decode`, which has no size cap, for contrast.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use organizr_auth_benches as fx;
use organizr_auth_benches::OrganizrClaims;
use organizr_auth_core::{TokenError, TokenValidator};

/// A deterministic string of `len` characters from `alphabet`.
fn junk(len: usize, alphabet: &[u8], seed: u64) -> String {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            // xorshift64: reproducible junk without a random-number crate.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = usize::try_from(state % alphabet.len() as u64).unwrap();
            char::from(*alphabet.get(i).unwrap())
        })
        .collect()
}

/// The real token stretched to `len` bytes by lengthening its payload.
fn oversized(token: &str, len: usize) -> String {
    let mut parts = token.split('.');
    let (header, _, sig) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let payload = "A".repeat(len - header.len() - sig.len() - 2);
    let out = format!("{header}.{payload}.{sig}");
    assert_eq!(out.len(), len);
    out
}

fn refusals(c: &mut criterion::Criterion) {
    let validator = TokenValidator::new(&fx::secret());
    let valid = fx::realistic_token();
    let b64url = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let garbage = junk(valid.len(), b64url, 1);
    let garbage_segments = valid
        .split('.')
        .enumerate()
        .map(|(i, seg)| junk(seg.len(), b64url, 7 + i as u64))
        .collect::<Vec<_>>()
        .join(".");
    let bad_signature = {
        // Change a character in the middle of the signature (the last one
        // carries padding bits, so changing it could make the encoding invalid
        // instead of the signature wrong).
        let mut bytes = valid.clone().into_bytes();
        let i = bytes.len() - 20;
        let byte = bytes.get_mut(i).unwrap();
        *byte = if *byte == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    let expired = fx::expired_token();
    let just_over = oversized(&valid, 4097);
    let one_mib = oversized(&valid, 1 << 20);

    let cases: [(&str, &str, Option<TokenError>); 7] = [
        ("valid", &valid, None),
        (
            "garbage",
            &garbage,
            Some(TokenError::Malformed("token does not have three segments")),
        ),
        (
            "garbage_segments",
            &garbage_segments,
            Some(TokenError::Malformed("header is not a JSON object")),
        ),
        (
            "bad_signature",
            &bad_signature,
            Some(TokenError::InvalidSignature),
        ),
        ("expired", &expired, Some(TokenError::Expired)),
        (
            "oversized_4097",
            &just_over,
            Some(TokenError::TooLarge { len: 4097 }),
        ),
        (
            "oversized_1mib",
            &one_mib,
            Some(TokenError::TooLarge { len: 1 << 20 }),
        ),
    ];

    let mut g = c.benchmark_group("token/refusals");
    for (name, token, want) in cases {
        // Each input is refused for the reason its name says, before timing.
        assert_eq!(validator.validate(token).err(), want, "{name}");
        g.bench_function(name, |b| b.iter(|| validator.validate(black_box(token))));
    }

    let key = DecodingKey::from_secret(fx::organizr_hash().as_bytes());
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&["Organizr"]);
    validation.set_audience(&["Organizr"]);
    assert!(jsonwebtoken::decode::<OrganizrClaims>(&one_mib, &key, &validation).is_err());
    g.bench_function("jsonwebtoken_oversized_1mib", |b| {
        b.iter(|| jsonwebtoken::decode::<OrganizrClaims>(black_box(&one_mib), &key, &validation))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = fx::criterion();
    targets = refusals
}
criterion_main!(benches);
