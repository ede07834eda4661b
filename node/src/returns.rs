//! A node's statistical return for a ledger and period, assembled from what it holds: its
//! consolidated figures, its own level's, each child's, last year's, and the findings of the
//! documents below it. The sheets themselves are built by the schema ([`schemas::ledgers`]).
//!
//! Each return also carries its form heading ([`ReturnHeading`]): 表号, 制定机关, 批准机关 and 文号
//! from the return definition of its (ledger, period) when one is held, the reporting unit and the
//! people who sign from node.toml's `[reporting_unit]`, and the day it was produced.

use schemas::figures::Figures;
use schemas::ledgers::{ReturnInput, return_sheets};
use schemas::returns::{ReturnHeading, StatReturn};
use schemas::{Ledger, Period, coefficients};

use crate::core::{CoreError, NodeCore};

/// Builds the return of this node for (ledger, period). Figures not held yet count as zero, so a
/// return can be looked at before every child has reported; the coverage in `huizong report` says
/// which nodes are included.
pub fn build(core: &mut NodeCore, ledger: Ledger, period: Period) -> Result<StatReturn, CoreError> {
    let code = core.code();
    let topology = core.topology();
    let node_name = topology
        .node(code)
        .map(|entry| entry.name_zh.clone())
        .unwrap_or_default();
    let children: Vec<_> = topology
        .children_of(code)
        .iter()
        .map(|child| {
            let name = topology
                .node(*child)
                .map(|entry| entry.name_zh.clone())
                .unwrap_or_default();
            (
                *child,
                name,
                core.figures_of(*child, ledger, period).unwrap_or_default(),
            )
        })
        .collect();
    let total = core
        .consolidated_figures(ledger, period)
        .unwrap_or_default();
    let own_level = core
        .own_level_figures_of(code, ledger, period)
        .unwrap_or_default();
    let previous_year: Option<Figures> = period
        .previous_year()
        .and_then(|previous| core.consolidated_figures(ledger, previous));
    let input = ReturnInput {
        ledger,
        period,
        total: &total,
        own_level: &own_level,
        children: &children,
        previous_year: previous_year.as_ref(),
    };
    let sheets = return_sheets(&input);
    let findings = core.subtree_findings(ledger, period)?;
    let provisional = !core.unaccepted_inputs(code, ledger, period)?.is_empty();
    Ok(StatReturn {
        node: code,
        node_name,
        ledger,
        period,
        // The version the return was defined with, which names the electricity basis too.
        coefficients_version: core
            .definition_of(ledger, period)
            .map(|definition| definition.coefficients_version.clone())
            .unwrap_or_else(|| coefficients::current().version().to_owned()),
        sheets,
        findings,
        heading: heading(core, ledger, period),
        provisional,
    })
}

/// The heading of this node's forms for (ledger, period): the return definition's form heading,
/// the reporting unit of node.toml (its name defaulting to the node's name in the topology), and
/// today in Beijing time as the day the return is reported (报出日期).
pub fn heading(core: &NodeCore, ledger: Ledger, period: Period) -> ReturnHeading {
    let form = core
        .definition_of(ledger, period)
        .map(|definition| definition.choices.form.clone())
        .unwrap_or_default();
    let unit = core.reporting_unit();
    let unit_name = if unit.name.trim().is_empty() {
        core.entry().name_zh.clone()
    } else {
        unit.name.clone()
    };
    ReturnHeading {
        table_number: form.table_number,
        made_by: form.made_by,
        approved_by: form.approved_by,
        approval_number: form.approval_number,
        unit_name,
        unit_head: unit.head.clone(),
        preparer: unit.preparer.clone(),
        phone: unit.phone.clone(),
        reported_on: beijing_date(core.wall_clock_ms()),
    }
}

/// The day of a time in Beijing time (UTC+8), `YYYY-MM-DD`; empty before the clock was told.
fn beijing_date(unix_ms: i64) -> String {
    if unix_ms <= 0 {
        return String::new();
    }
    jiff::Timestamp::from_millisecond(unix_ms)
        .map(|time| {
            time.to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8)))
                .date()
                .to_string()
        })
        .unwrap_or_default()
}

/// The return this node's own draft would give as its next submission (`report --draft`): the
/// draft's figures as its own level and its total (what this node itself would sign; a parent's
/// consolidated total waits for the rollup), last year's own figures, and the draft's findings.
pub fn build_preview(
    core: &NodeCore,
    preview: &crate::core::preview::DraftPreview,
    ledger: Ledger,
    period: Period,
) -> StatReturn {
    let code = core.code();
    let node_name = core
        .topology()
        .node(code)
        .map(|entry| entry.name_zh.clone())
        .unwrap_or_default();
    let previous_year: Option<Figures> = period
        .previous_year()
        .and_then(|previous| core.own_level_figures_of(code, ledger, previous));
    let input = ReturnInput {
        ledger,
        period,
        total: &preview.figures,
        own_level: &preview.figures,
        children: &[],
        previous_year: previous_year.as_ref(),
    };
    StatReturn {
        node: code,
        node_name,
        ledger,
        period,
        coefficients_version: preview.coefficients_version.clone(),
        sheets: return_sheets(&input),
        findings: preview.findings.clone(),
        heading: heading(core, ledger, period),
        // A draft is not signed yet: its figures are what the node would submit.
        provisional: true,
    }
}
