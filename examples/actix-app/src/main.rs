//! A small actix-web app behind Organizr, protected by `organizr-auth-actix`.
//!
//! ```text
//! ORGANIZR_CONFIG_PHP=/path/to/organizr/data/config/config.php \
//! ORGANIZR_TRUSTED_PROXIES=@ ORGANIZR_LISTEN=unix:/run/actix-app/http.sock \
//!     cargo run --release -p actix-app
//! ```
//!
//! Configured by the `ORGANIZR_*` variables of core's `Config::from_env()`, plus
//! `ORGANIZR_LISTEN` (default `127.0.0.1:3001`; `[::]:PORT` and `unix:/path`
//! work too, see [`server`]). `axum-app` answers the same routes with the same
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
//! behind the middleware, so identity headers sent by anyone but a trusted
//! proxy are removed before a handler runs: `/echo-headers` shows it.
//!
//! To start a project from it, copy this file and `server.rs` (listening,
//! logging) with the dependencies of this package's `Cargo.toml`.

mod server;

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;

use actix_web::{App, HttpMessage as _, HttpRequest, HttpResponse, HttpServer, web};
use organizr_auth_actix::headers::ActixHeaders;
use organizr_auth_actix::{OrganizrAuth, OrganizrUser, rejection_response};
use organizr_auth_core::{Admission, Authenticator, Config, GroupLevel, Identity, UserLevel};
use serde::Serialize;

const NAME: &str = "actix-app";

/// The top of `--help`, above the variables.
const ABOUT: &str = "\
A small actix-web app behind Organizr, protected by organizr-auth-actix. Routes:
GET /public and /echo-headers (anyone), /me (any logged-in user), /admin
(level 0), /level/{n} (level n). Listens on ORGANIZR_LISTEN, by default
127.0.0.1:3001.
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
    let listen = server::Listen::from_env("127.0.0.1:3001")?;
    let auth = Arc::new(Authenticator::new(Config::from_env()?));
    server::log_settings(NAME, &auth);
    let bound = listen.bind()?;
    let shown = bound.describe();
    // `HttpServer::new` builds one App per worker; they share the authenticator.
    let server = HttpServer::new(move || App::new().configure(routes(Arc::clone(&auth))))
        // Marks UNIX-socket connections so that `@` in the trusted-proxy list
        // matches them; without it they would be Peer::Unknown (never trusted).
        .on_connect(organizr_auth_actix::on_connect)
        // actix-web stops gracefully on SIGINT and SIGTERM by itself.
        .shutdown_timeout(5);
    let served = actix_web::rt::System::new().block_on(async move {
        let server = match bound {
            server::Bound::Tcp(listener) => server.listen(listener)?,
            server::Bound::Unix(listener, _) => server.listen_uds(listener)?,
        };
        tracing::info!(listen = %shown, "actix-app listening");
        server.run().await
    });
    listen.remove_socket_file();
    Ok(served?)
}

/// The routes: one middleware per resource, each with its own policy, so that
/// a request is decided exactly once.
fn routes(auth: Arc<Authenticator>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let middleware = OrganizrAuth::new(auth);
        cfg.service(
            web::resource("/me")
                .wrap(middleware.clone().require(GroupLevel::LOGGED_IN))
                .route(web::get().to(identity)),
        )
        .service(
            web::resource("/admin")
                .wrap(middleware.clone().require(GroupLevel::ADMIN))
                .route(web::get().to(identity)),
        )
        .service(
            web::resource("/level/{n}")
                .wrap(middleware.clone().pass_through())
                .route(web::get().to(level)),
        )
        .service(
            web::resource("/public")
                .wrap(middleware.clone().pass_through())
                .route(web::get().to(public)),
        )
        .service(
            web::resource("/echo-headers")
                .wrap(middleware.pass_through())
                .route(web::get().to(echo)),
        );
    }
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

async fn public() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(PUBLIC_BODY)
}

/// `/me` and `/admin`: the middleware has already refused whoever is not
/// allowed.
async fn identity(OrganizrUser(user): OrganizrUser) -> HttpResponse {
    HttpResponse::Ok().json(IdentityJson::from(&user))
}

/// `/level/{n}`: the level is known only per request, so the handler asks core
/// itself, and answers a refusal exactly as the middleware would.
async fn level(req: HttpRequest) -> HttpResponse {
    let Some(Ok(required)) = req.match_info().get("n").map(str::parse::<GroupLevel>) else {
        return HttpResponse::BadRequest()
            .content_type("text/plain; charset=utf-8")
            .body(BAD_LEVEL_BODY);
    };
    // The middleware on this resource left its admission on the request.
    let Some(who) = req.extensions().get::<Admission>().cloned() else {
        return HttpResponse::InternalServerError().finish();
    };
    // Core logs the decision and builds the same rejection the middleware
    // would; 999 admits anyone, with or without an identity.
    let headers = ActixHeaders(req.headers());
    let answer = match UserLevel::new(required) {
        Some(level) => who
            .require(level, req.method().as_str(), req.path(), &headers)
            .map(Some),
        None => Ok(who.identity()),
    };
    match answer {
        Ok(identity) => HttpResponse::Ok().json(identity.map(IdentityJson::from)),
        Err(rejection) => rejection_response(&rejection),
    }
}

/// `/echo-headers`: every header the handler received, name to values, names
/// sorted; values that are not UTF-8 are shown with replacement characters.
async fn echo(req: HttpRequest) -> HttpResponse {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in req.headers() {
        map.entry(name.as_str().to_owned())
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    HttpResponse::Ok().json(map)
}
