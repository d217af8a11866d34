//! IP allow and deny lists that a client cannot forge: Organizr's
//! `whitelist=`/`blacklist=` done safely, for forward-auth and for apps.
//!
//! - [`IpList`] holds addresses, CIDRs and host names, parsed loudly;
//! - [`NameResolver`] resolves the host names on background threads and
//!   answers from its cache, so a check never waits for DNS.
//!
//! # Security
//!
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

mod list;
mod resolver;

pub use list::{IpList, IpListError};
pub use resolver::{NameResolver, NameResolverBuilder, NameStatus};
