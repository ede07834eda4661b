//! What the in-memory attack tests share: a city with an honest county and an attacking one (a
//! compromised county: the test holds its key), real node cores over memory stores joined by real
//! sessions, and the checks every attack test makes: the honest sibling's submission is stored and
//! counted in the city's rollup, and nothing of the attacker's was stored.

#![allow(dead_code)]

use node::core::NodeCore;
use protocol::message::Message;
use protocol::{DocumentKey, Refusal, RefusalReason};
use schemas::Ledger;
use sim_tests::harness::{Link, SAMPLE_PERIOD, code, import_and_submit, memory_core, ningxia};
use topology::{DivisionCode, Topology};

/// A city, an honest county and a compromised county of Ningxia.
pub struct Scene {
    pub topology: Topology,
    pub city_code: DivisionCode,
    pub honest_code: DivisionCode,
    pub attacker_code: DivisionCode,
    pub city: NodeCore,
    pub honest: NodeCore,
    pub attacker: NodeCore,
}

impl Scene {
    pub fn new() -> Self {
        let topology = ningxia();
        let (city_code, honest_code, attacker_code) = (
            code("640100000000"),
            code("640104000000"),
            code("640105000000"),
        );
        Self {
            city: memory_core(&topology, city_code),
            honest: memory_core(&topology, honest_code),
            attacker: memory_core(&topology, attacker_code),
            topology,
            city_code,
            honest_code,
            attacker_code,
        }
    }

    /// The honest county submits its energy ledger and syncs with the city: its submission is
    /// stored and the city's rollup includes it.
    pub fn honest_sibling_goes_through(&mut self) {
        import_and_submit(&mut self.honest, Ledger::Energy, 5_000);
        let mut link = Link::open(&self.topology, self.city_code, self.honest_code);
        link.run(&mut self.city, &mut self.honest)
            .expect("the honest county's session runs");
        assert!(
            link.parent_refusals().is_empty(),
            "the honest county is not refused: {:?}",
            link.parent_refusals()
        );
        let key = DocumentKey::new(self.honest_code, Ledger::Energy, SAMPLE_PERIOD);
        let held = self
            .city
            .latest_submission_of(&key)
            .expect("the city stores the honest county's submission");
        let rollup = self
            .city
            .latest_rollup_of(self.city_code, Ledger::Energy, SAMPLE_PERIOD)
            .expect("the city consolidates");
        assert!(
            rollup
                .payload()
                .inputs
                .iter()
                .any(|input| input.hash == held.submission.hash()),
            "the city's rollup counts the honest county's submission"
        );
    }

    /// Nothing owned by the attacker is held by the city beyond `allowed` submissions (by
    /// sequence, per ledger), and no document of it is stored beyond those.
    pub fn assert_nothing_of_attacker_beyond(&self, allowed: &[(Ledger, u64)]) {
        for ledger in Ledger::ALL {
            let key = DocumentKey::new(self.attacker_code, ledger, SAMPLE_PERIOD);
            let held = self
                .city
                .latest_submission_of(&key)
                .map(|accepted| accepted.submission.payload().sequence);
            let expected = allowed
                .iter()
                .find(|(allowed_ledger, _)| *allowed_ledger == ledger)
                .map(|(_, sequence)| *sequence);
            assert_eq!(held, expected, "the city holds of the attacker's {ledger}");
            if expected.is_none() {
                let stored = self
                    .city
                    .store()
                    .scan_prefix(
                        node::store::Tree::Documents,
                        &node::core::keys::document_key(&key),
                    )
                    .unwrap();
                assert!(stored.is_empty(), "no document of the attacker's {ledger}");
            }
        }
        assert!(
            self.city
                .latest_rollups()
                .all(|rollup| rollup.payload().node != self.attacker_code),
            "no rollup of the attacker's"
        );
    }
}

/// The refusals a link's parent reported that match `kind`.
pub fn refusals_matching(link: &Link, kind: impl Fn(&RefusalReason) -> bool) -> Vec<&Refusal> {
    link.parent_refusals()
        .into_iter()
        .filter(|refusal| kind(&refusal.reason))
        .collect()
}

/// Exchanges the hellos of a link (and whatever notices follow), so that frames can be sent into
/// the parent's session by hand.
pub fn open_by_hand(link: &mut Link, parent: &mut NodeCore, child: &mut NodeCore) {
    link.run(parent, child).expect("the hellos are exchanged");
}

/// Sends one message from the child's side straight into the parent's session.
pub fn send_up(
    link: &mut Link,
    parent: &mut NodeCore,
    message: &Message,
) -> Result<(), protocol::SessionError> {
    let frame = message.to_frame().expect("the message encodes");
    link.now_ms += 1;
    parent.set_wall_clock(link.now_ms as i64);
    let result = link
        .parent_session
        .handle_bytes(link.now_ms, &frame, parent);
    while let Some(event) = link.parent_session.poll_event() {
        parent
            .apply_session_event(&event, link.now_ms as i64)
            .expect("the parent acts on its events");
        link.parent_events.push(event);
    }
    result
}
