//! IP allow and deny lists that a client cannot forge: Organizr's
//! `whitelist=`/`blacklist=` done safely, for forward-auth and for apps.
//!
//! Four parts, used in this order on each request:
//! - [`RealIp`] finds the [`ClientAddress`]: the socket peer, or, behind a
//!   proxy listed in its own `from` list (nginx's `set_real_ip_from`), the
//!   rightmost address in the header that proxy writes that is not itself a
//!   listed proxy;
//! - [`IpList`] holds addresses, CIDRs and host names, parsed loudly;
//! - [`NameResolver`] resolves the host names on background threads and
//!   answers from its cache, so a check never waits for DNS;
//! - [`AccessRules`] makes the one decision, [`AccessDecision`]: an
//!   allow-list match lets the request through without authentication, then a
//!   deny-list match refuses it, else the usual checks go on
//!   ([`AccessDecision::Continue`]). [`AccessRules::from_organizr_query`]
//!   reads Organizr's parameter forms.
//!
//! forward-auth builds the rules from each subrequest's parameters. An app
//! attaches fixed ones to a route instead: an [`AccessPolicy`] (rules, where
//! the client address comes from, a resolver) in its
//! [`Policy`](crate::Policy), which the tower and actix middleware hand to
//! core with every request.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use organizr_auth_core::access::{AccessDecision, AccessRules, NameResolver, RealIp, RealIpHeader};
//! use organizr_auth_core::proxy::Peer;
//! use http::HeaderMap;
//! use std::net::SocketAddr;
//!
//! // Once, at start-up.
//! let real_ip = RealIp::new("172.18.0.2".parse()?, RealIpHeader::XForwardedFor);
//! let names = NameResolver::new();
//!
//! // Per request: nginx at 172.18.0.2 sent `/auth?blacklist=203.0.113.0/24`.
//! let rules = AccessRules::from_organizr_query("blacklist=203.0.113.0/24")?;
//! let mut headers = HeaderMap::new();
//! headers.insert("x-forwarded-for", "192.168.1.7, 203.0.113.9".parse()?);
//! let peer = Peer::from("172.18.0.2:40000".parse::<SocketAddr>()?);
//! let client = real_ip.client(&peer, &headers);
//! assert_eq!(client.to_string(), "203.0.113.9");
//! assert_eq!(rules.check(&client, &names), AccessDecision::Deny);
//! # Ok(())
//! # }
//! ```
//!
//! # Security
//!
//! - **Never the leftmost entry.** Organizr takes the client address from
//!   `Client-IP`, `X-Forwarded-For`, `X-Forwarded`, `Forwarded-For` or
//!   `Forwarded`, leftmost entry first, from anyone: every client can write
//!   those, so anyone can claim an allow-listed address and dodge a deny list.
//!   Here the address is the socket peer's, and a header is read only when the
//!   peer is in [`RealIp`]'s `from` list; even then only the entries the
//!   listed proxies appended count: the header is walked from the right and
//!   the first address that is not a listed proxy is the client (nginx's
//!   `real_ip_recursive on`). Whatever the client wrote further left is never
//!   read. Only the configured header is read, never `Client-IP` and the like.
//! - **List proxies, not networks with clients in them.** Every host in the
//!   real-IP list is believed about the addresses to its left, so a client
//!   inside a listed network (`192.168.0.0/16` for "the LAN") can write
//!   `X-Forwarded-For: <any address>` and be that address: match an allow
//!   list, and skip authentication, or dodge a deny list. List the proxy's
//!   own address (`172.18.0.2`).
//! - **The proxy must write the header.** A listed proxy must append to
//!   `X-Forwarded-For` (or replace `X-Real-IP` / `Forwarded`) with the
//!   address it received the request from; if it passes a client's header
//!   through untouched, that client chooses its address. nginx's
//!   `auth_request` subrequest: `proxy_set_header X-Forwarded-For
//!   $remote_addr;` (or `$proxy_add_x_forwarded_for`) in the auth location.
//! - **Why a separate real-IP list.** The trusted-proxy list of
//!   [`crate::proxy`] lets a peer assert `Remote-User`, that is, be anyone.
//!   Reporting a client address is a much smaller trust: forward-auth's proxy
//!   must be trusted for it, but has no business asserting identities.
//!   Sharing one list would force the choice between no IP rules and letting
//!   that proxy (and everything that can reach forward-auth from its address)
//!   impersonate users. So `ORGANIZR_REAL_IP_FROM` is its own list, with the
//!   same syntax as `ORGANIZR_TRUSTED_PROXIES`.
//! - **Unknown clients fail closed.** A listed proxy that sends no usable
//!   address (no header, garbage, `unknown`, more than 64 entries or 16
//!   lines), a UNIX-socket peer without `@` in `from`, or an unknown peer give
//!   [`ClientAddress::Unknown`], which matches no allow entry and every deny
//!   entry. It is never replaced by the peer's own address: that is the
//!   proxy's, which may well be on an allow list. Anything a client can do to
//!   become unknown only gets it refused.
//! - **An allow list skips authentication.** As in Organizr, a match lets the
//!   request through with no identity. Allow-list only networks you control;
//!   behind NAT or Docker's userland proxy every client may arrive from one
//!   gateway address, so allow-listing that address allows everyone.
//! - **DNS is a trust input.** A host name matches the addresses the system
//!   resolver returns for it (at most 60 s old): whoever controls the name's
//!   DNS records, or can spoof answers to this host's resolver, controls which
//!   clients that entry matches. In an allow list that is the power to skip
//!   authentication: list names only whose DNS you control (your own
//!   dynamic-DNS name), and prefer addresses. In a deny list it is the power
//!   to unblock oneself (point the name elsewhere) or to block others.
//! - **A name without a current answer matches no client, in both kinds of
//!   list.** That covers a name not looked up yet (the first request that
//!   names it), a failed lookup (`nonexistent.invalid`, a DNS outage), an
//!   answer older than 60 s that could not be refreshed, and a name left out
//!   because the resolver is full (256 names). In an allow list this is fail
//!   closed: the client just has to log in. In a deny list it is a choice:
//!   the entry means "clients at the addresses this name has now", and a name
//!   with no address has no clients. The alternative, a deny list that
//!   matches everyone while one of its names does not resolve, would hand
//!   the kill switch of the whole site to whoever controls that name's DNS,
//!   usually the very party being blocked (a dynamic-DNS name is theirs), and
//!   turn any DNS outage, or the first request after a restart, into a 401
//!   for every user; in exchange it would stop nobody who controls the name,
//!   since they can point it at any other address anyway. A deny list only
//!   narrows who may go on: the group check still applies to a client it
//!   does not match. A failed lookup is logged (`tracing::warn!`) once per
//!   outage, so a deny entry that stopped matching is not silent; to block a
//!   client whatever DNS says, list its addresses.
//! - **The resolver is bounded.** Lists may come with each request (from the
//!   query string), so whoever can reach the endpoint can make it resolve
//!   names of their choosing: at most 256 names are held, a name not checked
//!   for 10 minutes is dropped, and names already held are never pushed out
//!   by new ones. Do not expose forward-auth itself to clients.

mod client;
mod list;
mod policy;
mod resolver;
mod rules;

pub use client::{ClientAddress, RealIp, RealIpHeader, RealIpHeaderError};
pub use list::{IpList, IpListError};
pub use policy::{AccessCheck, AccessPolicy};
pub use resolver::{NameResolver, NameResolverBuilder, NameStatus};
pub use rules::{AccessDecision, AccessParamError, AccessRules, ListKind};
