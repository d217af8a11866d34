//! Host names in IP lists, resolved in the background and cached.

use std::fmt;
use std::io;
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant};

use super::IpList;

mod table;
mod worker;

use table::{Check, Table};
use worker::start_and_wake;

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
        read(&self.shared().table).len()
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
            .field("names", &table.len())
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
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
