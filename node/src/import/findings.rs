//! Placing the findings of the ledger's rules that span records, which the core returns when it
//! refuses an import, at the sheet, row and column of each record in the file; a finding about a
//! record already in the ledger (not in the file) names that record. They are listed in the file's
//! order, those about records of the ledger last.

use std::collections::HashMap;

use crate::t;
use schemas::returns::Finding;

use super::problems::ProblemList;
use super::{At, ImportError, ParsedImport, Source};

/// The error refusing a parsed file for the findings of the core's checks, each placed at its row.
pub fn findings_problems(parsed: &[ParsedImport], findings: &[Finding]) -> ImportError {
    let file = parsed
        .first()
        .map_or_else(String::new, |first| first.source.file.clone());
    let mut rows: HashMap<(&str, String), (&ParsedImport, usize)> = HashMap::new();
    for sheet in parsed {
        for (index, record) in sheet.records.iter().enumerate() {
            rows.entry((sheet.table.slug(), record.id()))
                .or_insert((sheet, index));
        }
    }
    let mut problems = ProblemList::default();
    for finding in findings {
        let placed = match rows.get(&(finding.table.as_str(), finding.record_id.clone())) {
            Some((sheet, index)) => {
                let line = sheet.lines[*index];
                let column = sheet
                    .table
                    .spec()
                    .index_of(&finding.field)
                    .and_then(|spec_index| sheet.spec_columns.get(spec_index).copied().flatten());
                let at = match column {
                    Some(column) => At::cell(
                        line,
                        column,
                        sheet.headers.get(column).map_or("", String::as_str),
                        Some(&finding.field),
                    ),
                    None => At {
                        field: Some(&finding.field),
                        ..At::row(line)
                    },
                };
                // After every problem of the file itself: the findings come from the checks run
                // once the file has none.
                sheet
                    .source
                    .problem(at, &finding.rule, finding.message.clone())
            }
            None => {
                let source = Source {
                    sheet: None,
                    // Past every sheet of the file.
                    order: usize::MAX,
                    ..Source::csv(&file)
                };
                let at = At {
                    field: Some(&finding.field),
                    ..At::whole()
                };
                source.problem(
                    at,
                    &finding.rule,
                    t!(
                        "import.finding.in_ledger",
                        table = finding.table,
                        id = finding.record_id,
                        message = finding.message
                    ),
                )
            }
        };
        problems.push(placed.0, placed.1);
    }
    problems.into_error(&file)
}

#[cfg(test)]
mod tests {
    use schemas::returns::Severity;
    use schemas::{Ledger, Period};
    use topology::DivisionCode;

    use super::*;
    use crate::import::{ImportTarget, Progress, parse_csv};

    fn finding(record_id: &str, field: &str, rule: &str) -> Finding {
        Finding {
            severity: Severity::Error,
            owner: DivisionCode::parse("640104000000").expect("a code"),
            table: "vehicle_costs".to_owned(),
            record_id: record_id.to_owned(),
            field: field.to_owned(),
            rule: rule.to_owned(),
            message: format!("{rule} of {record_id}"),
        }
    }

    #[test]
    fn findings_are_placed_at_their_rows_in_file_order_and_ledger_records_last() {
        let csv = "号牌号码,月份,行驶里程（公里）,月末里程表读数（公里）\n\
                   宁A12345,2025-01,100,1000\n\
                   宁A12345,2025-02,100,900\n\
                   宁A12345,2025-03,100,1000\n";
        let target = ImportTarget {
            ledger: Ledger::Vehicles,
            period: Period::parse("2025").expect("a period"),
            table: None,
            topology: None,
            allow_empty: false,
        };
        let parsed =
            parse_csv("costs.csv", csv.as_bytes(), &target, &Progress::hidden()).expect("parsed");
        assert_eq!(parsed.table.slug(), "vehicle_costs");
        let id_of = |line: usize| parsed.records[line].id();
        let findings = [
            finding("宁A00000/2025-01", "odometer_km", "odometer_backwards"),
            finding(&id_of(2), "odometer_km", "odometer_backwards"),
            finding(&id_of(1), "odometer_km", "odometer_backwards"),
        ];
        let error = findings_problems(std::slice::from_ref(&parsed), &findings);
        let places: Vec<(Option<u64>, Option<&str>, Option<&str>)> = error
            .problems
            .problems
            .iter()
            .map(|problem| {
                (
                    problem.row,
                    problem.column.as_deref(),
                    problem.field.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            places,
            [
                (Some(3), Some("4"), Some("odometer_km")),
                (Some(4), Some("4"), Some("odometer_km")),
                (None, None, Some("odometer_km")),
            ]
        );
        assert_eq!(error.problems.problems[0].rule, "odometer_backwards");
        assert_eq!(
            error.problems.problems[0].header.as_deref(),
            Some("月末里程表读数（公里）")
        );
        assert!(
            error.problems.problems[2]
                .message
                .contains("宁A00000/2025-01")
        );
    }
}
