//! The Traefik recipe, `deploy/traefik/docker-compose.yml`, which no test can
//! run here (no container engine): it must be valid YAML (read with Python's
//! PyYAML, as `docker compose` would reject a broken file), forward-auth must
//! own its middlewares and have a working healthcheck, and the trust settings
//! must name Traefik's fixed address only. The healthcheck's own command is
//! run against forward-auth.
//!
//! Needs `python3` with `yaml`; without it the test prints how
//! to get them and passes, except under CI (`CI` set), where it fails.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const COMPOSE: &str = "deploy/traefik/docker-compose.yml";

/// Skips with `note`, or fails under CI.
fn skip(note: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("the Traefik recipe cannot be checked under CI: {note}");
    }
    println!("note: skipping the docker-compose.yml checks: {note}");
}

/// The compose file as JSON, read by PyYAML; `Err` with a note when Python
/// or PyYAML is missing.
fn compose() -> Result<Value, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(COMPOSE);
    let output = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml\n\
             with open(sys.argv[1]) as f:\n    doc = yaml.safe_load(f)\n\
             json.dump(doc, sys.stdout)",
        ])
        .arg(&path)
        .output()
        .map_err(|e| format!("cannot run python3 ({e}): apt-get install python3-yaml"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("No module named 'yaml'") {
        return Err(
            "python3 has no yaml module: pip install pyyaml (or apt-get install python3-yaml)"
                .into(),
        );
    }
    assert!(
        output.status.success(),
        "{COMPOSE} is not valid YAML:\n{stderr}"
    );
    Ok(serde_json::from_slice(&output.stdout).unwrap())
}

/// `key=value` labels, or `environment` entries, of a service as pairs.
fn pairs(value: &Value) -> Vec<(String, String)> {
    match value {
        Value::Array(items) => items
            .iter()
            .map(|i| {
                let s = i.as_str().unwrap();
                let (k, v) = s.split_once('=').unwrap_or((s, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect(),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), v)
            })
            .collect(),
        Value::Null => Vec::new(),
        other => panic!("not a list or map: {other}"),
    }
}

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

#[test]
fn the_traefik_recipe() {
    let doc = match compose() {
        Ok(doc) => doc,
        Err(note) => return skip(&note),
    };
    let services = &doc["services"];
    let traefik_ip = doc["services"]["traefik"]["networks"]["organizr-auth"]["ipv4_address"]
        .as_str()
        .unwrap();

    // forward-auth: trusts nobody for identities, Traefik for addresses.
    let fa = &services["organizr-auth"];
    let env = pairs(&fa["environment"]);
    assert_eq!(get(&env, "ORGANIZR_TRUSTED_PROXIES"), None);
    assert_eq!(get(&env, "ORGANIZR_REAL_IP_FROM"), Some(traefik_ip));
    assert!(get(&env, "ORGANIZR_REDIRECT_HOSTS").is_some());
    assert!(get(&env, "ORGANIZR_LOGIN_URL").is_some());
    // Its settings start: every ORGANIZR_* variable is known and valid.
    let settings =
        forward_auth::settings::Settings::from_vars(|name| get(&env, name).map(str::to_owned));
    assert!(settings.is_ok(), "{settings:?}");
    for (name, _) in &env {
        if name.starts_with("ORGANIZR_") {
            assert!(
                organizr_auth_core::config::VARIABLES
                    .iter()
                    .any(|v| v.env == name),
                "unknown variable {name}"
            );
        }
    }

    // forward-auth owns its middlewares; its own router leads nowhere.
    let fa_labels = pairs(&fa["labels"]);
    assert_eq!(get(&fa_labels, "traefik.enable"), Some("true"));
    assert_eq!(
        get(&fa_labels, "traefik.http.routers.organizr-auth.service"),
        Some("noop@internal")
    );
    let middlewares: Vec<&str> = fa_labels
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("traefik.http.middlewares."))
        .filter_map(|rest| rest.split('.').next())
        .collect();
    for (name, value) in &fa_labels {
        if let Some(rest) = name.strip_prefix("traefik.http.middlewares.")
            && rest.ends_with(".forwardauth.address")
        {
            assert!(
                value.starts_with("http://organizr-auth:9090/api/v2/auth/"),
                "{name}={value}"
            );
            let middleware = rest.split('.').next().unwrap();
            let trust =
                format!("traefik.http.middlewares.{middleware}.forwardauth.trustForwardHeader");
            assert_eq!(get(&fa_labels, &trust), Some("false"), "{middleware}");
            let copied =
                format!("traefik.http.middlewares.{middleware}.forwardauth.authResponseHeaders");
            assert!(
                get(&fa_labels, &copied).is_some_and(|h| h.contains("Remote-User")),
                "{middleware}"
            );
        }
    }

    // Apps define none, and name forward-auth's.
    let app = &services["app"];
    let app_labels = pairs(&app["labels"]);
    assert!(
        !app_labels
            .iter()
            .any(|(k, _)| k.starts_with("traefik.http.middlewares.")),
        "the app defines a middleware: forward-auth's labels should"
    );
    let used: Vec<&str> = app_labels
        .iter()
        .filter(|(k, _)| k.ends_with(".middlewares"))
        .flat_map(|(_, v)| v.split(','))
        .collect();
    assert!(!used.is_empty());
    for middleware in used {
        let name = middleware.trim().trim_end_matches("@docker");
        assert!(
            middlewares.contains(&name),
            "{middleware} is not defined on forward-auth"
        );
    }
    let app_env = pairs(&app["environment"]);
    assert_eq!(get(&app_env, "ORGANIZR_TRUSTED_PROXIES"), Some(traefik_ip));
    assert_eq!(
        app["depends_on"]["organizr-auth"]["condition"],
        "service_healthy"
    );

    // The healthcheck is the program's own, run against forward-auth on the
    // address the service listens on (its port swapped for a free one).
    let test: Vec<&str> = fa["healthcheck"]["test"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(test, ["CMD", "forward-auth", "--healthcheck"]);
    let listen = get(&env, "ORGANIZR_LISTEN").unwrap();
    assert_eq!(listen, "0.0.0.0:9090", "the healthcheck asks this address");
    healthcheck_works();
}

/// Stops the child on drop.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn healthcheck_works() {
    // The compose file's command, with the binary the tests built and the
    // service's ORGANIZR_LISTEN on a free port.
    let run = |port: u16| {
        Command::new(env!("CARGO_BIN_EXE_forward-auth"))
            .arg("--healthcheck")
            .env_clear()
            .env("ORGANIZR_LISTEN", format!("0.0.0.0:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
    };
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_forward-auth"))
        .env_clear()
        .env(
            "ORGANIZR_HASH",
            "deploy-test-organizr-hash-0123456789abcdef",
        )
        .env("ORGANIZR_UUID", "u-1")
        .env("ORGANIZR_LISTEN", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take();
    let server = Server(child);
    // Until it answers (the healthcheck's own retries), at most 60 s.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut healthy = false;
    while Instant::now() < deadline {
        if run(port).success() {
            healthy = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(server);
    if !healthy {
        let mut log = String::new();
        if let Some(mut stderr) = stderr {
            let _ = stderr.read_to_string(&mut log);
        }
        panic!("the healthcheck never passed against forward-auth: {log}");
    }
    // Nothing listening: unhealthy.
    assert!(!run(free_port()).success());
}
