//! Turning the findings of the ledger checks that span records into an import error that names the
//! file rows at fault.

use schemas::returns::Finding;

use super::{ImportError, ParsedImport, Source};

/// Most findings listed in one error; the rest are counted.
const FINDINGS_LISTED_MAX: usize = 10;

/// An error listing the findings that refuse an import, each at the sheet and row of its record
/// when the record is in the file (else naming the record already in the ledger).
pub fn findings_error(parsed: &[ParsedImport], findings: &[Finding]) -> ImportError {
    let source = parsed
        .first()
        .map(|first| Source {
            sheet: None,
            ..first.source.clone()
        })
        .expect("an import parses at least one table");
    let mut lines = Vec::new();
    for finding in findings.iter().take(FINDINGS_LISTED_MAX) {
        let row = parsed
            .iter()
            .filter(|sheet| finding.table == sheet.table.slug())
            .find_map(|sheet| {
                sheet
                    .records
                    .iter()
                    .position(|record| record.id() == finding.record_id)
                    .map(|index| (sheet, sheet.lines[index]))
            });
        let place = match row {
            Some((sheet, line)) => {
                let unit = match sheet.source.layout {
                    super::Layout::Csv => "line",
                    super::Layout::Sheet => "row",
                };
                match &sheet.source.sheet {
                    Some(name) => format!("sheet {name:?} {unit} {line}"),
                    None => format!("{unit} {line}"),
                }
            }
            None => format!("{} {} in the ledger", finding.table, finding.record_id),
        };
        lines.push(format!("{place}, {}: {}", finding.field, finding.message));
    }
    if findings.len() > FINDINGS_LISTED_MAX {
        lines.push(format!("and {} more", findings.len() - FINDINGS_LISTED_MAX));
    }
    source.error(
        None,
        None,
        format!(
            "the records break rules of the ledger:\n  {}",
            lines.join("\n  ")
        ),
    )
}
