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

/// `target/<profile>`, above this test's own `deps/` folder.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().to_path_buf()
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
    // The example is in `target/<profile>/examples`, the programs that are
    // packages of their own (with integration tests, so that `cargo test
    // --workspace` builds them) in `target/<profile>`: gather them in one
    // folder for the script.
    let profile = profile_dir();
    let bin = std::env::temp_dir().join(format!("organizr-e2e-bin-{}", std::process::id()));
    std::fs::create_dir_all(&bin).unwrap();
    for (program, dir) in [
        ("forward-auth", profile.join("examples")),
        ("axum-app", profile.clone()),
        ("actix-app", profile.clone()),
        ("mint-token", profile.clone()),
    ] {
        let built = dir.join(program);
        assert!(
            built.is_file(),
            "{} was not built by cargo test",
            built.display()
        );
        let link = bin.join(program);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&built, &link).unwrap();
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e/run.sh");
    let output = Command::new("bash")
        .arg(&script)
        .env("E2E_BIN_DIR", &bin)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&bin).ok();
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
