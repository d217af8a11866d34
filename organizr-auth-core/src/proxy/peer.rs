//! The address a request arrived from, as seen by the server's socket.

use std::net::{IpAddr, SocketAddr};

/// Where a request came from, as the server's socket saw it (never from headers).
///
/// Build it from the accepted connection: [`Peer::Tcp`] from the TCP peer
/// address, [`Peer::Unix`] for a UNIX-domain socket, and [`Peer::Unknown`]
/// when the server cannot tell (which is never trusted).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use organizr_auth_core::proxy::Peer;
/// use std::net::{IpAddr, SocketAddr};
///
/// let addr: SocketAddr = "[::ffff:10.0.0.5]:443".parse()?;
/// let peer = Peer::from(addr);
/// assert_eq!(peer, Peer::Tcp(addr));
/// assert_eq!(peer.ip(), Some("10.0.0.5".parse()?));
/// assert_eq!(Peer::Unix.ip(), None);
///
/// let ip: IpAddr = "2001:db8::1".parse()?;
/// assert_eq!(Peer::from(ip), Peer::Tcp(SocketAddr::new(ip, 0)));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Peer {
    /// A TCP connection from this socket address (as reported by `accept`).
    Tcp(SocketAddr),
    /// A connection on a UNIX-domain socket; trusted only if the list contains `@`.
    Unix,
    /// The server could not tell where the request came from; never trusted.
    Unknown,
}

impl Peer {
    /// The peer's IP address, canonicalised with [`IpAddr::to_canonical`] so
    /// that an IPv4-mapped IPv6 address (`::ffff:10.0.0.5`, as a listener on
    /// `[::]` reports IPv4 clients) becomes plain IPv4; `None` for
    /// [`Peer::Unix`] and [`Peer::Unknown`].
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::proxy::Peer;
    /// use std::net::IpAddr;
    ///
    /// let mapped: IpAddr = "::ffff:192.0.2.1".parse()?;
    /// assert_eq!(Peer::from(mapped).ip(), Some("192.0.2.1".parse()?));
    /// assert_eq!(Peer::Unknown.ip(), None);
    /// # Ok(())
    /// # }
    /// ```
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Peer::Tcp(addr) => Some(addr.ip().to_canonical()),
            Peer::Unix | Peer::Unknown => None,
        }
    }
}

/// A TCP peer at this socket address.
impl From<SocketAddr> for Peer {
    fn from(addr: SocketAddr) -> Self {
        Peer::Tcp(addr)
    }
}

/// A TCP peer at this IP address, with port 0.
impl From<IpAddr> for Peer {
    fn from(ip: IpAddr) -> Self {
        Peer::Tcp(SocketAddr::new(ip, 0))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ip_is_canonical_for_tcp_and_none_otherwise() {
        let tcp = |s: &str| Peer::from(s.parse::<SocketAddr>().unwrap());
        assert_eq!(tcp("10.0.0.5:80").ip(), "10.0.0.5".parse().ok());
        assert_eq!(tcp("[::ffff:10.0.0.5]:80").ip(), "10.0.0.5".parse().ok());
        assert_eq!(tcp("[::1]:80").ip(), "::1".parse().ok());
        assert_eq!(Peer::from(IpAddr::from([127, 0, 0, 1])), tcp("127.0.0.1:0"));
        assert_eq!((Peer::Unix.ip(), Peer::Unknown.ip()), (None, None));
    }
}
