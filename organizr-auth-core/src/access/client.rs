//! The client address an IP list is checked against.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use crate::HeaderAccess;
use crate::proxy::{Entries, Peer, TrustedProxies};

/// At most this many header entries are examined, from the right; beyond, the
/// client is unknown. A real chain of proxies is a handful of hops.
const MAX_ENTRIES: usize = 64;
/// At most this many lines of the header; more make the client unknown.
const MAX_LINES: usize = 16;

/// The client address for IP allow and deny lists, or [`ClientAddress::Unknown`]
/// when it cannot be told. An unknown client matches no allow-list entry and
/// every deny-list entry.
///
/// `Display` prints the canonical address (`192.0.2.7`, `2001:db8::1`) or
/// `unknown`: for logs, and for forward-auth's `user_ip`.
///
/// ```
/// use organizr_auth_core::access::ClientAddress;
/// use std::net::IpAddr;
///
/// let client = ClientAddress::from("::ffff:192.0.2.7".parse::<IpAddr>()?);
/// assert_eq!(client, ClientAddress::Ip("192.0.2.7".parse()?));
/// assert_eq!(client.to_string(), "192.0.2.7");
/// assert_eq!(client.ip(), Some("192.0.2.7".parse()?));
/// assert_eq!(ClientAddress::Unknown.to_string(), "unknown");
/// assert_eq!(ClientAddress::Unknown.ip(), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientAddress {
    /// A canonical address (IPv4-mapped IPv6 is stored as IPv4). Build it with
    /// `From<IpAddr>`, which canonicalises.
    Ip(IpAddr),
    /// No usable address: see [`RealIp::client`].
    Unknown,
}

impl ClientAddress {
    /// The address, if known.
    ///
    /// ```
    /// use organizr_auth_core::access::ClientAddress;
    /// use std::net::IpAddr;
    ///
    /// let ip: IpAddr = "2001:db8::1".parse()?;
    /// assert_eq!(ClientAddress::from(ip).ip(), Some(ip));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            ClientAddress::Ip(ip) => Some(*ip),
            ClientAddress::Unknown => None,
        }
    }
}

/// The canonical form of `ip` (`::ffff:a.b.c.d` becomes `a.b.c.d`).
impl From<IpAddr> for ClientAddress {
    fn from(ip: IpAddr) -> Self {
        ClientAddress::Ip(ip.to_canonical())
    }
}

/// The address, or `unknown`.
impl fmt::Display for ClientAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientAddress::Ip(ip) => ip.fmt(f),
            ClientAddress::Unknown => f.write_str("unknown"),
        }
    }
}

/// The header a trusted proxy reports the client address in
/// (`ORGANIZR_REAL_IP_HEADER`, nginx's `real_ip_header`).
///
/// Parsed ASCII case-insensitively from `X-Forwarded-For`, `X-Real-IP` or
/// `Forwarded`; `Display` prints those spellings.
///
/// ```
/// use organizr_auth_core::access::RealIpHeader;
///
/// assert_eq!("x-real-ip".parse::<RealIpHeader>()?, RealIpHeader::XRealIp);
/// assert_eq!(RealIpHeader::default(), RealIpHeader::XForwardedFor);
/// assert_eq!(RealIpHeader::Forwarded.to_string(), "Forwarded");
/// assert!("Client-IP".parse::<RealIpHeader>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RealIpHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2`: each proxy appends the
    /// address it received the request from.
    #[default]
    XForwardedFor,
    /// `X-Real-IP: client`: one address, set (replaced) by the proxy.
    XRealIp,
    /// RFC 7239 `Forwarded: for=client;proto=https, for=proxy1`: the `for=`
    /// of each element (quoted, with a port, `[IPv6]`); `unknown` and
    /// `_obfuscated` nodes are not addresses.
    Forwarded,
}

/// A real-IP header setting that is none of the three.
///
/// ```
/// use organizr_auth_core::access::{RealIpHeader, RealIpHeaderError};
///
/// let err = "Client-IP".parse::<RealIpHeader>().err().ok_or("accepted")?;
/// assert_eq!(err, RealIpHeaderError::Unknown { value: "Client-IP".into() });
/// assert_eq!(
///     err.to_string(),
///     r#"unknown real-ip header "Client-IP": expected X-Forwarded-For, X-Real-IP or Forwarded"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RealIpHeaderError {
    /// Not `X-Forwarded-For`, `X-Real-IP` nor `Forwarded`.
    #[error("unknown real-ip header {value:?}: expected X-Forwarded-For, X-Real-IP or Forwarded")]
    Unknown {
        /// The setting as given.
        value: String,
    },
}

impl RealIpHeader {
    /// The header name, lower-case, as header maps store it.
    ///
    /// ```
    /// use organizr_auth_core::access::RealIpHeader;
    ///
    /// assert_eq!(RealIpHeader::XForwardedFor.name(), "x-forwarded-for");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            RealIpHeader::XForwardedFor => "x-forwarded-for",
            RealIpHeader::XRealIp => "x-real-ip",
            RealIpHeader::Forwarded => "forwarded",
        }
    }
}

/// ASCII case-insensitive `X-Forwarded-For`, `X-Real-IP` or `Forwarded`
/// (surrounding spaces trimmed).
impl FromStr for RealIpHeader {
    type Err = RealIpHeaderError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        [
            RealIpHeader::XForwardedFor,
            RealIpHeader::XRealIp,
            RealIpHeader::Forwarded,
        ]
        .into_iter()
        .find(|h| h.name().eq_ignore_ascii_case(t))
        .ok_or_else(|| RealIpHeaderError::Unknown {
            value: s.to_owned(),
        })
    }
}

/// `X-Forwarded-For`, `X-Real-IP` or `Forwarded`.
impl fmt::Display for RealIpHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RealIpHeader::XForwardedFor => "X-Forwarded-For",
            RealIpHeader::XRealIp => "X-Real-IP",
            RealIpHeader::Forwarded => "Forwarded",
        })
    }
}

/// Where the client address comes from, as nginx's `set_real_ip_from`,
/// `real_ip_header` and `real_ip_recursive on` decide it.
///
/// The client is the socket peer, unless the peer is in `from`: then it is the
/// rightmost address in `header` (all lines joined in order) that is not
/// itself in `from`. See [`RealIp::client`].
///
/// `from` is deliberately its own list, not the trusted-proxy list that may
/// assert `Remote-User`: a proxy trusted to report client addresses need not
/// be trusted with identities (see the [module docs](super)).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use organizr_auth_core::access::{ClientAddress, RealIp, RealIpHeader};
/// use organizr_auth_core::proxy::{Peer, TrustedProxies};
/// use http::HeaderMap;
/// use std::net::IpAddr;
///
/// let real_ip = RealIp::new("172.18.0.0/16".parse()?, RealIpHeader::XForwardedFor);
/// let mut headers = HeaderMap::new();
/// // The client wrote 10.0.0.1; the proxy appended the address it saw.
/// headers.insert("x-forwarded-for", "10.0.0.1, 203.0.113.7".parse()?);
///
/// let proxy = Peer::from("172.18.0.2".parse::<IpAddr>()?);
/// assert_eq!(real_ip.client(&proxy, &headers), ClientAddress::Ip("203.0.113.7".parse()?));
///
/// let direct = Peer::from("198.51.100.1".parse::<IpAddr>()?);
/// assert_eq!(real_ip.client(&direct, &headers), ClientAddress::Ip("198.51.100.1".parse()?));
///
/// // The default trusts no proxy: always the peer.
/// assert_eq!(RealIp::default().client(&proxy, &headers).to_string(), "172.18.0.2");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RealIp {
    from: TrustedProxies,
    header: RealIpHeader,
}

impl RealIp {
    /// Reads `header` from peers in `from` (`@` in `from` trusts UNIX-socket
    /// peers).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::access::{RealIp, RealIpHeader};
    ///
    /// let real_ip = RealIp::new("127.0.0.1, @".parse()?, "X-Real-IP".parse()?);
    /// assert_eq!(real_ip.header(), RealIpHeader::XRealIp);
    /// assert!(real_ip.from().trusts_unix_sockets());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(from: TrustedProxies, header: RealIpHeader) -> Self {
        Self { from, header }
    }

    /// Logs, with `tracing::warn!`, each entry of [`from`](Self::from) that
    /// lets others claim any client address: a loopback address (any local
    /// process), a container-bridge range (any container on that network), a
    /// range broader than /8 or /32 (every host in it). Such a peer can send an
    /// allow-listed address and pass without logging in, or dodge a deny list.
    /// Call it once, where the lists start deciding:
    /// [`AccessPolicy::with_real_ip`](crate::access::AccessPolicy::with_real_ip)
    /// does, and forward-auth at start-up.
    ///
    /// ```
    /// use organizr_auth_core::access::{RealIp, RealIpHeader};
    /// // One warning: 127.0.0.1 is loopback.
    /// RealIp::new("127.0.0.1".parse()?, RealIpHeader::XForwardedFor).warn_about_risks();
    /// # Ok::<(), organizr_auth_core::ProxyListError>(())
    /// ```
    pub fn warn_about_risks(&self) {
        for crate::proxy::RiskyEntry { network, risk } in self.from.risks() {
            tracing::warn!(
                entry = %network,
                risk = ?risk,
                "real-IP list contains {network}: {} can claim any client address, pass an allow list without logging in and dodge a deny list; list only the proxy that sets the header (see SECURITY.md)",
                risk.who()
            );
        }
    }

    /// The peers whose header is read.
    ///
    /// ```
    /// use organizr_auth_core::access::RealIp;
    ///
    /// assert!(RealIp::default().from().is_empty());
    /// ```
    pub fn from(&self) -> &TrustedProxies {
        &self.from
    }

    /// The header read from them.
    ///
    /// ```
    /// use organizr_auth_core::access::{RealIp, RealIpHeader};
    ///
    /// assert_eq!(RealIp::default().header(), RealIpHeader::XForwardedFor);
    /// ```
    pub fn header(&self) -> RealIpHeader {
        self.header
    }

    /// The client address of a request from `peer` with `headers`.
    ///
    /// - A peer not in `from`: its own (canonical) address; headers are not
    ///   read. A UNIX-socket peer without `@` in `from`, or a
    ///   [`Peer::Unknown`]: [`ClientAddress::Unknown`].
    /// - A peer in `from`: the header's entries (every line, in order, split
    ///   at `,`) are examined from the right, and the first address not in
    ///   `from` is the client; if every entry is in `from`, the leftmost
    ///   (nginx does the same). Entries to the left of the answer are never
    ///   looked at, so what a client writes there does not matter.
    /// - [`ClientAddress::Unknown`] when a peer in `from` gives no usable
    ///   address: no header line, an entry reached that is not an address
    ///   (empty, garbage, `unknown`, `_obfuscated`, non-ASCII, a `Forwarded`
    ///   element without exactly one `for=`, an entry longer than 64 bytes
    ///   or an element longer than 512), more than 64 entries to examine or
    ///   more than 16 lines. Never the peer's own address in this case: it
    ///   is a proxy, and may well be on an allow list.
    ///
    /// Entries may carry a port (`192.0.2.1:5678`, `[2001:db8::1]:80`).
    /// Linear in the bytes examined; no allocation.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::access::{ClientAddress, RealIp, RealIpHeader};
    /// use organizr_auth_core::proxy::Peer;
    /// use http::HeaderMap;
    ///
    /// let real_ip = RealIp::new("10.0.0.0/8, @".parse()?, RealIpHeader::Forwarded);
    /// let mut headers = HeaderMap::new();
    /// headers.append("forwarded", r#"for="[2001:db8::17]:4711";proto=https, for=10.0.0.3"#.parse()?);
    /// assert_eq!(real_ip.client(&Peer::Unix, &headers), ClientAddress::Ip("2001:db8::17".parse()?));
    ///
    /// headers.insert("forwarded", "for=unknown".parse()?);
    /// assert_eq!(real_ip.client(&Peer::Unix, &headers), ClientAddress::Unknown);
    /// assert_eq!(real_ip.client(&Peer::Unix, &HeaderMap::new()), ClientAddress::Unknown);
    /// # Ok(())
    /// # }
    /// ```
    pub fn client(&self, peer: &Peer, headers: &impl HeaderAccess) -> ClientAddress {
        if !self.from.trusts(peer) {
            return peer.ip().map_or(ClientAddress::Unknown, ClientAddress::Ip);
        }
        // The lines, to walk them from the last; a fixed array, no allocation.
        let mut lines: [&[u8]; MAX_LINES] = [&[]; MAX_LINES];
        let mut count = 0;
        for value in headers.header_values(self.header.name()) {
            let Some(slot) = lines.get_mut(count) else {
                return ClientAddress::Unknown;
            };
            *slot = value;
            count += 1;
        }
        let kind = match self.header {
            RealIpHeader::XForwardedFor | RealIpHeader::XRealIp => Entries::Xff,
            RealIpHeader::Forwarded => Entries::Forwarded,
        };
        let mut examined = 0;
        let mut leftmost = None;
        for line in lines.get(..count).unwrap_or_default().iter().rev() {
            for entry in kind.split_from_right(line) {
                examined += 1;
                if examined > MAX_ENTRIES {
                    return ClientAddress::Unknown;
                }
                let Some(ip) = entry.and_then(|entry| kind.parse(entry)) else {
                    return ClientAddress::Unknown;
                };
                let ip = ip.to_canonical();
                if !self.from.trusts_ip(ip) {
                    return ClientAddress::Ip(ip);
                }
                leftmost = Some(ip);
            }
        }
        leftmost.map_or(ClientAddress::Unknown, ClientAddress::Ip)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use http::{HeaderMap, HeaderValue};
    use proptest::prelude::*;

    fn peer(s: &str) -> Peer {
        match s {
            "unix" => Peer::Unix,
            "unknown" => Peer::Unknown,
            ip => Peer::from(ip.parse::<IpAddr>().unwrap()),
        }
    }

    /// `lines` are values of `header`, separated by `|`.
    fn client(header: RealIpHeader, from: &str, p: &str, lines: &[u8]) -> ClientAddress {
        let mut map = HeaderMap::new();
        for line in lines.split(|&b| b == b'|').filter(|l| !l.is_empty()) {
            let line = if line == b"<empty>" { &b""[..] } else { line };
            map.append(header.name(), HeaderValue::from_bytes(line).unwrap());
        }
        // Other headers a client may send are never read.
        for other in ["client-ip", "x-forwarded-for", "x-real-ip", "forwarded"] {
            if other != header.name() {
                map.append(other, HeaderValue::from_static("198.51.100.66"));
            }
        }
        RealIp::new(from.parse().unwrap(), header).client(&peer(p), &map)
    }

    fn want(s: &str) -> ClientAddress {
        match s {
            "?" => ClientAddress::Unknown,
            ip => ClientAddress::Ip(ip.parse().unwrap()),
        }
    }

    const FROM: &str = "10.0.0.0/8, 2001:db8:1::/48, @";

    #[test]
    fn x_forwarded_for() {
        let p = "10.0.0.1";
        let cases: &[(&str, &[u8], &str)] = &[
            // Untrusted peers: headers ignored, the peer's canonical address.
            ("198.51.100.1", b"203.0.113.9", "198.51.100.1"),
            ("::ffff:198.51.100.1", b"203.0.113.9", "198.51.100.1"),
            ("2001:db8:2::1", b"203.0.113.9", "2001:db8:2::1"),
            ("unknown", b"203.0.113.9", "?"),
            // A trusted peer that sends nothing usable: unknown, not the peer.
            (p, b"", "?"),
            (p, b"<empty>", "?"),
            (p, b"unknown", "?"),
            (p, b"garbage", "?"),
            (p, b" , ", "?"),
            (p, b"203.0.113.9, ", "?"),
            (p, b"203.0.113.9,,10.0.0.2", "?"),
            (p, b"203.0.113.9, \xff", "?"),
            (p, b"203.0.113.9:99999", "?"),
            (p, b"fe80::1%eth0", "?"),
            (p, b"_hidden", "?"),
            // Spoofed entries on the left are never read.
            (p, b"6.6.6.6, 203.0.113.9", "203.0.113.9"),
            (p, b"garbage, 203.0.113.9", "203.0.113.9"),
            (p, b"10.0.0.99, 203.0.113.9", "203.0.113.9"),
            (p, b"\xff, 203.0.113.9", "203.0.113.9"),
            (
                p,
                b"1.1.1.1, 203.0.113.9, 10.9.9.9 ,\t10.0.0.3",
                "203.0.113.9",
            ),
            // Every entry trusted: the leftmost.
            (p, b"10.0.0.7, 10.0.0.8", "10.0.0.7"),
            (p, b"10.0.0.7", "10.0.0.7"),
            // Ports, brackets, mapped addresses.
            (p, b"[2001:db8::5]:80, 10.0.0.2:8080", "2001:db8::5"),
            (p, b"[2001:db8::5]", "2001:db8::5"),
            (p, b"203.0.113.9:5678", "203.0.113.9"),
            (p, b"::ffff:203.0.113.9, ::ffff:10.0.0.2", "203.0.113.9"),
            ("::ffff:10.0.0.1", b"203.0.113.9", "203.0.113.9"),
            (
                "2001:db8:1::1",
                b"2001:db8::9, 2001:db8:1::2",
                "2001:db8::9",
            ),
            // Lines are joined in order: the last line is the rightmost.
            (p, b"6.6.6.6, 203.0.113.9|10.0.0.2", "203.0.113.9"),
            (p, b"203.0.113.9|192.0.2.4", "192.0.2.4"),
            (p, b"10.0.0.5|10.0.0.6", "10.0.0.5"),
            (p, b"garbage|10.0.0.6", "?"),
            (p, b"203.0.113.9|<empty>", "?"),
            // UNIX-socket peers: trusted only with `@`.
            ("unix", b"203.0.113.9", "203.0.113.9"),
            ("unix", b"", "?"),
        ];
        for (p, lines, w) in cases {
            let shown = String::from_utf8_lossy(lines);
            let got = client(RealIpHeader::XForwardedFor, FROM, p, lines);
            assert_eq!(got, want(w), "peer {p}, X-Forwarded-For {shown}");
        }
        let no_unix = client(
            RealIpHeader::XForwardedFor,
            "10.0.0.0/8",
            "unix",
            b"203.0.113.9",
        );
        assert_eq!(no_unix, ClientAddress::Unknown);
        let none = client(RealIpHeader::XForwardedFor, "", "10.0.0.1", b"203.0.113.9");
        assert_eq!(none, want("10.0.0.1"));
    }

    #[test]
    fn x_real_ip() {
        let p = "10.0.0.1";
        let cases: &[(&str, &[u8], &str)] = &[
            (p, b"203.0.113.9", "203.0.113.9"),
            (p, b" 203.0.113.9 ", "203.0.113.9"),
            (p, b"[2001:db8::5]:443", "2001:db8::5"),
            (p, b"", "?"),
            (p, b"unknown", "?"),
            (p, b"10.0.0.4", "10.0.0.4"),
            ("192.0.2.1", b"203.0.113.9", "192.0.2.1"),
            // A proxy that appends a line rather than replacing the client's.
            (p, b"6.6.6.6|203.0.113.9", "203.0.113.9"),
            (p, b"6.6.6.6, 203.0.113.9", "203.0.113.9"),
        ];
        for (p, lines, w) in cases {
            let shown = String::from_utf8_lossy(lines);
            let got = client(RealIpHeader::XRealIp, FROM, p, lines);
            assert_eq!(got, want(w), "peer {p}, X-Real-IP {shown}");
        }
    }

    #[test]
    fn forwarded() {
        let p = "10.0.0.1";
        let cases: &[(&str, &[u8], &str)] = &[
            (p, b"for=192.0.2.60;proto=http;by=10.0.0.1", "192.0.2.60"),
            (p, b"for=\"[2001:db8:cafe::17]:4711\"", "2001:db8:cafe::17"),
            (p, b"For=\"192.0.2.60:8080\"", "192.0.2.60"),
            (
                p,
                b"for=1.1.1.1, for=192.0.2.43|for=10.0.0.5;proto=https",
                "192.0.2.43",
            ),
            (p, b"for=garbage, for=192.0.2.43", "192.0.2.43"),
            (p, b"for=192.0.2.43, for=unknown", "?"),
            (p, b"for=192.0.2.43, for=_hidden", "?"),
            (p, b"for=\"192.0.2.43:_p1\"", "192.0.2.43"),
            (p, b"for=192.0.2.43, proto=https", "?"),
            (p, b"for=192.0.2.43;for=10.0.0.2", "?"),
            (p, b"for=192.0.2.43;ext=\"a,b\"", "?"),
            (p, b"for=\"192.0.2.43", "?"),
            (p, b"for=10.0.0.7", "10.0.0.7"),
            (p, b"", "?"),
            ("192.0.2.1", b"for=203.0.113.9", "192.0.2.1"),
        ];
        for (p, lines, w) in cases {
            let shown = String::from_utf8_lossy(lines);
            let got = client(RealIpHeader::Forwarded, FROM, p, lines);
            assert_eq!(got, want(w), "peer {p}, Forwarded {shown}");
        }
    }

    #[test]
    fn caps_entries_and_lines() {
        let p = "10.0.0.1";
        let xff = RealIpHeader::XForwardedFor;
        // 63 trusted hops and the client: 64 entries examined.
        let chain = |hops: usize| format!("6.6.6.6, 203.0.113.9{}", ", 10.0.0.2".repeat(hops));
        assert_eq!(
            client(xff, FROM, p, chain(63).as_bytes()),
            want("203.0.113.9")
        );
        assert_eq!(client(xff, FROM, p, chain(64).as_bytes()), want("?"));
        // Hops spread over lines count the same way.
        let lines = format!(
            "203.0.113.9{}",
            "|10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5".repeat(15)
        );
        assert_eq!(client(xff, FROM, p, lines.as_bytes()), want("203.0.113.9"));
        let lines = "203.0.113.9|".repeat(16);
        assert_eq!(client(xff, FROM, p, lines.as_bytes()), want("203.0.113.9"));
        let lines = "203.0.113.9|".repeat(17);
        assert_eq!(client(xff, FROM, p, lines.as_bytes()), want("?"));
        // A long header whose answer is on the right is fine.
        let long = format!("{}203.0.113.9", "6.6.6.6, ".repeat(2_000));
        assert_eq!(client(xff, FROM, p, long.as_bytes()), want("203.0.113.9"));
    }

    /// The walk reads each byte of the header a bounded number of times,
    /// whatever it holds (issue 15 finding 1).
    #[test]
    fn walk_is_linear() {
        let n = 100_000;
        let cases = [
            (
                RealIpHeader::XForwardedFor,
                format!("{}203.0.113.9", "6.6.6.6, ".repeat(n)),
            ),
            (RealIpHeader::XForwardedFor, ":".repeat(n)),
            (RealIpHeader::XForwardedFor, format!("[{}]", "1".repeat(n))),
            (
                RealIpHeader::XForwardedFor,
                format!("203.0.113.9:{}", "1".repeat(n)),
            ),
            (RealIpHeader::XForwardedFor, "10.0.0.2,".repeat(n)),
            (RealIpHeader::XRealIp, format!("{}10.0.0.2", " ".repeat(n))),
            (RealIpHeader::Forwarded, format!("for={}", ";".repeat(n))),
            (RealIpHeader::Forwarded, "for=10.0.0.2;".repeat(n)),
            (
                RealIpHeader::Forwarded,
                format!("{}for=192.0.2.1", "a=b;".repeat(n)),
            ),
        ];
        for (header, line) in &cases {
            let (_, steps) =
                crate::steps::count(|| client(*header, FROM, "10.0.0.1", line.as_bytes()));
            assert!(
                steps <= 2 * line.len() + 64,
                "{header}: {steps} steps for {} bytes",
                line.len()
            );
        }
    }

    /// An entry too long to be an address is refused without reading it
    /// (or anything left of it).
    #[test]
    fn long_entries_are_refused_unread() {
        let long = format!("{}203.0.113.9", " ".repeat(60));
        assert_eq!(
            client(
                RealIpHeader::XForwardedFor,
                FROM,
                "10.0.0.1",
                long.as_bytes()
            ),
            ClientAddress::Unknown
        );
        let fits = format!("{}203.0.113.9", " ".repeat(53));
        assert_eq!(
            client(
                RealIpHeader::XForwardedFor,
                FROM,
                "10.0.0.1",
                fits.as_bytes()
            ),
            want("203.0.113.9")
        );
        let line = format!("{}, 203.0.113.9", "a".repeat(1_000_000));
        let (got, steps) = crate::steps::count(|| {
            client(
                RealIpHeader::XForwardedFor,
                FROM,
                "10.0.0.1",
                line.as_bytes(),
            )
        });
        assert_eq!(got, want("203.0.113.9"));
        assert!(steps < 200, "{steps} steps");
    }

    #[test]
    fn header_settings() {
        for (s, h) in [
            ("X-Forwarded-For", RealIpHeader::XForwardedFor),
            ("x-forwarded-for", RealIpHeader::XForwardedFor),
            (" X-FORWARDED-FOR ", RealIpHeader::XForwardedFor),
            ("X-Real-IP", RealIpHeader::XRealIp),
            ("x-real-ip", RealIpHeader::XRealIp),
            ("Forwarded", RealIpHeader::Forwarded),
            ("FORWARDED", RealIpHeader::Forwarded),
        ] {
            assert_eq!(s.parse::<RealIpHeader>(), Ok(h), "{s:?}");
            assert_eq!(h.to_string().parse::<RealIpHeader>(), Ok(h));
        }
        for bad in [
            "",
            "X-Forwarded",
            "Forwarded-For",
            "Client-IP",
            "X_Real_IP",
            "X-Real-IP,",
        ] {
            assert_eq!(
                bad.parse::<RealIpHeader>(),
                Err(RealIpHeaderError::Unknown { value: bad.into() }),
                "{bad:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn never_panics_and_answers_from_the_header_or_the_peer(
            lines in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..4),
            kind in 0..3usize,
        ) {
            let header = [RealIpHeader::XForwardedFor, RealIpHeader::XRealIp, RealIpHeader::Forwarded][kind];
            let mut map = HeaderMap::new();
            for line in &lines {
                if let Ok(v) = HeaderValue::from_bytes(line) {
                    map.append(header.name(), v);
                }
            }
            let real_ip = RealIp::new(FROM.parse().unwrap(), header);
            let got = real_ip.client(&peer("10.0.0.1"), &map);
            if let ClientAddress::Ip(ip) = got {
                prop_assert_eq!(ip, ip.to_canonical());
            }
            let direct = real_ip.client(&peer("192.0.2.1"), &map);
            prop_assert_eq!(direct, want("192.0.2.1"));
        }

        #[test]
        fn spoofed_left_entries_never_change_the_answer(
            spoof in prop::collection::vec("[0-9a-f:., _\\[\\]=\"]{0,24}", 0..6),
            client_ip in any::<IpAddr>(),
        ) {
            let client_ip = client_ip.to_canonical();
            prop_assume!(!FROM.parse::<TrustedProxies>().unwrap().trusts_ip(client_ip));
            let shown = match client_ip {
                IpAddr::V6(v6) => format!("[{v6}]:1234"),
                IpAddr::V4(v4) => v4.to_string(),
            };
            let line = format!("{}{}{shown}, 10.0.0.2", spoof.join(","), if spoof.is_empty() { "" } else { "," });
            if let Ok(v) = HeaderValue::from_str(&line) {
                let mut map = HeaderMap::new();
                map.append("x-forwarded-for", v);
                let real_ip = RealIp::new(FROM.parse().unwrap(), RealIpHeader::XForwardedFor);
                prop_assert_eq!(real_ip.client(&peer("10.0.0.1"), &map), ClientAddress::Ip(client_ip));
            }
        }
    }
}
