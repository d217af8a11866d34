//! Question 8: can one request line be built to make a parser expensive?
//! (issue 15 finding 1: a `Cookie` line repeating the cookie name cost
//! quadratic time.)
//!
//! For each parser that reads request bytes, a benign line and the worst
//! lines known, every one exactly [`SIZES`] bytes, through the public API:
//!
//! - `worst_case/cookie/*`: [`Authenticator::resolve`] with one `Cookie`
//!   line, from an untrusted peer. `benign`: a browser's ordinary cookies,
//!   repeated. `name_repeated`: the cookie name over and over, no `;` or `=`
//!   (the line that was quadratic). `name_semicolon`: `name ;` over and over,
//!   the most occurrences the scan must stop at. `name_bad_values`:
//!   `name=<non-UTF-8>;` over and over, every occurrence a real pair whose
//!   value is skipped, so none counts towards the cap of 8 token copies
//!   (both end at the cap of 8 occurrences of the name). `name_prefix`: the
//!   name less its last byte, over and over, which no cap sees: the substring
//!   search's own worst case.
//! - `worst_case/bearer/*`: [`Authenticator::resolve`] with one
//!   `Authorization` line. `benign`: `Bearer` and a token-like run of
//!   base64url (refused as too large). `spaces`: `Bearer`, spaces, one byte.
//!   `bearer_repeated`: `Bearer ` over and over.
//! - `worst_case/proxy_header/*`: [`Authenticator::resolve`] with one
//!   `Remote-User` line from a trusted proxy. `benign`: an ASCII name.
//!   `two_byte_chars`: `é` over and over, `arabic`: `ا` over and over (the
//!   most non-ASCII characters per byte for the character checks), `cjk`:
//!   `山` over and over. `spaces`: spaces around one letter.
//!   `invisible_last`: an ASCII name with U+200B at its end (refused after
//!   the whole scan).
//! - `worst_case/x_forwarded_for/*` and `worst_case/real_ip/*`:
//!   [`TrustedProxies::client_ip`] and [`RealIp::client`] with one
//!   `X-Forwarded-For` line from a trusted proxy. `benign`: a long chain the
//!   client brought, then the client and the proxy. `long_chain`: the same,
//!   with 63 listed proxies after the client (the most entries a walk
//!   reads: what `padded_entries` is to be compared with, since only a
//!   listed sender can make the walk go on). `spaces`: spaces, then
//!   the client (one entry too long to be an address: refused unread).
//!   `long_port`: the client with a port of zeros. `colons`: one entry of
//!   colons. `brackets`: one `[...]` entry. `padded_entries`: 64 listed
//!   proxies each padded with spaces to the longest entry the walk reads, the
//!   most trimming and parsing any line can ask for.
//!
//! Target: every worst line ≤ 2 × `benign` of the same size (for the
//! forwarding walks' `padded_entries`, ≤ 2 × `long_chain`). The ratios are
//! what matters: absolute times move with the machine's load.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::net::IpAddr;

use criterion::{BenchmarkId, criterion_group, criterion_main};
use http::{HeaderMap, HeaderValue};
use organizr_auth_benches as fx;
use organizr_auth_core::access::{RealIp, RealIpHeader};
use organizr_auth_core::{Authentication, Peer, TrustedProxies};

/// The line sizes: nginx's default header buffer (8 KiB), and a line a
/// server with large header limits lets through (hyper's default is about
/// 400 KB; Caddy forwards what it receives).
const SIZES: [usize; 2] = [8 * 1024, 256 * 1024];

/// `unit` repeated, then `fill` bytes to make exactly `size` bytes.
fn repeat_to(unit: &[u8], fill: u8, size: usize) -> Vec<u8> {
    let mut line: Vec<u8> = unit.iter().copied().cycle().take(size).collect();
    // Do not cut the last unit in half: fill its place instead.
    let whole = size - size % unit.len();
    for b in line.iter_mut().skip(whole) {
        *b = fill;
    }
    line
}

/// `head`, then `fill` bytes, then `tail`: exactly `size` bytes.
fn padded(head: &[u8], fill: u8, tail: &[u8], size: usize) -> Vec<u8> {
    let mut line = head.to_vec();
    line.resize(size - tail.len(), fill);
    line.extend_from_slice(tail);
    line
}

fn one_line(name: &'static str, value: &[u8]) -> HeaderMap {
    let mut map = HeaderMap::new();
    map.append(name, HeaderValue::from_bytes(value).unwrap());
    map
}

fn cookie(c: &mut criterion::Criterion) {
    let auth = fx::authenticator();
    let name = auth.cookie_name().to_owned();
    let peer = fx::client_peer();
    let mut g = c.benchmark_group("worst_case/cookie");
    for size in SIZES {
        let benign = fx::cookie_header(None) + "; ";
        let mut prefix = name.clone().into_bytes();
        prefix.pop();
        let lines: [(&str, Vec<u8>); 5] = [
            ("benign", repeat_to(benign.as_bytes(), b'x', size)),
            ("name_repeated", repeat_to(name.as_bytes(), b'x', size)),
            (
                "name_semicolon",
                repeat_to(format!("{name} ;").as_bytes(), b'x', size),
            ),
            (
                "name_bad_values",
                repeat_to(&[name.as_bytes(), b"=\xff;"].concat(), b'x', size),
            ),
            ("name_prefix", repeat_to(&prefix, b'x', size)),
        ];
        for (what, line) in lines {
            assert_eq!(line.len(), size, "{what}");
            let headers = one_line("cookie", &line);
            let outcome = auth.resolve(&headers, None, &peer);
            assert!(outcome.identity().is_none(), "{what}");
            g.bench_with_input(BenchmarkId::new(what, size), &headers, |b, h| {
                b.iter(|| auth.resolve(black_box(h), None, black_box(&peer)))
            });
        }
    }
    g.finish();
}

fn bearer(c: &mut criterion::Criterion) {
    let auth = fx::authenticator();
    let peer = fx::client_peer();
    let mut g = c.benchmark_group("worst_case/bearer");
    for size in SIZES {
        let lines: [(&str, Vec<u8>); 3] = [
            ("benign", padded(b"Bearer ", b'A', b"", size)),
            ("spaces", padded(b"Bearer ", b' ', b"x", size)),
            ("bearer_repeated", repeat_to(b"Bearer ", b'x', size)),
        ];
        for (what, line) in lines {
            assert_eq!(line.len(), size, "{what}");
            let headers = one_line("authorization", &line);
            assert!(
                matches!(
                    auth.resolve(&headers, None, &peer),
                    Authentication::Anonymous { .. }
                ),
                "{what}"
            );
            g.bench_with_input(BenchmarkId::new(what, size), &headers, |b, h| {
                b.iter(|| auth.resolve(black_box(h), None, black_box(&peer)))
            });
        }
    }
    g.finish();
}

fn proxy_header(c: &mut criterion::Criterion) {
    let auth = fx::authenticator();
    let peer = fx::proxy_peer();
    let mut g = c.benchmark_group("worst_case/proxy_header");
    for size in SIZES {
        let lines: [(&str, Vec<u8>, bool); 6] = [
            ("benign", repeat_to(b"alice", b'a', size), true),
            (
                "two_byte_chars",
                repeat_to("é".as_bytes(), b'e', size),
                true,
            ),
            ("arabic", repeat_to("\u{627}".as_bytes(), b'a', size), true),
            ("cjk", repeat_to("\u{5c71}".as_bytes(), b'a', size), true),
            ("spaces", padded(b"", b' ', b"a", size), true),
            (
                "invisible_last",
                padded(b"", b'a', "\u{200b}".as_bytes(), size),
                false,
            ),
        ];
        for (what, line, accepted) in lines {
            assert_eq!(line.len(), size, "{what}");
            let headers = one_line("remote-user", &line);
            let outcome = auth.resolve(&headers, None, &peer);
            assert_eq!(outcome.identity().is_some(), accepted, "{what}");
            g.bench_with_input(BenchmarkId::new(what, size), &headers, |b, h| {
                b.iter(|| auth.resolve(black_box(h), None, black_box(&peer)))
            });
        }
    }
    g.finish();
}

/// The `X-Forwarded-For` lines, each `size` bytes, and the client each gives
/// (`None`: the walk fails closed).
fn forwarding_lines(size: usize) -> [(&'static str, Vec<u8>, Option<IpAddr>); 7] {
    let client: IpAddr = "203.0.113.9".parse().unwrap();
    let tail = b", 203.0.113.9, 172.18.0.3";
    let brought = repeat_to(b"198.51.100.7, ", b' ', size - tail.len());
    // 64 listed proxies, each padded with spaces to the longest entry read:
    // the most trimming and parsing a walk does, whatever the size.
    let entry = padded(b"", b' ', b"172.18.0.3", 63);
    let entries = vec![entry; 64].join(&b',');
    let padded_entries = padded(b"", b' ', &entries, size);
    // An honest chain through 63 listed proxies: the most entries a walk reads.
    let hops: Vec<String> = (0..63).map(|i| format!("172.18.{i}.2")).collect();
    let chain = format!(", 203.0.113.9, {}", hops.join(", "));
    let long_chain = [
        &repeat_to(b"198.51.100.7, ", b' ', size - chain.len())[..],
        chain.as_bytes(),
    ]
    .concat();
    [
        ("benign", [&brought[..], tail].concat(), Some(client)),
        ("long_chain", long_chain, Some(client)),
        ("spaces", padded(b"", b' ', b"203.0.113.9", size), None),
        ("long_port", padded(b"203.0.113.9:", b'0', b"", size), None),
        ("colons", padded(b"", b':', b"", size), None),
        ("brackets", padded(b"[", b'1', b"]", size), None),
        // The 64th entry from the right holds the padding: too long, refused.
        ("padded_entries", padded_entries, None),
    ]
}

fn x_forwarded_for(c: &mut criterion::Criterion) {
    let proxies: TrustedProxies = fx::TRUSTED_PROXIES.parse().unwrap();
    let real_ip = RealIp::new(proxies.clone(), RealIpHeader::XForwardedFor);
    let peer = fx::proxy_peer();
    let Peer::Tcp(proxy) = peer else {
        unreachable!()
    };
    let mut g = c.benchmark_group("worst_case/x_forwarded_for");
    for size in SIZES {
        for (what, line, client) in forwarding_lines(size) {
            assert_eq!(line.len(), size, "{what}");
            let headers = one_line("x-forwarded-for", &line);
            let want = client.unwrap_or(proxy.ip());
            assert_eq!(proxies.client_ip(&peer, &headers), Some(want), "{what}");
            g.bench_with_input(BenchmarkId::new(what, size), &headers, |b, h| {
                b.iter(|| proxies.client_ip(black_box(&peer), black_box(h)))
            });
        }
    }
    g.finish();
    let mut g = c.benchmark_group("worst_case/real_ip");
    for size in SIZES {
        for (what, line, client) in forwarding_lines(size) {
            let headers = one_line("x-forwarded-for", &line);
            assert_eq!(real_ip.client(&peer, &headers).ip(), client, "{what}");
            g.bench_with_input(BenchmarkId::new(what, size), &headers, |b, h| {
                b.iter(|| real_ip.client(black_box(&peer), black_box(h)))
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = fx::criterion();
    targets = cookie, bearer, proxy_header, x_forwarded_for
}
criterion_main!(benches);
