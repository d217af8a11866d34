//! The routes table: an app's real binary over real sockets, every route, the
//! refusals, and which peers may assert `Remote-User`.
//!
//! Each app's `tests/routes.rs` names its [`Program`] and expands
//! [`routes_tests!`](crate::routes_tests) to one `#[test]` per function here,
//! so both apps answer the same table (the end-to-end script also compares
//! them byte for byte).
//!
//! The set-up, unlike the basic-auth tests': the app runs with the test key
//! ([`KEY`]), reads Organizr's cookie for [`UUID`], and trusts 127.0.0.2 and
//! `@` (any UNIX-socket peer) as its proxy. Requests come from 127.0.0.1, a
//! client that went around the proxy, unless a test sends them from
//! 127.0.0.2, the proxy. The app listens where a test says: a free loopback
//! port, `[::]` (dual-stack, where the host has IPv6) or a UNIX socket.

// `value["key"]` on JSON: serde_json's indexing gives `Null`, never panics.
#![allow(clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use organizr_auth_core::mint::TokenBuilder;
use organizr_auth_core::{GroupLevel, Secret};

use crate::http::{connect_from, exchange};
use crate::process::Running;
use crate::{APP_CHALLENGE, Answer, DEADLINE, PUBLIC_BODY, WorkDir};

/// The program under test: what only its own test file knows
/// (`env!("CARGO_BIN_EXE_...")`, `env!("CARGO_PKG_VERSION")`).
#[derive(Clone, Copy, Debug)]
pub struct Program {
    /// Its binary.
    pub path: &'static str,
    /// What it calls itself in its log, `--help` and errors: `axum-app`.
    pub name: &'static str,
    /// What `--version` prints after the name.
    pub version: &'static str,
}

/// The key the app is started with, which signs the tests' tokens.
pub const KEY: &str = "apps-test-organizr-hash-0123456789abcdefgh";
/// Organizr's UUID: the cookie is `organizr_token_<UUID>`.
pub const UUID: &str = "7d2e0f2a-0000-4000-8000-000000000002";
const LOGIN: &str = "https://organizr.example/?error=401";
/// Requests from this address are from "the proxy"; from 127.0.0.1, from a
/// client that went around it.
const PROXY: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const TRUSTED: &str = "127.0.0.2, @";

const BAD_LEVEL_BODY: &str = "400 Bad Request: the level must be a whole number from 0 to 999\n";
const JSON: Option<&str> = Some("application/json");

fn token(user: &str, level: u16) -> String {
    TokenBuilder::new(user, GroupLevel::new(level).unwrap())
        .email(format!("{user}@example.org"))
        .user_id(7)
        .issued_at(SystemTime::now() - Duration::from_secs(5))
        .sign(&Secret::new(KEY).unwrap())
}

fn cookie(user: &str, level: u16) -> (&'static str, String) {
    (
        "cookie",
        format!("organizr_token_{UUID}={}", token(user, level)),
    )
}

// --- the program ----------------------------------------------------------------

enum Addr {
    Tcp(SocketAddr),
    Unix(PathBuf),
}

/// A running app, stopped when dropped.
struct App {
    name: &'static str,
    process: Running,
    addr: Addr,
    /// The log lines up to and with the one that says where it listens.
    log: Vec<String>,
}

impl App {
    /// Starts the app on `listen` (port 0: the port it logs) with the test key,
    /// the trusted proxies 127.0.0.2 and `@`, and `extra` variables.
    fn start(program: &Program, listen: &str, extra: &[(&str, &str)]) -> App {
        let name = program.name;
        let mut child = Command::new(program.path)
            .env_clear()
            .env("RUST_LOG", "info")
            .env("ORGANIZR_HASH", KEY)
            .env("ORGANIZR_UUID", UUID)
            .env("ORGANIZR_TRUSTED_PROXIES", TRUSTED)
            .env("ORGANIZR_LISTEN", listen)
            .envs(extra.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read the log in a thread, for as long as the program runs, so that
        // it never blocks on a full pipe.
        let stderr = child.stderr.take().unwrap();
        let process = Running::new(child);
        let (lines, log) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let deadline = Instant::now() + DEADLINE;
        let mut seen = Vec::new();
        loop {
            let line = match log.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => line,
                // `process`, dropped, stops the program.
                Err(e) => panic!("{name} did not start ({e}); its log:\n{}", seen.join("\n")),
            };
            // `... axum-app listening listen=127.0.0.1:40001`, or the same
            // as JSON: the address bound.
            if line.contains(&format!("{name} listening")) {
                let bound = match serde_json::from_str::<serde_json::Value>(&line) {
                    Ok(event) => event["listen"].as_str().unwrap().to_owned(),
                    Err(_) => line.split("listen=").nth(1).unwrap().trim().to_owned(),
                };
                let addr = match bound.strip_prefix("unix:") {
                    Some(path) => Addr::Unix(path.into()),
                    None => Addr::Tcp(bound.parse().unwrap()),
                };
                seen.push(line);
                return App {
                    name,
                    process,
                    addr,
                    log: seen,
                };
            }
            seen.push(line);
        }
    }

    /// Starts the app on a free loopback port.
    fn tcp(program: &Program) -> App {
        App::start(program, "127.0.0.1:0", &[])
    }

    fn send(&self, req: &Req) -> Answer {
        let answer = match &self.addr {
            Addr::Tcp(addr) => {
                // `[::]` is not an address to connect to: 127.0.0.1 reaches it.
                let port = addr.port();
                let to = match addr.ip() {
                    ip if ip.is_unspecified() => SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port),
                    ip => SocketAddr::new(ip, port),
                };
                let stream = connect_from(req.from, to).unwrap();
                exchange(stream, "localhost", &req.path, &req.headers)
            }
            Addr::Unix(path) => exchange(
                UnixStream::connect(path).unwrap(),
                "localhost",
                &req.path,
                &req.headers,
            ),
        };
        answer.unwrap()
    }

    /// Sends SIGTERM and waits for the program to exit.
    fn stop(mut self) -> ExitStatus {
        self.process.stop(self.name)
    }
}

/// Runs the program to its end with only these variables, and gives its exit
/// code, stdout and stderr.
fn run(program: &Program, args: &[&str], vars: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let name = program.name;
    let mut child = Command::new(program.path)
        .args(args)
        .env_clear()
        .envs(vars.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + DEADLINE;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{name} {args:?} did not exit: it should have stopped at start-up");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    let mut err = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status.code(), out, err)
}

// --- requests -------------------------------------------------------------------------

/// A `GET` not yet sent: an app started on a UNIX socket or a TCP port
/// decides where it goes ([`crate::Req`] names a TCP address).
struct Req {
    from: IpAddr,
    path: String,
    headers: Vec<(&'static str, String)>,
}

fn get(path: &str) -> Req {
    Req {
        from: CLIENT,
        path: path.to_owned(),
        headers: vec![],
    }
}

impl Req {
    fn from(mut self, from: IpAddr) -> Self {
        self.from = from;
        self
    }
    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
    fn with(mut self, (name, value): (&'static str, String)) -> Self {
        self.headers.push((name, value));
        self
    }
}

impl Answer {
    fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    /// The body of `/echo-headers`, without the two headers every request of
    /// these tests carries (`host`, `connection`).
    fn echoed(&self) -> BTreeMap<String, Vec<String>> {
        let mut echoed: BTreeMap<String, Vec<String>> = serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not an echo ({e}): {}", self.body));
        echoed.remove("host");
        echoed.remove("connection");
        echoed
    }

    fn identity(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not an identity ({e}): {}", self.body))
    }
}

fn ipv6_loopback() -> bool {
    std::net::TcpListener::bind("[::1]:0").is_ok()
}

// --- the table ----------------------------------------------------------------------

/// `/public` answers anyone, as plain text.
pub fn public_is_open(program: &Program) {
    let a = App::tcp(program).send(&get("/public"));
    assert_eq!((a.status, a.body.as_str()), (200, PUBLIC_BODY));
    assert_eq!(a.content_type(), Some("text/plain; charset=utf-8"));
}

/// `/me` wants a login (the app's Bearer challenge), and shows the same
/// identity for the cookie and for a bearer token.
pub fn me_needs_a_login(program: &Program) {
    let app = App::tcp(program);
    let a = app.send(&get("/me"));
    assert_eq!(a.status, 401);
    assert_eq!(a.header("www-authenticate"), Some(APP_CHALLENGE));

    let a = app.send(&get("/me").with(cookie("alice", 4)));
    assert_eq!((a.status, a.content_type()), (200, JSON));
    assert_eq!(
        a.body,
        r#"{"username":"alice","group_id":4,"group":"User","email":"alice@example.org","user_id":7,"source":"token"}"#
    );

    let bearer =
        app.send(&get("/me").header("authorization", format!("Bearer {}", token("alice", 4))));
    assert_eq!(bearer.body, a.body);
}

/// `/admin`: 401 without a login, 403 below level 0, the identity at 0.
pub fn admin_needs_level_0(program: &Program) {
    let app = App::tcp(program);
    assert_eq!(app.send(&get("/admin")).status, 401);
    assert_eq!(
        app.send(&get("/admin").with(cookie("alice", 4))).status,
        403
    );
    assert_eq!(app.send(&get("/admin").with(cookie("co", 1))).status, 403);
    let a = app.send(&get("/admin").with(cookie("root", 0)));
    assert_eq!(a.status, 200);
    assert_eq!(a.identity()["username"], "root");
}

/// `/level/N` admits levels 0 to N, and wants a login for N below 999.
pub fn level_n_needs_level_n(program: &Program) {
    let app = App::tcp(program);
    for (n, level, want) in [
        (4, 4, 200),
        (3, 4, 403),
        (5, 4, 200),
        (12, 12, 200),
        (11, 12, 403),
        (998, 12, 200),
    ] {
        let a = app.send(&get(&format!("/level/{n}")).with(cookie("u", level)));
        assert_eq!(a.status, want, "/level/{n} as {level}");
    }
    assert_eq!(app.send(&get("/level/998")).status, 401);
    assert_eq!(app.send(&get("/level/0")).status, 401);
}

/// `/level/999` admits anyone: `null` without a login, the identity with one.
pub fn level_999_admits_anonymous_requests(program: &Program) {
    let app = App::tcp(program);
    let a = app.send(&get("/level/999"));
    assert_eq!(
        (a.status, a.content_type(), a.body.as_str()),
        (200, JSON, "null")
    );
    let a = app.send(&get("/level/999").with(cookie("alice", 4)));
    assert_eq!(a.identity()["username"], "alice");
}

/// A level that is not a whole number from 0 to 999 is a 400, even for an
/// admin.
pub fn bad_levels_are_400(program: &Program) {
    let app = App::tcp(program);
    for bad in ["abc", "1000", "-1", "1.5", "0x1", "%2B1"] {
        let a = app.send(&get(&format!("/level/{bad}")).with(cookie("root", 0)));
        assert_eq!(
            (a.status, a.body.as_str()),
            (400, BAD_LEVEL_BODY),
            "/level/{bad}"
        );
        assert_eq!(a.content_type(), Some("text/plain; charset=utf-8"));
    }
}

/// With `ORGANIZR_LOGIN_URL`, a browser without a login is redirected there;
/// other clients, and logged-in users who are too low, are not.
pub fn browsers_are_sent_to_the_login_url_when_one_is_set(program: &Program) {
    let app = App::start(program, "127.0.0.1:0", &[("ORGANIZR_LOGIN_URL", LOGIN)]);
    let html = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8";
    for path in ["/me", "/admin", "/level/4"] {
        let a = app.send(&get(path).header("accept", html));
        assert_eq!(
            (a.status, a.header("location")),
            (302, Some(LOGIN)),
            "{path}"
        );
        // Not a browser: 401.
        let a = app.send(&get(path).header("accept", "application/json"));
        assert_eq!(a.status, 401, "{path}");
    }
    // Logged in but too low: 403, never a redirect.
    let a = app.send(
        &get("/admin")
            .with(cookie("alice", 4))
            .header("accept", html),
    );
    assert_eq!((a.status, a.header("location")), (403, None));
    // Without a login URL, browsers get 401 too.
    let a = App::tcp(program).send(&get("/me").header("accept", html));
    assert_eq!((a.status, a.header("location")), (401, None));
}

/// `Remote-User` is an identity from 127.0.0.2 only, on 127.0.0.1 and on
/// dual-stack `[::]`.
pub fn remote_user_counts_only_from_the_trusted_proxy(program: &Program) {
    // On [::], IPv4 peers arrive as ::ffff:127.0.0.2, which must still match
    // the IPv4 entry.
    let mut listens = vec!["127.0.0.1:0"];
    if ipv6_loopback() {
        listens.push("[::]:0");
    }
    for listen in listens {
        let app = App::start(program, listen, &[]);
        let a = app.send(&get("/me").from(PROXY).header("remote-user", "bob"));
        assert_eq!(a.status, 200, "{listen}");
        assert_eq!(
            a.body,
            r#"{"username":"bob","group_id":998,"group":null,"email":null,"user_id":null,"source":"proxy"}"#
        );
        // A proxy user is level 998: not an admin.
        let a = app.send(&get("/admin").from(PROXY).header("remote-user", "bob"));
        assert_eq!(a.status, 403, "{listen}");

        let a = app.send(&get("/me").header("remote-user", "admin"));
        assert_eq!(a.status, 401, "{listen}");
        let a = app.send(&get("/admin").header("remote-user", "admin"));
        assert_eq!(a.status, 401, "{listen}");
    }
}

/// On a UNIX socket every peer is `@`, trusted; SIGTERM stops the app and
/// removes the socket file.
pub fn a_unix_socket_peer_is_trusted_as_at_and_the_file_is_removed_on_stop(program: &Program) {
    let dir = WorkDir::new(&format!("{}-routes", program.name));
    let socket = dir.path().join("http.sock");
    let app = App::start(program, &format!("unix:{}", socket.display()), &[]);
    let a = app.send(&get("/me").header("remote-user", "bob"));
    assert_eq!(
        (a.status, a.identity()["source"].as_str()),
        (200, Some("proxy"))
    );
    assert!(app.stop().success());
    assert!(!socket.exists(), "the socket file is left behind");
}

/// Identity headers from an untrusted peer, in any spelling, are removed
/// before the handler; from the proxy they arrive.
pub fn spoofed_identity_headers_never_reach_the_handler(program: &Program) {
    let app = App::tcp(program);
    let spoofed = get("/echo-headers")
        .header("remote-user", "admin")
        .header("remote_user", "admin")
        .header("Remote-Groups", "Admin")
        .header("remote-email", "admin@example.org")
        .header("x-organizr-user", "admin")
        .header("x-organizr-group", "0")
        .header("x-organizr-email", "admin@example.org")
        .header("x-request-id", "kept");
    let a = app.send(&spoofed);
    assert_eq!((a.status, a.content_type()), (200, JSON));
    assert_eq!(
        a.echoed(),
        BTreeMap::from([("x-request-id".to_owned(), vec!["kept".to_owned()])])
    );

    // From the trusted proxy the same headers are the proxy's word, and arrive.
    let a = app.send(
        &get("/echo-headers")
            .from(PROXY)
            .header("remote-user", "bob"),
    );
    assert_eq!(
        a.echoed(),
        BTreeMap::from([("remote-user".to_owned(), vec!["bob".to_owned()])])
    );
}

/// `/echo-headers` shows every value of a repeated header.
pub fn echo_headers_keeps_every_value(program: &Program) {
    let a = App::tcp(program).send(
        &get("/echo-headers")
            .header("x-a", "1")
            .header("x-a", "2")
            .header("Accept", "*/*"),
    );
    assert_eq!(
        a.echoed(),
        BTreeMap::from([
            ("accept".to_owned(), vec!["*/*".to_owned()]),
            ("x-a".to_owned(), vec!["1".to_owned(), "2".to_owned()]),
        ])
    );
}

/// `--help` (every variable the apps read), `--version`, a bad argument,
/// and each bad setting: its exit code and message, never the key.
pub fn command_line_and_start_up_errors(program: &Program) {
    let name = program.name;
    let (code, out, _) = run(program, &["--help"], &[]);
    assert_eq!(code, Some(0));
    assert!(out.starts_with(&format!("usage: {name}")), "{out}");
    // Every variable the apps read, from core's table.
    for v in organizr_auth_core::config::VARIABLES {
        use organizr_auth_core::config::ReadBy;
        let read = matches!(v.read_by, ReadBy::Config | ReadBy::Programs);
        assert_eq!(
            out.contains(&format!("\n  {} (default: ", v.env)),
            read,
            "{}",
            v.env
        );
    }
    let (code, out, _) = run(program, &["--version"], &[]);
    assert_eq!(code, Some(0));
    assert_eq!(out, format!("{name} {}\n", program.version));

    let (code, _, err) = run(program, &["--demo"], &[]);
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with(&format!("{name}: error: unknown argument")),
        "{err}"
    );

    let secret = "a-secret-that-must-not-be-shown-0123456789";
    for (vars, wanted) in [
        (
            &[
                ("ORGANIZR_HASH", secret),
                ("ORGANIZR_LISTEN", "proxy.lan:80"),
            ][..],
            "ORGANIZR_LISTEN=\"proxy.lan:80\" is invalid",
        ),
        (
            &[("ORGANIZR_HASH", secret), ("ORGANIZR_LISTEN", "unix:")],
            "ORGANIZR_LISTEN=\"unix:\" is invalid",
        ),
        (
            &[
                ("ORGANIZR_HASH", secret),
                ("ORGANIZR_UUID", UUID),
                ("ORGANIZR_TRUSTED_PROXIES", "10.0.0.0/33"),
                ("ORGANIZR_LISTEN", "127.0.0.1:0"),
            ],
            "ORGANIZR_TRUSTED_PROXIES=\"10.0.0.0/33\"",
        ),
        (
            &[
                ("ORGANIZR_HASH", secret),
                ("ORGANIZR_LISTEN", "127.0.0.1:0"),
            ],
            "ORGANIZR_UUID is not set, so Organizr's cookie (organizr_token_<uuid>) cannot be found",
        ),
        (&[("ORGANIZR_LISTEN", "127.0.0.1:0")], "ORGANIZR_CONFIG_PHP"),
        (
            &[("ORGANIZR_HASH", secret), ("ORGANIZR_LOG_FORMAT", "yaml")],
            "ORGANIZR_LOG_FORMAT=\"yaml\" is invalid",
        ),
        (
            &[("ORGANIZR_HASH", secret), ("ORGANIZR_LISTEN_MODE", "4770")],
            "ORGANIZR_LISTEN_MODE=\"4770\" is invalid",
        ),
        (
            &[
                ("ORGANIZR_HASH", secret),
                ("ORGANIZR_LISTEN_MODE", "rw-rw----"),
            ],
            "ORGANIZR_LISTEN_MODE=\"rw-rw----\" is invalid",
        ),
        (
            &[
                ("ORGANIZR_HASH", secret),
                ("ORGANIZR_LISTEN_GROUP", "no-such-group-here"),
            ],
            "ORGANIZR_LISTEN_GROUP=\"no-such-group-here\" is invalid",
        ),
    ] {
        let (code, _, err) = run(program, &[], vars);
        assert_eq!(code, Some(1), "{vars:?}: {err}");
        assert!(err.contains(&format!("{name}: error: ")), "{err}");
        assert!(err.contains(wanted), "{vars:?}: {err}");
        assert!(!err.contains(secret), "the key leaked: {err}");
    }
}

/// `ORGANIZR_LISTEN_MODE` and `ORGANIZR_LISTEN_GROUP` give the socket file
/// its mode and group.
pub fn a_unix_socket_gets_its_mode_and_group(program: &Program) {
    use std::os::unix::fs::MetadataExt;
    let dir = WorkDir::new(&format!("{}-access", program.name));
    // The test's own group (the directory's): any user may give a file to it.
    let gid = std::fs::metadata(dir.path()).unwrap().gid().to_string();
    let socket = dir.path().join("http.sock");
    let app = App::start(
        program,
        &format!("unix:{}", socket.display()),
        &[
            ("ORGANIZR_LISTEN_MODE", "0620"),
            ("ORGANIZR_LISTEN_GROUP", &gid),
        ],
    );
    let meta = std::fs::symlink_metadata(&socket).unwrap();
    assert_eq!((meta.mode() & 0o7777, meta.gid().to_string()), (0o620, gid));
    assert_eq!(app.send(&get("/public")).status, 200);
    assert!(app.stop().success());
    assert!(!socket.exists(), "the socket file is left behind");
}

/// With `ORGANIZR_LOG_FORMAT=json` every line is JSON, and the settings block
/// shows the configuration, never the key.
pub fn the_start_up_block_and_json_logs(program: &Program) {
    let name = program.name;
    let app = App::start(program, "127.0.0.1:0", &[("ORGANIZR_LOG_FORMAT", "json")]);
    for line in &app.log {
        let event: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(event["message"].is_string(), "{line}");
    }
    let settings = app
        .log
        .iter()
        .find(|l| l.contains(&format!("{name} settings")))
        .unwrap_or_else(|| panic!("no settings block: {:?}", app.log));
    let settings: serde_json::Value = serde_json::from_str(settings).unwrap();
    assert_eq!(settings["key"], "ORGANIZR_HASH (set)");
    assert_eq!(settings["cookie"], format!("organizr_token_{UUID}"));
    assert_eq!(settings["trusted_proxies"], "127.0.0.2/32,@");
    assert_eq!(settings["bearer"], true);
    assert_eq!(settings["session_check"], false);
    assert_eq!(settings["login_url"], "none");
    assert!(!app.log.join("\n").contains(KEY), "the key is in the log");
    assert_eq!(app.send(&get("/public")).status, 200);
}
