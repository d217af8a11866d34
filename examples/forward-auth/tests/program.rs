//! The `forward-auth` program itself: the README's first command
//! (`--demo`) prints tokens and commands that work against the running server;
//! the command line answers `--help`, `--version` and `--healthcheck` and
//! refuses what it does not know; the start-up block and JSON logs say what
//! it checks; and its UNIX socket admits its group only (real users, as root).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const PROGRAM: &str = env!("CARGO_BIN_EXE_forward-auth");

/// How long the program may take to start; never a measure of speed.
const DEADLINE: Duration = Duration::from_secs(60);

/// A running forward-auth, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One line of output, from stdout or stderr.
enum Line {
    Out(String),
    Err(String),
}

/// Reads `stream` in a thread, for as long as the program runs, so that it
/// never blocks on a full pipe.
fn forward(stream: impl Read + Send + 'static, to: mpsc::Sender<Line>, wrap: fn(String) -> Line) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let _ = to.send(wrap(line));
        }
    });
}

/// `GET path` with `headers`, on its own connection; the status and the
/// response's head (lower-cased).
fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let mut request = format!("GET {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let head = raw.split("\r\n\r\n").next().unwrap().to_ascii_lowercase();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head)
}

#[test]
fn demo_prints_tokens_that_work() {
    let mut child = Command::new(PROGRAM)
        .arg("--demo")
        .env_clear()
        .env("RUST_LOG", "info")
        .env("ORGANIZR_LISTEN", "127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, output) = mpsc::channel();
    forward(child.stdout.take().unwrap(), lines.clone(), Line::Out);
    forward(child.stderr.take().unwrap(), lines, Line::Err);
    let _server = Server(child);

    // Until the log says where it listens; the demo text comes before.
    let deadline = Instant::now() + DEADLINE;
    let mut printed = Vec::new();
    let mut log = Vec::new();
    let addr: SocketAddr = loop {
        match output.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(Line::Out(line)) => printed.push(line),
            Ok(Line::Err(line)) => {
                if let Some((_, bound)) = line.split_once("forward-auth listening listen=") {
                    break bound.trim().parse().unwrap();
                }
                log.push(line);
            }
            Err(e) => panic!(
                "forward-auth --demo did not start ({e}); its log:\n{}",
                log.join("\n")
            ),
        }
    };
    // Both streams are line-buffered and the text was printed first, but the
    // two pipes are read apart: take the rest of stdout up to the last command.
    while !printed.iter().any(|l| l.contains("/auth/999")) {
        match output.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(Line::Out(line)) => printed.push(line),
            Ok(Line::Err(_)) => {}
            Err(e) => panic!("the demo text is incomplete ({e}):\n{}", printed.join("\n")),
        }
    }
    let token = |who: &str| -> String {
        let line = printed
            .iter()
            .find(|l| l.trim_start().starts_with(who))
            .unwrap();
        line.rsplit(' ').next().unwrap().to_owned()
    };
    let (admin, alice) = (
        token("admin (group 0 Admin):"),
        token("alice (group 4 User):"),
    );
    let base = format!("http://{addr}/");
    assert!(
        printed
            .iter()
            .any(|l| l.contains(&format!("curl -si {base}api/v2/auth/0"))),
        "the commands do not name the bound address {addr}:\n{}",
        printed.join("\n")
    );
    // The cookie's name, as the printed commands send it.
    let name = printed
        .iter()
        .find_map(|l| l.split_once("-H 'Cookie: ").map(|(_, rest)| rest))
        .and_then(|rest| rest.split_once('='))
        .map(|(name, _)| name.to_owned())
        .unwrap();
    let cookie = |token: &str| format!("{name}={token}");

    let (status, head) = get(addr, "/api/v2/auth/0", &[("cookie", &cookie(&admin))]);
    assert_eq!(status, 200);
    assert!(head.contains("\r\nx-organizr-user: admin\r\n"), "{head}");
    assert!(head.contains("\r\nremote-user: admin\r\n"), "{head}");
    assert_eq!(get(addr, "/api/v2/auth/0", &[]).0, 401);
    assert_eq!(
        get(addr, "/api/v2/auth/0", &[("cookie", &cookie(&alice))]).0,
        403
    );
    let bearer = format!("Bearer {alice}");
    assert_eq!(
        get(addr, "/api/v2/auth/4", &[("authorization", &bearer)]).0,
        200
    );
    assert_eq!(get(addr, "/auth/999", &[]).0, 200);
}

#[test]
fn command_line() {
    let help = Command::new(PROGRAM)
        .arg("--help")
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).starts_with("usage: forward-auth [--demo]"));

    let bad = Command::new(PROGRAM)
        .arg("--port=1")
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.starts_with("forward-auth: error: unknown argument \"--port=1\""),
        "{err}"
    );
}

// --- what the program says, and how it listens ---------------------------------

const KEY: &str = "program-test-organizr-hash-0123456789abcdef";

/// Runs the program to its end (with a deadline) with only these variables:
/// its exit code, stdout and stderr.
fn run(args: &[&str], vars: &[(&str, &str)]) -> (Option<i32>, String, String) {
    run_as(Command::new(PROGRAM), args, vars)
}

fn run_as(
    mut command: Command,
    args: &[&str],
    vars: &[(&str, &str)],
) -> (Option<i32>, String, String) {
    command
        .args(args)
        .env_clear()
        .envs(vars.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = spawn(&mut command);
    let (lines, output) = mpsc::channel();
    forward(child.stdout.take().unwrap(), lines.clone(), Line::Out);
    forward(child.stderr.take().unwrap(), lines, Line::Err);
    let deadline = Instant::now() + DEADLINE;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("forward-auth {args:?} did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (mut out, mut err) = (String::new(), String::new());
    // The readers end with the pipes, which the exited program closed.
    while let Ok(line) = output.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        match line {
            Line::Out(l) => out.push_str(&(l + "\n")),
            Line::Err(l) => err.push_str(&(l + "\n")),
        }
    }
    (status.code(), out, err)
}

/// Starts the program with only these variables; returns it once its log
/// says where it listens, with the log lines before that one included.
fn start(vars: &[(&str, &str)]) -> (Server, Vec<String>, String) {
    start_as(Command::new(PROGRAM), vars)
}

/// Spawns `command`, retrying while its program is "text file busy": a
/// program copied by one test (`shared_dir`) is briefly held open for writing
/// by children other tests fork at that moment, until they exec.
fn spawn(command: &mut Command) -> Child {
    let deadline = Instant::now() + DEADLINE;
    loop {
        match command.spawn() {
            Err(e)
                if e.kind() == std::io::ErrorKind::ExecutableFileBusy
                    && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            spawned => return spawned.unwrap(),
        }
    }
}

fn start_as(mut command: Command, vars: &[(&str, &str)]) -> (Server, Vec<String>, String) {
    command
        .env_clear()
        .envs(vars.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = spawn(&mut command);
    let (lines, output) = mpsc::channel();
    forward(child.stderr.take().unwrap(), lines, Line::Err);
    let server = Server(child);
    let deadline = Instant::now() + DEADLINE;
    let mut log = Vec::new();
    loop {
        match output.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(Line::Err(line)) | Ok(Line::Out(line)) => {
                let listening = line.contains("forward-auth listening");
                log.push(line.clone());
                if listening {
                    return (server, log, line);
                }
            }
            Err(e) => panic!(
                "forward-auth did not start ({e}); its log:\n{}",
                log.join("\n")
            ),
        }
    }
}

#[test]
fn version_and_help() {
    let (code, out, _) = run(&["--version"], &[]);
    assert_eq!(code, Some(0));
    assert_eq!(out, format!("forward-auth {}\n", env!("CARGO_PKG_VERSION")));
    // The help lists every variable forward-auth reads, from core's table.
    let (code, out, _) = run(&["--help"], &[]);
    assert_eq!(code, Some(0));
    for v in organizr_auth_core::config::VARIABLES {
        assert!(
            out.contains(&format!("\n  {}\n", v.env)),
            "{} missing:\n{out}",
            v.env
        );
    }
}

#[test]
fn the_start_up_block_says_what_is_checked_and_never_the_key() {
    let (_server, log, _) = start(&[
        ("ORGANIZR_HASH", KEY),
        ("ORGANIZR_UUID", "u-1"),
        ("ORGANIZR_TRUSTED_PROXIES", "10.0.0.0/8,@"),
        ("ORGANIZR_LEEWAY_SECS", "5"),
        ("ORGANIZR_ACCEPT_BEARER", "false"),
        ("ORGANIZR_REAL_IP_FROM", "10.0.0.1"),
        ("ORGANIZR_LOGIN_URL", "https://organizr.example.org/"),
        ("ORGANIZR_REDIRECT_HOSTS", "*.example.org"),
        ("ORGANIZR_FORWARD_AUTH_STATUS", "organizr"),
        ("ORGANIZR_TOKEN_CACHE", "64"),
        ("ORGANIZR_LISTEN", "127.0.0.1:0"),
    ]);
    let block = log
        .iter()
        .find(|l| l.contains("forward-auth settings"))
        .unwrap_or_else(|| panic!("no settings block:\n{}", log.join("\n")));
    for wanted in [
        "key=\"ORGANIZR_HASH (set)\"",
        "cookie=\"organizr_token_u-1\"",
        "trusted_proxies=\"10.0.0.0/8,@\"",
        "leeway_secs=5",
        "bearer=false",
        "tokens=true",
        "session_check=false",
        "token_cache=64",
        "real_ip_from=\"10.0.0.1/32\"",
        "real_ip_header=X-Forwarded-For",
        "login_redirect=\"https://organizr.example.org/ for *.example.org\"",
        "status_codes=Organizr",
    ] {
        assert!(block.contains(wanted), "{wanted} not in {block}");
    }
    assert!(!log.join("\n").contains(KEY), "the key is in the log");
}

/// A loopback entry in the real-IP list lets any local process claim an
/// allow-listed address: said at start-up, naming the entry (issue 15's risk
/// check, for the list IP lists believe).
#[test]
fn a_risky_real_ip_list_is_warned_about_at_start_up() {
    let (_server, log, _) = start(&[
        ("ORGANIZR_HASH", KEY),
        ("ORGANIZR_UUID", "u-1"),
        ("ORGANIZR_REAL_IP_FROM", "127.0.0.1, 10.0.0.1"),
        ("ORGANIZR_LISTEN", "127.0.0.1:0"),
    ]);
    let warnings: Vec<&String> = log
        .iter()
        .filter(|l| l.contains("real-IP list contains"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", log.join("\n"));
    assert!(
        warnings[0].contains("127.0.0.1/32: any local process can claim any client address"),
        "{}",
        warnings[0]
    );
}

#[test]
fn json_logs_are_one_object_per_line() {
    let (_server, log, listening) = start(&[
        ("ORGANIZR_HASH", KEY),
        ("ORGANIZR_UUID", "u-1"),
        ("ORGANIZR_LOG_FORMAT", "json"),
        ("ORGANIZR_LISTEN", "127.0.0.1:0"),
    ]);
    for line in &log {
        let event: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(
            event["level"].is_string() && event["message"].is_string(),
            "{line}"
        );
    }
    let listening: serde_json::Value = serde_json::from_str(&listening).unwrap();
    let addr: SocketAddr = listening["listen"].as_str().unwrap().parse().unwrap();
    let settings = log
        .iter()
        .find(|l| l.contains("forward-auth settings"))
        .unwrap();
    let settings: serde_json::Value = serde_json::from_str(settings).unwrap();
    assert_eq!(settings["key"], "ORGANIZR_HASH (set)");
    assert_eq!(settings["bearer"], true);
    assert_eq!(get(addr, "/healthz", &[]).0, 200);
}

#[test]
fn bad_program_settings_stop_it_naming_the_variable() {
    for (var, value) in [
        ("ORGANIZR_LOG_FORMAT", "yaml"),
        ("ORGANIZR_LISTEN_MODE", "rw-rw----"),
        ("ORGANIZR_LISTEN_MODE", "4770"),
        ("ORGANIZR_LISTEN_GROUP", "no-such-group-here"),
        ("ORGANIZR_LISTEN", "proxy.lan:80"),
    ] {
        let (code, _, err) = run(
            &[],
            &[
                ("ORGANIZR_HASH", KEY),
                ("ORGANIZR_UUID", "u-1"),
                (var, value),
            ],
        );
        assert_eq!(code, Some(1), "{var}={value}: {err}");
        assert!(
            err.starts_with(&format!("forward-auth: error: {var}={value:?} is invalid")),
            "{var}={value}: {err}"
        );
    }
}

#[test]
fn healthcheck_asks_the_running_server() {
    let (_server, _, listening) = start(&[
        ("ORGANIZR_HASH", KEY),
        ("ORGANIZR_UUID", "u-1"),
        ("ORGANIZR_LISTEN", "0.0.0.0:0"),
    ]);
    let port = listening.rsplit(':').next().unwrap().trim();
    // The healthcheck reads ORGANIZR_LISTEN as the server does: 0.0.0.0 is
    // reached on loopback.
    let listen = format!("0.0.0.0:{port}");
    let (code, out, err) = run(&["--healthcheck"], &[("ORGANIZR_LISTEN", &listen)]);
    assert_eq!((code, out.as_str(), err.as_str()), (Some(0), "", ""));
    // Nothing there: exit 1, and why.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (code, _, err) = run(
        &["--healthcheck"],
        &[("ORGANIZR_LISTEN", &free.to_string())],
    );
    assert_eq!(code, Some(1));
    assert!(
        err.starts_with(&format!(
            "forward-auth: error: healthcheck failed: cannot connect to {free}: "
        )),
        "{err}"
    );
}

// --- UNIX socket permissions, with real users ------------------------------------

/// Whether this process runs as root (owner of its own /proc entry).
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// A group made for one test with `groupadd`, deleted when dropped.
struct TestGroup {
    name: String,
    gid: u32,
}

/// groupadd and groupdel lock /etc/group, and fail rather than wait: one at a
/// time.
static GROUP_FILE: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl TestGroup {
    fn create(tag: &str) -> TestGroup {
        let name = format!("oa-{tag}-{}", std::process::id());
        let made = {
            let _one_at_a_time = GROUP_FILE.lock().unwrap_or_else(|e| e.into_inner());
            // Left over from an earlier run with this pid: start afresh.
            let _ = Command::new("groupdel").arg(&name).output();
            Command::new("groupadd").arg(&name).status().unwrap()
        };
        assert!(made.success(), "groupadd {name} failed");
        let group = std::fs::read_to_string("/etc/group").unwrap();
        let gid = group
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:x:")))
            .and_then(|rest| rest.split(':').next())
            .unwrap()
            .parse()
            .unwrap();
        TestGroup { name, gid }
    }
}

impl Drop for TestGroup {
    fn drop(&mut self) {
        let _one_at_a_time = GROUP_FILE.lock().unwrap_or_else(|e| e.into_inner());
        let _ = Command::new("groupdel").arg(&self.name).status();
    }
}

/// Root, and `groupadd`: else skip with a note, but fail under CI.
fn can_switch_users(test: &str) -> bool {
    let has_groupadd = Command::new("groupadd").arg("--help").output().is_ok();
    if is_root() && has_groupadd {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none_or(|v| v != "true"),
        "{test} needs root and groupadd under CI"
    );
    eprintln!("note: {test} skipped: it needs root and groupadd, to run clients as other users");
    false
}

/// uid and gid of `nobody` on Debian.
const NOBODY: u32 = 65534;

/// A directory for sockets, and a copy of the program in it that any user may
/// run (the build directory may be private).
fn shared_dir(tag: &str) -> (std::path::PathBuf, String) {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("oa-fa-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let program = dir.join("forward-auth");
    std::fs::copy(PROGRAM, &program).unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    (dir, program.to_str().unwrap().to_owned())
}

/// Issue 16: a proxy in ORGANIZR_LISTEN_GROUP connects to the socket, another
/// local user gets "Permission denied". (`CommandExt::groups` is unstable, so
/// the clients' group is their primary group, as `caddy`'s is for Caddy.)
#[test]
fn only_the_socket_group_may_connect() {
    use std::os::unix::process::CommandExt;
    if !can_switch_users("only_the_socket_group_may_connect") {
        return;
    }
    let group = TestGroup::create("sock");
    let (dir, program) = shared_dir("sock");
    let socket = dir.join("fa.sock");
    let listen = format!("unix:{}", socket.display());
    let (server, _, _) = start(&[
        ("ORGANIZR_HASH", KEY),
        ("ORGANIZR_UUID", "u-1"),
        ("ORGANIZR_LISTEN", &listen),
        ("ORGANIZR_LISTEN_GROUP", &group.name),
    ]);
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::symlink_metadata(&socket).unwrap();
        assert_eq!((meta.mode() & 0o7777, meta.gid()), (0o660, group.gid));
    }
    let client = |gid: u32| {
        let mut command = Command::new(&program);
        command.uid(NOBODY).gid(gid);
        run_as(command, &["--healthcheck"], &[("ORGANIZR_LISTEN", &listen)])
    };
    let (code, _, err) = client(group.gid);
    assert_eq!(code, Some(0), "a member of the socket's group: {err}");
    let (code, _, err) = client(NOBODY);
    assert_eq!(code, Some(1));
    assert!(err.contains("Permission denied"), "{err}");

    // Stopped cleanly, the server removes its socket.
    let pid = server.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + DEADLINE;
    while socket.exists() {
        assert!(
            Instant::now() < deadline,
            "the socket was not removed on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
}

/// A service user outside the group it is told to give the socket to cannot:
/// a start-up error that names the variable and says what to do.
#[test]
fn a_group_the_program_is_not_in_is_a_start_up_error() {
    use std::os::unix::process::CommandExt;
    if !can_switch_users("a_group_the_program_is_not_in_is_a_start_up_error") {
        return;
    }
    let group = TestGroup::create("nogrp");
    let (dir, program) = shared_dir("nogrp");
    // A directory the service user may create its socket in.
    let run_dir = dir.join("run");
    std::fs::create_dir(&run_dir).unwrap();
    std::os::unix::fs::chown(&run_dir, Some(NOBODY), Some(NOBODY)).unwrap();
    let listen = format!("unix:{}", run_dir.join("fa.sock").display());
    let mut command = Command::new(&program);
    command.uid(NOBODY).gid(NOBODY);
    let (code, _, err) = run_as(
        command,
        &[],
        &[
            ("ORGANIZR_HASH", KEY),
            ("ORGANIZR_UUID", "u-1"),
            ("ORGANIZR_LISTEN", &listen),
            ("ORGANIZR_LISTEN_GROUP", &group.name),
        ],
    );
    assert_eq!(code, Some(1), "{err}");
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("forward-auth: error: ORGANIZR_LISTEN_GROUP: cannot give the socket"),
        "{err}"
    );
    assert!(err.contains("SupplementaryGroups="), "{err}");
    assert!(
        !run_dir.join("fa.sock").exists(),
        "the half-made socket is left behind"
    );
    std::fs::remove_dir_all(&dir).ok();
}
