//! Placing the findings of the ledger's rules that span records, which the core returns when it
//! refuses an import, at the sheet, row and column of each record in the file; a finding about a
//! record already in the ledger (not in the file) names that record. They are listed in the file's
//! order, those about records of the ledger last.

use std::collections::HashMap;

use rust_i18n::t;
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
