//! Real servers on real sockets: an axum app served with
//! `into_make_service_with_connect_info` on IPv4, IPv6, a dual-stack `[::]`
//! listener reached over IPv4, and a UNIX socket, each with a trusted-proxy
//! list that names the client and one that does not. The client sends
//! `Remote-User: alice` in a hand-written HTTP/1.1 request.
#![cfg(feature = "axum")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::routing::get;
use organizr_auth_core::{Authenticator, Config, TrustedProxies};
use organizr_auth_tower::{OrganizrAuth, OrganizrAuthentication, OrganizrUser};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const TIMEOUT: Duration = Duration::from_secs(20);

/// The app: requires a login, answers who it is and the TCP peer it saw.
fn app(trusted: &str) -> Router {
    let config = Config::new(organizr_auth_testkit::secret())
        .trusted_proxies(trusted.parse::<TrustedProxies>().expect("proxy list"));
    Router::new()
        .route(
            "/whoami",
            get(
                |OrganizrUser(me): OrganizrUser,
                 OrganizrAuthentication(auth): OrganizrAuthentication,
                 ext: http::Extensions| async move {
                    assert_eq!(auth.identity(), Some(&me));
                    let peer = ext
                        .get::<ConnectInfo<SocketAddr>>()
                        .map(|c| c.0.ip().to_string());
                    format!(
                        "{} via {} from {}",
                        me.username,
                        me.source,
                        peer.unwrap_or_else(|| "unix".to_owned())
                    )
                },
            ),
        )
        .layer(OrganizrAuth::new(Authenticator::new(config)))
}

fn serve_tcp(listener: TcpListener, trusted: &str) -> JoinHandle<()> {
    let service = app(trusted).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        axum::serve(listener, service).await.expect("server");
    })
}

/// Sends one request with `Remote-User: alice`; returns the status and body.
async fn send<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S) -> (u16, String) {
    let exchange = async {
        stream
            .write_all(b"GET /whoami HTTP/1.1\r\nHost: localhost\r\nRemote-User: alice\r\nConnection: close\r\n\r\n")
            .await
            .expect("write");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("read");
        raw
    };
    let raw = tokio::time::timeout(TIMEOUT, exchange)
        .await
        .expect("server answered in time");
    let text = String::from_utf8(raw).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("status line in {head:?}"));
    (status, body.to_owned())
}

async fn connect(addr: SocketAddr) -> std::io::Result<TcpStream> {
    tokio::time::timeout(TIMEOUT, TcpStream::connect(addr))
        .await
        .unwrap_or_else(|_| Err(std::io::Error::other("connect timed out")))
}

/// Serves on `bind`, connects to `connect_to` (same port), sends one request.
async fn tcp_exchange(
    listener: TcpListener,
    connect_ip: &str,
    trusted: &str,
) -> std::io::Result<(u16, String)> {
    let port = listener.local_addr()?.port();
    let server = serve_tcp(listener, trusted);
    let target: SocketAddr = format!("{connect_ip}:{port}").parse().expect("address");
    let result = match connect(target).await {
        Ok(stream) => Ok(send(stream).await),
        Err(e) => Err(e),
    };
    server.abort();
    result
}

#[tokio::test]
async fn ipv4_loopback() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (status, body) = tcp_exchange(listener, "127.0.0.1", "127.0.0.1")
        .await
        .unwrap();
    assert_eq!(
        (status, body.as_str()),
        (200, "alice via proxy from 127.0.0.1")
    );

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (status, body) = tcp_exchange(listener, "127.0.0.1", "10.0.0.2, ::1, @")
        .await
        .unwrap();
    assert_eq!(status, 401, "{body}");
    assert!(!body.contains("alice"));
}

#[tokio::test]
async fn ipv6_loopback() {
    let Ok(listener) = TcpListener::bind("[::1]:0").await else {
        println!("note: cannot bind [::1] on this machine; IPv6 loopback test skipped");
        return;
    };
    let (status, body) = tcp_exchange(listener, "[::1]", "::1").await.unwrap();
    assert_eq!((status, body.as_str()), (200, "alice via proxy from ::1"));

    let listener = TcpListener::bind("[::1]:0").await.unwrap();
    let (status, body) = tcp_exchange(listener, "[::1]", "127.0.0.1, fd00::2, @")
        .await
        .unwrap();
    assert_eq!(status, 401, "{body}");
}

#[tokio::test]
async fn dual_stack_listener_reached_over_ipv4() {
    let Ok(listener) = TcpListener::bind("[::]:0").await else {
        println!("note: cannot bind [::] on this machine; dual-stack test skipped");
        return;
    };
    let (status, body) = match tcp_exchange(listener, "127.0.0.1", "127.0.0.1").await {
        Ok(answer) => answer,
        Err(e) => {
            println!(
                "note: [::] does not accept IPv4 here (net.ipv6.bindv6only=1?): {e}; dual-stack test skipped"
            );
            return;
        }
    };
    // The peer arrives IPv4-mapped, and still matches the IPv4 entry.
    assert_eq!(
        (status, body.as_str()),
        (200, "alice via proxy from ::ffff:127.0.0.1")
    );

    let listener = TcpListener::bind("[::]:0").await.unwrap();
    let (status, body) = tcp_exchange(listener, "127.0.0.1", "::1, 10.0.0.2")
        .await
        .unwrap();
    assert_eq!(status, 401, "{body}");
}

#[tokio::test]
async fn served_without_connect_info_trusts_nobody() {
    // The classic mistake: `into_make_service()` drops the peer address.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = app("127.0.0.1").into_make_service();
    let server = tokio::spawn(async move { axum::serve(listener, service).await.expect("server") });
    let (status, _) = send(connect(addr).await.unwrap()).await;
    server.abort();
    assert_eq!(status, 401);
}

#[cfg(unix)]
mod unix {
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use organizr_auth_tower::UnixPeer;
    use tokio::net::{UnixListener, UnixStream};

    use super::{app, send};

    struct SocketPath(PathBuf);

    impl SocketPath {
        fn new() -> Self {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let name = format!(
                "organizr-auth-tower-{}-{}.sock",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::SeqCst)
            );
            let path = std::env::temp_dir().join(name);
            let _ = std::fs::remove_file(&path);
            Self(path)
        }
    }

    impl Drop for SocketPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    async fn unix_exchange(trusted: &str) -> (u16, String) {
        let path = SocketPath::new();
        let listener = UnixListener::bind(&path.0).unwrap();
        let service = app(trusted).into_make_service_with_connect_info::<UnixPeer>();
        let server =
            tokio::spawn(async move { axum::serve(listener, service).await.expect("server") });
        let answer = send(UnixStream::connect(&path.0).await.unwrap()).await;
        server.abort();
        answer
    }

    #[tokio::test]
    async fn unix_socket_trusted_with_at() {
        let (status, body) = unix_exchange("@").await;
        assert_eq!((status, body.as_str()), (200, "alice via proxy from unix"));
    }

    #[tokio::test]
    async fn unix_socket_untrusted_without_at() {
        let (status, body) = unix_exchange("127.0.0.1, ::1").await;
        assert_eq!(status, 401, "{body}");
    }
}
