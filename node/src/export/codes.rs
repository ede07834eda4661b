//! The codes and units every export of a return shares: which code list a row key belongs to
//! (official or internal), how each unit is named in Chinese, written as an SDMX code and shown
//! with how many decimals.
//!
//! Row keys come from the ledgers' report modules. Two of their code lists are official: the
//! 12-digit administrative division codes (GB/T 2260, followed by six zeros for the levels this
//! system reports) and the institution types of the public-institution energy statistics system
//! (01 state organ; 02 public service unit: 021 education … 026 other; 03 social organisation).
//! Every other list (carriers, space categories, vehicle categories, cost kinds, indicators) has
//! no official code list that was found, so its codes are this system's own and every export
//! says so ([`CodeSource::Internal`]).

use schemas::returns::{ReturnSheet, RowDimension};

/// The row key of the node's own level in a by-child sheet (see `schemas::returns::child_rows`).
pub const OWN_LEVEL_KEY: &str = "_own";

/// The dimension of an indicator sheet's rows, and of every value column.
pub const INDICATOR_DIMENSION: &str = "INDICATOR";

/// The dimension of a by-child sheet's rows: the child's division code.
pub const REF_AREA_DIMENSION: &str = "REF_AREA";

/// The dimension of institution types, whose codes are official.
pub const INSTITUTION_TYPE_DIMENSION: &str = "INST_TYPE";

/// Where the codes of a dimension come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeSource {
    /// GB/T 2260 administrative division codes, 12 digits.
    DivisionCode,
    /// The institution type codes of the public-institution energy statistics system.
    InstitutionType,
    /// This system's own codes: no official list was found.
    Internal,
}

impl CodeSource {
    /// The source of the codes of a dimension.
    pub fn of(dimension: &str) -> CodeSource {
        match dimension {
            REF_AREA_DIMENSION => CodeSource::DivisionCode,
            INSTITUTION_TYPE_DIMENSION => CodeSource::InstitutionType,
            _ => CodeSource::Internal,
        }
    }

    /// Whether the codes come from an official list.
    pub fn is_official(self) -> bool {
        self != CodeSource::Internal
    }

    /// The source in Chinese, as the forms and the structure name it.
    pub fn name_zh(self) -> &'static str {
        match self {
            CodeSource::DivisionCode => "GB/T 2260 行政区划代码（12 位）",
            CodeSource::InstitutionType => {
                "公共机构类型代码（公共机构能源资源消费统计制度：01 国家机关，02 事业单位，03 社会团体）"
            }
            CodeSource::Internal => "本系统内部代码（未找到国家或行业标准代码表）",
        }
    }
}

/// The dimension a sheet's rows stand for: `INDICATOR`, `REF_AREA` or the breakdown's id.
pub fn row_dimension(sheet: &ReturnSheet) -> &str {
    match &sheet.rows_are {
        RowDimension::Indicator => INDICATOR_DIMENSION,
        RowDimension::RefArea => REF_AREA_DIMENSION,
        RowDimension::Breakdown { id } => id,
    }
}

/// The Chinese name of a dimension, for the code sheet and the structure.
pub fn dimension_name_zh(dimension: &str) -> &str {
    match dimension {
        "REF_AREA" => "地区（行政区划）",
        "FREQ" => "频率",
        "TIME_PERIOD" => "报告期",
        "INDICATOR" => "指标",
        "COVERAGE" => "统计范围",
        "CARRIER" => "能源品种",
        "INST_TYPE" => "机构类型",
        "WASTE_CATEGORY" => "垃圾类别",
        "SPACE_CATEGORY" => "用房类别",
        "SPACE_STATUS" => "使用状态",
        "OWNERSHIP" => "权属",
        "VEHICLE_CATEGORY" => "车辆类别",
        "COST_KIND" => "费用项目",
        "CREATION_YEAR" => "通过评价年份",
        other => other,
    }
}

/// A unit's name in Chinese, as a form's 计量单位 shows it; an unknown unit as it is.
pub fn unit_name_zh(unit: &str) -> &str {
    match unit {
        "m2" => "平方米",
        "m2/person" => "平方米/人",
        "tce" => "吨标准煤",
        "kgce/m2" => "千克标准煤/平方米",
        "kgce/person" => "千克标准煤/人",
        "m3/person" => "立方米/人",
        "yuan" => "元",
        "yuan/m2" => "元/平方米",
        "yuan/km" => "元/公里",
        "percent" => "%",
        "count" => "个",
        "person" => "人",
        "km" => "公里",
        "kg" => "千克",
        "kWh" => "千瓦时",
        "m3" => "立方米",
        "t" => "吨",
        "L" => "升",
        "GJ" => "吉焦",
        "carrier unit" => "见品种",
        other => other,
    }
}

/// A unit as an SDMX code (an SDMX id allows letters, digits, `_`, `@`, `$` and `-` only): the
/// common codes where there are some (`CNY` for yuan, `PC` for percent), else the unit in upper
/// case with `/` written `_PER_` and anything else not allowed written `_`.
pub fn unit_code(unit: &str) -> String {
    match unit {
        "" => "_Z".to_owned(),
        "yuan" => "CNY".to_owned(),
        "percent" => "PC".to_owned(),
        "count" => "NUMBER".to_owned(),
        "person" => "PERSONS".to_owned(),
        other => other
            .replace('/', "_PER_")
            .chars()
            .map(|character| {
                if character.is_ascii_alphanumeric() {
                    character.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect(),
    }
}

/// The decimals a unit is shown with on the forms: tonnes of standard coal 4, counts 0, every
/// other quantity, amount of money and percentage 2.
pub fn decimal_places(unit: &str) -> usize {
    match unit {
        "tce" => 4,
        "count" | "person" => 0,
        _ => 2,
    }
}

/// The spreadsheet number format of a unit: thousands separators and [`decimal_places`] fixed
/// decimals, such as `#,##0.0000` for tonnes of standard coal.
pub fn number_format(unit: &str) -> String {
    match decimal_places(unit) {
        0 => "#,##0".to_owned(),
        places => format!("#,##0.{}", "0".repeat(places)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_each_unit_with_its_decimals_and_thousands_separators() {
        assert_eq!(number_format("m2"), "#,##0.00");
        assert_eq!(number_format("tce"), "#,##0.0000");
        assert_eq!(number_format("yuan"), "#,##0.00");
        assert_eq!(number_format("percent"), "#,##0.00");
        assert_eq!(number_format("count"), "#,##0");
    }

    #[test]
    fn writes_units_as_sdmx_ids() {
        for (unit, code) in [
            ("kgce/m2", "KGCE_PER_M2"),
            ("carrier unit", "CARRIER_UNIT"),
            ("yuan", "CNY"),
            ("percent", "PC"),
            ("", "_Z"),
        ] {
            assert_eq!(unit_code(unit), code);
        }
    }

    #[test]
    fn only_division_codes_and_institution_types_are_official() {
        assert!(CodeSource::of("REF_AREA").is_official());
        assert!(CodeSource::of("INST_TYPE").is_official());
        assert!(!CodeSource::of("CARRIER").is_official());
        assert!(!CodeSource::of("VEHICLE_CATEGORY").is_official());
    }
}
