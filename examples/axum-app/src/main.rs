//! A small axum app behind Organizr, protected by `organizr-auth-tower`.
//!
//! ```text
//! ORGANIZR_CONFIG_PHP=/path/to/organizr/data/config/config.php \
//! ORGANIZR_TRUSTED_PROXIES=172.18.0.2 \
//!     cargo run --release -p axum-app
//! ```
//!
//! Configured by the `ORGANIZR_*` variables of core's `Config::from_env()`, plus
//! `ORGANIZR_LISTEN` (default `127.0.0.1:3000`; `[::]:PORT` and `unix:/path`
//! work too, see [`server`]). `actix-app` answers the same routes with the same
//! bytes:
//!
//! | route | needs | answers |
//! |---|---|---|
//! | `GET /public` | nothing | `200`, [`PUBLIC_BODY`] |
//! | `GET /echo-headers` | nothing | `200`, the headers the handler received, `{"name": ["value", ...]}` |
//! | `GET /me` | level 998 (any logged-in user) | `200`, [`IdentityJson`] |
//! | `GET /admin` | level 0 (Admin) | `200`, [`IdentityJson`] |
//! | `GET /level/{n}` | level `n`; 999 admits anonymous requests | `200`, [`IdentityJson`] or `null`; `400` for a bad `n` |
//!
//! Refusals are core's: 401, or a redirect to `ORGANIZR_LOGIN_URL` for a
//! browser when one is set, and 403 when the level is too low. Every route sits
//! behind the layer, so identity headers sent by anyone but a trusted proxy are
//! removed before a handler runs: `/echo-headers` shows it.
//!
//! To start a project from it, copy this file and `server.rs` (listening,
//! logging, shutdown) with the dependencies of this package's `Cargo.toml`.

mod server;

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;

use axum::extract::Path;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use organizr_auth_core::{Admission, Authenticator, Config, GroupLevel, Identity, UserLevel};
use organizr_auth_tower::{OrganizrAuth, OrganizrUser};
use serde::Serialize;

const NAME: &str = "axum-app";

/// The top of `--help`, above the variables.
const ABOUT: &str = "\
A small axum app behind Organizr, protected by organizr-auth-tower. Routes:
GET /public and /echo-headers (anyone), /me (any logged-in user), /admin
(level 0), /level/{n} (level n). Listens on ORGANIZR_LISTEN, by default
127.0.0.1:3000.
";

/// The body of `/public`.
const PUBLIC_BODY: &str = "public: anyone may read this\n";

/// The body of the `400` for `/level/{n}` when `n` is not a level.
const BAD_LEVEL_BODY: &str = "400 Bad Request: the level must be a whole number from 0 to 999\n";

fn main() -> ExitCode {
    match std::env::args_os().nth(1) {
        None => {}
        Some(arg) if arg == "-h" || arg == "--help" => {
            print!("{}", server::usage(NAME, ABOUT));
            return ExitCode::SUCCESS;
        }
        Some(arg) if arg == "-V" || arg == "--version" => {
            println!("{NAME} {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Some(arg) => {
            eprintln!("{NAME}: error: unknown argument {arg:?} (try {NAME} --help)");
            return ExitCode::from(2);
        }
    }
    // Logging first: core logs its warnings (a short key, a 0.0.0.0/0 proxy
    // list) while the configuration is built.
    match server::init_tracing().and_then(|()| run()) {
        Ok(()) => ExitCode::SUCCESS,
        // Printed, not logged: a start-up error must be seen even with RUST_LOG=off.
        Err(e) => {
            eprintln!("{NAME}: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let listen = server::Listen::from_env("127.0.0.1:3000")?;
    let auth = Arc::new(Authenticator::new(Config::from_env()?));
    server::log_settings(NAME, &auth);
    // `serve` hands each request's socket peer to the layer (axum's ConnectInfo):
    // the peer decides whether a `Remote-User` header is believed.
    server::serve(listen.bind()?, router(auth))
}

/// The app: one layer per route, each with its own policy, so that a request
/// is decided exactly once. `route_layer` runs it only for requests that match.
fn router(auth: Arc<Authenticator>) -> Router {
    let layer = OrganizrAuth::new(auth);
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

/// The body of `/me`, `/admin` and `/level/{n}`: who the request is from, keys
/// in this order.
#[derive(Serialize)]
struct IdentityJson {
    username: String,
    group_id: u16,
    /// The token's `group` claim, else the built-in name of the level, else
    /// `null` (a custom group known only by number): what `Remote-Groups` carries.
    group: Option<String>,
    /// Tokens carry one; proxies do not.
    email: Option<String>,
    user_id: Option<u64>,
    /// `"token"`, `"proxy"` or `"api_key"`.
    source: &'static str,
}

impl From<&Identity> for IdentityJson {
    fn from(id: &Identity) -> Self {
        Self {
            username: id.username.clone(),
            group_id: id.group_id.get(),
            group: id.group_name().map(str::to_owned),
            email: id.email.clone(),
            user_id: id.user_id,
            source: id.source.as_str(),
        }
    }
}

async fn public() -> &'static str {
    PUBLIC_BODY
}

/// `/me` and `/admin`: the layer has already refused whoever is not allowed.
async fn identity(OrganizrUser(user): OrganizrUser) -> Json<IdentityJson> {
    Json(IdentityJson::from(&user))
}

/// `/level/{n}`: the level is known only per request, so the handler asks core
/// itself, and answers a refusal exactly as the layer would.
async fn level(
    Extension(who): Extension<Admission>,
    Path(n): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let Ok(required) = n.parse::<GroupLevel>() else {
        return (StatusCode::BAD_REQUEST, BAD_LEVEL_BODY).into_response();
    };
    // Core logs the decision and builds the same rejection the layer would;
    // 999 admits anyone, with or without an identity.
    let answer = match UserLevel::new(required) {
        Some(level) => who
            .require(level, method.as_str(), uri.path(), &headers)
            .map(Some),
        None => Ok(who.identity()),
    };
    match answer {
        Ok(identity) => Json(identity.map(IdentityJson::from)).into_response(),
        Err(rejection) => rejection.to_response().into_response(),
    }
}

/// `/echo-headers`: every header the handler received, name to values, names
/// sorted; values that are not UTF-8 are shown with replacement characters.
async fn echo(headers: HeaderMap) -> Json<BTreeMap<String, Vec<String>>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &headers {
        map.entry(name.as_str().to_owned())
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    Json(map)
}
