//! Months and days as people and spreadsheets write them, made into the schema's `YYYY-MM` and
//! `YYYY-MM-DD`: `2025/1`, `2025.1`, `2025年1月`, `202501`, `2025-01-15`, `2025年1月15日`, a
//! date-time, and in a workbook a date serial whose date format was lost. Any day of a month is
//! that month; a date that does not exist is left for the schema's parser to refuse.

use super::Layout;

/// Excel date serials read as a month or a day when a date cell lost its date format: 36526 is
/// 2000-01-01 and 73050 is 2099-12-31, so no count or amount of another meaning is taken for a
/// date by accident in a month column.
const DATE_SERIALS: std::ops::RangeInclusive<i64> = 36_526..=73_050;

/// A date as people and spreadsheets write it: the year, month and day (the day absent for a
/// month), and whether a time of day followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct WrittenDate {
    year: i16,
    month: i8,
    day: Option<i8>,
    with_time: bool,
}

/// Reads `2025-01`, `2025/1`, `2025.1`, `2025年1月`, `202501`, `2025-01-15`, `2025/1/15`,
/// `2025年1月15日`, each optionally followed by a time, and, in a workbook, a date serial whose
/// date format was lost. The date must exist.
fn written_date(text: &str, layout: Layout) -> Option<WrittenDate> {
    if layout == Layout::Sheet
        && let Some(date) = date_of_serial(text)
    {
        return Some(WrittenDate {
            year: date.year(),
            month: date.month(),
            day: Some(date.day()),
            with_time: false,
        });
    }
    if text.len() == 6 && text.bytes().all(|byte| byte.is_ascii_digit()) {
        let year: i16 = text[..4].parse().ok()?;
        let month: i8 = text[4..].parse().ok()?;
        return checked(year, month, None, false);
    }
    let (date, time) = match text.split_once(char::is_whitespace) {
        Some((date, time)) => (date, Some(time.trim())),
        None => (text, None),
    };
    if time.is_some_and(|time| {
        !time.contains(':') || !time.chars().all(|c| c.is_ascii_digit() || ":.".contains(c))
    }) {
        return None;
    }
    let mut rest = date;
    let year = take_digits(&mut rest, 4, 4)?;
    let separator = rest.chars().next()?;
    if !"-/.年".contains(separator) {
        return None;
    }
    rest = &rest[separator.len_utf8()..];
    let month = take_digits(&mut rest, 1, 2)?;
    if separator == '年' {
        rest = rest.strip_prefix('月').unwrap_or(rest);
    }
    let day = if rest.is_empty() {
        None
    } else {
        if separator != '年' {
            rest = rest.strip_prefix(separator)?;
        }
        let day = take_digits(&mut rest, 1, 2)?;
        if separator == '年' {
            rest = rest.strip_prefix('日').unwrap_or(rest);
        }
        Some(day)
    };
    if !rest.is_empty() {
        return None;
    }
    checked(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        day.map(i8::try_from).transpose().ok()?,
        time.is_some(),
    )
}

/// The date of an Excel date serial (1900 date system) in [`DATE_SERIALS`], whole or with a time.
fn date_of_serial(text: &str) -> Option<jiff::civil::Date> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    if whole.len() != 5
        || !whole.bytes().all(|byte| byte.is_ascii_digit())
        || fraction.is_empty()
        || !fraction.bytes().all(|byte| byte.is_ascii_digit())
    {
        return None;
    }
    let serial: i64 = whole.parse().ok()?;
    if !DATE_SERIALS.contains(&serial) {
        return None;
    }
    // Serial 1 is 1900-01-01 and Excel counts 1900-02-29, which did not exist: from March 1900
    // on, serial n is n days after 1899-12-30.
    jiff::civil::date(1899, 12, 30)
        .checked_add(jiff::Span::new().days(serial))
        .ok()
}

/// The date if it exists.
fn checked(year: i16, month: i8, day: Option<i8>, with_time: bool) -> Option<WrittenDate> {
    jiff::civil::Date::new(year, month, day.unwrap_or(1)).ok()?;
    Some(WrittenDate {
        year,
        month,
        day,
        with_time,
    })
}

/// Takes `min..=max` ASCII digits from the front of `rest`.
fn take_digits(rest: &mut &str, min: usize, max: usize) -> Option<u32> {
    let count = rest.bytes().take_while(u8::is_ascii_digit).count();
    if count < min || count > max {
        return None;
    }
    let value = rest[..count].parse().ok()?;
    *rest = &rest[count..];
    Some(value)
}

/// A month cell as `YYYY-MM`: any day of the month is the month, with or without a time.
pub fn month_text(text: &str, layout: Layout) -> Option<String> {
    let date = written_date(text, layout)?;
    Some(format!("{:04}-{:02}", date.year, date.month))
}

/// A day cell as `YYYY-MM-DD`; a month without a day, or a time, is left to the parser to refuse.
pub fn day_text(text: &str, layout: Layout) -> Option<String> {
    let date = written_date(text, layout)?;
    if date.with_time {
        return None;
    }
    let day = date.day?;
    Some(format!("{:04}-{:02}-{day:02}", date.year, date.month))
}
