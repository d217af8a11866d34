//! The two example apps' end-to-end tests, without Organizr: test material,
//! not published. Two tables, each run against both apps' real binaries:
//!
//! - [`routes`]: the app with a key, over TCP, a dual-stack listener and a
//!   UNIX socket: every route, the refusals, the command line and start-up
//!   errors, and which peers may assert `Remote-User`. Each app's
//!   `tests/routes.rs` names its [`routes::Program`] and expands
//!   [`routes_tests!`] to the table's tests.
//! - [`check_proxy_only`]: the app in proxy-only mode behind a real proxy's
//!   basic auth.
//!
//! `actix-app/tests/nginx_basic_auth.rs` (nginx `auth_basic`) and
//! `axum-app/tests/caddy_basic_auth.rs` (Caddy `basicauth`) each run their
//! app's real binary in proxy-only mode, holding no Organizr key, behind a
//! real proxy running the app's recipe. Those files keep what is their proxy's
//! own: starting it, swapping the recipe's `# e2e:` lines, hashing the
//! passwords, and what the proxy and the app are expected to answer. This
//! crate is the rest:
//!
//! - [`App`]: the app started with nothing but its configuration, its log
//!   read, its environment and settings line checked;
//! - [`Server`]: a proxy's process, stopped when dropped;
//! - [`Req`] and [`Answer`]: HTTP/1.1 by hand, one connection a request, from
//!   a chosen loopback address (the proxy's, or [`AROUND`] it);
//! - [`Report`] and [`Want`]: every check's outcome, all shown before the test
//!   fails;
//! - [`check_proxy_only`]: the checks both tests make, through the proxy
//!   (described by a [`Proxy`]) and around it;
//! - [`tool`], [`skip`], [`WorkDir`], [`free_port`], [`passwords`]: the rest
//!   of the set-up.
//!
//! ```text
//! client --> proxy 127.0.0.1:P (basic auth) --> app 127.0.0.1:Q
//!                                                trusts 127.0.0.1 only
//! "around the proxy": 127.0.0.2 --> app 127.0.0.1:Q
//! ```
//!
//! Everything here panics on what it cannot do: in a test, that is a failure
//! with its reason.

// Test material: a panic is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod app;
mod checks;
mod http;
mod process;
mod report;
pub mod routes;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

pub use app::App;
pub use checks::{
    Passwords, Proxy, Unmapped, check_proxy_only, forged, forged_in_capitals,
    forged_with_underscores, identity, passwords, token,
};
pub use http::{Answer, Req};
pub use process::{Server, WorkDir, free_port, skip, tool};
pub use report::{Report, Want};

/// The proxy's address, the only one the app trusts: a proxy connects to an
/// upstream on 127.0.0.1 from 127.0.0.1.
pub const PROXY_ADDRESS: Ipv4Addr = Ipv4Addr::LOCALHOST;

/// Where a client that goes around the proxy connects from (all of
/// 127.0.0.0/8 is loopback on Linux), as another container on the recipe's
/// network would.
pub const AROUND: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// The recipes' users. Their groups, from each recipe's map: alice `admins,
/// family`, bob `family`, carol `media, family`, dave `media`, erin none.
pub const USERS: [&str; 5] = ["alice", "bob", "carol", "dave", "erin"];

/// The app's own 401 challenge (the proxies' say `Basic`).
pub const APP_CHALLENGE: &str = "Bearer realm=\"Organizr\"";

/// The body of `/public`.
pub const PUBLIC_BODY: &str = "public: anyone may read this\n";

/// How long a program may take to start or to answer; never a measure of
/// speed.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// One `#[test]` per function of [`routes`], named alike, each running it
/// against `$program`, a [`routes::Program`]: an app's `tests/routes.rs` is
/// its program and this.
///
/// ```text
/// const PROGRAM: Program = Program {
///     path: env!("CARGO_BIN_EXE_axum-app"),
///     name: "axum-app",
///     version: env!("CARGO_PKG_VERSION"),
/// };
/// organizr_auth_apps_e2e::routes_tests!(PROGRAM);
/// ```
#[macro_export]
macro_rules! routes_tests {
    ($program:expr) => {
        $crate::routes_tests!(
            @each $program;
            public_is_open,
            me_needs_a_login,
            admin_needs_level_0,
            level_n_needs_level_n,
            level_999_admits_anonymous_requests,
            bad_levels_are_400,
            browsers_are_sent_to_the_login_url_when_one_is_set,
            remote_user_counts_only_from_the_trusted_proxy,
            a_unix_socket_peer_is_trusted_as_at_and_the_file_is_removed_on_stop,
            spoofed_identity_headers_never_reach_the_handler,
            echo_headers_keeps_every_value,
            command_line_and_start_up_errors,
            a_unix_socket_gets_its_mode_and_group,
            the_start_up_block_and_json_logs,
        );
    };
    (@each $program:expr; $($test:ident,)*) => {
        $(
            #[test]
            fn $test() {
                $crate::routes::$test(&$program);
            }
        )*
    };
}
