//! The checks both tests make: through the proxy, the users' levels and the
//! proxy's own refusals; around it, a client naming itself.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use organizr_auth_core::mint::TokenBuilder;
use organizr_auth_core::{GroupLevel, Secret};

use crate::{APP_CHALLENGE, AROUND, App, PUBLIC_BODY, Report, Req, Server, USERS, Want};

/// A made-up password per user of [`USERS`]. Never printed.
pub type Passwords = BTreeMap<&'static str, String>;

/// The proxy in front of the app, and what the two of them answer where the
/// set-ups differ.
#[derive(Debug)]
pub struct Proxy<'a> {
    /// The running proxy: where to send requests through it, its name in the
    /// checks' names.
    pub server: &'a Server,
    /// What its own 401 carries besides the status, e.g.
    /// `Want::Header("www-authenticate", "Basic realm=\"apps\"")`.
    pub challenge: Want,
    /// What the app, as configured, makes of a user in no mapped group.
    pub unmapped: Unmapped,
}

/// What the app makes of a user whose password the proxy checked but who is
/// in no group of `ORGANIZR_PROXY_GROUP_MAP` (dave, erin).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unmapped {
    /// No `ORGANIZR_PROXY_DEFAULT_LEVEL`: any logged-in user (998), who may
    /// open `/me` and no more.
    AnyUser,
    /// `ORGANIZR_PROXY_DEFAULT_LEVEL=none`: no identity at all, whatever the
    /// proxy thinks of the password; the app's 401 wherever one is needed.
    Refused,
}

/// Every check of the app in proxy-only mode behind `proxy`, into `r`:
///
/// - start-up: the app holds no key ([`App::environment_problems`],
///   [`App::settings_problems`]);
/// - through the proxy: its 401 without a right password, `/public` open,
///   each user's level from their groups (unmapped ones as
///   [`Proxy::unmapped`] says), and a client's own identity headers, in any
///   spelling, never believed;
/// - around the proxy, from [`AROUND`]: forged headers, a real password and a
///   token signed with another key are all no identity;
/// - the control: the same forged request from the proxy's address is
///   believed, so the refusals above are the peer check at work.
///
/// `passwords` are those the proxy was given for [`USERS`].
pub fn check_proxy_only(r: &mut Report, app: &App, proxy: &Proxy<'_>, passwords: &Passwords) {
    let name = proxy.server.name();
    let label = name.to_lowercase();
    let password = |user: &str| {
        passwords
            .get(user)
            .unwrap_or_else(|| panic!("{user} is not one of {USERS:?}"))
            .as_str()
    };
    let proxy_401 = [Want::Status(401), proxy.challenge.clone()];
    let app_401 = [
        Want::Status(401),
        Want::Header("www-authenticate", APP_CHALLENGE),
    ];
    let opens = |user: &str, level: u16| [Want::Status(200), Want::Body(identity(user, level))];
    let refused = [Want::Status(403)];

    // --- the app runs with no key ---------------------------------------------
    r.verify(
        "start-up: the app's ORGANIZR_* variables are the trusted proxy, the group settings and ORGANIZR_LISTEN, no key",
        app.environment_problems(),
    );
    r.verify(
        "start-up: the app says it has no key and accepts no tokens",
        app.settings_problems(),
    );

    // --- through the proxy: its 401, then the users' levels ----------------------
    let through = |path: &str| proxy.server.get(path);
    let login = |path: &str, user: &str| through(path).basic(user, password(user));
    r.check(
        &format!("{label}: no password on /me is {name}'s 401"),
        through("/me").send(),
        &proxy_401,
    );
    r.check(
        &format!("{label}: no password on /admin is {name}'s 401"),
        through("/admin").send(),
        &proxy_401,
    );
    r.check(
        &format!("{label}: a wrong password is {name}'s 401"),
        through("/me").basic("alice", "not-her-password").send(),
        &proxy_401,
    );
    r.check(
        &format!("{label}: a user {name} does not know, with alice's password, is {name}'s 401"),
        through("/me").basic("mallory", password("alice")).send(),
        &proxy_401,
    );
    r.check(
        &format!("{label}: /public opens without a password"),
        through("/public").send(),
        &[Want::Status(200), Want::Body(PUBLIC_BODY.to_owned())],
    );
    r.check(
        &format!("{label}: alice (admins, family) is Admin on /me"),
        login("/me", "alice").send(),
        &opens("alice", 0),
    );
    r.check(
        &format!("{label}: alice (admins, family) opens /admin"),
        login("/admin", "alice").send(),
        &opens("alice", 0),
    );
    r.check(
        &format!("{label}: bob (family) is User on /me"),
        login("/me", "bob").send(),
        &opens("bob", 4),
    );
    r.check(
        &format!("{label}: bob (family) is refused /admin with the app's 403"),
        login("/admin", "bob").send(),
        &[Want::Status(403), Want::NoHeader("www-authenticate")],
    );

    // --- group names to levels ------------------------------------------------------
    r.check(
        &format!("{label}: bob (family) opens /level/4"),
        login("/level/4", "bob").send(),
        &opens("bob", 4),
    );
    r.check(
        &format!("{label}: bob (family) is refused /level/3"),
        login("/level/3", "bob").send(),
        &refused,
    );
    r.check(
        &format!("{label}: carol (media, family): the unmapped name is ignored, she is User"),
        login("/me", "carol").send(),
        &opens("carol", 4),
    );
    r.check(
        &format!("{label}: carol (media, family) is refused /admin"),
        login("/admin", "carol").send(),
        &refused,
    );
    match proxy.unmapped {
        Unmapped::AnyUser => {
            r.check(
                &format!(
                    "{label}: dave (media, no mapped group) is the default level, 998, on /me"
                ),
                login("/me", "dave").send(),
                &opens("dave", 998),
            );
            r.check(
                &format!("{label}: dave (no mapped group, 998) is refused /level/4"),
                login("/level/4", "dave").send(),
                &refused,
            );
            r.check(
                &format!("{label}: dave (no mapped group, 998) is refused /admin"),
                login("/admin", "dave").send(),
                &refused,
            );
            r.check(
                &format!("{label}: erin (no groups at all) is the default level, 998, on /me"),
                login("/me", "erin").send(),
                &opens("erin", 998),
            );
        }
        Unmapped::Refused => {
            r.check(
                &format!(
                    "{label}: dave (media, no mapped group) is refused /me by the app (default level none)"
                ),
                login("/me", "dave").send(),
                &app_401,
            );
            r.check(
                &format!("{label}: dave (no mapped group) is refused /admin by the app"),
                login("/admin", "dave").send(),
                &app_401,
            );
            r.check(
                &format!("{label}: dave (no mapped group) is no identity (/level/999 is null)"),
                login("/level/999", "dave").send(),
                &[Want::Status(200), Want::Body("null".to_owned())],
            );
            r.check(
                &format!(
                    "{label}: erin (no groups at all) is refused /me by the app (default level none)"
                ),
                login("/me", "erin").send(),
                &app_401,
            );
        }
    }

    // --- a client's own identity headers through the proxy ------------------------
    r.check(
        &format!(
            "{label}: bob sending Remote-User: admin and Remote-Groups: admins is still bob, User"
        ),
        forged(login("/me", "bob")).send(),
        &opens("bob", 4),
    );
    r.check(
        &format!(
            "{label}: bob sending Remote-User: admin and Remote-Groups: admins is refused /admin"
        ),
        forged(login("/admin", "bob")).send(),
        &refused,
    );
    r.check(
        &format!(
            "{label}: bob sending REMOTE-USER: admin and REMOTE-GROUPS: admins is still bob, User"
        ),
        forged_in_capitals(login("/me", "bob")).send(),
        &opens("bob", 4),
    );
    r.check(
        &format!(
            "{label}: bob sending Remote_User: admin and Remote_Groups: admins is still bob, User"
        ),
        forged_with_underscores(login("/me", "bob")).send(),
        &opens("bob", 4),
    );
    r.check(
        &format!(
            "{label}: bob sending Remote_User: admin and Remote_Groups: admins is refused /admin"
        ),
        forged_with_underscores(login("/admin", "bob")).send(),
        &refused,
    );
    let dave_claims_admins = login("/admin", "dave").header("Remote-Groups", "admins");
    match proxy.unmapped {
        Unmapped::AnyUser => r.check(
            &format!(
                "{label}: dave (no mapped group) sending Remote-Groups: admins is still refused /admin"
            ),
            dave_claims_admins.send(),
            &refused,
        ),
        Unmapped::Refused => r.check(
            &format!(
                "{label}: dave (no mapped group) sending Remote-Groups: admins is still refused, with the app's 401"
            ),
            dave_claims_admins.send(),
            &app_401,
        ),
    }
    // On a page without a password the proxy checks none, but the name in the
    // client's Authorization header is still there to read (nginx's
    // $remote_user is exactly that): the recipes send nobody there.
    r.check(
        &format!(
            "{label}: on an open page, a forged Remote-User and alice's name with a wrong password name nobody"
        ),
        forged(through("/echo-headers"))
            .basic("alice", "not-her-password")
            .send(),
        &[
            Want::Status(200),
            Want::NotEchoed("remote-user"),
            Want::NotEchoed("remote-groups"),
            Want::NotEchoed("authorization"),
        ],
    );
    r.check(
        &format!("{label}: on an open page, Remote_User and Remote_Groups never reach a handler"),
        forged_with_underscores(through("/echo-headers")).send(),
        &[
            Want::Status(200),
            Want::NotEchoed("remote_user"),
            Want::NotEchoed("remote_groups"),
        ],
    );
    r.check(
        &format!(
            "{label}: a browser's remembered password never reaches the app, and open pages name nobody"
        ),
        login("/echo-headers", "alice").send(),
        &[
            Want::Status(200),
            Want::NotEchoed("authorization"),
            Want::NotEchoed("remote-user"),
            Want::NotEchoed("remote-groups"),
        ],
    );

    // --- around the proxy, from 127.0.0.2 ---------------------------------------------
    let around = |path: &str| app.get(path).from(AROUND);
    r.check(
        &format!("around {label}: a forged Remote-User: admin on /me is the app's 401"),
        forged(around("/me")).send(),
        &app_401,
    );
    r.check(
        &format!("around {label}: a forged Remote-User: admin on /admin is the app's 401"),
        forged(around("/admin")).send(),
        &app_401,
    );
    r.check(
        &format!("around {label}: a forged Remote-User: admin is no identity (/level/999 is null)"),
        forged(around("/level/999")).send(),
        &[Want::Status(200), Want::Body("null".to_owned())],
    );
    r.check(
        &format!("around {label}: forged identity headers never reach a handler"),
        forged_with_underscores(forged(around("/echo-headers"))).send(),
        &[
            Want::Status(200),
            Want::NotEchoed("remote-user"),
            Want::NotEchoed("remote-groups"),
            Want::NotEchoed("remote_user"),
            Want::NotEchoed("remote_groups"),
        ],
    );
    r.check(
        &format!(
            "around {label}: alice's real password is no login at the app (only {name} checks passwords)"
        ),
        around("/me").basic("alice", password("alice")).send(),
        &app_401,
    );
    r.check(
        &format!("around {label}: an Organizr token is ignored (no key)"),
        around("/me")
            .header("authorization", format!("Bearer {}", token()))
            .send(),
        &app_401,
    );
    // Control: the refusals above are the peer check at work, not a header the
    // app ignores. Whoever connects from the trusted address is believed, which
    // is why the recipes let only the proxy connect from it.
    r.check(
        &format!("control: the same forged request from {name}'s address (127.0.0.1) is believed"),
        forged(app.get("/admin")).send(),
        &opens("admin", 0),
    );
}

/// The body of `/me`, `/admin` and `/level/{n}` for a proxy user.
pub fn identity(user: &str, level: u16) -> String {
    let group = GroupLevel::new(level)
        .unwrap()
        .builtin_name()
        .map_or_else(|| "null".to_owned(), |name| format!("\"{name}\""));
    format!(
        r#"{{"username":"{user}","group_id":{level},"group":{group},"email":null,"user_id":null,"source":"proxy"}}"#
    )
}

/// A client claiming to be `admin` in the group `admins`, once each, in the
/// recipes' header names: the control in [`check_proxy_only`] shows that the
/// app believes exactly this request from a trusted peer.
pub fn forged(req: Req) -> Req {
    req.header("Remote-User", "admin")
        .header("Remote-Groups", "admins")
}

/// The same claim in capitals: the same headers to HTTP, which a proxy must
/// replace all the same.
pub fn forged_in_capitals(req: Req) -> Req {
    req.header("REMOTE-USER", "admin")
        .header("REMOTE-GROUPS", "admins")
}

/// The same claim with underscores, which some servers fold into the dashed
/// names.
pub fn forged_with_underscores(req: Req) -> Req {
    req.header("Remote_User", "admin")
        .header("Remote_Groups", "admins")
}

/// A valid Organizr token, signed with a key the app does not have (it has
/// none).
pub fn token() -> String {
    TokenBuilder::new("admin", GroupLevel::ADMIN)
        .issued_at(SystemTime::now() - Duration::from_secs(5))
        .sign(&Secret::new("a-key-of-an-organizr-this-app-does-not-know").unwrap())
}

/// A made-up password per user of [`USERS`], different on every run. Never
/// printed.
pub fn passwords() -> Passwords {
    let seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    USERS
        .iter()
        .enumerate()
        .map(|(i, user)| (*user, format!("{user}-{:x}", seed ^ (i as u128) << 64)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_names_builtin_groups_only() {
        assert_eq!(
            identity("bob", 4),
            r#"{"username":"bob","group_id":4,"group":"User","email":null,"user_id":null,"source":"proxy"}"#
        );
        assert!(identity("dave", 998).contains(r#""group_id":998,"group":null"#));
    }
}
