//! Value types that cannot be malformed: credit codes, plates, VINs, dates and times of day.
//!
//! Each is parsed once, at the edge (an imported cell, a field of a peer's document), and then carried
//! as a value that every other part of the system may trust. Every error message is phrased as the
//! rule the text broke, so that callers can prefix it with the place (a column, a document field).

use std::fmt;
use std::str::FromStr;

use crate::t;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::i18n::{display_in_current_language, shown};

use crate::period::Month;

/// Implements `FromStr`, `Display`, `Serialize` and `Deserialize` through `parse` and `as_str`-like
/// text, so that every value type travels as its canonical text.
macro_rules! text_value {
    ($type:ty, $error:ty) => {
        impl FromStr for $type {
            type Err = $error;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text)
            }
        }

        impl Serialize for $type {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Unified social credit codes.

/// Number of characters of a unified social credit code (GB 32100-2015).
pub const CREDIT_CODE_CHARACTERS: usize = 18;

/// The characters a credit code may use, in the order of their numeric values 0 to 30: the digits
/// and the capital letters except I, O, S, V and Z (GB 32100-2015, table 2).
const CREDIT_CODE_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The weight of each of the first 17 characters in the check character: 3 to the power of the
/// position, modulo 31 (GB 32100-2015, 5.2).
const CREDIT_CODE_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A unified social credit code (统一社会信用代码), such as `91350100M000100Y43`: the identifier of
/// every institution, with a verified check character.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CreditCode([u8; CREDIT_CODE_CHARACTERS]);

/// Why a text is not a unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    /// The text does not have 18 characters.
    WrongLength {
        /// How many characters the text has.
        length_chars: usize,
    },
    /// A character is outside the code's alphabet.
    InvalidCharacter {
        /// 1-based position of the character.
        position: usize,
        /// The offending character.
        character: char,
    },
    /// The text given to [`CreditCode::with_check_digit`] does not have 17 characters.
    WrongPrefixLength {
        /// How many characters the text has.
        length_chars: usize,
    },
    /// The last character is not the check character computed from the first 17.
    CheckCharacter {
        /// The check character the first 17 characters give.
        expected: char,
        /// The check character the text has.
        found: char,
    },
}

impl CreditCodeError {
    /// The rule the code broke, phrased to follow the field, in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        match self {
            CreditCodeError::WrongLength { length_chars } => t!(
                "schemas.credit_code.wrong_length",
                locale = locale,
                length = length_chars
            ),
            CreditCodeError::InvalidCharacter {
                position,
                character,
            } => t!(
                "schemas.credit_code.invalid_character",
                locale = locale,
                position = position,
                character = shown(&character.to_string())
            ),
            CreditCodeError::WrongPrefixLength { length_chars } => t!(
                "schemas.credit_code.wrong_prefix_length",
                locale = locale,
                length = length_chars
            ),
            CreditCodeError::CheckCharacter { expected, found } => t!(
                "schemas.credit_code.check_character",
                locale = locale,
                expected = expected,
                found = found
            ),
        }
        .into_owned()
    }
}

display_in_current_language!(CreditCodeError);

impl CreditCode {
    /// Parses an 18-character code and verifies its check character. Lowercase letters are taken
    /// as capitals, since spreadsheets often hold them so.
    pub fn parse(text: &str) -> Result<Self, CreditCodeError> {
        let values = credit_code_values(text, CREDIT_CODE_CHARACTERS)?;
        let expected = credit_code_check_character(&values[..CREDIT_CODE_CHARACTERS - 1]);
        let found = CREDIT_CODE_ALPHABET[usize::from(values[CREDIT_CODE_CHARACTERS - 1])];
        if expected != found {
            return Err(CreditCodeError::CheckCharacter {
                expected: char::from(expected),
                found: char::from(found),
            });
        }
        Ok(Self(credit_code_bytes(&values)))
    }

    /// Completes the first 17 characters of a code with its check character, so that sample data
    /// and tests can make valid codes.
    pub fn with_check_digit(first17: &str) -> Result<Self, CreditCodeError> {
        let values = credit_code_values(first17, CREDIT_CODE_CHARACTERS - 1)?;
        let check = credit_code_check_character(&values);
        let mut bytes = credit_code_bytes(&values);
        bytes[CREDIT_CODE_CHARACTERS - 1] = check;
        Ok(Self(bytes))
    }

    /// The 18 characters as text.
    pub fn as_str(&self) -> &str {
        // The constructors admit only characters of the ASCII alphabet, so this cannot fail.
        std::str::from_utf8(&self.0).expect("credit codes hold ASCII characters")
    }
}

/// The numeric value (0 to 30) of each character of `text`, which must have `length` characters.
fn credit_code_values(text: &str, length: usize) -> Result<Vec<u8>, CreditCodeError> {
    let length_chars = text.chars().count();
    if length_chars != length {
        return Err(if length == CREDIT_CODE_CHARACTERS {
            CreditCodeError::WrongLength { length_chars }
        } else {
            CreditCodeError::WrongPrefixLength { length_chars }
        });
    }
    text.chars()
        .enumerate()
        .map(|(index, character)| {
            let upper = character.to_ascii_uppercase();
            CREDIT_CODE_ALPHABET
                .iter()
                .position(|&allowed| u32::from(allowed) == u32::from(upper))
                .map(|value| value as u8)
                .ok_or(CreditCodeError::InvalidCharacter {
                    position: index + 1,
                    character,
                })
        })
        .collect()
}

/// The characters of up to 18 values, in an array whose remaining places are left zero.
fn credit_code_bytes(values: &[u8]) -> [u8; CREDIT_CODE_CHARACTERS] {
    let mut bytes = [0u8; CREDIT_CODE_CHARACTERS];
    for (byte, value) in bytes.iter_mut().zip(values) {
        *byte = CREDIT_CODE_ALPHABET[usize::from(*value)];
    }
    bytes
}

/// The check character of the first 17 values: 31 minus the weighted sum modulo 31, where 31 is
/// written as 0.
fn credit_code_check_character(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(CREDIT_CODE_WEIGHTS)
        .map(|(value, weight)| u32::from(*value) * weight)
        .sum();
    let check = (31 - sum % 31) % 31;
    CREDIT_CODE_ALPHABET[check as usize]
}

impl fmt::Display for CreditCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl fmt::Debug for CreditCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "CreditCode({})", self.as_str())
    }
}

text_value!(CreditCode, CreditCodeError);

// ---------------------------------------------------------------------------------------------
// Number plates.

/// The one-character abbreviations of the 31 provincial-level divisions of the mainland, which
/// begin every civil number plate.
const PROVINCE_ABBREVIATIONS: &str =
    "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

/// Characters after the issuing authority's letter on an ordinary plate.
const PLATE_SERIAL_CHARACTERS_ORDINARY: usize = 5;

/// Characters after the issuing authority's letter on a new-energy plate.
const PLATE_SERIAL_CHARACTERS_NEW_ENERGY: usize = 6;

/// A Chinese civil number plate (号牌号码), such as `宁A12345`, or `宁AD12345` for a new-energy
/// vehicle: a province abbreviation, the issuing authority's letter, then five or six capital letters
/// (not I or O) and digits.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Plate(String);

/// Why a text is not a number plate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlateError {
    /// The text has neither 7 nor 8 characters.
    WrongLength {
        /// How many characters the text has.
        length_chars: usize,
    },
    /// The first character is not a province abbreviation.
    UnknownProvince {
        /// The first character.
        character: char,
    },
    /// The second character is not a letter.
    AuthorityNotLetter {
        /// The second character.
        character: char,
    },
    /// A character of the serial is not a capital letter (other than I and O) or a digit.
    InvalidSerialCharacter {
        /// 1-based position of the character.
        position: usize,
        /// The offending character.
        character: char,
    },
}

impl PlateError {
    /// The rule the plate broke, phrased to follow the field, in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        match self {
            PlateError::WrongLength { length_chars } => t!(
                "schemas.plate.wrong_length",
                locale = locale,
                length = length_chars
            ),
            PlateError::UnknownProvince { character } => t!(
                "schemas.plate.unknown_province",
                locale = locale,
                character = shown(&character.to_string())
            ),
            PlateError::AuthorityNotLetter { character } => t!(
                "schemas.plate.authority_not_letter",
                locale = locale,
                character = shown(&character.to_string())
            ),
            PlateError::InvalidSerialCharacter {
                position,
                character,
            } => t!(
                "schemas.plate.invalid_serial_character",
                locale = locale,
                position = position,
                character = shown(&character.to_string())
            ),
        }
        .into_owned()
    }
}

display_in_current_language!(PlateError);

impl Plate {
    /// Parses a plate; lowercase letters are taken as capitals.
    pub fn parse(text: &str) -> Result<Self, PlateError> {
        let characters: Vec<char> = text.chars().collect();
        let serial_length = characters.len().saturating_sub(2);
        if serial_length != PLATE_SERIAL_CHARACTERS_ORDINARY
            && serial_length != PLATE_SERIAL_CHARACTERS_NEW_ENERGY
        {
            return Err(PlateError::WrongLength {
                length_chars: characters.len(),
            });
        }
        let province = characters[0];
        if !PROVINCE_ABBREVIATIONS.contains(province) {
            return Err(PlateError::UnknownProvince {
                character: province,
            });
        }
        let authority = characters[1].to_ascii_uppercase();
        if !authority.is_ascii_uppercase() {
            return Err(PlateError::AuthorityNotLetter {
                character: characters[1],
            });
        }
        let mut canonical = String::with_capacity(text.len());
        canonical.push(province);
        canonical.push(authority);
        for (index, character) in characters.iter().enumerate().skip(2) {
            let upper = character.to_ascii_uppercase();
            let allowed = upper.is_ascii_digit()
                || (upper.is_ascii_uppercase() && upper != 'I' && upper != 'O');
            if !allowed {
                return Err(PlateError::InvalidSerialCharacter {
                    position: index + 1,
                    character: *character,
                });
            }
            canonical.push(upper);
        }
        Ok(Self(canonical))
    }

    /// The plate as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a new-energy plate (six characters after the authority's letter).
    pub fn is_new_energy(&self) -> bool {
        self.0.chars().count() == 2 + PLATE_SERIAL_CHARACTERS_NEW_ENERGY
    }
}

impl fmt::Display for Plate {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl fmt::Debug for Plate {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Plate({})", self.0)
    }
}

text_value!(Plate, PlateError);

// ---------------------------------------------------------------------------------------------
// Vehicle identification numbers.

/// Number of characters of a vehicle identification number (GB 16735, ISO 3779).
pub const VIN_CHARACTERS: usize = 17;

/// A vehicle identification number (车辆识别代号): 17 digits and capital letters other than I, O
/// and Q.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Vin([u8; VIN_CHARACTERS]);

/// Why a text is not a vehicle identification number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VinError {
    /// The text does not have 17 characters.
    WrongLength {
        /// How many characters the text has.
        length_chars: usize,
    },
    /// A character is not a digit or a capital letter other than I, O and Q.
    InvalidCharacter {
        /// 1-based position of the character.
        position: usize,
        /// The offending character.
        character: char,
    },
}

impl Vin {
    /// Parses a VIN; lowercase letters are taken as capitals.
    pub fn parse(text: &str) -> Result<Self, VinError> {
        let length_chars = text.chars().count();
        if length_chars != VIN_CHARACTERS {
            return Err(VinError::WrongLength { length_chars });
        }
        let mut bytes = [0u8; VIN_CHARACTERS];
        for (index, character) in text.chars().enumerate() {
            let upper = character.to_ascii_uppercase();
            let allowed = upper.is_ascii_digit()
                || (upper.is_ascii_uppercase() && !matches!(upper, 'I' | 'O' | 'Q'));
            if !allowed {
                return Err(VinError::InvalidCharacter {
                    position: index + 1,
                    character,
                });
            }
            // The character is ASCII, checked just above.
            bytes[index] = upper as u8;
        }
        Ok(Self(bytes))
    }

    /// The 17 characters as text.
    pub fn as_str(&self) -> &str {
        // The constructor admits only ASCII characters, so this cannot fail.
        std::str::from_utf8(&self.0).expect("VINs hold ASCII characters")
    }
}

impl fmt::Display for Vin {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl fmt::Debug for Vin {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Vin({})", self.as_str())
    }
}

impl VinError {
    /// The rule the VIN broke, phrased to follow the field, in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        match self {
            VinError::WrongLength { length_chars } => t!(
                "schemas.vin.wrong_length",
                locale = locale,
                length = length_chars
            ),
            VinError::InvalidCharacter {
                position,
                character,
            } => t!(
                "schemas.vin.invalid_character",
                locale = locale,
                position = position,
                character = shown(&character.to_string())
            ),
        }
        .into_owned()
    }
}

display_in_current_language!(VinError);

text_value!(Vin, VinError);

// ---------------------------------------------------------------------------------------------
// Dates and times of day.

/// Earliest year a date may name: older vehicles and acquisitions are not in service any more, so an
/// earlier year is a typing error.
pub const DATE_YEAR_MIN: u16 = 1900;

/// Latest year a date may name, the same bound as [`crate::period::YEAR_MAX`].
pub const DATE_YEAR_MAX: u16 = 2100;

/// A calendar day, written `YYYY-MM-DD`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// Why a text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// The text is not written `YYYY-MM-DD`.
    Format,
    /// The year is outside the accepted range.
    YearOutOfRange,
    /// The month and day do not name a day of the calendar.
    NoSuchDay,
}

impl DateError {
    /// The rule the date broke, phrased to follow the field, in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        match self {
            DateError::Format => t!("schemas.date.format", locale = locale),
            DateError::YearOutOfRange => t!(
                "schemas.date.year_out_of_range",
                locale = locale,
                min = DATE_YEAR_MIN,
                max = DATE_YEAR_MAX
            ),
            DateError::NoSuchDay => t!("schemas.date.no_such_day", locale = locale),
        }
        .into_owned()
    }
}

display_in_current_language!(DateError);

/// Whether a year of the Gregorian calendar has a 29 February.
fn is_leap_year(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// Number of days of a month, or zero for a month that does not exist.
fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Parses a run of ASCII digits of exactly the given length.
fn fixed_digits(text: &str, length: usize) -> Option<u16> {
    if text.len() != length || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.bytes().try_fold(0u16, |value, byte| {
        value.checked_mul(10)?.checked_add(u16::from(byte - b'0'))
    })
}

impl Date {
    /// Makes a date from its parts, checking the calendar.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, DateError> {
        if !(DATE_YEAR_MIN..=DATE_YEAR_MAX).contains(&year) {
            return Err(DateError::YearOutOfRange);
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(DateError::NoSuchDay);
        }
        Ok(Self { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<Self, DateError> {
        let mut parts = text.split('-');
        let (Some(year), Some(month), Some(day), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(DateError::Format);
        };
        let (Some(year), Some(month), Some(day)) = (
            fixed_digits(year, 4),
            fixed_digits(month, 2),
            fixed_digits(day, 2),
        ) else {
            return Err(DateError::Format);
        };
        // Two digits are at most 99, so they fit a u8.
        Self::new(year, month as u8, day as u8)
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month_number(self) -> u8 {
        self.month
    }

    /// The day of the month, 1 to 31.
    pub fn day(self) -> u8 {
        self.day
    }

    /// The calendar month the day lies in.
    pub fn month(self) -> Month {
        Month {
            year: self.year,
            month: self.month,
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{:04}-{:02}-{:02}",
            self.year, self.month, self.day
        )
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Date({self})")
    }
}

text_value!(Date, DateError);

/// A day and a time of day to the minute, written `YYYY-MM-DD HH:MM`, in the local time of the body
/// that keeps the ledger (dispatch orders are kept and read locally).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    date: Date,
    hour: u8,
    minute: u8,
}

/// Why a text is not a date and time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateTimeError {
    /// The text is not written `YYYY-MM-DD HH:MM`.
    Format,
    /// The date part is not a date.
    Date(#[from] DateError),
    /// The hour or minute is out of range.
    TimeOutOfRange,
}

impl DateTimeError {
    /// The rule the date and time broke, phrased to follow the field, in a language of the
    /// catalogues.
    pub fn localized(&self, locale: &str) -> String {
        match self {
            DateTimeError::Format => t!("schemas.date_time.format", locale = locale).into_owned(),
            DateTimeError::Date(error) => error.localized(locale),
            DateTimeError::TimeOutOfRange => {
                t!("schemas.date_time.time_out_of_range", locale = locale).into_owned()
            }
        }
    }
}

display_in_current_language!(DateTimeError);

impl DateTime {
    /// Makes a date and time from its parts.
    pub fn new(date: Date, hour: u8, minute: u8) -> Result<Self, DateTimeError> {
        if hour > 23 || minute > 59 {
            return Err(DateTimeError::TimeOutOfRange);
        }
        Ok(Self { date, hour, minute })
    }

    /// Parses `YYYY-MM-DD HH:MM`.
    pub fn parse(text: &str) -> Result<Self, DateTimeError> {
        let (date, time) = text.split_once(' ').ok_or(DateTimeError::Format)?;
        let (hour, minute) = time.split_once(':').ok_or(DateTimeError::Format)?;
        let (Some(hour), Some(minute)) = (fixed_digits(hour, 2), fixed_digits(minute, 2)) else {
            return Err(DateTimeError::Format);
        };
        let date = Date::parse(date)?;
        // Two digits are at most 99, so they fit a u8.
        Self::new(date, hour as u8, minute as u8)
    }

    /// The day.
    pub fn date(self) -> Date {
        self.date
    }

    /// The hour, 0 to 23.
    pub fn hour(self) -> u8 {
        self.hour
    }

    /// The minute, 0 to 59.
    pub fn minute(self) -> u8 {
        self.minute
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{} {:02}:{:02}",
            self.date, self.hour, self.minute
        )
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "DateTime({self})")
    }
}

text_value!(DateTime, DateTimeError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_real_credit_codes() {
        for text in ["91350100M000100Y43", "91110000600037341L"] {
            assert_eq!(CreditCode::parse(text).unwrap().as_str(), text);
        }
        assert_eq!(
            CreditCode::parse("91350100m000100y43").unwrap().as_str(),
            "91350100M000100Y43"
        );
    }

    #[test]
    fn refuses_bad_credit_codes_with_the_reason() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CreditCodeError::CheckCharacter {
                expected: '3',
                found: '4'
            })
        );
        assert_eq!(
            CreditCode::parse("9135010"),
            Err(CreditCodeError::WrongLength { length_chars: 7 })
        );
        assert_eq!(
            CreditCode::parse("91350100M00010OY43"),
            Err(CreditCodeError::InvalidCharacter {
                position: 15,
                character: 'O'
            })
        );
    }

    #[test]
    fn completes_codes_with_their_check_character() {
        let code = CreditCode::with_check_digit("91350100M000100Y4").unwrap();
        assert_eq!(code.as_str(), "91350100M000100Y43");
        let made = CreditCode::with_check_digit("12640000MB0000001").unwrap();
        assert_eq!(CreditCode::parse(made.as_str()).unwrap(), made);
        assert!(CreditCode::with_check_digit("12640000MB00000S1").is_err());
        assert_eq!(
            CreditCode::with_check_digit("1264"),
            Err(CreditCodeError::WrongPrefixLength { length_chars: 4 })
        );
    }

    #[test]
    fn parses_plates() {
        assert_eq!(Plate::parse("宁A12345").unwrap().as_str(), "宁A12345");
        assert!(Plate::parse("宁AD12345").unwrap().is_new_energy());
        assert_eq!(Plate::parse("宁a1234b").unwrap().as_str(), "宁A1234B");
        assert_eq!(
            Plate::parse("宁A1234"),
            Err(PlateError::WrongLength { length_chars: 6 })
        );
        assert_eq!(
            Plate::parse("X宁12345"),
            Err(PlateError::UnknownProvince { character: 'X' })
        );
        assert_eq!(
            Plate::parse("宁112345"),
            Err(PlateError::AuthorityNotLetter { character: '1' })
        );
        assert_eq!(
            Plate::parse("宁A1234O"),
            Err(PlateError::InvalidSerialCharacter {
                position: 7,
                character: 'O'
            })
        );
        assert!(Plate::parse("").is_err());
    }

    #[test]
    fn parses_vins() {
        assert_eq!(
            Vin::parse("lsvan4187c2123456").unwrap().as_str(),
            "LSVAN4187C2123456"
        );
        assert!(matches!(
            Vin::parse("LSVAN4187C212345Q"),
            Err(VinError::InvalidCharacter { position: 17, .. })
        ));
        assert!(matches!(
            Vin::parse("LSVAN"),
            Err(VinError::WrongLength { .. })
        ));
    }

    #[test]
    fn parses_real_calendar_days_only() {
        assert_eq!(Date::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
        assert_eq!(Date::parse("2000-02-29").unwrap().day(), 29);
        assert_eq!(Date::parse("2023-02-29"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("1900-02-29"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("2025-13-01"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("2025-04-31"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("2025-4-01"), Err(DateError::Format));
        assert_eq!(Date::parse("2025/04/01"), Err(DateError::Format));
        assert_eq!(Date::parse("1899-12-31"), Err(DateError::YearOutOfRange));
    }

    #[test]
    fn parses_dates_and_times() {
        let time = DateTime::parse("2025-03-01 08:30").unwrap();
        assert_eq!(time.to_string(), "2025-03-01 08:30");
        assert!(time < DateTime::parse("2025-03-01 09:00").unwrap());
        assert_eq!(
            DateTime::parse("2025-03-01 24:00"),
            Err(DateTimeError::TimeOutOfRange)
        );
        assert_eq!(
            DateTime::parse("2025-03-01T08:30"),
            Err(DateTimeError::Format)
        );
        assert_eq!(
            DateTime::parse("2025-03-01 8:30"),
            Err(DateTimeError::Format)
        );
        assert_eq!(
            DateTime::parse("2025-02-30 08:30"),
            Err(DateTimeError::Date(DateError::NoSuchDay))
        );
    }
}
