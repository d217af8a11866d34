//! actix-app, the real binary over real sockets: every route, the refusals, and
//! which peers may assert `Remote-User`.
//!
//! The table and its set-up live in `examples/apps-e2e/src/routes.rs`
//! (`organizr_auth_apps_e2e::routes`), shared with axum-app: both apps must
//! answer alike. This file names the program; `routes_tests!` makes one
//! `#[test]` per entry of the table.

use organizr_auth_apps_e2e::routes::Program;

const PROGRAM: Program = Program {
    path: env!("CARGO_BIN_EXE_actix-app"),
    name: "actix-app",
    version: env!("CARGO_PKG_VERSION"),
};

organizr_auth_apps_e2e::routes_tests!(PROGRAM);
