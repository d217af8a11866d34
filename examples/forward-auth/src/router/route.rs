//! Organizr's auth routes: which request paths are auth requests, and the
//! group and the path's `{type}/{ips}` each one carries.
//!
//! Pure parsing, no decision: [`parse`] turns a path and query into an
//! [`AuthRequest`], and [`GroupValue::classify`] reads a group the way
//! Organizr does, refusing what Organizr would misread.

use std::borrow::Cow;

use organizr_auth_core::GroupLevel;

/// The longest group value quoted in an error message.
const SHOWN: usize = 100;

/// What an auth request asks, before any decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthRequest {
    /// The group as given (percent-decoded); `None` when absent, which means
    /// 0 (admins only), as in Organizr.
    pub(crate) group: Option<String>,
    /// The path's `{type}` and `{ips}` (decoded), when the path has them.
    /// Never Organizr's `deny`/`192.0.0.0` defaults: a path without them has
    /// no path rule.
    pub(crate) path_rule: Option<(String, Option<String>)>,
}

/// Why a request to an auth route is malformed (a 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum RouteError {
    /// The group is in the path and in the query, with different values.
    #[error(
        "the group is given twice, {path:?} in the path and {query:?} in the query: give it once (Organizr would take the query's)"
    )]
    GroupTwice {
        /// The path's.
        path: String,
        /// The query's.
        query: String,
    },
    /// `group=` more than once.
    #[error("parameter group is given more than once")]
    GroupRepeated,
    /// `Group=`, `group[]=`: Organizr would ignore it and require level 0.
    #[error("unknown parameter {found:?}: did you mean group?")]
    GroupMisspelled {
        /// The name as given.
        found: String,
    },
    /// A path segment or the group that is not UTF-8 once decoded.
    #[error("the request path or its group is not valid utf-8 once percent-decoded")]
    NotUtf8,
}

/// Why a group value cannot be used (a 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum GroupError {
    /// A whole number above 999.
    #[error(
        "group {value:?} is out of range: expected a whole number from 0 to 999 (Organizr would let everyone in above 999)"
    )]
    OutOfRange {
        /// The value (at most 100 characters).
        value: String,
    },
    /// A number Organizr reads, but not a plain whole number: `1.5`, `-1`,
    /// `1e3`, ` 4`.
    #[error(
        "group {value:?} is not a whole number from 0 to 999 (Organizr would read it as a number: rounded down, negative, or 1e3 = 1000, which lets everyone in)"
    )]
    NotWhole {
        /// The value (at most 100 characters).
        value: String,
    },
}

/// What a group value means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GroupValue {
    /// A level.
    Level(GroupLevel),
    /// Not a number: the name (or part of the name) of an Organizr tab, whose
    /// group is required.
    TabName(String),
}

impl GroupValue {
    /// Reads a group as Organizr's `is_numeric` sees it: empty is 0; a plain
    /// whole number (leading zeros allowed) is that level, if at most 999;
    /// any other number PHP recognises (`1.5`, `-1`, `+4`, `1e3`, ` 4`) is
    /// refused, where Organizr would round it, refuse everyone, or (for 1000
    /// and more) let everyone in; anything else is a tab name.
    pub(crate) fn classify(value: &str) -> Result<Self, GroupError> {
        if value.is_empty() {
            return Ok(GroupValue::Level(GroupLevel::ADMIN));
        }
        if value.bytes().all(|b| b.is_ascii_digit()) {
            return value
                .parse::<GroupLevel>()
                .map(GroupValue::Level)
                .map_err(|_| GroupError::OutOfRange {
                    value: shown(value),
                });
        }
        if php_is_numeric(value) {
            return Err(GroupError::NotWhole {
                value: shown(value),
            });
        }
        Ok(GroupValue::TabName(value.to_owned()))
    }
}

/// At most [`SHOWN`] characters of `s`, for a message.
pub(crate) fn shown(s: &str) -> String {
    match s.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}...", s.get(..cut).unwrap_or_default()),
        None => s.to_owned(),
    }
}

/// PHP 8's `is_numeric`: optional leading whitespace, an optional sign,
/// digits with an optional fraction (or a fraction alone), an optional
/// exponent, optional trailing whitespace. Linear.
fn php_is_numeric(s: &str) -> bool {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let bytes = s.as_bytes();
    let start = bytes.iter().position(|b| !ws(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !ws(b)).map_or(start, |i| i + 1);
    let mut rest = bytes.get(start..end).unwrap_or_default();
    if let Some((b'+' | b'-', tail)) = rest.split_first() {
        rest = tail;
    }
    let digits = |r: &mut &[u8]| {
        let n = r.iter().take_while(|b| b.is_ascii_digit()).count();
        *r = r.get(n..).unwrap_or_default();
        n
    };
    let whole = digits(&mut rest);
    let mut fraction = 0;
    if let Some((b'.', tail)) = rest.split_first() {
        rest = tail;
        fraction = digits(&mut rest);
    }
    if whole + fraction == 0 {
        return false;
    }
    if let Some((b'e' | b'E', tail)) = rest.split_first() {
        rest = tail;
        if let Some((b'+' | b'-', tail)) = rest.split_first() {
            rest = tail;
        }
        if digits(&mut rest) == 0 {
            return false;
        }
    }
    rest.is_empty()
}

/// Decodes `%XX` escapes (a `%` not followed by two hex digits stays), and
/// `+` as a space in query strings only.
fn percent_decode(input: &str, plus_is_space: bool) -> Result<Cow<'_, str>, RouteError> {
    if !input
        .bytes()
        .any(|b| b == b'%' || (plus_is_space && b == b'+'))
    {
        return Ok(Cow::Borrowed(input));
    }
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(input.len());
    let mut rest = input.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        match b {
            b'+' if plus_is_space => out.push(b' '),
            b'%' => match (
                tail.first().and_then(|&h| hex(h)),
                tail.get(1).and_then(|&l| hex(l)),
            ) {
                (Some(h), Some(l)) => {
                    // Two hex digits make a value below 256.
                    out.push(u8::try_from(h * 16 + l).unwrap_or_default());
                    rest = tail.get(2..).unwrap_or_default();
                }
                _ => out.push(b'%'),
            },
            _ => out.push(b),
        }
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| RouteError::NotUtf8)
}

/// The decoded `group` parameter of `query`: `Ok(None)` without one, an error
/// when it is repeated or misspelled (`Group=`, `group[]=`).
fn query_group(query: &str) -> Result<Option<String>, RouteError> {
    let mut found = None;
    for pair in query.split('&') {
        let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = percent_decode(raw_name, true)?;
        if name == "group" {
            if found.is_some() {
                return Err(RouteError::GroupRepeated);
            }
            found = Some(percent_decode(raw_value, true)?.into_owned());
        } else {
            let base = name.split('[').next().unwrap_or_default();
            if base.eq_ignore_ascii_case("group") {
                return Err(RouteError::GroupMisspelled {
                    found: shown(&name),
                });
            }
        }
    }
    Ok(found)
}

/// The auth request a path and query make, `None` when the path is not an
/// auth route (a 404).
///
/// The routes, each also without the `/api/v2` prefix:
/// - `/api/v2/auth`, `/api/v2/auth/`, `/api/v2/auth/{group}`,
///   `/api/v2/auth/{group}/{type}`, `/api/v2/auth/{group}/{type}/{ips}`;
///   `{ips}` is the rest of the path, so CIDRs (`10.0.0.0/8`) need no
///   escaping; one trailing `/` is ignored;
/// - the same under `/api/v2/organizr-auth`;
/// - `/api/v2/auth-`, `/api/v2/auth-{group}`, `/api/v2/auth-{group}/`;
/// - Organizr v1: `/api/`, `/api` or `/api/index.php` whose query starts
///   with `v1/auth` (`/api/?v1/auth&group=N`).
///
/// The query's `group=` counts on every route: a group in the path and a
/// different one in the query is an error, never a guess.
pub(crate) fn parse(path: &str, query: Option<&str>) -> Option<Result<AuthRequest, RouteError>> {
    let (path_group, path_rule) = if matches!(path, "/api/" | "/api" | "/api/index.php") {
        let first = query?.split('&').next()?;
        let name = first.split('=').next().unwrap_or(first);
        if name != "v1/auth" {
            return None;
        }
        (None, None)
    } else {
        let rest = path.strip_prefix("/api/v2").unwrap_or(path);
        match split_route(rest)? {
            Ok(parts) => parts,
            Err(e) => return Some(Err(e)),
        }
    };
    Some(combine(path_group, path_rule, query))
}

/// The path group and `{type}/{ips}` of a path after the optional `/api/v2`.
type PathParts = (Option<String>, Option<(String, Option<String>)>);

fn split_route(rest: &str) -> Option<Result<PathParts, RouteError>> {
    if let Some(tail) = rest.strip_prefix("/auth-") {
        let tail = tail.strip_suffix('/').unwrap_or(tail);
        if tail.contains('/') {
            return None;
        }
        return Some(segment(tail).map(|group| (group, None)));
    }
    let tail = rest
        .strip_prefix("/auth")
        .or_else(|| rest.strip_prefix("/organizr-auth"))?;
    if tail.is_empty() || tail == "/" {
        return Some(Ok((None, None)));
    }
    let tail = tail.strip_prefix('/')?;
    let tail = tail.strip_suffix('/').unwrap_or(tail);
    Some(path_parts(tail))
}

/// `{group}[/{type}[/{ips...}]]`.
fn path_parts(tail: &str) -> Result<PathParts, RouteError> {
    let mut parts = tail.splitn(3, '/');
    let group = segment(parts.next().unwrap_or_default())?;
    let rule = match parts.next() {
        None => None,
        Some(kind) => {
            let kind = percent_decode(kind, false)?.into_owned();
            let ips = parts
                .next()
                .map(|ips| percent_decode(ips, false).map(Cow::into_owned))
                .transpose()?;
            Some((kind, ips))
        }
    };
    Ok((group, rule))
}

/// A decoded path segment; empty is `None`.
fn segment(raw: &str) -> Result<Option<String>, RouteError> {
    let decoded = percent_decode(raw, false)?;
    Ok((!decoded.is_empty()).then(|| decoded.into_owned()))
}

fn combine(
    path_group: Option<String>,
    path_rule: Option<(String, Option<String>)>,
    query: Option<&str>,
) -> Result<AuthRequest, RouteError> {
    let query_group = query.map(query_group).transpose()?.flatten();
    let group = match (path_group, query_group) {
        (Some(path), Some(query)) if path != query => {
            return Err(RouteError::GroupTwice {
                path: shown(&path),
                query: shown(&query),
            });
        }
        (path, query) => path.or(query),
    };
    Ok(AuthRequest { group, path_rule })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parsed(path: &str, query: Option<&str>) -> Option<PathParts> {
        parse(path, query).map(|r| {
            let r = r.unwrap();
            (r.group, r.path_rule)
        })
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    fn route_forms() {
        let rule = |t: &str, ips: Option<&str>| Some((t.to_owned(), ips.map(str::to_owned)));
        let cases: &[(&str, Option<&str>, Option<PathParts>)] = &[
            ("/api/v2/auth", None, Some((None, None))),
            ("/api/v2/auth/", None, Some((None, None))),
            ("/api/v2/auth/4", None, Some((s("4"), None))),
            ("/api/v2/auth/4/", None, Some((s("4"), None))),
            ("/auth/4", None, Some((s("4"), None))),
            ("/api/v2/organizr-auth/4", None, Some((s("4"), None))),
            ("/api/v2/organizr-auth", None, Some((None, None))),
            ("/api/v2/auth", Some("group=4"), Some((s("4"), None))),
            (
                "/api/v2/auth",
                Some("whitelist=1.2.3.4&group=4"),
                Some((s("4"), None)),
            ),
            (
                "/api/v2/auth",
                Some("group=4&whitelist=1.2.3.4"),
                Some((s("4"), None)),
            ),
            ("/api/v2/auth", Some("group="), Some((s(""), None))),
            ("/api/v2/auth", Some("xgroup=4"), Some((None, None))),
            ("/api/v2/auth-4", None, Some((s("4"), None))),
            ("/api/v2/auth-4/", None, Some((s("4"), None))),
            ("/api/v2/auth-", None, Some((None, None))),
            (
                "/api/v2/auth-Media%20Server",
                None,
                Some((s("Media Server"), None)),
            ),
            (
                "/api/v2/auth/1/allow",
                None,
                Some((s("1"), rule("allow", None))),
            ),
            (
                "/api/v2/auth/1/WL/10.0.0.0/8,192.168.1.7",
                None,
                Some((s("1"), rule("WL", Some("10.0.0.0/8,192.168.1.7")))),
            ),
            (
                "/api/v2/auth/1/deny/10.0.0.0%2F8%2C%3A%3A1/",
                None,
                Some((s("1"), rule("deny", Some("10.0.0.0/8,::1")))),
            ),
            ("/api/v2/auth/a+b", None, Some((s("a+b"), None))),
            ("/api/", Some("v1/auth&group=4"), Some((s("4"), None))),
            ("/api", Some("v1/auth"), Some((None, None))),
            (
                "/api/index.php",
                Some("v1/auth&group=4&whitelist=1.2.3.4"),
                Some((s("4"), None)),
            ),
            ("/api/", Some("v2/auth&group=4"), None),
            ("/api/", None, None),
            ("/", None, None),
            ("/api/v2/authx", None, None),
            ("/api/v2/auth-4/allow/1.2.3.4", None, None),
            ("/api/v2/login", Some("group=4"), None),
            ("/healthz", None, None),
        ];
        for (path, query, want) in cases {
            assert_eq!(&parsed(path, *query), want, "{path}?{query:?}");
        }
    }

    #[test]
    fn route_errors() {
        for (path, query, want) in [
            (
                "/api/v2/auth/0",
                Some("group=4"),
                RouteError::GroupTwice {
                    path: "0".into(),
                    query: "4".into(),
                },
            ),
            (
                "/api/v2/auth",
                Some("group=1&group=2"),
                RouteError::GroupRepeated,
            ),
            (
                "/api/v2/auth",
                Some("Group=1"),
                RouteError::GroupMisspelled {
                    found: "Group".into(),
                },
            ),
            (
                "/api/v2/auth",
                Some("group%5B%5D=1"),
                RouteError::GroupMisspelled {
                    found: "group[]".into(),
                },
            ),
            ("/api/v2/auth/%FF", None, RouteError::NotUtf8),
            ("/api/v2/auth", Some("group=%FF"), RouteError::NotUtf8),
        ] {
            assert_eq!(parse(path, query), Some(Err(want)), "{path}?{query:?}");
        }
        // The same group twice is fine.
        assert_eq!(
            parsed("/api/v2/auth/4", Some("group=4")),
            Some((s("4"), None))
        );
    }

    #[test]
    fn group_values() {
        use GroupValue::*;
        let level = |n| Ok(Level(GroupLevel::new(n).unwrap()));
        assert_eq!(GroupValue::classify(""), level(0));
        assert_eq!(GroupValue::classify("4"), level(4));
        assert_eq!(GroupValue::classify("004"), level(4));
        assert_eq!(GroupValue::classify("999"), level(999));
        for out in ["1000", "99999999999999999999"] {
            assert!(
                matches!(
                    GroupValue::classify(out),
                    Err(GroupError::OutOfRange { .. })
                ),
                "{out}"
            );
        }
        for numeric in [
            "1.5", "-1", "+4", "1e3", "1E3", " 4", "4 ", ".5", "5.", "\t7\n", "1e+3",
        ] {
            assert!(
                matches!(
                    GroupValue::classify(numeric),
                    Err(GroupError::NotWhole { .. })
                ),
                "{numeric:?}"
            );
        }
        for name in [
            "media",
            "0x4",
            "e",
            "1e",
            "4a",
            ".",
            "-",
            "1.2.3",
            "Media Server",
            "%",
        ] {
            assert_eq!(
                GroupValue::classify(name),
                Ok(TabName(name.to_owned())),
                "{name:?}"
            );
        }
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let long = "9".repeat(500);
        let Err(GroupError::OutOfRange { value }) = GroupValue::classify(&long) else {
            panic!("accepted");
        };
        assert_eq!(value.len(), SHOWN + 3);
    }
}
