//! Identity headers, and where they are stripped: the one place that knows
//! which request headers can claim an identity and which of them a handler may
//! see.
//!
//! # The rule
//! A handler sees an identity header only if
//! - the library wrote it (the verified identity's [`DOWNSTREAM_HEADERS`], when
//!   the route's [`Policy`](crate::Policy) asks for them), or
//! - it is one of the *configured* proxy headers (the user header, and the
//!   group, e-mail or name header when configured), spelled exactly as
//!   configured, it arrived from a *trusted* peer, and the library *accepted*
//!   it (one value, visible text, the request not refused), or
//! - the application opted out for that exact name with
//!   [`Config::insecure_pass_raw_header`](crate::Config::insecure_pass_raw_header).
//!
//! Every other header of an identity family ([`is_identity_header`]) is
//! removed from every request, in every spelling (any case, `_` for `-`),
//! whoever sent it.
//!
//! # Identity families
//! | family | headers | sent by |
//! |---|---|---|
//! | `Remote-` identity names | `Remote-User`, `Remote-Email`, `Remote-Groups`, `Remote-Group`, `Remote-Name` | Authelia, Navidrome, nginx/Caddy recipes |
//! | `X-Organizr-*` | `X-Organizr-User`, `X-Organizr-Email`, `X-Organizr-Group` | Organizr's auth API |
//! | `X-authentik-*` | `X-authentik-username`, `X-authentik-groups`, `X-authentik-email`, ... | Authentik |
//! | `X-Auth-Request-*` | `X-Auth-Request-User`, `-Email`, `-Groups`, `-Preferred-Username`, `-Access-Token` | oauth2-proxy (`auth_request` mode) |
//! | `X-Forwarded-` identity names | `X-Forwarded-User`, `-Email`, `-Groups`, `-Preferred-Username`, `-Access-Token` | oauth2-proxy (proxy mode) |
//! | `X-WEBAUTH-*` | `X-WEBAUTH-USER`, ... | Grafana's auth proxy convention |
//! | `X-Remote-User` | `X-Remote-User` | various |
//! | configured | the configured user, group, e-mail and name headers | your proxy |
//!
//! `X-Forwarded-For`, `-Host`, `-Proto`, `-Uri` and the other `X-Forwarded-*`
//! headers are not identity headers and are never touched here.
//!
//! # Security
//! Stripping happens after the credentials are resolved, so that a trusted
//! proxy's refused header (two values, a comma, an unexpanded `{...}`
//! placeholder) is removed too: `HeaderMap::get` returns the *first* value,
//! which is the client's when a proxy appends instead of replacing.

use http::HeaderName;

use crate::header_access::HeaderAccessMut;

/// The headers the library writes for a verified identity
/// ([`Identity::headers`](crate::Identity::headers)), in that order.
///
/// ```
/// use organizr_auth_core::DOWNSTREAM_HEADERS;
/// assert_eq!(DOWNSTREAM_HEADERS[0], "remote-user");
/// assert_eq!(DOWNSTREAM_HEADERS[5], "x-organizr-group");
/// ```
pub const DOWNSTREAM_HEADERS: [HeaderName; 6] = [
    HeaderName::from_static("remote-user"),
    HeaderName::from_static("remote-email"),
    HeaderName::from_static("remote-groups"),
    HeaderName::from_static("x-organizr-user"),
    HeaderName::from_static("x-organizr-email"),
    HeaderName::from_static("x-organizr-group"),
];

/// Families matched by prefix (lower-case, `-` spelling).
const PREFIXES: [&str; 4] = [
    "x-organizr-",
    "x-authentik-",
    "x-auth-request-",
    "x-webauth-",
];

/// Families matched by the whole name (lower-case, `-` spelling).
const NAMES: [&str; 11] = [
    "remote-user",
    "remote-email",
    "remote-groups",
    "remote-group",
    "remote-name",
    "x-forwarded-user",
    "x-forwarded-email",
    "x-forwarded-groups",
    "x-forwarded-preferred-username",
    "x-forwarded-access-token",
    "x-remote-user",
];

/// Whether `name` belongs to one of the identity families in the
/// [module documentation](self), in any case and with `_` for `-`. Configured
/// proxy headers outside these families are identity headers too, but only the
/// [`Authenticator`](crate::Authenticator) knows them.
///
/// ```
/// use organizr_auth_core::sanitize::is_identity_header;
/// assert!(is_identity_header("Remote_User"));
/// assert!(is_identity_header("X-authentik-groups"));
/// assert!(is_identity_header("x-forwarded-preferred-username"));
/// assert!(!is_identity_header("x-forwarded-for"));
/// assert!(!is_identity_header("cookie"));
/// ```
pub fn is_identity_header(name: &str) -> bool {
    PREFIXES.iter().any(|p| folded_prefix(name, p)) || NAMES.iter().any(|n| folded_eq(name, n))
}

/// Removes the identity headers a handler must not see (see the
/// [module documentation](self)). Built once per authenticator.
#[derive(Debug, Clone)]
pub(crate) struct Sanitizer {
    /// The configured proxy headers (user first), lower-case.
    proxy_headers: Vec<HeaderName>,
    /// Exact names the application asked to see raw.
    raw: Vec<HeaderName>,
}

impl Sanitizer {
    pub(crate) fn new(proxy_headers: Vec<HeaderName>, raw: Vec<HeaderName>) -> Self {
        Self { proxy_headers, raw }
    }

    /// Whether `name` must go. `keep_proxy_headers`: the request came from a
    /// trusted peer and its proxy headers were accepted, so their exact
    /// spellings stay.
    fn doomed(&self, name: &str, keep_proxy_headers: bool) -> bool {
        if self.raw.iter().any(|r| r.as_str() == name) {
            return false;
        }
        let configured = self
            .proxy_headers
            .iter()
            .any(|h| folded_eq(name, h.as_str()));
        if configured && keep_proxy_headers && self.proxy_headers.iter().any(|h| h == name) {
            return false;
        }
        configured || is_identity_header(name)
    }

    /// Removes every doomed header; returns how many names were removed.
    pub(crate) fn strip(
        &self,
        headers: &mut impl HeaderAccessMut,
        keep_proxy_headers: bool,
    ) -> usize {
        // Allocate only when there is something to remove, which is rare.
        if !headers
            .header_names()
            .any(|n| self.doomed(n, keep_proxy_headers))
        {
            return 0;
        }
        let names: Vec<String> = headers
            .header_names()
            .filter(|n| self.doomed(n, keep_proxy_headers))
            .map(str::to_owned)
            .collect();
        for name in &names {
            headers.remove_header(name);
        }
        names.len()
    }
}

/// Removes every spelling of `names` (the downstream headers, before the
/// verified identity's are written).
pub(crate) fn strip_names(headers: &mut impl HeaderAccessMut, names: &[HeaderName]) {
    let doomed = |n: &str| names.iter().any(|h| folded_eq(n, h.as_str()));
    if !headers.header_names().any(doomed) {
        return;
    }
    let found: Vec<String> = headers
        .header_names()
        .filter(|n| doomed(n))
        .map(str::to_owned)
        .collect();
    for name in &found {
        headers.remove_header(name);
    }
}

/// `c` with ASCII case and `_` versus `-` folded away.
#[inline]
fn fold(c: u8) -> u8 {
    if c == b'_' {
        b'-'
    } else {
        c.to_ascii_lowercase()
    }
}

/// Whether `candidate` names the same header as `name` (lower-case, `-`) once
/// case and `_` are ignored: some servers and CGI-style stacks fold them
/// together, so a spoofed copy may arrive under either spelling.
#[inline]
pub(crate) fn folded_eq(candidate: &str, name: &str) -> bool {
    candidate.len() == name.len()
        && candidate
            .bytes()
            .zip(name.bytes())
            .all(|(a, b)| fold(a) == b)
}

#[inline]
fn folded_prefix(candidate: &str, prefix: &str) -> bool {
    candidate.len() >= prefix.len()
        && candidate
            .bytes()
            .zip(prefix.bytes())
            .all(|(a, b)| fold(a) == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_case_and_underscore() {
        assert!(folded_eq("remote_user", "remote-user"));
        assert!(folded_eq("Remote-User", "remote-user"));
        assert!(folded_eq("REMOTE_USER", "remote-user"));
        assert!(!folded_eq("remote-users", "remote-user"));
        assert!(!folded_eq("remoteuser", "remote-user"));
    }

    #[test]
    fn families() {
        for yes in [
            "remote-user",
            "remote_email",
            "Remote-Groups",
            "remote-name",
            "remote-group",
            "x-organizr-user",
            "x_organizr_group",
            "x-authentik-username",
            "x-authentik-meta-app",
            "x-auth-request-user",
            "x-auth-request-access-token",
            "x-forwarded-user",
            "x-forwarded-groups",
            "x-forwarded-email",
            "x-forwarded-preferred-username",
            "x-forwarded-access-token",
            "x-webauth-user",
            "x-remote-user",
        ] {
            assert!(is_identity_header(yes), "{yes}");
        }
        for no in [
            "x-forwarded-for",
            "x-forwarded-host",
            "x-forwarded-proto",
            "x-forwarded-uri",
            "x-real-ip",
            "cookie",
            "authorization",
            "remote",
            "remote-userx",
            "remote-addr",
            "x-organizr",
        ] {
            assert!(!is_identity_header(no), "{no}");
        }
    }

    #[test]
    fn configured_headers_stay_only_when_accepted_and_spelled_as_configured() {
        let s = Sanitizer::new(
            vec![
                HeaderName::from_static("remote-user"),
                HeaderName::from_static("x-auth-user"),
            ],
            vec![HeaderName::from_static("x-authentik-meta-app")],
        );
        assert!(!s.doomed("remote-user", true));
        assert!(s.doomed("remote-user", false));
        assert!(s.doomed("remote_user", true));
        assert!(!s.doomed("x-auth-user", true));
        assert!(s.doomed("x-auth-user", false));
        assert!(s.doomed("x_auth_user", true));
        assert!(s.doomed("remote-email", true));
        assert!(s.doomed("x-organizr-user", true));
        assert!(!s.doomed("x-authentik-meta-app", false));
        assert!(s.doomed("x_authentik_meta_app", false));
        assert!(!s.doomed("x-forwarded-for", false));
    }
}
