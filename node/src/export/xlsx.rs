//! A return as an XLSX workbook laid out like the statistical report forms (统计报表) a statistics
//! office files: one sheet per table of the return, then a sheet of charts (图表), the code lists
//! (代码说明), the findings for review (核查提示) and a cover sheet (说明).
//!
//! Each table's sheet is headed as a form: its title, then 表号, 制定机关, 批准机关 and 批准文号
//! (from the return definition; blank where not known, to be filled by hand), then 填报单位 with
//! its 12-digit division code and the 报告期; then the table (the row label, its code, for an
//! indicator sheet the 计量单位, the value columns, a totals row 合计); then the footing 单位负责人,
//! 填报人, 联系电话 and 报出日期 (from node.toml's `[reporting_unit]`).
//!
//! Numbers are number cells with the format of their unit (see [`super::codes::number_format`]):
//! thousands separators and fixed decimals, 2 for areas, money and percentages, 4 for tonnes of
//! standard coal, none for counts. The code column holds official codes where a list exists
//! (division codes, institution types); any other code is this system's own, and the sheet's note
//! and the 代码说明 sheet say so. The charts are drawn by the spreadsheet from the tables' cells:
//! a column chart of the breakdown by child and a pie of each breakdown (the energy mix by carrier
//! for the energy ledger).
//!
//! The workbook is written with rust_xlsxwriter directly rather than through
//! [`crate::spreadsheet`], whose plain sheets have no room for headings, per-cell formats or
//! charts; it is saved through [`super::write_atomically`].

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use rust_xlsxwriter::{
    Chart, ChartType, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};
use schemas::returns::{ReturnSheet, RowDimension, Severity, StatReturn};
use schemas::{Decimal, Period};

use super::codes::{
    CodeSource, OWN_LEVEL_KEY, dimension_name_zh, number_format, row_dimension, unit_name_zh,
};
use super::{ExportError, check_shape, write_atomically};
use crate::spreadsheet::display_width;

/// The label of the totals row.
pub const TOTALS_LABEL: &str = "合计";

/// The name of the charts sheet.
pub const CHARTS_SHEET: &str = "图表";

/// The name of the code lists sheet.
pub const CODES_SHEET: &str = "代码说明";

/// The name of the findings sheet.
pub const FINDINGS_SHEET: &str = "核查提示";

/// The name of the cover sheet.
pub const COVER_SHEET: &str = "说明";

/// The rows above a table: the title, 表号, 制定机关, 批准机关, 批准文号 and the reporting unit.
pub const HEADING_ROWS: u32 = 6;

/// The widest column drawn, in widths of a digit: longer texts show whole in the formula bar.
const COLUMN_WIDTH_MAX: usize = 40;

/// The narrowest column drawn, in widths of a digit.
const COLUMN_WIDTH_MIN: usize = 10;

/// The size of a chart, in pixels: wide enough for the labels of a region's five cities.
const CHART_WIDTH_PX: u32 = 720;
/// The height of a chart, in pixels.
const CHART_HEIGHT_PX: u32 = 360;
/// Rows a chart takes on the charts sheet (at the default row height of 20 pixels), with a gap.
const CHART_ROWS: u32 = 20;

/// Writes the return as a workbook at `path`, atomically.
pub fn write_return_xlsx(ret: &StatReturn, path: &Path) -> Result<(), ExportError> {
    check_shape(ret)?;
    let spreadsheet_error = |error: XlsxError| ExportError::Spreadsheet {
        path: path.to_path_buf(),
        reason: error.to_string(),
    };
    let mut workbook = Workbook::new();
    build_workbook(&mut workbook, ret).map_err(spreadsheet_error)?;
    let bytes = workbook.save_to_buffer().map_err(spreadsheet_error)?;
    write_atomically(path, |out| {
        out.write_all(&bytes).map_err(ExportError::Write)
    })
}

/// Lays out every sheet of the workbook.
fn build_workbook(workbook: &mut Workbook, ret: &StatReturn) -> Result<(), XlsxError> {
    let mut tables = Vec::new();
    for sheet in &ret.sheets {
        let worksheet = workbook.add_worksheet();
        tables.push(form_sheet(worksheet, ret, sheet)?);
    }
    let charts = charts(ret, &tables);
    if !charts.is_empty() {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(CHARTS_SHEET)?;
        for (index, chart) in charts.iter().enumerate() {
            worksheet.insert_chart(index as u32 * CHART_ROWS, 0, chart)?;
        }
    }
    codes_sheet(workbook.add_worksheet(), ret)?;
    findings_sheet(workbook.add_worksheet(), ret)?;
    cover_sheet(workbook.add_worksheet(), ret)?;
    Ok(())
}

/// Where a table was written on its sheet, for the charts.
struct TablePlace<'a> {
    sheet: &'a ReturnSheet,
    /// The 0-based row of the table's first body row.
    first_row: u32,
    /// The 0-based column of the first value column.
    first_value_column: u16,
}

/// The period as a form writes it: `2025年`, `2025年第1季度`, `2025年3月`.
pub fn period_zh(period: Period) -> String {
    match period {
        Period::Year(year) => zh!("node.export.form.year", year = year),
        Period::Quarter(year, quarter) => {
            zh!("node.export.form.quarter", year = year, quarter = quarter)
        }
        Period::Month(year, month) => zh!("node.export.form.month", year = year, month = month),
    }
}

/// The code shown for a row: the node's own division code for its own level (本级), else the
/// row's key.
fn shown_code<'a>(ret: &StatReturn, sheet: &ReturnSheet, key: &'a str) -> Cow<'a, str> {
    if sheet.rows_are == RowDimension::RefArea && key == OWN_LEVEL_KEY {
        Cow::Owned(ret.node.to_string())
    } else {
        Cow::Borrowed(key)
    }
}

/// The note under a table saying where its codes come from.
fn codes_note(sheet: &ReturnSheet) -> String {
    let dimension = row_dimension(sheet);
    let source = CodeSource::of(dimension);
    if source.is_official() {
        zh!("node.export.form.codes_official", source = source.name_zh())
    } else {
        zh!(
            "node.export.form.codes_internal",
            source = CodeSource::Internal.name_zh(),
            sheet = CODES_SHEET
        )
    }
}

/// One table of the return as a form; returns where its body lies.
fn form_sheet<'a>(
    worksheet: &mut Worksheet,
    ret: &StatReturn,
    sheet: &'a ReturnSheet,
) -> Result<TablePlace<'a>, XlsxError> {
    worksheet.set_name(&sheet.name_zh)?;
    let indicator_sheet = sheet.rows_are == RowDimension::Indicator;
    let mut header = vec![sheet.row_header_zh.clone(), "代码".to_owned()];
    if indicator_sheet {
        header.push("计量单位".to_owned());
    }
    header.extend(sheet.columns.iter().map(|column| {
        if column.unit.is_empty() || column.header_zh.contains('（') {
            column.header_zh.clone()
        } else {
            format!("{}（{}）", column.header_zh, unit_name_zh(&column.unit))
        }
    }));
    let n_columns = header.len() as u16;
    let last_column = n_columns - 1;
    let first_value_column = if indicator_sheet { 3 } else { 2 };

    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    worksheet.merge_range(
        0,
        0,
        0,
        last_column,
        &zh!(
            "node.export.form.title",
            ledger = ret.ledger.name_zh(),
            sheet = sheet.name_zh
        ),
        &title,
    )?;
    let right = Format::new().set_align(FormatAlign::Right);
    let heading = &ret.heading;
    for (row, line) in [
        zh!(
            "node.export.form.table_number",
            value = heading.table_number
        ),
        zh!("node.export.form.made_by", value = heading.made_by),
        zh!("node.export.form.approved_by", value = heading.approved_by),
        zh!(
            "node.export.form.approval_number",
            value = heading.approval_number
        ),
    ]
    .into_iter()
    .enumerate()
    {
        worksheet.write_string_with_format(row as u32 + 1, last_column, line, &right)?;
    }
    worksheet.write_string(
        HEADING_ROWS - 1,
        0,
        zh!(
            "node.export.form.unit_line",
            unit = heading.unit_name,
            code = ret.node,
            period = period_zh(ret.period)
        ),
    )?;

    let header_format = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin);
    for (column, text) in header.iter().enumerate() {
        worksheet.write_string_with_format(HEADING_ROWS, column as u16, text, &header_format)?;
    }
    worksheet.set_row_height(HEADING_ROWS, 32)?;
    worksheet.set_freeze_panes(HEADING_ROWS + 1, 0)?;

    let text_cell = Format::new().set_border(FormatBorder::Thin);
    let first_row = HEADING_ROWS + 1;
    let mut row_index = first_row;
    for row in &sheet.rows {
        worksheet.write_string_with_format(row_index, 0, &row.label_zh, &text_cell)?;
        worksheet.write_string_with_format(
            row_index,
            1,
            shown_code(ret, sheet, &row.key),
            &text_cell,
        )?;
        if indicator_sheet {
            let unit = row.unit.as_deref().unwrap_or_default();
            worksheet.write_string_with_format(row_index, 2, unit_name_zh(unit), &text_cell)?;
        }
        for (index, (column, value)) in sheet.columns.iter().zip(&row.values).enumerate() {
            // On an indicator sheet the value, numerator and denominator are in the row's unit
            // (numerator and denominator are shown with the same decimals); the change is in %.
            let unit = match (&row.unit, column.unit.as_str()) {
                (Some(unit), "") => unit.as_str(),
                _ => column.unit.as_str(),
            };
            let format = Format::new()
                .set_num_format(number_format(unit))
                .set_border(FormatBorder::Thin);
            write_value(
                worksheet,
                row_index,
                first_value_column + index as u16,
                *value,
                &format,
            )?;
        }
        row_index += 1;
    }
    if let Some(totals) = &sheet.totals {
        let bold_text = text_cell.clone().set_bold();
        worksheet.write_string_with_format(row_index, 0, TOTALS_LABEL, &bold_text)?;
        worksheet.write_blank(row_index, 1, &bold_text)?;
        for (index, (column, value)) in sheet.columns.iter().zip(totals).enumerate() {
            let format = Format::new()
                .set_num_format(number_format(&column.unit))
                .set_border(FormatBorder::Thin)
                .set_bold();
            write_value(
                worksheet,
                row_index,
                first_value_column + index as u16,
                *value,
                &format,
            )?;
        }
        row_index += 1;
    }
    row_index += 1;
    worksheet.write_string(row_index, 0, codes_note(sheet))?;
    row_index += 2;
    worksheet.write_string(
        row_index,
        0,
        zh!(
            "node.export.form.footer",
            head = blank_line(&heading.unit_head),
            preparer = blank_line(&heading.preparer),
            phone = blank_line(&heading.phone),
            date = blank_line(&heading.reported_on)
        ),
    )?;

    for (column, width) in column_widths(ret, sheet, &header).into_iter().enumerate() {
        worksheet.set_column_width(column as u16, width as f64)?;
    }
    worksheet.set_landscape();
    worksheet.set_print_fit_to_pages(1, 0);
    Ok(TablePlace {
        sheet,
        first_row,
        first_value_column,
    })
}

/// A text of the footing, or a line to write on by hand when it is not known.
fn blank_line(text: &str) -> String {
    if text.trim().is_empty() {
        zh!("node.export.form.blank")
    } else {
        text.to_owned()
    }
}

/// Writes a value as a number cell in `format`, or an empty bordered cell for an undefined one.
fn write_value(
    worksheet: &mut Worksheet,
    row: u32,
    column: u16,
    value: Option<Decimal>,
    format: &Format,
) -> Result<(), XlsxError> {
    match value {
        Some(value) => {
            worksheet.write_number_with_format(row, column, decimal_to_f64(value), format)?;
        }
        None => {
            worksheet.write_blank(row, column, format)?;
        }
    }
    Ok(())
}

/// The nearest `f64` to a decimal, through its text: the parse rounds correctly, so a value with
/// at most 15 significant digits reads back as the same digits.
fn decimal_to_f64(value: Decimal) -> f64 {
    value
        .to_string()
        .parse()
        .expect("a Decimal's text is a plain decimal number")
}

/// Column widths from the header and the texts and numbers of the table, CJK characters counting
/// double, within [`COLUMN_WIDTH_MIN`] and [`COLUMN_WIDTH_MAX`].
fn column_widths(ret: &StatReturn, sheet: &ReturnSheet, header: &[String]) -> Vec<usize> {
    let mut widths: Vec<usize> = header
        .iter()
        .map(|text| display_width(text).min(16))
        .collect();
    let first_value_column = header.len() - sheet.columns.len();
    for row in &sheet.rows {
        widths[0] = widths[0].max(display_width(&row.label_zh));
        widths[1] = widths[1].max(display_width(&shown_code(ret, sheet, &row.key)));
        for (index, value) in row.values.iter().enumerate() {
            if let Some(value) = value {
                // Digits, separators and decimals.
                let digits = value.trunc().abs().to_string().len();
                let width = digits + digits / 3 + 6;
                let column = first_value_column + index;
                widths[column] = widths[column].max(width);
            }
        }
    }
    widths
        .into_iter()
        .map(|width| (width + 2).clamp(COLUMN_WIDTH_MIN, COLUMN_WIDTH_MAX))
        .collect()
}

/// The value column a chart of a sheet shows: the first in tonnes of standard coal, else in
/// square metres, else a count, else an amount in yuan, else the first column.
fn headline_column(sheet: &ReturnSheet) -> Option<usize> {
    ["tce", "m2", "count", "yuan"]
        .iter()
        .find_map(|unit| sheet.columns.iter().position(|column| column.unit == *unit))
        .or(if sheet.columns.is_empty() {
            None
        } else {
            Some(0)
        })
}

/// The charts of the workbook: a column chart of the breakdown by child, then a pie of each
/// breakdown sheet (for the energy ledger, the energy mix by carrier first), or columns where the
/// breakdown is by year, whose parts follow each other rather than make up a whole.
fn charts(ret: &StatReturn, tables: &[TablePlace<'_>]) -> Vec<Chart> {
    let mut charts = Vec::new();
    let by_child = tables
        .iter()
        .filter(|table| table.sheet.rows_are == RowDimension::RefArea);
    let breakdowns = tables
        .iter()
        .filter(|table| matches!(table.sheet.rows_are, RowDimension::Breakdown { .. }));
    for table in by_child.chain(breakdowns) {
        let sheet = table.sheet;
        let Some(column_index) = headline_column(sheet) else {
            continue;
        };
        if sheet.rows.is_empty() {
            continue;
        }
        let column = &sheet.columns[column_index];
        let by_child = sheet.rows_are == RowDimension::RefArea;
        let by_year = row_dimension(sheet).ends_with("_YEAR");
        let mut chart = Chart::new(if by_child || by_year {
            ChartType::Column
        } else {
            ChartType::Pie
        });
        let last_row = table.first_row + sheet.rows.len() as u32 - 1;
        let value_column = table.first_value_column + column_index as u16;
        let header = column
            .header_zh
            .split('（')
            .next()
            .unwrap_or(&column.header_zh);
        chart
            .add_series()
            .set_name(header)
            .set_categories((sheet.name_zh.as_str(), table.first_row, 0, last_row, 0))
            .set_values((
                sheet.name_zh.as_str(),
                table.first_row,
                value_column,
                last_row,
                value_column,
            ));
        let by = if by_child {
            zh!("node.export.form.by_child")
        } else {
            zh!(
                "node.export.form.by_dimension",
                dimension = dimension_name_zh(row_dimension(sheet))
            )
        };
        let title = zh!(
            "node.export.form.chart_title",
            unit = ret.heading.unit_name,
            period = period_zh(ret.period),
            column = header,
            by = by
        );
        chart.title().set_name(&title);
        if by_child || by_year {
            chart.legend().set_hidden();
            chart.y_axis().set_name(unit_name_zh(&column.unit));
        }
        chart.set_width(CHART_WIDTH_PX).set_height(CHART_HEIGHT_PX);
        charts.push(chart);
    }
    charts
}

/// The code lists the forms use: every row code with its name, its dimension and where the code
/// comes from, so that a reader can tell official codes from this system's own.
fn codes_sheet(worksheet: &mut Worksheet, ret: &StatReturn) -> Result<(), XlsxError> {
    worksheet.set_name(CODES_SHEET)?;
    let bold = Format::new().set_bold();
    let header = ["维度", "维度名称", "代码", "名称", "代码来源"];
    for (column, text) in header.iter().enumerate() {
        worksheet.write_string_with_format(0, column as u16, *text, &bold)?;
    }
    let mut seen: BTreeMap<(String, String), ()> = BTreeMap::new();
    let mut row_index = 1;
    let mut write = |worksheet: &mut Worksheet,
                     dimension: &str,
                     code: &str,
                     name: &str|
     -> Result<(), XlsxError> {
        if seen
            .insert((dimension.to_owned(), code.to_owned()), ())
            .is_some()
        {
            return Ok(());
        }
        worksheet.write_string(row_index, 0, dimension)?;
        worksheet.write_string(row_index, 1, dimension_name_zh(dimension))?;
        worksheet.write_string(row_index, 2, code)?;
        worksheet.write_string(row_index, 3, name)?;
        worksheet.write_string(row_index, 4, CodeSource::of(dimension).name_zh())?;
        row_index += 1;
        Ok(())
    };
    write(
        worksheet,
        "REF_AREA",
        &ret.node.to_string(),
        &ret.heading.unit_name,
    )?;
    for sheet in &ret.sheets {
        let dimension = row_dimension(sheet);
        for row in &sheet.rows {
            let code = shown_code(ret, sheet, &row.key);
            let name = if sheet.rows_are == RowDimension::RefArea && row.key == OWN_LEVEL_KEY {
                zh!("node.export.form.own_level", unit = ret.heading.unit_name)
            } else {
                row.label_zh.clone()
            };
            write(worksheet, dimension, &code, &name)?;
        }
        for column in &sheet.columns {
            if sheet.rows_are != RowDimension::Indicator {
                write(worksheet, "INDICATOR", &column.indicator, &column.header_zh)?;
            }
        }
    }
    for (column, width) in [12, 18, 30, 40, 60].into_iter().enumerate() {
        worksheet.set_column_width(column as u16, width)?;
    }
    Ok(())
}

/// The findings sheet: one row per finding.
fn findings_sheet(worksheet: &mut Worksheet, ret: &StatReturn) -> Result<(), XlsxError> {
    worksheet.set_name(FINDINGS_SHEET)?;
    let bold = Format::new().set_bold();
    let header = ["级别", "填报单位", "表", "记录", "字段", "规则", "说明"];
    for (column, text) in header.iter().enumerate() {
        worksheet.write_string_with_format(0, column as u16, *text, &bold)?;
    }
    worksheet.set_freeze_panes(1, 0)?;
    for (index, finding) in ret.findings.iter().enumerate() {
        let row = index as u32 + 1;
        let severity = match finding.severity {
            Severity::Error => "错误",
            Severity::Warning => "提示",
        };
        let owner = finding.owner.to_string();
        for (column, text) in [
            severity,
            &owner,
            &finding.table,
            &finding.record_id,
            &finding.field,
            &finding.rule,
            &finding.message,
        ]
        .into_iter()
        .enumerate()
        {
            worksheet.write_string(row, column as u16, text)?;
        }
    }
    for (column, width) in [8, 16, 20, 16, 20, 28, 60].into_iter().enumerate() {
        worksheet.set_column_width(column as u16, width)?;
    }
    Ok(())
}

/// The cover sheet: what the return is and how it was computed. The workbook is a Chinese form
/// whatever the language of the program.
fn cover_sheet(worksheet: &mut Worksheet, ret: &StatReturn) -> Result<(), XlsxError> {
    worksheet.set_name(COVER_SHEET)?;
    let zh = |text: Cow<'_, str>| text.into_owned();
    let bold = Format::new().set_bold();
    worksheet.write_string_with_format(
        0,
        0,
        zh(rust_i18n::t!("node.export.cover.item", locale = "zh-CN")),
        &bold,
    )?;
    worksheet.write_string_with_format(
        0,
        1,
        zh(rust_i18n::t!("node.export.cover.content", locale = "zh-CN")),
        &bold,
    )?;
    let lines = [
        (
            rust_i18n::t!("node.export.cover.reporting_unit", locale = "zh-CN"),
            format!("{} {}", ret.heading.unit_name, ret.node),
        ),
        (
            rust_i18n::t!("node.export.cover.ledger", locale = "zh-CN"),
            format!("{} ({})", ret.ledger.name_zh(), ret.ledger.slug()),
        ),
        (
            rust_i18n::t!("node.export.cover.period", locale = "zh-CN"),
            period_zh(ret.period),
        ),
        (
            rust_i18n::t!("node.export.cover.coefficients", locale = "zh-CN"),
            // The table and the electricity basis with its coefficient, named as the return
            // definition chose them; a version this binary does not ship is shown as it is.
            schemas::coefficients::by_version(&ret.coefficients_version).map_or_else(
                || ret.coefficients_version.clone(),
                |table| table.describe("zh-CN"),
            ),
        ),
        (
            rust_i18n::t!("node.export.cover.basis_label", locale = "zh-CN"),
            zh(rust_i18n::t!("node.export.cover.basis", locale = "zh-CN")),
        ),
        (
            rust_i18n::t!("node.export.cover.provisional_label", locale = "zh-CN"),
            zh(if ret.provisional {
                rust_i18n::t!("node.export.cover.provisional", locale = "zh-CN")
            } else {
                rust_i18n::t!("node.export.cover.final", locale = "zh-CN")
            }),
        ),
        (
            rust_i18n::t!("node.export.cover.findings_label", locale = "zh-CN"),
            zh(rust_i18n::t!(
                "node.export.cover.findings",
                locale = "zh-CN",
                count = ret.findings.len()
            )),
        ),
    ];
    for (index, (label, value)) in lines.into_iter().enumerate() {
        let row = index as u32 + 1;
        worksheet.write_string(row, 0, zh(label))?;
        worksheet.write_string(row, 1, value)?;
    }
    worksheet.set_column_width(0, 16)?;
    worksheet.set_column_width(1, 80)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixtures::sample_return;

    fn written(ret: &StatReturn) -> (tempfile::TempDir, std::path::PathBuf) {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("return.xlsx");
        write_return_xlsx(ret, &path).unwrap();
        (directory, path)
    }

    #[test]
    fn heads_each_table_as_a_form_and_foots_it_with_who_signs() {
        let ret = sample_return();
        let (_directory, path) = written(&ret);
        let sheet = crate::spreadsheet::read_sheet(&path, "按能源品种").unwrap();
        assert_eq!(sheet.cell(0, 0), "公共机构能源资源消费——按能源品种");
        // The heading's block sits in the last column.
        assert_eq!(sheet.cell(1, 3), "表    号：机关事务 3 表");
        assert_eq!(sheet.cell(2, 3), "制定机关：国家机关事务管理局");
        assert_eq!(sheet.cell(3, 3), "批准机关：国家统计局");
        assert_eq!(sheet.cell(4, 3), "批准文号：国统制〔2025〕1号");
        assert_eq!(
            sheet.cell(5, 0),
            "填报单位：宁夏回族自治区机关事务管理局　　单位代码：640000000000　　报告期：2025年"
        );
        assert_eq!(sheet.cell(6, 0), "能源品种");
        assert_eq!(sheet.cell(6, 2), "标准煤（吨）");
        assert_eq!(sheet.cell(7, 0), "电力");
        assert_eq!(sheet.cell(7, 2), "1229.5");
        assert_eq!(sheet.cell(9, 0), TOTALS_LABEL);
        let footer = sheet
            .rows
            .iter()
            .flatten()
            .find(|text| text.starts_with("单位负责人"))
            .expect("a footing");
        assert_eq!(
            footer,
            "单位负责人：马建国　　填报人：王芳　　联系电话：0951-1234567　　报出日期：2026-01-15"
        );
    }

    #[test]
    fn shows_the_node_code_for_its_own_level_and_marks_internal_codes() {
        let ret = sample_return();
        let (_directory, path) = written(&ret);
        let by_child = crate::spreadsheet::read_sheet(&path, "按下级单位").unwrap();
        assert_eq!(by_child.cell(7, 1), "640000000000");
        assert_eq!(by_child.cell(8, 1), "640100000000");
        assert!(
            by_child
                .rows
                .iter()
                .flatten()
                .any(|text| text.contains("GB/T 2260")),
            "the note names the division codes"
        );
        let codes = crate::spreadsheet::read_sheet(&path, CODES_SHEET).unwrap();
        let electricity = codes
            .rows
            .iter()
            .find(|row| row.get(2).map(String::as_str) == Some("electricity"))
            .expect("the carrier's code is listed");
        assert_eq!(electricity[0], "CARRIER");
        assert!(electricity[4].starts_with("本系统内部代码"));
    }

    #[test]
    fn draws_the_charts_and_formats_numbers_per_unit() {
        let ret = sample_return();
        let (_directory, path) = written(&ret);
        let mut archive = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let names: Vec<String> = (0..archive.len())
            .map(|index| {
                archive
                    .by_index(index)
                    .unwrap()
                    .name()
                    .unwrap()
                    .into_owned()
            })
            .collect();
        let charts = names
            .iter()
            .filter(|name| name.starts_with("xl/charts/chart"))
            .count();
        // The breakdown by child (columns) and the energy mix by carrier (a pie).
        assert_eq!(charts, 2, "{names:?}");
        let mut styles = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("xl/styles.xml").unwrap(), &mut styles)
            .unwrap();
        for format in ["#,##0.0000", "#,##0.00"] {
            assert!(
                styles.contains(&format!("formatCode=\"{format}\"")),
                "{format} in {styles}"
            );
        }
        let mut chart = String::new();
        std::io::Read::read_to_string(
            &mut archive.by_name("xl/charts/chart1.xml").unwrap(),
            &mut chart,
        )
        .unwrap();
        assert!(
            chart.contains("<c:barChart>"),
            "the by-child chart is a column chart"
        );
        assert!(chart.contains("按下级单位!$C$8:$C$9"), "{chart}");
    }

    #[test]
    fn names_the_period_as_a_form_does() {
        assert_eq!(period_zh(Period::Year(2025)), "2025年");
        assert_eq!(period_zh(Period::Quarter(2025, 2)), "2025年第2季度");
        assert_eq!(period_zh(Period::Month(2025, 3)), "2025年3月");
    }
}
