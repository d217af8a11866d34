//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use axum::body::Body;
use http::Response;
use http_body_util::BodyExt;
use organizr_auth_testkit::{CUSTOM_REJECTION_HEADER, Observed};
use tracing::{Event, Level, Metadata, Subscriber, span};

/// What a response looked like, in the testkit's terms.
pub async fn observe(response: Response<Body>) -> Observed {
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    observed_from(
        &parts.headers,
        parts.status.as_u16(),
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

pub fn observed_from(headers: &http::HeaderMap, status: u16, body: String) -> Observed {
    let text = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().expect("ascii header").to_owned())
    };
    Observed {
        status,
        location: text("location"),
        www_authenticate: text("www-authenticate"),
        body,
        by_handler: headers
            .get(CUSTOM_REJECTION_HEADER)
            .is_some_and(|v| v == "handler"),
    }
}

pub async fn body_text(response: Response<Body>) -> String {
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Counts this crate's warnings and errors (core's events are ignored).
#[derive(Clone, Default)]
pub struct EventCounter {
    pub warnings: Arc<AtomicUsize>,
    pub errors: Arc<AtomicUsize>,
    next_span: Arc<AtomicU64>,
}

impl EventCounter {
    pub fn warnings(&self) -> usize {
        self.warnings.load(Ordering::SeqCst)
    }
    pub fn errors(&self) -> usize {
        self.errors.load(Ordering::SeqCst)
    }
}

impl Subscriber for EventCounter {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(self.next_span.fetch_add(1, Ordering::SeqCst) + 1)
    }
    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}
    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}
    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        if !meta.target().starts_with("organizr_auth_tower") {
            return;
        }
        if *meta.level() == Level::WARN {
            self.warnings.fetch_add(1, Ordering::SeqCst);
        } else if *meta.level() == Level::ERROR {
            self.errors.fetch_add(1, Ordering::SeqCst);
        }
    }
    fn enter(&self, _: &span::Id) {}
    fn exit(&self, _: &span::Id) {}
}
