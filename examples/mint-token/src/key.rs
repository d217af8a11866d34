//! The signing key, read the way core's `Config::from_env` reads it: from the
//! same variables, with the same errors.
//!
//! Core's `Config` keeps its key to itself, as it should: a validator never
//! needs to hand it out. A tool that *makes* tokens does.
//!
//! # Security
//! There is deliberately no way to pass the key itself on the command line
//! (shell history, `ps`): only a variable, a file, or Organizr's config.php.

use std::path::PathBuf;

use organizr_auth_core::php_config::OrganizrPhpConfig;
use organizr_auth_core::{ConfigError, Secret};

/// A key and the instance uuid that goes with it (the cookie is
/// `organizr_token_<uuid>`).
#[derive(Debug, Clone)]
pub struct SigningKey {
    /// The key (Organizr's `organizrHash`).
    pub secret: Secret,
    /// The instance uuid: `ORGANIZR_UUID`, or config.php's `uuid`; empty if neither.
    pub uuid: String,
}

/// Where to read the key from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `ORGANIZR_HASH`: the key itself.
    Hash(String),
    /// `ORGANIZR_HASH_FILE` or `--hash-file`: a file holding it.
    HashFile(PathBuf),
    /// `ORGANIZR_CONFIG_PHP` or `--config-php`: Organizr's `api/config/config.php`.
    ConfigPhp(PathBuf),
}

impl KeySource {
    /// The source the environment names, or `None` when no key variable is set.
    /// Two key variables at once are an error, as in `Config::from_env`.
    pub fn from_env() -> Result<Option<Self>, ConfigError> {
        Self::from_vars(|name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()))
    }

    /// Like [`KeySource::from_env`], reading variables through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConfigError> {
        // As in core: an empty ORGANIZR_HASH is an error (kept, so that loading
        // reports it); the other two count as unset when empty.
        let hash = var("ORGANIZR_HASH");
        let file = var("ORGANIZR_HASH_FILE").filter(|v| !v.is_empty());
        let php = var("ORGANIZR_CONFIG_PHP").filter(|v| !v.is_empty());
        let conflict = |first, second| ConfigError::Conflict { first, second };
        match (hash, file, php) {
            (None, None, None) => Ok(None),
            (Some(_), Some(_), _) => Err(conflict("ORGANIZR_HASH", "ORGANIZR_HASH_FILE")),
            (Some(_), _, Some(_)) => Err(conflict("ORGANIZR_HASH", "ORGANIZR_CONFIG_PHP")),
            (_, Some(_), Some(_)) => Err(conflict("ORGANIZR_HASH_FILE", "ORGANIZR_CONFIG_PHP")),
            (Some(hash), None, None) => Ok(Some(KeySource::Hash(hash))),
            (None, Some(file), None) => Ok(Some(KeySource::HashFile(file.into()))),
            (None, None, Some(php)) => Ok(Some(KeySource::ConfigPhp(php.into()))),
        }
    }

    /// Loads the key. `uuid` is `ORGANIZR_UUID` (ignored for config.php, which
    /// has its own).
    pub fn load(&self, uuid: Option<String>) -> Result<SigningKey, ConfigError> {
        let secret_error = |setting| move |source| ConfigError::Secret { setting, source };
        match self {
            KeySource::Hash(hash) => Ok(SigningKey {
                secret: Secret::new(hash).map_err(secret_error("ORGANIZR_HASH"))?,
                uuid: uuid.unwrap_or_default(),
            }),
            KeySource::HashFile(path) => Ok(SigningKey {
                secret: Secret::from_file(path).map_err(secret_error("ORGANIZR_HASH_FILE"))?,
                uuid: uuid.unwrap_or_default(),
            }),
            KeySource::ConfigPhp(path) => {
                let php = OrganizrPhpConfig::from_file(path).map_err(|source| {
                    ConfigError::PhpConfig {
                        setting: "ORGANIZR_CONFIG_PHP",
                        source,
                    }
                })?;
                Ok(SigningKey {
                    secret: Secret::new(php.organizr_hash())
                        .map_err(secret_error("ORGANIZR_CONFIG_PHP"))?,
                    uuid: php.uuid().to_owned(),
                })
            }
        }
    }
}

/// `ORGANIZR_UUID`, if set and not empty.
pub fn uuid_from_env() -> Option<String> {
    std::env::var("ORGANIZR_UUID")
        .ok()
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn source(vars: &[(&str, &str)]) -> Result<Option<KeySource>, ConfigError> {
        KeySource::from_vars(|n| {
            vars.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn key_source_follows_core_rules() {
        assert!(source(&[]).unwrap().is_none());
        assert!(source(&[("ORGANIZR_HASH_FILE", "")]).unwrap().is_none());
        assert_eq!(
            source(&[("ORGANIZR_HASH", "k")]).unwrap(),
            Some(KeySource::Hash("k".into()))
        );
        let conflict =
            source(&[("ORGANIZR_HASH", "k"), ("ORGANIZR_CONFIG_PHP", "/x")]).unwrap_err();
        assert!(
            conflict
                .to_string()
                .contains("ORGANIZR_HASH and ORGANIZR_CONFIG_PHP")
        );
        let empty = source(&[("ORGANIZR_HASH", "")])
            .unwrap()
            .unwrap()
            .load(None)
            .unwrap_err();
        assert!(
            crate::error_chain(&empty).contains("ORGANIZR_HASH: unusable key: the key is empty")
        );
    }

    #[test]
    fn config_php_gives_key_and_uuid() {
        let path = std::env::temp_dir().join(format!("oa-mint-key-{}.php", std::process::id()));
        std::fs::write(
            &path,
            "<?php\nreturn array('organizrHash' => 'k3y-from-php', 'uuid' => 'u-1');\n",
        )
        .unwrap();
        let key = KeySource::ConfigPhp(path.clone())
            .load(Some("ignored".into()))
            .unwrap();
        std::fs::remove_file(&path).ok();
        assert_eq!(key.uuid, "u-1");
        assert_eq!(key.secret.len(), "k3y-from-php".len());
    }
}
