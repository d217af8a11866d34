//! The routes of forward-auth, and the answer to each subrequest: every
//! route and parameter form of Organizr's auth API, answered in Organizr's
//! JSON.
//!
//! A reverse proxy sends each incoming request's headers here (a subrequest)
//! and lets the request through only on a 2xx. The routes (any method; each
//! `/api/v2/...` form also without `/api/v2`):
//!
//! | route | group from |
//! |---|---|
//! | `/api/v2/auth/{group}`, `/api/v2/organizr-auth/{group}` | the path |
//! | `.../{group}/{type}/{ips}` | the path; `{type}/{ips}` an allow or deny list, `{ips}` the rest of the path |
//! | `/api/v2/auth-{group}` | the path |
//! | `/api/v2/auth?group=N` | the query (on any route; a different group in path and query is a 400) |
//! | `/api/?v1/auth&group=N` | the query (Organizr v1, answered directly rather than redirected) |
//! | `GET /healthz` | answers 200 `ok` |
//! | `/login-redirect` | the login redirect alone, for nginx's `error_page 401` ([`crate::redirect`]) |
//!
//! A missing group is 0, as in Organizr. A group is a whole number from 0 to
//! 999, or an Organizr tab's name (looked up with
//! [`Authenticator::tab_group`]); other numbers are a 400. The query's
//! `whitelist=`, `blacklist=` and `type=`+`ips=` count on every route
//! (core's [`AccessRules::from_organizr_query`]), with the path's
//! `{type}/{ips}` merged in. Then, in Organizr's order:
//!
//! 1. an unknown `type`: **401** `"<type> is not a valid type"`; a malformed
//!    list or parameter: **400** whose message names the entry;
//! 2. the client address (the socket peer, or what a peer in
//!    `ORGANIZR_REAL_IP_FROM` reports, [`RealIp`](organizr_auth_core::access::RealIp))
//!    in the allow list: **200** `"User is whitelisted"`, no identity headers;
//! 3. in the deny list (or unknown, when there is one): **403** `"User is
//!    blacklisted"` (401 with `ORGANIZR_FORWARD_AUTH_STATUS=organizr`): no
//!    login helps, so it is no 401, which nginx's `error_page 401` would turn
//!    into a login redirect;
//! 4. the group check: **200** with the identity headers
//!    ([`Identity::headers`](organizr_auth_core::Identity::headers), or
//!    Organizr's guest headers at 999); **401** without a valid credential,
//!    **403** when the level is too low (401 with
//!    `ORGANIZR_FORWARD_AUTH_STATUS=organizr`); a **302** to the login page
//!    instead of the 401 for browsers, when redirects are configured.
//!
//! Every answer of these routes has Organizr's JSON body, `Content-Type:
//! application/json;charset=UTF-8` and `Cache-Control: no-store`.
//!
//! # Security
//! This server's socket peer is the reverse proxy, so the trusted-proxy list
//! applies to it as to any app: a `Remote-User` in the subrequest is believed
//! only if the proxy is on `ORGANIZR_TRUSTED_PROXIES`. Keep that list empty
//! unless a proxy in front of the proxy really authenticates users: nginx and
//! Caddy copy the *client's* headers into the subrequest, so trusting them here
//! would let any client send `Remote-User: admin`. Client addresses for IP
//! lists come from a separate list, `ORGANIZR_REAL_IP_FROM`, never from
//! `Client-IP` or the leftmost `X-Forwarded-For` entry as in Organizr.
//! A query's list wins nothing over the path's: both apply, and two lists of
//! one kind are a 400, so that no configured deny rule is silently dropped.

mod answer;
mod route;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::{FromRequestParts, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header, request::Parts};
use axum::response::Response;
use axum::routing::{any, get};
use axum::serve::IncomingStream;
use organizr_auth_core::access::{
    AccessDecision, AccessParamError, AccessRules, ClientAddress, ListKind, NameResolver,
};
use organizr_auth_core::{Authentication, Authenticator, Denial, GroupLevel, Verdict, proxy::Peer};
use tokio::net::{TcpListener, UnixListener};

use crate::redirect::accepts_html;
use crate::settings::Settings;
use route::{AuthRequest, GroupValue};

/// The forward-auth server: the authenticator, forward-auth's own settings
/// and one [`NameResolver`] for every host name in every IP list.
///
/// ```
/// use std::sync::Arc;
/// use forward_auth::router::ForwardAuth;
/// use forward_auth::settings::Settings;
/// use organizr_auth_core::{Authenticator, Config, Secret};
///
/// let auth = Arc::new(Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)));
/// let app: axum::Router = ForwardAuth::new(auth, Settings::default()).router();
/// # let _ = app;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ForwardAuth {
    auth: Arc<Authenticator>,
    settings: Arc<Settings>,
    names: NameResolver,
}

impl ForwardAuth {
    /// A server deciding with `auth` and `settings`, with a fresh
    /// [`NameResolver`] (no thread starts until an IP list names a host).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use forward_auth::router::ForwardAuth;
    /// # use forward_auth::settings::Settings;
    /// # use organizr_auth_core::{Authenticator, Config, Secret};
    /// let auth = Arc::new(Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)));
    /// let server = ForwardAuth::new(auth, Settings::default());
    /// # let _ = server;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(auth: Arc<Authenticator>, settings: Settings) -> Self {
        Self {
            auth,
            settings: Arc::new(settings),
            names: NameResolver::new(),
        }
    }

    /// The same server with `names` resolving the IP lists' host names (a
    /// resolver with other limits, or a made-up lookup in tests).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use forward_auth::router::ForwardAuth;
    /// # use forward_auth::settings::Settings;
    /// # use organizr_auth_core::{Authenticator, Config, Secret};
    /// use organizr_auth_core::access::NameResolver;
    /// # let auth = Arc::new(Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)));
    /// let server = ForwardAuth::new(auth, Settings::default())
    ///     .with_name_resolver(NameResolver::builder().capacity(16).build());
    /// # let _ = server;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_name_resolver(mut self, names: NameResolver) -> Self {
        self.names = names;
        self
    }

    /// The routes. Serve them with
    /// `into_make_service_with_connect_info::<PeerInfo>()` so that handlers
    /// know the socket peer; without it every request is from
    /// [`Peer::Unknown`] (never trusted, an unknown client for IP lists).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use forward_auth::router::{ForwardAuth, PeerInfo};
    /// # use forward_auth::settings::Settings;
    /// # use organizr_auth_core::{Authenticator, Config, Secret};
    /// # let auth = Arc::new(Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)));
    /// let service = ForwardAuth::new(auth, Settings::default())
    ///     .router()
    ///     .into_make_service_with_connect_info::<PeerInfo>();
    /// # let _ = service;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn router(self) -> Router {
        Router::new()
            .route("/healthz", get(healthz))
            .route("/login-redirect", any(login_redirect))
            .fallback(auth_route)
            .with_state(Arc::new(self))
    }
}

/// The forward-auth routes with default [`Settings`]: the client is the
/// socket peer, no redirects, standard status codes. See
/// [`ForwardAuth::router`].
///
/// ```
/// use std::sync::Arc;
/// use organizr_auth_core::{Authenticator, Config, Secret};
///
/// let auth = Arc::new(Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)));
/// let app: axum::Router = forward_auth::router::router(auth);
/// # let _ = app;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn router(auth: Arc<Authenticator>) -> Router {
    ForwardAuth::new(auth, Settings::default()).router()
}

/// The socket peer of a connection, for TCP and UNIX listeners alike.
///
/// Tests insert `ConnectInfo(PeerInfo(peer))` into a request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerInfo(pub Peer);

impl Connected<IncomingStream<'_, TcpListener>> for PeerInfo {
    fn connect_info(stream: IncomingStream<'_, TcpListener>) -> Self {
        PeerInfo(Peer::Tcp(*stream.remote_addr()))
    }
}

impl Connected<IncomingStream<'_, UnixListener>> for PeerInfo {
    fn connect_info(_stream: IncomingStream<'_, UnixListener>) -> Self {
        PeerInfo(Peer::Unix)
    }
}

impl Connected<SocketAddr> for PeerInfo {
    fn connect_info(addr: SocketAddr) -> Self {
        PeerInfo(Peer::Tcp(addr))
    }
}

/// The request's peer; [`Peer::Unknown`] when the server did not record one,
/// which is never trusted (fail closed rather than a 500).
struct RequestPeer(Peer);

impl<S: Send + Sync> FromRequestParts<S> for RequestPeer {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<PeerInfo>>()
            .map_or(Peer::Unknown, |info| info.0.0);
        Ok(RequestPeer(peer))
    }
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// `/login-redirect`: the login redirect on its own, for proxies that call it
/// after a refusal (nginx's `error_page 401`). A 302 for a browser whose
/// `X-Forwarded-*` headers name a configured host, else Organizr's 401.
/// It decides nothing: it never answers 2xx.
async fn login_redirect(State(server): State<Arc<ForwardAuth>>, headers: HeaderMap) -> Response {
    server.redirect(&headers).unwrap_or_else(|| {
        answer::json(
            StatusCode::UNAUTHORIZED,
            false,
            answer::NOT_AUTHORIZED,
            answer::NO_DATA,
        )
    })
}

/// Every other path: an auth route, or Organizr's 404.
async fn auth_route(
    State(server): State<Arc<ForwardAuth>>,
    RequestPeer(peer): RequestPeer,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    match route::parse(uri.path(), uri.query()) {
        None => answer::not_found(method.as_str(), uri.path()),
        Some(Err(error)) => config_mistake(error.into(), &uri),
        Some(Ok(request)) => server.decide(&request, peer, uri.query(), &headers, &uri),
    }
}

/// A 400 for a mistake in the proxy's configuration (the route, a list, the
/// group), logged as a warning: the proxy turns it into an error page (nginx:
/// a 500), and the log says why.
fn config_mistake(error: anyhow::Error, uri: &Uri) -> Response {
    tracing::warn!(path = %uri.path(), error = format!("{error:#}"), "bad auth request (400): check the proxy's configuration");
    answer::bad_request(error)
}

impl ForwardAuth {
    /// The answer to one auth request, in Organizr's order (see the module
    /// documentation).
    fn decide(
        &self,
        request: &AuthRequest,
        peer: Peer,
        query: Option<&str>,
        headers: &HeaderMap,
        uri: &Uri,
    ) -> Response {
        let rules = match self.rules(request, query) {
            Ok(rules) => rules,
            Err(AccessParamError::UnknownType { value }) => {
                tracing::warn!(path = %uri.path(), r#type = %value, "bad auth request (401): not a valid list type");
                return answer::invalid_type(&value);
            }
            Err(error) => return config_mistake(error.into(), uri),
        };
        let required = match self.required(request.group.as_deref()) {
            Ok(level) => level,
            Err(error) => return config_mistake(error, uri),
        };
        let client = self.settings.real_ip.client(&peer, headers);
        match rules.check(&client, &self.names) {
            AccessDecision::Allow => {
                let who = self.auth.resolve(headers, query, &peer);
                tracing::debug!(client = %client, required = required.get(), "request allowed: allow list");
                return answer::json(
                    StatusCode::OK,
                    true,
                    answer::WHITELISTED,
                    answer::user_data(&who, &client, required),
                );
            }
            AccessDecision::Deny => {
                let who = self.auth.resolve(headers, query, &peer);
                if client == ClientAddress::Unknown {
                    tracing::warn!(
                        peer = ?peer,
                        required = required.get(),
                        "request refused: deny list, and the client address is unknown (an unknown client matches \
                         every deny entry): list the proxy in ORGANIZR_REAL_IP_FROM (@ for a UNIX socket) and have it \
                         send the client's address in ORGANIZR_REAL_IP_HEADER"
                    );
                } else {
                    tracing::info!(client = %client, required = required.get(), "request refused: deny list");
                }
                return answer::json(
                    self.settings.status.refused(),
                    false,
                    answer::BLACKLISTED,
                    answer::user_data(&who, &client, required),
                );
            }
            AccessDecision::Continue => {}
        }
        // Core believes identity headers only from a trusted peer and logs
        // the decision. Nothing needs stripping: this server forwards nothing.
        let rejection = match self.auth.forward_auth(headers, query, peer, required) {
            Verdict::Allow(admission) => {
                return answer::authorized(admission.authentication(), &client, required);
            }
            Verdict::Reject(rejection) => rejection,
        };
        let (who, status) = match rejection.denial() {
            Denial::Forbidden { .. } => {
                // The body names the user, as Organizr's does: resolved
                // again, which costs a token check on this path only.
                let who = self.auth.resolve(headers, query, &peer);
                (who, self.settings.status.refused())
            }
            _ => {
                if let Some(redirect) = self.redirect(headers) {
                    return redirect;
                }
                (
                    Authentication::Anonymous { refused: None },
                    StatusCode::UNAUTHORIZED,
                )
            }
        };
        let mut response = answer::json(
            status,
            false,
            answer::NOT_AUTHORIZED,
            answer::user_data(&who, &client, required),
        );
        if status == StatusCode::UNAUTHORIZED {
            // `WWW-Authenticate: Bearer` when bearer tokens are accepted.
            let challenge = rejection
                .headers()
                .filter(|(name, _)| name == header::WWW_AUTHENTICATE);
            response.headers_mut().extend(challenge);
        }
        response
    }

    /// The query's access rules and the path's, merged.
    fn rules(
        &self,
        request: &AuthRequest,
        query: Option<&str>,
    ) -> Result<AccessRules, AccessParamError> {
        // Organizr checks the type before anything else.
        let path_rule = match &request.path_rule {
            None => None,
            Some((kind, ips)) => {
                if ListKind::from_organizr_type(kind).is_none() {
                    return Err(AccessParamError::UnknownType {
                        value: route::shown(kind),
                    });
                }
                let ips = ips.as_deref().ok_or(AccessParamError::TypeWithoutIps)?;
                Some(AccessRules::from_organizr_path(kind, ips)?)
            }
        };
        let rules = AccessRules::from_organizr_query(query.unwrap_or_default())?;
        match path_rule {
            Some(path_rule) => rules.merge(path_rule),
            None => Ok(rules),
        }
    }

    /// The level a group value requires.
    fn required(&self, group: Option<&str>) -> anyhow::Result<GroupLevel> {
        match GroupValue::classify(group.unwrap_or_default())? {
            GroupValue::Level(level) => Ok(level),
            GroupValue::TabName(name) => self.auth.tab_group(&name).ok_or_else(|| {
                anyhow::anyhow!(
                    "group {:?} is not a number, and tab names cannot be looked up: forward-auth reads \
                     Organizr's tabs only from its database (the session store), which is not configured \
                     or cannot be read now; use the tab's group number",
                    route::shown(&name)
                )
            }),
        }
    }

    /// The login redirect for a request, when redirects are configured, the
    /// request is from a browser, and its `X-Forwarded-*` headers name a
    /// configured host.
    fn redirect(&self, headers: &HeaderMap) -> Option<Response> {
        let redirect = self.settings.redirect.as_ref()?;
        if !accepts_html(headers) {
            return None;
        }
        let Some(location) = redirect.location(headers) else {
            tracing::debug!(
                "no login redirect: X-Forwarded-Proto/-Host/-Uri missing, or the host is not in ORGANIZR_REDIRECT_HOSTS"
            );
            return None;
        };
        let mut response = answer::json(
            StatusCode::FOUND,
            false,
            answer::NOT_AUTHORIZED,
            answer::NO_DATA,
        );
        response.headers_mut().insert(header::LOCATION, location);
        Some(response)
    }
}
