//! Code shared by the example programs in `examples/` (see `README.md`):
//!
//! - `forward-auth`: a forward-auth server for nginx, Traefik and Caddy
//!   ([`forward_auth`]);
//! - `axum-app` and `actix-app`: the same small app on both frameworks
//!   ([`json`] holds the bodies they share);
//! - `forward-auth --demo` makes up a key and mints tokens with it ([`key`]);
//!   `mint-token` is a package of its own (`examples/mint-token`).
//!
//! Every program is configured by core's `Config::from_env()` plus
//! `ORGANIZR_LISTEN` ([`listen`]), logs through `tracing` to stderr, and stops
//! at start-up on a bad configuration ([`startup`]).

pub mod actix_app;
pub mod axum_app;
pub mod forward_auth;
pub mod json;
pub mod key;
pub mod listen;
pub mod startup;

/// The repository README's code blocks, compiled as doctests of this package
/// (it depends on both adapters), so the snippets users copy keep building.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct RootReadme;
