//! The session check wired into the authenticator (feature `sessions`): with
//! Organizr's database configured, a token passes only while its session is
//! live, the identity is the user's current row, a locked user is refused at
//! every level, and the configuration turns it on, off, or refuses to start.
//!
//! Changes to the database are awaited by polling with a deadline; nothing
//! asserts a duration.
#![cfg(feature = "sessions")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TempDir, eventually};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use http::HeaderMap;
use organizr_auth_core::mint::TokenBuilder;
use organizr_auth_core::session::{SessionOptions, SessionStore};
use organizr_auth_core::{
    Authentication, Authenticator, Config, ConfigError, GroupLevel, Peer, Refusal, Secret, Source,
};
use rusqlite::{Connection, params};

const SCHEMA: &str = include_str!("data/organizr-schema.sql");
const KEY: &str = "session-check-organizr-hash-0123456789";
const UUID: &str = "0b7e4c1a";

/// Organizr's side of the database: what its PHP writes.
struct Organizr(Connection);

impl Organizr {
    fn install(path: &Path) -> Self {
        let conn = Connection::open(path).unwrap();
        conn.busy_timeout(Duration::from_secs(10)).unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        conn.execute_batch(
            "INSERT INTO tabs (name, group_id, enabled) VALUES ('Settings', 1, 1), ('Media Server', 2, 1);",
        )
        .unwrap();
        Self(conn)
    }

    fn user(&self, id: i64, name: &str, group: &str, level: u16) {
        self.0
            .execute(
                "INSERT INTO users (id, username, email, \"group\", group_id) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, name, format!("{name}@example.org"), group, level],
            )
            .unwrap();
    }

    fn login(&self, user_id: i64, token: &str) {
        self.0
            .execute(
                "INSERT INTO tokens (token, user_id, created, expires) VALUES (?1, ?2, '2026-01-01 00:00:00', '2099-12-31 12:00:00')",
                params![token, user_id],
            )
            .unwrap();
    }

    fn run(&self, sql: &str) {
        self.0.execute_batch(sql).unwrap();
    }
}

fn token(name: &str, level: u16, user_id: u64) -> String {
    TokenBuilder::new(name, GroupLevel::new(level).unwrap())
        .user_id(user_id)
        .sign(&Secret::new(KEY).unwrap())
}

fn authenticator(db: &Path) -> Arc<Authenticator> {
    let store = SessionStore::open(
        db,
        SessionOptions::new()
            .refresh(Duration::from_millis(100))
            .unwrap(),
    )
    .unwrap();
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

#[test]
fn a_live_session_passes_with_the_users_current_row() {
    let dir = TempDir::new("check", "live");
    let db = dir.0.join("orgdb.db");
    let organizr = Organizr::install(&db);
    organizr.user(7, "alice", "User", 4);
    // The token says alice is a Power User; the database says User.
    let alice = token("alice", 3, 7);
    organizr.login(7, &alice);
    let auth = authenticator(&db);
    assert!(auth.checks_sessions());
    let id = who(&auth, &alice).into_identity().unwrap();
    assert_eq!(
        (id.username.as_str(), id.group_id, id.source, id.user_id),
        ("alice", GroupLevel::USER, Source::Token, Some(7))
    );
    assert_eq!(id.email.as_deref(), Some("alice@example.org"));
    assert_eq!(status_at(&auth, &alice, 4), 200);
    assert_eq!(status_at(&auth, &alice, 3), 403);
}

#[test]
fn logout_revoke_demotion_rename_and_deletion_take_effect() {
    let dir = TempDir::new("check", "changes");
    let db = dir.0.join("orgdb.db");
    let organizr = Organizr::install(&db);
    organizr.user(1, "root", "Admin", 0);
    organizr.user(2, "alice", "User", 4);
    let (root, alice_a, alice_b) = (
        token("root", 0, 1),
        token("alice", 4, 2),
        token("alice", 4, 2),
    );
    assert_ne!(alice_a, alice_b, "two logins make two tokens");
    organizr.login(1, &root);
    organizr.login(2, &alice_a);
    organizr.login(2, &alice_b);
    let auth = authenticator(&db);
    assert_eq!(status_at(&auth, &alice_a, 998), 200);

    // Revoke one of alice's two sessions: that one ends, the other lives.
    organizr.run(&format!("DELETE FROM tokens WHERE token = '{alice_a}'"));
    eventually("the revoked session to end", || {
        who(&auth, &alice_a)
            == Authentication::Anonymous {
                refused: Some(Refusal::SessionEnded),
            }
    });
    assert_eq!(status_at(&auth, &alice_a, 998), 401);
    // A session that ended is a guest, as in Organizr.
    assert_eq!(status_at(&auth, &alice_a, 999), 200);
    assert_eq!(status_at(&auth, &alice_b, 998), 200);

    // Promotion applies to the live session at once, whatever the claims say.
    organizr.run("UPDATE users SET group_id = 1, \"group\" = 'Co-Admin' WHERE id = 2");
    eventually("the promotion", || status_at(&auth, &alice_b, 1) == 200);
    let id = who(&auth, &alice_b).into_identity().unwrap();
    assert_eq!(id.group_name(), Some("Co-Admin"));
    // And demotion.
    organizr.run("UPDATE users SET group_id = 4, \"group\" = 'User' WHERE id = 2");
    eventually("the demotion", || status_at(&auth, &alice_b, 1) == 403);
    // A rename shows in the identity.
    organizr.run("UPDATE users SET username = 'alice2' WHERE id = 2");
    eventually("the rename", || {
        who(&auth, &alice_b).identity().map(|i| i.username.clone()) == Some("alice2".into())
    });

    // Deleting the user deletes every session.
    organizr.run("DELETE FROM tokens WHERE user_id = 2; DELETE FROM users WHERE id = 2;");
    eventually("the deleted user's session to end", || {
        status_at(&auth, &alice_b, 998) == 401
    });
    // Logout of the admin: that row goes.
    assert_eq!(status_at(&auth, &root, 0), 200);
    organizr.run(&format!("DELETE FROM tokens WHERE token = '{root}'"));
    eventually("the logout", || status_at(&auth, &root, 0) == 401);
}

#[test]
fn a_locked_user_is_refused_at_every_level_until_unlocked() {
    let dir = TempDir::new("check", "locked");
    let db = dir.0.join("orgdb.db");
    let organizr = Organizr::install(&db);
    organizr.user(3, "kid", "User", 4);
    let kid = token("kid", 4, 3);
    organizr.login(3, &kid);
    let auth = authenticator(&db);
    assert_eq!(status_at(&auth, &kid, 999), 200);
    organizr.run("UPDATE users SET locked = 1 WHERE id = 3");
    eventually("the lock", || status_at(&auth, &kid, 4) == 401);
    // Not a guest: 401 even where anyone may pass.
    assert_eq!(status_at(&auth, &kid, 999), 401);
    assert_eq!(
        who(&auth, &kid),
        Authentication::Anonymous {
            refused: Some(Refusal::Locked)
        }
    );
    // A second, stale copy of another valid token does not get around it.
    organizr.user(4, "other", "User", 4);
    let other = token("other", 4, 4);
    organizr.login(4, &other);
    eventually("the other login", || status_at(&auth, &other, 4) == 200);
    let mut both = HeaderMap::new();
    both.insert(
        "cookie",
        format!("organizr_token_{UUID}={other}; organizr_token_{UUID}={kid}")
            .parse()
            .unwrap(),
    );
    assert_eq!(
        auth.resolve(&both, None, &Peer::Unknown),
        Authentication::Anonymous {
            refused: Some(Refusal::Locked)
        }
    );
    organizr.run("UPDATE users SET locked = 0 WHERE id = 3");
    eventually("the unlock", || status_at(&auth, &kid, 4) == 200);
}

#[test]
fn the_signature_is_still_checked_and_a_token_needs_its_own_user_id() {
    let dir = TempDir::new("check", "forged");
    let db = dir.0.join("orgdb.db");
    let organizr = Organizr::install(&db);
    organizr.user(1, "root", "Admin", 0);
    // Organizr would accept this forged token, since it sits in its table.
    let forged = TokenBuilder::new("root", GroupLevel::ADMIN)
        .user_id(1)
        .sign(&Secret::new("not-the-key-of-this-organizr-instance").unwrap());
    organizr.login(1, &forged);
    // A token of user 1's session presented with another user's id.
    let claims_other_user = token("root", 0, 2);
    organizr.login(1, &claims_other_user);
    // A token without a userID claim (an old Organizr's) has no session to
    // find, even when its string sits in the table.
    let no_user_id = organizr_auth_core::mint::sign_raw(
        br#"{"typ":"JWT","alg":"HS256"}"#,
        br#"{"iss":"Organizr","aud":"Organizr","exp":4102444800,"name":"root","groupID":0}"#,
        &Secret::new(KEY).unwrap(),
    );
    organizr.login(1, &no_user_id);
    let auth = authenticator(&db);
    assert!(matches!(
        who(&auth, &forged),
        Authentication::Anonymous {
            refused: Some(Refusal::Token(_))
        }
    ));
    for t in [&claims_other_user, &no_user_id] {
        assert_eq!(
            who(&auth, t),
            Authentication::Anonymous {
                refused: Some(Refusal::SessionEnded)
            }
        );
    }
}

#[test]
fn tab_names_are_groups() {
    let dir = TempDir::new("check", "tabs");
    let db = dir.0.join("orgdb.db");
    Organizr::install(&db);
    let auth = authenticator(&db);
    assert_eq!(auth.tab_group("media"), Some(GroupLevel::SUPER_USER));
    assert_eq!(auth.tab_group("Settings"), Some(GroupLevel::CO_ADMIN));
    // No tab matches: Organizr's 0.
    assert_eq!(auth.tab_group("nothing-like-it"), Some(GroupLevel::ADMIN));
    // A database that cannot be read (past the stale window) names no level.
    let store = SessionStore::open(
        &db,
        SessionOptions::new()
            .refresh(Duration::from_millis(100))
            .unwrap()
            .max_stale(Duration::from_millis(200))
            .unwrap(),
    )
    .unwrap();
    let strict = Authenticator::new(
        Config::new(Secret::new(KEY).unwrap())
            .uuid(UUID)
            .session_store(store),
    );
    assert_eq!(strict.tab_group("media"), Some(GroupLevel::SUPER_USER));
    std::fs::rename(&db, dir.0.join("moved.db")).unwrap();
    eventually("the store to fail closed", || {
        strict.tab_group("media").is_none()
    });
    assert_eq!(strict.tab_group("nothing-like-it"), None);
}

fn config_php(dir: &Path, driver: &str, db: &Path) -> PathBuf {
    let php = dir.join("config.php");
    let location = format!("{}/", db.parent().unwrap().display());
    let name = db.file_name().unwrap().to_str().unwrap();
    std::fs::write(
        &php,
        format!(
            "<?php\nreturn [\n\t'dbLocation' => '{location}',\n\t'dbName' => '{name}',\n\t'driver' => '{driver}',\n\t'organizrHash' => '{KEY}',\n\t'uuid' => '{UUID}',\n];\n"
        ),
    )
    .unwrap();
    php
}

fn from_vars(vars: &[(&str, String)]) -> Result<Config, ConfigError> {
    let vars = vars.to_vec();
    Config::from_vars(move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    })
}

#[test]
fn configuration_turns_the_check_on_off_or_refuses_to_start() {
    let dir = TempDir::new("check", "config");
    let db = dir.0.join("orgdb.db");
    Organizr::install(&db);

    // config.php with sqlite3: on by itself.
    let php = config_php(&dir.0, "sqlite3", &db);
    let php_var = ("ORGANIZR_CONFIG_PHP", php.display().to_string());
    let auth = Authenticator::new(from_vars(std::slice::from_ref(&php_var)).unwrap());
    assert!(auth.checks_sessions());
    // ORGANIZR_DB=none: stateless, on purpose.
    let auth =
        Authenticator::new(from_vars(&[php_var.clone(), ("ORGANIZR_DB", "none".into())]).unwrap());
    assert!(!auth.checks_sessions());
    // An explicit path, with a key from elsewhere.
    let auth = Authenticator::new(
        from_vars(&[
            ("ORGANIZR_HASH", KEY.into()),
            ("ORGANIZR_UUID", UUID.into()),
            ("ORGANIZR_DB", db.display().to_string()),
            ("ORGANIZR_DB_REFRESH_MS", "250".into()),
            ("ORGANIZR_DB_MAX_STALE_SECS", "0".into()),
        ])
        .unwrap(),
    );
    assert!(auth.checks_sessions());
    // A key alone: stateless, as before.
    assert!(
        !Authenticator::new(
            from_vars(&[
                ("ORGANIZR_HASH", KEY.into()),
                ("ORGANIZR_UUID", UUID.into())
            ])
            .unwrap()
        )
        .checks_sessions()
    );

    // MySQL or Postgres: a start-up error that says how to run stateless.
    let other = config_php(&dir.0, "mysqli", &db);
    let err = from_vars(&[("ORGANIZR_CONFIG_PHP", other.display().to_string())]).unwrap_err();
    assert!(matches!(&err, ConfigError::DatabaseDriver { driver, .. } if driver == "mysqli"));
    assert!(err.to_string().contains("ORGANIZR_DB=none"), "{err}");
    assert!(
        from_vars(&[
            ("ORGANIZR_CONFIG_PHP", other.display().to_string()),
            ("ORGANIZR_DB", "none".into()),
        ])
        .is_ok()
    );

    // A database that cannot be opened names its path.
    let missing = dir.0.join("missing.db");
    let err = from_vars(&[
        ("ORGANIZR_HASH", KEY.into()),
        ("ORGANIZR_UUID", UUID.into()),
        ("ORGANIZR_DB", missing.display().to_string()),
    ])
    .unwrap_err();
    let chain = format!("{:#}", anyhow::Error::from(err));
    assert!(
        chain.contains("ORGANIZR_DB") && chain.contains("missing.db"),
        "{chain}"
    );

    // Out-of-range settings name the variable.
    for (var, value) in [
        ("ORGANIZR_DB_REFRESH_MS", "50"),
        ("ORGANIZR_DB_REFRESH_MS", "60001"),
        ("ORGANIZR_DB_MAX_STALE_SECS", "3601"),
        ("ORGANIZR_DB_MAX_STALE_SECS", "soon"),
    ] {
        let err = from_vars(&[
            ("ORGANIZR_HASH", KEY.into()),
            ("ORGANIZR_UUID", UUID.into()),
            ("ORGANIZR_DB", db.display().to_string()),
            (var, value.into()),
        ])
        .unwrap_err();
        assert!(err.to_string().contains(var), "{var}={value}: {err}");
    }
}
