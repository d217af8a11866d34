//! What counts as visible text in an identity: the rule a username or e-mail
//! address must pass before the library accepts it from a proxy or a token,
//! and every identity header value before the library writes it.
//!
//! Visible text is non-empty and holds none of:
//! - control characters (general category Cc: C0, DEL, C1), which can end a
//!   header or forge a log line;
//! - format characters (general category Cf: zero-width space and joiners,
//!   bidirectional controls such as U+202E, the byte-order mark U+FEFF, the
//!   soft hyphen, tag characters...), the table [`FORMAT`] below, from
//!   Unicode 16.0.0's `DerivedGeneralCategory.txt`;
//! - whitespace other than the ASCII space (Unicode's `White_Space`
//!   property, as [`char::is_whitespace`] has it: U+00A0, U+1680,
//!   U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000; the ASCII
//!   whitespace controls are controls already). `alice smith` is fine.
//!
//! No dependency: the Cf table is 21 ranges, checked against `regex-syntax`'s
//! Unicode tables in the tests, and whitespace is the standard library's.
//!
//! # Security
//! Invisible characters let one name pass for another. `admin\u{200B}`
//! prints as `admin`; `admin\u{00A0}` *becomes* `admin` in any application
//! that trims Unicode whitespace (Rust's `str::trim`, Python's `str.strip`,
//! Go's `strings.TrimSpace`) or normalises with NFKC; U+202E turns the rest of
//! a log line around. Organizr itself only trims ASCII whitespace from new
//! usernames, so a user can register such a name, and a proxy passes on
//! whatever its identity provider says. A library that writes the name into
//! `Remote-User` must not be the one that hands it to an application that
//! will strip the difference.

use std::cmp::Ordering;

/// Whether `s` is visible text (see the [module documentation](self)).
pub(crate) fn is_visible_text(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_visible_char)
}

/// Whether `c` may appear in visible text.
#[inline]
fn is_visible_char(c: char) -> bool {
    if c.is_ascii() {
        // Every printable ASCII character, the space included.
        return !c.is_ascii_control();
    }
    !(c.is_control() || c.is_whitespace() || is_format(c))
}

/// Whether `c` is a format character (general category Cf).
pub(crate) fn is_format(c: char) -> bool {
    FORMAT
        .binary_search_by(|&(first, last)| {
            if last < c {
                Ordering::Less
            } else if first > c {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        })
        .is_ok()
}

/// General category Cf, Unicode 16.0.0 (`DerivedGeneralCategory.txt`, 170
/// code points): sorted, disjoint, inclusive ranges.
const FORMAT: [(char, char); 21] = [
    ('\u{00AD}', '\u{00AD}'),   // soft hyphen
    ('\u{0600}', '\u{0605}'),   // Arabic number signs
    ('\u{061C}', '\u{061C}'),   // Arabic letter mark
    ('\u{06DD}', '\u{06DD}'),   // Arabic end of ayah
    ('\u{070F}', '\u{070F}'),   // Syriac abbreviation mark
    ('\u{0890}', '\u{0891}'),   // Arabic pound and piastre marks above
    ('\u{08E2}', '\u{08E2}'),   // Arabic disputed end of ayah
    ('\u{180E}', '\u{180E}'),   // Mongolian vowel separator
    ('\u{200B}', '\u{200F}'),   // zero-width space, ZWNJ, ZWJ, LRM, RLM
    ('\u{202A}', '\u{202E}'),   // bidi embeddings and overrides
    ('\u{2060}', '\u{2064}'),   // word joiner, invisible operators
    ('\u{2066}', '\u{206F}'),   // bidi isolates, deprecated format characters
    ('\u{FEFF}', '\u{FEFF}'),   // zero-width no-break space (BOM)
    ('\u{FFF9}', '\u{FFFB}'),   // interlinear annotation
    ('\u{110BD}', '\u{110BD}'), // Kaithi number sign
    ('\u{110CD}', '\u{110CD}'), // Kaithi number sign above
    ('\u{13430}', '\u{1343F}'), // Egyptian hieroglyph format controls
    ('\u{1BCA0}', '\u{1BCA3}'), // shorthand format controls
    ('\u{1D173}', '\u{1D17A}'), // musical symbol beam and phrase controls
    ('\u{E0001}', '\u{E0001}'), // language tag
    ('\u{E0020}', '\u{E007F}'), // tag characters
];

/// Characters visible text must not hold, one of each kind and every one
/// named in the issue: for the tests here and of every place that applies
/// the rule.
#[cfg(test)]
pub(crate) const INVISIBLE: [char; 71] = [
    // format (Cf)
    '\u{00AD}',
    '\u{0600}',
    '\u{061C}',
    '\u{06DD}',
    '\u{070F}',
    '\u{0890}',
    '\u{08E2}',
    '\u{180E}',
    '\u{200B}',
    '\u{200C}',
    '\u{200D}',
    '\u{200E}',
    '\u{200F}',
    '\u{202A}',
    '\u{202B}',
    '\u{202C}',
    '\u{202D}',
    '\u{202E}',
    '\u{2060}',
    '\u{2061}',
    '\u{2062}',
    '\u{2063}',
    '\u{2064}',
    '\u{2066}',
    '\u{2067}',
    '\u{2068}',
    '\u{2069}',
    '\u{206A}',
    '\u{206F}',
    '\u{FEFF}',
    '\u{FFF9}',
    '\u{FFFB}',
    '\u{110BD}',
    '\u{110CD}',
    '\u{13430}',
    '\u{1343F}',
    '\u{1BCA0}',
    '\u{1BCA3}',
    '\u{1D173}',
    '\u{1D17A}',
    '\u{E0001}',
    '\u{E0020}',
    '\u{E0041}',
    '\u{E007F}',
    // whitespace other than the ASCII space
    '\u{00A0}',
    '\u{1680}',
    '\u{2000}',
    '\u{2001}',
    '\u{2002}',
    '\u{2003}',
    '\u{2004}',
    '\u{2005}',
    '\u{2006}',
    '\u{2007}',
    '\u{2008}',
    '\u{2009}',
    '\u{200A}',
    '\u{2028}',
    '\u{2029}',
    '\u{202F}',
    '\u{205F}',
    '\u{3000}',
    // controls (Cc)
    '\u{0000}',
    '\u{0009}',
    '\u{000A}',
    '\u{000D}',
    '\u{001F}',
    '\u{007F}',
    '\u{0080}',
    '\u{0085}',
    '\u{009F}',
];

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Every character the rule exists for, one by one (issue 15 finding 7).
    #[test]
    fn invisible_characters_are_refused_one_by_one() {
        for c in INVISIBLE {
            for text in [
                c.to_string(),
                format!("admin{c}"),
                format!("{c}admin"),
                format!("ad{c}min"),
            ] {
                assert!(
                    !is_visible_text(&text),
                    "U+{:04X} in {text:?}",
                    u32::from(c)
                );
            }
        }
    }

    #[test]
    fn visible_names_pass() {
        for name in [
            "alice",
            "alice smith",
            "Jérôme",
            "山田太郎",
            "Ærøskøbing",
            "o'brien-2",
            "user@example.org",
            "\u{05D0}\u{05D1}", // Hebrew letters: right-to-left, but letters
            "e\u{0301}",        // a combining accent (Mn), not a format character
            "\u{1F600}",        // an emoji
            "{alice}",          // the placeholder rule is the proxy parser's
        ] {
            assert!(is_visible_text(name), "{name:?}");
        }
        assert!(!is_visible_text(""));
    }

    /// The table is sorted and disjoint, and is exactly Unicode 16.0.0's Cf
    /// as `regex-syntax` (generated from the Unicode Character Database) has
    /// it; whitespace is exactly `White_Space` there.
    #[test]
    fn tables_match_the_unicode_character_database() {
        for pair in FORMAT.windows(2) {
            let [(_, last), (next, _)] = [pair[0], pair[1]];
            assert!(last < next, "{pair:?}");
        }
        let class = |pattern: &str| -> Vec<(char, char)> {
            match regex_syntax::Parser::new()
                .parse(pattern)
                .unwrap()
                .into_kind()
            {
                regex_syntax::hir::HirKind::Class(regex_syntax::hir::Class::Unicode(class)) => {
                    class
                        .ranges()
                        .iter()
                        .map(|r| (r.start(), r.end()))
                        .collect()
                }
                other => panic!("{pattern}: {other:?}"),
            }
        };
        assert_eq!(class(r"\p{Cf}"), FORMAT);
        let white: Vec<(char, char)> = class(r"\p{White_Space}");
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let in_class = white.iter().any(|&(a, b)| a <= c && c <= b);
            assert_eq!(c.is_whitespace(), in_class, "U+{:04X}", u32::from(c));
            let cf = class_contains(&FORMAT, c);
            assert_eq!(is_format(c), cf, "U+{:04X}", u32::from(c));
        }
        assert_eq!(
            (0..=0x10FFFF)
                .filter_map(char::from_u32)
                .filter(|&c| is_format(c))
                .count(),
            170
        );
    }

    fn class_contains(ranges: &[(char, char)], c: char) -> bool {
        ranges.iter().any(|&(a, b)| a <= c && c <= b)
    }
}
