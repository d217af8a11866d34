//! Login redirects for proxies that can pass them on: Traefik `ForwardAuth`
//! and Caddy `forward_auth` hand a 302 from forward-auth to the browser
//! (nginx's `auth_request` cannot: its recipe calls [`LoginRedirect`] through
//! `/login-redirect` from an `error_page 401` location instead).
//!
//! Opt-in: `ORGANIZR_LOGIN_URL` plus `ORGANIZR_REDIRECT_HOSTS`, host patterns
//! such as `example.com,*.example.com` ([`RedirectHosts`]). A refused
//! anonymous browser request (its `Accept` lists `text/html`) whose
//! `X-Forwarded-Host` matches a pattern gets `302 Found` to the login URL with
//! `return=` the original URL, built from `X-Forwarded-Proto`,
//! `X-Forwarded-Host` and `X-Forwarded-Uri` and percent-encoded as a whole
//! ([`LoginRedirect::location`]). Anything else gets the plain 401.
//!
//! # Security
//! - **Never an unchecked host in `Location`.** Organizr's own Traefik mode
//!   concatenates the three headers raw into `?return=`, and its login page
//!   follows `return` unchecked: an open redirect to any host a client names.
//!   Here the host must match a configured pattern, the protocol must be
//!   `http` or `https`, the URI must start with `/` and hold only visible
//!   ASCII, and the whole URL is percent-encoded, so it cannot add parameters
//!   to the login URL or end it. When any of that fails, the answer is 401.
//! - **Only anonymous refusals.** A signed-in user whose group is too low
//!   gets 401/403, never the login page: Organizr's login page sends a
//!   signed-in user straight back to `return`, which would loop.
//! - **`*.example.com` trusts every subdomain.** Anyone who can serve a
//!   subdomain there (a shared hosting zone, a user's own subdomain) can be a
//!   `return` target. List exact hosts when that matters.

use std::fmt;

use axum::http::HeaderValue;
use organizr_auth_core::HeaderAccess;

/// The longest `X-Forwarded-Uri` put into a `return=`; a longer one gets the
/// plain 401 (a `Location` that long would be refused by browsers and proxies
/// anyway).
const MAX_URI: usize = 4096;

/// The longest host name (RFC 1035).
const MAX_HOST: usize = 253;

/// Why `ORGANIZR_REDIRECT_HOSTS` or a login URL cannot be used. The messages
/// quote the bad entry.
///
/// ```
/// use forward_auth::redirect::{RedirectHosts, RedirectHostsError};
///
/// let err = RedirectHosts::parse("example.com, https://app.example.com").err().ok_or("accepted")?;
/// assert_eq!(err.to_string(), r#"invalid host pattern "https://app.example.com" (entry 2): expected a host name such as example.com, or *.example.com for its subdomains"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedirectHostsError {
    /// No pattern at all.
    #[error("empty host list: expected host patterns such as example.com,*.example.com")]
    Empty,
    /// A pattern that is not a host name, `*.` and a host name, or a
    /// bracketed IPv6 address.
    #[error(
        "invalid host pattern {entry:?} (entry {position}): expected a host name such as example.com, or *.example.com for its subdomains"
    )]
    InvalidPattern {
        /// The entry as given (trimmed).
        entry: String,
        /// Its 1-based position in the list.
        position: usize,
    },
    /// A login URL a browser could read as another host, or that cannot be a
    /// header value (the same rule as core's `ORGANIZR_LOGIN_URL` check).
    #[error(
        "invalid login url {url:?}: expected http(s)://host/... or a path starting with one /, without spaces or backslashes"
    )]
    InvalidLoginUrl {
        /// The URL as given.
        url: String,
    },
}

/// One host pattern: an exact host, or every subdomain of one.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    /// `example.com`: that host only (lower-case).
    Exact(String),
    /// `*.example.com`: any host ending in `.example.com` (stored with the
    /// leading dot), not `example.com` itself.
    Subdomains(String),
}

impl HostPattern {
    fn matches(&self, host: &str) -> bool {
        match self {
            HostPattern::Exact(exact) => exact == host,
            HostPattern::Subdomains(suffix) => {
                host.len() > suffix.len() && host.ends_with(suffix.as_str())
            }
        }
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostPattern::Exact(host) => f.write_str(host),
            HostPattern::Subdomains(suffix) => write!(f, "*{suffix}"),
        }
    }
}

/// The hosts forward-auth may send back to after a login
/// (`ORGANIZR_REDIRECT_HOSTS`): comma-separated patterns, each a host name
/// (`example.com`, `127.0.0.1`), `*.` and a host name for all its subdomains
/// at any depth (`*.example.com`, which does not match `example.com` itself),
/// or a bracketed IPv6 address (`[2001:db8::1]`). ASCII case-insensitive;
/// ports are ignored (`app.example.com:8443` matches `app.example.com`).
///
/// ```
/// use forward_auth::redirect::RedirectHosts;
///
/// let hosts = RedirectHosts::parse("example.com, *.example.com")?;
/// assert!(hosts.matches("example.com"));
/// assert!(hosts.matches("App.Example.com:8443"));
/// assert!(hosts.matches("a.b.example.com"));
/// assert!(!hosts.matches("evil-example.com"));
/// assert!(!hosts.matches("example.com.evil.net"));
/// assert_eq!(hosts.to_string(), "example.com,*.example.com");
/// # Ok::<(), forward_auth::redirect::RedirectHostsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectHosts {
    patterns: Vec<HostPattern>,
}

impl RedirectHosts {
    /// Parses a comma-separated list of patterns (spaces around entries are
    /// ignored). An empty list, an empty entry, `*`, `*.com.`-style
    /// malformations, schemes, paths, ports and user info are errors that
    /// quote the entry.
    ///
    /// ```
    /// use forward_auth::redirect::RedirectHosts;
    ///
    /// for bad in ["", "*", "*.", "a.*.com", "example.com/", "example.com:443", "user@example.com", "exa mple.com", "a,,b"] {
    ///     assert!(RedirectHosts::parse(bad).is_err(), "{bad:?}");
    /// }
    /// # Ok::<(), forward_auth::redirect::RedirectHostsError>(())
    /// ```
    pub fn parse(list: &str) -> Result<Self, RedirectHostsError> {
        if list.trim().is_empty() {
            return Err(RedirectHostsError::Empty);
        }
        let patterns = list
            .split(',')
            .enumerate()
            .map(|(index, raw)| {
                let entry = raw.trim();
                parse_pattern(entry).ok_or_else(|| RedirectHostsError::InvalidPattern {
                    entry: entry.to_owned(),
                    position: index + 1,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { patterns })
    }

    /// Whether the host of `host_and_port` (a `Host` or `X-Forwarded-Host`
    /// value: a host name, IPv4 address or bracketed IPv6 address, and an
    /// optional `:port`) matches a pattern. A value that is not such a host
    /// never matches.
    ///
    /// ```
    /// use forward_auth::redirect::RedirectHosts;
    ///
    /// let hosts = RedirectHosts::parse("[2001:db8::1], 127.0.0.1")?;
    /// assert!(hosts.matches("[2001:DB8::1]:8080"));
    /// assert!(hosts.matches("127.0.0.1:3000"));
    /// assert!(!hosts.matches("127.0.0.1:"));
    /// assert!(!hosts.matches("127.0.0.1 "));
    /// # Ok::<(), forward_auth::redirect::RedirectHostsError>(())
    /// ```
    pub fn matches(&self, host_and_port: &str) -> bool {
        let Some(host) = split_host(host_and_port) else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        self.patterns.iter().any(|p| p.matches(&host))
    }
}

/// The patterns, comma-separated, lower-case.
impl fmt::Display for RedirectHosts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, pattern) in self.patterns.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            pattern.fmt(f)?;
        }
        Ok(())
    }
}

/// A pattern, or `None` if `entry` is not one.
fn parse_pattern(entry: &str) -> Option<HostPattern> {
    if let Some(rest) = entry.strip_prefix("*.") {
        return is_host_name(rest).then(|| HostPattern::Subdomains(format!(".{}", lower(rest))));
    }
    (is_host_name(entry) || is_bracketed_ipv6(entry)).then(|| HostPattern::Exact(lower(entry)))
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// A DNS host name (or IPv4 address): dot-separated labels of ASCII letters,
/// digits and inner hyphens, 1 to 63 bytes each, at most 253 in all.
fn is_host_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_HOST
        && s.split('.').all(|label| {
            let bytes = label.as_bytes();
            !bytes.is_empty()
                && bytes.len() <= 63
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
                && bytes.first() != Some(&b'-')
                && bytes.last() != Some(&b'-')
        })
}

/// `[` an IPv6 address `]`.
fn is_bracketed_ipv6(s: &str) -> bool {
    s.strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .is_some_and(|inner| inner.parse::<std::net::Ipv6Addr>().is_ok())
}

/// The host part of `host[:port]`, if the value is a host with an optional
/// numeric port.
fn split_host(value: &str) -> Option<&str> {
    let (host, port) = if value.starts_with('[') {
        let end = value.find(']')? + 1;
        let (host, rest) = value.split_at(end);
        if rest.is_empty() {
            (host, None)
        } else {
            (host, Some(rest.strip_prefix(':')?))
        }
    } else {
        match value.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (value, None),
        }
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    (port_ok && (is_host_name(host) || is_bracketed_ipv6(host))).then_some(host)
}

/// A checked login URL: an absolute `http(s)://host/...` without user info,
/// or a path starting with exactly one `/`; no control characters, spaces or
/// backslashes (browsers read `/\evil.example` as `//evil.example`). The same
/// rule as core's check of `ORGANIZR_LOGIN_URL`.
fn check_login_url(url: &str) -> Result<HeaderValue, RedirectHostsError> {
    let invalid = || RedirectHostsError::InvalidLoginUrl {
        url: url.to_owned(),
    };
    if url.chars().any(|c| c.is_control() || c == ' ' || c == '\\') {
        return Err(invalid());
    }
    let absolute = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let ok = match absolute {
        Some(rest) => {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            !authority.is_empty() && !authority.contains('@')
        }
        None => url.starts_with('/') && !url.starts_with("//"),
    };
    if !ok {
        return Err(invalid());
    }
    HeaderValue::from_str(url).map_err(|_| invalid())
}

/// Where refused browsers go: the login URL, and the hosts whose URLs may be
/// its `return=`.
///
/// ```
/// use axum::http::HeaderMap;
/// use forward_auth::redirect::{LoginRedirect, RedirectHosts};
///
/// let redirect = LoginRedirect::new("https://organizr.example.com/", RedirectHosts::parse("*.example.com")?)?;
/// let mut headers = HeaderMap::new();
/// headers.insert("x-forwarded-proto", "https".parse()?);
/// headers.insert("x-forwarded-host", "app.example.com".parse()?);
/// headers.insert("x-forwarded-uri", "/watch?v=1&t=2".parse()?);
/// let location = redirect.location(&headers).ok_or("no redirect")?;
/// assert_eq!(
///     location,
///     "https://organizr.example.com/?return=https%3A%2F%2Fapp.example.com%2Fwatch%3Fv%3D1%26t%3D2"
/// );
///
/// headers.insert("x-forwarded-host", "evil.example.net".parse()?);
/// assert_eq!(redirect.location(&headers), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginRedirect {
    login_url: HeaderValue,
    hosts: RedirectHosts,
}

impl LoginRedirect {
    /// Checks `login_url` (see the type's rule) and keeps `hosts`.
    ///
    /// ```
    /// use forward_auth::redirect::{LoginRedirect, RedirectHosts};
    ///
    /// let hosts = RedirectHosts::parse("example.com")?;
    /// assert!(LoginRedirect::new("/organizr/", hosts.clone()).is_ok());
    /// assert!(LoginRedirect::new("//evil.example/", hosts.clone()).is_err());
    /// assert!(LoginRedirect::new("/\\evil.example/", hosts).is_err());
    /// # Ok::<(), forward_auth::redirect::RedirectHostsError>(())
    /// ```
    pub fn new(login_url: &str, hosts: RedirectHosts) -> Result<Self, RedirectHostsError> {
        Ok(Self {
            login_url: check_login_url(login_url)?,
            hosts,
        })
    }

    /// The hosts that may be returned to.
    ///
    /// ```
    /// use forward_auth::redirect::{LoginRedirect, RedirectHosts};
    ///
    /// let redirect = LoginRedirect::new("/login", RedirectHosts::parse("Example.com")?)?;
    /// assert_eq!(redirect.hosts().to_string(), "example.com");
    /// # Ok::<(), forward_auth::redirect::RedirectHostsError>(())
    /// ```
    pub fn hosts(&self) -> &RedirectHosts {
        &self.hosts
    }

    /// The login URL.
    ///
    /// ```
    /// use forward_auth::redirect::{LoginRedirect, RedirectHosts};
    ///
    /// let redirect = LoginRedirect::new("/login", RedirectHosts::parse("example.com")?)?;
    /// assert_eq!(redirect.login_url(), "/login");
    /// # Ok::<(), forward_auth::redirect::RedirectHostsError>(())
    /// ```
    pub fn login_url(&self) -> &str {
        // Checked visible ASCII at construction.
        self.login_url.to_str().unwrap_or_default()
    }

    /// The `Location` for a request with these headers, or `None` when it
    /// must get the plain 401: unless there is exactly one `X-Forwarded-Proto`
    /// (`http` or `https`), one `X-Forwarded-Host` matching the hosts, and one
    /// `X-Forwarded-Uri` starting with `/` of visible ASCII (at most 4096
    /// bytes). The original URL `proto://host/uri` is percent-encoded whole
    /// (everything but `A-Z a-z 0-9 - . _ ~`) as the login URL's `return`
    /// parameter, added with `?` or `&` before any `#fragment`.
    ///
    /// Does not look at `Accept`: see [`accepts_html`].
    ///
    /// ```
    /// use axum::http::HeaderMap;
    /// use forward_auth::redirect::{LoginRedirect, RedirectHosts};
    ///
    /// let redirect = LoginRedirect::new("/organizr/?lang=en#login", RedirectHosts::parse("example.com")?)?;
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-forwarded-proto", "http".parse()?);
    /// headers.insert("x-forwarded-host", "example.com:8080".parse()?);
    /// headers.insert("x-forwarded-uri", "/".parse()?);
    /// assert_eq!(
    ///     redirect.location(&headers).ok_or("no redirect")?,
    ///     "/organizr/?lang=en&return=http%3A%2F%2Fexample.com%3A8080%2F#login"
    /// );
    /// headers.insert("x-forwarded-proto", "javascript".parse()?);
    /// assert_eq!(redirect.location(&headers), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn location(&self, headers: &impl HeaderAccess) -> Option<HeaderValue> {
        let proto = single(headers, "x-forwarded-proto")?;
        let proto = if proto.eq_ignore_ascii_case(b"https") {
            "https"
        } else if proto.eq_ignore_ascii_case(b"http") {
            "http"
        } else {
            return None;
        };
        let host = std::str::from_utf8(single(headers, "x-forwarded-host")?).ok()?;
        if !self.hosts.matches(host) {
            return None;
        }
        let uri = single(headers, "x-forwarded-uri")?;
        if uri.first() != Some(&b'/')
            || uri.len() > MAX_URI
            || !uri.iter().all(|b| b.is_ascii_graphic())
        {
            return None;
        }
        let login = self.login_url();
        let (base, fragment) = match login.find('#') {
            Some(at) => login.split_at(at),
            None => (login, ""),
        };
        let separator = if base.contains('?') { '&' } else { '?' };
        let mut location = String::with_capacity(base.len() + 3 * (uri.len() + host.len()) + 32);
        location.push_str(base);
        location.push(separator);
        location.push_str("return=");
        for part in [
            proto.as_bytes(),
            b"://",
            host.to_ascii_lowercase().as_bytes(),
            uri,
        ] {
            percent_encode_into(&mut location, part);
        }
        location.push_str(fragment);
        HeaderValue::from_str(&location).ok()
    }
}

/// The only value of header `name`, if there is exactly one.
fn single<'a>(headers: &'a impl HeaderAccess, name: &str) -> Option<&'a [u8]> {
    let mut values = headers.header_values(name);
    let first = values.next()?;
    values.next().is_none().then_some(first)
}

/// Appends `bytes` with everything but RFC 3986's unreserved characters
/// percent-encoded.
fn percent_encode_into(out: &mut String, bytes: &[u8]) {
    use std::fmt::Write;
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// Whether the request is from a browser: an `Accept` header lists
/// `text/html` with a non-zero quality (the rule core uses for the apps'
/// login redirects).
///
/// ```
/// use axum::http::HeaderMap;
/// use forward_auth::redirect::accepts_html;
///
/// let mut headers = HeaderMap::new();
/// assert!(!accepts_html(&headers));
/// headers.insert("accept", "text/html,application/xhtml+xml;q=0.9".parse()?);
/// assert!(accepts_html(&headers));
/// headers.insert("accept", "application/json, text/html;q=0".parse()?);
/// assert!(!accepts_html(&headers));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn accepts_html(headers: &impl HeaderAccess) -> bool {
    headers
        .header_values("accept")
        .flat_map(|v| v.split(|&b| b == b','))
        .any(|range| {
            let mut parts = range.split(|&b| b == b';');
            let media = parts.next().unwrap_or_default().trim_ascii();
            media.eq_ignore_ascii_case(b"text/html")
                && !parts.any(|p| {
                    let p = p.trim_ascii();
                    p.len() >= 2
                        && p.get(..2).is_some_and(|k| k.eq_ignore_ascii_case(b"q="))
                        && p.get(2..)
                            .is_some_and(|q| q.iter().all(|&c| c == b'0' || c == b'.'))
                })
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn headers(proto: &str, host: &str, uri: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (n, v) in [
            ("x-forwarded-proto", proto),
            ("x-forwarded-host", host),
            ("x-forwarded-uri", uri),
        ] {
            if !v.is_empty() {
                h.insert(n, v.parse().unwrap());
            }
        }
        h
    }

    fn redirect() -> LoginRedirect {
        LoginRedirect::new(
            "https://organizr.example.com/",
            RedirectHosts::parse("example.com,*.example.com,127.0.0.1").unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn patterns() {
        let hosts = RedirectHosts::parse(" Example.COM ,*.apps.example.com,[::1]").unwrap();
        for yes in [
            "example.com",
            "EXAMPLE.com:443",
            "a.apps.example.com",
            "x.y.apps.example.com",
            "[::1]",
            "[::1]:80",
        ] {
            assert!(hosts.matches(yes), "{yes}");
        }
        for no in [
            "apps.example.com",
            "www.example.com",
            "example.com.",
            "example.com:",
            "example.com:x",
            "example.com:123456",
            "[::1]x",
            "[::2]",
            "",
            "ex ample.com",
            "user@example.com",
            "example.com/",
            "a.apps.example.com\\",
        ] {
            assert!(!hosts.matches(no), "{no}");
        }
        assert_eq!(hosts.to_string(), "example.com,*.apps.example.com,[::1]");
    }

    #[test]
    fn bad_patterns_name_the_entry() {
        for (list, entry, position) in [
            ("example.com,", "", 2),
            ("*", "*", 1),
            ("a,*.", "*.", 2),
            ("**.example.com", "**.example.com", 1),
            ("-a.com", "-a.com", 1),
            ("http://a.com", "http://a.com", 1),
            ("[::1", "[::1", 1),
            ("[zz]", "[zz]", 1),
        ] {
            assert_eq!(
                RedirectHosts::parse(list),
                Err(RedirectHostsError::InvalidPattern {
                    entry: entry.to_owned(),
                    position
                }),
                "{list}"
            );
        }
        assert_eq!(RedirectHosts::parse(" "), Err(RedirectHostsError::Empty));
    }

    #[test]
    fn locations() {
        let r = redirect();
        let cases: &[(&str, &str, &str, Option<&str>)] = &[
            (
                "https",
                "app.example.com",
                "/a b?x=1&y=%2F#f",
                None, // a space: not a raw URI
            ),
            (
                "https",
                "app.example.com",
                "/a?x=1&y=%2F+z",
                Some(
                    "https://organizr.example.com/?return=https%3A%2F%2Fapp.example.com%2Fa%3Fx%3D1%26y%3D%252F%2Bz",
                ),
            ),
            (
                "HTTP",
                "127.0.0.1:8080",
                "/",
                Some("https://organizr.example.com/?return=http%3A%2F%2F127.0.0.1%3A8080%2F"),
            ),
            ("https", "evil.com", "/", None),
            ("https", "example.com.evil.com", "/", None),
            ("https", "app.example.com@evil.com", "/", None),
            ("ftp", "app.example.com", "/", None),
            (
                "https",
                "app.example.com",
                "//evil.com",
                Some(
                    "https://organizr.example.com/?return=https%3A%2F%2Fapp.example.com%2F%2Fevil.com",
                ),
            ),
            ("https", "app.example.com", "evil", None),
            ("", "app.example.com", "/", None),
            ("https", "", "/", None),
            ("https", "app.example.com", "", None),
        ];
        for (proto, host, uri, want) in cases {
            let h = headers(proto, host, uri);
            let got = r.location(&h);
            assert_eq!(
                got.as_ref().map(|v| v.to_str().unwrap()),
                *want,
                "{proto} {host} {uri}"
            );
        }
        let long = format!("/{}", "a".repeat(MAX_URI));
        assert_eq!(r.location(&headers("https", "example.com", &long)), None);
    }

    #[test]
    fn repeated_headers_get_no_redirect() {
        let r = redirect();
        let mut h = headers("https", "app.example.com", "/");
        assert!(r.location(&h).is_some());
        h.append("x-forwarded-host", "evil.com".parse().unwrap());
        assert_eq!(r.location(&h), None);
        let mut h = headers("https", "app.example.com", "/");
        h.append("x-forwarded-proto", "http".parse().unwrap());
        assert_eq!(r.location(&h), None);
    }

    #[test]
    fn login_urls() {
        let hosts = RedirectHosts::parse("example.com").unwrap();
        for good in [
            "https://o.example.com",
            "http://o.example.com:8080/x?y=1",
            "/organizr/",
        ] {
            assert!(LoginRedirect::new(good, hosts.clone()).is_ok(), "{good}");
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://user@evil.example/",
            "https:///path",
            "organizr.example.com",
            "javascript:alert(1)",
            "/a b",
            "/\t/evil",
            "",
        ] {
            assert!(LoginRedirect::new(bad, hosts.clone()).is_err(), "{bad:?}");
        }
    }
}
