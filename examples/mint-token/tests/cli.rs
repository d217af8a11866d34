//! mint-token, the real binary: what it prints validates under the key it was
//! given, and bad command lines stop it with the documented exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::os::unix::ffi::OsStringExt;
use std::process::{Command, Output};

use organizr_auth_core::{Secret, TokenValidator};

const KEY: &str = "mint-token-test-organizr-hash-0123456789ab";
const UUID: &str = "8e3f1a2b-0000-4000-8000-000000000003";

/// Runs mint-token with only these variables set.
fn mint(args: &[&str], vars: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mint-token"))
        .args(args)
        .env_clear()
        .envs(vars.iter().copied())
        .env("RUST_LOG", "info")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn prints_a_token_that_validates() {
    let output = mint(
        &[
            "--user",
            "alice",
            "--group",
            "4",
            "--email",
            "alice@example.org",
        ],
        &[("ORGANIZR_HASH", KEY)],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let token = stdout(&output);
    let claims = TokenValidator::new(&Secret::new(KEY).unwrap())
        .validate(token.trim_end())
        .unwrap();
    assert_eq!(claims.username, "alice");
    assert_eq!(claims.group_id.get(), 4);
    assert_eq!(claims.email.as_deref(), Some("alice@example.org"));
    // Only the token on stdout, so that `$(mint-token ...)` captures it.
    assert_eq!(token.lines().count(), 1);
    assert!(
        !stderr(&output).contains(token.trim_end()),
        "the token was logged"
    );
}

#[test]
fn cookie_form_uses_the_instance_uuid() {
    let output = mint(
        &["--user", "root", "--group=0", "--cookie"],
        &[("ORGANIZR_HASH", KEY), ("ORGANIZR_UUID", UUID)],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let line = stdout(&output);
    let token = line
        .trim_end()
        .strip_prefix(&format!("organizr_token_{UUID}="))
        .unwrap_or_else(|| panic!("not a cookie: {line}"));
    let claims = TokenValidator::new(&Secret::new(KEY).unwrap())
        .validate(token)
        .unwrap();
    assert_eq!(
        (claims.username.as_str(), claims.group_id.get()),
        ("root", 0)
    );
}

#[test]
fn config_php_gives_key_and_uuid() {
    let dir = std::env::temp_dir().join(format!("mint-token-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let php = dir.join("config.php");
    std::fs::write(
        &php,
        format!("<?php\nreturn array('uuid' => '{UUID}', 'organizrHash' => '{KEY}');\n"),
    )
    .unwrap();
    let output = mint(
        &[
            "--user",
            "bob",
            "--cookie",
            "--config-php",
            php.to_str().unwrap(),
        ],
        &[],
    );
    std::fs::remove_dir_all(&dir).ok();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).starts_with(&format!("organizr_token_{UUID}=")));
}

#[test]
fn command_line_errors() {
    let help = mint(&["--help"], &[]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).starts_with("usage: mint-token"));
    assert!(stdout(&help).contains("\n  ORGANIZR_CONFIG_PHP (default: "));
    let version = mint(&["--version"], &[]);
    assert_eq!(version.status.code(), Some(0));
    assert_eq!(
        stdout(&version),
        format!("mint-token {}\n", env!("CARGO_PKG_VERSION"))
    );

    for bad in [
        &["--user"][..],
        &["--group", "4"],
        &["--user", "a", "--key", "k"],
    ] {
        let output = mint(bad, &[("ORGANIZR_HASH", KEY)]);
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        assert!(
            stderr(&output).starts_with("mint-token: error: "),
            "{bad:?}"
        );
        assert!(stdout(&output).is_empty());
    }

    // Not UTF-8: refused, not a panic.
    let latin1 = Command::new(env!("CARGO_BIN_EXE_mint-token"))
        .args([
            "--user".into(),
            std::ffi::OsString::from_vec(b"j\xf6rg".to_vec()),
        ])
        .env_clear()
        .env("ORGANIZR_HASH", KEY)
        .output()
        .unwrap();
    assert_eq!(latin1.status.code(), Some(2), "{}", stderr(&latin1));

    let no_key = mint(&["--user", "alice"], &[]);
    assert_eq!(no_key.status.code(), Some(1));
    assert!(
        stderr(&no_key).contains("ORGANIZR_HASH"),
        "{}",
        stderr(&no_key)
    );

    let secret_marker = "a-secret-that-must-not-be-shown-0123456789";
    let conflict = mint(
        &["--user", "alice"],
        &[
            ("ORGANIZR_HASH", secret_marker),
            ("ORGANIZR_HASH_FILE", "/nonexistent"),
        ],
    );
    assert_eq!(conflict.status.code(), Some(1));
    assert!(!stderr(&conflict).contains(secret_marker));
}
