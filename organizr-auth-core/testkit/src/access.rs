//! IP allow and deny lists on an app's route (issue 12): an
//! [`AccessPolicy`] in the middleware's [`Policy`], decided by core before
//! the level, the same through every adapter.

use organizr_auth_core::access::{AccessPolicy, AccessRules, IpList, RealIp, RealIpHeader};

use super::*;

/// A LAN client: on [`lan_policy`]'s allow list, not a trusted proxy.
pub(crate) fn lan_client() -> Peer {
    Peer::Tcp(SocketAddr::from(([192, 168, 1, 20], 40000)))
}

/// A client on [`lan_policy`]'s deny list.
pub(crate) fn blocked_client() -> Peer {
    Peer::Tcp(SocketAddr::from(([203, 0, 113, 66], 40000)))
}

/// Admins only, except the LAN (192.168.1.0/24) gets in without logging in;
/// 203.0.113.0/24 never does. Client address: the socket peer.
pub(crate) fn lan_policy() -> Policy {
    let rules = AccessRules::new()
        .with_allow(IpList::parse("192.168.1.0/24").unwrap())
        .with_deny(IpList::parse("203.0.113.0/24").unwrap());
    Policy::require(GroupLevel::ADMIN).with_access(AccessPolicy::new(rules))
}

/// Any logged-in user, except 203.0.113.9; the client address is what the
/// trusted proxy 10.0.0.2 reports in `X-Forwarded-For`.
pub(crate) fn behind_proxy_policy() -> Policy {
    let rules = AccessRules::new().with_deny(IpList::parse("203.0.113.9").unwrap());
    let real_ip = RealIp::new(
        TrustedProxies::parse("10.0.0.2").unwrap(),
        RealIpHeader::XForwardedFor,
    );
    Policy::require(GroupLevel::LOGGED_IN)
        .with_access(AccessPolicy::new(rules).with_real_ip(real_ip))
}

pub(crate) fn cases() -> Vec<Case> {
    use ConfigKind::{Login, Standard};
    let base = |name, config, route, peer, headers: Vec<(&'static str, String)>, expect| Case {
        name,
        config,
        route,
        custom_rejection: false,
        peer,
        method: "GET",
        uri: "/protected".to_owned(),
        headers,
        expect,
    };
    let ok = |user: Option<&'static str>, level: Option<u16>| Expect {
        status: 200,
        user,
        level,
        source: user.map(|_| "token"),
        ..Expect::default()
    };
    let forbidden = Expect {
        status: 403,
        ..Expect::default()
    };
    let unauthorized = Expect {
        status: 401,
        challenge: true,
        ..Expect::default()
    };
    let lan = || Route::Layer(lan_policy());
    let proxied = || Route::Layer(behind_proxy_policy());
    let admin = || vec![("cookie", cookie(&token("root", 0)))];
    let user = || vec![("cookie", cookie(&token("alice", 4)))];
    let mut cases = vec![
        base(
            "access_allow_list_waives_the_level",
            Standard,
            lan(),
            lan_client(),
            vec![],
            ok(None, None),
        ),
        base(
            "access_allow_list_keeps_the_identity",
            Standard,
            lan(),
            lan_client(),
            user(),
            ok(Some("alice"), Some(4)),
        ),
        base(
            "access_allow_list_still_strips_spoofed_headers",
            Standard,
            lan(),
            lan_client(),
            vec![("remote-user", "admin".to_owned())],
            Expect {
                unseen: vec!["remote-user"],
                ..ok(None, None)
            },
        ),
        base(
            "access_deny_list_refuses_an_admin",
            Standard,
            lan(),
            blocked_client(),
            admin(),
            forbidden.clone(),
        ),
        base(
            "access_deny_list_never_redirects_a_browser",
            Login,
            lan(),
            blocked_client(),
            vec![("accept", "text/html".to_owned())],
            forbidden.clone(),
        ),
        base(
            "access_unlisted_anonymous_must_log_in",
            Standard,
            lan(),
            untrusted_v4(),
            vec![],
            unauthorized.clone(),
        ),
        base(
            "access_unlisted_admin_passes",
            Standard,
            lan(),
            untrusted_v4(),
            admin(),
            ok(Some("root"), Some(0)),
        ),
        base(
            "access_unlisted_user_too_low",
            Standard,
            lan(),
            untrusted_v4(),
            user(),
            forbidden.clone(),
        ),
        base(
            "access_forwarded_for_from_a_client_is_not_read",
            Standard,
            lan(),
            untrusted_v4(),
            vec![("x-forwarded-for", "192.168.1.20".to_owned())],
            unauthorized.clone(),
        ),
        base(
            "access_real_ip_from_the_proxy_is_denied",
            Standard,
            proxied(),
            trusted_v4(),
            vec![
                ("x-forwarded-for", "192.168.1.20, 203.0.113.9".to_owned()),
                ("cookie", cookie(&token("root", 0))),
            ],
            forbidden.clone(),
        ),
        base(
            "access_real_ip_leftmost_entry_is_the_clients_own",
            Standard,
            proxied(),
            trusted_v4(),
            vec![
                ("x-forwarded-for", "203.0.113.9, 192.168.1.20".to_owned()),
                ("cookie", cookie(&token("alice", 4))),
            ],
            ok(Some("alice"), Some(4)),
        ),
        base(
            "access_real_ip_unknown_client_meets_the_deny_list",
            Standard,
            proxied(),
            trusted_v4(),
            vec![("cookie", cookie(&token("alice", 4)))],
            forbidden.clone(),
        ),
        base(
            "access_stacked_inner_deny_list",
            Standard,
            Route::Stacked {
                outer: Policy::pass_through(),
                inner: lan_policy(),
            },
            blocked_client(),
            admin(),
            forbidden.clone(),
        ),
    ];
    cases.push(Case {
        custom_rejection: true,
        ..base(
            "access_deny_list_answered_by_the_custom_handler",
            Standard,
            lan(),
            blocked_client(),
            admin(),
            forbidden,
        )
    });
    cases
}
