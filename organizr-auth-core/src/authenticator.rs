//! The one decision: who sent this request, and may it go on.
//!
//! Every adapter calls [`Authenticator::process`] (or its parts) and only
//! translates the answer into its framework's types, so tower, actix-web and the
//! forward-auth server cannot disagree.
//!
//! # The order of resolution
//! 1. **Sanitise.** If the socket peer is not a trusted proxy, every identity
//!    header (the configured user and group headers and the six headers of
//!    [`DOWNSTREAM_HEADERS`], in any case and with `_` for `-`) is removed; from
//!    a trusted proxy, only their `_` spellings are (see
//!    [`Authenticator::strip_untrusted`]).
//! 2. **Proxy header.** If the peer is trusted and the user header is present and
//!    non-empty, it names a user at level 998 (any logged-in user), or at the
//!    level of the group header when one is configured. A repeated or malformed
//!    header refuses the whole request (anonymous), whatever else it carries.
//! 3. **Tokens.** Every copy of the cookie `organizr_token_<uuid>`, then every
//!    `Authorization: Bearer` token (unless switched off), is validated. Copies
//!    that fail are ignored; valid copies must name the same user (if their
//!    levels differ, the less privileged one is used). More than
//!    [`MAX_TOKEN_CANDIDATES`] copies
//!    refuse the request.
//! 4. **API key.** If an API key is configured, the `Token` header (and the
//!    `apikey` query parameter when enabled) must all equal it; that is the user
//!    `"Organizr API"` at level 0.
//! 5. **Combine.** If more than one source gave an identity, they must name the
//!    same user (ASCII case-insensitively). The most authoritative one is
//!    kept: the token's (Organizr's own level and e-mail), then the API key's
//!    (level 0 by definition), then the proxy's. **A trusted proxy header
//!    and a valid token that name different users refuse the request**: one of
//!    them is wrong, and guessing which would hand out someone's identity.
//!
//! A refused request is anonymous (level 999), with the reason attached for logs.
//!
//! # Security
//! Fail closed: an unknown peer is trusted by nothing, a bad config cannot be
//! built, and no error path yields an identity. Refusal reasons go to `tracing`
//! and to the application, never into a response body.

use http::{HeaderName, HeaderValue, StatusCode};

use crate::credentials::{self, MAX_TOKEN_CANDIDATES};
use crate::header_access::same_header_name;
use crate::identity::{API_KEY_USER, DOWNSTREAM_HEADERS};
use crate::proxy::{Peer, TrustedProxies, parse_group_header, parse_user_header};
use crate::{
    ApiKey, Authentication, Config, Denial, GroupLevel, HeaderAccess, HeaderAccessMut, Identity,
    ProxyHeaderError, Refusal, Source, TokenValidator,
};

/// Holds a validated configuration and makes every decision. Build one at
/// start-up and share it (it is cheap to clone behind an `Arc`).
///
/// ```
/// use http::HeaderMap;
/// use organizr_auth_core::{Authenticator, Config, GroupLevel, Secret, TrustedProxies, proxy::Peer};
///
/// let config = Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)
///     .trusted_proxies("127.0.0.1".parse::<TrustedProxies>()?)
///     .user_header("Remote-User")?;
/// let auth = Authenticator::new(config);
///
/// let mut headers = HeaderMap::new();
/// headers.insert("remote-user", "alice".parse()?);
/// let from_proxy = auth.resolve(&headers, None, &Peer::Tcp("127.0.0.1:5000".parse()?));
/// assert_eq!(from_proxy.identity().map(|i| i.username.as_str()), Some("alice"));
/// assert_eq!(from_proxy.level(), GroupLevel::LOGGED_IN);
///
/// let from_elsewhere = auth.resolve(&headers, None, &Peer::Tcp("192.0.2.9:5000".parse()?));
/// assert!(from_elsewhere.identity().is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Authenticator {
    validator: TokenValidator,
    cookie_name: String,
    api_key: Option<ApiKey>,
    api_key_query: bool,
    accept_bearer: bool,
    proxies: TrustedProxies,
    user_header: HeaderName,
    group_header: Option<HeaderName>,
    login_url: Option<HeaderValue>,
    /// Names removed from requests of untrusted peers.
    protected: Vec<HeaderName>,
}

impl Authenticator {
    /// Builds the authenticator and warns through `tracing` when the key is
    /// shorter than 32 bytes.
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?).uuid("abc"));
    /// assert_eq!(auth.cookie_name(), "organizr_token_abc");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(config: Config) -> Self {
        if config.secret.is_short() {
            tracing::warn!(
                key_len = config.secret.len(),
                "organizrHash is shorter than 32 bytes: anyone holding one token can guess it offline and forge admin tokens; rotate it in Organizr to a long random value"
            );
        }
        // A list covering a whole address family was already reported when it was
        // parsed (`TrustedProxies::parse`), once, at start-up.
        let mut protected = vec![config.user_header.clone()];
        protected.extend(config.proxy_group_header.iter().cloned());
        for name in DOWNSTREAM_HEADERS {
            if !protected.contains(&name) {
                protected.push(name);
            }
        }
        Self {
            validator: config.validator,
            cookie_name: credentials::cookie_name(&config.uuid),
            api_key: config.api_key,
            api_key_query: config.api_key_query,
            accept_bearer: config.accept_bearer,
            proxies: config.trusted_proxies,
            user_header: config.user_header,
            group_header: config.proxy_group_header,
            login_url: config.login_url,
            protected,
        }
    }

    /// The token validator in use.
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?));
    /// assert_eq!(auth.validator().leeway().as_secs(), 30);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validator(&self) -> &TokenValidator {
        &self.validator
    }

    /// The trusted-proxy list in use.
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret, TrustedProxies};
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?).trusted_proxies("@".parse::<TrustedProxies>()?));
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
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?));
    /// assert_eq!(auth.cookie_name(), "organizr_token_temp");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cookie_name(&self) -> &str {
        &self.cookie_name
    }

    /// Whether `Authorization: Bearer` tokens are accepted.
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?).accept_bearer(false));
    /// assert!(!auth.accepts_bearer());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn accepts_bearer(&self) -> bool {
        self.accept_bearer
    }

    /// Removes identity headers a client may have slipped in, and returns how
    /// many header names were removed.
    ///
    /// - From a peer that is not a trusted proxy: every identity header, in any
    ///   spelling (case, `_` for `-`).
    /// - From a trusted proxy: only the `_` spellings (`Remote_User`). The proxy
    ///   sets `Remote-User` itself, but nginx aside, most proxies pass a
    ///   client's `Remote_User` through untouched, and code that folds `_` into
    ///   `-` (CGI, PHP, some frameworks) would read it as the user.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use organizr_auth_core::{Authenticator, Config, HeaderAccess, Secret, TrustedProxies, proxy::Peer};
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?).trusted_proxies("127.0.0.1".parse::<TrustedProxies>()?));
    /// let mut h = HeaderMap::new();
    /// h.insert("remote_user", "admin".parse()?);
    /// h.insert("x-organizr-group", "0".parse()?);
    /// assert_eq!(auth.strip_untrusted(&mut h, &Peer::Unknown), 2);
    /// assert_eq!(h.header_names().count(), 0);
    ///
    /// let mut h = HeaderMap::new();
    /// h.insert("remote-user", "alice".parse()?);
    /// h.insert("remote_user", "admin".parse()?);
    /// assert_eq!(auth.strip_untrusted(&mut h, &Peer::Tcp("127.0.0.1:9".parse()?)), 1);
    /// assert_eq!(h.header_names().collect::<Vec<_>>(), ["remote-user"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn strip_untrusted(&self, headers: &mut impl HeaderAccessMut, peer: &Peer) -> usize {
        self.strip_for(headers, self.proxies.trusts(peer))
    }

    fn strip_for(&self, headers: &mut impl HeaderAccessMut, trusted: bool) -> usize {
        if trusted {
            strip_underscore_spellings(headers, &self.protected)
        } else {
            strip_matching(headers, &self.protected)
        }
    }

    /// Resolves the request's credentials into an [`Authentication`], following
    /// the order in the [module documentation](self). `query` is the request's
    /// query string without the `?` (used only for the `apikey` parameter, when
    /// enabled).
    ///
    /// ```
    /// use http::HeaderMap;
    /// use organizr_auth_core::{Authentication, Authenticator, Config, Refusal, Secret, TokenError, proxy::Peer};
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?).uuid("u"));
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
        self.resolve_for(headers, query, self.proxies.trusts(peer))
    }

    /// [`Authenticator::resolve`] with the peer's trust already decided.
    fn resolve_for(
        &self,
        headers: &impl HeaderAccess,
        query: Option<&str>,
        trusted: bool,
    ) -> Authentication {
        match self.resolve_inner(headers, query, trusted) {
            Ok(Some(identity)) => Authentication::Authenticated(identity),
            Ok(None) => Authentication::Anonymous { refused: None },
            Err(refused) => Authentication::Anonymous {
                refused: Some(refused),
            },
        }
    }

    fn resolve_inner(
        &self,
        headers: &impl HeaderAccess,
        query: Option<&str>,
        trusted: bool,
    ) -> Result<Option<Identity>, Refusal> {
        let proxy = if trusted {
            self.proxy_identity(headers)?
        } else {
            None
        };
        // The first refusal is kept only to explain an anonymous outcome.
        let mut refused = None;
        let token = self.token_identity(headers, &mut refused)?;
        let api = self.api_key_identity(headers, query, &mut refused);

        let mut chosen: Option<Identity> = None;
        for candidate in [token, api, proxy].into_iter().flatten() {
            match &chosen {
                None => chosen = Some(candidate),
                Some(first) if first.username.eq_ignore_ascii_case(&candidate.username) => {}
                Some(_) => return Err(Refusal::Conflict),
            }
        }
        match (chosen, refused) {
            (Some(identity), _) => Ok(Some(identity)),
            (None, Some(refused)) => Err(refused),
            (None, None) => Ok(None),
        }
    }

    /// The identity a trusted proxy's headers state (the caller checked trust).
    fn proxy_identity(&self, headers: &impl HeaderAccess) -> Result<Option<Identity>, Refusal> {
        let Some(user) = parse_user_header(headers.header_values(self.user_header.as_str()))
            .map_err(Refusal::ProxyHeader)?
        else {
            return Ok(None);
        };
        let level = match &self.group_header {
            None => GroupLevel::LOGGED_IN,
            Some(name) => parse_group_header(headers.header_values(name.as_str()))
                .map_err(Refusal::ProxyHeader)?
                .ok_or(Refusal::ProxyHeader(ProxyHeaderError::MissingGroup))?,
        };
        Ok(Some(Identity::new(user, level, Source::Proxy)))
    }

    fn token_identity(
        &self,
        headers: &impl HeaderAccess,
        refused: &mut Option<Refusal>,
    ) -> Result<Option<Identity>, Refusal> {
        let cookies = credentials::cookie_values(headers, &self.cookie_name);
        let bearer = self
            .accept_bearer
            .then(|| credentials::bearer_tokens(headers))
            .into_iter()
            .flatten();
        let mut found: Option<Identity> = None;
        for (index, token) in cookies.chain(bearer).enumerate() {
            if index >= MAX_TOKEN_CANDIDATES {
                return Err(Refusal::TooManyTokens);
            }
            match self.validator.validate(token) {
                Ok(claims) => match &found {
                    None => found = Some(Identity::from_claims(claims)),
                    Some(prev) if prev.username.eq_ignore_ascii_case(&claims.username) => {
                        // Same user, two valid copies (one stale): trust the less
                        // privileged one.
                        if claims.group_id > prev.group_id {
                            found = Some(Identity::from_claims(claims));
                        }
                    }
                    Some(_) => return Err(Refusal::Conflict),
                },
                Err(error) => {
                    refused.get_or_insert(Refusal::Token(error));
                }
            }
        }
        Ok(found)
    }

    fn api_key_identity(
        &self,
        headers: &impl HeaderAccess,
        query: Option<&str>,
        refused: &mut Option<Refusal>,
    ) -> Option<Identity> {
        let expected = self.api_key.as_ref()?;
        let query = if self.api_key_query { query } else { None };
        let mut presented = false;
        let mut all_match = true;
        for key in credentials::api_keys(headers, query) {
            presented = true;
            // No early exit: every presented key is compared.
            all_match &= expected.matches(&key);
        }
        match (presented, all_match) {
            (true, true) => Some(Identity::new(
                API_KEY_USER,
                GroupLevel::ADMIN,
                Source::ApiKey,
            )),
            (true, false) => {
                refused.get_or_insert(Refusal::ApiKey);
                None
            }
            (false, _) => None,
        }
    }

    /// The whole per-request pipeline: sanitise, resolve, authorize against
    /// `policy`, and (if the policy asks) write the verified identity's headers.
    /// Adapters call this and translate the [`Verdict`].
    ///
    /// ```
    /// use http::{HeaderMap, StatusCode};
    /// use organizr_auth_core::{Authenticator, Config, GroupLevel, Policy, RequestHead, Secret, Verdict, proxy::Peer};
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?));
    /// let mut headers = HeaderMap::new();
    /// let head = RequestHead { method: "GET", query: None, headers: &mut headers };
    /// match auth.process(head, &Peer::Unknown, Policy::require(GroupLevel::ADMIN)) {
    ///     Verdict::Reject(rejection) => assert_eq!(rejection.status(), StatusCode::UNAUTHORIZED),
    ///     Verdict::Allow(_) => unreachable!("anonymous is not admin"),
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn process<H: HeaderAccessMut>(
        &self,
        head: RequestHead<'_, H>,
        peer: &Peer,
        policy: Policy,
    ) -> Verdict {
        // One trust decision per request, for both sanitising and resolving.
        let trusted = self.proxies.trusts(peer);
        let stripped = self.strip_for(head.headers, trusted);
        if stripped > 0 {
            tracing::debug!(
                ?peer,
                trusted,
                stripped,
                "removed identity headers a client may have sent"
            );
        }
        let auth = self.resolve_for(&*head.headers, head.query, trusted);
        self.process_resolved(head, auth, policy)
    }

    /// The second half of [`Authenticator::process`], for a request that an
    /// outer layer of the same adapter already sanitised and resolved: authorize
    /// `auth` against `policy` and, if the policy asks, write the downstream
    /// headers. Stacked layers (a pass-through layer for the whole app and a
    /// stricter one per route) call this instead of deciding twice, so that an
    /// inner layer never mistakes the outer layer's downstream headers for a
    /// proxy's.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use organizr_auth_core::{
    ///     Authentication, Authenticator, Config, GroupLevel, Identity, Policy, RequestHead, Secret, Source, Verdict,
    /// };
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?));
    /// let alice = Authentication::Authenticated(Identity::new("alice", GroupLevel::USER, Source::Token));
    /// let mut headers = HeaderMap::new();
    /// let head = RequestHead { method: "GET", query: None, headers: &mut headers };
    /// let verdict = auth.process_resolved(head, alice, Policy::require(GroupLevel::USER).with_downstream_headers(true));
    /// assert!(matches!(verdict, Verdict::Allow(_)));
    /// assert_eq!(headers["x-organizr-user"], "alice");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn process_resolved<H: HeaderAccessMut>(
        &self,
        head: RequestHead<'_, H>,
        auth: Authentication,
        policy: Policy,
    ) -> Verdict {
        if let Err(rejection) = self.authorize(&auth, policy.required, head.method, &*head.headers)
        {
            return Verdict::Reject(rejection);
        }
        if policy.downstream_headers {
            strip_matching(head.headers, &DOWNSTREAM_HEADERS);
            if let Some(identity) = auth.identity() {
                for (name, value) in identity.headers() {
                    head.headers.insert_header(name, value);
                }
            }
        }
        Verdict::Allow(auth)
    }

    /// Authorizes an already resolved request against `required`, logs the
    /// decision, and on denial builds the [`Rejection`] (see
    /// [`Authenticator::rejection`]). [`Authenticator::process`] uses it; so do
    /// extractors that demand a level of their own.
    ///
    /// ```
    /// use http::{HeaderMap, StatusCode};
    /// use organizr_auth_core::{Authentication, Authenticator, Config, GroupLevel, Identity, Secret, Source};
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?));
    /// let user = Authentication::Authenticated(Identity::new("alice", GroupLevel::USER, Source::Token));
    /// assert!(auth.authorize(&user, GroupLevel::USER, "GET", &HeaderMap::new()).is_ok());
    /// let refused = auth.authorize(&user, GroupLevel::ADMIN, "GET", &HeaderMap::new()).unwrap_err();
    /// assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn authorize(
        &self,
        auth: &Authentication,
        required: GroupLevel,
        method: &str,
        headers: &impl HeaderAccess,
    ) -> Result<(), Rejection> {
        match auth.authorize(required) {
            Ok(()) => {
                match auth {
                    Authentication::Authenticated(id) => tracing::debug!(
                        user = %id.username, level = id.group_id.get(), source = %id.source,
                        required = required.get(), "request allowed"
                    ),
                    Authentication::Anonymous { refused } => tracing::debug!(
                        refused = refused.as_ref().map(tracing::field::display),
                        required = required.get(),
                        "anonymous request allowed"
                    ),
                }
                Ok(())
            }
            Err(denial) => {
                match &denial {
                    Denial::Unauthenticated { refused } => tracing::info!(
                        refused = refused.as_ref().map(tracing::field::display),
                        required = required.get(),
                        "request refused: not authenticated"
                    ),
                    Denial::Forbidden { level, required } => tracing::info!(
                        user = auth
                            .identity()
                            .map(|i| tracing::field::display(&i.username)),
                        level = level.get(),
                        required = required.get(),
                        "request refused: level too low"
                    ),
                }
                Err(self.rejection(denial, method, headers))
            }
        }
    }

    /// Like [`Authenticator::authorize`], for extractors that hand a handler the
    /// identity: an anonymous request is refused as unauthenticated even where
    /// the level would admit guests, since there is no identity to hand out.
    ///
    /// ```
    /// use http::{HeaderMap, StatusCode};
    /// use organizr_auth_core::{Authentication, Authenticator, Config, GroupLevel, Identity, Secret, Source};
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?));
    /// let alice = Authentication::Authenticated(Identity::new("alice", GroupLevel::USER, Source::Token));
    /// let id = auth
    ///     .authorize_identity(&alice, GroupLevel::LOGGED_IN, "GET", &HeaderMap::new())
    ///     .map_err(|rejection| rejection.body())?;
    /// assert_eq!(id.username, "alice");
    /// let anonymous = Authentication::Anonymous { refused: None };
    /// let refused = auth.authorize_identity(&anonymous, GroupLevel::GUEST, "GET", &HeaderMap::new()).unwrap_err();
    /// assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn authorize_identity<'a>(
        &self,
        auth: &'a Authentication,
        required: GroupLevel,
        method: &str,
        headers: &impl HeaderAccess,
    ) -> Result<&'a Identity, Rejection> {
        self.authorize(auth, required, method, headers)?;
        auth.identity().ok_or_else(|| {
            self.rejection(Denial::Unauthenticated { refused: None }, method, headers)
        })
    }

    /// How to answer a denied request: 401 (with `WWW-Authenticate: Bearer` when
    /// bearer tokens are accepted), 403, or, for unauthenticated requests that
    /// accept `text/html` when a login URL is configured, a redirect to it (302
    /// for `GET`/`HEAD`, 303 otherwise). A 403 is never turned into a redirect:
    /// logging in again would not help.
    ///
    /// ```
    /// use http::{HeaderMap, StatusCode};
    /// use organizr_auth_core::{Authenticator, Config, Denial, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?).login_url("https://organizr.example/")?);
    /// let mut browser = HeaderMap::new();
    /// browser.insert("accept", "text/html".parse()?);
    /// let anonymous = Denial::Unauthenticated { refused: None };
    /// assert_eq!(auth.rejection(anonymous.clone(), "GET", &browser).status(), StatusCode::FOUND);
    /// assert_eq!(auth.rejection(anonymous.clone(), "POST", &browser).status(), StatusCode::SEE_OTHER);
    /// assert_eq!(auth.rejection(anonymous, "GET", &HeaderMap::new()).status(), StatusCode::UNAUTHORIZED);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rejection(
        &self,
        denial: Denial,
        method: &str,
        headers: &impl HeaderAccess,
    ) -> Rejection {
        let redirect = match (&denial, &self.login_url) {
            (Denial::Unauthenticated { .. }, Some(url)) if accepts_html(headers) => {
                Some(url.clone())
            }
            _ => None,
        };
        let kind = match redirect {
            Some(location) => {
                let status = if method == "GET" || method == "HEAD" {
                    StatusCode::FOUND
                } else {
                    StatusCode::SEE_OTHER
                };
                RejectionKind::Redirect { status, location }
            }
            None => match denial {
                Denial::Unauthenticated { .. } => RejectionKind::Unauthorized {
                    bearer: self.accept_bearer,
                },
                Denial::Forbidden { .. } => RejectionKind::Forbidden,
            },
        };
        Rejection { denial, kind }
    }
}

/// Removes every header whose name folds (case, `_`) to one of `names`.
fn strip_matching(headers: &mut impl HeaderAccessMut, names: &[HeaderName]) -> usize {
    strip_where(headers, |candidate| {
        names
            .iter()
            .any(|n| same_header_name(candidate, n.as_str()))
    })
}

/// Removes only the `_` spellings of `names` (`remote_user` for `remote-user`).
fn strip_underscore_spellings(headers: &mut impl HeaderAccessMut, names: &[HeaderName]) -> usize {
    strip_where(headers, |candidate| {
        candidate.contains('_')
            && names
                .iter()
                .any(|n| same_header_name(candidate, n.as_str()))
    })
}

fn strip_where(headers: &mut impl HeaderAccessMut, doomed: impl Fn(&str) -> bool) -> usize {
    // Allocate only when there is something to remove, which is rare.
    if !headers.header_names().any(&doomed) {
        return 0;
    }
    let names: Vec<String> = headers
        .header_names()
        .filter(|n| doomed(n))
        .map(str::to_owned)
        .collect();
    for name in &names {
        headers.remove_header(name);
    }
    names.len()
}

/// Whether any `Accept` header lists `text/html` with a non-zero quality.
fn accepts_html(headers: &impl HeaderAccess) -> bool {
    headers
        .header_values("accept")
        .flat_map(|v| v.split(|&b| b == b','))
        .any(|range| {
            let mut parts = range.split(|&b| b == b';');
            let media = parts.next().unwrap_or_default().trim_ascii();
            media.eq_ignore_ascii_case(b"text/html")
                && !parts.any(|p| {
                    let p = p.trim_ascii();
                    p.len() >= 2
                        && p.get(..2).is_some_and(|k| k.eq_ignore_ascii_case(b"q="))
                        && p.get(2..)
                            .is_some_and(|q| q.iter().all(|&c| c == b'0' || c == b'.'))
                })
        })
}

/// What an adapter hands to [`Authenticator::process`]: the parts of a request
/// that matter, with mutable headers.
///
/// ```
/// use http::HeaderMap;
/// use organizr_auth_core::RequestHead;
/// let mut headers = HeaderMap::new();
/// let head = RequestHead { method: "GET", query: Some("apikey=x"), headers: &mut headers };
/// assert_eq!(head.query, Some("apikey=x"));
/// ```
#[derive(Debug)]
pub struct RequestHead<'a, H> {
    /// The method, e.g. `"GET"` (decides between 302 and 303 redirects).
    pub method: &'a str,
    /// The query string without `?`.
    pub query: Option<&'a str>,
    /// The request's headers; sanitised and, with downstream headers, extended.
    pub headers: &'a mut H,
}

/// What a route demands of a request.
///
/// ```
/// use organizr_auth_core::{GroupLevel, Policy};
/// let admin_only = Policy::require(GroupLevel::ADMIN);
/// let public = Policy::pass_through().with_downstream_headers(true);
/// assert_eq!(public.required(), GroupLevel::GUEST);
/// assert!(!admin_only.downstream_headers());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    required: GroupLevel,
    downstream_headers: bool,
}

impl Policy {
    /// Requests below `required` are refused (401 when anonymous, 403 when the
    /// level is too low).
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, Policy};
    /// assert_eq!(Policy::require(GroupLevel::USER).required(), GroupLevel::USER);
    /// ```
    pub const fn require(required: GroupLevel) -> Self {
        Self {
            required,
            downstream_headers: false,
        }
    }

    /// Never refuses: only attaches the identity (requires
    /// [`GroupLevel::GUEST`]).
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, Policy};
    /// assert_eq!(Policy::pass_through(), Policy::require(GroupLevel::GUEST));
    /// ```
    pub const fn pass_through() -> Self {
        Self::require(GroupLevel::GUEST)
    }

    /// Whether to write the verified identity onto the request as
    /// [`DOWNSTREAM_HEADERS`] (after removing any copies it already had).
    ///
    /// ```
    /// use organizr_auth_core::Policy;
    /// assert!(Policy::pass_through().with_downstream_headers(true).downstream_headers());
    /// ```
    pub const fn with_downstream_headers(mut self, enabled: bool) -> Self {
        self.downstream_headers = enabled;
        self
    }

    /// The level required.
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, Policy};
    /// assert_eq!(Policy::pass_through().required().get(), 999);
    /// ```
    pub const fn required(&self) -> GroupLevel {
        self.required
    }

    /// Whether downstream headers are written.
    ///
    /// ```
    /// use organizr_auth_core::Policy;
    /// assert!(!Policy::pass_through().downstream_headers());
    /// ```
    pub const fn downstream_headers(&self) -> bool {
        self.downstream_headers
    }
}

/// The outcome of [`Authenticator::process`].
///
/// ```
/// use http::HeaderMap;
/// use organizr_auth_core::{Authenticator, Config, Policy, RequestHead, Secret, Verdict, proxy::Peer};
/// let auth = Authenticator::new(Config::new(Secret::new("k")?));
/// let mut headers = HeaderMap::new();
/// let head = RequestHead { method: "GET", query: None, headers: &mut headers };
/// let Verdict::Allow(who) = auth.process(head, &Peer::Unknown, Policy::pass_through()) else {
///     unreachable!("pass-through never refuses");
/// };
/// assert!(who.identity().is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Verdict {
    /// Let the request through, with this authentication attached.
    Allow(Authentication),
    /// Answer with this rejection instead.
    Reject(Rejection),
}

/// A refused request's answer, ready for an adapter to turn into a response.
/// The body is safe to show anyone; the precise reason is in
/// [`Rejection::denial`].
///
/// ```
/// use http::{HeaderMap, StatusCode};
/// use organizr_auth_core::{Authenticator, Config, Denial, GroupLevel, Secret};
/// let auth = Authenticator::new(Config::new(Secret::new("k")?));
/// let too_low = Denial::Forbidden { level: GroupLevel::USER, required: GroupLevel::ADMIN };
/// let rejection = auth.rejection(too_low, "GET", &HeaderMap::new());
/// assert_eq!(rejection.status(), StatusCode::FORBIDDEN);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    denial: Denial,
    kind: RejectionKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum RejectionKind {
    Unauthorized {
        bearer: bool,
    },
    Forbidden,
    Redirect {
        status: StatusCode,
        location: HeaderValue,
    },
}

impl Rejection {
    /// Why the request was refused.
    ///
    /// ```
    /// use http::{HeaderMap, StatusCode};
    /// use organizr_auth_core::{Authenticator, Config, Denial, GroupLevel, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?));
    /// let too_low = Denial::Forbidden { level: GroupLevel::USER, required: GroupLevel::ADMIN };
    /// let rejection = auth.rejection(too_low, "GET", &HeaderMap::new());
    /// assert!(matches!(rejection.denial(), Denial::Forbidden { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn denial(&self) -> &Denial {
        &self.denial
    }

    /// 401, 403, or 302/303 for a login redirect.
    ///
    /// ```
    /// use http::{HeaderMap, StatusCode};
    /// use organizr_auth_core::{Authenticator, Config, Denial, GroupLevel, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?));
    /// let too_low = Denial::Forbidden { level: GroupLevel::USER, required: GroupLevel::ADMIN };
    /// let rejection = auth.rejection(too_low, "GET", &HeaderMap::new());
    /// assert_eq!(rejection.status(), StatusCode::FORBIDDEN);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn status(&self) -> StatusCode {
        match &self.kind {
            RejectionKind::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            RejectionKind::Forbidden => StatusCode::FORBIDDEN,
            RejectionKind::Redirect { status, .. } => *status,
        }
    }

    /// Whether this is a redirect to the login page.
    ///
    /// ```
    /// use http::{HeaderMap, StatusCode};
    /// use organizr_auth_core::{Authenticator, Config, Denial, GroupLevel, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?));
    /// let too_low = Denial::Forbidden { level: GroupLevel::USER, required: GroupLevel::ADMIN };
    /// let rejection = auth.rejection(too_low, "GET", &HeaderMap::new());
    /// assert!(!rejection.is_redirect());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_redirect(&self) -> bool {
        matches!(self.kind, RejectionKind::Redirect { .. })
    }

    /// Headers the response must carry: `WWW-Authenticate` or `Location`, a
    /// plain-text `Content-Type`, and `Cache-Control: no-store`.
    ///
    /// ```
    /// use http::{HeaderMap, StatusCode};
    /// use organizr_auth_core::{Authenticator, Config, Denial, GroupLevel, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?));
    /// let too_low = Denial::Forbidden { level: GroupLevel::USER, required: GroupLevel::ADMIN };
    /// let rejection = auth.rejection(too_low, "GET", &HeaderMap::new());
    /// assert!(rejection.headers().any(|(name, value)| name == "cache-control" && value == "no-store"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn headers(&self) -> impl Iterator<Item = (HeaderName, HeaderValue)> {
        let extra = match &self.kind {
            RejectionKind::Unauthorized { bearer: true } => Some((
                http::header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"Organizr\""),
            )),
            RejectionKind::Unauthorized { bearer: false } | RejectionKind::Forbidden => None,
            RejectionKind::Redirect { location, .. } => {
                Some((http::header::LOCATION, location.clone()))
            }
        };
        [
            (
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            // A refusal depends on the request's credentials: no shared cache may
            // keep it (nor a redirect to the login page) for someone else.
            (
                http::header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            ),
        ]
        .into_iter()
        .chain(extra)
    }

    /// A short plain-text body that reveals nothing about the reason.
    ///
    /// ```
    /// use http::{HeaderMap, StatusCode};
    /// use organizr_auth_core::{Authenticator, Config, Denial, GroupLevel, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?));
    /// let too_low = Denial::Forbidden { level: GroupLevel::USER, required: GroupLevel::ADMIN };
    /// let rejection = auth.rejection(too_low, "GET", &HeaderMap::new());
    /// assert!(rejection.body().starts_with("403"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn body(&self) -> &'static str {
        match &self.kind {
            RejectionKind::Unauthorized { .. } => "401 Unauthorized: sign in to Organizr\n",
            RejectionKind::Forbidden => "403 Forbidden: your Organizr group may not open this\n",
            RejectionKind::Redirect { .. } => "sign in to Organizr\n",
        }
    }

    /// The rejection as an `http::Response` with a `String` body.
    ///
    /// ```
    /// use http::{HeaderMap, StatusCode};
    /// use organizr_auth_core::{Authenticator, Config, Denial, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("k")?));
    /// let rejection = auth.rejection(Denial::Unauthenticated { refused: None }, "GET", &HeaderMap::new());
    /// let response = rejection.to_response();
    /// assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    /// assert_eq!(response.headers()["www-authenticate"], "Bearer realm=\"Organizr\"");
    /// assert_eq!(response.headers()["cache-control"], "no-store");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_response(&self) -> http::Response<String> {
        let mut response = http::Response::new(self.body().to_owned());
        *response.status_mut() = self.status();
        response.headers_mut().extend(self.headers());
        response
    }
}
