//! The `forward-auth` program: a local, fast stand-in for Organizr's auth API.
//!
//! ```text
//! ORGANIZR_CONFIG_PHP=/path/to/organizr/api/config/config.php \
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

use forward_auth::cli::{self, Command};
use forward_auth::listen::Listen;
use forward_auth::startup::{fail, init_tracing};
use forward_auth::{demo, router, startup};
use organizr_auth_core::Authenticator;

const PROGRAM: &str = "forward-auth";
const DEFAULT_LISTEN: &str = "127.0.0.1:9090";

fn main() -> ExitCode {
    let demo_mode = match cli::parse(std::env::args_os().skip(1)) {
        Ok(Command::Serve { demo }) => demo,
        Ok(Command::Help) => {
            print!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("{PROGRAM}: error: {message}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    // Before the configuration: core's warnings are logged while it is built.
    init_tracing();

    let listen = match Listen::from_env(DEFAULT_LISTEN) {
        Ok(listen) => listen,
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
    let bound = match listen.bind() {
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
