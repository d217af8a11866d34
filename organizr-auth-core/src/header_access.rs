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

/// Whether `candidate` names the same header as `name` once case and `_` versus
/// `-` are ignored (`Remote_User` vs `remote-user`): some servers and CGI-style
/// stacks fold them together, so a spoofed copy may arrive under either spelling.
#[inline] // Called for every (header, protected name) pair; mostly a length check.
pub(crate) fn same_header_name(candidate: &str, name: &str) -> bool {
    candidate.len() == name.len()
        && candidate.bytes().zip(name.bytes()).all(|(a, b)| {
            let fold = |c: u8| {
                if c == b'_' {
                    b'-'
                } else {
                    c.to_ascii_lowercase()
                }
            };
            fold(a) == fold(b)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_fold_case_and_underscore() {
        assert!(same_header_name("remote_user", "remote-user"));
        assert!(same_header_name("Remote-User", "remote-user"));
        assert!(same_header_name("REMOTE_USER", "remote-user"));
        assert!(!same_header_name("remote-users", "remote-user"));
        assert!(!same_header_name("remoteuser", "remote-user"));
    }
}
