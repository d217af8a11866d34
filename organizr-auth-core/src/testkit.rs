//! One table of behaviour cases that every adapter's test suite runs.
//!
//! Only compiled with the `testkit` feature (adapters enable it in their
//! dev-dependencies). Each [`Case`] is a request (method, headers, query, socket
//! peer), the configuration and route [`Policy`] it meets, and what a user relies
//! on: the status, the identity the handler sees, the headers the handler sees or
//! must not see, and the redirect or challenge headers of a rejection.
//!
//! An adapter test builds its app for each case with [`Case::config`] and
//! [`Case::policy`], mounts a handler that answers [`echo`] (the identity it
//! received and the headers it saw), sends the request from [`Case::peer`], and
//! hands the outcome to [`Case::check`]. Any case one adapter passes and another
//! fails is a bug in an adapter: the rules all live in core.
//!
//! ```
//! use organizr_auth_core::testkit;
//! assert!(testkit::cases().len() > 30);
//! ```

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::mint::{TokenBuilder, sign_raw};
use crate::{Authentication, Config, GroupLevel, Policy, Secret, TrustedProxies, proxy::Peer};

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
    // A non-empty constant.
    Secret::new(SECRET).unwrap_or_else(|_| unreachable_secret())
}

#[cold]
fn unreachable_secret() -> Secret {
    #[allow(clippy::panic)]
    {
        panic!("testkit secret is not empty")
    }
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
}

impl ConfigKind {
    /// The configuration.
    pub fn config(self) -> Config {
        let base = || -> Result<Config, crate::ConfigError> {
            let proxies =
                TrustedProxies::parse(TRUSTED).map_err(|e| crate::ConfigError::Invalid {
                    setting: "trusted_proxies",
                    value: TRUSTED.to_owned(),
                    reason: crate::InvalidValue::ProxyList(e),
                })?;
            let api = crate::ApiKey::new(API_KEY).map_err(|source| crate::ConfigError::Secret {
                setting: "api_key",
                source,
            })?;
            Ok(Config::new(secret())
                .uuid(UUID)
                .api_key(api)
                .trusted_proxies(proxies))
        };
        let built = base().and_then(|c| match self {
            ConfigKind::Standard => Ok(c),
            ConfigKind::Login => c.login_url(LOGIN_URL),
            ConfigKind::GroupHeader => c.proxy_group_header("Remote-Group-Id"),
            ConfigKind::NoBearer => Ok(c.accept_bearer(false)),
            ConfigKind::NoUnix => TrustedProxies::parse("10.0.0.2, fd00::2")
                .map(|p| c.trusted_proxies(p))
                .map_err(|e| crate::ConfigError::Invalid {
                    setting: "trusted_proxies",
                    value: String::new(),
                    reason: crate::InvalidValue::ProxyList(e),
                }),
        });
        match built {
            Ok(c) => c,
            #[allow(clippy::panic)]
            Err(e) => panic!("testkit config is valid: {e}"),
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
    let other = Secret::new("not-the-organizr-hash-of-this-instance")
        .unwrap_or_else(|_| unreachable_secret());
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

fn level_of(level: u16) -> GroupLevel {
    GroupLevel::new(level).unwrap_or(GroupLevel::GUEST)
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
    /// The route's policy.
    pub policy: Policy,
    /// The socket peer the request arrives from.
    pub peer: Peer,
    /// The method.
    pub method: &'static str,
    /// Path and query, e.g. `/protected?apikey=x`.
    pub uri: String,
    /// Request headers, in order (a name may repeat).
    pub headers: Vec<(&'static str, String)>,
    /// What must come out.
    pub expect: Expect,
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

    /// Compares what an adapter observed with what the case expects.
    pub fn check(&self, seen: &Observed) -> Result<(), String> {
        let e = &self.expect;
        let fail = |what: String| Err(format!("case `{}`: {what}", self.name));
        if seen.status != e.status {
            return fail(format!(
                "status {} (want {}), body {:?}",
                seen.status, e.status, seen.body
            ));
        }
        if seen.location.as_deref() != e.location {
            return fail(format!(
                "location {:?} (want {:?})",
                seen.location, e.location
            ));
        }
        let challenged = seen
            .www_authenticate
            .as_deref()
            .is_some_and(|v| v.starts_with("Bearer"));
        if e.status == 401 && challenged != e.challenge {
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

/// Every behaviour case.
pub fn cases() -> Vec<Case> {
    use ConfigKind::*;
    let admin = token("root", 0);
    let user = token("mallory.fan", 4);
    let kid = token("kid", 12);
    let alice_token = token("alice", 4);
    let require = |level: u16| Policy::require(level_of(level));
    let ok = |user: &'static str, level: u16, source: &'static str| Expect {
        status: 200,
        user: Some(user),
        level: Some(level),
        source: Some(source),
        ..Expect::default()
    };
    let anon_ok = || Expect {
        status: 200,
        ..Expect::default()
    };
    let unauthorized = || Expect {
        status: 401,
        challenge: true,
        ..Expect::default()
    };
    let forbidden = || Expect {
        status: 403,
        ..Expect::default()
    };
    let spoofed = || {
        vec![
            ("remote-user", "admin".to_owned()),
            ("remote_user", "admin".to_owned()),
            ("x-organizr-user", "admin".to_owned()),
            ("x-organizr-group", "0".to_owned()),
            ("remote-groups", "Admin".to_owned()),
            ("remote-email", "admin@example.org".to_owned()),
        ]
    };
    const IDENTITY_HEADERS: [&str; 6] = [
        "remote-user",
        "remote-email",
        "remote-groups",
        "x-organizr-user",
        "x-organizr-email",
        "x-organizr-group",
    ];
    let case = |name, config, policy, peer, headers: Vec<(&'static str, String)>, expect| Case {
        name,
        config,
        policy,
        peer,
        method: "GET",
        uri: "/protected".to_owned(),
        headers,
        expect,
    };
    let c = |t: &str| ("cookie", cookie(t));
    let mut cases = vec![
        // Anonymous requests and level 999.
        case(
            "anonymous_needs_login",
            Standard,
            require(998),
            untrusted_v4(),
            vec![],
            unauthorized(),
        ),
        case(
            "anonymous_pass_through",
            Standard,
            Policy::pass_through(),
            untrusted_v4(),
            vec![],
            anon_ok(),
        ),
        case(
            "anonymous_guest_level",
            Standard,
            require(999),
            untrusted_v4(),
            vec![],
            anon_ok(),
        ),
        // Level boundaries: equal, more privileged, less privileged.
        case(
            "admin_on_admin",
            Standard,
            require(0),
            untrusted_v4(),
            vec![c(&admin)],
            ok("root", 0, "token"),
        ),
        case(
            "user_on_admin",
            Standard,
            require(0),
            untrusted_v4(),
            vec![c(&user)],
            forbidden(),
        ),
        case(
            "user_on_user",
            Standard,
            require(4),
            untrusted_v4(),
            vec![c(&user)],
            ok("mallory.fan", 4, "token"),
        ),
        case(
            "user_on_power_user",
            Standard,
            require(3),
            untrusted_v4(),
            vec![c(&user)],
            forbidden(),
        ),
        case(
            "user_on_level_5",
            Standard,
            require(5),
            untrusted_v4(),
            vec![c(&user)],
            ok("mallory.fan", 4, "token"),
        ),
        case(
            "user_on_logged_in",
            Standard,
            require(998),
            untrusted_v4(),
            vec![c(&user)],
            ok("mallory.fan", 4, "token"),
        ),
        case(
            "custom_12_on_11",
            Standard,
            require(11),
            untrusted_v4(),
            vec![c(&kid)],
            forbidden(),
        ),
        case(
            "custom_12_on_12",
            Standard,
            require(12),
            untrusted_v4(),
            vec![c(&kid)],
            ok("kid", 12, "token"),
        ),
        case(
            "admin_on_guest",
            Standard,
            require(999),
            untrusted_v4(),
            vec![c(&admin)],
            ok("root", 0, "token"),
        ),
        // Token transport and refusals.
        case(
            "bearer_token",
            Standard,
            require(998),
            untrusted_v4(),
            vec![("authorization", format!("Bearer {user}"))],
            ok("mallory.fan", 4, "token"),
        ),
        case(
            "expired_cookie",
            Standard,
            require(998),
            untrusted_v4(),
            vec![c(&expired_token("old", 4))],
            unauthorized(),
        ),
        case(
            "forged_cookie",
            Standard,
            require(998),
            untrusted_v4(),
            vec![c(&forged_token("root", 0))],
            unauthorized(),
        ),
        case(
            "alg_none_cookie",
            Standard,
            require(998),
            untrusted_v4(),
            vec![c(&alg_none_token())],
            unauthorized(),
        ),
        case(
            "garbage_cookie",
            Standard,
            require(998),
            untrusted_v4(),
            vec![("cookie", cookie("garbage"))],
            unauthorized(),
        ),
        case(
            "wrong_cookie_name",
            Standard,
            require(998),
            untrusted_v4(),
            vec![("cookie", format!("organizr_token_other={admin}"))],
            unauthorized(),
        ),
        case(
            "stale_copy_ignored",
            Standard,
            require(998),
            untrusted_v4(),
            vec![(
                "cookie",
                format!("{}; theme=dark; {}", cookie("stale.copy.x"), cookie(&user)),
            )],
            ok("mallory.fan", 4, "token"),
        ),
        case(
            "cookie_across_lines",
            Standard,
            require(998),
            untrusted_v4(),
            vec![("cookie", "theme=dark".to_owned()), c(&user)],
            ok("mallory.fan", 4, "token"),
        ),
        case(
            "two_users_in_cookies",
            Standard,
            require(998),
            untrusted_v4(),
            vec![c(&user), c(&admin)],
            unauthorized(),
        ),
        case(
            "cookie_and_bearer_disagree",
            Standard,
            require(998),
            untrusted_v4(),
            vec![c(&user), ("authorization", format!("Bearer {admin}"))],
            unauthorized(),
        ),
        // Trusted proxies.
        case(
            "proxy_v4_trusted",
            Standard,
            require(998),
            trusted_v4(),
            vec![("remote-user", "alice".to_owned())],
            ok("alice", 998, "proxy"),
        ),
        case(
            "proxy_user_is_not_user_level",
            Standard,
            require(4),
            trusted_v4(),
            vec![("remote-user", "alice".to_owned())],
            forbidden(),
        ),
        case(
            "proxy_v6_trusted",
            Standard,
            require(998),
            trusted_v6(),
            vec![("remote-user", "alice".to_owned())],
            ok("alice", 998, "proxy"),
        ),
        case(
            "proxy_mapped_v4_trusted",
            Standard,
            require(998),
            trusted_mapped(),
            vec![("remote-user", "alice".to_owned())],
            ok("alice", 998, "proxy"),
        ),
        case(
            "proxy_unix_trusted",
            Standard,
            require(998),
            Peer::Unix,
            vec![("remote-user", "alice".to_owned())],
            ok("alice", 998, "proxy"),
        ),
        case(
            "proxy_untrusted_ignored",
            Standard,
            require(998),
            untrusted_v4(),
            vec![("remote-user", "admin".to_owned())],
            unauthorized(),
        ),
        case(
            "proxy_unknown_peer_ignored",
            Standard,
            require(998),
            Peer::Unknown,
            vec![("remote-user", "admin".to_owned())],
            unauthorized(),
        ),
        case(
            "proxy_header_repeated",
            Standard,
            require(998),
            trusted_v4(),
            vec![
                ("remote-user", "admin".to_owned()),
                ("remote-user", "alice".to_owned()),
            ],
            unauthorized(),
        ),
        case(
            "proxy_header_with_comma",
            Standard,
            require(998),
            trusted_v4(),
            vec![("remote-user", "admin, alice".to_owned())],
            unauthorized(),
        ),
        case(
            "proxy_and_token_disagree",
            Standard,
            require(998),
            trusted_v4(),
            vec![("remote-user", "admin".to_owned()), c(&alice_token)],
            unauthorized(),
        ),
        case(
            "proxy_and_token_agree",
            Standard,
            require(4),
            trusted_v4(),
            vec![("remote-user", "alice".to_owned()), c(&alice_token)],
            ok("alice", 4, "token"),
        ),
        case(
            "proxy_group_header",
            GroupHeader,
            require(0),
            trusted_v4(),
            vec![
                ("remote-user", "alice".to_owned()),
                ("remote-group-id", "0".to_owned()),
            ],
            ok("alice", 0, "proxy"),
        ),
        case(
            "proxy_group_header_missing",
            GroupHeader,
            require(998),
            trusted_v4(),
            vec![("remote-user", "alice".to_owned())],
            unauthorized(),
        ),
        case(
            "proxy_group_header_invalid",
            GroupHeader,
            require(998),
            trusted_v4(),
            vec![
                ("remote-user", "alice".to_owned()),
                ("remote-group-id", "Admin".to_owned()),
            ],
            unauthorized(),
        ),
        case(
            "proxy_group_header_untrusted",
            GroupHeader,
            Policy::pass_through(),
            untrusted_v4(),
            vec![
                ("remote-user", "alice".to_owned()),
                ("remote-group-id", "0".to_owned()),
            ],
            Expect {
                unseen: vec!["remote-user", "remote-group-id"],
                ..anon_ok()
            },
        ),
        // Stripping: what the handler sees.
        case(
            "spoofed_headers_stripped",
            Standard,
            Policy::pass_through(),
            untrusted_v4(),
            spoofed(),
            Expect {
                unseen: IDENTITY_HEADERS.to_vec(),
                ..anon_ok()
            },
        ),
        case(
            "spoofed_headers_stripped_unknown_peer",
            Standard,
            Policy::pass_through(),
            Peer::Unknown,
            spoofed(),
            Expect {
                unseen: IDENTITY_HEADERS.to_vec(),
                ..anon_ok()
            },
        ),
        case(
            "trusted_proxy_headers_kept",
            Standard,
            Policy::pass_through(),
            trusted_v4(),
            vec![("remote-user", "alice".to_owned())],
            Expect {
                seen: vec![("remote-user", "alice")],
                ..ok("alice", 998, "proxy")
            },
        ),
        case(
            "trusted_proxy_underscore_spelling_stripped",
            Standard,
            require(998),
            trusted_v4(),
            vec![
                ("remote-user", "alice".to_owned()),
                ("remote_user", "admin".to_owned()),
            ],
            Expect {
                seen: vec![("remote-user", "alice")],
                unseen: vec!["remote_user"],
                ..ok("alice", 998, "proxy")
            },
        ),
        case(
            "proxy_placeholder_refused",
            Standard,
            require(998),
            trusted_v4(),
            vec![(
                "remote-user",
                "{http.reverse_proxy.header.Remote-User}".to_owned(),
            )],
            unauthorized(),
        ),
        case(
            "unrelated_headers_kept",
            Standard,
            Policy::pass_through(),
            untrusted_v4(),
            vec![
                ("x-request-id", "abc".to_owned()),
                ("remote-userx", "kept".to_owned()),
            ],
            Expect {
                seen: vec![("x-request-id", "abc"), ("remote-userx", "kept")],
                ..anon_ok()
            },
        ),
        // Downstream headers: written only from verified identities.
        case(
            "downstream_from_token",
            Standard,
            Policy::pass_through().with_downstream_headers(true),
            untrusted_v4(),
            vec![
                c(&user),
                ("x-organizr-user", "admin".to_owned()),
                ("x-organizr-group", "0".to_owned()),
            ],
            Expect {
                seen: vec![
                    ("remote-user", "mallory.fan"),
                    ("remote-email", "mallory.fan@example.org"),
                    ("remote-groups", "User"),
                    ("x-organizr-user", "mallory.fan"),
                    ("x-organizr-email", "mallory.fan@example.org"),
                    ("x-organizr-group", "4"),
                ],
                ..ok("mallory.fan", 4, "token")
            },
        ),
        case(
            "downstream_anonymous_writes_nothing",
            Standard,
            Policy::pass_through().with_downstream_headers(true),
            untrusted_v4(),
            spoofed(),
            Expect {
                unseen: IDENTITY_HEADERS.to_vec(),
                ..anon_ok()
            },
        ),
        case(
            "downstream_from_trusted_proxy",
            Standard,
            Policy::require(GroupLevel::LOGGED_IN).with_downstream_headers(true),
            trusted_v4(),
            vec![
                ("remote-user", "alice".to_owned()),
                ("x-organizr-group", "0".to_owned()),
            ],
            Expect {
                seen: vec![
                    ("remote-user", "alice"),
                    ("x-organizr-user", "alice"),
                    ("x-organizr-group", "998"),
                ],
                unseen: vec!["remote-email", "x-organizr-email"],
                ..ok("alice", 998, "proxy")
            },
        ),
        // Organizr's API key.
        case(
            "api_key_header",
            Standard,
            require(0),
            untrusted_v4(),
            vec![("token", API_KEY.to_owned())],
            ok("Organizr API", 0, "api_key"),
        ),
        case(
            "api_key_wrong",
            Standard,
            require(998),
            untrusted_v4(),
            vec![("token", "T3stk1tAp1K3y0000001".to_owned())],
            unauthorized(),
        ),
        // Login redirects: anonymous browsers only, never a 403.
        case(
            "login_redirect_get",
            Login,
            require(998),
            untrusted_v4(),
            vec![("accept", "text/html,application/xhtml+xml;q=0.9".to_owned())],
            Expect {
                status: 302,
                location: Some(LOGIN_URL),
                ..Expect::default()
            },
        ),
        case(
            "login_redirect_json_client",
            Login,
            require(998),
            untrusted_v4(),
            vec![("accept", "application/json".to_owned())],
            unauthorized(),
        ),
        case(
            "login_redirect_html_q0",
            Login,
            require(998),
            untrusted_v4(),
            vec![("accept", "text/html;q=0, */*".to_owned())],
            unauthorized(),
        ),
        case(
            "login_no_redirect_for_403",
            Login,
            require(0),
            untrusted_v4(),
            vec![c(&user), ("accept", "text/html".to_owned())],
            forbidden(),
        ),
        // Bearer switched off: no bearer tokens, no bearer challenge.
        case(
            "bearer_disabled",
            NoBearer,
            require(998),
            untrusted_v4(),
            vec![("authorization", format!("Bearer {user}"))],
            Expect {
                status: 401,
                ..Expect::default()
            },
        ),
        case(
            "bearer_disabled_cookie_ok",
            NoBearer,
            require(998),
            untrusted_v4(),
            vec![c(&user)],
            ok("mallory.fan", 4, "token"),
        ),
    ];
    cases.push(Case {
        name: "login_redirect_post_is_303",
        method: "POST",
        ..case(
            "",
            Login,
            require(998),
            untrusted_v4(),
            vec![("accept", "text/html".to_owned())],
            Expect {
                status: 303,
                location: Some(LOGIN_URL),
                ..Expect::default()
            },
        )
    });
    cases.push(Case {
        name: "api_key_query_disabled",
        uri: format!("/protected?apikey={API_KEY}"),
        ..case(
            "",
            Standard,
            require(998),
            untrusted_v4(),
            vec![],
            unauthorized(),
        )
    });
    cases
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Authenticator, RequestHead, Verdict};

    /// Runs the table against core itself, as the reference adapter: translate
    /// the case into an `http::HeaderMap`, call `process`, and observe.
    #[test]
    fn core_passes_its_own_table() {
        let mut names = std::collections::HashSet::new();
        for case in cases() {
            assert!(names.insert(case.name), "duplicate case name {}", case.name);
            let auth = Authenticator::new(case.config());
            let mut headers = http::HeaderMap::new();
            for (n, v) in &case.headers {
                headers.append(http::HeaderName::from_static(n), v.parse().unwrap());
            }
            let head = RequestHead {
                method: case.method,
                query: case.query(),
                headers: &mut headers,
            };
            let observed = match auth.process(head, &case.peer, case.policy) {
                Verdict::Allow(a) => Observed {
                    status: 200,
                    body: echo(
                        Some(&a),
                        headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())),
                    ),
                    ..Observed::default()
                },
                Verdict::Reject(r) => {
                    let resp = r.to_response();
                    Observed {
                        status: resp.status().as_u16(),
                        location: resp
                            .headers()
                            .get("location")
                            .map(|v| v.to_str().unwrap().to_owned()),
                        www_authenticate: resp
                            .headers()
                            .get("www-authenticate")
                            .map(|v| v.to_str().unwrap().to_owned()),
                        body: resp.into_body(),
                    }
                }
            };
            case.check(&observed).unwrap();
        }
    }
}
