//! Organizr's session table as the truth: logout, revoked sessions, locked
//! accounts, group changes and deleted users take effect here as they do in
//! Organizr (feature `sessions`).
//!
//! A signed token alone cannot tell that its user logged out: it stays valid
//! until `exp`, up to `rememberMeDays` (365 at most). Organizr itself accepts a
//! token only while its exact string has a row in its `tokens` table with the
//! token's `userID` and an `expires` still ahead, and it takes the user's name,
//! e-mail, group and lock from the `users` row, not from the claims.
//! [`SessionStore`] gives the same answers from Organizr's SQLite database
//! (`dbLocation` + `dbName` in its `config.php`):
//!
//! - at [`open`](SessionStore::open) it reads the live sessions, the users and
//!   the tabs into memory, read-only, in one short transaction;
//! - a background thread asks SQLite every [`refresh`](SessionOptions::refresh)
//!   whether anything was committed since (`PRAGMA data_version` on the
//!   connection it keeps, plus the file's identity and change time, so that a
//!   file replaced, moved or written behind SQLite's back is noticed), reloads
//!   when it was, and swaps the new snapshot in atomically;
//! - [`check`](SessionStore::check) and [`tab_group`](SessionStore::tab_group)
//!   answer from the snapshot, never from the database: a hash lookup on the
//!   request path, no I/O, no lock.
//!
//! ```
//! use std::time::SystemTime;
//! use organizr_auth_core::GroupLevel;
//! use organizr_auth_core::session::{SessionCheck, SessionOptions, SessionStore};
//! # let dir = std::env::temp_dir().join(format!("organizr-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir)?;
//! # let path = dir.join("orgdb.db");
//! # rusqlite::Connection::open(&path)?.execute_batch(r#"
//! #   CREATE TABLE users(id INTEGER PRIMARY KEY, username TEXT UNIQUE, email TEXT, "group" TEXT, group_id INTEGER, locked INTEGER);
//! #   CREATE TABLE tokens(id INTEGER PRIMARY KEY, token TEXT UNIQUE, user_id INTEGER, expires DATETIME);
//! #   CREATE TABLE tabs(id INTEGER PRIMARY KEY, name TEXT, group_id INTEGER);
//! #   INSERT INTO users VALUES (1, 'alice', 'alice@example.org', 'User', 4, NULL);
//! #   INSERT INTO tokens VALUES (1, 'eyJ0.alice.sig', 1, '2999-01-01 00:00:00');
//! #   INSERT INTO tabs VALUES (1, 'Plex', 4);"#)?;
//!
//! // `path` is Organizr's database, e.g. /config/www/db/orgdb.db
//! let sessions = SessionStore::open(&path, SessionOptions::new())?;
//!
//! // Only after the token's signature and claims were checked (TokenValidator):
//! match sessions.check("eyJ0.alice.sig", 1, SystemTime::now()) {
//!     SessionCheck::Live(user) => assert_eq!((user.username.as_str(), user.group_id), ("alice", GroupLevel::USER)),
//!     other => panic!("refuse the token: {other:?}"),
//! }
//! assert_eq!(sessions.check("eyJ0.alice.sig", 2, SystemTime::now()), SessionCheck::NoSession);
//! assert_eq!(sessions.tab_group("plex"), Some(GroupLevel::USER));
//! # drop(sessions);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What Organizr does, and where this differs
//! Read in Organizr v2.1.2460's source and checked against it running:
//! - **Expiry at midnight UTC.** Organizr compares `expires` (`YYYY-MM-DD
//!   HH:MM:SS`) with `now` written as `YYYY-MM-DDTHH:MM:SSZ`, as text, so a
//!   session stops at 00:00:00 UTC on its expiry *date*, hours before the time
//!   stored beside it. This module ends it at the same instant, at load and at
//!   every check (never later than Organizr).
//! - **Lock.** `users.locked` = 1 gives [`SessionCheck::Locked`]: Organizr
//!   answers 401 at every level, 999 included, and so must the caller. Any
//!   non-zero number counts as locked here.
//! - **Missing or odd user rows.** Where Organizr falls back to the token's
//!   claims (a user row that is gone, or a NULL username or `group_id`), this
//!   module answers [`SessionCheck::NoSession`], as it does for a `group_id`
//!   outside 0..=999. A NULL e-mail or group name is `None` in [`SessionUser`]
//!   (Organizr then shows the claim's).
//! - **Tab names.** [`SessionStore::tab_group`] is Organizr's
//!   `name LIKE '%x%'` with `%`, `_` and `\` escaped by its database layer:
//!   a literal, ASCII case-insensitive substring; the first tab by id decides,
//!   disabled tabs included.
//! - **Not copied:** Organizr's optional `matchUserAgents` / `matchUserIP`
//!   settings (a session bound to its browser or address).
//!
//! # Security
//! - **The signature is still the caller's job.** Since 2022 Organizr does not
//!   verify its tokens' signatures: a forged token that sits in its table would
//!   pass there. Call [`SessionStore::check`] only for a token that
//!   [`TokenValidator`](crate::TokenValidator) accepted, with the `userID` from
//!   its verified claims. The session check then only ever takes rights away.
//! - **What it trusts:** the database file at the configured path, as Organizr
//!   trusts it. Whoever can write that file can create sessions for tokens they
//!   can sign, lock, promote or demote anyone: protect it as you protect
//!   `organizrHash`.
//! - **Fail closed.** If the database cannot be read (moved, deleted, corrupt,
//!   locked past the busy timeout) the last snapshot answers for at most
//!   [`max_stale`](SessionOptions::max_stale); then every check is
//!   [`SessionCheck::Unavailable`] (refuse) until a read succeeds, which the
//!   store retries on its own every refresh. The window can run over by at
//!   most one read's wait for a lock (the busy timeout: one refresh, at most
//!   1 s). If the refresh thread ends (it never should; a panic would), every
//!   check is `Unavailable` from then on; a thread hung inside the file system
//!   (a dead network mount) is not detected. Each change of state
//!   is logged once (`error` when it goes stale and when it fails closed,
//!   `info` when it is back), never per request; logs and errors name the
//!   path, never a token or a row.
//! - **Read-only, briefly.** The database is opened read-only (it is never
//!   created or written) with a busy timeout, and each reload holds SQLite's
//!   shared lock for one short transaction. In Organizr's default rollback
//!   journal mode Organizr's writes fail outright (it sets no busy timeout)
//!   while any reader holds that lock, so reloads only run when the database
//!   changed, and copy rows out before indexing them.
//! - **Tokens are compared whole**: a hash (randomly seeded) of a token's last
//!   32 bytes, its signature, finds the candidates, and each is compared on
//!   its user id and its full string. The request path does no I/O, takes no
//!   lock and reads no clock; it logs nothing.

mod error;
mod expiry;
mod options;
mod refresh;
mod snapshot;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwap;

pub use error::{SessionError, SessionErrorSource};
pub use options::{SessionOptions, SessionSetting};

use crate::GroupLevel;
use refresh::{Health, Poller};
use snapshot::Snapshot;

/// Organizr's live sessions, users and tabs, kept in memory and refreshed in
/// the background. Cheap to clone (one `Arc`); the refresh thread ends when the
/// last clone is dropped.
///
/// ```
/// use std::time::SystemTime;
/// use organizr_auth_core::session::{SessionCheck, SessionOptions, SessionStatus, SessionStore};
/// # let dir = std::env::temp_dir().join(format!("organizr-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # let path = dir.join("orgdb.db");
/// # rusqlite::Connection::open(&path)?.execute_batch(r#"
/// #   CREATE TABLE users(id INTEGER PRIMARY KEY, username TEXT UNIQUE, email TEXT, "group" TEXT, group_id INTEGER, locked INTEGER);
/// #   CREATE TABLE tokens(id INTEGER PRIMARY KEY, token TEXT UNIQUE, user_id INTEGER, expires DATETIME);
/// #   CREATE TABLE tabs(id INTEGER PRIMARY KEY, name TEXT, group_id INTEGER);
/// #   INSERT INTO users VALUES (1, 'alice', 'alice@example.org', 'User', 4, 1);
/// #   INSERT INTO tokens VALUES (1, 'eyJ0.alice.sig', 1, '2999-01-01 00:00:00');"#)?;
///
/// let sessions = SessionStore::open(&path, SessionOptions::new())?;
/// let for_a_worker = sessions.clone();
/// assert_eq!(for_a_worker.check("eyJ0.alice.sig", 1, SystemTime::now()), SessionCheck::Locked);
/// assert_eq!(sessions.status(), SessionStatus::Fresh);
/// assert!(format!("{sessions:?}").contains("orgdb.db"));
/// # drop((sessions, for_a_worker));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SessionStore {
    inner: Arc<Inner>,
}

/// Dropped with the last handle; dropping `_stop` wakes and ends the thread.
struct Inner {
    shared: Arc<Shared>,
    _stop: mpsc::Sender<()>,
}

/// What the request path and the refresh thread share.
///
/// `ArcSwap` rather than `RwLock<Arc<Snapshot>>`: a check loads the snapshot
/// without writing to any shared cache line (arc-swap's readers use
/// thread-local debt slots), so concurrent requests on many cores never
/// contend, and a reload never blocks them; a read lock would bounce its
/// counter between cores on every request.
pub(crate) struct Shared {
    path: PathBuf,
    options: SessionOptions,
    snapshot: ArcSwap<Snapshot>,
    health: Health,
}

impl SessionStore {
    /// Opens Organizr's SQLite database read-only, loads the first snapshot and
    /// starts the refresh thread (named `organizr-sessions`).
    ///
    /// Fails, naming the path, when the file cannot be found, opened or read
    /// as Organizr's database (its `tokens`, `users` and `tabs` tables): a
    /// start-up error, never a silent stateless mode.
    ///
    /// ```
    /// use organizr_auth_core::session::{SessionError, SessionOptions, SessionStore};
    /// # let dir = std::env::temp_dir().join(format!("organizr-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let not_organizr = dir.join("other.db");
    /// rusqlite::Connection::open(&not_organizr)?.execute_batch("CREATE TABLE t(x)")?;
    /// let err = SessionStore::open(&not_organizr, SessionOptions::new()).unwrap_err();
    /// assert!(matches!(err, SessionError::Read { .. }));
    /// assert!(err.to_string().starts_with("cannot read session database "));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(path: impl AsRef<Path>, options: SessionOptions) -> Result<Self, SessionError> {
        let path = path.as_ref().to_path_buf();
        let mut poller = Poller::new(path.clone(), options);
        let health = Health::new(&options);
        let snapshot = poller.first()?;
        let shared = Arc::new(Shared {
            path: path.clone(),
            options,
            snapshot: ArcSwap::from_pointee(snapshot),
            health,
        });
        let (stop, stopped) = mpsc::channel();
        let for_thread = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("organizr-sessions".into())
            .spawn(move || refresh::run(for_thread, poller, stopped))
            .map_err(|source| SessionError::Spawn { path, source })?;
        Ok(Self {
            inner: Arc::new(Inner {
                shared,
                _stop: stop,
            }),
        })
    }

    /// Whether `token`, already accepted by the token validator and claiming
    /// `user_id`, is a live Organizr session at `now`, and whose.
    ///
    /// The token is compared whole. Rows past their end are refused here too,
    /// not only at load. While the snapshot is stale beyond
    /// [`max_stale`](SessionOptions::max_stale) the answer is
    /// [`SessionCheck::Unavailable`] whatever the token.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime, UNIX_EPOCH};
    /// use organizr_auth_core::session::{SessionCheck, SessionOptions, SessionStore};
    /// # let dir = std::env::temp_dir().join(format!("organizr-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # let path = dir.join("orgdb.db");
    /// # rusqlite::Connection::open(&path)?.execute_batch(r#"
    /// #   CREATE TABLE users(id INTEGER PRIMARY KEY, username TEXT UNIQUE, email TEXT, "group" TEXT, group_id INTEGER, locked INTEGER);
    /// #   CREATE TABLE tokens(id INTEGER PRIMARY KEY, token TEXT UNIQUE, user_id INTEGER, expires DATETIME);
    /// #   CREATE TABLE tabs(id INTEGER PRIMARY KEY, name TEXT, group_id INTEGER);
    /// #   INSERT INTO users VALUES (1, 'alice', 'alice@example.org', 'User', 4, NULL);
    /// #   INSERT INTO tokens VALUES (1, 'eyJ0.alice.sig', 1, '2999-01-01 00:00:00');"#)?;
    /// let sessions = SessionStore::open(&path, SessionOptions::new())?;
    /// let now = SystemTime::now();
    /// assert!(matches!(sessions.check("eyJ0.alice.sig", 1, now), SessionCheck::Live(_)));
    /// assert_eq!(sessions.check("eyJ0.alice.si", 1, now), SessionCheck::NoSession);
    /// // The row says 2999-01-01 00:00:00: Organizr drops it at midnight that day.
    /// let new_year_2999 = UNIX_EPOCH + Duration::from_secs(32_472_144_000);
    /// assert_eq!(sessions.check("eyJ0.alice.sig", 1, new_year_2999), SessionCheck::NoSession);
    /// # drop(sessions);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check(&self, token: &str, user_id: u64, now: SystemTime) -> SessionCheck {
        let shared = &self.inner.shared;
        if !shared.health.available() {
            return SessionCheck::Unavailable;
        }
        shared.snapshot.load().check(token, user_id, unix_secs(now))
    }

    /// The group level of Organizr's first tab (by id) whose name contains
    /// `name`, ASCII case-insensitively, as Organizr's server-auth API reads a
    /// non-numeric `group`; `%` and `_` are plain characters, as Organizr
    /// escapes them.
    ///
    /// `None` when no tab matches (Organizr then requires level 0), when the
    /// first match has no group id in 0..=999, when `name` is empty (Organizr
    /// answers such a request with level 0 without looking), or while checks
    /// are [`Unavailable`](SessionCheck::Unavailable).
    ///
    /// ```
    /// use organizr_auth_core::GroupLevel;
    /// use organizr_auth_core::session::{SessionOptions, SessionStore};
    /// # let dir = std::env::temp_dir().join(format!("organizr-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # let path = dir.join("orgdb.db");
    /// # rusqlite::Connection::open(&path)?.execute_batch(r#"
    /// #   CREATE TABLE users(id INTEGER PRIMARY KEY, username TEXT UNIQUE, email TEXT, "group" TEXT, group_id INTEGER, locked INTEGER);
    /// #   CREATE TABLE tokens(id INTEGER PRIMARY KEY, token TEXT UNIQUE, user_id INTEGER, expires DATETIME);
    /// #   CREATE TABLE tabs(id INTEGER PRIMARY KEY, name TEXT, group_id INTEGER);
    /// #   INSERT INTO tabs VALUES (1, 'Settings', 1), (2, 'Homepage', 4);"#)?;
    /// let sessions = SessionStore::open(&path, SessionOptions::new())?;
    /// assert_eq!(sessions.tab_group("HOME"), Some(GroupLevel::USER));
    /// assert_eq!(sessions.tab_group("e"), Some(GroupLevel::CO_ADMIN)); // first by id
    /// assert_eq!(sessions.tab_group("h_me"), None); // `_` is literal
    /// # drop(sessions);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn tab_group(&self, name: &str) -> Option<GroupLevel> {
        let shared = &self.inner.shared;
        if name.is_empty() || !shared.health.available() {
            return None;
        }
        shared.snapshot.load().tab_group(name)
    }

    /// Whether the snapshot is current, stale (the database cannot be read; the
    /// last snapshot still answers), or failing closed.
    ///
    /// ```
    /// use organizr_auth_core::session::{SessionOptions, SessionStatus, SessionStore};
    /// # let dir = std::env::temp_dir().join(format!("organizr-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # let path = dir.join("orgdb.db");
    /// # rusqlite::Connection::open(&path)?.execute_batch(r#"
    /// #   CREATE TABLE users(id INTEGER PRIMARY KEY, username TEXT UNIQUE, email TEXT, "group" TEXT, group_id INTEGER, locked INTEGER);
    /// #   CREATE TABLE tokens(id INTEGER PRIMARY KEY, token TEXT UNIQUE, user_id INTEGER, expires DATETIME);
    /// #   CREATE TABLE tabs(id INTEGER PRIMARY KEY, name TEXT, group_id INTEGER);"#)?;
    /// let sessions = SessionStore::open(&path, SessionOptions::new())?;
    /// assert_eq!(sessions.status(), SessionStatus::Fresh);
    /// # drop(sessions);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn status(&self) -> SessionStatus {
        self.inner.shared.health.status()
    }

    /// The database path, as given to [`open`](Self::open).
    ///
    /// ```
    /// use organizr_auth_core::session::{SessionOptions, SessionStore};
    /// # let dir = std::env::temp_dir().join(format!("organizr-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # let path = dir.join("orgdb.db");
    /// # rusqlite::Connection::open(&path)?.execute_batch(r#"
    /// #   CREATE TABLE users(id INTEGER PRIMARY KEY, username TEXT UNIQUE, email TEXT, "group" TEXT, group_id INTEGER, locked INTEGER);
    /// #   CREATE TABLE tokens(id INTEGER PRIMARY KEY, token TEXT UNIQUE, user_id INTEGER, expires DATETIME);
    /// #   CREATE TABLE tabs(id INTEGER PRIMARY KEY, name TEXT, group_id INTEGER);"#)?;
    /// let sessions = SessionStore::open(&path, SessionOptions::new())?;
    /// assert_eq!(sessions.path(), path);
    /// # drop(sessions);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn path(&self) -> &Path {
        &self.inner.shared.path
    }

    /// How many live sessions the current snapshot holds (for start-up logs:
    /// zero on a busy instance suggests the wrong file).
    ///
    /// ```
    /// use organizr_auth_core::session::{SessionOptions, SessionStore};
    /// # let dir = std::env::temp_dir().join(format!("organizr-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # let path = dir.join("orgdb.db");
    /// # rusqlite::Connection::open(&path)?.execute_batch(r#"
    /// #   CREATE TABLE users(id INTEGER PRIMARY KEY, username TEXT UNIQUE, email TEXT, "group" TEXT, group_id INTEGER, locked INTEGER);
    /// #   CREATE TABLE tokens(id INTEGER PRIMARY KEY, token TEXT UNIQUE, user_id INTEGER, expires DATETIME);
    /// #   CREATE TABLE tabs(id INTEGER PRIMARY KEY, name TEXT, group_id INTEGER);
    /// #   INSERT INTO users VALUES (1, 'alice', 'alice@example.org', 'User', 4, NULL);
    /// #   INSERT INTO tokens VALUES (1, 'eyJ0.alice.sig', 1, '2999-01-01 00:00:00'),
    /// #                             (2, 'eyJ0.alice.old', 1, '2001-01-01 00:00:00');"#)?;
    /// let sessions = SessionStore::open(&path, SessionOptions::new())?;
    /// assert_eq!(sessions.live_sessions(), 1);
    /// # drop(sessions);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn live_sessions(&self) -> usize {
        self.inner.shared.snapshot.load().len()
    }
}

impl fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &self.inner.shared;
        f.debug_struct("SessionStore")
            .field("path", &shared.path)
            .field("status", &self.status())
            .field("refresh", &shared.options.refresh_interval())
            .field("max_stale", &shared.options.stale_window())
            .finish_non_exhaustive()
    }
}

/// The answer of [`SessionStore::check`].
///
/// Only [`Live`](Self::Live) lets a token through; every other answer refuses
/// it, at every level (999 included for [`Locked`](Self::Locked), as Organizr
/// does).
///
/// ```
/// use organizr_auth_core::session::SessionCheck;
///
/// fn admits(check: &SessionCheck) -> bool {
///     matches!(check, SessionCheck::Live(_))
/// }
/// assert!(!admits(&SessionCheck::Locked));
/// assert!(!admits(&SessionCheck::Unavailable));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionCheck {
    /// A live session; the user as their row says now (shared with the
    /// snapshot: cloning it is a reference count, not a copy).
    Live(Arc<SessionUser>),
    /// A live session of a locked user: refuse, at every level.
    Locked,
    /// No live session: logged out, revoked, expired, never issued, another
    /// user's token, a deleted user, or a user row with no usable name or
    /// group level.
    NoSession,
    /// The database has been unreadable for longer than
    /// [`max_stale`](SessionOptions::max_stale): fail closed.
    Unavailable,
}

/// A user as Organizr's `users` row says now: these values replace the
/// token's claims, so that promotions and demotions apply to live sessions.
///
/// `Debug` leaves the e-mail address out.
///
/// ```
/// use std::time::SystemTime;
/// use organizr_auth_core::GroupLevel;
/// use organizr_auth_core::session::{SessionCheck, SessionOptions, SessionStore};
/// # let dir = std::env::temp_dir().join(format!("organizr-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # let path = dir.join("orgdb.db");
/// # rusqlite::Connection::open(&path)?.execute_batch(r#"
/// #   CREATE TABLE users(id INTEGER PRIMARY KEY, username TEXT UNIQUE, email TEXT, "group" TEXT, group_id INTEGER, locked INTEGER);
/// #   CREATE TABLE tokens(id INTEGER PRIMARY KEY, token TEXT UNIQUE, user_id INTEGER, expires DATETIME);
/// #   CREATE TABLE tabs(id INTEGER PRIMARY KEY, name TEXT, group_id INTEGER);
/// #   INSERT INTO users VALUES (7, 'bob', 'bob@example.org', 'Power User', 3, 0);
/// #   INSERT INTO tokens VALUES (1, 'eyJ0.bob.sig', 7, '2999-01-01 00:00:00');"#)?;
/// let sessions = SessionStore::open(&path, SessionOptions::new())?;
/// let SessionCheck::Live(bob) = sessions.check("eyJ0.bob.sig", 7, SystemTime::now()) else {
///     panic!("bob's session is live");
/// };
/// assert_eq!(bob.user_id, 7);
/// assert_eq!(bob.group_id, GroupLevel::POWER_USER);
/// assert_eq!(bob.group.as_deref(), Some("Power User"));
/// assert_eq!(bob.email.as_deref(), Some("bob@example.org"));
/// assert!(!format!("{bob:?}").contains("bob@example.org"));
/// # drop(sessions);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionUser {
    /// `users.id`, the token's `userID`.
    pub user_id: u64,
    /// `users.username`, never empty.
    pub username: String,
    /// `users.email`; `None` when NULL (Organizr shows the token's claim then).
    pub email: Option<String>,
    /// `users.group_id`, the level every decision uses.
    pub group_id: GroupLevel,
    /// `users.group`, the group's name; `None` when NULL.
    pub group: Option<String>,
}

impl fmt::Debug for SessionUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionUser")
            .field("user_id", &self.user_id)
            .field("username", &self.username)
            .field("group_id", &self.group_id)
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}

/// The state of a [`SessionStore`]'s snapshot, from
/// [`status`](SessionStore::status).
///
/// ```
/// use std::time::Instant;
/// use organizr_auth_core::session::SessionStatus;
///
/// fn describe(status: SessionStatus) -> String {
///     match status {
///         SessionStatus::Fresh => "current".to_owned(),
///         SessionStatus::Stale { since } => format!("stale for {:?}", since.elapsed()),
///         SessionStatus::FailingClosed { since } => format!("refusing sessions, unreadable for {:?}", since.elapsed()),
///         _ => "unknown".to_owned(),
///     }
/// }
/// assert_eq!(describe(SessionStatus::Fresh), "current");
/// assert!(describe(SessionStatus::Stale { since: Instant::now() }).starts_with("stale"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionStatus {
    /// The last poll read the database (or saw it unchanged).
    Fresh,
    /// The database cannot be read since `since`; the last snapshot still
    /// answers, until `since` + `max_stale`.
    Stale {
        /// When reads started to fail.
        since: Instant,
    },
    /// Every check answers [`SessionCheck::Unavailable`] until a read succeeds.
    FailingClosed {
        /// When reads started to fail (or, if the refresh thread ended,
        /// when its last read succeeded).
        since: Instant,
    },
}

/// Unix seconds, negative before 1970.
fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}

    #[test]
    fn handles_are_send_sync_and_clone() {
        assert_send_sync::<SessionStore>();
        assert_send_sync::<SessionCheck>();
    }

    #[test]
    fn the_refresh_thread_ends_with_the_last_handle() {
        let dir =
            std::env::temp_dir().join(format!("organizr-session-unit-{}-drop", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("orgdb.db");
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(
                "CREATE TABLE users(id, username, email, `group`, group_id, locked);
                 CREATE TABLE tokens(token, user_id, expires);
                 CREATE TABLE tabs(id, name, group_id);",
            )
            .unwrap();
        // The longest refresh: the thread must not wait out its interval.
        let options = SessionOptions::new()
            .refresh(SessionOptions::MAX_REFRESH)
            .unwrap();
        let store = SessionStore::open(&path, options).unwrap();
        let clone = store.clone();
        let shared = Arc::downgrade(&store.inner.shared);
        drop(store);
        assert!(shared.upgrade().is_some(), "a clone keeps it running");
        drop(clone);
        // The thread holds the other reference to `Shared`; it is gone once the
        // thread has returned. Polled, with a deadline far below MAX_REFRESH.
        let start = Instant::now();
        while shared.upgrade().is_some() {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(30),
                "the refresh thread outlived its store"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unix_secs_counts_both_ways() {
        use std::time::Duration;
        assert_eq!(unix_secs(UNIX_EPOCH + Duration::from_secs(5)), 5);
        assert_eq!(unix_secs(UNIX_EPOCH - Duration::from_secs(5)), -5);
    }
}
