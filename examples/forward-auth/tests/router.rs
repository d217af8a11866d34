//! The forward-auth router, in process: every route form, the 400s, the
//! 200/401/403 answers a reverse proxy acts on, IP lists and where the client
//! address comes from, login redirects, status codes and Organizr's JSON.
//! (`tests/conformance.rs` holds the table of Organizr's forms.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

#[path = "support/inprocess.rs"]
mod inprocess;

use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use forward_auth::router::{ForwardAuth, router};
use inprocess::*;
use organizr_auth_core::access::{IpList, NameResolver, NameStatus};
use organizr_auth_core::mint::TokenBuilder;
use organizr_auth_core::{Authenticator, Config, GroupLevel, Secret, TrustedProxies};
use std::sync::Arc;
use tower::ServiceExt;

const PROXY: &str = "10.0.0.2:40000";
const CLIENT: &str = "192.0.2.7:40000";

/// Trusts 10.0.0.2 for `Remote-User` (to test that path), nothing else.
fn config() -> Config {
    Config::new(secret())
        .uuid(UUID)
        .trusted_proxies(TrustedProxies::parse("10.0.0.2").unwrap())
}

fn app() -> Router {
    router(Arc::new(Authenticator::new(config())))
}

/// forward-auth behind a proxy at 10.0.0.9 that reports client addresses in
/// `X-Forwarded-For`, trusting nobody for `Remote-User`.
fn behind_proxy(vars: &[(&str, &str)]) -> Router {
    let mut all = vec![("ORGANIZR_REAL_IP_FROM", "10.0.0.9")];
    all.extend_from_slice(vars);
    app_with(Config::new(secret()).uuid(UUID), &all)
}

async fn send(app: &Router, uri: &str, headers: &[(&str, String)]) -> Answer {
    send_from(app, PROXY, "GET", uri, headers).await
}

/// Request headers.
type Headers = Vec<(&'static str, String)>;

fn xff(value: &str) -> (&'static str, String) {
    ("x-forwarded-for", value.to_owned())
}

#[tokio::test]
async fn every_route_form_reads_the_group() {
    let app = app();
    let user = token("alice", 4);
    for (uri, want) in [
        ("/api/v2/auth/4", StatusCode::OK),
        ("/api/v2/auth/3", StatusCode::FORBIDDEN),
        ("/api/v2/auth/4/", StatusCode::OK),
        ("/auth/4", StatusCode::OK),
        ("/auth/0", StatusCode::FORBIDDEN),
        ("/api/v2/auth?group=4", StatusCode::OK),
        ("/api/v2/auth?group=1", StatusCode::FORBIDDEN),
        ("/api/v2/auth?foo=bar&group=998", StatusCode::OK),
        // Unlike Organizr, parameters after group= do not change it.
        ("/api/v2/auth?group=4&whitelist=203.0.113.1", StatusCode::OK),
        ("/api/v2/auth/?group=4", StatusCode::OK),
        ("/api/v2/auth-4", StatusCode::OK),
        ("/api/v2/auth-4/", StatusCode::OK),
        ("/api/v2/auth-3", StatusCode::FORBIDDEN),
        ("/api/v2/organizr-auth/4", StatusCode::OK),
        ("/api/v2/organizr-auth/1", StatusCode::FORBIDDEN),
        ("/api/v2/auth/4/deny/203.0.113.1", StatusCode::OK),
        ("/api/?v1/auth&group=4", StatusCode::OK),
        ("/api/index.php?v1/auth&group=4", StatusCode::OK),
        ("/api?v1/auth&group=4", StatusCode::OK),
        ("/api/?v1/auth&group=0", StatusCode::FORBIDDEN),
        ("/api/v2/auth/004", StatusCode::OK),
        // A missing group is 0, as in Organizr.
        ("/api/v2/auth", StatusCode::FORBIDDEN),
        ("/api/v2/auth/", StatusCode::FORBIDDEN),
        ("/api/v2/auth-", StatusCode::FORBIDDEN),
        ("/api/v2/organizr-auth", StatusCode::FORBIDDEN),
        ("/api/v2/auth?group=", StatusCode::FORBIDDEN),
        ("/api/?v1/auth", StatusCode::FORBIDDEN),
        ("/api/v2/auth?xgroup=4", StatusCode::FORBIDDEN),
    ] {
        let answer = send(&app, uri, &[cookie(&user)]).await;
        assert_eq!(answer.status, want, "{uri}: {}", answer.body);
        assert_no_store(&answer, uri);
        assert!(answer.data()["requested_group"].is_u64(), "{uri}");
    }
    // Admins pass everywhere, the missing group included.
    for uri in ["/api/v2/auth", "/api/?v1/auth", "/api/v2/auth-"] {
        let answer = send(&app, uri, &[cookie(&token("root", 0))]).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}");
        assert_eq!(answer.data()["requested_group"], 0, "{uri}");
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
async fn bad_groups_are_400_and_say_why() {
    let app = app();
    let admin = token("root", 0);
    for (bad, says) in [
        ("abc", "tab names cannot be looked up"),
        ("0x1", "tab names cannot be looked up"),
        ("1000", "out of range"),
        ("-1", "not a whole number"),
        ("1.5", "not a whole number"),
        ("1e3", "not a whole number"),
        ("+1", "not a whole number"),
        ("%201", "not a whole number"),
        ("99999999999999999999", "out of range"),
    ] {
        for uri in [
            format!("/api/v2/auth/{bad}"),
            format!("/auth/{bad}"),
            format!("/api/v2/auth-{bad}"),
            format!("/api/v2/auth?group={bad}"),
            format!("/api/?v1/auth&group={bad}"),
        ] {
            // Whatever the credential: the group is checked first.
            let answer = send(&app, &uri, &[cookie(&admin)]).await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}");
            assert_organizr_json(&answer, false, &answer.message(), &uri);
            assert!(answer.message().contains(says), "{uri}: {}", answer.body);
            assert!(answer.identity_headers().is_empty());
            assert_eq!(answer.data(), serde_json::Value::Null);
        }
    }
    for (uri, says) in [
        ("/api/v2/auth?group=1&group=2", "more than once"),
        ("/api/v2/auth?Group=1", "did you mean group"),
        ("/api/v2/auth/0?group=4", "given twice"),
        ("/api/v2/auth-0?group=4", "given twice"),
    ] {
        let answer = send(&app, uri, &[cookie(&admin)]).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(answer.message().contains(says), "{uri}: {}", answer.body);
    }
}

#[tokio::test]
async fn unknown_paths_are_organizr_404s() {
    let app = app();
    for uri in [
        "/",
        "/api/v2/authx/4",
        "/api/v2/auth-4/allow/127.0.0.1",
        "/api/v2/login?group=4",
        "/api/?v2/auth&group=4",
        "/api/",
    ] {
        let answer = send(&app, uri, &[]).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{uri}");
        assert_organizr_json(&answer, false, "Endpoint Not Found or Defined", uri);
        assert_eq!(answer.data()["method"], "GET");
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
async fn allowed_answers_carry_exactly_the_identity_headers_and_organizr_json() {
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
    assert_organizr_json(&answer, true, "User is authorized", "alice");
    // Organizr's field order, compact.
    assert_eq!(
        answer.body,
        r#"{"response":{"result":"success","message":"User is authorized","data":{"user":"alice","group":4,"email":"alice@example.org","user_ip":"10.0.0.2","requested_group":4}}}"#
    );
    assert_eq!(
        answer.data(),
        serde_json::json!({
            "user": "alice", "group": 4, "email": "alice@example.org",
            "user_ip": "10.0.0.2", "requested_group": 4,
        })
    );
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
    assert_organizr_json(
        &anonymous,
        false,
        "User is not Authorized or User is locked",
        "401",
    );
    assert_eq!(anonymous.data()["user"], "Guest");
    assert_eq!(anonymous.data()["group"], 999);
    assert_eq!(anonymous.data()["email"], serde_json::Value::Null);

    let low = send(&app, "/api/v2/auth/0", &[cookie(&token("alice", 4))]).await;
    assert_eq!(low.status, StatusCode::FORBIDDEN);
    assert!(low.identity_headers().is_empty(), "a 403 names nobody");
    assert_eq!(low.header("www-authenticate"), None);
    assert_organizr_json(
        &low,
        false,
        "User is not Authorized or User is locked",
        "403",
    );
    // The body does, as Organizr's.
    assert_eq!(low.data()["user"], "alice");
    assert_eq!(low.data()["group"], 4);
    assert_eq!(low.data()["requested_group"], 0);

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
async fn organizr_status_codes_answer_401_for_a_low_level_and_a_deny_list() {
    let app = app_with(
        Config::new(secret()).uuid(UUID),
        &[("ORGANIZR_FORWARD_AUTH_STATUS", "organizr")],
    );
    let low = send(&app, "/api/v2/auth/0", &[cookie(&token("alice", 4))]).await;
    assert_eq!(low.status, StatusCode::UNAUTHORIZED);
    assert_eq!(low.message(), "User is not Authorized or User is locked");
    assert!(low.identity_headers().is_empty());
    let denied = send(
        &app,
        "/api/v2/auth/4/deny/10.0.0.2",
        &[cookie(&token("alice", 4))],
    )
    .await;
    assert_eq!(denied.status, StatusCode::UNAUTHORIZED);
    assert_eq!(denied.message(), "User is blacklisted");
    assert_eq!(
        send(&app, "/api/v2/auth/998", &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(&app, "/api/v2/auth/4", &[cookie(&token("alice", 4))])
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn level_999_admits_anonymous_requests_as_organizr_guests() {
    let app = app();
    let anonymous = send(&app, "/api/v2/auth/999", &[]).await;
    assert_eq!(anonymous.status, StatusCode::OK);
    assert_eq!(
        anonymous.identity_headers(),
        [
            "x-organizr-email: ",
            "x-organizr-group: 999",
            "x-organizr-user: Guest"
        ],
        "Organizr's guest headers, and never a Remote-* header for a guest"
    );
    assert_eq!(
        anonymous.data(),
        serde_json::json!({
            "user": "Guest", "group": 999, "email": null,
            "user_ip": "10.0.0.2", "requested_group": 999,
        })
    );
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
        // At 999 the request passes, but as a guest.
        let guest = send_from(&app, CLIENT, "GET", "/api/v2/auth/999", &spoof).await;
        assert_eq!(guest.status, StatusCode::OK);
        assert!(
            guest
                .identity_headers()
                .contains(&"x-organizr-user: Guest".to_owned()),
            "{:?}",
            guest.identity_headers()
        );
        assert!(
            !guest
                .identity_headers()
                .iter()
                .any(|h| h.starts_with("remote-")),
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
async fn a_login_url_alone_redirects_nobody() {
    let app = app_with(
        Config::new(secret())
            .uuid(UUID)
            .login_url("https://organizr.example/")
            .unwrap(),
        &[("ORGANIZR_LOGIN_URL", "https://organizr.example/")],
    );
    let browser = [
        ("accept", "text/html,application/xhtml+xml".to_owned()),
        ("x-forwarded-proto", "https".to_owned()),
        ("x-forwarded-host", "app.example".to_owned()),
        ("x-forwarded-uri", "/".to_owned()),
    ];
    for method in ["GET", "POST"] {
        let answer = send_from(&app, CLIENT, method, "/api/v2/auth/998", &browser).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{method}");
        assert_eq!(answer.header("location"), None);
    }
}

#[tokio::test]
async fn no_bearer_challenge_when_bearer_is_off() {
    let app = app_with(Config::new(secret()).uuid(UUID).accept_bearer(false), &[]);
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

// --- IP lists ---------------------------------------------------------------------

/// Regression (issue 12): `/api/v2/auth/0?blacklist=203.0.113.7` answered 200
/// to that address, because the parameter was ignored. Organizr itself drops
/// it on this route too (its path defaults replace it).
#[tokio::test]
async fn a_query_deny_list_is_kept_on_path_routes() {
    let app = app();
    let admin = token("root", 0);
    for uri in [
        "/api/v2/auth/0?blacklist=192.0.2.7",
        "/api/v2/organizr-auth/0?blacklist=192.0.2.7",
        "/api/v2/auth-0?blacklist=192.0.2.7",
        "/api/v2/auth?blacklist=192.0.2.7&group=0",
        "/api/v2/auth?group=0&blacklist=192.0.2.7",
        "/api/v2/auth/0?type=deny&ips=192.0.2.0%2F24",
        "/api/?v1/auth&group=0&blacklist=192.0.2.7",
    ] {
        let answer = send_from(&app, CLIENT, "GET", uri, &[cookie(&admin)]).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{uri}");
        assert_organizr_json(&answer, false, "User is blacklisted", uri);
        assert!(answer.identity_headers().is_empty(), "{uri}");
        assert_eq!(answer.data()["user"], "root", "{uri}");
        assert_eq!(answer.data()["user_ip"], "192.0.2.7", "{uri}");
        // Another client passes.
        let other = send_from(&app, "198.51.100.1", "GET", uri, &[cookie(&admin)]).await;
        assert_eq!(other.status, StatusCode::OK, "{uri}");
    }
}

#[tokio::test]
async fn an_allow_list_match_skips_authentication_and_names_nobody() {
    let app = app();
    for uri in [
        "/api/v2/auth/0/allow/192.0.2.7",
        "/api/v2/auth/0/WL/10.0.0.0/8,192.0.2.0/24",
        "/api/v2/auth/0/white/192.0.2.0%2F24",
        "/api/v2/auth/0?whitelist=192.0.2.7",
        "/api/v2/auth-0?type=w&ips=192.0.2.7",
        "/api/?v1/auth&group=0&whitelist=192.0.2.7",
        // Allow wins over deny, as in Organizr.
        "/api/v2/auth/0/deny/192.0.2.7?whitelist=192.0.2.7",
    ] {
        let answer = send_from(&app, CLIENT, "GET", uri, &[]).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.body);
        assert_organizr_json(&answer, true, "User is whitelisted", uri);
        assert!(answer.identity_headers().is_empty(), "{uri}");
        assert_eq!(answer.data()["user"], "Guest");
        // With a cookie: still no identity headers (Organizr's), but named in the body.
        let alice = send_from(&app, CLIENT, "GET", uri, &[cookie(&token("alice", 4))]).await;
        assert_eq!(alice.status, StatusCode::OK, "{uri}");
        assert!(alice.identity_headers().is_empty(), "{uri}");
        assert_eq!(alice.data()["user"], "alice");
        // Anyone else must sign in.
        let other = send_from(&app, "198.51.100.1", "GET", uri, &[]).await;
        assert_eq!(other.status, StatusCode::UNAUTHORIZED, "{uri}");
    }
}

#[tokio::test]
async fn list_types_in_any_case_and_bad_types() {
    let app = app();
    for kind in [
        "allow",
        "ALLOW",
        "whitelist",
        "White",
        "w",
        "WL",
        "deny",
        "Blacklist",
        "black",
        "B",
        "bl",
    ] {
        let answer = send_from(
            &app,
            CLIENT,
            "GET",
            &format!("/api/v2/auth/4/{kind}/192.0.2.7"),
            &[],
        )
        .await;
        let want =
            if kind.to_ascii_lowercase().starts_with('w') || kind.eq_ignore_ascii_case("allow") {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
        assert_eq!(answer.status, want, "{kind}");
    }
    // Organizr's own refusal: 401, data null, its message with the type as given.
    for uri in [
        "/api/v2/auth/4/BoGus/192.0.2.7",
        "/api/v2/auth/4/BoGus",
        "/api/v2/auth?group=4&type=BoGus&ips=192.0.2.7",
        "/api/v2/auth/abc/BoGus/192.0.2.7",
    ] {
        let answer = send_from(&app, CLIENT, "GET", uri, &[cookie(&token("root", 0))]).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{uri}");
        assert_organizr_json(&answer, false, "BoGus is not a valid type", uri);
        assert_eq!(answer.data(), serde_json::Value::Null, "{uri}");
    }
}

/// A list that does not parse is a loud 400 naming the entry, never a rule
/// silently dropped.
#[tokio::test]
async fn malformed_lists_are_400_naming_the_entry() {
    let app = app();
    let admin = [cookie(&token("root", 0))];
    for (uri, says) in [
        (
            "/api/v2/auth/0?blacklist=203.0.113.7,bad_entry",
            r#""bad_entry" (entry 2)"#,
        ),
        ("/api/v2/auth/0/deny/10.0.0.0/33", "10.0.0.0/33"),
        ("/api/v2/auth/0/deny/", "type is given without ips"),
        ("/api/v2/auth/0/allow", "type is given without ips"),
        ("/api/v2/auth/0?type=deny", "type is given without ips"),
        ("/api/v2/auth/0?ips=192.0.2.1", "ips is given without type"),
        ("/api/v2/auth/0?blacklist=", "empty ip list"),
        (
            "/api/v2/auth/0?Blacklist=192.0.2.1",
            "did you mean blacklist",
        ),
        (
            "/api/v2/auth/0?whitelist[]=192.0.2.1",
            "did you mean whitelist",
        ),
        (
            "/api/v2/auth/0?blacklist=192.0.2.1&blacklist=192.0.2.2",
            "more than once",
        ),
        (
            "/api/v2/auth/0/deny/192.0.2.1?blacklist=192.0.2.2",
            "both blacklist and type/ips give the deny list",
        ),
    ] {
        let answer = send_from(&app, CLIENT, "GET", uri, &admin).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{uri}: {}",
            answer.body
        );
        assert!(answer.message().contains(says), "{uri}: {}", answer.body);
        assert!(answer.identity_headers().is_empty());
        assert_no_store(&answer, uri);
    }
}

#[tokio::test]
async fn the_client_address_is_the_peer_unless_the_peer_reports_it() {
    // No ORGANIZR_REAL_IP_FROM: forwarding headers are never read.
    let app = app();
    for spoof in [
        xff("192.0.2.7"),
        ("client-ip", "192.0.2.7".to_owned()),
        ("x-real-ip", "192.0.2.7".to_owned()),
        ("forwarded", "for=192.0.2.7".to_owned()),
    ] {
        let answer = send_from(
            &app,
            "198.51.100.1",
            "GET",
            "/api/v2/auth/0/allow/192.0.2.7",
            std::slice::from_ref(&spoof),
        )
        .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{spoof:?}");
        assert_eq!(answer.data()["user_ip"], "198.51.100.1");
    }

    // Behind a proxy that reports addresses: the rightmost one it appended.
    let app = behind_proxy(&[]);
    let allow = "/api/v2/auth/0/allow/192.0.2.7";
    let cases: &[(&str, Headers, StatusCode, &str)] = &[
        (
            "10.0.0.9",
            vec![xff("192.0.2.7")],
            StatusCode::OK,
            "192.0.2.7",
        ),
        // The client wrote the allowed address on the left: never read.
        (
            "10.0.0.9",
            vec![xff("192.0.2.7, 198.51.100.1")],
            StatusCode::UNAUTHORIZED,
            "198.51.100.1",
        ),
        (
            "10.0.0.9",
            vec![xff("192.0.2.7"), xff("198.51.100.1")],
            StatusCode::UNAUTHORIZED,
            "198.51.100.1",
        ),
        // A listed proxy in the chain is skipped.
        (
            "10.0.0.9",
            vec![xff("192.0.2.7, 10.0.0.9")],
            StatusCode::OK,
            "192.0.2.7",
        ),
        // Organizr's headers count for nothing.
        (
            "10.0.0.9",
            vec![("client-ip", "192.0.2.7".to_owned()), xff("198.51.100.1")],
            StatusCode::UNAUTHORIZED,
            "198.51.100.1",
        ),
        // Another peer's header is not read.
        (
            "198.51.100.1",
            vec![xff("192.0.2.7")],
            StatusCode::UNAUTHORIZED,
            "198.51.100.1",
        ),
        // The listed proxy sent nothing usable: unknown, never the proxy's own.
        ("10.0.0.9", vec![], StatusCode::UNAUTHORIZED, "unknown"),
        (
            "10.0.0.9",
            vec![xff("garbage")],
            StatusCode::UNAUTHORIZED,
            "unknown",
        ),
    ];
    for (from, headers, status, user_ip) in cases {
        let answer = send_from(&app, from, "GET", allow, headers).await;
        assert_eq!(answer.status, *status, "{from} {headers:?}");
        assert_eq!(answer.data()["user_ip"], *user_ip, "{from} {headers:?}");
    }
}

#[tokio::test]
async fn an_unknown_client_matches_every_deny_list_and_no_allow_list() {
    let app = behind_proxy(&[]);
    let admin = cookie(&token("root", 0));
    let deny = send_from(
        &app,
        "10.0.0.9",
        "GET",
        "/api/v2/auth/0/deny/203.0.113.7",
        std::slice::from_ref(&admin),
    )
    .await;
    assert_eq!(deny.status, StatusCode::FORBIDDEN);
    assert_eq!(deny.message(), "User is blacklisted");
    assert_eq!(deny.data()["user_ip"], "unknown");
    // The proxy's own address is on the allow list: an unknown client still
    // does not match it.
    let allow = send_from(
        &app,
        "10.0.0.9",
        "GET",
        "/api/v2/auth/0/allow/10.0.0.9",
        &[],
    )
    .await;
    assert_eq!(allow.status, StatusCode::UNAUTHORIZED);
    // Without lists an unknown client is just not matched: the group decides.
    let plain = send_from(&app, "10.0.0.9", "GET", "/api/v2/auth/0", &[admin]).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.data()["user_ip"], "unknown");
    // A UNIX-socket peer without "@" in the list, and a server without peer
    // information, are unknown too.
    for from in ["unix", "unknown"] {
        let answer = send_from(&app, from, "GET", "/api/v2/auth/999/deny/192.0.2.1", &[]).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{from}");
    }
}

#[tokio::test]
async fn x_real_ip_and_forwarded_when_configured() {
    let app = behind_proxy(&[("ORGANIZR_REAL_IP_HEADER", "X-Real-IP")]);
    let uri = "/api/v2/auth/0/allow/192.0.2.7";
    let real = send_from(
        &app,
        "10.0.0.9",
        "GET",
        uri,
        &[("x-real-ip", "192.0.2.7".to_owned())],
    )
    .await;
    assert_eq!(real.status, StatusCode::OK);
    // X-Forwarded-For is not read any more.
    let other = send_from(&app, "10.0.0.9", "GET", uri, &[xff("192.0.2.7")]).await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED);

    let app = behind_proxy(&[("ORGANIZR_REAL_IP_HEADER", "Forwarded")]);
    let fwd = send_from(
        &app,
        "10.0.0.9",
        "GET",
        uri,
        &[(
            "forwarded",
            "for=198.51.100.1, for=\"192.0.2.7:4711\";proto=https".to_owned(),
        )],
    )
    .await;
    assert_eq!(fwd.status, StatusCode::OK);
    assert_eq!(fwd.data()["user_ip"], "192.0.2.7");
}

#[tokio::test]
async fn host_names_in_lists_match_their_addresses_once_resolved() {
    let names = NameResolver::builder()
        .lookup(|name: &str| match name {
            "home.example" => Ok(vec![IpAddr::from([192, 0, 2, 7])]),
            _ => Err(std::io::ErrorKind::NotFound.into()),
        })
        .build();
    let app = ForwardAuth::new(Arc::new(Authenticator::new(config())), settings(&[]))
        .with_name_resolver(names.clone())
        .router();
    let uri = "/api/v2/auth/0/deny/home.example";
    let admin = [cookie(&token("root", 0))];
    // The first request registers the name; until it resolves it matches
    // nothing (core's access docs).
    let _ = send_from(&app, CLIENT, "GET", uri, &admin).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while names.status("home.example") == NameStatus::Pending && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(matches!(
        names.status("home.example"),
        NameStatus::Resolved(_)
    ));
    let denied = send_from(&app, CLIENT, "GET", uri, &admin).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(denied.message(), "User is blacklisted");
    let other = send_from(&app, "198.51.100.1", "GET", uri, &admin).await;
    assert_eq!(other.status, StatusCode::OK);
    // A name that does not resolve matches no client in a deny list.
    names.register(&IpList::parse("nowhere.invalid").unwrap());
    while names.status("nowhere.invalid") == NameStatus::Pending && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(matches!(
        names.status("nowhere.invalid"),
        NameStatus::Unresolved
    ));
    let unresolved = send_from(
        &app,
        CLIENT,
        "GET",
        "/api/v2/auth/0/deny/nowhere.invalid",
        &admin,
    )
    .await;
    assert_eq!(unresolved.status, StatusCode::OK);
}

// --- login redirects ------------------------------------------------------------------

fn redirecting() -> Router {
    app_with(
        Config::new(secret()).uuid(UUID),
        &[
            ("ORGANIZR_LOGIN_URL", "https://organizr.example.com/"),
            ("ORGANIZR_REDIRECT_HOSTS", "example.com,*.example.com"),
        ],
    )
}

fn forwarded(host: &str, uri: &str) -> Vec<(&'static str, String)> {
    vec![
        ("x-forwarded-proto", "https".to_owned()),
        ("x-forwarded-host", host.to_owned()),
        ("x-forwarded-uri", uri.to_owned()),
        ("x-forwarded-method", "GET".to_owned()),
    ]
}

fn browser(mut headers: Vec<(&'static str, String)>) -> Vec<(&'static str, String)> {
    headers.push((
        "accept",
        "text/html,application/xhtml+xml,*/*;q=0.8".to_owned(),
    ));
    headers
}

#[tokio::test]
async fn refused_browsers_of_listed_hosts_are_sent_to_the_login_page() {
    let app = redirecting();
    let headers = browser(forwarded("app.example.com", "/watch?v=1&list=a b%2F"));
    // A raw space is not a URI a proxy sends: no redirect.
    let answer = send_from(&app, CLIENT, "GET", "/api/v2/auth/998", &headers).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);

    let headers = browser(forwarded(
        "app.example.com:8443",
        "/watch?v=1&list=a+b%2F#x",
    ));
    for method in ["GET", "POST"] {
        let answer = send_from(&app, CLIENT, method, "/api/v2/auth/998", &headers).await;
        assert_eq!(answer.status, StatusCode::FOUND, "{method}");
        assert_eq!(
            answer.header("location"),
            Some(
                "https://organizr.example.com/?return=https%3A%2F%2Fapp.example.com%3A8443%2Fwatch%3Fv%3D1%26list%3Da%2Bb%252F%23x"
            )
        );
        assert_organizr_json(
            &answer,
            false,
            "User is not Authorized or User is locked",
            method,
        );
    }
}

#[tokio::test]
async fn everything_else_gets_the_plain_answer() {
    let app = redirecting();
    let alice = cookie(&token("alice", 4));
    let cases: &[(&str, Headers, StatusCode)] = &[
        // An API client.
        (
            "/api/v2/auth/998",
            forwarded("app.example.com", "/"),
            StatusCode::UNAUTHORIZED,
        ),
        // Another host: never echoed into Location.
        (
            "/api/v2/auth/998",
            browser(forwarded("evil.example.net", "/")),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "/api/v2/auth/998",
            browser(forwarded("example.com.evil.net", "/")),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "/api/v2/auth/998",
            browser(forwarded("a.example.com@evil.net", "/")),
            StatusCode::UNAUTHORIZED,
        ),
        // Headers missing.
        (
            "/api/v2/auth/998",
            browser(vec![]),
            StatusCode::UNAUTHORIZED,
        ),
        // A deny-list match is not a login matter.
        (
            "/api/v2/auth/998/deny/192.0.2.7",
            browser(forwarded("app.example.com", "/")),
            StatusCode::FORBIDDEN,
        ),
        // A signed-in user whose level is too low: the login page would send
        // them straight back.
        (
            "/api/v2/auth/0",
            {
                let mut h = browser(forwarded("app.example.com", "/"));
                h.push(alice.clone());
                h
            },
            StatusCode::FORBIDDEN,
        ),
    ];
    for (uri, headers, status) in cases {
        let answer = send_from(&app, CLIENT, "GET", uri, headers).await;
        assert_eq!(answer.status, *status, "{uri} {headers:?}");
        assert_eq!(answer.header("location"), None, "{uri} {headers:?}");
    }
}

#[tokio::test]
async fn the_login_redirect_route_for_nginx() {
    let app = redirecting();
    let go = send_from(
        &app,
        PROXY,
        "GET",
        "/login-redirect",
        &browser(forwarded("example.com", "/a?b=c")),
    )
    .await;
    assert_eq!(go.status, StatusCode::FOUND);
    assert_eq!(
        go.header("location"),
        Some("https://organizr.example.com/?return=https%3A%2F%2Fexample.com%2Fa%3Fb%3Dc")
    );
    assert_no_store(&go, "302");
    // Never a 2xx, whoever asks.
    for headers in [
        forwarded("example.com", "/"),
        browser(forwarded("evil.example.net", "/")),
        vec![cookie(&token("root", 0))],
    ] {
        let no = send_from(&app, PROXY, "GET", "/login-redirect", &headers).await;
        assert_eq!(no.status, StatusCode::UNAUTHORIZED, "{headers:?}");
        assert_eq!(no.header("location"), None);
    }
    // Without redirect settings: always 401.
    let plain = send_from(
        &app_with(Config::new(secret()), &[]),
        PROXY,
        "GET",
        "/login-redirect",
        &browser(forwarded("example.com", "/")),
    )
    .await;
    assert_eq!(plain.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn on_a_unix_socket_the_proxy_is_at() {
    let app = app_with(
        Config::new(secret()).uuid(UUID),
        &[("ORGANIZR_REAL_IP_FROM", "@")],
    );
    let allowed = send_from(
        &app,
        "unix",
        "GET",
        "/api/v2/auth/0/allow/192.0.2.7",
        &[xff("192.0.2.7")],
    )
    .await;
    assert_eq!(allowed.status, StatusCode::OK);
    assert_eq!(allowed.data()["user_ip"], "192.0.2.7");
    // A TCP peer's header is not read.
    let tcp = send_from(
        &app,
        CLIENT,
        "GET",
        "/api/v2/auth/0/allow/203.0.113.1",
        &[xff("203.0.113.1")],
    )
    .await;
    assert_eq!(tcp.status, StatusCode::UNAUTHORIZED);
}
