//! The typed records of the three ledgers and the rules each record must obey.
//!
//! Records arrive from imported rows ([`crate::columns`]) or from documents ([`crate::document`]);
//! both build them from value types that cannot be malformed ([`CreditCode`], [`Plate`], [`Vin`],
//! [`Date`], [`DateTime`], [`Month`], the closed lists of [`kinds`]) and then call
//! [`Record::validate`] for the rules that span fields or bound free text and amounts. Records built
//! in code are checked the same way before they are written or counted.

pub mod amount;
pub mod kinds;
pub mod values;

use serde::{Deserialize, Serialize};
use topology::DivisionCode;

pub use amount::{
    AMOUNT_FRACTION_DIGITS_MAX, AMOUNT_INTEGER_DIGITS_MAX, AmountError, amount_text, check_amount,
    parse_amount,
};
pub use kinds::{Carrier, FuelType, Ownership, UnknownName, VehicleCategory, VehicleStatus};
pub use values::{
    CreditCode, CreditCodeError, Date, DateError, DateTime, DateTimeError, Plate, PlateError, Vin,
    VinError,
};

use crate::Decimal;
use crate::ledger::Ledger;
use crate::period::{Month, Period, YEAR_MAX, YEAR_MIN};
use crate::table::Table;

/// Most records one document may hold. A province's whole network logged about 1.9 million dispatch
/// orders in a year, so one body's document stays well below; the bound keeps loading, memory and
/// the exact sums of [`crate::figures`] within known limits.
pub const RECORDS_PER_DOCUMENT_MAX: usize = 2_000_000;

/// Most characters of an identifier chosen by the body (a building id, a dispatch order number).
pub const IDENTIFIER_CHARS_MAX: usize = 64;

/// Most characters of a name (a building's name): the longest official names of Chinese bodies are
/// around 50 characters, so 200 leaves room without admitting pasted paragraphs.
pub const NAME_CHARS_MAX: usize = 200;

/// Most characters of free text (an address, the purpose of a trip).
pub const TEXT_CHARS_MAX: usize = 500;

/// Earliest construction year accepted: buildings used as offices that are older than this are not
/// known, so an earlier year is a typing error.
pub const BUILD_YEAR_MIN: u16 = 1800;

/// Latest construction year accepted, the same bound as [`crate::period::YEAR_MAX`].
pub const BUILD_YEAR_MAX: u16 = YEAR_MAX;

/// Why a text field is refused. Each message is phrased as the rule the text broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// A required text is empty.
    #[error("must not be empty")]
    Empty,
    /// The text is longer than its bound.
    #[error("must have at most {chars_max} characters (it has {length_chars})")]
    TooLong {
        /// How many characters the text has.
        length_chars: usize,
        /// The bound for this field.
        chars_max: usize,
    },
    /// The text holds a control character such as a line break or a tab.
    #[error("must not contain control characters such as line breaks or tabs")]
    ControlCharacter,
    /// An identifier begins or ends with white space, which would make two ids look alike.
    #[error("must not begin or end with white space")]
    SurroundingWhiteSpace,
}

/// Checks a free text: bounded, without control characters, and non-empty when `required`.
pub fn check_text(text: &str, chars_max: usize, required: bool) -> Result<(), TextError> {
    if required && text.trim().is_empty() {
        return Err(TextError::Empty);
    }
    let length_chars = text.chars().count();
    if length_chars > chars_max {
        return Err(TextError::TooLong {
            length_chars,
            chars_max,
        });
    }
    if text.chars().any(char::is_control) {
        return Err(TextError::ControlCharacter);
    }
    Ok(())
}

/// Checks an identifier: non-empty, at most [`IDENTIFIER_CHARS_MAX`] characters, no control
/// characters and no surrounding white space.
pub fn check_identifier(text: &str) -> Result<(), TextError> {
    check_text(text, IDENTIFIER_CHARS_MAX, true)?;
    if text.trim() != text {
        return Err(TextError::SurroundingWhiteSpace);
    }
    Ok(())
}

/// Why a record is refused. Each message is phrased as the rule the field named by
/// [`RecordError::field`] broke, so that callers can prefix it with the place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// A text field is empty, too long or holds control characters.
    #[error("{source}")]
    Text {
        /// The field.
        field: &'static str,
        /// The rule broken.
        source: TextError,
    },
    /// A decimal field is negative or out of bounds.
    #[error("{source}")]
    Amount {
        /// The field.
        field: &'static str,
        /// The rule broken.
        source: AmountError,
    },
    /// A building's construction year is out of range.
    #[error("must be a year from {BUILD_YEAR_MIN} to {BUILD_YEAR_MAX} (found {build_year})")]
    BuildYearOutOfRange {
        /// The year given.
        build_year: u16,
    },
    /// A building's usable area of office, service and equipment rooms exceeds its floor area.
    #[error(
        "must be at least the usable area of office, service and equipment rooms together \
         ({usable_m2} m2), but is {floor_area_m2} m2"
    )]
    UsableAreaExceedsFloorArea {
        /// Office + service + equipment usable area.
        usable_m2: Decimal,
        /// The building's floor area.
        floor_area_m2: Decimal,
    },
    /// A battery electric vehicle has an engine displacement.
    #[error("must be 0 for a battery electric vehicle (found {displacement_l} L)")]
    DisplacementOfBatteryElectric {
        /// The displacement given.
        displacement_l: Decimal,
    },
    /// A dispatch order ends before it starts.
    #[error("must not be before the start {start} (found {end})")]
    EndBeforeStart {
        /// The start of the trip.
        start: DateTime,
        /// The end of the trip.
        end: DateTime,
    },
    /// A month built in code is not a month of the accepted years.
    #[error(
        "must be a month 01 to 12 of the years {YEAR_MIN} to {YEAR_MAX} (found {year}-{month})"
    )]
    MonthInvalid {
        /// The year given.
        year: u16,
        /// The month number given.
        month: u8,
    },
    /// A record dated by month or start time lies outside the period of its document.
    #[error("must lie in the document's period {period} (found {month})")]
    OutsidePeriod {
        /// The field that dates the record.
        field: &'static str,
        /// The month the record is dated in.
        month: Month,
        /// The document's period.
        period: Period,
    },
}

impl RecordError {
    /// The field whose value broke the rule.
    pub fn field(&self) -> &'static str {
        match self {
            RecordError::Text { field, .. }
            | RecordError::Amount { field, .. }
            | RecordError::OutsidePeriod { field, .. } => field,
            RecordError::BuildYearOutOfRange { .. } => "build_year",
            RecordError::UsableAreaExceedsFloorArea { .. } => "floor_area_m2",
            RecordError::DisplacementOfBatteryElectric { .. } => "displacement_l",
            RecordError::EndBeforeStart { .. } => "end",
            RecordError::MonthInvalid { .. } => "month",
        }
    }
}

/// Checks a text field, naming it in the error.
fn text_field(
    field: &'static str,
    text: &str,
    chars_max: usize,
    required: bool,
) -> Result<(), RecordError> {
    check_text(text, chars_max, required).map_err(|source| RecordError::Text { field, source })
}

/// Checks an identifier field, naming it in the error.
fn identifier_field(field: &'static str, text: &str) -> Result<(), RecordError> {
    check_identifier(text).map_err(|source| RecordError::Text { field, source })
}

/// Checks an amount field, naming it in the error.
fn amount_field(field: &'static str, value: Decimal) -> Result<(), RecordError> {
    check_amount(value).map_err(|source| RecordError::Amount { field, source })
}

/// A building used as office space (办公用房), with its areas by category.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Building {
    /// The body's own identifier of the building, stable across periods; the record's id.
    pub building_id: String,
    /// The building's name, as on its certificates.
    pub name: String,
    /// The institution that uses the building, which answers for it.
    pub institution_credit_code: CreditCode,
    /// Where the building stands, so that space can be totalled by division.
    pub division_code: DivisionCode,
    /// Street address; may be empty when the name says enough.
    pub address: String,
    /// Year the building was completed, for the age profile and safety reviews.
    pub build_year: u16,
    /// Who owns the building and who uses it.
    pub ownership: Ownership,
    /// Floor area (建筑面积) of the whole building, m².
    pub floor_area_m2: Decimal,
    /// Usable area of office rooms (办公室用房), m².
    pub office_usable_m2: Decimal,
    /// Usable area of service rooms (服务用房: meeting rooms, archives, canteens), m².
    pub service_usable_m2: Decimal,
    /// Usable area of equipment rooms (设备用房: plant, server and switch rooms), m².
    pub equipment_usable_m2: Decimal,
    /// Floor area of ancillary space (附属用房: garages, guard rooms), m²; reported in floor area, not
    /// usable area, as the 2014 standard does.
    pub ancillary_floor_m2: Decimal,
}

impl Building {
    /// The basic office usable area: office, service and equipment rooms together.
    pub fn basic_usable_m2(&self) -> Decimal {
        self.office_usable_m2 + self.service_usable_m2 + self.equipment_usable_m2
    }

    /// Checks the rules the field types cannot carry.
    pub fn validate(&self) -> Result<(), RecordError> {
        identifier_field("building_id", &self.building_id)?;
        text_field("name", &self.name, NAME_CHARS_MAX, true)?;
        text_field("address", &self.address, TEXT_CHARS_MAX, false)?;
        if !(BUILD_YEAR_MIN..=BUILD_YEAR_MAX).contains(&self.build_year) {
            return Err(RecordError::BuildYearOutOfRange {
                build_year: self.build_year,
            });
        }
        amount_field("floor_area_m2", self.floor_area_m2)?;
        amount_field("office_usable_m2", self.office_usable_m2)?;
        amount_field("service_usable_m2", self.service_usable_m2)?;
        amount_field("equipment_usable_m2", self.equipment_usable_m2)?;
        amount_field("ancillary_floor_m2", self.ancillary_floor_m2)?;
        // Three bounded amounts add up without overflow.
        let usable_m2 = self.basic_usable_m2();
        if usable_m2 > self.floor_area_m2 {
            return Err(RecordError::UsableAreaExceedsFloorArea {
                usable_m2: usable_m2.normalize(),
                floor_area_m2: self.floor_area_m2.normalize(),
            });
        }
        Ok(())
    }
}

/// An official vehicle (公务用车).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vehicle {
    /// The number plate; the record's id.
    pub plate: Plate,
    /// The vehicle identification number, which ties the record to the registration certificate.
    pub vin: Vin,
    /// The institution the vehicle is assigned to, whose quota it counts against.
    pub institution_credit_code: CreditCode,
    /// The use category, which sets the quota and the price and displacement caps.
    pub category: VehicleCategory,
    /// What drives the vehicle, for the new-energy share.
    pub fuel_type: FuelType,
    /// Whether the brand is domestic (自主品牌), which the rules require.
    pub domestic_brand: bool,
    /// Engine displacement in litres; 0 for a battery electric vehicle.
    pub displacement_l: Decimal,
    /// Purchase price excluding tax, yuan, checked against the category's cap.
    pub price_yuan: Decimal,
    /// Day the vehicle was acquired; a vehicle may be replaced after eight years.
    pub acquisition_date: Date,
    /// Whether the vehicle is in service, idle or disposed of.
    pub status: VehicleStatus,
}

impl Vehicle {
    /// Checks the rules the field types cannot carry.
    pub fn validate(&self) -> Result<(), RecordError> {
        amount_field("displacement_l", self.displacement_l)?;
        amount_field("price_yuan", self.price_yuan)?;
        if self.fuel_type == FuelType::Bev && !self.displacement_l.is_zero() {
            return Err(RecordError::DisplacementOfBatteryElectric {
                displacement_l: self.displacement_l.normalize(),
            });
        }
        Ok(())
    }
}

/// A vehicle dispatch order (派车单): one trip of one vehicle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispatchOrder {
    /// The order number from the dispatch system; the record's id.
    pub order_id: String,
    /// The vehicle dispatched.
    pub plate: Plate,
    /// When the vehicle left, local time; dates the order within a period.
    pub start: DateTime,
    /// When the vehicle came back, local time; not before `start`.
    pub end: DateTime,
    /// Why the vehicle was used (用车事由), which audits check against the rules.
    pub purpose: String,
    /// Distance driven, km.
    pub distance_km: Decimal,
}

impl DispatchOrder {
    /// Checks the rules the field types cannot carry.
    pub fn validate(&self) -> Result<(), RecordError> {
        identifier_field("order_id", &self.order_id)?;
        text_field("purpose", &self.purpose, TEXT_CHARS_MAX, true)?;
        amount_field("distance_km", self.distance_km)?;
        if self.end < self.start {
            return Err(RecordError::EndBeforeStart {
                start: self.start,
                end: self.end,
            });
        }
        Ok(())
    }
}

/// One institution's consumption of one energy carrier in one month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnergyConsumption {
    /// The consuming public institution.
    pub institution_credit_code: CreditCode,
    /// The month consumed in; must lie in the document's period.
    pub month: Month,
    /// What was consumed.
    pub carrier: Carrier,
    /// How much, in the carrier's unit ([`Carrier::unit`]); the field name carries no unit because
    /// the unit depends on the carrier.
    pub quantity: Decimal,
    /// What it cost, yuan.
    pub cost_yuan: Decimal,
}

impl EnergyConsumption {
    /// Checks the rules the field types cannot carry.
    pub fn validate(&self) -> Result<(), RecordError> {
        let Month { year, month } = self.month;
        if !(YEAR_MIN..=YEAR_MAX).contains(&year) || !(1..=12).contains(&month) {
            return Err(RecordError::MonthInvalid { year, month });
        }
        amount_field("quantity", self.quantity)?;
        amount_field("cost_yuan", self.cost_yuan)?;
        Ok(())
    }

    /// The record's id: `{credit code}/{carrier slug}/{YYYY-MM}`.
    pub fn id(&self) -> String {
        format!(
            "{}/{}/{}",
            self.institution_credit_code,
            self.carrier.slug(),
            self.month
        )
    }
}

/// A record of any table. Serialized (for JSON) as `{"<table slug>": {fields}}`; a deserialized
/// record has not been checked, so call [`Record::validate`] before trusting it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Record {
    /// A row of [`Table::Buildings`].
    #[serde(rename = "buildings")]
    Building(Building),
    /// A row of [`Table::Vehicles`].
    #[serde(rename = "vehicles")]
    Vehicle(Vehicle),
    /// A row of [`Table::DispatchOrders`].
    #[serde(rename = "dispatch_orders")]
    DispatchOrder(DispatchOrder),
    /// A row of [`Table::EnergyConsumption`].
    #[serde(rename = "energy_consumption")]
    EnergyConsumption(EnergyConsumption),
}

impl Record {
    /// The table the record belongs to.
    pub fn table(&self) -> Table {
        match self {
            Record::Building(_) => Table::Buildings,
            Record::Vehicle(_) => Table::Vehicles,
            Record::DispatchOrder(_) => Table::DispatchOrders,
            Record::EnergyConsumption(_) => Table::EnergyConsumption,
        }
    }

    /// The ledger the record belongs to.
    pub fn ledger(&self) -> Ledger {
        self.table().ledger()
    }

    /// The record's id, unique within its table: building id, plate, order id, or
    /// `{credit code}/{carrier}/{YYYY-MM}`.
    pub fn id(&self) -> String {
        match self {
            Record::Building(building) => building.building_id.clone(),
            Record::Vehicle(vehicle) => vehicle.plate.to_string(),
            Record::DispatchOrder(order) => order.order_id.clone(),
            Record::EnergyConsumption(consumption) => consumption.id(),
        }
    }

    /// Checks the rules the field types cannot carry: bounded text and amounts, and the rules that
    /// span fields.
    pub fn validate(&self) -> Result<(), RecordError> {
        match self {
            Record::Building(building) => building.validate(),
            Record::Vehicle(vehicle) => vehicle.validate(),
            Record::DispatchOrder(order) => order.validate(),
            Record::EnergyConsumption(consumption) => consumption.validate(),
        }
    }

    /// Checks that a record dated within a period lies in the document's period: an energy record's
    /// month, a dispatch order's start. Buildings and vehicles are standing records and always pass.
    pub fn check_period(&self, period: Period) -> Result<(), RecordError> {
        let (field, month) = match self {
            Record::EnergyConsumption(consumption) => ("month", consumption.month),
            Record::DispatchOrder(order) => ("start", order.start.date().month()),
            Record::Building(_) | Record::Vehicle(_) => return Ok(()),
        };
        if period.contains(month) {
            Ok(())
        } else {
            Err(RecordError::OutsidePeriod {
                field,
                month,
                period,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal(text: &str) -> Decimal {
        parse_amount(text).unwrap()
    }

    fn building() -> Building {
        Building {
            building_id: "B-001".to_owned(),
            name: "自治区机关综合办公楼".to_owned(),
            institution_credit_code: CreditCode::with_check_digit("11640000MB0000001").unwrap(),
            division_code: DivisionCode::parse("640000000000").unwrap(),
            address: "银川市金凤区".to_owned(),
            build_year: 2005,
            ownership: Ownership::OwnedInUse,
            floor_area_m2: decimal("1000"),
            office_usable_m2: decimal("400"),
            service_usable_m2: decimal("200"),
            equipment_usable_m2: decimal("100"),
            ancillary_floor_m2: decimal("50"),
        }
    }

    #[test]
    fn usable_area_may_not_exceed_floor_area() {
        assert!(building().validate().is_ok());
        let mut too_much = building();
        too_much.equipment_usable_m2 = decimal("400.5");
        let error = too_much.validate().unwrap_err();
        assert_eq!(error.field(), "floor_area_m2");
        assert!(matches!(
            error,
            RecordError::UsableAreaExceedsFloorArea { .. }
        ));
    }

    #[test]
    fn text_fields_are_bounded() {
        let mut long_id = building();
        long_id.building_id = "x".repeat(IDENTIFIER_CHARS_MAX + 1);
        assert_eq!(long_id.validate().unwrap_err().field(), "building_id");
        let mut blank_id = building();
        blank_id.building_id = " B-001".to_owned();
        assert!(matches!(
            blank_id.validate(),
            Err(RecordError::Text {
                source: TextError::SurroundingWhiteSpace,
                ..
            })
        ));
        let mut line_break = building();
        line_break.name = "a\nb".to_owned();
        assert!(matches!(
            line_break.validate(),
            Err(RecordError::Text {
                field: "name",
                source: TextError::ControlCharacter
            })
        ));
    }

    #[test]
    fn energy_records_lie_in_their_period() {
        let record = Record::EnergyConsumption(EnergyConsumption {
            institution_credit_code: CreditCode::with_check_digit("12640000MB0000002").unwrap(),
            month: Month::parse("2025-03").unwrap(),
            carrier: Carrier::Electricity,
            quantity: decimal("1000"),
            cost_yuan: decimal("560.5"),
        });
        assert!(record.check_period(Period::parse("2025").unwrap()).is_ok());
        assert!(
            record
                .check_period(Period::parse("2025-Q1").unwrap())
                .is_ok()
        );
        let error = record
            .check_period(Period::parse("2025-04").unwrap())
            .unwrap_err();
        assert_eq!(error.field(), "month");
        assert!(record.id().ends_with("/electricity/2025-03"));
    }

    #[test]
    fn months_built_in_code_are_checked() {
        let record = EnergyConsumption {
            institution_credit_code: CreditCode::with_check_digit("12640000MB0000002").unwrap(),
            month: Month {
                year: 2025,
                month: 13,
            },
            carrier: Carrier::Water,
            quantity: Decimal::ZERO,
            cost_yuan: Decimal::ZERO,
        };
        assert!(matches!(
            record.validate(),
            Err(RecordError::MonthInvalid { month: 13, .. })
        ));
    }
}
