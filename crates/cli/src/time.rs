//! Times as the tools write them: RFC 3339, in UTC for records, and the
//! durations options take.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// RFC 3339 UTC with milliseconds (`2026-11-22T09:15:00.000Z`), for JSON
/// records. Empty for a time out of range (a file's mtime can be
/// anything), never a panic.
pub fn rfc3339_millis(t: SystemTime) -> String {
    let ns = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    };
    let Ok(dt) = time::OffsetDateTime::from_unix_timestamp_nanos(ns) else {
        return String::new();
    };
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    dt.format(&f).unwrap_or_default()
}

/// RFC 3339 UTC to the second (`2026-11-22T09:15:00Z`), for people.
pub fn rfc3339_seconds(t: SystemTime) -> String {
    let secs = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    };
    let Ok(dt) = time::OffsetDateTime::from_unix_timestamp(secs) else {
        return String::new();
    };
    dt.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The current time, [`rfc3339_millis`]; formatted at most once per
/// millisecond (a scan can emit thousands of events in one).
pub fn now_rfc3339() -> String {
    use std::cell::RefCell;
    thread_local! {
        static CACHE: RefCell<(u128, String)> = const { RefCell::new((0, String::new())) };
    }
    let now = SystemTime::now();
    let ms = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.0 != ms || c.1.is_empty() {
            *c = (ms, rfc3339_millis(now));
        }
        c.1.clone()
    })
}

/// The local time now (UTC when the local offset cannot be known), to
/// the second.
pub fn local_now() -> time::OffsetDateTime {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.replace_nanosecond(0).unwrap_or(now)
}

/// A duration as options take it: `500ms`, `2s`, `5m`, `1h`, `7d` (a bare
/// number is seconds). The message does not repeat the text.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num
        .parse()
        .map_err(|_| "not a duration (expected e.g. 500ms, 2s, 5m, 1h, 7d)".to_string())?;
    let scale = match unit {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => return Err("unknown unit (expected ms, s, m, h or d, e.g. 7d)".to_string()),
    };
    let secs = value * scale;
    if !secs.is_finite() || !(0.0..=1e12).contains(&secs) {
        return Err("out of range".to_string());
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A duration as [`parse_duration`] reads it: the largest unit that
/// writes it whole (`7d`, `5m`, `1s`, `500ms`).
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
    ] {
        if ms >= size && ms.is_multiple_of(size) {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("7d").unwrap(),
            Duration::from_secs(7 * 86400)
        );
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert!(parse_duration("7w").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("-1s").is_err());
        for text in ["7d", "1s", "90s", "500ms", "0ms", "2h"] {
            assert_eq!(format_duration(parse_duration(text).unwrap()), text);
        }
    }

    #[test]
    fn timestamps_never_panic() {
        assert_eq!(rfc3339_millis(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let far = UNIX_EPOCH + Duration::from_secs(1 << 50);
        assert_eq!(rfc3339_millis(far), "");
        let before = UNIX_EPOCH - Duration::from_secs(86400);
        assert_eq!(rfc3339_millis(before), "1969-12-31T00:00:00.000Z");
        assert_eq!(rfc3339_seconds(UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }
}
