//! forward-auth: a local, fast stand-in for Organizr's auth API, for nginx
//! `auth_request`, Traefik `ForwardAuth` and Caddy `forward_auth`. The
//! program (`src/main.rs`) is a few lines over these modules:
//!
//! | module | what it is for |
//! |---|---|
//! | [`router`] | the routes of Organizr's auth API, and the answer to each subrequest |
//! | [`settings`] | forward-auth's own settings: client addresses, redirects, status codes |
//! | [`redirect`] | login redirects for Traefik and Caddy, with checked `return=` hosts |
//! | [`cli`] | the command line: `--demo`, `--healthcheck`, `--version`, `--help` (every variable, from core's table) |
//! | [`demo`] | `--demo`: a made-up key, tokens signed with it, `curl` commands to try |
//! | [`listen`] | `ORGANIZR_LISTEN`: `HOST:PORT`, dual-stack `[::]:PORT`, `unix:/path` with its mode and group; `--healthcheck` |
//! | [`startup`] | logging (text or JSON), the start-up settings block, start-up errors, serving until Ctrl-C or SIGTERM |
//!
//! Everything else is configured by the `ORGANIZR_*` variables of core's
//! `Config::from_env()`. How to deploy it behind nginx, Caddy or Traefik:
//! `README.md` and `deploy/` in this package; `e2e/run.sh` runs those very
//! files against real nginx and Caddy.

pub mod cli;
pub mod demo;
pub mod listen;
pub mod redirect;
pub mod router;
pub mod settings;
pub mod startup;

/// The repository README's code blocks, compiled as doctests of this package
/// (with both adapters as dev-dependencies), so the snippets users copy keep
/// building.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct RootReadme;
