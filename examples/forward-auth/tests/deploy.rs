//! The service files of `deploy/` agree with the program and with each other:
//! the systemd unit and its environment file (which `.ci/run` also gives to
//! `systemd-analyze verify`), and the Dockerfile, which no test can build here
//! (no container engine; `.ci/run` lints it with hadolint as well).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::path::{Path, PathBuf};

use forward_auth::listen::{Listen, SocketAccess};
use forward_auth::startup::LogFormat;
use organizr_auth_core::config::{ReadBy, VARIABLES};

fn package() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn repository() -> PathBuf {
    package().join("../..").canonicalize().unwrap()
}

fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// --- systemd ------------------------------------------------------------------

/// `Key=Value` settings of a unit file, in order, with their section.
fn unit_settings(text: &str) -> Vec<(String, String, String)> {
    let mut section = String::new();
    let mut settings = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_owned();
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("not Key=Value: {line}"));
        settings.push((section.clone(), key.to_owned(), value.to_owned()));
    }
    settings
}

/// The `NAME=value` lines of an environment file.
fn env_file(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, value) = l
                .split_once('=')
                .unwrap_or_else(|| panic!("not NAME=value: {l}"));
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

struct Systemd {
    unit: Vec<(String, String, String)>,
    env: Vec<(String, String)>,
}

impl Systemd {
    fn load() -> Systemd {
        let dir = package().join("deploy/systemd");
        Systemd {
            unit: unit_settings(&read(dir.join("forward-auth.service"))),
            env: env_file(&read(dir.join("forward-auth.env"))),
        }
    }

    /// Every value of `key` in `[Service]`.
    fn service(&self, key: &str) -> Vec<&str> {
        self.unit
            .iter()
            .filter(|(s, k, _)| s == "Service" && k == key)
            .map(|(_, _, v)| v.as_str())
            .collect()
    }

    fn one(&self, key: &str) -> &str {
        match self.service(key)[..] {
            [value] => value,
            ref other => panic!("{key}= is set {} times", other.len()),
        }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[test]
fn the_environment_file_holds_only_variables_forward_auth_reads_with_valid_values() {
    let systemd = Systemd::load();
    for (name, _) in &systemd.env {
        let known = name == "RUST_LOG"
            || VARIABLES.iter().any(|v| {
                v.env == name
                    && matches!(
                        v.read_by,
                        ReadBy::Config | ReadBy::Programs | ReadBy::ForwardAuth
                    )
            });
        assert!(known, "{name} is not read by forward-auth");
    }
    // forward-auth's own parsers accept the values.
    let listen = Listen::parse(systemd.var("ORGANIZR_LISTEN").unwrap()).unwrap();
    let mode = systemd.var("ORGANIZR_LISTEN_MODE").map(str::to_owned);
    let access = SocketAccess::from_vars(|n| {
        (n == "ORGANIZR_LISTEN_MODE")
            .then(|| mode.clone())
            .flatten()
    })
    .unwrap();
    assert_eq!(access.mode, 0o660);
    LogFormat::parse(systemd.var("ORGANIZR_LOG_FORMAT")).unwrap();
    // The socket is in the unit's RuntimeDirectory.
    let runtime = systemd.one("RuntimeDirectory");
    let Listen::Unix(path) = listen else {
        panic!("the service listens on a UNIX socket")
    };
    assert_eq!(
        path.parent(),
        Some(Path::new("/run").join(runtime).as_path())
    );
}

#[test]
fn the_unit_runs_the_installed_program_as_its_own_user_in_a_sandbox() {
    let systemd = Systemd::load();
    // Where README.md's `cargo install --root /usr/local` puts it.
    assert_eq!(systemd.one("ExecStart"), "/usr/local/bin/forward-auth");
    let readme = read(package().join("README.md"));
    assert!(
        readme.contains("cargo install --locked --root /usr/local --path examples/forward-auth"),
        "README.md installs elsewhere than ExecStart="
    );
    assert!(readme.contains("/etc/organizr-auth/forward-auth.env"));
    assert_eq!(
        systemd.one("EnvironmentFile"),
        "/etc/organizr-auth/forward-auth.env"
    );
    let user = systemd.one("User");
    assert!(!user.is_empty() && user != "root" && user != "nobody");
    assert_eq!(systemd.one("Restart"), "on-failure");
    // The socket's group is one the service is a member of: else chown fails.
    let group = systemd.var("ORGANIZR_LISTEN_GROUP").unwrap();
    assert!(
        systemd
            .service("SupplementaryGroups")
            .iter()
            .any(|g| g.split_whitespace().any(|g| g == group)),
        "SupplementaryGroups= lacks {group}"
    );
    assert_eq!(systemd.one("UMask"), "0077");
    for (key, value) in [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("CapabilityBoundingSet", ""),
    ] {
        assert_eq!(systemd.one(key), value, "{key}=");
    }
    let families = systemd.one("RestrictAddressFamilies");
    for family in ["AF_UNIX", "AF_INET", "AF_INET6"] {
        assert!(families.split_whitespace().any(|f| f == family), "{family}");
    }
    // The config.php forward-auth reads is one of the paths the unit names.
    let config_php = systemd.var("ORGANIZR_CONFIG_PHP").unwrap();
    assert!(
        systemd
            .service("ReadOnlyPaths")
            .iter()
            .any(|p| p.trim_start_matches('-') == config_php),
        "ReadOnlyPaths= lacks {config_php}"
    );
}

// --- the Dockerfile -------------------------------------------------------------

/// A Dockerfile's instructions: continuation lines joined, comments dropped.
fn instructions(text: &str) -> Vec<(String, String)> {
    let mut joined = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if current.is_empty() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(part) => {
                current.push_str(part);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                joined.push(std::mem::take(&mut current));
            }
        }
    }
    joined
        .into_iter()
        .map(|i| {
            let (op, args) = i.split_once(' ').unwrap_or((&i, ""));
            (op.to_ascii_uppercase(), args.trim().to_owned())
        })
        .collect()
}

fn workspace_rust_version() -> String {
    let manifest = read(repository().join("Cargo.toml"));
    manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .map(|v| v.trim_matches('"').to_owned())
        .unwrap()
}

#[test]
fn the_dockerfile_builds_with_the_workspace_and_runs_as_a_user_with_a_healthcheck() {
    let text = read(package().join("deploy/Dockerfile"));
    let all = instructions(&text);
    let stages: Vec<usize> = all
        .iter()
        .enumerate()
        .filter(|(_, (op, _))| op == "FROM")
        .map(|(i, _)| i)
        .collect();
    assert!(stages.len() >= 2, "not a multi-stage build");

    // The build stage: Rust at the workspace's rust-version, the lock file
    // obeyed, the whole workspace as context.
    let (_, from) = &all[stages[0]];
    let (image, stage) = from.split_once(" AS ").unwrap();
    let rust = format!("rust:{}-", workspace_rust_version());
    assert!(image.starts_with(&rust), "{image} is not {rust}*");
    let build = &all[stages[0]..stages[stages.len() - 1]];
    assert!(
        build.iter().any(|(op, args)| op == "RUN"
            && args.contains("cargo build --release --locked -p forward-auth")),
        "no locked release build of forward-auth"
    );

    // What is copied from the context exists in the repository.
    for (op, args) in &all {
        if op != "COPY" || args.starts_with("--from=") {
            continue;
        }
        let words: Vec<&str> = args
            .split_whitespace()
            .filter(|w| !w.starts_with("--"))
            .collect();
        for source in &words[..words.len() - 1] {
            assert!(
                repository().join(source).exists(),
                "COPY {source}: not in the repository"
            );
        }
    }

    // The image that runs: the binary from the build stage, not root, a
    // healthcheck that needs no curl, forward-auth as the entry point.
    let last = &all[stages[stages.len() - 1]..];
    let find = |want: &str| -> Vec<&str> {
        last.iter()
            .filter(|(op, _)| op == want)
            .map(|(_, a)| a.as_str())
            .collect()
    };
    assert!(
        find("COPY")
            .iter()
            .any(|a| a.starts_with(&format!("--from={stage} ")) && a.contains("forward-auth")),
        "the final stage does not copy forward-auth from {stage}"
    );
    let user = *find("USER")
        .last()
        .expect("no USER: the image runs as root");
    let uid = user.split(':').next().unwrap();
    assert!(
        !matches!(uid, "0" | "root" | "65534" | "nobody"),
        "USER {user}"
    );
    let healthcheck = find("HEALTHCHECK");
    assert_eq!(healthcheck.len(), 1);
    assert!(
        healthcheck[0].contains(r#"CMD ["forward-auth", "--healthcheck"]"#),
        "{}",
        healthcheck[0]
    );
    assert_eq!(find("ENTRYPOINT"), [r#"["forward-auth"]"#]);
    // The port it listens on is the one it exposes.
    let listen = find("ENV")
        .iter()
        .find_map(|e| e.strip_prefix("ORGANIZR_LISTEN="))
        .unwrap()
        .to_owned();
    let Listen::Tcp(addr) = Listen::parse(&listen).unwrap() else {
        panic!("the image listens on TCP");
    };
    assert_eq!(find("EXPOSE"), [addr.port().to_string()]);
}

/// BuildKit reads `Dockerfile.dockerignore` beside the Dockerfile: it keeps
/// `target/` out of the context, and nothing the workspace needs.
#[test]
fn the_dockerignore_keeps_the_build_output_out_and_the_workspace_in() {
    let ignore = read(package().join("deploy/Dockerfile.dockerignore"));
    let patterns: Vec<&str> = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(
        patterns.contains(&"target"),
        "target/ is sent to the builder"
    );
    let manifest = read(repository().join("Cargo.toml"));
    let members: Vec<&str> = manifest
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix('"')?.split('"').next())
        .collect();
    assert!(members.contains(&"organizr-auth-core"), "{members:?}");
    for needed in ["Cargo.toml", "Cargo.lock"].into_iter().chain(members) {
        for pattern in &patterns {
            let hidden = needed == *pattern
                || needed.starts_with(&format!("{pattern}/"))
                || matches!(*pattern, "*" | "." | "**");
            assert!(!hidden, "{pattern} hides {needed}");
        }
    }
}
