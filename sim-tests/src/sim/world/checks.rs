//! The end of a run: every node reopened from its disk and checked, on every core.

use std::sync::Arc;

use node::core::NodeCore;
use topology::{DivisionCode, Topology};

use super::World;
use crate::harness::test_key;
use crate::sim::disk::SimDisk;
use crate::sim::invariants::{self, Violation};
use crate::sim::workload::Model;

impl World {
    /// Checks the final state as it is on disk: every node is closed and opened again from its
    /// disk (what an operator's `huizong verify` would read), then checked. Nodes are checked
    /// on every core of the machine; the result does not depend on how many.
    pub(super) fn check_invariants(&mut self) {
        let disks: Vec<(DivisionCode, SimDisk)> = self
            .nodes
            .iter_mut()
            .map(|node| {
                node.core = None;
                (node.code, node.disk.clone())
            })
            .collect();
        let threads = std::thread::available_parallelism().map_or(1, |count| count.get());
        let chunk = disks.len().div_ceil(threads).max(1);
        let (topology, model, limit) = (&self.topology, &self.model, self.config.loaded_replicas);
        let checked: Vec<(DivisionCode, Option<NodeCore>, Vec<Violation>)> =
            std::thread::scope(|scope| {
                let workers: Vec<_> = disks
                    .chunks(chunk)
                    .map(|part| {
                        scope.spawn(move || {
                            part.iter()
                                .map(|(code, disk)| {
                                    reopen_and_check(*code, disk, topology, model, limit)
                                })
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                workers
                    .into_iter()
                    .flat_map(|worker| worker.join().expect("a checker thread does not panic"))
                    .collect()
            });
        let mut found: Vec<Violation> = Vec::new();
        for (_, _, violations) in &checked {
            found.extend(violations.iter().cloned());
        }
        let held: Vec<(DivisionCode, Option<&NodeCore>)> = checked
            .iter()
            .map(|(code, core, _)| (*code, core.as_ref()))
            .collect();
        found.extend(invariants::check_tree(
            &self.config.topology,
            &held,
            &self.model,
        ));
        found.extend(invariants::check_bounds(&self.stats));
        self.violations.extend(found);
    }
}

/// Opens a node from its disk and checks it alone ((b) and (c)).
fn reopen_and_check(
    code: DivisionCode,
    disk: &SimDisk,
    topology: &Arc<Topology>,
    model: &Model,
    loaded_replicas: usize,
) -> (DivisionCode, Option<NodeCore>, Vec<Violation>) {
    match NodeCore::new(
        code,
        test_key(code),
        topology.clone(),
        Box::new(disk.clone()),
    ) {
        Ok(mut core) => {
            core.set_loaded_replicas_max(loaded_replicas);
            let violations = invariants::check_node(&core, model);
            (code, Some(core), violations)
        }
        Err(error) => (
            code,
            None,
            vec![Violation::Unverified {
                node: code,
                reason: format!("the store does not open: {error}"),
            }],
        ),
    }
}
