//! The middleware's actix-specific parts: where it wraps, how it nests, its
//! builder, its rejection handler and where it takes the peer from.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test as actix_test;
use actix_web::{App, HttpMessage as _, HttpRequest, HttpResponse, web};
use organizr_auth_actix::{OptionalUser, OrganizrAuth, OrganizrUser, rejection_response};
use organizr_auth_core::{Authenticator, GroupLevel, Peer, Policy};
use organizr_auth_testkit::{self as testkit, ConfigKind};

fn authenticator() -> Arc<Authenticator> {
    Arc::new(Authenticator::new(ConfigKind::Standard.config()))
}

async fn call<S, R, B>(app: &S, req: R) -> (StatusCode, String)
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = actix_test::call_service(app, req).await;
    let status = res.status();
    let body = String::from_utf8(actix_test::read_body(res).await.to_vec()).unwrap();
    (status, body)
}

fn untrusted(uri: &str) -> actix_test::TestRequest {
    actix_test::TestRequest::get()
        .uri(uri)
        .peer_addr("192.0.2.7:40000".parse().unwrap())
}

fn token(uri: &str, user: &str, level: u16) -> actix_test::TestRequest {
    untrusted(uri).insert_header(("cookie", testkit::cookie(&testkit::token(user, level))))
}

async fn who(user: OptionalUser) -> String {
    user.identity()
        .map_or_else(|| "anonymous".to_owned(), |id| id.username.clone())
}

#[actix_rt::test]
async fn levels_per_scope_and_resource() {
    let auth = authenticator();
    let app = actix_test::init_service(
        App::new()
            .service(
                web::scope("/admin")
                    .wrap(OrganizrAuth::new(auth.clone()).require(GroupLevel::ADMIN))
                    .route("/panel", web::get().to(who)),
            )
            .service(
                web::resource("/users")
                    .wrap(OrganizrAuth::new(auth.clone()).require(GroupLevel::USER))
                    .to(who),
            )
            .route("/public", web::get().to(who))
            .wrap(OrganizrAuth::new(auth).pass_through()),
    )
    .await;
    let cases = [
        (untrusted("/public"), StatusCode::OK, "anonymous"),
        (token("/public", "kid", 12), StatusCode::OK, "kid"),
        (untrusted("/users"), StatusCode::UNAUTHORIZED, ""),
        (token("/users", "kid", 12), StatusCode::FORBIDDEN, ""),
        (token("/users", "bob", 4), StatusCode::OK, "bob"),
        (untrusted("/admin/panel"), StatusCode::UNAUTHORIZED, ""),
        (token("/admin/panel", "bob", 4), StatusCode::FORBIDDEN, ""),
        (token("/admin/panel", "root", 0), StatusCode::OK, "root"),
    ];
    for (i, (req, status, body)) in cases.into_iter().enumerate() {
        let (got, text) = call(&app, req.to_request()).await;
        assert_eq!(got, status, "case {i}: {text}");
        if status == StatusCode::OK {
            assert_eq!(text, body, "case {i}");
        }
    }
}

#[actix_rt::test]
async fn app_level_protection_covers_unknown_paths() {
    let app = actix_test::init_service(
        App::new()
            .wrap(OrganizrAuth::new(authenticator()))
            .route("/", web::get().to(who)),
    )
    .await;
    // Anonymous clients cannot probe which paths exist.
    assert_eq!(
        call(&app, untrusted("/nope").to_request()).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(&app, token("/nope", "bob", 4).to_request()).await.0,
        StatusCode::NOT_FOUND
    );
}

#[actix_rt::test]
async fn nested_middleware_apply_their_own_level_to_one_decision() {
    let auth = authenticator();
    let headers = |req: HttpRequest| async move {
        let mut seen: Vec<String> = req
            .headers()
            .iter()
            .filter(|(n, _)| {
                n.as_str().starts_with("x-organizr") || n.as_str().starts_with("remote")
            })
            .map(|(n, v)| format!("{n}={}", v.to_str().unwrap()))
            .collect();
        seen.sort();
        seen.join(",")
    };
    let app = actix_test::init_service(
        App::new()
            .service(
                web::scope("/admin")
                    .wrap(
                        OrganizrAuth::new(auth.clone())
                            .require(GroupLevel::ADMIN)
                            .downstream_headers(true),
                    )
                    .route("", web::get().to(headers)),
            )
            .wrap(
                OrganizrAuth::new(auth)
                    .pass_through()
                    .downstream_headers(true),
            ),
    )
    .await;
    // The outer middleware sanitises, decides and writes the user's verified
    // headers; the inner one applies its own level to that decision.
    let (status, _) = call(&app, token("/admin", "bob", 4).to_request()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let spoofed = token("/admin", "bob", 4).insert_header(("x-organizr-group", "0"));
    assert_eq!(
        call(&app, spoofed.to_request()).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, body) = call(&app, token("/admin", "root", 0).to_request()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        "remote-email=root@example.org,remote-groups=Admin,remote-user=root,\
         x-organizr-email=root@example.org,x-organizr-group=0,x-organizr-user=root"
    );
}

#[actix_rt::test]
async fn downstream_headers_are_off_by_default_and_opt_in() {
    let app = |downstream: Option<bool>| {
        let mut mw = OrganizrAuth::new(authenticator()).pass_through();
        if let Some(on) = downstream {
            mw = mw.downstream_headers(on);
        }
        actix_test::init_service(App::new().wrap(mw).route(
            "/",
            web::get().to(|req: HttpRequest| async move {
                format!(
                    "{:?}",
                    req.headers()
                        .get("x-organizr-user")
                        .map(|v| v.to_str().unwrap().to_owned())
                )
            }),
        ))
    };
    for (setting, want) in [
        (None, "None"),
        (Some(false), "None"),
        (Some(true), "Some(\"bob\")"),
    ] {
        let app = app(setting).await;
        assert_eq!(
            call(&app, token("/", "bob", 4).to_request()).await.1,
            want,
            "{setting:?}"
        );
    }
}

#[test]
fn builder_keeps_what_it_is_not_asked_to_change() {
    let mw = OrganizrAuth::new(authenticator());
    assert_eq!(*mw.current_policy(), Policy::require(GroupLevel::LOGGED_IN));
    let mw = mw.downstream_headers(true).require(GroupLevel::ADMIN);
    assert_eq!(
        *mw.current_policy(),
        Policy::require(GroupLevel::ADMIN).with_downstream_headers(true)
    );
    let mw = mw.pass_through();
    assert_eq!(
        *mw.current_policy(),
        Policy::pass_through().with_downstream_headers(true)
    );
    let mw = mw.policy(Policy::require(GroupLevel::USER));
    assert_eq!(*mw.current_policy(), Policy::require(GroupLevel::USER));
    assert!(format!("{mw:?}").contains("OrganizrAuth"));
    // Takes an Authenticator or an Arc of one.
    let _owned = OrganizrAuth::new(Authenticator::new(ConfigKind::Standard.config()));
}

#[actix_rt::test]
async fn on_rejection_replaces_the_middleware_response() {
    let app = actix_test::init_service(
        App::new()
            .wrap(
                OrganizrAuth::new(authenticator())
                    .require(GroupLevel::ADMIN)
                    .on_rejection(|rejection, req| {
                        let mut res = rejection_response(&rejection);
                        res.headers_mut().insert(
                            actix_web::http::header::HeaderName::from_static("x-denied-path"),
                            actix_web::http::header::HeaderValue::from_str(req.path()).unwrap(),
                        );
                        res
                    }),
            )
            .route("/x", web::get().to(HttpResponse::Ok)),
    )
    .await;
    let res = actix_test::call_service(&app, token("/x", "bob", 4).to_request()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.headers().get("x-denied-path").unwrap(), "/x");
    assert_eq!(
        res.headers().get("content-type").unwrap(),
        "text/plain; charset=utf-8"
    );
}

#[actix_rt::test]
async fn the_peer_comes_from_the_socket_or_a_server_side_override() {
    let app = |peer: Option<Peer>| {
        actix_test::init_service(
            App::new()
                .wrap(OrganizrAuth::new(authenticator()))
                .wrap_fn(move |req, srv| {
                    if let Some(peer) = peer {
                        req.extensions_mut().insert(peer);
                    }
                    srv.call(req)
                })
                .route(
                    "/",
                    web::get().to(|u: OrganizrUser| async move { u.username.clone() }),
                ),
        )
    };
    let alice = |addr: Option<&str>| {
        let req = actix_test::TestRequest::get()
            .uri("/")
            .insert_header(("remote-user", "alice"));
        match addr {
            Some(a) => req.peer_addr(a.parse().unwrap()),
            None => req,
        }
        .to_request()
    };
    let plain = app(None).await;
    // Trusted list: 10.0.0.2, fd00::2, @.
    assert_eq!(
        call(&plain, alice(Some("10.0.0.2:1"))).await,
        (StatusCode::OK, "alice".to_owned())
    );
    assert_eq!(
        call(&plain, alice(Some("[::ffff:10.0.0.2]:1"))).await,
        (StatusCode::OK, "alice".to_owned())
    );
    assert_eq!(
        call(&plain, alice(Some("[fd00::2]:1"))).await,
        (StatusCode::OK, "alice".to_owned())
    );
    assert_eq!(
        call(&plain, alice(Some("10.0.0.3:1"))).await.0,
        StatusCode::UNAUTHORIZED
    );
    // No peer at all (a unit-test request, a custom server): Unknown, trusted by nothing.
    assert_eq!(call(&plain, alice(None)).await.0, StatusCode::UNAUTHORIZED);

    // A server-side override (extensions) wins over the socket address.
    let unix = app(Some(Peer::Unix)).await;
    assert_eq!(
        call(&unix, alice(None)).await,
        (StatusCode::OK, "alice".to_owned())
    );
    let unknown = app(Some(Peer::Unknown)).await;
    assert_eq!(
        call(&unknown, alice(Some("10.0.0.2:1"))).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[actix_rt::test]
async fn rejections_are_answered_before_the_handler_runs() {
    let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = ran.clone();
    let app = actix_test::init_service(App::new().wrap(OrganizrAuth::new(authenticator())).route(
        "/",
        web::post().to(move || {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            async { HttpResponse::Ok().finish() }
        }),
    ))
    .await;
    let req = actix_test::TestRequest::post()
        .uri("/")
        .set_payload("x".repeat(10_000));
    assert_eq!(
        call(&app, req.to_request()).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
}

#[actix_rt::test]
async fn a_request_without_any_peer_is_warned_about_once() {
    let warnings = common::Recorder::new(tracing::Level::WARN);
    let _guard = tracing::subscriber::set_default(warnings.clone());
    let middleware = OrganizrAuth::new(authenticator()).pass_through();
    let app =
        actix_test::init_service(App::new().wrap(middleware).route("/", web::get().to(who))).await;
    let no_peer = || actix_test::TestRequest::get().uri("/").to_request();
    for _ in 0..3 {
        assert_eq!(call(&app, no_peer()).await.0, StatusCode::OK);
    }
    assert_eq!(
        call(&app, untrusted("/").to_request()).await.0,
        StatusCode::OK
    );
    let logged = warnings.events();
    assert_eq!(logged.len(), 1, "{logged:#?}");
    assert!(
        logged[0].contains("no peer address") && logged[0].contains("on_connect"),
        "{logged:#?}"
    );
}

/// Regression: an inner middleware used to decide again and read the outer
/// one's downstream `Remote-User` as a trusted proxy's header, dropping an
/// API-key request from level 0 to 998 (and refusing it with a group header).
#[actix_rt::test]
async fn nested_middleware_with_one_authenticator_decide_once() {
    for kind in [ConfigKind::Standard, ConfigKind::GroupHeader] {
        let auth = Arc::new(Authenticator::new(kind.config()));
        let app = actix_test::init_service(
            App::new()
                .service(
                    web::scope("/admin")
                        .wrap(OrganizrAuth::new(auth.clone()).require(GroupLevel::ADMIN))
                        .route(
                            "",
                            web::get().to(|user: OrganizrUser| async move { user.0.username }),
                        ),
                )
                .wrap(
                    OrganizrAuth::new(auth)
                        .pass_through()
                        .downstream_headers(true),
                ),
        )
        .await;
        let request = actix_test::TestRequest::get()
            .uri("/admin")
            .peer_addr("10.0.0.2:40000".parse().unwrap())
            .insert_header(("token", testkit::API_KEY))
            .to_request();
        let (status, body) = call(&app, request).await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::OK, "Organizr API"),
            "{kind:?}"
        );
    }
}
