//! The client address behind trusted proxies, for logs and rate limits.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use http::HeaderMap;
use http::header::{FORWARDED, HeaderValue};

use super::{Peer, TrustedProxies};
use crate::steps::charge;

/// At most this many forwarding entries are examined; beyond, fail closed.
const MAX_ENTRIES: usize = 64;

impl TrustedProxies {
    /// The client's address, for logs and rate limits: **never for identity**.
    ///
    /// - Untrusted peer: headers are ignored; the peer's (canonical) IP, or
    ///   `None` for a UNIX or unknown peer.
    /// - Trusted peer: the `X-Forwarded-For` values (all header lines, in
    ///   order, comma-separated) are walked from the right and the first
    ///   address that is not itself trusted is returned, like nginx's
    ///   `real_ip_recursive on`. Only without any `X-Forwarded-For` line are
    ///   the RFC 7239 `Forwarded` `for=` parameters walked the same way.
    ///   Without either header: the peer's IP (`None` for a UNIX peer).
    /// - If every entry is trusted, the leftmost entry is returned (as nginx
    ///   does); it is then a trusted address itself.
    /// - Fail closed: an entry that is not an address (garbage, empty,
    ///   `unknown`, an `_obfuscated` node, non-ASCII bytes, a `Forwarded`
    ///   element without exactly one `for=`, a quoted value containing `,`
    ///   or `;`, an entry longer than 64 bytes or an element longer than
    ///   512), or more than 64 entries to examine, yields the peer's IP
    ///   (`None` for a UNIX peer). Entries left of the returned address are
    ///   never looked at.
    ///
    /// Entries may carry a port (`1.2.3.4:5678`, `[::1]:80`); returned
    /// addresses are canonical (IPv4-mapped IPv6 becomes IPv4).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::proxy::{Peer, TrustedProxies};
    /// use http::{HeaderMap, HeaderValue};
    /// use std::net::IpAddr;
    ///
    /// let proxies = TrustedProxies::parse("10.0.0.0/8")?;
    /// let mut headers = HeaderMap::new();
    /// headers.append("x-forwarded-for", HeaderValue::from_static("6.6.6.6, 203.0.113.7, 10.0.0.2"));
    ///
    /// let via_proxy = Peer::from("10.0.0.1".parse::<IpAddr>()?);
    /// assert_eq!(proxies.client_ip(&via_proxy, &headers), Some("203.0.113.7".parse()?));
    ///
    /// let direct = Peer::from("198.51.100.1".parse::<IpAddr>()?);
    /// assert_eq!(proxies.client_ip(&direct, &headers), Some("198.51.100.1".parse()?));
    /// # Ok(())
    /// # }
    /// ```
    pub fn client_ip(&self, peer: &Peer, headers: &HeaderMap) -> Option<IpAddr> {
        let peer_ip = peer.ip();
        if !self.trusts(peer) {
            return peer_ip;
        }
        let xff = headers.get_all("x-forwarded-for");
        let walked = if xff.iter().next().is_some() {
            self.walk(xff.iter(), Entries::Xff)
        } else {
            let forwarded = headers.get_all(FORWARDED);
            if forwarded.iter().next().is_none() {
                return peer_ip;
            }
            self.walk(forwarded.iter(), Entries::Forwarded)
        };
        walked.or(peer_ip)
    }

    /// Walks comma-separated entries of `values` from the right; `None` means
    /// fail closed.
    fn walk<'a>(
        &self,
        values: impl DoubleEndedIterator<Item = &'a HeaderValue>,
        kind: Entries,
    ) -> Option<IpAddr> {
        let mut examined = 0;
        let mut leftmost = None;
        for value in values.rev() {
            for entry in kind.split_from_right(value.as_bytes()) {
                examined += 1;
                if examined > MAX_ENTRIES {
                    return None;
                }
                let ip = kind.parse(entry?)?.to_canonical();
                if !self.trusts_ip(ip) {
                    return Some(ip);
                }
                leftmost = Some(ip);
            }
        }
        leftmost
    }
}

/// The longest `X-Forwarded-For` (or `X-Real-IP`) entry read, spaces
/// included: the longest address with a port,
/// `[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535`, is 53 bytes.
pub(crate) const MAX_XFF_ENTRY: usize = 64;

/// The longest `Forwarded` element read: `for=`, `by=`, `proto=` and a quoted
/// `host=` of 253 bytes fit.
pub(crate) const MAX_FORWARDED_ELEMENT: usize = 512;

/// The comma-separated entries of a forwarding header, and how to read one.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Entries {
    /// `X-Forwarded-For` and `X-Real-IP`: addresses, with optional ports.
    Xff,
    /// RFC 7239 `Forwarded`: elements with a `for=` parameter.
    Forwarded,
}

impl Entries {
    fn max_len(self) -> usize {
        match self {
            Entries::Xff => MAX_XFF_ENTRY,
            Entries::Forwarded => MAX_FORWARDED_ELEMENT,
        }
    }

    /// The address an entry names; `None` for anything else (not UTF-8
    /// included).
    pub(crate) fn parse(self, entry: &[u8]) -> Option<IpAddr> {
        let entry = std::str::from_utf8(entry).ok()?;
        match self {
            Entries::Xff => xff_entry(entry),
            Entries::Forwarded => forwarded_element(entry),
        }
    }

    /// The entries of `line` from the right (as `line.rsplit(|&b| b == b',')`),
    /// each `None` when it is longer than an entry can be. A long entry is not
    /// an address: it is refused after looking at most one byte beyond the
    /// longest entry for its start, so that a walk reads at most
    /// `MAX_ENTRIES × (max + 1)` bytes of a line, however long the line is,
    /// and a crafted line costs what a benign one does.
    pub(crate) fn split_from_right(self, line: &[u8]) -> impl Iterator<Item = Option<&[u8]>> {
        let max = self.max_len();
        let mut end = Some(line.len());
        std::iter::from_fn(move || {
            let stop = end?;
            let start = stop.saturating_sub(max + 1);
            let window = line.get(start..stop)?;
            charge(window.len());
            let (from, entry) = match memchr::memrchr(b',', window) {
                Some(comma) => {
                    end = Some(start + comma);
                    (start + comma + 1, true)
                }
                None => {
                    end = None;
                    (0, start == 0)
                }
            };
            let entry = line.get(from..stop).filter(|e| entry && e.len() <= max);
            Some(entry)
        })
    }
}

/// One `X-Forwarded-For` entry: an address, optionally with a port.
pub(crate) fn xff_entry(entry: &str) -> Option<IpAddr> {
    // Parsing reads the entry a bounded number of times.
    charge(entry.len());
    // A header value holds no whitespace but spaces and tabs, so ASCII
    // trimming trims exactly those (and byte by byte, which is cheaper).
    node(entry.trim_ascii())
}

/// The `for=` node of one `Forwarded` element, if it names an address.
pub(crate) fn forwarded_element(element: &str) -> Option<IpAddr> {
    // Parsing reads the element a bounded number of times.
    charge(element.len());
    let mut found = None;
    for pair in element.split(';') {
        if pair.trim_ascii().is_empty() {
            continue;
        }
        let (key, value) = pair.split_once('=')?;
        if key.trim_ascii().eq_ignore_ascii_case("for") {
            if found.is_some() {
                return None;
            }
            found = Some(value.trim_ascii());
        }
    }
    let value = found?;
    let value = match value.strip_prefix('"') {
        Some(quoted) => quoted.strip_suffix('"')?,
        None => value,
    };
    if value.contains(['"', '\\']) {
        return None;
    }
    node(value)
}

/// `ip`, `ipv4:port`, `[ipv6]` or `[ipv6]:port`; `unknown` and `_obfuscated`
/// nodes are not addresses.
fn node(s: &str) -> Option<IpAddr> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, port) = rest.split_once(']')?;
        if !port.is_empty() && !port.strip_prefix(':').is_some_and(valid_port) {
            return None;
        }
        return host.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    let (host, port) = s.split_once(':')?;
    if !valid_port(port) {
        return None;
    }
    host.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
}

/// A decimal port, or an RFC 7239 obfuscated port (`_` then `[A-Za-z0-9._-]`).
fn valid_port(port: &str) -> bool {
    match port.strip_prefix('_') {
        Some(obf) => obf
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')),
        None => port.parse::<u16>().is_ok() && port.bytes().all(|b| b.is_ascii_digit()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// `peer` is an IP, `unix` or `unknown`; `headers` is `x:…` (X-Forwarded-For)
    /// and `f:…` (Forwarded) lines joined by `|`.
    fn run(peer: &str, headers: &[u8]) -> Option<IpAddr> {
        let peer = match peer {
            "unix" => Peer::Unix,
            "unknown" => Peer::Unknown,
            ip => Peer::from(ip.parse::<IpAddr>().unwrap()),
        };
        let mut map = HeaderMap::new();
        for line in headers.split(|&b| b == b'|').filter(|l| !l.is_empty()) {
            let (name, value) = line.split_at(2);
            let name = if name == b"x:" {
                "x-forwarded-for"
            } else {
                "forwarded"
            };
            map.append(name, HeaderValue::from_bytes(value).unwrap());
        }
        TrustedProxies::parse("10.0.0.0/8, 2001:db8:1::/48, @")
            .unwrap()
            .client_ip(&peer, &map)
    }

    #[test]
    fn client_ip_cases() {
        let p = "10.0.0.1";
        let cases: &[(&str, &[u8], &str)] = &[
            // untrusted peers: headers ignored
            ("198.51.100.1", b"x:1.1.1.1", "198.51.100.1"),
            ("::ffff:198.51.100.1", b"f:for=1.1.1.1", "198.51.100.1"),
            ("unknown", b"x:1.1.1.1", "-"),
            // trusted peers, X-Forwarded-For
            (p, b"", p),
            ("unix", b"", "-"),
            ("unix", b"x:203.0.113.9", "203.0.113.9"),
            ("unix", b"x:nonsense", "-"),
            (p, b"x:1.1.1.1, 203.0.113.9", "203.0.113.9"),
            (
                p,
                b"x:1.1.1.1, 203.0.113.9, 10.9.9.9 ,\t10.0.0.3",
                "203.0.113.9",
            ),
            (p, b"x:1.1.1.1, 203.0.113.9|x:10.0.0.2", "203.0.113.9"),
            (p, b"x:203.0.113.9|x:192.0.2.4", "192.0.2.4"),
            (p, b"x:10.0.0.7, 10.0.0.8", "10.0.0.7"),
            (p, b"x:203.0.113.9, nonsense", p),
            (p, b"x:nonsense, 203.0.113.9", "203.0.113.9"),
            (p, b"x:203.0.113.9,,10.0.0.2", p),
            (p, b"x:", p),
            (p, b"x:unknown", p),
            (p, b"x:203.0.113.9, \xff", p),
            (p, b"x:fe80::1%eth0", p),
            (p, b"x:[2001:db8::5]:80, 10.0.0.2:8080", "2001:db8::5"),
            (p, b"x:[2001:db8::5]", "2001:db8::5"),
            (p, b"x:203.0.113.9:5678", "203.0.113.9"),
            (p, b"x:203.0.113.9:99999", p),
            (p, b"x:::ffff:203.0.113.9, ::ffff:10.0.0.2", "203.0.113.9"),
            (
                "2001:db8:1::1",
                b"x:2001:db8::9, 2001:db8:1::2",
                "2001:db8::9",
            ),
            (p, b"f:for=192.0.2.1|x:203.0.113.9", "203.0.113.9"),
            (p, b"f:for=192.0.2.1|x:bad", p),
            // trusted peers, Forwarded
            (p, b"f:for=192.0.2.60;proto=http;by=10.0.0.1", "192.0.2.60"),
            (
                p,
                b"f:for=\"[2001:db8:cafe::17]:4711\"",
                "2001:db8:cafe::17",
            ),
            (p, b"f:For=\"192.0.2.60:8080\"", "192.0.2.60"),
            (
                p,
                b"f:for=1.1.1.1, for=192.0.2.43|f:for=10.0.0.5;proto=https",
                "192.0.2.43",
            ),
            (p, b"f:for=192.0.2.43, for=unknown", p),
            (p, b"f:for=192.0.2.43, for=_hidden", p),
            (p, b"f:for=\"192.0.2.43:_p1\"", "192.0.2.43"),
            (p, b"f:for=192.0.2.43, proto=https", p),
            (p, b"f:for=192.0.2.43;for=10.0.0.2", p),
            (p, b"f:for=192.0.2.43;secret", p),
            (p, b"f:for=192.0.2.43;;proto=http;", "192.0.2.43"),
            (p, b"f:for=192.0.2.43;ext=\"a,b\"", p),
            (p, b"f:for=\"192.0.2.43", p),
            (p, b"f:for=2001:db8::9", "2001:db8::9"),
            // Entries too long to be an address are not read.
            (p, b"x:                                                                                                                                                                                        203.0.113.9", p),
            (p, b"x:6.6.6.6,                                        203.0.113.9", "203.0.113.9"),
        ];
        for (peer, headers, want) in cases {
            let want = (*want != "-").then(|| want.parse::<IpAddr>().unwrap());
            let shown = String::from_utf8_lossy(headers);
            assert_eq!(run(peer, headers), want, "peer {peer}, headers {shown}");
        }
    }

    /// The walk reads each byte of the forwarding headers a bounded number
    /// of times, whatever they hold (issue 15 finding 1).
    #[test]
    fn walk_is_linear() {
        let n = 100_000;
        let lines = [
            format!("x:{}203.0.113.9", "6.6.6.6, ".repeat(n)),
            format!("x:{}", ":".repeat(n)),
            format!("x:[{}]", "1".repeat(n)),
            format!("x:203.0.113.9:{}", "1".repeat(n)),
            format!("x:{}10.0.0.2", " ".repeat(n)),
            format!("x:{}", "10.0.0.2,".repeat(n)),
            format!("f:for={}", ";".repeat(n)),
            format!("f:for=\"{}\"", "=".repeat(n)),
            format!("f:{}", "for=10.0.0.2;".repeat(n)),
            format!("f:{}for=192.0.2.1", "a=b;".repeat(n)),
        ];
        for headers in &lines {
            let (_, steps) = crate::steps::count(|| run("10.0.0.1", headers.as_bytes()));
            assert!(
                steps <= 3 * headers.len(),
                "{steps} steps for {} bytes",
                headers.len()
            );
            // Better: at most 64 entries of at most 64 bytes (512 for a
            // Forwarded element), and one byte more to find each start.
            assert!(steps <= 2 * 64 * 513, "{steps} steps");
        }
        // Whatever the client wrote on the left is not read at all.
        let line = format!("x:{}, 203.0.113.9, 10.0.0.2", "a".repeat(1_000_000));
        let (got, steps) = crate::steps::count(|| run("10.0.0.1", line.as_bytes()));
        assert_eq!(got, "203.0.113.9".parse().ok());
        assert!(steps < 200, "{steps} steps");
    }

    #[test]
    fn caps_the_number_of_entries() {
        let chain = |n: usize| format!("x:203.0.113.9{}", ",10.0.0.2".repeat(n - 1));
        assert_eq!(
            run("10.0.0.1", chain(64).as_bytes()),
            "203.0.113.9".parse().ok()
        );
        assert_eq!(
            run("10.0.0.1", chain(65).as_bytes()),
            "10.0.0.1".parse().ok()
        );
        let lines = "x:10.0.0.3|".repeat(70);
        assert_eq!(run("10.0.0.1", lines.as_bytes()), "10.0.0.1".parse().ok());
    }
}
