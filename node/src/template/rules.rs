//! The rules of each ledger that span records, as the instructions explain them: the ledger's rule
//! registry (`schemas::ledgers::rules`: code, severity, phase, Chinese name), each rule with an
//! explanation from the catalogue (`template.rule.<code>`) filled in with the figures of the
//! standards tables in force (thresholds, limits, the replacement age).

use crate::t;
use schemas::findings::{Rule, Severity};
use schemas::standards::{energy_benchmarks, room_limits, vehicle_caps};
use schemas::{Language, Ledger};

/// The rules of a ledger that span records, from its registry, errors first.
pub fn rules_of(ledger: Ledger) -> Vec<&'static Rule> {
    let mut rules: Vec<&'static Rule> = schemas::ledgers::rules(ledger).iter().collect();
    rules.sort_by_key(|rule| rule.severity != Severity::Error);
    rules
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
