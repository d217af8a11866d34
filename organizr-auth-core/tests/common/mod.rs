//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use organizr_auth_core::{Authenticator, GroupLevel, Peer, Policy, RequestHead, Verdict};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber, span};

/// Records every event as its level and its `name=value` fields (`message`
/// first), on the test's own thread ([`Recorder::record`]) or, for logs from
/// other threads, as the global subscriber.
#[derive(Clone, Default)]
pub struct Recorder {
    events: Arc<Mutex<Vec<(Level, String)>>>,
}

impl Recorder {
    /// Runs `f` with this recorder as the thread's subscriber.
    pub fn record<R>(&self, f: impl FnOnce() -> R) -> R {
        tracing::subscriber::with_default(self.clone(), f)
    }

    /// Every recorded event, in order.
    pub fn events(&self) -> Vec<(Level, String)> {
        self.events.lock().unwrap().clone()
    }

    /// How many events at `level` contain `text`.
    pub fn count(&self, level: Level, text: &str) -> usize {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|(l, t)| *l == level && t.contains(text))
            .count()
    }

    /// The recorded warnings, as text.
    pub fn warnings(&self) -> Vec<String> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|(level, _)| *level == Level::WARN)
            .map(|(_, text)| text.clone())
            .collect()
    }
}

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }
    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}
    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        self.events
            .lock()
            .unwrap()
            .push((*event.metadata().level(), fields.0));
    }
    fn enter(&self, _: &span::Id) {}
    fn exit(&self, _: &span::Id) {}
}

/// A fresh directory under the system's temporary one, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// `organizr-<tag>-<pid>-<name>-<nanos>`: unique per test and per run.
    pub fn new(tag: &str, name: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "organizr-{tag}-{}-{name}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    /// `file` inside it.
    pub fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// How long a background change (a reload, a recovery) may take to show.
/// Never a measure of speed: the tests poll until it shows.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Polls `done` until it holds; fails naming `what` after [`DEADLINE`].
pub fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < DEADLINE, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A request head carrying `token` as the cookie of instance `uuid`.
pub fn with_cookie(uuid: &str, token: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        "cookie",
        format!("organizr_token_{uuid}={token}").parse().unwrap(),
    );
    h
}

/// The status a middleware answers at `level` for `token` (cookie of
/// instance `uuid`): 200 or the rejection's.
pub fn status_at(auth: &Arc<Authenticator>, uuid: &str, token: &str, level: u16) -> u16 {
    let mut headers = with_cookie(uuid, token);
    let head = RequestHead::new("GET", "/", None, &mut headers);
    let policy = Policy::require(GroupLevel::new(level).unwrap());
    match auth.admit(head, Peer::Unknown, &policy, None) {
        Verdict::Allow(_) => 200,
        Verdict::Reject(r) => r.status().as_u16(),
    }
}
