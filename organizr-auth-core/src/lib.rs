//! Organizr single sign-on for Rust web apps, with no web framework attached.
//!
//! [Organizr](https://organizr.app) is a home-lab portal: users log in once and
//! reach many apps behind one reverse proxy. This crate makes every decision
//! that lets a Rust app sit safely behind it; the adapters
//! (`organizr-auth-tower`, `organizr-auth-actix`) and the forward-auth server
//! only translate, so they cannot disagree.
//!
//! - [`TokenValidator`] checks Organizr's own session token (the
//!   `organizr_token_<uuid>` cookie, HS256 under the instance's `organizrHash`)
//!   locally, in about a microsecond, with no call to Organizr;
//! - [`GroupLevel`] maps Organizr's groups (0 Admin ... 4 User, 998 any
//!   logged-in user, 999 guest) and decides who passes;
//! - [`TrustedProxies`] accepts a reverse proxy's `Remote-User` header only from
//!   peers on a Navidrome-style list, and [`sanitize`] strips identity headers
//!   from everyone else;
//! - [`Authenticator`] puts it together: [`Authenticator::admit`] for
//!   middleware, [`Admission::require`] for extractors,
//!   [`Authenticator::forward_auth`] for the forward-auth server.
//!
//! ```
//! use std::sync::Arc;
//! use http::HeaderMap;
//! use organizr_auth_core::{Authenticator, Config, GroupLevel, Peer, Policy, RequestHead, Secret, Verdict};
//!
//! let auth = Arc::new(Authenticator::new(
//!     Config::new(Secret::new("vectors-organizr-hash-7Qm2")?).uuid("0b7e4c1a-5d2f-4e8b-9a6c-3f1d2e7b8c90"),
//! ));
//! let mut headers = HeaderMap::new();
//! headers.insert("cookie", "organizr_token_0b7e4c1a-5d2f-4e8b-9a6c-3f1d2e7b8c90=eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJPcmdhbml6ciIsImF1ZCI6Ik9yZ2FuaXpyIiwianRpIjoiNGYxZzIzYTEyYWEiLCJpYXQiOjE3OTU0Njk0OTMuOTkxNjMyLCJuYmYiOjE3OTU0Njk0OTMuOTkxNjMyLCJleHAiOjIxMTA4Mjk0OTMuOTkxNjMyLCJuYW1lIjoicm9vdCIsImdyb3VwIjoiQWRtaW4iLCJncm91cElEIjowLCJlbWFpbCI6InJvb3RAZXhhbXBsZS5vcmciLCJpbWFnZSI6Imh0dHBzOi8vd3d3LmdyYXZhdGFyLmNvbS9hdmF0YXIvMD9zPTEwMCZkPW1tIiwidXNlcklEIjoxfQ.T1yrB4xsa4KAp6EgaUI_wTWyKAwDO1qThnsJSUs6dL4".parse()?);
//! let request = RequestHead::new("GET", "/", None, &mut headers);
//! let Verdict::Allow(admission) = auth.admit(request, Peer::Unknown, &Policy::require(GroupLevel::ADMIN), None) else {
//!     return Err("root is an admin".into());
//! };
//! assert_eq!(admission.identity().map(|i| i.username.as_str()), Some("root"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Words for outcomes
//! | word | means | where |
//! |---|---|---|
//! | [`Authentication`] | who the request is: an [`Identity`], or anonymous | [`identity`] |
//! | [`Refusal`] | why a credential the request carried gave no identity (bad token, repeated proxy header, ...) | [`identity`] |
//! | [`Denial`] | why a request may not go on: unauthenticated (401) or forbidden (403) | [`rejection`] |
//! | [`Rejection`] | the answer to send for a denial: status, headers, a body that says nothing more | [`rejection`] |
//! | [`Verdict`] | allow (with an [`Admission`]) or reject (with a [`Rejection`]) | [`decision`] |
//! | [`Admission`] | an allowed request's authentication, stamped by the authenticator that decided it | [`decision`] |
//!
//! The adapters add one word, `ExtractorRejection`: an extractor's error, which
//! is the middleware's [`Rejection`] or a missing middleware (500).
//!
//! # Where things are
//! | question | module |
//! |---|---|
//! | is the token's signature right, are its claims acceptable? | [`token`], [`claims`] |
//! | which checks does a token seen before skip, and which not? | [`token_cache`] |
//! | may this peer assert `Remote-User`? | [`proxy`] ([`proxy::TrustedProxies`]) |
//! | which identity headers are stripped, and when? | [`sanitize`] |
//! | which credential wins? | [`resolve`] |
//! | does the request pass the route's policy? stacked middleware? | [`decision`] |
//! | 401, 403 or a login redirect? | [`rejection`] |
//! | every setting and its environment variable | [`config`] |
//! | Organizr's `config.php` | [`php_config`] |
//!
//! # Security
//! Read the `# Security` sections of [`token`], [`proxy`], [`sanitize`],
//! [`rejection`] and [`secret`] before deploying, and `SECURITY.md` in the
//! repository. In short: a validator outside Organizr cannot see logouts
//! (tokens live until they expire), short `organizrHash` values can be guessed
//! offline, and a trusted-proxy list is only as safe as the network it names.

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod access;
pub mod authenticator;
pub mod claims;
pub mod config;
mod credentials;
pub mod decision;
pub mod group;
pub mod header_access;
pub mod identity;
#[cfg(feature = "mint")]
pub mod mint;
pub mod php_config;
pub mod proxy;
pub mod rejection;
pub mod resolve;
pub mod sanitize;
pub mod secret;
#[cfg(feature = "sessions")]
pub mod session;
mod steps;
mod text;
pub mod token;
pub mod token_cache;

pub use access::{
    AccessDecision, AccessParamError, AccessRules, ClientAddress, IpList, IpListError,
    NameResolver, RealIp, RealIpHeader,
};
pub use authenticator::Authenticator;
pub use claims::Claims;
pub use config::{Config, ConfigError, InvalidValue};
pub use decision::{Admission, Policy, RequestHead, Verdict};
pub use group::{GroupLevel, InvalidGroupLevel, UserLevel};
pub use header_access::{HeaderAccess, HeaderAccessMut};
pub use identity::{API_KEY_USER, Authentication, Identity, Refusal, Source};
pub use proxy::{Peer, ProxyHeaderError, ProxyListError, TrustedProxies};
pub use rejection::{Denial, Rejection};
pub use sanitize::DOWNSTREAM_HEADERS;
pub use secret::{ApiKey, Secret, SecretError};
pub use token::{TokenError, TokenValidator};
