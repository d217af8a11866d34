//! Reader for Organizr's `config.php` (`<organizr>/data/config/config.php`
//! in Organizr v2.1; older installs had it in `api/config/`).
//!
//! Organizr (a PHP home-lab portal) keeps its settings in a PHP file that
//! returns an array literal. This module reads that file *without* running
//! PHP: a small, strict, hand-written lexer and parser ([`lexer`](self) and
//! [`parser`](self), private) accept exactly the subset of PHP that such a
//! file uses, and keep the values this crate needs: `organizrHash` (the HMAC
//! signing key, required and non-empty), `uuid` and `organizrAPI` (both
//! optional), and the database settings `driver`, `dbLocation` and `dbName`
//! (optional). Those must be strings.
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

use parser::parse_document;

use crate::{ApiKey, Secret};

/// Largest input accepted, in bytes (1 MiB).
const MAX_LEN: usize = 1024 * 1024;
/// Deepest array nesting accepted, counting the returned array.
pub(super) const MAX_DEPTH: usize = 32;

/// Values read from Organizr's `api/config/config.php`.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use organizr_auth_core::{TokenValidator, php_config::OrganizrPhpConfig};
/// let cfg = OrganizrPhpConfig::parse("<?php return ['organizrHash' => 'k3y'];")?;
/// assert!(TokenValidator::new(cfg.organizr_hash()).leeway().as_secs() > 0);
/// assert_eq!(cfg.organizr_hash().len(), 3);
/// assert!(!format!("{cfg:?}").contains("k3y"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct OrganizrPhpConfig {
    organizr_hash: Secret,
    uuid: String,
    api_key: Option<ApiKey>,
    database: Option<Database>,
}

/// Where Organizr keeps its database, as its `config.php` says.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::path::Path;
/// use organizr_auth_core::php_config::{Database, OrganizrPhpConfig};
/// let cfg = OrganizrPhpConfig::parse(
///     "<?php return ['organizrHash' => 'k', 'driver' => 'sqlite3', 'dbLocation' => '/config/www/db/', 'dbName' => 'orgdb.db'];",
/// )?;
/// assert_eq!(cfg.database(), Some(&Database::Sqlite(Path::new("/config/www/db/orgdb.db").into())));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Database {
    /// The SQLite file (`dbLocation` followed by `dbName`).
    Sqlite(PathBuf),
    /// Another driver (`mysqli`, `postgre`), named as in the file.
    Other {
        /// The `driver` value.
        driver: String,
    },
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
    /// assert_eq!(cfg.organizr_hash().len(), "abc'def".len());
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
            Some(h) => Secret::new(h).map_err(|_| PhpConfigError::EmptyKey { path: None, key })?,
        };
        // Organizr leaves `organizrAPI` empty until a key is generated: no key.
        let api_key = string_slot(slots.api, "organizrAPI")?
            .filter(|k| !k.is_empty())
            .map(|k| {
                ApiKey::new(k).map_err(|_| PhpConfigError::EmptyKey {
                    path: None,
                    key: "organizrAPI",
                })
            })
            .transpose()?;
        let driver = string_slot(slots.driver, "driver")?;
        let location = string_slot(slots.db_location, "dbLocation")?;
        let name = string_slot(slots.db_name, "dbName")?;
        // Organizr's default driver is sqlite3; `dbLocation` is a folder with
        // a trailing slash and `dbName` has its `.db`: Organizr concatenates
        // them.
        let missing = |key| PhpConfigError::MissingKey { path: None, key };
        let database = match (driver.as_deref(), location, name) {
            (None, None, None) => None,
            (None | Some("sqlite3"), Some(location), Some(name)) => {
                Some(Database::Sqlite(PathBuf::from(format!("{location}{name}"))))
            }
            (None | Some("sqlite3"), None, _) => return Err(missing("dbLocation")),
            (None | Some("sqlite3"), Some(_), None) => return Err(missing("dbName")),
            (Some(other), _, _) => Some(Database::Other {
                driver: other.to_owned(),
            }),
        };
        Ok(Self {
            organizr_hash,
            uuid: string_slot(slots.uuid, "uuid")?.unwrap_or_default(),
            api_key,
            database,
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
    /// assert!(cfg?.api_key().is_some_and(|key| key.matches(b"A1")));
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

    /// The `organizrHash` value, the HMAC key: never empty or blank,
    /// whitespace inside kept as-is. A [`Secret`], so it cannot be printed.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::php_config::OrganizrPhpConfig;
    /// let cfg = OrganizrPhpConfig::parse("<?php return ['organizrHash' => \" k\\x41 \"];")?;
    /// assert_eq!(cfg.organizr_hash().len(), 4);
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn organizr_hash(&self) -> &Secret {
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

    /// Where Organizr's database is, or `None` when the file names none.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::php_config::{Database, OrganizrPhpConfig};
    /// let cfg = OrganizrPhpConfig::parse("<?php return ['organizrHash' => 'k', 'driver' => 'mysqli'];")?;
    /// assert_eq!(cfg.database(), Some(&Database::Other { driver: "mysqli".into() }));
    /// assert_eq!(OrganizrPhpConfig::parse("<?php return ['organizrHash' => 'k'];")?.database(), None);
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn database(&self) -> Option<&Database> {
        self.database.as_ref()
    }

    /// The `organizrAPI` value, or `None` when the key is missing or empty.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::php_config::OrganizrPhpConfig;
    /// let cfg = OrganizrPhpConfig::parse("<?php return ['organizrHash' => 'k', 'organizrAPI' => ''];")?;
    /// assert!(cfg.api_key().is_none());
    /// let cfg = OrganizrPhpConfig::parse("<?php return ['organizrHash' => 'k', 'organizrAPI' => 'A1'];")?;
    /// assert!(cfg.api_key().is_some_and(|key| key.matches(b"A1")));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn api_key(&self) -> Option<&ApiKey> {
        self.api_key.as_ref()
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
pub(super) enum Value {
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
pub(super) struct Slots {
    hash: Option<Value>,
    uuid: Option<Value>,
    api: Option<Value>,
    driver: Option<Value>,
    db_location: Option<Value>,
    db_name: Option<Value>,
}

mod lexer;
mod parser;
#[cfg(test)]
mod tests;
