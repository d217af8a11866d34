//! Every refused request is one info line with its context (method, path,
//! socket peer, client address, reason, user, levels); an allowed one is a
//! debug line; none ever shows a token, a cookie value or the key. A cookie
//! under another Organizr uuid is named in the refusal.
//!
//! Uses a thread-local recording subscriber (`with_default`), so tests in this
//! binary do not see each other's events.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use common::Recorder;
use http::HeaderMap;
use organizr_auth_core::mint::TokenBuilder;
use organizr_auth_core::{
    Authenticator, Config, GroupLevel, Peer, Policy, RequestHead, Secret, TrustedProxies, Verdict,
};
use tracing::Level;

const KEY: &str = "decision-logs-organizr-hash-0123456789";

fn auth(uuid: &str) -> Arc<Authenticator> {
    let config = Config::new(Secret::new(KEY).unwrap())
        .uuid(uuid)
        .trusted_proxies(TrustedProxies::parse("10.0.0.2").unwrap());
    Arc::new(Authenticator::new(config))
}

/// Runs `admit` for a request under the recorder; its events.
fn logged(
    auth: &Arc<Authenticator>,
    peer: &str,
    headers: &[(&str, &str)],
    level: u16,
) -> Vec<(Level, String)> {
    let recorder = Recorder::default();
    recorder.record(|| {
        let mut h = HeaderMap::new();
        for (n, v) in headers {
            h.append(
                http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        let head = RequestHead::new("POST", "/photos/album", Some("page=2"), &mut h);
        let policy = Policy::require(GroupLevel::new(level).unwrap());
        let _ = auth.admit(head, Peer::Tcp(peer.parse().unwrap()), &policy, None);
    });
    recorder.events()
}

#[test]
fn a_refusal_is_one_info_line_with_its_context_and_no_secret() {
    let auth = auth("u1");
    let expired = TokenBuilder::new("alice", GroupLevel::USER)
        .issued_at(std::time::SystemTime::now() - std::time::Duration::from_secs(200_000))
        .sign(&Secret::new(KEY).unwrap());
    let cookie = format!("organizr_token_u1={expired}; theme=dark");
    let events = logged(
        &auth,
        "10.0.0.2:40000",
        &[("cookie", &cookie), ("x-forwarded-for", "203.0.113.7")],
        998,
    );
    let infos: Vec<&String> = events
        .iter()
        .filter(|(l, _)| *l == Level::INFO)
        .map(|(_, t)| t)
        .collect();
    assert_eq!(infos.len(), 1, "{events:?}");
    let line = infos[0];
    for wanted in [
        "method=\"POST\"",
        "path=\"/photos/album\"",
        "peer=Tcp(10.0.0.2:40000)",
        "client=203.0.113.7",
        "token has expired",
        "required=998",
    ] {
        assert!(line.contains(wanted), "{wanted} not in {line}");
    }
    for secret in [expired.as_str(), KEY, "theme=dark"] {
        assert!(!line.contains(secret), "the log shows {secret}: {line}");
    }
}

#[test]
fn a_level_too_low_names_the_user_and_both_levels() {
    let auth = auth("u1");
    let token =
        TokenBuilder::new("kid", GroupLevel::new(12).unwrap()).sign(&Secret::new(KEY).unwrap());
    let cookie = format!("organizr_token_u1={token}");
    let events = logged(&auth, "192.0.2.7:5000", &[("cookie", &cookie)], 4);
    let line = &events.iter().find(|(l, _)| *l == Level::INFO).unwrap().1;
    for wanted in [
        "user=kid",
        "level=12",
        "required=4",
        "client=192.0.2.7",
        "level too low",
    ] {
        assert!(line.contains(wanted), "{wanted} not in {line}");
    }
    assert!(!line.contains(&token));
}

#[test]
fn an_allowed_request_is_a_debug_line() {
    let auth = auth("u1");
    let token = TokenBuilder::new("alice", GroupLevel::USER).sign(&Secret::new(KEY).unwrap());
    let cookie = format!("organizr_token_u1={token}");
    let events = logged(&auth, "192.0.2.7:5000", &[("cookie", &cookie)], 4);
    assert!(events.iter().all(|(l, _)| *l != Level::INFO), "{events:?}");
    let line = &events
        .iter()
        .find(|(l, t)| *l == Level::DEBUG && t.contains("request allowed"))
        .unwrap()
        .1;
    for wanted in [
        "user=alice",
        "level=4",
        "path=\"/photos/album\"",
        "source=token",
    ] {
        assert!(line.contains(wanted), "{wanted} not in {line}");
    }
    assert!(!line.contains(&token));
}

/// Issue 16: with the wrong `ORGANIZR_UUID`, every login failed with only
/// "not authenticated". The refusal now names the cookie it expected and the
/// one it found (names, never values).
#[test]
fn a_cookie_under_another_uuid_is_named() {
    let auth = auth("the-configured-uuid");
    let token = TokenBuilder::new("alice", GroupLevel::USER).sign(&Secret::new(KEY).unwrap());
    let cookie = format!("organizr_token_the-real-uuid={token}");
    let events = logged(&auth, "192.0.2.7:5000", &[("cookie", &cookie)], 998);
    let line = &events.iter().find(|(l, _)| *l == Level::INFO).unwrap().1;
    assert!(
        line.contains("expected_cookie=organizr_token_the-configured-uuid")
            && line.contains("found_cookie=organizr_token_the-real-uuid"),
        "{line}"
    );
    assert!(!line.contains(&token));
    // No hint when there is no such cookie at all.
    let events = logged(&auth, "192.0.2.7:5000", &[("cookie", "theme=dark")], 998);
    let line = &events.iter().find(|(l, _)| *l == Level::INFO).unwrap().1;
    assert!(!line.contains("expected_cookie"), "{line}");
}

/// forward-auth's log line names the request the proxy was asked about.
#[test]
fn forward_auth_logs_the_original_request() {
    let auth = auth("u1");
    let recorder = Recorder::default();
    recorder.record(|| {
        let mut h = HeaderMap::new();
        h.insert(
            "x-original-uri",
            "/admin/settings?tab=users".parse().unwrap(),
        );
        h.insert("x-original-method", "DELETE".parse().unwrap());
        let verdict = auth.forward_auth(
            &h,
            None,
            Peer::Tcp("127.0.0.1:9".parse().unwrap()),
            GroupLevel::ADMIN,
        );
        assert!(matches!(verdict, Verdict::Reject(_)));
    });
    let events = recorder.events();
    let line = &events.iter().find(|(l, _)| *l == Level::INFO).unwrap().1;
    assert!(
        line.contains("method=\"DELETE\"") && line.contains("path=\"/admin/settings?tab=users\""),
        "{line}"
    );
}
