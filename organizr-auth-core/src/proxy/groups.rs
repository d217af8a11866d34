//! Group names from an authenticating proxy, mapped to Organizr levels.
//!
//! Authelia, Authentik and oauth2-proxy send the user's groups by *name*
//! (`Remote-Groups: admins,family`, `X-authentik-groups: admins|family`,
//! `X-Forwarded-Groups: admins,family`). A [`GroupMap`] such as
//! `admins=0,power=3,family=4` turns them into a level: the most privileged
//! level among the user's mapped groups; a user in no mapped group gets the
//! [`DefaultLevel`] (any logged-in user, 998, unless configured otherwise,
//! or refused).
//!
//! # Security
//! Group names compare case-sensitively, as those systems send them: a group
//! `Admins` is not `admins`. Only a trusted proxy's header is read (the
//! [`Authenticator`](crate::Authenticator) decides that from the socket peer),
//! and the header must appear once: a proxy that appends instead of
//! replacing would leave the client's own `Remote-Groups: admins` first.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::GroupLevel;

/// Group names and the level each gives, written `name=level,name=level`.
///
/// ```
/// use organizr_auth_core::GroupLevel;
/// use organizr_auth_core::proxy::GroupMap;
/// let map: GroupMap = "admins=0, power=3, family=4".parse()?;
/// assert_eq!(map.level_of(["family", "admins"]), Some(GroupLevel::ADMIN));
/// assert_eq!(map.level_of(["family", "guests"]), Some(GroupLevel::USER));
/// assert_eq!(map.level_of(["Admins"]), None); // case matters
/// assert_eq!(map.to_string(), "admins=0,power=3,family=4");
/// # Ok::<(), organizr_auth_core::proxy::GroupMapError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct GroupMap {
    /// In the order given; names are unique.
    entries: Vec<(String, GroupLevel)>,
}

/// Why a group map could not be parsed. Each variant names the entry.
///
/// ```
/// use organizr_auth_core::proxy::{GroupMap, GroupMapError};
/// let err = "admins=0,family".parse::<GroupMap>().unwrap_err();
/// assert_eq!(err, GroupMapError::Malformed { entry: "family".into(), position: 2 });
/// assert!(err.to_string().contains("\"family\""));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GroupMapError {
    /// Not `name=level` (or an empty name).
    #[error("group map entry {entry:?} (number {position}) is not name=level")]
    Malformed {
        /// The entry, trimmed.
        entry: String,
        /// Its 1-based position.
        position: usize,
    },
    /// The level is not a whole number from 0 to 999.
    #[error("group map entry {entry:?} (number {position}) has a level outside 0..=999")]
    Level {
        /// The entry, trimmed.
        entry: String,
        /// Its 1-based position.
        position: usize,
    },
    /// The name appeared before.
    #[error("group map entry {entry:?} (number {position}) names a group mapped before")]
    Duplicate {
        /// The entry, trimmed.
        entry: String,
        /// Its 1-based position.
        position: usize,
    },
    /// The name has characters no group name has: separators (`,` `|` `=`),
    /// control or format characters.
    #[error(
        "group map entry {entry:?} (number {position}) has a name with `,`, `|`, `=` or invisible characters"
    )]
    Name {
        /// The entry, trimmed.
        entry: String,
        /// Its 1-based position.
        position: usize,
    },
}

impl GroupMap {
    /// Parses `name=level` entries separated by commas; spaces around names
    /// and levels are trimmed. An empty string is an empty map.
    ///
    /// ```
    /// use organizr_auth_core::proxy::GroupMap;
    /// assert!(GroupMap::parse("admins=0,users=4")?.len() == 2);
    /// assert!(GroupMap::parse("admins=1000").is_err());
    /// assert!(GroupMap::parse("admins=0,admins=1").is_err());
    /// # Ok::<(), organizr_auth_core::proxy::GroupMapError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, GroupMapError> {
        let mut map = Self::default();
        if text.trim().is_empty() {
            return Ok(map);
        }
        for (index, raw) in text.split(',').enumerate() {
            let entry = raw.trim().to_owned();
            let position = index + 1;
            let Some((name, level)) = entry.split_once('=') else {
                return Err(GroupMapError::Malformed { entry, position });
            };
            let (name, level) = (name.trim(), level.trim());
            if name.is_empty() {
                return Err(GroupMapError::Malformed { entry, position });
            }
            if !valid_name(name) {
                return Err(GroupMapError::Name { entry, position });
            }
            let Ok(level) = level.parse::<GroupLevel>() else {
                return Err(GroupMapError::Level { entry, position });
            };
            if map.entries.iter().any(|(n, _)| n == name) {
                return Err(GroupMapError::Duplicate { entry, position });
            }
            map.entries.push((name.to_owned(), level));
        }
        Ok(map)
    }

    /// The most privileged level among `groups` that the map names; `None`
    /// when it names none of them.
    ///
    /// ```
    /// use organizr_auth_core::GroupLevel;
    /// use organizr_auth_core::proxy::GroupMap;
    /// let map = GroupMap::parse("power=3,family=4")?;
    /// assert_eq!(map.level_of(["family", "power"]), Some(GroupLevel::POWER_USER));
    /// assert_eq!(map.level_of(Vec::<&str>::new()), None);
    /// # Ok::<(), organizr_auth_core::proxy::GroupMapError>(())
    /// ```
    pub fn level_of<'a>(&self, groups: impl IntoIterator<Item = &'a str>) -> Option<GroupLevel> {
        groups
            .into_iter()
            .filter_map(|group| {
                self.entries
                    .iter()
                    .find(|(name, _)| name == group)
                    .map(|(_, level)| *level)
            })
            .min()
    }

    /// The number of groups mapped.
    ///
    /// ```
    /// use organizr_auth_core::proxy::GroupMap;
    /// assert_eq!(GroupMap::parse("")?.len(), 0);
    /// # Ok::<(), organizr_auth_core::proxy::GroupMapError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no group is mapped.
    ///
    /// ```
    /// use organizr_auth_core::proxy::GroupMap;
    /// assert!(GroupMap::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A group name is visible text without the separators of the headers and
/// the map.
fn valid_name(name: &str) -> bool {
    !name.contains([',', '|', '=']) && crate::claims::is_clean_text(name)
}

/// The groups a proxy's header lists: separated by `,` (Authelia,
/// oauth2-proxy) or `|` (Authentik), spaces trimmed, empty items skipped.
pub(crate) fn split_groups(value: &str) -> impl Iterator<Item = &str> {
    value
        .split([',', '|'])
        .map(|g| g.trim_matches([' ', '\t']))
        .filter(|g| !g.is_empty())
}

/// Same as [`GroupMap::parse`].
impl FromStr for GroupMap {
    type Err = GroupMapError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// `name=level` entries joined by `,`, in the order given.
impl fmt::Display for GroupMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        for (name, level) in &self.entries {
            write!(f, "{sep}{name}={level}")?;
            sep = ",";
        }
        Ok(())
    }
}

impl fmt::Debug for GroupMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("GroupMap").field(&self.to_string()).finish()
    }
}

/// Serialises as the `Display` string.
impl Serialize for GroupMap {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Deserialises from a string with [`GroupMap::parse`].
impl<'de> Deserialize<'de> for GroupMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The level of a proxy user in no mapped group (or, without a group
/// header, of every proxy user).
///
/// ```
/// use organizr_auth_core::GroupLevel;
/// use organizr_auth_core::proxy::DefaultLevel;
/// assert_eq!("none".parse::<DefaultLevel>(), Ok(DefaultLevel::Refuse));
/// assert_eq!("998".parse::<DefaultLevel>(), Ok(DefaultLevel::Level(GroupLevel::LOGGED_IN)));
/// assert_eq!(DefaultLevel::default(), DefaultLevel::Level(GroupLevel::LOGGED_IN));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultLevel {
    /// Users in no mapped group get this level.
    Level(GroupLevel),
    /// Users in no mapped group are refused.
    Refuse,
}

/// Any logged-in user (998).
impl Default for DefaultLevel {
    fn default() -> Self {
        DefaultLevel::Level(GroupLevel::LOGGED_IN)
    }
}

/// `none`, or a level from 0 to 999.
impl FromStr for DefaultLevel {
    type Err = crate::InvalidGroupLevel;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "none" => Ok(DefaultLevel::Refuse),
            level => level.parse().map(DefaultLevel::Level),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn map_errors_name_the_entry() {
        let cases: &[(&str, GroupMapError)] = &[
            (
                "admins",
                GroupMapError::Malformed {
                    entry: "admins".into(),
                    position: 1,
                },
            ),
            (
                "a=0,,b=1",
                GroupMapError::Malformed {
                    entry: String::new(),
                    position: 2,
                },
            ),
            (
                "=4",
                GroupMapError::Malformed {
                    entry: "=4".into(),
                    position: 1,
                },
            ),
            (
                "a=0, b=1000",
                GroupMapError::Level {
                    entry: "b=1000".into(),
                    position: 2,
                },
            ),
            (
                "a=-1",
                GroupMapError::Level {
                    entry: "a=-1".into(),
                    position: 1,
                },
            ),
            (
                "a=x",
                GroupMapError::Level {
                    entry: "a=x".into(),
                    position: 1,
                },
            ),
            (
                "a=0,b=3,a=4",
                GroupMapError::Duplicate {
                    entry: "a=4".into(),
                    position: 3,
                },
            ),
            (
                "a|b=0",
                GroupMapError::Name {
                    entry: "a|b=0".into(),
                    position: 1,
                },
            ),
            (
                "a=b=0",
                GroupMapError::Level {
                    entry: "a=b=0".into(),
                    position: 1,
                },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(&GroupMap::parse(text).unwrap_err(), want, "{text:?}");
        }
    }

    #[test]
    fn groups_split_on_comma_and_pipe() {
        let got: Vec<&str> = split_groups(" admins, family |power||").collect();
        assert_eq!(got, ["admins", "family", "power"]);
    }

    #[test]
    fn the_most_privileged_mapped_group_wins() {
        let map = GroupMap::parse("family=4, power=3, admins=0").unwrap();
        assert_eq!(
            map.level_of(split_groups("family|admins")),
            Some(GroupLevel::ADMIN)
        );
        assert_eq!(map.level_of(split_groups("Family")), None);
        assert_eq!(GroupMap::parse(" ").unwrap(), GroupMap::default());
        let round = GroupMap::parse(&map.to_string()).unwrap();
        assert_eq!(round, map);
    }
}
