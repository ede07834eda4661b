//! The checks of the energy ledger that span records, each broken rule a
//! [`Finding`](crate::findings::Finding) in the [`Findings`] list.
//!
//! - `unknown_institution` (error): a consumption or waste record names an institution that is not
//!   in the institutions table, so its consumption cannot be given a type, an area or people.
//! - `year_on_year_needs_note` (error) and `year_on_year_change` (warning): when the previous
//!   year's records are at hand, an institution's standard coal changed by more than the
//!   benchmark table's threshold (±30%) from the same period of the previous year; without a note
//!   in the institution's `note` field the return is refused, with one it is listed for review.
//! - `intensity_far_from_benchmark` (warning): for a whole year only, an institution's kgce per m²
//!   or kgce per person is more than the far factor (3) above or below its type's benchmark, which
//!   usually means a unit error in the floor area, the people or a quantity.
//! - `saving_type_year_after_period` (error): a body passed the saving-type evaluation in a year
//!   after the period's.
//! - `saving_type_rate_below_target` (warning): of the document's bodies eligible for creation as
//!   saving-type institutions (节约型机关), the share created (passed the evaluation) by the period's
//!   year is below the return definition's target ([`CheckOptions`](crate::vocabulary::CheckOptions),
//!   70 % by default); the finding names the first eligible body not yet created, and the message
//!   lists them all.
//!
//! Benchmarks come from the table the return definition chose (`context.options.benchmarks`).
//! Standard coal is computed as the figures compute it ([`super::figures::record_kgce`]) with the
//! current coefficient table, and each institution's intensities are ratios of its own totals.
//! The hub ([`crate::ledgers::check`]) orders the findings: by table (in spec order), then record
//! id, then rule, then field. Each message is the catalogue's `rules.<code>` text in the language
//! in force when checked.

use std::collections::BTreeMap;

use crate::t;

use crate::Decimal;
use crate::coefficients::{self, CoefficientTable};
use crate::findings::{Findings, Rule, Severity};
use crate::period::Period;
use crate::records::{Field, InstitutionType, Record, WasteCategory};
use crate::returns::{ratio, round};
use crate::standards::Benchmark;
use crate::table::Table;
use crate::vocabulary::CheckContext;

use super::figures::{SAVING_TYPE_RATE_PLACES, record_carrier, record_kgce};
use super::tables::SavingTypeStatus;
use super::tables::fields::*;

/// `unknown_institution`: 单位不在公共机构表中.
pub const UNKNOWN_INSTITUTION: Rule = Rule::at_submit(
    "unknown_institution",
    Severity::Error,
    "单位不在公共机构表中",
    "rules.unknown_institution",
);

/// `year_on_year_needs_note`: 同比变化超限且未说明.
pub const YEAR_ON_YEAR_NEEDS_NOTE: Rule = Rule::at_submit(
    "year_on_year_needs_note",
    Severity::Error,
    "同比变化超限且未说明",
    "rules.year_on_year_needs_note",
);

/// `year_on_year_change`: 同比变化超限.
pub const YEAR_ON_YEAR_CHANGE: Rule = Rule::at_submit(
    "year_on_year_change",
    Severity::Warning,
    "同比变化超限",
    "rules.year_on_year_change",
);

/// `intensity_far_from_benchmark`: 能耗强度远离基准值.
pub const INTENSITY_FAR_FROM_BENCHMARK: Rule = Rule::at_import(
    "intensity_far_from_benchmark",
    Severity::Warning,
    "能耗强度远离基准值",
    "rules.intensity_far_from_benchmark",
);

/// `saving_type_year_after_period`: 通过评价年份晚于报告期.
pub const SAVING_TYPE_YEAR_AFTER_PERIOD: Rule = Rule::at_import(
    "saving_type_year_after_period",
    Severity::Error,
    "通过评价年份晚于报告期",
    "rules.saving_type_year_after_period",
);

/// `saving_type_rate_below_target`: 节约型机关创建率低于目标.
pub const SAVING_TYPE_RATE_BELOW_TARGET: Rule = Rule::at_import(
    "saving_type_rate_below_target",
    Severity::Warning,
    "节约型机关创建率低于目标",
    "rules.saving_type_rate_below_target",
);

/// The rule registry of the ledger: every rule these checks report.
pub const RULES: &[Rule] = &[
    UNKNOWN_INSTITUTION,
    YEAR_ON_YEAR_NEEDS_NOTE,
    YEAR_ON_YEAR_CHANGE,
    INTENSITY_FAR_FROM_BENCHMARK,
    SAVING_TYPE_YEAR_AFTER_PERIOD,
    SAVING_TYPE_RATE_BELOW_TARGET,
];

/// Checks the records of one document of the energy ledger, adding each broken rule to
/// `findings`.
pub fn check(records: &[Record], context: &CheckContext<'_>, findings: &mut Findings) {
    let institutions: BTreeMap<String, &Record> = records
        .iter()
        .filter(|record| record.table() == Table::Institutions)
        .map(|record| (record.text_at(INSTITUTION_CREDIT_CODE), record))
        .rev() // The first record of a code wins, as in the figures.
        .collect();
    let coefficients = coefficients::current();
    let kgce_now = kgce_by_institution(records, coefficients, |_| true);
    for record in records {
        if record.table() != Table::Institutions
            && !institutions.contains_key(&record.text_at(INSTITUTION_CREDIT_CODE))
        {
            unknown_institution(findings, record);
        }
    }
    if let (Some(previous), Some(previous_period)) =
        (context.previous, context.period.previous_year())
    {
        let kgce_before = kgce_by_institution(previous, coefficients, |record| {
            previous_period.contains(record.at(MONTH))
        });
        for (code, institution) in &institutions {
            let now = kgce_now.get(code).copied().unwrap_or_default();
            let before = kgce_before.get(code).copied().unwrap_or_default();
            year_on_year(
                findings,
                institution,
                (now, before),
                previous_period,
                context,
            );
        }
    }
    for institution in institutions.values() {
        if let SavingTypeStatus::Passed(year) = SavingTypeStatus::of(institution)
            && year > context.period.year()
        {
            findings.add(
                &SAVING_TYPE_YEAR_AFTER_PERIOD,
                institution,
                SAVING_TYPE_PASSED_YEAR,
                t!(
                    "rules.saving_type_year_after_period",
                    institution = describe_institution(institution),
                    year = year,
                    period = context.period
                )
                .into_owned(),
            );
        }
    }
    saving_type_rate(findings, &institutions, context);
    if matches!(context.period, Period::Year(_)) {
        for (code, institution) in &institutions {
            let kgce = kgce_now.get(code).copied().unwrap_or_default();
            far_from_benchmark(findings, institution, kgce, context);
        }
    }
}

/// The standard coal of each institution's consumption records that `keep` selects, kgce, by
/// credit code text.
fn kgce_by_institution(
    records: &[Record],
    coefficients: &CoefficientTable,
    keep: impl Fn(&Record) -> bool,
) -> BTreeMap<String, Decimal> {
    let mut sums: BTreeMap<String, Decimal> = BTreeMap::new();
    for record in records
        .iter()
        .filter(|record| record.table() == Table::EnergyConsumption && keep(record))
    {
        if let Some(kgce) = record_kgce(record, coefficients) {
            *sums
                .entry(record.text_at(INSTITUTION_CREDIT_CODE))
                .or_default() += kgce;
        }
    }
    sums
}

/// An institution named by its code, its name and its type: `12640… (名称, type 024 卫生)`.
fn describe_institution(institution: &Record) -> String {
    let type_code = institution.at(INSTITUTION_TYPE);
    let type_name = InstitutionType::from_slug(type_code).map_or("", InstitutionType::name_zh);
    t!(
        "schemas.describe.institution",
        code = institution.text_at(INSTITUTION_CREDIT_CODE),
        name = institution.at(INSTITUTION_NAME),
        type_code = type_code,
        type_name = type_name
    )
    .into_owned()
}

/// The error for a consumption or waste record whose institution is not listed.
fn unknown_institution(findings: &mut Findings, record: &Record) {
    let code = record.text_at(INSTITUTION_CREDIT_CODE);
    let what = if record.table() == Table::EnergyConsumption {
        let carrier = record_carrier(record);
        t!(
            "schemas.describe.consumption",
            carrier = carrier.name_zh(),
            month = record.at(MONTH),
            quantity = record.text_at(QUANTITY),
            unit = carrier.unit()
        )
    } else {
        t!(
            "schemas.describe.waste",
            category = WasteCategory::from_slug(record.at(WASTE_CATEGORY))
                .map_or("", WasteCategory::name_zh),
            month = record.at(MONTH),
            collected = record.text_at(COLLECTED_KG)
        )
    };
    findings.add(
        &UNKNOWN_INSTITUTION,
        record,
        INSTITUTION_CREDIT_CODE,
        t!("rules.unknown_institution", record = what, code = code).into_owned(),
    );
}

/// Adds the year-on-year finding of one institution, if its standard coal changed beyond the
/// threshold from the previous year; `kgce` is (this period, same period of the previous year).
fn year_on_year(
    findings: &mut Findings,
    institution: &Record,
    (now, before): (Decimal, Decimal),
    previous_period: Period,
    context: &CheckContext<'_>,
) {
    if now.is_zero() || before.is_zero() {
        return;
    }
    let threshold = context.options.benchmarks.year_on_year_threshold_percent();
    // |now − before| / before > threshold / 100, compared by multiplying so that it is exact.
    let change = (now - before).abs();
    if change * Decimal::ONE_HUNDRED <= threshold * before {
        return;
    }
    let Some(change_percent) = ratio((now - before) * Decimal::ONE_HUNDRED, before, 2) else {
        return;
    };
    let sign = if change_percent.is_sign_positive() {
        "+"
    } else {
        ""
    };
    let facts = t!(
        "schemas.describe.year_on_year",
        institution = describe_institution(institution),
        now = round(now, 2),
        period = context.period,
        before = round(before, 2),
        previous_period = previous_period,
        change = format!("{sign}{change_percent}"),
        threshold = threshold
    );
    let note = institution.at(NOTE).trim();
    if note.is_empty() {
        findings.add(
            &YEAR_ON_YEAR_NEEDS_NOTE,
            institution,
            NOTE,
            t!("rules.year_on_year_needs_note", facts = facts).into_owned(),
        );
    } else {
        findings.add(
            &YEAR_ON_YEAR_CHANGE,
            institution,
            NOTE,
            t!("rules.year_on_year_change", facts = facts, note = note).into_owned(),
        );
    }
}

/// Adds the warning when the share of eligible bodies created as saving-type institutions by the
/// period's year is below the target: created × 100 < target × eligible, compared exactly.
fn saving_type_rate(
    findings: &mut Findings,
    institutions: &BTreeMap<String, &Record>,
    context: &CheckContext<'_>,
) {
    let year = context.period.year();
    let mut eligible = 0u64;
    let mut created = 0u64;
    let mut pending: Vec<&Record> = Vec::new();
    for institution in institutions.values() {
        match SavingTypeStatus::of(institution) {
            SavingTypeStatus::NotEligible => continue,
            SavingTypeStatus::Passed(passed) if passed <= year => created += 1,
            _ => pending.push(institution),
        }
        eligible += 1;
    }
    let target = u64::from(context.options.saving_target_percent);
    if eligible == 0 || created * 100 >= target * eligible {
        return;
    }
    let Some(first) = pending.first() else {
        return;
    };
    let Some(rate) = ratio(
        Decimal::from(created * 100),
        Decimal::from(eligible),
        SAVING_TYPE_RATE_PLACES,
    ) else {
        return;
    };
    let names: Vec<&str> = pending
        .iter()
        .map(|institution| institution.at(INSTITUTION_NAME))
        .collect();
    findings.add(
        &SAVING_TYPE_RATE_BELOW_TARGET,
        first,
        SAVING_TYPE_PASSED_YEAR,
        t!(
            "rules.saving_type_rate_below_target",
            eligible = eligible,
            year = year,
            created = created,
            rate = rate,
            target = target,
            pending = names.join("、")
        )
        .into_owned(),
    );
}

/// One intensity of an institution judged against its benchmark: kgce over `field`'s value.
struct Intensity<K> {
    /// The field of the denominator, which a finding names.
    field: Field<K>,
    /// The denominator: the institution's floor area or people.
    denominator: Decimal,
    /// The denominator's unit, such as m².
    denominator_unit: String,
    /// The intensity's unit, such as kgce/m².
    unit: String,
    /// The benchmark's value of this intensity for the institution's type.
    benchmark_value: Decimal,
    /// How a message names the denominator.
    what: String,
}

/// Adds the warnings for an institution whose kgce per m² or per person is far from its benchmark.
fn far_from_benchmark(
    findings: &mut Findings,
    institution: &Record,
    kgce: Decimal,
    context: &CheckContext<'_>,
) {
    let benchmark = context
        .options
        .benchmarks
        .for_type(institution.at(INSTITUTION_TYPE));
    let per_m2 = Intensity {
        field: FLOOR_AREA_M2,
        denominator: institution.at(FLOOR_AREA_M2),
        denominator_unit: t!("schemas.unit.m2").into_owned(),
        unit: t!("schemas.unit.kgce_per_m2").into_owned(),
        benchmark_value: benchmark.kgce_per_m2,
        what: t!("schemas.describe.floor_area").into_owned(),
    };
    let per_person = Intensity {
        field: PEOPLE,
        denominator: Decimal::from(institution.at(PEOPLE)),
        denominator_unit: t!("schemas.unit.people").into_owned(),
        unit: t!("schemas.unit.kgce_per_person").into_owned(),
        benchmark_value: benchmark.kgce_per_person,
        what: t!("schemas.describe.people_using_energy").into_owned(),
    };
    for_intensity(findings, institution, kgce, per_m2, benchmark, context);
    for_intensity(findings, institution, kgce, per_person, benchmark, context);
}

/// Adds the warning when one intensity of an institution (its `kgce` over the intensity's
/// denominator) is far from the institution type's `benchmark`.
fn for_intensity<K>(
    findings: &mut Findings,
    institution: &Record,
    kgce: Decimal,
    intensity_of: Intensity<K>,
    benchmark: &Benchmark,
    context: &CheckContext<'_>,
) {
    let benchmarks = context.options.benchmarks;
    let factor = benchmarks.far_factor();
    let Intensity {
        field,
        denominator,
        denominator_unit,
        unit,
        benchmark_value,
        what,
    } = intensity_of;
    // The record rules keep area and people above zero; a quotient too large for Decimal is far
    // beyond any benchmark.
    let intensity = kgce.checked_div(denominator).unwrap_or(Decimal::MAX);
    if !benchmarks.is_far_from_benchmark(intensity, benchmark_value) {
        return;
    }
    let side_key = if intensity > benchmark_value {
        "schemas.describe.above_benchmark"
    } else {
        "schemas.describe.below_benchmark"
    };
    let side = t!(
        side_key,
        factor = factor,
        benchmark = benchmark.name,
        benchmark_value = benchmark_value,
        unit = unit
    );
    findings.add(
        &INTENSITY_FAR_FROM_BENCHMARK,
        institution,
        field,
        t!(
            "rules.intensity_far_from_benchmark",
            institution = describe_institution(institution),
            intensity = round(intensity, 2),
            unit = unit,
            kgce = round(kgce, 2),
            denominator = denominator.normalize(),
            denominator_unit = denominator_unit,
            period = context.period,
            side = side,
            what = what
        )
        .into_owned(),
    );
}

#[cfg(test)]
mod tests {
    use topology::DivisionCode;

    use super::*;
    use crate::records::CreditCode;

    fn code(serial: u32) -> String {
        CreditCode::with_check_digit(&format!("12640000MB{serial:06}N"))
            .unwrap()
            .as_str()
            .to_owned()
    }

    fn institution(serial: u32, type_code: &str, note: &str) -> Record {
        Record::from_texts(
            Table::Institutions.spec(),
            &[
                ("institution_credit_code", &code(serial)),
                ("name", "机构"),
                ("type_code", type_code),
                ("floor_area_m2", "1000"),
                ("people", "50"),
                ("note", note),
            ],
        )
        .unwrap()
    }

    fn electricity(serial: u32, month: &str, kwh: &str) -> Record {
        Record::from_texts(
            Table::EnergyConsumption.spec(),
            &[
                ("institution_credit_code", &code(serial)),
                ("month", month),
                ("carrier", "electricity"),
                ("quantity", kwh),
                ("cost_yuan", "0"),
            ],
        )
        .unwrap()
    }

    fn context(period: Period, previous: Option<&[Record]>) -> CheckContext<'_> {
        CheckContext {
            owner: DivisionCode::parse("640104000000").unwrap(),
            period,
            previous,
            options: Default::default(),
        }
    }

    #[test]
    fn a_change_of_exactly_the_threshold_needs_no_note() {
        // The expected texts are the English catalogue's.
        crate::Language::English.scope(|| {
            // 130,000 kWh × 0.1229 = 15,977 kgce against 100,000 kWh × 0.1229 = 12,290 kgce: +30%.
            let records = [
                institution(1, "026", ""),
                electricity(1, "2025-03", "130000"),
            ];
            let previous = [electricity(1, "2024-03", "100000")];
            let findings = crate::ledgers::check(
                crate::Ledger::Energy,
                &records,
                &context(Period::Month(2025, 3), Some(&previous)),
            );
            assert_eq!(findings, []);
            // 130,001 kWh is beyond +30%.
            let records = [
                institution(1, "026", ""),
                electricity(1, "2025-03", "130001"),
            ];
            let findings = crate::ledgers::check(
                crate::Ledger::Energy,
                &records,
                &context(Period::Month(2025, 3), Some(&previous)),
            );
            assert_eq!(findings.len(), 1);
            assert_eq!(findings[0].rule, "year_on_year_needs_note");
            assert!(
                findings[0].message.contains("a change of +30%"),
                "{}",
                findings[0].message
            );
        });
    }

    #[test]
    fn previous_records_outside_the_same_period_of_last_year_are_not_compared() {
        let records = [
            institution(1, "026", ""),
            electricity(1, "2025-03", "100000"),
        ];
        // Only February of the previous year is at hand: nothing to compare March with.
        let previous = [electricity(1, "2024-02", "10")];
        let findings = crate::ledgers::check(
            crate::Ledger::Energy,
            &records,
            &context(Period::Month(2025, 3), Some(&previous)),
        );
        assert_eq!(findings, []);
    }

    #[test]
    fn intensities_are_checked_only_for_a_whole_year() {
        // The expected texts are the English catalogue's.
        crate::Language::English.scope(|| {
            // No consumption at all: 0 kgce/m2 is below any benchmark, but only a year is judged.
            let records = [institution(1, "026", "")];
            assert_eq!(
                crate::ledgers::check(
                    crate::Ledger::Energy,
                    &records,
                    &context(Period::Quarter(2025, 1), None)
                ),
                []
            );
            let findings = crate::ledgers::check(
                crate::Ledger::Energy,
                &records,
                &context(Period::Year(2025), None),
            );
            let fields: Vec<&str> = findings
                .iter()
                .map(|finding| finding.field.as_str())
                .collect();
            assert_eq!(fields, ["floor_area_m2", "people"]);
            assert!(
                findings[0]
                    .message
                    .contains("less than 1/3 of the benchmark")
            );
        });
    }
}
