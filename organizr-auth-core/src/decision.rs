//! The decision: what a route demands ([`Policy`]), what an adapter hands in
//! ([`RequestHead`]), and what comes out ([`Verdict`]: an [`Admission`] or a
//! [`Rejection`]).
//!
//! # Stacked middleware decide once
//! An app often has a pass-through middleware for every route and a stricter
//! one on some routes. The outer one strips and resolves; an inner one built
//! from the *same* [`Authenticator`] reuses the outer one's [`Admission`]
//! (the adapters pass it back in as `earlier`) and only applies its own
//! policy. Deciding again would read the request after the outer middleware
//! rewrote it (its downstream headers would look like a proxy's). Middleware
//! built from different authenticators each decide on their own.

use std::fmt;
use std::sync::Arc;

use crate::access::AccessPolicy;

use crate::{
    Authentication, Authenticator, Denial, GroupLevel, HeaderAccess, Identity, Peer, Rejection,
    UserLevel,
};

/// What an adapter hands to [`Authenticator::admit`]: the parts of a request
/// that matter, with mutable headers.
///
/// ```
/// use http::HeaderMap;
/// use organizr_auth_core::RequestHead;
/// let mut headers = HeaderMap::new();
/// let head = RequestHead::new("GET", "/photos", Some("apikey=x"), &mut headers);
/// assert_eq!((head.method(), head.path(), head.query()), ("GET", "/photos", Some("apikey=x")));
/// ```
#[derive(Debug)]
pub struct RequestHead<'a, H> {
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    pub(crate) headers: &'a mut H,
}

impl<'a, H> RequestHead<'a, H> {
    /// The method (decides between 302 and 303 redirects; logged), the path
    /// (logged with every refusal), the query string without `?` (read for the
    /// `apikey` parameter when enabled), and the headers (sanitised and, with
    /// downstream headers, extended).
    ///
    /// ```
    /// use http::HeaderMap;
    /// use organizr_auth_core::RequestHead;
    /// let mut headers = HeaderMap::new();
    /// let head = RequestHead::new("POST", "/", None, &mut headers);
    /// assert_eq!(head.query(), None);
    /// ```
    pub fn new(method: &'a str, path: &'a str, query: Option<&'a str>, headers: &'a mut H) -> Self {
        Self {
            method,
            path,
            query,
            headers,
        }
    }

    /// The method.
    ///
    /// ```
    /// # let mut h = http::HeaderMap::new();
    /// assert_eq!(organizr_auth_core::RequestHead::new("GET", "/", None, &mut h).method(), "GET");
    /// ```
    pub fn method(&self) -> &'a str {
        self.method
    }

    /// The path.
    ///
    /// ```
    /// # let mut h = http::HeaderMap::new();
    /// assert_eq!(organizr_auth_core::RequestHead::new("GET", "/x", None, &mut h).path(), "/x");
    /// ```
    pub fn path(&self) -> &'a str {
        self.path
    }

    /// The query string, without `?`.
    ///
    /// ```
    /// # let mut h = http::HeaderMap::new();
    /// assert_eq!(organizr_auth_core::RequestHead::new("GET", "/", Some("a=1"), &mut h).query(), Some("a=1"));
    /// ```
    pub fn query(&self) -> Option<&'a str> {
        self.query
    }
}

/// What a route demands of a request: a group level, optionally IP allow
/// and deny lists ([`with_access`](Policy::with_access)), and whether to
/// write the identity onto the request for the handler. The default requires
/// any logged-in user (level 998), has no lists and writes no downstream
/// headers.
///
/// ```
/// use organizr_auth_core::{GroupLevel, Policy};
/// let admin_only = Policy::require(GroupLevel::ADMIN);
/// let public = Policy::pass_through().with_downstream_headers(true);
/// assert_eq!(public.required(), GroupLevel::GUEST);
/// assert!(!admin_only.downstream_headers());
/// assert_eq!(Policy::default().required(), GroupLevel::LOGGED_IN);
/// ```
#[derive(Debug, Clone)]
pub struct Policy {
    required: GroupLevel,
    downstream_headers: bool,
    access: Option<AccessPolicy>,
}

/// Equal when the levels and the downstream-headers settings are, and the
/// access policies are the same one (clones of one value) or both absent.
impl PartialEq for Policy {
    fn eq(&self, other: &Self) -> bool {
        self.required == other.required
            && self.downstream_headers == other.downstream_headers
            && match (&self.access, &other.access) {
                (None, None) => true,
                (Some(a), Some(b)) => a.same(b),
                _ => false,
            }
    }
}

impl Eq for Policy {}

impl Default for Policy {
    fn default() -> Self {
        Self::require(GroupLevel::LOGGED_IN)
    }
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
            access: None,
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

    /// The same policy at another level, keeping the other settings.
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, Policy};
    /// let p = Policy::pass_through().with_downstream_headers(true).with_required(GroupLevel::ADMIN);
    /// assert_eq!((p.required(), p.downstream_headers()), (GroupLevel::ADMIN, true));
    /// ```
    #[must_use]
    pub fn with_required(mut self, required: GroupLevel) -> Self {
        self.required = required;
        self
    }

    /// Whether to write the verified identity onto the request as
    /// [`DOWNSTREAM_HEADERS`](crate::DOWNSTREAM_HEADERS) (after removing any
    /// copies it already had).
    ///
    /// ```
    /// use organizr_auth_core::Policy;
    /// assert!(Policy::pass_through().with_downstream_headers(true).downstream_headers());
    /// ```
    #[must_use]
    pub fn with_downstream_headers(mut self, enabled: bool) -> Self {
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

    /// The same policy with IP allow and deny lists: an allow-list match goes
    /// on whatever the level, a deny-list match is refused with 403, anything
    /// else meets the level. See [`AccessPolicy`] (and its security notes).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::access::{AccessPolicy, AccessRules};
    /// use organizr_auth_core::{GroupLevel, Policy};
    /// let lan = AccessPolicy::new(AccessRules::from_organizr_query("whitelist=192.168.1.0/24")?);
    /// let policy = Policy::require(GroupLevel::ADMIN).with_access(lan);
    /// assert!(policy.access().is_some());
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn with_access(mut self, access: AccessPolicy) -> Self {
        self.access = Some(access);
        self
    }

    /// The IP lists, if any.
    pub fn access(&self) -> Option<&AccessPolicy> {
        self.access.as_ref()
    }
}

/// The outcome of [`Authenticator::admit`] and
/// [`Authenticator::forward_auth`].
///
/// ```
/// use std::sync::Arc;
/// use http::HeaderMap;
/// use organizr_auth_core::{Authenticator, Config, Peer, Policy, RequestHead, Secret, Verdict};
/// let auth = Arc::new(Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)));
/// let mut headers = HeaderMap::new();
/// let head = RequestHead::new("GET", "/", None, &mut headers);
/// let Verdict::Allow(admission) = auth.admit(head, Peer::Unknown, &Policy::pass_through(), None) else {
///     return Err("pass-through never refuses".into());
/// };
/// assert!(admission.identity().is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub enum Verdict {
    /// Let the request through; attach the admission to it.
    Allow(Admission),
    /// Answer with this rejection instead.
    Reject(Rejection),
}

/// An allowed request's [`Authentication`], stamped with the
/// [`Authenticator`] that decided it. Middleware attaches it to the request;
/// extractors ask it for a user at a level ([`Admission::require`]), and an
/// inner middleware built from the same authenticator reuses it.
///
/// ```
/// use std::sync::Arc;
/// use http::HeaderMap;
/// use organizr_auth_core::{Authenticator, Config, Peer, Policy, RequestHead, Secret, TrustedProxies, UserLevel, Verdict};
/// let config = Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)
///     .trusted_proxies("127.0.0.1".parse::<TrustedProxies>()?);
/// let auth = Arc::new(Authenticator::new(config));
/// let mut headers = HeaderMap::new();
/// headers.insert("remote-user", "alice".parse()?);
/// let head = RequestHead::new("GET", "/", None, &mut headers);
/// let Verdict::Allow(admission) = auth.admit(head, Peer::Tcp("127.0.0.1:9".parse()?), &Policy::pass_through(), None) else {
///     return Err("pass-through never refuses".into());
/// };
/// let alice = admission.require(UserLevel::LOGGED_IN, "GET", "/", &headers).map_err(|r| r.body())?;
/// assert_eq!(alice.username, "alice");
/// let too_low = admission.require(UserLevel::of::<0>(), "GET", "/", &headers).unwrap_err();
/// assert_eq!(too_low.status(), http::StatusCode::FORBIDDEN);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Admission {
    authentication: Authentication,
    issuer: Arc<Authenticator>,
    /// The socket peer, for the extractors' logs.
    peer: Peer,
}

impl Admission {
    pub(crate) fn new(
        authentication: Authentication,
        issuer: Arc<Authenticator>,
        peer: Peer,
    ) -> Self {
        Self {
            authentication,
            issuer,
            peer,
        }
    }

    /// The stacking rule: `earlier`'s authentication, if this authenticator
    /// issued it.
    pub(crate) fn reusable(
        earlier: Option<&Admission>,
        authenticator: &Arc<Authenticator>,
    ) -> Option<Authentication> {
        earlier
            .filter(|a| Arc::ptr_eq(&a.issuer, authenticator))
            .map(|a| a.authentication.clone())
    }

    /// Who the request is.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use http::HeaderMap;
    /// # use organizr_auth_core::{Authenticator, Config, Peer, Policy, RequestHead, Secret, Verdict};
    /// # let auth = Arc::new(Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)));
    /// # let mut headers = HeaderMap::new();
    /// # let head = RequestHead::new("GET", "/", None, &mut headers);
    /// # let Verdict::Allow(admission) = auth.admit(head, Peer::Unknown, &Policy::pass_through(), None) else { return Err("refused".into()) };
    /// use organizr_auth_core::Authentication;
    /// assert_eq!(admission.authentication(), &Authentication::Anonymous { refused: None });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn authentication(&self) -> &Authentication {
        &self.authentication
    }

    /// The verified user, if any.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use http::HeaderMap;
    /// # use organizr_auth_core::{Authenticator, Config, Peer, Policy, RequestHead, Secret, Verdict};
    /// # let auth = Arc::new(Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)));
    /// # let mut headers = HeaderMap::new();
    /// # let head = RequestHead::new("GET", "/", None, &mut headers);
    /// # let Verdict::Allow(admission) = auth.admit(head, Peer::Unknown, &Policy::pass_through(), None) else { return Err("refused".into()) };
    /// assert!(admission.identity().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn identity(&self) -> Option<&Identity> {
        self.authentication.identity()
    }

    /// Takes the authentication out.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use http::HeaderMap;
    /// # use organizr_auth_core::{Authenticator, Config, Peer, Policy, RequestHead, Secret, Verdict};
    /// # let auth = Arc::new(Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)));
    /// # let mut headers = HeaderMap::new();
    /// # let head = RequestHead::new("GET", "/", None, &mut headers);
    /// # let Verdict::Allow(admission) = auth.admit(head, Peer::Unknown, &Policy::pass_through(), None) else { return Err("refused".into()) };
    /// assert!(admission.into_authentication().into_identity().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_authentication(self) -> Authentication {
        self.authentication
    }

    /// The user, if the request has one at `level` or better; otherwise the
    /// rejection the middleware would have sent (401 or a login redirect when
    /// anonymous, 403 when the level is too low). Logs the decision. This is
    /// what extractors call; `method` and `headers` are the request's (they
    /// decide between a 401 and a login redirect).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use http::HeaderMap;
    /// # use organizr_auth_core::{Authenticator, Config, Peer, Policy, RequestHead, Secret, Verdict};
    /// use organizr_auth_core::UserLevel;
    /// # let auth = Arc::new(Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)));
    /// # let mut headers = HeaderMap::new();
    /// # let head = RequestHead::new("GET", "/", None, &mut headers);
    /// # let Verdict::Allow(admission) = auth.admit(head, Peer::Unknown, &Policy::pass_through(), None) else { return Err("refused".into()) };
    /// let refused = admission.require(UserLevel::LOGGED_IN, "GET", "/", &headers).unwrap_err();
    /// assert_eq!(refused.status(), http::StatusCode::UNAUTHORIZED);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn require(
        &self,
        level: UserLevel,
        method: &str,
        path: &str,
        headers: &impl HeaderAccess,
    ) -> Result<&Identity, Rejection> {
        let required = level.get();
        let decided = match (self.authentication.authorize(required), self.identity()) {
            (Ok(()), Some(identity)) => Ok(identity),
            // A level below 999 admits no anonymous request.
            (Ok(()), None) => Err(Denial::Unauthenticated { refused: None }),
            (Err(denial), None | Some(_)) => Err(denial),
        };
        let context = LogContext {
            method,
            path,
            peer: self.peer,
        };
        let outcome = decided.as_ref().map(|_| ()).map_err(Denial::clone);
        self.issuer
            .log_decision(&outcome, &self.authentication, required, &context, headers);
        decided.map_err(|denial| self.issuer.responder.reject(denial, method, headers))
    }
}

impl Admission {
    /// The user, if the request has one at `level` or better; `None`
    /// otherwise. Refuses nothing and logs nothing: this is for the optional
    /// extractors (`Option<OrganizrUser>`, `OptionalUser`), where "no user" is
    /// an answer, not a refusal.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use http::HeaderMap;
    /// # use organizr_auth_core::{Authenticator, Config, Peer, Policy, RequestHead, Secret, Verdict};
    /// use organizr_auth_core::UserLevel;
    /// # let auth = Arc::new(Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)));
    /// # let mut headers = HeaderMap::new();
    /// # let head = RequestHead::new("GET", "/", None, &mut headers);
    /// # let Verdict::Allow(admission) = auth.admit(head, Peer::Unknown, &Policy::pass_through(), None) else { return Err("refused".into()) };
    /// assert!(admission.user_at(UserLevel::LOGGED_IN).is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn user_at(&self, level: UserLevel) -> Option<&Identity> {
        self.identity()
            .filter(|_| self.authentication.authorize(level.get()).is_ok())
    }
}

impl fmt::Debug for Admission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Admission")
            .field("authentication", &self.authentication)
            .finish_non_exhaustive()
    }
}

/// Where a decision was made, for its log line.
pub(crate) struct LogContext<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) peer: Peer,
}
