//! The identity a trusted reverse proxy states in its headers.
//!
//! # Security
//! These rules only ever run for requests whose socket peer is in the
//! [`TrustedProxies`](super::TrustedProxies) list; for everyone else the headers
//! are removed before the application sees them. Even from a trusted proxy a
//! header is refused when it appears more than once: a proxy that *appends* its
//! value instead of replacing the client's leaves the client's copy first, and
//! "take the first" would hand the client any identity it likes.

use crate::GroupLevel;
use crate::claims::is_clean_text;
use crate::steps::charge;
use crate::text::is_visible_text;

/// Why a proxy identity header was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyHeaderError {
    /// The header appeared more than once.
    #[error("identity header appears more than once")]
    Repeated,
    /// The value was not UTF-8, had invisible characters (controls, format
    /// characters such as U+200B, spaces other than the ASCII space) or
    /// commas, or (for a group header) was not an integer from 0 to 999.
    #[error("identity header value is not acceptable")]
    InvalidValue,
    /// A group header is configured, and the proxy sent a user without it.
    #[error("group header is missing")]
    MissingGroup,
    /// The user is in no mapped group, and users in none are refused.
    #[error("the user is in no mapped group")]
    NoMappedGroup,
}

/// The username in a proxy's user header, from all of the header's values.
///
/// Absent, empty or all-space means "no proxy identity" (`Ok(None)`). Otherwise
/// the header must appear once, and its value, with surrounding spaces trimmed,
/// must be UTF-8 visible text (no control or format characters, no space but
/// the ASCII one: see [`crate::text`]) and have no commas (a comma is how
/// repeated headers are joined, so it cannot be told apart from two values),
/// and not a whole `{...}`: an unexpanded proxy placeholder such as Caddy's
/// `{http.reverse_proxy.header.Remote-User}`.
pub(crate) fn parse_user_header<'a>(
    values: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Option<&'a str>, ProxyHeaderError> {
    let Some(text) = trimmed_text(values)? else {
        return Ok(None);
    };
    if !is_visible_text(text) || text.contains(',') || is_placeholder(text) {
        return Err(ProxyHeaderError::InvalidValue);
    }
    Ok(Some(text))
}

/// The header's single value as UTF-8 text, spaces and tabs trimmed; `None`
/// when absent, empty or all-space. UTF-8 validation, trimming and the
/// caller's character checks each read the value once.
fn trimmed_text<'a>(
    values: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Option<&'a str>, ProxyHeaderError> {
    let Some(value) = single(values)? else {
        return Ok(None);
    };
    charge(value.len());
    let text = std::str::from_utf8(value).map_err(|_| ProxyHeaderError::InvalidValue)?;
    let text = text.trim_matches(|c| c == ' ' || c == '\t');
    Ok((!text.is_empty()).then_some(text))
}

/// A whole `{...}` value is a proxy's unexpanded placeholder, not a name: Caddy
/// before 2.9 writes `{http.reverse_proxy.header.Remote-User}` literally when
/// `copy_headers` finds no such header in the auth response (caddy#6610).
fn is_placeholder(text: &str) -> bool {
    text.starts_with('{') && text.ends_with('}')
}

/// The level in a proxy's group header: once, an integer from 0 to 999
/// (surrounding spaces trimmed). Absent is `Ok(None)`.
pub(crate) fn parse_group_header<'a>(
    values: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Option<GroupLevel>, ProxyHeaderError> {
    let Some(value) = single(values)? else {
        return Ok(None);
    };
    charge(value.len());
    let value = value.trim_ascii();
    GroupLevel::parse_digits(value)
        .map(Some)
        .map_err(|_| ProxyHeaderError::InvalidValue)
}

/// The group names in a proxy's groups header: once, UTF-8 without control
/// characters, surrounding spaces trimmed. Absent or empty is `Ok(None)` (no
/// groups). The names themselves are split by
/// [`split_groups`](crate::proxy::split_groups).
pub(crate) fn parse_groups_header<'a>(
    values: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Option<&'a str>, ProxyHeaderError> {
    // Splitting and mapping the names read the value once more.
    let Some(text) = trimmed_text(values)? else {
        return Ok(None);
    };
    if !is_clean_text(text) || is_placeholder(text) {
        return Err(ProxyHeaderError::InvalidValue);
    }
    Ok(Some(text))
}

fn single<'a>(
    values: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Option<&'a [u8]>, ProxyHeaderError> {
    let mut values = values.into_iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(ProxyHeaderError::Repeated);
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn user_header_table() {
        use ProxyHeaderError::*;
        type Want = Result<Option<&'static str>, ProxyHeaderError>;
        let cases: &[(&[&[u8]], Want)] = &[
            (&[], Ok(None)),
            (&[b""], Ok(None)),
            (&[b"   "], Ok(None)),
            (&[b"alice"], Ok(Some("alice"))),
            (&[b" alice\t"], Ok(Some("alice"))),
            (&[b"j\xc3\xa9r\xc3\xb4me"], Ok(Some("jérôme"))),
            (&[b"alice smith"], Ok(Some("alice smith"))),
            (&[b"alice", b"admin"], Err(Repeated)),
            (&[b"", b"admin"], Err(Repeated)),
            (&[b"admin, alice"], Err(InvalidValue)),
            (&[b"ad\x00min"], Err(InvalidValue)),
            (&[b"ad\x7fmin"], Err(InvalidValue)),
            (&[b"ad\nmin"], Err(InvalidValue)),
            (&[b"\xff\xfe"], Err(InvalidValue)),
            (&[b"a\xc2\x85b"], Err(InvalidValue)), // U+0085, a C1 control
            // Regression, issue 15 finding 7: invisible characters.
            (&["admin\u{200b}".as_bytes()], Err(InvalidValue)),
            (&["admin\u{a0}".as_bytes()], Err(InvalidValue)),
            (&["\u{feff}admin".as_bytes()], Err(InvalidValue)),
            (&["\u{202e}nimda".as_bytes()], Err(InvalidValue)),
            (&["ad\u{2063}min".as_bytes()], Err(InvalidValue)),
            (&["admin\u{3000}".as_bytes()], Err(InvalidValue)),
            (&["admin\u{2009}".as_bytes()], Err(InvalidValue)),
            (&["admin\u{ad}".as_bytes()], Err(InvalidValue)),
            (
                &["\u{5c71}\u{7530}".as_bytes()],
                Ok(Some("\u{5c71}\u{7530}")),
            ),
            // Regression: Caddy < 2.9 writes unexpanded placeholders (caddy#6610).
            (
                &[b"{http.reverse_proxy.header.Remote-User}"],
                Err(InvalidValue),
            ),
            (&[b"{}"], Err(InvalidValue)),
            (&[b"{alice"], Ok(Some("{alice"))),
        ];
        for (values, want) in cases {
            assert_eq!(
                &parse_user_header(values.iter().copied()),
                want,
                "{values:?}"
            );
        }
    }

    #[test]
    fn group_header_table() {
        let ok: &[(&[u8], u16)] = &[(b"0", 0), (b" 4 ", 4), (b"999", 999)];
        for (v, want) in ok {
            assert_eq!(parse_group_header([*v]).unwrap().unwrap().get(), *want);
        }
        for bad in [&b"1000"[..], b"-1", b"1.5", b"0x1", b"", b"Admin"] {
            assert_eq!(
                parse_group_header([bad]),
                Err(ProxyHeaderError::InvalidValue),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_group_header([&b"1"[..], b"0"]),
            Err(ProxyHeaderError::Repeated)
        );
        assert_eq!(parse_group_header(std::iter::empty()), Ok(None));
    }

    /// Every byte of a proxy's header is read a bounded number of times,
    /// whatever it holds (issue 15 finding 1).
    #[test]
    fn parsing_is_linear() {
        let n = 100_000;
        let values = [
            "a".repeat(n),
            "\u{e9}".repeat(n),
            "\u{200b}".repeat(n),
            format!("{{{}}}", "a".repeat(n)),
            "a,".repeat(n),
            format!("{}a{}", " ".repeat(n), "\t".repeat(n)),
            "9".repeat(n),
        ];
        for value in &values {
            let (_, steps) = crate::steps::count(|| {
                let _ = parse_user_header([value.as_bytes()]);
                let _ = parse_group_header([value.as_bytes()]);
            });
            assert!(
                steps <= 2 * value.len(),
                "{steps} steps for {} bytes",
                value.len()
            );
        }
    }

    proptest! {
        #[test]
        fn user_header_never_panics_and_output_is_clean(v in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(Some(name)) = parse_user_header([v.as_slice()]) {
                prop_assert!(!name.is_empty());
                prop_assert!(!name.contains(','));
                prop_assert!(!name.chars().any(char::is_control));
                prop_assert!(crate::text::is_visible_text(name));
                prop_assert_eq!(name, name.trim_matches(|c| c == ' ' || c == '\t'));
            }
        }
    }
}
