//! [`AccessPolicy`]: IP allow and deny lists an app attaches to a route,
//! decided by core in the same step as the group check.

use std::fmt;
use std::sync::Arc;

use super::{AccessDecision, AccessRules, ClientAddress, NameResolver, RealIp};
use crate::HeaderAccess;
use crate::proxy::Peer;

/// The allow and deny lists of a route, where its client address comes from,
/// and the resolver for host names in the lists: what a [`Policy`](crate::Policy) carries
/// so that an axum or actix app gets forward-auth's IP rules on its own
/// routes.
///
/// On each request, before the group check, in Organizr's order:
/// - **allow-list match**: the request goes on whatever the policy's level
///   (anonymous too), as in Organizr's `whitelist=`; the identity, if any, is
///   still resolved and handed to the handler, and spoofed identity headers
///   are still removed. An extractor that demands a user still does.
/// - **deny-list match** (or an unknown client, when there is a deny list;
///   an address on both lists is allowed, as in Organizr):
///   **403**, never a login redirect: no login lifts it.
/// - otherwise the group check as usual.
///
/// Cloning is cheap (one shared value).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use http::{HeaderMap, StatusCode};
/// use organizr_auth_core::access::{AccessPolicy, AccessRules, IpList};
/// use organizr_auth_core::{Authenticator, Config, GroupLevel, Peer, Policy, RequestHead, Secret, Verdict};
///
/// let auth = Arc::new(Authenticator::new(
///     Config::new(Secret::new("a-long-random-organizr-hash-value-here")?).uuid("u"),
/// ));
/// // The LAN may open the admin pages without logging in; one network never.
/// let rules = AccessRules::new()
///     .with_allow(IpList::parse("192.168.1.0/24")?)
///     .with_deny(IpList::parse("203.0.113.0/24")?);
/// let admin = Policy::require(GroupLevel::ADMIN).with_access(AccessPolicy::new(rules));
///
/// let mut headers = HeaderMap::new();
/// let at = |ip: &str| Peer::Tcp(format!("{ip}:40000").parse().unwrap());
/// let lan = auth.admit(RequestHead::new("GET", "/admin", None, &mut headers), at("192.168.1.20"), &admin, None);
/// assert!(matches!(lan, Verdict::Allow(_)));
/// let Verdict::Reject(blocked) = auth.admit(RequestHead::new("GET", "/admin", None, &mut headers), at("203.0.113.5"), &admin, None) else {
///     return Err("the deny list let it through".into());
/// };
/// assert_eq!(blocked.status(), StatusCode::FORBIDDEN);
/// let Verdict::Reject(outside) = auth.admit(RequestHead::new("GET", "/admin", None, &mut headers), at("198.51.100.7"), &admin, None) else {
///     return Err("anonymous passed".into());
/// };
/// assert_eq!(outside.status(), StatusCode::UNAUTHORIZED);
/// # Ok(())
/// # }
/// ```
///
/// # Security
/// - The client address is the socket peer unless a [`RealIp`] is given
///   ([`with_real_ip`](Self::with_real_ip)); its `from` list must name your
///   reverse proxy only (see the [module docs](super) on why this is not the
///   trusted-proxy list, and what listing a client network would allow).
///   Behind a proxy without one, every client has the proxy's address: an
///   allow list containing it lets everyone in.
/// - An allow list skips the route's level: anyone at a listed address is
///   admitted without logging in. List addresses, not whole networks with
///   guests or other tenants in them.
/// - Host names in the lists are resolved in the background
///   ([`NameResolver`]); until the first answer (and when a name does not
///   resolve) a name matches nothing: an allow entry lets no one in, a deny
///   entry blocks no one. Prefer addresses in deny lists.
#[derive(Clone)]
pub struct AccessPolicy {
    inner: Arc<Inner>,
}

struct Inner {
    rules: AccessRules,
    real_ip: RealIp,
    names: NameResolver,
}

/// What [`AccessPolicy::check`] found: the client address it used and the
/// decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessCheck {
    /// The address the lists were matched against.
    pub client: ClientAddress,
    /// Allow, deny, or go on with the group check.
    pub decision: AccessDecision,
}

impl AccessPolicy {
    /// `rules`, matched against the socket peer's address, with a resolver
    /// of its own that starts looking up the lists' host names now.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::access::{AccessPolicy, AccessRules};
    /// let policy = AccessPolicy::new(AccessRules::from_organizr_query("blacklist=203.0.113.0/24")?);
    /// assert!(policy.rules().deny().is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(rules: AccessRules) -> Self {
        Self::with_resolver(rules, NameResolver::new())
    }

    /// `rules` with a resolver shared with other policies (one cache and
    /// one set of lookup threads for the whole app).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::access::{AccessPolicy, AccessRules, NameResolver};
    /// let names = NameResolver::new();
    /// let a = AccessPolicy::with_resolver(AccessRules::from_organizr_query("whitelist=10.0.0.0/8")?, names.clone());
    /// let b = AccessPolicy::with_resolver(AccessRules::from_organizr_query("blacklist=10.6.6.6")?, names);
    /// # let _ = (a, b);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_resolver(rules: AccessRules, names: NameResolver) -> Self {
        for list in [rules.allow(), rules.deny()].into_iter().flatten() {
            names.register(list);
        }
        Self {
            inner: Arc::new(Inner {
                rules,
                real_ip: RealIp::default(),
                names,
            }),
        }
    }

    /// Where the client address comes from behind a reverse proxy (nginx's
    /// `set_real_ip_from` and `real_ip_header`).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use http::HeaderMap;
    /// use organizr_auth_core::access::{AccessDecision, AccessPolicy, AccessRules, RealIp, RealIpHeader};
    /// use organizr_auth_core::Peer;
    /// let policy = AccessPolicy::new(AccessRules::from_organizr_query("blacklist=203.0.113.9")?)
    ///     .with_real_ip(RealIp::new("172.18.0.2".parse()?, RealIpHeader::XForwardedFor));
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-forwarded-for", "203.0.113.9".parse()?);
    /// let check = policy.check(&Peer::Tcp("172.18.0.2:1".parse()?), &headers);
    /// assert_eq!(check.decision, AccessDecision::Deny);
    /// // The same header from anyone else is not read.
    /// let check = policy.check(&Peer::Tcp("198.51.100.1:1".parse()?), &headers);
    /// assert_eq!(check.decision, AccessDecision::Continue);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn with_real_ip(self, real_ip: RealIp) -> Self {
        real_ip.warn_about_risks();
        Self {
            inner: Arc::new(Inner {
                rules: self.inner.rules.clone(),
                real_ip,
                names: self.inner.names.clone(),
            }),
        }
    }

    /// The lists.
    pub fn rules(&self) -> &AccessRules {
        &self.inner.rules
    }

    /// Where the client address comes from.
    pub fn real_ip(&self) -> &RealIp {
        &self.inner.real_ip
    }

    /// The client address of a request from `peer`, and what the lists say
    /// about it. Never blocks (host names answer from the resolver's cache).
    pub fn check(&self, peer: &Peer, headers: &impl HeaderAccess) -> AccessCheck {
        let client = self.inner.real_ip.client(peer, headers);
        AccessCheck {
            client,
            decision: self.inner.rules.check(&client, &self.inner.names),
        }
    }

    /// Whether `self` and `other` are the same policy (clones of one value).
    pub(crate) fn same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl fmt::Debug for AccessPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessPolicy")
            .field("rules", &self.inner.rules)
            .field("real_ip", &self.inner.real_ip)
            .finish_non_exhaustive()
    }
}
