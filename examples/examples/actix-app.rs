//! A small actix-web app behind Organizr, with `organizr-auth-actix`: the same
//! routes and answers as `axum-app`.
//!
//! ```text
//! ORGANIZR_CONFIG_PHP=/path/to/organizr/api/config/config.php \
//! ORGANIZR_TRUSTED_PROXIES=@ ORGANIZR_LISTEN=unix:/run/actix-app/http.sock \
//!     cargo run --release --example actix-app
//! ```
//!
//! Configured by core's `Config::from_env()` plus `ORGANIZR_LISTEN` (default
//! `127.0.0.1:3001`; `[::]:PORT`, `unix:/path` also work). Routes: see
//! `organizr_auth_examples::axum_app`.

use std::process::ExitCode;
use std::sync::Arc;

use actix_web::{App, HttpServer};
use organizr_auth_core::Authenticator;
use organizr_auth_examples::actix_app::configure;
use organizr_auth_examples::listen::Bound;
use organizr_auth_examples::startup::{fail, prepare_app};

const PROGRAM: &str = "actix-app";
const DEFAULT_LISTEN: &str = "127.0.0.1:3001";

fn main() -> ExitCode {
    let (bound, auth) = match prepare_app(PROGRAM, DEFAULT_LISTEN) {
        Ok(ready) => ready,
        Err(code) => return code,
    };
    match serve(bound, auth) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(PROGRAM, &e),
    }
}

fn serve(bound: Bound, auth: Arc<Authenticator>) -> std::io::Result<()> {
    let shown = bound.describe();
    // `HttpServer::new` builds one App per worker; they share the authenticator.
    let server = HttpServer::new(move || App::new().configure(configure(Arc::clone(&auth))))
        // Marks UNIX-socket connections so that `@` in the trusted-proxy list
        // matches them; without it they would be Peer::Unknown (never trusted).
        .on_connect(organizr_auth_actix::on_connect)
        // actix-web stops gracefully on SIGINT and SIGTERM by itself.
        .shutdown_timeout(5);
    actix_web::rt::System::new().block_on(async move {
        let (server, _socket_file) = match bound {
            Bound::Tcp(listener) => (server.listen(listener)?, None),
            // `_socket_file` removes the path when the server stops.
            Bound::Unix(listener, file) => (server.listen_uds(listener)?, Some(file)),
        };
        tracing::info!(listen = %shown, "actix-app listening");
        server.run().await
    })
}
