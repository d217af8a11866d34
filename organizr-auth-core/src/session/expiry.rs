//! When Organizr stops accepting a session: its `tokens.expires` text, read the
//! way Organizr's own query reads it.
//!
//! Organizr writes `expires` as `gmdate('Y-m-d H:i:s')` (`2026-12-03 17:27:51`)
//! but looks sessions up with `expires > ?` bound to `gmdate('Y-m-d\TH:i:s\Z')`
//! (`2026-12-02T17:28:37Z`). SQLite compares the two as text, so on the expiry
//! date itself the space after the date sorts before the `T` and the row is
//! already dead: **a session ends at 00:00:00 UTC on the date in `expires`**,
//! not at the time written beside it (seen live: a row expiring at 23:59:59
//! today gets 401 from Organizr's `/api/v2/auth`). We end it at the same
//! instant, so that we never accept a session Organizr has already dropped.
//!
//! Anything but exactly `YYYY-MM-DD HH:MM:SS` with a real date and time is not
//! a live session here (Organizr never writes anything else).

/// Seconds in a day.
const DAY: i64 = 86_400;

/// The Unix time (seconds) at which Organizr stops accepting a row whose
/// `expires` column holds `text`, or `None` when `text` is not a UTC time in
/// Organizr's format.
pub(crate) fn session_end(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let [
        y0,
        y1,
        y2,
        y3,
        b'-',
        m0,
        m1,
        b'-',
        d0,
        d1,
        b' ',
        h0,
        h1,
        b':',
        n0,
        n1,
        b':',
        s0,
        s1,
    ] = *b
    else {
        return None;
    };
    let year = digits(&[y0, y1, y2, y3])?;
    let month = digits(&[m0, m1])?;
    let day = digits(&[d0, d1])?;
    let (hour, minute, second) = (digits(&[h0, h1])?, digits(&[n0, n1])?, digits(&[s0, s1])?);
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * DAY)
}

/// `now` as Organizr binds it in its session query (`gmdate('Y-m-d\TH:i:s\Z')`),
/// for the same comparison in SQL at load time.
pub(crate) fn organizr_now(unix_secs: i64) -> String {
    let (days, secs) = (unix_secs.div_euclid(DAY), unix_secs.rem_euclid(DAY));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn digits(bytes: &[u8]) -> Option<i64> {
    bytes.iter().try_fold(0_i64, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
    })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_ends_at_midnight_utc_of_its_expiry_date() {
        // 2026-12-03 00:00:00 UTC
        let midnight = 1_796_256_000;
        assert_eq!(session_end("2026-12-03 17:27:51"), Some(midnight));
        assert_eq!(session_end("2026-12-03 00:00:00"), Some(midnight));
        assert_eq!(session_end("2026-12-03 23:59:59"), Some(midnight));
        assert_eq!(session_end("1970-01-01 00:00:00"), Some(0));
        assert_eq!(session_end("1970-01-02 12:00:00"), Some(DAY));
    }

    #[test]
    fn matches_organizr_text_comparison() {
        // Organizr: live iff `expires > organizr_now(now)` as text. Ours: now < end.
        let days = [
            "2024-02-28",
            "2024-02-29",
            "2024-03-01",
            "2026-12-31",
            "2027-01-01",
        ];
        let times = ["00:00:00", "00:00:01", "12:30:00", "23:59:59"];
        for d in days {
            for t in times {
                let expires = format!("{d} {t}");
                let end = session_end(&expires).unwrap();
                for now in (end - 2 * DAY..end + 2 * DAY).step_by(3_599) {
                    let organizr = expires.as_str() > organizr_now(now).as_str();
                    assert_eq!(organizr, now < end, "expires {expires}, now {now}");
                }
            }
        }
    }

    #[test]
    fn organizr_now_formats_like_gmdate() {
        assert_eq!(organizr_now(0), "1970-01-01T00:00:00Z");
        assert_eq!(organizr_now(1_796_232_517), "2026-12-02T17:28:37Z");
        assert_eq!(organizr_now(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(organizr_now(253_402_300_799), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn round_trips_every_day_for_a_long_while() {
        for days in -800_000..800_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn refuses_anything_but_organizr_format() {
        for bad in [
            "",
            "2026-12-03",
            "2026-12-03T17:27:51",
            "2026-12-03 17:27:51Z",
            "2026-12-03 17:27:51.5",
            " 2026-12-03 17:27:51",
            "2026-13-03 17:27:51",
            "2026-00-03 17:27:51",
            "2026-02-29 17:27:51",
            "2026-04-31 00:00:00",
            "2026-12-00 17:27:51",
            "2026-12-03 24:00:00",
            "2026-12-03 23:60:00",
            "2026-12-03 23:59:60",
            "2026-12-03 1:27:51 ",
            "+026-12-03 17:27:51",
            "２０２6-12-03 17:27",
            "1796256000",
        ] {
            assert_eq!(session_end(bad), None, "{bad:?}");
        }
        assert!(session_end("2024-02-29 10:00:00").is_some());
        assert!(session_end("2000-02-29 10:00:00").is_some());
        assert_eq!(session_end("1900-02-29 10:00:00"), None);
    }
}
