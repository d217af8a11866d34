//! Runs `examples/e2e/run.sh`: forward-auth, axum-app and actix-app behind real
//! nginx and Caddy, checked with curl. `cargo test` has already built the
//! example programs; the script uses them as they are.
//!
//! Needs `nginx`, `caddy` and `curl`. Without them the test prints how to get
//! them and passes, so that `cargo test` works on any machine, except under CI
//! (`CI` set), where a missing tool is a failure: `.ci/run` installs them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn found(tool: &str) -> bool {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|dir| dir.join(tool).is_file()))
        .unwrap_or(false);
    on_path || Path::new("/usr/sbin").join(tool).is_file()
}

/// `target/<profile>/examples`, next to this test's own `deps/` folder.
fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .and_then(Path::parent)
        .unwrap()
        .join("examples")
}

#[test]
fn behind_nginx_and_caddy() {
    let missing: Vec<&str> = ["nginx", "caddy", "curl"]
        .into_iter()
        .filter(|t| !found(t))
        .collect();
    if !missing.is_empty() {
        let hint = format!("missing {missing:?}: apt-get install -y nginx-light caddy curl");
        if std::env::var_os("CI").is_some() {
            panic!("end-to-end tests cannot run under CI: {hint}");
        }
        println!("note: skipping the nginx/Caddy end-to-end tests, {hint}");
        return;
    }
    let bin = examples_dir();
    for program in ["forward-auth", "axum-app", "actix-app", "mint-token"] {
        assert!(
            bin.join(program).is_file(),
            "{} was not built by cargo test",
            bin.join(program).display()
        );
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e/run.sh");
    let output = Command::new("bash")
        .arg(&script)
        .env("E2E_BIN_DIR", &bin)
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
