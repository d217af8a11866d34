//! `ORGANIZR_LISTEN`: where forward-auth accepts connections.
//!
//! Three forms (axum-app and actix-app accept the same):
//!
//! | value | meaning |
//! |---|---|
//! | `127.0.0.1:9090`, `[::1]:9090`, `localhost:9090` | one address (IP literal, or `localhost` for 127.0.0.1) |
//! | `0.0.0.0:9090` | every IPv4 address |
//! | `[::]:9090` | dual-stack: IPv6 and IPv4 (IPv4 clients arrive as `::ffff:a.b.c.d`, which core canonicalises) |
//! | `unix:/run/organizr-auth.sock` | a UNIX-domain socket (its peers are `@` in the trusted-proxy list) |
//!
//! Host names other than `localhost` are refused: resolving a name at start-up
//! would make the listen address depend on DNS.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

/// The environment variable read by [`Listen::from_env`].
pub const LISTEN_VAR: &str = "ORGANIZR_LISTEN";

/// A parsed listen address.
///
/// ```
/// use forward_auth::listen::Listen;
/// assert_eq!(Listen::parse("[::]:3000")?.to_string(), "[::]:3000");
/// assert_eq!(Listen::parse("unix:/run/app.sock")?.to_string(), "unix:/run/app.sock");
/// assert!(Listen::parse("proxy.lan:80").is_err());
/// # Ok::<(), forward_auth::listen::ListenError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listen {
    /// A TCP address.
    Tcp(SocketAddr),
    /// A UNIX-domain socket at this path.
    Unix(PathBuf),
}

/// Why a listen address is unusable. The message names `ORGANIZR_LISTEN` and
/// quotes the value.
#[derive(Debug)]
pub enum ListenError {
    /// The value has none of the accepted forms.
    Invalid {
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The address could not be bound.
    Bind {
        /// The address, as shown to the user.
        listen: String,
        /// What the operating system said.
        source: io::Error,
    },
}

impl fmt::Display for ListenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenError::Invalid { value, reason } => {
                write!(f, "{LISTEN_VAR}={value:?} is invalid: {reason}")
            }
            ListenError::Bind { listen, .. } => {
                write!(f, "{LISTEN_VAR}: cannot listen on {listen}")
            }
        }
    }
}

impl std::error::Error for ListenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ListenError::Invalid { .. } => None,
            ListenError::Bind { source, .. } => Some(source),
        }
    }
}

const EXPECTED: &str = "expected HOST:PORT with an IP address (127.0.0.1:9090, 0.0.0.0:9090), [::]:PORT, or unix:/path/to.sock";

impl Listen {
    /// Parses one of the forms in the [module documentation](self).
    pub fn parse(value: &str) -> Result<Self, ListenError> {
        let invalid = |reason| ListenError::Invalid {
            value: value.to_owned(),
            reason,
        };
        let trimmed = value.trim();
        if let Some(path) = trimmed.strip_prefix("unix:") {
            if path.is_empty() {
                return Err(invalid(
                    "unix: needs a socket path, as in unix:/run/organizr-auth.sock",
                ));
            }
            return Ok(Listen::Unix(PathBuf::from(path)));
        }
        if let Ok(addr) = trimmed.parse::<SocketAddr>() {
            return Ok(Listen::Tcp(addr));
        }
        // `localhost:PORT` is common enough to accept without DNS.
        if let Some(port) = trimmed.strip_prefix("localhost:") {
            let port = port
                .parse::<u16>()
                .map_err(|_| invalid("the port must be a number from 0 to 65535"))?;
            return Ok(Listen::Tcp(SocketAddr::new(
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                port,
            )));
        }
        if trimmed.starts_with(':') {
            return Err(invalid(
                "a host is required: write 127.0.0.1:PORT for this machine only, 0.0.0.0:PORT or [::]:PORT for every interface",
            ));
        }
        Err(invalid(EXPECTED))
    }

    /// Reads [`LISTEN_VAR`]; unset or empty means `default`.
    pub fn from_env(default: &str) -> Result<Self, ListenError> {
        match std::env::var(LISTEN_VAR) {
            Ok(value) if !value.trim().is_empty() => Self::parse(&value),
            Ok(_) | Err(std::env::VarError::NotPresent) => Self::parse(default),
            Err(std::env::VarError::NotUnicode(raw)) => Err(ListenError::Invalid {
                value: raw.to_string_lossy().into_owned(),
                reason: "not valid UTF-8",
            }),
        }
    }

    /// Binds the address, ready for tokio (`from_std`) or actix-web (`listen`,
    /// `listen_uds`): the socket is non-blocking.
    ///
    /// A TCP address on IPv6 is made dual-stack explicitly (IPV6_V6ONLY off),
    /// so `[::]:PORT` also accepts IPv4 whatever the host's default. A UNIX
    /// socket path left behind by a previous run is removed, but only if it is
    /// a socket and nothing answers on it.
    pub fn bind(&self) -> Result<Bound, ListenError> {
        let bind_error = |source| ListenError::Bind {
            listen: self.to_string(),
            source,
        };
        match self {
            Listen::Tcp(addr) => bind_tcp(*addr).map(Bound::Tcp).map_err(bind_error),
            Listen::Unix(path) => {
                remove_stale_socket(path).map_err(bind_error)?;
                let listener = std::os::unix::net::UnixListener::bind(path).map_err(bind_error)?;
                listener.set_nonblocking(true).map_err(bind_error)?;
                Ok(Bound::Unix(listener, SocketFile(path.clone())))
            }
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

/// A bound listener.
#[derive(Debug)]
pub enum Bound {
    /// A TCP listener.
    Tcp(std::net::TcpListener),
    /// A UNIX-domain listener; the [`SocketFile`] removes the path when dropped.
    Unix(std::os::unix::net::UnixListener, SocketFile),
}

impl Bound {
    /// The address actually bound, for the start-up log line (shows the port
    /// chosen for `:0`).
    pub fn describe(&self) -> String {
        match self {
            Bound::Tcp(listener) => match listener.local_addr() {
                Ok(addr) => addr.to_string(),
                Err(_) => "an unknown TCP address".to_owned(),
            },
            Bound::Unix(_, file) => format!("unix:{}", file.0.display()),
        }
    }
}

/// Removes a UNIX socket's path when the server stops, so that the next start
/// does not find a stale file.
#[derive(Debug)]
pub struct SocketFile(PathBuf);

impl SocketFile {
    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn bind_tcp(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() {
        // Dual-stack on purpose: `[::]:PORT` must also accept IPv4 clients,
        // which then appear as IPv4-mapped addresses (`::ffff:10.0.0.5`); core
        // canonicalises those before matching the trusted-proxy list.
        socket.set_only_v6(false)?;
    }
    // Restarting right after a stop must not fail on TIME_WAIT connections.
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

fn remove_stale_socket(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if !meta.file_type().is_socket() {
        // Never delete a file that is not a socket: the path is probably a typo.
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "the path exists and is not a socket",
        ));
    }
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            "another server is already listening on this socket",
        )),
        // Nothing answers: a leftover from a previous run.
        Err(_) => std::fs::remove_file(path),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_forms() {
        assert_eq!(
            Listen::parse("127.0.0.1:9090").unwrap(),
            Listen::Tcp("127.0.0.1:9090".parse().unwrap())
        );
        assert_eq!(
            Listen::parse("[::]:3000").unwrap(),
            Listen::Tcp("[::]:3000".parse().unwrap())
        );
        assert_eq!(
            Listen::parse("localhost:1").unwrap(),
            Listen::Tcp("127.0.0.1:1".parse().unwrap())
        );
        assert_eq!(
            Listen::parse("unix:/tmp/x.sock").unwrap(),
            Listen::Unix("/tmp/x.sock".into())
        );
    }

    #[test]
    fn refuses_other_forms_naming_the_variable() {
        for bad in [
            "proxy.lan:80",
            ":3000",
            "127.0.0.1",
            "127.0.0.1:99999",
            "unix:",
            "[::]",
            "localhost:x",
        ] {
            let err = Listen::parse(bad).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("ORGANIZR_LISTEN={bad:?} is invalid")),
                "{err}"
            );
        }
    }

    #[test]
    fn dual_stack_accepts_ipv4() {
        // Skipped where the kernel has no IPv6 at all.
        let Ok(Bound::Tcp(listener)) = Listen::parse("[::]:0").unwrap().bind() else {
            return;
        };
        let port = listener.local_addr().unwrap().port();
        std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    }

    #[test]
    fn unix_socket_is_replaced_only_when_stale() {
        let dir = std::env::temp_dir().join(format!("oa-listen-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.sock");
        let listen = Listen::Unix(path.clone());
        let first = listen.bind().unwrap();
        // Live: refused.
        assert!(listen.bind().is_err());
        // Stale (listener closed, file left): replaced.
        if let Bound::Unix(listener, file) = first {
            drop(listener);
            std::mem::forget(file);
        }
        let second = listen.bind().unwrap();
        drop(second);
        assert!(!path.exists(), "the socket file is removed on drop");
        // Not a socket: refused, and left alone.
        std::fs::write(&path, "x").unwrap();
        assert!(listen.bind().is_err());
        assert!(path.exists());
        std::fs::remove_dir_all(&dir).ok();
    }
}
