//! The wall clock, read only at the edge (the driver and the CLI) and passed into the core.

use std::time::{SystemTime, UNIX_EPOCH};

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
    let shifted_ms = unix_ms + CHINA_STANDARD_TIME_OFFSET_MS;
    let days = shifted_ms.div_euclid(86_400_000);
    let ms_of_day = shifted_ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} 北京时间 (UTC+8)",
        ms_of_day / 3_600_000,
        ms_of_day / 60_000 % 60,
        ms_of_day / 1000 % 60
    )
}

/// The proleptic Gregorian date of a day count from 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
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
