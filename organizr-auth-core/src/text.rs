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
//!   property: U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F,
//!   U+205F, U+3000; the ASCII whitespace controls are controls already).
//!   `alice smith` is fine.
//!
//! No dependency: the tables are 30 ranges, checked against `regex-syntax`'s
//! Unicode tables and the standard library in the tests, and compiled into a
//! small bitmap so that every character costs one lookup.
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

/// Whether `c` may appear in visible text: one branch for ASCII, a bitmap
/// for the rest of the Basic Multilingual Plane, a binary search above it.
#[inline]
fn is_visible_char(c: char) -> bool {
    let cp = u32::from(c);
    if cp < 0x80 {
        // Every printable ASCII character, the space included.
        return cp >= 0x20 && cp != 0x7f;
    }
    if cp < 0x1_0000 {
        return !REFUSED_BMP.contains(cp);
    }
    // Above the BMP there are format characters, but no controls or spaces.
    !is_format(c)
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

/// Unicode's `White_Space` characters outside ASCII (unchanged since Unicode
/// 6.3; `char::is_whitespace` agrees, the tests check it).
const NON_ASCII_SPACES: [(char, char); 8] = [
    ('\u{0085}', '\u{0085}'), // next line (a C1 control too)
    ('\u{00A0}', '\u{00A0}'), // no-break space
    ('\u{1680}', '\u{1680}'), // Ogham space mark
    ('\u{2000}', '\u{200A}'), // en quad .. hair space
    ('\u{2028}', '\u{2029}'), // line and paragraph separators
    ('\u{202F}', '\u{202F}'), // narrow no-break space
    ('\u{205F}', '\u{205F}'), // medium mathematical space
    ('\u{3000}', '\u{3000}'), // ideographic space
];

/// The C1 controls (general category Cc outside ASCII).
const C1_CONTROLS: [(char, char); 1] = [('\u{0080}', '\u{009F}')];

/// The refused characters of the Basic Multilingual Plane, as a bitmap built
/// from the three lists above when the crate is compiled: 256 blocks of 256
/// characters, each block pointing to one of a few 256-bit leaves (leaf 0 is
/// "nothing refused"). About 600 bytes; one lookup per character, so that a
/// long name costs about the same whatever script it is written in.
struct Bitmap {
    blocks: [u8; 256],
    leaves: [[u64; 4]; LEAVES],
}

/// Leaf 0 and the ten blocks holding refused characters.
const LEAVES: usize = 11;

impl Bitmap {
    const fn build() -> Self {
        let mut map = Bitmap {
            blocks: [0; 256],
            leaves: [[0; 4]; LEAVES],
        };
        let mut used = 1;
        used = map.mark(&FORMAT, used);
        used = map.mark(&NON_ASCII_SPACES, used);
        used = map.mark(&C1_CONTROLS, used);
        // Fails the build, not a request, if a table grows out of the leaves.
        assert!(used == LEAVES);
        map
    }

    // Only ever evaluated while compiling (`REFUSED_BMP` is a static): an index
    // out of range fails the build, never a request.
    #[allow(clippy::indexing_slicing)]
    const fn mark(&mut self, ranges: &[(char, char)], mut used: usize) -> usize {
        let mut r = 0;
        while r < ranges.len() {
            let (first, last) = ranges[r];
            let mut cp = first as u32;
            while cp <= last as u32 && cp < 0x1_0000 {
                let block = (cp >> 8) as usize;
                if self.blocks[block] == 0 {
                    self.blocks[block] = used as u8;
                    used += 1;
                }
                let leaf = self.blocks[block] as usize;
                self.leaves[leaf][((cp & 0xff) >> 6) as usize] |= 1 << (cp & 63);
                cp += 1;
            }
            r += 1;
        }
        used
    }

    /// Whether the BMP code point `cp` is refused.
    #[inline]
    fn contains(&self, cp: u32) -> bool {
        let block = self
            .blocks
            .get((cp >> 8) as usize & 0xff)
            .copied()
            .unwrap_or(0);
        self.leaves
            .get(usize::from(block))
            .and_then(|leaf| leaf.get(((cp & 0xff) >> 6) as usize))
            .is_some_and(|bits| bits >> (cp & 63) & 1 == 1)
    }
}

static REFUSED_BMP: Bitmap = Bitmap::build();

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

    /// The tables are sorted and disjoint, and are exactly Unicode 16.0.0's
    /// Cf and non-ASCII `White_Space` as `regex-syntax` (generated from the
    /// Unicode Character Database) has them; and for every character, the
    /// rule is "not Cc, not Cf, not whitespace other than the ASCII space".
    #[test]
    fn tables_match_the_unicode_character_database() {
        for table in [&FORMAT[..], &NON_ASCII_SPACES, &C1_CONTROLS] {
            for pair in table.windows(2) {
                let [(_, last), (next, _)] = [pair[0], pair[1]];
                assert!(last < next, "{pair:?}");
            }
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
        assert_eq!(class(r"[\p{White_Space}&&[^\x00-\x7F]]"), NON_ASCII_SPACES);
        assert_eq!(class(r"[\p{Cc}&&[^\x00-\x7F]]"), C1_CONTROLS);
        let format = class(r"\p{Cf}");
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let cf = class_contains(&format, c);
            assert_eq!(is_format(c), cf, "U+{:04X}", u32::from(c));
            let refused = c.is_control() || (c.is_whitespace() && c != ' ') || cf;
            assert_eq!(is_visible_char(c), !refused, "U+{:04X}", u32::from(c));
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
