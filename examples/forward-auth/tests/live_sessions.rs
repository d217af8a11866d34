//! forward-auth against a real Organizr (issue 11): after each thing that
//! changes a session in Organizr (logout, revoking one of two sessions, lock
//! and unlock, promotion and demotion, deleting the user), forward-auth, run
//! as the program with Organizr's own config.php (so the session check is on
//! by itself), must answer `/api/v2/auth/{0,1,4,998,999}` as Organizr's own
//! `/api/v2/auth` does: allowed or not, and for an allowed user the same
//! `X-Organizr-User` and `X-Organizr-Group`.
//!
//! Needs php and `../shared/organizr` (see its README): outside CI the test
//! prints a note and skips without them; in CI it fails. forward-auth reloads
//! Organizr's sessions every 100 ms here; each comparison is retried until a
//! deadline, never timed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

#[path = "support/live_organizr.rs"]
mod live_organizr;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use live_organizr::{LiveOrganizr, Response, Session, Setup, http_request};

const PROGRAM: &str = env!("CARGO_BIN_EXE_forward-auth");
const LEVELS: [u16; 5] = [0, 1, 4, 998, 999];
/// How long a change may take to show on both sides; never a measure of speed.
const DEADLINE: Duration = Duration::from_secs(30);

/// forward-auth as a process, stopped when dropped.
struct ForwardAuth {
    child: Child,
    port: u16,
}

impl Drop for ForwardAuth {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ForwardAuth {
    fn start(organizr: &LiveOrganizr) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(PROGRAM)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("ORGANIZR_CONFIG_PHP", organizr.config_php())
            .env("ORGANIZR_LISTEN", format!("127.0.0.1:{port}"))
            .env("ORGANIZR_DB_REFRESH_MS", "100")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Keep its log flowing, and visible when the test fails.
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("forward-auth: {line}");
            }
        });
        let server = Self { child, port };
        let start = Instant::now();
        while !http_request(port, "GET", "/healthz", &[], None).is_ok_and(|r| r.status == 200) {
            assert!(start.elapsed() < DEADLINE, "forward-auth did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    fn auth(&self, session: Option<&Session>, level: u16) -> Response {
        let cookie = session.map(Session::cookie);
        let headers: Vec<(&str, &str)> = cookie.iter().map(|c| ("Cookie", c.as_str())).collect();
        http_request(
            self.port,
            "GET",
            &format!("/api/v2/auth/{level}"),
            &headers,
            None,
        )
        .unwrap()
    }
}

/// What both must agree on: allowed or not, and who, for an allowed user.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Refused,
    Guest,
    User { name: String, group: String },
}

fn answer(response: &Response) -> Answer {
    match (
        response.status,
        response.header("X-Organizr-User"),
        response.header("X-Organizr-Group"),
    ) {
        (200, Some("Guest") | None, Some("999") | None) => Answer::Guest,
        (200, Some(name), Some(group)) => Answer::User {
            name: name.to_owned(),
            group: group.to_owned(),
        },
        (200, user, group) => panic!("an allowed answer with user {user:?}, group {group:?}"),
        // Organizr never says 403; forward-auth says 403 for a level too low.
        (401 | 403, _, _) => Answer::Refused,
        (status, _, _) => panic!("unexpected status {status}: {}", response.text()),
    }
}

/// Waits until forward-auth answers as Organizr does at every level, and
/// returns Organizr's answers.
fn agree(
    organizr: &LiveOrganizr,
    ours: &ForwardAuth,
    session: Option<&Session>,
    step: &str,
) -> Vec<Answer> {
    let start = Instant::now();
    loop {
        let theirs: Vec<Answer> = LEVELS
            .iter()
            .map(|level| {
                answer(
                    &organizr
                        .auth_as(session, &format!("/api/v2/auth/{level}"), &[])
                        .unwrap(),
                )
            })
            .collect();
        let mine: Vec<Answer> = LEVELS
            .iter()
            .map(|l| answer(&ours.auth(session, *l)))
            .collect();
        if theirs == mine {
            return theirs;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "{step}: at levels {LEVELS:?} Organizr answered {theirs:?}, forward-auth {mine:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn user(name: &str, group: &str) -> Answer {
    Answer::User {
        name: name.to_owned(),
        group: group.to_owned(),
    }
}

#[test]
fn forward_auth_follows_organizrs_sessions() {
    let Some(organizr) = LiveOrganizr::start_or_skip(&Setup::default()) else {
        return;
    };
    let ours = ForwardAuth::start(&organizr);
    let setup = organizr.setup().clone();
    let admin = organizr
        .login(&setup.admin_username, &setup.admin_password)
        .unwrap();
    let alice_id = organizr
        .create_user("alice", "alice-password-1", "alice@example.com")
        .unwrap();
    let alice_a = organizr.login("alice", "alice-password-1").unwrap();
    let alice_b = organizr.login("alice", "alice-password-1").unwrap();
    let alice_c = organizr.login("alice", "alice-password-1").unwrap();
    use Answer::{Guest, Refused};

    // Fresh sessions.
    let admin_answers = agree(&organizr, &ours, Some(&admin), "admin, fresh");
    assert!(admin_answers.iter().all(|a| *a == user("admin", "0")));
    let alice = user("alice", "4");
    assert_eq!(
        agree(&organizr, &ours, Some(&alice_a), "alice, fresh"),
        [Refused, Refused, alice.clone(), alice.clone(), alice]
    );
    assert_eq!(
        agree(&organizr, &ours, None, "no cookie"),
        [Refused, Refused, Refused, Refused, Guest]
    );

    // Logout ends that session only.
    organizr.logout(&alice_a).unwrap();
    assert_eq!(
        agree(&organizr, &ours, Some(&alice_a), "after logout"),
        [Refused, Refused, Refused, Refused, Guest]
    );
    agree(
        &organizr,
        &ours,
        Some(&alice_b),
        "the other session after logout",
    );

    // Revoke one of two sessions (from the other).
    let b_id = organizr.session_id(&alice_b).unwrap();
    organizr.revoke(&alice_c, b_id).unwrap();
    assert_eq!(
        agree(&organizr, &ours, Some(&alice_b), "the revoked session"),
        [Refused, Refused, Refused, Refused, Guest]
    );
    assert_eq!(
        agree(
            &organizr,
            &ours,
            Some(&alice_c),
            "the session that revoked it"
        )[4],
        user("alice", "4")
    );

    // A locked user is refused everywhere, 999 included, until unlocked.
    organizr.lock(alice_id).unwrap();
    assert_eq!(
        agree(&organizr, &ours, Some(&alice_c), "locked"),
        [Refused, Refused, Refused, Refused, Refused]
    );
    organizr.unlock(alice_id).unwrap();
    assert_eq!(
        agree(&organizr, &ours, Some(&alice_c), "unlocked")[2],
        user("alice", "4")
    );

    // Promotion and demotion apply to the live session.
    organizr.set_group(alice_id, 1).unwrap();
    assert_eq!(
        agree(&organizr, &ours, Some(&alice_c), "promoted to Co-Admin"),
        [
            Refused,
            user("alice", "1"),
            user("alice", "1"),
            user("alice", "1"),
            user("alice", "1")
        ]
    );
    organizr.set_group(alice_id, 4).unwrap();
    assert_eq!(
        agree(&organizr, &ours, Some(&alice_c), "demoted to User")[1],
        Refused
    );

    // Deleting the user ends all of her sessions.
    organizr.delete_user(alice_id).unwrap();
    assert_eq!(
        agree(&organizr, &ours, Some(&alice_c), "deleted"),
        [Refused, Refused, Refused, Refused, Guest]
    );
    // The admin was never touched.
    agree(&organizr, &ours, Some(&admin), "admin, at the end");
}
