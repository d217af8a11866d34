//! The JSON bodies the axum and actix apps answer. Both apps serialise these
//! same types with `serde_json`, so their bodies are identical byte for byte.

use std::collections::BTreeMap;

use organizr_auth_core::Identity;
use serde::{Deserialize, Serialize};

/// The body of `/me`, `/admin` and `/level/{n}`: who the request is from.
/// Keys appear in exactly this order.
///
/// ```
/// use organizr_auth_core::{GroupLevel, Identity, Source};
/// use organizr_auth_examples::json::IdentityJson;
/// let alice = Identity::new("alice", GroupLevel::LOGGED_IN, Source::Proxy);
/// assert_eq!(
///     serde_json::to_string(&IdentityJson::from(&alice))?,
///     r#"{"username":"alice","group_id":998,"group":null,"email":null,"user_id":null,"source":"proxy"}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityJson {
    /// The username.
    pub username: String,
    /// The numeric group level, 0 to 999.
    pub group_id: u16,
    /// The group's name: the token's `group` claim, else the built-in name of
    /// the level, else `null` (a custom group known only by number).
    pub group: Option<String>,
    /// The e-mail address, when known (tokens carry it; proxies do not).
    pub email: Option<String>,
    /// Organizr's numeric user id, when known.
    pub user_id: Option<u64>,
    /// `"token"`, `"proxy"` or `"api_key"`.
    pub source: String,
}

impl From<&Identity> for IdentityJson {
    fn from(id: &Identity) -> Self {
        Self {
            username: id.username.clone(),
            group_id: id.group_id.get(),
            // The same name `Remote-Groups` carries.
            group: id.group_name().map(str::to_owned),
            email: id.email.clone(),
            user_id: id.user_id,
            source: id.source.as_str().to_owned(),
        }
    }
}

/// The body of `/echo-headers`: every request header as the handler received
/// it, lower-cased name to the list of its values, names sorted. Values that
/// are not UTF-8 are shown with replacement characters.
///
/// ```
/// use organizr_auth_examples::json::echo_headers;
/// let body = echo_headers([("X-A", &b"1"[..]), ("x-a", b"2"), ("accept", b"*/*")]);
/// assert_eq!(serde_json::to_string(&body)?, r#"{"accept":["*/*"],"x-a":["1","2"]}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn echo_headers<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        map.entry(name.to_ascii_lowercase())
            .or_default()
            .push(String::from_utf8_lossy(value).into_owned());
    }
    map
}

/// The plain-text body of a `400` for `/level/{n}` with an `n` that is not a
/// level, the same in both apps.
pub const BAD_LEVEL_BODY: &str =
    "400 Bad Request: the level must be a whole number from 0 to 999\n";

/// The plain-text body of `/public`, the same in both apps.
pub const PUBLIC_BODY: &str = "public: anyone may read this\n";
