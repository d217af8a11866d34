//! The [`OrganizrAuthLayer`] middleware, its [`OrganizrAuth`] service and
//! [`ResponseFuture`].

use std::fmt;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use http::request::Parts;
use http::{Request, Response};
use organizr_auth_core::{
    Authentication, Authenticator, GroupLevel, Identity, Peer, Policy, Rejection, RequestHead,
    Verdict,
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
/// [`on_rejection`](OrganizrAuthLayer::on_rejection) closure.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct DefaultOnRejection;

impl<B: From<String>> OnRejection<B> for DefaultOnRejection {
    fn on_rejection(&self, rejection: Rejection, _request: &Parts) -> Response<B> {
        rejection.to_response().map(B::from)
    }
}

/// Marks requests that went through an [`OrganizrAuthLayer`]; lets the
/// extractors build the same rejections the layer does. Private, so nothing
/// else can insert it.
#[derive(Clone)]
pub(crate) struct LayerContext {
    pub(crate) authenticator: Arc<Authenticator>,
}

/// A tower [`Layer`] that authenticates every request with core's
/// [`Authenticator::process`] and enforces a [`Policy`].
///
/// For each request the service it builds:
///
/// 1. finds the socket [`Peer`] with its [`PeerLookup`] (by default
///    [`default_peer`](crate::default_peer): axum's `ConnectInfo`, a
///    [`UnixPeer`](crate::UnixPeer) or a core [`Peer`] extension); none means
///    [`Peer::Unknown`] and one warning per layer;
/// 2. calls [`Authenticator::process`], which removes identity headers sent by
///    untrusted peers, resolves the credentials once, checks the policy and,
///    if asked, writes the downstream identity headers;
/// 3. on [`Verdict::Allow`], inserts the [`Authentication`] into the
///    request's extensions (and removes any bare [`Identity`] extension, which
///    something else may have put there) and calls
///    the inner service; on [`Verdict::Reject`], answers with the rejection (a
///    401, 403 or login redirect, as core decided) without calling it.
///
/// By default the layer requires a logged-in user ([`GroupLevel::LOGGED_IN`]);
/// [`require`](Self::require), [`pass_through`](Self::pass_through) and
/// [`policy`](Self::policy) change that.
///
/// # Bodies
/// The service accepts any request body. Its response body is the inner
/// service's; the default rejection needs `ResBody: From<String>` (axum's
/// `Body`, `String`, `Full<Bytes>`). Other body types need an
/// [`on_rejection`](Self::on_rejection) closure that builds them.
///
/// # Stacking
/// An app-wide pass-through layer plus stricter [`Router::route_layer`]s is
/// fine: an inner layer built from the same [`Authenticator`] (the same `Arc`)
/// reuses the outer layer's [`Authentication`] and only applies its own policy
/// (core's [`Authenticator::process_resolved`]), so downstream headers written
/// by the outer layer are never mistaken for a proxy's. Layers built from
/// different authenticators each decide on their own.
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
/// use organizr_auth_tower::OrganizrAuthLayer;
/// use tower::{ServiceBuilder, service_fn};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let auth = OrganizrAuthLayer::new(Authenticator::new(Config::from_env()?));
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
/// use organizr_auth_tower::OrganizrAuthLayer;
/// use tower::ServiceExt;
///
/// let config = Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)
///     .trusted_proxies("127.0.0.1".parse::<TrustedProxies>()?);
/// let app = Router::new()
///     .route("/", get(|| async { "welcome" }))
///     .layer(OrganizrAuthLayer::new(Authenticator::new(config)).require(GroupLevel::LOGGED_IN));
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
pub struct OrganizrAuthLayer<P = DefaultPeerLookup, R = DefaultOnRejection> {
    authenticator: Arc<Authenticator>,
    policy: Policy,
    peer_lookup: P,
    on_rejection: R,
    /// Whether the missing-peer warning was logged; shared by every service
    /// this layer (or a clone of it) builds.
    warned: Arc<AtomicBool>,
}

impl OrganizrAuthLayer {
    /// A layer that requires a logged-in user ([`GroupLevel::LOGGED_IN`]),
    /// finds peers with [`DefaultPeerLookup`] and answers rejections with
    /// [`DefaultOnRejection`].
    ///
    /// Takes an [`Authenticator`] or an `Arc<Authenticator>` to share one
    /// between layers.
    pub fn new(authenticator: impl Into<Arc<Authenticator>>) -> Self {
        Self {
            authenticator: authenticator.into(),
            policy: Policy::require(GroupLevel::LOGGED_IN),
            peer_lookup: DefaultPeerLookup,
            on_rejection: DefaultOnRejection,
            warned: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl<P, R> OrganizrAuthLayer<P, R> {
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
    /// use organizr_auth_tower::OrganizrAuthLayer;
    /// use tower::ServiceExt;
    ///
    /// // The proxy sends the user's level in `Remote-Group-Id`.
    /// let config = Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)
    ///     .trusted_proxies("127.0.0.1".parse::<TrustedProxies>()?)
    ///     .proxy_group_header("Remote-Group-Id")?;
    /// let app = Router::new()
    ///     .route("/admin", get(|| async { "settings" }))
    ///     .layer(OrganizrAuthLayer::new(Authenticator::new(config)).require(GroupLevel::ADMIN));
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
        self.policy =
            Policy::require(level).with_downstream_headers(self.policy.downstream_headers());
        self
    }

    /// Never refuses a request: only removes spoofed identity headers and
    /// attaches the [`Authentication`] for handlers and extractors. Keeps the
    /// downstream-headers setting.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use axum::{Extension, Router, body::Body, routing::get};
    /// use http::{Request, StatusCode};
    /// use http_body_util::BodyExt;
    /// use organizr_auth_core::{Authentication, Authenticator, Config, Secret};
    /// use organizr_auth_tower::OrganizrAuthLayer;
    /// use tower::ServiceExt;
    ///
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
    /// let app = Router::new()
    ///     .route("/", get(|Extension(who): Extension<Authentication>| async move {
    ///         match who.identity() {
    ///             Some(user) => format!("hello {}", user.username),
    ///             None => "hello stranger".to_owned(),
    ///         }
    ///     }))
    ///     .layer(OrganizrAuthLayer::new(auth).pass_through());
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
        self.policy =
            Policy::pass_through().with_downstream_headers(self.policy.downstream_headers());
        self
    }

    /// Replaces the whole policy (level and downstream headers).
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, GroupLevel, Policy, Secret};
    /// use organizr_auth_tower::OrganizrAuthLayer;
    ///
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
    /// let layer = OrganizrAuthLayer::new(auth)
    ///     .policy(Policy::require(GroupLevel::POWER_USER).with_downstream_headers(true));
    /// assert_eq!(layer.current_policy(), Policy::require(GroupLevel::POWER_USER).with_downstream_headers(true));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
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
    /// use organizr_auth_tower::OrganizrAuthLayer;
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
    ///     .layer(OrganizrAuthLayer::new(Authenticator::new(config)).downstream_headers(true));
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
    /// use organizr_auth_tower::OrganizrAuthLayer;
    /// use tower::ServiceExt;
    ///
    /// let config = Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)
    ///     .trusted_proxies("127.0.0.1".parse::<TrustedProxies>()?);
    /// let layer = OrganizrAuthLayer::new(Authenticator::new(config)).peer_lookup(|ext: &Extensions| {
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
    pub fn peer_lookup<L>(self, lookup: L) -> OrganizrAuthLayer<L, R>
    where
        L: PeerLookup,
    {
        OrganizrAuthLayer {
            authenticator: self.authenticator,
            policy: self.policy,
            peer_lookup: lookup,
            on_rejection: self.on_rejection,
            warned: self.warned,
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
    /// use organizr_auth_tower::OrganizrAuthLayer;
    /// use tower::ServiceExt;
    ///
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
    /// let layer = OrganizrAuthLayer::new(auth).on_rejection(|rejection: Rejection, _: &Parts| -> Response {
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
    pub fn on_rejection<H, B>(self, handler: H) -> OrganizrAuthLayer<P, H>
    where
        H: Fn(Rejection, &Parts) -> Response<B>,
    {
        OrganizrAuthLayer {
            authenticator: self.authenticator,
            policy: self.policy,
            peer_lookup: self.peer_lookup,
            on_rejection: handler,
            warned: self.warned,
        }
    }

    /// The authenticator this layer uses.
    pub fn authenticator(&self) -> &Arc<Authenticator> {
        &self.authenticator
    }

    /// The policy this layer enforces.
    pub fn current_policy(&self) -> Policy {
        self.policy
    }
}

impl<P: Clone, R: Clone> Clone for OrganizrAuthLayer<P, R> {
    fn clone(&self) -> Self {
        Self {
            authenticator: Arc::clone(&self.authenticator),
            policy: self.policy,
            peer_lookup: self.peer_lookup.clone(),
            on_rejection: self.on_rejection.clone(),
            warned: Arc::clone(&self.warned),
        }
    }
}

impl<P, R> fmt::Debug for OrganizrAuthLayer<P, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrganizrAuthLayer")
            .field("authenticator", &self.authenticator)
            .field("policy", &self.policy)
            .field("peer_lookup", &std::any::type_name::<P>())
            .field("on_rejection", &std::any::type_name::<R>())
            .finish()
    }
}

impl<S, P: Clone, R: Clone> Layer<S> for OrganizrAuthLayer<P, R> {
    type Service = OrganizrAuth<S, P, R>;

    fn layer(&self, inner: S) -> Self::Service {
        OrganizrAuth {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service an [`OrganizrAuthLayer`] wraps around `S`. See the layer for
/// what it does.
pub struct OrganizrAuth<S, P = DefaultPeerLookup, R = DefaultOnRejection> {
    inner: S,
    layer: OrganizrAuthLayer<P, R>,
}

impl<S, P, R> OrganizrAuth<S, P, R> {
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

impl<S: Clone, P: Clone, R: Clone> Clone for OrganizrAuth<S, P, R> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            layer: self.layer.clone(),
        }
    }
}

impl<S: fmt::Debug, P, R> fmt::Debug for OrganizrAuth<S, P, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrganizrAuth")
            .field("inner", &self.inner)
            .field("layer", &self.layer)
            .finish()
    }
}

impl<S, P, R> OrganizrAuth<S, P, R>
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

impl<S, P, R, ReqBody, ResBody> Service<Request<ReqBody>> for OrganizrAuth<S, P, R>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    P: PeerLookup,
    R: OnRejection<ResBody>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let (mut parts, body) = request.into_parts();
        let authenticator = &self.layer.authenticator;
        // An outer layer with the same authenticator already sanitised and
        // resolved this request: reuse its result rather than deciding again
        // on headers it may have rewritten (downstream headers).
        let resolved = parts
            .extensions
            .get::<LayerContext>()
            .filter(|outer| Arc::ptr_eq(&outer.authenticator, authenticator))
            .and_then(|_| parts.extensions.get::<Authentication>().cloned());
        let verdict = match resolved {
            Some(auth) => {
                let head = RequestHead {
                    method: parts.method.as_str(),
                    query: parts.uri.query(),
                    headers: &mut parts.headers,
                };
                authenticator.process_resolved(head, auth, self.layer.policy)
            }
            None => {
                let peer = self.peer(&parts);
                let head = RequestHead {
                    method: parts.method.as_str(),
                    query: parts.uri.query(),
                    headers: &mut parts.headers,
                };
                authenticator.process(head, &peer, self.layer.policy)
            }
        };
        match verdict {
            Verdict::Allow(authentication) => {
                attach(&mut parts, &self.layer.authenticator, authentication);
                ResponseFuture::called(self.inner.call(Request::from_parts(parts, body)))
            }
            Verdict::Reject(rejection) => {
                ResponseFuture::rejected(self.layer.on_rejection.on_rejection(rejection, &parts))
            }
        }
    }
}

/// Puts the verdict into the request's extensions, replacing whatever an
/// earlier layer put there.
fn attach(parts: &mut Parts, authenticator: &Arc<Authenticator>, authentication: Authentication) {
    // The identity lives inside the `Authentication` only: a copy of its own
    // would cost several allocations per request. An `Identity` that something
    // before the layer inserted must not pass for a verified one.
    parts.extensions.remove::<Identity>();
    parts.extensions.insert(authentication);
    parts.extensions.insert(LayerContext {
        authenticator: Arc::clone(authenticator),
    });
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
