//! Organizr's auth API, form by form (`support/organizr_table.rs`), answered
//! by forward-auth in process: status, identity headers, Organizr's JSON
//! (result, message, user, group, email, user_ip, requested_group).
//! `tests/live_organizr.rs` checks the same table against a real Organizr.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "support/inprocess.rs"]
mod inprocess;
#[path = "support/organizr_table.rs"]
mod organizr_table;

use std::time::{Duration, SystemTime};

use inprocess::{UUID, app_with, secret, send_from};
use organizr_auth_core::mint::TokenBuilder;
use organizr_auth_core::{Config, GroupLevel};
use organizr_table::{ROWS, Seen, Who, mismatches};

fn token(user: &str, level: u16, email: &str) -> String {
    TokenBuilder::new(user, GroupLevel::new(level).unwrap())
        .email(email)
        .issued_at(SystemTime::now() - Duration::from_secs(5))
        .sign(&secret())
}

#[tokio::test]
async fn organizr_forms_answer_as_the_table_says() {
    let app = app_with(
        Config::new(secret()).uuid(UUID),
        &[("ORGANIZR_FORWARD_AUTH_STATUS", "organizr")],
    );
    let admin = token("admin", 0, "admin@example.com");
    let alice = token("Alice", 4, "alice@example.com");
    let mut failures = Vec::new();
    for row in ROWS {
        let mut headers: Vec<(&str, String)> = row
            .headers
            .iter()
            .map(|(n, v)| (*n, (*v).to_owned()))
            .collect();
        let value = match row.who {
            Who::Nobody => None,
            Who::Admin => Some(admin.as_str()),
            Who::Alice => Some(alice.as_str()),
            Who::Garbage => Some("garbage.not.ajwt"),
        };
        if let Some(value) = value {
            headers.push(("cookie", format!("organizr_token_{UUID}={value}")));
        }
        let answer = send_from(&app, "127.0.0.1:40000", row.method, row.uri, &headers).await;
        let seen = Seen {
            status: answer.status.as_u16(),
            headers: answer
                .headers
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
                .collect(),
            body: answer.body.clone(),
        };
        let problems = mismatches(&seen, row.stateless.as_ref().unwrap_or(&row.ours), true);
        if !problems.is_empty() {
            failures.push(format!(
                "{} ({} {}): {}\n    body: {}",
                row.what,
                row.method,
                row.uri,
                problems.join("; "),
                seen.body
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!("{} forms checked", ROWS.len());
}
