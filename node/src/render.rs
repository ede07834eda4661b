//! Text for people: the tables `status` and `report` print without `--json`.

use std::fmt::Write;

use schemas::returns::StatReturn;

use crate::core::{Contribution, DocumentReview, ReviewState};
use crate::views::{CompletenessView, ExplainView, FigureView, ReportView, StatusView};

/// A time for people: Beijing time with the zone named (see [`crate::clock::beijing_time`]).
pub fn format_time(unix_ms: i64) -> String {
    crate::clock::beijing_time(unix_ms)
}

/// Terminal columns a string takes: CJK characters take two.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|character| if (character as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

fn pad(text: &str, width: usize) -> String {
    let padding = width.saturating_sub(display_width(text));
    format!("{text}{}", " ".repeat(padding))
}

/// A figure table: label, value right-aligned, unit.
pub fn figure_table(figures: &[FigureView]) -> String {
    let labels: Vec<String> = figures
        .iter()
        .map(|figure| {
            if figure.label_zh.is_empty() {
                figure.name.clone()
            } else {
                format!("{} {}", figure.label_zh, figure.label_en)
            }
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
            figure.unit
        );
    }
    text
}

pub fn report(view: &ReportView) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} {} ({}): {} {}",
        view.node.name_zh, view.node.name_en, view.node.code, view.ledger, view.period
    );
    match (view.sequence, view.signed_at_ms) {
        (Some(sequence), Some(signed_at_ms)) => {
            let _ = writeln!(
                text,
                "{} #{sequence}, signed {}; includes the submissions of {} of {} nodes",
                view.source,
                format_time(signed_at_ms),
                view.included.len(),
                view.included.len() + view.missing.len()
            );
        }
        _ => {
            let _ = writeln!(text, "nothing submitted or consolidated yet");
            return text;
        }
    }
    if view.provisional {
        const NAMED_MAX: usize = 5;
        let mut names: Vec<String> = view
            .unaccepted
            .iter()
            .take(NAMED_MAX)
            .map(|node| format!("{} {}", node.code, node.name_zh))
            .collect();
        if view.unaccepted.len() > NAMED_MAX {
            names.push(format!("and {} more", view.unaccepted.len() - NAMED_MAX));
        }
        let _ = writeln!(
            text,
            "PROVISIONAL: includes {} submissions not yet accepted by their reviewer: {}",
            view.unaccepted.len(),
            names.join(", ")
        );
    } else {
        let _ = writeln!(
            text,
            "final: every submission included is accepted by its reviewer"
        );
    }
    if !view.missing.is_empty() {
        let names: Vec<String> = view
            .missing
            .iter()
            .map(|node| format!("{} {}", node.code, node.name_zh))
            .collect();
        let _ = writeln!(text, "not yet included: {}", names.join(", "));
    }
    text.push_str(&statistical_return(&view.statistical_return));
    text
}

/// The sheets of a return as text tables, each with its totals row, then the findings counted by
/// rule.
pub fn statistical_return(ret: &StatReturn) -> String {
    let mut text = String::new();
    for sheet in &ret.sheets {
        let _ = writeln!(text, "\n  {} ({})", sheet.name_zh, sheet.id);
        let mut header = vec![sheet.row_header_zh.clone()];
        let indicator_sheet = sheet.rows.iter().any(|row| row.unit.is_some());
        if indicator_sheet {
            header.push("单位".to_owned());
        }
        header.extend(sheet.columns.iter().map(|column| {
            if column.unit.is_empty() || column.header_zh.contains('（') {
                column.header_zh.clone()
            } else {
                format!("{} {}", column.header_zh, column.unit)
            }
        }));
        let cell = |value: &Option<schemas::Decimal>| {
            value.map_or_else(|| "-".to_owned(), |value| value.normalize().to_string())
        };
        let mut lines: Vec<Vec<String>> = vec![header];
        for row in &sheet.rows {
            let mut line = vec![row.label_zh.clone()];
            if indicator_sheet {
                line.push(row.unit.clone().unwrap_or_default());
            }
            line.extend(row.values.iter().map(cell));
            lines.push(line);
        }
        if let Some(totals) = &sheet.totals {
            let mut line = vec!["合计".to_owned()];
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
                .entry((
                    format!("{:?}", finding.severity).to_lowercase(),
                    finding.rule.clone(),
                ))
                .or_default() += 1;
        }
        let listed: Vec<String> = by_rule
            .iter()
            .map(|((severity, rule), count)| format!("{count} {rule} ({severity})"))
            .collect();
        let _ = writeln!(text, "\n  for review: {}", listed.join(", "));
    }
    text
}

pub fn status(view: &StatusView) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} {} ({}, {}) — topology version {}{}",
        view.node.name_zh,
        view.node.name_en,
        view.node.code,
        view.node.level,
        view.topology_version,
        if view.running {
            ", running"
        } else {
            ", not running"
        }
    );
    if let Some(parent) = &view.parent {
        let _ = writeln!(text, "parent: {} {}", parent.code, parent.name_zh);
    }
    if !view.children.is_empty() {
        let _ = writeln!(text, "children: {}", view.children.len());
    }
    for link in &view.links {
        let _ = writeln!(
            text,
            "link to {} {}: {:?}{}{}",
            link.role,
            link.peer,
            link.state,
            link.last_settled_ms
                .map(|ms| format!(", last settled {}", format_time(ms)))
                .unwrap_or_default(),
            link.last_error
                .as_ref()
                .map(|error| format!(", last error: {error}"))
                .unwrap_or_default()
        );
    }
    for held in &view.held_off {
        let _ = writeln!(
            text,
            "child {} {} held off until {}: {}",
            held.child.code,
            held.child.name_zh,
            format_time(held.until_ms),
            held.reason
        );
    }
    if let Some(note) = &view.topology_file_not_used {
        let _ = writeln!(text, "warning: {note}");
    }
    if !view.signing_key_current {
        let _ = writeln!(
            text,
            "warning: the topology in force no longer names this node's key as current; it \
             signs nothing new until a topology names its next key (make one with `huizong key \
             new`){}",
            view.next_public_key
                .as_ref()
                .map(|key| format!(" (next key waiting: {key})"))
                .unwrap_or_default()
        );
    }
    for document in &view.own_documents {
        let submitted = match (document.submitted_sequence, document.submitted_at_ms) {
            (Some(sequence), Some(at)) => format!(
                "submitted #{sequence} ({} records) {}",
                document.submitted_records.unwrap_or(0),
                format_time(at)
            ),
            _ => "not submitted".to_owned(),
        };
        let review = match &document.review {
            ReviewState::Missing => String::new(),
            other => format!("; {}", review_text(other)),
        };
        let _ = writeln!(
            text,
            "own {}: {submitted}{review}{}",
            document.key,
            if document.unsubmitted_changes {
                "; the draft has unsubmitted changes"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(text, "replicas held: {}", view.replicas_held);
    for rollup in &view.rollups {
        let _ = writeln!(
            text,
            "rollup {} {} #{}: includes {} of {} nodes, signed {}",
            rollup.ledger,
            rollup.period,
            rollup.sequence,
            rollup.included,
            rollup.expected,
            format_time(rollup.signed_at_ms)
        );
    }
    let _ = writeln!(text, "refusals: {}", view.refusals);
    for refusal in &view.recent_refusals {
        let _ = writeln!(text, "  {refusal}");
    }
    text
}

/// One word for a review state, with the reason of a return.
fn review_text(review: &ReviewState) -> String {
    match review {
        ReviewState::Missing => "missing".to_owned(),
        ReviewState::Submitted => "submitted, awaiting review".to_owned(),
        ReviewState::Accepted => "accepted".to_owned(),
        ReviewState::Returned { reason } => format!("returned: {reason}"),
    }
}

/// A document's review after a decision: its state and history.
pub fn document_review(review: &DocumentReview) -> String {
    let mut text = format!("{}: {}", review.key, review_text(&review.review));
    for submission in &review.submissions {
        let _ = write!(
            text,
            "\n  #{} submitted at {} ({} records, {})",
            submission.sequence,
            format_time(submission.signed_at_ms),
            submission.n_records,
            &submission.hash[..12]
        );
    }
    for decision in &review.history {
        let _ = write!(
            text,
            "\n  #{} {} by {} at {}{}",
            decision.sequence,
            decision.verdict,
            decision.decided_by,
            format_time(decision.time_ms),
            decision
                .reason
                .as_ref()
                .map_or(String::new(), |reason| format!(": {reason}"))
        );
    }
    text
}

/// How a figure was made, as an indented tree of signed objects.
pub fn explain(view: &ExplainView) -> String {
    let mut text = format!(
        "{} at {} {} ({}), {} {}:\n",
        view.figure, view.node.name_zh, view.node.name_en, view.node.code, view.ledger, view.period
    );
    match &view.contribution {
        None => text.push_str("  nothing submitted or consolidated yet\n"),
        Some(contribution) => explain_lines(&mut text, contribution, 1),
    }
    text
}

fn explain_lines(text: &mut String, contribution: &Contribution, depth: usize) {
    let review = contribution
        .review
        .as_ref()
        .map_or(String::new(), |review| format!(", {}", review_text(review)));
    let _ = writeln!(
        text,
        "{}{} {} #{} = {}  (hash {}, signed by {} at {}{review})",
        "  ".repeat(depth),
        contribution.node,
        contribution.kind,
        contribution.sequence,
        contribution.value.normalize(),
        &contribution.hash[..12],
        contribution.signer,
        format_time(contribution.signed_at_ms)
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
        "{} {} ({}): {} {}: {} of {} submitted ({} on time, {} late), {} accepted, {} returned{}{}",
        view.node.name_zh,
        view.node.name_en,
        view.node.code,
        view.ledger,
        view.period,
        view.submitted,
        view.expected,
        view.on_time,
        view.late,
        view.accepted,
        view.returned,
        view.deadline_ms.map_or_else(
            || "; no return definition held".to_owned(),
            |deadline| format!("; due {}", format_time(deadline))
        ),
        if view.provisional {
            "; the figures are PROVISIONAL"
        } else {
            ""
        }
    );
    if view.documents.iter().any(|row| row.document.period_closed) {
        let _ = writeln!(
            text,
            "  the root has closed this period: figures are locked"
        );
    }
    for row in &view.documents {
        let _ = writeln!(
            text,
            "  {} {}  {}{}{}",
            row.node.code,
            pad(&row.node.name_zh, 12),
            review_text(&row.document.review),
            match (row.document.late_correction, row.timeliness) {
                (true, _) =>
                    " (late correction after the period closed: not counted until reopened)",
                (false, crate::views::Timeliness::Late) => " (late)",
                (false, crate::views::Timeliness::Overdue) => " (overdue)",
                _ => "",
            },
            row.document
                .sequence
                .map_or(String::new(), |sequence| format!(" (#{sequence})"))
        );
    }
    text
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
