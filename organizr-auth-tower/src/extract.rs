//! axum extractors for the identity an [`OrganizrAuth`] attached.
//!
//! | extractor | passes | refuses |
//! |---|---|---|
//! | [`OrganizrUser`] | any logged-in user (level 998 or better) | anonymous: 401 (or the login redirect) |
//! | `Option<OrganizrUser>` | always: `Some(user)` or `None` | never, except a missing layer |
//! | [`RequireLevel<L>`](RequireLevel) | users at level `L` or better | anonymous: 401; too low: 403 |
//! | `Option<RequireLevel<L>>` | always: `Some(user)` or `None` | never, except a missing layer |
//!
//! [`Admin`], [`CoAdmin`], [`SuperUser`] and [`PowerUser`] name the built-in
//! levels.
//!
//! The refusals are the layer's own: the extractor asks core to
//! [authorize](organizr_auth_core::Authentication::authorize) the attached
//! [`Authentication`] and builds the same 401, 403 or login redirect the layer
//! would (same `WWW-Authenticate`, same bodies that give no reason). Replace
//! them by taking `Result<OrganizrUser, ExtractorRejection>` in the handler.
//!
//! # A missing layer fails closed
//! The extractors need an [`OrganizrAuth`] in front of the handler. When
//! it is missing (a route added after `Router::layer`, a nested router without
//! it), every extractor, including the `Option` forms, refuses with `500
//! Internal Server Error` and logs an error: a missing layer is a
//! misconfiguration, and treating it as "anonymous" would hide it on pages that
//! work for guests while leaving spoofed identity headers in place.
//!
//! [`OrganizrAuth`]: crate::OrganizrAuth

use std::fmt;
use std::ops::Deref;

use axum_core::body::Body;
use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderValue, StatusCode, header};
use organizr_auth_core::{Admission, Authentication, Denial, Identity, Rejection, UserLevel};

use crate::layer::LayerContext;

/// A logged-in user (any level up to 998). Anonymous requests are refused
/// with the layer's 401 (or its login redirect).
///
/// ```
/// # #[cfg(not(feature = "axum"))] fn main() {} // needs the `axum` feature
/// # #[cfg(feature = "axum")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::net::SocketAddr;
/// use axum::{Router, body::Body, extract::ConnectInfo, routing::get};
/// use http::{Request, StatusCode};
/// use http_body_util::BodyExt;
/// use organizr_auth_core::{Authenticator, Config, Secret, TrustedProxies};
/// use organizr_auth_tower::{OrganizrAuth, OrganizrUser};
/// use tower::ServiceExt;
///
/// async fn me(OrganizrUser(user): OrganizrUser) -> String {
///     format!("{} (level {})", user.username, user.group_id)
/// }
///
/// let config = Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)
///     .trusted_proxies("127.0.0.1".parse::<TrustedProxies>()?);
/// // A pass-through layer: the extractor does the refusing.
/// let app = Router::new()
///     .route("/me", get(me))
///     .layer(OrganizrAuth::new(Authenticator::new(config)).pass_through());
///
/// let proxy = ConnectInfo("127.0.0.1:50000".parse::<SocketAddr>()?);
/// let request = Request::get("/me").header("remote-user", "alice").extension(proxy).body(Body::empty())?;
/// let body = app.clone().oneshot(request).await?.into_body().collect().await?.to_bytes();
/// assert_eq!(body, "alice (level 998)");
///
/// let anonymous = Request::get("/me").extension(proxy).body(Body::empty())?;
/// assert_eq!(app.oneshot(anonymous).await?.status(), StatusCode::UNAUTHORIZED);
/// # Ok(())
/// # }
/// ```
///
/// As `Option<OrganizrUser>` it never refuses (soft authentication), except
/// when the layer is missing:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use axum::{Router, body::Body, routing::get};
/// use http::{Request, StatusCode};
/// use http_body_util::BodyExt;
/// use organizr_auth_core::{Authenticator, Config, Secret};
/// use organizr_auth_tower::{OrganizrAuth, OrganizrUser};
/// use tower::ServiceExt;
///
/// async fn home(user: Option<OrganizrUser>) -> String {
///     match user {
///         Some(OrganizrUser(user)) => format!("welcome back, {}", user.username),
///         None => "welcome, guest".to_owned(),
///     }
/// }
///
/// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
/// let app = Router::new().route("/", get(home)).layer(OrganizrAuth::new(auth).pass_through());
/// let response = app.oneshot(Request::get("/").body(Body::empty())?).await?;
/// assert_eq!(response.into_body().collect().await?.to_bytes(), "welcome, guest");
///
/// // Forgot the layer: a 500, not a silent "guest".
/// let unprotected = Router::new().route("/", get(home));
/// let response = unprotected.oneshot(Request::get("/").body(Body::empty())?).await?;
/// assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizrUser(pub Identity);

impl OrganizrUser {
    /// The identity.
    pub fn into_inner(self) -> Identity {
        self.0
    }
}

impl Deref for OrganizrUser {
    type Target = Identity;

    fn deref(&self) -> &Identity {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for OrganizrUser {
    type Rejection = ExtractorRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        require(parts, UserLevel::LOGGED_IN).map(Self)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for OrganizrUser {
    type Rejection = ExtractorRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        optional(parts, UserLevel::LOGGED_IN).map(|user| user.map(Self))
    }
}

/// A user at level `LEVEL` or better (lower is more privileged: 0 Admin ...
/// 4 User, 5-997 custom groups, 998 any logged-in user). Anonymous requests
/// get the layer's 401 (or its login redirect), users whose level is too low
/// a 403.
///
/// `LEVEL` is checked when the handler is compiled: it must be at most 998
/// (999 would admit anonymous requests, which have no identity to extract; use
/// `Option<OrganizrUser>` for pages open to guests).
///
/// ```
/// # #[cfg(not(feature = "axum"))] fn main() {} // needs the `axum` feature
/// # #[cfg(feature = "axum")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::net::SocketAddr;
/// use axum::{Router, body::Body, extract::ConnectInfo, routing::get};
/// use http::{Request, StatusCode};
/// use organizr_auth_core::{Authenticator, Config, Secret, TrustedProxies};
/// use organizr_auth_tower::{Admin, OrganizrAuth, RequireLevel};
/// use tower::ServiceExt;
///
/// async fn settings(admin: Admin) -> String {
///     format!("hello {}", admin.username)
/// }
/// async fn family_photos(RequireLevel(user): RequireLevel<12>) -> String {
///     format!("photos for {}", user.username)
/// }
///
/// let config = Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)
///     .trusted_proxies("127.0.0.1".parse::<TrustedProxies>()?)
///     .proxy_group_header("Remote-Group-Id")?;
/// let app = Router::new()
///     .route("/settings", get(settings))
///     .route("/photos", get(family_photos))
///     .layer(OrganizrAuth::new(Authenticator::new(config)).pass_through());
///
/// let proxy = ConnectInfo("127.0.0.1:50000".parse::<SocketAddr>()?);
/// let get_as = |path: &str, level: &str| {
///     Request::get(path)
///         .header("remote-user", "alice")
///         .header("remote-group-id", level)
///         .extension(proxy)
///         .body(Body::empty())
/// };
/// assert_eq!(app.clone().oneshot(get_as("/settings", "4")?).await?.status(), StatusCode::FORBIDDEN);
/// assert_eq!(app.clone().oneshot(get_as("/settings", "0")?).await?.status(), StatusCode::OK);
/// assert_eq!(app.clone().oneshot(get_as("/photos", "12")?).await?.status(), StatusCode::OK);
/// assert_eq!(app.oneshot(get_as("/photos", "13")?).await?.status(), StatusCode::FORBIDDEN);
/// # Ok(())
/// # }
/// ```
///
/// An impossible level does not compile:
///
/// ```compile_fail
/// use organizr_auth_tower::RequireLevel;
/// async fn handler(_: RequireLevel<999>) {}
/// let _app: axum::Router = axum::Router::new().route("/", axum::routing::get(handler));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequireLevel<const LEVEL: u16>(pub Identity);

impl<const LEVEL: u16> RequireLevel<LEVEL> {
    /// The level required, checked by core at compile time (at most 998).
    pub const LEVEL: UserLevel = UserLevel::of::<LEVEL>();

    /// The identity.
    pub fn into_inner(self) -> Identity {
        self.0
    }
}

impl<const LEVEL: u16> Deref for RequireLevel<LEVEL> {
    type Target = Identity;

    fn deref(&self) -> &Identity {
        &self.0
    }
}

impl<S: Send + Sync, const LEVEL: u16> FromRequestParts<S> for RequireLevel<LEVEL> {
    type Rejection = ExtractorRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        require(parts, Self::LEVEL).map(Self)
    }
}

impl<S: Send + Sync, const LEVEL: u16> OptionalFromRequestParts<S> for RequireLevel<LEVEL> {
    type Rejection = ExtractorRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        optional(parts, Self::LEVEL).map(|user| user.map(Self))
    }
}

/// Organizr's administrators (level 0). A type alias: use `admin.username`
/// (it derefs to [`Identity`]) or `admin.0`, or destructure as
/// `RequireLevel(user): Admin`.
pub type Admin = RequireLevel<0>;
/// Co-administrators or better (level 1).
pub type CoAdmin = RequireLevel<1>;
/// Super users or better (level 2).
pub type SuperUser = RequireLevel<2>;
/// Power users or better (level 3).
pub type PowerUser = RequireLevel<3>;

/// The layer's admission and context, or the 500 of a missing layer.
fn admitted(parts: &Parts) -> Result<(&Admission, &LayerContext), ExtractorRejection> {
    match (
        parts.extensions.get::<Admission>(),
        parts.extensions.get::<LayerContext>(),
    ) {
        (Some(admission), Some(context)) => Ok((admission, context)),
        _ => {
            tracing::error!(
                method = %parts.method,
                path = parts.uri.path(),
                "an Organizr extractor found no admission on the request: this route is not behind an \
                 OrganizrAuth layer (a route added after Router::layer, or a router nested without it); \
                 answering 500"
            );
            Err(ExtractorRejection::missing_layer())
        }
    }
}

/// The user at `level` or better; otherwise the layer's own answer (its
/// `on_rejection` handler, or core's), or a 500 if no layer ran.
fn require(parts: &Parts, level: UserLevel) -> Result<Identity, ExtractorRejection> {
    let (admission, context) = admitted(parts)?;
    // Core authorizes, logs the decision and builds the rejection, exactly as
    // the layer would.
    admission
        .require(
            level,
            parts.method.as_str(),
            parts.uri.path(),
            &parts.headers,
        )
        .cloned()
        .map_err(|rejection| {
            let response = (context.responder)(rejection.clone(), parts);
            ExtractorRejection::denied(rejection, response)
        })
}

/// The `Option` forms: the user at `level` or better, or `None`; refuses
/// (and logs) nothing, but a missing layer is still a 500.
fn optional(parts: &Parts, level: UserLevel) -> Result<Option<Identity>, ExtractorRejection> {
    admitted(parts).map(|(admission, _)| admission.user_at(level).cloned())
}

/// The [`Authentication`] the layer attached, whoever the request is: for
/// handlers that decide by themselves. Refuses only when the layer is
/// missing (500).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use axum::{Router, body::Body, routing::get};
/// use http::Request;
/// use http_body_util::BodyExt;
/// use organizr_auth_core::{Authentication, Authenticator, Config, Secret};
/// use organizr_auth_tower::{OrganizrAuth, OrganizrAuthentication};
/// use tower::ServiceExt;
///
/// async fn status(who: OrganizrAuthentication) -> &'static str {
///     match &*who {
///         Authentication::Authenticated(_) => "signed in",
///         Authentication::Anonymous { refused: Some(_) } => "your session was refused",
///         Authentication::Anonymous { refused: None } => "not signed in",
///     }
/// }
/// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
/// let app = Router::new().route("/", get(status)).layer(OrganizrAuth::new(auth).pass_through());
/// let response = app.oneshot(Request::get("/").body(Body::empty())?).await?;
/// assert_eq!(response.into_body().collect().await?.to_bytes(), "not signed in");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizrAuthentication(pub Authentication);

impl OrganizrAuthentication {
    /// The authentication.
    pub fn into_inner(self) -> Authentication {
        self.0
    }
}

impl Deref for OrganizrAuthentication {
    type Target = Authentication;

    fn deref(&self) -> &Authentication {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for OrganizrAuthentication {
    type Rejection = ExtractorRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        admitted(parts).map(|(admission, _)| Self(admission.authentication().clone()))
    }
}

/// Why an Organizr extractor refused a request: the layer's rejection (with
/// the response the layer's `on_rejection` handler, or core, gives it), or a
/// missing layer (500). Its response reveals no reason.
///
/// ```
/// use axum::response::IntoResponse;
/// use organizr_auth_tower::{ExtractorRejection, OrganizrUser};
///
/// async fn handler(user: Result<OrganizrUser, ExtractorRejection>) -> axum::response::Response {
///     match user {
///         Ok(OrganizrUser(user)) => format!("hi {}", user.username).into_response(),
///         Err(rejection) if rejection.is_missing_layer() => rejection.into_response(),
///         Err(rejection) => (rejection.status(), "please sign in to Organizr first").into_response(),
///     }
/// }
/// # let _: axum::Router = axum::Router::new().route("/", axum::routing::get(handler));
/// ```
pub struct ExtractorRejection {
    kind: RejectionKind,
}

enum RejectionKind {
    /// Core refused the request (401, 403, redirect), and the layer's answer
    /// (boxed: a rejected request can afford it, and the `Result` stays small).
    Denied(Box<(Rejection, Response)>),
    /// No layer ran: 500.
    MissingLayer,
}

impl ExtractorRejection {
    fn denied(rejection: Rejection, response: Response) -> Self {
        Self {
            kind: RejectionKind::Denied(Box::new((rejection, response))),
        }
    }

    fn missing_layer() -> Self {
        Self {
            kind: RejectionKind::MissingLayer,
        }
    }

    /// The status: 401, 403, 302/303 (login redirect) or 500 (no layer).
    pub fn status(&self) -> StatusCode {
        match &self.kind {
            RejectionKind::Denied(denied) => denied.0.status(),
            RejectionKind::MissingLayer => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Core's rejection, unless the layer was missing.
    pub fn rejection(&self) -> Option<&Rejection> {
        match &self.kind {
            RejectionKind::Denied(denied) => Some(&denied.0),
            RejectionKind::MissingLayer => None,
        }
    }

    /// Why the request was refused (for logs), unless the layer was missing.
    pub fn denial(&self) -> Option<&Denial> {
        self.rejection().map(Rejection::denial)
    }

    /// Whether the route has no [`OrganizrAuth`](crate::OrganizrAuth) layer
    /// in front of it.
    pub fn is_missing_layer(&self) -> bool {
        matches!(self.kind, RejectionKind::MissingLayer)
    }
}

impl fmt::Debug for ExtractorRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            RejectionKind::Denied(denied) => f
                .debug_tuple("ExtractorRejection")
                .field(&denied.0)
                .finish(),
            RejectionKind::MissingLayer => f.write_str("ExtractorRejection(MissingLayer)"),
        }
    }
}

impl fmt::Display for ExtractorRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            RejectionKind::Denied(denied) => {
                write!(f, "request refused: {}", denied.0.denial())
            }
            RejectionKind::MissingLayer => {
                f.write_str("no OrganizrAuth layer in front of this route")
            }
        }
    }
}

impl std::error::Error for ExtractorRejection {}

impl IntoResponse for ExtractorRejection {
    fn into_response(self) -> Response {
        match self.kind {
            RejectionKind::Denied(denied) => denied.1,
            RejectionKind::MissingLayer => {
                let mut response = Response::new(Body::from("500 Internal Server Error\n"));
                *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                );
                response
            }
        }
    }
}
