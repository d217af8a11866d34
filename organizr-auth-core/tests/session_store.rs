//! The session store against SQLite databases made with Organizr's own schema
//! (`tests/data/organizr-schema.sql`, copied from its source): what a request
//! would be told after each thing Organizr does to its tables, the faults, and
//! writes racing the reloads.
//!
//! Nothing here asserts a duration: every change is awaited by polling with a
//! generous deadline, and the stale window is tested with windows that either
//! cannot run out during the test (an hour) or must (a fraction of a second,
//! awaited the same way).
#![cfg(feature = "sessions")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{DEADLINE, TempDir, eventually};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use organizr_auth_core::GroupLevel;
use organizr_auth_core::session::{
    SessionCheck, SessionError, SessionOptions, SessionStatus, SessionStore, SessionUser,
};
use rusqlite::{Connection, params};

const SCHEMA: &str = include_str!("data/organizr-schema.sql");
/// A row Organizr wrote with "remember me" far ahead.
const FUTURE: &str = "2099-12-31 12:00:00";
/// A row that expired long ago (Organizr never purges them).
const PAST: &str = "2001-01-01 12:00:00";

// ---------------------------------------------------------------- fixtures

/// A directory of its own per test, removed at the end.
/// Organizr's side: a read-write connection doing what Organizr's PHP does.
struct Organizr {
    conn: Connection,
}

impl Organizr {
    /// A fresh install: the wizard's schema, groups, default tabs and admin.
    fn install(path: &Path) -> Self {
        let conn = Connection::open(path).unwrap();
        conn.busy_timeout(Duration::from_secs(10)).unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        conn.execute_batch(
            "INSERT INTO groups (`group`, group_id, image, `default`) VALUES
               ('Admin', 0, 'plugins/images/groups/admin.png', 0),
               ('Co-Admin', 1, 'plugins/images/groups/coadmin.png', 0),
               ('Super User', 2, 'plugins/images/groups/superuser.png', 0),
               ('Power User', 3, 'plugins/images/groups/poweruser.png', 0),
               ('User', 4, 'plugins/images/groups/user.png', 1),
               ('Guest', 999, 'plugins/images/groups/guest.png', 0);
             INSERT INTO tabs (`order`, category_id, name, url, `default`, enabled, group_id, image, type)
               VALUES (1, 0, 'Settings', 'api/v2/page/settings', 0, 1, 1, 'fontawesome::cog', 0),
                      (2, 0, 'Homepage', 'api/v2/page/homepage', 0, 0, 4, 'fontawesome::home', 0);",
        )
        .unwrap();
        let org = Self { conn };
        org.add_user(1, "admin", 0, "Admin");
        org
    }

    /// `POST /api/v2/users` (then the admin's `PUT` for another group), with the
    /// id chosen so that tests can name it.
    fn add_user(&self, id: i64, name: &str, group_id: i64, group: &str) {
        self.conn
            .execute(
                "INSERT INTO users (id, username, password, email, `group`, group_id, image, register_date, auth_service)
                 VALUES (?1, ?2, '$2y$10$hash', ?3, ?4, ?5, '', '2026-12-02 17:27:51', 'internal')",
                params![id, name, format!("{name}@example.org"), group, group_id],
            )
            .unwrap();
    }

    /// A login: Organizr's `INSERT INTO tokens` (ids are `AUTOINCREMENT`).
    fn login(&self, user_id: i64, token: &str, expires: &str) -> i64 {
        self.conn
            .execute(
                "INSERT INTO tokens (token, user_id, browser, ip, created, expires)
                 VALUES (?1, ?2, 'Mozilla/5.0', '127.0.0.1', '2026-12-02 17:27:51', ?3)",
                params![token, user_id, expires],
            )
            .unwrap();
        self.conn.last_insert_rowid()
    }

    /// `GET /api/v2/logout`: `DELETE FROM tokens WHERE token = ?`.
    fn logout(&self, token: &str) {
        self.conn
            .execute("DELETE FROM tokens WHERE token = ?1", [token])
            .unwrap();
    }

    /// `DELETE /api/v2/token/{id}`: `DELETE FROM tokens WHERE id = ? AND user_id = ?`.
    fn revoke(&self, id: i64, user_id: i64) {
        self.conn
            .execute(
                "DELETE FROM tokens WHERE id = ?1 AND user_id = ?2",
                params![id, user_id],
            )
            .unwrap();
    }

    /// `POST /api/v2/users/lock/{id}` and `unlock`: `locked` = '1' / '0'.
    fn set_locked(&self, user_id: i64, locked: bool) {
        self.conn
            .execute(
                "UPDATE users SET locked = ?1 WHERE id = ?2",
                params![if locked { "1" } else { "0" }, user_id],
            )
            .unwrap();
    }

    /// `PUT /api/v2/users/{id}` with a new group.
    fn set_group(&self, user_id: i64, group_id: i64, group: &str) {
        self.conn
            .execute(
                "UPDATE users SET group_id = ?1, `group` = ?2 WHERE id = ?3",
                params![group_id, group, user_id],
            )
            .unwrap();
    }

    /// `DELETE /api/v2/users/{id}`: the user, then all their sessions.
    fn delete_user(&self, user_id: i64) {
        self.conn
            .execute("DELETE FROM users WHERE id = ?1", [user_id])
            .unwrap();
        self.conn
            .execute("DELETE FROM tokens WHERE user_id = ?1", [user_id])
            .unwrap();
    }

    fn sql(&self, sql: &str) {
        self.conn.execute_batch(sql).unwrap();
    }
}

/// A token as long as Organizr's (about 450 bytes), unique per `tag`.
fn token(tag: &str) -> String {
    format!("eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJ{tag:A<380}.{tag:_>43}")
}

fn options(max_stale: Duration) -> SessionOptions {
    SessionOptions::new()
        .refresh(Duration::from_millis(100))
        .unwrap()
        .max_stale(max_stale)
        .unwrap()
}

fn open(path: &Path) -> SessionStore {
    SessionStore::open(path, options(Duration::from_secs(3600))).unwrap()
}

fn now() -> SystemTime {
    SystemTime::now()
}

fn live(store: &SessionStore, token: &str, user_id: u64) -> Option<Arc<SessionUser>> {
    match store.check(token, user_id, now()) {
        SessionCheck::Live(user) => Some(user),
        _ => None,
    }
}

fn level(store: &SessionStore, token: &str, user_id: u64) -> Option<u16> {
    live(store, token, user_id).map(|u| u.group_id.get())
}

// ---------------------------------------------------------------- sessions

#[test]
fn a_live_session_gives_the_users_current_row() {
    let dir = TempDir::new("session", "live");
    let db = dir.path("orgdb.db");
    let org = Organizr::install(&db);
    org.add_user(2, "alice", 4, "User");
    org.login(2, &token("alice"), FUTURE);
    let store = open(&db);

    let alice = live(&store, &token("alice"), 2).expect("alice's session is live");
    assert_eq!(alice.user_id, 2);
    assert_eq!(alice.username, "alice");
    assert_eq!(alice.email.as_deref(), Some("alice@example.org"));
    assert_eq!(alice.group_id, GroupLevel::USER);
    assert_eq!(alice.group.as_deref(), Some("User"));
    assert_eq!(store.status(), SessionStatus::Fresh);
    assert_eq!(store.live_sessions(), 1);
}

#[test]
fn the_token_must_match_whole_and_belong_to_the_claimed_user() {
    let dir = TempDir::new("session", "whole");
    let db = dir.path("orgdb.db");
    let org = Organizr::install(&db);
    org.add_user(2, "alice", 4, "User");
    org.add_user(3, "bob", 4, "User");
    let t = token("alice");
    org.login(2, &t, FUTURE);
    let store = open(&db);

    assert!(live(&store, &t, 2).is_some());
    // Another user's id in the claims (what a forged-but-signed token would
    // need): Organizr's query is by user id, then token.
    assert_eq!(store.check(&t, 3, now()), SessionCheck::NoSession);
    assert_eq!(store.check(&t, 1, now()), SessionCheck::NoSession);
    let prefix = &t[..t.len() - 1];
    let longer = format!("{t}A");
    let upper = t.to_uppercase();
    let spaced = format!(" {t}");
    for other in [
        prefix,
        longer.as_str(),
        upper.as_str(),
        spaced.as_str(),
        "",
        "x",
    ] {
        assert_eq!(
            store.check(other, 2, now()),
            SessionCheck::NoSession,
            "{other:?}"
        );
    }
}

#[test]
fn expired_rows_are_dropped_at_load_and_at_check_time() {
    let dir = TempDir::new("session", "expiry");
    let db = dir.path("orgdb.db");
    let org = Organizr::install(&db);
    org.add_user(2, "alice", 4, "User");
    org.login(2, &token("old"), PAST);
    org.login(2, &token("june"), "2099-06-15 12:00:00");
    let store = open(&db);

    assert_eq!(
        store.check(&token("old"), 2, now()),
        SessionCheck::NoSession
    );
    assert_eq!(store.live_sessions(), 1, "the expired row is not loaded");
    // Organizr compares `expires` with now as text ('2099-06-15 12:00:00' >
    // '2099-06-15T…Z' is false), so the session ends at midnight UTC that day.
    let midnight = UNIX_EPOCH + Duration::from_secs(4_085_164_800);
    assert!(matches!(
        store.check(&token("june"), 2, midnight - Duration::from_secs(1)),
        SessionCheck::Live(_)
    ));
    assert_eq!(
        store.check(&token("june"), 2, midnight),
        SessionCheck::NoSession
    );
    assert_eq!(
        store.check(&token("june"), 2, midnight + Duration::from_secs(13 * 3600)),
        SessionCheck::NoSession
    );
}

#[test]
fn logins_logouts_and_revocations_are_seen_after_a_reload() {
    let dir = TempDir::new("session", "logout");
    let db = dir.path("orgdb.db");
    let org = Organizr::install(&db);
    org.add_user(2, "alice", 4, "User");
    let laptop = org.login(2, &token("laptop"), FUTURE);
    org.login(2, &token("phone"), FUTURE);
    let store = open(&db);
    assert!(live(&store, &token("laptop"), 2).is_some());

    org.login(2, &token("tablet"), FUTURE);
    eventually("a new login is live", || {
        live(&store, &token("tablet"), 2).is_some()
    });

    org.logout(&token("phone"));
    eventually("logout ends that session", || {
        store.check(&token("phone"), 2, now()) == SessionCheck::NoSession
    });
    assert!(live(&store, &token("laptop"), 2).is_some(), "only that one");

    org.revoke(laptop, 2);
    eventually("a revoked session ends", || {
        store.check(&token("laptop"), 2, now()) == SessionCheck::NoSession
    });
    assert!(live(&store, &token("tablet"), 2).is_some(), "only that one");
}

#[test]
fn a_locked_user_is_refused_until_unlocked() {
    let dir = TempDir::new("session", "lock");
    let db = dir.path("orgdb.db");
    let org = Organizr::install(&db);
    org.add_user(2, "alice", 4, "User");
    org.login(2, &token("alice"), FUTURE);
    let store = open(&db);
    assert!(live(&store, &token("alice"), 2).is_some());

    org.set_locked(2, true);
    eventually("lock", || {
        store.check(&token("alice"), 2, now()) == SessionCheck::Locked
    });
    // Locked is about a live session: someone else's claim stays NoSession.
    assert_eq!(
        store.check(&token("alice"), 3, now()),
        SessionCheck::NoSession
    );

    org.set_locked(2, false);
    eventually("unlock", || live(&store, &token("alice"), 2).is_some());
}

#[test]
fn group_changes_apply_to_live_sessions() {
    let dir = TempDir::new("session", "group");
    let db = dir.path("orgdb.db");
    let org = Organizr::install(&db);
    org.add_user(2, "alice", 4, "User");
    org.login(2, &token("alice"), FUTURE);
    let store = open(&db);
    assert_eq!(level(&store, &token("alice"), 2), Some(4));

    org.set_group(2, 1, "Co-Admin");
    eventually("promotion", || level(&store, &token("alice"), 2) == Some(1));
    assert_eq!(
        live(&store, &token("alice"), 2).unwrap().group.as_deref(),
        Some("Co-Admin")
    );

    org.set_group(2, 7, "Family");
    eventually("demotion to a custom group", || {
        level(&store, &token("alice"), 2) == Some(7)
    });
}

#[test]
fn a_deleted_user_has_no_session() {
    let dir = TempDir::new("session", "deleted");
    let db = dir.path("orgdb.db");
    let org = Organizr::install(&db);
    org.add_user(2, "alice", 4, "User");
    org.add_user(3, "bob", 4, "User");
    org.login(2, &token("alice"), FUTURE);
    org.login(3, &token("bob"), FUTURE);
    let store = open(&db);
    assert!(live(&store, &token("alice"), 2).is_some());

    org.delete_user(2);
    eventually("user deletion", || {
        store.check(&token("alice"), 2, now()) == SessionCheck::NoSession
    });

    // A user row removed by hand, its sessions left behind: Organizr would fall
    // back to the token's claims; we refuse.
    org.sql("DELETE FROM users WHERE id = 3");
    eventually("orphaned session", || {
        store.check(&token("bob"), 3, now()) == SessionCheck::NoSession
    });
}

#[test]
fn a_user_row_without_a_valid_level_has_no_session() {
    let dir = TempDir::new("session", "level");
    let db = dir.path("orgdb.db");
    let org = Organizr::install(&db);
    org.add_user(2, "big", 1000, "Nope");
    org.add_user(3, "negative", -1, "Nope");
    org.add_user(4, "null", 4, "User");
    org.sql("UPDATE users SET group_id = NULL WHERE id = 4");
    org.add_user(5, "text", 4, "User");
    org.sql("UPDATE users SET group_id = 'four' WHERE id = 5");
    for (id, name) in [(2, "big"), (3, "negative"), (4, "null"), (5, "text")] {
        org.login(id, &token(name), FUTURE);
    }
    let store = open(&db);
    for (id, name) in [(2, "big"), (3, "negative"), (4, "null"), (5, "text")] {
        assert_eq!(
            store.check(&token(name), id, now()),
            SessionCheck::NoSession,
            "{name}"
        );
    }

    org.sql("UPDATE users SET group_id = 999 WHERE id = 2");
    eventually("a repaired row counts again", || {
        level(&store, &token("big"), 2) == Some(999)
    });
}

#[test]
fn tab_names_give_organizrs_first_match() {
    let dir = TempDir::new("session", "tabs");
    let db = dir.path("orgdb.db");
    let org = Organizr::install(&db);
    org.sql(
        "INSERT INTO tabs (`order`, name, group_id, enabled) VALUES
           (3, 'Plex', 3, 1), (4, 'plex requests', 4, 1), (5, '50%_off', 2, 1),
           (6, 'Sonarr', NULL, 1), (7, 'Radarr', 1000, 1);",
    );
    let store = open(&db);
    let tab = |name: &str| store.tab_group(name).map(GroupLevel::get);

    assert_eq!(tab("Settings"), Some(1));
    assert_eq!(
        tab("homepage"),
        Some(4),
        "disabled tabs count, as in Organizr"
    );
    assert_eq!(tab("PLEX"), Some(3));
    assert_eq!(tab("requests"), Some(4));
    assert_eq!(tab("e"), Some(1), "the first tab by id");
    assert_eq!(tab("0%_"), Some(2));
    assert_eq!(tab("p_ex"), None, "Organizr escapes `_`");
    assert_eq!(tab("p%x"), None, "Organizr escapes `%`");
    assert_eq!(tab("sonarr"), None, "no group id");
    assert_eq!(tab("radarr"), None, "group id out of range");
    assert_eq!(tab("jellyfin"), None);
    assert_eq!(tab(""), None);

    org.sql("UPDATE tabs SET group_id = 2 WHERE name = 'Plex'");
    eventually("a tab's new group", || tab("plex") == Some(2));
}

#[test]
fn debug_shows_the_path_and_status_and_no_rows() {
    let dir = TempDir::new("session", "debug");
    let db = dir.path("orgdb.db");
    let org = Organizr::install(&db);
    org.add_user(2, "alice", 4, "User");
    org.login(2, &token("alice"), FUTURE);
    let store = open(&db);
    let shown = format!("{store:?}");
    assert!(shown.contains(db.to_str().unwrap()), "{shown}");
    assert!(shown.contains("Fresh"), "{shown}");
    assert!(!shown.contains(&token("alice")[..40]), "{shown}");
    assert!(!shown.contains("alice"), "{shown}");
    let user = format!("{:?}", live(&store, &token("alice"), 2).unwrap());
    assert!(!user.contains("example.org"), "{user}");
}

// ---------------------------------------------------------------- start-up

#[test]
fn start_up_errors_name_the_path_and_create_nothing() {
    let dir = TempDir::new("session", "startup");
    let missing = dir.path("missing.db");
    let err = SessionStore::open(&missing, SessionOptions::new()).unwrap_err();
    assert!(matches!(err, SessionError::Unreachable { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("cannot find session database {}", missing.display())
    );
    assert!(!missing.exists(), "opening must never create the file");

    let garbage = dir.path("garbage.db");
    std::fs::write(&garbage, vec![0x5a_u8; 8192]).unwrap();
    let empty = dir.path("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let other = dir.path("other.db");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE tokens(x)")
        .unwrap();
    for path in [&garbage, &empty, &other] {
        let err = SessionStore::open(path, SessionOptions::new()).unwrap_err();
        assert!(
            matches!(err, SessionError::Read { .. } | SessionError::Open { .. }),
            "{path:?}: {err:?}"
        );
        assert!(
            err.to_string().ends_with(&path.display().to_string()),
            "{err}"
        );
        assert!(std::error::Error::source(&err).is_some());
    }
    assert_eq!(std::fs::read(&empty).unwrap(), b"", "never written");
}

#[test]
fn reading_leaves_no_files_behind() {
    let dir = TempDir::new("session", "readonly");
    let db = dir.path("orgdb.db");
    let org = Organizr::install(&db);
    org.add_user(2, "alice", 4, "User");
    let store = open(&db);
    for i in 0..5 {
        org.login(2, &token(&format!("s{i}")), FUTURE);
        eventually("each login", || {
            live(&store, &token(&format!("s{i}")), 2).is_some()
        });
    }
    let mut files: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(files, ["orgdb.db"]);
}

#[test]
fn a_wal_mode_database_is_followed_too() {
    // Organizr offers WAL mode in its settings. Commits then go to the -wal file
    // and leave the database file alone: only `PRAGMA data_version` sees them.
    let dir = TempDir::new("session", "wal");
    let db = dir.path("orgdb.db");
    let org = Organizr::install(&db);
    org.sql("PRAGMA journal_mode = WAL");
    org.add_user(2, "alice", 4, "User");
    org.login(2, &token("alice"), FUTURE);
    let store = open(&db);
    assert!(live(&store, &token("alice"), 2).is_some());
    let before = std::fs::metadata(&db).unwrap().modified().unwrap();
    org.logout(&token("alice"));
    eventually("a logout committed to the WAL", || {
        store.check(&token("alice"), 2, now()) == SessionCheck::NoSession
    });
    org.login(2, &token("again"), FUTURE);
    eventually("a login committed to the WAL", || {
        live(&store, &token("again"), 2).is_some()
    });
    // (The file's times may or may not have moved with a checkpoint; the test
    // is that the changes were seen, which data_version guarantees.)
    let _ = before;
}

// ---------------------------------------------------------------- faults

/// Ways the database can become unreadable while the store runs, each with
/// its repair.
#[derive(Debug, Clone, Copy)]
enum Fault {
    Moved,
    Deleted,
    ReplacedByGarbage,
    CorruptInPlace,
    /// Another connection holds an exclusive lock past the busy timeout.
    Locked,
}

impl Fault {
    /// Breaks the database; returns what [`repair`](Self::repair) needs.
    fn inject(self, db: &Path) -> Broken {
        let saved = std::fs::read(db).unwrap();
        let side = db.with_extension("side");
        match self {
            Fault::Moved => std::fs::rename(db, &side).unwrap(),
            Fault::Deleted => std::fs::remove_file(db).unwrap(),
            Fault::ReplacedByGarbage => {
                std::fs::write(&side, vec![0xa5_u8; saved.len()]).unwrap();
                std::fs::rename(&side, db).unwrap();
            }
            Fault::CorruptInPlace => {
                use std::io::{Seek, SeekFrom, Write};
                let mut f = std::fs::OpenOptions::new().write(true).open(db).unwrap();
                f.seek(SeekFrom::Start(0)).unwrap();
                f.write_all(b"this is not SQLite any more").unwrap();
                f.sync_all().unwrap();
            }
            Fault::Locked => {
                let conn = Connection::open(db).unwrap();
                conn.execute_batch("BEGIN EXCLUSIVE").unwrap();
                return Broken {
                    saved,
                    lock: Some(conn),
                };
            }
        }
        Broken { saved, lock: None }
    }

    fn repair(self, db: &Path, broken: Broken) {
        let side = db.with_extension("side");
        match self {
            Fault::Moved => std::fs::rename(&side, db).unwrap(),
            Fault::Deleted | Fault::ReplacedByGarbage => {
                std::fs::write(&side, &broken.saved).unwrap();
                std::fs::rename(&side, db).unwrap();
            }
            Fault::CorruptInPlace => {
                use std::io::Write;
                let mut f = std::fs::OpenOptions::new().write(true).open(db).unwrap();
                f.write_all(&broken.saved[..27]).unwrap();
                f.sync_all().unwrap();
            }
            Fault::Locked => {
                let conn = broken.lock.unwrap();
                conn.execute_batch("ROLLBACK").unwrap();
            }
        }
    }
}

struct Broken {
    saved: Vec<u8>,
    lock: Option<Connection>,
}

/// Two stores on one database: `patient` with an hour's stale window (it must
/// keep answering from its snapshot for the whole fault), `strict` with a
/// short one (it must fail closed, and come back by itself).
fn fault_case(fault: Fault) {
    let dir = TempDir::new("session", &format!("{fault:?}"));
    let db = dir.path("orgdb.db");
    let org = Organizr::install(&db);
    org.add_user(2, "alice", 4, "User");
    org.login(2, &token("alice"), FUTURE);
    org.login(2, &token("second"), FUTURE);
    drop(org);
    let patient = SessionStore::open(&db, options(Duration::from_secs(3600))).unwrap();
    let strict = SessionStore::open(&db, options(Duration::from_millis(300))).unwrap();
    assert!(live(&strict, &token("alice"), 2).is_some());

    let broken = fault.inject(&db);
    eventually(&format!("{fault:?}: the patient store goes stale"), || {
        matches!(patient.status(), SessionStatus::Stale { .. })
    });
    assert!(
        live(&patient, &token("alice"), 2).is_some(),
        "{fault:?}: within the stale window the last snapshot answers"
    );
    assert_eq!(patient.tab_group("home"), Some(GroupLevel::USER));
    eventually(&format!("{fault:?}: the strict store fails closed"), || {
        strict.check(&token("alice"), 2, now()) == SessionCheck::Unavailable
    });
    assert!(matches!(
        strict.status(),
        SessionStatus::FailingClosed { .. }
    ));
    assert_eq!(
        strict.check("anything", 2, now()),
        SessionCheck::Unavailable
    );
    assert_eq!(strict.tab_group("home"), None);

    fault.repair(&db, broken);
    for (name, store) in [("patient", &patient), ("strict", &strict)] {
        eventually(&format!("{fault:?}: {name} recovers"), || {
            store.status() == SessionStatus::Fresh && live(store, &token("alice"), 2).is_some()
        });
    }
    // And follows the database again (a new connection after the fault).
    let org = Organizr {
        conn: Connection::open(&db).unwrap(),
    };
    org.conn.busy_timeout(Duration::from_secs(10)).unwrap();
    org.logout(&token("second"));
    for (name, store) in [("patient", &patient), ("strict", &strict)] {
        eventually(
            &format!("{fault:?}: {name} sees a logout after recovery"),
            || store.check(&token("second"), 2, now()) == SessionCheck::NoSession,
        );
        assert!(live(store, &token("alice"), 2).is_some());
    }
}

#[test]
fn fault_database_moved() {
    fault_case(Fault::Moved);
}

#[test]
fn fault_database_deleted() {
    fault_case(Fault::Deleted);
}

#[test]
fn fault_database_replaced_by_garbage() {
    fault_case(Fault::ReplacedByGarbage);
}

#[test]
fn fault_database_corrupted_in_place() {
    fault_case(Fault::CorruptInPlace);
}

#[test]
fn fault_database_locked_past_the_busy_timeout() {
    fault_case(Fault::Locked);
}

#[test]
fn a_zero_stale_window_fails_closed_at_the_first_failed_read() {
    let dir = TempDir::new("session", "zero");
    let db = dir.path("orgdb.db");
    let org = Organizr::install(&db);
    org.add_user(2, "alice", 4, "User");
    org.login(2, &token("alice"), FUTURE);
    drop(org);
    let store = SessionStore::open(&db, options(Duration::ZERO)).unwrap();
    std::fs::rename(&db, dir.path("elsewhere.db")).unwrap();
    eventually("fail closed", || {
        matches!(store.status(), SessionStatus::FailingClosed { .. })
    });
    assert_eq!(
        store.check(&token("alice"), 2, now()),
        SessionCheck::Unavailable
    );
    std::fs::rename(dir.path("elsewhere.db"), &db).unwrap();
    eventually("back", || live(&store, &token("alice"), 2).is_some());
}

// ---------------------------------------------------------------- concurrency

/// Organizr writing as fast as it can while the store reloads: each of the
/// writer's transactions replaces user 1's session token *and* stamps the
/// generation into the user's row, so a check that pairs a token from one
/// transaction with a user row from another (a torn read) shows a mismatch.
///
/// In rollback-journal mode (Organizr's default) a commit has to wait for the
/// reader's lock, so a torn read needs a commit to land between two of the
/// reload's statements; in WAL mode readers never block the writer, which
/// commits whenever it likes: that is the mode in which reading without one
/// transaction is caught at once.
#[test]
fn concurrent_writes_never_give_a_torn_snapshot() {
    concurrent_case(false);
}

#[test]
fn concurrent_writes_never_give_a_torn_snapshot_in_wal_mode() {
    concurrent_case(true);
}

fn concurrent_case(wal: bool) {
    let dir = TempDir::new("session", if wal { "concurrent-wal" } else { "concurrent" });
    let db = dir.path("orgdb.db");
    let org = Organizr::install(&db);
    if wal {
        org.sql("PRAGMA journal_mode = WAL");
    }
    org.add_user(2, "alice", 4, "User");
    for other in 3..8 {
        org.add_user(other, &format!("user{other}"), 4, "User");
    }
    org.login(2, &token("gen-0"), FUTURE);
    org.sql("UPDATE users SET email = 'gen-0', group_id = 0 WHERE id = 2");
    drop(org);
    let store = SessionStore::open(&db, options(Duration::from_secs(60))).unwrap();

    let published = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (db, published, stop) = (db.clone(), Arc::clone(&published), Arc::clone(&stop));
        std::thread::spawn(move || {
            let conn = Connection::open(&db).unwrap();
            conn.busy_timeout(Duration::from_secs(10)).unwrap();
            // No fsync: as many commits as possible land while the store reads.
            conn.execute_batch("PRAGMA synchronous = OFF").unwrap();
            let mut generation = 0_u64;
            while !stop.load(Ordering::Relaxed) && generation < 1_000_000 {
                generation += 1;
                let tx = conn.unchecked_transaction().unwrap();
                tx.execute(
                    "DELETE FROM tokens WHERE token = ?1",
                    [token(&format!("gen-{}", generation - 1))],
                )
                .unwrap();
                tx.execute(
                    "INSERT INTO tokens (token, user_id, expires) VALUES (?1, 2, ?2)",
                    params![token(&format!("gen-{generation}")), FUTURE],
                )
                .unwrap();
                tx.execute(
                    "UPDATE users SET email = ?1, group_id = ?2 WHERE id = 2",
                    params![
                        format!("gen-{generation}"),
                        i64::try_from(generation % 5).unwrap()
                    ],
                )
                .unwrap();
                // Churn: other users' sessions come and go in the same transaction.
                for other in 3..8 {
                    tx.execute(
                        "DELETE FROM tokens WHERE token = ?1",
                        [token(&format!("fill-{other}-{}", generation - 1))],
                    )
                    .unwrap();
                    tx.execute(
                        "INSERT INTO tokens (token, user_id, expires) VALUES (?1, ?2, ?3)",
                        params![token(&format!("fill-{other}-{generation}")), other, FUTURE],
                    )
                    .unwrap();
                }
                tx.commit().unwrap();
                published.store(generation, Ordering::Release);
            }
            generation
        })
    };

    let mut seen = std::collections::BTreeSet::new();
    // Snapshots only move forward: scan every generation from the last one
    // seen live to the newest committed, so that none the store holds is missed.
    let mut from = 0;
    let start = Instant::now();
    while seen.len() < 50 && start.elapsed() < DEADLINE {
        let latest = published.load(Ordering::Acquire);
        let mut newest_live = from;
        for generation in from..=latest + 1 {
            match store.check(&token(&format!("gen-{generation}")), 2, now()) {
                SessionCheck::Live(user) => {
                    assert_eq!(
                        user.email.as_deref(),
                        Some(format!("gen-{generation}").as_str()),
                        "token of generation {generation} paired with another generation's user row"
                    );
                    assert_eq!(u64::from(user.group_id.get()), generation % 5);
                    seen.insert(generation);
                    newest_live = generation;
                }
                SessionCheck::NoSession => {}
                other => panic!("generation {generation}: {other:?}"),
            }
        }
        from = newest_live;
        // Leave the CPU to the writer and the refresh thread.
        std::thread::sleep(Duration::from_millis(2));
    }
    stop.store(true, Ordering::Relaxed);
    let last = writer.join().unwrap();
    assert!(
        seen.len() >= 50,
        "the store followed only {} generations of {last}",
        seen.len()
    );

    eventually("the last generation is the only live one", || {
        live(&store, &token(&format!("gen-{last}")), 2).is_some()
    });
    for generation in last.saturating_sub(50)..last {
        assert_eq!(
            store.check(&token(&format!("gen-{generation}")), 2, now()),
            SessionCheck::NoSession
        );
    }
    assert_eq!(store.live_sessions(), 6);
    assert_eq!(store.status(), SessionStatus::Fresh);
}
