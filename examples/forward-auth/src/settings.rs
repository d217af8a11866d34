//! forward-auth's own settings, beside core's `Config`: where the client
//! address comes from (IP lists), login redirects, and which status codes to
//! answer. Read from the environment once at start-up; a bad value stops the
//! program with a message that names the variable and quotes the value.
//!
//! The variables (`ORGANIZR_REAL_IP_FROM`, `ORGANIZR_REAL_IP_HEADER`,
//! `ORGANIZR_REDIRECT_HOSTS`, `ORGANIZR_FORWARD_AUTH_STATUS`, and core's
//! `ORGANIZR_LOGIN_URL`) are in the one table every program shares: core's
//! `config/VARIABLES.md` (`organizr_auth_core::config::VARIABLES`).
//!
//! # Security
//! `ORGANIZR_REAL_IP_FROM` is deliberately not `ORGANIZR_TRUSTED_PROXIES`:
//! the proxy in front of forward-auth must be believed about the address it
//! received a request from (else IP lists see only the proxy), but must never
//! be believed about `Remote-User` (nginx, Caddy and Traefik copy the
//! client's own headers into the auth request). See core's `access` module
//! for the walk over the header and what an unknown client matches.

use std::ffi::OsString;

use organizr_auth_core::access::{RealIp, RealIpHeader, RealIpHeaderError};
use organizr_auth_core::{ProxyListError, TrustedProxies};

use crate::redirect::{LoginRedirect, RedirectHosts, RedirectHostsError};

/// `ORGANIZR_REAL_IP_FROM`.
const REAL_IP_FROM: &str = "ORGANIZR_REAL_IP_FROM";
/// `ORGANIZR_REAL_IP_HEADER`.
const REAL_IP_HEADER: &str = "ORGANIZR_REAL_IP_HEADER";
/// `ORGANIZR_REDIRECT_HOSTS`.
const REDIRECT_HOSTS: &str = "ORGANIZR_REDIRECT_HOSTS";
/// `ORGANIZR_FORWARD_AUTH_STATUS`.
const FORWARD_AUTH_STATUS: &str = "ORGANIZR_FORWARD_AUTH_STATUS";
/// `ORGANIZR_LOGIN_URL` (core's, read here again for redirects).
const LOGIN_URL: &str = "ORGANIZR_LOGIN_URL";

/// Which status a refusal gets.
///
/// ```
/// use forward_auth::settings::StatusCodes;
///
/// assert_eq!("Organizr".parse::<StatusCodes>(), Ok(StatusCodes::Organizr));
/// assert_eq!(StatusCodes::default(), StatusCodes::Standard);
/// assert!("403".parse::<StatusCodes>().is_err());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StatusCodes {
    /// 401 without a valid credential, 403 when the group is too low or the
    /// client is on a deny list: the proxy (and the browser) can tell "sign
    /// in" from "not for you".
    #[default]
    Standard,
    /// Organizr's: 401 for both.
    Organizr,
}

impl StatusCodes {
    /// The status of a refusal that no login can lift: a signed-in user whose
    /// group is too low, a deny-list match. 403, or Organizr's 401.
    ///
    /// ```
    /// use axum::http::StatusCode;
    /// use forward_auth::settings::StatusCodes;
    ///
    /// assert_eq!(StatusCodes::Standard.refused(), StatusCode::FORBIDDEN);
    /// assert_eq!(StatusCodes::Organizr.refused(), StatusCode::UNAUTHORIZED);
    /// ```
    pub fn refused(self) -> axum::http::StatusCode {
        match self {
            StatusCodes::Standard => axum::http::StatusCode::FORBIDDEN,
            StatusCodes::Organizr => axum::http::StatusCode::UNAUTHORIZED,
        }
    }
}

impl std::str::FromStr for StatusCodes {
    type Err = ();

    /// `standard` or `organizr`, ASCII case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("standard") {
            Ok(StatusCodes::Standard)
        } else if s.eq_ignore_ascii_case("organizr") {
            Ok(StatusCodes::Organizr)
        } else {
            Err(())
        }
    }
}

/// Why forward-auth's settings are unusable. Each message names the variable
/// and quotes the value; the cause is the `source`.
///
/// ```
/// use forward_auth::settings::Settings;
///
/// let vars = |name: &str| (name == "ORGANIZR_REAL_IP_FROM").then(|| "proxy.lan".to_owned());
/// let err = Settings::from_vars(vars).err().ok_or("accepted")?;
/// assert_eq!(err.to_string(), r#"ORGANIZR_REAL_IP_FROM="proxy.lan" is invalid"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// `ORGANIZR_REAL_IP_FROM` does not parse.
    #[error("{REAL_IP_FROM}={value:?} is invalid")]
    RealIpFrom {
        /// The value as given.
        value: String,
        /// Which entry is wrong.
        #[source]
        source: ProxyListError,
    },
    /// `ORGANIZR_REAL_IP_HEADER` is none of the three headers.
    #[error("{REAL_IP_HEADER}={value:?} is invalid")]
    RealIpHeader {
        /// The value as given.
        value: String,
        /// What is accepted.
        #[source]
        source: RealIpHeaderError,
    },
    /// `ORGANIZR_REDIRECT_HOSTS` or, with it, `ORGANIZR_LOGIN_URL` does not
    /// parse.
    #[error("{variable}={value:?} is invalid")]
    Redirect {
        /// `ORGANIZR_REDIRECT_HOSTS` or `ORGANIZR_LOGIN_URL`.
        variable: &'static str,
        /// The value as given.
        value: String,
        /// Which entry is wrong.
        #[source]
        source: RedirectHostsError,
    },
    /// `ORGANIZR_REDIRECT_HOSTS` without a login URL to redirect to.
    #[error(
        "{REDIRECT_HOSTS} is set but {LOGIN_URL} is not: set the login page refused browsers go to, or unset {REDIRECT_HOSTS}"
    )]
    RedirectWithoutLoginUrl,
    /// `ORGANIZR_FORWARD_AUTH_STATUS` is neither `standard` nor `organizr`.
    #[error("{FORWARD_AUTH_STATUS}={value:?} is invalid: expected standard or organizr")]
    Status {
        /// The value as given.
        value: String,
    },
    /// A variable whose value is not UTF-8.
    #[error("{variable} is not valid UTF-8")]
    NotUtf8 {
        /// The variable.
        variable: &'static str,
    },
}

/// forward-auth's settings. `Default` is: the client is the socket peer, no
/// redirects, standard status codes.
///
/// ```
/// use forward_auth::settings::{Settings, StatusCodes};
///
/// let vars = |name: &str| match name {
///     "ORGANIZR_REAL_IP_FROM" => Some("172.18.0.2, @".to_owned()),
///     "ORGANIZR_REAL_IP_HEADER" => Some("x-real-ip".to_owned()),
///     "ORGANIZR_LOGIN_URL" => Some("https://organizr.example.com/".to_owned()),
///     "ORGANIZR_REDIRECT_HOSTS" => Some("*.example.com".to_owned()),
///     "ORGANIZR_FORWARD_AUTH_STATUS" => Some("organizr".to_owned()),
///     _ => None,
/// };
/// let settings = Settings::from_vars(vars)?;
/// assert!(settings.real_ip.from().trusts_unix_sockets());
/// assert_eq!(settings.real_ip.header().to_string(), "X-Real-IP");
/// assert_eq!(settings.redirect.map(|r| r.hosts().to_string()).as_deref(), Some("*.example.com"));
/// assert_eq!(settings.status, StatusCodes::Organizr);
/// # Ok::<(), forward_auth::settings::SettingsError>(())
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Settings {
    /// Where IP lists find the client address (`ORGANIZR_REAL_IP_FROM`,
    /// `ORGANIZR_REAL_IP_HEADER`).
    pub real_ip: RealIp,
    /// Login redirects, when both `ORGANIZR_LOGIN_URL` and
    /// `ORGANIZR_REDIRECT_HOSTS` are set.
    pub redirect: Option<LoginRedirect>,
    /// `ORGANIZR_FORWARD_AUTH_STATUS`.
    pub status: StatusCodes,
}

impl Settings {
    /// [`Settings::from_vars`] over the process environment. A variable that
    /// is not UTF-8 is an error naming it.
    ///
    /// ```
    /// use forward_auth::settings::Settings;
    ///
    /// // Nothing of forward-auth's is set in the doctest environment.
    /// # if std::env::vars().all(|(k, _)| !k.starts_with("ORGANIZR_")) {
    /// assert!(Settings::from_env()?.redirect.is_none());
    /// # }
    /// # Ok::<(), forward_auth::settings::SettingsError>(())
    /// ```
    pub fn from_env() -> Result<Self, SettingsError> {
        let mut values = Vec::new();
        for variable in [
            REAL_IP_FROM,
            REAL_IP_HEADER,
            REDIRECT_HOSTS,
            FORWARD_AUTH_STATUS,
            LOGIN_URL,
        ] {
            if let Some(value) = std::env::var_os(variable) {
                let value = OsString::into_string(value)
                    .map_err(|_| SettingsError::NotUtf8 { variable })?;
                values.push((variable, value));
            }
        }
        Self::from_vars(|name| {
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        })
    }

    /// Reads the settings through `var`; empty values count as unset. Logs
    /// (info) that `ORGANIZR_LOGIN_URL` is not used for redirects when
    /// `ORGANIZR_REDIRECT_HOSTS` is unset, and warns when
    /// `ORGANIZR_REAL_IP_HEADER` is set without `ORGANIZR_REAL_IP_FROM`.
    ///
    /// ```
    /// use forward_auth::settings::Settings;
    ///
    /// let vars = |name: &str| (name == "ORGANIZR_REDIRECT_HOSTS").then(|| "example.com".to_owned());
    /// let err = Settings::from_vars(vars).err().ok_or("accepted")?;
    /// assert!(err.to_string().contains("ORGANIZR_LOGIN_URL is not"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let from = match get(REAL_IP_FROM) {
            Some(value) => TrustedProxies::parse(&value)
                .map_err(|source| SettingsError::RealIpFrom { value, source })?,
            None => TrustedProxies::none(),
        };
        let header = match get(REAL_IP_HEADER) {
            Some(value) => {
                if from.is_empty() {
                    tracing::warn!(
                        "{REAL_IP_HEADER} is set without {REAL_IP_FROM}: no peer is believed about client addresses, \
                         so the header is never read and IP lists see each socket peer"
                    );
                }
                value
                    .parse::<RealIpHeader>()
                    .map_err(|source| SettingsError::RealIpHeader { value, source })?
            }
            None => RealIpHeader::default(),
        };
        let status = match get(FORWARD_AUTH_STATUS) {
            Some(value) => value
                .trim()
                .parse()
                .map_err(|()| SettingsError::Status { value })?,
            None => StatusCodes::default(),
        };
        let redirect = match (get(REDIRECT_HOSTS), get(LOGIN_URL)) {
            (None, None) => None,
            (None, Some(_)) => {
                tracing::info!(
                    "{LOGIN_URL} is not used by forward-auth without {REDIRECT_HOSTS}: refused requests get 401; \
                     to redirect browsers, set {REDIRECT_HOSTS} (Traefik, Caddy) or use the proxy's error page (nginx)"
                );
                None
            }
            (Some(_), None) => return Err(SettingsError::RedirectWithoutLoginUrl),
            (Some(hosts), Some(url)) => {
                let parsed =
                    RedirectHosts::parse(&hosts).map_err(|source| SettingsError::Redirect {
                        variable: REDIRECT_HOSTS,
                        value: hosts.clone(),
                        source,
                    })?;
                Some(LoginRedirect::new(&url, parsed).map_err(|source| {
                    SettingsError::Redirect {
                        variable: LOGIN_URL,
                        value: url.clone(),
                        source,
                    }
                })?)
            }
        };
        Ok(Self {
            real_ip: RealIp::new(from, header),
            redirect,
            status,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn error(vars: &[(&str, &str)]) -> String {
        let err = Settings::from_vars(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
        .unwrap_err();
        format!("{:#}", anyhow::Error::from(err))
    }

    #[test]
    fn bad_values_name_the_variable_and_the_entry() {
        /// Variables, and the words the error must contain.
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
        let cases: &[Case<'_>] = &[
            (
                &[(REAL_IP_FROM, "10.0.0.1, proxy.lan")],
                &[
                    "ORGANIZR_REAL_IP_FROM=\"10.0.0.1, proxy.lan\" is invalid",
                    "\"proxy.lan\"",
                ],
            ),
            (
                &[(REAL_IP_FROM, "10.0.0.1"), (REAL_IP_HEADER, "Client-IP")],
                &[
                    "ORGANIZR_REAL_IP_HEADER=\"Client-IP\" is invalid",
                    "X-Forwarded-For",
                ],
            ),
            (
                &[(REDIRECT_HOSTS, "example.com,*"), (LOGIN_URL, "/login")],
                &[
                    "ORGANIZR_REDIRECT_HOSTS=\"example.com,*\" is invalid",
                    "\"*\" (entry 2)",
                ],
            ),
            (
                &[
                    (REDIRECT_HOSTS, "example.com"),
                    (LOGIN_URL, "//evil.example"),
                ],
                &["ORGANIZR_LOGIN_URL=\"//evil.example\" is invalid"],
            ),
            (
                &[(REDIRECT_HOSTS, "example.com")],
                &["ORGANIZR_LOGIN_URL is not"],
            ),
            (
                &[(FORWARD_AUTH_STATUS, "403")],
                &["ORGANIZR_FORWARD_AUTH_STATUS=\"403\" is invalid: expected standard or organizr"],
            ),
        ];
        for (vars, wanted) in cases {
            let message = error(vars);
            for w in *wanted {
                assert!(message.contains(w), "{message:?} lacks {w:?}");
            }
        }
    }

    #[test]
    fn defaults() {
        let settings = Settings::from_vars(|_| None).unwrap();
        assert!(settings.real_ip.from().is_empty());
        assert_eq!(settings.real_ip.header(), RealIpHeader::XForwardedFor);
        assert!(settings.redirect.is_none());
        assert_eq!(settings.status, StatusCodes::Standard);
        // A login URL alone is not a redirect (forward-auth's behaviour
        // before ORGANIZR_REDIRECT_HOSTS existed).
        let login_only = Settings::from_vars(|n| (n == LOGIN_URL).then(|| "/login".to_owned()));
        assert!(login_only.unwrap().redirect.is_none());
        // Empty counts as unset.
        assert!(Settings::from_vars(|_| Some(String::new())).is_ok());
    }
}
