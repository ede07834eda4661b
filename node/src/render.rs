//! Text for people: what every operation's answer and failure looks like on a terminal, in the
//! language chosen at start-up (Chinese unless `--lang en`). Every word comes from the message
//! catalogues (`locales/<language>.yml`, the `cli` and `status` sections); this module only lays
//! the words out. `--json` prints the answers themselves instead.

use std::fmt::Write;

use schemas::returns::{Finding, StatReturn};
use schemas::t;
use schemas::{Language, Ledger};
use unicode_width::UnicodeWidthStr;

use crate::core::{Contribution, DocumentReview, ReviewState, SubmitOutcome, VerifyReport};
use crate::operations::completeness::{CompletenessView, Timeliness};
use crate::operations::define_return::DefineReturnAnswer;
use crate::operations::explain::ExplainView;
use crate::operations::import::ImportAnswer;
use crate::operations::report::ReportView;
use crate::operations::status::StatusView;
use crate::operations::{ErrorDetails, FigureView, NodeView, OperationError};

/// A time for people: Beijing time with the zone named (see [`crate::clock::beijing_time`]).
pub fn format_time(unix_ms: i64) -> String {
    crate::clock::beijing_time(unix_ms)
}

/// Terminal columns a string takes (CJK characters take two).
fn display_width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

fn pad(text: &str, width: usize) -> String {
    let padding = width.saturating_sub(display_width(text));
    format!("{text}{}", " ".repeat(padding))
}

/// A ledger's name in the language people read.
pub fn ledger_name(ledger: Ledger) -> String {
    match Language::current() {
        Language::Chinese => ledger.name_zh().to_owned(),
        Language::English => t!(format!("cli.ledger.{}", ledger.slug())).into_owned(),
    }
}

/// A node's name in the language people read, with its code.
fn node_name(node: &NodeView) -> String {
    let name = match Language::current() {
        Language::English if !node.name_en.is_empty() => &node.name_en,
        _ => &node.name_zh,
    };
    format!("{name} ({})", node.code)
}

/// A unit as a return or figure names it (`m2`, `kgce/person`, `percent`) in the language people
/// read: Chinese from the catalogue (`common.unit`), the code itself in English, as exports write
/// it.
pub fn unit_name(code: &str) -> String {
    match Language::current() {
        Language::Chinese if !code.is_empty() => {
            let key = code.to_ascii_lowercase().replace('/', "_per_");
            catalogue_text(&format!("common.unit.{key}")).unwrap_or_else(|| code.to_owned())
        }
        _ => code.to_owned(),
    }
}

/// A figure table: label, value right-aligned, unit.
pub fn figure_table(figures: &[FigureView]) -> String {
    let labels: Vec<String> = figures
        .iter()
        .map(|figure| match Language::current() {
            _ if figure.label_zh.is_empty() => figure.name.clone(),
            Language::Chinese => figure.label_zh.clone(),
            Language::English => figure.label_en.clone(),
        })
        .collect();
    let label_width = labels
        .iter()
        .map(|label| display_width(label))
        .max()
        .unwrap_or(0);
    let value_width = figures
        .iter()
        .map(|figure| figure.value.len())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for (label, figure) in labels.iter().zip(figures) {
        let _ = writeln!(
            text,
            "  {}  {:>value_width$}  {}",
            pad(label, label_width),
            figure.value,
            unit_name(&figure.unit)
        );
    }
    text
}

/// Names of nodes, the first few, then how many more.
fn some_names(nodes: &[NodeView]) -> String {
    const NAMED_MAX: usize = 5;
    let mut names: Vec<String> = nodes.iter().take(NAMED_MAX).map(node_name).collect();
    if nodes.len() > NAMED_MAX {
        names.push(t!("cli.and_more", count = nodes.len() - NAMED_MAX).into_owned());
    }
    names.join(t!("cli.list_separator").as_ref())
}

/// `report`: the node's figures, whether they are final, and the return built from them.
pub fn report(view: &ReportView) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{}",
        t!(
            "status.report.heading",
            node = node_name(&view.node),
            ledger = ledger_name(view.ledger),
            period = view.period
        )
    );
    if let Some(preview) = &view.preview {
        return draft_report(view, preview);
    }
    match (view.sequence, view.signed_at_ms) {
        (Some(sequence), Some(signed_at_ms)) => {
            let time = format_time(signed_at_ms);
            let expected = view.included.len() + view.missing.len();
            let signed = if view.source == "submission" {
                t!(
                    "status.report.signed_submission",
                    sequence = sequence,
                    by = submitted_by(view.submitted_by.as_deref()),
                    time = time,
                    included = view.included.len(),
                    expected = expected
                )
            } else {
                t!(
                    "status.report.signed_rollup",
                    sequence = sequence,
                    time = time,
                    included = view.included.len(),
                    expected = expected
                )
            };
            let _ = writeln!(text, "{signed}");
        }
        _ => {
            let _ = writeln!(text, "{}", t!("status.report.nothing_yet"));
            return text;
        }
    }
    if view.draft_differs == Some(true) {
        let _ = writeln!(text, "{}", t!("status.report.draft_differs"));
    }
    if view.provisional {
        let _ = writeln!(
            text,
            "{}",
            t!(
                "status.report.provisional",
                count = view.unaccepted.len(),
                names = some_names(&view.unaccepted)
            )
        );
    } else {
        let _ = writeln!(text, "{}", t!("status.report.final"));
    }
    if !view.missing.is_empty() {
        let _ = writeln!(
            text,
            "{}",
            t!("status.report.missing", names = some_names(&view.missing))
        );
    }
    text.push_str(&statistical_return(&view.statistical_return));
    text
}

/// `report --draft`: the draft as the next submission would be, its figures and every finding
/// one per line.
fn draft_report(view: &ReportView, preview: &crate::operations::report::PreviewView) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{}",
        t!(
            "status.report.draft_heading",
            node = node_name(&view.node),
            ledger = ledger_name(view.ledger),
            period = view.period,
            records = preview.n_records
        )
    );
    if let (Some(by), Some(at_ms)) = (&preview.last_changed_by, preview.last_changed_at_ms) {
        let _ = writeln!(
            text,
            "{}",
            t!(
                "status.report.draft_changed_by",
                by = by,
                time = format_time(at_ms)
            )
        );
    }
    let standing = match view.draft_differs {
        None => t!("status.report.draft_never_submitted"),
        Some(true) => t!("status.report.draft_changed_since"),
        Some(false) => t!("status.report.draft_same_as_submitted"),
    };
    let _ = writeln!(text, "{standing}");
    if !preview.return_defined {
        let _ = writeln!(text, "{}", t!("status.report.draft_no_return"));
    }
    let findings_count = view.statistical_return.findings.len();
    let verdict = if preview.blocking > 0 {
        t!(
            "status.report.draft_blocked",
            blocking = preview.blocking,
            count = findings_count
        )
    } else if findings_count > 0 {
        t!("status.report.draft_ready_with", count = findings_count)
    } else {
        t!("status.report.draft_ready")
    };
    let _ = writeln!(text, "{verdict}");
    let mut without_summary = view.statistical_return.clone();
    without_summary.findings.clear();
    text.push_str(&statistical_return(&without_summary));
    if findings_count > 0 {
        let _ = writeln!(text);
        text.push_str(&findings(&view.statistical_return.findings));
    }
    text
}

/// The sheets of a return as text tables, each with its totals row, then the findings counted by
/// rule.
pub fn statistical_return(ret: &StatReturn) -> String {
    let mut text = String::new();
    for sheet in &ret.sheets {
        // The sheet id is how `export` names the sheet; a Chinese reader needs only its name.
        if schemas::i18n::Language::current() == schemas::i18n::Language::English {
            let _ = writeln!(text, "\n  {} ({})", sheet.name_zh, sheet.id);
        } else {
            let _ = writeln!(text, "\n  {}", sheet.name_zh);
        }
        let mut header = vec![sheet.row_header_zh.clone()];
        let indicator_sheet = sheet.rows.iter().any(|row| row.unit.is_some());
        if indicator_sheet {
            header.push(t!("status.return.unit").into_owned());
        }
        header.extend(sheet.columns.iter().map(|column| {
            if column.unit.is_empty() || column.header_zh.contains('（') {
                column.header_zh.clone()
            } else {
                format!("{} {}", column.header_zh, unit_name(&column.unit))
            }
        }));
        let cell = |value: &Option<schemas::Decimal>| {
            value.map_or_else(|| "-".to_owned(), |value| value.normalize().to_string())
        };
        let mut lines: Vec<Vec<String>> = vec![header];
        for row in &sheet.rows {
            let mut line = vec![row.label_zh.clone()];
            if indicator_sheet {
                line.push(row.unit.as_deref().map(unit_name).unwrap_or_default());
            }
            line.extend(row.values.iter().map(cell));
            lines.push(line);
        }
        if let Some(totals) = &sheet.totals {
            let mut line = vec![t!("status.return.total").into_owned()];
            line.extend(totals.iter().map(cell));
            lines.push(line);
        }
        let columns = lines.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|index| {
                lines
                    .iter()
                    .filter_map(|line| line.get(index))
                    .map(|cell| display_width(cell))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for line in &lines {
            let mut out = String::from("   ");
            for (index, cell) in line.iter().enumerate() {
                let padding = " ".repeat(widths[index].saturating_sub(display_width(cell)));
                if index == 0 || (indicator_sheet && index == 1) {
                    out.push_str(&format!(" {cell}{padding}"));
                } else {
                    out.push_str(&format!("  {padding}{cell}"));
                }
            }
            let _ = writeln!(text, "{}", out.trim_end());
        }
    }
    if !ret.findings.is_empty() {
        let mut by_rule: std::collections::BTreeMap<(String, String), usize> =
            std::collections::BTreeMap::new();
        for finding in &ret.findings {
            *by_rule
                .entry((severity_name(finding), finding.rule.clone()))
                .or_default() += 1;
        }
        let listed: Vec<String> = by_rule
            .iter()
            .map(|((severity, rule), count)| format!("{count} × {rule} ({severity})"))
            .collect();
        let _ = writeln!(
            text,
            "\n  {}",
            t!(
                "status.return.for_review",
                listed = listed.join(t!("cli.list_separator").as_ref())
            )
        );
    }
    text
}

fn severity_name(finding: &Finding) -> String {
    t!(format!(
        "status.severity.{}",
        format!("{:?}", finding.severity).to_lowercase()
    ))
    .into_owned()
}

/// Findings one per line: where, which rule, what to do.
pub fn findings(findings: &[Finding]) -> String {
    let mut text = String::new();
    for finding in findings {
        let _ = writeln!(
            text,
            "  [{}] {} {} ({}, {}): {}",
            severity_name(finding),
            finding.table,
            finding.record_id,
            finding.field,
            finding.rule,
            finding.message
        );
    }
    text
}

/// `status`: the node, its links, its documents and rollups.
pub fn status(view: &StatusView) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{}",
        t!(
            if view.running {
                "status.node.running"
            } else {
                "status.node.not_running"
            },
            node = node_name(&view.node),
            level = t!(format!("status.node.level.{}", view.node.level)),
            version = view.topology_version
        )
    );
    if let Some(parent) = &view.parent {
        let _ = writeln!(
            text,
            "{}",
            t!("status.node.parent", node = node_name(parent))
        );
    }
    if !view.children.is_empty() {
        let _ = writeln!(
            text,
            "{}",
            t!("status.node.children", count = view.children.len())
        );
    }
    for link in &view.links {
        let _ = writeln!(
            text,
            "{}{}{}",
            t!(
                "status.link.line",
                role = t!(format!("status.link.role_{}", link.role)),
                peer = link.peer,
                state = t!(format!(
                    "status.link.state_{}",
                    format!("{:?}", link.state).to_lowercase()
                ))
            ),
            link.last_settled_ms
                .map(|ms| t!("status.link.last_settled", time = format_time(ms)).into_owned())
                .unwrap_or_default(),
            link.last_error
                .as_ref()
                .map(|error| t!("status.link.last_error", error = error).into_owned())
                .unwrap_or_default()
        );
    }
    if let Some(url) = &view.console_url {
        let _ = writeln!(text, "{}", t!("status.node.console", url = url));
    }
    if let Some(url) = &view.metrics_url {
        let _ = writeln!(text, "{}", t!("status.node.metrics", url = url));
    }
    if let Some(recovery) = &view.recovery {
        let waiting = recovery.waiting();
        let line = if waiting.is_empty() {
            t!(
                "status.node.recovered",
                time = crate::clock::beijing_time(recovery.backup_taken_at_ms),
                children = recovery.children.len()
            )
        } else {
            t!(
                "status.node.recovering",
                time = crate::clock::beijing_time(recovery.backup_taken_at_ms),
                waiting = waiting
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(t!("cli.list_separator").as_ref())
            )
        };
        let _ = writeln!(text, "{line}");
    }
    for held in &view.held_off {
        let _ = writeln!(
            text,
            "{}",
            t!(
                "status.node.held_off",
                child = node_name(&held.child),
                time = format_time(held.until_ms),
                reason = held.reason
            )
        );
    }
    if let Some(note) = &view.topology_file_not_used {
        let _ = writeln!(
            text,
            "{}",
            t!("status.node.topology_file_not_used", note = note)
        );
    }
    if !view.signing_key_current {
        let _ = writeln!(
            text,
            "{}",
            match &view.next_public_key {
                Some(key) => t!("status.node.key_not_current_next_waiting", key = key),
                None => t!("status.node.key_not_current"),
            }
        );
    }
    for document in &view.own_documents {
        let submitted = match (document.submitted_sequence, document.submitted_at_ms) {
            (Some(sequence), Some(at)) => t!(
                "status.document.submitted",
                sequence = sequence,
                records = document.submitted_records.unwrap_or(0),
                by = submitted_by(document.submitted_by.as_deref()),
                time = format_time(at)
            )
            .into_owned(),
            _ => t!("status.document.not_submitted").into_owned(),
        };
        // A node with a parent is accepted or returned only by its parent's decision.
        let decided = view.parent.is_some()
            && matches!(
                document.review,
                ReviewState::Accepted | ReviewState::Returned { .. }
            );
        let review = match &document.review {
            ReviewState::Missing => String::new(),
            other => format!(
                "{}{}{}",
                t!("cli.list_separator"),
                review_text(other),
                if decided {
                    t!(
                        "status.document.decided",
                        by = decided_by(document.decided_by_person.as_deref())
                    )
                    .into_owned()
                } else {
                    String::new()
                }
            ),
        };
        let _ = writeln!(
            text,
            "{}{submitted}{review}{}",
            t!("status.document.own", key = document.key),
            if document.unsubmitted_changes {
                t!("status.document.unsubmitted_changes").into_owned()
            } else {
                String::new()
            }
        );
    }
    let _ = writeln!(
        text,
        "{}",
        t!("status.node.replicas_held", count = view.replicas_held)
    );
    for rollup in &view.rollups {
        let _ = writeln!(
            text,
            "{}",
            t!(
                "status.node.rollup",
                ledger = ledger_name(rollup.ledger),
                period = rollup.period,
                sequence = rollup.sequence,
                included = rollup.included,
                expected = rollup.expected,
                time = format_time(rollup.signed_at_ms)
            )
        );
    }
    let _ = writeln!(
        text,
        "{}",
        t!("status.node.refusals", count = view.refusals)
    );
    for refusal in &view.recent_refusals {
        let _ = writeln!(text, "  {refusal}");
    }
    if !view.recent_activity.is_empty() {
        let _ = writeln!(text, "{}", t!("status.activity.heading"));
        for entry in &view.recent_activity {
            let _ = writeln!(
                text,
                "  {}",
                t!(
                    "status.activity.line",
                    time = format_time(entry.time_ms),
                    actor = entry.actor,
                    operation = catalogue_text(&format!("status.activity.{}", entry.operation))
                        .unwrap_or_else(|| entry.operation.clone()),
                    subject = entry.subject
                )
            );
        }
    }
    text
}

/// Who submitted, as the signed submission names them, or that it names nobody (signed by an
/// earlier version).
fn submitted_by(person: Option<&str>) -> String {
    match person {
        Some(person) => t!("status.person.submitted_by", person = person).into_owned(),
        None => t!("status.person.submitted_by_unknown").into_owned(),
    }
}

/// Who accepted or returned, as the signed decision names them, or that it names nobody.
fn decided_by(person: Option<&str>) -> String {
    match person {
        Some(person) => t!("status.person.decided_by", person = person).into_owned(),
        None => t!("status.person.decided_by_unknown").into_owned(),
    }
}

/// A person's part appended to a line: "，由 张三 提交".
fn person_clause(text: &str) -> String {
    t!("status.person.clause", text = text).into_owned()
}

/// A review state in words, with the reason of a return.
fn review_text(review: &ReviewState) -> String {
    match review {
        ReviewState::Missing => t!("status.review.missing").into_owned(),
        ReviewState::Submitted => t!("status.review.submitted").into_owned(),
        ReviewState::Accepted => t!("status.review.accepted").into_owned(),
        ReviewState::Returned { reason } => {
            t!("status.review.returned", reason = reason).into_owned()
        }
    }
}

/// A document's review after a decision: its state and history.
pub fn document_review(review: &DocumentReview) -> String {
    let mut text = format!("{}: {}", review.key, review_text(&review.review));
    for submission in &review.submissions {
        let _ = write!(
            text,
            "\n  {}",
            t!(
                "status.review.submission_line",
                sequence = submission.sequence,
                time = format_time(submission.signed_at_ms),
                by = submitted_by(submission.submitted_by.as_deref()),
                records = submission.n_records,
                hash = &submission.hash[..12]
            )
        );
    }
    for decision in &review.history {
        let _ = write!(
            text,
            "\n  {}{}",
            t!(
                "status.review.decision_line",
                sequence = decision.sequence,
                verdict = t!(format!("status.verdict.{}", decision.verdict)),
                by = format!("{} ({})", decision.decided_by_name, decision.decided_by),
                person = decided_by(decision.decided_by_person.as_deref()),
                time = format_time(decision.time_ms)
            ),
            decision.reason.as_ref().map_or(String::new(), |reason| t!(
                "status.review.decision_reason",
                reason = reason
            )
            .into_owned())
        );
    }
    text.push('\n');
    text
}

/// How a figure was made, as an indented tree of signed objects.
pub fn explain(view: &ExplainView) -> String {
    let mut text = format!(
        "{}\n",
        t!(
            "status.explain.heading",
            figure = view.figure,
            node = node_name(&view.node),
            ledger = ledger_name(view.ledger),
            period = view.period
        )
    );
    match &view.contribution {
        None => {
            let _ = writeln!(text, "  {}", t!("status.report.nothing_yet"));
        }
        Some(contribution) => explain_lines(&mut text, contribution, 1),
    }
    text
}

fn explain_lines(text: &mut String, contribution: &Contribution, depth: usize) {
    let review = contribution
        .review
        .as_ref()
        .map_or(String::new(), |review| {
            let decision = contribution
                .decision
                .as_ref()
                .map_or(String::new(), |decision| {
                    t!(
                        "status.document.decided",
                        by = decided_by(decision.decided_by_person.as_deref())
                    )
                    .into_owned()
                });
            format!(
                "{}{}{decision}",
                t!("cli.list_separator"),
                review_text(review)
            )
        });
    // Submissions name the person who submitted; rollups are the node's own doing.
    let by = if contribution.kind == "submission" {
        person_clause(&submitted_by(contribution.submitted_by.as_deref()))
    } else {
        String::new()
    };
    let _ = writeln!(
        text,
        "{}{}",
        "  ".repeat(depth),
        t!(
            "status.explain.line",
            node = contribution.node,
            kind = t!(format!("status.explain.kind_{}", contribution.kind)),
            sequence = contribution.sequence,
            value = contribution.value.normalize(),
            hash = &contribution.hash[..12],
            signer = contribution.signer,
            by = by,
            time = format_time(contribution.signed_at_ms),
            review = review
        )
    );
    for input in &contribution.inputs {
        explain_lines(text, input, depth + 1);
    }
}

/// The completeness of a subtree: counts, then one line per node.
pub fn completeness(view: &CompletenessView) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{}{}{}",
        t!(
            "status.completeness.heading",
            node = node_name(&view.node),
            ledger = ledger_name(view.ledger),
            period = view.period,
            submitted = view.submitted,
            expected = view.expected,
            on_time = view.on_time,
            late = view.late,
            accepted = view.accepted,
            returned = view.returned
        ),
        view.deadline_ms.map_or_else(
            || t!("status.completeness.no_definition").into_owned(),
            |deadline| t!("status.completeness.due", time = format_time(deadline)).into_owned()
        ),
        if view.provisional {
            t!("status.completeness.provisional").into_owned()
        } else {
            String::new()
        }
    );
    if view.documents.iter().any(|row| row.document.period_closed) {
        let _ = writeln!(text, "  {}", t!("status.completeness.closed"));
    }
    if !view.overdue.is_empty() {
        let _ = writeln!(
            text,
            "  {}",
            t!(
                "status.completeness.overdue",
                names = some_names(&view.overdue)
            )
        );
    }
    for row in &view.documents {
        let document = &row.document;
        let submitter = match document.sequence {
            Some(_) => person_clause(&submitted_by(document.submitted_by.as_deref())),
            None => String::new(),
        };
        // The decision that stands on the latest submission, if any (the root's own submission is
        // accepted without one).
        let reviewer = if document
            .history
            .iter()
            .any(|decision| Some(decision.sequence) == document.sequence)
            && matches!(
                document.review,
                ReviewState::Accepted | ReviewState::Returned { .. }
            ) {
            person_clause(&decided_by(document.decided_by_person.as_deref()))
        } else {
            String::new()
        };
        let _ = writeln!(
            text,
            "  {} {}  {}{}{}{submitter}{reviewer}",
            row.node.code,
            pad(&row.node.name_zh, 12),
            review_text(&row.document.review),
            match (row.document.late_correction, row.timeliness) {
                (true, _) => t!("status.completeness.late_correction").into_owned(),
                (false, Timeliness::Late) => t!("status.completeness.late").into_owned(),
                (false, Timeliness::Overdue) => t!("status.completeness.overdue_mark").into_owned(),
                _ => String::new(),
            },
            row.document
                .sequence
                .map_or(String::new(), |sequence| format!(" (#{sequence})"))
        );
        if let Some(confirmed) = &row.confirmed {
            let _ = writeln!(
                text,
                "      {}",
                t!(
                    "status.completeness.confirmed",
                    confirms = confirmed.confirms,
                    reason = confirmed.reason,
                    by = confirmed.by,
                    time = format_time(confirmed.time_ms)
                )
            );
        }
    }
    text
}

/// `import`: what was written.
pub fn import(answer: &ImportAnswer) -> String {
    let tables: Vec<&str> = answer.tables.iter().map(|table| table.name_zh()).collect();
    if answer.replaced {
        return format!(
            "{}\n{}",
            t!(
                "draft.replaced",
                tables = tables.join(t!("cli.list_separator").as_ref()),
                file = answer.file,
                written = answer.outcome.n_records_written,
                key = answer.outcome.key,
                total = answer.outcome.n_records_in_document
            ),
            blocking_submission(&answer.outcome.blocking_submission)
        );
    }
    let mut text = format!(
        "{}\n",
        t!(
            "cli.import.done",
            written = answer.outcome.n_records_written,
            tables = tables.join(t!("cli.list_separator").as_ref()),
            file = answer.file,
            key = answer.outcome.key,
            total = answer.outcome.n_records_in_document
        )
    );
    text.push_str(&blocking_submission(&answer.outcome.blocking_submission));
    text
}

/// After an import: the errors of the draft that will refuse its submission, one per line.
fn blocking_submission(blocking: &[Finding]) -> String {
    if blocking.is_empty() {
        return String::new();
    }
    format!(
        "{}\n{}",
        t!("cli.import.blocking_submission", count = blocking.len()),
        findings(blocking)
    )
}

/// A field of a record as a clerk reads it: in Chinese, the form's header and a closed list's or
/// a yes/no's word (`能源品种=电力`); in English, the field id and the stored value.
fn field_shown(table: schemas::table::Table, field: &str, value: &str) -> String {
    let english = schemas::i18n::Language::current() == schemas::i18n::Language::English;
    let Some(column) = table
        .spec()
        .columns
        .iter()
        .find(|column| column.field == field)
        .filter(|_| !english)
    else {
        return format!("{field}={value}");
    };
    let header = column
        .header_zh
        .split('（')
        .next()
        .unwrap_or(column.header_zh);
    format!("{header}={}", value_in_words(&column.kind, value))
}

/// A stored value as a clerk reads it: a closed list's word in Chinese (电力 for `electricity`), a
/// yes/no in the reader's language, anything else as stored. Import reads these words back.
pub fn value_in_words(kind: &schemas::records::FieldKind, value: &str) -> String {
    match kind {
        schemas::records::FieldKind::Choice(list) => (list.choices)()
            .iter()
            .find(|choice| choice.slug == value)
            .map_or_else(|| value.to_owned(), |choice| choice.name_zh.to_owned()),
        schemas::records::FieldKind::Boolean => match value {
            "true" => t!("common.yes").into_owned(),
            "false" => t!("common.no").into_owned(),
            other => other.to_owned(),
        },
        _ => value.to_owned(),
    }
}

/// `records`: the records of a draft, by table, one line each: its id as `delete` takes it,
/// then its fields.
pub fn records(answer: &crate::operations::records::RecordsAnswer) -> String {
    let mut text = format!(
        "{}\n",
        t!(
            "draft.records_heading",
            key = answer.key,
            count = answer.records.len()
        )
    );
    if answer.records.is_empty() {
        let _ = writeln!(text, "  {}", t!("draft.no_records"));
        return text;
    }
    let mut current = None;
    for record in &answer.records {
        if current != Some(record.table) {
            current = Some(record.table);
            let count = answer
                .records
                .iter()
                .filter(|other| other.table == record.table)
                .count();
            let _ = writeln!(
                text,
                "{}",
                t!(
                    "draft.table_line",
                    table = record.table.slug(),
                    name = record.table.name_zh(),
                    count = count
                )
            );
        }
        let fields: Vec<String> = record
            .fields
            .iter()
            .map(|(field, value)| field_shown(record.table, field, value))
            .collect();
        let _ = writeln!(text, "  {}  {}", record.id, fields.join(" "));
    }
    text
}

/// `delete`: what was deleted, the records taken with them named.
pub fn delete(outcome: &crate::core::drafts::DeleteOutcome) -> String {
    let mut text = format!(
        "{}\n",
        t!(
            "draft.deleted",
            key = outcome.key,
            count = outcome.deleted.len(),
            total = outcome.n_records_in_document
        )
    );
    for record in outcome
        .deleted
        .iter()
        .filter(|record| !record.rule.is_empty())
    {
        let _ = writeln!(
            text,
            "  {}",
            t!(
                "draft.deleted_with",
                table = record.table.slug(),
                id = record.id,
                rule = record.rule
            )
        );
    }
    text
}

/// `submit`: what was signed, or that nothing changed.
pub fn submit(outcome: &SubmitOutcome) -> String {
    let line = if outcome.new {
        t!(
            "cli.submit.done",
            key = outcome.key,
            sequence = outcome.sequence,
            records = outcome.n_records,
            hash = &outcome.hash[..12]
        )
    } else {
        t!(
            "cli.submit.unchanged",
            key = outcome.key,
            sequence = outcome.sequence
        )
    };
    format!("{line}\n")
}

/// `confirm`: the returned submission confirmed and sent again.
pub fn confirm(answer: &crate::operations::confirm::ConfirmAnswer) -> String {
    format!(
        "{}\n",
        t!(
            "confirm.confirmed",
            key = answer.submission.key,
            confirms = answer.confirms,
            reason = answer.reason,
            sequence = answer.submission.sequence
        )
    )
}

/// `user …`: the account changed (with a password made for it, shown once) and every account.
pub fn users(
    answer: &crate::operations::users::UsersAnswer,
    made_password: Option<&str>,
) -> String {
    let mut out = String::new();
    if let Some(login) = &answer.changed {
        let _ = writeln!(out, "{}", t!("cli.user.changed", login = login));
    }
    if let (Some(login), Some(password)) = (&answer.changed, made_password) {
        let _ = writeln!(
            out,
            "{}",
            t!("cli.user.password_made", login = login, password = password)
        );
    }
    let _ = writeln!(
        out,
        "{}",
        t!("cli.user.heading", count = answer.accounts.len())
    );
    for account in &answer.accounts {
        let role_key = format!("accounts.role.{}", account.role.slug());
        let _ = writeln!(
            out,
            "  {}",
            t!(
                "cli.user.line",
                login = account.login,
                name = account.name,
                role = t!(&role_key),
                changed = format_time(account.password_changed_ms)
            )
        );
    }
    out
}

/// `return define`: the definition now in force.
pub fn define_return(definition: &DefineReturnAnswer, deadline: &str) -> String {
    let choices = &definition.choices;
    let or = |text: &str, key: &str| {
        if text.is_empty() {
            t!(key).into_owned()
        } else {
            text.to_owned()
        }
    };
    format!(
        "{}\n{}\n",
        t!(
            "cli.return.defined",
            ledger = ledger_name(definition.ledger),
            period = definition.period,
            revision = definition.revision,
            deadline = deadline
        ),
        t!(
            "cli.return.defined_choices",
            benchmarks = or(
                choices.benchmarks.as_deref().unwrap_or_default(),
                "cli.return.default_choice"
            ),
            target = choices.saving_target_percent,
            form = or(&choices.form.table_number, "cli.return.not_given"),
            blocking = or(&definition.blocking_rules.join(", "), "cli.return.no_rules")
        )
    )
}

/// `verify`: what was checked, then every flag.
pub fn verify(report: &VerifyReport) -> String {
    let mut text = format!(
        "{}\n",
        t!(
            "cli.verify.done",
            submissions = report.submissions_checked,
            documents = report.documents_checked,
            rollups = report.rollups_checked,
            decisions = report.decisions_checked,
            definitions = report.definitions_checked,
            objects = report.stored_objects_checked
        )
    );
    for flag in &report.flagged {
        let _ = writeln!(text, "{}", t!("cli.warning", message = flag));
    }
    text
}

/// A failed operation: its message, then every problem it lists, and what the exit code means.
pub fn error(error: &OperationError) -> String {
    let mut text = format!("{}\n", t!("cli.error", message = error.message));
    match &error.details {
        ErrorDetails::Findings { findings: listed } => {
            text.push_str(&findings(listed));
        }
        ErrorDetails::ImportProblems { problems, more } => {
            for line in crate::import::problem_lines(problems, *more) {
                let _ = writeln!(text, "  {line}");
            }
        }
        _ => {}
    }
    text
}

/// `restore`: where the old store went and what came back.
pub fn restore(report: &crate::driver::restore::RestoreReport) -> String {
    let mut text = String::new();
    if let Some(aside) = &report.moved_aside_to {
        let _ = writeln!(
            text,
            "{}",
            t!(
                "cli.restore.moved_aside",
                reason = report.store_error.as_deref().unwrap_or("corrupt"),
                aside = aside
            )
        );
    }
    let counts = &report.counts;
    let _ = writeln!(
        text,
        "{}",
        t!(
            "cli.restore.done",
            node = report.node,
            parent = report.parent,
            address = report.parent_address,
            submissions = counts.submissions,
            documents = counts.documents,
            own_documents = counts.own_documents,
            rollups = counts.rollups,
            notices = counts.notices,
            own_submission = counts.own_submission_sequence_max,
            own_rollup = counts.own_rollup_sequence_max,
            next = counts.next_sequence
        )
    );
    text
}

/// What `huizong export --format parquet --subtree` wrote.
pub fn parquet_export(written: &crate::export::parquet::ParquetExport) -> String {
    format!(
        "{}\n",
        t!(
            "cli.export.parquet_wrote",
            node = written.node,
            dir = written.directory,
            files = written.files.len(),
            submissions = written.submissions,
            records = written.records,
            figures = written.figures
        )
    )
}

/// What `huizong recovery end` did.
pub fn end_recovery(answer: &crate::operations::recovery::EndRecoveryAnswer) -> String {
    let list = |codes: &[topology::DivisionCode]| {
        codes
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(t!("cli.list_separator").as_ref())
    };
    let mut text = format!(
        "{}\n",
        t!("cli.recovery.given_up", children = list(&answer.given_up))
    );
    let line = if answer.still_waiting.is_empty() {
        t!("cli.recovery.finished")
    } else {
        t!(
            "cli.recovery.still_waiting",
            children = list(&answer.still_waiting)
        )
    };
    let _ = writeln!(text, "{line}");
    text
}

/// What `huizong backup` wrote.
pub fn backup(summary: &crate::backup::BackupSummary) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{}",
        t!(
            "cli.backup.done",
            node = summary.node,
            file = summary.file,
            bytes = summary.bytes,
            own_documents = summary.own_documents,
            submissions = summary.submissions,
            rollups = summary.rollups,
            notices = summary.notices,
            accounts = summary.accounts,
            time = crate::clock::beijing_time(summary.taken_at_ms)
        )
    );
    let key = if summary.with_key {
        t!("cli.backup.key_included")
    } else {
        t!("cli.backup.key_not_included")
    };
    let _ = writeln!(text, "{key}");
    if summary.verified {
        let _ = writeln!(
            text,
            "{}",
            t!("cli.backup.verified", sha256 = summary.sha256)
        );
    }
    text
}

/// What `huizong restore --from-backup` did, and what it cannot get back.
pub fn restore_from_backup(report: &crate::backup::BackupRestoreReport) -> String {
    let mut text = String::new();
    let time = crate::clock::beijing_time(report.taken_at_ms);
    let _ = writeln!(
        text,
        "{}",
        t!(
            "cli.restore_backup.done",
            node = report.node,
            file = report.backup,
            time = time,
            submissions = report.submissions,
            rollups = report.rollups,
            notices = report.notices,
            store_was = report.store_was
        )
    );
    if let Some(aside) = &report.moved_aside_to {
        let _ = writeln!(
            text,
            "{}",
            t!("cli.restore_backup.moved_aside", aside = aside)
        );
    }
    if !report.files_written.is_empty() {
        let _ = writeln!(
            text,
            "{}",
            t!(
                "cli.restore_backup.files_written",
                files = report.files_written.join(", ")
            )
        );
    }
    let recovery = &report.recovery;
    let _ = writeln!(
        text,
        "{}",
        t!(
            "cli.restore_backup.next_sequence",
            next = recovery.next_sequence
        )
    );
    if recovery.children.is_empty() {
        let _ = writeln!(text, "{}", t!("cli.restore_backup.no_children"));
    } else {
        let children: Vec<String> = recovery.children.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            text,
            "{}",
            t!(
                "cli.restore_backup.waiting",
                children = children.join(t!("cli.list_separator").as_ref())
            )
        );
    }
    let _ = writeln!(text, "{}", t!("cli.restore_backup.lost_heading"));
    for document in &recovery.own_documents {
        let state = match document.submitted_sequence {
            Some(sequence) => t!("cli.restore_backup.submitted_state", sequence = sequence),
            None => t!("cli.restore_backup.draft_state"),
        };
        let _ = writeln!(
            text,
            "{}",
            t!(
                "cli.restore_backup.lost_document",
                ledger = ledger_name(document.ledger),
                period = document.period,
                state = state,
                time = time
            )
        );
    }
    let _ = writeln!(text, "{}", t!("cli.restore_backup.lost_other"));
    text
}

/// The command line's help in the language chosen: each command's `about` and each argument's
/// `help` from the catalogue (`cli.help.<command path>._about`, `cli.help.<command path>.<arg>`,
/// else `cli.help._common.<arg>` for the arguments many commands share; the top level's are under
/// `cli.help._root`). clap's own words are replaced too: the headings (a help template per
/// command), the help and version flags, the `help` subcommand, and the environment variable and
/// default value of an argument. The command comes back built (`Command::build`), so that the
/// `help` subcommands clap makes can be put into words as well.
pub fn localized_help(command: clap::Command) -> clap::Command {
    let mut command = localize_command(command.disable_version_flag(true), "_root").arg(
        clap::Arg::new("version")
            .short('V')
            .long("version")
            .action(clap::ArgAction::Version)
            .help(t!("cli.help._builtin.version").into_owned()),
    );
    command.build();
    localize_help_subcommands(command)
}

/// The name of the subcommand clap adds to every command that has subcommands.
const HELP_COMMAND: &str = "help";

/// Puts the `help` subcommands clap added while building into the catalogue's words.
fn localize_help_subcommands(mut command: clap::Command) -> clap::Command {
    let subcommands: Vec<String> = command
        .get_subcommands()
        .map(|subcommand| subcommand.get_name().to_owned())
        .filter(|name| name != HELP_COMMAND)
        .collect();
    for name in subcommands {
        command = command.mut_subcommand(name, localize_help_subcommands);
    }
    if command.find_subcommand(HELP_COMMAND).is_none() {
        return command;
    }
    command.mut_subcommand(HELP_COMMAND, |help| {
        let about = t!("cli.help._builtin.help_command").into_owned();
        let mut help = help
            .about(about.clone())
            .subcommand_value_name(t!("cli.help._builtin.command_value").into_owned());
        // `help help`: clap's help subcommand has one of its own.
        if help.find_subcommand(HELP_COMMAND).is_some() {
            help = help.mut_subcommand(HELP_COMMAND, |inner| inner.about(about));
        }
        let template = help_template(&help);
        help.help_template(template)
    })
}

fn catalogue_text(key: &str) -> Option<String> {
    let text = t!(key);
    (text != key).then(|| text.into_owned())
}

fn localize_command(mut command: clap::Command, path: &str) -> clap::Command {
    if let Some(about) = catalogue_text(&format!("cli.help.{path}._about")) {
        command = command.about(about).long_about(None);
    }
    let arguments: Vec<String> = command
        .get_arguments()
        .map(|argument| argument.get_id().to_string())
        .collect();
    for id in arguments {
        let help = catalogue_text(&format!("cli.help.{path}.{id}"))
            .or_else(|| catalogue_text(&format!("cli.help._common.{id}")));
        command = command.mut_arg(id, |argument| localize_argument(argument, help));
    }
    let subcommands: Vec<String> = command
        .get_subcommands()
        .map(|subcommand| subcommand.get_name().to_owned())
        .collect();
    for name in subcommands {
        let child_path = if path == "_root" {
            name.replace('-', "_")
        } else {
            format!("{path}.{}", name.replace('-', "_"))
        };
        command =
            command.mut_subcommand(name, |subcommand| localize_command(subcommand, &child_path));
    }
    if command.has_subcommands() {
        command = command.subcommand_value_name(t!("cli.help._builtin.command_value").into_owned());
    }
    with_builtins(command)
}

/// An argument's help in the catalogue's words (or its own, when the catalogue has none), with
/// its environment variable and default value said in them too instead of clap's English.
fn localize_argument(argument: clap::Arg, help: Option<String>) -> clap::Arg {
    let mut help = help.unwrap_or_else(|| {
        argument
            .get_help()
            .map(ToString::to_string)
            .unwrap_or_default()
    });
    let mut argument = argument;
    if let Some(variable) = argument.get_env()
        && !argument.is_hide_env_set()
    {
        help.push_str(&t!(
            "cli.help._builtin.env",
            name = variable.to_string_lossy()
        ));
        argument = argument.hide_env(true);
    }
    let defaults: Vec<String> = argument
        .get_default_values()
        .iter()
        .map(|value| value.to_string_lossy().into_owned())
        .collect();
    if !defaults.is_empty()
        && argument.get_action().takes_values()
        && !argument.is_hide_default_value_set()
    {
        help.push_str(&t!("cli.help._builtin.default", value = defaults.join(" ")));
        argument = argument.hide_default_value(true);
    }
    argument.help(help).long_help(None)
}

/// A command with the help flag and the headings of its help in the catalogue's words.
fn with_builtins(command: clap::Command) -> clap::Command {
    let command = command.disable_help_flag(true).arg(
        clap::Arg::new("help")
            .short('h')
            .long("help")
            .action(clap::ArgAction::Help)
            .help(t!("cli.help._builtin.help").into_owned()),
    );
    let template = help_template(&command);
    command.help_template(template)
}

/// clap's default help template with the headings in the catalogue's words, and only the sections
/// the command has (a command with subcommands also gets clap's `help` subcommand).
fn help_template(command: &clap::Command) -> String {
    let styles = command.get_styles().clone();
    let (header, usage) = (styles.get_header(), styles.get_usage());
    let mut template = format!(
        "{{before-help}}{{about-with-newline}}\n{usage}{}{usage:#}{{usage}}\n\n",
        t!("cli.help._builtin.usage_heading")
    );
    if command.has_subcommands() {
        template.push_str(&format!(
            "{header}{}{header:#}\n{{subcommands}}\n\n",
            t!("cli.help._builtin.commands_heading")
        ));
    }
    if command.get_positionals().next().is_some() {
        template.push_str(&format!(
            "{header}{}{header:#}\n{{positionals}}\n\n",
            t!("cli.help._builtin.arguments_heading")
        ));
    }
    if command
        .get_arguments()
        .any(|argument| !argument.is_positional())
    {
        template.push_str(&format!(
            "{header}{}{header:#}\n{{options}}",
            t!("cli.help._builtin.options_heading")
        ));
    }
    template.truncate(template.trim_end_matches('\n').len());
    template.push_str("{after-help}");
    template
}

#[cfg(test)]
mod tests {
    use super::format_time;

    #[test]
    fn formats_unix_milliseconds_in_beijing_time_naming_the_zone() {
        assert_eq!(format_time(0), "1970-01-01 08:00:00 北京时间 (UTC+8)");
        assert_eq!(
            format_time(1_764_189_296_000),
            "2025-11-27 04:34:56 北京时间 (UTC+8)"
        );
        assert_eq!(
            format_time(951_782_400_000),
            "2000-02-29 08:00:00 北京时间 (UTC+8)"
        );
    }
}
