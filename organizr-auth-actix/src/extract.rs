//! Extractors: the identity the [`OrganizrAuth`](crate::OrganizrAuth)
//! middleware resolved, for handlers. See the table in the
//! [crate documentation](crate#extractors).
//!
//! **Fail closed.** The extractors read what the middleware stored in the
//! request's extensions. On a route the middleware does not wrap they refuse
//! the request with a 500 and log an error, rather than treating everyone as
//! anonymous.

use std::fmt;
use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, HttpResponse, ResponseError};
use futures_util::future::{Ready, ready};
use organizr_auth_core::{Admission, Authentication, Denial, Identity, Rejection, UserLevel};

use crate::headers::ActixHeaders;
use crate::middleware::Attached;

/// A logged-in user (any level up to 998). Anonymous requests are refused
/// with the middleware's 401 (or its login redirect, for browsers when a login
/// URL is configured); an identity in the Guest group (999) gets a 403.
///
/// Use [`RequireLevel`] to require a level.
///
/// ```
/// use actix_web::{App, http::StatusCode, test, web};
/// use organizr_auth_actix::{OrganizrAuth, OrganizrUser};
/// use organizr_auth_core::{Authenticator, Config, Secret, TrustedProxies};
///
/// async fn whoami(user: OrganizrUser) -> String {
///     format!("{} (level {})", user.username, user.group_id)
/// }
///
/// # #[actix_web::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let auth = Authenticator::new(
///     Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)
///         .trusted_proxies("10.0.0.2".parse::<TrustedProxies>()?),
/// );
/// let app = test::init_service(
///     App::new().wrap(OrganizrAuth::new(auth).pass_through()).route("/whoami", web::get().to(whoami)),
/// )
/// .await;
///
/// let anonymous = test::TestRequest::get().uri("/whoami").to_request();
/// assert_eq!(test::call_service(&app, anonymous).await.status(), StatusCode::UNAUTHORIZED);
///
/// let alice = test::TestRequest::get()
///     .uri("/whoami")
///     .peer_addr("10.0.0.2:40000".parse()?)
///     .insert_header(("Remote-User", "alice"))
///     .to_request();
/// assert_eq!(test::call_and_read_body(&app, alice).await, "alice (level 998)");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizrUser(pub Identity);

/// The logged-in user if any (what [`OrganizrUser`] would accept), else
/// `None`. Never refuses, except with a 500 when the middleware is missing.
///
/// Use this rather than `Option<OrganizrUser>`: actix-web turns *every* error
/// of an `Option<T>` extractor into `None`, including the missing middleware
/// (you would only get the error log). For the same reason
/// `Option<RequireLevel<L>>` does not fail closed either.
///
/// ```
/// use actix_web::{App, test, web};
/// use organizr_auth_actix::{OptionalUser, OrganizrAuth};
/// use organizr_auth_core::{Authenticator, Config, Secret};
///
/// async fn greet(user: OptionalUser) -> String {
///     match user.identity() {
///         Some(identity) => format!("hello {}", identity.username),
///         None => "hello guest".to_owned(),
///     }
/// }
///
/// # #[actix_web::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
/// let app = test::init_service(
///     App::new().wrap(OrganizrAuth::new(auth).pass_through()).route("/", web::get().to(greet)),
/// )
/// .await;
/// let body = test::call_and_read_body(&app, test::TestRequest::get().uri("/").to_request()).await;
/// assert_eq!(body, "hello guest");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionalUser(pub Option<Identity>);

/// A user at level `LEVEL` or better (lower is more privileged: 0 Admin ... 4
/// User, 5-997 custom groups, 998 any logged-in user): 401 (or a login
/// redirect) when anonymous, 403 when the level is not enough.
///
/// Use it on a route under a [`pass_through`](crate::OrganizrAuth::pass_through)
/// (or lower-level) middleware; core's [`Admission::require`] decides,
/// logs and builds the rejection, exactly as for the middleware. [`Admin`],
/// [`CoAdmin`], [`SuperUser`] and [`PowerUser`] name the built-in levels.
///
/// [`Admission::require`]: organizr_auth_core::Admission::require
///
/// ```
/// use actix_web::{App, http::StatusCode, test, web};
/// use organizr_auth_actix::{OrganizrAuth, RequireLevel};
/// use organizr_auth_core::{Authenticator, Config, Secret, TrustedProxies};
///
/// /// Power users (3) and above.
/// async fn settings(user: RequireLevel<3>) -> String {
///     format!("settings for {}", user.username)
/// }
///
/// # #[actix_web::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let auth = Authenticator::new(
///     Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)
///         .trusted_proxies("10.0.0.2".parse::<TrustedProxies>()?)
///         .proxy_group_header("Remote-Group-Id")?,
/// );
/// let app = test::init_service(
///     App::new().wrap(OrganizrAuth::new(auth).pass_through()).route("/settings", web::get().to(settings)),
/// )
/// .await;
/// let as_level = |level: &'static str| -> Result<_, std::net::AddrParseError> {
///     Ok(test::TestRequest::get()
///         .uri("/settings")
///         .peer_addr("10.0.0.2:40000".parse()?)
///         .insert_header(("Remote-User", "alice"))
///         .insert_header(("Remote-Group-Id", level))
///         .to_request())
/// };
/// assert_eq!(test::call_service(&app, as_level("2")?).await.status(), StatusCode::OK);
/// assert_eq!(test::call_service(&app, as_level("4")?).await.status(), StatusCode::FORBIDDEN);
/// # Ok(())
/// # }
/// ```
///
/// `LEVEL` must be at most 998: level 999 admits anonymous requests, which have
/// no identity to hand over (use [`OptionalUser`]). A larger `LEVEL` does not
/// compile:
///
/// ```compile_fail
/// use organizr_auth_actix::RequireLevel;
/// async fn anyone(_user: RequireLevel<999>) -> &'static str { "" }
/// let _app = actix_web::App::new().route("/", actix_web::web::get().to(anyone));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequireLevel<const LEVEL: u16>(pub Identity);

/// Everything the middleware resolved: an identity, or anonymous with the reason
/// a presented credential was refused ([`Authentication::Anonymous`]). Never
/// refuses (except with a 500 when the middleware is missing).
///
/// The reason is for your logs or your own page ("your session expired");
/// keep it out of responses to unknown clients.
///
/// ```
/// use actix_web::{App, test, web};
/// use organizr_auth_actix::{OrganizrAuth, OrganizrAuthentication};
/// use organizr_auth_core::{Authentication, Authenticator, Config, Secret};
///
/// async fn status(auth: OrganizrAuthentication) -> &'static str {
///     match auth.0 {
///         Authentication::Authenticated(_) => "signed in",
///         Authentication::Anonymous { refused: Some(_) } => "please sign in again",
///         Authentication::Anonymous { refused: None } => "not signed in",
///     }
/// }
///
/// # #[actix_web::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let auth = Authenticator::new(
///     Config::new(Secret::new("a-long-random-organizr-hash-value-here")?).uuid("0b7e4c1a"),
/// );
/// let app = test::init_service(
///     App::new().wrap(OrganizrAuth::new(auth).pass_through()).route("/", web::get().to(status)),
/// )
/// .await;
/// let stale = test::TestRequest::get()
///     .uri("/")
///     .insert_header(("Cookie", "organizr_token_0b7e4c1a=not.a.token"))
///     .to_request();
/// assert_eq!(test::call_and_read_body(&app, stale).await, "please sign in again");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizrAuthentication(pub Authentication);

macro_rules! identity_wrapper {
    ($($ty:ident $(<const $l:ident: u16>)?),*) => {$(
        impl$(<const $l: u16>)? Deref for $ty$(<$l>)? {
            type Target = Identity;

            fn deref(&self) -> &Identity {
                &self.0
            }
        }

        impl$(<const $l: u16>)? AsRef<Identity> for $ty$(<$l>)? {
            fn as_ref(&self) -> &Identity {
                &self.0
            }
        }
    )*};
}

identity_wrapper!(OrganizrUser, RequireLevel<const LEVEL: u16>);

impl OrganizrUser {
    /// The identity.
    pub fn into_inner(self) -> Identity {
        self.0
    }
}

impl<const LEVEL: u16> RequireLevel<LEVEL> {
    /// The level required, checked by core at compile time (at most 998; for
    /// pages open to guests use [`OptionalUser`]).
    pub const LEVEL: UserLevel = UserLevel::of::<LEVEL>();

    /// The identity.
    pub fn into_inner(self) -> Identity {
        self.0
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

impl OptionalUser {
    /// The identity, if any.
    pub fn into_inner(self) -> Option<Identity> {
        self.0
    }

    /// The identity, if any, by reference.
    pub fn identity(&self) -> Option<&Identity> {
        self.0.as_ref()
    }
}

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

impl FromRequest for OrganizrUser {
    type Error = ExtractorRejection;
    type Future = Ready<Result<Self, ExtractorRejection>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(require(req, UserLevel::LOGGED_IN, "OrganizrUser").map(Self))
    }
}

impl<const LEVEL: u16> FromRequest for RequireLevel<LEVEL> {
    type Error = ExtractorRejection;
    type Future = Ready<Result<Self, ExtractorRejection>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(require(req, Self::LEVEL, "RequireLevel").map(Self))
    }
}

impl FromRequest for OptionalUser {
    type Error = ExtractorRejection;
    type Future = Ready<Result<Self, ExtractorRejection>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(attached(req, "OptionalUser").map(|(admission, _)| {
            // Core decides who counts as logged in, quietly: no user is an
            // answer here, not a refusal.
            Self(admission.user_at(UserLevel::LOGGED_IN).cloned())
        }))
    }
}

impl FromRequest for OrganizrAuthentication {
    type Error = ExtractorRejection;
    type Future = Ready<Result<Self, ExtractorRejection>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            attached(req, "OrganizrAuthentication")
                .map(|(admission, _)| Self(admission.authentication().clone())),
        )
    }
}

/// The user at `level` or better; otherwise the middleware's own answer (its
/// `on_rejection` handler, or core's); a 500 if no middleware ran.
fn require(
    req: &HttpRequest,
    level: UserLevel,
    extractor: &'static str,
) -> Result<Identity, ExtractorRejection> {
    let (admission, attached) = attached(req, extractor)?;
    // Core authorizes, logs the decision and builds the rejection, exactly as
    // the middleware would.
    admission
        .require(
            level,
            req.method().as_str(),
            req.path(),
            &ActixHeaders(req.headers()),
        )
        .cloned()
        .map_err(|rejection| ExtractorRejection::denied(rejection, attached, req))
}

/// What the middleware stored, or a 500 when it did not run.
fn attached(
    req: &HttpRequest,
    extractor: &'static str,
) -> Result<(Admission, Attached), ExtractorRejection> {
    let extensions = req.extensions();
    match (extensions.get::<Admission>(), extensions.get::<Attached>()) {
        (Some(admission), Some(attached)) => Ok((admission.clone(), attached.clone())),
        _ => {
            tracing::error!(
                extractor,
                method = %req.method(),
                path = req.path(),
                "an Organizr extractor found no admission on the request: the OrganizrAuth middleware does \
                 not wrap this route (wrap the App, scope or resource with OrganizrAuth); answering 500"
            );
            Err(ExtractorRejection::missing_middleware())
        }
    }
}

/// Why an extractor refused a request. Its response is the middleware's
/// rejection (401, 403 or a login redirect, or what the middleware's
/// [`on_rejection`](crate::OrganizrAuth::on_rejection) handler makes of it),
/// or a bare 500 when the middleware is missing. Neither says why;
/// [`Display`](fmt::Display) and [`ExtractorRejection::denial`] do, for logs.
///
/// Take `Result<OrganizrUser, ExtractorRejection>` in a handler to answer refusals
/// yourself:
///
/// ```
/// use actix_web::{HttpResponse, ResponseError as _};
/// use organizr_auth_actix::{ExtractorRejection, OrganizrUser};
///
/// async fn handler(user: Result<OrganizrUser, ExtractorRejection>) -> HttpResponse {
///     match user {
///         Ok(user) => HttpResponse::Ok().body(format!("hi {}", user.username)),
///         Err(rejection) if rejection.is_missing_middleware() => rejection.error_response(),
///         Err(rejection) => HttpResponse::build(rejection.status()).body("please sign in to Organizr first"),
///     }
/// }
/// # let _ = actix_web::App::new().route("/", actix_web::web::get().to(handler));
/// ```
pub struct ExtractorRejection {
    kind: Kind,
}

enum Kind {
    /// Core refused the request (401, 403, redirect).
    Denied {
        rejection: Rejection,
        attached: Attached,
        req: HttpRequest,
    },
    /// No middleware ran: 500.
    MissingMiddleware,
}

impl ExtractorRejection {
    fn denied(rejection: Rejection, attached: Attached, req: &HttpRequest) -> Self {
        Self {
            kind: Kind::Denied {
                rejection,
                attached,
                req: req.clone(),
            },
        }
    }

    fn missing_middleware() -> Self {
        Self {
            kind: Kind::MissingMiddleware,
        }
    }

    /// The status: 401, 403, 302/303 (login redirect) or 500 (no middleware).
    pub fn status(&self) -> StatusCode {
        match &self.kind {
            Kind::Denied { rejection, .. } => StatusCode::from_u16(rejection.status().as_u16())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            Kind::MissingMiddleware => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Core's rejection, unless the middleware was missing.
    pub fn rejection(&self) -> Option<&Rejection> {
        match &self.kind {
            Kind::Denied { rejection, .. } => Some(rejection),
            Kind::MissingMiddleware => None,
        }
    }

    /// Why the request was refused (for logs), unless the middleware was
    /// missing.
    pub fn denial(&self) -> Option<&Denial> {
        self.rejection().map(Rejection::denial)
    }

    /// Whether the route is not wrapped by an [`OrganizrAuth`](crate::OrganizrAuth)
    /// middleware.
    pub fn is_missing_middleware(&self) -> bool {
        matches!(self.kind, Kind::MissingMiddleware)
    }
}

impl fmt::Debug for ExtractorRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Denied { rejection, .. } => f
                .debug_tuple("ExtractorRejection")
                .field(rejection)
                .finish(),
            Kind::MissingMiddleware => f.write_str("ExtractorRejection(MissingMiddleware)"),
        }
    }
}

impl fmt::Display for ExtractorRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Denied { rejection, .. } => write!(f, "request refused: {}", rejection.denial()),
            Kind::MissingMiddleware => f.write_str("no OrganizrAuth middleware wraps this route"),
        }
    }
}

impl std::error::Error for ExtractorRejection {}

impl ResponseError for ExtractorRejection {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        match &self.kind {
            Kind::Denied {
                rejection,
                attached,
                req,
            } => attached.respond(rejection.clone(), req),
            Kind::MissingMiddleware => HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("500 Internal Server Error\n"),
        }
    }
}
