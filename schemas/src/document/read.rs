//! Reading a ledger document back into records, checking every field and rule: documents come
//! from untrusted peers, and every error names the table, record id and field.

use automerge::{Automerge, ObjType, ReadDoc, ScalarValueRef, ValueRef};
use topology::DivisionCode;

use super::{DocumentError, TABLES, describe, key_fields, read_meta, table_maps};
use crate::Decimal;
use crate::columns::columns;
use crate::period::Month;
use crate::records::{
    Building, Carrier, CreditCode, Date, DateTime, DispatchOrder, EnergyConsumption, FuelType,
    Ownership, Plate, RECORDS_PER_DOCUMENT_MAX, Record, RecordError, Vehicle, VehicleCategory,
    VehicleStatus, Vin, amount_text, parse_amount,
};
use crate::table::Table;

/// Reads every record, checking every field and rule: documents come from untrusted peers.
pub fn read_records(doc: &Automerge) -> Result<Vec<Record>, DocumentError> {
    let meta = read_meta(doc)?;
    let tables = table_maps(doc, meta.ledger)?;
    let count: usize = tables
        .iter()
        .map(|(_, table_id)| doc.length(table_id))
        .sum();
    if count > RECORDS_PER_DOCUMENT_MAX {
        return Err(DocumentError::TooManyRecords { count });
    }
    let mut records = Vec::with_capacity(count);
    for (table, table_id) in &tables {
        let specs = columns(*table);
        for item in doc.map_range(table_id, ..) {
            let record_id = item.key.as_ref();
            if !matches!(item.value, ValueRef::Object(ObjType::Map)) {
                return Err(DocumentError::NotAMap {
                    place: format!("{TABLES}.{table}.{record_id}"),
                    found: describe(&item.value),
                });
            }
            let record_object = item.id();
            let key_parts: Vec<&str> = record_id.split('/').collect();
            if key_parts.len() != key_fields(*table).len() {
                return Err(DocumentError::InvalidField {
                    table: *table,
                    record_id: record_id.to_owned(),
                    field: key_fields(*table)[0],
                    rule: format!(
                        "the record id must join {} with /",
                        key_fields(*table).join(", ")
                    ),
                    value: record_id.to_owned(),
                });
            }
            let mut fields = Fields {
                table: *table,
                record_id,
                key_parts,
                values: vec![None; specs.len()],
            };
            for field in doc.map_range(&record_object, ..) {
                let stored_key_field = key_fields(*table).contains(&field.key.as_ref());
                let position = specs.iter().position(|spec| spec.field == field.key);
                let Some(index) = position.filter(|_| !stored_key_field) else {
                    return Err(DocumentError::UnknownField {
                        table: *table,
                        record_id: record_id.to_owned(),
                        field: field.key.into_owned(),
                    });
                };
                fields.values[index] = Some(field.value);
            }
            let record = fields.record()?;
            let invalid = |source: RecordError| DocumentError::InvalidRecord {
                table: *table,
                record_id: record_id.to_owned(),
                field: source.field(),
                source,
            };
            record.validate().map_err(invalid)?;
            let content_id = record.id();
            if content_id != record_id {
                return Err(DocumentError::IdMismatch {
                    table: *table,
                    record_id: record_id.to_owned(),
                    content_id,
                });
            }
            record.check_period(meta.period).map_err(invalid)?;
            records.push(record);
        }
    }
    Ok(records)
}

/// The fields of one stored record, by the position of their column spec, and the parts of its
/// key that stand for its key fields.
struct Fields<'a> {
    table: Table,
    record_id: &'a str,
    key_parts: Vec<&'a str>,
    values: Vec<Option<ValueRef<'a>>>,
}

impl Fields<'_> {
    /// The value of a field; every field of the table's columns is written, so a missing one is an
    /// error.
    fn value(&self, field: &'static str) -> Result<&ValueRef<'_>, DocumentError> {
        columns(self.table)
            .iter()
            .position(|spec| spec.field == field)
            .and_then(|index| self.values[index].as_ref())
            .ok_or_else(|| DocumentError::MissingField {
                table: self.table,
                record_id: self.record_id.to_owned(),
                field,
            })
    }

    fn wrong_type(
        &self,
        field: &'static str,
        expected: &'static str,
        value: &ValueRef<'_>,
    ) -> DocumentError {
        DocumentError::WrongType {
            table: self.table,
            record_id: self.record_id.to_owned(),
            field,
            expected,
            found: describe(value),
        }
    }

    fn invalid(&self, field: &'static str, rule: String, value: &str) -> DocumentError {
        DocumentError::InvalidField {
            table: self.table,
            record_id: self.record_id.to_owned(),
            field,
            rule,
            value: value.to_owned(),
        }
    }

    fn text(&self, field: &'static str) -> Result<&str, DocumentError> {
        if let Some(index) = key_fields(self.table).iter().position(|key| *key == field) {
            return Ok(self.key_parts[index]);
        }
        let value = self.value(field)?;
        match value {
            ValueRef::Scalar(ScalarValueRef::Str(text)) => Ok(text.as_ref()),
            other => Err(self.wrong_type(field, "a string", other)),
        }
    }

    /// Parses a text field and checks that it is stored in canonical form, as written here.
    fn parsed<T: ToString, E: ToString>(
        &self,
        field: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, DocumentError> {
        let text = self.text(field)?;
        let value = parse(text).map_err(|error| self.invalid(field, error.to_string(), text))?;
        let canonical = value.to_string();
        if canonical != text {
            return Err(self.invalid(field, format!("must be written {canonical:?}"), text));
        }
        Ok(value)
    }

    /// A closed-list field, stored as its slug.
    fn slug<T>(
        &self,
        field: &'static str,
        from_slug: impl FnOnce(&str) -> Option<T>,
        kind: &str,
    ) -> Result<T, DocumentError> {
        let text = self.text(field)?;
        from_slug(text)
            .ok_or_else(|| self.invalid(field, format!("must be the slug of a {kind}"), text))
    }

    fn amount(&self, field: &'static str) -> Result<Decimal, DocumentError> {
        self.parsed(field, |text| parse_amount(text).map(AmountText))
            .map(|amount| amount.0)
    }

    fn boolean(&self, field: &'static str) -> Result<bool, DocumentError> {
        match self.value(field)? {
            ValueRef::Scalar(ScalarValueRef::Boolean(flag)) => Ok(*flag),
            other => Err(self.wrong_type(field, "a boolean", other)),
        }
    }

    fn year(&self, field: &'static str) -> Result<u16, DocumentError> {
        let value = self.value(field)?;
        match value {
            ValueRef::Scalar(ScalarValueRef::Uint(year)) => u16::try_from(*year)
                .map_err(|_| self.invalid(field, "must be a year".to_owned(), &year.to_string())),
            other => Err(self.wrong_type(field, "an unsigned integer", other)),
        }
    }

    fn record(&self) -> Result<Record, DocumentError> {
        Ok(match self.table {
            Table::Buildings => Record::Building(Building {
                building_id: self.text("building_id")?.to_owned(),
                name: self.text("name")?.to_owned(),
                institution_credit_code: self
                    .parsed("institution_credit_code", CreditCode::parse)?,
                division_code: self.parsed("division_code", DivisionCode::parse)?,
                address: self.text("address")?.to_owned(),
                build_year: self.year("build_year")?,
                ownership: self.slug("ownership", Ownership::from_slug, "ownership")?,
                floor_area_m2: self.amount("floor_area_m2")?,
                office_usable_m2: self.amount("office_usable_m2")?,
                service_usable_m2: self.amount("service_usable_m2")?,
                equipment_usable_m2: self.amount("equipment_usable_m2")?,
                ancillary_floor_m2: self.amount("ancillary_floor_m2")?,
            }),
            Table::Vehicles => Record::Vehicle(Vehicle {
                plate: self.parsed("plate", Plate::parse)?,
                vin: self.parsed("vin", Vin::parse)?,
                institution_credit_code: self
                    .parsed("institution_credit_code", CreditCode::parse)?,
                category: self.slug("category", VehicleCategory::from_slug, "vehicle category")?,
                fuel_type: self.slug("fuel_type", FuelType::from_slug, "fuel type")?,
                domestic_brand: self.boolean("domestic_brand")?,
                displacement_l: self.amount("displacement_l")?,
                price_yuan: self.amount("price_yuan")?,
                acquisition_date: self.parsed("acquisition_date", Date::parse)?,
                status: self.slug("status", VehicleStatus::from_slug, "vehicle status")?,
            }),
            Table::DispatchOrders => Record::DispatchOrder(DispatchOrder {
                order_id: self.text("order_id")?.to_owned(),
                plate: self.parsed("plate", Plate::parse)?,
                start: self.parsed("start", DateTime::parse)?,
                end: self.parsed("end", DateTime::parse)?,
                purpose: self.text("purpose")?.to_owned(),
                distance_km: self.amount("distance_km")?,
            }),
            Table::EnergyConsumption => Record::EnergyConsumption(EnergyConsumption {
                institution_credit_code: self
                    .parsed("institution_credit_code", CreditCode::parse)?,
                month: self.parsed("month", Month::parse)?,
                carrier: self.slug("carrier", Carrier::from_slug, "energy carrier")?,
                quantity: self.amount("quantity")?,
                cost_yuan: self.amount("cost_yuan")?,
            }),
        })
    }
}

/// An amount shown in its canonical text, so that `Fields::parsed` can check the stored form.
struct AmountText(Decimal);

impl std::fmt::Display for AmountText {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&amount_text(self.0))
    }
}
