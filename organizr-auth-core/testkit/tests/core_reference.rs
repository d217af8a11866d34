//! Core runs the behaviour table itself, as the reference adapter: translate
//! each case into an `http::HeaderMap`, call `Authenticator::admit` (and
//! `Admission::require` for extractors), and observe. The adapters must agree
//! with this, case by case.

#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::sync::Arc;

use http::{HeaderMap, HeaderName};
use organizr_auth_core::{Authenticator, Policy, Rejection, RequestHead, Verdict};
use organizr_auth_testkit::{
    CUSTOM_REJECTION_HEADER, Case, Extractor, Observed, Route, cases, echo,
};

fn rejected(case: &Case, rejection: &Rejection) -> Observed {
    if case.custom_rejection {
        return Observed {
            status: rejection.status().as_u16(),
            by_handler: true,
            ..Observed::default()
        };
    }
    let response = rejection.to_response();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    Observed {
        status: response.status().as_u16(),
        location: header("location"),
        www_authenticate: header("www-authenticate"),
        by_handler: response.headers().contains_key(CUSTOM_REJECTION_HEADER),
        body: response.into_body(),
    }
}

fn run(case: &Case) -> Observed {
    let auth = Arc::new(Authenticator::new(case.config()));
    let mut headers = HeaderMap::new();
    for (n, v) in &case.headers {
        // As an HTTP server would: names in any case, stored lower-case.
        headers.append(
            HeaderName::from_bytes(n.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    fn head<'a>(case: &'a Case, headers: &'a mut HeaderMap) -> RequestHead<'a, HeaderMap> {
        RequestHead::new(
            case.method,
            case.uri.split('?').next().unwrap_or("/"),
            case.query(),
            headers,
        )
    }
    let outer = match &case.route {
        Route::Stacked { outer, .. } => outer.clone(),
        Route::Layer(policy) => policy.clone(),
        Route::Extractor(_) => Policy::pass_through(),
    };
    let admission = match auth.admit(head(case, &mut headers), case.peer, &outer, None) {
        Verdict::Allow(admission) => admission,
        Verdict::Reject(rejection) => return rejected(case, &rejection),
    };
    let admission = match &case.route {
        Route::Stacked { inner, .. } => {
            match auth.admit(head(case, &mut headers), case.peer, inner, Some(&admission)) {
                Verdict::Allow(admission) => admission,
                Verdict::Reject(rejection) => return rejected(case, &rejection),
            }
        }
        _ => admission,
    };
    let seen = |h: &HeaderMap| {
        h.iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
            .collect::<Vec<_>>()
    };
    let body = match case.route {
        Route::Extractor(Extractor::OptionalUser) | Route::Layer(_) | Route::Stacked { .. } => {
            let headers_seen = seen(&headers);
            echo(
                Some(admission.authentication()),
                headers_seen.iter().map(|(n, v)| (n.as_str(), v.as_slice())),
            )
        }
        Route::Extractor(extractor) => {
            let level = extractor.level().unwrap();
            match admission.require(level, case.method, "/protected", &headers) {
                Ok(_) => {
                    let headers_seen = seen(&headers);
                    echo(
                        Some(admission.authentication()),
                        headers_seen.iter().map(|(n, v)| (n.as_str(), v.as_slice())),
                    )
                }
                Err(rejection) => return rejected(case, &rejection),
            }
        }
    };
    Observed {
        status: 200,
        body,
        ..Observed::default()
    }
}

#[test]
fn core_passes_its_own_table() {
    let mut names = HashSet::new();
    for case in cases() {
        assert!(names.insert(case.name), "duplicate case name {}", case.name);
        case.check(&run(&case)).unwrap();
    }
}
