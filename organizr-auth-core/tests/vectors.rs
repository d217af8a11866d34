//! Real tokens made by Organizr's own JWT library (lcobucci/jwt 4.1.5 with
//! Organizr's exact builder calls), copied from the project's shared vectors.
//! Each must validate to the listed user and level, or be refused for the listed
//! reason; accepted ones must also pass `jsonwebtoken` with equivalent strict
//! validation, our oracle.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use organizr_auth_core::{GroupLevel, Secret, TokenError, TokenValidator};
use serde::Deserialize;

#[derive(Deserialize)]
struct Vectors {
    #[serde(rename = "organizrHash")]
    organizr_hash: String,
    uuid: String,
    tokens: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    case: String,
    token: String,
    expect: String,
    username: String,
    group_id: u16,
}

fn vectors() -> Vectors {
    let text = include_str!("data/organizr-tokens.json");
    serde_json::from_str(text).unwrap()
}

#[test]
fn organizr_vectors_validate_to_listed_users() {
    let v = vectors();
    assert_eq!(v.uuid, "0b7e4c1a-5d2f-4e8b-9a6c-3f1d2e7b8c90");
    let validator = TokenValidator::new(&Secret::new(&v.organizr_hash).unwrap());
    let mut accepted = 0;
    for t in &v.tokens {
        let got = validator.validate(&t.token);
        match t.expect.as_str() {
            "accept" => {
                let claims = got.unwrap_or_else(|e| panic!("{}: refused: {e}", t.case));
                assert_eq!(claims.username, t.username, "{}", t.case);
                assert_eq!(
                    claims.group_id,
                    GroupLevel::new(t.group_id).unwrap(),
                    "{}",
                    t.case
                );
                accepted += 1;
            }
            "reject: expired" => assert_eq!(got, Err(TokenError::Expired), "{}", t.case),
            other => panic!("unknown expectation {other}"),
        }
    }
    assert_eq!(accepted, 3);
}

#[test]
fn organizr_vectors_fail_under_another_key() {
    let v = vectors();
    let validator = TokenValidator::new(&Secret::new("some-other-organizr-hash").unwrap());
    for t in &v.tokens {
        assert_eq!(
            validator.validate(&t.token),
            Err(TokenError::InvalidSignature),
            "{}",
            t.case
        );
    }
}

#[test]
fn float_times_keep_microseconds() {
    let v = vectors();
    let validator = TokenValidator::new(&Secret::new(&v.organizr_hash).unwrap());
    let claims = validator.validate(&v.tokens[0].token).unwrap();
    assert_eq!(claims.issued_at, Some(1795469493.991632));
    assert_eq!(claims.email.as_deref(), Some("root@example.org"));
    assert_eq!(claims.user_id, Some(1));
    assert_eq!(claims.group.as_deref(), Some("Admin"));
}

/// What jsonwebtoken decodes Organizr's claims into.
#[derive(Deserialize, Debug)]
struct OracleClaims {
    name: String,
    #[serde(rename = "groupID")]
    group_id: u16,
}

#[test]
fn jsonwebtoken_oracle_agrees_on_accepted_vectors() {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
    let v = vectors();
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&["Organizr"]);
    validation.set_audience(&["Organizr"]);
    validation.validate_nbf = true;
    validation.leeway = 30;
    let key = DecodingKey::from_secret(v.organizr_hash.as_bytes());
    for t in &v.tokens {
        let oracle = decode::<OracleClaims>(&t.token, &key, &validation);
        match t.expect.as_str() {
            "accept" => {
                let data = oracle.unwrap_or_else(|e| panic!("{}: oracle refused: {e}", t.case));
                assert_eq!(data.claims.name, t.username);
                assert_eq!(data.claims.group_id, t.group_id);
            }
            _ => assert!(oracle.is_err(), "{}: oracle accepted", t.case),
        }
    }
}
