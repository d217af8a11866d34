//! Reading the configuration from `ORGANIZR_*` environment variables.

use std::ffi::OsString;

use super::Config;
use super::error::ConfigError;
use super::settings::{Naming, Settings, TextOrNumber, parse_bool, parse_number, parse_secs};
use super::variables::{self, VARIABLES, closest_variable};

impl Config {
    /// Reads the configuration from the `ORGANIZR_*` environment variables
    /// ([`VARIABLES`] lists them).
    ///
    /// A value that is not UTF-8 is an error naming the variable (it would
    /// otherwise be read as something else than configured, a key included).
    /// An `ORGANIZR_*` variable nobody reads, such as a typo, is logged as a
    /// warning with the closest known name.
    ///
    /// ```
    /// use organizr_auth_core::{Config, ConfigError};
    /// // In a program: `let config = Config::from_env()?;`. With nothing configured:
    /// if std::env::var_os("ORGANIZR_HASH").is_none()
    ///     && std::env::var_os("ORGANIZR_HASH_FILE").is_none()
    ///     && std::env::var_os("ORGANIZR_CONFIG_PHP").is_none()
    ///     && std::env::var_os("ORGANIZR_TRUSTED_PROXIES").is_none()
    ///     && std::env::var_os("ORGANIZR_API_KEY").is_none()
    /// {
    ///     assert!(matches!(Config::from_env(), Err(ConfigError::NothingToAuthenticate { .. })));
    /// }
    /// ```
    pub fn from_env() -> Result<Self, ConfigError> {
        let vars = organizr_vars(std::env::vars_os())?;
        warn_unknown(vars.iter().map(|(name, _)| name.as_str()));
        Self::from_vars(|name| {
            vars.iter()
                .find(|(n, _)| n == name)
                .map(|(_, value)| value.clone())
        })
    }

    /// Like [`Config::from_env`], reading variables through `var`: for tests,
    /// and for programs that keep their settings elsewhere. Empty values count
    /// as unset, except `ORGANIZR_HASH`'s, where empty is an error.
    ///
    /// ```
    /// use organizr_auth_core::{Config, ConfigError};
    /// let vars = |name: &str| match name {
    ///     "ORGANIZR_HASH" => Some("a-long-random-organizr-hash-value-here".to_string()),
    ///     "ORGANIZR_UUID" => Some("0b7e4c1a-5d2f-4e8b-9a6c-3f1d2e7b8c90".to_string()),
    ///     "ORGANIZR_TRUSTED_PROXIES" => Some("proxy.lan".to_string()),
    ///     _ => None,
    /// };
    /// let err = Config::from_vars(vars).unwrap_err();
    /// assert_eq!(err.to_string(), r#"ORGANIZR_TRUSTED_PROXIES="proxy.lan" is invalid"#);
    /// ```
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |v: variables::Variable| var(v.env).filter(|value| !value.is_empty());
        let bool_var = |v: variables::Variable| get(v).map(|s| parse_bool(v.env, &s)).transpose();
        let settings = Settings {
            // Empty is an error for the key, so it is not filtered out.
            organizr_hash: var(variables::HASH.env),
            organizr_hash_file: get(variables::HASH_FILE).map(Into::into),
            config_php: get(variables::CONFIG_PHP).map(Into::into),
            uuid: get(variables::UUID),
            api_key: get(variables::API_KEY),
            api_key_query: bool_var(variables::API_KEY_QUERY)?,
            trusted_proxies: get(variables::TRUSTED_PROXIES),
            user_header: get(variables::USER_HEADER),
            proxy_group_header: get(variables::PROXY_GROUP_HEADER),
            proxy_groups_header: get(variables::PROXY_GROUPS_HEADER),
            proxy_group_map: get(variables::PROXY_GROUP_MAP),
            proxy_default_level: get(variables::PROXY_DEFAULT_LEVEL).map(TextOrNumber::Text),
            proxy_email_header: get(variables::PROXY_EMAIL_HEADER),
            proxy_name_header: get(variables::PROXY_NAME_HEADER),
            leeway_secs: get(variables::LEEWAY)
                .map(|s| parse_secs(variables::LEEWAY.env, &s))
                .transpose()?,
            accept_bearer: bool_var(variables::ACCEPT_BEARER)?,
            login_url: get(variables::LOGIN_URL),
            insecure_raw_headers: get(variables::INSECURE_RAW_HEADERS),
            db: get(variables::DB),
            db_refresh_ms: get(variables::DB_REFRESH_MS)
                .map(|s| parse_number(variables::DB_REFRESH_MS.env, &s))
                .transpose()?,
            db_max_stale_secs: get(variables::DB_MAX_STALE_SECS)
                .map(|s| parse_secs(variables::DB_MAX_STALE_SECS.env, &s))
                .transpose()?,
            token_cache: get(variables::TOKEN_CACHE)
                .map(|s| parse_number(variables::TOKEN_CACHE.env, &s))
                .transpose()?,
        };
        settings.check(Naming::Env)
    }
}

/// The `ORGANIZR_*` variables of `vars`, refusing values that are not UTF-8.
pub(crate) fn organizr_vars(
    vars: impl IntoIterator<Item = (OsString, OsString)>,
) -> Result<Vec<(String, String)>, ConfigError> {
    let mut found = Vec::new();
    for (name, value) in vars {
        let Some(name) = name.to_str().filter(|n| n.starts_with("ORGANIZR_")) else {
            continue;
        };
        let value = value.into_string().map_err(|_| ConfigError::NotUtf8 {
            setting: name.to_owned(),
        })?;
        found.push((name.to_owned(), value));
    }
    Ok(found)
}

/// Logs each `ORGANIZR_*` name that no part of the project reads.
fn warn_unknown<'a>(names: impl Iterator<Item = &'a str>) {
    for name in names {
        if VARIABLES.iter().any(|v| v.env == name) {
            continue;
        }
        match closest_variable(name) {
            Some(closest) => tracing::warn!(
                variable = name,
                "{name} is not a known setting and is ignored: did you mean {closest}?"
            ),
            None => tracing::warn!(
                variable = name,
                "{name} is not a known setting and is ignored"
            ),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn values_that_are_not_utf8_are_refused_by_name() {
        use std::os::unix::ffi::OsStringExt;
        let vars = vec![
            (OsString::from("PATH"), OsString::from_vec(vec![0xff])),
            (OsString::from("ORGANIZR_UUID"), OsString::from("0b7e")),
            (
                OsString::from("ORGANIZR_HASH"),
                OsString::from_vec(b"key-\xff-material".to_vec()),
            ),
        ];
        let err = organizr_vars(vars).unwrap_err();
        assert!(matches!(&err, ConfigError::NotUtf8 { setting } if setting == "ORGANIZR_HASH"));
        assert!(!err.to_string().contains("material"));
        let fine = organizr_vars(vec![(OsString::from("ORGANIZR_UUID"), OsString::from("u"))]);
        assert_eq!(
            fine.unwrap(),
            [("ORGANIZR_UUID".to_owned(), "u".to_owned())]
        );
    }
}
