//! The cache of verified tokens with Organizr's session check on (feature
//! `sessions`): a token found in the cache is still refused the moment its
//! session ends, its user is locked or the database fails closed, and a
//! change to the user's row shows at once, as without the cache.
//!
//! Each test first makes the token a cache hit (it is in the cache before
//! the change, and still there when it is refused), then changes Organizr's
//! database and waits, by polling with a deadline, for the answer to change.
//! Nothing asserts a duration.
#![cfg(all(feature = "sessions", feature = "mint"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TempDir, eventually};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use organizr_auth_core::mint::TokenBuilder;
use organizr_auth_core::session::{SessionOptions, SessionStore};
use organizr_auth_core::{
    Authentication, Authenticator, Config, GroupLevel, Peer, Refusal, Secret,
};
use rusqlite::{Connection, params};

const SCHEMA: &str = include_str!("data/organizr-schema.sql");
const KEY: &str = "token-cache-organizr-hash-0123456789abcdef";
const UUID: &str = "0b7e4c1a";

/// Organizr's database with alice (id 2, User) logged in with `token`.
fn organizr(path: &Path, token: &str) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn.execute_batch(SCHEMA).unwrap();
    conn.execute(
        "INSERT INTO users (id, username, email, \"group\", group_id, locked) VALUES (2, 'alice', 'alice@example.org', 'User', 4, 0)",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO tokens (token, user_id, created, expires) VALUES (?1, 2, '2026-01-01 00:00:00', '2099-12-31 12:00:00')",
        params![token],
    )
    .unwrap();
    conn
}

fn alice() -> String {
    TokenBuilder::new("alice", GroupLevel::USER)
        .user_id(2)
        .sign(&Secret::new(KEY).unwrap())
}

fn authenticator(db: &Path, max_stale: Duration) -> Arc<Authenticator> {
    let options = SessionOptions::new()
        .refresh(Duration::from_millis(100))
        .unwrap()
        .max_stale(max_stale)
        .unwrap();
    let store = SessionStore::open(db, options).unwrap();
    let config = Config::new(Secret::new(KEY).unwrap())
        .uuid(UUID)
        .session_store(store);
    Arc::new(Authenticator::new(config))
}

fn who(auth: &Authenticator, token: &str) -> Authentication {
    auth.resolve(&common::with_cookie(UUID, token), None, &Peer::Unknown)
}

fn status_at(auth: &Arc<Authenticator>, token: &str, level: u16) -> u16 {
    common::status_at(auth, UUID, token, level)
}

/// Resolves `token` until it is a cache hit for `auth`.
fn cached(auth: &Arc<Authenticator>, token: &str) {
    for _ in 0..3 {
        assert_eq!(status_at(auth, token, 4), 200);
    }
    assert_eq!(auth.token_cache().len(), 1, "the token is in the cache");
}

#[test]
fn a_revoked_session_is_refused_on_a_cache_hit() {
    let dir = TempDir::new("token-cache", "revoked");
    let db = dir.0.join("orgdb.db");
    let token = alice();
    let conn = organizr(&db, &token);
    let auth = authenticator(&db, Duration::from_secs(30));
    cached(&auth, &token);

    conn.execute("DELETE FROM tokens WHERE token = ?1", params![token])
        .unwrap();
    eventually("the revoked session to end", || {
        who(&auth, &token)
            == Authentication::Anonymous {
                refused: Some(Refusal::SessionEnded),
            }
    });
    // Refused while its entry is still in the cache: the hit checked the
    // session.
    assert_eq!(auth.token_cache().len(), 1);
    assert_eq!(status_at(&auth, &token, 998), 401);
}

#[test]
fn a_locked_user_is_refused_on_a_cache_hit_at_every_level() {
    let dir = TempDir::new("token-cache", "locked");
    let db = dir.0.join("orgdb.db");
    let token = alice();
    let conn = organizr(&db, &token);
    let auth = authenticator(&db, Duration::from_secs(30));
    cached(&auth, &token);

    conn.execute_batch("UPDATE users SET locked = 1 WHERE id = 2")
        .unwrap();
    eventually("the lock", || status_at(&auth, &token, 999) == 401);
    assert_eq!(
        who(&auth, &token),
        Authentication::Anonymous {
            refused: Some(Refusal::Locked)
        }
    );
    assert_eq!(auth.token_cache().len(), 1);

    conn.execute_batch("UPDATE users SET locked = 0 WHERE id = 2")
        .unwrap();
    eventually("the unlock", || status_at(&auth, &token, 4) == 200);
}

#[test]
fn a_changed_user_row_shows_on_a_cache_hit() {
    let dir = TempDir::new("token-cache", "demoted");
    let db = dir.0.join("orgdb.db");
    let token = alice();
    let conn = organizr(&db, &token);
    let auth = authenticator(&db, Duration::from_secs(30));
    cached(&auth, &token);

    // Demotion, a new group name and e-mail: the identity is the new row's,
    // and so are its header values.
    conn.execute_batch(
        "UPDATE users SET group_id = 7, \"group\" = 'Guests+', email = 'a@example.net' WHERE id = 2",
    )
    .unwrap();
    eventually("the demotion", || status_at(&auth, &token, 4) == 403);
    for _ in 0..2 {
        let id = who(&auth, &token).into_identity().unwrap();
        assert_eq!(id.group_id, GroupLevel::new(7).unwrap());
        assert_eq!(id.email.as_deref(), Some("a@example.net"));
        let headers: Vec<String> = id
            .headers()
            .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap()))
            .collect();
        assert!(
            headers.contains(&"x-organizr-group: 7".to_owned()),
            "{headers:?}"
        );
        assert!(
            headers.contains(&"remote-groups: Guests+".to_owned()),
            "{headers:?}"
        );
        assert!(
            headers.contains(&"remote-email: a@example.net".to_owned()),
            "{headers:?}"
        );
    }
    // The entry was replaced, not added to.
    assert_eq!(auth.token_cache().len(), 1);
}

#[test]
fn an_unreadable_database_fails_closed_on_a_cache_hit() {
    let dir = TempDir::new("token-cache", "unreadable");
    let db = dir.0.join("orgdb.db");
    let token = alice();
    let conn = organizr(&db, &token);
    let auth = authenticator(&db, Duration::from_millis(200));
    cached(&auth, &token);

    drop(conn);
    std::fs::rename(&db, dir.0.join("moved.db")).unwrap();
    eventually("the store to fail closed", || {
        who(&auth, &token)
            == Authentication::Anonymous {
                refused: Some(Refusal::SessionsUnavailable),
            }
    });
    assert_eq!(auth.token_cache().len(), 1);
    assert_eq!(status_at(&auth, &token, 998), 401);
}

#[test]
fn a_token_refused_by_the_session_check_never_enters() {
    let dir = TempDir::new("token-cache", "never");
    let db = dir.0.join("orgdb.db");
    let token = alice();
    let conn = organizr(&db, &token);
    let auth = authenticator(&db, Duration::from_secs(30));
    // Well signed, but no session row.
    let other = alice();
    assert_ne!(other, token);
    for _ in 0..3 {
        assert_eq!(
            who(&auth, &other),
            Authentication::Anonymous {
                refused: Some(Refusal::SessionEnded)
            }
        );
    }
    assert!(auth.token_cache().is_empty());
    // Nor does a locked user's (an authenticator that reads the lock at
    // start, so that no request came before it).
    conn.execute_batch("UPDATE users SET locked = 1 WHERE id = 2")
        .unwrap();
    let auth = authenticator(&db, Duration::from_secs(30));
    for _ in 0..3 {
        assert_eq!(status_at(&auth, &token, 999), 401);
    }
    assert!(auth.token_cache().is_empty());
}
