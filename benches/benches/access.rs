//! Question 7: what do IP allow/deny lists cost per request, and can a header
//! be built to make the client-address walk expensive?
//!
//! `access/real_ip`: [`RealIp::client`] with `X-Forwarded-For`, the peer a
//! listed proxy (`10.0.0.0/8, 172.16.0.0/12, 2001:db8:1::/48`). Every header
//! but `typical` is exactly [`SIZE`] bytes:
//! - `typical`: `198.51.100.7, 10.0.0.2`, what nginx sends for a direct client;
//! - `benign`: one line, a long chain the client brought (its own proxies, or
//!   anything) on the left, then the client and two listed proxies;
//! - `hostile_client`: the worst a client that is not on the list can send: 15
//!   lines of the costliest entries, then the proxy's own line; the walk never
//!   reads left of the client's address, so this should cost what `benign` does;
//! - `long_chain_v4`, `long_chain_v6`: an honest chain of 63 listed proxies
//!   (IPv4, or full-length IPv6) and the client, all walked (64 entries, the
//!   cap);
//! - `worst`: the most any header can cost, which needs a sender on the list:
//!   65 listed entries in the costliest form (`[IPv6 with an IPv4 tail]:port`),
//!   so that the walk parses 64 and gives up (unknown client).
//!
//! Targets: `hostile_client` ≤ 2 × `benign` (a client off the list cannot make
//! the walk dearer than an honest header of the same size), and `worst` ≤ 2 ×
//! `long_chain_v6` (crafted entries cost no more than twice honest ones of the
//! same family). `worst` against `long_chain_v4` is the price of std's IPv6
//! parser (several times its IPv4 parser). `worst` is also the ceiling of the
//! walk whatever the size: beyond 64 entries nothing is parsed.
//!
//! `access/list_match`: [`IpList::contains`] for lists of 10 and 1,000 random
//! IPv4 networks (/32 to /24), the probes half inside a listed network, against
//! a linear `ipnet` scan; and a 10-entry list of which 2 are host names
//! (resolved by a fixed lookup function, so no DNS), to show what a name costs
//! on the request path (a read of the resolver's cache).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, criterion_group, criterion_main};
use http::{HeaderMap, HeaderValue};
use ipnet::IpNet;
use organizr_auth_benches as fx;
use organizr_auth_core::Peer;
use organizr_auth_core::access::{ClientAddress, IpList, NameResolver, NameStatus, RealIp};

/// The size of every header but `typical`.
const SIZE: usize = 3_300;

/// The costliest entry the walk parses: bracketed IPv6 with an IPv4 tail and a
/// port, inside 2001:db8:1::/48.
const COSTLY: &str = "[2001:db8:1:ffff:ffff:ffff:255.255.255.255]:65535";

fn xff(lines: &[String]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for line in lines {
        map.append("x-forwarded-for", HeaderValue::from_str(line).unwrap());
    }
    map
}

/// `tail` after as many `198.51.x.y, ` entries (what the client brought) and
/// then leading spaces as make `SIZE` bytes.
fn pad_to_size(tail: &str) -> String {
    let mut out = String::new();
    let mut i = 0u32;
    while out.len() + tail.len() < SIZE {
        let entry = format!("198.51.{}.{}, ", (i / 250) % 250, i % 250 + 1);
        if out.len() + entry.len() + tail.len() > SIZE {
            break;
        }
        out.push_str(&entry);
        i += 1;
    }
    // Spaces fill the rest (optional whitespace before the first kept entry).
    while out.len() + tail.len() < SIZE {
        out.insert(0, ' ');
    }
    out.push_str(tail);
    out
}

fn size(map: &HeaderMap) -> usize {
    map.get_all("x-forwarded-for").iter().map(|v| v.len()).sum()
}

fn real_ip(c: &mut criterion::Criterion) {
    let real_ip = RealIp::new(
        "10.0.0.0/8, 172.16.0.0/12, 2001:db8:1::/48"
            .parse()
            .unwrap(),
        "X-Forwarded-For".parse().unwrap(),
    );
    let peer = Peer::from("10.0.0.1".parse::<IpAddr>().unwrap());
    let client: IpAddr = "203.0.113.9".parse().unwrap();

    let typical = xff(&["198.51.100.7, 10.0.0.2".to_owned()]);

    let benign = xff(&[pad_to_size("203.0.113.9, 172.16.0.9, 10.0.0.2")]);

    // 15 lines of costly entries the client wrote, then the proxy's line.
    let proxy_line = "203.0.113.9, 10.0.0.2";
    let per_line = (SIZE - proxy_line.len()) / 15;
    let mut lines: Vec<String> = (0..15)
        .map(|_| {
            let mut l = vec![COSTLY; per_line / (COSTLY.len() + 2)].join(", ");
            while l.len() < per_line {
                l.insert(0, ' ');
            }
            l
        })
        .collect();
    let short = SIZE - proxy_line.len() - lines.iter().map(String::len).sum::<usize>();
    if let Some(first) = lines.first_mut() {
        first.insert_str(0, &" ".repeat(short));
    }
    lines.push(proxy_line.to_owned());
    let hostile_client = xff(&lines);

    let hops: Vec<String> = (0..63).map(|i| format!("10.{i}.0.2")).collect();
    let long_chain_v4 = xff(&[pad_to_size(&format!("203.0.113.9, {}", hops.join(", ")))]);
    let hops: Vec<String> = (0..63)
        .map(|i| format!("2001:db8:1:{:x}:ab12:cd34:ef56:7890", 0x1000 + i))
        .collect();
    let long_chain_v6 = xff(&[pad_to_size(&format!("203.0.113.9, {}", hops.join(", ")))]);

    let mut worst_line = vec![COSTLY; 65].join(",");
    while worst_line.len() < SIZE {
        worst_line.insert(0, ' ');
    }
    let worst = xff(&[worst_line]);

    let cases = [
        (
            "typical",
            &typical,
            ClientAddress::Ip("198.51.100.7".parse().unwrap()),
        ),
        ("benign", &benign, ClientAddress::Ip(client)),
        ("hostile_client", &hostile_client, ClientAddress::Ip(client)),
        ("long_chain_v4", &long_chain_v4, ClientAddress::Ip(client)),
        ("long_chain_v6", &long_chain_v6, ClientAddress::Ip(client)),
        ("worst", &worst, ClientAddress::Unknown),
    ];
    let mut g = c.benchmark_group("access/real_ip");
    for (name, headers, want) in cases {
        // The answer each case is meant to give, and the size it claims.
        assert_eq!(real_ip.client(&peer, headers), want, "{name}");
        if name != "typical" {
            assert_eq!(size(headers), SIZE, "{name}");
        }
        g.bench_function(name, |b| {
            b.iter(|| real_ip.client(black_box(&peer), black_box(headers)))
        });
    }
    g.finish();
}

/// xorshift64*: reproducible addresses without a random-number crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn u32(&mut self) -> u32 {
        u32::try_from(self.next() >> 32).unwrap()
    }
}

fn networks(n: usize, rng: &mut Rng) -> Vec<IpNet> {
    (0..n)
        .map(|_| {
            let prefix = *[32, 30, 28, 24]
                .get(usize::try_from(rng.next() % 4).unwrap())
                .unwrap();
            IpNet::new(Ipv4Addr::from(rng.u32()).into(), prefix)
                .unwrap()
                .trunc()
        })
        .collect()
}

/// 1,024 probes: even ones inside a random listed network, odd ones random.
fn probes(nets: &[IpNet], rng: &mut Rng) -> Vec<IpAddr> {
    (0..1_024)
        .map(|i| {
            if i % 2 == 0 {
                let net = *nets
                    .get(usize::try_from(rng.next()).unwrap() % nets.len())
                    .unwrap();
                let IpNet::V4(n) = net else { unreachable!() };
                let span = u32::from(n.broadcast()) - u32::from(n.network());
                let off = rng.u32() % span.max(1);
                IpAddr::V4(Ipv4Addr::from(u32::from(n.network()) + off))
            } else {
                IpAddr::V4(Ipv4Addr::from(rng.u32()))
            }
        })
        .collect()
}

fn naive(nets: &[IpNet], ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    nets.iter().any(|n| n.contains(&ip))
}

fn list_match(c: &mut criterion::Criterion) {
    let mut g = c.benchmark_group("access/list_match");
    let names = NameResolver::new();
    for n in [10, 1_000] {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ n as u64);
        let nets = networks(n, &mut rng);
        let text: Vec<String> = nets.iter().map(ToString::to_string).collect();
        let list = IpList::parse(&text.join(",")).unwrap();
        let addrs = probes(&nets, &mut rng);
        for &ip in &addrs {
            assert_eq!(list.contains(ip, &names), naive(&nets, ip), "{ip}");
        }
        g.bench_with_input(BenchmarkId::new("contains", n), &addrs, |b, addrs| {
            let mut next = addrs.iter().cycle();
            b.iter(|| list.contains(black_box(*next.next().unwrap()), &names))
        });
        g.bench_with_input(
            BenchmarkId::new("naive_ipnet_scan", n),
            &addrs,
            |b, addrs| {
                let mut next = addrs.iter().cycle();
                b.iter(|| naive(&nets, black_box(*next.next().unwrap())))
            },
        );
    }

    // 8 networks and 2 host names.
    let mut rng = Rng(0x5151_0000_0000_0008);
    let nets = networks(8, &mut rng);
    let resolver = NameResolver::builder()
        .lookup(|name: &str| match name {
            "home.example" => Ok(vec![IpAddr::from([192, 0, 2, 10])]),
            _ => Ok(vec![IpAddr::from([192, 0, 2, 20])]),
        })
        .build();
    let text: Vec<String> = nets.iter().map(ToString::to_string).collect();
    let list = IpList::parse(&format!("{},home.example,nas.example", text.join(","))).unwrap();
    resolver.register(&list);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !list
        .names()
        .all(|n| matches!(resolver.status(n), NameStatus::Resolved(_)))
    {
        assert!(Instant::now() < deadline, "names did not resolve");
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut addrs = probes(&nets, &mut rng);
    for (i, addr) in addrs.iter_mut().enumerate() {
        if i % 4 == 1 {
            *addr = IpAddr::from([192, 0, 2, if i % 8 == 1 { 10 } else { 20 }]);
        }
    }
    for &ip in &addrs {
        let by_name = ip == IpAddr::from([192, 0, 2, 10]) || ip == IpAddr::from([192, 0, 2, 20]);
        assert_eq!(
            list.contains(ip, &resolver),
            naive(&nets, ip) || by_name,
            "{ip}"
        );
    }
    g.bench_with_input(
        BenchmarkId::new("contains_with_2_names", 10),
        &addrs,
        |b, addrs| {
            let mut next = addrs.iter().cycle();
            b.iter(|| list.contains(black_box(*next.next().unwrap()), &resolver))
        },
    );
    g.finish();
}

criterion_group! {
    name = benches;
    config = fx::criterion();
    targets = real_ip, list_match
}
criterion_main!(benches);
