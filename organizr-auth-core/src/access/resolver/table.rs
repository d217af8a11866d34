//! The resolver's cache: which names are held, their answers and when each
//! is due for a lookup, with the clock passed in so that its rules can be
//! tested without waiting.

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::{NameStatus, Settings};

/// The cache, with the clock passed in so that its rules can be tested
/// without waiting.
pub(super) struct Table {
    pub(super) settings: Settings,
    /// Zero of the `last_used` clocks.
    epoch: Instant,
    entries: HashMap<Box<str>, Entry>,
    /// Whether "full" was logged since the table last had room.
    full_warned: bool,
}

struct Entry {
    /// The last successful answer: canonical, sorted, distinct.
    addrs: Vec<IpAddr>,
    /// When the lookup that gave `addrs` started; `None` before any success.
    resolved_at: Option<Instant>,
    /// Failed lookups since the last success.
    failures: u32,
    /// When the next lookup should start.
    due: Instant,
    in_flight: bool,
    /// Milliseconds since `epoch` of the last check; atomic so that checks
    /// need only the read lock.
    last_used: AtomicU64,
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Check {
    Match,
    NoMatch,
    /// Not registered, and there is room: register it.
    Missing,
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Next {
    /// Look this name up now (marked in flight).
    Run(Box<str>),
    WaitUntil(Instant),
    Idle,
}

impl Table {
    /// How many names are held.
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(super) fn new(settings: Settings, epoch: Instant) -> Self {
        Self {
            settings,
            epoch,
            entries: HashMap::new(),
            full_warned: false,
        }
    }

    fn millis(&self, t: Instant) -> u64 {
        u64::try_from(t.saturating_duration_since(self.epoch).as_millis()).unwrap_or(u64::MAX)
    }

    fn refresh(&self) -> Duration {
        self.settings.ttl / 2
    }

    /// The current answer, if any.
    fn fresh<'a>(&self, entry: &'a Entry, now: Instant) -> Option<&'a [IpAddr]> {
        let at = entry.resolved_at?;
        (now.saturating_duration_since(at) < self.settings.ttl).then_some(entry.addrs.as_slice())
    }

    /// The request path, under the read lock.
    pub(super) fn check(&self, name: &str, ip: IpAddr, now: Instant) -> Check {
        let Some(entry) = self.entries.get(name) else {
            return if self.entries.len() < self.settings.capacity {
                Check::Missing
            } else {
                Check::NoMatch
            };
        };
        self.touch(entry, now);
        match self.fresh(entry, now) {
            Some(addrs) if addrs.binary_search(&ip).is_ok() => Check::Match,
            _ => Check::NoMatch,
        }
    }

    /// Marks `entry` as used. Checks on every core would otherwise all write
    /// the same cache line: the clock is stored only when it moved by a
    /// sixteenth of the idle time (at most 1 s), far finer than eviction needs.
    fn touch(&self, entry: &Entry, now: Instant) {
        let now_ms = self.millis(now);
        let step = u64::try_from((self.settings.idle / 16).as_millis())
            .unwrap_or(u64::MAX)
            .min(1_000);
        if now_ms.saturating_sub(entry.last_used.load(Ordering::Relaxed)) >= step {
            entry.last_used.store(now_ms, Ordering::Relaxed);
        }
    }

    /// Adds `name`, due now; whether it was added.
    pub(super) fn register(&mut self, name: &str, now: Instant) -> bool {
        if let Some(entry) = self.entries.get(name) {
            self.touch(entry, now);
            return false;
        }
        if self.entries.len() >= self.settings.capacity {
            if !self.full_warned {
                self.full_warned = true;
                tracing::warn!(
                    name,
                    capacity = self.settings.capacity,
                    "host-name resolver is full: new names in ip lists match no address until unused names are dropped"
                );
            }
            return false;
        }
        let last_used = AtomicU64::new(self.millis(now));
        self.entries.insert(
            name.into(),
            Entry {
                addrs: Vec::new(),
                resolved_at: None,
                failures: 0,
                due: now,
                in_flight: false,
                last_used,
            },
        );
        true
    }

    /// Drops idle names, then picks the most overdue name.
    pub(super) fn next_job(&mut self, now: Instant) -> Next {
        let idle = u64::try_from(self.settings.idle.as_millis()).unwrap_or(u64::MAX);
        let now_ms = self.millis(now);
        self.entries.retain(|_, e| {
            e.in_flight || now_ms.saturating_sub(e.last_used.load(Ordering::Relaxed)) <= idle
        });
        if self.entries.len() < self.settings.capacity {
            self.full_warned = false;
        }
        let next = self
            .entries
            .iter_mut()
            .filter(|(_, e)| !e.in_flight)
            .min_by_key(|(_, e)| e.due);
        match next {
            None => Next::Idle,
            Some((_, entry)) if entry.due > now => Next::WaitUntil(entry.due),
            Some((name, entry)) => {
                entry.in_flight = true;
                Next::Run(name.clone())
            }
        }
    }

    /// Records the outcome of the lookup of `name` that started at `started`.
    pub(super) fn finish(
        &mut self,
        name: &str,
        started: Instant,
        result: io::Result<Vec<IpAddr>>,
        now: Instant,
    ) {
        let refresh = self.refresh();
        let Some(entry) = self.entries.get_mut(name) else {
            return;
        };
        entry.in_flight = false;
        let result = result.and_then(|addrs| {
            let mut addrs: Vec<IpAddr> = addrs.into_iter().map(|a| a.to_canonical()).collect();
            addrs.sort_unstable();
            addrs.dedup();
            if addrs.is_empty() {
                Err(io::Error::other("no address"))
            } else {
                Ok(addrs)
            }
        });
        match result {
            Ok(addrs) => {
                if entry.failures > 0 {
                    tracing::info!(name, "host name in an ip list resolves again");
                }
                entry.addrs = addrs;
                entry.resolved_at = Some(started);
                entry.failures = 0;
                entry.due = started + refresh;
            }
            Err(error) => {
                entry.failures = entry.failures.saturating_add(1);
                if entry.failures == 1 {
                    tracing::warn!(
                        name,
                        %error,
                        "cannot resolve host name in an ip list: once its last answer is older than the ttl it matches no address, in allow and deny lists alike"
                    );
                }
                let backoff = Duration::from_secs(1)
                    .saturating_mul(1 << (entry.failures - 1).min(16))
                    .min(refresh);
                entry.due = now + backoff;
            }
        }
    }

    pub(super) fn status(&self, name: &str, now: Instant) -> NameStatus {
        let Some(entry) = self.entries.get(name) else {
            return NameStatus::NotRegistered;
        };
        match self.fresh(entry, now) {
            Some(addrs) => NameStatus::Resolved(addrs.to_vec()),
            None if entry.resolved_at.is_none() && entry.failures == 0 => NameStatus::Pending,
            None => NameStatus::Unresolved,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn table(capacity: usize) -> (Table, Instant) {
        let t0 = Instant::now();
        let settings = Settings {
            capacity,
            ttl: Duration::from_secs(60),
            idle: Duration::from_secs(600),
        };
        (Table::new(settings, t0), t0)
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn answers_live_at_most_the_ttl_and_are_refreshed_at_half() {
        let (mut t, t0) = table(8);
        assert_eq!(t.check("nas", ip("192.0.2.1"), t0), Check::Missing);
        assert!(t.register("nas", t0));
        assert!(!t.register("nas", t0));
        assert_eq!(t.status("nas", t0), NameStatus::Pending);
        assert_eq!(t.next_job(t0), Next::Run("nas".into()));
        // In flight: nothing else to do.
        assert_eq!(t.next_job(t0), Next::Idle);
        assert_eq!(t.check("nas", ip("192.0.2.1"), t0), Check::NoMatch);

        let got = vec![ip("::ffff:192.0.2.1"), ip("2001:db8::1"), ip("192.0.2.1")];
        t.finish("nas", t0, Ok(got), t0 + secs(1));
        let want = vec![ip("192.0.2.1"), ip("2001:db8::1")];
        assert_eq!(t.status("nas", t0 + secs(1)), NameStatus::Resolved(want));
        assert_eq!(t.check("nas", ip("192.0.2.1"), t0 + secs(1)), Check::Match);
        assert_eq!(
            t.check("nas", ip("2001:db8::1"), t0 + secs(1)),
            Check::Match
        );
        assert_eq!(
            t.check("nas", ip("192.0.2.2"), t0 + secs(1)),
            Check::NoMatch
        );
        // Refreshed when half the TTL old, counted from the lookup's start.
        assert_eq!(t.next_job(t0 + secs(1)), Next::WaitUntil(t0 + secs(30)));
        assert_eq!(t.next_job(t0 + secs(30)), Next::Run("nas".into()));
        // The refresh fails: the old answer serves until 60 s, not a moment more.
        t.finish(
            "nas",
            t0 + secs(30),
            Err(io::Error::other("down")),
            t0 + secs(35),
        );
        assert_eq!(t.check("nas", ip("192.0.2.1"), t0 + secs(59)), Check::Match);
        assert_eq!(
            t.check("nas", ip("192.0.2.1"), t0 + secs(60)),
            Check::NoMatch
        );
        assert_eq!(t.status("nas", t0 + secs(60)), NameStatus::Unresolved);
        // Retried after 1 s, then 2 s, 4 s ... at most 30 s apart.
        assert_eq!(t.next_job(t0 + secs(35)), Next::WaitUntil(t0 + secs(36)));
        let mut now = t0 + secs(36);
        for wait in [2, 4, 8, 16, 30, 30] {
            assert_eq!(t.next_job(now), Next::Run("nas".into()));
            t.finish("nas", now, Ok(vec![]), now);
            assert_eq!(t.next_job(now), Next::WaitUntil(now + secs(wait)));
            now += secs(wait);
            t.check("nas", ip("192.0.2.1"), now);
        }
        // A success again.
        assert_eq!(t.next_job(now), Next::Run("nas".into()));
        t.finish("nas", now, Ok(vec![ip("192.0.2.9")]), now);
        assert_eq!(t.check("nas", ip("192.0.2.9"), now), Check::Match);
        assert_eq!(t.check("nas", ip("192.0.2.1"), now), Check::NoMatch);
    }

    #[test]
    fn a_first_lookup_that_fails_leaves_the_name_unresolved() {
        let (mut t, t0) = table(8);
        t.register("nonexistent.invalid", t0);
        assert_eq!(t.next_job(t0), Next::Run("nonexistent.invalid".into()));
        let gone = io::Error::from(io::ErrorKind::NotFound);
        t.finish("nonexistent.invalid", t0, Err(gone), t0);
        assert_eq!(t.status("nonexistent.invalid", t0), NameStatus::Unresolved);
        assert_eq!(
            t.check("nonexistent.invalid", ip("0.0.0.0"), t0),
            Check::NoMatch
        );
    }

    #[test]
    fn unused_names_are_dropped_and_a_full_table_keeps_its_names() {
        let (mut t, t0) = table(2);
        assert!(t.register("a", t0));
        assert!(t.register("b", t0));
        // Full: a third name is refused (and not reported missing again).
        assert!(!t.register("c", t0));
        assert_eq!(t.check("c", ip("192.0.2.1"), t0), Check::NoMatch);
        assert_eq!(t.status("c", t0), NameStatus::NotRegistered);
        // `a` stays in use, `b` does not: after 10 minutes `b` is dropped.
        t.check("a", ip("192.0.2.1"), t0 + secs(300));
        let later = t0 + secs(601);
        assert_eq!(t.next_job(later), Next::Run("a".into()));
        t.finish("a", later, Ok(vec![ip("192.0.2.1")]), later);
        assert_eq!(
            t.status("a", later),
            NameStatus::Resolved(vec![ip("192.0.2.1")])
        );
        assert_eq!(t.status("b", later), NameStatus::NotRegistered);
        assert_eq!(t.check("c", ip("192.0.2.1"), later), Check::Missing);
        assert!(t.register("c", later));
        // A name being looked up is never dropped.
        assert_eq!(t.next_job(later), Next::Run("c".into()));
        let much_later = later + secs(10_000);
        assert_eq!(t.next_job(much_later), Next::Idle);
        assert_eq!(t.status("c", much_later), NameStatus::Pending);
        assert_eq!(t.status("a", much_later), NameStatus::NotRegistered);
    }
}
