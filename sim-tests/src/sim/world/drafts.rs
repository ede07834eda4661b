//! Prepared drafts: every clerk's imports carried out before a run, on every core.

use node::core::NodeCore;

use super::World;
use crate::harness::SAMPLE_PERIOD;
use crate::sim::invariants::Violation;
use crate::sim::workload::{ClerkAction, ClerkStep};

impl World {
    /// Carries out every clerk's imports before the run, on every core of the machine: the
    /// drafts are ready and the run measures only submission and convergence. Each node's
    /// imports touch only its own core, so the result does not depend on the threads.
    pub(super) fn prepare_drafts(&mut self) {
        let started = std::time::Instant::now();
        let mut work: Vec<(usize, Option<NodeCore>, Vec<ClerkStep>)> = Vec::new();
        for (index, node) in self.nodes.iter_mut().enumerate() {
            let (imports, rest): (Vec<ClerkStep>, Vec<ClerkStep>) = node
                .script
                .drain(..)
                .partition(|step| matches!(step.action, ClerkAction::Import { .. }));
            node.script = rest.into();
            work.push((index, node.core.take(), imports));
        }
        let threads = std::thread::available_parallelism().map_or(1, |count| count.get());
        let chunk = work.len().div_ceil(threads).max(1);
        /// A node's index, its core after the imports, the imports, and what failed.
        type Imported = (usize, Option<NodeCore>, Vec<ClerkStep>, Vec<String>);
        let mut done: Vec<Imported> = std::thread::scope(|scope| {
            let workers: Vec<_> = work
                .chunks_mut(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter_mut()
                            .map(|(index, core, imports)| {
                                let mut core = core.take();
                                let mut failures = Vec::new();
                                for step in imports.iter() {
                                    let ClerkAction::Import { ledger, records } = &step.action
                                    else {
                                        continue;
                                    };
                                    let imported = core.as_mut().map(|core| {
                                        core.import_records(*ledger, SAMPLE_PERIOD, records, 0)
                                    });
                                    if let Some(Err(error)) = imported {
                                        failures.push(format!(
                                            "importing {} {ledger} records: {error}",
                                            records.len()
                                        ));
                                    }
                                }
                                (*index, core, std::mem::take(imports), failures)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|worker| worker.join().expect("an import thread does not panic"))
                .collect()
        });
        done.sort_by_key(|(index, ..)| *index);
        for (index, core, imports, failures) in done {
            let code = self.nodes[index].code;
            self.nodes[index].core = core;
            for what in failures {
                self.violations
                    .push(Violation::Operation { node: code, what });
            }
            for step in imports {
                if let ClerkAction::Import { ledger, records } = step.action {
                    self.model.imported(code, ledger, &records);
                }
            }
        }
        self.prepare_seconds = started.elapsed().as_secs_f64();
    }
}
