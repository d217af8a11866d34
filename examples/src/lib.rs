//! The code of the `forward-auth` example (see `README.md`), a forward-auth
//! server for nginx, Traefik and Caddy ([`forward_auth`]). `forward-auth
//! --demo` makes up a key and mints tokens with it ([`key`]).
//!
//! It is configured by core's `Config::from_env()` plus `ORGANIZR_LISTEN`
//! ([`listen`]), logs through `tracing` to stderr, and stops at start-up on a
//! bad configuration ([`startup`]). `axum-app`, `actix-app` and `mint-token`
//! are packages of their own, under `examples/`.

pub mod forward_auth;
pub mod key;
pub mod listen;
pub mod startup;

/// The repository README's code blocks, compiled as doctests of this package
/// (it depends on both adapters), so the snippets users copy keep building.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct RootReadme;
