//! forward-auth next to the real Organizr it stands in for.
//!
//! Starts Organizr v2.1.2460 (`../shared/organizr`, PHP's built-in server),
//! installs it, adds the user `Alice` (group 4) and logs in as her and as the
//! admin. forward-auth runs in process with `ORGANIZR_CONFIG_PHP` pointing at
//! that Organizr's own `data/config/config.php` and
//! `ORGANIZR_FORWARD_AUTH_STATUS=organizr`. Then every row of
//! `support/organizr_table.rs` is asked of both, with Organizr's real session
//! cookies:
//! - Organizr must answer as the table says it does (its expected answer,
//!   including the rows where it is forgeable or silently drops a rule);
//! - forward-auth must answer as the table says it does;
//! - where the table says they agree, their answers are also compared with
//!   each other: status, `X-Organizr-*` headers, `result`, `message`, and
//!   `data`'s `user`, `group`, `email`, `user_ip`, `requested_group`.
//!
//! Skips with a note when `php` (with sqlite3) or `serve.sh` is missing,
//! except under CI (`CI=true`), where that is a failure. One Organizr for the
//! whole file: PHP's server is slow (tens of milliseconds a request).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

#[path = "support/inprocess.rs"]
mod inprocess;
#[path = "support/live_organizr.rs"]
mod live_organizr;
#[path = "support/organizr_table.rs"]
mod organizr_table;

use std::sync::Arc;

use forward_auth::router::ForwardAuth;
use inprocess::{send_from, settings};
use live_organizr::{LiveOrganizr, Setup};
use organizr_auth_core::{Authenticator, Config};
use organizr_table::{ROWS, Seen, Who, mismatches};
use serde_json::Value;

/// What both must agree on, where the table says they agree.
fn comparable(seen: &Seen) -> (u16, Vec<Option<String>>, Option<[Value; 7]>) {
    let header = |name: &str| {
        seen.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let identity = ["x-organizr-user", "x-organizr-email", "x-organizr-group"]
        .into_iter()
        .map(header)
        .collect();
    let json = serde_json::from_str::<Value>(&seen.body).ok().map(|json| {
        let r = &json["response"];
        let d = &r["data"];
        [
            r["result"].clone(),
            r["message"].clone(),
            d["user"].clone(),
            d["group"].clone(),
            d["email"].clone(),
            d["user_ip"].clone(),
            d["requested_group"].clone(),
        ]
    });
    (seen.status, identity, json)
}

#[tokio::test]
async fn forward_auth_answers_as_the_live_organizr_where_it_should() {
    let setup = Setup::default();
    let Some(org) = LiveOrganizr::start_or_skip(&setup) else {
        return;
    };
    org.create_user("Alice", "alice-password-1", "alice@example.com")
        .unwrap();
    let admin = org.login("admin", &setup.admin_password).unwrap();
    let alice = org.login("Alice", "alice-password-1").unwrap();
    let garbage = format!("{}=garbage.not.ajwt", org.cookie_name());

    // forward-auth reads the live instance's own config file.
    let config_php = org.config_php().display().to_string();
    let config =
        Config::from_vars(|name| (name == "ORGANIZR_CONFIG_PHP").then(|| config_php.clone()))
            .unwrap();
    let auth = Arc::new(Authenticator::new(config));
    // Organizr's own database, as the table's `ours` assumes (tab names).
    assert!(
        auth.checks_sessions(),
        "config.php names an SQLite database"
    );
    let app = ForwardAuth::new(
        auth,
        settings(&[("ORGANIZR_FORWARD_AUTH_STATUS", "organizr")]),
    )
    .router();

    let mut failures = Vec::new();
    let (mut same, mut different) = (0, 0);
    for row in ROWS {
        let cookie = match row.who {
            Who::Nobody => None,
            Who::Admin => Some(admin.cookie()),
            Who::Alice => Some(alice.cookie()),
            Who::Garbage => Some(garbage.clone()),
        };
        let mut headers: Vec<(&str, String)> = row
            .headers
            .iter()
            .map(|(n, v)| (*n, (*v).to_owned()))
            .collect();
        if let Some(cookie) = &cookie {
            headers.push(("Cookie", cookie.clone()));
        }
        let borrowed: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let theirs = org.request(row.method, row.uri, &borrowed, None).unwrap();
        let theirs = Seen {
            status: theirs.status,
            headers: theirs
                .headers
                .iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
                .collect(),
            body: theirs.text(),
        };
        let ours = send_from(&app, "127.0.0.1:40000", row.method, row.uri, &headers).await;
        let ours = Seen {
            status: ours.status.as_u16(),
            headers: ours
                .headers
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
                .collect(),
            body: ours.body,
        };

        let mut problems = Vec::new();
        let organizr_expected = row
            .organizr
            .as_ref()
            .map_or(&row.ours, |(expect, _)| expect);
        for p in mismatches(&theirs, organizr_expected, false) {
            problems.push(format!("organizr: {p}"));
        }
        for p in mismatches(&ours, &row.ours, true) {
            problems.push(format!("forward-auth: {p}"));
        }
        if row.organizr.is_none() {
            same += 1;
            let (a, b) = (comparable(&theirs), comparable(&ours));
            if a != b {
                problems.push(format!(
                    "answers differ:\n      organizr     {a:?}\n      forward-auth {b:?}"
                ));
            }
        } else {
            different += 1;
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{} ({} {}):\n    {}\n    organizr body: {}\n    forward-auth body: {}",
                row.what,
                row.method,
                row.uri,
                problems.join("\n    "),
                theirs.body.chars().take(400).collect::<String>(),
                ours.body
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows:\n{}",
        failures.len(),
        ROWS.len(),
        failures.join("\n")
    );
    println!(
        "{} forms: {same} answered alike by Organizr and forward-auth, {different} differing on purpose (as the table says)",
        ROWS.len()
    );
}
