//! Configuration: everything an [`Authenticator`](crate::Authenticator) needs,
//! checked once at start-up.
//!
//! A [`Config`] is built with its methods, read from environment variables with
//! [`Config::from_env`], or deserialised with serde (for a config file). Every
//! way checks every value; a [`Config`] that exists is a valid one.
//!
//! | variable | serde field | meaning |
//! |---|---|---|
//! | `ORGANIZR_HASH` | `organizr_hash` | the signing key (Organizr's `organizrHash`) |
//! | `ORGANIZR_HASH_FILE` | `organizr_hash_file` | a file holding the key (one trailing newline ignored) |
//! | `ORGANIZR_CONFIG_PHP` | `config_php` | Organizr's `api/config/config.php`: key, uuid and API key from there |
//! | `ORGANIZR_UUID` | `uuid` | the instance uuid: the cookie is `organizr_token_<uuid>` |
//! | `ORGANIZR_API_KEY` | `api_key` | Organizr's API key (`organizrAPI`), accepted in the `Token` header |
//! | `ORGANIZR_API_KEY_QUERY` | `api_key_query` | also accept it as `?apikey=` (default `false`) |
//! | `ORGANIZR_TRUSTED_PROXIES` | `trusted_proxies` | Navidrome-style list: CIDRs, IPs, `@` (default empty: trust none) |
//! | `ORGANIZR_USER_HEADER` | `user_header` | the proxy's user header (default `Remote-User`) |
//! | `ORGANIZR_PROXY_GROUP_HEADER` | `proxy_group_header` | the proxy's group-level header (default none: level 998) |
//! | `ORGANIZR_LEEWAY_SECS` | `leeway_secs` | clock leeway, 0 to 300 (default 30) |
//! | `ORGANIZR_ACCEPT_BEARER` | `accept_bearer` | accept `Authorization: Bearer` tokens (default `true`) |
//! | `ORGANIZR_LOGIN_URL` | `login_url` | where anonymous browsers are redirected (default none: 401) |
//!
//! Exactly one of the three key settings must be given. `ORGANIZR_CONFIG_PHP`
//! cannot be combined with the key, uuid or API-key variables: one source of
//! truth. Empty variables count as unset, except `ORGANIZR_HASH`, where empty is
//! an error.
//!
//! # Security
//! Errors name the setting and quote the bad value, except for the key and the
//! API key, whose values are never repeated anywhere.

use std::path::PathBuf;
use std::time::Duration;

use http::{HeaderName, HeaderValue};
use serde::Deserialize;

use crate::php_config::{OrganizrPhpConfig, PhpConfigError};
use crate::proxy::{ProxyListError, TrustedProxies};
use crate::token::{LeewayTooLarge, MAX_LEEWAY};
use crate::{ApiKey, Secret, SecretError, TokenValidator};

/// The default user header, as Authelia, Authentik and Navidrome use it.
///
/// ```
/// assert_eq!(organizr_auth_core::config::DEFAULT_USER_HEADER, "remote-user");
/// ```
pub const DEFAULT_USER_HEADER: &str = "remote-user";

/// A checked configuration. See the [module documentation](self) for every
/// setting.
///
/// ```
/// use organizr_auth_core::{Config, Secret, TrustedProxies};
/// let config = Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)
///     .uuid("0b7e4c1a-5d2f-4e8b-9a6c-3f1d2e7b8c90")
///     .trusted_proxies("10.0.0.0/8, @".parse::<TrustedProxies>()?)
///     .accept_bearer(false);
/// assert!(Config::new(Secret::new("k")?).user_header("Remote User").is_err());
/// # let _ = config;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) secret: Secret,
    pub(crate) validator: TokenValidator,
    pub(crate) uuid: String,
    pub(crate) api_key: Option<ApiKey>,
    pub(crate) api_key_query: bool,
    pub(crate) accept_bearer: bool,
    pub(crate) trusted_proxies: TrustedProxies,
    pub(crate) user_header: HeaderName,
    pub(crate) proxy_group_header: Option<HeaderName>,
    pub(crate) login_url: Option<HeaderValue>,
    pub(crate) raw_headers: Vec<HeaderName>,
}

impl Config {
    /// Defaults around a key: empty uuid (`organizr_token_temp`), no API key,
    /// bearer tokens accepted, no trusted proxies, `Remote-User`, 30 s leeway, no
    /// login URL.
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?));
    /// assert!(auth.accepts_bearer() && auth.trusted_proxies().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(secret: Secret) -> Self {
        Self {
            validator: TokenValidator::new(&secret),
            secret,
            uuid: String::new(),
            api_key: None,
            api_key_query: false,
            accept_bearer: true,
            trusted_proxies: TrustedProxies::none(),
            user_header: HeaderName::from_static(DEFAULT_USER_HEADER),
            proxy_group_header: None,
            login_url: None,
            raw_headers: Vec::new(),
        }
    }

    /// The Organizr instance's uuid, which names its cookie.
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?).uuid("0b7e"));
    /// assert_eq!(auth.cookie_name(), "organizr_token_0b7e");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn uuid(mut self, uuid: impl Into<String>) -> Self {
        self.uuid = uuid.into();
        self
    }

    /// Accept Organizr's API key in the `Token` header.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use organizr_auth_core::{ApiKey, Authenticator, Config, GroupLevel, Secret, proxy::Peer};
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?).api_key(ApiKey::new("A1B2C3D4E5F6G7H8I9J0")?));
    /// let mut headers = HeaderMap::new();
    /// headers.insert("token", "A1B2C3D4E5F6G7H8I9J0".parse()?);
    /// assert_eq!(auth.resolve(&headers, None, &Peer::Unknown).level(), GroupLevel::ADMIN);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn api_key(mut self, key: ApiKey) -> Self {
        self.api_key = Some(key);
        self
    }

    /// Also accept the API key as the `apikey` query parameter. Off by default:
    /// query strings end up in access logs and browser history.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use organizr_auth_core::{ApiKey, Authenticator, Config, GroupLevel, Secret, proxy::Peer};
    /// let config = Config::new(Secret::new("k")?).api_key(ApiKey::new("A1B2C3D4E5F6G7H8I9J0")?);
    /// let query = Some("apikey=A1B2C3D4E5F6G7H8I9J0");
    /// let off = Authenticator::new(config.clone());
    /// assert_eq!(off.resolve(&HeaderMap::new(), query, &Peer::Unknown).level(), GroupLevel::GUEST);
    /// let on = Authenticator::new(config.api_key_in_query(true));
    /// assert_eq!(on.resolve(&HeaderMap::new(), query, &Peer::Unknown).level(), GroupLevel::ADMIN);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn api_key_in_query(mut self, enabled: bool) -> Self {
        self.api_key_query = enabled;
        self
    }

    /// Accept tokens in `Authorization: Bearer` (default on).
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// assert!(!Authenticator::new(Config::new(Secret::new("k")?).accept_bearer(false)).accepts_bearer());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn accept_bearer(mut self, enabled: bool) -> Self {
        self.accept_bearer = enabled;
        self
    }

    /// The peers whose identity headers are believed.
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret, TrustedProxies, proxy::Peer};
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?).trusted_proxies("172.18.0.2".parse::<TrustedProxies>()?));
    /// assert!(auth.trusted_proxies().trusts(&Peer::Tcp("172.18.0.2:41000".parse()?)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.trusted_proxies = proxies;
        self
    }

    /// The header a trusted proxy names the user in (default `Remote-User`).
    ///
    /// ```
    /// use http::HeaderMap;
    /// use organizr_auth_core::{Authenticator, Config, Secret, TrustedProxies, proxy::Peer};
    /// let config = Config::new(Secret::new("k")?)
    ///     .trusted_proxies("127.0.0.1".parse::<TrustedProxies>()?)
    ///     .user_header("X-Forwarded-User")?;
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-forwarded-user", "alice".parse()?);
    /// let who = Authenticator::new(config).resolve(&headers, None, &Peer::Tcp("127.0.0.1:9".parse()?));
    /// assert_eq!(who.identity().map(|i| i.username.as_str()), Some("alice"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn user_header(mut self, name: &str) -> Result<Self, ConfigError> {
        self.user_header = header_name("user_header", name)?;
        Ok(self)
    }

    /// A header in which a trusted proxy gives the user's group level (0-999).
    /// Without one, proxy users are at level 998.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use organizr_auth_core::{Authenticator, Config, GroupLevel, Secret, TrustedProxies, proxy::Peer};
    /// let config = Config::new(Secret::new("k")?)
    ///     .trusted_proxies("127.0.0.1".parse::<TrustedProxies>()?)
    ///     .proxy_group_header("Remote-Group-Id")?;
    /// let mut headers = HeaderMap::new();
    /// headers.insert("remote-user", "alice".parse()?);
    /// headers.insert("remote-group-id", "1".parse()?);
    /// let who = Authenticator::new(config).resolve(&headers, None, &Peer::Tcp("127.0.0.1:9".parse()?));
    /// assert_eq!(who.level(), GroupLevel::CO_ADMIN);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn proxy_group_header(mut self, name: &str) -> Result<Self, ConfigError> {
        self.proxy_group_header = Some(header_name("proxy_group_header", name)?);
        Ok(self)
    }

    /// The clock leeway for `exp`, `nbf` and `iat` (at most 300 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// use organizr_auth_core::{Config, Secret};
    /// assert!(Config::new(Secret::new("k")?).leeway(Duration::from_secs(5)).is_ok());
    /// assert!(Config::new(Secret::new("k")?).leeway(Duration::from_secs(3600)).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn leeway(mut self, leeway: Duration) -> Result<Self, ConfigError> {
        self.validator = self
            .validator
            .with_leeway(leeway)
            .map_err(|e| ConfigError::Invalid {
                setting: "leeway",
                value: leeway.as_secs().to_string(),
                reason: InvalidValue::Leeway(e),
            })?;
        Ok(self)
    }

    /// Where to redirect anonymous browsers: an absolute `http(s)://` URL or a
    /// path starting with `/`.
    ///
    /// ```
    /// use organizr_auth_core::{Config, Secret};
    /// assert!(Config::new(Secret::new("k")?).login_url("https://organizr.example/").is_ok());
    /// assert!(Config::new(Secret::new("k")?).login_url("/organizr/").is_ok());
    /// assert!(Config::new(Secret::new("k")?).login_url("//evil.example/").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn login_url(mut self, url: &str) -> Result<Self, ConfigError> {
        self.login_url = Some(login_url("login_url", url)?);
        Ok(self)
    }

    /// Lets the identity header `name` reach handlers exactly as the client or
    /// proxy sent it, unchecked. Every header of an identity family
    /// ([`sanitize`](crate::sanitize)) is otherwise removed unless the library
    /// wrote or accepted it. Use this only for a header the application needs
    /// raw and treats as untrusted input: anyone can send it.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use http::HeaderMap;
    /// use organizr_auth_core::{Authenticator, Config, Peer, Policy, RequestHead, Secret};
    /// let config = Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)
    ///     .insecure_pass_raw_header("X-authentik-meta-app")?;
    /// let auth = Arc::new(Authenticator::new(config));
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-authentik-meta-app", "photos".parse()?);
    /// headers.insert("x-authentik-username", "admin".parse()?);
    /// let head = RequestHead { method: "GET", query: None, headers: &mut headers };
    /// let _ = auth.admit(head, Peer::Unknown, Policy::pass_through(), None);
    /// assert!(headers.contains_key("x-authentik-meta-app"));
    /// assert!(!headers.contains_key("x-authentik-username"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insecure_pass_raw_header(mut self, name: &str) -> Result<Self, ConfigError> {
        let name = header_name("insecure_pass_raw_header", name)?;
        if !self.raw_headers.contains(&name) {
            self.raw_headers.push(name);
        }
        Ok(self)
    }

    /// Reads the configuration from the `ORGANIZR_*` environment variables (see
    /// the [module documentation](self)).
    ///
    /// ```
    /// use organizr_auth_core::{Config, ConfigError};
    /// // In a program: `let config = Config::from_env()?;`. With no key configured:
    /// if std::env::var_os("ORGANIZR_HASH").is_none()
    ///     && std::env::var_os("ORGANIZR_HASH_FILE").is_none()
    ///     && std::env::var_os("ORGANIZR_CONFIG_PHP").is_none()
    /// {
    ///     assert!(matches!(Config::from_env(), Err(ConfigError::MissingSecret { .. })));
    /// }
    /// ```
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()))
    }

    /// Like [`Config::from_env`], reading variables through `var`: for tests, and
    /// for programs that keep their settings elsewhere.
    ///
    /// ```
    /// use organizr_auth_core::{Config, ConfigError};
    /// let vars = |name: &str| match name {
    ///     "ORGANIZR_HASH" => Some("a-long-random-organizr-hash-value-here".to_string()),
    ///     "ORGANIZR_TRUSTED_PROXIES" => Some("proxy.lan".to_string()),
    ///     _ => None,
    /// };
    /// let err = Config::from_vars(vars).unwrap_err();
    /// assert!(err.to_string().contains("ORGANIZR_TRUSTED_PROXIES=\"proxy.lan\""));
    /// ```
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| var(name).filter(|v| !v.is_empty());
        let bool_var = |name: &'static str| -> Result<Option<bool>, ConfigError> {
            get(name).map(|v| parse_bool(name, &v)).transpose()
        };
        let leeway = match get(ENV.leeway) {
            None => None,
            Some(v) => Some(v.trim().parse::<u64>().map_err(|_| ConfigError::Invalid {
                setting: ENV.leeway,
                value: v.clone(),
                reason: InvalidValue::Integer,
            })?),
        };
        let raw = Raw {
            // Empty is an error for the key, so do not filter it out.
            hash: var(ENV.hash),
            hash_file: get(ENV.hash_file).map(PathBuf::from),
            config_php: get(ENV.config_php).map(PathBuf::from),
            uuid: get(ENV.uuid),
            api_key: get(ENV.api_key),
            api_key_query: bool_var(ENV.api_key_query)?,
            trusted_proxies: get(ENV.trusted_proxies),
            user_header: get(ENV.user_header),
            proxy_group_header: get(ENV.proxy_group_header),
            leeway_secs: leeway,
            accept_bearer: bool_var(ENV.accept_bearer)?,
            login_url: get(ENV.login_url),
        };
        raw.build(&ENV)
    }
}

impl<'de> Deserialize<'de> for Config {
    /// Reads the serde fields listed in the [module documentation](self);
    /// unknown fields are errors.
    ///
    /// ```
    /// use organizr_auth_core::Config;
    /// let config: Config = serde_json::from_str(r#"{
    ///     "organizr_hash": "a-long-random-organizr-hash-value-here",
    ///     "trusted_proxies": "172.18.0.2, @",
    ///     "leeway_secs": 10
    /// }"#)?;
    /// # let _ = config;
    /// assert!(serde_json::from_str::<Config>(r#"{"organizr_hash": ""}"#).is_err());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Raw::deserialize(deserializer)?;
        raw.build(&FIELDS).map_err(|e| {
            use std::fmt::Write as _;
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                let _ = write!(message, ": {s}");
                source = s.source();
            }
            serde::de::Error::custom(message)
        })
    }
}

/// Settings before checking, as read from the environment or a file.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(rename = "organizr_hash")]
    hash: Option<String>,
    #[serde(rename = "organizr_hash_file")]
    hash_file: Option<PathBuf>,
    config_php: Option<PathBuf>,
    uuid: Option<String>,
    api_key: Option<String>,
    api_key_query: Option<bool>,
    trusted_proxies: Option<String>,
    user_header: Option<String>,
    proxy_group_header: Option<String>,
    leeway_secs: Option<u64>,
    accept_bearer: Option<bool>,
    login_url: Option<String>,
}

/// What each setting is called where it came from, for error messages.
struct Names {
    hash: &'static str,
    hash_file: &'static str,
    config_php: &'static str,
    uuid: &'static str,
    api_key: &'static str,
    api_key_query: &'static str,
    trusted_proxies: &'static str,
    user_header: &'static str,
    proxy_group_header: &'static str,
    leeway: &'static str,
    accept_bearer: &'static str,
    login_url: &'static str,
}

const ENV: Names = Names {
    hash: "ORGANIZR_HASH",
    hash_file: "ORGANIZR_HASH_FILE",
    config_php: "ORGANIZR_CONFIG_PHP",
    uuid: "ORGANIZR_UUID",
    api_key: "ORGANIZR_API_KEY",
    api_key_query: "ORGANIZR_API_KEY_QUERY",
    trusted_proxies: "ORGANIZR_TRUSTED_PROXIES",
    user_header: "ORGANIZR_USER_HEADER",
    proxy_group_header: "ORGANIZR_PROXY_GROUP_HEADER",
    leeway: "ORGANIZR_LEEWAY_SECS",
    accept_bearer: "ORGANIZR_ACCEPT_BEARER",
    login_url: "ORGANIZR_LOGIN_URL",
};

const FIELDS: Names = Names {
    hash: "organizr_hash",
    hash_file: "organizr_hash_file",
    config_php: "config_php",
    uuid: "uuid",
    api_key: "api_key",
    api_key_query: "api_key_query",
    trusted_proxies: "trusted_proxies",
    user_header: "user_header",
    proxy_group_header: "proxy_group_header",
    leeway: "leeway_secs",
    accept_bearer: "accept_bearer",
    login_url: "login_url",
};

impl Raw {
    fn build(self, n: &Names) -> Result<Config, ConfigError> {
        let (secret, uuid, api_key) = match (self.hash, self.hash_file, self.config_php) {
            (None, None, None) => {
                return Err(ConfigError::MissingSecret {
                    hash: n.hash,
                    hash_file: n.hash_file,
                    config_php: n.config_php,
                });
            }
            (Some(_), Some(_), _) => return Err(conflict(n.hash, n.hash_file)),
            (Some(_), _, Some(_)) => return Err(conflict(n.hash, n.config_php)),
            (_, Some(_), Some(_)) => return Err(conflict(n.hash_file, n.config_php)),
            (Some(hash), None, None) => (
                Secret::new(hash).map_err(|source| ConfigError::Secret {
                    setting: n.hash,
                    source,
                })?,
                self.uuid,
                self.api_key,
            ),
            (None, Some(path), None) => (
                Secret::from_file(path).map_err(|source| ConfigError::Secret {
                    setting: n.hash_file,
                    source,
                })?,
                self.uuid,
                self.api_key,
            ),
            (None, None, Some(path)) => {
                if self.uuid.is_some() {
                    return Err(conflict(n.config_php, n.uuid));
                }
                if self.api_key.is_some() {
                    return Err(conflict(n.config_php, n.api_key));
                }
                let php = OrganizrPhpConfig::from_file(&path).map_err(|source| {
                    ConfigError::PhpConfig {
                        setting: n.config_php,
                        source,
                    }
                })?;
                let secret =
                    Secret::new(php.organizr_hash()).map_err(|source| ConfigError::Secret {
                        setting: n.config_php,
                        source,
                    })?;
                (
                    secret,
                    Some(php.uuid().to_owned()),
                    php.api_key().map(str::to_owned),
                )
            }
        };
        let mut config = Config::new(secret).uuid(uuid.unwrap_or_default());
        if let Some(key) = api_key.filter(|k| !k.is_empty()) {
            let key = ApiKey::new(key).map_err(|source| ConfigError::Secret {
                setting: n.api_key,
                source,
            })?;
            config = config.api_key(key);
        }
        config = config
            .api_key_in_query(self.api_key_query.unwrap_or(false))
            .accept_bearer(self.accept_bearer.unwrap_or(true));
        if let Some(list) = self.trusted_proxies {
            let proxies = TrustedProxies::parse(&list).map_err(|e| ConfigError::Invalid {
                setting: n.trusted_proxies,
                value: list.clone(),
                reason: InvalidValue::ProxyList(e),
            })?;
            config = config.trusted_proxies(proxies);
        }
        if let Some(name) = self.user_header {
            config.user_header = header_name(n.user_header, &name)?;
        }
        if let Some(name) = self.proxy_group_header {
            config.proxy_group_header = Some(header_name(n.proxy_group_header, &name)?);
        }
        if let Some(secs) = self.leeway_secs {
            let leeway = Duration::from_secs(secs);
            config.validator =
                config
                    .validator
                    .with_leeway(leeway)
                    .map_err(|e| ConfigError::Invalid {
                        setting: n.leeway,
                        value: secs.to_string(),
                        reason: InvalidValue::Leeway(e),
                    })?;
        }
        if let Some(url) = self.login_url {
            config.login_url = Some(login_url(n.login_url, &url)?);
        }
        Ok(config)
    }
}

fn conflict(first: &'static str, second: &'static str) -> ConfigError {
    ConfigError::Conflict { first, second }
}

fn header_name(setting: &'static str, name: &str) -> Result<HeaderName, ConfigError> {
    let trimmed = name.trim();
    HeaderName::from_bytes(trimmed.as_bytes()).map_err(|_| ConfigError::Invalid {
        setting,
        value: name.to_owned(),
        reason: InvalidValue::HeaderName,
    })
}

fn login_url(setting: &'static str, url: &str) -> Result<HeaderValue, ConfigError> {
    let invalid = || ConfigError::Invalid {
        setting,
        value: url.to_owned(),
        reason: InvalidValue::LoginUrl,
    };
    let ok_shape = url.starts_with("https://")
        || url.starts_with("http://")
        // A path, but not `//host`, which browsers read as another site.
        || (url.starts_with('/') && !url.starts_with("//"));
    if !ok_shape || url.chars().any(|c| c.is_control() || c == ' ') {
        return Err(invalid());
    }
    HeaderValue::from_str(url).map_err(|_| invalid())
}

fn parse_bool(setting: &'static str, value: &str) -> Result<bool, ConfigError> {
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

/// Why a configuration could not be built. Each names the setting (the
/// environment variable, or the serde field); values are quoted except secrets.
///
/// ```
/// use organizr_auth_core::{Config, ConfigError};
/// let err = Config::from_vars(|name| (name == "ORGANIZR_HASH").then(String::new)).unwrap_err();
/// assert!(matches!(err, ConfigError::Secret { setting: "ORGANIZR_HASH", .. }));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No key setting was given.
    #[error("no signing key configured: set {hash}, {hash_file} or {config_php}")]
    MissingSecret {
        /// The key setting's name.
        hash: &'static str,
        /// The key-file setting's name.
        hash_file: &'static str,
        /// The config.php setting's name.
        config_php: &'static str,
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
    #[error("{setting}={value:?} is invalid: {reason}")]
    Invalid {
        /// The setting.
        setting: &'static str,
        /// The value as given.
        value: String,
        /// Why.
        reason: InvalidValue,
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
    #[error("{0}")]
    ProxyList(ProxyListError),
    /// Not a valid HTTP header name.
    #[error("not a valid HTTP header name")]
    HeaderName,
    /// Not a boolean.
    #[error("expected true or false (also 1/0, yes/no, on/off)")]
    Bool,
    /// Not a non-negative integer.
    #[error("expected a whole number of seconds")]
    Integer,
    /// The leeway is too large.
    #[error("{0}")]
    Leeway(LeewayTooLarge),
    /// Not an absolute http(s) URL or `/path`.
    #[error("expected an absolute http:// or https:// URL, or a path starting with /")]
    LoginUrl,
}

// Keep the bound visible to readers of the error above.
const _: () = assert!(MAX_LEEWAY.as_secs() == 300);
