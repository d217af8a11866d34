//! The answers of the auth routes: Organizr's JSON body, its content type,
//! the identity headers of a 200, and `Cache-Control: no-store` on all.
//!
//! Organizr's body is `{"response":{"result":"success"|"error","message":…,
//! "data":{"user","group","email","user_ip","requested_group"}}}` (its
//! `data.uuid`, a per-browser cookie Organizr sets, has no counterpart here).

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use organizr_auth_core::access::ClientAddress;
use organizr_auth_core::{Authentication, GroupLevel};
use serde::Serialize;

/// Organizr's message for an allowed request.
pub(crate) const AUTHORIZED: &str = "User is authorized";
/// Organizr's message for a refused request (no credential, level too low).
pub(crate) const NOT_AUTHORIZED: &str = "User is not Authorized or User is locked";
/// Organizr's message for an allow-list match.
pub(crate) const WHITELISTED: &str = "User is whitelisted";
/// Organizr's message for a deny-list match.
pub(crate) const BLACKLISTED: &str = "User is blacklisted";
/// Organizr's message for an unknown route.
pub(crate) const NOT_FOUND: &str = "Endpoint Not Found or Defined";

/// Organizr's name for an anonymous request.
pub(crate) const GUEST: &str = "Guest";

/// Organizr's `Content-Type` (no space).
const JSON: &str = "application/json;charset=UTF-8";

/// Organizr's `data` for a request: who it is (a guest when anonymous), the
/// address the IP lists used, and the level required. Fields in Organizr's
/// order.
#[derive(Debug, Serialize)]
pub(crate) struct UserData<'a> {
    user: &'a str,
    group: u16,
    email: Option<&'a str>,
    /// Written with its `Display` form straight into the body.
    #[serde(serialize_with = "display")]
    user_ip: &'a ClientAddress,
    requested_group: u16,
}

/// Serialises `value` as the string its `Display` writes, without building
/// that string first.
fn display<S: serde::Serializer>(value: &&ClientAddress, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// [`UserData`] for `who`.
pub(crate) fn user_data<'a>(
    who: &'a Authentication,
    client: &'a ClientAddress,
    required: GroupLevel,
) -> UserData<'a> {
    let (user, group, email) = match who.identity() {
        Some(id) => (id.username.as_str(), id.group_id.get(), id.email.as_deref()),
        None => (GUEST, GroupLevel::GUEST.get(), None),
    };
    UserData {
        user,
        group,
        email,
        user_ip: client,
        requested_group: required.get(),
    }
}

/// `data: null`.
pub(crate) const NO_DATA: Option<()> = None;

/// Organizr's envelope, fields in its order.
#[derive(Serialize)]
struct Envelope<'a, D> {
    response: Body<'a, D>,
}

#[derive(Serialize)]
struct Body<'a, D> {
    result: &'static str,
    message: &'a str,
    data: D,
}

/// A JSON answer: `status`, Organizr's body, `Content-Type` and
/// `Cache-Control: no-store`.
pub(crate) fn json(
    status: StatusCode,
    success: bool,
    message: &str,
    data: impl Serialize,
) -> Response {
    let envelope = Envelope {
        response: Body {
            result: if success { "success" } else { "error" },
            message,
            data,
        },
    };
    // Room for Organizr's body with an identity (~170 bytes): written once,
    // not grown. Serialising strings and numbers cannot fail; an empty body
    // would be the answer if it did.
    let mut body = Vec::with_capacity(256);
    if serde_json::to_writer(&mut body, &envelope).is_err() {
        body.clear();
    }
    let mut response = Response::new(axum::body::Body::from(body));
    *response.status_mut() = status;
    // Room for every header an answer gets (the JSON ones, six identity
    // headers, and hyper's `content-length` and `date`): the map is made once,
    // not grown and rehashed on the way.
    *response.headers_mut() = HeaderMap::with_capacity(12);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    no_store(headers);
    response
}

/// Auth answers depend on the caller's cookies and address: never cache them.
pub(crate) fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// A 200 for an allowed request, with the identity headers: the identity's
/// own ([`Identity::headers`](organizr_auth_core::Identity::headers)), or for
/// an anonymous request Organizr's guest headers `X-Organizr-User: Guest`,
/// `X-Organizr-Email:` (empty), `X-Organizr-Group: 999`, and never a
/// `Remote-*` header (apps take `Remote-User` for a signed-in user).
pub(crate) fn authorized(
    who: &Authentication,
    client: &ClientAddress,
    required: GroupLevel,
) -> Response {
    let mut response = json(
        StatusCode::OK,
        true,
        AUTHORIZED,
        user_data(who, client, required),
    );
    let headers = response.headers_mut();
    match who.identity() {
        Some(id) => headers.extend(id.headers()),
        None => {
            let guest = [
                ("x-organizr-user", HeaderValue::from_static(GUEST)),
                ("x-organizr-email", HeaderValue::from_static("")),
                (
                    "x-organizr-group",
                    HeaderValue::from(GroupLevel::GUEST.get()),
                ),
            ];
            for (name, value) in guest {
                headers.insert(HeaderName::from_static(name), value);
            }
        }
    }
    response
}

/// Organizr's 401 for a `type` that is none of its list types:
/// `"<type> is not a valid type"`, `data: null`.
pub(crate) fn invalid_type(value: &str) -> Response {
    json(
        StatusCode::UNAUTHORIZED,
        false,
        &format!("{value} is not a valid type"),
        NO_DATA,
    )
}

/// A 400 whose message is `error` with its causes (`{:#}`), so that a bad
/// list entry is named; `data: null`.
pub(crate) fn bad_request(error: anyhow::Error) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        false,
        &format!("{error:#}"),
        NO_DATA,
    )
}

/// Organizr's `data` of a 404.
#[derive(Serialize)]
struct NotFound<'a> {
    endpoint: &'a str,
    method: &'a str,
}

/// Organizr's 404 for a path that is no auth route.
pub(crate) fn not_found(method: &str, path: &str) -> Response {
    json(
        StatusCode::NOT_FOUND,
        false,
        NOT_FOUND,
        NotFound {
            endpoint: path,
            method,
        },
    )
}
