//! Where the signing key comes from: exactly one of `ORGANIZR_HASH`,
//! `ORGANIZR_HASH_FILE` and `ORGANIZR_CONFIG_PHP` (config.php also brings the
//! uuid and the API key, so it excludes those settings too).

use std::path::PathBuf;

use super::error::ConfigError;
use super::settings::Naming;
use super::variables::{API_KEY, CONFIG_PHP, HASH, HASH_FILE, UUID};
use crate::php_config::{Database, OrganizrPhpConfig};
use crate::{ApiKey, Secret};

/// The one key setting given.
pub(crate) enum KeySource {
    Hash(String),
    HashFile(PathBuf),
    ConfigPhp(PathBuf),
}

/// The key, with what came along with it from config.php.
pub(crate) struct LoadedKey {
    pub(crate) secret: Secret,
    /// config.php's `uuid`, or `None` when the key did not come from it.
    pub(crate) uuid: Option<String>,
    /// config.php's `organizrAPI`, when set.
    pub(crate) api_key: Option<ApiKey>,
    /// config.php's database, when it names one.
    pub(crate) database: Option<Database>,
}

impl KeySource {
    /// The key setting among the three, or `None` when none is given. Two at
    /// once are a conflict; config.php together with a uuid or API key setting
    /// too (one source of truth).
    pub(crate) fn choose(
        hash: Option<String>,
        hash_file: Option<PathBuf>,
        config_php: Option<PathBuf>,
        uuid_given: bool,
        api_key_given: bool,
        naming: Naming,
    ) -> Result<Option<Self>, ConfigError> {
        let conflict = |a, b| ConfigError::Conflict {
            first: naming.of(a),
            second: naming.of(b),
        };
        match (hash, hash_file, config_php) {
            (None, None, None) => Ok(None),
            (Some(_), Some(_), _) => Err(conflict(HASH, HASH_FILE)),
            (Some(_), _, Some(_)) => Err(conflict(HASH, CONFIG_PHP)),
            (_, Some(_), Some(_)) => Err(conflict(HASH_FILE, CONFIG_PHP)),
            (_, _, Some(_)) if uuid_given => Err(conflict(CONFIG_PHP, UUID)),
            (_, _, Some(_)) if api_key_given => Err(conflict(CONFIG_PHP, API_KEY)),
            (Some(hash), None, None) => Ok(Some(Self::Hash(hash))),
            (None, Some(path), None) => Ok(Some(Self::HashFile(path))),
            (None, None, Some(path)) => Ok(Some(Self::ConfigPhp(path))),
        }
    }

    /// Reads the key (a file, config.php) and checks it.
    pub(crate) fn load(self, naming: Naming) -> Result<LoadedKey, ConfigError> {
        let secret_error = |variable| {
            move |source| ConfigError::Secret {
                setting: naming.of(variable),
                source,
            }
        };
        match self {
            Self::Hash(hash) => Ok(LoadedKey {
                secret: Secret::new(hash).map_err(secret_error(HASH))?,
                uuid: None,
                api_key: None,
                database: None,
            }),
            Self::HashFile(path) => Ok(LoadedKey {
                secret: Secret::from_file(path).map_err(secret_error(HASH_FILE))?,
                uuid: None,
                api_key: None,
                database: None,
            }),
            Self::ConfigPhp(path) => {
                let php = OrganizrPhpConfig::from_file(&path).map_err(|source| {
                    ConfigError::PhpConfig {
                        setting: naming.of(CONFIG_PHP),
                        source,
                    }
                })?;
                Ok(LoadedKey {
                    secret: php.organizr_hash().clone(),
                    uuid: Some(php.uuid().to_owned()),
                    api_key: php.api_key().cloned(),
                    database: php.database().cloned(),
                })
            }
        }
    }
}
