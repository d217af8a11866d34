//! Question 4: what does resolving an identity from a realistic request head
//! cost, on top of validating the token?
//!
//! The head is a browser's `GET` as a reverse proxy forwards it: twenty headers,
//! the Organizr cookie eighth of eleven cookies (see `benches/src/lib.rs`).
//! The authenticator trusts `172.18.0.0/16, 127.0.0.1, ::1, 192.168.1.0/24`.
//!
//! `resolve` ([`Authenticator::resolve`]) and `process`
//! ([`Authenticator::admit`]: resolve, sanitise, authorize, downstream
//! headers) groups, each with `validate_only` (the token alone through
//! [`TokenValidator::validate`](organizr_auth_core::TokenValidator::validate))
//! as the baseline:
//! - `token_untrusted_peer`: the cookie, from a peer not on the list;
//! - `token_via_trusted_proxy`: the cookie, through the trusted proxy (which
//!   sends no `Remote-User`);
//! - `proxy_header`: `Remote-User: alice` from the trusted proxy, no token;
//! - `anonymous`: no token, untrusted peer;
//! - `token_untrusted_peer_cache_off`: the first case with the cache of
//!   verified tokens off (`token_cache(0)`): every request checks the token in
//!   full, as a token the cache has not seen yet (a miss) does;
//! - `process/*` runs those four with `Policy::pass_through()`, and also
//!   `require_user` (level 4 required), `downstream_headers`
//!   (the `X-Organizr-*` headers written onto the request), `spoofed_header`
//!   (an untrusted peer sends `Remote-User` too, which is stripped) and
//!   `anonymous_rejected` (401 built).
//!
//! `process` runs on the same header map every iteration when it leaves it
//! unchanged (checked before timing). `downstream_headers` and `spoofed_header`
//! change it, so each iteration clones the map first, inside the timed section
//! (a clone made ahead in a batch would be out of cache, unlike a request a
//! server has just parsed), and `clone_headers_only` times that clone alone, to
//! subtract.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main};
use http::HeaderMap;
use organizr_auth_benches as fx;
use organizr_auth_core::{Authenticator, GroupLevel, Peer, Policy, RequestHead, Source, Verdict};

struct Case {
    name: &'static str,
    headers: HeaderMap,
    peer: Peer,
    /// The username resolved, if any.
    expect: Option<&'static str>,
}

fn cases() -> Vec<Case> {
    let token = fx::realistic_token();
    vec![
        Case {
            name: "token_untrusted_peer",
            headers: fx::request_headers(Some(&token), &[]),
            peer: fx::client_peer(),
            expect: Some("root"),
        },
        Case {
            name: "token_via_trusted_proxy",
            headers: fx::request_headers(Some(&token), &[]),
            peer: fx::proxy_peer(),
            expect: Some("root"),
        },
        Case {
            name: "proxy_header",
            headers: fx::request_headers(None, &[("remote-user", "alice")]),
            peer: fx::proxy_peer(),
            expect: Some("alice"),
        },
        Case {
            name: "anonymous",
            headers: fx::request_headers(None, &[]),
            peer: fx::client_peer(),
            expect: None,
        },
    ]
}

fn username(auth: &organizr_auth_core::Authentication) -> Option<&str> {
    auth.identity().map(|i| i.username.as_str())
}

fn resolve(c: &mut criterion::Criterion) {
    let auth = fx::authenticator();
    let token = fx::realistic_token();
    let mut g = c.benchmark_group("resolve");
    g.bench_function("validate_only", |b| {
        b.iter(|| {
            auth.validator()
                .expect("tokens accepted")
                .validate(black_box(&token))
        })
    });
    for case in cases() {
        assert_eq!(
            username(&auth.resolve(&case.headers, None, &case.peer)),
            case.expect,
            "{}",
            case.name
        );
        g.bench_function(case.name, |b| {
            b.iter(|| auth.resolve(black_box(&case.headers), None, &case.peer))
        });
    }
    let uncached = Authenticator::new(fx::config().token_cache(0).expect("0 turns it off"));
    assert!(!uncached.token_cache().is_enabled());
    let headers = fx::request_headers(Some(&token), &[]);
    let peer = fx::client_peer();
    assert_eq!(
        username(&uncached.resolve(&headers, None, &peer)),
        Some("root")
    );
    g.bench_function("token_untrusted_peer_cache_off", |b| {
        b.iter(|| uncached.resolve(black_box(&headers), None, &peer))
    });
    g.finish();
}

fn run_process(
    auth: &Arc<Authenticator>,
    headers: &mut HeaderMap,
    peer: &Peer,
    policy: &Policy,
) -> Verdict {
    let head = RequestHead::new("GET", "/", None, headers);
    auth.admit(head, *peer, policy, None)
}

fn process(c: &mut criterion::Criterion) {
    let auth = Arc::new(fx::authenticator());
    let token = fx::realistic_token();
    let user = Policy::require(GroupLevel::USER);
    let pass = Policy::pass_through();
    let with_headers = Policy::require(GroupLevel::USER).with_downstream_headers(true);

    let mut all: Vec<(String, HeaderMap, Peer, Policy, bool)> = cases()
        .into_iter()
        .map(|c| (c.name.to_owned(), c.headers, c.peer, pass.clone(), true))
        .collect();
    let with_token = fx::request_headers(Some(&token), &[]);
    all.push((
        "require_user".into(),
        with_token.clone(),
        fx::proxy_peer(),
        user.clone(),
        true,
    ));
    all.push((
        "downstream_headers".into(),
        with_token,
        fx::proxy_peer(),
        with_headers,
        true,
    ));
    all.push((
        "spoofed_header".into(),
        fx::request_headers(Some(&token), &[("remote-user", "admin")]),
        fx::client_peer(),
        user.clone(),
        true,
    ));
    all.push((
        "anonymous_rejected".into(),
        fx::request_headers(None, &[]),
        fx::client_peer(),
        user,
        false,
    ));

    let mut g = c.benchmark_group("process");
    g.bench_function("validate_only", |b| {
        b.iter(|| {
            auth.validator()
                .expect("tokens accepted")
                .validate(black_box(&token))
        })
    });
    for (name, headers, peer, policy, allowed) in all {
        let mut check = headers.clone();
        let verdict = run_process(&auth, &mut check, &peer, &policy);
        assert_eq!(matches!(verdict, Verdict::Allow(_)), allowed, "{name}");
        if name == "downstream_headers" {
            assert!(check.contains_key("x-organizr-user"), "{check:?}");
        }
        if name == "spoofed_header" {
            assert!(!check.contains_key("remote-user"));
            if let Verdict::Allow(a) = &verdict {
                assert_eq!(a.identity().map(|i| i.source), Some(Source::Token));
            }
        }
        if check == headers {
            g.bench_function(name.as_str(), |b| {
                b.iter(|| run_process(&auth, &mut check, &peer, &policy))
            });
        } else {
            g.bench_function(name.as_str(), |b| {
                b.iter(|| run_process(&auth, &mut headers.clone(), &peer, &policy))
            });
        }
    }
    let headers = fx::request_headers(Some(&token), &[]);
    g.bench_function("clone_headers_only", |b| b.iter(|| headers.clone()));
    g.finish();
}

criterion_group! {
    name = benches;
    config = fx::criterion();
    targets = resolve, process
}
criterion_main!(benches);
