//! Runs every case of core's shared behaviour table
//! (`organizr_auth_core::testkit::cases()`) through an actix-web app.
//!
//! Peers: `Peer::Tcp` goes through `TestRequest::peer_addr`, exactly like a
//! real connection's address. `Peer::Unix` cannot go through the production
//! path (`on_connect` connection data), which `actix_web::test` cannot set, so
//! a `wrap_fn` outside the middleware inserts `Peer::Unix` into the request's
//! extensions, the override `peer_of` reads first; `tests/sockets.rs` covers the
//! `on_connect` path over a real UNIX socket. `Peer::Unknown` sends no peer at
//! all.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use actix_web::dev::Service as _;
use actix_web::http::Method;
use actix_web::test as actix_test;
use actix_web::{App, HttpMessage as _, HttpRequest, HttpResponse, web};
use organizr_auth_actix::{OrganizrAuth, OrganizrAuthentication};
use organizr_auth_core::testkit::{self, Case, Observed};
use organizr_auth_core::{Authenticator, Peer};

async fn echo(req: HttpRequest, auth: OrganizrAuthentication) -> HttpResponse {
    let headers = req
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()));
    HttpResponse::Ok()
        .content_type("application/json")
        .body(testkit::echo(Some(&auth.0), headers))
}

async fn run(case: &Case) -> Result<Observed, String> {
    let auth = Arc::new(Authenticator::new(case.config()));
    let mut req = actix_test::TestRequest::default()
        .method(Method::from_bytes(case.method.as_bytes()).map_err(|e| e.to_string())?)
        .uri(&case.uri);
    for (name, value) in &case.headers {
        req = req.append_header((*name, value.as_str()));
    }
    let unix = match case.peer {
        Peer::Tcp(addr) => {
            req = req.peer_addr(addr);
            false
        }
        Peer::Unix => true,
        Peer::Unknown => false,
        other => return Err(format!("case `{}`: unsupported peer {other:?}", case.name)),
    };
    let app = actix_test::init_service(
        App::new()
            .wrap(OrganizrAuth::new(auth).policy(case.policy))
            // Registered last, so outermost: runs before the middleware.
            .wrap_fn(move |req, srv| {
                if unix {
                    req.extensions_mut().insert(Peer::Unix);
                }
                srv.call(req)
            })
            .route("/protected", web::route().to(echo)),
    )
    .await;
    let res = actix_test::call_service(&app, req.to_request()).await;
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    let status = res.status().as_u16();
    let location = header("location");
    let www_authenticate = header("www-authenticate");
    let body = actix_test::read_body(res).await;
    Ok(Observed {
        status,
        location,
        www_authenticate,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

#[actix_rt::test]
async fn every_testkit_case_passes_through_actix() {
    let cases = testkit::cases();
    assert!(
        cases.len() > 30,
        "the table shrank to {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        match run(case).await {
            Ok(observed) => {
                if let Err(failure) = case.check(&observed) {
                    failures.push(failure);
                }
            }
            Err(error) => failures.push(error),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    println!("{} testkit cases passed", cases.len());
}

/// The table covers every kind of peer this adapter translates.
#[test]
fn the_table_covers_every_peer_kind() {
    let cases = testkit::cases();
    assert!(
        cases
            .iter()
            .any(|c| matches!(c.peer, Peer::Tcp(a) if a.is_ipv4()))
    );
    assert!(
        cases
            .iter()
            .any(|c| matches!(c.peer, Peer::Tcp(a) if a.is_ipv6()))
    );
    assert!(cases.iter().any(|c| c.peer == Peer::Unix));
    assert!(cases.iter().any(|c| c.peer == Peer::Unknown));
}
