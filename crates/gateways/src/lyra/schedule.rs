//! When the Lyra gateway reads an uploaded file, and when its answer
//! should appear. The times differ between brands and documentation
//! versions, and the reference says not to hard-code one: a [`Schedule`]
//! is data, set by the user; the default is Systempay's current text.
//!
//! - Scans (Paris time), https://paiement.systempay.fr/doc/en-EN/payment-file/ips/operating-principle.html :
//!   TEST files at 04:00, 05:00 and 13:00; PRODUCTION files at 04:00 for
//!   files uploaded before 04:00, at 05:00 for files uploaded between 04:00
//!   and 05:00. A file uploaded after the last scan of the day waits for
//!   the next day's first (inferred: the page names no other scan).
//! - Answers, https://paiement.systempay.fr/doc/en-EN/payment-file/ips/providing-the-response-file.html :
//!   ANS files are available between 08:00 and 09:00 and between 14:00 and
//!   15:00; the morning window for the 04:00 and 05:00 scans, the
//!   afternoon one for 13:00 (inferred from the order of the times).
//! - Others: Lyra Collect answers at 05:00, 06:00 and 14:00 for the 04:00,
//!   05:00 and 13:00 runs; old Systempay scanned at 07:00 and 13:00 for
//!   files uploaded 10 minutes before; Monetico Retail scans at 07:00 and
//!   13:00, uploads at least 10 minutes ahead (docs/dropwatch.md gives the
//!   options for each).

use std::fmt;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, ZonedDateTime};

use super::names::Mode;
use crate::invalid::{show, Invalid};

/// The schedule's time zone by default: every brand's pages give Paris
/// times.
pub const ZONE: &str = "Europe/Paris";
/// Systempay's TEST scans, each `scan>answers from-answers by`.
pub const TEST_SCANS: &str = "04:00>08:00-09:00,05:00>08:00-09:00,13:00>14:00-15:00";
/// Systempay's PRODUCTION scans.
pub const PRODUCTION_SCANS: &str = "04:00>08:00-09:00,05:00>08:00-09:00";

/// A time of day, to the minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Clock {
    hour: i8,
    minute: i8,
}

impl Clock {
    fn parse(s: &str) -> Option<Clock> {
        let (h, m) = s.split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        let (hour, minute) = (h.parse::<i8>().ok()?, m.parse::<i8>().ok()?);
        ((0..24).contains(&hour) && (0..60).contains(&minute)).then_some(Clock { hour, minute })
    }

    /// This time on `date` in `tz` (a time a DST change skips is taken
    /// after it, as a clock would be).
    fn on(self, date: Date, tz: &TimeZone) -> Option<ZonedDateTime> {
        date.at(self.hour, self.minute, 0, 0)
            .to_zoned_datetime(tz.clone())
            .ok()
    }
}

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

/// One scan, and the window in which its answers appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scan {
    pub at: Clock,
    pub answer_from: Clock,
    pub answer_by: Clock,
}

impl Scan {
    /// `HH:MM`, `HH:MM>HH:MM` (the answer's time) or `HH:MM>HH:MM-HH:MM`
    /// (its window).
    fn parse(s: &str) -> Option<Scan> {
        let (at, answer) = match s.split_once('>') {
            Some((a, b)) => (Clock::parse(a.trim())?, Some(b.trim())),
            None => (Clock::parse(s.trim())?, None),
        };
        let (answer_from, answer_by) = match answer {
            None => (at, at),
            Some(w) => match w.split_once('-') {
                Some((f, b)) => (Clock::parse(f)?, Clock::parse(b)?),
                None => (Clock::parse(w)?, Clock::parse(w)?),
            },
        };
        Some(Scan {
            at,
            answer_from,
            answer_by,
        })
    }
}

/// When a file is read, and when its answer should appear.
#[derive(Debug, Clone, PartialEq)]
pub struct When {
    /// The scan that takes the file.
    pub scan: ZonedDateTime,
    pub answer_from: ZonedDateTime,
    pub answer_by: ZonedDateTime,
}

/// A RFC 3339 rendering of a time in its zone (`2026-11-23T05:00:00+01:00`).
pub fn rfc3339(t: &ZonedDateTime) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// The gateway's scans per mode, in a time zone, with the lead an upload
/// must have on a scan.
#[derive(Debug, Clone)]
pub struct Schedule {
    zone: String,
    tz: TimeZone,
    test: Vec<Scan>,
    production: Vec<Scan>,
    lead_minutes: u32,
}

impl Schedule {
    /// A schedule from its texts: `zone` a tz database name, each list of
    /// scans `HH:MM[>HH:MM[-HH:MM]]` separated by commas (local times in
    /// `zone`), `lead_minutes` how long before a scan a file must be
    /// uploaded for that scan to take it.
    pub fn new(
        zone: &str,
        test: &str,
        production: &str,
        lead_minutes: u32,
    ) -> Result<Schedule, Invalid> {
        let tz = TimeZone::get(zone).map_err(|_| {
            Invalid(format!(
                "{} is not a time zone (expected a tz database name such as {ZONE})",
                show(zone)
            ))
        })?;
        let list = |which: &str, text: &str| -> Result<Vec<Scan>, Invalid> {
            let mut scans = text
                .split(',')
                .map(|s| {
                    Scan::parse(s).ok_or_else(|| {
                        Invalid(format!(
                            "{which} scan {} is not HH:MM, HH:MM>HH:MM or HH:MM>HH:MM-HH:MM (a scan, then when its answers appear), e.g. 04:00>08:00-09:00",
                            show(s)
                        ))
                    })
                })
                .collect::<Result<Vec<Scan>, Invalid>>()?;
            scans.sort_by_key(|s| s.at);
            Ok(scans)
        };
        Ok(Schedule {
            zone: zone.to_string(),
            tz,
            test: list("TEST", test)?,
            production: list("PRODUCTION", production)?,
            lead_minutes,
        })
    }

    /// The time zone's name.
    pub fn zone(&self) -> &str {
        &self.zone
    }

    /// `t` in the schedule's zone.
    pub fn local(&self, t: Timestamp) -> ZonedDateTime {
        t.to_zoned_datetime(self.tz.clone())
    }

    /// The scan that takes a file of `mode` uploaded at `uploaded`: the
    /// first whose time, less the lead, is after the upload; and when its
    /// answer should appear. None only at the end of the calendar.
    pub fn when(&self, mode: Mode, uploaded: Timestamp) -> Option<When> {
        let scans = match mode {
            Mode::Test => &self.test,
            Mode::Production => &self.production,
        };
        let day = self.local(uploaded).date();
        for offset in 0..=2i64 {
            let date = day.checked_add(offset.days()).ok()?;
            for s in scans {
                let scan = s.at.on(date, &self.tz)?;
                let cutoff = scan
                    .timestamp()
                    .checked_sub(i64::from(self.lead_minutes).minutes())
                    .ok()?;
                if uploaded >= cutoff {
                    continue;
                }
                // A window before its scan's time is the next day's.
                let on_or_after = |c: Clock| -> Option<ZonedDateTime> {
                    let t = c.on(date, &self.tz)?;
                    if c < s.at {
                        c.on(date.tomorrow().ok()?, &self.tz)
                    } else {
                        Some(t)
                    }
                };
                return Some(When {
                    scan,
                    answer_from: on_or_after(s.answer_from)?,
                    answer_by: on_or_after(s.answer_by)?,
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn when(sch: &Schedule, mode: Mode, t: &str) -> (String, String, String) {
        let w = sch.when(mode, at(t)).unwrap();
        (
            rfc3339(&w.scan),
            rfc3339(&w.answer_from),
            rfc3339(&w.answer_by),
        )
    }

    #[test]
    fn systempays_schedule_around_each_scan() {
        let s = Schedule::new(ZONE, TEST_SCANS, PRODUCTION_SCANS, 0).unwrap();
        let morning = |scan: &str, day: &str| {
            (
                format!("2026-11-{day}T{scan}:00+01:00"),
                format!("2026-11-{day}T08:00:00+01:00"),
                format!("2026-11-{day}T09:00:00+01:00"),
            )
        };
        for (mode, t, expected) in [
            (
                Mode::Test,
                "2026-11-23T03:59:00+01:00",
                morning("04:00", "23"),
            ),
            (
                Mode::Test,
                "2026-11-23T04:01:00+01:00",
                morning("05:00", "23"),
            ),
            (
                Mode::Test,
                "2026-11-23T12:59:00+01:00",
                (
                    "2026-11-23T13:00:00+01:00".to_string(),
                    "2026-11-23T14:00:00+01:00".to_string(),
                    "2026-11-23T15:00:00+01:00".to_string(),
                ),
            ),
            (
                Mode::Test,
                "2026-11-23T13:01:00+01:00",
                morning("04:00", "24"),
            ),
            (
                Mode::Production,
                "2026-11-23T03:59:00+01:00",
                morning("04:00", "23"),
            ),
            (
                Mode::Production,
                "2026-11-23T04:01:00+01:00",
                morning("05:00", "23"),
            ),
            (
                Mode::Production,
                "2026-11-23T12:59:00+01:00",
                morning("04:00", "24"),
            ),
            (
                Mode::Production,
                "2026-11-23T13:01:00+01:00",
                morning("04:00", "24"),
            ),
            // A UTC time is read in Paris time: 03:01 UTC is 04:01.
            (Mode::Test, "2026-11-23T03:01:00Z", morning("05:00", "23")),
            // Exactly at a scan is too late for it.
            (
                Mode::Production,
                "2026-11-23T04:00:00+01:00",
                morning("05:00", "23"),
            ),
        ] {
            assert_eq!(when(&s, mode, t), expected, "{mode:?} {t}");
        }
        // Summer time: the same clock times, at +02:00.
        assert_eq!(
            when(&s, Mode::Production, "2026-07-01T03:59:00+02:00").0,
            "2026-07-01T04:00:00+02:00"
        );
    }

    #[test]
    fn another_brands_schedule_with_a_lead() {
        // Monetico Retail: 07:00 and 13:00, uploads 10 minutes ahead.
        let s = Schedule::new(ZONE, "07:00,13:00", "07:00,13:00", 10).unwrap();
        assert_eq!(
            when(&s, Mode::Production, "2026-11-23T06:51:00+01:00").0,
            "2026-11-23T13:00:00+01:00"
        );
        assert_eq!(
            when(&s, Mode::Production, "2026-11-23T06:49:00+01:00").0,
            "2026-11-23T07:00:00+01:00"
        );
        // An answer window past midnight is the next day's.
        let s = Schedule::new(ZONE, "23:00>01:00-02:00", "23:00", 0).unwrap();
        assert_eq!(
            when(&s, Mode::Test, "2026-11-23T22:00:00+01:00").1,
            "2026-11-24T01:00:00+01:00"
        );
        for bad in ["4:00", "04:00>", "25:00", "04:00>08:00-9"] {
            assert!(Schedule::new(ZONE, bad, "04:00", 0).is_err(), "{bad}");
        }
        assert!(Schedule::new("Mars/Olympus", "04:00", "04:00", 0).is_err());
    }
}
