//! What the clerks do in a simulated run, and what the checker knows they did.
//!
//! Each node's clerk imports a small, consistent slice of a Ningxia node's sample ledgers (a few
//! institutions, buildings and vehicles with the records that refer to them), submits, and may
//! later correct one record and submit again. The [`Model`] is the checker's own account of every
//! record imported and every submission acknowledged, kept apart from the nodes under test.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use protocol::DocumentKey;
use schemas::figures::Figures;
use schemas::records::Record;
use schemas::standards::{StandardLevel, room_limits};
use schemas::table::Table;
use schemas::{Decimal, Ledger};
use topology::DivisionCode;

use super::rng::SimRng;
use crate::harness::{SAMPLE_PERIOD, sample_records};

/// Institutions, buildings and vehicles a node's slice keeps.
const ANCHORS_PER_TABLE: usize = 2;

/// Records a slice keeps of any other table.
const RECORDS_PER_TABLE: usize = 24;

/// Tables whose records the slice picks first; the other tables keep the records that refer to
/// those picked.
const ANCHOR_TABLES: [Table; 3] = [Table::Institutions, Table::Buildings, Table::Vehicles];

/// Fields by which a record refers to an anchor record.
const REFERENCE_FIELDS: [&str; 2] = ["building_id", "plate"];

/// One thing a clerk does.
#[derive(Debug, Clone)]
pub enum ClerkAction {
    Import {
        ledger: Ledger,
        records: Vec<Record>,
    },
    Submit {
        ledger: Ledger,
    },
}

/// A clerk's action at a time in the run.
#[derive(Debug, Clone)]
pub struct ClerkStep {
    pub at_ms: u64,
    pub action: ClerkAction,
}

/// The Ningxia nodes with sample data, in code order: templates for nodes of other trees.
fn templates() -> &'static [DivisionCode] {
    static CODES: OnceLock<Vec<DivisionCode>> = OnceLock::new();
    CODES.get_or_init(|| topology::ningxia().iter().map(|entry| entry.code).collect())
}

/// The small ledger the clerk of the node with this template imports.
pub fn small_ledger(template: DivisionCode, ledger: Ledger) -> Vec<Record> {
    type Slices = BTreeMap<(DivisionCode, Ledger), Vec<Record>>;
    static SLICES: OnceLock<std::sync::Mutex<Slices>> = OnceLock::new();
    let slices = SLICES.get_or_init(Default::default);
    let mut slices = slices
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    slices
        .entry((template, ledger))
        .or_insert_with(|| slice(sample_records(template, ledger)))
        .clone()
}

/// A consistent slice: the first anchors, and the records of other tables that refer only to
/// anchors kept.
fn slice(records: Vec<Record>) -> Vec<Record> {
    let mut kept_anchors: BTreeMap<Table, usize> = BTreeMap::new();
    let mut references: BTreeSet<(String, String)> = BTreeSet::new();
    let mut kept = Vec::new();
    for record in &records {
        let table = record.table();
        if !ANCHOR_TABLES.contains(&table) {
            continue;
        }
        let count = kept_anchors.entry(table).or_default();
        if *count == ANCHORS_PER_TABLE {
            continue;
        }
        *count += 1;
        let reference = match table {
            Table::Institutions => "institution_credit_code",
            Table::Buildings => "building_id",
            _ => "plate",
        };
        references.insert((reference.to_owned(), record.text_of(reference)));
        kept.push(record.clone());
    }
    let mut per_table: BTreeMap<Table, usize> = BTreeMap::new();
    for record in records {
        let table = record.table();
        if ANCHOR_TABLES.contains(&table) {
            continue;
        }
        let spec = table.spec();
        let refers_to_kept = REFERENCE_FIELDS
            .iter()
            .chain((table.ledger() == Ledger::Energy).then_some(&"institution_credit_code"))
            .filter(|field| spec.index_of(field).is_some())
            .all(|field| references.contains(&((*field).to_owned(), record.text_of(field))));
        let count = per_table.entry(table).or_default();
        if refers_to_kept && *count < RECORDS_PER_TABLE {
            *count += 1;
            kept.push(record);
        }
    }
    kept
}

/// The template of the node at `index` in its topology's order: a Ningxia node of the same level
/// of government where there is one, so that its office rooms have ranks of the node's level.
pub fn template_for(code: DivisionCode, index: usize) -> DivisionCode {
    let codes = templates();
    if codes.contains(&code) {
        return code;
    }
    let level = StandardLevel::of_division(code);
    let same_level: Vec<DivisionCode> = codes
        .iter()
        .copied()
        .filter(|template| StandardLevel::of_division(*template) == level)
        .collect();
    match same_level.is_empty() {
        true => codes[index % codes.len()],
        false => same_level[index % same_level.len()],
    }
}

/// Whether a record may be imported by the node `code`: an office room only with a rank of the
/// node's level (the nation's central organs and townships have no Ningxia template, so their
/// slices keep no rooms).
fn fits(code: DivisionCode, record: &Record) -> bool {
    record.table() != Table::OfficeRooms
        || room_limits()
            .rank(record.choice("occupant_rank"))
            .is_some_and(|rank| rank.level == StandardLevel::of_division(code))
}

/// A record of the slice changed the way a clerk corrects a figure: an energy quantity or a
/// vehicle's price raised. Office space has no correction that keeps every part within its
/// whole, so its clerks do not correct.
pub fn correction(template: DivisionCode, ledger: Ledger, increase: u32) -> Option<Record> {
    let (table, field) = match ledger {
        Ledger::Energy => (Table::EnergyConsumption, "quantity"),
        Ledger::Vehicles => (Table::Vehicles, "price_yuan"),
        Ledger::OfficeSpace => return None,
    };
    let record = small_ledger(template, ledger)
        .into_iter()
        .find(|record| record.table() == table)?;
    let raised = record.amount(field) + Decimal::from(increase);
    Some(
        record
            .with(field, &raised.to_string())
            .expect("a raised amount is still an amount"),
    )
}

/// The script of the clerk of node `code`: each ledger of its template imported (without office
/// rooms of another level than the node's) and submitted at random times within `window_ms`, and
/// with `corrections`, sometimes a correction submitted after.
pub fn script(
    code: DivisionCode,
    template: DivisionCode,
    window_ms: u64,
    corrections: bool,
    rng: &mut SimRng,
) -> Vec<ClerkStep> {
    let mut steps = Vec::new();
    for ledger in Ledger::ALL {
        let mut records = small_ledger(template, ledger);
        records.retain(|record| fits(code, record));
        if records.is_empty() {
            continue;
        }
        let imported_at = rng.between(0, window_ms / 2);
        steps.push(ClerkStep {
            at_ms: imported_at,
            action: ClerkAction::Import { ledger, records },
        });
        let submitted_at = imported_at + rng.between(1, window_ms / 4);
        steps.push(ClerkStep {
            at_ms: submitted_at,
            action: ClerkAction::Submit { ledger },
        });
        if corrections
            && rng.chance(0.5)
            && let Some(corrected) = correction(template, ledger, rng.between(1, 1_000) as u32)
        {
            let corrected_at = submitted_at + rng.between(1, window_ms / 4);
            steps.push(ClerkStep {
                at_ms: corrected_at,
                action: ClerkAction::Import {
                    ledger,
                    records: vec![corrected],
                },
            });
            steps.push(ClerkStep {
                at_ms: corrected_at + rng.between(1, window_ms / 8),
                action: ClerkAction::Submit { ledger },
            });
        }
    }
    steps.sort_by_key(|step| step.at_ms);
    steps
}

/// A submission a node acknowledged to its clerk.
#[derive(Debug, Clone)]
pub struct Acknowledged {
    pub sequence: u64,
    pub records: Vec<Record>,
}

/// The checker's account: every node's draft as the clerk built it, and the latest submission
/// each node acknowledged.
#[derive(Debug, Default)]
pub struct Model {
    drafts: BTreeMap<DocumentKey, BTreeMap<String, Record>>,
    acknowledged: BTreeMap<DocumentKey, Acknowledged>,
}

impl Model {
    /// Records an import the node acknowledged.
    pub fn imported(&mut self, node: DivisionCode, ledger: Ledger, records: &[Record]) {
        let draft = self
            .drafts
            .entry(DocumentKey::new(node, ledger, SAMPLE_PERIOD))
            .or_default();
        for record in records {
            draft.insert(
                format!("{}/{}", record.table(), record.id()),
                record.clone(),
            );
        }
    }

    /// Records a submission the node acknowledged with this sequence number.
    pub fn submitted(&mut self, node: DivisionCode, ledger: Ledger, sequence: u64) {
        let key = DocumentKey::new(node, ledger, SAMPLE_PERIOD);
        let records = self
            .drafts
            .get(&key)
            .map(|draft| draft.values().cloned().collect())
            .unwrap_or_default();
        self.acknowledged
            .insert(key, Acknowledged { sequence, records });
    }

    pub fn acknowledged(&self) -> &BTreeMap<DocumentKey, Acknowledged> {
        &self.acknowledged
    }

    /// Figures of one acknowledged submission, recomputed from its records.
    pub fn figures_of(&self, key: &DocumentKey) -> Option<Figures> {
        let acknowledged = self.acknowledged.get(key)?;
        Some(
            schemas::compute(
                key.ledger,
                key.period,
                &acknowledged.records,
                schemas::coefficients::current(),
            )
            .expect("records the node accepted have figures"),
        )
    }
}
