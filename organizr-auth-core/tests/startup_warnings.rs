//! What building an authenticator warns about, once each.
//!
//! Issue 15 finding 4: a trusted-proxy list holding a loopback address, a
//! container-bridge range or a range broader than /8 (IPv4) or /32 (IPv6),
//! one warning per entry naming who could impersonate users. Parsing the list
//! alone says nothing (the same list type also names the proxies a real-IP
//! header is read from). Finding 5: a short key, and an API key of one
//! character.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod common;

use common::Recorder;
use organizr_auth_core::access::{AccessPolicy, AccessRules, RealIp, RealIpHeader};
use organizr_auth_core::{Authenticator, Config, Secret, TrustedProxies};

const KEY: &str = "a-long-random-organizr-hash-value-here";

/// The warnings `Authenticator::new` logs for `list`.
fn warnings_for(list: &str) -> Vec<String> {
    let recorder = Recorder::default();
    recorder.record(|| {
        let proxies = TrustedProxies::parse(list).unwrap();
        Authenticator::new(
            Config::new(Secret::new(KEY).unwrap())
                .uuid("u-1")
                .trusted_proxies(proxies),
        )
    });
    recorder.warnings()
}

#[test]
fn each_risky_entry_warns_once_naming_the_risk() {
    let cases: &[(&str, &[&str])] = &[
        ("", &[]),
        ("@", &[]),
        ("172.18.0.5, 192.168.1.10, fd00::2, @", &[]),
        (
            "127.0.0.2",
            &["trusted-proxy list contains 127.0.0.2/32: any local process"],
        ),
        (
            "::1",
            &["trusted-proxy list contains ::1/128: any local process"],
        ),
        (
            "172.17.0.0/16",
            &["trusted-proxy list contains 172.17.0.0/16: any container on that network"],
        ),
        (
            "10.0.0.0/4",
            &["trusted-proxy list contains 0.0.0.0/4: every host in it"],
        ),
        (
            "2001:db8::/16",
            &["trusted-proxy list contains 2001::/16: every host in it"],
        ),
        (
            "0.0.0.0/0",
            &[
                "contains 0.0.0.0/0: any local process",
                "contains 0.0.0.0/0: any container",
                "contains 0.0.0.0/0: every host",
            ],
        ),
        (
            "10.0.0.1, 127.0.0.1, 172.18.0.0/16, @",
            &[
                "contains 127.0.0.1/32: any local process",
                "contains 172.18.0.0/16: any container",
            ],
        ),
    ];
    for (list, want) in cases {
        let got = warnings_for(list);
        assert_eq!(got.len(), want.len(), "{list:?}: {got:#?}");
        for (warning, fragment) in got.iter().zip(*want) {
            assert!(warning.contains(fragment), "{list:?}: {warning}");
            assert!(warning.contains("SECURITY.md"), "{warning}");
        }
    }
}

#[test]
fn parsing_alone_does_not_warn() {
    let recorder = Recorder::default();
    recorder.record(|| TrustedProxies::parse("127.0.0.1, 0.0.0.0/0").unwrap());
    assert_eq!(recorder.warnings(), Vec::<String>::new());
}

#[test]
fn short_keys_warn_once_without_the_key() {
    let warnings = |config: Config| {
        let recorder = Recorder::default();
        recorder.record(|| Authenticator::new(config));
        recorder.warnings()
    };
    assert_eq!(
        warnings(Config::new(Secret::new(KEY).unwrap()).uuid("u-1")),
        Vec::<String>::new()
    );

    let short = warnings(Config::new(Secret::new("abc").unwrap()).uuid("u-1"));
    assert_eq!(short.len(), 1, "{short:?}");
    assert!(short[0].contains("shorter than 32 bytes"), "{short:?}");
    assert!(!short[0].contains("abc"), "{short:?}");

    let api = organizr_auth_core::ApiKey::new("K").unwrap();
    let one_char = warnings(
        Config::new(Secret::new(KEY).unwrap())
            .uuid("u-1")
            .api_key(api),
    );
    assert_eq!(one_char.len(), 1, "{one_char:?}");
    assert!(
        one_char[0].contains("API key is shorter than 8"),
        "{one_char:?}"
    );
}

/// The real-IP list (whose header IP lists believe) gets the same risk check:
/// a loopback or bridge entry lets others claim an allow-listed address. One
/// warning per entry, when an `AccessPolicy` takes the list; none for a
/// list of named proxies.
#[test]
fn risky_real_ip_entries_warn_once_when_a_policy_takes_them() {
    let warnings_for = |list: &str| {
        let recorder = Recorder::default();
        recorder.record(|| {
            let real_ip = RealIp::new(
                TrustedProxies::parse(list).unwrap(),
                RealIpHeader::XForwardedFor,
            );
            let rules = AccessRules::from_organizr_query("whitelist=10.1.2.3").unwrap();
            AccessPolicy::new(rules).with_real_ip(real_ip)
        });
        recorder.warnings()
    };
    assert_eq!(warnings_for("172.18.0.2, @"), Vec::<String>::new());
    let got = warnings_for("127.0.0.1, 172.18.0.0/16, 172.18.0.2");
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(
        got[0].contains(
            "real-IP list contains 127.0.0.1/32: any local process can claim any client address"
        ),
        "{}",
        got[0]
    );
    assert!(
        got[1].contains("real-IP list contains 172.18.0.0/16: any container on that network"),
        "{}",
        got[1]
    );
    // Building the authenticator's own trusted list says nothing about it.
    assert!(
        got.iter().all(|w| !w.contains("trusted-proxy list")),
        "{got:#?}"
    );
}
