//! The facade every adapter calls: [`Authenticator`].
//!
//! It composes the rooms of this crate (each owns the state its rules need):
//! the trusted-proxy list ([`proxy`](crate::proxy)) decides whether the socket
//! peer may assert identity headers; the resolver ([`resolve`](crate::resolve))
//! turns credentials into an [`Authentication`]; the sanitiser
//! ([`sanitize`](crate::sanitize)) removes identity headers the handler must
//! not see; the decision ([`decision`](crate::decision)) compares the result
//! with the route's [`Policy`]; the responder
//! ([`rejection`](crate::rejection)) builds the answer to a refusal.
//!
//! One entry point per use:
//!
//! | caller | method |
//! |---|---|
//! | middleware (tower, actix-web) | [`Authenticator::admit`] |
//! | extractors, per-request levels | [`Admission::require`] |
//! | the forward-auth server | [`Authenticator::forward_auth`] |
//! | anything else that only wants to know who is there | [`Authenticator::resolve`] |
//!
//! # Security
//! Fail closed: an unknown peer is trusted by nothing, a bad config cannot be
//! built, and no error path yields an identity. Refusal reasons go to
//! `tracing` and to the application, never into a response body.

use std::sync::Arc;

use crate::access::{AccessCheck, AccessDecision, RealIp, RealIpHeader};
use crate::config::SessionSource;
use crate::decision::LogContext;
use crate::rejection::Responder;
use crate::resolve::{ProxyHeaders, ProxyLevel, Resolver};
use crate::sanitize::{DOWNSTREAM_HEADERS, Sanitizer, strip_names};
use crate::token_cache::TokenCache;
use crate::{
    Admission, Authentication, Config, Denial, GroupLevel, HeaderAccess, HeaderAccessMut, Peer,
    Policy, RequestHead, TokenValidator, TrustedProxies, Verdict, credentials,
};

/// Holds a validated configuration and makes every decision. Build one at
/// start-up and share it behind an `Arc`.
///
/// ```
/// use std::sync::Arc;
/// use http::HeaderMap;
/// use organizr_auth_core::{Authenticator, Config, GroupLevel, Peer, Policy, RequestHead, Secret, TrustedProxies, Verdict};
///
/// let config = Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)
///     .trusted_proxies("127.0.0.1".parse::<TrustedProxies>()?);
/// let auth = Arc::new(Authenticator::new(config));
///
/// // A request from the trusted proxy, naming alice.
/// let mut headers = HeaderMap::new();
/// headers.insert("remote-user", "alice".parse()?);
/// let request = RequestHead::new("GET", "/", None, &mut headers);
/// let Verdict::Allow(admission) = auth.admit(request, Peer::Tcp("127.0.0.1:5000".parse()?), &Policy::default(), None) else {
///     return Err("alice is logged in".into());
/// };
/// assert_eq!(admission.identity().map(|i| i.group_id), Some(GroupLevel::LOGGED_IN));
///
/// // The same header from anyone else: anonymous, and the header is gone.
/// let mut headers = HeaderMap::new();
/// headers.insert("remote-user", "alice".parse()?);
/// let request = RequestHead::new("GET", "/", None, &mut headers);
/// let verdict = auth.admit(request, Peer::Tcp("192.0.2.9:5000".parse()?), &Policy::pass_through(), None);
/// assert!(matches!(verdict, Verdict::Allow(a) if a.identity().is_none()));
/// assert!(headers.get("remote-user").is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Authenticator {
    proxies: TrustedProxies,
    /// The client address for log lines: behind a trusted proxy, the address
    /// it reports in `X-Forwarded-For` (never used for a decision).
    log_client: RealIp,
    pub(crate) resolver: Resolver,
    sanitizer: Sanitizer,
    pub(crate) responder: Responder,
}

impl Authenticator {
    /// Builds the authenticator and warns through `tracing` when the key is
    /// shorter than 32 bytes, the API key shorter than 8, or the trusted-proxy
    /// list has [risky entries](TrustedProxies::risks) (one warning each).
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?).uuid("abc"));
    /// assert_eq!(auth.cookie_name(), "organizr_token_abc");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(config: Config) -> Self {
        match &config.secret {
            Some(secret) if secret.is_short() => tracing::warn!(
                key_len = secret.len(),
                "organizrHash is shorter than 32 bytes: anyone holding one token can guess it offline and forge admin tokens; rotate it in Organizr to a long random value"
            ),
            Some(_) => {}
            None => tracing::info!(
                "no Organizr key configured: Organizr tokens are not accepted (a token in a request is ignored); \
                 identities come from trusted proxies' headers and the API key only"
            ),
        }
        if config.secret.is_some() && config.uuid.is_empty() {
            // Config::from_env refuses this; a builder user forgot `.uuid()`.
            tracing::warn!(
                "no Organizr uuid configured: expecting the cookie organizr_token_temp, which only an Organizr without a uuid sets; \
                 set Config::uuid to the uuid in Organizr's config.php (or to \"temp\" on purpose)"
            );
        }
        if config.secret.is_none() && config.api_key.is_none() && config.trusted_proxies.is_empty()
        {
            tracing::error!(
                "nothing can be authenticated: no Organizr key, no API key and no trusted proxy; every request is anonymous"
            );
        }
        if config.api_key.as_ref().is_some_and(|key| key.len() < 8) {
            tracing::warn!(
                "the Organizr API key is shorter than 8 characters: anyone can guess it and act as the admin \"Organizr API\"; generate a new one in Organizr (it makes 20)"
            );
        }
        crate::proxy::warn_about_risks(&config.trusted_proxies);
        let level = match (config.proxy_group_header, config.proxy_groups_header) {
            (Some(header), _) => ProxyLevel::Numeric(header),
            (None, Some(header)) => ProxyLevel::Names {
                header,
                map: config.proxy_group_map,
                default: config.proxy_default_level,
            },
            (None, None) => ProxyLevel::Fixed(config.proxy_default_level),
        };
        let proxy = ProxyHeaders {
            user: config.user_header,
            level,
            email: config.proxy_email_header,
            name: config.proxy_name_header,
        };
        Self {
            log_client: RealIp::new(config.trusted_proxies.clone(), RealIpHeader::XForwardedFor),
            proxies: config.trusted_proxies,
            sanitizer: Sanitizer::new(proxy.names(), config.raw_headers),
            responder: Responder {
                login_url: config.login_url,
                bearer_challenge: config.accept_bearer,
            },
            resolver: Resolver {
                validator: config
                    .secret
                    .as_ref()
                    .map(|secret| TokenValidator::new(secret).with_checked_leeway(config.leeway)),
                // Built with the validator, from the same config: one key for
                // the cache's whole life.
                cache: TokenCache::new(if config.secret.is_some() {
                    config.token_cache
                } else {
                    0
                }),
                cookie_name: credentials::cookie_name(&config.uuid),
                cookie_finder: credentials::CookieFinder::new(&credentials::cookie_name(
                    &config.uuid,
                )),
                api_key: config.api_key,
                api_key_query: config.api_key_query,
                accept_bearer: config.accept_bearer,
                proxy,
                sessions: config.sessions,
            },
        }
    }

    /// The middleware's decision for one request: sanitise its headers,
    /// resolve its credentials, apply `policy` (its IP lists first, if it has
    /// any, then its level) and, if the policy asks, write the verified
    /// identity's downstream headers.
    ///
    /// `earlier` is the [`Admission`] an outer middleware attached, if any: when
    /// this authenticator issued it, it is reused and only `policy` is applied
    /// (see [stacking](crate::decision)). Adapters pass whatever they find and
    /// attach the new admission on [`Verdict::Allow`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use http::{HeaderMap, StatusCode};
    /// use organizr_auth_core::{Authenticator, Config, GroupLevel, Peer, Policy, RequestHead, Secret, Verdict};
    /// let auth = Arc::new(Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)));
    /// let mut headers = HeaderMap::new();
    /// let head = RequestHead::new("GET", "/", None, &mut headers);
    /// match auth.admit(head, Peer::Unknown, &Policy::require(GroupLevel::ADMIN), None) {
    ///     Verdict::Reject(rejection) => assert_eq!(rejection.status(), StatusCode::UNAUTHORIZED),
    ///     Verdict::Allow(_) => return Err("anonymous is not admin".into()),
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn admit<H: HeaderAccessMut>(
        self: &Arc<Self>,
        request: RequestHead<'_, H>,
        peer: Peer,
        policy: &Policy,
        earlier: Option<&Admission>,
    ) -> Verdict {
        let authentication = match Admission::reusable(earlier, self) {
            Some(reused) => reused,
            None => {
                // One trust decision per request, for resolving and sanitising.
                let trusted = self.proxies.trusts(&peer);
                let resolution = self
                    .resolver
                    .resolve(&*request.headers, request.query(), trusted);
                let stripped = self
                    .sanitizer
                    .strip(request.headers, resolution.proxy_accepted);
                if stripped > 0 {
                    tracing::debug!(
                        ?peer,
                        trusted,
                        stripped,
                        "removed identity headers the handler must not see"
                    );
                }
                resolution.authentication
            }
        };
        let context = LogContext {
            method: request.method(),
            path: request.path(),
            peer,
        };
        // The route's IP lists come first: an allow-list match waives the
        // level, a deny-list match refuses whoever the user is.
        let access = policy.access().map(|a| a.check(&peer, &*request.headers));
        let decided = match access {
            Some(AccessCheck {
                decision: AccessDecision::Allow,
                client,
            }) => {
                tracing::debug!(
                    method = context.method, path = context.path, ?peer, %client,
                    user = authentication.identity().map(|i| tracing::field::display(&i.username)),
                    "request allowed: client on the allow list"
                );
                Ok(())
            }
            Some(AccessCheck {
                decision: AccessDecision::Deny,
                client,
            }) => {
                let blocked = Err(Denial::Blocked { client });
                self.log_decision(
                    &blocked,
                    &authentication,
                    policy.required(),
                    &context,
                    &*request.headers,
                );
                blocked
            }
            Some(AccessCheck {
                decision: AccessDecision::Continue,
                ..
            })
            | None => {
                let decided = authentication.authorize(policy.required());
                self.log_decision(
                    &decided,
                    &authentication,
                    policy.required(),
                    &context,
                    &*request.headers,
                );
                decided
            }
        };
        if let Err(denial) = decided {
            let rejection = self
                .responder
                .reject(denial, request.method(), &*request.headers);
            return Verdict::Reject(rejection);
        }
        if policy.downstream_headers() {
            strip_names(request.headers, &DOWNSTREAM_HEADERS);
            if let Some(identity) = authentication.identity() {
                for (name, value) in identity.headers() {
                    request.headers.insert_header(name, value);
                }
            }
        }
        Verdict::Allow(Admission::new(authentication, Arc::clone(self), peer))
    }

    /// The forward-auth server's decision for one subrequest: resolve, compare
    /// with `required`. Never a redirect (nginx's `auth_request` accepts only
    /// 2xx, 401 and 403) and nothing is rewritten: the server answers with the
    /// admitted identity's [headers](crate::Identity::headers) itself. Its log
    /// line names the original request as the proxy reports it
    /// (`X-Original-Method`/`X-Forwarded-Method`, `X-Original-URI`/
    /// `X-Forwarded-Uri`), when it does.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use http::{HeaderMap, StatusCode};
    /// use organizr_auth_core::{Authenticator, Config, GroupLevel, Peer, Secret, Verdict};
    /// let config = Config::new(Secret::new("a-long-random-organizr-hash-value-here")?).login_url("/login")?;
    /// let auth = Arc::new(Authenticator::new(config));
    /// let mut browser = HeaderMap::new();
    /// browser.insert("accept", "text/html".parse()?);
    /// let Verdict::Reject(rejection) = auth.forward_auth(&browser, None, Peer::Unknown, GroupLevel::USER) else {
    ///     return Err("anonymous passed".into());
    /// };
    /// assert_eq!(rejection.status(), StatusCode::UNAUTHORIZED);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn forward_auth(
        self: &Arc<Self>,
        headers: &impl HeaderAccess,
        query: Option<&str>,
        peer: Peer,
        required: GroupLevel,
    ) -> Verdict {
        let trusted = self.proxies.trusts(&peer);
        let authentication = self
            .resolver
            .resolve(headers, query, trusted)
            .authentication;
        let decided = authentication.authorize(required);
        // The log line's context costs four header look-ups: only when a line
        // is written (every refusal; admissions at debug).
        if decided.is_err() || tracing::enabled!(tracing::Level::DEBUG) {
            let original = |names: [&str; 2]| {
                names
                    .into_iter()
                    .find_map(|name| headers.header_values(name).next())
                    .and_then(|v| std::str::from_utf8(v).ok())
                    .unwrap_or("-")
            };
            let context = LogContext {
                method: original(["x-original-method", "x-forwarded-method"]),
                path: original(["x-original-uri", "x-forwarded-uri"]),
                peer,
            };
            self.log_decision(&decided, &authentication, required, &context, headers);
        }
        match decided {
            Ok(()) => Verdict::Allow(Admission::new(authentication, Arc::clone(self), peer)),
            Err(denial) => Verdict::Reject(self.responder.reject_plainly(denial)),
        }
    }

    /// One log line per decision: refusals at info, admissions at debug, with
    /// the method, path, socket peer, client address (behind a trusted proxy,
    /// the address it reports), the reason, the user and the levels. Never a
    /// token, cookie value or key. When nothing was presented but the request
    /// carries an Organizr cookie under another name (a wrong uuid), the
    /// refusal names the cookie expected.
    pub(crate) fn log_decision(
        &self,
        decided: &Result<(), Denial>,
        auth: &Authentication,
        required: GroupLevel,
        context: &LogContext<'_>,
        headers: &impl HeaderAccess,
    ) {
        let LogContext { method, path, peer } = context;
        match (decided, auth) {
            (Ok(()), _) if !tracing::enabled!(tracing::Level::DEBUG) => {}
            (Ok(()), Authentication::Authenticated(id)) => tracing::debug!(
                method, path, ?peer, client = %self.log_client.client(peer, headers),
                user = %id.username, level = id.group_id.get(), source = %id.source,
                required = required.get(), "request allowed"
            ),
            (Ok(()), Authentication::Anonymous { refused }) => tracing::debug!(
                method, path, ?peer, client = %self.log_client.client(peer, headers),
                refused = refused.as_ref().map(tracing::field::display),
                required = required.get(), "anonymous request allowed"
            ),
            (Err(Denial::Unauthenticated { refused }), _) => {
                let other_cookie = match refused {
                    None if self.resolver.validator.is_some() => {
                        other_organizr_cookie(headers, &self.resolver.cookie_name)
                    }
                    _ => None,
                };
                match other_cookie {
                    Some(found) => tracing::info!(
                        method, path, ?peer, client = %self.log_client.client(peer, headers),
                        required = required.get(), expected_cookie = %self.resolver.cookie_name,
                        found_cookie = %found.chars().take(80).collect::<String>(),
                        "request refused: not authenticated: the request has an Organizr cookie under another name (is ORGANIZR_UUID this Organizr's uuid?)"
                    ),
                    None => tracing::info!(
                        method, path, ?peer, client = %self.log_client.client(peer, headers),
                        refused = refused.as_ref().map(tracing::field::display),
                        required = required.get(), "request refused: not authenticated"
                    ),
                }
            }
            (Err(Denial::Forbidden { level, required }), _) => tracing::info!(
                method, path, ?peer, client = %self.log_client.client(peer, headers),
                user = auth.identity().map(|i| tracing::field::display(&i.username)),
                level = level.get(), required = required.get(), "request refused: level too low"
            ),
            (Err(Denial::Blocked { client }), _) => tracing::info!(
                method, path, ?peer, %client,
                user = auth.identity().map(|i| tracing::field::display(&i.username)),
                "request refused: client on the deny list"
            ),
        }
    }

    /// Who the request is, without a policy and without touching it: for
    /// servers that decide themselves. `query` is the query string without
    /// `?` (read only for the `apikey` parameter, when enabled).
    ///
    /// ```
    /// use http::HeaderMap;
    /// use organizr_auth_core::{Authentication, Authenticator, Config, Peer, Refusal, Secret, TokenError};
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?).uuid("u"));
    /// let mut headers = HeaderMap::new();
    /// headers.insert("cookie", "organizr_token_u=not-a-token".parse()?);
    /// let refused = Some(Refusal::Token(TokenError::Malformed("token does not have three segments")));
    /// assert_eq!(auth.resolve(&headers, None, &Peer::Unknown), Authentication::Anonymous { refused });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resolve(
        &self,
        headers: &impl HeaderAccess,
        query: Option<&str>,
        peer: &Peer,
    ) -> Authentication {
        self.resolver
            .resolve(headers, query, self.proxies.trusts(peer))
            .authentication
    }

    /// The group level of Organizr's tab whose name contains `name`, as
    /// Organizr's auth API reads a non-numeric `?group=`: the first tab whose
    /// name contains it (ASCII case-insensitively); when none does, level 0
    /// (Admin), as Organizr requires then.
    ///
    /// `None` when tabs cannot be looked up: without a session store
    /// (nothing to look in), or while the store fails closed. A caller must
    /// then refuse, never guess a level.
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
    /// assert_eq!(auth.tab_group("Plex"), None); // stateless: no tabs known
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn tab_group(&self, name: &str) -> Option<GroupLevel> {
        match &self.resolver.sessions {
            SessionSource::Stateless => {
                let _ = name;
                None
            }
            #[cfg(feature = "sessions")]
            SessionSource::Store(store) => match store.status() {
                crate::session::SessionStatus::FailingClosed { .. } => None,
                // No match (or a tab whose group is out of range): Organizr's
                // 0, the strictest level.
                _ => Some(store.tab_group(name).unwrap_or(GroupLevel::ADMIN)),
            },
        }
    }

    /// Organizr's session table, when tokens are checked against it
    /// ([`Config::session_store`], `ORGANIZR_DB`); `None` when validation is
    /// stateless.
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
    /// assert!(auth.session_store().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "sessions")]
    pub fn session_store(&self) -> Option<&crate::session::SessionStore> {
        match &self.resolver.sessions {
            SessionSource::Stateless => None,
            SessionSource::Store(store) => Some(store),
        }
    }

    /// Whether tokens are checked against Organizr's session table (so that
    /// logout, revoked sessions, locks and group changes apply), or validation
    /// is stateless.
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
    /// assert!(!auth.checks_sessions());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn checks_sessions(&self) -> bool {
        !matches!(self.resolver.sessions, SessionSource::Stateless)
    }

    /// The token validator in use; `None` when tokens are not accepted
    /// (no key: [proxy-only mode](Config::without_tokens)).
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
    /// assert_eq!(auth.validator().map(|v| v.leeway().as_secs()), Some(30));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validator(&self) -> Option<&TokenValidator> {
        self.resolver.validator.as_ref()
    }

    /// The cache of verified tokens this authenticator fills and reads
    /// ([`token_cache`](crate::token_cache)); off (capacity 0) without a key.
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// use organizr_auth_core::token_cache::TokenCache;
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
    /// assert_eq!(auth.token_cache().capacity(), TokenCache::DEFAULT_CAPACITY);
    /// assert!(!Authenticator::new(Config::without_tokens()).token_cache().is_enabled());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn token_cache(&self) -> &TokenCache {
        &self.resolver.cache
    }

    /// Whether Organizr tokens are accepted (a key is configured).
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config};
    /// assert!(!Authenticator::new(Config::without_tokens()).accepts_tokens());
    /// ```
    pub fn accepts_tokens(&self) -> bool {
        self.resolver.validator.is_some()
    }

    /// The trusted-proxy list in use.
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret, TrustedProxies};
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?).trusted_proxies("@".parse::<TrustedProxies>()?));
    /// assert!(auth.trusted_proxies().trusts_unix_sockets());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn trusted_proxies(&self) -> &TrustedProxies {
        &self.proxies
    }

    /// The session cookie's name, `organizr_token_<uuid>`.
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
    /// assert_eq!(auth.cookie_name(), "organizr_token_temp");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cookie_name(&self) -> &str {
        &self.resolver.cookie_name
    }

    /// Whether `Authorization: Bearer` tokens are accepted.
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?).accept_bearer(false));
    /// assert!(!auth.accepts_bearer());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn accepts_bearer(&self) -> bool {
        self.resolver.accept_bearer
    }
}

/// The name of a cookie that looks like Organizr's (`organizr_token_...`)
/// but is not `expected`; names only, never values.
fn other_organizr_cookie(headers: &impl HeaderAccess, expected: &str) -> Option<String> {
    const PREFIX: &[u8] = b"organizr_token_";
    headers
        .header_values("cookie")
        .flat_map(|line| line.split(|&b| b == b';'))
        .filter_map(|pair| {
            let name = pair.split(|&b| b == b'=').next()?.trim_ascii();
            (name.starts_with(PREFIX) && name != expected.as_bytes())
                .then(|| String::from_utf8_lossy(name).into_owned())
        })
        .next()
}
