//! The wall clock, read only at the edge (the driver and the CLI) and passed into the core, and
//! times for people. Dates and times go through `jiff` (a well-kept crate for dates, calendars and
//! time zones), never through hand-written calendar arithmetic: deadlines are days in Beijing
//! time, and every time shown names its zone.

use std::time::{SystemTime, UNIX_EPOCH};

use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use jiff::{Timestamp, ToSpan};

/// China Standard Time, UTC+8 all year: the zone of every deadline and every time shown.
fn beijing() -> TimeZone {
    TimeZone::fixed(Offset::constant(8))
}

/// Milliseconds since the Unix epoch; 0 if the clock is before it.
pub fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or(0)
}

/// A time for people: Beijing time with the zone named, such as `2026-03-31 23:59:59 北京时间
/// (UTC+8)`.
pub fn beijing_time(unix_ms: i64) -> String {
    match Timestamp::from_millisecond(unix_ms) {
        Ok(timestamp) => format!(
            "{} {} (UTC+8)",
            timestamp
                .to_zoned_datetime(beijing())
                .strftime("%Y-%m-%d %H:%M:%S"),
            schemas::t!("common.beijing_time")
        ),
        Err(_) => schemas::t!("common.time_out_of_range", ms = unix_ms).into_owned(),
    }
}

/// The end of a day `YYYY-MM-DD` in China Standard Time (23:59:59.999 +08:00), as milliseconds
/// since the Unix epoch: a deadline "31 March" is met by anything signed that day in Beijing.
pub fn end_of_day_ms(text: &str) -> Option<i64> {
    let date: Date = text.trim().parse().ok()?;
    // Only the form YYYY-MM-DD: jiff's parser would also take other ISO 8601 forms.
    if text.trim().len() != 10 {
        return None;
    }
    Some(end_of_date_ms(date))
}

/// The end of a day in China Standard Time, as milliseconds since the Unix epoch (the last day
/// jiff knows ends at its own last instant).
pub fn end_of_date_ms(date: Date) -> i64 {
    match date
        .checked_add(1.day())
        .ok()
        .and_then(|next_day| next_day.to_zoned_datetime(beijing()).ok())
    {
        Some(start) => start.timestamp().as_millisecond() - 1,
        None => Timestamp::MAX.as_millisecond(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_day_ends_at_midnight_in_beijing() {
        // 2026-03-31 24:00 +08:00 is 2026-03-31 16:00 UTC, 1774972800000 ms.
        assert_eq!(end_of_day_ms("2026-03-31"), Some(1_774_972_800_000 - 1));
        assert_eq!(
            end_of_day_ms("1970-01-01"),
            Some(86_400_000 - 1 - 8 * 3_600_000)
        );
        assert_eq!(end_of_day_ms("2026-02-30"), None);
        assert_eq!(end_of_day_ms("2026-3-31"), None);
    }

    #[test]
    fn times_are_shown_in_beijing_time_with_the_zone_named() {
        assert_eq!(
            beijing_time(1_774_972_800_000 - 1),
            "2026-03-31 23:59:59 北京时间 (UTC+8)"
        );
        assert_eq!(beijing_time(0), "1970-01-01 08:00:00 北京时间 (UTC+8)");
    }
}
