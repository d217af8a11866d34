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
use organizr_auth_examples::startup::{fail, prepare_app, shutdown_signal};
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
    let shown = bound.describe();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let app = router(auth);
        tracing::info!(listen = %shown, "axum-app listening");
        match bound {
            // The layer reads each request's socket peer from axum's
            // ConnectInfo: a `SocketAddr` on TCP...
            Bound::Tcp(std_listener) => {
                let listener = tokio::net::TcpListener::from_std(std_listener)?;
                axum::serve(
                    listener,
                    app.into_make_service_with_connect_info::<SocketAddr>(),
                )
                .with_graceful_shutdown(shutdown_signal())
                .await?;
            }
            // ...and `UnixPeer` on a UNIX socket, which `@` in the trusted-proxy
            // list matches. `_socket_file` removes the path when the server stops.
            Bound::Unix(std_listener, _socket_file) => {
                let listener = tokio::net::UnixListener::from_std(std_listener)?;
                axum::serve(
                    listener,
                    app.into_make_service_with_connect_info::<UnixPeer>(),
                )
                .with_graceful_shutdown(shutdown_signal())
                .await?;
            }
        }
        Ok(())
    })
}
