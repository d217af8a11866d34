//! Secrets: Organizr's signing key (`organizrHash`) and its global API key.
//!
//! # Security
//! Neither type implements `Display`, and their `Debug` output never shows the
//! bytes, so a stray `{:?}` in a log line cannot leak them. The signing key is the
//! only thing that stands between an attacker and a forged admin token: keep the
//! file it comes from readable by the service user only.
//!
//! Organizr's setup wizard allows keys of 3 to 30 characters. Such keys are
//! accepted, because refusing them would lock real installs out, but they are
//! weak: anyone who captures one token can guess a short key offline and then
//! mint tokens for any user. [`Secret::is_short`] tells, and the
//! [`Authenticator`](crate::Authenticator) warns about it at start-up. A
//! longer key is the remedy, but rotating `organizrHash` has costs: it stops
//! every token this crate validates, yet logs no one out of Organizr itself
//! (Organizr does not check signatures), and it breaks every secret Organizr
//! encrypted with it. `SECURITY.md` says how to do it.

use std::fmt;
use std::path::Path;

use subtle::ConstantTimeEq;

/// Keys shorter than this many bytes get a start-up warning (the HMAC-SHA256
/// block of security, RFC 7518 §3.2).
///
/// ```
/// use organizr_auth_core::{Secret, secret::RECOMMENDED_KEY_LEN};
/// assert!(Secret::new("x".repeat(RECOMMENDED_KEY_LEN - 1))?.is_short());
/// assert!(!Secret::new("x".repeat(RECOMMENDED_KEY_LEN))?.is_short());
/// # Ok::<(), organizr_auth_core::SecretError>(())
/// ```
pub const RECOMMENDED_KEY_LEN: usize = 32;

/// Organizr's signing key, the instance's `organizrHash`.
///
/// ```
/// use organizr_auth_core::Secret;
///
/// let key = Secret::new("a-long-random-organizr-hash-value-here")?;
/// assert_eq!(format!("{key:?}"), "Secret(..)");
/// assert!(!key.is_short());
/// assert!(Secret::new("").is_err());
/// # Ok::<(), organizr_auth_core::SecretError>(())
/// ```
#[derive(Clone)]
pub struct Secret(Box<[u8]>);

impl Secret {
    /// A key from its text, exactly as Organizr stores it (no trimming: every byte
    /// is key material). An empty key is an error, and so is one made only of
    /// whitespace (`"   "`, a lone newline): Organizr's wizard never makes one,
    /// and anyone could guess it.
    ///
    /// ```
    /// use organizr_auth_core::{Secret, SecretError};
    /// assert_eq!(Secret::new(" spaced ")?.len(), 8);
    /// assert!(matches!(Secret::new(""), Err(SecretError::Empty)));
    /// assert!(matches!(Secret::new(" \n"), Err(SecretError::Blank)));
    /// # Ok::<(), SecretError>(())
    /// ```
    pub fn new(key: impl AsRef<[u8]>) -> Result<Self, SecretError> {
        let key = key.as_ref();
        check_material(key)?;
        Ok(Self(key.into()))
    }

    /// Reads the key from a file, as for `ORGANIZR_HASH_FILE` or a Docker secret.
    /// One trailing newline (`\n` or `\r\n`) is removed, since editors and
    /// `echo` add one; nothing else is trimmed.
    ///
    /// ```
    /// use organizr_auth_core::Secret;
    /// # let dir = std::env::temp_dir().join(format!("oa-secret-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    /// let path = dir.join("organizr_hash");
    /// std::fs::write(&path, "my-organizr-hash\n").map_err(|e| e.to_string())?;
    /// let key = Secret::from_file(&path)?;
    /// assert_eq!(key.len(), "my-organizr-hash".len());
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, SecretError> {
        let path = path.as_ref();
        let mut bytes = std::fs::read(path).map_err(|source| SecretError::Io {
            path: path.to_owned(),
            source,
        })?;
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
        }
        if bytes.trim_ascii().is_empty() {
            return Err(SecretError::EmptyFile {
                path: path.to_owned(),
            });
        }
        Ok(Self(bytes.into_boxed_slice()))
    }

    /// The key's length in bytes.
    ///
    /// ```
    /// # use organizr_auth_core::Secret;
    /// assert_eq!(Secret::new("abc")?.len(), 3);
    /// # Ok::<(), organizr_auth_core::SecretError>(())
    /// ```
    #[allow(clippy::len_without_is_empty)] // a Secret is never empty
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the key is shorter than [`RECOMMENDED_KEY_LEN`] bytes and so open
    /// to offline guessing from a single captured token.
    ///
    /// ```
    /// # use organizr_auth_core::Secret;
    /// assert!(Secret::new("abc")?.is_short());
    /// # Ok::<(), organizr_auth_core::SecretError>(())
    /// ```
    pub fn is_short(&self) -> bool {
        self.0.len() < RECOMMENDED_KEY_LEN
    }

    pub(crate) fn expose(&self) -> &[u8] {
        &self.0
    }
}

/// Key material must be something: not empty, not only whitespace.
fn check_material(key: &[u8]) -> Result<(), SecretError> {
    if key.is_empty() {
        Err(SecretError::Empty)
    } else if key.trim_ascii().is_empty() {
        Err(SecretError::Blank)
    } else {
        Ok(())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Organizr's global API key (`organizrAPI`), accepted in the `Token` header.
/// Comparison is in constant time.
///
/// ```
/// use organizr_auth_core::ApiKey;
/// let key = ApiKey::new("A1B2C3D4E5F6G7H8I9J0")?;
/// assert!(key.matches(b"A1B2C3D4E5F6G7H8I9J0"));
/// assert!(!key.matches(b"A1B2C3D4E5F6G7H8I9J1"));
/// assert_eq!(format!("{key:?}"), "ApiKey(..)");
/// # Ok::<(), organizr_auth_core::SecretError>(())
/// ```
#[derive(Clone)]
pub struct ApiKey(Box<[u8]>);

impl ApiKey {
    /// An API key from its text. Empty or whitespace-only is an error (Organizr
    /// leaves it empty when no key was generated: configure nothing rather than
    /// an empty key).
    ///
    /// ```
    /// use organizr_auth_core::ApiKey;
    /// assert!(ApiKey::new("A1B2C3D4E5F6G7H8I9J0").is_ok());
    /// assert!(ApiKey::new("").is_err());
    /// assert!(ApiKey::new("  ").is_err());
    /// ```
    pub fn new(key: impl AsRef<[u8]>) -> Result<Self, SecretError> {
        let key = key.as_ref();
        check_material(key)?;
        Ok(Self(key.into()))
    }

    /// The key's length in bytes (Organizr makes 20; a start-up warning
    /// names keys shorter than 8).
    ///
    /// ```
    /// use organizr_auth_core::ApiKey;
    /// assert_eq!(ApiKey::new("A1B2C3D4E5F6G7H8I9J0")?.len(), 20);
    /// # Ok::<(), organizr_auth_core::SecretError>(())
    /// ```
    #[allow(clippy::len_without_is_empty)] // an ApiKey is never empty
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether `candidate` is this key, in time that depends only on the lengths.
    ///
    /// ```
    /// use organizr_auth_core::ApiKey;
    /// let key = ApiKey::new("A1B2C3D4E5F6G7H8I9J0")?;
    /// assert!(key.matches(b"A1B2C3D4E5F6G7H8I9J0") && !key.matches(b"a1b2c3d4e5f6g7h8i9j0"));
    /// # Ok::<(), organizr_auth_core::SecretError>(())
    /// ```
    pub fn matches(&self, candidate: &[u8]) -> bool {
        // `ct_eq` on slices of different lengths returns false at once; the length
        // of a 20-character key is no secret worth hiding.
        bool::from(self.0.as_ref().ct_eq(candidate))
    }

    #[cfg(test)]
    pub(crate) fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(..)")
    }
}

/// Why a secret could not be loaded. Messages name the file, never its contents.
///
/// ```
/// use organizr_auth_core::{Secret, SecretError};
/// let err = Secret::from_file("/nonexistent/organizr_hash").unwrap_err();
/// assert!(matches!(err, SecretError::Io { .. }));
/// assert_eq!(err.to_string(), "cannot read key file /nonexistent/organizr_hash");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The key was empty.
    #[error("the key is empty")]
    Empty,
    /// The key was only whitespace (spaces, tabs, newlines).
    #[error("the key is only whitespace")]
    Blank,
    /// The key file was empty or held only whitespace.
    #[error("key file {} is empty or only whitespace", path.display())]
    EmptyFile {
        /// The file that was read.
        path: std::path::PathBuf,
    },
    /// The key file could not be read.
    #[error("cannot read key file {}", path.display())]
    Io {
        /// The file that was read.
        path: std::path::PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_bytes() {
        let s = Secret::new("super-secret-marker").unwrap();
        let k = ApiKey::new("api-secret-marker").unwrap();
        let shown = format!("{s:?} {s:#?} {k:?} {k:#?}");
        assert!(!shown.contains("marker"), "{shown}");
    }

    #[test]
    fn empty_and_blank_keys_are_errors() {
        assert!(matches!(Secret::new(""), Err(SecretError::Empty)));
        assert!(matches!(ApiKey::new(""), Err(SecretError::Empty)));
        // Regression (issue 15, finding 5): these started the server with a
        // guessable key.
        for blank in ["   ", "\n", "\t", "\r\n", " \n "] {
            assert!(
                matches!(Secret::new(blank), Err(SecretError::Blank)),
                "{blank:?}"
            );
            assert!(
                matches!(ApiKey::new(blank), Err(SecretError::Blank)),
                "{blank:?}"
            );
        }
        // Short real keys stay accepted (with a warning at start-up).
        assert!(Secret::new("abc").is_ok());
        assert!(Secret::new(" a ").is_ok());
    }

    #[test]
    fn file_loading_trims_one_newline_only() {
        let dir = std::env::temp_dir().join(format!("oa-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("k");
        std::fs::write(&p, " key \r\n").unwrap();
        assert_eq!(Secret::from_file(&p).unwrap().expose(), b" key ");
        for blank in ["\n", "\n\n\n", " \t\r\n"] {
            std::fs::write(&p, blank).unwrap();
            let err = Secret::from_file(&p).unwrap_err();
            assert!(matches!(err, SecretError::EmptyFile { .. }), "{blank:?}");
            assert!(err.to_string().contains(&p.display().to_string()));
        }
        let missing = dir.join("missing");
        let err = Secret::from_file(&missing).unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn api_key_matches_exactly() {
        let k = ApiKey::new("abc").unwrap();
        assert!(k.matches(b"abc"));
        for bad in [&b"ab"[..], b"abcd", b"ABC", b""] {
            assert!(!k.matches(bad));
        }
    }
}
