//! `forward-auth --demo`: try the server with no Organizr at hand.
//!
//! Without a configured key, the demo makes one up for this run
//! ([`random_demo_key`]) and passes it through core's own configuration, so
//! that every other `ORGANIZR_*` variable still applies. Either way it mints a
//! token for an admin and one for a plain user, and prints them with `curl`
//! commands that show a 200, a 401 and a 403 ([`instructions`]).
//!
//! Minting needs the key itself, which core's [`Config`] rightly keeps to
//! itself; so [`KeySource`] reads it the way `Config::from_env` does, from the
//! same variables, with the same errors.
//!
//! # Security
//! With a configured key (`ORGANIZR_HASH`, `ORGANIZR_HASH_FILE`,
//! `ORGANIZR_CONFIG_PHP`), the printed tokens are real: an admin token for
//! that Organizr instance, valid for a day, on stdout. Use `--demo` with a real
//! key only on a machine and a terminal you trust, and never where stdout is
//! logged. A made-up key lives as long as the process, and is never printed.

use std::path::PathBuf;

use organizr_auth_core::mint::TokenBuilder;
use organizr_auth_core::php_config::OrganizrPhpConfig;
use organizr_auth_core::{Authenticator, Config, ConfigError, GroupLevel, Secret};

use crate::listen::Listen;

/// A start-up error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The configuration to serve with, and in demo mode the key to mint the demo
/// tokens with.
///
/// Outside demo mode this is `Config::from_env()`. In demo mode a configured
/// key is used as it is; with none, a random one stands in for this run.
pub fn load_config(demo: bool) -> Result<(Config, Option<SigningKey>), BoxError> {
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

/// A key and the instance uuid that goes with it (the cookie is
/// `organizr_token_<uuid>`).
#[derive(Debug, Clone)]
pub struct SigningKey {
    /// The key (Organizr's `organizrHash`).
    pub secret: Secret,
    /// The instance uuid: `ORGANIZR_UUID`, or config.php's `uuid`; empty if neither.
    pub uuid: String,
}

/// Where to read the key from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `ORGANIZR_HASH`: the key itself.
    Hash(String),
    /// `ORGANIZR_HASH_FILE`: a file holding it.
    HashFile(PathBuf),
    /// `ORGANIZR_CONFIG_PHP`: Organizr's `api/config/config.php`.
    ConfigPhp(PathBuf),
}

impl KeySource {
    /// The source the environment names, or `None` when no key variable is set.
    /// Two key variables at once are an error, as in `Config::from_env`.
    pub fn from_env() -> Result<Option<Self>, ConfigError> {
        Self::from_vars(|name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()))
    }

    /// Like [`KeySource::from_env`], reading variables through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConfigError> {
        // As in core: an empty ORGANIZR_HASH is an error (kept, so that loading
        // reports it); the other two count as unset when empty.
        let hash = var("ORGANIZR_HASH");
        let file = var("ORGANIZR_HASH_FILE").filter(|v| !v.is_empty());
        let php = var("ORGANIZR_CONFIG_PHP").filter(|v| !v.is_empty());
        let conflict = |first, second| ConfigError::Conflict { first, second };
        match (hash, file, php) {
            (None, None, None) => Ok(None),
            (Some(_), Some(_), _) => Err(conflict("ORGANIZR_HASH", "ORGANIZR_HASH_FILE")),
            (Some(_), _, Some(_)) => Err(conflict("ORGANIZR_HASH", "ORGANIZR_CONFIG_PHP")),
            (_, Some(_), Some(_)) => Err(conflict("ORGANIZR_HASH_FILE", "ORGANIZR_CONFIG_PHP")),
            (Some(hash), None, None) => Ok(Some(KeySource::Hash(hash))),
            (None, Some(file), None) => Ok(Some(KeySource::HashFile(file.into()))),
            (None, None, Some(php)) => Ok(Some(KeySource::ConfigPhp(php.into()))),
        }
    }

    /// Loads the key. `uuid` is `ORGANIZR_UUID` (ignored for config.php, which
    /// has its own).
    pub fn load(&self, uuid: Option<String>) -> Result<SigningKey, ConfigError> {
        let secret_error = |setting| move |source| ConfigError::Secret { setting, source };
        match self {
            KeySource::Hash(hash) => Ok(SigningKey {
                secret: Secret::new(hash).map_err(secret_error("ORGANIZR_HASH"))?,
                uuid: uuid.unwrap_or_default(),
            }),
            KeySource::HashFile(path) => Ok(SigningKey {
                secret: Secret::from_file(path).map_err(secret_error("ORGANIZR_HASH_FILE"))?,
                uuid: uuid.unwrap_or_default(),
            }),
            KeySource::ConfigPhp(path) => {
                let php = OrganizrPhpConfig::from_file(path).map_err(|source| {
                    ConfigError::PhpConfig {
                        setting: "ORGANIZR_CONFIG_PHP",
                        source,
                    }
                })?;
                Ok(SigningKey {
                    secret: Secret::new(php.organizr_hash())
                        .map_err(secret_error("ORGANIZR_CONFIG_PHP"))?,
                    uuid: php.uuid().to_owned(),
                })
            }
        }
    }
}

/// `ORGANIZR_UUID`, if set and not empty.
pub fn uuid_from_env() -> Option<String> {
    std::env::var("ORGANIZR_UUID")
        .ok()
        .filter(|v| !v.is_empty())
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

    fn source(vars: &[(&str, &str)]) -> Result<Option<KeySource>, ConfigError> {
        KeySource::from_vars(|n| {
            vars.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn key_source_follows_core_rules() {
        assert!(source(&[]).unwrap().is_none());
        assert!(source(&[("ORGANIZR_HASH_FILE", "")]).unwrap().is_none());
        assert_eq!(
            source(&[("ORGANIZR_HASH", "k")]).unwrap(),
            Some(KeySource::Hash("k".into()))
        );
        let conflict =
            source(&[("ORGANIZR_HASH", "k"), ("ORGANIZR_CONFIG_PHP", "/x")]).unwrap_err();
        assert!(
            conflict
                .to_string()
                .contains("ORGANIZR_HASH and ORGANIZR_CONFIG_PHP")
        );
        let empty = source(&[("ORGANIZR_HASH", "")])
            .unwrap()
            .unwrap()
            .load(None)
            .unwrap_err();
        assert!(
            crate::startup::error_chain(&empty)
                .contains("ORGANIZR_HASH: unusable key: the key is empty")
        );
    }

    #[test]
    fn config_php_gives_key_and_uuid() {
        let path = std::env::temp_dir().join(format!("oa-key-{}.php", std::process::id()));
        std::fs::write(
            &path,
            "<?php\nreturn array('organizrHash' => 'k3y-from-php', 'uuid' => 'u-1');\n",
        )
        .unwrap();
        let key = KeySource::ConfigPhp(path.clone())
            .load(Some("ignored".into()))
            .unwrap();
        std::fs::remove_file(&path).ok();
        assert_eq!(key.uuid, "u-1");
        assert_eq!(key.secret.len(), "k3y-from-php".len());
    }

    #[test]
    fn demo_keys_are_long_and_differ() {
        let (a, b) = (random_demo_key(), random_demo_key());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }

    #[test]
    fn instructions_show_an_address_to_connect_to() {
        let key = KeySource::Hash(random_demo_key()).load(None).unwrap();
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
