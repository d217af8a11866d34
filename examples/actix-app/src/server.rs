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
//! depend on DNS. A UNIX socket gets `ORGANIZR_LISTEN_MODE` (octal, default
//! `0660`) and `ORGANIZR_LISTEN_GROUP` (a name from /etc/group or a number;
//! the program must be a member) before it accepts a connection: connecting
//! needs write permission, and whoever connects is `@`, the trusted proxy.
//!
//! Logs go to stderr, as text or, with `ORGANIZR_LOG_FORMAT=json`, one JSON
//! object per line. `--help` lists every variable, from core's table.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use organizr_auth_core::Authenticator;
use organizr_auth_core::config::{ReadBy, VARIABLES};
use tracing_subscriber::EnvFilter;

/// Where to accept connections.
pub enum Listen {
    Tcp(SocketAddr),
    /// A UNIX socket, and the mode and group it gets.
    Unix(PathBuf, Access),
}

/// A UNIX socket's permission bits and group.
pub struct Access {
    mode: u32,
    gid: Option<u32>,
}

/// A listening socket, non-blocking, for `HttpServer::listen` / `listen_uds`.
pub enum Bound {
    Tcp(std::net::TcpListener),
    Unix(std::os::unix::net::UnixListener, PathBuf),
}

impl Listen {
    /// Reads `ORGANIZR_LISTEN` (unset or empty means `default`), and
    /// `ORGANIZR_LISTEN_MODE` and `ORGANIZR_LISTEN_GROUP` for a UNIX socket.
    pub fn from_env(default: &str) -> anyhow::Result<Self> {
        let access = Access::from_env()?;
        let value = var("ORGANIZR_LISTEN")?.unwrap_or_else(|| default.to_owned());
        let invalid =
            |reason: &str| anyhow::anyhow!("ORGANIZR_LISTEN={value:?} is invalid: {reason}");
        let trimmed = value.trim();
        if let Some(path) = trimmed.strip_prefix("unix:") {
            if path.is_empty() {
                return Err(invalid(
                    "unix: needs a socket path, as in unix:/run/actix-app/http.sock",
                ));
            }
            return Ok(Listen::Unix(path.into(), access));
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
    /// replaced, but only if it is a socket and nothing answers on it; the new
    /// socket gets its group and mode between `bind` and `listen`, so that no
    /// client connects while it has the umask's permissions.
    pub fn bind(&self) -> anyhow::Result<Bound> {
        use socket2::{Domain, SockAddr, Socket, Type};
        let cannot = || format!("ORGANIZR_LISTEN: cannot listen on {self}");
        match self {
            Listen::Tcp(addr) => bind_tcp(*addr).map(Bound::Tcp).with_context(cannot),
            Listen::Unix(path, access) => {
                remove_stale_socket(path).with_context(cannot)?;
                let socket = Socket::new(Domain::UNIX, Type::STREAM, None).with_context(cannot)?;
                socket
                    .bind(&SockAddr::unix(path).with_context(cannot)?)
                    .with_context(cannot)?;
                if let Err(e) = access.apply(path) {
                    let _ = std::fs::remove_file(path);
                    return Err(e);
                }
                socket.listen(1024).with_context(cannot)?;
                socket.set_nonblocking(true).with_context(cannot)?;
                Ok(Bound::Unix(socket.into(), path.clone()))
            }
        }
    }
}

impl Access {
    /// Reads `ORGANIZR_LISTEN_MODE` (octal, default 0660, at most 0777) and
    /// `ORGANIZR_LISTEN_GROUP`.
    fn from_env() -> anyhow::Result<Self> {
        let mode = match var("ORGANIZR_LISTEN_MODE")? {
            None => 0o660,
            Some(v) => match u32::from_str_radix(&v, 8) {
                Ok(mode)
                    if mode <= 0o777 && v.len() >= 3 && v.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    mode
                }
                _ => anyhow::bail!(
                    "ORGANIZR_LISTEN_MODE={v:?} is invalid: expected octal permissions such as 0660, at most 0777"
                ),
            },
        };
        let gid = match var("ORGANIZR_LISTEN_GROUP")? {
            None => None,
            Some(name) => Some(group_id(&name).with_context(|| {
                format!("ORGANIZR_LISTEN_GROUP={name:?} is invalid: no such group in /etc/group (give the number of a group from LDAP)")
            })?),
        };
        Ok(Self { mode, gid })
    }

    fn apply(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(gid) = self.gid {
            // `lchown`: never follow a link someone put at the path.
            std::os::unix::fs::lchown(path, None, Some(gid)).with_context(|| {
                format!("ORGANIZR_LISTEN_GROUP: cannot give the socket {} to group {gid}: the program must be a member of it", path.display())
            })?;
        }
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(self.mode)).with_context(
            || {
                format!(
                    "ORGANIZR_LISTEN_MODE: cannot set the socket {} to {:04o}",
                    path.display(),
                    self.mode
                )
            },
        )?;
        if self.mode & 0o002 != 0 {
            tracing::warn!(
                "ORGANIZR_LISTEN_MODE={:04o} lets every local user connect, and with @ in ORGANIZR_TRUSTED_PROXIES \
                 assert any Remote-User: use 0660 and ORGANIZR_LISTEN_GROUP",
                self.mode
            );
        }
        Ok(())
    }
}

/// A group number, or the number of the group `name` in /etc/group (read
/// directly, without the C library).
fn group_id(name: &str) -> Option<u32> {
    if let Ok(gid) = name.parse::<u32>() {
        // u32::MAX means "unchanged" to chown(2).
        return (gid != u32::MAX).then_some(gid);
    }
    let groups = std::fs::read_to_string("/etc/group").ok()?;
    groups.lines().find_map(|line| {
        let mut fields = line.split(':'); // name:password:gid:members
        if fields.next() != Some(name) {
            return None;
        }
        fields.nth(1)?.parse().ok()
    })
}

/// An environment variable, trimmed; unset or blank is `None`.
fn var(name: &str) -> anyhow::Result<Option<String>> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Ok(Some(v.trim().to_owned())),
        Err(std::env::VarError::NotUnicode(raw)) => {
            anyhow::bail!("{name}={raw:?} is invalid: not valid UTF-8")
        }
        _ => Ok(None),
    }
}

impl Listen {
    /// Removes the UNIX socket file once the server has stopped, so that the
    /// next start does not find a stale one; unless another instance has
    /// taken the path over since.
    pub fn remove_socket_file(&self) {
        if let Listen::Unix(path, _) = self {
            let _ = remove_stale_socket(path);
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
            Listen::Unix(path, _) => write!(f, "unix:{}", path.display()),
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
/// start-up warnings are seen), as text or as JSON (`ORGANIZR_LOG_FORMAT`).
pub fn init_tracing() -> anyhow::Result<()> {
    let json = match var("ORGANIZR_LOG_FORMAT")?.as_deref() {
        None | Some("text") => false,
        Some("json") => true,
        Some(other) => {
            anyhow::bail!("ORGANIZR_LOG_FORMAT={other:?} is invalid: expected text or json")
        }
    };
    let spec = std::env::var("RUST_LOG")
        .ok()
        .filter(|s| !s.trim().is_empty());
    let (filter, bad) = match spec.as_deref().map(EnvFilter::try_new) {
        Some(Ok(filter)) => (filter, None),
        Some(Err(e)) => (EnvFilter::new("info"), Some(e)),
        None => (EnvFilter::new("info"), None),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init()
    } else {
        builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init()
    };
    if let Some(e) = bad {
        tracing::warn!(RUST_LOG = spec.as_deref().unwrap_or_default(), error = %e, "ignoring an invalid RUST_LOG, logging at info");
    }
    Ok(())
}

/// The start-up block: what the app checks, with where the key comes from
/// (never the key).
pub fn log_settings(program: &str, auth: &Authenticator) {
    let set = |name| var(name).ok().flatten();
    let key = if let Some(path) = set("ORGANIZR_CONFIG_PHP") {
        format!("ORGANIZR_CONFIG_PHP={path}")
    } else if let Some(path) = set("ORGANIZR_HASH_FILE") {
        format!("ORGANIZR_HASH_FILE={path}")
    } else if set("ORGANIZR_HASH").is_some() {
        "ORGANIZR_HASH (set)".to_owned()
    } else {
        "none".to_owned()
    };
    let proxies = auth.trusted_proxies().to_string();
    tracing::info!(
        key,
        cookie = auth.cookie_name(),
        trusted_proxies = if proxies.is_empty() { "none" } else { &proxies },
        tokens = auth.accepts_tokens(),
        leeway_secs = auth.validator().map(|v| v.leeway().as_secs()),
        bearer = auth.accepts_bearer(),
        session_check = auth.checks_sessions(),
        login_url = set("ORGANIZR_LOGIN_URL").as_deref().unwrap_or("none"),
        "{program} settings"
    );
}

/// `--help`: what the program is, then every variable it reads with its
/// default, from core's table (so that it cannot drift).
pub fn usage(program: &str, about: &str) -> String {
    let mut text = format!(
        "usage: {program} [--help | --version]\n\n{about}\nEnvironment (empty counts as unset):\n"
    );
    for v in VARIABLES
        .iter()
        .filter(|v| matches!(v.read_by, ReadBy::Config | ReadBy::Programs))
    {
        text.push_str(&format!(
            "  {} (default: {})\n      {}\n",
            v.env, v.default, v.meaning
        ));
    }
    text + "  RUST_LOG (default: info)\n      the log filter, e.g. debug or organizr_auth_core=debug\n"
}
