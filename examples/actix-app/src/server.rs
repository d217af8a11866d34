//! Everything around the app that is not about Organizr: logging, and the
//! `ORGANIZR_LISTEN` address. (actix-web itself stops gracefully on Ctrl-C and
//! SIGTERM.)
//!
//! `ORGANIZR_LISTEN` is one of:
//!
//! | value | meaning |
//! |---|---|
//! | `127.0.0.1:3001`, `[::1]:3001`, `localhost:3001` | one address (an IP, or `localhost` for 127.0.0.1) |
//! | `0.0.0.0:3001` | every IPv4 address |
//! | `[::]:3001` | dual-stack: IPv6 and IPv4; IPv4 clients arrive as `::ffff:a.b.c.d`, which core matches against IPv4 entries of the trusted-proxy list |
//! | `unix:/run/actix-app/http.sock` | a UNIX-domain socket, whose peers are `@` in the trusted-proxy list |
//!
//! Host names other than `localhost` are refused: the listen address must not
//! depend on DNS.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use tracing_subscriber::EnvFilter;

/// Where to accept connections.
pub enum Listen {
    Tcp(SocketAddr),
    Unix(PathBuf),
}

/// A listening socket, non-blocking, for `HttpServer::listen` / `listen_uds`.
pub enum Bound {
    Tcp(std::net::TcpListener),
    Unix(std::os::unix::net::UnixListener, PathBuf),
}

impl Listen {
    /// Reads `ORGANIZR_LISTEN`; unset or empty means `default`.
    pub fn from_env(default: &str) -> anyhow::Result<Self> {
        let value = match std::env::var("ORGANIZR_LISTEN") {
            Ok(value) if !value.trim().is_empty() => value,
            Err(std::env::VarError::NotUnicode(raw)) => {
                anyhow::bail!("ORGANIZR_LISTEN={raw:?} is invalid: not valid UTF-8");
            }
            _ => default.to_owned(),
        };
        let invalid =
            |reason: &str| anyhow::anyhow!("ORGANIZR_LISTEN={value:?} is invalid: {reason}");
        let trimmed = value.trim();
        if let Some(path) = trimmed.strip_prefix("unix:") {
            if path.is_empty() {
                return Err(invalid(
                    "unix: needs a socket path, as in unix:/run/actix-app/http.sock",
                ));
            }
            return Ok(Listen::Unix(path.into()));
        }
        if let Some(port) = trimmed.strip_prefix("localhost:") {
            let port = port
                .parse()
                .map_err(|_| invalid("the port must be a number from 0 to 65535"))?;
            return Ok(Listen::Tcp((Ipv4Addr::LOCALHOST, port).into()));
        }
        trimmed.parse().map(Listen::Tcp).map_err(|_| {
            invalid("expected HOST:PORT with an IP address (127.0.0.1:3001, 0.0.0.0:3001), [::]:PORT, or unix:/path/to.sock")
        })
    }

    /// Binds the address. `[::]:PORT` is made dual-stack on purpose rather than
    /// left to the host's default. A UNIX socket file left by an earlier run is
    /// replaced, but only if it is a socket and nothing answers on it.
    pub fn bind(&self) -> anyhow::Result<Bound> {
        use anyhow::Context as _;
        let cannot = || format!("ORGANIZR_LISTEN: cannot listen on {self}");
        match self {
            Listen::Tcp(addr) => bind_tcp(*addr).map(Bound::Tcp).with_context(cannot),
            Listen::Unix(path) => {
                remove_stale_socket(path).with_context(cannot)?;
                let listener = std::os::unix::net::UnixListener::bind(path).with_context(cannot)?;
                listener.set_nonblocking(true).with_context(cannot)?;
                Ok(Bound::Unix(listener, path.clone()))
            }
        }
    }
}

impl Listen {
    /// Removes the UNIX socket file once the server has stopped, so that the
    /// next start does not find a stale one.
    pub fn remove_socket_file(&self) {
        if let Listen::Unix(path) = self {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Bound {
    /// The address actually bound, for the start-up log line (it shows the
    /// port chosen for `:0`).
    pub fn describe(&self) -> String {
        match self {
            Bound::Tcp(listener) => listener
                .local_addr()
                .map_or_else(|_| "an unknown TCP address".to_owned(), |a| a.to_string()),
            Bound::Unix(_, path) => format!("unix:{}", path.display()),
        }
    }
}

impl fmt::Display for Listen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Listen::Tcp(addr) => write!(f, "{addr}"),
            Listen::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

fn bind_tcp(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    if addr.is_ipv6() {
        // `[::]:PORT` also takes IPv4 clients, as `::ffff:a.b.c.d`.
        socket.set_only_v6(false)?;
    }
    // A restart must not fail on the last run's TIME_WAIT connections.
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

fn remove_stale_socket(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
        // Probably a typo in the path: never delete it.
        Ok(meta) if !meta.file_type().is_socket() => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "the path exists and is not a socket",
        )),
        Ok(_) if std::os::unix::net::UnixStream::connect(path).is_ok() => Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            "another server is already listening on this socket",
        )),
        Ok(_) => std::fs::remove_file(path),
    }
}

/// Logs to stderr at the level `RUST_LOG` names, default `info` (so that core's
/// start-up warnings are seen).
pub fn init_tracing() {
    let spec = std::env::var("RUST_LOG")
        .ok()
        .filter(|s| !s.trim().is_empty());
    let (filter, bad) = match spec.as_deref().map(EnvFilter::try_new) {
        Some(Ok(filter)) => (filter, None),
        Some(Err(e)) => (EnvFilter::new("info"), Some(e)),
        None => (EnvFilter::new("info"), None),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    if let Some(e) = bad {
        tracing::warn!(RUST_LOG = spec.as_deref().unwrap_or_default(), error = %e, "ignoring an invalid RUST_LOG, logging at info");
    }
}
