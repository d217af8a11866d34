//! Validating Organizr's session token locally, with no call to Organizr.
//!
//! Organizr signs its token with HS256 (HMAC-SHA256) under the instance's
//! `organizrHash`. [`TokenValidator`] checks, in this order, and stops at the
//! first failure:
//!
//! 1. size: at most [`MAX_TOKEN_LEN`] bytes, before anything is decoded;
//! 2. shape: three non-empty base64url segments without padding, whitespace or
//!    `+`/`/`, canonical encoding;
//! 3. header: a JSON object whose `alg` is exactly `"HS256"`, with none of the
//!    parameters that would change how the token must be read (`crit`, `enc`,
//!    `zip`, `b64`); `kid`, `jku`, `x5u` and `jwk` are ignored, there is one key;
//! 4. signature: HMAC-SHA256 over `header.payload`, compared in constant time;
//! 5. claims: see [`Claims::from_json`]: `iss` exactly `"Organizr"`, `aud`
//!    containing it, `exp` required, types as Organizr writes them;
//! 6. time: `now < exp + leeway`, `nbf <= now + leeway`, `iat <= now + leeway`.
//!
//! # Why this is written here and not done by `jsonwebtoken`
//! `jsonwebtoken` is a fine general JWT library, and this crate uses it as the
//! oracle its tests and its differential fuzz target compare against. But an
//! Organizr token is one narrow shape, and a general validator accepts things
//! this one must refuse (`tests/hostile_tokens.rs`,
//! `gaps_closed_relative_to_jsonwebtoken`, pins each): header parameters
//! that change how a token is read (`crit`, `enc`, `zip`, `b64`), tokens of any
//! size (decoded before any check), non-canonical base64, invalid UTF-8 inside
//! claims it skips, duplicate keys where the last one wins, and times no
//! Organizr could write. The checks here are in the order that costs an
//! attacker the least of our time (size, shape, then the MAC, then JSON), and
//! skip decoding Organizr's fixed header. Measured on a real Organizr token
//! (`benches/`): 1.21 µs here against 3.19 µs for `jsonwebtoken` 11 (0.38×),
//! and 0.97× the bare HMAC + base64 + JSON floor.
//!
//! # Security
//! - The algorithm is pinned: a token cannot choose `none`, another HMAC size or
//!   a public-key algorithm (key confusion). There is no way to configure it.
//! - Organizr itself no longer checks signatures; it looks the token up in its
//!   database instead, which is what makes logout work. A valid signature alone
//!   cannot see logout: a token stays valid until it expires, even after logout
//!   or a change of group, unless Organizr's session table is consulted too
//!   (the `session` module, feature `sessions`; `ORGANIZR_DB`). `SECURITY.md` says what each
//!   mode can and cannot see.
//! - Short keys are accepted for compatibility; see [`Secret`].
//! - Error values say which rule failed, never the token or the key.

use std::cmp::Ordering;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde::de::IgnoredAny;
use sha2::Sha256;

use crate::{Claims, Secret};

/// The largest token accepted, in bytes. Browsers keep at most 4096 bytes per
/// cookie, name included, so no real Organizr cookie is larger; the cap is checked
/// before any decoding, so an oversized token costs no more than a small one.
///
/// ```
/// use organizr_auth_core::{Secret, TokenError, TokenValidator, token::MAX_TOKEN_LEN};
/// let huge = "a".repeat(MAX_TOKEN_LEN + 1);
/// let validator = TokenValidator::new(&Secret::new("k")?);
/// assert_eq!(validator.validate(&huge), Err(TokenError::TooLarge { len: MAX_TOKEN_LEN + 1 }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const MAX_TOKEN_LEN: usize = 4096;

/// The default clock leeway: 30 seconds either way, for clock drift between the
/// Organizr host and this one.
///
/// ```
/// use organizr_auth_core::{Secret, TokenValidator, token::DEFAULT_LEEWAY};
/// assert_eq!(TokenValidator::new(&Secret::new("k")?).leeway(), DEFAULT_LEEWAY);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);

/// The largest leeway [`TokenValidator::with_leeway`] accepts: five minutes.
/// More would quietly extend every token's life.
///
/// ```
/// use organizr_auth_core::{Secret, TokenValidator, token::MAX_LEEWAY};
/// assert!(TokenValidator::new(&Secret::new("k")?).with_leeway(MAX_LEEWAY).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const MAX_LEEWAY: Duration = Duration::from_secs(300);

/// Largest decoded size of one segment of a token that passed the size cap.
const MAX_DECODED: usize = MAX_TOKEN_LEN / 4 * 3;

/// The encoded header of every Organizr token: `{"typ":"JWT","alg":"HS256"}`.
const ORGANIZR_HEADER: &[u8] = b"eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9";

/// Checks Organizr tokens against one instance's key.
///
/// Building one precomputes the HMAC key schedule, so keep it around (the
/// [`Authenticator`](crate::Authenticator) does) rather than building one per
/// request.
///
/// ```
/// use organizr_auth_core::{Secret, TokenError, TokenValidator};
///
/// let validator = TokenValidator::new(&Secret::new("vectors-organizr-hash-7Qm2")?);
/// // A real token made by Organizr's own JWT library.
/// let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJPcmdhbml6ciIsImF1ZCI6Ik9yZ2FuaXpyIiwianRpIjoiNGYxZzIzYTEyYWEiLCJpYXQiOjE3OTU0Njk0OTMuOTk0NTcxLCJuYmYiOjE3OTU0Njk0OTMuOTk0NTcxLCJleHAiOjIxMTA4Mjk0OTMuOTk0NTcxLCJuYW1lIjoibWFsbG9yeS5mYW4iLCJncm91cCI6IlVzZXIiLCJncm91cElEIjo0LCJlbWFpbCI6IiIsImltYWdlIjoiIiwidXNlcklEIjo0Mn0.qErajVm6Pi8DjvZuAMiRi3w-rsM2Mx6xo0kYaDip1Jc";
/// let claims = validator.validate(token)?;
/// assert_eq!(claims.username, "mallory.fan");
/// assert_eq!(claims.group_id.get(), 4);
///
/// assert_eq!(
///     validator.validate("not a token"),
///     Err(TokenError::Malformed("token does not have three segments")),
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct TokenValidator {
    /// HMAC state with the key already absorbed; cloned per token.
    mac: Hmac<Sha256>,
    leeway: Duration,
}

impl fmt::Debug for TokenValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenValidator")
            .field("algorithm", &"HS256")
            .field("key", &"..")
            .field("leeway", &self.leeway)
            .finish()
    }
}

impl TokenValidator {
    /// A validator for tokens signed with `key`, with the [`DEFAULT_LEEWAY`].
    ///
    /// ```
    /// use organizr_auth_core::{Secret, TokenValidator};
    /// let validator = TokenValidator::new(&Secret::new("a-long-random-organizr-hash-value-here")?);
    /// assert_eq!(format!("{validator:?}"), "TokenValidator { algorithm: \"HS256\", key: \"..\", leeway: 30s }");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(key: &Secret) -> Self {
        // HMAC accepts keys of any length; `new_from_slice` only fails for MACs
        // with fixed key sizes, so the fallback is unreachable.
        let mac = match <Hmac<Sha256> as Mac>::new_from_slice(key.expose()) {
            Ok(mac) => mac,
            Err(_) => unreachable_hmac(),
        };
        Self {
            mac,
            leeway: DEFAULT_LEEWAY,
        }
    }

    /// Sets the clock leeway, at most [`MAX_LEEWAY`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use organizr_auth_core::{Secret, TokenValidator};
    /// let v = TokenValidator::new(&Secret::new("k")?).with_leeway(Duration::from_secs(5))?;
    /// assert_eq!(v.leeway(), Duration::from_secs(5));
    /// assert!(TokenValidator::new(&Secret::new("k")?).with_leeway(Duration::from_secs(3600)).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_leeway(mut self, leeway: Duration) -> Result<Self, LeewayTooLarge> {
        check_leeway(leeway)?;
        self.leeway = leeway;
        Ok(self)
    }

    /// The clock leeway in use.
    ///
    /// ```
    /// use organizr_auth_core::{Secret, TokenValidator};
    /// assert_eq!(TokenValidator::new(&Secret::new("k")?).leeway().as_secs(), 30);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn leeway(&self) -> Duration {
        self.leeway
    }

    /// Validates `token` against the current time.
    ///
    /// ```
    /// use organizr_auth_core::{Secret, TokenValidator};
    /// // The `organizr_token_<uuid>` cookie's value, as Organizr wrote it.
    /// let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJPcmdhbml6ciIsImF1ZCI6Ik9yZ2FuaXpyIiwianRpIjoiNGYxZzIzYTEyYWEiLCJpYXQiOjE3OTU0Njk0OTMsIm5iZiI6MTc5NTQ2OTQ5MywiZXhwIjoyMTEwODI5NDkzLCJuYW1lIjoia2lkIiwiZ3JvdXAiOiJLaWRzIiwiZ3JvdXBJRCI6MTIsImVtYWlsIjoia2lkQGV4YW1wbGUub3JnIiwiaW1hZ2UiOiIiLCJ1c2VySUQiOjl9.hTti_ouRh5eU__4TsT_bAhEn88OZNz4NHXpOw9gEA_4";
    /// let claims = TokenValidator::new(&Secret::new("vectors-organizr-hash-7Qm2")?).validate(token)?;
    /// assert_eq!((claims.username.as_str(), claims.group_id.get()), ("kid", 12));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate(&self, token: &str) -> Result<Claims, TokenError> {
        self.validate_at(token, SystemTime::now())
    }

    /// Validates `token` as if the time were `now`.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use organizr_auth_core::{Secret, TokenError, TokenValidator};
    /// let validator = TokenValidator::new(&Secret::new("vectors-organizr-hash-7Qm2")?);
    /// let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJPcmdhbml6ciIsImF1ZCI6Ik9yZ2FuaXpyIiwianRpIjoiNGYxZzIzYTEyYWEiLCJpYXQiOjE3OTU0Njk0OTMuOTk0NTcxLCJuYmYiOjE3OTU0Njk0OTMuOTk0NTcxLCJleHAiOjIxMTA4Mjk0OTMuOTk0NTcxLCJuYW1lIjoibWFsbG9yeS5mYW4iLCJncm91cCI6IlVzZXIiLCJncm91cElEIjo0LCJlbWFpbCI6IiIsImltYWdlIjoiIiwidXNlcklEIjo0Mn0.qErajVm6Pi8DjvZuAMiRi3w-rsM2Mx6xo0kYaDip1Jc";
    /// let long_ago = UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    /// assert_eq!(validator.validate_at(token, long_ago), Err(TokenError::NotYetValid("nbf")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate_at(&self, token: &str, now: SystemTime) -> Result<Claims, TokenError> {
        let bytes = token.as_bytes();
        if bytes.len() > MAX_TOKEN_LEN {
            return Err(TokenError::TooLarge { len: bytes.len() });
        }
        // Exactly two dots: the first and the last, with none between them. The
        // ends are short; `contains` checks the payload with a word-at-a-time
        // memchr (a byte-at-a-time split through it cost ~10% of a call).
        let Some(first) = bytes.iter().position(|&b| b == b'.') else {
            return Err(TokenError::Malformed("token does not have three segments"));
        };
        let last = bytes.iter().rposition(|&b| b == b'.').unwrap_or(first);
        let header = bytes.get(..first).unwrap_or_default();
        let payload = bytes.get(first + 1..last).unwrap_or_default();
        let signature = bytes.get(last + 1..).unwrap_or_default();
        if first == last || payload.contains(&b'.') {
            return Err(TokenError::Malformed("token does not have three segments"));
        }
        if header.is_empty() || payload.is_empty() || signature.is_empty() {
            return Err(TokenError::Malformed("token has an empty segment"));
        }

        let mut buf = [0u8; MAX_DECODED];
        // Organizr's header is always these bytes (`{"typ":"JWT","alg":"HS256"}`,
        // see the test below): skip decoding and parsing it.
        if header != ORGANIZR_HEADER {
            check_header(decode_segment(header, &mut buf)?)?;
        }

        let mut sig = [0u8; 32];
        // A 32-byte MAC is exactly 43 base64url characters; anything else is a
        // truncated, stripped or padded signature.
        if signature.len() != 43 {
            return Err(TokenError::InvalidSignature);
        }
        match URL_SAFE_NO_PAD.decode_slice(signature, &mut sig) {
            Ok(32) => {}
            _ => return Err(TokenError::InvalidSignature),
        }
        // Clone the keyed state: the key schedule was computed once in `new`.
        let mut mac = self.mac.clone();
        // `header.len() + 1 + payload.len()` is the signing input's length; take the
        // bytes from the token itself rather than re-encoding anything.
        let signing_input = bytes
            .get(..bytes.len() - signature.len() - 1)
            .ok_or(TokenError::Malformed("token does not have three segments"))?;
        mac.update(signing_input);
        mac.verify_slice(&sig)
            .map_err(|_| TokenError::InvalidSignature)?;

        let payload = decode_segment(payload, &mut buf)?;
        let claims = Claims::from_json(payload)?;
        self.check_times(&claims, now)?;
        Ok(claims)
    }

    fn check_times(&self, claims: &Claims, now: SystemTime) -> Result<(), TokenError> {
        // A clock before 1970 is not worth an error path of its own: treat it as 0.
        let now = now
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let leeway = self.leeway.as_secs_f64();
        // `partial_cmp` so that NaN (impossible from JSON, but cheap to rule out)
        // fails every check instead of passing it.
        let at_most =
            |a: f64, b: f64| matches!(a.partial_cmp(&b), Some(Ordering::Less | Ordering::Equal));
        let below = |a: f64, b: f64| matches!(a.partial_cmp(&b), Some(Ordering::Less));
        if !below(now, claims.expires_at + leeway) {
            return Err(TokenError::Expired);
        }
        if claims
            .not_before
            .is_some_and(|nbf| !at_most(nbf, now + leeway))
        {
            return Err(TokenError::NotYetValid("nbf"));
        }
        if claims
            .issued_at
            .is_some_and(|iat| !at_most(iat, now + leeway))
        {
            return Err(TokenError::NotYetValid("iat"));
        }
        Ok(())
    }
}

impl TokenValidator {
    /// Sets a leeway already checked with [`check_leeway`].
    pub(crate) fn with_checked_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway.min(MAX_LEEWAY);
        self
    }
}

/// A leeway is at most [`MAX_LEEWAY`].
pub(crate) fn check_leeway(leeway: Duration) -> Result<(), LeewayTooLarge> {
    if leeway > MAX_LEEWAY {
        Err(LeewayTooLarge { requested: leeway })
    } else {
        Ok(())
    }
}

#[cold]
fn unreachable_hmac() -> ! {
    // HMAC takes keys of every length (long ones are hashed first), so this
    // cannot happen; `unreachable!` documents that without an `expect`.
    #[allow(clippy::panic)]
    {
        unreachable!("HMAC-SHA256 accepts keys of any length")
    }
}

fn decode_segment<'b>(
    segment: &[u8],
    buf: &'b mut [u8; MAX_DECODED],
) -> Result<&'b [u8], TokenError> {
    // The engine refuses padding, whitespace, `+`/`/` and non-canonical trailing
    // bits, so exactly one encoding of each byte string is accepted.
    let len = URL_SAFE_NO_PAD
        .decode_slice(segment, buf)
        .map_err(|_| TokenError::Malformed("segment is not base64url"))?;
    buf.get(..len)
        .ok_or(TokenError::Malformed("segment is not base64url"))
}

/// The JOSE header parameters that matter. Any present value of a parameter we
/// do not implement makes the token unreadable for us.
#[derive(Deserialize)]
struct Header<'a> {
    #[serde(borrow)]
    alg: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    crit: Present,
    #[serde(default)]
    enc: Present,
    #[serde(default)]
    zip: Present,
    #[serde(default)]
    b64: Present,
}

/// Records that a header parameter was there, whatever its value (even `null`).
#[derive(Default)]
struct Present(bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d)?;
        Ok(Present(true))
    }
}

fn check_header(header: &[u8]) -> Result<(), TokenError> {
    if header.first() != Some(&b'{') || header.last() != Some(&b'}') {
        return Err(TokenError::Malformed("header is not a JSON object"));
    }
    // UTF-8 first: serde_json checks it only in the strings it keeps, not in
    // the ones it skips (`typ`, `kid`, any unknown parameter).
    let header: Header<'_> = std::str::from_utf8(header)
        .ok()
        .and_then(|header| serde_json::from_str(header).ok())
        .ok_or(TokenError::Malformed("header is not valid JSON"))?;
    for (present, name) in [
        (header.crit.0, "crit"),
        (header.enc.0, "enc"),
        (header.zip.0, "zip"),
        (header.b64.0, "b64"),
    ] {
        if present {
            return Err(TokenError::UnsupportedHeader(name));
        }
    }
    match header.alg.as_deref() {
        Some("HS256") => Ok(()),
        None => Err(TokenError::MissingClaim("alg")),
        Some(_) => Err(TokenError::WrongAlgorithm),
    }
}

/// Why a token was refused. Each variant is one rule; none carries the token.
///
/// ```
/// use organizr_auth_core::TokenError;
/// let e = TokenError::MissingClaim("exp");
/// assert_eq!(e.to_string(), "token has no `exp` claim");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Larger than [`MAX_TOKEN_LEN`]; nothing was decoded.
    #[error("token is {len} bytes, more than the {MAX_TOKEN_LEN} accepted")]
    TooLarge {
        /// The token's length in bytes.
        len: usize,
    },
    /// Not a well-formed compact JWS (segments, base64url, JSON).
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// The header names an algorithm other than HS256.
    #[error("token algorithm is not HS256")]
    WrongAlgorithm,
    /// The header carries a parameter (`crit`, `enc`, `zip`, `b64`) that changes
    /// how a token must be processed.
    #[error("token header has unsupported parameter `{0}`")]
    UnsupportedHeader(&'static str),
    /// The signature is missing, truncated or does not match the key.
    #[error("token signature is invalid")]
    InvalidSignature,
    /// `exp` has passed.
    #[error("token has expired")]
    Expired,
    /// `nbf` or `iat` (named) lies in the future, beyond the leeway.
    #[error("token is not valid yet (`{0}` is in the future)")]
    NotYetValid(&'static str),
    /// `iss` is not exactly `"Organizr"`.
    #[error("token issuer is not Organizr")]
    WrongIssuer,
    /// `aud` does not contain `"Organizr"`.
    #[error("token audience is not Organizr")]
    WrongAudience,
    /// A required claim (or header parameter, for `alg`) is absent.
    #[error("token has no `{0}` claim")]
    MissingClaim(&'static str),
    /// A claim has a JSON type Organizr never writes (e.g. `iss` as an array).
    #[error("token claim `{0}` has the wrong type")]
    BadClaimType(&'static str),
    /// A claim has the right type but an unacceptable value (e.g. `groupID` 1000,
    /// an empty name, control characters).
    #[error("token claim `{0}` has an invalid value")]
    InvalidClaim(&'static str),
}

/// The leeway asked for is larger than [`MAX_LEEWAY`].
///
/// ```
/// use std::time::Duration;
/// use organizr_auth_core::{Secret, TokenValidator};
/// let err = TokenValidator::new(&Secret::new("k")?).with_leeway(Duration::from_secs(600)).unwrap_err();
/// assert_eq!(err.to_string(), "leeway of 600s is more than the 300s allowed");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("leeway of {}s is more than the {}s allowed", requested.as_secs(), MAX_LEEWAY.as_secs())]
pub struct LeewayTooLarge {
    /// The leeway that was asked for.
    pub requested: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organizr_header_fast_path_is_what_the_full_check_accepts() {
        let mut buf = [0u8; MAX_DECODED];
        let header = decode_segment(ORGANIZR_HEADER, &mut buf).unwrap();
        assert_eq!(header, br#"{"typ":"JWT","alg":"HS256"}"#);
        assert_eq!(check_header(header), Ok(()));
    }
}
