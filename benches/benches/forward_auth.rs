//! Question 6, in process: what forward-auth's own code adds to a request,
//! without the network, hyper or the kernel (`load.sh` measures the whole
//! server under `wrk`).
//!
//! forward-auth's router (`forward_auth::router::ForwardAuth`, default
//! settings), called with `tower::ServiceExt::oneshot` on a current-thread
//! runtime, with the same realistic request head every time (twenty headers,
//! the Organizr cookie among ten others, from the trusted proxy):
//! - `healthz`: `GET /healthz`, the plain handler `load.sh` compares with;
//! - `guest_999`: `/api/v2/auth/999` without the cookie (Organizr's guest
//!   answer);
//! - `cookie_998`: `/api/v2/auth/998` with the cookie: resolution (a cache
//!   hit after the first request), the JSON body and the identity headers;
//! - `cookie_998_cache_off`: the same with the token cache off (every request
//!   checks the token in full);
//! - `refused_998`: `/api/v2/auth/998` without the cookie (401, logged at
//!   info; no subscriber is installed here, so the line is not written).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use criterion::{criterion_group, criterion_main};
use forward_auth::router::{ForwardAuth, PeerInfo};
use forward_auth::settings::Settings;
use http::{HeaderMap, Request, StatusCode};
use organizr_auth_benches as fx;
use organizr_auth_core::Authenticator;
use tower::ServiceExt;

fn request(path: &str, headers: &HeaderMap) -> Request<Body> {
    let mut req = Request::get(path).body(Body::empty()).unwrap();
    *req.headers_mut() = headers.clone();
    req.extensions_mut()
        .insert(ConnectInfo(PeerInfo(fx::proxy_peer())));
    req
}

fn forward_auth(c: &mut criterion::Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let app = |auth: Authenticator| ForwardAuth::new(Arc::new(auth), Settings::default()).router();
    let cached: Router = app(fx::authenticator());
    let uncached: Router = app(Authenticator::new(fx::config().token_cache(0).unwrap()));
    let with_token = fx::request_headers(Some(&fx::realistic_token()), &[]);
    let without = fx::request_headers(None, &[]);
    let cases: [(&str, &Router, &str, &HeaderMap, StatusCode); 5] = [
        ("healthz", &cached, "/healthz", &with_token, StatusCode::OK),
        (
            "guest_999",
            &cached,
            "/api/v2/auth/999",
            &without,
            StatusCode::OK,
        ),
        (
            "cookie_998",
            &cached,
            "/api/v2/auth/998",
            &with_token,
            StatusCode::OK,
        ),
        (
            "cookie_998_cache_off",
            &uncached,
            "/api/v2/auth/998",
            &with_token,
            StatusCode::OK,
        ),
        (
            "refused_998",
            &cached,
            "/api/v2/auth/998",
            &without,
            StatusCode::UNAUTHORIZED,
        ),
    ];
    for &(name, router, path, headers, status) in &cases {
        let answer = rt
            .block_on(router.clone().oneshot(request(path, headers)))
            .unwrap();
        assert_eq!(answer.status(), status, "{name}");
        if name == "cookie_998" {
            assert_eq!(answer.headers()["remote-user"], "root", "{name}");
        }
    }
    let mut g = c.benchmark_group("forward_auth");
    for &(name, router, path, headers, _) in &cases {
        g.bench_function(name, |b| {
            b.iter(|| rt.block_on(router.clone().oneshot(request(path, headers))))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = fx::criterion();
    targets = forward_auth
}
criterion_main!(benches);
