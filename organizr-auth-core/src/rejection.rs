//! The answer to a request that may not go on: [`Denial`] says why (401 or
//! 403), [`Rejection`] is what to send (status, headers, a body that says
//! nothing more).
//!
//! # Which answer
//! - **401** for an anonymous request below the required level, with
//!   `WWW-Authenticate: Bearer realm="Organizr"` when bearer tokens are
//!   accepted;
//! - **a redirect to the login page** instead of the 401, when a login URL is
//!   configured and the request is a browser's (`Accept` lists `text/html`
//!   with a non-zero quality): 302 for `GET`/`HEAD`, 303 otherwise. Never for
//!   forward-auth (nginx's `auth_request` accepts only 2xx, 401 and 403);
//! - **403** for an identity whose level is too low, or a client on the
//!   route's deny list; never a redirect, since logging in again would not
//!   help.
//!
//! Every rejection carries `Cache-Control: no-store` and a plain-text body.
//!
//! # Security
//! The body and headers never say *why*: the [`Denial`] (with the credential's
//! [`Refusal`]) goes to `tracing` and to the application
//! ([`Rejection::denial`]), never to the client.

use http::{HeaderName, HeaderValue, StatusCode};

use crate::access::ClientAddress;
use crate::{GroupLevel, HeaderAccess, Refusal};

/// Why a request may not go on.
///
/// ```
/// use http::StatusCode;
/// use organizr_auth_core::{Denial, GroupLevel};
/// let d = Denial::Forbidden { level: GroupLevel::USER, required: GroupLevel::ADMIN };
/// assert_eq!(d.status(), StatusCode::FORBIDDEN);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Denial {
    /// No identity (401).
    #[error("authentication required")]
    Unauthenticated {
        /// Why a presented credential was refused, if one was.
        refused: Option<Refusal>,
    },
    /// An identity whose level is not enough (403).
    #[error("group level {level} does not reach required level {required}")]
    Forbidden {
        /// The user's level.
        level: GroupLevel,
        /// The level required.
        required: GroupLevel,
    },
    /// The client address is on the route's deny list, or unknown while
    /// there is one ([`Policy::with_access`](crate::Policy::with_access)):
    /// 403, whoever the user is.
    #[error("client address {client} is on the deny list")]
    Blocked {
        /// The address the lists were matched against.
        client: ClientAddress,
    },
}

impl Denial {
    /// 401 for [`Denial::Unauthenticated`], 403 for [`Denial::Forbidden`].
    ///
    /// ```
    /// use http::StatusCode;
    /// use organizr_auth_core::Denial;
    /// assert_eq!(Denial::Unauthenticated { refused: None }.status(), StatusCode::UNAUTHORIZED);
    /// ```
    pub fn status(&self) -> StatusCode {
        match self {
            Denial::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            Denial::Forbidden { .. } | Denial::Blocked { .. } => StatusCode::FORBIDDEN,
        }
    }
}

/// A refused request's answer, ready for an adapter to turn into a response.
/// The body is safe to show anyone; the precise reason is in
/// [`Rejection::denial`].
///
/// ```
/// use std::sync::Arc;
/// use http::{HeaderMap, StatusCode};
/// use organizr_auth_core::{Authenticator, Config, GroupLevel, Peer, Policy, RequestHead, Secret, Verdict};
///
/// let auth = Arc::new(Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)));
/// let mut headers = HeaderMap::new();
/// let request = RequestHead::new("GET", "/", None, &mut headers);
/// let Verdict::Reject(rejection) = auth.admit(request, Peer::Unknown, &Policy::require(GroupLevel::ADMIN), None) else {
///     return Err("an anonymous request passed an admin-only policy".into());
/// };
/// assert_eq!(rejection.status(), StatusCode::UNAUTHORIZED);
/// assert!(rejection.body().starts_with("401"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    denial: Denial,
    kind: RejectionKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum RejectionKind {
    Unauthorized {
        bearer: bool,
    },
    Forbidden,
    Redirect {
        status: StatusCode,
        location: HeaderValue,
    },
}

impl Rejection {
    /// Why the request was refused.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use http::HeaderMap;
    /// # use organizr_auth_core::{Authenticator, Config, GroupLevel, Peer, Policy, RequestHead, Secret, Verdict};
    /// use organizr_auth_core::Denial;
    /// # let auth = Arc::new(Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)));
    /// # let mut headers = HeaderMap::new();
    /// # let request = RequestHead::new("GET", "/", None, &mut headers);
    /// # let Verdict::Reject(rejection) = auth.admit(request, Peer::Unknown, &Policy::require(GroupLevel::ADMIN), None) else { return Err("passed".into()) };
    /// assert_eq!(rejection.denial(), &Denial::Unauthenticated { refused: None });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn denial(&self) -> &Denial {
        &self.denial
    }

    /// 401, 403, or 302/303 for a login redirect.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use http::HeaderMap;
    /// # use organizr_auth_core::{Authenticator, Config, GroupLevel, Peer, Policy, RequestHead, Secret, Verdict};
    /// # let auth = Arc::new(Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)));
    /// # let mut headers = HeaderMap::new();
    /// # let request = RequestHead::new("GET", "/", None, &mut headers);
    /// # let Verdict::Reject(rejection) = auth.admit(request, Peer::Unknown, &Policy::require(GroupLevel::ADMIN), None) else { return Err("passed".into()) };
    /// assert_eq!(rejection.status(), http::StatusCode::UNAUTHORIZED);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn status(&self) -> StatusCode {
        match &self.kind {
            RejectionKind::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            RejectionKind::Forbidden => StatusCode::FORBIDDEN,
            RejectionKind::Redirect { status, .. } => *status,
        }
    }

    /// Whether this is a redirect to the login page.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use http::HeaderMap;
    /// # use organizr_auth_core::{Authenticator, Config, GroupLevel, Peer, Policy, RequestHead, Secret, Verdict};
    /// let config = Config::new(Secret::new("a-long-random-organizr-hash-value-here")?).login_url("/organizr/")?;
    /// let auth = Arc::new(Authenticator::new(config));
    /// let mut headers = HeaderMap::new();
    /// headers.insert("accept", "text/html".parse()?);
    /// let request = RequestHead::new("GET", "/", None, &mut headers);
    /// let Verdict::Reject(rejection) = auth.admit(request, Peer::Unknown, &Policy::default(), None) else {
    ///     return Err("passed".into());
    /// };
    /// assert!(rejection.is_redirect());
    /// assert_eq!(rejection.status(), http::StatusCode::FOUND);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_redirect(&self) -> bool {
        matches!(self.kind, RejectionKind::Redirect { .. })
    }

    /// Headers the response must carry: `WWW-Authenticate` or `Location`, a
    /// plain-text `Content-Type`, and `Cache-Control: no-store`.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use http::HeaderMap;
    /// # use organizr_auth_core::{Authenticator, Config, GroupLevel, Peer, Policy, RequestHead, Secret, Verdict};
    /// # let auth = Arc::new(Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)));
    /// # let mut headers = HeaderMap::new();
    /// # let request = RequestHead::new("GET", "/", None, &mut headers);
    /// # let Verdict::Reject(rejection) = auth.admit(request, Peer::Unknown, &Policy::require(GroupLevel::ADMIN), None) else { return Err("passed".into()) };
    /// assert!(rejection.headers().any(|(name, value)| name == "cache-control" && value == "no-store"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn headers(&self) -> impl Iterator<Item = (HeaderName, HeaderValue)> {
        let extra = match &self.kind {
            RejectionKind::Unauthorized { bearer: true } => Some((
                http::header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"Organizr\""),
            )),
            RejectionKind::Unauthorized { bearer: false } | RejectionKind::Forbidden => None,
            RejectionKind::Redirect { location, .. } => {
                Some((http::header::LOCATION, location.clone()))
            }
        };
        [
            (
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            // A refusal depends on the request's credentials: no shared cache may
            // keep it (nor a redirect to the login page) for someone else.
            (
                http::header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            ),
        ]
        .into_iter()
        .chain(extra)
    }

    /// A short plain-text body that reveals nothing about the reason.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use http::HeaderMap;
    /// # use organizr_auth_core::{Authenticator, Config, GroupLevel, Peer, Policy, RequestHead, Secret, Verdict};
    /// # let auth = Arc::new(Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)));
    /// # let mut headers = HeaderMap::new();
    /// # let request = RequestHead::new("GET", "/", None, &mut headers);
    /// # let Verdict::Reject(rejection) = auth.admit(request, Peer::Unknown, &Policy::require(GroupLevel::ADMIN), None) else { return Err("passed".into()) };
    /// assert_eq!(rejection.body(), "401 Unauthorized: sign in to Organizr\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn body(&self) -> &'static str {
        match &self.kind {
            RejectionKind::Unauthorized { .. } => "401 Unauthorized: sign in to Organizr\n",
            RejectionKind::Forbidden => "403 Forbidden: your Organizr group may not open this\n",
            RejectionKind::Redirect { .. } => "sign in to Organizr\n",
        }
    }

    /// The rejection as an `http::Response` with a `String` body.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use http::HeaderMap;
    /// # use organizr_auth_core::{Authenticator, Config, GroupLevel, Peer, Policy, RequestHead, Secret, Verdict};
    /// # let auth = Arc::new(Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?)));
    /// # let mut headers = HeaderMap::new();
    /// # let request = RequestHead::new("GET", "/", None, &mut headers);
    /// # let Verdict::Reject(rejection) = auth.admit(request, Peer::Unknown, &Policy::require(GroupLevel::ADMIN), None) else { return Err("passed".into()) };
    /// let response = rejection.to_response();
    /// assert_eq!(response.status(), http::StatusCode::UNAUTHORIZED);
    /// assert_eq!(response.headers()["www-authenticate"], "Bearer realm=\"Organizr\"");
    /// assert_eq!(response.headers()["cache-control"], "no-store");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_response(&self) -> http::Response<String> {
        let mut response = http::Response::new(self.body().to_owned());
        *response.status_mut() = self.status();
        response.headers_mut().extend(self.headers());
        response
    }
}

/// Builds rejections: knows the login URL and whether to challenge for bearer
/// tokens. One per authenticator.
#[derive(Debug, Clone)]
pub(crate) struct Responder {
    pub(crate) login_url: Option<HeaderValue>,
    pub(crate) bearer_challenge: bool,
}

impl Responder {
    /// The answer for `denial` to a request with this method and headers (a
    /// browser may be redirected to the login page).
    pub(crate) fn reject(
        &self,
        denial: Denial,
        method: &str,
        headers: &impl HeaderAccess,
    ) -> Rejection {
        let location = match (&denial, &self.login_url) {
            (Denial::Unauthenticated { .. }, Some(url)) if accepts_html(headers) => {
                Some(url.clone())
            }
            _ => None,
        };
        match location {
            Some(location) => {
                let status = if method == "GET" || method == "HEAD" {
                    StatusCode::FOUND
                } else {
                    StatusCode::SEE_OTHER
                };
                Rejection {
                    denial,
                    kind: RejectionKind::Redirect { status, location },
                }
            }
            None => self.reject_plainly(denial),
        }
    }

    /// The answer for `denial` that is never a redirect: 401 or 403.
    pub(crate) fn reject_plainly(&self, denial: Denial) -> Rejection {
        let kind = match denial {
            Denial::Unauthenticated { .. } => RejectionKind::Unauthorized {
                bearer: self.bearer_challenge,
            },
            Denial::Forbidden { .. } | Denial::Blocked { .. } => RejectionKind::Forbidden,
        };
        Rejection { denial, kind }
    }
}

/// Whether any `Accept` header lists `text/html` with a non-zero quality.
fn accepts_html(headers: &impl HeaderAccess) -> bool {
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
mod tests {
    use super::*;
    use http::HeaderMap;

    #[test]
    fn html_negotiation() {
        let accept = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert("accept", HeaderValue::from_static(v));
            accepts_html(&h)
        };
        assert!(accept("text/html"));
        assert!(accept("TEXT/HTML;q=0.5, */*"));
        assert!(accept("application/json, text/html"));
        assert!(!accept("text/html;q=0"));
        assert!(!accept("text/html; q=0.000"));
        assert!(!accept("application/json"));
        assert!(!accept("*/*"));
        assert!(!accepts_html(&HeaderMap::new()));
    }
}
