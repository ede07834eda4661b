//! Export of statistical returns: XLSX, SDMX-CSV 2.0 with its structure, CSV and JSON.
//!
//! A [`StatReturn`] is built, pure, by `schemas`; this module only writes it. Each writer takes the
//! return and any [`std::io::Write`] (the workbook: a path) and either writes the whole file or
//! fails with an [`ExportError`]:
//!
//! - [`xlsx::write_return_xlsx`]: the workbook of the national forms, each table headed and footed
//!   as a statistical report form (表号, 填报单位, 报告期 … 单位负责人, 报出日期), numbers formatted
//!   per unit, official codes, and charts (`--format xlsx`);
//! - [`sdmx::write_sdmx_csv`]: SDMX-CSV 2.0, one observation a line, one column per dimension,
//!   and [`sdmx::write_sdmx_structure`]: the data structure definition with its codelists as
//!   SDMX-ML 2.1, written beside the data as `<name>.structure.xml` ([`structure_path`]) so that
//!   a standard SDMX tool can validate the file (`--format sdmx-csv`; `sdmx-structure` writes the
//!   structure alone, as the console offers it for download);
//! - [`json::write_observations_json`]: one tidy list of observations (indicator, one key per
//!   breakdown, unit, value as a number, provisional) that `pandas.read_json` loads as one row per
//!   observation (`--format json`);
//! - [`json::write_return_json`] and [`json::read_return_json`]: the whole return with its sheets,
//!   tagged with its format, for other programs and for reading back (`--format json-sheets`);
//! - [`csv::write_return_csv`]: a tidy long table with Chinese labels, for spreadsheets and
//!   scripts (`--format csv`).
//!
//! [`codes`] holds what they share: which row codes are official, unit names and decimals.
//! [`write_return`] writes a return to a file in any of the formats.
//!
//! Every writer first checks that each row and totals row has one value per column, so a malformed
//! return (one read back from JSON, say) is refused before a byte is written. A file on disk is
//! written through [`write_atomically`], so a failure never leaves a half-written file where the
//! clerk expects a return; [`default_file_name`] names it by the node's 12-digit division code, as
//! the reporting notices require.

/// A text of the catalogue in Chinese, whatever the language of the program: the forms and the
/// SDMX structure are written in Chinese (the structure's names are tagged `xml:lang="zh"`).
macro_rules! zh {
    ($key:expr $(, $name:ident = $value:expr)* $(,)?) => {
        rust_i18n::t!($key, locale = "zh-CN" $(, $name = $value)*).into_owned()
    };
}

pub mod codes;
pub mod csv;
pub mod json;
pub mod parquet;
pub mod sdmx;
pub mod xlsx;

use std::fmt;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use schemas::Decimal;
use schemas::returns::StatReturn;

/// A file format a return can be exported in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    /// A workbook with one sheet per table and Chinese headers, as the national forms are filled
    /// (written by `crate::spreadsheet`).
    Xlsx,
    /// A tidy long table, one value a line, UTF-8 with a byte order mark
    /// ([`csv::write_return_csv`]).
    Csv,
    /// SDMX-CSV 2.0 for statistical exchange ([`sdmx::write_sdmx_csv`]), with its structure
    /// beside it ([`sdmx::write_sdmx_structure`]).
    SdmxCsv,
    /// The SDMX-ML 2.1 structure of the SDMX-CSV file alone ([`sdmx::write_sdmx_structure`]),
    /// for a download beside the data (`sdmx-csv` writes both).
    SdmxStructure,
    /// One tidy list of observations ([`json::write_observations_json`]).
    Json,
    /// The whole return with its sheets, as tagged JSON ([`json::write_return_json`]).
    JsonSheets,
}

impl ExportFormat {
    /// Every format, in the order help texts list them.
    pub const ALL: [ExportFormat; 6] = [
        ExportFormat::Xlsx,
        ExportFormat::Csv,
        ExportFormat::SdmxCsv,
        ExportFormat::SdmxStructure,
        ExportFormat::Json,
        ExportFormat::JsonSheets,
    ];

    /// The name used on the command line.
    pub fn slug(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv => "csv",
            ExportFormat::SdmxCsv => "sdmx-csv",
            ExportFormat::SdmxStructure => "sdmx-structure",
            ExportFormat::Json => "json",
            ExportFormat::JsonSheets => "json-sheets",
        }
    }

    /// The media type of a file in this format, for downloads.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::SdmxCsv => sdmx::SDMX_CSV_MEDIA_TYPE,
            ExportFormat::SdmxStructure => sdmx::SDMX_STRUCTURE_MEDIA_TYPE,
            ExportFormat::Json | ExportFormat::JsonSheets => "application/json",
        }
    }

    /// The file name extension, without the dot; SDMX-CSV is a CSV file like any other.
    pub fn file_extension(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv | ExportFormat::SdmxCsv => "csv",
            ExportFormat::SdmxStructure => "xml",
            ExportFormat::Json | ExportFormat::JsonSheets => "json",
        }
    }

    /// What the default file name ends with: the extension, with `sdmx.` before it for SDMX-CSV
    /// and `sheets.` for the JSON of sheets, so that two exports of one return in the same
    /// extension do not overwrite each other.
    pub fn file_name_suffix(self) -> &'static str {
        match self {
            ExportFormat::SdmxCsv => "sdmx.csv",
            ExportFormat::SdmxStructure => "structure.xml",
            ExportFormat::JsonSheets => "sheets.json",
            other => other.file_extension(),
        }
    }
}

/// A format name that is not one of the accepted ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", crate::t!("node.export.unknown_format", value = .value.escape_debug()))]
pub struct UnknownExportFormat {
    pub value: String,
}

impl FromStr for ExportFormat {
    type Err = UnknownExportFormat;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "xlsx" => Ok(ExportFormat::Xlsx),
            "csv" => Ok(ExportFormat::Csv),
            "sdmx-csv" | "sdmx" => Ok(ExportFormat::SdmxCsv),
            "sdmx-structure" => Ok(ExportFormat::SdmxStructure),
            "json" => Ok(ExportFormat::Json),
            "json-sheets" => Ok(ExportFormat::JsonSheets),
            _ => Err(UnknownExportFormat {
                value: text.to_owned(),
            }),
        }
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.slug())
    }
}

/// The file name a return is exported under unless the clerk names another, such as
/// `640000000000-energy-2025.sdmx.csv`: the node's 12-digit division code (files are named by it,
/// a rule of the reporting notices), the ledger and the period.
pub fn default_file_name(ret: &StatReturn, format: ExportFormat) -> String {
    format!(
        "{}-{}-{}.{}",
        ret.node,
        ret.ledger.slug(),
        ret.period,
        format.file_name_suffix()
    )
}

/// Why a return could not be exported or read back.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A file operation failed; `what` says which, such as creating the temporary file.
    #[error("{}", what.describe(path, source))]
    Io {
        what: ExportStep,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Writing to the output failed outside the CSV and JSON writers (a byte order mark, a final
    /// newline, a flush).
    #[error("{}", crate::t!("node.export.write", error = .0))]
    Write(#[source] std::io::Error),
    /// The CSV writer failed, most often because the output did.
    #[error("{}", crate::t!("node.export.csv", error = .0))]
    Csv(#[from] ::csv::Error),
    /// The workbook could not be written.
    #[error("{}", crate::t!("node.export.spreadsheet", path = .path.display(), reason = .reason))]
    Spreadsheet { path: PathBuf, reason: String },
    /// JSON could not be written or parsed.
    #[error("{}", crate::t!("node.export.json", error = .0))]
    Json(#[from] serde_json::Error),
    /// The JSON is not a return in the format this version reads.
    #[error(
        "{}",
        match .found {
            Some(tag) => crate::t!("node.export.format_tag", found = tag.escape_debug(), expected = .expected),
            None => crate::t!("node.export.format_tag_missing", expected = .expected),
        }
    )]
    FormatTag {
        found: Option<String>,
        expected: &'static str,
    },
    /// A row or the totals row does not have one value per column; nothing was written.
    #[error(
        "{}",
        crate::t!(
            "node.export.shape",
            sheet = .sheet.escape_debug(),
            row = .row.escape_debug(),
            values = .n_values,
            columns = .n_columns
        )
    )]
    Shape {
        sheet: String,
        /// The row's key, or `_T` for the totals row.
        row: String,
        n_values: usize,
        n_columns: usize,
    },
}

/// The file operation of an export that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportStep {
    /// Creating the temporary file in the target's directory.
    CreateTemporary,
    /// Writing the temporary file.
    WriteTemporary,
    /// Syncing the temporary file to disk.
    Sync,
    /// Renaming the finished file over the target.
    MoveIntoPlace,
}

impl ExportStep {
    /// The failure of this step on `path`, in the language in force.
    fn describe(self, path: &Path, error: &std::io::Error) -> String {
        let path = path.display();
        match self {
            ExportStep::CreateTemporary => {
                crate::t!("node.export.create_temporary", path = path, error = error)
            }
            ExportStep::WriteTemporary => {
                crate::t!("node.export.write_temporary", path = path, error = error)
            }
            ExportStep::Sync => crate::t!("node.export.sync", path = path, error = error),
            ExportStep::MoveIntoPlace => {
                crate::t!("node.export.move_into_place", path = path, error = error)
            }
        }
        .into_owned()
    }
}

/// The row key written for a sheet's totals row, SDMX's code for a total.
pub(crate) const TOTAL_CODE: &str = "_T";

/// Checks that every row and totals row of every sheet has exactly one value per column, so that a
/// writer never drops or invents a value.
pub(crate) fn check_shape(ret: &StatReturn) -> Result<(), ExportError> {
    for sheet in &ret.sheets {
        let n_columns = sheet.columns.len();
        let rows = sheet
            .rows
            .iter()
            .map(|row| (row.key.as_str(), row.values.len()));
        let totals = sheet.totals.iter().map(|totals| (TOTAL_CODE, totals.len()));
        if let Some((row, n_values)) = rows
            .chain(totals)
            .find(|(_, n_values)| *n_values != n_columns)
        {
            return Err(ExportError::Shape {
                sheet: sheet.id.clone(),
                row: row.to_owned(),
                n_values,
                n_columns,
            });
        }
    }
    Ok(())
}

/// A decimal in plain notation: normalized (no trailing zeros, no negative zero), never with an
/// exponent, such as `1229.5` for `1229.50`.
pub(crate) fn plain_decimal(value: Decimal) -> String {
    value.normalize().to_string()
}

/// Writes a return to `path` in `format`, atomically; SDMX-CSV also writes its structure at
/// [`structure_path`]`(path)`, first, so that data never lies there without its structure.
pub fn write_return(
    ret: &StatReturn,
    format: ExportFormat,
    path: &Path,
) -> Result<(), ExportError> {
    match format {
        ExportFormat::Xlsx => xlsx::write_return_xlsx(ret, path),
        ExportFormat::Csv => write_atomically(path, |out| csv::write_return_csv(ret, out)),
        ExportFormat::SdmxCsv => {
            write_atomically(&structure_path(path), |out| {
                sdmx::write_sdmx_structure(ret, out)
            })?;
            write_atomically(path, |out| sdmx::write_sdmx_csv(ret, out))
        }
        ExportFormat::SdmxStructure => {
            write_atomically(path, |out| sdmx::write_sdmx_structure(ret, out))
        }
        ExportFormat::Json => write_atomically(path, |out| json::write_observations_json(ret, out)),
        ExportFormat::JsonSheets => write_atomically(path, |out| json::write_return_json(ret, out)),
    }
}

/// Where the SDMX structure of an SDMX-CSV file is written: beside it, its name without `.csv`
/// (and `.sdmx`) followed by `.structure.xml`, such as `640000000000-energy-2025.structure.xml`
/// for `640000000000-energy-2025.sdmx.csv`.
pub fn structure_path(csv_path: &Path) -> PathBuf {
    let name = csv_path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name
        .strip_suffix(".csv")
        .map(|stem| stem.strip_suffix(".sdmx").unwrap_or(stem))
        .unwrap_or(&name);
    csv_path.with_file_name(format!("{stem}.structure.xml"))
}

/// Writes a file through a temporary file in the same directory that is renamed over `path` only
/// when `write` succeeds and the data is flushed and synced to disk. On any failure the temporary
/// file is removed and `path` is left as it was, so a reader never sees half a return.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let io_error = |what, path: &Path| {
        let path = path.to_owned();
        move |source| ExportError::Io { what, path, source }
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".huizong-export-").suffix(".tmp");
    // A temporary file is created readable by its owner only; an export is an ordinary file that
    // the clerk hands on, so it gets the usual permissions (still narrowed by the umask).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let temporary = builder
        .tempfile_in(directory)
        .map_err(io_error(ExportStep::CreateTemporary, directory))?;
    // From here on, dropping `temporary_path` (on any early return) deletes the temporary file.
    let (file, temporary_path) = temporary.into_parts();
    let mut writer = BufWriter::new(file);
    write(&mut writer)?;
    let file = writer
        .into_inner()
        .map_err(|error| error.into_error())
        .map_err(io_error(ExportStep::WriteTemporary, &temporary_path))?;
    file.sync_all()
        .map_err(io_error(ExportStep::Sync, &temporary_path))?;
    drop(file);
    temporary_path
        .persist(path)
        .map_err(|error| error.error)
        .map_err(io_error(ExportStep::MoveIntoPlace, path))?;
    Ok(())
}

/// Flushes a writer, naming the failure as an export write error.
pub(crate) fn flush(out: &mut impl Write) -> Result<(), ExportError> {
    out.flush().map_err(ExportError::Write)
}

/// A small return with every kind of sheet, shared by the writers' tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use schemas::returns::{
        Finding, ReturnColumn, ReturnHeading, ReturnRow, ReturnSheet, RowDimension, Severity,
        StatReturn,
    };
    use schemas::{Decimal, Ledger, Period};
    use topology::DivisionCode;

    pub(crate) fn decimal(text: &str) -> Option<Decimal> {
        Some(text.parse().expect("fixture decimals are valid"))
    }

    fn column(indicator: &str, header_zh: &str, unit: &str) -> ReturnColumn {
        ReturnColumn {
            indicator: indicator.to_owned(),
            header_zh: header_zh.to_owned(),
            unit: unit.to_owned(),
        }
    }

    fn row(key: &str, label_zh: &str, values: Vec<Option<Decimal>>) -> ReturnRow {
        ReturnRow {
            key: key.to_owned(),
            label_zh: label_zh.to_owned(),
            values,
            unit: None,
        }
    }

    /// Ningxia's 2025 energy return with a breakdown sheet, a sheet by child node and an indicator
    /// sheet holding an undefined ratio.
    pub(crate) fn sample_return() -> StatReturn {
        let node = DivisionCode::parse("640000000000").unwrap();
        StatReturn {
            node,
            node_name: "宁夏回族自治区".to_owned(),
            ledger: Ledger::Energy,
            period: Period::Year(2025),
            coefficients_version: "gb2589-2008".to_owned(),
            sheets: vec![
                ReturnSheet {
                    id: "by_carrier".to_owned(),
                    name_zh: "按能源品种".to_owned(),
                    rows_are: RowDimension::Breakdown {
                        id: "CARRIER".to_owned(),
                    },
                    row_header_zh: "能源品种".to_owned(),
                    columns: vec![
                        column("STANDARD_COAL_TCE", "标准煤（吨）", "tce"),
                        column("COST_YUAN", "费用（元）", "yuan"),
                    ],
                    rows: vec![
                        row(
                            "electricity",
                            "电力",
                            vec![decimal("1229.50"), decimal("860000.00")],
                        ),
                        row("natural_gas", "天然气, 管道", vec![decimal("121.43"), None]),
                    ],
                    totals: Some(vec![decimal("1350.93"), decimal("860000")]),
                },
                ReturnSheet {
                    id: "by_child".to_owned(),
                    name_zh: "按下级单位".to_owned(),
                    rows_are: RowDimension::RefArea,
                    row_header_zh: "单位".to_owned(),
                    columns: vec![column("STANDARD_COAL_TCE", "标准煤（吨）", "tce")],
                    rows: vec![
                        row("_own", "本级", vec![decimal("10")]),
                        row("640100000000", "银川市", vec![decimal("20.000")]),
                    ],
                    totals: Some(vec![decimal("30")]),
                },
                ReturnSheet {
                    id: "indicators".to_owned(),
                    name_zh: "主要指标".to_owned(),
                    rows_are: RowDimension::Indicator,
                    row_header_zh: "指标".to_owned(),
                    columns: vec![
                        column("VALUE", "数值", ""),
                        column("NUMERATOR", "分子", ""),
                        column("DENOMINATOR", "分母", ""),
                    ],
                    rows: vec![
                        ReturnRow {
                            unit: Some("kgce/m2".to_owned()),
                            ..row(
                                "ENERGY_PER_FLOOR_AREA_KGCE_M2",
                                "单位建筑面积能耗",
                                vec![decimal("12.49"), decimal("1249"), decimal("100")],
                            )
                        },
                        ReturnRow {
                            unit: Some("m3/person".to_owned()),
                            ..row(
                                "WATER_PER_PERSON_M3",
                                "人均用水量",
                                vec![None, decimal("0"), decimal("0")],
                            )
                        },
                    ],
                    totals: None,
                },
            ],
            findings: vec![Finding {
                severity: Severity::Warning,
                owner: DivisionCode::parse("640100000000").unwrap(),
                table: "energy_consumption".to_owned(),
                record_id: "e-17".to_owned(),
                field: "electricity_kwh".to_owned(),
                rule: "year_on_year_over_30_percent".to_owned(),
                message: "用电量同比增长 42%，超过 ±30%，需要说明".to_owned(),
            }],
            heading: ReturnHeading {
                table_number: "机关事务 3 表".to_owned(),
                made_by: "国家机关事务管理局".to_owned(),
                approved_by: "国家统计局".to_owned(),
                approval_number: "国统制〔2025〕1号".to_owned(),
                unit_name: "宁夏回族自治区机关事务管理局".to_owned(),
                unit_head: "马建国".to_owned(),
                preparer: "王芳".to_owned(),
                phone: "0951-1234567".to_owned(),
                reported_on: "2026-01-15".to_owned(),
            },
            provisional: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    #[test]
    fn parses_every_format_name_and_alias() {
        for format in ExportFormat::ALL {
            assert_eq!(format.slug().parse::<ExportFormat>(), Ok(format));
        }
        assert_eq!("sdmx".parse::<ExportFormat>(), Ok(ExportFormat::SdmxCsv));
    }

    #[test]
    fn refuses_an_unknown_format_listing_the_accepted_ones() {
        let error = "xls".parse::<ExportFormat>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "没有“xls”这种导出格式：应为 xlsx、csv、sdmx-csv（或 sdmx）、sdmx-structure、json、json-sheets 之一；导出整个下辖范围的原始记录用 parquet（加 --subtree）"
        );
    }

    #[test]
    fn names_files_by_division_code_ledger_and_period() {
        let ret = fixtures::sample_return();
        let names: Vec<_> = ExportFormat::ALL
            .into_iter()
            .map(|format| default_file_name(&ret, format))
            .collect();
        assert_eq!(
            names,
            [
                "640000000000-energy-2025.xlsx",
                "640000000000-energy-2025.csv",
                "640000000000-energy-2025.sdmx.csv",
                "640000000000-energy-2025.structure.xml",
                "640000000000-energy-2025.json",
                "640000000000-energy-2025.sheets.json",
            ]
        );
    }

    #[test]
    fn writes_the_sdmx_structure_beside_the_data() {
        assert_eq!(
            structure_path(Path::new("out/640000000000-energy-2025.sdmx.csv")),
            Path::new("out/640000000000-energy-2025.structure.xml")
        );
        assert_eq!(
            structure_path(Path::new("return.csv")),
            Path::new("return.structure.xml")
        );
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("r.sdmx.csv");
        write_return(&fixtures::sample_return(), ExportFormat::SdmxCsv, &path).unwrap();
        let structure = fs::read_to_string(directory.path().join("r.structure.xml")).unwrap();
        assert!(structure.starts_with("<?xml"));
    }

    #[test]
    fn writes_decimals_in_plain_notation() {
        for (text, plain) in [
            ("1229.50", "1229.5"),
            ("860000.00", "860000"),
            ("-0.0", "0"),
            ("0.000012", "0.000012"),
            ("1e20", "100000000000000000000"),
        ] {
            let value = Decimal::from_scientific(text)
                .or_else(|_| text.parse())
                .unwrap();
            assert_eq!(plain_decimal(value), plain, "{text}");
        }
    }

    #[test]
    fn refuses_a_row_without_one_value_per_column() {
        let mut ret = fixtures::sample_return();
        ret.sheets[0].rows[1].values.pop();
        let error = check_shape(&ret).unwrap_err();
        assert!(
            matches!(&error, ExportError::Shape { sheet, row, n_values: 1, n_columns: 2 }
                if sheet == "by_carrier" && row == "natural_gas"),
            "{error}"
        );

        let mut ret = fixtures::sample_return();
        ret.sheets[1].totals = Some(vec![]);
        let error = check_shape(&ret).unwrap_err();
        assert!(
            matches!(&error, ExportError::Shape { row, .. } if row == TOTAL_CODE),
            "{error}"
        );
    }

    #[test]
    fn atomic_write_replaces_the_file_on_success() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("return.csv");
        fs::write(&path, "old").unwrap();
        write_atomically(&path, |out| {
            out.write_all(b"new").map_err(ExportError::Write)
        })
        .unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        let n_entries = fs::read_dir(directory.path()).unwrap().count();
        assert_eq!(n_entries, 1, "only the export is left in the directory");
    }

    #[test]
    fn atomic_write_leaves_nothing_behind_on_error() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("return.csv");
        let result = write_atomically(&path, |out| {
            out.write_all(b"half a ret").map_err(ExportError::Write)?;
            Err(ExportError::Write(std::io::Error::other("disk full")))
        });
        assert!(matches!(result, Err(ExportError::Write(_))));
        let entries: Vec<_> = fs::read_dir(directory.path()).unwrap().collect();
        assert!(entries.is_empty(), "left behind: {entries:?}");
    }

    #[test]
    fn atomic_write_keeps_the_old_file_on_error() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("return.csv");
        fs::write(&path, "old").unwrap();
        let result = write_atomically(&path, |_| {
            Err(ExportError::Write(std::io::Error::other("disk full")))
        });
        assert!(result.is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(fs::read_dir(directory.path()).unwrap().count(), 1);
    }

    #[test]
    fn atomic_write_names_the_directory_it_cannot_write_in() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("missing").join("return.csv");
        let error = write_atomically(&path, |_| Ok(())).unwrap_err();
        assert!(
            matches!(&error, ExportError::Io { what: ExportStep::CreateTemporary, path: named, .. }
                if named.ends_with("missing")),
            "{error}"
        );
    }
}
