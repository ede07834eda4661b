//! Matching a file's header row to a table of the ledger with every header problem reported at
//! once: each header that names no column, each column given twice, each required column missing.
//!
//! The matching itself is the schema's ([`resolve_headers`]): it stops at the first problem, so a
//! refused header is blanked (and a missing column added past the file's last) and the headers are
//! matched again, until they match; what is left is the mapping of the file's columns to the
//! table's, with the columns whose headers were refused marked so that their cells are not read.

use crate::t;
use schemas::columns::{HeaderError, columns, resolve_headers};
use schemas::table::{Table, tables_of};
use unicode_normalization::UnicodeNormalization;

use super::problems::ProblemList;
use super::{At, ImportTarget, Source};

/// A file's header row matched to a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    pub table: Table,
    /// For each column of the file, the index of the table's column it holds; `None` for a blank
    /// header or a refused one.
    pub column_specs: Vec<Option<usize>>,
    /// For each column of the table, the file's column holding it, if any.
    pub spec_columns: Vec<Option<usize>>,
    /// For each column of the file, whether its header was refused (its cells are not read).
    pub refused: Vec<bool>,
}

/// Headers as matched: NFKC (full-width letters and parentheses become ASCII, which the schema
/// matches), so a header typed with a Chinese input method matches as the template's.
pub fn matching_texts(header: &[String]) -> Vec<String> {
    header
        .iter()
        .map(|text| {
            if text.is_ascii() {
                text.clone()
            } else {
                text.nfkc().collect()
            }
        })
        .collect()
}

/// Whether a header row fits the target's table (or some table of the ledger), with no problem.
pub fn fits(target: &ImportTarget<'_>, header: &[String]) -> bool {
    let texts = matching_texts(header);
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    resolve_headers(target.ledger, target.table, &texts).is_ok()
}

/// The header problems of one table, found by matching again after each.
struct Attempt {
    columns: Columns,
    problems: Vec<(At<'static>, &'static str, String)>,
    /// The required columns missing, as (field, Chinese header).
    missing: Vec<(&'static str, &'static str)>,
}

/// The mapping of a header row (row 1) to the target's table, or to the one table of the ledger
/// whose required columns are all present; its problems are added to `problems`, and `None`
/// returned when no table can be chosen.
pub fn resolve(
    source: &Source,
    target: &ImportTarget<'_>,
    header: &[String],
    problems: &mut ProblemList,
) -> Option<Columns> {
    let texts = matching_texts(header);
    let attempt = match target.table {
        Some(table) if table.ledger() != target.ledger => {
            let (order, problem) = source.problem(
                At::row(1),
                "table_not_in_ledger",
                t!(
                    "import.header.table_not_in_ledger",
                    table = table.name_zh(),
                    ledger = ledger_name(target.ledger)
                ),
            );
            problems.push(order, problem);
            return None;
        }
        Some(table) => attempt(source, target, table, header, &texts),
        None => {
            let attempts: Vec<Attempt> = tables_of(target.ledger)
                .iter()
                .map(|table| attempt(source, target, *table, header, &texts))
                .collect();
            let fitting: Vec<&Attempt> = attempts
                .iter()
                .filter(|attempt| attempt.missing.is_empty())
                .collect();
            match fitting.as_slice() {
                [_] => attempts
                    .into_iter()
                    .find(|attempt| attempt.missing.is_empty())
                    .expect("one attempt fits"),
                [] => {
                    let parts: Vec<String> = attempts
                        .iter()
                        .map(|attempt| {
                            t!(
                                "import.header.no_table_part",
                                table = attempt.columns.table.name_zh(),
                                headers = attempt
                                    .missing
                                    .iter()
                                    .map(|(_, header)| *header)
                                    .collect::<Vec<_>>()
                                    .join(t!("cli.list_separator").as_ref())
                            )
                            .into_owned()
                        })
                        .collect();
                    let (order, problem) = source.problem(
                        At::row(1),
                        "no_table_matches",
                        t!(
                            "import.header.no_table",
                            ledger = ledger_name(target.ledger),
                            missing = parts.join(t!("import.header.part_separator").as_ref())
                        ),
                    );
                    problems.push(order, problem);
                    return None;
                }
                several => {
                    let tables: Vec<String> = several
                        .iter()
                        .map(|attempt| {
                            let table = attempt.columns.table;
                            format!("{} ({})", table.name_zh(), table.slug())
                        })
                        .collect();
                    let (order, problem) = source.problem(
                        At::row(1),
                        "ambiguous_table",
                        t!(
                            "import.header.ambiguous",
                            tables = tables.join(t!("cli.list_separator").as_ref())
                        ),
                    );
                    problems.push(order, problem);
                    return None;
                }
            }
        }
    };
    for (at, rule, message) in attempt.problems {
        let at = At {
            column: at.column.map(|(index, _)| (index, header[index].as_str())),
            ..at
        };
        let (order, problem) = source.problem(at, rule, message);
        problems.push(order, problem);
    }
    for (field, header_zh) in attempt.missing {
        let (order, problem) = source.problem(
            At {
                row: Some(1),
                column: None,
                field: Some(field),
            },
            "missing_column",
            t!("import.header.missing", header = header_zh, field = field),
        );
        problems.push(order, problem);
    }
    Some(attempt.columns)
}

/// Matches the headers to one table, blanking each refused header and adding each missing column
/// past the last, until the schema accepts them.
fn attempt(
    source: &Source,
    target: &ImportTarget<'_>,
    table: Table,
    header: &[String],
    texts: &[String],
) -> Attempt {
    let file_columns = texts.len();
    let specs = columns(table);
    let mut texts: Vec<String> = texts.to_vec();
    let mut refused = vec![false; file_columns];
    let mut problems = Vec::new();
    let mut missing = Vec::new();
    // Each round blanks a header or adds a column, so the rounds are bounded by both counts.
    for _ in 0..=file_columns + specs.len() {
        let borrowed: Vec<&str> = texts.iter().map(String::as_str).collect();
        let error = match resolve_headers(target.ledger, Some(table), &borrowed) {
            Ok(map) => {
                let spec_columns: Vec<Option<usize>> = specs
                    .iter()
                    .map(|spec| {
                        map.column_of(spec.field)
                            .filter(|column| *column < file_columns)
                    })
                    .collect();
                let mut column_specs = vec![None; file_columns];
                for (spec_index, column) in spec_columns.iter().enumerate() {
                    if let Some(column) = column {
                        column_specs[*column] = Some(spec_index);
                    }
                }
                return Attempt {
                    columns: Columns {
                        table,
                        column_specs,
                        spec_columns,
                        refused,
                    },
                    problems,
                    missing,
                };
            }
            Err(error) => error,
        };
        match error {
            HeaderError::UnknownColumn { column_index, .. } if column_index < file_columns => {
                let expected: Vec<&str> = specs.iter().map(|spec| spec.header_zh).collect();
                problems.push((
                    At::cell(1, column_index, "", None),
                    "unknown_header",
                    t!(
                        "import.header.unknown",
                        header = header[column_index].trim(),
                        table = table.name_zh(),
                        expected = expected.join(t!("cli.list_separator").as_ref())
                    )
                    .into_owned(),
                ));
                texts[column_index].clear();
                refused[column_index] = true;
            }
            HeaderError::DuplicateColumn {
                field,
                first_index,
                second_index,
            } if second_index < file_columns => {
                problems.push((
                    At::cell(1, second_index, "", Some(field)),
                    "duplicate_column",
                    t!(
                        "import.header.duplicate",
                        header = header[second_index].trim(),
                        first = source.column_label(first_index),
                        field = field
                    )
                    .into_owned(),
                ));
                texts[second_index].clear();
                refused[second_index] = true;
            }
            HeaderError::MissingColumn {
                field, header_zh, ..
            } => {
                missing.push((field, header_zh));
                texts.push(header_zh.to_owned());
            }
            // A table of another ledger gives the others, which the caller has refused, and the
            // columns added past the last are each a missing one: not expected, but reported
            // rather than trusted.
            other => {
                problems.push((At::row(1), "bad_headers", other.to_string()));
                break;
            }
        }
    }
    // The headers could not be matched: no cell of the file is read.
    Attempt {
        columns: Columns {
            table,
            column_specs: vec![None; file_columns],
            spec_columns: vec![None; specs.len()],
            refused: vec![true; file_columns],
        },
        problems,
        missing,
    }
}

/// The name of a ledger in the catalogue's language.
pub fn ledger_name(ledger: schemas::Ledger) -> String {
    t!(format!("cli.ledger.{}", ledger.slug())).into_owned()
}

#[cfg(test)]
mod tests {
    use schemas::{Ledger, Period};

    use super::*;
    use crate::import::{Progress, parse_csv};

    #[test]
    fn every_header_problem_is_reported_at_once_and_the_good_columns_still_read() {
        // 能源品种 is missing, 备注 is no column, 消费量 comes twice; row 2's month is bad too.
        let csv = "统一社会信用代码,统计月份,备注,消费量,金额（元）,消费量\n\
                   x,2025-13,,1,1,1\n";
        let target = ImportTarget {
            ledger: Ledger::Energy,
            period: Period::parse("2025").expect("a period"),
            table: Some(Table::EnergyConsumption),
            topology: None,
            allow_empty: false,
        };
        let error = parse_csv("e.csv", csv.as_bytes(), &target, &Progress::hidden())
            .expect_err("header problems");
        let found: Vec<(Option<u64>, Option<&str>, &str)> = error
            .problems
            .problems
            .iter()
            .map(|problem| {
                (
                    problem.row,
                    problem.column.as_deref(),
                    problem.rule.as_str(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (Some(1), None, "missing_column"),
                (Some(1), Some("3"), "unknown_header"),
                (Some(1), Some("6"), "duplicate_column"),
                (Some(2), Some("1"), "bad_value"),
                (Some(2), Some("2"), "bad_value"),
            ]
        );
        assert_eq!(error.problems.problems[0].field.as_deref(), Some("carrier"));
        assert_eq!(error.problems.problems[2].header.as_deref(), Some("消费量"));
    }

    #[test]
    fn headers_typed_full_width_match() {
        let texts = matching_texts(&["统一社会信用代码".to_owned(), "ｍｏｎｔｈ".to_owned()]);
        assert_eq!(texts[1], "month");
    }
}
