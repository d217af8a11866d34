//! `axum-app` and `actix-app` in-process: one table of requests, sent to both,
//! whose answers (status, the headers that matter, body bytes) must be what the
//! table says and identical between the two apps.

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

use actix_web::test as actix_test;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http::Request;
use organizr_auth_core::mint::TokenBuilder;
use organizr_auth_core::{Authenticator, Config, GroupLevel, Secret, TrustedProxies};
use organizr_auth_examples::json::{BAD_LEVEL_BODY, IdentityJson, PUBLIC_BODY};
use organizr_auth_examples::{actix_app, axum_app};
use tower::ServiceExt;

const KEY: &str = "apps-test-organizr-hash-0123456789abcdefgh";
const UUID: &str = "7d2e0f2a-0000-4000-8000-000000000002";
const LOGIN: &str = "https://organizr.example/?error=401";
const PROXY: &str = "10.0.0.2:40000";
const MAPPED_PROXY: &str = "[::ffff:10.0.0.2]:40000";
const CLIENT: &str = "192.0.2.7:40000";

fn secret() -> Secret {
    Secret::new(KEY).unwrap()
}

fn config(login: bool) -> Config {
    let config = Config::new(secret())
        .uuid(UUID)
        .trusted_proxies(TrustedProxies::parse("10.0.0.2").unwrap());
    if login {
        config.login_url(LOGIN).unwrap()
    } else {
        config
    }
}

fn token(user: &str, level: u16) -> String {
    TokenBuilder::new(user, GroupLevel::new(level).unwrap())
        .email(format!("{user}@example.org"))
        .user_id(7)
        .issued_at(SystemTime::now() - Duration::from_secs(5))
        .sign(&secret())
}

fn cookie(user: &str, level: u16) -> (&'static str, String) {
    (
        "cookie",
        format!("organizr_token_{UUID}={}", token(user, level)),
    )
}

/// What came back, reduced to what must match.
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    status: u16,
    content_type: Option<String>,
    location: Option<String>,
    www_authenticate: Option<String>,
    body: String,
}

struct Req {
    peer: &'static str,
    path: String,
    headers: Vec<(&'static str, String)>,
    login: bool,
}

fn get(path: &str) -> Req {
    Req {
        peer: CLIENT,
        path: path.to_owned(),
        headers: vec![],
        login: false,
    }
}

impl Req {
    fn from(mut self, peer: &'static str) -> Self {
        self.peer = peer;
        self
    }
    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
    fn with(mut self, (name, value): (&'static str, String)) -> Self {
        self.headers.push((name, value));
        self
    }
    fn with_login_url(mut self) -> Self {
        self.login = true;
        self
    }
}

async fn via_axum(req: &Req) -> Answer {
    let app = axum_app::router(Arc::new(Authenticator::new(config(req.login))));
    let mut builder = Request::get(req.path.as_str());
    for (n, v) in &req.headers {
        builder = builder.header(*n, v);
    }
    let request = builder
        .extension(ConnectInfo(req.peer.parse::<SocketAddr>().unwrap()))
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (status, content_type, location, www_authenticate) = (
        response.status().as_u16(),
        header("content-type"),
        header("location"),
        header("www-authenticate"),
    );
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    Answer {
        status,
        content_type,
        location,
        www_authenticate,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

async fn via_actix(req: &Req) -> Answer {
    let auth = Arc::new(Authenticator::new(config(req.login)));
    let app =
        actix_test::init_service(actix_web::App::new().configure(actix_app::configure(auth))).await;
    let mut builder = actix_test::TestRequest::get()
        .uri(&req.path)
        .peer_addr(req.peer.parse().unwrap());
    for (n, v) in &req.headers {
        builder = builder.append_header((*n, v.as_str()));
    }
    let response = actix_test::call_service(&app, builder.to_request()).await;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (status, content_type, location, www_authenticate) = (
        response.status().as_u16(),
        header("content-type"),
        header("location"),
        header("www-authenticate"),
    );
    let body = actix_test::read_body(response).await;
    Answer {
        status,
        content_type,
        location,
        www_authenticate,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

/// Sends `req` to both apps, checks they agree byte for byte, returns the answer.
async fn both(req: Req) -> Answer {
    // actix-web's test service needs its own runtime; run it on a LocalSet.
    let axum = via_axum(&req).await;
    let actix = tokio::task::LocalSet::new()
        .run_until(via_actix(&req))
        .await;
    assert_eq!(axum, actix, "axum and actix disagree on {}", req.path);
    axum
}

fn identity(body: &str) -> IdentityJson {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not an identity ({e}): {body}"))
}

const JSON: Option<&str> = Some("application/json");

#[tokio::test]
async fn public_is_open() {
    let a = both(get("/public")).await;
    assert_eq!((a.status, a.body.as_str()), (200, PUBLIC_BODY));
}

#[tokio::test]
async fn me_needs_a_login() {
    let a = both(get("/me")).await;
    assert_eq!(a.status, 401);
    assert_eq!(
        a.www_authenticate.as_deref(),
        Some("Bearer realm=\"Organizr\"")
    );

    let a = both(get("/me").with(cookie("alice", 4))).await;
    assert_eq!((a.status, a.content_type.as_deref()), (200, JSON));
    assert_eq!(
        a.body,
        r#"{"username":"alice","group_id":4,"group":"User","email":"alice@example.org","user_id":7,"source":"token"}"#
    );

    let bearer =
        both(get("/me").header("authorization", format!("Bearer {}", token("alice", 4)))).await;
    assert_eq!(bearer.body, a.body);
}

#[tokio::test]
async fn admin_needs_level_0() {
    assert_eq!(both(get("/admin")).await.status, 401);
    assert_eq!(
        both(get("/admin").with(cookie("alice", 4))).await.status,
        403
    );
    assert_eq!(both(get("/admin").with(cookie("co", 1))).await.status, 403);
    let a = both(get("/admin").with(cookie("root", 0))).await;
    assert_eq!(a.status, 200);
    assert_eq!(identity(&a.body).username, "root");
}

#[tokio::test]
async fn level_n_needs_level_n() {
    for (n, level, want) in [
        (4, 4, 200),
        (3, 4, 403),
        (5, 4, 200),
        (12, 12, 200),
        (11, 12, 403),
        (998, 12, 200),
    ] {
        let a = both(get(&format!("/level/{n}")).with(cookie("u", level))).await;
        assert_eq!(a.status, want, "/level/{n} as {level}");
    }
    assert_eq!(both(get("/level/998")).await.status, 401);
    assert_eq!(both(get("/level/0")).await.status, 401);
}

#[tokio::test]
async fn level_999_admits_anonymous_requests() {
    let a = both(get("/level/999")).await;
    assert_eq!(
        (a.status, a.content_type.as_deref(), a.body.as_str()),
        (200, JSON, "null")
    );
    let a = both(get("/level/999").with(cookie("alice", 4))).await;
    assert_eq!(identity(&a.body).username, "alice");
}

#[tokio::test]
async fn bad_levels_are_400() {
    for bad in ["abc", "1000", "-1", "1.5", "0x1", "%2B1"] {
        let a = both(get(&format!("/level/{bad}")).with(cookie("root", 0))).await;
        assert_eq!(
            (a.status, a.body.as_str()),
            (400, BAD_LEVEL_BODY),
            "/level/{bad}"
        );
    }
}

#[tokio::test]
async fn browsers_are_sent_to_the_login_url_when_one_is_set() {
    let html = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8";
    for path in ["/me", "/admin", "/level/4"] {
        let a = both(get(path).header("accept", html).with_login_url()).await;
        assert_eq!(
            (a.status, a.location.as_deref()),
            (302, Some(LOGIN)),
            "{path}"
        );
        // Not a browser: 401.
        let a = both(
            get(path)
                .header("accept", "application/json")
                .with_login_url(),
        )
        .await;
        assert_eq!(a.status, 401, "{path}");
        // Logged in but too low: 403, never a redirect.
        let a = both(
            get("/admin")
                .with(cookie("alice", 4))
                .header("accept", html)
                .with_login_url(),
        )
        .await;
        assert_eq!((a.status, a.location), (403, None));
    }
}

#[tokio::test]
async fn remote_user_counts_only_from_the_trusted_proxy() {
    for proxy in [PROXY, MAPPED_PROXY] {
        let a = both(get("/me").from(proxy).header("remote-user", "bob")).await;
        assert_eq!(a.status, 200, "{proxy}");
        assert_eq!(
            a.body,
            r#"{"username":"bob","group_id":998,"group":null,"email":null,"user_id":null,"source":"proxy"}"#
        );
        // A proxy user is level 998: not an admin.
        assert_eq!(
            both(get("/admin").from(proxy).header("remote-user", "bob"))
                .await
                .status,
            403
        );
    }
    assert_eq!(
        both(get("/me").header("remote-user", "admin")).await.status,
        401
    );
    assert_eq!(
        both(get("/admin").header("remote-user", "admin"))
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn spoofed_identity_headers_never_reach_the_handler() {
    let spoofed = get("/echo-headers")
        .header("remote-user", "admin")
        .header("remote_user", "admin")
        .header("Remote-Groups", "Admin")
        .header("remote-email", "admin@example.org")
        .header("x-organizr-user", "admin")
        .header("x-organizr-group", "0")
        .header("x-organizr-email", "admin@example.org")
        .header("x-request-id", "kept");
    let a = both(spoofed).await;
    assert_eq!((a.status, a.content_type.as_deref()), (200, JSON));
    assert_eq!(a.body, r#"{"x-request-id":["kept"]}"#);

    // From the trusted proxy the same headers are the proxy's word, and arrive.
    let a = both(
        get("/echo-headers")
            .from(PROXY)
            .header("remote-user", "bob"),
    )
    .await;
    assert_eq!(a.body, r#"{"remote-user":["bob"]}"#);
}

#[tokio::test]
async fn echo_headers_keeps_every_value() {
    let a = both(
        get("/echo-headers")
            .header("x-a", "1")
            .header("x-a", "2")
            .header("Accept", "*/*"),
    )
    .await;
    assert_eq!(a.body, r#"{"accept":["*/*"],"x-a":["1","2"]}"#);
}
