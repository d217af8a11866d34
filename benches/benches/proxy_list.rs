//! Question 3: what does the trusted-proxy check cost as the list grows?
//!
//! For lists of 1, 10, 100, 1,000 and 10,000 entries (random /32, /30, /28 and
//! /24 IPv4 networks, or random /128, /64, /56 and /48 IPv6 networks, parsed
//! with [`TrustedProxies::parse`] as at start-up), each group times
//! `TrustedProxies::trusts` against `naive_ipnet_scan` (a `Vec<IpNet>` and
//! `iter().any(contains)`, what a first implementation does) in one run:
//! - `proxy_list/ipv4`: IPv4 peers against the IPv4 list;
//! - `proxy_list/ipv6`: IPv6 peers against the IPv6 list;
//! - `proxy_list/mapped`: the IPv4 peers as IPv4-mapped IPv6 addresses
//!   (`::ffff:a.b.c.d`, what a dual-stack `[::]` listener reports) against the
//!   IPv4 list.
//!
//! Each iteration checks the next of 1,024 peers, half inside a listed network
//! and half random, so neither the branch predictor nor the cache sees the same
//! search twice in a row.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use criterion::{BenchmarkId, criterion_group, criterion_main};
use ipnet::IpNet;
use organizr_auth_benches as fx;
use organizr_auth_core::{Peer, TrustedProxies};

const SIZES: [usize; 5] = [1, 10, 100, 1_000, 10_000];
const PROBES: usize = 1_024;

/// xorshift64*: reproducible addresses without a random-number crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        let i = usize::try_from(self.next() % from.len() as u64).unwrap();
        *from.get(i).unwrap()
    }
    fn u128(&mut self) -> u128 {
        (u128::from(self.next()) << 64) | u128::from(self.next())
    }
}

/// `n` random networks of one family, truncated to their prefix.
fn networks(n: usize, v6: bool, rng: &mut Rng) -> Vec<IpNet> {
    (0..n)
        .map(|_| {
            let net = if v6 {
                let addr = Ipv6Addr::from(rng.u128());
                IpNet::new(addr.into(), rng.pick(&[128, 64, 56, 48]))
            } else {
                let addr = Ipv4Addr::from(u32::try_from(rng.next() >> 32).unwrap());
                IpNet::new(addr.into(), rng.pick(&[32, 30, 28, 24]))
            };
            net.unwrap().trunc()
        })
        .collect()
}

/// `PROBES` addresses: even ones inside a random listed network, odd ones random.
fn probes(nets: &[IpNet], v6: bool, rng: &mut Rng) -> Vec<IpAddr> {
    (0..PROBES)
        .map(|i| {
            if i % 2 == 0 {
                match rng.pick(nets) {
                    IpNet::V4(n) => {
                        let span = u32::from(n.broadcast()) - u32::from(n.network());
                        let off = u32::try_from(rng.next() >> 32).unwrap() % (span.max(1));
                        IpAddr::V4(Ipv4Addr::from(u32::from(n.network()) + off))
                    }
                    IpNet::V6(n) => {
                        let span = u128::from(n.broadcast()) - u128::from(n.network());
                        let off = rng.u128() % span.max(1);
                        IpAddr::V6(Ipv6Addr::from(u128::from(n.network()) + off))
                    }
                }
            } else if v6 {
                IpAddr::V6(Ipv6Addr::from(rng.u128()))
            } else {
                IpAddr::V4(Ipv4Addr::from(u32::try_from(rng.next() >> 32).unwrap()))
            }
        })
        .collect()
}

fn naive(nets: &[IpNet], ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    nets.iter().any(|n| n.contains(&ip))
}

fn family(c: &mut criterion::Criterion, name: &str, v6: bool, mapped: bool) {
    let mut g = c.benchmark_group(format!("proxy_list/{name}"));
    for n in SIZES {
        // The same seed per size, so the ipv4 and mapped groups see the same
        // lists and the same peers.
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ n as u64);
        let nets = networks(n, v6, &mut rng);
        let text = nets.iter().map(ToString::to_string).collect::<Vec<_>>();
        let list = TrustedProxies::parse(&text.join(",")).unwrap();
        let mut addrs = probes(&nets, v6, &mut rng);
        if mapped {
            for addr in &mut addrs {
                if let IpAddr::V4(v4) = *addr {
                    *addr = IpAddr::V6(v4.to_ipv6_mapped());
                }
            }
        }
        let peers: Vec<Peer> = addrs
            .iter()
            .map(|&ip| Peer::Tcp(SocketAddr::new(ip, 443)))
            .collect();
        // The fast lookup agrees with the naive scan on every probe.
        let hits = addrs.iter().filter(|&&ip| naive(&nets, ip)).count();
        assert!(hits >= PROBES / 2, "{name} {n}: {hits} hits");
        for (addr, peer) in addrs.iter().zip(&peers) {
            assert_eq!(list.trusts(peer), naive(&nets, *addr), "{addr}");
        }

        g.bench_with_input(BenchmarkId::new("trusts", n), &peers, |b, peers| {
            let mut next = peers.iter().cycle();
            b.iter(|| list.trusts(black_box(next.next().unwrap())))
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
    g.finish();
}

fn proxy_list(c: &mut criterion::Criterion) {
    family(c, "ipv4", false, false);
    family(c, "ipv6", true, false);
    family(c, "mapped", false, true);
}

criterion_group! {
    name = benches;
    config = fx::criterion();
    targets = proxy_list
}
criterion_main!(benches);
