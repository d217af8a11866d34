//! The app under test: its real binary, started with nothing but the
//! configuration a test gives it.

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, SocketAddr};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Instant;

use crate::process::Running;
use crate::{DEADLINE, PROXY_ADDRESS, Req};

/// Every variable that would give the app a key or an Organizr to ask.
const KEY_VARIABLES: [&str; 6] = [
    "ORGANIZR_HASH",
    "ORGANIZR_HASH_FILE",
    "ORGANIZR_CONFIG_PHP",
    "ORGANIZR_API_KEY",
    "ORGANIZR_DB",
    "ORGANIZR_UUID",
];

/// The app, running, stopped when dropped.
#[derive(Debug)]
pub struct App {
    name: &'static str,
    env: &'static [(&'static str, &'static str)],
    process: Running,
    addr: SocketAddr,
    /// Everything it has logged so far.
    log: Arc<Mutex<Vec<String>>>,
}

impl App {
    /// Starts `program`, which calls itself `name` in its log (`axum-app`,
    /// `actix-app`), on a free port of 127.0.0.1 with nothing but `env`,
    /// `ORGANIZR_LISTEN` and `RUST_LOG`; returns once it listens.
    pub fn start(
        program: &str,
        name: &'static str,
        env: &'static [(&'static str, &'static str)],
    ) -> App {
        let mut child = Command::new(program)
            .env_clear()
            .envs(env.iter().copied())
            .env("ORGANIZR_LISTEN", "127.0.0.1:0")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read the log for as long as the program runs, so that it never
        // blocks on a full pipe; hand the lines over until it listens.
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (lines, startup) = mpsc::channel();
        let kept = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                kept.lock().unwrap().push(line.clone());
                let _ = lines.send(line);
            }
        });
        let process = Running::new(child);
        let deadline = Instant::now() + DEADLINE;
        loop {
            let Ok(line) = startup.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            else {
                panic!(
                    "{name} did not start; its log:\n{}",
                    log.lock().unwrap().join("\n")
                );
            };
            // `... actix-app listening listen=127.0.0.1:40001`
            if let Some(bound) = line
                .contains(&format!("{name} listening"))
                .then(|| line.split("listen=").nth(1))
                .flatten()
            {
                let addr = bound.trim().parse().unwrap();
                return App {
                    name,
                    env,
                    process,
                    addr,
                    log,
                };
            }
        }
    }

    /// What it calls itself in its log.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Where it listens: the proxy's upstream.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `GET path` to it, from the proxy's address: [`Req::from`] changes
    /// that.
    pub fn get(&self, path: &str) -> Req {
        Req::new(IpAddr::V4(PROXY_ADDRESS), self.addr, path)
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// What is wrong with the running program's environment: of the
    /// `ORGANIZR_*` variables it must hold exactly those it was started with
    /// and `ORGANIZR_LISTEN`, and none that gives it a key or an Organizr.
    /// Read from /proc, not from what the test meant to pass.
    pub fn environment_problems(&self) -> Vec<String> {
        let pid = self.process.id();
        let raw = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
        let names: Vec<String> = raw
            .split(|b| *b == 0)
            .filter_map(|entry| entry.split(|b| *b == b'=').next())
            .map(|name| String::from_utf8_lossy(name).into_owned())
            .filter(|name| name.starts_with("ORGANIZR_"))
            .collect();
        let mut problems: Vec<String> = KEY_VARIABLES
            .iter()
            .filter(|key| names.iter().any(|n| n == *key))
            .map(|key| format!("{key} is set"))
            .collect();
        let mut want: Vec<&str> = self.env.iter().map(|(name, _)| *name).collect();
        want.push("ORGANIZR_LISTEN");
        want.sort_unstable();
        let mut got: Vec<&str> = names.iter().map(String::as_str).collect();
        got.sort_unstable();
        if got != want {
            problems.push(format!("ORGANIZR_* variables {got:?}, want {want:?}"));
        }
        problems
    }

    /// What is wrong with the start-up log: the settings line must say there
    /// is no key, tokens are not accepted, and 127.0.0.1 is the trusted proxy.
    pub fn settings_problems(&self) -> Vec<String> {
        let log = self.log();
        let settings = format!("{} settings", self.name);
        let Some(line) = log.lines().find(|l| l.contains(&settings)) else {
            return vec!["no settings line in the log".to_owned()];
        };
        [
            "key=\"none\"",
            "tokens=false",
            "trusted_proxies=\"127.0.0.1/32\"",
        ]
        .into_iter()
        .filter(|want| !line.contains(want))
        .map(|want| format!("the settings line lacks {want}: {line}"))
        .collect()
    }
}
