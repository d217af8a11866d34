//! Core's shared behaviour table, run through the layer: in an axum `Router`
//! (peer given as axum's `ConnectInfo`, as a served app gets it, and as a core
//! `Peer` extension), with the table's extractors and stacked layers, and
//! around a bare `tower::service_fn` with a `String` body (the layer-only
//! cases). Every failing case is reported at once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::routing::{MethodRouter, any};
use axum::{Extension, Router};
use http::request::Parts;
use http::{HeaderMap, Request, Response};
use organizr_auth_core::{Admission, Authentication, Authenticator, Identity, Peer, Rejection};
use organizr_auth_testkit::{self as testkit, CUSTOM_REJECTION_HEADER, Case, Extractor, Route};
use organizr_auth_tower::{
    Admin, OrganizrAuth, OrganizrAuthentication, OrganizrUser, RequireLevel, UnixPeer,
};
use tower::{ServiceBuilder, ServiceExt, service_fn};

/// How the test hands the socket peer to the layer.
#[derive(Debug, Clone, Copy)]
enum PeerVia {
    /// axum's `ConnectInfo<SocketAddr>` / `ConnectInfo<UnixPeer>`, as
    /// `into_make_service_with_connect_info` inserts them.
    #[cfg(feature = "axum")]
    ConnectInfo,
    /// A core `Peer` (TCP) or a bare `UnixPeer` extension, as a non-axum
    /// server would insert them.
    Extension,
}

fn insert_peer(extensions: &mut http::Extensions, peer: Peer, via: PeerVia) {
    match (peer, via) {
        // Unknown: the server gave nothing at all.
        (Peer::Unknown, _) => {}
        #[cfg(feature = "axum")]
        (Peer::Tcp(addr), PeerVia::ConnectInfo) => {
            extensions.insert(axum::extract::ConnectInfo(addr));
        }
        #[cfg(feature = "axum")]
        (Peer::Unix, PeerVia::ConnectInfo) => {
            extensions.insert(axum::extract::ConnectInfo(UnixPeer::new()));
        }
        (Peer::Unix, PeerVia::Extension) => {
            extensions.insert(UnixPeer::new());
        }
        (peer, PeerVia::Extension) => {
            extensions.insert(peer);
        }
        #[allow(unreachable_patterns)]
        (peer, via) => panic!("no way to hand {peer:?} over {via:?}"),
    }
}

fn request<B>(case: &Case, body: B, via: PeerVia) -> Request<B> {
    let mut builder = Request::builder().method(case.method).uri(&case.uri);
    for (name, value) in &case.headers {
        builder = builder.header(*name, value);
    }
    let mut request = builder.body(body).expect("case request");
    insert_peer(request.extensions_mut(), case.peer, via);
    request
}

/// The handler's answer: the testkit echo, or a marker that fails the check
/// when a bare `Identity` extension reached the handler (the layer removes it).
fn echo(auth: &Authentication, identity: Option<&Identity>, headers: &HeaderMap) -> String {
    if identity.is_some() {
        return format!("a bare identity extension {identity:?} reached the handler");
    }
    testkit::echo(
        Some(auth),
        headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())),
    )
}

async fn handler(
    OrganizrAuthentication(auth): OrganizrAuthentication,
    identity: Option<Extension<Identity>>,
    headers: HeaderMap,
) -> String {
    echo(&auth, identity.as_ref().map(|Extension(i)| i), &headers)
}

fn user_echo(user: Option<Identity>, headers: &HeaderMap) -> String {
    let auth = match user {
        Some(user) => Authentication::Authenticated(user),
        None => Authentication::Anonymous { refused: None },
    };
    echo(&auth, None, headers)
}

/// The route's handler: the table's extractor, or the plain echo.
fn route_handler(route: &Route) -> MethodRouter {
    match route {
        Route::Layer(_) | Route::Stacked { .. } => any(handler),
        Route::Extractor(Extractor::User) => {
            any(|OrganizrUser(u): OrganizrUser, h: HeaderMap| async move { user_echo(Some(u), &h) })
        }
        Route::Extractor(Extractor::Admin) => {
            any(|RequireLevel(u): Admin, h: HeaderMap| async move { user_echo(Some(u), &h) })
        }
        Route::Extractor(Extractor::Level4) => any(
            |RequireLevel(u): RequireLevel<4>, h: HeaderMap| async move { user_echo(Some(u), &h) },
        ),
        Route::Extractor(Extractor::OptionalUser) => {
            any(|u: Option<OrganizrUser>, h: HeaderMap| async move {
                user_echo(u.map(OrganizrUser::into_inner), &h)
            })
        }
    }
}

/// What the table's custom rejection handler answers.
fn custom_rejection<B: Default>(rejection: Rejection, _: &Parts) -> Response<B> {
    Response::builder()
        .status(rejection.status())
        .header(CUSTOM_REJECTION_HEADER, "handler")
        .body(B::default())
        .unwrap()
}

async fn run_router(case: &Case, via: PeerVia) -> Result<(), String> {
    let auth = Arc::new(Authenticator::new(case.config()));
    let layer = |policy| OrganizrAuth::new(Arc::clone(&auth)).policy(policy);
    let route = route_handler(&case.route);
    let app = match (case.route.clone(), case.custom_rejection) {
        (Route::Stacked { outer, inner }, false) => Router::new()
            .route("/protected", route)
            .route_layer(layer(inner))
            .layer(layer(outer)),
        (Route::Stacked { outer, inner }, true) => Router::new()
            .route("/protected", route)
            .route_layer(layer(inner).on_rejection(custom_rejection::<Body>))
            .layer(layer(outer).on_rejection(custom_rejection::<Body>)),
        (_, false) => Router::new()
            .route("/protected", route)
            .layer(layer(case.policy())),
        (_, true) => Router::new()
            .route("/protected", route)
            .layer(layer(case.policy()).on_rejection(custom_rejection::<Body>)),
    };
    let response = app
        .oneshot(request(case, Body::empty(), via))
        .await
        .expect("infallible");
    case.check(&common::observe(response).await)
}

/// The layer-only cases around a bare `service_fn` (no axum, no extractors).
async fn run_service_fn(case: &Case) -> Result<(), String> {
    let Route::Layer(policy) = case.route.clone() else {
        return Ok(());
    };
    let inner = service_fn(|req: Request<String>| async move {
        let admission = req
            .extensions()
            .get::<Admission>()
            .expect("layer attached the admission");
        let body = echo(
            admission.authentication(),
            req.extensions().get::<Identity>(),
            req.headers(),
        );
        Ok::<_, Infallible>(Response::new(body))
    });
    let layer = OrganizrAuth::new(Authenticator::new(case.config())).policy(policy);
    let request = request(case, String::new(), PeerVia::Extension);
    let response = if case.custom_rejection {
        ServiceBuilder::new()
            .layer(layer.on_rejection(custom_rejection::<String>))
            .service(inner)
            .oneshot(request)
            .await
    } else {
        ServiceBuilder::new()
            .layer(layer)
            .service(inner)
            .oneshot(request)
            .await
    }
    .expect("infallible");
    let (parts, body) = response.into_parts();
    case.check(&common::observed_from(
        &parts.headers,
        parts.status.as_u16(),
        body,
    ))
}

fn report(what: &str, count: usize, failures: Vec<String>) {
    assert!(count > 60, "{what}: the table has only {count} cases");
    assert!(
        failures.is_empty(),
        "{what}: {} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[cfg(feature = "axum")]
#[tokio::test]
async fn every_case_through_axum_router_with_connect_info() {
    let cases = testkit::cases();
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(e) = run_router(case, PeerVia::ConnectInfo).await {
            failures.push(e);
        }
    }
    report("axum Router, ConnectInfo", cases.len(), failures);
}

#[tokio::test]
async fn every_case_through_axum_router_with_peer_extension() {
    let cases = testkit::cases();
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(e) = run_router(case, PeerVia::Extension).await {
            failures.push(e);
        }
    }
    report("axum Router, Peer extension", cases.len(), failures);
}

#[tokio::test]
async fn every_case_through_bare_service_fn() {
    let cases = testkit::cases();
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(e) = run_service_fn(case).await {
            failures.push(e);
        }
    }
    report("tower service_fn", cases.len(), failures);
}

/// The table must reach the peer paths this adapter translates; otherwise the
/// runs above would prove less than they claim.
#[test]
fn table_covers_every_peer_kind() {
    let cases = testkit::cases();
    let has = |f: fn(&Peer) -> bool| cases.iter().any(|c| f(&c.peer));
    assert!(has(|p| matches!(p, Peer::Unix)));
    assert!(has(|p| matches!(p, Peer::Unknown)));
    assert!(has(|p| matches!(p, Peer::Tcp(a) if a.is_ipv6())));
    assert!(has(|p| matches!(p, Peer::Tcp(a) if a.is_ipv4())));
    let routes = |f: fn(&Case) -> bool| cases.iter().any(f);
    assert!(routes(|c| matches!(c.route, Route::Stacked { .. })));
    assert!(routes(
        |c| c.custom_rejection && matches!(c.route, Route::Extractor(_))
    ));
    for e in [
        Extractor::User,
        Extractor::Admin,
        Extractor::Level4,
        Extractor::OptionalUser,
    ] {
        assert!(
            cases.iter().any(|c| c.route == Route::Extractor(e)),
            "{e:?}"
        );
    }
}
