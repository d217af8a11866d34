//! [`OrganizrAuth`], the layer you configure; [`OrganizrAuthMiddleware`], the
//! service it wraps around yours; and its [`ResponseFuture`].

use std::fmt;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use axum_core::body::Body;
use bytes::Bytes;
use http::request::Parts;
use http::{Request, Response};
use organizr_auth_core::access::AccessPolicy;
use organizr_auth_core::{
    Admission, Authentication, Authenticator, GroupLevel, Identity, Peer, Policy, Rejection,
    RequestHead, Verdict,
};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::peer::{DefaultPeerLookup, PeerLookup};

/// Builds a rejection's response.
///
/// Implemented for [`DefaultOnRejection`] (core's plain-text response, for any
/// body that is `From<String>`) and for every
/// `Fn(Rejection, &Parts) -> Response<B>`, so a closure can replace the
/// response, e.g. with an HTML page or JSON. The [`Parts`] are the request's,
/// with identity headers from untrusted peers already removed.
pub trait OnRejection<B> {
    /// The response for `rejection`.
    fn on_rejection(&self, rejection: Rejection, request: &Parts) -> Response<B>;
}

impl<B, F> OnRejection<B> for F
where
    F: Fn(Rejection, &Parts) -> Response<B>,
{
    fn on_rejection(&self, rejection: Rejection, request: &Parts) -> Response<B> {
        self(rejection, request)
    }
}

/// Answers with core's [`Rejection::to_response`]: the status, its headers
/// (`WWW-Authenticate`, `Location`, `Content-Type`) and a short plain-text body
/// that gives no reason, converted with `B::from(String)`.
///
/// That works for axum's `Body`, `String`, and `http_body_util::Full<Bytes>`.
/// For a body type without `From<String>`, give the layer an
/// [`on_rejection`](OrganizrAuth::on_rejection) closure.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct DefaultOnRejection;

impl<B: From<String>> OnRejection<B> for DefaultOnRejection {
    fn on_rejection(&self, rejection: Rejection, _request: &Parts) -> Response<B> {
        rejection.to_response().map(B::from)
    }
}

/// The layer's rejection handler, for the extractors: the same answer the
/// layer would give, as an axum response.
pub(crate) type ExtractorResponder =
    Arc<dyn Fn(Rejection, &Parts) -> axum_core::response::Response + Send + Sync>;

/// What the layer leaves next to the [`Admission`] for the extractors.
/// Private, so nothing else can insert it.
#[derive(Clone)]
pub(crate) struct LayerContext {
    pub(crate) responder: ExtractorResponder,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The tower [`Layer`] you configure: it authenticates every request with
/// core's [`Authenticator::admit`] and enforces a [`Policy`].
///
/// For each request the [`OrganizrAuthMiddleware`] it builds:
///
/// 1. finds the socket [`Peer`] with its [`PeerLookup`] (by default
///    [`default_peer`](crate::default_peer): axum's `ConnectInfo`, a
///    [`UnixPeer`](crate::UnixPeer) or a core [`Peer`] extension); none means
///    [`Peer::Unknown`] and one warning per layer;
/// 2. calls [`Authenticator::admit`], which resolves the credentials once,
///    removes the identity headers the handler must not see, checks the
///    policy and, if asked, writes the downstream identity headers;
/// 3. on [`Verdict::Allow`], inserts the [`Admission`] into the request's
///    extensions (and removes any bare [`Identity`] or [`Authentication`]
///    extension, which something else may have put there) and calls the inner
///    service; on [`Verdict::Reject`], answers with the rejection (a 401, 403
///    or login redirect, as core decided) without calling it. The extractors
///    answer their own refusals with the same [`on_rejection`](Self::on_rejection)
///    handler.
///
/// By default the layer requires a logged-in user ([`Policy::default`]);
/// [`require`](Self::require), [`pass_through`](Self::pass_through) and
/// [`policy`](Self::policy) change that.
///
/// # Bodies
/// The service accepts any request body. Its response body is the inner
/// service's, any `http_body::Body<Data = Bytes>` (axum's `Body`, `String`,
/// `Full<Bytes>`, tonic's); the default rejection also needs `From<String>`.
/// Other body types need an [`on_rejection`](Self::on_rejection) closure that
/// builds them.
///
/// # Stacking
/// An app-wide pass-through layer plus stricter [`Router::route_layer`]s is
/// fine: an inner layer built from the same [`Authenticator`] (the same `Arc`)
/// reuses the outer layer's [`Admission`] and only applies its own policy
/// (core decides that, see [`organizr_auth_core::decision`]), so downstream
/// headers written by the outer layer are never mistaken for a proxy's. Layers
/// built from different authenticators each decide on their own.
///
/// [`Router::route_layer`]: https://docs.rs/axum/0.8/axum/struct.Router.html#method.route_layer
///
/// # Plain hyper
/// Any server works: insert the accepted connection's [`Peer`] into each
/// request, and answer with a body that is `From<String>` (or pass an
/// [`on_rejection`](Self::on_rejection) closure).
///
/// ```no_run
/// use std::convert::Infallible;
/// use http::{Request, Response};
/// use hyper::body::Incoming;
/// use hyper_util::{rt::TokioIo, service::TowerToHyperService};
/// use organizr_auth_core::{Authenticator, Config, Peer};
/// use organizr_auth_tower::OrganizrAuth;
/// use tower::{ServiceBuilder, service_fn};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let auth = OrganizrAuth::new(Authenticator::new(Config::from_env()?));
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// loop {
///     let (stream, remote) = listener.accept().await?;
///     let app = ServiceBuilder::new()
///         // The socket's peer, never a header.
///         .map_request(move |mut req: Request<Incoming>| {
///             req.extensions_mut().insert(Peer::Tcp(remote));
///             req
///         })
///         .layer(auth.clone())
///         .service(service_fn(|_req: Request<Incoming>| async {
///             Ok::<_, Infallible>(Response::new(String::from("hello")))
///         }));
///     let connection = hyper::server::conn::http1::Builder::new()
///         .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
///     tokio::spawn(connection);
/// }
/// # }
/// ```
///
/// # Example
/// ```
/// # #[cfg(not(feature = "axum"))] fn main() {} // needs the `axum` feature
/// # #[cfg(feature = "axum")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::net::SocketAddr;
/// use axum::{Router, body::Body, extract::ConnectInfo, routing::get};
/// use http::{Request, StatusCode};
/// use organizr_auth_core::{Authenticator, Config, GroupLevel, Secret, TrustedProxies};
/// use organizr_auth_tower::OrganizrAuth;
/// use tower::ServiceExt;
///
/// let config = Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)
///     .trusted_proxies("127.0.0.1".parse::<TrustedProxies>()?);
/// let app = Router::new()
///     .route("/", get(|| async { "welcome" }))
///     .layer(OrganizrAuth::new(Authenticator::new(config)).require(GroupLevel::LOGGED_IN));
///
/// // What `into_make_service_with_connect_info::<SocketAddr>()` inserts.
/// let proxy = ConnectInfo("127.0.0.1:50000".parse::<SocketAddr>()?);
/// let request = Request::get("/").header("remote-user", "alice").extension(proxy).body(Body::empty())?;
/// assert_eq!(app.clone().oneshot(request).await?.status(), StatusCode::OK);
///
/// let anonymous = Request::get("/").extension(proxy).body(Body::empty())?;
/// assert_eq!(app.oneshot(anonymous).await?.status(), StatusCode::UNAUTHORIZED);
/// # Ok(())
/// # }
/// ```
pub struct OrganizrAuth<P = DefaultPeerLookup, R = DefaultOnRejection> {
    authenticator: Arc<Authenticator>,
    policy: Policy,
    peer_lookup: P,
    on_rejection: R,
    /// Whether the missing-peer warning was logged; shared by every service
    /// this layer (or a clone of it) builds.
    warned: Arc<AtomicBool>,
    /// `on_rejection` as the extractors call it, made on the first request.
    responder: Arc<OnceLock<ExtractorResponder>>,
}

impl OrganizrAuth {
    /// A layer that requires a logged-in user ([`Policy::default`]),
    /// finds peers with [`DefaultPeerLookup`] and answers rejections with
    /// [`DefaultOnRejection`].
    ///
    /// Takes an [`Authenticator`] or an `Arc<Authenticator>` to share one
    /// between layers.
    pub fn new(authenticator: impl Into<Arc<Authenticator>>) -> Self {
        Self {
            authenticator: authenticator.into(),
            policy: Policy::default(),
            peer_lookup: DefaultPeerLookup,
            on_rejection: DefaultOnRejection,
            warned: Arc::new(AtomicBool::new(false)),
            responder: Arc::new(OnceLock::new()),
        }
    }
}

impl<P, R> OrganizrAuth<P, R> {
    /// Refuses requests below `level`: anonymous ones with 401 (or a login
    /// redirect), authenticated ones with 403. Keeps the downstream-headers
    /// setting.
    ///
    /// ```
    /// # #[cfg(not(feature = "axum"))] fn main() {} // needs the `axum` feature
    /// # #[cfg(feature = "axum")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::net::SocketAddr;
    /// use axum::{Router, body::Body, extract::ConnectInfo, routing::get};
    /// use http::{Request, StatusCode};
    /// use organizr_auth_core::{Authenticator, Config, GroupLevel, Secret, TrustedProxies};
    /// use organizr_auth_tower::OrganizrAuth;
    /// use tower::ServiceExt;
    ///
    /// // The proxy sends the user's level in `Remote-Group-Id`.
    /// let config = Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)
    ///     .trusted_proxies("127.0.0.1".parse::<TrustedProxies>()?)
    ///     .proxy_group_header("Remote-Group-Id")?;
    /// let app = Router::new()
    ///     .route("/admin", get(|| async { "settings" }))
    ///     .layer(OrganizrAuth::new(Authenticator::new(config)).require(GroupLevel::ADMIN));
    ///
    /// let proxy = ConnectInfo("127.0.0.1:50000".parse::<SocketAddr>()?);
    /// let as_level = |level: &str| {
    ///     Request::get("/admin")
    ///         .header("remote-user", "alice")
    ///         .header("remote-group-id", level)
    ///         .extension(proxy)
    ///         .body(Body::empty())
    /// };
    /// assert_eq!(app.clone().oneshot(as_level("0")?).await?.status(), StatusCode::OK);
    /// assert_eq!(app.oneshot(as_level("4")?).await?.status(), StatusCode::FORBIDDEN);
    /// # Ok(())
    /// # }
    /// ```
    pub fn require(mut self, level: GroupLevel) -> Self {
        self.policy = self.policy.with_required(level);
        self
    }

    /// Never refuses a request: only removes spoofed identity headers and
    /// attaches the [`Admission`] for handlers and extractors. Keeps the
    /// downstream-headers setting.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use axum::{Router, body::Body, routing::get};
    /// use http::{Request, StatusCode};
    /// use http_body_util::BodyExt;
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// use organizr_auth_tower::{OrganizrAuth, OrganizrAuthentication};
    /// use tower::ServiceExt;
    ///
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
    /// let app = Router::new()
    ///     .route("/", get(|who: OrganizrAuthentication| async move {
    ///         match who.identity() {
    ///             Some(user) => format!("hello {}", user.username),
    ///             None => "hello stranger".to_owned(),
    ///         }
    ///     }))
    ///     .layer(OrganizrAuth::new(auth).pass_through());
    ///
    /// // No peer information at all: treated as untrusted, the header is removed.
    /// let request = Request::get("/").header("remote-user", "admin").body(Body::empty())?;
    /// let response = app.oneshot(request).await?;
    /// assert_eq!(response.status(), StatusCode::OK);
    /// assert_eq!(response.into_body().collect().await?.to_bytes(), "hello stranger");
    /// # Ok(())
    /// # }
    /// ```
    pub fn pass_through(mut self) -> Self {
        self.policy = self.policy.with_required(GroupLevel::GUEST);
        self
    }

    /// Replaces the whole policy (level, IP lists and downstream headers).
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, GroupLevel, Policy, Secret};
    /// use organizr_auth_tower::OrganizrAuth;
    ///
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
    /// let layer = OrganizrAuth::new(auth)
    ///     .policy(Policy::require(GroupLevel::POWER_USER).with_downstream_headers(true));
    /// assert_eq!(layer.current_policy(), &Policy::require(GroupLevel::POWER_USER).with_downstream_headers(true));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// IP allow and deny lists for the routes this layer wraps, decided by
    /// core before the level: an allow-list match goes on whatever the level,
    /// a deny-list match gets 403. Read [`AccessPolicy`]'s security notes
    /// before allow-listing anything.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use axum::{Router, body::Body, extract::ConnectInfo, routing::get};
    /// use http::{Request, StatusCode};
    /// use organizr_auth_core::access::{AccessPolicy, AccessRules};
    /// use organizr_auth_core::{Authenticator, Config, GroupLevel, Secret};
    /// use organizr_auth_tower::OrganizrAuth;
    /// use std::net::SocketAddr;
    /// use tower::ServiceExt;
    ///
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?).uuid("u"));
    /// let lan = AccessPolicy::new(AccessRules::from_organizr_query("whitelist=192.168.1.0/24&blacklist=203.0.113.0/24")?);
    /// let app = Router::new()
    ///     .route("/admin", get(|| async { "admin pages" }))
    ///     .layer(OrganizrAuth::new(auth).require(GroupLevel::ADMIN).access(lan));
    /// let from = |ip: &str| {
    ///     let mut request = Request::get("/admin").body(Body::empty()).unwrap();
    ///     request.extensions_mut().insert(ConnectInfo(format!("{ip}:40000").parse::<SocketAddr>().unwrap()));
    ///     request
    /// };
    /// assert_eq!(app.clone().oneshot(from("192.168.1.20")).await?.status(), StatusCode::OK);
    /// assert_eq!(app.clone().oneshot(from("203.0.113.5")).await?.status(), StatusCode::FORBIDDEN);
    /// assert_eq!(app.oneshot(from("198.51.100.7")).await?.status(), StatusCode::UNAUTHORIZED);
    /// # Ok(())
    /// # }
    /// ```
    pub fn access(mut self, access: AccessPolicy) -> Self {
        self.policy = self.policy.with_access(access);
        self
    }

    /// Writes the verified identity onto allowed requests as `Remote-User`,
    /// `Remote-Email`, `Remote-Groups`, `X-Organizr-User`, `X-Organizr-Email`
    /// and `X-Organizr-Group`, after removing any copies the request had (off by
    /// default). Anonymous requests get none of them.
    ///
    /// ```
    /// # #[cfg(not(feature = "axum"))] fn main() {} // needs the `axum` feature
    /// # #[cfg(feature = "axum")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::net::SocketAddr;
    /// use axum::{Router, body::Body, extract::ConnectInfo, routing::get};
    /// use http::{HeaderMap, Request};
    /// use http_body_util::BodyExt;
    /// use organizr_auth_core::{Authenticator, Config, Secret, TrustedProxies};
    /// use organizr_auth_tower::OrganizrAuth;
    /// use tower::ServiceExt;
    ///
    /// let config = Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)
    ///     .trusted_proxies("127.0.0.1".parse::<TrustedProxies>()?);
    /// // A legacy app that reads X-Organizr-User.
    /// let legacy = |headers: HeaderMap| async move {
    ///     format!("{:?}", headers.get("x-organizr-user"))
    /// };
    /// let app = Router::new()
    ///     .route("/", get(legacy))
    ///     .layer(OrganizrAuth::new(Authenticator::new(config)).downstream_headers(true));
    ///
    /// let proxy = ConnectInfo("127.0.0.1:50000".parse::<SocketAddr>()?);
    /// let request = Request::get("/")
    ///     .header("remote-user", "alice")
    ///     .header("x-organizr-user", "admin") // spoofed: replaced
    ///     .extension(proxy)
    ///     .body(Body::empty())?;
    /// let body = app.oneshot(request).await?.into_body().collect().await?.to_bytes();
    /// assert_eq!(body, "Some(\"alice\")");
    /// # Ok(())
    /// # }
    /// ```
    pub fn downstream_headers(mut self, enabled: bool) -> Self {
        self.policy = self.policy.with_downstream_headers(enabled);
        self
    }

    /// Finds peers with `lookup` instead of [`DefaultPeerLookup`]. See
    /// [`PeerLookup`].
    ///
    /// Without the `axum` feature, this is how an axum app reads its
    /// `ConnectInfo`:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::net::SocketAddr;
    /// use axum::{Router, body::Body, extract::ConnectInfo, routing::get};
    /// use http::{Extensions, Request, StatusCode};
    /// use organizr_auth_core::{Authenticator, Config, Peer, Secret, TrustedProxies};
    /// use organizr_auth_tower::OrganizrAuth;
    /// use tower::ServiceExt;
    ///
    /// let config = Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)
    ///     .trusted_proxies("127.0.0.1".parse::<TrustedProxies>()?);
    /// let layer = OrganizrAuth::new(Authenticator::new(config)).peer_lookup(|ext: &Extensions| {
    ///     ext.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| Peer::Tcp(*addr))
    /// });
    /// let app = Router::new().route("/", get(|| async { "hi" })).layer(layer);
    ///
    /// let proxy = ConnectInfo("127.0.0.1:50000".parse::<SocketAddr>()?);
    /// let request = Request::get("/").header("remote-user", "alice").extension(proxy).body(Body::empty())?;
    /// assert_eq!(app.oneshot(request).await?.status(), StatusCode::OK);
    /// # Ok(())
    /// # }
    /// ```
    pub fn peer_lookup<L>(self, lookup: L) -> OrganizrAuth<L, R>
    where
        L: PeerLookup,
    {
        OrganizrAuth {
            authenticator: self.authenticator,
            policy: self.policy,
            peer_lookup: lookup,
            on_rejection: self.on_rejection,
            warned: self.warned,
            responder: self.responder,
        }
    }

    /// Answers rejections with `handler` instead of core's plain-text
    /// response. The handler gets the [`Rejection`] (status, headers, the
    /// [`Denial`](organizr_auth_core::Denial) with its reason) and the request
    /// parts. Do not put the reason in the body: it helps attackers, not users.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use axum::{Router, body::Body, response::{Html, IntoResponse, Response}, routing::get};
    /// use http::{Request, StatusCode, request::Parts};
    /// use http_body_util::BodyExt;
    /// use organizr_auth_core::{Authenticator, Config, Rejection, Secret};
    /// use organizr_auth_tower::OrganizrAuth;
    /// use tower::ServiceExt;
    ///
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
    /// let layer = OrganizrAuth::new(auth).on_rejection(|rejection: Rejection, _: &Parts| -> Response {
    ///     let mut response = (rejection.status(), Html("<h1>Please sign in to Organizr</h1>")).into_response();
    ///     // Keep WWW-Authenticate and Location; our Content-Type wins.
    ///     for (name, value) in rejection.headers().filter(|(n, _)| n != http::header::CONTENT_TYPE) {
    ///         response.headers_mut().insert(name, value);
    ///     }
    ///     response
    /// });
    /// let app = Router::new().route("/", get(|| async { "secret" })).layer(layer);
    ///
    /// let response = app.oneshot(Request::get("/").body(Body::empty())?).await?;
    /// assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    /// assert!(response.headers().contains_key("www-authenticate"));
    /// let body = response.into_body().collect().await?.to_bytes();
    /// assert_eq!(body, "<h1>Please sign in to Organizr</h1>");
    /// # Ok(())
    /// # }
    /// ```
    pub fn on_rejection<H, B>(self, handler: H) -> OrganizrAuth<P, H>
    where
        H: Fn(Rejection, &Parts) -> Response<B>,
    {
        OrganizrAuth {
            authenticator: self.authenticator,
            policy: self.policy,
            peer_lookup: self.peer_lookup,
            on_rejection: handler,
            warned: self.warned,
            // A new handler: the extractors must use it too.
            responder: Arc::new(OnceLock::new()),
        }
    }

    /// The authenticator this layer uses.
    pub fn authenticator(&self) -> &Arc<Authenticator> {
        &self.authenticator
    }

    /// The policy this layer enforces.
    pub fn current_policy(&self) -> &Policy {
        &self.policy
    }
}

impl<P: Clone, R: Clone> Clone for OrganizrAuth<P, R> {
    fn clone(&self) -> Self {
        Self {
            authenticator: Arc::clone(&self.authenticator),
            policy: self.policy.clone(),
            peer_lookup: self.peer_lookup.clone(),
            on_rejection: self.on_rejection.clone(),
            warned: Arc::clone(&self.warned),
            responder: Arc::clone(&self.responder),
        }
    }
}

impl<P, R> fmt::Debug for OrganizrAuth<P, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrganizrAuth")
            .field("authenticator", &self.authenticator)
            .field("policy", &self.policy)
            .field("peer_lookup", &std::any::type_name::<P>())
            .field("on_rejection", &std::any::type_name::<R>())
            .finish()
    }
}

impl<S, P: Clone, R: Clone> Layer<S> for OrganizrAuth<P, R> {
    type Service = OrganizrAuthMiddleware<S, P, R>;

    fn layer(&self, inner: S) -> Self::Service {
        OrganizrAuthMiddleware {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service an [`OrganizrAuth`] wraps around `S`. See [`OrganizrAuth`]
/// for what it does.
pub struct OrganizrAuthMiddleware<S, P = DefaultPeerLookup, R = DefaultOnRejection> {
    inner: S,
    layer: OrganizrAuth<P, R>,
}

impl<S, P, R> OrganizrAuthMiddleware<S, P, R> {
    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: Clone, P: Clone, R: Clone> Clone for OrganizrAuthMiddleware<S, P, R> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            layer: self.layer.clone(),
        }
    }
}

impl<S: fmt::Debug, P, R> fmt::Debug for OrganizrAuthMiddleware<S, P, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrganizrAuthMiddleware")
            .field("inner", &self.inner)
            .field("layer", &self.layer)
            .finish()
    }
}

impl<S, P, R> OrganizrAuthMiddleware<S, P, R>
where
    P: PeerLookup,
{
    /// The request's peer, or [`Peer::Unknown`] with a one-time warning.
    fn peer(&self, parts: &Parts) -> Peer {
        if let Some(peer) = self.layer.peer_lookup.peer(&parts.extensions) {
            return peer;
        }
        if !self.layer.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                peer_lookup = std::any::type_name::<P>(),
                "a request carries no peer address, so it is treated as Peer::Unknown: no reverse proxy is trusted \
                 and identity headers are removed. Serve an axum app with \
                 `into_make_service_with_connect_info::<SocketAddr>()` (or `::<UnixPeer>()` on a UNIX socket), or \
                 insert an organizr_auth_core::Peer into each request. Logged once per layer."
            );
        }
        Peer::Unknown
    }
}

impl<S, P, R, ReqBody, ResBody> Service<Request<ReqBody>> for OrganizrAuthMiddleware<S, P, R>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    P: PeerLookup,
    R: OnRejection<ResBody> + Clone + Send + Sync + 'static,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let (mut parts, body) = request.into_parts();
        let peer = self.peer(&parts);
        // Core decides everything, including whether an outer layer's
        // admission (if any) can be reused.
        let verdict = self.layer.authenticator.admit(
            RequestHead::new(
                parts.method.as_str(),
                parts.uri.path(),
                parts.uri.query(),
                &mut parts.headers,
            ),
            peer,
            &self.layer.policy,
            parts.extensions.get::<Admission>(),
        );
        match verdict {
            Verdict::Allow(admission) => {
                let responder = self.responder();
                attach(&mut parts, admission, responder);
                ResponseFuture::called(self.inner.call(Request::from_parts(parts, body)))
            }
            Verdict::Reject(rejection) => {
                ResponseFuture::rejected(self.layer.on_rejection.on_rejection(rejection, &parts))
            }
        }
    }
}

impl<S, P, R> OrganizrAuthMiddleware<S, P, R> {
    /// The layer's rejection handler as the extractors call it, built once per
    /// layer.
    fn responder<ResBody>(&self) -> ExtractorResponder
    where
        R: OnRejection<ResBody> + Clone + Send + Sync + 'static,
        ResBody: http_body::Body<Data = Bytes> + Send + 'static,
        ResBody::Error: Into<BoxError>,
    {
        let responder = self.layer.responder.get_or_init(|| {
            let handler = self.layer.on_rejection.clone();
            Arc::new(move |rejection: Rejection, parts: &Parts| {
                handler.on_rejection(rejection, parts).map(Body::new)
            })
        });
        Arc::clone(responder)
    }
}

/// Puts the admission into the request's extensions, replacing whatever an
/// earlier layer put there.
fn attach(parts: &mut Parts, admission: Admission, responder: ExtractorResponder) {
    // Only the admission carries an identity: an `Identity` or
    // `Authentication` that something before the layer inserted must not pass
    // for a verified one.
    parts.extensions.remove::<Identity>();
    parts.extensions.remove::<Authentication>();
    parts.extensions.insert(admission);
    parts.extensions.insert(LayerContext { responder });
}

pin_project! {
    /// The response future of [`OrganizrAuth`]: the inner service's, or a
    /// ready rejection. Not boxed.
    pub struct ResponseFuture<F, B, E> {
        #[pin]
        state: State<F, B, E>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F, B, E> {
        Called { #[pin] future: F },
        Rejected { response: Ready<Result<Response<B>, E>> },
    }
}

impl<F, B, E> ResponseFuture<F, B, E> {
    fn called(future: F) -> Self {
        Self {
            state: State::Called { future },
        }
    }

    fn rejected(response: Response<B>) -> Self {
        Self {
            state: State::Rejected {
                response: ready(Ok(response)),
            },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B, E>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Called { future } => future.poll(cx),
            StateProj::Rejected { response } => Pin::new(response).poll(cx),
        }
    }
}

impl<F, B, E> fmt::Debug for ResponseFuture<F, B, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            State::Called { .. } => "called",
            State::Rejected { .. } => "rejected",
        };
        f.debug_struct("ResponseFuture")
            .field("state", &state)
            .finish()
    }
}
