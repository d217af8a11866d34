//! The `actix-app` example's routes, with `organizr-auth-actix`: the same
//! routes and answers as [`crate::axum_app`] (see the table there), so that
//! one test table and one deployment guide fit both.

use std::sync::Arc;

use actix_web::HttpMessage as _;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use organizr_auth_actix::headers::ActixHeaders;
use organizr_auth_actix::{OrganizrAuth, OrganizrUser, rejection_response};
use organizr_auth_core::{Admission, Authenticator, GroupLevel, UserLevel};

use crate::json::{BAD_LEVEL_BODY, IdentityJson, PUBLIC_BODY, echo_headers};

/// Registers the routes: `App::new().configure(actix_app::configure(auth))`.
/// Serve UNIX sockets with `.on_connect(organizr_auth_actix::on_connect)` so
/// that `@` in the trusted-proxy list can match.
pub fn configure(auth: Arc<Authenticator>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let middleware = OrganizrAuth::new(Arc::clone(&auth));
        // One middleware per resource, each with its own policy: a request is
        // processed exactly once.
        cfg.app_data(web::Data::from(auth))
            .service(
                web::resource("/me")
                    .wrap(middleware.clone().require(GroupLevel::LOGGED_IN))
                    .route(web::get().to(identity)),
            )
            .service(
                web::resource("/admin")
                    .wrap(middleware.clone().require(GroupLevel::ADMIN))
                    .route(web::get().to(identity)),
            )
            .service(
                web::resource("/level/{n}")
                    .wrap(middleware.clone().pass_through())
                    .route(web::get().to(level)),
            )
            .service(
                web::resource("/public")
                    .wrap(middleware.clone().pass_through())
                    .route(web::get().to(public)),
            )
            .service(
                web::resource("/echo-headers")
                    .wrap(middleware.pass_through())
                    .route(web::get().to(echo)),
            );
    }
}

fn json(body: &impl serde::Serialize) -> HttpResponse {
    match serde_json::to_string(body) {
        Ok(text) => HttpResponse::Ok()
            .content_type("application/json")
            .body(text),
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise a response");
            HttpResponse::InternalServerError().finish()
        }
    }
}

async fn public() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(PUBLIC_BODY)
}

/// `/me` and `/admin`: the middleware has already refused whoever is not
/// allowed.
async fn identity(OrganizrUser(user): OrganizrUser) -> HttpResponse {
    json(&IdentityJson::from(&user))
}

/// `/level/{n}`: the level is known only per request, so the handler asks core
/// itself, and answers a refusal exactly as the middleware would.
async fn level(req: HttpRequest) -> HttpResponse {
    let Some(Ok(required)) = req.match_info().get("n").map(str::parse::<GroupLevel>) else {
        return HttpResponse::build(StatusCode::BAD_REQUEST)
            .content_type("text/plain; charset=utf-8")
            .body(BAD_LEVEL_BODY);
    };
    // The middleware wraps this resource, so the admission is there.
    let Some(who) = req.extensions().get::<Admission>().cloned() else {
        return HttpResponse::InternalServerError().finish();
    };
    // Core logs the decision and builds the same rejection the middleware
    // would; 999 admits anyone, with or without an identity.
    let headers = ActixHeaders(req.headers());
    let answer = match UserLevel::new(required) {
        Some(level) => who
            .require(level, req.method().as_str(), &headers)
            .map(Some),
        None => Ok(who.identity()),
    };
    match answer {
        Ok(identity) => json(&identity.map(IdentityJson::from)),
        Err(rejection) => rejection_response(&rejection),
    }
}

async fn echo(req: HttpRequest) -> HttpResponse {
    json(&echo_headers(
        req.headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes())),
    ))
}
