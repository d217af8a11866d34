//! Which peers may assert an identity header such as `Remote-User`.
//!
//! An application behind a reverse proxy (forward auth, Organizr's
//! `auth_request`, Navidrome's `ReverseProxyUserHeader`) may accept an
//! identity header only from the proxies themselves. [`TrustedProxies`] is
//! that list, written like Navidrome's `ReverseProxyWhitelist`: comma-separated
//! IPv4/IPv6 addresses or CIDRs, plus `@` for requests arriving on a UNIX
//! socket. An empty list turns the feature off. [`Peer`] is where a request
//! came from, taken from the accepted socket.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use organizr_auth_core::proxy::{Peer, TrustedProxies};
//! use std::net::SocketAddr;
//!
//! let proxies: TrustedProxies = "172.18.0.2, 127.0.0.1, @".parse()?;
//! let socket: SocketAddr = "172.18.0.2:51234".parse()?;
//! if proxies.trusts(&Peer::from(socket)) {
//!     // only now read `Remote-User`
//! }
//! assert!(!proxies.trusts(&Peer::Unknown));
//! # Ok(())
//! # }
//! ```
//!
//! # Security
//!
//! - **Trust comes from the peer address alone**: the address of the TCP
//!   connection the server accepted, or the fact that it arrived on a UNIX
//!   socket (trusted only if the list contains `@`). Headers such as
//!   `X-Forwarded-For`, `X-Real-IP` or `Forwarded` never decide trust: any
//!   client can send them with any content, so honouring them would let
//!   anyone claim to be a proxy. [`TrustedProxies::client_ip`] reads them only
//!   to find a client address for logs and rate limits, and only behind a
//!   peer that is already trusted; never use its answer for identity.
//! - **An entry trusts everything that can connect from it.** Loopback
//!   (`127.0.0.0/8`, `::1`) is any local process, a container-bridge range
//!   (in `172.16.0.0/12`) every container on it, a host that NATs outside
//!   traffic everyone behind it, and `0.0.0.0/0` everyone.
//!   [`TrustedProxies::risks`] names the loopback, bridge and broad entries,
//!   and [`Authenticator::new`](crate::Authenticator::new) logs a warning for
//!   each. `SECURITY.md` in the repository is the one list of these pitfalls,
//!   with the safe set-ups (tokens only, or a UNIX socket, `@`, that only the
//!   proxy can open).
//! - **IPv4-mapped addresses**: a listener on `[::]` reports IPv4 clients as
//!   `::ffff:a.b.c.d`. Peers are canonicalised with [`std::net::IpAddr::to_canonical`]
//!   before matching, so they match IPv4 entries; entries written as
//!   `::ffff:a.b.c.d/96` or longer are stored as the IPv4 range they map.
//!   Shorter IPv6 ranges that happen to cover the mapped block, such as
//!   `::/0` or `::/64`, stay IPv6 and never match an IPv4 peer.
//! - A [`Peer::Unknown`] is never trusted.

mod client_ip;
mod groups;
mod peer;
mod trusted;

pub(crate) use groups::split_groups;
pub use groups::{DefaultLevel, GroupMap, GroupMapError};
pub use peer::Peer;
pub use trusted::{ProxyListError, ProxyRisk, RiskyEntry, TrustedProxies};

// Shared with `crate::access` (IP allow/deny lists and the real-IP walk).
pub(crate) use client_ip::Entries;
pub(crate) use trusted::{in_ranges, merge, parse_network, warn_about_risks};

pub(crate) mod identity_header;
pub use identity_header::ProxyHeaderError;
