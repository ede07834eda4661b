//! JSON, two ways: one tidy list of observations for analysis, and the whole return with its
//! sheets for other programs and for reading a return back.
//!
//! [`write_observations_json`] (`--format json`) writes an array of flat objects, one per value,
//! that `pandas.read_json(path)` loads as is into one row per observation: `ledger`, `ref_area`
//! (a division code), `period`, `coverage` (`_T`, or `OWN` for the node's own level), `indicator`
//! and `indicator_zh`, one key per breakdown dimension of the return in lower case (`carrier`,
//! `inst_type` …: the row's code, `_T` for a totals row, `null` where the breakdown does not
//! apply), `row_label_zh`, `unit`, `value` (a JSON number, `null` when undefined), `provisional`
//! and `sheet`. The observations are the SDMX-CSV file's ([`super::sdmx::observations`]), so the
//! two agree line for line. A JSON number is a binary double in most readers: every figure of a
//! return has at most 15 significant digits and reads back the same. Codes are strings; pandas
//! infers numbers from strings of digits, so read with `dtype=False` (or `dtype={"inst_type":
//! str}`) to keep leading zeros such as institution type `01`.
//!
//! [`write_return_json`] (`--format json-sheets`) writes the [`StatReturn`] as serde writes it,
//! pretty-printed, with one more top-level field first, `"format": "huizong-return/1"`, so a
//! reader can tell a return from any other JSON and a later layout can be told from this one.
//! Decimals are written as JSON strings (`"1229.50"`, the `serde-str` feature of `rust_decimal`
//! the workspace enables), which keeps the value's scale. Undefined values are `null`; periods and
//! division codes are their usual text. [`read_return_json`] checks the format tag before
//! anything else and then, as every writer does before writing, that each row has one value per
//! column.

use std::io::Write;

use serde::{Deserialize, Serialize};

use schemas::returns::StatReturn;

use super::sdmx::{breakdown_dimensions, observations};
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

/// Writes a return as one JSON array of observations (see the module doc), ending with a newline.
///
/// A return whose rows do not have one value per column is refused before anything is written.
pub fn write_observations_json<W: Write>(ret: &StatReturn, mut out: W) -> Result<(), ExportError> {
    check_shape(ret)?;
    let breakdowns = breakdown_dimensions(ret);
    let ledger = ret.ledger.slug();
    let period = ret.period.to_string();
    let list: Vec<serde_json::Value> = observations(ret)
        .into_iter()
        .map(|observation| {
            let mut object = serde_json::Map::new();
            let mut put = |key: &str, value: serde_json::Value| {
                object.insert(key.to_owned(), value);
            };
            put("ledger", ledger.into());
            put("ref_area", observation.ref_area.clone().into());
            put("period", period.clone().into());
            put("coverage", observation.coverage.into());
            put("indicator", observation.indicator.into());
            put("indicator_zh", observation.indicator_zh.into());
            for dimension in &breakdowns {
                let code = match observation.breakdown {
                    Some((id, code)) if id == *dimension => code.into(),
                    _ => serde_json::Value::Null,
                };
                put(&dimension.to_lowercase(), code);
            }
            put("row_label_zh", observation.row_label_zh.into());
            put("unit", observation.unit.into());
            put("value", json_number(observation.value));
            put("provisional", ret.provisional.into());
            put("sheet", observation.sheet.id.as_str().into());
            serde_json::Value::Object(object)
        })
        .collect();
    serde_json::to_writer_pretty(&mut out, &list)?;
    out.write_all(b"\n").map_err(ExportError::Write)?;
    flush(&mut out)
}

/// A value as a JSON number (the nearest double, through its text), or `null`.
fn json_number(value: Option<schemas::Decimal>) -> serde_json::Value {
    value
        .and_then(|value| super::plain_decimal(value).parse::<f64>().ok())
        .and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
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
    fn writes_one_flat_object_per_observation_with_numbers() {
        let mut ret = sample_return();
        ret.sheets[0].columns[1].unit = "carrier unit".to_owned();
        let mut bytes = Vec::new();
        write_observations_json(&ret, &mut bytes).unwrap();
        let list: Vec<serde_json::Value> = serde_json::from_slice(&bytes).unwrap();
        // 2 × 3 on the carrier sheet, 3 on the child sheet, 2 indicators.
        assert_eq!(list.len(), 11);
        assert_eq!(
            list[0],
            serde_json::json!({
                "ledger": "energy",
                "ref_area": "640000000000",
                "period": "2025",
                "coverage": "_T",
                "indicator": "STANDARD_COAL_TCE",
                "indicator_zh": "标准煤（吨）",
                "carrier": "electricity",
                "row_label_zh": "电力",
                "unit": "tce",
                "value": 1229.5,
                "provisional": false,
                "sheet": "by_carrier",
            })
        );
        assert_eq!(list[3]["value"], serde_json::Value::Null);
        // A quantity in the carrier's unit is in the row's carrier's unit; a total has none.
        assert_eq!(list[1]["unit"], "kWh");
        assert_eq!(list[3]["unit"], "m3");
        assert_eq!(list[5]["unit"], "carrier unit");
        assert_eq!(list[6]["carrier"], serde_json::Value::Null);
        assert_eq!(list[6]["coverage"], "OWN");
        // Every object has the same keys, so each becomes one row of a table.
        assert!(
            list.iter()
                .all(|object| object.as_object().unwrap().len() == 12)
        );
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
