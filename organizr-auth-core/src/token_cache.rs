//! The cache of verified tokens: a browser sends the same Organizr cookie with
//! every request, so the signature and claims of a token that passed once
//! need not be checked again. What can change between two requests (the
//! clock, and Organizr's session table) is checked on every request, hit or
//! not.
//!
//! The [`Authenticator`](crate::Authenticator) owns one [`TokenCache`] and
//! uses it for every token it resolves, so the adapters and the forward-auth
//! server get it with no code of their own. Its size is
//! [`Config::token_cache`](crate::Config::token_cache)
//! (`ORGANIZR_TOKEN_CACHE`, default [`TokenCache::DEFAULT_CAPACITY`]
//! entries; `0` turns it off).
//!
//! ```
//! use http::HeaderMap;
//! use organizr_auth_core::{Authenticator, Config, Peer, Secret};
//!
//! let auth = Authenticator::new(Config::new(Secret::new("vectors-organizr-hash-7Qm2")?).uuid("u"));
//! // A real token made by Organizr's own JWT library.
//! let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJPcmdhbml6ciIsImF1ZCI6Ik9yZ2FuaXpyIiwianRpIjoiNGYxZzIzYTEyYWEiLCJpYXQiOjE3OTU0Njk0OTMuOTk0NTcxLCJuYmYiOjE3OTU0Njk0OTMuOTk0NTcxLCJleHAiOjIxMTA4Mjk0OTMuOTk0NTcxLCJuYW1lIjoibWFsbG9yeS5mYW4iLCJncm91cCI6IlVzZXIiLCJncm91cElEIjo0LCJlbWFpbCI6IiIsImltYWdlIjoiIiwidXNlcklEIjo0Mn0.qErajVm6Pi8DjvZuAMiRi3w-rsM2Mx6xo0kYaDip1Jc";
//! let mut headers = HeaderMap::new();
//! headers.insert("cookie", format!("organizr_token_u={token}").parse()?);
//!
//! assert!(auth.token_cache().is_empty());
//! let first = auth.resolve(&headers, None, &Peer::Unknown); // every check, then remembered
//! assert_eq!(auth.token_cache().len(), 1);
//! let again = auth.resolve(&headers, None, &Peer::Unknown); // a hit: times (and session) checked
//! assert_eq!(first, again);
//! assert_eq!(again.identity().map(|i| i.username.as_str()), Some("mallory.fan"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What a hit skips, and what it does not
//! A miss runs every check of [`TokenValidator`](crate::TokenValidator) (size,
//! shape, header, HMAC signature, claims, times) and then, with Organizr's
//! sessions configured, the session check. Only a token that passed all of
//! them is stored, with its checked claims and the identity built from them
//! (its header values made once). A hit is a request whose token is
//! byte-for-byte one that is stored; for it:
//!
//! | check | on a hit |
//! |---|---|
//! | size, shape, header, signature, claims | skipped: they depend only on the token's bytes and the key, and both are the same |
//! | `exp`, `nbf`, `iat` against the clock, with the leeway | **checked** (an expired entry is also removed) |
//! | Organizr's session (logout, revocation, lock, deleted user, fail-closed when the database is unreadable) | **checked**, in the current snapshot |
//! | the user's current row (name, level, e-mail) | **read** from the current snapshot; a changed row replaces the entry |
//!
//! So a hit gives the answer a miss would have given, at a fraction of the
//! cost (`benches/README.md`: the cache's hit and miss costs).
//!
//! # Security
//! - **Only verified tokens enter.** A token enters after passing every check
//!   and the session check, never after a refusal, so whoever does not hold
//!   the key cannot put anything in it; there is no negative cache.
//! - **Exact bytes, compared in full.** The key of an entry is the whole
//!   token. A lookup hashes its last 32 bytes (the signature, unpredictable
//!   without the key) and then compares every byte of the candidate with the
//!   request's, without an early exit, so a token that differs in one byte
//!   anywhere misses and is checked from scratch.
//! - **No flooding.** The hash is SipHash-1-3 with a random key per cache
//!   (`std`'s `RandomState`), so no one can choose tokens that collide; and
//!   since only signed tokens are stored, no one without the key can add
//!   entries at all.
//! - **Bounded.** At most `capacity` entries and at most
//!   [`TokenCache::BYTES_PER_ENTRY`] × `capacity` bytes (tokens are at most
//!   4096 bytes); a full cache drops the entry that expires first (expired
//!   ones first). Eviction only costs a later full check.
//! - **One key.** The cache belongs to the authenticator, which holds one
//!   key for its whole life: a new key (rotating `organizrHash`) means a new
//!   authenticator, whose cache starts empty. Nothing signed under another
//!   key can be found in it.
//! - **Nothing secret leaks from it.** Its `Debug` shows sizes only; it logs
//!   nothing. The tokens it holds are in memory anyway while requests carry
//!   them; `capacity` 0 keeps none.
//! - A shard whose lock was poisoned (a panic while holding it, which no code
//!   here can cause) is treated as empty: every token there is checked in
//!   full.

use std::fmt;
use std::hash::{BuildHasher, RandomState};
#[cfg(feature = "sessions")]
use std::sync::Arc;
use std::sync::RwLock;

use hashbrown::HashTable;

use crate::{Claims, Identity};

/// How many trailing bytes of a token are hashed: its signature's.
const HASHED_TAIL: usize = 32;

/// At most this many shards (each with its own lock).
const MAX_SHARDS: usize = 8;

/// Verified tokens, bounded in entries and bytes. Built by the
/// [`Authenticator`](crate::Authenticator) from its
/// [`Config`](crate::Config); read it through
/// [`Authenticator::token_cache`](crate::Authenticator::token_cache).
///
/// ```
/// use organizr_auth_core::{Authenticator, Config, Secret};
/// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?).token_cache(16)?);
/// let cache = auth.token_cache();
/// assert_eq!((cache.capacity(), cache.len()), (16, 0));
/// assert_eq!(format!("{cache:?}"), "TokenCache { capacity: 16, entries: 0, bytes: 0 }");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct TokenCache {
    /// Empty when the cache is off.
    shards: Box<[RwLock<Shard>]>,
    hasher: RandomState,
    capacity: usize,
}

struct Shard {
    table: HashTable<Entry>,
    /// Sum of the entries' weights.
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
}

/// The session row an identity was built from: the user's, with the
/// session check; nothing without it.
#[cfg(feature = "sessions")]
pub(crate) type SessionRow = Option<Arc<crate::session::SessionUser>>;
/// The session row an identity was built from: nothing without the session
/// check.
#[cfg(not(feature = "sessions"))]
pub(crate) type SessionRow = ();

/// A token that passed every check, and what it gave.
pub(crate) struct Entry {
    token: Box<str>,
    /// The checked claims: their times are checked again on every hit, and a
    /// session identity is rebuilt from them when the user's row changes.
    pub(crate) claims: Claims,
    /// The session row the identity was built from (session check on).
    #[cfg_attr(not(feature = "sessions"), allow(dead_code))]
    pub(crate) user: SessionRow,
    /// The identity, with its header values made.
    pub(crate) identity: Identity,
    weight: usize,
    /// The cache's hash of `token` (set when stored).
    hash: u64,
}

impl Entry {
    /// An entry for `token`, which passed every check with `claims` and gave
    /// `identity` (from the session row `user`, if the session check is on).
    pub(crate) fn new(token: &str, claims: Claims, user: SessionRow, identity: Identity) -> Self {
        let text = |s: &Option<String>| s.as_ref().map_or(0, String::len);
        // An estimate from above of the heap and inline bytes it holds: the
        // token, the claims' and the identity's strings, the header values.
        let weight = std::mem::size_of::<Self>()
            + token.len()
            + 2 * (claims.username.len() + text(&claims.group) + text(&claims.email))
            + text(&claims.image)
            + identity_weight(&identity);
        Self {
            token: token.into(),
            claims,
            user,
            // Handed out on every hit: its header values are made once.
            identity: identity.with_ready_headers(),
            weight,
            hash: 0,
        }
    }

    fn expires_at(&self) -> f64 {
        self.claims.expires_at
    }
}

impl TokenCache {
    /// The capacity when none is configured: 1024 tokens, a few MiB at most.
    ///
    /// ```
    /// use organizr_auth_core::token_cache::TokenCache;
    /// assert_eq!(TokenCache::DEFAULT_CAPACITY, 1024);
    /// ```
    pub const DEFAULT_CAPACITY: usize = 1024;

    /// The largest capacity [`Config::token_cache`](crate::Config::token_cache)
    /// accepts.
    ///
    /// ```
    /// use organizr_auth_core::token_cache::TokenCache;
    /// assert_eq!(TokenCache::MAX_CAPACITY, 100_000);
    /// ```
    pub const MAX_CAPACITY: usize = 100_000;

    /// The memory bound per entry of capacity: the cache holds at most
    /// `capacity` × this many bytes, whatever the size of the tokens (a real
    /// Organizr token's entry weighs about 1.5 KiB).
    ///
    /// ```
    /// use organizr_auth_core::token_cache::TokenCache;
    /// assert_eq!(TokenCache::BYTES_PER_ENTRY, 4096);
    /// ```
    pub const BYTES_PER_ENTRY: usize = 4096;

    /// A cache of at most `capacity` tokens (at most [`Self::MAX_CAPACITY`]);
    /// 0 is off.
    pub(crate) fn new(capacity: usize) -> Self {
        let capacity = capacity.min(Self::MAX_CAPACITY);
        let count = if capacity == 0 {
            0
        } else {
            // Powers of two, so that the shard is a mask of the hash; never
            // more shards than entries.
            let mut count = 1;
            while count * 2 <= capacity.min(MAX_SHARDS) {
                count *= 2;
            }
            count
        };
        let shards = (0..count)
            .map(|i| {
                // The remainder goes to the first shards: the limits add up to
                // exactly `capacity`.
                let max_entries = capacity / count + usize::from(i < capacity % count);
                RwLock::new(Shard {
                    table: HashTable::new(),
                    bytes: 0,
                    max_entries,
                    max_bytes: max_entries * Self::BYTES_PER_ENTRY,
                })
            })
            .collect();
        Self {
            shards,
            hasher: RandomState::new(),
            capacity,
        }
    }

    /// How many tokens it holds at most; 0 when it is off.
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?).token_cache(0)?);
    /// assert_eq!(auth.token_cache().capacity(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Whether tokens are remembered at all (capacity above 0).
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
    /// assert!(auth.token_cache().is_enabled());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_enabled(&self) -> bool {
        !self.shards.is_empty()
    }

    /// How many tokens it holds now.
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
    /// assert_eq!(auth.token_cache().len(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> usize {
        self.sum(|shard| shard.table.len())
    }

    /// Whether it holds no token.
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
    /// assert!(auth.token_cache().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes its entries hold (an estimate from above), at most
    /// [`Self::BYTES_PER_ENTRY`] × [`capacity`](Self::capacity).
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
    /// assert_eq!(auth.token_cache().bytes(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bytes(&self) -> usize {
        self.sum(|shard| shard.bytes)
    }

    /// Forgets every token: each is checked in full the next time it comes.
    ///
    /// ```
    /// use organizr_auth_core::{Authenticator, Config, Secret};
    /// let auth = Authenticator::new(Config::new(Secret::new("a-long-random-organizr-hash-value-here")?));
    /// auth.token_cache().clear();
    /// assert!(auth.token_cache().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn clear(&self) {
        for shard in self.shards.iter() {
            if let Ok(mut shard) = shard.write() {
                shard.table.clear();
                shard.bytes = 0;
            }
        }
    }

    fn sum(&self, f: impl Fn(&Shard) -> usize) -> usize {
        self.shards
            .iter()
            .filter_map(|shard| shard.read().ok().map(|s| f(&s)))
            .sum()
    }

    fn hash(&self, token: &str) -> u64 {
        let bytes = token.as_bytes();
        let tail = bytes
            .get(bytes.len().saturating_sub(HASHED_TAIL)..)
            .unwrap_or(bytes);
        self.hasher.hash_one(tail)
    }

    fn shard(&self, hash: u64) -> Option<&RwLock<Shard>> {
        // The low bits pick the bucket inside a table; the top ones the shard.
        let index = (hash >> 58) as usize & (self.shards.len().wrapping_sub(1));
        self.shards.get(index)
    }

    /// Runs `f` on the entry for exactly `token`, under the shard's read lock;
    /// `None` on a miss (or when the cache is off).
    pub(crate) fn lookup<R>(&self, token: &str, f: impl FnOnce(&Entry) -> R) -> Option<R> {
        if self.shards.is_empty() {
            return None;
        }
        let hash = self.hash(token);
        let shard = self.shard(hash)?.read().ok()?;
        let entry = shard
            .table
            .find(hash, |entry| same_bytes(&entry.token, token))?;
        Some(f(entry))
    }

    /// Stores `entry` (replacing one for the same token), evicting what the
    /// bounds require first. `now` picks expired entries to drop first.
    pub(crate) fn insert(&self, mut entry: Entry) {
        if self.shards.is_empty() {
            return;
        }
        let hash = self.hash(&entry.token);
        entry.hash = hash;
        let Some(shard) = self.shard(hash) else {
            return;
        };
        let Ok(mut shard) = shard.write() else {
            return;
        };
        let shard = &mut *shard;
        if entry.weight > shard.max_bytes {
            return;
        }
        if let Ok(found) = shard
            .table
            .find_entry(hash, |e| same_bytes(&e.token, &entry.token))
        {
            let (old, _) = found.remove();
            shard.bytes -= old.weight;
        }
        while shard.table.len() >= shard.max_entries || shard.bytes + entry.weight > shard.max_bytes
        {
            if !shard.evict_one() {
                break;
            }
        }
        shard.bytes += entry.weight;
        shard.table.insert_unique(hash, entry, |e| e.hash);
    }

    /// Drops the entry for exactly `token`, if there is one.
    pub(crate) fn remove(&self, token: &str) {
        if self.shards.is_empty() {
            return;
        }
        let hash = self.hash(token);
        let Some(shard) = self.shard(hash) else {
            return;
        };
        let Ok(mut shard) = shard.write() else {
            return;
        };
        if let Ok(found) = shard
            .table
            .find_entry(hash, |e| same_bytes(&e.token, token))
        {
            let (old, _) = found.remove();
            shard.bytes -= old.weight;
        }
    }
}

impl Shard {
    /// Drops the entry that expires first (so an expired one, if any).
    /// `false` when empty.
    fn evict_one(&mut self) -> bool {
        let Some((hash, token)) = self
            .table
            .iter()
            .min_by(|a, b| a.expires_at().total_cmp(&b.expires_at()))
            .map(|e| (e.hash, e.token.as_ptr()))
        else {
            return false;
        };
        match self
            .table
            .find_entry(hash, |e| std::ptr::eq(e.token.as_ptr(), token))
        {
            Ok(found) => {
                let (old, _) = found.remove();
                self.bytes -= old.weight;
                true
            }
            Err(_) => false,
        }
    }
}

/// The bytes an identity's strings and header values hold.
fn identity_weight(identity: &Identity) -> usize {
    let text = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    // Each string once in the identity and once in its header values (the
    // user and e-mail twice: `Remote-*` and `X-Organizr-*`).
    3 * identity.username.len()
        + 3 * text(&identity.email)
        + 2 * text(&identity.group)
        + text(&identity.display_name)
        + text(&identity.image)
        + 64
}

/// `a == b` without an early exit on the first differing byte (lengths are
/// not secret): the time a lookup takes says nothing about how much of a
/// stored token a guess got right.
fn same_bytes(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    std::hint::black_box(diff) == 0
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("capacity", &self.capacity)
            .field("entries", &self.len())
            .field("bytes", &self.bytes())
            .finish()
    }
}

#[cfg(all(test, feature = "mint"))]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use std::time::{Duration, SystemTime};

    use http::HeaderMap;

    use super::*;
    use crate::mint::TokenBuilder;
    use crate::{
        Authentication, Authenticator, Config, GroupLevel, Peer, Refusal, Secret, TokenError,
    };

    const KEY: &str = "token-cache-organizr-hash-0123456789abcdef";

    fn key() -> Secret {
        Secret::new(KEY).unwrap()
    }

    fn auth(capacity: usize) -> Authenticator {
        Authenticator::new(Config::new(key()).uuid("u").token_cache(capacity).unwrap())
    }

    fn token(name: &str, lifetime: Duration) -> String {
        TokenBuilder::new(name, GroupLevel::USER)
            .email(format!("{name}@example.org"))
            .lifetime(lifetime)
            .sign(&key())
    }

    fn cookie(token: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            "cookie",
            format!("a=1; organizr_token_u={token}; b=2")
                .parse()
                .unwrap(),
        );
        h
    }

    fn who(auth: &Authenticator, token: &str) -> Authentication {
        auth.resolve(&cookie(token), None, &Peer::Unknown)
    }

    /// The cache's answer for `token` at `now`, as resolution sees it.
    fn at(auth: &Authenticator, token: &str, now: SystemTime) -> Result<crate::Identity, Refusal> {
        let validator = auth.validator().unwrap();
        auth.resolver.token_identity_of(validator, token, now)
    }

    fn cached(auth: &Authenticator, token: &str) -> bool {
        auth.token_cache().lookup(token, |_| ()).is_some()
    }

    #[test]
    fn only_tokens_that_pass_every_check_enter() {
        let auth = auth(16);
        let good = token("alice", Duration::from_secs(3600));
        let other_key = TokenBuilder::new("mallory", GroupLevel::ADMIN)
            .sign(&Secret::new("another-organizr-hash-of-enough-length").unwrap());
        let expired = TokenBuilder::new("bob", GroupLevel::USER)
            .issued_at(SystemTime::now() - Duration::from_secs(7200))
            .lifetime(Duration::from_secs(60))
            .sign(&key());
        let not_yet = TokenBuilder::new("carol", GroupLevel::USER)
            .issued_at(SystemTime::now() + Duration::from_secs(3600))
            .sign(&key());
        let (head, sig) = good.rsplit_once('.').unwrap();
        let resigned = format!("{head}.{}", sig.chars().rev().collect::<String>());
        for (bad, why) in [
            (
                other_key.as_str(),
                Refusal::Token(TokenError::InvalidSignature),
            ),
            (expired.as_str(), Refusal::Token(TokenError::Expired)),
            (
                not_yet.as_str(),
                Refusal::Token(TokenError::NotYetValid("nbf")),
            ),
            (
                resigned.as_str(),
                Refusal::Token(TokenError::InvalidSignature),
            ),
            (
                "junk",
                Refusal::Token(TokenError::Malformed("token does not have three segments")),
            ),
        ] {
            for _ in 0..3 {
                assert_eq!(
                    who(&auth, bad),
                    Authentication::Anonymous {
                        refused: Some(why.clone())
                    }
                );
            }
            assert!(auth.token_cache().is_empty(), "a refused token entered");
        }
        assert!(who(&auth, &good).identity().is_some());
        assert_eq!(auth.token_cache().len(), 1);
        assert!(cached(&auth, &good));
    }

    #[test]
    fn a_hit_gives_what_a_miss_gives() {
        let (with, without) = (auth(16), auth(0));
        assert!(!without.token_cache().is_enabled());
        let alice = TokenBuilder::new("alice", GroupLevel::new(3).unwrap())
            .email("alice@example.org")
            .group_name("Power")
            .image("https://example.org/a.png")
            .user_id(7)
            .sign(&key());
        for _ in 0..3 {
            let (hit, fresh) = (who(&with, &alice), who(&without, &alice));
            assert_eq!(hit, fresh);
            let (hit, fresh) = (hit.into_identity().unwrap(), fresh.into_identity().unwrap());
            assert_eq!(hit.image, fresh.image);
            let headers = |id: &crate::Identity| -> Vec<(String, Vec<u8>)> {
                id.headers()
                    .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
                    .collect()
            };
            assert_eq!(headers(&hit), headers(&fresh));
        }
        assert_eq!(with.token_cache().len(), 1);
        assert!(without.token_cache().is_empty());
    }

    #[test]
    fn a_token_differing_in_one_byte_misses() {
        let auth = auth(16);
        let good = token("alice", Duration::from_secs(3600));
        assert!(who(&auth, &good).identity().is_some());
        let bytes = good.as_bytes();
        // Every position: header, payload, signature, first and last byte.
        for i in 0..bytes.len() {
            let mut changed = bytes.to_vec();
            changed[i] = if changed[i] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(changed).unwrap();
            assert!(!cached(&auth, &changed), "byte {i}");
            assert!(who(&auth, &changed).identity().is_none(), "byte {i} passed");
        }
        // Shorter and longer tokens with the same tail.
        assert!(!cached(&auth, &good[1..]));
        assert!(!cached(&auth, &format!("x{good}")));
        assert_eq!(auth.token_cache().len(), 1);
    }

    #[test]
    fn an_expired_token_is_refused_on_a_hit_and_dropped() {
        let auth = auth(16);
        let now = SystemTime::now();
        let alice = token("alice", Duration::from_secs(3600));
        assert!(at(&auth, &alice, now).is_ok());
        assert!(cached(&auth, &alice));
        // Within the leeway (30 s) it still passes; beyond it, not.
        assert!(at(&auth, &alice, now + Duration::from_secs(3600 + 20)).is_ok());
        assert_eq!(
            at(&auth, &alice, now + Duration::from_secs(3600 + 31)),
            Err(Refusal::Token(TokenError::Expired))
        );
        assert!(!cached(&auth, &alice), "an expired entry is dropped");
        // Before its `nbf` (a clock set back): refused, as a miss would be.
        let later = token("bob", Duration::from_secs(3600));
        assert!(at(&auth, &later, now).is_ok());
        assert_eq!(
            at(&auth, &later, now - Duration::from_secs(120)),
            Err(Refusal::Token(TokenError::NotYetValid("nbf")))
        );
    }

    #[test]
    fn capacity_bounds_entries_and_bytes() {
        for capacity in [1, 2, 3, 5, 8, 9, 17] {
            let auth = auth(capacity);
            let tokens: Vec<String> = (0..capacity * 4 + 3)
                .map(|i| token(&format!("user{i}"), Duration::from_secs(3600 + i as u64)))
                .collect();
            for t in &tokens {
                assert!(who(&auth, t).identity().is_some());
                let cache = auth.token_cache();
                assert!(cache.len() <= capacity, "{} > {capacity}", cache.len());
                assert!(cache.bytes() <= capacity * TokenCache::BYTES_PER_ENTRY);
            }
            assert!(!auth.token_cache().is_empty());
            // The newest is always there (evictions make room for it).
            assert!(cached(&auth, tokens.last().unwrap()));
            // Evicted tokens still pass, checked in full.
            assert!(who(&auth, &tokens[0]).identity().is_some());
        }
    }

    #[test]
    fn a_full_shard_drops_the_entry_that_expires_first() {
        let auth = auth(1);
        let long = token("long", Duration::from_secs(7200));
        let short = token("short", Duration::from_secs(600));
        assert!(who(&auth, &long).identity().is_some());
        assert!(who(&auth, &short).identity().is_some());
        assert!(cached(&auth, &short) && !cached(&auth, &long));
        let mut shard = auth.token_cache().shards[0].write().unwrap();
        assert_eq!(shard.table.len(), 1);
        assert!(shard.evict_one());
        assert_eq!((shard.table.len(), shard.bytes), (0, 0));
        assert!(!shard.evict_one());
    }

    #[test]
    fn big_tokens_count_against_the_memory_bound() {
        let auth = auth(2);
        // A 3.5 KB image URL makes an entry heavier than BYTES_PER_ENTRY.
        let big = TokenBuilder::new("alice", GroupLevel::USER)
            .image(format!("https://example.org/{}", "a".repeat(2000)))
            .sign(&key());
        assert!(big.len() <= crate::token::MAX_TOKEN_LEN);
        assert!(who(&auth, &big).identity().is_some());
        assert!(auth.token_cache().bytes() <= 2 * TokenCache::BYTES_PER_ENTRY);
    }

    #[test]
    fn capacity_zero_keeps_nothing_and_the_limit_is_checked() {
        let auth = auth(0);
        let alice = token("alice", Duration::from_secs(3600));
        for _ in 0..3 {
            assert!(who(&auth, &alice).identity().is_some());
        }
        assert_eq!(auth.token_cache().len(), 0);
        assert!(
            Config::new(key())
                .token_cache(TokenCache::MAX_CAPACITY + 1)
                .is_err()
        );
        assert_eq!(
            Authenticator::new(Config::new(key()))
                .token_cache()
                .capacity(),
            TokenCache::DEFAULT_CAPACITY
        );
    }

    #[test]
    fn a_key_change_starts_from_an_empty_cache() {
        // The key is fixed for an authenticator's life: rotating it means a
        // new authenticator, and with it a new, empty cache.
        let old = auth(16);
        let alice = token("alice", Duration::from_secs(3600));
        assert!(who(&old, &alice).identity().is_some());
        assert_eq!(old.token_cache().len(), 1);
        let rotated = Authenticator::new(
            Config::new(Secret::new("the-rotated-organizr-hash-0123456789").unwrap()).uuid("u"),
        );
        assert!(rotated.token_cache().is_empty());
        assert_eq!(
            who(&rotated, &alice),
            Authentication::Anonymous {
                refused: Some(Refusal::Token(TokenError::InvalidSignature))
            }
        );
        assert!(rotated.token_cache().is_empty());
        old.token_cache().clear();
        assert!(old.token_cache().is_empty() && old.token_cache().bytes() == 0);
    }

    #[test]
    fn concurrent_requests_agree() {
        let auth = std::sync::Arc::new(auth(4));
        let tokens: Vec<String> = (0..8)
            .map(|i| token(&format!("user{i}"), Duration::from_secs(3600)))
            .collect();
        std::thread::scope(|scope| {
            for t in 0..4 {
                let (auth, tokens) = (&auth, &tokens);
                scope.spawn(move || {
                    for round in 0..200 {
                        let i = (round * 7 + t) % tokens.len();
                        let id = who(auth, &tokens[i]).into_identity().unwrap();
                        assert_eq!(id.username, format!("user{i}"));
                    }
                });
            }
        });
        assert!(auth.token_cache().len() <= 4);
    }

    #[test]
    fn ready_header_values_follow_the_fields() {
        let auth = auth(4);
        let alice = TokenBuilder::new("alice", GroupLevel::USER)
            .email("alice@example.org")
            .sign(&key());
        let _ = who(&auth, &alice);
        let mut id = who(&auth, &alice).into_identity().unwrap();
        assert!(
            id.ready.is_some(),
            "a hit hands out the entry's ready values"
        );
        let shown = |id: &crate::Identity| -> Vec<String> {
            id.headers()
                .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap()))
                .collect()
        };
        assert!(shown(&id).contains(&"remote-user: alice".to_owned()));
        // Fields changed after the fact: the values follow them, not the
        // values made ahead.
        id.username = "mallory".to_owned();
        id.group_id = GroupLevel::ADMIN;
        id.email = None;
        let now = shown(&id);
        assert!(now.contains(&"remote-user: mallory".to_owned()), "{now:?}");
        assert!(now.contains(&"x-organizr-group: 0".to_owned()), "{now:?}");
        assert!(!now.iter().any(|h| h.contains("alice")), "{now:?}");
    }

    #[test]
    fn debug_shows_sizes_only() {
        let auth = auth(4);
        let alice = token("alice", Duration::from_secs(3600));
        assert!(who(&auth, &alice).identity().is_some());
        let shown = format!("{:?}", auth.token_cache());
        assert!(
            shown.starts_with("TokenCache { capacity: 4, entries: 1, bytes: "),
            "{shown}"
        );
        assert!(!shown.contains(&alice[..20]) && !shown.contains("alice"));
    }
}
