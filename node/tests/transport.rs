//! The transport's refusals over real QUIC on loopback: a key the topology does not name never
//! gets a session.

use std::time::Duration;

use node::directory::generate_key;
use node::local_tree;
use node::transport::tls;
use topology::DivisionCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_the_topology_does_not_name_fails_the_handshake() {
    let directory = tempfile::tempdir().unwrap();
    let tree = local_tree::prepare(
        &local_tree::ningxia_city_with_counties(1).unwrap(),
        directory.path(),
    )
    .unwrap()
    .start(false)
    .unwrap();
    let city = tree.root();
    let city_key = *tree.topology.root().public_key.unwrap().verifying_key();
    let address = tree
        .topology
        .root()
        .address
        .clone()
        .unwrap()
        .parse()
        .unwrap();

    let stranger = generate_key().unwrap();
    let endpoint = quinn::Endpoint::client("127.0.0.1:0".parse().unwrap()).unwrap();
    let client_config = tls::client_config(&stranger, city_key).unwrap();
    let outcome = tokio::time::timeout(Duration::from_secs(10), async {
        let connection = endpoint
            .connect_with(client_config, address, tls::SERVER_NAME)
            .unwrap()
            .await?;
        // TLS 1.3 lets the client finish first; the server's refusal arrives as a close.
        let (mut send, mut receive) = connection.open_bi().await?;
        send.write_all(b"\0\0\0\x05hello").await?;
        let mut buffer = [0u8; 16];
        receive.read(&mut buffer).await?;
        anyhow::Ok(())
    })
    .await
    .expect("the refusal arrives within the timeout");
    let error = outcome.expect_err("a stranger's key is refused");
    let text = format!("{error:#}");
    assert!(
        text.contains("不在本节点接受的密钥之列") || text.contains("46"),
        "the handshake fails on the key: {text}"
    );
    let stored = city
        .handle
        .with_core(|core| core.latest_submissions().count());
    assert_eq!(stored, 0);
    let county = DivisionCode::parse("640104000000").unwrap();
    assert!(
        city.handle.links().iter().all(|link| link.peer == county),
        "only the real county has a link"
    );
    endpoint.close(quinn::VarInt::from_u32(0), b"done");
    tree.shutdown().await.unwrap();
}
