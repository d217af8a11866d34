//! An allow list and a deny list, the one decision they make, and Organizr's
//! parameter forms for them.

use std::borrow::Cow;

use super::{ClientAddress, IpList, IpListError, NameResolver};
use crate::credentials::percent_decode;

/// What IP rules say about a client, in Organizr's order: an allow-list match
/// first, then a deny-list match, else go on to the usual checks.
///
/// Deliberately exhaustive: code that acts on it should name every case.
///
/// ```
/// use organizr_auth_core::access::{AccessDecision, AccessRules, ClientAddress, NameResolver};
///
/// let rules = AccessRules::new().with_deny("203.0.113.0/24".parse()?);
/// let client = ClientAddress::Ip("203.0.113.7".parse()?);
/// match rules.check(&client, &NameResolver::new()) {
///     AccessDecision::Allow => { /* let through, without authentication */ }
///     AccessDecision::Deny => { /* refuse (401) */ }
///     AccessDecision::Continue => { /* authenticate and check the group */ }
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccessDecision {
    /// The client matched the allow list: let it through without
    /// authentication, as Organizr does (and so with no identity).
    Allow,
    /// The client matched the deny list (or is unknown and there is a deny
    /// list): refuse.
    Deny,
    /// Neither: decide as without IP rules (authentication, group level).
    Continue,
}

/// Which list an Organizr `type=` names.
///
/// ```
/// use organizr_auth_core::access::ListKind;
///
/// assert_eq!(ListKind::from_organizr_type("WL"), Some(ListKind::Allow));
/// assert_eq!(ListKind::from_organizr_type("black"), Some(ListKind::Deny));
/// assert_eq!(ListKind::from_organizr_type("block"), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListKind {
    /// `allow`, `whitelist`, `white`, `w`, `wl`.
    Allow,
    /// `deny`, `blacklist`, `black`, `b`, `bl`.
    Deny,
}

impl ListKind {
    /// Organizr's `type` values, ASCII case-insensitive (not trimmed, as in
    /// Organizr); `None` for anything else.
    ///
    /// ```
    /// use organizr_auth_core::access::ListKind;
    ///
    /// assert_eq!(ListKind::from_organizr_type("Allow"), Some(ListKind::Allow));
    /// assert_eq!(ListKind::from_organizr_type(" deny"), None);
    /// ```
    pub fn from_organizr_type(t: &str) -> Option<Self> {
        const ALLOW: [&str; 5] = ["allow", "whitelist", "white", "w", "wl"];
        const DENY: [&str; 5] = ["deny", "blacklist", "black", "b", "bl"];
        if ALLOW.iter().any(|a| a.eq_ignore_ascii_case(t)) {
            Some(ListKind::Allow)
        } else if DENY.iter().any(|d| d.eq_ignore_ascii_case(t)) {
            Some(ListKind::Deny)
        } else {
            None
        }
    }
}

/// An optional allow list and an optional deny list, checked against a
/// [`ClientAddress`] in Organizr's order. Plain data: `Send + Sync`, cheap to
/// share behind an `Arc`, and free of anything forward-auth specific, so an
/// app can attach the same rules to a route.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use organizr_auth_core::access::{AccessDecision, AccessRules, ClientAddress, NameResolver};
///
/// let rules = AccessRules::new()
///     .with_allow("192.168.1.0/24".parse()?)
///     .with_deny("192.168.1.66, 203.0.113.0/24".parse()?);
/// let names = NameResolver::new();
/// let check = |ip: &str| -> Result<AccessDecision, std::net::AddrParseError> {
///     Ok(rules.check(&ClientAddress::Ip(ip.parse()?), &names))
/// };
/// assert_eq!(check("192.168.1.66")?, AccessDecision::Allow); // allow wins, as in Organizr
/// assert_eq!(check("203.0.113.5")?, AccessDecision::Deny);
/// assert_eq!(check("198.51.100.1")?, AccessDecision::Continue);
/// assert_eq!(rules.check(&ClientAddress::Unknown, &names), AccessDecision::Deny);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessRules {
    allow: Option<IpList>,
    deny: Option<IpList>,
}

/// Why Organizr-style access parameters could not be turned into rules.
///
/// [`AccessParamError::UnknownType`] is Organizr's own refusal (it answers
/// 401 "`<type>` is not a valid type"); every other variant is a mistake in
/// the list or the parameters that Organizr would have ignored or guessed
/// at, and forward-auth answers 400. [`AccessParamError::InvalidList`] keeps
/// the [`IpListError`] that names the entry as its `source`: show the whole
/// chain.
///
/// ```
/// use organizr_auth_core::access::{AccessParamError, AccessRules};
/// use std::error::Error;
///
/// let err = AccessRules::from_organizr_query("blacklist=203.0.113.7,bad_entry")
///     .err().ok_or("accepted")?;
/// assert!(matches!(err, AccessParamError::InvalidList { parameter: "blacklist", .. }));
/// assert_eq!(err.to_string(), "invalid blacklist parameter");
/// assert!(err.source().ok_or("no source")?.to_string().contains(r#""bad_entry" (entry 2)"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccessParamError {
    /// `type=` is none of Organizr's list types.
    #[error(
        "{value:?} is not a valid type: expected allow, whitelist, white, w, wl, deny, blacklist, black, b or bl"
    )]
    UnknownType {
        /// The type as given (percent-decoded).
        value: String,
    },
    /// A list that does not parse.
    #[error("invalid {parameter} parameter")]
    InvalidList {
        /// `whitelist`, `blacklist` or `ips`.
        parameter: &'static str,
        /// Which entry is wrong, and why.
        #[source]
        source: IpListError,
    },
    /// A parameter given more than once (Organizr would take the last).
    #[error("parameter {parameter} is given more than once")]
    Repeated {
        /// `whitelist`, `blacklist`, `type` or `ips`.
        parameter: &'static str,
    },
    /// A parameter spelled like one of ours in another case, or as a PHP
    /// array (`whitelist[]`): Organizr would ignore it, silently dropping the
    /// rule.
    #[error("unknown parameter {found:?}: did you mean {expected}?")]
    Misspelled {
        /// The name as given (percent-decoded, at most 100 characters).
        found: String,
        /// The parameter it resembles.
        expected: &'static str,
    },
    /// A parameter whose percent-decoded name or value is not UTF-8.
    #[error("parameter {parameter} is not valid utf-8 once percent-decoded")]
    NotUtf8 {
        /// `whitelist`, `blacklist`, `type` or `ips`.
        parameter: &'static str,
    },
    /// `type=` without `ips=` (Organizr would have no list).
    #[error("type is given without ips")]
    TypeWithoutIps,
    /// `ips=` without `type=` (Organizr would ignore it).
    #[error("ips is given without type")]
    IpsWithoutType,
    /// Two parameters give the same kind of list (Organizr would keep one).
    #[error("both {first} and {second} give the {kind} list")]
    Conflict {
        /// The first parameter, such as `whitelist`.
        first: &'static str,
        /// The second, such as `type/ips`.
        second: &'static str,
        /// `allow` or `deny`.
        kind: &'static str,
    },
}

/// The parameter names we read, for [`AccessParamError`].
const NAMES: [&str; 4] = ["whitelist", "blacklist", "type", "ips"];

impl AccessRules {
    /// No rules: [`AccessRules::check`] always answers `Continue`.
    ///
    /// ```
    /// use organizr_auth_core::access::{AccessDecision, AccessRules, ClientAddress, NameResolver};
    ///
    /// let rules = AccessRules::new();
    /// assert!(rules.is_empty());
    /// let unknown = rules.check(&ClientAddress::Unknown, &NameResolver::new());
    /// assert_eq!(unknown, AccessDecision::Continue);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// These rules with `list` as the allow list (replacing any).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::access::AccessRules;
    ///
    /// let rules = AccessRules::new().with_allow("192.168.1.0/24".parse()?);
    /// assert_eq!(rules.allow().map(ToString::to_string).as_deref(), Some("192.168.1.0/24"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_allow(mut self, list: IpList) -> Self {
        self.allow = Some(list);
        self
    }

    /// These rules with `list` as the deny list (replacing any).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::access::AccessRules;
    ///
    /// let rules = AccessRules::new().with_deny("203.0.113.7".parse()?);
    /// assert!(rules.deny().is_some() && rules.allow().is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_deny(mut self, list: IpList) -> Self {
        self.deny = Some(list);
        self
    }

    /// The allow list, if any.
    ///
    /// ```
    /// use organizr_auth_core::access::AccessRules;
    ///
    /// assert!(AccessRules::new().allow().is_none());
    /// ```
    pub fn allow(&self) -> Option<&IpList> {
        self.allow.as_ref()
    }

    /// The deny list, if any.
    ///
    /// ```
    /// use organizr_auth_core::access::AccessRules;
    ///
    /// assert!(AccessRules::new().deny().is_none());
    /// ```
    pub fn deny(&self) -> Option<&IpList> {
        self.deny.as_ref()
    }

    /// Whether there is neither an allow nor a deny list.
    ///
    /// ```
    /// use organizr_auth_core::access::AccessRules;
    ///
    /// assert!(AccessRules::from_organizr_query("group=1")?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.allow.is_none() && self.deny.is_none()
    }

    /// The decision for `client`, in Organizr's order:
    /// 1. a known client in the allow list: [`AccessDecision::Allow`];
    /// 2. a client in the deny list, or an unknown client when there is a
    ///    deny list: [`AccessDecision::Deny`];
    /// 3. otherwise [`AccessDecision::Continue`].
    ///
    /// An unknown client matches no allow entry and every deny entry. Host
    /// names match the addresses `names` currently holds for them, and a name
    /// without a current answer matches no client in either list (see the
    /// [module docs](super)). Never blocks.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::access::{AccessDecision, AccessRules, ClientAddress, NameResolver};
    ///
    /// let rules = AccessRules::from_organizr_query("whitelist=192.168.1.0/24&blacklist=0.0.0.0/0")?;
    /// let names = NameResolver::new();
    /// let home = ClientAddress::Ip("192.168.1.20".parse()?);
    /// let away = ClientAddress::Ip("203.0.113.5".parse()?);
    /// assert_eq!(rules.check(&home, &names), AccessDecision::Allow);
    /// assert_eq!(rules.check(&away, &names), AccessDecision::Deny);
    /// # Ok(())
    /// # }
    /// ```
    pub fn check(&self, client: &ClientAddress, names: &NameResolver) -> AccessDecision {
        let in_list = |list: &Option<IpList>| match (list, client) {
            (None, _) => None,
            (Some(list), ClientAddress::Ip(ip)) => Some(list.contains(*ip, names)),
            (Some(_), ClientAddress::Unknown) => Some(false),
        };
        if in_list(&self.allow) == Some(true) {
            return AccessDecision::Allow;
        }
        match (in_list(&self.deny), client) {
            (Some(true), _) | (Some(false), ClientAddress::Unknown) => AccessDecision::Deny,
            _ => AccessDecision::Continue,
        }
    }

    /// Rules from the access parameters of an Organizr auth query string
    /// (without the `?`): `whitelist=<list>`, `blacklist=<list>`, and
    /// `type=<t>&ips=<list>` where `t` is a [`ListKind`]. Names and values are
    /// percent-decoded (`+` is a space); other parameters (`group=`...) are
    /// ignored. No access parameter: empty rules.
    ///
    /// Where Organizr ignores or guesses, this refuses:
    /// an unknown type ([`AccessParamError::UnknownType`], Organizr's 401); a
    /// list that does not parse, including an empty one; a repeated parameter;
    /// `Whitelist=` or `whitelist[]=`; `type` without `ips` or the reverse; and
    /// `type=allow` with `whitelist=` (or `type=deny` with `blacklist=`),
    /// where Organizr lets the `type` list replace the other.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::access::{AccessParamError, AccessRules};
    ///
    /// let rules = AccessRules::from_organizr_query("group=1&type=B&ips=203.0.113.7%2C198.51.100.0%2F24")?;
    /// assert_eq!(rules.deny().map(ToString::to_string).as_deref(), Some("203.0.113.7/32,198.51.100.0/24"));
    ///
    /// let err = AccessRules::from_organizr_query("type=block&ips=203.0.113.7");
    /// assert_eq!(err, Err(AccessParamError::UnknownType { value: "block".into() }));
    /// let err = AccessRules::from_organizr_query("blacklist=203.0.113.7&blacklist=198.51.100.1");
    /// assert_eq!(err, Err(AccessParamError::Repeated { parameter: "blacklist" }));
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_organizr_query(query: &str) -> Result<Self, AccessParamError> {
        let mut values: [Option<Cow<'_, str>>; 4] = [None, None, None, None];
        for pair in query.split('&') {
            let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = percent_decode(raw_name.as_bytes());
            let Some(index) = NAMES.iter().position(|n| n.as_bytes() == &*name) else {
                if let Some(expected) = resembles(&name) {
                    return Err(AccessParamError::Misspelled {
                        found: shown(&name),
                        expected,
                    });
                }
                continue;
            };
            let parameter = NAMES.get(index).copied().unwrap_or_default();
            let value = match percent_decode(raw_value.as_bytes()) {
                Cow::Borrowed(_) => Cow::Borrowed(raw_value),
                Cow::Owned(bytes) => Cow::Owned(
                    String::from_utf8(bytes)
                        .map_err(|_| AccessParamError::NotUtf8 { parameter })?,
                ),
            };
            match values.get_mut(index) {
                Some(slot @ None) => *slot = Some(value),
                _ => return Err(AccessParamError::Repeated { parameter }),
            }
        }
        let [whitelist, blacklist, kind, ips] = values;
        // The type first, as Organizr checks it before anything else (401).
        let kind = match kind {
            None => None,
            Some(kind) => Some(ListKind::from_organizr_type(&kind).ok_or_else(|| {
                AccessParamError::UnknownType {
                    value: shown(kind.as_bytes()),
                }
            })?),
        };
        let typed = match (kind, ips) {
            (None, None) => None,
            (Some(_), None) => return Err(AccessParamError::TypeWithoutIps),
            (None, Some(_)) => return Err(AccessParamError::IpsWithoutType),
            (Some(kind), Some(ips)) => Some((kind, ips)),
        };
        let list = |parameter, value: &str| {
            IpList::parse(value)
                .map_err(|source| AccessParamError::InvalidList { parameter, source })
        };
        let mut rules = AccessRules::new();
        if let Some(value) = whitelist {
            rules.allow = Some(list("whitelist", &value)?);
        }
        if let Some(value) = blacklist {
            rules.deny = Some(list("blacklist", &value)?);
        }
        if let Some((kind, ips)) = typed {
            rules = rules.merge(AccessRules::from_organizr_type_list(kind, &ips)?)?;
        }
        Ok(rules)
    }

    /// Rules from Organizr's path form `/{group}/{type}/{ips}` (the segments
    /// already percent-decoded by the router). An unknown type is
    /// [`AccessParamError::UnknownType`]; a list that does not parse,
    /// [`AccessParamError::InvalidList`] with `parameter` `ips`.
    ///
    /// Organizr fills a missing `{type}` or `{ips}` with `deny` and
    /// `192.0.0.0`, and that placeholder replaces any `blacklist=` in the
    /// query: a route without them has no path rule here (do not call this
    /// with the placeholder), so that `/api/v2/auth/0?blacklist=...` keeps
    /// its deny list.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::access::AccessRules;
    ///
    /// let rules = AccessRules::from_organizr_path("wl", "192.168.1.0/24")?;
    /// assert!(rules.allow().is_some() && rules.deny().is_none());
    /// assert!(AccessRules::from_organizr_path("nope", "192.168.1.0/24").is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_organizr_path(kind: &str, ips: &str) -> Result<Self, AccessParamError> {
        let kind =
            ListKind::from_organizr_type(kind).ok_or_else(|| AccessParamError::UnknownType {
                value: shown(kind.as_bytes()),
            })?;
        Self::from_organizr_type_list(kind, ips)
    }

    fn from_organizr_type_list(kind: ListKind, ips: &str) -> Result<Self, AccessParamError> {
        let list = IpList::parse(ips).map_err(|source| AccessParamError::InvalidList {
            parameter: "ips",
            source,
        })?;
        Ok(match kind {
            ListKind::Allow => AccessRules::new().with_allow(list),
            ListKind::Deny => AccessRules::new().with_deny(list),
        })
    }

    /// Both rule sets together (a path rule and the query's, say); two allow
    /// lists or two deny lists are [`AccessParamError::Conflict`] (with
    /// `first` naming this side as `whitelist`/`blacklist` and `second` as
    /// `type/ips`), never a guess at which one was meant.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::access::{AccessParamError, AccessRules};
    ///
    /// let path = AccessRules::from_organizr_path("deny", "203.0.113.7")?;
    /// let query = AccessRules::from_organizr_query("whitelist=192.168.1.0/24")?;
    /// let both = query.merge(path.clone())?;
    /// assert!(both.allow().is_some() && both.deny().is_some());
    ///
    /// let err = AccessRules::from_organizr_query("blacklist=198.51.100.1")?.merge(path);
    /// assert!(matches!(err, Err(AccessParamError::Conflict { kind: "deny", .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn merge(self, other: AccessRules) -> Result<Self, AccessParamError> {
        let pick = |a: Option<IpList>, b: Option<IpList>, first, kind| match (a, b) {
            (Some(_), Some(_)) => Err(AccessParamError::Conflict {
                first,
                second: "type/ips",
                kind,
            }),
            (a, b) => Ok(a.or(b)),
        };
        Ok(AccessRules {
            allow: pick(self.allow, other.allow, "whitelist", "allow")?,
            deny: pick(self.deny, other.deny, "blacklist", "deny")?,
        })
    }
}

/// Which of our parameters `name` imitates: another case, or a PHP array
/// (`whitelist[]`, `ips[0]`).
fn resembles(name: &[u8]) -> Option<&'static str> {
    let base = match name.iter().position(|&b| b == b'[') {
        Some(bracket) => name.get(..bracket).unwrap_or_default(),
        None => name,
    };
    NAMES
        .into_iter()
        .find(|n| n.as_bytes().eq_ignore_ascii_case(base))
}

/// At most 100 characters of `bytes`, lossily, for an error message.
fn shown(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    match s.char_indices().nth(100) {
        Some((cut, _)) => format!("{}...", s.get(..cut).unwrap_or_default()),
        None => s.into_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The allow and deny lists, printed.
    type Lists = (Option<String>, Option<String>);

    fn rules(query: &str) -> Lists {
        let r = AccessRules::from_organizr_query(query).unwrap();
        (
            r.allow().map(ToString::to_string),
            r.deny().map(ToString::to_string),
        )
    }

    #[test]
    fn organizr_parameter_forms() {
        let some = |s: &str| Some(s.to_owned());
        let cases: &[(&str, Lists)] = &[
            ("", (None, None)),
            ("group=1", (None, None)),
            ("group=1&other=x&&=&x", (None, None)),
            ("whitelist=192.0.2.1", (some("192.0.2.1/32"), None)),
            ("blacklist=192.0.2.1", (None, some("192.0.2.1/32"))),
            (
                "whitelist=10.0.0.0/8&blacklist=203.0.113.7",
                (some("10.0.0.0/8"), some("203.0.113.7/32")),
            ),
            (
                "blacklist=203.0.113.7%2C%20nas.lan&group=0",
                (None, some("203.0.113.7/32,nas.lan")),
            ),
            (
                "blacklist=203.0.113.7,+198.51.100.1",
                (None, some("203.0.113.7/32,198.51.100.1/32")),
            ),
            ("%77hitelist=192.0.2.1", (some("192.0.2.1/32"), None)),
            (
                "blacklist=2001%3Adb8%3A%3A%2F32",
                (None, some("2001:db8::/32")),
            ),
        ];
        for (query, want) in cases {
            assert_eq!(&rules(query), want, "{query:?}");
        }
        let ips = "ips=192.0.2.0/24";
        for t in [
            "allow",
            "whitelist",
            "white",
            "w",
            "wl",
            "ALLOW",
            "WhiteList",
            "W",
            "wL",
        ] {
            assert_eq!(
                rules(&format!("type={t}&{ips}")),
                (some("192.0.2.0/24"), None),
                "type={t}"
            );
        }
        for t in [
            "deny",
            "blacklist",
            "black",
            "b",
            "bl",
            "DENY",
            "BlackList",
            "B",
            "Bl",
        ] {
            assert_eq!(
                rules(&format!("{ips}&type={t}")),
                (None, some("192.0.2.0/24")),
                "type={t}"
            );
        }
        assert_eq!(
            rules("type=allow&ips=192.0.2.1&blacklist=203.0.113.7"),
            (some("192.0.2.1/32"), some("203.0.113.7/32"))
        );
    }

    #[test]
    fn refuses_what_organizr_ignores_or_guesses() {
        use AccessParamError as E;
        let list_err = |parameter, entry: &str, position| E::InvalidList {
            parameter,
            source: IpListError::InvalidEntry {
                entry: entry.into(),
                position,
            },
        };
        let cases: Vec<(&str, AccessParamError)> = vec![
            (
                "type=block&ips=192.0.2.1",
                E::UnknownType {
                    value: "block".into(),
                },
            ),
            (
                "type=+deny&ips=192.0.2.1",
                E::UnknownType {
                    value: " deny".into(),
                },
            ),
            (
                "type=&ips=192.0.2.1",
                E::UnknownType {
                    value: String::new(),
                },
            ),
            ("type=deny", E::TypeWithoutIps),
            (
                "type=block",
                E::UnknownType {
                    value: "block".into(),
                },
            ),
            ("ips=192.0.2.1", E::IpsWithoutType),
            (
                "blacklist=192.0.2.1,bad_entry",
                list_err("blacklist", "bad_entry", 2),
            ),
            ("whitelist=10.0.0", list_err("whitelist", "10.0.0", 1)),
            ("type=deny&ips=192.0.2.1,", list_err("ips", "", 2)),
            (
                "blacklist=",
                E::InvalidList {
                    parameter: "blacklist",
                    source: IpListError::Empty,
                },
            ),
            (
                "whitelist",
                E::InvalidList {
                    parameter: "whitelist",
                    source: IpListError::Empty,
                },
            ),
            (
                "blacklist=1.2.3.4&blacklist=5.6.7.8",
                E::Repeated {
                    parameter: "blacklist",
                },
            ),
            (
                "type=deny&ips=1.2.3.4&type=deny",
                E::Repeated { parameter: "type" },
            ),
            (
                "ips=1.2.3.4&type=b&%69ps=5.6.7.8",
                E::Repeated { parameter: "ips" },
            ),
            (
                "Blacklist=192.0.2.1",
                E::Misspelled {
                    found: "Blacklist".into(),
                    expected: "blacklist",
                },
            ),
            (
                "IPS=192.0.2.1",
                E::Misspelled {
                    found: "IPS".into(),
                    expected: "ips",
                },
            ),
            (
                "whitelist[]=192.0.2.1",
                E::Misspelled {
                    found: "whitelist[]".into(),
                    expected: "whitelist",
                },
            ),
            (
                "blacklist%5B0%5D=192.0.2.1",
                E::Misspelled {
                    found: "blacklist[0]".into(),
                    expected: "blacklist",
                },
            ),
            (
                "blacklist=%FF",
                E::NotUtf8 {
                    parameter: "blacklist",
                },
            ),
            (
                "whitelist=192.0.2.1&type=allow&ips=10.0.0.1",
                E::Conflict {
                    first: "whitelist",
                    second: "type/ips",
                    kind: "allow",
                },
            ),
            (
                "blacklist=192.0.2.1&type=bl&ips=10.0.0.1",
                E::Conflict {
                    first: "blacklist",
                    second: "type/ips",
                    kind: "deny",
                },
            ),
        ];
        for (query, want) in cases {
            assert_eq!(
                AccessRules::from_organizr_query(query),
                Err(want),
                "{query:?}"
            );
        }
        let msg = AccessRules::from_organizr_query("type=block&ips=1.2.3.4")
            .unwrap_err()
            .to_string();
        assert!(msg.starts_with(r#""block" is not a valid type"#), "{msg}");
    }

    #[test]
    fn path_form() {
        let r = AccessRules::from_organizr_path("BL", "203.0.113.7").unwrap();
        assert_eq!(r.deny().unwrap().to_string(), "203.0.113.7/32");
        assert_eq!(
            AccessRules::from_organizr_path("x", "203.0.113.7"),
            Err(AccessParamError::UnknownType { value: "x".into() })
        );
        assert_eq!(
            AccessRules::from_organizr_path("deny", ""),
            Err(AccessParamError::InvalidList {
                parameter: "ips",
                source: IpListError::Empty
            })
        );
        // The issue's example: the query's deny list is kept on a path route.
        let query = AccessRules::from_organizr_query("blacklist=203.0.113.7").unwrap();
        let merged = query.merge(AccessRules::new()).unwrap();
        assert_eq!(merged.deny().unwrap().to_string(), "203.0.113.7/32");
    }

    #[test]
    fn order_is_allow_then_deny_then_continue() {
        use AccessDecision::{Allow, Continue, Deny};
        let names = NameResolver::new();
        let ip = |s: &str| ClientAddress::Ip(s.parse().unwrap());
        let both = "whitelist=192.0.2.0/25&blacklist=192.0.2.0/24";
        let cases: &[(&str, ClientAddress, AccessDecision)] = &[
            ("", ip("192.0.2.1"), Continue),
            ("", ClientAddress::Unknown, Continue),
            (both, ip("192.0.2.1"), Allow),
            (both, ip("::ffff:192.0.2.1"), Allow),
            (both, ip("192.0.2.200"), Deny),
            (both, ip("198.51.100.1"), Continue),
            (both, ClientAddress::Unknown, Deny),
            ("whitelist=192.0.2.0/24", ip("192.0.2.1"), Allow),
            ("whitelist=192.0.2.0/24", ip("198.51.100.1"), Continue),
            ("whitelist=0.0.0.0/0,::/0", ClientAddress::Unknown, Continue),
            ("blacklist=192.0.2.0/24", ip("192.0.2.1"), Deny),
            ("blacklist=192.0.2.0/24", ip("2001:db8::1"), Continue),
            ("blacklist=192.0.2.0/24", ClientAddress::Unknown, Deny),
            // A name not resolved (yet) matches no one, in either list.
            ("whitelist=nonexistent.invalid", ip("192.0.2.1"), Continue),
            ("blacklist=nonexistent.invalid", ip("192.0.2.1"), Continue),
            (
                "blacklist=nonexistent.invalid",
                ClientAddress::Unknown,
                Deny,
            ),
        ];
        for (query, client, want) in cases {
            let r = AccessRules::from_organizr_query(query).unwrap();
            assert_eq!(r.check(client, &names), *want, "{query:?} for {client}");
        }
    }

    #[test]
    fn resolved_names_count_in_both_lists() {
        let names = NameResolver::builder()
            .lookup(|name| match name {
                "home.example" => Ok(vec!["192.0.2.10".parse().unwrap()]),
                "bad.example" => Ok(vec!["203.0.113.66".parse().unwrap()]),
                _ => Err(std::io::ErrorKind::NotFound.into()),
            })
            .build();
        let r = AccessRules::from_organizr_query("whitelist=home.example&blacklist=bad.example")
            .unwrap();
        names.register(r.allow().unwrap());
        names.register(r.deny().unwrap());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let ip = |s: &str| ClientAddress::Ip(s.parse().unwrap());
        while r.check(&ip("203.0.113.66"), &names) != AccessDecision::Deny
            || r.check(&ip("192.0.2.10"), &names) != AccessDecision::Allow
        {
            assert!(
                std::time::Instant::now() < deadline,
                "names did not resolve"
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        assert_eq!(
            r.check(&ip("198.51.100.1"), &names),
            AccessDecision::Continue
        );
    }

    #[test]
    fn rules_are_send_sync_and_cheap_to_share() {
        fn shareable<T: Send + Sync + Clone>() {}
        shareable::<AccessRules>();
        shareable::<NameResolver>();
        shareable::<super::super::RealIp>();
    }

    proptest! {
        #[test]
        fn query_parser_never_panics(q in "\\PC{0,64}", r in "(whitelist|blacklist|type|ips|Type|group)=[0-9a-z.,:/%+&=\\[\\]]{0,24}") {
            let _ = AccessRules::from_organizr_query(&q);
            let _ = AccessRules::from_organizr_query(&r);
        }
    }
}
