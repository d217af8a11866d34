//! Configuration: everything an [`Authenticator`](crate::Authenticator)
//! needs, checked once at start-up.
//!
//! A [`Config`] is built with its methods, read from environment variables
//! with [`Config::from_env`], or read from a config file into [`Settings`]
//! (serde) and checked with [`Config::from_settings`]. Every way checks every
//! value, in one place ([`Settings`]' checks, which the builder methods
//! share); a [`Config`] that exists is a valid one.
//!
//! At most one of the three key settings may be given (none: proxy-only
//! mode). `ORGANIZR_CONFIG_PHP` cannot be combined with the key, uuid or
//! API-key settings: one source of truth. When tokens are accepted the uuid
//! that names their cookie is required (`ORGANIZR_UUID`, or config.php's):
//! without it every real login would be refused in silence. `temp`, set on
//! purpose, is Organizr's own cookie name for an instance without one.
//!
//! # Security
//! Errors name the setting and quote the bad value, except for the key and
//! the API key, whose values are never repeated anywhere; [`Config`] and
//! [`Settings`] print neither in `Debug`. Blank keys are refused.
//!
#![doc = include_str!("VARIABLES.md")]

mod env;
mod error;
mod key;
mod settings;
pub(crate) mod variables;

// For `mint::SigningKey`, which reads the key as `Config` does.
#[cfg(feature = "mint")]
pub(crate) use env::organizr_vars;
#[cfg(feature = "mint")]
pub(crate) use key::KeySource;
#[cfg(feature = "mint")]
pub(crate) use settings::Naming;

pub use error::{ConfigError, InvalidValue};
pub use settings::Settings;
pub use variables::{ReadBy, VARIABLES, Variable, closest_variable};

use std::time::Duration;

use http::{HeaderName, HeaderValue};

use crate::proxy::{DefaultLevel, GroupMap, TrustedProxies};
use crate::token::DEFAULT_LEEWAY;
use crate::{ApiKey, Secret};
use settings::{header_name, login_url};

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
    /// The key tokens are signed with; `None`: tokens are not accepted.
    pub(crate) secret: Option<Secret>,
    pub(crate) leeway: Duration,
    pub(crate) uuid: String,
    pub(crate) api_key: Option<ApiKey>,
    pub(crate) api_key_query: bool,
    pub(crate) accept_bearer: bool,
    pub(crate) trusted_proxies: TrustedProxies,
    pub(crate) user_header: HeaderName,
    pub(crate) proxy_group_header: Option<HeaderName>,
    pub(crate) proxy_groups_header: Option<HeaderName>,
    pub(crate) proxy_group_map: GroupMap,
    pub(crate) proxy_default_level: DefaultLevel,
    pub(crate) proxy_email_header: Option<HeaderName>,
    pub(crate) proxy_name_header: Option<HeaderName>,
    pub(crate) login_url: Option<HeaderValue>,
    pub(crate) raw_headers: Vec<HeaderName>,
    pub(crate) sessions: SessionSource,
    pub(crate) token_cache: usize,
}

/// Whether tokens are checked against Organizr's session table.
#[derive(Debug, Clone)]
pub(crate) enum SessionSource {
    /// Stateless: a valid signature and claims are enough (logout is not seen).
    Stateless,
    /// Organizr's sessions are the truth.
    #[cfg(feature = "sessions")]
    Store(crate::session::SessionStore),
}

impl Config {
    /// Defaults around a key: no API key, bearer tokens accepted, no trusted
    /// proxies, `Remote-User`, 30 s leeway, no login URL, and no uuid: set
    /// [`uuid`](Config::uuid), which names the cookie. Without it the cookie
    /// expected is `organizr_token_temp`, which only an Organizr without a
    /// uuid sets, and a warning says so; [`Config::from_env`] refuses to start
    /// without one unless it is `temp` on purpose.
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?));
    /// assert!(auth.accepts_bearer() && auth.trusted_proxies().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(secret: Secret) -> Self {
        Self {
            secret: Some(secret),
            ..Self::without_tokens()
        }
    }

    /// A configuration that accepts no Organizr token: identities come only
    /// from trusted proxies' headers (proxy-only mode, behind Authelia,
    /// Authentik, oauth2-proxy or a proxy doing basic auth) and, if one is
    /// configured, Organizr's API key. A token in a request is ignored.
    ///
    /// Set a [trusted-proxy list](Config::trusted_proxies) or an
    /// [API key](Config::api_key): with neither, nothing can be authenticated
    /// (the environment and config-file paths refuse such a configuration;
    /// built here, every request is simply anonymous).
    ///
    /// ```
    /// use http::HeaderMap;
    /// use organizr_auth_core::{Authenticator, Config, GroupLevel, Peer, TrustedProxies};
    /// let config = Config::without_tokens().trusted_proxies("10.0.0.2".parse::<TrustedProxies>()?);
    /// let auth = Authenticator::new(config);
    /// assert!(!auth.accepts_tokens());
    /// let mut h = HeaderMap::new();
    /// h.insert("remote-user", "alice".parse()?);
    /// let who = auth.resolve(&h, None, &Peer::Tcp("10.0.0.2:4000".parse()?));
    /// assert_eq!(who.level(), GroupLevel::LOGGED_IN);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn without_tokens() -> Self {
        Self {
            secret: None,
            leeway: DEFAULT_LEEWAY,
            uuid: String::new(),
            api_key: None,
            api_key_query: false,
            accept_bearer: true,
            trusted_proxies: TrustedProxies::none(),
            user_header: HeaderName::from_static(DEFAULT_USER_HEADER),
            proxy_group_header: None,
            proxy_groups_header: None,
            proxy_group_map: GroupMap::default(),
            proxy_default_level: DefaultLevel::default(),
            proxy_email_header: None,
            proxy_name_header: None,
            login_url: None,
            raw_headers: Vec::new(),
            sessions: SessionSource::Stateless,
            token_cache: crate::token_cache::TokenCache::DEFAULT_CAPACITY,
        }
    }

    /// The Organizr instance's uuid (`uuid` in its config.php), which names
    /// its cookie, `organizr_token_<uuid>`. `temp` is Organizr's own name for
    /// an instance without one.
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

    /// A header in which a trusted proxy gives the user's group level (0-999),
    /// as a number. A proxy user without it is refused. Without a group header
    /// proxy users are at the [default level](Config::proxy_default_level)
    /// (998). Cannot be combined with
    /// [`proxy_groups_header`](Config::proxy_groups_header).
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
    pub fn proxy_group_header(self, name: &str) -> Result<Self, ConfigError> {
        self.proxy_group_header_named(name, "proxy_group_header", "proxy_groups_header")
    }

    pub(crate) fn proxy_group_header_named(
        mut self,
        name: &str,
        setting: &'static str,
        other: &'static str,
    ) -> Result<Self, ConfigError> {
        if self.proxy_groups_header.is_some() {
            return Err(ConfigError::Conflict {
                first: setting,
                second: other,
            });
        }
        self.proxy_group_header = Some(header_name(setting, name)?);
        Ok(self)
    }

    /// A header in which a trusted proxy lists the user's group *names*
    /// (Authelia's `Remote-Groups`, Authentik's `X-authentik-groups`,
    /// oauth2-proxy's `X-Forwarded-Groups`; separated by `,` or `|`), mapped to
    /// a level with [`proxy_group_map`](Config::proxy_group_map): the most
    /// privileged mapped group wins, a user in none gets the
    /// [default level](Config::proxy_default_level). Cannot be combined with
    /// [`proxy_group_header`](Config::proxy_group_header).
    ///
    /// ```
    /// use http::HeaderMap;
    /// use organizr_auth_core::{Authenticator, Config, GroupLevel, Peer, TrustedProxies};
    /// let config = Config::without_tokens()
    ///     .trusted_proxies("127.0.0.1".parse::<TrustedProxies>()?)
    ///     .proxy_groups_header("Remote-Groups")?
    ///     .proxy_group_map("admins=0,family=4".parse()?);
    /// let auth = Authenticator::new(config);
    /// let mut headers = HeaderMap::new();
    /// headers.insert("remote-user", "alice".parse()?);
    /// headers.insert("remote-groups", "family,admins".parse()?);
    /// let who = auth.resolve(&headers, None, &Peer::Tcp("127.0.0.1:9".parse()?));
    /// assert_eq!(who.level(), GroupLevel::ADMIN);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn proxy_groups_header(self, name: &str) -> Result<Self, ConfigError> {
        self.proxy_groups_header_named(name, "proxy_groups_header", "proxy_group_header")
    }

    pub(crate) fn proxy_groups_header_named(
        mut self,
        name: &str,
        setting: &'static str,
        other: &'static str,
    ) -> Result<Self, ConfigError> {
        if self.proxy_group_header.is_some() {
            return Err(ConfigError::Conflict {
                first: other,
                second: setting,
            });
        }
        self.proxy_groups_header = Some(header_name(setting, name)?);
        Ok(self)
    }

    /// Group names and their levels, for
    /// [`proxy_groups_header`](Config::proxy_groups_header). Names compare
    /// case-sensitively.
    ///
    /// ```
    /// use organizr_auth_core::Config;
    /// let config = Config::without_tokens().proxy_group_map("admins=0,power=3,family=4".parse()?);
    /// # let _ = config;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn proxy_group_map(mut self, map: GroupMap) -> Self {
        self.proxy_group_map = map;
        self
    }

    /// The level of a proxy user in no mapped group, and of every proxy user
    /// when no group header is configured: a level (default 998, any
    /// logged-in user), or [`DefaultLevel::Refuse`].
    ///
    /// ```
    /// use http::HeaderMap;
    /// use organizr_auth_core::{Authenticator, Config, GroupLevel, Peer, TrustedProxies};
    /// use organizr_auth_core::proxy::DefaultLevel;
    /// let config = Config::without_tokens()
    ///     .trusted_proxies("127.0.0.1".parse::<TrustedProxies>()?)
    ///     .proxy_default_level(DefaultLevel::Level(GroupLevel::USER));
    /// let mut headers = HeaderMap::new();
    /// headers.insert("remote-user", "alice".parse()?);
    /// let who = Authenticator::new(config).resolve(&headers, None, &Peer::Tcp("127.0.0.1:9".parse()?));
    /// assert_eq!(who.level(), GroupLevel::USER);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn proxy_default_level(mut self, level: DefaultLevel) -> Self {
        self.proxy_default_level = level;
        self
    }

    /// A header in which a trusted proxy gives the user's e-mail (Authelia's
    /// `Remote-Email`). Held to the rules of the user header (one value,
    /// visible text) and stripped like it from everyone else.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use organizr_auth_core::{Authenticator, Config, Peer, TrustedProxies};
    /// let config = Config::without_tokens()
    ///     .trusted_proxies("127.0.0.1".parse::<TrustedProxies>()?)
    ///     .proxy_email_header("Remote-Email")?;
    /// let mut headers = HeaderMap::new();
    /// headers.insert("remote-user", "alice".parse()?);
    /// headers.insert("remote-email", "alice@example.org".parse()?);
    /// let who = Authenticator::new(config).resolve(&headers, None, &Peer::Tcp("127.0.0.1:9".parse()?));
    /// assert_eq!(who.identity().and_then(|i| i.email.as_deref()), Some("alice@example.org"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn proxy_email_header(mut self, name: &str) -> Result<Self, ConfigError> {
        self.proxy_email_header = Some(header_name("proxy_email_header", name)?);
        Ok(self)
    }

    /// A header in which a trusted proxy gives the user's display name
    /// (Authelia's `Remote-Name`), held to the same rules.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use organizr_auth_core::{Authenticator, Config, Peer, TrustedProxies};
    /// let config = Config::without_tokens()
    ///     .trusted_proxies("127.0.0.1".parse::<TrustedProxies>()?)
    ///     .proxy_name_header("Remote-Name")?;
    /// let mut headers = HeaderMap::new();
    /// headers.insert("remote-user", "alice".parse()?);
    /// headers.insert("remote-name", "Alice Liddell".parse()?);
    /// let who = Authenticator::new(config).resolve(&headers, None, &Peer::Tcp("127.0.0.1:9".parse()?));
    /// assert_eq!(who.identity().and_then(|i| i.display_name.as_deref()), Some("Alice Liddell"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn proxy_name_header(mut self, name: &str) -> Result<Self, ConfigError> {
        self.proxy_name_header = Some(header_name("proxy_name_header", name)?);
        Ok(self)
    }

    /// How many verified tokens to remember (at most
    /// [`TokenCache::MAX_CAPACITY`](crate::token_cache::TokenCache::MAX_CAPACITY));
    /// `0` turns the cache off. A remembered token skips its signature and
    /// claims checks on later requests; its times and its Organizr session
    /// are still checked on every one ([`token_cache`](crate::token_cache)).
    /// Default [`TokenCache::DEFAULT_CAPACITY`](crate::token_cache::TokenCache::DEFAULT_CAPACITY).
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// let config = Config::new(Secret::new("a-long-random-organizr-hash-value-here")?).token_cache(64)?;
    /// assert_eq!(Authenticator::new(config).token_cache().capacity(), 64);
    /// assert!(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?).token_cache(1_000_000).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn token_cache(self, capacity: usize) -> Result<Self, ConfigError> {
        self.token_cache_named(capacity, "token_cache")
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
    pub fn leeway(self, leeway: Duration) -> Result<Self, ConfigError> {
        self.leeway_named(leeway, "leeway")
    }

    /// Where to redirect anonymous browsers: an absolute `http(s)://` URL or a
    /// path starting with a single `/`; nothing a browser could read as another
    /// host (`//host`, `/\host`, `https://user@host`).
    ///
    /// ```
    /// use organizr_auth_core::{Config, Secret};
    /// assert!(Config::new(Secret::new("k")?).login_url("https://organizr.example/").is_ok());
    /// assert!(Config::new(Secret::new("k")?).login_url("/organizr/").is_ok());
    /// assert!(Config::new(Secret::new("k")?).login_url("//evil.example/").is_err());
    /// assert!(Config::new(Secret::new("k")?).login_url("/\\evil.example/").is_err());
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
    /// let head = RequestHead::new("GET", "/", None, &mut headers);
    /// let _ = auth.admit(head, Peer::Unknown, &Policy::pass_through(), None);
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

    /// Checks every token against Organizr's session table (`store`): a token
    /// is accepted only while Organizr has a live session for it, and the
    /// identity comes from the user's current row (see
    /// [`session`](crate::session)). Without it, validation is stateless.
    ///
    /// ```no_run
    /// use organizr_auth_core::{Config, Secret};
    /// use organizr_auth_core::session::{SessionOptions, SessionStore};
    /// let store = SessionStore::open("/config/www/db/orgdb.db", SessionOptions::new())?;
    /// let config = Config::new(Secret::new("a-long-random-organizr-hash-value-here")?).session_store(store);
    /// # let _ = config;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "sessions")]
    pub fn session_store(mut self, store: crate::session::SessionStore) -> Self {
        self.sessions = SessionSource::Store(store);
        self
    }

    /// Checks `settings` (read from a config file) exactly as
    /// [`Config::from_env`] checks environment variables; errors name the
    /// serde fields.
    ///
    /// ```
    /// use organizr_auth_core::{Config, ConfigError};
    /// use organizr_auth_core::config::Settings;
    /// let settings: Settings = serde_json::from_str(r#"{"organizr_hash": "a-long-random-organizr-hash-value-here", "uuid": "0b7e", "trusted_proxies": "proxy.lan"}"#)?;
    /// let err = Config::from_settings(settings).unwrap_err();
    /// assert_eq!(err.to_string(), r#"trusted_proxies="proxy.lan" is invalid"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn from_settings(settings: Settings) -> Result<Self, ConfigError> {
        settings.check(settings::Naming::Field)
    }
}
