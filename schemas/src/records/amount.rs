//! Amounts: the non-negative decimal numbers of the ledgers (quantities, costs, areas, prices,
//! distances), written as plain decimal text and bounded so that sums stay exact.
//!
//! Every decimal field of a record passes through here, whether it comes from an imported cell, from
//! a peer's document or from code: [`parse_amount`] turns text into a [`Decimal`], [`check_amount`]
//! checks a value built in code. The bounds are chosen so that a quantity times a coefficient and the
//! sum of every record of a document are computed exactly (see [`crate::figures`]).

use crate::t;
use rust_decimal::Decimal;

use crate::i18n::display_in_current_language;

/// Most digits an amount may have before its decimal point: a trillion units is beyond any single
/// record (a province's yearly electricity use is about 10^11 kWh), so a longer number is a typing or
/// unit error, and the bound keeps every product and sum within `Decimal`'s exact range.
pub const AMOUNT_INTEGER_DIGITS_MAX: usize = 12;

/// Most digits an amount may have after its decimal point, trailing zeros aside: four places cover
/// fen of yuan, litres of fuel and square metres to the square centimetre.
pub const AMOUNT_FRACTION_DIGITS_MAX: u32 = 4;

/// Why a text or value is not an amount. Each message is phrased as the rule the value broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// The text is empty.
    Empty,
    /// The text is not digits with at most one decimal point (separators, exponents, signs and
    /// units are refused).
    NotPlainDecimal,
    /// The value is below zero.
    Negative,
    /// The value has too many digits before the decimal point.
    TooLarge,
    /// The value has too many significant digits after the decimal point.
    TooPrecise,
}

impl AmountError {
    /// The rule the amount broke, phrased to follow the field, in a language of the catalogues.
    pub fn localized(&self, locale: &str) -> String {
        match self {
            AmountError::Empty => t!("schemas.amount.empty", locale = locale),
            AmountError::NotPlainDecimal => t!("schemas.amount.not_plain_decimal", locale = locale),
            AmountError::Negative => t!("schemas.amount.negative", locale = locale),
            AmountError::TooLarge => t!(
                "schemas.amount.too_large",
                locale = locale,
                max = AMOUNT_INTEGER_DIGITS_MAX
            ),
            AmountError::TooPrecise => t!(
                "schemas.amount.too_precise",
                locale = locale,
                max = AMOUNT_FRACTION_DIGITS_MAX
            ),
        }
        .into_owned()
    }
}

display_in_current_language!(AmountError);

/// Parses a non-negative amount written as plain decimal text, such as `1200`, `0.5` or `13.25`.
///
/// A leading minus sign is recognised only to report [`AmountError::Negative`]; `-0` is zero. The
/// result is normalized (no trailing zeros), so `1.50` and `1.5` give the same value and text.
pub fn parse_amount(text: &str) -> Result<Decimal, AmountError> {
    if text.is_empty() {
        return Err(AmountError::Empty);
    }
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (integer_part, fraction_part) = match unsigned.split_once('.') {
        Some((integer_part, fraction_part)) => (integer_part, fraction_part),
        None => (unsigned, ""),
    };
    let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if integer_part.is_empty()
        || !all_digits(integer_part)
        || !all_digits(fraction_part)
        || (unsigned.contains('.') && fraction_part.is_empty())
    {
        return Err(AmountError::NotPlainDecimal);
    }
    let integer_digits = integer_part.trim_start_matches('0');
    let fraction_digits = fraction_part.trim_end_matches('0');
    if integer_digits.len() > AMOUNT_INTEGER_DIGITS_MAX {
        return Err(AmountError::TooLarge);
    }
    if fraction_digits.len() > AMOUNT_FRACTION_DIGITS_MAX as usize {
        return Err(AmountError::TooPrecise);
    }
    // At most 12 + 4 digits: the mantissa fits an i64 with room to spare.
    let mut mantissa: i64 = 0;
    for byte in integer_digits.bytes().chain(fraction_digits.bytes()) {
        mantissa = mantissa * 10 + i64::from(byte - b'0');
    }
    if negative && mantissa != 0 {
        return Err(AmountError::Negative);
    }
    // The scale is at most AMOUNT_FRACTION_DIGITS_MAX, far below Decimal's maximum of 28.
    let scale = fraction_digits.len() as u32;
    Ok(Decimal::new(mantissa, scale).normalize())
}

/// Checks that a value built in code obeys the same bounds as a parsed amount.
pub fn check_amount(value: Decimal) -> Result<(), AmountError> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(AmountError::Negative);
    }
    let normalized = value.normalize();
    if normalized.scale() > AMOUNT_FRACTION_DIGITS_MAX {
        return Err(AmountError::TooPrecise);
    }
    if normalized.trunc() >= amount_integer_limit() {
        return Err(AmountError::TooLarge);
    }
    Ok(())
}

/// The smallest whole number with more than [`AMOUNT_INTEGER_DIGITS_MAX`] digits.
fn amount_integer_limit() -> Decimal {
    Decimal::from(10_i64.pow(AMOUNT_INTEGER_DIGITS_MAX as u32))
}

/// The canonical text of an amount, as stored in documents: normalized, with no exponent.
pub fn amount_text(value: Decimal) -> String {
    value.normalize().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_decimals_and_normalizes_them() {
        assert_eq!(parse_amount("1200").unwrap(), Decimal::new(1200, 0));
        assert_eq!(parse_amount("1.50").unwrap().to_string(), "1.5");
        assert_eq!(parse_amount("0.0001").unwrap(), Decimal::new(1, 4));
        assert_eq!(parse_amount("-0").unwrap().to_string(), "0");
        assert_eq!(parse_amount("000012.3000000").unwrap().to_string(), "12.3");
        assert_eq!(
            parse_amount("999999999999.9999").unwrap().to_string(),
            "999999999999.9999"
        );
    }

    #[test]
    fn refuses_everything_else_with_the_reason() {
        let cases = [
            ("", AmountError::Empty),
            ("-3", AmountError::Negative),
            ("1,200", AmountError::NotPlainDecimal),
            ("1e3", AmountError::NotPlainDecimal),
            ("+3", AmountError::NotPlainDecimal),
            (".5", AmountError::NotPlainDecimal),
            ("5.", AmountError::NotPlainDecimal),
            ("1.2.3", AmountError::NotPlainDecimal),
            ("12 kWh", AmountError::NotPlainDecimal),
            ("abc", AmountError::NotPlainDecimal),
            ("１２", AmountError::NotPlainDecimal),
            ("1000000000000", AmountError::TooLarge),
            ("0.00001", AmountError::TooPrecise),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_amount(text), Err(expected), "{text:?}");
        }
    }

    #[test]
    fn checks_values_built_in_code() {
        assert!(check_amount(Decimal::new(15, 1)).is_ok());
        assert!(check_amount(Decimal::new(150_000, 5)).is_ok());
        assert_eq!(
            check_amount(Decimal::new(-1, 0)),
            Err(AmountError::Negative)
        );
        assert_eq!(
            check_amount(Decimal::new(1, 5)),
            Err(AmountError::TooPrecise)
        );
        assert_eq!(check_amount(Decimal::MAX), Err(AmountError::TooLarge));
    }
}
