//! The extractors: what they hand over, how they refuse, and that they fail
//! closed without the middleware.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test as actix_test;
use actix_web::{App, HttpResponse, ResponseError, web};
use organizr_auth_actix::{
    Admin, ExtractorRejection, OptionalUser, OrganizrAuth, OrganizrAuthentication, OrganizrUser,
    RequireLevel,
};
use organizr_auth_core::{Authentication, Authenticator};
use organizr_auth_testkit::{self as testkit, ConfigKind};

fn authenticator(kind: ConfigKind) -> Arc<Authenticator> {
    Arc::new(Authenticator::new(kind.config()))
}

async fn user(u: OrganizrUser) -> String {
    format!("user {} {}", u.username, u.group_id)
}
async fn optional(u: OptionalUser) -> String {
    match u.into_inner() {
        Some(id) => format!("optional {}", id.username),
        None => "optional anonymous".to_owned(),
    }
}
async fn level0(u: RequireLevel<0>) -> String {
    format!("level0 {}", u.username)
}
async fn level4(u: RequireLevel<4>) -> String {
    format!("level4 {}", u.username)
}
async fn level998(u: RequireLevel<998>) -> String {
    format!("level998 {}", u.username)
}
async fn authentication(a: OrganizrAuthentication) -> String {
    match a.into_inner() {
        Authentication::Authenticated(id) => format!("authenticated {}", id.username),
        Authentication::Anonymous { refused } => format!("anonymous refused={}", refused.is_some()),
    }
}
async fn swallowed(u: Option<OrganizrUser>) -> String {
    format!("option {}", u.is_some())
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/user", web::get().to(user))
        .route("/optional", web::get().to(optional))
        .route("/level0", web::route().to(level0))
        .route("/level4", web::get().to(level4))
        .route("/level998", web::get().to(level998))
        .route("/authentication", web::get().to(authentication))
        .route("/option", web::get().to(swallowed));
}

struct Seen {
    status: StatusCode,
    location: Option<String>,
    challenge: Option<String>,
    body: String,
}

async fn call<S, R, B>(app: &S, req: R) -> Seen
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = actix_test::call_service(app, req).await;
    let header = |n: &str| res.headers().get(n).map(|v| v.to_str().unwrap().to_owned());
    let (status, location, challenge) =
        (res.status(), header("location"), header("www-authenticate"));
    let body = String::from_utf8(actix_test::read_body(res).await.to_vec()).unwrap();
    Seen {
        status,
        location,
        challenge,
        body,
    }
}

fn get(uri: &str) -> actix_test::TestRequest {
    actix_test::TestRequest::get()
        .uri(uri)
        .peer_addr("192.0.2.7:40000".parse().unwrap())
}

fn with_token(uri: &str, user: &str, level: u16) -> actix_test::TestRequest {
    get(uri).insert_header(("cookie", testkit::cookie(&testkit::token(user, level))))
}

#[actix_rt::test]
async fn extractors_hand_over_the_identity() {
    let app = actix_test::init_service(
        App::new()
            .wrap(OrganizrAuth::new(authenticator(ConfigKind::Standard)).pass_through())
            .configure(routes),
    )
    .await;
    let cases = [
        ("/user", "root", 0, "user root 0"),
        ("/optional", "root", 0, "optional root"),
        ("/level0", "root", 0, "level0 root"),
        ("/level4", "bob", 4, "level4 bob"),
        ("/level4", "root", 0, "level4 root"),
        ("/level998", "kid", 12, "level998 kid"),
        ("/authentication", "bob", 4, "authenticated bob"),
        ("/option", "bob", 4, "option true"),
    ];
    for (uri, name, level, want) in cases {
        let seen = call(&app, with_token(uri, name, level).to_request()).await;
        assert_eq!(
            (seen.status, seen.body.as_str()),
            (StatusCode::OK, want),
            "{uri} as {name}"
        );
    }
}

#[actix_rt::test]
async fn anonymous_requests_get_401_or_nothing() {
    let app = actix_test::init_service(
        App::new()
            .wrap(OrganizrAuth::new(authenticator(ConfigKind::Standard)).pass_through())
            .configure(routes),
    )
    .await;
    for uri in ["/user", "/level0", "/level4", "/level998"] {
        let seen = call(&app, get(uri).to_request()).await;
        assert_eq!(seen.status, StatusCode::UNAUTHORIZED, "{uri}");
        assert_eq!(
            seen.challenge.as_deref(),
            Some("Bearer realm=\"Organizr\""),
            "{uri}"
        );
        assert_eq!(
            seen.body, "401 Unauthorized: sign in to Organizr\n",
            "{uri}"
        );
    }
    assert_eq!(
        call(&app, get("/optional").to_request()).await.body,
        "optional anonymous"
    );
    assert_eq!(
        call(&app, get("/authentication").to_request()).await.body,
        "anonymous refused=false"
    );
    assert_eq!(
        call(&app, get("/option").to_request()).await.body,
        "option false"
    );
    // A refused credential is anonymous, with the reason for the application.
    let expired = get("/authentication")
        .insert_header(("cookie", testkit::cookie(&testkit::expired_token("old", 0))));
    assert_eq!(
        call(&app, expired.to_request()).await.body,
        "anonymous refused=true"
    );
    let expired =
        get("/user").insert_header(("cookie", testkit::cookie(&testkit::expired_token("old", 0))));
    let seen = call(&app, expired.to_request()).await;
    assert_eq!(seen.status, StatusCode::UNAUTHORIZED);
    assert!(!seen.body.contains("expired"), "{}", seen.body);
}

#[actix_rt::test]
async fn require_level_refuses_lower_levels_with_403() {
    let app = actix_test::init_service(
        App::new()
            .wrap(OrganizrAuth::new(authenticator(ConfigKind::Login)).pass_through())
            .configure(routes),
    )
    .await;
    let seen = call(
        &app,
        with_token("/level0", "bob", 4)
            .insert_header(("accept", "text/html"))
            .to_request(),
    )
    .await;
    assert_eq!(
        seen.status,
        StatusCode::FORBIDDEN,
        "a 403 is never a login redirect"
    );
    assert_eq!(
        seen.body,
        "403 Forbidden: your Organizr group may not open this\n"
    );
    assert_eq!(seen.location, None);
    let seen = call(&app, with_token("/level4", "kid", 12).to_request()).await;
    assert_eq!(seen.status, StatusCode::FORBIDDEN);
}

#[actix_rt::test]
async fn extractors_redirect_browsers_like_the_middleware() {
    let app = actix_test::init_service(
        App::new()
            .wrap(OrganizrAuth::new(authenticator(ConfigKind::Login)).pass_through())
            .configure(routes),
    )
    .await;
    let browser = |req: actix_test::TestRequest| req.insert_header(("accept", "text/html"));
    let seen = call(&app, browser(get("/user")).to_request()).await;
    assert_eq!(seen.status, StatusCode::FOUND);
    assert_eq!(seen.location.as_deref(), Some(testkit::LOGIN_URL));
    let post = browser(actix_test::TestRequest::post().uri("/level0"));
    let seen = call(&app, post.to_request()).await;
    assert_eq!(seen.status, StatusCode::SEE_OTHER);
    assert_eq!(seen.location.as_deref(), Some(testkit::LOGIN_URL));
    let api_client = get("/user").insert_header(("accept", "application/json"));
    assert_eq!(
        call(&app, api_client.to_request()).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[actix_rt::test]
async fn extractor_refusals_use_the_on_rejection_handler() {
    let app = actix_test::init_service(
        App::new()
            .wrap(
                OrganizrAuth::new(authenticator(ConfigKind::Standard))
                    .pass_through()
                    .on_rejection(|rejection, req| {
                        HttpResponse::build(
                            actix_web::http::StatusCode::from_u16(rejection.status().as_u16())
                                .unwrap(),
                        )
                        .body(format!(
                            "custom {} for {}",
                            rejection.status().as_u16(),
                            req.path()
                        ))
                    }),
            )
            .configure(routes),
    )
    .await;
    let seen = call(&app, get("/user").to_request()).await;
    assert_eq!(
        (seen.status, seen.body.as_str()),
        (StatusCode::UNAUTHORIZED, "custom 401 for /user")
    );
    let seen = call(&app, with_token("/level0", "bob", 4).to_request()).await;
    assert_eq!(
        (seen.status, seen.body.as_str()),
        (StatusCode::FORBIDDEN, "custom 403 for /level0")
    );
}

#[actix_rt::test]
async fn without_the_middleware_extractors_fail_closed_with_500_and_a_log() {
    let errors = common::Recorder::new(tracing::Level::ERROR);
    let _guard = tracing::subscriber::set_default(errors.clone());
    let app = actix_test::init_service(App::new().configure(routes)).await;
    for uri in [
        "/user",
        "/optional",
        "/level0",
        "/level4",
        "/level998",
        "/authentication",
    ] {
        // Even with a valid admin token: without the middleware nothing was checked.
        let seen = call(&app, with_token(uri, "root", 0).to_request()).await;
        assert_eq!(seen.status, StatusCode::INTERNAL_SERVER_ERROR, "{uri}");
        assert_eq!(seen.body, "500 Internal Server Error\n", "{uri}");
    }
    let logged = errors.events();
    assert_eq!(logged.len(), 6, "{logged:#?}");
    assert!(
        logged
            .iter()
            .all(|m| m.contains("the OrganizrAuth middleware does not wrap this route")),
        "{logged:#?}"
    );
    assert!(
        logged
            .iter()
            .any(|m| m.contains("extractor=\"RequireLevel\"")),
        "{logged:#?}"
    );

    // actix-web's Option<T> turns the 500 into None: documented, and still logged.
    let seen = call(&app, with_token("/option", "root", 0).to_request()).await;
    assert_eq!(
        (seen.status, seen.body.as_str()),
        (StatusCode::OK, "option false")
    );
    assert_eq!(errors.events().len(), 7);
}

#[actix_rt::test]
async fn auth_error_reports_what_happened() {
    use actix_web::FromRequest as _;

    let bare = actix_test::TestRequest::get().to_http_request();
    let err = OrganizrUser::extract(&bare).await.unwrap_err();
    assert!(err.is_missing_middleware());
    assert!(err.denial().is_none());
    assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(err.rejection().is_none());
    assert_eq!(err.status_code(), StatusCode::INTERNAL_SERVER_ERROR);

    let app = actix_test::init_service(
        App::new()
            .wrap(OrganizrAuth::new(authenticator(ConfigKind::Standard)).pass_through())
            .route(
                "/",
                web::get().to(|req: actix_web::HttpRequest| async move {
                    let err = RequireLevel::<0>::extract(&req).await.unwrap_err();
                    format!(
                        "{} / {} / {}",
                        err.status_code().as_u16(),
                        err.rejection()
                            .map(|r| r.status().as_u16())
                            .unwrap_or_default(),
                        err
                    )
                }),
            ),
    )
    .await;
    let seen = call(&app, with_token("/", "bob", 4).to_request()).await;
    assert_eq!(
        seen.body,
        "403 / 403 / request refused: group level 4 does not reach required level 0"
    );
}

#[actix_rt::test]
async fn a_guest_group_identity_is_not_a_logged_in_user() {
    // Organizr's Guest group is 999: such a token names a user, but core does
    // not count it as logged in (998).
    let app = actix_test::init_service(
        App::new()
            .wrap(OrganizrAuth::new(authenticator(ConfigKind::Standard)).pass_through())
            .configure(routes),
    )
    .await;
    assert_eq!(
        call(&app, with_token("/user", "visitor", 999).to_request())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&app, with_token("/level998", "visitor", 999).to_request())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&app, with_token("/optional", "visitor", 999).to_request())
            .await
            .body,
        "optional anonymous"
    );
    assert_eq!(
        call(
            &app,
            with_token("/authentication", "visitor", 999).to_request()
        )
        .await
        .body,
        "authenticated visitor"
    );
}

#[actix_rt::test]
async fn handlers_can_answer_refusals_themselves() {
    async fn handler(user: Result<Admin, ExtractorRejection>) -> HttpResponse {
        match user {
            Ok(admin) => HttpResponse::Ok().body(admin.username.clone()),
            Err(rejection) => HttpResponse::build(rejection.status()).body(format!(
                "custom: {}",
                rejection
                    .denial()
                    .map(|d| d.status().as_u16())
                    .unwrap_or_default()
            )),
        }
    }
    let app = actix_test::init_service(
        App::new()
            .wrap(OrganizrAuth::new(authenticator(ConfigKind::Standard)).pass_through())
            .route("/", web::get().to(handler)),
    )
    .await;
    let seen = call(&app, with_token("/", "bob", 4).to_request()).await;
    assert_eq!(
        (seen.status, seen.body.as_str()),
        (StatusCode::FORBIDDEN, "custom: 403")
    );
    let seen = call(&app, with_token("/", "root", 0).to_request()).await;
    assert_eq!((seen.status, seen.body.as_str()), (StatusCode::OK, "root"));
}

#[test]
fn require_level_names_its_level() {
    use organizr_auth_core::GroupLevel;
    assert_eq!(Admin::LEVEL.get(), GroupLevel::ADMIN);
    assert_eq!(RequireLevel::<4>::LEVEL.get(), GroupLevel::USER);
    assert_eq!(RequireLevel::<998>::LEVEL.get(), GroupLevel::LOGGED_IN);
    assert_eq!(
        organizr_auth_actix::PowerUser::LEVEL.get(),
        GroupLevel::POWER_USER
    );
}
