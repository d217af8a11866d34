//! Runs `e2e/run.sh`: forward-auth, axum-app, actix-app and mint-token behind
//! real nginx and Caddy, checked with curl. The script uses the programs as
//! `cargo test` built them.
//!
//! Needs `nginx`, `caddy` and `curl`. Without them the test prints how to get
//! them and passes, so that `cargo test` works on any machine, except under CI
//! (`CI` set), where a missing tool is a failure: `.ci/run` installs them.
//!
//! The other three programs are packages of their own. `cargo test
//! --workspace` builds every binary that an integration test needs before it
//! runs any test, and each of those packages has integration tests, so their
//! binaries sit next to forward-auth's. When they are missing or older than
//! their sources (`cargo test -p forward-auth` alone builds only
//! forward-auth), the test says so, and skips outside CI.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

/// The other programs, and the workspace crates each is built from.
const SIBLINGS: [(&str, &[&str]); 3] = [
    ("axum-app", &["organizr-auth-core", "organizr-auth-tower"]),
    ("actix-app", &["organizr-auth-core", "organizr-auth-actix"]),
    ("mint-token", &["organizr-auth-core"]),
];

fn found(tool: &str) -> bool {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|dir| dir.join(tool).is_file()))
        .unwrap_or(false);
    on_path || Path::new("/usr/sbin").join(tool).is_file()
}

/// Skips the test with `note`, or fails it under CI.
fn skip(note: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("end-to-end tests cannot run under CI: {note}");
    }
    println!("note: skipping the nginx/Caddy end-to-end tests: {note}");
}

/// The newest modification time of the `.rs` files under `dir`.
fn newest_source(dir: &Path) -> SystemTime {
    let mut newest = SystemTime::UNIX_EPOCH;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let modified = std::fs::metadata(&path).and_then(|m| m.modified());
                newest = newest.max(modified.unwrap());
            }
        }
    }
    newest
}

/// Why the binary of the sibling package `program` in `bin` cannot be used,
/// if it cannot: missing, or older than a source file it is compiled from
/// (cargo would rebuild it, and the script would test yesterday's program).
fn unusable(bin: &Path, program: &str, crates: &[&str]) -> Option<String> {
    let built = bin.join(program);
    let Ok(modified) = std::fs::metadata(&built).and_then(|m| m.modified()) else {
        return Some(format!("{} is missing", built.display()));
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let stale = std::iter::once(format!("examples/{program}"))
        .chain(crates.iter().map(|c| (*c).to_owned()))
        .any(|dir| newest_source(&root.join(dir).join("src")) > modified);
    stale.then(|| format!("{} is older than its sources", built.display()))
}

#[test]
fn behind_nginx_and_caddy() {
    let missing: Vec<&str> = ["nginx", "caddy", "curl"]
        .into_iter()
        .filter(|t| !found(t))
        .collect();
    if !missing.is_empty() {
        return skip(&format!(
            "missing {missing:?}: apt-get install -y nginx-light caddy curl"
        ));
    }
    let forward_auth = Path::new(env!("CARGO_BIN_EXE_forward-auth"));
    let bin = forward_auth.parent().unwrap();
    let problems: Vec<String> = SIBLINGS
        .into_iter()
        .filter_map(|(program, crates)| unusable(bin, program, crates))
        .collect();
    if !problems.is_empty() {
        return skip(&format!(
            "{}; `cargo test --workspace` builds them (or `cargo build -p axum-app -p actix-app -p mint-token`)",
            problems.join(", ")
        ));
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e/run.sh");
    let output = Command::new("bash")
        .arg(&script)
        .env("E2E_BIN_DIR", bin)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "e2e/run.sh failed ({})",
        output.status
    );
    let summary = stdout
        .lines()
        .rev()
        .find(|l| l.ends_with(" failed"))
        .unwrap_or_default();
    assert!(
        summary.ends_with(", 0 failed") && !summary.starts_with("0 passed"),
        "summary: {summary:?}"
    );
}
