//! `ORGANIZR_LISTEN`: where forward-auth accepts connections, who may connect
//! to its UNIX socket, and `forward-auth --healthcheck`, which connects there.
//!
//! Three forms (axum-app and actix-app accept the same):
//!
//! | value | meaning |
//! |---|---|
//! | `127.0.0.1:9090`, `[::1]:9090`, `localhost:9090` | one address (IP literal, or `localhost` for 127.0.0.1) |
//! | `0.0.0.0:9090` | every IPv4 address |
//! | `[::]:9090` | dual-stack: IPv6 and IPv4 (IPv4 clients arrive as `::ffff:a.b.c.d`, which core canonicalises) |
//! | `unix:/run/organizr-auth/forward-auth.sock` | a UNIX-domain socket (its peers are `@` in the trusted-proxy list) |
//!
//! Host names other than `localhost` are refused: resolving a name at start-up
//! would make the listen address depend on DNS.
//!
//! A UNIX socket gets the permissions `ORGANIZR_LISTEN_MODE` (octal, default
//! `0660`) and the group `ORGANIZR_LISTEN_GROUP` (default: the program's own),
//! [`SocketAccess`]. A path left by a previous run is replaced if it is a
//! socket nothing answers on; any other file there is an error. The path is
//! removed when the server stops.
//!
//! # Security
//! Connecting to a UNIX socket needs write permission on it, and a peer on it
//! is `@` in `ORGANIZR_TRUSTED_PROXIES`: whoever may connect may be believed.
//! Mode and group are therefore set after `bind` and **before** `listen`, so
//! that no client connects while the socket still has the umask's
//! permissions; give the socket to the proxy's group (`www-data`, `caddy`)
//! rather than making it world-writable (a warning says so for `0666`). The
//! socket's directory must not be writable by others: the path is chmod-ed by
//! name.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The environment variable read by [`Listen::from_env`].
pub const LISTEN_VAR: &str = "ORGANIZR_LISTEN";
/// The UNIX socket's permissions, read by [`SocketAccess::from_env`].
pub const MODE_VAR: &str = "ORGANIZR_LISTEN_MODE";
/// The UNIX socket's group, read by [`SocketAccess::from_env`].
pub const GROUP_VAR: &str = "ORGANIZR_LISTEN_GROUP";

/// Where group names are looked up.
const GROUP_FILE: &str = "/etc/group";

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

/// Why a listen setting is unusable. Each message names the variable and
/// quotes the value.
#[derive(Debug)]
#[non_exhaustive]
pub enum ListenError {
    /// A value has none of the accepted forms.
    Invalid {
        /// The variable: [`LISTEN_VAR`], [`MODE_VAR`] or [`GROUP_VAR`].
        variable: &'static str,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The address could not be bound.
    Bind {
        /// The address, as shown to the user.
        listen: String,
        /// What the operating system said.
        source: io::Error,
    },
    /// The socket's group or mode could not be set.
    Access {
        /// The variable whose setting failed: [`MODE_VAR`] or [`GROUP_VAR`].
        variable: &'static str,
        /// What was being done, as shown to the user.
        action: String,
        /// What the operating system said.
        source: io::Error,
    },
}

impl ListenError {
    fn invalid(variable: &'static str, value: &str, reason: impl Into<String>) -> Self {
        ListenError::Invalid {
            variable,
            value: value.to_owned(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ListenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenError::Invalid {
                variable,
                value,
                reason,
            } => write!(f, "{variable}={value:?} is invalid: {reason}"),
            ListenError::Bind { listen, .. } => {
                write!(f, "{LISTEN_VAR}: cannot listen on {listen}")
            }
            ListenError::Access {
                variable, action, ..
            } => write!(f, "{variable}: cannot {action}"),
        }
    }
}

impl std::error::Error for ListenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ListenError::Invalid { .. } => None,
            ListenError::Bind { source, .. } | ListenError::Access { source, .. } => Some(source),
        }
    }
}

const EXPECTED: &str = "expected HOST:PORT with an IP address (127.0.0.1:9090, 0.0.0.0:9090), [::]:PORT, or unix:/path/to.sock";

/// Reads `name`; unset or empty is `None`, a value that is not UTF-8 an error.
fn env_var(name: &'static str) -> Result<Option<String>, ListenError> {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => Ok(Some(value)),
        Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(raw)) => Err(ListenError::invalid(
            name,
            &raw.to_string_lossy(),
            "not valid UTF-8",
        )),
    }
}

impl Listen {
    /// Parses one of the forms in the [module documentation](self).
    pub fn parse(value: &str) -> Result<Self, ListenError> {
        let invalid = |reason: &str| ListenError::invalid(LISTEN_VAR, value, reason);
        let trimmed = value.trim();
        if let Some(path) = trimmed.strip_prefix("unix:") {
            if path.is_empty() {
                return Err(invalid(
                    "unix: needs a socket path, as in unix:/run/organizr-auth/forward-auth.sock",
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
        Self::parse(env_var(LISTEN_VAR)?.as_deref().unwrap_or(default))
    }

    /// Binds the address, ready for tokio (`from_std`) or actix-web (`listen`,
    /// `listen_uds`): the socket is non-blocking.
    ///
    /// A TCP address on IPv6 is made dual-stack explicitly (IPV6_V6ONLY off),
    /// so `[::]:PORT` also accepts IPv4 whatever the host's default. A UNIX
    /// socket path left behind by a previous run is removed, but only if it is
    /// a socket and nothing answers on it; the new socket gets `access` before
    /// it accepts its first connection. `access` is not used for TCP.
    pub fn bind(&self, access: &SocketAccess) -> Result<Bound, ListenError> {
        let bind_error = |source| ListenError::Bind {
            listen: self.to_string(),
            source,
        };
        match self {
            Listen::Tcp(addr) => bind_tcp(*addr).map(Bound::Tcp).map_err(bind_error),
            Listen::Unix(path) => {
                use socket2::{Domain, SockAddr, Socket, Type};
                remove_stale_socket(path).map_err(bind_error)?;
                let socket = Socket::new(Domain::UNIX, Type::STREAM, None).map_err(bind_error)?;
                socket
                    .bind(&SockAddr::unix(path).map_err(bind_error)?)
                    .map_err(bind_error)?;
                // From here the path is ours: dropping `file` on an error below
                // removes it again.
                let file = SocketFile(path.clone());
                access.apply(path)?;
                socket.listen(1024).map_err(bind_error)?;
                socket.set_nonblocking(true).map_err(bind_error)?;
                Ok(Bound::Unix(socket.into(), file))
            }
        }
    }

    /// `forward-auth --healthcheck`: asks `GET /healthz` of the server
    /// listening here and succeeds on a `200`. An unspecified address
    /// (`0.0.0.0`, `[::]`) is reached on 127.0.0.1. `timeout` bounds the
    /// connection and each read and write.
    ///
    /// ```
    /// use std::time::Duration;
    /// use forward_auth::listen::Listen;
    /// // Nothing listens on this path.
    /// let err = Listen::parse("unix:/nonexistent/forward-auth.sock")?
    ///     .healthcheck(Duration::from_secs(5))
    ///     .unwrap_err();
    /// assert!(format!("{err:#}").starts_with("cannot connect to unix:/nonexistent/forward-auth.sock: "));
    /// # Ok::<(), forward_auth::listen::ListenError>(())
    /// ```
    pub fn healthcheck(&self, timeout: Duration) -> anyhow::Result<()> {
        use anyhow::Context as _;
        let status = match self {
            Listen::Tcp(addr) => {
                let mut to = *addr;
                if to.ip().is_unspecified() {
                    // `[::]` is bound dual-stack, so IPv4 loopback reaches both.
                    to.set_ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
                }
                let stream = std::net::TcpStream::connect_timeout(&to, timeout)
                    .with_context(|| format!("cannot connect to {to}"))?;
                stream.set_read_timeout(Some(timeout))?;
                stream.set_write_timeout(Some(timeout))?;
                ask_healthz(stream)
            }
            Listen::Unix(path) => {
                let stream = std::os::unix::net::UnixStream::connect(path)
                    .with_context(|| format!("cannot connect to {self}"))?;
                stream.set_read_timeout(Some(timeout))?;
                stream.set_write_timeout(Some(timeout))?;
                ask_healthz(stream)
            }
        }
        .with_context(|| format!("no answer from {self}/healthz"))?;
        anyhow::ensure!(
            status.split(' ').nth(1) == Some("200") && status.starts_with("HTTP/1."),
            "{self}/healthz answered {status:?}, not 200"
        );
        Ok(())
    }
}

/// Sends `GET /healthz` and reads the answer's status line (at most 1 KiB).
fn ask_healthz(mut stream: impl io::Read + io::Write) -> io::Result<String> {
    stream.write_all(
        b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nUser-Agent: forward-auth-healthcheck\r\nConnection: close\r\n\r\n",
    )?;
    let mut head = Vec::new();
    let mut chunk = [0u8; 256];
    while !head.contains(&b'\n') && head.len() < 1024 {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        head.extend(chunk.iter().take(n));
    }
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    Ok(String::from_utf8_lossy(line).trim_end().to_owned())
}

impl fmt::Display for Listen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Listen::Tcp(addr) => write!(f, "{addr}"),
            Listen::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// Who may connect to a UNIX socket: its permission bits and its group
/// ([`MODE_VAR`], [`GROUP_VAR`]).
///
/// ```
/// use forward_auth::listen::SocketAccess;
/// let access = SocketAccess::from_vars(|name| (name == "ORGANIZR_LISTEN_MODE").then(|| "0640".to_owned()))?;
/// assert_eq!((access.mode, access.group), (0o640, None));
/// assert_eq!(SocketAccess::default().mode, 0o660);
/// let err = SocketAccess::from_vars(|_| Some("rw-rw----".to_owned())).unwrap_err();
/// assert!(err.to_string().starts_with("ORGANIZR_LISTEN_MODE=\"rw-rw----\" is invalid"));
/// # Ok::<(), forward_auth::listen::ListenError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketAccess {
    /// The permission bits, at most `0o777`.
    pub mode: u32,
    /// The group to give the socket to; `None` leaves the program's own.
    pub group: Option<SocketGroup>,
}

/// A group a socket is given to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketGroup {
    /// As configured: a name, or a number.
    pub name: String,
    /// The group's id.
    pub gid: u32,
}

impl Default for SocketAccess {
    /// `0660` and the program's own group.
    fn default() -> Self {
        Self {
            mode: 0o660,
            group: None,
        }
    }
}

impl SocketAccess {
    /// Reads [`MODE_VAR`] and [`GROUP_VAR`]; a group name is looked up in
    /// `/etc/group`.
    pub fn from_env() -> Result<Self, ListenError> {
        let mode = env_var(MODE_VAR)?;
        let group = env_var(GROUP_VAR)?;
        Self::from_vars(|name| match name {
            MODE_VAR => mode.clone(),
            GROUP_VAR => group.clone(),
            _ => None,
        })
    }

    /// [`SocketAccess::from_env`], reading variables through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ListenError> {
        let get = |name| var(name).filter(|v| !v.trim().is_empty());
        let mode = match get(MODE_VAR) {
            Some(value) => parse_mode(&value)?,
            None => Self::default().mode,
        };
        let group = match get(GROUP_VAR) {
            Some(value) => Some(lookup_group(value.trim(), Path::new(GROUP_FILE))?),
            None => None,
        };
        Ok(Self { mode, group })
    }

    /// Warnings about settings that work but are probably not meant: every
    /// local user may connect, or the group named may not.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.mode & 0o002 != 0 {
            warnings.push(format!(
                "{MODE_VAR}={:04o} lets every local user connect to the socket, and with @ in \
                 ORGANIZR_TRUSTED_PROXIES assert any Remote-User: give the socket to the proxy's group \
                 ({GROUP_VAR}) and use 0660",
                self.mode
            ));
        }
        if let Some(group) = &self.group
            && self.mode & 0o020 == 0
        {
            warnings.push(format!(
                "{MODE_VAR}={:04o} gives group {} no write permission: its members cannot connect",
                self.mode, group.name
            ));
        }
        warnings
    }

    /// Gives the socket at `path` its group, then its mode.
    fn apply(&self, path: &Path) -> Result<(), ListenError> {
        if let Some(group) = &self.group {
            // `lchown`: never follow a link someone put at the path.
            std::os::unix::fs::lchown(path, None, Some(group.gid)).map_err(|source| {
                ListenError::Access {
                    variable: GROUP_VAR,
                    action: format!(
                        "give the socket {} to group {} (gid {}): the program must be a member of it \
                         (systemd: SupplementaryGroups={})",
                        path.display(),
                        group.name,
                        group.gid,
                        group.name
                    ),
                    source,
                }
            })?;
        }
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(self.mode)).map_err(
            |source| ListenError::Access {
                variable: MODE_VAR,
                action: format!(
                    "set the socket {} to mode {:04o}",
                    path.display(),
                    self.mode
                ),
                source,
            },
        )
    }
}

/// An octal mode of 3 or 4 digits (`660`, `0660`), at most `0777`: a socket
/// has no use for setuid, setgid or sticky bits.
fn parse_mode(value: &str) -> Result<u32, ListenError> {
    let invalid = || {
        ListenError::invalid(
            MODE_VAR,
            value,
            "expected octal permissions such as 0660 (owner and group may connect), at most 0777",
        )
    };
    let digits = value.trim();
    if !(3..=4).contains(&digits.len()) || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return Err(invalid());
    }
    match u32::from_str_radix(digits, 8) {
        Ok(mode) if mode <= 0o777 => Ok(mode),
        _ => Err(invalid()),
    }
}

/// A group number, or a name looked up in `group_file` (`/etc/group`: read
/// directly, without the C library, so groups known only to LDAP or another
/// NSS source must be given by number).
fn lookup_group(value: &str, group_file: &Path) -> Result<SocketGroup, ListenError> {
    let found = |gid| {
        Ok(SocketGroup {
            name: value.to_owned(),
            gid,
        })
    };
    if value.bytes().all(|b| b.is_ascii_digit()) {
        // u32::MAX means "leave the group unchanged" to chown(2).
        return match value.parse::<u32>() {
            Ok(gid) if gid != u32::MAX => found(gid),
            _ => Err(ListenError::invalid(
                GROUP_VAR,
                value,
                "the group number is out of range",
            )),
        };
    }
    if value.contains([':', '\n']) || value.chars().any(char::is_whitespace) {
        return Err(ListenError::invalid(GROUP_VAR, value, "not a group name"));
    }
    let text = std::fs::read_to_string(group_file).map_err(|e| {
        ListenError::invalid(
            GROUP_VAR,
            value,
            format!("cannot read {}: {e}", group_file.display()),
        )
    })?;
    // name:password:gid:members
    for line in text.lines() {
        let mut fields = line.split(':');
        if fields.next() == Some(value) {
            return match fields.nth(1).map(str::parse::<u32>) {
                Some(Ok(gid)) => found(gid),
                _ => Err(ListenError::invalid(
                    GROUP_VAR,
                    value,
                    format!(
                        "its line in {} has no valid group number",
                        group_file.display()
                    ),
                )),
            };
        }
    }
    Err(ListenError::invalid(
        GROUP_VAR,
        value,
        format!(
            "no such group in {} (give the number of a group from LDAP or another directory)",
            group_file.display()
        ),
    ))
}

/// A bound listener.
#[derive(Debug)]
pub enum Bound {
    /// A TCP listener.
    Tcp(std::net::TcpListener),
    /// A UNIX-domain listener; the [`SocketFile`] removes the path when
    /// dropped (after the listener: fields drop in order).
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
/// does not find a stale file; but only while the path is a socket that
/// nothing answers on, as at start-up: a second instance may have taken the
/// path over since (comparing inodes would not tell, the number is reused).
/// Drop it after the listener.
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
        let _ = remove_stale_socket(&self.0);
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
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use std::io::{Read as _, Write as _};
    use std::os::unix::fs::MetadataExt as _;

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
        let Ok(Bound::Tcp(listener)) = Listen::parse("[::]:0")
            .unwrap()
            .bind(&SocketAccess::default())
        else {
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
        let first = listen.bind(&SocketAccess::default()).unwrap();
        // Live: refused.
        assert!(listen.bind(&SocketAccess::default()).is_err());
        // Stale (listener closed, file left): replaced.
        if let Bound::Unix(listener, file) = first {
            drop(listener);
            std::mem::forget(file);
        }
        let second = listen.bind(&SocketAccess::default()).unwrap();
        drop(second);
        assert!(!path.exists(), "the socket file is removed on drop");
        // Not a socket: refused, and left alone.
        std::fs::write(&path, "x").unwrap();
        assert!(listen.bind(&SocketAccess::default()).is_err());
        assert!(path.exists());
        std::fs::remove_dir_all(&dir).ok();
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("oa-listen-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn modes_are_octal_and_at_most_0777() {
        for (text, mode) in [
            ("0660", 0o660),
            ("660", 0o660),
            ("0600", 0o600),
            (" 0777 ", 0o777),
        ] {
            assert_eq!(parse_mode(text).unwrap(), mode, "{text:?}");
        }
        for bad in [
            "",
            "66",
            "06600",
            "0668",
            "4660",
            "1777",
            "rw-rw----",
            "0x1b0",
            "+660",
            "-660",
        ] {
            let err = parse_mode(bad).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("ORGANIZR_LISTEN_MODE={bad:?} is invalid")),
                "{err}"
            );
        }
    }

    #[test]
    fn groups_are_found_by_name_or_number() {
        let dir = temp_dir("group");
        let file = dir.join("group");
        std::fs::write(
            &file,
            "root:x:0:\nwww-data:x:33:\ncaddy:x:113:caddy\nbroken:x:nan:\n",
        )
        .unwrap();
        let gid = |name: &str| lookup_group(name, &file).map(|g| g.gid);
        assert_eq!(gid("caddy").unwrap(), 113);
        assert_eq!(gid("www-data").unwrap(), 33);
        assert_eq!(gid("4242").unwrap(), 4242);
        for (bad, why) in [
            ("cady", "no such group"),
            ("broken", "no valid group number"),
            ("www data", "not a group name"),
            ("x:0", "not a group name"),
            ("4294967295", "out of range"),
            ("99999999999", "out of range"),
        ] {
            let err = gid(bad).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("ORGANIZR_LISTEN_GROUP={bad:?} is invalid")),
                "{err}"
            );
            assert!(err.contains(why), "{err}");
        }
        let missing = lookup_group("caddy", &dir.join("nonexistent"))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("cannot read"), "{missing}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn warns_about_world_writable_sockets_and_groups_without_write() {
        let access = |mode, group: Option<&str>| SocketAccess {
            mode,
            group: group.map(|name| SocketGroup {
                name: name.to_owned(),
                gid: 33,
            }),
        };
        assert!(access(0o660, Some("www-data")).warnings().is_empty());
        assert!(SocketAccess::default().warnings().is_empty());
        assert!(access(0o666, None).warnings()[0].contains("every local user"));
        assert!(access(0o640, Some("www-data")).warnings()[0].contains("cannot connect"));
    }

    #[test]
    fn the_socket_gets_its_mode_and_group() {
        let dir = temp_dir("access");
        let path = dir.join("s.sock");
        // The process's own group: any user may give a file to it.
        let own_gid = std::fs::metadata(&dir).unwrap().gid();
        let access = SocketAccess {
            mode: 0o640,
            group: Some(SocketGroup {
                name: own_gid.to_string(),
                gid: own_gid,
            }),
        };
        let bound = Listen::Unix(path.clone()).bind(&access).unwrap();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        assert_eq!(meta.mode() & 0o7777, 0o640);
        assert_eq!(meta.gid(), own_gid);
        std::os::unix::net::UnixStream::connect(&path).unwrap();
        drop(bound);
        assert!(!path.exists());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_socket_replaced_by_another_instance_is_left_alone() {
        let dir = temp_dir("replaced");
        let path = dir.join("s.sock");
        let listen = Listen::Unix(path.clone());
        let Bound::Unix(first, file) = listen.bind(&SocketAccess::default()).unwrap() else {
            unreachable!("a unix: address binds a UNIX socket");
        };
        drop(first);
        // A second instance takes over the stale path.
        let second = listen.bind(&SocketAccess::default()).unwrap();
        drop(file);
        assert!(
            path.exists(),
            "the first instance removed the second's socket"
        );
        drop(second);
        assert!(!path.exists());
        std::fs::remove_dir_all(&dir).ok();
    }

    /// A one-connection HTTP server answering `status_line`, on a UNIX socket.
    fn answer_once(path: &Path, status_line: &'static str) -> std::thread::JoinHandle<String> {
        let listener = std::os::unix::net::UnixListener::bind(path).unwrap();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut byte = [0u8; 1];
            while !request.ends_with(b"\r\n\r\n") {
                stream.read_exact(&mut byte).unwrap();
                request.push(byte[0]);
            }
            stream
                .write_all(format!("{status_line}\r\ncontent-length: 3\r\n\r\nok\n").as_bytes())
                .unwrap();
            String::from_utf8(request).unwrap()
        })
    }

    #[test]
    fn healthcheck_wants_a_200_from_healthz() {
        let dir = temp_dir("health");
        let timeout = Duration::from_secs(30);
        let path = dir.join("ok.sock");
        let server = answer_once(&path, "HTTP/1.1 200 OK");
        Listen::Unix(path.clone()).healthcheck(timeout).unwrap();
        assert!(
            server
                .join()
                .unwrap()
                .starts_with("GET /healthz HTTP/1.1\r\n")
        );

        let path = dir.join("bad.sock");
        let server = answer_once(&path, "HTTP/1.1 503 Service Unavailable");
        let err = Listen::Unix(path.clone()).healthcheck(timeout).unwrap_err();
        assert!(
            format!("{err:#}").contains("answered \"HTTP/1.1 503 Service Unavailable\", not 200"),
            "{err:#}"
        );
        server.join().unwrap();

        // Nothing listening on TCP: refused, and the message says where.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = Listen::parse(&format!("0.0.0.0:{port}"))
            .unwrap()
            .healthcheck(timeout)
            .unwrap_err();
        assert!(
            format!("{err:#}").starts_with(&format!("cannot connect to 127.0.0.1:{port}: ")),
            "{err:#}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
