//! Organizr's claim set, as Organizr writes it into its session token.
//!
//! Organizr has changed its token over the years: times are floats with
//! microseconds in current versions and integers in older ones, the username is
//! `name` since September 2021 and `username` before, and `groupID`/`userID`
//! sometimes arrive as numeric strings. [`Claims`] is the one shape all of them
//! validate into; the tolerant parsing lives here so that the
//! [token validator](crate::token) can stay a list of rules.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::GroupLevel;
use crate::text::is_visible_text;
use crate::token::TokenError;

/// The validated content of an Organizr token.
///
/// Times are seconds since the Unix epoch, as Organizr writes them (with
/// microseconds in current versions). Empty `email`, `group` and `image` strings,
/// which Organizr writes for users without them, are `None`.
///
/// ```
/// use organizr_auth_core::{Claims, GroupLevel};
/// let claims = Claims::from_json(br#"{"iss":"Organizr","aud":"Organizr","exp":1.5e9,
///     "name":"root","group":"Admin","groupID":0,"email":"","userID":"1"}"#)?;
/// assert_eq!(claims.username, "root");
/// assert_eq!(claims.group_id, GroupLevel::ADMIN);
/// assert_eq!(claims.email, None);
/// assert_eq!(claims.user_id, Some(1));
/// # Ok::<(), organizr_auth_core::TokenError>(())
/// ```
#[derive(Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Claims {
    /// The username (`name`, or the older `username`).
    pub username: String,
    /// The user's group level (`groupID`), the value every decision uses.
    pub group_id: GroupLevel,
    /// The group's display name (`group`), e.g. `"Admin"`.
    pub group: Option<String>,
    /// The user's e-mail address.
    pub email: Option<String>,
    /// The user's avatar URL.
    pub image: Option<String>,
    /// Organizr's numeric user id (`userID`).
    pub user_id: Option<u64>,
    /// `iat`: when the token was issued.
    pub issued_at: Option<f64>,
    /// `nbf`: the token is not valid before this time.
    pub not_before: Option<f64>,
    /// `exp`: the token is not valid from this time on.
    pub expires_at: f64,
}

impl fmt::Debug for Claims {
    // Hand-written so that the avatar URL (which can embed a personal token on
    // some image hosts) and e-mail are not spread into every debug log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claims")
            .field("username", &self.username)
            .field("group_id", &self.group_id)
            .field("group", &self.group)
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl Claims {
    /// Parses and checks a decoded JWT payload: types, required claims, issuer and
    /// audience. It does **not** check times or any signature: use
    /// [`TokenValidator`](crate::TokenValidator) for tokens.
    ///
    /// ```
    /// use organizr_auth_core::{Claims, TokenError};
    /// let wrong = Claims::from_json(br#"{"iss":"Organizr","aud":"Sonarr","exp":1,"name":"a","groupID":4}"#);
    /// assert_eq!(wrong, Err(TokenError::WrongAudience));
    /// ```
    pub fn from_json(payload: &[u8]) -> Result<Self, TokenError> {
        // Objects only: serde would happily read a struct from a JSON array, and
        // serde_json tolerates surrounding whitespace, neither of which a JWT
        // encoder produces.
        if payload.first() != Some(&b'{') || payload.last() != Some(&b'}') {
            return Err(TokenError::Malformed("payload is not a JSON object"));
        }
        // UTF-8 first: serde_json checks it only in the strings it keeps, not in
        // the ones it skips (unknown claims such as `jti`).
        let raw: RawClaims<'_> = std::str::from_utf8(payload)
            .ok()
            .and_then(|payload| serde_json::from_str(payload).ok())
            .ok_or(TokenError::Malformed("payload is not valid claims JSON"))?;
        raw.check()
    }
}

/// The claims as they sit in the JSON, each kept in a form that records a wrong
/// type instead of failing, so that the error can name the claim.
///
/// serde's derived visitor refuses duplicate keys for every named field, so a
/// second `"groupID"` can never override the first.
#[derive(Deserialize)]
struct RawClaims<'a> {
    #[serde(borrow, default)]
    iss: Json<Str<'a>>,
    #[serde(default)]
    aud: Json<Aud>,
    #[serde(default)]
    exp: Json<Num>,
    #[serde(default)]
    nbf: Json<Num>,
    #[serde(default)]
    iat: Json<Num>,
    #[serde(borrow, default)]
    name: Json<Str<'a>>,
    #[serde(borrow, default)]
    username: Json<Str<'a>>,
    #[serde(borrow, default)]
    group: Json<Str<'a>>,
    #[serde(rename = "groupID", default)]
    group_id: Json<Int>,
    #[serde(borrow, default)]
    email: Json<Str<'a>>,
    #[serde(borrow, default)]
    image: Json<Str<'a>>,
    #[serde(rename = "userID", default)]
    user_id: Json<Int>,
}

/// Organizr's fixed issuer and audience.
pub(crate) const ORGANIZR: &str = "Organizr";

impl RawClaims<'_> {
    fn check(self) -> Result<Claims, TokenError> {
        match self.iss.required("iss")? {
            Str(s) if s == ORGANIZR => {}
            _ => return Err(TokenError::WrongIssuer),
        }
        if !self.aud.required("aud")?.0 {
            return Err(TokenError::WrongAudience);
        }
        let expires_at = time(self.exp.required("exp")?.0, "exp")?;
        let not_before = self
            .nbf
            .optional("nbf")?
            .map(|n| time(n.0, "nbf"))
            .transpose()?;
        let issued_at = self
            .iat
            .optional("iat")?
            .map(|n| time(n.0, "iat"))
            .transpose()?;

        // `name` is the current claim, `username` the pre-2021 one. Both are
        // type-checked, even when `name` wins, like every other known claim.
        let legacy = self.username.optional("username")?;
        let username = match (self.name.optional("name")?, legacy) {
            (Some(name), _) | (None, Some(name)) => name.0,
            (None, None) => return Err(TokenError::MissingClaim("name")),
        };
        // Visible text only: a name with an invisible character passes for
        // another user's once an application trims or normalises it (see
        // `crate::text`). Organizr lets such names be registered.
        if !is_visible_text(&username) {
            return Err(TokenError::InvalidClaim("name"));
        }
        let group_id = match self.group_id.required("groupID")? {
            Int::Unsigned(n) => GroupLevel::try_from(n),
            Int::Text(ref t) => GroupLevel::parse_digits(t.as_bytes()),
        }
        .map_err(|_| TokenError::InvalidClaim("groupID"))?;
        let user_id = match self.user_id.optional("userID")? {
            None => None,
            Some(Int::Unsigned(n)) => Some(n),
            Some(Int::Text(t)) => Some(t.parse().map_err(|_| TokenError::InvalidClaim("userID"))?),
        };
        // The group's name only describes `groupID`, and an administrator
        // chose it: a stray invisible character must not lock the whole group
        // out, so only controls refuse it (the header is then left out, see
        // `Identity::headers`). The e-mail address identifies the user like the
        // name does, and Organizr accepts only plain addresses.
        let group = non_empty(self.group.optional("group")?, "group", is_clean_text)?;
        let email = non_empty(self.email.optional("email")?, "email", is_visible_text)?;
        let image = self
            .image
            .optional("image")?
            .map(|s| s.0.into_owned())
            .filter(|s| !s.is_empty());
        Ok(Claims {
            username: username.into_owned(),
            group_id,
            group,
            email,
            image,
            user_id,
            issued_at,
            not_before,
            expires_at,
        })
    }
}

/// The last second of the year 9999 (`9999-12-31T23:59:59Z`): no time
/// Organizr writes is later (PHP's dates end there), and an `exp` beyond it
/// would make a token that never expires.
pub(crate) const LATEST_TIME: f64 = 253_402_300_799.0;

/// A time claim as Organizr could write it: finite, not before 1970, not
/// after the year 9999.
fn time(value: f64, claim: &'static str) -> Result<f64, TokenError> {
    if value.is_finite() && (0.0..=LATEST_TIME).contains(&value) {
        Ok(value)
    } else {
        Err(TokenError::InvalidClaim(claim))
    }
}

fn non_empty(
    value: Option<Str<'_>>,
    claim: &'static str,
    acceptable: fn(&str) -> bool,
) -> Result<Option<String>, TokenError> {
    match value {
        None => Ok(None),
        Some(Str(s)) if s.is_empty() => Ok(None),
        Some(Str(s)) if acceptable(&s) => Ok(Some(s.into_owned())),
        Some(_) => Err(TokenError::InvalidClaim(claim)),
    }
}

/// Non-empty, no control characters: safe to put in a log line or an HTTP header.
pub(crate) fn is_clean_text(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(char::is_control)
}

/// A claim as found: absent (or JSON `null`), of the expected type, or of another.
#[derive(Default)]
enum Json<T> {
    #[default]
    Absent,
    Value(T),
    WrongType,
}

impl<T> Json<T> {
    fn optional(self, claim: &'static str) -> Result<Option<T>, TokenError> {
        match self {
            Json::Absent => Ok(None),
            Json::Value(v) => Ok(Some(v)),
            Json::WrongType => Err(TokenError::BadClaimType(claim)),
        }
    }

    fn required(self, claim: &'static str) -> Result<T, TokenError> {
        self.optional(claim)?.ok_or(TokenError::MissingClaim(claim))
    }
}

/// What a claim value may be. Implementors turn the JSON value into `Some(T)`, or
/// `None` when it has another type; [`Json`] does the rest.
trait ClaimValue<'de>: Sized {
    fn from_str(_: Cow<'de, str>) -> Option<Self> {
        None
    }
    fn from_u64(_: u64) -> Option<Self> {
        None
    }
    fn from_i64(_: i64) -> Option<Self> {
        None
    }
    fn from_f64(_: f64) -> Option<Self> {
        None
    }
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

impl<'de, T: ClaimValue<'de>> Deserialize<'de> for Json<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        fn wrap<T>(v: Option<T>) -> Json<T> {
            v.map_or(Json::WrongType, Json::Value)
        }
        impl<'de, T: ClaimValue<'de>> Visitor<'de> for V<T> {
            type Value = Json<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a claim value")
            }
            fn visit_unit<E>(self) -> Result<Json<T>, E> {
                Ok(Json::Absent)
            }
            fn visit_none<E>(self) -> Result<Json<T>, E> {
                Ok(Json::Absent)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Json<T>, E> {
                Ok(Json::WrongType)
            }
            fn visit_u64<E>(self, v: u64) -> Result<Json<T>, E> {
                Ok(wrap(T::from_u64(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Json<T>, E> {
                Ok(wrap(T::from_i64(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Json<T>, E> {
                Ok(wrap(T::from_f64(v)))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Json<T>, E> {
                Ok(wrap(T::from_str(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Json<T>, E> {
                Ok(wrap(T::from_str(Cow::Owned(v.to_owned()))))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Json<T>, A::Error> {
                Ok(wrap(T::from_seq(seq)?))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<T>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Json::WrongType)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A JSON string.
struct Str<'a>(Cow<'a, str>);

impl<'a, 'de: 'a> ClaimValue<'de> for Str<'a> {
    fn from_str(s: Cow<'de, str>) -> Option<Self> {
        Some(Str(s))
    }
}

/// A JSON number, integer or float (Organizr's times).
struct Num(f64);

impl ClaimValue<'_> for Num {
    fn from_u64(v: u64) -> Option<Self> {
        // Precision loss above 2^53 s is irrelevant for times.
        Some(Num(v as f64))
    }
    fn from_i64(v: i64) -> Option<Self> {
        Some(Num(v as f64))
    }
    fn from_f64(v: f64) -> Option<Self> {
        Some(Num(v))
    }
}

/// A non-negative JSON integer, or a string that should hold one (`"4"`); the
/// string's digits are checked by the claim's own rule.
enum Int {
    Unsigned(u64),
    Text(String),
}

impl<'de> ClaimValue<'de> for Int {
    fn from_u64(v: u64) -> Option<Self> {
        Some(Int::Unsigned(v))
    }
    fn from_i64(v: i64) -> Option<Self> {
        // serde_json only reports negative integers through `visit_i64`; keep the
        // sign so the claim's range check refuses it.
        Some(Int::Text(v.to_string()))
    }
    fn from_str(s: Cow<'de, str>) -> Option<Self> {
        Some(Int::Text(s.into_owned()))
    }
}

/// `aud`: a string, or an array of strings; `true` when it names Organizr.
struct Aud(bool);

impl<'de> ClaimValue<'de> for Aud {
    fn from_str(s: Cow<'de, str>) -> Option<Self> {
        Some(Aud(s == ORGANIZR))
    }
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        let mut found = false;
        let mut all_strings = true;
        while let Some(item) = seq.next_element::<Json<Str<'de>>>()? {
            match item {
                Json::Value(Str(s)) => found |= s == ORGANIZR,
                _ => all_strings = false,
            }
        }
        Ok(all_strings.then_some(Aud(found)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Claims, TokenError> {
        Claims::from_json(json.as_bytes())
    }

    const BASE: &str = r#""iss":"Organizr","aud":"Organizr","exp":2000000000"#;

    #[test]
    fn accepts_organizr_shapes() {
        let c = parse(&format!(
            r#"{{{BASE},"iat":1.5,"nbf":1.25,"name":"a","group":"User","groupID":4,"email":"a@b","image":"","userID":42,"extra":[1,{{"x":null}}]}}"#
        ))
        .unwrap();
        assert_eq!(c.username, "a");
        assert_eq!(c.group_id, GroupLevel::USER);
        assert_eq!(c.group.as_deref(), Some("User"));
        assert_eq!(c.email.as_deref(), Some("a@b"));
        assert_eq!(c.image, None);
        assert_eq!(c.user_id, Some(42));
        assert_eq!(c.issued_at, Some(1.5));
        assert_eq!(c.not_before, Some(1.25));

        // Older tokens: `username`, string ids, array audience, escaped strings.
        let c = parse(r#"{"iss":"Organizr","aud":["x","Organizr"],"exp":2e9,"username":"b\u00e9","groupID":"12","userID":"7"}"#)
        .unwrap();
        assert_eq!(c.username, "bé");
        assert_eq!(c.group_id.get(), 12);
        assert_eq!(c.user_id, Some(7));

        // A group name is the administrator's label for `groupID`: an
        // invisible character in it does not refuse the token.
        let c = parse(r#"{"iss":"Organizr","aud":"Organizr","exp":2e9,"name":"c","group":"Power\u00a0Users","groupID":3}"#)
        .unwrap();
        assert_eq!(c.group.as_deref(), Some("Power\u{a0}Users"));
    }

    #[test]
    fn refuses_with_the_claim_named() {
        use TokenError::*;
        let cases: &[(&str, TokenError)] = &[
            (
                r#"{"aud":"Organizr","exp":1,"name":"a","groupID":0}"#,
                MissingClaim("iss"),
            ),
            (
                r#"{"iss":"organizr","aud":"Organizr","exp":1,"name":"a","groupID":0}"#,
                WrongIssuer,
            ),
            (
                r#"{"iss":["Organizr"],"aud":"Organizr","exp":1,"name":"a","groupID":0}"#,
                BadClaimType("iss"),
            ),
            (
                r#"{"iss":"Organizr","exp":1,"name":"a","groupID":0}"#,
                MissingClaim("aud"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Other","exp":1,"name":"a","groupID":0}"#,
                WrongAudience,
            ),
            (
                r#"{"iss":"Organizr","aud":["Other"],"exp":1,"name":"a","groupID":0}"#,
                WrongAudience,
            ),
            (
                r#"{"iss":"Organizr","aud":[1],"exp":1,"name":"a","groupID":0}"#,
                BadClaimType("aud"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","name":"a","groupID":0}"#,
                MissingClaim("exp"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":null,"name":"a","groupID":0}"#,
                MissingClaim("exp"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":"1","name":"a","groupID":0}"#,
                BadClaimType("exp"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"iat":"now","name":"a","groupID":0}"#,
                BadClaimType("iat"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"nbf":true,"name":"a","groupID":0}"#,
                BadClaimType("nbf"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"groupID":0}"#,
                MissingClaim("name"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"name":"","groupID":0}"#,
                InvalidClaim("name"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"name":"a\nb","groupID":0}"#,
                InvalidClaim("name"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"name":1,"groupID":0}"#,
                BadClaimType("name"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"name":"a"}"#,
                MissingClaim("groupID"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"name":"a","groupID":1000}"#,
                InvalidClaim("groupID"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"name":"a","groupID":-1}"#,
                InvalidClaim("groupID"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"name":"a","groupID":"1.5"}"#,
                InvalidClaim("groupID"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"name":"a","groupID":"0x1"}"#,
                InvalidClaim("groupID"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"name":"a","groupID":4.0}"#,
                BadClaimType("groupID"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"name":"a","groupID":[0]}"#,
                BadClaimType("groupID"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"name":"a","groupID":0,"userID":"x"}"#,
                InvalidClaim("userID"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"name":"a","groupID":0,"email":{}}"#,
                BadClaimType("email"),
            ),
            // Regression, issue 15 finding 7: invisible characters in names.
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"name":"admin\u200b","groupID":0}"#,
                InvalidClaim("name"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"name":"admin\u00a0","groupID":0}"#,
                InvalidClaim("name"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"name":"\u202enimda","groupID":0}"#,
                InvalidClaim("name"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"username":"\ufeffadmin","groupID":0}"#,
                InvalidClaim("name"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"name":"a","groupID":0,"email":"a\u200b@example.org"}"#,
                InvalidClaim("email"),
            ),
            (
                r#"{"iss":"Organizr","aud":"Organizr","exp":1,"name":"a","groupID":0,"group":"Ad\nmin"}"#,
                InvalidClaim("group"),
            ),
        ];
        for (json, want) in cases {
            assert_eq!(parse(json).as_ref().err(), Some(want), "{json}");
        }
    }

    #[test]
    fn duplicate_keys_never_override() {
        // Regression: a later "groupID" must not replace the first one.
        for json in [
            r#"{"iss":"Organizr","aud":"Organizr","exp":1,"name":"a","groupID":4,"groupID":0}"#,
            r#"{"iss":"Organizr","aud":"Organizr","exp":1,"name":"a","name":"root","groupID":4}"#,
            r#"{"iss":"Organizr","iss":"Organizr","aud":"Organizr","exp":1,"name":"a","groupID":4}"#,
        ] {
            assert!(
                matches!(parse(json), Err(TokenError::Malformed(_))),
                "{json}"
            );
        }
    }

    #[test]
    fn refuses_non_objects_and_trailing_bytes() {
        for json in [
            "[\"Organizr\"]",
            " {}",
            "{} ",
            "{}}",
            "\u{feff}{}",
            "null",
            "",
            r#"{"iss":"Organizr"}x"#,
        ] {
            assert!(
                matches!(parse(json), Err(TokenError::Malformed(_))),
                "{json:?}"
            );
        }
        assert!(matches!(
            Claims::from_json(b"{\"iss\":\"\xff\"}"),
            Err(TokenError::Malformed(_))
        ));
    }

    #[test]
    fn debug_hides_email_and_image() {
        let c = parse(&format!(r#"{{{BASE},"name":"a","groupID":4,"email":"private@x","image":"https://x/?token=s3cr3t"}}"#)).unwrap();
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("private") && !shown.contains("s3cr3t"),
            "{shown}"
        );
    }
}
