//! What can go wrong opening or reading Organizr's session database.

use std::path::PathBuf;
use std::time::Duration;

use super::SessionSetting;

/// The cause below a [`SessionError`]: SQLite's or the file system's own error,
/// boxed so that the SQLite binding stays out of this crate's public API.
///
/// ```
/// use organizr_auth_core::session::{SessionError, SessionOptions, SessionStore};
///
/// let err = SessionStore::open("/nonexistent/orgdb.db", SessionOptions::new()).unwrap_err();
/// if let SessionError::Unreachable { source, .. } = &err {
///     let io = source.downcast_ref::<std::io::Error>().map(std::io::Error::kind);
///     assert_eq!(io, Some(std::io::ErrorKind::NotFound));
/// }
/// ```
pub type SessionErrorSource = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why the session database could not be used, or a setting was refused.
///
/// Messages name the database path and never a token, a row or a secret; the
/// cause (SQLite's or the file system's message) is the [`source`](std::error::Error::source).
///
/// ```
/// use organizr_auth_core::session::{SessionError, SessionOptions, SessionStore};
///
/// let err = SessionStore::open("/nonexistent/orgdb.db", SessionOptions::new()).unwrap_err();
/// assert!(matches!(err, SessionError::Unreachable { .. }));
/// assert_eq!(err.to_string(), "cannot find session database /nonexistent/orgdb.db");
/// assert!(std::error::Error::source(&err).is_some());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The file could not be looked at (missing, moved, no permission).
    #[error("cannot find session database {}", path.display())]
    Unreachable {
        /// The database path.
        path: PathBuf,
        /// The file system's error.
        #[source]
        source: SessionErrorSource,
    },
    /// SQLite could not open the file read-only.
    #[error("cannot open session database {}", path.display())]
    Open {
        /// The database path.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: SessionErrorSource,
    },
    /// The file opened but its sessions, users or tabs could not be read: not a
    /// database, corrupt, not Organizr's schema, or locked past the busy timeout.
    #[error("cannot read session database {}", path.display())]
    Read {
        /// The database path.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: SessionErrorSource,
    },
    /// The background refresh thread could not be started.
    #[error("cannot start the session refresh thread for {}", path.display())]
    Spawn {
        /// The database path.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A [`SessionOptions`](super::SessionOptions) value out of its range.
    #[error("{setting} must be within {}, got {}", setting.allowed(), setting.show(*value))]
    InvalidOption {
        /// Which setting.
        setting: SessionSetting,
        /// The refused value.
        value: Duration,
    },
}

impl SessionError {
    pub(crate) fn unreachable(path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Unreachable {
            path: path.to_path_buf(),
            source: Box::new(source),
        }
    }

    pub(crate) fn open(path: &std::path::Path, source: rusqlite::Error) -> Self {
        Self::Open {
            path: path.to_path_buf(),
            source: Box::new(source),
        }
    }

    pub(crate) fn read(path: &std::path::Path, source: rusqlite::Error) -> Self {
        Self::Read {
            path: path.to_path_buf(),
            source: Box::new(source),
        }
    }
}
