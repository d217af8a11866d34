//! Replays every committed input of `fuzz/corpus/<target>/` through the
//! target's check, on the stable toolchain.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::Path;

use organizr_auth_fuzz_checks as checks;

/// Runs `check` on every file in `fuzz/corpus/<target>/`, and lists every
/// failing file, not just the first.
fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no replay inputs in {}", dir.display());
    let failed: Vec<String> = files
        .iter()
        .filter(|path| {
            let data = std::fs::read(path).unwrap();
            std::panic::catch_unwind(|| check(&data)).is_err()
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} inputs failed:\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
}

#[test]
fn token_validate() {
    replay("token_validate", checks::token_validate::token_validate);
}

#[test]
fn credentials() {
    replay("credentials", checks::credentials::credentials);
}

#[test]
fn proxy_list() {
    replay("proxy_list", checks::proxy::proxy_list);
}

#[test]
fn proxy_header() {
    replay("proxy_header", checks::proxy::proxy_header);
}

#[test]
fn php_config() {
    replay("php_config", checks::php_config::php_config);
}

#[test]
fn differential() {
    replay("differential", checks::differential::differential);
}
