//! forward-auth in process: build a server from core's `Config` and
//! forward-auth's settings, send it requests from a chosen socket peer, read
//! the answer (status, identity headers, Organizr's JSON).

#![allow(dead_code, clippy::indexing_slicing)]

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use forward_auth::router::{ForwardAuth, PeerInfo};
use forward_auth::settings::Settings;
use organizr_auth_core::mint::TokenBuilder;
use organizr_auth_core::proxy::Peer;
use organizr_auth_core::{Authenticator, Config, GroupLevel, Secret};
use serde_json::Value;
use tower::ServiceExt;

pub const KEY: &str = "forward-auth-test-organizr-hash-0123456789";
pub const UUID: &str = "6c1e0f2a-0000-4000-8000-000000000001";

pub fn secret() -> Secret {
    Secret::new(KEY).unwrap()
}

/// A router from `config` and forward-auth's variables `vars` (name, value).
pub fn app_with(config: Config, vars: &[(&str, &str)]) -> Router {
    ForwardAuth::new(Arc::new(Authenticator::new(config)), settings(vars)).router()
}

/// forward-auth's settings from `vars`.
pub fn settings(vars: &[(&str, &str)]) -> Settings {
    Settings::from_vars(|name| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| (*v).to_owned())
    })
    .unwrap()
}

/// A token for `user` at `level`, signed with [`KEY`], with an e-mail address.
pub fn token(user: &str, level: u16) -> String {
    TokenBuilder::new(user, GroupLevel::new(level).unwrap())
        .email(format!("{user}@example.org"))
        .issued_at(SystemTime::now() - Duration::from_secs(5))
        .sign(&secret())
}

/// The session cookie header for `token`.
pub fn cookie(token: &str) -> (&'static str, String) {
    ("cookie", format!("organizr_token_{UUID}={token}"))
}

/// One answer.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// The identity headers, sorted, as `name: value` (lower-case names).
    pub fn identity_headers(&self) -> Vec<String> {
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

    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    /// `response.result`.
    pub fn result(&self) -> String {
        self.json()["response"]["result"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// `response.message`.
    pub fn message(&self) -> String {
        self.json()["response"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// `response.data`.
    pub fn data(&self) -> Value {
        self.json()["response"]["data"].clone()
    }
}

/// The socket peer for `peer`: `unix`, `unknown`, `IP` or `IP:PORT`.
pub fn peer(peer: &str) -> Peer {
    match peer {
        "unix" => Peer::Unix,
        "unknown" => Peer::Unknown,
        _ => match peer.parse::<SocketAddr>() {
            Ok(addr) => Peer::Tcp(addr),
            Err(_) => Peer::Tcp(SocketAddr::new(peer.parse::<IpAddr>().unwrap(), 40000)),
        },
    }
}

/// Sends one request from `from` (see [`peer`]).
pub async fn send_from(
    app: &Router,
    from: &str,
    method: &str,
    uri: &str,
    headers: &[(&str, String)],
) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    for (n, v) in headers {
        request = request.header(*n, v);
    }
    let request = match peer(from) {
        Peer::Unknown => request.body(Body::empty()).unwrap(),
        known => request
            .extension(ConnectInfo(PeerInfo(known)))
            .body(Body::empty())
            .unwrap(),
    };
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
#[track_caller]
pub fn assert_no_store(answer: &Answer, what: &str) {
    let values: Vec<_> = answer.headers.get_all("cache-control").iter().collect();
    assert_eq!(values, ["no-store"], "{what}");
}

/// Organizr's JSON answer: content type, shape, result and message.
#[track_caller]
pub fn assert_organizr_json(answer: &Answer, success: bool, message: &str, what: &str) {
    assert_eq!(
        answer.header("content-type"),
        Some("application/json;charset=UTF-8"),
        "{what}"
    );
    let json = answer.json();
    let response = json["response"]
        .as_object()
        .unwrap_or_else(|| panic!("{what}: {json}"));
    assert_eq!(response.len(), 3, "{what}: {json}");
    assert_eq!(
        answer.result(),
        if success { "success" } else { "error" },
        "{what}: {json}"
    );
    assert_eq!(answer.message(), message, "{what}: {json}");
    assert_no_store(answer, what);
}
