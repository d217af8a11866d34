//! Making Organizr-shaped tokens, for tests, demos and the `mint-token` example.
//!
//! Only compiled with the `mint` feature. Validation never needs it.
//!
//! # Security
//! Whoever holds the key can mint a token for any user at any level: that is
//! exactly why the key must stay secret. Nothing here weakens validation; it only
//! does what Organizr's `createToken()` does.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use std::path::PathBuf;

use crate::config::KeySource;
use crate::{ConfigError, GroupLevel, Secret};

/// Builds a token with Organizr's exact header and claim layout
/// (`iss`, `aud`, `jti`, `iat`, `nbf`, `exp`, `name`, `group`, `groupID`,
/// `email`, `image`, `userID`), float times with microseconds by default.
///
/// ```
/// use std::time::Duration;
/// use organizr_auth_core::{GroupLevel, Secret, TokenValidator, mint::TokenBuilder};
///
/// let key = Secret::new("demo-organizr-hash-with-enough-bytes")?;
/// let token = TokenBuilder::new("alice", GroupLevel::USER)
///     .email("alice@example.org")
///     .lifetime(Duration::from_secs(3600))
///     .sign(&key);
/// let claims = TokenValidator::new(&key).validate(&token)?;
/// assert_eq!(claims.username, "alice");
/// assert_eq!(claims.group.as_deref(), Some("User"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct TokenBuilder {
    username: String,
    group_id: GroupLevel,
    group: Option<String>,
    email: String,
    image: String,
    user_id: u64,
    issued_at: SystemTime,
    lifetime: Duration,
    integer_times: bool,
    legacy_username: bool,
}

impl TokenBuilder {
    /// A token for `username` at `group_id`, issued now, valid for one day
    /// (Organizr's default without "remember me").
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, Secret, TokenValidator, mint::TokenBuilder};
    /// let key = Secret::new("k")?;
    /// let token = TokenBuilder::new("alice", GroupLevel::USER).sign(&key);
    /// let claims = TokenValidator::new(&key).validate(&token)?;
    /// assert_eq!((claims.username.as_str(), claims.group_id), ("alice", GroupLevel::USER));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(username: impl Into<String>, group_id: GroupLevel) -> Self {
        Self {
            username: username.into(),
            group_id,
            group: None,
            email: String::new(),
            image: String::new(),
            user_id: 1,
            issued_at: SystemTime::now(),
            lifetime: Duration::from_secs(86_400),
            integer_times: false,
            legacy_username: false,
        }
    }

    /// The group's display name; defaults to the built-in name of the level.
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, Secret, TokenValidator, mint::TokenBuilder};
    /// let key = Secret::new("k")?;
    /// let token = TokenBuilder::new("alice", GroupLevel::USER).group_name("Family").sign(&key);
    /// let claims = TokenValidator::new(&key).validate(&token)?;
    /// assert_eq!(claims.group.as_deref(), Some("Family"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn group_name(mut self, name: impl Into<String>) -> Self {
        self.group = Some(name.into());
        self
    }

    /// The e-mail address (Organizr writes `""` when there is none).
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, Secret, TokenValidator, mint::TokenBuilder};
    /// let key = Secret::new("k")?;
    /// let token = TokenBuilder::new("alice", GroupLevel::USER).email("alice@example.org").sign(&key);
    /// let claims = TokenValidator::new(&key).validate(&token)?;
    /// assert_eq!(claims.email.as_deref(), Some("alice@example.org"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = email.into();
        self
    }

    /// The avatar URL.
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, Secret, TokenValidator, mint::TokenBuilder};
    /// let key = Secret::new("k")?;
    /// let token = TokenBuilder::new("alice", GroupLevel::USER).image("https://example.org/a.png").sign(&key);
    /// let claims = TokenValidator::new(&key).validate(&token)?;
    /// assert_eq!(claims.image.as_deref(), Some("https://example.org/a.png"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn image(mut self, image: impl Into<String>) -> Self {
        self.image = image.into();
        self
    }

    /// Organizr's numeric user id.
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, Secret, TokenValidator, mint::TokenBuilder};
    /// let key = Secret::new("k")?;
    /// let token = TokenBuilder::new("alice", GroupLevel::USER).user_id(42).sign(&key);
    /// let claims = TokenValidator::new(&key).validate(&token)?;
    /// assert_eq!(claims.user_id, Some(42));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn user_id(mut self, id: u64) -> Self {
        self.user_id = id;
        self
    }

    /// When the token was issued (also its `nbf`).
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, Secret, TokenValidator, mint::TokenBuilder};
    /// let key = Secret::new("k")?;
    /// let token = TokenBuilder::new("alice", GroupLevel::USER).issued_at(std::time::SystemTime::now() - std::time::Duration::from_secs(10)).sign(&key);
    /// let claims = TokenValidator::new(&key).validate(&token)?;
    /// assert!(claims.issued_at.is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn issued_at(mut self, at: SystemTime) -> Self {
        self.issued_at = at;
        self
    }

    /// How long the token is valid.
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, Secret, TokenValidator, mint::TokenBuilder};
    /// let key = Secret::new("k")?;
    /// let token = TokenBuilder::new("alice", GroupLevel::USER).lifetime(std::time::Duration::from_secs(60)).sign(&key);
    /// let claims = TokenValidator::new(&key).validate(&token)?;
    /// assert!(claims.expires_at - claims.issued_at.unwrap_or_default() <= 60.001);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Whole-second times, as Organizr wrote them before lcobucci/jwt 4.
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, Secret, TokenValidator, mint::TokenBuilder};
    /// let key = Secret::new("k")?;
    /// let token = TokenBuilder::new("alice", GroupLevel::USER).integer_times().sign(&key);
    /// let claims = TokenValidator::new(&key).validate(&token)?;
    /// assert_eq!(claims.expires_at.fract(), 0.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn integer_times(mut self) -> Self {
        self.integer_times = true;
        self
    }

    /// The pre-September-2021 `username` claim instead of `name`.
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, Secret, TokenValidator, mint::TokenBuilder};
    /// let key = Secret::new("k")?;
    /// let token = TokenBuilder::new("alice", GroupLevel::USER).legacy_username_claim().sign(&key);
    /// let claims = TokenValidator::new(&key).validate(&token)?;
    /// assert_eq!(claims.username, "alice");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn legacy_username_claim(mut self) -> Self {
        self.legacy_username = true;
        self
    }

    /// Signs the token with HS256 under `key`.
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, Secret, TokenValidator, mint::TokenBuilder};
    /// let key = Secret::new("k")?;
    /// let token = TokenBuilder::new("alice", GroupLevel::USER).sign(&key);
    /// let claims = TokenValidator::new(&key).validate(&token)?;
    /// assert_eq!(token.split('.').count(), 3);
    /// assert_eq!(claims.username, "alice");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign(&self, key: &Secret) -> String {
        let iat = self
            .issued_at
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let exp = iat.saturating_add(self.lifetime);
        let time = |d: Duration| {
            if self.integer_times {
                Time::Int(d.as_secs())
            } else {
                // Microsecond precision, as PHP's DateTimeImmutable gives.
                Time::Float((d.as_micros() as f64) / 1e6)
            }
        };
        let group = self
            .group
            .clone()
            .or_else(|| self.group_id.builtin_name().map(str::to_owned))
            .unwrap_or_default();
        let (name, username) = if self.legacy_username {
            (None, Some(self.username.as_str()))
        } else {
            (Some(self.username.as_str()), None)
        };
        let claims = OrganizrClaims {
            iss: "Organizr",
            aud: "Organizr",
            jti: "4f1g23a12aa",
            iat: time(iat),
            nbf: time(iat),
            exp: time(exp),
            name,
            username,
            group: &group,
            group_id: self.group_id.get(),
            email: &self.email,
            image: &self.image,
            user_id: self.user_id,
        };
        sign_json(br#"{"typ":"JWT","alg":"HS256"}"#, &claims, key)
    }
}

/// Signs any header and payload with HS256: for building hostile tokens in tests.
/// The result is a well-signed token whatever the JSON says.
///
/// ```
/// use organizr_auth_core::{Secret, TokenError, TokenValidator, mint::sign_raw};
/// let key = Secret::new("k")?;
/// let token = sign_raw(br#"{"alg":"HS256","crit":["exp"]}"#, br#"{}"#, &key);
/// assert_eq!(TokenValidator::new(&key).validate(&token), Err(TokenError::UnsupportedHeader("crit")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign_raw(header: &[u8], payload: &[u8], key: &Secret) -> String {
    let mut token = URL_SAFE_NO_PAD.encode(header);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(payload, &mut token);
    let mac = hmac_sha256(key, token.as_bytes());
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(mac, &mut token);
    token
}

fn sign_json(header: &[u8], claims: &OrganizrClaims<'_>, key: &Secret) -> String {
    // Serialising a struct of strings and numbers cannot fail.
    let payload = serde_json::to_vec(claims).unwrap_or_default();
    sign_raw(header, &payload, key)
}

fn hmac_sha256(key: &Secret, data: &[u8]) -> [u8; 32] {
    match <Hmac<Sha256> as Mac>::new_from_slice(key.expose()) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().into()
        }
        // HMAC accepts keys of any length.
        Err(_) => [0; 32],
    }
}

#[derive(Serialize)]
#[serde(untagged)]
enum Time {
    Int(u64),
    Float(f64),
}

#[derive(Serialize)]
struct OrganizrClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    jti: &'a str,
    iat: Time,
    nbf: Time,
    exp: Time,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<&'a str>,
    group: &'a str,
    #[serde(rename = "groupID")]
    group_id: u16,
    email: &'a str,
    image: &'a str,
    #[serde(rename = "userID")]
    user_id: u64,
}

/// The name of the session cookie Organizr sets for the instance with this
/// `uuid`: `organizr_token_<uuid>`, or `organizr_token_temp` when the uuid is
/// empty (what [`Authenticator::cookie_name`](crate::Authenticator::cookie_name)
/// expects).
///
/// ```
/// use organizr_auth_core::mint::cookie_name;
/// assert_eq!(cookie_name("0b7e4c1a"), "organizr_token_0b7e4c1a");
/// assert_eq!(cookie_name(""), "organizr_token_temp");
/// ```
pub fn cookie_name(uuid: &str) -> String {
    crate::credentials::cookie_name(uuid)
}

/// The signing key a token-making tool needs, read the way
/// [`Config::from_env`](crate::Config::from_env) reads it: from
/// `ORGANIZR_HASH`, `ORGANIZR_HASH_FILE` or `ORGANIZR_CONFIG_PHP` (exactly
/// one), with the uuid from `ORGANIZR_UUID` or config.php, and the same
/// errors. A [`Config`](crate::Config) keeps its key to itself, as a
/// validator should; a tool that makes tokens cannot.
///
/// ```
/// use organizr_auth_core::mint::SigningKey;
/// let vars = |name: &str| match name {
///     "ORGANIZR_HASH" => Some("a-long-random-organizr-hash-value-here".to_owned()),
///     "ORGANIZR_UUID" => Some("0b7e".to_owned()),
///     _ => None,
/// };
/// let key = SigningKey::from_vars(vars)?.ok_or("no key configured")?;
/// assert_eq!(key.uuid, "0b7e");
/// assert!(SigningKey::from_vars(|_| None)?.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SigningKey {
    /// The key (Organizr's `organizrHash`).
    pub secret: Secret,
    /// The instance uuid (`ORGANIZR_UUID`, or config.php's); empty if neither.
    pub uuid: String,
}

impl SigningKey {
    /// The key the environment configures, or `None` when no key variable is
    /// set. Values that are not UTF-8 are refused, as in `Config::from_env`.
    ///
    /// ```
    /// use organizr_auth_core::mint::SigningKey;
    /// // In a tool: `let key = SigningKey::from_env()?.ok_or("set ORGANIZR_HASH")?;`
    /// # let _ = SigningKey::from_env;
    /// ```
    pub fn from_env() -> Result<Option<Self>, ConfigError> {
        let vars = crate::config::organizr_vars(std::env::vars_os())?;
        Self::from_vars(|name| vars.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()))
    }

    /// Like [`SigningKey::from_env`], reading variables through `var`.
    ///
    /// ```
    /// use organizr_auth_core::mint::SigningKey;
    /// let both = |name: &str| matches!(name, "ORGANIZR_HASH" | "ORGANIZR_HASH_FILE").then(|| "x".to_owned());
    /// assert!(SigningKey::from_vars(both).is_err());
    /// ```
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConfigError> {
        use crate::config::{Naming, variables};
        let get = |v: variables::Variable| var(v.env).filter(|value| !value.is_empty());
        let uuid = get(variables::UUID);
        let Some(source) = KeySource::choose(
            var(variables::HASH.env),
            get(variables::HASH_FILE).map(Into::into),
            get(variables::CONFIG_PHP).map(Into::into),
            uuid.is_some(),
            false,
            Naming::Env,
        )?
        else {
            return Ok(None);
        };
        Self::load(source, uuid).map(Some)
    }

    /// The key in a file (as for `ORGANIZR_HASH_FILE`), with this uuid.
    ///
    /// ```
    /// use organizr_auth_core::mint::SigningKey;
    /// let err = SigningKey::from_hash_file("/nonexistent/organizr-hash", None).unwrap_err();
    /// assert!(err.to_string().contains("ORGANIZR_HASH_FILE"));
    /// ```
    pub fn from_hash_file(
        path: impl Into<PathBuf>,
        uuid: Option<String>,
    ) -> Result<Self, ConfigError> {
        Self::load(KeySource::HashFile(path.into()), uuid)
    }

    /// The key and uuid of Organizr's config.php (as for `ORGANIZR_CONFIG_PHP`).
    ///
    /// ```
    /// use organizr_auth_core::mint::SigningKey;
    /// let err = SigningKey::from_config_php("/nonexistent/config.php").unwrap_err();
    /// assert!(err.to_string().contains("ORGANIZR_CONFIG_PHP"));
    /// ```
    pub fn from_config_php(path: impl Into<PathBuf>) -> Result<Self, ConfigError> {
        Self::load(KeySource::ConfigPhp(path.into()), None)
    }

    fn load(source: KeySource, uuid: Option<String>) -> Result<Self, ConfigError> {
        let loaded = source.load(crate::config::Naming::Env)?;
        Ok(Self {
            secret: loaded.secret,
            uuid: loaded.uuid.or(uuid).unwrap_or_default(),
        })
    }
}
