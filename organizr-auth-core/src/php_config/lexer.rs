//! The lexer: bytes of `config.php` to tokens, with positions for errors.

use super::PhpConfigError;

#[derive(Clone, Copy)]
pub(super) struct Pos {
    pub(super) line: usize,
    pub(super) column: usize,
}

pub(super) fn syntax(at: Pos, message: impl Into<String>) -> PhpConfigError {
    let (line, column, message) = (at.line, at.column, message.into());
    PhpConfigError::Syntax {
        path: None,
        line,
        column,
        message,
    }
}

/// A token. Deliberately no `Debug`: strings may be secrets.
#[derive(PartialEq)]
pub(super) enum Tok {
    Str(String),
    Int(String),
    Float,
    Word(String),
    /// One of `( ) [ ] , ;`, or `=` for `=>`, or `?` for `?>`.
    P(u8),
    Eof,
}
pub(super) const ARROW: Tok = Tok::P(b'=');
pub(super) const CLOSE_TAG: Tok = Tok::P(b'?');

pub(super) struct Lexer<'a> {
    pub(super) src: &'a [u8],
    pub(super) pos: usize,
    pub(super) at: Pos,
}

impl Lexer<'_> {
    pub(super) fn peek(&self, ahead: usize) -> Option<u8> {
        self.src.get(self.pos + ahead).copied()
    }

    pub(super) fn starts_with(&self, s: &[u8]) -> bool {
        self.src.get(self.pos..).is_some_and(|r| r.starts_with(s))
    }

    pub(super) fn bump(&mut self) -> Option<u8> {
        let b = self.peek(0)?;
        self.pos += 1;
        if b == b'\n' {
            (self.at.line, self.at.column) = (self.at.line + 1, 1);
        } else if b & 0xC0 != 0x80 {
            self.at.column += 1; // count characters, not UTF-8 continuation bytes
        }
        Some(b)
    }

    pub(super) fn skip(&mut self, n: usize) {
        for _ in 0..n {
            self.bump();
        }
    }

    pub(super) fn eat_while(&mut self, f: impl Fn(u8) -> bool) -> usize {
        let start = self.pos;
        while self.peek(0).is_some_and(&f) {
            self.bump();
        }
        self.pos - start
    }

    pub(super) fn text(&self, start: usize) -> String {
        String::from_utf8_lossy(self.src.get(start..self.pos).unwrap_or_default()).into_owned()
    }

    pub(super) fn skip_trivia(&mut self) -> Result<(), PhpConfigError> {
        loop {
            self.eat_while(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'));
            let at = self.at;
            if self.starts_with(b"#[") {
                return Err(syntax(at, "attributes are not supported"));
            } else if self.starts_with(b"#") || self.starts_with(b"//") {
                // As in PHP, a line comment also ends just before `?>`.
                while !matches!(self.peek(0), None | Some(b'\n' | b'\r'))
                    && !self.starts_with(b"?>")
                {
                    self.bump();
                }
            } else if self.starts_with(b"/*") {
                self.skip(2);
                while !self.starts_with(b"*/") {
                    if self.bump().is_none() {
                        return Err(syntax(at, "unterminated block comment"));
                    }
                }
                self.skip(2);
            } else {
                return Ok(());
            }
        }
    }

    pub(super) fn next(&mut self) -> Result<(Tok, Pos), PhpConfigError> {
        self.skip_trivia()?;
        let at = self.at;
        let tok = match self.peek(0) {
            None => Tok::Eof,
            Some(b @ (b'(' | b')' | b'[' | b']' | b',' | b';')) => {
                self.skip(1);
                Tok::P(b)
            }
            Some(b @ (b'=' | b'?')) if self.peek(1) == Some(b'>') => {
                self.skip(2);
                Tok::P(b)
            }
            Some(b'\'') => Tok::Str(self.single_quoted(at)?),
            Some(b'"') => Tok::Str(self.double_quoted(at)?),
            Some(b'-' | b'0'..=b'9') => self.number(at)?,
            Some(b) if b == b'_' || b.is_ascii_alphabetic() => {
                let start = self.pos;
                self.eat_while(|c| c == b'_' || c.is_ascii_alphanumeric());
                Tok::Word(self.text(start))
            }
            Some(_) if self.starts_with(b"<<<") => {
                return Err(syntax(at, "heredoc and nowdoc strings are not supported"));
            }
            Some(b'$') => return Err(syntax(at, "variables are not supported")),
            Some(_) => {
                return Err(syntax(
                    at,
                    "unexpected character (expressions are not supported)",
                ));
            }
        };
        Ok((tok, at))
    }

    pub(super) fn number(&mut self, at: Pos) -> Result<Tok, PhpConfigError> {
        let start = self.pos;
        let digit = |c: u8| c.is_ascii_digit();
        if self.peek(0) == Some(b'-') {
            self.skip(1);
        }
        if self.eat_while(digit) == 0 {
            return Err(syntax(at, "expected a digit after `-`"));
        }
        let mut float = false;
        if self.peek(0) == Some(b'.') && self.peek(1).is_some_and(digit) {
            self.skip(1);
            float = self.eat_while(digit) > 0;
        }
        if matches!(self.peek(0), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(self.peek(1), Some(b'+' | b'-')));
            if self.peek(1 + sign).is_some_and(digit) {
                self.skip(1 + sign);
                float = self.eat_while(digit) > 0;
            }
        }
        if self
            .peek(0)
            .is_some_and(|c| c == b'_' || c == b'.' || c.is_ascii_alphanumeric())
        {
            return Err(syntax(at, "malformed or unsupported number literal"));
        }
        Ok(if float {
            Tok::Float
        } else {
            Tok::Int(self.text(start))
        })
    }

    pub(super) fn single_quoted(&mut self, at: Pos) -> Result<String, PhpConfigError> {
        self.skip(1);
        let mut out = Vec::new();
        loop {
            match self.bump() {
                None => return Err(syntax(at, "unterminated single-quoted string")),
                Some(b'\'') => return utf8(out, at),
                Some(b'\\') if matches!(self.peek(0), Some(b'\\' | b'\'')) => {
                    out.extend(self.bump());
                }
                Some(c) => out.push(c),
            }
        }
    }

    pub(super) fn double_quoted(&mut self, at: Pos) -> Result<String, PhpConfigError> {
        self.skip(1);
        let mut out = Vec::new();
        let var = |c: u8| c == b'_' || c == b'{' || c >= 0x80 || c.is_ascii_alphabetic();
        loop {
            let here = self.at;
            match self.bump() {
                None => return Err(syntax(at, "unterminated double-quoted string")),
                Some(b'"') => return utf8(out, at),
                Some(b'$') if self.peek(0).is_some_and(var) => {}
                Some(b'{') if self.peek(0) == Some(b'$') => {}
                Some(b'\\') => {
                    self.escape(&mut out, here)?;
                    continue;
                }
                Some(c) => {
                    out.push(c);
                    continue;
                }
            }
            let msg = "variable interpolation in double-quoted strings is not supported";
            return Err(syntax(here, msg));
        }
    }

    /// Skips the current byte and returns `b`.
    pub(super) fn then(&mut self, b: u8) -> u8 {
        self.skip(1);
        b
    }

    /// Reads up to `max` digits in `radix`, saturating on overflow.
    pub(super) fn digits(&mut self, radix: u32, max: usize) -> (u32, usize) {
        let (mut v, mut n) = (0u32, 0);
        while let Some(d) = self.peek(0).and_then(|c| char::from(c).to_digit(radix)) {
            if n == max {
                break;
            }
            (v, n) = (v.saturating_mul(radix).saturating_add(d), n + 1);
            self.skip(1);
        }
        (v, n)
    }

    /// Handles what follows a backslash in a double-quoted string.
    pub(super) fn escape(&mut self, out: &mut Vec<u8>, at: Pos) -> Result<(), PhpConfigError> {
        let hex_next = self.peek(1).is_some_and(|c| c.is_ascii_hexdigit());
        let byte = match self.peek(0) {
            Some(b'n') => self.then(b'\n'),
            Some(b't') => self.then(b'\t'),
            Some(b'r') => self.then(b'\r'),
            Some(b'v') => self.then(0x0B),
            Some(b'e') => self.then(0x1B),
            Some(b'f') => self.then(0x0C),
            Some(c @ (b'\\' | b'"' | b'$')) => self.then(c),
            // PHP keeps the low byte of `\400`..`\777`.
            Some(b'0'..=b'7') => (self.digits(8, 3).0 & 0xFF) as u8,
            Some(b'x' | b'X') if hex_next => {
                self.skip(1);
                self.digits(16, 2).0 as u8
            }
            Some(b'u') if self.peek(1) == Some(b'{') => {
                self.skip(2);
                let (v, n) = self.digits(16, usize::MAX);
                let ch = char::from_u32(v).filter(|_| n > 0 && self.bump() == Some(b'}'));
                let ch = ch.ok_or_else(|| syntax(at, "invalid `\\u{...}` escape"))?;
                out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                return Ok(());
            }
            // Unknown escape: the backslash is literal and the next byte is read as usual.
            _ => {
                out.push(b'\\');
                return Ok(());
            }
        };
        out.push(byte);
        Ok(())
    }
}

pub(super) fn utf8(bytes: Vec<u8>, at: Pos) -> Result<String, PhpConfigError> {
    String::from_utf8(bytes).map_err(|_| syntax(at, "string is not valid UTF-8 after unescaping"))
}
