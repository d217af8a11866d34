//! `Config::from_env` against a real process environment (issue 15 finding
//! 6): an unknown `ORGANIZR_*` variable is a warning naming the closest known
//! one (and never its value), and a value that is not UTF-8 is an error
//! naming the variable (it used to be decoded lossily, so the server could
//! run with another key than the one configured).
//!
//! A test cannot change its own environment safely (`std::env::set_var` is
//! `unsafe`, and this workspace forbids unsafe code), so each test runs this
//! binary again as a child process with the environment it needs; the child
//! runs [`child`], which does nothing in a normal run.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::process::Command;

use common::Recorder;
use organizr_auth_core::Config;

const SCENARIO: &str = "OA_TEST_CHILD_SCENARIO";
const KEY: &str = "env-test-organizr-hash-long-enough-0123";

/// Runs `scenario` in a child with exactly `vars` in its environment and
/// returns what it printed.
fn run_child(scenario: &str, vars: &[(&str, OsString)]) -> String {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", "child", "--nocapture", "--test-threads=1"])
        .env_clear()
        .env(SCENARIO, scenario);
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "child {scenario} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The child's side: reads the environment it was given and prints one
/// line per outcome.
#[test]
fn child() {
    // Not a variable of the library: the test's own switch.
    let Some(scenario) = std::env::var_os(SCENARIO) else {
        return;
    };
    let recorder = Recorder::default();
    let result = recorder.record(Config::from_env);
    println!("scenario {scenario:?}");
    match result {
        Ok(_) => println!("OUTCOME ok"),
        Err(err) => println!("OUTCOME error: {err}"),
    }
    for warning in recorder.warnings() {
        println!("WARNING {warning}");
    }
}

fn lines<'a>(stdout: &'a str, prefix: &str) -> Vec<&'a str> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .collect()
}

#[test]
fn unknown_variables_warn_with_the_closest_name_and_never_their_value() {
    let stdout = run_child(
        "unknown",
        &[
            ("ORGANIZR_HASH", KEY.into()),
            ("ORGANIZR_UUID", "u-1".into()),
            ("ORGANIZR_TRUSTED_PROXY", "10.0.0.9-marker".into()),
            ("ORGANIZR_HSAH", "secret-marker".into()),
            ("ORGANIZR_SOMETHING_ELSE_ENTIRELY", "x".into()),
            // Read by the programs, not by Config: known, so no warning.
            ("ORGANIZR_LISTEN", "127.0.0.1:1".into()),
            ("NOT_ORGANIZR_TRUSTED_PROXY", "x".into()),
        ],
    );
    assert_eq!(lines(&stdout, "OUTCOME "), ["ok"], "{stdout}");
    let mut warnings = lines(&stdout, "WARNING ");
    warnings.sort_unstable();
    assert_eq!(warnings.len(), 3, "{stdout}");
    let has = |fragment: &str| warnings.iter().any(|w| w.contains(fragment));
    assert!(
        has(
            "ORGANIZR_TRUSTED_PROXY is not a known setting and is ignored: did you mean ORGANIZR_TRUSTED_PROXIES?"
        ),
        "{stdout}"
    );
    assert!(
        has("ORGANIZR_HSAH is not a known setting and is ignored: did you mean ORGANIZR_HASH?"),
        "{stdout}"
    );
    assert!(
        has("ORGANIZR_SOMETHING_ELSE_ENTIRELY is not a known setting and is ignored"),
        "{stdout}"
    );
    assert!(!stdout.contains("marker"), "a value was logged: {stdout}");

    // Nothing unknown: nothing said.
    let stdout = run_child(
        "known",
        &[
            ("ORGANIZR_HASH", KEY.into()),
            ("ORGANIZR_UUID", "u-1".into()),
        ],
    );
    assert_eq!(lines(&stdout, "OUTCOME "), ["ok"], "{stdout}");
    assert_eq!(lines(&stdout, "WARNING "), Vec::<&str>::new(), "{stdout}");
}

#[test]
fn values_that_are_not_utf8_are_refused_naming_the_variable() {
    for (name, value) in [
        (
            "ORGANIZR_HASH",
            b"key-\xff-material-long-enough-0123456".to_vec(),
        ),
        ("ORGANIZR_UUID", b"0b7e\xc3".to_vec()),
        ("ORGANIZR_TRUSTED_PROXIES", b"10.0.0.1\xa0".to_vec()),
    ] {
        let mut vars = vec![(name, OsString::from_vec(value))];
        if name != "ORGANIZR_HASH" {
            vars.push(("ORGANIZR_HASH", KEY.into()));
        }
        let stdout = run_child("not_utf8", &vars);
        assert_eq!(
            lines(&stdout, "OUTCOME "),
            [format!("error: {name} is not valid UTF-8").as_str()],
            "{stdout}"
        );
        assert!(!stdout.contains("material"), "{stdout}");
    }
}
