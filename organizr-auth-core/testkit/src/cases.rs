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
    cases.extend(identity_header_cases());
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

/// Every identity family core's `sanitize` module knows, as a handler would
/// see the name (lower case, `-`), its `_` spelling, and the spelling its
/// sender uses: the rows of [`identity_header_cases`].
const FAMILIES: [(&str, &str, &str); 24] = [
    ("remote-email", "remote_email", "Remote-Email"),
    ("remote-groups", "remote_groups", "Remote-Groups"),
    ("remote-group", "remote_group", "Remote-Group"),
    ("remote-name", "remote_name", "Remote-Name"),
    ("x-organizr-user", "x_organizr_user", "X-Organizr-User"),
    ("x-organizr-email", "x_organizr_email", "X-Organizr-Email"),
    ("x-organizr-group", "x_organizr_group", "X-Organizr-Group"),
    (
        "x-authentik-username",
        "x_authentik_username",
        "X-authentik-username",
    ),
    (
        "x-authentik-groups",
        "x_authentik_groups",
        "X-authentik-groups",
    ),
    (
        "x-authentik-email",
        "x_authentik_email",
        "X-authentik-email",
    ),
    ("x-authentik-uid", "x_authentik_uid", "X-authentik-uid"),
    (
        "x-auth-request-user",
        "x_auth_request_user",
        "X-Auth-Request-User",
    ),
    (
        "x-auth-request-email",
        "x_auth_request_email",
        "X-Auth-Request-Email",
    ),
    (
        "x-auth-request-groups",
        "x_auth_request_groups",
        "X-Auth-Request-Groups",
    ),
    (
        "x-auth-request-preferred-username",
        "x_auth_request_preferred_username",
        "X-Auth-Request-Preferred-Username",
    ),
    ("x-forwarded-user", "x_forwarded_user", "X-Forwarded-User"),
    (
        "x-forwarded-email",
        "x_forwarded_email",
        "X-Forwarded-Email",
    ),
    (
        "x-forwarded-groups",
        "x_forwarded_groups",
        "X-Forwarded-Groups",
    ),
    (
        "x-forwarded-preferred-username",
        "x_forwarded_preferred_username",
        "X-Forwarded-Preferred-Username",
    ),
    (
        "x-forwarded-access-token",
        "x_forwarded_access_token",
        "X-Forwarded-Access-Token",
    ),
    ("x-webauth-user", "x_webauth_user", "X-WEBAUTH-USER"),
    ("x-webauth-email", "x_webauth_email", "X-WEBAUTH-EMAIL"),
    ("x-remote-user", "x_remote_user", "X-Remote-User"),
    ("remote-user", "remote_user", "Remote-User"),
];

/// Values a trusted proxy's `Remote-User` is refused for (the request is
/// then anonymous): with the name of the case.
fn refused_remote_user() -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let one = |v: &str| vec![("remote-user", v.to_owned())];
    vec![
        (
            "two_values",
            vec![
                ("remote-user", "admin".to_owned()),
                ("remote-user", "alice".to_owned()),
            ],
        ),
        (
            "two_spellings",
            vec![
                ("Remote-User", "admin".to_owned()),
                ("remote-user", "alice".to_owned()),
            ],
        ),
        ("comma", one("admin, alice")),
        (
            "placeholder",
            one("{http.reverse_proxy.header.Remote-User}"),
        ),
        ("zero_width_space", one("admin\u{200b}")),
        ("no_break_space", one("admin\u{a0}")),
        ("bom", one("\u{feff}admin")),
        ("right_to_left_override", one("\u{202e}nimda")),
        ("ideographic_space", one("admin\u{3000}")),
    ]
}

/// Test material: a case name made at run time lives as long as the test.
fn leak(name: String) -> &'static str {
    name.leak()
}

/// Identity headers × trusted or untrusted peer × accepted or refused (issue
/// 15 finding 3): a handler sees an identity header only if the library wrote
/// it, or it is the configured proxy header from a trusted peer *and* the
/// library accepted it, or the application opted out for that exact name.
fn identity_header_cases() -> Vec<Case> {
    use ConfigKind::*;
    let user = cookie(&token("mallory.fan", 4));
    let base = |name, config, route, peer, headers, expect| Case {
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
    let anonymous = |unseen: Vec<&'static str>| Expect {
        status: 200,
        unseen,
        ..Expect::default()
    };
    let pass = || Route::Layer(Policy::pass_through());
    let optional = || Route::Extractor(Extractor::OptionalUser);
    let every_spelling =
        |(lower, underscore, sender): (&'static str, &'static str, &'static str)| {
            vec![
                (sender, "admin".to_owned()),
                (underscore, "admin".to_owned()),
                (lower, "admin".to_owned()),
            ]
        };
    let mut cases = Vec::new();
    for family in FAMILIES {
        let (lower, underscore, _) = family;
        // From an untrusted peer: never seen, through a pass-through layer,
        // behind an extractor, or beside a valid token.
        for (peer_name, peer) in [
            ("untrusted", untrusted_v4()),
            ("unknown_peer", Peer::Unknown),
            ("untrusted_unix", Peer::Unix),
        ] {
            let config = if peer == Peer::Unix { NoUnix } else { Standard };
            cases.push(base(
                leak(format!("family_{underscore}_{peer_name}")),
                config,
                pass(),
                peer,
                every_spelling(family),
                anonymous(vec![lower]),
            ));
        }
        cases.push(base(
            leak(format!("family_{underscore}_untrusted_extractor")),
            Standard,
            optional(),
            untrusted_v4(),
            every_spelling(family),
            anonymous(vec![lower]),
        ));
        let mut with_token = every_spelling(family);
        with_token.push(("cookie", user.clone()));
        cases.push(base(
            leak(format!("family_{underscore}_untrusted_with_token")),
            Standard,
            Route::Layer(Policy::require(GroupLevel::LOGGED_IN)),
            untrusted_v4(),
            with_token,
            Expect {
                status: 200,
                user: Some("mallory.fan"),
                level: Some(4),
                source: Some("token"),
                unseen: vec![lower],
                ..Expect::default()
            },
        ));
        if lower == "remote-user" {
            continue;
        }
        // From a trusted proxy that sets only Remote-User: the client's other
        // identity headers are not the proxy's, and never seen.
        for (peer_name, peer) in [("trusted", trusted_v4()), ("trusted_unix", Peer::Unix)] {
            let mut headers = every_spelling(family);
            headers.push(("remote-user", "alice".to_owned()));
            cases.push(base(
                leak(format!(
                    "family_{underscore}_beside_{peer_name}_remote_user"
                )),
                Standard,
                pass(),
                peer,
                headers,
                Expect {
                    status: 200,
                    user: Some("alice"),
                    level: Some(998),
                    source: Some("proxy"),
                    seen: vec![("remote-user", "alice")],
                    unseen: vec![lower],
                    ..Expect::default()
                },
            ));
        }
    }

    // A trusted proxy's refused Remote-User makes the request anonymous, and
    // the handler never sees it (the client's copy comes first when a proxy
    // appends), in any spelling, whatever else the proxy sent.
    for (what, mut headers) in refused_remote_user() {
        headers.push(("remote_user", "admin".to_owned()));
        headers.push(("x-organizr-user", "admin".to_owned()));
        for (route_name, route) in [("layer", pass()), ("extractor", optional())] {
            cases.push(base(
                leak(format!("refused_remote_user_{what}_{route_name}")),
                Standard,
                route,
                trusted_v4(),
                headers.clone(),
                anonymous(vec!["remote-user", "x-organizr-user"]),
            ));
        }
        cases.push(base(
            leak(format!("refused_remote_user_{what}_needs_login")),
            Standard,
            Route::Layer(Policy::require(GroupLevel::LOGGED_IN)),
            trusted_v4(),
            headers,
            Expect {
                status: 401,
                challenge: true,
                ..Expect::default()
            },
        ));
    }
    // A refused group header refuses the whole request: neither header is seen.
    cases.push(base(
        "refused_group_header_not_seen",
        GroupHeader,
        pass(),
        trusted_v4(),
        vec![
            ("remote-user", "alice".to_owned()),
            ("remote-group-id", "0, 1".to_owned()),
        ],
        anonymous(vec!["remote-user", "remote-group-id"]),
    ));

    // An accepted Remote-User is seen exactly once, as the proxy sent it; the
    // client's `_` spelling beside it is not.
    for (what, route, peer) in [
        ("layer", pass(), trusted_v4()),
        ("extractor", optional(), trusted_v4()),
        ("unix", pass(), Peer::Unix),
        ("mapped", pass(), trusted_mapped()),
        (
            "stacked",
            Route::Stacked {
                outer: Policy::pass_through(),
                inner: Policy::require(GroupLevel::LOGGED_IN),
            },
            trusted_v6(),
        ),
    ] {
        cases.push(base(
            leak(format!("accepted_remote_user_seen_once_{what}")),
            Standard,
            route,
            peer,
            vec![
                ("Remote-User", "alice".to_owned()),
                ("remote_user", "admin".to_owned()),
                ("REMOTE_USER", "admin".to_owned()),
            ],
            Expect {
                status: 200,
                user: Some("alice"),
                level: Some(998),
                source: Some("proxy"),
                seen: vec![("remote-user", "alice")],
                unseen: vec!["remote_user"],
                ..Expect::default()
            },
        ));
    }
    cases.push(base(
        "accepted_group_header_seen_once",
        GroupHeader,
        pass(),
        trusted_v4(),
        vec![
            ("remote-user", "alice".to_owned()),
            ("Remote-Group-Id", "2".to_owned()),
            ("remote_group_id", "0".to_owned()),
        ],
        Expect {
            status: 200,
            user: Some("alice"),
            level: Some(2),
            source: Some("proxy"),
            seen: vec![("remote-user", "alice"), ("remote-group-id", "2")],
            unseen: vec!["remote_group_id"],
            ..Expect::default()
        },
    ));

    // Proxy-only mode reads more headers from the proxy (e-mail, name,
    // groups): an invisible character in any of them refuses the request,
    // and none of them reaches the handler.
    for (what, header, value) in [
        ("email", "remote-email", "alice\u{200b}@example.org"),
        ("name", "remote-name", "Alice\u{a0}Liddell"),
        ("name_rtl", "remote-name", "\u{202e}ecilA"),
    ] {
        cases.push(base(
            leak(format!("proxy_only_invisible_{what}_refused")),
            ProxyOnly,
            pass(),
            trusted_v4(),
            vec![
                ("remote-user", "alice".to_owned()),
                (header, value.to_owned()),
                ("remote-groups", "admins".to_owned()),
            ],
            anonymous(vec!["remote-user", header, "remote-groups"]),
        ));
    }

    // The opt-out: the one header named is seen raw, from anyone; its `_`
    // spelling and every other identity header are still removed.
    for (what, peer) in [("untrusted", untrusted_v4()), ("trusted", trusted_v4())] {
        cases.push(base(
            leak(format!("raw_header_opt_out_{what}")),
            RawHeader,
            pass(),
            peer,
            vec![
                (RAW_HEADER, "raw@example.org".to_owned()),
                ("x_forwarded_email", "other@example.org".to_owned()),
                ("x-forwarded-user", "admin".to_owned()),
                ("x-organizr-user", "admin".to_owned()),
            ],
            Expect {
                status: 200,
                seen: vec![("x-forwarded-email", "raw@example.org")],
                unseen: vec!["x_forwarded_email", "x-forwarded-user", "x-organizr-user"],
                ..Expect::default()
            },
        ));
    }
    cases
}
