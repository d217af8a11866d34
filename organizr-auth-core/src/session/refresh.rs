//! The background thread: polls the database for changes, reloads the snapshot,
//! and keeps the health record that decides when to fail closed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime};

use rusqlite::{Connection, OpenFlags};

use super::snapshot::Snapshot;
use super::{SessionError, SessionOptions, SessionStatus, Shared, unix_secs};

/// Beyond the stale window, how far the last successful poll may lag before
/// checks fail closed on their own: covers a refresh thread that died or hangs
/// in the file system, which could then never report a failure.
const WATCHDOG_SLACK: Duration = Duration::from_secs(5);

/// When reads last worked and since when they fail, on a monotonic clock.
/// Written by the refresh thread, read on every check.
pub(crate) struct Health {
    epoch: Instant,
    /// Nanoseconds after `epoch` at which the last successful poll started.
    last_ok: AtomicU64,
    /// One more than the nanoseconds after `epoch` at which the first failed
    /// poll of the current run of failures started; 0 while reads work.
    failing_since: AtomicU64,
    max_stale: u64,
    watchdog: u64,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Health {
    pub(crate) fn new(options: &SessionOptions) -> Self {
        let max_stale = nanos(options.stale_window());
        let watchdog = max_stale
            .saturating_add(nanos(options.refresh_interval()))
            .saturating_add(nanos(options.busy_timeout()))
            .saturating_add(nanos(WATCHDOG_SLACK));
        Self {
            epoch: Instant::now(),
            last_ok: AtomicU64::new(0),
            failing_since: AtomicU64::new(0),
            max_stale,
            watchdog,
        }
    }

    fn now(&self) -> u64 {
        nanos(self.epoch.elapsed())
    }

    fn instant(&self, ns: u64) -> Instant {
        self.epoch + Duration::from_nanos(ns)
    }

    /// Relaxed loads: each value is a self-contained timestamp, and a check
    /// that sees a recovery a moment before the new snapshot answers from the
    /// last good one, which is what the stale window allows anyway.
    pub(crate) fn status(&self) -> SessionStatus {
        let now = self.now();
        let failing = self.failing_since.load(Ordering::Relaxed);
        let last_ok = self.last_ok.load(Ordering::Relaxed);
        if failing != 0 {
            let since = failing - 1;
            return if now.saturating_sub(since) >= self.max_stale {
                SessionStatus::FailingClosed {
                    since: self.instant(since),
                }
            } else {
                SessionStatus::Stale {
                    since: self.instant(since),
                }
            };
        }
        if now.saturating_sub(last_ok) > self.watchdog {
            return SessionStatus::FailingClosed {
                since: self.instant(last_ok),
            };
        }
        SessionStatus::Fresh
    }

    pub(crate) fn available(&self) -> bool {
        !matches!(self.status(), SessionStatus::FailingClosed { .. })
    }

    fn succeeded(&self, started: u64) {
        self.last_ok.store(started, Ordering::Relaxed);
        self.failing_since.store(0, Ordering::Relaxed);
    }

    /// Records a failed poll; returns when the failures began (nanoseconds after
    /// `epoch`).
    fn failed(&self, started: u64) -> u64 {
        let failing = self.failing_since.load(Ordering::Relaxed);
        if failing != 0 {
            return failing - 1;
        }
        self.failing_since
            .store(started.saturating_add(1), Ordering::Relaxed);
        started
    }
}

/// What identifies the file and its content outside SQLite: a file replaced or
/// moved away keeps serving the old inode to an open connection, and a file
/// overwritten without SQLite may not bump `data_version`. `data_version` in
/// turn sees commits that leave the file's times alone (WAL mode, where they go
/// to the `-wal` file, or two commits within the times' granularity).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    dev: u64,
    ino: u64,
    len: u64,
    modified: Option<SystemTime>,
    changed: (i64, i64),
}

impl FileStamp {
    fn of(path: &Path) -> std::io::Result<Self> {
        let meta = std::fs::metadata(path)?;
        #[cfg(unix)]
        let (dev, ino, changed) = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino(), (meta.ctime(), meta.ctime_nsec()))
        };
        #[cfg(not(unix))]
        let (dev, ino, changed) = (0, 0, (0, 0));
        Ok(Self {
            dev,
            ino,
            len: meta.len(),
            modified: meta.modified().ok(),
            changed,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Logged {
    Fresh,
    Stale,
    Closed,
}

/// The refresh thread's own state: the connection it keeps (so that
/// `PRAGMA data_version` means "changed since my last look"), and what it last
/// saw and said.
pub(crate) struct Poller {
    path: PathBuf,
    options: SessionOptions,
    conn: Option<Connection>,
    stamp: Option<FileStamp>,
    data_version: i64,
    logged: Logged,
}

impl Poller {
    pub(crate) fn new(path: PathBuf, options: SessionOptions) -> Self {
        Self {
            path,
            options,
            conn: None,
            stamp: None,
            data_version: 0,
            logged: Logged::Fresh,
        }
    }

    /// The snapshot the store starts from: a failure here is the caller's
    /// start-up error.
    pub(crate) fn first(&mut self) -> Result<Snapshot, SessionError> {
        self.reload_if_changed()?
            .ok_or_else(|| unreachable_state(&self.path))
    }

    /// A snapshot when the database changed since the last look, `None` when it
    /// did not. On error the connection is dropped: the next poll reopens the
    /// path and reloads, whatever the fault was.
    fn reload_if_changed(&mut self) -> Result<Option<Snapshot>, SessionError> {
        let result = self.try_reload_if_changed();
        if result.is_err() {
            self.conn = None;
            self.stamp = None;
        }
        result
    }

    fn try_reload_if_changed(&mut self) -> Result<Option<Snapshot>, SessionError> {
        let path = self.path.as_path();
        let stamp = FileStamp::of(path).map_err(|e| SessionError::unreachable(path, e))?;
        // Any change to the file outside what SQLite tracks for this connection
        // (another inode at the path, or new size or times) gets a new
        // connection: its page cache may describe a file that is gone or was
        // overwritten behind SQLite's back. Organizr's own commits change the
        // times too, so this costs an open per change, not per poll.
        if self.stamp != Some(stamp) {
            self.conn = None;
            self.stamp = None;
        }
        let conn = match self.conn.take() {
            Some(conn) => conn,
            None => open(path, &self.options)?,
        };
        let conn = self.conn.insert(conn);
        // Read before loading: a commit between the two is loaded now and seen
        // again (harmlessly) next time, never missed.
        let version = conn
            .query_row("PRAGMA data_version", [], |row| row.get::<_, i64>(0))
            .map_err(|e| SessionError::read(path, e))?;
        if self.stamp == Some(stamp) && version == self.data_version {
            return Ok(None);
        }
        let snapshot = Snapshot::load(conn, path, unix_secs(SystemTime::now()))?;
        self.stamp = Some(stamp);
        self.data_version = version;
        Ok(Some(snapshot))
    }

    /// One poll: reload if needed, record health, log transitions (once each).
    pub(crate) fn poll(&mut self, shared: &Shared) {
        let health = &shared.health;
        let started = health.now();
        match self.reload_if_changed() {
            Ok(snapshot) => {
                if let Some(snapshot) = snapshot {
                    tracing::debug!(
                        path = %self.path.display(),
                        sessions = snapshot.len(),
                        users = snapshot.users,
                        orphans = snapshot.orphans,
                        read_ms = snapshot.read_time.as_secs_f64() * 1e3,
                        "session snapshot reloaded"
                    );
                    shared.snapshot.store(Arc::new(snapshot));
                }
                health.succeeded(started);
                if self.logged != Logged::Fresh {
                    tracing::info!(
                        path = %self.path.display(),
                        "session database readable again: sessions are checked against it"
                    );
                    self.logged = Logged::Fresh;
                }
            }
            Err(error) => {
                let since = health.failed(started);
                let closed = health.now().saturating_sub(since) >= health.max_stale;
                let error = chain(&error);
                let window = self.options.stale_window();
                match (self.logged, closed) {
                    (Logged::Fresh, false) => {
                        tracing::error!(
                            path = %self.path.display(),
                            error = %error,
                            "session database unreadable: answering from the last snapshot for at most {window:?}, then refusing every session"
                        );
                        self.logged = Logged::Stale;
                    }
                    (Logged::Fresh | Logged::Stale, true) => {
                        tracing::error!(
                            path = %self.path.display(),
                            error = %error,
                            "session database unreadable for {window:?}: refusing every session until it can be read"
                        );
                        self.logged = Logged::Closed;
                    }
                    _ => tracing::debug!(
                        path = %self.path.display(),
                        error = %error,
                        "session database still unreadable"
                    ),
                }
            }
        }
    }
}

fn unreachable_state(path: &Path) -> SessionError {
    // A fresh poller has no stamp, so its first look always loads; this is
    // only here so that the type says so without a panic.
    SessionError::Read {
        path: path.to_path_buf(),
        source: "no snapshot after the first read".into(),
    }
}

/// Read-only, never creating the file, no shared cache; `query_only` as a
/// second guard; a busy timeout so that a write in progress is waited for, not
/// counted as a fault.
fn open(path: &Path, options: &SessionOptions) -> Result<Connection, SessionError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| SessionError::open(path, e))?;
    conn.busy_timeout(options.busy_timeout())
        .map_err(|e| SessionError::open(path, e))?;
    conn.pragma_update(None, "query_only", true)
        .map_err(|e| SessionError::open(path, e))?;
    Ok(conn)
}

/// The error and its causes on one line, for a log field.
fn chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// The thread's body: poll every `refresh` until the last store handle is
/// dropped (the channel's sender goes with it, which wakes the wait at once).
pub(crate) fn run(shared: Arc<Shared>, mut poller: Poller, stop: Receiver<()>) {
    let every = shared.options.refresh_interval();
    loop {
        match stop.recv_timeout(every) {
            Err(RecvTimeoutError::Timeout) => poller.poll(&shared),
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}
