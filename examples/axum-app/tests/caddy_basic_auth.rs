//! axum-app in proxy-only mode behind real Caddy basic auth (issue 13): the
//! recipe `deploy/Caddyfile`, run by Caddy itself, in front of the real binary
//! holding no Organizr key.
//!
//! ```text
//! client --> Caddy 127.0.0.1:P (basicauth) --> axum-app 127.0.0.1:Q
//!                                              trusts 127.0.0.1 only
//! "around Caddy": 127.0.0.2 --> axum-app 127.0.0.1:Q
//! ```
//!
//! Caddy connects to an upstream on 127.0.0.1 from 127.0.0.1, so the app
//! trusts exactly Caddy's address, as the recipe's app trusts Caddy's
//! container. A client that goes around Caddy connects from 127.0.0.2 (all of
//! 127.0.0.0/8 is loopback on Linux), as another container on the recipe's
//! network would. The recipe is used as written, but for the lines marked
//! `# e2e:` (the admin endpoint, the site address, the app's address, the
//! password hashes); the passwords are made up here and hashed with
//! `caddy hash-password`, as the recipe says.
//!
//! Needs `caddy` (2.6, Debian 12's). Without it the test prints a note and
//! passes, so that `cargo test` works anywhere, except under CI (`CI` set),
//! where a missing tool is a failure: `.ci/run` installs it.
//!
//! This file holds what is Caddy's own: starting it with the recipe, the
//! password hashes, and what Caddy and this app's settings answer. The checks
//! themselves, the app launcher and the HTTP client are shared with
//! `actix-app/tests/nginx_basic_auth.rs` (the same for actix-app behind
//! nginx): they live in `examples/apps-e2e` (`organizr_auth_apps_e2e`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};

use organizr_auth_apps_e2e::{
    App, PROXY_ADDRESS, Passwords, Proxy, Report, Server, USERS, Unmapped, Want, WorkDir,
    check_proxy_only, free_port, passwords, skip, tool,
};

const PROGRAM: &str = env!("CARGO_BIN_EXE_axum-app");
const NAME: &str = "axum-app";
const RECIPE: &str = "deploy/Caddyfile";

/// The app's configuration: the trusted proxy and the group settings. With
/// `ORGANIZR_LISTEN` (and `RUST_LOG`) this is its whole environment.
const APP_ENV: [(&str, &str); 3] = [
    ("ORGANIZR_TRUSTED_PROXIES", "127.0.0.1"),
    ("ORGANIZR_PROXY_GROUPS_HEADER", "Remote-Groups"),
    ("ORGANIZR_PROXY_GROUP_MAP", "admins=0,family=4"),
];

#[test]
fn behind_caddy_basic_auth_without_organizr() {
    let Some(caddy) = tool("caddy") else {
        return skip("Caddy", "caddy is missing: apt-get install -y caddy");
    };
    let work = WorkDir::new(&format!("{NAME}-caddy"));
    let app = App::start(PROGRAM, NAME, &APP_ENV);
    let passwords = passwords();
    let caddy = start_caddy(&caddy, &work, app.addr(), &passwords);
    let mut r = Report::default();
    let proxy = Proxy {
        server: &caddy,
        // Caddy's realm is its own, not the recipe's.
        challenge: Want::HeaderPrefix("www-authenticate", "Basic realm="),
        // No ORGANIZR_PROXY_DEFAULT_LEVEL: a user in no mapped group is any
        // logged-in user (998).
        unmapped: Unmapped::AnyUser,
    };
    check_proxy_only(&mut r, &app, &proxy, &passwords);
    r.finish(&[(NAME, app.log()), ("caddy", caddy.log())]);
}

// --- Caddy ------------------------------------------------------------------------

/// Runs the recipe, its `# e2e:` lines swapped, in front of `app`.
fn start_caddy(caddy: &Path, work: &WorkDir, app: SocketAddr, passwords: &Passwords) -> Server {
    let port = free_port();
    let recipe_path = Path::new(env!("CARGO_MANIFEST_DIR")).join(RECIPE);
    let recipe = std::fs::read_to_string(&recipe_path).unwrap();
    // bcrypt is slow on purpose: hash the passwords side by side.
    let hashes: BTreeMap<&str, String> = std::thread::scope(|s| {
        let running: Vec<_> = passwords
            .iter()
            .map(|(user, password)| (*user, s.spawn(move || hash_password(caddy, password))))
            .collect();
        running
            .into_iter()
            .map(|(user, hashing)| (user, hashing.join().unwrap()))
            .collect()
    });
    let dir = work.path();
    let config = dir.join("Caddyfile");
    std::fs::write(
        &config,
        swap_e2e_lines(&recipe, port, app, |user| {
            hashes
                .get(user)
                .cloned()
                .unwrap_or_else(|| panic!("{RECIPE}: user {user} is not one of {USERS:?}"))
        }),
    )
    .unwrap();
    let log = dir.join("caddy.log");
    let output = File::create(&log).unwrap();
    // Its own home: Caddy keeps state (certificates, autosave) there.
    Server::start(
        "Caddy",
        Command::new(caddy)
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(&config)
            .env_clear()
            .env("HOME", dir)
            .env("XDG_CONFIG_HOME", dir)
            .env("XDG_DATA_HOME", dir)
            .stdin(Stdio::null())
            .stdout(output.try_clone().unwrap())
            .stderr(output),
        SocketAddr::from((PROXY_ADDRESS, port)),
        log,
    )
}

/// The recipe with its `# e2e:` lines swapped: the admin endpoint off, the
/// site on 127.0.0.1:`port` (and bound there only), the app at `app`, and each
/// user's hash from `hash`. Fails on a marked line it does not know, or when
/// a kind of line is missing: the recipe changed, and so must this test.
fn swap_e2e_lines(
    recipe: &str,
    port: u16,
    app: SocketAddr,
    mut hash: impl FnMut(&str) -> String,
) -> String {
    let mut out = String::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut users = Vec::new();
    let mut site_next = false;
    for line in recipe.lines() {
        let indent = &line[..line.len() - line.trim_start().len()];
        if site_next {
            // The site address line: plain HTTP on loopback.
            assert_eq!(line.trim(), "apps.example.org {", "{RECIPE}: the site line");
            out.push_str(&format!("http://127.0.0.1:{port} {{\n\tbind 127.0.0.1\n"));
            site_next = false;
            continue;
        }
        if line.trim() == "# e2e: site (the next line)" {
            *seen.entry("site").or_default() += 1;
            site_next = true;
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let Some((code, mark)) = line.split_once(" # e2e: ") else {
            assert!(
                !line.contains("# e2e:"),
                "{RECIPE}: unknown e2e line {line:?}"
            );
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let mark = mark.trim();
        *seen.entry(mark).or_default() += 1;
        let words: Vec<&str> = code.split_whitespace().collect();
        let swapped = match (mark, words.as_slice()) {
            ("admin", ["admin", _]) => "admin off".to_owned(),
            ("app", ["to", _]) => format!("to {app}"),
            ("user", [user, _hash]) => {
                users.push(*user);
                format!("{user} {}", hash(user))
            }
            _ => panic!("{RECIPE}: unknown e2e line {line:?}"),
        };
        out.push_str(&format!("{indent}{swapped}\n"));
    }
    let counts: Vec<(&str, usize)> = seen.into_iter().collect();
    assert_eq!(
        counts,
        [("admin", 1), ("app", 2), ("site", 1), ("user", USERS.len())],
        "{RECIPE}: the e2e lines"
    );
    assert_eq!(users, USERS, "{RECIPE}: the users");
    out
}

/// `caddy hash-password`, the password on standard input (not the command
/// line), as the recipe tells users to make their hashes.
fn hash_password(caddy: &Path, password: &str) -> String {
    let mut child = Command::new(caddy)
        .arg("hash-password")
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "caddy hash-password failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let hash = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    assert!(hash.starts_with("$2a$"), "not a bcrypt hash: {hash}");
    hash
}
