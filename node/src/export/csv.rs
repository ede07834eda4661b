//! CSV: a return as one tidy long table, for spreadsheets and scripts.
//!
//! One line per value: which return it belongs to (`node, period, ledger`), where it sits (`sheet,
//! sheet_zh, row_key, row_label_zh`), what it measures (`indicator, header_zh, unit`) and the
//! `value`. A pivot table or a `groupby` rebuilds any sheet of the return from it. Sheets come in
//! order, within a sheet rows in order and then the totals row (`row_key` `_T`, `row_label_zh`
//! 合计), within a row columns in order. On an indicator sheet the first column holds the
//! indicator's value, so its `unit` is the row's own unit; the other columns keep the column's.
//!
//! An undefined value is left empty, a number is written in plain notation. The file is UTF-8
//! **with a byte order mark**, which Excel needs to read the Chinese labels as UTF-8 rather than
//! the local code page; scripts should read it as `utf-8-sig` (Python) or strip the mark. Line
//! ends are `\n` and fields are quoted only where needed.

use std::io::Write;

use schemas::returns::{RowDimension, StatReturn};

use super::{ExportError, TOTAL_CODE, check_shape, plain_decimal};

/// The header line.
pub const CSV_HEADER: [&str; 11] = [
    "node",
    "period",
    "ledger",
    "sheet",
    "sheet_zh",
    "row_key",
    "row_label_zh",
    "indicator",
    "header_zh",
    "unit",
    "value",
];

/// The UTF-8 byte order mark the file starts with, so that Excel reads it as UTF-8.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The label of a totals row.
const TOTAL_LABEL_ZH: &str = "合计";

/// Writes a return as a tidy long CSV table (see the module doc for the layout).
///
/// A return whose rows do not have one value per column is refused before anything is written.
pub fn write_return_csv<W: Write>(ret: &StatReturn, mut out: W) -> Result<(), ExportError> {
    check_shape(ret)?;
    out.write_all(UTF8_BOM).map_err(ExportError::Write)?;
    let node = ret.node.to_string();
    let period = ret.period.to_string();
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(out);
    writer.write_record(CSV_HEADER)?;
    for sheet in &ret.sheets {
        let rows = sheet.rows.iter().map(|row| {
            let value_unit = match sheet.rows_are {
                RowDimension::Indicator => row.unit.as_deref(),
                RowDimension::RefArea | RowDimension::Breakdown { .. } => None,
            };
            (
                row.key.as_str(),
                row.label_zh.as_str(),
                &row.values,
                value_unit,
            )
        });
        let totals = sheet
            .totals
            .iter()
            .map(|totals| (TOTAL_CODE, TOTAL_LABEL_ZH, totals, None));
        for (row_key, row_label_zh, values, value_unit) in rows.chain(totals) {
            for (index, (column, value)) in sheet.columns.iter().zip(values).enumerate() {
                let unit = match value_unit {
                    Some(unit) if index == 0 => unit,
                    _ => &column.unit,
                };
                let value = value.map(plain_decimal).unwrap_or_default();
                writer.write_record([
                    node.as_str(),
                    &period,
                    ret.ledger.slug(),
                    &sheet.id,
                    &sheet.name_zh,
                    row_key,
                    row_label_zh,
                    &column.indicator,
                    &column.header_zh,
                    unit,
                    &value,
                ])?;
            }
        }
    }
    // Flushes the CSV buffer, then `out`; dropping the writer instead would hide a failure.
    writer
        .into_inner()
        .map_err(|error| ExportError::Write(error.into_error()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixtures::sample_return;

    fn write(ret: &StatReturn) -> String {
        let mut bytes = Vec::new();
        write_return_csv(ret, &mut bytes).unwrap();
        let text = bytes
            .strip_prefix(UTF8_BOM)
            .expect("the file starts with a byte order mark");
        String::from_utf8(text.to_vec()).unwrap()
    }

    #[test]
    fn writes_a_header_and_one_line_per_value() {
        let text = write(&sample_return());
        let lines: Vec<&str> = text.split_terminator('\n').collect();
        assert_eq!(
            lines[0],
            "node,period,ledger,sheet,sheet_zh,row_key,row_label_zh,indicator,header_zh,unit,value"
        );
        assert_eq!(
            lines[1],
            "640000000000,2025,energy,by_carrier,按能源品种,electricity,电力,STANDARD_COAL_TCE,标准煤（吨）,tce,1229.5"
        );
        // 2 × 2 + 2 totals on the carrier sheet, 2 + 1 totals on the child sheet, 2 × 3 indicators.
        assert_eq!(lines.len(), 1 + 6 + 3 + 6);
        assert!(text.ends_with('\n') && !text.contains('\r'));
    }

    #[test]
    fn quotes_labels_and_leaves_undefined_values_empty() {
        let text = write(&sample_return());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[4],
            "640000000000,2025,energy,by_carrier,按能源品种,natural_gas,\"天然气, 管道\",COST_YUAN,费用（元）,yuan,"
        );
    }

    #[test]
    fn writes_totals_as_a_row_keyed_t() {
        let text = write(&sample_return());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[6],
            "640000000000,2025,energy,by_carrier,按能源品种,_T,合计,COST_YUAN,费用（元）,yuan,860000"
        );
        assert_eq!(
            lines[9],
            "640000000000,2025,energy,by_child,按下级单位,_T,合计,STANDARD_COAL_TCE,标准煤（吨）,tce,30"
        );
    }

    #[test]
    fn gives_an_indicator_value_the_row_unit() {
        let text = write(&sample_return());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[10],
            "640000000000,2025,energy,indicators,主要指标,ENERGY_PER_FLOOR_AREA_KGCE_M2,单位建筑面积能耗,VALUE,数值,kgce/m2,12.49"
        );
        assert_eq!(
            lines[11],
            "640000000000,2025,energy,indicators,主要指标,ENERGY_PER_FLOOR_AREA_KGCE_M2,单位建筑面积能耗,NUMERATOR,分子,,1249"
        );
        assert_eq!(
            lines[13],
            "640000000000,2025,energy,indicators,主要指标,WATER_PER_PERSON_M3,人均用水量,VALUE,数值,m3/person,"
        );
    }

    #[test]
    fn reads_back_with_the_csv_crate() {
        let mut bytes = Vec::new();
        write_return_csv(&sample_return(), &mut bytes).unwrap();
        let mut reader = ::csv::Reader::from_reader(bytes.strip_prefix(UTF8_BOM).unwrap());
        let records: Vec<::csv::StringRecord> = reader.records().collect::<Result<_, _>>().unwrap();
        assert_eq!(records.len(), 15);
        assert!(
            records
                .iter()
                .all(|record| record.len() == CSV_HEADER.len())
        );
        assert_eq!(&records[3][6], "天然气, 管道");
    }
}
