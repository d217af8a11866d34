//! `differential`: our validator against jsonwebtoken, the test oracle, on
//! Organizr-shaped tokens.

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

use crate::token_validate::check_accepted;
#[allow(unused_imports)]
use crate::*;

/// `differential` input, two forms:
///
/// - starting with `{`: a header JSON line, then the payload JSON (no
///   newline: the payload, under Organizr's header). `NOW`, `NOW+n` and
///   `NOW-n` become the current Unix time (plus or minus `n` seconds), so
///   seeds stay valid and the fuzzer can aim at the leeway edges;
/// - anything else: Organizr's own claim set, edited by each three bytes
///   `[key, kind, parameter]` of the input (see `edit`).
///
/// The token is signed with the key. When ours accepts it at `now`,
/// jsonwebtoken, configured like ours, must accept it too and read the same
/// user, level, e-mail and user id, unless `known_difference` names why not.
/// (Ours refusing what jsonwebtoken accepts is fine: ours is stricter.)
pub fn differential(data: &[u8]) {
    // Whole seconds: jsonwebtoken reads the system clock in whole seconds.
    let now = now_secs();
    let (header, payload) = if data.first() == Some(&b'{') {
        match data.iter().position(|&b| b == b'\n') {
            Some(nl) => (with_now(&data[..nl], now), with_now(&data[nl + 1..], now)),
            None => (ORGANIZR_HEADER.as_bytes().to_vec(), with_now(data, now)),
        }
    } else {
        organizr_shaped(data.get(1..).unwrap_or_default(), now)
    };
    let token = sign(&header, &payload);
    let Ok(claims) = validator().validate_at(&token, at(now)) else {
        return;
    };
    check_accepted(&token, &claims, now as f64);

    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    v.set_issuer(&["Organizr"]);
    v.set_audience(&["Organizr"]);
    v.leeway = LEEWAY as u64;
    v.validate_nbf = true;
    // Ours requires iss and aud as well; requiring them here too only
    // makes jsonwebtoken stricter, never produces a false finding.
    v.set_required_spec_claims(&["exp", "iss", "aud"]);
    let key = jsonwebtoken::DecodingKey::from_secret(KEY.as_bytes());
    let theirs = match jsonwebtoken::decode::<Mirror>(&token, &key, &v) {
        Ok(data) => data.claims,
        Err(e) => match known_difference(&e, &token, &payload, now) {
            Some(_documented) => return,
            None => panic!(
                "ours accepted, jsonwebtoken refused ({e:?})\nheader  {}\npayload {}",
                String::from_utf8_lossy(&header),
                String::from_utf8_lossy(&payload)
            ),
        },
    };
    let name = theirs.name.or(theirs.username);
    assert_eq!(
        name.as_deref(),
        Some(claims.username.as_str()),
        "username differs"
    );
    assert_eq!(
        theirs.group_id.number(),
        Some(u64::from(claims.group_id.get())),
        "groupID differs"
    );
    assert_eq!(
        theirs.email.filter(|e| !e.is_empty()),
        claims.email,
        "email differs"
    );
    assert_eq!(
        theirs.user_id.and_then(|u| u.number()),
        claims.user_id,
        "userID differs"
    );
}

pub const ORGANIZR_HEADER: &str = r#"{"typ":"JWT","alg":"HS256"}"#;

/// Organizr's claims as jsonwebtoken users would write them down.
#[derive(Deserialize)]
struct Mirror {
    name: Option<String>,
    username: Option<String>,
    #[serde(rename = "groupID")]
    group_id: Id,
    email: Option<String>,
    #[serde(rename = "userID")]
    user_id: Option<Id>,
}

/// Organizr writes ids as numbers, older versions as numeric strings.
#[derive(Deserialize)]
#[serde(untagged)]
enum Id {
    Number(u64),
    Text(String),
}

impl Id {
    fn number(&self) -> Option<u64> {
        match self {
            Id::Number(n) => Some(*n),
            Id::Text(t) => t.parse().ok(),
        }
    }
}

/// Why jsonwebtoken may refuse a token ours accepted, when that is a known,
/// deliberate difference (see fuzz/README.md); `None` is a finding.
fn known_difference(
    e: &jsonwebtoken::errors::Error,
    token: &str,
    payload: &[u8],
    now: u64,
) -> Option<&'static str> {
    use jsonwebtoken::errors::ErrorKind;
    let claims: Value = serde_json::from_slice(payload).ok()?;
    let near = |claim: &str, edge: f64| {
        claims[claim]
            .as_f64()
            .is_some_and(|t| (t - edge).abs() <= 2.0)
    };
    // jsonwebtoken reads `exp` and `nbf` as u64 (rounding floats).
    let as_u64 = |claim: &str| {
        let v = &claims[claim];
        v.is_u64()
            || v.as_f64()
                .is_some_and(|f| f.is_finite() && f >= 0.0 && f < u64::MAX as f64)
    };
    match e.kind() {
        ErrorKind::ExpiredSignature if near("exp", now as f64 - LEEWAY) => {
            Some("the clock ticked between the two checks")
        }
        ErrorKind::ImmatureSignature if near("nbf", now as f64 + LEEWAY) => {
            Some("the clock ticked between the two checks")
        }
        // A time it cannot read is "missing" when required (`exp`).
        ErrorKind::InvalidClaimFormat(c) | ErrorKind::MissingRequiredClaim(c)
            if (c == "exp" || c == "nbf") && !as_u64(c) =>
        {
            Some(
                "exp/nbf outside u64 (negative, or 2^64 and more): a format error to jsonwebtoken, a time to ours",
            )
        }
        ErrorKind::Json(_) if jsonwebtoken::decode_header(token).is_err() => Some(
            "jsonwebtoken types every registered header parameter (typ, kid, jwk, x5c, ...); ours reads alg, crit, enc, zip, b64 only",
        ),
        ErrorKind::Json(_) if object_keys(payload)?.iter().any(|k| k == "sub") => {
            Some("jsonwebtoken types `sub` and refuses it twice; ours ignores `sub`")
        }
        _ => None,
    }
}

/// Every key of a JSON object, duplicates kept (a `Value` keeps the last).
fn object_keys(json: &[u8]) -> Option<Vec<String>> {
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
            let mut keys = Vec::new();
            while let Some((k, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
                keys.push(k);
            }
            Ok(keys)
        }
    }
    serde_json::Deserializer::from_slice(json)
        .deserialize_map(Keys)
        .ok()
}

/// Replaces `NOW`, `NOW+n` and `NOW-n` with the time `now ± n`.
pub fn with_now(json: &[u8], now: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len() + 16);
    let mut rest = json;
    while let Some(i) = rest.windows(3).position(|w| w == b"NOW") {
        out.extend_from_slice(&rest[..i]);
        rest = &rest[i + 3..];
        let sign = match rest.first() {
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ => 0,
        };
        let digits = rest
            .iter()
            .skip(1)
            .take_while(|b| b.is_ascii_digit())
            .count();
        let mut t = i128::from(now);
        if sign != 0 && digits > 0 {
            let n: i128 = std::str::from_utf8(&rest[1..=digits.min(30)])
                .unwrap()
                .parse()
                .unwrap();
            t += sign * n;
            rest = &rest[1 + digits..];
        }
        out.extend_from_slice(t.to_string().as_bytes());
    }
    out.extend_from_slice(rest);
    out
}

/// Claims as Organizr's `createToken()` writes them, issued a minute ago.
fn organizr_claims(now: u64) -> Vec<(&'static str, String)> {
    let t = |offset: i64| format!("{}.123456", now as i64 + offset);
    vec![
        ("iss", r#""Organizr""#.into()),
        ("aud", r#""Organizr""#.into()),
        ("jti", r#""4f1g23a12aa""#.into()),
        ("iat", t(-60)),
        ("nbf", t(-60)),
        ("exp", t(86_400)),
        ("name", r#""root""#.into()),
        ("group", r#""Admin""#.into()),
        ("groupID", "0".into()),
        ("email", r#""root@example.org""#.into()),
        ("image", r#""""#.into()),
        ("userID", "1".into()),
    ]
}

const CLAIM_KEYS: [&str; 16] = [
    "iss", "aud", "jti", "iat", "nbf", "exp", "name", "username", "group", "groupID", "email",
    "image", "userID", "sub", "kid", "x",
];
const HEADER_KEYS: [&str; 12] = [
    "typ", "alg", "kid", "jku", "x5u", "jwk", "cty", "crit", "jti", "x5c", "b64", "zip",
];

/// The "mutated Organizr-shaped claim set" form of `differential`.
fn organizr_shaped(ops: &[u8], now: u64) -> (Vec<u8>, Vec<u8>) {
    let mut header = vec![
        ("typ", r#""JWT""#.to_owned()),
        ("alg", r#""HS256""#.to_owned()),
    ];
    let mut claims = organizr_claims(now);
    for op in ops.chunks_exact(3) {
        let (target, keys): (_, &[&'static str]) = if op[0] & 0x80 == 0 {
            (&mut claims, &CLAIM_KEYS[..])
        } else {
            (&mut header, &HEADER_KEYS[..])
        };
        edit(
            target,
            keys[usize::from(op[0] & 0x7f) % keys.len()],
            op[1],
            op[2],
            now,
        );
    }
    let object = |fields: &[(&str, String)]| {
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", body.join(",")).into_bytes()
    };
    (object(&header), object(&claims))
}

/// One edit of a JSON object's fields: remove `key`, or set it to a value
/// of `kind` made from `p` (times relative to `now`, near the leeway
/// edges; numbers just out of range; strings with control characters;
/// arrays; duplicates...).
fn edit(fields: &mut Vec<(&'static str, String)>, key: &'static str, kind: u8, p: u8, now: u64) {
    let secs = now as i64 + i64::from(p as i8);
    let value = match kind % 16 {
        0 => {
            fields.retain(|(k, _)| *k != key);
            return;
        }
        1 => secs.to_string(),
        2 => format!("{secs}.{:06}", u32::from(p) * 3921),
        3 => r#""Organizr""#.into(),
        4 => [
            r#"["Organizr"]"#,
            r#"["x","Organizr"]"#,
            "[]",
            r#"["Organizr",1]"#,
        ][usize::from(p % 4)]
        .into(),
        5 => p.to_string(),
        6 => [
            format!("\"{p}\""),
            format!("\"00{p}\""),
            format!("\"+{p}\""),
            format!("\" {p}\""),
        ][usize::from(p % 4)]
        .clone(),
        7 => "null".into(),
        8 => "true".into(),
        9 => r#""""#.into(),
        10 => [
            "1e20",
            "18446744073709551616",
            "-1",
            "-0",
            "1e-7",
            "0.0",
            "4.0",
            "999",
            "1000",
            "-1.5e9",
            "9007199254740993",
            "1E3",
        ][usize::from(p % 12)]
        .into(),
        11 => format!(
            "\"a\\u{:04x}b\"",
            u16::from(p) * if p.is_multiple_of(2) { 1 } else { 67 }
        ),
        12 => {
            // A duplicate key, appended: must never override the first.
            fields.push((
                key,
                [r#""root""#, "0", r#""Organizr""#, "9999999999"][usize::from(p % 4)].into(),
            ));
            return;
        }
        13 => ["{}", r#"{"a":[1,{"b":null}]}"#, "[[[[]]]]", "[1,2]"][usize::from(p % 4)].into(),
        14 => [
            r#""HS256""#,
            r#""none""#,
            r#""HS384""#,
            r#""RS256""#,
            r#""hs256""#,
            r#""HS256 ""#,
            r#""HS\u0032\u00356""#,
            r#""EdDSA""#,
        ][usize::from(p % 8)]
        .into(),
        _ => (now as i64 + i64::from(p as i8) * 3600).to_string(),
    };
    match fields.iter_mut().find(|(k, _)| *k == key) {
        Some((_, v)) => *v = value,
        None => fields.push((key, value)),
    }
}
