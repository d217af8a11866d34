//! Finding Organizr credentials in a request: the token cookie, an
//! `Authorization: Bearer` token, and Organizr's API key.
//!
//! This module only *finds*; the [`Authenticator`](crate::Authenticator) decides.
//!
//! # Security
//! Organizr writes its cookie twice (once for the parent domain, once for the
//! host), so a browser can send the same name twice, one copy stale. Every copy is
//! returned; the authenticator ignores copies that do not validate and refuses the
//! request when two valid copies name different users. The number of copies is
//! capped ([`MAX_TOKEN_CANDIDATES`](crate::resolve::MAX_TOKEN_CANDIDATES)) so that a request stuffed with cookies cannot
//! buy unbounded HMAC work.

use crate::HeaderAccess;

/// The name of Organizr's session cookie for the instance with this `uuid`:
/// `organizr_token_<uuid>`, or `organizr_token_temp` when the uuid is empty.
pub(crate) fn cookie_name(uuid: &str) -> String {
    if uuid.is_empty() {
        "organizr_token_temp".to_owned()
    } else {
        format!("organizr_token_{uuid}")
    }
}

/// The search for one cookie name, built once (building it per request cost
/// more than the search).
#[derive(Debug, Clone)]
pub(crate) struct CookieFinder(memchr::memmem::Finder<'static>);

impl CookieFinder {
    pub(crate) fn new(name: &str) -> Self {
        Self(memchr::memmem::Finder::new(name.as_bytes()).into_owned())
    }
}

/// [`find_cookie_values`] for a name given as text (tests).
#[cfg(test)]
pub(crate) fn cookie_values<'a>(
    headers: &'a impl HeaderAccess,
    name: &str,
) -> impl Iterator<Item = &'a str> + 'a {
    let finder = CookieFinder::new(name);
    find_cookie_values(headers, &finder)
        .collect::<Vec<_>>()
        .into_iter()
}

/// The values of every cookie with the finder's name, across all `Cookie` header
/// lines, in order. Values that are not UTF-8 are skipped (no Organizr token
/// is); a value in double quotes is unquoted (RFC 6265 allows it).
pub(crate) fn find_cookie_values<'h, 'f>(
    headers: &'h impl HeaderAccess,
    finder: &'f CookieFinder,
) -> impl Iterator<Item = &'h str> {
    headers
        .header_values("cookie")
        .flat_map(move |line| CookieMatches {
            line,
            finder: &finder.0,
            pos: 0,
        })
}

/// The values of one cookie name in one `Cookie` line.
///
/// Browsers send many cookies in one line (840 bytes is common); rather than
/// split every pair, this jumps with a SIMD substring search to each place the
/// name occurs and checks that it really is a pair's name: only whitespace
/// since the previous `;`, then optional whitespace and `=`. The result is the
/// same as splitting on `;`, trimming, and comparing the part before the first
/// `=` (the tests hold it to that).
///
/// Linear in the line: after an occurrence, whether it named the pair or not,
/// the search resumes after the pair's `;` (no later occurrence in the same
/// pair can be its name), so every byte is looked at a bounded number of
/// times. (Looking back to the previous `;` from each occurrence, as this
/// once did, made a line of repeated names quadratic: 1.5 s for 256 KB.)
struct CookieMatches<'h, 'f> {
    line: &'h [u8],
    finder: &'f memchr::memmem::Finder<'static>,
    /// Where the search resumes; always the start of a pair (0, or just after
    /// a `;`).
    pos: usize,
}

impl<'h> Iterator for CookieMatches<'h, '_> {
    type Item = &'h str;

    fn next(&mut self) -> Option<&'h str> {
        let name_len = self.finder.needle().len();
        if name_len == 0 {
            return None;
        }
        loop {
            let rest = self.line.get(self.pos..)?;
            let at = self.pos + self.finder.find(rest)?;
            // The pair the occurrence is in: from after the last `;` before
            // it (searched from `pos` only) to the next `;` after it.
            let pair_start = memchr::memrchr(b';', self.line.get(self.pos..at)?)
                .map_or(self.pos, |i| self.pos + i + 1);
            let after = self.line.get(at + name_len..)?;
            let pair_end =
                memchr::memchr(b';', after).map_or(self.line.len(), |i| at + name_len + i);
            self.pos = pair_end + 1;
            if !self
                .line
                .get(pair_start..at)?
                .iter()
                .all(u8::is_ascii_whitespace)
            {
                continue;
            }
            let after = self.line.get(at + name_len..pair_end)?;
            let Some(eq) = memchr::memchr(b'=', after) else {
                continue;
            };
            if !after.get(..eq)?.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let value = after.get(eq + 1..)?.trim_ascii();
            let value = value
                .strip_prefix(b"\"")
                .and_then(|v| v.strip_suffix(b"\""))
                .unwrap_or(value);
            if let Ok(value) = std::str::from_utf8(value) {
                return Some(value);
            }
        }
    }
}

/// Tokens in `Authorization: Bearer <token>` headers (scheme case-insensitive).
/// Other schemes are ignored.
pub(crate) fn bearer_tokens(headers: &impl HeaderAccess) -> impl Iterator<Item = &str> {
    headers.header_values("authorization").filter_map(|value| {
        let scheme = value.get(..7)?;
        if !scheme.eq_ignore_ascii_case(b"bearer ") {
            return None;
        }
        let token = value.get(7..)?.trim_ascii();
        std::str::from_utf8(token).ok().filter(|t| !t.is_empty())
    })
}

/// The API keys a request presents: every `Token` header value, and, when
/// `query` is given, every `apikey` parameter of the query string
/// (percent-decoded). Empty values are not keys.
pub(crate) fn api_keys<'a>(
    headers: &'a impl HeaderAccess,
    query: Option<&'a str>,
) -> impl Iterator<Item = std::borrow::Cow<'a, [u8]>> + 'a {
    let from_headers = headers
        .header_values("token")
        .map(<[u8]>::trim_ascii)
        .map(std::borrow::Cow::Borrowed);
    let from_query = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == "apikey").then(|| percent_decode(value.as_bytes()))
        });
    from_headers.chain(from_query).filter(|k| !k.is_empty())
}

/// Decodes `%XX` escapes and `+` (a space in query strings). A `%` not followed by
/// two hex digits is kept as it is.
pub(crate) fn percent_decode(input: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if !input.iter().any(|&b| b == b'%' || b == b'+') {
        return std::borrow::Cow::Borrowed(input);
    }
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(input.len());
    let mut rest = input;
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        match b {
            b'+' => out.push(b' '),
            b'%' => match (
                tail.first().and_then(|&h| hex(h)),
                tail.get(1).and_then(|&l| hex(l)),
            ) {
                (Some(h), Some(l)) => {
                    // Two hex digits make a value below 256.
                    out.push((h * 16 + l) as u8);
                    rest = tail.get(2..).unwrap_or_default();
                }
                _ => out.push(b'%'),
            },
            _ => out.push(b),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;
    use proptest::prelude::*;

    fn map(lines: &[(&str, &[u8])]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (n, v) in lines {
            h.append(
                http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                http::HeaderValue::from_bytes(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn cookie_table() {
        let name = "organizr_token_u";
        type Lines<'a> = &'a [(&'a str, &'a [u8])];
        let cases: &[(Lines<'_>, &[&str])] = &[
            (&[], &[]),
            (&[("cookie", b"organizr_token_u=t1")], &["t1"]),
            (&[("cookie", b"a=1;organizr_token_u=t1;b=2")], &["t1"]),
            (
                &[("cookie", b" a=1 ;  organizr_token_u = t1 ; b=2")],
                &["t1"],
            ),
            (
                &[("cookie", b"a=1"), ("cookie", b"organizr_token_u=t2")],
                &["t2"],
            ),
            (
                &[("cookie", b"organizr_token_u=t1; organizr_token_u=t2")],
                &["t1", "t2"],
            ),
            (
                &[("cookie", b"organizr_token_uu=t1; xorganizr_token_u=t2")],
                &[],
            ),
            (&[("cookie", b"organizr_token_u")], &[]),
            (&[("cookie", b"organizr_token_u=")], &[""]),
            (&[("cookie", b"organizr_token_u=\"q\"")], &["q"]),
            (&[("cookie", b"organizr_token_u=\xff")], &[]),
            (&[("cookie", b"Organizr_Token_U=t1")], &[]),
            (&[("x-cookie", b"organizr_token_u=t1")], &[]),
        ];
        for (lines, want) in cases {
            let h = map(lines);
            let got: Vec<&str> = cookie_values(&h, name).collect();
            assert_eq!(&got, want, "{lines:?}");
        }
    }

    /// Lines an attacker would write to make the scan look back or ahead from
    /// every occurrence (quadratic before: 1.5 s for 256 KB in release). The
    /// answers are checked; a quadratic scan would make this test take
    /// minutes instead of milliseconds.
    #[test]
    fn hostile_lines_of_repeated_names() {
        let name = "organizr_token_u";
        for (piece, want) in [
            ("organizr_token_u", 0),
            ("organizr_token_u ", 0),
            (" organizr_token_u", 0),
            ("xorganizr_token_u=1;", 0),
            ("organizr_token_u=organizr_token_u", 1),
            ("organizr_token_u=1;", 16_384),
        ] {
            let h = map(&[("cookie", piece.repeat(16_384).as_bytes())]);
            assert_eq!(cookie_values(&h, name).count(), want, "{piece:?}");
        }
    }

    #[test]
    fn bearer_table() {
        let cases: &[(&[u8], Option<&str>)] = &[
            (b"Bearer abc", Some("abc")),
            (b"BEARER  abc ", Some("abc")),
            (b"Bearer ", None),
            (b"Bearer", None),
            (b"Basic abc", None),
            (b"Bearerabc", None),
        ];
        for (v, want) in cases {
            let h = map(&[("authorization", v)]);
            assert_eq!(bearer_tokens(&h).next(), *want, "{v:?}");
        }
    }

    #[test]
    fn api_key_sources() {
        let h = map(&[("token", b" k1 ")]);
        let got: Vec<_> = api_keys(&h, None).collect();
        assert_eq!(got, [&b"k1"[..]]);
        // The query is read only when the caller passes it.
        let got: Vec<_> = api_keys(&h, Some("apikey=k2&apikey=&apikeyx=k3")).collect();
        assert_eq!(got, [&b"k1"[..], b"k2"]);
        assert_eq!(percent_decode(b"a%2Bb+c%zz%4"), &b"a+b c%zz%4"[..]);
    }

    proptest! {
        #[test]
        fn cookie_parser_never_panics(v in proptest::collection::vec(any::<u8>(), 0..256)) {
            if let Ok(value) = http::HeaderValue::from_bytes(&v) {
                let mut h = HeaderMap::new();
                h.append("cookie", value);
                for found in cookie_values(&h, "organizr_token_u") {
                    prop_assert!(!found.contains(';'));
                }
            }
        }

        /// The fast scan gives exactly what splitting every pair gives.
        #[test]
        fn fast_scan_equals_splitting_every_pair(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("organizr_token_u".to_owned()),
                    Just("organizr_token_uu".to_owned()),
                    Just("xorganizr_token_u".to_owned()),
                    "[ =;\"a-c\t]{0,4}",
                ],
                0..12,
            )
        ) {
            let line = parts.concat();
            if let Ok(value) = http::HeaderValue::from_str(&line) {
                let mut h = HeaderMap::new();
                h.append("cookie", value);
                let fast: Vec<&str> = cookie_values(&h, "organizr_token_u").collect();
                let slow: Vec<&str> = line
                    .split(';')
                    .filter_map(|pair| {
                        let (key, value) = pair.trim_ascii().split_once('=')?;
                        (key.trim_ascii() == "organizr_token_u").then_some(())?;
                        let value = value.trim_ascii();
                        Some(value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value))
                    })
                    .collect();
                prop_assert_eq!(fast, slow, "line {:?}", line);
            }
        }

        #[test]
        fn query_parser_never_panics(q in "\\PC{0,64}") {
            let h = HeaderMap::new();
            for key in api_keys(&h, Some(&q)) {
                prop_assert!(!key.is_empty());
            }
        }
    }
}
