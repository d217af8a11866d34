//! Host names in IP lists, resolved in the background and cached.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{IpAddr, ToSocketAddrs};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant};

use super::IpList;

/// How many background threads look names up: one lookup that hangs (a DNS
/// server that never answers) does not stall every other name.
const WORKERS: usize = 2;

/// The function that turns a host name into addresses.
type LookupFn = dyn Fn(&str) -> io::Result<Vec<IpAddr>> + Send + Sync;

/// Resolves the host names of [`IpList`]s in the background and answers, from
/// its cache only, whether an address belongs to one of them.
///
/// - **Never blocks the caller.** The first time a name is checked it is
///   registered and matches nothing; background threads (plain `std`
///   threads, started at the first name) look it up with the system resolver
///   ([`std::net::ToSocketAddrs`], i.e. `getaddrinfo`: `/etc/hosts`, then
///   DNS) and later checks see the answer.
/// - **Answers are used for at most [`NameResolver::MAX_TTL`] (60 s)** after
///   the lookup that produced them started, whatever the DNS record's own TTL.
///   A name still in use is looked up again when its answer is half that old,
///   so a working resolver keeps it fresh; if the new lookup fails, the old
///   answer is used until it is 60 s old, then the name matches nothing until
///   a lookup succeeds (retried after 1 s, 2 s, 4 s... up to 30 s).
/// - **Bounded**: at most [`NameResolver::DEFAULT_CAPACITY`] names (256, see
///   [`NameResolverBuilder::capacity`]). When full, a new name is not
///   registered and matches nothing (a warning is logged once until there is
///   room again); names already registered are never pushed out by new ones,
///   so a flood of names cannot evict the names your rules use. A name not
///   checked for [`NameResolver::DEFAULT_IDLE`] (10 minutes) is dropped.
///
/// Cloning is cheap (an `Arc`); clones share the cache. The threads exit when
/// the last clone is dropped (a lookup in progress finishes first).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use organizr_auth_core::access::{IpList, NameResolver, NameStatus};
/// use std::time::{Duration, Instant};
///
/// let names = NameResolver::new();
/// let list = IpList::parse("localhost")?;
/// assert_eq!(names.status("localhost"), NameStatus::NotRegistered);
/// names.register(&list);
///
/// let deadline = Instant::now() + Duration::from_secs(30);
/// let addrs = loop {
///     match names.status("localhost") {
///         NameStatus::Resolved(addrs) => break addrs,
///         _ if Instant::now() > deadline => return Err("localhost did not resolve".into()),
///         _ => std::thread::sleep(Duration::from_millis(5)),
///     }
/// };
/// assert!(addrs.contains(&"127.0.0.1".parse()?));
/// assert!(list.contains("127.0.0.1".parse()?, &names));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct NameResolver {
    handle: Arc<Handle>,
}

/// Owned by the `NameResolver` clones only (the threads hold `Shared`), so
/// that dropping the last clone tells the threads to stop.
struct Handle {
    shared: Arc<Shared>,
}

struct Shared {
    table: RwLock<Table>,
    signal: Mutex<Signal>,
    wake: Condvar,
    lookup: Arc<LookupFn>,
}

/// What the background threads wait on.
struct Signal {
    /// Bumped whenever a name is registered, so that a waiting thread wakes.
    generation: u64,
    shutdown: bool,
    workers: usize,
}

/// What a [`NameResolver`] knows about one host name, from
/// [`NameResolver::status`].
///
/// ```
/// use organizr_auth_core::access::{NameResolver, NameStatus};
///
/// assert_eq!(NameResolver::new().status("nas.lan"), NameStatus::NotRegistered);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameStatus {
    /// No list containing the name has been checked (recently), or the
    /// resolver was full when one was.
    NotRegistered,
    /// Registered, not looked up yet (or the first lookup is in progress).
    Pending,
    /// The addresses of the current answer, canonical and sorted; it is less
    /// than the TTL old.
    Resolved(Vec<IpAddr>),
    /// No current answer: the lookup failed or found no address, or the last
    /// answer is older than the TTL and no newer one succeeded. The name
    /// matches no address.
    Unresolved,
}

/// Settings for a [`NameResolver`], from [`NameResolver::builder`].
///
/// ```
/// use organizr_auth_core::access::NameResolver;
/// use std::time::Duration;
///
/// let names = NameResolver::builder()
///     .capacity(64)
///     .ttl(Duration::from_secs(20))
///     .idle_after(Duration::from_secs(300))
///     .build();
/// assert_eq!(names.capacity(), 64);
/// ```
#[must_use]
pub struct NameResolverBuilder {
    settings: Settings,
    lookup: Arc<LookupFn>,
}

#[derive(Clone, Copy, Debug)]
struct Settings {
    capacity: usize,
    ttl: Duration,
    idle: Duration,
}

impl NameResolver {
    /// The most names a resolver holds unless configured otherwise.
    pub const DEFAULT_CAPACITY: usize = 256;
    /// The longest an answer is used, and the default TTL.
    pub const MAX_TTL: Duration = Duration::from_secs(60);
    /// Names not checked for this long are dropped, unless configured otherwise.
    pub const DEFAULT_IDLE: Duration = Duration::from_secs(600);

    /// A resolver with the default settings and the system resolver. No thread
    /// starts until a name is registered.
    ///
    /// ```
    /// use organizr_auth_core::access::NameResolver;
    ///
    /// let names = NameResolver::new();
    /// assert_eq!((names.len(), names.capacity()), (0, 256));
    /// ```
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Settings other than the defaults, or another way to look names up.
    ///
    /// ```
    /// use organizr_auth_core::access::NameResolver;
    ///
    /// let names = NameResolver::builder().capacity(16).build();
    /// assert_eq!(names.capacity(), 16);
    /// ```
    pub fn builder() -> NameResolverBuilder {
        NameResolverBuilder {
            settings: Settings {
                capacity: Self::DEFAULT_CAPACITY,
                ttl: Self::MAX_TTL,
                idle: Self::DEFAULT_IDLE,
            },
            lookup: Arc::new(system_lookup),
        }
    }

    /// Registers the host names of `list` so that they are looked up now
    /// rather than at the first check (for a list known at start-up). Never
    /// blocks on a lookup.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::access::{IpList, NameResolver, NameStatus};
    ///
    /// let names = NameResolver::new();
    /// names.register(&IpList::parse("192.0.2.1, localhost")?);
    /// assert_ne!(names.status("localhost"), NameStatus::NotRegistered);
    /// assert_eq!(names.len(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn register(&self, list: &IpList) {
        self.register_names(list.name_slice(), Instant::now());
    }

    /// What the cache holds for `name` (compared ASCII case-insensitively).
    /// Does not register the name nor count as a use.
    ///
    /// ```
    /// use organizr_auth_core::access::{NameResolver, NameStatus};
    ///
    /// let names = NameResolver::new();
    /// assert_eq!(names.status("LOCALHOST"), NameStatus::NotRegistered);
    /// ```
    pub fn status(&self, name: &str) -> NameStatus {
        let name = name.to_ascii_lowercase();
        read(&self.shared().table).status(&name, Instant::now())
    }

    /// How many names are registered.
    ///
    /// ```
    /// use organizr_auth_core::access::NameResolver;
    ///
    /// assert_eq!(NameResolver::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        read(&self.shared().table).entries.len()
    }

    /// Whether no name is registered.
    ///
    /// ```
    /// use organizr_auth_core::access::NameResolver;
    ///
    /// assert!(NameResolver::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most names this resolver holds.
    ///
    /// ```
    /// use organizr_auth_core::access::NameResolver;
    ///
    /// assert_eq!(NameResolver::new().capacity(), NameResolver::DEFAULT_CAPACITY);
    /// ```
    pub fn capacity(&self) -> usize {
        read(&self.shared().table).settings.capacity
    }

    /// Whether `ip` (canonical) is a current address of one of `names`
    /// (lower-case). Every name counts as used; names not registered yet are
    /// registered and match nothing this time.
    pub(crate) fn matches_any(&self, names: &[Box<str>], ip: IpAddr) -> bool {
        let now = Instant::now();
        let mut found = false;
        let mut missing = false;
        {
            let table = read(&self.shared().table);
            for name in names {
                match table.check(name, ip, now) {
                    Check::Match => found = true,
                    Check::NoMatch => {}
                    Check::Missing => missing = true,
                }
            }
        }
        if missing {
            self.register_names(names, now);
        }
        found
    }

    fn shared(&self) -> &Arc<Shared> {
        &self.handle.shared
    }

    fn register_names(&self, names: &[Box<str>], now: Instant) {
        let mut added = false;
        {
            let mut table = write(&self.shared().table);
            for name in names {
                added |= table.register(name, now);
            }
        }
        if added {
            start_and_wake(self.shared());
        }
    }
}

impl NameResolverBuilder {
    /// The most names held at once (default 256, at least 1). Beyond, new
    /// names are not registered and match nothing until unused names are
    /// dropped.
    ///
    /// ```
    /// use organizr_auth_core::access::NameResolver;
    ///
    /// assert_eq!(NameResolver::builder().capacity(0).build().capacity(), 1);
    /// ```
    pub fn capacity(mut self, names: usize) -> Self {
        self.settings.capacity = names.max(1);
        self
    }

    /// How long an answer is used (default and most: 60 s; at least 1 ms). A
    /// name in use is looked up again after half of it.
    ///
    /// ```
    /// use organizr_auth_core::access::NameResolver;
    /// use std::time::Duration;
    ///
    /// // Longer values are cut to 60 s.
    /// let names = NameResolver::builder().ttl(Duration::from_secs(3600)).build();
    /// # let _ = names;
    /// ```
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.settings.ttl = ttl.clamp(Duration::from_millis(1), NameResolver::MAX_TTL);
        self
    }

    /// Names not checked for this long are dropped (default 10 minutes; never
    /// less than the TTL).
    ///
    /// ```
    /// use organizr_auth_core::access::NameResolver;
    /// use std::time::Duration;
    ///
    /// let names = NameResolver::builder().idle_after(Duration::from_secs(120)).build();
    /// # let _ = names;
    /// ```
    pub fn idle_after(mut self, idle: Duration) -> Self {
        self.settings.idle = idle;
        self
    }

    /// Looks names up with `lookup` instead of the system resolver (for
    /// tests, or another resolver). It runs on the background threads; an
    /// error, an empty answer or a panic means the name did not resolve.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use organizr_auth_core::access::{IpList, NameResolver, NameStatus};
    /// use std::net::IpAddr;
    /// use std::time::{Duration, Instant};
    ///
    /// let names = NameResolver::builder()
    ///     .lookup(|name: &str| match name {
    ///         "nas.lan" => Ok(vec![IpAddr::from([192, 0, 2, 10])]),
    ///         _ => Err(std::io::ErrorKind::NotFound.into()),
    ///     })
    ///     .build();
    /// names.register(&IpList::parse("nas.lan")?);
    /// let deadline = Instant::now() + Duration::from_secs(30);
    /// while names.status("nas.lan") == NameStatus::Pending && Instant::now() < deadline {
    ///     std::thread::sleep(Duration::from_millis(1));
    /// }
    /// assert_eq!(names.status("nas.lan"), NameStatus::Resolved(vec!["192.0.2.10".parse()?]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn lookup(
        mut self,
        lookup: impl Fn(&str) -> io::Result<Vec<IpAddr>> + Send + Sync + 'static,
    ) -> Self {
        self.lookup = Arc::new(lookup);
        self
    }

    /// The resolver. No thread starts until a name is registered.
    ///
    /// ```
    /// use organizr_auth_core::access::NameResolver;
    ///
    /// let names = NameResolver::builder().build();
    /// assert!(names.is_empty());
    /// ```
    pub fn build(self) -> NameResolver {
        let mut settings = self.settings;
        settings.idle = settings.idle.max(settings.ttl);
        NameResolver {
            handle: Arc::new(Handle {
                shared: Arc::new(Shared {
                    table: RwLock::new(Table::new(settings, Instant::now())),
                    signal: Mutex::new(Signal {
                        generation: 0,
                        shutdown: false,
                        workers: 0,
                    }),
                    wake: Condvar::new(),
                    lookup: self.lookup,
                }),
            }),
        }
    }
}

/// Same as [`NameResolver::new`].
impl Default for NameResolver {
    fn default() -> Self {
        Self::new()
    }
}

/// Prints the settings and the number of names, not the names.
impl fmt::Debug for NameResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let table = read(&self.shared().table);
        f.debug_struct("NameResolver")
            .field("names", &table.entries.len())
            .field("capacity", &table.settings.capacity)
            .field("ttl", &table.settings.ttl)
            .field("idle", &table.settings.idle)
            .finish()
    }
}

impl fmt::Debug for NameResolverBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NameResolverBuilder")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        lock(&self.shared.signal).shutdown = true;
        self.shared.wake.notify_all();
    }
}

/// `getaddrinfo` through the standard library.
fn system_lookup(name: &str) -> io::Result<Vec<IpAddr>> {
    Ok((name, 0u16).to_socket_addrs()?.map(|a| a.ip()).collect())
}

// Locks are only held for table bookkeeping that cannot panic, so a poisoned
// lock still guards a consistent table.
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

fn lock<T>(lock: &Mutex<T>) -> MutexGuard<'_, T> {
    lock.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts the background threads if they are not running, and wakes them.
fn start_and_wake(shared: &Arc<Shared>) {
    let mut signal = lock(&shared.signal);
    while signal.workers < WORKERS {
        let for_thread = Arc::clone(shared);
        let spawned = std::thread::Builder::new()
            .name("organizr-auth-dns".into())
            .spawn(move || work(&for_thread));
        match spawned {
            Ok(_) => signal.workers += 1,
            Err(error) => {
                // Names stay unresolved (matching nothing); the next
                // registration tries again.
                tracing::error!(%error, "cannot start the host-name resolver thread");
                break;
            }
        }
    }
    signal.generation = signal.generation.wrapping_add(1);
    drop(signal);
    shared.wake.notify_all();
}

/// A background thread: look up whatever is due, sleep until the next due
/// time or a registration, stop when the resolver is dropped.
fn work(shared: &Shared) {
    loop {
        let seen = {
            let signal = lock(&shared.signal);
            if signal.shutdown {
                return;
            }
            signal.generation
        };
        let next = write(&shared.table).next_job(Instant::now());
        match next {
            Next::Run(name) => {
                let started = Instant::now();
                let result = catch_unwind(AssertUnwindSafe(|| (shared.lookup)(&name)))
                    .unwrap_or_else(|_| Err(io::Error::other("the lookup function panicked")));
                write(&shared.table).finish(&name, started, result, Instant::now());
            }
            Next::WaitUntil(until) => wait(shared, seen, Some(until)),
            Next::Idle => wait(shared, seen, None),
        }
    }
}

fn wait(shared: &Shared, seen: u64, until: Option<Instant>) {
    let mut signal = lock(&shared.signal);
    loop {
        if signal.shutdown || signal.generation != seen {
            return;
        }
        signal = match until {
            None => shared
                .wake
                .wait(signal)
                .unwrap_or_else(PoisonError::into_inner),
            Some(until) => {
                let left = until.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return;
                }
                shared
                    .wake
                    .wait_timeout(signal, left)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
        };
    }
}

/// The cache, with the clock passed in so that its rules can be tested
/// without waiting.
struct Table {
    settings: Settings,
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
enum Check {
    Match,
    NoMatch,
    /// Not registered, and there is room: register it.
    Missing,
}

#[derive(Debug, PartialEq, Eq)]
enum Next {
    /// Look this name up now (marked in flight).
    Run(Box<str>),
    WaitUntil(Instant),
    Idle,
}

impl Table {
    fn new(settings: Settings, epoch: Instant) -> Self {
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
    fn check(&self, name: &str, ip: IpAddr, now: Instant) -> Check {
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
    fn register(&mut self, name: &str, now: Instant) -> bool {
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
    fn next_job(&mut self, now: Instant) -> Next {
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
    fn finish(
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

    fn status(&self, name: &str, now: Instant) -> NameStatus {
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
    use std::sync::atomic::AtomicUsize;

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

    /// Polls `f` until it returns `Some`, for at most 60 s.
    fn eventually<T>(mut f: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + secs(60);
        loop {
            if let Some(v) = f() {
                return v;
            }
            assert!(Instant::now() < deadline, "condition not met in time");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn resolved(names: &NameResolver, name: &str) -> Vec<IpAddr> {
        eventually(|| match names.status(name) {
            NameStatus::Resolved(addrs) => Some(addrs),
            _ => None,
        })
    }

    #[test]
    fn resolves_offline_names_with_the_system_resolver() {
        let names = NameResolver::new();
        let list = IpList::parse("localhost, nonexistent.invalid").unwrap();
        // The first check registers and matches nothing.
        assert!(!list.contains(ip("127.0.0.1"), &names));
        assert_eq!(names.len(), 2);
        assert!(resolved(&names, "localhost").contains(&ip("127.0.0.1")));
        assert!(list.contains(ip("127.0.0.1"), &names));
        assert!(list.contains(ip("::ffff:127.0.0.1"), &names));
        assert!(!list.contains(ip("192.0.2.1"), &names));
        eventually(|| {
            (names.status("nonexistent.invalid") == NameStatus::Unresolved).then_some(())
        });
        // From /etc/hosts, when the machine lists more than localhost there.
        let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
        let extra = hosts
            .lines()
            .filter_map(|l| {
                let mut words = l.split('#').next()?.split_whitespace();
                let addr = words.next()?.parse::<IpAddr>().ok()?;
                Some(words.map(move |w| (addr, w.to_owned())))
            })
            .flatten()
            .find(|(_, w)| {
                w != "localhost" && IpList::parse(w).is_ok_and(|l| l.names().count() == 1)
            });
        if let Some((addr, name)) = extra {
            let l = IpList::parse(&name).unwrap();
            names.register(&l);
            assert!(
                resolved(&names, &name).contains(&addr.to_canonical()),
                "{name}"
            );
            assert!(l.contains(addr, &names), "{name}");
        }
    }

    #[test]
    fn follows_changes_and_outages_of_the_answer() {
        let answer = Arc::new(Mutex::new(Ok(vec![ip("192.0.2.1")])));
        let calls = Arc::new(AtomicUsize::new(0));
        let (a, c) = (Arc::clone(&answer), Arc::clone(&calls));
        let names = NameResolver::builder()
            .ttl(Duration::from_millis(40))
            .lookup(move |name| {
                assert_eq!(name, "dyn.example");
                c.fetch_add(1, Ordering::SeqCst);
                match &*a.lock().unwrap() {
                    Ok(addrs) => Ok(addrs.clone()),
                    Err(()) => Err(io::ErrorKind::NotFound.into()),
                }
            })
            .build();
        let list = IpList::parse("dyn.example").unwrap();
        names.register(&list);
        eventually(|| list.contains(ip("192.0.2.1"), &names).then_some(()));
        *answer.lock().unwrap() = Ok(vec![ip("192.0.2.2")]);
        eventually(|| list.contains(ip("192.0.2.2"), &names).then_some(()));
        assert!(!list.contains(ip("192.0.2.1"), &names));
        // An outage: the name stops matching once its answer is too old.
        *answer.lock().unwrap() = Err(());
        eventually(|| (names.status("dyn.example") == NameStatus::Unresolved).then_some(()));
        assert!(!list.contains(ip("192.0.2.2"), &names));
        *answer.lock().unwrap() = Ok(vec![ip("192.0.2.3")]);
        eventually(|| list.contains(ip("192.0.2.3"), &names).then_some(()));
        assert!(calls.load(Ordering::SeqCst) >= 4);
    }

    #[test]
    fn a_panicking_lookup_is_a_failure_and_threads_stop_with_the_resolver() {
        let names = NameResolver::builder()
            .lookup(|name| match name {
                "boom.example" => panic!("lookup bug"),
                _ => Ok(vec![IpAddr::from([192, 0, 2, 4])]),
            })
            .build();
        names.register(&IpList::parse("boom.example, ok.example").unwrap());
        eventually(|| (names.status("boom.example") == NameStatus::Unresolved).then_some(()));
        assert_eq!(resolved(&names, "ok.example"), [ip("192.0.2.4")]);
        let shared = Arc::downgrade(names.shared());
        let clone = names.clone();
        drop(names);
        assert_eq!(
            clone.status("OK.example"),
            NameStatus::Resolved(vec![ip("192.0.2.4")])
        );
        drop(clone);
        eventually(|| shared.upgrade().is_none().then_some(()));
    }

    #[test]
    fn a_full_resolver_leaves_new_names_unregistered() {
        let names = NameResolver::builder()
            .capacity(1)
            .lookup(|_| Ok(vec![IpAddr::from([192, 0, 2, 5])]))
            .build();
        let first = IpList::parse("a.example").unwrap();
        let second = IpList::parse("b.example").unwrap();
        assert!(!first.contains(ip("192.0.2.5"), &names));
        assert!(!second.contains(ip("192.0.2.5"), &names));
        eventually(|| first.contains(ip("192.0.2.5"), &names).then_some(()));
        assert!(!second.contains(ip("192.0.2.5"), &names));
        assert_eq!(names.status("b.example"), NameStatus::NotRegistered);
        assert_eq!((names.len(), names.capacity()), (1, 1));
        assert_eq!(
            format!("{names:?}"),
            "NameResolver { names: 1, capacity: 1, ttl: 60s, idle: 600s }"
        );
    }
}
