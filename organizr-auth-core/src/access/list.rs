//! An IP allow or deny list: parsing, and the address lookup.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::NameResolver;
use crate::proxy::{in_ranges, merge, parse_network};

/// A comma-separated list of IPv4/IPv6 addresses, CIDRs and host names, as
/// Organizr's `whitelist=`, `blacklist=` and `ips=` parameters take it.
///
/// Addresses and CIDRs are matched in O(log n) over merged ranges; host names
/// match the addresses a [`NameResolver`] found for them, from its cache
/// (never a lookup on the caller's thread). See the [module docs](super) for
/// what a name that is not resolved means.
///
/// Entries are trimmed; a bare address means /32 or /128; host bits are
/// cleared (`192.0.2.7/24` is `192.0.2.0/24`); an IPv4-mapped IPv6 range of
/// prefix 96 or longer is stored as the IPv4 range it maps, and client
/// addresses are canonicalised, so `::ffff:192.0.2.7` matches `192.0.2.0/24`.
/// A host name is RFC 1123 labels (letters, digits and inner `-`, 1 to 63
/// characters each, at most 253 in all, an optional final `.`) whose last
/// label starts with a letter, so that a mistyped address such as `10.0.0`
/// or `0x7f000001` is an error rather than a name; names are lower-cased.
///
/// `Display`, `Debug` and `Serialize` print the normalised entries in the
/// order given; `Deserialize` reads a string through [`IpList::parse`].
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use organizr_auth_core::access::{IpList, NameResolver};
///
/// let list: IpList = " 192.0.2.7/24, 2001:db8::1, Home.Example.org ".parse()?;
/// assert_eq!(list.to_string(), "192.0.2.0/24,2001:db8::1/128,home.example.org");
/// assert_eq!(list.names().collect::<Vec<_>>(), ["home.example.org"]);
///
/// let names = NameResolver::new();
/// assert!(list.contains("192.0.2.200".parse()?, &names));
/// assert!(list.contains("::ffff:192.0.2.1".parse()?, &names));
/// assert!(!list.contains("198.51.100.1".parse()?, &names));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct IpList {
    /// Normalised entries, in the order given (duplicates kept).
    entries: Vec<Entry>,
    /// Sorted, disjoint inclusive IPv4 ranges of the network entries.
    v4: Vec<(u32, u32)>,
    /// Sorted, disjoint inclusive IPv6 ranges of the network entries.
    v6: Vec<(u128, u128)>,
    /// The distinct host names, lower-cased, in the order given.
    names: Vec<Box<str>>,
}

#[derive(Clone, PartialEq, Eq)]
enum Entry {
    Network(IpNet),
    Name(Box<str>),
}

/// Why an IP list could not be parsed. Every variant names the entry (or
/// says the list is empty), so that an answer built from it tells the person
/// who wrote the list what to fix.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use organizr_auth_core::access::{IpList, IpListError};
///
/// let err = IpList::parse("192.0.2.1, 10.0.0").err().ok_or("accepted")?;
/// assert_eq!(err, IpListError::InvalidEntry { entry: "10.0.0".into(), position: 2 });
/// assert_eq!(
///     err.to_string(),
///     r#"invalid ip-list entry "10.0.0" (entry 2): expected an IP address, a CIDR such as 192.0.2.0/24, or a host name"#
/// );
/// assert_eq!(IpList::parse(" ").err(), Some(IpListError::Empty));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IpListError {
    /// The list has no entries at all (an empty or all-blank string).
    #[error("empty ip list: expected comma-separated IP addresses, CIDRs or host names")]
    Empty,
    /// An entry is neither an address, a CIDR nor a host name; an empty entry
    /// (`a,,b`, a stray comma) is one too.
    #[error(
        "invalid ip-list entry {entry:?} (entry {position}): expected an IP address, a CIDR such as 192.0.2.0/24, or a host name"
    )]
    InvalidEntry {
        /// The offending entry, trimmed; at most its first 100 characters,
        /// then `...`.
        entry: String,
        /// The entry's 1-based index in the comma-separated list.
        position: usize,
    },
    /// The list names more distinct host names than [`IpList::MAX_NAMES`].
    #[error("too many host names in ip list at {entry:?} (entry {position}): at most {max}")]
    TooManyNames {
        /// The first host name over the limit.
        entry: String,
        /// Its 1-based index in the comma-separated list.
        position: usize,
        /// The limit, [`IpList::MAX_NAMES`].
        max: usize,
    },
}

impl IpList {
    /// At most this many distinct host names in one list: each costs a cache
    /// look-up on every check, and the [`NameResolver`] holds a bounded number
    /// of names for every list together.
    pub const MAX_NAMES: usize = 32;

    /// Parses a comma-separated list of IP addresses, CIDRs and host names.
    ///
    /// An empty list, an empty entry, anything that is not an address, a
    /// CIDR or a host name (zone ids, ports, brackets, `*`, `_`, out-of-range
    /// prefixes) and more than [`IpList::MAX_NAMES`] distinct names are
    /// errors. A `/0` entry is accepted (`0.0.0.0/0` in an allow list lets
    /// every IPv4 client through without authentication).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::access::IpList;
    ///
    /// let list = IpList::parse("10.0.0.1/8,::ffff:192.0.2.0/120,nas.lan.")?;
    /// assert_eq!(list.to_string(), "10.0.0.0/8,192.0.2.0/24,nas.lan.");
    /// assert!(IpList::parse("192.0.2.1,").is_err());
    /// assert!(IpList::parse("fe80::1%eth0").is_err());
    /// assert!(IpList::parse("*.example.org").is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn parse(list: &str) -> Result<Self, IpListError> {
        if list.trim().is_empty() {
            return Err(IpListError::Empty);
        }
        let mut entries = Vec::new();
        let mut names: Vec<Box<str>> = Vec::new();
        for (index, raw) in list.split(',').enumerate() {
            let entry = raw.trim();
            let position = index + 1;
            if let Some(net) = parse_network(entry) {
                entries.push(Entry::Network(net));
            } else if is_host_name(entry) {
                let name: Box<str> = entry.to_ascii_lowercase().into();
                if !names.contains(&name) {
                    if names.len() == Self::MAX_NAMES {
                        return Err(IpListError::TooManyNames {
                            entry: shown(entry),
                            position,
                            max: Self::MAX_NAMES,
                        });
                    }
                    names.push(name.clone());
                }
                entries.push(Entry::Name(name));
            } else {
                return Err(IpListError::InvalidEntry {
                    entry: shown(entry),
                    position,
                });
            }
        }
        let networks = || {
            entries.iter().filter_map(|e| match e {
                Entry::Network(net) => Some(net),
                Entry::Name(_) => None,
            })
        };
        let v4 = merge(networks().filter_map(|net| match net {
            IpNet::V4(n) => Some((u32::from(n.network()), u32::from(n.broadcast()))),
            IpNet::V6(_) => None,
        }));
        let v6 = merge(networks().filter_map(|net| match net {
            IpNet::V6(n) => Some((u128::from(n.network()), u128::from(n.broadcast()))),
            IpNet::V4(_) => None,
        }));
        entries.shrink_to_fit();
        Ok(Self {
            entries,
            v4,
            v6,
            names,
        })
    }

    /// Whether `ip` (canonicalised first, so `::ffff:a.b.c.d` is IPv4) lies
    /// in a listed network, or is an address `names` currently holds for a
    /// listed host name. Never blocks: a name `names` has not resolved (yet)
    /// matches nothing, and is handed to its background thread.
    ///
    /// O(log n) over the networks, plus one cache look-up per host name.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::access::{IpList, NameResolver, NameStatus};
    /// use std::time::{Duration, Instant};
    ///
    /// let list = IpList::parse("192.0.2.0/24, localhost")?;
    /// let names = NameResolver::new();
    /// assert!(list.contains("192.0.2.9".parse()?, &names));
    ///
    /// // `localhost` is looked up in the background; wait for it here.
    /// names.register(&list);
    /// let deadline = Instant::now() + Duration::from_secs(30);
    /// while !matches!(names.status("localhost"), NameStatus::Resolved(_)) && Instant::now() < deadline {
    ///     std::thread::sleep(Duration::from_millis(5));
    /// }
    /// assert!(list.contains("127.0.0.1".parse()?, &names));
    /// # Ok(())
    /// # }
    /// ```
    pub fn contains(&self, ip: IpAddr, names: &NameResolver) -> bool {
        let ip = ip.to_canonical();
        // The names are consulted even after a network matched, so that every
        // name of a list in use stays registered and fresh in the cache.
        let by_name = !self.names.is_empty() && names.matches_any(&self.names, ip);
        self.contains_network(ip) || by_name
    }

    /// Whether `ip` (canonicalised first) lies in a listed network; host
    /// names are not consulted. O(log n), no allocation.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::access::IpList;
    ///
    /// let list = IpList::parse("10.0.0.0/8, 2001:db8::/32, nas.lan")?;
    /// assert!(list.contains_network("::ffff:10.1.2.3".parse()?));
    /// assert!(list.contains_network("2001:db8::77".parse()?));
    /// assert!(!list.contains_network("11.0.0.0".parse()?));
    /// # Ok(())
    /// # }
    /// ```
    pub fn contains_network(&self, ip: IpAddr) -> bool {
        match ip.to_canonical() {
            IpAddr::V4(v4) => in_ranges(&self.v4, u32::from(v4)),
            IpAddr::V6(v6) => in_ranges(&self.v6, u128::from(v6)),
        }
    }

    /// The normalised networks (addresses and CIDRs), in the order given.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::access::IpList;
    ///
    /// let list = IpList::parse("192.0.2.7/24, nas.lan, ::1")?;
    /// let nets: Vec<String> = list.networks().map(ToString::to_string).collect();
    /// assert_eq!(nets, ["192.0.2.0/24", "::1/128"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn networks(&self) -> impl Iterator<Item = &IpNet> {
        self.entries.iter().filter_map(|e| match e {
            Entry::Network(net) => Some(net),
            Entry::Name(_) => None,
        })
    }

    /// The distinct host names, lower-cased, in the order given.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::access::IpList;
    ///
    /// let list = IpList::parse("NAS.lan, 192.0.2.1, nas.lan, home.example.org")?;
    /// assert_eq!(list.names().collect::<Vec<_>>(), ["nas.lan", "home.example.org"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|n| &**n)
    }

    /// The distinct host names, for the resolver.
    pub(crate) fn name_slice(&self) -> &[Box<str>] {
        &self.names
    }
}

/// At most the first 100 characters of `entry`, for an error message.
fn shown(entry: &str) -> String {
    const MAX: usize = 100;
    match entry.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", entry.get(..cut).unwrap_or_default()),
        None => entry.to_owned(),
    }
}

/// Whether `s` is a host name: RFC 1123 labels (ASCII letters, digits and
/// `-`, 1 to 63 characters, no `-` at either end) joined by `.`, at most 253
/// characters plus an optional final `.`, whose last label starts with a
/// letter. The last rule keeps every form `inet_aton` (and so the system
/// resolver) would read as an IPv4 address (`10.0.0`, `0x7f000001`, `127.1`)
/// out of the names: those are mistyped addresses, not names.
fn is_host_name(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.is_empty() || s.len() > 253 {
        return false;
    }
    let label_ok = |label: &[u8]| {
        (1..=63).contains(&label.len())
            && label
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
            && label.first() != Some(&b'-')
            && label.last() != Some(&b'-')
    };
    s.split('.').all(|label| label_ok(label.as_bytes()))
        && s.rsplit('.')
            .next()
            .and_then(|last| last.bytes().next())
            .is_some_and(|b| b.is_ascii_alphabetic())
}

/// Same as [`IpList::parse`].
impl FromStr for IpList {
    type Err = IpListError;

    fn from_str(list: &str) -> Result<Self, Self::Err> {
        Self::parse(list)
    }
}

/// Prints the normalised entries in the order given, joined by `,`: networks
/// as CIDRs, names lower-cased. The output parses back to an equal list.
impl fmt::Display for IpList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        for entry in &self.entries {
            match entry {
                Entry::Network(net) => write!(f, "{sep}{net}")?,
                Entry::Name(name) => write!(f, "{sep}{name}")?,
            }
            sep = ",";
        }
        Ok(())
    }
}

/// Prints like `Display` inside `IpList(..)`.
impl fmt::Debug for IpList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IpList").field(&self.to_string()).finish()
    }
}

/// Serialises as the `Display` string.
impl Serialize for IpList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Deserialises from a string with [`IpList::parse`], keeping its error message.
impl<'de> Deserialize<'de> for IpList {
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

    fn list(s: &str) -> IpList {
        IpList::parse(s).unwrap()
    }

    #[test]
    fn parses_valid_lists() {
        let long_label = "a".repeat(63);
        let long_name = format!("{0}.{0}.{0}.{1}", long_label, "b".repeat(61));
        assert_eq!(long_name.len(), 253);
        let cases = [
            ("192.0.2.1", "192.0.2.1/32"),
            (
                "  192.0.2.1 ,\t2001:db8::1  ",
                "192.0.2.1/32,2001:db8::1/128",
            ),
            ("192.0.2.77/24", "192.0.2.0/24"),
            ("2001:db8::1/32", "2001:db8::/32"),
            ("::ffff:192.0.2.1", "192.0.2.1/32"),
            ("::ffff:192.0.2.1/120", "192.0.2.0/24"),
            ("::ffff:0:0/95", "::fffe:0:0/95"),
            ("0.0.0.0/0,::/0", "0.0.0.0/0,::/0"),
            ("localhost", "localhost"),
            ("LocalHost", "localhost"),
            ("home.example.org", "home.example.org"),
            ("home.example.org.", "home.example.org."),
            ("my-nas.lan", "my-nas.lan"),
            ("3com.example", "3com.example"),
            ("xn--bcher-kva.example", "xn--bcher-kva.example"),
            ("a", "a"),
            (&long_name, &long_name),
            ("nas, nas, 192.0.2.1, NAS", "nas,nas,192.0.2.1/32,nas"),
            ("192.0.2.1,192.0.2.1", "192.0.2.1/32,192.0.2.1/32"),
        ];
        for (input, want) in cases {
            let got = list(input);
            assert_eq!(got.to_string(), want, "{input:?}");
            assert_eq!(list(want), got, "round trip of {input:?}");
        }
        assert_eq!(
            list("nas, NAS, b").names().collect::<Vec<_>>(),
            ["nas", "b"]
        );
    }

    #[test]
    fn rejects_bad_entries_naming_them() {
        let long = format!("{}.example", "a".repeat(64));
        let too_long_name = format!("{}.b", "a.".repeat(126));
        assert_eq!(too_long_name.len(), 254);
        let cases: &[(&str, &str, usize)] = &[
            ("192.0.2.1,", "", 2),
            (",192.0.2.1", "", 1),
            ("192.0.2.1,,192.0.2.2", "", 2),
            ("192.0.2.1, ,192.0.2.2", "", 2),
            ("10.0.0", "10.0.0", 1),
            ("192.0.2.1, 127.1", "127.1", 2),
            ("0x7f000001", "0x7f000001", 1),
            ("1.2.3.4.5", "1.2.3.4.5", 1),
            ("123", "123", 1),
            ("192.0.2.0/33", "192.0.2.0/33", 1),
            ("::/129", "::/129", 1),
            ("192.0.2.0/", "192.0.2.0/", 1),
            ("192.0.2.0/-1", "192.0.2.0/-1", 1),
            ("fe80::1%eth0", "fe80::1%eth0", 1),
            ("[::1]", "[::1]", 1),
            ("192.0.2.1:80", "192.0.2.1:80", 1),
            ("nas.lan:80", "nas.lan:80", 1),
            ("*.example.org", "*.example.org", 1),
            ("my_nas.lan", "my_nas.lan", 1),
            ("-nas.lan", "-nas.lan", 1),
            ("nas-.lan", "nas-.lan", 1),
            ("nas..lan", "nas..lan", 1),
            (".nas.lan", ".nas.lan", 1),
            (".", ".", 1),
            ("nas.lan..", "nas.lan..", 1),
            ("@", "@", 1),
            ("nas lan", "nas lan", 1),
            ("bücher.example", "bücher.example", 1),
            ("192.0.2.1/24/24", "192.0.2.1/24/24", 1),
            (&long, &long, 1),
            (&too_long_name, &too_long_name, 1),
            ("nas.lan\u{0}", "nas.lan\u{0}", 1),
        ];
        let tail = "expected an IP address, a CIDR such as 192.0.2.0/24, or a host name";
        for &(input, entry, position) in cases {
            let err = IpList::parse(input).unwrap_err();
            let shown = shown(entry);
            assert_eq!(
                err.to_string(),
                format!("invalid ip-list entry {shown:?} (entry {position}): {tail}"),
                "{input:?}"
            );
            assert_eq!(
                err,
                IpListError::InvalidEntry {
                    entry: shown,
                    position
                },
                "{input:?}"
            );
        }
        for empty in ["", " ", "\t "] {
            assert_eq!(IpList::parse(empty), Err(IpListError::Empty));
        }
    }

    #[test]
    fn long_entries_are_cut_in_the_message() {
        let entry = format!("{}é", "x_".repeat(60));
        let err = IpList::parse(&entry).unwrap_err();
        let IpListError::InvalidEntry { entry: shown, .. } = err else {
            panic!("{err:?}")
        };
        assert_eq!(shown, format!("{}...", "x_".repeat(50)));
    }

    #[test]
    fn caps_the_number_of_names() {
        let names = |n: usize| (0..n).map(|i| format!("h{i}.lan")).collect::<Vec<_>>();
        let at_cap = names(IpList::MAX_NAMES).join(",");
        // Repeats do not count twice.
        assert_eq!(
            list(&format!("{at_cap},{at_cap},192.0.2.1"))
                .names()
                .count(),
            32
        );
        let over = names(IpList::MAX_NAMES + 1).join(",");
        assert_eq!(
            IpList::parse(&over),
            Err(IpListError::TooManyNames {
                entry: "h32.lan".into(),
                position: 33,
                max: 32
            })
        );
        assert_eq!(
            IpList::parse(&over).unwrap_err().to_string(),
            r#"too many host names in ip list at "h32.lan" (entry 33): at most 32"#
        );
    }

    #[test]
    fn network_matches() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let max_v6 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        let cases = [
            ("192.0.2.0/24", "192.0.2.0", true),
            ("192.0.2.0/24", "192.0.2.255", true),
            ("192.0.2.0/24", "192.0.1.255", false),
            ("192.0.2.0/24", "192.0.3.0", false),
            ("192.0.2.7", "192.0.2.7", true),
            ("192.0.2.7", "192.0.2.8", false),
            ("192.0.2.0/24", "::ffff:192.0.2.9", true),
            ("::ffff:192.0.2.0/120", "192.0.2.9", true),
            ("::ffff:192.0.2.0/120", "::ffff:192.0.2.9", true),
            ("192.0.2.0/24", "::192.0.2.9", false),
            ("::/0", "192.0.2.1", false),
            ("::/0", "::ffff:192.0.2.1", false),
            ("0.0.0.0/0", "::ffff:192.0.2.1", true),
            ("0.0.0.0/0", "2001:db8::1", false),
            (
                "2001:db8::/32",
                "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
                true,
            ),
            ("2001:db8::/32", "2001:db9::", false),
            (
                "2001:db8::/32",
                "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
                false,
            ),
            ("255.255.255.255, 0.0.0.0", "255.255.255.255", true),
            ("255.255.255.255, 0.0.0.0", "0.0.0.0", true),
            ("255.255.255.255, 0.0.0.0", "0.0.0.1", false),
            (max_v6, max_v6, true),
            ("::", "::", true),
            ("::", "::1", false),
            ("192.0.2.0/25, 192.0.2.128/25", "192.0.2.200", true),
            ("10.0.0.0/8, 10.1.0.0/16", "10.200.0.1", true),
            ("localhost", "127.0.0.1", false),
        ];
        for (input, addr, want) in cases {
            assert_eq!(
                list(input).contains_network(ip(addr)),
                want,
                "{addr} in {input}"
            );
        }
    }

    #[test]
    fn serde_round_trip_and_errors() {
        let l = list("192.0.2.0/24, nas.lan");
        let json = serde_json::to_string(&l).unwrap();
        assert_eq!(json, r#""192.0.2.0/24,nas.lan""#);
        assert_eq!(serde_json::from_str::<IpList>(&json).unwrap(), l);
        let err = serde_json::from_str::<IpList>(r#""nas_lan""#).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(r#"invalid ip-list entry "nas_lan""#)
        );
        assert_eq!(format!("{l:?}"), r#"IpList("192.0.2.0/24,nas.lan")"#);
    }

    /// Networks anywhere, or in small spaces where they nest and overlap.
    fn net() -> impl Strategy<Value = IpNet> {
        let v4 = prop_oneof![
            any::<u32>(),
            (0..4096u32).prop_map(|x| 0xc000_0200 ^ x << 4)
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
        fn parser_never_panics(s in any::<String>(), t in "[0-9a-fA-F:./,%_\\- xyz]{0,48}") {
            let _ = IpList::parse(&s);
            if let Ok(parsed) = IpList::parse(&t) {
                prop_assert_eq!(list(&parsed.to_string()), parsed);
            }
        }

        #[test]
        fn fast_lookup_matches_naive(
            nets in prop::collection::vec(net(), 1..24),
            probes in prop::collection::vec(net().prop_map(|n| n.network()), 0..16),
            others in prop::collection::vec(any::<IpAddr>(), 0..16),
        ) {
            let l = list(&nets.iter().map(ToString::to_string).collect::<Vec<_>>().join(","));
            let mapped = probes.iter().filter_map(|a| match a {
                IpAddr::V4(v4) => Some(IpAddr::from(v4.to_ipv6_mapped())),
                IpAddr::V6(_) => None,
            }).collect::<Vec<_>>();
            let names = NameResolver::new();
            for addr in probes.iter().chain(&mapped).chain(&others).copied().chain(nets.iter().flat_map(edges)) {
                // Naive: the parsed networks, one by one, against the
                // canonical address.
                let naive = l.networks().any(|n| n.contains(&addr.to_canonical()));
                prop_assert_eq!(l.contains_network(addr), naive, "{} in {}", addr, l);
                prop_assert_eq!(l.contains(addr, &names), naive);
            }
        }
    }
}
