//! The tables of the vehicles ledger (党政机关公务用车): vehicles, quotas per institution and
//! category, dispatch orders, running costs per month and disposals, with the rules that span one
//! record's fields.

use crate::ledgers::{TableSpec, no_rule};
use crate::records::{
    ColumnSpec, FieldKind, FuelType, Record, RecordError, VehicleCategory, VehicleDisposalMethod,
    VehicleStatus,
};
use crate::table::Table;

/// The column naming the vehicle a record is about.
const PLATE: ColumnSpec = ColumnSpec::required(
    "plate",
    "号牌号码",
    FieldKind::Plate,
    "the vehicle's number plate",
);

/// The column naming the institution a vehicle or quota belongs to.
const INSTITUTION: ColumnSpec = ColumnSpec::required(
    "institution_credit_code",
    "使用单位统一社会信用代码",
    FieldKind::CreditCode,
    "the institution's code",
);

/// The column of a vehicle's use category.
const CATEGORY: ColumnSpec = ColumnSpec::required(
    "category",
    "车辆类别",
    FieldKind::Choice(VehicleCategory::CHOICES),
    "the use category, which sets the quota and the caps",
);

/// A cost column of the running costs.
const fn cost(field: &'static str, header_zh: &'static str, meaning: &'static str) -> ColumnSpec {
    ColumnSpec::optional(field, header_zh, FieldKind::Amount, meaning)
}

/// 公务用车: one record per official vehicle.
pub const VEHICLES: TableSpec = TableSpec {
    table: Table::Vehicles,
    columns: &[
        PLATE,
        ColumnSpec::required(
            "vin",
            "车辆识别代号",
            FieldKind::Vin,
            "the vehicle identification number",
        ),
        INSTITUTION,
        CATEGORY,
        ColumnSpec::required(
            "fuel_type",
            "能源类型",
            FieldKind::Choice(FuelType::CHOICES),
            "what drives the vehicle",
        ),
        ColumnSpec::required(
            "domestic_brand",
            "是否自主品牌",
            FieldKind::Boolean,
            "whether the brand is domestic",
        ),
        ColumnSpec::required(
            "displacement_l",
            "排气量（升）",
            FieldKind::Amount,
            "the engine displacement in litres, 0 for a battery electric vehicle",
        ),
        ColumnSpec::required(
            "price_yuan",
            "购置价格（元）",
            FieldKind::Amount,
            "the purchase price in yuan excluding tax",
        ),
        ColumnSpec::required(
            "acquisition_date",
            "购置日期",
            FieldKind::Date,
            "the day the vehicle was acquired",
        ),
        ColumnSpec::required(
            "status",
            "使用状态",
            FieldKind::Choice(VehicleStatus::CHOICES),
            "whether the vehicle is in service, idle or disposed of",
        ),
    ],
    id_fields: &["plate"],
    dated_by: None,
    rule: battery_electric_has_no_displacement,
};

/// 车辆编制: the number of vehicles an institution may keep in one category.
pub const VEHICLE_QUOTAS: TableSpec = TableSpec {
    table: Table::VehicleQuotas,
    columns: &[
        INSTITUTION,
        CATEGORY,
        ColumnSpec::required(
            "quota",
            "编制数量（辆）",
            FieldKind::Count,
            "how many vehicles of the category the institution may keep",
        ),
    ],
    id_fields: &["institution_credit_code", "category"],
    dated_by: None,
    rule: no_rule,
};

/// 派车单: one trip of one vehicle.
pub const DISPATCH_ORDERS: TableSpec = TableSpec {
    table: Table::DispatchOrders,
    columns: &[
        ColumnSpec::required(
            "order_id",
            "派车单号",
            FieldKind::Identifier,
            "the dispatch order number, unique in the table",
        ),
        PLATE,
        ColumnSpec::required(
            "start",
            "出车时间",
            FieldKind::DateTime,
            "when the vehicle left, within the period",
        ),
        ColumnSpec::required(
            "end",
            "收车时间",
            FieldKind::DateTime,
            "when the vehicle came back, not before the start",
        ),
        ColumnSpec::required(
            "purpose",
            "用车事由",
            FieldKind::Name,
            "the purpose of the trip",
        ),
        ColumnSpec::required(
            "distance_km",
            "行驶里程（公里）",
            FieldKind::Amount,
            "the distance driven in km",
        ),
    ],
    id_fields: &["order_id"],
    dated_by: Some("start"),
    rule: end_not_before_start,
};

/// 运行费用: one vehicle's running costs and mileage in one month.
pub const VEHICLE_COSTS: TableSpec = TableSpec {
    table: Table::VehicleCosts,
    columns: &[
        PLATE,
        ColumnSpec::required(
            "month",
            "月份",
            FieldKind::Month,
            "the month, within the period",
        ),
        cost("fuel_yuan", "燃油费（元）", "fuel in yuan"),
        cost("charging_yuan", "充电费（元）", "charging in yuan"),
        cost(
            "repair_yuan",
            "维修费（元）",
            "repair and maintenance in yuan",
        ),
        cost("insurance_yuan", "保险费（元）", "insurance in yuan"),
        cost(
            "tolls_yuan",
            "通行费（元）",
            "road and bridge tolls in yuan",
        ),
        cost("parking_yuan", "停车费（元）", "parking in yuan"),
        ColumnSpec::required(
            "distance_km",
            "行驶里程（公里）",
            FieldKind::Amount,
            "the distance driven in the month in km",
        ),
        ColumnSpec::required(
            "odometer_km",
            "月末里程表读数（公里）",
            FieldKind::Amount,
            "the odometer at the end of the month in km, never below an earlier month's",
        ),
    ],
    id_fields: &["plate", "month"],
    dated_by: Some("month"),
    rule: no_rule,
};

/// 车辆处置: the disposal of one vehicle.
pub const VEHICLE_DISPOSALS: TableSpec = TableSpec {
    table: Table::VehicleDisposals,
    columns: &[
        PLATE,
        ColumnSpec::required(
            "method",
            "处置方式",
            FieldKind::Choice(VehicleDisposalMethod::CHOICES),
            "how the vehicle was disposed of",
        ),
        ColumnSpec::required(
            "date",
            "处置日期",
            FieldKind::Date,
            "the day of the disposal, within the period",
        ),
        ColumnSpec::optional(
            "income_yuan",
            "处置收入（元）",
            FieldKind::Amount,
            "the income from the disposal in yuan",
        ),
    ],
    id_fields: &["plate"],
    dated_by: Some("date"),
    rule: no_rule,
};

/// A battery electric vehicle has no engine displacement.
fn battery_electric_has_no_displacement(record: &Record) -> Result<(), RecordError> {
    let displacement = record.amount("displacement_l");
    if record.choice("fuel_type") == FuelType::Bev.slug() && !displacement.is_zero() {
        return Err(RecordError::new(
            "displacement_l",
            format!(
                "must be 0 for a battery electric vehicle (found {} L)",
                displacement.normalize()
            ),
        ));
    }
    Ok(())
}

/// A trip ends no earlier than it starts.
fn end_not_before_start(record: &Record) -> Result<(), RecordError> {
    let start = record.date_time("start");
    let end = record.date_time("end");
    if end < start {
        return Err(RecordError::new(
            "end",
            format!("must not be before the start {start} (found {end})"),
        ));
    }
    Ok(())
}
