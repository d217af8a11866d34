//! `credentials`: a whole request (peer, headers, query, policy) through
//! `Authenticator::resolve` and `admit`.

#[allow(unused_imports)]
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
#[allow(unused_imports)]
use std::sync::{Arc, OnceLock};
#[allow(unused_imports)]
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[allow(unused_imports)]
use base64::Engine as _;
#[allow(unused_imports)]
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
#[allow(unused_imports)]
use http::{HeaderMap, HeaderName, HeaderValue};
#[allow(unused_imports)]
use organizr_auth_core::{
    API_KEY_USER, ApiKey, Authentication, Authenticator, Claims, Config, DOWNSTREAM_HEADERS,
    Denial, GroupLevel, Peer, Policy, ProxyHeaderError, ProxyListError, RequestHead, Secret,
    Source, TokenError, TokenValidator, TrustedProxies, Verdict, php_config::OrganizrPhpConfig,
};
#[allow(unused_imports)]
use serde::Deserialize;
#[allow(unused_imports)]
use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
#[allow(unused_imports)]
use serde_json::Value;

#[allow(unused_imports)]
use crate::*;

/// The two configurations `credentials` runs against: Organizr's defaults
/// with bearer tokens and the API key in the query, and a stricter one with
/// a custom user header, a group-level header, no bearer and a login URL.
fn authenticators() -> &'static [Arc<Authenticator>; 2] {
    static A: OnceLock<[Arc<Authenticator>; 2]> = OnceLock::new();
    A.get_or_init(|| {
        let base = || {
            Config::new(secret())
                .uuid(UUID)
                .api_key(ApiKey::new(API_KEY).unwrap())
                .trusted_proxies(TrustedProxies::parse(TRUSTED).unwrap())
        };
        let strict = base()
            .accept_bearer(false)
            .user_header("X-Forwarded-User")
            .and_then(|c| c.proxy_group_header("X-Forwarded-Level"))
            .and_then(|c| c.login_url("https://organizr.example/login"))
            .unwrap();
        [
            Arc::new(Authenticator::new(base().api_key_in_query(true))),
            Arc::new(Authenticator::new(strict)),
        ]
    })
}

/// A decoded `credentials` input.
pub struct Request {
    pub config: usize,
    pub peer: Peer,
    pub method: String,
    pub query: Option<String>,
    pub required: GroupLevel,
    pub downstream: bool,
    pub headers: HeaderMap,
}

/// `credentials` input: one request, a line each (a trailing `\r` is dropped):
///
/// ```text
/// peer 10.0.0.5:443          IP or socket address; `unix`; anything else: unknown
/// config 1                   0 (default) or 1, see `authenticators`
/// policy 4 downstream        required level (default 998); `downstream`: write identity headers
/// method POST                default GET
/// query apikey=...           the query string
/// Cookie: a=1; b=2           any other line with a `:` is a header;
///                            names and values http refuses are skipped
/// ```
///
/// Text rather than `arbitrary` so that seeds are real requests with real
/// tokens; header lines cannot hold a newline, and neither can a header.
pub fn parse_request(data: &[u8]) -> Request {
    let mut r = Request {
        config: 0,
        peer: Peer::Unknown,
        method: "GET".into(),
        query: None,
        required: GroupLevel::LOGGED_IN,
        downstream: false,
        headers: HeaderMap::new(),
    };
    for line in data.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let text = std::str::from_utf8(line).ok();
        let directive = |name: &str| text.and_then(|t| t.strip_prefix(name)?.strip_prefix(' '));
        if let Some(p) = directive("peer") {
            r.peer = match (p.parse::<SocketAddr>(), p.parse::<IpAddr>()) {
                (Ok(sa), _) => Peer::from(sa),
                (_, Ok(ip)) => Peer::from(ip),
                _ if p == "unix" => Peer::Unix,
                _ => Peer::Unknown,
            };
        } else if let Some(c) = directive("config") {
            r.config = usize::from(c.trim() == "1");
        } else if let Some(p) = directive("policy") {
            let mut words = p.split(' ');
            let level = words
                .next()
                .and_then(|l| l.parse::<u16>().ok())
                .unwrap_or(998);
            r.required = GroupLevel::new(level % 1000).unwrap();
            r.downstream = words.any(|w| w == "downstream");
        } else if let Some(m) = directive("method") {
            r.method = m.to_owned();
        } else if let Some(q) = directive("query") {
            r.query = Some(q.to_owned());
        } else if let Some(colon) = line.iter().position(|&b| b == b':') {
            let (name, value) = (&line[..colon], &line[colon + 1..]);
            let value = value.strip_prefix(b" ").unwrap_or(value);
            if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name), HeaderValue::from_bytes(value)) {
                r.headers.append(n, v);
            }
        }
    }
    r
}

/// `Remote_User` and `remote-user` are one header to some stacks.
fn fold(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

/// `credentials`: a request through `Authenticator::resolve` and `admit`.
pub fn credentials(data: &[u8]) {
    let r = parse_request(data);
    let auth = &authenticators()[r.config];
    let trusted = auth.trusted_proxies().trusts(&r.peer);
    let user_header = if r.config == 0 {
        "remote-user"
    } else {
        "x-forwarded-user"
    };
    let configured: Vec<&str> = if r.config == 0 {
        vec!["remote-user"]
    } else {
        vec!["x-forwarded-user", "x-forwarded-level"]
    };

    let resolved = auth.resolve(&r.headers, r.query.as_deref(), &r.peer);
    if let Some(id) = resolved.identity() {
        check_identity(auth, &r, id, trusted, user_header);
    }
    check_a_valid_token_is_found(auth, &r, &resolved, trusted, user_header);

    let mut headers = r.headers.clone();
    let policy = Policy::require(r.required).with_downstream_headers(r.downstream);
    let head = RequestHead::new(&r.method, "/", r.query.as_deref(), &mut headers);
    let verdict = auth.admit(head, r.peer, &policy, None);

    // `admit` decides as `resolve` does: identity headers are stripped after
    // resolution, so stripping never changes the outcome.
    let allowed = match (&verdict, resolved.authorize(r.required)) {
        (Verdict::Allow(a), Ok(())) => {
            assert_eq!(a.authentication(), &resolved, "admit and resolve disagree");
            Some(a.authentication())
        }
        (Verdict::Reject(rej), Err(denial)) => {
            assert_eq!(rej.denial(), &denial, "admit and resolve disagree");
            match denial {
                Denial::Forbidden { .. } => assert_eq!(rej.status(), 403),
                Denial::Unauthenticated { .. } => {
                    assert!(rej.status() == 401 || rej.is_redirect())
                }
                _ => {}
            }
            None
        }
        (v, d) => panic!("admit gave {v:?}, resolve then authorize gave {d:?}"),
    };

    // Which identity headers may be on the request afterwards: the verified
    // identity's, when it is allowed and downstream headers are on; and a
    // configured proxy header, spelled as configured, that a trusted peer sent
    // and the library accepted. Nothing else of an identity family.
    let written: Vec<(HeaderName, HeaderValue)> = match allowed {
        Some(Authentication::Authenticated(id)) if r.downstream => id.headers().collect(),
        _ => Vec::new(),
    };
    for name in headers.keys() {
        let folded = fold(name.as_str());
        let is_downstream = DOWNSTREAM_HEADERS.iter().any(|d| d.as_str() == folded);
        if r.downstream && allowed.is_some() && is_downstream {
            let got: Vec<&HeaderValue> = headers.get_all(name).iter().collect();
            let want: Vec<&HeaderValue> = written
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v)
                .collect();
            assert_eq!(got, want, "{name} is not the verified identity's");
        } else if configured.contains(&name.as_str()) {
            assert!(
                trusted && resolved.identity().is_some(),
                "configured proxy header {name} survived without being accepted"
            );
        } else {
            assert!(
                !organizr_auth_core::sanitize::is_identity_header(name.as_str())
                    && !configured.contains(&folded.as_str()),
                "identity header {name} survived admit"
            );
        }
    }

    // Headers never decide trust, and so never where an untrusted client is.
    let client = auth.trusted_proxies().client_ip(&r.peer, &r.headers);
    if !trusted {
        assert_eq!(client, r.peer.ip());
    }
}

/// The token copies a request presents, read the obvious way: every cookie
/// named `organizr_token_<uuid>`, then every `Authorization: Bearer` token
/// when bearer tokens are accepted.
fn naive_tokens<'a>(auth: &Authenticator, headers: &'a HeaderMap) -> Vec<&'a str> {
    let mut tokens = naive_cookie_values(headers, auth.cookie_name());
    if auth.accepts_bearer() {
        tokens.extend(headers.get_all("authorization").iter().filter_map(|v| {
            let v = v.as_bytes();
            if v.len() < 7 || !v[..7].eq_ignore_ascii_case(b"bearer ") {
                return None;
            }
            // Too long to be a token however spaced: not trimmed (refused
            // as too large), as `bearer_tokens` documents.
            let token = &v[7..];
            let token = if token.len() > organizr_auth_core::token::MAX_TOKEN_LEN + 64 {
                token
            } else {
                token.trim_ascii()
            };
            std::str::from_utf8(token).ok().filter(|t| !t.is_empty())
        }));
    }
    tokens
}

/// Completeness, which exercises the fast cookie scan: when the presented
/// copies, read the obvious way, hold valid tokens of one user and nothing
/// else could interfere (no API key, no trusted proxy user, not too many
/// copies), resolution finds that user.
fn check_a_valid_token_is_found(
    auth: &Authenticator,
    r: &Request,
    resolved: &Authentication,
    trusted: bool,
    user_header: &str,
) {
    let tokens = naive_tokens(auth, &r.headers);
    let valid: Vec<Claims> = tokens
        .iter()
        .filter_map(|t| auth.validator()?.validate(t).ok())
        .collect();
    let Some(first) = valid.first() else {
        return;
    };
    let one_user = valid
        .iter()
        .all(|c| c.username.eq_ignore_ascii_case(&first.username));
    let api_key_presented = r.headers.contains_key("token")
        || (r.config == 0 && r.query.as_deref().is_some_and(|q| q.contains("apikey")));
    let proxy_user = trusted && r.headers.contains_key(user_header);
    // The name repeated more than the cap refuses the request, valid or not.
    let name = auth.cookie_name().as_bytes();
    let occurrences: usize = r
        .headers
        .get_all("cookie")
        .iter()
        .map(|line| {
            line.as_bytes()
                .windows(name.len())
                .filter(|w| *w == name)
                .count()
        })
        .sum();
    let quiet = !api_key_presented
        && !proxy_user
        && occurrences <= organizr_auth_core::resolve::MAX_COOKIE_NAME_OCCURRENCES;
    if one_user && quiet && tokens.len() <= organizr_auth_core::resolve::MAX_TOKEN_CANDIDATES {
        let found = resolved.identity().map(|id| id.username.as_str());
        assert!(
            found.is_some_and(|f| f.eq_ignore_ascii_case(&first.username)),
            "a valid token was not found"
        );
    }
}

/// Every `name=value` pair of every `Cookie` line, split on `;`, trimmed,
/// compared by the part before the first `=`; the value trimmed, unquoted,
/// and kept only if UTF-8 (what `cookie_values` documents).
fn naive_cookie_values<'a>(headers: &'a HeaderMap, name: &str) -> Vec<&'a str> {
    headers
        .get_all("cookie")
        .iter()
        .flat_map(|line| line.as_bytes().split(|&b| b == b';'))
        .filter_map(|pair| {
            let pair = pair.trim_ascii();
            let eq = pair.iter().position(|&b| b == b'=')?;
            if pair[..eq].trim_ascii() != name.as_bytes() {
                return None;
            }
            let value = pair[eq + 1..].trim_ascii();
            let value = value
                .strip_prefix(b"\"")
                .and_then(|v| v.strip_suffix(b"\""))
                .unwrap_or(value);
            std::str::from_utf8(value).ok()
        })
        .collect()
}

fn check_identity(
    auth: &Authenticator,
    r: &Request,
    id: &organizr_auth_core::Identity,
    trusted: bool,
    user_header: &str,
) {
    crate::assert_visible("username", &id.username);
    assert!(id.group_id.get() <= 999);
    match id.source {
        Source::Proxy => {
            assert!(trusted, "an untrusted peer's header gave an identity");
            let values: Vec<&[u8]> = r
                .headers
                .get_all(user_header)
                .iter()
                .map(HeaderValue::as_bytes)
                .collect();
            assert_eq!(
                values.len(),
                1,
                "identity from a repeated or absent user header"
            );
            assert_eq!(values[0].trim_ascii(), id.username.as_bytes());
            if r.config == 0 {
                assert_eq!(id.group_id, GroupLevel::LOGGED_IN);
            }
        }
        Source::ApiKey => {
            assert_eq!(
                (id.username.as_str(), id.group_id),
                (API_KEY_USER, GroupLevel::ADMIN)
            );
            let in_header = r
                .headers
                .get_all("token")
                .iter()
                .any(|v| v.as_bytes().trim_ascii() == API_KEY.as_bytes());
            let in_query =
                r.config == 0 && r.query.as_deref().is_some_and(|q| q.contains("apikey="));
            assert!(in_header || in_query, "API key identity without the key");
        }
        Source::Token => {
            // Some presented copy validates, to this very user.
            let found = naive_tokens(auth, &r.headers)
                .into_iter()
                .filter_map(|t| auth.validator()?.validate(t).ok())
                .any(|c| c.username == id.username);
            assert!(found, "token identity without a valid token");
        }
        _ => {}
    }
}
