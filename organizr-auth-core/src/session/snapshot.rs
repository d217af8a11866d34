//! One immutable picture of Organizr's live sessions, users and tabs, read in one
//! short transaction and then indexed outside it.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hashbrown::HashTable;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Transaction};

use super::expiry::{organizr_now, session_end};
use super::{SessionCheck, SessionError, SessionUser};
use crate::GroupLevel;

/// Live sessions by token. The hash covers only the token's last
/// [`HASHED_TAIL`] bytes, its signature (an HMAC, so unique per token and
/// unpredictable), which makes hashing a ~450-byte token as cheap as hashing
/// 32 bytes; every candidate is then compared on its user id and its *whole*
/// token. foldhash with a per-process random seed: a few nanoseconds, where
/// std's SipHash-1-3 over the whole token costs hundreds.
struct Sessions {
    table: HashTable<Session>,
    hasher: foldhash::fast::RandomState,
}

/// How many trailing bytes of a token are hashed.
const HASHED_TAIL: usize = 32;

impl Sessions {
    fn with_capacity(n: usize) -> Self {
        Self {
            table: HashTable::with_capacity(n),
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    fn hash(&self, token: &str) -> u64 {
        hash_tail(&self.hasher, token)
    }

    fn get(&self, token: &str, user_id: u64) -> Option<&Session> {
        self.table.find(self.hash(token), |s| {
            s.user_id == user_id && *s.token == *token
        })
    }

    /// Adds a row. Organizr's schema makes `token` UNIQUE, but its lookup is by
    /// user id *and* token, so the pair is the key here; two rows for one pair
    /// keep the later end (either is Organizr's match while both are live).
    fn add(&mut self, session: Session) {
        let hash = self.hash(&session.token);
        if let Some(kept) = self.table.find_mut(hash, |s| {
            s.user_id == session.user_id && s.token == session.token
        }) {
            kept.ends_at = kept.ends_at.max(session.ends_at);
            return;
        }
        let hasher = &self.hasher;
        self.table
            .insert_unique(hash, session, |s| hash_tail(hasher, &s.token));
    }
}

fn hash_tail(hasher: &foldhash::fast::RandomState, token: &str) -> u64 {
    let bytes = token.as_bytes();
    let tail = bytes
        .get(bytes.len().saturating_sub(HASHED_TAIL)..)
        .unwrap_or(bytes);
    hasher.hash_one(tail)
}

/// Live sessions, their users and the tabs, as of one read.
pub(crate) struct Snapshot {
    sessions: Sessions,
    /// In Organizr's query order (`id`), lowercased for ASCII.
    tabs: Vec<Tab>,
    /// Rows the snapshot dropped because their user is missing or unusable.
    pub(crate) orphans: usize,
    /// How many users have a usable row.
    pub(crate) users: usize,
    /// How long the read transaction (SQLite's shared lock) lasted.
    pub(crate) read_time: Duration,
}

struct Session {
    token: Box<str>,
    user_id: u64,
    /// Unix seconds when Organizr stops accepting it (see `expiry`).
    ends_at: i64,
    user: UserState,
}

#[derive(Clone)]
enum UserState {
    Active(Arc<SessionUser>),
    Locked,
}

struct Tab {
    name_lower: Box<[u8]>,
    group: Option<GroupLevel>,
}

/// A cell as read, owned, so that the transaction can end before indexing.
enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    /// A blob, or text that is not UTF-8: never a usable value here.
    Unusable,
}

impl Cell {
    fn of(value: ValueRef<'_>) -> Self {
        match value {
            ValueRef::Null => Self::Null,
            ValueRef::Integer(i) => Self::Integer(i),
            ValueRef::Real(r) => Self::Real(r),
            ValueRef::Text(t) => {
                std::str::from_utf8(t).map_or(Self::Unusable, |s| Self::Text(s.to_owned()))
            }
            ValueRef::Blob(_) => Self::Unusable,
        }
    }

    fn text(self) -> Option<String> {
        match self {
            Self::Text(s) => Some(s),
            _ => None,
        }
    }

    fn integer(&self) -> Option<i64> {
        match *self {
            Self::Integer(i) => Some(i),
            _ => None,
        }
    }
}

struct RawUser {
    id: Cell,
    username: Cell,
    email: Cell,
    group: Cell,
    group_id: Cell,
    locked: Cell,
}

struct Raw {
    tokens: Vec<(Cell, Cell, Cell)>,
    users: Vec<RawUser>,
    tabs: Vec<(Cell, Cell)>,
}

impl Snapshot {
    /// Reads the tables in one read transaction (so tokens and users agree)
    /// that ends before any indexing, to hold SQLite's shared lock as briefly as
    /// possible: in Organizr's default journal mode a reader's lock makes
    /// Organizr's writes fail at once (it sets no busy timeout).
    pub(crate) fn load(
        conn: &Connection,
        path: &Path,
        now_unix: i64,
    ) -> Result<Self, SessionError> {
        let started = Instant::now();
        let raw = read(conn, now_unix).map_err(|e| SessionError::read(path, e))?;
        let read_time = started.elapsed();
        Ok(Self {
            read_time,
            ..Self::build(raw, now_unix)
        })
    }

    fn build(raw: Raw, now_unix: i64) -> Self {
        let mut users: HashMap<i64, UserState> = HashMap::with_capacity(raw.users.len());
        for row in raw.users {
            if let Some((id, state)) = user_state(row) {
                users.insert(id, state);
            }
        }
        let mut sessions = Sessions::with_capacity(raw.tokens.len());
        let mut orphans = 0;
        for (token, user_id, expires) in raw.tokens {
            let (Some(token), Some(user_id), Some(ends_at)) = (
                token.text(),
                user_id.integer(),
                expires.text().as_deref().and_then(session_end),
            ) else {
                continue;
            };
            if ends_at <= now_unix {
                continue;
            }
            let Ok(id) = u64::try_from(user_id) else {
                continue;
            };
            let Some(user) = users.get(&user_id) else {
                orphans += 1;
                continue;
            };
            sessions.add(Session {
                token: token.into_boxed_str(),
                user_id: id,
                ends_at,
                user: user.clone(),
            });
        }
        let tabs = raw
            .tabs
            .into_iter()
            .filter_map(|(name, group_id)| {
                let name = name.text()?;
                Some(Tab {
                    name_lower: name.to_ascii_lowercase().into_bytes().into_boxed_slice(),
                    group: level(&group_id),
                })
            })
            .collect();
        Self {
            sessions,
            tabs,
            orphans,
            users: users.len(),
            read_time: Duration::ZERO,
        }
    }

    /// How many live sessions it holds.
    pub(crate) fn len(&self) -> usize {
        self.sessions.table.len()
    }

    pub(crate) fn check(&self, token: &str, user_id: u64, now_unix: i64) -> SessionCheck {
        let Some(session) = self.sessions.get(token, user_id) else {
            return SessionCheck::NoSession;
        };
        if now_unix >= session.ends_at {
            return SessionCheck::NoSession;
        }
        match &session.user {
            UserState::Active(user) => SessionCheck::Live(Arc::clone(user)),
            UserState::Locked => SessionCheck::Locked,
        }
    }

    /// Organizr's `SELECT group_id FROM tabs WHERE name LIKE '%<name>%'`, first
    /// row: `%`, `_` and `\` in `name` are escaped by Organizr's database layer
    /// (dibi's `%~like~`), so `name` is a plain substring, ASCII case-insensitive.
    pub(crate) fn tab_group(&self, name: &str) -> Option<GroupLevel> {
        let needle = name.to_ascii_lowercase();
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        self.tabs
            .iter()
            .find(|tab| finder.find(&tab.name_lower).is_some())
            .and_then(|tab| tab.group)
    }
}

/// A level from an INTEGER cell in 0..=999. Organizr's columns have INTEGER
/// affinity, so a number written as text is stored as an integer; text that is
/// left is not a number.
fn level(cell: &Cell) -> Option<GroupLevel> {
    let n = u16::try_from(cell.integer()?).ok()?;
    GroupLevel::new(n).ok()
}

/// Organizr tests `$user['locked'] == '1'`; it writes 1 to lock, 0 to unlock,
/// and leaves NULL on accounts never locked. Any non-zero number counts as
/// locked here (never looser than Organizr for what it writes).
fn locked(cell: &Cell) -> bool {
    match cell {
        Cell::Integer(i) => *i != 0,
        Cell::Real(r) => *r != 0.0,
        Cell::Text(t) => t.trim() == "1",
        Cell::Null | Cell::Unusable => false,
    }
}

/// A user row as the check uses it, or `None` when it cannot give an identity:
/// no id, no username, or a group id outside 0..=999 (Organizr would fall back
/// to the token's claims for a NULL there; we refuse instead).
fn user_state(row: RawUser) -> Option<(i64, UserState)> {
    let id = row.id.integer()?;
    let user_id = u64::try_from(id).ok()?;
    let group_id = level(&row.group_id)?;
    let username = row.username.text().filter(|u| !u.is_empty())?;
    if locked(&row.locked) {
        return Some((id, UserState::Locked));
    }
    Some((
        id,
        UserState::Active(Arc::new(SessionUser {
            user_id,
            username,
            email: row.email.text(),
            group_id,
            group: row.group.text(),
        })),
    ))
}

fn read(conn: &Connection, now_unix: i64) -> rusqlite::Result<Raw> {
    // Deferred: the shared lock is taken by the first SELECT and dropped at the
    // end of this function (commit, or rollback when the transaction drops).
    let tx = Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Deferred)?;
    // Organizr's own filter, bound the way Organizr binds it, so that expired
    // rows (never purged) are skipped inside SQLite and never copied out.
    let tokens = tx
        .prepare("SELECT token, user_id, expires FROM tokens WHERE expires > ?1")?
        .query_map([organizr_now(now_unix)], |row| {
            Ok((
                Cell::of(row.get_ref(0)?),
                Cell::of(row.get_ref(1)?),
                Cell::of(row.get_ref(2)?),
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let users = tx
        .prepare(r#"SELECT id, username, email, "group", group_id, locked FROM users"#)?
        .query_map([], |row| {
            Ok(RawUser {
                id: Cell::of(row.get_ref(0)?),
                username: Cell::of(row.get_ref(1)?),
                email: Cell::of(row.get_ref(2)?),
                group: Cell::of(row.get_ref(3)?),
                group_id: Cell::of(row.get_ref(4)?),
                locked: Cell::of(row.get_ref(5)?),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // Organizr's tab query has no ORDER BY; SQLite answers it in rowid (`id`)
    // order, which is what "the first tab" means there.
    let tabs = tx
        .prepare("SELECT name, group_id FROM tabs ORDER BY id")?
        .query_map([], |row| {
            Ok((Cell::of(row.get_ref(0)?), Cell::of(row.get_ref(1)?)))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    tx.commit()?;
    Ok(Raw {
        tokens,
        users,
        tabs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }

    fn user(id: i64, name: &str, group_id: Cell, locked: Cell) -> RawUser {
        RawUser {
            id: Cell::Integer(id),
            username: text(name),
            email: text(&format!("{name}@example.org")),
            group: text("User"),
            group_id,
            locked,
        }
    }

    const NOW: i64 = 1_796_232_517; // 2026-12-02 17:28:37 UTC

    fn snapshot(tokens: Vec<(Cell, Cell, Cell)>, users: Vec<RawUser>) -> Snapshot {
        Snapshot::build(
            Raw {
                tokens,
                users,
                tabs: Vec::new(),
            },
            NOW,
        )
    }

    fn row(token: &str, user_id: i64, expires: &str) -> (Cell, Cell, Cell) {
        (text(token), Cell::Integer(user_id), text(expires))
    }

    #[test]
    fn locked_reads_numbers_like_organizr_writes_them() {
        assert!(locked(&Cell::Integer(1)));
        assert!(locked(&Cell::Integer(2)));
        assert!(locked(&Cell::Real(1.0)));
        assert!(locked(&text("1")));
        assert!(!locked(&Cell::Integer(0)));
        assert!(!locked(&Cell::Null));
        assert!(!locked(&text("")));
        assert!(!locked(&text("0")));
    }

    #[test]
    fn levels_come_only_from_integers_in_range() {
        assert_eq!(level(&Cell::Integer(0)), Some(GroupLevel::ADMIN));
        assert_eq!(level(&Cell::Integer(999)), Some(GroupLevel::GUEST));
        for bad in [
            Cell::Integer(-1),
            Cell::Integer(1000),
            Cell::Integer(i64::MAX),
            Cell::Null,
            text("4"),
            Cell::Real(4.0),
            Cell::Unusable,
        ] {
            assert_eq!(level(&bad), None);
        }
    }

    #[test]
    fn unusable_rows_are_not_sessions() {
        let s = snapshot(
            vec![
                row("ok", 1, "2026-12-04 00:00:00"),
                row("neg", -1, "2026-12-04 00:00:00"),
                (
                    Cell::Unusable,
                    Cell::Integer(1),
                    text("2026-12-04 00:00:00"),
                ),
                (text("null-user"), Cell::Null, text("2026-12-04 00:00:00")),
                (
                    text("int-expiry"),
                    Cell::Integer(1),
                    Cell::Integer(i64::MAX),
                ),
                row("bad-expiry", 1, "2026-12-04T00:00:00"),
                row("today", 1, "2026-12-02 23:59:59"),
                row("orphan", 7, "2026-12-04 00:00:00"),
            ],
            vec![
                user(1, "alice", Cell::Integer(4), Cell::Null),
                user(-1, "minus", Cell::Integer(4), Cell::Null),
            ],
        );
        assert_eq!(s.len(), 1);
        assert_eq!(s.orphans, 1);
        assert!(matches!(s.check("ok", 1, NOW), SessionCheck::Live(_)));
        for t in [
            "neg",
            "null-user",
            "int-expiry",
            "bad-expiry",
            "today",
            "orphan",
        ] {
            assert_eq!(s.check(t, 1, NOW), SessionCheck::NoSession, "{t}");
        }
    }

    #[test]
    fn a_token_shared_by_two_users_answers_for_each() {
        let s = snapshot(
            vec![
                row("t", 1, "2026-12-04 00:00:00"),
                row("t", 2, "2026-12-05 00:00:00"),
                row("t", 1, "2026-12-06 00:00:00"),
            ],
            vec![
                user(1, "alice", Cell::Integer(4), Cell::Null),
                user(2, "bob", Cell::Integer(1), Cell::Null),
            ],
        );
        let SessionCheck::Live(a) = s.check("t", 1, NOW) else {
            panic!("alice")
        };
        assert_eq!(a.username, "alice");
        let SessionCheck::Live(b) = s.check("t", 2, NOW) else {
            panic!("bob")
        };
        assert_eq!(b.username, "bob");
        assert_eq!(s.check("t", 3, NOW), SessionCheck::NoSession);
        // alice's later row (2026-12-06) keeps her session past the earlier one.
        let dec_5 = session_end("2026-12-05 00:00:00").unwrap();
        assert!(matches!(s.check("t", 1, dec_5), SessionCheck::Live(_)));
        assert_eq!(s.check("t", 2, dec_5), SessionCheck::NoSession);
    }

    #[test]
    fn tokens_sharing_their_hashed_tail_are_still_told_apart() {
        let tail = "S".repeat(HASHED_TAIL);
        let (a, b) = (format!("a.{tail}"), format!("b.{tail}"));
        let s = snapshot(
            vec![
                row(&a, 1, "2026-12-04 00:00:00"),
                row(&b, 2, "2026-12-04 00:00:00"),
                row("short", 1, "2026-12-04 00:00:00"),
            ],
            vec![
                user(1, "alice", Cell::Integer(4), Cell::Null),
                user(2, "bob", Cell::Integer(4), Cell::Null),
            ],
        );
        assert_eq!(s.len(), 3);
        assert!(matches!(s.check(&a, 1, NOW), SessionCheck::Live(ref u) if u.username == "alice"));
        assert!(matches!(s.check(&b, 2, NOW), SessionCheck::Live(ref u) if u.username == "bob"));
        assert_eq!(s.check(&a, 2, NOW), SessionCheck::NoSession);
        assert_eq!(
            s.check(&format!("c.{tail}"), 1, NOW),
            SessionCheck::NoSession
        );
        assert_eq!(s.check(&tail, 1, NOW), SessionCheck::NoSession);
        assert!(matches!(s.check("short", 1, NOW), SessionCheck::Live(_)));
        assert_eq!(s.check("hort", 1, NOW), SessionCheck::NoSession);
    }

    #[test]
    fn users_without_a_name_or_level_give_no_session() {
        let mut nameless = user(3, "", Cell::Integer(4), Cell::Null);
        nameless.username = Cell::Null;
        let s = snapshot(
            vec![
                row("a", 1, "2026-12-04 00:00:00"),
                row("b", 2, "2026-12-04 00:00:00"),
                row("c", 3, "2026-12-04 00:00:00"),
                row("d", 4, "2026-12-04 00:00:00"),
            ],
            vec![
                user(1, "", Cell::Integer(4), Cell::Null),
                user(2, "nolevel", Cell::Null, Cell::Integer(1)),
                nameless,
                user(4, "big", Cell::Integer(1000), Cell::Null),
            ],
        );
        for (t, id) in [("a", 1), ("b", 2), ("c", 3), ("d", 4)] {
            assert_eq!(s.check(t, id, NOW), SessionCheck::NoSession, "{t}");
        }
    }

    #[test]
    fn null_email_and_group_stay_unknown() {
        let mut u = user(1, "alice", Cell::Integer(4), Cell::Null);
        u.email = Cell::Null;
        u.group = Cell::Null;
        let s = snapshot(vec![row("a", 1, "2026-12-04 00:00:00")], vec![u]);
        let SessionCheck::Live(a) = s.check("a", 1, NOW) else {
            panic!("live")
        };
        assert_eq!((a.email.as_deref(), a.group.as_deref()), (None, None));
    }

    #[test]
    fn tab_names_match_as_literal_ascii_case_insensitive_substrings() {
        let tabs = [
            ("Settings", Cell::Integer(1)),
            ("Homepage", Cell::Integer(4)),
            ("100%_Plex", Cell::Integer(3)),
            ("Broken", Cell::Null),
            ("Broken too", Cell::Integer(4)),
            ("Ünïcode", Cell::Integer(2)),
        ];
        let s = Snapshot::build(
            Raw {
                tokens: Vec::new(),
                users: Vec::new(),
                tabs: tabs.into_iter().map(|(n, g)| (text(n), g)).collect(),
            },
            NOW,
        );
        let g = |n| s.tab_group(n).map(GroupLevel::get);
        assert_eq!(g("home"), Some(4));
        assert_eq!(g("HOMEPAGE"), Some(4));
        assert_eq!(g("e"), Some(1), "first tab in id order");
        assert_eq!(g("Homepages"), None);
        assert_eq!(g("h_me"), None, "`_` is not a wildcard in Organizr");
        assert_eq!(g("H%e"), None, "`%` is not a wildcard in Organizr");
        assert_eq!(g("0%_p"), Some(3));
        assert_eq!(g("broken"), None, "the first match decides, even unusable");
        assert_eq!(g("ünï"), None, "SQLite's LIKE folds ASCII only");
        assert_eq!(g("Ünï"), Some(2));
        assert_eq!(g("ÜNÏCODE"), None);
    }
}
