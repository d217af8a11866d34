//! The table itself.

use super::*;

/// Every behaviour case.
pub fn cases() -> Vec<Case> {
    use ConfigKind::*;
    let admin = token("root", 0);
    let user = token("mallory.fan", 4);
    let kid = token("kid", 12);
    let alice_token = token("alice", 4);
    let require = |level: u16| Policy::require(level_of(level));
    let ok = |user: &'static str, level: u16, source: &'static str| Expect {
        status: 200,
        user: Some(user),
        level: Some(level),
        source: Some(source),
        ..Expect::default()
    };
    let anon_ok = || Expect {
        status: 200,
        ..Expect::default()
    };
    let unauthorized = || Expect {
        status: 401,
        challenge: true,
        ..Expect::default()
    };
    let forbidden = || Expect {
        status: 403,
        ..Expect::default()
    };
    let spoofed = || {
        vec![
            ("remote-user", "admin".to_owned()),
            ("remote_user", "admin".to_owned()),
            ("x-organizr-user", "admin".to_owned()),
            ("x-organizr-group", "0".to_owned()),
            ("remote-groups", "Admin".to_owned()),
            ("remote-email", "admin@example.org".to_owned()),
        ]
    };
    const IDENTITY_HEADERS: [&str; 6] = [
        "remote-user",
        "remote-email",
        "remote-groups",
        "x-organizr-user",
        "x-organizr-email",
        "x-organizr-group",
    ];
    let case = |name, config, policy, peer, headers: Vec<(&'static str, String)>, expect| Case {
        name,
        config,
        route: Route::Layer(policy),
        custom_rejection: false,
        peer,
        method: "GET",
        uri: "/protected".to_owned(),
        headers,
        expect,
    };
    let c = |t: &str| ("cookie", cookie(t));
    let mut cases = vec![
        // Anonymous requests and level 999.
        case(
            "anonymous_needs_login",
            Standard,
            require(998),
            untrusted_v4(),
            vec![],
            unauthorized(),
        ),
        case(
            "anonymous_pass_through",
            Standard,
            Policy::pass_through(),
            untrusted_v4(),
            vec![],
            anon_ok(),
        ),
        case(
            "anonymous_guest_level",
            Standard,
            require(999),
            untrusted_v4(),
            vec![],
            anon_ok(),
        ),
        // Level boundaries: equal, more privileged, less privileged.
        case(
            "admin_on_admin",
            Standard,
            require(0),
            untrusted_v4(),
            vec![c(&admin)],
            ok("root", 0, "token"),
        ),
        case(
            "user_on_admin",
            Standard,
            require(0),
            untrusted_v4(),
            vec![c(&user)],
            forbidden(),
        ),
        case(
            "user_on_user",
            Standard,
            require(4),
            untrusted_v4(),
            vec![c(&user)],
            ok("mallory.fan", 4, "token"),
        ),
        case(
            "user_on_power_user",
            Standard,
            require(3),
            untrusted_v4(),
            vec![c(&user)],
            forbidden(),
        ),
        case(
            "user_on_level_5",
            Standard,
            require(5),
            untrusted_v4(),
            vec![c(&user)],
            ok("mallory.fan", 4, "token"),
        ),
        case(
            "user_on_logged_in",
            Standard,
            require(998),
            untrusted_v4(),
            vec![c(&user)],
            ok("mallory.fan", 4, "token"),
        ),
        case(
            "custom_12_on_11",
            Standard,
            require(11),
            untrusted_v4(),
            vec![c(&kid)],
            forbidden(),
        ),
        case(
            "custom_12_on_12",
            Standard,
            require(12),
            untrusted_v4(),
            vec![c(&kid)],
            ok("kid", 12, "token"),
        ),
        case(
            "admin_on_guest",
            Standard,
            require(999),
            untrusted_v4(),
            vec![c(&admin)],
            ok("root", 0, "token"),
        ),
        // Token transport and refusals.
        case(
            "bearer_token",
            Standard,
            require(998),
            untrusted_v4(),
            vec![("authorization", format!("Bearer {user}"))],
            ok("mallory.fan", 4, "token"),
        ),
        case(
            "expired_cookie",
            Standard,
            require(998),
            untrusted_v4(),
            vec![c(&expired_token("old", 4))],
            unauthorized(),
        ),
        case(
            "forged_cookie",
            Standard,
            require(998),
            untrusted_v4(),
            vec![c(&forged_token("root", 0))],
            unauthorized(),
        ),
        case(
            "alg_none_cookie",
            Standard,
            require(998),
            untrusted_v4(),
            vec![c(&alg_none_token())],
            unauthorized(),
        ),
        case(
            "garbage_cookie",
            Standard,
            require(998),
            untrusted_v4(),
            vec![("cookie", cookie("garbage"))],
            unauthorized(),
        ),
        case(
            "wrong_cookie_name",
            Standard,
            require(998),
            untrusted_v4(),
            vec![("cookie", format!("organizr_token_other={admin}"))],
            unauthorized(),
        ),
        case(
            "stale_copy_ignored",
            Standard,
            require(998),
            untrusted_v4(),
            vec![(
                "cookie",
                format!("{}; theme=dark; {}", cookie("stale.copy.x"), cookie(&user)),
            )],
            ok("mallory.fan", 4, "token"),
        ),
        case(
            "cookie_across_lines",
            Standard,
            require(998),
            untrusted_v4(),
            vec![("cookie", "theme=dark".to_owned()), c(&user)],
            ok("mallory.fan", 4, "token"),
        ),
        case(
            "two_users_in_cookies",
            Standard,
            require(998),
            untrusted_v4(),
            vec![c(&user), c(&admin)],
            unauthorized(),
        ),
        case(
            "cookie_and_bearer_disagree",
            Standard,
            require(998),
            untrusted_v4(),
            vec![c(&user), ("authorization", format!("Bearer {admin}"))],
            unauthorized(),
        ),
        // Trusted proxies.
        case(
            "proxy_v4_trusted",
            Standard,
            require(998),
            trusted_v4(),
            vec![("remote-user", "alice".to_owned())],
            ok("alice", 998, "proxy"),
        ),
        case(
            "proxy_user_is_not_user_level",
            Standard,
            require(4),
            trusted_v4(),
            vec![("remote-user", "alice".to_owned())],
            forbidden(),
        ),
        case(
            "proxy_v6_trusted",
            Standard,
            require(998),
            trusted_v6(),
            vec![("remote-user", "alice".to_owned())],
            ok("alice", 998, "proxy"),
        ),
        case(
            "proxy_mapped_v4_trusted",
            Standard,
            require(998),
            trusted_mapped(),
            vec![("remote-user", "alice".to_owned())],
            ok("alice", 998, "proxy"),
        ),
        case(
            "proxy_unix_trusted",
            Standard,
            require(998),
            Peer::Unix,
            vec![("remote-user", "alice".to_owned())],
            ok("alice", 998, "proxy"),
        ),
        case(
            "proxy_untrusted_ignored",
            Standard,
            require(998),
            untrusted_v4(),
            vec![("remote-user", "admin".to_owned())],
            unauthorized(),
        ),
        case(
            "proxy_unknown_peer_ignored",
            Standard,
            require(998),
            Peer::Unknown,
            vec![("remote-user", "admin".to_owned())],
            unauthorized(),
        ),
        case(
            "proxy_header_repeated",
            Standard,
            require(998),
            trusted_v4(),
            vec![
                ("remote-user", "admin".to_owned()),
                ("remote-user", "alice".to_owned()),
            ],
            unauthorized(),
        ),
        case(
            "proxy_header_with_comma",
            Standard,
            require(998),
            trusted_v4(),
            vec![("remote-user", "admin, alice".to_owned())],
            unauthorized(),
        ),
        case(
            "proxy_and_token_disagree",
            Standard,
            require(998),
            trusted_v4(),
            vec![("remote-user", "admin".to_owned()), c(&alice_token)],
            unauthorized(),
        ),
        case(
            "proxy_and_token_agree",
            Standard,
            require(4),
            trusted_v4(),
            vec![("remote-user", "alice".to_owned()), c(&alice_token)],
            ok("alice", 4, "token"),
        ),
        case(
            "proxy_group_header",
            GroupHeader,
            require(0),
            trusted_v4(),
            vec![
                ("remote-user", "alice".to_owned()),
                ("remote-group-id", "0".to_owned()),
            ],
            ok("alice", 0, "proxy"),
        ),
        case(
            "proxy_group_header_missing",
            GroupHeader,
            require(998),
            trusted_v4(),
            vec![("remote-user", "alice".to_owned())],
            unauthorized(),
        ),
        case(
            "proxy_group_header_invalid",
            GroupHeader,
            require(998),
            trusted_v4(),
            vec![
                ("remote-user", "alice".to_owned()),
                ("remote-group-id", "Admin".to_owned()),
            ],
            unauthorized(),
        ),
        case(
            "proxy_group_header_untrusted",
            GroupHeader,
            Policy::pass_through(),
            untrusted_v4(),
            vec![
                ("remote-user", "alice".to_owned()),
                ("remote-group-id", "0".to_owned()),
            ],
            Expect {
                unseen: vec!["remote-user", "remote-group-id"],
                ..anon_ok()
            },
        ),
        // Stripping: what the handler sees.
        case(
            "spoofed_headers_stripped",
            Standard,
            Policy::pass_through(),
            untrusted_v4(),
            spoofed(),
            Expect {
                unseen: IDENTITY_HEADERS.to_vec(),
                ..anon_ok()
            },
        ),
        case(
            "spoofed_headers_stripped_unknown_peer",
            Standard,
            Policy::pass_through(),
            Peer::Unknown,
            spoofed(),
            Expect {
                unseen: IDENTITY_HEADERS.to_vec(),
                ..anon_ok()
            },
        ),
        case(
            "trusted_proxy_headers_kept",
            Standard,
            Policy::pass_through(),
            trusted_v4(),
            vec![("remote-user", "alice".to_owned())],
            Expect {
                seen: vec![("remote-user", "alice")],
                ..ok("alice", 998, "proxy")
            },
        ),
        case(
            "trusted_proxy_underscore_spelling_stripped",
            Standard,
            require(998),
            trusted_v4(),
            vec![
                ("remote-user", "alice".to_owned()),
                ("remote_user", "admin".to_owned()),
            ],
            Expect {
                seen: vec![("remote-user", "alice")],
                unseen: vec!["remote_user"],
                ..ok("alice", 998, "proxy")
            },
        ),
        case(
            "proxy_placeholder_refused",
            Standard,
            require(998),
            trusted_v4(),
            vec![(
                "remote-user",
                "{http.reverse_proxy.header.Remote-User}".to_owned(),
            )],
            unauthorized(),
        ),
        case(
            "unrelated_headers_kept",
            Standard,
            Policy::pass_through(),
            untrusted_v4(),
            vec![
                ("x-request-id", "abc".to_owned()),
                ("remote-userx", "kept".to_owned()),
            ],
            Expect {
                seen: vec![("x-request-id", "abc"), ("remote-userx", "kept")],
                ..anon_ok()
            },
        ),
        // Downstream headers: written only from verified identities.
        case(
            "downstream_from_token",
            Standard,
            Policy::pass_through().with_downstream_headers(true),
            untrusted_v4(),
            vec![
                c(&user),
                ("x-organizr-user", "admin".to_owned()),
                ("x-organizr-group", "0".to_owned()),
            ],
            Expect {
                seen: vec![
                    ("remote-user", "mallory.fan"),
                    ("remote-email", "mallory.fan@example.org"),
                    ("remote-groups", "User"),
                    ("x-organizr-user", "mallory.fan"),
                    ("x-organizr-email", "mallory.fan@example.org"),
                    ("x-organizr-group", "4"),
                ],
                ..ok("mallory.fan", 4, "token")
            },
        ),
        case(
            "downstream_anonymous_writes_nothing",
            Standard,
            Policy::pass_through().with_downstream_headers(true),
            untrusted_v4(),
            spoofed(),
            Expect {
                unseen: IDENTITY_HEADERS.to_vec(),
                ..anon_ok()
            },
        ),
        case(
            "downstream_from_trusted_proxy",
            Standard,
            Policy::require(GroupLevel::LOGGED_IN).with_downstream_headers(true),
            trusted_v4(),
            vec![
                ("remote-user", "alice".to_owned()),
                ("x-organizr-group", "0".to_owned()),
            ],
            Expect {
                seen: vec![
                    ("remote-user", "alice"),
                    ("x-organizr-user", "alice"),
                    ("x-organizr-group", "998"),
                ],
                unseen: vec!["remote-email", "x-organizr-email"],
                ..ok("alice", 998, "proxy")
            },
        ),
        // Organizr's API key.
        case(
            "api_key_header",
            Standard,
            require(0),
            untrusted_v4(),
            vec![("token", API_KEY.to_owned())],
            ok("Organizr API", 0, "api_key"),
        ),
        case(
            "api_key_wrong",
            Standard,
            require(998),
            untrusted_v4(),
            vec![("token", "T3stk1tAp1K3y0000001".to_owned())],
            unauthorized(),
        ),
        // Login redirects: anonymous browsers only, never a 403.
        case(
            "login_redirect_get",
            Login,
            require(998),
            untrusted_v4(),
            vec![("accept", "text/html,application/xhtml+xml;q=0.9".to_owned())],
            Expect {
                status: 302,
                location: Some(LOGIN_URL),
                ..Expect::default()
            },
        ),
        case(
            "login_redirect_json_client",
            Login,
            require(998),
            untrusted_v4(),
            vec![("accept", "application/json".to_owned())],
            unauthorized(),
        ),
        case(
            "login_redirect_html_q0",
            Login,
            require(998),
            untrusted_v4(),
            vec![("accept", "text/html;q=0, */*".to_owned())],
            unauthorized(),
        ),
        case(
            "login_no_redirect_for_403",
            Login,
            require(0),
            untrusted_v4(),
            vec![c(&user), ("accept", "text/html".to_owned())],
            forbidden(),
        ),
        // Bearer switched off: no bearer tokens, no bearer challenge.
        case(
            "bearer_disabled",
            NoBearer,
            require(998),
            untrusted_v4(),
            vec![("authorization", format!("Bearer {user}"))],
            Expect {
                status: 401,
                ..Expect::default()
            },
        ),
        case(
            "bearer_disabled_cookie_ok",
            NoBearer,
            require(998),
            untrusted_v4(),
            vec![c(&user)],
            ok("mallory.fan", 4, "token"),
        ),
    ];
    cases.push(Case {
        name: "login_redirect_post_is_303",
        method: "POST",
        ..case(
            "",
            Login,
            require(998),
            untrusted_v4(),
            vec![("accept", "text/html".to_owned())],
            Expect {
                status: 303,
                location: Some(LOGIN_URL),
                ..Expect::default()
            },
        )
    });
    cases.push(Case {
        name: "api_key_query_disabled",
        uri: format!("/protected?apikey={API_KEY}"),
        ..case(
            "",
            Standard,
            require(998),
            untrusted_v4(),
            vec![],
            unauthorized(),
        )
    });
    cases.extend(extractor_and_stacking_cases());
    cases.extend(crate::proxy_only::cases());
    cases.extend(crate::access::cases());
    cases
}

/// Extractors behind a pass-through middleware, stacked middleware, and the
/// custom rejection handler: the places where two adapters could each make a
/// rule of their own.
fn extractor_and_stacking_cases() -> Vec<Case> {
    use ConfigKind::*;
    let admin = cookie(&token("root", 0));
    let user = cookie(&token("mallory.fan", 4));
    let kid = cookie(&token("kid", 12));
    let forged = cookie(&forged_token("root", 0));
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
    let ok = |user: &'static str, level: u16| Expect {
        status: 200,
        user: Some(user),
        level: Some(level),
        ..Expect::default()
    };
    let status = |status: u16| Expect {
        status,
        challenge: status == 401,
        ..Expect::default()
    };
    let ext = Route::Extractor;
    let stacked = |outer: Policy, inner: Policy| Route::Stacked { outer, inner };
    let require = |level: u16| Policy::require(level_of(level));
    let mut cases = vec![
        // Extractors ask core for a level; their refusals are the middleware's.
        base(
            "ext_user_anonymous_401",
            Standard,
            ext(Extractor::User),
            untrusted_v4(),
            vec![],
            status(401),
        ),
        base(
            "ext_user_token",
            Standard,
            ext(Extractor::User),
            untrusted_v4(),
            vec![("cookie", user.clone())],
            ok("mallory.fan", 4),
        ),
        base(
            "ext_user_forged_401",
            Standard,
            ext(Extractor::User),
            untrusted_v4(),
            vec![("cookie", forged.clone())],
            status(401),
        ),
        base(
            "ext_user_proxy",
            Standard,
            ext(Extractor::User),
            trusted_v4(),
            vec![("remote-user", "alice".to_owned())],
            ok("alice", 998),
        ),
        base(
            "ext_user_spoofed_proxy_401",
            Standard,
            ext(Extractor::User),
            untrusted_v4(),
            vec![("remote-user", "alice".to_owned())],
            Expect {
                unseen: vec!["remote-user"],
                ..status(401)
            },
        ),
        base(
            "ext_admin_admin",
            Standard,
            ext(Extractor::Admin),
            untrusted_v4(),
            vec![("cookie", admin.clone())],
            ok("root", 0),
        ),
        base(
            "ext_admin_user_403",
            Standard,
            ext(Extractor::Admin),
            untrusted_v4(),
            vec![("cookie", user.clone())],
            status(403),
        ),
        base(
            "ext_admin_api_key",
            Standard,
            ext(Extractor::Admin),
            untrusted_v4(),
            vec![("token", API_KEY.to_owned())],
            ok("Organizr API", 0),
        ),
        base(
            "ext_level4_user",
            Standard,
            ext(Extractor::Level4),
            untrusted_v4(),
            vec![("cookie", user.clone())],
            ok("mallory.fan", 4),
        ),
        base(
            "ext_level4_custom_group_403",
            Standard,
            ext(Extractor::Level4),
            untrusted_v4(),
            vec![("cookie", kid.clone())],
            status(403),
        ),
        base(
            "ext_level4_proxy_998_403",
            Standard,
            ext(Extractor::Level4),
            trusted_v4(),
            vec![("remote-user", "alice".to_owned())],
            status(403),
        ),
        base(
            "ext_level4_proxy_group_header",
            GroupHeader,
            ext(Extractor::Level4),
            trusted_v4(),
            vec![
                ("remote-user", "alice".to_owned()),
                ("remote-group-id", "3".to_owned()),
            ],
            ok("alice", 3),
        ),
        base(
            "ext_optional_anonymous",
            Standard,
            ext(Extractor::OptionalUser),
            untrusted_v4(),
            vec![],
            Expect {
                status: 200,
                ..Expect::default()
            },
        ),
        base(
            "ext_optional_forged_is_none",
            Standard,
            ext(Extractor::OptionalUser),
            untrusted_v4(),
            vec![("cookie", forged.clone())],
            Expect {
                status: 200,
                ..Expect::default()
            },
        ),
        base(
            "ext_optional_user",
            Standard,
            ext(Extractor::OptionalUser),
            untrusted_v4(),
            vec![("cookie", kid.clone())],
            ok("kid", 12),
        ),
        base(
            "ext_user_browser_redirect",
            Login,
            ext(Extractor::User),
            untrusted_v4(),
            vec![("accept", "text/html".to_owned())],
            Expect {
                status: 302,
                location: Some(LOGIN_URL),
                ..Expect::default()
            },
        ),
        base(
            "ext_admin_browser_403_not_redirect",
            Login,
            ext(Extractor::Admin),
            untrusted_v4(),
            vec![("cookie", user.clone()), ("accept", "text/html".to_owned())],
            status(403),
        ),
        base(
            "ext_user_no_bearer_no_challenge",
            NoBearer,
            ext(Extractor::User),
            untrusted_v4(),
            vec![],
            Expect {
                status: 401,
                ..Expect::default()
            },
        ),
        // Stacked middleware built from one authenticator decide once.
        base(
            "stacked_pass_through_then_user",
            Standard,
            stacked(Policy::pass_through(), require(998)),
            untrusted_v4(),
            vec![("cookie", user.clone())],
            ok("mallory.fan", 4),
        ),
        base(
            "stacked_pass_through_then_admin_403",
            Standard,
            stacked(Policy::pass_through(), require(0)),
            untrusted_v4(),
            vec![("cookie", user.clone())],
            status(403),
        ),
        base(
            "stacked_anonymous_inner_401",
            Standard,
            stacked(Policy::pass_through(), require(998)),
            untrusted_v4(),
            vec![],
            status(401),
        ),
        base(
            "stacked_outer_refuses_first",
            Standard,
            stacked(require(0), Policy::pass_through()),
            untrusted_v4(),
            vec![("cookie", user.clone())],
            status(403),
        ),
        base(
            "stacked_outer_headers_are_not_a_proxy",
            Standard,
            stacked(
                Policy::pass_through().with_downstream_headers(true),
                require(998),
            ),
            trusted_v4(),
            vec![("cookie", user.clone())],
            Expect {
                seen: vec![("remote-user", "mallory.fan"), ("x-organizr-group", "4")],
                ..ok("mallory.fan", 4)
            },
        ),
        base(
            "stacked_spoofed_headers_gone",
            Standard,
            stacked(Policy::pass_through(), Policy::pass_through()),
            untrusted_v4(),
            vec![
                ("remote-user", "admin".to_owned()),
                ("x-organizr-user", "admin".to_owned()),
            ],
            Expect {
                status: 200,
                unseen: vec!["remote-user", "x-organizr-user"],
                ..Expect::default()
            },
        ),
        base(
            "stacked_proxy_user_kept_for_inner",
            Standard,
            stacked(Policy::pass_through(), require(998)),
            trusted_v4(),
            vec![("remote-user", "alice".to_owned())],
            Expect {
                seen: vec![("remote-user", "alice")],
                ..ok("alice", 998)
            },
        ),
    ];
    // The custom rejection handler answers the middleware's refusals and the
    // extractors' alike (tower's extractors once ignored it).
    for (name, route, headers, expect) in [
        (
            "custom_layer_401",
            Route::Layer(require(998)),
            vec![],
            status(401),
        ),
        (
            "custom_layer_403",
            Route::Layer(require(0)),
            vec![("cookie", user.clone())],
            status(403),
        ),
        (
            "custom_ext_user_401",
            ext(Extractor::User),
            vec![],
            status(401),
        ),
        (
            "custom_ext_admin_403",
            ext(Extractor::Admin),
            vec![("cookie", user.clone())],
            status(403),
        ),
        (
            "custom_ext_admin_ok",
            ext(Extractor::Admin),
            vec![("cookie", admin.clone())],
            ok("root", 0),
        ),
        (
            "custom_stacked_inner_403",
            stacked(Policy::pass_through(), require(0)),
            vec![("cookie", user.clone())],
            status(403),
        ),
        (
            "custom_login_redirect",
            ext(Extractor::User),
            vec![("accept", "text/html".to_owned())],
            Expect {
                status: 302,
                location: Some(LOGIN_URL),
                ..Expect::default()
            },
        ),
    ] {
        let config = if name == "custom_login_redirect" {
            Login
        } else {
            Standard
        };
        cases.push(Case {
            custom_rejection: true,
            ..base(name, config, route, untrusted_v4(), headers, expect)
        });
    }
    cases
}
