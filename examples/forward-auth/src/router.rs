//! The routes of forward-auth, and the answer to each subrequest.
//!
//! A reverse proxy sends each incoming request's headers here (a subrequest)
//! and lets the request through only on a 2xx. The routes:
//!
//! | route | group from |
//! |---|---|
//! | `/api/v2/auth/{group}` | the path (any method) |
//! | `/auth/{group}` | the path (any method) |
//! | `/api/v2/auth?group=N` | the query (Organizr v2's documented form) |
//! | `/api/?v1/auth&group=N` | the query (Organizr v1's nginx rewrite rule) |
//! | `GET /healthz` | answers 200 `ok` |
//!
//! The group is a level from 0 to 999 ([`GroupLevel`]'s parser); anything else
//! is a 400. Then:
//!
//! - **200** when the request's credentials reach the level, with the identity
//!   in exactly [`Identity::headers`] (`Remote-User`, `Remote-Email`,
//!   `Remote-Groups`, `X-Organizr-User`, `X-Organizr-Email`, `X-Organizr-Group`)
//!   for the proxy to copy onto the request it forwards. Level 999 admits
//!   anonymous requests (with no identity headers).
//! - **401** with no valid credential, **403** when the level is too low.
//!
//! Never a redirect: nginx's `auth_request` accepts only 2xx, 401 and 403 from
//! the subrequest (anything else becomes a 500), so `ORGANIZR_LOGIN_URL` is
//! ignored here. Send browsers to the login page from the proxy instead
//! (nginx: `error_page 401 = @login;`, see `deploy/nginx.conf`).
//!
//! # Security
//! This server's socket peer is the reverse proxy, so the trusted-proxy list
//! applies to it as to any app: a `Remote-User` in the subrequest is believed
//! only if the proxy is on `ORGANIZR_TRUSTED_PROXIES`. Keep that list empty
//! unless a proxy in front of the proxy really authenticates users: nginx and
//! Caddy copy the *client's* headers into the subrequest, so trusting them here
//! would let any client send `Remote-User: admin`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::serve::IncomingStream;
use axum::{Router, body::Body};
use organizr_auth_core::{
    Authentication, Authenticator, GroupLevel, Identity, Verdict, proxy::Peer,
};
use tokio::net::{TcpListener, UnixListener};

/// Builds the forward-auth router. Serve it with
/// `into_make_service_with_connect_info::<PeerInfo>()` so that handlers know
/// the socket peer; without it every request is from [`Peer::Unknown`] (never
/// trusted).
pub fn router(auth: Arc<Authenticator>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v2/auth/{group}", any(by_path))
        .route("/auth/{group}", any(by_path))
        .route("/api/v2/auth", any(by_query))
        .route("/api/", any(v1))
        .with_state(auth)
}

/// The socket peer of a connection, for TCP and UNIX listeners alike.
///
/// Tests insert `ConnectInfo(PeerInfo(peer))` into a request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerInfo(pub Peer);

impl Connected<IncomingStream<'_, TcpListener>> for PeerInfo {
    fn connect_info(stream: IncomingStream<'_, TcpListener>) -> Self {
        PeerInfo(Peer::Tcp(*stream.remote_addr()))
    }
}

impl Connected<IncomingStream<'_, UnixListener>> for PeerInfo {
    fn connect_info(_stream: IncomingStream<'_, UnixListener>) -> Self {
        PeerInfo(Peer::Unix)
    }
}

impl Connected<SocketAddr> for PeerInfo {
    fn connect_info(addr: SocketAddr) -> Self {
        PeerInfo(Peer::Tcp(addr))
    }
}

/// The request's peer; [`Peer::Unknown`] when the server did not record one,
/// which is never trusted (fail closed rather than a 500).
struct RequestPeer(Peer);

impl<S: Send + Sync> FromRequestParts<S> for RequestPeer {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<PeerInfo>>()
            .map_or(Peer::Unknown, |info| info.0.0);
        Ok(RequestPeer(peer))
    }
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn by_path(
    State(auth): State<Arc<Authenticator>>,
    RequestPeer(peer): RequestPeer,
    Path(group): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    decide(&auth, &peer, uri.query(), &headers, Some(&group))
}

async fn by_query(
    State(auth): State<Arc<Authenticator>>,
    RequestPeer(peer): RequestPeer,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    match group_param(uri.query()) {
        Ok(group) => decide(&auth, &peer, uri.query(), &headers, group),
        Err(message) => bad_request(message),
    }
}

/// Organizr v1's `/api/?v1/auth&group=N`: the query's first item names the
/// endpoint (PHP sees it as the key `v1/auth`).
async fn v1(
    State(auth): State<Arc<Authenticator>>,
    RequestPeer(peer): RequestPeer,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let query = uri.query();
    let endpoint = query
        .and_then(|q| q.split('&').next())
        .map(|first| first.split('=').next().unwrap_or(first));
    if endpoint != Some("v1/auth") {
        return (StatusCode::NOT_FOUND, "404 Not Found\n").into_response();
    }
    match group_param(query) {
        Ok(group) => decide(&auth, &peer, query, &headers, group),
        Err(message) => bad_request(message),
    }
}

/// The single `group` parameter of a query string, undecoded (a level has only
/// digits). Missing is `Ok(None)`; a repeated parameter is refused rather than
/// guessed between.
fn group_param(query: Option<&str>) -> Result<Option<&str>, &'static str> {
    let mut found = None;
    for pair in query.unwrap_or_default().split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if name == "group" {
            if found.is_some() {
                return Err("400 Bad Request: the group parameter is given more than once\n");
            }
            found = Some(value);
        }
    }
    Ok(found)
}

fn bad_request(message: &'static str) -> Response {
    let mut response = (StatusCode::BAD_REQUEST, message).into_response();
    no_store(response.headers_mut());
    response
}

/// Auth answers depend on the caller's cookies: never cache them. (`insert`,
/// not `append`: core's rejections already say so.)
fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// The decision for one subrequest.
fn decide(
    auth: &Arc<Authenticator>,
    peer: &Peer,
    query: Option<&str>,
    headers: &HeaderMap,
    group: Option<&str>,
) -> Response {
    let Some(group) = group else {
        return bad_request(
            "400 Bad Request: the group is missing: use /api/v2/auth/N or ?group=N with N from 0 to 999\n",
        );
    };
    let required: GroupLevel = match group.parse() {
        Ok(level) => level,
        Err(_) => {
            return bad_request(
                "400 Bad Request: the group must be a whole number from 0 to 999\n",
            );
        }
    };
    // Core believes identity headers only from a trusted peer, logs the
    // decision, and never answers with a login redirect here (see the module
    // documentation). Nothing needs stripping: this server forwards nothing.
    match auth.forward_auth(headers, query, *peer, required) {
        Verdict::Allow(admission) => allowed(admission.authentication()),
        Verdict::Reject(rejection) => {
            let mut response = rejection.to_response().map(Body::from);
            no_store(response.headers_mut());
            response
        }
    }
}

fn allowed(who: &Authentication) -> Response {
    let mut response = Response::new(Body::empty());
    let headers = response.headers_mut();
    no_store(headers);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    let body = match who.identity() {
        Some(id) => {
            headers.extend(id.headers());
            describe(id)
        }
        None => "200 OK: guest\n".to_owned(),
    };
    *response.body_mut() = Body::from(body);
    response
}

fn describe(id: &Identity) -> String {
    match id.group_name() {
        Some(group) => format!("200 OK: {} (group {} {group})\n", id.username, id.group_id),
        None => format!("200 OK: {} (group {})\n", id.username, id.group_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_param_forms() {
        assert_eq!(group_param(Some("group=4")), Ok(Some("4")));
        assert_eq!(group_param(Some("v1/auth&group=0")), Ok(Some("0")));
        assert_eq!(group_param(Some("a=b")), Ok(None));
        assert_eq!(group_param(None), Ok(None));
        assert_eq!(group_param(Some("group")), Ok(Some("")));
        assert!(group_param(Some("group=1&group=2")).is_err());
    }
}
