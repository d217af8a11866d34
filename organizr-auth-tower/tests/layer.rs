//! The layer and the extractors in axum routers: per-route layers, extractor
//! outcomes, custom rejections, peer lookups and the missing-peer warning.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use common::{EventCounter, body_text};
use http::request::Parts;
use http::{Extensions, Request, StatusCode};
use http_body_util::Full;
use organizr_auth_core::{
    Authentication, Authenticator, Denial, GroupLevel, Identity, Peer, Rejection, Source,
};
use organizr_auth_testkit::{self as testkit, ConfigKind};
use organizr_auth_tower::{
    Admin, CoAdmin, ExtractorRejection, OrganizrAuth, OrganizrAuthentication, OrganizrUser,
    PowerUser, RequireLevel, UnixPeer,
};
use tower::{Layer, ServiceExt, service_fn};

fn authenticator(kind: ConfigKind) -> Arc<Authenticator> {
    Arc::new(Authenticator::new(kind.config()))
}

fn standard() -> Arc<Authenticator> {
    authenticator(ConfigKind::Standard)
}

/// A request from an untrusted client, optionally with a session cookie.
fn get_req(path: &str, token: Option<&str>) -> Request<Body> {
    let mut builder = Request::get(path);
    if let Some(token) = token {
        builder = builder.header("cookie", testkit::cookie(token));
    }
    let mut request = builder.body(Body::empty()).unwrap();
    request.extensions_mut().insert(testkit::untrusted_v4());
    request
}

fn user_token() -> String {
    testkit::token("alice", 4)
}

fn admin_token() -> String {
    testkit::token("root", 0)
}

async fn who(OrganizrAuthentication(auth): OrganizrAuthentication) -> String {
    auth.identity()
        .map_or_else(|| "anonymous".to_owned(), |id| id.username.clone())
}

// ---------------------------------------------------------------- route_layer

fn routed_app() -> Router {
    let auth = standard();
    Router::new()
        .route("/admin", get(who))
        .route_layer(OrganizrAuth::new(Arc::clone(&auth)).require(GroupLevel::ADMIN))
        .route("/public", get(who))
        .layer(OrganizrAuth::new(auth).pass_through())
}

#[tokio::test]
async fn route_layer_guards_only_its_routes() {
    let app = routed_app();
    let user = user_token();

    let response = app
        .clone()
        .oneshot(get_req("/admin", Some(&user)))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(!body_text(response).await.contains("alice"));

    let response = app
        .clone()
        .oneshot(get_req("/public", Some(&user)))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_text(response).await, "alice");

    let response = app
        .clone()
        .oneshot(get_req("/admin", Some(&admin_token())))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_text(response).await, "root");

    let response = app.clone().oneshot(get_req("/admin", None)).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer realm=\"Organizr\""
    );

    let response = app.clone().oneshot(get_req("/public", None)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_text(response).await, "anonymous");

    // route_layer does not turn unknown paths into 401s.
    let response = app.oneshot(get_req("/nowhere", None)).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rejected_requests_never_reach_the_inner_service() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let service = OrganizrAuth::new(standard())
        .require(GroupLevel::USER)
        .layer(service_fn(move |_req: Request<Body>| {
            counted.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, Infallible>(Response::new(Body::from("inner"))) }
        }));
    let response = service.clone().oneshot(get_req("/", None)).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = service
        .clone()
        .oneshot(get_req("/", Some(&testkit::token("kid", 12))))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    let response = service
        .oneshot(get_req("/", Some(&user_token())))
        .await
        .unwrap();
    assert_eq!(body_text(response).await, "inner");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn default_policy_requires_a_login() {
    let layer = OrganizrAuth::new(standard());
    assert_eq!(layer.current_policy().required(), GroupLevel::LOGGED_IN);
    assert!(!layer.current_policy().downstream_headers());
    let app = Router::new().route("/", get(who)).layer(layer);
    let response = app.clone().oneshot(get_req("/", None)).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = app
        .oneshot(get_req("/", Some(&testkit::token("kid", 12))))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[test]
fn builders_keep_the_downstream_setting() {
    let layer = OrganizrAuth::new(standard())
        .downstream_headers(true)
        .require(GroupLevel::ADMIN);
    assert_eq!(layer.current_policy().required(), GroupLevel::ADMIN);
    assert!(layer.current_policy().downstream_headers());
    let layer = layer.pass_through();
    assert_eq!(layer.current_policy().required(), GroupLevel::GUEST);
    assert!(layer.current_policy().downstream_headers());
    // Debug never needs the closures to be Debug.
    let debug = format!("{:?}", layer.peer_lookup(|_: &Extensions| None));
    assert!(debug.contains("OrganizrAuth"), "{debug}");
}

#[tokio::test]
async fn bare_identity_extension_never_survives_the_layer() {
    // Something before the layer left an Identity on the request: it must not
    // pass for a verified one, whatever the layer's verdict. The verified
    // identity is in the Authentication.
    let app = Router::new()
        .route(
            "/",
            get(
                |identity: Option<Extension<Identity>>,
                 OrganizrAuthentication(auth): OrganizrAuthentication| async move {
                    format!(
                        "{} {:?}",
                        identity.is_some(),
                        auth.identity().map(|i| i.username.clone())
                    )
                },
            ),
        )
        .layer(OrganizrAuth::new(standard()).pass_through());
    for token in [None, Some(user_token())] {
        let mut request = get_req("/", token.as_deref());
        request
            .extensions_mut()
            .insert(Identity::new("root", GroupLevel::ADMIN, Source::Proxy));
        let response = app.clone().oneshot(request).await.unwrap();
        let want = if token.is_some() {
            "false Some(\"alice\")"
        } else {
            "false None"
        };
        assert_eq!(body_text(response).await, want);
    }
}

// ----------------------------------------------------------------- extractors

async fn me(OrganizrUser(user): OrganizrUser) -> String {
    format!("{} {} {}", user.username, user.group_id, user.source)
}

async fn maybe(user: Option<OrganizrUser>) -> String {
    user.map_or_else(|| "none".to_owned(), |OrganizrUser(u)| u.username)
}

async fn power(RequireLevel(user): PowerUser) -> String {
    user.username
}

async fn admin(admin: Admin) -> String {
    admin.username.clone()
}

async fn co_admin(user: CoAdmin) -> String {
    user.into_inner().username
}

async fn custom(RequireLevel(user): RequireLevel<12>) -> String {
    user.username
}

async fn maybe_admin(user: Option<Admin>) -> String {
    user.map_or_else(|| "none".to_owned(), |a| a.0.username)
}

async fn explained(user: Result<OrganizrUser, ExtractorRejection>) -> Response {
    match user {
        Ok(OrganizrUser(user)) => user.username.into_response(),
        Err(rejection) => {
            let kind = match rejection.denial() {
                Some(Denial::Unauthenticated { .. }) => "unauthenticated",
                Some(Denial::Forbidden { .. }) => "forbidden",
                Some(_) => "other",
                None => "no layer",
            };
            (StatusCode::IM_A_TEAPOT, kind).into_response()
        }
    }
}

fn extractor_routes() -> Router {
    Router::new()
        .route("/me", get(me))
        .route("/maybe", get(maybe))
        .route("/power", get(power))
        .route("/admin", get(admin))
        .route("/co-admin", get(co_admin))
        .route("/custom", get(custom))
        .route("/maybe-admin", get(maybe_admin))
        .route("/explained", get(explained))
}

fn extractor_app(kind: ConfigKind) -> Router {
    extractor_routes().layer(OrganizrAuth::new(authenticator(kind)).pass_through())
}

async fn status_and_body(app: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    (status, body_text(response).await)
}

#[tokio::test]
async fn organizr_user_extractor() {
    let app = extractor_app(ConfigKind::Standard);
    let response = app.clone().oneshot(get_req("/me", None)).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer realm=\"Organizr\""
    );
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );

    // A refused credential is still a plain 401 that explains nothing.
    let expired = testkit::expired_token("alice", 4);
    let (status, body) = status_and_body(&app, get_req("/me", Some(&expired))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(!body.contains("expired"), "{body}");

    let (status, body) = status_and_body(&app, get_req("/me", Some(&user_token()))).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "alice 4 token"));
}

#[tokio::test]
async fn optional_extractor_gives_none_for_anonymous() {
    let app = extractor_app(ConfigKind::Standard);
    let (status, body) = status_and_body(&app, get_req("/maybe", None)).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "none"));
    // A refused credential is anonymous too.
    let forged = testkit::forged_token("root", 0);
    let (status, body) = status_and_body(&app, get_req("/maybe", Some(&forged))).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "none"));
    let (status, body) = status_and_body(&app, get_req("/maybe", Some(&user_token()))).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "alice"));

    let (_, body) = status_and_body(&app, get_req("/maybe-admin", Some(&user_token()))).await;
    assert_eq!(body, "none");
    let (_, body) = status_and_body(&app, get_req("/maybe-admin", Some(&admin_token()))).await;
    assert_eq!(body, "root");
}

#[tokio::test]
async fn level_extractors_give_403_below_and_200_at_or_above() {
    let app = extractor_app(ConfigKind::Standard);
    let user = user_token(); // level 4
    let power_user = testkit::token("pat", 3);
    let co = testkit::token("cole", 1);
    let kid = testkit::token("kid", 12);
    let kid_13 = testkit::token("teen", 13);
    let cases: Vec<(&str, Option<&str>, StatusCode, &str)> = vec![
        ("/power", None, StatusCode::UNAUTHORIZED, ""),
        ("/power", Some(&user), StatusCode::FORBIDDEN, ""),
        ("/power", Some(&power_user), StatusCode::OK, "pat"),
        ("/power", Some(&co), StatusCode::OK, "cole"),
        ("/admin", Some(&co), StatusCode::FORBIDDEN, ""),
        ("/admin", None, StatusCode::UNAUTHORIZED, ""),
        ("/co-admin", Some(&co), StatusCode::OK, "cole"),
        ("/co-admin", Some(&power_user), StatusCode::FORBIDDEN, ""),
        ("/custom", Some(&kid), StatusCode::OK, "kid"),
        ("/custom", Some(&kid_13), StatusCode::FORBIDDEN, ""),
        ("/custom", Some(&user), StatusCode::OK, "alice"),
    ];
    let admin = admin_token();
    let mut all = cases;
    all.push(("/admin", Some(&admin), StatusCode::OK, "root"));
    for (path, token, want_status, want_body) in all {
        let (status, body) = status_and_body(&app, get_req(path, token)).await;
        assert_eq!(status, want_status, "{path} with {token:?}: {body}");
        if want_status == StatusCode::OK {
            assert_eq!(body, want_body, "{path}");
        } else {
            assert!(
                !body.contains("level"),
                "{path}: the body explains too much: {body}"
            );
        }
    }
}

#[test]
fn require_level_constants() {
    assert_eq!(RequireLevel::<0>::LEVEL.get(), GroupLevel::ADMIN);
    assert_eq!(RequireLevel::<998>::LEVEL.get(), GroupLevel::LOGGED_IN);
    assert_eq!(PowerUser::LEVEL.get(), GroupLevel::POWER_USER);
}

#[tokio::test]
async fn extractors_redirect_browsers_like_the_layer() {
    let app = extractor_app(ConfigKind::Login);
    let mut request = get_req("/me", None);
    request
        .headers_mut()
        .insert("accept", "text/html".parse().unwrap());
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], testkit::LOGIN_URL);

    // A 403 is never a redirect.
    let mut request = get_req("/admin", Some(&user_token()));
    request
        .headers_mut()
        .insert("accept", "text/html".parse().unwrap());
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn no_bearer_config_means_no_challenge_from_extractors() {
    let app = extractor_app(ConfigKind::NoBearer);
    let response = app.oneshot(get_req("/me", None)).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(!response.headers().contains_key("www-authenticate"));
}

#[tokio::test]
async fn extractor_rejection_can_be_inspected() {
    let app = extractor_app(ConfigKind::Standard);
    let (status, body) = status_and_body(&app, get_req("/explained", None)).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::IM_A_TEAPOT, "unauthenticated")
    );
    let (status, body) = status_and_body(&app, get_req("/explained", Some(&user_token()))).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "alice"));

    let bare = extractor_routes();
    let (status, body) = status_and_body(&bare, get_req("/explained", None)).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::IM_A_TEAPOT, "no layer")
    );
}

#[tokio::test]
async fn extractors_without_layer_fail_closed_with_500() {
    let counter = EventCounter::default();
    let _guard = tracing::subscriber::set_default(counter.clone());
    let bare = extractor_routes();
    for path in ["/me", "/maybe", "/power", "/admin", "/maybe-admin"] {
        // Even a request that carries a good token: nothing checked it.
        let (status, body) = status_and_body(&bare, get_req(path, Some(&admin_token()))).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}: {body}");
        assert_eq!(body, "500 Internal Server Error\n");
    }
    assert_eq!(
        counter.errors(),
        5,
        "one error log per misconfigured request"
    );

    // An Authentication put there by someone else is not the layer's.
    let mut request = get_req("/maybe", None);
    request
        .extensions_mut()
        .insert(Authentication::Authenticated(Identity::new(
            "root",
            GroupLevel::ADMIN,
            Source::Proxy,
        )));
    let (status, _) = status_and_body(&bare, request).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
}

// ------------------------------------------------------------ custom responses

#[tokio::test]
async fn on_rejection_replaces_the_response() {
    let seen_headers = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = Arc::clone(&seen_headers);
    let layer = OrganizrAuth::new(standard())
        .require(GroupLevel::ADMIN)
        .on_rejection(move |rejection: Rejection, parts: &Parts| -> Response {
            seen.lock()
                .unwrap()
                .extend(parts.headers.keys().map(|k| k.as_str().to_owned()));
            let kind = match rejection.denial() {
                Denial::Unauthenticated { .. } => "login",
                Denial::Forbidden { .. } => "forbidden",
                _ => "other",
            };
            (
                rejection.status(),
                [("content-type", "application/json")],
                format!("{{\"error\":\"{kind}\"}}"),
            )
                .into_response()
        });
    let app = Router::new().route("/", get(who)).layer(layer);

    let mut request = get_req("/", None);
    request
        .headers_mut()
        .insert("remote-user", "root".parse().unwrap());
    request
        .headers_mut()
        .insert("x-request-id", "7".parse().unwrap());
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(body_text(response).await, r#"{"error":"login"}"#);
    // The handler saw the sanitised request.
    assert_eq!(*seen_headers.lock().unwrap(), ["x-request-id"]);

    let response = app
        .clone()
        .oneshot(get_req("/", Some(&user_token())))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(body_text(response).await, r#"{"error":"forbidden"}"#);

    let response = app
        .oneshot(get_req("/", Some(&admin_token())))
        .await
        .unwrap();
    assert_eq!(body_text(response).await, "root");
}

#[tokio::test]
async fn default_rejection_works_for_other_bodies() {
    // A hyper-style service answering Full<Bytes>.
    let service = OrganizrAuth::new(standard()).layer(service_fn(|_req: Request<()>| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"ok"))))
    }));
    let mut request = Request::new(());
    request.extensions_mut().insert(Peer::Unknown);
    let response = service.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert_eq!(body, "401 Unauthorized: sign in to Organizr\n");
}

// ---------------------------------------------------------------- peer lookup

#[tokio::test]
async fn missing_peer_is_untrusted_and_warned_once_per_layer() {
    let counter = EventCounter::default();
    let _guard = tracing::subscriber::set_default(counter.clone());

    // Config trusts 10.0.0.2, fd00::2 and UNIX sockets; the request has no peer.
    let app =
        Router::new()
            .route("/", get(who))
            .route(
                "/headers",
                get(|headers: http::HeaderMap| async move {
                    format!("{:?}", headers.get("remote-user"))
                }),
            )
            .layer(OrganizrAuth::new(standard()).pass_through());
    let no_peer = |path: &str| {
        Request::get(path)
            .header("remote-user", "root")
            .body(Body::empty())
            .unwrap()
    };
    for _ in 0..3 {
        let response = app.clone().oneshot(no_peer("/")).await.unwrap();
        assert_eq!(body_text(response).await, "anonymous");
    }
    let response = app.clone().oneshot(no_peer("/headers")).await.unwrap();
    assert_eq!(body_text(response).await, "None", "spoofed header stripped");
    assert_eq!(counter.warnings(), 1);

    // Requests with a peer do not warn.
    let mut request = no_peer("/");
    request.extensions_mut().insert(testkit::trusted_v4());
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(body_text(response).await, "root");
    assert_eq!(counter.warnings(), 1);

    // Another layer instance warns for itself, once.
    let other = Router::new()
        .route("/", get(who))
        .layer(OrganizrAuth::new(standard()).pass_through());
    for _ in 0..2 {
        other.clone().oneshot(no_peer("/")).await.unwrap();
    }
    assert_eq!(counter.warnings(), 2);
}

#[tokio::test]
async fn missing_peer_with_required_login_is_401() {
    let app = Router::new()
        .route("/", get(who))
        .layer(OrganizrAuth::new(standard()));
    let request = Request::get("/")
        .header("remote-user", "root")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        app.oneshot(request).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

#[derive(Clone)]
struct MyConnection {
    remote: SocketAddr,
}

#[tokio::test]
async fn custom_peer_lookup() {
    let counter = EventCounter::default();
    let _guard = tracing::subscriber::set_default(counter.clone());

    let layer = OrganizrAuth::new(standard())
        .pass_through()
        .peer_lookup(|ext: &Extensions| ext.get::<MyConnection>().map(|c| Peer::Tcp(c.remote)));
    let app = Router::new().route("/", get(who)).layer(layer);
    let from = |remote: &str| {
        let mut request = Request::get("/")
            .header("remote-user", "alice")
            .body(Body::empty())
            .unwrap();
        request.extensions_mut().insert(MyConnection {
            remote: remote.parse().unwrap(),
        });
        request
    };
    assert_eq!(
        body_text(app.clone().oneshot(from("10.0.0.2:1234")).await.unwrap()).await,
        "alice"
    );
    assert_eq!(
        body_text(app.clone().oneshot(from("192.0.2.7:1234")).await.unwrap()).await,
        "anonymous"
    );

    // The custom lookup replaces the default: a core Peer is not read.
    let mut request = Request::get("/")
        .header("remote-user", "alice")
        .body(Body::empty())
        .unwrap();
    request.extensions_mut().insert(testkit::trusted_v4());
    assert_eq!(
        body_text(app.oneshot(request).await.unwrap()).await,
        "anonymous"
    );
    assert_eq!(counter.warnings(), 1, "the miss is still reported");

    // Some(Peer::Unknown) is a deliberate answer: no warning.
    let quiet = Router::new().route("/", get(who)).layer(
        OrganizrAuth::new(standard())
            .pass_through()
            .peer_lookup(|_: &Extensions| Some(Peer::Unknown)),
    );
    quiet.oneshot(get_req("/", None)).await.unwrap();
    assert_eq!(counter.warnings(), 1);
}

#[tokio::test]
async fn unix_peer_extension_is_trusted_only_with_at() {
    let app = |auth: Arc<Authenticator>| {
        Router::new()
            .route("/", get(who))
            .layer(OrganizrAuth::new(auth))
    };
    let request = || {
        let mut request = Request::get("/")
            .header("remote-user", "alice")
            .body(Body::empty())
            .unwrap();
        request.extensions_mut().insert(UnixPeer::new());
        request
    };
    // testkit's list contains `@`.
    let response = app(standard()).oneshot(request()).await.unwrap();
    assert_eq!(body_text(response).await, "alice");

    let without_at = organizr_auth_core::Config::new(testkit::secret())
        .trusted_proxies("10.0.0.2".parse().unwrap());
    let response = app(Arc::new(Authenticator::new(without_at)))
        .oneshot(request())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[cfg(feature = "axum")]
#[tokio::test]
async fn connect_info_is_read_without_configuration() {
    use axum::extract::ConnectInfo;
    let app = Router::new()
        .route("/", get(who))
        .layer(OrganizrAuth::new(standard()));
    let from = |addr: &str| {
        Request::get("/")
            .header("remote-user", "alice")
            .extension(ConnectInfo(addr.parse::<SocketAddr>().unwrap()))
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        body_text(app.clone().oneshot(from("10.0.0.2:1")).await.unwrap()).await,
        "alice"
    );
    assert_eq!(
        body_text(
            app.clone()
                .oneshot(from("[::ffff:10.0.0.2]:1"))
                .await
                .unwrap()
        )
        .await,
        "alice"
    );
    assert_eq!(
        app.oneshot(from("10.0.0.3:1")).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

// ------------------------------------------------------- downstream + stacking

#[tokio::test]
async fn downstream_headers_on_inner_route_layer() {
    let auth = standard();
    let app = Router::new()
        .route(
            "/legacy",
            get(|headers: http::HeaderMap| async move {
                format!(
                    "{:?} {:?}",
                    headers.get("x-organizr-user"),
                    headers.get("x-organizr-group")
                )
            }),
        )
        .route_layer(
            OrganizrAuth::new(Arc::clone(&auth))
                .require(GroupLevel::USER)
                .downstream_headers(true),
        )
        .layer(OrganizrAuth::new(auth).pass_through());
    let mut request = get_req("/legacy", Some(&user_token()));
    request
        .headers_mut()
        .insert("x-organizr-group", "0".parse().unwrap());
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_text(response).await, "Some(\"alice\") Some(\"4\")");
}

/// Regression: an inner layer used to decide again and read the outer layer's
/// downstream `Remote-User` as a trusted proxy's header, dropping an API-key
/// request from level 0 to 998 (and refusing it outright with a group header
/// configured).
#[tokio::test]
async fn stacked_layers_decide_once() {
    for kind in [ConfigKind::Standard, ConfigKind::GroupHeader] {
        let auth = authenticator(kind);
        let app = Router::new()
            .route("/admin", get(who))
            .route_layer(OrganizrAuth::new(Arc::clone(&auth)).require(GroupLevel::ADMIN))
            .layer(
                OrganizrAuth::new(auth)
                    .pass_through()
                    .downstream_headers(true),
            );
        let proxy = axum::extract::ConnectInfo(SocketAddr::from(([10, 0, 0, 2], 4000)));
        let request = Request::get("/admin")
            .header("token", testkit::API_KEY)
            .extension(proxy)
            .body(Body::empty())
            .unwrap();
        let response = app.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{kind:?}");
        assert!(
            body_text(response).await.contains("Organizr API"),
            "{kind:?}"
        );
    }
}
