//! Tools, skipping, the work directory, and the processes a test runs.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant, SystemTime};

use crate::{DEADLINE, Req};

/// `name` on `PATH` or in /usr/sbin (where Debian puts nginx).
pub fn tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Skips the `proxy` end-to-end test with `note` (what is missing, how to
/// install it), so that `cargo test` works anywhere; fails it under CI (`CI`
/// set), where a missing tool is a failure.
#[track_caller]
pub fn skip(proxy: &str, note: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("the {proxy} end-to-end test cannot run under CI: {note}");
    }
    println!("note: skipping the {proxy} end-to-end test: {note}");
}

/// A fresh directory under the system's temporary directory, removed when
/// dropped.
#[derive(Debug)]
pub struct WorkDir(PathBuf);

impl WorkDir {
    /// `{tag}-e2e-{pid}-{nanoseconds}` under the temporary directory.
    pub fn new(tag: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let dir = std::env::temp_dir().join(format!("{tag}-e2e-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A free TCP port on 127.0.0.1 (free when asked: the proxy binds it next).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process, stopped when dropped: SIGTERM first, so that a proxy
/// stops its own workers (nginx's outlive a SIGKILLed master), SIGKILL if it
/// is still there after a while.
#[derive(Debug)]
pub(crate) struct Running(Child);

impl Running {
    pub(crate) fn new(child: Child) -> Self {
        Self(child)
    }

    pub(crate) fn id(&self) -> u32 {
        self.0.id()
    }

    /// Its exit status, if it has exited.
    pub(crate) fn exited(&mut self) -> Option<ExitStatus> {
        self.0.try_wait().unwrap()
    }

    /// Sends SIGTERM and waits for the exit: a failure if it does not come
    /// within [`DEADLINE`]. `name` is the program's, for the message.
    pub(crate) fn stop(&mut self, name: &str) -> ExitStatus {
        let pid = self.0.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.exited() {
                return status;
            }
            assert!(Instant::now() < deadline, "{name} did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Already reaped ([`Running::stop`]): its pid may be another's now.
        if matches!(self.0.try_wait(), Ok(Some(_))) {
            return;
        }
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

/// A proxy a test runs: its process (stopped when dropped), where it listens,
/// its log file.
#[derive(Debug)]
pub struct Server {
    name: &'static str,
    process: Running,
    addr: SocketAddr,
    log: PathBuf,
}

impl Server {
    /// Spawns `command` (its standard streams already set), the proxy called
    /// `name` in messages, and waits until it answers `GET /public` on `addr`
    /// (any status). Fails, with `log`, if it exits first or does not answer
    /// in time.
    pub fn start(
        name: &'static str,
        command: &mut Command,
        addr: SocketAddr,
        log: PathBuf,
    ) -> Self {
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("{name} did not start: {e}"));
        let mut server = Server {
            name,
            process: Running::new(child),
            addr,
            log,
        };
        let deadline = Instant::now() + DEADLINE;
        while server.get("/public").send().is_err() {
            if let Some(status) = server.process.exited() {
                panic!("{name} exited ({status}); its log:\n{}", server.log());
            }
            assert!(
                Instant::now() < deadline,
                "{name} did not answer; its log:\n{}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// Its name in messages: `nginx`, `Caddy`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `GET path` to it, from 127.0.0.1.
    pub fn get(&self, path: &str) -> Req {
        Req::new(IpAddr::V4(Ipv4Addr::LOCALHOST), self.addr, path)
    }

    /// Its log so far (empty if there is none yet).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}
