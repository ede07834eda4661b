//! JSON: the whole return, for other programs and for reading a return back.
//!
//! The file is the [`StatReturn`] as serde writes it, pretty-printed, with one more top-level field
//! first, `"format": "huizong-return/1"`, so a reader can tell a return from any other JSON and a
//! later layout can be told from this one. Decimals are written as JSON strings (`"1229.50"`, the
//! `serde-str` feature of `rust_decimal` the workspace enables): a JSON number would pass through
//! a binary float in most readers and lose digits, and the string keeps the value's scale.
//! Undefined values are `null`; periods and division codes are their usual text.
//!
//! [`read_return_json`] checks the format tag before anything else and then, as every writer does
//! before writing, that each row has one value per column.

use std::io::Write;

use serde::{Deserialize, Serialize};

use schemas::returns::StatReturn;

use super::{ExportError, check_shape, flush};

/// The format tag of the JSON this version writes and reads.
pub const RETURN_JSON_FORMAT: &str = "huizong-return/1";

/// A return as written: the tag first, then the return's own fields.
#[derive(Serialize)]
struct TaggedReturnOut<'a> {
    format: &'static str,
    #[serde(flatten)]
    ret: &'a StatReturn,
}

/// The tag alone, read before the return so that a file of another format is named as such rather
/// than reported as a missing field.
#[derive(Deserialize)]
struct FormatTag {
    format: Option<String>,
}

/// A return as read, tag included.
#[derive(Deserialize)]
struct TaggedReturnIn {
    #[serde(flatten)]
    ret: StatReturn,
}

/// Writes a return as pretty JSON tagged `huizong-return/1`, ending with a newline.
///
/// A return whose rows do not have one value per column is refused before anything is written.
pub fn write_return_json<W: Write>(ret: &StatReturn, mut out: W) -> Result<(), ExportError> {
    check_shape(ret)?;
    let tagged = TaggedReturnOut {
        format: RETURN_JSON_FORMAT,
        ret,
    };
    serde_json::to_writer_pretty(&mut out, &tagged)?;
    out.write_all(b"\n").map_err(ExportError::Write)?;
    flush(&mut out)
}

/// Reads a return written by [`write_return_json`], refusing other formats and malformed returns.
pub fn read_return_json(text: &str) -> Result<StatReturn, ExportError> {
    let FormatTag { format } = serde_json::from_str(text)?;
    if format.as_deref() != Some(RETURN_JSON_FORMAT) {
        return Err(ExportError::FormatTag {
            found: format,
            expected: RETURN_JSON_FORMAT,
        });
    }
    let TaggedReturnIn { ret } = serde_json::from_str(text)?;
    check_shape(&ret)?;
    Ok(ret)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixtures::sample_return;

    fn write(ret: &StatReturn) -> String {
        let mut bytes = Vec::new();
        write_return_json(ret, &mut bytes).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn round_trips_a_return() {
        let ret = sample_return();
        let text = write(&ret);
        assert_eq!(read_return_json(&text).unwrap(), ret);
    }

    #[test]
    fn writes_the_tag_first_and_decimals_as_strings() {
        let text = write(&sample_return());
        assert!(
            text.starts_with(
                "{\n  \"format\": \"huizong-return/1\",\n  \"node\": \"640000000000\","
            ),
            "{text}"
        );
        assert!(text.contains("\"1229.50\""), "the scale is kept: {text}");
        assert!(text.contains("\"period\": \"2025\""));
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn refuses_a_missing_or_other_format_tag() {
        let text = write(&sample_return());
        let other = text.replace("huizong-return/1", "huizong-return/2");
        let error = read_return_json(&other).unwrap_err();
        assert!(
            matches!(&error, ExportError::FormatTag { found: Some(tag), .. } if tag == "huizong-return/2"),
            "{error}"
        );
        assert_eq!(
            error.to_string(),
            "不是 huizong 报表：格式标记为“huizong-return/2”，应为“huizong-return/1”"
        );

        let untagged = serde_json::to_string(&sample_return()).unwrap();
        let error = read_return_json(&untagged).unwrap_err();
        assert!(
            matches!(error, ExportError::FormatTag { found: None, .. }),
            "{error}"
        );
    }

    #[test]
    fn refuses_json_that_is_not_an_object() {
        assert!(matches!(
            read_return_json("[1, 2]"),
            Err(ExportError::Json(_))
        ));
    }

    #[test]
    fn refuses_a_return_with_a_value_missing() {
        let text = write(&sample_return());
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
        value["sheets"][0]["rows"][0]["values"]
            .as_array_mut()
            .unwrap()
            .pop();
        let error = read_return_json(&value.to_string()).unwrap_err();
        assert!(matches!(error, ExportError::Shape { .. }), "{error}");
    }
}
