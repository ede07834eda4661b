//! The problems of a refused file: where each one is (file, sheet, row, column and its header,
//! field), the rule it broke as a short stable code, and what to do, in the catalogue's language.
//!
//! Parsing collects every problem of a file into a [`ProblemList`], which keeps them in the file's
//! order (sheet, then row, then column) however they arrive (rows are parsed on several threads,
//! duplicate ids are found after the rows) and keeps at most [`PROBLEMS_LISTED_MAX`] of them in
//! memory, counting the rest; [`ImportError`] is what leaves the import module.

use std::fmt;

use crate::t;
use serde::{Deserialize, Serialize};

use crate::core::ErrorKind;

/// Most problems listed for one file; the rest are counted. Two hundred is more than a clerk fixes
/// in one sitting and still a screenful or two, while a file that is wrong throughout (the wrong
/// table, a shifted column) does not print a line per cell of a hundred thousand rows.
pub const PROBLEMS_LISTED_MAX: usize = 200;

/// One problem of an imported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProblem {
    /// The file as given.
    pub file: String,
    /// The sheet, for a workbook.
    pub sheet: Option<String>,
    /// The 1-based row of a sheet or line of a CSV file (the header is 1); `None` for the file or
    /// sheet as a whole.
    pub row: Option<u64>,
    /// The column as the clerk sees it: a letter in a sheet, a 1-based number in a CSV file.
    pub column: Option<String>,
    /// The column's header as written in the file.
    pub header: Option<String>,
    /// The field of the ledger the column holds.
    pub field: Option<String>,
    /// A short stable code of the rule broken, such as `bad_value`, `missing_required`,
    /// `unknown_sheet`, `duplicate_id`, `unknown_header`, or a ledger rule's code.
    pub rule: String,
    /// What is wrong and how to fix it, in the catalogue's language.
    pub message: String,
}

impl ImportProblem {
    /// The problem as one line for people: its place, its rule and its message.
    pub fn line(&self) -> String {
        let separator = t!("import.place.separator");
        let mut parts = vec![self.file.clone()];
        if let Some(sheet) = &self.sheet {
            parts.push(t!("import.place.sheet", sheet = sheet).into_owned());
        }
        if let Some(row) = self.row {
            let key = if self.sheet.is_some() {
                "import.place.row"
            } else {
                "import.place.line"
            };
            parts.push(t!(key, row = row).into_owned());
        }
        match (&self.column, &self.header) {
            (Some(column), Some(header)) if !header.trim().is_empty() => parts.push(
                t!(
                    "import.place.column_header",
                    column = column,
                    header = header
                )
                .into_owned(),
            ),
            (Some(column), _) => {
                parts.push(t!("import.place.column", column = column).into_owned())
            }
            (None, _) => {}
        }
        if let Some(field) = &self.field {
            parts.push(t!("import.place.field", field = field).into_owned());
        }
        t!(
            "import.problem_line",
            place = parts.join(separator.as_ref()),
            rule = self.rule,
            message = self.message
        )
        .into_owned()
    }
}

/// The problems listed for a file, in the file's order, and how many more there are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProblems {
    /// At most [`PROBLEMS_LISTED_MAX`] problems.
    pub problems: Vec<ImportProblem>,
    /// The problems found beyond those listed.
    pub more: usize,
}

impl ImportProblems {
    /// Every problem found, listed or not.
    pub fn count(&self) -> usize {
        self.problems.len() + self.more
    }

    /// The lines people read: one per problem, then how many more there are.
    pub fn lines(&self) -> Vec<String> {
        problem_lines(&self.problems, self.more)
    }
}

/// The lines people read for problems listed and `more` not listed: one per problem, then how many
/// more there are.
pub fn problem_lines(problems: &[ImportProblem], more: usize) -> Vec<String> {
    let mut lines: Vec<String> = problems.iter().map(ImportProblem::line).collect();
    if more > 0 {
        lines.push(t!("import.more", count = more).into_owned());
    }
    lines
}

/// A file that cannot be imported: the kind of failure (which sets the CLI's exit code), the file
/// and every problem found in it. Nothing of the file is imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub kind: ErrorKind,
    pub file: String,
    pub problems: ImportProblems,
}

impl ImportError {
    /// The one-line summary: the file, how many problems, nothing imported.
    pub fn summary(&self) -> String {
        summary(&self.file, self.problems.count())
    }
}

/// The one-line summary of a refused file.
pub fn summary(file: &str, count: usize) -> String {
    t!("import.summary", file = file, count = count).into_owned()
}

impl fmt::Display for ImportError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.summary())?;
        for line in self.problems.lines() {
            write!(formatter, "\n  {line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportError {}

/// Where a problem sorts in its file: the sheet's position in the workbook (0 for a CSV file), the
/// row (0 for the sheet as a whole) and the column (0 for the row as a whole, else its index + 1).
pub(crate) type Order = (usize, u64, usize);

/// The problems found so far, kept in the file's order and bounded in memory: at most twice
/// [`PROBLEMS_LISTED_MAX`] are held, the first in order kept when the list is cut.
#[derive(Debug, Default)]
pub(crate) struct ProblemList {
    entries: Vec<(Order, ImportProblem)>,
    total: usize,
}

impl ProblemList {
    /// Adds a problem at its place in the file.
    pub fn push(&mut self, order: Order, problem: ImportProblem) {
        self.total += 1;
        self.entries.push((order, problem));
        if self.entries.len() >= 2 * PROBLEMS_LISTED_MAX {
            self.cut();
        }
    }

    /// Adds every problem of another list.
    pub fn append(&mut self, other: ProblemList) {
        self.total += other.total;
        self.entries.extend(other.entries);
        if self.entries.len() >= 2 * PROBLEMS_LISTED_MAX {
            self.cut();
        }
    }

    /// Whether no problem was found.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Keeps the first problems in the file's order. The sort is stable, so problems at the same
    /// place stay in the order they were found.
    fn cut(&mut self) {
        self.entries.sort_by_key(|(order, _)| *order);
        self.entries.truncate(PROBLEMS_LISTED_MAX);
    }

    /// The problems listed, in order, and the count of the others.
    pub fn finish(mut self) -> ImportProblems {
        self.cut();
        let problems: Vec<ImportProblem> = self
            .entries
            .into_iter()
            .map(|(_, problem)| problem)
            .collect();
        ImportProblems {
            more: self.total - problems.len(),
            problems,
        }
    }

    /// The error refusing `file` for the problems found (the data breaks rules: fix the file).
    pub fn into_error(self, file: &str) -> ImportError {
        ImportError {
            kind: ErrorKind::RulesBroken,
            file: file.to_owned(),
            problems: self.finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(row: u64, column: &str) -> ImportProblem {
        ImportProblem {
            file: "a.csv".to_owned(),
            sheet: None,
            row: Some(row),
            column: Some(column.to_owned()),
            header: None,
            field: None,
            rule: "bad_value".to_owned(),
            message: String::new(),
        }
    }

    #[test]
    fn problems_come_out_in_file_order_up_to_the_bound_with_the_rest_counted() {
        let mut list = ProblemList::default();
        // Pushed backwards, in two lists, as threads and later checks deliver them.
        let mut late = ProblemList::default();
        for row in (2..=1001u64).rev() {
            let target = if row % 2 == 0 { &mut list } else { &mut late };
            target.push((0, row, 3), problem(row, "3"));
            target.push((0, row, 1), problem(row, "1"));
        }
        list.append(late);
        let problems = list.finish();
        assert_eq!(problems.problems.len(), PROBLEMS_LISTED_MAX);
        assert_eq!(problems.more, 2000 - PROBLEMS_LISTED_MAX);
        assert_eq!(problems.count(), 2000);
        let places: Vec<(Option<u64>, Option<String>)> = problems
            .problems
            .iter()
            .take(4)
            .map(|problem| (problem.row, problem.column.clone()))
            .collect();
        assert_eq!(
            places,
            [
                (Some(2), Some("1".to_owned())),
                (Some(2), Some("3".to_owned())),
                (Some(3), Some("1".to_owned())),
                (Some(3), Some("3".to_owned())),
            ]
        );
        assert_eq!(
            problems.problems.last().map(|problem| problem.row),
            Some(Some(101))
        );
    }

    #[test]
    fn an_error_with_more_problems_than_listed_says_how_many_more() {
        let mut list = ProblemList::default();
        for row in 0..(PROBLEMS_LISTED_MAX as u64 + 7) {
            list.push((0, row, 0), problem(row, "1"));
        }
        let error = list.into_error("a.csv");
        assert_eq!(error.kind, ErrorKind::RulesBroken);
        let lines = error.problems.lines();
        assert_eq!(lines.len(), PROBLEMS_LISTED_MAX + 1);
        assert_eq!(
            lines.last().map(String::as_str),
            Some(t!("import.more", count = 7).as_ref())
        );
    }
}
