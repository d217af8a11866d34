//! The `axum-app` example's routes, with `organizr-auth-tower`. `actix-app`
//! ([`crate::actix_app`]) has the same routes with the same answers.
//!
//! | route | needs | answers |
//! |---|---|---|
//! | `GET /public` | nothing | `200`, [`PUBLIC_BODY`] |
//! | `GET /echo-headers` | nothing | `200`, the headers the handler received ([`echo_headers`]) |
//! | `GET /me` | level 998 (any logged-in user) | `200`, [`IdentityJson`] |
//! | `GET /admin` | level 0 (Admin) | `200`, [`IdentityJson`] |
//! | `GET /level/{n}` | level `n`; 999 admits anonymous requests | `200`, [`IdentityJson`] or `null`; `400` for a bad `n` |
//!
//! Refusals are the adapter's (core's): 401, or a redirect to
//! `ORGANIZR_LOGIN_URL` for browsers when one is configured, and 403 when the
//! level is too low.
//!
//! Every route sits behind an [`OrganizrAuth`], so identity headers sent
//! by anyone but a trusted proxy are removed before a handler runs; that is
//! what `/echo-headers` shows.

use std::sync::Arc;

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use organizr_auth_core::{Admission, Authenticator, GroupLevel, UserLevel};
use organizr_auth_tower::{OrganizrAuth, OrganizrUser};

use crate::json::{BAD_LEVEL_BODY, IdentityJson, PUBLIC_BODY, echo_headers};

/// The app. Serve it with `into_make_service_with_connect_info::<SocketAddr>()`
/// on TCP, or `::<organizr_auth_tower::UnixPeer>()` on a UNIX socket, so the
/// layer knows each request's socket peer.
pub fn router(auth: Arc<Authenticator>) -> Router {
    let layer = OrganizrAuth::new(auth);
    // One layer per route, each with its own policy: a request is processed
    // exactly once. `route_layer` runs it only for requests that match.
    Router::new()
        .route(
            "/me",
            get(identity).route_layer(layer.clone().require(GroupLevel::LOGGED_IN)),
        )
        .route(
            "/admin",
            get(identity).route_layer(layer.clone().require(GroupLevel::ADMIN)),
        )
        .route(
            "/level/{n}",
            get(level).route_layer(layer.clone().pass_through()),
        )
        .route(
            "/public",
            get(public).route_layer(layer.clone().pass_through()),
        )
        .route("/echo-headers", get(echo).route_layer(layer.pass_through()))
}

fn json(body: &impl serde::Serialize) -> Response {
    match serde_json::to_string(body) {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            text,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise a response");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn public() -> &'static str {
    PUBLIC_BODY
}

/// `/me` and `/admin`: the layer has already refused whoever is not allowed.
async fn identity(OrganizrUser(user): OrganizrUser) -> Response {
    json(&IdentityJson::from(&user))
}

/// `/level/{n}`: the level is known only per request, so the handler asks core
/// itself, and answers a refusal exactly as the layer would.
async fn level(
    Extension(who): Extension<Admission>,
    Path(n): Path<String>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let Ok(required) = n.parse::<GroupLevel>() else {
        return (
            StatusCode::BAD_REQUEST,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            )],
            BAD_LEVEL_BODY,
        )
            .into_response();
    };
    // Core logs the decision and builds the same rejection the layer would;
    // 999 admits anyone, with or without an identity.
    let answer = match UserLevel::new(required) {
        Some(level) => who.require(level, method.as_str(), &headers).map(Some),
        None => Ok(who.identity()),
    };
    match answer {
        Ok(identity) => json(&identity.map(IdentityJson::from)),
        Err(rejection) => rejection.to_response().into_response(),
    }
}

async fn echo(headers: HeaderMap) -> Response {
    json(&echo_headers(
        headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())),
    ))
}
