//! `proxy_list` and `proxy_header`: Navidrome-style trusted-proxy lists, and
//! a trusted proxy's identity headers.

#[allow(unused_imports)]
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
#[allow(unused_imports)]
use std::sync::{Arc, OnceLock};
#[allow(unused_imports)]
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[allow(unused_imports)]
use base64::Engine as _;
#[allow(unused_imports)]
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
#[allow(unused_imports)]
use http::{HeaderMap, HeaderName, HeaderValue};
#[allow(unused_imports)]
use organizr_auth_core::{
    API_KEY_USER, ApiKey, Authentication, Authenticator, Claims, Config, DOWNSTREAM_HEADERS,
    Denial, GroupLevel, Peer, Policy, ProxyHeaderError, ProxyListError, RequestHead, Secret,
    Source, TokenError, TokenValidator, TrustedProxies, Verdict, php_config::OrganizrPhpConfig,
};
#[allow(unused_imports)]
use serde::Deserialize;
#[allow(unused_imports)]
use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
#[allow(unused_imports)]
use serde_json::Value;

#[allow(unused_imports)]
use crate::*;
use ipnet::IpNet;

/// `proxy_list`: the input as a Navidrome-style list (skipped unless UTF-8).
pub fn proxy_list(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let list = match TrustedProxies::parse(text) {
        Ok(list) => list,
        Err(ProxyListError::InvalidEntry { entry, position }) => {
            // The error names the entry that is wrong, where it is.
            let raw = text
                .split(',')
                .nth(position - 1)
                .expect("position out of range");
            assert_eq!(raw.trim(), entry);
            assert_ne!(entry, "@");
            return;
        }
        Err(e) => panic!("unexpected error {e:?}"),
    };
    let printed = list.to_string();
    let again = TrustedProxies::parse(&printed).expect("Display output does not parse");
    assert_eq!(again, list, "round trip through {printed:?}");
    assert_eq!(again.to_string(), printed);

    let has_at = !text.trim().is_empty() && text.split(',').any(|e| e.trim() == "@");
    assert_eq!(list.trusts_unix_sockets(), has_at);
    assert_eq!(list.trusts(&Peer::Unix), has_at);
    assert!(!list.trusts(&Peer::Unknown));
    assert_eq!(list.is_empty(), text.trim().is_empty());
    assert_eq!(
        list.trusts_any_network(),
        list.networks().iter().any(|n| n.prefix_len() == 0)
    );
    for net in list.networks() {
        assert_eq!(&net.trunc(), net, "host bits left in {net}");
        if let IpNet::V6(v6) = net {
            let mapped = v6.prefix_len() >= 96 && v6.network().to_ipv4_mapped().is_some();
            assert!(!mapped, "{net} should have been stored as IPv4");
        }
    }

    // The fast range lookup agrees with the obvious scan, on the edges of
    // every network, their IPv4-mapped forms, and addresses from the input.
    let mut probes: Vec<IpAddr> = vec![
        Ipv4Addr::UNSPECIFIED.into(),
        Ipv4Addr::BROADCAST.into(),
        Ipv4Addr::LOCALHOST.into(),
        Ipv6Addr::UNSPECIFIED.into(),
        Ipv6Addr::LOCALHOST.into(),
        Ipv6Addr::from(u128::MAX).into(),
    ];
    let mut bytes = [0u8; 16];
    for (b, d) in bytes.iter_mut().zip(data.iter().rev()) {
        *b = *d;
    }
    probes.push(Ipv6Addr::from(bytes).into());
    probes.push(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]).into());
    for net in list.networks() {
        let step = |ip: IpAddr, d: i8| -> IpAddr {
            match ip {
                IpAddr::V4(a) => Ipv4Addr::from(u32::from(a).wrapping_add_signed(d.into())).into(),
                IpAddr::V6(a) => Ipv6Addr::from(u128::from(a).wrapping_add_signed(d.into())).into(),
            }
        };
        probes.extend([
            step(net.network(), -1),
            net.network(),
            net.broadcast(),
            step(net.broadcast(), 1),
        ]);
    }
    let mapped: Vec<IpAddr> = probes
        .iter()
        .filter_map(|ip| match ip {
            IpAddr::V4(v4) => Some(v4.to_ipv6_mapped().into()),
            IpAddr::V6(_) => None,
        })
        .collect();
    for ip in probes.into_iter().chain(mapped) {
        let naive = list
            .networks()
            .iter()
            .any(|n| n.contains(&ip.to_canonical()));
        assert_eq!(list.trusts_ip(ip), naive, "{ip} in {list}");
        assert_eq!(list.trusts(&Peer::from(ip)), naive, "{ip} in {list}");
    }
}

/// The authenticator `proxy_header` runs against: the proxy at 10.0.0.2 is
/// trusted and states the level in `Remote-Group-Id`.
fn proxy_authenticator(group_header: bool) -> &'static Authenticator {
    static A: OnceLock<[Authenticator; 2]> = OnceLock::new();
    let both = A.get_or_init(|| {
        let base =
            || Config::new(secret()).trusted_proxies(TrustedProxies::parse("10.0.0.2").unwrap());
        [
            Authenticator::new(base()),
            Authenticator::new(base().proxy_group_header("Remote-Group-Id").unwrap()),
        ]
    });
    &both[usize::from(group_header)]
}

fn from_proxy(values: &[(&'static str, &[u8])], group_header: bool) -> Authentication {
    let mut headers = HeaderMap::new();
    for (name, value) in values {
        // A value http refuses cannot arrive in a request.
        if let Ok(v) = HeaderValue::from_bytes(value) {
            headers.append(*name, v);
        }
    }
    let proxy = Peer::Tcp(SocketAddr::from(([10, 0, 0, 2], 40000)));
    proxy_authenticator(group_header).resolve(&headers, None, &proxy)
}

/// `proxy_header` input: lines `u<value>` (a user header value) and
/// `g<value>` (a group header value); other lines are ignored. The whole
/// input is also tried as one value of each, for values with a newline.
/// Each goes from a trusted proxy through `Authenticator::resolve`.
pub fn proxy_header(data: &[u8]) {
    let (mut users, mut groups) = (Vec::new(), Vec::new());
    for line in data.split(|&b| b == b'\n') {
        match line.split_first() {
            Some((b'u', v)) => users.push(v),
            Some((b'g', v)) => groups.push(v),
            _ => {}
        }
    }
    check_user_header(&users);
    check_group_header(&groups);
    check_user_header(&[data]);
    check_group_header(&[data]);
}

fn check_user_header(values: &[&[u8]]) {
    let values: Vec<&[u8]> = values
        .iter()
        .copied()
        .filter(|v| HeaderValue::from_bytes(v).is_ok())
        .collect();
    let blank = |v: &[u8]| v.iter().all(|&b| b == b' ' || b == b'\t');
    let sent: Vec<(&'static str, &[u8])> = values.iter().map(|v| ("remote-user", *v)).collect();
    match from_proxy(&sent, false) {
        Authentication::Authenticated(id) => {
            assert_eq!(values.len(), 1);
            let name = id.username.as_str();
            crate::assert_visible("user header", name);
            assert!(!name.contains(','));
            // An unexpanded proxy placeholder (`{...}`, caddy#6610) is no name.
            assert!(
                !(name.starts_with('{') && name.ends_with('}')),
                "placeholder {name}"
            );
            assert_eq!(name, name.trim_matches([' ', '\t']), "not trimmed");
            assert_eq!(id.group_id, GroupLevel::LOGGED_IN);
            // Taken as it is, never converted: the value is the name, padded.
            let v = values[0];
            let start = v.iter().position(|&b| b != b' ' && b != b'\t').unwrap();
            assert_eq!(&v[start..start + name.len()], name.as_bytes());
            assert!(blank(&v[start + name.len()..]));
        }
        Authentication::Anonymous { refused: None } => {
            assert!(values.is_empty() || (values.len() == 1 && blank(values[0])))
        }
        Authentication::Anonymous {
            refused: Some(organizr_auth_core::Refusal::ProxyHeader(ProxyHeaderError::Repeated)),
        } => assert!(values.len() > 1),
        Authentication::Anonymous { refused: Some(_) } => assert_eq!(values.len(), 1),
    }
}

fn check_group_header(values: &[&[u8]]) {
    let values: Vec<&[u8]> = values
        .iter()
        .copied()
        .filter(|v| HeaderValue::from_bytes(v).is_ok())
        .collect();
    let mut sent: Vec<(&'static str, &[u8])> = vec![("remote-user", b"alice")];
    sent.extend(values.iter().map(|v| ("remote-group-id", *v)));
    match from_proxy(&sent, true) {
        Authentication::Authenticated(id) => {
            assert_eq!(values.len(), 1);
            let digits = values[0].trim_ascii();
            assert!(!digits.is_empty() && digits.iter().all(u8::is_ascii_digit));
            let n: u64 = std::str::from_utf8(digits).unwrap().parse().unwrap();
            assert_eq!(n, u64::from(id.group_id.get()));
            assert!(id.group_id.get() <= 999);
        }
        Authentication::Anonymous {
            refused: Some(organizr_auth_core::Refusal::ProxyHeader(ProxyHeaderError::Repeated)),
        } => assert!(values.len() > 1),
        Authentication::Anonymous {
            refused: Some(organizr_auth_core::Refusal::ProxyHeader(ProxyHeaderError::MissingGroup)),
        } => assert!(values.is_empty()),
        Authentication::Anonymous { refused } => {
            assert_eq!(values.len(), 1, "{refused:?}")
        }
    }
}
