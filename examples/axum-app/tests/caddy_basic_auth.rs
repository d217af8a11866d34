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
//! `actix-app/tests/nginx_basic_auth.rs` is the same for actix-app behind
//! nginx. Keep the two files in step.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant, SystemTime};

use organizr_auth_core::mint::TokenBuilder;
use organizr_auth_core::{GroupLevel, Secret};

const PROGRAM: &str = env!("CARGO_BIN_EXE_axum-app");
const NAME: &str = "axum-app";
const RECIPE: &str = "deploy/Caddyfile";

/// Caddy's address, the only one the app trusts.
const PROXY_ADDRESS: Ipv4Addr = Ipv4Addr::LOCALHOST;
/// Where a client that goes around Caddy connects from.
const AROUND: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// The app's configuration: the trusted proxy and the group settings. With
/// `ORGANIZR_LISTEN` (and `RUST_LOG`) this is its whole environment.
const APP_ENV: [(&str, &str); 3] = [
    ("ORGANIZR_TRUSTED_PROXIES", "127.0.0.1"),
    ("ORGANIZR_PROXY_GROUPS_HEADER", "Remote-Groups"),
    ("ORGANIZR_PROXY_GROUP_MAP", "admins=0,family=4"),
];

/// Every variable that would give the app a key or an Organizr to ask.
const KEY_VARIABLES: [&str; 6] = [
    "ORGANIZR_HASH",
    "ORGANIZR_HASH_FILE",
    "ORGANIZR_CONFIG_PHP",
    "ORGANIZR_API_KEY",
    "ORGANIZR_DB",
    "ORGANIZR_UUID",
];

/// The recipe's users, with its groups: alice `admins, family`, bob `family`,
/// carol `media, family`, dave `media`, erin none.
const USERS: [&str; 5] = ["alice", "bob", "carol", "dave", "erin"];

const PUBLIC_BODY: &str = "public: anyone may read this\n";
/// The app's own 401 challenge (Caddy's says `Basic`).
const APP_CHALLENGE: &str = "Bearer realm=\"Organizr\"";

/// How long a program may take to start; never a measure of speed.
const DEADLINE: Duration = Duration::from_secs(60);

#[test]
fn behind_caddy_basic_auth_without_organizr() {
    let Some(caddy) = tool("caddy") else {
        return skip("caddy is missing: apt-get install -y caddy");
    };
    let work = WorkDir::new("caddy");
    let app = App::start();
    let passwords = passwords();
    let caddy = Caddy::start(&caddy, &work, app.addr, &passwords);
    let mut r = Report::default();

    // --- the app runs with no key ---------------------------------------------
    r.verify(
        "start-up: the app's ORGANIZR_* variables are the trusted proxy, the group settings and ORGANIZR_LISTEN, no key",
        app.environment_problems(),
    );
    r.verify(
        "start-up: the app says it has no key and accepts no tokens",
        app.settings_problems(),
    );

    // --- through Caddy: its 401, then the users' levels --------------------------
    let through = |path: &str| caddy.get(path);
    let login = |path: &str, user: &str| through(path).basic(user, &passwords[user]);
    r.check(
        "caddy: no password on /me is Caddy's 401",
        caddy.send(&through("/me")),
        &[
            Want::Status(401),
            Want::HeaderPrefix("www-authenticate", "Basic realm="),
        ],
    );
    r.check(
        "caddy: no password on /admin is Caddy's 401",
        caddy.send(&through("/admin")),
        &[
            Want::Status(401),
            Want::HeaderPrefix("www-authenticate", "Basic realm="),
        ],
    );
    r.check(
        "caddy: a wrong password is Caddy's 401",
        caddy.send(&through("/me").basic("alice", "not-her-password")),
        &[
            Want::Status(401),
            Want::HeaderPrefix("www-authenticate", "Basic realm="),
        ],
    );
    r.check(
        "caddy: a user not in the recipe is Caddy's 401",
        caddy.send(&through("/me").basic("mallory", &passwords["alice"])),
        &[
            Want::Status(401),
            Want::HeaderPrefix("www-authenticate", "Basic realm="),
        ],
    );
    r.check(
        "caddy: /public opens without a password",
        caddy.send(&through("/public")),
        &[Want::Status(200), Want::Body(PUBLIC_BODY.to_owned())],
    );
    r.check(
        "caddy: alice (admins, family) is Admin on /me",
        caddy.send(&login("/me", "alice")),
        &[Want::Status(200), Want::Body(identity("alice", 0))],
    );
    r.check(
        "caddy: alice (admins, family) opens /admin",
        caddy.send(&login("/admin", "alice")),
        &[Want::Status(200), Want::Body(identity("alice", 0))],
    );
    r.check(
        "caddy: bob (family) is User on /me",
        caddy.send(&login("/me", "bob")),
        &[Want::Status(200), Want::Body(identity("bob", 4))],
    );
    r.check(
        "caddy: bob (family) is refused /admin with the app's 403",
        caddy.send(&login("/admin", "bob")),
        &[Want::Status(403), Want::NoHeader("www-authenticate")],
    );

    // --- group names to levels ------------------------------------------------------
    r.check(
        "caddy: bob (family) opens /level/4",
        caddy.send(&login("/level/4", "bob")),
        &[Want::Status(200), Want::Body(identity("bob", 4))],
    );
    r.check(
        "caddy: bob (family) is refused /level/3",
        caddy.send(&login("/level/3", "bob")),
        &[Want::Status(403)],
    );
    r.check(
        "caddy: carol (media, family): the unmapped name is ignored, she is User",
        caddy.send(&login("/me", "carol")),
        &[Want::Status(200), Want::Body(identity("carol", 4))],
    );
    r.check(
        "caddy: carol (media, family) is refused /admin",
        caddy.send(&login("/admin", "carol")),
        &[Want::Status(403)],
    );
    r.check(
        "caddy: dave (media, no mapped group) is the default level, 998, on /me",
        caddy.send(&login("/me", "dave")),
        &[Want::Status(200), Want::Body(identity("dave", 998))],
    );
    r.check(
        "caddy: dave (no mapped group, 998) is refused /level/4",
        caddy.send(&login("/level/4", "dave")),
        &[Want::Status(403)],
    );
    r.check(
        "caddy: dave (no mapped group, 998) is refused /admin",
        caddy.send(&login("/admin", "dave")),
        &[Want::Status(403)],
    );
    r.check(
        "caddy: erin (no groups at all) is the default level, 998, on /me",
        caddy.send(&login("/me", "erin")),
        &[Want::Status(200), Want::Body(identity("erin", 998))],
    );

    // --- a client's own identity headers through Caddy ------------------------------
    r.check(
        "caddy: bob sending Remote-User: admin and Remote-Groups: admins is still bob, User",
        caddy.send(&forged(login("/me", "bob"))),
        &[Want::Status(200), Want::Body(identity("bob", 4))],
    );
    r.check(
        "caddy: bob sending Remote-User: admin and Remote-Groups: admins is refused /admin",
        caddy.send(&forged(login("/admin", "bob"))),
        &[Want::Status(403)],
    );
    r.check(
        "caddy: bob sending REMOTE-USER: admin and REMOTE-GROUPS: admins is still bob, User",
        caddy.send(&forged_in_capitals(login("/me", "bob"))),
        &[Want::Status(200), Want::Body(identity("bob", 4))],
    );
    r.check(
        "caddy: bob sending Remote_User: admin and Remote_Groups: admins is still bob, User",
        caddy.send(&forged_with_underscores(login("/me", "bob"))),
        &[Want::Status(200), Want::Body(identity("bob", 4))],
    );
    r.check(
        "caddy: bob sending Remote_User: admin and Remote_Groups: admins is refused /admin",
        caddy.send(&forged_with_underscores(login("/admin", "bob"))),
        &[Want::Status(403)],
    );
    r.check(
        "caddy: dave (no mapped group) sending Remote-Groups: admins is still refused /admin",
        caddy.send(&login("/admin", "dave").header("Remote-Groups", "admins")),
        &[Want::Status(403)],
    );
    r.check(
        "caddy: on an open page, a forged Remote-User and alice's name with a wrong password name nobody",
        caddy.send(&forged(through("/echo-headers")).basic("alice", "not-her-password")),
        &[
            Want::Status(200),
            Want::NotEchoed("remote-user"),
            Want::NotEchoed("remote-groups"),
            Want::NotEchoed("authorization"),
        ],
    );
    r.check(
        "caddy: on an open page, Remote_User and Remote_Groups never reach a handler",
        caddy.send(&forged_with_underscores(through("/echo-headers"))),
        &[
            Want::Status(200),
            Want::NotEchoed("remote_user"),
            Want::NotEchoed("remote_groups"),
        ],
    );
    r.check(
        "caddy: a browser's remembered password never reaches the app, and open pages name nobody",
        caddy.send(&login("/echo-headers", "alice")),
        &[
            Want::Status(200),
            Want::NotEchoed("authorization"),
            Want::NotEchoed("remote-user"),
            Want::NotEchoed("remote-groups"),
        ],
    );

    // --- around Caddy, from 127.0.0.2 -------------------------------------------------
    let around = |path: &str| app.get(path).from(AROUND);
    r.check(
        "around caddy: a forged Remote-User: admin on /me is the app's 401",
        app.send(&forged(around("/me"))),
        &[
            Want::Status(401),
            Want::Header("www-authenticate", APP_CHALLENGE),
        ],
    );
    r.check(
        "around caddy: a forged Remote-User: admin on /admin is the app's 401",
        app.send(&forged(around("/admin"))),
        &[
            Want::Status(401),
            Want::Header("www-authenticate", APP_CHALLENGE),
        ],
    );
    r.check(
        "around caddy: a forged Remote-User: admin is no identity (/level/999 is null)",
        app.send(&forged(around("/level/999"))),
        &[Want::Status(200), Want::Body("null".to_owned())],
    );
    r.check(
        "around caddy: forged identity headers never reach a handler",
        app.send(&forged_with_underscores(forged(around("/echo-headers")))),
        &[
            Want::Status(200),
            Want::NotEchoed("remote-user"),
            Want::NotEchoed("remote-groups"),
            Want::NotEchoed("remote_user"),
            Want::NotEchoed("remote_groups"),
        ],
    );
    r.check(
        "around caddy: alice's real password is no login at the app (only Caddy checks passwords)",
        app.send(&around("/me").basic("alice", &passwords["alice"])),
        &[
            Want::Status(401),
            Want::Header("www-authenticate", APP_CHALLENGE),
        ],
    );
    r.check(
        "around caddy: an Organizr token is ignored (no key)",
        app.send(&around("/me").header("authorization", format!("Bearer {}", token()))),
        &[
            Want::Status(401),
            Want::Header("www-authenticate", APP_CHALLENGE),
        ],
    );
    // Control: the refusals above are the peer check at work, not a header the
    // app ignores. Whoever connects from the trusted address is believed, which
    // is why the recipe lets only Caddy connect from it.
    r.check(
        "control: the same forged request from Caddy's address (127.0.0.1) is believed",
        app.send(&forged(app.get("/admin"))),
        &[Want::Status(200), Want::Body(identity("admin", 0))],
    );

    r.finish(&[("axum-app", app.log()), ("caddy", caddy.log())]);
}

/// The body of `/me`, `/admin` and `/level/{n}` for a proxy user.
fn identity(user: &str, level: u16) -> String {
    let group = GroupLevel::new(level)
        .unwrap()
        .builtin_name()
        .map_or_else(|| "null".to_owned(), |name| format!("\"{name}\""));
    format!(
        r#"{{"username":"{user}","group_id":{level},"group":{group},"email":null,"user_id":null,"source":"proxy"}}"#
    )
}

/// A client claiming to be `admin` in the group `admins`, once each, in the
/// recipe's header names: the control below shows that the app believes
/// exactly this request from a trusted peer.
fn forged(req: Req) -> Req {
    req.header("Remote-User", "admin")
        .header("Remote-Groups", "admins")
}

/// The same claim in capitals: the same headers to HTTP, which a proxy must
/// replace all the same.
fn forged_in_capitals(req: Req) -> Req {
    req.header("REMOTE-USER", "admin")
        .header("REMOTE-GROUPS", "admins")
}

/// The same claim with underscores, which some servers fold into the dashed
/// names.
fn forged_with_underscores(req: Req) -> Req {
    req.header("Remote_User", "admin")
        .header("Remote_Groups", "admins")
}

/// A valid Organizr token, signed with a key the app does not have (it has
/// none).
fn token() -> String {
    TokenBuilder::new("admin", GroupLevel::ADMIN)
        .issued_at(SystemTime::now() - Duration::from_secs(5))
        .sign(&Secret::new("a-key-of-an-organizr-this-app-does-not-know").unwrap())
}

/// A made-up password per user, different on every run. Never printed.
fn passwords() -> BTreeMap<&'static str, String> {
    let seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    USERS
        .iter()
        .enumerate()
        .map(|(i, user)| (*user, format!("{user}-{:x}", seed ^ (i as u128) << 64)))
        .collect()
}

// --- tools, the work directory, skipping -------------------------------------------

/// `name` on `PATH` or in /usr/sbin.
fn tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Skips the test with `note`, or fails it under CI.
fn skip(note: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("the Caddy end-to-end test cannot run under CI: {note}");
    }
    println!("note: skipping the Caddy end-to-end test: {note}");
}

/// A fresh directory under the system's temporary directory, removed at the end.
struct WorkDir(PathBuf);

impl WorkDir {
    fn new(tag: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let dir =
            std::env::temp_dir().join(format!("{NAME}-{tag}-e2e-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process, stopped when dropped: SIGTERM first, so that a proxy
/// stops its own workers (nginx's outlive a SIGKILLed master), SIGKILL if it
/// is still there after a while.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let pid = self.0.id().to_string();
        let termed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .is_ok_and(|s| s.success());
        let deadline = Instant::now() + DEADLINE;
        while termed && Instant::now() < deadline {
            if !matches!(self.0.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free TCP port on 127.0.0.1 (free when asked: the proxy binds it next).
fn free_port() -> u16 {
    std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

// --- the app ----------------------------------------------------------------------

struct App {
    process: Running,
    addr: SocketAddr,
    /// Everything it has logged so far.
    log: Arc<Mutex<Vec<String>>>,
}

impl App {
    /// Starts the app on a free port with nothing but [`APP_ENV`].
    fn start() -> App {
        let mut child = Command::new(PROGRAM)
            .env_clear()
            .envs(APP_ENV)
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
        let process = Running(child);
        let deadline = Instant::now() + DEADLINE;
        loop {
            let Ok(line) = startup.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            else {
                panic!(
                    "{NAME} did not start; its log:\n{}",
                    log.lock().unwrap().join("\n")
                );
            };
            // `... axum-app listening listen=127.0.0.1:40001`
            if let Some(bound) = line
                .contains(&format!("{NAME} listening"))
                .then(|| line.split("listen=").nth(1))
                .flatten()
            {
                let addr = bound.trim().parse().unwrap();
                return App { process, addr, log };
            }
        }
    }

    fn get(&self, path: &str) -> Req {
        Req::new(IpAddr::V4(PROXY_ADDRESS), self.addr, path)
    }

    fn send(&self, req: &Req) -> io::Result<Answer> {
        req.send()
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// What is wrong with the running program's environment: it must hold
    /// exactly [`APP_ENV`] and `ORGANIZR_LISTEN` of the `ORGANIZR_*`
    /// variables, and none of [`KEY_VARIABLES`]. Read from /proc, not from
    /// what this test meant to pass.
    fn environment_problems(&self) -> Vec<String> {
        let pid = self.process.0.id();
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
        let mut want: Vec<&str> = APP_ENV.iter().map(|(name, _)| *name).collect();
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
    fn settings_problems(&self) -> Vec<String> {
        let log = self.log();
        let Some(line) = log
            .lines()
            .find(|l| l.contains(&format!("{NAME} settings")))
        else {
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

// --- Caddy ------------------------------------------------------------------------

struct Caddy {
    process: Running,
    addr: SocketAddr,
    log: PathBuf,
}

impl Caddy {
    /// Runs the recipe, its `# e2e:` lines swapped, in front of `app`.
    fn start(
        caddy: &Path,
        work: &WorkDir,
        app: SocketAddr,
        passwords: &BTreeMap<&str, String>,
    ) -> Caddy {
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
        let config = work.0.join("Caddyfile");
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
        let log = work.0.join("caddy.log");
        let output = File::create(&log).unwrap();
        // Its own home: Caddy keeps state (certificates, autosave) there.
        let child = Command::new(caddy)
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(&config)
            .env_clear()
            .env("HOME", &work.0)
            .env("XDG_CONFIG_HOME", &work.0)
            .env("XDG_DATA_HOME", &work.0)
            .stdin(Stdio::null())
            .stdout(output.try_clone().unwrap())
            .stderr(output)
            .spawn()
            .unwrap();
        let mut caddy = Caddy {
            process: Running(child),
            addr: SocketAddr::from((PROXY_ADDRESS, port)),
            log,
        };
        caddy.wait_ready();
        caddy
    }

    /// Until Caddy answers (any status), or fails if it exits first.
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if self.send(&self.get("/public")).is_ok() {
                return;
            }
            if let Some(status) = self.process.0.try_wait().unwrap() {
                panic!("caddy exited ({status}); its log:\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "caddy did not answer; its log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn get(&self, path: &str) -> Req {
        Req::new(IpAddr::V4(Ipv4Addr::LOCALHOST), self.addr, path)
    }

    fn send(&self, req: &Req) -> io::Result<Answer> {
        req.send()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
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

// --- HTTP/1.1 by hand --------------------------------------------------------------

/// One request: from which local address, to where.
struct Req {
    from: IpAddr,
    to: SocketAddr,
    path: String,
    headers: Vec<(&'static str, String)>,
}

impl Req {
    fn new(from: IpAddr, to: SocketAddr, path: &str) -> Req {
        Req {
            from,
            to,
            path: path.to_owned(),
            headers: vec![],
        }
    }

    fn from(mut self, from: IpAddr) -> Self {
        self.from = from;
        self
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn basic(self, user: &str, password: &str) -> Self {
        let credentials = base64(format!("{user}:{password}").as_bytes());
        self.header("authorization", format!("Basic {credentials}"))
    }

    /// Sends it on its own connection (`Connection: close`), reads to the end.
    fn send(&self) -> io::Result<Answer> {
        use socket2::{Domain, Socket, Type};
        let socket = Socket::new(Domain::for_address(self.to), Type::STREAM, None)?;
        socket.bind(&SocketAddr::new(self.from, 0).into())?;
        socket.connect(&self.to.into())?;
        let mut stream: TcpStream = socket.into();
        stream.set_read_timeout(Some(DEADLINE))?;
        let mut head = format!(
            "GET {} HTTP/1.1\r\nhost: {}\r\nconnection: close\r\n",
            self.path, self.to
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        parse(&raw)
    }
}

/// What came back; header names lower-case.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn parse(raw: &[u8]) -> io::Result<Answer> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let text = String::from_utf8(raw.to_vec()).map_err(|_| bad("not UTF-8"))?;
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| bad("no head"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        unchunk(body).ok_or_else(|| bad("bad chunks"))?
    } else {
        body.to_owned()
    };
    Ok(Answer {
        status,
        headers,
        body,
    })
}

fn unchunk(mut rest: &str) -> Option<String> {
    let mut body = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n")?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        if size == 0 {
            return Some(body);
        }
        body.push_str(after.get(..size)?);
        rest = after.get(size + 2..)?;
    }
}

/// Standard base64 with padding, for `Authorization: Basic`.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

// --- checks -----------------------------------------------------------------------------

/// What one answer must be.
enum Want {
    Status(u16),
    /// The whole body.
    Body(String),
    Header(&'static str, &'static str),
    HeaderPrefix(&'static str, &'static str),
    NoHeader(&'static str),
    /// `/echo-headers`: the handler did not receive this header.
    NotEchoed(&'static str),
}

/// Every check's outcome; fails the test at the end if any failed, so that one
/// run shows them all.
#[derive(Default)]
struct Report {
    passed: usize,
    failed: Vec<String>,
}

impl Report {
    fn check(&mut self, name: &str, answer: io::Result<Answer>, wants: &[Want]) {
        let answer = match answer {
            Ok(answer) => answer,
            Err(e) => return self.verify(name, vec![format!("no answer: {e}")]),
        };
        let mut problems = Vec::new();
        for want in wants {
            match want {
                Want::Status(status) if answer.status != *status => {
                    problems.push(format!("status {}, want {status}", answer.status));
                }
                Want::Body(body) if answer.body != *body => {
                    problems.push(format!("body {:?}, want {body:?}", shown(&answer.body)));
                }
                Want::Header(name, value) if answer.header(name) != Some(value) => {
                    problems.push(format!("{name}: {:?}, want {value:?}", answer.header(name)));
                }
                Want::HeaderPrefix(name, prefix)
                    if !answer.header(name).is_some_and(|v| v.starts_with(prefix)) =>
                {
                    problems.push(format!(
                        "{name}: {:?}, want {prefix:?}...",
                        answer.header(name)
                    ));
                }
                Want::NoHeader(name) if answer.header(name).is_some() => {
                    problems.push(format!("{name} present: {:?}", answer.header(name)));
                }
                Want::NotEchoed(name) => {
                    match serde_json::from_str::<BTreeMap<String, Vec<String>>>(&answer.body) {
                        Err(_) => problems.push(format!("not an echo: {:?}", shown(&answer.body))),
                        Ok(echo) if echo.contains_key(*name) => {
                            problems.push(format!("{name} reached the handler"));
                        }
                        Ok(_) => {}
                    }
                }
                _ => {}
            }
        }
        self.verify(name, problems);
    }

    fn verify(&mut self, name: &str, problems: Vec<String>) {
        if problems.is_empty() {
            self.passed += 1;
            println!("ok    {name}");
        } else {
            println!("FAIL  {name}");
            for problem in &problems {
                println!("        {problem}");
            }
            self.failed.push(format!("{name}: {}", problems.join("; ")));
        }
    }

    /// Fails the test if any check failed, with the programs' logs.
    fn finish(self, logs: &[(&str, String)]) {
        println!("{} passed, {} failed", self.passed, self.failed.len());
        if self.failed.is_empty() {
            return;
        }
        let logs: String = logs
            .iter()
            .map(|(name, log)| format!("--- {name} log\n{log}\n"))
            .collect();
        panic!(
            "{} checks failed:\n{}\n{logs}",
            self.failed.len(),
            self.failed.join("\n")
        );
    }
}

/// A body as shown in a failure: never one that echoes credentials back.
fn shown(body: &str) -> &str {
    if body.contains("\"authorization\"") {
        "(withheld: it shows an authorization header)"
    } else {
        body
    }
}
