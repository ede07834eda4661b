//! Nodes of two adjacent protocol versions sync. A node of this build (version 7) meets a node of
//! version 6, whose messages are kept frozen in `support/protocol_v6.rs`: the version-6 node
//! refuses any hello but its own, so the first session only teaches the newer node the peer's
//! version; the next session the newer node opens saying 6, and every frame either way is then a
//! version-6 message, byte for byte, while the county's submissions reach the city as usual.

#[path = "support/protocol_v6.rs"]
mod protocol_v6;

use node::core::NodeCore;
use protocol::message::{Message, OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION};
use protocol::{DocumentKey, Event, Role, SessionConfig, SessionError};
use schemas::Ledger;
use sim_tests::harness::{
    Link, MAX_STEPS_PER_RUN, SAMPLE_PERIOD, code, import_and_submit, memory_core, ningxia, sequence,
};
use topology::{DivisionCode, Topology};

fn city_code() -> DivisionCode {
    code("640100000000")
}

fn county_code() -> DivisionCode {
    code("640104000000")
}

/// Decodes a frame as a version-6 message and checks that it encodes back to the same bytes: a
/// version-6 node reads it exactly as it was meant.
fn as_version_6(frame: &[u8]) -> protocol_v6::Message {
    let body = &frame[protocol::frame::FRAME_PREFIX_BYTES..];
    let message: protocol_v6::Message = protocol::encoding::decode_exact(body)
        .unwrap_or_else(|reason| panic!("a frame a version-6 node cannot read: {reason}"));
    assert_eq!(
        postcard::to_stdvec(&message).unwrap(),
        body,
        "the frame re-encodes differently under version 6"
    );
    message
}

/// Runs a link like `Link::run`, reading every frame either way as a version-6 node would.
fn run_as_version_6(link: &mut Link, parent: &mut NodeCore, child: &mut NodeCore) -> Vec<String> {
    let mut kinds = Vec::new();
    for _ in 0..MAX_STEPS_PER_RUN {
        link.now_ms += 1;
        let mut moved = false;
        while let Some(frame) = link.child_session.poll_transmit() {
            kinds.push(format!("up {:?}", kind(&as_version_6(&frame))));
            parent.set_wall_clock(link.now_ms as i64);
            link.parent_session
                .handle_bytes(link.now_ms, &frame, parent)
                .unwrap();
            moved = true;
        }
        while let Some(event) = link.parent_session.poll_event() {
            parent
                .apply_session_event(&event, link.now_ms as i64)
                .unwrap();
            link.parent_events.push(event);
        }
        while let Some(frame) = link.parent_session.poll_transmit() {
            kinds.push(format!("down {:?}", kind(&as_version_6(&frame))));
            link.child_session
                .handle_bytes(link.now_ms, &frame, child)
                .unwrap();
            moved = true;
        }
        while let Some(event) = link.child_session.poll_event() {
            link.child_events.push(event);
        }
        if !moved {
            return kinds;
        }
    }
    panic!("the link did not go idle within {MAX_STEPS_PER_RUN} steps");
}

fn kind(message: &protocol_v6::Message) -> &'static str {
    match message {
        protocol_v6::Message::Hello { .. } => "hello",
        protocol_v6::Message::Offer { .. } => "offer",
        protocol_v6::Message::Sync { .. } => "sync",
        protocol_v6::Message::Superseded { .. } => "superseded",
        protocol_v6::Message::Settled { .. } => "settled",
        protocol_v6::Message::Notices { .. } => "notices",
        protocol_v6::Message::Rollups { .. } => "rollups",
        protocol_v6::Message::RestoreRequest => "restore request",
        protocol_v6::Message::RestoreNext => "restore next",
        protocol_v6::Message::RestorePage { .. } => "restore page",
        protocol_v6::Message::Topology { .. } => "topology",
    }
}

fn config(
    topology: &Topology,
    local: DivisionCode,
    peer: DivisionCode,
    role: Role,
) -> SessionConfig {
    SessionConfig::new(
        local,
        peer,
        role,
        topology.version(),
        protocol::limits::SessionLimits::default(),
    )
}

#[test]
fn the_versions_are_adjacent() {
    assert_eq!(OLDEST_PROTOCOL_VERSION + 1, PROTOCOL_VERSION);
    assert_eq!(
        PROTOCOL_VERSION, 7,
        "a new version needs a new frozen copy of the last one"
    );
}

#[test]
fn a_version_7_city_syncs_with_a_version_6_county_after_learning_its_version() {
    let topology = ningxia();
    let mut city = memory_core(&topology, city_code());
    let mut county = memory_core(&topology, county_code());
    for ledger in [Ledger::Vehicles, Ledger::Energy] {
        import_and_submit(&mut county, ledger, 1_000);
    }

    // First session: the city says 7. A version-6 county reads the city's hello (hello keeps its
    // encoding), sees 7 and refuses; the city has read the county's hello saying 6.
    let mut child = config(&topology, county_code(), city_code(), Role::Child);
    child.hello_version = OLDEST_PROTOCOL_VERSION;
    let mut link = Link::open_configured(
        config(&topology, city_code(), county_code(), Role::Parent),
        child,
    );
    let city_hello = link.parent_session.poll_transmit().unwrap();
    match as_version_6(&city_hello) {
        protocol_v6::Message::Hello {
            protocol_version, ..
        } => assert_eq!(
            protocol_version, PROTOCOL_VERSION,
            "a version-6 node refuses this"
        ),
        other => panic!("the first frame is a hello, not {other:?}"),
    }
    let county_hello = link.child_session.poll_transmit().unwrap();
    as_version_6(&county_hello);
    link.parent_session
        .handle_bytes(1, &county_hello, &mut city)
        .unwrap();
    let opened = link.parent_session.poll_event().unwrap();
    let Event::Opened {
        peer_protocol_version,
        protocol_version,
        ..
    } = opened
    else {
        panic!("the city's session opens: {opened:?}");
    };
    assert_eq!(peer_protocol_version, OLDEST_PROTOCOL_VERSION);
    assert_eq!(protocol_version, OLDEST_PROTOCOL_VERSION);

    // Next session: the city's driver says the version the county said (NodeHandle::
    // session_config), and everything either way is a version-6 message.
    let mut parent = config(&topology, city_code(), county_code(), Role::Parent);
    parent.hello_version = peer_protocol_version;
    let mut link = Link::open_configured(parent, child);
    let kinds = run_as_version_6(&mut link, &mut city, &mut county);
    assert!(
        link.parent_refusals().is_empty(),
        "{:?}",
        link.parent_refusals()
    );
    assert!(kinds.iter().any(|kind| kind == "up \"offer\""), "{kinds:?}");
    assert!(
        kinds.iter().any(|kind| kind == "down \"settled\""),
        "{kinds:?}"
    );
    assert_eq!(
        link.parent_session.protocol_version(),
        OLDEST_PROTOCOL_VERSION
    );
    for ledger in [Ledger::Vehicles, Ledger::Energy] {
        let key = DocumentKey::new(county_code(), ledger, SAMPLE_PERIOD);
        assert_eq!(
            sequence(&city, &key),
            sequence(&county, &key),
            "{key} reached the city"
        );
    }
    city.verify()
        .expect("the city verifies what the older county sent");
}

#[test]
fn two_version_7_nodes_speak_7_and_a_recovering_parent_asks_its_child() {
    let topology = ningxia();
    let mut city = memory_core(&topology, city_code());
    let mut county = memory_core(&topology, county_code());
    let mut parent = config(&topology, city_code(), county_code(), Role::Parent);
    parent.recovering = true;
    let mut link = Link::open_configured(
        parent,
        config(&topology, county_code(), city_code(), Role::Child),
    );
    link.run(&mut city, &mut county).unwrap();
    assert_eq!(link.parent_session.protocol_version(), PROTOCOL_VERSION);
    assert!(link.parent_events.iter().any(|event| matches!(
        event,
        Event::RecoveryAnswered { answered: true, child, .. } if *child == county_code()
    )));
}

#[test]
fn a_recovering_parent_never_asks_a_version_6_child_and_says_it_cannot() {
    let topology = ningxia();
    let mut city = memory_core(&topology, city_code());
    let mut county = memory_core(&topology, county_code());
    let mut parent = config(&topology, city_code(), county_code(), Role::Parent);
    parent.recovering = true;
    parent.hello_version = OLDEST_PROTOCOL_VERSION;
    let mut child = config(&topology, county_code(), city_code(), Role::Child);
    child.hello_version = OLDEST_PROTOCOL_VERSION;
    let mut link = Link::open_configured(parent, child);
    // Every frame is a version-6 message: no recovery request goes to a node that cannot read it.
    run_as_version_6(&mut link, &mut city, &mut county);
    assert!(link.parent_events.iter().any(|event| matches!(
        event,
        Event::RecoveryAnswered {
            answered: false,
            protocol_version: 6,
            ..
        }
    )));
}

#[test]
fn the_frozen_copy_is_a_real_check_and_older_versions_are_refused() {
    // The messages version 7 added do not read as version 6.
    for message in [
        Message::RecoveryRequest,
        Message::Recovery {
            topology: None,
            notices: Vec::new(),
            last_page: true,
        },
    ] {
        let frame = message.to_frame().unwrap();
        let body = &frame[protocol::frame::FRAME_PREFIX_BYTES..];
        assert!(
            protocol::encoding::decode_exact::<protocol_v6::Message>(body).is_err(),
            "{message:?} must not read as version 6"
        );
    }
    // A peer of version 5 is refused with both versions named; one of a later version than ours
    // is spoken to in ours.
    let topology = ningxia();
    let mut city = memory_core(&topology, city_code());
    for (theirs, refused) in [(5, true), (8, false)] {
        let mut session = protocol::Session::new(
            config(&topology, city_code(), county_code(), Role::Parent),
            0,
        );
        let hello = Message::Hello {
            protocol_version: theirs,
            node: county_code(),
            topology_version: topology.version(),
        };
        let outcome = session.handle_bytes(1, &hello.to_frame().unwrap(), &mut city);
        if refused {
            assert!(matches!(
                outcome,
                Err(SessionError::ProtocolVersion {
                    ours: 7,
                    theirs: 5,
                    ..
                })
            ));
        } else {
            outcome.unwrap();
            assert_eq!(session.protocol_version(), PROTOCOL_VERSION);
        }
    }
}
