//! Question 1: what does validating a real Organizr token cost, against what a
//! generic JWT library runs per request and against the floors any validator
//! must pay?
//!
//! `token/validate` compares, in one run and on the same 431-byte token
//! (387-byte signing input, float times, Organizr's full claim set):
//! - `organizr_auth`: [`TokenValidator::validate`], every check in place;
//! - `jsonwebtoken_decode`: `jsonwebtoken::decode` into [`OrganizrClaims`] with
//!   the equivalent strict validation (HS256 only, `iss` and `aud` "Organizr",
//!   `exp` required, `nbf` checked, 30 s leeway) plus the checks jsonwebtoken
//!   has no option for (`iat`, clean non-empty `name`, `groupID` <= 999): what
//!   jwt-authorizer and axum-jwt-auth run per request;
//! - `floor_hmac_*`: HMAC-SHA256 over the signing input and nothing else, with a
//!   key schedule computed per call (`fresh_key`, as jsonwebtoken does) and with
//!   a precomputed keyed state cloned per call (`keyed_clone`, as ours does);
//! - `floor_hmac_b64_json_*`: HMAC (both ways) + base64url-decoding the payload
//!   + deserialising it into [`OrganizrClaims`]: the least any validator does.
//!
//! `token/stages` splits ours into its public parts, to show where time goes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use organizr_auth_benches as fx;
use organizr_auth_benches::OrganizrClaims;
use organizr_auth_core::{Claims, TokenValidator};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// jsonwebtoken's closest equivalent to our rules.
fn strict_validation() -> Validation {
    let mut v = Validation::new(Algorithm::HS256);
    v.set_issuer(&["Organizr"]);
    v.set_audience(&["Organizr"]);
    v.set_required_spec_claims(&["exp", "iss", "aud"]);
    v.validate_exp = true;
    v.validate_nbf = true;
    v.leeway = 30;
    v
}

/// `jsonwebtoken::decode`, then the checks it has no switch for.
fn jsonwebtoken_validate(
    token: &str,
    key: &DecodingKey,
    validation: &Validation,
) -> Option<OrganizrClaims> {
    let data = jsonwebtoken::decode::<OrganizrClaims>(token, key, validation).ok()?;
    let claims = data.claims;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let clean = !claims.name.is_empty() && !claims.name.chars().any(char::is_control);
    (claims.iat <= now + 30.0 && clean && claims.group_id <= 999).then_some(claims)
}

/// HMAC-SHA256 with the key schedule computed for this call.
fn hmac_fresh(key: &[u8], input: &[u8], sig: &[u8; 32]) -> bool {
    let mut mac = HmacSha256::new_from_slice(key).unwrap();
    mac.update(input);
    mac.verify_slice(sig).is_ok()
}

/// HMAC-SHA256 from a precomputed keyed state.
fn hmac_keyed(keyed: &HmacSha256, input: &[u8], sig: &[u8; 32]) -> bool {
    let mut mac = keyed.clone();
    mac.update(input);
    mac.verify_slice(sig).is_ok()
}

/// The floor: signature, payload base64url, payload JSON into the claims struct.
fn floor(mac_ok: bool, payload_b64: &str) -> Option<OrganizrClaims> {
    if !mac_ok {
        return None;
    }
    let payload = URL_SAFE_NO_PAD.decode(payload_b64).ok()?;
    serde_json::from_slice(&payload).ok()
}

fn decode_sig(token: &str) -> [u8; 32] {
    let mut sig = [0u8; 32];
    let n = URL_SAFE_NO_PAD
        .decode_slice(fx::signature_segment(token), &mut sig)
        .unwrap();
    assert_eq!(n, 32);
    sig
}

fn validate(c: &mut criterion::Criterion) {
    let token = fx::realistic_token();
    let key = fx::organizr_hash();
    let key = key.as_bytes();
    let input = fx::signing_input(&token).as_bytes();
    let payload = fx::payload_segment(&token);
    let sig = decode_sig(&token);
    assert_eq!(input.len(), 387, "the realistic token's signing input");

    let ours = TokenValidator::new(&fx::secret());
    let jwt_key = DecodingKey::from_secret(key);
    let jwt_validation = strict_validation();
    let keyed = HmacSha256::new_from_slice(key).unwrap();

    // Every contender accepts the token before anything is timed.
    assert_eq!(ours.validate(&token).unwrap().username, "root");
    assert_eq!(
        jsonwebtoken_validate(&token, &jwt_key, &jwt_validation)
            .unwrap()
            .name,
        "root"
    );
    assert!(hmac_fresh(key, input, &sig) && hmac_keyed(&keyed, input, &sig));
    assert_eq!(floor(true, payload).unwrap().group_id, 0);

    let mut g = c.benchmark_group("token/validate");
    g.bench_function("organizr_auth", |b| {
        b.iter(|| ours.validate(black_box(&token)))
    });
    g.bench_function("jsonwebtoken_decode", |b| {
        b.iter(|| jsonwebtoken_validate(black_box(&token), &jwt_key, &jwt_validation))
    });
    g.bench_function("floor_hmac_fresh_key", |b| {
        b.iter(|| hmac_fresh(black_box(key), black_box(input), &sig))
    });
    g.bench_function("floor_hmac_keyed_clone", |b| {
        b.iter(|| hmac_keyed(&keyed, black_box(input), &sig))
    });
    g.bench_function("floor_hmac_b64_json_fresh_key", |b| {
        b.iter(|| {
            floor(
                hmac_fresh(black_box(key), black_box(input), &sig),
                black_box(payload),
            )
        })
    });
    g.bench_function("floor_hmac_b64_json_keyed_clone", |b| {
        b.iter(|| {
            floor(
                hmac_keyed(&keyed, black_box(input), &sig),
                black_box(payload),
            )
        })
    });
    g.finish();
}

fn stages(c: &mut criterion::Criterion) {
    let token = fx::realistic_token();
    let key = fx::organizr_hash();
    let (header_b64, _) = token.split_once('.').unwrap();
    let payload_b64 = fx::payload_segment(&token);
    let payload = URL_SAFE_NO_PAD.decode(payload_b64).unwrap();
    let keyed = HmacSha256::new_from_slice(key.as_bytes()).unwrap();
    let input = fx::signing_input(&token).as_bytes();
    let sig = decode_sig(&token);

    let mut g = c.benchmark_group("token/stages");
    g.bench_function("b64_header_to_stack", |b| {
        b.iter(|| {
            let mut buf = [0u8; 64];
            URL_SAFE_NO_PAD.decode_slice(black_box(header_b64), &mut buf)
        })
    });
    g.bench_function("b64_signature_to_stack", |b| {
        b.iter(|| decode_sig(black_box(&token)))
    });
    g.bench_function("hmac_keyed_clone_verify", |b| {
        b.iter(|| hmac_keyed(&keyed, black_box(input), &sig))
    });
    g.bench_function("b64_payload_to_stack", |b| {
        b.iter(|| {
            let mut buf = [0u8; 512];
            URL_SAFE_NO_PAD
                .decode_slice(black_box(payload_b64), &mut buf)
                .map(|n| black_box(&buf).get(..n).map(<[u8]>::len))
        })
    });
    g.bench_function("b64_payload_to_vec", |b| {
        b.iter(|| URL_SAFE_NO_PAD.decode(black_box(payload_b64)))
    });
    g.bench_function("claims_from_json", |b| {
        b.iter(|| Claims::from_json(black_box(&payload)))
    });
    g.bench_function("serde_json_into_struct", |b| {
        b.iter(|| serde_json::from_slice::<OrganizrClaims>(black_box(&payload)))
    });
    g.bench_function("system_time_now", |b| b.iter(SystemTime::now));
    g.finish();
}

criterion_group! {
    name = benches;
    config = fx::criterion();
    targets = validate, stages
}
criterion_main!(benches);
