//! Where a request came from: finding the socket peer in request extensions.
//!
//! The layer never reads an address from a header. It asks a [`PeerLookup`]
//! for the [`Peer`] the server's socket saw, and the lookup only gets the
//! request's [`Extensions`], which a client cannot write.
//!
//! [`DefaultPeerLookup`] (what [`OrganizrAuth::new`] uses) finds, in this
//! order:
//!
//! 1. a core [`Peer`] inserted by the server (any server: plain hyper,
//!    a custom accept loop, a test);
//! 2. a [`UnixPeer`], or axum's `ConnectInfo<UnixPeer>` (with the `axum`
//!    feature): [`Peer::Unix`];
//! 3. with the `axum` feature, axum's `ConnectInfo<tokio::net::unix::SocketAddr>`
//!    (what `into_make_service_with_connect_info` gives on a tapped UNIX
//!    listener): [`Peer::Unix`];
//! 4. with the `axum` feature, axum's `ConnectInfo<std::net::SocketAddr>`, as
//!    an app served with
//!    `into_make_service_with_connect_info::<SocketAddr>()` gets:
//!    [`Peer::Tcp`].
//!
//! When none is there the request is treated as [`Peer::Unknown`], which no
//! trusted-proxy list trusts, and the layer logs one warning.
//!
//! [`OrganizrAuth::new`]: crate::OrganizrAuth::new

use http::Extensions;
use organizr_auth_core::Peer;

/// Finds the socket peer of a request from its extensions.
///
/// Implemented for [`DefaultPeerLookup`] and for every
/// `Fn(&Extensions) -> Option<Peer>`. Return `None` when the request carries no
/// peer information: the layer then uses [`Peer::Unknown`] and logs one
/// warning. Return `Some(Peer::Unknown)` to say "unknown, and that is
/// expected" without the warning.
///
/// The lookup sees extensions only, never headers: a peer address must come
/// from the accepted socket, not from anything the client sent.
///
/// ```
/// use http::Extensions;
/// use organizr_auth_tower::{PeerLookup, default_peer};
/// use organizr_auth_core::Peer;
///
/// /// Our server inserts its own connection type; fall back to the defaults.
/// #[derive(Clone)]
/// struct MyConn { remote: std::net::SocketAddr }
///
/// let lookup = |ext: &Extensions| {
///     ext.get::<MyConn>().map(|c| Peer::Tcp(c.remote)).or_else(|| default_peer(ext))
/// };
/// let mut ext = Extensions::new();
/// ext.insert(MyConn { remote: "10.0.0.2:4000".parse()? });
/// assert_eq!(lookup.peer(&ext), Some(Peer::Tcp("10.0.0.2:4000".parse()?)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait PeerLookup {
    /// The peer, or `None` when the request carries no peer information.
    fn peer(&self, extensions: &Extensions) -> Option<Peer>;
}

impl<F> PeerLookup for F
where
    F: Fn(&Extensions) -> Option<Peer>,
{
    fn peer(&self, extensions: &Extensions) -> Option<Peer> {
        self(extensions)
    }
}

/// The lookup [`OrganizrAuth::new`](crate::OrganizrAuth::new) uses:
/// [`default_peer`].
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct DefaultPeerLookup;

impl PeerLookup for DefaultPeerLookup {
    fn peer(&self, extensions: &Extensions) -> Option<Peer> {
        default_peer(extensions)
    }
}

/// The default peer lookup, in the order given in the
/// [module documentation](self). Use it as a fallback in your own lookup.
///
/// ```
/// use http::Extensions;
/// use organizr_auth_tower::{UnixPeer, default_peer};
/// use organizr_auth_core::Peer;
///
/// let mut ext = Extensions::new();
/// assert_eq!(default_peer(&ext), None);
/// ext.insert(UnixPeer::new());
/// assert_eq!(default_peer(&ext), Some(Peer::Unix));
/// ext.insert(Peer::Tcp("192.0.2.7:5000".parse()?));
/// assert_eq!(default_peer(&ext), Some(Peer::Tcp("192.0.2.7:5000".parse()?)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn default_peer(extensions: &Extensions) -> Option<Peer> {
    if let Some(peer) = extensions.get::<Peer>() {
        return Some(*peer);
    }
    if extensions.get::<UnixPeer>().is_some() {
        return Some(Peer::Unix);
    }
    #[cfg(feature = "axum")]
    {
        use axum::extract::ConnectInfo;
        if extensions.get::<ConnectInfo<UnixPeer>>().is_some() {
            return Some(Peer::Unix);
        }
        #[cfg(unix)]
        if extensions
            .get::<ConnectInfo<tokio::net::unix::SocketAddr>>()
            .is_some()
        {
            return Some(Peer::Unix);
        }
        if let Some(ConnectInfo(addr)) = extensions.get::<ConnectInfo<std::net::SocketAddr>>() {
            return Some(Peer::Tcp(*addr));
        }
    }
    None
}

/// Connection information for apps served on a UNIX-domain socket: the request
/// arrived on a UNIX socket, so it is [`Peer::Unix`] (trusted only by a
/// trusted-proxy list containing `@`).
///
/// With the `axum` feature it implements axum's `Connected` for
/// `tokio::net::UnixListener`, so an axum app serves with
/// `into_make_service_with_connect_info::<UnixPeer>()` and the layer finds it
/// with no further code (a listener wrapped with axum's `tap_io` gives
/// `ConnectInfo<tokio::net::unix::SocketAddr>` instead, which the default
/// lookup reads as well):
///
/// ```no_run
/// # #[cfg(all(unix, feature = "axum"))]
/// # async fn serve() -> Result<(), Box<dyn std::error::Error>> {
/// use axum::{Router, routing::get};
/// use organizr_auth_core::{Authenticator, Config};
/// use organizr_auth_tower::{OrganizrAuth, OrganizrUser, UnixPeer};
///
/// let config = Config::from_env()?; // e.g. ORGANIZR_TRUSTED_PROXIES="@"
/// let app = Router::new()
///     .route("/", get(|OrganizrUser(user): OrganizrUser| async move { user.username }))
///     .layer(OrganizrAuth::new(Authenticator::new(config)));
///
/// let listener = tokio::net::UnixListener::bind("/run/myapp/http.sock")?;
/// axum::serve(listener, app.into_make_service_with_connect_info::<UnixPeer>()).await?;
/// # Ok(())
/// # }
/// ```
///
/// Servers other than axum insert it (or a core [`Peer::Unix`]) into each
/// request's extensions themselves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct UnixPeer {
    _private: (),
}

impl UnixPeer {
    /// Marks a connection accepted on a UNIX-domain socket.
    pub const fn new() -> Self {
        Self { _private: () }
    }
}

/// [`Peer::Unix`].
impl From<UnixPeer> for Peer {
    fn from(_: UnixPeer) -> Self {
        Peer::Unix
    }
}

#[cfg(all(feature = "axum", unix))]
impl
    axum::extract::connect_info::Connected<
        axum::serve::IncomingStream<'_, tokio::net::UnixListener>,
    > for UnixPeer
{
    fn connect_info(_stream: axum::serve::IncomingStream<'_, tokio::net::UnixListener>) -> Self {
        Self::new()
    }
}
