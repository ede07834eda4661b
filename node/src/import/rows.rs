//! Parsing rows of text cells into records with every problem of every cell reported: each cell
//! made into plain text ([`super::cells`]) and parsed by its column's kind, then the record's own
//! rules, its period and its division codes checked, and the ids checked unique. Large files are
//! parsed on several threads in order-preserving chunks.

use std::collections::HashMap;

use crate::t;
use schemas::columns::columns;
use schemas::records::{Carrier, ColumnSpec, Record, Value, parse_field};

use super::cells::{CellContext, expected_unit, normalize_cell};
use super::headers::{self, Columns};
use super::problems::ProblemList;
use super::{
    At, ImportError, ImportTarget, Layout, MAX_IMPORT_ROWS, ParsedImport, Progress, RawRows, Source,
};

/// Rows below which parsing on several threads does not pay for the threads.
const PARALLEL_PARSE_ROWS_MIN: usize = 20_000;

/// Threads at most for parsing a file: parsing is a small part of an import, two to four threads
/// take it off the critical path without crowding the automerge write that follows.
const PARALLEL_PARSE_THREADS_MAX: usize = 4;

/// Parses the rows of one source into records: headers matched to a table, every cell checked,
/// dated records checked against the period, division codes against the topology, ids unique.
/// Every problem is reported; nothing is returned unless there is none.
pub fn parse_rows(
    source: &Source,
    raw: RawRows,
    target: &ImportTarget<'_>,
    progress: &Progress,
) -> Result<ParsedImport, ImportError> {
    let mut problems = ProblemList::default();
    match parse_sheet(source, raw, target, progress, &mut problems) {
        Some(parsed) if problems.is_empty() => Ok(parsed),
        _ => Err(problems.into_error(&source.file)),
    }
}

/// Parses the rows of one source, adding its problems to `problems`; the records are returned
/// only when the source has no problem.
pub(crate) fn parse_sheet(
    source: &Source,
    raw: RawRows,
    target: &ImportTarget<'_>,
    progress: &Progress,
    problems: &mut ProblemList,
) -> Option<ParsedImport> {
    let mut found = ProblemList::default();
    let Some(columns) = headers::resolve(source, target, &raw.header, &mut found) else {
        problems.append(found);
        return None;
    };
    if raw.rows.len() > MAX_IMPORT_ROWS {
        let (order, problem) = source.problem(
            At::whole(),
            "too_many_rows",
            t!("import.file.too_many_rows", max = MAX_IMPORT_ROWS),
        );
        found.push(order, problem);
        problems.append(found);
        return None;
    }
    progress.start(&t!("import.progress.checking"), raw.rows.len() as u64);
    let parser = RowParser {
        source,
        target,
        columns: &columns,
        header: &raw.header,
    };
    let parse_part = |part: &[(u64, Vec<String>)]| -> Part {
        let mut parsed = Part::default();
        for (line, cells) in part {
            if let Some(record) = parser.parse(*line, cells, &mut parsed.problems) {
                parsed.records.push(record);
                parsed.lines.push(*line);
            }
            progress.advance(1);
        }
        parsed
    };
    let parsed = parse_in_parallel(&raw.rows, parse_part);
    progress.finish();
    found.append(parsed.problems);
    check_unique_ids(source, &parsed.records, &parsed.lines, &mut found);
    if parsed.records.is_empty() && found.is_empty() && !target.allow_empty {
        let (order, problem) =
            source.problem(At::whole(), "no_records", t!("import.file.no_records"));
        found.push(order, problem);
    }
    let clean = found.is_empty();
    problems.append(found);
    clean.then(|| ParsedImport {
        table: columns.table,
        records: parsed.records,
        lines: parsed.lines,
        spec_columns: columns.spec_columns,
        headers: raw.header,
        source: source.clone(),
    })
}

/// The records and problems of a run of rows.
#[derive(Debug, Default)]
struct Part {
    records: Vec<Record>,
    lines: Vec<u64>,
    problems: ProblemList,
}

/// What every row of a source is parsed with.
struct RowParser<'a> {
    source: &'a Source,
    target: &'a ImportTarget<'a>,
    columns: &'a Columns,
    header: &'a [String],
}

impl RowParser<'_> {
    /// The header of a column as written, `""` beyond the header row.
    fn header_of(&self, column: usize) -> &str {
        self.header.get(column).map_or("", String::as_str)
    }

    /// Adds a problem at a cell.
    fn cell_problem(
        &self,
        problems: &mut ProblemList,
        line: u64,
        column: usize,
        field: Option<&str>,
        rule: &str,
        message: impl Into<String>,
    ) {
        let at = At::cell(line, column, self.header_of(column), field);
        let (order, problem) = self.source.problem(at, rule, message);
        problems.push(order, problem);
    }

    /// Parses one row into a record, adding a problem for each cell that breaks a rule; `None`
    /// when any does.
    fn parse(&self, line: u64, cells: &[String], problems: &mut ProblemList) -> Option<Record> {
        let table = self.columns.table;
        let specs = columns(table);
        let width = self.header.len();
        let mut clean = true;
        // Cells missing at the end of a short row matter only under a column that is read (not
        // under a blank header, nor under a refused one, which is a problem already).
        let is_read = |column: usize| self.columns.column_specs[column].is_some();
        if cells.len() < width && (cells.len()..width).any(is_read) {
            clean = false;
            self.cell_problem(
                problems,
                line,
                cells.len(),
                None,
                "short_row",
                t!("import.row.short", cells = cells.len(), columns = width),
            );
        }
        if let Some(extra) = (width..cells.len()).find(|column| !cells[*column].trim().is_empty()) {
            clean = false;
            self.cell_problem(
                problems,
                line,
                extra,
                None,
                "beyond_last_column",
                t!(
                    "import.row.beyond_last_column",
                    value = cells[extra].trim(),
                    columns = width
                ),
            );
        }
        for (column, spec) in self.columns.column_specs.iter().enumerate() {
            let blank_header = spec.is_none() && !self.columns.refused[column];
            if blank_header
                && cells
                    .get(column)
                    .is_some_and(|cell| !cell.trim().is_empty())
            {
                clean = false;
                self.cell_problem(
                    problems,
                    line,
                    column,
                    None,
                    "cell_without_header",
                    t!(
                        "import.row.cell_without_header",
                        value = cells[column].trim()
                    ),
                );
            }
        }
        let carrier = || self.carrier(cells);
        let mut values = Vec::with_capacity(specs.len());
        for (spec, column) in specs.iter().zip(&self.columns.spec_columns) {
            let value = match column {
                Some(column) => match cells.get(*column) {
                    Some(cell) => {
                        let unit = expected_unit(table, spec, carrier);
                        self.parse_cell(problems, line, *column, spec, cell, unit)
                    }
                    // The row is short, which is reported.
                    None => None,
                },
                // An absent optional column takes its default; an absent required one is a
                // problem of the header row, reported there.
                None => parse_field(spec, None).ok(),
            };
            match value {
                Some(value) => values.push(value),
                None => clean = false,
            }
        }
        if !clean {
            return None;
        }
        let record = match Record::new(table.spec(), values) {
            Ok(record) => record,
            Err(error) => {
                let (column, cell) = self.cell_of(error.field, cells);
                self.cell_problem(
                    problems,
                    line,
                    column,
                    Some(error.field),
                    "record_rule",
                    t!("import.cell.record_rule", rule = error.rule, value = cell),
                );
                return None;
            }
        };
        if let Err(error) = record.check_period(self.target.period) {
            let (column, cell) = self.cell_of(error.field, cells);
            self.cell_problem(
                problems,
                line,
                column,
                Some(error.field),
                "out_of_period",
                t!(
                    "import.cell.out_of_period",
                    value = cell,
                    period = self.target.period
                ),
            );
            return None;
        }
        Some(record)
    }

    /// The value of one cell, or `None` with its problem added.
    fn parse_cell(
        &self,
        problems: &mut ProblemList,
        line: u64,
        column: usize,
        spec: &ColumnSpec,
        cell: &str,
        unit: super::cells::ExpectedUnit,
    ) -> Option<Value> {
        let context = CellContext {
            layout: self.source.layout,
            unit,
            topology: self.target.topology,
        };
        let text = match normalize_cell(spec, cell, &context) {
            Ok(text) => text,
            Err(problem) => {
                self.cell_problem(
                    problems,
                    line,
                    column,
                    Some(spec.field),
                    problem.rule,
                    problem.message,
                );
                return None;
            }
        };
        let value = match parse_field(spec, Some(&text)) {
            Ok(value) => value,
            Err(_) if text.is_empty() => {
                self.cell_problem(
                    problems,
                    line,
                    column,
                    Some(spec.field),
                    "missing_required",
                    t!("import.cell.missing_required", rule = spec.rule()),
                );
                return None;
            }
            Err(error) => {
                self.cell_problem(
                    problems,
                    line,
                    column,
                    Some(spec.field),
                    "bad_value",
                    t!(
                        "import.cell.bad_value",
                        rule = error.rule,
                        value = cell.trim()
                    ),
                );
                return None;
            }
        };
        if let (Value::Division(code), Some(topology)) = (&value, self.target.topology)
            && topology.node(*code).is_none()
        {
            self.cell_problem(
                problems,
                line,
                column,
                Some(spec.field),
                "unknown_division",
                t!(
                    "import.cell.unknown_division",
                    code = code,
                    topology = topology.name()
                ),
            );
            return None;
        }
        Some(value)
    }

    /// The file's column of a field and the row's cell there (the first column past the header row
    /// and `""` for a field the file does not have).
    fn cell_of<'c>(&self, field: &str, cells: &'c [String]) -> (usize, &'c str) {
        let column = self
            .columns
            .table
            .spec()
            .index_of(field)
            .and_then(|spec_index| self.columns.spec_columns[spec_index]);
        match column {
            Some(column) => (column, cells.get(column).map_or("", |cell| cell.trim())),
            None => (self.header.len(), ""),
        }
    }

    /// The energy carrier of the row, when the table has one and its cell names one: the unit of
    /// the row's quantity.
    fn carrier(&self, cells: &[String]) -> Option<Carrier> {
        let spec_index = self.columns.table.spec().index_of("carrier")?;
        let column = self.columns.spec_columns[spec_index]?;
        let schemas::records::FieldKind::Choice(list) =
            columns(self.columns.table)[spec_index].kind
        else {
            return None;
        };
        let choice = list.find(cells.get(column)?)?;
        Carrier::from_slug(choice.slug)
    }
}

/// Adds a problem for each record whose id an earlier row of the source already gave.
fn check_unique_ids(
    source: &Source,
    records: &[Record],
    lines: &[u64],
    problems: &mut ProblemList,
) {
    let mut first_lines: HashMap<String, u64> = HashMap::with_capacity(records.len());
    let unit = match source.layout {
        Layout::Csv => t!("import.place.line_word"),
        Layout::Sheet => t!("import.place.row_word"),
    };
    for (record, line) in records.iter().zip(lines) {
        let id = record.id();
        if let Some(first) = first_lines.get(&id) {
            let (order, problem) = source.problem(
                At::row(*line),
                "duplicate_id",
                t!(
                    "import.row.duplicate_id",
                    id = id,
                    unit = unit,
                    first = first
                ),
            );
            problems.push(order, problem);
        } else {
            first_lines.insert(id, *line);
        }
    }
}

/// Parses rows in order-preserving chunks on several threads, joining the parts in order.
fn parse_in_parallel<Row: Sync>(rows: &[Row], parse: impl Fn(&[Row]) -> Part + Sync) -> Part {
    let threads = std::thread::available_parallelism()
        .map_or(1, |count| count.get())
        .min(PARALLEL_PARSE_THREADS_MAX);
    if rows.len() < PARALLEL_PARSE_ROWS_MIN || threads < 2 {
        return parse(rows);
    }
    let chunk = rows.len().div_ceil(threads);
    let parts: Vec<Part> = std::thread::scope(|scope| {
        let parse = &parse;
        let workers: Vec<_> = rows
            .chunks(chunk)
            .map(|part| scope.spawn(move || parse(part)))
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("parsing rows cannot panic"))
            .collect()
    });
    let mut joined = Part {
        records: Vec::with_capacity(rows.len()),
        lines: Vec::with_capacity(rows.len()),
        problems: ProblemList::default(),
    };
    for part in parts {
        joined.records.extend(part.records);
        joined.lines.extend(part.lines);
        joined.problems.append(part.problems);
    }
    joined
}

#[cfg(test)]
mod tests {
    use schemas::{Ledger, Period};

    use super::*;
    use crate::import::parse_csv;

    fn target() -> ImportTarget<'static> {
        ImportTarget {
            ledger: Ledger::Vehicles,
            period: Period::parse("2025").expect("a period"),
            table: None,
            topology: None,
            allow_empty: false,
        }
    }

    #[test]
    fn a_short_row_is_refused_unless_only_cells_under_blank_headers_are_missing() {
        let header = "号牌号码,月份,行驶里程（公里）,月末里程表读数（公里）";
        let blank_last = format!("{header},\n宁A12345,2025-01,100,1000\n");
        let parsed = parse_csv(
            "c.csv",
            blank_last.as_bytes(),
            &target(),
            &Progress::hidden(),
        )
        .expect("the row is whole where it counts");
        assert_eq!(parsed.records.len(), 1);

        let short = format!("{header}\n宁A12345,2025-01,100\n");
        let error = parse_csv("c.csv", short.as_bytes(), &target(), &Progress::hidden())
            .expect_err("a read cell is missing");
        let problem = &error.problems.problems[0];
        assert_eq!(
            (
                problem.row,
                problem.column.as_deref(),
                problem.rule.as_str()
            ),
            (Some(2), Some("4"), "short_row")
        );
        assert_eq!(error.problems.count(), 1);
    }

    /// Enough rows to be parsed on several threads where there are several cores.
    const ROWS: usize = 3 * PARALLEL_PARSE_ROWS_MIN / 2;

    #[test]
    fn a_large_file_parses_in_order_and_its_problems_come_in_file_order() {
        let csv = crate::bench::dispatch_orders_csv(ROWS).expect("a file");
        let parsed = parse_csv("orders.csv", csv.as_bytes(), &target(), &Progress::hidden())
            .expect("parsed");
        assert_eq!(parsed.records.len(), ROWS);
        assert_eq!(parsed.lines.first(), Some(&2));
        assert_eq!(parsed.lines.last(), Some(&(ROWS as u64 + 1)));
        assert_eq!(parsed.records[ROWS - 1].text("order_id"), "D202500029999");

        // Every 100th row gets a bad distance: the problems list in line order across threads.
        let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
        for line in lines.iter_mut().skip(1).step_by(100) {
            *line = format!("{line}km?");
        }
        let bad = lines.join("\n");
        let error = parse_csv("orders.csv", bad.as_bytes(), &target(), &Progress::hidden())
            .expect_err("bad rows");
        assert_eq!(error.problems.count(), ROWS / 100);
        let rows: Vec<u64> = error
            .problems
            .problems
            .iter()
            .filter_map(|problem| problem.row)
            .collect();
        let expected: Vec<u64> = (0..crate::import::PROBLEMS_LISTED_MAX as u64)
            .map(|index| 2 + 100 * index)
            .collect();
        assert_eq!(rows, expected);
    }
}
