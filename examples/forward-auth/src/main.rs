//! The `forward-auth` program: a local, fast stand-in for Organizr's auth API.
//!
//! ```text
//! ORGANIZR_CONFIG_PHP=/path/to/organizr/data/config/config.php \
//!     cargo run --release -p forward-auth
//! cargo run --release -p forward-auth -- --demo     # no Organizr needed
//! cargo install --path examples/forward-auth        # then: forward-auth --demo
//! ```
//!
//! Configured by the `ORGANIZR_*` variables of core's `Config::from_env()`
//! plus `ORGANIZR_LISTEN` (default `127.0.0.1:9090`). The code is in this
//! package's library, whose crate documentation lists the modules.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use forward_auth::cli::{self, Command};
use forward_auth::listen::{Listen, SocketAccess};
use forward_auth::startup::{LogFormat, fail, init_tracing};
use forward_auth::{demo, router, startup};
use organizr_auth_core::Authenticator;

const PROGRAM: &str = "forward-auth";
const DEFAULT_LISTEN: &str = "127.0.0.1:9090";

fn main() -> ExitCode {
    let demo_mode = match cli::parse(std::env::args_os().skip(1)) {
        Ok(Command::Serve { demo }) => demo,
        Ok(Command::Help) => {
            print!("{}", cli::usage());
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("{}", cli::version());
            return ExitCode::SUCCESS;
        }
        Ok(Command::Healthcheck) => return healthcheck(),
        Err(message) => {
            eprintln!("{PROGRAM}: error: {message}\n\n{}", cli::usage());
            return ExitCode::from(2);
        }
    };
    let log_format = match LogFormat::from_env() {
        Ok(format) => format,
        Err(e) => return fail(PROGRAM, e),
    };
    // Before the configuration: core's warnings are logged while it is built.
    init_tracing(log_format);

    let listen = match Listen::from_env(DEFAULT_LISTEN) {
        Ok(listen) => listen,
        Err(e) => return fail(PROGRAM, e),
    };
    let access = match SocketAccess::from_env() {
        Ok(access) => access,
        Err(e) => return fail(PROGRAM, e),
    };
    let (config, demo_key) = match demo::load_config(demo_mode) {
        Ok(loaded) => loaded,
        Err(e) => return fail(PROGRAM, e),
    };
    let settings = match forward_auth::settings::Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => return fail(PROGRAM, e),
    };
    let auth = Arc::new(Authenticator::new(config));
    let key = startup::key_source(demo_mode, |name| std::env::var(name).ok());
    startup::log_settings(&auth, &key, &settings);
    match listen {
        Listen::Unix(_) => {
            for warning in access.warnings() {
                tracing::warn!("{warning}");
            }
        }
        Listen::Tcp(_) if access != SocketAccess::default() => tracing::warn!(
            "ORGANIZR_LISTEN_MODE and ORGANIZR_LISTEN_GROUP are for a unix: socket, and ignored on TCP"
        ),
        Listen::Tcp(_) => {}
    }
    let bound = match listen.bind(&access) {
        Ok(bound) => bound,
        Err(e) => return fail(PROGRAM, e),
    };
    let shown = bound.describe();
    if let Some(key) = &demo_key {
        println!("{}", demo::instructions(key, &auth, &listen, &shown));
    }
    tracing::info!(listen = %shown, "forward-auth listening");
    match startup::serve(bound, router::ForwardAuth::new(auth, settings).router()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(PROGRAM, e),
    }
}

/// `forward-auth --healthcheck`: exit 0 when the server on `ORGANIZR_LISTEN`
/// answers `/healthz` with a 200. Prints nothing on success (Docker keeps the
/// output of every check).
fn healthcheck() -> ExitCode {
    let checked = Listen::from_env(DEFAULT_LISTEN)
        .map_err(anyhow::Error::from)
        .and_then(|listen| listen.healthcheck(Duration::from_secs(5)));
    match checked {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(PROGRAM, e.context("healthcheck failed")),
    }
}
