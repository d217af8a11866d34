//! The parser: tokens to the top-level values this crate keeps.

use super::lexer::{ARROW, CLOSE_TAG, Lexer, Pos, Tok, syntax};
use super::{MAX_DEPTH, PhpConfigError, Slots, Value};

struct Parser<'a> {
    lx: Lexer<'a>,
    tok: Tok,
    at: Pos,
}

impl Parser<'_> {
    /// Moves to the next token and returns the current one.
    fn advance(&mut self) -> Result<Tok, PhpConfigError> {
        let (tok, at) = self.lx.next()?;
        self.at = at;
        Ok(std::mem::replace(&mut self.tok, tok))
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(&self.tok, Tok::Word(w) if w.eq_ignore_ascii_case(word))
    }

    /// Consumes `array(` or `[` if present, and returns the matching closer.
    fn open_array(&mut self) -> Result<Option<Tok>, PhpConfigError> {
        if self.tok == Tok::P(b'[') {
            self.advance()?;
            return Ok(Some(Tok::P(b']')));
        } else if !self.is_word("array") {
            return Ok(None);
        }
        self.advance()?;
        if self.tok != Tok::P(b'(') {
            return Err(syntax(self.at, "expected `(` after `array`"));
        }
        self.advance()?;
        Ok(Some(Tok::P(b')')))
    }

    fn value(&mut self, depth: usize) -> Result<Value, PhpConfigError> {
        let at = self.at;
        if let Some(close) = self.open_array()? {
            if depth >= MAX_DEPTH {
                let msg = format!("arrays nested more than {MAX_DEPTH} levels deep");
                return Err(syntax(at, msg));
            }
            self.array_body(&close, depth + 1, None)?;
            return Ok(Value::Other);
        }
        let literal = ["true", "false", "null"].iter().any(|w| self.is_word(w));
        match self.advance()? {
            Tok::Str(s) => Ok(Value::Str(s)),
            Tok::Int(s) => Ok(Value::Int(s)),
            Tok::Float => Ok(Value::Other),
            Tok::Word(_) if literal => Ok(Value::Other),
            Tok::Word(_) => Err(syntax(at, "constants and function calls are not supported")),
            _ => Err(syntax(at, "expected a value")),
        }
    }

    /// Parses entries up to and including `close`; top-level ones go to `slots`.
    fn array_body(
        &mut self,
        close: &Tok,
        depth: usize,
        mut slots: Option<&mut Slots>,
    ) -> Result<(), PhpConfigError> {
        while self.tok != *close {
            let key_at = self.at;
            let key = self.value(depth)?;
            if self.tok == ARROW {
                self.advance()?;
                let (Value::Str(key) | Value::Int(key)) = key else {
                    return Err(syntax(key_at, "array keys must be strings or integers"));
                };
                let value = self.value(depth)?;
                if let Some(s) = slots.as_deref_mut() {
                    match key.as_str() {
                        "organizrHash" => s.hash = Some(value),
                        "uuid" => s.uuid = Some(value),
                        "organizrAPI" => s.api = Some(value),
                        "driver" => s.driver = Some(value),
                        "dbLocation" => s.db_location = Some(value),
                        "dbName" => s.db_name = Some(value),
                        _ => {}
                    }
                }
            }
            if self.tok == Tok::P(b',') {
                self.advance()?;
            } else if self.tok != *close {
                return Err(syntax(self.at, "expected `,` or the end of the array"));
            }
        }
        self.advance().map(drop)
    }
}

pub(super) fn parse_document(source: &str) -> Result<Slots, PhpConfigError> {
    let src = source.strip_prefix('\u{feff}').unwrap_or(source).as_bytes();
    let mut lx = Lexer {
        src,
        pos: 0,
        at: Pos { line: 1, column: 1 },
    };
    lx.eat_while(|c| c.is_ascii_whitespace());
    let tag = lx
        .src
        .get(lx.pos..lx.pos + 5)
        .is_some_and(|t| t.eq_ignore_ascii_case(b"<?php"));
    if tag
        && lx
            .peek(5)
            .is_none_or(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
    {
        lx.skip(5);
    }
    let (tok, at) = lx.next()?;
    let mut p = Parser { lx, tok, at };
    if !p.is_word("return") {
        return Err(syntax(p.at, "expected `return`"));
    }
    p.advance()?;
    let Some(close) = p.open_array()? else {
        return Err(syntax(p.at, "expected `array(` or `[` after `return`"));
    };
    let mut slots = Slots::default();
    p.array_body(&close, 1, Some(&mut slots))?;
    if p.tok == Tok::P(b';') {
        p.advance()?;
    } else if p.tok != CLOSE_TAG {
        return Err(syntax(p.at, "expected `;` after the returned array"));
    }
    if p.tok == CLOSE_TAG {
        p.lx.eat_while(|c| c.is_ascii_whitespace());
        if p.lx.peek(0).is_some() {
            return Err(syntax(p.lx.at, "unexpected content after `?>`"));
        }
    } else if p.tok != Tok::Eof {
        return Err(syntax(p.at, "unexpected content after the returned array"));
    }
    Ok(slots)
}
