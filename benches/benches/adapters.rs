//! Question 5: what do the adapters add to a request?
//!
//! The same realistic request (twenty headers, the Organizr cookie among ten
//! others, see `benches/src/lib.rs`) goes through the same router with and
//! without the adapter, in one run:
//! - `adapters/axum`: an axum `Router` with one `GET /` handler, called with
//!   `tower::ServiceExt::oneshot` on a current-thread tokio runtime, `plain`
//!   versus `with_layer` (`OrganizrAuth`, level 4 required, the peer from
//!   axum's `ConnectInfo`);
//! - `adapters/actix`: an actix-web `App` with the same handler, called with
//!   `actix_web::test::call_service`, `plain` versus `with_middleware`
//!   (`OrganizrAuth`, level 4 required, the peer from `TestRequest::peer_addr`).
//!
//! `*_anonymous_401` sends the same request without the token (refused by the
//! adapter before the handler). `*_sessions` is `with_layer` /
//! `with_middleware` with Organizr's session check on: an Organizr-schema
//! SQLite database holds the token's session, and every request is checked
//! against its snapshot. The reverse proxy is the peer (trusted, no
//! `Remote-User`), as behind Traefik or nginx.
//!
//! Each iteration builds its request inside the timed section, the same way in
//! every variant, so the difference between `plain` and the adapter is what the
//! adapter adds. Building requests ahead in batches (`iter_batched`) would look
//! cleaner but is wrong here: a batch of thousands of requests no longer fits in
//! the cache, so the adapter (the only variant that reads the 2 KB of headers)
//! would pay cache misses a server that has just parsed the request never pays
//! (a batched run had actix adding 8.6 µs instead of 2.8).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::Arc;

use actix_web::{App, HttpResponse, test, web};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::routing::get;
use criterion::{criterion_group, criterion_main};
use http::{HeaderMap, Request, StatusCode};
use organizr_auth_actix::OrganizrAuth;
use organizr_auth_benches as fx;
use organizr_auth_core::session::{SessionOptions, SessionStore};
use organizr_auth_core::{Authenticator, Config, GroupLevel, Peer, TokenValidator};
use tower::ServiceExt;

fn proxy_addr() -> SocketAddr {
    match fx::proxy_peer() {
        Peer::Tcp(addr) => addr,
        other => panic!("the proxy peer is TCP, not {other:?}"),
    }
}

fn axum_request(headers: &HeaderMap) -> Request<Body> {
    let mut req = Request::get("/")
        .extension(ConnectInfo(proxy_addr()))
        .body(Body::empty())
        .unwrap();
    *req.headers_mut() = headers.clone();
    req
}

const SCHEMA: &str = include_str!("../../organizr-auth-core/tests/data/organizr-schema.sql");

/// [`fx::authenticator`] with Organizr's session check on: a fresh database
/// in `dir` holding the realistic token's session and its user.
fn authenticator_with_sessions(dir: &std::path::Path) -> Authenticator {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("orgdb.db");
    let _ = std::fs::remove_file(&path);
    let token = fx::realistic_token();
    let claims = TokenValidator::new(&fx::secret()).validate(&token).unwrap();
    let user_id = i64::try_from(claims.user_id.unwrap()).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(SCHEMA).unwrap();
    conn.execute(
        "INSERT INTO users (id, username, email, `group`, group_id, locked) VALUES (?1, ?2, ?3, ?4, ?5, 0)",
        rusqlite::params![
            user_id,
            claims.username,
            claims.email,
            claims.group,
            claims.group_id.get()
        ],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO tokens (token, user_id, browser, ip, created, expires) VALUES (?1, ?2, 'Mozilla/5.0', '10.0.0.1', '2026-12-01 10:00:00', '2099-12-31 12:00:00')",
        rusqlite::params![token, user_id],
    )
    .unwrap();
    let store = SessionStore::open(&path, SessionOptions::new()).unwrap();
    let proxies = fx::TRUSTED_PROXIES.parse().unwrap();
    let config = Config::new(fx::secret())
        .uuid(fx::uuid())
        .trusted_proxies(proxies)
        .user_header("Remote-User")
        .unwrap()
        .session_store(store);
    let auth = Authenticator::new(config);
    assert!(auth.checks_sessions());
    auth
}

fn bench_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("organizr-bench-adapters-{}", std::process::id()))
}

fn axum(c: &mut criterion::Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let auth = Arc::new(fx::authenticator());
    let plain: Router = Router::new().route("/", get(|| async { "ok" }));
    let layered: Router = Router::new()
        .route("/", get(|| async { "ok" }))
        .layer(organizr_auth_tower::OrganizrAuth::new(auth).require(GroupLevel::USER));
    let sessions = Arc::new(authenticator_with_sessions(&bench_dir().join("axum")));
    let with_sessions: Router = Router::new()
        .route("/", get(|| async { "ok" }))
        .layer(organizr_auth_tower::OrganizrAuth::new(sessions).require(GroupLevel::USER));
    let with_token = fx::request_headers(Some(&fx::realistic_token()), &[]);
    let without = fx::request_headers(None, &[]);

    let status = |app: &Router, headers: &HeaderMap| {
        rt.block_on(app.clone().oneshot(axum_request(headers)))
            .unwrap()
            .status()
    };
    assert_eq!(status(&plain, &with_token), StatusCode::OK);
    assert_eq!(status(&layered, &with_token), StatusCode::OK);
    assert_eq!(status(&layered, &without), StatusCode::UNAUTHORIZED);
    assert_eq!(status(&with_sessions, &with_token), StatusCode::OK);

    let mut g = c.benchmark_group("adapters/axum");
    for (name, app, headers) in [
        ("plain", &plain, &with_token),
        ("with_layer", &layered, &with_token),
        ("with_layer_anonymous_401", &layered, &without),
        ("with_layer_sessions", &with_sessions, &with_token),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| rt.block_on(app.clone().oneshot(axum_request(headers))))
        });
    }
    g.finish();
}

fn actix_request(headers: &HeaderMap) -> test::TestRequest {
    let mut req = test::TestRequest::get().uri("/").peer_addr(proxy_addr());
    for (name, value) in headers {
        req = req.append_header((name.as_str(), value.as_bytes()));
    }
    req
}

fn actix(c: &mut criterion::Criterion) {
    let sys = actix_web::rt::System::new();
    let auth = Arc::new(fx::authenticator());
    let handler = || async { HttpResponse::Ok().body("ok") };
    let plain = sys.block_on(test::init_service(
        App::new().route("/", web::get().to(handler)),
    ));
    let wrapped = sys.block_on(test::init_service(
        App::new()
            .wrap(OrganizrAuth::new(auth).require(GroupLevel::USER))
            .route("/", web::get().to(handler)),
    ));
    let sessions = Arc::new(authenticator_with_sessions(&bench_dir().join("actix")));
    let wrapped_sessions = sys.block_on(test::init_service(
        App::new()
            .wrap(OrganizrAuth::new(sessions).require(GroupLevel::USER))
            .route("/", web::get().to(handler)),
    ));
    let with_token = fx::request_headers(Some(&fx::realistic_token()), &[]);
    let without = fx::request_headers(None, &[]);

    let plain_status = sys
        .block_on(test::call_service(
            &plain,
            actix_request(&with_token).to_request(),
        ))
        .status();
    assert_eq!(plain_status.as_u16(), 200);
    let ok = sys
        .block_on(test::call_service(
            &wrapped,
            actix_request(&with_token).to_request(),
        ))
        .status();
    assert_eq!(ok.as_u16(), 200);
    let refused = sys
        .block_on(test::call_service(
            &wrapped,
            actix_request(&without).to_request(),
        ))
        .status();
    assert_eq!(refused.as_u16(), 401);
    let ok_sessions = sys
        .block_on(test::call_service(
            &wrapped_sessions,
            actix_request(&with_token).to_request(),
        ))
        .status();
    assert_eq!(ok_sessions.as_u16(), 200);

    let mut g = c.benchmark_group("adapters/actix");
    g.bench_function("plain", |b| {
        b.iter(|| {
            sys.block_on(test::call_service(
                &plain,
                actix_request(&with_token).to_request(),
            ))
        })
    });
    g.bench_function("with_middleware", |b| {
        b.iter(|| {
            sys.block_on(test::call_service(
                &wrapped,
                actix_request(&with_token).to_request(),
            ))
        })
    });
    g.bench_function("with_middleware_anonymous_401", |b| {
        b.iter(|| {
            sys.block_on(test::call_service(
                &wrapped,
                actix_request(&without).to_request(),
            ))
        })
    });
    g.bench_function("with_middleware_sessions", |b| {
        b.iter(|| {
            sys.block_on(test::call_service(
                &wrapped_sessions,
                actix_request(&with_token).to_request(),
            ))
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(bench_dir());
}

criterion_group! {
    name = benches;
    config = fx::criterion();
    targets = axum, actix
}
criterion_main!(benches);
