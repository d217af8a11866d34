//! `token_validate`: a token through the validator, its claims against the
//! payload, and re-signed so the fuzzer reaches the claim parser.

#[allow(unused_imports)]
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
#[allow(unused_imports)]
use std::sync::{Arc, OnceLock};
#[allow(unused_imports)]
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[allow(unused_imports)]
use base64::Engine as _;
#[allow(unused_imports)]
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
#[allow(unused_imports)]
use http::{HeaderMap, HeaderName, HeaderValue};
#[allow(unused_imports)]
use organizr_auth_core::{
    API_KEY_USER, ApiKey, Authentication, Authenticator, Claims, Config, DOWNSTREAM_HEADERS,
    Denial, GroupLevel, Peer, Policy, ProxyHeaderError, ProxyListError, RequestHead, Secret,
    Source, TokenError, TokenValidator, TrustedProxies, Verdict, php_config::OrganizrPhpConfig,
};
#[allow(unused_imports)]
use serde::Deserialize;
#[allow(unused_imports)]
use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
#[allow(unused_imports)]
use serde_json::Value;

#[allow(unused_imports)]
use crate::*;

/// `token_validate`: the input is a token (skipped unless UTF-8: a token is
/// text, and a lossy conversion would test some other token). Besides
/// `validate` and `validate_at`, the input goes to `Claims::from_json` as a
/// payload, and is re-signed: without the key the fuzzer never gets past the
/// MAC, so re-signing `header.payload` is what lets it reach the claim parser
/// through the whole validator.
pub fn token_validate(data: &[u8]) {
    if let Ok(claims) = Claims::from_json(data) {
        assert_clean_claims(&claims);
        check_payload_agrees(data, &claims);
    }
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let v = validator();
    let now = SystemTime::now();
    check_outcome(token, v.validate(token), now);
    check_outcome(token, v.validate_at(token, at(FIXED_NOW)), at(FIXED_NOW));
    if let Some((signing_input, _)) = token.rsplit_once('.') {
        let resigned = format!("{signing_input}.{}", mac_b64(signing_input.as_bytes()));
        check_outcome(
            &resigned,
            v.validate_at(&resigned, at(FIXED_NOW)),
            at(FIXED_NOW),
        );
    }
}

fn check_outcome(token: &str, outcome: Result<Claims, TokenError>, now: SystemTime) {
    match outcome {
        Ok(claims) => {
            let now = now.duration_since(UNIX_EPOCH).unwrap().as_secs_f64();
            check_accepted(token, &claims, now);
        }
        Err(e) => {
            // Errors say which rule failed, never the token. (Only for
            // token-shaped inputs: the fuzzer soon learns to send the text
            // of an error message as the "token".)
            if token.len() >= 16 && token.matches('.').count() == 2 {
                assert!(!e.to_string().contains(token) && !format!("{e:?}").contains(token));
            }
            if let TokenError::TooLarge { len } = e {
                assert_eq!(len, token.len());
                assert!(len > organizr_auth_core::token::MAX_TOKEN_LEN);
            }
        }
    }
}

/// Re-checks an accepted token against SPEC §6 independently of the
/// validator: plain `serde_json::Value` (where a duplicate key's *last* value
/// wins, so any duplicate that slipped through and changed a checked claim
/// shows up as a mismatch) and plain base64.
pub fn check_accepted(token: &str, claims: &Claims, now: f64) {
    assert!(token.len() <= organizr_auth_core::token::MAX_TOKEN_LEN);
    assert_clean_claims(claims);
    let segments: Vec<&str> = token.split('.').collect();
    assert_eq!(segments.len(), 3, "accepted a token without 3 segments");
    let mut decoded = Vec::new();
    for s in &segments {
        assert!(!s.is_empty(), "accepted an empty segment");
        let bytes = URL_SAFE_NO_PAD
            .decode(s)
            .expect("accepted a segment that is not base64url");
        // Canonical: exactly one spelling of each byte string is accepted.
        assert_eq!(
            &URL_SAFE_NO_PAD.encode(&bytes),
            s,
            "accepted a non-canonical segment"
        );
        decoded.push(bytes);
    }
    assert_eq!(decoded[2].len(), 32);
    assert_eq!(
        mac_b64(format!("{}.{}", segments[0], segments[1]).as_bytes()),
        segments[2]
    );

    let header = plain_object(&decoded[0], &["alg", "crit", "enc", "zip", "b64"])
        .expect("accepted a header that is not a JSON object");
    assert_eq!(
        header.get("alg"),
        Some(&Value::from("HS256")),
        "accepted a non-HS256 alg"
    );
    for p in ["crit", "enc", "zip", "b64"] {
        assert!(!header.contains_key(p), "accepted a `{p}` header");
    }
    check_payload_agrees(&decoded[1], claims);
    let (exp, leeway) = (claims.expires_at, LEEWAY);
    assert!(now < exp + leeway, "accepted an expired token");
    for t in [claims.not_before, claims.issued_at].into_iter().flatten() {
        assert!(t <= now + leeway, "accepted a token from the future");
    }
}

/// The values of `keys` in a JSON object, read the plain way: the *last*
/// copy of a repeated key wins (core refuses repeats instead, so a repeat
/// that slipped through shows up as a mismatch). Other keys are skipped as
/// core and jsonwebtoken skip them, with `IgnoredAny`, which checks the
/// structure but not number ranges or `\u` surrogate pairs (see
/// fuzz/README.md); the bytes must be UTF-8 all the same (SPEC §6).
fn plain_object(json: &[u8], keys: &[&str]) -> Option<serde_json::Map<String, Value>> {
    struct Known<'k>(&'k [&'k str]);
    impl<'de> Visitor<'de> for Known<'_> {
        type Value = serde_json::Map<String, Value>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = serde_json::Map::new();
            while let Some(key) = map.next_key::<String>()? {
                if self.0.contains(&key.as_str()) {
                    out.insert(key, map.next_value()?);
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(out)
        }
    }
    assert!(std::str::from_utf8(json).is_ok(), "accepted invalid UTF-8");
    let mut de = serde_json::Deserializer::from_slice(json);
    let object = de.deserialize_map(Known(keys)).ok()?;
    de.end().ok()?;
    Some(object)
}

/// A claim, treating JSON `null` as absent, as core documents.
fn claim<'a>(obj: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// What `Claims::from_json` accepted agrees with a plain reading of the JSON.
fn check_payload_agrees(payload: &[u8], c: &Claims) {
    assert_eq!(payload.first(), Some(&b'{'));
    assert_eq!(payload.last(), Some(&b'}'));
    let known = [
        "iss", "aud", "exp", "nbf", "iat", "name", "username", "group", "groupID", "email",
        "image", "userID",
    ];
    let obj = &plain_object(payload, &known).expect("accepted a payload that is not an object");
    assert_eq!(
        obj.get("iss"),
        Some(&Value::from("Organizr")),
        "accepted a wrong iss"
    );
    let aud_ok = match obj.get("aud") {
        Some(Value::String(s)) => s == "Organizr",
        Some(Value::Array(a)) => {
            a.iter().all(Value::is_string) && a.contains(&Value::from("Organizr"))
        }
        _ => false,
    };
    assert!(aud_ok, "accepted a wrong aud");
    let name = claim(obj, "name").or_else(|| claim(obj, "username"));
    assert_eq!(
        name.and_then(Value::as_str),
        Some(c.username.as_str()),
        "username differs"
    );
    let group_id = match claim(obj, "groupID") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => {
            assert!(
                s.bytes().all(|b| b.is_ascii_digit()),
                "accepted groupID {s:?}"
            );
            s.parse::<u64>().ok()
        }
        _ => None,
    };
    assert_eq!(
        group_id,
        Some(u64::from(c.group_id.get())),
        "groupID differs"
    );
    assert_eq!(
        claim(obj, "exp").and_then(Value::as_f64),
        Some(c.expires_at),
        "exp differs"
    );
    assert_eq!(
        claim(obj, "nbf").and_then(Value::as_f64),
        c.not_before,
        "nbf differs"
    );
    assert_eq!(
        claim(obj, "iat").and_then(Value::as_f64),
        c.issued_at,
        "iat differs"
    );
    // Every claim core knows has the type Organizr writes, even when unused.
    for key in ["name", "username", "group", "email", "image"] {
        let v = claim(obj, key);
        assert!(
            v.is_none_or(Value::is_string),
            "accepted a non-string {key}"
        );
    }
    for key in ["groupID", "userID"] {
        let v = claim(obj, key);
        assert!(
            v.is_none_or(|v| v.is_u64() || v.is_string()),
            "accepted {key} {v:?}"
        );
    }
    let email = claim(obj, "email")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    assert_eq!(email, c.email.as_deref(), "email differs");
}
