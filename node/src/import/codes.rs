//! Codes that Excel mangles when a column holds numbers: a division code loses its leading zeros
//! (or is written in its short county or township form), a long number is shown and written to CSV
//! in scientific notation, and an 18-digit credit code keeps only 15 significant digits. What can
//! be restored is; the rest is refused saying to format the column as text.
//!
//! Only codes of a fixed length can get their zeros back: a division code (12 digits, or its 6- or
//! 9-digit short form completed on the right, the choice made by the topology when there is one).
//! A credit code never starts with 0, so one that is all digits and invalid was stored as a number
//! and lost its last digits. Identifiers have no fixed length, so a number cell in an identifier
//! column is read as the number it shows.

use std::borrow::Cow;

use crate::t;
use schemas::records::CreditCode;
use topology::{DivisionCode, Topology};

use super::cells::CellProblem;

/// Digits of an administrative division code.
const DIVISION_CODE_DIGITS: usize = 12;

/// Lengths of the short forms of a division code (county, township) that stand for the 12-digit
/// code completed with zeros on the right.
const DIVISION_SHORT_FORM_DIGITS: [usize; 2] = [6, 9];

/// Characters of a unified social credit code.
const CREDIT_CODE_CHARACTERS: usize = 18;

/// Whether a cell is a number in scientific notation (`6.40104E+11`), as Excel shows a long number
/// in a narrow column and writes it so to CSV: its digits are lost.
fn is_scientific(text: &str) -> bool {
    let Some((mantissa, exponent)) = text.split_once(['E', 'e']) else {
        return false;
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    !mantissa.is_empty()
        && mantissa
            .bytes()
            .all(|byte| byte.is_ascii_digit() || byte == b'.')
        && !exponent.is_empty()
        && exponent.bytes().all(|byte| byte.is_ascii_digit())
}

/// A division code that Excel kept as a number (losing its leading zeros), or that was written in
/// its 6-digit county or 9-digit township form, completed to 12 digits when only one completion
/// fits (and, with a topology, names one of its nodes); refused saying to format the column as
/// text when none or several fit, or when the digits are lost.
pub fn fix_division<'a>(
    text: Cow<'a, str>,
    topology: Option<&Topology>,
) -> Result<Cow<'a, str>, CellProblem> {
    if is_scientific(&text) {
        return Err(code_scientific(&text));
    }
    let length = text.len();
    if length == 0
        || length >= DIVISION_CODE_DIGITS
        || !text.bytes().all(|byte| byte.is_ascii_digit())
    {
        return Ok(text);
    }
    let mut candidates = vec![format!("{text:0>DIVISION_CODE_DIGITS$}")];
    if DIVISION_SHORT_FORM_DIGITS.contains(&length) {
        candidates.push(format!("{text:0<DIVISION_CODE_DIGITS$}"));
    }
    if let Some(topology) = topology {
        candidates.retain(|candidate| {
            DivisionCode::parse(candidate)
                .ok()
                .is_some_and(|code| topology.node(code).is_some())
        });
    }
    match candidates.as_slice() {
        [only] => Ok(Cow::Owned(only.clone())),
        [] => Err(CellProblem {
            rule: "bad_value",
            message: t!(
                "import.cell.division_short",
                value = text,
                length = length,
                digits = DIVISION_CODE_DIGITS
            )
            .into_owned(),
        }),
        several => Err(CellProblem {
            rule: "ambiguous_code",
            message: t!(
                "import.cell.division_ambiguous",
                value = text,
                length = length,
                candidates = several.join(t!("cli.list_separator").as_ref()),
                digits = DIVISION_CODE_DIGITS
            )
            .into_owned(),
        }),
    }
}

/// A credit code that is all digits and yet not a valid code was most likely stored as a number
/// (Excel keeps 15 significant digits of the 18): say so, rather than only that it is invalid.
pub fn check_credit_code(text: Cow<'_, str>) -> Result<Cow<'_, str>, CellProblem> {
    if is_scientific(&text) {
        return Err(code_scientific(&text));
    }
    let all_digits = !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit());
    if all_digits && CreditCode::parse(&text).is_err() {
        return Err(CellProblem {
            rule: "bad_value",
            message: t!(
                "import.cell.credit_code_as_number",
                value = text,
                characters = CREDIT_CODE_CHARACTERS
            )
            .into_owned(),
        });
    }
    Ok(text)
}

/// A code shown in scientific notation.
fn code_scientific(text: &str) -> CellProblem {
    CellProblem {
        rule: "code_as_number",
        message: t!("import.cell.code_scientific", value = text).into_owned(),
    }
}
