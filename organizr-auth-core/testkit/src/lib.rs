//! One table of behaviour cases that every adapter's test suite runs: test
//! material, not published.
//!
//! Each [`Case`] is a request (method, headers, query, socket peer), the
//! configuration and the [`Route`] it meets (a middleware with a policy, an
//! extractor behind a pass-through middleware, or two stacked middleware), and
//! what a user relies on: the status, the identity the handler sees, the
//! headers the handler sees or must not see, the redirect or challenge headers
//! of a rejection, and whether the middleware's custom rejection handler
//! answered it.
//!
//! An adapter test builds its app for each case with [`Case::config`] and
//! [`Case::route`], mounts a handler that answers [`echo`] (the identity it
//! received and the headers it saw), installs [`CUSTOM_REJECTION_HEADER`] as
//! the rejection handler when [`Case::custom_rejection`] is set, sends the
//! request from [`Case::peer`], and hands the outcome to [`Case::check`]. Any
//! case one adapter passes and another fails is a bug in an adapter: the rules
//! all live in core, which runs the table itself (`tests/core_reference.rs`).
//!
//! ```
//! assert!(organizr_auth_testkit::cases().len() > 60);
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access;
mod cases;
mod proxy_only;
pub use cases::cases;

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use organizr_auth_core::mint::{TokenBuilder, sign_raw};
use organizr_auth_core::{
    ApiKey, Authentication, Config, GroupLevel, Peer, Policy, Secret, TrustedProxies, UserLevel,
};

/// The test instance's signing key.
pub const SECRET: &str = "testkit-organizr-hash-0123456789abcdef";
/// The test instance's uuid.
pub const UUID: &str = "0b7e4c1a-5d2f-4e8b-9a6c-3f1d2e7b8c90";
/// The test instance's API key.
pub const API_KEY: &str = "T3stk1tAp1K3y0000000";
/// The trusted-proxy list of the test configurations.
pub const TRUSTED: &str = "10.0.0.2, fd00::2, @";
/// The login URL of [`ConfigKind::Login`].
pub const LOGIN_URL: &str = "https://organizr.example/login";

/// A trusted IPv4 proxy.
pub fn trusted_v4() -> Peer {
    Peer::Tcp(SocketAddr::from(([10, 0, 0, 2], 40000)))
}
/// A trusted IPv6 proxy.
pub fn trusted_v6() -> Peer {
    Peer::Tcp(SocketAddr::from(([0xfd00, 0, 0, 0, 0, 0, 0, 2], 40000)))
}
/// The trusted IPv4 proxy as a dual-stack listener reports it (`::ffff:10.0.0.2`).
pub fn trusted_mapped() -> Peer {
    Peer::Tcp(SocketAddr::from((
        [0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0002],
        40000,
    )))
}
/// An untrusted client.
pub fn untrusted_v4() -> Peer {
    Peer::Tcp(SocketAddr::from(([192, 0, 2, 7], 40000)))
}

/// The signing key as a [`Secret`].
pub fn secret() -> Secret {
    Secret::new(SECRET).unwrap()
}

/// The configurations the cases use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigKind {
    /// Key, uuid, API key, [`TRUSTED`], bearer on, `Remote-User`, no login URL.
    Standard,
    /// Standard plus [`LOGIN_URL`].
    Login,
    /// Standard plus the group header `Remote-Group-Id`.
    GroupHeader,
    /// Standard with bearer tokens switched off.
    NoBearer,
    /// Standard, but the trusted list has no `@`: UNIX-socket peers are not
    /// trusted.
    NoUnix,
    /// Standard, with [`RAW_HEADER`] let through raw
    /// (`Config::insecure_pass_raw_header`).
    RawHeader,
    /// Proxy-only mode, as behind Authelia: no key (tokens are not accepted),
    /// [`TRUSTED`], `Remote-User`, group names in `Remote-Groups` mapped by
    /// [`GROUP_MAP`], `Remote-Email`, `Remote-Name`; no mapped group: 998.
    ProxyOnly,
    /// [`ConfigKind::ProxyOnly`], refusing users in no mapped group.
    ProxyOnlyStrict,
}

/// The identity header [`ConfigKind::RawHeader`] lets reach handlers raw.
pub const RAW_HEADER: &str = "X-Forwarded-Email";

/// The group map of the proxy-only configurations.
pub const GROUP_MAP: &str = "admins=0,power=3,family=4";

impl ConfigKind {
    /// The configuration.
    pub fn config(self) -> Config {
        let base = Config::new(secret())
            .uuid(UUID)
            .api_key(ApiKey::new(API_KEY).unwrap())
            .trusted_proxies(TrustedProxies::parse(TRUSTED).unwrap());
        match self {
            ConfigKind::Standard => base,
            ConfigKind::Login => base.login_url(LOGIN_URL).unwrap(),
            ConfigKind::GroupHeader => base.proxy_group_header("Remote-Group-Id").unwrap(),
            ConfigKind::NoBearer => base.accept_bearer(false),
            ConfigKind::NoUnix => {
                base.trusted_proxies(TrustedProxies::parse("10.0.0.2, fd00::2").unwrap())
            }
            ConfigKind::RawHeader => base.insecure_pass_raw_header(RAW_HEADER).unwrap(),
            ConfigKind::ProxyOnly | ConfigKind::ProxyOnlyStrict => {
                let default = if self == ConfigKind::ProxyOnlyStrict {
                    organizr_auth_core::proxy::DefaultLevel::Refuse
                } else {
                    organizr_auth_core::proxy::DefaultLevel::default()
                };
                Config::without_tokens()
                    .uuid(UUID)
                    .trusted_proxies(TrustedProxies::parse(TRUSTED).unwrap())
                    .proxy_groups_header("Remote-Groups")
                    .unwrap()
                    .proxy_group_map(GROUP_MAP.parse().unwrap())
                    .proxy_default_level(default)
                    .proxy_email_header("Remote-Email")
                    .unwrap()
                    .proxy_name_header("Remote-Name")
                    .unwrap()
            }
        }
    }
}

/// A valid token for `user` at `level`, issued a minute ago, valid for a day.
pub fn token(user: &str, level: u16) -> String {
    TokenBuilder::new(user, level_of(level))
        .email(format!("{user}@example.org"))
        .issued_at(SystemTime::now() - Duration::from_secs(60))
        .sign(&secret())
}

/// A token that expired an hour ago.
pub fn expired_token(user: &str, level: u16) -> String {
    TokenBuilder::new(user, level_of(level))
        .issued_at(SystemTime::now() - Duration::from_secs(90_000))
        .lifetime(Duration::from_secs(86_400))
        .sign(&secret())
}

/// A token for `user` signed with another key.
pub fn forged_token(user: &str, level: u16) -> String {
    let other = Secret::new("not-the-organizr-hash-of-this-instance").unwrap();
    TokenBuilder::new(user, level_of(level)).sign(&other)
}

/// A well-signed token with `alg: none` in its header.
pub fn alg_none_token() -> String {
    sign_raw(
        br#"{"typ":"JWT","alg":"none"}"#,
        br#"{"iss":"Organizr","aud":"Organizr","exp":4102444800,"name":"root","groupID":0}"#,
        &secret(),
    )
}

pub(crate) fn level_of(level: u16) -> GroupLevel {
    GroupLevel::new(level).unwrap()
}

/// `Cookie` header value carrying `token` as the test instance's session cookie.
pub fn cookie(token: &str) -> String {
    format!("organizr_token_{UUID}={token}")
}

/// One behaviour case.
#[derive(Debug, Clone)]
pub struct Case {
    /// A short unique name.
    pub name: &'static str,
    /// Which configuration the app is built with.
    pub config: ConfigKind,
    /// What the request meets.
    pub route: Route,
    /// Whether the middleware has a custom rejection handler: it must answer
    /// every rejection of this route, the extractors' included, with the
    /// rejection's status and [`CUSTOM_REJECTION_HEADER`].
    pub custom_rejection: bool,
    /// The socket peer the request arrives from.
    pub peer: Peer,
    /// The method.
    pub method: &'static str,
    /// Path and query, e.g. `/protected?apikey=x`.
    pub uri: String,
    /// Request headers, in order (a name may repeat, and may be spelled in
    /// any case or with `_`: adapters send it as written).
    pub headers: Vec<(&'static str, String)>,
    /// What must come out.
    pub expect: Expect,
}

/// The header (with the value `handler`) a custom rejection handler adds, so
/// that a test can tell its answers from the default ones.
pub const CUSTOM_REJECTION_HEADER: &str = "x-rejected-by";

/// What a request meets in the app under test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// One middleware with this policy; the handler echoes the admission.
    Layer(Policy),
    /// A pass-through middleware, and a handler that takes this extractor.
    Extractor(Extractor),
    /// An outer middleware (on the app) and an inner one (on the route), built
    /// from the same authenticator; the handler echoes the admission.
    Stacked {
        /// The app-wide middleware's policy.
        outer: Policy,
        /// The route's middleware's policy.
        inner: Policy,
    },
}

/// The extractors both adapters offer, as a handler takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extractor {
    /// `OrganizrUser`: any logged-in user.
    User,
    /// `RequireLevel<0>` (`Admin`).
    Admin,
    /// `RequireLevel<4>`.
    Level4,
    /// The optional user (tower: `Option<OrganizrUser>`, actix: `OptionalUser`):
    /// never refuses.
    OptionalUser,
}

impl Extractor {
    /// The level the extractor demands, `None` for the optional form.
    pub fn level(self) -> Option<UserLevel> {
        match self {
            Extractor::User => Some(UserLevel::LOGGED_IN),
            Extractor::Admin => Some(UserLevel::of::<0>()),
            Extractor::Level4 => Some(UserLevel::of::<4>()),
            Extractor::OptionalUser => None,
        }
    }
}

/// What a case must produce.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// The response status.
    pub status: u16,
    /// For a 200: the username the handler received (`None`: anonymous).
    pub user: Option<&'static str>,
    /// For a 200 with a user: the level.
    pub level: Option<u16>,
    /// For a 200 with a user: the source (`"token"`, `"proxy"`, `"api_key"`).
    pub source: Option<&'static str>,
    /// Header names the handler must not see (lower-case; a name with `-` also
    /// matches its `_` spelling).
    pub unseen: Vec<&'static str>,
    /// Headers the handler must see, with exactly these values.
    pub seen: Vec<(&'static str, &'static str)>,
    /// The `Location` of a redirect.
    pub location: Option<&'static str>,
    /// Whether a 401 carries `WWW-Authenticate: Bearer ...`.
    pub challenge: bool,
}

impl Expect {
    /// This expectation, answered by the custom rejection handler: a
    /// rejection's status stays; its `Location` and challenge are the
    /// handler's business, so they are not checked.
    fn by_handler(&self) -> Self {
        Self {
            location: None,
            challenge: false,
            ..self.clone()
        }
    }
}

/// What an adapter observed for one case.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// The response status.
    pub status: u16,
    /// The response's `Location` header, if any.
    pub location: Option<String>,
    /// The response's `WWW-Authenticate` header, if any.
    pub www_authenticate: Option<String>,
    /// The response body (for a 200, the handler's [`echo`]).
    pub body: String,
    /// Whether the response carries [`CUSTOM_REJECTION_HEADER`]`: handler`.
    pub by_handler: bool,
}

/// What the test handler answers: the identity it got and the headers it saw.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Echo {
    /// The username, if any.
    pub user: Option<String>,
    /// The level, if a user.
    pub level: Option<u16>,
    /// The source, if a user.
    pub source: Option<String>,
    /// Every header the handler saw, lower-case name and value.
    pub headers: Vec<(String, String)>,
}

/// The test handler's body: the authentication it received and the headers it
/// saw, as JSON.
pub fn echo<'a>(
    auth: Option<&Authentication>,
    headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> String {
    let identity = auth.and_then(Authentication::identity);
    let echo = Echo {
        user: identity.map(|i| i.username.clone()),
        level: identity.map(|i| i.group_id.get()),
        source: identity.map(|i| i.source.as_str().to_owned()),
        headers: headers
            .into_iter()
            .map(|(n, v)| {
                (
                    n.to_ascii_lowercase(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            })
            .collect(),
    };
    serde_json::to_string(&echo).unwrap_or_default()
}

impl Case {
    /// The case's configuration.
    pub fn config(&self) -> Config {
        self.config.config()
    }

    /// The query string, if any.
    pub fn query(&self) -> Option<&str> {
        self.uri.split_once('?').map(|(_, q)| q)
    }

    /// The policy of the middleware on the route (the inner one when stacked,
    /// pass-through in front of an extractor).
    pub fn policy(&self) -> Policy {
        match &self.route {
            Route::Layer(policy) | Route::Stacked { inner: policy, .. } => policy.clone(),
            Route::Extractor(_) => Policy::pass_through(),
        }
    }

    /// Compares what an adapter observed with what the case expects.
    pub fn check(&self, seen: &Observed) -> Result<(), String> {
        let fail = |what: String| Err(format!("case `{}`: {what}", self.name));
        let rejected = self.expect.status != 200;
        let custom = self.custom_rejection && rejected;
        if seen.by_handler != custom {
            return fail(format!(
                "answered by the custom handler: {} (want {custom})",
                seen.by_handler
            ));
        }
        let expect = if custom {
            self.expect.by_handler()
        } else {
            self.expect.clone()
        };
        let e = &expect;
        if seen.status != e.status {
            return fail(format!(
                "status {} (want {}), body {:?}",
                seen.status, e.status, seen.body
            ));
        }
        if !custom && seen.location.as_deref() != e.location {
            return fail(format!(
                "location {:?} (want {:?})",
                seen.location, e.location
            ));
        }
        let challenged = seen
            .www_authenticate
            .as_deref()
            .is_some_and(|v| v.starts_with("Bearer"));
        if !custom && e.status == 401 && challenged != e.challenge {
            return fail(format!(
                "www-authenticate {:?} (want challenge: {})",
                seen.www_authenticate, e.challenge
            ));
        }
        if e.status != 200 {
            // A rejection's body must not explain itself beyond the status.
            for secret_word in ["expired", "signature", "conflict", "refused:", SECRET] {
                if seen.body.contains(secret_word) {
                    return fail(format!(
                        "rejection body leaks {secret_word:?}: {:?}",
                        seen.body
                    ));
                }
            }
            return Ok(());
        }
        let echo: Echo = match serde_json::from_str(&seen.body) {
            Ok(echo) => echo,
            Err(err) => {
                return fail(format!(
                    "handler body is not an echo ({err}): {:?}",
                    seen.body
                ));
            }
        };
        if echo.user.as_deref() != e.user {
            return fail(format!("user {:?} (want {:?})", echo.user, e.user));
        }
        if e.level.is_some() && echo.level != e.level {
            return fail(format!("level {:?} (want {:?})", echo.level, e.level));
        }
        if e.source.is_some() && echo.source.as_deref() != e.source {
            return fail(format!("source {:?} (want {:?})", echo.source, e.source));
        }
        for name in &e.unseen {
            // `remote-user` also catches `remote_user`; `remote_user` only itself.
            if let Some((n, v)) = echo
                .headers
                .iter()
                .find(|(n, _)| n == name || n.replace('_', "-") == *name)
            {
                return fail(format!("handler saw {n}: {v}"));
            }
        }
        for (name, value) in &e.seen {
            let values: Vec<&str> = echo
                .headers
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .collect();
            if values != [*value] {
                return fail(format!("handler saw {name}: {values:?} (want [{value:?}])"));
            }
        }
        Ok(())
    }
}
