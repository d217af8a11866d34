//! Every hostile token shape of the project's spec (§6), each pinned to the rule
//! that refuses it. Tokens are signed with the right key unless the case is about
//! the signature, so a refusal proves the rule, not a bad MAC.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use organizr_auth_core::token::MAX_TOKEN_LEN;
use organizr_auth_core::{Secret, TokenError, TokenValidator};
use sha2::Sha256;

const KEY: &str = "hostile-test-organizr-hash";
const HEADER: &str = r#"{"typ":"JWT","alg":"HS256"}"#;
/// A valid Organizr claim set; `exp` in 2100, `iat`/`nbf` in 2020.
const CLAIMS: &str = r#"{"iss":"Organizr","aud":"Organizr","jti":"4f1g23a12aa","iat":1600000000.5,"nbf":1600000000.5,"exp":4102444800.25,"name":"root","group":"Admin","groupID":0,"email":"","image":"","userID":1}"#;

fn mac(input: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    m.update(input);
    m.finalize().into_bytes().to_vec()
}

/// header.payload.signature with the right key, from raw JSON bytes.
fn sign(header: &[u8], payload: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(mac(input.as_bytes())))
}

/// Signs an already-encoded signing input.
fn sign_input(input: &str) -> String {
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(mac(input.as_bytes())))
}

fn claims_with(extra: &str) -> String {
    // Replace the closing brace to append members (which may duplicate keys).
    format!("{},{extra}}}", &CLAIMS[..CLAIMS.len() - 1])
}

fn validator() -> TokenValidator {
    TokenValidator::new(&Secret::new(KEY).unwrap())
}

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

#[test]
fn baseline_is_accepted() {
    let claims = validator()
        .validate_at(&sign(HEADER.as_bytes(), CLAIMS.as_bytes()), now())
        .unwrap();
    assert_eq!(claims.username, "root");
}

#[test]
fn hostile_tokens_are_refused_by_the_right_rule() {
    use TokenError::*;
    let good = sign(HEADER.as_bytes(), CLAIMS.as_bytes());
    let (good_input, good_sig) = good.rsplit_once('.').unwrap();
    let enc = |s: &str| URL_SAFE_NO_PAD.encode(s);
    let payload = enc(CLAIMS);
    let with_header = |h: &str| sign(h.as_bytes(), CLAIMS.as_bytes());
    let with_claims = |c: &str| sign(HEADER.as_bytes(), c.as_bytes());
    // A claim set whose standard-alphabet encoding has `+` or `/` ("???" encodes
    // to "Pz8/" at the right alignment).
    let slashy_claims = (0..3)
        .map(|pad| claims_with(&format!(r#""pad":"{}???""#, "x".repeat(pad))))
        .find(|c| {
            STANDARD
                .encode(c)
                .trim_end_matches('=')
                .contains(['+', '/'])
        })
        .unwrap();

    let cases: Vec<(&str, String, TokenError)> = vec![
        // Algorithm pinning.
        (
            "alg_none",
            with_header(r#"{"typ":"JWT","alg":"none"}"#),
            WrongAlgorithm,
        ),
        (
            "alg_none_unsigned",
            format!("{}.{payload}.", enc(r#"{"alg":"none"}"#)),
            Malformed("token has an empty segment"),
        ),
        (
            "alg_hs384",
            with_header(r#"{"typ":"JWT","alg":"HS384"}"#),
            WrongAlgorithm,
        ),
        (
            "alg_rs256",
            with_header(r#"{"typ":"JWT","alg":"RS256"}"#),
            WrongAlgorithm,
        ),
        (
            "alg_es256",
            with_header(r#"{"typ":"JWT","alg":"ES256"}"#),
            WrongAlgorithm,
        ),
        (
            "alg_lowercase",
            with_header(r#"{"typ":"JWT","alg":"hs256"}"#),
            WrongAlgorithm,
        ),
        (
            "alg_missing",
            with_header(r#"{"typ":"JWT"}"#),
            MissingClaim("alg"),
        ),
        (
            "alg_array",
            with_header(r#"{"alg":["HS256"]}"#),
            Malformed("header is not valid JSON"),
        ),
        // Key confusion: a public-key header with an HMAC made from "the public key".
        (
            "key_confusion_rs256_jwk",
            with_header(r#"{"alg":"RS256","jwk":{"kty":"oct","k":"aGVsbG8"}}"#),
            WrongAlgorithm,
        ),
        // Signatures.
        (
            "signature_stripped",
            format!("{good_input}."),
            Malformed("token has an empty segment"),
        ),
        (
            "signature_truncated",
            format!("{good_input}.{}", &good_sig[..42]),
            InvalidSignature,
        ),
        (
            "signature_one_char",
            format!(
                "{good_input}.{}{}",
                if good_sig.starts_with('A') { 'B' } else { 'A' },
                &good_sig[1..]
            ),
            InvalidSignature,
        ),
        (
            "signature_wrong_key",
            {
                let mut m = Hmac::<Sha256>::new_from_slice(b"another-key").unwrap();
                m.update(good_input.as_bytes());
                format!(
                    "{good_input}.{}",
                    URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
                )
            },
            InvalidSignature,
        ),
        (
            "signature_padded",
            format!("{good_input}.{good_sig}="),
            InvalidSignature,
        ),
        (
            "signature_standard_alphabet",
            {
                let sig = STANDARD.encode(URL_SAFE_NO_PAD.decode(good_sig).unwrap());
                format!("{good_input}.{}", sig.trim_end_matches('='))
            },
            if good_sig.contains(['-', '_']) {
                InvalidSignature
            } else {
                TokenError::Expired
            },
        ),
        // Encoding of the signed segments.
        (
            "payload_padded",
            sign_input(&format!("{}.{}", enc(HEADER), URL_SAFE.encode(CLAIMS))),
            if URL_SAFE.encode(CLAIMS).ends_with('=') {
                Malformed("segment is not base64url")
            } else {
                Expired
            },
        ),
        (
            "payload_plus_slash",
            sign_input(&format!(
                "{}.{}",
                enc(HEADER),
                STANDARD.encode(&slashy_claims).trim_end_matches('=')
            )),
            Malformed("segment is not base64url"),
        ),
        (
            "whitespace_inside",
            sign_input(&format!("{}.{} ", enc(HEADER), payload)),
            Malformed("segment is not base64url"),
        ),
        (
            "whitespace_leading",
            format!(" {good}"),
            Malformed("segment is not base64url"),
        ),
        ("newline_trailing", format!("{good}\n"), InvalidSignature),
        (
            "two_segments",
            good_input.to_owned(),
            Malformed("token does not have three segments"),
        ),
        (
            "four_segments",
            format!("{good}.{good_sig}"),
            Malformed("token does not have three segments"),
        ),
        (
            "empty_header",
            sign_input(&format!(".{payload}")),
            Malformed("token has an empty segment"),
        ),
        (
            "empty_payload",
            sign_input(&format!("{}.", enc(HEADER))),
            Malformed("token has an empty segment"),
        ),
        (
            "empty_token",
            String::new(),
            Malformed("token does not have three segments"),
        ),
        (
            "dots_only",
            "..".to_owned(),
            Malformed("token has an empty segment"),
        ),
        // JSON shape.
        (
            "header_array",
            with_header(r#"["HS256"]"#),
            Malformed("header is not a JSON object"),
        ),
        (
            "payload_array",
            with_claims(r#"["root",0]"#),
            Malformed("payload is not a JSON object"),
        ),
        (
            "payload_string",
            with_claims(r#""root""#),
            Malformed("payload is not a JSON object"),
        ),
        (
            "payload_invalid_utf8",
            sign(
                HEADER.as_bytes(),
                &[b"{\"name\":\"".as_slice(), &[0xff, 0xfe], b"\"}"].concat(),
            ),
            Malformed("payload is not valid claims JSON"),
        ),
        (
            "header_bom",
            sign(
                &[&[0xEF, 0xBB, 0xBF][..], HEADER.as_bytes()].concat(),
                CLAIMS.as_bytes(),
            ),
            Malformed("header is not a JSON object"),
        ),
        (
            "payload_bom",
            sign(
                HEADER.as_bytes(),
                &[&[0xEF, 0xBB, 0xBF][..], CLAIMS.as_bytes()].concat(),
            ),
            Malformed("payload is not a JSON object"),
        ),
        (
            "payload_trailing_bytes",
            with_claims(&format!("{CLAIMS}{{}}")),
            Malformed("payload is not valid claims JSON"),
        ),
        (
            "payload_trailing_space",
            with_claims(&format!("{CLAIMS} ")),
            Malformed("payload is not a JSON object"),
        ),
        (
            "header_trailing_bytes",
            with_header(&format!("{HEADER}x")),
            Malformed("header is not a JSON object"),
        ),
        (
            "aud_nested_deep",
            with_claims(&CLAIMS.replace(
                r#""aud":"Organizr""#,
                &format!(r#""aud":{}{}"#, "[".repeat(1000), "]".repeat(1000)),
            )),
            BadClaimType("aud"),
        ),
        // Header parameters that change processing.
        (
            "header_crit",
            with_header(r#"{"alg":"HS256","crit":["exp"]}"#),
            UnsupportedHeader("crit"),
        ),
        (
            "header_crit_null",
            with_header(r#"{"alg":"HS256","crit":null}"#),
            UnsupportedHeader("crit"),
        ),
        (
            "header_enc",
            with_header(r#"{"alg":"HS256","enc":"A128GCM"}"#),
            UnsupportedHeader("enc"),
        ),
        (
            "header_zip",
            with_header(r#"{"alg":"HS256","zip":"DEF"}"#),
            UnsupportedHeader("zip"),
        ),
        (
            "header_b64",
            with_header(r#"{"alg":"HS256","b64":false}"#),
            UnsupportedHeader("b64"),
        ),
        (
            "header_duplicate_alg",
            with_header(r#"{"alg":"none","alg":"HS256"}"#),
            Malformed("header is not valid JSON"),
        ),
        // Issuer and audience.
        (
            "iss_array",
            with_claims(&CLAIMS.replace(r#""iss":"Organizr""#, r#""iss":["Organizr"]"#)),
            BadClaimType("iss"),
        ),
        (
            "iss_other",
            with_claims(&CLAIMS.replace(r#""iss":"Organizr""#, r#""iss":"Organizr2""#)),
            WrongIssuer,
        ),
        (
            "iss_case",
            with_claims(&CLAIMS.replace(r#""iss":"Organizr""#, r#""iss":"organizr""#)),
            WrongIssuer,
        ),
        (
            "iss_missing",
            with_claims(&CLAIMS.replace(r#""iss":"Organizr","#, "")),
            MissingClaim("iss"),
        ),
        (
            "aud_other",
            with_claims(&CLAIMS.replace(r#""aud":"Organizr""#, r#""aud":"Sonarr""#)),
            WrongAudience,
        ),
        (
            "aud_missing",
            with_claims(&CLAIMS.replace(r#""aud":"Organizr","#, "")),
            MissingClaim("aud"),
        ),
        // Times.
        (
            "exp_missing",
            with_claims(&CLAIMS.replace(r#","exp":4102444800.25"#, "")),
            MissingClaim("exp"),
        ),
        (
            "exp_string",
            with_claims(&CLAIMS.replace("4102444800.25", r#""4102444800""#)),
            BadClaimType("exp"),
        ),
        (
            "exp_past",
            with_claims(&CLAIMS.replace("4102444800.25", "1699999000")),
            Expired,
        ),
        (
            "exp_huge_exponent",
            with_claims(&CLAIMS.replace("4102444800.25", "1e999")),
            Malformed("payload is not valid claims JSON"),
        ),
        // Regression (issue 11, item 4): an `exp` no Organizr could write made a
        // token that never expires.
        (
            "exp_beyond_year_9999",
            with_claims(&CLAIMS.replace("4102444800.25", "1e20")),
            InvalidClaim("exp"),
        ),
        (
            "exp_one_second_beyond_year_9999",
            with_claims(&CLAIMS.replace("4102444800.25", "253402300800")),
            InvalidClaim("exp"),
        ),
        (
            "exp_negative",
            with_claims(&CLAIMS.replace("4102444800.25", "-1")),
            InvalidClaim("exp"),
        ),
        (
            "nbf_negative",
            with_claims(&CLAIMS.replace(r#""nbf":1600000000.5"#, r#""nbf":-1700000000"#)),
            InvalidClaim("nbf"),
        ),
        (
            "iat_beyond_year_9999",
            with_claims(&CLAIMS.replace(r#""iat":1600000000.5"#, r#""iat":1e300"#)),
            InvalidClaim("iat"),
        ),
        (
            "nbf_future",
            with_claims(&CLAIMS.replace(r#""nbf":1600000000.5"#, r#""nbf":1700000100"#)),
            NotYetValid("nbf"),
        ),
        (
            "iat_future",
            with_claims(&CLAIMS.replace(r#""iat":1600000000.5"#, r#""iat":1700000100"#)),
            NotYetValid("iat"),
        ),
        (
            "iat_string",
            with_claims(&CLAIMS.replace(r#""iat":1600000000.5"#, r#""iat":"yesterday""#)),
            BadClaimType("iat"),
        ),
        // Duplicate keys never override a checked value.
        (
            "duplicate_group_id",
            with_claims(
                &claims_with(r#""groupID":0"#).replace(r#""groupID":0,"#, r#""groupID":4,"#),
            ),
            Malformed("payload is not valid claims JSON"),
        ),
        (
            "duplicate_exp",
            with_claims(&claims_with(r#""exp":1"#)),
            Malformed("payload is not valid claims JSON"),
        ),
        // Claim values.
        (
            "group_id_out_of_range",
            with_claims(&CLAIMS.replace(r#""groupID":0"#, r#""groupID":1000"#)),
            InvalidClaim("groupID"),
        ),
        (
            "group_id_float",
            with_claims(&CLAIMS.replace(r#""groupID":0"#, r#""groupID":0.5"#)),
            BadClaimType("groupID"),
        ),
        (
            "group_id_missing",
            with_claims(&CLAIMS.replace(r#","groupID":0"#, "")),
            MissingClaim("groupID"),
        ),
        (
            "name_missing",
            with_claims(&CLAIMS.replace(r#""name":"root","#, "")),
            MissingClaim("name"),
        ),
        // Size cap, checked first.
        (
            "oversized",
            format!("{good_input}{}.{good_sig}", "A".repeat(MAX_TOKEN_LEN)),
            TooLarge {
                len: good.len() + MAX_TOKEN_LEN,
            },
        ),
    ];

    let v = validator();
    let mut failures = Vec::new();
    for (name, token, want) in &cases {
        let got = v.validate_at(token, now());
        if got.as_ref().err() != Some(want) {
            failures.push(format!("{name}: got {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn deep_nesting_in_an_unknown_claim_is_skipped_without_recursion() {
    let deep = claims_with(&format!(r#""x":{}{}"#, "[".repeat(1000), "]".repeat(1000)));
    let token = sign(HEADER.as_bytes(), deep.as_bytes());
    assert!(token.len() <= MAX_TOKEN_LEN);
    assert!(validator().validate_at(&token, now()).is_ok());
}

#[test]
fn ignored_header_parameters_do_not_matter() {
    // kid, jku, x5u and jwk name keys; there is only one key, so they are ignored
    // and can never redirect verification elsewhere.
    for h in [
        r#"{"typ":"JWT","alg":"HS256","kid":"../../etc/passwd"}"#,
        r#"{"alg":"HS256","jku":"https://evil.example/jwks.json","x5u":"https://evil.example/cert"}"#,
        r#"{"alg":"HS256","jwk":{"kty":"oct","k":"ZXZpbA"},"jti":"legacy"}"#,
    ] {
        let token = sign(h.as_bytes(), CLAIMS.as_bytes());
        assert!(validator().validate_at(&token, now()).is_ok(), "{h}");
    }
}

#[test]
fn leeway_is_applied_both_ways_and_bounded() {
    let v = validator();
    let at = |secs: u64| UNIX_EPOCH + Duration::from_secs(secs);
    let token = sign(
        HEADER.as_bytes(),
        claims_with_times(1_700_000_000, 1_700_000_100).as_bytes(),
    );
    // nbf 1_700_000_000: 29 s early passes with the default 30 s leeway, 31 s fails.
    assert!(v.validate_at(&token, at(1_699_999_971)).is_ok());
    assert_eq!(
        v.validate_at(&token, at(1_699_999_969)),
        Err(TokenError::NotYetValid("nbf"))
    );
    // exp 1_700_000_100: 29 s late passes, 30 s fails (exp is exclusive).
    assert!(v.validate_at(&token, at(1_700_000_129)).is_ok());
    assert_eq!(
        v.validate_at(&token, at(1_700_000_130)),
        Err(TokenError::Expired)
    );
    let strict = validator().with_leeway(Duration::ZERO).unwrap();
    assert_eq!(
        strict.validate_at(&token, at(1_700_000_100)),
        Err(TokenError::Expired)
    );
    assert!(strict.validate_at(&token, at(1_700_000_099)).is_ok());
    assert!(validator().with_leeway(Duration::from_secs(301)).is_err());
}

fn claims_with_times(nbf: u64, exp: u64) -> String {
    format!(
        r#"{{"iss":"Organizr","aud":"Organizr","iat":{nbf},"nbf":{nbf},"exp":{exp},"name":"root","groupID":0}}"#
    )
}

#[test]
fn errors_never_contain_the_token_or_key() {
    let secret_claims = claims_with(r#""secretmarker":"x""#);
    let token = sign(
        br#"{"alg":"none","kid":"kidmarker"}"#,
        secret_claims.as_bytes(),
    );
    let err = validator().validate_at(&token, now()).unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(&token[..20]) && !shown.contains(KEY) && !shown.contains("kidmarker"),
        "{shown}"
    );
    assert!(!format!("{:?}", validator()).contains(KEY));
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Arbitrary text never panics, and anything accepted is a sane identity.
        #[test]
        fn arbitrary_strings(s in "\\PC{0,600}") {
            if let Ok(claims) = validator().validate_at(&s, now()) {
                prop_assert!(!claims.username.is_empty());
            }
        }

        /// Mutations of a valid token (one byte replaced, inserted or removed)
        /// never panic and, except for no-op edits, are refused.
        #[test]
        fn mutated_valid_token(pos in 0usize..400, byte in any::<u8>(), op in 0u8..3) {
            let good = sign(HEADER.as_bytes(), CLAIMS.as_bytes());
            let mut bytes = good.clone().into_bytes();
            let pos = pos % bytes.len();
            match op {
                0 => bytes[pos] = byte,
                1 => bytes.insert(pos, byte),
                _ => { bytes.remove(pos); }
            }
            if let Ok(text) = String::from_utf8(bytes) {
                let result = validator().validate_at(&text, now());
                if text != good {
                    prop_assert!(result.is_err(), "mutated token accepted: {}", text);
                }
            }
        }

        /// Arbitrary JSON-ish payloads, correctly signed: never a panic, and an
        /// accepted one always came from a claim set naming Organizr.
        #[test]
        fn signed_arbitrary_payloads(payload in "\\{[ -~]{0,200}\\}") {
            let token = sign(HEADER.as_bytes(), payload.as_bytes());
            if validator().validate_at(&token, now()).is_ok() {
                prop_assert!(payload.contains("Organizr"));
            }
        }
    }
}

/// jsonwebtoken (with equivalent strict settings) accepts these; we refuse them.
/// If jsonwebtoken ever closes a gap, this test says so.
#[test]
fn gaps_closed_relative_to_jsonwebtoken() {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
    #[derive(serde::Deserialize)]
    struct Any {}
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&["Organizr"]);
    validation.set_audience(&["Organizr"]);
    validation.leeway = 30;
    let key = DecodingKey::from_secret(KEY.as_bytes());
    let cases = [
        (
            "crit header",
            sign(br#"{"alg":"HS256","crit":["exp"]}"#, CLAIMS.as_bytes()),
            TokenError::UnsupportedHeader("crit"),
        ),
        (
            "zip header",
            sign(br#"{"alg":"HS256","zip":"DEF"}"#, CLAIMS.as_bytes()),
            TokenError::UnsupportedHeader("zip"),
        ),
        (
            "iat not a number",
            sign(
                HEADER.as_bytes(),
                CLAIMS
                    .replace("\"iat\":1600000000.5", "\"iat\":\"x\"")
                    .as_bytes(),
            ),
            TokenError::BadClaimType("iat"),
        ),
        (
            "oversized",
            sign(
                HEADER.as_bytes(),
                claims_with(&format!(r#""pad":"{}""#, "x".repeat(5000))).as_bytes(),
            ),
            TokenError::TooLarge { len: 0 },
        ),
    ];
    for (name, token, want) in cases {
        let oracle = decode::<Any>(&token, &key, &validation);
        assert!(
            oracle.is_ok(),
            "{name}: jsonwebtoken now refuses it ({:?}); update this list",
            oracle.err()
        );
        let ours = validator().validate(&token).unwrap_err();
        match want {
            TokenError::TooLarge { .. } => assert!(
                matches!(ours, TokenError::TooLarge { .. }),
                "{name}: {ours:?}"
            ),
            want => assert_eq!(ours, want, "{name}"),
        }
    }
}
