//! SDMX-CSV 2.0 and its structure: a return as observations for statistical exchange.
//!
//! Every value of the return becomes one line: the dataflow it belongs to
//! (`HUIZONG:DF_ENERGY(2.0)` for the energy ledger), the action `A` (SDMX-CSV 2.0.0's append: a
//! receiver adds or updates these observations and keeps the rest; SDMX 3.1 renamed it merge),
//! then one column per dimension in the structure's order, the value and the attributes:
//!
//! - `FREQ` (`A`, `Q`, `M`), `REF_AREA` (a 12-digit division code, GB/T 2260), `COVERAGE` (`_T`
//!   the area with everything below it; `OWN` the node's own level, 本级, without its children),
//!   `INDICATOR` (a column's indicator code, or an indicator sheet's row key);
//! - one dimension per breakdown the return's sheets use, named by the sheet's
//!   [`RowDimension::Breakdown`] id (`CARRIER`, `INST_TYPE`, `WASTE_CATEGORY`, `SPACE_CATEGORY`,
//!   `VEHICLE_CATEGORY` …): the row's code on that sheet, `_T` on its totals row, and `_Z` (SDMX's
//!   "not applicable") on every line of another sheet;
//! - `TIME_PERIOD` (`2025`, `2025-Q1`, `2025-03`), the time dimension, last;
//! - `OBS_VALUE`, a number in plain notation or `NaN` when undefined (a ratio over zero);
//! - the attributes `UNIT_MEASURE` (a unit code, see [`super::codes::unit_code`]), `OBS_STATUS`
//!   (`P` provisional, `A` normal, SDMX's codes) and `SHEET`, the table the value comes from.
//!
//! A by-child sheet's rows are areas: each child's line has the child's code as `REF_AREA`; the
//! node's own level (本级) has the node's code and `COVERAGE` `OWN`; its totals row the node's
//! code and `_T`. An indicator sheet writes only its value column (the numerator and denominator
//! have no indicator code of their own) and no totals. A figure shown on two sheets (the node's
//! total floor area on the indicator sheet and the by-child sheet's totals, say) has one key, so
//! it is written once, where it first appears.
//!
//! [`write_sdmx_structure`] writes the data structure definition of the file as an SDMX-ML 2.1
//! structure message: the dataflow, the data structure (dimensions, attributes, measure), the
//! concepts and a codelist for every coded component holding every code the file uses with its
//! Chinese name, each list saying in its description whether its codes are official (division
//! codes, institution types) or this system's own. With it a standard SDMX tool reads and checks
//! the CSV. The file is UTF-8 without a byte order mark, with `\n` line ends; its media type is
//! [`SDMX_CSV_MEDIA_TYPE`].

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;
use std::io::Write;

use schemas::Decimal;
use schemas::Period;
use schemas::returns::{ReturnColumn, ReturnSheet, RowDimension, StatReturn};

use super::codes::{CodeSource, OWN_LEVEL_KEY, dimension_name_zh, unit_code, unit_name_zh};
use super::{ExportError, TOTAL_CODE, check_shape, flush, plain_decimal};

/// The media type of SDMX-CSV 2.0, for HTTP responses and mail attachments.
pub const SDMX_CSV_MEDIA_TYPE: &str = "application/vnd.sdmx.data+csv; version=2.0.0";

/// The media type of an SDMX-ML 2.1 structure message.
pub const SDMX_STRUCTURE_MEDIA_TYPE: &str = "application/vnd.sdmx.structure+xml; version=2.1";

/// The maintenance agency of huizong's dataflows.
pub const SDMX_AGENCY: &str = "HUIZONG";

/// The version of huizong's dataflow definitions; raised when a dimension is added or changes
/// (2.0: one column per breakdown instead of `BREAKDOWN` and `BREAKDOWN_VALUE`).
pub const SDMX_DATAFLOW_VERSION: &str = "2.0";

/// The SDMX-CSV 2.0 columns before the dimensions.
pub const SDMX_FIXED_COLUMNS: [&str; 3] = ["STRUCTURE", "STRUCTURE_ID", "ACTION"];

/// The dimensions every return has before its breakdowns, in the structure's order.
pub const SDMX_LEADING_DIMENSIONS: [&str; 4] = ["FREQ", "REF_AREA", "COVERAGE", "INDICATOR"];

/// The time dimension, after the breakdowns.
pub const SDMX_TIME_DIMENSION: &str = "TIME_PERIOD";

/// The measure and the attributes, after the dimensions.
pub const SDMX_TRAILING_COLUMNS: [&str; 4] = ["OBS_VALUE", "UNIT_MEASURE", "OBS_STATUS", "SHEET"];

/// The kind of structure every line refers to.
const STRUCTURE_DATAFLOW: &str = "dataflow";

/// The action: SDMX-CSV 2.0.0's append, so that a receiver adds or updates these observations
/// and keeps the rest.
const ACTION_APPEND: &str = "A";

/// SDMX's code for "not applicable", for a dimension that does not apply to an observation.
pub const NOT_APPLICABLE_CODE: &str = "_Z";

/// The `COVERAGE` of the node's own level (本级), without its children.
pub const OWN_LEVEL_CODE: &str = "OWN";

/// The unit of a column whose rows are each in their carrier's unit (the energy ledger's
/// quantities): each observation gets its carrier's unit instead.
const CARRIER_UNIT: &str = "carrier unit";

/// How SDMX-CSV writes a missing value.
const MISSING_VALUE: &str = "NaN";

/// `OBS_STATUS` of a provisional value (SDMX's code list CL_OBS_STATUS).
const STATUS_PROVISIONAL: &str = "P";

/// `OBS_STATUS` of a normal value.
const STATUS_NORMAL: &str = "A";

/// The breakdown dimensions of a return, in the order its sheets first use them.
pub fn breakdown_dimensions(ret: &StatReturn) -> Vec<&str> {
    let mut dimensions: Vec<&str> = Vec::new();
    for sheet in &ret.sheets {
        if let RowDimension::Breakdown { id } = &sheet.rows_are
            && !dimensions.contains(&id.as_str())
        {
            dimensions.push(id);
        }
    }
    dimensions
}

/// Every dimension of a return's structure, in order.
pub fn dimensions(ret: &StatReturn) -> Vec<&str> {
    let mut all: Vec<&str> = SDMX_LEADING_DIMENSIONS.to_vec();
    all.extend(breakdown_dimensions(ret));
    all.push(SDMX_TIME_DIMENSION);
    all
}

/// The header line of a return's SDMX-CSV file.
pub fn header(ret: &StatReturn) -> Vec<&str> {
    let mut header: Vec<&str> = SDMX_FIXED_COLUMNS.to_vec();
    header.extend(dimensions(ret));
    header.extend(SDMX_TRAILING_COLUMNS);
    header
}

/// One value of a return with where it lies: what the SDMX-CSV line and the JSON observation
/// are written from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation<'a> {
    /// The sheet the value comes from.
    pub sheet: &'a ReturnSheet,
    /// The area: the node's division code, or a child's.
    pub ref_area: String,
    /// `_T` for the area with everything below it, `OWN` for the node's own level.
    pub coverage: &'static str,
    /// The indicator code.
    pub indicator: &'a str,
    /// What the indicator is, in Chinese: the column header, or the indicator row's label.
    pub indicator_zh: &'a str,
    /// The sheet's breakdown and the row's code on it (`_T` for the totals), if the sheet has one.
    pub breakdown: Option<(&'a str, &'a str)>,
    /// The row's label in Chinese (合计 for the totals).
    pub row_label_zh: &'a str,
    /// The value; `None` where undefined.
    pub value: Option<Decimal>,
    /// The unit, as the return names it.
    pub unit: &'a str,
}

impl Observation<'_> {
    /// The code of a breakdown dimension on this observation: the row's code on its own
    /// sheet's breakdown, `_Z` on any other.
    pub fn breakdown_code(&self, dimension: &str) -> &str {
        match self.breakdown {
            Some((id, code)) if id == dimension => code,
            _ => NOT_APPLICABLE_CODE,
        }
    }

    /// The key the observation is identified by: every dimension's code, in order.
    fn key(&self, breakdowns: &[&str]) -> Vec<String> {
        let mut key = vec![
            self.ref_area.clone(),
            self.coverage.to_owned(),
            self.indicator.to_owned(),
        ];
        key.extend(
            breakdowns
                .iter()
                .map(|dimension| self.breakdown_code(dimension).to_owned()),
        );
        key
    }
}

/// The observations of a return, in file order: sheets in order, within a sheet rows in order
/// and the totals last, within a row columns in order; a key already written is left out.
pub fn observations(ret: &StatReturn) -> Vec<Observation<'_>> {
    let node = ret.node.to_string();
    let breakdowns = breakdown_dimensions(ret);
    let mut all = Vec::new();
    for sheet in &ret.sheets {
        push_sheet(sheet, &node, &mut all);
    }
    let mut seen = HashSet::new();
    all.retain(|observation| seen.insert(observation.key(&breakdowns)));
    all
}

/// The observations of one sheet; `node` is the node's division code.
fn push_sheet<'a>(sheet: &'a ReturnSheet, node: &str, out: &mut Vec<Observation<'a>>) {
    match &sheet.rows_are {
        RowDimension::Indicator => {
            let Some(value_column) = sheet.columns.first() else {
                return;
            };
            for row in &sheet.rows {
                out.push(Observation {
                    sheet,
                    ref_area: node.to_owned(),
                    coverage: TOTAL_CODE,
                    indicator: &row.key,
                    indicator_zh: &row.label_zh,
                    breakdown: None,
                    row_label_zh: &row.label_zh,
                    value: row.values.first().copied().flatten(),
                    // An indicator row always carries its unit; the column's is a fallback only.
                    unit: row.unit.as_deref().unwrap_or(&value_column.unit),
                });
            }
        }
        RowDimension::RefArea => {
            for row in &sheet.rows {
                let own_level = row.key == OWN_LEVEL_KEY;
                let place = Place {
                    ref_area: if own_level { node } else { &row.key },
                    coverage: if own_level {
                        OWN_LEVEL_CODE
                    } else {
                        TOTAL_CODE
                    },
                    breakdown: None,
                    row_label_zh: &row.label_zh,
                };
                place.push_row(sheet, &row.values, out);
            }
            if let Some(totals) = &sheet.totals {
                let place = Place {
                    ref_area: node,
                    coverage: TOTAL_CODE,
                    breakdown: None,
                    row_label_zh: super::xlsx::TOTALS_LABEL,
                };
                place.push_row(sheet, totals, out);
            }
        }
        RowDimension::Breakdown { id } => {
            for row in &sheet.rows {
                let place = Place {
                    ref_area: node,
                    coverage: TOTAL_CODE,
                    breakdown: Some((id, &row.key)),
                    row_label_zh: &row.label_zh,
                };
                place.push_row(sheet, &row.values, out);
            }
            if let Some(totals) = &sheet.totals {
                let place = Place {
                    ref_area: node,
                    coverage: TOTAL_CODE,
                    breakdown: Some((id, TOTAL_CODE)),
                    row_label_zh: super::xlsx::TOTALS_LABEL,
                };
                place.push_row(sheet, totals, out);
            }
        }
    }
}

/// Where a row of a breakdown or child-node sheet lies; its columns give the indicators.
struct Place<'a, 'b> {
    ref_area: &'b str,
    coverage: &'static str,
    breakdown: Option<(&'a str, &'a str)>,
    row_label_zh: &'a str,
}

impl<'a> Place<'a, '_> {
    /// Adds one observation per column of a row.
    fn push_row(
        &self,
        sheet: &'a ReturnSheet,
        values: &[Option<Decimal>],
        out: &mut Vec<Observation<'a>>,
    ) {
        for (column, value) in sheet.columns.iter().zip(values) {
            let ReturnColumn {
                indicator,
                header_zh,
                unit,
            } = column;
            // A quantity "in the carrier's unit" is in the unit of the row's carrier.
            let unit = match self.breakdown {
                Some((_, code)) if unit == CARRIER_UNIT => schemas::Carrier::from_slug(code)
                    .map_or(unit.as_str(), |carrier| carrier.unit()),
                _ => unit.as_str(),
            };
            out.push(Observation {
                sheet,
                ref_area: self.ref_area.to_owned(),
                coverage: self.coverage,
                indicator,
                indicator_zh: header_zh,
                breakdown: self.breakdown,
                row_label_zh: self.row_label_zh,
                value: *value,
                unit,
            });
        }
    }
}

/// Writes a return as SDMX-CSV 2.0 (see the module doc for the layout).
///
/// A return whose rows do not have one value per column is refused before anything is written.
pub fn write_sdmx_csv<W: Write>(ret: &StatReturn, out: W) -> Result<(), ExportError> {
    check_shape(ret)?;
    let structure_id = structure_id(ret);
    let time_period = ret.period.to_string();
    let frequency = frequency(ret.period);
    let breakdowns = breakdown_dimensions(ret);
    let status = if ret.provisional {
        STATUS_PROVISIONAL
    } else {
        STATUS_NORMAL
    };
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(out);
    writer.write_record(header(ret))?;
    for observation in observations(ret) {
        let value = observation
            .value
            .map_or_else(|| MISSING_VALUE.to_owned(), plain_decimal);
        let unit = unit_code(observation.unit);
        let mut record: Vec<&str> = vec![
            STRUCTURE_DATAFLOW,
            &structure_id,
            ACTION_APPEND,
            frequency,
            &observation.ref_area,
            observation.coverage,
            observation.indicator,
        ];
        record.extend(
            breakdowns
                .iter()
                .map(|dimension| observation.breakdown_code(dimension)),
        );
        record.extend([
            time_period.as_str(),
            &value,
            &unit,
            status,
            &observation.sheet.id,
        ]);
        writer.write_record(record)?;
    }
    // Flushes the CSV buffer, then `out`; dropping the writer instead would hide a failure.
    writer
        .into_inner()
        .map_err(|error| ExportError::Write(error.into_error()))?;
    Ok(())
}

/// The id of a return's dataflow, such as `DF_ENERGY`.
fn dataflow_id(ret: &StatReturn) -> String {
    format!("DF_{}", ret.ledger.slug().to_uppercase())
}

/// The id of a return's data structure, such as `DSD_ENERGY`.
fn structure_definition_id(ret: &StatReturn) -> String {
    format!("DSD_{}", ret.ledger.slug().to_uppercase())
}

/// The dataflow of a return's ledger, such as `HUIZONG:DF_ENERGY(2.0)`.
fn structure_id(ret: &StatReturn) -> String {
    format!(
        "{SDMX_AGENCY}:{}({SDMX_DATAFLOW_VERSION})",
        dataflow_id(ret)
    )
}

/// SDMX's frequency code of a period: annual, quarterly or monthly. The period's text (`2025`,
/// `2025-Q1`, `2025-03`) is already SDMX's `TIME_PERIOD` form.
fn frequency(period: Period) -> &'static str {
    match period {
        Period::Year(_) => "A",
        Period::Quarter(..) => "Q",
        Period::Month(..) => "M",
    }
}

/// A codelist of the structure: its codes with their names, in order.
struct Codelist {
    /// The component it codes, such as `CARRIER`.
    component: String,
    /// What the list is and where its codes come from, in Chinese.
    description_zh: String,
    codes: BTreeMap<String, String>,
}

impl Codelist {
    fn new(component: &str, description_zh: &str) -> Self {
        Codelist {
            component: component.to_owned(),
            description_zh: description_zh.to_owned(),
            codes: BTreeMap::new(),
        }
    }

    fn add(&mut self, code: &str, name_zh: &str) {
        self.codes
            .entry(code.to_owned())
            .or_insert_with(|| name_zh.to_owned());
    }

    fn id(&self) -> String {
        format!("CL_{}", self.component)
    }
}

/// The codelists of a return's structure: one per coded dimension and attribute, holding every
/// code the file uses.
fn codelists(ret: &StatReturn) -> Vec<Codelist> {
    let observations = observations(ret);
    let mut frequency = Codelist::new("FREQ", &zh!("node.export.sdmx.frequencies"));
    frequency.add(
        self::frequency(ret.period),
        &match ret.period {
            Period::Year(_) => zh!("node.export.sdmx.year"),
            Period::Quarter(..) => zh!("node.export.sdmx.quarter"),
            Period::Month(..) => zh!("node.export.sdmx.month"),
        },
    );
    let mut area = Codelist::new("REF_AREA", CodeSource::DivisionCode.name_zh());
    area.add(&ret.node.to_string(), &ret.heading.unit_name);
    if ret.heading.unit_name.is_empty() {
        area.codes
            .insert(ret.node.to_string(), ret.node_name.clone());
    }
    let mut coverage = Codelist::new("COVERAGE", &zh!("node.export.sdmx.coverage"));
    coverage.add(TOTAL_CODE, &zh!("node.export.sdmx.coverage_total"));
    coverage.add(OWN_LEVEL_CODE, &zh!("node.export.sdmx.coverage_own"));
    let mut indicator = Codelist::new("INDICATOR", CodeSource::Internal.name_zh());
    let mut unit = Codelist::new("UNIT_MEASURE", &zh!("node.export.sdmx.units"));
    let mut status = Codelist::new("OBS_STATUS", &zh!("node.export.sdmx.statuses"));
    status.add(STATUS_NORMAL, &zh!("node.export.sdmx.status_normal"));
    status.add(
        STATUS_PROVISIONAL,
        &zh!("node.export.sdmx.status_provisional"),
    );
    let breakdowns = breakdown_dimensions(ret);
    let mut breakdown_lists: Vec<Codelist> = breakdowns
        .iter()
        .map(|dimension| {
            let mut list = Codelist::new(dimension, CodeSource::of(dimension).name_zh());
            list.add(TOTAL_CODE, &zh!("node.export.sdmx.total"));
            list.add(NOT_APPLICABLE_CODE, &zh!("node.export.sdmx.not_applicable"));
            list
        })
        .collect();
    for observation in &observations {
        if observation.ref_area != ret.node.to_string() {
            area.add(&observation.ref_area, observation.row_label_zh);
        }
        indicator.add(observation.indicator, observation.indicator_zh);
        unit.add(&unit_code(observation.unit), unit_name_zh(observation.unit));
        if let Some((dimension, code)) = observation.breakdown
            && let Some(list) = breakdown_lists
                .iter_mut()
                .find(|list| list.component == dimension)
        {
            list.add(code, observation.row_label_zh);
        }
    }
    let mut lists = vec![frequency, area, coverage, indicator];
    lists.extend(breakdown_lists);
    lists.extend([unit, status]);
    lists
}

/// Text for XML: `&`, `<`, `>` and quotes escaped.
fn xml_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// The SDMX-ML 2.1 namespaces of a structure message.
const SDMX_ML_NAMESPACES: &str = concat!(
    r#"xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" "#,
    r#"xmlns:str="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure" "#,
    r#"xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common""#
);

/// The id of the concept scheme every component's concept is in.
const CONCEPT_SCHEME_ID: &str = "CS_HUIZONG";

/// Writes the structure of a return's SDMX-CSV file as an SDMX-ML 2.1 structure message (see the
/// module doc).
pub fn write_sdmx_structure<W: Write>(ret: &StatReturn, mut out: W) -> Result<(), ExportError> {
    check_shape(ret)?;
    let text = structure_xml(ret).expect("writing to a String does not fail");
    out.write_all(text.as_bytes()).map_err(ExportError::Write)?;
    flush(&mut out)
}

/// The structure message as text.
fn structure_xml(ret: &StatReturn) -> Result<String, std::fmt::Error> {
    let version = SDMX_DATAFLOW_VERSION;
    let agency = SDMX_AGENCY;
    let lists = codelists(ret);
    // Writing to a String does not fail: the results of `write!` into one are dropped.
    let name = |text: &str| {
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<com:Name xml:lang="zh">{}</com:Name>"#,
            xml_text(text)
        );
        out
    };
    let concept_ref = |id: &str| {
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<str:ConceptIdentity><Ref id="{id}" maintainableParentID="{CONCEPT_SCHEME_ID}" maintainableParentVersion="{version}" agencyID="{agency}" package="conceptscheme" class="Concept"/></str:ConceptIdentity>"#
        );
        out
    };
    let enumeration = |component: &str| {
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<str:LocalRepresentation><str:Enumeration><Ref id="CL_{component}" version="{version}" agencyID="{agency}" package="codelist" class="Codelist"/></str:Enumeration></str:LocalRepresentation>"#
        );
        out
    };
    let mut xml = String::new();
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    write!(xml, "<mes:Structure {SDMX_ML_NAMESPACES}>")?;
    xml.push('\n');
    write!(
        xml,
        "  <mes:Header>\n    <mes:ID>{}</mes:ID>\n    <mes:Test>false</mes:Test>\n    <mes:Prepared>{}</mes:Prepared>\n    <mes:Sender id=\"{}\"/>\n  </mes:Header>\n",
        format_args!("{}_{}_{}", dataflow_id(ret), ret.node, ret.period)
            .to_string()
            .replace('-', "_"),
        if ret.heading.reported_on.is_empty() {
            "1970-01-01T00:00:00".to_owned()
        } else {
            format!("{}T00:00:00", ret.heading.reported_on)
        },
        ret.node
    )?;
    xml.push_str("  <mes:Structures>\n");
    // Dataflow.
    write!(
        xml,
        "    <str:Dataflows>\n      <str:Dataflow id=\"{}\" agencyID=\"{agency}\" version=\"{version}\">\n        {}\n        <str:Structure><Ref id=\"{}\" version=\"{version}\" agencyID=\"{agency}\" package=\"datastructure\" class=\"DataStructure\"/></str:Structure>\n      </str:Dataflow>\n    </str:Dataflows>\n",
        dataflow_id(ret),
        name(&zh!(
            "node.export.sdmx.dataflow",
            ledger = ret.ledger.name_zh()
        )),
        structure_definition_id(ret),
    )?;
    // Codelists.
    xml.push_str("    <str:Codelists>\n");
    for list in &lists {
        write!(
            xml,
            "      <str:Codelist id=\"{}\" agencyID=\"{agency}\" version=\"{version}\">\n        {}\n        <com:Description xml:lang=\"zh\">{}</com:Description>\n",
            list.id(),
            name(dimension_name_zh(&list.component)),
            xml_text(&list.description_zh),
        )?;
        for (code, code_name) in &list.codes {
            write!(
                xml,
                "        <str:Code id=\"{}\">{}</str:Code>",
                xml_text(code),
                name(if code_name.is_empty() {
                    code
                } else {
                    code_name
                })
            )?;
            xml.push('\n');
        }
        xml.push_str("      </str:Codelist>\n");
    }
    xml.push_str("    </str:Codelists>\n");
    // Concepts.
    let dimensions = dimensions(ret);
    let mut concepts: Vec<&str> = dimensions.clone();
    concepts.extend(SDMX_TRAILING_COLUMNS);
    write!(
        xml,
        "    <str:Concepts>\n      <str:ConceptScheme id=\"{CONCEPT_SCHEME_ID}\" agencyID=\"{agency}\" version=\"{version}\">\n        {}\n",
        name(&zh!("node.export.sdmx.concepts"))
    )?;
    for concept in &concepts {
        let concept_name = match *concept {
            "OBS_VALUE" => zh!("node.export.sdmx.obs_value"),
            "UNIT_MEASURE" => zh!("node.export.sdmx.unit_measure"),
            "OBS_STATUS" => zh!("node.export.sdmx.obs_status"),
            "SHEET" => zh!("node.export.sdmx.sheet"),
            other => dimension_name_zh(other).to_owned(),
        };
        write!(
            xml,
            "        <str:Concept id=\"{concept}\">{}</str:Concept>",
            name(&concept_name)
        )?;
        xml.push('\n');
    }
    xml.push_str("      </str:ConceptScheme>\n    </str:Concepts>\n");
    // Data structure.
    write!(
        xml,
        "    <str:DataStructures>\n      <str:DataStructure id=\"{}\" agencyID=\"{agency}\" version=\"{version}\">\n        {}\n        <str:DataStructureComponents>\n          <str:DimensionList id=\"DimensionDescriptor\">\n",
        structure_definition_id(ret),
        name(&zh!(
            "node.export.sdmx.structure",
            ledger = ret.ledger.name_zh()
        )),
    )?;
    for (index, dimension) in dimensions.iter().enumerate() {
        let position = index + 1;
        if *dimension == SDMX_TIME_DIMENSION {
            write!(
                xml,
                "            <str:TimeDimension id=\"{dimension}\" position=\"{position}\">{}<str:LocalRepresentation><str:TextFormat textType=\"ObservationalTimePeriod\"/></str:LocalRepresentation></str:TimeDimension>",
                concept_ref(dimension)
            )?;
            xml.push('\n');
        } else {
            write!(
                xml,
                "            <str:Dimension id=\"{dimension}\" position=\"{position}\">{}{}</str:Dimension>",
                concept_ref(dimension),
                enumeration(dimension)
            )?;
            xml.push('\n');
        }
    }
    xml.push_str("          </str:DimensionList>\n          <str:AttributeList id=\"AttributeDescriptor\">\n");
    for (attribute, representation) in [
        ("UNIT_MEASURE", enumeration("UNIT_MEASURE")),
        ("OBS_STATUS", enumeration("OBS_STATUS")),
        (
            "SHEET",
            "<str:LocalRepresentation><str:TextFormat textType=\"String\"/></str:LocalRepresentation>"
                .to_owned(),
        ),
    ] {
        write!(
        xml,
            "            <str:Attribute id=\"{attribute}\" assignmentStatus=\"Mandatory\">{}{representation}<str:AttributeRelationship><str:PrimaryMeasure><Ref id=\"OBS_VALUE\"/></str:PrimaryMeasure></str:AttributeRelationship></str:Attribute>",
            concept_ref(attribute)
        )?;
        xml.push('\n');
    }
    write!(
        xml,
        "          </str:AttributeList>\n          <str:MeasureList id=\"MeasureDescriptor\">\n            <str:PrimaryMeasure id=\"OBS_VALUE\">{}<str:LocalRepresentation><str:TextFormat textType=\"Double\"/></str:LocalRepresentation></str:PrimaryMeasure>\n          </str:MeasureList>\n        </str:DataStructureComponents>\n      </str:DataStructure>\n    </str:DataStructures>\n",
        concept_ref("OBS_VALUE")
    )?;
    xml.push_str("  </mes:Structures>\n</mes:Structure>\n");
    Ok(xml)
}

/// The codes of every coded component of a return's structure, for tests and checks: component
/// id to its codes.
pub fn structure_codes(ret: &StatReturn) -> BTreeMap<String, BTreeSet<String>> {
    codelists(ret)
        .into_iter()
        .map(|list| (list.component, list.codes.into_keys().collect()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixtures::sample_return;

    fn write(ret: &StatReturn) -> String {
        let mut bytes = Vec::new();
        write_sdmx_csv(ret, &mut bytes).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn writes_one_column_per_dimension_and_one_observation_per_value() {
        let text = write(&sample_return());
        let expected = [
            "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,COVERAGE,INDICATOR,CARRIER,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,OBS_STATUS,SHEET",
            "dataflow,HUIZONG:DF_ENERGY(2.0),A,A,640000000000,_T,STANDARD_COAL_TCE,electricity,2025,1229.5,TCE,A,by_carrier",
            "dataflow,HUIZONG:DF_ENERGY(2.0),A,A,640000000000,_T,COST_YUAN,electricity,2025,860000,CNY,A,by_carrier",
            "dataflow,HUIZONG:DF_ENERGY(2.0),A,A,640000000000,_T,STANDARD_COAL_TCE,natural_gas,2025,121.43,TCE,A,by_carrier",
            "dataflow,HUIZONG:DF_ENERGY(2.0),A,A,640000000000,_T,COST_YUAN,natural_gas,2025,NaN,CNY,A,by_carrier",
            "dataflow,HUIZONG:DF_ENERGY(2.0),A,A,640000000000,_T,STANDARD_COAL_TCE,_T,2025,1350.93,TCE,A,by_carrier",
            "dataflow,HUIZONG:DF_ENERGY(2.0),A,A,640000000000,_T,COST_YUAN,_T,2025,860000,CNY,A,by_carrier",
            "dataflow,HUIZONG:DF_ENERGY(2.0),A,A,640000000000,OWN,STANDARD_COAL_TCE,_Z,2025,10,TCE,A,by_child",
            "dataflow,HUIZONG:DF_ENERGY(2.0),A,A,640100000000,_T,STANDARD_COAL_TCE,_Z,2025,20,TCE,A,by_child",
            "dataflow,HUIZONG:DF_ENERGY(2.0),A,A,640000000000,_T,STANDARD_COAL_TCE,_Z,2025,30,TCE,A,by_child",
            "dataflow,HUIZONG:DF_ENERGY(2.0),A,A,640000000000,_T,ENERGY_PER_FLOOR_AREA_KGCE_M2,_Z,2025,12.49,KGCE_PER_M2,A,indicators",
            "dataflow,HUIZONG:DF_ENERGY(2.0),A,A,640000000000,_T,WATER_PER_PERSON_M3,_Z,2025,NaN,M3_PER_PERSON,A,indicators",
        ];
        let lines: Vec<&str> = text.split_terminator('\n').collect();
        for (index, (line, expected)) in lines.iter().zip(expected).enumerate() {
            assert_eq!(*line, expected, "line {}", index + 1);
        }
        assert_eq!(lines.len(), expected.len());
        assert!(text.ends_with('\n') && !text.contains('\r'));
        assert!(!text.starts_with('\u{feff}'), "no byte order mark");
    }

    #[test]
    fn flags_every_value_of_a_provisional_return() {
        let mut ret = sample_return();
        ret.provisional = true;
        let text = write(&ret);
        assert!(text.lines().skip(1).all(|line| line.contains(",P,")));
    }

    #[test]
    fn writes_a_key_shown_on_two_sheets_once() {
        let mut ret = sample_return();
        // The indicator sheet shows the by-child sheet's total again under the same code.
        ret.sheets[2].rows[0].key = "STANDARD_COAL_TCE".to_owned();
        ret.sheets[2].rows[0].unit = Some("tce".to_owned());
        let text = write(&ret);
        let totals: Vec<&str> = text
            .lines()
            .filter(|line| line.contains(",640000000000,_T,STANDARD_COAL_TCE,_Z,"))
            .collect();
        assert_eq!(totals.len(), 1, "{totals:?}");
        assert!(totals[0].ends_with(",by_child"));
    }

    #[test]
    fn names_the_frequency_and_time_period_of_every_period_form() {
        for (period, frequency, time_period) in [
            (Period::Year(2025), "A", "2025"),
            (Period::Quarter(2025, 1), "Q", "2025-Q1"),
            (Period::Month(2025, 3), "M", "2025-03"),
        ] {
            let mut ret = sample_return();
            ret.period = period;
            let text = write(&ret);
            let fields: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
            assert_eq!((fields[3], fields[8]), (frequency, time_period), "{period}");
        }
    }

    #[test]
    fn writes_no_totals_for_indicators() {
        let mut ret = sample_return();
        let n_lines = write(&ret).lines().count();
        ret.sheets[2].totals = Some(vec![None, None, None]);
        assert_eq!(write(&ret).lines().count(), n_lines);
    }

    #[test]
    fn names_the_dataflow_of_each_ledger() {
        let mut ret = sample_return();
        ret.ledger = schemas::Ledger::OfficeSpace;
        assert_eq!(structure_id(&ret), "HUIZONG:DF_OFFICE_SPACE(2.0)");
    }

    #[test]
    fn quotes_fields_that_need_it() {
        let mut ret = sample_return();
        ret.sheets[0].rows[0].key = "gas, \"bottled\"".to_owned();
        let text = write(&ret);
        let line = text.lines().nth(1).unwrap();
        assert!(
            line.contains(",STANDARD_COAL_TCE,\"gas, \"\"bottled\"\"\",2025,"),
            "{line}"
        );
    }

    #[test]
    fn refuses_a_malformed_return_without_writing() {
        let mut ret = sample_return();
        ret.sheets[2].rows[0].values.clear();
        let mut bytes = Vec::new();
        let result = write_sdmx_csv(&ret, &mut bytes);
        assert!(matches!(result, Err(ExportError::Shape { .. })));
        assert!(bytes.is_empty());
    }

    #[test]
    fn the_structure_lists_every_code_the_file_uses() {
        let ret = sample_return();
        let codes = structure_codes(&ret);
        let text = write(&ret);
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        for line in lines {
            for (column, value) in header.iter().zip(line.split(',')) {
                if let Some(list) = codes.get(*column) {
                    assert!(list.contains(value), "{column} {value} not in its codelist");
                }
            }
        }
        assert!(codes["CARRIER"].contains("_Z") && codes["CARRIER"].contains("_T"));
        let mut xml = Vec::new();
        write_sdmx_structure(&ret, &mut xml).unwrap();
        let xml = String::from_utf8(xml).unwrap();
        assert!(
            xml.contains(r#"<str:Dimension id="CARRIER" position="5">"#),
            "{xml}"
        );
        assert!(xml.contains(r#"<str:TimeDimension id="TIME_PERIOD" position="6">"#));
        assert!(xml.contains(
            r#"<str:Code id="640100000000"><com:Name xml:lang="zh">银川市</com:Name></str:Code>"#
        ));
    }
}
