//! Organizr single sign-on for Rust web apps, with no web framework attached.
//!
//! [Organizr](https://organizr.app) is a home-lab portal: users log in once and
//! reach many apps behind one reverse proxy. This crate makes the decisions that
//! let a Rust app sit safely behind it:
//!
//! - [`TokenValidator`] checks Organizr's own session token (the
//!   `organizr_token_<uuid>` cookie, HS256 under the instance's `organizrHash`)
//!   locally, in about a microsecond, with no call to Organizr;
//! - [`GroupLevel`] maps Organizr's groups (0 Admin ... 4 User, 998 any
//!   logged-in user, 999 guest) and decides who passes;
//! - [`TrustedProxies`] accepts a reverse proxy's `Remote-User` header only from
//!   peers on a Navidrome-style list, and [`Authenticator`] strips it from
//!   everyone else;
//! - [`Authenticator::process`] is the one decision every adapter
//!   (`organizr-auth-tower`, `organizr-auth-actix`, the forward-auth example)
//!   calls, so they cannot disagree.
//!
//! ```
//! use http::HeaderMap;
//! use organizr_auth_core::{Authenticator, Config, GroupLevel, Secret, proxy::Peer};
//!
//! let auth = Authenticator::new(
//!     Config::new(Secret::new("vectors-organizr-hash-7Qm2")?).uuid("0b7e4c1a-5d2f-4e8b-9a6c-3f1d2e7b8c90"),
//! );
//! let mut headers = HeaderMap::new();
//! headers.insert("cookie", "organizr_token_0b7e4c1a-5d2f-4e8b-9a6c-3f1d2e7b8c90=eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJPcmdhbml6ciIsImF1ZCI6Ik9yZ2FuaXpyIiwianRpIjoiNGYxZzIzYTEyYWEiLCJpYXQiOjE3OTU0Njk0OTMuOTkxNjMyLCJuYmYiOjE3OTU0Njk0OTMuOTkxNjMyLCJleHAiOjIxMTA4Mjk0OTMuOTkxNjMyLCJuYW1lIjoicm9vdCIsImdyb3VwIjoiQWRtaW4iLCJncm91cElEIjowLCJlbWFpbCI6InJvb3RAZXhhbXBsZS5vcmciLCJpbWFnZSI6Imh0dHBzOi8vd3d3LmdyYXZhdGFyLmNvbS9hdmF0YXIvMD9zPTEwMCZkPW1tIiwidXNlcklEIjoxfQ.T1yrB4xsa4KAp6EgaUI_wTWyKAwDO1qThnsJSUs6dL4".parse()?);
//! let who = auth.resolve(&headers, None, &Peer::Unknown);
//! assert_eq!(who.identity().map(|i| i.username.as_str()), Some("root"));
//! assert!(who.authorize(GroupLevel::ADMIN).is_ok());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Security
//! Read the `# Security` sections of [`token`], [`proxy`], [`authenticator`] and
//! [`secret`] before deploying, and `SECURITY.md` in the repository. In short:
//! a validator outside Organizr cannot see logouts (tokens live until they
//! expire), short `organizrHash` values can be guessed offline, and a
//! trusted-proxy list is only as safe as the network it names.

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod access;
pub mod authenticator;
pub mod claims;
pub mod config;
pub mod credentials;
pub mod group;
pub mod headers;
pub mod identity;
#[cfg(feature = "mint")]
pub mod mint;
pub mod php_config;
pub mod proxy;
pub mod secret;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod token;

pub use access::{
    AccessDecision, AccessParamError, AccessRules, ClientAddress, IpList, IpListError,
    NameResolver, RealIp, RealIpHeader,
};
pub use authenticator::{Authenticator, Policy, Rejection, RequestHead, Verdict};
pub use claims::Claims;
pub use config::{Config, ConfigError, InvalidValue};
pub use group::{GroupLevel, InvalidGroupLevel};
pub use headers::{HeaderAccess, HeaderAccessMut};
pub use identity::{
    API_KEY_USER, Authentication, DOWNSTREAM_HEADERS, Denial, Identity, Refusal, Source,
};
pub use proxy::{Peer, ProxyHeaderError, ProxyListError, TrustedProxies};
pub use secret::{ApiKey, Secret, SecretError};
pub use token::{TokenError, TokenValidator};
