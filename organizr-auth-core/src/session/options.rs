//! How often the session snapshot is refreshed and how long a stale one may be
//! used.

use std::fmt;
use std::time::Duration;

use super::SessionError;

/// Settings of a [`SessionStore`](super::SessionStore), each checked when set.
///
/// | setting | default | allowed | environment variable |
/// |---|---|---|---|
/// | [`refresh`](Self::refresh) | 1000 ms | 100..=60000 ms | `ORGANIZR_DB_REFRESH_MS` |
/// | [`max_stale`](Self::max_stale) | 30 s | 0..=3600 s | `ORGANIZR_DB_MAX_STALE_SECS` |
///
/// ```
/// use std::time::Duration;
/// use organizr_auth_core::session::SessionOptions;
///
/// let options = SessionOptions::new()
///     .refresh(Duration::from_millis(250))?
///     .max_stale(Duration::from_secs(10))?;
/// assert_eq!(options.refresh_interval(), Duration::from_millis(250));
/// assert!(SessionOptions::new().refresh(Duration::from_millis(50)).is_err());
/// # Ok::<(), organizr_auth_core::session::SessionError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionOptions {
    refresh: Duration,
    max_stale: Duration,
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl SessionOptions {
    /// The default refresh interval, 1 s.
    ///
    /// ```
    /// use organizr_auth_core::session::SessionOptions;
    /// assert_eq!(SessionOptions::new().refresh_interval(), SessionOptions::DEFAULT_REFRESH);
    /// ```
    pub const DEFAULT_REFRESH: Duration = Duration::from_millis(1000);
    /// The shortest refresh interval, 100 ms.
    ///
    /// ```
    /// use organizr_auth_core::session::SessionOptions;
    /// assert!(SessionOptions::new().refresh(SessionOptions::MIN_REFRESH).is_ok());
    /// ```
    pub const MIN_REFRESH: Duration = Duration::from_millis(100);
    /// The longest refresh interval, 60 s.
    ///
    /// ```
    /// use organizr_auth_core::session::SessionOptions;
    /// assert!(SessionOptions::new().refresh(SessionOptions::MAX_REFRESH).is_ok());
    /// ```
    pub const MAX_REFRESH: Duration = Duration::from_secs(60);
    /// The default stale window, 30 s.
    ///
    /// ```
    /// use organizr_auth_core::session::SessionOptions;
    /// assert_eq!(SessionOptions::new().stale_window(), SessionOptions::DEFAULT_MAX_STALE);
    /// ```
    pub const DEFAULT_MAX_STALE: Duration = Duration::from_secs(30);
    /// The longest stale window, one hour.
    ///
    /// ```
    /// use organizr_auth_core::session::SessionOptions;
    /// assert!(SessionOptions::new().max_stale(SessionOptions::MAX_MAX_STALE).is_ok());
    /// ```
    pub const MAX_MAX_STALE: Duration = Duration::from_secs(3600);

    /// The defaults: refresh every second, answer from a stale snapshot for at
    /// most 30 s.
    ///
    /// ```
    /// use std::time::Duration;
    /// use organizr_auth_core::session::SessionOptions;
    /// assert_eq!(SessionOptions::new().stale_window(), Duration::from_secs(30));
    /// ```
    pub const fn new() -> Self {
        Self {
            refresh: Self::DEFAULT_REFRESH,
            max_stale: Self::DEFAULT_MAX_STALE,
        }
    }

    /// How often the background thread asks whether the database changed
    /// (`ORGANIZR_DB_REFRESH_MS`), within 100 ms..=60 s. A change (login,
    /// logout, lock, group change) is seen at most about this long after
    /// Organizr commits it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use organizr_auth_core::session::{SessionError, SessionOptions, SessionSetting};
    ///
    /// let err = SessionOptions::new().refresh(Duration::from_secs(61)).unwrap_err();
    /// assert!(matches!(err, SessionError::InvalidOption { setting: SessionSetting::Refresh, .. }));
    /// assert_eq!(err.to_string(), "ORGANIZR_DB_REFRESH_MS must be within 100..=60000 (milliseconds), got 61000");
    /// ```
    pub fn refresh(mut self, every: Duration) -> Result<Self, SessionError> {
        if !(Self::MIN_REFRESH..=Self::MAX_REFRESH).contains(&every) {
            return Err(SessionError::InvalidOption {
                setting: SessionSetting::Refresh,
                value: every,
            });
        }
        self.refresh = every;
        Ok(self)
    }

    /// How long the last snapshot keeps answering once the database cannot be
    /// read (`ORGANIZR_DB_MAX_STALE_SECS`), within 0..=3600 s; after that every
    /// session is [`Unavailable`](super::SessionCheck::Unavailable) until a read
    /// succeeds. Zero fails closed at the first failed read.
    ///
    /// ```
    /// use std::time::Duration;
    /// use organizr_auth_core::session::SessionOptions;
    ///
    /// assert!(SessionOptions::new().max_stale(Duration::ZERO).is_ok());
    /// let err = SessionOptions::new().max_stale(Duration::from_secs(3601)).unwrap_err();
    /// assert!(err.to_string().starts_with("ORGANIZR_DB_MAX_STALE_SECS must be within 0..=3600"));
    /// ```
    pub fn max_stale(mut self, window: Duration) -> Result<Self, SessionError> {
        if window > Self::MAX_MAX_STALE {
            return Err(SessionError::InvalidOption {
                setting: SessionSetting::MaxStale,
                value: window,
            });
        }
        self.max_stale = window;
        Ok(self)
    }

    /// The refresh interval.
    ///
    /// ```
    /// use std::time::Duration;
    /// use organizr_auth_core::session::SessionOptions;
    /// assert_eq!(SessionOptions::new().refresh_interval(), Duration::from_secs(1));
    /// ```
    pub const fn refresh_interval(&self) -> Duration {
        self.refresh
    }

    /// The stale window.
    ///
    /// ```
    /// use std::time::Duration;
    /// use organizr_auth_core::session::SessionOptions;
    /// assert_eq!(SessionOptions::new().stale_window(), Duration::from_secs(30));
    /// ```
    pub const fn stale_window(&self) -> Duration {
        self.max_stale
    }

    /// How long one read waits for a lock that Organizr holds while it writes:
    /// one refresh interval, at most a second. Past it the read counts as
    /// failed (and the stale window starts).
    pub(crate) fn busy_timeout(&self) -> Duration {
        self.refresh.min(Duration::from_secs(1))
    }
}

/// Which [`SessionOptions`] setting a value was refused for.
///
/// ```
/// use organizr_auth_core::session::SessionSetting;
/// assert_eq!(SessionSetting::Refresh.env_var(), "ORGANIZR_DB_REFRESH_MS");
/// assert_eq!(SessionSetting::MaxStale.to_string(), "ORGANIZR_DB_MAX_STALE_SECS");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SessionSetting {
    /// [`SessionOptions::refresh`], `ORGANIZR_DB_REFRESH_MS`.
    Refresh,
    /// [`SessionOptions::max_stale`], `ORGANIZR_DB_MAX_STALE_SECS`.
    MaxStale,
}

impl SessionSetting {
    /// The environment variable that sets it.
    ///
    /// ```
    /// use organizr_auth_core::session::SessionSetting;
    /// assert_eq!(SessionSetting::MaxStale.env_var(), "ORGANIZR_DB_MAX_STALE_SECS");
    /// ```
    pub const fn env_var(self) -> &'static str {
        match self {
            Self::Refresh => "ORGANIZR_DB_REFRESH_MS",
            Self::MaxStale => "ORGANIZR_DB_MAX_STALE_SECS",
        }
    }

    /// The allowed range and unit, as the message shows them.
    pub(crate) fn allowed(self) -> &'static str {
        match self {
            Self::Refresh => "100..=60000 (milliseconds)",
            Self::MaxStale => "0..=3600 (seconds)",
        }
    }

    /// `value` in the variable's unit (fractions shown, never rounded into range).
    pub(crate) fn show(self, value: Duration) -> String {
        match self {
            Self::Refresh if value.subsec_nanos().is_multiple_of(1_000_000) => {
                value.as_millis().to_string()
            }
            Self::Refresh => format!("{}", value.as_secs_f64() * 1000.0),
            Self::MaxStale if value.subsec_nanos() == 0 => value.as_secs().to_string(),
            Self::MaxStale => format!("{}", value.as_secs_f64()),
        }
    }
}

impl fmt::Display for SessionSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.env_var())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive() {
        let o = SessionOptions::new();
        assert!(o.refresh(Duration::from_millis(100)).is_ok());
        assert!(o.refresh(Duration::from_millis(60_000)).is_ok());
        assert!(o.refresh(Duration::from_micros(99_999)).is_err());
        assert!(o.refresh(Duration::from_micros(60_000_001)).is_err());
        assert!(o.refresh(Duration::ZERO).is_err());
        assert!(o.max_stale(Duration::ZERO).is_ok());
        assert!(o.max_stale(Duration::from_secs(3600)).is_ok());
        assert!(o.max_stale(Duration::from_millis(3_600_001)).is_err());
    }

    #[test]
    fn messages_name_the_variable_and_the_value_in_its_unit() {
        let e = SessionOptions::new()
            .refresh(Duration::from_micros(99_500))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "ORGANIZR_DB_REFRESH_MS must be within 100..=60000 (milliseconds), got 99.5"
        );
        let e = SessionOptions::new()
            .max_stale(Duration::from_secs(7200))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "ORGANIZR_DB_MAX_STALE_SECS must be within 0..=3600 (seconds), got 7200"
        );
    }

    #[test]
    fn busy_timeout_is_one_refresh_at_most_a_second() {
        let o = SessionOptions::new();
        assert_eq!(o.busy_timeout(), Duration::from_secs(1));
        let o = o.refresh(Duration::from_millis(150)).unwrap();
        assert_eq!(o.busy_timeout(), Duration::from_millis(150));
        let o = o.refresh(Duration::from_secs(30)).unwrap();
        assert_eq!(o.busy_timeout(), Duration::from_secs(1));
    }
}
