//! A return as an XLSX workbook: one sheet per table of the return with Chinese headers and a
//! totals row (合计), then a sheet listing the findings for review (核查提示), then a cover sheet
//! (说明) naming the node, period, coefficient table and how the figures were computed.

use std::borrow::Cow;
use std::path::Path;

use schemas::returns::{ReturnSheet, Severity, StatReturn};

use super::ExportError;
use crate::spreadsheet::{CellOut, SheetOut, write_workbook};

/// The label of the totals row.
pub const TOTALS_LABEL: &str = "合计";

/// The name of the findings sheet.
pub const FINDINGS_SHEET: &str = "核查提示";

/// The name of the cover sheet.
pub const COVER_SHEET: &str = "说明";

/// Writes the return as a workbook at `path`, atomically.
pub fn write_return_xlsx(ret: &StatReturn, path: &Path) -> Result<(), ExportError> {
    let mut sheets: Vec<SheetOut> = ret.sheets.iter().map(sheet_out).collect();
    sheets.push(findings_sheet(ret));
    sheets.push(cover_sheet(ret));
    write_workbook(path, &sheets).map_err(|error| ExportError::Spreadsheet {
        path: path.to_path_buf(),
        reason: error.to_string(),
    })
}

/// One sheet of the return: the row label column, then one column per value column (with its unit
/// in the header), the rows, and the totals.
fn sheet_out(sheet: &ReturnSheet) -> SheetOut {
    let mut header = vec![sheet.row_header_zh.clone(), "代码".to_owned()];
    let indicator_sheet = sheet.rows.iter().any(|row| row.unit.is_some());
    if indicator_sheet {
        header.push("单位".to_owned());
    }
    header.extend(sheet.columns.iter().map(|column| {
        if column.unit.is_empty() || column.header_zh.contains('（') {
            column.header_zh.clone()
        } else {
            format!("{}（{}）", column.header_zh, column.unit)
        }
    }));
    let number = |value: &Option<schemas::Decimal>| match value {
        Some(value) => CellOut::Number(*value),
        None => CellOut::Empty,
    };
    let rows = sheet
        .rows
        .iter()
        .map(|row| {
            let mut cells = vec![
                CellOut::Text(row.label_zh.clone()),
                CellOut::Text(row.key.clone()),
            ];
            if indicator_sheet {
                cells.push(CellOut::Text(row.unit.clone().unwrap_or_default()));
            }
            cells.extend(row.values.iter().map(number));
            cells
        })
        .collect();
    let totals = sheet.totals.as_ref().map(|totals| {
        let mut cells = vec![
            CellOut::Text(TOTALS_LABEL.to_owned()),
            CellOut::Text("_T".to_owned()),
        ];
        if indicator_sheet {
            cells.push(CellOut::Empty);
        }
        cells.extend(totals.iter().map(number));
        cells
    });
    SheetOut {
        name: sheet.name_zh.clone(),
        header,
        rows,
        totals,
        notes: Vec::new(),
    }
}

/// The findings sheet: one row per finding.
fn findings_sheet(ret: &StatReturn) -> SheetOut {
    let rows = ret
        .findings
        .iter()
        .map(|finding| {
            vec![
                CellOut::Text(
                    match finding.severity {
                        Severity::Error => "错误",
                        Severity::Warning => "提示",
                    }
                    .to_owned(),
                ),
                CellOut::Text(finding.owner.to_string()),
                CellOut::Text(finding.table.clone()),
                CellOut::Text(finding.record_id.clone()),
                CellOut::Text(finding.field.clone()),
                CellOut::Text(finding.rule.clone()),
                CellOut::Text(finding.message.clone()),
            ]
        })
        .collect();
    SheetOut {
        name: FINDINGS_SHEET.to_owned(),
        header: ["级别", "填报单位", "表", "记录", "字段", "规则", "说明"]
            .map(str::to_owned)
            .to_vec(),
        rows,
        totals: None,
        notes: Vec::new(),
    }
}

/// The cover sheet: what the return is and how it was computed. The workbook is a Chinese form
/// whatever the language of the program.
fn cover_sheet(ret: &StatReturn) -> SheetOut {
    let line = |label: Cow<'_, str>, value: String| {
        vec![CellOut::Text(label.into_owned()), CellOut::Text(value)]
    };
    let text = |text: Cow<'_, str>| text.into_owned();
    SheetOut {
        name: COVER_SHEET.to_owned(),
        header: vec![
            text(rust_i18n::t!("node.export.cover.item", locale = "zh-CN")),
            text(rust_i18n::t!("node.export.cover.content", locale = "zh-CN")),
        ],
        rows: vec![
            line(
                rust_i18n::t!("node.export.cover.reporting_unit", locale = "zh-CN"),
                format!("{} {}", ret.node_name, ret.node),
            ),
            line(
                rust_i18n::t!("node.export.cover.ledger", locale = "zh-CN"),
                format!("{} ({})", ret.ledger.name_zh(), ret.ledger.slug()),
            ),
            line(
                rust_i18n::t!("node.export.cover.period", locale = "zh-CN"),
                ret.period.to_string(),
            ),
            line(
                rust_i18n::t!("node.export.cover.coefficients", locale = "zh-CN"),
                ret.coefficients_version.clone(),
            ),
            line(
                rust_i18n::t!("node.export.cover.basis_label", locale = "zh-CN"),
                text(rust_i18n::t!("node.export.cover.basis", locale = "zh-CN")),
            ),
            line(
                rust_i18n::t!("node.export.cover.findings_label", locale = "zh-CN"),
                text(rust_i18n::t!(
                    "node.export.cover.findings",
                    locale = "zh-CN",
                    count = ret.findings.len()
                )),
            ),
        ],
        totals: None,
        notes: Vec::new(),
    }
}
