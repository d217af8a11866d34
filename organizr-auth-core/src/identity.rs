//! Who a request comes from: an [`Identity`] (a verified user and where the
//! proof came from), or anonymous with the [`Refusal`] of a credential it
//! carried. [`Authentication`] is the pair of them, as the
//! [`Authenticator`](crate::Authenticator) resolves it from a request;
//! [`Authentication::authorize`] compares it with a required [`GroupLevel`].

use std::fmt;
use std::sync::Arc;

use http::{HeaderName, HeaderValue};
use serde::Serialize;

use crate::proxy::ProxyHeaderError;
use crate::sanitize::DOWNSTREAM_HEADERS;
use crate::text::is_visible_text;
use crate::{Claims, Denial, GroupLevel, TokenError};

/// Where an identity came from.
///
/// ```
/// use organizr_auth_core::Source;
/// assert_eq!(serde_json::to_string(&Source::ApiKey)?, "\"api_key\"");
/// assert_eq!(Source::Proxy.as_str(), "proxy");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Source {
    /// Organizr's session token (cookie, or `Authorization: Bearer`).
    Token,
    /// A trusted reverse proxy's identity header.
    Proxy,
    /// Organizr's global API key.
    ApiKey,
}

impl Source {
    /// `"token"`, `"proxy"` or `"api_key"`.
    ///
    /// ```
    /// use organizr_auth_core::Source;
    /// assert_eq!(Source::Token.as_str(), "token");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Source::Token => "token",
            Source::Proxy => "proxy",
            Source::ApiKey => "api_key",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The username Organizr's API key acts as.
///
/// ```
/// assert_eq!(organizr_auth_core::API_KEY_USER, "Organizr API");
/// ```
pub const API_KEY_USER: &str = "Organizr API";

/// A verified user.
///
/// ```
/// use organizr_auth_core::{GroupLevel, Identity, Source};
/// let alice = Identity::new("alice", GroupLevel::USER, Source::Proxy);
/// assert!(alice.group_id.permits(GroupLevel::LOGGED_IN));
/// assert_eq!(alice.group_name(), Some("User"));
/// ```
#[derive(Clone, Serialize)]
#[non_exhaustive]
pub struct Identity {
    /// The username.
    pub username: String,
    /// The user's group level.
    pub group_id: GroupLevel,
    /// The group's name, when known (tokens carry it; proxies and the API key do
    /// not).
    pub group: Option<String>,
    /// The e-mail address, when known.
    pub email: Option<String>,
    /// The display name, when a trusted proxy gives one (its name header).
    pub display_name: Option<String>,
    /// Organizr's numeric user id, when known.
    pub user_id: Option<u64>,
    /// The avatar URL, when known.
    #[serde(skip)]
    pub image: Option<String>,
    /// Where the identity came from.
    pub source: Source,
    /// Header values made once, for an identity the [token
    /// cache](crate::token_cache) hands out on every request;
    /// [`headers`](Self::headers) uses them only while they still say what
    /// the fields say (the fields are public and may have been changed).
    #[serde(skip)]
    pub(crate) ready: Option<Arc<ReadyHeaders>>,
}

/// Two identities are equal when their fields are: whether header values were
/// made ahead is not part of who someone is.
impl PartialEq for Identity {
    fn eq(&self, other: &Self) -> bool {
        self.username == other.username
            && self.group_id == other.group_id
            && self.group == other.group
            && self.email == other.email
            && self.display_name == other.display_name
            && self.user_id == other.user_id
            && self.image == other.image
            && self.source == other.source
    }
}

impl Eq for Identity {}

/// The values of an identity's headers, made once.
#[derive(Debug)]
pub(crate) struct ReadyHeaders {
    user: HeaderValue,
    email: Option<HeaderValue>,
    group: Option<HeaderValue>,
    level: HeaderValue,
    group_id: GroupLevel,
}

impl ReadyHeaders {
    /// Whether these are `identity`'s values (compared byte for byte).
    fn describe(&self, identity: &Identity) -> bool {
        let same = |value: Option<&HeaderValue>, text: Option<&str>| {
            value.map(HeaderValue::as_bytes) == text.map(str::as_bytes)
        };
        self.group_id == identity.group_id
            && self.user.as_bytes() == identity.username.as_bytes()
            && same(self.email.as_ref(), identity.email.as_deref())
            && same(self.group.as_ref(), identity.group_name())
    }
}

/// A text field as a header value, or `None`. The library never writes what
/// it would refuse to read: a value must be visible text (issue 15 finding
/// 7), and then `from_str` cannot fail.
fn header_text(value: Option<&str>) -> Option<HeaderValue> {
    value
        .filter(|s| is_visible_text(s))
        .and_then(|s| HeaderValue::from_str(s).ok())
}

impl Identity {
    /// An identity with only a name, a level and a source.
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, Identity, Source};
    /// let id = Identity::new("alice", GroupLevel::USER, Source::Proxy);
    /// assert_eq!((id.email, id.user_id), (None, None));
    /// ```
    pub fn new(username: impl Into<String>, group_id: GroupLevel, source: Source) -> Self {
        Self {
            username: username.into(),
            group_id,
            group: None,
            email: None,
            display_name: None,
            user_id: None,
            image: None,
            source,
            ready: None,
        }
    }

    /// The identity a validated token describes.
    ///
    /// ```
    /// use organizr_auth_core::{Claims, Identity, Source};
    /// let claims = Claims::from_json(br#"{"iss":"Organizr","aud":"Organizr","exp":2e9,"name":"root","groupID":0,"group":"Admin"}"#)?;
    /// let id = Identity::from_claims(claims);
    /// assert_eq!((id.username.as_str(), id.source), ("root", Source::Token));
    /// # Ok::<(), organizr_auth_core::TokenError>(())
    /// ```
    pub fn from_claims(claims: Claims) -> Self {
        Self {
            username: claims.username,
            group_id: claims.group_id,
            group: claims.group,
            email: claims.email,
            display_name: None,
            user_id: claims.user_id,
            image: claims.image,
            source: Source::Token,
            ready: None,
        }
    }

    /// The same identity with its header values made now, so that
    /// [`headers`](Self::headers) hands out shared copies instead of making
    /// them on every request. For identities that are used many times (the
    /// token cache's).
    pub(crate) fn with_ready_headers(mut self) -> Self {
        self.ready = None;
        // The user's value is required: without a valid one, nothing is made
        // and `headers` builds (and leaves out) as before.
        if let Some(user) = header_text(Some(&self.username)) {
            self.ready = Some(Arc::new(ReadyHeaders {
                user,
                email: header_text(self.email.as_deref()),
                group: header_text(self.group_name()),
                level: HeaderValue::from(self.group_id.get()),
                group_id: self.group_id,
            }));
        }
        self
    }

    /// The identity of a live Organizr session: the user's current row (name,
    /// e-mail, level, group name) wins over the token's claims, as in Organizr;
    /// a missing e-mail or group name falls back to the claim.
    #[cfg(feature = "sessions")]
    pub(crate) fn from_session(user: &crate::session::SessionUser, claims: Claims) -> Self {
        Self {
            username: user.username.clone(),
            group_id: user.group_id,
            group: user.group.clone().or(claims.group),
            email: user.email.clone().or(claims.email),
            display_name: None,
            user_id: Some(user.user_id),
            image: claims.image,
            source: Source::Token,
            ready: None,
        }
    }

    /// The group's name: the token's `group` claim, else the built-in name of the
    /// level (`"Admin"` ... `"User"`), else `None` for an unnamed custom group.
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, Identity, Source};
    /// assert_eq!(Identity::new("a", GroupLevel::ADMIN, Source::ApiKey).group_name(), Some("Admin"));
    /// assert_eq!(Identity::new("a", GroupLevel::LOGGED_IN, Source::Proxy).group_name(), None);
    /// ```
    pub fn group_name(&self) -> Option<&str> {
        self.group.as_deref().or(self.group_id.builtin_name())
    }

    /// The headers that carry this identity to an application or a reverse
    /// proxy: `Remote-User`, `Remote-Email`, `Remote-Groups` (group name) and
    /// Organizr's `X-Organizr-User`, `X-Organizr-Email`, `X-Organizr-Group`
    /// (numeric level). Headers whose value is unknown are left out, and so
    /// are those whose value is not visible text: a control character, a
    /// format character such as U+200B or U+202E, or a space other than the
    /// ASCII one (an identity built by hand, or a group name an administrator
    /// typed so; names and e-mail addresses like that are refused before they
    /// become an identity).
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, Identity, Source};
    /// let id = Identity::new("alice", GroupLevel::USER, Source::Token);
    /// let headers: Vec<_> = id.headers().map(|(n, v)| format!("{n}: {}", v.to_str().unwrap_or(""))).collect();
    /// assert!(headers.contains(&"x-organizr-group: 4".to_string()));
    /// assert!(headers.contains(&"remote-groups: User".to_string()));
    ///
    /// // An invisible character: no `Remote-User` at all rather than one that
    /// // reads as "admin".
    /// let sneaky = Identity::new("admin\u{200b}", GroupLevel::USER, Source::Proxy);
    /// assert!(sneaky.headers().all(|(n, _)| n != "remote-user" && n != "x-organizr-user"));
    /// ```
    pub fn headers(&self) -> impl Iterator<Item = (HeaderName, HeaderValue)> + '_ {
        let (user, email, group, level) = match self.ready.as_deref().filter(|r| r.describe(self)) {
            // Made once: each copy shares its bytes.
            Some(ready) => (
                Some(ready.user.clone()),
                ready.email.clone(),
                ready.group.clone(),
                ready.level.clone(),
            ),
            None => (
                header_text(Some(&self.username)),
                header_text(self.email.as_deref()),
                header_text(self.group_name()),
                HeaderValue::from(self.group_id.get()),
            ),
        };
        [
            (DOWNSTREAM_HEADERS[0].clone(), user.clone()),
            (DOWNSTREAM_HEADERS[1].clone(), email.clone()),
            (DOWNSTREAM_HEADERS[2].clone(), group),
            (DOWNSTREAM_HEADERS[3].clone(), user),
            (DOWNSTREAM_HEADERS[4].clone(), email),
            (DOWNSTREAM_HEADERS[5].clone(), Some(level)),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("username", &self.username)
            .field("group_id", &self.group_id)
            .field("group", &self.group)
            .field("user_id", &self.user_id)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// Why a credential that was present did not give an identity.
///
/// ```
/// use organizr_auth_core::{Refusal, TokenError};
/// let r = Refusal::Token(TokenError::Expired);
/// assert_eq!(r.to_string(), "token refused: token has expired");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The (only, or every) token failed validation; the first reason is kept.
    #[error("token refused: {0}")]
    Token(#[source] TokenError),
    /// More token copies than are worth checking (a hostile request).
    #[error("too many token cookies")]
    TooManyTokens,
    /// Valid credentials named different users (two token cookies, a token and a
    /// proxy header, or a token and the API key).
    #[error("credentials name different users")]
    Conflict,
    /// A trusted proxy's identity header was repeated or malformed.
    #[error("proxy identity header refused: {0}")]
    ProxyHeader(#[source] ProxyHeaderError),
    /// An API key was presented and did not match.
    #[error("API key does not match")]
    ApiKey,
    /// The token is valid, but Organizr has no live session for it any more:
    /// logged out, revoked, expired in Organizr's table, or its user deleted.
    #[error("token has no live session in Organizr (logged out, revoked, expired or deleted)")]
    SessionEnded,
    /// The token's user is locked in Organizr. Refused at every level, 999
    /// included, as Organizr does: a locked session is not a guest.
    #[error("user is locked in Organizr")]
    Locked,
    /// Organizr's session database could not be read for longer than the
    /// stale window allows: every token is refused until it can.
    #[error("Organizr's session database is unavailable")]
    SessionsUnavailable,
}

impl Refusal {
    /// Whether this refusal denies the request even where guests may pass
    /// (level 999): a locked user.
    ///
    /// ```
    /// use organizr_auth_core::Refusal;
    /// assert!(Refusal::Locked.denies_guests());
    /// assert!(!Refusal::SessionEnded.denies_guests());
    /// ```
    pub fn denies_guests(&self) -> bool {
        matches!(self, Refusal::Locked)
    }
}

/// The result of resolving a request's credentials.
///
/// ```
/// use organizr_auth_core::{Authentication, GroupLevel, Identity, Source};
/// let anonymous = Authentication::Anonymous { refused: None };
/// assert_eq!(anonymous.level(), GroupLevel::GUEST);
/// assert!(anonymous.authorize(GroupLevel::GUEST).is_ok());
/// assert!(anonymous.authorize(GroupLevel::LOGGED_IN).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authentication {
    /// A verified identity.
    Authenticated(Identity),
    /// No identity: no credential, or every credential was refused.
    Anonymous {
        /// Why a presented credential was refused; `None` when there was none.
        refused: Option<Refusal>,
    },
}

impl Authentication {
    /// The identity, if any.
    ///
    /// ```
    /// use organizr_auth_core::{Authentication, GroupLevel, Identity, Source};
    /// let alice = Authentication::Authenticated(Identity::new("alice", GroupLevel::USER, Source::Token));
    /// assert_eq!(alice.identity().map(|i| i.username.as_str()), Some("alice"));
    /// ```
    pub fn identity(&self) -> Option<&Identity> {
        match self {
            Authentication::Authenticated(id) => Some(id),
            Authentication::Anonymous { .. } => None,
        }
    }

    /// Takes the identity out, if any.
    ///
    /// ```
    /// use organizr_auth_core::{Authentication, GroupLevel, Identity, Source};
    /// let alice = Authentication::Authenticated(Identity::new("alice", GroupLevel::USER, Source::Token));
    /// assert_eq!(alice.into_identity().map(|i| i.group_id), Some(GroupLevel::USER));
    /// ```
    pub fn into_identity(self) -> Option<Identity> {
        match self {
            Authentication::Authenticated(id) => Some(id),
            Authentication::Anonymous { .. } => None,
        }
    }

    /// The effective level: the identity's, or [`GroupLevel::GUEST`].
    ///
    /// ```
    /// use organizr_auth_core::{Authentication, GroupLevel, Identity, Source};
    /// let alice = Authentication::Authenticated(Identity::new("alice", GroupLevel::USER, Source::Token));
    /// assert_eq!(alice.level(), GroupLevel::USER);
    /// ```
    pub fn level(&self) -> GroupLevel {
        self.identity().map_or(GroupLevel::GUEST, |id| id.group_id)
    }

    /// Whether this request may access something that requires `required`.
    /// Anonymous requests pass only [`GroupLevel::GUEST`], and not even that
    /// when the refusal [denies guests](Refusal::denies_guests) (a locked
    /// user).
    ///
    /// ```
    /// use organizr_auth_core::{Authentication, Denial, GroupLevel, Identity, Refusal, Source};
    /// let alice = Authentication::Authenticated(Identity::new("alice", GroupLevel::USER, Source::Token));
    /// assert!(alice.authorize(GroupLevel::LOGGED_IN).is_ok());
    /// assert_eq!(
    ///     alice.authorize(GroupLevel::ADMIN),
    ///     Err(Denial::Forbidden { level: GroupLevel::USER, required: GroupLevel::ADMIN }),
    /// );
    /// let locked = Authentication::Anonymous { refused: Some(Refusal::Locked) };
    /// assert!(locked.authorize(GroupLevel::GUEST).is_err());
    /// ```
    pub fn authorize(&self, required: GroupLevel) -> Result<(), Denial> {
        match self {
            Authentication::Authenticated(id) if id.group_id.permits(required) => Ok(()),
            Authentication::Authenticated(id) => Err(Denial::Forbidden {
                level: id.group_id,
                required,
            }),
            Authentication::Anonymous { refused }
                if GroupLevel::GUEST.permits(required)
                    && !refused.as_ref().is_some_and(Refusal::denies_guests) =>
            {
                Ok(())
            }
            Authentication::Anonymous { refused } => Err(Denial::Unauthenticated {
                refused: refused.clone(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::INVISIBLE;

    fn written(identity: &Identity) -> Vec<(String, String)> {
        identity
            .headers()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect()
    }

    /// Regression, issue 15 finding 7: the library wrote any name it was
    /// given into `Remote-User`, invisible characters included.
    #[test]
    fn never_writes_invisible_text() {
        for c in INVISIBLE {
            let mut id = Identity::new(format!("admin{c}"), GroupLevel::USER, Source::Proxy);
            id.email = Some(format!("admin{c}@example.org"));
            id.group = Some(format!("Ad{c}min"));
            let headers = written(&id);
            let names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(names, ["x-organizr-group"], "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn writes_visible_text_as_it_is() {
        let mut id = Identity::new(
            "Jérôme Dupont",
            GroupLevel::new(12).unwrap_or(GroupLevel::USER),
            Source::Token,
        );
        id.email = Some("jerome@example.org".to_owned());
        id.group = Some("Famille".to_owned());
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect()
        };
        assert_eq!(
            written(&id),
            pairs(&[
                ("remote-user", "Jérôme Dupont"),
                ("remote-email", "jerome@example.org"),
                ("remote-groups", "Famille"),
                ("x-organizr-user", "Jérôme Dupont"),
                ("x-organizr-email", "jerome@example.org"),
                ("x-organizr-group", "12"),
            ])
        );
    }
}
