//! Typed field handles: a [`Field`] names one column of one table and the kind of value it holds,
//! and is checked against the table's [`TableSpec`] when the program is compiled.
//!
//! Each ledger declares a handle per field its rules and figures read, next to its tables:
//!
//! ```
//! use schemas::records::{Field, handle::{amount, kind}};
//! use schemas::ledgers::office_space::tables::OFFICE_ROOMS;
//!
//! const USABLE_M2: Field<kind::Amount> = amount(&OFFICE_ROOMS, "usable_m2");
//! ```
//!
//! A name that is not a column of the table, or a kind that is not the column's, stops the build
//! (the constructor is evaluated at compile time), so reading a record through a handle cannot
//! fail: `record.at(USABLE_M2)` is the room's usable area as a [`Decimal`]. These do not compile:
//!
//! ```compile_fail
//! use schemas::records::{Field, handle::{amount, kind}};
//! use schemas::ledgers::office_space::tables::OFFICE_ROOMS;
//!
//! const USABLE: Field<kind::Amount> = amount(&OFFICE_ROOMS, "usable_area"); // no such column
//! # fn main() { let _ = USABLE; }
//! ```
//!
//! ```compile_fail
//! use schemas::records::{Field, handle::{count, kind}};
//! use schemas::ledgers::office_space::tables::OFFICE_ROOMS;
//!
//! const USABLE: Field<kind::Count> = count(&OFFICE_ROOMS, "usable_m2"); // an amount, not a count
//! # fn main() { let _ = USABLE; }
//! ```
//!
//! A field several tables share (the `building_id` of every part of a building) is one handle over
//! those tables: `Field::<kind::Text, 4>::shared([&OFFICE_SPACES, ...], "building_id")`.

use std::marker::PhantomData;

use topology::DivisionCode;

use super::field::{FieldKind, Value};
use super::values::{CreditCode, Date, DateTime, Plate, Vin};
use super::{Record, TableSpec};
use crate::Decimal;
use crate::period::Month;
use crate::table::Table;

/// The kinds a handle may read, one marker type per shape of [`Value`].
pub mod kind {
    /// An identifier, name or free text, read as `&str`.
    #[derive(Debug)]
    pub enum Text {}
    /// An amount, read as a [`crate::Decimal`].
    #[derive(Debug)]
    pub enum Amount {}
    /// A count, read as `u64`.
    #[derive(Debug)]
    pub enum Count {}
    /// A year, read as `u16`.
    #[derive(Debug)]
    pub enum Year {}
    /// Yes or no, read as `bool`.
    #[derive(Debug)]
    pub enum Boolean {}
    /// A day.
    #[derive(Debug)]
    pub enum Date {}
    /// A time of day to the minute.
    #[derive(Debug)]
    pub enum DateTime {}
    /// A month.
    #[derive(Debug)]
    pub enum Month {}
    /// A unified social credit code.
    #[derive(Debug)]
    pub enum CreditCode {}
    /// An administrative division code.
    #[derive(Debug)]
    pub enum Division {}
    /// A number plate.
    #[derive(Debug)]
    pub enum Plate {}
    /// A vehicle identification number.
    #[derive(Debug)]
    pub enum Vin {}
    /// A value of a closed list, read as its slug.
    #[derive(Debug)]
    pub enum Choice {}
}

/// How a kind reads its value out of a record.
pub trait Kind {
    /// What the field reads as.
    type Out<'a>;
    /// The value, when it is of this kind (always, for a record built through its spec).
    fn read(value: &Value) -> Option<Self::Out<'_>>;
}

/// One field of a table, of a known kind; or a field that several tables share by name and kind
/// (`N` tables, such as the `building_id` every part of a building names). Build it with the
/// kind's `new` or `shared` in a `const`.
pub struct Field<K, const N: usize = 1> {
    /// Each table of the field and the field's position among its columns.
    at: [(Table, usize); N],
    name: &'static str,
    kind: PhantomData<fn() -> K>,
}

impl<K, const N: usize> Clone for Field<K, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K, const N: usize> Copy for Field<K, N> {}

impl<K, const N: usize> std::fmt::Debug for Field<K, N> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tables: Vec<&str> = self.at.iter().map(|(table, _)| table.slug()).collect();
        write!(formatter, "{}.{}", tables.join("|"), self.name)
    }
}

impl<K> Field<K, 1> {
    /// The table of the field.
    pub const fn table(self) -> Table {
        self.at[0].0
    }

    /// The position of the field among its table's columns.
    pub const fn index(self) -> usize {
        self.at[0].1
    }
}

impl<K, const N: usize> Field<K, N> {
    /// The field name, as in documents, findings and JSON.
    pub const fn name(self) -> &'static str {
        self.name
    }

    /// Whether records of `table` have this field.
    pub fn is_of(self, table: Table) -> bool {
        self.at.iter().any(|(of, _)| *of == table)
    }

    /// The position of the field in a record of `table`; a table without the field is a bug in
    /// the ledger's code and panics.
    fn index_in(self, table: Table) -> usize {
        match self.at.iter().find(|(of, _)| *of == table) {
            Some((_, index)) => *index,
            None => panic!("{self:?} read from a record of {table}"),
        }
    }
}

/// Whether two texts are equal, in a constant.
const fn same_text(one: &str, other: &str) -> bool {
    let (one, other) = (one.as_bytes(), other.as_bytes());
    if one.len() != other.len() {
        return false;
    }
    let mut position = 0;
    while position < one.len() {
        if one[position] != other[position] {
            return false;
        }
        position += 1;
    }
    true
}

/// The position of a column, or a compile-time stop when the table has no such column.
const fn column_index(spec: &TableSpec, name: &str) -> usize {
    let mut index = 0;
    while index < spec.columns.len() {
        if same_text(spec.columns[index].field, name) {
            return index;
        }
        index += 1;
    }
    panic!("no column of this name in the table")
}

/// Declares the constructors and the reading of one kind, from the column kinds it accepts and
/// the value variant it reads.
macro_rules! kind_of {
    ($marker:ident, $constructor:ident, $out:ty, [$($column:pat),+], $value:pat => $read:expr) => {
        impl Field<kind::$marker, 1> {
            /// The handle of a column of this kind: a compile-time stop when `name` is not a
            /// column of `spec` or the column holds another kind.
            pub const fn new(spec: &TableSpec, name: &'static str) -> Self {
                Self::shared([spec], name)
            }
        }

        impl<const N: usize> Field<kind::$marker, N> {
            /// The handle of a column of this kind that each of `specs` has: a compile-time stop
            /// when one of them has no such column or holds another kind in it.
            pub const fn shared(specs: [&TableSpec; N], name: &'static str) -> Self {
                let mut at = [(Table::Buildings, 0); N];
                let mut position = 0;
                while position < N {
                    let spec = specs[position];
                    let index = column_index(spec, name);
                    assert!(
                        matches!(spec.columns[index].kind, $($column)|+),
                        "the column holds another kind"
                    );
                    at[position] = (spec.table, index);
                    position += 1;
                }
                Self {
                    at,
                    name,
                    kind: PhantomData,
                }
            }
        }

        /// The handle of a column of this kind (see [`Field`]): a compile-time stop when `name`
        /// is not a column of `spec` or the column holds another kind.
        pub const fn $constructor(spec: &TableSpec, name: &'static str) -> Field<kind::$marker> {
            Field::<kind::$marker, 1>::shared([spec], name)
        }

        impl Kind for kind::$marker {
            type Out<'a> = $out;
            fn read(value: &Value) -> Option<Self::Out<'_>> {
                match value {
                    $value => Some($read),
                    _ => None,
                }
            }
        }
    };
}

kind_of!(Text, text, &'a str, [FieldKind::Identifier, FieldKind::Name, FieldKind::Text],
    Value::Text(text) => text.as_str());
kind_of!(Amount, amount, Decimal, [FieldKind::Amount], Value::Amount(amount) => *amount);
kind_of!(Count, count, u64, [FieldKind::Count], Value::Count(count) => *count);
kind_of!(Year, year, u16, [FieldKind::Year], Value::Year(year) => *year);
kind_of!(Boolean, boolean, bool, [FieldKind::Boolean], Value::Boolean(flag) => *flag);
kind_of!(Date, date, Date, [FieldKind::Date], Value::Date(date) => *date);
kind_of!(DateTime, date_time, DateTime, [FieldKind::DateTime], Value::DateTime(time) => *time);
kind_of!(Month, month, Month, [FieldKind::Month], Value::Month(month) => *month);
kind_of!(CreditCode, credit_code, &'a CreditCode, [FieldKind::CreditCode], Value::CreditCode(code) => code);
kind_of!(Division, division, DivisionCode, [FieldKind::Division], Value::Division(code) => *code);
kind_of!(Plate, plate, &'a Plate, [FieldKind::Plate], Value::Plate(plate) => plate);
kind_of!(Vin, vin, &'a Vin, [FieldKind::Vin], Value::Vin(vin) => vin);
kind_of!(Choice, choice, &'static str, [FieldKind::Choice(_)], Value::Choice(slug) => slug);

impl Record {
    /// The value of a field through its handle. A handle of another table is a bug in the
    /// ledger's code and panics; name and kind were checked when the handle was compiled.
    pub fn at<K: Kind, const N: usize>(&self, field: Field<K, N>) -> K::Out<'_> {
        match K::read(&self.values()[field.index_in(self.table())]) {
            Some(value) => value,
            None => unreachable!("{field:?}: the spec's kind and the record's value disagree"),
        }
    }

    /// The canonical text of a field through its handle, as documents store it.
    pub fn text_at<K, const N: usize>(&self, field: Field<K, N>) -> String {
        self.values()[field.index_in(self.table())].text()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledgers::office_space::tables::OFFICE_ROOMS;

    const ROOM_USABLE_M2: Field<kind::Amount> = amount(&OFFICE_ROOMS, "usable_m2");

    #[test]
    fn a_handle_reads_its_column_typed() {
        let record = Record::from_texts(
            &OFFICE_ROOMS,
            &[
                ("building_id", "B-1"),
                ("room_no", "301"),
                ("occupant_rank", "正处级"),
                ("occupants", "1"),
                ("usable_m2", "17.5"),
            ],
        )
        .unwrap();
        assert_eq!(ROOM_USABLE_M2.name(), "usable_m2");
        assert_eq!(ROOM_USABLE_M2.table(), Table::OfficeRooms);
        assert_eq!(record.at(ROOM_USABLE_M2), record.amount("usable_m2"));
    }
}
