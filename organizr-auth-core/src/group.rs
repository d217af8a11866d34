//! Organizr group levels: who may see what.
//!
//! Organizr gives every user a numeric group level. Lower is more privileged:
//! a user of level `u` may open something that requires level `r` iff `u <= r`.
//! [`GroupLevel`] can only hold `0..=999`, so an out-of-range level coming from a
//! token, a header or a config file is an error at the border, not a surprise in a
//! comparison later.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A level in Organizr's group hierarchy, always within `0..=999`.
///
/// | level | meaning |
/// |---|---|
/// | 0 | Admin |
/// | 1 | Co-Admin |
/// | 2 | Super User |
/// | 3 | Power User |
/// | 4 | User (Organizr's default group) |
/// | 5-997 | custom groups |
/// | 998 | any logged-in user (a threshold, never a stored group) |
/// | 999 | Guest: anyone, with or without a token |
///
/// ```
/// use organizr_auth_core::GroupLevel;
///
/// let user: GroupLevel = "4".parse()?;
/// assert!(user.permits(GroupLevel::LOGGED_IN));
/// assert!(!user.permits(GroupLevel::ADMIN));
/// assert!("1000".parse::<GroupLevel>().is_err());
/// # Ok::<(), organizr_auth_core::InvalidGroupLevel>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupLevel(u16);

impl GroupLevel {
    /// Level 0, Organizr's administrators.
    ///
    /// ```
    /// use organizr_auth_core::GroupLevel;
    /// assert_eq!(GroupLevel::ADMIN.get(), 0);
    /// ```
    pub const ADMIN: Self = Self(0);
    /// Level 1, co-administrators.
    ///
    /// ```
    /// use organizr_auth_core::GroupLevel;
    /// assert_eq!(GroupLevel::CO_ADMIN.get(), 1);
    /// ```
    pub const CO_ADMIN: Self = Self(1);
    /// Level 2, super users.
    ///
    /// ```
    /// use organizr_auth_core::GroupLevel;
    /// assert_eq!(GroupLevel::SUPER_USER.get(), 2);
    /// ```
    pub const SUPER_USER: Self = Self(2);
    /// Level 3, power users.
    ///
    /// ```
    /// use organizr_auth_core::GroupLevel;
    /// assert_eq!(GroupLevel::POWER_USER.get(), 3);
    /// ```
    pub const POWER_USER: Self = Self(3);
    /// Level 4, ordinary users: the group Organizr gives new accounts.
    ///
    /// ```
    /// use organizr_auth_core::GroupLevel;
    /// assert_eq!(GroupLevel::USER.get(), 4);
    /// ```
    pub const USER: Self = Self(4);
    /// Level 998: "any logged-in user". Required by pages that only need a login.
    ///
    /// ```
    /// use organizr_auth_core::GroupLevel;
    /// assert_eq!(GroupLevel::LOGGED_IN.get(), 998);
    /// ```
    pub const LOGGED_IN: Self = Self(998);
    /// Level 999: guests. Requiring it admits everyone, including requests with no
    /// credential at all.
    ///
    /// ```
    /// use organizr_auth_core::GroupLevel;
    /// assert_eq!(GroupLevel::GUEST.get(), 999);
    /// ```
    pub const GUEST: Self = Self(999);
    /// The largest valid level (999).
    ///
    /// ```
    /// use organizr_auth_core::GroupLevel;
    /// assert!(GroupLevel::new(GroupLevel::MAX).is_ok() && GroupLevel::new(GroupLevel::MAX + 1).is_err());
    /// ```
    pub const MAX: u16 = 999;

    /// A level from a number, refused outside `0..=999`.
    ///
    /// ```
    /// use organizr_auth_core::GroupLevel;
    /// assert_eq!(GroupLevel::new(0)?, GroupLevel::ADMIN);
    /// assert!(GroupLevel::new(1000).is_err());
    /// # Ok::<(), organizr_auth_core::InvalidGroupLevel>(())
    /// ```
    pub const fn new(level: u16) -> Result<Self, InvalidGroupLevel> {
        if level <= Self::MAX {
            Ok(Self(level))
        } else {
            Err(InvalidGroupLevel::OutOfRange)
        }
    }

    /// The level as a number in `0..=999`.
    ///
    /// ```
    /// use organizr_auth_core::GroupLevel;
    /// assert_eq!(GroupLevel::USER.get(), 4);
    /// ```
    pub const fn get(self) -> u16 {
        self.0
    }

    /// Whether a user of this level may access something that requires `required`:
    /// `self <= required`.
    ///
    /// ```
    /// use organizr_auth_core::GroupLevel;
    /// assert!(GroupLevel::ADMIN.permits(GroupLevel::USER));
    /// assert!(GroupLevel::USER.permits(GroupLevel::USER));
    /// assert!(!GroupLevel::GUEST.permits(GroupLevel::LOGGED_IN));
    /// ```
    pub const fn permits(self, required: GroupLevel) -> bool {
        self.0 <= required.0
    }

    /// The name Organizr gives the built-in groups, `None` for custom groups and
    /// for 998, which is a threshold rather than a group.
    ///
    /// ```
    /// use organizr_auth_core::GroupLevel;
    /// assert_eq!(GroupLevel::CO_ADMIN.builtin_name(), Some("Co-Admin"));
    /// assert_eq!(GroupLevel::new(12)?.builtin_name(), None);
    /// # Ok::<(), organizr_auth_core::InvalidGroupLevel>(())
    /// ```
    pub const fn builtin_name(self) -> Option<&'static str> {
        match self.0 {
            0 => Some("Admin"),
            1 => Some("Co-Admin"),
            2 => Some("Super User"),
            3 => Some("Power User"),
            4 => Some("User"),
            // 998 is a threshold, never a group a user belongs to: no name.
            999 => Some("Guest"),
            _ => None,
        }
    }

    /// Parses the decimal digits of a level from raw bytes (a header value, a JSON
    /// string). Only ASCII digits are accepted: no sign, no spaces, no `0x`, no
    /// fraction, at most three digits after leading zeros are removed.
    pub(crate) fn parse_digits(bytes: &[u8]) -> Result<Self, InvalidGroupLevel> {
        if bytes.is_empty() {
            return Err(InvalidGroupLevel::Empty);
        }
        let mut value: u32 = 0;
        for &b in bytes {
            if !b.is_ascii_digit() {
                return Err(InvalidGroupLevel::NotANumber);
            }
            value = value * 10 + u32::from(b - b'0');
            if value > u32::from(Self::MAX) {
                return Err(InvalidGroupLevel::OutOfRange);
            }
        }
        // `value <= 999` was checked on every step, so the cast cannot truncate.
        Ok(Self(value as u16))
    }
}

/// A level a request can be required to have *with an identity*: `0..=998`.
///
/// Extractors that hand a handler the user (`RequireLevel<L>` in both adapters)
/// take one of these: 999 would admit anonymous requests, which have no user to
/// hand out. [`UserLevel::of`] checks the bound when the program is compiled.
///
/// ```
/// use organizr_auth_core::{GroupLevel, UserLevel};
/// const FAMILY: UserLevel = UserLevel::of::<12>();
/// assert_eq!(FAMILY.get().get(), 12);
/// assert_eq!(UserLevel::new(GroupLevel::GUEST), None);
/// assert_eq!(UserLevel::default().get(), GroupLevel::LOGGED_IN);
/// ```
///
/// ```compile_fail
/// // 999 admits anonymous requests: not a level an identity can be required at.
/// const ANYONE: organizr_auth_core::UserLevel = organizr_auth_core::UserLevel::of::<999>();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserLevel(GroupLevel);

impl UserLevel {
    /// Any logged-in user (998).
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, UserLevel};
    /// assert_eq!(UserLevel::LOGGED_IN.get(), GroupLevel::LOGGED_IN);
    /// ```
    pub const LOGGED_IN: Self = Self(GroupLevel::LOGGED_IN);

    /// `LEVEL` as a user level; a `LEVEL` above 998 does not compile.
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, UserLevel};
    /// assert_eq!(UserLevel::of::<0>().get(), GroupLevel::ADMIN);
    /// ```
    pub const fn of<const LEVEL: u16>() -> Self {
        const {
            assert!(
                LEVEL < GroupLevel::MAX,
                "a user level is from 0 to 998: 999 admits anonymous requests, which have no identity"
            );
        }
        Self(GroupLevel(LEVEL))
    }

    /// `level`, unless it is 999 (guest).
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, UserLevel};
    /// assert!(UserLevel::new(GroupLevel::USER).is_some());
    /// assert!(UserLevel::new(GroupLevel::GUEST).is_none());
    /// ```
    pub const fn new(level: GroupLevel) -> Option<Self> {
        if level.0 < GroupLevel::MAX {
            Some(Self(level))
        } else {
            None
        }
    }

    /// The level.
    ///
    /// ```
    /// use organizr_auth_core::{GroupLevel, UserLevel};
    /// assert_eq!(UserLevel::of::<4>().get(), GroupLevel::USER);
    /// ```
    pub const fn get(self) -> GroupLevel {
        self.0
    }
}

/// Any logged-in user (998).
impl Default for UserLevel {
    fn default() -> Self {
        Self::LOGGED_IN
    }
}

impl fmt::Debug for GroupLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0, self.builtin_name()) {
            (998, _) => f.write_str("GroupLevel(998 any logged-in user)"),
            (level, Some(name)) => write!(f, "GroupLevel({level} {name})"),
            (level, None) => write!(f, "GroupLevel({level})"),
        }
    }
}

impl fmt::Display for GroupLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Why a value is not a group level.
///
/// ```
/// use organizr_auth_core::{GroupLevel, InvalidGroupLevel};
/// assert_eq!("-1".parse::<GroupLevel>(), Err(InvalidGroupLevel::NotANumber));
/// assert_eq!("1000".parse::<GroupLevel>(), Err(InvalidGroupLevel::OutOfRange));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidGroupLevel {
    /// The value was empty.
    #[error("group level is empty")]
    Empty,
    /// The value was not a plain decimal integer (`1.5`, `-1`, `0x1`, ` 4`).
    #[error("group level must be a plain decimal integer from 0 to 999")]
    NotANumber,
    /// The value was an integer outside `0..=999`.
    #[error("group level must be from 0 to 999")]
    OutOfRange,
}

impl FromStr for GroupLevel {
    type Err = InvalidGroupLevel;

    /// Parses `"0"` ... `"999"`. Leading zeros are accepted (`"004"`); signs,
    /// spaces, fractions and other bases are not.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_digits(s.as_bytes())
    }
}

impl TryFrom<u16> for GroupLevel {
    type Error = InvalidGroupLevel;
    fn try_from(value: u16) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl TryFrom<i64> for GroupLevel {
    type Error = InvalidGroupLevel;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        u16::try_from(value)
            .map_err(|_| InvalidGroupLevel::OutOfRange)
            .and_then(Self::new)
    }
}

impl TryFrom<u64> for GroupLevel {
    type Error = InvalidGroupLevel;
    fn try_from(value: u64) -> Result<Self, Self::Error> {
        u16::try_from(value)
            .map_err(|_| InvalidGroupLevel::OutOfRange)
            .and_then(Self::new)
    }
}

impl From<GroupLevel> for u16 {
    fn from(level: GroupLevel) -> u16 {
        level.0
    }
}

impl Serialize for GroupLevel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u16(self.0)
    }
}

impl<'de> Deserialize<'de> for GroupLevel {
    /// Accepts an integer (`4`) or a numeric string (`"4"`), as Organizr writes
    /// both; anything else is an error.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LevelVisitor)
    }
}

struct LevelVisitor;

impl serde::de::Visitor<'_> for LevelVisitor {
    type Value = GroupLevel;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a group level from 0 to 999, as an integer or a numeric string")
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<GroupLevel, E> {
        GroupLevel::try_from(v).map_err(E::custom)
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<GroupLevel, E> {
        GroupLevel::try_from(v).map_err(E::custom)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<GroupLevel, E> {
        v.parse().map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_table() {
        let cases: &[(&str, Result<u16, InvalidGroupLevel>)] = &[
            ("0", Ok(0)),
            ("4", Ok(4)),
            ("004", Ok(4)),
            ("998", Ok(998)),
            ("999", Ok(999)),
            ("1000", Err(InvalidGroupLevel::OutOfRange)),
            (
                "99999999999999999999999",
                Err(InvalidGroupLevel::OutOfRange),
            ),
            ("", Err(InvalidGroupLevel::Empty)),
            ("1.5", Err(InvalidGroupLevel::NotANumber)),
            ("-1", Err(InvalidGroupLevel::NotANumber)),
            ("+1", Err(InvalidGroupLevel::NotANumber)),
            ("0x1", Err(InvalidGroupLevel::NotANumber)),
            (" 4", Err(InvalidGroupLevel::NotANumber)),
            ("4 ", Err(InvalidGroupLevel::NotANumber)),
            ("١", Err(InvalidGroupLevel::NotANumber)),
        ];
        for (input, want) in cases {
            let got = input.parse::<GroupLevel>().map(GroupLevel::get);
            assert_eq!(&got, want, "input {input:?}");
        }
    }

    #[test]
    fn integers_outside_range_are_refused() {
        assert_eq!(
            GroupLevel::try_from(-1i64),
            Err(InvalidGroupLevel::OutOfRange)
        );
        assert_eq!(
            GroupLevel::try_from(1000u16),
            Err(InvalidGroupLevel::OutOfRange)
        );
        assert_eq!(
            GroupLevel::try_from(70000u64),
            Err(InvalidGroupLevel::OutOfRange)
        );
        assert_eq!(GroupLevel::try_from(999i64), Ok(GroupLevel::GUEST));
    }

    #[test]
    fn serde_accepts_integer_and_numeric_string_only() {
        let ok: GroupLevel = serde_json::from_str("4").unwrap();
        assert_eq!(ok, GroupLevel::USER);
        let ok: GroupLevel = serde_json::from_str("\"0\"").unwrap();
        assert_eq!(ok, GroupLevel::ADMIN);
        for bad in [
            "1000", "-1", "1.5", "\"1.5\"", "\"\"", "true", "null", "[1]",
        ] {
            assert!(serde_json::from_str::<GroupLevel>(bad).is_err(), "{bad}");
        }
        assert_eq!(serde_json::to_string(&GroupLevel::USER).unwrap(), "4");
    }

    #[test]
    fn named_levels_have_organizr_values() {
        let named = [
            (GroupLevel::ADMIN, 0),
            (GroupLevel::CO_ADMIN, 1),
            (GroupLevel::SUPER_USER, 2),
            (GroupLevel::POWER_USER, 3),
            (GroupLevel::USER, 4),
            (GroupLevel::LOGGED_IN, 998),
            (GroupLevel::GUEST, 999),
        ];
        for (level, value) in named {
            assert_eq!(level.get(), value);
        }
    }

    proptest! {
        #[test]
        fn permits_is_user_le_required(u in 0u16..=999, r in 0u16..=999) {
            let (user, required) = (GroupLevel::new(u).unwrap(), GroupLevel::new(r).unwrap());
            prop_assert_eq!(user.permits(required), u <= r);
        }

        #[test]
        fn order_is_total_and_permits_monotone(a in 0u16..=999, b in 0u16..=999, c in 0u16..=999) {
            let (a, b, c) = (GroupLevel::new(a).unwrap(), GroupLevel::new(b).unwrap(), GroupLevel::new(c).unwrap());
            // Totality: exactly one of <, ==, > holds.
            prop_assert_eq!([a < b, a == b, a > b].iter().filter(|x| **x).count(), 1);
            // A more privileged user passes wherever a less privileged one does.
            if a <= b && b.permits(c) {
                prop_assert!(a.permits(c));
            }
            // A laxer requirement admits everyone a stricter one admits.
            if b <= c && a.permits(b) {
                prop_assert!(a.permits(c));
            }
        }

        #[test]
        fn parse_never_panics_and_roundtrips(s in "\\PC{0,8}") {
            if let Ok(level) = s.parse::<GroupLevel>() {
                prop_assert!(level.get() <= 999);
                prop_assert_eq!(level.to_string().parse::<GroupLevel>(), Ok(level));
            }
        }
    }
}
