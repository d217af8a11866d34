//! The two operations core needs on a request's headers, as a trait, so that the
//! same rules run on `http::HeaderMap` (tower, axum, hyper) and on actix-web's
//! own header map.
//!
//! Header names are passed lower-case, as both maps store them.

use http::{HeaderMap, HeaderName, HeaderValue};

/// Read access to a request's headers.
///
/// Implemented for [`http::HeaderMap`]; the actix adapter implements it for a
/// wrapper around actix-web's map.
///
/// ```
/// use http::HeaderMap;
/// use organizr_auth_core::HeaderAccess;
///
/// let mut headers = HeaderMap::new();
/// headers.append("cookie", "a=1".parse()?);
/// headers.append("cookie", "b=2".parse()?);
/// let values: Vec<&[u8]> = headers.header_values("cookie").collect();
/// assert_eq!(values, [&b"a=1"[..], b"b=2"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait HeaderAccess {
    /// Every value of the header `name` (lower-case), in the order received.
    fn header_values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a [u8]>;
    /// Every distinct header name present, lower-case.
    fn header_names(&self) -> impl Iterator<Item = &str>;
}

/// Write access, for removing spoofable headers and adding verified ones.
///
/// ```
/// use http::{HeaderMap, HeaderName, HeaderValue};
/// use organizr_auth_core::{HeaderAccess, HeaderAccessMut};
///
/// let mut headers = HeaderMap::new();
/// headers.insert("remote-user", HeaderValue::from_static("mallory"));
/// headers.remove_header("remote-user");
/// assert_eq!(headers.header_values("remote-user").count(), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait HeaderAccessMut: HeaderAccess {
    /// Removes every value of the header `name` (lower-case).
    fn remove_header(&mut self, name: &str);
    /// Replaces every value of `name` with `value`.
    fn insert_header(&mut self, name: HeaderName, value: HeaderValue);
}

impl HeaderAccess for HeaderMap {
    fn header_values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a [u8]> {
        self.get_all(name).into_iter().map(HeaderValue::as_bytes)
    }

    fn header_names(&self) -> impl Iterator<Item = &str> {
        self.keys().map(HeaderName::as_str)
    }
}

impl HeaderAccessMut for HeaderMap {
    fn remove_header(&mut self, name: &str) {
        HeaderMap::remove(self, name);
    }

    fn insert_header(&mut self, name: HeaderName, value: HeaderValue) {
        HeaderMap::insert(self, name, value);
    }
}
