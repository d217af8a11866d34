//! Resolution rules of the `Authenticator` beyond the shared behaviour table:
//! copies, conflicts, bounds, the API key, and sanitising as a property.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderName, HeaderValue};
use organizr_auth_core::resolve::{MAX_COOKIE_NAME_OCCURRENCES, MAX_TOKEN_CANDIDATES};
use organizr_auth_core::{
    ApiKey, Authentication, Authenticator, Config, GroupLevel, HeaderAccess, Refusal, Secret,
    Source, TokenError, TrustedProxies, proxy::Peer,
};
use proptest::prelude::*;

const KEY: &str = "authenticator-test-organizr-hash-0123456789";
const UUID: &str = "u";
const API: &str = "ApiKeyApiKeyApiKey00";

fn token(name: &str, group_id: u16, exp: u64) -> String {
    let payload = format!(
        r#"{{"iss":"Organizr","aud":"Organizr","iat":1600000000,"nbf":1600000000,"exp":{exp},"name":"{name}","group":"G","groupID":{group_id},"email":"","image":"","userID":1}}"#
    );
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"HS256"}"#),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

fn valid(name: &str, level: u16) -> String {
    token(name, level, 4_102_444_800)
}

fn auth(query_key: bool) -> Authenticator {
    Authenticator::new(
        Config::new(Secret::new(KEY).unwrap())
            .uuid(UUID)
            .api_key(ApiKey::new(API).unwrap())
            .api_key_in_query(query_key)
            .trusted_proxies(TrustedProxies::parse("127.0.0.1").unwrap()),
    )
}

fn cookies(tokens: &[&str]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for t in tokens {
        h.append(
            "cookie",
            format!("organizr_token_{UUID}={t}").parse().unwrap(),
        );
    }
    h
}

fn refused(a: &Authentication) -> Option<&Refusal> {
    match a {
        Authentication::Anonymous { refused } => refused.as_ref(),
        Authentication::Authenticated(_) => None,
    }
}

#[test]
fn same_user_in_two_copies_uses_the_less_privileged_one() {
    // Regression guard: a stale copy from before a demotion must not win.
    let a = auth(false).resolve(
        &cookies(&[&valid("alice", 0), &valid("alice", 4)]),
        None,
        &Peer::Unknown,
    );
    assert_eq!(a.level(), GroupLevel::USER);
    let a = auth(false).resolve(
        &cookies(&[&valid("alice", 4), &valid("ALICE", 0)]),
        None,
        &Peer::Unknown,
    );
    assert_eq!(a.level(), GroupLevel::USER);
}

#[test]
fn invalid_only_copy_explains_itself() {
    let expired = token("alice", 4, 1_600_000_100);
    let a = auth(false).resolve(&cookies(&[&expired]), None, &Peer::Unknown);
    assert_eq!(refused(&a), Some(&Refusal::Token(TokenError::Expired)));
    assert!(a.identity().is_none());
}

/// Issue 15 finding 1: a `Cookie` line that repeats the cookie name (valid
/// pairs or not) more than the cap is refused whatever else it holds, so
/// that each place the scan stops at cannot add up.
#[test]
fn a_cookie_name_repeated_past_the_cap_is_refused() {
    let t = valid("alice", 4);
    let noise = format!("organizr_token_{UUID} ;").repeat(MAX_COOKIE_NAME_OCCURRENCES);
    let mut h = cookies(&[&t]);
    h.append("cookie", noise.parse().unwrap());
    let a = auth(false).resolve(&h, None, &Peer::Unknown);
    assert_eq!(refused(&a), Some(&Refusal::TooManyTokens));
    // At the cap, the token is found.
    let noise = format!("organizr_token_{UUID} ;").repeat(MAX_COOKIE_NAME_OCCURRENCES - 1);
    let mut h = cookies(&[&t]);
    h.append("cookie", noise.parse().unwrap());
    let a = auth(false).resolve(&h, None, &Peer::Unknown);
    assert_eq!(a.level(), GroupLevel::USER);
    // Near misses that are not the name do not count.
    let mut h = cookies(&[&t]);
    h.append(
        "cookie",
        "organizr_token_x=1; ".repeat(100).parse().unwrap(),
    );
    assert_eq!(
        auth(false).resolve(&h, None, &Peer::Unknown).level(),
        GroupLevel::USER
    );
}

#[test]
fn too_many_copies_are_refused_before_unbounded_work() {
    let t = valid("alice", 4);
    let many: Vec<&str> = std::iter::repeat_n(t.as_str(), MAX_TOKEN_CANDIDATES + 1).collect();
    let a = auth(false).resolve(&cookies(&many), None, &Peer::Unknown);
    assert_eq!(refused(&a), Some(&Refusal::TooManyTokens));
    let exactly: Vec<&str> = std::iter::repeat_n(t.as_str(), MAX_TOKEN_CANDIDATES).collect();
    assert_eq!(
        auth(false)
            .resolve(&cookies(&exactly), None, &Peer::Unknown)
            .level(),
        GroupLevel::USER
    );
}

#[test]
fn api_key_rules() {
    let mut h = HeaderMap::new();
    h.insert("Token", API.parse().unwrap());
    let a = auth(false).resolve(&h, None, &Peer::Unknown);
    let id = a.identity().unwrap();
    assert_eq!(
        (id.username.as_str(), id.group_id, id.source),
        ("Organizr API", GroupLevel::ADMIN, Source::ApiKey)
    );

    // Query parameter only when enabled.
    let q = format!("x=1&apikey={API}");
    assert!(
        auth(false)
            .resolve(&HeaderMap::new(), Some(&q), &Peer::Unknown)
            .identity()
            .is_none()
    );
    assert_eq!(
        auth(true)
            .resolve(&HeaderMap::new(), Some(&q), &Peer::Unknown)
            .level(),
        GroupLevel::ADMIN
    );

    // A right and a wrong key together: refused.
    let mut h2 = h.clone();
    h2.append("token", "wrong".parse().unwrap());
    assert_eq!(
        refused(&auth(false).resolve(&h2, None, &Peer::Unknown)),
        Some(&Refusal::ApiKey)
    );

    // A user token and the API key name different users: refused.
    let mut h3 = cookies(&[&valid("alice", 4)]);
    h3.insert("token", API.parse().unwrap());
    assert_eq!(
        refused(&auth(false).resolve(&h3, None, &Peer::Unknown)),
        Some(&Refusal::Conflict)
    );

    // Without a configured key, a Token header means nothing.
    let plain = Authenticator::new(Config::new(Secret::new(KEY).unwrap()));
    assert_eq!(
        plain.resolve(&h, None, &Peer::Unknown),
        Authentication::Anonymous { refused: None }
    );
}

#[test]
fn proxy_identity_needs_the_socket_peer_not_forwarding_headers() {
    let mut h = HeaderMap::new();
    h.insert("remote-user", "alice".parse().unwrap());
    h.insert("x-forwarded-for", "127.0.0.1".parse().unwrap());
    h.insert("x-real-ip", "127.0.0.1".parse().unwrap());
    h.insert("forwarded", "for=127.0.0.1".parse().unwrap());
    let outside: Peer = "203.0.113.5:1"
        .parse::<std::net::SocketAddr>()
        .unwrap()
        .into();
    assert!(auth(false).resolve(&h, None, &outside).identity().is_none());
    let proxy: Peer = "127.0.0.1:1"
        .parse::<std::net::SocketAddr>()
        .unwrap()
        .into();
    assert_eq!(
        auth(false)
            .resolve(&h, None, &proxy)
            .identity()
            .unwrap()
            .username,
        "alice"
    );
}

#[test]
fn validator_respects_injected_time() {
    let v = auth(false);
    let t = token("alice", 4, 1_600_000_100);
    let at = UNIX_EPOCH + Duration::from_secs(1_600_000_050);
    assert!(v.validator().unwrap().validate_at(&t, at).is_ok());
}

/// Header names that must never survive from an untrusted peer, in spellings a
/// client might use.
fn identity_name() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "remote-user",
        "remote_user",
        "Remote-User",
        "REMOTE_USER",
        "remote-email",
        "remote-groups",
        "x-organizr-user",
        "x-organizr-email",
        "x-organizr-group",
        "X_Organizr_Group",
        "remote-group-id",
        "remote_group_id",
    ])
    .prop_map(str::to_owned)
}

fn other_name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_-]{0,20}".prop_filter("not an identity header", |n| {
        let folded = n.replace('_', "-");
        ![
            "remote-user",
            "remote-email",
            "remote-groups",
            "x-organizr-user",
            "x-organizr-email",
            "x-organizr-group",
            "remote-group-id",
        ]
        .contains(&folded.as_str())
    })
}

proptest! {
    /// For any header map from an untrusted peer, no identity or group header
    /// survives sanitising, and every other header does.
    #[test]
    fn sanitising_removes_every_identity_header(
        identity in prop::collection::vec((identity_name(), "[ -~]{0,16}"), 0..8),
        others in prop::collection::vec((other_name(), "[ -~]{0,16}"), 0..8),
        trusted_list in any::<bool>(),
    ) {
        let config = Config::new(Secret::new(KEY).unwrap())
            .proxy_group_header("Remote-Group-Id").unwrap()
            .trusted_proxies(if trusted_list { TrustedProxies::parse("10.0.0.0/8, @").unwrap() } else { TrustedProxies::none() });
        let auth = std::sync::Arc::new(Authenticator::new(config));
        let mut h = HeaderMap::new();
        for (n, v) in identity.iter().chain(&others) {
            h.append(HeaderName::from_bytes(n.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        let peer: Peer = "192.0.2.1:9".parse::<std::net::SocketAddr>().unwrap().into();
        let head = organizr_auth_core::RequestHead::new("GET", "/", None, &mut h);
        let _ = auth.admit(head, peer, &organizr_auth_core::Policy::pass_through(), None);
        for name in h.header_names() {
            let folded = name.replace('_', "-");
            prop_assert!(
                !["remote-user", "remote-email", "remote-groups", "x-organizr-user", "x-organizr-email", "x-organizr-group", "remote-group-id"].contains(&folded.as_str()),
                "{} survived", name
            );
        }
        for (n, _) in &others {
            prop_assert!(h.contains_key(n.as_str()), "{} was removed", n);
        }
        prop_assert!(auth.resolve(&h, None, &peer).identity().is_none());
    }
}

#[test]
fn api_key_outranks_a_proxy_header_naming_the_same_user() {
    // Regression: with the proxy's level (998) preferred, an inner layer behind
    // an outer one that wrote `Remote-User: Organizr API` refused an admin call.
    let mut h = HeaderMap::new();
    h.insert("remote-user", "Organizr API".parse().unwrap());
    h.insert("token", API.parse().unwrap());
    let proxy: Peer = "127.0.0.1:1"
        .parse::<std::net::SocketAddr>()
        .unwrap()
        .into();
    let a = auth(false).resolve(&h, None, &proxy);
    let id = a.identity().unwrap();
    assert_eq!(
        (id.group_id, id.source),
        (GroupLevel::ADMIN, Source::ApiKey)
    );
}
