//! Every session can stall only so long, and a peer that keeps sending forgeries is held off. A
//! compromised county connects to its city over real QUIC and (1) begins an offer round and says
//! no more, (2) trickles a frame a few bytes at a time, (3) sends forgeries past the session's
//! refusal budget. The city (its timeouts shortened in node.toml, as tests may) ends each session
//! within its bound, holds the county off after the flood (shown in `status` with the reason) and
//! refuses it at once when it comes back, stores nothing of it, and goes on serving the honest
//! county.

use std::time::{Duration, Instant};

use node::directory::LimitOverrides;
use protocol::message::Message;
use protocol::{DocumentKey, Signed, Submission};
use schemas::{Ledger, Period};

use super::processes_scene::{ProcessScene, WAIT, hello};

/// The city's shortened bounds: a peer owing a frame is dropped after 2 s of silence; a frame must
/// arrive at 2 KiB/s after a 1 s grace.
fn stall_limits() -> LimitOverrides {
    LimitOverrides {
        reply_timeout_ms: Some(2_000),
        frame_grace_ms: Some(1_000),
        frame_min_bytes_per_second: Some(2_048),
        max_misbehaviour_refusals: Some(5),
        hold_off_ms_min: Some(60_000),
        hold_off_ms_max: Some(60_000),
        ..LimitOverrides::default()
    }
}

/// One submission the attacker signs itself (sequence `sequence`).
fn forged_submission(scene: &ProcessScene, sequence: u64) -> anyhow::Result<Signed<Submission>> {
    let (key, topology) = scene.attacker_key()?;
    Ok(Signed::sign(
        Submission {
            key: DocumentKey::new(scene.attacker_code, Ledger::Energy, Period::Year(2025)),
            heads: vec![[sequence as u8; 32]],
            n_records: 1,
            figures_digest: [0; 32],
            coefficients_version: "2025".to_owned(),
            sequence,
            time_ms: 1_750_000_000_000,
            submitted_by: Some("张三".to_owned()),
        },
        &key,
        &topology,
    )?)
}

#[test]
fn a_county_that_stalls_or_trickles_is_dropped_within_the_bound() -> anyhow::Result<()> {
    let mut scene = ProcessScene::prepare(stall_limits())?;
    scene.start()?;
    let topology_version = scene.attacker_key()?.1.version();

    // (1) An offer round begun and never finished, while QUIC keep-alives hold the connection.
    let mut peer = scene.attacker_connects()?;
    peer.send(&hello(scene.attacker_code, topology_version))?;
    peer.send(&Message::Offer {
        round: 1,
        submissions: Vec::new(),
        eager: Vec::new(),
        last_page: false,
    })?;
    let started = Instant::now();
    peer.wait_until_closed(WAIT)?;
    let held_for = started.elapsed();
    peer.close();
    assert!(
        held_for >= Duration::from_millis(1_500) && held_for < Duration::from_secs(10),
        "the city dropped the silent county after {held_for:?}"
    );

    // (2) A frame of 64 KiB announced, then trickled 8 bytes every 200 ms (40 bytes/s).
    let mut peer = scene.attacker_connects()?;
    peer.send(&hello(scene.attacker_code, topology_version))?;
    peer.send_bytes(&(64u32 * 1024).to_be_bytes())?;
    let started = Instant::now();
    let mut dropped = false;
    while started.elapsed() < WAIT {
        if peer.send_bytes(&[0u8; 8]).is_err() {
            dropped = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
        if let Ok(None) = peer
            .receive(Duration::from_millis(1))
            .or(Ok::<_, anyhow::Error>(Some(Message::RestoreNext)))
        {
            dropped = true;
            break;
        }
    }
    let trickled_for = started.elapsed();
    peer.close();
    assert!(
        dropped,
        "the city kept the trickling county for {trickled_for:?}"
    );
    assert!(
        trickled_for < Duration::from_secs(10),
        "the city dropped the trickling county after {trickled_for:?}"
    );
    let log = scene.city_log();
    assert!(
        log.contains("stalled") && log.contains("an offer round was begun and not finished"),
        "{log}"
    );
    assert!(log.contains("slower than 2048 bytes/s"), "{log}");

    scene.honest_sibling_goes_through()?;
    scene.assert_nothing_of_attacker()?;
    scene.terminate()
}

#[test]
fn a_county_flooding_forgeries_is_held_off_and_shown_so() -> anyhow::Result<()> {
    let mut scene = ProcessScene::prepare(stall_limits())?;
    scene.start()?;
    let topology_version = scene.attacker_key()?.1.version();
    let mut peer = scene.attacker_connects()?;
    peer.send(&hello(scene.attacker_code, topology_version))?;
    // Ten submissions whose signatures are broken: each a refusal for misbehaviour.
    let broken: Vec<_> = (1..=10)
        .map(|sequence| {
            let mut envelope = forged_submission(&scene, sequence)?.envelope().clone();
            envelope.signature[0] ^= 0xff;
            anyhow::Ok(envelope)
        })
        .collect::<anyhow::Result<_>>()?;
    peer.send(&Message::Offer {
        round: 1,
        submissions: broken,
        eager: Vec::new(),
        last_page: true,
    })?;
    peer.wait_until_closed(WAIT)?;
    peer.close();

    let status = scene.city_status()?;
    let held_off = status["held_off"]
        .as_array()
        .expect("status lists the children held off");
    assert_eq!(held_off.len(), 1, "{status:#}");
    assert_eq!(held_off[0]["child"]["code"], scene.attacker_code.as_str());
    let reason = held_off[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("因行为不当被拒 6 次") && reason.contains("does not verify"),
        "{reason}"
    );
    assert_eq!(
        status["refusals"], 6,
        "the budget of 5, and the one past it: {status:#}"
    );

    // Back at once: refused before any session runs.
    let started = Instant::now();
    let mut peer = scene.attacker_connects()?;
    let _ = peer.send(&hello(scene.attacker_code, topology_version));
    let received = peer.wait_until_closed(WAIT)?;
    peer.close();
    assert!(
        received.is_empty(),
        "a held-off county gets nothing: {received:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(scene.city_log().contains("暂停连接至"));
    assert_eq!(
        scene.city_status()?["refusals"],
        6,
        "nothing more was checked"
    );

    scene.honest_sibling_goes_through()?;
    scene.assert_nothing_of_attacker()?;
    scene.terminate()
}
