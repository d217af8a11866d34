//! A forward-auth server: a local, fast stand-in for Organizr's auth API.
//!
//! ```text
//! ORGANIZR_CONFIG_PHP=/path/to/organizr/api/config/config.php \
//!     cargo run --release --example forward-auth
//! cargo run --release --example forward-auth -- --demo     # no Organizr needed
//! ```
//!
//! Configured by the `ORGANIZR_*` variables of core's `Config::from_env()`
//! plus `ORGANIZR_LISTEN` (default `127.0.0.1:9090`). Routes and rules: see
//! `organizr_auth_examples::forward_auth`.

use std::process::ExitCode;
use std::sync::Arc;

use organizr_auth_core::mint::TokenBuilder;
use organizr_auth_core::{Authenticator, Config, GroupLevel};
use organizr_auth_examples::forward_auth::{PeerInfo, router};
use organizr_auth_examples::key::{KeySource, SigningKey, random_demo_key, uuid_from_env};
use organizr_auth_examples::listen::{Bound, Listen};
use organizr_auth_examples::startup::{fail, init_tracing, serve_axum};

const PROGRAM: &str = "forward-auth";
const DEFAULT_LISTEN: &str = "127.0.0.1:9090";

const USAGE: &str = "\
usage: forward-auth [--demo]

Answers nginx auth_request / Traefik ForwardAuth / Caddy forward_auth
subrequests on /api/v2/auth/{group}, /auth/{group}, /api/v2/auth?group=N and
/api/?v1/auth&group=N with 200 (+ identity headers), 401 or 403.

  --demo   without a configured key, make up a random one; print an admin and
           a user token and curl commands that show 200, 401 and 403

Environment: ORGANIZR_LISTEN (default 127.0.0.1:9090, [::]:PORT, unix:/path),
ORGANIZR_HASH / ORGANIZR_HASH_FILE / ORGANIZR_CONFIG_PHP, ORGANIZR_UUID,
ORGANIZR_TRUSTED_PROXIES, ... (see examples/README.md), RUST_LOG.
";

fn main() -> ExitCode {
    let mut demo = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--demo" => demo = true,
            "-h" | "--help" => {
                print!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("{PROGRAM}: error: unknown argument {other:?}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    // Before the configuration: core's warnings are logged while it is built.
    init_tracing();

    let listen = match Listen::from_env(DEFAULT_LISTEN) {
        Ok(listen) => listen,
        Err(e) => return fail(PROGRAM, &e),
    };
    let (config, demo_key) = match load_config(demo) {
        Ok(loaded) => loaded,
        Err(e) => return fail(PROGRAM, &*e),
    };
    if std::env::var_os("ORGANIZR_LOGIN_URL").is_some_and(|v| !v.is_empty()) {
        tracing::info!(
            "ORGANIZR_LOGIN_URL is ignored by forward-auth: nginx auth_request accepts only 2xx/401/403, \
             so unauthenticated requests get 401; redirect to the login page from the proxy (error_page 401)"
        );
    }
    let auth = Arc::new(Authenticator::new(config));
    let bound = match listen.bind() {
        Ok(bound) => bound,
        Err(e) => return fail(PROGRAM, &e),
    };
    let shown = bound.describe();
    if let Some(key) = &demo_key {
        print_demo(key, &auth, &listen, &shown);
    }
    match serve(bound, auth, &shown) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(PROGRAM, &*e),
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The configuration, and in demo mode the key to mint demo tokens with.
fn load_config(demo: bool) -> Result<(Config, Option<SigningKey>), BoxError> {
    if !demo {
        return Ok((Config::from_env()?, None));
    }
    match KeySource::from_env()? {
        // A key is configured: use it, so the demo tokens work against it.
        Some(source) => {
            let config = Config::from_env()?;
            let key = source.load(uuid_from_env())?;
            Ok((config, Some(key)))
        }
        // None: make one up for this run only, and pass it through core's own
        // parsing so that every other variable still applies.
        None => {
            let made_up = random_demo_key();
            tracing::info!(
                "demo mode: no ORGANIZR_HASH configured, using a random key for this run"
            );
            let config = Config::from_vars(|name| match name {
                "ORGANIZR_HASH" => Some(made_up.clone()),
                _ => std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()),
            })?;
            let key = KeySource::Hash(made_up).load(uuid_from_env())?;
            Ok((config, Some(key)))
        }
    }
}

fn print_demo(key: &SigningKey, auth: &Authenticator, listen: &Listen, shown: &str) {
    let admin = TokenBuilder::new("admin", GroupLevel::ADMIN)
        .email("admin@example.org")
        .sign(&key.secret);
    let user = TokenBuilder::new("alice", GroupLevel::USER)
        .email("alice@example.org")
        .user_id(2)
        .sign(&key.secret);
    let cookie = auth.cookie_name();
    let (curl, base) = match listen {
        Listen::Unix(path) => (
            format!("curl -si --unix-socket {}", path.display()),
            "http://localhost".to_owned(),
        ),
        Listen::Tcp(_) => {
            // `[::]` and `0.0.0.0` are not addresses to connect to.
            let host = shown
                .replace("0.0.0.0:", "127.0.0.1:")
                .replace("[::]:", "[::1]:");
            ("curl -si".to_owned(), format!("http://{host}"))
        }
    };
    println!(
        "\
forward-auth demo: tokens valid for one day (signed with this run's key)

  admin (group 0 Admin): {admin}
  alice (group 4 User):  {user}

Try, in another terminal:

  # 200, with X-Organizr-User: admin and Remote-User: admin headers
  {curl} -H 'Cookie: {cookie}={admin}' {base}/api/v2/auth/0

  # 401: no credential
  {curl} {base}/api/v2/auth/0

  # 403: alice is group 4, this needs group 0 (admin)
  {curl} -H 'Cookie: {cookie}={user}' {base}/api/v2/auth/0

  # 200 for alice where group 4 (User) is enough, bearer form
  {curl} -H 'Authorization: Bearer {user}' {base}/api/v2/auth/4

  # 200 for anyone: 999 is the guest level
  {curl} {base}/auth/999
"
    );
}

fn serve(bound: Bound, auth: Arc<Authenticator>, shown: &str) -> Result<(), BoxError> {
    tracing::info!(listen = %shown, "forward-auth listening");
    // `PeerInfo` is the socket peer on TCP and on a UNIX socket alike.
    serve_axum::<PeerInfo, PeerInfo>(bound, router(auth))
}
