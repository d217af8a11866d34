#![doc = include_str!("../README.md")]
//!
//! # Names
//! | name | what it is | tower's crate |
//! |---|---|---|
//! | [`OrganizrAuth`] | the middleware you configure and `.wrap()` (a `Transform`) | the same name, a `Layer` |
//! | [`OrganizrAuthMiddleware`] | the service it wraps around yours | the same name |
//! | [`OrganizrUser`], [`RequireLevel`], [`OrganizrAuthentication`] | extractors | the same names |
//! | [`ExtractorRejection`] | an extractor's error: the middleware's rejection, or a missing middleware (500) | the same name |
//!
//! Core's words for outcomes (`Authentication`, `Refusal`, `Denial`,
//! `Rejection`, `Verdict`, `Admission`) are explained at the top of
//! `organizr_auth_core`.
//!
//! # How a request is handled
//! [`OrganizrAuth`] calls [`Authenticator::admit`] with the request's method,
//! query string, headers (through [`headers::ActixHeadersMut`]), socket
//! [`Peer`] ([`peer_of`]) and the admission of an outer middleware, if any,
//! then translates the [`Verdict`]:
//!
//! - `Allow`: the [`Admission`] goes into the request's extensions, where
//!   the extractors (and your own middleware, with
//!   `req.extensions().get::<Admission>()`) find it, and the inner service
//!   runs. Core has already removed the identity headers the handler must not
//!   see and, with [`OrganizrAuth::downstream_headers`], written the verified
//!   identity's headers.
//! - `Reject`: the request is answered at once with core's [`Rejection`] (401
//!   with `WWW-Authenticate`, 403, or a 302/303 to the login page), or with your
//!   [`OrganizrAuth::on_rejection`] handler.
//!
//! The rules live in `organizr-auth-core` and are tested once, in its
//! `testkit` table, which this crate's `tests/behaviour.rs` runs through
//! actix-web case by case.
//!
//! # Extractors
//! | extractor | passes | anonymous | level too low | middleware missing |
//! |---|---|---|---|---|
//! | [`OrganizrUser`] | any logged-in user (level 998 or better) | 401 (or login redirect) | 403 (Guest group) | 500 |
//! | [`RequireLevel<L>`](RequireLevel), [`Admin`], [`CoAdmin`], [`SuperUser`], [`PowerUser`] | users at level `L` or better | 401 (or login redirect) | 403 | 500 |
//! | [`OptionalUser`] | always: `Some(user)` or `None` | `None` | `None` | 500 |
//! | [`OrganizrAuthentication`] | always: core's [`Authentication`] | [`Authentication::Anonymous`] | - | 500 |
//!
//! Their refusals are the middleware's: core's [`Admission::require`]
//! decides, logs and builds the [`Rejection`], answered by the middleware's
//! [`on_rejection`](OrganizrAuth::on_rejection) handler if it has one. The
//! error type is [`ExtractorRejection`]; take `Result<OrganizrUser, ExtractorRejection>`
//! to answer refusals yourself.
//!
//! Use [`OptionalUser`], not `Option<OrganizrUser>`: actix-web turns every
//! error of an `Option<T>` extractor into `None`, including the 500 of a
//! missing middleware.
//!
//! # Peers
//! | connection | [`Peer`] | trusted when the list contains |
//! |---|---|---|
//! | TCP (`bind`, `listen`) | `Tcp(peer_addr)` | its address or network |
//! | TCP on a dual-stack `[::]` listener, IPv4 client | `Tcp([::ffff:a.b.c.d]:port)` | `a.b.c.d` (core canonicalises) |
//! | UNIX socket (`listen_uds`), [`on_connect`] set before it | `Unix` | `@` |
//! | UNIX socket without [`on_connect`], with it set after `listen_uds`, or from `bind_uds` | `Unknown` | nothing |
//! | no peer address (unit tests, custom servers) | `Unknown` | nothing |
//!
//! In tests, give a request a TCP peer with `TestRequest::peer_addr`. A test can
//! also decide the peer outright by inserting a [`Peer`] into the request's
//! extensions from a `wrap_fn` registered after (so outside) the middleware;
//! see [`peer_of`] for the order.
//!
//! # Security
//! - **UNIX sockets need [`on_connect`], set first, and `listen_uds`.**
//!   actix-web gives requests on a UNIX socket no peer address, like requests
//!   whose peer it cannot tell. Call `.on_connect(organizr_auth_actix::on_connect)`
//!   on the `HttpServer` *before* adding sockets (actix-web applies it only to
//!   sockets added later), and add the socket with
//!   `.listen_uds(std::os::unix::net::UnixListener::bind(path)?)`: actix-web 4
//!   never calls `on_connect` for `bind_uds`. Otherwise those requests are
//!   [`Peer::Unknown`], which nothing trusts, not even a list with `@` (fail
//!   closed: a proxy's `Remote-User` is then removed and ignored).
//! - **The peer must be the socket's.** Trust in `Remote-User` comes from the
//!   peer alone. Never run this behind anything that rewrites
//!   `peer_addr` (a middleware or server shim that sets it from
//!   `X-Forwarded-For`, `X-Real-IP` or `Forwarded`, a PROXY-protocol layer you
//!   do not control), and never insert a [`Peer`] derived from headers into
//!   request extensions or connection data: whoever decides the peer decides
//!   who may claim any identity. actix-web's
//!   `ConnectionInfo::realip_remote_addr` reads those headers; this crate
//!   never uses it.
//! - **Middleware order matters.** In actix-web the *last* `.wrap()` is the
//!   *outermost* and runs first. Middleware registered after `OrganizrAuth` (or
//!   on an outer `App` when `OrganizrAuth` wraps a scope) sees requests before
//!   spoofed identity headers are removed: it must never act on `Remote-User`
//!   or `X-Organizr-*`. Middleware registered before it, and handlers, see the
//!   sanitised request and the [`Authentication`]. Put `OrganizrAuth` on the
//!   `App` (outermost, or right inside a logger) when every route should be
//!   sanitised; a scope- or resource-level `OrganizrAuth` protects only what it
//!   wraps.
//! - **Nested middleware decide once.** An `OrganizrAuth` on a scope inside an
//!   `App` that has one built from the same [`Authenticator`] (the same `Arc`)
//!   reuses the outer one's [`Authentication`] and only applies its own level
//!   (core decides that), so downstream headers written
//!   by the outer one are never mistaken for a proxy's. Middleware built from
//!   different authenticators each decide on their own.
//! - **Extractors fail closed.** On a route the middleware does not wrap,
//!   [`OrganizrUser`], [`OptionalUser`], [`RequireLevel`] and
//!   [`OrganizrAuthentication`] answer 500 and log an error. Do not use
//!   `Option<OrganizrUser>`: actix-web turns that 500 into `None`.
//! - **Rejections say nothing.** Bodies are core's fixed texts; the reason
//!   ([`Rejection::denial`], [`Authentication::Anonymous`]) goes to `tracing`
//!   and to your code only.
//! - **Do not hold the request.** The middleware rewrites request headers
//!   through `ServiceRequest::headers_mut`, which actix-web only allows while
//!   nothing else holds a clone of the `HttpRequest` (it panics otherwise): do
//!   not wrap it in a middleware that keeps a request clone across the call.
//!
//! Read the `# Security` sections of `organizr-auth-core` too (token lifetime,
//! key length, proxy lists).
//!
//! [`Authenticator::admit`]: organizr_auth_core::Authenticator::admit
//! [`Admission`]: organizr_auth_core::Admission
//! [`Admission::require`]: organizr_auth_core::Admission::require
//! [`Verdict`]: organizr_auth_core::Verdict
//! [`Authentication`]: organizr_auth_core::Authentication
//! [`Authentication::Anonymous`]: organizr_auth_core::Authentication::Anonymous
//! [`Rejection`]: organizr_auth_core::Rejection
//! [`Rejection::denial`]: organizr_auth_core::Rejection::denial
//! [`Peer`]: organizr_auth_core::Peer
//! [`Peer::Unknown`]: organizr_auth_core::Peer::Unknown

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod extract;
pub mod headers;
mod middleware;
mod peer;

pub use extract::{
    Admin, CoAdmin, ExtractorRejection, OptionalUser, OrganizrAuthentication, OrganizrUser,
    PowerUser, RequireLevel, SuperUser,
};
pub use middleware::{OrganizrAuth, OrganizrAuthMiddleware, RejectionHandler, rejection_response};
pub use organizr_auth_core;
pub use organizr_auth_core::{
    Admission, Authentication, Authenticator, Denial, GroupLevel, Identity, Peer, Policy,
    Rejection, UserLevel,
};
pub use peer::{on_connect, peer_of};
