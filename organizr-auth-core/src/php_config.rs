//! Reader for Organizr's `api/config/config.php`.
//!
//! Organizr (a PHP home-lab portal) keeps its settings in a PHP file that
//! returns an array literal. This module reads that file *without* running
//! PHP: a small, strict, hand-written lexer and parser accept exactly the
//! subset of PHP that such a file uses, and keep the three values this crate
//! needs: `organizrHash` (the HMAC signing key, required and non-empty),
//! `uuid` and `organizrAPI` (both optional). Those three must be strings.
//!
//! # Supported subset
//!
//! - an optional byte-order mark and leading whitespace, an optional `<?php`
//!   opening tag, and an optional closing `?>` followed only by whitespace;
//! - exactly one `return array( ... );` or `return [ ... ];`;
//! - entries `KEY => VALUE` (or a bare `VALUE`) separated by commas, with an
//!   optional trailing comma; keys are quoted strings or integers;
//! - values: single-quoted strings (only `\\` and `\'` are escapes),
//!   double-quoted strings (`\\ \" \$ \n \t \r \v \e \f`, octal `\0`..`\777`,
//!   `\xHH`, `\u{HHHH}`; any other backslash is literal), integers, floats,
//!   `true`, `false` and `null` (any case), and nested arrays at most 32 levels
//!   deep (counting the returned one); nested arrays are checked, then dropped;
//! - comments `// ...` and `# ...` (up to the end of the line or a `?>`, as in
//!   PHP) and `/* ... */`.
//!
//! Anything else (variables, interpolation such as `"$x"`, `"{$x}"` or
//! `"${x}"`, constants, function calls, operators such as `.`, heredoc and
//! nowdoc) is a [`PhpConfigError::Syntax`] carrying a line and a column.
//! Strings must be valid UTF-8 after unescaping. Input over 1 MiB is refused
//! before parsing. Keywords are case-insensitive and keys case-sensitive, as in
//! PHP, and when a key appears more than once the **last** one wins, as in PHP.
//!
//! # Security
//!
//! The file holds the key that signs Organizr's tokens. No string value from
//! it ever appears in an error message or in `Debug` output: errors name only
//! the file, the key, a line and a column, and the `Debug` of
//! [`OrganizrPhpConfig`] redacts the hash and the API key. Keep the file
//! readable only by the service user (for example mode `0600`, owned by it).

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest input accepted, in bytes (1 MiB).
const MAX_LEN: usize = 1024 * 1024;
/// Deepest array nesting accepted, counting the returned array.
const MAX_DEPTH: usize = 32;

/// Values read from Organizr's `api/config/config.php`.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use organizr_auth_core::php_config::OrganizrPhpConfig;
/// let cfg = OrganizrPhpConfig::parse("<?php return ['organizrHash' => 'k3y'];")?;
/// assert_eq!(cfg.organizr_hash(), "k3y");
/// assert!(!format!("{cfg:?}").contains("k3y"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct OrganizrPhpConfig {
    organizr_hash: String,
    uuid: String,
    api_key: Option<String>,
}

impl OrganizrPhpConfig {
    /// Parses the text of a `config.php`; errors carry no path.
    ///
    /// # Errors
    ///
    /// [`PhpConfigError::TooLarge`] over 1 MiB, [`PhpConfigError::Syntax`] outside the
    /// supported subset, and `MissingKey`, `EmptyKey` or `WrongType` for bad values.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::php_config::OrganizrPhpConfig;
    /// let src = "<?php\nreturn array(\n\t'organizrHash' => 'abc\\'def', // key\n\t'uuid' => '',\n);\n";
    /// let cfg = OrganizrPhpConfig::parse(src)?;
    /// assert_eq!(cfg.organizr_hash(), "abc'def");
    /// assert!(OrganizrPhpConfig::parse("<?php return [];").is_err());
    /// # Ok(()) }
    /// ```
    pub fn parse(source: &str) -> Result<Self, PhpConfigError> {
        let (len, max, key) = (source.len(), MAX_LEN, "organizrHash");
        if len > max {
            return Err(PhpConfigError::TooLarge {
                path: None,
                len,
                max,
            });
        }
        let slots = parse_document(source)?;
        let organizr_hash = match string_slot(slots.hash, key)? {
            None => return Err(PhpConfigError::MissingKey { path: None, key }),
            Some(h) if h.is_empty() => return Err(PhpConfigError::EmptyKey { path: None, key }),
            Some(h) => h,
        };
        Ok(Self {
            organizr_hash,
            uuid: string_slot(slots.uuid, "uuid")?.unwrap_or_default(),
            api_key: string_slot(slots.api, "organizrAPI")?.filter(|k| !k.is_empty()),
        })
    }

    /// Reads and parses the file at `path` (at most 1 MiB); errors carry the path.
    ///
    /// # Errors
    ///
    /// As [`parse`](Self::parse), plus [`PhpConfigError::Io`] when the file cannot be
    /// read or is not UTF-8.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::php_config::OrganizrPhpConfig;
    /// let path = std::env::temp_dir().join(format!("organizr-php-config-doc-{}.php", std::process::id()));
    /// std::fs::write(&path, "<?php\nreturn array('organizrHash' => 'k3y', 'organizrAPI' => 'A1');\n")?;
    /// let cfg = OrganizrPhpConfig::from_file(&path);
    /// std::fs::remove_file(&path)?;
    /// assert_eq!(cfg?.api_key(), Some("A1"));
    /// # Ok(()) }
    /// ```
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, PhpConfigError> {
        let path = path.as_ref();
        let io = |source| PhpConfigError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let size = file
            .metadata()
            .map_or(0, |m| usize::try_from(m.len()).unwrap_or(usize::MAX));
        // Read at most one byte past the limit, whatever the metadata says (pipes, growing files).
        let mut bytes = Vec::new();
        file.take(MAX_LEN as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() > MAX_LEN {
            let (path, len, max) = (Some(path.to_path_buf()), size.max(bytes.len()), MAX_LEN);
            return Err(PhpConfigError::TooLarge { path, len, max });
        }
        let not_utf8 = || std::io::Error::new(std::io::ErrorKind::InvalidData, "not valid UTF-8");
        let text = String::from_utf8(bytes).map_err(|_| io(not_utf8()))?;
        let cfg = Self::parse(&text).map_err(|e| e.with_path(path))?;
        tracing::debug!(path = %path.display(), has_api_key = cfg.api_key.is_some(), "read organizr config");
        Ok(cfg)
    }

    /// The `organizrHash` value: the HMAC key, never empty, whitespace kept as-is.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::php_config::OrganizrPhpConfig;
    /// let cfg = OrganizrPhpConfig::parse("<?php return ['organizrHash' => \" k\\x41 \"];")?;
    /// assert_eq!(cfg.organizr_hash(), " kA ");
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn organizr_hash(&self) -> &str {
        &self.organizr_hash
    }

    /// The `uuid` value, or `""` when the key is missing.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::php_config::OrganizrPhpConfig;
    /// let cfg = OrganizrPhpConfig::parse("<?php return ['organizrHash' => 'k', 'uuid' => 'u-1'];")?;
    /// assert_eq!(cfg.uuid(), "u-1");
    /// assert_eq!(OrganizrPhpConfig::parse("<?php return ['organizrHash' => 'k'];")?.uuid(), "");
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    /// The `organizrAPI` value, or `None` when the key is missing or empty.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::php_config::OrganizrPhpConfig;
    /// let cfg = OrganizrPhpConfig::parse("<?php return ['organizrHash' => 'k', 'organizrAPI' => ''];")?;
    /// assert_eq!(cfg.api_key(), None);
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn api_key(&self) -> Option<&str> {
        self.api_key.as_deref()
    }
}

/// Shows the `uuid` but redacts the hash and the API key.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use organizr_auth_core::php_config::OrganizrPhpConfig;
/// let cfg = OrganizrPhpConfig::parse("<?php return ['organizrHash' => 'k3y', 'uuid' => 'u-1', 'organizrAPI' => 'A1'];")?;
/// assert_eq!(
///     format!("{cfg:?}"),
///     r#"OrganizrPhpConfig { organizr_hash: "<redacted>", uuid: "u-1", api_key: Some("<redacted>") }"#
/// );
/// # Ok(()) }
/// ```
impl fmt::Debug for OrganizrPhpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const REDACTED: &str = "<redacted>";
        f.debug_struct("OrganizrPhpConfig")
            .field("organizr_hash", &REDACTED)
            .field("uuid", &self.uuid)
            .field("api_key", &self.api_key.as_ref().map(|_| REDACTED))
            .finish()
    }
}

/// Why `config.php` could not be read. Messages never contain a value from the file.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use organizr_auth_core::php_config::{OrganizrPhpConfig, PhpConfigError};
/// match OrganizrPhpConfig::parse("<?php\nreturn [\n  'organizrHash' => 's3cret' . 'x',\n];") {
///     Err(e @ PhpConfigError::Syntax { line: 3, .. }) => assert!(!e.to_string().contains("s3cret")),
///     other => return Err(format!("unexpected: {other:?}").into()),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PhpConfigError {
    /// The file could not be opened or read, or is not UTF-8.
    #[error("cannot read {}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not in the supported PHP subset.
    #[error("syntax error{} at line {line}, column {column}: {message}", in_file(.path))]
    Syntax {
        /// The file, when known.
        path: Option<PathBuf>,
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// What was expected or refused; never quotes the input.
        message: String,
    },
    /// A required key is absent.
    #[error("required key `{key}` is missing{}", in_file(.path))]
    MissingKey {
        /// The file, when known.
        path: Option<PathBuf>,
        /// The key.
        key: &'static str,
    },
    /// A key holds a value of the wrong type.
    #[error("key `{key}`{} must be {expected}", in_file(.path))]
    WrongType {
        /// The file, when known.
        path: Option<PathBuf>,
        /// The key.
        key: &'static str,
        /// The type wanted, e.g. `a string`.
        expected: &'static str,
    },
    /// A required key is present but empty.
    #[error("key `{key}`{} must not be empty", in_file(.path))]
    EmptyKey {
        /// The file, when known.
        path: Option<PathBuf>,
        /// The key.
        key: &'static str,
    },
    /// The input is larger than allowed.
    #[error("config{} is too large: {len} bytes, the limit is {max}", in_file(.path))]
    TooLarge {
        /// The file, when known.
        path: Option<PathBuf>,
        /// Its size (or at least this many bytes).
        len: usize,
        /// The limit.
        max: usize,
    },
}

fn in_file(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map(|p| format!(" in {}", p.display()))
        .unwrap_or_default()
}

impl PhpConfigError {
    fn with_path(mut self, file: &Path) -> Self {
        match &mut self {
            Self::Syntax { path, .. }
            | Self::MissingKey { path, .. }
            | Self::WrongType { path, .. }
            | Self::EmptyKey { path, .. }
            | Self::TooLarge { path, .. } => *path = Some(file.to_path_buf()),
            Self::Io { .. } => {}
        }
        self
    }
}

/// A parsed value. Deliberately no `Debug`: it may hold a secret.
enum Value {
    Str(String),
    Int(String),
    Other,
}

fn string_slot(v: Option<Value>, key: &'static str) -> Result<Option<String>, PhpConfigError> {
    match v {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        Some(_) => Err(PhpConfigError::WrongType {
            path: None,
            key,
            expected: "a string",
        }),
    }
}

/// The top-level values we keep; a later entry with the same key overwrites.
#[derive(Default)]
struct Slots {
    hash: Option<Value>,
    uuid: Option<Value>,
    api: Option<Value>,
}

#[derive(Clone, Copy)]
struct Pos {
    line: usize,
    column: usize,
}

fn syntax(at: Pos, message: impl Into<String>) -> PhpConfigError {
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
enum Tok {
    Str(String),
    Int(String),
    Float,
    Word(String),
    /// One of `( ) [ ] , ;`, or `=` for `=>`, or `?` for `?>`.
    P(u8),
    Eof,
}
const ARROW: Tok = Tok::P(b'=');
const CLOSE_TAG: Tok = Tok::P(b'?');

struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    at: Pos,
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.src.get(self.pos + ahead).copied()
    }

    fn starts_with(&self, s: &[u8]) -> bool {
        self.src.get(self.pos..).is_some_and(|r| r.starts_with(s))
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek(0)?;
        self.pos += 1;
        if b == b'\n' {
            (self.at.line, self.at.column) = (self.at.line + 1, 1);
        } else if b & 0xC0 != 0x80 {
            self.at.column += 1; // count characters, not UTF-8 continuation bytes
        }
        Some(b)
    }

    fn skip(&mut self, n: usize) {
        for _ in 0..n {
            self.bump();
        }
    }

    fn eat_while(&mut self, f: impl Fn(u8) -> bool) -> usize {
        let start = self.pos;
        while self.peek(0).is_some_and(&f) {
            self.bump();
        }
        self.pos - start
    }

    fn text(&self, start: usize) -> String {
        String::from_utf8_lossy(self.src.get(start..self.pos).unwrap_or_default()).into_owned()
    }

    fn skip_trivia(&mut self) -> Result<(), PhpConfigError> {
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

    fn next(&mut self) -> Result<(Tok, Pos), PhpConfigError> {
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

    fn number(&mut self, at: Pos) -> Result<Tok, PhpConfigError> {
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

    fn single_quoted(&mut self, at: Pos) -> Result<String, PhpConfigError> {
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

    fn double_quoted(&mut self, at: Pos) -> Result<String, PhpConfigError> {
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
    fn then(&mut self, b: u8) -> u8 {
        self.skip(1);
        b
    }

    /// Reads up to `max` digits in `radix`, saturating on overflow.
    fn digits(&mut self, radix: u32, max: usize) -> (u32, usize) {
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
    fn escape(&mut self, out: &mut Vec<u8>, at: Pos) -> Result<(), PhpConfigError> {
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

fn utf8(bytes: Vec<u8>, at: Pos) -> Result<String, PhpConfigError> {
    String::from_utf8(bytes).map_err(|_| syntax(at, "string is not valid UTF-8 after unescaping"))
}

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

fn parse_document(source: &str) -> Result<Slots, PhpConfigError> {
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

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const REALISTIC: &str = r#"<?php
return array(
	'branch' => 'v2-master',
	'configVersion' => '2.1.2440',
	'phpVersion' => '8.2.7',
	'dbName' => 'orgdb.db',
	'dbLocation' => '/config/www/db/',
	'license' => 'personal',
	'organizrHash' => 'Zx9\'q\\7 L$k',   // comment
	"uuid" => "0b7e4c1a-5d2f-4e8b-9a6c-3f1d2e7b8c90",
	'organizrAPI' => 'A1B2C3D4E5F6G7H8I9J0',
	'registrationPassword' => '',
	'installedPlugins' => '',
	'authType' => 'internal',
	'authBackend' => false,
	'authBackendHost' => '',
	'authBackendDomain' => '',
	'plexURL' => 'http://plex:32400',
	'plexToken' => 'abcDEF123',
	'plexID' => '',
	'plexAdmin' => '',
	'plexoAuth' => FALSE,
	'ignoreTFALocal' => false,
	'rememberMe' => true,
	'rememberMeDays' => 7,
	'cookieDomain' => '',
	'title' => 'Organizr',
	'logo' => 'plugins/images/organizr/logo-wide.png',
	'loginWallpaper' => '',
	'customCss' => "body { color: #fff; }\n/* \"quoted\" */",
	'customJava' => '',
	'timezone' => 'Europe/London',
	'sandbox' => false,
	'debugErrors' => NULL,
	'maxLoginAttempts' => -1,
	'lockoutTimeout' => 1.5,
	/* block comment */
	# hash comment
	'homepageOrder' => array('homepageOrderplex' => 1, 'homepageOrdercalendar' => [2, 3]),
	'sso' => ['ombi' => array('enabled' => true, 'url' => 'http://ombi:3579',),],
	'PHPMAILER-smtpHostPort' => '587',
	'PHPMAILER-template' => 'light',
	0 => 'numeric key',
	'short' => ['x' => true,]
);
"#;

    fn doc(entries: &str) -> String {
        format!("<?php\nreturn array(\n{entries}\n);\n")
    }

    fn hash_of(literal: &str) -> Result<String, PhpConfigError> {
        let cfg = OrganizrPhpConfig::parse(&doc(&format!("'organizrHash' => {literal},")))?;
        Ok(cfg.organizr_hash().to_owned())
    }

    #[test]
    fn realistic_config() {
        let cfg = OrganizrPhpConfig::parse(REALISTIC).unwrap();
        assert_eq!(cfg.organizr_hash(), r"Zx9'q\7 L$k");
        assert_eq!(cfg.uuid(), "0b7e4c1a-5d2f-4e8b-9a6c-3f1d2e7b8c90");
        assert_eq!(cfg.api_key(), Some("A1B2C3D4E5F6G7H8I9J0"));
    }

    #[test]
    fn string_literals_and_escapes() {
        #[rustfmt::skip]
        let cases = [
            (r"'plain'", "plain"),
            (r"'it\'s'", "it's"),
            (r"'a\\b'", r"a\b"),
            (r#"'a\nb\"c\\\\'"#, r#"a\nb\"c\\"#),
            (r"'$notvar {$x} ${y}'", "$notvar {$x} ${y}"),
            ("'multi\nline'", "multi\nline"),
            ("'  ünï  '", "  ünï  "),
            (r#""\n\t\r\v\e\f""#, "\n\t\r\x0B\x1B\x0C"),
            (r#""\\ \" \$x""#, r#"\ " $x"#),
            (r#""\101\x41\u{41}\u{1F600}\0\7""#, "AAA\u{1F600}\0\x07"),
            (r#""\400\x4a\X4""#, "\0J\x04"),
            (r#""\xC3\xA9""#, "é"),
            (r#""\q\xZ\u41 \' \{""#, r"\q\xZ\u41 \' \{"),
            (r#""cost $5, $ and $""#, "cost $5, $ and $"),
            (r#""a\\""#, r"a\"),
        ];
        for (literal, want) in cases {
            assert_eq!(hash_of(literal).unwrap(), want, "{literal}");
        }
    }

    #[test]
    fn accepted_forms() {
        #[rustfmt::skip]
        let cases = [
            ("return ['organizrHash' => 'h'];", "", None),
            ("\u{feff} \n<?php return array('organizrHash'=>'h');", "", None),
            ("<?PHP\nRETURN Array ( 'organizrHash' => 'h' ) ;\n?>\n", "", None),
            ("<?php return ['organizrHash' => 'h'] ?>", "", None),
            ("<?php\n// c\n# c\n/* c\n*/ return [ /* */ 'organizrHash' # c\n => // c\n'h', ];", "", None),
            ("<?php return ['a' => TRUE, 'b' => False, 'c' => NULL, 'd' => -7, 'e' => 1.5, 'f' => -2.5e-3, 'g' => 1E9, 7 => 'x', -1 => 'y', 'organizrHash' => 'h',];", "", None),
            ("<?php return ['n' => array('a' => [1, [2, array()]], 'b' => [],), 'organizrHash' => 'h', 'l' => ['x', 'y',]];", "", None),
            (r#"<?php return ["organizrHash" => "h", "uuid" => "u", "organizrAPI" => "k"];"#, "u", Some("k")),
            ("<?php return ['organizrHash' => 'old', 'uuid' => 5, 'organizrHash' => 'h', 'uuid' => 'u'];", "u", None),
            ("<?php return ['organizrHash' => 'h', 'organizrAPI' => 'k', 'organizrAPI' => ''];", "", None),
            ("<?php return ['organizrHash' => 'h', 'uuid' => '', 'organizrAPI' => 'k'];", "", Some("k")),
            ("<?php return ['organizrHash' => 'h', 'x' => ['organizrAPI' => 'nested']];", "", None),
        ];
        for (src, uuid, api) in cases {
            let cfg = OrganizrPhpConfig::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
            let got = (cfg.organizr_hash(), cfg.uuid(), cfg.api_key());
            assert_eq!(got, ("h", uuid, api), "{src}");
        }
    }

    #[test]
    fn key_errors() {
        #[rustfmt::skip]
        let cases = [
            ("'uuid' => 'u'", "required key `organizrHash` is missing"),
            ("'OrganizrHash' => 'h'", "required key `organizrHash` is missing"),
            ("'n' => ['organizrHash' => 'h']", "required key `organizrHash` is missing"),
            ("'organizrHash' => ''", "key `organizrHash` must not be empty"),
            ("'organizrHash' => 'h', 'organizrHash' => \"\"", "key `organizrHash` must not be empty"),
            ("'organizrHash' => 5", "key `organizrHash` must be a string"),
            ("'organizrHash' => ['h']", "key `organizrHash` must be a string"),
            ("'organizrHash' => 'h', 'uuid' => 12345", "key `uuid` must be a string"),
            ("'organizrHash' => 'h', 'organizrAPI' => null", "key `organizrAPI` must be a string"),
        ];
        for (entries, want) in cases {
            let err = OrganizrPhpConfig::parse(&doc(entries)).unwrap_err();
            assert_eq!(err.to_string(), want, "{entries}");
        }
    }

    #[test]
    fn syntax_errors_have_positions() {
        #[rustfmt::skip]
        let cases = [
            ("<?php\nreturn [\n  'organizrHash' => 'h' . 'x',\n];", 3, 25, "unexpected character"),
            ("<?php return [\n'organizrHash' => \"ab$var\"];", 2, 22, "interpolation"),
            ("<?php return [\n'organizrHash' => \"{$var}\"];", 2, 20, "interpolation"),
            ("<?php return [\n'organizrHash' => \"${var}\"];", 2, 20, "interpolation"),
            ("<?php return ['k' => FOO];", 1, 22, "constants"),
            ("<?php return ['k' => getenv('X')];", 1, 22, "constants"),
            ("<?php return ['k' => <<<EOT\nx\nEOT];", 1, 22, "heredoc"),
            ("<?php return ['k' => $x];", 1, 22, "variables"),
            ("<?php $x = [];", 1, 7, "variables"),
            ("<?php echo 1;", 1, 7, "expected `return`"),
            ("", 1, 1, "expected `return`"),
            ("<?php return 5;", 1, 14, "expected `array(`"),
            ("<?php return array 5;", 1, 20, "expected `(`"),
            ("<?php return ['a' => 1\n 'b' => 2];", 2, 2, "expected `,`"),
            ("<?php return []", 1, 16, "expected `;`"),
            ("<?php return []; echo 1;", 1, 18, "after the returned array"),
            ("<?php return [] ?>\nhello", 2, 1, "after `?>`"),
            ("<?php return [ // x ?> y\n];", 1, 21, "expected a value"),
            ("<?php return [,];", 1, 15, "expected a value"),
            ("<?php return ['a',, 'b'];", 1, 19, "expected a value"),
            ("<?php return [true => 1];", 1, 15, "keys must be"),
            ("<?php return [\n\n'k' => 'abc];", 3, 8, "unterminated single-quoted"),
            ("<?php return ['k' => \"abc];", 1, 22, "unterminated double-quoted"),
            ("<?php return [\n/* x ];", 2, 1, "unterminated block comment"),
            ("<?php return ['k' => \"\\xFF\"];", 1, 22, "not valid UTF-8"),
            ("<?php return ['k' => \"\\u{D800}\"];", 1, 23, "escape"),
            ("<?php return ['k' => \"\\u{}\"];", 1, 23, "escape"),
            ("<?php return ['k' => \"\\u{41\"];", 1, 23, "escape"),
            ("<?php return ['k' => 0x1F];", 1, 22, "number"),
            ("<?php return ['k' => 1_000];", 1, 22, "number"),
            ("<?php return ['k' => - 1];", 1, 22, "digit"),
            ("<?phpreturn [];", 1, 1, "unexpected character"),
            ("<?= return [];", 1, 1, "unexpected character"),
            ("<?php return [#[Attr]\n];", 1, 15, "attributes"),
            ("<?php return ['é' => 'ü', 'k' => FOO];", 1, 34, "constants"),
            ("<?php\r\nreturn [\r\n\t'k' => FOO];", 3, 9, "constants"),
        ];
        for (src, line, column, msg) in cases {
            match OrganizrPhpConfig::parse(src) {
                Err(PhpConfigError::Syntax {
                    line: l,
                    column: c,
                    message,
                    path: None,
                }) => {
                    assert_eq!((l, c), (line, column), "{src}: {message}");
                    assert!(message.contains(msg), "{src}: {message}");
                }
                other => panic!("{src}: {other:?}"),
            }
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let nested = |n: usize, open: &str, close: &str| {
            let (o, c) = (open.repeat(n), close.repeat(n));
            OrganizrPhpConfig::parse(&format!(
                "<?php return ['organizrHash' => 'h', 'n' => {o}{c}];"
            ))
        };
        assert!(nested(MAX_DEPTH - 1, "[", "]").is_ok());
        assert!(nested(MAX_DEPTH - 1, "array(", ")").is_ok());
        assert!(matches!(
            nested(MAX_DEPTH, "[", "]"),
            Err(PhpConfigError::Syntax { .. })
        ));
        for open in ["[", "array(", "array (\n"] {
            let err = OrganizrPhpConfig::parse(&format!("<?php return {}", open.repeat(100_000)));
            assert!(
                err.unwrap_err()
                    .to_string()
                    .contains("nested more than 32 levels deep")
            );
        }
    }

    #[test]
    fn size_limit_and_files() {
        let big = format!(
            "<?php return ['organizrHash' => 'h', 'x' => '{}'];",
            "a".repeat(MAX_LEN)
        );
        let err = OrganizrPhpConfig::parse(&big).unwrap_err();
        assert!(matches!(
            err,
            PhpConfigError::TooLarge {
                path: None,
                max: MAX_LEN,
                ..
            }
        ));

        let dir =
            std::env::temp_dir().join(format!("organizr-php-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("config.php");
        let shown = file.display();
        let read = |content: &[u8]| {
            std::fs::write(&file, content).unwrap();
            OrganizrPhpConfig::from_file(&file)
        };
        let err = read(big.as_bytes()).unwrap_err();
        assert!(matches!(&err, PhpConfigError::TooLarge { path: Some(p), .. } if *p == file));
        assert!(
            err.to_string()
                .starts_with(&format!("config in {shown} is too large"))
        );
        let err = read(b"<?php\nreturn [\n'organizrHash' => FOO];")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(&format!("syntax error in {shown} at line 3, column 19")));
        let err = read(b"<?php return ['uuid' => 'u'];")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            format!("required key `organizrHash` is missing in {shown}")
        );
        let err = read(b"<?php return ['organizrHash' => '\xff'];").unwrap_err();
        assert!(matches!(err, PhpConfigError::Io { .. }), "{err}");
        assert_eq!(
            read(REALISTIC.as_bytes()).unwrap().uuid(),
            "0b7e4c1a-5d2f-4e8b-9a6c-3f1d2e7b8c90"
        );
        std::fs::remove_dir_all(&dir).unwrap();
        let err = OrganizrPhpConfig::from_file(&file).unwrap_err();
        // The cause is the error's source, not repeated in its message.
        assert_eq!(err.to_string(), format!("cannot read {shown}"));
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn secrets_never_leak() {
        const M: &str = "S3CR3T_marker_7f1c";
        #[rustfmt::skip]
        let cases = [
            format!("'organizrHash' => '{M}', 'uuid' => 1,"),
            format!("'organizrHash' => '{M}' . 'x',"),
            format!("'organizrHash' => '{M}"),
            format!("'organizrHash' => \"{M}$x\","),
            format!("'organizrHash' => {M},"),
            format!("'organizrHash' => {M}('x'),"),
            format!("'organizrHash' => \"{M}\\xFF\","),
            format!("'organizrHash' => \"{M}\\u{{110000}}\","),
            format!("'organizrAPI' => '{M}',"),
            format!("'organizrHash' => '', 'organizrAPI' => '{M}',"),
            format!("'organizrHash' => '{M}', 'organizrAPI' => ['{M}'],"),
            format!("'organizrHash' => '{M}', {M} => 1"),
            format!("'organizrHash' => '{M}', '{M}' 1"),
            format!("'organizrHash' => '{M}'{}", "[".repeat(40)),
            format!("'organizrHash' => '{M}'] ?> {M}"),
            format!("'organizrHash' => '{M}', 'x' => '{}'", M.repeat(60_000)),
        ];
        for entries in &cases {
            let err = OrganizrPhpConfig::parse(&doc(entries)).unwrap_err();
            let shown = format!("{err} {err:?} {:?}", std::error::Error::source(&err));
            assert!(!shown.contains(M) && !shown.contains("S3CR3T"), "{shown}");
        }
        let ok = doc(&format!(
            "'organizrHash' => '{M}', 'organizrAPI' => '{M}2', 'uuid' => 'u'"
        ));
        let cfg = OrganizrPhpConfig::parse(&ok).unwrap();
        let shown = format!("{cfg:?} {cfg:#?}");
        assert!(!shown.contains(M) && shown.contains("\"u\""), "{shown}");
    }

    fn php_char() -> impl Strategy<Value = char> {
        let php = "'\"\\$[](),;/*#?>{}\n0xu-.e=<".chars().collect::<Vec<_>>();
        prop_oneof![any::<char>(), proptest::sample::select(php)]
    }

    proptest! {
        #[test]
        fn arbitrary_input_never_panics(s in any::<String>(), t in "[\\[\\]()'\" $a-z0-9\\\\,;=>#/*?<{}\n-]*") {
            let _ = OrganizrPhpConfig::parse(&s);
            let _ = OrganizrPhpConfig::parse(&format!("<?php return [{t}"));
        }

        #[test]
        fn mutated_config_never_panics(edits in proptest::collection::vec((any::<proptest::sample::Index>(), 0u8..3, php_char()), 1..8)) {
            let mut chars: Vec<char> = REALISTIC.chars().collect();
            for (at, op, c) in edits {
                let n = chars.len();
                match op {
                    0 => chars.insert(at.index(n + 1), c),
                    1 if n > 0 => { chars.remove(at.index(n)); }
                    _ if n > 0 => chars[at.index(n)] = c,
                    _ => {}
                }
            }
            let _ = OrganizrPhpConfig::parse(&chars.into_iter().collect::<String>());
        }

        #[test]
        fn quoted_strings_round_trip(s in "\\PC{1,40}") {
            let single = format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"));
            prop_assert_eq!(hash_of(&single).unwrap(), s.clone());
            let double: String = s.bytes().map(|b| format!("\\x{b:02x}")).collect();
            prop_assert_eq!(hash_of(&format!("\"{double}\"")).unwrap(), s);
        }
    }
}
