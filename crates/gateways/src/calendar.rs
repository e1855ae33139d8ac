//! The date and time formats of the gateways' files and names: real
//! calendar dates and times, never a pattern of digits alone.

use time::format_description::well_known::Rfc3339;

use crate::invalid::all_digits;

/// Today, on this machine's clock (local time when known, else UTC): the
/// date a sandbox believes unless told another.
pub fn today() -> time::Date {
    time::OffsetDateTime::now_local()
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        .date()
}

/// A year and month: what a card's expiry is judged against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearMonth {
    pub year: i32,
    pub month: u8,
}

impl YearMonth {
    /// The month of `date`.
    pub fn of(date: time::Date) -> YearMonth {
        YearMonth {
            year: date.year(),
            month: date.month() as u8,
        }
    }

    /// This month, on this machine's clock ([`today`]).
    pub fn today() -> YearMonth {
        YearMonth::of(today())
    }
}

/// Whether (`year`, `month`, `day`) is a real calendar date.
pub fn is_date(year: i32, month: u8, day: u8) -> bool {
    match time::Month::try_from(month) {
        Ok(m) => time::Date::from_calendar_date(year, m, day).is_ok(),
        Err(_) => false,
    }
}

fn number<T: std::str::FromStr>(s: &str) -> Option<T> {
    s.parse().ok()
}

/// `YYYYMMDD`, a real date (Lyra file names, headers and lines).
pub fn is_yyyymmdd(s: &str) -> bool {
    s.len() == 8
        && all_digits(s)
        && matches!(
            (number(&s[..4]), number(&s[4..6]), number(&s[6..])),
            (Some(y), Some(m), Some(d)) if is_date(y, m, d)
        )
}

/// The day before a `YYYYMMDD` date, as `YYYYMMDD`.
pub fn previous_day(yyyymmdd: &str) -> Option<String> {
    let d = date_of(yyyymmdd)?.previous_day()?;
    Some(format!(
        "{:04}{:02}{:02}",
        d.year(),
        d.month() as u8,
        d.day()
    ))
}

fn date_of(s: &str) -> Option<time::Date> {
    if !is_yyyymmdd(s) {
        return None;
    }
    let m = time::Month::try_from(number::<u8>(&s[4..6])?).ok()?;
    time::Date::from_calendar_date(number(&s[..4])?, m, number(&s[6..])?).ok()
}

/// `HHMMSS`, a real time of day.
pub fn is_hhmmss(s: &str) -> bool {
    s.len() == 6
        && all_digits(s)
        && matches!(
            (number::<u8>(&s[..2]), number::<u8>(&s[2..4]), number::<u8>(&s[4..])),
            (Some(h), Some(m), Some(sec)) if h < 24 && m < 60 && sec < 60
        )
}

/// `DDMMYYYY`, a real date (a Paybox DATEQ without its time, as the
/// gateway's own documentation example and BenMorel/Paybox send it).
pub fn is_ddmmyyyy(s: &str) -> bool {
    s.len() == 8
        && all_digits(s)
        && matches!(
            (number(&s[..2]), number(&s[2..4]), number(&s[4..8])),
            (Some(d), Some(m), Some(y)) if is_date(y, m, d)
        )
}

/// `DDMMYYYYHHMMSS`, a real date and time (Paybox DATEQ).
pub fn is_ddmmyyyyhhmmss(s: &str) -> bool {
    s.len() == 14
        && all_digits(s)
        && matches!(
            (number(&s[..2]), number(&s[2..4]), number(&s[4..8])),
            (Some(d), Some(m), Some(y)) if is_date(y, m, d)
        )
        && is_hhmmss(&s[8..])
}

/// The UTC date and time of `t`, as `YYYYMMDD` and `HHMMSS`: Lyra's days
/// are UTC days (a time at 00:30 in Paris, UTC+1, is 23:30 the day
/// before). None when its UTC time is out of the years 0 to 9999 that
/// RFC 3339 writes (`9999-12-31T23:59:59-23:59`): a time given on the
/// command line, refused by the caller, where the conversion panicked.
pub fn utc_yyyymmdd_hhmmss(t: time::OffsetDateTime) -> Option<(String, String)> {
    let u = t.checked_to_offset(time::UtcOffset::UTC)?;
    (0..=9999).contains(&u.year()).then(|| {
        (
            format!("{:04}{:02}{:02}", u.year(), u.month() as u8, u.day()),
            format!("{:02}{:02}{:02}", u.hour(), u.minute(), u.second()),
        )
    })
}

/// A day as a person gives it to `--date`, in every tool alike:
/// `YYYYMMDD` (as Lyra's names and headers write it) or `YYYY-MM-DD` (as
/// `date -I` does), a real date; given as `YYYYMMDD`. `dropwatch name`
/// took both, `xmlbatch build` only the first, the HTTP sandbox only the
/// second, and a recipe's `$day` could not go to all three.
pub fn parse_day(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let compact = match b.len() {
        8 => s.to_string(),
        // The dashes are ASCII: the slices fall on characters.
        10 if b[4] == b'-' && b[7] == b'-' => format!("{}{}{}", &s[..4], &s[5..7], &s[8..]),
        _ => return None,
    };
    is_yyyymmdd(&compact).then_some(compact)
}

/// What `--date` takes, for its messages.
pub const DAY_FORMS: &str = "YYYYMMDD or YYYY-MM-DD";

/// An RFC 3339 time (Paybox CreatedOn), parsed.
pub fn rfc3339(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s, &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_dates_and_times_only() {
        assert!(is_yyyymmdd("20240229") && !is_yyyymmdd("20230229"));
        assert!(!is_yyyymmdd("2026113") && !is_yyyymmdd("20261131"));
        assert!(is_hhmmss("235959") && !is_hhmmss("240000") && !is_hhmmss("12345"));
        assert!(is_ddmmyyyyhhmmss("22112026101500"));
        assert!(is_ddmmyyyy("06122026"));
        assert!(!is_ddmmyyyy("31022026"));
        assert!(!is_ddmmyyyyhhmmss("31022026101500"));
        assert!(!is_ddmmyyyyhhmmss("22112026241500"));
        assert!(rfc3339("2026-11-22T10:15:00+01:00").is_some());
        assert!(rfc3339("22/11/2026").is_none());
        assert_eq!(previous_day("20260301").as_deref(), Some("20260228"));
        assert_eq!(parse_day("2026-12-24").as_deref(), Some("20261224"));
        assert_eq!(parse_day("20261224").as_deref(), Some("20261224"));
        for bad in [
            "2026-02-30",
            "2026-1224",
            "2026-12-4",
            "26-12-24",
            "2026/12/24",
            "2026-é-24",
        ] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
        assert_eq!(previous_day("20260231"), None);
        let paris = rfc3339("2026-11-24T00:30:00+01:00").unwrap();
        assert_eq!(
            utc_yyyymmdd_hhmmss(paris),
            Some(("20261123".to_string(), "233000".to_string()))
        );
        for far in ["9999-12-31T23:59:59-23:59", "0000-01-01T00:00:00+23:59"] {
            assert_eq!(utc_yyyymmdd_hhmmss(rfc3339(far).unwrap()), None, "{far}");
        }
    }
}
