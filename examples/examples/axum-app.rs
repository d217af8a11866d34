//! A small axum app behind Organizr, with `organizr-auth-tower`.
//!
//! ```text
//! ORGANIZR_CONFIG_PHP=/path/to/organizr/api/config/config.php \
//! ORGANIZR_TRUSTED_PROXIES=172.18.0.2 \
//!     cargo run --release --example axum-app
//! ```
//!
//! Configured by core's `Config::from_env()` plus `ORGANIZR_LISTEN` (default
//! `127.0.0.1:3000`; `[::]:PORT`, `unix:/path` also work). Routes: see
//! `organizr_auth_examples::axum_app`.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use organizr_auth_core::Authenticator;
use organizr_auth_examples::axum_app::router;
use organizr_auth_examples::listen::Bound;
use organizr_auth_examples::startup::{fail, prepare_app, serve_axum};
use organizr_auth_tower::UnixPeer;

const PROGRAM: &str = "axum-app";
const DEFAULT_LISTEN: &str = "127.0.0.1:3000";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    let (bound, auth) = match prepare_app(PROGRAM, DEFAULT_LISTEN) {
        Ok(ready) => ready,
        Err(code) => return code,
    };
    match serve(bound, auth) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(PROGRAM, &*e),
    }
}

fn serve(bound: Bound, auth: Arc<Authenticator>) -> Result<(), BoxError> {
    tracing::info!(listen = %bound.describe(), "axum-app listening");
    // The layer reads each request's socket peer from axum's ConnectInfo: a
    // `SocketAddr` on TCP, and `UnixPeer` on a UNIX socket, which `@` in the
    // trusted-proxy list matches.
    serve_axum::<SocketAddr, UnixPeer>(bound, router(auth))
}
