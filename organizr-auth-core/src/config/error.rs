//! Why a configuration could not be built.
//!
//! Every error names the setting (the environment variable, or the serde
//! field) and quotes the value as given, except for secrets, whose values are
//! never repeated. Causes are kept as [`std::error::Error::source`] and not
//! repeated in the message: print the chain (`anyhow`'s `{:#}`, or walk
//! `source()`) to see all of it.

use crate::SecretError;
use crate::php_config::PhpConfigError;
use crate::proxy::ProxyListError;
use crate::token::LeewayTooLarge;

/// Why a configuration could not be built.
///
/// ```
/// use organizr_auth_core::{Config, ConfigError};
/// let err = Config::from_vars(|name| (name == "ORGANIZR_HASH").then(String::new)).unwrap_err();
/// assert!(matches!(err, ConfigError::Secret { setting: "ORGANIZR_HASH", .. }));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Nothing could ever be authenticated: no key (so no tokens), no API
    /// key and no trusted proxy.
    #[error(
        "nothing could ever be authenticated: set Organizr's key ({hash}, {hash_file} or {config_php}) to accept its tokens, {trusted_proxies} to believe a proxy's identity headers, or {api_key}"
    )]
    NothingToAuthenticate {
        /// The key setting's name.
        hash: &'static str,
        /// The key-file setting's name.
        hash_file: &'static str,
        /// The config.php setting's name.
        config_php: &'static str,
        /// The trusted-proxy setting's name.
        trusted_proxies: &'static str,
        /// The API-key setting's name.
        api_key: &'static str,
    },
    /// Tokens are accepted but no uuid names their cookie: every real login
    /// would be refused, as Organizr's cookie is `organizr_token_<uuid>`.
    /// Organizr's own name for an instance without one is `temp`: set the
    /// uuid to `temp` on purpose to expect `organizr_token_temp`.
    #[error(
        "{uuid} is not set, so Organizr's cookie (organizr_token_<uuid>) cannot be found: set it to the uuid in Organizr's config.php, or to temp on purpose for organizr_token_temp"
    )]
    MissingUuid {
        /// The uuid setting's name.
        uuid: &'static str,
    },
    /// Organizr's config.php has no `uuid`, which names its cookie.
    #[error(
        "{config_php}: the file has no uuid, so Organizr's cookie (organizr_token_<uuid>) cannot be found: finish Organizr's setup, or give the key with {hash_file} and set {uuid}"
    )]
    PhpConfigWithoutUuid {
        /// The config.php setting's name.
        config_php: &'static str,
        /// The key-file setting's name.
        hash_file: &'static str,
        /// The uuid setting's name.
        uuid: &'static str,
    },
    /// A setting that means nothing without another one.
    #[error("{setting} needs {needs}")]
    Requires {
        /// The setting given.
        setting: &'static str,
        /// The setting it needs.
        needs: &'static str,
    },
    /// Two settings that exclude each other were both given.
    #[error("{first} and {second} cannot both be set")]
    Conflict {
        /// One setting.
        first: &'static str,
        /// The other.
        second: &'static str,
    },
    /// A secret could not be loaded (its value is never shown).
    #[error("{setting}: unusable key")]
    Secret {
        /// The setting.
        setting: &'static str,
        /// Why.
        #[source]
        source: SecretError,
    },
    /// Organizr's config.php could not be used.
    #[error("{setting}: cannot use Organizr's config.php")]
    PhpConfig {
        /// The setting.
        setting: &'static str,
        /// Why.
        #[source]
        source: PhpConfigError,
    },
    /// A setting's value is invalid.
    #[error("{setting}={value:?} is invalid")]
    Invalid {
        /// The setting.
        setting: &'static str,
        /// The value as given.
        value: String,
        /// Why.
        #[source]
        reason: InvalidValue,
    },
    /// Organizr's database uses a driver the session check cannot read yet.
    #[error(
        "{setting}: Organizr's database driver {driver:?} is not supported yet (only sqlite3); set {db}=none to run stateless, without the session check"
    )]
    DatabaseDriver {
        /// The setting that named the database (config.php).
        setting: &'static str,
        /// The driver, as config.php names it.
        driver: String,
        /// The setting that turns the session check off.
        db: &'static str,
    },
    /// A session database is configured, but this build cannot read it.
    #[error(
        "{setting}: this program was built without the session check (organizr-auth-core's `sessions` feature); set {db}=none to run stateless"
    )]
    SessionsNotBuilt {
        /// The setting that named the database.
        setting: &'static str,
        /// The setting that turns the session check off.
        db: &'static str,
    },
    /// Organizr's session database could not be opened or read.
    #[cfg(feature = "sessions")]
    #[error("{setting}: cannot use Organizr's session database")]
    Sessions {
        /// The setting that named the database.
        setting: &'static str,
        /// Why (names the file).
        #[source]
        source: crate::session::SessionError,
    },
    /// An environment variable's value is not UTF-8 (it would be read as
    /// something other than what was configured).
    #[error("{setting} is not valid UTF-8")]
    NotUtf8 {
        /// The variable.
        setting: String,
    },
}

/// Why a (non-secret) setting's value is invalid.
///
/// ```
/// use organizr_auth_core::{Config, ConfigError, InvalidValue};
/// let vars = |name: &str| match name {
///     "ORGANIZR_HASH" => Some("a-long-random-organizr-hash-value-here".to_string()),
///     "ORGANIZR_ACCEPT_BEARER" => Some("maybe".to_string()),
///     _ => None,
/// };
/// let err = Config::from_vars(vars).unwrap_err();
/// assert!(matches!(err, ConfigError::Invalid { reason: InvalidValue::Bool, .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidValue {
    /// The trusted-proxy list does not parse.
    #[error("not a trusted-proxy list")]
    ProxyList(#[source] ProxyListError),
    /// The group map does not parse.
    #[error("not a group map (name=level,name=level)")]
    GroupMap(#[source] crate::proxy::GroupMapError),
    /// Not `none` or a level from 0 to 999.
    #[error("expected none or a level from 0 to 999")]
    Level(#[source] crate::InvalidGroupLevel),
    /// Not a valid HTTP header name.
    #[error("not a valid HTTP header name")]
    HeaderName,
    /// A header name with `_`: reverse proxies and servers drop or rename such
    /// headers, and the library strips every `_` spelling of identity headers,
    /// so it could never match.
    #[error(
        "header names with `_` never reach the application (proxies drop them, and `_` spellings of identity headers are stripped): use `-`"
    )]
    HeaderNameUnderscore,
    /// Not a boolean.
    #[error("expected true or false (also 1/0, yes/no, on/off)")]
    Bool,
    /// Not a non-negative integer of seconds.
    #[error("expected a whole number of seconds")]
    Integer,
    /// Not a non-negative integer.
    #[error("expected a whole number")]
    Number,
    /// A whole number outside the range allowed.
    #[error("expected a whole number from {min} to {max}")]
    OutOfRange {
        /// The smallest value allowed.
        min: u64,
        /// The largest value allowed.
        max: u64,
    },
    /// The leeway is too large.
    #[error("leeway out of range")]
    Leeway(#[source] LeewayTooLarge),
    /// Not an absolute http(s) URL or `/path`, or one a browser could read as
    /// another host (`//host`, `/\host`, `https://user@host`).
    #[error(
        "expected an absolute http:// or https:// URL, or a path starting with a single /, that a browser cannot read as another host"
    )]
    LoginUrl,
    /// Not a uuid a cookie name can carry: letters, digits, `-`, `_` and
    /// `.`, as Organizr's are.
    #[error("expected Organizr's uuid: letters, digits, - _ and . only (or temp)")]
    Uuid,
}
