//! Resolution: from the credentials a request carries to an
//! [`Authentication`].
//!
//! # The order
//! 1. **Proxy header.** Only when the socket peer is a trusted proxy: if the
//!    user header is present and non-empty, it names a user at level 998 (any
//!    logged-in user), or at the level of the group header when one is
//!    configured. A repeated or malformed header refuses the whole request
//!    (anonymous), whatever else it carries.
//! 2. **Tokens.** Every copy of the cookie `organizr_token_<uuid>`, then every
//!    `Authorization: Bearer` token (unless switched off), is validated. Copies
//!    that fail are ignored; valid copies must name the same user (if their
//!    levels differ, the less privileged one is used). More than
//!    [`MAX_TOKEN_CANDIDATES`] copies, or the cookie name repeated more than
//!    [`MAX_COOKIE_NAME_OCCURRENCES`] times, refuse the request. A token that
//!    passed every check before is found in the [cache of verified
//!    tokens](crate::token_cache), which checks its times and its session
//!    again instead of its signature and claims.
//! 3. **API key.** If an API key is configured, the `Token` header (and the
//!    `apikey` query parameter when enabled) must all equal it; that is the
//!    user `"Organizr API"` at level 0.
//! 4. **Combine.** If more than one source gave an identity, they must name
//!    the same user (ASCII case-insensitively). The most authoritative one is
//!    kept: the token's (Organizr's own level and e-mail), then the API key's
//!    (level 0 by definition), then the proxy's. **A trusted proxy header and
//!    a valid token that name different users refuse the request**: one of
//!    them is wrong, and guessing which would hand out someone's identity.
//!
//! A refused request is anonymous (level 999), with the first reason kept for
//! logs ([`Refusal`]).

#[cfg(feature = "sessions")]
use std::sync::Arc;
use std::time::SystemTime;

use http::HeaderName;

use crate::config::SessionSource;
use crate::credentials;
use crate::proxy::identity_header::{parse_group_header, parse_groups_header, parse_user_header};
use crate::proxy::{DefaultLevel, GroupMap, split_groups};
use crate::token_cache::{Entry, SessionRow, TokenCache};
use crate::{
    API_KEY_USER, ApiKey, Authentication, Claims, GroupLevel, HeaderAccess, Identity,
    ProxyHeaderError, Refusal, Source, TokenValidator,
};

/// The most token copies (cookies plus bearer) checked for one request. Real
/// browsers send at most two; more refuse the request outright, so that a
/// request stuffed with cookies cannot buy unbounded HMAC work.
///
/// ```
/// assert_eq!(organizr_auth_core::resolve::MAX_TOKEN_CANDIDATES, 8);
/// ```
pub const MAX_TOKEN_CANDIDATES: usize = 8;

pub use crate::credentials::MAX_NAME_OCCURRENCES as MAX_COOKIE_NAME_OCCURRENCES;

/// Turns a request's credentials into an [`Authentication`]. Holds everything
/// resolution needs and nothing else.
#[derive(Debug)]
pub(crate) struct Resolver {
    /// `None`: tokens are not accepted (proxy-only mode).
    pub(crate) validator: Option<TokenValidator>,
    /// Tokens that passed every check under `validator`'s key (built with
    /// it, never given another key).
    pub(crate) cache: TokenCache,
    pub(crate) cookie_name: String,
    /// The search for `cookie_name`, prepared once.
    pub(crate) cookie_finder: credentials::CookieFinder,
    pub(crate) api_key: Option<ApiKey>,
    pub(crate) api_key_query: bool,
    pub(crate) accept_bearer: bool,
    pub(crate) proxy: ProxyHeaders,
    pub(crate) sessions: SessionSource,
}

/// What a trusted proxy's identity headers are, and how they give a level.
#[derive(Debug, Clone)]
pub(crate) struct ProxyHeaders {
    pub(crate) user: HeaderName,
    pub(crate) level: ProxyLevel,
    pub(crate) email: Option<HeaderName>,
    pub(crate) name: Option<HeaderName>,
}

/// How a proxy user's level is found.
#[derive(Debug, Clone)]
pub(crate) enum ProxyLevel {
    /// No group header: every proxy user gets this.
    Fixed(DefaultLevel),
    /// A header with the level as a number; a user without it is refused.
    Numeric(HeaderName),
    /// A header with group names, mapped; no mapped group gives `default`.
    Names {
        header: HeaderName,
        map: GroupMap,
        default: DefaultLevel,
    },
}

impl ProxyHeaders {
    /// Every header name a trusted proxy's identity can be in (user first).
    pub(crate) fn names(&self) -> Vec<HeaderName> {
        let level = match &self.level {
            ProxyLevel::Fixed(_) => None,
            ProxyLevel::Numeric(header) | ProxyLevel::Names { header, .. } => Some(header),
        };
        [
            Some(&self.user),
            level,
            self.email.as_ref(),
            self.name.as_ref(),
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect()
    }
}

/// What resolution found.
#[derive(Debug)]
pub(crate) struct Resolution {
    pub(crate) authentication: Authentication,
    /// A trusted proxy's identity headers were read and accepted: they may
    /// reach the handler.
    pub(crate) proxy_accepted: bool,
}

impl Resolver {
    /// Resolves `headers` (and `query`, for the API key). `trusted`: the
    /// socket peer is a trusted proxy, so its identity headers are read.
    pub(crate) fn resolve(
        &self,
        headers: &impl HeaderAccess,
        query: Option<&str>,
        trusted: bool,
    ) -> Resolution {
        match self.identify(headers, query, trusted) {
            Ok((Some(identity), proxy_accepted)) => Resolution {
                authentication: Authentication::Authenticated(identity),
                proxy_accepted,
            },
            Ok((None, _)) => Resolution {
                authentication: Authentication::Anonymous { refused: None },
                proxy_accepted: false,
            },
            Err(refused) => Resolution {
                authentication: Authentication::Anonymous {
                    refused: Some(refused),
                },
                proxy_accepted: false,
            },
        }
    }

    fn identify(
        &self,
        headers: &impl HeaderAccess,
        query: Option<&str>,
        trusted: bool,
    ) -> Result<(Option<Identity>, bool), Refusal> {
        let proxy = if trusted {
            self.proxy_identity(headers)?
        } else {
            None
        };
        let proxy_accepted = proxy.is_some();
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
            (Some(identity), _) => Ok((Some(identity), proxy_accepted)),
            (None, Some(refused)) => Err(refused),
            (None, None) => Ok((None, false)),
        }
    }

    /// The identity a trusted proxy's headers state (the caller checked trust).
    fn proxy_identity(&self, headers: &impl HeaderAccess) -> Result<Option<Identity>, Refusal> {
        let proxy = &self.proxy;
        let Some(user) = parse_user_header(headers.header_values(proxy.user.as_str()))
            .map_err(Refusal::ProxyHeader)?
        else {
            return Ok(None);
        };
        let level = match &proxy.level {
            ProxyLevel::Fixed(default) => default_level(*default)?,
            ProxyLevel::Numeric(name) => parse_group_header(headers.header_values(name.as_str()))
                .map_err(Refusal::ProxyHeader)?
                .ok_or(Refusal::ProxyHeader(ProxyHeaderError::MissingGroup))?,
            ProxyLevel::Names {
                header,
                map,
                default,
            } => {
                let groups = parse_groups_header(headers.header_values(header.as_str()))
                    .map_err(Refusal::ProxyHeader)?;
                match groups.and_then(|g| map.level_of(split_groups(g))) {
                    Some(level) => level,
                    None => default_level(*default)?,
                }
            }
        };
        // E-mail and display name follow the user header's rules; a bad one
        // refuses the request rather than being dropped quietly.
        let text = |header: &Option<HeaderName>| -> Result<Option<String>, Refusal> {
            match header {
                None => Ok(None),
                Some(name) => parse_user_header(headers.header_values(name.as_str()))
                    .map(|v| v.map(str::to_owned))
                    .map_err(Refusal::ProxyHeader),
            }
        };
        let mut identity = Identity::new(user, level, Source::Proxy);
        identity.email = text(&proxy.email)?;
        identity.display_name = text(&proxy.name)?;
        Ok(Some(identity))
    }

    fn token_identity(
        &self,
        headers: &impl HeaderAccess,
        refused: &mut Option<Refusal>,
    ) -> Result<Option<Identity>, Refusal> {
        let Some(validator) = &self.validator else {
            // Proxy-only mode: tokens are ignored (said once at start-up).
            return Ok(None);
        };
        let mut cookies = credentials::cookie_values(headers, &self.cookie_finder);
        let bearer = self
            .accept_bearer
            .then(|| credentials::bearer_tokens(headers))
            .into_iter()
            .flatten();
        // One clock reading for the token's times and the session's expiry.
        let now = SystemTime::now();
        let mut found: Option<Identity> = None;
        for (index, token) in cookies.by_ref().chain(bearer).enumerate() {
            if index >= MAX_TOKEN_CANDIDATES {
                return Err(Refusal::TooManyTokens);
            }
            let identity = match self.token_identity_of(validator, token, now) {
                Ok(identity) => identity,
                // A locked user is refused outright, whatever other copy
                // or credential the request carries.
                Err(Refusal::Locked) => return Err(Refusal::Locked),
                Err(refusal) => {
                    refused.get_or_insert(refusal);
                    continue;
                }
            };
            match &found {
                None => found = Some(identity),
                Some(prev) if prev.username.eq_ignore_ascii_case(&identity.username) => {
                    // Same user, two valid copies (one stale): trust the less
                    // privileged one.
                    if identity.group_id > prev.group_id {
                        found = Some(identity);
                    }
                }
                Some(_) => return Err(Refusal::Conflict),
            }
        }
        if cookies.overflowed() {
            return Err(Refusal::TooManyTokens);
        }
        Ok(found)
    }

    /// The identity one token gives, or why it gives none: from the cache
    /// when the exact token passed every check before (its times and its
    /// session are checked again), else from every check, after which it is
    /// remembered.
    pub(crate) fn token_identity_of(
        &self,
        validator: &TokenValidator,
        token: &str,
        now: SystemTime,
    ) -> Result<Identity, Refusal> {
        let hit = self
            .cache
            .lookup(token, |entry| self.recheck(validator, entry, token, now));
        match hit {
            Some(Recheck::Same(identity)) => return Ok(identity),
            Some(Recheck::Refused(refusal)) => {
                if refusal == Refusal::Token(crate::TokenError::Expired) {
                    // It never becomes valid again: free its place.
                    self.cache.remove(token);
                }
                return Err(refusal);
            }
            #[cfg(feature = "sessions")]
            Some(Recheck::UserChanged(user, claims)) => {
                // The user's row changed (or the snapshot was reloaded): the
                // identity a miss would build, remembered in place of the old.
                let identity = Identity::from_session(&user, claims.clone());
                self.cache
                    .insert(Entry::new(token, claims, Some(user), identity.clone()));
                return Ok(identity);
            }
            None => {}
        }
        let claims = validator.validate_at(token, now).map_err(Refusal::Token)?;
        if !self.cache.is_enabled() {
            return self
                .session_identity(token, claims, now)
                .map(|(identity, _)| identity);
        }
        let (identity, user) = self.session_identity(token, claims.clone(), now)?;
        // Every check passed: only now may it enter.
        self.cache
            .insert(Entry::new(token, claims, user, identity.clone()));
        Ok(identity)
    }

    /// What a cache hit still checks: the times against `now`, and the
    /// session in the current snapshot.
    fn recheck(
        &self,
        validator: &TokenValidator,
        entry: &Entry,
        token: &str,
        now: SystemTime,
    ) -> Recheck {
        if let Err(error) = validator.check_times(&entry.claims, now) {
            return Recheck::Refused(Refusal::Token(error));
        }
        match &self.sessions {
            SessionSource::Stateless => {
                let _ = token;
                Recheck::Same(entry.identity.clone())
            }
            #[cfg(feature = "sessions")]
            SessionSource::Store(store) => match live_session(store, token, &entry.claims, now) {
                Ok(user) => match &entry.user {
                    Some(was) if Arc::ptr_eq(was, &user) || **was == *user => {
                        Recheck::Same(entry.identity.clone())
                    }
                    _ => Recheck::UserChanged(user, entry.claims.clone()),
                },
                Err(refusal) => Recheck::Refused(refusal),
            },
        }
    }

    /// The identity of a token whose signature and claims are valid: the
    /// claims when stateless; with Organizr's sessions, the user's current row
    /// while the session is live (the signature was checked first: Organizr
    /// would accept a forged token that sits in its table, this must not).
    fn session_identity(
        &self,
        token: &str,
        claims: Claims,
        now: SystemTime,
    ) -> Result<(Identity, SessionRow), Refusal> {
        match &self.sessions {
            SessionSource::Stateless => {
                let _ = (token, now);
                Ok((Identity::from_claims(claims), SessionRow::default()))
            }
            #[cfg(feature = "sessions")]
            SessionSource::Store(store) => {
                let user = live_session(store, token, &claims, now)?;
                Ok((Identity::from_session(&user, claims), Some(user)))
            }
        }
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
}

/// What a cache hit's checks found.
enum Recheck {
    /// Still valid, and the same identity.
    Same(Identity),
    /// Refused now (expired, session ended, locked, sessions unavailable).
    Refused(Refusal),
    /// Still valid, but the user's row is not the one the entry was built
    /// from.
    #[cfg(feature = "sessions")]
    UserChanged(Arc<crate::session::SessionUser>, Claims),
}

/// The user's current row while `token`'s session is live in `store`, else
/// why not. The one place a session answer becomes a refusal, for a full
/// check and a cache hit alike.
#[cfg(feature = "sessions")]
fn live_session(
    store: &crate::session::SessionStore,
    token: &str,
    claims: &Claims,
    now: SystemTime,
) -> Result<Arc<crate::session::SessionUser>, Refusal> {
    use crate::session::SessionCheck;
    // Organizr looks sessions up by the token's `userID`: without one there
    // is no session to find.
    let user_id = claims.user_id.ok_or(Refusal::SessionEnded)?;
    match store.check(token, user_id, now) {
        SessionCheck::Live(user) => Ok(user),
        SessionCheck::Locked => Err(Refusal::Locked),
        SessionCheck::NoSession => Err(Refusal::SessionEnded),
        // Unavailable, and anything a later version adds: fail closed.
        _ => Err(Refusal::SessionsUnavailable),
    }
}

/// A proxy user's level when no group gives one: the default, or a refusal.
fn default_level(default: DefaultLevel) -> Result<GroupLevel, Refusal> {
    match default {
        DefaultLevel::Level(level) => Ok(level),
        DefaultLevel::Refuse => Err(Refusal::ProxyHeader(ProxyHeaderError::NoMappedGroup)),
    }
}
