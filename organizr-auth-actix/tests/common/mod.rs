//! Helpers shared by the integration tests.

#![allow(dead_code, clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

/// A `tracing` subscriber that records the events at one level on the current
/// thread (install it with `tracing::subscriber::set_default`).
#[derive(Clone)]
pub struct Recorder {
    level: tracing::Level,
    events: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    /// Records events at `level` exactly.
    pub fn new(level: tracing::Level) -> Self {
        Self {
            level,
            events: Arc::default(),
        }
    }

    /// The recorded events, each as `field=value` pairs.
    pub fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }
}

impl tracing::Subscriber for Recorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct Fields<'a>(&'a mut String);
        impl tracing::field::Visit for Fields<'_> {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                self.0.push_str(&format!("{}={:?} ", field.name(), value));
            }
        }
        if *event.metadata().level() == self.level {
            let mut text = String::new();
            event.record(&mut Fields(&mut text));
            self.events.lock().unwrap().push(text);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}
