//! The previous year ([`PREVIOUS_YEAR`], 2024) of a node's sample ledgers, derived from the
//! current year's rows so that the standing records agree between the years and every
//! year-on-year column of the current returns has a previous value.
//!
//! Standing records (institutions, buildings, spaces, rooms, quotas) are the same in both years;
//! institutions carry no notes in the previous year. Vehicles bought in the current year are not
//! yet on the books, and those disposed of in it are still in service (so the previous year has no
//! vehicle disposals). Flows (energy and water, waste, vehicle costs, dispatch orders, rental
//! income, space disposals) move one year back, their amounts changed by a few percent per
//! institution, vehicle or building; odometers are set back by the current year's distance, so
//! they never run backwards across the years.
//!
//! Two institutions are planted for the ±30 % year-on-year rule of the energy ledger: the one of
//! [`PLANTED_CHANGE_WITH_NOTE`] used 45 % more in the current year and explains it in its note;
//! the one of [`PLANTED_CHANGE_WITHOUT_NOTE`] used 38 % less and does not, so its current return is
//! refused until a note is added (the demo adds one).

use std::collections::BTreeMap;

use schemas::Table;

use super::{Node, Random, Tables, YEAR, amount};

/// The year before the sample data's.
pub(super) const PREVIOUS_YEAR: u64 = YEAR - 1;

/// Node and index (among its institutions) of the institution whose energy rose beyond ±30 %
/// with a note explaining why.
pub(super) const PLANTED_CHANGE_WITH_NOTE: (&str, usize) = ("640104000000", 1);
/// Node and index of the institution whose energy fell beyond ±30 % without a note.
pub(super) const PLANTED_CHANGE_WITHOUT_NOTE: (&str, usize) = ("640105000000", 2);

/// The note of the institution with the planted change.
const PLANTED_NOTE: &str = "2025年新建档案库房投入使用，恒温恒湿设备全年运行，用能增加";

/// How much the current year's energy is of the previous year's, for the planted institutions.
const PLANTED_RISE: f64 = 1.45;
const PLANTED_FALL: f64 = 0.62;

/// The position of `field` among the columns of `table`.
fn column(table: Table, field: &str) -> usize {
    let columns = table.spec().columns;
    let position = columns.iter().position(|column| column.field == field);
    position.unwrap_or_else(|| panic!("{table} has no column {field}"))
}

/// The rows of a table as cells.
fn rows(tables: &Tables, table: Table) -> Vec<Vec<String>> {
    let lines = tables.0.get(&table).into_iter().flatten();
    lines
        .map(|line| line.split(',').map(str::to_owned).collect())
        .collect()
}

/// A date, month or time of the current year moved one year back.
fn year_back(text: &str) -> String {
    match text.strip_prefix(&YEAR.to_string()) {
        Some(rest) => format!("{PREVIOUS_YEAR}{rest}"),
        None => text.to_owned(),
    }
}

/// An amount divided by `factor`, with the decimals the clerk typed; empty stays empty.
fn scaled(text: &str, factor: f64) -> String {
    if text.is_empty() {
        return String::new();
    }
    let places = text
        .split_once('.')
        .map_or(0, |(_, decimals)| decimals.len());
    let value: f64 = text.parse().expect("an amount");
    amount(value / factor, places)
}

/// The credit codes of the node's institutions, in order (the energy ledger lists them all).
fn institution_codes(tables: &Tables) -> Vec<String> {
    let code = column(Table::Institutions, "institution_credit_code");
    let rows = rows(tables, Table::Institutions);
    rows.into_iter().map(|row| row[code].clone()).collect()
}

/// Writes the planted note into the current year's institutions.
pub(super) fn plant_note(node: &Node, tables: &mut Tables) {
    let (planted, index) = PLANTED_CHANGE_WITH_NOTE;
    if !node.is(planted) {
        return;
    }
    let note = column(Table::Institutions, "note");
    let line = &mut tables
        .0
        .get_mut(&Table::Institutions)
        .expect("institutions")[index];
    let mut cells: Vec<String> = line.split(',').map(str::to_owned).collect();
    cells[note] = PLANTED_NOTE.to_owned();
    *line = cells.join(",");
}

/// The previous year's tables of `node`, derived from the current year's.
pub(super) fn derive(node: &Node, current: &Tables) -> Tables {
    let mut random = Random(node.entry.code.as_u64() ^ 0x2024_2024_2024);
    let mut previous = Tables(BTreeMap::new());
    let mut put = |table: Table, cells: Vec<String>| previous.row(table, cells.join(","));

    // Energy: the same institutions without notes; each institution's consumption a few percent
    // different, except the planted ones.
    let codes = institution_codes(current);
    let mut factors: BTreeMap<String, f64> = BTreeMap::new();
    for (index, code) in codes.iter().enumerate() {
        let factor = match (node.entry.code.as_str(), index) {
            (planted, at) if (planted, at) == PLANTED_CHANGE_WITH_NOTE => PLANTED_RISE,
            (planted, at) if (planted, at) == PLANTED_CHANGE_WITHOUT_NOTE => PLANTED_FALL,
            _ => random.uniform(0.95, 1.07),
        };
        factors.insert(code.clone(), factor);
    }
    let factor_of = |code: &str| factors.get(code).copied().unwrap_or(1.0);
    let note = column(Table::Institutions, "note");
    let passed_year = column(Table::Institutions, "saving_type_passed_year");
    let in_progress = column(Table::Institutions, "saving_type_in_progress");
    for mut row in rows(current, Table::Institutions) {
        row[note] = String::new();
        // A body created as a saving-type institution in the current year was still being created
        // the year before.
        if row[passed_year] == YEAR.to_string() {
            row[passed_year] = String::new();
            row[in_progress] = "true".to_owned();
        }
        put(Table::Institutions, row);
    }
    let table = Table::EnergyConsumption;
    let (code, month) = (
        column(table, "institution_credit_code"),
        column(table, "month"),
    );
    let amounts = [column(table, "quantity"), column(table, "cost_yuan")];
    for mut row in rows(current, table) {
        let factor = factor_of(&row[code]) * random.uniform(0.99, 1.01);
        row[month] = year_back(&row[month]);
        for index in amounts {
            row[index] = scaled(&row[index], factor);
        }
        put(table, row);
    }
    let table = Table::WasteSorting;
    let (code, month) = (
        column(table, "institution_credit_code"),
        column(table, "month"),
    );
    let amounts = [column(table, "collected_kg"), column(table, "disposed_kg")];
    for mut row in rows(current, table) {
        let factor = factor_of(&row[code]);
        row[month] = year_back(&row[month]);
        for index in amounts {
            row[index] = scaled(&row[index], factor);
        }
        put(table, row);
    }

    // Office space: the same buildings, spaces and rooms; disposals and rents a year earlier.
    for table in [Table::Buildings, Table::OfficeSpaces, Table::OfficeRooms] {
        rows(current, table)
            .into_iter()
            .for_each(|row| put(table, row));
    }
    let table = Table::SpaceDisposals;
    let (id, date, income) = (
        column(table, "disposal_id"),
        column(table, "date"),
        column(table, "income_yuan"),
    );
    for mut row in rows(current, table) {
        row[id] = row[id].replacen(&YEAR.to_string(), &PREVIOUS_YEAR.to_string(), 1);
        row[date] = year_back(&row[date]);
        row[income] = scaled(&row[income], random.uniform(0.9, 1.1));
        put(table, row);
    }
    let table = Table::RentalIncome;
    let (month, income) = (column(table, "month"), column(table, "income_yuan"));
    for mut row in rows(current, table) {
        row[month] = year_back(&row[month]);
        row[income] = scaled(&row[income], random.uniform(0.97, 1.04));
        put(table, row);
    }

    // Vehicles: those bought this year are not on the books yet; those disposed of this year are
    // still in service.
    let table = Table::Vehicles;
    let (plate, acquired, status) = (
        column(table, "plate"),
        column(table, "acquisition_date"),
        column(table, "status"),
    );
    let mut held: BTreeMap<String, String> = BTreeMap::new();
    for mut row in rows(current, table) {
        if row[acquired].starts_with(&YEAR.to_string()) {
            continue;
        }
        if row[status] == "disposed" {
            row[status] = "in_service".to_owned();
        }
        held.insert(row[plate].clone(), row[acquired].clone());
        put(table, row);
    }
    rows(current, Table::VehicleQuotas)
        .into_iter()
        .for_each(|row| put(Table::VehicleQuotas, row));
    let table = Table::DispatchOrders;
    let (id, plate, start, end) = (
        column(table, "order_id"),
        column(table, "plate"),
        column(table, "start"),
        column(table, "end"),
    );
    for mut row in rows(current, table) {
        let Some(acquired) = held.get(&row[plate]) else {
            continue;
        };
        row[start] = year_back(&row[start]);
        row[end] = year_back(&row[end]);
        if row[start].as_str() <= acquired.as_str() {
            continue;
        }
        row[id] = row[id].replacen(&format!("-{YEAR}-"), &format!("-{PREVIOUS_YEAR}-"), 1);
        put(table, row);
    }
    let table = Table::VehicleCosts;
    let (plate, month, distance, odometer) = (
        column(table, "plate"),
        column(table, "month"),
        column(table, "distance_km"),
        column(table, "odometer_km"),
    );
    let costs = rows(current, table);
    // Each plate's distance of the current year: the odometer is set back by it.
    let mut distances: BTreeMap<String, f64> = BTreeMap::new();
    for row in &costs {
        let km: f64 = row[distance].parse().unwrap_or(0.0);
        *distances.entry(row[plate].clone()).or_default() += km;
    }
    let money: Vec<usize> = table
        .spec()
        .columns
        .iter()
        .enumerate()
        .filter(|(_, column)| column.field.ends_with("_yuan"))
        .map(|(index, _)| index)
        .collect();
    let mut factors: BTreeMap<String, f64> = BTreeMap::new();
    for mut row in costs {
        let Some(acquired) = held.get(&row[plate]) else {
            continue;
        };
        row[month] = year_back(&row[month]);
        if acquired.starts_with(&PREVIOUS_YEAR.to_string()) && row[month].as_str() <= &acquired[..7]
        {
            continue;
        }
        let reading: f64 = row[odometer].parse().expect("an odometer reading");
        let back = (reading - distances[&row[plate]]).max(0.0);
        row[odometer] = amount(back, 1);
        let factor = *factors
            .entry(row[plate].clone())
            .or_insert_with(|| random.uniform(0.94, 1.07));
        for index in &money {
            row[*index] = scaled(&row[*index], factor);
        }
        put(table, row);
    }
    previous
}
