//! The `forward-auth` program itself: the README's first command
//! (`--demo`) prints tokens and commands that work against the running server,
//! and the command line answers `--help` and refuses what it does not know.

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
