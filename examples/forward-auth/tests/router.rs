//! The forward-auth router, in-process: every route form, the 400s, and the
//! 200/401/403 answers a reverse proxy acts on.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use forward_auth::router::{PeerInfo, router};
use organizr_auth_core::mint::TokenBuilder;
use organizr_auth_core::{Authenticator, Config, GroupLevel, Secret, TrustedProxies, proxy::Peer};
use tower::ServiceExt;

const KEY: &str = "forward-auth-test-organizr-hash-0123456789";
const UUID: &str = "6c1e0f2a-0000-4000-8000-000000000001";
const PROXY: &str = "10.0.0.2:40000";
const CLIENT: &str = "192.0.2.7:40000";

fn secret() -> Secret {
    Secret::new(KEY).unwrap()
}

fn app_with(config: Config) -> Router {
    router(Arc::new(Authenticator::new(config)))
}

fn app() -> Router {
    app_with(
        Config::new(secret())
            .uuid(UUID)
            .trusted_proxies(TrustedProxies::parse("10.0.0.2").unwrap()),
    )
}

fn token(user: &str, level: u16) -> String {
    TokenBuilder::new(user, GroupLevel::new(level).unwrap())
        .email(format!("{user}@example.org"))
        .issued_at(SystemTime::now() - Duration::from_secs(5))
        .sign(&secret())
}

fn cookie(token: &str) -> (&'static str, String) {
    ("cookie", format!("organizr_token_{UUID}={token}"))
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// The identity headers, sorted, as `name: value`.
    fn identity_headers(&self) -> Vec<String> {
        let mut found: Vec<String> = self
            .headers
            .iter()
            .filter(|(n, _)| {
                n.as_str().starts_with("remote-") || n.as_str().starts_with("x-organizr-")
            })
            .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap()))
            .collect();
        found.sort();
        found
    }
}

async fn send_from(
    app: &Router,
    peer: &str,
    method: &str,
    uri: &str,
    headers: &[(&str, String)],
) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    for (n, v) in headers {
        request = request.header(*n, v);
    }
    let peer = PeerInfo(Peer::Tcp(peer.parse::<SocketAddr>().unwrap()));
    let request = request
        .extension(ConnectInfo(peer))
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

/// Every answer of forward-auth, whatever its status, must not be cached, and
/// says so once.
fn assert_no_store(answer: &Answer, what: &str) {
    let values: Vec<_> = answer.headers.get_all("cache-control").iter().collect();
    assert_eq!(values, ["no-store"], "{what}");
}

async fn send(app: &Router, uri: &str, headers: &[(&str, String)]) -> Answer {
    send_from(app, PROXY, "GET", uri, headers).await
}

#[tokio::test]
async fn every_route_form_reads_the_group() {
    let app = app();
    let user = token("alice", 4);
    for (uri, want) in [
        ("/api/v2/auth/4", StatusCode::OK),
        ("/api/v2/auth/3", StatusCode::FORBIDDEN),
        ("/auth/4", StatusCode::OK),
        ("/auth/0", StatusCode::FORBIDDEN),
        ("/api/v2/auth?group=4", StatusCode::OK),
        ("/api/v2/auth?group=1", StatusCode::FORBIDDEN),
        ("/api/v2/auth?foo=bar&group=998", StatusCode::OK),
        ("/api/?v1/auth&group=4", StatusCode::OK),
        ("/api/?v1/auth&group=0", StatusCode::FORBIDDEN),
        ("/api/v2/auth/004", StatusCode::OK),
    ] {
        let answer = send(&app, uri, &[cookie(&user)]).await;
        assert_eq!(answer.status, want, "{uri}: {}", answer.body);
        assert_no_store(&answer, uri);
    }
}

#[tokio::test]
async fn any_method_is_accepted() {
    let app = app();
    let user = token("alice", 4);
    for method in ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let ok = send_from(&app, PROXY, method, "/api/v2/auth/4", &[cookie(&user)]).await;
        assert_eq!(ok.status, StatusCode::OK, "{method}");
        let anonymous = send_from(&app, PROXY, method, "/auth/4", &[]).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{method}");
    }
}

#[tokio::test]
async fn bad_groups_are_400() {
    let app = app();
    let admin = token("root", 0);
    for bad in [
        "abc",
        "1000",
        "-1",
        "1.5",
        "0x1",
        "+1",
        "%201",
        "99999999999999999999",
    ] {
        for uri in [
            format!("/api/v2/auth/{bad}"),
            format!("/auth/{bad}"),
            format!("/api/v2/auth?group={bad}"),
            format!("/api/?v1/auth&group={bad}"),
        ] {
            // Whatever the credential: the group is checked first.
            let answer = send(&app, &uri, &[cookie(&admin)]).await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}");
            assert!(
                answer.body.starts_with("400 Bad Request: "),
                "{uri}: {}",
                answer.body
            );
            assert!(answer.identity_headers().is_empty());
            assert_no_store(&answer, &uri);
        }
    }
    for uri in [
        "/api/v2/auth",
        "/api/v2/auth?group=",
        "/api/v2/auth?group=1&group=2",
        "/api/?v1/auth",
    ] {
        let answer = send(&app, uri, &[cookie(&admin)]).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}");
    }
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let app = app();
    for uri in [
        "/",
        "/api/v2/auth/",
        "/api/v2/auth/4/extra",
        "/api/?v2/auth&group=4",
        "/api/",
    ] {
        assert_eq!(
            send(&app, uri, &[]).await.status,
            StatusCode::NOT_FOUND,
            "{uri}"
        );
    }
}

#[tokio::test]
async fn healthz() {
    let answer = send(&app(), "/healthz", &[]).await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (StatusCode::OK, "ok\n")
    );
}

#[tokio::test]
async fn allowed_answers_carry_exactly_the_identity_headers() {
    let app = app();
    let answer = send(&app, "/api/v2/auth/4", &[cookie(&token("alice", 4))]).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.identity_headers(),
        [
            "remote-email: alice@example.org",
            "remote-groups: User",
            "remote-user: alice",
            "x-organizr-email: alice@example.org",
            "x-organizr-group: 4",
            "x-organizr-user: alice",
        ]
    );
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    // A custom group has a number but no built-in name.
    let kid = send(&app, "/api/v2/auth/998", &[cookie(&token("kid", 12))]).await;
    assert!(
        kid.identity_headers()
            .contains(&"x-organizr-group: 12".to_owned())
    );
    assert!(
        !kid.identity_headers()
            .iter()
            .any(|h| h.starts_with("remote-groups"))
    );
}

#[tokio::test]
async fn anonymous_is_401_and_low_level_is_403() {
    let app = app();
    let anonymous = send(&app, "/api/v2/auth/998", &[]).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        anonymous.header("www-authenticate"),
        Some("Bearer realm=\"Organizr\"")
    );
    assert!(anonymous.identity_headers().is_empty());
    assert_no_store(&anonymous, "401");

    let low = send(&app, "/api/v2/auth/0", &[cookie(&token("alice", 4))]).await;
    assert_eq!(low.status, StatusCode::FORBIDDEN);
    assert!(low.identity_headers().is_empty(), "a 403 names nobody");

    let bearer = send(
        &app,
        "/api/v2/auth/4",
        &[("authorization", format!("Bearer {}", token("alice", 4)))],
    )
    .await;
    assert_eq!(bearer.status, StatusCode::OK);

    let forged =
        TokenBuilder::new("root", GroupLevel::ADMIN).sign(&Secret::new("another-key").unwrap());
    assert_eq!(
        send(&app, "/api/v2/auth/998", &[cookie(&forged)])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn level_999_admits_anonymous_requests() {
    let app = app();
    let anonymous = send(&app, "/api/v2/auth/999", &[]).await;
    assert_eq!(anonymous.status, StatusCode::OK);
    assert!(anonymous.identity_headers().is_empty());
    // A signed-in user at 999 is still named.
    let user = send(&app, "/auth/999", &[cookie(&token("alice", 4))]).await;
    assert!(
        user.identity_headers()
            .contains(&"remote-user: alice".to_owned())
    );
}

#[tokio::test]
async fn remote_user_counts_only_from_a_trusted_proxy() {
    let app = app();
    let claim = [("remote-user", "bob".to_owned())];
    let trusted = send_from(&app, PROXY, "GET", "/api/v2/auth/998", &claim).await;
    assert_eq!(trusted.status, StatusCode::OK);
    assert!(
        trusted
            .identity_headers()
            .contains(&"x-organizr-group: 998".to_owned())
    );
    assert!(
        trusted
            .identity_headers()
            .contains(&"remote-user: bob".to_owned())
    );
    // Level 998 from a proxy header does not reach group 4.
    assert_eq!(
        send_from(&app, PROXY, "GET", "/api/v2/auth/4", &claim)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    for spoof in [
        vec![("remote-user", "admin".to_owned())],
        vec![("remote_user", "admin".to_owned())],
        vec![
            ("x-organizr-user", "admin".to_owned()),
            ("x-organizr-group", "0".to_owned()),
        ],
    ] {
        let untrusted = send_from(&app, CLIENT, "GET", "/api/v2/auth/998", &spoof).await;
        assert_eq!(untrusted.status, StatusCode::UNAUTHORIZED, "{spoof:?}");
        // At 999 the request passes, but names nobody.
        let guest = send_from(&app, CLIENT, "GET", "/api/v2/auth/999", &spoof).await;
        assert_eq!(guest.status, StatusCode::OK);
        assert!(
            guest.identity_headers().is_empty(),
            "{:?}",
            guest.identity_headers()
        );
    }
}

#[tokio::test]
async fn a_server_without_peer_information_trusts_nobody() {
    let app = app();
    let request = Request::get("/api/v2/auth/998")
        .header("remote-user", "admin")
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_answer_is_401_not_a_login_redirect() {
    let app = app_with(
        Config::new(secret())
            .uuid(UUID)
            .login_url("https://organizr.example/")
            .unwrap(),
    );
    let browser = [("accept", "text/html,application/xhtml+xml".to_owned())];
    for method in ["GET", "POST"] {
        let answer = send_from(&app, CLIENT, method, "/api/v2/auth/998", &browser).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{method}");
        assert_eq!(answer.header("location"), None);
    }
}

#[tokio::test]
async fn no_bearer_challenge_when_bearer_is_off() {
    let app = app_with(Config::new(secret()).uuid(UUID).accept_bearer(false));
    let answer = send(&app, "/api/v2/auth/998", &[]).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.header("www-authenticate"), None);
}

#[tokio::test]
async fn rejections_do_not_explain_themselves() {
    let app = app();
    let expired = TokenBuilder::new("old", GroupLevel::USER)
        .issued_at(SystemTime::now() - Duration::from_secs(3 * 86_400))
        .sign(&secret());
    let answer = send(&app, "/api/v2/auth/998", &[cookie(&expired)]).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(!answer.body.contains("expired"), "{}", answer.body);
}
