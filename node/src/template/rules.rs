//! The rules of each ledger that span records, as the instructions explain them: the rule codes
//! the schema's checks report (`schemas::ledgers::<ledger>::checks`), each with its severity, and
//! an explanation from the catalogue (`template.rule.<code>`) filled in with the figures of the
//! standards tables in force (thresholds, limits, the replacement age).

use crate::t;
use schemas::returns::Severity;
use schemas::standards::{energy_benchmarks, room_limits, vehicle_caps};
use schemas::{Language, Ledger};

/// A rule spanning records, as the checks of a ledger report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerRule {
    /// The rule code of the findings.
    pub code: &'static str,
    /// Whether a finding refuses the data or is listed for review.
    pub severity: Severity,
}

/// A rule that refuses the import or the submission.
const fn error(code: &'static str) -> LedgerRule {
    LedgerRule {
        code,
        severity: Severity::Error,
    }
}

/// A rule listed with the return for review.
const fn warning(code: &'static str) -> LedgerRule {
    LedgerRule {
        code,
        severity: Severity::Warning,
    }
}

/// The office space ledger's rules (`schemas::ledgers::office_space::checks`).
const OFFICE_SPACE_RULES: [LedgerRule; 8] = [
    error("unknown_building"),
    error("parts_exceed_whole"),
    error("rooms_exceed_office_space"),
    error("rented_building_disposal"),
    error("rented_building_rental_income"),
    error("rank_not_of_body_level"),
    warning("room_over_standard"),
    warning("dangerous_building"),
];

/// The vehicles ledger's rules (`schemas::ledgers::vehicles::checks`).
const VEHICLES_RULES: [LedgerRule; 8] = [
    error("unknown_vehicle"),
    error("odometer_decreased"),
    warning("over_price_cap"),
    warning("over_displacement_cap"),
    warning("over_quota"),
    warning("early_disposal"),
    warning("disposal_status_mismatch"),
    warning("new_energy_share_below_minimum"),
];

/// The energy ledger's rules (`schemas::ledgers::energy::checks`).
const ENERGY_RULES: [LedgerRule; 6] = [
    error("unknown_institution"),
    error("year_on_year_needs_note"),
    error("saving_type_year_after_period"),
    warning("year_on_year_change"),
    warning("intensity_far_from_benchmark"),
    warning("saving_type_rate_below_target"),
];

/// The rules of a ledger that span records, errors first.
pub fn rules_of(ledger: Ledger) -> &'static [LedgerRule] {
    match ledger {
        Ledger::OfficeSpace => &OFFICE_SPACE_RULES,
        Ledger::Vehicles => &VEHICLES_RULES,
        Ledger::Energy => &ENERGY_RULES,
    }
}

/// The explanation of a rule in `language`, with the figures of the standards in force.
pub(crate) fn explanation(code: &str, language: Language) -> String {
    let benchmarks = energy_benchmarks();
    let caps = vehicle_caps();
    t!(
        format!("template.rule.{code}"),
        locale = language.code(),
        threshold = benchmarks.year_on_year_threshold_percent().normalize(),
        factor = benchmarks.far_factor().normalize(),
        room_standard = room_limits().version(),
        caps_standard = caps.version(),
        replacement_years = caps.replacement_years_min(),
        new_energy_share = caps.new_energy_share_percent_min().normalize()
    )
    .into_owned()
}

/// The note of the energy ledger's institutions mentions the year-on-year threshold: the
/// column notes are filled with it as the rules are.
pub(crate) fn year_on_year_threshold() -> String {
    energy_benchmarks()
        .year_on_year_threshold_percent()
        .normalize()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_explained_in_every_language_with_its_figures() {
        for ledger in Ledger::ALL {
            for rule in rules_of(ledger) {
                for language in Language::ALL {
                    let text = explanation(rule.code, language);
                    assert!(!text.contains("template.rule"), "{text}");
                    assert!(!text.contains("%{"), "{text}");
                }
            }
        }
        let text = explanation("year_on_year_needs_note", Language::Chinese);
        assert!(
            text.contains(&format!("{}%", year_on_year_threshold())),
            "{text}"
        );
    }
}
