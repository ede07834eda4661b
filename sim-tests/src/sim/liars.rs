//! Lying nodes: counties running a modified binary that, besides their honest data, send their
//! parent objects they have no authority to sign: a decision accepting their own submission (only
//! the parent reviews), and a rollup of their own with inflated figures (a leaf keeps no rollup,
//! its parent adds its submission). Every honest node must refuse both and store neither.

use node::core::NodeCore;
use protocol::notice::Decision;
use protocol::{DocumentKey, Notice, NoticeBody, ObjectHash, Rollup, Signed, Verdict};
use schemas::figures::Figures;
use schemas::{Decimal, Ledger};
use topology::{DivisionCode, Topology};

use crate::harness::{SAMPLE_PERIOD, test_key};
use crate::tampering::Tampering;

/// What one lying node sends besides its honest data.
#[derive(Debug, Clone)]
pub struct Forgeries {
    notices: Vec<Signed<Notice>>,
    rollups: Vec<Signed<Rollup>>,
}

impl Forgeries {
    /// The forgeries of county `liar`, signed with its own key.
    pub fn of(liar: DivisionCode, topology: &Topology) -> Self {
        let key = test_key(liar);
        let decision = Notice {
            signer: liar,
            time_ms: 0,
            body: NoticeBody::Decision(Decision {
                key: DocumentKey::new(liar, Ledger::Energy, SAMPLE_PERIOD),
                sequence: 1,
                submission: ObjectHash([7; 32]),
                verdict: Verdict::Accepted,
                decided_by: Some("王五".to_owned()),
            }),
        };
        let mut figures = Figures::new();
        figures
            .set("energy.records", Decimal::from(1_000_000))
            .expect("a count is a figure");
        let rollup = Rollup {
            node: liar,
            ledger: Ledger::Energy,
            period: SAMPLE_PERIOD,
            sequence: 1_000,
            time_ms: 0,
            figures,
            inputs: Vec::new(),
        };
        Self {
            notices: vec![Signed::sign(decision, &key, topology).expect("a county signs")],
            rollups: vec![Signed::sign(rollup, &key, topology).expect("a county signs")],
        }
    }

    /// The rollups it forges.
    pub fn rollups(&self) -> &[Signed<Rollup>] {
        &self.rollups
    }

    /// The liar's core, answering its sessions with the forgeries added.
    pub fn wrap<'core>(&self, core: &'core mut NodeCore) -> Tampering<'core> {
        let mut tampering = Tampering::new(core);
        tampering.extra_notices = self.notices.clone();
        tampering.extra_rollups = self.rollups.clone();
        tampering
    }
}
