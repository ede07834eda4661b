//! Deterministic runs of node cores (over in-memory stores) joined by protocol sessions, with no
//! network, no clock and no randomness: keys derive from division codes, time is a counter, and
//! frames move between the two sessions of a link in a fixed order. A run either goes idle within
//! its step bound or fails loudly.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use ed25519_dalek::SigningKey;
use node::core::{Actor, NodeCore};
use node::directory::public_key;
use node::store::MemoryStore;
use protocol::message::Message;
use protocol::notice::ReturnDefinition;
use protocol::{
    DocumentKey, Event, Notice, NoticeBody, Replicas, RestoreClient, RestoreError, Restored, Role,
    Session, SessionConfig, SessionError, Signed,
};
use schemas::records::Record;
use schemas::{Ledger, Period};
use sha2::{Digest, Sha256};
use topology::{DivisionCode, Topology};

/// Steps a link may take before a run is declared stuck: one step moves every queued frame each
/// way, and a full first sync of a province takes a few dozen.
pub const MAX_STEPS_PER_RUN: usize = 10_000;

/// The deterministic key of a node in tests: SHA-256 of its code.
pub fn test_key(code: DivisionCode) -> SigningKey {
    let seed: [u8; 32] = Sha256::digest(code.as_str().as_bytes()).into();
    SigningKey::from_bytes(&seed)
}

/// `template` with every node's test key, a placeholder address for nodes with children, signed
/// by the root's test key.
pub fn keyed_topology(template: &Topology) -> Topology {
    let mut topology = template.clone();
    let codes: Vec<DivisionCode> = topology.iter().map(|entry| entry.code).collect();
    for (index, code) in codes.iter().enumerate() {
        topology
            .set_public_key(*code, public_key(&test_key(*code)))
            .expect("codes come from the topology");
        if !topology.children_of(*code).is_empty() {
            topology
                .set_address(*code, format!("127.0.0.1:{}", 40_000 + index))
                .expect("a loopback address is valid");
        }
    }
    let root = topology.root().code;
    topology
        .sign(&test_key(root))
        .expect("every node has a key and the root signs");
    topology
}

/// A node core over an in-memory store, holding the root's definitions of the sample period's
/// returns as if they had come down the tree.
pub fn memory_core(topology: &Topology, code: DivisionCode) -> NodeCore {
    let mut core = undefined_core(topology, code);
    for definition in sample_definitions(topology) {
        core.put_notice(&definition)
            .expect("a memory store takes a notice");
    }
    core
}

/// A node core over an in-memory store that holds no return definitions.
pub fn undefined_core(topology: &Topology, code: DivisionCode) -> NodeCore {
    NodeCore::new(
        code,
        test_key(code),
        topology.clone(),
        Box::new(MemoryStore::new()),
    )
    .expect("a keyed topology fits its test keys")
}

/// The root's signed definitions of every ledger's return for the sample period.
pub fn sample_definitions(topology: &Topology) -> Vec<Signed<Notice>> {
    let root = topology.root().code;
    Ledger::ALL
        .iter()
        .map(|ledger| {
            Signed::sign(
                Notice {
                    signer: root,
                    time_ms: 0,
                    body: NoticeBody::Definition(ReturnDefinition {
                        ledger: *ledger,
                        period: SAMPLE_PERIOD,
                        deadline_ms: SAMPLE_DEADLINE_MS,
                        blocking_rules: Vec::new(),
                        coefficients_version: schemas::coefficients::current().version().to_owned(),
                        revision: 1,
                        choices: protocol::notice::ReturnChoices::default(),
                    }),
                },
                &test_key(root),
                topology,
            )
            .expect("the root signs")
        })
        .collect()
}

/// The deadline of the sample returns in the deterministic tests' clock: their links count
/// milliseconds from zero, so 10,000 ms is after every submission of a short test.
pub const SAMPLE_DEADLINE_MS: i64 = 10_000;

/// The shipped sample records of one node and ledger, for the period of the sample data.
pub fn sample_records(code: DivisionCode, ledger: Ledger) -> Vec<Record> {
    static SAMPLES: OnceLock<BTreeMap<(DivisionCode, Ledger), Vec<Record>>> = OnceLock::new();
    SAMPLES
        .get_or_init(|| {
            node::demo::parse_samples(node::demo::DEMO_PERIOD).expect("the sample data parses")
        })
        .get(&(code, ledger))
        .cloned()
        .unwrap_or_default()
}

/// The period of the sample data.
pub const SAMPLE_PERIOD: Period = node::demo::DEMO_PERIOD;

/// A division code from text known to be valid.
pub fn code(text: &str) -> DivisionCode {
    DivisionCode::parse(text).expect("tests use valid codes")
}

/// The two sessions of one tree edge, moved in lockstep.
#[derive(Debug)]
pub struct Link {
    pub parent_session: Session,
    pub child_session: Session,
    /// Events the child's session reported, in order.
    pub child_events: Vec<Event>,
    /// Events the parent's session reported, in order.
    pub parent_events: Vec<Event>,
    /// The link's clock, in milliseconds; advanced by one per step.
    pub now_ms: u64,
}

impl Link {
    /// Opens a link between `parent` and its child `child`.
    pub fn open(topology: &Topology, parent: DivisionCode, child: DivisionCode) -> Self {
        Self::open_with_limits(
            topology,
            parent,
            child,
            protocol::limits::SessionLimits::default(),
        )
    }

    /// Opens a link whose two sessions keep the bounds given (tests lower them).
    pub fn open_with_limits(
        topology: &Topology,
        parent: DivisionCode,
        child: DivisionCode,
        limits: protocol::limits::SessionLimits,
    ) -> Self {
        let version = topology.version();
        Self::open_configured(
            SessionConfig::new(parent, child, Role::Parent, version, limits),
            SessionConfig::new(child, parent, Role::Child, version, limits),
        )
    }

    /// Opens a link whose sessions are configured as given (a recovering parent, a hello of an
    /// older protocol version).
    pub fn open_configured(parent: SessionConfig, child: SessionConfig) -> Self {
        Self {
            parent_session: Session::new(parent, 0),
            child_session: Session::new(child, 0),
            child_events: Vec::new(),
            parent_events: Vec::new(),
            now_ms: 0,
        }
    }

    /// Moves frames both ways until neither session has anything to send, applying the parent's
    /// events to the parent core as the driver does. Fails if a session fails or the step bound is
    /// hit.
    pub fn run<C: Replicas>(
        &mut self,
        parent: &mut NodeCore,
        child: &mut C,
    ) -> Result<usize, SessionError> {
        for step in 0..MAX_STEPS_PER_RUN {
            self.now_ms += 1;
            let mut moved = false;
            while let Some(frame) = self.child_session.poll_transmit() {
                parent.set_wall_clock(self.now_ms as i64);
                self.parent_session
                    .handle_bytes(self.now_ms, &frame, parent)?;
                moved = true;
            }
            while let Some(event) = self.parent_session.poll_event() {
                parent
                    .apply_session_event(&event, self.now_ms as i64)
                    .expect("the parent core acts on its events");
                self.parent_events.push(event);
            }
            while let Some(frame) = self.parent_session.poll_transmit() {
                self.child_session
                    .handle_bytes(self.now_ms, &frame, child)?;
                moved = true;
            }
            while let Some(event) = self.child_session.poll_event() {
                self.child_events.push(event);
            }
            if !moved {
                return Ok(step);
            }
        }
        panic!("the link did not go idle within {MAX_STEPS_PER_RUN} steps");
    }

    /// Tells the child's session that its data changed, then runs the link.
    pub fn push<C: Replicas>(
        &mut self,
        parent: &mut NodeCore,
        child: &mut C,
    ) -> Result<usize, SessionError> {
        self.child_session.handle_local_change(self.now_ms, child)?;
        self.run(parent, child)
    }

    /// Tells the parent's session that its data changed (a decision it made), then runs the link.
    pub fn push_down<C: Replicas>(
        &mut self,
        parent: &mut NodeCore,
        child: &mut C,
    ) -> Result<usize, SessionError> {
        self.parent_session
            .handle_local_change(self.now_ms, parent)?;
        self.run(parent, child)
    }

    /// Refusals the child reported.
    pub fn child_refusals(&self) -> Vec<&protocol::Refusal> {
        self.child_events
            .iter()
            .filter_map(|event| match event {
                Event::Refused(refusal) => Some(refusal),
                _ => None,
            })
            .collect()
    }

    /// Refusals the parent reported.
    pub fn parent_refusals(&self) -> Vec<&protocol::Refusal> {
        self.parent_events
            .iter()
            .filter_map(|event| match event {
                Event::Refused(refusal) => Some(refusal),
                _ => None,
            })
            .collect()
    }
}

/// The Ningxia tree with every node's test key, signed by the region.
pub fn ningxia() -> Topology {
    keyed_topology(&topology::ningxia())
}

/// One of `county`'s sample vehicles with its price raised, so that each call differs.
pub fn changed_vehicle(county: DivisionCode, price_increase: u32) -> schemas::records::Record {
    let vehicle = sample_records(county, Ledger::Vehicles)
        .into_iter()
        .find(|record| record.table() == schemas::table::Table::Vehicles)
        .expect("the sample data has vehicles");
    let price = vehicle.amount("price_yuan") + schemas::Decimal::from(price_increase);
    vehicle
        .with("price_yuan", &price.to_string())
        .expect("a raised price is still a price")
}

/// One of `node`'s sample energy consumption records (the last) with its quantity raised.
pub fn changed_consumption(node: DivisionCode, quantity_increase: u32) -> schemas::records::Record {
    let consumption = sample_records(node, Ledger::Energy)
        .into_iter()
        .rev()
        .find(|record| record.table() == schemas::table::Table::EnergyConsumption)
        .expect("the sample data has energy consumption");
    let quantity = consumption.amount("quantity") + schemas::Decimal::from(quantity_increase);
    consumption
        .with("quantity", &quantity.to_string())
        .expect("a raised quantity is still a quantity")
}

/// Imports a node's sample records for a ledger and submits them.
/// The clerk who submits in the tests: every submission names the person who made it.
pub fn clerk() -> Actor {
    Actor::new("张三").expect("a valid name")
}

/// The reviewer who accepts or returns in the tests: every decision names the person who made it.
pub fn reviewer() -> Actor {
    Actor::new("李四").expect("a valid name")
}

pub fn import_and_submit(core: &mut NodeCore, ledger: Ledger, now_ms: i64) {
    let records = sample_records(core.code(), ledger);
    core.import_records(ledger, SAMPLE_PERIOD, &records, now_ms)
        .unwrap();
    core.submit(ledger, SAMPLE_PERIOD, &clerk(), now_ms)
        .unwrap();
}

/// Writes one changed vehicle into the node's vehicles draft and submits it.
pub fn submit_change(core: &mut NodeCore, price_increase: u32, now_ms: i64) {
    let record = changed_vehicle(core.code(), price_increase);
    core.import_records(Ledger::Vehicles, SAMPLE_PERIOD, &[record], now_ms)
        .unwrap();
    core.submit(Ledger::Vehicles, SAMPLE_PERIOD, &clerk(), now_ms)
        .unwrap();
}

/// The sequence of the newest submission a node holds for a document.
pub fn sequence(core: &NodeCore, key: &DocumentKey) -> Option<u64> {
    core.latest_submission_of(key)
        .map(|accepted| accepted.submission.payload().sequence)
}

/// Moves the child's queued frames to the parent only; the parent's answers stay queued.
pub fn deliver_up(link: &mut Link, parent: &mut NodeCore) {
    link.now_ms += 1;
    while let Some(frame) = link.child_session.poll_transmit() {
        parent.set_wall_clock(link.now_ms as i64);
        link.parent_session
            .handle_bytes(link.now_ms, &frame, parent)
            .unwrap();
    }
    while let Some(event) = link.parent_session.poll_event() {
        parent
            .apply_session_event(&event, link.now_ms as i64)
            .unwrap();
        link.parent_events.push(event);
    }
}

/// Moves the parent's queued frames to the child only.
pub fn deliver_down(link: &mut Link, child: &mut NodeCore) {
    link.now_ms += 1;
    while let Some(frame) = link.parent_session.poll_transmit() {
        link.child_session
            .handle_bytes(link.now_ms, &frame, child)
            .unwrap();
    }
    while let Some(event) = link.child_session.poll_event() {
        link.child_events.push(event);
    }
}

/// Runs a restore of `child` from `parent` over memory, passing every message the parent sends
/// through `tamper` (a lying parent); fails loudly if it does not finish within the step bound.
pub fn restore_over_memory(
    topology: &Topology,
    parent: &mut NodeCore,
    child: DivisionCode,
    mut tamper: impl FnMut(Message) -> Message,
) -> Result<Restored, RestoreError> {
    let mut session = Session::new(
        SessionConfig::new(
            parent.code(),
            child,
            Role::Parent,
            topology.version(),
            protocol::limits::SessionLimits::default(),
        ),
        0,
    );
    let mut client = RestoreClient::new(topology.clone(), child, parent.code());
    for step in 0..MAX_STEPS_PER_RUN {
        while let Some(frame) = client.poll_transmit() {
            session.handle_bytes(step as u64, &frame, parent).unwrap();
        }
        while let Some(frame) = session.poll_transmit() {
            let body = &frame[protocol::frame::FRAME_PREFIX_BYTES..];
            let message = tamper(Message::from_frame_body(body).unwrap());
            client.handle_bytes(&message.to_frame().unwrap())?;
        }
        if client.is_finished() {
            return client.finish();
        }
    }
    panic!("the restore did not finish within {MAX_STEPS_PER_RUN} steps");
}
