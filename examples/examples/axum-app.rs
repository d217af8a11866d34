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

use organizr_auth_core::{Authenticator, Config};
use organizr_auth_examples::axum_app::router;
use organizr_auth_examples::listen::{Bound, Listen};
use organizr_auth_examples::startup::{fail, init_tracing, shutdown_signal};
use organizr_auth_tower::UnixPeer;

const PROGRAM: &str = "axum-app";
const DEFAULT_LISTEN: &str = "127.0.0.1:3000";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    if let Some(arg) = std::env::args().nth(1) {
        let help = arg == "-h" || arg == "--help";
        let usage = "usage: axum-app (configured by ORGANIZR_* variables; see examples/README.md)";
        if help {
            println!("{usage}");
            return ExitCode::SUCCESS;
        }
        eprintln!("{PROGRAM}: error: unknown argument {arg:?}\n{usage}");
        return ExitCode::from(2);
    }
    // Before the configuration: core's warnings are logged while it is built.
    init_tracing();
    let listen = match Listen::from_env(DEFAULT_LISTEN) {
        Ok(listen) => listen,
        Err(e) => return fail(PROGRAM, &e),
    };
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => return fail(PROGRAM, &e),
    };
    let auth = Arc::new(Authenticator::new(config));
    let bound = match listen.bind() {
        Ok(bound) => bound,
        Err(e) => return fail(PROGRAM, &e),
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
