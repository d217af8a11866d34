//! Parsing of the trusted-proxy list and the fast address lookup.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::{IpNet, Ipv4Net};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Peer;

/// The peers allowed to assert an identity header, in Navidrome's
/// `ReverseProxyWhitelist` style: comma-separated IPv4/IPv6 addresses or CIDRs,
/// plus `@` for requests that arrive on a UNIX socket.
///
/// Equality compares the normalised entries in the order given (duplicates
/// kept) and whether `@` is present. `Display`, `Debug` and `Serialize`
/// print the networks as CIDRs in the given order followed by `@`;
/// `Deserialize` reads such a string through [`TrustedProxies::parse`].
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use organizr_auth_core::proxy::{Peer, TrustedProxies};
/// use std::net::IpAddr;
///
/// let proxies: TrustedProxies = " 10.0.0.1/8, 127.0.0.1, @".parse()?;
/// assert_eq!(proxies.to_string(), "10.0.0.0/8,127.0.0.1/32,@");
/// assert!(proxies.trusts(&Peer::from("10.1.2.3".parse::<IpAddr>()?)));
/// assert!(proxies.trusts(&Peer::Unix));
/// assert!(!proxies.trusts(&Peer::Unknown));
///
/// assert_eq!(format!("{proxies:?}"), r#"TrustedProxies("10.0.0.0/8,127.0.0.1/32,@")"#);
/// assert_eq!(TrustedProxies::none().to_string(), "");
///
/// let json = serde_json::to_string(&proxies)?;
/// assert_eq!(json, r#""10.0.0.0/8,127.0.0.1/32,@""#);
/// assert_eq!(serde_json::from_str::<TrustedProxies>(&json)?, proxies);
/// let bad = serde_json::from_str::<TrustedProxies>(r#""proxy.lan""#);
/// let err = bad.err().ok_or("accepted")?.to_string();
/// assert!(err.starts_with(r#"invalid trusted-proxy entry "proxy.lan": expected"#));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct TrustedProxies {
    /// Normalised networks, in the order given.
    networks: Vec<IpNet>,
    /// Whether `@` (UNIX-socket peers) was listed.
    unix: bool,
    /// Sorted, disjoint inclusive IPv4 ranges derived from `networks`.
    v4: Vec<(u32, u32)>,
    /// Sorted, disjoint inclusive IPv6 ranges derived from `networks`.
    v6: Vec<(u128, u128)>,
}

/// Why a trusted-proxy list could not be parsed.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use organizr_auth_core::proxy::{ProxyListError, TrustedProxies};
///
/// let err = TrustedProxies::parse("10.0.0.1, proxy.lan").err().ok_or("accepted")?;
/// assert_eq!(
///     err,
///     ProxyListError::InvalidEntry { entry: "proxy.lan".into(), position: 2 }
/// );
/// assert!(err.to_string().starts_with(r#"invalid trusted-proxy entry "proxy.lan": "#));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyListError {
    /// An entry is neither an IP address, a CIDR, nor `@`.
    #[error(
        "invalid trusted-proxy entry {entry:?}: expected an IP address, a CIDR such as 10.0.0.0/8, or @ for UNIX sockets"
    )]
    InvalidEntry {
        /// The offending entry, trimmed (empty for `a,,b` or a stray comma).
        entry: String,
        /// The entry's 1-based index in the comma-separated list.
        position: usize,
    },
}

/// Why a trusted-proxy entry lets more than a reverse proxy assert
/// identities: see [`TrustedProxies::risks`]. `Display` says who can then
/// impersonate any user.
///
/// ```
/// use organizr_auth_core::proxy::ProxyRisk;
/// assert!(ProxyRisk::Loopback.to_string().starts_with("any local process"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProxyRisk {
    /// The entry holds a loopback address (`127.0.0.0/8`, `::1`): any local
    /// process can connect from one, with no privilege.
    Loopback,
    /// The entry is a range overlapping `172.16.0.0/12`, Docker's bridge
    /// networks: any container on the network can connect from it.
    ContainerBridge,
    /// The entry is broader than /8 (IPv4) or /32 (IPv6).
    Broad,
}

impl ProxyRisk {
    const ALL: [ProxyRisk; 3] = [
        ProxyRisk::Loopback,
        ProxyRisk::ContainerBridge,
        ProxyRisk::Broad,
    ];

    fn applies_to(self, network: IpNet) -> bool {
        let overlaps = |(first, last): (u32, u32)| match network {
            IpNet::V4(v4) => u32::from(v4.network()) <= last && u32::from(v4.broadcast()) >= first,
            IpNet::V6(_) => false,
        };
        match (self, network) {
            (ProxyRisk::Loopback, IpNet::V4(_)) => overlaps(LOOPBACK_V4),
            (ProxyRisk::Loopback, IpNet::V6(v6)) => v6.contains(&std::net::Ipv6Addr::LOCALHOST),
            (ProxyRisk::ContainerBridge, IpNet::V4(v4)) => {
                v4.prefix_len() < 32 && overlaps(DOCKER_BRIDGES)
            }
            (ProxyRisk::ContainerBridge, IpNet::V6(_)) => false,
            (ProxyRisk::Broad, IpNet::V4(v4)) => v4.prefix_len() < 8,
            (ProxyRisk::Broad, IpNet::V6(v6)) => v6.prefix_len() < 32,
        }
    }
}

/// `127.0.0.0/8`, as an inclusive range.
const LOOPBACK_V4: (u32, u32) = (0x7f00_0000, 0x7fff_ffff);

/// `172.16.0.0/12`, where Docker creates bridge networks by default, as an
/// inclusive range.
const DOCKER_BRIDGES: (u32, u32) = (0xac10_0000, 0xac1f_ffff);

impl ProxyRisk {
    /// Who can connect from an entry with this risk: "any local process",
    /// "any container on that network", "every host in it".
    ///
    /// ```
    /// use organizr_auth_core::proxy::ProxyRisk;
    /// assert_eq!(ProxyRisk::Loopback.who(), "any local process");
    /// ```
    pub fn who(self) -> &'static str {
        match self {
            ProxyRisk::Loopback => "any local process",
            ProxyRisk::ContainerBridge => "any container on that network",
            ProxyRisk::Broad => "every host in it",
        }
    }
}

/// Who can impersonate any user through an entry with this risk.
impl fmt::Display for ProxyRisk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProxyRisk::Loopback => {
                "any local process can send identity headers and impersonate any user (binding a loopback source address such as 127.0.0.2 needs no privilege)"
            }
            ProxyRisk::ContainerBridge => {
                "any container on that network can send identity headers and impersonate any user (172.16.0.0/12 holds Docker's bridge networks)"
            }
            ProxyRisk::Broad => {
                "every host in it can send identity headers and impersonate any user (broader than /8 for IPv4 or /32 for IPv6)"
            }
        })
    }
}

/// A trusted-proxy entry and one of its risks, from
/// [`TrustedProxies::risks`].
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use organizr_auth_core::proxy::{ProxyRisk, TrustedProxies};
///
/// let proxies = TrustedProxies::parse("::/0")?;
/// let risks: Vec<_> = proxies.risks().collect();
/// assert_eq!(risks.len(), 2); // ::1 is in it, and it is everything
/// assert_eq!(risks[0].risk, ProxyRisk::Loopback);
/// assert_eq!(risks[1].risk, ProxyRisk::Broad);
/// assert_eq!(risks[1].network.to_string(), "::/0");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RiskyEntry {
    /// The entry, normalised.
    pub network: IpNet,
    /// Why it is risky.
    pub risk: ProxyRisk,
}

/// Logs each of the list's [risks](TrustedProxies::risks) with
/// `tracing::warn!`, naming the entry and who can impersonate users through
/// it. Called once per [`Authenticator`](crate::Authenticator), where the list
/// starts deciding identities.
pub(crate) fn warn_about_risks(proxies: &TrustedProxies) {
    for RiskyEntry { network, risk } in proxies.risks() {
        tracing::warn!(
            entry = %network,
            risk = ?risk,
            "trusted-proxy list contains {network}: {risk}; trust tokens alone, or a UNIX socket (@) only the proxy can open (see SECURITY.md)"
        );
    }
}

impl TrustedProxies {
    /// A list that trusts nothing (the feature is off).
    ///
    /// ```
    /// use organizr_auth_core::proxy::{Peer, TrustedProxies};
    ///
    /// let none = TrustedProxies::none();
    /// assert!(none.is_empty());
    /// assert!(!none.trusts(&Peer::Unix));
    /// ```
    pub fn none() -> Self {
        Self::default()
    }

    /// Parses a comma-separated list of IP addresses, CIDRs and `@`.
    ///
    /// Entries are trimmed; a bare address means /32 or /128; host bits are
    /// cleared (`10.0.0.1/8` is `10.0.0.0/8`); an IPv4-mapped IPv6 range with a
    /// prefix of at least 96 (`::ffff:10.0.0.0/104`) becomes the IPv4 range it
    /// maps (`10.0.0.0/8`), as in Go. An empty or all-whitespace string trusts
    /// nothing. Hostnames, zone ids, out-of-range prefixes and empty entries
    /// (`a,,b`, a leading or trailing comma) are errors. Risky entries
    /// (loopback, a container-bridge range, anything broader than /8 or /32,
    /// `/0` included) are accepted: [`TrustedProxies::risks`] lists them, and
    /// [`Authenticator::new`](crate::Authenticator::new) warns about each once.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::proxy::TrustedProxies;
    ///
    /// let proxies = TrustedProxies::parse("172.18.0.0/16, ::1, @")?;
    /// assert_eq!(proxies.to_string(), "172.18.0.0/16,::1/128,@");
    /// assert!(TrustedProxies::parse("  ")?.is_empty());
    /// assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
    /// assert!(TrustedProxies::parse("10.0.0.1,").is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn parse(list: &str) -> Result<Self, ProxyListError> {
        let mut out = Self::none();
        if list.trim().is_empty() {
            return Ok(out);
        }
        for (index, raw) in list.split(',').enumerate() {
            let entry = raw.trim();
            if entry == "@" {
                out.unix = true;
                continue;
            }
            let net = parse_network(entry).ok_or_else(|| ProxyListError::InvalidEntry {
                entry: entry.to_owned(),
                position: index + 1,
            })?;
            out.networks.push(net);
        }
        out.v4 = merge(out.networks.iter().filter_map(|net| match net {
            IpNet::V4(n) => Some((u32::from(n.network()), u32::from(n.broadcast()))),
            IpNet::V6(_) => None,
        }));
        out.v6 = merge(out.networks.iter().filter_map(|net| match net {
            IpNet::V6(n) => Some((u128::from(n.network()), u128::from(n.broadcast()))),
            IpNet::V4(_) => None,
        }));
        Ok(out)
    }

    /// Whether the list trusts nothing at all (no networks and no `@`).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::proxy::TrustedProxies;
    ///
    /// assert!(TrustedProxies::parse("")?.is_empty());
    /// assert!(!TrustedProxies::parse("@")?.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.networks.is_empty() && !self.unix
    }

    /// Whether `peer` may assert an identity header: [`Peer::Unknown`] never,
    /// [`Peer::Unix`] only if the list contains `@`, [`Peer::Tcp`] if its
    /// canonical IP lies in a listed network. Costs O(log n), no allocation.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::proxy::{Peer, TrustedProxies};
    /// use std::net::SocketAddr;
    ///
    /// let proxies = TrustedProxies::parse("127.0.0.0/8")?;
    /// let mapped: SocketAddr = "[::ffff:127.0.0.2]:40000".parse()?;
    /// assert!(proxies.trusts(&Peer::from(mapped)));
    /// assert!(!proxies.trusts(&Peer::Unix));
    /// # Ok(())
    /// # }
    /// ```
    pub fn trusts(&self, peer: &Peer) -> bool {
        match peer {
            Peer::Tcp(addr) => self.trusts_ip(addr.ip()),
            Peer::Unix => self.unix,
            Peer::Unknown => false,
        }
    }

    /// Whether `ip` (canonicalised first with [`IpAddr::to_canonical`]) lies in
    /// a listed network.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::proxy::TrustedProxies;
    ///
    /// let proxies = TrustedProxies::parse("10.0.0.0/8, fd00::/8")?;
    /// assert!(proxies.trusts_ip("::ffff:10.9.9.9".parse()?));
    /// assert!(proxies.trusts_ip("fd12::1".parse()?));
    /// assert!(!proxies.trusts_ip("192.0.2.1".parse()?));
    /// # Ok(())
    /// # }
    /// ```
    pub fn trusts_ip(&self, ip: IpAddr) -> bool {
        match ip.to_canonical() {
            IpAddr::V4(v4) => in_ranges(&self.v4, u32::from(v4)),
            IpAddr::V6(v6) => in_ranges(&self.v6, u128::from(v6)),
        }
    }

    /// Whether the list contains `@`, trusting requests on a UNIX socket.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::proxy::TrustedProxies;
    ///
    /// assert!(TrustedProxies::parse("10.0.0.0/8, @")?.trusts_unix_sockets());
    /// assert!(!TrustedProxies::parse("10.0.0.0/8")?.trusts_unix_sockets());
    /// # Ok(())
    /// # }
    /// ```
    pub fn trusts_unix_sockets(&self) -> bool {
        self.unix
    }

    /// Whether the list contains `0.0.0.0/0` or `::/0`: then any client of
    /// that address family can impersonate any user.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::proxy::TrustedProxies;
    ///
    /// assert!(TrustedProxies::parse("0.0.0.0/0")?.trusts_any_network());
    /// assert!(!TrustedProxies::parse("10.0.0.0/8")?.trusts_any_network());
    /// # Ok(())
    /// # }
    /// ```
    pub fn trusts_any_network(&self) -> bool {
        self.networks.iter().any(|net| net.prefix_len() == 0)
    }

    /// The entries that let more than a reverse proxy assert identities, each
    /// with the reason, in the order given (an entry may have several):
    ///
    /// - [`ProxyRisk::Loopback`]: the entry holds a loopback address
    ///   (`127.0.0.0/8`, `::1`). Any process on the host can connect from
    ///   one: binding `127.0.0.2` as a source address needs no privilege.
    /// - [`ProxyRisk::ContainerBridge`]: the entry is a range that overlaps
    ///   `172.16.0.0/12`, where Docker puts its bridge networks. Any container
    ///   on that network can connect from it.
    /// - [`ProxyRisk::Broad`]: the entry is broader than /8 (IPv4) or /32
    ///   (IPv6), `/0` included.
    ///
    /// [`Authenticator::new`](crate::Authenticator::new) logs each with
    /// `tracing::warn!`; a program that wants to refuse them can check this
    /// list. The safe set-ups are in `SECURITY.md`: tokens only, or a UNIX
    /// socket (`@`) that only the proxy's user may open.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::proxy::{ProxyRisk, TrustedProxies};
    ///
    /// let proxies = TrustedProxies::parse("127.0.0.1, 172.18.0.0/16, 172.18.0.5, 10.0.0.0/4, @")?;
    /// let risks: Vec<_> = proxies.risks().map(|r| (r.network.to_string(), r.risk)).collect();
    /// assert_eq!(risks, [
    ///     ("127.0.0.1/32".to_string(), ProxyRisk::Loopback),
    ///     ("172.18.0.0/16".to_string(), ProxyRisk::ContainerBridge),
    ///     ("0.0.0.0/4".to_string(), ProxyRisk::Broad),
    /// ]);
    /// assert_eq!(TrustedProxies::parse("172.18.0.5, 192.168.1.10, @")?.risks().count(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn risks(&self) -> impl Iterator<Item = RiskyEntry> + '_ {
        self.networks.iter().flat_map(|&network| {
            ProxyRisk::ALL
                .into_iter()
                .filter(move |risk| risk.applies_to(network))
                .map(move |risk| RiskyEntry { network, risk })
        })
    }

    /// The normalised networks, in the order given (duplicates kept).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::proxy::TrustedProxies;
    ///
    /// let proxies = TrustedProxies::parse("10.0.0.1/8, @")?;
    /// assert_eq!(proxies.networks(), ["10.0.0.0/8".parse::<ipnet::IpNet>()?]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn networks(&self) -> &[IpNet] {
        &self.networks
    }
}

/// Parses one trimmed entry that is not `@`.
pub(crate) fn parse_network(entry: &str) -> Option<IpNet> {
    let net = match entry.split_once('/') {
        None => IpNet::from(entry.parse::<IpAddr>().ok()?),
        Some((addr, prefix)) => {
            if prefix.is_empty() || prefix.len() > 3 || !prefix.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            IpNet::new(addr.parse().ok()?, prefix.parse().ok()?)
                .ok()?
                .trunc()
        }
    };
    // `::ffff:a.b.c.d/96+n` is the IPv4 range `a.b.c.d/n`: store it as such so
    // that canonicalised IPv4 peers match it.
    if let IpNet::V6(v6) = net
        && let Some(prefix) = v6.prefix_len().checked_sub(96)
        && let Some(v4) = v6.network().to_ipv4_mapped()
        && let Ok(v4net) = Ipv4Net::new(v4, prefix)
    {
        return Some(IpNet::V4(v4net));
    }
    Some(net)
}

/// Sorts inclusive ranges and merges overlapping ones into disjoint ranges.
pub(crate) fn merge<T: Copy + Ord>(ranges: impl Iterator<Item = (T, T)>) -> Vec<(T, T)> {
    let mut ranges: Vec<(T, T)> = ranges.collect();
    ranges.sort_unstable();
    let mut merged: Vec<(T, T)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged.shrink_to_fit();
    merged
}

/// Binary search in sorted, disjoint, inclusive ranges.
pub(crate) fn in_ranges<T: Copy + Ord>(ranges: &[(T, T)], x: T) -> bool {
    let after = ranges.partition_point(|&(start, _)| start <= x);
    after
        .checked_sub(1)
        .and_then(|i| ranges.get(i))
        .is_some_and(|&(_, end)| x <= end)
}

/// Same as [`TrustedProxies::parse`].
impl FromStr for TrustedProxies {
    type Err = ProxyListError;

    fn from_str(list: &str) -> Result<Self, Self::Err> {
        Self::parse(list)
    }
}

/// Prints the networks as CIDRs in the given order, then `@`, joined by `,`;
/// the empty list prints `""`. The output parses back to an equal list.
impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        for net in &self.networks {
            write!(f, "{sep}{net}")?;
            sep = ",";
        }
        if self.unix {
            write!(f, "{sep}@")?;
        }
        Ok(())
    }
}

/// Prints like `Display` inside `TrustedProxies(..)`.
impl fmt::Debug for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TrustedProxies")
            .field(&self.to_string())
            .finish()
    }
}

/// Serialises as the `Display` string.
impl Serialize for TrustedProxies {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Deserialises from a string with [`TrustedProxies::parse`], keeping its
/// error message.
impl<'de> Deserialize<'de> for TrustedProxies {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let list = String::deserialize(deserializer)?;
        Self::parse(&list).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn list(s: &str) -> TrustedProxies {
        TrustedProxies::parse(s).unwrap()
    }

    #[test]
    fn parses_valid_lists() {
        let cases = [
            ("", ""),
            ("  \t ", ""),
            ("  10.0.0.0/8 ,  127.0.0.1  ", "10.0.0.0/8,127.0.0.1/32"),
            ("::1", "::1/128"),
            (" @ ", "@"),
            (
                "@, 192.168.1.0/24, fd00::/8, @",
                "192.168.1.0/24,fd00::/8,@",
            ),
            ("10.0.0.1/8", "10.0.0.0/8"),
            ("2001:db8::1/32", "2001:db8::/32"),
            ("::ffff:10.0.0.1/104", "10.0.0.0/8"),
            ("::ffff:10.0.0.5", "10.0.0.5/32"),
            ("::ffff:0:0/95", "::fffe:0:0/95"),
            ("0.0.0.0/0, ::/0", "0.0.0.0/0,::/0"),
            ("10.0.0.0/08", "10.0.0.0/8"),
            ("10.0.0.0/8,10.0.0.0/8", "10.0.0.0/8,10.0.0.0/8"),
        ];
        for (input, want) in cases {
            let got = list(input);
            assert_eq!(got.to_string(), want, "{input:?}");
            assert_eq!(list(want), got, "round trip of {input:?}");
        }
    }

    #[test]
    fn rejects_invalid_entries_quoting_them() {
        let cases = [
            ("proxy.lan", "proxy.lan", 1),
            ("10.0.0.1, fe80::1%eth0", "fe80::1%eth0", 2),
            ("10.0.0.0/33", "10.0.0.0/33", 1),
            ("::/129", "::/129", 1),
            ("10.0.0.1,,10.0.0.2", "", 2),
            ("10.0.0.1, ,10.0.0.2", "", 2),
            ("10.0.0.1,", "", 2),
            (",10.0.0.1", "", 1),
            ("10.0.0.0/", "10.0.0.0/", 1),
            ("/8", "/8", 1),
            ("10.0.0.0/+8", "10.0.0.0/+8", 1),
            ("10.0.0.0/ 8", "10.0.0.0/ 8", 1),
            ("10.0.0.0/8/8", "10.0.0.0/8/8", 1),
            ("10.0.0.0/0008", "10.0.0.0/0008", 1),
            ("[::1]", "[::1]", 1),
            ("1.2.3.4:80", "1.2.3.4:80", 1),
            ("10.0.0", "10.0.0", 1),
            ("@@", "@@", 1),
            ("localhost, @", "localhost", 1),
        ];
        let tail = "expected an IP address, a CIDR such as 10.0.0.0/8, or @ for UNIX sockets";
        for (input, entry, position) in cases {
            let err = TrustedProxies::parse(input).unwrap_err();
            let entry = entry.to_owned();
            let msg = format!("invalid trusted-proxy entry \"{entry}\": {tail}");
            assert_eq!(err.to_string(), msg, "{input:?}");
            assert_eq!(
                err,
                ProxyListError::InvalidEntry { entry, position },
                "{input:?}"
            );
        }
    }

    #[test]
    fn trust_decisions() {
        let tcp = |s: &str| Peer::from(s.parse::<IpAddr>().unwrap());
        let max_v6 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        let cases = [
            ("10.0.0.0/8", tcp("10.255.255.255"), true),
            ("10.0.0.0/8", tcp("11.0.0.0"), false),
            ("10.0.0.0/8", tcp("9.255.255.255"), false),
            ("192.168.1.10", tcp("192.168.1.10"), true),
            ("192.168.1.10", tcp("192.168.1.11"), false),
            ("2001:db8::/32", tcp("2001:db8:ffff::1"), true),
            ("2001:db8::/32", tcp("2001:db9::1"), false),
            ("::1", tcp("::1"), true),
            ("127.0.0.0/8", tcp("::ffff:127.0.0.2"), true),
            ("127.0.0.0/8", tcp("::1"), false),
            ("::ffff:127.0.0.0/104", tcp("127.0.0.2"), true),
            ("10.0.0.0/8", Peer::Unix, false),
            ("10.0.0.0/8, @", Peer::Unix, true),
            ("@", tcp("10.0.0.1"), false),
            ("0.0.0.0/0, ::/0, @", Peer::Unknown, false),
            ("", tcp("127.0.0.1"), false),
            ("", Peer::Unix, false),
            ("0.0.0.0/0", tcp("203.0.113.9"), true),
            ("0.0.0.0/0", tcp("::ffff:203.0.113.9"), true),
            ("0.0.0.0/0", tcp("2001:db8::1"), false),
            ("::/0", tcp("2001:db8::1"), true),
            ("::/0", tcp("203.0.113.9"), false),
            ("255.255.255.255, 0.0.0.0", tcp("255.255.255.255"), true),
            (max_v6, tcp(max_v6), true),
        ];
        for (input, peer, want) in cases {
            assert_eq!(list(input).trusts(&peer), want, "{input:?} trusts {peer:?}");
        }
        assert!(TrustedProxies::none().is_empty() && list("  ").is_empty());
        assert!(list("::/0").trusts_any_network());
        assert!(list("::ffff:0:0/96").trusts_any_network());
        assert!(!list("0.0.0.0/1, 128.0.0.0/1").trusts_any_network());
    }

    /// Issue 15 finding 4: every loopback, container-bridge and broad entry
    /// is named with its reason; a proxy's own address is not.
    #[test]
    fn risky_entries_are_named_with_their_reason() {
        use ProxyRisk::*;
        let cases: &[(&str, &[(&str, ProxyRisk)])] = &[
            ("", &[]),
            ("@", &[]),
            (
                "172.18.0.5, 192.168.1.10, 10.0.0.0/8, fd00::2, 2001:db8::/32",
                &[],
            ),
            ("127.0.0.1", &[("127.0.0.1/32", Loopback)]),
            ("127.0.0.2", &[("127.0.0.2/32", Loopback)]),
            ("127.0.0.0/8", &[("127.0.0.0/8", Loopback)]),
            ("::ffff:127.0.0.1", &[("127.0.0.1/32", Loopback)]),
            ("::1", &[("::1/128", Loopback)]),
            ("::/127", &[("::/127", Loopback)]),
            ("172.17.0.0/16", &[("172.17.0.0/16", ContainerBridge)]),
            ("172.16.0.0/12", &[("172.16.0.0/12", ContainerBridge)]),
            ("172.31.255.0/24", &[("172.31.255.0/24", ContainerBridge)]),
            ("172.0.0.0/8", &[("172.0.0.0/8", ContainerBridge)]),
            ("172.15.0.0/16, 172.32.0.0/16", &[]),
            ("172.18.0.2/31", &[("172.18.0.2/31", ContainerBridge)]),
            ("172.18.0.2", &[]),
            ("10.0.0.0/7", &[("10.0.0.0/7", Broad)]),
            ("10.0.0.0/8", &[]),
            ("2001:db8::/31", &[("2001:db8::/31", Broad)]),
            ("2001:db8::/32", &[]),
            (
                "0.0.0.0/0",
                &[
                    ("0.0.0.0/0", Loopback),
                    ("0.0.0.0/0", ContainerBridge),
                    ("0.0.0.0/0", Broad),
                ],
            ),
            ("::/0", &[("::/0", Loopback), ("::/0", Broad)]),
            (
                "64.0.0.0/2",
                &[("64.0.0.0/2", Loopback), ("64.0.0.0/2", Broad)],
            ),
            (
                "128.0.0.0/2",
                &[("128.0.0.0/2", ContainerBridge), ("128.0.0.0/2", Broad)],
            ),
            (
                "10.0.0.1, 127.0.0.1, 172.18.0.0/16, @",
                &[
                    ("127.0.0.1/32", Loopback),
                    ("172.18.0.0/16", ContainerBridge),
                ],
            ),
        ];
        for (input, want) in cases {
            let got: Vec<(String, ProxyRisk)> = list(input)
                .risks()
                .map(|r| (r.network.to_string(), r.risk))
                .collect();
            let want: Vec<(String, ProxyRisk)> =
                want.iter().map(|(n, r)| ((*n).to_owned(), *r)).collect();
            assert_eq!(got, want, "{input:?}");
        }
    }

    /// Networks anywhere, or in small spaces (10/8, 2001:db8::/32 and the
    /// IPv4-mapped block) where they overlap and nest; /0 to /32 or /128.
    fn net() -> impl Strategy<Value = IpNet> {
        let v4 = prop_oneof![
            any::<u32>(),
            (0..4096u32).prop_map(|x| 0x0a00_0000 | x << 12)
        ];
        let v6 = prop_oneof![
            any::<u128>(),
            (0..4096u128).prop_map(|x| 0x2001_0db8 << 96 | x << 20),
            any::<u32>().prop_map(|x| 0xffff_0000_0000 | u128::from(x)),
        ];
        prop_oneof![
            (v4, 0..=32u8).prop_map(|(a, p)| IpNet::new(Ipv4Addr::from(a).into(), p)),
            (v6, prop_oneof![0..=128u8, 96..=128u8])
                .prop_map(|(a, p)| IpNet::new(Ipv6Addr::from(a).into(), p)),
        ]
        .prop_map(|n| n.unwrap().trunc())
    }

    /// The first and last address of `net` and their outside neighbours.
    fn edges(net: &IpNet) -> [IpAddr; 4] {
        let step = |ip: IpAddr, d: i8| match ip {
            IpAddr::V4(a) => Ipv4Addr::from(u32::from(a).wrapping_add_signed(d.into())).into(),
            IpAddr::V6(a) => Ipv6Addr::from(u128::from(a).wrapping_add_signed(d.into())).into(),
        };
        let (lo, hi) = (net.network(), net.broadcast());
        [step(lo, -1), lo, hi, step(hi, 1)]
    }

    proptest! {
        #[test]
        fn parser_never_panics_and_round_trips(s in any::<String>(), t in "[0-9a-f:./,@% ]{0,40}") {
            let _ = TrustedProxies::parse(&s);
            if let Ok(parsed) = TrustedProxies::parse(&t) {
                prop_assert_eq!(list(&parsed.to_string()), parsed);
            }
        }

        #[test]
        fn round_trip(entries in prop::collection::vec(prop_oneof![
            net().prop_map(|n| n.to_string()),
            (any::<IpAddr>(), 0..=32u8).prop_map(|(a, p)| format!("{a}/{p}")),
            any::<IpAddr>().prop_map(|a| a.to_string()),
            Just("@".to_owned()),
        ], 0..8), pad in " {0,2}") {
            let joined = entries.iter().map(|e| format!("{pad}{e}{pad}")).collect::<Vec<_>>();
            let parsed = list(&joined.join(","));
            prop_assert_eq!(list(&parsed.to_string()), parsed);
        }

        #[test]
        fn fast_lookup_matches_naive(
            nets in prop::collection::vec(net(), 0..24),
            probes in prop::collection::vec(net().prop_map(|n| n.network()), 0..16),
            others in prop::collection::vec(any::<IpAddr>(), 0..16),
        ) {
            let l = list(&nets.iter().map(ToString::to_string).collect::<Vec<_>>().join(","));
            let mapped = probes.iter().filter_map(|a| match a {
                IpAddr::V4(v4) => Some(IpAddr::from(v4.to_ipv6_mapped())),
                IpAddr::V6(_) => None,
            }).collect::<Vec<_>>();
            let edges = nets.iter().flat_map(edges);
            for addr in probes.iter().chain(&mapped).chain(&others).copied().chain(edges) {
                let naive = l.networks().iter().any(|n| n.contains(&addr.to_canonical()));
                prop_assert_eq!(l.trusts_ip(addr), naive, "{} in {}", addr, l);
                prop_assert_eq!(l.trusts(&Peer::from(addr)), naive);
            }
        }
    }
}
