//! The session store logs each change of state once (an error when it goes
//! stale, an error when it fails closed, an info line when it is back), never
//! per poll or per request, and never a token or a user's row.
//!
//! Its own test binary: the recording subscriber is process-wide (the store
//! logs from its refresh thread), so no other test may log into it.
#![cfg(feature = "sessions")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use common::{Recorder, eventually};

use organizr_auth_core::session::{SessionCheck, SessionOptions, SessionStatus, SessionStore};
use tracing::Level;

/// The global subscriber: the store logs from its own thread.
fn recorder() -> &'static Recorder {
    static RECORDER: OnceLock<Recorder> = OnceLock::new();
    RECORDER.get_or_init(Recorder::default)
}

fn count(level: Level, containing: &str) -> usize {
    recorder().count(level, containing)
}

#[test]
fn each_transition_is_logged_once_and_no_token_ever() {
    tracing::subscriber::set_global_default(recorder().clone()).unwrap();
    let dir = std::env::temp_dir().join(format!("organizr-session-logs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("orgdb.db");
    let token = format!(
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.{:A<380}.secret-signature",
        "x"
    );
    let org = rusqlite::Connection::open(&db).unwrap();
    org.execute_batch(include_str!("data/organizr-schema.sql"))
        .unwrap();
    org.execute_batch(
        "INSERT INTO users (id, username, email, `group`, group_id) VALUES (2, 'alice', 'alice@example.org', 'User', 4);",
    )
    .unwrap();
    org.execute(
        "INSERT INTO tokens (token, user_id, expires) VALUES (?1, 2, '2099-12-31 12:00:00')",
        [&token],
    )
    .unwrap();
    drop(org);
    let options = SessionOptions::new()
        .refresh(Duration::from_millis(100))
        .unwrap()
        .max_stale(Duration::from_secs(1))
        .unwrap();
    let store = SessionStore::open(&db, options).unwrap();
    let moved = dir.join("moved.db");

    for round in 1..=2 {
        std::fs::rename(&db, &moved).unwrap();
        eventually("fail closed", || {
            store.check(&token, 2, SystemTime::now()) == SessionCheck::Unavailable
        });
        // Several more failed polls, each logged at debug only.
        let polls = count(Level::DEBUG, "still unreadable");
        eventually("more failed polls", || {
            count(Level::DEBUG, "still unreadable") >= polls + 3
        });
        std::fs::rename(&moved, &db).unwrap();
        eventually("recovery", || store.status() == SessionStatus::Fresh);
        // A change seen after recovery proves later polls ran (and stayed quiet).
        let org = rusqlite::Connection::open(&db).unwrap();
        org.busy_timeout(Duration::from_secs(10)).unwrap();
        org.execute_batch(&format!("UPDATE users SET group_id = {round} WHERE id = 2"))
            .unwrap();
        eventually("a reload after recovery", || {
            matches!(store.check(&token, 2, SystemTime::now()),
                SessionCheck::Live(ref u) if u.group_id.get() == round)
        });

        // Each outage is one error when it starts and one info when it ends,
        // however many polls failed in between. Our own UPDATE may, on a
        // loaded machine, hold the file past the 100 ms busy timeout: that is
        // a short outage of its own (documented: a read locked past the busy
        // timeout counts as a fault), so outages are counted, not assumed.
        let outages = count(Level::ERROR, "answering from the last snapshot");
        assert!(
            outages >= round as usize,
            "{outages} outages in round {round}"
        );
        assert_eq!(count(Level::INFO, "readable again"), outages);
        // Only the two long outages (the moved file) outlast the stale window.
        assert_eq!(
            count(Level::ERROR, "refusing every session until"),
            round as usize
        );
    }

    let events = recorder().events();
    let error_lines = events.iter().filter(|(l, _)| *l == Level::ERROR).count();
    let outages = events
        .iter()
        .filter(|(l, text)| *l == Level::ERROR && text.contains("answering from the last snapshot"))
        .count();
    assert_eq!(error_lines, outages + 2, "{events:#?}");
    for (_, text) in events.iter() {
        assert!(!text.contains("secret-signature"), "{text}");
        assert!(!text.contains("eyJ0eXAi"), "{text}");
        assert!(!text.contains("alice"), "{text}");
    }
    assert!(
        events
            .iter()
            .any(|(l, text)| *l == Level::ERROR && text.contains("orgdb.db")),
        "errors name the path: {events:#?}"
    );
    drop(events);
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}
