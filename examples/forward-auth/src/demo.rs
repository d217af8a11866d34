//! `forward-auth --demo`: try the server with no Organizr at hand.
//!
//! The demo always makes up a key for this run ([`random_demo_key`]) and
//! passes it through core's own configuration, so that every other
//! `ORGANIZR_*` variable still applies. It mints a token for an admin and one
//! for a plain user, and prints them with `curl` commands that show a 200, a
//! 401 and a 403 ([`instructions`]).
//!
//! # Security
//! A configured key (`ORGANIZR_HASH`, `ORGANIZR_HASH_FILE`,
//! `ORGANIZR_CONFIG_PHP`) is never used, and the start-up log says it is
//! ignored: the printed admin token must not open a real instance. The
//! made-up key lives as long as the process and is never printed.

use organizr_auth_core::mint::{SigningKey, TokenBuilder};
use organizr_auth_core::{Authenticator, Config, GroupLevel, Secret};

use crate::listen::Listen;

/// The uuid a demo names its cookie with when `ORGANIZR_UUID` is unset:
/// `organizr_token_demo`.
pub const DEMO_UUID: &str = "demo";

/// The key settings a demo ignores.
const KEY_VARIABLES: [&str; 4] = [
    "ORGANIZR_HASH",
    "ORGANIZR_HASH_FILE",
    "ORGANIZR_CONFIG_PHP",
    "ORGANIZR_API_KEY",
];

/// The configuration to serve with, and in demo mode the key to mint the demo
/// tokens with.
///
/// Outside demo mode this is `Config::from_env()`. In demo mode a random key
/// stands in for this run, whatever key is configured.
pub fn load_config(demo: bool) -> anyhow::Result<(Config, Option<SigningKey>)> {
    load_config_from(demo, |name| std::env::var(name).ok())
}

/// [`load_config`], reading variables through `var`.
pub fn load_config_from(
    demo: bool,
    var: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<(Config, Option<SigningKey>)> {
    if !demo {
        return Ok((Config::from_env()?, None));
    }
    let ignored: Vec<&str> = KEY_VARIABLES
        .into_iter()
        .filter(|name| var(name).is_some_and(|v| !v.is_empty()))
        .collect();
    if ignored.is_empty() {
        tracing::info!("demo mode: using a random key for this run");
    } else {
        tracing::warn!(
            ignored = %ignored.join(", "),
            "demo mode ignores the configured key: using a random key for this run, so that the printed tokens \
             open nothing real"
        );
    }
    let made_up = random_demo_key();
    // The configured uuid when there is one (the cookie name a browser
    // already has), else a made-up one: the tokens are printed anyway.
    let uuid = var("ORGANIZR_UUID")
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEMO_UUID.to_owned());
    let config = Config::from_vars(|name| match name {
        "ORGANIZR_HASH" => Some(made_up.clone()),
        "ORGANIZR_UUID" => Some(uuid.clone()),
        name if KEY_VARIABLES.contains(&name) => None,
        name => var(name),
    })?;
    let key = SigningKey {
        secret: Secret::new(&made_up)?,
        uuid,
    };
    Ok((config, Some(key)))
}

/// What `--demo` prints on stdout: two tokens signed with `key` and `curl`
/// commands against the server listening on `listen`, bound at `shown`
/// (which has the real port when `listen` asked for port 0).
pub fn instructions(
    key: &SigningKey,
    auth: &Authenticator,
    listen: &Listen,
    shown: &str,
) -> String {
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
    format!(
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
    )
}

/// A random key for `forward-auth --demo`: 32 bytes from the kernel's
/// `/dev/urandom`, hex-encoded (64 characters, so core does not warn about a
/// short key). Where that file is missing, `RandomState`'s per-process random
/// seeds mixed with the time and pid stand in: good enough for a demo key that
/// lives as long as the process, and no extra dependency.
pub fn random_demo_key() -> String {
    use std::io::Read as _;
    let mut bytes = [0u8; 32];
    let from_kernel =
        std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if from_kernel.is_err() {
        use std::hash::{BuildHasher, Hasher};
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        for (i, chunk) in bytes.chunks_mut(8).enumerate() {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(now);
            h.write_u32(std::process::id());
            h.write_usize(i);
            for (b, v) in chunk.iter_mut().zip(h.finish().to_le_bytes()) {
                *b = v;
            }
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn vars<'a>(list: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |n| {
            list.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    /// Regression (issue 15, finding 2): with a configured key the demo used
    /// it and printed a real, day-long admin token.
    #[test]
    fn the_demo_never_signs_with_a_configured_key() {
        let real = "the-real-organizr-hash-of-a-real-instance";
        let (config, key) = load_config_from(
            true,
            vars(&[("ORGANIZR_HASH", real), ("ORGANIZR_UUID", "u-1")]),
        )
        .unwrap();
        let key = key.unwrap();
        assert_eq!(key.uuid, "u-1");
        let token = TokenBuilder::new("admin", GroupLevel::ADMIN).sign(&key.secret);
        let real_validator = organizr_auth_core::TokenValidator::new(&Secret::new(real).unwrap());
        assert!(real_validator.validate(&token).is_err());
        // The server validates with the demo key, not the real one.
        let auth = Authenticator::new(config);
        assert!(auth.validator().unwrap().validate(&token).is_ok());
        assert_eq!(auth.cookie_name(), "organizr_token_u-1");
    }

    #[test]
    fn the_demo_ignores_key_files_too() {
        let (_, key) = load_config_from(
            true,
            vars(&[("ORGANIZR_CONFIG_PHP", "/nonexistent/config.php")]),
        )
        .unwrap();
        assert_eq!(key.unwrap().secret.len(), 64);
    }

    #[test]
    fn demo_keys_are_long_and_differ() {
        let (a, b) = (random_demo_key(), random_demo_key());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }

    #[test]
    fn instructions_show_an_address_to_connect_to() {
        let key = SigningKey {
            secret: Secret::new(random_demo_key()).unwrap(),
            uuid: String::new(),
        };
        let auth = Authenticator::new(Config::new(key.secret.clone()).uuid("u"));
        let any = Listen::parse("0.0.0.0:0").unwrap();
        let text = instructions(&key, &auth, &any, "0.0.0.0:9091");
        assert!(
            text.contains("curl -si http://127.0.0.1:9091/auth/999"),
            "{text}"
        );
        assert!(text.contains("-H 'Cookie: organizr_token_u="), "{text}");
        let dual = Listen::parse("[::]:0").unwrap();
        let text = instructions(&key, &auth, &dual, "[::]:9091");
        assert!(text.contains("http://[::1]:9091/api/v2/auth/0"), "{text}");
        let unix = Listen::parse("unix:/run/fa.sock").unwrap();
        let text = instructions(&key, &auth, &unix, "unix:/run/fa.sock");
        assert!(
            text.contains("curl -si --unix-socket /run/fa.sock http://localhost/auth/999"),
            "{text}"
        );
    }
}
