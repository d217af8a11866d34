//! Core's header traits on actix-web's [`HeaderMap`].
//!
//! `organizr-auth-core` reads and rewrites headers through
//! [`HeaderAccess`] and [`HeaderAccessMut`]. actix-web 4 has its own header map
//! (built on `http` 0.2, while core uses `http` 1), and the orphan rule forbids
//! implementing core's traits on it directly, so these two thin wrappers do it.
//! Names and values cross between the two `http` versions by their bytes.
//!
//! The middleware uses them for you; they are public for code that calls core
//! itself, for instance [`Authenticator::resolve`] in a handler.
//!
//! ```
//! use actix_web::http::header::HeaderMap;
//! use actix_web::http::header::{HeaderName, HeaderValue};
//! use organizr_auth_actix::headers::{ActixHeaders, ActixHeadersMut};
//! use organizr_auth_core::{HeaderAccess, HeaderAccessMut};
//!
//! let mut map = HeaderMap::new();
//! map.append(HeaderName::from_static("cookie"), HeaderValue::from_static("a=1"));
//! map.append(HeaderName::from_static("cookie"), HeaderValue::from_static("b=2"));
//! let headers = ActixHeaders(&map);
//! let values: Vec<&[u8]> = headers.header_values("cookie").collect();
//! assert_eq!(values, [&b"a=1"[..], b"b=2"]);
//!
//! ActixHeadersMut(&mut map).insert_header(http::HeaderName::from_static("x-organizr-user"), http::HeaderValue::from_static("alice"));
//! assert_eq!(map.get("x-organizr-user").map(|v| v.as_bytes()), Some(&b"alice"[..]));
//! ```
//!
//! [`Authenticator::resolve`]: organizr_auth_core::Authenticator::resolve

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use organizr_auth_core::{HeaderAccess, HeaderAccessMut};

/// Read access to an actix-web [`HeaderMap`] for `organizr-auth-core`.
#[derive(Debug, Clone, Copy)]
pub struct ActixHeaders<'a>(pub &'a HeaderMap);

/// Read and write access to an actix-web [`HeaderMap`] for
/// `organizr-auth-core` (what [`Authenticator::admit`] needs).
///
/// [`Authenticator::admit`]: organizr_auth_core::Authenticator::admit
#[derive(Debug)]
pub struct ActixHeadersMut<'a>(pub &'a mut HeaderMap);

fn values<'a>(map: &'a HeaderMap, name: &str) -> impl Iterator<Item = &'a [u8]> {
    // An invalid name matches nothing (actix-web answers an empty iterator).
    map.get_all(name).map(HeaderValue::as_bytes)
}

fn names(map: &HeaderMap) -> impl Iterator<Item = &str> {
    // actix-web's map is keyed by name, so every name appears once.
    map.keys().map(HeaderName::as_str)
}

impl HeaderAccess for ActixHeaders<'_> {
    fn header_values<'b>(&'b self, name: &str) -> impl Iterator<Item = &'b [u8]> {
        values(self.0, name)
    }

    fn header_names(&self) -> impl Iterator<Item = &str> {
        names(self.0)
    }
}

impl HeaderAccess for ActixHeadersMut<'_> {
    fn header_values<'b>(&'b self, name: &str) -> impl Iterator<Item = &'b [u8]> {
        values(self.0, name)
    }

    fn header_names(&self) -> impl Iterator<Item = &str> {
        names(self.0)
    }
}

impl HeaderAccessMut for ActixHeadersMut<'_> {
    fn remove_header(&mut self, name: &str) {
        // `remove` hands back the removed values; they are dropped here.
        let _removed = self.0.remove(name);
    }

    fn insert_header(&mut self, name: http::HeaderName, value: http::HeaderValue) {
        match convert(&name, &value) {
            Some((name, value)) => {
                let _replaced = self.0.insert(name, value);
            }
            None => tracing::error!(
                header = name.as_str(),
                "organizr-auth-actix: a header from organizr-auth-core is not valid for actix-web; it was left out"
            ),
        }
    }
}

/// Converts an `http` 1 header pair into actix-web's (`http` 0.2) types. Both
/// versions accept the same bytes, so this fails only on a bug.
pub(crate) fn convert(
    name: &http::HeaderName,
    value: &http::HeaderValue,
) -> Option<(HeaderName, HeaderValue)> {
    let name = HeaderName::from_bytes(name.as_str().as_bytes()).ok()?;
    let mut converted = HeaderValue::from_bytes(value.as_bytes()).ok()?;
    converted.set_sensitive(value.is_sensitive());
    Some((name, converted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (n, v) in pairs {
            map.append(HeaderName::from_static(n), HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn reads_every_value_in_order_and_each_name_once() {
        let map = map(&[("cookie", "a=1"), ("remote_user", "x"), ("cookie", "b=2")]);
        let headers = ActixHeaders(&map);
        let values: Vec<&[u8]> = headers.header_values("cookie").collect();
        assert_eq!(values, [&b"a=1"[..], b"b=2"]);
        let mut names: Vec<&str> = headers.header_names().collect();
        names.sort_unstable();
        assert_eq!(names, ["cookie", "remote_user"]);
        assert_eq!(headers.header_values("not a name").count(), 0);
        assert_eq!(headers.header_values("absent").count(), 0);
    }

    #[test]
    fn removes_every_value_and_replaces_on_insert() {
        let mut map = map(&[
            ("remote-user", "a"),
            ("remote-user", "b"),
            ("x-organizr-user", "old"),
        ]);
        let mut headers = ActixHeadersMut(&mut map);
        headers.remove_header("remote-user");
        assert_eq!(headers.header_values("remote-user").count(), 0);
        headers.insert_header(
            http::HeaderName::from_static("x-organizr-user"),
            http::HeaderValue::from_static("alice"),
        );
        let values: Vec<&[u8]> = headers.header_values("x-organizr-user").collect();
        assert_eq!(values, [&b"alice"[..]]);
    }

    #[test]
    fn conversion_keeps_bytes_and_sensitivity() {
        let mut value = http::HeaderValue::from_static("Bearer realm=\"Organizr\"");
        value.set_sensitive(true);
        let converted = convert(&http::header::WWW_AUTHENTICATE, &value);
        assert!(
            converted
                .as_ref()
                .is_some_and(|(n, v)| n.as_str() == "www-authenticate"
                    && v.as_bytes() == value.as_bytes()
                    && v.is_sensitive())
        );
    }
}
