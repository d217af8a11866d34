//! Start-up and serving: logging (text or JSON), the one block that says
//! what the server is configured to do, failing loudly on a bad
//! configuration, and serving until Ctrl-C or SIGTERM.

use std::process::ExitCode;

use organizr_auth_core::Authenticator;
use tracing_subscriber::EnvFilter;

use crate::listen::Bound;
use crate::router::PeerInfo;
use crate::settings::Settings;

/// The variable read by [`LogFormat::from_env`].
pub const LOG_FORMAT_VAR: &str = "ORGANIZR_LOG_FORMAT";

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LogFormat {
    /// `2026-01-01T00:00:00Z  INFO target: message field=value`.
    #[default]
    Text,
    /// One JSON object per line, fields at the top level, for log shippers.
    Json,
}

impl LogFormat {
    /// Reads [`LOG_FORMAT_VAR`]: `text` (the default, also when unset or
    /// empty) or `json`; anything else is an error naming the variable.
    ///
    /// ```
    /// use forward_auth::startup::LogFormat;
    /// assert_eq!(LogFormat::parse(Some("json"))?, LogFormat::Json);
    /// assert_eq!(LogFormat::parse(None)?, LogFormat::Text);
    /// assert_eq!(
    ///     LogFormat::parse(Some("yaml")).unwrap_err().to_string(),
    ///     "ORGANIZR_LOG_FORMAT=\"yaml\" is invalid: expected text or json"
    /// );
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    pub fn parse(value: Option<&str>) -> anyhow::Result<Self> {
        match value.map(str::trim) {
            None | Some("" | "text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(_) => anyhow::bail!(
                "{LOG_FORMAT_VAR}={:?} is invalid: expected text or json",
                value.unwrap_or_default()
            ),
        }
    }

    /// [`LogFormat::parse`] of the environment's [`LOG_FORMAT_VAR`].
    pub fn from_env() -> anyhow::Result<Self> {
        match std::env::var(LOG_FORMAT_VAR) {
            Ok(value) => Self::parse(Some(&value)),
            Err(std::env::VarError::NotPresent) => Ok(LogFormat::Text),
            Err(std::env::VarError::NotUnicode(raw)) => {
                anyhow::bail!("{LOG_FORMAT_VAR}={raw:?} is invalid: not valid UTF-8")
            }
        }
    }
}

/// Logs through `tracing` to stderr in `format`, at the level `RUST_LOG`
/// names (default `info`, so that core's start-up warnings about a short key
/// or a `0.0.0.0/0` proxy list are visible). Call it before reading the
/// configuration: those warnings are emitted while it is built.
pub fn init_tracing(format: LogFormat) {
    let (filter, bad_filter) = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => match EnvFilter::try_new(&spec) {
            Ok(filter) => (filter, None),
            Err(e) => (EnvFilter::new("info"), Some((spec, e))),
        },
        _ => (EnvFilter::new("info"), None),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // `try_init` fails only if a subscriber is already set (tests): keep it.
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init(),
    };
    if let Some((spec, e)) = bad_filter {
        tracing::warn!(RUST_LOG = %spec, error = %e, "ignoring an invalid RUST_LOG, logging at info");
    }
}

/// Where the signing key comes from, for the start-up log: the variable and,
/// for a file, its path; never the key. `var` reads the environment.
///
/// ```
/// use forward_auth::startup::key_source;
/// let vars = |name: &str| (name == "ORGANIZR_CONFIG_PHP").then(|| "/srv/organizr/data/config/config.php".to_owned());
/// assert_eq!(key_source(false, vars), "ORGANIZR_CONFIG_PHP=/srv/organizr/data/config/config.php");
/// assert_eq!(key_source(false, |n| (n == "ORGANIZR_HASH").then(|| "s3cret".to_owned())), "ORGANIZR_HASH (set)");
/// assert_eq!(key_source(true, vars), "a random key for this run (--demo)");
/// ```
pub fn key_source(demo: bool, var: impl Fn(&str) -> Option<String>) -> String {
    if demo {
        return "a random key for this run (--demo)".to_owned();
    }
    let set = |name: &str| var(name).filter(|v| !v.is_empty());
    // Config::from_env accepts exactly one of these, so the first found is it.
    if let Some(path) = set("ORGANIZR_CONFIG_PHP") {
        format!("ORGANIZR_CONFIG_PHP={path}")
    } else if let Some(path) = set("ORGANIZR_HASH_FILE") {
        format!("ORGANIZR_HASH_FILE={path}")
    } else if var("ORGANIZR_HASH").is_some() {
        "ORGANIZR_HASH (set)".to_owned()
    } else {
        "none".to_owned()
    }
}

/// The start-up block: one `info` event saying what the server will check,
/// with the key's source (never the key), the cookie's name, the trusted
/// proxies, tokens and the leeway, bearer tokens, the session check on or off,
/// where IP lists find the client, the login redirect and the status codes;
/// then a warning for each entry of `ORGANIZR_REAL_IP_FROM` that lets others
/// claim any client address ([`RealIp::warn_about_risks`](organizr_auth_core::access::RealIp::warn_about_risks)).
pub fn log_settings(auth: &Authenticator, key: &str, settings: &Settings) {
    let shown = |list: String| {
        if list.is_empty() {
            "none".to_owned()
        } else {
            list
        }
    };
    tracing::info!(
        key,
        cookie = auth.cookie_name(),
        trusted_proxies = shown(auth.trusted_proxies().to_string()),
        tokens = auth.accepts_tokens(),
        leeway_secs = auth.validator().map(|v| v.leeway().as_secs()),
        bearer = auth.accepts_bearer(),
        session_check = auth.checks_sessions(),
        token_cache = auth.token_cache().capacity(),
        real_ip_from = shown(settings.real_ip.from().to_string()),
        real_ip_header = %settings.real_ip.header(),
        login_redirect = settings.redirect.as_ref().map_or_else(
            || "none: refused requests get 401".to_owned(),
            |r| format!("{} for {}", r.login_url(), r.hosts())
        ),
        status_codes = ?settings.status,
        "forward-auth settings"
    );
    settings.real_ip.warn_about_risks();
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
        // The uuid is not what these cases are about (core tests it).
        let err = Config::from_vars(|name| {
            vars.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .or_else(|| {
                    let with_key = vars.iter().any(|(k, _)| *k == "ORGANIZR_HASH");
                    (name == "ORGANIZR_UUID" && with_key).then(|| "u-1".to_owned())
                })
        })
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
