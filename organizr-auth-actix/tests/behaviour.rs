//! Runs every case of the shared behaviour table
//! (`organizr_auth_testkit::cases()`) through an actix-web app: a middleware
//! with the case's policy, the table's extractors behind a pass-through
//! middleware, and two stacked middleware (the app's and the resource's).
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

use actix_web::http::Method;
use actix_web::test as actix_test;
use actix_web::{App, HttpMessage as _, HttpRequest, HttpResponse, web};
use organizr_auth_actix::{
    Admin, OptionalUser, OrganizrAuth, OrganizrAuthentication, OrganizrUser, RequireLevel,
};
use organizr_auth_core::{Authentication, Authenticator, Identity, Peer, Rejection};
use organizr_auth_testkit::{
    self as testkit, CUSTOM_REJECTION_HEADER, Case, Extractor, Observed, Route,
};

async fn echo(req: HttpRequest, auth: OrganizrAuthentication) -> HttpResponse {
    let headers = req
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()));
    HttpResponse::Ok()
        .content_type("application/json")
        .body(testkit::echo(Some(&auth.0), headers))
}

fn user_echo(req: &HttpRequest, user: Option<Identity>) -> HttpResponse {
    let auth = match user {
        Some(user) => Authentication::Authenticated(user),
        None => Authentication::Anonymous { refused: None },
    };
    let headers = req
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()));
    HttpResponse::Ok()
        .content_type("application/json")
        .body(testkit::echo(Some(&auth), headers))
}

async fn user(req: HttpRequest, u: OrganizrUser) -> HttpResponse {
    user_echo(&req, Some(u.into_inner()))
}

async fn admin(req: HttpRequest, u: Admin) -> HttpResponse {
    user_echo(&req, Some(u.into_inner()))
}

async fn level4(req: HttpRequest, u: RequireLevel<4>) -> HttpResponse {
    user_echo(&req, Some(u.into_inner()))
}

async fn optional(req: HttpRequest, u: OptionalUser) -> HttpResponse {
    user_echo(&req, u.into_inner())
}

/// What the table's custom rejection handler answers.
fn custom_rejection(rejection: Rejection, _: &HttpRequest) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(rejection.status().as_u16()).unwrap())
        .insert_header((CUSTOM_REJECTION_HEADER, "handler"))
        .finish()
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
    let custom = case.custom_rejection;
    let middleware = move |policy| {
        let m = OrganizrAuth::new(Arc::clone(&auth)).policy(policy);
        if custom {
            m.on_rejection(custom_rejection)
        } else {
            m
        }
    };
    let peer_override = move |req: actix_web::dev::ServiceRequest, srv: &_| {
        if unix {
            req.extensions_mut().insert(Peer::Unix);
        }
        actix_web::dev::Service::call(srv, req)
    };
    let request = req.to_request();
    // One app per route kind: the handlers' types differ.
    macro_rules! call {
        ($outer:expr, $resource:expr) => {{
            let app = actix_test::init_service(
                App::new()
                    .wrap($outer)
                    // Registered last, so outermost: runs before the middleware.
                    .wrap_fn(peer_override)
                    .service($resource),
            )
            .await;
            actix_test::call_service(&app, request).await
        }};
    }
    let resource = || web::resource("/protected");
    let res = match case.route.clone() {
        Route::Layer(policy) => call!(middleware(policy), resource().to(echo)),
        Route::Stacked { outer, inner } => call!(
            middleware(outer),
            resource().wrap(middleware(inner)).to(echo)
        ),
        Route::Extractor(extractor) => {
            let pass = middleware(case.policy());
            match extractor {
                Extractor::User => call!(pass, resource().to(user)),
                Extractor::Admin => call!(pass, resource().to(admin)),
                Extractor::Level4 => call!(pass, resource().to(level4)),
                Extractor::OptionalUser => call!(pass, resource().to(optional)),
            }
        }
    };
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    let status = res.status().as_u16();
    let location = header("location");
    let www_authenticate = header("www-authenticate");
    let by_handler = header(CUSTOM_REJECTION_HEADER).as_deref() == Some("handler");
    let body = actix_test::read_body(res).await;
    Ok(Observed {
        status,
        location,
        www_authenticate,
        body: String::from_utf8_lossy(&body).into_owned(),
        by_handler,
    })
}

#[actix_rt::test]
async fn every_testkit_case_passes_through_actix() {
    let cases = testkit::cases();
    assert!(
        cases.len() > 60,
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
    assert!(
        cases
            .iter()
            .any(|c| matches!(c.route, Route::Stacked { .. }))
    );
    for e in [
        Extractor::User,
        Extractor::Admin,
        Extractor::Level4,
        Extractor::OptionalUser,
    ] {
        assert!(
            cases.iter().any(|c| c.route == Route::Extractor(e)),
            "{e:?}"
        );
    }
}
