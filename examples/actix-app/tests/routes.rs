//! actix-app, the real binary over real sockets: every route, the refusals, and
//! which peers may assert `Remote-User`.
//!
//! `axum-app/tests/routes.rs` is the same table for axum-app: the two apps
//! must answer alike (the end-to-end script also compares them byte for byte).
//! Keep the two files in step.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use organizr_auth_core::mint::TokenBuilder;
use organizr_auth_core::{GroupLevel, Secret};

const PROGRAM: &str = env!("CARGO_BIN_EXE_actix-app");
const NAME: &str = "actix-app";

const KEY: &str = "apps-test-organizr-hash-0123456789abcdefgh";
const UUID: &str = "7d2e0f2a-0000-4000-8000-000000000002";
const LOGIN: &str = "https://organizr.example/?error=401";
/// Requests from this address are from "the proxy"; from 127.0.0.1, from a
/// client that went around it.
const PROXY: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const TRUSTED: &str = "127.0.0.2, @";

const PUBLIC_BODY: &str = "public: anyone may read this\n";
const BAD_LEVEL_BODY: &str = "400 Bad Request: the level must be a whole number from 0 to 999\n";
const JSON: Option<&str> = Some("application/json");

/// How long a program may take to start or stop; never a measure of speed.
const DEADLINE: Duration = Duration::from_secs(60);

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
    child: Child,
    addr: Addr,
    /// The log lines up to and with the one that says where it listens.
    log: Vec<String>,
}

impl App {
    /// Starts the app on `listen` (port 0: the port it logs) with the test key,
    /// the trusted proxies 127.0.0.2 and `@`, and `extra` variables.
    fn start(listen: &str, extra: &[(&str, &str)]) -> App {
        let mut child = Command::new(PROGRAM)
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
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("{NAME} did not start ({e}); its log:\n{}", seen.join("\n"));
                }
            };
            // `... actix-app listening listen=127.0.0.1:40001`, or the same
            // as JSON: the address bound.
            if line.contains(&format!("{NAME} listening")) {
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
                    child,
                    addr,
                    log: seen,
                };
            }
            seen.push(line);
        }
    }

    /// Starts the app on a free loopback port.
    fn tcp() -> App {
        App::start("127.0.0.1:0", &[])
    }

    fn send(&self, req: &Req) -> Answer {
        match &self.addr {
            Addr::Tcp(addr) => {
                // `[::]` is not an address to connect to: 127.0.0.1 reaches it.
                let port = addr.port();
                let to = match addr.ip() {
                    ip if ip.is_unspecified() => SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port),
                    ip => SocketAddr::new(ip, port),
                };
                exchange(connect_from(req.from, to), req)
            }
            Addr::Unix(path) => exchange(UnixStream::connect(path).unwrap(), req),
        }
    }

    /// Sends SIGTERM and waits for the program to exit.
    fn stop(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "{NAME} did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP connection to `to` from the local address `from` (127.0.0.2 is as
/// local as 127.0.0.1 on Linux).
fn connect_from(from: IpAddr, to: SocketAddr) -> TcpStream {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(to), Type::STREAM, None).unwrap();
    socket.bind(&SocketAddr::new(from, 0).into()).unwrap();
    socket.connect(&to.into()).unwrap();
    socket.into()
}

/// Runs the program to its end with only these variables, and gives its exit
/// code, stdout and stderr.
fn run(args: &[&str], vars: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let mut child = Command::new(PROGRAM)
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
            panic!("{NAME} {args:?} did not exit: it should have stopped at start-up");
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

// --- HTTP/1.1 by hand ----------------------------------------------------------------

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

/// What came back.
#[derive(Debug)]
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

/// One request on its own connection (`Connection: close`), read to the end.
fn exchange<S: Read + Write>(mut stream: S, req: &Req) -> Answer {
    let mut head = format!(
        "GET {} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n",
        req.path
    );
    for (name, value) in &req.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    parse(&raw)
}

fn parse(raw: &[u8]) -> Answer {
    let text = String::from_utf8(raw.to_vec()).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        unchunk(body)
    } else {
        body.to_owned()
    };
    Answer {
        status,
        headers,
        body,
    }
}

fn unchunk(mut rest: &str) -> String {
    let mut body = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").unwrap();
        let size = usize::from_str_radix(size.split(';').next().unwrap().trim(), 16).unwrap();
        if size == 0 {
            return body;
        }
        body.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
}

fn ipv6_loopback() -> bool {
    std::net::TcpListener::bind("[::1]:0").is_ok()
}

// --- the table ----------------------------------------------------------------------

#[test]
fn public_is_open() {
    let a = App::tcp().send(&get("/public"));
    assert_eq!((a.status, a.body.as_str()), (200, PUBLIC_BODY));
    assert_eq!(a.content_type(), Some("text/plain; charset=utf-8"));
}

#[test]
fn me_needs_a_login() {
    let app = App::tcp();
    let a = app.send(&get("/me"));
    assert_eq!(a.status, 401);
    assert_eq!(
        a.header("www-authenticate"),
        Some("Bearer realm=\"Organizr\"")
    );

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

#[test]
fn admin_needs_level_0() {
    let app = App::tcp();
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

#[test]
fn level_n_needs_level_n() {
    let app = App::tcp();
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

#[test]
fn level_999_admits_anonymous_requests() {
    let app = App::tcp();
    let a = app.send(&get("/level/999"));
    assert_eq!(
        (a.status, a.content_type(), a.body.as_str()),
        (200, JSON, "null")
    );
    let a = app.send(&get("/level/999").with(cookie("alice", 4)));
    assert_eq!(a.identity()["username"], "alice");
}

#[test]
fn bad_levels_are_400() {
    let app = App::tcp();
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

#[test]
fn browsers_are_sent_to_the_login_url_when_one_is_set() {
    let app = App::start("127.0.0.1:0", &[("ORGANIZR_LOGIN_URL", LOGIN)]);
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
    let a = App::tcp().send(&get("/me").header("accept", html));
    assert_eq!((a.status, a.header("location")), (401, None));
}

#[test]
fn remote_user_counts_only_from_the_trusted_proxy() {
    // On [::], IPv4 peers arrive as ::ffff:127.0.0.2, which must still match
    // the IPv4 entry.
    let mut listens = vec!["127.0.0.1:0"];
    if ipv6_loopback() {
        listens.push("[::]:0");
    }
    for listen in listens {
        let app = App::start(listen, &[]);
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

#[test]
fn a_unix_socket_peer_is_trusted_as_at_and_the_file_is_removed_on_stop() {
    let dir = std::env::temp_dir().join(format!("{NAME}-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("http.sock");
    let app = App::start(&format!("unix:{}", socket.display()), &[]);
    let a = app.send(&get("/me").header("remote-user", "bob"));
    assert_eq!(
        (a.status, a.identity()["source"].as_str()),
        (200, Some("proxy"))
    );
    assert!(app.stop().success());
    assert!(
        !Path::new(&socket).exists(),
        "the socket file is left behind"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn spoofed_identity_headers_never_reach_the_handler() {
    let app = App::tcp();
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

#[test]
fn echo_headers_keeps_every_value() {
    let a = App::tcp().send(
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

#[test]
fn command_line_and_start_up_errors() {
    let (code, out, _) = run(&["--help"], &[]);
    assert_eq!(code, Some(0));
    assert!(out.starts_with(&format!("usage: {NAME}")), "{out}");
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
    let (code, out, _) = run(&["--version"], &[]);
    assert_eq!(code, Some(0));
    assert_eq!(out, format!("{NAME} {}\n", env!("CARGO_PKG_VERSION")));

    let (code, _, err) = run(&["--demo"], &[]);
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with(&format!("{NAME}: error: unknown argument")),
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
        let (code, _, err) = run(&[], vars);
        assert_eq!(code, Some(1), "{vars:?}: {err}");
        assert!(err.contains(&format!("{NAME}: error: ")), "{err}");
        assert!(err.contains(wanted), "{vars:?}: {err}");
        assert!(!err.contains(secret), "the key leaked: {err}");
    }
}

#[test]
fn a_unix_socket_gets_its_mode_and_group() {
    use std::os::unix::fs::MetadataExt;
    let dir = std::env::temp_dir().join(format!("{NAME}-access-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The test's own group (the directory's): any user may give a file to it.
    let gid = std::fs::metadata(&dir).unwrap().gid().to_string();
    let socket = dir.join("http.sock");
    let app = App::start(
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
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_start_up_block_and_json_logs() {
    let app = App::start("127.0.0.1:0", &[("ORGANIZR_LOG_FORMAT", "json")]);
    for line in &app.log {
        let event: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(event["message"].is_string(), "{line}");
    }
    let settings = app
        .log
        .iter()
        .find(|l| l.contains(&format!("{NAME} settings")))
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
