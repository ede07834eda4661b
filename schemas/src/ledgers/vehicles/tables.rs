//! The tables of the vehicles ledger (党政机关公务用车): vehicles, quotas per institution and
//! category, dispatch orders, running costs per month and disposals, with the rules that span one
//! record's fields.

use crate::records::{
    AcquisitionKind, BodyType, ColumnSpec, FieldKind, FuelType, Record, RecordError,
    VehicleCategory, VehicleDisposalMethod, VehicleStatus,
};
use crate::records::{TableSpec, no_rule};
use crate::table::Table;

/// The column naming the vehicle a record is about.
const PLATE: ColumnSpec =
    ColumnSpec::required("plate", "号牌号码", FieldKind::Plate, "vehicles.plate");

/// The column naming the institution a vehicle or quota belongs to.
const INSTITUTION: ColumnSpec = ColumnSpec::required(
    "institution_credit_code",
    "使用单位统一社会信用代码",
    FieldKind::CreditCode,
    "vehicles.institution",
);

/// The column of a vehicle's use category.
const CATEGORY: ColumnSpec = ColumnSpec::required(
    "category",
    "车辆类别",
    FieldKind::Choice(VehicleCategory::CHOICES),
    "vehicles.category",
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
        ColumnSpec::required("vin", "车辆识别代号", FieldKind::Vin, "vehicles.vin"),
        INSTITUTION,
        CATEGORY,
        // Optional, so that files from templates older than the column import: an empty or
        // absent cell is a sedan (轿车), the body the caps were written for.
        ColumnSpec::optional(
            "body_type",
            "车型",
            FieldKind::Choice(BodyType::CHOICES),
            "vehicles.body_type",
        )
        .added_later(),
        ColumnSpec::required(
            "fuel_type",
            "能源类型",
            FieldKind::Choice(FuelType::CHOICES),
            "vehicles.fuel_type",
        ),
        ColumnSpec::required(
            "domestic_brand",
            "是否自主品牌",
            FieldKind::Boolean,
            "vehicles.domestic_brand",
        ),
        ColumnSpec::required(
            "displacement_l",
            "排气量（升）",
            FieldKind::Amount,
            "vehicles.displacement_l",
        ),
        ColumnSpec::required(
            "price_yuan",
            "购置价格（元）",
            FieldKind::Amount,
            "vehicles.price_yuan",
        ),
        ColumnSpec::required(
            "acquisition_date",
            "购置日期",
            FieldKind::Date,
            "vehicles.acquisition_date",
        ),
        // Optional for the same reason: an empty or absent cell is a purchase (购置), as every
        // vehicle was counted before transfers in were told apart.
        ColumnSpec::optional(
            "acquisition_kind",
            "取得方式",
            FieldKind::Choice(AcquisitionKind::CHOICES),
            "vehicles.acquisition_kind",
        )
        .added_later(),
        ColumnSpec::required(
            "status",
            "使用状态",
            FieldKind::Choice(VehicleStatus::CHOICES),
            "vehicles.status",
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
            "vehicle_quotas.quota",
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
            "dispatch_orders.order_id",
        ),
        PLATE,
        ColumnSpec::required(
            "start",
            "出车时间",
            FieldKind::DateTime,
            "dispatch_orders.start",
        ),
        ColumnSpec::required(
            "end",
            "收车时间",
            FieldKind::DateTime,
            "dispatch_orders.end",
        ),
        ColumnSpec::required(
            "purpose",
            "用车事由",
            FieldKind::Name,
            "dispatch_orders.purpose",
        ),
        ColumnSpec::required(
            "distance_km",
            "行驶里程（公里）",
            FieldKind::Amount,
            "dispatch_orders.distance_km",
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
        ColumnSpec::required("month", "月份", FieldKind::Month, "vehicle_costs.month"),
        cost("fuel_yuan", "燃油费（元）", "vehicle_costs.fuel_yuan"),
        cost(
            "charging_yuan",
            "充电费（元）",
            "vehicle_costs.charging_yuan",
        ),
        cost("repair_yuan", "维修费（元）", "vehicle_costs.repair_yuan"),
        cost(
            "insurance_yuan",
            "保险费（元）",
            "vehicle_costs.insurance_yuan",
        ),
        cost("tolls_yuan", "通行费（元）", "vehicle_costs.tolls_yuan"),
        cost("parking_yuan", "停车费（元）", "vehicle_costs.parking_yuan"),
        ColumnSpec::required(
            "distance_km",
            "行驶里程（公里）",
            FieldKind::Amount,
            "vehicle_costs.distance_km",
        ),
        ColumnSpec::required(
            "odometer_km",
            "月末里程表读数（公里）",
            FieldKind::Amount,
            "vehicle_costs.odometer_km",
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
            "vehicle_disposals.method",
        ),
        ColumnSpec::required(
            "date",
            "处置日期",
            FieldKind::Date,
            "vehicle_disposals.date",
        ),
        ColumnSpec::optional(
            "income_yuan",
            "处置收入（元）",
            FieldKind::Amount,
            "vehicle_disposals.income_yuan",
        ),
    ],
    id_fields: &["plate"],
    dated_by: Some("date"),
    rule: no_rule,
};

/// A battery electric vehicle has no engine displacement.
fn battery_electric_has_no_displacement(record: &Record) -> Result<(), RecordError> {
    let displacement = record.at(fields::DISPLACEMENT_L);
    if record.at(fields::FUEL_TYPE) == FuelType::Bev.slug() && !displacement.is_zero() {
        return Err(RecordError::new(
            fields::DISPLACEMENT_L.name(),
            rust_i18n::t!(
                "schemas.record.electric_displacement",
                displacement = displacement.normalize()
            ),
        ));
    }
    Ok(())
}

/// A trip ends no earlier than it starts.
fn end_not_before_start(record: &Record) -> Result<(), RecordError> {
    let start = record.at(fields::START);
    let end = record.at(fields::END);
    if end < start {
        return Err(RecordError::new(
            fields::END.name(),
            rust_i18n::t!("schemas.record.end_before_start", start = start, end = end),
        ));
    }
    Ok(())
}

/// Typed handles of the fields the ledger's rules and figures read (see
/// [`crate::records::handle`]): a name or kind that is not the table's does not compile.
pub mod fields {
    use super::{DISPATCH_ORDERS, VEHICLE_COSTS, VEHICLE_DISPOSALS, VEHICLE_QUOTAS, VEHICLES};
    use crate::records::Field;
    use crate::records::handle::{
        amount, boolean, choice, count, date, date_time, kind, month, plate, text,
    };

    /// 号牌号码 of a vehicle: the plate the other tables name it by.
    pub const PLATE: Field<kind::Plate> = plate(&VEHICLES, "plate");
    /// The plate of the vehicle a dispatch order, running-cost record or disposal is about.
    pub const NAMED_PLATE: Field<kind::Plate, 3> = Field::<kind::Plate, 3>::shared(
        [&DISPATCH_ORDERS, &VEHICLE_COSTS, &VEHICLE_DISPOSALS],
        "plate",
    );

    /// The institution a vehicle or a quota belongs to.
    pub const INSTITUTION: Field<kind::CreditCode, 2> = Field::<kind::CreditCode, 2>::shared(
        [&VEHICLES, &VEHICLE_QUOTAS],
        "institution_credit_code",
    );
    /// The use category of a vehicle or a quota (机要通信, 执法执勤, ...).
    pub const CATEGORY: Field<kind::Choice, 2> =
        Field::<kind::Choice, 2>::shared([&VEHICLES, &VEHICLE_QUOTAS], "category");

    /// A vehicle's body type (轿车, 越野车, ...); a sedan when the cell was empty.
    pub const BODY_TYPE: Field<kind::Choice> = choice(&VEHICLES, "body_type");
    /// What drives a vehicle (燃油, 纯电动, 插电式混合动力).
    pub const FUEL_TYPE: Field<kind::Choice> = choice(&VEHICLES, "fuel_type");
    /// Whether a vehicle is of a domestic brand (自主品牌).
    pub const DOMESTIC_BRAND: Field<kind::Boolean> = boolean(&VEHICLES, "domestic_brand");
    /// A vehicle's engine displacement, in litres (0 for battery electric).
    pub const DISPLACEMENT_L: Field<kind::Amount> = amount(&VEHICLES, "displacement_l");
    /// A vehicle's purchase price, in yuan.
    pub const PRICE_YUAN: Field<kind::Amount> = amount(&VEHICLES, "price_yuan");
    /// The day a vehicle was acquired.
    pub const ACQUISITION_DATE: Field<kind::Date> = date(&VEHICLES, "acquisition_date");
    /// How a vehicle was acquired (purchase or transfer in); a purchase when the cell was empty.
    pub const ACQUISITION_KIND: Field<kind::Choice> = choice(&VEHICLES, "acquisition_kind");
    /// A vehicle's status (in service, idle, disposed).
    pub const STATUS: Field<kind::Choice> = choice(&VEHICLES, "status");

    /// The number of vehicles an institution may keep in a category.
    pub const QUOTA: Field<kind::Count> = count(&VEHICLE_QUOTAS, "quota");

    /// 派车单号 of a dispatch order.
    pub const ORDER_ID: Field<kind::Text> = text(&DISPATCH_ORDERS, "order_id");
    /// When a trip started.
    pub const START: Field<kind::DateTime> = date_time(&DISPATCH_ORDERS, "start");
    /// When a trip ended.
    pub const END: Field<kind::DateTime> = date_time(&DISPATCH_ORDERS, "end");
    /// The distance of a trip, in km.
    pub const DISPATCH_DISTANCE_KM: Field<kind::Amount> = amount(&DISPATCH_ORDERS, "distance_km");

    /// The month of a running-cost record.
    pub const COST_MONTH: Field<kind::Month> = month(&VEHICLE_COSTS, "month");
    /// 燃油费 of a month, in yuan.
    pub const FUEL_YUAN: Field<kind::Amount> = amount(&VEHICLE_COSTS, "fuel_yuan");
    /// 充电费 of a month, in yuan.
    pub const CHARGING_YUAN: Field<kind::Amount> = amount(&VEHICLE_COSTS, "charging_yuan");
    /// 维修费 of a month, in yuan.
    pub const REPAIR_YUAN: Field<kind::Amount> = amount(&VEHICLE_COSTS, "repair_yuan");
    /// 保险费 of a month, in yuan.
    pub const INSURANCE_YUAN: Field<kind::Amount> = amount(&VEHICLE_COSTS, "insurance_yuan");
    /// 通行费 of a month, in yuan.
    pub const TOLLS_YUAN: Field<kind::Amount> = amount(&VEHICLE_COSTS, "tolls_yuan");
    /// 停车费 of a month, in yuan.
    pub const PARKING_YUAN: Field<kind::Amount> = amount(&VEHICLE_COSTS, "parking_yuan");
    /// The distance a vehicle drove in the month, in km.
    pub const COST_DISTANCE_KM: Field<kind::Amount> = amount(&VEHICLE_COSTS, "distance_km");
    /// The odometer reading at the end of the month, in km.
    pub const ODOMETER_KM: Field<kind::Amount> = amount(&VEHICLE_COSTS, "odometer_km");

    /// How a vehicle was disposed of (拍卖, 厂家回购, 报废).
    pub const DISPOSAL_METHOD: Field<kind::Choice> = choice(&VEHICLE_DISPOSALS, "method");
    /// The day of a disposal.
    pub const DISPOSAL_DATE: Field<kind::Date> = date(&VEHICLE_DISPOSALS, "date");
    /// The income from a disposal, in yuan.
    pub const DISPOSAL_INCOME_YUAN: Field<kind::Amount> = amount(&VEHICLE_DISPOSALS, "income_yuan");
}
