//! Settings as written (environment variables, a config file), before they
//! are checked; and the checking, in one place for both.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use http::{HeaderName, HeaderValue};
use serde::Deserialize;

use super::SessionSource;
use super::error::{ConfigError, InvalidValue};
use super::key::KeySource;
use super::variables::{
    API_KEY, CONFIG_PHP, DB, DB_MAX_STALE_SECS, DB_REFRESH_MS, INSECURE_RAW_HEADERS, LEEWAY,
    LOGIN_URL, PROXY_DEFAULT_LEVEL, PROXY_EMAIL_HEADER, PROXY_GROUP_HEADER, PROXY_GROUP_MAP,
    PROXY_GROUPS_HEADER, PROXY_NAME_HEADER, TOKEN_CACHE, TRUSTED_PROXIES, USER_HEADER, Variable,
};
use super::{Config, variables};
use crate::ApiKey;
use crate::php_config::Database;
use crate::proxy::TrustedProxies;
use crate::proxy::{DefaultLevel, GroupMap};

/// The unchecked settings of a config file, with the serde field names of
/// [`VARIABLES`](super::VARIABLES). Unknown fields are errors.
/// [`Config::from_settings`] checks them exactly as environment variables are
/// checked.
///
/// ```
/// use organizr_auth_core::Config;
/// use organizr_auth_core::config::Settings;
///
/// let settings: Settings = serde_json::from_str(r#"{
///     "organizr_hash": "a-long-random-organizr-hash-value-here",
///     "uuid": "0b7e4c1a-5d2f-4e8b-9a6c-3f1d2e7b8c90",
///     "trusted_proxies": "172.18.0.2, @",
///     "leeway_secs": 10
/// }"#)?;
/// let config = Config::from_settings(settings)?;
/// # let _ = config;
/// assert!(serde_json::from_str::<Settings>(r#"{"organizr_hsah": "x"}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub(crate) organizr_hash: Option<String>,
    pub(crate) organizr_hash_file: Option<PathBuf>,
    pub(crate) config_php: Option<PathBuf>,
    pub(crate) uuid: Option<String>,
    pub(crate) api_key: Option<String>,
    pub(crate) api_key_query: Option<bool>,
    pub(crate) trusted_proxies: Option<String>,
    pub(crate) user_header: Option<String>,
    pub(crate) proxy_group_header: Option<String>,
    pub(crate) proxy_groups_header: Option<String>,
    pub(crate) proxy_group_map: Option<String>,
    pub(crate) proxy_default_level: Option<TextOrNumber>,
    pub(crate) proxy_email_header: Option<String>,
    pub(crate) proxy_name_header: Option<String>,
    pub(crate) leeway_secs: Option<u64>,
    pub(crate) accept_bearer: Option<bool>,
    pub(crate) login_url: Option<String>,
    pub(crate) insecure_raw_headers: Option<String>,
    pub(crate) db: Option<String>,
    pub(crate) db_refresh_ms: Option<u64>,
    pub(crate) db_max_stale_secs: Option<u64>,
    pub(crate) token_cache: Option<u64>,
}

/// A setting a config file may write as a string or a number
/// (`proxy_default_level = 4` or `"none"`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum TextOrNumber {
    Text(String),
    Number(u64),
}

impl TextOrNumber {
    fn into_text(self) -> String {
        match self {
            TextOrNumber::Text(text) => text,
            TextOrNumber::Number(n) => n.to_string(),
        }
    }
}

/// Never shows the key or the API key.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |set: bool| if set { "<set>" } else { "<unset>" };
        f.debug_struct("Settings")
            .field("organizr_hash", &redacted(self.organizr_hash.is_some()))
            .field("organizr_hash_file", &self.organizr_hash_file)
            .field("config_php", &self.config_php)
            .field("uuid", &self.uuid)
            .field("api_key", &redacted(self.api_key.is_some()))
            .field("trusted_proxies", &self.trusted_proxies)
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

/// Which name errors use for a setting: the environment variable's, or the
/// serde field's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Naming {
    Env,
    Field,
}

impl Naming {
    pub(crate) fn of(self, variable: Variable) -> &'static str {
        match (self, variable.field) {
            (Naming::Field, Some(field)) => field,
            _ => variable.env,
        }
    }
}

impl Settings {
    /// Checks every setting and builds the [`Config`].
    pub(crate) fn check(self, naming: Naming) -> Result<Config, ConfigError> {
        let name = |v| naming.of(v);
        let key = KeySource::choose(
            self.organizr_hash,
            self.organizr_hash_file,
            self.config_php,
            self.uuid.is_some(),
            self.api_key.is_some(),
            naming,
        )?
        .map(|source| source.load(naming))
        .transpose()?;
        let (secret, php_uuid, php_api_key, database) = match key {
            Some(key) => (Some(key.secret), key.uuid, key.api_key, key.database),
            None => (None, None, None, None),
        };
        // Proxy-only mode (no key, no tokens) needs some other way in.
        if secret.is_none()
            && php_api_key.is_none()
            && self.api_key.is_none()
            && self
                .trusted_proxies
                .as_deref()
                .is_none_or(|list| list.trim().is_empty())
        {
            return Err(ConfigError::NothingToAuthenticate {
                hash: name(variables::HASH),
                hash_file: name(variables::HASH_FILE),
                config_php: name(variables::CONFIG_PHP),
                trusted_proxies: name(TRUSTED_PROXIES),
                api_key: name(API_KEY),
            });
        }
        // Tokens need the uuid that names their cookie; proxy-only mode none.
        // A missing uuid is reported last, so that a bad value given in
        // another setting is named first.
        let uuid = match (&secret, php_uuid, self.uuid) {
            (None, _, _) => Ok(None),
            (Some(_), Some(from_php), _) if from_php.trim().is_empty() => {
                Err(ConfigError::PhpConfigWithoutUuid {
                    config_php: name(variables::CONFIG_PHP),
                    hash_file: name(variables::HASH_FILE),
                    uuid: name(variables::UUID),
                })
            }
            (Some(_), Some(from_php), _) => Ok(Some(from_php)),
            (Some(_), None, Some(given)) if !given.trim().is_empty() => Ok(Some(given)),
            (Some(_), None, _) => Err(ConfigError::MissingUuid {
                uuid: name(variables::UUID),
            }),
        };
        let mut config = Config::without_tokens();
        config.secret = secret;
        let api_key = match (php_api_key, self.api_key) {
            (Some(from_php), _) => Some(from_php),
            (None, Some(text)) => {
                Some(ApiKey::new(text).map_err(|source| ConfigError::Secret {
                    setting: name(API_KEY),
                    source,
                })?)
            }
            (None, None) => None,
        };
        if let Some(api_key) = api_key {
            config = config.api_key(api_key);
        }
        config = config
            .api_key_in_query(self.api_key_query.unwrap_or(false))
            .accept_bearer(self.accept_bearer.unwrap_or(true));
        if let Some(list) = self.trusted_proxies {
            let proxies = TrustedProxies::parse(&list).map_err(|e| ConfigError::Invalid {
                setting: name(TRUSTED_PROXIES),
                value: list.clone(),
                reason: InvalidValue::ProxyList(e),
            })?;
            config = config.trusted_proxies(proxies);
        }
        if let Some(header) = self.user_header {
            config.user_header = header_name(name(USER_HEADER), &header)?;
        }
        if let Some(header) = &self.proxy_group_header {
            config = config.proxy_group_header_named(
                header,
                name(PROXY_GROUP_HEADER),
                name(PROXY_GROUPS_HEADER),
            )?;
        }
        if let Some(header) = &self.proxy_groups_header {
            config = config.proxy_groups_header_named(
                header,
                name(PROXY_GROUPS_HEADER),
                name(PROXY_GROUP_HEADER),
            )?;
        }
        if let Some(text) = self.proxy_group_map {
            if config.proxy_groups_header.is_none() {
                return Err(ConfigError::Requires {
                    setting: name(PROXY_GROUP_MAP),
                    needs: name(PROXY_GROUPS_HEADER),
                });
            }
            let map = GroupMap::parse(&text).map_err(|e| ConfigError::Invalid {
                setting: name(PROXY_GROUP_MAP),
                value: text.clone(),
                reason: InvalidValue::GroupMap(e),
            })?;
            config = config.proxy_group_map(map);
        }
        if let Some(text) = self.proxy_default_level.map(TextOrNumber::into_text) {
            if config.proxy_group_header.is_some() {
                // A numeric group header gives every proxy user a level.
                return Err(ConfigError::Conflict {
                    first: name(PROXY_GROUP_HEADER),
                    second: name(PROXY_DEFAULT_LEVEL),
                });
            }
            let level = text
                .parse::<DefaultLevel>()
                .map_err(|e| ConfigError::Invalid {
                    setting: name(PROXY_DEFAULT_LEVEL),
                    value: text.clone(),
                    reason: InvalidValue::Level(e),
                })?;
            config = config.proxy_default_level(level);
        }
        if let Some(header) = self.proxy_email_header {
            config.proxy_email_header = Some(header_name(name(PROXY_EMAIL_HEADER), &header)?);
        }
        if let Some(header) = self.proxy_name_header {
            config.proxy_name_header = Some(header_name(name(PROXY_NAME_HEADER), &header)?);
        }
        if let Some(secs) = self.leeway_secs {
            config = config.leeway_named(Duration::from_secs(secs), name(LEEWAY))?;
        }
        if let Some(url) = self.login_url {
            config.login_url = Some(login_url(name(LOGIN_URL), &url)?);
        }
        if let Some(capacity) = self.token_cache {
            let capacity = usize::try_from(capacity).unwrap_or(usize::MAX);
            config = config.token_cache_named(capacity, name(TOKEN_CACHE))?;
        }
        if let Some(list) = self.insecure_raw_headers {
            for header in list.split(',').filter(|h| !h.trim().is_empty()) {
                let header = header_name(name(INSECURE_RAW_HEADERS), header)?;
                if !config.raw_headers.contains(&header) {
                    config.raw_headers.push(header);
                }
            }
        }
        config.sessions = sessions(
            self.db,
            database,
            self.db_refresh_ms,
            self.db_max_stale_secs,
            naming,
        )?;
        if let Some(uuid) = uuid? {
            let valid = uuid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
            if !valid {
                return Err(ConfigError::Invalid {
                    setting: name(variables::UUID),
                    value: uuid,
                    reason: InvalidValue::Uuid,
                });
            }
            config = config.uuid(uuid);
        }
        Ok(config)
    }
}

/// The session check: `db` (`none`, or a path) wins; unset, config.php's
/// database when its driver is sqlite3; another driver is an error, never a
/// silent stateless mode.
fn sessions(
    db: Option<String>,
    from_php: Option<Database>,
    refresh_ms: Option<u64>,
    max_stale_secs: Option<u64>,
    naming: Naming,
) -> Result<SessionSource, ConfigError> {
    let name = |v| naming.of(v);
    let path = match (db, from_php) {
        (Some(db), _) if db.trim() == "none" => return Ok(SessionSource::Stateless),
        (Some(db), _) => (name(DB), std::path::PathBuf::from(db)),
        (None, Some(Database::Sqlite(path))) => (name(CONFIG_PHP), path),
        (None, Some(Database::Other { driver })) => {
            return Err(ConfigError::DatabaseDriver {
                setting: name(CONFIG_PHP),
                driver,
                db: name(DB),
            });
        }
        (None, None) => return Ok(SessionSource::Stateless),
    };
    let in_range = |variable: Variable, value: Option<u64>, min: u64, max: u64| match value {
        Some(v) if !(min..=max).contains(&v) => Err(ConfigError::Invalid {
            setting: name(variable),
            value: v.to_string(),
            reason: InvalidValue::OutOfRange { min, max },
        }),
        _ => Ok(value),
    };
    let refresh = in_range(DB_REFRESH_MS, refresh_ms, 100, 60_000)?;
    let max_stale = in_range(DB_MAX_STALE_SECS, max_stale_secs, 0, 3600)?;
    open_sessions(path, refresh, max_stale, name(DB))
}

#[cfg(feature = "sessions")]
fn open_sessions(
    (setting, path): (&'static str, std::path::PathBuf),
    refresh_ms: Option<u64>,
    max_stale_secs: Option<u64>,
    _db: &'static str,
) -> Result<SessionSource, ConfigError> {
    use crate::session::{SessionOptions, SessionStore};
    let sessions_error = |source| ConfigError::Sessions { setting, source };
    let mut options = SessionOptions::new();
    if let Some(ms) = refresh_ms {
        options = options
            .refresh(Duration::from_millis(ms))
            .map_err(sessions_error)?;
    }
    if let Some(secs) = max_stale_secs {
        options = options
            .max_stale(Duration::from_secs(secs))
            .map_err(sessions_error)?;
    }
    let store = SessionStore::open(&path, options).map_err(sessions_error)?;
    Ok(SessionSource::Store(store))
}

#[cfg(not(feature = "sessions"))]
fn open_sessions(
    (setting, _path): (&'static str, std::path::PathBuf),
    _refresh_ms: Option<u64>,
    _max_stale_secs: Option<u64>,
    db: &'static str,
) -> Result<SessionSource, ConfigError> {
    Err(ConfigError::SessionsNotBuilt { setting, db })
}

/// A header name as configured: trimmed, valid, and without `_`.
pub(crate) fn header_name(setting: &'static str, name: &str) -> Result<HeaderName, ConfigError> {
    let trimmed = name.trim();
    let invalid = |reason| ConfigError::Invalid {
        setting,
        value: name.to_owned(),
        reason,
    };
    let header = HeaderName::from_bytes(trimmed.as_bytes())
        .map_err(|_| invalid(InvalidValue::HeaderName))?;
    if trimmed.contains('_') {
        return Err(invalid(InvalidValue::HeaderNameUnderscore));
    }
    Ok(header)
}

/// A login URL that a browser can only read as the host it names: an
/// absolute `http(s)://host/...` without user info, or a path starting with
/// one `/`. Backslashes are refused everywhere (browsers read `\` as `/`, so
/// `/\evil.example` is `//evil.example`), and so are control characters and
/// spaces (browsers drop tabs and newlines, so `/\t/evil.example` would be
/// `//evil.example` too).
pub(crate) fn login_url(setting: &'static str, url: &str) -> Result<HeaderValue, ConfigError> {
    let invalid = || ConfigError::Invalid {
        setting,
        value: url.to_owned(),
        reason: InvalidValue::LoginUrl,
    };
    if url.chars().any(|c| c.is_control() || c == ' ' || c == '\\') {
        return Err(invalid());
    }
    let absolute = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let ok = match absolute {
        Some(rest) => {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            !authority.is_empty() && !authority.contains('@')
        }
        None => url.starts_with('/') && !url.starts_with("//"),
    };
    if !ok {
        return Err(invalid());
    }
    HeaderValue::from_str(url).map_err(|_| invalid())
}

/// `true`/`false` and the usual spellings.
pub(crate) fn parse_bool(setting: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::Invalid {
            setting,
            value: value.to_owned(),
            reason: InvalidValue::Bool,
        }),
    }
}

/// A whole number (milliseconds, a count).
pub(crate) fn parse_number(setting: &'static str, value: &str) -> Result<u64, ConfigError> {
    parse_u64(setting, value, InvalidValue::Number)
}

/// A whole number of seconds.
pub(crate) fn parse_secs(setting: &'static str, value: &str) -> Result<u64, ConfigError> {
    parse_u64(setting, value, InvalidValue::Integer)
}

/// A whole number, trimmed; else `reason`, naming `setting`.
fn parse_u64(setting: &'static str, value: &str, reason: InvalidValue) -> Result<u64, ConfigError> {
    value
        .trim()
        .parse::<u64>()
        .map_err(|_| ConfigError::Invalid {
            setting,
            value: value.to_owned(),
            reason,
        })
}

impl Config {
    /// [`Config::token_cache`], with errors naming `setting`.
    pub(crate) fn token_cache_named(
        mut self,
        capacity: usize,
        setting: &'static str,
    ) -> Result<Self, ConfigError> {
        let max = crate::token_cache::TokenCache::MAX_CAPACITY;
        if capacity > max {
            return Err(ConfigError::Invalid {
                setting,
                value: capacity.to_string(),
                reason: InvalidValue::OutOfRange {
                    min: 0,
                    max: max as u64,
                },
            });
        }
        self.token_cache = capacity;
        Ok(self)
    }

    /// [`Config::leeway`], with errors naming `setting`.
    pub(crate) fn leeway_named(
        mut self,
        leeway: Duration,
        setting: &'static str,
    ) -> Result<Self, ConfigError> {
        crate::token::check_leeway(leeway).map_err(|e| ConfigError::Invalid {
            setting,
            value: leeway.as_secs().to_string(),
            reason: InvalidValue::Leeway(e),
        })?;
        self.leeway = leeway;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_urls_that_browsers_could_read_as_another_host_are_refused() {
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "https://organizr.example@evil.example/",
            "https:///path",
            "javascript:alert(1)",
            "organizr.example/login",
            "https://organizr.example/a b",
        ] {
            assert!(login_url("login_url", bad).is_err(), "{bad:?}");
        }
        for good in [
            "/",
            "/organizr/",
            "/login?x=1",
            "https://organizr.example/",
            "http://organizr.lan:8080/login",
            "https://organizr.example",
        ] {
            assert!(login_url("login_url", good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn header_names_with_underscores_are_refused() {
        let err = header_name("user_header", "Remote_User").unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Invalid {
                reason: InvalidValue::HeaderNameUnderscore,
                ..
            }
        ));
        assert!(header_name("user_header", " X-Forwarded-User ").is_ok());
    }
}
