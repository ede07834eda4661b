//! SDMX-CSV 2.0: a return as observations for statistical exchange.
//!
//! Every value of the return becomes one line: the dataflow it belongs to (`HUIZONG:DF_ENERGY(1.0)`
//! for the energy ledger), the action `M` (merge, so a receiver updates what it holds rather than
//! replacing the dataflow), the dimensions `REF_AREA, FREQ, TIME_PERIOD, INDICATOR, BREAKDOWN,
//! BREAKDOWN_VALUE`, the value, and the attributes `UNIT_MEASURE` and `SHEET` (the sheet the value
//! comes from). A sheet's rows decide the dimensions:
//!
//! | rows are | `REF_AREA` | `INDICATOR` | `BREAKDOWN` | `BREAKDOWN_VALUE` | `UNIT_MEASURE` |
//! |---|---|---|---|---|---|
//! | breakdown `id` | the node | column's | `id` | row key | column's |
//! | child nodes | row key | column's | `CHILD` | `_Z` | column's |
//! | indicators | the node | row key | `_Z` | `_Z` | row's |
//!
//! A totals row is written last, with `BREAKDOWN_VALUE` `_T`, and on a child-node sheet with the
//! node itself as `REF_AREA` (the node's own-level row, keyed by the same code, keeps `_Z`).
//!
//! An indicator sheet writes only its first column, the indicator's value (its other columns are
//! the numerator and denominator the value was computed from, which have no indicator code of their
//! own), and no totals row, since indicators in different units do not add up. `_T` (total) and
//! `_Z` (not applicable) are SDMX's cross-domain codes.
//!
//! Lines come in a stable order: sheets in order, within a sheet rows in order and the totals last,
//! within a row columns in order. An undefined value is written `NaN`, a number in plain notation.
//! The file is UTF-8 without a byte order mark, with `\n` line ends, quoted only where a field
//! needs it; its media type is [`SDMX_CSV_MEDIA_TYPE`].

use std::io::Write;

use schemas::Decimal;
use schemas::Period;
use schemas::returns::{ReturnColumn, ReturnRow, ReturnSheet, RowDimension, StatReturn};

use super::{ExportError, TOTAL_CODE, check_shape, plain_decimal};

/// The row key of the node's own level in a by-child sheet (see `schemas::returns::child_rows`).
const OWN_LEVEL_KEY: &str = "_own";

/// The breakdown value of the node's own level (本级) in a by-child sheet.
const OWN_LEVEL_CODE: &str = "OWN";

/// The media type of SDMX-CSV 2.0, for HTTP responses and mail attachments.
pub const SDMX_CSV_MEDIA_TYPE: &str = "application/vnd.sdmx.data+csv; version=2.0.0";

/// The maintenance agency of huizong's dataflows.
pub const SDMX_AGENCY: &str = "HUIZONG";

/// The version of huizong's dataflow definitions; raised when a dimension is added or changes.
pub const SDMX_DATAFLOW_VERSION: &str = "1.0";

/// The header line: the SDMX-CSV 2.0 fixed columns, the dimensions in the structure's order, the
/// value and the attributes.
pub const SDMX_HEADER: [&str; 12] = [
    "STRUCTURE",
    "STRUCTURE_ID",
    "ACTION",
    "REF_AREA",
    "FREQ",
    "TIME_PERIOD",
    "INDICATOR",
    "BREAKDOWN",
    "BREAKDOWN_VALUE",
    "OBS_VALUE",
    "UNIT_MEASURE",
    "SHEET",
];

/// The kind of structure every line refers to.
const STRUCTURE_DATAFLOW: &str = "dataflow";

/// The action: merge, so that a receiver adds or updates these observations and keeps the rest.
const ACTION_MERGE: &str = "M";

/// SDMX's code for "not applicable", for a dimension that does not apply to an observation.
const NOT_APPLICABLE_CODE: &str = "_Z";

/// The `BREAKDOWN` of a sheet whose rows are child nodes.
const CHILD_BREAKDOWN: &str = "CHILD";

/// How SDMX-CSV writes a missing value.
const MISSING_VALUE: &str = "NaN";

/// Writes a return as SDMX-CSV 2.0 (see the module doc for the layout).
///
/// A return whose rows do not have one value per column is refused before anything is written.
pub fn write_sdmx_csv<W: Write>(ret: &StatReturn, out: W) -> Result<(), ExportError> {
    check_shape(ret)?;
    let structure_id = structure_id(ret);
    let node = ret.node.to_string();
    let time_period = ret.period.to_string();
    let frequency = frequency(ret.period);
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(out);
    writer.write_record(SDMX_HEADER)?;
    for sheet in &ret.sheets {
        for observation in observations(sheet, &node) {
            let value = observation
                .value
                .map_or_else(|| MISSING_VALUE.to_owned(), plain_decimal);
            writer.write_record([
                STRUCTURE_DATAFLOW,
                &structure_id,
                ACTION_MERGE,
                observation.ref_area,
                frequency,
                &time_period,
                observation.indicator,
                observation.breakdown,
                observation.breakdown_value,
                &value,
                observation.unit,
                &sheet.id,
            ])?;
        }
    }
    // Flushes the CSV buffer, then `out`; dropping the writer instead would hide a failure.
    writer
        .into_inner()
        .map_err(|error| ExportError::Write(error.into_error()))?;
    Ok(())
}

/// The dataflow of a return's ledger, such as `HUIZONG:DF_ENERGY(1.0)`.
fn structure_id(ret: &StatReturn) -> String {
    format!(
        "{SDMX_AGENCY}:DF_{}({SDMX_DATAFLOW_VERSION})",
        ret.ledger.slug().to_uppercase()
    )
}

/// SDMX's frequency code of a period: annual, quarterly or monthly. The period's text (`2025`,
/// `2025-Q1`, `2025-03`) is already SDMX's `TIME_PERIOD` form.
fn frequency(period: Period) -> &'static str {
    match period {
        Period::Year(_) => "A",
        Period::Quarter(..) => "Q",
        Period::Month(..) => "M",
    }
}

/// One line of the file, the parts that vary from value to value.
struct Observation<'a> {
    ref_area: &'a str,
    indicator: &'a str,
    breakdown: &'a str,
    breakdown_value: &'a str,
    value: Option<Decimal>,
    unit: &'a str,
}

/// The observations of one sheet, in file order; `node` is the node's division code.
fn observations<'a>(sheet: &'a ReturnSheet, node: &'a str) -> Vec<Observation<'a>> {
    let mut observations = Vec::new();
    match &sheet.rows_are {
        RowDimension::Indicator => {
            let Some(value_column) = sheet.columns.first() else {
                return observations;
            };
            for row in &sheet.rows {
                observations.push(Observation {
                    ref_area: node,
                    indicator: &row.key,
                    breakdown: NOT_APPLICABLE_CODE,
                    breakdown_value: NOT_APPLICABLE_CODE,
                    value: row.values.first().copied().flatten(),
                    // An indicator row always carries its unit; the column's is a fallback only.
                    unit: row.unit.as_deref().unwrap_or(&value_column.unit),
                });
            }
        }
        RowDimension::RefArea => {
            for row in &sheet.rows {
                // The node's own level (本级) is the node's area without its children: its own
                // code, told apart from the totals by the breakdown value.
                let own_level = row.key == OWN_LEVEL_KEY;
                let place = Place {
                    ref_area: if own_level { node } else { &row.key },
                    breakdown: CHILD_BREAKDOWN,
                    breakdown_value: if own_level {
                        OWN_LEVEL_CODE
                    } else {
                        NOT_APPLICABLE_CODE
                    },
                };
                place.push_row(&sheet.columns, &row.values, &mut observations);
            }
            if let Some(totals) = &sheet.totals {
                let place = Place {
                    ref_area: node,
                    breakdown: CHILD_BREAKDOWN,
                    breakdown_value: TOTAL_CODE,
                };
                place.push_row(&sheet.columns, totals, &mut observations);
            }
        }
        RowDimension::Breakdown { id } => {
            for ReturnRow { key, values, .. } in &sheet.rows {
                let place = Place {
                    ref_area: node,
                    breakdown: id,
                    breakdown_value: key,
                };
                place.push_row(&sheet.columns, values, &mut observations);
            }
            if let Some(totals) = &sheet.totals {
                let place = Place {
                    ref_area: node,
                    breakdown: id,
                    breakdown_value: TOTAL_CODE,
                };
                place.push_row(&sheet.columns, totals, &mut observations);
            }
        }
    }
    observations
}

/// Where a row of a breakdown or child-node sheet lies; its columns give the indicators.
struct Place<'a> {
    ref_area: &'a str,
    breakdown: &'a str,
    breakdown_value: &'a str,
}

impl<'a> Place<'a> {
    /// Adds one observation per column of a row.
    fn push_row(
        &self,
        columns: &'a [ReturnColumn],
        values: &[Option<Decimal>],
        observations: &mut Vec<Observation<'a>>,
    ) {
        for (column, value) in columns.iter().zip(values) {
            observations.push(Observation {
                ref_area: self.ref_area,
                indicator: &column.indicator,
                breakdown: self.breakdown,
                breakdown_value: self.breakdown_value,
                value: *value,
                unit: &column.unit,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixtures::sample_return;

    fn write(ret: &StatReturn) -> String {
        let mut bytes = Vec::new();
        write_sdmx_csv(ret, &mut bytes).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn writes_one_observation_per_value_in_a_stable_order() {
        let text = write(&sample_return());
        let expected = [
            "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,FREQ,TIME_PERIOD,INDICATOR,BREAKDOWN,BREAKDOWN_VALUE,OBS_VALUE,UNIT_MEASURE,SHEET",
            "dataflow,HUIZONG:DF_ENERGY(1.0),M,640000000000,A,2025,STANDARD_COAL_TCE,CARRIER,electricity,1229.5,tce,by_carrier",
            "dataflow,HUIZONG:DF_ENERGY(1.0),M,640000000000,A,2025,COST_YUAN,CARRIER,electricity,860000,yuan,by_carrier",
            "dataflow,HUIZONG:DF_ENERGY(1.0),M,640000000000,A,2025,STANDARD_COAL_TCE,CARRIER,natural_gas,121.43,tce,by_carrier",
            "dataflow,HUIZONG:DF_ENERGY(1.0),M,640000000000,A,2025,COST_YUAN,CARRIER,natural_gas,NaN,yuan,by_carrier",
            "dataflow,HUIZONG:DF_ENERGY(1.0),M,640000000000,A,2025,STANDARD_COAL_TCE,CARRIER,_T,1350.93,tce,by_carrier",
            "dataflow,HUIZONG:DF_ENERGY(1.0),M,640000000000,A,2025,COST_YUAN,CARRIER,_T,860000,yuan,by_carrier",
            "dataflow,HUIZONG:DF_ENERGY(1.0),M,640000000000,A,2025,STANDARD_COAL_TCE,CHILD,_Z,10,tce,by_child",
            "dataflow,HUIZONG:DF_ENERGY(1.0),M,640100000000,A,2025,STANDARD_COAL_TCE,CHILD,_Z,20,tce,by_child",
            "dataflow,HUIZONG:DF_ENERGY(1.0),M,640000000000,A,2025,STANDARD_COAL_TCE,CHILD,_T,30,tce,by_child",
            "dataflow,HUIZONG:DF_ENERGY(1.0),M,640000000000,A,2025,ENERGY_PER_FLOOR_AREA_KGCE_M2,_Z,_Z,12.49,kgce/m2,indicators",
            "dataflow,HUIZONG:DF_ENERGY(1.0),M,640000000000,A,2025,WATER_PER_PERSON_M3,_Z,_Z,NaN,m3/person,indicators",
        ];
        let lines: Vec<&str> = text.split_terminator('\n').collect();
        for (index, (line, expected)) in lines.iter().zip(expected).enumerate() {
            assert_eq!(*line, expected, "line {}", index + 1);
        }
        assert_eq!(lines.len(), expected.len());
        assert!(text.ends_with('\n') && !text.contains('\r'));
        assert!(!text.starts_with('\u{feff}'), "no byte order mark");
    }

    #[test]
    fn names_the_frequency_and_time_period_of_every_period_form() {
        for (period, frequency, time_period) in [
            (Period::Year(2025), "A", "2025"),
            (Period::Quarter(2025, 1), "Q", "2025-Q1"),
            (Period::Month(2025, 3), "M", "2025-03"),
        ] {
            let mut ret = sample_return();
            ret.period = period;
            let text = write(&ret);
            let fields: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
            assert_eq!((fields[4], fields[5]), (frequency, time_period), "{period}");
        }
    }

    #[test]
    fn writes_no_totals_for_indicators() {
        let mut ret = sample_return();
        let n_lines = write(&ret).lines().count();
        ret.sheets[2].totals = Some(vec![None, None, None]);
        assert_eq!(write(&ret).lines().count(), n_lines);
    }

    #[test]
    fn names_the_dataflow_of_each_ledger() {
        let mut ret = sample_return();
        ret.ledger = schemas::Ledger::OfficeSpace;
        assert_eq!(structure_id(&ret), "HUIZONG:DF_OFFICE_SPACE(1.0)");
    }

    #[test]
    fn quotes_fields_that_need_it() {
        let mut ret = sample_return();
        ret.sheets[0].rows[0].key = "gas, \"bottled\"".to_owned();
        let text = write(&ret);
        let line = text.lines().nth(1).unwrap();
        assert!(
            line.contains(",CARRIER,\"gas, \"\"bottled\"\"\",1229.5,"),
            "{line}"
        );
    }

    #[test]
    fn refuses_a_malformed_return_without_writing() {
        let mut ret = sample_return();
        ret.sheets[2].rows[0].values.clear();
        let mut bytes = Vec::new();
        let result = write_sdmx_csv(&ret, &mut bytes);
        assert!(matches!(result, Err(ExportError::Shape { .. })));
        assert!(bytes.is_empty());
    }
}
