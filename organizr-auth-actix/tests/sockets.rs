//! The peer over real sockets: `HttpServer` on 127.0.0.1, [::1], a dual-stack
//! [::] listener reached over IPv4, and a UNIX socket (with and without
//! `on_connect`), each with a list that trusts the client and one that does
//! not. The client is a hand-written HTTP/1.1 request carrying
//! `Remote-User: alice`.
//!
//! actix-web 4 (checked up to 4.18) calls `on_connect` callbacks for
//! `listen_uds` but not for `bind_uds`, and only for sockets bound after
//! `on_connect` was set. Both pitfalls are pinned here: they fail closed
//! (`Peer::Unknown`, 401).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io;
use std::net::{Ipv6Addr, SocketAddr, SocketAddrV6, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpServer, web};
use organizr_auth_actix::{OrganizrAuth, OrganizrUser, on_connect, peer_of};
use organizr_auth_core::{Authenticator, Config, Secret, TrustedProxies};
use organizr_auth_testkit as testkit;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};

const REQUEST: &[u8] =
    b"GET /whoami HTTP/1.1\r\nHost: localhost\r\nRemote-User: alice\r\nConnection: close\r\n\r\n";

enum Listen {
    Tcp(SocketAddr),
    Listener(TcpListener),
    /// `listen_uds` on a listener bound here.
    #[cfg(unix)]
    Unix(std::path::PathBuf),
    /// `bind_uds`, which never calls `on_connect`.
    #[cfg(unix)]
    BindUds(std::path::PathBuf),
}

#[derive(Clone, Copy, PartialEq)]
enum OnConnect {
    /// `.on_connect(on_connect)` before binding, as documented.
    Before,
    /// After binding: actix-web ignores it for that socket.
    After,
    Never,
}

struct Running {
    handle: ServerHandle,
    tcp: Option<SocketAddr>,
}

async fn whoami(req: HttpRequest, user: OrganizrUser) -> String {
    format!("{} {:?}", user.username, peer_of(&req))
}

fn start(listen: Listen, trusted: &str, on_connect_at: OnConnect) -> io::Result<Running> {
    let config = Config::new(Secret::new(testkit::SECRET).unwrap())
        .trusted_proxies(trusted.parse::<TrustedProxies>().unwrap());
    let auth = Arc::new(Authenticator::new(config));
    let server = HttpServer::new(move || {
        App::new()
            .wrap(OrganizrAuth::new(auth.clone()))
            .route("/whoami", web::get().to(whoami))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1);
    let server = if on_connect_at == OnConnect::Before {
        server.on_connect(on_connect)
    } else {
        server
    };
    let (server, tcp) = match listen {
        Listen::Tcp(addr) => {
            let server = server.bind(addr)?;
            let bound = server.addrs().first().copied();
            (server, bound)
        }
        Listen::Listener(listener) => {
            let bound = listener.local_addr()?;
            (server.listen(listener)?, Some(bound))
        }
        #[cfg(unix)]
        Listen::Unix(path) => (
            server.listen_uds(std::os::unix::net::UnixListener::bind(path)?)?,
            None,
        ),
        #[cfg(unix)]
        Listen::BindUds(path) => (server.bind_uds(path)?, None),
    };
    let server = if on_connect_at == OnConnect::After {
        server.on_connect(on_connect)
    } else {
        server
    };
    let server = server.run();
    let handle = server.handle();
    actix_rt::spawn(server);
    Ok(Running { handle, tcp })
}

/// Sends `REQUEST` and returns the status and the body.
async fn exchange(mut stream: impl AsyncRead + AsyncWrite + Unpin) -> (u16, String) {
    let talk = async {
        stream.write_all(REQUEST).await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        Ok::<_, io::Error>(response)
    };
    let response = tokio::time::timeout(Duration::from_secs(20), talk)
        .await
        .expect("the server answers in time")
        .expect("the exchange works");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

async fn over_tcp(server: &Running, connect_to: SocketAddr) -> (u16, String) {
    let port = server.tcp.expect("a TCP server").port();
    let target = SocketAddr::new(connect_to.ip(), port);
    exchange(tokio::net::TcpStream::connect(target).await.unwrap()).await
}

#[cfg(unix)]
async fn over_unix(path: &std::path::Path) -> (u16, String) {
    exchange(tokio::net::UnixStream::connect(path).await.unwrap()).await
}

fn assert_alice(what: &str, (status, body): &(u16, String), peer_contains: &str) {
    assert_eq!(*status, 200, "{what}: {body}");
    assert!(body.starts_with("alice "), "{what}: {body}");
    assert!(
        body.contains(peer_contains),
        "{what}: {body} (want {peer_contains})"
    );
}

fn assert_refused(what: &str, (status, body): &(u16, String)) {
    assert_eq!(*status, 401, "{what}: {body}");
    assert!(!body.contains("alice"), "{what}: {body}");
}

#[actix_rt::test]
async fn ipv4_loopback() {
    let any_v4: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let trusted = start(Listen::Tcp(any_v4), "127.0.0.1", OnConnect::Before).unwrap();
    let untrusted = start(Listen::Tcp(any_v4), "10.9.9.9, ::1, @", OnConnect::Before).unwrap();
    assert_alice(
        "v4 trusted",
        &over_tcp(&trusted, any_v4).await,
        "Tcp(127.0.0.1:",
    );
    assert_refused("v4 untrusted", &over_tcp(&untrusted, any_v4).await);
    trusted.handle.stop(true).await;
    untrusted.handle.stop(true).await;
}

#[actix_rt::test]
async fn ipv6_loopback() {
    let any_v6: SocketAddr = "[::1]:0".parse().unwrap();
    let trusted = match start(Listen::Tcp(any_v6), "::1", OnConnect::Before) {
        Ok(server) => server,
        Err(error) => {
            println!("note: skipping the IPv6 socket test, binding [::1] failed: {error}");
            return;
        }
    };
    let untrusted = start(Listen::Tcp(any_v6), "127.0.0.1, @", OnConnect::Before).unwrap();
    assert_alice(
        "v6 trusted",
        &over_tcp(&trusted, any_v6).await,
        "Tcp([::1]:",
    );
    assert_refused("v6 untrusted", &over_tcp(&untrusted, any_v6).await);
    trusted.handle.stop(true).await;
    untrusted.handle.stop(true).await;
}

/// A listener on [::] with IPV6_V6ONLY off, as many servers run: IPv4 clients
/// arrive as `::ffff:127.0.0.1` and must match the IPv4 entry.
fn dual_stack_listener() -> io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV6, Type::STREAM, None)?;
    socket.set_only_v6(false)?;
    socket.set_reuse_address(true)?;
    socket.bind(&SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, 0, 0, 0)).into())?;
    socket.listen(64)?;
    Ok(socket.into())
}

#[actix_rt::test]
async fn ipv4_client_on_a_dual_stack_listener() {
    let Ok(first) = dual_stack_listener() else {
        println!("note: skipping the dual-stack socket test, binding [::] failed");
        return;
    };
    let trusted = start(Listen::Listener(first), "127.0.0.1", OnConnect::Before).unwrap();
    let untrusted = start(
        Listen::Listener(dual_stack_listener().unwrap()),
        "10.9.9.9, ::1, @",
        OnConnect::Before,
    )
    .unwrap();
    let v4: SocketAddr = "127.0.0.1:0".parse().unwrap();
    assert_alice(
        "mapped trusted",
        &over_tcp(&trusted, v4).await,
        "Tcp([::ffff:127.0.0.1]:",
    );
    assert_refused("mapped untrusted", &over_tcp(&untrusted, v4).await);
    trusted.handle.stop(true).await;
    untrusted.handle.stop(true).await;
}

#[cfg(unix)]
struct TempSocket(std::path::PathBuf);

#[cfg(unix)]
impl TempSocket {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "organizr-auth-actix-{}-{}.sock",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        let _ = std::fs::remove_file(&path);
        Self(path)
    }
}

#[cfg(unix)]
impl Drop for TempSocket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(unix)]
#[actix_rt::test]
async fn unix_socket_with_on_connect() {
    let (trusted_path, untrusted_path) = (TempSocket::new(), TempSocket::new());
    let trusted = start(Listen::Unix(trusted_path.0.clone()), "@", OnConnect::Before).unwrap();
    let untrusted = start(
        Listen::Unix(untrusted_path.0.clone()),
        "127.0.0.1, ::1",
        OnConnect::Before,
    )
    .unwrap();
    assert_alice("unix trusted", &over_unix(&trusted_path.0).await, "Unix");
    assert_refused("unix untrusted", &over_unix(&untrusted_path.0).await);
    trusted.handle.stop(true).await;
    untrusted.handle.stop(true).await;
}

/// Without `on_connect`, a UNIX-socket request has no peer at all: Unknown,
/// which even `@` does not trust.
#[cfg(unix)]
#[actix_rt::test]
async fn unix_socket_without_on_connect_is_unknown() {
    let path = TempSocket::new();
    let server = start(
        Listen::Unix(path.0.clone()),
        "@, 127.0.0.1",
        OnConnect::Never,
    )
    .unwrap();
    assert_refused("unix without on_connect", &over_unix(&path.0).await);
    server.handle.stop(true).await;
}

/// actix-web ignores `on_connect` for sockets bound before it was set.
#[cfg(unix)]
#[actix_rt::test]
async fn unix_socket_with_on_connect_set_after_binding_is_unknown() {
    let path = TempSocket::new();
    let server = start(Listen::Unix(path.0.clone()), "@", OnConnect::After).unwrap();
    assert_refused(
        "unix with on_connect after listen_uds",
        &over_unix(&path.0).await,
    );
    server.handle.stop(true).await;
}

/// actix-web's `bind_uds` never calls `on_connect` (4.17, 4.18): its requests
/// stay Unknown. If this starts answering 200, actix-web has fixed it: update
/// the crate documentation, which tells users to use `listen_uds`.
#[cfg(unix)]
#[actix_rt::test]
async fn bind_uds_ignores_on_connect_and_fails_closed() {
    let path = TempSocket::new();
    let server = start(Listen::BindUds(path.0.clone()), "@", OnConnect::Before).unwrap();
    assert_refused("bind_uds with on_connect", &over_unix(&path.0).await);
    server.handle.stop(true).await;
}

/// TCP does not need `on_connect`: the address comes from `peer_addr` too.
#[actix_rt::test]
async fn tcp_without_on_connect() {
    let any_v4: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let server = start(Listen::Tcp(any_v4), "127.0.0.1", OnConnect::Never).unwrap();
    assert_alice(
        "v4 without on_connect",
        &over_tcp(&server, any_v4).await,
        "Tcp(127.0.0.1:",
    );
    server.handle.stop(true).await;
}
