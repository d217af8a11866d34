//! Start-up and serving: logging, failing loudly on a bad configuration, and
//! serving until Ctrl-C or SIGTERM.

use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

use crate::listen::Bound;
use crate::router::PeerInfo;

/// Logs through `tracing` to stderr, at the level `RUST_LOG` names (default
/// `info`, so core's start-up warnings about a short key or a `0.0.0.0/0` proxy
/// list are visible). Call it before reading the configuration: those warnings
/// are emitted while it is built.
pub fn init_tracing() {
    let (filter, bad_filter) = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => match EnvFilter::try_new(&spec) {
            Ok(filter) => (filter, None),
            Err(e) => (EnvFilter::new("info"), Some((spec, e))),
        },
        _ => (EnvFilter::new("info"), None),
    };
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    // `try_init` fails only if a subscriber is already set (tests): keep it.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .try_init();
    if let Some((spec, e)) = bad_filter {
        tracing::warn!(RUST_LOG = %spec, error = %e, "ignoring an invalid RUST_LOG, logging at info");
    }
}

/// Prints `PROGRAM: error: CHAIN` to stderr and gives the failure exit code.
/// Used for start-up errors, which must be seen even with `RUST_LOG=off`.
pub fn fail(program: &str, error: impl Into<anyhow::Error>) -> ExitCode {
    eprintln!("{program}: error: {:#}", error.into());
    ExitCode::FAILURE
}

/// Completes when the process is asked to stop: Ctrl-C (SIGINT) or SIGTERM (as
/// sent by `kill`, systemd and Docker). Used for graceful shutdown.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No handler could be installed: never complete from here.
            std::future::pending::<()>().await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down");
}

/// Serves the forward-auth router on `bound` until Ctrl-C or SIGTERM, on a
/// fresh multi-threaded runtime. Each request's socket peer reaches the
/// handlers as `ConnectInfo<PeerInfo>`, on TCP and UNIX sockets alike: the
/// peer decides whether a `Remote-User` header is believed. A UNIX socket's
/// path is removed when the server stops.
pub fn serve(bound: Bound, app: axum::Router) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let app = app.into_make_service_with_connect_info::<PeerInfo>();
    runtime.block_on(async move {
        match bound {
            Bound::Tcp(std_listener) => {
                let listener = tokio::net::TcpListener::from_std(std_listener)?;
                axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown_signal())
                    .await?;
            }
            Bound::Unix(std_listener, _socket_file) => {
                // `_socket_file` lives until the server stops, then removes the path.
                let listener = tokio::net::UnixListener::from_std(std_listener)?;
                axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown_signal())
                    .await?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use organizr_auth_core::Config;

    fn config_error(vars: &[(&str, &str)]) -> String {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let err =
            Config::from_vars(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
                .unwrap_err();
        format!("{:#}", anyhow::Error::from(err))
    }

    const KEY: &str = "a-long-random-organizr-hash-value-for-tests";

    /// Environment variables, and the words the error must contain.
    type ConfigCase<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);

    #[test]
    fn bad_configurations_name_the_variable_and_quote_the_value() {
        let cases: &[ConfigCase<'_>] = &[
            (
                &[
                    ("ORGANIZR_HASH", KEY),
                    ("ORGANIZR_TRUSTED_PROXIES", "proxy.lan"),
                ],
                &["ORGANIZR_TRUSTED_PROXIES", "\"proxy.lan\""],
            ),
            (
                &[
                    ("ORGANIZR_HASH", KEY),
                    ("ORGANIZR_TRUSTED_PROXIES", "10.0.0.0/33"),
                ],
                &["ORGANIZR_TRUSTED_PROXIES", "\"10.0.0.0/33\""],
            ),
            (
                &[
                    ("ORGANIZR_HASH", KEY),
                    ("ORGANIZR_USER_HEADER", "Remote User"),
                ],
                &["ORGANIZR_USER_HEADER", "\"Remote User\""],
            ),
            (&[("ORGANIZR_HASH", "")], &["ORGANIZR_HASH", "empty"]),
            (
                &[],
                &["ORGANIZR_HASH", "ORGANIZR_HASH_FILE", "ORGANIZR_CONFIG_PHP"],
            ),
            (
                &[("ORGANIZR_CONFIG_PHP", "/nonexistent/config.php")],
                &[
                    "ORGANIZR_CONFIG_PHP",
                    "/nonexistent/config.php",
                    "No such file",
                ],
            ),
        ];
        for (vars, wanted) in cases {
            let message = config_error(vars);
            for w in *wanted {
                assert!(message.contains(w), "{message:?} lacks {w:?}");
            }
            assert!(!message.contains(KEY), "the key leaked: {message}");
        }
    }

    #[test]
    fn repeated_causes_are_shown_once() {
        let message = config_error(&[("ORGANIZR_CONFIG_PHP", "/nonexistent/config.php")]);
        assert_eq!(message.matches("No such file").count(), 1, "{message}");
    }
}
