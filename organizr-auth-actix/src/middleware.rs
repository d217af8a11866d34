//! The [`OrganizrAuth`] middleware.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::StatusCode;
use actix_web::{Error, HttpMessage as _, HttpRequest, HttpResponse};
use futures_util::future::{Either, MapOk, Ready, TryFutureExt as _, ready};
use organizr_auth_core::access::AccessPolicy;
use organizr_auth_core::{
    Admission, Authentication, Authenticator, GroupLevel, Identity, Policy, Rejection, RequestHead,
    Verdict,
};

use crate::headers::{ActixHeadersMut, convert};
use crate::peer::lookup_peer;

/// A function that answers a rejected request instead of
/// [`rejection_response`]. See [`OrganizrAuth::on_rejection`].
pub type RejectionHandler = Arc<dyn Fn(Rejection, &HttpRequest) -> HttpResponse + Send + Sync>;

/// actix-web middleware that authenticates every request with
/// [`Authenticator::admit`] and refuses those below the required level.
///
/// Wrap an [`App`](actix_web::App), a [`Scope`](actix_web::Scope) or a
/// [`Resource`](actix_web::Resource). For every request it
///
/// 1. finds the socket [`Peer`](organizr_auth_core::Peer) ([`peer_of`](crate::peer_of));
/// 2. lets core remove identity headers sent by untrusted peers, resolve the
///    identity, compare it with the [`Policy`] and, if asked, write the
///    verified identity's downstream headers;
/// 3. answers a refused request itself (401, 403, or a redirect to the login
///    page, as [`Rejection`] says), or stores the [`Authentication`] in the
///    request's extensions for the extractors ([`OrganizrUser`],
///    [`OptionalUser`], [`RequireLevel`], [`OrganizrAuthentication`]) and calls
///    the inner service.
///
/// Built with [`OrganizrAuth::new`], it requires any logged-in user (level
/// 998).
///
/// ```
/// use std::sync::Arc;
/// use actix_web::{App, HttpResponse, http::StatusCode, test, web};
/// use organizr_auth_actix::{OrganizrAuth, OrganizrUser};
/// use organizr_auth_core::{Authenticator, Config, GroupLevel, Secret, TrustedProxies};
///
/// # #[actix_web::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let auth = Arc::new(Authenticator::new(
///     Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)
///         .trusted_proxies("10.0.0.2".parse::<TrustedProxies>()?),
/// ));
/// let app = test::init_service(
///     App::new()
///         .service(
///             web::scope("/admin")
///                 .wrap(OrganizrAuth::new(auth.clone()).require(GroupLevel::ADMIN))
///                 .route("", web::get().to(|| async { HttpResponse::Ok().body("admin area") })),
///         )
///         .service(
///             web::resource("/home")
///                 .wrap(OrganizrAuth::new(auth.clone())) // any logged-in user
///                 .to(|user: OrganizrUser| async move { format!("hello {}", user.username) }),
///         ),
/// )
/// .await;
///
/// // The trusted proxy vouches for alice: she is logged in (level 998), not an admin.
/// let proxy: std::net::SocketAddr = "10.0.0.2:40000".parse()?;
/// let from_proxy = |uri: &str| {
///     test::TestRequest::get().uri(uri).peer_addr(proxy).insert_header(("Remote-User", "alice")).to_request()
/// };
/// let home = test::call_service(&app, from_proxy("/home")).await;
/// assert_eq!(home.status(), StatusCode::OK);
/// assert_eq!(test::read_body(home).await, "hello alice");
/// let admin = test::call_service(&app, from_proxy("/admin")).await;
/// assert_eq!(admin.status(), StatusCode::FORBIDDEN);
///
/// // Anyone else sending the same header is anonymous.
/// let spoofed = test::TestRequest::get()
///     .uri("/home")
///     .peer_addr("192.0.2.7:40000".parse()?)
///     .insert_header(("Remote-User", "alice"))
///     .to_request();
/// assert_eq!(test::call_service(&app, spoofed).await.status(), StatusCode::UNAUTHORIZED);
/// # Ok(())
/// # }
/// ```
///
/// [`OrganizrUser`]: crate::OrganizrUser
/// [`OptionalUser`]: crate::OptionalUser
/// [`RequireLevel`]: crate::RequireLevel
/// [`OrganizrAuthentication`]: crate::OrganizrAuthentication
#[derive(Clone)]
pub struct OrganizrAuth {
    authenticator: Arc<Authenticator>,
    policy: Policy,
    on_rejection: Option<RejectionHandler>,
    /// Whether the missing-peer warning was logged; shared by every clone.
    warned: Arc<AtomicBool>,
}

impl fmt::Debug for OrganizrAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrganizrAuth")
            .field("policy", &self.policy)
            .field(
                "on_rejection",
                &self.on_rejection.as_ref().map(|_| "custom"),
            )
            .finish_non_exhaustive()
    }
}

impl OrganizrAuth {
    /// A middleware that requires any logged-in user
    /// ([`GroupLevel::LOGGED_IN`]) and writes no downstream headers. Takes an
    /// [`Authenticator`] or an `Arc` of one (share one `Arc` between all the
    /// middleware of an app: `HttpServer::new` builds the app once per worker).
    pub fn new(authenticator: impl Into<Arc<Authenticator>>) -> Self {
        Self {
            authenticator: authenticator.into(),
            policy: Policy::default(),
            on_rejection: None,
            warned: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Refuses requests below `level`: 401 (or a login redirect) when anonymous,
    /// 403 when the user's level is not enough. Keeps the downstream-headers
    /// setting.
    ///
    /// ```
    /// use organizr_auth_actix::OrganizrAuth;
    /// use organizr_auth_core::{Authenticator, Config, GroupLevel, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
    /// let admins_only = OrganizrAuth::new(auth).require(GroupLevel::ADMIN);
    /// # let _ = admins_only;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn require(mut self, level: GroupLevel) -> Self {
        self.policy = self.policy.with_required(level);
        self
    }

    /// Never refuses: resolves the identity (anonymous is fine), removes spoofed
    /// identity headers and attaches the result for the extractors. Same as
    /// `.require(GroupLevel::GUEST)`.
    ///
    /// ```
    /// use actix_web::{App, test, web};
    /// use organizr_auth_actix::{OptionalUser, OrganizrAuth};
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    ///
    /// # #[actix_web::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
    /// let app = test::init_service(
    ///     App::new().wrap(OrganizrAuth::new(auth).pass_through()).route(
    ///         "/",
    ///         web::get().to(|user: OptionalUser| async move {
    ///             match user.0 {
    ///                 Some(identity) => format!("welcome back, {}", identity.username),
    ///                 None => "welcome, guest".to_owned(),
    ///             }
    ///         }),
    ///     ),
    /// )
    /// .await;
    /// let body = test::call_and_read_body(&app, test::TestRequest::get().uri("/").to_request()).await;
    /// assert_eq!(body, "welcome, guest");
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn pass_through(self) -> Self {
        self.require(GroupLevel::GUEST)
    }

    /// Replaces the whole policy (required level, IP lists and downstream
    /// headers).
    #[must_use]
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// IP allow and deny lists for the wrapped routes, decided by core before
    /// the level: an allow-list match goes on whatever the level, a deny-list
    /// match gets 403. Read [`AccessPolicy`]'s security notes before
    /// allow-listing anything.
    ///
    /// ```
    /// use actix_web::{App, HttpResponse, http::StatusCode, test, web};
    /// use organizr_auth_actix::OrganizrAuth;
    /// use organizr_auth_core::access::{AccessPolicy, AccessRules};
    /// use organizr_auth_core::{Authenticator, Config, GroupLevel, Secret};
    ///
    /// # #[actix_web::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?).uuid("u"));
    /// let lan = AccessPolicy::new(AccessRules::from_organizr_query("whitelist=192.168.1.0/24&blacklist=203.0.113.0/24")?);
    /// let admin = OrganizrAuth::new(auth).require(GroupLevel::ADMIN).access(lan);
    /// let app = test::init_service(App::new().wrap(admin).route("/", web::get().to(HttpResponse::Ok))).await;
    /// let from = |ip: &str| test::TestRequest::get().uri("/").peer_addr(format!("{ip}:40000").parse().unwrap()).to_request();
    /// assert_eq!(test::call_service(&app, from("192.168.1.20")).await.status(), StatusCode::OK);
    /// assert_eq!(test::call_service(&app, from("203.0.113.5")).await.status(), StatusCode::FORBIDDEN);
    /// assert_eq!(test::call_service(&app, from("198.51.100.7")).await.status(), StatusCode::UNAUTHORIZED);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn access(mut self, access: AccessPolicy) -> Self {
        self.policy = self.policy.with_access(access);
        self
    }

    /// Whether allowed requests carry the verified identity as
    /// `Remote-User`, `Remote-Email`, `Remote-Groups`, `X-Organizr-User`,
    /// `X-Organizr-Email` and `X-Organizr-Group` headers (any copies the client
    /// sent are removed first). Off by default; turn it on for handlers or
    /// proxied backends that read headers rather than extractors.
    ///
    /// ```
    /// use actix_web::{App, HttpRequest, test, web};
    /// use organizr_auth_actix::OrganizrAuth;
    /// use organizr_auth_core::{Authenticator, Config, Secret, TrustedProxies};
    ///
    /// # #[actix_web::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let auth = Authenticator::new(
    ///     Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)
    ///         .trusted_proxies("10.0.0.2".parse::<TrustedProxies>()?),
    /// );
    /// let app = test::init_service(
    ///     App::new().wrap(OrganizrAuth::new(auth).downstream_headers(true)).route(
    ///         "/",
    ///         web::get().to(|req: HttpRequest| async move {
    ///             let group = req.headers().get("x-organizr-group").and_then(|v| v.to_str().ok());
    ///             format!("level {}", group.unwrap_or("?"))
    ///         }),
    ///     ),
    /// )
    /// .await;
    /// let req = test::TestRequest::get()
    ///     .uri("/")
    ///     .peer_addr("10.0.0.2:40000".parse()?)
    ///     .insert_header(("Remote-User", "alice"))
    ///     .insert_header(("X-Organizr-Group", "0")) // not believed: core writes the real level
    ///     .to_request();
    /// assert_eq!(test::call_and_read_body(&app, req).await, "level 998");
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn downstream_headers(mut self, enabled: bool) -> Self {
        self.policy = self.policy.with_downstream_headers(enabled);
        self
    }

    /// Answers rejected requests with `handler` instead of
    /// [`rejection_response`]. It also answers the refusals of the extractors
    /// ([`OrganizrUser`](crate::OrganizrUser),
    /// [`RequireLevel`](crate::RequireLevel)) on the routes this middleware
    /// wraps (the innermost middleware's handler, when they nest). The
    /// [`HttpRequest`] is the request, with identity headers from untrusted
    /// peers already removed.
    ///
    /// The [`Rejection`] says what to answer ([`Rejection::status`],
    /// [`Rejection::headers`], [`Rejection::is_redirect`]) and why
    /// ([`Rejection::denial`], for your logs). Keep the reason out of the
    /// response, and keep the status: a 401 or 403 turned into a 200 would tell
    /// clients and caches the request succeeded.
    ///
    /// ```
    /// use actix_web::{App, HttpResponse, http::StatusCode, test, web};
    /// use organizr_auth_actix::{OrganizrAuth, rejection_response};
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    ///
    /// # #[actix_web::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
    /// let middleware = OrganizrAuth::new(auth).on_rejection(|rejection, _req| {
    ///     if rejection.status() == http::StatusCode::FORBIDDEN {
    ///         HttpResponse::Forbidden().content_type("text/html").body("<h1>Ask an admin</h1>")
    ///     } else {
    ///         rejection_response(&rejection) // the default for everything else
    ///     }
    /// });
    /// let app = test::init_service(App::new().wrap(middleware).route("/", web::get().to(HttpResponse::Ok))).await;
    /// let res = test::call_service(&app, test::TestRequest::get().uri("/").to_request()).await;
    /// assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn on_rejection<F>(mut self, handler: F) -> Self
    where
        F: Fn(Rejection, &HttpRequest) -> HttpResponse + Send + Sync + 'static,
    {
        self.on_rejection = Some(Arc::new(handler));
        self
    }

    /// The authenticator in use.
    pub fn authenticator(&self) -> &Arc<Authenticator> {
        &self.authenticator
    }

    /// The policy in use.
    pub fn current_policy(&self) -> &Policy {
        &self.policy
    }
}

impl OrganizrAuth {
    /// [`peer_of`](crate::peer_of), warning once per middleware when the request carries no
    /// peer at all.
    fn peer(&self, req: &ServiceRequest) -> organizr_auth_core::Peer {
        if let Some(peer) = lookup_peer(req.request()) {
            return peer;
        }
        if !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "a request carries no peer address, so it is treated as Peer::Unknown: no reverse proxy is trusted \
                 and identity headers are removed. On a UNIX socket, pass organizr_auth_actix::on_connect to \
                 HttpServer::on_connect before adding the socket with listen_uds (bind_uds ignores it). \
                 Logged once per middleware."
            );
        }
        organizr_auth_core::Peer::Unknown
    }
}

/// The default answer to a rejected request: core's status, headers
/// (`WWW-Authenticate` or `Location`, `Content-Type`) and short plain-text
/// body, which never says why.
///
/// ```
/// use std::sync::Arc;
/// use actix_web::http::StatusCode;
/// use organizr_auth_actix::rejection_response;
/// use organizr_auth_core::{Authenticator, Config, GroupLevel, Peer, Secret, Verdict};
///
/// let auth = Arc::new(Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)));
/// let Verdict::Reject(rejection) = auth.forward_auth(&http::HeaderMap::new(), None, Peer::Unknown, GroupLevel::USER) else {
///     return Err("anonymous passed".into());
/// };
/// let response = rejection_response(&rejection);
/// assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
/// assert_eq!(response.headers().get("www-authenticate").map(|v| v.as_bytes()), Some(&b"Bearer realm=\"Organizr\""[..]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn rejection_response(rejection: &Rejection) -> HttpResponse {
    let status = StatusCode::from_u16(rejection.status().as_u16())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    for (name, value) in rejection.headers() {
        match convert(&name, &value) {
            Some(pair) => {
                response.insert_header(pair);
            }
            None => tracing::error!(
                header = name.as_str(),
                "organizr-auth-actix: a rejection header is not valid for actix-web; it was left out"
            ),
        }
    }
    response.body(rejection.body())
}

/// What the middleware leaves in the request's extensions for the extractors,
/// next to the [`Admission`].
#[derive(Clone)]
pub(crate) struct Attached {
    pub(crate) on_rejection: Option<RejectionHandler>,
}

impl Attached {
    pub(crate) fn respond(&self, rejection: Rejection, req: &HttpRequest) -> HttpResponse {
        respond(self.on_rejection.as_ref(), rejection, req)
    }
}

fn respond(
    on_rejection: Option<&RejectionHandler>,
    rejection: Rejection,
    req: &HttpRequest,
) -> HttpResponse {
    match on_rejection {
        Some(handler) => handler(rejection, req),
        None => rejection_response(&rejection),
    }
}

impl<S, B> Transform<S, ServiceRequest> for OrganizrAuth
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Transform = OrganizrAuthMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(OrganizrAuthMiddleware {
            service,
            config: self.clone(),
        }))
    }
}

/// The service [`OrganizrAuth`] wraps around an app, scope or resource. Built
/// by actix-web; you do not name it except in type signatures.
pub struct OrganizrAuthMiddleware<S> {
    service: S,
    config: OrganizrAuth,
}

impl<S> fmt::Debug for OrganizrAuthMiddleware<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrganizrAuthMiddleware")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

type IntoLeft<B> = fn(ServiceResponse<B>) -> ServiceResponse<EitherBody<B, BoxBody>>;

impl<S, B> Service<ServiceRequest> for OrganizrAuthMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Future = Either<MapOk<S::Future, IntoLeft<B>>, Ready<Result<Self::Response, Error>>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let config = &self.config;
        let peer = config.peer(&req);
        // Core decides everything, including whether an outer middleware's
        // admission (if any) can be reused.
        let earlier = req.extensions().get::<Admission>().cloned();
        let verdict = {
            let head = req.head_mut();
            let mut headers = ActixHeadersMut(&mut head.headers);
            let request = RequestHead::new(
                head.method.as_str(),
                head.uri.path(),
                head.uri.query(),
                &mut headers,
            );
            config
                .authenticator
                .admit(request, peer, &config.policy, earlier.as_ref())
        };
        match verdict {
            Verdict::Allow(admission) => {
                attach(&req, admission, config);
                let into_left: IntoLeft<B> = ServiceResponse::map_into_left_body;
                Either::Left(self.service.call(req).map_ok(into_left))
            }
            Verdict::Reject(rejection) => {
                let response = respond(config.on_rejection.as_ref(), rejection, req.request());
                Either::Right(ready(Ok(req.into_response(response).map_into_right_body())))
            }
        }
    }
}

/// Stores the outcome for the extractors; an inner middleware (a scope inside
/// a wrapped app) replaces what an outer one stored. Only the admission
/// carries an identity: an `Identity` or `Authentication` that something else
/// inserted must not pass for a verified one.
fn attach(req: &ServiceRequest, admission: Admission, config: &OrganizrAuth) {
    let mut extensions = req.extensions_mut();
    extensions.remove::<Identity>();
    extensions.remove::<Authentication>();
    extensions.insert(admission);
    extensions.insert(Attached {
        on_rejection: config.on_rejection.clone(),
    });
}
