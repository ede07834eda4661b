//! Division codes (行政区划代码): the 12-digit identifier of every node in the tree.
//!
//! A `DivisionCode` can only hold twelve ASCII digits that are not all zero, so every other part of
//! the system may use it without checking again. Files, topology entries and document keys all name
//! nodes by this code.

use std::fmt;
use std::str::FromStr;

use rust_i18n::t;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::text::{display_in_current_language, shown};

/// Number of digits in a full administrative division code (6-digit county code + 6 zeros below it).
pub const DIVISION_CODE_DIGITS: usize = 12;

/// A 12-digit administrative division code, such as `640104000000` (兴庆区).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DivisionCode([u8; DIVISION_CODE_DIGITS]);

/// Why a text is not a division code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    WrongLength { value: String, length: usize },
    NotDigits { value: String },
    AllZero { value: String },
}

impl CodeError {
    /// What is wrong with the code, in a language of the catalogues (`"zh-CN"`, `"en"`).
    pub fn localized(&self, locale: &str) -> String {
        match self {
            CodeError::WrongLength { value, length } => t!(
                "topology.code.wrong_length",
                locale = locale,
                value = shown(value),
                length = length
            ),
            CodeError::NotDigits { value } => {
                t!(
                    "topology.code.not_digits",
                    locale = locale,
                    value = shown(value)
                )
            }
            CodeError::AllZero { value } => {
                t!(
                    "topology.code.all_zero",
                    locale = locale,
                    value = shown(value)
                )
            }
        }
        .into_owned()
    }
}

display_in_current_language!(CodeError);

impl DivisionCode {
    /// Parses exactly twelve ASCII digits; anything else is refused with the reason.
    pub fn parse(text: &str) -> Result<Self, CodeError> {
        let bytes = text.as_bytes();
        if bytes.len() != DIVISION_CODE_DIGITS {
            return Err(CodeError::WrongLength {
                value: text.to_owned(),
                length: text.chars().count(),
            });
        }
        if !bytes.iter().all(u8::is_ascii_digit) {
            return Err(CodeError::NotDigits {
                value: text.to_owned(),
            });
        }
        if bytes.iter().all(|&digit| digit == b'0') {
            return Err(CodeError::AllZero {
                value: text.to_owned(),
            });
        }
        let mut digits = [0u8; DIVISION_CODE_DIGITS];
        digits.copy_from_slice(bytes);
        Ok(Self(digits))
    }

    /// The code as a number, for compact encodings (at most 999,999,999,999 fits in 40 bits).
    pub fn as_u64(&self) -> u64 {
        self.0
            .iter()
            .fold(0u64, |value, digit| value * 10 + u64::from(digit - b'0'))
    }

    /// The inverse of [`DivisionCode::as_u64`].
    pub fn from_u64(value: u64) -> Result<Self, CodeError> {
        Self::parse(&format!("{value:012}"))
    }

    /// The twelve digits as text.
    pub fn as_str(&self) -> &str {
        // The constructor admits only ASCII digits, so this cannot fail.
        std::str::from_utf8(&self.0).expect("division codes hold ASCII digits")
    }
}

impl FromStr for DivisionCode {
    type Err = CodeError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl fmt::Debug for DivisionCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "DivisionCode({})", self.as_str())
    }
}

impl Serialize for DivisionCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(self.as_str())
        } else {
            serializer.serialize_u64(self.as_u64())
        }
    }
}

impl<'de> Deserialize<'de> for DivisionCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            let text = String::deserialize(deserializer)?;
            Self::parse(&text).map_err(serde::de::Error::custom)
        } else {
            let value = u64::deserialize(deserializer)?;
            Self::from_u64(value).map_err(serde::de::Error::custom)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_real_codes_and_refuses_malformed_ones() {
        let code = DivisionCode::parse("640104000000").unwrap();
        assert_eq!(code.as_str(), "640104000000");
        assert_eq!(code.as_u64(), 640_104_000_000);
        assert_eq!(DivisionCode::from_u64(640_104_000_000).unwrap(), code);
        assert!(matches!(
            DivisionCode::parse("640104"),
            Err(CodeError::WrongLength { length: 6, .. })
        ));
        assert!(matches!(
            DivisionCode::parse("64010400000x"),
            Err(CodeError::NotDigits { .. })
        ));
        assert!(matches!(
            DivisionCode::parse("000000000000"),
            Err(CodeError::AllZero { .. })
        ));
        assert!(DivisionCode::from_u64(1_000_000_000_000).is_err());
    }
}
