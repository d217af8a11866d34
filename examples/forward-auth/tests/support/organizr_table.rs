//! Organizr's auth API, form by form: what forward-auth answers, and, where
//! that differs on purpose, what Organizr v2.1.2460 answers (observed live:
//! /work/notes/organizr-behaviour.md). `tests/conformance.rs` runs the table
//! against forward-auth in process; `tests/live_organizr.rs` runs it against
//! a real Organizr and against forward-auth reading that Organizr's
//! config.php.
//!
//! Every row is asked from 127.0.0.1 (a direct client: forward-auth's socket
//! peer, Organizr's `REMOTE_ADDR`), with ORGANIZR_FORWARD_AUTH_STATUS=organizr
//! (Organizr answers 401 where forward-auth's default says 403). The users
//! are Organizr's first admin `admin` (group 0, admin@example.com) and `Alice`
//! (group 4, alice@example.com).

#![allow(dead_code, clippy::indexing_slicing)]

use serde_json::Value;

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// No cookie.
    Nobody,
    /// The admin's session cookie.
    Admin,
    /// Alice's session cookie.
    Alice,
    /// A cookie that is no token (`garbage.not.ajwt`).
    Garbage,
}

/// A user as Organizr's `data` and headers name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum User {
    /// `admin`, group 0, admin@example.com.
    Admin,
    /// `Alice`, group 4, alice@example.com.
    Alice,
    /// `Guest`, group 999, email null (header: empty).
    Guest,
    /// `Guest`, group 999, email guest@guest.com: Organizr's guest after an
    /// invalid cookie.
    GuestGuestCom,
}

impl User {
    /// Name, group, e-mail (`None`: JSON null, an empty header).
    pub fn fields(self) -> (&'static str, i64, Option<&'static str>) {
        match self {
            User::Admin => ("admin", 0, Some("admin@example.com")),
            User::Alice => ("Alice", 4, Some("alice@example.com")),
            User::Guest => ("Guest", 999, None),
            User::GuestGuestCom => ("Guest", 999, Some("guest@guest.com")),
        }
    }
}

/// The `data` of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Data {
    /// `null`.
    Null,
    /// Organizr's user data.
    Of {
        /// `user`, `group`, `email`.
        user: User,
        /// `user_ip`.
        user_ip: &'static str,
        /// `requested_group`.
        requested: i64,
    },
    /// Not looked at (a 404's endpoint data, a redirect without JSON).
    Unchecked,
}

/// What an answer must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expect {
    /// The status code.
    pub status: u16,
    /// `X-Organizr-User/Email/Group` (and, from forward-auth, `Remote-*` for
    /// a signed-in user); `None`: no identity header at all.
    pub identity: Option<User>,
    /// `response.result == "success"`; `None`: the body is not JSON.
    pub success: Option<bool>,
    /// `response.message`; `None` when `success` is `None`.
    pub message: Option<&'static str>,
    /// `response.data`.
    pub data: Data,
}

/// One form of the API.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// What the row shows.
    pub what: &'static str,
    /// The method.
    pub method: &'static str,
    /// Path and query.
    pub uri: &'static str,
    /// Who asks.
    pub who: Who,
    /// Other request headers.
    pub headers: &'static [(&'static str, &'static str)],
    /// forward-auth's answer, reading Organizr's database (the session store,
    /// as the live comparison does).
    pub ours: Expect,
    /// forward-auth's answer without the session store (the in-process
    /// conformance test), where that differs from `ours`.
    pub stateless: Option<Expect>,
    /// Organizr's, when it differs on purpose (and why); `None`: the same.
    pub organizr: Option<(Expect, &'static str)>,
}

pub const AUTHORIZED: &str = "User is authorized";
pub const REFUSED: &str = "User is not Authorized or User is locked";
pub const WHITELISTED: &str = "User is whitelisted";
pub const BLACKLISTED: &str = "User is blacklisted";
pub const NOT_FOUND: &str = "Endpoint Not Found or Defined";
const LOCAL: &str = "127.0.0.1";

const fn of(user: User, requested: i64) -> Data {
    Data::Of {
        user,
        user_ip: LOCAL,
        requested,
    }
}

/// 200 authorized, with `user`'s identity headers.
const fn allowed(user: User, requested: i64) -> Expect {
    Expect {
        status: 200,
        identity: Some(user),
        success: Some(true),
        message: Some(AUTHORIZED),
        data: of(user, requested),
    }
}

/// 401 refused, no identity headers.
const fn refused(user: User, requested: i64) -> Expect {
    Expect {
        status: 401,
        identity: None,
        success: Some(false),
        message: Some(REFUSED),
        data: of(user, requested),
    }
}

/// 200 whitelisted, no identity headers.
const fn whitelisted(user: User, requested: i64) -> Expect {
    Expect {
        status: 200,
        identity: None,
        success: Some(true),
        message: Some(WHITELISTED),
        data: of(user, requested),
    }
}

/// 401 blacklisted, no identity headers.
const fn blacklisted(user: User, requested: i64) -> Expect {
    Expect {
        status: 401,
        identity: None,
        success: Some(false),
        message: Some(BLACKLISTED),
        data: of(user, requested),
    }
}

/// forward-auth's 400 for a configuration mistake; `message` is checked to
/// contain this text.
const fn bad_request(says: &'static str) -> Expect {
    Expect {
        status: 400,
        identity: None,
        success: Some(false),
        message: Some(says),
        data: Data::Null,
    }
}

const fn row(what: &'static str, uri: &'static str, who: Who, ours: Expect) -> Row {
    Row {
        what,
        method: "GET",
        uri,
        who,
        headers: &[],
        ours,
        stateless: None,
        organizr: None,
    }
}

/// forward-auth without the session store answers `stateless` instead.
const fn without_store(mut r: Row, stateless: Expect) -> Row {
    r.stateless = Some(stateless);
    r
}

const fn differs(mut r: Row, organizr: Expect, why: &'static str) -> Row {
    r.organizr = Some((organizr, why));
    r
}

const fn with_headers(mut r: Row, headers: &'static [(&'static str, &'static str)]) -> Row {
    r.headers = headers;
    r
}

/// The table.
pub const ROWS: &[Row] = &[
    // --- levels and identities -------------------------------------------------------
    row(
        "no cookie at 0",
        "/api/v2/auth/0",
        Who::Nobody,
        refused(User::Guest, 0),
    ),
    row(
        "admin at 0",
        "/api/v2/auth/0",
        Who::Admin,
        allowed(User::Admin, 0),
    ),
    row(
        "admin at 999",
        "/api/v2/auth/999",
        Who::Admin,
        allowed(User::Admin, 999),
    ),
    row(
        "user at her level",
        "/api/v2/auth/4",
        Who::Alice,
        allowed(User::Alice, 4),
    ),
    row(
        "user above her level",
        "/api/v2/auth/1",
        Who::Alice,
        refused(User::Alice, 1),
    ),
    row(
        "user at 998",
        "/api/v2/auth/998",
        Who::Alice,
        allowed(User::Alice, 998),
    ),
    row(
        "no cookie at 999: a guest",
        "/api/v2/auth/999",
        Who::Nobody,
        allowed(User::Guest, 999),
    ),
    row(
        "no cookie at 998",
        "/api/v2/auth/998",
        Who::Nobody,
        refused(User::Guest, 998),
    ),
    differs(
        row(
            "invalid cookie at 999",
            "/api/v2/auth/999",
            Who::Garbage,
            allowed(User::Guest, 999),
        ),
        allowed(User::GuestGuestCom, 999),
        "Organizr names a guest with an invalid cookie guest@guest.com (and deletes the cookie); a guest is a guest here",
    ),
    differs(
        row(
            "invalid cookie at 998",
            "/api/v2/auth/998",
            Who::Garbage,
            refused(User::Guest, 998),
        ),
        refused(User::GuestGuestCom, 998),
        "as above: Organizr's guest after an invalid cookie is guest@guest.com",
    ),
    Row {
        method: "POST",
        ..row(
            "any method",
            "/api/v2/auth/4",
            Who::Alice,
            allowed(User::Alice, 4),
        )
    },
    // --- route forms -----------------------------------------------------------------
    row(
        "query form",
        "/api/v2/auth?group=4",
        Who::Alice,
        allowed(User::Alice, 4),
    ),
    row(
        "query form, refused",
        "/api/v2/auth?group=1",
        Who::Alice,
        refused(User::Alice, 1),
    ),
    row(
        "query form after a slash",
        "/api/v2/auth/?group=4",
        Who::Alice,
        allowed(User::Alice, 4),
    ),
    row(
        "query form, leading zeros",
        "/api/v2/auth?group=004",
        Who::Alice,
        allowed(User::Alice, 4),
    ),
    row(
        "query form, other parameters first",
        "/api/v2/auth?foo=1&group=4",
        Who::Alice,
        allowed(User::Alice, 4),
    ),
    row(
        "missing group is 0",
        "/api/v2/auth",
        Who::Alice,
        refused(User::Alice, 0),
    ),
    row(
        "missing group is 0, admin",
        "/api/v2/auth",
        Who::Admin,
        allowed(User::Admin, 0),
    ),
    row(
        "missing group after a slash",
        "/api/v2/auth/",
        Who::Alice,
        refused(User::Alice, 0),
    ),
    row(
        "empty query group is 0",
        "/api/v2/auth?group=",
        Who::Admin,
        allowed(User::Admin, 0),
    ),
    row(
        "auth-{group}",
        "/api/v2/auth-4",
        Who::Alice,
        allowed(User::Alice, 4),
    ),
    row(
        "auth-{group}/",
        "/api/v2/auth-4/",
        Who::Alice,
        allowed(User::Alice, 4),
    ),
    row(
        "auth-{group}, refused",
        "/api/v2/auth-1",
        Who::Alice,
        refused(User::Alice, 1),
    ),
    row(
        "auth- without group",
        "/api/v2/auth-",
        Who::Alice,
        refused(User::Alice, 0),
    ),
    row(
        "organizr-auth/{group}",
        "/api/v2/organizr-auth/4",
        Who::Alice,
        allowed(User::Alice, 4),
    ),
    row(
        "organizr-auth/{group}, refused",
        "/api/v2/organizr-auth/1",
        Who::Alice,
        refused(User::Alice, 1),
    ),
    differs(
        row(
            "trailing slash",
            "/api/v2/auth/4/",
            Who::Alice,
            allowed(User::Alice, 4),
        ),
        Expect {
            status: 404,
            identity: None,
            success: Some(false),
            message: Some(NOT_FOUND),
            data: Data::Unchecked,
        },
        "Organizr's 404 is a 500 under nginx auth_request; the trailing slash is ignored here",
    ),
    differs(
        row(
            "group in path and query",
            "/api/v2/auth/0?group=4",
            Who::Alice,
            bad_request("given twice"),
        ),
        allowed(User::Alice, 4),
        "Organizr silently takes the query's group; two different groups are a configuration mistake here",
    ),
    differs(
        row(
            "parameters after group=",
            "/api/v2/auth?group=4&whitelist=10.0.0.1",
            Who::Alice,
            allowed(User::Alice, 4),
        ),
        refused(User::Alice, 0),
        "Organizr reads \"4&whitelist=10.0.0.1\" as a tab name (no match: 0); the query is parsed properly here",
    ),
    differs(
        row(
            "v1",
            "/api/?v1/auth&group=4",
            Who::Alice,
            allowed(User::Alice, 4),
        ),
        Expect {
            status: 302,
            identity: None,
            success: None,
            message: None,
            data: Data::Unchecked,
        },
        "Organizr v1 redirects (relative Location: v2/auth?group=4), a 500 under nginx auth_request; answered directly here",
    ),
    // --- group values ----------------------------------------------------------------
    differs(
        row(
            "fractional group",
            "/api/v2/auth/1.5",
            Who::Admin,
            bad_request("not a whole number"),
        ),
        allowed(User::Admin, 1),
        "Organizr rounds down; a fraction is a configuration mistake here",
    ),
    differs(
        row(
            "1e3",
            "/api/v2/auth/1e3",
            Who::Nobody,
            bad_request("not a whole number"),
        ),
        allowed(User::Guest, 1000),
        "Organizr reads 1e3 as 1000 and lets everyone in",
    ),
    differs(
        row(
            "1000",
            "/api/v2/auth/1000",
            Who::Nobody,
            bad_request("out of range"),
        ),
        allowed(User::Guest, 1000),
        "Organizr lets everyone in above 999",
    ),
    differs(
        row(
            "negative group",
            "/api/v2/auth/-1",
            Who::Admin,
            bad_request("not a whole number"),
        ),
        refused(User::Admin, -1),
        "Organizr refuses everyone, admins too; a configuration mistake here",
    ),
    without_store(
        row(
            "a tab name",
            "/api/v2/auth/settings",
            Who::Admin,
            allowed(User::Admin, 1),
        ),
        bad_request("tab names cannot be looked up"),
    ),
    without_store(
        row(
            "a tab name no tab has",
            "/api/v2/auth/no-such-tab",
            Who::Alice,
            refused(User::Alice, 0),
        ),
        bad_request("tab names cannot be looked up"),
    ),
    // --- allow and deny lists --------------------------------------------------------
    row(
        "path allow list",
        "/api/v2/auth/1/allow/127.0.0.1",
        Who::Alice,
        whitelisted(User::Alice, 1),
    ),
    row(
        "path allow list, ALLOW",
        "/api/v2/auth/1/ALLOW/127.0.0.1",
        Who::Alice,
        whitelisted(User::Alice, 1),
    ),
    row(
        "path allow list, White",
        "/api/v2/auth/1/White/127.0.0.1",
        Who::Alice,
        whitelisted(User::Alice, 1),
    ),
    row(
        "path allow list, WL",
        "/api/v2/auth/1/WL/127.0.0.1",
        Who::Alice,
        whitelisted(User::Alice, 1),
    ),
    row(
        "path allow list, w",
        "/api/v2/auth/1/w/127.0.0.1",
        Who::Nobody,
        whitelisted(User::Guest, 1),
    ),
    row(
        "path allow list, two entries",
        "/api/v2/auth/1/allow/10.0.0.1,127.0.0.1",
        Who::Nobody,
        whitelisted(User::Guest, 1),
    ),
    row(
        "path allow list, no match",
        "/api/v2/auth/1/allow/10.0.0.1",
        Who::Alice,
        refused(User::Alice, 1),
    ),
    row(
        "path deny list",
        "/api/v2/auth/4/deny/127.0.0.1",
        Who::Alice,
        blacklisted(User::Alice, 4),
    ),
    row(
        "path deny list, Deny",
        "/api/v2/auth/4/Deny/127.0.0.1",
        Who::Alice,
        blacklisted(User::Alice, 4),
    ),
    row(
        "path deny list, bl",
        "/api/v2/auth/4/bl/127.0.0.1",
        Who::Admin,
        blacklisted(User::Admin, 4),
    ),
    row(
        "path deny list, black",
        "/api/v2/auth/4/black/127.0.0.1",
        Who::Alice,
        blacklisted(User::Alice, 4),
    ),
    row(
        "path deny list, no match",
        "/api/v2/auth/4/deny/10.0.0.1",
        Who::Alice,
        allowed(User::Alice, 4),
    ),
    row(
        "organizr-auth deny list",
        "/api/v2/organizr-auth/4/blacklist/127.0.0.1",
        Who::Alice,
        blacklisted(User::Alice, 4),
    ),
    row(
        "not a valid type",
        "/api/v2/auth/4/BoGus/127.0.0.1",
        Who::Alice,
        Expect {
            status: 401,
            identity: None,
            success: Some(false),
            message: Some("BoGus is not a valid type"),
            data: Data::Null,
        },
    ),
    row(
        "query allow list on auth-",
        "/api/v2/auth-1?whitelist=127.0.0.1",
        Who::Alice,
        whitelisted(User::Alice, 1),
    ),
    row(
        "query deny list on auth-",
        "/api/v2/auth-4?blacklist=127.0.0.1",
        Who::Alice,
        blacklisted(User::Alice, 4),
    ),
    row(
        "query allow list before group=",
        "/api/v2/auth?whitelist=127.0.0.1&group=1",
        Who::Alice,
        whitelisted(User::Alice, 1),
    ),
    row(
        "query deny list before group=",
        "/api/v2/auth?blacklist=127.0.0.1&group=4",
        Who::Alice,
        blacklisted(User::Alice, 4),
    ),
    row(
        "query allow list on a path route",
        "/api/v2/auth/1?whitelist=127.0.0.1",
        Who::Alice,
        whitelisted(User::Alice, 1),
    ),
    differs(
        row(
            "query deny list on a path route",
            "/api/v2/auth/4?blacklist=127.0.0.1",
            Who::Alice,
            blacklisted(User::Alice, 4),
        ),
        allowed(User::Alice, 4),
        "Organizr's path defaults (deny 192.0.0.0) replace the query's deny list: a configured rule silently dropped",
    ),
    differs(
        row(
            "type without ips",
            "/api/v2/auth/4/allow",
            Who::Alice,
            bad_request("type is given without ips"),
        ),
        allowed(User::Alice, 4),
        "Organizr fills in 192.0.0.0 (a list that matches nobody); a configuration mistake here",
    ),
    differs(
        row(
            "a CIDR",
            "/api/v2/auth/1/allow/127.0.0.0/8",
            Who::Nobody,
            whitelisted(User::Guest, 1),
        ),
        Expect {
            status: 404,
            identity: None,
            success: Some(false),
            message: Some(NOT_FOUND),
            data: Data::Unchecked,
        },
        "Organizr has no CIDRs (exact strings) and no route with a / in {ips}",
    ),
    // --- forgeable client addresses ---------------------------------------------------
    differs(
        with_headers(
            row(
                "Client-IP from the client",
                "/api/v2/auth/0/allow/6.6.6.6",
                Who::Nobody,
                refused(User::Guest, 0),
            ),
            &[("Client-IP", "6.6.6.6")],
        ),
        Expect {
            data: Data::Of {
                user: User::Guest,
                user_ip: "6.6.6.6",
                requested: 0,
            },
            ..whitelisted(User::Guest, 0)
        },
        "Organizr believes any client's Client-IP: anyone can claim an allow-listed address",
    ),
    differs(
        with_headers(
            row(
                "X-Forwarded-For from the client",
                "/api/v2/auth/4/deny/127.0.0.1",
                Who::Alice,
                blacklisted(User::Alice, 4),
            ),
            &[("X-Forwarded-For", "10.0.0.1")],
        ),
        Expect {
            data: Data::Of {
                user: User::Alice,
                user_ip: "10.0.0.1",
                requested: 4,
            },
            ..allowed(User::Alice, 4)
        },
        "Organizr believes the leftmost X-Forwarded-For entry from anyone: a deny list is dodged",
    ),
    differs(
        with_headers(
            row(
                "Traefik mode",
                "/api/v2/auth/1",
                Who::Alice,
                refused(User::Alice, 1),
            ),
            &[
                ("X-Forwarded-Server", "traefik"),
                ("X-Forwarded-Proto", "https"),
                ("X-Forwarded-Host", "app.example.com"),
                ("X-Forwarded-Uri", "/some/path?x=1"),
            ],
        ),
        Expect {
            status: 302,
            identity: None,
            success: None,
            message: None,
            data: Data::Unchecked,
        },
        "Organizr redirects on X-Forwarded-Server: traefik, with return= unencoded and unchecked (an open redirect); \
         here only with ORGANIZR_REDIRECT_HOSTS, checked and encoded",
    ),
];

/// An answer, from either server.
#[derive(Debug)]
pub struct Seen {
    pub status: u16,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Where `seen` differs from `expect`; `ours` adds forward-auth's own rules
/// (`Remote-*` headers exactly when a signed-in user is named, `Cache-Control:
/// no-store`).
pub fn mismatches(seen: &Seen, expect: &Expect, ours: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    check(
        seen.status == expect.status,
        format!("status {} (want {})", seen.status, expect.status),
    );
    let identity = [
        seen.header("x-organizr-user"),
        seen.header("x-organizr-email"),
        seen.header("x-organizr-group"),
    ];
    let want_identity = match expect.identity {
        None => [None, None, None],
        Some(user) => {
            let (name, group, email) = user.fields();
            [
                Some(name.to_owned()),
                Some(email.unwrap_or_default().to_owned()),
                Some(group.to_string()),
            ]
        }
    };
    check(
        identity
            .iter()
            .map(|v| v.map(str::to_owned))
            .collect::<Vec<_>>()
            == want_identity,
        format!("identity headers {identity:?} (want {want_identity:?})"),
    );
    if ours {
        let remote = seen.header("remote-user");
        let want_remote = match expect.identity {
            Some(user @ (User::Admin | User::Alice)) => Some(user.fields().0),
            _ => None,
        };
        check(
            remote == want_remote,
            format!("Remote-User {remote:?} (want {want_remote:?})"),
        );
        check(
            seen.header("cache-control") == Some("no-store"),
            "no Cache-Control: no-store".to_owned(),
        );
    }
    let Some(success) = expect.success else {
        return problems;
    };
    check(
        seen.header("content-type") == Some("application/json;charset=UTF-8"),
        format!("content-type {:?}", seen.header("content-type")),
    );
    let json: Value = match serde_json::from_str(&seen.body) {
        Ok(json) => json,
        Err(e) => {
            problems.push(format!("body is not JSON ({e}): {}", seen.body));
            return problems;
        }
    };
    let response = &json["response"];
    let result = response["result"].as_str().unwrap_or_default();
    check(
        result == if success { "success" } else { "error" },
        format!("result {result:?}"),
    );
    let message = response["message"].as_str().unwrap_or_default();
    let want_message = expect.message.unwrap_or_default();
    let message_ok = if expect.status == 400 {
        message.contains(want_message)
    } else {
        message == want_message
    };
    check(
        message_ok,
        format!("message {message:?} (want {want_message:?})"),
    );
    let data = &response["data"];
    match expect.data {
        Data::Unchecked => {}
        Data::Null => check(data.is_null(), format!("data {data} (want null)")),
        Data::Of {
            user,
            user_ip,
            requested,
        } => {
            let (name, group, email) = user.fields();
            for (field, want) in [
                ("user", Value::from(name)),
                ("group", Value::from(group)),
                ("email", email.map_or(Value::Null, Value::from)),
                ("user_ip", Value::from(user_ip)),
                ("requested_group", Value::from(requested)),
            ] {
                check(
                    data[field] == want,
                    format!("data.{field} {} (want {want})", data[field]),
                );
            }
        }
    }
    problems
}
