//! Where a request came from, as the server's socket saw it.
//!
//! Trust in a proxy's identity header comes from the peer alone (see
//! [`organizr_auth_core::proxy`]). actix-web reports a TCP peer with
//! [`HttpRequest::peer_addr`], but a request on a UNIX-domain socket has no
//! peer address at all, exactly like a request built in a unit test or by a
//! custom server. To tell them apart, pass [`on_connect`] to
//! [`HttpServer::on_connect`]: it marks each connection with its [`Peer`], and
//! [`peer_of`] reads the mark.
//!
//! [`HttpServer::on_connect`]: actix_web::HttpServer::on_connect

use std::any::Any;

use actix_web::HttpRequest;
use actix_web::dev::Extensions;
use organizr_auth_core::Peer;

/// Marks each connection with its [`Peer`]: [`Peer::Unix`] for a UNIX-domain
/// socket, [`Peer::Tcp`] for a plain TCP connection. Pass it to
/// [`HttpServer::on_connect`], with two actix-web rules in mind:
///
/// - **call `.on_connect(on_connect)` before `.bind`, `.listen` or
///   `.listen_uds`**: actix-web only applies it to sockets added afterwards;
/// - **use [`HttpServer::listen_uds`], not [`HttpServer::bind_uds`]**:
///   actix-web 4 (up to 4.18 at least) never calls `on_connect` for sockets
///   added with `bind_uds`. Bind a [`std::os::unix::net::UnixListener`]
///   yourself and hand it over.
///
/// **Without the mark, requests that arrive on a UNIX socket are
/// [`Peer::Unknown`]**, which no trusted-proxy list trusts, not even one with
/// `@`: the proxy's `Remote-User` header is then removed and ignored (fail
/// closed). TCP requests do not need the mark; their address comes from
/// [`HttpRequest::peer_addr`] either way.
///
/// TLS connections (`actix-tls` streams) are left unmarked, which is fine: their
/// peer address is in [`HttpRequest::peer_addr`].
///
/// ```no_run
/// use std::os::unix::net::UnixListener;
/// use actix_web::{App, HttpServer};
/// use organizr_auth_actix::{OrganizrAuth, on_connect};
/// use organizr_auth_core::{Authenticator, Config};
///
/// #[actix_web::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     // ORGANIZR_TRUSTED_PROXIES=@ trusts the proxy on the other end of the socket.
///     let auth = std::sync::Arc::new(Authenticator::new(Config::from_env()?));
///     HttpServer::new(move || App::new().wrap(OrganizrAuth::new(auth.clone())))
///         .on_connect(on_connect) // first: it applies to the sockets added after it
///         .listen_uds(UnixListener::bind("/run/myapp/http.sock")?)? // not bind_uds
///         .run()
///         .await?;
///     Ok(())
/// }
/// ```
///
/// If you need an `on_connect` callback of your own, call this one from it:
///
/// ```
/// use std::any::Any;
/// use actix_web::dev::Extensions;
///
/// fn my_on_connect(connection: &dyn Any, data: &mut Extensions) {
///     organizr_auth_actix::on_connect(connection, data);
///     // ... your own connection data ...
/// }
/// # let _ = actix_web::HttpServer::new(|| actix_web::App::new()).on_connect(my_on_connect);
/// ```
///
/// [`HttpServer::on_connect`]: actix_web::HttpServer::on_connect
/// [`HttpServer::listen_uds`]: actix_web::HttpServer::listen_uds
/// [`HttpServer::bind_uds`]: actix_web::HttpServer::bind_uds
pub fn on_connect(connection: &dyn Any, data: &mut Extensions) {
    if let Some(peer) = connection_peer(connection) {
        data.insert(peer);
    }
}

fn connection_peer(connection: &dyn Any) -> Option<Peer> {
    #[cfg(unix)]
    if connection
        .downcast_ref::<actix_web::rt::net::UnixStream>()
        .is_some()
    {
        return Some(Peer::Unix);
    }
    let tcp = connection.downcast_ref::<actix_web::rt::net::TcpStream>()?;
    match tcp.peer_addr() {
        Ok(addr) => Some(Peer::Tcp(addr)),
        Err(error) => {
            // actix-web failed the same call, so `peer_addr()` is empty and the
            // request will be `Peer::Unknown`.
            tracing::debug!(%error, "organizr-auth-actix: no peer address for a TCP connection");
            None
        }
    }
}

/// The [`Peer`] a request came from, as the middleware decides it:
///
/// 1. a [`Peer`] in the request's extensions, inserted by server-side code that
///    runs before the middleware (an outer `wrap_fn` in tests, a custom
///    transport); clients cannot set extensions;
/// 2. else the [`Peer`] that [`on_connect`] stored in the connection data;
/// 3. else [`Peer::Tcp`] of [`HttpRequest::peer_addr`];
/// 4. else [`Peer::Unknown`] (trusted by nothing).
///
/// Never insert a [`Peer`] derived from request headers such as
/// `X-Forwarded-For`: whoever decides the peer decides whom `Remote-User` is
/// believed from.
///
/// ```
/// use actix_web::{HttpMessage, test::TestRequest};
/// use organizr_auth_actix::peer_of;
/// use organizr_auth_core::Peer;
///
/// let tcp = TestRequest::default().peer_addr("[::ffff:10.0.0.2]:4000".parse()?).to_http_request();
/// assert_eq!(peer_of(&tcp), Peer::Tcp("[::ffff:10.0.0.2]:4000".parse()?));
/// assert_eq!(peer_of(&tcp).ip(), Some("10.0.0.2".parse()?)); // core canonicalises
///
/// assert_eq!(peer_of(&TestRequest::default().to_http_request()), Peer::Unknown);
///
/// let unix = TestRequest::default().to_http_request();
/// unix.extensions_mut().insert(Peer::Unix);
/// assert_eq!(peer_of(&unix), Peer::Unix);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn peer_of(req: &HttpRequest) -> Peer {
    lookup_peer(req).unwrap_or(Peer::Unknown)
}

/// Steps 1 to 3 of [`peer_of`]: `None` when the request carries no peer at all.
pub(crate) fn lookup_peer(req: &HttpRequest) -> Option<Peer> {
    use actix_web::HttpMessage as _;

    if let Some(peer) = req.extensions().get::<Peer>() {
        return Some(*peer);
    }
    if let Some(peer) = req.conn_data::<Peer>() {
        return Some(*peer);
    }
    req.peer_addr().map(Peer::Tcp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_connection_types_are_left_unmarked() {
        let mut data = Extensions::new();
        on_connect(&42_u32, &mut data);
        assert!(data.get::<Peer>().is_none());
    }

    #[cfg(unix)]
    #[actix_rt::test]
    async fn unix_streams_are_marked_unix() -> std::io::Result<()> {
        let (a, _b) = actix_web::rt::net::UnixStream::pair()?;
        let mut data = Extensions::new();
        on_connect(&a, &mut data);
        assert_eq!(data.get::<Peer>(), Some(&Peer::Unix));
        Ok(())
    }

    #[actix_rt::test]
    async fn tcp_streams_are_marked_with_their_peer() -> std::io::Result<()> {
        let listener = actix_web::rt::net::TcpListener::bind("127.0.0.1:0").await?;
        let client = actix_web::rt::net::TcpStream::connect(listener.local_addr()?).await?;
        let (server, from) = listener.accept().await?;
        let mut data = Extensions::new();
        on_connect(&server, &mut data);
        assert_eq!(data.get::<Peer>(), Some(&Peer::Tcp(from)));
        drop(client);
        Ok(())
    }
}
