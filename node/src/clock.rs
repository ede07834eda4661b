//! The wall clock, read only at the edge (the driver and the CLI) and passed into the core.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch; 0 if the clock is before it.
pub fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or(0)
}

/// The offset of China Standard Time from UTC, in milliseconds: deadlines are days in Beijing time.
const CHINA_STANDARD_TIME_OFFSET_MS: i64 = 8 * 3_600_000;

/// The end of a day `YYYY-MM-DD` in China Standard Time (23:59:59.999 +08:00), as milliseconds
/// since the Unix epoch: a deadline "31 March" is met by anything signed that day in Beijing.
pub fn end_of_day_ms(text: &str) -> Option<i64> {
    let date = schemas::records::Date::parse(text).ok()?;
    let days = days_from_civil(
        i64::from(date.year()),
        i64::from(date.month_number()),
        i64::from(date.day()),
    );
    Some((days + 1) * 86_400_000 - 1 - CHINA_STANDARD_TIME_OFFSET_MS)
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
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
    }
}
