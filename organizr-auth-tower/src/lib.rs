//! Organizr single sign-on for tower and axum: a [`Layer`](tower_layer::Layer)
//! that authenticates every request with
//! [`organizr_auth_core`]'s [`Authenticator`], and axum extractors for the
//! result.
//!
//! Core makes every decision (which credential counts, which proxy is trusted,
//! which headers are removed, 401 versus 403 versus a login redirect); this
//! crate only finds the socket peer, calls [`Authenticator::admit`] (and, in
//! extractors, [`Admission::require`]) and translates the verdict into tower
//! and axum types, so it behaves exactly like the other adapters.
//!
//! # Names
//! | name | what it is | actix-web's crate |
//! |---|---|---|
//! | [`OrganizrAuth`] | the layer you configure and attach | the same name, a `Transform` |
//! | [`OrganizrAuthMiddleware`] | the service it wraps around yours | the same name |
//! | [`OrganizrUser`], [`RequireLevel`], [`OrganizrAuthentication`] | extractors | the same names |
//! | [`ExtractorRejection`] | an extractor's error: the layer's rejection, or a missing layer (500) | the same name |
//!
//! Core's words for outcomes (`Authentication`, `Refusal`, `Denial`,
//! `Rejection`, `Verdict`, `Admission`) are explained at the top of
//! [`organizr_auth_core`].
//!
//! - [`OrganizrAuth`] wraps any `Service<http::Request<B>>`: an axum
//!   `Router` (with [`Router::layer`] or per route with
//!   [`Router::route_layer`]), a `tower::ServiceBuilder` stack, or a plain
//!   hyper service. It [requires](OrganizrAuth::require) a group level,
//!   or [passes everything through](OrganizrAuth::pass_through) and only
//!   attaches the identity; it can write
//!   [downstream headers](OrganizrAuth::downstream_headers) and use a
//!   custom [rejection response](OrganizrAuth::on_rejection) or
//!   [peer lookup](OrganizrAuth::peer_lookup).
//! - Allowed requests carry core's [`Admission`] in their extensions; a bare
//!   [`Identity`] or [`Authentication`] extension is removed, so none can pass
//!   for a verified one.
//! - [`OrganizrUser`], `Option<OrganizrUser>`, [`RequireLevel<L>`](RequireLevel)
//!   and its aliases ([`Admin`], ...) extract the user in axum handlers;
//!   [`OrganizrAuthentication`] hands over the whole [`Authentication`].
//!   Their refusals are the layer's, answered by its
//!   [`on_rejection`](OrganizrAuth::on_rejection) handler.
//!
//! ```
//! # #[cfg(not(feature = "axum"))] fn main() {} // needs the `axum` feature
//! # #[cfg(feature = "axum")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::net::SocketAddr;
//! use axum::{Router, body::Body, extract::ConnectInfo, routing::get};
//! use http::{Request, StatusCode};
//! use organizr_auth_core::{Authenticator, Config, GroupLevel, Secret, TrustedProxies};
//! use organizr_auth_tower::{Admin, OrganizrAuth, OrganizrUser};
//! use tower::ServiceExt;
//!
//! let config = Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)
//!     .trusted_proxies("127.0.0.1".parse::<TrustedProxies>()?);
//! let auth = std::sync::Arc::new(Authenticator::new(config));
//!
//! let app = Router::new()
//!     .route("/admin", get(|admin: Admin| async move { format!("hi {}", admin.username) }))
//!     .route("/me", get(|OrganizrUser(me): OrganizrUser| async move { me.username }))
//!     // Everyone may reach /public; it still sees verified identities only.
//!     .route("/public", get(|user: Option<OrganizrUser>| async move { format!("{}", user.is_some()) }))
//!     .layer(OrganizrAuth::new(auth).pass_through());
//!
//! // In production: axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).
//! let proxy = ConnectInfo("127.0.0.1:50000".parse::<SocketAddr>()?);
//! let alice = |path: &str| Request::get(path).header("remote-user", "alice").extension(proxy).body(Body::empty());
//! assert_eq!(app.clone().oneshot(alice("/me")?).await?.status(), StatusCode::OK);
//! assert_eq!(app.clone().oneshot(alice("/admin")?).await?.status(), StatusCode::FORBIDDEN);
//! assert_eq!(app.oneshot(alice("/public")?).await?.status(), StatusCode::OK);
//! # Ok(())
//! # }
//! ```
//!
//! # Finding the peer
//! Whether `Remote-User` may be believed depends on who sent it: the socket
//! peer, never a header. The layer's [`PeerLookup`] finds it in the request's
//! extensions; the default, [`default_peer`], reads:
//!
//! - axum's `ConnectInfo<SocketAddr>`: serve with
//!   `app.into_make_service_with_connect_info::<SocketAddr>()` (needs the
//!   `axum` feature, on by default);
//! - [`UnixPeer`]: serve a UNIX socket with
//!   `app.into_make_service_with_connect_info::<UnixPeer>()`;
//! - a core [`Peer`] that any other server inserts into each request.
//!
//! # Cargo features
//! - `axum` (default): depends on axum 0.8 so that the default lookup reads
//!   axum's `ConnectInfo` and [`UnixPeer`] works with
//!   `into_make_service_with_connect_info`. Without it the crate depends on
//!   `axum-core` only (the extractors still work); insert a [`Peer`] per
//!   request or pass a [`peer_lookup`](OrganizrAuth::peer_lookup) closure
//!   that reads `ConnectInfo` yourself.
//!
//! # Security
//! - **What the layer trusts.** The socket peer from request extensions, which
//!   only server code can write, and core's [`TrustedProxies`] list, nothing
//!   else. Identity headers (`Remote-User`, `X-Organizr-*`, ...) sent by any
//!   other peer are removed before the handler runs, whatever the route's
//!   policy, so a pass-through route cannot leak a spoofed header to the app.
//! - **A missing `ConnectInfo` makes every peer unknown.** If the app is served
//!   with `into_make_service()` instead of
//!   `into_make_service_with_connect_info::<SocketAddr>()`, or the `axum`
//!   feature is off without a custom lookup, every request is
//!   [`Peer::Unknown`]: no proxy is trusted, proxy logins fail with 401, and
//!   the layer logs one warning. Tokens and the API key still work. It fails
//!   closed, but check the log when proxy logins do not work.
//! - **Never put the layer behind something that rewrites the peer.** The peer
//!   must be the connection the server accepted. A middleware that replaces
//!   `ConnectInfo` with an address taken from `X-Forwarded-For`, or a
//!   [`PeerLookup`] that reads one, lets any client claim to be the proxy and
//!   name any user. Likewise, trust only the proxy's own address: trusting a
//!   host that forwards other traffic (a NAT, Docker's userland proxy, a shared
//!   bridge network) trusts everyone behind it.
//! - **Cover every route.** [`Router::layer`] wraps the routes added before it;
//!   routes added after it are not protected. The extractors refuse with 500
//!   when they find no layer, so a handler that uses one cannot be exposed by
//!   mistake, but a handler that uses none can.
//! - **Rejections say nothing.** Bodies give the status only; the reason goes
//!   to `tracing` (core logs every decision) and to
//!   [`Rejection::denial`](organizr_auth_core::Rejection::denial) for a custom
//!   [`on_rejection`](OrganizrAuth::on_rejection), which should not put it
//!   in the body either.
//! - Read the `# Security` sections of [`organizr_auth_core`] too: tokens live
//!   until they expire, and a short `organizrHash` can be guessed offline.
//!
//! [`Router::layer`]: https://docs.rs/axum/0.8/axum/struct.Router.html#method.layer
//! [`Router::route_layer`]: https://docs.rs/axum/0.8/axum/struct.Router.html#method.route_layer
//! [`TrustedProxies`]: organizr_auth_core::TrustedProxies

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod extract;
pub mod layer;
pub mod peer;

pub use extract::{
    Admin, CoAdmin, ExtractorRejection, OrganizrAuthentication, OrganizrUser, PowerUser,
    RequireLevel, SuperUser,
};
pub use layer::{
    DefaultOnRejection, OnRejection, OrganizrAuth, OrganizrAuthMiddleware, ResponseFuture,
};
pub use organizr_auth_core;
pub use organizr_auth_core::{
    Admission, Authentication, Authenticator, Denial, GroupLevel, Identity, Peer, Policy,
    Rejection, UserLevel,
};
pub use peer::{DefaultPeerLookup, PeerLookup, UnixPeer, default_peer};

/// The README's example, compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
