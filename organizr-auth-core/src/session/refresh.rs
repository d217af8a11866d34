//! The background thread: polls the database for changes, reloads the snapshot,
//! and keeps the health record that decides when to fail closed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime};

use rusqlite::{Connection, OpenFlags};

use super::snapshot::Snapshot;
use super::{SessionError, SessionOptions, SessionStatus, Shared, unix_secs};

/// When reads last worked, since when they fail, and whether checks are
/// refused: written by the refresh thread only.
///
/// The request path reads one flag, `closed`, and no clock: the thread, which
/// polls on a monotonic clock anyway, closes it when the stale window runs out
/// (it wakes for that deadline) and opens it after the next good read. A
/// clock read per check would cost more than the lookup itself on some virtual
/// machines (40 ns measured here; a system call where the VM's clock source
/// has no vDSO path).
pub(crate) struct Health {
    epoch: Instant,
    /// Nanoseconds after `epoch` at which the last successful poll started.
    last_ok: AtomicU64,
    /// One more than the nanoseconds after `epoch` at which the first failed
    /// poll of the current run of failures started; 0 while reads work.
    failing_since: AtomicU64,
    /// Every check answers `Unavailable` while set.
    closed: AtomicBool,
    max_stale: u64,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Health {
    pub(crate) fn new(options: &SessionOptions) -> Self {
        Self {
            epoch: Instant::now(),
            last_ok: AtomicU64::new(0),
            failing_since: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            max_stale: nanos(options.stale_window()),
        }
    }

    fn now(&self) -> u64 {
        nanos(self.epoch.elapsed())
    }

    fn instant(&self, ns: u64) -> Instant {
        self.epoch + Duration::from_nanos(ns)
    }

    /// Since when reads fail (nanoseconds after `epoch`), if they do.
    fn failing(&self) -> Option<u64> {
        self.failing_since.load(Ordering::Relaxed).checked_sub(1)
    }

    pub(crate) fn status(&self) -> SessionStatus {
        let failing = self.failing();
        if self.closed.load(Ordering::Acquire) {
            let since = failing.unwrap_or_else(|| self.last_ok.load(Ordering::Relaxed));
            return SessionStatus::FailingClosed {
                since: self.instant(since),
            };
        }
        match failing {
            Some(since) => SessionStatus::Stale {
                since: self.instant(since),
            },
            None => SessionStatus::Fresh,
        }
    }

    /// The request path's whole health check: one load, no clock.
    pub(crate) fn available(&self) -> bool {
        !self.closed.load(Ordering::Acquire)
    }

    /// A good poll, after its snapshot (if any) was stored: a check that sees
    /// `closed` cleared sees that snapshot too (release/acquire).
    fn succeeded(&self, started: u64) {
        self.last_ok.store(started, Ordering::Relaxed);
        self.failing_since.store(0, Ordering::Relaxed);
        self.closed.store(false, Ordering::Release);
    }

    /// Records a failed poll; returns since when reads fail.
    fn failed(&self, started: u64) -> u64 {
        if let Some(since) = self.failing() {
            return since;
        }
        self.failing_since
            .store(started.saturating_add(1), Ordering::Relaxed);
        started
    }

    fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }

    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// How long until the stale window of a run of failures ends, if one is
    /// running and has not ended yet.
    fn until_deadline(&self) -> Option<Duration> {
        let since = self.failing()?;
        if self.is_closed() {
            return None;
        }
        let deadline = since.saturating_add(self.max_stale);
        Some(Duration::from_nanos(deadline.saturating_sub(self.now())))
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
                health.failed(started);
                // Recorded as an error value: subscribers write its causes
                // too (tracing-subscriber's `error.sources`).
                let error: &dyn std::error::Error = &error;
                if self.logged == Logged::Fresh {
                    tracing::error!(
                        path = %self.path.display(),
                        error,
                        "session database unreadable: answering from the last snapshot for at most {:?}, then refusing every session",
                        self.options.stale_window()
                    );
                    self.logged = Logged::Stale;
                } else {
                    tracing::debug!(
                        path = %self.path.display(),
                        error,
                        "session database still unreadable"
                    );
                }
                self.close_if_due(health);
            }
        }
    }

    /// Fails closed once reads have failed for the whole stale window.
    fn close_if_due(&mut self, health: &Health) {
        if health.until_deadline() == Some(Duration::ZERO) {
            health.close();
            if self.logged != Logged::Closed {
                tracing::error!(
                    path = %self.path.display(),
                    "session database unreadable for {:?}: refusing every session until it can be read",
                    self.options.stale_window()
                );
                self.logged = Logged::Closed;
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

/// The thread's body: poll every `refresh` (waking earlier when a stale
/// window ends) until the last store handle is dropped; the channel's sender
/// goes with it, which wakes the wait at once.
pub(crate) fn run(shared: Arc<Shared>, mut poller: Poller, stop: Receiver<()>) {
    // However the thread ends (a panic included), checks fail closed: nothing
    // would ever refresh the snapshot again.
    struct CloseOnExit<'a>(&'a Health);
    impl Drop for CloseOnExit<'_> {
        fn drop(&mut self) {
            self.0.close();
        }
    }
    let health = &shared.health;
    let _close_on_exit = CloseOnExit(health);
    let every = shared.options.refresh_interval();
    loop {
        let wait = health
            .until_deadline()
            .map_or(every, |left| left.min(every));
        match stop.recv_timeout(wait) {
            Err(RecvTimeoutError::Timeout) => {
                // Close before polling: a poll may wait out the busy timeout.
                poller.close_if_due(health);
                poller.poll(&shared);
            }
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arc_swap::ArcSwap;

    #[test]
    fn checks_fail_closed_once_the_refresh_thread_has_ended() {
        let dir =
            std::env::temp_dir().join(format!("organizr-session-unit-{}-exit", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("orgdb.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "CREATE TABLE users(id, username, email, `group`, group_id, locked);
                 CREATE TABLE tokens(token, user_id, expires);
                 CREATE TABLE tabs(id, name, group_id);",
            )
            .unwrap();
        let options = SessionOptions::new();
        let mut poller = Poller::new(path.clone(), options);
        let shared = Arc::new(Shared {
            path: path.clone(),
            options,
            health: Health::new(&options),
            snapshot: ArcSwap::from_pointee(poller.first().unwrap()),
        });
        assert!(shared.health.available());
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        drop(stop);
        run(Arc::clone(&shared), poller, stopped);
        assert!(!shared.health.available());
        assert!(matches!(
            shared.health.status(),
            SessionStatus::FailingClosed { .. }
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
