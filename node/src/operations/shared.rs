//! Pieces several answers share: a node and a figure as people see them.

use schemas::Ledger;
use schemas::catalog;
use schemas::figures::Figures;
use serde::{Deserialize, Serialize};
use topology::{DivisionCode, Topology};

/// A node as shown to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeView {
    pub code: DivisionCode,
    pub name_zh: String,
    pub name_en: String,
    pub level: String,
}

impl NodeView {
    pub fn of(topology: &Topology, code: DivisionCode) -> Self {
        match topology.node(code) {
            Some(entry) => Self {
                code,
                name_zh: entry.name_zh.clone(),
                name_en: entry.name_en.clone(),
                level: entry.level.slug().to_owned(),
            },
            None => Self {
                code,
                name_zh: String::new(),
                name_en: String::new(),
                level: String::new(),
            },
        }
    }
}

/// One figure of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FigureView {
    pub name: String,
    pub label_zh: String,
    pub label_en: String,
    pub unit: String,
    /// Exact decimal text.
    pub value: String,
}

/// Lists figures in the catalog's order, then any the catalog does not name.
pub fn figure_views(ledger: Ledger, figures: &Figures) -> Vec<FigureView> {
    let specs = catalog(ledger);
    let mut views: Vec<FigureView> = specs
        .iter()
        .map(|spec| FigureView {
            name: spec.name.to_string(),
            label_zh: spec.label_zh.to_string(),
            label_en: spec.label_en.to_string(),
            unit: spec.unit.to_string(),
            value: figures.get(&spec.name).normalize().to_string(),
        })
        .collect();
    for (name, value) in figures.iter() {
        if !specs.iter().any(|spec| spec.name == *name) {
            views.push(FigureView {
                name: name.to_string(),
                label_zh: String::new(),
                label_en: String::new(),
                unit: String::new(),
                value: value.normalize().to_string(),
            });
        }
    }
    views
}
