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
use crate::steps::charge;
use crate::token::MAX_TOKEN_LEN;

/// The name of Organizr's session cookie for the instance with this `uuid`:
/// `organizr_token_<uuid>`, or `organizr_token_temp` when the uuid is empty.
pub(crate) fn cookie_name(uuid: &str) -> String {
    if uuid.is_empty() {
        "organizr_token_temp".to_owned()
    } else {
        format!("organizr_token_{uuid}")
    }
}

/// Finds the values of one cookie name in `Cookie` lines. Built once per
/// authenticator: preparing the substring search costs more than a typical
/// line's scan, so it is not redone per request.
#[derive(Debug, Clone)]
pub(crate) struct CookieFinder {
    finder: memchr::memmem::Finder<'static>,
    /// Whether a `Cookie` pair can be called this at all (see [`CookieFinder::new`]).
    matchable: bool,
}

impl CookieFinder {
    /// A finder for the cookie `name`. A name that no pair of a `Cookie` line
    /// can carry (empty, with leading or trailing whitespace, with `;` or `=`)
    /// matches nothing, as splitting the line would find nothing. The scan's
    /// linearity relies on that: a name starts with a byte that is neither
    /// whitespace nor `;`, so one pair holds at most one place where the name
    /// can start.
    pub(crate) fn new(name: &str) -> Self {
        let bytes = name.as_bytes();
        let matchable = bytes
            .first()
            .zip(bytes.last())
            .is_some_and(|(first, last)| {
                !first.is_ascii_whitespace() && !last.is_ascii_whitespace()
            })
            && !bytes.contains(&b';')
            && !bytes.contains(&b'=');
        Self {
            finder: memchr::memmem::Finder::new(bytes).into_owned(),
            matchable,
        }
    }
}

/// The most places the session cookie's name may occur in a request's
/// `Cookie` lines, valid pairs or not: as many as the token copies checked
/// ([`MAX_TOKEN_CANDIDATES`](crate::resolve::MAX_TOKEN_CANDIDATES)). A browser
/// sends the name once or twice (Organizr sets it for the host and for the
/// parent domain); a request that repeats it more is built to make the scan
/// stop again and again (each stop costs a full comparison of the name), and
/// is refused, so that the stops cannot add up.
///
/// ```
/// assert_eq!(organizr_auth_core::resolve::MAX_COOKIE_NAME_OCCURRENCES, 8);
/// ```
pub const MAX_NAME_OCCURRENCES: usize = 8;

/// The values of every cookie `finder` looks for, across all `Cookie` header
/// lines, in order. Values that are not UTF-8 are skipped (no Organizr token
/// is); a value in double quotes is unquoted (RFC 6265 allows it). After
/// [`MAX_NAME_OCCURRENCES`] places where the name occurs, the iterator ends
/// and [`CookieValues::overflowed`] says so.
pub(crate) fn cookie_values<'a>(
    headers: &'a impl HeaderAccess,
    finder: &'a CookieFinder,
) -> CookieValues<'a, impl Iterator<Item = &'a [u8]> + 'a> {
    CookieValues {
        lines: headers.header_values("cookie").filter(|_| finder.matchable),
        current: CookieMatches {
            line: &[],
            finder: &finder.finder,
            pos: 0,
            budget: MAX_NAME_OCCURRENCES,
            overflowed: false,
        },
    }
}

/// See [`cookie_values`].
pub(crate) struct CookieValues<'a, L> {
    lines: L,
    /// The line being scanned; its budget is what is left for the request.
    current: CookieMatches<'a>,
}

impl<L> CookieValues<'_, L> {
    /// Whether the name occurred more than [`MAX_NAME_OCCURRENCES`] times:
    /// the request is hostile, and the values seen are not all of them.
    pub(crate) fn overflowed(&self) -> bool {
        self.current.overflowed
    }
}

impl<'a, L: Iterator<Item = &'a [u8]>> Iterator for CookieValues<'a, L> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        loop {
            if let Some(value) = self.current.next() {
                return Some(value);
            }
            if self.current.overflowed {
                return None;
            }
            self.current.line = self.lines.next()?;
            self.current.pos = 0;
        }
    }
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
/// Linear: `pos` is always where a pair starts (the line's start or just after
/// a `;`), and after each occurrence of the name the scan moves on to the next
/// pair. The pair holding an occurrence can hold no other pair name (the
/// occurrence's own first byte stands before anything later in that pair), so
/// nothing is lost; and every byte is examined a bounded number of times: by
/// the search, by the look back to the pair's start (never before `pos`), by
/// the look forward to the `=`, and by the skip to the next `;`.
struct CookieMatches<'a> {
    line: &'a [u8],
    finder: &'a memchr::memmem::Finder<'static>,
    pos: usize,
    /// How many more occurrences of the name may be looked at.
    budget: usize,
    /// The name occurred once more with no budget left.
    overflowed: bool,
}

impl<'a> CookieMatches<'a> {
    /// Moves `pos` to the start of the pair after the one that holds `from`,
    /// and returns where that pair ends (its `;`, or the end of the line).
    fn next_pair(&mut self, from: usize) -> usize {
        let rest = self.line.get(from..).unwrap_or_default();
        let end = match memchr::memchr(b';', rest) {
            Some(semi) => {
                charge(semi + 1);
                from + semi
            }
            None => {
                charge(rest.len());
                self.line.len()
            }
        };
        self.pos = (end + 1).min(self.line.len());
        end
    }
}

impl<'a> Iterator for CookieMatches<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let name_len = self.finder.needle().len();
        loop {
            let rest = self.line.get(self.pos..)?;
            let Some(found) = self.finder.find(rest) else {
                charge(rest.len());
                self.pos = self.line.len();
                return None;
            };
            charge(found + name_len);
            if self.budget == 0 {
                self.overflowed = true;
                self.pos = self.line.len();
                return None;
            }
            self.budget -= 1;
            let at = self.pos + found;
            // The pair holding `at` starts after the last `;` since `pos`.
            let since_pos = self.line.get(self.pos..at)?;
            charge(since_pos.len());
            let pair_start = memchr::memrchr(b';', since_pos).map_or(0, |i| i + 1);
            let before = since_pos.get(pair_start..)?;
            charge(before.len());
            let after = at + name_len;
            if !before.iter().all(u8::is_ascii_whitespace) {
                self.next_pair(after);
                continue;
            }
            // Optional whitespace, then `=`.
            let tail = self.line.get(after..)?;
            let spaces = tail.iter().take_while(|b| b.is_ascii_whitespace()).count();
            charge(spaces + 1);
            if tail.get(spaces) != Some(&b'=') {
                self.next_pair(after + spaces);
                continue;
            }
            let value_start = after + spaces + 1;
            let value_end = self.next_pair(value_start);
            let value = self.line.get(value_start..value_end)?.trim_ascii();
            let value = value
                .strip_prefix(b"\"")
                .and_then(|v| v.strip_suffix(b"\""))
                .unwrap_or(value);
            charge(value.len());
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
        // Trimming and UTF-8 validation each read the line once.
        charge(value.len());
        let scheme = value.get(..7)?;
        if !scheme.eq_ignore_ascii_case(b"bearer ") {
            return None;
        }
        let token = value.get(7..)?;
        // A value too long to be a token with any sensible spacing is handed
        // over untrimmed, for the validator to refuse at once as too large:
        // trimming a long run of spaces would cost more than checking the
        // same bytes of a benign oversized token.
        let token = if token.len() > MAX_TOKEN_LEN + 64 {
            token
        } else {
            token.trim_ascii()
        };
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
        .inspect(|value| charge(value.len()))
        .map(<[u8]>::trim_ascii)
        .map(std::borrow::Cow::Borrowed);
    let from_query = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter_map(|pair| {
            // The split, the search for `=` and the decoding each read the
            // pair once.
            charge(pair.len() + 1);
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
            let finder = CookieFinder::new(name);
            let got: Vec<&str> = cookie_values(&h, &finder).collect();
            assert_eq!(&got, want, "{lines:?}");
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
        // Too long to be a token however it is spaced: handed over whole, for
        // the validator to refuse as too large.
        let long = format!("Bearer {}x", " ".repeat(MAX_TOKEN_LEN + 64));
        let h = map(&[("authorization", long.as_bytes())]);
        assert_eq!(
            bearer_tokens(&h).next().map(str::len),
            Some(MAX_TOKEN_LEN + 65)
        );
        let spaced = format!("Bearer {}x{}", " ".repeat(32), " ".repeat(32));
        let h = map(&[("authorization", spaced.as_bytes())]);
        assert_eq!(bearer_tokens(&h).next(), Some("x"));
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

    /// A name no `Cookie` pair can carry matches nothing, as splitting the
    /// line would find nothing.
    #[test]
    fn names_no_pair_can_carry_match_nothing() {
        let h = map(&[("cookie", b"a;b=1; c =2;organizr_token_u=t")]);
        for name in ["", " b", "b ", "a;b", "b=1", "c =2"] {
            assert_eq!(
                cookie_values(&h, &CookieFinder::new(name)).count(),
                0,
                "{name:?}"
            );
        }
        let finder = CookieFinder::new("organizr_token_u");
        let got: Vec<&str> = cookie_values(&h, &finder).collect();
        assert_eq!(got, ["t"]);
    }

    /// The most bytes a scan may examine per byte of its input.
    const PER_BYTE: usize = 6;

    fn assert_linear(what: &str, len: usize, steps: usize) {
        assert!(
            steps <= PER_BYTE * len + 64,
            "{what}: {steps} steps for {len} bytes"
        );
    }

    /// Regression, issue 15 finding 1: the cookie scan looked back to the
    /// previous `;` (and forward to the next `=`) from every occurrence of the
    /// name, so a line repeating the name with no `;` or `=` cost quadratic
    /// time. Counts the bytes examined on the worst lines known.
    #[test]
    fn cookie_scan_is_linear_on_hostile_lines() {
        let name = "organizr_token_u";
        let finder = CookieFinder::new(name);
        let n = 100_000;
        let lines: Vec<(&str, String)> = vec![
            ("the name repeated, no ; or =", name.repeat(n)),
            (
                "a byte, then the name repeated",
                format!("x{}", name.repeat(n)),
            ),
            (
                "the name and a space repeated",
                format!("{name} ").repeat(n),
            ),
            (
                "an = storm after the name",
                format!("{name}={}", "=".repeat(n)),
            ),
            ("name= repeated", format!("{name}=").repeat(n)),
            ("every pair a match", format!("{name}=v;").repeat(n)),
            ("every pair a near miss", format!("{name}u;").repeat(n)),
            (
                "every pair the name without =",
                format!("{name} ;").repeat(n),
            ),
            ("the name's prefix repeated", "organizr_token_".repeat(n)),
            (
                "a long space run, then names",
                format!(";{}x{}", " ".repeat(n), name.repeat(n)),
            ),
            (
                "the name, then a long space run",
                format!("{name}{}x", " ".repeat(n)),
            ),
            ("an = storm", "=".repeat(n)),
            ("a ; storm", ";".repeat(n)),
            ("a benign line", "theme=dark; ".repeat(n)),
        ];
        // The scan itself, without the cap on occurrences that stops a request
        // from repeating the name, so that the cap hides no rescanning.
        let unbounded = |line: &[u8]| {
            CookieMatches {
                line,
                finder: &finder.finder,
                pos: 0,
                budget: usize::MAX,
                overflowed: false,
            }
            .count()
        };
        for (what, line) in &lines {
            let (_, steps) = crate::steps::count(|| unbounded(line.as_bytes()));
            assert_linear(what, line.len(), steps);
            // And as the resolver sees it.
            let h = map(&[("cookie", line.as_bytes())]);
            let (_, steps) = crate::steps::count(|| cookie_values(&h, &finder).count());
            assert_linear(what, line.len(), steps);
        }
        // The same across many lines.
        let h = map(&[("cookie", name.repeat(100).as_bytes()); 1_000]);
        let (_, steps) = crate::steps::count(|| cookie_values(&h, &finder).count());
        assert_linear("1,000 lines", 1_000 * 100 * name.len(), steps);
    }

    /// More than `MAX_NAME_OCCURRENCES` places where the name occurs, valid
    /// pairs or not, across all lines: the iterator stops and says so.
    #[test]
    fn repeating_the_name_overflows() {
        let name = "organizr_token_u";
        let finder = CookieFinder::new(name);
        let run = |lines: &[String]| {
            let pairs: Vec<(&str, &[u8])> =
                lines.iter().map(|l| ("cookie", l.as_bytes())).collect();
            let h = map(&pairs);
            let mut values = cookie_values(&h, &finder);
            let found = values.by_ref().count();
            (found, values.overflowed())
        };
        let at_cap = vec![format!("{name}=v; ").repeat(MAX_NAME_OCCURRENCES)];
        assert_eq!(run(&at_cap), (MAX_NAME_OCCURRENCES, false));
        let mut over = at_cap.clone();
        over.push(format!("a=1; {name}x"));
        assert_eq!(run(&over), (MAX_NAME_OCCURRENCES, true));
        let mut fine = at_cap;
        fine.push("a=1; b=2".to_owned());
        assert_eq!(run(&fine), (MAX_NAME_OCCURRENCES, false));
        let noise = vec![format!("{name} ;").repeat(MAX_NAME_OCCURRENCES + 1)];
        assert_eq!(run(&noise), (0, true));
        assert_eq!(run(&[format!("{name}=a; {name}=b")]), (2, false));
    }

    #[test]
    fn bearer_and_api_key_scans_are_linear() {
        let n = 100_000;
        let lines = [
            format!("Bearer {}x", " ".repeat(n)),
            "Bearer ".repeat(n),
            format!("Bearer {}", "a".repeat(n)),
            "\t".repeat(n),
        ];
        for line in &lines {
            let h = map(&[
                ("authorization", line.as_bytes()),
                ("token", line.as_bytes()),
            ]);
            let (_, steps) =
                crate::steps::count(|| bearer_tokens(&h).count() + api_keys(&h, None).count());
            assert_linear("authorization and token", 2 * line.len(), steps);
        }
        let queries = [
            "apikey=".repeat(n),
            "&".repeat(n),
            format!("apikey={}", "%".repeat(n)),
            "apikey=%zz&".repeat(n),
            format!("apikey={}", "%41+".repeat(n)),
        ];
        let h = HeaderMap::new();
        for query in &queries {
            let (_, steps) = crate::steps::count(|| api_keys(&h, Some(query)).count());
            assert_linear("apikey query", query.len(), steps);
        }
    }

    proptest! {
        #[test]
        fn cookie_parser_never_panics(v in proptest::collection::vec(any::<u8>(), 0..256)) {
            if let Ok(value) = http::HeaderValue::from_bytes(&v) {
                let mut h = HeaderMap::new();
                h.append("cookie", value);
                for found in cookie_values(&h, &CookieFinder::new("organizr_token_u")) {
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
                let finder = CookieFinder::new("organizr_token_u");
                let fast: Vec<&str> = cookie_values(&h, &finder).collect();
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
