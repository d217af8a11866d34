//! Question 7: what does checking Organizr's session table add to a request,
//! and how long does a reload take? (Issue 11's target: at most 200 ns added
//! per request at 10,000 live sessions.)
//!
//! Each database is made with Organizr's own schema
//! (`organizr-auth-core/tests/data/organizr-schema.sql`) and holds `n` live
//! sessions spread over up to 100 users, plus as many expired rows (Organizr
//! never purges them). Tokens are the real 431-byte Organizr token with its
//! signature segment replaced per session, so they share their first 388 bytes
//! like real tokens of one instance do.
//!
//! `sessions/check`, in one run:
//! - `baseline`: a closure that does nothing but hand the token over;
//! - `live/n`: [`SessionStore::check`] of one live session among `n`;
//! - `live_rotating/n` vs `baseline_rotating/n`: the next of all `n` tokens on
//!   every call, so the table is not all in cache;
//! - `unknown/10000`: a token with no row (a logged-out session);
//! - `stateless_validate`: [`TokenValidator::validate`] of the same kind of
//!   token, what every request pays before the session check.
//!
//! `sessions/reload/10000`: [`SessionStore::open`] of the 10,000-session
//! database, which is one full read (one read transaction) and index build,
//! plus opening the connection and starting the thread.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use criterion::{BenchmarkId, criterion_group, criterion_main};
use organizr_auth_benches as fx;
use organizr_auth_core::TokenValidator;
use organizr_auth_core::session::{SessionCheck, SessionOptions, SessionStore};

const SCHEMA: &str = include_str!("../../organizr-auth-core/tests/data/organizr-schema.sql");
const SIZES: [usize; 3] = [10, 1_000, 10_000];

/// The real token with its 43-character signature replaced by one unique to `i`.
fn session_token(template: &str, i: usize) -> String {
    let head = &template[..template.rfind('.').unwrap() + 1];
    let sig = format!("{i:0>43}").replace('0', "A");
    assert_eq!(sig.len(), 43);
    format!("{head}{sig}")
}

/// A database with `n` live sessions (user `i % 100 + 1`) and `n` expired ones.
fn database(dir: &Path, n: usize, template: &str) -> PathBuf {
    let path = dir.join(format!("orgdb-{n}.db"));
    let _ = std::fs::remove_file(&path);
    let mut conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(SCHEMA).unwrap();
    let tx = conn.transaction().unwrap();
    for user in 1..=n.min(100) {
        tx.execute(
            "INSERT INTO users (id, username, email, `group`, group_id, locked) VALUES (?1, ?2, ?3, 'User', 4, 0)",
            rusqlite::params![
                i64::try_from(user).unwrap(),
                format!("user{user}"),
                format!("user{user}@example.org")
            ],
        )
        .unwrap();
    }
    for i in 0..n {
        let user = i % 100 + 1;
        for (token, expires) in [
            (session_token(template, i), "2099-12-31 12:00:00"),
            (session_token(template, n + i), "2001-01-01 12:00:00"),
        ] {
            tx.execute(
                "INSERT INTO tokens (token, user_id, browser, ip, created, expires) VALUES (?1, ?2, 'Mozilla/5.0', '10.0.0.1', '2026-12-01 10:00:00', ?3)",
                rusqlite::params![token, i64::try_from(user).unwrap(), expires],
            )
            .unwrap();
        }
    }
    tx.commit().unwrap();
    path
}

fn user_of(i: usize) -> u64 {
    (i % 100 + 1) as u64
}

fn sessions(c: &mut criterion::Criterion) {
    let dir = std::env::temp_dir().join(format!("organizr-bench-sessions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let template = fx::realistic_token();
    let now = SystemTime::now();
    let options = SessionOptions::new();

    let mut g = c.benchmark_group("sessions/check");
    let probe = session_token(&template, 0);
    g.bench_function("baseline", |b| b.iter(|| black_box(probe.as_str())));
    let validator = TokenValidator::new(&fx::secret());
    let real = fx::realistic_token();
    assert!(validator.validate(&real).is_ok());
    g.bench_function("stateless_validate", |b| {
        b.iter(|| validator.validate(black_box(&real)))
    });

    let mut big = None;
    for n in SIZES {
        let path = database(&dir, n, &template);
        let store = SessionStore::open(&path, options).unwrap();
        assert_eq!(store.live_sessions(), n);
        let tokens: Vec<(String, u64)> = (0..n)
            .map(|i| (session_token(&template, i), user_of(i)))
            .collect();
        for (token, user) in &tokens {
            assert!(matches!(
                store.check(token, *user, now),
                SessionCheck::Live(_)
            ));
        }
        let (token, user) = &tokens[n / 2];
        g.bench_with_input(BenchmarkId::new("live", n), &n, |b, _| {
            b.iter(|| store.check(black_box(token), black_box(*user), now))
        });
        g.bench_with_input(BenchmarkId::new("baseline_rotating", n), &n, |b, _| {
            let mut next = tokens.iter().cycle();
            b.iter(|| {
                let (token, user) = next.next().unwrap();
                black_box((token.as_str(), *user))
            })
        });
        g.bench_with_input(BenchmarkId::new("live_rotating", n), &n, |b, _| {
            let mut next = tokens.iter().cycle();
            b.iter(|| {
                let (token, user) = next.next().unwrap();
                store.check(black_box(token), black_box(*user), now)
            })
        });
        if n == 10_000 {
            big = Some((path, store));
        }
    }
    let (path, store) = big.unwrap();
    let unknown = session_token(&template, 3 * 10_000);
    assert_eq!(store.check(&unknown, 1, now), SessionCheck::NoSession);
    g.bench_function(BenchmarkId::new("unknown", 10_000), |b| {
        b.iter(|| store.check(black_box(&unknown), black_box(1), now))
    });
    g.finish();
    drop(store);

    let mut g = c.benchmark_group("sessions/reload");
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    g.bench_function(BenchmarkId::from_parameter(10_000), |b| {
        b.iter_with_large_drop(|| SessionStore::open(&path, options).unwrap())
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group! {
    name = benches;
    config = fx::criterion();
    targets = sessions
}
criterion_main!(benches);
