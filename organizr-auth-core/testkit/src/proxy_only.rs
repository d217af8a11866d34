//! Proxy-only mode (issue 13): an app behind a proxy that authenticates by
//! itself (Authelia, Authentik, oauth2-proxy, basic auth), with no Organizr
//! key, and group names mapped to levels.

use super::*;

pub(crate) fn cases() -> Vec<Case> {
    use ConfigKind::{ProxyOnly, ProxyOnlyStrict};
    let base = |name, config, route, peer, headers: Vec<(&'static str, &str)>, expect| Case {
        name,
        config,
        route,
        custom_rejection: false,
        peer,
        method: "GET",
        uri: "/protected".to_owned(),
        headers: headers
            .into_iter()
            .map(|(n, v)| (n, v.to_owned()))
            .collect(),
        expect,
    };
    let ok = |user: &'static str, level: u16| Expect {
        status: 200,
        user: Some(user),
        level: Some(level),
        source: Some("proxy"),
        ..Expect::default()
    };
    let unauthorized = Expect {
        status: 401,
        // No key: no bearer tokens to ask for, but the challenge header is
        // about bearer acceptance, which stays on by default.
        challenge: true,
        ..Expect::default()
    };
    let layer = |level: u16| Route::Layer(Policy::require(level_of(level)));
    let token = token("bob", 0);
    let cookie = cookie(&token);
    let bearer = format!("Bearer {token}");
    vec![
        base(
            "proxy_only_user",
            ProxyOnly,
            layer(998),
            trusted_v4(),
            vec![("remote-user", "alice")],
            ok("alice", 998),
        ),
        base(
            "proxy_only_user_v6",
            ProxyOnly,
            layer(998),
            trusted_v6(),
            vec![("remote-user", "alice")],
            ok("alice", 998),
        ),
        base(
            "proxy_only_unix",
            ProxyOnly,
            layer(998),
            Peer::Unix,
            vec![("remote-user", "alice")],
            ok("alice", 998),
        ),
        // Tokens are ignored in proxy-only mode: a valid admin token is nothing.
        base(
            "proxy_only_token_ignored",
            ProxyOnly,
            layer(998),
            untrusted_v4(),
            vec![("cookie", &cookie)],
            unauthorized.clone(),
        ),
        base(
            "proxy_only_bearer_ignored",
            ProxyOnly,
            layer(998),
            untrusted_v4(),
            vec![("authorization", &bearer)],
            unauthorized.clone(),
        ),
        base(
            "proxy_only_token_beside_proxy_user",
            ProxyOnly,
            layer(998),
            trusted_v4(),
            vec![("remote-user", "alice"), ("cookie", &cookie)],
            ok("alice", 998),
        ),
        // Group names map to levels; the most privileged mapped group wins.
        base(
            "groups_admins",
            ProxyOnly,
            layer(0),
            trusted_v4(),
            vec![("remote-user", "alice"), ("remote-groups", "family,admins")],
            ok("alice", 0),
        ),
        base(
            "groups_pipe_separated",
            ProxyOnly,
            layer(3),
            trusted_v4(),
            vec![("remote-user", "alice"), ("remote-groups", "family|power")],
            ok("alice", 3),
        ),
        base(
            "groups_spaces_trimmed",
            ProxyOnly,
            layer(4),
            trusted_v4(),
            vec![
                ("remote-user", "alice"),
                ("remote-groups", " family , guests "),
            ],
            ok("alice", 4),
        ),
        base(
            "groups_case_sensitive",
            ProxyOnly,
            layer(998),
            trusted_v4(),
            vec![("remote-user", "alice"), ("remote-groups", "Admins")],
            ok("alice", 998),
        ),
        base(
            "groups_unmapped_default",
            ProxyOnly,
            layer(998),
            trusted_v4(),
            vec![("remote-user", "alice"), ("remote-groups", "guests")],
            ok("alice", 998),
        ),
        base(
            "groups_absent_default",
            ProxyOnly,
            layer(998),
            trusted_v4(),
            vec![("remote-user", "alice")],
            ok("alice", 998),
        ),
        base(
            "groups_too_low_403",
            ProxyOnly,
            layer(0),
            trusted_v4(),
            vec![("remote-user", "alice"), ("remote-groups", "family")],
            Expect {
                status: 403,
                ..Expect::default()
            },
        ),
        base(
            "groups_unmapped_refused_when_strict",
            ProxyOnlyStrict,
            layer(998),
            trusted_v4(),
            vec![("remote-user", "alice"), ("remote-groups", "guests")],
            unauthorized.clone(),
        ),
        base(
            "groups_mapped_when_strict",
            ProxyOnlyStrict,
            layer(4),
            trusted_v4(),
            vec![("remote-user", "alice"), ("remote-groups", "family")],
            ok("alice", 4),
        ),
        base(
            "groups_repeated_refused",
            ProxyOnly,
            layer(998),
            trusted_v4(),
            vec![
                ("remote-user", "alice"),
                ("remote-groups", "family"),
                ("remote-groups", "admins"),
            ],
            unauthorized.clone(),
        ),
        // A client reaching the app directly can claim nothing.
        base(
            "groups_spoofed_untrusted",
            ProxyOnly,
            layer(998),
            untrusted_v4(),
            vec![
                ("remote-user", "alice"),
                ("remote-groups", "admins"),
                ("remote-email", "a@example.org"),
            ],
            Expect {
                unseen: vec!["remote-user", "remote-groups", "remote-email"],
                ..unauthorized.clone()
            },
        ),
        base(
            "groups_spoofed_unknown_peer",
            ProxyOnly,
            layer(998),
            Peer::Unknown,
            vec![("remote-user", "alice"), ("remote-groups", "admins")],
            unauthorized.clone(),
        ),
        // The proxy's e-mail and name reach the identity and the handler.
        base(
            "proxy_email_and_name",
            ProxyOnly,
            Route::Layer(Policy::pass_through()),
            trusted_v4(),
            vec![
                ("remote-user", "alice"),
                ("remote-email", "alice@example.org"),
                ("remote-name", "Alice Liddell"),
            ],
            Expect {
                seen: vec![
                    ("remote-email", "alice@example.org"),
                    ("remote-name", "Alice Liddell"),
                ],
                ..ok("alice", 998)
            },
        ),
        base(
            "proxy_email_repeated_refused",
            ProxyOnly,
            layer(998),
            trusted_v4(),
            vec![
                ("remote-user", "alice"),
                ("remote-email", "a@example.org"),
                ("remote-email", "b@example.org"),
            ],
            Expect {
                unseen: vec!["remote-email"],
                ..unauthorized.clone()
            },
        ),
        base(
            "proxy_name_with_control_refused",
            ProxyOnly,
            layer(998),
            trusted_v4(),
            vec![("remote-user", "alice"), ("remote-name", "Alice\u{85}")],
            unauthorized.clone(),
        ),
        base(
            "proxy_email_underscore_spelling_stripped",
            ProxyOnly,
            Route::Layer(Policy::pass_through()),
            trusted_v4(),
            vec![
                ("remote-user", "alice"),
                ("remote_email", "evil@example.org"),
            ],
            Expect {
                unseen: vec!["remote_email"],
                ..ok("alice", 998)
            },
        ),
        // The extractors see the mapped level.
        base(
            "groups_admin_extractor",
            ProxyOnly,
            Route::Extractor(Extractor::Admin),
            trusted_v4(),
            vec![("remote-user", "alice"), ("remote-groups", "admins")],
            ok("alice", 0),
        ),
        base(
            "groups_admin_extractor_403",
            ProxyOnly,
            Route::Extractor(Extractor::Admin),
            trusted_v4(),
            vec![("remote-user", "alice"), ("remote-groups", "power")],
            Expect {
                status: 403,
                ..Expect::default()
            },
        ),
    ]
}
